"""The result as JSON: the contract every other output and the roll-up read (the action register: register.py),
and what every spreadsheet writer shares: the guard for untrusted text and reproducible workbook bytes."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
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


def workbook_bytes(wb: Any, when: dt.datetime) -> bytes:
    """An openpyxl workbook saved dated ``when``: equal input gives equal bytes.

    openpyxl stamps the workbook's modification date with the clock while saving, and zip members with the
    time of day, so the date is written into ``docProps/core.xml`` and every member afterwards.
    """
    wb.properties.created = wb.properties.modified = when
    buf = io.BytesIO()
    wb.save(buf)
    out = io.BytesIO()
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp + rb"\g<2>",
                              body)
            fixed = zipfile.ZipInfo(info.filename, date_time=(max(1980, when.year), *when.timetuple()[1:6]))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, body)
    return out.getvalue()
