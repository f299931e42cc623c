"""Read tabular evidence files (CSV in any common encoding, XLSX/XLS/ODS) as a stream of rows.

A :class:`Sheet` is a file's header plus a row iterator that reads the file
again from disk each time it is iterated, so a 100,000-row survey is never
held twice and columns nobody needs are dropped as rows go by. Every row keeps
its spreadsheet row number, every column its letter, so errors can name
cells as a spreadsheet user does (``survey.xlsx[Sheet1]!D6``).

Files are untrusted: size, rows, columns, the unpacked size of workbooks and
their shared strings are bounded before anything large is read, and binary
data posing as CSV is refused.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

from gapaudit.errors import InputError, InputIssue, column_letter

#: a CSV is read as a stream, so its cap is about what a store can produce (a 100,000-respondent survey
#: exported with label answers is ~55 MB); a workbook is unpacked, so its own caps below matter more
MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_WORKBOOK_BYTES = 64 * 1024 * 1024
#: unpacked size of the worksheet read from a workbook (a 100,000 × 70 survey is ~240 MB)
MAX_SHEET_XML = 300 * 1024 * 1024
#: unpacked size of a workbook's shared strings (every distinct text cell); bombs hide millions here
MAX_SHARED_STRINGS_XML = 48 * 1024 * 1024
#: rows of one table: a survey of 200,000 respondents; logs and visits are far smaller
MAX_ROWS = 200_000
MAX_COLUMNS = 2_000
#: rows looked at to find a header under title rows
HEAD_ROWS = 30
#: a row whose first filled cell is one of these is a totals line under the table, not data
TOTALS_LABELS = frozenset({"合计", "总计", "小计", "共计", "总合计", "total", "totals", "grand total", "subtotal",
                           "sum", "gesamt", "summe", "totaal", "totale"})
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and password-protected .xlsx)


def issue(message: str, zh: str, display: str | None = None, line: int | None = None,
          column: int | None = None, **kw: Any) -> InputIssue:
    """An input issue in both languages (a shorthand for this package)."""
    return InputIssue(message, (), display, line, column, zh=zh, **kw)


def fail(message: str, zh: str, display: str | None = None, line: int | None = None,
         column: int | None = None, **kw: Any) -> InputError:
    return InputError([issue(message, zh, display, line, column, **kw)])


def shorten(value: Any, limit: int = 60) -> str:
    """``repr`` of a value cut to ``limit`` characters, so a 100,000-character cell never floods a message."""
    shown = repr(value)
    return shown if len(shown) <= limit else shown[: limit - 4] + "…" + shown[-3:]


def normal_text(value: str) -> str:
    """Full-width letters, digits and punctuation as their ASCII forms (NFKC), outer spaces removed."""
    return unicodedata.normalize("NFKC", value).strip()


def resolve_evidence_path(base_dir: Path, name: str, display_base: str) -> Path:
    """The file ``name`` relative to the audit folder; refuse paths that escape it and special files."""
    if not name or "\x00" in name:
        raise fail("empty or invalid file name", "文件名为空或无效", display_base)
    raw = Path(name)
    if raw.is_absolute():
        raise fail(f"absolute paths are not allowed ({name!r}); give a path relative to the audit file",
                   f"不允许使用绝对路径（{name!r}）；请写相对于审核文件的路径")
    base = base_dir.resolve()
    target = (base / raw).resolve()
    if not target.is_relative_to(base):
        raise fail(f"{name!r} points outside the audit folder {base}; evidence files must live beside the audit",
                   f"{name!r} 指向审核文件夹 {base} 之外；证据文件必须放在审核文件旁边")
    if not target.exists():
        raise fail(f"evidence file {name!r} does not exist (looked in {base})",
                   f"证据文件 {name!r} 不存在（查找位置：{base}）")
    if not target.is_file():
        raise fail(f"{name!r} is not a regular file (a folder, pipe or device cannot be evidence)",
                   f"{name!r} 不是普通文件（文件夹、管道或设备不能作为证据）")
    return target


# --- the source ---------------------------------------------------------------------

@dataclass
class ReadOptions:
    """Where a table starts and how its file is encoded (from an evidence file reference)."""

    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    header_row: int = 1          # 1-based row holding the column names
    header_rows: int = 1         # rows combined into the names (SurveyMonkey's two header rows)
    data_from_row: int | None = None  # first data row; default: right after the header


@dataclass
class Sheet:
    """One table of a file: its column names and, on iteration, its data rows.

    ``header[i]`` is the name of column ``i + 1`` ('' for a column without a
    name). Iterating yields ``(row number, cells)`` for each non-blank data
    row, with cells cleaned (text stripped, blank → None, integral numbers
    from a workbook as int). A totals line (its first filled cell ``合计``,
    ``Total`` …) is no data: it is passed over and noted in ``totals``.
    """

    path: Path
    display: str               # as shown in messages: "survey.csv" or "visits.xlsx[Sheet1]"
    options: ReadOptions
    header: list[str]
    is_workbook: bool = False
    encoding: str | None = None  # the CSV encoding used
    delimiter: str | None = None
    head: list[tuple[int, list[Any]]] = field(default_factory=list)  # first rows, for header detection
    totals: dict[int, str] = field(default_factory=dict)  # totals lines passed over: row → its label
    sheet_names: list[str] = field(default_factory=list)  # a workbook's sheets, in order
    unsaved: set[tuple[int, int]] = field(default_factory=set)  # formula cells with no saved result: (row, column)
    unsaved_count: int = 0
    loaded: Any = field(default=None, repr=False)  # a workbook sheet parsed for the header, reused once for rows

    @property
    def first_data_row(self) -> int:
        o = self.options
        return o.data_from_row or o.header_row + o.header_rows

    def cell_name(self, row: int, column: int, name: str | None = None) -> tuple[str, str]:
        """A cell as a spreadsheet user names it, in English and Chinese."""
        letter = column_letter(column)
        if self.is_workbook:
            en = f"{self.display}!{letter}{row}"
            return (f'{en} (column "{name}")', f"{en}（“{name}”列）") if name else (en, en)
        if name:
            return (f'{self.display}: row {row}, column "{name}" ({letter})',
                    f"{self.display}：第 {row} 行，“{name}”列（{letter}）")
        return f"{self.display}: row {row}, column {letter}", f"{self.display}：第 {row} 行，{letter} 列"

    def rows(self, columns: Sequence[int] | None = None) -> Iterator[tuple[int, list[Any]]]:
        """``(row number, cells)`` of the data rows; only the 1-based ``columns`` when given, in that order."""
        source = _workbook_rows(self) if self.is_workbook else _csv_rows(self)
        start = self.first_data_row
        count = 0
        width = len(self.header)
        text = not self.is_workbook  # CSV cells are always text: a faster clean
        for number, record in source:
            if number < start or not any(record):
                continue
            if not self.is_workbook and len(record) > width and any(c.strip() for c in record[width:]):
                hint, hint_zh = _header_hint(self)
                raise fail(f"row has {len(record)} cells but the header has {width} columns{hint}",
                           f"该行有 {len(record)} 个单元格，但表头只有 {width} 列{hint_zh}", self.display, number,
                           width + 1)
            n = len(record)
            wanted = range(1, width + 1) if columns is None else columns
            if self.unsaved and any((number, i) in self.unsaved for i in wanted):
                col = next(i for i in wanted if (number, i) in self.unsaved)
                raise fail(f"a formula whose result was never saved ({self.unsaved_count} such cells; the file was "
                           "written by a program, not saved by Excel), so it reads as blank: open the file in Excel, "
                           "WPS or LibreOffice and save it",
                           f"公式的计算结果没有保存在文件中（共 {self.unsaved_count} 个这样的单元格；文件由程序生成，"
                           "未经 Excel 保存），读出来是空白：请用 Excel、WPS 或 LibreOffice 打开并保存一次",
                           self.display, number, col, table="sheet", column_name=self.header[col - 1])
            if text:
                cells = [(record[i - 1].strip() or None) if i <= n else None for i in wanted]
            else:
                cells = [_clean(record[i - 1]) if i <= n else None for i in wanted]
            if all(c is None for c in cells) and not any(_clean(c) is not None for c in record):
                continue  # a blank row between sections (cells of spaces only)
            label = next((c for c in record if _clean(c) is not None), None)
            if isinstance(label, str) and normal_text(label).lower().rstrip(":：") in TOTALS_LABELS:
                self.totals[number] = label.strip()
                continue
            count += 1
            if count > MAX_ROWS:
                raise fail(f"more than {MAX_ROWS:,} data rows; a store's table is far smaller — split the file",
                           f"数据超过 {MAX_ROWS:,} 行；单个门店的表格不会这么大，请拆分文件", self.display, number)
            yield number, cells


# --- opening ---------------------------------------------------------------------------

def open_table(path: Path, display: str, options: ReadOptions | None = None, *, unique: bool = True) -> Sheet:
    """Open a CSV or spreadsheet file and read its header; raise InputError naming the file on failure.

    Only the header (and the rows above it) are read here; rows are read when
    the returned :class:`Sheet` is iterated.
    """
    options = options or ReadOptions()
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise fail(f"cannot read the file: {exc.strerror}", f"无法读取文件：{exc.strerror}", display) from None
    is_zip, is_book = _kind_of_file(path)
    cap = MAX_WORKBOOK_BYTES if is_book else MAX_FILE_BYTES
    if size > cap:
        raise fail(f"file is {size / 1e6:.0f} MB; the limit is {cap / 1e6:.0f} MB",
                   f"文件大小 {size / 1e6:.0f} MB，上限为 {cap / 1e6:.0f} MB", display)
    if is_book:
        if options.encoding or options.delimiter:
            raise fail("'encoding' and 'delimiter' apply to CSV files only, not to workbooks",
                       "“encoding”和“delimiter”只适用于 CSV 文件，不适用于 Excel 工作簿", display)
        sheet = _open_workbook(path, display, options, is_zip)
    else:
        if options.sheet:
            raise fail("'sheet' applies to workbooks (XLSX) only", "“sheet”只适用于 Excel 工作簿（XLSX）", display)
        sheet = _open_csv(path, display, options)
    _read_header(sheet, unique)
    return sheet


def _kind_of_file(path: Path) -> tuple[bool, bool]:
    """(a ZIP container, a workbook): by the file's first bytes and its suffix."""
    with path.open("rb") as fh:
        head = fh.read(8)
    is_zip = head.startswith(b"PK\x03\x04")
    return is_zip, path.suffix.lower() in SPREADSHEET_SUFFIXES or is_zip or head.startswith(_OLE2)


