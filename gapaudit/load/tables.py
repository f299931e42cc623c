"""Read tabular evidence (CSV in any common encoding, XLSX) into row dicts.

Every cell keeps its (row, column) so validation errors can name them.
Files are untrusted: size, row count and decompressed size are bounded, and
binary data posing as CSV is refused.
"""

from __future__ import annotations

import csv
import io
import math
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from gapaudit.errors import InputError, InputIssue

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_XLSX_UNCOMPRESSED = 400 * 1024 * 1024
MAX_ROWS = 1_000_000
MAX_COLUMNS = 2_000

Cell = tuple[int, int]  # 1-based (line or row, column)


class Rows:
    """Rows read from one file: dicts of column → value, and cell positions."""

    def __init__(self, display: str):
        self.display = display
        self.rows: list[dict[str, Any]] = []
        self.row_pos: list[int] = []
        self.col_index: dict[str, int] = {}


def resolve_evidence_path(base_dir: Path, name: str, display_base: str) -> Path:
    """The file ``name`` relative to the audit folder; refuse paths that escape it."""
    if not name or "\x00" in name:
        raise InputError([InputIssue("empty or invalid file name", (), display_base)])
    raw = Path(name)
    if raw.is_absolute():
        raise _issue(f"absolute paths are not allowed ({name!r}); give a path relative to the audit file")
    base = base_dir.resolve()
    target = (base / raw).resolve()
    if not target.is_relative_to(base):
        raise _issue(f"{name!r} points outside the audit folder {base}; evidence files must live beside the audit")
    if not target.is_file():
        raise _issue(f"evidence file {name!r} does not exist (looked in {base})")
    return target


def _issue(msg: str) -> InputError:
    return InputError([InputIssue(msg)])


def read_table(path: Path, display: str, *, sheet: str | None = None, encoding: str | None = None,
               delimiter: str | None = None, columns: dict[str, str] | None = None) -> Rows:
    """Read a CSV or XLSX file; raise InputError naming file, row and column on failure."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError([InputIssue(f"file is {size / 1e6:.0f} MB; the limit is {MAX_FILE_BYTES / 1e6:.0f} MB",
                                     (), display)])
    with path.open("rb") as fh:
        head = fh.read(8)
    if path.suffix.lower() in (".xlsx", ".xlsm") or head.startswith(b"PK\x03\x04"):
        if path.suffix.lower() not in (".xlsx", ".xlsm"):
            raise InputError([InputIssue("this is a ZIP/XLSX file, not CSV; name it .xlsx", (), display)])
        out = _read_xlsx(path, display, sheet)
    else:
        if sheet:
            raise InputError([InputIssue("'sheet' applies to XLSX files only", (), display)])
        out = _read_csv(path.read_bytes(), display, encoding, delimiter)
    if columns:
        renamed: dict[str, int] = {}
        for name, idx in out.col_index.items():
            renamed[columns.get(name, name)] = idx
        out.col_index = renamed
        out.rows = [{columns.get(k, k): v for k, v in row.items()} for row in out.rows]
    return out


def _decode(data: bytes, display: str, encoding: str | None) -> str:
    if b"\x00" in data[:65536]:
        raise InputError([InputIssue("binary data (NUL bytes) in a CSV file: is this really a CSV export?",
                                     (), display, 1)])
    tried = [encoding] if encoding else ["utf-8-sig", "gb18030"]
    for enc in tried:
        try:
            text = data.decode(enc)
        except LookupError:
            raise InputError([InputIssue(f"unknown encoding {enc!r}", (), display)]) from None
        except UnicodeDecodeError as exc:
            if encoding:
                line = data[: exc.start].count(b"\n") + 1
                raise InputError([InputIssue(f"not valid {enc}: byte {exc.start}", (), display, line)]) from None
            continue
        return text.lstrip("\ufeff")
    raise InputError([InputIssue("cannot decode as UTF-8 or GB18030; set 'encoding:' on the file reference",
                                 (), display)])


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value
    return value


def _read_csv(data: bytes, display: str, encoding: str | None, delimiter: str | None) -> Rows:
    text = _decode(data, display, encoding)
    first = text.split("\n", 1)[0]
    if delimiter is None:
        delimiter = max([",", ";", "\t"], key=first.count) if first else ","
    out = Rows(display)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError([InputIssue("file is empty: expected a header row", (), display, 1)]) from None
    except csv.Error as exc:
        raise InputError([InputIssue(f"malformed CSV: {exc}", (), display, 1)]) from None
    _set_header(out, header, display)
    try:
        for record in reader:
            line = reader.line_num
            if not any(c.strip() for c in record):
                continue
            if len(record) > len(header):
                extra = record[len(header):]
                if any(c.strip() for c in extra):
                    raise InputError([InputIssue(
                        f"row has {len(record)} cells but the header has {len(header)} columns", (),
                        display, line, len(header) + 1)])
            _add_row(out, record, line, display)
    except csv.Error as exc:
        raise InputError([InputIssue(f"malformed CSV: {exc}", (), display, reader.line_num)]) from None
    return out


def _set_header(out: Rows, header: list[Any], display: str) -> None:
    if len(header) > MAX_COLUMNS:
        raise InputError([InputIssue(f"{len(header)} columns; the limit is {MAX_COLUMNS}", (), display, 1)])
    for idx, name in enumerate(header, start=1):
        name = "" if name is None else str(name).strip().lstrip("\ufeff")
        if not name:
            continue
        if name in out.col_index:
            raise InputError([InputIssue(f"duplicate column {name!r}", (), display, 1, idx)])
        out.col_index[name] = idx


def _add_row(out: Rows, record: list[Any] | tuple[Any, ...], line: int, display: str) -> None:
    if len(out.rows) >= MAX_ROWS:
        raise InputError([InputIssue(f"more than {MAX_ROWS:,} rows", (), display, line)])
    row = {}
    for name, idx in out.col_index.items():
        row[name] = _clean(record[idx - 1]) if idx - 1 < len(record) else None
    out.rows.append(row)
    out.row_pos.append(line)


def _read_xlsx(path: Path, display: str, sheet: str | None) -> Rows:
    try:
        with zipfile.ZipFile(path) as zf:
            total = sum(info.file_size for info in zf.infolist())
    except zipfile.BadZipFile:
        raise InputError([InputIssue("not a valid XLSX file (bad ZIP archive)", (), display)]) from None
    if total > MAX_XLSX_UNCOMPRESSED:
        raise InputError([InputIssue(f"XLSX unpacks to {total / 1e6:.0f} MB; the limit is "
                                     f"{MAX_XLSX_UNCOMPRESSED / 1e6:.0f} MB", (), display)])
    import openpyxl  # deferred: only audits with XLSX evidence pay for it

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises a zoo of types for broken files
        raise InputError([InputIssue(f"cannot read XLSX: {exc}", (), display)]) from None
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise InputError([InputIssue(f"no sheet {sheet!r}; sheets are {', '.join(wb.sheetnames)}", (), display)])
        ws = wb[sheet] if sheet else wb.worksheets[0]
        out = Rows(f"{display}[{ws.title}]")
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise InputError([InputIssue("sheet is empty: expected a header row", (), out.display, 1)])
        _set_header(out, list(header), out.display)
        for line, record in enumerate(rows, start=2):
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in record):
                continue
            _add_row(out, record, line, out.display)
        return out
    finally:
        wb.close()


def to_json_value(value: Any) -> Any:
    """Dates from XLSX as ISO strings where a model expects text."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value
