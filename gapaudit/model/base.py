"""Shared pydantic building blocks for input and result models."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator


class Model(BaseModel):
    """Base of every input model: unknown keys are errors, NaN/inf are refused."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True,
                              validate_default=False, frozen=False)


class TableMarker:
    """Annotation marking a field that may be given inline or as ``{file: ...}``.

    The loader replaces a file reference by the rows read from CSV/XLSX before
    validation, so rows from files and inline rows are validated alike and
    errors point at the file's row and column.
    """

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "TABLE"

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> Any:
        """In the JSON Schema, a table is its rows or a file reference."""
        rows = handler(core_schema)
        ref = handler(TableRef.__pydantic_core_schema__)
        return {"anyOf": [rows, ref]}


TABLE = TableMarker()


def table(row: Any) -> Any:
    """Type of a tabular field: a list of ``row``, inline or from a CSV/XLSX file."""
    return Annotated[list[row], TABLE, Field(default_factory=list)]


class Unpivot(Model):
    """A wide table turned into one row per filled cell, as Excel's Power Query "unpivot" does.

    E.g. a checklist with one row per standard and one column per visit:
    ``{columns: ["V*"], name_to: visit, value_to: result}`` gives one
    observation per filled visit cell; the other columns (standard, note) are
    repeated on every row made from theirs. Blank cells give no row.
    """

    columns: list[str] = Field(min_length=1, description="the value columns: names or patterns with * and ?, "
                                                         "e.g. ['V*'] or ['第1次', '第2次']")
    name_to: str = Field(min_length=1, description="field that receives each value column's name, e.g. visit")
    value_to: str = Field(min_length=1, description="field that receives the cell, e.g. result")


DateFormat = Annotated[str, Field(min_length=2, max_length=40, description=(
    "how dates are written when it is not obvious: DMY (15/09/2026), MDY (09/15/2026), excel (serial "
    "numbers such as 46280) or a strftime pattern such as %d.%m.%Y; 2026-09-15, 2026/9/15 and 2026年9月15日 "
    "are always understood"))]


class TableRef(Model):
    """A reference to tabular evidence stored next to the audit YAML, with how to read it.

    The reading options let an export be used as it arrives: the header row
    under title rows, columns renamed, ignored or unpivoted, missing-answer
    codes and value maps declared. ``gapaudit import`` writes them.
    """

    file: str = Field(min_length=1, max_length=500,
                      description="CSV, XLSX, XLS or ODS file, relative to the audit YAML's folder")
    sheet: str | None = Field(None, max_length=200, description="workbook sheet name (default: the first sheet)")
    encoding: str | None = Field(None, max_length=40, description=(
        "CSV encoding (default: detected — UTF-8 with or without BOM, UTF-16 with BOM, else GB18030)"))
    delimiter: str | None = Field(None, min_length=1, max_length=1,
                                  description="CSV delimiter (default: detected: comma, semicolon or tab)")
    header_row: int = Field(1, ge=1, le=1000, description="row holding the column names, counting from 1 "
                                                          "(title rows above it are skipped)")
    header_rows: int = Field(1, ge=1, le=5, description="header rows combined into the names, e.g. 2 for "
                                                        "SurveyMonkey's question row + option row")
    data_from_row: int | None = Field(None, ge=2, le=1000, description=(
        "first data row (default: right after the header); e.g. Qualtrics' ImportId row is skipped this way"))
    columns: dict[str, str] = Field(default_factory=dict, description="rename file columns: {file column: field name}")
    ignore: list[str] = Field(default_factory=list, description=(
        "columns to leave out: names, or patterns with * and ? (e.g. ['来源*', 'IP*'])"))
    keep: list[str] = Field(default_factory=list, description=(
        "read only these columns (names or patterns); every other column is left out"))
    missing: list[str | float] = Field(default_factory=list, description=(
        "cell values that mean 'no answer' in this file, e.g. ['(跳过)', -3, 999, '未作答']"))
    values: dict[str, dict[str, Any]] = Field(default_factory=dict, description=(
        "value maps per field or column: {severity: {高: high, 中: medium, 低: low}}"))
    date_format: DateFormat | None = None
    unpivot: Unpivot | None = Field(None, description="a wide table (one column per visit or per standard) "
                                                      "read as one row per filled cell")

    @model_validator(mode="after")
    def _rows(self) -> "TableRef":
        last_header = self.header_row + self.header_rows - 1
        if self.data_from_row is not None and self.data_from_row <= last_header:
            raise ValueError(f"data_from_row ({self.data_from_row}) must come after the header "
                             f"(row {last_header})")
        return self


