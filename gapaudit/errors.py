"""The project's exception types.

Library code raises these with the context a user needs (file, line, field,
plugin); only the CLI turns them into exit codes and messages.
"""

from __future__ import annotations

from dataclasses import dataclass


class GapauditError(Exception):
    """Base class of every error gapaudit raises on purpose."""

    exit_code = 1
    #: the audit's language once known, so the CLI can word the message the way the report would be
    lang: str | None = None


def quoted(value: object, limit: int = 60) -> str:
    """``repr(value)`` for a message, shortened to ``limit`` characters: a message never echoes a
    100,000-character key or value whole."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


@dataclass(frozen=True)
class InputIssue:
    """One problem in the audit input, located as precisely as we can.

    In a YAML file the place is ``file:line:column``; in a table (``table`` is
    ``csv`` or ``sheet``) it is a cell named as a spreadsheet user names it:
    ``survey.xlsx[Sheet1]!D6`` or ``survey.csv: row 6, column "P_REL1" (D)``.
    """

    message: str
    path: tuple[str | int, ...] = ()
    file: str | None = None
    line: int | None = None
    column: int | None = None
    zh: str | None = None  # the message in Chinese, shown when the audit's language is zh
    column_name: str | None = None  # the table column's name, as in the file's header
    table: str | None = None  # "csv" or "sheet" when the place is a table cell
    group: str | None = None  # issues of one column with the same group are reported together
    rows: tuple[int, ...] = ()  # several rows of one column reported together (see InputError.grouped)

    def text(self, lang: str | None = None) -> str:
        """The message in ``lang`` (English when no translation exists)."""
        return self.zh if lang == "zh" and self.zh else self.message

    @property
    def field(self) -> str:
        """Dotted field path with list indexes: ``evidence.standards[2].title``."""
        out = ""
        for part in self.path:
            if isinstance(part, int):
                out += f"[{part}]"
            else:
                text = str(part)  # a key may be as long as the user typed it: shown shortened
                out += ("." if out else "") + (text if len(text) <= 60 else text[:57] + "...")
        return out

    def place(self, lang: str | None = None) -> str:
        """Where the problem is, without the message; '' when unknown."""
        zh = lang == "zh"
        if self.table and self.file and self.line is not None:
            return _cell(self, zh)
        if not self.file:
            return ""
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where

    def format(self, lang: str | None = None) -> str:
        """``place: field.path: message`` (parts we lack are left out), in ``lang``."""
        where = self.place(lang)
        colon = "：" if lang == "zh" and self.table else ": "
        prefix = where + colon if where else ""
        if self.table:
            # in a table the cell says where; name the field only when the file calls it otherwise
            target = next((p for p in reversed(self.path) if isinstance(p, str)), None)
            field = f"{target}: " if target and target != self.column_name else ""
        else:
            field = f"{self.field}: " if self.path else ""
        return f"{prefix}{field}{self.text(lang)}"


def column_letter(index: int) -> str:
    """Spreadsheet letters of a 1-based column index: 1 → A, 27 → AA."""
    out = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def _row_list(rows: tuple[int, ...], zh: bool) -> str:
    shown = ", ".join(str(r) for r in rows[:6]) + (", …" if len(rows) > 6 else "")
    return (f"{len(rows)} 行（第 {shown} 行）" if zh else f"{len(rows)} rows ({shown})")


def _cell(issue: InputIssue, zh: bool) -> str:
    name, file, line, col = issue.column_name, issue.file, issue.line, issue.column
    letter = column_letter(col) if col else None
    if issue.rows:  # one column, several rows
        rows = _row_list(issue.rows, zh)
        if issue.table == "sheet" and letter:
            span = f"{file}!{letter}{issue.rows[0]}:{letter}{issue.rows[-1]}"
            return f"{span}（“{name}”列，{rows}）" if zh else f'{span} (column "{name}", {rows})'
        if zh:
            return f"{file}：“{name}”列（{letter}），{rows}" if letter else f"{file}：{rows}"
        return f'{file}: column "{name}" ({letter}), {rows}' if letter else f"{file}: {rows}"
    if issue.table == "sheet":
        if not letter:
            return f"{file} 第 {line} 行" if zh else f"{file} row {line}"
        ref = f"{file}!{letter}{line}"
        if not name:
            return ref
        return f"{ref}（“{name}”列）" if zh else f'{ref} (column "{name}")'
    if not letter:
        return f"{file}：第 {line} 行" if zh else f"{file}: row {line}"
    if zh:
        return f"{file}：第 {line} 行，“{name}”列（{letter}）" if name else f"{file}：第 {line} 行，{letter} 列"
    return f'{file}: row {line}, column "{name}" ({letter})' if name else f"{file}: row {line}, column {letter}"


class Invalid(ValueError):
    """A validation failure worded in both languages; raise it from model validators.

    pydantic wraps it like any ValueError; the loader shows ``zh`` when the audit is in Chinese.
    """

    def __init__(self, en: str, zh: str):
        super().__init__(en)
        self.zh = zh


class InputError(GapauditError):
    """The audit input is invalid; carries every issue found, not just the first."""

    exit_code = 2

    def __init__(self, issues: list[InputIssue], source: str | None = None, lang: str | None = None,
                 what: str = "audit"):
        self.issues = issues
        self.source = source
        self.lang = lang  # the audit's language, when it could be read
        self.what = what  # "audit", or "results" for the roll-up's input
        super().__init__(self.format())

    def format(self, lang: str | None = None) -> str:
        return "\n".join(i.format(lang) for i in self.issues)


class PluginError(GapauditError):
    """A plugin failed to load, declared something invalid, or a module raised."""

    exit_code = 3

    def __init__(self, plugin: str, message: str, cause: BaseException | None = None):
        self.plugin = plugin
        self.cause = cause
        detail = f": {type(cause).__name__}: {cause}" if cause is not None else ""
        super().__init__(f"plugin {plugin!r}: {message}{detail}")


class OutputError(GapauditError):
    """A report could not be written (permissions, disk, missing font, ...)."""

    exit_code = 4


class Interrupted(KeyboardInterrupt):
    """The user stopped the run (Ctrl-C, or SIGTERM): raised by the CLI's signal handler.

    A plain KeyboardInterrupt raised by plugin code is the plugin's failure,
    not the user's wish; this subclass tells the two apart.
    """

    def __init__(self, signum: int = 2):
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """128 + the signal number, as a shell reports a process ended by it (Ctrl-C: 130)."""
        return 128 + self.signum


def is_user_interrupt(exc: BaseException) -> bool:
    """Whether ``exc`` is the user stopping the run rather than code raising KeyboardInterrupt.

    Without the CLI's handler installed (library use) every KeyboardInterrupt
    is taken as the user's, as Python itself would.
    """
    import signal

    if isinstance(exc, Interrupted):
        return True
    return isinstance(exc, KeyboardInterrupt) and signal.getsignal(signal.SIGINT) is signal.default_int_handler
