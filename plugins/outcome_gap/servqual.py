"""The customer gap (SERVQUAL Gap 5) from survey answers: item and dimension gaps, the
SERVQUAL and SERVPERF scores with intervals, scale reliability and importance–performance
quadrants. Pure functions of :class:`gapaudit.analysis.evidence.SurveyData`.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Literal, Sequence

from gapaudit.analysis import stats
from gapaudit.analysis.memo import memo
from gapaudit.analysis.evidence import SurveyData

Values = list[float | None]  # one value per respondent, None = missing


# --- per respondent ---------------------------------------------------------------

def item_gaps(survey: SurveyData) -> dict[str, Values]:
    """Per item, each respondent's P − E (None when either answer is missing or not applicable)."""
    return {item.id: _differences(survey.expectation.get(item.id, []), survey.perception.get(item.id, []))
            for item in survey.items}


@memo
def _differences(e: Values, p: Values) -> Values:
    """b − a per position (None where either is missing)."""
    return [None if a is None or b is None else b - a for a, b in zip(e, p)]


def respondent_dimension_means(per_item: dict[str, Values], dims: dict[str, list[str]], n: int,
                               min_share: float) -> dict[str, Values]:
    """Per dimension, each respondent's mean over the dimension's items they answered.

    A respondent counts in a dimension when they answered at least
    max(1, ⌈min_share × k⌉) of its k items; otherwise their value is None.
    """
    out: dict[str, Values] = {}
    for dim, items in dims.items():
        need = max(1, math.ceil(min_share * len(items) - 1e-9))
        out[dim] = _row_means([per_item[i] for i in items], n, need)
    return out


@memo
def _row_means(columns: list[Values], n: int, need: int) -> Values:
    """Each row's mean over the columns with a value, when at least ``need`` have one (else None)."""
    values: Values = []
    for r in range(n):
        answered = [v for col in columns if (v := col[r]) is not None]
        values.append(math.fsum(answered) / len(answered) if len(answered) >= need else None)
    return values


# --- combining dimension means --------------------------------------------------------

def combine_means(per_dim: dict[str, Values], weights: dict[str, float],
                  confidence: float = 0.95) -> stats.Estimate:
    """Σ w_d · mean_d (weights normalised over the dimensions with data), with a t interval.

    Each mean_d averages the respondents who have a value for d. The
    variance of the combination is Σ_a Σ_b w_a w_b Cov(mean_a, mean_b), with
    Cov(mean_a, mean_b) = s_ab · n_ab / (n_a · n_b): s_ab is the sample
    covariance over the n_ab respondents who have both (0 when n_ab < 2),
    s_aa the sample variance. With no missing values this is exactly the t
    interval of the respondents' own weighted scores. Degrees of freedom:
    min(n_d) − 1. ``n`` = respondents with a value in at least one dimension;
    weights are treated as fixed. No interval when some n_d < 2. No value when
    the weights of the dimensions with data sum to zero: customers gave them no
    importance at all, so there is no importance data to weight by.
    """
    dims = [d for d in weights if d in per_dim and any(v is not None for v in per_dim[d])]
    if not dims:
        return stats.Estimate(None, None, None, 0, None, confidence)
    total = math.fsum(weights[d] for d in dims)
    if total <= 0:
        return stats.Estimate(None, None, None, 0, None, confidence)
    w = {d: weights[d] / total for d in dims}
    present = {d: _present(per_dim[d])[0] for d in dims}
    means = {d: _present(per_dim[d])[1] for d in dims}
    value = math.fsum(w[d] * means[d] for d in dims)
    respondents = len(set().union(*present.values()))
    if any(len(present[d]) < 2 for d in dims):
        return stats.Estimate(value, None, None, respondents, None, confidence)
    var = 0.0
    for a in dims:
        for b in dims:
            s_ab, n_ab = _pair_covariance(per_dim[a], per_dim[b])
            if n_ab < 2:
                continue
            var += w[a] * w[b] * s_ab * n_ab / (len(present[a]) * len(present[b]))
    if var < 0:  # pairwise covariances need not form a positive semi-definite matrix
        return stats.Estimate(value, None, None, respondents, None, confidence)
    df = min(len(present[d]) for d in dims) - 1
    half = stats.t_ppf(0.5 + 0.5 * confidence, df) * math.sqrt(var)
    return stats.Estimate(value, value - half, value + half, respondents, None, confidence)


@memo
def _present(values: Values) -> tuple[list[int], float]:
    """The positions with a value, and the mean of those values (the caller has checked there is one)."""
    present = [i for i, v in enumerate(values) if v is not None]
    return present, math.fsum(values[i] for i in present) / len(present)


@memo
def _pair_covariance(a: Values, b: Values) -> tuple[float, int]:
    """Sample covariance of a and b over the positions where both have a value, and how many there are."""
    both = [(x, y) for x, y in zip(a, b) if x is not None and y is not None]
    if len(both) < 2:
        return 0.0, len(both)
    ma = math.fsum(x for x, _ in both) / len(both)
    mb = math.fsum(y for _, y in both) / len(both)
    return math.fsum((x - ma) * (y - mb) for x, y in both) / (len(both) - 1), len(both)


