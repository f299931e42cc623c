"""Problems: one service attribute, its whole chain, one lead action, ranked by what fixing it is worth.

The evidence links what modules report separately: a standard ``covers``
questionnaire items, observations name their standard, a promise names the
items it speaks to, and ``links`` maps complaint and error categories to
items or standards. Findings carry :class:`~gapaudit.model.result.Fact` s —
what failed, about which subject, at which link of the gap chain (management
does not know → no sound standard → standard not delivered → promise not
kept / customers dissatisfied). A failing standard (or failing items no
failing standard covers) with everything linked to it is one **problem**;
its facts say where the chain breaks first.

Each problem gets one lead action, with the problem's other actions as its
supporting steps; its impact is the audit re-run with every target of the
problem reached (:mod:`gapaudit.impact`). Lead actions and the actions that
belong to no single problem are then ranked by the rule in
:data:`PRIORITY_RULE`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gapaudit.errors import InputIssue
from gapaudit.impact import edit_key
from gapaudit.model.result import Action, Fact, Finding, Impact, ModuleResult, Problem, ProblemEvidence, \
    RemoveTarget

if TYPE_CHECKING:
    from gapaudit.impact import Counterfactuals
    from gapaudit.model.audit import AuditInput

#: the links of the gap chain in the order a service fails
LINKS = ("diagnosis", "prescription", "pharmacy", "outcome")
#: the built-in modules of each link: where an action without facts sits in the chain (the default list)
LINK_OF_MODULE = {"diagnosis_gap": "diagnosis", "prescription_gap": "prescription", "pharmacy_gap": "pharmacy",
                  "outcome_gap": "outcome"}
#: findings of these severities make a problem of the subjects they are about
SERIOUS = ("critical", "high", "medium")
SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}

PROBLEM_RULE = (
    "problem = one failing service attribute with everything the evidence links to it: a standard with a "
    "medium, high or critical finding, with the items it covers; or failing items no failing standard covers, "
    "joined through the other standards, promises and category links they share, and through one finding "
    "reporting them as one standard not delivered. Promises join the problems "
    "of their items, complaint and error categories those of the standards or items they are linked to "
    "(links). A problem breaks first at the earliest link of the gap chain with a "
    "failing fact (management does not know → no sound standard → standard not delivered → promise not kept / "
    "customers dissatisfied). Its lead action is the one of its own actions worth most on its own (priority, "
    "then impact, then the earliest link of the chain); the problem's other actions are its steps, in chain order. An action about subjects of "
    "several problems belongs to none and is ranked on its own. The problem's impact: every target of its "
    "actions that concerns it reached at once, and its complaints and errors no longer arising."
)
PROBLEM_RULE_ZH = (
    "问题 = 一个不合格的服务属性及证据与之相联的一切：有中、高或严重等级发现的标准，连同其覆盖的题项；或没有被不合格标准覆盖的"
    "不合格题项，经由其共同的其他标准、承诺和类别对应关系，或同一发现将其作为同一项未执行的标准报告，联在一起。承诺归入其题项所在的问题，投诉与差错类别归入其对应（links）"
    "的标准或题项所在的问题。问题最先断裂之处为差距链上最早出现不合格事实的环节"
    "（管理层不了解 → 没有合格标准 → 标准未执行 → 承诺未兑现／顾客不满意）。问题的首要行动是属于本问题的行动中单独价值最大者"
    "（先比优先级，再比影响，再取差距链上最早的环节），其余行动按差距链顺序作为其步骤。涉及多个问题的行动不归属任何问题，单独排序。"
    "问题的影响：其各项行动中与本问题有关的目标全部同时达成，且其投诉与差错不再发生。"
)
PRIORITY_RULE = (
    "priority = expected points = impact on the overall score (the audit re-run with the action's targets "
    "reached) × confidence that the shortfall is real, shown to 0.1. Order: actions that raise the overall "
    "grade first; then by priority; actions whose impact cannot be measured come after those that gain points "
    "or keep customers, and before those that would gain nothing; among equal priorities, quick wins (short horizon) first, "
    "then more customers kept a year, then the larger impact, then the more severe finding, then module order "
    "and action id. A problem's lead action carries the problem's impact and the highest confidence among its "
    "actions; its steps follow it."
)
PRIORITY_RULE_ZH = (
    "优先级 = 预期得分 = 对综合得分的影响（假设达成行动目标后重新运行审核）× 问题真实存在的确信度，显示到 0.1。"
    "排序：能提高综合等级的行动在前；其次按优先级；无法测算影响的行动排在能提升得分或留住顾客的行动之后、无任何提升的行动之前；"
    "优先级相同时，见效快（短期）的在前，其次每年留住顾客多的在前，再次影响大的在前，再按发现的严重程度、模块顺序和行动编号。"
    "问题的首要行动采用整个问题的影响，以及其各项行动中最高的确信度；其步骤紧随其后。"
)


# --- links of categories (validated when the audit is loaded) -----------------------------------

def check_links(audit: "AuditInput", own: dict[str, Any] | None = None) -> list[InputIssue]:
    """Every id a complaint or error category is linked to in the audit file (``own``, the file's ``links``)
    must be a questionnaire item or a standard. Links from a chain plugin's defaults are not checked: a
    chain's mapping names standards some of its stores do not have, and those links are simply unused."""
    from gapaudit.analysis.evidence import suggest

    ev = audit.evidence
    known = ({i.id for i in ev.questionnaire.items} if ev.questionnaire else set()) | {s.id for s in ev.standards}
    own = own or {}
    issues = []
    for section in ("complaint_categories", "error_categories"):
        written = own.get(section) if isinstance(own.get(section), dict) else {}
        for category, ids in getattr(audit.links, section).items():
            if category not in written:
                continue
            for j, ref in enumerate(ids):
                if ref not in known:
                    hint = suggest(ref, known)
                    issues.append(InputIssue(
                        f"unknown questionnaire item or standard {ref!r}{hint}", ("links", section, category, j),
                        zh=f"未知的问卷题项或标准 {ref!r}{hint.replace('; did you mean', '；是否应为')}"))
    return issues


# --- the evidence graph --------------------------------------------------------------------------

class _Groups:
    """Union–find over subject refs, keeping the first-seen order."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def add(self, ref: str) -> None:
        self.parent.setdefault(ref, ref)

    def find(self, ref: str) -> str:
        self.add(ref)
        root = ref
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[ref] != root:
            self.parent[ref], ref = root, self.parent[ref]
        return root

    def join(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def subject_names(audit: "AuditInput") -> dict[str, str]:
    """The display name of every subject the evidence defines."""
    ev = audit.evidence
    names: dict[str, str] = {}
    if ev.questionnaire:
        names.update({f"item:{i.id}": i.text for i in ev.questionnaire.items})
    names.update({f"standard:{s.id}": s.title for s in ev.standards})
    names.update({f"promise:{p.id}": p.text for p in ev.promises})
    names.update({f"complaint:{c.category}": c.category for c in ev.complaints if c.category})
    names.update({f"error:{e.category}": e.category for e in ev.errors if e.category})
    return names


def group_subjects(audit: "AuditInput", failing: set[str],
                   delivered_together: list[list[str]] | None = None) -> list[list[str]]:
    """The subjects of each problem (rule: PROBLEM_RULE), in evidence order.

    ``failing`` holds the subjects with a serious fact. A failing standard makes a problem with the items it
    covers; failing items no failing standard covers are joined through the other standards, promises and
    category links they share, and through ``delivered_together`` (items one finding reports as one standard
    not delivered, e.g. a chain's own standard); promises and categories join the problems of their items or
    standards (a promise failing on its own makes one). A subject may be in several problems.
    """
    ev = audit.evidence
    items = [i.id for i in ev.questionnaire.items] if ev.questionnaire else []
    known_items = set(items)
    problems: list[list[str]] = []
    covered: set[str] = set()
    for s in ev.standards:
        if f"standard:{s.id}" in failing:
            mine = [f"item:{i}" for i in s.covers if i in known_items]
            problems.append([f"standard:{s.id}", *mine])
            covered.update(mine)
    rest = [f"item:{i}" for i in items if f"item:{i}" in failing and f"item:{i}" not in covered]
    if rest:
        joined = _Groups()
        for ref in rest:
            joined.add(ref)
        links = [[f"standard:{s.id}", *(f"item:{i}" for i in s.covers)] for s in ev.standards
                 if f"standard:{s.id}" not in failing]
        links += [[f"promise:{p.id}", *(f"item:{i}" for i in p.items)] for p in ev.promises]
        links += [["", *group] for group in delivered_together or []]
        for group in links:
            inside = [r for r in group[1:] if r in joined.parent]
            for r in inside[1:]:
                joined.join(inside[0], r)
        for root in dict.fromkeys(joined.find(r) for r in rest):
            mine = [r for r in rest if joined.find(r) == root]
            context = [g[0] for g in links if g[0].startswith("standard:") and any(r in mine for r in g[1:])]
            problems.append([*context, *mine])
    for p in ev.promises:
        ref, mine = f"promise:{p.id}", {f"item:{i}" for i in p.items}
        hit = [group for group in problems if mine & set(group)]
        for group in hit:
            group.append(ref)
        if not hit and ref in failing:
            problems.append([ref, *(f"item:{i}" for i in p.items if i in known_items)])
    for kind, log, table in (("complaint", ev.complaints, audit.links.complaint_categories),
                             ("error", ev.errors, audit.links.error_categories)):
        present = list(dict.fromkeys(row.category for row in log if row.category))
        for category in present:
            targets = table.get(category, [])
            refs = {f"standard:{t}" for t in targets} | {f"item:{t}" for t in targets}
            hit = [g for g in problems if any(r.startswith("standard:") and r in refs for r in g)] or \
                [g for g in problems if refs & set(g)]
            for group in hit:
                group.append(f"{kind}:{category}")
    return problems


# --- building problems ---------------------------------------------------------------------------

@dataclass
class _Group:
    """One candidate problem while it is built: its subjects, facts and actions."""

    subjects: list[str]
    facts: list[tuple[str, Finding, Fact]] = field(default_factory=list)  # (module id, finding, fact)
    members: list[Action] = field(default_factory=list)  # actions about this problem only
    related: list[Action] = field(default_factory=list)  # actions about it and other problems


@dataclass
class Plan:
    """The ranked actions (each lead followed by its steps), the problems in the same order, and the
    module results whose findings now name their problems."""

    actions: list[Action]
    problems: list[Problem]
    results: dict[str, ModuleResult]
    subjects: dict[str, str]


def link_index(link: str | None) -> int:
    return LINKS.index(link) if link in LINKS else len(LINKS)


def action_subjects(action: Action) -> list[str]:
    """What an action is about: its ``about`` and its targets' subjects."""
    return list(dict.fromkeys([*action.about, *(t.about for t in action.targets if t.about)]))


class _Builder:
    def __init__(self, audit: "AuditInput", results: dict[str, ModuleResult], actions: list[Action],
                 counterfactuals: "Counterfactuals", importance: dict[str, float]):
        self.audit, self.results, self.actions, self.cf = audit, results, actions, counterfactuals
        self.tr = counterfactuals.tr
        self.importance = importance
        self.names = subject_names(audit)
        self.name_order = {ref: i for i, ref in enumerate(self.names)}
        self.module_order = {mid: i for i, mid in enumerate(results)}
        self.grades = [b.grade for b in audit.scoring.bands]
        self.base_grade = counterfactuals.base_grade

    # the pieces

    def groups(self) -> list[_Group]:
        """The problems' subjects, facts and actions."""
        facts = [(mid, finding, fact) for mid, module in self.results.items() for finding in module.findings
                 for fact in finding.facts]
        failing = {fact.about for _, f, fact in facts if f.severity in SERIOUS and fact.link is not None}
        together: dict[tuple[str, str], list[str]] = {}
        for mid, f, fact in facts:
            if fact.link == "pharmacy" and fact.about.startswith("item:") and f.severity in SERIOUS:
                together.setdefault((mid, f.id), []).append(fact.about)
        groups = [_Group(list(dict.fromkeys(subjects))) for subjects in
                  group_subjects(self.audit, failing, [g for g in together.values() if len(g) > 1])]
        for g in groups:
            mine = set(g.subjects)
            g.facts = [x for x in facts if x[2].about in mine]
        for action in self.actions:
            subjects = set(action_subjects(action))
            touched = [g for g in groups if subjects & set(g.subjects)]
            if len(touched) == 1 and subjects <= set(touched[0].subjects):
                touched[0].members.append(action)
            else:
                for g in touched:
                    g.related.append(action)
        return groups

    def measure(self, action: Action) -> Action:
        """The action with its own impact and priority."""
        if action.targets:
            got = self.cf.impact(action.targets)
            if isinstance(got, Impact):
                return self.scored(action, got, "")
            return self.scored(action, None, got)
        return self.scored(action, None, action.impact_note or self.tr(
            "the action declares no target, so its impact is not measured", "该行动未声明目标，因此未测算其影响"))

    def scored(self, action: Action, impact: Impact | None, note: str, confidence: float | None = None,
               **update: Any) -> Action:
        """The action with ``impact`` and the priority it gives (rule: PRIORITY_RULE)."""
        basis = dict(action.priority_basis)
        severity_score = basis.get("severity_score", action.priority)
        conf = confidence if confidence is not None else basis.get("confidence", 1.0)
        gain = impact.overall if impact is not None and impact.overall is not None else None
        expected = 0.0 if gain is None else round(max(gain, 0.0) * conf, 1)
        basis.update(severity_score=severity_score, confidence=round(conf, 3), expected=expected,
                     measured=0.0 if gain is None else 1.0, impact=gain if gain is not None else 0.0,
                     grade_up=1.0 if self.raises_grade(impact) else 0.0,
                     customers=(impact.customers_per_year or 0.0) if impact is not None else 0.0)
        return action.model_copy(update={"impact": impact, "impact_note": note, "priority": min(expected, 100.0),
                                         "priority_basis": basis, **update})

    def raises_grade(self, impact: Impact | None) -> bool:
        if impact is None or impact.grade is None or self.base_grade is None:
            return impact is not None and impact.grade is not None and self.base_grade is None
        if impact.grade not in self.grades or self.base_grade not in self.grades:
            return False
        return self.grades.index(impact.grade) < self.grades.index(self.base_grade)

    def rank_key(self, a: Action) -> tuple:
        """The sort key of PRIORITY_RULE."""
        b = a.priority_basis
        if b.get("grade_up"):
            group = 0
        elif b.get("measured") and (b.get("expected", 0) > 0 or b.get("customers", 0) > 0):
            group = 1
        elif not b.get("measured"):
            group = 2
        else:
            group = 3
        return (group, -b.get("expected", 0.0), a.horizon != "short", -b.get("customers", 0.0),
                -b.get("impact", 0.0), -b.get("severity_score", 0.0), self.module_order.get(a.gap, 999), a.id)

    def action_link(self, action: Action, group: _Group) -> str | None:
        """Where in the chain an action of the problem works: the earliest link among the facts of its findings."""
        links = [fact.link for mid, f, fact in group.facts if f.id in action.finding_ids and mid == action.gap]
        links = [l for l in links if l is not None]
        if links:
            return min(links, key=link_index)
        return LINK_OF_MODULE.get(action.gap)

    # one problem

    def problem(self, group: _Group, measured: dict[str, Action]) -> tuple[Problem, Action, list[Action]]:
        tr = self.tr
        serious = [(mid, f, fact) for mid, f, fact in group.facts if f.severity != "info"]
        breaks_at = min((fact.link for _, _, fact in serious if fact.link), key=link_index, default=None)
        anchor = self.anchor(group)
        pid = "problem." + anchor.replace(":", ".", 1)
        title = self.names.get(anchor, anchor.split(":", 1)[1])
        facts = sorted(group.facts, key=lambda x: (link_index(x[2].link), self.module_order.get(x[0], 999)))
        evidence, seen = [], set()
        for mid, _f, fact in facts:
            key = (mid, fact.about, fact.kind)
            if key in seen:
                continue
            seen.add(key)
            evidence.append(ProblemEvidence(module=mid, kind=fact.kind, id=fact.about.split(":", 1)[1],
                                            about=fact.about, value=fact.value, link=fact.link, text=fact.text))

        members = [measured[a.id] for a in group.members]
        members.sort(key=lambda a: (link_index(self.action_link(a, group)), -self._gain(a),
                                    -a.priority_basis.get("severity_score", 0.0), a.id))
        best = sorted(members, key=lambda a: (-a.priority_basis.get("expected", 0.0), -self._gain(a),
                                              link_index(self.action_link(a, group)),
                                              -a.priority_basis.get("severity_score", 0.0), a.id))
        lead = best[0] if best else self.synthetic_lead(pid, title, group)
        steps = [a for a in members if a.id != lead.id]
        related = [measured[a.id] for a in group.related]

        targets: dict[str, Any] = {}
        for action in [lead, *steps]:
            for t in action.targets:
                targets.setdefault(edit_key(t), t)
        for action in related:
            for t in action.targets:
                if t.about in group.subjects:
                    targets.setdefault(edit_key(t), t)
        for ref in group.subjects:
            kind, name = ref.split(":", 1)
            if kind in ("complaint", "error"):
                t = RemoveTarget(table=f"evidence.{kind}s", where={"category": name}, about=ref,
                                 label=tr("no more {k} about '{c}' (the cause removed)", "不再出现“{c}”类{k}（原因已消除）",
                                          k=tr("complaints", "投诉") if kind == "complaint" else tr("errors", "差错"),
                                          c=name))
                targets.setdefault(edit_key(t), t)
        joint = list(targets.values())
        confidences = [a.priority_basis.get("confidence", 1.0) for a in (members or related)]
        confidence = max(confidences) if confidences else 1.0
        got = self.cf.impact(joint) if joint else tr("no action of the problem declares a target",
                                                      "该问题的行动都未声明目标")
        impact, note = (got, "") if isinstance(got, Impact) else (None, got)
        if impact is not None:
            impact = impact.model_copy(update={"basis": tr("The whole problem put right. ", "整个问题得到解决。")
                                               + impact.basis})
        lead = self.scored(lead, impact, note, confidence, problem=pid, role="lead", targets=joint,
                           steps=[a.id for a in steps])
        steps = [a.model_copy(update={"problem": pid, "role": "step"}) for a in steps]
        kinds = {k: [r.split(":", 1)[1] for r in group.subjects if r.startswith(k + ":")]
                 for k in ("item", "standard", "promise", "complaint", "error")}
        problem = Problem(
            id=pid, title=title, attribute=anchor, items=kinds["item"], standards=kinds["standard"],
            promises=kinds["promise"], complaint_categories=kinds["complaint"], error_categories=kinds["error"],
            breaks_at=breaks_at, evidence=evidence,
            actions=[lead.id, *(a.id for a in steps), *(a.id for a in related)], impact=impact,
            confidence=round(confidence, 3))
        return problem, lead, steps

    @staticmethod
    def _gain(action: Action) -> float:
        impact = action.impact
        return impact.overall if impact is not None and impact.overall is not None else float("-inf")

    def anchor(self, group: _Group) -> str:
        """The subject that names a problem: its failing standard; else the failing item customers rate most
        important; else the first failing promise or category."""
        failing = [fact.about for _, f, fact in group.facts if f.severity in SERIOUS]
        if group.subjects[0].startswith("standard:") and group.subjects[0] in failing:
            return group.subjects[0]
        items = [r for r in group.subjects if r.startswith("item:") and r in failing]
        if items:
            return max(items, key=lambda r: (self.importance.get(r.split(":", 1)[1], -1.0),
                                             -self.name_order.get(r, 0)))
        for kind in ("standard:", "promise:", "complaint:", "error:"):
            hit = [r for r in group.subjects if r.startswith(kind) and r in failing]
            if hit:
                return hit[0]
        return failing[0] if failing else group.subjects[0]

    def synthetic_lead(self, pid: str, title: str, group: _Group) -> Action:
        """A lead for a problem none of whose actions is its own: put the attribute right along the chain."""
        tr = self.tr
        first = min(group.facts, key=lambda x: (link_index(x[2].link), self.module_order.get(x[0], 999)))
        owner = next((s.owner_role for s in self.audit.evidence.standards
                      if f"standard:{s.id}" in group.subjects and s.owner_role), None)
        return Action(
            id=pid, title=tr("Put '{t}' right along the whole chain", "把“{t}”沿整条服务链整改到位", t=title),
            rationale=tr("Several findings concern this one attribute; the related actions each cover other "
                         "attributes too.", "多项发现指向同一服务属性；相关行动同时涉及其他属性。"),
            gap=first[0], owner_role=owner or tr("Store manager", "店长"), horizon="short", priority=0,
            due=self.audit.audit.date + dt.timedelta(days=30), evidence=[fact.text for _, _, fact in group.facts][:5],
            finding_ids=list(dict.fromkeys(f.id for _, f, _ in group.facts)), about=list(group.subjects),
            priority_basis={"severity_score": 0.0, "confidence": 1.0})


def build(audit: "AuditInput", results: dict[str, ModuleResult], actions: list[Action],
          counterfactuals: "Counterfactuals", importance: dict[str, float] | None = None) -> Plan:
    """Group findings and actions into problems, measure every impact, and rank the plan (PRIORITY_RULE)."""
    b = _Builder(audit, results, actions, counterfactuals, importance or {})
    groups = b.groups()
    # an action alone in its problem leads it and carries the problem's impact: its own is never shown
    alone = {g.members[0].id for g in groups if len(g.members) == 1}
    measured = {a.id: a if a.id in alone else b.measure(a) for a in actions}
    built = [b.problem(g, measured) for g in groups]

    steps_of = {lead.id: steps for _, lead, steps in built}
    problem_of = {lead.id: problem for problem, lead, _ in built}
    taken = {a.id for _, lead, steps in built for a in [lead, *steps]}
    entries = [lead for _, lead, _ in built] + [measured[a.id] for a in actions if a.id not in taken]
    entries.sort(key=b.rank_key)
    ordered: list[Action] = []
    problems: list[Problem] = []
    for entry in entries:
        ordered.append(entry)
        if entry.id in steps_of:
            problems.append(problem_of[entry.id])
            ordered.extend(steps_of[entry.id])

    named: dict[tuple[str, str], list[str]] = {}
    for (problem, _, _), group in zip(built, groups):
        for mid, finding, _ in group.facts:
            ids = named.setdefault((mid, finding.id), [])
            if problem.id not in ids:
                ids.append(problem.id)
    order = {p.id: i for i, p in enumerate(problems)}
    new_results = {}
    for mid, module in results.items():
        findings = [f.model_copy(update={"problems": sorted(named[(mid, f.id)], key=order.__getitem__)})
                    if (mid, f.id) in named else f for f in module.findings]
        new_results[mid] = module.model_copy(update={"findings": findings})

    used = {s for a in ordered for s in action_subjects(a)} | {s for g in groups for s in g.subjects}
    subjects = {ref: b.names[ref] for ref in sorted(used, key=lambda r: b.name_order.get(r, 10 ** 6))
                if ref in b.names}
    return Plan(ordered, problems, new_results, subjects)