def is_workbook_file(path: Path) -> bool:
    """Whether ``path`` is read as a workbook (XLSX, XLS, ODS) rather than as CSV text."""
    return _kind_of_file(path)[1]


def _read_header(sheet: Sheet, unique: bool = True) -> None:
    o = sheet.options
    rows = _workbook_rows(sheet) if sheet.is_workbook else _csv_rows(sheet)
    last = max(o.header_row + o.header_rows - 1, HEAD_ROWS)
    wanted: list[list[Any]] = []
    for number, record in rows:
        if number > last:
            break
        sheet.head.append((number, record))
        if o.header_row <= number < o.header_row + o.header_rows:
            wanted.append(record)
    if not wanted or all(_clean(c) is None for r in wanted for c in r):
        where = ("the file is empty" if not sheet.head else f"row {o.header_row} is empty")
        where_zh = ("文件是空的" if not sheet.head else f"第 {o.header_row} 行是空的")
        hint, hint_zh = _header_hint(sheet)
        raise fail(f"no header: {where}; expected the column names in row {o.header_row}{hint}",
                   f"没有表头：{where_zh}；第 {o.header_row} 行应为列名{hint_zh}", sheet.display, o.header_row)
    sheet.header = combine_header_rows(wanted)
    if len(sheet.header) > MAX_COLUMNS:
        raise fail(f"{len(sheet.header):,} columns; the limit is {MAX_COLUMNS:,}",
                   f"共 {len(sheet.header):,} 列，上限为 {MAX_COLUMNS:,} 列", sheet.display, o.header_row)
    seen: dict[str, int] = {}
    for idx, name in enumerate(sheet.header, start=1):
        if not name:
            continue
        if name in seen and unique:
            raise InputError([issue(
                f"duplicate column name {shorten(name)} (also column {column_letter(seen[name])}); rename one of "
                "them in the file, or, when a question row sits above, combine both rows with header_rows: 2",
                f"列名 {shorten(name)} 重复（与 {column_letter(seen[name])} 列相同）；请在文件中改名其中一列；"
                "若上方还有一行题目，请用 header_rows: 2 合并两行作为列名",
                sheet.display, o.header_row, idx)])
        seen[name] = idx


