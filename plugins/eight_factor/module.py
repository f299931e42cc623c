"""The eight-factor quality score: six positive factors minus complaint and error penalties.

Score: the weighted mean of the positive factors' 0–100 scores (attitude,
technique, responsibility, hardware, management, highlights), minus a
deduction for complaints and one for errors, each read from a stated
piecewise-linear curve of events per 1,000 transactions (or customers);
floored at 0. Each positive factor is scored from tagged evidence, or from the
auditor's rubric where there is none. The complaint recovery analysis
(:mod:`gapaudit.analysis.complaints`) is reported here in full.

``ModuleResult.data``::

    factors: [{factor, label, kind: "positive", score, bar, weight, basis: evidence|rubric|None, n,
               ci_low, ci_high, sources: [{kind, score, n}], rubric_unused}
              | {factor, label, kind: "negative", bar (= −deduction), count, rate, basis, denominator,
                 deduction, max_deduction, reason}]
    positive_score, deduction, total            # total = max(0, positive_score − deduction)
    grade: {bands, uncapped, grade, cap, capped, critical, failed: [{standard, title, visits, observed}]}
    complaints: {count, resolved, unresolved, resolution_rate, quick, quick_hours, quick_share,
                 hours: {n, mean, median, p90, max}, time_distribution: [{low, high, label, count}],
                 categories: [{category, label, count}], channels, severities, outcomes}
    iceberg: {complaints, ratio, dissatisfied, silent, serious_silent, share_of_customers}
    at_risk: {groups: [{group, label, customers, return_rate, kept, lost}], customers, kept, lost,
              saved_if_resolved_fast, saved_if_all_fast, observed_kept_share, observed_n, assumptions}
    six_steps: {cases, score, steps: [{step, label, rate, answered, no, partly, missed}]}
    loss_reasons: {total, rows: [{reason, label, count, share, ci_low, ci_high, benchmark, difference}]}

Parts without evidence are left out (``complaints`` and below).
"""

from __future__ import annotations

import math
import statistics
from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator

from gapaudit.analysis.complaints import Basis, ComplaintSettings, Rate, analyse, by_count, per_thousand, present
from gapaudit.model.audit import Severity
from gapaudit.model.base import Model
from gapaudit.model.result import Action, DataQualityNote, Fact, Finding, Metric, ModuleResult, RemoveTarget
from gapaudit.model.vocab import NEGATIVE_FACTORS, POSITIVE_FACTORS, Factor
from gapaudit.module import AuditModule, ModuleContext
from gapaudit.analysis.stats import weighted_mean
from gapaudit.analysis.tagged import (QUALITY_READS, QualityConfig, weakness_target, SourceScore, TagScore, basis_text, coverage_notes, fmt1,
                             grade_with_critical, listing, merge_weights, round1, tag_data, tag_metric, tag_rules,
                             tag_scores, weakness)

NegativeFactor = Literal["complaints", "errors"]

#: default deduction curves: (events per 1,000, points deducted), project defaults to calibrate per chain
DEFAULT_CURVES: dict[str, list[tuple[float, float]]] = {
    "complaints": [(0, 0), (0.5, 2), (1, 5), (2, 10), (5, 15)],
    "errors": [(0, 0), (1, 2), (2, 4), (5, 7), (10, 10)],
}


def _curve_optional(schema: dict[str, Any]) -> None:
    schema.pop("required", None)  # an audit may give only the weights: EightFactorConfig keeps the default curve


