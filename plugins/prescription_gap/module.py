"""The prescription gap (SERVQUAL Gap 2): do the service standards encode what customers expect?

Evidence read (under ``evidence`` unless said otherwise):

* ``questionnaire.items`` — the customer expectations a standard should cover;
* ``survey`` / ``survey_summary`` (optional) — customers' importance of each item (``I_<item>``
  ratings, or ``W_<dimension>`` 100-point allocations) to weight coverage and find the most
  important expectations; without it coverage is unweighted;
* ``standards`` — each written standard with the item ids it ``covers``, its six quality answers
  (``documented``, ``specific``, ``customer_side``, ``consistent``, ``known_by_staff``,
  ``management_support``: yes / partly / no / na) and the flags ``too_complex`` / ``too_harsh``;
* ``modules.prescription_gap`` — :class:`Config`: the review ``checklist``, settings, and
  ``no_written_standards: true`` when the store really has none (an empty standards list is
  otherwise read as "not recorded", i.e. no data).

Score (0–100, higher = the standards encode customers' expectations better): weighted mean of
``coverage`` (importance-weighted mean coverage quality of the expectation items), ``important``
(share of customers' most important expectations covered by a sound standard) and ``checklist``.

``ModuleResult.data`` (chart data; every key always present; numbers rounded to 3 decimals, None or
an empty list = no data)::

    attributes: [{id, label}]                                  sound_quality: float (0–1)
    standards:  [{id, title, covers, quality, rated, sound, too_complex, too_harsh, critical,
                  answers: {attribute: yes|partly|no|na|None}}]
    items:      [{id, text, dimension, importance, tier: high|low|None, coverage,
                  status: sound|weak|unrated|none, standards: [ids]}]
    matrix:     [{item, standard, quality}]        one cell per (item, covering standard)
    dimensions: [{dimension, label, items, covered, sound, coverage}]   coverage 0–100 like the sub-score
    subscores:  {coverage, important, checklist}   weights: {same keys: weight}
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from pydantic import Field

from gapaudit.analysis import stats
from gapaudit.actions import merge_actions
from gapaudit.analysis.checklist import CHECKLIST_RULE, CHECKLIST_RULE_ZH, ChecklistConfig, ChecklistField
from gapaudit.analysis.evidence import IMPORTANCE_RULE, IMPORTANCE_RULE_ZH, TIERS_RULE, TIERS_RULE_ZH, importance_tiers
from gapaudit.model.audit import QuestionItem, Standard
from gapaudit.model.base import ANSWER_VALUE
from gapaudit.model.result import AddTarget, Fact, Finding, Metric, ModuleResult, SetTarget
from gapaudit.module import AuditModule, ModuleContext, ModuleRun
from gapaudit.analysis.scoring import SUBSCORE_RULE, SUBSCORE_RULE_ZH, combine_subscores

from .texts import ATTRIBUTES, QUESTION_REMEDY, QUESTIONS, REMEDIES

DEFAULT_WEIGHTS = {"coverage": 0.4, "important": 0.4, "checklist": 0.2}


class Config(ChecklistConfig):
    """``modules.prescription_gap``: review checklist and settings."""

    questions = QUESTIONS
    default_weights = DEFAULT_WEIGHTS

    checklist: ChecklistField = None
    no_written_standards: bool = Field(
        False, description="the store has no written service standards at all (so an empty evidence.standards "
                           "means nothing is covered, not 'not recorded')")
    sound_quality: float = Field(0.75, gt=0, le=1,
                                 description="lowest standard quality (0–1) that can count as sound")
    top_share: float = Field(1 / 3, gt=0, le=0.5, description="share of items counted as the most important")
    weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS),
                                      description="sub-score weights: coverage, important, checklist")


@dataclass(frozen=True)
class StandardQuality:
    """One standard's quality: mean of its answered attributes, and whether it is sound."""

    standard: Standard
    answers: dict[str, str | None]
    quality: float | None  # None = no attribute answered
    rated: int  # attributes answered yes / partly / no
    sound: bool


@dataclass(frozen=True)
class ItemCoverage:
    """How well the standards cover one expectation item."""

    item: QuestionItem
    standards: list[StandardQuality]
    coverage: float | None  # best quality among the rated standards covering it; 0 = none; None = only unrated
    status: str  # sound | weak | unrated | none
    importance: float | None
    tier: str | None  # high | low | None