def combine_header_rows(rows: list[list[Any]]) -> list[str]:
    """Column names from one header row, or several combined (``question - option``).

    An upper row's blank cell takes the name to its left (a merged question
    over its matrix rows); SurveyMonkey's ``Response`` and ``Open-Ended
    Response`` add nothing to a name.
    """
    width = max(len(r) for r in rows)
    parts: list[list[str]] = [[] for _ in range(width)]
    for depth, row in enumerate(rows):
        carry = ""
        for i in range(width):
            value = _clean(row[i]) if i < len(row) else None
            text = _header_text(value)
            upper = depth < len(rows) - 1
            if upper:
                carry = text or carry
                text = carry if not text else text
            if text and text.lower() not in ("response", "open-ended response") and text not in parts[i]:
                parts[i].append(text)
    return [" - ".join(p) for p in parts]


def _header_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split()).lstrip("\ufeff")


def _header_hint(sheet: Sheet) -> tuple[str, str]:
    guess = detect_header_row(sheet.head)
    if guess and guess != sheet.options.header_row:
        return (f"; the names seem to be in row {guess}: set header_row: {guess} (or run gapaudit import)",
                f"；列名似乎在第 {guess} 行：请设置 header_row: {guess}（或运行 gapaudit import）")
    return "", ""


