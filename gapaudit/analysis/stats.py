"""Statistics shared by every gapaudit audit module.

Pure standard library (``math``, ``statistics``, ``dataclasses``): no numpy or
scipy at runtime, because ``gapaudit`` is a command-line tool and importing
scipy alone costs more start-up time than a whole small audit.  Every function
is deterministic.

Conventions used throughout:

* Inputs are sequences of numbers in which a missing value is ``None`` or
  NaN.  Missing values are skipped and the number actually used is reported
  as ``n``.  Infinite values are rejected (``ValueError``): no rating scale
  produces them, so they signal a loading bug.
* Impossible parameters (a confidence level outside (0, 1), negative weights,
  mismatched lengths ...) raise ``ValueError`` with a message saying which.
* A sample too small to compute a statistic is *not* an error: the affected
  fields are ``None`` so the report can say "not enough data".

The t and F quantiles are computed from the regularized incomplete beta
function (Numerical Recipes' ``betacf``: a continued fraction evaluated with
the modified Lentz method, prefactor from ``math.lgamma``), inverted with a
bracketing root finder (Brent: bisection safeguarding secant and inverse
quadratic steps) run to full double precision.  Agreement with scipy is tested
to a relative 1e-8 for degrees of freedom 1 to 500 and tail probabilities
down to 1e-10.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist

from gapaudit.analysis.memo import memo

__all__ = [
    "AlphaResult",
    "Correlation",
    "Estimate",
    "beta_inc",
    "beta_ppf",
    "cronbach_alpha",
    "drop_missing",
    "f_cdf",
    "f_ppf",
    "feldt_interval",
    "is_missing",
    "mean_ci",
    "mean_difference_ci",
    "norm_ppf",
    "one_sample_diff",
    "pearson",
    "percentile",
    "proportion",
    "rank_average",
    "reference_minus_mean",
    "spearman",
    "t_cdf",
    "t_ppf",
    "weighted_mean",
    "wilson_interval",
]

MaybeNumber = float | int | None

_EPS = 2.220446049250313e-16  # double-precision machine epsilon
_FPMIN = 1e-300  # Lentz's "tiny": stands in for an exact zero denominator
_CF_MAX_ITER = 10_000
_SPEARMAN_SE_FACTOR = 1.06  # Fieller, Hartley & Pearson (1957)


# ---------------------------------------------------------------------------
# Result types
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its confidence interval.

    ``value`` is None when there is no data at all; ``low``/``high`` are None
    when the sample is too small for an interval (e.g. n < 2 for a t
    interval); ``sd`` is the sample standard deviation (ddof=1) of the
    observations the estimate came from, None when n < 2 or not applicable.
    """

    value: float | None
    low: float | None
    high: float | None
    n: int
    sd: float | None = None
    confidence: float = 0.95

    @property
    def has_interval(self) -> bool:
        """True when the sample was large enough for a confidence interval."""
        return self.low is not None and self.high is not None


@dataclass(frozen=True)
class Correlation:
    """A Spearman rank correlation ``rho`` with a Fisher-z confidence interval.

    ``rho`` is None when n < 2 or either variable is constant; ``low``/``high``
    are None when n < 4 (or rho is None).
    """

    rho: float | None
    low: float | None
    high: float | None
    n: int
    confidence: float = 0.95

    @property
    def value(self) -> float | None:
        """Alias of ``rho`` so a Correlation can be rendered like an Estimate."""
        return self.rho

    @property
    def has_interval(self) -> bool:
        """True when the sample was large enough for a confidence interval."""
        return self.low is not None and self.high is not None


@dataclass(frozen=True)
class AlphaResult:
    """Cronbach's alpha of one scale, with its Feldt confidence interval.

    ``k`` = number of items, ``n`` = respondents used (complete answers only),
    ``n_excluded`` = respondents dropped for having at least one missing item.
    ``alpha`` is None when k < 2, n < 2 or the total score has zero variance;
    ``low``/``high`` are None whenever ``alpha`` is.
    """

    alpha: float | None
    k: int
    n: int
    low: float | None = None
    high: float | None = None
    n_excluded: int = 0
    confidence: float = 0.95


