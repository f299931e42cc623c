"""The later service-quality methods in the outcome-gap module, each run when its evidence is there:

* the zone of tolerance (desired ``D_`` and adequate ``A_`` answers beside perceptions);
* derived importance (an overall question declared with ``survey.overall_column``): relative
  weights and penalty–reward contrast analysis;
* item-level reliability and structure (raw answers): item-rest correlations, alpha if an item
  is deleted, too few items or respondents, and items that fit another dimension better.

The analysis is in :mod:`gapaudit.analysis.zone`, :mod:`~gapaudit.analysis.drivers` and
:mod:`~gapaudit.analysis.reliability`; this mixin turns it into the module's data, findings,
notes and methodology. ``ModuleResult.data`` keys it adds::

    zone: None | {respondents, inverted, items: [ZoneRow], dimensions: [ZoneRow + {items: [item id]}]}
        ZoneRow: {id | dimension, label | text, dimension, adequate, desired, perception,
                  perception_low, perception_high, msa, msa_low, msa_high, mss, mss_low, mss_high,
                  width, below_share, below_low, below_high, n, position: below | inside | above, clear}
    drivers: None | {outcome: {column, question, scale: {min, max}, respondents},
        relative_weights: {reason, n, needed, r2, replicates, items: [{id, text, dimension, share,
                           share_low, share_high, raw, beta}], dimensions: [{dimension, label, share}]},
        prca: {reason, level: items | dimensions, n, needed, r2, replicates, low_max, high_min,
               threshold, attributes: [{id, label, n_low, n_high, penalty, penalty_low, penalty_high,
               reward, reward_low, reward_high, impact_range, asymmetry, asymmetry_low,
               asymmetry_high, kind: basic | excitement | performance | unclear | None, settled}]}}
    scale_items: None | {basis: gap | perception, min_respondents,
        dimensions: [{dimension, label, k, n, alpha, too_few_items, too_few_respondents,
                      items: [{id, text, item_rest, alpha_if_deleted, hurts, weak}]}],
        placements: {n, support, reason, items: [{id, text, dimension, own, other, other_r, verdict}]}}
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import Field

from gapaudit.analysis import drivers as drv
from gapaudit.analysis import reliability as rel
from gapaudit.analysis import stats
from gapaudit.analysis.zone import POSITION_RULE, POSITION_RULE_ZH, Zone, paired, zone_of
from gapaudit.model.base import Model
from gapaudit.model.result import Finding, Metric

from .servqual import item_gaps, respondent_dimension_means

ITEM_REST_MIN = 0.30  # a common convention for a weak item (e.g. Nunnally & Bernstein 1994)


class ResearchConfig(Model):
    """Settings of the zone of tolerance, the driver analysis and the item-level reliability checks."""

    bootstrap: int = Field(1000, ge=0, le=20000, description="bootstrap replicates behind the intervals of the "
                                                             "driver analysis (0 = no intervals)")
    bootstrap_seed: int = Field(1, ge=0, description="seed of the bootstrap, so a rerun gives the same intervals")
    prca_low_max: float | None = Field(None, description="a perception at or below this is 'low' in the "
                                                         "penalty–reward analysis (default: below the scale's midpoint, 1–3 on 1–7)")
    prca_high_min: float | None = Field(None, description="a perception at or above this is 'high' (default: the "
                                                          "top two points of the scale, 6–7 on 1–7)")
    prca_threshold: float = Field(0.2, gt=0, lt=1, description="impact asymmetry beyond ± this makes an attribute "
                                                               "excitement (+) or basic (−); default 0.2")
    prca_min_group: int = Field(10, ge=2, description="respondents needed in a low or high group before its "
                                                      "effect is estimated (default 10)")
    min_scale_respondents: int = Field(30, ge=2, description="respondents (complete answers) below which a "
                                                             "dimension's alpha is flagged as too thin to interpret")
    min_structure_respondents: int = Field(60, ge=10, description="respondents needed before items are checked "
                                                                  "against the other dimensions (default 60)")


def _iv(est: stats.Estimate) -> tuple[float | None, float | None, float | None]:
    return est.value, est.low, est.high


def _fmt(v: float | None, spec: str = "+.2f") -> str:
    return "—" if v is None else format(v, spec)


class ResearchRun:
    """Mixin of the outcome-gap run: zone of tolerance, derived importance, item-level reliability."""

    # --- zone of tolerance ------------------------------------------------------------------

    def zone_of_tolerance(self, dims: dict[str, list[str]]) -> None:
        ctx, cfg, survey = self.ctx, self.cfg, self.survey
        if not survey.desired and not survey.adequate:
            return
        if not (survey.desired and survey.adequate):
            self.note(ctx.tr("zone of tolerance", "容忍区"),
                      ctx.tr("Only {has} expectations were collected: the zone of tolerance needs both desired (D_) "
                             "and adequate (A_) answers.", "仅收集了{has}期望：容忍区需要同时有理想（D_）和可接受（A_）"
                             "两种期望。", has=ctx.tr("desired", "理想") if survey.desired else
                             ctx.tr("adequate", "可接受")), warning=True)
            return
        conf, n = cfg.confidence, len(survey.respondents)
        items, inverted = [], 0
        msa_i = {i.id: paired(survey.adequate[i.id], survey.perception[i.id]) for i in survey.items}
        mss_i = {i.id: paired(survey.desired[i.id], survey.perception[i.id]) for i in survey.items}
        for item in survey.items:
            z = zone_of(survey.adequate[item.id], survey.desired[item.id], survey.perception[item.id], conf)
            inverted += z.inverted
            if z.position is not None:
                items.append(self._zone_row(z, id=item.id, text=item.text, dimension=item.dimension))
        if not items:
            self.note(ctx.tr("zone of tolerance", "容忍区"),
                      ctx.tr("No item has perception, desired and adequate answers from the same respondents.",
                             "没有题项同时具备同一受访者的感知、理想与可接受回答。"), warning=True)
            return
        share = cfg.min_answered_share
        means = {key: respondent_dimension_means(store, dims, n, share) for key, store in
                 (("a", survey.adequate), ("d", survey.desired), ("p", survey.perception), ("msa", msa_i),
                  ("mss", mss_i))}
        dim_rows = []
        for dim, ids in dims.items():
            z = zone_of(means["a"][dim], means["d"][dim], means["p"][dim], conf, msa=means["msa"][dim],
                        mss=means["mss"][dim])
            if z.position is not None:
                dim_rows.append(self._zone_row(z, dimension=dim, label=ctx.label(dim), items=ids))
        self.data["zone"] = {"respondents": n, "inverted": inverted, "items": items, "dimensions": dim_rows}
        pairs = sum(1 for i in survey.items for a, d in zip(survey.adequate[i.id], survey.desired[i.id])
                    if a is not None and d is not None)
        if inverted:
            self.note(ctx.tr("zone of tolerance", "容忍区"),
                      ctx.tr("{x} of {t} answer pairs rate desired service below adequate service (an illogical "
                             "pair, often a misread question); they are kept as answered.",
                             "{t} 组回答中有 {x} 组的理想水平低于可接受水平（逻辑不符，常因误读题目）；按原样保留。",
                             x=inverted, t=pairs), pairs, warning=inverted > 0.1 * pairs)
        for row in dim_rows:
            self.metrics.append(self.metric_(f"outcome_gap.msa.{row['dimension']}",
                                             ctx.tr("Service adequacy (P − A): {d}", "服务适当性（P − A）：{d}",
                                                    d=row["label"]), row["msa"], row["n"], row["msa_low"],
                                             row["msa_high"]))
        below = sorted((r for r in items if r["position"] == "below"), key=lambda r: r["msa"])
        if below:
            clear = [r for r in below if r["clear"]]
            self.findings.append(Finding(
                id="outcome_gap.below_zone", severity="high" if clear else "medium",
                title=ctx.tr("{n} item(s) perceived below the level customers find adequate ({c} clearly)",
                             "{n} 个题项的感知低于顾客可接受的最低水平（其中 {c} 个明确低于）", n=len(below),
                             c=len(clear)),
                detail=ctx.tr("Below the zone of tolerance customers are not merely less satisfied: service is "
                              "under their minimum, where they start to leave (Parasuraman, Zeithaml & Berry "
                              "1994).", "低于容忍区时，顾客不只是满意度降低：服务已低于其最低要求，顾客开始流失"
                              "（Parasuraman、Zeithaml 与 Berry，1994）。"),
                evidence=[self._zone_line(r) for r in below]))
        above = [r for r in items if r["position"] == "above"]
        if above:
            self.findings.append(Finding(
                id="outcome_gap.above_zone", severity="info",
                title=ctx.tr("{n} item(s) perceived above the desired level", "{n} 个题项的感知高于顾客的理想水平",
                             n=len(above)),
                detail=ctx.tr("Customers get more than they hope for here; keep it, and check it is not "
                              "effort better spent below the zone.", "顾客在这些方面得到的超出期望；应保持，"
                              "同时确认这些投入不比用在低于容忍区的题项上更值得。"),
                evidence=[self._zone_line(r) for r in above]))

    def _zone_row(self, z: Zone, **head: Any) -> dict[str, Any]:
        p, m, s = _iv(z.perception), _iv(z.msa), _iv(z.mss)
        return {**head, "adequate": z.adequate.value, "desired": z.desired.value, "perception": p[0],
                "perception_low": p[1], "perception_high": p[2], "msa": m[0], "msa_low": m[1], "msa_high": m[2],
                "mss": s[0], "mss_low": s[1], "mss_high": s[2], "width": z.width.value,
                "below_share": z.below_share.value, "below_low": z.below_share.low,
                "below_high": z.below_share.high, "n": z.msa.n, "position": z.position, "clear": z.clear}

    def _zone_line(self, r: dict[str, Any]) -> str:
        return self.ctx.tr(
            "{id} {text}: adequate {a:.2f}, desired {d:.2f}, perceived {p:.2f}; P − A {msa:+.2f} {ci}; "
            "{share:.0%} of customers below their own adequate level; n = {n}",
            "{id} {text}：可接受 {a:.2f}，理想 {d:.2f}，感知 {p:.2f}；P − A {msa:+.2f} {ci}；{share:.0%} 的顾客低于其自身"
            "的可接受水平；n = {n}", id=r["id"], text=r["text"], a=r["adequate"], d=r["desired"], p=r["perception"],
            msa=r["msa"], ci=self.ci(r["msa_low"], r["msa_high"]), share=r["below_share"] or 0, n=r["n"])

    def metric_(self, mid: str, label: str, value: float | None, n: int, low: float | None,
                high: float | None) -> Metric:
        return Metric(id=mid, label=label, value=value, unit=self.ctx.tr("scale points", "分"), n=n, ci_low=low,
                      ci_high=high)

    # --- derived importance -----------------------------------------------------------------------

    def prca_cuts(self) -> tuple[float, float]:
        """(low_max, high_min): the settings, else below the scale's midpoint and its top two points."""
        sc = self.survey.scale
        low = self.cfg.prca_low_max if self.cfg.prca_low_max is not None else math.ceil((sc.min + sc.max) / 2) - 1
        high = self.cfg.prca_high_min if self.cfg.prca_high_min is not None else sc.max - 1
        return low, high

    def driver_analysis(self, dims: dict[str, list[str]]) -> None:
        ctx, cfg, survey = self.ctx, self.cfg, self.survey
        column = ctx.evidence.survey.overall_column if ctx.evidence.survey else None
        if not column:
            return
        answered = sum(v is not None for v in survey.overall)
        sc = survey.overall_scale or survey.scale
        outcome = {"column": column, "question": ctx.evidence.survey.overall_question,
                   "scale": {"min": sc.min, "max": sc.max}, "respondents": answered}
        columns = {i.id: survey.perception[i.id] for i in survey.items
                   if any(v is not None for v in survey.perception[i.id])}
        kw = dict(confidence=cfg.confidence, replicates=cfg.bootstrap, seed=cfg.bootstrap_seed)
        rw = drv.relative_weights(columns, survey.overall, **kw)
        texts = {i.id: i for i in survey.items}
        rw_items = [{"id": k, "text": texts[k].text, "dimension": texts[k].dimension, "share": s.value,
                     "share_low": s.low, "share_high": s.high, "raw": raw.value, "beta": b}
                    for k, s, raw, b in zip(rw.names, rw.share, rw.raw, rw.beta)]
        rw_dims = [{"dimension": d, "label": ctx.label(d),
                    "share": math.fsum(r["share"] for r in rw_items if r["dimension"] == d)}
                   for d in dims if any(r["dimension"] == d for r in rw_items)]
        low_max, high_min = self.prca_cuts()
        prca_kw = dict(low_max=low_max, high_min=high_min, threshold=cfg.prca_threshold,
                       min_group=cfg.prca_min_group, **kw)
        pr, level = drv.penalty_reward(columns, survey.overall, **prca_kw), "items"
        item_reason = pr.reason
        if pr.reason is not None and len(dims) >= 2:  # too few complete answers for every item: use dimensions
            n = len(survey.respondents)
            dim_cols = respondent_dimension_means(survey.perception, dims, n, cfg.min_answered_share)
            pr_dim = drv.penalty_reward(dim_cols, survey.overall, **prca_kw)
            if pr_dim.reason is None:
                pr, level = pr_dim, "dimensions"
        labels = {**{k: f"{k} {texts[k].text}" for k in texts}, **{d: ctx.label(d) for d in dims}}
        self.data["drivers"] = {
            "outcome": outcome,
            "relative_weights": {"reason": rw.reason, "n": rw.n, "needed": rw.needed, "r2": rw.r2,
                                 "replicates": rw.replicates, "items": rw_items, "dimensions": rw_dims},
            "prca": {"reason": pr.reason, "level": level, "n": pr.n, "needed": pr.needed, "r2": pr.r2,
                     "missing": pr.missing,
                     "replicates": pr.replicates, "low_max": low_max, "high_min": high_min,
                     "threshold": cfg.prca_threshold, "min_group": cfg.prca_min_group, "item_reason": item_reason if level == "dimensions" else None,
                     "attributes": [self._attribute_row(a, labels) for a in pr.attributes]},
        }
        self.driver_notes(rw, pr, level, item_reason, answered)
        self.driver_findings(rw_items, self.data["drivers"]["prca"])

    def _attribute_row(self, a: drv.Attribute, labels: dict[str, str]) -> dict[str, Any]:
        def part(iv: drv.Interval | None) -> tuple[float | None, float | None, float | None]:
            return (None, None, None) if iv is None else (iv.value, iv.low, iv.high)

        pen, rew, ia = part(a.penalty), part(a.reward), part(a.asymmetry)
        return {"id": a.name, "label": labels.get(a.name, a.name), "n_low": a.n_low, "n_high": a.n_high,
                "penalty": pen[0], "penalty_low": pen[1], "penalty_high": pen[2], "reward": rew[0],
                "reward_low": rew[1], "reward_high": rew[2], "impact_range": a.impact_range,
                "asymmetry": ia[0], "asymmetry_low": ia[1], "asymmetry_high": ia[2], "kind": a.kind,
                "settled": a.settled}

    def driver_notes(self, rw: drv.RelativeWeights, pr: drv.PenaltyReward, level: str, item_reason: str | None,
                     answered: int) -> None:
        ctx = self.ctx
        topic = ctx.tr("driver analysis", "驱动因素分析")
        if answered == 0:
            self.note(topic, ctx.tr("The overall question's column has no answers.", "总体问题一列没有任何回答。"),
                      0, warning=True)
        if rw.reason:
            self.note(topic, ctx.tr("Relative weights not computed: {r}.", "未计算相对权重：{r}。",
                                    r=self._reason(rw.reason)), rw.n, warning=True)
        elif rw.n < rw.needed:
            self.note(topic, ctx.tr("Relative weights rest on {n} respondents, fewer than the {m} Green (1991) "
                                    "recommends for judging individual items (104 + {p} items): read the ranking, "
                                    "not the exact weights.",
                                    "相对权重基于 {n} 位受访者，少于 Green（1991）为判断单个题项建议的 {m} 人（104 + "
                                    "{p} 个题项）：只看排序，不看具体权重。", n=rw.n, m=rw.needed, p=len(rw.names)),
                      rw.n, warning=True)
        if level == "dimensions":
            self.note(topic, ctx.tr("Penalty–reward analysis per item not possible ({r}); it was run on the "
                                    "dimensions (each respondent's mean perception per dimension) instead.",
                                    "无法按题项进行惩罚—奖励分析（{r}）；改为按维度（每位受访者在各维度的平均感知）"
                                    "进行。", r=self._reason(item_reason or "")), pr.n, warning=True)
        elif pr.reason:
            self.note(topic, ctx.tr("Penalty–reward analysis not computed: {r}.", "未进行惩罚—奖励分析：{r}。",
                                    r=self._reason(pr.reason)), pr.n, warning=True)
        if pr.reason is None and pr.n < pr.needed:
            self.note(topic, ctx.tr("Penalty–reward analysis rests on {n} complete answers, fewer than the {m} Green "
                                    "(1991) recommends for its {k} contrasts: classes are indications.",
                                    "惩罚—奖励分析基于 {n} 份完整回答，少于 Green（1991）对 {k} 个对比项建议的 {m} 份："
                                    "分类仅供参考。", n=pr.n, m=pr.needed, k=pr.needed - 104), pr.n, warning=True)

    def _reason(self, reason: str) -> str:
        """Library reasons are English; in a Chinese report say what kind of reason it is, with the numbers."""
        if self.ctx.lang != "zh":
            return reason
        if "needed" in reason:
            nums = [w for w in reason.replace(";", " ").split() if w.isdigit()]
            return f"完整回答不足（{nums[0]} 份，至少需要 {nums[1]} 份）" if len(nums) >= 2 else "完整回答不足"
        if "singular" in reason or "collinear" in reason:
            return "题项之间高度共线，无法分解"
        if "vary" in reason or "same overall" in reason:
            return "某个题项或总体问题的回答没有变化"
        if "low or high" in reason:
            return "没有题项有足够多的低分或高分回答"
        return "数据不足"

    def driver_findings(self, rw_items: list[dict[str, Any]], prca: dict[str, Any]) -> None:
        ctx = self.ctx
        if rw_items:
            top = sorted(rw_items, key=lambda r: -r["share"])[:3]
            self.findings.append(Finding(
                id="outcome_gap.key_drivers", severity="info",
                title=ctx.tr("What drives the overall answer most: {items}", "最影响总体评价的题项：{items}",
                             items=", ".join(r["id"] for r in top)),
                detail=ctx.tr("Relative weights: each item's share of what the items together explain.",
                              "相对权重：各题项在所有题项共同解释部分中所占的份额。"),
                evidence=[ctx.tr("{id} {text}: {s:.0%} of the explained variance [{lo}–{hi}]",
                                 "{id} {text}：占已解释方差的 {s:.0%} [{lo}–{hi}]", id=r["id"], text=r["text"],
                                 s=r["share"], lo=_fmt(r["share_low"], ".0%"), hi=_fmt(r["share_high"], ".0%"))
                          for r in top]))
        basic = [a for a in prca["attributes"] if a["kind"] == "basic"]
        if basic:
            self.findings.append(Finding(
                id="outcome_gap.basic_attributes", severity="medium",
                title=ctx.tr("{n} basic attribute(s): they cost satisfaction when done badly and earn little when "
                             "done well", "{n} 个基本因素：做不好时显著降低满意度，做得好也加分不多", n=len(basic)),
                detail=ctx.tr("Fix these before investing in attributes that delight.",
                              "应先解决这些问题，再投入能带来惊喜的方面。"),
                evidence=[self._attribute_line(a) for a in basic]))
        excite = [a for a in prca["attributes"] if a["kind"] == "excitement"]
        if excite:
            self.findings.append(Finding(
                id="outcome_gap.excitement_attributes", severity="info",
                title=ctx.tr("{n} excitement attribute(s): doing them well raises satisfaction more than doing "
                             "them badly lowers it", "{n} 个兴奋因素：做得好带来的满意度提升大于做不好造成的下降",
                             n=len(excite)),
                evidence=[self._attribute_line(a) for a in excite]))

    def _attribute_line(self, a: dict[str, Any]) -> str:
        return self.ctx.tr("{label}: penalty {p} (n low = {nl}), reward {r} (n high = {nh}), impact asymmetry {ia}",
                           "{label}：惩罚 {p}（低分 {nl} 人），奖励 {r}（高分 {nh} 人），影响不对称指数 {ia}",
                           label=a["label"], p=_fmt(a["penalty"]), nl=a["n_low"], r=_fmt(a["reward"]),
                           nh=a["n_high"], ia=_fmt(a["asymmetry"]))

    def derived_importance(self) -> dict[str, stats.Estimate]:
        """Each item's relative weight in % (with its bootstrap interval) for the revised IPA grid."""
        rw = (self.data.get("drivers") or {}).get("relative_weights") or {}
        return {r["id"]: stats.Estimate(100 * r["share"], None if r["share_low"] is None else 100 * r["share_low"],
                                        None if r["share_high"] is None else 100 * r["share_high"], rw["n"])
                for r in rw.get("items", [])}

    # --- item-level reliability and structure -----------------------------------------------------

    def scale_items(self, dims: dict[str, list[str]]) -> None:
        ctx, cfg, survey = self.ctx, self.cfg, self.survey
        gaps = item_gaps(survey)
        basis = "gap" if any(v is not None for vals in gaps.values() for v in vals) else "perception"
        per_item = gaps if basis == "gap" else survey.perception
        texts = {i.id: i.text for i in survey.items}
        rows = []
        for dim, ids in dims.items():
            scale = rel.item_analysis({i: per_item[i] for i in ids}, cfg.confidence)
            a = scale.alpha
            items = [{"id": f.item, "text": texts[f.item], "item_rest": f.item_rest,
                      "alpha_if_deleted": f.alpha_if_deleted,
                      "hurts": a.alpha is not None and f.alpha_if_deleted is not None and f.alpha_if_deleted > a.alpha,
                      "weak": f.item_rest is not None and f.item_rest < ITEM_REST_MIN} for f in scale.items]
            rows.append({"dimension": dim, "label": ctx.label(dim), "k": len(ids), "n": a.n, "alpha": a.alpha,
                         "too_few_items": len(ids) < 3, "too_few_respondents": a.n < cfg.min_scale_respondents,
                         "items": items})
        n = len(survey.respondents)
        answered = [sum(1 for i in survey.items if per_item[i.id][r] is not None) >= 2 for r in range(n)]
        n_struct = sum(answered)
        placements: dict[str, Any] = {"n": n_struct, "support": rel.structure_support(n_struct), "reason": None,
                                      "items": []}
        if len(dims) < 2:
            placements["reason"] = ctx.tr("the questionnaire has one dimension", "问卷只有一个维度")
        elif n_struct < cfg.min_structure_respondents:
            placements["reason"] = ctx.tr("{n} respondents; at least {m} are needed (MacCallum et al. 1999 found no "
                                          "smaller sample that recovers item structure)",
                                          "受访者 {n} 人；至少需要 {m} 人（MacCallum 等 1999 年的研究中没有更小的样本能"
                                          "可靠识别题项结构）", n=n_struct, m=cfg.min_structure_respondents)
        else:
            for p in rel.item_placements({i.id: per_item[i.id] for i in survey.items}, dims):
                other = p.closest_other
                placements["items"].append({
                    "id": p.item, "text": texts[p.item], "dimension": p.dimension, "own": p.own,
                    "other": other[0] if other else None, "other_r": other[1] if other else None,
                    "verdict": p.verdict})
        self.data["scale_items"] = {"basis": basis, "min_respondents": cfg.min_scale_respondents,
                                    "dimensions": rows, "placements": placements}
        self.scale_findings(rows, placements)

    def scale_findings(self, rows: list[dict[str, Any]], placements: dict[str, Any]) -> None:
        ctx, cfg = self.ctx, self.cfg
        topic = ctx.tr("reliability", "信度")
        thin = [r["label"] for r in rows if r["too_few_items"]]
        if thin:
            self.note(topic, ctx.tr("Fewer than three items: {d}. Alpha of so short a scale says little, and no item "
                                    "can be singled out as hurting it.",
                                    "题项少于三个的维度：{d}。如此短的量表其 α 说明力很弱，也无法判断哪个题项拉低信度。",
                                    d=", ".join(thin)), warning=True)
        few = [f"{r['label']} (n = {r['n']})" for r in rows if r["too_few_respondents"] and r["k"] >= 2]
        if few:
            self.note(topic, ctx.tr("Fewer than {m} respondents answered every item of: {d}. Their alpha is too "
                                    "uncertain to interpret.", "以下维度全部题项都作答的受访者少于 {m} 人：{d}。其 α "
                                    "不确定性过大，无法解读。", m=cfg.min_scale_respondents, d=", ".join(few)),
                      warning=True)
        hurting = [(r, i) for r in rows for i in r["items"] if i["hurts"] and not r["too_few_respondents"]]
        if hurting:
            self.findings.append(Finding(
                id="outcome_gap.items_hurt_scale", severity="low",
                title=ctx.tr("{n} item(s) lower their dimension's reliability", "{n} 个题项拉低了所属维度的信度",
                             n=len(hurting)),
                detail=ctx.tr("Alpha would rise without them: reword or replace them before the next survey.",
                              "删除这些题项后 α 会上升：应在下次调查前修改措辞或替换。"),
                evidence=[ctx.tr("{id} {text} ({d}): item-rest r = {r}; alpha {a} without it against {b} with it",
                                 "{id} {text}（{d}）：题项—其余题项相关 r = {r}；删除后 α = {a}，保留时为 {b}",
                                 id=i["id"], text=i["text"], d=r["label"], r=_fmt(i["item_rest"], ".2f"),
                                 a=_fmt(i["alpha_if_deleted"], ".2f"), b=_fmt(r["alpha"], ".2f"))
                          for r, i in hurting]))
        misfit = [p for p in placements["items"] if p["verdict"] in ("misfit", "probable_misfit")]
        if misfit:
            self.findings.append(Finding(
                id="outcome_gap.items_fit_elsewhere", severity="low",
                title=ctx.tr("{n} item(s) correlate more with another dimension than with their own",
                             "{n} 个题项与其他维度的相关高于与本维度的相关", n=len(misfit)),
                detail=ctx.tr("Customers may read these items as part of another dimension; check their wording "
                              "and where they are reported.", "顾客可能将这些题项理解为另一个维度的内容；请检查措辞及其"
                              "归属。"),
                evidence=[ctx.tr("{id} {text}: r = {own} with {d} (own, item left out), {o} with {od}{sure}",
                                 "{id} {text}：与本维度 {d} 的 r = {own}（不含本题），与 {od} 的 r = {o}{sure}",
                                 id=p["id"], text=p["text"], d=ctx.label(p["dimension"]), own=_fmt(p["own"], ".2f"),
                                 o=_fmt(p["other_r"], ".2f"), od=ctx.label(p["other"]),
                                 sure=ctx.tr(" (by more than two standard errors)", "（差异超过两个标准误）")
                                 if p["verdict"] == "misfit" else "") for p in misfit]))

    # --- methodology ------------------------------------------------------------------------------

    def research_methodology(self) -> list[str]:
        ctx, cfg = self.ctx, self.cfg
        lines = []
        zone = self.data.get("zone")
        if zone:
            lines.append(ctx.tr(
                "Zone of tolerance (Parasuraman, Zeithaml & Berry 1994, J. Retailing 70(3)): customers rated the "
                "adequate (A) and desired (D) level of each item beside their perception (P). Measure of service "
                "adequacy MSA = P − A and of service superiority MSS = P − D, averaged over respondents with both "
                "answers, with paired t intervals; a dimension's MSA/MSS averages each respondent's mean over the "
                "dimension's items. {rule} The share of customers below their own adequate level has a Wilson "
                "interval. Assumes the respondents answered the three ratings of an item together (a respondent "
                "rating desired below adequate is kept and counted in the notes). n = {n} respondents.",
                "容忍区（Parasuraman、Zeithaml 与 Berry，1994，J. Retailing 70(3)）：顾客对每个题项给出可接受水平（A）、"
                "理想水平（D）和感知（P）。服务适当性 MSA = P − A，服务优越性 MSS = P − D，对两项都作答的受访者取平均，"
                "并给出配对 t 区间；维度的 MSA/MSS 先对每位受访者在该维度各题项上取平均。{rule}低于自身可接受水平的顾客比例"
                "给出 Wilson 区间。假设受访者对同一题项的三个评分是一同作答的（理想低于可接受的回答保留，并在说明中计数）。"
                "n = {n} 位受访者。", rule=ctx.tr(POSITION_RULE, POSITION_RULE_ZH), n=zone["respondents"]))
        drivers = self.data.get("drivers")
        if drivers:
            rw, pr = drivers["relative_weights"], drivers["prca"]
            lines.append(ctx.tr(
                "Derived importance (key-driver analysis) of the overall question '{q}': Johnson's relative weights "
                "(Johnson 2000, Multivariate Behavioral Research 35(1)) split the R² of the linear regression of the "
                "overall answer on the item perceptions into one non-negative share per item, which stays "
                "meaningful when items are correlated. Correlations are pairwise-complete; intervals are {c:.0%} "
                "bootstrap percentile intervals over {b} case resamples (seed {s}). Assumes a linear, additive "
                "relation and treats ratings as interval data. Sample size: computed from 5 respondents per item "
                "(at least 30); Green (1991) recommends 104 + p respondents ({m} here) to judge individual items. "
                "n = {n} (smallest number of respondents behind any correlation).",
                "总体问题“{q}”的推导重要性（关键驱动因素分析）：Johnson 相对权重（Johnson 2000，Multivariate Behavioral "
                "Research 35(1)）把总体评价对各题项感知做线性回归的 R² 分解为每个题项一个非负份额，题项相关时依然有意义。"
                "相关系数按成对完整数据计算；区间为 {b} 次个案重抽样（种子 {s}）的 {c:.0%} bootstrap 百分位区间。假设线性、"
                "可加关系，并将评分视为等距数据。样本量：每个题项至少 5 位受访者（且不少于 30 人）才计算；Green（1991）"
                "建议判断单个题项需 104 + p 人（此处 {m} 人）。n = {n}（任一相关系数背后的最少受访者数）。",
                q=drivers["outcome"]["question"] or drivers["outcome"]["column"], c=cfg.confidence, b=cfg.bootstrap,
                s=cfg.bootstrap_seed, m=rw["needed"], n=rw["n"]))
            lines.append(ctx.tr(
                "Penalty–reward contrast analysis (Mittal, Ross & Baldasare 1998, J. Marketing 62(1)): the overall "
                "answer regressed (OLS) on two dummies per {lvl}: a low rating (≤ {lo:g}) and a high rating "
                "(≥ {hi:g}), against the ratings between. Penalty = −(low coefficient), reward = high coefficient; "
                "a group of fewer than {g} respondents is not estimated. Impact-asymmetry analysis (Mikulić & "
                "Prebežac 2008, Managing Service Quality 18(6)): impact range = |penalty| + |reward|, asymmetry = "
                "(|reward| − |penalty|) ÷ range; above +{t:g} excitement, below −{t:g} basic, otherwise performance "
                "(hybrid); a coefficient with the counter-intuitive sign counts as 0 when its interval includes 0, and "
                "makes the class 'no clear effect' when it does not, as does an attribute whose penalty and reward "
                "intervals both include 0; a class is 'settled' when the asymmetry's interval "
                "lies wholly within its band. Respondents who answered the "
                "overall question and at least 80% of the {lvl}s; a blank {lvl} counts in neither its low nor its "
                "high group (as if rated in the middle; {x} such blanks). Computed from 5 respondents per "
                "coefficient; Green (1991) recommends {m}. n = {n}. Intervals: bootstrap as above.",
                "惩罚—奖励对比分析（Mittal、Ross 与 Baldasare 1998，J. Marketing 62(1)）：以总体评价对每个{lvl}的两个虚拟"
                "变量做 OLS 回归：低分（≤ {lo:g}）和高分（≥ {hi:g}），以中间评分为参照。惩罚 = −（低分系数），奖励 = 高分"
                "系数；人数少于 {g} 的组不估计。影响不对称分析（Mikulić 与 Prebežac 2008，Managing Service Quality "
                "18(6)）：影响范围 = |惩罚| + |奖励|，不对称指数 = （|奖励| − |惩罚|）÷ 影响范围；高于 +{t:g} 为兴奋因素，"
                "低于 −{t:g} 为基本因素，其余为绩效（混合）因素；系数符号违反直觉时，若其区间包含 0 则按 0 计，否则归为“影响不明确”；惩罚与奖励的区间都包含 0 的属性也归为“影响不明确”；"
                "不对称指数的区间整体落在所属类型范围内时为“确定”。计入回答了总体问题且至少回答了"
                "80% {lvl}的受访者；某{lvl}空白时既不算低分也不算高分（视同中间评分；共 {x} 处空白）。每个系数至少 5 位"
                "受访者才计算；Green（1991）建议 {m} 人。n = {n}。区间：同上 bootstrap。",
                lvl=ctx.tr("item", "题项") if pr["level"] == "items" else ctx.tr("dimension (mean perception)",
                                                                              "维度（平均感知）"),
                lo=pr["low_max"], hi=pr["high_min"], g=cfg.prca_min_group, t=pr["threshold"], m=pr["needed"],
                n=pr["n"], x=pr["missing"]))
        ipa, drivers = self.data.get("ipa"), self.data.get("drivers")
        if ipa and drivers:
            lines.append(ctx.tr(
                "Importance axis of the IPA grid: {what} (setting ipa_importance: {s}).",
                "重要性—表现分析的重要性坐标：{what}（设置 ipa_importance：{s}）。", s=cfg.ipa_importance,
                what=ctx.tr("derived importance, each item's relative weight in % (revised IPA, Deng, Kuo & Chen "
                            "2008: what customers' answers show matters, rather than what they say matters); a "
                            "crosshair at the scale midpoint becomes the equal-share line, 100 ÷ number of items %",
                            "推导重要性，即各题项的相对权重（%）（修正 IPA，Deng、Kuo 与 Chen 2008：依据顾客回答显示的重要性，"
                            "而非顾客陈述的重要性）；若分界线设为量表中点，则改用等份额线 100 ÷ 题项数 %")
                if ipa["x_basis"] == "derived" else
                ctx.tr("stated importance (or expectations); derived importance is shown in the driver analysis "
                       "and can be used instead with ipa_importance: derived",
                       "顾客陈述的重要性（或期望）；推导重要性见驱动因素分析，可通过 ipa_importance: derived 改用")))
        items = self.data.get("scale_items")
        if items:
            pl = items["placements"]
            support = {"high": ctx.tr("only for items that are strongly related (communalities about 0.6 or more)",
                                      "仅适用于高度相关的题项（共同度约 0.6 以上）"),
                       "moderate": ctx.tr("for items related about as strongly as communalities of 0.5",
                                          "适用于共同度约 0.5 的题项"),
                       "low": ctx.tr("even for weakly related items", "即使题项相关较弱也适用")}.get(pl["support"] or "")
            lines.append(ctx.tr(
                "Item-level reliability of each dimension's {b} scores, over respondents who answered all its items: "
                "item-rest correlation (the item against the sum of the others; below {w:.2f} the item is weak) and "
                "Cronbach's alpha if the item were deleted (an item 'lowers reliability' when alpha would rise "
                "without it). A dimension with fewer than 3 items, or fewer than {m} complete respondents, is "
                "flagged as too thin to interpret.",
                "各维度{b}得分的题项级信度，按该维度全部题项都作答的受访者计算：题项—其余题项相关（该题与其他题项之和的相关；"
                "低于 {w:.2f} 为弱题项）和删除该题后的 Cronbach α（删除后 α 会上升即“拉低信度”）。题项少于 3 个或完整作答"
                "者少于 {m} 人的维度标记为无法解读。",
                b=ctx.tr("gap (P − E)", "差距（P − E）") if items["basis"] == "gap" else ctx.tr("perception", "感知"),
                w=ITEM_REST_MIN, m=cfg.min_scale_respondents))
            lines.append(ctx.tr(
                "Item–dimension check (multitrait scaling, Ware & Gandek 1998): each item's Pearson r with every "
                "dimension's score (a respondent's mean of the items answered; the item left out of its own). An "
                "item correlating more with another dimension is flagged, 'by more than two standard errors' when "
                "the difference exceeds 2 ÷ √n. Sample size (MacCallum, Widaman, Zhang & Hong 1999, Psychological "
                "Methods 4(1)): no fixed rule; about 60 respondents suffice when items are strongly related, 100–200 "
                "when moderately, 300 or more when weakly. Run from {m} respondents; n = {n}{sup}.",
                "题项—维度检验（多特质量表分析，Ware 与 Gandek 1998）：每个题项与各维度得分（受访者已答题项的平均；本维度不含"
                "该题）的 Pearson r。若某题项与其他维度的相关更高则标记；差异超过 2 ÷ √n 时注明“超过两个标准误”。样本量"
                "（MacCallum、Widaman、Zhang 与 Hong 1999，Psychological Methods 4(1)）：没有固定规则；题项高度相关时约 60 人"
                "即可，中等相关需 100–200 人，相关较弱需 300 人以上。{m} 人起进行检验；n = {n}{sup}。",
                m=cfg.min_structure_respondents, n=pl["n"],
                sup=(ctx.tr(", which supports the check ", "，可支持的检验范围：") + support) if support else ""))
        return lines
