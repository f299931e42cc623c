"""``gapaudit history compare``: the store report's change view for any two recorded audits.

The comparison is :func:`gapaudit.chain.history.compare` of the two audits'
digests; it is shown as text in the terminal, or written as JSON, HTML or a
PDF/A report with the same template as a store report's "change since the
last audit" section (``rollup/store_change.html.j2``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from gapaudit.chain.history import COMPARE_RULES, FINDING_ROWS, NOISE_RULE_ZH, SECTION_TEXT, by_severity, \
    section_context
from gapaudit.render.i18n import fmt_num, lookup, t

if TYPE_CHECKING:
    from gapaudit.plugins import PluginHost

FORMATS = {"text": ".txt", "json": ".json", "html": ".html", "pdf": ".pdf"}
TEMPLATE = "rollup/compare.html.j2"
TEXT = {
    "title": {"en": "Change between two audits", "zh": "两次审核之间的变化"},
    "header": {"en": "{store}: audit {a} ({date_a}) → audit {b} ({date_b})",
               "zh": "{store}：审核 {a}（{date_a}）→ 审核 {b}（{date_b}）"},
    "scores": {"en": "Scores", "zh": "得分"},
    "beyond": {"en": "beyond noise", "zh": "超出误差"},
    "within": {"en": "within noise", "zh": "在误差内"},
}


def _x(key: str, lang: str, **fmt: Any) -> str:
    return lookup(TEXT, key, lang, **fmt)


def comparison(older: Mapping[str, Any], newer: Mapping[str, Any]) -> dict[str, Any]:
    """The change from ``older`` to ``newer`` (two digests), with the store and both audits named."""
    from gapaudit.chain.history import compare

    out = compare(newer, older)
    out["store"] = dict(newer["store"])
    out["current_audit"] = {"audit_id": newer["audit"]["id"], "date": newer["audit"]["date"]}
    return out


def to_text(change: Mapping[str, Any], lang: str, metric_rows: int = 20) -> str:
    """The change view as terminal text: scores, changed measures (beyond noise first), findings, actions."""
    tx = {key: lookup(SECTION_TEXT, key, lang) for key in SECTION_TEXT}
    store = change["store"]
    prev, cur = change["previous"], change["current_audit"]
    lines = [_x("header", lang, store=f"{store.get('name') or store['id']} ({store['id']})", a=prev["audit_id"],
                date_a=prev["date"], b=cur["audit_id"], date_b=cur["date"]), ""]

    def row(label: str, before: Any, after: Any, delta: Any, noise: bool | None = None, digits: int = 1) -> str:
        verdict = "" if noise is None else "  " + (_x("beyond", lang) if noise else _x("within", lang))
        return (f"  {_fit(label, 48)} {fmt_num(before, digits):>8} → {fmt_num(after, digits):>8}  "
                f"{fmt_num(delta, digits, sign=True):>8}{verdict}")

    o = change["overall"]
    lines.append(_x("scores", lang))
    lines.append(row(t("overall_score", lang), o["previous"], o["current"], o["delta"]))
    for m in change["modules"]:
        lines.append(row(m["title"], m["previous"], m["current"], m["delta"]))
    changed = [m for m in change["metrics"] if m["delta"] not in (None, 0)]
    if changed:
        changed.sort(key=lambda m: m.get("beyond_noise") is not True)
        lines += ["", tx["metric_changes"]]
        lines += [row(m["label"], m["previous"], m["current"], m["delta"], m.get("beyond_noise"), 2)
                  for m in changed[:metric_rows]]
        if len(changed) > metric_rows:
            lines.append("  " + tx["more_rows"].format(n=len(changed) - metric_rows))
    context = section_context(change, lang)["findings"]
    for key in ("new", "resolved", "persisting"):
        group = context[key]
        total = len(group["shown"]) + group["folded"]
        lines += ["", f"{tx[key + '_findings']} ({total})"]
        lines += [f"  [{t('sev_' + str(f['severity']), lang)}] {f['title']}" for f in group["shown"]] or \
                 ["  " + tx["none"]]
        if group["folded"]:
            lines.append("  " + tx["folded"].format(n=group["folded"]) + " " +
                         ", ".join(f"{t('sev_' + sev, lang)} {n}" for sev, n in group["folded_by_severity"]))
    carried = sorted(change["actions"]["carried_over"], key=lambda a: -(a.get("priority") or 0))
    lines += ["", f"{tx['carried_over']} ({len(carried)})"]
    lines += [f"  {a['title']}" for a in carried[:FINDING_ROWS]] or ["  " + tx["none"]]
    if len(carried) > FINDING_ROWS:
        lines.append("  " + tx["more_rows"].format(n=len(carried) - FINDING_ROWS))
    lines += ["", NOISE_RULE_ZH if lang == "zh" else COMPARE_RULES[-1]]
    return "\n".join(lines) + "\n"


def char_width(ch: str) -> int:
    """Terminal columns of one character: a CJK (wide or full-width) character takes two."""
    import unicodedata

    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _fit(text: str, width: int) -> str:
    """``text`` cut and padded to ``width`` terminal columns."""
    out, used = "", 0
    for ch in text:
        w = char_width(ch)
        if used + w > width:
            break
        out, used = out + ch, used + w
    return out + " " * (width - used)


def render(change: Mapping[str, Any], fmt: str, lang: str, host: "PluginHost | None" = None) -> bytes:
    """The change view as ``text``, ``json``, ``html`` or ``pdf`` (PDF/A carrying the comparison as JSON)."""
    if fmt == "text":
        return to_text(change, lang).encode("utf-8")
    if fmt == "json":
        return (json.dumps(change, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    html = _html(change, lang, host, "pdf" if fmt == "pdf" else "html")
    if fmt == "html":
        return html.encode("utf-8")
    from gapaudit.render import fonts
    from gapaudit.render.env import template_search_path
    from gapaudit.render.pdf import html_to_pdf
    from gapaudit.render.pdfa import Attachment

    fonts.prefetch()
    fonts.require_cjk_font(html, lang)
    folders = template_search_path(host)
    embedded = [Attachment("comparison.json", render(change, "json", lang), "the comparison (history compare -f json)")]
    return html_to_pdf(html, folders, base_url=folders[-1], attachments=embedded,
                       created=f"{change['current_audit']['date']}T00:00:00Z")


def _html(change: Mapping[str, Any], lang: str, host: "PluginHost | None", target: str) -> str:
    from markupsafe import Markup

    from gapaudit.render import charts, fonts
    from gapaudit.render.env import make_env

    env = make_env(host)
    palette = dict(charts.PALETTE)
    context = section_context({**change, "findings": {k: by_severity(v) for k, v in change["findings"].items()}},
                              lang)
    store = change["store"]
    return env.get_template(TEMPLATE).render(
        lang=lang, target=target, ctx=context, change=change,
        section={"id": "history", "title": _x("title", lang)},
        heading=_x("header", lang, store=f"{store.get('name') or store['id']} ({store['id']})",
                   a=change["previous"]["audit_id"], date_a=change["previous"]["date"],
                   b=change["current_audit"]["audit_id"], date_b=change["current_audit"]["date"]),
        font_family=Markup(fonts.css_font_family(fonts.font_stack(lang))),
        css_vars={f"--{k}": Markup(v) for k, v in palette.items()},
        created=f"{change['current_audit']['date']}T00:00:00Z")


def output_path(fmt: str, output: Path | None, store: str, a: str, b: str) -> Path | None:
    """Where a written format goes (text and JSON without -o go to standard output: None)."""
    if output is None:
        return None if fmt in ("text", "json") else Path(f"compare-{store}-{a}-{b}{FORMATS[fmt]}")
    return output
