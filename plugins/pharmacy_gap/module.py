"""The pharmacy gap (SERVQUAL Gap 3): do staff deliver to the written standards?

Reads ``evidence.observations`` (mystery-shop or checklist visits: one row
per standard checked on a visit) and ``evidence.standards``, plus the
root-cause review checklist under ``modules.pharmacy_gap.checklist``.

``ModuleResult.data`` (chart data for the report; rates are 0–1)::

    target: float                  compliance every standard should reach
    min_visits: int                visits needed for a delivery sub-score
    visits: int                    distinct visits with an applicable observation
    subscores: {delivery, checklist: float | None}   each 0–100
    weights: {delivery, checklist: float}
    standards: [{id, title, critical, covers: [item ids], importance: 0–1 | None,
                 n, compliant, partly, not_compliant, na,
                 rate, ci_low, ci_high,           None when n == 0
                 status: met | possible_shortfall | shortfall | not_observed,
                 critical_failure: bool,
                 spread, spread_by: shift | role | None}]   in the audit's order
    worst: [standard id]           the worst standards below target, worst first
    variable: [standard id]        spread ≥ spread_tolerance, most variable first
    shifts, roles: [{group, n, compliant, rate, ci_low, ci_high,
                     expected,            others' rate on the same standards, mix-adjusted (None: no overlap)
                     weak: bool}]
    root_causes: [{topic, label, answered, no, partly,
                   answers: [{question, text, answer, evidence}]}]
"""

from __future__ import annotations

import math

from typing import Any

from pydantic import Field

from gapaudit.analysis import stats
from gapaudit.analysis.checklist import CHECKLIST_RULE, CHECKLIST_RULE_ZH, ChecklistConfig, ChecklistField
from gapaudit.model.base import slug
from gapaudit.model.result import Action, Fact, Finding, Metric, ModuleResult, SetTarget, ShareTarget
from gapaudit.module import AuditModule, ModuleContext, ModuleRun
from gapaudit.analysis.scoring import CONFIDENCE_RULE, CONFIDENCE_RULE_ZH, combine_subscores, critical_failure_topic, \
    rate_shortfall_confidence

from .compliance import COMPLIANCE_RULE, GROUP_RULE, WILSON_RULE, StandardTally, Tally, compare, spread, tally
from .questions import CAUSES, QUESTION_REMEDIES, QUESTIONS, REMEDIES

DEFAULT_WEIGHTS = {"delivery": 0.8, "checklist": 0.2}
ANSWER_ZH = {"yes": "是", "partly": "部分", "no": "否", "na": "不适用"}


class Config(ChecklistConfig):
    """Settings and review answers of the pharmacy-gap module (``modules.pharmacy_gap``)."""

    questions = QUESTIONS
    default_weights = DEFAULT_WEIGHTS

    checklist: ChecklistField = Field(None, description="root-cause review answers: {question id: yes/partly/no/na}")
    target: float = Field(0.9, gt=0, le=1, description="compliance rate every standard should reach, 0–1 "
                                                       "(default 0.9)")
    min_visits: int = Field(5, ge=1, description="distinct visits needed before delivery is scored (default 5: "
                                                 "with fewer, even a perfect record has a 95 % Wilson lower "
                                                 "bound below 0.57)")
    min_group_observations: int = Field(5, ge=1, description="applicable observations a shift or role needs "
                                                             "to be compared (default 5)")
    spread_tolerance: float = Field(0.3, ge=0, le=1, description="difference in compliance between shifts or "
                                                                 "roles that marks a standard as variable")
    worst_count: int = Field(3, ge=1, description="how many of the worst standards to name")
    critical_cap: str | None = Field("C", max_length=10, description="grade cap when a critical standard is not delivered "
                                                      "(null: no cap)")
    confidence: float = Field(0.95, gt=0.5, lt=1, description="confidence level of the intervals")
    weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS),
                                      description="sub-score weights: delivery (default 0.8), checklist (0.2)")


def _pct(x: float | None) -> float | None:
    return None if x is None else round(100 * x, 1)