def detect_header_row(head: list[tuple[int, list[Any]]]) -> int | None:
    """The row that holds the column names, under title rows and merged cells.

    Rule: the first row whose filled cells are all text and number at least
    60 % of the fullest row among the first rows (and at least two), so a
    merged title row or a "store / date" line above the table is passed over.
    """
    filled = [(n, [c for c in (_clean(x) for x in r) if c is not None]) for n, r in head]
    widest = max((len(cells) for _, cells in filled), default=0)
    if widest == 0:
        return None
    need = max(2, math.ceil(0.6 * widest)) if widest > 1 else 1
    for number, cells in filled:
        if len(cells) >= need and all(isinstance(c, str) for c in cells):
            return number
    return next((n for n, cells in filled if len(cells) >= need), None)


# --- CSV -----------------------------------------------------------------------------------

_BOMS = [(codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]


def _open_csv(path: Path, display: str, options: ReadOptions) -> Sheet:
    with path.open("rb") as fh:
        sample = fh.read(256 * 1024)
    encoding = _detect_encoding(sample, display, options.encoding)
    try:
        text = _decode_sample(sample, encoding)
    except UnicodeDecodeError as exc:
        raise fail(f"not valid {encoding} text ({exc.reason} at byte {exc.start}); set encoding: to the file's "
                   "encoding (utf-8, gb18030, utf-16, cp1252)",
                   f"不是有效的 {encoding} 文本（第 {exc.start} 字节）；请把 encoding: 设为文件的实际编码"
                   "（utf-8、gb18030、utf-16、cp1252）", display, 1) from None
    delimiter = options.delimiter or _detect_delimiter(text)
    return Sheet(path, display, options, [], encoding=encoding, delimiter=delimiter)


def _detect_encoding(sample: bytes, display: str, declared: str | None) -> str:
    """UTF-8 (± BOM), UTF-16 (BOM or not), GB18030, or Windows-1252 when the text is plainly European
    (``Gelöst``, ``Qualité``); a file none of them reads is refused, never shown garbled."""
    if declared:
        try:
            codecs.lookup(declared)
        except LookupError:
            raise fail(f"unknown encoding {declared!r} (try utf-8, gb18030, utf-16 or cp1252)",
                       f"未知的编码 {declared!r}（可用 utf-8、gb18030、utf-16 或 cp1252）", display) from None
        return declared
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    if b"\x00" in sample:
        # UTF-16 without a BOM shows a NUL in every other byte of ASCII text
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if odd > 0.3 * len(sample) / 2 and even == 0:
            return "utf-16-le"
        if even > 0.3 * len(sample) / 2 and odd == 0:
            return "utf-16-be"
        raise fail("binary data (NUL bytes) in a CSV file: is this really a CSV export?",
                   "CSV 文件中含有二进制数据（NUL 字节）：这真的是 CSV 导出文件吗？", display, 1)
    decoded = {}
    for name in ("utf-8", "gb18030", "cp1252"):
        try:
            decoded[name] = _decode_sample(sample, name)
        except UnicodeDecodeError:
            continue
        if name == "utf-8":
            return name
    if "cp1252" in decoded and _looks_european(decoded["cp1252"]):
        return "cp1252"
    if "gb18030" in decoded:
        return "gb18030"
    raise fail("cannot tell the file's encoding (it is not UTF-8, GB18030 or Windows-1252 text): save it as UTF-8, "
               "or set encoding: on the file", "无法判断文件编码（不是 UTF-8、GB18030 或 Windows-1252 文本）："
               "请另存为 UTF-8，或在该文件上设置 encoding:", display, 1)


_LATIN_IN_WORD = re.compile(r"(?<=[A-Za-z])[\u00c0-\u00ff]|[\u00c0-\u00ff](?=[a-z])")


def _looks_european(text: str) -> bool:
    """Most non-ASCII letters sit inside Latin words (``Gelöst``): Windows-1252 text, not Chinese read wrongly."""
    others = sum(1 for c in text if ord(c) > 127)
    return others > 0 and len(_LATIN_IN_WORD.findall(text)) >= 0.6 * others


def _decode_sample(sample: bytes, encoding: str) -> str:
    decoder = codecs.getincrementaldecoder(encoding)()
    return decoder.decode(sample, final=False)


def _detect_delimiter(text: str) -> str:
    """Comma, semicolon or tab: the one splitting the most lines into the same, largest number of cells."""
    lines = [ln for ln in text.splitlines()[:HEAD_ROWS] if ln.strip()]
    if not lines:
        return ","
    best, best_score = ",", (0, 0)
    for cand in (",", ";", "\t"):
        counts = [len(next(csv.reader([ln], delimiter=cand), [])) - 1 for ln in lines]
        top = max(counts)
        score = (top, counts.count(top)) if top else (0, 0)
        if score > best_score:
            best, best_score = cand, score
    return best


def _csv_rows(sheet: Sheet) -> Iterator[tuple[int, list[Any]]]:
    """Records of a CSV file, numbered as a spreadsheet numbers rows (a quoted line break stays in its row)."""
    encoding = sheet.encoding or "utf-8"
    with sheet.path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, newline="", errors="strict")
        reader = csv.reader(text, delimiter=sheet.delimiter or ",")
        number = 0
        try:
            for record in reader:
                number += 1
                if number == 1 and record and record[0].startswith("\ufeff"):
                    record[0] = record[0][1:]
                yield number, record
        except UnicodeDecodeError as exc:
            line = reader.line_num + 1
            hint = "" if encoding != "utf-8" else " (the start looked like UTF-8; set encoding: gb18030 if it is GBK)"
            hint_zh = "" if encoding != "utf-8" else "（文件开头像 UTF-8；若是 GBK 编码，请设置 encoding: gb18030）"
            raise fail(f"not valid {encoding} text near line {line}: {exc.reason}{hint}",
                       f"第 {line} 行附近不是有效的 {encoding} 文本{hint_zh}", sheet.display, line) from None
        except csv.Error as exc:
            raise fail(f"malformed CSV: {exc}", f"CSV 格式错误：{exc}", sheet.display, reader.line_num) from None


