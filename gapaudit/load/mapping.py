"""Apply an evidence file's reading options: from a file's columns to the fields of a row model.

The options (``columns``, ``ignore``, ``keep``, ``missing``, ``values``,
``date_format``, ``unpivot`` on a ``{file: ...}`` reference) are settled on
the header alone, so an unknown or misspelt column is reported once, before
any row is read, and columns nobody needs are never held in memory. Each
cell is then converted by the type of the field it fills (dates, numbers,
text), and every record remembers its row and each field its column, so an
error names the cell as a spreadsheet user does.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Iterator

from pydantic import BaseModel

from gapaudit.errors import InputIssue
from gapaudit.load.tables import Sheet, column_letter, normal_text, parse_date, parse_number, shorten
from gapaudit.model.base import TableRef

Path_ = tuple[str | int, ...]

#: missing-answer words understood in every file, beside the blank cell
DEFAULT_MISSING = ("na", "n/a", "不适用", "-", "(跳过)", "（跳过）")


def matches(name: str, patterns: list[str]) -> str | None:
    """The entry of ``patterns`` naming ``name``: the name itself, or a pattern with * ? [ ] matching it."""
    for pattern in patterns:
        if pattern == name:
            return pattern
    for pattern in patterns:
        if any(c in pattern for c in "*?[") and fnmatch.fnmatchcase(name, pattern):
            return pattern
    return None


def settle_column(name: str, renames: dict[str, str], keep: list[str],
                  ignore: list[str]) -> tuple[str | None, str | None, bool]:
    """(the name the column goes by, or None with why it is left out; whether ``columns:`` renamed it).

    ``columns:`` wins (``-`` leaves the column out), then ``keep``, then ``ignore``.
    """
    if name in renames:
        target = renames[name]
        return (None, "columns: -", True) if target == "-" else (target, None, True)
    if keep and not matches(name, keep):
        return None, "not in keep", False
    if (hit := matches(name, ignore)) is not None:
        return None, f"ignore: {hit}", False
    return name, None, False


def absent_columns(renames: dict[str, str], sheet: Sheet, ref_path: Path_) -> list[InputIssue]:
    """An issue at its own line for each ``columns:`` entry that names no column of the file."""
    from gapaudit.analysis.evidence import suggest

    names = [h for h in sheet.header if h]
    return [InputIssue(f"no column {shorten(name)} in {sheet.display}{suggest(name, names)}",
                       ref_path + ("columns", name), zh=f"{sheet.display} 中没有“{name}”列{suggest(name, names, 'zh')}")
            for name in renames if name not in sheet.header]


@dataclass
class TableInfo:
    """Where the records of one table came from: the file's rows and, per field, its column."""

    sheet: Sheet
    row_numbers: list[int] = field(default_factory=list)
    columns: dict[str, tuple[int, str]] = field(default_factory=dict)  # field → (column index, file column)
    value_columns: list[int] | None = None  # unpivot: the value column of each record
    unpivot: tuple[str, str] | None = None   # (name_to, value_to)

    def cell(self, record: int, name: str | None) -> tuple[int, int | None, str | None]:
        """(row, column, file column name) of a record's field; the row alone for an unknown field."""
        row = self.row_numbers[record]
        if self.unpivot and name is not None and name in self.unpivot and self.value_columns is not None:
            col = self.value_columns[record]
            header = self.sheet.header[col - 1]
            if name == self.unpivot[0]:  # the column's name became this field: point at the header cell
                return self.sheet.options.header_row, col, header
            return row, col, header
        if name is not None and name in self.columns:
            col, header = self.columns[name]
            return row, col, header
        return row, None, None


def table_issue(sheet: Sheet, row: int, column: int | None, column_name: str | None, en: str, zh: str,
                path: Path_ = (), group: str | None = None) -> InputIssue:
    """An issue located at a table cell (or a whole row when ``column`` is None)."""
    return InputIssue(en, path, sheet.display, row, column, zh=zh, column_name=column_name,
                      table="sheet" if sheet.is_workbook else "csv", group=group)


# --- the row model's fields ---------------------------------------------------------------

