"""The action plan as a reader meets it: lead actions and single actions in priority order, each with
what it concerns, what it is worth in words, one evidence line per module, and a lead's steps.

Built from the :class:`AuditResult` alone (its ``actions``, ``problems`` and ``subjects``), for the report
templates, the Markdown summary and the action register, so all of them say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gapaudit.model.result import Action, AuditResult, Problem
from gapaudit.render import i18n

#: plain words for the links of the gap chain (where a problem breaks first)
LINK_TEXT = {
    "diagnosis": {"en": "management does not know what customers expect", "zh": "管理层不了解顾客的期望"},
    "prescription": {"en": "no sound standard encodes it", "zh": "没有合格的服务标准"},
    "pharmacy": {"en": "the standard is not delivered", "zh": "服务标准没有执行到位"},
    "outcome": {"en": "promise not kept / customers dissatisfied", "zh": "承诺未兑现／顾客不满意"},
}
LINK_NAME = {
    "diagnosis": {"en": "Diagnosis", "zh": "诊断"},
    "prescription": {"en": "Prescription", "zh": "处方"},
    "pharmacy": {"en": "Pharmacy", "zh": "药房"},
    "outcome": {"en": "Outcome", "zh": "疗效"},
}
TEXT = {
    "worth": {"en": "{p} points overall when reached", "zh": "达成后综合得分 {p} 分"},
    "customers": {"en": "about {n} customers kept a year", "zh": "每年约多留住 {n} 位顾客"},
    "grade": {"en": "grade {a} → {b}", "zh": "等级 {a} → {b}"},
    "not_measured": {"en": "impact not measured: {why}", "zh": "未测算影响：{why}"},
    "nothing": {"en": "no change in any score", "zh": "任何得分都不会变化"},
    "sure": {"en": "{c} sure the shortfall is real", "zh": "问题真实存在的把握为 {c}"},
    "breaks": {"en": "breaks first: {w}", "zh": "最先断裂：{w}"},
    "progress": {"en": "Since the last audit: {m} {a} → {b}, {v}", "zh": "与上次审核相比：{m} {a} → {b}，{v}"},
    "progress_none": {"en": "Carried over from the last audit: {why}", "zh": "上次审核遗留：{why}"},
    "improved": {"en": "improved", "zh": "已改善"},
    "no_detectable_change": {"en": "no detectable change", "zh": "无可检测的变化"},
    "worse": {"en": "worse", "zh": "变差"},
    "item": {"en": "item", "zh": "题项"},
    "standard": {"en": "standard", "zh": "标准"},
    "promise": {"en": "promise", "zh": "承诺"},
    "complaint": {"en": "complaints", "zh": "投诉"},
    "error": {"en": "errors", "zh": "差错"},
    "tie_rule": {"en": "Equal priorities (marked =) are ordered by the stated rule: quick wins first, then more "
                       "customers kept a year, then the larger impact, then the more severe finding.",
                 "zh": "优先级相同（标 =）时按既定规则排序：见效快的在前，其次每年留住顾客多的在前，再次影响大的在前，再按发现的严重程度。"},
}


def text(key: str, lang: str, **fmt: Any) -> str:
    return i18n.lookup(TEXT, key, lang, **fmt)


@dataclass
class Step:
    action: Action
    worth: str


@dataclass
class Entry:
    """One line of the plan: a problem's lead action, or an action of no single problem."""

    rank: int
    action: Action
    problem: Problem | None
    priority: str  # the displayed priority, e.g. "+4.2"
    worth: str  # what it means, in words
    concerns: list[str]  # the named subjects
    concern_ids: list[str]  # the same, short: "standard STOCK", "item REL1"
    evidence: list[tuple[str, str]]  # (module short name, one plain line), one per module
    steps: list[Step] = field(default_factory=list)
    tie: bool = False  # the displayed priority equals a neighbour's
    breaks: str = ""  # where the problem's chain breaks first, in words
    failing: set[str] = field(default_factory=set)  # the links of the chain with a failing fact (problems)
    progress: str = ""  # with a history: how the target metric moved since the previous audit


def subject_label(ref: str, result: AuditResult, lang: str, short: bool = False) -> str:
    """``standard ID “…”``-style name of a subject (``short``: ``standard ID``)."""
    kind, _, ident = ref.partition(":")
    name = result.subjects.get(ref, ident)
    quote = ("“{}”" if lang == "zh" else "‘{}’").format(name)
    if kind in ("complaint", "error"):
        return f"{text(kind, lang)} {quote}"
    if short:
        return f"{text(kind, lang)} {ident}"
    return f"{text(kind, lang)} {ident} {quote}" if name != ident else f"{text(kind, lang)} {ident}"