# --- workbooks --------------------------------------------------------------------------------

def _open_workbook(path: Path, display: str, options: ReadOptions, is_zip: bool) -> Sheet:
    suffix = path.suffix.lower()
    if is_zip:
        if suffix not in SPREADSHEET_SUFFIXES:
            raise fail("this is a ZIP/XLSX file, not CSV; name it .xlsx", "这是 ZIP/XLSX 文件而不是 CSV；请将扩展名改为 .xlsx",
                       display)
        unsaved, unsaved_count = _check_zip(path, display, options.sheet)
    else:
        unsaved, unsaved_count = set(), 0
    import python_calamine  # deferred: only audits with workbook evidence pay for it

    try:
        book = _calamine(path)
    except Exception as exc:  # calamine raises its own zoo for broken files
        text = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        if "password" in text.lower() or "encrypt" in text.lower():
            raise fail("the workbook is password-protected; save an unprotected copy",
                       "工作簿设有密码；请另存一份不加密的副本", display) from None
        raise fail(f"cannot read this workbook: {text}", f"无法读取该工作簿：{text}", display) from None
    names = list(book.sheet_names)
    if options.sheet is not None and options.sheet not in names:
        from gapaudit.analysis.evidence import suggest

        raise fail(f"no sheet {options.sheet!r}{suggest(options.sheet, names)}; sheets are {', '.join(names)}",
                   f"没有名为 {options.sheet!r} 的工作表；现有工作表：{'、'.join(names)}", display)
    name = options.sheet or names[0]
    return Sheet(path, f"{display}[{name}]", options, [], is_workbook=True, sheet_names=names, unsaved=unsaved,
                 unsaved_count=unsaved_count)


