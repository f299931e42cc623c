"""gapaudit's built-in audit modules, installed as ``gapaudit_plugins``.

Each subpackage is one plugin, registered through the same path as
third-party plugins (see :mod:`gapaudit.plugins`).
"""
