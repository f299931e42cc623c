"""Shared pydantic building blocks for input and result models."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, \
    field_validator, model_validator

from gapaudit.errors import Invalid


class Model(BaseModel):
    """Base of every input model: unknown keys are errors, NaN/inf are refused; a number where text is wanted
    (a visit written ``1``) is taken as its text."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True,
                              coerce_numbers_to_str=True, validate_default=False, frozen=False)


Identifier = Annotated[str, Field(min_length=1, max_length=100)]
#: a short name or label (a channel, a column name, a scale label): every text reaching the report has a limit
Name = Annotated[str, Field(min_length=1, max_length=100)]


class TableMarker:
    """Annotation marking a field that may be given inline or as ``{file: ...}``.

    The loader replaces a file reference by the rows read from CSV/XLSX before
    validation, so rows from files and inline rows are validated alike and
    errors point at the file's row and column.
    """

    def __init__(self, rows: dict[str, Any] | None = None):
        self.rows = rows  # the rows' JSON Schema, where the field's type does not say it

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "TABLE"

    def __eq__(self, other: object) -> bool:  # ``TABLE in field.metadata`` finds every table
        return isinstance(other, TableMarker)

    def __hash__(self) -> int:
        return hash(TableMarker)

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> Any:
        """In the JSON Schema, a table is its rows or a file reference."""
        rows = self.rows or handler(core_schema)
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
    decimal: Literal[".", ","] = Field(".", description=(
        "the decimal mark of the file's numbers: ',' for European exports (28,5 is 28.5 and 1.500 is 1500)"))
    unpivot: Unpivot | None = Field(None, description="a wide table (one column per visit or per standard) "
                                                      "read as one row per filled cell")

    @field_validator("missing", mode="before")
    @classmethod
    def _codes_not_booleans(cls, value: Any) -> Any:
        """``missing: [no]`` is YAML for false, which would make every 0 answer missing: refused, with the fix."""
        for code in value if isinstance(value, list) else []:
            if isinstance(code, bool):
                raise Invalid(f"a missing code read as {str(code).lower()} (yes/no/on/off/true/false are booleans in "
                              "YAML): put the word in quotes, e.g. missing: ['no']",
                              f"有一个缺失代码被读成了 {str(code).lower()}（YAML 中 yes/no/on/off/true/false 是布尔值）："
                              "请给这个词加引号，如 missing: ['no']")
        return value

    @model_validator(mode="after")
    def _rows(self) -> "TableRef":
        last_header = self.header_row + self.header_rows - 1
        if self.data_from_row is not None and self.data_from_row <= last_header:
            raise Invalid(f"data_from_row ({self.data_from_row}) must come after the header (row {last_header})",
                          f"data_from_row（{self.data_from_row}）须在表头（第 {last_header} 行）之后")
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


#: yes/no spellings a Flag accepts: the yes/no answer words, the status words of logs, and on/off, t/f
#: (which pydantic's own bool took)
_FLAGS = {k: v == "yes" for k, v in _ANSWERS.items() if v in ("yes", "no")} | {
    "on": True, "off": False, "t": True, "f": False,
    "已解决": True, "解决": True, "已处理": True, "已兑现": True, "兑现": True, "按时": True, "准时": True,
    "未解决": False, "未处理": False, "未兑现": False, "超时": False, "延误": False}


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


IdList = Annotated[list[Identifier], BeforeValidator(_split_list), WithJsonSchema({
    "anyOf": [{"type": "array", "items": {"type": "string", "maxLength": 100}},
              {"type": "string", "maxLength": 10_000, "description": "ids separated by ; , 、 | or spaces"}]})]
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
    """A weight must be 0..MAX_WEIGHT (Invalid naming ``what`` otherwise)."""
    if value < 0:
        raise Invalid(f"weight of {what} must not be negative", f"{what} 的权重不能为负数")
    if value > MAX_WEIGHT:
        raise Invalid(f"weight of {what} is {value:g}; weights go up to {MAX_WEIGHT:g} (only their ratios matter)",
                      f"{what} 的权重为 {value:g}；权重最大为 {MAX_WEIGHT:g}（只有比例有意义）")


def _split_names(value: Any) -> Any:
    if isinstance(value, str):
        return [p.strip() for p in re.split(r"[;；,，、|\r\n]+", value) if p.strip()]
    return value


def _photo_names(names: list[str]) -> list[str]:
    """Refuse what people put in a photo column instead of a file name: a picture pasted into the sheet, a link."""
    for name in names:
        if name.upper().lstrip("=").startswith("DISPIMG("):
            raise Invalid(f"{name[:40]!r} is a picture pasted into the spreadsheet (WPS DISPIMG), which cannot be read "
                          "from the cell: save each photo as a file in the audit folder and write its name here",
                          f"{name[:40]!r} 是粘贴在表格单元格中的图片（WPS DISPIMG），无法从单元格读取：请把每张照片另存为审核"
                          "文件夹中的文件，并在此填写文件名")
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", name):
            raise Invalid(f"{name[:60]!r} is a link; photos must be files in the audit folder (download them and "
                          "write their names here)",
                          f"{name[:60]!r} 是链接；照片必须是审核文件夹中的文件（请下载后在此填写文件名）")
    return names


#: most photos one row may list (a visit's photos of one standard; more belong on several rows)
MAX_PHOTOS_PER_ROW = 30

PhotoList = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=260)]],
    BeforeValidator(_split_names), Field(max_length=MAX_PHOTOS_PER_ROW), AfterValidator(_photo_names),
    WithJsonSchema({"anyOf": [{"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 260},
                                "maxItems": MAX_PHOTOS_PER_ROW},
                               {"type": "string", "maxLength": MAX_PHOTOS_PER_ROW * 261,
                                "description": "file names separated by ; , 、 | or line breaks"}],
                    "description": "photo files (JPEG, PNG; HEIC with gapaudit[heic]) relative to the audit "
                                   "folder"})]
"""Photo file names; a cell may hold several separated by ``;`` ``,`` ``、`` ``|`` or line breaks (not spaces:
phone photo names contain them)."""


def slug(text: str) -> str:
    """A free-text name as an id part: lowercase, runs of spaces and punctuation as one ``-``.

    Letters of any script are kept (a Chinese role name stays readable);
    ``.`` never survives, so the part cannot be confused with id nesting.
    """
    return re.sub(r"[\W_]+", "-", text.strip().lower(), flags=re.UNICODE).strip("-") or "-"


def choice(aliases: dict[str, tuple[str, ...]], description: str) -> Any:
    """A closed choice that also accepts the spellings exports use: ``{value: (alias, ...)}``.

    Matching ignores case and outer spaces; the JSON Schema offers every spelling and accepts them
    as the validator does (any case, blanks around).
    """
    lookup = {v.lower(): v for v in aliases} | {a.lower(): v for v, al in aliases.items() for a in al}

    def normalise(value: Any) -> Any:
        return lookup.get(value.strip().lower(), value) if isinstance(value, str) else value

    spellings = list(aliases) + [a for al in aliases.values() for a in al]
    return Annotated[Literal[tuple(aliases)], BeforeValidator(normalise),  # type: ignore[misc]
                     WithJsonSchema(words_schema(spellings, lookup, description, booleans=False))]
