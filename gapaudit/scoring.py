"""Shared scoring rules: grades, action priority, and the overall score.

Every rule here is stated in words (``*_RULE``) so the report can print it.
"""

from __future__ import annotations

from typing import Iterable, Sequence

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
