"""Derived importance: what drives an overall question (satisfaction, or intention to return).

Two methods, both on the respondents' item perceptions:

* **Relative weights** (Johnson 2000, *Multivariate Behavioral Research*
  35(1)): R² of the regression of the overall question on the items, split
  into one non-negative share per item even when the items are correlated.
  Percentile intervals from a case-resampling bootstrap.
* **Penalty–reward contrast analysis** (Mittal, Ross & Baldasare 1998,
  *J. Marketing* 62(1)): the overall question regressed on two dummies per
  attribute, a low and a high rating, against the middle ratings. The
  penalty is how much a low rating lowers the overall answer, the reward how
  much a high rating raises it. Impact-asymmetry analysis (Mikulić &
  Prebežac 2008, *Managing Service Quality* 18(6)) classifies each attribute
  as *basic* (it mostly hurts when bad), *excitement* (it mostly delights
  when good) or *performance* (both).

numpy is imported inside the functions that need it, so that ``gapaudit
--help`` and ``validate`` never load it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Sequence

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

Values = Sequence[float | None]
Kind = Literal["basic", "excitement", "performance", "unclear"]


def green_needed(predictors: int) -> int:
    """Respondents Green (1991) recommends for testing individual predictors of a regression: 104 + m."""
    return 104 + predictors


def minimum_needed(predictors: int) -> int:
    """Respondents below which no driver analysis is computed: five per predictor, and at least 30."""
    return max(30, 5 * predictors)


@dataclass(frozen=True)
class Interval:
    value: float
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class RelativeWeights:
    """Johnson's relative weights of p predictors, or the reason there are none."""

    names: list[str]
    n: int  # smallest number of respondents behind any correlation used (pairwise)
    n_outcome: int  # respondents who answered the overall question
    reason: str | None = None
    r2: float | None = None
    raw: list[Interval] = field(default_factory=list)  # ε_j, summing to R²
    share: list[Interval] = field(default_factory=list)  # ε_j ÷ R², summing to 1
    beta: list[float] = field(default_factory=list)  # standardised regression coefficients
    replicates: int = 0  # bootstrap replicates that gave weights
    needed: int = 0  # Green (1991): 104 + p


def _as_matrix(columns: list[Values], outcome: Values) -> "np.ndarray":
    import numpy as np

    n = len(outcome)
    for col in columns:
        if len(col) != n:
            raise ValueError("every column needs one value per respondent")
    data = np.array([[np.nan if v is None else float(v) for v in col] for col in (*columns, outcome)], dtype=float)
    return data.T  # respondents × (p + 1), outcome last


CHUNK = 250  # bootstrap replicates computed together: bounds memory at a few tens of MB


def _pairwise_corr(x: "np.ndarray", w: "np.ndarray") -> tuple["np.ndarray", "np.ndarray"]:
    """Pairwise-complete Pearson correlations of the columns of x, each row weighted by w.

    ``w`` is one weight per row (n,) or a stack of them (B, n), e.g. bootstrap
    counts; the result is then (p, p) or (B, p, p) matrices (r, n). r is NaN
    where a pair has fewer than 3 rows or no variance.
    """
    import numpy as np

    single = w.ndim == 1
    w = np.atleast_2d(w)
    m = (~np.isnan(x)).astype(float)
    x0 = np.where(np.isnan(x), 0.0, x)
    wm = w[:, :, None] * m[None]
    wx = w[:, :, None] * x0[None]
    n = wm.transpose(0, 2, 1) @ m  # n[i, j] = Σ w over rows where i and j are present
    sx = wx.transpose(0, 2, 1) @ m  # Σ w x_i over rows where i and j are present
    sxx = (wx * x0[None]).transpose(0, 2, 1) @ m
    sxy = wx.transpose(0, 2, 1) @ x0
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = n * sxy - sx * sx.transpose(0, 2, 1)
        var_i = n * sxx - sx * sx
        r = cov / np.sqrt(var_i * var_i.transpose(0, 2, 1))
    r[(n < 3) | ~np.isfinite(r)] = np.nan
    idx = np.arange(x.shape[1])
    r[:, idx, idx] = 1.0
    return (r[0], n[0]) if single else (r, n)


