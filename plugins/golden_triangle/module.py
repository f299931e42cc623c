"""The service golden triangle: people, hardware and software, none of which can be missing.

Each element is scored 0–100 from tagged evidence (or the auditor's rubric
where there is none), each corner is the weighted mean of its elements, and
the triangle is the weighted *power mean* of the three corners with exponent
``power`` (default 0: the geometric mean). Any power below 1 punishes
imbalance: a weak corner drags the triangle down more than it would drag an
average, and a corner at 0 makes the triangle 0. A corner without evidence
leaves the triangle unscored.

``ModuleResult.data``::

    corners: [{corner, label, score, weight,
               elements: [{element, label, score, weight, basis: evidence|rubric|None, n, ci_low, ci_high,
                           sources: [{kind, label, score, n}], rubric_unused}],
               missing: [element ids without a score]}]
    triangle: {score, power, arithmetic_mean, imbalance_cost, spread, balance, weakest_corner,
               weakest_element}            # imbalance_cost = arithmetic_mean − score (≥ 0)
    grade: {bands, uncapped, grade, cap, capped, critical, failed: [...]}
    complaints: {count, resolved, unresolved, resolution_rate}      # where a complaint log exists
    six_steps: {cases, score, steps: [{step, label, rate, answered, no, partly, missed}]}
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import Field, field_validator

from gapaudit.analysis.complaints import ComplaintSettings, analyse, present
from gapaudit.model.result import Action, DataQualityNote, Finding, Metric, ModuleResult
from gapaudit.model.vocab import CORNER_OF, ELEMENTS, TRIANGLE, Element
from gapaudit.module import AuditModule, ModuleContext
from gapaudit.analysis.stats import weighted_mean
from gapaudit.analysis.tagged import (QUALITY_READS, QualityConfig, weakness_target, SourceScore, TagScore, basis_text, coverage_notes, fmt1,
                             grade_with_critical, listing, merge_weights, round1, tag_data, tag_metric, tag_rules,
                             tag_scores, weakness)

Corner = Literal["people", "hardware", "software"]


class GoldenTriangleConfig(QualityConfig):
    """Settings of the golden triangle; a chain plugin may set them through gapaudit_audit_defaults."""

    element_weights: dict[Element, float] = Field(
        default_factory=lambda: {e: 1.0 for e in ELEMENTS},
        description="weight of each element within its corner (default 1 each; elements not listed keep 1)")
    corner_weights: dict[Corner, float] = Field(
        default_factory=lambda: {c: 1.0 for c in TRIANGLE},
        description="weight of each corner in the triangle (default 1 each; corners not listed keep 1)")
    power: float = Field(0, ge=-10, le=1, description="exponent of the power mean of the corners: 1 = arithmetic "
                                                      "(no balance penalty), 0 = geometric (default), −1 = harmonic")
    balance_spread: float = Field(20, ge=0, le=100, description="corners further apart than this many points "
                                                                "are reported as out of balance")
    complaints: ComplaintSettings = Field(default_factory=ComplaintSettings)

    @field_validator("element_weights")
    @classmethod
    def _elements(cls, value: dict[str, float]) -> dict[str, float]:
        merged = merge_weights(value, ELEMENTS, "element", need_positive=False)
        for corner, elements in TRIANGLE.items():
            if not any(merged[e] for e in elements):
                raise ValueError(f"every element of corner {corner!r} has weight 0")
        return merged

    @field_validator("corner_weights")
    @classmethod
    def _corners(cls, value: dict[str, float]) -> dict[str, float]:
        return merge_weights(value, tuple(TRIANGLE), "corner")


# --- pure scoring rules -------------------------------------------------------------------

#: |p| below this is treated as p = 0 (the geometric mean, the formula's limit)
GEOMETRIC_BELOW = 1e-6


def power_mean(values: list[float], weights: list[float], p: float) -> float:
    """Weighted power mean (Σ wᵢ xᵢᵖ ÷ Σ wᵢ)^(1/p) of values ≥ 0; p = 0 is the weighted geometric mean.

    For p ≤ 0 any value at 0 gives 0 (the limit of the formula). Never above the weighted arithmetic mean
    when p ≤ 1, and never falling when one value rises.
    """
    pairs = [(v, w) for v, w in zip(values, weights) if w > 0]
    if not pairs:
        raise ValueError("power_mean needs at least one positive weight")
    total = math.fsum(w for _, w in pairs)
    if p < GEOMETRIC_BELOW and any(v <= 0 for v, _ in pairs):
        return 0.0
    if abs(p) < GEOMETRIC_BELOW:  # the limit p → 0; dividing by a tinier p only adds rounding error
        return math.exp(math.fsum(w * math.log(v) for v, w in pairs) / total)
    # in logs (log-sum-exp), so that tiny values raised to a negative power cannot overflow
    logs = [math.log(w) + p * math.log(v) for v, w in pairs if v > 0]
    if not logs:
        return 0.0
    top = max(logs)
    log_sum = top + math.log(math.fsum(math.exp(x - top) for x in logs))
    return min(max(v for v, _ in pairs), math.exp((log_sum - math.log(total)) / p))


def corner_score(scores: dict[str, float | None], weights: dict[str, float]) -> float | None:
    """Weighted mean of the corner's elements that have a score and a weight above 0."""
    keys = [e for e, s in scores.items() if s is not None and weights.get(e, 0) > 0]
    if not keys:
        return None
    return weighted_mean([scores[e] for e in keys], [weights[e] for e in keys])


