"""gapaudit: service-quality gap audits for stores and service businesses.

The public surface for plugin authors::

    from gapaudit import hookimpl, AuditModule, ModuleContext, ModuleResult, Metric, Finding, Action

Everything but ``hookimpl`` and ``__version__`` is imported lazily so that
``gapaudit --help`` starts fast.
"""

from __future__ import annotations

from typing import Any

import pluggy

__version__ = "0.1.0"

hookimpl = pluggy.HookimplMarker("gapaudit")
"""Marker for hook implementations: ``@hookimpl def gapaudit_register_modules(): ...``."""

_LAZY = {
    "AuditModule": "gapaudit.module",
    "ModuleContext": "gapaudit.module",
    "ModuleResult": "gapaudit.model.result",
    "Metric": "gapaudit.model.result",
    "Finding": "gapaudit.model.result",
    "Action": "gapaudit.model.result",
    "DataQualityNote": "gapaudit.model.result",
    "AuditResult": "gapaudit.model.result",
    "ReportSection": "gapaudit.model.report",
    "Theme": "gapaudit.model.report",
    "Scope": "gapaudit.scope",
    "Model": "gapaudit.model.base",
    "table": "gapaudit.model.base",
    "Answer": "gapaudit.model.base",
    "GapauditError": "gapaudit.errors",
    "InputError": "gapaudit.errors",
    "PluginError": "gapaudit.errors",
}

__all__ = ["__version__", "hookimpl", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'gapaudit' has no attribute {name!r}")