def _weights_from_corr(r: "np.ndarray") -> tuple["np.ndarray", "np.ndarray", "np.ndarray"]:
    """(raw relative weights, standardised betas, usable) from (B, p+1, p+1) correlation matrices, outcome last.

    Johnson (2000): R_xx = V Λ V'; Λ_half = V Λ^½ V' relates the predictors to
    their closest orthogonal counterparts Z; β* = Λ_half⁻¹ r_xy regresses y on
    Z; ε_j = Σ_k Λ_half[j,k]² β*_k². A matrix is not usable when it has a
    missing correlation or R_xx is not positive definite (its rows are then NaN).
    """
    import numpy as np

    finite = np.isfinite(r).all(axis=(1, 2))
    rxx = np.where(finite[:, None, None], r[:, :-1, :-1], np.eye(r.shape[1] - 1))
    rxy = np.where(finite[:, None], r[:, :-1, -1], 0.0)
    vals, vecs = np.linalg.eigh(rxx)
    ok = finite & (vals[:, 0] > 1e-8 * np.maximum(vals[:, -1], 1.0))
    vals = np.where(ok[:, None], vals, 1.0)
    proj = (vecs.transpose(0, 2, 1) @ rxy[:, :, None])[:, :, 0]  # V' r_xy
    half = (vecs * np.sqrt(vals)[:, None, :]) @ vecs.transpose(0, 2, 1)
    beta_star = ((vecs / np.sqrt(vals)[:, None, :]) @ proj[:, :, None])[:, :, 0]
    raw = (half ** 2) @ (beta_star ** 2)[:, :, None]
    beta = ((vecs / vals[:, None, :]) @ proj[:, :, None])[:, :, 0]
    raw, beta = raw[:, :, 0], beta
    raw[~ok], beta[~ok] = np.nan, np.nan
    return raw, beta, ok


def _percentile(values: "np.ndarray", confidence: float) -> tuple["np.ndarray", "np.ndarray"]:
    import numpy as np

    tail = 50 * (1 - confidence)
    return np.percentile(values, tail, axis=0), np.percentile(values, 100 - tail, axis=0)


def relative_weights(columns: dict[str, Values], outcome: Values, *, confidence: float = 0.95,
                     replicates: int = 1000, seed: int = 0) -> RelativeWeights:
    """Johnson's relative weights of the ``columns`` (predictors) on ``outcome``, with bootstrap intervals.

    Correlations are pairwise-complete (each uses every respondent who
    answered both questions). Intervals: percentile intervals over
    ``replicates`` case resamples (replicates whose correlation matrix is not
    positive definite are skipped and not counted). ``reason`` says why there
    are no weights: fewer than two predictors, too few respondents
    (:func:`minimum_needed`), no variation, or predictors so collinear that
    their correlation matrix is singular.
    """
    import numpy as np

    names = list(columns)
    p = len(names)
    if p < 2:
        return RelativeWeights(names, 0, 0, "fewer than two items with answers")
    x = _as_matrix([columns[k] for k in names], outcome)
    n_outcome = int((~np.isnan(x[:, -1])).sum())
    ones = np.ones(len(x))
    r, counts = _pairwise_corr(x, ones)
    n = int(counts.min()) if counts.size else 0
    needed = green_needed(p)
    base = dict(names=names, n=n, n_outcome=n_outcome, needed=needed)
    if n < minimum_needed(p):
        return RelativeWeights(**base, reason=f"{n} respondents answered every pair of questions; at least "
                                              f"{minimum_needed(p)} are needed for {p} items (5 per item)")
    if not np.all(np.isfinite(r)):
        return RelativeWeights(**base, reason="an item or the overall question does not vary")
    raw, beta, ok = _weights_from_corr(r[None])
    if not ok[0]:
        return RelativeWeights(**base, reason="the items' correlation matrix is singular (some items move together "
                                              "exactly, or are combinations of others)")
    raw, beta = raw[0], beta[0]
    r2 = float(raw.sum())
    if r2 <= 0:
        return RelativeWeights(**base, reason="the items explain none of the overall question's variation")
    rng = np.random.default_rng(seed)
    boot_raw = []
    for start in range(0, replicates, CHUNK):
        counts = rng.multinomial(len(x), ones / len(x), size=min(CHUNK, replicates - start)).astype(float)
        got, _, usable = _weights_from_corr(_pairwise_corr(x, counts)[0])
        usable &= got.sum(axis=1) > 0
        boot_raw.extend(got[usable])
    if boot_raw:
        b = np.array(boot_raw)
        raw_lo, raw_hi = _percentile(b, confidence)
        share_lo, share_hi = _percentile(b / b.sum(axis=1, keepdims=True), confidence)
        raw_iv = [Interval(float(v), float(lo), float(hi)) for v, lo, hi in zip(raw, raw_lo, raw_hi)]
        share_iv = [Interval(float(v / r2), float(lo), float(hi)) for v, lo, hi in zip(raw, share_lo, share_hi)]
    else:
        raw_iv = [Interval(float(v)) for v in raw]
        share_iv = [Interval(float(v / r2)) for v in raw]
    return RelativeWeights(**base, r2=r2, raw=raw_iv, share=share_iv, beta=[float(v) for v in beta],
                           replicates=len(boot_raw))


# --- penalty–reward contrast analysis ------------------------------------------------------