# ---------------------------------------------------------------------------
# Input cleaning and validation
# ---------------------------------------------------------------------------


def is_missing(value: object) -> bool:
    """True for the two spellings of a missing value: None and NaN."""
    if value is None:
        return True
    try:
        return math.isnan(value)  # type: ignore[arg-type]
    except TypeError:
        return False


def _as_float(value: object) -> float:
    """Convert one non-missing input to float; reject text and infinities."""
    if isinstance(value, (str, bytes)):
        raise ValueError(f"expected a number, got text {value!r}")
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ValueError(f"expected a number, got {value!r}") from exc
    if math.isinf(x):
        raise ValueError(f"infinite value {value!r} is not a valid observation")
    return x


def drop_missing(values: Sequence[MaybeNumber]) -> list[float]:
    """The non-missing values as floats, in order (None and NaN removed)."""
    out: list[float] = []
    append = out.append
    for v in values:
        if v is None:
            continue
        if type(v) is float and v == v and v - v == 0.0:  # the common case: a finite float, kept as it is
            append(v)
        elif not is_missing(v):
            append(_as_float(v))
    return out


def _complete_pairs(
    a: Sequence[MaybeNumber], b: Sequence[MaybeNumber], what: str
) -> tuple[list[float], list[float]]:
    """Pairs (a[i], b[i]) where both are present; lengths must match."""
    if len(a) != len(b):
        raise ValueError(f"{what}: sequences differ in length ({len(a)} vs {len(b)})")
    # fast path for the usual input, floats and None (as drop_missing); anything else is checked below
    pairs = [(u, v) for u, v in zip(a, b) if u is not None and v is not None and u == u and v == v]
    xs_fast = [u for u, _ in pairs]
    ys_fast = [v for _, v in pairs]
    types = list(map(type, xs_fast + ys_fast))
    if types.count(float) == len(types) and not (pairs and math.inf in (max(xs_fast), max(ys_fast))
                                                 or pairs and -math.inf in (min(xs_fast), min(ys_fast))):
        return xs_fast, ys_fast
    xs: list[float] = []
    ys: list[float] = []
    for u, v in zip(a, b):
        if u is None or v is None:
            continue
        if type(u) is float and type(v) is float and u - u == 0.0 and v - v == 0.0:  # both finite floats
            xs.append(u)
            ys.append(v)
        elif not (is_missing(u) or is_missing(v)):
            xs.append(_as_float(u))
            ys.append(_as_float(v))
    return xs, ys


def _check_confidence(confidence: float) -> float:
    """Validate a confidence level: must lie strictly between 0 and 1."""
    c = float(confidence)
    if not 0.0 < c < 1.0:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence!r}")
    return c


def _check_probability(p: float) -> float:
    """Validate a quantile probability: must lie strictly between 0 and 1."""
    q = float(p)
    if not 0.0 < q < 1.0:
        raise ValueError(f"probability must be strictly between 0 and 1, got {p!r}")
    return q


def _check_positive(x: float, name: str) -> float:
    """Validate a shape parameter / degrees of freedom: finite and > 0."""
    v = float(x)
    if not (v > 0.0 and math.isfinite(v)):
        raise ValueError(f"{name} must be a positive finite number, got {x!r}")
    return v


def _check_count(x: int, name: str) -> int:
    """Validate a count: a non-negative integer (bool and float rejected)."""
    if isinstance(x, bool):
        raise ValueError(f"{name} must be an integer, got {x!r}")
    try:
        v = operator.index(x)
    except TypeError as exc:
        raise ValueError(f"{name} must be an integer, got {x!r}") from exc
    if v < 0:
        raise ValueError(f"{name} must be >= 0, got {x!r}")
    return v