def worth(action: Action, lang: str, grade: str | None = None) -> str:
    """What the action is worth, in words: points, customers a year, the grade lifted from ``grade``; or why
    it is not known."""
    impact = action.impact
    if impact is None:
        return text("not_measured", lang, why=action.impact_note or "—")
    parts = []
    if impact.overall:
        parts.append(text("worth", lang, p=i18n.fmt_num(impact.overall, 1, lang, sign=True)))
    if impact.customers_per_year:
        parts.append(text("customers", lang, n=i18n.fmt_num(round(impact.customers_per_year), 0, lang)))
    if impact.grade:
        parts.append(text("grade", lang, a=grade or "—", b=impact.grade))
    if not parts:
        return text("nothing", lang)
    out = " · ".join(parts)
    conf = action.priority_basis.get("confidence")
    if conf is not None and conf < 0.9 and impact.overall:
        out += f" ({text('sure', lang, c=i18n.fmt_pct(conf, 0, lang, ratio=True))})"
    return out


def build_plan(result: AuditResult, lang: str, limit: int | None = None) -> list[Entry]:
    """The plan's entries in order; ``limit`` keeps the first ones."""
    from gapaudit.render.document import short_title

    problems = {p.id: p for p in result.problems}
    by_id = {a.id: a for a in result.actions}
    facts = _facts_by_finding(result)
    grade = result.overall.grade
    entries: list[Entry] = []
    for action in result.actions:
        if action.role == "step":
            continue
        problem = problems.get(action.problem) if action.role == "lead" else None
        if problem is not None:
            lines = _first_per_module([(e.module, e.text) for e in problem.evidence])
            refs = [f"standard:{s}" for s in problem.standards] + [f"item:{i}" for i in problem.items] + \
                   [f"promise:{p}" for p in problem.promises] + \
                   [f"complaint:{c}" for c in problem.complaint_categories]
            steps = [Step(by_id[s], worth(by_id[s], lang, grade)) for s in action.steps if s in by_id]
            breaks = text("breaks", lang, w=i18n.lookup(LINK_TEXT, problem.breaks_at, lang)) if problem.breaks_at \
                else ""
        else:
            subjects = set(action.about) | {t.about for t in action.targets if t.about}
            lines = _first_per_module([(action.gap, f.text) for fid in action.finding_ids
                                       for f in facts.get((action.gap, fid), []) if f.about in subjects])
            refs = list(dict.fromkeys([*action.about, *(t.about for t in action.targets if t.about)]))
            steps, breaks = [], ""
        entries.append(Entry(
            rank=len(entries) + 1, action=action, problem=problem, priority=priority_text(action, lang),
            worth=worth(action, lang, grade), concerns=[subject_label(r, result, lang) for r in refs],
            concern_ids=[subject_label(r, result, lang, short=True) for r in refs],
            evidence=[(short_title(mid, result.modules[mid].title if mid in result.modules else None, lang), line)
                      for mid, line in lines],
            steps=steps, breaks=breaks, progress=progress_text(action, lang),
            failing={e.link for e in problem.evidence if e.link} if problem is not None else set()))
        if limit is not None and len(entries) >= limit:
            break
    for a, b in zip(entries, entries[1:]):
        if a.priority == b.priority:
            a.tie = b.tie = True
    return entries


def progress_text(action: Action, lang: str) -> str:
    """A carried-over action's progress in words ("" when it was not carried over)."""
    p = action.progress
    if p is None:
        return ""
    if p.verdict == "not_comparable":
        return text("progress_none", lang, why=p.note)
    digits = 1 if p.unit in ("%", "/100") else 2
    unit = "" if p.unit in ("/100",) else p.unit if p.unit == "%" else f" {p.unit}"
    return text("progress", lang, m=p.label, a=i18n.fmt_num(p.previous, digits, lang) + unit,
                b=i18n.fmt_num(p.current, digits, lang) + unit, v=text(p.verdict, lang))


def chain_links(lang: str) -> list[dict[str, str]]:
    """The links of the gap chain with their names, in order."""
    from gapaudit.problems import LINKS

    return [{"id": link, "name": i18n.lookup(LINK_NAME, link, lang)} for link in LINKS]


def priority_text(action: Action, lang: str) -> str:
    """The displayed priority: expected points, to 0.1 (a dash when the impact is unknown)."""
    if action.impact is None or action.impact.overall is None:
        return i18n.DASH
    return i18n.fmt_num(action.priority, 1, lang, sign=True)


def _facts_by_finding(result: AuditResult) -> dict[tuple[str, str], list[Any]]:
    return {(mid, f.id): f.facts for mid, m in result.modules.items() for f in m.findings if f.facts}


def _first_per_module(lines: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for mid, line in lines:
        seen.setdefault(mid, line)
    return list(seen.items())