@dataclass(frozen=True)
class Attribute:
    """One attribute's penalty and reward, its impact asymmetry and class."""

    name: str
    n_low: int  # respondents (of the n used) who rated it low
    n_high: int
    penalty: Interval | None  # drop in the overall answer for a low rating (positive = it hurts); None: too few lows
    reward: Interval | None  # rise for a high rating (positive = it delights); None: too few highs
    impact_range: float | None  # |penalty| + |reward|
    asymmetry: Interval | None  # (|reward| − |penalty|) ÷ impact range, −1 … +1
    kind: Kind | None  # None when penalty or reward could not be estimated
    settled: bool = False  # the asymmetry's interval lies wholly inside the class's band


@dataclass(frozen=True)
class PenaltyReward:
    """Penalty–reward contrast analysis of p attributes, or the reason there is none."""

    names: list[str]
    n: int  # respondents used: the overall question and at least (1 − max_missing) of the attributes answered
    low_max: float
    high_min: float
    threshold: float
    reason: str | None = None
    r2: float | None = None
    attributes: list[Attribute] = field(default_factory=list)
    replicates: int = 0
    needed: int = 0  # Green (1991): 104 + number of dummy coefficients
    missing: int = 0  # attribute answers missing among the respondents used (counted in neither group)


def classify(penalty: float, reward: float, threshold: float, *, wrong_sign_clear: bool = True
             ) -> tuple[float | None, float | None, Kind]:
    """(impact range, impact asymmetry, class) of one attribute (Mikulić & Prebežac 2008).

    A coefficient with the counter-intuitive sign (a low rating raising the
    overall answer, or a high one lowering it) counts as 0 when its interval
    includes 0 (``wrong_sign_clear`` False), else the class is ``unclear``.
    Range = |penalty| + |reward|; IA = (|reward| − |penalty|) ÷ range;
    IA > threshold: excitement, IA < −threshold: basic, otherwise
    performance; ``unclear`` too when both effects are 0.
    """
    if (penalty < 0 or reward < 0) and wrong_sign_clear:
        return None, None, "unclear"
    penalty, reward = max(penalty, 0.0), max(reward, 0.0)
    rng = penalty + reward
    if rng == 0:
        return None, None, "unclear"
    ia = (reward - penalty) / rng
    kind: Kind = "excitement" if ia > threshold else "basic" if ia < -threshold else "performance"
    return rng, ia, kind


def _band(kind: Kind | None, threshold: float) -> tuple[float, float] | None:
    return {"excitement": (threshold, 1.0), "basic": (-1.0, -threshold),
            "performance": (-threshold, threshold)}.get(kind or "")


def _ols(design: "np.ndarray", y: "np.ndarray") -> "np.ndarray | None":
    import numpy as np

    coef, _, rank, _ = np.linalg.lstsq(design, y, rcond=None)
    return coef if rank == design.shape[1] else None


def _ols_resampled(design: "np.ndarray", y: "np.ndarray", counts: "np.ndarray") -> "np.ndarray":
    """OLS coefficients of case resamples given as row counts (B, n): one row per full-rank resample.

    Solves the weighted normal equations X'WX b = X'Wy for all resamples at
    once; a resample whose X'WX is singular (a dummy absent from it) is dropped.
    """
    import numpy as np

    xw = counts[:, :, None] * design[None]
    xtx = xw.transpose(0, 2, 1) @ design
    xty = xw.transpose(0, 2, 1) @ y
    vals = np.linalg.eigvalsh(xtx)
    ok = vals[:, 0] > 1e-10 * vals[:, -1]
    return np.linalg.solve(xtx[ok], xty[ok][:, :, None])[:, :, 0]


