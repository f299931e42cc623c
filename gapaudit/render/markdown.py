"""The report as a Markdown summary: scores, the gap chain, serious findings, the first actions.

Untrusted text is escaped for Markdown and for the HTML that Markdown
renderers let through, so audit text cannot inject links, images or markup.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from gapaudit.model.result import AuditResult
from gapaudit.render import document, i18n

if TYPE_CHECKING:
    from gapaudit.model.audit import AuditInput
    from gapaudit.plugins import PluginHost

MD_ACTIONS = 10
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def md(text: Any) -> str:
    """Untrusted text as literal Markdown on one line: HTML-escaped, Markdown punctuation backslashed."""
    s = " ".join(str(text).split())
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", s)


def to_markdown(result: AuditResult, *, host: "PluginHost | None" = None, audit: "AuditInput | None" = None,
                lang: str | None = None, **_: Any) -> bytes:
    """A readable Markdown summary of the result, UTF-8."""
    lang = lang or str(result.audit.get("language") or "en")

    def t(key: str, **fmt: Any) -> str:
        return i18n.t(key, lang, **fmt)

    store, audit_info, overall = result.store, result.audit, result.overall
    out: list[str] = [f"# {md(t('report_title'))}: {md(store.get('name', ''))}", ""]
    facts = [(t("store"), f"{store.get('name', '')} ({store.get('id', '')})"), (t("chain"), store.get("chain")),
             (t("region"), store.get("region")), (t("audit_id"), audit_info.get("id")),
             (t("audit_date"), i18n.fmt_date(audit_info.get("date"), lang)), (t("auditor"), audit_info.get("auditor"))]
    out += [f"- **{md(k)}:** {md(v)}" for k, v in facts if v]
    out.append("")
    if overall.score is None:
        out.append(f"**{md(t('no_overall'))}**")
    else:
        out.append(f"**{md(t('overall_score'))}: {md(i18n.fmt_num(overall.score, 1))}/100 · "
                   f"{md(t('grade'))} {md(overall.grade)}**")
    out.append("")

    links = document.build_chain(result, lang)
    if any(link["status"] != "not_run" for link in links):
        out += [f"## {md(t('gap_chain'))}", ""]
        parts = []
        for link in links:
            score = "" if link["score"] is None else f" {i18n.fmt_num(link['score'], 0)}"
            weakest = f" ({t('weakest_link')})" if link["weakest"] else ""
            parts.append(f"{md(link['name'])}: **{md(link['status_text'])}**{md(score)}{md(weakest)}")
        out += [" → ".join(parts), ""]

    out += [f"## {md(t('module_scores'))}", "", f"| {md(t('module'))} | {md(t('score'))} | {md(t('grade'))} |",
            "|---|---:|:---:|"]
    for module in result.modules.values():
        score = t("no_data") if module.score is None else i18n.fmt_num(module.score, 1)
        out.append(f"| {md(module.title)} | {md(score)} | {md(module.grade or '—')} |")
    out.append("")
    nodata = [m for m in result.modules.values() if m.score is None]
    for module in nodata:
        out.append(f"- {md(module.title)}: {md(t('no_data_reason', reason=module.reason or ''))}")
    if nodata:
        out.append("")

    out += [f"## {md(t('top_findings'))}", ""]
    findings = document.top_findings(result, document.SUMMARY_FINDINGS)
    if not findings:
        out.append(md(t("no_findings")))
    for i, (_mid, module, finding) in enumerate(findings, 1):
        out.append(f"{i}\\. **{md(finding.title)}** ({md(t('sev_' + finding.severity))}, {md(module.title)})")
        if finding.detail:
            out.append(f"   {md(finding.detail)}")
    out.append("")

    out += [f"## {md(t('action_plan'))}", ""]
    if not result.actions:
        out.append(md(t("no_actions")))
    else:
        out += [f"| {md(t('col_priority'))} | {md(t('col_action'))} | {md(t('col_owner'))} | "
                f"{md(t('col_horizon'))} | {md(t('col_due'))} |", "|---:|---|---|---|---|"]
        for a in result.actions[:MD_ACTIONS]:
            out.append(f"| {md(i18n.fmt_num(a.priority, 0))} | {md(a.title)} | {md(a.owner_role or '—')} | "
                       f"{md(t('horizon_' + a.horizon))} | {md(i18n.fmt_date_short(a.due))} |")
        if len(result.actions) > MD_ACTIONS:
            out += ["", md(t("more_actions", n=len(result.actions) - MD_ACTIONS))]
    out += ["", "---", md(t("report_produced", version=result.gapaudit_version, schema=result.schema_version)), ""]
    return "\n".join(out).encode("utf-8")