def _calamine(path: Path) -> Any:
    """The workbook, opened by its content: an XLSX saved as .xls (or the reverse) is common."""
    import python_calamine

    with path.open("rb") as fh:
        head = fh.read(8)
    suffix = path.suffix.lower()
    mismatch = (head.startswith(b"PK\x03\x04") and suffix not in (".xlsx", ".xlsm", ".xlsb", ".ods")) or \
        (head.startswith(_OLE2) and suffix != ".xls")
    if mismatch:
        with path.open("rb") as fh:
            return python_calamine.CalamineWorkbook.from_filelike(fh)
    return python_calamine.CalamineWorkbook.from_path(str(path))


#: a formula cell with no saved result (<v> absent or empty): the file was written by a program, never calculated
_UNSAVED_FORMULA = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"[^>]*>\s*(?:<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)'
                              rb'\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>')
#: unsaved formula cells remembered per sheet (beyond it they are counted)
MAX_UNSAVED = 100_000


def _check_zip(path: Path, display: str, sheet: str | None) -> tuple[set[tuple[int, int]], int]:
    """Refuse workbooks whose worksheets or shared strings unpack to more than a store's table can be; return
    the read sheet's formula cells that have no saved result, as (row, column), and how many there are.

    The sizes a ZIP declares are checked first, then the worksheets and the
    shared strings are unpacked once, in bounded memory, to prove the
    declaration honest (a forged header cannot smuggle a bomb past the cap).
    A formula without a saved result reads as a blank cell, so it must be
    found here, where the XML is seen.
    """
    unsaved: set[tuple[int, int]] = set()
    count = 0
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            parts = [i for i in infos if i.filename.startswith("xl/worksheets/") or i.filename == "xl/sharedStrings.xml"
                     or i.filename == "content.xml"]
            for info in parts:
                cap = MAX_SHARED_STRINGS_XML if info.filename.endswith("sharedStrings.xml") else MAX_SHEET_XML
                if info.file_size > cap:
                    raise _too_big(display, info.filename, info.file_size, cap)
            read = _sheet_part(zf, sheet)
            for info in parts:
                cap = MAX_SHARED_STRINGS_XML if info.filename.endswith("sharedStrings.xml") else MAX_SHEET_XML
                total = 0
                tail = b""
                with zf.open(info) as member:
                    while chunk := member.read(1 << 20):
                        total += len(chunk)
                        if total > cap:
                            raise _too_big(display, info.filename, total, cap)
                        if info.filename != read:
                            continue
                        text = tail + chunk
                        cut = text.rfind(b"<c ") if len(chunk) == 1 << 20 else len(text)  # a cell cut off waits
                        cut = cut if cut > 0 else len(text)
                        if b"<f" in text:  # most data sheets hold no formula: nothing to look for
                            for m in _UNSAVED_FORMULA.finditer(text, 0, cut):
                                count += 1
                                if len(unsaved) < MAX_UNSAVED:
                                    unsaved.add((int(m[2]), _column_index(m[1].decode())))
                        tail = text[cut:]
    except zipfile.BadZipFile as exc:
        raise fail(f"not a valid XLSX file (bad ZIP archive: {exc})", "不是有效的 XLSX 文件（ZIP 压缩包已损坏）",
                   display) from None
    return unsaved, count


