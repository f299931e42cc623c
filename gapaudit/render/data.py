"""The result as JSON: the contract every other output and the roll-up read (the action register: register.py),
and the guard every spreadsheet writer puts untrusted text through."""

from __future__ import annotations

from typing import Any

from gapaudit.model.result import AuditResult


def to_json(result: AuditResult, **_: Any) -> bytes:
    """The result as indented UTF-8 JSON; byte-identical for identical input."""
    return (result.model_dump_json(indent=2) + "\n").encode("utf-8")


def _safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas in untrusted text (=, +, -, @ at the start)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