def field_kind(annotation: Any) -> str:
    """How a cell for this field is converted: date, int, float, text or as-is ('any')."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return field_kind(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        kinds = {field_kind(a) for a in typing.get_args(annotation) if a is not type(None)}
        return kinds.pop() if len(kinds) == 1 else "any"
    if annotation is dt.date:
        return "date"
    if annotation is bool:
        return "any"
    if annotation is int:
        return "int"
    if annotation is float:
        return "float"
    if annotation is str or origin is typing.Literal:
        return "text"
    return "any"


def model_fields(model: type[BaseModel]) -> dict[str, str]:
    """Field name (or alias) → kind, for the columns a table of ``model`` rows may have."""
    return {(info.alias or name): field_kind(info.annotation) for name, info in model.model_fields.items()}


def required_fields(model: type[BaseModel]) -> list[str]:
    return [(info.alias or name) for name, info in model.model_fields.items() if info.is_required()]


# --- the column plan --------------------------------------------------------------------------

@dataclass
class ColumnPlan:
    """What becomes of each file column: a field, a value column to unpivot, or nothing (with why)."""

    fields: dict[str, int] = field(default_factory=dict)         # field → column index
    value_columns: list[int] = field(default_factory=list)       # unpivot
    ignored: dict[int, str] = field(default_factory=dict)        # column index → reason
    unknown: list[int] = field(default_factory=list)


def plan_columns(sheet: Sheet, ref: TableRef, known: dict[str, str], kind: str,
                 ref_path: Path_) -> tuple[ColumnPlan, list[InputIssue]]:
    """Settle every column from the header and the options; issues for unknown columns and unused options.

    ``known`` is the row model's fields; ``kind`` names the table in messages.
    """
    plan = ColumnPlan()
    issues: list[InputIssue] = []
    used_renames: set[str] = set()
    unpivot = ref.unpivot
    header_row = sheet.options.header_row
    for idx, name in enumerate(sheet.header, start=1):
        if not name:
            plan.ignored[idx] = "no name"
            continue
        if unpivot is not None and matches(name, unpivot.columns):
            plan.value_columns.append(idx)
            continue
        target, left_out, renamed = settle_column(name, ref.columns, ref.keep, ref.ignore)
        if renamed:
            used_renames.add(name)
        if target is None:
            plan.ignored[idx] = left_out or ""
            continue
        if target not in known or unpivot is not None and target in (unpivot.name_to, unpivot.value_to):
            plan.unknown.append(idx)
            from gapaudit.analysis.evidence import suggest

            hint, hint_zh = suggest(target, set(known)), suggest(target, set(known), "zh")
            fields = ", ".join(known)
            issues.append(table_issue(
                sheet, header_row, idx, name,
                f"column {shorten(name)} is not a field of {kind}{hint} (fields: {fields}); rename it with "
                f"columns: {{{name}: <field>}} or leave it out with ignore: [{name}]",
                f"“{name}”列不是 {kind} 的字段{hint_zh}（字段：{fields}）；请用 columns: {{{name}: <字段>}} 改名，"
                f"或用 ignore: [{name}] 忽略", group="unknown column"))
            continue
        if target in plan.fields:
            other = column_letter(plan.fields[target])
            issues.append(table_issue(
                sheet, header_row, idx, name,
                f"two columns fill the field {target!r} (this one and column {other}); ignore one of them",
                f"两列都对应字段 {target!r}（本列和 {other} 列）；请忽略其中一列"))
            continue
        plan.fields[target] = idx
    issues.extend(absent_columns(ref.columns, sheet, ref_path))
    if unpivot is not None:
        if not plan.value_columns:
            issues.append(InputIssue(f"no column of {sheet.display} matches unpivot.columns {unpivot.columns}",
                                     ref_path + ("unpivot", "columns"),
                                     zh=f"{sheet.display} 中没有与 unpivot.columns {unpivot.columns} 匹配的列"))
        for target in (unpivot.name_to, unpivot.value_to):
            if target not in known:
                from gapaudit.analysis.evidence import suggest

                issues.append(InputIssue(f"{target!r} is not a field of {kind}{suggest(target, set(known))}",
                                         ref_path + ("unpivot",),
                                         zh=f"{target!r} 不是 {kind} 的字段{suggest(target, set(known), 'zh')}"))
    for key in ref.values:
        if key not in plan.fields and key not in sheet.header and not (unpivot and key in (unpivot.name_to,
                                                                                           unpivot.value_to)):
            issues.append(InputIssue(f"values: no field or column {shorten(key)} in {sheet.display}",
                                     ref_path + ("values", key), zh=f"values：{sheet.display} 中没有字段或列“{key}”"))
    return plan, issues


# --- cells ------------------------------------------------------------------------------------

class MissingCodes:
    """Cell values that mean "no answer": the blank cell, the default words and a file's declared codes."""

    def __init__(self, codes: list[Any] | tuple[Any, ...]):
        self.text = {normal_text(str(m)).lower() for m in codes if isinstance(m, str)}
        self.numbers = {float(m) for m in codes if isinstance(m, (int, float)) and not isinstance(m, bool)}
        for m in codes:
            if isinstance(m, str):
                number = parse_number(m)
                if isinstance(number, (int, float)):
                    self.numbers.add(float(number))

    def is_missing(self, value: Any) -> bool:
        if value is None:
            return True
        if isinstance(value, str):
            key = normal_text(value).lower()
            if key in self.text:
                return True
            if self.numbers and key[:1] in "+-.0123456789":
                number = parse_number(key)
                return isinstance(number, (int, float)) and float(number) in self.numbers
            return False
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value) in self.numbers
        return False


