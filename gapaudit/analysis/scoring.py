"""Shared scoring rules: grades, action priority, and the overall score.

Every rule here is stated in words (``*_RULE``) so the report can print it.
"""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence

from gapaudit.errors import quoted
from gapaudit.analysis.stats import weighted_mean
from gapaudit.model.base import check_weight

SEVERITY_WEIGHT = {"critical": 1.0, "high": 0.8, "medium": 0.6, "low": 0.4, "info": 0.2}
DEFAULT_IMPORTANCE = 0.75

PRIORITY_RULE = (
    "priority = 100 × severity weight × customer importance × confidence; severity weights "
    "critical 1.0, high 0.8, medium 0.6, low 0.4, info 0.2; importance is the customers' importance of "
    f"the items concerned scaled to 0–1 ({DEFAULT_IMPORTANCE} where unknown); confidence 0–1 reflects "
    "sample size and interval width (1 for counted facts). Ties are broken by module order, then action id."
)

OVERALL_RULE = (
    "overall score = weighted mean of the scores of the modules that had data (weight 1 each unless "
    "scoring.weights says otherwise); modules without data are left out, not counted as zero; the grade "
    "comes from the grade bands and is capped by any critical-item failure."
)

PRIORITY_RULE_ZH = (
    "优先级 = 100 × 严重程度权重 × 顾客重视程度 × 把握程度；严重程度权重：危急 1.0、高 0.8、中 0.6、低 0.4、"
    f"提示 0.2；顾客重视程度为相关题目的顾客重要性换算到 0–1（未知时取 {DEFAULT_IMPORTANCE}）；把握程度 0–1 "
    "反映样本量与置信区间宽度（计数类事实为 1）。优先级相同时按模块顺序、再按行动编号排列。"
)
OVERALL_RULE_ZH = (
    "总分 = 有数据的各模块得分的加权平均（除 scoring.weights 另有规定外，每个模块权重为 1）；无数据的模块不计入，"
    "不按 0 分计；等级按等级区间确定，并受任何关键项失败的等级上限约束。"
)


def rule_text(en: str, zh: str, lang: str) -> str:
    """A stated rule in the report language."""
    return zh if lang == "zh" else en


SUBSCORE_RULE = (
    "module score = weighted mean of the sub-scores that could be computed; a sub-score without evidence is "
    "left out and the other weights are rescaled to sum to 1, never counted as zero."
)
SUBSCORE_RULE_ZH = "模块得分 = 能够计算的各子得分的加权平均；缺少证据的子得分不计入，其余权重按比例调整为总和 1，绝不按 0 分计。"


def combine_subscores(parts: Mapping[str, float | None], weights: Mapping[str, float]) -> float | None:
    """Weighted mean (0.1 precision) of the sub-scores that are not None; None when none is left."""
    keys = [k for k, v in parts.items() if v is not None and weights.get(k, 0.0) > 0]
    value = weighted_mean([parts[k] for k in keys], [weights[k] for k in keys])
    return None if value is None else round(value, 1)


def check_weights(given: Mapping[str, float], defaults: Mapping[str, float]) -> dict[str, float]:
    """Sub-score weights: the defaults with the given ones replacing them; ValueError for unknown keys or < 0."""
    for key, value in given.items():
        if key not in defaults:
            raise ValueError(f"unknown sub-score {quoted(key)}; sub-scores are {', '.join(defaults)}")
        check_weight(value, repr(key))
    merged = {**defaults, **given}
    if not any(merged.values()):
        raise ValueError("at least one sub-score weight must be above 0")
    return merged


def priority(severity: str, importance: float | None = None, confidence: float = 1.0) -> tuple[float, dict[str, float]]:
    """The action priority (0-100) and the factors it was computed from."""
    if severity not in SEVERITY_WEIGHT:
        raise ValueError(f"unknown severity {severity!r}")
    imp = DEFAULT_IMPORTANCE if importance is None else min(max(importance, 0.0), 1.0)
    conf = min(max(confidence, 0.0), 1.0)
    value = round(100 * SEVERITY_WEIGHT[severity] * imp * conf, 1)
    return value, {"severity": SEVERITY_WEIGHT[severity], "importance": round(imp, 3), "confidence": round(conf, 3)}


def grade_for(score: float | None, bands: Sequence) -> str | None:
    """The grade of the first band (highest first) whose minimum the score reaches."""
    if score is None:
        return None
    for band in bands:
        if score >= band.min - 1e-9:
            return band.grade
    return bands[-1].grade if bands else None


def critical_failure_topic(standard_ids: Iterable[str]) -> str:
    """The finding topic for "these critical standards failed", shared by every module that caps a grade on it."""
    return "critical_failure:" + ",".join(sorted(set(standard_ids)))


def cap_grade(grade: str | None, caps: Iterable[str | None], bands: Sequence) -> str | None:
    """The worse of ``grade`` and every cap, by position in the band list."""
    order = [b.grade for b in bands]
    worst = grade
    for cap in caps:
        if cap is None or cap not in order:
            continue
        if worst is None or order.index(cap) > order.index(worst):
            worst = cap
    return worst


CONFIDENCE_RULE = (
    "confidence that a shortfall is real = the one-sided probability from the test behind the interval: for a "
    "rate below its target p0, Φ((p0 − k/n) ÷ √(p0(1 − p0)/n)), the score test the Wilson interval inverts (with "
    "a 100 % target any failure is certain); for a mean below a threshold, P(T ≤ (threshold − mean) ÷ (sd/√n)) "
    "with Student's t on n − 1 degrees of freedom; 0.5 where no interval can be computed (fewer than two "
    "answers, or all answers the same)."
)
CONFIDENCE_RULE_ZH = (
    "问题真实存在的确信度 = 区间所依据检验的单侧概率：比率低于目标 p0 时为 Φ((p0 − k/n) ÷ √(p0(1 − p0)/n))，即 "
    "Wilson 区间所对应的得分检验（目标为 100% 时任何一次失误都是确定的）；均值低于阈值时为自由度 n − 1 的 t 分布下 "
    "P(T ≤ (阈值 − 均值) ÷ (sd/√n))；无法计算区间时（回答少于两个，或所有回答相同）取 0.5。"
)


def rate_shortfall_confidence(successes: int, n: int, target: float) -> float:
    """How sure we are that a rate observed as successes/n lies below ``target`` (rule: CONFIDENCE_RULE)."""
    from statistics import NormalDist

    if n <= 0:
        return 0.5
    if target >= 1.0:
        return 1.0 if successes < n else 0.0
    if target <= 0.0:
        return 0.0
    z = (target - successes / n) / (target * (1.0 - target) / n) ** 0.5
    return NormalDist().cdf(z)


def mean_shortfall_confidence(mean: float, sd: float | None, n: int, threshold: float = 0.0) -> float:
    """How sure we are that a mean from n observations with SD ``sd`` lies below ``threshold``."""
    from gapaudit.analysis.stats import t_cdf

    if sd is None or n < 2 or sd == 0.0:  # identical answers say nothing about the spread: not certain
        return 0.5
    return t_cdf((threshold - mean) / (sd / n ** 0.5), n - 1)