def triangle_score(corners: dict[str, float | None], weights: dict[str, float], p: float) -> float | None:
    """Power mean of the corners; None when a corner that carries weight has no score."""
    keys = [c for c in corners if weights.get(c, 0) > 0]
    if any(corners[c] is None for c in keys):
        return None
    return power_mean([corners[c] for c in keys], [weights[c] for c in keys], p)  # type: ignore[misc]


# --- wording --------------------------------------------------------------------------------

#: action per weak element: (en, zh, owner en, owner zh)
ACTIONS: dict[str, tuple[str, str, str, str]] = {
    "appearance": ("Set a grooming and dress standard and check it at the start of every shift",
                   "制定仪容仪表标准，并在每个班次开始时检查", "store manager", "店长"),
    "attitude": ("Coach front-line staff on warmth and attentiveness, and check it on mystery visits",
                 "辅导一线员工的热情与关注度，并以神秘顾客走访检查", "store manager", "店长"),
    "expression": ("Train service language: greeting, restating the request, using the customer's name, "
                   "no excuses", "培训服务用语：问候、复述顾客需求、称呼顾客姓名、不找借口", "training lead", "培训主管"),
    "store": ("Put the store environment right: layout, cleanliness, lighting and signage",
              "改善门店环境：布局、清洁、照明与标识", "facilities manager", "设施经理"),
    "equipment": ("Repair or replace the failing equipment and set a maintenance schedule",
                  "维修或更换有问题的设备，并制定保养计划", "facilities manager", "设施经理"),
    "products": ("Review the range and its availability against what customers ask for",
                 "对照顾客需求检查商品品类与供货", "category manager", "品类经理"),
    "process": ("Redesign the service process from the customer's side and write down each post's steps",
                "从顾客角度重新设计服务流程，并写明每个岗位的步骤", "operations manager", "运营经理"),
    "complaint_handling": ("Strengthen complaint handling: train the six steps and set a resolution-time target",
                           "加强投诉处理：培训六步骤并设定解决时限", "customer service lead", "客服主管"),
    "service_system": ("Build the service system: written standards, daily monitoring, and incentives tied to "
                       "service", "健全服务体系：书面标准、日常督导，以及与服务挂钩的激励", "store manager", "店长"),
}

HARDWARE_CORNER = "hardware"


