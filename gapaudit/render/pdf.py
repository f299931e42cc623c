"""The PDF report: the report's HTML laid out by WeasyPrint behind the restricted fetcher.

WeasyPrint is imported here and only here, when a PDF is asked for, so
``gapaudit --help`` and ``gapaudit validate`` never pay for it. Output is
reproducible: the PDF's dates come from ``SOURCE_DATE_EPOCH`` or the audit
date, never the clock, and fonts are subset (small files).
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from gapaudit.errors import OutputError
from gapaudit.model.result import AuditResult
from gapaudit.render import fonts
from gapaudit.render.env import template_search_path
from gapaudit.render.fetcher import make_fetcher
from gapaudit.render.html import render_html
from gapaudit.render.pdfa import Attachment, report_attachments, write_options

if TYPE_CHECKING:
    from gapaudit.model.audit import AuditInput
    from gapaudit.plugins import PluginHost
    from gapaudit.render.photos import PreparedPhotos

PDF_OPTIONS: dict[str, Any] = {
    "pdf_identifier": b"gapaudit",  # fixed: WeasyPrint would otherwise derive none, pydyf a random one
    "full_fonts": False,  # subset fonts
    "hinting": False,
    "optimize_images": True,
    "uncompressed_pdf": False,
    # PDF/A-3u, tagged, with the result and action register embedded: see gapaudit.render.pdfa
}


def to_pdf(result: AuditResult, *, host: "PluginHost | None" = None, audit: "AuditInput | None" = None,
           template_dirs: Iterable[Path | str] = (), lang: str | None = None, profile: str | None = None,
           photos: "PreparedPhotos | None" = None, **_: Any) -> bytes:
    """The PDF report as bytes; raises OutputError when it cannot be produced (e.g. no Chinese font)."""
    fonts.prefetch()
    template_dirs = tuple(template_dirs)
    html, report = render_html(result, host=host, audit=audit, template_dirs=template_dirs, lang=lang,
                               target="pdf", profile=profile, photos=photos)
    fonts.require_cjk_font(html, report.lang)
    folders = [*template_search_path(host, template_dirs), *report.asset_dirs]
    return html_to_pdf(html, folders, base_url=template_search_path(host, template_dirs)[-1],
                       attachments=report_attachments(result), created=report.created,
                       served=photos.served() if photos is not None else None)


def html_to_pdf(html: str, folders: Iterable[Path], base_url: Path, attachments: Iterable[Attachment] = (),
                created: str | None = None, served: dict[str, bytes] | None = None) -> bytes:
    """Lay out ``html`` as PDF/A-3 carrying ``attachments`` (in the helper process when one was started).

    Only ``folders`` and the prepared photos in ``served`` may be read; ``created`` dates the embedded files.
    """
    from gapaudit.render import worker

    helper = worker.take()
    if helper is not None:
        return helper.render(html, list(folders), base_url, list(attachments), created, served)
    return layout(html, list(folders), base_url, list(attachments), created, served)


def layout(html: str, folders: list[Path], base_url: Path, attachments: list[Attachment] | None = None,
           created: str | None = None, served: dict[str, bytes] | None = None) -> bytes:
    """Lay out ``html`` with WeasyPrint behind the restricted fetcher, as PDF/A-3 carrying ``attachments``."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: Pango or another system library is missing
        raise OutputError(f"cannot produce a PDF: WeasyPrint is not usable here ({exc})") from exc
    fetcher = make_fetcher(folders, served)
    # Layout allocates millions of short-lived objects; every collection would also walk the
    # objects that exist already (the audit, its result, the models and WeasyPrint's own
    # tables), about a tenth of the layout time. Frozen objects are skipped; they are handed
    # back to the collector afterwards, so nothing is kept alive for longer.
    gc.freeze()
    try:
        document = weasyprint.HTML(string=html, base_url=str(base_url) + "/", url_fetcher=fetcher)
        return document.write_pdf(**PDF_OPTIONS, **write_options(attachments or (), created))
    except OutputError:
        raise
    except Exception as exc:
        raise OutputError(f"PDF layout failed: {type(exc).__name__}: {exc}") from exc
    finally:
        gc.unfreeze()
