"""The diagnosis gap (SERVQUAL Gap 1): does management know what customers expect?

Evidence read (all under ``evidence`` unless said otherwise):

* ``questionnaire.items`` — the expectation items with their SERVQUAL ``dimension``;
* ``survey`` (raw, columns ``E_<item>``, optionally ``I_<item>`` importance ratings or
  ``W_<dimension>`` 100-point allocations) or ``survey_summary`` (per-item mean
  ``expectation`` with ``expectation_sd`` and ``n``, optionally ``importance``);
* ``management`` — per item, management's ``expectation`` estimate (same scale as the
  survey), the ``importance`` they believe customers give it, and whether the store
  ``invests`` in it now;
* ``listening`` — survey cadence and owner, complaint channels, rewards for feedback, days
  for feedback to reach management;
* ``modules.diagnosis_gap`` — :class:`Config`: the review ``checklist`` and settings.

Score (0–100, higher = management reads customers better): weighted mean of the sub-scores
``accuracy`` (importance-weighted share of items management estimates within the tolerance),
``priorities`` (100 × max(0, Spearman ρ) between customers' and management's importance),
``listening`` and ``checklist``. Without both a survey and management expectation estimates
there is no score ("no data" with the reason); listening and checklist are still reported.

``ModuleResult.data`` (chart data; every key always present; numbers rounded to 3 decimals, None or
an empty list = no data)::

    scale:       {min, max}               tolerance: float (scale points)   confidence: 0.95
    items:       [{id, text, dimension, management, customer, customer_low, customer_high,
                   gap, ci_low, ci_high, n, status: under|over|ok, sureness, importance}]
    dimensions:  [{dimension, label, gap, ci_low, ci_high, n, items, interval: respondent|conservative}]
    importance:  {basis: ratings|points|None, rho, rho_low, rho_high, rho_n, rho_level: items|dimensions,
                  items: [{id, text, dimension, customer, customer_rank, management, management_rank,
                           customer_rating, management_rating, invests, tier_customer: high|low|None,
                           management_view: overrates|underrates|agrees|None, flag: misdirected|underrated|None}],
                  dimensions: [{dimension, label, customer, management}]}
                 customer / management = importance on 0–1 (rank 1 = most important); *_rating = the
                 mean rating / estimate on the importance scale (customer_rating None when importance
                 came from point allocations); dimensions = mean 0–1 importance of their items.
    listening:   {score, owner, parts: [{id, label, value, score}]}
    subscores:   {accuracy, priorities, listening, checklist}     weights: {same keys: weight}

``gap`` = management − customers (negative = management underestimates the expectation).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from gapaudit.analysis import stats
from gapaudit.actions import merge_actions
from gapaudit.analysis.checklist import CHECKLIST_RULE, CHECKLIST_RULE_ZH, ChecklistConfig, ChecklistField
from gapaudit.analysis.memo import memo
from gapaudit.analysis.evidence import IMPORTANCE_RULE, IMPORTANCE_RULE_ZH, INTERVAL_RULE, INTERVAL_RULE_ZH, \
    MIN_N_RULE, MIN_N_RULE_ZH, MIN_RESPONDENTS, SMALL_SAMPLE, TIERS_RULE, TIERS_RULE_ZH, SurveyData, bounded, \
    importance_tiers
from gapaudit.model.audit import QuestionItem
from gapaudit.model.base import ANSWER_VALUE
from gapaudit.model.result import Fact, Finding, Metric, ModuleResult, SetTarget
from gapaudit.model.vocab import label as vocab_label
from gapaudit.module import AuditModule, ModuleContext, ModuleRun
from gapaudit.analysis.scoring import SEVERITY_WEIGHT, SUBSCORE_RULE, SUBSCORE_RULE_ZH, combine_subscores, \
    mean_shortfall_confidence, priority

from .texts import QUESTION_REMEDY, QUESTIONS, REMEDIES

DEFAULT_WEIGHTS = {"accuracy": 0.4, "priorities": 0.2, "listening": 0.2, "checklist": 0.2}
CADENCE_SCORE = {"monthly": 1.0, "quarterly": 1.0, "half_yearly": 0.5, "yearly": 0.5, "ad_hoc": 0.0, "never": 0.0}
RANK_CONFIDENCE = 0.75  # classifications from rankings among items, not from a tested difference


class Config(ChecklistConfig):
    """``modules.diagnosis_gap``: review checklist and settings."""

    questions = QUESTIONS
    default_weights = DEFAULT_WEIGHTS

    checklist: ChecklistField = None
    tolerance: float | None = Field(
        None, gt=0, description="largest |management − customer| expectation difference, in scale points, still "
                                "counted as a correct reading (default: 10% of the scale range)")
    top_share: float = Field(1 / 3, gt=0, le=0.5,
                             description="share of items counted as the most (and the least) important")
    importance_tolerance: float | None = Field(
        None, gt=0, description="largest |management − customer| importance difference, in importance-scale points, "
                                "counted as agreement (default: 10% of the importance scale range)")
    min_items_for_rank: int = Field(5, ge=4, description="fewest items (or dimensions) for a rank correlation")
    min_respondents: int = Field(MIN_RESPONDENTS, ge=2, le=1_000_000,
                                 description="respondents an item (and the survey, for priorities) needs before it "
                                             "counts toward the score (default 10, the rule of every module)")
    small_sample: int = Field(SMALL_SAMPLE, ge=2, le=1_000_000,
                              description="respondents below which the sample is flagged as small (default 30)")
    confidence: float = Field(0.95, gt=0.5, lt=1, description="confidence level of every interval")
    weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS),
                                      description="sub-score weights: accuracy, priorities, listening, checklist")


@dataclass(frozen=True)
class ItemGap:
    """Management's expectation estimate against customers' mean expectation for one item."""

    item: QuestionItem
    management: float
    customer: stats.Estimate
    gap: stats.Estimate  # management − customer
    status: str  # under | over | ok
    sureness: float  # how sure the gap is real, 0.5–1
    importance: float | None


def _r(x: float | None, digits: int = 3) -> float | None:
    return None if x is None else round(x, digits)


def _sureness(gap: stats.Estimate) -> float:
    """How sure we are the gap lies on the side observed: one-sided t probability (shared CONFIDENCE_RULE)."""
    value = gap.value or 0.0
    return mean_shortfall_confidence(value if value < 0 else -value, gap.sd, gap.n, 0.0)


class DiagnosisGap(AuditModule):
    """Gap 1: management's picture of customer expectations against what customers say."""

    id = "diagnosis_gap"
    title = {"en": "Diagnosis gap: does management know what customers expect?",
             "zh": "诊断差距：管理层了解顾客的期望吗？"}
    version = "1.0"
    order = 100
    reads = frozenset({"survey.expectation", "survey.importance", "survey.points", "evidence.management",
                       "evidence.listening"})
    description = {"en": "Management's estimates of customer expectations and priorities against the survey; "
                         "how the store listens to customers.",
                   "zh": "管理层对顾客期望与重视程度的估计对照顾客调查；门店倾听顾客的方式。"}
    Config = Config

    def run(self, ctx: ModuleContext) -> ModuleResult:
        return _Run(ctx).result()


