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
    """One problem in the audit input, located as precisely as we can."""

    message: str
    path: tuple[str | int, ...] = ()
    file: str | None = None
    line: int | None = None
    column: int | None = None
    zh: str | None = None  # the message in Chinese, shown when the audit's language is zh

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

    def format(self, lang: str | None = None) -> str:
        """``file:line:column: field.path: message`` (parts we lack are left out), in ``lang``."""
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        field = f"{self.field}: " if self.path else ""
        return f"{where}{field}{self.text(lang)}"


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