class PenaltySettings(Model):
    """How a negative factor's rate becomes points deducted from the total."""

    model_config = ConfigDict(json_schema_extra=_curve_optional)

    curve: list[tuple[float, float]] = Field(
        description="points (events per 1,000, points deducted): linear between points, flat after the last")
    severity_weights: dict[Severity, float] = Field(
        default_factory=lambda: {"low": 1.0, "medium": 1.0, "high": 1.0},
        description="how much one event of each severity counts (default: every event counts 1)")

    @field_validator("curve")
    @classmethod
    def _curve(cls, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        if not points or points[0][0] != 0:
            raise ValueError("the curve must start at rate 0")
        rates = [r for r, _ in points]
        if any(b <= a for a, b in zip(rates, rates[1:])):
            raise ValueError("the curve's rates must be strictly increasing")
        points_ = [p for _, p in points]
        if any(not 0 <= p <= 100 for p in points_):
            raise ValueError("points deducted must be 0..100")
        if any(b < a for a, b in zip(points_, points_[1:])):
            raise ValueError("points deducted must not fall as the rate rises")
        return points

    @field_validator("severity_weights")
    @classmethod
    def _weights(cls, value: dict[str, float]) -> dict[str, float]:
        return merge_weights(value, ("low", "medium", "high"), "severity", need_positive=False)


def _default_penalties() -> dict[str, PenaltySettings]:
    return {k: PenaltySettings(curve=list(v)) for k, v in DEFAULT_CURVES.items()}


class EightFactorConfig(QualityConfig):
    """Settings of the eight-factor score; a chain plugin may set them through gapaudit_audit_defaults."""

    weights: dict[Factor, float] = Field(
        default_factory=lambda: {f: 1.0 for f in POSITIVE_FACTORS},
        description="weight of each positive factor in the total (default 1 each; factors not listed keep 1)")
    min_factors: int = Field(3, ge=1, le=len(POSITIVE_FACTORS),
                             description="fewest positive factors with a score for a total to be given")
    basis: Basis = Field("auto", description="divide counts by transactions or customers (auto: transactions if given)")
    penalties: dict[NegativeFactor, PenaltySettings] = Field(
        default_factory=_default_penalties, description="deduction curve and severity weights per negative factor")
    complaints: ComplaintSettings = Field(default_factory=ComplaintSettings)

    @field_validator("weights")
    @classmethod
    def _weights(cls, value: dict[str, float]) -> dict[str, float]:
        return merge_weights(value, POSITIVE_FACTORS, "factor")

    @field_validator("penalties", mode="before")
    @classmethod
    def _penalties(cls, value: Any) -> Any:
        """Negative factors not mentioned keep their default curve; a curve given alone keeps default weights."""
        if not isinstance(value, dict):
            return value
        out: dict[str, Any] = {k: {"curve": list(v)} for k, v in DEFAULT_CURVES.items()}
        for key, given in value.items():
            out[key] = {**out.get(key, {}), **given} if isinstance(given, dict) else given
        return out


# --- pure scoring rules ------------------------------------------------------------------

def deduction(rate: float, curve: list[tuple[float, float]]) -> float:
    """Points deducted at ``rate`` events per 1,000: linear interpolation on the curve, flat past its end."""
    if rate <= 0:
        return float(curve[0][1])
    for (r0, p0), (r1, p1) in zip(curve, curve[1:]):
        if rate <= r1:
            return p0 + (p1 - p0) * (rate - r0) / (r1 - r0)
    return float(curve[-1][1])


def total_score(scores: dict[str, float | None], weights: dict[str, float],
                deductions: dict[str, float | None]) -> tuple[float | None, float | None]:
    """(weighted mean of the positive factors that have a score, that minus the known deductions floored at 0)."""
    keys = [f for f in scores if scores[f] is not None and weights.get(f, 0) > 0]
    if not keys:
        return None, None
    positive = weighted_mean([scores[f] for f in keys], [weights[f] for f in keys])
    assert positive is not None
    minus = math.fsum(d for d in deductions.values() if d is not None)
    return positive, min(100.0, max(0.0, positive - minus))


# --- wording ------------------------------------------------------------------------------

#: action per weak positive factor: (en, zh, owner en, owner zh)
ACTIONS: dict[str, tuple[str, str, str, str]] = {
    "attitude": ("Coach front-line staff on greeting, attentiveness and tone, and check it on mystery visits",
                 "辅导一线员工的迎客、关注与语气，并以神秘顾客走访检查", "store manager", "店长"),
    "technique": ("Train staff on product knowledge, the sales process and after-sales service",
                  "培训员工的产品知识、销售流程与售后服务技能", "training lead", "培训主管"),
    "responsibility": ("Make each customer's problem one person's job until it is solved: follow-up rules and "
                       "call-backs", "让每位顾客的问题由专人负责到底：建立跟进与回访规则", "store manager", "店长"),
    "hardware": ("Repair or replace the failing equipment and put the shopping environment right",
                 "维修或更换有问题的设备，改善购物环境", "facilities manager", "设施经理"),
    "management": ("Tighten daily management: staffing per shift, supervision of the standards, immediate "
                   "correction", "加强日常管理：按班次配置人手、督导服务标准执行、发现问题立即纠正",
                   "store manager", "店长"),
    "highlights": ("Build one or two signature services customers notice and value, and make them known",
                   "打造一到两项顾客能感知、认可的特色服务，并加以宣传", "marketing lead", "市场主管"),
}


class EightFactor(AuditModule):
    """Service quality as the sum of eight factors (source: the seed's eight-factor formula)."""

    id = "eight_factor"
    title = {"en": "Eight-factor quality score", "zh": "服务质量八要素"}
    description = {"en": "Attitude, technique, responsibility, hardware, management and highlights, less "
                         "complaints and errors; with complaint recovery.",
                   "zh": "态度、技术、责任心、硬件、管理、亮点，减去投诉与差错；附投诉挽回分析。"}
    version = "1.0"
    order = 500
    reads = QUALITY_READS | {"evidence.highlights"}
    Config = EightFactorConfig

    def run(self, ctx: ModuleContext) -> ModuleResult:
        cfg: EightFactorConfig = ctx.config
        ev = ctx.evidence
        notes: list[DataQualityNote] = []
        hl = highlight_source(ctx, notes)
        factors = tag_scores(ctx, "factor", POSITIVE_FACTORS, {"highlights": [hl] if hl is not None else []})

        rates = {n: per_thousand(ev, n, cfg.basis, cfg.penalties[n].severity_weights) for n in NEGATIVE_FACTORS}
        deductions = {n: None if r.per_thousand is None else deduction(r.per_thousand, cfg.penalties[n].curve)
                      for n, r in rates.items()}
        positive, total = total_score({f: t.score for f, t in factors.items()}, cfg.weights, deductions)

        analysis = analyse(ev, cfg.complaints, cfg.basis)
        shown = present(ctx, analysis, full=True)
        graded_score = None
        reason = None
        scored = [f for f, t in factors.items() if t.score is not None]
        if len(scored) < cfg.min_factors:
            reason = ctx.tr("only {n} of the 6 positive factors have evidence or a rubric score; at least {m} are "
                            "needed", "6 个正向因素中仅 {n} 个有证据或评分表分数，至少需要 {m} 个",
                            n=len(scored), m=cfg.min_factors)
        elif total is None:
            reason = ctx.tr("every factor with a score has weight 0", "有得分的因素权重均为 0")
        else:
            graded_score = round(total, 1)
        graded = grade_with_critical(ctx, graded_score, cfg)

        metrics = self._metrics(ctx, factors, rates, deductions, positive) + shown.metrics
        weak_findings, weak_actions = self._weak_factors(ctx, factors)
        penalty_findings, penalty_actions = self._deductions_made(ctx, rates, deductions)
        findings = graded.findings + weak_findings + penalty_findings + shown.findings
        actions = weak_actions + penalty_actions + shown.actions
        notes += self._notes(ctx, factors, rates) + shown.notes + graded.notes
        data = {
            "factors": self._factor_data(ctx, factors, rates, deductions),
            "positive_score": positive,
            "deduction": math.fsum(d for d in deductions.values() if d is not None),
            "total": total if graded_score is not None else None,
            "grade": graded.data,
            **shown.data,
        }
        methodology = self._rules(ctx) + graded.rules + shown.methodology
        return ModuleResult(score=graded_score, grade=graded.grade, grade_cap=graded.grade_cap, reason=reason,
                            metrics=metrics, findings=findings, actions=actions, data=data,
                            methodology=methodology, data_quality=notes)

    # --- parts ---------------------------------------------------------------------------

    def _rules(self, ctx: ModuleContext) -> list[str]:
        cfg: EightFactorConfig = ctx.config
        tr = ctx.tr
        curves = "; ".join(
            f"{ctx.label(n)}: " + ", ".join(f"{r:g}→{p:g}" for r, p in cfg.penalties[n].curve)
            for n in NEGATIVE_FACTORS)
        return tag_rules(ctx, "factor") + [
            tr("highlights from signature services = mean of the customer ratings (0–100, share of customers who "
               "value the service) of the services listed with a rating; it is one more evidence source of the "
               "highlights factor",
               "特色服务得分 = 已列出且有顾客评价的特色服务的评价均值（0–100，认可该服务的顾客比例）；作为“亮点”因素的一个证据来源"),
            tr("positive score = weighted mean of the positive factors that have a score; weights: {w}; factors "
               "without a score are left out (at least {m} are needed)",
               "正向得分 = 有得分的正向因素的加权均值；权重：{w}；无得分的因素不计入（至少需要 {m} 个）",
               w=listing(ctx, (f"{ctx.label(f)} {cfg.weights[f]:g}" for f in POSITIVE_FACTORS)), m=cfg.min_factors),
            tr("complaints and errors: count (each event weighted by its severity: {s}) per 1,000 transactions, or "
               "customers served when transactions are not given; points deducted from a piecewise-linear curve "
               "(rate→points, flat after the last point): {c}",
               "投诉与差错：按严重程度加权计数（{s}），每千笔交易（未提供交易笔数时每千位顾客）；扣分取自分段线性曲线"
               "（比率→扣分，超过最后一点后不再增加）：{c}",
               s="; ".join(f"{ctx.label(n)} " + ", ".join(f"{k} {v:g}" for k, v in
                                                           cfg.penalties[n].severity_weights.items())
                           for n in NEGATIVE_FACTORS), c=curves),
            tr("total = max(0, positive score − complaint deduction − error deduction); a deduction that cannot be "
               "computed (no log or no volume) is not made, and the report warns that the total is then an upper "
               "bound", "总分 = max(0, 正向得分 − 投诉扣分 − 差错扣分)；无法计算的扣分（无记录或无业务量）不扣，"
               "并提示总分因此偏高"),
            tr("a factor scoring below {w} is a weakness (below {s}: high severity) with an action; hardware "
               "actions need investment (capital expenditure), the others are management actions",
               "得分低于 {w} 的因素为薄弱项（低于 {s} 为高严重度）并给出行动；硬件类行动需要投资（资本性支出），其余为管理行动",
               w=f"{cfg.weak_below:g}", s=f"{cfg.severe_below:g}"),
        ]

    def _metrics(self, ctx: ModuleContext, factors: dict[str, TagScore], rates: dict[str, Rate],
                 deductions: dict[str, float | None], positive: float | None) -> list[Metric]:
        out = [tag_metric(f"eight_factor.{f}", ctx.label(f), t) for f, t in factors.items()]
        out.append(Metric(id="eight_factor.positive", label=ctx.tr("Positive factors", "正向因素得分"),
                          value=round1(positive), unit="/100"))
        for n, r in rates.items():
            out.append(Metric(id=f"eight_factor.{n}.per_thousand",
                              label=ctx.tr("{f} per 1,000 {b}", "每千{b}{f}数", f=ctx.label(n),
                                           b=_basis_label(ctx, r.basis)),
                              value=None if r.per_thousand is None else round(r.per_thousand, 3)))
            d = deductions[n]
            out.append(Metric(id=f"eight_factor.{n}.deduction", label=ctx.tr("{f} deduction", "{f}扣分",
                                                                             f=ctx.label(n)),
                              value=None if d is None else round(d, 2), unit=ctx.tr("points", "分")))
        return out

    def _factor_data(self, ctx: ModuleContext, factors: dict[str, TagScore], rates: dict[str, Rate],
                     deductions: dict[str, float | None]) -> list[dict[str, Any]]:
        cfg: EightFactorConfig = ctx.config
        rows: list[dict[str, Any]] = []
        for f, t in factors.items():
            rows.append({"factor": f, "label": ctx.label(f), "kind": "positive", "bar": t.score,
                         "weight": cfg.weights[f], **tag_data(ctx, t)})
        for n, r in rates.items():
            d = deductions[n]
            rows.append({"factor": n, "label": ctx.label(n), "kind": "negative", "bar": None if d is None else -d,
                         "count": r.count, "rate": r.per_thousand, "basis": r.basis, "denominator": r.denominator,
                         "deduction": d, "max_deduction": cfg.penalties[n].curve[-1][1], "reason": r.reason})
        return rows

    def _weak_factors(self, ctx: ModuleContext, factors: dict[str, TagScore]) -> tuple[list[Finding], list[Action]]:
        """A finding and an action for each positive factor scoring below the weakness threshold."""
        cfg: EightFactorConfig = ctx.config
        findings, actions = [], []
        for f, t in factors.items():
            severity = weakness(t.score, cfg)
            if severity is None:
                continue
            findings.append(Finding(
                id=f"eight_factor.{f}", severity=severity,
                title=ctx.tr("{f} is weak: {s}/100", "{f}薄弱：{s}/100", f=ctx.label(f), s=fmt1(t.score)),
                detail=basis_text(ctx, t), evidence=t.weak))
            en, zh, owner_en, owner_zh = ACTIONS[f]
            capex = f == "hardware"
            actions.append(ctx.action(
                f"eight_factor.{f}", ctx.tr(en, zh),
                rationale=ctx.tr("{f} scores {s}/100 (target {w}). {b}", "{f}得分 {s}/100（目标 {w}）。{b}",
                                 f=ctx.label(f), s=fmt1(t.score), w=f"{cfg.weak_below:g}", b=basis_text(ctx, t)),
                severity=severity, importance=t.importance,
                confidence=t.confidence, owner_role=ctx.tr(owner_en, owner_zh),
                horizon="long" if capex else "short", kind="capex" if capex else "management",
                evidence=t.weak or [ctx.tr("score {s}/100", "得分 {s}/100", s=fmt1(t.score))],
                finding_ids=[f"eight_factor.{f}"],
                **dict(zip(("targets", "impact_note"), weakness_target(ctx, f, t, cfg, f"eight_factor.{f}")))))
        return findings, actions

    def _deductions_made(self, ctx: ModuleContext, rates: dict[str, Rate],
                         deductions: dict[str, float | None]) -> tuple[list[Finding], list[Action]]:
        """A finding and an action for each negative factor that cost points."""
        cfg: EightFactorConfig = ctx.config
        findings, actions = [], []
        for n, r in rates.items():
            d = deductions[n]
            if d is None or d <= 0:
                continue
            top = cfg.penalties[n].curve[-1][1]
            severity = _deduction_severity(d, top)
            lines = self._category_lines(ctx, n)
            log = ctx.evidence.complaints if n == "complaints" else ctx.evidence.errors
            counts = [(c, k) for c, k in by_count([x.category for x in log]) if c is not None]
            days = ctx.evidence.volume.period_days if ctx.evidence.volume else None
            facts = [Fact(about=f"{n[:-1]}:{c}", link="outcome" if n == "complaints" else "pharmacy", kind=n, value=k,
                          text=(ctx.tr("{k} complaint(s) about '{c}'{d}", "“{c}”类投诉 {k} 起{d}", k=k, c=c,
                                       d=ctx.tr(" in {d} days", "（{d} 天内）", d=days) if days else "")
                                if n == "complaints" else
                                ctx.tr("{k} service error(s) of the kind '{c}'{d}", "“{c}”类服务差错 {k} 起{d}", k=k, c=c,
                                       d=ctx.tr(" in {d} days", "（{d} 天内）", d=days) if days else "")))
                     for c, k in counts]
            findings.append(Finding(
                id=f"eight_factor.{n}", severity=severity,
                title=ctx.tr("{f}: {r} per 1,000 {b} cost {d} points", "{f}：每千{b} {r} 起，扣 {d} 分",
                             f=ctx.label(n), r=f"{r.per_thousand:.2f}", b=_basis_label(ctx, r.basis),
                             d=fmt1(d)),
                detail=ctx.tr("{c} events over {v} {b}; the deduction is at most {m} points.",
                              "{v} {b}中共 {c} 起；扣分上限 {m} 分。", c=f"{r.count:g}",
                              v=r.denominator, b=_basis_label(ctx, r.basis), m=f"{top:g}"),
                evidence=lines, facts=facts))
            top_cats = [c for c, _ in counts][:3]
            cats = listing(ctx, top_cats) or ctx.tr("all categories", "全部类别")
            if n == "complaints":
                title = ctx.tr("Prevent complaints at the sale: explain terms and usage, and fix the main causes ({c})",
                               "在销售环节预防投诉：讲清条款与使用方法，并解决主要投诉原因（{c}）", c=cats)
                owner = ctx.tr("store manager", "店长")
            else:
                title = ctx.tr("Review the error log weekly and remove the causes of the most frequent errors ({c})",
                               "每周复盘差错记录，消除最常见差错的原因（{c}）", c=cats)
                owner = ctx.tr("operations manager", "运营经理")
            kind = n[:-1]  # complaint / error
            actions.append(ctx.action(
                f"eight_factor.reduce_{n}", title,
                rationale=ctx.tr("{f} cost {d} of at most {m} points.", "{f}扣 {d} 分（上限 {m} 分）。",
                                 f=ctx.label(n), d=fmt1(d), m=f"{top:g}"),
                severity=severity, owner_role=owner, evidence=lines, finding_ids=[f"eight_factor.{n}"],
                about=[f"{kind}:{c}" for c in top_cats],
                targets=[RemoveTarget(table=f"evidence.{n}", where={"category": c}, about=f"{kind}:{c}",
                                      metric=f"eight_factor.{n}.per_thousand", better="lower",
                                      label=ctx.tr("no more {k} about '{c}' (the cause removed)",
                                                   "不再出现“{c}”类{k}（原因已消除）", c=c,
                                                   k=ctx.tr("complaints", "投诉") if n == "complaints"
                                                   else ctx.tr("errors", "差错")))
                         for c in top_cats],
                impact_note="" if top_cats else ctx.tr("the log has no categories to aim at",
                                                       "记录中没有可针对的类别")))
        return findings, actions

    def _category_lines(self, ctx: ModuleContext, log: str) -> list[str]:
        rows = ctx.evidence.complaints if log == "complaints" else ctx.evidence.errors
        return [f"{c or ctx.tr('uncategorised', '未分类')}: {k}" for c, k in by_count([r.category for r in rows])]

    def _notes(self, ctx: ModuleContext, factors: dict[str, TagScore], rates: dict[str, Rate]) -> list[DataQualityNote]:
        tr = ctx.tr
        out = coverage_notes(ctx, factors, "factor")
        for n, r in rates.items():
            if r.reason is None:
                continue
            why = {"no_log": tr("no {f} log (list it in evidence.volume.logs_kept if there were none)",
                                "没有{f}记录（若期间确无，请在 evidence.volume.logs_kept 中列出）", f=ctx.label(n)),
                   "no_volume": tr("no transactions or customers in evidence.volume to normalise by",
                                   "evidence.volume 中没有可用于折算的交易笔数或顾客数"),
                   "zero_volume": tr("the volume to normalise by is 0", "用于折算的业务量为 0")}[r.reason]
            out.append(DataQualityNote(topic=n, severity="warning", detail=tr(
                "{f} not deducted: {w}; the total is an upper bound", "未扣{f}分：{w}；总分因此偏高",
                f=ctx.label(n), w=why)))
        return out


def highlight_source(ctx: ModuleContext, notes: list[DataQualityNote]) -> SourceScore | None:
    """Signature services as evidence of the highlights factor: mean customer rating of those rated."""
    hls = ctx.evidence.highlights
    rated = [h for h in hls if h.customer_rating is not None]
    unrated = [h.name for h in hls if h.customer_rating is None]
    if unrated:
        notes.append(DataQualityNote(topic="highlights", detail=ctx.tr(
            "signature services without a customer rating do not count in the score: {h}",
            "无顾客评价的特色服务不计入得分：{h}", h=listing(ctx, unrated))))
    if not rated:
        return None
    weak = tuple(ctx.tr("{h}: valued by {r}% of customers", "{h}：{r}% 的顾客认可", h=h.name, r=f"{h.customer_rating:g}")
                 for h in sorted(rated, key=lambda h: (h.customer_rating, h.name)))
    return SourceScore("highlights", statistics.fmean(h.customer_rating for h in rated), len(rated), weak=weak)


def _deduction_severity(d: float, top: float) -> str:
    """high when the deduction reaches two thirds of its maximum, medium from one third, else low."""
    if top <= 0:
        return "low"
    return "high" if d >= 2 * top / 3 else "medium" if d >= top / 3 else "low"


def _basis_label(ctx: ModuleContext, basis: str | None) -> str:
    if basis == "customers":
        return ctx.tr("customers", "位顾客")
    return ctx.tr("transactions", "笔交易")
