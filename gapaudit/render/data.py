"""The result as JSON: the contract every other output and the roll-up read (the action register: register.py)."""

from __future__ import annotations

from typing import Any

from gapaudit.model.result import AuditResult


def to_json(result: AuditResult, **_: Any) -> bytes:
    """The result as indented UTF-8 JSON; byte-identical for identical input."""
    return (result.model_dump_json(indent=2) + "\n").encode("utf-8")
