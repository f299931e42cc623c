"""Shared pydantic building blocks for input and result models."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema


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
    """Type of a tabular field: a list of ``row``, inline or from a CSV/XLSX file.

    A blank cell (``None``) in a column whose field has a default takes the default, as a left-out
    key would: a blank severity is the default severity, not an error.
    """
    blank_means_default = _BlankMeansDefault(row)
    return Annotated[list[row], blank_means_default, TABLE, BeforeValidator(blank_means_default.drop),
                     Field(default_factory=list)]


class _BlankMeansDefault:
    """Rows of ``row``: a ``None`` for a field with a default is dropped (validation), and may be null (schema)."""

    def __init__(self, row: Any):
        fields = getattr(row, "model_fields", {})
        self.names = {name for name, info in fields.items()
                      if not info.is_required() and info.get_default(call_default_factory=True) is not None}

    def drop(self, rows: Any) -> Any:
        if not self.names or not isinstance(rows, list):
            return rows
        return [{k: v for k, v in r.items() if v is not None or k not in self.names} if isinstance(r, dict) else r
                for r in rows]

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> Any:
        rows = handler(core_schema)
        row = handler.resolve_ref_schema(rows["items"]) if self.names and "items" in rows else {}
        for name, prop in row.get("properties", {}).items():
            if name in self.names and {"type": "null"} not in prop.get("anyOf", ()):
                notes = {k: prop.pop(k) for k in ("title", "description", "default") if k in prop}
                core = dict(prop)
                prop.clear()
                prop.update(anyOf=[core, {"type": "null"}], **notes)
        return rows


class TableRef(Model):
    """A reference to tabular evidence stored next to the audit YAML."""

    file: str = Field(description="CSV or XLSX file, relative to the audit YAML's folder")
    sheet: str | None = Field(None, description="XLSX sheet name (default: the first sheet)")
    encoding: str | None = Field(None, description="CSV encoding (default: UTF-8 with or without BOM, then GB18030)")
    delimiter: str | None = Field(None, description="CSV delimiter (default: detected from the header: , ; or tab)")
    columns: dict[str, str] = Field(default_factory=dict, description="rename file columns: {file column: field name}")


# --- answers ----------------------------------------------------------------

_ANSWERS = {
    "yes": "yes", "y": "yes", "true": "yes", "1": "yes", "是": "yes", "有": "yes", "符合": "yes",
    "partly": "partly", "partial": "partly", "partially": "partly", "some": "partly", "0.5": "partly",
    "部分": "partly", "部分符合": "partly", "一般": "partly",
    "no": "no", "n": "no", "false": "no", "0": "no", "否": "no", "无": "no", "没有": "no", "不符合": "no",
    "na": "na", "n/a": "na", "n.a.": "na", "not applicable": "na", "-": "na", "不适用": "na",
}


#: yes/no spellings a Flag accepts (the answer words, plus on/off and t/f, which pydantic took before)
_FLAGS = {k: v == "yes" for k, v in _ANSWERS.items() if v in ("yes", "no")} | {
    "on": True, "off": False, "t": True, "f": False}


def words_pattern(words: Iterable[str]) -> str:
    """A regular expression for ``words`` as the validators read them: any case, blanks around ignored.

    Case is spelt out letter by letter (``[yY][eE][sS]``), not with a flag, so editors (ECMAScript
    regular expressions) and Python read the same pattern.
    """
    def one(word: str) -> str:
        return "".join(f"[{c}{c.upper()}]" if c.upper() != c and len(c.upper()) == 1
                       else "\\" + c if c in r".^$*+?()[]{}|\\" else c for c in word)

    return r"^\s*(?:" + "|".join(one(w) for w in sorted(words, key=lambda w: (-len(w), w))) + r")\s*$"


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


def words_schema(suggested: list[str], words: Iterable[str], description: str, *,
                 booleans: bool = True) -> dict[str, Any]:
    """JSON Schema of a closed answer read by a BeforeValidator: the words editors offer, every accepted
    spelling (any case, blanks around), and with ``booleans`` true/false and 0/1.

    Give it to the type as ``WithJsonSchema(words_schema(...))`` so the schema accepts what the
    validator does (a test checks that every BeforeValidator has its schema).
    """
    options: list[dict[str, Any]] = [{"enum": suggested}, {"type": "string", "pattern": words_pattern(words)}]
    if booleans:
        options += [{"type": "boolean"}, {"enum": [0, 1]}]
    return {"anyOf": options, "description": description}


Answer = Annotated[
    Literal["yes", "partly", "no", "na"],
    BeforeValidator(_answer),
    WithJsonSchema(words_schema(
        ["yes", "partly", "no", "na", "是", "部分", "否", "不适用"], _ANSWERS,
        "yes / partly / no / na (also 是 / 部分 / 否 / 不适用, true / false, 1 / 0, y / n, n/a …)")),
]
"""A checklist-style answer; ``partly`` counts as half, ``na`` is left out."""

ANSWER_VALUE = {"yes": 1.0, "partly": 0.5, "no": 0.0}


def _flag(value: Any) -> Any:
    if isinstance(value, str):
        key = value.strip().lower()
        if key in _FLAGS:
            return _FLAGS[key]
    return value


Flag = Annotated[bool, BeforeValidator(_flag), WithJsonSchema(words_schema(
    ["yes", "no", "是", "否"], _FLAGS, "true / false (also yes / no, 是 / 否, y / n, 1 / 0)"))]
"""A yes/no fact, accepting the spellings real exports use."""


def _split_list(value: Any) -> Any:
    if isinstance(value, str):
        return [p for p in re.split(r"[;,，；、|\s]+", value) if p]
    return value


IdList = Annotated[list[str], BeforeValidator(_split_list), WithJsonSchema({
    "anyOf": [{"type": "array", "items": {"type": "string"}},
              {"type": "string", "description": "ids separated by ; , 、 | or spaces"}]})]
"""A list of ids; a CSV cell may hold them separated by ``;`` ``,`` ``、`` or spaces."""

Identifier = Annotated[str, Field(min_length=1, max_length=100)]


def slug(text: str) -> str:
    """A free-text name as an id part: lowercase, runs of spaces and punctuation as one ``-``.

    Letters of any script are kept (a Chinese role name stays readable);
    ``.`` never survives, so the part cannot be confused with id nesting.
    """
    return re.sub(r"[\W_]+", "-", text.strip().lower(), flags=re.UNICODE).strip("-") or "-"
