"""Complaint recovery analytics, shared by the eight_factor and golden_triangle modules.

Pure functions over the evidence: counts per 1,000, resolution rate and
speed, the complaint iceberg, customers at risk under the source's return
rates, six-step handling and loss reasons. Every figure taken from the source
is an overridable setting (:class:`ComplaintSettings`) and is printed with
the result as an assumption. :func:`present` turns an analysis into bilingual
metrics, findings, actions and chart data; both modules call it, so the
action ids (``complaints.*``) coincide and the engine merges them.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Sequence

from pydantic import Field, field_validator, model_validator

from gapaudit.errors import quoted
from gapaudit.model.audit import Complaint, ComplaintHandling, Evidence, LossReason, LostCustomer, Volume
from gapaudit.model.base import ANSWER_VALUE, MAX_HOURS, Model
from gapaudit.model.result import Action, ComplaintTarget, DataQualityNote, Finding, Metric, ShareTarget
from gapaudit.analysis.memo import by_identity
from gapaudit.analysis.stats import Estimate, percentile, proportion
from gapaudit.analysis.tagged import confidence_for_n, listing

if TYPE_CHECKING:
    from gapaudit.module import ModuleContext

Basis = Literal["auto", "transactions", "customers"]
LogName = Literal["complaints", "errors"]

#: the six steps of handling a complaint, in order
STEPS = ("apologise", "explain", "empathise", "solve_quickly", "commit", "thank")
STEP_LABELS = {
    "apologise": {"en": "apologise", "zh": "道歉"},
    "explain": {"en": "explain the cause reasonably", "zh": "合理解释原因"},
    "empathise": {"en": "show understanding for the trouble caused", "zh": "对顾客的不便表示理解"},
    "solve_quickly": {"en": "give a solution quickly and act on it", "zh": "迅速给出解决方案并落实"},
    "commit": {"en": "apologise again and commit to improve", "zh": "再次致歉并表明改进决心"},
    "thank": {"en": "thank the customer", "zh": "感谢顾客"},
}

#: why customers leave, in percent (source: the seed's customer-loss table)
LOSS_BENCHMARK: dict[str, float] = {"died": 1, "moved": 3, "taste": 4, "referral": 5, "competition": 9,
                                    "product": 10, "indifference": 68}
LOSS_LABELS = {
    "died": {"en": "died", "zh": "去世"},
    "moved": {"en": "moved away", "zh": "搬走"},
    "taste": {"en": "changed taste", "zh": "喜好改变"},
    "referral": {"en": "followed a friend's recommendation", "zh": "听从朋友推荐"},
    "competition": {"en": "competition", "zh": "竞争原因"},
    "product": {"en": "dissatisfied with the product", "zh": "对产品不满"},
    "indifference": {"en": "staff indifferent to their needs", "zh": "服务人员对其需求漠不关心"},
    "other": {"en": "other", "zh": "其他"},
}
#: reasons the store controls (subjective causes in the source's loss analysis)
CONTROLLABLE_LOSS = ("indifference", "product")


# --- settings -------------------------------------------------------------------

class ReturnRates(Model):
    """Share of customers who come back, by what happened to their problem (source's consultancy figures)."""

    silent: float = Field(0.09, ge=0, le=1, description="had a real problem and did not complain")
    complained: float = Field(0.19, ge=0, le=1, description="complained and the problem stayed unresolved "
                                                            "(source: complained, whatever the outcome)")
    resolved: float = Field(0.54, ge=0, le=1, description="complaint resolved")
    resolved_quickly: float = Field(0.82, ge=0, le=1, description="complaint resolved quickly")


class ComplaintSettings(Model):
    """Assumptions and thresholds of the complaint analysis; every one can be overridden."""

    quick_hours: float = Field(24, gt=0, le=MAX_HOURS,
                               description="a complaint resolved within this many hours counts as quick")
    iceberg_ratio: float = Field(25, ge=1, le=1000,
                                 description="dissatisfied customers behind each complaint (source: 25)")
    serious_ratio: float = Field(6, ge=0, le=1000, description="of those who do not complain, how many per complaint have "
                                                      "a serious problem (source: 6)")
    return_rates: ReturnRates = Field(default_factory=ReturnRates)
    loss_benchmark: dict[LossReason, float] = Field(
        default_factory=lambda: dict(LOSS_BENCHMARK),
        description="percent of lost customers by reason (source: 68% indifference, 10% product, 9% competition …)")
    time_bins: list[float] = Field(default_factory=lambda: [1, 4, 24, 72, 168],
                                   description="upper edges (hours) of the resolution-time histogram bins")
    resolution_target: float = Field(0.9, ge=0, le=1, description="share of complaints that should be resolved")
    quick_target: float = Field(0.8, ge=0, le=1, description="share of complaints that should be resolved quickly")
    step_target: float = Field(0.9, ge=0, le=1, description="a handling step done in fewer cases than this is missed")

    @field_validator("time_bins")
    @classmethod
    def _bins(cls, value: list[float]) -> list[float]:
        if not value:
            raise ValueError("give at least one bin edge")
        if any(v <= 0 for v in value) or any(b <= a for a, b in zip(value, value[1:])):
            raise ValueError("bin edges must be positive and strictly increasing")
        return value

    @field_validator("loss_benchmark")
    @classmethod
    def _benchmark(cls, value: dict[str, float]) -> dict[str, float]:
        for key, pct in value.items():
            if not 0 <= pct <= 100:
                raise ValueError(f"benchmark share of {quoted(key)} must be 0..100 (percent), found {pct}")
        if sum(value.values()) > 100 + 1e-6:
            raise ValueError(f"benchmark shares add up to {sum(value.values()):g}%, more than 100%")
        return value

    @model_validator(mode="after")
    def _serious(self) -> "ComplaintSettings":
        if self.serious_ratio > self.iceberg_ratio - 1:
            raise ValueError(f"serious_ratio ({self.serious_ratio:g}) cannot exceed the silent customers per "
                             f"complaint (iceberg_ratio − 1 = {self.iceberg_ratio - 1:g})")
        return self


# --- counts per 1,000 -------------------------------------------------------------

@dataclass(frozen=True)
class Rate:
    """Events per 1,000 transactions or customers; ``reason`` says why ``per_thousand`` is None."""

    count: float | None
    per_thousand: float | None
    basis: str | None = None
    denominator: int | None = None
    reason: Literal["no_log", "no_volume", "zero_volume"] | None = None


def log_provided(evidence: Evidence, log: LogName) -> bool:
    """A log counts as provided when it has rows or ``volume.logs_kept`` lists it (then empty means none)."""
    rows = evidence.complaints if log == "complaints" else evidence.errors
    return bool(rows) or (evidence.volume is not None and log in evidence.volume.logs_kept)


def choose_basis(volume: Volume | None, basis: Basis) -> tuple[str | None, int | None]:
    """The volume the counts are divided by: ``auto`` = transactions if given, else customers."""
    if volume is None:
        return None, None
    if basis == "auto":
        basis = "transactions" if volume.transactions is not None else "customers"
    return basis, getattr(volume, basis)


def per_thousand(evidence: Evidence, log: LogName, basis: Basis = "auto",
                 severity_weights: dict[str, float] | None = None) -> Rate:
    """Count of a log's events (optionally weighted by severity) per 1,000 units of volume."""
    if not log_provided(evidence, log):
        return Rate(None, None, reason="no_log")
    rows = evidence.complaints if log == "complaints" else evidence.errors
    weights = severity_weights or {}
    count = math.fsum(weights.get(r.severity, 1.0) for r in rows)
    name, volume = choose_basis(evidence.volume, basis)
    if volume is None:
        return Rate(count, None, name, None, "no_volume")
    if volume == 0:
        return Rate(count, None, name, 0, "zero_volume")
    return Rate(count, 1000.0 * count / volume, name, volume)


# --- resolution -------------------------------------------------------------------

@dataclass(frozen=True)
class TimeBin:
    low: float
    high: float | None  # None: open-ended last bin
    count: int


@dataclass(frozen=True)
class ComplaintStats:
    """Counts and resolution figures of the complaint log."""

    n: int
    resolved: int
    resolved_timed: int
    quick: int
    resolution: Estimate          # resolved / n
    quick_share: Estimate         # quick / (unresolved + resolved with a time)
    hours: list[float]            # times to resolve, sorted
    mean_hours: float | None
    median_hours: float | None
    p90_hours: float | None
    bins: list[TimeBin]
    categories: list[tuple[str | None, int]]
    channels: list[tuple[str | None, int]]
    severities: dict[str, int]
    open: list[Complaint]         # unresolved complaints
    outcomes: dict[str, int]

    @property
    def unresolved(self) -> int:
        return self.n - self.resolved

    @property
    def resolved_slow(self) -> int:
        """Resolved, but not known to be quick (over the threshold or no time recorded)."""
        return self.resolved - self.quick


def by_count(values: list[str | None]) -> list[tuple[str | None, int]]:
    """Values by count, highest first; ties by name (missing last)."""
    return sorted(Counter(values).items(), key=lambda kv: (-kv[1], kv[0] is None, kv[0] or ""))


def complaint_stats(complaints: Sequence[Complaint], settings: ComplaintSettings) -> ComplaintStats:
    """Resolution rate, quick share, time distribution and categories of a complaint log."""
    n = len(complaints)
    resolved = [c for c in complaints if c.resolved]
    hours = sorted(c.hours_to_resolve for c in resolved if c.hours_to_resolve is not None)
    quick = sum(1 for h in hours if h <= settings.quick_hours)
    known_speed = (n - len(resolved)) + len(hours)
    lows = [0.0] + settings.time_bins
    highs: list[float | None] = [*settings.time_bins, None]
    bins = [TimeBin(lo, hi, sum(1 for h in hours if (h > lo or i == 0) and (hi is None or h <= hi)))
            for i, (lo, hi) in enumerate(zip(lows, highs))]
    return ComplaintStats(
        n=n, resolved=len(resolved), resolved_timed=len(hours), quick=quick,
        resolution=proportion(len(resolved), n), quick_share=proportion(quick, known_speed),
        hours=hours, mean_hours=statistics.fmean(hours) if hours else None,
        median_hours=statistics.median(hours) if hours else None, p90_hours=percentile(hours, 0.9),
        bins=bins, categories=by_count([c.category for c in complaints]),
        channels=by_count([c.channel for c in complaints]),
        severities={s: sum(1 for c in complaints if c.severity == s) for s in ("high", "medium", "low")},
        open=[c for c in complaints if not c.resolved],
        outcomes={o: sum(1 for c in complaints if c.outcome == o) for o in ("kept", "lost", "unknown")},
    )


# --- iceberg and customers at risk ---------------------------------------------------

@dataclass(frozen=True)
class Iceberg:
    complaints: int
    dissatisfied: float      # complaints × ratio
    silent: float            # complaints × (ratio − 1)
    serious_silent: float    # complaints × serious_ratio
    share_of_customers: float | None  # dissatisfied / customers served, where known


def iceberg(complaints: int, settings: ComplaintSettings, customers: int | None = None) -> Iceberg:
    """Dissatisfied customers estimated from the complaints received."""
    dissatisfied = complaints * settings.iceberg_ratio
    share = dissatisfied / customers if customers else None
    return Iceberg(complaints, dissatisfied, complaints * (settings.iceberg_ratio - 1),
                   complaints * settings.serious_ratio, share)


@dataclass(frozen=True)
class RiskGroup:
    group: Literal["silent", "unresolved", "resolved", "resolved_quickly"]
    customers: float
    return_rate: float

    @property
    def kept(self) -> float:
        return self.customers * self.return_rate

    @property
    def lost(self) -> float:
        return self.customers - self.kept


@dataclass(frozen=True)
class AtRisk:
    """Expected customers kept and lost, and what faster resolution would keep."""

    groups: list[RiskGroup]
    saved_if_resolved_fast: float   # every resolved complaint resolved quickly
    saved_if_all_fast: float        # every complaint resolved, and quickly
    observed: Estimate              # kept / (kept + lost) among complaints whose outcome is known

    @property
    def customers(self) -> float:
        return math.fsum(g.customers for g in self.groups)

    @property
    def kept(self) -> float:
        return math.fsum(g.kept for g in self.groups)

    @property
    def lost(self) -> float:
        return math.fsum(g.lost for g in self.groups)

    @property
    def complainants_lost(self) -> float:
        return math.fsum(g.lost for g in self.groups if g.group != "silent")


def customers_at_risk(stats: ComplaintStats, ice: Iceberg, settings: ComplaintSettings) -> AtRisk:
    """Apply the return rates to the store's mix of silent, unresolved, resolved and quickly resolved customers."""
    r = settings.return_rates
    groups = [RiskGroup("silent", ice.silent, r.silent),
              RiskGroup("unresolved", stats.unresolved, r.complained),
              RiskGroup("resolved", stats.resolved_slow, r.resolved),
              RiskGroup("resolved_quickly", stats.quick, r.resolved_quickly)]
    fast = stats.resolved_slow * (r.resolved_quickly - r.resolved)
    all_fast = fast + stats.unresolved * (r.resolved_quickly - r.complained)
    kept, lost = stats.outcomes["kept"], stats.outcomes["lost"]
    return AtRisk(groups, fast, all_fast, proportion(kept, kept + lost))


# --- six steps and loss reasons ----------------------------------------------------------

@dataclass(frozen=True)
class StepRate:
    step: str
    answered: int        # cases with yes / partly / no for this step
    done: float          # yes = 1, partly = 0.5
    no: int
    partly: int

    @property
    def rate(self) -> float | None:
        return self.done / self.answered if self.answered else None


@dataclass(frozen=True)
class SixSteps:
    cases: int
    steps: list[StepRate]
    score: float | None              # 100 × mean of the step rates that have answers
    missed: list[StepRate]           # steps below the target, worst first


def six_steps(cases: Sequence[ComplaintHandling], target: float) -> SixSteps:
    """Adherence to each of the six handling steps across observed cases ('na' and blanks left out)."""
    rates: list[StepRate] = []
    for step in STEPS:
        answers = [getattr(c, step) for c in cases]
        scored = [a for a in answers if a in ANSWER_VALUE]
        rates.append(StepRate(step, len(scored), math.fsum(ANSWER_VALUE[a] for a in scored),
                              scored.count("no"), scored.count("partly")))
    answered = [s.rate for s in rates if s.rate is not None]
    score = 100.0 * statistics.fmean(answered) if answered else None
    missed = sorted((s for s in rates if s.rate is not None and s.rate < target - 1e-9),
                    key=lambda s: (s.rate, STEPS.index(s.step)))
    return SixSteps(len(cases), rates, score, missed)


@dataclass(frozen=True)
class LossRow:
    reason: str
    count: int
    share: Estimate
    benchmark: float | None   # percent

    @property
    def difference(self) -> float | None:
        """Observed share minus the benchmark, in percentage points."""
        if self.share.value is None or self.benchmark is None:
            return None
        return 100.0 * self.share.value - self.benchmark


def loss_reasons(lost: Sequence[LostCustomer], benchmark: dict[str, float]) -> list[LossRow]:
    """Lost customers by reason against the benchmark, in the benchmark's order then 'other'."""
    counts: Counter[str] = Counter()
    for row in lost:
        counts[row.reason] += row.count
    total = sum(counts.values())
    order = list(LOSS_LABELS)
    return [LossRow(reason, counts[reason], proportion(counts[reason], total), benchmark.get(reason))
            for reason in order if counts[reason] or reason in benchmark]


# --- the whole analysis -----------------------------------------------------------------------

@dataclass(frozen=True)
class ComplaintAnalysis:
    """Everything the modules need from the complaint evidence; parts are None without their evidence."""

    settings: ComplaintSettings
    rate: Rate
    stats: ComplaintStats | None
    iceberg: Iceberg | None
    at_risk: AtRisk | None
    handling: SixSteps | None
    losses: list[LossRow] | None


def analyse(evidence: Evidence, settings: ComplaintSettings, basis: Basis = "auto") -> ComplaintAnalysis:
    """Run every complaint analysis the evidence allows (once per run for the same logs and settings)."""
    return by_identity((evidence.complaints, evidence.complaint_handling, evidence.lost_customers, evidence.volume,
                        settings), "complaints.analyse", lambda: _analyse(evidence, settings, basis), basis)


def _analyse(evidence: Evidence, settings: ComplaintSettings, basis: Basis) -> ComplaintAnalysis:
    rate = per_thousand(evidence, "complaints", basis)
    stats = ice = risk = None
    if log_provided(evidence, "complaints"):
        stats = complaint_stats(evidence.complaints, settings)
        customers = evidence.volume.customers if evidence.volume else None
        ice = iceberg(stats.n, settings, customers)
        risk = customers_at_risk(stats, ice, settings)
    handling = six_steps(evidence.complaint_handling, settings.step_target) if evidence.complaint_handling else None
    losses = loss_reasons(evidence.lost_customers, settings.loss_benchmark) if evidence.lost_customers else None
    if losses is not None and not any(r.count for r in losses):
        losses = None
    return ComplaintAnalysis(settings, rate, stats, ice, risk, handling, losses)


# --- presentation ---------------------------------------------------------------------------

@dataclass
class Presented:
    """Bilingual metrics, findings, actions, chart data, rules and notes for a module result."""

    metrics: list[Metric] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    methodology: list[str] = field(default_factory=list)
    notes: list[DataQualityNote] = field(default_factory=list)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def _num(value: float | None, digits: int = 1) -> str:
    """A number with at most ``digits`` decimals and no trailing zeros."""
    if value is None:
        return "—"
    text = f"{value:.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def duration_label(ctx: "ModuleContext", hours: float) -> str:
    """A bin edge in hours, or in days when it is a whole number of days."""
    if hours >= 24 and hours % 24 == 0:
        return ctx.tr("{d} d", "{d} 天", d=_num(hours / 24, 2))
    return ctx.tr("{h} h", "{h} 小时", h=_num(hours, 2))


def bin_label(ctx: "ModuleContext", b: TimeBin) -> str:
    if b.high is None:
        return f"> {duration_label(ctx, b.low)}"
    if b.low == 0:
        return f"≤ {duration_label(ctx, b.high)}"
    return f"{duration_label(ctx, b.low)}–{duration_label(ctx, b.high)}"


def step_label(ctx: "ModuleContext", step: str) -> str:
    return STEP_LABELS[step]["zh" if ctx.lang == "zh" else "en"]


def loss_label(ctx: "ModuleContext", reason: str) -> str:
    return LOSS_LABELS[reason]["zh" if ctx.lang == "zh" else "en"]


def _group_label(ctx: "ModuleContext", group: str) -> str:
    return {
        "silent": ctx.tr("dissatisfied, did not complain", "不满意但未投诉"),
        "unresolved": ctx.tr("complained, unresolved", "投诉未解决"),
        "resolved": ctx.tr("complained, resolved", "投诉已解决"),
        "resolved_quickly": ctx.tr("complained, resolved quickly", "投诉迅速解决"),
    }[group]


def rules(ctx: "ModuleContext", s: ComplaintSettings, *, full: bool = True) -> list[str]:
    """Every rule and assumption of the complaint analysis, with the values in use."""
    r = s.return_rates
    tr = ctx.tr
    base = [
        tr("an empty complaint log counts as zero complaints only when evidence.volume.logs_kept lists "
           "'complaints'; otherwise it is read as not provided",
           "仅当 evidence.volume.logs_kept 列出 complaints 时，空投诉记录才视为零投诉，否则视为未提供"),
        tr("complaint resolution rate = resolved ÷ all complaints, with a 95% Wilson interval",
           "投诉解决率 = 已解决 ÷ 全部投诉，附 95% Wilson 区间"),
        tr("six-step handling: each step's rate = mean over the observed cases (yes 1, partly 0.5, no 0; "
           "'not applicable' and blanks left out); score = 100 × mean of the rates of the steps answered; "
           "a step done in less than {t} of cases is missed",
           "投诉处理六步骤：每步达成率 = 观察案例的均值（是 1，部分 0.5，否 0；不适用与空白不计）；"
           "得分 = 100 × 有作答步骤达成率的均值；达成率低于 {t} 的步骤视为遗漏", t=_pct(s.step_target)),
    ]
    if not full:
        return base
    return base + [
        tr("share resolved quickly = complaints resolved within {h} h ÷ (unresolved complaints + resolved "
           "complaints with a recorded time), with a 95% Wilson interval over that denominator; resolved "
           "complaints without a time are left out; targets: {rt} resolved, {qt} resolved quickly",
           "快速解决比例 = {h} 小时内解决的投诉 ÷（未解决投诉 + 记录了用时的已解决投诉），按该分母附 95% Wilson 区间；"
           "未记录用时的已解决投诉不计入；目标：解决率 {rt}，快速解决 {qt}",
           h=_num(s.quick_hours, 2), rt=_pct(s.resolution_target), qt=_pct(s.quick_target)),
        tr("time to resolution: mean, median and 90th percentile (linear interpolation) of the recorded times; "
           "histogram bins end at {b} h",
           "解决用时：已记录用时的均值、中位数与第 90 百分位数（线性插值）；直方图分段上限 {b} 小时",
           b=", ".join(_num(x, 2) for x in s.time_bins)),
        tr("assumption (source figure, changeable): each complaint stands for {r} dissatisfied customers, "
           "{s} of whom do not complain and {k} of those have a serious problem",
           "假设（来源数据，可修改）：每 1 起投诉背后有 {r} 位不满意顾客，其中 {s} 位不投诉，其中 {k} 位有严重问题",
           r=_num(s.iceberg_ratio, 2), s=_num(s.iceberg_ratio - 1, 2), k=_num(s.serious_ratio, 2)),
        tr("assumption (source return rates, changeable): dissatisfied customers who did not complain come back "
           "{a}, unresolved complainants {b}, resolved {c}, resolved quickly {d}; resolved complaints without a "
           "recorded time count as resolved, not quick; expected kept = Σ customers × return rate, "
           "lost = customers − kept",
           "假设（来源回头率，可修改）：不满意但未投诉的顾客 {a}，投诉未解决 {b}，已解决 {c}，迅速解决 {d}；"
           "未记录用时的已解决投诉按“已解决”计；预计留住 = Σ 顾客数 × 回头率，流失 = 顾客数 − 留住",
           a=_pct(r.silent), b=_pct(r.complained), c=_pct(r.resolved), d=_pct(r.resolved_quickly)),
        tr("iceberg share of customers = estimated dissatisfied customers (complaints × {r}) ÷ customers served "
           "in the period (evidence.volume.customers); not given without that count; above 100% the ratio does "
           "not fit the store and a note says so",
           "冰山估计占顾客比例 = 估计的不满意顾客（投诉数 × {r}）÷ 期间接待顾客数（evidence.volume.customers）；"
           "没有该人数时不给出；超过 100% 说明该比例不适合本店，并会注明", r=_num(s.iceberg_ratio, 2)),
        tr("complainants kept (where known) = complaints whose outcome is 'kept' ÷ complaints whose outcome is "
           "'kept' or 'lost' ('unknown' left out), with a 95% Wilson interval; n = complaints with a known outcome",
           "投诉顾客留存率（已知结果）= 结果为“留住”的投诉 ÷ 结果为“留住”或“流失”的投诉（“未知”不计），附 95% Wilson "
           "区间；n = 结果已知的投诉数"),
        tr("customers kept by faster resolution = complaints resolved but not quickly × ({d} − {c}); if every "
           "complaint were resolved quickly, add unresolved complaints × ({d} − {b})",
           "加快解决可多留住的顾客 = 已解决但非迅速的投诉 × ({d} − {c})；若全部投诉都迅速解决，再加未解决投诉 × ({d} − {b})",
           b=_pct(r.complained), c=_pct(r.resolved), d=_pct(r.resolved_quickly)),
        tr("loss reasons: each reason's share of lost customers (95% Wilson interval) against the benchmark "
           "(percent): {b}",
           "流失原因：各原因占流失顾客的比例（95% Wilson 区间），对照基准（%）：{b}",
           b=listing(ctx, (f"{loss_label(ctx, k)} {_num(v)}" for k, v in s.loss_benchmark.items()))),
    ]


def _metric(id: str, label: str, value: float | int | None = None, unit: str = "", *,
            est: Estimate | None = None, scale: float = 1.0, digits: int = 2, n: int | None = None) -> Metric:
    """A metric from a plain value, or from an estimate (value and interval times ``scale``)."""
    def rnd(x: float | None) -> float | None:
        return None if x is None else round(x * scale, digits)
    if est is not None:
        return Metric(id=id, label=label, value=rnd(est.value), unit=unit, n=est.n, ci_low=rnd(est.low),
                      ci_high=rnd(est.high))
    shown = value if value is None or isinstance(value, int) else round(value, digits)
    return Metric(id=id, label=label, value=shown, unit=unit, n=n)


def present(ctx: "ModuleContext", a: ComplaintAnalysis, *, full: bool = True) -> Presented:
    """Metrics, findings, actions and chart data of a complaint analysis.

    ``full=False`` gives only the handling part (resolution rate and the six steps), for a module
    that scores complaint handling as one element among others; the log's findings (iceberg,
    customers at risk, speed, open complaints, loss reasons) come with ``full=True``. Once per run for the
    same analysis, module and language (callers build new lists from it and never change it).
    """
    # (the analysis is one per complaint logs and volume, so it stands for the evidence present() reads)
    return by_identity(a, "complaints.present", lambda: _present(ctx, a, full), ctx.module_id, ctx.lang, full)


def _present(ctx: "ModuleContext", a: ComplaintAnalysis, full: bool) -> Presented:
    out = Presented(methodology=rules(ctx, a.settings, full=full))
    tr, mid, st = ctx.tr, ctx.module_id, a.stats
    if st is None and full:
        out.notes.append(DataQualityNote(
            topic="complaints", severity="warning",
            detail=tr("no complaint log: add evidence.complaints, or list 'complaints' in evidence.volume.logs_kept "
                      "if none were received", "没有投诉记录：请提供 evidence.complaints；若期间确无投诉，请在 "
                      "evidence.volume.logs_kept 中列出 complaints")))
    elif st is not None:
        out.metrics.append(_metric(f"{mid}.complaints.resolution_rate", tr("Complaints resolved", "投诉解决率"),
                                   unit="%", est=st.resolution, scale=100, digits=1))
        out.data["complaints"] = {"count": st.n, "resolved": st.resolved, "unresolved": st.unresolved,
                                  "resolution_rate": st.resolution.value}
        if full:
            _present_log(ctx, a, st, out)
    if a.handling is not None:
        _present_handling(ctx, a.handling, out, a.settings.step_target)
    if full and a.losses is not None:
        _present_losses(ctx, a.losses, out)
    return out


def _present_log(ctx: "ModuleContext", a: ComplaintAnalysis, st: ComplaintStats, out: Presented) -> None:
    s, tr, mid = a.settings, ctx.tr, ctx.module_id
    out.metrics += [
        _metric(f"{mid}.complaints.count", tr("Complaints", "投诉数"), st.n),
        _metric(f"{mid}.complaints.quick_share", tr("Resolved within {h} h", "{h} 小时内解决", h=_num(s.quick_hours)),
                unit="%", est=st.quick_share, scale=100, digits=1),
        _metric(f"{mid}.complaints.median_hours", tr("Median time to resolve", "解决用时中位数"), st.median_hours,
                "h", n=st.resolved_timed),
        _metric(f"{mid}.complaints.p90_hours", tr("Time to resolve, 90th percentile", "解决用时第 90 百分位"),
                st.p90_hours, "h", n=st.resolved_timed),
    ]
    out.data["complaints"].update({
        "quick": st.quick, "quick_hours": s.quick_hours, "quick_share": st.quick_share.value,
        "hours": {"n": st.resolved_timed, "mean": st.mean_hours, "median": st.median_hours, "p90": st.p90_hours,
                  "max": st.hours[-1] if st.hours else None},
        "time_distribution": [{"low": b.low, "high": b.high, "label": bin_label(ctx, b), "count": b.count}
                              for b in st.bins],
        "categories": [{"category": c, "label": c or tr("uncategorised", "未分类"), "count": n}
                       for c, n in st.categories],
        "channels": [{"channel": c, "label": c or tr("not recorded", "未记录"), "count": n} for c, n in st.channels],
        "severities": st.severities,
        "outcomes": st.outcomes,
        "per_thousand": a.rate.per_thousand, "per_thousand_basis": a.rate.basis,
    })
    if st.n == 0:
        out.findings.append(Finding(
            id=f"{mid}.complaints.none", severity="info", title=tr("No complaints in the period", "期间无投诉"),
            detail=tr("The complaint log is declared complete and has no entries. Most dissatisfied customers never "
                      "complain, so check that complaint channels are visible and easy to use.",
                      "投诉记录声明完整且无投诉。多数不满意的顾客从不投诉，请确认投诉渠道明显、便捷。")))
        return
    _present_iceberg(ctx, a, st, out)
    _present_resolution(ctx, a, st, out)
    top = [(c, n) for c, n in st.categories if c is not None][:3]
    if top:
        out.findings.append(Finding(
            id=f"{mid}.complaints.categories", severity="info",
            title=tr("Most complaints: {c}", "投诉最多的类别：{c}", c=listing(ctx, (c for c, _ in top))),
            evidence=[f"{c or tr('uncategorised', '未分类')}: {n}" for c, n in st.categories]))


def _present_iceberg(ctx: "ModuleContext", a: ComplaintAnalysis, st: ComplaintStats, out: Presented) -> None:
    s, tr, mid = a.settings, ctx.tr, ctx.module_id
    ice, risk = a.iceberg, a.at_risk
    assert ice is not None and risk is not None
    out.data["iceberg"] = {"complaints": ice.complaints, "ratio": s.iceberg_ratio, "dissatisfied": ice.dissatisfied,
                           "silent": ice.silent, "serious_silent": ice.serious_silent,
                           "share_of_customers": ice.share_of_customers}
    out.data["at_risk"] = {
        "groups": [{"group": g.group, "label": _group_label(ctx, g.group), "customers": g.customers,
                    "return_rate": g.return_rate, "kept": g.kept, "lost": g.lost} for g in risk.groups],
        "customers": risk.customers, "kept": risk.kept, "lost": risk.lost,
        "saved_if_resolved_fast": risk.saved_if_resolved_fast, "saved_if_all_fast": risk.saved_if_all_fast,
        "observed_kept_share": risk.observed.value, "observed_n": risk.observed.n,
        "assumptions": {"iceberg_ratio": s.iceberg_ratio, "serious_ratio": s.serious_ratio,
                        "return_rates": s.return_rates.model_dump()},
    }
    if ice.share_of_customers is not None and ice.share_of_customers > 1:
        out.notes.append(DataQualityNote(topic="complaints", severity="warning", detail=tr(
            "the iceberg estimate ({d}) exceeds the customers served ({c}): the ratio of {r} does not fit this "
            "store; lower complaints.iceberg_ratio", "冰山估计（{d}）超过接待顾客数（{c}）：{r} 的比例不适合本店，"
            "请调低 complaints.iceberg_ratio", d=_num(ice.dissatisfied, 0),
            c=ctx.evidence.volume.customers if ctx.evidence.volume else "—", r=_num(s.iceberg_ratio))))
    out.metrics += [
        _metric(f"{mid}.complaints.iceberg", tr("Dissatisfied customers behind the complaints (estimate)",
                                                "投诉背后的不满意顾客（估计）"), ice.dissatisfied, digits=1),
        _metric(f"{mid}.complaints.expected_lost", tr("Customers expected to be lost (estimate)",
                                                      "预计流失顾客（估计）"), risk.lost, digits=1),
        _metric(f"{mid}.complaints.saved_if_fast", tr("More customers kept if every complaint were resolved quickly",
                                                      "若全部投诉迅速解决可多留住的顾客"), risk.saved_if_all_fast, digits=1),
    ]
    if risk.observed.n:
        out.metrics.append(_metric(f"{mid}.complaints.observed_kept", tr("Complainants kept (where known)",
                                                                         "投诉顾客留存率（已知结果）"),
                                   unit="%", est=risk.observed, scale=100, digits=1))
    out.findings.append(Finding(
        id=f"{mid}.complaints.iceberg", severity="info",
        title=tr("{n} complaints suggest about {d} dissatisfied customers", "{n} 起投诉意味着约 {d} 位不满意顾客",
                 n=st.n, d=_num(ice.dissatisfied, 0)),
        detail=tr("Assuming {r} dissatisfied customers per complaint (source figure; change complaints.iceberg_ratio), "
                  "about {s} did not complain and about {k} of them had a serious problem. Under the source's return "
                  "rates about {l} of these {c} customers are lost.",
                  "按每起投诉对应 {r} 位不满意顾客（来源数据，可在 complaints.iceberg_ratio 修改），约 {s} 位未投诉，"
                  "其中约 {k} 位有严重问题。按来源回头率，这 {c} 位顾客中约 {l} 位流失。",
                  r=_num(s.iceberg_ratio), s=_num(ice.silent, 0), k=_num(ice.serious_silent, 0),
                  l=_num(risk.lost, 0), c=_num(risk.customers, 0)),
        evidence=[tr("{n} complaints in the log", "投诉记录 {n} 起", n=st.n)]))
    out.findings.append(Finding(
        id=f"{mid}.complaints.at_risk", severity="medium" if risk.saved_if_all_fast >= 1 else "info",
        title=tr("Faster resolution would keep about {x} more complainants", "加快解决可多留住约 {x} 位投诉顾客",
                 x=_num(risk.saved_if_all_fast, 1)),
        detail=tr("Of {n} complainants about {l} are lost under the source's return rates. Resolving the slow ones "
                  "quickly keeps about {f} more; resolving every complaint quickly, about {a} more.",
                  "按来源回头率，{n} 位投诉顾客中约 {l} 位流失。把慢速解决的改为迅速解决可多留住约 {f} 位；"
                  "全部投诉都迅速解决可多留住约 {a} 位。",
                  n=st.n, l=_num(risk.complainants_lost, 1), f=_num(risk.saved_if_resolved_fast, 1),
                  a=_num(risk.saved_if_all_fast, 1)),
        evidence=[tr("{u} unresolved, {r} resolved slowly or without a recorded time, {q} resolved within {h} h",
                     "未解决 {u} 起，慢速或未记录用时解决 {r} 起，{h} 小时内解决 {q} 起",
                     u=st.unresolved, r=st.resolved_slow, q=st.quick, h=_num(s.quick_hours))]))


def _present_resolution(ctx: "ModuleContext", a: ComplaintAnalysis, st: ComplaintStats, out: Presented) -> None:
    """Findings and actions when complaints are not resolved fully or quickly, or remain open."""
    s, tr, mid = a.settings, ctx.tr, ctx.module_id
    res, quick = st.resolution.value or 0.0, st.quick_share.value
    evidence = [tr("resolved {r} of {n} ({p})", "已解决 {r}/{n}（{p}）", r=st.resolved, n=st.n, p=_pct(res))]
    if quick is not None:
        evidence.append(tr("resolved within {h} h: {q}", "{h} 小时内解决：{q}", h=_num(s.quick_hours), q=_pct(quick)))
    if st.median_hours is not None:
        evidence.append(tr("median {m} h, 90th percentile {p} h", "中位数 {m} 小时，第 90 百分位 {p} 小时",
                           m=_num(st.median_hours), p=_num(st.p90_hours)))
    shortfall = max(s.resolution_target - res, 0.0 if quick is None else s.quick_target - quick)
    if shortfall > 1e-9:
        severity = "high" if shortfall >= 0.2 else "medium"
        fid = f"{mid}.complaints.resolution"
        out.findings.append(Finding(
            id=fid, severity=severity,
            title=tr("Complaints are not resolved fully or quickly enough", "投诉解决不够彻底或不够迅速"),
            detail=tr("Targets: {rt} resolved and {qt} within {h} h (settings complaints.resolution_target, "
                      "quick_target, quick_hours).", "目标：解决率 {rt}，{h} 小时内解决 {qt}（设置项 "
                      "complaints.resolution_target、quick_target、quick_hours）。",
                      rt=_pct(s.resolution_target), qt=_pct(s.quick_target), h=_num(s.quick_hours)),
            evidence=evidence))
        out.actions.append(ctx.action(
            "complaints.resolution_target",
            tr("Set and track a resolution-time target: every complaint closed within {h} h",
               "设定并跟踪投诉解决时限：每起投诉 {h} 小时内办结", h=_num(s.quick_hours)),
            rationale=tr("Complainants whose problem is solved quickly come back far more often ({d} against {c} "
                         "when solved slowly); about {x} more customers would be kept.",
                         "迅速解决的投诉顾客回头率远高于慢速解决（{d} 对 {c}），约可多留住 {x} 位顾客。",
                         d=_pct(s.return_rates.resolved_quickly), c=_pct(s.return_rates.resolved),
                         x=_num(a.at_risk.saved_if_all_fast if a.at_risk else None, 1)),
            severity=severity, owner_role=tr("store manager", "店长"), evidence=evidence, finding_ids=[fid],
            targets=[ComplaintTarget(resolved=s.resolution_target, quick=s.quick_target, within_hours=s.quick_hours,
                                     metric=f"{mid}.complaints.resolution_rate", goal=round(100 * s.resolution_target, 1),
                                     label=tr("{rt} of complaints resolved, {qt} within {h} h",
                                              "投诉解决率 {rt}，{h} 小时内解决 {qt}", rt=_pct(s.resolution_target),
                                              qt=_pct(s.quick_target), h=_num(s.quick_hours)))]))
    if st.open:
        high = any(c.severity == "high" for c in st.open)
        fid = f"{mid}.complaints.open"
        listed = [c.id + (f" ({c.category})" if c.category else "") + (f", {c.date}" if c.date else "")
                  for c in st.open]
        out.findings.append(Finding(
            id=fid, severity="high" if high else "medium",
            title=tr("Unresolved complaints: {n}", "仍未解决的投诉：{n} 起", n=len(st.open)),
            evidence=listed[:20] + ([tr("… and {n} more", "…… 另有 {n} 起", n=len(listed) - 20)]
                                    if len(listed) > 20 else [])))
        out.actions.append(ctx.action(
            "complaints.call_back_open",
            tr("Call back every customer with an open complaint and agree a solution",
               "回访每位投诉未解决的顾客并商定解决方案"),
            rationale=tr("An unresolved complainant comes back in {b} of cases, a quickly resolved one in {d}.",
                         "投诉未解决的顾客回头率为 {b}，迅速解决的为 {d}。",
                         b=_pct(s.return_rates.complained), d=_pct(s.return_rates.resolved_quickly)),
            severity="high" if high else "medium", owner_role=tr("customer service lead", "客服主管"),
            evidence=[c.id for c in st.open], finding_ids=[fid],
            targets=[ComplaintTarget(resolved=1.0, metric=f"{mid}.complaints.resolution_rate", goal=100.0,
                                     label=tr("every open complaint resolved", "所有未解决的投诉都得到解决"))]))


def _present_handling(ctx: "ModuleContext", h: SixSteps, out: Presented, step_target: float) -> None:
    tr, mid = ctx.tr, ctx.module_id
    out.metrics.append(_metric(f"{mid}.complaints.six_steps", tr("Complaint handling (six steps)", "投诉处理六步骤"),
                               h.score, "/100", digits=1, n=h.cases))
    out.data["six_steps"] = {
        "cases": h.cases, "score": h.score,
        "steps": [{"step": r.step, "label": step_label(ctx, r.step), "rate": r.rate, "answered": r.answered,
                   "no": r.no, "partly": r.partly, "missed": r in h.missed} for r in h.steps],
    }
    if h.score is None:
        out.notes.append(DataQualityNote(topic="complaint_handling", severity="warning", n=h.cases,
                                         detail=tr("the observed complaint-handling cases have no answered steps",
                                                   "观察到的投诉处理案例没有作答的步骤")))
        return
    if not h.missed:
        return
    names = [step_label(ctx, r.step) for r in h.missed]
    severity = "high" if h.score < 60 else "medium" if h.score < 80 else "low"
    fid = f"{mid}.complaints.six_steps"
    evidence = [tr("{s}: done in {r} of {n} observed cases", "{s}：{n} 个观察案例中达成 {r} 个", s=step_label(ctx, r.step),
                   r=_num(r.done), n=r.answered) for r in h.missed]
    out.findings.append(Finding(
        id=fid, severity=severity,
        title=tr("Complaint handling misses: {s}", "投诉处理遗漏的步骤：{s}", s=tr("; ", "；").join(names)),
        detail=tr("Six-step score {x}/100 over {n} observed cases.", "六步骤得分 {x}/100（{n} 个观察案例）。",
                  x=_num(h.score), n=h.cases),
        evidence=evidence))
    out.actions.append(ctx.action(
        "complaints.six_steps",
        tr("Train complaint handling on the missed steps: {s}", "针对遗漏的步骤开展投诉处理培训：{s}", s=tr("; ", "；").join(names)),
        rationale=tr("Role-play the six steps (apologise, explain, empathise, solve quickly, apologise again and "
                     "commit, thank) and check them on the next visits.",
                     "以角色扮演练习六步骤（道歉、解释、理解、迅速解决、再次致歉并承诺改进、致谢），并在后续走访中检查。"),
        severity=severity, confidence=confidence_for_n(h.cases), owner_role=tr("training lead", "培训主管"),
        evidence=evidence, finding_ids=[fid],
        targets=[ShareTarget(table="evidence.complaint_handling", field=r.step, meets="yes",
                             value=step_target,
                             metric=f"{mid}.complaints.six_steps",
                             label=tr("'{s}' done in {t} of cases", "“{s}”在 {t} 的案例中做到", s=step_label(ctx, r.step),
                                      t=_pct(step_target)))
                 for r in h.missed]))


def _present_losses(ctx: "ModuleContext", rows: list[LossRow], out: Presented) -> None:
    tr, mid = ctx.tr, ctx.module_id
    total = sum(r.count for r in rows)
    out.data["loss_reasons"] = {
        "total": total,
        "rows": [{"reason": r.reason, "label": loss_label(ctx, r.reason), "count": r.count, "share": r.share.value,
                  "ci_low": r.share.low, "ci_high": r.share.high, "benchmark": r.benchmark,
                  "difference": r.difference} for r in rows],
    }
    out.metrics += [_metric(f"{mid}.loss.{r.reason}", tr("Lost customers: {r}", "流失原因：{r}",
                                                         r=loss_label(ctx, r.reason)),
                            unit="%", est=r.share, scale=100, digits=1) for r in rows if r.count]
    order = list(LOSS_LABELS)
    top = max(rows, key=lambda r: (r.count, -order.index(r.reason)))
    ours = [r for r in rows if r.reason in CONTROLLABLE_LOSS and r.count]
    above = [r for r in ours if r.difference is not None and r.difference > 0]
    evidence = [tr("{r}: {c} ({p}; benchmark {b})", "{r}：{c}（{p}；基准 {b}）", r=loss_label(ctx, r.reason), c=r.count,
                   p=_pct(r.share.value), b="—" if r.benchmark is None else f"{_num(r.benchmark)}%")
                for r in rows if r.count]
    fid = f"{mid}.loss.reasons"
    controllable = sum(r.count for r in ours)
    out.findings.append(Finding(
        id=fid, severity="high" if above else "medium" if ours else "info",
        title=tr("Lost customers: most left because of {r}", "流失顾客的主要原因：{r}", r=loss_label(ctx, top.reason)),
        detail=tr("{c} of {n} lost customers left for reasons the store controls (staff indifference, product).",
                  "{n} 位流失顾客中有 {c} 位的流失原因在门店可控范围内（服务人员漠不关心、产品）。",
                  c=controllable, n=total),
        evidence=evidence))
    if ours:
        main = max(ours, key=lambda r: (r.count, -order.index(r.reason)))
        out.actions.append(ctx.action(
            "complaints.win_back",
            tr("Visit or call the lost customers and remove the main reason they left: {r}",
               "回访流失顾客并消除其流失的主要原因：{r}", r=loss_label(ctx, main.reason)),
            rationale=tr("Winning a new customer costs five to six times as much as keeping one; most losses come "
                         "from how customers are served.", "开发一位新顾客的成本是维持一位老顾客的 5–6 倍；"
                         "多数流失源于服务方式。"),
            severity="high" if above else "medium", owner_role=tr("store manager", "店长"),
            evidence=evidence, finding_ids=[fid],
            impact_note=tr("customers won back show in the next audit's figures; the analytics give no score "
                           "for them now", "挽回的顾客会体现在下次审核的数据中；本次分析不为此计分")))