class GoldenTriangle(AuditModule):
    """People, hardware and software: three corners that hold each other up (source: the service golden triangle)."""

    id = "golden_triangle"
    title = {"en": "Service golden triangle", "zh": "服务金三角"}
    description = {"en": "People, hardware and software, scored by element; imbalance is penalised.",
                   "zh": "人员、硬件、软件三个角按要素评分；失衡会被扣分。"}
    version = "1.0"
    order = 600
    reads = QUALITY_READS
    Config = GoldenTriangleConfig

    def run(self, ctx: ModuleContext) -> ModuleResult:
        cfg: GoldenTriangleConfig = ctx.config
        ev = ctx.evidence
        analysis = analyse(ev, cfg.complaints)
        shown = present(ctx, analysis, full=False)
        elements = tag_scores(ctx, "element", ELEMENTS, {"complaint_handling": complaint_sources(analysis)})
        corners = {c: corner_score({e: elements[e].score for e in els}, cfg.element_weights)
                   for c, els in TRIANGLE.items()}
        score = triangle_score(corners, cfg.corner_weights, cfg.power)

        keys = [c for c in TRIANGLE if cfg.corner_weights[c] > 0 and corners[c] is not None]
        arithmetic = weighted_mean([corners[c] for c in keys], [cfg.corner_weights[c] for c in keys])
        missing_corners = [c for c in TRIANGLE if cfg.corner_weights[c] > 0 and corners[c] is None]
        reason = None
        if missing_corners:
            reason = ctx.tr("no evidence for the {c} corner; the triangle needs all three corners",
                            "{c}角没有证据；金三角需要三个角齐全", c=listing(ctx, (ctx.label(c) for c in missing_corners)))
        final = None if score is None else round(score, 1)
        graded = grade_with_critical(ctx, final, cfg)

        weakest_corner = min(keys, key=lambda c: (corners[c], list(TRIANGLE).index(c))) if keys else None
        scored_elements = [e for e in ELEMENTS if elements[e].score is not None]
        weakest_element = min(scored_elements, key=lambda e: (elements[e].score, ELEMENTS.index(e))) \
            if scored_elements else None
        scored_corners = [corners[c] for c in keys]
        spread = max(scored_corners) - min(scored_corners) if len(scored_corners) > 1 else None
        balance = {
            "score": score, "power": cfg.power, "arithmetic_mean": arithmetic,
            "imbalance_cost": None if score is None or arithmetic is None else max(0.0, arithmetic - score),
            "spread": spread,
            "balance": (min(scored_corners) / max(scored_corners) if len(scored_corners) > 1 and max(scored_corners) > 0
                        else None),
            "weakest_corner": weakest_corner, "weakest_element": weakest_element,
        }

        findings = graded.findings + self._findings(ctx, elements, corners, balance) + shown.findings
        complaint_actions = {a.id for a in shown.actions}
        actions = self._actions(ctx, elements, corners, bool(complaint_actions)) + shown.actions
        notes = self._notes(ctx, elements) + shown.notes + graded.notes
        metrics = self._metrics(ctx, elements, corners, balance) + shown.metrics
        data = {"corners": self._corner_data(ctx, elements, corners), "triangle": balance, "grade": graded.data,
                **shown.data}
        methodology = self._rules(ctx) + graded.rules + shown.methodology
        return ModuleResult(score=final, grade=graded.grade, grade_cap=graded.grade_cap, reason=reason,
                            metrics=metrics, findings=findings, actions=actions, data=data,
                            methodology=methodology, data_quality=notes)

    # --- parts -----------------------------------------------------------------------------

    def _rules(self, ctx: ModuleContext) -> list[str]:
        cfg: GoldenTriangleConfig = ctx.config
        tr = ctx.tr
        p = cfg.power
        kind = (tr("geometric mean", "几何平均") if p == 0 else tr("arithmetic mean", "算术平均") if p == 1
                else tr("harmonic mean", "调和平均") if p == -1 else tr("power mean", "幂平均"))
        return tag_rules(ctx, "element") + [
            tr("complaint handling also draws on the observed six-step score and on the complaint log's resolution "
               "rate (× 100), each one more evidence source", "投诉处理要素另以六步骤观察得分与投诉记录的解决率（× 100）"
               "作为证据来源"),
            tr("corner score = weighted mean of its elements that have a score; element weights: {w}",
               "角得分 = 该角有得分要素的加权均值；要素权重：{w}",
               w=listing(ctx, (f"{ctx.label(e)} {cfg.element_weights[e]:g}" for e in ELEMENTS))),
            tr("triangle score = weighted power mean of the corners, (Σ wᵢ·cᵢ^p ÷ Σ wᵢ)^(1/p) with p = {p:g} "
               "({k}; p = 0 means exp(Σ wᵢ·ln cᵢ ÷ Σ wᵢ)); with p below 1 a weak corner pulls the score down more "
               "than an average would, and a corner at 0 makes it 0; corner weights: {w}; a corner without evidence "
               "leaves the triangle unscored",
               "金三角得分 = 三个角的加权幂平均 (Σ wᵢ·cᵢ^p ÷ Σ wᵢ)^(1/p)，p = {p:g}（{k}；p = 0 时为 exp(Σ wᵢ·ln cᵢ ÷ Σ wᵢ)）；"
               "p 小于 1 时弱角对总分的拖累大于简单平均，任一角为 0 则总分为 0；角权重：{w}；任一角无证据则不评分",
               p=p, k=kind, w=listing(ctx, (f"{ctx.label(c)} {cfg.corner_weights[c]:g}" for c in TRIANGLE))),
            tr("balance: spread = highest − lowest corner; balance ratio = lowest ÷ highest corner (1 = all corners "
               "equal, towards 0 as one lags; given with at least two scored corners and a highest above 0); "
               "imbalance cost = weighted arithmetic mean of the corners − triangle score; corners more than {s} "
               "points apart are out of balance",
               "均衡度：极差 = 最高角 − 最低角；均衡比 = 最低角 ÷ 最高角（1 表示三角相等，某一角越落后越接近 0；至少两个角"
               "有得分且最高角大于 0 时给出）；失衡代价 = 三角加权算术平均 − 金三角得分；极差超过 {s} 分视为失衡",
               s=f"{cfg.balance_spread:g}"),
            tr("an element or corner scoring below {w} is a weakness (below {s}: high severity); hardware-corner "
               "actions need investment (capital expenditure), the others are management actions",
               "得分低于 {w} 的要素或角为薄弱项（低于 {s} 为高严重度）；硬件角的行动需要投资（资本性支出），其余为管理行动",
               w=f"{cfg.weak_below:g}", s=f"{cfg.severe_below:g}"),
        ]

    def _findings(self, ctx: ModuleContext, elements: dict[str, TagScore], corners: dict[str, float | None],
                  balance: dict[str, Any]) -> list[Finding]:
        cfg: GoldenTriangleConfig = ctx.config
        tr = ctx.tr
        out: list[Finding] = []
        wc, we = balance["weakest_corner"], balance["weakest_element"]
        if wc is not None:
            sev = weakness(corners[wc], cfg) or "info"
            out.append(Finding(
                id="golden_triangle.weakest", severity=sev,
                title=tr("Weakest corner: {c} ({s}); weakest element: {e} ({t})",
                         "最弱的角：{c}（{s}）；最弱的要素：{e}（{t}）", c=ctx.label(wc), s=fmt1(corners[wc]),
                         e=ctx.label(we) if we else "—", t=fmt1(elements[we].score) if we else "—"),
                evidence=[f"{ctx.label(c)}: {fmt1(corners[c])}" for c in TRIANGLE]))
        if balance["spread"] is not None and balance["spread"] > cfg.balance_spread:
            out.append(Finding(
                id="golden_triangle.balance", severity="medium",
                title=tr("The corners are out of balance: {d} points apart", "三个角失衡：相差 {d} 分",
                         d=fmt1(balance["spread"])),
                detail=tr("Imbalance costs {x} points against a plain average ({a}).",
                          "与简单平均（{a}）相比，失衡使得分降低 {x} 分。",
                          x=fmt1(balance["imbalance_cost"]), a=fmt1(balance["arithmetic_mean"]))
                if balance["imbalance_cost"] is not None else "",
                evidence=[f"{ctx.label(c)}: {fmt1(corners[c])}" for c in TRIANGLE if corners[c] is not None]))
        for c, els in TRIANGLE.items():
            severity = weakness(corners[c], cfg)
            if severity is not None:
                out.append(Finding(
                    id=f"golden_triangle.{c}", severity=severity,
                    title=tr("The {c} corner is weak: {s}/100", "{c}角薄弱：{s}/100", c=ctx.label(c), s=fmt1(corners[c])),
                    evidence=[f"{ctx.label(e)}: {fmt1(elements[e].score)}" for e in els]))
        for e in ELEMENTS:
            t = elements[e]
            severity = weakness(t.score, cfg)
            if severity is not None:
                out.append(Finding(
                    id=f"golden_triangle.{CORNER_OF[e]}.{e}", severity=severity,
                    title=tr("{e} is weak: {s}/100", "{e}薄弱：{s}/100", e=ctx.label(e), s=fmt1(t.score)),
                    detail=basis_text(ctx, t), evidence=t.weak))
        return out

    def _actions(self, ctx: ModuleContext, elements: dict[str, TagScore], corners: dict[str, float | None],
                 complaint_actions: bool) -> list[Action]:
        cfg: GoldenTriangleConfig = ctx.config
        out = []
        for e in ELEMENTS:
            t = elements[e]
            severity = weakness(t.score, cfg)
            if severity is None:
                continue
            if e == "complaint_handling" and complaint_actions:
                continue  # the complaint actions (missed steps) are more specific
            corner = CORNER_OF[e]
            capex = corner == HARDWARE_CORNER
            en, zh, owner_en, owner_zh = ACTIONS[e]
            fids = [f"golden_triangle.{corner}.{e}"]
            if weakness(corners[corner], cfg) is not None:
                fids.append(f"golden_triangle.{corner}")
            out.append(ctx.action(
                f"golden_triangle.{e}", ctx.tr(en, zh),
                rationale=ctx.tr("{e} ({c} corner) scores {s}/100 (target {w}). {b}",
                                 "{e}（{c}角）得分 {s}/100（目标 {w}）。{b}", e=ctx.label(e), c=ctx.label(corner),
                                 s=fmt1(t.score), w=f"{cfg.weak_below:g}", b=basis_text(ctx, t)),
                severity=severity, importance=t.importance,
                confidence=t.confidence, owner_role=ctx.tr(owner_en, owner_zh), horizon="long" if capex else "short",
                kind="capex" if capex else "management",
                evidence=t.weak or [ctx.tr("score {s}/100", "得分 {s}/100", s=fmt1(t.score))], finding_ids=fids,
                **dict(zip(("targets", "impact_note"),
                           weakness_target(ctx, e, t, cfg, f"golden_triangle.{corner}.{e}")))))
        return out

    def _metrics(self, ctx: ModuleContext, elements: dict[str, TagScore], corners: dict[str, float | None],
                 balance: dict[str, Any]) -> list[Metric]:
        r = round1
        out = []
        for c, els in TRIANGLE.items():
            out.append(Metric(id=f"golden_triangle.{c}", label=ctx.label(c), value=r(corners[c]), unit="/100"))
            out += [tag_metric(f"golden_triangle.{c}.{e}", f"{ctx.label(c)} · {ctx.label(e)}", elements[e])
                    for e in els]
        out += [
            Metric(id="golden_triangle.arithmetic_mean", label=ctx.tr("Plain average of the corners", "三个角的简单平均"),
                   value=r(balance["arithmetic_mean"]), unit="/100"),
            Metric(id="golden_triangle.imbalance_cost", label=ctx.tr("Points lost to imbalance", "失衡扣减"),
                   value=r(balance["imbalance_cost"]), unit=ctx.tr("points", "分")),
            Metric(id="golden_triangle.spread", label=ctx.tr("Spread between corners", "三个角的极差"),
                   value=r(balance["spread"]), unit=ctx.tr("points", "分")),
        ]
        return out

    def _corner_data(self, ctx: ModuleContext, elements: dict[str, TagScore],
                     corners: dict[str, float | None]) -> list[dict[str, Any]]:
        cfg: GoldenTriangleConfig = ctx.config
        rows = []
        for c, els in TRIANGLE.items():
            items = [{"element": e, "label": ctx.label(e), "weight": cfg.element_weights[e],
                      **tag_data(ctx, elements[e])} for e in els]
            rows.append({"corner": c, "label": ctx.label(c), "score": corners[c], "weight": cfg.corner_weights[c],
                         "elements": items, "missing": [e for e in els if elements[e].score is None]})
        return rows

    def _notes(self, ctx: ModuleContext, elements: dict[str, TagScore]) -> list[DataQualityNote]:
        return coverage_notes(ctx, elements, "element")


def complaint_sources(analysis: Any) -> list[SourceScore]:
    """The six-step score and the resolution rate as evidence of the complaint-handling element."""
    out = []
    h = analysis.handling
    if h is not None and h.score is not None:
        out.append(SourceScore("six_steps", h.score, h.cases))
    st = analysis.stats
    if st is not None and st.n > 0:
        est = st.resolution
        out.append(SourceScore("complaint_log", 100 * est.value, st.n, 100 * est.low, 100 * est.high))
    return out