class _Run(ModuleRun):
    """One run of the module over one audit: collects metrics, findings, actions and notes."""

    cfg: Config

    def __init__(self, ctx: ModuleContext):
        super().__init__(ctx)
        # every key is present from the start, so the report never meets a missing one
        self.data = {
            "scale": None, "tolerance": None, "confidence": self.cfg.confidence, "items": [], "dimensions": [],
            "importance": {"basis": None, "rho": None, "rho_low": None, "rho_high": None, "rho_n": 0,
                           "rho_level": None, "items": [], "dimensions": []},
            "listening": {"score": None, "owner": None, "parts": []}, "subscores": {}, "weights": {}}
        self.pct = f"{self.cfg.confidence:.0%}"
        self.tol: float | None = None  # expectation tolerance, scale points
        self.imp_tol: float | None = None  # importance tolerance, importance-scale points

    # --- text helpers -----------------------------------------------------------------

    def ci(self, est: stats.Estimate) -> str:
        tr = self.ctx.tr
        if not est.has_interval:
            return tr("no interval", "无区间")
        return tr("{pct} CI {lo:+.2f} to {hi:+.2f}", "{pct} 置信区间 {lo:+.2f} 至 {hi:+.2f}",
                  pct=self.pct, lo=est.low, hi=est.high)

    def item_line(self, g: ItemGap) -> str:
        return self.ctx.tr(
            "{id} {text}: management {m:.2f}, customers {c:.2f} (gap {g:+.2f}, {ci}, n = {n})",
            "{id} {text}：管理层 {m:.2f}，顾客 {c:.2f}（差距 {g:+.2f}，{ci}，n = {n}）",
            id=g.item.id, text=g.item.text, m=g.management, c=g.customer.value, g=g.gap.value,
            ci=self.ci(g.gap), n=g.gap.n)

    # --- the run ------------------------------------------------------------------------

    def result(self) -> ModuleResult:
        ctx, cfg, tr = self.ctx, self.cfg, self.ctx.tr
        listening = self.listening()
        checklist = self.add_checklist(QUESTIONS, QUESTION_REMEDY)

        survey = ctx.survey
        reason = None
        accuracy = priorities = None
        if survey is None:
            reason = tr("no customer survey: management's estimates cannot be compared with customers' "
                        "expectations (evidence.survey or evidence.survey_summary)",
                        "没有顾客调查：无法把管理层的估计与顾客期望对比（evidence.survey 或 evidence.survey_summary）")
        elif not any(m.expectation is not None for m in ctx.evidence.management):
            reason = tr("no management estimates of customer expectations (evidence.management, column "
                        "'expectation')", "没有管理层对顾客期望的估计（evidence.management 的 expectation 列）")
        else:
            gaps = self.item_gaps(survey)
            if not gaps:
                reason = tr("no questionnaire item has both a management estimate and customer expectation "
                            "answers", "没有任何题项同时具备管理层估计和顾客期望回答")
            else:
                accuracy = self.expectations(survey, gaps)
            if survey.n >= cfg.min_respondents:
                priorities = self.priorities(survey, gaps)
            else:
                self.note(tr("priority agreement", "优先次序一致性"),
                          tr("{n} respondents (fewer than {m}): priority agreement is not scored",
                             "受访者 {n} 人（少于 {m} 人）：不计算优先次序一致性得分", n=survey.n, m=cfg.min_respondents),
                          survey.n, warning=True)

        subscores = {"accuracy": accuracy, "priorities": priorities, "listening": listening,
                     "checklist": checklist.score}
        self.data["subscores"] = subscores
        self.data["weights"] = dict(cfg.weights)
        self.actions = merge_actions([self.actions])
        return self.finish(combine_subscores(subscores, cfg.weights), reason)

    # --- expectations -------------------------------------------------------------------

    def item_gaps(self, survey: SurveyData) -> list[ItemGap]:
        """Gap per item with both a management expectation estimate and customer answers."""
        cfg, tr = self.cfg, self.ctx.tr
        scale = survey.scale
        self.tol = cfg.tolerance if cfg.tolerance is not None else 0.1 * (scale.max - scale.min)
        estimates = {m.item: m for m in self.ctx.evidence.management}
        importance = survey.customer_importance()
        gaps: list[ItemGap] = []
        no_estimate, no_answers = [], []
        for item in survey.items:
            est = estimates.get(item.id)
            if est is None or est.expectation is None:
                no_estimate.append(item.id)
                continue
            cust = survey.mean_estimate("expectation", item.id, cfg.confidence)
            if cust is None:
                no_answers.append(item.id)
                continue
            m = est.expectation
            gap = stats.Estimate(m - cust.value, None if cust.high is None else m - cust.high,  # type: ignore[operator]
                                 None if cust.low is None else m - cust.low, cust.n, cust.sd, cfg.confidence)
            value = gap.value or 0.0
            status = "under" if value < -self.tol else "over" if value > self.tol else "ok"
            gaps.append(ItemGap(item, m, cust, gap, status, _sureness(gap), importance.get(item.id)))
        if no_estimate:
            self.note(tr("items without a management estimate", "缺少管理层估计的题项"),
                      tr("left out of the comparison: {ids}", "未纳入对比：{ids}", ids=", ".join(no_estimate)),
                      len(no_estimate))
        if no_answers:
            self.note(tr("items without customer expectation answers", "没有顾客期望回答的题项"),
                      tr("left out of the comparison: {ids}", "未纳入对比：{ids}", ids=", ".join(no_answers)),
                      len(no_answers), warning=True)
        return gaps

    def expectations(self, survey: SurveyData, gaps: list[ItemGap]) -> float | None:
        """Item and dimension gaps, their findings and actions; returns the accuracy sub-score."""
        ctx, cfg, tr = self.ctx, self.cfg, self.ctx.tr
        self.data["scale"] = {"min": survey.scale.min, "max": survey.scale.max}
        self.data["tolerance"] = _r(self.tol)
        self.data["items"] = [{
            "id": g.item.id, "text": g.item.text, "dimension": g.item.dimension, "management": _r(g.management),
            "customer": _r(g.customer.value), "customer_low": _r(g.customer.low),
            "customer_high": _r(g.customer.high), "gap": _r(g.gap.value), "ci_low": _r(g.gap.low),
            "ci_high": _r(g.gap.high), "n": g.gap.n, "status": g.status,
            "sureness": _r(g.sureness) if g.status != "ok" else None, "importance": _r(g.importance),
            "indicative": g.gap.n < cfg.min_respondents,
        } for g in gaps]
        dims = self.dimension_gaps(survey, gaps)
        self.data["dimensions"] = dims
        for d in dims:
            self.metrics.append(Metric(
                id=f"{ctx.module_id}.dimension.{d['dimension']}",
                label=tr("Management − customer expectation: {dim}", "管理层估计 − 顾客期望：{dim}",
                         dim=d["label"]),
                value=d["gap"], unit=tr("points", "分"), n=d["n"], ci_low=d["ci_low"], ci_high=d["ci_high"]))

        # only items with enough respondents count (MIN_N_RULE); the others are shown as indications
        compared, gaps = gaps, self.enough_respondents(gaps)
        if not gaps:
            self.samples(survey, compared)
            return None
        # accuracy: importance-weighted share of items within the tolerance
        known = [g.importance for g in gaps if g.importance is not None]
        weighted = len(known) == len(gaps) and sum(known) > 0
        weights = [g.importance if weighted else 1.0 for g in gaps]
        within = [1.0 if g.status == "ok" else 0.0 for g in gaps]
        accuracy = round(100 * stats.weighted_mean(within, weights), 1)  # type: ignore[operator]
        self.metrics.append(Metric(
            id=f"{ctx.module_id}.accuracy",
            label=tr("Expectations read correctly (within ±{tol:g} points{w})",
                     "管理层判断准确的期望（误差在 ±{tol:g} 分以内{w}）", tol=round(self.tol, 3),
                     w=tr(", importance-weighted", "，按重要性加权") if weighted else ""),
            value=accuracy, unit="%", n=len(gaps)))
        self.metrics.append(Metric(
            id=f"{ctx.module_id}.mean_abs_gap",
            label=tr("Mean absolute item gap", "题项差距绝对值的平均"),
            value=_r(math.fsum(abs(g.gap.value) for g in gaps) / len(gaps)),  # type: ignore[arg-type]
            unit=tr("points", "分"), n=len(gaps)))
        if not weighted and len(known) == len(gaps):
            self.note(tr("importance", "重要性"),
                      tr("customers gave the compared items no importance at all (every answer at the bottom of the "
                         "importance scale): there is no importance data to weight by, so each item counts equally in "
                         "the accuracy share", "顾客对所对比题项给出的重要性全部为最低（权重之和为零）：没有可用于加权的重要性数据，"
                         "准确率按题项等权计算"), warning=True)
        elif not weighted:
            self.note(tr("importance", "重要性"),
                      tr("customer importance is not known for every compared item, so each item counts "
                         "equally in the accuracy share", "并非每个题项都有顾客重要性评分，准确率按题项等权计算"),
                      warning=False)

        self.samples(survey, compared)
        for status in ("under", "over"):
            flagged = [g for g in gaps if g.status == status]
            if flagged:
                self.flagged(status, flagged)
        return accuracy

    def enough_respondents(self, gaps: list[ItemGap]) -> list[ItemGap]:
        """The item gaps with at least ``min_respondents`` answers; a note (or a finding, when none is left)
        names the rest, which stay in the data as indications."""
        ctx, cfg, tr = self.ctx, self.cfg, self.ctx.tr
        enough = [g for g in gaps if g.gap.n >= cfg.min_respondents]
        few = [g for g in gaps if g.gap.n < cfg.min_respondents]
        if few and enough:
            self.note(tr("too few answers", "作答人数不足"),
                      tr("items answered by fewer than {m} respondents are shown as indications and not scored: {ids}",
                         "作答少于 {m} 人的题项仅供参考，不计入得分：{ids}", m=cfg.min_respondents,
                         ids=", ".join(f"{g.item.id} (n = {g.gap.n})" for g in few)), len(few), warning=True)
        elif few:
            most = max(g.gap.n for g in few)
            self.findings.append(Finding(
                id=f"{ctx.module_id}.too_few_respondents", severity="medium",
                title=tr("Too few respondents to score management's reading of expectations: {n} of the {m} needed",
                         "受访者太少，无法评定管理层对期望的把握：仅 {n} 人，至少需要 {m} 人", n=most,
                         m=cfg.min_respondents),
                detail=tr("The gaps are shown with their intervals but give no sub-score. Survey at least {more} more "
                          "customers.", "差距仅附区间展示，不计算子得分。请至少再调查 {more} 位顾客。",
                          more=cfg.min_respondents - most)))
        return enough

    def dimension_gaps(self, survey: SurveyData, gaps: list[ItemGap]) -> list[dict[str, Any]]:
        """Per dimension: respondent-level mean gap (raw) or mean of item gaps (summary)."""
        out = []
        for dim in survey.dimensions():
            mine = [g for g in gaps if g.item.dimension == dim]
            if not mine:
                continue
            if survey.raw:
                per_respondent = _respondent_gaps([g.management for g in mine],
                                                  [survey.expectation[g.item.id] for g in mine],
                                                  len(survey.respondents))
                span = survey.scale.max - survey.scale.min
                est = bounded(stats.mean_ci(per_respondent, self.cfg.confidence), -span, span)
                low, high, kind = est.low, est.high, "respondent"
                value, n = est.value, est.n
            else:
                value = math.fsum(g.gap.value for g in mine) / len(mine)  # type: ignore[misc]
                n = min(g.gap.n for g in mine)
                if all(g.gap.has_interval for g in mine):
                    half = math.fsum(g.gap.high - g.gap.value for g in mine) / len(mine)  # type: ignore[operator]
                    low, high = value - half, value + half
                else:
                    low = high = None
                kind = "conservative"
            out.append({"dimension": dim, "label": self.ctx.label(dim), "gap": _r(value), "ci_low": _r(low),
                        "ci_high": _r(high), "n": n, "items": len(mine), "interval": kind})
        return out

    def samples(self, survey: SurveyData, gaps: list[ItemGap]) -> None:
        """Notes on sample size and missing answers."""
        tr = self.ctx.tr
        n = survey.n
        if survey.raw:
            missing = sum(n - g.gap.n for g in gaps)
            self.note(tr("missing answers", "缺失回答"),
                      tr("{miss} of {total} expectation answers on the compared items are blank or 'not "
                         "applicable'; they are left out respondent by respondent (each item's mean uses "
                         "the respondents who answered it)",
                         "对比题项的 {total} 个期望回答中有 {miss} 个为空或“不适用”，按受访者逐一剔除（每个题项的均值只用作答者）",
                         miss=missing, total=n * len(gaps)), n)
        else:
            self.note(tr("summary data", "汇总数据"),
                      tr("the survey is given as per-item summaries; dimension intervals are conservative "
                         "(as if the items were perfectly correlated)",
                         "调查以题项汇总形式提供；维度区间按保守方法计算（视各题项完全相关）"), n)
        if n < self.cfg.small_sample:
            self.note(tr("small sample", "样本量小"),
                      tr("{n} respondents (fewer than {min}): intervals are wide; read the gaps as indications",
                         "受访者 {n} 人（少于 {min} 人）：区间较宽，差距只作参考", n=n, min=self.cfg.small_sample),
                      n, warning=True)

    def flagged(self, status: str, flagged: list[ItemGap]) -> None:
        """Finding and actions for items management under- or overestimates beyond the tolerance."""
        ctx, tr = self.ctx, self.ctx.tr
        under = status == "under"

        def severity(g: ItemGap) -> str:
            big = abs(g.gap.value) >= 2 * self.tol  # type: ignore[arg-type]
            return ("high" if big else "medium") if under else ("medium" if big else "low")

        fid = f"{ctx.module_id}.{'underestimated' if under else 'overestimated'}"
        worst = max((severity(g) for g in flagged), key=SEVERITY_WEIGHT.__getitem__)
        self.findings.append(Finding(
            id=fid, severity=worst,  # type: ignore[arg-type]
            title=tr("Management underestimates {n} customer expectation(s) by more than {tol:g} points",
                     "管理层低估了 {n} 项顾客期望（超过 {tol:g} 分）", n=len(flagged), tol=round(self.tol, 3))
            if under else
            tr("Management overestimates {n} customer expectation(s) by more than {tol:g} points",
               "管理层高估了 {n} 项顾客期望（超过 {tol:g} 分）", n=len(flagged), tol=round(self.tol, 3)),
            detail=tr("Customers expect more than management thinks: service is likely designed and staffed "
                      "below what customers look for.", "顾客的期望高于管理层的认识：服务的设计和人手很可能达不到顾客的要求。")
            if under else
            tr("Management thinks customers expect more than they do: effort may be going where it is not "
               "needed.", "管理层以为顾客的期望更高：部分投入可能用在了不需要的地方。"),
            evidence=[self.item_line(g) for g in flagged],
            facts=[Fact(about=f"item:{g.item.id}", link="diagnosis", kind="expectation_estimate",
                        value=_r(g.gap.value),
                        text=tr("management thinks customers expect {m:.1f} of '{t}'; customers expect {c:.1f}",
                                "管理层认为顾客对“{t}”的期望为 {m:.1f}，顾客实际期望 {c:.1f}", m=g.management,
                                t=g.item.text, c=g.customer.value)) for g in flagged] if under else []))

        groups: dict[str, list[ItemGap]] = {}
        for g in flagged:
            groups.setdefault(g.item.dimension if under else "all", []).append(g)
        for key, items in groups.items():
            # the action takes the priority of its highest-priority item (first of equals: questionnaire order)
            lead = max(items, key=lambda g: priority(severity(g), g.importance, g.sureness)[0])
            remedy = REMEDIES["recalibrate"] if under else REMEDIES["overestimated"]
            if under:
                remedy = dataclasses.replace(remedy, key=f"recalibrate.{key}",
                                             en=f"{remedy.en}: {vocab_label(key, 'en')}",
                                             zh=f"{remedy.zh}：{vocab_label(key, 'zh')}")
            rationale = tr(
                "Share the survey results item by item with the management team, set service targets at the "
                "level customers expect, and check again at the next survey. {n} item(s) are misread; the "
                "priority follows {lead}.",
                "逐项向管理团队通报调查结果，按顾客期望的水平设定服务目标，并在下次调查时复核。共 {n} 个题项判断有误；优先级依据 {lead}。",
                n=len(items), lead=lead.item.id) if under else tr(
                "Compare the effort spent on these items with the expectations management underrates; keep "
                "the level customers ask for. The priority follows {lead}.",
                "把这些题项上的投入与被低估的期望相比较，保持顾客所要求的水平即可。优先级依据 {lead}。", lead=lead.item.id)
            self.actions.append(ctx.remedy_action(
                remedy, rationale=rationale, severity=severity(lead),  # type: ignore[arg-type]
                importance=lead.importance, confidence=lead.sureness,
                evidence=[self.item_line(g) for g in items], finding_ids=[fid],
                about=[f"item:{g.item.id}" for g in items],
                targets=[SetTarget(table="evidence.management", where={"item": g.item.id},
                                   changes={"expectation": g.customer.value}, about=f"item:{g.item.id}",
                                   metric=f"{ctx.module_id}.accuracy",
                                   label=tr("management's estimate of '{t}' at customers' {c:.2f}",
                                            "管理层对“{t}”的估计调整为顾客的 {c:.2f}", t=g.item.text,
                                            c=g.customer.value)) for g in items]))

    # --- priorities -----------------------------------------------------------------------

    def priorities(self, survey: SurveyData, gaps: list[ItemGap]) -> float | None:
        """Rank agreement of importance, misdirected effort; returns the priorities sub-score."""
        ctx, cfg, tr = self.ctx, self.cfg, self.ctx.tr
        basis = survey.importance_basis()
        customer = survey.customer_importance()
        estimates = {m.item: m for m in ctx.evidence.management}
        management = {i.id: estimates[i.id].importance for i in survey.items
                      if i.id in estimates and estimates[i.id].importance is not None}
        invests = {i.id: estimates[i.id].invests for i in survey.items
                   if i.id in estimates and estimates[i.id].invests is not None}
        block = self.data["importance"]
        block["basis"] = basis
        if not customer:
            self.note(tr("importance", "重要性"),
                      tr("customers' importance was not collected (I_<item> ratings or W_<dimension> points): "
                         "priority agreement and misdirected effort cannot be assessed",
                         "没有收集顾客的重要性评价（I_<题项> 评分或 W_<维度> 分配）：无法评估优先次序一致性和投入错位"),
                      warning=True)
            return None
        ids = [i.id for i in survey.items]
        # ranks among items: 1 = most important
        c_rank = _ranks({k: customer[k] for k in ids if k in customer})
        m_rank = _ranks({k: management[k] for k in ids if k in management})
        c_high, c_low = importance_tiers({k: customer[k] for k in ids if k in customer}, cfg.top_share)
        isc = survey.importance_scale
        management01 = {k: (v - isc.min) / (isc.max - isc.min) for k, v in management.items()}
        self.imp_tol = (0.1 * (isc.max - isc.min) if cfg.importance_tolerance is None
                        else cfg.importance_tolerance)
        comparable = basis == "ratings"  # point allocations are relative: not on management's scale

        def view(key: str) -> str | None:
            """Management's reading of the item's importance against customers' (same scale)."""
            if not comparable or key not in customer or key not in management01:
                return None
            diff = (management01[key] - customer[key]) * (isc.max - isc.min)
            return "overrates" if diff > self.imp_tol else "underrates" if diff < -self.imp_tol else "agrees"

        misdirected, underrated = [], []
        for item in survey.items:
            k = item.id
            if (invests.get(k) in ("yes", "partly") and k in c_low
                    and (view(k) == "overrates" or (comparable and customer[k] < 0.5))):
                misdirected.append(item)
            elif k in c_high and (view(k) == "underrates" or invests.get(k) == "no"):
                underrated.append(item)
        flags = {i.id: "misdirected" for i in misdirected} | {i.id: "underrated" for i in underrated}
        block["items"] = [{
            "id": i.id, "text": i.text, "dimension": i.dimension, "customer": _r(customer.get(i.id)),
            "customer_rank": c_rank.get(i.id), "management": _r(management01.get(i.id)),
            "management_rank": m_rank.get(i.id),
            "customer_rating": _r(est.value) if (est := survey.mean_estimate("importance", i.id)) else None,
            "management_rating": _r(management.get(i.id)), "invests": invests.get(i.id),
            "tier_customer": "high" if i.id in c_high else "low" if i.id in c_low else None,
            "management_view": view(i.id),
            "flag": flags.get(i.id)} for i in survey.items if i.id in customer or i.id in management]

        # dimension level: mean of the items' importance on each side (exact: rounded only in the data)
        dims = []
        for dim in survey.dimensions():
            cs = [customer[i.id] for i in survey.items if i.dimension == dim and i.id in customer]
            ms = [management01[i.id] for i in survey.items if i.dimension == dim and i.id in management]
            dims.append({"dimension": dim, "label": ctx.label(dim),
                         "customer": math.fsum(cs) / len(cs) if cs else None,
                         "management": math.fsum(ms) / len(ms) if ms else None})
        block["dimensions"] = [{**d, "customer": _r(d["customer"]), "management": _r(d["management"])} for d in dims]

        score = None
        if management:
            item_rho = stats.spearman([customer.get(k) for k in ids], [management.get(k) for k in ids],
                                      cfg.confidence) if basis == "ratings" else None
            dim_rho = stats.spearman([d["customer"] for d in dims], [d["management"] for d in dims],
                                     cfg.confidence)
            for level, rho in (("items", item_rho), ("dimensions", dim_rho)):
                if rho is None:
                    continue
                self.metrics.append(Metric(
                    id=f"{ctx.module_id}.rho_{level}",
                    label=tr("Importance agreement, customers vs management (Spearman ρ, {lvl})",
                             "顾客与管理层重要性排序一致性（Spearman ρ，{lvl}）",
                             lvl=tr(level, "题项" if level == "items" else "维度")),
                    value=_r(rho.rho), n=rho.n, ci_low=_r(rho.low), ci_high=_r(rho.high)))
            chosen = next(((lvl, r) for lvl, r in (("items", item_rho), ("dimensions", dim_rho))
                           if r is not None and r.rho is not None and r.n >= cfg.min_items_for_rank), None)
            if chosen is None:
                self.note(tr("priority agreement", "优先次序一致性"),
                          tr("fewer than {k} items (or dimensions) have importance from both customers and "
                             "management, or one side gives them all the same importance: no rank correlation "
                             "is scored", "同时具备顾客与管理层重要性的题项（或维度）少于 {k} 个，或一方的重要性全部相同：不计算等级相关得分",
                             k=cfg.min_items_for_rank), warning=True)
            else:
                level, rho = chosen
                block.update(rho=_r(rho.rho), rho_low=_r(rho.low), rho_high=_r(rho.high), rho_n=rho.n,
                             rho_level=level)
                score = round(100 * max(0.0, rho.rho), 1)  # type: ignore[arg-type]
                self.rank_finding(rho, level)
        else:
            self.note(tr("priority agreement", "优先次序一致性"),
                      tr("management gave no importance estimates (evidence.management, column 'importance'): "
                         "no rank correlation is scored", "管理层没有给出重要性估计（evidence.management 的 importance 列）：不计算等级相关得分"),
                      warning=True)
        ratings = {i.id: est.value if (est := survey.mean_estimate("importance", i.id)) else None
                   for i in underrated} if comparable else {}
        self.misdirection(misdirected, underrated, customer, management01, invests, ratings)
        return score

    def rank_finding(self, rho: stats.Correlation, level: str) -> None:
        tr = self.ctx.tr
        value = rho.rho or 0.0
        if value >= 0.7:
            return
        severity = "high" if value < 0 else "medium" if value < 0.4 else "low"
        ci = (tr("{pct} CI {lo:+.2f} to {hi:+.2f}", "{pct} 置信区间 {lo:+.2f} 至 {hi:+.2f}", pct=self.pct,
                 lo=rho.low, hi=rho.high) if rho.has_interval else tr("no interval", "无区间"))
        self.findings.append(Finding(
            id=f"{self.ctx.module_id}.priorities", severity=severity,  # type: ignore[arg-type]
            title=tr("Management's priorities differ from customers' (ρ = {rho:+.2f})",
                     "管理层的优先次序与顾客不一致（ρ = {rho:+.2f}）", rho=value),
            detail=tr("Spearman rank correlation between the importance customers give the {lvl} and the importance "
                      "management assumes: {ci}, n = {n}.",
                      "顾客给出的{lvl}重要性与管理层设想的重要性之间的 Spearman 等级相关：{ci}，n = {n}。",
                      lvl=tr(level, "题项" if level == "items" else "维度"), ci=ci, n=rho.n)))

    def misdirection(self, misdirected: list[QuestionItem], underrated: list[QuestionItem],
                     customer: dict[str, float], management: dict[str, float], invests: dict[str, str],
                     ratings: dict[str, float | None] | None = None) -> None:
        """Findings and the refocus action for misdirected effort and underrated expectations."""
        ctx, tr = self.ctx, self.ctx.tr
        mid = ctx.module_id
        ratings = ratings or {}
        answers = {"yes": tr("yes", "是"), "partly": tr("partly", "部分"), "no": tr("no", "否"), "na": tr("n/a", "不适用")}

        def line(i: QuestionItem) -> str:
            m = management.get(i.id)
            return tr("{id} {text}: importance on 0–1 customers {c:.2f}, management {m}; invests: {inv}",
                      "{id} {text}：重要性（0–1）顾客 {c:.2f}，管理层 {m}；投入：{inv}", id=i.id, text=i.text,
                      c=customer[i.id], m="—" if m is None else f"{m:.2f}", inv=answers.get(invests.get(i.id, ""), "—"))

        ids = []
        if misdirected:
            ids.append(f"{mid}.misdirected")
            self.findings.append(Finding(
                id=f"{mid}.misdirected", severity="medium",
                title=tr("Effort goes to {n} service(s) customers rate among the least important",
                         "有 {n} 项服务投入了精力，而顾客认为它们最不重要", n=len(misdirected)),
                detail=tr("The store invests in these although customers rank them low, and management rates them "
                          "higher than customers do (or customers rate them below the midpoint).",
                          "顾客把这些项目排在最后，门店却在上面投入，且管理层对其重要性的估计高于顾客（或顾客评分低于中点）。"),
                evidence=[line(i) for i in misdirected]))
        if underrated:
            ids.append(f"{mid}.underrated")
            self.findings.append(Finding(
                id=f"{mid}.underrated", severity="high",
                title=tr("{n} of customers' most important expectations are underrated by management",
                         "顾客最看重的期望中有 {n} 项被管理层轻视", n=len(underrated)),
                detail=tr("Management rates their importance lower than customers do, or the store does not invest "
                          "in them.", "管理层对其重要性的估计低于顾客，或门店没有在上面投入。"),
                evidence=[line(i) for i in underrated],
                facts=[Fact(about=f"item:{i.id}", link="diagnosis", kind="importance", value=_r(customer[i.id]),
                            text=tr("customers rank '{t}' among their most important needs; management rates it "
                                    "lower or does not invest in it", "顾客把“{t}”列为最重要的需求之一，管理层却轻视它或没有投入",
                                    t=i.text)) for i in underrated]))
        if not ids:
            return
        importance = max((customer[i.id] for i in underrated), default=None)
        targets = [SetTarget(table="evidence.management", where={"item": i.id}, changes={"invests": "no"},
                             about=f"item:{i.id}", label=tr("no more effort on '{t}'", "不再在“{t}”上投入", t=i.text))
                   for i in misdirected]
        for i in underrated:
            changes: dict[str, Any] = {"invests": "yes"}
            if ratings.get(i.id) is not None and management.get(i.id) is not None:
                changes["importance"] = ratings[i.id]
            targets.append(SetTarget(table="evidence.management", where={"item": i.id}, changes=changes,
                                     about=f"item:{i.id}",
                                     label=tr("management invests in '{t}' and rates it as customers do",
                                              "管理层在“{t}”上投入，并按顾客的看法评估其重要性", t=i.text)))
        self.actions.append(ctx.remedy_action(
            REMEDIES["refocus"], severity="high" if underrated else "medium", importance=importance,
            confidence=RANK_CONFIDENCE, about=[f"item:{i.id}" for i in misdirected + underrated], targets=targets,
            rationale=tr("Reduce: {low}. Strengthen: {high}.", "压缩：{low}。加强：{high}。",
                         low=", ".join(i.id for i in misdirected) or "—",
                         high=", ".join(i.id for i in underrated) or "—"),
            evidence=[line(i) for i in misdirected + underrated], finding_ids=ids))

    # --- listening ------------------------------------------------------------------------

    def listening(self) -> float | None:
        """Score the listening system from evidence.listening; adds findings and actions."""
        ctx, tr = self.ctx, self.ctx.tr
        lis = ctx.evidence.listening
        if lis is None:
            self.note(tr("listening", "倾听机制"),
                      tr("no listening evidence (evidence.listening): the listening sub-score is left out",
                         "没有倾听机制的证据（evidence.listening）：倾听子得分不计入"))
            return None
        parts: list[tuple[str, str, Any, float | None]] = []  # (remedy key, label, value, score)
        cadence_labels = {"monthly": tr("monthly", "每月"), "quarterly": tr("quarterly", "每季度"),
                          "half_yearly": tr("every half year", "每半年"), "yearly": tr("yearly", "每年"),
                          "ad_hoc": tr("ad hoc", "不定期"), "never": tr("never", "从不")}
        if lis.survey_cadence is not None:
            parts.append(("surveys", tr("Satisfaction survey cadence", "满意度调查频率"),
                          cadence_labels[lis.survey_cadence], CADENCE_SCORE[lis.survey_cadence]))
        if lis.complaint_channels:
            k = len(lis.complaint_channels)
            parts.append(("channels", tr("Complaint channels", "投诉渠道"), ", ".join(lis.complaint_channels),
                          1.0 if k >= 2 else 0.5))
        if lis.rewards_for_feedback is not None and lis.rewards_for_feedback != "na":
            answer = {"yes": tr("yes", "是"), "partly": tr("partly", "部分"), "no": tr("no", "否")}
            parts.append(("rewards", tr("Staff rewarded for customer information", "员工收集顾客信息有奖励"),
                          answer[lis.rewards_for_feedback], ANSWER_VALUE[lis.rewards_for_feedback]))
        if lis.feedback_reaches_management_days is not None:
            days = lis.feedback_reaches_management_days
            parts.append(("information_flow", tr("Days for feedback to reach management", "反馈到达管理层的天数"),
                          days, 1.0 if days <= 7 else 0.5 if days <= 30 else 0.0))
        score = round(100 * math.fsum(p[3] for p in parts) / len(parts), 1) if parts else None
        self.data["listening"] = {"score": score, "owner": lis.survey_owner, "parts": [
            {"id": key, "label": label, "value": value, "score": s} for key, label, value, s in parts]}
        self.metrics.append(Metric(id=f"{ctx.module_id}.listening", label=tr("Listening system", "倾听机制"),
                                   value=score, unit="/100", n=len(parts)))
        if not lis.complaint_channels:
            self.note(tr("listening", "倾听机制"),
                      tr("no complaint channels are listed; the item is left out of the listening score (if "
                         "the store has none, answer the 'channels' review question 'no')",
                         "未列出投诉渠道，该项不计入倾听得分（如门店确实没有，请在复核清单 channels 一题回答“否”）"))
        if lis.survey_cadence not in (None, "never") and not lis.survey_owner:
            self.note(tr("listening", "倾听机制"),
                      tr("no department is named as owner of the satisfaction surveys", "未指明满意度调查的负责部门"),
                      warning=True)
        weak = [(key, label, value, s) for key, label, value, s in parts if s is not None and s < 1]
        if not weak:
            return score
        fid = f"{ctx.module_id}.listening"
        weak = [(key, label, f"{value:g}" if isinstance(value, float) else value, s) for key, label, value, s in weak]
        lines = [tr("{label}: {value}", "{label}：{value}", label=label, value=value) for _, label, value, _ in weak]
        self.findings.append(Finding(
            id=fid, severity="medium" if any(s == 0 for *_, s in weak) else "low",
            title=tr("The store's listening system has {n} weak point(s)", "门店的倾听机制有 {n} 个薄弱环节",
                     n=len(weak)),
            detail=tr("Regular surveys, several complaint channels, rewards for passing on customer information "
                      "and a fast route to management keep management's picture of customers current.",
                      "定期调查、多条投诉渠道、奖励员工上报顾客信息、快速上达管理层，才能让管理层对顾客的认识保持准确。"),
            evidence=lines))
        best = {"surveys": ({"survey_cadence": "quarterly"}, tr("customer surveys every quarter", "每季度做一次顾客调查")),
                "channels": ({"complaint_channels": [*lis.complaint_channels, tr("second channel", "第二渠道")]},
                             tr("at least two complaint channels", "至少两条投诉渠道")),
                "rewards": ({"rewards_for_feedback": "yes"}, tr("staff rewarded for customer information",
                                                                "员工上报顾客信息有奖励")),
                "information_flow": ({"feedback_reaches_management_days": 7},
                                     tr("feedback reaches management within 7 days", "顾客反馈 7 天内到达管理层"))}
        for key, label, value, s in weak:
            changes, target_label = best[key]
            self.actions.append(ctx.remedy_action(
                REMEDIES[key], severity="medium" if s == 0 else "low",
                rationale=tr("Listening evidence: {label} = {value}.", "倾听机制证据：{label} = {value}。",
                             label=label, value=value),
                evidence=[tr("{label}: {value}", "{label}：{value}", label=label, value=value)], finding_ids=[fid],
                targets=[SetTarget(table="evidence.listening", changes=changes, metric=f"{ctx.module_id}.listening",
                                   goal=100.0,
                                   label=target_label)]))
        return score

    # --- methodology ------------------------------------------------------------------------

    def methodology(self) -> list[str]:
        tr, cfg = self.ctx.tr, self.cfg
        tol_text = f"{self.tol:g}" if self.tol is not None else tr("10% of the scale range", "量表全距的 10%")
        w = ", ".join(f"{k} {v:g}" for k, v in cfg.weights.items())
        return [
            tr("Item gap = management's estimate of the expectation − customers' mean expectation (respondents "
               "who answered the item); {pct} Student t interval of the customers' mean, the management estimate "
               "taken as a fixed number. Negative = management underestimates.",
               "题项差距 = 管理层估计的期望 − 顾客期望均值（只用作答者）；区间为顾客均值的 {pct} Student t 区间，管理层估计视为定值。负值 = 管理层低估。",
               pct=self.pct),
            tr("Dimension gap (raw responses) = mean over respondents of each respondent's mean gap over the "
               "dimension's items he or she answered (mean of per-respondent means, not pooled), with its t "
               "interval; respondents who answered none of the items are left out. From summary data: the mean "
               "of the item gaps, with a conservative interval of ± the mean item half-width.",
               "维度差距（原始数据）= 每位受访者在该维度已答题项上的平均差距，再对受访者取平均（先人后均，不合并），附 t 区间；该维度一题未答者剔除。"
               "汇总数据：题项差距的平均，区间取各题项半宽的平均（保守）。"),
            tr("Tolerance ±{tol}: an item is underestimated when the gap < −tolerance, overestimated when > "
               "+tolerance. Severity: underestimated high when |gap| ≥ 2 × tolerance, else medium; overestimated "
               "one step lower.", "容差 ±{tol}：差距 < −容差为低估，> +容差为高估。严重度：低估且 |差距| ≥ 2 倍容差为高，否则为中；高估各降一级。",
               tol=tol_text),
            tr("How sure (the confidence in an action's priority): the one-sided probability that the item's gap "
               "lies on the side observed, P(T ≤ |gap| ÷ (sd/√n)) with Student's t on n − 1 degrees of freedom (1 − the "
               "one-sided p-value of 'no gap': 0.5 when the gap is 0, towards 1 as it grows against its standard "
               "error); 0.5 "
               "where there is no SD. Classifications from rankings (misdirected effort) use {rc:g}. An action "
               "covering several items takes the priority of its highest-priority item.",
               "把握程度（行动优先级中的置信度）：题项差距确在所观察一侧的单侧概率，P(T ≤ |差距| ÷ (sd/√n))，自由度 n − 1 的 Student t"
               "（即 1 − “无差距”的单侧 p 值：差距为 0 时为 0.5，差距相对其标准误越大越接近 1）；"
               "无标准差时取 0.5。基于排序的判断（投入错位）取 {rc:g}。涉及多个题项的行动取其中优先级最高者。", rc=RANK_CONFIDENCE),
            tr("Accuracy sub-score = 100 × Σ wᵢ·[|gapᵢ| ≤ tolerance] / Σ wᵢ over compared items, wᵢ = customer "
               "importance (0–1) when known for every item, else 1 (ratio of sums); when the known importances sum to "
               "zero there is no importance data and every item counts 1 (a note says so).",
               "准确率子得分 = 100 × Σ wᵢ·[|差距ᵢ| ≤ 容差] / Σ wᵢ，wᵢ 为顾客重要性（0–1，所有题项均有时），否则为 1（比值取总和之比）；"
               "已知重要性之和为零时视为没有重要性数据，每个题项计 1（并会注明）。"),
            tr("Mean absolute item gap = Σ |gapᵢ| ÷ k over the k compared items, in scale points: how far "
               "management's estimates are off on average, whatever the direction (unweighted).",
               "题项差距绝对值的平均 = Σ |差距ᵢ| ÷ k（k 个对比题项），单位为量表分：不论方向，管理层估计平均偏离多少（不加权）。"),
            tr(IMPORTANCE_RULE, IMPORTANCE_RULE_ZH),
            tr("Priorities sub-score = 100 × max(0, ρ), ρ = Spearman rank correlation (average ranks for ties) "
               "between customers' and management's importance over items (importance ratings only), else over "
               "dimensions (mean importance of their items), when at least {k} pairs; {pct} Fisher-z interval "
               "with SE 1.06/√(n−3). The interval treats items as the sample; customers' sampling error is not in it.",
               "优先次序子得分 = 100 × max(0, ρ)，ρ 为顾客与管理层重要性的 Spearman 等级相关（并列取平均秩），"
               "按题项计算（仅限题项重要性评分），否则按维度（其题项重要性的平均），至少 {k} 对；"
               "{pct} Fisher-z 区间，SE = 1.06/√(n−3)。该区间把题项视为样本，未包含顾客抽样误差。",
               k=cfg.min_items_for_rank, pct=self.pct),
            tr(TIERS_RULE, TIERS_RULE_ZH) + tr(" Share = {s:.3g}.", " 比例 = {s:.3g}。", s=cfg.top_share),
            tr("Management overrates (underrates) an item's importance when its estimate exceeds (falls short of) "
               "customers' mean importance rating by more than {t} importance-scale points; not assessed when "
               "customers' importance comes from point allocations (a relative measure). Misdirected effort = the "
               "store invests (yes or partly) in an item customers rank among their least important, and "
               "management overrates it or customers rate it below the scale midpoint (0.5 on 0–1). Underrated "
               "expectation = an item customers rank among their most important that management underrates or "
               "the store does not invest in.",
               "管理层估计的重要性比顾客平均重要性评分高出（低于）超过 {t} 分（重要性量表）时，为高估（低估）；顾客重要性来自分值分配（相对量）时不作此判断。"
               "投入错位 = 门店有投入（是或部分）、顾客列为最不重要，且管理层高估其重要性或顾客评分低于量表中点（0–1 上的 0.5）的题项。"
               "被轻视的期望 = 顾客列为最重要、但管理层低估其重要性或门店没有投入的题项。",
               t=f"{self.imp_tol:g}" if self.imp_tol is not None else tr("10% of the scale range", "量表全距的 10%")),
            tr("Listening sub-score = 100 × mean of the parts recorded: survey cadence (monthly or quarterly 1, "
               "half-yearly or yearly 0.5, ad hoc or never 0); complaint channels (two or more 1, one 0.5; none "
               "listed = not recorded, left out); staff rewarded for customer information (yes 1, partly 0.5, no 0, "
               "n/a left out); days for feedback to reach management (≤ 7 1, ≤ 30 0.5, more 0).",
               "倾听子得分 = 100 × 已记录各项的平均：调查频率（每月或每季度 1，每半年或每年 0.5，不定期或从不 0）；投诉渠道（两条及以上 1，一条 0.5，未列出视为未记录，不计入）；"
               "收集顾客信息有奖励（是 1，部分 0.5，否 0，不适用不计入）；反馈到达管理层天数（≤ 7 为 1，≤ 30 为 0.5，更多为 0）。"),
            tr(MIN_N_RULE, MIN_N_RULE_ZH).format(m=cfg.min_respondents, s=cfg.small_sample),
            tr(INTERVAL_RULE, INTERVAL_RULE_ZH),
            tr(CHECKLIST_RULE, CHECKLIST_RULE_ZH),
            tr(SUBSCORE_RULE, SUBSCORE_RULE_ZH) + tr(
                " Weights: {w}. The module is scored only when management's expectation estimates can be "
                "compared with customers' answers.", " 权重：{w}。只有当管理层的期望估计能与顾客回答对比时，本模块才计分。", w=w),
        ]


@memo
def _respondent_gaps(estimates: list[float], expectations: list[list[float | None]], n: int) -> list[float | None]:
    """Each respondent's mean of (management's estimate − their expectation) over the items they answered."""
    out: list[float | None] = []
    for r in range(n):
        diffs = [m - e for m, column in zip(estimates, expectations) if (e := column[r]) is not None]
        out.append(math.fsum(diffs) / len(diffs) if diffs else None)
    return out


def _ranks(values: dict[str, float]) -> dict[str, float]:
    """Rank 1 = largest value; ties share their average rank."""
    keys = list(values)
    ranks = stats.rank_average([-values[k] for k in keys])
    return {k: r for k, r in zip(keys, ranks) if r is not None}