def _r4(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


class PharmacyGap(AuditModule):
    """Gap 3: compliance with each standard, by shift and role, and the root causes of non-delivery."""

    id = "pharmacy_gap"
    title = {"en": "Pharmacy gap: delivery to the standards", "zh": "药房差距：服务标准的执行"}
    description = {
        "en": "Do staff deliver the service the standards describe? Compliance per standard, shift and role "
              "from mystery-shop or checklist visits, and the root causes behind non-delivery.",
        "zh": "员工是否按标准提供服务？基于神秘顾客或检查表走访，按标准、班次和岗位统计执行率，并分析未执行的根本原因。",
    }
    version = "1.0"
    order = 300
    Config = Config
    reads = frozenset({"evidence.observations", "evidence.standards.id", "evidence.standards.critical"})

    def run(self, ctx: ModuleContext) -> ModuleResult:
        return _Run(ctx).result()


class _Run(ModuleRun):
    """One run of the module: the evidence, read once, and the pieces of the result."""

    cfg: Config

    def __init__(self, ctx: ModuleContext):
        super().__init__(ctx)
        self.weights = self.cfg.weights
        self.importance = ctx.survey.customer_importance() if ctx.survey else {}
        cfg = self.cfg
        self.data = {"target": cfg.target, "min_visits": cfg.min_visits, "visits": 0,
                     "standards": [], "worst": [], "variable": [], "shifts": [], "roles": []}

    # --- assembling ---------------------------------------------------------------

    def result(self) -> ModuleResult:
        ctx = self.ctx
        delivery, grade_cap = self.delivery()
        check = self.add_checklist(QUESTIONS, QUESTION_REMEDIES, metric_first=True)
        self.root_causes()
        subscores = {"delivery": delivery, "checklist": check.score}
        score = combine_subscores(subscores, self.weights)
        self.data.update(subscores=subscores, weights=self.weights)
        self.metrics.insert(0, Metric(id="pharmacy_gap.delivery", label=ctx.tr("Delivery sub-score", "执行子得分"),
                                      value=delivery, unit="/100", n=self.data["visits"]))
        if score is not None and delivery is None:
            self.note(ctx.tr("score basis", "得分依据"),
                      ctx.tr("The score rests on the review checklist only: delivery could not be scored.",
                             "本模块得分仅基于复核清单：服务执行无法评分。"), warning=True)
        return self.finish(score, self.no_data_reason() if score is None else None, grade_cap=grade_cap)

    def no_data_reason(self) -> str:
        ctx, ev = self.ctx, self.ctx.evidence
        if not ev.observations:
            return ctx.tr("no delivery observations (mystery-shop or checklist visits) and no answered review "
                          "checklist", "没有服务执行观察记录（神秘顾客或检查表走访），复核清单也未作答")
        visits = self.data["visits"]
        if visits == 0:
            return ctx.tr("every observation was marked not applicable, and the review checklist is not answered",
                          "所有观察项均为“不适用”，复核清单也未作答")
        return ctx.tr("only {n} visit(s) with applicable observations; delivery needs at least {min} to be "
                      "scored, and the review checklist is not answered",
                      "仅有 {n} 次包含适用观察项的走访，至少需要 {min} 次才能评分，且复核清单未作答",
                      n=visits, min=self.cfg.min_visits)

    def methodology(self) -> list[str]:
        ctx, cfg, w = self.ctx, self.cfg, self.weights
        return [
            ctx.tr("Score (0–100, higher is better) = weighted mean of the delivery sub-score (weight {wd:g}) and "
                   "the review-checklist sub-score (weight {wc:g}); a sub-score without evidence is left out and "
                   "the remaining weights rescaled, never counted as zero.",
                   "得分（0–100，越高越好）= 执行子得分（权重 {wd:g}）与复核清单子得分（权重 {wc:g}）的加权平均；"
                   "缺少证据的子得分不参与计算，其余权重按比例放大，绝不按零分计。",
                   wd=w["delivery"], wc=w["checklist"]),
            ctx.tr("Delivery sub-score = 100 × the mean of the per-standard compliance rates (mean of ratios: "
                   "each observed standard counts the same, however often it was checked); computed only when "
                   "at least {min} distinct visits had an applicable observation.",
                   "执行子得分 = 100 × 各项标准执行率的平均值（比率的平均：每项被观察的标准权重相同，与检查次数无关）；"
                   "仅当至少 {min} 次不同走访含有适用观察项时才计算。", min=cfg.min_visits),
            ctx.tr(COMPLIANCE_RULE,
                   "执行率 = 判定为“符合”的观察数 ÷ 适用观察数（符合 + 部分符合 + 不符合）；“不适用”不计入；"
                   "“部分符合”按不符合计，因为只有完整执行才算执行了标准。每条观察记录计一次。"),
            ctx.tr(WILSON_RULE,
                   "执行率的区间为 {pct:.0%} Wilson 得分区间；它假设各观察相互独立，而同一次走访中的观察并不独立，"
                   "因此真实的不确定性略大。", pct=cfg.confidence),
            ctx.tr("A standard is 'met' when its rate reaches the target {t:.0%}; a 'shortfall' when even the upper "
                   "end of its interval is below the target; a 'possible shortfall' when the rate is below the "
                   "target but the interval still includes it. The worst standards are those below target, "
                   "lowest rate first (ties: lower upper bound, then id).",
                   "执行率达到目标 {t:.0%} 的标准为“达标”；区间上限仍低于目标的为“未达标”；执行率低于目标但区间包含"
                   "目标的为“可能未达标”。最差标准指低于目标的标准，按执行率从低到高排列（并列时按区间上限、再按编号）。",
                   t=cfg.target),
            ctx.tr(GROUP_RULE + " A shift or role with at least {m} such observations is 'weak' when the upper "
                   "end of its interval on them is below that expected rate.",
                   "按班次和岗位：将该组所有适用观察合并计算（总数之比），不区分标准；未填写班次或岗位的观察不计入相应"
                   "分组。为公平比较，只计入其他组也执行过的标准，并按该组各标准的观察数对其他组的执行率加权：期望值 = "
                   "Σ_s n_gs ·（其他组在标准 s 上的执行率）÷ Σ_s n_gs。此类观察不少于 {m} 条的班次（岗位），若其区间"
                   "上限低于该期望值，则判定为“薄弱”。", m=cfg.min_group_observations),
            ctx.tr("Variability of a standard = the largest difference in its compliance rate between two shifts, "
                   "or between two roles, each with at least {m} applicable observations; a difference of "
                   "{s:.0%} or more marks the standard as variable.",
                   "标准的波动 = 该标准在两个班次之间或两个岗位之间执行率的最大差值（每组至少 {m} 条适用观察）；"
                   "差值达到 {s:.0%} 及以上即判定为波动较大。",
                   m=cfg.min_group_observations, s=cfg.spread_tolerance),
            ctx.tr("A critical standard tolerates no failure: one observation marked not compliant or partly "
                   "compliant caps the grade at {cap}.",
                   "关键标准不容许任何失误：只要有一条观察为“不符合”或“部分符合”，等级即被限制为不高于 {cap}。",
                   cap=cfg.critical_cap or "—"),
            ctx.tr(CHECKLIST_RULE, CHECKLIST_RULE_ZH),
            ctx.tr("Each root cause answered 'no' or 'partly' on the checklist, or shown by the standards' own "
                   "records (flagged too complex or too harsh, or not known by staff, and delivered below "
                   "target), becomes an action with that cause's remedy.",
                   "复核清单中回答为“否”或“部分”的根本原因，或由标准记录本身体现的原因（标记为过于复杂或苛刻、或员工不"
                   "了解，且执行率低于目标），均转化为一项采用对应措施的改进行动。"),
            ctx.tr("Action importance = the highest customer importance (0–1) among the questionnaire items a "
                   "standard covers. " + CONFIDENCE_RULE,
                   "行动的重要度 = 该标准所覆盖问卷题项中最高的顾客重要度（0–1）。" + CONFIDENCE_RULE_ZH),
        ]

    # --- delivery -----------------------------------------------------------------

    def delivery(self) -> tuple[float | None, str | None]:
        """Per-standard compliance, breakdowns, delivery findings and actions; the sub-score and grade cap."""
        ctx, cfg, ev = self.ctx, self.cfg, self.ctx.evidence
        if not ev.observations:
            if ev.standards:
                self.note(ctx.tr("delivery", "服务执行"),
                          ctx.tr("{n} standards are written down but no visit observed them.",
                                 "已有 {n} 项书面标准，但没有任何走访观察记录。", n=len(ev.standards)), warning=True)
            return None, None
        standards, shifts, roles = tally(ev.observations)
        visits = list(dict.fromkeys(o.visit for o in ev.observations if o.result != "na"))
        self.data["visits"] = len(visits)
        self._duplicates()

        rows = [self._standard_row(std, standards.get(std.id, StandardTally())) for std in ev.standards]
        observed = [r for r in rows if r["n"] > 0]
        self.data["standards"] = rows
        pooled = Tally()
        for st in standards.values():
            for name in ("compliant", "partly", "not_compliant", "na"):
                setattr(pooled, name, getattr(pooled, name) + getattr(st.total, name))
        est = pooled.estimate(cfg.confidence)
        self.metrics += [
            Metric(id="pharmacy_gap.visits", label=ctx.tr("Visits", "走访次数"), value=len(visits), n=len(visits)),
            Metric(id="pharmacy_gap.compliance_pooled", label=ctx.tr("Compliance, all observations pooled",
                                                                     "总体执行率（全部观察合并）"),
                   value=_pct(est.value), unit="%", n=est.n, ci_low=_pct(est.low), ci_high=_pct(est.high)),
        ]
        self.metrics += [Metric(id=f"pharmacy_gap.standard.{r['id']}", label=r["title"], value=_pct(r["_est"].value),
                                unit="%", n=r["n"], ci_low=_pct(r["_est"].low), ci_high=_pct(r["_est"].high))
                         for r in observed]
        self.data["shifts"] = self._groups(shifts, standards, "shift")
        self.data["roles"] = self._groups(roles, standards, "role")
        if pooled.partly:
            self.note(ctx.tr("partly compliant", "部分符合"),
                      ctx.tr("{n} observation(s) were marked partly compliant and count as not compliant.",
                             "有 {n} 条观察为“部分符合”，按不符合计。", n=pooled.partly), pooled.partly)
        if pooled.na:
            self.note(ctx.tr("not applicable", "不适用"),
                      ctx.tr("{n} observation(s) were marked not applicable and are left out of every rate.",
                             "有 {n} 条观察为“不适用”，不计入任何执行率。", n=pooled.na), pooled.na)

        self._standard_findings(rows)
        grade_cap = self._critical(rows)
        self._variability(rows)
        if not observed:
            return None, grade_cap
        if len(visits) < cfg.min_visits:
            self.findings.append(Finding(
                id="pharmacy_gap.too_few_visits", severity="medium",
                title=ctx.tr("Too few visits to score delivery: {n} of the {min} needed",
                             "走访次数不足，无法评定执行情况：仅 {n} 次，至少需要 {min} 次", n=len(visits),
                             min=cfg.min_visits),
                detail=ctx.tr("Rates from so few visits have intervals too wide to conclude anything; they are "
                              "shown with their intervals but no delivery sub-score is given. Plan at least "
                              "{more} more visit(s), spread over shifts and days.",
                              "走访次数太少，执行率的区间过宽，无法得出结论；下列执行率仅附区间展示，不计算执行子得分。"
                              "请至少再安排 {more} 次走访，覆盖不同班次和日期。",
                              more=cfg.min_visits - len(visits))))
            self.note(ctx.tr("visits", "走访"),
                      ctx.tr("{n} visit(s); at least {min} are needed to score delivery.",
                             "走访 {n} 次；至少需要 {min} 次才能评定执行情况。", n=len(visits), min=cfg.min_visits),
                      len(visits), warning=True)
            return None, grade_cap
        mean = math.fsum(r["_est"].value for r in observed) / len(observed)
        return round(100 * mean, 1), grade_cap

    def _duplicates(self) -> None:
        seen: dict[tuple[str, str], int] = {}
        for o in self.ctx.evidence.observations:
            seen[(o.visit, o.standard)] = seen.get((o.visit, o.standard), 0) + 1
        dups = [f"{v}/{s}" for (v, s), c in seen.items() if c > 1]
        if dups:
            self.note(self.ctx.tr("repeated observations", "重复观察"),
                      self.ctx.tr("{n} visit/standard pair(s) were observed more than once; each row counts: {l}",
                                  "有 {n} 组“走访/标准”被观察了不止一次，每条记录均计入：{l}",
                                  n=len(dups), l=", ".join(dups[:10]) + (" …" if len(dups) > 10 else "")),
                      len(dups), warning=True)

    def _standard_row(self, std: Any, st: StandardTally) -> dict[str, Any]:
        cfg, t = self.cfg, st.total
        est = t.estimate(cfg.confidence)
        if t.applicable == 0:
            status = "not_observed"
        elif est.value >= cfg.target:
            status = "met"
        elif est.high < cfg.target:
            status = "shortfall"
        else:
            status = "possible_shortfall"
        sp = spread(st, cfg.min_group_observations)
        imps = [self.importance[i] for i in std.covers if i in self.importance]
        return {
            "id": std.id, "title": std.title, "critical": std.critical, "covers": list(std.covers),
            "importance": _r4(max(imps)) if imps else None, "n": t.applicable, "compliant": t.compliant,
            "partly": t.partly, "not_compliant": t.not_compliant, "na": t.na,
            "rate": _r4(est.value), "ci_low": _r4(est.low), "ci_high": _r4(est.high), "status": status,
            "critical_failure": std.critical and t.failures > 0,
            "spread": None if sp is None else _r4(sp.value), "spread_by": None if sp is None else sp.by,
            "_spread": sp, "_std": std, "_est": est,  # exact values: rounding is for display only
        }

    def _plain(self, r: dict[str, Any]) -> str:
        """The standard's delivery in one plain line (for the summary: no interval)."""
        return self.ctx.tr("'{title}' met in {k} of {n} observations ({rate:.0%}; target {t:.0%})",
                           "“{title}”：{n} 次观察中执行到位 {k} 次（{rate:.0%}；目标 {t:.0%}）", title=r["title"],
                           k=r["compliant"], n=r["n"], rate=r["rate"], t=self.cfg.target)

    def _line(self, r: dict[str, Any]) -> str:
        return self.ctx.tr("{title} ({id}): {rate:.0%} compliant [{lo:.0%}–{hi:.0%}], n = {n}",
                           "{title}（{id}）：执行率 {rate:.0%} [{lo:.0%}–{hi:.0%}]，n = {n}",
                           title=r["title"], id=r["id"], rate=r["_est"].value, lo=r["_est"].low, hi=r["_est"].high,
                           n=r["n"])

    def _standard_findings(self, rows: list[dict[str, Any]]) -> None:
        ctx, cfg = self.ctx, self.cfg
        below = sorted((r for r in rows if r["status"] in ("shortfall", "possible_shortfall")),
                       key=lambda r: (r["_est"].value, r["_est"].high, r["id"]))
        self.data["worst"] = [r["id"] for r in below[:cfg.worst_count]]
        if below:
            worst = below[:cfg.worst_count]
            confirmed = sum(1 for r in below if r["status"] == "shortfall")
            self.findings.append(Finding(
                id="pharmacy_gap.worst_standards", severity="high" if confirmed else "medium",
                title=ctx.tr("{n} standard(s) delivered below the {t:.0%} target ({c} clearly below)",
                             "{n} 项标准的执行率低于 {t:.0%} 的目标（其中 {c} 项明确低于）",
                             n=len(below), t=cfg.target, c=confirmed),
                detail=ctx.tr("The worst {k}, lowest rate first.", "最差的 {k} 项，按执行率从低到高排列。",
                              k=len(worst)),
                evidence=[self._line(r) for r in worst],
                facts=[Fact(about=f"standard:{r['id']}", link="pharmacy", kind="compliance", value=r["rate"],
                            text=self._plain(r)) for r in below]))
        for r in below + [r for r in rows if r["critical_failure"] and r not in below]:
            self.actions.append(self._standard_action(r))
        never = [r for r in rows if r["status"] == "not_observed"]
        if never:
            self.findings.append(Finding(
                id="pharmacy_gap.not_observed", severity="info",
                title=ctx.tr("{n} standard(s) were not observed on any visit", "{n} 项标准在走访中均未被观察到",
                             n=len(never)),
                detail=ctx.tr("Add them to the visit checklist so their delivery can be judged.",
                              "请将其纳入走访检查表，以便评估其执行情况。"),
                evidence=[f"{r['id']}: {r['title']}" for r in never]))

    def _standard_action(self, r: dict[str, Any]) -> Action:
        ctx, cfg, std = self.ctx, self.cfg, r["_std"]
        critical = r["critical_failure"]
        severity = "critical" if critical else "high" if r["status"] == "shortfall" else "medium"
        confidence = 1.0 if critical else rate_shortfall_confidence(r["compliant"], r["n"], cfg.target)
        return ctx.action(
            f"pharmacy_gap.standard.{std.id}",
            ctx.tr("Bring '{title}' back to standard: re-brief the staff concerned and check it on every shift "
                   "until it reaches {t:.0%}", "让“{title}”重新达标：向相关员工重新讲解该标准，并在每个班次检查，"
                   "直至执行率达到 {t:.0%}", title=std.title, t=1.0 if critical else cfg.target),
            rationale=ctx.tr("Observed compliance is {rate:.0%} [{lo:.0%}–{hi:.0%}] over {n} applicable "
                             "observations, against a target of {t:.0%}.",
                             "在 {n} 条适用观察中执行率为 {rate:.0%} [{lo:.0%}–{hi:.0%}]，目标为 {t:.0%}。",
                             rate=r["_est"].value, lo=r["_est"].low, hi=r["_est"].high, n=r["n"], t=cfg.target)
            + (ctx.tr(" It is a critical standard, which tolerates no failure, and failed {f} time(s).",
                      " 这是不容许任何失误的关键标准，共失误 {f} 次。", f=r["partly"] + r["not_compliant"])
               if critical else ""),
            severity=severity, importance=r["importance"], confidence=confidence,
            owner_role=std.owner_role or ctx.tr("Store manager", "店长"), evidence=[self._line(r)],
            finding_ids=["pharmacy_gap.critical_failures" if critical else "pharmacy_gap.worst_standards"],
            about=[f"standard:{std.id}"], targets=[self._target(std.id, std.title, 1.0 if critical else cfg.target)])

    def _target(self, standard: str, title: str, rate: float) -> ShareTarget:
        """A standard delivered at ``rate``: its failing observations (partly, not compliant) marked compliant."""
        return ShareTarget(table="evidence.observations", where={"standard": standard}, field="result", meets="yes",
                           value=rate, about=f"standard:{standard}", metric=f"pharmacy_gap.standard.{standard}",
                           goal=round(100 * rate, 1),
                           label=self.ctx.tr("'{t}' delivered in {r:.0%} of observations",
                                             "“{t}”的执行率达到 {r:.0%}", t=title, r=rate))

    def _critical(self, rows: list[dict[str, Any]]) -> str | None:
        ctx, cfg = self.ctx, self.cfg
        failed = [r for r in rows if r["critical_failure"]]
        if not failed:
            return None
        self.findings.append(Finding(
            id="pharmacy_gap.critical_failures", severity="critical",
            title=ctx.tr("{n} critical standard(s) not delivered on every occasion",
                         "{n} 项关键标准未能每次都执行到位", n=len(failed)),
            detail=ctx.tr("Critical standards tolerate no failure.", "关键标准不容许任何失误。"),
            evidence=[ctx.tr("{title} ({id}): {f} failure(s) in {n} applicable observations",
                             "{title}（{id}）：{n} 条适用观察中失误 {f} 次", title=r["title"], id=r["id"],
                             f=r["partly"] + r["not_compliant"], n=r["n"]) for r in failed],
            topic=critical_failure_topic(r["id"] for r in failed),
            facts=[Fact(about=f"standard:{r['id']}", link="pharmacy", kind="critical_failures",
                        value=r["partly"] + r["not_compliant"],
                        text=ctx.tr("critical standard '{title}' failed {f} time(s) in {n} observations",
                                    "关键标准“{title}”在 {n} 次观察中失误 {f} 次", title=r["title"],
                                    f=r["partly"] + r["not_compliant"], n=r["n"])) for r in failed]))
        cap = cfg.critical_cap
        if cap is None:
            return None
        if cap not in [b.grade for b in ctx.audit.scoring.bands]:
            self.note(ctx.tr("grade cap", "等级上限"),
                      ctx.tr("critical_cap {cap!r} is not one of the grade bands; no cap was applied.",
                             "critical_cap {cap!r} 不是已定义的等级，未限制等级。", cap=cap), warning=True)
            return None
        return cap

    def _variability(self, rows: list[dict[str, Any]]) -> None:
        ctx, cfg = self.ctx, self.cfg
        variable = sorted((r for r in rows if r["_spread"] is not None and r["_spread"].value >= cfg.spread_tolerance
                           and r["_spread"].value > 0), key=lambda r: (-r["_spread"].value, r["id"]))
        self.data["variable"] = [r["id"] for r in variable]
        if not variable:
            return
        lines = []
        for r in variable:
            sp = r["_spread"]
            lines.append(ctx.tr("{title} ({id}): {lo_g} {lo:.0%} vs {hi_g} {hi:.0%} (by {by})",
                                "{title}（{id}）：{lo_g} {lo:.0%}，{hi_g} {hi:.0%}（按{by}）",
                                title=r["title"], id=r["id"], lo_g=sp.low_group, lo=sp.low_rate,
                                hi_g=sp.high_group, hi=sp.high_rate,
                                by=ctx.tr(sp.by, "班次" if sp.by == "shift" else "岗位")))
        self.findings.append(Finding(
            id="pharmacy_gap.variable_standards", severity="medium",
            title=ctx.tr("{n} standard(s) delivered very differently between shifts or roles",
                         "{n} 项标准在不同班次或岗位之间执行差异很大", n=len(variable)),
            detail=ctx.tr("Service varies with who delivers it and when; the best group shows the standard can "
                          "be met.", "服务质量随执行人员和时段而变化；表现最好的组说明该标准是可以做到的。"),
            evidence=lines))

    def _groups(self, groups: dict[str, Tally], standards: dict[str, StandardTally],
                kind: str) -> list[dict[str, Any]]:
        """Rows for the shift or role breakdown, with weak groups as findings and actions."""
        ctx, cfg = self.ctx, self.cfg
        what = ctx.tr(kind, "班次" if kind == "shift" else "岗位")
        rows = []
        for name in sorted(groups):
            t = groups[name]
            if t.applicable == 0:
                continue
            est = t.estimate(cfg.confidence)
            cmp = compare(standards, kind, name)
            weak = False
            if cmp is not None and cmp.applicable >= cfg.min_group_observations:
                high = stats.wilson_interval(cmp.compliant, cmp.applicable, cfg.confidence)[1]
                weak = high is not None and high < cmp.expected
            rows.append({"group": name, "n": t.applicable, "compliant": t.compliant, "rate": _r4(est.value),
                         "ci_low": _r4(est.low), "ci_high": _r4(est.high),
                         "expected": None if cmp is None else _r4(cmp.expected), "weak": weak})
            self.metrics.append(Metric(id=f"pharmacy_gap.{kind}.{slug(name)}",
                                       label=ctx.tr("{k}: {g}", "{k}：{g}", k=ctx.tr(kind.capitalize(),
                                                    "班次" if kind == "shift" else "岗位"), g=name),
                                       value=_pct(est.value), unit="%", n=t.applicable, ci_low=_pct(est.low),
                                       ci_high=_pct(est.high)))
            if not weak:
                continue
            fid = f"pharmacy_gap.weak_{kind}.{slug(name)}"
            low, high = stats.wilson_interval(cmp.compliant, cmp.applicable, cfg.confidence)
            line = ctx.tr("{g}: {rate:.0%} [{lo:.0%}–{hi:.0%}] on the standards other {k}s also deliver, n = {n}; "
                          "the other {k}s on the same standards: {other:.0%}",
                          "{g}：在其他{k}也执行的标准上执行率 {rate:.0%} [{lo:.0%}–{hi:.0%}]，n = {n}；其他{k}在相同标准上："
                          "{other:.0%}", g=name, rate=cmp.compliant / cmp.applicable, lo=low, hi=high,
                          n=cmp.applicable, k=what, other=cmp.expected)
            self.findings.append(Finding(
                id=fid, severity="medium",
                title=ctx.tr("The {g} {k} delivers the standards clearly less often than the others",
                             "{k}“{g}”的标准执行率明显低于其他{k}", g=name, k=what),
                evidence=[line]))
            self.actions.append(ctx.action(
                f"pharmacy_gap.{kind}.{slug(name)}",
                ctx.tr("Coach the {g} {k} on the standards and supervise it until it matches the others",
                       "针对{k}“{g}”开展标准辅导，并加强督导直至与其他{k}持平", g=name, k=what),
                rationale=line, severity="medium",
                confidence=rate_shortfall_confidence(cmp.compliant, cmp.applicable, cmp.expected),
                owner_role=ctx.tr("Shift supervisor", "值班主管") if kind == "shift" else ctx.tr("Store manager",
                                                                                            "店长"),
                evidence=[line], finding_ids=[fid],
                targets=[ShareTarget(table="evidence.observations", where={kind: name}, field="result", meets="yes",
                                     value=round(cmp.expected, 4), metric=f"pharmacy_gap.{kind}.{slug(name)}",
                                     goal=round(100 * cmp.expected, 1),
                                     label=ctx.tr("the {g} {k} delivers at the others' rate, {r:.0%}",
                                                  "{k}“{g}”的执行率达到其他{k}的水平 {r:.0%}", g=name, k=what,
                                                  r=cmp.expected))]))
        return rows

    # --- root causes ----------------------------------------------------------------

    def _flags(self, std: Any) -> str:
        flags = [(self.ctx.tr("too complex", "过于复杂"), std.too_complex),
                 (self.ctx.tr("too harsh", "过于苛刻"), std.too_harsh)]
        return self.ctx.tr(" and ", "、").join(f for f, on in flags if on)

    def root_causes(self) -> None:
        """Checklist answers per cause; standards' own records join (or make) each cause's action.

        Runs after :meth:`add_checklist`, whose actions the standards' evidence is merged into.
        """
        ctx, cfg = self.ctx, self.cfg
        answers = cfg.checklist.answers if cfg.checklist else {}
        causes = []
        for topic, label in CAUSES.items():
            qs = [q for q in QUESTIONS if q.topic == topic]
            given = [(q, answers[q.id]) for q in qs if q.id in answers]
            causes.append({
                "topic": topic, "label": label.get(ctx.lang, label["en"]), "answered": len(given),
                "no": sum(1 for _, a in given if a.answer == "no"),
                "partly": sum(1 for _, a in given if a.answer == "partly"),
                "answers": [{"question": q.id, "text": q.text(ctx.lang), "answer": a.answer, "evidence": a.evidence}
                            for q, a in given]})
        self.data["root_causes"] = causes
        rows = [r for r in self.data.get("standards", []) if r["status"] in ("shortfall", "possible_shortfall")]
        facts = {
            "complexity": [ctx.tr("{line}; flagged {flags}", "{line}；被标记为{flags}", line=self._line(r),
                                  flags=self._flags(r["_std"]))
                           for r in rows if r["_std"].too_complex or r["_std"].too_harsh],
            "training": [ctx.tr("{line}; known by staff: {a}", "{line}；员工了解该标准：{a}", line=self._line(r),
                                a=ctx.tr(r["_std"].known_by_staff, ANSWER_ZH[r["_std"].known_by_staff]))
                         for r in rows if r["_std"].known_by_staff in ("no", "partly")],
        }
        flagged = {"complexity": [r for r in rows if r["_std"].too_complex or r["_std"].too_harsh],
                   "training": [r for r in rows if r["_std"].known_by_staff in ("no", "partly")]}
        fixes = {"complexity": ({"too_complex": False, "too_harsh": False},
                                ctx.tr("'{t}' no longer too complex or too harsh", "“{t}”不再过于复杂或苛刻")),
                 "training": ({"known_by_staff": "yes"}, ctx.tr("'{t}' known by staff", "员工了解“{t}”"))}
        for topic, lines in facts.items():
            if not lines:
                continue
            remedy = REMEDIES[topic]
            aid = f"pharmacy_gap.{remedy.key}"
            changes, label = fixes[topic]
            targets = [SetTarget(table="evidence.standards", where={"id": r["id"]}, changes=changes,
                                 about=f"standard:{r['id']}", label=label.format(t=r["title"]))
                       for r in flagged[topic]]
            about = [f"standard:{r['id']}" for r in flagged[topic]]
            existing = next((a for a in self.actions if a.id == aid), None)
            if existing is not None:
                idx = self.actions.index(existing)
                self.actions[idx] = existing.model_copy(update={"evidence": existing.evidence + lines,
                                                                "finding_ids": existing.finding_ids
                                                                + ["pharmacy_gap.worst_standards"],
                                                                "targets": existing.targets + targets,
                                                                "about": existing.about + about})
                continue
            self.actions.append(ctx.remedy_action(
                remedy, severity="medium",
                rationale=ctx.tr("Standards delivered below target carry this cause in their own records.",
                                 "低于目标的标准在其记录中显示出这一原因。"),
                evidence=lines, finding_ids=["pharmacy_gap.worst_standards"], about=about, targets=targets))
        for r in self.data.get("standards", []):
            r.pop("_spread", None)
            r.pop("_std", None)
            r.pop("_est", None)
