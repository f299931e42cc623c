"""Data outputs of a result: JSON (the contract) and the action plan as CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from gapaudit.model.result import AuditResult

ACTION_COLUMNS = ["priority", "id", "title", "rationale", "gap", "owner_role", "horizon", "due", "kind",
                  "evidence"]


def to_json(result: AuditResult, **_: Any) -> bytes:
    """The result as indented UTF-8 JSON; byte-identical for identical input."""
    return (result.model_dump_json(indent=2) + "\n").encode("utf-8")


def actions_csv(result: AuditResult, **_: Any) -> bytes:
    """The merged action plan as CSV (UTF-8 with BOM so Excel shows Chinese correctly)."""
    buf = io.StringIO(newline="")
    out = csv.writer(buf, lineterminator="\r\n")
    out.writerow(ACTION_COLUMNS)
    for a in result.actions:
        row = a.model_dump(mode="json")
        row["evidence"] = " | ".join(a.evidence)
        row["due"] = a.due.isoformat() if a.due else ""
        out.writerow([_safe_cell(row[c]) for c in ACTION_COLUMNS])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas in untrusted text (=, +, -, @ at the start)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