# --- answers ----------------------------------------------------------------

_ANSWERS = {
    "yes": "yes", "y": "yes", "true": "yes", "1": "yes", "是": "yes", "有": "yes", "符合": "yes",
    "partly": "partly", "partial": "partly", "partially": "partly", "some": "partly", "0.5": "partly",
    "部分": "partly", "部分符合": "partly", "一般": "partly",
    "no": "no", "n": "no", "false": "no", "0": "no", "否": "no", "无": "no", "没有": "no", "不符合": "no",
    "na": "na", "n/a": "na", "n.a.": "na", "not applicable": "na", "-": "na", "不适用": "na",
    # marks as people tick paper and Excel checklists
    "√": "yes", "✓": "yes", "✔": "yes", "达标": "yes", "合格": "yes",
    "×": "no", "✗": "no", "✘": "no", "未达标": "no", "不达标": "no", "不合格": "no",
    "部分达标": "partly", "/": "na", "不涉及": "na",
}


def _answer(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)) and value in (0, 1):
        return "yes" if value else "no"
    if isinstance(value, str):
        key = value.strip().lower()
        if key in _ANSWERS:
            return _ANSWERS[key]
    return value


Answer = Annotated[
    Literal["yes", "partly", "no", "na"],
    BeforeValidator(_answer),
    Field(description="yes / partly / no / na (also 是 / 部分 / 否 / 不适用, true / false, 1 / 0)"),
]
"""A checklist-style answer; ``partly`` counts as half, ``na`` is left out."""

ANSWER_VALUE = {"yes": 1.0, "partly": 0.5, "no": 0.0}


_FLAGS = {"已解决": True, "解决": True, "已处理": True, "已兑现": True, "兑现": True, "按时": True, "准时": True,
          "未解决": False, "未处理": False, "未兑现": False, "超时": False, "延误": False}


def _flag(value: Any) -> Any:
    if isinstance(value, str):
        key = value.strip().lower()
        if _ANSWERS.get(key) in ("yes", "no"):
            return _ANSWERS[key] == "yes"
        if key in _FLAGS:
            return _FLAGS[key]
    return value


Flag = Annotated[bool, BeforeValidator(_flag), Field(description="true / false (also yes / no, 是 / 否, 1 / 0)")]
"""A yes/no fact, accepting the spellings real exports use."""


def _split_list(value: Any) -> Any:
    if isinstance(value, str):
        return [p for p in re.split(r"[;,，；、|\s]+", value) if p]
    return value


IdList = Annotated[list[str], BeforeValidator(_split_list)]
"""A list of ids; a CSV cell may hold them separated by ``;`` ``,`` ``、`` or spaces."""

Identifier = Annotated[str, Field(min_length=1, max_length=100)]


def slug(text: str) -> str:
    """A free-text name as an id part: lowercase, runs of spaces and punctuation as one ``-``.

    Letters of any script are kept (a Chinese role name stays readable);
    ``.`` never survives, so the part cannot be confused with id nesting.
    """
    return re.sub(r"[\W_]+", "-", text.strip().lower(), flags=re.UNICODE).strip("-") or "-"


def choice(aliases: dict[str, tuple[str, ...]], description: str) -> Any:
    """A closed choice that also accepts the spellings exports use: ``{value: (alias, ...)}``.

    Matching ignores case and outer spaces; the JSON Schema lists every accepted spelling.
    """
    lookup = {v.lower(): v for v in aliases} | {a.lower(): v for v, al in aliases.items() for a in al}

    def normalise(value: Any) -> Any:
        return lookup.get(value.strip().lower(), value) if isinstance(value, str) else value

    from pydantic import WithJsonSchema

    spellings = list(aliases) + [a for al in aliases.values() for a in al]
    return Annotated[Literal[tuple(aliases)], BeforeValidator(normalise),  # type: ignore[misc]
                     WithJsonSchema({"enum": spellings, "description": description})]