def _mean_var(xs: Sequence[float]) -> tuple[float, float]:
    """Mean and sample variance (ddof=1) by the corrected two-pass algorithm.

    var = (sum(d_i^2) - (sum d_i)^2 / n) / (n - 1) with d_i = x_i - mean; the
    second term cancels the rounding error of the mean.  Requires n >= 2.
    """
    n = len(xs)
    m = math.fsum(xs) / n
    d = [x - m for x in xs]
    ss = math.fsum(t * t for t in d) - math.fsum(d) ** 2 / n
    return m, max(ss, 0.0) / (n - 1)


# ---------------------------------------------------------------------------
# Distributions: incomplete beta, t, F, normal
# ---------------------------------------------------------------------------


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction for I_x(a, b) (Numerical Recipes ``betacf``).

    Evaluated with the modified Lentz method; converges fast for
    x < (a + 1) / (a + b + 2), which is the only region it is called in.
    """
    qab = a + b
    qap = a + 1.0
    qam = a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    if abs(d) < _FPMIN:
        d = _FPMIN
    d = 1.0 / d
    h = d
    for m in range(1, _CF_MAX_ITER + 1):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        if abs(d) < _FPMIN:
            d = _FPMIN
        c = 1.0 + aa / c
        if abs(c) < _FPMIN:
            c = _FPMIN
        d = 1.0 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        if abs(d) < _FPMIN:
            d = _FPMIN
        c = 1.0 + aa / c
        if abs(c) < _FPMIN:
            c = _FPMIN
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 4.0 * _EPS:
            return h
    raise ArithmeticError(f"incomplete beta continued fraction did not converge (a={a}, b={b}, x={x})")


def _beta_inc_pair(a: float, b: float, x: float, y: float) -> tuple[float, float]:
    """(I_x(a, b), 1 - I_x(a, b)) with y = 1 - x supplied exactly by the caller.

    I_x(a,b) = x^a y^b / (a B(a,b)) * betacf(a,b,x) for x < (a+1)/(a+b+2),
    else 1 - I_y(b,a).  Whichever of the pair is computed directly is accurate
    to a relative ~1e-15 even when tiny; the other is 1 minus it.  Taking y
    from the caller avoids the cancellation in 1 - x when x is close to 1.
    """
    if x <= 0.0:
        return 0.0, 1.0
    if y <= 0.0:
        return 1.0, 0.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(y)
    )
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        lower = front * _betacf(a, b, x) / a
        return lower, 1.0 - lower
    upper = front * _betacf(b, a, y) / b
    return 1.0 - upper, upper


def beta_inc(a: float, b: float, x: float) -> float:
    """Regularized incomplete beta I_x(a, b) = B(x; a, b) / B(a, b).

    Equals scipy.special.betainc(a, b, x); it is the CDF of Beta(a, b) and
    underlies the t and F distributions.
    """
    a = _check_positive(a, "a")
    b = _check_positive(b, "b")
    x = float(x)
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"x must lie in [0, 1], got {x!r}")
    return _beta_inc_pair(a, b, x, 1.0 - x)[0]


def _brent(f: Callable[[float], float], lo: float, hi: float, f_lo: float, f_hi: float) -> float:
    """Root of f in [lo, hi] (f(lo), f(hi) of opposite sign) by Brent's method.

    Each step takes an inverse-quadratic or secant step when it stays inside
    the shrinking bracket and makes enough progress, otherwise bisects, so it
    never fails to converge.  Stops when the bracket is within ~4 ulp.
    """
    a, b, c = lo, hi, hi
    fa, fb, fc = f_lo, f_hi, f_hi
    d = e = b - a
    for _ in range(500):
        if (fb > 0.0) == (fc > 0.0) and fb != 0.0 and fc != 0.0:
            c, fc = a, fa
            d = e = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol = 2.0 * _EPS * abs(b) + 1e-300
        xm = 0.5 * (c - b)
        if abs(xm) <= tol or fb == 0.0:
            return b
        if abs(e) >= tol and abs(fa) > abs(fb):
            s = fb / fa
            if a == c:
                p = 2.0 * xm * s
                q = 1.0 - s
            else:
                q = fa / fc
                r = fb / fc
                p = s * (2.0 * xm * q * (q - r) - (b - a) * (r - 1.0))
                q = (q - 1.0) * (r - 1.0) * (s - 1.0)
            if p > 0.0:
                q = -q
            p = abs(p)
            if 2.0 * p < min(3.0 * xm * q - abs(tol * q), abs(e * q)):
                e, d = d, p / q
            else:
                d = e = xm
        else:
            d = e = xm
        a, fa = b, fb
        b += d if abs(d) > tol else math.copysign(tol, xm)
        fb = f(b)
    return b  # pragma: no cover - Brent converges in far fewer steps


def _beta_inv(a: float, b: float, p: float, q: float) -> tuple[float, float]:
    """(x, 1 - x) with I_x(a, b) = p, where q = 1 - p is supplied by the caller.

    To keep full relative precision in both tails, the equation is solved on
    whichever probability (p or q) is smaller, and in whichever variable
    (x or y = 1 - x) is smaller at the solution (<= 0.5), on a log scale:
    find u = log v such that log(tail(v)) = log(target).
    """
    p_small = p <= q
    i_half, _ = _beta_inc_pair(a, b, 0.5, 0.5)
    solve_in_x = p <= i_half  # the root x lies in (0, 0.5]
    target = p if p_small else q
    log_target = math.log(target)
    # tail(v) is increasing in v when (tail, variable) is (I, x) or (1-I, y).
    sign = 1.0 if p_small == solve_in_x else -1.0

    def h(u: float) -> float:
        v = math.exp(u)
        x, y = (v, 1.0 - v) if solve_in_x else (1.0 - v, v)
        lower, upper = _beta_inc_pair(a, b, x, y)
        tail = lower if p_small else upper
        return sign * (math.log(max(tail, 5e-324)) - log_target)

    u_hi = math.log(0.5)
    h_hi = h(u_hi)
    if h_hi == 0.0:
        return 0.5, 0.5
    step = 1.0
    u_lo = u_hi - step
    h_lo = h(u_lo)
    while h_lo > 0.0 and u_lo > -745.0:
        step *= 2.0
        u_lo = max(u_hi - step, -745.0)
        h_lo = h(u_lo)
    if h_lo >= 0.0:
        u = u_lo  # the root is below the smallest positive double
    else:
        u = _brent(h, u_lo, u_hi, h_lo, h_hi)
    v = math.exp(u)
    return (v, 1.0 - v) if solve_in_x else (1.0 - v, v)


def beta_ppf(p: float, a: float, b: float) -> float:
    """Quantile of Beta(a, b): the x with I_x(a, b) = p (scipy betaincinv)."""
    p = _check_probability(p)
    a = _check_positive(a, "a")
    b = _check_positive(b, "b")
    return _beta_inv(a, b, p, 1.0 - p)[0]


def norm_ppf(p: float) -> float:
    """Standard normal quantile z_p, via statistics.NormalDist (Wichura AS241)."""
    return NormalDist().inv_cdf(_check_probability(p))


@memo
def t_cdf(t: float, df: float) -> float:
    """CDF of Student's t with df degrees of freedom.

    P(T <= t) = I_x(df/2, 1/2) / 2 with x = df / (df + t^2) for t <= 0, and
    1 minus that for t > 0 (symmetry).
    """
    df = _check_positive(df, "df")
    t = float(t)
    if math.isnan(t):
        raise ValueError("t must not be NaN")
    if abs(t) > 1e150:  # t*t would overflow; x = df / t^2 (may underflow to 0)
        x = df / t / t
        y = 1.0 - x
    else:
        denom = df + t * t
        x, y = df / denom, t * t / denom
    tail = 0.5 * _beta_inc_pair(0.5 * df, 0.5, x, y)[0]
    return tail if t <= 0.0 else 1.0 - tail


@functools.lru_cache(maxsize=4096)
@memo
def t_ppf(p: float, df: float) -> float:
    """Quantile of Student's t: the t with P(T <= t) = p.

    For p < 1/2: solve I_x(df/2, 1/2) = 2p for x, then t = -sqrt(df (1-x) / x);
    p > 1/2 by symmetry, t_p = -t_{1-p}. Cached: an audit asks for the same
    few (confidence, n − 1) pairs thousands of times, and each is a root search.
    """
    p = _check_probability(p)
    df = _check_positive(df, "df")
    if p == 0.5:
        return 0.0
    if p > 0.5:
        return -t_ppf(1.0 - p, df)
    two_p = 2.0 * p
    x, y = _beta_inv(0.5 * df, 0.5, two_p, 1.0 - two_p)
    if x <= 0.0:
        return -math.inf
    return -math.sqrt(df * y / x)


def f_cdf(x: float, df1: float, df2: float) -> float:
    """CDF of the F distribution: P(F <= x) = I_u(df1/2, df2/2), u = df1 x / (df1 x + df2)."""
    df1 = _check_positive(df1, "df1")
    df2 = _check_positive(df2, "df2")
    x = float(x)
    if math.isnan(x):
        raise ValueError("x must not be NaN")
    if x <= 0.0:
        return 0.0
    if math.isinf(x):
        return 1.0
    num = df1 * x
    denom = num + df2
    return _beta_inc_pair(0.5 * df1, 0.5 * df2, num / denom, df2 / denom)[0]


@memo
def f_ppf(p: float, df1: float, df2: float) -> float:
    """Quantile of F(df1, df2): solve I_u(df1/2, df2/2) = p, then F = (df2/df1) u / (1-u)."""
    p = _check_probability(p)
    df1 = _check_positive(df1, "df1")
    df2 = _check_positive(df2, "df2")
    u, one_minus_u = _beta_inv(0.5 * df1, 0.5 * df2, p, 1.0 - p)
    if one_minus_u <= 0.0:
        return math.inf
    return (df2 / df1) * u / one_minus_u


# ---------------------------------------------------------------------------
# Means and differences
# ---------------------------------------------------------------------------


def _mean_ci_of(xs: list[float], confidence: float) -> Estimate:
    """Student t interval of the mean of already-cleaned values."""
    n = len(xs)
    if n == 0:
        return Estimate(None, None, None, 0, None, confidence)
    if n == 1:
        return Estimate(xs[0], None, None, 1, None, confidence)
    m, var = _mean_var(xs)
    sd = math.sqrt(var)
    half = t_ppf(0.5 + 0.5 * confidence, n - 1) * sd / math.sqrt(n)
    return Estimate(m, m - half, m + half, n, sd, confidence)


@memo
def mean_ci(values: Sequence[MaybeNumber], confidence: float = 0.95) -> Estimate:
    """Mean with its Student t confidence interval, skipping missing values.

    mean ± t_{1-a/2, n-1} · s / sqrt(n), a = 1 - confidence, s = sample SD
    (ddof=1).  n = 0: everything None; n = 1: value only (no interval, no sd).
    """
    confidence = _check_confidence(confidence)
    return _mean_ci_of(drop_missing(values), confidence)


@memo
def mean_difference_ci(
    a: Sequence[MaybeNumber], b: Sequence[MaybeNumber], confidence: float = 0.95
) -> Estimate:
    """Mean paired difference b - a with its t interval (a paired t interval).

    Pairs where either value is missing are dropped; ``n`` counts complete
    pairs and ``sd`` is the SD of the differences.  For a SERVQUAL gap pass
    a = expectations, b = perceptions, giving P - E (negative = shortfall).
    """
    confidence = _check_confidence(confidence)
    xs, ys = _complete_pairs(a, b, "mean_difference_ci")
    return _mean_ci_of([y - x for x, y in zip(xs, ys)], confidence)


def one_sample_diff(
    values: Sequence[MaybeNumber], reference: float, confidence: float = 0.95
) -> Estimate:
    """mean(values) - reference, with the mean's t interval shifted by -reference.

    ``reference`` is a fixed number (no sampling error), e.g. one management
    estimate; ``sd`` is the SD of the values.  For "reference - mean" use
    :func:`reference_minus_mean`.
    """
    ref = _as_float(reference) if not is_missing(reference) else None
    if ref is None:
        raise ValueError("reference must be a number, got a missing value")
    est = mean_ci(values, confidence)
    return Estimate(
        None if est.value is None else est.value - ref,
        None if est.low is None else est.low - ref,
        None if est.high is None else est.high - ref,
        est.n,
        est.sd,
        est.confidence,
    )


def reference_minus_mean(
    reference: float, values: Sequence[MaybeNumber], confidence: float = 0.95
) -> Estimate:
    """reference - mean(values) with its interval: the mirror of one_sample_diff.

    Gap 1 (management's estimate of expectations - customers' mean
    expectation) is ``reference_minus_mean(management_estimate, expectations)``.
    """
    d = one_sample_diff(values, reference, confidence)
    return Estimate(
        None if d.value is None else -d.value,
        None if d.high is None else -d.high,
        None if d.low is None else -d.low,
        d.n,
        d.sd,
        d.confidence,
    )


def weighted_mean(values: Sequence[MaybeNumber], weights: Sequence[MaybeNumber]) -> float | None:
    """sum(w_i x_i) / sum(w_i) over the pairs where both x_i and w_i are present.

    Used for the SERVQUAL weighted score (dimension gaps weighted by
    importance).  Returns None when no complete pair is left.  Raises
    ValueError for a negative weight, or when the complete pairs' weights sum
    to zero (the mean is then undefined, not merely uncertain).
    """
    xs, ws = _complete_pairs(values, weights, "weighted_mean")
    if any(w < 0.0 for w in ws):
        raise ValueError(f"weights must be >= 0, got {min(ws)!r}")
    if not xs:
        return None
    total = math.fsum(ws)
    if total == 0.0:
        raise ValueError("weights of the non-missing values sum to zero")
    return math.fsum(w * x for w, x in zip(ws, xs)) / total


def percentile(sorted_values: Sequence[float], q: float) -> float | None:
    """Linear-interpolation percentile of already sorted values, q in 0..1 (None when empty).

    Hyndman & Fan type 7, numpy's default: h = (n - 1)·q, then
    x[floor h] + (h - floor h)·(x[floor h + 1] - x[floor h]).
    """
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"q must be within [0, 1], got {q!r}")
    if not sorted_values:
        return None
    h = (len(sorted_values) - 1) * q
    lo = math.floor(h)
    if lo + 1 >= len(sorted_values):
        return float(sorted_values[-1])
    return sorted_values[lo] + (h - lo) * (sorted_values[lo + 1] - sorted_values[lo])


# ---------------------------------------------------------------------------
# Proportions
# ---------------------------------------------------------------------------


def wilson_interval(
    successes: int, n: int, confidence: float = 0.95
) -> tuple[float | None, float | None]:
    """Wilson score interval for a binomial proportion; (None, None) when n == 0.

    With p = k/n and z = z_{1-a/2}:
    centre = (p + z²/2n) / (1 + z²/n),
    half   = z·sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n).
    Unlike the Wald interval it stays inside [0, 1] and is sensible at k = 0
    or k = n (low is exactly 0, resp. high exactly 1).
    """
    confidence = _check_confidence(confidence)
    k = _check_count(successes, "successes")
    n = _check_count(n, "n")
    if k > n:
        raise ValueError(f"successes ({k}) cannot exceed n ({n})")
    if n == 0:
        return None, None
    z = norm_ppf(0.5 + 0.5 * confidence)
    p = k / n
    z2n = z * z / n
    denom = 1.0 + z2n
    centre = (p + 0.5 * z2n) / denom
    half = z * math.sqrt(p * (1.0 - p) / n + z2n / (4.0 * n)) / denom
    low = 0.0 if k == 0 else min(max(centre - half, 0.0), p)
    high = 1.0 if k == n else max(min(centre + half, 1.0), p)
    return low, high


def proportion(successes: int, n: int, confidence: float = 0.95) -> Estimate:
    """Proportion k/n with its Wilson interval (value None when n == 0; sd None)."""
    low, high = wilson_interval(successes, n, confidence)
    value = None if n == 0 else successes / n
    return Estimate(value, low, high, int(n), None, float(confidence))


# ---------------------------------------------------------------------------
# Reliability: Cronbach's alpha and Feldt's interval
# ---------------------------------------------------------------------------


def feldt_interval(
    alpha: float | None, k: int, n: int, confidence: float = 0.95
) -> tuple[float | None, float | None]:
    """Feldt (1965) confidence interval for Cronbach's alpha.

    With df1 = n - 1, df2 = (n - 1)(k - 1) and a = 1 - confidence:
    low  = 1 - (1 - alpha) · F_{1-a/2}(df1, df2),
    high = 1 - (1 - alpha) · F_{a/2}(df1, df2).
    (None, None) when alpha is None, k < 2 or n < 2.
    Example: alpha = 0.85, k = 7, n = 89 gives [0.797, 0.893] at 95 %.
    """
    confidence = _check_confidence(confidence)
    k = _check_count(k, "k")
    n = _check_count(n, "n")
    if alpha is None or k < 2 or n < 2:
        return None, None
    alpha = float(alpha)
    if math.isnan(alpha) or alpha > 1.0:
        raise ValueError(f"alpha must be a number <= 1, got {alpha!r}")
    a = 1.0 - confidence
    df1 = n - 1
    df2 = (n - 1) * (k - 1)
    low = 1.0 - (1.0 - alpha) * f_ppf(1.0 - a / 2.0, df1, df2)
    high = 1.0 - (1.0 - alpha) * f_ppf(a / 2.0, df1, df2)
    return low, high


@memo
def cronbach_alpha(
    rows: Sequence[Sequence[MaybeNumber]], confidence: float = 0.95
) -> AlphaResult:
    """Cronbach's alpha of k items answered by n respondents, with Feldt interval.

    ``rows`` = respondents, columns = items (all rows the same length).
    Listwise deletion: only respondents who answered *every* item are used
    (``n``); the others are counted in ``n_excluded``.
    alpha = k/(k-1) · (1 - sum of item variances / variance of total score),
    sample variances (ddof=1).  alpha is None when k < 2, n < 2 or the total
    score has zero variance.  Rounding can push a perfect scale a hair above
    1; the result is capped at 1, the mathematical maximum.
    """
    confidence = _check_confidence(confidence)
    k = len(rows[0]) if len(rows) else 0
    complete: list[list[float]] = []
    for i, row in enumerate(rows):
        if len(row) != k:
            raise ValueError(f"cronbach_alpha: row {i} has {len(row)} items, row 0 has {k}")
        if None in row:
            continue
        if all(type(v) is float and v - v == 0.0 for v in row):  # finite floats: the common case, used as they are
            complete.append(list(row))  # type: ignore[arg-type]
            continue
        if any(is_missing(v) for v in row):
            continue
        complete.append([_as_float(v) for v in row])
    n = len(complete)
    excluded = len(rows) - n
    if k < 2 or n < 2:
        return AlphaResult(None, k, n, None, None, excluded, confidence)
    item_var = math.fsum(_mean_var([r[j] for r in complete])[1] for j in range(k))
    total_var = _mean_var([math.fsum(r) for r in complete])[1]
    if total_var <= 0.0:
        return AlphaResult(None, k, n, None, None, excluded, confidence)
    alpha = min(k / (k - 1) * (1.0 - item_var / total_var), 1.0)
    low, high = feldt_interval(alpha, k, n, confidence)
    return AlphaResult(alpha, k, n, low, high, excluded, confidence)


# ---------------------------------------------------------------------------
# Rank correlation
# ---------------------------------------------------------------------------


def rank_average(values: Sequence[MaybeNumber]) -> list[float | None]:
    """Ranks 1..m of the present values, ties sharing their average rank.

    Missing values keep their position and get rank None (they are not
    ranked; m = number of present values).  Same as scipy.stats.rankdata
    (method='average') when nothing is missing.
    """
    present = [(i, _as_float(v)) for i, v in enumerate(values) if not is_missing(v)]
    present.sort(key=lambda iv: iv[1])
    ranks: list[float | None] = [None] * len(values)
    start = 0
    while start < len(present):
        end = start
        while end + 1 < len(present) and present[end + 1][1] == present[start][1]:
            end += 1
        avg = 0.5 * (start + end) + 1.0  # mean of 1-based ranks start+1 .. end+1
        for j in range(start, end + 1):
            ranks[present[j][0]] = avg
        start = end + 1
    return ranks


def _pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson r = sum(dx dy) / sqrt(sum dx² · sum dy²); None if either is constant."""
    n = len(xs)
    mx = math.fsum(xs) / n
    my = math.fsum(ys) / n
    dx = [x - mx for x in xs]
    dy = [y - my for y in ys]
    sxx = math.fsum(d * d for d in dx)
    syy = math.fsum(d * d for d in dy)
    if sxx <= 0.0 or syy <= 0.0:
        return None
    r = math.fsum(u * v for u, v in zip(dx, dy)) / math.sqrt(sxx * syy)
    return max(-1.0, min(1.0, r))