def _r(x: float | None, digits: int = 3) -> float | None:
    return None if x is None else round(x, digits)


def assess(std: Standard, sound_quality: float) -> StandardQuality:
    """Quality = mean of the answered attributes (yes 1, partly 0.5, no 0; na and blank left out)."""
    answers = {a: getattr(std, a) for a in ATTRIBUTES}
    values = [ANSWER_VALUE[v] for v in answers.values() if v is not None and v != "na"]
    quality = math.fsum(values) / len(values) if values else None
    sound = (quality is not None and quality >= sound_quality - 1e-9 and answers["documented"] != "no"
             and answers["specific"] != "no" and not std.too_complex and not std.too_harsh)
    return StandardQuality(std, answers, quality, len(values), sound)


class PrescriptionGap(AuditModule):
    """Gap 2: whether sound service standards cover the expectations customers hold."""

    id = "prescription_gap"
    title = {"en": "Prescription gap: do the standards encode what customers expect?",
             "zh": "处方差距：服务标准体现了顾客的期望吗？"}
    version = "1.0"
    order = 200
    reads = frozenset({"evidence.standards", "evidence.questionnaire", "survey.importance", "survey.points"})
    description = {"en": "Coverage of customer expectations by sound service standards, weighted by importance; "
                         "standards too complex or harsh to follow.",
                   "zh": "按重要性加权，评估服务标准对顾客期望的覆盖程度与质量；找出过于复杂或苛刻的标准。"}
    Config = Config

    def run(self, ctx: ModuleContext) -> ModuleResult:
        return _Run(ctx).result()


