"""Shared fixtures: tests never load installed third-party plugins by accident."""

from __future__ import annotations

import os

os.environ.setdefault("GAPAUDIT_DISABLE_PLUGIN_AUTOLOAD", "1")

pytest_plugins = ["gapaudit.testing"]
