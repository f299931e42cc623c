"""The outcome gap (SERVQUAL Gaps 4 and 5): does what customers get match the promise and
their expectation?

Evidence read: ``evidence.promises`` (with ``kept``/``total`` or individual
``promise_checks``), the questionnaire with ``survey`` (raw answers) or
``survey_summary``, and the review checklist under
``modules.outcome_gap.checklist`` (see :class:`Config` for the settings).

Score (0–100, higher is better) = weighted mean of the sub-scores that have
evidence: ``customer_gap`` (the SERVQUAL score mapped linearly from 100 at
"perceptions meet expectations" to 0 at a shortfall of ``zero_gap`` scale
points), ``promises`` (100 × share of checked occasions on which a promise
was kept) and ``checklist``.

``ModuleResult.data`` (chart data; gaps in scale points, rates 0–1, None = no data)::

    scale: {min, max}    confidence    tolerance    zero_gap    promise_target
    subscores: {customer_gap, promises, checklist}    weights: {same keys}
    customer_gap: None | {
        source: raw | summary,  respondents: int,
        items: [{id, text, dimension, expectation, perception, importance,
                 gap, ci_low, ci_high, n, status}],
        dimensions: [{dimension, label, items, gap, ci_low, ci_high, n, status,
                      perception, perception_low, perception_high, weight,
                      alpha, alpha_low, alpha_high, alpha_n, alpha_excluded, reliable,
                      perception_alpha}],
        servqual: {unweighted, weighted: {value, ci_low, ci_high, n} | None,
                   weights_basis: points | ratings | None, used: weighted | unweighted},
        servperf: {unweighted, weighted: {value, ci_low, ci_high, n} | None}}
    ipa: None | {x_basis: importance | expectation, crosshair: data_mean | data_median |
                 scale_midpoint, x_cross, y_cross, x_scale: {min, max}, y_scale: {min, max},
                 points: [{id, text, dimension, importance, performance, quadrant}]}
                 quadrant: concentrate_here | keep_up | low_priority | possible_overkill
    promises: [{id, text, channel, items, kept, total, rate, ci_low, ci_high, source:
                checks | summary | none, status: kept | possible_over_promise |
                over_promise | unverified, inflated_items: [item id]}]

Item and dimension ``status``: ``shortfall`` (gap ≤ −tolerance and the whole
interval below 0), ``possible_shortfall`` (gap ≤ −tolerance otherwise), ``ok``.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import Field

from gapaudit.analysis import stats
from gapaudit.analysis.checklist import CHECKLIST_RULE, CHECKLIST_RULE_ZH, ChecklistConfig, ChecklistField
from gapaudit.analysis.evidence import IMPORTANCE_RULE, IMPORTANCE_RULE_ZH, INTERVAL_RULE, INTERVAL_RULE_ZH, \
    MIN_N_RULE, MIN_N_RULE_ZH, MIN_RESPONDENTS, SMALL_SAMPLE, SurveyData, bounded
from gapaudit.analysis.memo import memo
from gapaudit.model.audit import LikertScale
from gapaudit.model.result import Action, Fact, Finding, Metric, ModuleResult, SetTarget, ShareTarget, \
    SurveyGapTarget
from gapaudit.model.vocab import TRIANGLE
from gapaudit.module import AuditModule, ModuleContext, ModuleRun
from gapaudit.analysis.scoring import (CONFIDENCE_RULE, CONFIDENCE_RULE_ZH, SUBSCORE_RULE, SUBSCORE_RULE_ZH,
                              combine_subscores, mean_shortfall_confidence, rate_shortfall_confidence)

from .promises import PromiseRecord, promise_records
from .questions import QUESTION_REMEDIES, QUESTIONS
from .research import ResearchConfig, ResearchRun
from .servqual import (Crosshair, Weights, combine_means, combine_summary, crosshair, item_gaps, point_weights,
                       quadrant, rating_weights, respondent_dimension_means, summary_gap)

DEFAULT_WEIGHTS = {"customer_gap": 0.5, "promises": 0.3, "checklist": 0.2}
HARDWARE_ELEMENTS = set(TRIANGLE["hardware"])


class Config(ChecklistConfig, ResearchConfig):
    """Settings and review answers of the outcome-gap module (``modules.outcome_gap``)."""

    questions = QUESTIONS
    default_weights = DEFAULT_WEIGHTS

    checklist: ChecklistField = Field(None, description="review answers: {question id: yes/partly/no/na}")
    confidence: float = Field(0.95, gt=0.5, lt=1, description="confidence level of every interval")
    min_respondents: int = Field(MIN_RESPONDENTS, ge=2, le=1_000_000,
                                 description="respondents needed before the customer gap is scored, and before an "
                                             "item of summary data counts in it (default 10, the rule of every module)")
    small_sample: int = Field(SMALL_SAMPLE, ge=2, le=1_000_000,
                              description="respondents below which the sample is flagged as small (default 30)")
    min_answered_share: float = Field(0.0, ge=0, le=1, description="share of a dimension's items a respondent "
                                      "must answer (E and P) to count in it; 0 = at least one item")
    tolerance: float | None = Field(None, gt=0, description="shortfall (scale points) that counts as material "
                                                            "(default: 10% of the scale range)")
    zero_gap: float | None = Field(None, gt=0, description="shortfall (scale points) at which the customer-gap "
                                                           "sub-score reaches 0 (default: a third of the range)")
    score_basis: Literal["weighted", "unweighted"] = Field(
        "weighted", description="SERVQUAL score behind the sub-score: importance-weighted when customers gave "
                                "importance, else unweighted")
    alpha_threshold: float = Field(0.70, gt=0, lt=1, description="Cronbach's alpha below which a dimension is "
                                                                 "flagged as unreliable")
    ipa_importance: Literal["auto", "importance", "expectation", "derived"] = Field(
        "auto", description="importance axis of the IPA grid: customers' importance ratings, or their expectations "
                            "as a stand-in; auto = ratings when collected; derived = relative weights on the "
                            "overall question (revised IPA; needs survey.overall_column)")
    ipa_crosshair: Crosshair = Field("data_mean", description="where the IPA grid is split: data_mean (mean of the "
                                     "item means), data_median or scale_midpoint")
    promise_target: float = Field(0.95, gt=0, le=1, description="share of occasions a promise must be kept")
    min_promise_checks: int = Field(10, ge=1, description="checked occasions (all promises) needed before "
                                                         "promise keeping is scored")
    weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS),
                                      description="sub-score weights: customer_gap, promises, checklist")


def _r(x: float | None, digits: int = 3) -> float | None:
    return None if x is None else round(x, digits)


def _est(e: stats.Estimate | None) -> dict[str, Any] | None:
    if e is None or e.value is None:
        return None
    return {"value": _r(e.value), "ci_low": _r(e.low), "ci_high": _r(e.high), "n": e.n}


def _pct(x: float | None) -> float | None:
    return None if x is None else round(100 * x, 1)


@memo
def _alphas(gap_columns: list[list[float | None]], perception_columns: list[list[float | None]], n: int,
            confidence: float) -> tuple[stats.AlphaResult, stats.AlphaResult]:
    """Cronbach's alpha of one dimension's item gaps and of its perceptions (respondents as rows)."""
    gap_rows = [[col[r] for col in gap_columns] for r in range(n)]
    perf_rows = [[col[r] for col in perception_columns] for r in range(n)]
    return stats.cronbach_alpha(gap_rows, confidence), stats.cronbach_alpha(perf_rows, confidence)


class OutcomeGap(AuditModule):
    """Gaps 4 and 5: promise keeping, the customer gap (SERVQUAL, SERVPERF), reliability and IPA."""

    id = "outcome_gap"
    title = {"en": "Outcome gap: promises and customer expectations", "zh": "疗效差距：承诺与顾客期望"}
    description = {
        "en": "Does what customers receive match what was promised and what they expect? Promise keeping, the "
              "SERVQUAL customer gap with its reliability, and the importance–performance grid.",
        "zh": "顾客得到的服务是否与承诺和期望相符？包括承诺兑现、SERVQUAL 顾客差距及其信度，以及重要性—表现分析。",
    }
    version = "1.0"
    order = 400
    Config = Config
    reads = frozenset({"survey.expectation", "survey.perception", "survey.importance", "survey.points",
                       "evidence.promises", "evidence.promise_checks"})

    def run(self, ctx: ModuleContext) -> ModuleResult:
        return _Run(ctx).result()


class _Run(ResearchRun, ModuleRun):
    """One run of the module: the pieces of the result, filled part by part."""

    cfg: Config

    def __init__(self, ctx: ModuleContext):
        super().__init__(ctx)
        self.survey: SurveyData | None = ctx.survey
        self.importance = self.survey.customer_importance() if self.survey else {}
        self.data = {"scale": None, "tolerance": None, "zero_gap": None, "customer_gap": None, "ipa": None,
                     "zone": None, "drivers": None, "scale_items": None, "promises": []}
        self.gaps: dict[str, stats.Estimate] = {}  # item id → P − E
        self.customer_ci: tuple[float, float] | tuple[None, None] = (None, None)
        self.promise_ci: tuple[float | None, float | None] = (None, None)
        if self.survey is not None:
            sc = self.survey.scale
            self.range = sc.max - sc.min
            self.tolerance = self.cfg.tolerance or 0.1 * self.range
            self.zero_gap = self.cfg.zero_gap or self.range / 3
            self.data.update(scale={"min": sc.min, "max": sc.max}, tolerance=_r(self.tolerance),
                             zero_gap=_r(self.zero_gap))
        self.data.update(confidence=self.cfg.confidence, promise_target=self.cfg.promise_target)

    def ci(self, low: float | None, high: float | None, fmt: str = "+.2f") -> str:
        if low is None or high is None:
            return self.ctx.tr("no interval", "无区间")
        return f"[{low:{fmt}}, {high:{fmt}}]"

    # --- assembling ---------------------------------------------------------------

    def result(self) -> ModuleResult:
        ctx, cfg = self.ctx, self.cfg
        customer = self.customer_gap() if self.survey is not None else None
        promises = self.promises()
        check = self.add_checklist(QUESTIONS, QUESTION_REMEDIES, metric_first=True)
        subscores = {"customer_gap": customer, "promises": promises, "checklist": check.score}
        score = combine_subscores(subscores, cfg.weights)
        self.metrics = [
            Metric(id="outcome_gap.customer_gap", label=ctx.tr("Customer-gap sub-score", "顾客差距子得分"),
                   value=customer, unit="/100", n=self.data.get("customer_n"),
                   ci_low=self.customer_ci[0] if customer is not None else None,
                   ci_high=self.customer_ci[1] if customer is not None else None),
            Metric(id="outcome_gap.promises", label=ctx.tr("Promise-keeping sub-score", "承诺兑现子得分"),
                   value=promises, unit="/100", n=self.data.get("promise_n"),
                   ci_low=self.promise_ci[0] if promises is not None else None,
                   ci_high=self.promise_ci[1] if promises is not None else None),
        ] + self.metrics
        self.data.update(subscores=subscores, weights=cfg.weights)
        self.data.pop("customer_n", None)
        self.data.pop("promise_n", None)
        if self.survey is None:
            self.note(ctx.tr("customer gap", "顾客差距"),
                      ctx.tr("No customer survey: the customer gap (Gap 5) is not measured.",
                             "没有顾客调查数据：未测量顾客差距（差距五）。"), warning=True)
        if score is not None and customer is None:
            self.note(ctx.tr("score basis", "得分依据"),
                      ctx.tr("The score does not include the customer gap, which could not be scored.",
                             "本模块得分不含顾客差距（无法评分）。"), warning=True)
        reason = None if score is not None else ctx.tr(
            "no promise checks, no customer survey with both expectations and perceptions from enough "
            "respondents, and no answered review checklist",
            "没有承诺检查记录，没有受访者足够且同时包含期望与感知的顾客调查，复核清单也未作答")
        return self.finish(score, reason)

    # --- Gap 5: the customer gap ----------------------------------------------------------

    def customer_gap(self) -> float | None:
        """Item, dimension and overall gaps, reliability and IPA; returns the customer-gap sub-score."""
        ctx, cfg, survey = self.ctx, self.cfg, self.survey
        assert survey is not None
        conf = cfg.confidence
        dims = {d: [i.id for i in survey.items if i.dimension == d] for d in survey.dimensions()}
        sc = survey.scale
        span = sc.max - sc.min

        def clip(kind: str, est: stats.Estimate) -> stats.Estimate:  # INTERVAL_RULE
            return bounded(est, -span, span) if kind == "gap" else bounded(est, sc.min, sc.max)

        if survey.raw:
            per_item = item_gaps(survey)
            self.gaps = {i: clip("gap", stats.mean_difference_ci(survey.expectation[i], survey.perception[i], conf))
                         for i in per_item}
            n = len(survey.respondents)
            gap_dims = respondent_dimension_means(per_item, dims, n, cfg.min_answered_share)
            perf_dims = respondent_dimension_means(survey.perception, dims, n, cfg.min_answered_share)
            dim_gap = {d: clip("gap", stats.mean_ci(v, conf)) for d, v in gap_dims.items()}
            dim_perf = {d: clip("perception", stats.mean_ci(v, conf)) for d, v in perf_dims.items()}

            def combine(kind: str, weights: dict[str, float]) -> stats.Estimate:
                return clip(kind, combine_means(gap_dims if kind == "gap" else perf_dims, weights, conf))
        else:
            self.gaps = {i.id: clip("gap", g) for i in survey.items
                         if (g := summary_gap(survey, i.id, conf)) is not None}
            perf = {i.id: e for i in survey.items
                    if (e := survey.mean_estimate("perception", i.id, conf)) is not None}
            # an item answered by too few respondents is shown, but not combined (MIN_N_RULE): it would
            # otherwise make the whole customer gap rest on its n
            gaps_used = self.enough_respondents(self.gaps)
            perf_used = {i: e for i, e in perf.items() if e.n >= cfg.min_respondents}
            dim_gap = {d: combine_summary(gaps_used, {i: 1.0 for i in ids}, conf) for d, ids in dims.items()}
            dim_perf = {d: combine_summary(perf_used, {i: 1.0 for i in ids}, conf) for d, ids in dims.items()}

            def combine(kind: str, weights: dict[str, float]) -> stats.Estimate:
                return combine_summary(dim_gap if kind == "gap" else dim_perf, weights, conf)

        self.gaps = {i: g for i, g in self.gaps.items() if g.value is not None}
        weights = self.dimension_weights(dims)
        equal = {d: 1.0 for d in dims}
        servqual = combine("gap", equal)
        servqual_w = combine("gap", weights.values) if weights else None
        servperf = combine("perception", equal)
        servperf_w = combine("perception", weights.values) if weights else None
        use_weighted = cfg.score_basis == "weighted" and servqual_w is not None and servqual_w.value is not None
        used = servqual_w if use_weighted else servqual
        if servqual_w is not None and servqual_w.value is None and servqual.value is not None:
            self.note(ctx.tr("weighted score", "加权得分"),
                      ctx.tr("Customers gave the dimensions with answers no importance at all (importance weights "
                             "summing to zero): there is no importance data to weight by, so only the unweighted "
                             "score is given.", "顾客对有回答的维度给出的重要性全部为零（权重之和为零）：没有可用于加权的重要性数据，"
                             "仅给出未加权得分。"), warning=True)
        # reliability, the zone of tolerance, drivers and the importance–performance grid describe the gap
        # but do not score it: skipped when only the score is wanted (measuring an action's impact)
        describe = not ctx.scores_only
        alphas = self.reliability(dims) if survey.raw and describe else {}

        items = self.item_rows()
        dim_rows = self.dimension_rows(dims, dim_gap, dim_perf, weights, alphas)
        self.data["customer_gap"] = {
            "source": "raw" if survey.raw else "summary", "respondents": used.n if used else 0,
            "items": items, "dimensions": dim_rows,
            "servqual": {"unweighted": _est(servqual), "weighted": _est(servqual_w),
                         "weights_basis": weights.basis if weights else None,
                         "used": "weighted" if use_weighted else "unweighted"},
            "servperf": {"unweighted": _est(servperf), "weighted": _est(servperf_w)},
        }
        self.score_metrics(servqual, servqual_w, servperf, servperf_w, weights)
        self.missing_notes(dims)
        self.dimension_findings(dim_rows)
        if survey.raw and describe:
            self.zone_of_tolerance(dims)
            self.driver_analysis(dims)
            self.scale_items(dims)
        if describe:
            self.ipa(items)
        for row in items:
            for key in [k for k in row if k.startswith("_")]:
                del row[key]

        if used is None or used.value is None:
            self.note(ctx.tr("customer gap", "顾客差距"),
                      ctx.tr("No item has both an expectation and a perception answer: only perceptions "
                             "(SERVPERF) are reported and the customer gap is not scored.",
                             "没有同时具备期望与感知回答的题项：仅报告感知得分（SERVPERF），顾客差距不评分。"),
                      warning=True)
            return None
        self.data["customer_n"] = used.n
        if used.n < cfg.small_sample:
            self.note(ctx.tr("small sample", "样本量小"),
                      ctx.tr("{n} respondents (fewer than {m}): intervals are wide; read the gaps as indications.",
                             "受访者 {n} 人（少于 {m} 人）：区间较宽，差距只作参考。", n=used.n, m=cfg.small_sample),
                      used.n, warning=True)
        if used.n < cfg.min_respondents:
            self.findings.append(Finding(
                id="outcome_gap.too_few_respondents", severity="medium",
                title=ctx.tr("Too few respondents to score the customer gap: {n} of the {m} needed",
                             "受访者太少，无法评定顾客差距：仅 {n} 人，至少需要 {m} 人", n=used.n,
                             m=cfg.min_respondents),
                detail=ctx.tr("The gaps are shown with their intervals but give no sub-score. Survey at least "
                              "{more} more customers.", "差距仅附区间展示，不计算子得分。请至少再调查 {more} 位顾客。",
                              more=cfg.min_respondents - used.n)))
            return None
        if used.has_interval:
            self.customer_ci = (self.gap_to_score(used.low), self.gap_to_score(used.high))  # type: ignore[arg-type]
        return self.gap_to_score(used.value)

    def enough_respondents(self, gaps: dict[str, stats.Estimate]) -> dict[str, stats.Estimate]:
        """Summary data: the item gaps with at least ``min_respondents`` answers; a note names the rest."""
        ctx, cfg = self.ctx, self.cfg
        few = {i: g for i, g in gaps.items() if g.n < cfg.min_respondents}
        if few and len(few) < len(gaps):
            self.note(ctx.tr("too few answers", "作答人数不足"),
                      ctx.tr("Items answered by fewer than {m} respondents are shown as indications and left out of "
                             "the dimension and overall gaps: {ids}.",
                             "作答少于 {m} 人的题项仅供参考，不计入维度差距和总体差距：{ids}。", m=cfg.min_respondents,
                             ids=", ".join(f"{i} (n = {g.n})" for i, g in few.items())), len(few), warning=True)
            return {i: g for i, g in gaps.items() if i not in few}
        return gaps

    def gap_to_score(self, gap: float) -> float:
        """100 when perceptions meet or exceed expectations, falling linearly to 0 at −zero_gap."""
        return round(100 * min(1.0, max(0.0, 1.0 + gap / self.zero_gap)), 1)

    def dimension_weights(self, dims: dict[str, list[str]]) -> Weights | None:
        ctx, survey = self.ctx, self.survey
        assert survey is not None
        weights = point_weights(survey, list(dims)) if survey.raw else None
        if weights is None:
            weights = rating_weights(survey, dims)
        if weights is None:
            self.note(ctx.tr("weighted score", "加权得分"),
                      ctx.tr("Customers gave no importance for every dimension (100-point allocation or item "
                             "ratings): only the unweighted scores are given.",
                             "顾客未对每个维度给出重要性（100 分分配或题项重要性评分）：仅给出未加权得分。"))
        elif weights.basis == "points":
            if weights.excluded:
                self.note(ctx.tr("importance points", "重要性分配"),
                          ctx.tr("{x} respondent(s) left some dimensions without points (or gave 0 in total) and "
                                 "are left out of the weights.",
                                 "{x} 位受访者未给所有维度分配分数（或总分为 0），不计入权重。", x=weights.excluded),
                          weights.n, warning=True)
            if weights.off_total:
                self.note(ctx.tr("importance points", "重要性分配"),
                          ctx.tr("{o} allocation(s) did not add up to 100 and were rescaled to their own total.",
                                 "{o} 份分配的总和不等于 100，已按各自总和折算。", o=weights.off_total), weights.n)
        return weights

    def reliability(self, dims: dict[str, list[str]]) -> dict[str, tuple[stats.AlphaResult, stats.AlphaResult]]:
        """Cronbach's alpha of each dimension's gap scores (and perceptions), listwise per dimension."""
        survey = self.survey
        assert survey is not None
        gaps = item_gaps(survey)
        n = len(survey.respondents)
        return {dim: _alphas([gaps[i] for i in ids], [survey.perception[i] for i in ids], n, self.cfg.confidence)
                for dim, ids in dims.items()}

    def status(self, est: stats.Estimate | None) -> str | None:
        if est is None or est.value is None:
            return None
        if est.value <= -self.tolerance:
            return "shortfall" if est.high is not None and est.high < 0 else "possible_shortfall"
        return "ok"

    def item_rows(self) -> list[dict[str, Any]]:
        survey, conf = self.survey, self.cfg.confidence
        assert survey is not None
        rows = []
        for item in survey.items:
            g = self.gaps.get(item.id)
            means = {k: survey.mean_estimate(k, item.id, conf) for k in ("expectation", "perception", "importance")}
            rows.append({
                "id": item.id, "text": item.text, "dimension": item.dimension,
                **{k: _r(e.value) if e else None for k, e in means.items()},
                "gap": _r(g.value) if g else None, "ci_low": _r(g.low) if g else None,
                "ci_high": _r(g.high) if g else None, "n": g.n if g else 0, "status": self.status(g),
                "_perf": means["perception"], "_exp": means["expectation"], "_imp": means["importance"],
                "_item": item})
        for r in rows:
            if r["gap"] is not None:
                self.metrics.append(Metric(id=f"outcome_gap.item.{r['id']}", label=r["text"], value=r["gap"],
                                           unit=self.ctx.tr("P − E", "P − E"), n=r["n"], ci_low=r["ci_low"],
                                           ci_high=r["ci_high"]))
        return rows

    def dimension_rows(self, dims: dict[str, list[str]], dim_gap: dict[str, stats.Estimate],
                       dim_perf: dict[str, stats.Estimate], weights: Weights | None,
                       alphas: dict[str, tuple[stats.AlphaResult, stats.AlphaResult]]) -> list[dict[str, Any]]:
        ctx, cfg = self.ctx, self.cfg
        rows = []
        for dim, ids in dims.items():
            g, p = dim_gap.get(dim), dim_perf.get(dim)
            a, pa = alphas.get(dim, (None, None))
            reliable = None if a is None or a.alpha is None else a.alpha >= cfg.alpha_threshold
            rows.append({
                "dimension": dim, "label": ctx.label(dim), "items": len(ids),
                "gap": _r(g.value) if g else None, "ci_low": _r(g.low) if g else None,
                "ci_high": _r(g.high) if g else None, "n": g.n if g else 0, "status": self.status(g),
                "perception": _r(p.value) if p else None, "perception_low": _r(p.low) if p else None,
                "perception_high": _r(p.high) if p else None,
                "weight": _r(weights.values.get(dim), 4) if weights else None,
                "alpha": _r(a.alpha) if a else None, "alpha_low": _r(a.low) if a else None,
                "alpha_high": _r(a.high) if a else None, "alpha_n": a.n if a else None,
                "alpha_excluded": a.n_excluded if a else None, "reliable": reliable,
                "perception_alpha": _r(pa.alpha) if pa else None,
            })
            if g is not None and g.value is not None:
                self.metrics.append(Metric(id=f"outcome_gap.dimension.{dim}", label=ctx.label(dim),
                                           value=_r(g.value), unit=ctx.tr("P − E", "P − E"), n=g.n,
                                           ci_low=_r(g.low), ci_high=_r(g.high)))
            if a is not None and a.alpha is not None:
                self.metrics.append(Metric(id=f"outcome_gap.alpha.{dim}",
                                           label=ctx.tr("Cronbach's alpha: {d}", "Cronbach α 系数：{d}",
                                                        d=ctx.label(dim)),
                                           value=_r(a.alpha), n=a.n, ci_low=_r(a.low), ci_high=_r(a.high)))
        self.reliability_findings(rows)
        return rows

    def score_metrics(self, servqual: stats.Estimate, servqual_w: stats.Estimate | None, servperf: stats.Estimate,
                      servperf_w: stats.Estimate | None, weights: Weights | None) -> None:
        ctx = self.ctx
        for mid, label, est in (
                ("servqual", ctx.tr("SERVQUAL score (unweighted)", "SERVQUAL 得分（未加权）"), servqual),
                ("servqual_weighted", ctx.tr("SERVQUAL score (weighted by importance)", "SERVQUAL 得分（按重要性加权）"),
                 servqual_w),
                ("servperf", ctx.tr("SERVPERF score (perception only, unweighted)", "SERVPERF 得分（仅感知，未加权）"),
                 servperf),
                ("servperf_weighted", ctx.tr("SERVPERF score (weighted by importance)", "SERVPERF 得分（按重要性加权）"),
                 servperf_w)):
            if est is not None and est.value is not None:
                unit = ctx.tr("P − E", "P − E") if mid.startswith("servqual") else ctx.tr("scale points", "分")
                self.metrics.append(Metric(id=f"outcome_gap.{mid}", label=label, value=_r(est.value), unit=unit,
                                           n=est.n, ci_low=_r(est.low), ci_high=_r(est.high)))

    def missing_notes(self, dims: dict[str, list[str]]) -> None:
        ctx, survey = self.ctx, self.survey
        assert survey is not None
        if not survey.raw:
            self.note(ctx.tr("summary data", "汇总数据"),
                      ctx.tr("The survey is given as per-item summaries: a dimension's gap is the mean of its item "
                             "gaps, and its interval is conservative (as if the items were perfectly correlated); "
                             "no reliability can be computed.",
                             "调查以题项汇总形式提供：维度差距为其题项差距的平均值，区间按保守方法计算（视各题项完全相关）；"
                             "无法计算信度。"), survey.n)
            return
        n = len(survey.respondents)
        pairs = n * len(survey.items)
        missing = sum(n - g.n for g in self.gaps.values()) + n * (len(survey.items) - len(self.gaps))
        if missing:
            self.note(ctx.tr("missing answers", "缺失回答"),
                      ctx.tr("{m} of {t} respondent–item pairs lack an expectation or a perception (blank or 'not "
                             "applicable'); they are left out respondent by respondent.",
                             "{t} 个“受访者—题项”组合中有 {m} 个缺少期望或感知回答（空白或“不适用”），按受访者逐一剔除。",
                             m=missing, t=pairs), n)

    def dimension_findings(self, rows: list[dict[str, Any]]) -> None:
        ctx = self.ctx
        short = sorted((r for r in rows if r["status"] in ("shortfall", "possible_shortfall")),
                       key=lambda r: (r["gap"], r["dimension"]))
        if not short:
            return
        confirmed = [r for r in short if r["status"] == "shortfall"]
        self.findings.append(Finding(
            id="outcome_gap.dimension_shortfall", severity="high" if confirmed else "medium",
            title=ctx.tr("Perceptions fall short of expectations in {n} dimension(s) ({c} clearly)",
                         "{n} 个维度的顾客感知低于期望（其中 {c} 个明确低于）", n=len(short), c=len(confirmed)),
            detail=ctx.tr("A shortfall of at least {t:.2f} scale points counts as material; 'clearly' means the "
                          "whole interval is below zero.",
                          "差距达到 {t:.2f} 分及以上视为显著；“明确”指整个区间都在 0 以下。", t=self.tolerance),
            evidence=[ctx.tr("{d}: {g:+.2f} {ci}, n = {n}", "{d}：{g:+.2f} {ci}，n = {n}", d=r["label"], g=r["gap"],
                             ci=self.ci(r["ci_low"], r["ci_high"]), n=r["n"]) for r in short]))

    def reliability_findings(self, rows: list[dict[str, Any]]) -> None:
        ctx, cfg = self.ctx, self.cfg
        weak = [r for r in rows if r["reliable"] is False]
        single = [r["label"] for r in rows if r["items"] < 2]
        if single:
            self.note(ctx.tr("reliability", "信度"),
                      ctx.tr("Cronbach's alpha needs at least two items; not computed for: {d}.",
                             "Cronbach α 至少需要两个题项；以下维度未计算：{d}。", d=", ".join(single)))
        if not weak:
            return
        lines = [ctx.tr("{d}: alpha {a:.2f} {ci}, n = {n} ({x} respondents with a missing item left out)",
                        "{d}：α = {a:.2f} {ci}，n = {n}（{x} 位有缺答的受访者未计入）", d=r["label"], a=r["alpha"],
                        ci=self.ci(r["alpha_low"], r["alpha_high"], ".2f"), n=r["alpha_n"], x=r["alpha_excluded"])
                 for r in weak]
        self.findings.append(Finding(
            id="outcome_gap.unreliable_dimensions", severity="medium",
            title=ctx.tr("{n} dimension(s) measured unreliably (alpha below {t:.2f})",
                         "{n} 个维度的测量信度不足（α 低于 {t:.2f}）", n=len(weak), t=cfg.alpha_threshold),
            detail=ctx.tr("Their items do not hang together, so read their gaps with caution and revise the "
                          "questionnaire items before the next survey.",
                          "这些维度的题项一致性不足，其差距应谨慎解读，并在下次调查前修订相关题项。"),
            evidence=lines))
        self.note(ctx.tr("reliability", "信度"),
                  ctx.tr("Unreliable dimensions (alpha below {t:.2f}): {d}; their gaps are indications only.",
                         "信度不足的维度（α 低于 {t:.2f}）：{d}；其差距仅供参考。", t=cfg.alpha_threshold,
                         d=", ".join(r["label"] for r in weak)), warning=True)

    # --- importance–performance ---------------------------------------------------------------

    def ipa(self, items: list[dict[str, Any]]) -> None:
        """Place items in the IPA grid; 'concentrate here' items (and clear shortfalls) become actions."""
        ctx, cfg, survey = self.ctx, self.cfg, self.survey
        assert survey is not None
        has_ratings = any(r["_imp"] is not None for r in items)
        derived = self.derived_importance() if cfg.ipa_importance == "derived" else {}
        if cfg.ipa_importance == "derived" and not derived:
            self.note(ctx.tr("importance–performance", "重要性—表现分析"),
                      ctx.tr("Derived importance was asked for but is not available (no overall question, or the "
                             "driver analysis could not run): the grid uses stated importance instead.",
                             "设置要求使用推导重要性，但无法获得（没有总体问题，或驱动因素分析无法进行）：改用顾客陈述的重要性。"),
                      warning=True)
        if derived:
            for r in items:
                r["_drv"] = derived.get(r["id"])
            x_basis, key, xs = "derived", "_drv", LikertScale(min=0, max=100)
        elif cfg.ipa_importance == "importance" or (cfg.ipa_importance in ("auto", "derived") and has_ratings):
            x_basis, key, xs = "importance", "_imp", survey.importance_scale
        else:
            x_basis, key, xs = "expectation", "_exp", survey.scale
        placed = [r for r in items if r[key] is not None and r["_perf"] is not None]
        if len(placed) < 2:
            self.note(ctx.tr("importance–performance", "重要性—表现分析"),
                      ctx.tr("Fewer than two items have both {x} and perception means: no IPA grid.",
                             "同时具备{x}与感知均值的题项少于两个：无法进行重要性—表现分析。",
                             x=ctx.tr(x_basis, {"importance": "重要性", "derived": "推导重要性"}.get(x_basis, "期望"))))
            self.item_actions(items, {}, None)
            return
        if x_basis == "expectation":
            self.note(ctx.tr("importance–performance", "重要性—表现分析"),
                      ctx.tr("Customers did not rate importance per item: the IPA grid uses their expectations as "
                             "the importance axis.", "顾客未对题项重要性评分：重要性—表现分析以期望值作为重要性坐标。"))
        x_vals = [r[key].value for r in placed]
        y_vals = [r["_perf"].value for r in placed]
        # derived weights have no scale midpoint: their equal-share line (the mean) stands in
        x_rule = "data_mean" if x_basis == "derived" and cfg.ipa_crosshair == "scale_midpoint" else cfg.ipa_crosshair
        x_cross = crosshair(x_vals, x_rule, xs.min, xs.max)
        y_cross = crosshair(y_vals, cfg.ipa_crosshair, survey.scale.min, survey.scale.max)
        points, quads = [], {}
        for r, x, y in zip(placed, x_vals, y_vals):
            q = quadrant(x, y, x_cross, y_cross)
            quads[r["id"]] = q
            points.append({"id": r["id"], "text": r["text"], "dimension": r["dimension"], "importance": _r(x),
                           "performance": _r(y), "quadrant": q})
        self.data["ipa"] = {"x_basis": x_basis, "crosshair": cfg.ipa_crosshair, "x_cross": _r(x_cross),
                            "y_cross": _r(y_cross), "x_scale": {"min": xs.min, "max": xs.max},
                            "y_scale": {"min": survey.scale.min, "max": survey.scale.max}, "points": points}
        overkill = [r for r in placed if quads[r["id"]] == "possible_overkill"]
        if overkill:
            self.findings.append(Finding(
                id="outcome_gap.possible_overkill", severity="info",
                title=ctx.tr("{n} item(s) perform well but matter less to customers",
                             "{n} 个题项表现较好但对顾客不太重要", n=len(overkill)),
                detail=ctx.tr("Effort spent here could move to the 'concentrate here' items.",
                              "可将投入在这些题项上的精力转移到“重点改进”题项。"),
                evidence=[f"{r['id']}: {r['text']}" for r in overkill]))
        self.item_actions(items, quads, y_cross)

    def item_actions(self, items: list[dict[str, Any]], quads: dict[str, str], y_cross: float | None) -> None:
        """One action per 'concentrate here' item, and per other item with a clear material shortfall."""
        ctx = self.ctx
        focus = [r for r in items if quads.get(r["id"]) == "concentrate_here"]
        other = [r for r in items if quads.get(r["id"]) != "concentrate_here" and r["status"] == "shortfall"]
        if focus:
            self.findings.append(Finding(
                id="outcome_gap.concentrate_here", severity="high" if any(r["status"] == "shortfall" for r in focus)
                else "medium",
                title=ctx.tr("{n} item(s) important to customers but performing below the rest: concentrate here",
                             "{n} 个题项对顾客重要但表现较差：需重点改进", n=len(focus)),
                evidence=[self.item_line(r) for r in focus],
                facts=[self.item_fact(r) for r in focus if r["status"] in ("shortfall", "possible_shortfall")]))
        if other:
            self.findings.append(Finding(
                id="outcome_gap.item_shortfall", severity="medium",
                title=ctx.tr("{n} other item(s) clearly below customers' expectations",
                             "另有 {n} 个题项明确低于顾客期望", n=len(other)),
                evidence=[self.item_line(r) for r in other], facts=[self.item_fact(r) for r in other]))
        for r in focus + other:
            self.actions.append(self.item_action(r, r in focus, y_cross))

    def item_fact(self, r: dict[str, Any]) -> Fact:
        """The item's customer gap in one plain line."""
        ctx = self.ctx
        if r["gap"] is None:
            text = ctx.tr("customers rate '{t}' {p:.1f} on a {lo}–{hi} scale, below the rest of the service",
                          "顾客对“{t}”的评分为 {p:.1f}（{lo}–{hi} 分制），低于其他方面", t=r["text"], p=r["perception"],
                          lo=self.survey.scale.min, hi=self.survey.scale.max)
        else:
            text = ctx.tr("customers expect {e:.1f} of '{t}' and experience {p:.1f} ({lo}–{hi} scale)",
                          "顾客对“{t}”的期望为 {e:.1f}，实际感受为 {p:.1f}（{lo}–{hi} 分制）", t=r["text"],
                          e=r["expectation"], p=r["perception"], lo=self.survey.scale.min, hi=self.survey.scale.max)
        return Fact(about=f"item:{r['id']}", link="outcome", kind="customer_gap",
                    value=r["gap"] if r["gap"] is not None else r["perception"], text=text)

    def item_line(self, r: dict[str, Any]) -> str:
        ctx = self.ctx
        perf = r["_perf"].value  # exact values: the row's are rounded for the data, not for a second rounding
        g = self.gaps.get(r["id"])
        if g is None:
            return ctx.tr("{id} {text}: perception {p:.2f}", "{id} {text}：感知 {p:.2f}", id=r["id"], text=r["text"],
                          p=perf)
        return ctx.tr("{id} {text}: expected {e:.2f}, perceived {p:.2f}, gap {g:+.2f} {ci}, n = {n}",
                      "{id} {text}：期望 {e:.2f}，感知 {p:.2f}，差距 {g:+.2f} {ci}，n = {n}", id=r["id"],
                      text=r["text"], e=r["_exp"].value, p=perf, g=g.value, ci=self.ci(g.low, g.high), n=r["n"])

    def item_action(self, r: dict[str, Any], focus: bool, y_cross: float | None) -> Action:
        ctx, item = self.ctx, r["_item"]
        g = self.gaps.get(item.id)
        if focus:
            severity = "high" if r["status"] == "shortfall" else "medium"
        else:
            severity = "low"
        if g is not None:
            confidence = mean_shortfall_confidence(g.value, g.sd, g.n, 0.0)
        else:  # only perceptions: how sure it performs below the IPA line
            perf = r["_perf"]
            confidence = mean_shortfall_confidence(perf.value, perf.sd, perf.n, y_cross)
        standards = [s for s in ctx.evidence.standards if item.id in s.covers]
        owner = next((s.owner_role for s in standards if s.owner_role), None) or ctx.tr("Store manager", "店长")
        evidence = [self.item_line(r)]
        if standards:
            evidence.append(ctx.tr("covered by standard(s): {s}", "相关标准：{s}",
                                   s=", ".join(f"{s.id} {s.title}" for s in standards)))
        else:
            evidence.append(ctx.tr("no written standard covers this item", "没有书面标准覆盖此题项"))
        hardware = item.factor == "hardware" or item.element in HARDWARE_ELEMENTS
        title = (ctx.tr("Close the gap on '{text}' ({d}): deliver what customers expect here first",
                        "缩小“{text}”（{d}）的差距：优先满足顾客在这方面的期望", text=item.text,
                        d=ctx.label(item.dimension)) if focus else
                 ctx.tr("Close the gap on '{text}' ({d})", "缩小“{text}”（{d}）的差距", text=item.text,
                        d=ctx.label(item.dimension)))
        targets, note = [], ""
        if g is not None and g.value is not None and g.value < -self.tolerance:
            targets = [SurveyGapTarget(
                item=item.id, value=round(-self.tolerance, 4), about=f"item:{item.id}",
                metric=f"outcome_gap.item.{item.id}", goal=round(-self.tolerance, 4),
                label=ctx.tr("customers' gap on '{t}' closes to −{tol:.2f}", "顾客对“{t}”的差距缩小到 −{tol:.2f}",
                             t=item.text, tol=self.tolerance))]
        else:
            note = ctx.tr("the item's gap is within the tolerance; it is named for its place in the "
                          "importance–performance grid, which no single target moves",
                          "该题项的差距在容差以内；列出它是因为其在重要性—表现分析中的位置，单一目标无法衡量")
        return ctx.action(
            f"outcome_gap.item.{item.id}", title, about=[f"item:{item.id}"], targets=targets, impact_note=note,
            rationale=ctx.tr("Customers rate this item important and perceive it below the rest of the service "
                             "(importance–performance grid: concentrate here).",
                             "顾客认为该题项重要，但感知表现低于其他方面（重要性—表现分析：重点改进）。") if focus else
            ctx.tr("Customers perceive this item clearly below what they expect.", "顾客对该题项的感知明确低于期望。"),
            severity=severity, importance=self.importance.get(item.id), confidence=confidence, owner_role=owner,
            horizon="long" if hardware else "short", kind="capex" if hardware else "management",
            evidence=evidence,
            finding_ids=["outcome_gap.concentrate_here" if focus else "outcome_gap.item_shortfall"])

    # --- Gap 4: promises ---------------------------------------------------------------------

    def promises(self) -> float | None:
        """Fulfilment of every promise; returns the promise-keeping sub-score."""
        ctx, cfg, ev = self.ctx, self.cfg, self.ctx.evidence
        if not ev.promises:
            self.note(ctx.tr("promises", "承诺"),
                      ctx.tr("No external promises were recorded: promise keeping (Gap 4) is not measured.",
                             "未记录任何对外承诺：未测量承诺兑现情况（差距四）。"))
            return None
        records = promise_records(ev.promises, ev.promise_checks, cfg.promise_target, cfg.confidence)
        rows = []
        for rec in records:
            inflated = [i for i in rec.promise.items if (g := self.gaps.get(i)) is not None
                        and g.high is not None and g.high < 0]
            e = rec.estimate
            rows.append({"id": rec.promise.id, "text": rec.promise.text, "channel": rec.promise.channel,
                         "items": list(rec.promise.items), "kept": rec.kept, "total": rec.total,
                         "rate": _r(e.value, 4), "ci_low": _r(e.low, 4), "ci_high": _r(e.high, 4),
                         "source": rec.source, "status": rec.status, "inflated_items": inflated})
            if rec.total:
                self.metrics.append(Metric(id=f"outcome_gap.promise.{rec.promise.id}", label=rec.promise.text,
                                           value=_pct(e.value), unit="%", n=rec.total, ci_low=_pct(e.low),
                                           ci_high=_pct(e.high)))
        self.data["promises"] = rows
        both = [r.promise.id for r in records if r.both_given]
        if both:
            self.note(ctx.tr("promise checks", "承诺检查"),
                      ctx.tr("Promise(s) {p} have both kept/total counts and individual checks; the individual "
                             "checks were used and the counts ignored, so no occasion is counted twice.",
                             "承诺 {p} 同时给出了兑现次数汇总和逐次检查记录；已采用逐次检查记录、忽略汇总数，避免重复计数。",
                             p=", ".join(both)), warning=True)
        self.promise_findings(records, rows)
        kept = sum(r.kept for r in records)
        total = sum(r.total for r in records)
        pooled = stats.proportion(kept, total, cfg.confidence)
        self.metrics.append(Metric(id="outcome_gap.promises_pooled",
                                   label=ctx.tr("Promises kept, all occasions pooled", "承诺兑现率（全部检查合并）"),
                                   value=_pct(pooled.value), unit="%", n=total, ci_low=_pct(pooled.low),
                                   ci_high=_pct(pooled.high)))
        if total == 0:
            return None
        self.data["promise_n"] = total
        if total < cfg.min_promise_checks:
            self.findings.append(Finding(
                id="outcome_gap.too_few_promise_checks", severity="low",
                title=ctx.tr("Too few promise checks to score promise keeping: {n} of the {m} needed",
                             "承诺检查次数太少，无法评定承诺兑现：仅 {n} 次，至少需要 {m} 次", n=total,
                             m=cfg.min_promise_checks),
                detail=ctx.tr("Each promise's rate is shown with its interval but gives no sub-score.",
                              "各项承诺的兑现率仅附区间展示，不计算子得分。")))
            self.note(ctx.tr("promise checks", "承诺检查"),
                      ctx.tr("{n} checked occasion(s); at least {m} are needed to score promise keeping.",
                             "共检查 {n} 次；至少需要 {m} 次才能评定承诺兑现。", n=total, m=cfg.min_promise_checks),
                      total, warning=True)
            return None
        self.promise_ci = (_pct(pooled.low), _pct(pooled.high))
        return round(100 * kept / total, 1)

    def promise_line(self, row: dict[str, Any]) -> str:
        return self.ctx.tr("{id} '{text}' ({ch}): kept {k} of {n} times, {r:.0%} [{lo:.0%}–{hi:.0%}]",
                           "{id}“{text}”（{ch}）：{n} 次中兑现 {k} 次，{r:.0%} [{lo:.0%}–{hi:.0%}]", id=row["id"],
                           text=row["text"], ch=self.channel(row["channel"]), k=row["kept"], n=row["total"],
                           r=row["rate"], lo=row["ci_low"], hi=row["ci_high"])

    def channel(self, channel: str) -> str:
        zh = {"advertising": "广告", "poster": "海报", "staff": "员工口头", "contract": "合同", "website": "网站",
              "packaging": "包装", "other": "其他"}
        return self.ctx.tr(channel, zh[channel])

    def promise_findings(self, records: list[PromiseRecord], rows: list[dict[str, Any]]) -> None:
        ctx, cfg = self.ctx, self.cfg
        over = sorted(((rec, row) for rec, row in zip(records, rows)
                       if rec.status in ("over_promise", "possible_over_promise")),
                      key=lambda rr: (rr[1]["rate"], rr[1]["id"]))
        if over:
            confirmed = sum(1 for rec, _ in over if rec.status == "over_promise")
            self.findings.append(Finding(
                id="outcome_gap.over_promises", severity="high" if confirmed else "medium",
                title=ctx.tr("{n} promise(s) kept less often than the {t:.0%} target ({c} clearly)",
                             "{n} 项承诺的兑现率低于 {t:.0%} 的目标（其中 {c} 项明确低于）", n=len(over),
                             t=cfg.promise_target, c=confirmed),
                detail=ctx.tr("A promise that is not kept raises expectations the store then disappoints.",
                              "未兑现的承诺抬高了顾客期望，随后又令顾客失望。"),
                evidence=[self.promise_line(row) for _, row in over],
                facts=[Fact(about=f"promise:{row['id']}", link="outcome", kind="promise_kept", value=row["rate"],
                            text=ctx.tr("promise '{t}' kept {k} of {n} times ({r:.0%}; target {g:.0%})",
                                        "承诺“{t}”{n} 次中兑现 {k} 次（{r:.0%}；目标 {g:.0%}）", t=row["text"],
                                        k=row["kept"], n=row["total"], r=row["rate"], g=cfg.promise_target))
                       for _, row in over]))
        for rec, row in over:
            evidence = [self.promise_line(row)]
            if row["inflated_items"]:
                evidence.append(ctx.tr("customers' perception is clearly below expectation on the item(s) it speaks "
                                       "to: {i}", "该承诺涉及的题项中顾客感知明确低于期望：{i}",
                                       i=", ".join(row["inflated_items"])))
            imps = [self.importance[i] for i in rec.promise.items if i in self.importance]
            self.actions.append(ctx.action(
                f"outcome_gap.promise.{rec.promise.id}",
                ctx.tr("Make the promise '{text}' match what operations deliver, or withdraw it",
                       "使承诺“{text}”与实际运营能力相符，否则撤回该承诺", text=rec.promise.text),
                rationale=ctx.tr("Kept on {r:.0%} of {n} checked occasions against a target of {t:.0%}.",
                                 "在 {n} 次检查中兑现率为 {r:.0%}，目标为 {t:.0%}。", r=row["rate"], n=rec.total,
                                 t=cfg.promise_target),
                severity="high" if rec.status == "over_promise" else "medium",
                importance=max(imps) if imps else None,
                confidence=rate_shortfall_confidence(rec.kept, rec.total, cfg.promise_target),
                owner_role=ctx.tr("Store manager", "店长") if rec.promise.channel == "staff" else
                ctx.tr("Marketing manager", "市场经理"),
                evidence=evidence, finding_ids=["outcome_gap.over_promises"], about=[f"promise:{rec.promise.id}"],
                targets=[self.promise_target(rec)]))
        unverified = [rec for rec in records if rec.status == "unverified"]
        if unverified:
            lines = [f"{rec.promise.id}: {rec.promise.text}" for rec in unverified]
            self.findings.append(Finding(
                id="outcome_gap.unverified_promises", severity="medium",
                title=ctx.tr("{n} promise(s) made to customers were never checked", "{n} 项对顾客的承诺从未被检查",
                             n=len(unverified)),
                detail=ctx.tr("Nobody knows whether they are kept.", "无人知道这些承诺是否兑现。"), evidence=lines))
            self.actions.append(ctx.action(
                "outcome_gap.check_promises",
                ctx.tr("Check regularly whether each published promise is kept", "定期检查每项已发布承诺的兑现情况"),
                rationale=ctx.tr("{n} promise(s) have never been checked.", "有 {n} 项承诺从未被检查。",
                                 n=len(unverified)),
                severity="medium", owner_role=ctx.tr("Marketing manager", "市场经理"), evidence=lines,
                finding_ids=["outcome_gap.unverified_promises"],
                impact_note=ctx.tr("checking promises produces evidence; no score changes until the checks are "
                                   "recorded", "检查承诺只是取得证据；在检查结果记录之前，任何得分都不会变化")))

    def promise_target(self, rec: PromiseRecord) -> Any:
        """The promise kept at the target rate: failing checks marked kept, or the kept count raised."""
        ctx, cfg, p = self.ctx, self.cfg, rec.promise
        common = dict(about=f"promise:{p.id}", metric=f"outcome_gap.promise.{p.id}",
                      goal=round(100 * cfg.promise_target, 1),
                      label=ctx.tr("promise '{t}' kept {r:.0%} of the time", "承诺“{t}”的兑现率达到 {r:.0%}", t=p.text,
                                   r=cfg.promise_target))
        if rec.source == "checks":
            return ShareTarget(table="evidence.promise_checks", where={"promise": p.id}, field="kept", meets=True,
                               value=cfg.promise_target, **common)
        return SetTarget(table="evidence.promises", where={"id": p.id},
                         changes={"kept": max(rec.kept, math.ceil(cfg.promise_target * rec.total - 1e-9))}, **common)

    # --- methodology ---------------------------------------------------------------------------

    def methodology(self) -> list[str]:
        ctx, cfg = self.ctx, self.cfg
        w = cfg.weights
        tol = getattr(self, "tolerance", None)
        zero = getattr(self, "zero_gap", None)
        lines = [
            ctx.tr(SUBSCORE_RULE, SUBSCORE_RULE_ZH) + ctx.tr(
                " Weights: customer gap {c:g}, promise keeping {p:g}, review checklist {k:g}.",
                "权重：顾客差距 {c:g}，承诺兑现 {p:g}，复核清单 {k:g}。", c=w["customer_gap"], p=w["promises"],
                k=w["checklist"]),
            ctx.tr("Customer-gap sub-score = 100 × min(1, max(0, 1 + Q ÷ {z})), Q = the SERVQUAL score ({b}): 100 "
                   "when perceptions meet or exceed expectations, falling linearly to 0 at a shortfall of {z} scale "
                   "points ({zr}). Scored only with at least {m} respondents. Its interval = the same mapping applied "
                   "to the ends of Q's interval (a monotone map, so it keeps the coverage); the promise-keeping "
                   "sub-score's interval = 100 × the Wilson interval of all occasions pooled.",
                   "顾客差距子得分 = 100 × min(1, max(0, 1 + Q ÷ {z}))，Q 为 SERVQUAL 得分（{b}）：感知达到或超过期望"
                   "时为 100，随差距线性下降，差距达 {z} 分时为 0（{zr}）。受访者不少于 {m} 人时才评分。其区间 = 对 Q 的"
                   "区间两端作同样换算（单调变换，覆盖率不变）；承诺兑现子得分的区间 = 100 × 全部检查合并后的 Wilson 区间。",
                   z="—" if zero is None else f"{zero:.3g}",
                   b=ctx.tr("weighted by importance where customers gave it, otherwise unweighted",
                            "顾客给出重要性时按重要性加权，否则不加权") if cfg.score_basis == "weighted"
                   else ctx.tr("unweighted", "未加权"),
                   zr=ctx.tr("set in the audit", "审核中设定") if cfg.zero_gap else
                   ctx.tr("default: a third of the scale's range", "默认：量表全距的三分之一"), m=cfg.min_respondents),
            ctx.tr("Item gap = P − E per respondent, averaged over the respondents who gave both answers, with a "
                   "paired t interval; a blank or 'not applicable' expectation or perception removes that item for "
                   "that respondent only.",
                   "题项差距 = 每位受访者的 P − E，对同时回答两者的受访者取平均，并给出配对 t 区间；期望或感知为空白或"
                   "“不适用”时，仅对该受访者剔除该题项。"),
            ctx.tr("Dimension gap = each respondent's mean gap over the dimension's items they answered (at least "
                   "{s}), averaged over respondents, with a t interval over respondents. Summary data: the mean of "
                   "the item gaps, with a conservative interval (the mean of the item half-widths).",
                   "维度差距 = 每位受访者在该维度已回答题项（至少{s}）上的平均差距，再对受访者取平均，并给出基于受访者的 "
                   "t 区间。汇总数据：题项差距的平均值，区间取保守值（各题项半宽的平均）。",
                   s=ctx.tr("one item", "一个题项") if cfg.min_answered_share == 0 else
                   ctx.tr("{p:.0%} of them", "其中的 {p:.0%}", p=cfg.min_answered_share)),
            ctx.tr("SERVQUAL score (unweighted) = mean of the dimension gaps; weighted = Σ weight × dimension gap, "
                   "weights rescaled to sum to 1 over the dimensions with data. Its interval: variance "
                   "Σ_a Σ_b w_a w_b · s_ab · n_ab ÷ (n_a · n_b) from "
                   "the respondents' dimension gaps (s_ab over respondents with both), t with min(n_d) − 1 degrees of "
                   "freedom; with no missing answers this is the t interval of the respondents' own scores. "
                   "Weights are treated as fixed. SERVPERF is computed the same way from perceptions alone. Their n: "
                   "raw data, the respondents with a value in at least one dimension; summary data, the smallest n "
                   "among the items combined (items below the minimum sample left out).",
                   "SERVQUAL 得分（未加权）= 各维度差距的平均；加权 = Σ 权重 × 维度差距，权重在有数据的维度上重新归一为总和 1。区间：方差 = "
                   "Σ_a Σ_b w_a w_b · s_ab · n_ab ÷ (n_a · n_b)，由受访者的维度差距计算（s_ab 取同时具备两个维度的"
                   "受访者），t 分布自由度为 min(n_d) − 1；无缺答时即为受访者个人得分的 t 区间。权重视为固定值。"
                   "SERVPERF 以同样方法仅用感知计算。其 n：原始数据为至少在一个维度上有值的受访者数；汇总数据为参与合并的"
                   "题项中最小的 n（低于最低样本量的题项不参与）。"),
            ctx.tr("Dimension weights: from the 100-point allocation, each respondent's points divided by their own "
                   "total (only respondents who gave points to every dimension), averaged over respondents; "
                   "otherwise each dimension's mean importance rating (mean of its items' means), normalised to "
                   "sum to 1.",
                   "维度权重：采用 100 分分配时，每位受访者的分数除以其本人的总分（仅限给所有维度都分配了分数的受访者），"
                   "再对受访者取平均；否则为各维度的平均重要性评分（其题项均值的平均），并归一化使总和为 1。"),
            ctx.tr("Status of an item or dimension: 'shortfall' when the gap is at most −{t} and the whole interval "
                   "is below 0; 'possible shortfall' when the gap is at most −{t} otherwise.",
                   "题项或维度的状态：差距不高于 −{t} 且整个区间低于 0 时为“不足”；差距不高于 −{t} 但区间包含 0 时为"
                   "“可能不足”。", t="—" if tol is None else f"{tol:.3g}"),
            ctx.tr("Reliability: Cronbach's alpha of each dimension's item gaps (P − E), respondents with any "
                   "missing item in the dimension left out (listwise), with the Feldt interval; below {a:.2f} the "
                   "dimension is flagged as unreliable. The alpha of the perceptions is given beside it.",
                   "信度：各维度题项差距（P − E）的 Cronbach α，该维度有任何缺答的受访者不计入（列删除），并给出 Feldt "
                   "区间；低于 {a:.2f} 的维度标记为信度不足。同时给出感知值的 α。", a=cfg.alpha_threshold),
            ctx.tr("Importance–performance grid: importance = mean importance rating per item ({x}); performance = "
                   "mean perception; crosshair = {c}. Quadrants: importance ≥ line and performance < line: "
                   "concentrate here; both ≥: keep up the good work; both <: low priority; importance < line and "
                   "performance ≥: possible overkill (an item on a line counts as important / performing). "
                   "'Concentrate here' items become actions (high severity when their gap is a clear shortfall, "
                   "medium otherwise); other items with a clear material shortfall become low-severity actions.",
                   "重要性—表现分析：重要性 = 每个题项的平均重要性评分（{x}）；表现 = 平均感知；分界线 = {c}。象限："
                   "重要性 ≥ 分界且表现 < 分界为“重点改进”；两者均 ≥ 为“继续保持”；两者均 < 为“低优先级”；重要性 < "
                   "分界且表现 ≥ 为“可能过度投入”（落在分界线上的题项视为重要/表现好）。“重点改进”题项转化为改进行动"
                   "（差距明确不足时为高严重度，否则为中等）；其他明确显著不足的题项转化为低严重度行动。",
                   x=ctx.tr("customers' expectations stand in when importance was not rated",
                            "未评重要性时以顾客期望代替") if cfg.ipa_importance != "importance" else
                   ctx.tr("ratings required", "必须有评分"),
                   c={"data_mean": ctx.tr("the mean of the item means on each axis", "各轴上题项均值的平均"),
                      "data_median": ctx.tr("the median of the item means on each axis", "各轴上题项均值的中位数"),
                      "scale_midpoint": ctx.tr("the midpoint of each axis' scale", "各轴量表的中点")}[cfg.ipa_crosshair]),
            ctx.tr("Promise keeping per promise = occasions kept ÷ occasions checked, with a {c:.0%} Wilson interval; "
                   "individual checks are used where a promise has any, else its kept/total counts. A promise is "
                   "'kept' at {t:.0%} or more, an 'over-promise' when even the interval's upper end is below "
                   "{t:.0%}, a 'possible over-promise' otherwise below it, 'unverified' when never checked. "
                   "Sub-score = 100 × all occasions kept ÷ all occasions checked (ratio of sums: each occasion is a "
                   "customer who was promised something), given from {m} occasions on.",
                   "单项承诺兑现率 = 兑现次数 ÷ 检查次数，并给出 {c:.0%} Wilson 区间；有逐次检查记录的承诺使用逐次记录，"
                   "否则使用其兑现次数汇总。兑现率达到 {t:.0%} 为“已兑现”；区间上限仍低于 {t:.0%} 为“过度承诺”；其余低于"
                   "目标的为“可能过度承诺”；从未检查的为“未核实”。子得分 = 100 × 全部兑现次数 ÷ 全部检查次数（总数之比："
                   "每次检查代表一位获得承诺的顾客），检查次数达到 {m} 次起计算。",
                   c=cfg.confidence, t=cfg.promise_target, m=cfg.min_promise_checks),
            ctx.tr(MIN_N_RULE, MIN_N_RULE_ZH).format(m=cfg.min_respondents, s=cfg.small_sample),
            ctx.tr(INTERVAL_RULE, INTERVAL_RULE_ZH),
            ctx.tr(CHECKLIST_RULE, CHECKLIST_RULE_ZH),
            ctx.tr("Action importance = the customers' importance of the items concerned. ",
                   "行动的重要度 = 相关题项的顾客重要性。") + ctx.tr(IMPORTANCE_RULE, IMPORTANCE_RULE_ZH) + " "
            + ctx.tr(CONFIDENCE_RULE, CONFIDENCE_RULE_ZH),
        ]
        return lines + self.research_methodology()