def pearson(x: Sequence[MaybeNumber], y: Sequence[MaybeNumber]) -> tuple[float | None, int]:
    """Pearson's r over the pairs where both values are present, and that number of pairs n.

    r is None when n < 2 or either variable is constant over those pairs.
    """
    xs, ys = _complete_pairs(x, y, "pearson")
    return (_pearson(xs, ys) if len(xs) >= 2 else None), len(xs)


@memo
def spearman(
    x: Sequence[MaybeNumber], y: Sequence[MaybeNumber], confidence: float = 0.95
) -> Correlation:
    """Spearman's rho with a Fisher-z confidence interval.

    rho = Pearson correlation of the average ranks, over pairs where both
    values are present (n).  Interval: tanh(atanh(rho) ± z_{1-a/2} · SE) with
    SE = 1.06 / sqrt(n - 3) (Fieller, Hartley & Pearson 1957; the 1.06
    widens Pearson's 1/sqrt(n-3) for rank correlation).  rho is None when
    n < 2 or a variable is constant; the interval is None when n < 4.
    """
    confidence = _check_confidence(confidence)
    xs, ys = _complete_pairs(x, y, "spearman")
    n = len(xs)
    if n < 2:
        return Correlation(None, None, None, n, confidence)
    rx = [float(r) for r in rank_average(xs)]  # type: ignore[arg-type]
    ry = [float(r) for r in rank_average(ys)]  # type: ignore[arg-type]
    rho = _pearson(rx, ry)
    if rho is None or n < 4:
        return Correlation(rho, None, None, n, confidence)
    if abs(rho) == 1.0:
        return Correlation(rho, rho, rho, n, confidence)
    half = norm_ppf(0.5 + 0.5 * confidence) * _SPEARMAN_SE_FACTOR / math.sqrt(n - 3)
    zr = math.atanh(rho)
    return Correlation(rho, math.tanh(zr - half), math.tanh(zr + half), n, confidence)
