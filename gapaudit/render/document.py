"""The report as data: sections in order, the executive summary, the theme, ready for templates.

Everything comes from the :class:`AuditResult` contract (plus the theme and
sections plugins contribute), so a report can be rebuilt from a result JSON
file alone. Every module present gets a section, driven generically by its
``ModuleResult``; nothing here knows a module by name except the default
list of links in the gap chain.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from gapaudit.errors import OutputError
from gapaudit.model.report import Theme
from gapaudit.model.result import AuditResult, Finding
from gapaudit.render import charts, fonts, i18n
from gapaudit.render.fetcher import FetchRefused, allowed_roots, data_url, read_allowed

if TYPE_CHECKING:
    from gapaudit.model.audit import AuditInput
    from gapaudit.plugins import PluginHost
    from gapaudit.render.photobook import PhotoBook
    from gapaudit.render.photos import PreparedPhotos

#: the four links of the gap chain, in the order a service fails
CHAIN = ("diagnosis_gap", "prescription_gap", "pharmacy_gap", "outcome_gap")
#: chain status thresholds (stated in the appendix)
CHAIN_HOLDS, CHAIN_WEAK = 70.0, 55.0
#: fixed section order keys (module sections use their module's order)
SUMMARY_ORDER, ACTIONS_ORDER, APPENDIX_ORDER, PHOTOS_ORDER = 0, 900, 1000, 1010
SUMMARY_FINDINGS, SUMMARY_ACTIONS = 3, 5
#: the brief report: its top problems, and the lines of its action plan (the register has them all)
BRIEF_PROBLEMS, BRIEF_PLAN = 3, 12
PROBLEMS_ORDER = 10
PROFILES = ("full", "brief")



@dataclass
class Section:
    """One report section: the template to render and what it needs."""

    id: str
    title: str
    templates: list[str]
    order: int
    context: dict[str, Any] = field(default_factory=dict)
    kind: str = "builtin"  # builtin, module, plugin


@dataclass
class Report:
    """Everything the templates read."""

    lang: str
    result: AuditResult
    theme: Theme
    sections: list[Section]
    summary: dict[str, Any]
    font_family: str
    palette: dict[str, str]
    css_vars: dict[str, str]
    logo: str | None
    target: str  # "pdf" or "html"
    asset_dirs: list[Path]
    created: str  # ISO timestamp for the PDF metadata
    stylesheet_url: str | None = None
    stylesheet_text: str | None = None
    photos: "PhotoBook | None" = None  # where the audit's photos are shown; None when it has none
    profile: str = "full"  # "full" or "brief"

    def as_context(self) -> dict[str, Any]:
        r = self.result
        return {
            "report": self, "lang": self.lang, "result": r, "audit": r.audit, "store": r.store,
            "overall": r.overall, "modules": r.modules, "actions": r.actions, "theme": self.theme,
            "sections": self.sections, "summary": self.summary, "font_family": self.font_family,
            "palette": self.palette, "css_vars": self.css_vars, "logo": self.logo, "target": self.target,
            "profile": self.profile,
            "cover_text": self.theme.cover_text.get(self.lang) or self.theme.cover_text.get("en"),
            "footer_text": self.theme.footer_text.get(self.lang) or self.theme.footer_text.get("en"),
            "created": self.created, "photos": self.photos,
        }


def build(result: AuditResult, *, host: "PluginHost | None" = None, audit: "AuditInput | None" = None,
          lang: str | None = None, target: str = "pdf", profile: str | None = None,
          photos: "PreparedPhotos | None" = None) -> Report:
    """Assemble the report for ``result``: theme, summary, module, plugin and fixed sections; with ``photos``
    (the audit's, prepared) the photo evidence beside the findings, in the problems and the photo appendix.

    ``profile`` "brief" (default: the audit's ``report.profile``, else "full") is the store owner's report:
    the summary, the top problems and the action plan, without module pages or appendix.
    """
    lang = lang or str(result.audit.get("language") or "en")
    profile = profile or (audit.report.profile if audit is not None else "full")
    absent = _absent_plugins(result, host)
    theme = _theme(host, audit, absent)
    palette = {**charts.PALETTE, **{k: v for k, v in theme.colors.items() if k in charts.PALETTE}}
    font_family = Markup(fonts.css_font_family(fonts.font_stack(lang, theme.font_family)))
    asset_dirs = _asset_dirs(theme)
    if profile == "brief":
        sections, plan_limit = _brief_sections(result, lang), BRIEF_PLAN
    else:
        sections, plan_limit = _full_sections(result, lang, host, font_family, palette, absent, target), None
    sections.sort(key=lambda s: (s.order, s.id))
    book = _photo_book(sections, audit, photos, lang, target, brief=profile == "brief")
    _unique_ids(sections)

    return Report(
        lang=lang, result=result, theme=theme, sections=sections,
        summary=_summary(result, lang, font_family, palette, plan_limit, target),
        font_family=font_family, palette=palette, css_vars=_css_vars(theme, palette), logo=_logo(theme, asset_dirs),
        target=target, asset_dirs=asset_dirs, created=_created(result),
        stylesheet_url=_stylesheet_url(theme, asset_dirs) if target == "pdf" else None,
        stylesheet_text=_stylesheet_text(theme, asset_dirs) if target != "pdf" else None, profile=profile,
        photos=book,
    )


def _brief_sections(result: AuditResult, lang: str) -> list[Section]:
    """The brief report: a one-page summary, the top problems, the first lines of the action plan."""
    from gapaudit.render.plan import build_plan, chain_links

    entries = [e for e in build_plan(result, lang) if e.problem is not None][:BRIEF_PROBLEMS]
    more = max(sum(1 for a in result.actions if a.role != "step") - BRIEF_PLAN, 0)
    sections = [
        Section("summary", i18n.t("summary", lang), ["sections/brief_summary.html.j2"], SUMMARY_ORDER),
        Section("actions", i18n.t("action_plan", lang), ["sections/actions.html.j2"], ACTIONS_ORDER,
                {"brief": True, "more": more}),
    ]
    if entries:
        sections.append(Section("problems", i18n.t("top_problems", lang), ["sections/problems.html.j2"],
                                PROBLEMS_ORDER, {"entries": entries, "links": chain_links(lang)}))
    return sections


def _full_sections(result: AuditResult, lang: str, host: "PluginHost | None", font_family: str,
                   palette: dict[str, str], absent: list[str], target: str = "pdf") -> list[Section]:
    """The full report: summary, every module's section, plugin sections, the action plan, the appendix.

    In the PDF each chart is an image of its SVG (:func:`charts.as_image`); the HTML report keeps it inline.
    """
    from gapaudit.render.figures import module_figures

    orders = _module_orders(result, host)
    sections: list[Section] = [
        Section("summary", i18n.t("summary", lang), ["sections/summary.html.j2"], SUMMARY_ORDER),
        Section("actions", i18n.t("action_plan", lang), ["sections/actions.html.j2"], ACTIONS_ORDER),
        Section("appendix", i18n.t("appendix", lang), ["sections/appendix.html.j2"], APPENDIX_ORDER,
                appendix_tables(result)),
    ]
    for i, (mid, module) in enumerate(result.modules.items()):
        figures = module_figures(module, lang=lang, font=font_family, palette=palette, uid=f"m{i}")
        if target == "pdf":
            for fig in figures:
                fig.svg = charts.as_image(fig.svg)
        sections.append(Section(
            f"module-{mid}", module.title or mid, [f"modules/{mid}.html.j2", "sections/module.html.j2"],
            orders[mid], {"module": module, "figures": figures}, kind="module"))
    if host is not None:
        for plugin, contributed in host.report_sections(result, lang, exclude=absent):
            for sec in contributed:  # ReportSections, checked at the plugin boundary
                sections.append(Section(f"plugin-{sec.id}", sec.title, [sec.template], sec.order,
                                        {**sec.context, "plugin": plugin}, kind="plugin"))
    return sections


def _photo_book(sections: list[Section], audit: "AuditInput | None", photos: "PreparedPhotos | None", lang: str,
                target: str, brief: bool = False) -> "PhotoBook | None":
    """Place the photos: beside the findings of the module sections and the rest in a photo appendix section
    (full report); beside each top problem, numbered in its own order (brief report, which has neither)."""
    if audit is None or photos is None or not photos.files:
        return None
    from gapaudit.render import photobook

    modules = {sec.id.removeprefix("module-"): sec for sec in sections if sec.kind == "module"}
    book = photobook.build(audit, photos, lang, list(modules), target,
                           section_titles={mid: sec.title for mid, sec in modules.items()})
    if book is None:
        return None
    if brief:
        for sec in sections:
            if sec.id == "problems":
                sec.context["photos"] = book.number_for_problems(e.problem for e in sec.context["entries"])
        return book
    for mid, places in book.inline.items():
        modules[mid].context["photos"] = places
    if book.has_appendix:
        title = book.text("appendix_title")
        sections.append(Section("photos", title, ["sections/photos.html.j2"], PHOTOS_ORDER, {"book": book}))
        sections.sort(key=lambda s: (s.order, s.id))
    return book


# --- sections -------------------------------------------------------------------

def _module_orders(result: AuditResult, host: "PluginHost | None") -> dict[str, int]:
    """Each module section's order key: its module's ``order``, else its position in the result."""
    classes = host.modules() if host is not None else {}
    return {mid: (classes[mid].order if mid in classes else 500 + i) for i, mid in enumerate(result.modules)}


def _unique_ids(sections: list[Section]) -> None:
    seen: dict[str, int] = {}
    for sec in sections:
        base = re.sub(r"[^A-Za-z0-9_-]", "-", sec.id)
        n = seen.get(base, 0)
        seen[base] = n + 1
        sec.id = base if n == 0 else f"{base}-{n + 1}"


# --- executive summary ------------------------------------------------------------

def chain_status(score: float | None) -> str:
    """holds / weak / breaks by the stated thresholds; no_data without a score."""
    if score is None:
        return "no_data"
    if score >= CHAIN_HOLDS:
        return "holds"
    if score >= CHAIN_WEAK:
        return "weak"
    return "breaks"


STATUS_TONE = {"holds": "good", "weak": "warn", "breaks": "bad", "no_data": "muted", "not_run": "muted"}


def build_chain(result: AuditResult, lang: str) -> list[dict[str, Any]]:
    """The gap chain's links in order: name, score, status (holds/weak/breaks/no_data/not_run), weakest."""
    links = []
    for mid in CHAIN:
        module = result.modules.get(mid)
        status = "not_run" if module is None else chain_status(module.score)
        score = None if module is None else module.score
        links.append({
            "id": mid, "name": _chain_name(mid, lang), "title": module.title if module else _chain_name(mid, lang),
            "score": score, "grade": None if module is None else module.grade,
            "status": status, "status_text": i18n.t(f"status_{status}", lang),
            "score_text": "—" if score is None else i18n.fmt_num(score, 0),
            "tone": STATUS_TONE[status], "weakest": False,
            "reason": None if module is None else module.reason,
        })
    scored = [link for link in links if link["score"] is not None]
    if scored:
        weakest = min(scored, key=lambda link: (link["score"], CHAIN.index(link["id"])))
        weakest["weakest"] = weakest["status"] != "holds"  # a chain that holds everywhere has no weak link
    return links


def _summary(result: AuditResult, lang: str, font: str, palette: dict[str, str],
             plan_limit: int | None = None, target: str = "pdf") -> dict[str, Any]:
    from gapaudit.render.plan import build_plan

    links = build_chain(result, lang)
    plan = build_plan(result, lang, plan_limit)
    svg = None
    if any(link["status"] != "not_run" for link in links):
        svg = charts.chain(links, title=i18n.t("gap_chain", lang), font=font, palette=palette, uid="chain",
                           weakest_label=i18n.t("weakest_link", lang))
        if target == "pdf":
            svg = charts.as_image(svg)
    caps = [m.grade_cap for m in result.modules.values() if m.grade_cap]
    return {
        "grade_capped": result.overall.grade is not None and result.overall.grade in caps,
        "chain": links, "chain_svg": svg, "chain_present": svg is not None,
        "findings": top_findings(result, SUMMARY_FINDINGS),
        "actions": result.actions[:SUMMARY_ACTIONS],
        "plan": plan[:SUMMARY_ACTIONS],
        "plan_all": plan,
        "more_actions": max(sum(1 for a in result.actions if a.role != "step") - SUMMARY_ACTIONS, 0),
        "modules": [(mid, m) for mid, m in result.modules.items()],
    }


_CHAIN_NAMES = {
    "diagnosis_gap": {"en": "Diagnosis gap", "zh": "诊断差距"},
    "prescription_gap": {"en": "Prescription gap", "zh": "处方差距"},
    "pharmacy_gap": {"en": "Pharmacy gap", "zh": "药房差距"},
    "outcome_gap": {"en": "Outcome gap", "zh": "疗效差距"},
}


def short_title(mid: str, title: str | None, lang: str) -> str:
    """A module's short name for narrow columns: the chain link's name, else its title up to a colon
    ("Eight-factor quality score: …" → "Eight-factor quality score"), else its id."""
    if mid in _CHAIN_NAMES:
        return _chain_name(mid, lang)
    for sep in (":", "：", " — "):
        if title and sep in title:
            return title.split(sep, 1)[0].strip()
    return title or mid


def _chain_name(mid: str, lang: str) -> str:
    names = _CHAIN_NAMES.get(mid, {})
    return names.get(lang) or names.get("en") or mid


@dataclass(frozen=True)
class TopFinding:
    """A finding for the executive summary, with every module that reported it (same ``topic``)."""

    finding: Finding
    modules: tuple[str, ...]  # module ids

    def module_names(self, result: AuditResult, lang: str) -> str:
        """The modules' short names as a list in ``lang``."""
        return i18n.t("list_sep", lang).join(short_title(mid, result.modules[mid].title, lang) for mid in self.modules)


def top_findings(result: AuditResult, count: int) -> list[TopFinding]:
    """The most serious findings: by severity, then module order, then finding order.

    Findings sharing a non-empty ``topic`` are one problem seen by several
    modules (a failed critical standard caps three modules' grades): the
    first is listed once, naming every module.
    """
    ranked = []
    for m_pos, (mid, module) in enumerate(result.modules.items()):
        for f_pos, finding in enumerate(module.findings):
            if finding.severity == "info":
                continue
            ranked.append((i18n.SEVERITY_ORDER.index(finding.severity), m_pos, f_pos, mid, finding))
    ranked.sort(key=lambda r: r[:3])
    out: list[tuple[Finding, list[str]]] = []
    by_topic: dict[str, list[str]] = {}
    for *_, mid, finding in ranked:
        if finding.topic and finding.topic in by_topic:
            if mid not in by_topic[finding.topic]:
                by_topic[finding.topic].append(mid)
            continue
        out.append((finding, [mid]))
        if finding.topic:
            by_topic[finding.topic] = out[-1][1]
    return [TopFinding(finding, tuple(modules)) for finding, modules in out[:count]]


# --- appendix ----------------------------------------------------------------------

ALPHA_MIN = 0.70


def appendix_tables(result: AuditResult) -> dict[str, Any]:
    """Sample sizes per module (from its measures' n) and scale reliability (alpha rows in module data)."""
    sizes = []
    for mid, module in result.modules.items():
        ns = [m.n for m in module.metrics if m.n is not None]
        if ns:
            sizes.append({"module": mid, "measures": len(ns), "low": min(ns), "high": max(ns)})
    alphas = []
    for mid, module in result.modules.items():
        for row in _alpha_rows(module.data):
            alphas.append({"module": mid, **row})
    return {"sample_sizes": sizes, "alphas": alphas, "alpha_min": ALPHA_MIN}


def _alpha_rows(data: Any, depth: int = 0) -> list[dict[str, Any]]:
    """Rows carrying a Cronbach's ``alpha`` anywhere in a module's data (two levels deep)."""
    if depth > 2:
        return []
    out: list[dict[str, Any]] = []
    if isinstance(data, dict):
        for value in data.values():
            out += _alpha_rows(value, depth + 1)
    elif isinstance(data, list):
        for row in data:
            if isinstance(row, dict) and "alpha" in row:
                alpha = row.get("alpha")
                out.append({"label": row.get("label") or row.get("dimension") or row.get("id") or "?",
                            "alpha": alpha if i18n.is_number(alpha) else None,
                            "low": row.get("alpha_low"), "high": row.get("alpha_high"),
                            "n": row.get("alpha_n") if row.get("alpha_n") is not None else row.get("n"),
                            "items": row.get("items") if isinstance(row.get("items"), int) else None})
    return out


# --- theme -----------------------------------------------------------------------

def _absent_plugins(result: AuditResult, host: "PluginHost | None") -> list[str]:
    """Registered plugins that took no part in the result (disabled, or scoped to other audits): they add nothing."""
    if host is None:
        return []
    took_part = {p.name for p in result.plugins}
    return [name for name in host.records if name not in took_part]


def _theme(host: "PluginHost | None", audit: "AuditInput | None", exclude: list[str] = ()) -> Theme:
    """The theme a plugin gives (validated at the plugin boundary, colours included), else the default."""
    theme = host.theme(audit, exclude=exclude) if host is not None and audit is not None else None
    return theme if theme is not None else Theme()


def _asset_dirs(theme: Theme) -> list[Path]:
    """Folders the theme may load from: its asset folders, else the folders of its logo and stylesheet."""
    dirs = list(theme.asset_dirs)
    if not dirs:
        dirs = [p.parent for p in (theme.logo, theme.stylesheet) if p is not None]
    return dirs


def _theme_file(path: Path, asset_dirs: list[Path], what: str) -> tuple[bytes, str]:
    """Read a theme file through the fetcher's rules (inside the theme's folders, no escapes)."""
    url = Path(os.path.abspath(path)).as_uri()
    try:
        return read_allowed(url, allowed_roots(asset_dirs))
    except (FetchRefused, OSError) as exc:
        raise OutputError(f"theme {what} {path}: {exc}") from exc


def _logo(theme: Theme, asset_dirs: list[Path]) -> str | None:
    if theme.logo is None:
        return None
    body, mime = _theme_file(theme.logo, asset_dirs, "logo")
    if mime not in ("image/svg+xml", "image/png", "image/jpeg"):
        raise OutputError(f"theme logo {theme.logo}: use an SVG, PNG or JPEG file")
    # Markup: a data: URL we built (base64), printed whole — the templates cut any other long "word"
    return Markup(data_url(body, mime))


def _stylesheet_url(theme: Theme, asset_dirs: list[Path]) -> str | None:
    if theme.stylesheet is None:
        return None
    _theme_file(theme.stylesheet, asset_dirs, "stylesheet")  # fail early and clearly
    return Path(os.path.abspath(theme.stylesheet)).as_uri()


def _stylesheet_text(theme: Theme, asset_dirs: list[Path]) -> str | None:
    if theme.stylesheet is None:
        return None
    body, _ = _theme_file(theme.stylesheet, asset_dirs, "stylesheet")
    # inlined in <style>: a closing tag inside would end the element early
    return Markup(body.decode("utf-8", errors="replace").replace("</", "<\\/"))


def _css_vars(theme: Theme, palette: dict[str, str]) -> dict[str, str]:
    """CSS custom properties: the chart palette plus every colour the theme sets (already validated)."""
    out = {f"--{k}": Markup(v) for k, v in palette.items()}
    out.update({f"--{k}": Markup(v.strip()) for k, v in theme.colors.items()})
    return out


def _created(result: AuditResult) -> str:
    """The PDF's creation time: SOURCE_DATE_EPOCH when set, else the audit date (so output is reproducible)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    date = str(result.audit.get("date") or "1970-01-01")[:10]
    return f"{date}T00:00:00Z"