def combine_summary(estimates: dict[str, stats.Estimate], weights: dict[str, float],
                    confidence: float = 0.95) -> stats.Estimate:
    """Σ w_d · value_d over the estimates with a value; conservative interval Σ w_d · half-width_d.

    Used where only summaries exist (no respondent-level covariances): the
    half-width of a weighted mean of estimates is at most the weighted mean
    of their half-widths (as if they were perfectly correlated). No interval
    unless every part has one; no value when the weights of the parts with
    data sum to zero (no importance data, as in :func:`combine_means`).
    """
    dims = [d for d in weights if d in estimates and estimates[d].value is not None]
    if not dims:
        return stats.Estimate(None, None, None, 0, None, confidence)
    total = math.fsum(weights[d] for d in dims)
    if total <= 0:
        return stats.Estimate(None, None, None, 0, None, confidence)
    w = {d: weights[d] / total for d in dims}
    value = math.fsum(w[d] * estimates[d].value for d in dims)  # type: ignore[operator]
    n = min(estimates[d].n for d in dims)
    if not all(estimates[d].has_interval for d in dims):
        return stats.Estimate(value, None, None, n, None, confidence)
    half = math.fsum(w[d] * (estimates[d].high - estimates[d].value) for d in dims)  # type: ignore[operator]
    return stats.Estimate(value, value - half, value + half, n, None, confidence)


def summary_gap(survey: SurveyData, item_id: str, confidence: float = 0.95) -> stats.Estimate | None:
    """P − E of one item from summary data, with a t interval when the summary gives the SD of the gaps."""
    row = survey.summary.get(item_id)
    if row is None or row.expectation is None or row.perception is None:
        return None
    value = row.perception - row.expectation
    if row.gap_sd is None or row.n < 2:
        return stats.Estimate(value, None, None, row.n, row.gap_sd, confidence)
    half = stats.t_ppf(0.5 + 0.5 * confidence, row.n - 1) * row.gap_sd / math.sqrt(row.n)
    return stats.Estimate(value, value - half, value + half, row.n, row.gap_sd, confidence)


# --- dimension weights ------------------------------------------------------------------

@dataclass(frozen=True)
class Weights:
    """Dimension weights (summing to 1) and what they rest on."""

    basis: Literal["points", "ratings"]
    values: dict[str, float]
    n: int  # respondents (points) or items (ratings) behind them
    excluded: int = 0  # respondents whose allocation was incomplete or zero
    off_total: int = 0  # respondents whose points did not add up to 100 (±0.5)


def point_weights(survey: SurveyData, dims: Sequence[str]) -> Weights | None:
    """Mean of each respondent's share of their 100 points per dimension.

    Only respondents who gave points to every dimension, with a positive
    total, count; each respondent's points are divided by their own total.
    """
    if not survey.points or any(d not in survey.points for d in dims):
        return None
    return _point_weights([survey.points[d] for d in dims], list(dims), len(survey.respondents))


@memo
def _point_weights(columns: list[Values], dims: list[str], respondents: int) -> Weights | None:
    shares: dict[str, list[float]] = {d: [] for d in dims}
    excluded = off = 0
    for r in range(respondents):
        row = [col[r] for col in columns]
        if all(v is None for v in row):
            continue
        if any(v is None for v in row) or math.fsum(row) <= 0:  # type: ignore[arg-type]
            excluded += 1
            continue
        total = math.fsum(row)  # type: ignore[arg-type]
        if abs(total - 100) > 0.5:
            off += 1
        for d, v in zip(dims, row):
            shares[d].append(v / total)  # type: ignore[operator]
    n = len(shares[dims[0]]) if dims else 0
    if n == 0:
        return None
    return Weights("points", {d: math.fsum(shares[d]) / n for d in dims}, n, excluded, off)


def rating_weights(survey: SurveyData, dims: dict[str, list[str]]) -> Weights | None:
    """Each dimension's mean importance rating (mean of its items' means), normalised to sum to 1.

    None unless every dimension has at least one item with a rating.
    """
    means: dict[str, float] = {}
    items = 0
    for dim, ids in dims.items():
        rated = [est.value for i in ids if (est := survey.mean_estimate("importance", i)) is not None]
        if not rated:
            return None
        items += len(rated)
        means[dim] = math.fsum(rated) / len(rated)  # type: ignore[arg-type]
    total = math.fsum(means.values())
    if total <= 0:
        return None
    return Weights("ratings", {d: m / total for d, m in means.items()}, items)


# --- importance–performance analysis --------------------------------------------------------

QUADRANTS = ("concentrate_here", "keep_up", "low_priority", "possible_overkill")
Crosshair = Literal["data_mean", "data_median", "scale_midpoint"]


def crosshair(values: Sequence[float], rule: Crosshair, scale_min: float, scale_max: float) -> float:
    """Where an IPA axis is split: the mean or median of the items' values, or the scale's midpoint."""
    if rule == "scale_midpoint":
        return (scale_min + scale_max) / 2
    if rule == "data_median":
        return statistics.median(values)
    return math.fsum(values) / len(values)


def quadrant(importance: float, performance: float, x_cross: float, y_cross: float) -> str:
    """IPA quadrant; an item exactly on a line counts as important / performing."""
    if importance >= x_cross:
        return "keep_up" if performance >= y_cross else "concentrate_here"
    return "possible_overkill" if performance >= y_cross else "low_priority"