class CellReader(MissingCodes):
    """Turns a file's cells into field values: missing codes, value maps, then the field's type."""

    def __init__(self, ref: TableRef, known: dict[str, str], sheet: Sheet, defaults: tuple[str, ...] = ()):
        super().__init__(list(defaults) + list(ref.missing))
        self.kinds = known
        self.date_format = ref.date_format
        self.decimal = ref.decimal
        self.values: dict[str, dict[str, Any]] = {}
        for key, table in ref.values.items():
            self.values[key] = {normal_text(str(k)): v for k, v in table.items()}
        self.header = sheet.header

    def convert(self, fieldname: str, column: int, value: Any) -> tuple[Any, tuple[str, str] | None]:
        """(value, None) or (None, (en, zh) error) for one cell."""
        if self.is_missing(value):
            return None, None
        table = self.values.get(fieldname) or self.values.get(self.header[column - 1])
        if table is not None:
            key = normal_text(_as_text(value))
            if key in table:
                value = table[key]
                if value is None:
                    return None, None
        kind = self.kinds.get(fieldname, "any")
        if kind == "date":
            parsed = parse_date(value, self.date_format)
            return (None, parsed) if isinstance(parsed, tuple) else (parsed, None)
        if kind in ("int", "float"):
            parsed = parse_number(value, self.decimal)
            if isinstance(parsed, tuple):
                return None, parsed
            if kind == "int" and isinstance(parsed, float):
                if not parsed.is_integer():
                    return None, (f"expected a whole number, found {shorten(value)}",
                                  f"应为整数，实际为 {shorten(value)}")
                parsed = int(parsed)
            return parsed, None
        if kind == "text":
            return _as_text(value), None
        return value, None


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    return str(value)


# --- records ------------------------------------------------------------------------------------

def read_records(sheet: Sheet, ref: TableRef, model: type[BaseModel], kind: str,
                 ref_path: Path_) -> tuple[list[dict[str, Any]], TableInfo, list[InputIssue]]:
    """The file's rows as dicts of field → value for ``model``, with where each came from, and the issues."""
    known = model_fields(model)
    plan, issues = plan_columns(sheet, ref, known, kind, ref_path)
    info = TableInfo(sheet, columns={f: (c, sheet.header[c - 1]) for f, c in plan.fields.items()})
    present = set(plan.fields) | ({ref.unpivot.name_to, ref.unpivot.value_to} if ref.unpivot else set())
    absent = [f for f in required_fields(model) if f not in present]
    if absent:
        listing = ", ".join(absent)
        issues.append(table_issue(sheet, sheet.options.header_row, None, None,
                                  f"required column{'s' if len(absent) > 1 else ''} {listing} missing from the "
                                  f"header (columns: {', '.join(h for h in sheet.header if h)}); add "
                                  f"{'them' if len(absent) > 1 else 'it'}, or map a column to "
                                  f"{'them' if len(absent) > 1 else 'it'} with columns:",
                                  f"表头缺少必填列 {listing}（现有列：{'、'.join(h for h in sheet.header if h)}）；"
                                  "请补上，或用 columns: 把某一列对应过去"))
    reader = CellReader(ref, known, sheet)
    wanted = sorted(set(plan.fields.values()) | set(plan.value_columns))
    slot = {c: i for i, c in enumerate(wanted)}
    records: list[dict[str, Any]] = []
    if ref.unpivot is not None:
        info.unpivot = (ref.unpivot.name_to, ref.unpivot.value_to)
        info.value_columns = []
    for row, cells in sheet.rows(wanted):
        base: dict[str, Any] = {}
        for fieldname, col in plan.fields.items():
            value, error = reader.convert(fieldname, col, cells[slot[col]])
            if error is not None:
                issues.append(table_issue(sheet, row, col, sheet.header[col - 1], *error,
                                          path=(fieldname,), group=f"{fieldname}:{reader.kinds.get(fieldname)}"))
            elif value is not None:
                base[fieldname] = value
        if ref.unpivot is None:
            records.append(base)
            info.row_numbers.append(row)
            continue
        for col in plan.value_columns:
            raw = cells[slot[col]]
            if reader.is_missing(raw):
                continue
            record = dict(base)
            name_value, error = reader.convert(ref.unpivot.name_to, col, sheet.header[col - 1])
            record[ref.unpivot.name_to] = name_value if error is None else sheet.header[col - 1]
            value, error = reader.convert(ref.unpivot.value_to, col, raw)
            if error is not None:
                issues.append(table_issue(sheet, row, col, sheet.header[col - 1], *error,
                                          path=(ref.unpivot.value_to,), group=f"{ref.unpivot.value_to}:value"))
            elif value is not None:
                record[ref.unpivot.value_to] = value
            records.append(record)
            info.row_numbers.append(row)
            info.value_columns.append(col)
    return records, info, issues


def iter_plain(sheet: Sheet) -> Iterator[tuple[int, dict[str, Any]]]:
    """Rows as {column name: cell}, for tables without a row model."""
    names = sheet.header
    for row, cells in sheet.rows():
        yield row, {n: c for n, c in zip(names, cells) if n}
