"""Helpers for testing audit modules and plugins (also for third-party plugin authors).

Use them directly or as pytest fixtures via ``pytest_plugins = ["gapaudit.testing"]``::

    def test_my_module(gapaudit_host):
        host = gapaudit_host(my_plugin, builtins=False)
        result = run_audit(minimal_audit(evidence={...}), host)
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Callable

import pytest

from gapaudit.load.audit import LoadedAudit, load_audit, load_audit_data
from gapaudit.model.result import AuditResult
from gapaudit.plugins import PluginHost

MINIMAL_AUDIT: dict[str, Any] = {
    "schema_version": 1,
    "audit": {"id": "T-1", "date": "2026-09-30", "language": "en"},
    "store": {"id": "S-1", "name": "Test store"},
}


def minimal_audit(**sections: Any) -> dict[str, Any]:
    """A valid audit dict with the given top-level sections added (e.g. ``evidence={...}``)."""
    data = copy.deepcopy(MINIMAL_AUDIT)
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return data


def make_host(*plugins: object, builtins: bool = True, names: list[str] | None = None) -> PluginHost:
    """A plugin host with the built-ins (optional) and the given plugin objects; no entry points."""
    given = [(names[i] if names else getattr(p, "__name__", f"plugin{i}").rsplit(".", 1)[-1], p)
             for i, p in enumerate(plugins)]
    return PluginHost.create(builtins=builtins, entry_points=False, plugins=given)


def load(data: dict[str, Any] | str | Path, host: PluginHost, base_dir: str | Path = ".") -> LoadedAudit:
    """Load an audit from a dict (evidence paths relative to ``base_dir``) or from a YAML file."""
    if isinstance(data, (str, Path)):
        return load_audit(data, host)
    return load_audit_data(data, host, source=Path(base_dir) / "<test audit>")


def run_audit(data: dict[str, Any] | str | Path, host: PluginHost | None = None, lang: str | None = None,
              base_dir: str | Path = ".") -> AuditResult:
    """Load and run an audit, returning its result."""
    from gapaudit import engine

    host = host or make_host()
    return engine.run(load(data, host, base_dir), host, lang=lang)


@pytest.fixture
def gapaudit_host() -> Callable[..., PluginHost]:
    """Factory fixture: ``gapaudit_host(my_plugin, builtins=False)`` → a fresh PluginHost."""
    return make_host


@pytest.fixture
def gapaudit_run() -> Callable[..., AuditResult]:
    """Factory fixture: ``gapaudit_run(audit_dict_or_path, host=None, lang=None)`` → AuditResult."""
    return run_audit
