"""The report as HTML: the document the PDF is printed from, and a standalone HTML output.

The standalone file has everything inline (CSS, charts as inline SVG, the
logo as a ``data:`` URL), so it opens in any browser without other files.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

import jinja2
from markupsafe import Markup

from gapaudit.errors import OutputError, PluginError
from gapaudit.model.result import AuditResult, Metric
from gapaudit.render import document, i18n
from gapaudit.render.env import cached_env, css_string
from gapaudit.render.figures import metric_text

if TYPE_CHECKING:
    from gapaudit.model.audit import AuditInput
    from gapaudit.plugins import PluginHost
    from gapaudit.render.photos import PreparedPhotos

MAIN_TEMPLATE = "report.html.j2"


def render_html(result: AuditResult, *, host: "PluginHost | None" = None, audit: "AuditInput | None" = None,
                template_dirs: Iterable[Path | str] = (), lang: str | None = None,
                target: str = "pdf", profile: str | None = None,
                photos: "PreparedPhotos | None" = None) -> tuple[str, document.Report]:
    """The report's HTML for ``target`` ("pdf" or "html") and ``profile`` ("full" or "brief"), and the report
    model behind it; ``photos`` are the audit's, prepared."""
    template_dirs = tuple(template_dirs)
    report = document.build(result, host=host, audit=audit, lang=lang, target=target, profile=profile,
                            photos=photos)
    env = cached_env(host, template_dirs)
    context = report.as_context()
    context.update(_helpers(report))
    try:
        html = env.get_template(MAIN_TEMPLATE).render(context)
    except jinja2.TemplateError as exc:
        where = f"{exc.name}:{exc.lineno}: " if isinstance(exc, jinja2.TemplateSyntaxError) else ""
        raise OutputError(f"report template error: {where}{exc}") from exc
    except PluginError:
        raise
    return html, report


def _helpers(report: document.Report) -> dict[str, Any]:
    """Functions and values the templates use beside the report data."""
    lang = report.lang
    titles = {mid: m.title or mid for mid, m in report.result.modules.items()}
    parts = i18n.t("page_of", lang, page="\0", pages="\1").replace("\1", "\0").split("\0")
    page_of = Markup(" ").join([css_string(parts[0]), Markup("counter(page)"), css_string(parts[1]),
                                Markup("counter(pages)"), css_string(parts[2])])
    return {
        "module_title": lambda mid: titles.get(mid, mid),
        "module_short": lambda mid: document.short_title(mid, report.result.modules[mid].title
                                                         if mid in report.result.modules else None, lang),
        "metric_text": metric_text,
        "metric_digits": _metric_digits,
        "page_of_css": page_of,
        "chain_holds": document.CHAIN_HOLDS,
        "chain_weak": document.CHAIN_WEAK,
    }


def _metric_digits(metric: Metric) -> int:
    """Decimals for a metric's interval: like its value (percentages and points one, others two)."""
    if metric.unit in ("%", "percent", "points", "pts", "score", "/100"):
        return 1
    return 2


def to_html(result: AuditResult, *, host: "PluginHost | None" = None, audit: "AuditInput | None" = None,
            template_dirs: Iterable[Path | str] = (), lang: str | None = None, profile: str | None = None,
            photos: "PreparedPhotos | None" = None, **_: Any) -> bytes:
    """The standalone HTML report (one file, opens in a browser; photos embedded) as UTF-8 bytes."""
    html, _report = render_html(result, host=host, audit=audit, template_dirs=template_dirs, lang=lang,
                                target="html", profile=profile, photos=photos)
    return html.encode("utf-8")
