"""The report as a Markdown summary: scores, the gap chain, serious findings, the first actions.

Untrusted text is escaped for Markdown and for the HTML that Markdown
renderers let through, so audit text cannot inject links, images or markup.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from gapaudit.model.result import AuditResult
from gapaudit.render import document, i18n
from gapaudit.render.plan import build_plan

if TYPE_CHECKING:
    from gapaudit.model.audit import AuditInput
    from gapaudit.plugins import PluginHost

MD_ACTIONS = 10
_MD_INLINE = re.compile(r"([\\`*_\[\]|~])")
_MD_LINE_START = re.compile(r"^(#|[-+]\s|\d+[.)]\s)")


def md(text: Any) -> str:
    """Untrusted text as literal Markdown on one line.

    HTML is escaped (renderers pass raw HTML through) and the characters
    that start emphasis, code, links, tables or strike-through are
    backslashed; so is a heading or list marker at the start. Other
    punctuation stays readable (``62.0``, ``S-001``).
    """
    s = " ".join(str(text).split())
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _MD_INLINE.sub(r"\\\1", s)
    return _MD_LINE_START.sub(r"\\\1", s)


def to_markdown(result: AuditResult, *, host: "PluginHost | None" = None, audit: "AuditInput | None" = None,
                lang: str | None = None, **_: Any) -> bytes:
    """A readable Markdown summary of the result, UTF-8."""
    lang = lang or str(result.audit.get("language") or "en")

    def t(key: str, **fmt: Any) -> str:
        return i18n.t(key, lang, **fmt)

    store, audit_info, overall = result.store, result.audit, result.overall
    colon = t("colon")
    out: list[str] = [f"# {md(t('report_title'))}{colon}{md(store.get('name', ''))}", ""]
    facts = [(t("store"), f"{store.get('name', '')} ({store.get('id', '')})"), (t("chain"), store.get("chain")),
             (t("region"), store.get("region")), (t("audit_id"), audit_info.get("id")),
             (t("audit_date"), i18n.fmt_date(audit_info.get("date"), lang)), (t("auditor"), audit_info.get("auditor"))]
    out += [f"- **{md(k)}**{colon}{md(v)}" for k, v in facts if v]
    out.append("")
    if overall.score is None:
        out.append(f"**{md(t('no_overall'))}**")
    else:
        out.append(f"**{md(t('overall_score'))}{colon}{md(i18n.fmt_num(overall.score, 1))}/100 · "
                   f"{md(t('grade'))} {md(overall.grade)}**")
    out.append("")

    links = document.build_chain(result, lang)
    if any(link["status"] != "not_run" for link in links):
        out += [f"## {md(t('gap_chain'))}", ""]
        parts = []
        for link in links:
            text = f"{md(link['name'])}{colon}**{md(link['status_text'])}**"
            if link["score"] is not None:
                text += f" ({md(i18n.fmt_num(link['score'], 0))})"
            if link["weakest"]:
                text += f" — {md(t('weakest_link'))}"
            parts.append(text)
        out += [" → ".join(parts), ""]

    out += [f"## {md(t('module_scores'))}", "", f"| {md(t('module'))} | {md(t('score'))} | {md(t('grade'))} |",
            "|---|---:|:---:|"]
    for module in result.modules.values():
        score = t("no_data") if module.score is None else i18n.fmt_num(module.score, 1)
        out.append(f"| {md(module.title)} | {md(score)} | {md(module.grade or '—')} |")
    out.append("")
    nodata = [m for m in result.modules.values() if m.score is None]
    for module in nodata:
        out.append(f"- {md(module.title)}{colon}{md(t('no_data_reason', reason=module.reason or ''))}")
    if nodata:
        out.append("")

    out += [f"## {md(t('top_findings'))}", ""]
    findings = document.top_findings(result, document.SUMMARY_FINDINGS)
    if not findings:
        out.append(md(t("no_findings")))
    for i, top in enumerate(findings, 1):
        finding = top.finding
        where = top.module_names(result, lang)
        out.append(f"{i}. **{md(finding.title)}** ({md(t('sev_' + finding.severity))}, {md(where)})")
        if finding.detail:
            out.append(f"   {md(finding.detail)}")
    out.append("")

    out += [f"## {md(t('action_plan'))}", ""]
    entries = build_plan(result, lang)
    if not entries:
        out.append(md(t("no_actions")))
    else:
        out += [f"| # | {md(t('col_priority'))} | {md(t('col_action'))} | {md(t('col_owner'))} | {md(t('col_due'))} |",
                "|---:|---:|---|---|---|"]
        for e in entries[:MD_ACTIONS]:
            what = f"{md(e.action.title)} — {md(e.worth)}"
            if e.steps:
                what += f" {md(t('plan_steps', n=len(e.steps)))}"
            out.append(f"| {e.rank} | {md(e.priority)}{'=' if e.tie else ''} | {what} | "
                       f"{md(e.action.owner_role or '—')} | {md(i18n.fmt_date_short(e.action.due, lang))} |")
        if len(entries) > MD_ACTIONS:
            out += ["", md(t("more_actions", n=len(entries) - MD_ACTIONS))]
        if any(e.tie for e in entries[:MD_ACTIONS]):
            out += ["", "= " + md(t("plan_tie"))]
    out += ["", "---", md(t("report_produced", version=result.gapaudit_version, schema=result.schema_version)), ""]
    return "\n".join(out).encode("utf-8")