def _sheet_part(zf: zipfile.ZipFile, sheet: str | None) -> str | None:
    """The worksheet part (``xl/worksheets/sheet1.xml``) of the sheet named ``sheet``, or of the first sheet."""
    try:
        book = zf.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return None
    import html

    sheets = re.findall(r'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"', book)
    rid = next((r for n, r in sheets if sheet is None or html.unescape(n) == sheet), None)
    for attrs in re.findall(r"<Relationship\b([^>]*)>", rels):
        if re.search(rf'\bId="{re.escape(rid or "")}"', attrs):
            target = re.search(r'\bTarget="([^"]*)"', attrs)
            if target:
                name = target[1].lstrip("/")
                return name if name.startswith("xl/") else "xl/" + name
    return None


def _column_index(letters: str) -> int:
    index = 0
    for c in letters:
        index = index * 26 + ord(c) - 64
    return index


def _too_big(display: str, part: str, size: int, cap: int) -> InputError:
    what = "shared strings (the texts of its cells)" if part.endswith("sharedStrings.xml") else "worksheets"
    what_zh = "共享字符串（单元格文本）" if part.endswith("sharedStrings.xml") else "工作表"
    return fail(f"the workbook's {what} unpack to {size / 1e6:.0f} MB or more; the limit is {cap / 1e6:.0f} MB "
                "(a compressed bomb, or years of data in one file?): refused before reading",
                f"工作簿的{what_zh}解压后达 {size / 1e6:.0f} MB 以上，上限为 {cap / 1e6:.0f} MB（压缩炸弹，或把多年数据放进了一个"
                "文件？）：未读取即拒绝", display)


def _workbook_rows(sheet: Sheet) -> Iterator[tuple[int, list[Any]]]:
    book = _calamine(sheet.path)
    try:
        name = sheet.options.sheet or book.sheet_names[0]
        ws, sheet.loaded = sheet.loaded or book.get_sheet_by_name(name), None
        if sheet.head == [] and sheet.header == []:
            sheet.loaded = ws  # the header is read first: keep the parsed sheet for the rows that follow
        first_col = ws.start[1] if ws.start else 0
        pad = [None] * first_col
        for index, record in enumerate(ws.iter_rows()):
            yield index + 1, (pad + list(record)) if first_col else list(record)
    finally:
        close = getattr(book, "close", None)
        if close is not None:
            close()


# --- cells -------------------------------------------------------------------------------------

def _clean(value: Any) -> Any:
    """A cell as the loader wants it: text stripped (blank → None), integral floats as int, no NaN."""
    kind = type(value)
    if kind is float:  # the common workbook cell first
        if value.is_integer() and -2**53 < value < 2**53:
            return int(value)
        return value if value - value == 0.0 else None
    if kind is str:
        value = value.strip()
        return value or None
    if value is None or kind is bool or kind is int:
        return value
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    if isinstance(value, float):  # a float subclass
        return _clean(float(value))
    if isinstance(value, str):
        return _clean(str(value))
    return value


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}([,，]\d{3})+(\.\d+)?$")
_COMMA_DECIMAL = re.compile(r"^[+-]?\d+,\d+$")
_GROUPED_DOTS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")


def is_comma_decimal(text: str) -> bool:
    """``28,5`` or ``1.234,5``: a number written with a decimal comma (``48,000`` is thousands, not this)."""
    norm = normal_text(text).replace(" ", "")
    return bool(_COMMA_DECIMAL.match(norm) and not _GROUPED.match(norm)
                or _GROUPED_DOTS.match(norm) and "," in norm)