def penalty_reward(columns: dict[str, Values], outcome: Values, *, low_max: float, high_min: float,
                   threshold: float = 0.2, min_group: int = 10, max_missing: float = 0.2,
                   confidence: float = 0.95, replicates: int = 1000, seed: int = 0) -> PenaltyReward:
    """Penalty–reward contrast analysis of ``columns`` on ``outcome``, with bootstrap intervals.

    A rating ≤ ``low_max`` is low, ≥ ``high_min`` high, anything between the
    reference. Respondents count when they answered the overall question and
    left at most ``max_missing`` of the attributes blank; a blank attribute
    puts them in neither its low nor its high group (as if rated in the
    middle), so a few blanks do not cost the whole answer. A dummy with fewer than ``min_group`` respondents is
    left out (those respondents join the reference group) and that side of
    the attribute is not estimated. One OLS regression of the outcome on all
    dummies; intervals are bootstrap percentile intervals (replicates with a
    rank-deficient design are skipped). An attribute whose penalty and reward
    intervals both include 0 is ``unclear``: its class would be noise.
    """
    import numpy as np

    names = list(columns)
    x = _as_matrix([columns[k] for k in names], outcome)
    blank = np.isnan(x[:, :-1])
    keep = ~np.isnan(x[:, -1]) & (blank.mean(axis=1) <= max_missing + 1e-12) if names else np.zeros(len(x), bool)
    rows = x[keep]
    n = len(rows)
    base = dict(names=names, n=n, low_max=low_max, high_min=high_min, threshold=threshold,
                missing=int(blank[keep].sum()))
    if not names:
        return PenaltyReward(**base, reason="no attributes")
    with np.errstate(invalid="ignore"):  # NaN (blank) compares False: in neither group
        low = rows[:, :-1] <= low_max
        high = rows[:, :-1] >= high_min
    dummies, slots = [], []  # slots: (attribute index, "low" | "high")
    for j in range(len(names)):
        for side, mask in (("low", low[:, j]), ("high", high[:, j])):
            if min_group <= mask.sum() <= n - min_group:
                dummies.append(mask.astype(float))
                slots.append((j, side))
    k = len(dummies)
    needed = green_needed(k)
    base["needed"] = needed
    if k == 0:
        return PenaltyReward(**base, reason=f"no attribute has {min_group} or more low or high ratings among the "
                                            f"{n} respondents used")
    if n < minimum_needed(k + 1):
        return PenaltyReward(**base, reason=f"{n} respondents answered the overall question and most items; at "
                                            f"least {minimum_needed(k + 1)} are needed for {k} contrasts "
                                            f"(5 per coefficient)")
    y = rows[:, -1]
    if np.ptp(y) == 0:
        return PenaltyReward(**base, reason="every respondent gave the same overall answer")
    design = np.column_stack([np.ones(n), *dummies])
    coef = _ols(design, y)
    if coef is None:
        return PenaltyReward(**base, reason="the low/high dummies are collinear (the same respondents rate "
                                            "several items low or high together)")
    fitted = design @ coef
    r2 = 1 - float(((y - fitted) ** 2).sum() / ((y - y.mean()) ** 2).sum())
    rng = np.random.default_rng(seed)
    boots = []
    for start in range(0, replicates, CHUNK):
        counts = rng.multinomial(n, np.full(n, 1 / n), size=min(CHUNK, replicates - start)).astype(float)
        boots.extend(_ols_resampled(design, y, counts))
    boot = np.array(boots) if boots else None

    def effect(j: int, side: str) -> tuple[float | None, "np.ndarray | None"]:
        if (j, side) not in slots:
            return None, None
        col = 1 + slots.index((j, side))
        sign = -1.0 if side == "low" else 1.0  # a penalty is the drop: −b_low
        return sign * float(coef[col]), (sign * boot[:, col] if boot is not None else None)

    attributes = []
    tail = 50 * (1 - confidence)
    for j, name in enumerate(names):
        pen, pen_b = effect(j, "low")
        rew, rew_b = effect(j, "high")

        def iv(v: float | None, b: "np.ndarray | None") -> Interval | None:
            if v is None:
                return None
            if b is None:
                return Interval(v)
            return Interval(v, float(np.percentile(b, tail)), float(np.percentile(b, 100 - tail)))

        ir = ia = kind = None
        ia_iv, settled = None, False
        if pen is not None and rew is not None:
            pen_iv, rew_iv = iv(pen, pen_b), iv(rew, rew_b)
            clear_wrong = (pen < 0 and (pen_iv.high is None or pen_iv.high < 0)) or \
                          (rew < 0 and (rew_iv.high is None or rew_iv.high < 0))
            ir, ia, kind = classify(pen, rew, threshold, wrong_sign_clear=clear_wrong)
            if ia is not None and pen_b is not None and rew_b is not None:
                pb, rb = np.clip(pen_b, 0, None), np.clip(rew_b, 0, None)
                total = pb + rb
                ok = total > 0
                ia_b = (rb[ok] - pb[ok]) / total[ok]
                ia_iv = Interval(ia, float(np.percentile(ia_b, tail)), float(np.percentile(ia_b, 100 - tail))) \
                    if ok.any() else Interval(ia)
            elif ia is not None:
                ia_iv = Interval(ia)
            if kind != "unclear" and pen_iv.low is not None and rew_iv.low is not None and pen_iv.low <= 0 \
                    and rew_iv.low <= 0:
                kind = "unclear"  # neither effect is distinguishable from 0: no class to read
            band = _band(kind, threshold)
            settled = bool(band and ia_iv and ia_iv.low is not None and band[0] <= ia_iv.low
                           and ia_iv.high <= band[1])
        attributes.append(Attribute(name, int(low[:, j].sum()), int(high[:, j].sum()), iv(pen, pen_b),
                                    iv(rew, rew_b), ir, ia_iv, kind, settled))
    return PenaltyReward(**base, r2=r2, attributes=attributes, replicates=len(boots))

