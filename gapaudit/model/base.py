"""Shared pydantic building blocks for input and result models."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


class Model(BaseModel):
    """Base of every input model: unknown keys are errors, NaN/inf are refused."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True,
                              validate_default=False, frozen=False)


Identifier = Annotated[str, Field(min_length=1, max_length=100)]
#: a short name or label (a channel, a column name, a scale label): every text reaching the report has a limit
Name = Annotated[str, Field(min_length=1, max_length=100)]


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


class TableRef(Model):
    """A reference to tabular evidence stored next to the audit YAML."""

    file: str = Field(max_length=500, description="CSV or XLSX file, relative to the audit YAML's folder")
    sheet: str | None = Field(None, max_length=100, description="XLSX sheet name (default: the first sheet)")
    encoding: str | None = Field(None, max_length=50,
                                 description="CSV encoding (default: UTF-8 with or without BOM, then GB18030)")
    delimiter: str | None = Field(None, max_length=5,
                                  description="CSV delimiter (default: detected from the header: , ; or tab)")
    columns: dict[Name, Name] = Field(default_factory=dict,
                                      description="rename file columns: {file column: field name}")


# --- answers ----------------------------------------------------------------

_ANSWERS = {
    "yes": "yes", "y": "yes", "true": "yes", "1": "yes", "是": "yes", "有": "yes", "符合": "yes",
    "partly": "partly", "partial": "partly", "partially": "partly", "some": "partly", "0.5": "partly",
    "部分": "partly", "部分符合": "partly", "一般": "partly",
    "no": "no", "n": "no", "false": "no", "0": "no", "否": "no", "无": "no", "没有": "no", "不符合": "no",
    "na": "na", "n/a": "na", "n.a.": "na", "not applicable": "na", "-": "na", "不适用": "na",
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


def _flag(value: Any) -> Any:
    if isinstance(value, str):
        key = value.strip().lower()
        if _ANSWERS.get(key) in ("yes", "no"):
            return _ANSWERS[key] == "yes"
    return value


Flag = Annotated[bool, BeforeValidator(_flag), Field(description="true / false (also yes / no, 是 / 否, 1 / 0)")]
"""A yes/no fact, accepting the spellings real exports use."""


def _split_list(value: Any) -> Any:
    if isinstance(value, str):
        return [p for p in re.split(r"[;,，；、|\s]+", value) if p]
    return value


IdList = Annotated[list[Identifier], BeforeValidator(_split_list)]
"""A list of ids; a CSV cell may hold them separated by ``;`` ``,`` ``、`` or spaces."""

# --- sane ranges: a value outside them is a slip of the keyboard (9999-12-31, a 400-digit count) and
# would overflow the arithmetic; refusing it here makes it a located input error like any other ---------

#: dates an audit or its evidence may carry
DATE_MIN, DATE_MAX = dt.date(1980, 1, 1), dt.date(2099, 12, 31)
#: the largest count of anything a store's audit counts (transactions, customers, occasions)
MAX_COUNT = 1_000_000_000
#: the largest weight of anything (module, sub-score, factor, element, corner, severity)
MAX_WEIGHT = 1000.0
#: the longest span in days (ten years), and in hours
MAX_DAYS = 3660
MAX_HOURS = 24 * MAX_DAYS

Date = Annotated[dt.date, Field(ge=DATE_MIN, le=DATE_MAX,
                                description=f"YYYY-MM-DD, between {DATE_MIN} and {DATE_MAX}")]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]


def check_weight(value: float, what: str) -> None:
    """A weight must be 0..MAX_WEIGHT (ValueError naming ``what`` otherwise)."""
    if value < 0:
        raise ValueError(f"weight of {what} must not be negative")
    if value > MAX_WEIGHT:
        raise ValueError(f"weight of {what} is {value:g}; weights go up to {MAX_WEIGHT:g} (only their ratios matter)")


def slug(text: str) -> str:
    """A free-text name as an id part: lowercase, runs of spaces and punctuation as one ``-``.

    Letters of any script are kept (a Chinese role name stays readable);
    ``.`` never survives, so the part cannot be confused with id nesting.
    """
    return re.sub(r"[\W_]+", "-", text.strip().lower(), flags=re.UNICODE).strip("-") or "-"