def parse_number(value: Any, decimal: str = ".") -> float | int | None | tuple[str, str]:
    """A number from a cell: full-width digits accepted; with ``decimal=","`` European forms (``28,5``,
    ``1.500``); an error pair (en, zh) saying the expected form."""
    if value is None or isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    norm = normal_text(text).replace(" ", "")
    if decimal == "," and (_COMMA_DECIMAL.match(norm) or _GROUPED_DOTS.match(norm)):
        norm = norm.replace(".", "").replace(",", ".")
    elif decimal == "." and is_comma_decimal(norm):
        return (f"{shorten(text)} has a decimal comma: declare decimal: ',' on the file, or write "
                f"{norm.replace('.', '').replace(',', '.')}",
                f"{shorten(text)} 用了小数逗号：请在该文件上声明 decimal: ','，或写成 {norm.replace('.', '').replace(',', '.')}")
    if _NUMBER.match(norm):
        number = float(norm)
        return int(number) if number.is_integer() and "." not in norm and "e" not in norm.lower() else number
    if _GROUPED.match(text) or _GROUPED.match(norm):
        plain = re.sub(r"[,，]", "", norm)
        return (f"{shorten(text)}: write the number without separators, e.g. {plain}",
                f"{shorten(text)}：请写成不带分隔符的数字，如 {plain}")
    return (f"expected a number, found {shorten(text)}", f"应为数字，实际为 {shorten(text)}")


DATE_FORMATS = ("auto", "DMY", "MDY", "excel")
_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_XYY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(value: Any, date_format: str | None = None) -> dt.date | None | tuple[str, str]:
    """A date from a cell: ISO and year-first forms (``2026/9/15``, ``2026年9月15日``) always;
    ``15/09/2026`` only with the order declared (``DMY`` or ``MDY``); Excel serial numbers with ``excel``
    or from a workbook's date cells; any other strftime pattern as declared. Errors are (en, zh) pairs."""
    fmt = date_format or "auto"
    if value is None or isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 0 < value < 1:  # Excel keeps a time of day as a fraction of a day
            minutes = round(value * 24 * 60)
            return (f"{value:.4g} is a time of day ({minutes // 60:02d}:{minutes % 60:02d}), not a date",
                    f"{value:.4g} 是一天中的时间（{minutes // 60:02d}:{minutes % 60:02d}），不是日期")
        if fmt == "excel" and 1 <= value < 2_958_466:
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        if fmt not in DATE_FORMATS and float(value).is_integer():  # 20261015 typed as a number, read as %Y%m%d
            return parse_date(str(int(value)), fmt)
        return (f"{value!r} is a number, not a date: write 2026-09-15"
                + ("" if fmt == "excel" else ", or declare date_format: excel if these are Excel serial dates"),
                f"{value!r} 是数字而不是日期：请写成 2026-09-15" + ("" if fmt == "excel" else
                                                          "；若为 Excel 日期序号，请声明 date_format: excel"))
    text = normal_text(str(value))
    expected = ("write 2026-09-15" if fmt in ("auto", "excel") else f"expected the declared form {fmt}")
    expected_zh = ("请写成 2026-09-15" if fmt in ("auto", "excel") else f"应为声明的格式 {fmt}")
    try:
        if fmt not in DATE_FORMATS:
            return dt.datetime.strptime(text, fmt).date()
        if m := _YMD.match(text):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := _XYY.match(text):
            a, b, year = int(m[1]), int(m[2]), int(m[3])
            if fmt == "DMY":
                return dt.date(year, b, a)
            if fmt == "MDY":
                return dt.date(year, a, b)
            return (f"{shorten(text)}: day and month order is unknown; write 2026-09-15, "
                    "or declare date_format: DMY (15/09/2026) or MDY (09/15/2026)",
                    f"{shorten(text)}：无法判断日、月的顺序；请写成 2026-09-15，"
                    "或声明 date_format: DMY（15/09/2026）或 MDY（09/15/2026）")
        if _NUMBER.match(text):
            return parse_date(parse_number(text), fmt)
    except ValueError:
        if fmt not in DATE_FORMATS:
            return (f"{shorten(text)} does not match the declared form {fmt}",
                    f"{shorten(text)} 与声明的格式 {fmt} 不符")
        return (f"{shorten(text)} is not a real date; {expected}", f"{shorten(text)} 不是有效日期；{expected_zh}")
    return (f"expected a date, found {shorten(text)}; {expected}, or declare the form on the file "
            "(date_format: '%d-%b-%Y' reads 15-Oct-2026)",
            f"应为日期，实际为 {shorten(text)}；{expected_zh}，或在该文件上声明写法（date_format: '%d-%b-%Y' 可读 15-Oct-2026）")
