"""Outputs: every format is a writer of one :class:`AuditResult`.

Writers are imported only when their format is asked for, so ``validate``
and JSON runs never import WeasyPrint.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from gapaudit.model.result import AuditResult

#: format → (module, function, file suffix). A writer returns the bytes to write.
FORMATS: dict[str, tuple[str, str, str]] = {
    "pdf": ("gapaudit.render.pdf", "to_pdf", ".pdf"),
    "html": ("gapaudit.render.html", "to_html", ".html"),
    "md": ("gapaudit.render.markdown", "to_markdown", ".md"),
    "json": ("gapaudit.render.data", "to_json", ".json"),
    "csv": ("gapaudit.render.register", "to_csv", ".actions.csv"),
    "xlsx": ("gapaudit.render.register", "to_xlsx", ".actions.xlsx"),
}

DEFAULT_FORMAT = "pdf"


def writer(fmt: str) -> Callable[..., bytes]:
    module, func, _ = FORMATS[fmt]
    return getattr(importlib.import_module(module), func)


def extension(suffix: str) -> str:
    """The file extension a format's suffix ends in: ".actions.csv" → ".csv"."""
    return "." + suffix.rsplit(".", 1)[-1]


def output_path(source: Path, fmt: str, output: Path | None, many: bool) -> Path:
    """Where a format's file goes: next to the input, in an output folder, or at ``output``."""
    suffix = FORMATS[fmt][2]
    stem = source.name.rsplit(".", 1)[0]
    if output is None:
        return source.with_name(stem + suffix)
    if output.is_dir() or many or str(output).endswith(("/", "\\")):
        return output / (stem + suffix)
    if output.suffix.lower() == extension(suffix):  # the file asked for (plan.csv, not plan.actions.csv)
        return output
    return output.with_name(output.name.rsplit(".", 1)[0] + suffix) if output.suffix else output.with_suffix(suffix)


def render(result: "AuditResult", fmt: str, **options: Any) -> bytes:
    return writer(fmt)(result, **options)