class _Run(ModuleRun):
    """One run of the module over one audit."""

    cfg: Config

    def __init__(self, ctx: ModuleContext):
        super().__init__(ctx)
        # every key is present from the start, so the report never meets a missing one
        self.data = {"attributes": [], "sound_quality": self.cfg.sound_quality, "standards": [],
                     "items": [], "matrix": [], "dimensions": [], "subscores": {}, "weights": {}}
        self.rows: list[ItemCoverage] = []  # per-item coverage, once computed
        self.weighted = False  # coverage weighted by customer importance
        self.unweighted_groups: set[str] = set()  # dimensions whose importance weights all were zero

    def attr_label(self, attr: str) -> str:
        return self.ctx.tr(*ATTRIBUTES[attr])

    def answer_label(self, answer: str | None) -> str:
        tr = self.ctx.tr
        return {"yes": tr("yes", "是"), "partly": tr("partly", "部分"), "no": tr("no", "否"),
                "na": tr("n/a", "不适用")}.get(answer or "", tr("not answered", "未答"))

    # --- the run ------------------------------------------------------------------------

    def result(self) -> ModuleResult:
        ctx, cfg, tr = self.ctx, self.cfg, self.ctx.tr
        checklist = self.add_checklist(QUESTIONS, QUESTION_REMEDY)

        standards = [assess(s, cfg.sound_quality) for s in ctx.evidence.standards]
        self.standards_block(standards)
        q = ctx.evidence.questionnaire
        items = list(q.items) if q else []
        reason = None
        coverage = important = None
        if not items:
            reason = tr("no questionnaire items: there are no customer expectations to check the standards "
                        "against (evidence.questionnaire.items)",
                        "没有问卷题项：没有可用来对照服务标准的顾客期望（evidence.questionnaire.items）")
        elif not standards and not cfg.no_written_standards:
            reason = tr("no service standards recorded (evidence.standards); if the store has none, set "
                        "modules.prescription_gap.no_written_standards: true",
                        "没有记录服务标准（evidence.standards）；如门店确实没有任何书面标准，请设置 "
                        "modules.prescription_gap.no_written_standards: true")
        else:
            if standards and cfg.no_written_standards:
                self.note(tr("standards", "服务标准"),
                          tr("no_written_standards is set but standards are listed; the listed standards are used",
                             "设置了 no_written_standards，但又列出了标准；以列出的标准为准"), warning=True)
            coverage, important = self.coverage(items, standards)
        self.quality_findings(standards)

        subscores = {"coverage": coverage, "important": important, "checklist": checklist.score}
        self.data["subscores"] = subscores
        self.data["weights"] = dict(cfg.weights)
        self.actions = merge_actions([self.actions])
        return self.finish(combine_subscores(subscores, cfg.weights), reason)

    def standards_block(self, standards: list[StandardQuality]) -> None:
        tr = self.ctx.tr
        self.data["attributes"] = [{"id": a, "label": self.attr_label(a)} for a in ATTRIBUTES]
        self.data["standards"] = [{
            "id": s.standard.id, "title": s.standard.title, "covers": list(s.standard.covers),
            "quality": _r(s.quality), "rated": s.rated, "sound": s.sound, "too_complex": s.standard.too_complex,
            "too_harsh": s.standard.too_harsh, "critical": s.standard.critical, "answers": s.answers,
        } for s in standards]
        if not standards:
            return
        rated = [s for s in standards if s.quality is not None]
        self.metrics.append(Metric(id=f"{self.ctx.module_id}.standards_sound",
                                   label=tr("Standards that are sound", "合格的服务标准"),
                                   value=_r(100 * sum(s.sound for s in rated) / len(rated), 1) if rated else None,
                                   unit="%", n=len(rated)))
        unrated = [s.standard.id for s in standards if s.quality is None]
        if unrated:
            self.note(tr("unrated standards", "未评价的标准"),
                      tr("no quality attribute is answered for {ids}; they count neither as sound nor in the "
                         "coverage quality", "以下标准没有任何质量属性的回答：{ids}；既不算合格，也不计入覆盖质量",
                         ids=", ".join(unrated)), len(unrated), warning=True)
        thin = [s.standard.id for s in standards if 0 < s.rated < 3]
        if thin:
            self.note(tr("thinly rated standards", "评价不充分的标准"),
                      tr("fewer than 3 of the 6 quality attributes are answered for {ids}; their quality rests on "
                         "little evidence", "以下标准的 6 个质量属性中回答少于 3 个：{ids}；其质量判断依据不足",
                         ids=", ".join(thin)), len(thin), warning=True)

    # --- coverage -------------------------------------------------------------------------

    def coverage(self, items: list[QuestionItem],
                 standards: list[StandardQuality]) -> tuple[float | None, float | None]:
        """Per-item coverage, the two coverage sub-scores, findings and actions."""
        ctx, cfg, tr = self.ctx, self.cfg, self.ctx.tr
        survey = ctx.survey
        importance = survey.customer_importance() if survey is not None else {}
        high, low = importance_tiers({i.id: importance[i.id] for i in items if i.id in importance}, cfg.top_share)
        rows: list[ItemCoverage] = []
        for item in items:
            covering = [s for s in standards if item.id in s.standard.covers]
            rated = [s.quality for s in covering if s.quality is not None]
            value = max(rated) if rated else (None if covering else 0.0)
            status = ("sound" if any(s.sound for s in covering) else "weak" if rated else
                      "unrated" if covering else "none")
            tier = "high" if item.id in high else "low" if item.id in low else None
            rows.append(ItemCoverage(item, covering, value, status, importance.get(item.id), tier))
        self.rows = rows

        scored = [r for r in rows if r.coverage is not None]
        all_known = bool(scored) and all(r.importance is not None for r in scored)
        weighted = all_known and sum(r.importance for r in scored) > 0  # type: ignore[misc]
        if all_known and not weighted:  # known, but all zero: no importance data (the note says so)
            self.unweighted_groups.update(r.item.dimension for r in scored)
        self.weighted = weighted
        cov = self.weighted_coverage(scored)
        top = [r for r in rows if r.tier == "high" and r.status != "unrated"]
        important = _r(100 * sum(r.status == "sound" for r in top) / len(top), 1) if top else None

        self.data["items"] = [{
            "id": r.item.id, "text": r.item.text, "dimension": r.item.dimension, "importance": _r(r.importance),
            "tier": r.tier, "coverage": _r(r.coverage), "status": r.status,
            "standards": [s.standard.id for s in r.standards]} for r in rows]
        self.data["matrix"] = [{"item": r.item.id, "standard": s.standard.id, "quality": _r(s.quality)}
                               for r in rows for s in r.standards]
        dims = []
        for dim in dict.fromkeys(i.dimension for i in items):
            mine = [r for r in rows if r.item.dimension == dim]
            dims.append({"dimension": dim, "label": ctx.label(dim), "items": len(mine),
                         "covered": sum(r.status != "none" for r in mine),
                         "sound": sum(r.status == "sound" for r in mine),
                         "coverage": self.weighted_coverage([r for r in mine if r.coverage is not None])})
        self.data["dimensions"] = dims

        self.metrics.append(Metric(
            id=f"{ctx.module_id}.coverage",
            label=tr("Coverage quality of customer expectations{w}", "服务标准对顾客期望的覆盖质量{w}",
                     w=tr(" (importance-weighted)", "（按重要性加权）") if weighted else ""),
            value=cov, unit="/100", n=len(scored)))
        self.metrics.append(Metric(
            id=f"{ctx.module_id}.important_sound",
            label=tr("Most important expectations with a sound standard", "最重要的顾客期望中有合格标准的比例"),
            value=important, unit="%", n=len(top)))
        self.metrics.append(Metric(
            id=f"{ctx.module_id}.items_covered", label=tr("Expectations covered by any standard", "有标准覆盖的顾客期望"),
            value=_r(100 * sum(r.status != "none" for r in rows) / len(rows), 1), unit="%", n=len(rows)))

        if survey is None or not importance:
            self.note(tr("importance", "重要性"),
                      tr("customers' importance was not collected: coverage is unweighted and the most important "
                         "expectations cannot be singled out", "没有收集顾客的重要性评价：覆盖质量不加权，也无法找出最重要的期望"),
                      warning=True)
        elif not weighted and not all_known:
            self.note(tr("importance", "重要性"),
                      tr("customer importance is missing for some items, so every item counts equally in the "
                         "coverage quality", "部分题项缺少顾客重要性，覆盖质量按题项等权计算"), warning=True)
        if self.unweighted_groups:
            dims_text = ", ".join(ctx.label(d) for d in sorted(self.unweighted_groups))
            self.note(tr("importance", "重要性"),
                      tr("customers gave the items of {d} no importance at all (every answer at the bottom of the "
                         "importance scale): there is no importance data to weight them by, so their coverage counts "
                         "them equally", "顾客对{d}的题项给出的重要性全部为最低（权重之和为零）：没有可用于加权的重要性数据，"
                         "其覆盖质量按题项等权计算", d=dims_text), warning=True)
        unrated_top = [r.item.id for r in rows if r.tier == "high" and r.status == "unrated"]
        if unrated_top:
            self.note(tr("unrated coverage", "覆盖质量未评价"),
                      tr("important items covered only by unrated standards are left out of the share: {ids}",
                         "只被未评价标准覆盖的重要题项不计入比例：{ids}", ids=", ".join(unrated_top)), len(unrated_top))
        self.coverage_findings(rows, bool(importance))
        return cov, important

    def weighted_coverage(self, scored: list[ItemCoverage]) -> float | None:
        """100 × Σ w·c / Σ w (w = importance when the run is weighted, else 1).

        Items whose importance weights sum to zero (every customer put them at
        the bottom of the importance scale) have no importance data to weight
        by: they count equally, and a note says so.
        """
        if not scored:
            return None
        weights = [r.importance if self.weighted else 1.0 for r in scored]
        if not any(weights):
            weights = [1.0] * len(scored)
            self.unweighted_groups.update(r.item.dimension for r in scored)
        value = stats.weighted_mean([r.coverage for r in scored], weights)
        return None if value is None else round(100 * value, 1)

    def item_line(self, r: ItemCoverage) -> str:
        tr = self.ctx.tr
        imp = tr(", importance {v:.2f}", "，重要性 {v:.2f}", v=r.importance) if r.importance is not None else ""
        if not r.standards:
            return tr("{id} {text}{imp}: no standard", "{id} {text}{imp}：无标准", id=r.item.id, text=r.item.text, imp=imp)
        stds = "; ".join(self.standard_line(s) for s in r.standards)
        return tr("{id} {text}{imp}: {stds}", "{id} {text}{imp}：{stds}", id=r.item.id, text=r.item.text,
                  imp=imp, stds=stds)

    def standard_line(self, s: StandardQuality) -> str:
        tr = self.ctx.tr
        weak = [f"{self.attr_label(a)} {self.answer_label(v)}" for a, v in s.answers.items() if v in ("no", "partly")]
        flags = ([tr("too complex", "过于复杂")] if s.standard.too_complex else []) + \
                ([tr("too harsh", "过于苛刻")] if s.standard.too_harsh else [])
        quality = f"{s.quality:.2f}" if s.quality is not None else tr("unrated", "未评价")
        detail = ", ".join(weak + flags)
        return tr("{id} {title} (quality {q}{d})", "{id} {title}（质量 {q}{d}）", id=s.standard.id,
                  title=s.standard.title, q=quality,
                  d=(tr("; ", "；") + detail) if detail else "")

    def coverage_findings(self, rows: list[ItemCoverage], has_importance: bool) -> None:
        ctx, tr = self.ctx, self.ctx.tr
        mid = ctx.module_id
        uncovered_top = [r for r in rows if r.tier == "high" and r.status == "none"]
        weak_top = [r for r in rows if r.tier == "high" and r.status == "weak"]
        other_uncovered = [r for r in rows if r.status == "none" and r.tier != "high"]
        if uncovered_top:
            self.findings.append(Finding(
                id=f"{mid}.uncovered_important", severity="high",
                title=tr("{n} of customers' most important expectations have no service standard",
                         "顾客最看重的期望中有 {n} 项没有任何服务标准", n=len(uncovered_top)),
                detail=tr("Without a standard, meeting these expectations depends on each employee's judgement.",
                          "没有标准，能否满足这些期望全凭员工个人判断。"),
                evidence=[self.item_line(r) for r in uncovered_top], facts=[self.item_fact(r) for r in uncovered_top]))
            base = REMEDIES["write_standards"]
            for r in uncovered_top:
                remedy = dataclasses.replace(
                    base, key=f"write_standard.{r.item.id}", horizon="short",
                    en=f"Write a service standard for {r.item.id} \"{r.item.text}\"",
                    zh=f"为 {r.item.id}“{r.item.text}”制定服务标准")
                self.actions.append(ctx.remedy_action(
                    remedy, severity="high", importance=r.importance,
                    rationale=tr("One of customers' most important expectations (importance {v:.2f} on 0–1) is "
                                 "covered by no standard. Specify who does what, by when, to what level.",
                                 "这是顾客最看重的期望之一（重要性 {v:.2f}，0–1），却没有任何标准覆盖。请明确由谁、做什么、多长时间内、做到什么程度。",
                                 v=r.importance),
                    evidence=[self.item_line(r)], finding_ids=[f"{mid}.uncovered_important"],
                    about=[f"item:{r.item.id}"], targets=[self.new_standard(r.item)]))
        if weak_top:
            self.findings.append(Finding(
                id=f"{mid}.weak_important", severity="medium",
                title=tr("{n} of customers' most important expectations are covered only by weak standards",
                         "顾客最看重的期望中有 {n} 项只有不合格的标准覆盖", n=len(weak_top)),
                evidence=[self.item_line(r) for r in weak_top], facts=[self.item_fact(r) for r in weak_top]))
        if other_uncovered:
            severity = "low" if has_importance else "medium"
            self.findings.append(Finding(
                id=f"{mid}.uncovered", severity=severity,  # type: ignore[arg-type]
                title=tr("{n} customer expectation(s) have no service standard", "{n} 项顾客期望没有服务标准",
                         n=len(other_uncovered)),
                evidence=[self.item_line(r) for r in other_uncovered],
                facts=[self.item_fact(r) for r in other_uncovered]))
            known = [r.importance for r in other_uncovered if r.importance is not None]
            self.actions.append(ctx.remedy_action(
                REMEDIES["write_standards"], severity=severity,  # type: ignore[arg-type]
                importance=max(known) if known else None,
                rationale=tr("{n} expectation(s) are left to each employee's judgement: {ids}.",
                             "{n} 项期望全凭员工个人判断：{ids}。", n=len(other_uncovered),
                             ids=", ".join(r.item.id for r in other_uncovered)),
                evidence=[self.item_line(r) for r in other_uncovered], finding_ids=[f"{mid}.uncovered"],
                about=[f"item:{r.item.id}" for r in other_uncovered],
                targets=[self.new_standard(r.item) for r in other_uncovered]))

    def item_fact(self, r: ItemCoverage) -> Fact:
        """How the standards cover one item, in one plain line."""
        tr = self.ctx.tr
        if r.status == "none":
            text = tr("no written standard covers '{t}'", "没有任何书面标准覆盖“{t}”", t=r.item.text)
        else:
            text = tr("only standards that are not sound cover '{t}': {s}", "覆盖“{t}”的只有不合格的标准：{s}", t=r.item.text,
                      s=tr(", ", "、").join(s.standard.title for s in r.standards))
        return Fact(about=f"item:{r.item.id}", link="prescription", kind="coverage", value=_r(r.coverage), text=text)

    def new_standard(self, item: QuestionItem) -> AddTarget:
        """The target of writing a standard: a sound standard covering the item."""
        tr = self.ctx.tr
        taken = {s.id for s in self.ctx.evidence.standards}
        sid = next(c for c in (f"NEW-{item.id}", *(f"NEW-{item.id}-{k}" for k in range(2, 100))) if c not in taken)
        row = {"id": sid, "title": tr("standard for {t}", "“{t}”的服务标准", t=item.text)[:500], "covers": [item.id],
               **{a: "yes" for a in ATTRIBUTES}}
        return AddTarget(table="evidence.standards", row=row, about=f"item:{item.id}",
                         metric=f"{self.ctx.module_id}.coverage",
                         label=tr("a sound written standard covers '{t}'", "有一项合格的书面标准覆盖“{t}”", t=item.text))

    # --- quality of the standards ----------------------------------------------------------

    def quality_findings(self, standards: list[StandardQuality]) -> None:
        """Findings and actions on weak attributes, unusable and unlinked standards."""
        ctx, tr = self.ctx, self.ctx.tr
        mid = ctx.module_id
        rows = {r.item.id: r for r in self.rows}
        item_ids = {i.id for i in ctx.evidence.questionnaire.items} if ctx.evidence.questionnaire else set()

        def reach(group: list[StandardQuality]) -> tuple[bool, float | None]:
            """Does the group cover a most-important item, and the highest importance it covers."""
            covered = [rows[i] for s in group for i in s.standard.covers if i in rows]
            known = [r.importance for r in covered if r.importance is not None]
            return any(r.tier == "high" for r in covered), (max(known) if known else None)

        weak = [s for s in standards if not s.sound and s.quality is not None]
        if weak:
            top, _ = reach([s for s in weak if any(v == "no" for v in s.answers.values())])
            self.findings.append(Finding(
                id=f"{mid}.weak_standards", severity="high" if top else "medium",
                title=tr("{n} standard(s) are not sound", "{n} 项服务标准不合格", n=len(weak)),
                detail=tr("A sound standard is written down, specific and measurable, designed from the customer's "
                          "side, consistent with the service philosophy, known by staff and backed by top "
                          "management, and simple enough to follow.",
                          "合格的标准应当成文、具体可衡量、从顾客角度设计、与服务理念一致、为员工所知晓、得到高层支持，并且简单可行。"),
                evidence=[self.standard_line(s) for s in weak], facts=[self.standard_fact(s) for s in weak]))
        for attr in ATTRIBUTES:
            group = [s for s in standards if s.answers[attr] in ("no", "partly")]
            if not group:
                continue
            noes = [s for s in group if s.answers[attr] == "no"]
            top, _ = reach(noes)
            severity = "high" if top else "medium" if noes else "low"
            self.actions.append(ctx.remedy_action(
                REMEDIES[f"attr.{attr}"], severity=severity, importance=reach(group)[1],  # type: ignore[arg-type]
                about=[f"standard:{s.standard.id}" for s in group],
                targets=[SetTarget(table="evidence.standards", where={"id": s.standard.id}, changes={attr: "yes"},
                                   about=f"standard:{s.standard.id}", metric=f"{mid}.coverage",
                                   label=tr("'{t}' {a}", "“{t}”做到{a}", t=s.standard.title,
                                            a=self.attr_label(attr))) for s in group],
                rationale=tr("{n} standard(s) are not (fully) {label}.", "{n} 项标准未（完全）做到“{label}”。",
                             n=len(group), label=self.attr_label(attr)),
                evidence=[tr("{id} {title}: {a}; covers {items}", "{id} {title}：{a}；覆盖 {items}",
                             id=s.standard.id, title=s.standard.title, a=self.answer_label(s.answers[attr]),
                             items=", ".join(s.standard.covers) or "—") for s in group],
                finding_ids=[f"{mid}.weak_standards"]))
        flagged = [s for s in standards if s.standard.too_complex or s.standard.too_harsh]
        if flagged:
            top, imp = reach(flagged)
            self.findings.append(Finding(
                id=f"{mid}.unusable", severity="high" if top else "medium",
                title=tr("{n} standard(s) are too complex or too harsh to follow", "{n} 项标准过于复杂或过于苛刻，难以执行",
                         n=len(flagged)),
                detail=tr("Standards staff cannot follow are quietly dropped; simplify them rather than add more "
                          "rules.", "员工做不到的标准会被悄悄放弃；应当简化，而不是再加规定。"),
                evidence=[self.standard_line(s) for s in flagged],
                facts=[Fact(about=f"standard:{s.standard.id}", link="prescription", kind="usable", value=0,
                            text=tr("standard '{t}' is too complex or too harsh to follow",
                                    "标准“{t}”过于复杂或苛刻，难以执行", t=s.standard.title)) for s in flagged]))
            self.actions.append(ctx.remedy_action(
                REMEDIES["simplify"], severity="high" if top else "medium", importance=imp,  # type: ignore[arg-type]
                rationale=tr("Cut each to the few steps that matter to the customer; test it on a busy shift.",
                             "把每项标准压缩为对顾客真正重要的几个步骤，并在繁忙班次中试行。"),
                evidence=[f"{s.standard.id} {s.standard.title}" for s in flagged], finding_ids=[f"{mid}.unusable"],
                about=[f"standard:{s.standard.id}" for s in flagged],
                targets=[SetTarget(table="evidence.standards", where={"id": s.standard.id},
                                   changes={"too_complex": False, "too_harsh": False}, about=f"standard:{s.standard.id}",
                                   metric=f"{mid}.coverage",
                                   label=tr("'{t}' simple enough to follow", "“{t}”简化到可以执行", t=s.standard.title))
                         for s in flagged]))

        orphans = [s for s in standards if not any(i in item_ids for i in s.standard.covers)]
        if orphans and item_ids:
            self.findings.append(Finding(
                id=f"{mid}.unlinked", severity="info",
                title=tr("{n} standard(s) are linked to no customer expectation", "{n} 项标准未对应任何顾客期望",
                         n=len(orphans)),
                detail=tr("Either link them to the questionnaire items they serve (covers) or check whether they were "
                          "designed from the company's side only.",
                          "请在 covers 中注明它们服务的题项，或检查它们是否只是从企业角度设计的。"),
                evidence=[f"{s.standard.id} {s.standard.title}" for s in orphans]))

    def standard_fact(self, s: StandardQuality) -> Fact:
        """What makes a standard unsound, in one plain line."""
        tr = self.ctx.tr
        weak = [self.attr_label(a) for a, v in s.answers.items() if v == "no"] or \
            [self.attr_label(a) for a, v in s.answers.items() if v == "partly"]
        return Fact(about=f"standard:{s.standard.id}", link="prescription", kind="standard_quality",
                    value=_r(s.quality),
                    text=tr("standard '{t}' is not sound: not {w}", "标准“{t}”不合格：未做到{w}", t=s.standard.title,
                            w=tr(", ", "、").join(weak) or tr("simple to follow", "简单可行")))

    # --- methodology ------------------------------------------------------------------------

    def methodology(self) -> list[str]:
        tr, cfg = self.ctx.tr, self.cfg
        w = ", ".join(f"{k} {v:g}" for k, v in cfg.weights.items())
        return [
            tr("Standard quality (0–1) = mean of its six attributes that are answered — documented, specific and "
               "measurable, designed from the customer's side, consistent with the service philosophy, known by "
               "staff, supported by top management — with yes = 1, partly = 0.5, no = 0; 'n/a' and blank answers "
               "are left out; with no answer the standard is unrated.",
               "标准质量（0–1）= 六个已回答属性的平均——成文、具体可衡量、从顾客角度设计、与服务理念一致、员工知晓、高层支持——"
               "是 = 1，部分 = 0.5，否 = 0；“不适用”和空白不计入；一个都没回答的标准为“未评价”。"),
            tr("A standard is sound when its quality ≥ {q:g}, it is neither undocumented nor unspecific (answer 'no'), "
               "and it is not flagged too complex or too harsh to follow. Standards that are sound = 100 × sound "
               "standards ÷ rated standards (those with at least one attribute answered; n = rated standards).",
               "合格标准：质量 ≥ {q:g}，“成文”和“具体可衡量”都不是“否”，且未被标为过于复杂或过于苛刻。"
               "合格标准比例 = 100 × 合格标准数 ÷ 已评价标准数（至少回答了一个属性的标准；n = 已评价标准数）。",
               q=cfg.sound_quality),
            tr("Item coverage = the best quality among the rated standards covering the item; 0 when no standard "
               "covers it; unknown (left out) when only unrated standards cover it. Status: sound (a sound standard "
               "covers it), weak (only standards that are not sound), unrated, none.",
               "题项覆盖度 = 覆盖该题项的已评价标准中的最高质量；无标准覆盖为 0；只有未评价标准覆盖时为未知（不计入）。"
               "状态：合格（有合格标准覆盖）、薄弱（只有不合格标准）、未评价、无。"),
            tr("Expectations covered by any standard = 100 × questionnaire items named in some standard's 'covers' ÷ "
               "all questionnaire items (n = all items), whatever the standards' quality.",
               "有标准覆盖的顾客期望 = 100 × 被任一标准的 covers 列出的问卷题项数 ÷ 全部问卷题项数（n = 全部题项），不论标准质量。"),
            tr("Coverage sub-score = 100 × Σ wᵢ·coverageᵢ / Σ wᵢ over items with a known coverage (ratio of sums), "
               "wᵢ = customer importance (0–1) when known for every such item, else 1. Items whose importance weights "
               "sum to zero (every customer put them at the bottom of the importance scale) have no importance data: "
               "they count equally, and a note says so.",
               "覆盖子得分 = 100 × Σ wᵢ·覆盖度ᵢ / Σ wᵢ（已知覆盖度的题项，取总和之比），wᵢ 为顾客重要性（0–1，所有题项均有时），否则为 1。"
               "重要性权重之和为零的题项（所有顾客都给了重要性最低分）没有可用的重要性数据：按等权计算，并会注明。"),
            tr(IMPORTANCE_RULE, IMPORTANCE_RULE_ZH),
            tr(TIERS_RULE, TIERS_RULE_ZH) + tr(" Share = {s:.3g}.", " 比例 = {s:.3g}。", s=cfg.top_share),
            tr("Important sub-score = 100 × (most important items with a sound standard) ÷ (most important items, "
               "leaving out those covered only by unrated standards); no data without customer importance.",
               "重要期望子得分 = 100 ×（有合格标准的最重要题项数）÷（最重要题项数，只被未评价标准覆盖者除外）；没有顾客重要性时无数据。"),
            tr("Severity: a most important expectation without a standard is high, one with only weak standards "
               "medium, other uncovered expectations low (medium when importance is unknown). An attribute answered "
               "'no' on a standard covering a most important expectation is high, other 'no' medium, 'partly' low; "
               "standards too complex or harsh are high when they cover a most important expectation, else medium. "
               "Confidence is 1: standards are audited documents, not samples.",
               "严重度：最重要的期望没有标准为高，只有不合格标准为中，其他无标准的期望为低（重要性未知时为中）。覆盖最重要期望的标准某属性为“否”为高，"
               "其他“否”为中，“部分”为低；过于复杂或苛刻的标准若覆盖最重要期望为高，否则为中。置信度取 1：标准是审核过的文件，不是抽样。"),
            tr(CHECKLIST_RULE, CHECKLIST_RULE_ZH),
            tr(SUBSCORE_RULE, SUBSCORE_RULE_ZH) + tr(
                " Weights: {w}. The module is scored only when there are questionnaire items and standards are "
                "recorded (or the store is declared to have none).",
                " 权重：{w}。只有存在问卷题项并记录了服务标准（或声明门店没有任何标准）时，本模块才计分。", w=w),
        ]
