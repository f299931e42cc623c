"""Tests for gapaudit.analysis.stats: known published answers, and agreement with
independent implementations (scipy, numpy) which are test-only dependencies."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.special as sp
import scipy.stats as st
from hypothesis import given, settings
from hypothesis import strategies as hs

from gapaudit.analysis import stats
from gapaudit.analysis.stats import (
    AlphaResult,
    Correlation,
    Estimate,
    beta_inc,
    beta_ppf,
    cronbach_alpha,
    drop_missing,
    f_cdf,
    f_ppf,
    feldt_interval,
    mean_ci,
    mean_difference_ci,
    norm_ppf,
    one_sample_diff,
    proportion,
    rank_average,
    reference_minus_mean,
    spearman,
    t_cdf,
    t_ppf,
    weighted_mean,
    wilson_interval,
)

REL = 1e-8
DFS = [1, 2, 3, 4, 5, 7, 10, 15, 30, 50, 88, 100, 200, 500]
PROBS = [1e-10, 1e-6, 1e-3, 0.01, 0.025, 0.05, 0.2, 0.4, 0.5, 0.6, 0.8, 0.95, 0.975, 0.99, 0.999,
         1 - 1e-6, 1 - 1e-10]


def close(a: float | None, b: float, rel: float = REL, abs_: float = 1e-12) -> bool:
    return a is not None and math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


# ---------------------------------------------------------------------------
# Known answers
# ---------------------------------------------------------------------------


def test_feldt_known_answer():
    # alpha = .85 from 7 items and 89 respondents: 95 % CI [.797, .893].
    low, high = feldt_interval(0.85, 7, 89, 0.95)
    assert round(low, 3) == 0.797
    assert round(high, 3) == 0.893


def test_feldt_matches_scipy_formula():
    for alpha, k, n, c in [(0.85, 7, 89, 0.95), (0.6, 3, 20, 0.9), (-0.2, 5, 12, 0.99), (0.95, 22, 400, 0.95)]:
        a = 1 - c
        df1, df2 = n - 1, (n - 1) * (k - 1)
        low, high = feldt_interval(alpha, k, n, c)
        assert close(low, 1 - (1 - alpha) * st.f.ppf(1 - a / 2, df1, df2))
        assert close(high, 1 - (1 - alpha) * st.f.ppf(a / 2, df1, df2))
        assert low < alpha < high


def test_feldt_degenerate_and_invalid():
    assert feldt_interval(None, 7, 89) == (None, None)
    assert feldt_interval(0.8, 1, 89) == (None, None)
    assert feldt_interval(0.8, 7, 1) == (None, None)
    assert feldt_interval(1.0, 5, 30) == (1.0, 1.0)
    with pytest.raises(ValueError, match="alpha"):
        feldt_interval(1.2, 7, 89)
    with pytest.raises(ValueError, match="confidence"):
        feldt_interval(0.8, 7, 89, 1.0)
    with pytest.raises(ValueError):
        feldt_interval(0.8, -3, 89)


def test_servqual_known_answer_mean_of_dimension_gaps():
    # Unweighted SERVQUAL score = mean of the five dimension gaps.
    gaps = [-0.65, -1.10, -0.83, -0.70, -1.01]
    est = mean_ci(gaps)
    assert round(est.value, 2) == -0.86
    assert est.n == 5
    # equal weights give the same answer
    assert round(weighted_mean(gaps, [1] * 5), 2) == -0.86


# ---------------------------------------------------------------------------
# Distribution functions vs scipy
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("df", DFS)
def test_t_ppf_matches_scipy(df):
    for p in PROBS:
        ours, ref = t_ppf(p, df), st.t.ppf(p, df)
        assert math.isclose(ours, ref, rel_tol=REL, abs_tol=1e-300), (p, df, ours, ref)
    assert t_ppf(0.5, df) == 0.0


def test_t_ppf_non_integer_df():
    for df in [0.5, 1.5, 2.7, 33.3, 1234.5]:
        for p in [1e-6, 0.025, 0.3, 0.975]:
            assert math.isclose(t_ppf(p, df), st.t.ppf(p, df), rel_tol=REL)


@pytest.mark.parametrize("df1", [1, 2, 3, 5, 10, 30, 88, 200, 500])
def test_f_ppf_matches_scipy(df1):
    for df2 in [1, 2, 3, 5, 10, 30, 100, 500, 528]:
        for p in PROBS:
            ours, ref = f_ppf(p, df1, df2), st.f.ppf(p, df1, df2)
            assert math.isclose(ours, ref, rel_tol=REL), (p, df1, df2, ours, ref)


def test_t_and_f_cdf_match_scipy():
    for df in DFS:
        for t in [-1e6, -40.0, -5.0, -2.0, -0.3, 0.0, 0.1, 1.96, 7.0, 300.0]:
            assert math.isclose(t_cdf(t, df), st.t.cdf(t, df), rel_tol=REL, abs_tol=1e-300), (t, df)
    for df1 in [1, 3, 10, 88, 500]:
        for df2 in [1, 4, 30, 528]:
            for x in [1e-8, 0.01, 0.5, 1.0, 1.3, 4.0, 100.0]:
                ours, ref = f_cdf(x, df1, df2), st.f.cdf(x, df1, df2)
                assert math.isclose(ours, ref, rel_tol=REL, abs_tol=1e-300), (x, df1, df2)
    assert f_cdf(0.0, 3, 4) == 0.0 and f_cdf(-1.0, 3, 4) == 0.0
    assert f_cdf(math.inf, 3, 4) == 1.0
    assert t_cdf(-math.inf, 3) == 0.0 and t_cdf(math.inf, 3) == 1.0


def test_ppf_cdf_round_trip():
    for df in [1, 4, 29, 500]:
        for p in [1e-8, 0.05, 0.5, 0.9, 0.999]:
            assert math.isclose(t_cdf(t_ppf(p, df), df), p, rel_tol=1e-10)
            assert math.isclose(f_cdf(f_ppf(p, df, 7), df, 7), p, rel_tol=1e-10)


def test_beta_inc_matches_scipy():
    shapes = [0.5, 1.0, 2.5, 7.0, 44.0, 250.0]
    xs = [0.0, 1e-12, 1e-4, 0.01, 0.2, 0.5, 0.8, 0.99, 0.999999, 1.0]
    for a in shapes:
        for b in shapes:
            for x in xs:
                ours, ref = beta_inc(a, b, x), sp.betainc(a, b, x)
                assert math.isclose(ours, ref, rel_tol=REL, abs_tol=1e-300), (a, b, x, ours, ref)


def test_beta_ppf_matches_scipy():
    for a in [0.5, 1.0, 3.0, 44.0, 250.0]:
        for b in [0.5, 2.0, 264.0]:
            for p in [1e-10, 1e-4, 0.1, 0.5, 0.9, 1 - 1e-7]:
                assert math.isclose(beta_ppf(p, a, b), sp.betaincinv(a, b, p), rel_tol=REL), (a, b, p)


def test_norm_ppf():
    for p in [1e-12, 0.025, 0.5, 0.8, 0.975]:
        assert math.isclose(norm_ppf(p), st.norm.ppf(p), rel_tol=1e-12, abs_tol=1e-15)


@pytest.mark.parametrize(
    "call",
    [
        lambda: t_ppf(0.0, 5),
        lambda: t_ppf(1.0, 5),
        lambda: t_ppf(1.5, 5),
        lambda: t_ppf(math.nan, 5),
        lambda: t_ppf(0.5, 0),
        lambda: t_ppf(0.5, -2),
        lambda: t_ppf(0.5, math.inf),
        lambda: f_ppf(0.5, 0, 3),
        lambda: f_ppf(0.5, 3, -1),
        lambda: f_ppf(-0.1, 3, 3),
        lambda: norm_ppf(1.0),
        lambda: beta_inc(0, 1, 0.5),
        lambda: beta_inc(1, 1, 1.5),
        lambda: t_cdf(math.nan, 3),
    ],
)
def test_impossible_parameters_raise(call):
    with pytest.raises(ValueError):
        call()


# ---------------------------------------------------------------------------
# Means
# ---------------------------------------------------------------------------


def test_mean_ci_matches_scipy_t_interval():
    rng = np.random.default_rng(20240601)
    for n in [2, 3, 5, 30, 250]:
        x = rng.normal(4.5, 1.3, size=n)
        for c in [0.8, 0.95, 0.99]:
            est = mean_ci(list(x), c)
            low, high = st.t.interval(c, df=n - 1, loc=x.mean(), scale=st.sem(x))
            assert est.n == n and est.confidence == c
            assert math.isclose(est.value, x.mean(), rel_tol=1e-12)
            assert math.isclose(est.sd, x.std(ddof=1), rel_tol=1e-12)
            assert math.isclose(est.low, low, rel_tol=REL) and math.isclose(est.high, high, rel_tol=REL)


def test_mean_ci_skips_none_and_nan():
    data = [5, None, 6.0, float("nan"), 7, np.nan, 4]
    est = mean_ci(data)
    clean = np.array([5, 6, 7, 4], dtype=float)
    low, high = st.t.interval(0.95, df=3, loc=clean.mean(), scale=st.sem(clean))
    assert est.n == 4
    assert est.value == pytest.approx(5.5)
    assert close(est.low, low) and close(est.high, high)
    assert drop_missing(data) == [5.0, 6.0, 7.0, 4.0]


def test_mean_ci_small_samples():
    assert mean_ci([]) == Estimate(None, None, None, 0, None, 0.95)
    assert mean_ci([None, math.nan]) == Estimate(None, None, None, 0, None, 0.95)
    one = mean_ci([None, 3.0])
    assert one == Estimate(3.0, None, None, 1, None, 0.95)
    assert not one.has_interval
    const = mean_ci([2, 2, 2])
    assert (const.value, const.low, const.high, const.sd) == (2.0, 2.0, 2.0, 0.0)


def test_mean_ci_rejects_bad_input():
    for c in [0, 1, -0.5, 95, math.nan]:
        with pytest.raises(ValueError, match="confidence"):
            mean_ci([1, 2, 3], c)
    with pytest.raises(ValueError, match="infinite"):
        mean_ci([1, math.inf])
    with pytest.raises(ValueError):
        mean_ci([1, "2"])


def test_mean_difference_ci_matches_paired_t():
    rng = np.random.default_rng(7)
    e = rng.integers(1, 8, size=60).astype(float)
    p = np.clip(e - rng.integers(-1, 3, size=60), 1, 7).astype(float)
    e_missing = list(e)
    p_missing = list(p)
    e_missing[3] = None
    p_missing[10] = math.nan
    keep = np.array([i not in (3, 10) for i in range(60)])
    est = mean_difference_ci(e_missing, p_missing, 0.9)
    ref = st.ttest_rel(p[keep], e[keep]).confidence_interval(confidence_level=0.9)
    assert est.n == 58
    assert math.isclose(est.value, (p[keep] - e[keep]).mean(), rel_tol=1e-12)
    assert math.isclose(est.sd, (p[keep] - e[keep]).std(ddof=1), rel_tol=1e-12)
    assert close(est.low, ref.low) and close(est.high, ref.high)
    with pytest.raises(ValueError, match="length"):
        mean_difference_ci([1, 2], [1, 2, 3])
    assert mean_difference_ci([1, None], [None, 2]).value is None


def test_one_sample_diff_and_reference_minus_mean():
    rng = np.random.default_rng(11)
    x = rng.normal(5.6, 0.9, size=40)
    ref = 6.2
    ci = st.ttest_1samp(x, popmean=ref).confidence_interval(confidence_level=0.95)
    d = one_sample_diff(list(x) + [None], ref)
    assert d.n == 40
    assert math.isclose(d.value, x.mean() - ref, rel_tol=1e-12)
    assert close(d.low, ci.low - ref) and close(d.high, ci.high - ref)
    r = reference_minus_mean(ref, list(x))
    assert math.isclose(r.value, ref - x.mean(), rel_tol=1e-12)
    assert close(r.low, ref - ci.high) and close(r.high, ref - ci.low)
    assert r.low < r.value < r.high
    single = one_sample_diff([4.0], 5.0)
    assert (single.value, single.low, single.high) == (-1.0, None, None)
    with pytest.raises(ValueError):
        one_sample_diff([1, 2], None)


def test_weighted_mean():
    v = [-0.65, None, -0.83, -0.70, math.nan, 1.0]
    w = [0.3, 0.2, None, 0.1, 0.25, 0.15]
    keep_v = np.array([-0.65, -0.70, 1.0])
    keep_w = np.array([0.3, 0.1, 0.15])
    assert math.isclose(weighted_mean(v, w), np.average(keep_v, weights=keep_w), rel_tol=1e-12)
    assert weighted_mean([None], [1.0]) is None
    with pytest.raises(ValueError, match=">= 0"):
        weighted_mean([1, 2], [1, -1])
    with pytest.raises(ValueError, match="zero"):
        weighted_mean([1, 2], [0, 0])
    with pytest.raises(ValueError, match="length"):
        weighted_mean([1, 2], [1])


# ---------------------------------------------------------------------------
# Proportions
# ---------------------------------------------------------------------------


def test_wilson_matches_scipy_binomtest():
    rng = np.random.default_rng(2024)
    for _ in range(200):
        n = int(rng.integers(1, 2000))
        k = int(rng.integers(0, n + 1))
        c = float(rng.choice([0.8, 0.9, 0.95, 0.99]))
        low, high = wilson_interval(k, n, c)
        ref = st.binomtest(k, n).proportion_ci(confidence_level=c, method="wilson")
        assert math.isclose(low, ref.low, rel_tol=1e-9, abs_tol=1e-12), (k, n, c)
        assert math.isclose(high, ref.high, rel_tol=1e-9, abs_tol=1e-12), (k, n, c)


def test_wilson_edge_cases():
    for n in [1, 2, 17, 1000]:
        low, high = wilson_interval(0, n)
        ref = st.binomtest(0, n).proportion_ci(method="wilson")
        assert low == 0.0 and math.isclose(high, ref.high, rel_tol=1e-9)
        low, high = wilson_interval(n, n)
        ref = st.binomtest(n, n).proportion_ci(method="wilson")
        assert high == 1.0 and math.isclose(low, ref.low, rel_tol=1e-9)
    assert wilson_interval(0, 0) == (None, None)
    assert proportion(0, 0) == Estimate(None, None, None, 0, None, 0.95)
    est = proportion(30, 120, 0.9)
    assert est.value == 0.25 and est.n == 120 and est.has_interval
    assert (est.low, est.high) == wilson_interval(30, 120, 0.9)
    for bad in [(5, 3), (-1, 3), (1.5, 3), (1, 3.0)]:
        with pytest.raises(ValueError):
            wilson_interval(*bad)
    with pytest.raises(ValueError, match="confidence"):
        wilson_interval(1, 3, 0)


@settings(max_examples=300, deadline=None)
@given(
    n=hs.integers(min_value=1, max_value=10**6),
    frac=hs.floats(min_value=0, max_value=1),
    c=hs.floats(min_value=0.5, max_value=0.999),
)
def test_wilson_property_contains_estimate_within_unit_interval(n, frac, c):
    k = round(frac * n)
    low, high = wilson_interval(k, n, c)
    assert 0.0 <= low <= k / n <= high <= 1.0


# ---------------------------------------------------------------------------
# Cronbach's alpha
# ---------------------------------------------------------------------------


def likert(rng: np.random.Generator, n: int, k: int, loading: float) -> np.ndarray:
    """Correlated 1..7 ratings: one latent trait plus item noise, rounded."""
    trait = rng.normal(size=(n, 1))
    raw = 4 + 1.2 * (loading * trait + math.sqrt(1 - loading**2) * rng.normal(size=(n, k)))
    return np.clip(np.rint(raw), 1, 7)


def alpha_numpy(x: np.ndarray) -> float:
    k = x.shape[1]
    return k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))


def alpha_pingouin_style(x: np.ndarray) -> float:
    # pingouin.cronbach_alpha: from the covariance matrix, trace vs total sum.
    cov = np.cov(x, rowvar=False)
    k = x.shape[1]
    return k / (k - 1) * (1 - np.trace(cov) / cov.sum())


@pytest.mark.parametrize("n,k,loading", [(89, 7, 0.7), (30, 3, 0.5), (500, 22, 0.6), (12, 4, 0.2)])
def test_cronbach_alpha_matches_numpy(n, k, loading):
    x = likert(np.random.default_rng(n * 100 + k), n, k, loading)
    res = cronbach_alpha(x.tolist())
    assert isinstance(res, AlphaResult)
    assert (res.k, res.n, res.n_excluded) == (k, n, 0)
    assert math.isclose(res.alpha, alpha_numpy(x), rel_tol=1e-10)
    assert math.isclose(res.alpha, alpha_pingouin_style(x), rel_tol=1e-10)
    assert (res.low, res.high) == feldt_interval(res.alpha, k, n)
    assert res.low < res.alpha < res.high


def test_cronbach_alpha_listwise_deletion():
    rng = np.random.default_rng(99)
    x = likert(rng, 120, 5, 0.7)
    mask = rng.random(x.shape) < 0.04
    x[mask] = np.nan
    rows = [[None if (j == 0 and math.isnan(v)) else v for j, v in enumerate(r)] for r in x.tolist()]
    complete = x[~np.isnan(x).any(axis=1)]
    res = cronbach_alpha(rows, confidence=0.9)
    assert res.n == complete.shape[0] and res.n_excluded == 120 - complete.shape[0]
    assert res.n_excluded > 0
    assert math.isclose(res.alpha, alpha_numpy(complete), rel_tol=1e-10)
    assert (res.low, res.high) == feldt_interval(res.alpha, 5, res.n, 0.9)


def test_cronbach_alpha_degenerate():
    assert cronbach_alpha([]).alpha is None
    one_item = cronbach_alpha([[1], [2], [3]])
    assert (one_item.alpha, one_item.k, one_item.n) == (None, 1, 3)
    one_resp = cronbach_alpha([[1, 2, 3], [None, 2, 3]])
    assert (one_resp.alpha, one_resp.n, one_resp.n_excluded, one_resp.low) == (None, 1, 1, None)
    flat = cronbach_alpha([[4, 4, 4]] * 10)
    assert flat.alpha is None and flat.n == 10
    identical = cronbach_alpha([[v, v, v] for v in [1, 3, 4, 6, 7, 2]])
    assert identical.alpha == 1.0
    opposed_rows = [[1, 6], [7, 1], [2, 6], [6, 3]]  # negatively correlated items
    opposed = cronbach_alpha(opposed_rows)
    assert opposed.alpha < 0
    assert math.isclose(opposed.alpha, alpha_numpy(np.array(opposed_rows, float)), rel_tol=1e-12)
    with pytest.raises(ValueError, match="row 1"):
        cronbach_alpha([[1, 2, 3], [1, 2]])


@settings(max_examples=150, deadline=None)
@given(
    hs.integers(min_value=2, max_value=6).flatmap(
        lambda k: hs.lists(hs.lists(hs.integers(1, 7), min_size=k, max_size=k), min_size=2, max_size=40)
    )
)
def test_cronbach_alpha_property_at_most_one(rows):
    res = cronbach_alpha(rows)
    x = np.array(rows, dtype=float)
    if x.sum(axis=1).var() == 0:
        assert res.alpha is None
    else:
        assert res.alpha <= 1.0
        assert math.isclose(res.alpha, min(alpha_numpy(x), 1.0), rel_tol=1e-9, abs_tol=1e-9)
        assert res.low <= res.alpha <= res.high <= 1.0


# ---------------------------------------------------------------------------
# Ranks and Spearman
# ---------------------------------------------------------------------------


def test_rank_average_matches_scipy():
    rng = np.random.default_rng(3)
    for _ in range(20):
        v = rng.integers(1, 6, size=int(rng.integers(1, 40))).astype(float)
        assert rank_average(list(v)) == pytest.approx(list(st.rankdata(v, method="average")))
    assert rank_average([3, None, 1, math.nan, 3]) == [2.5, None, 1.0, None, 2.5]
    assert rank_average([]) == []


def fisher_ci(rho: float, n: int, c: float) -> tuple[float, float]:
    z = st.norm.ppf(0.5 + c / 2)
    se = 1.06 / np.sqrt(n - 3)
    return float(np.tanh(np.arctanh(rho) - z * se)), float(np.tanh(np.arctanh(rho) + z * se))


def test_spearman_matches_scipy_with_ties_and_missing():
    rng = np.random.default_rng(5)
    for n in [7, 30, 200]:
        x = rng.integers(1, 8, size=n).astype(float)  # Likert: many ties
        y = np.clip(x + rng.integers(-2, 3, size=n), 1, 7).astype(float)
        x_missing = x.copy()
        y_missing = y.copy()
        x_missing[0] = np.nan
        y_list = list(y_missing)
        y_list[1] = None
        keep = np.ones(n, bool)
        keep[[0, 1]] = False
        ref = st.spearmanr(x[keep], y[keep]).statistic
        res = spearman(list(x_missing), y_list, 0.95)
        assert isinstance(res, Correlation)
        assert res.n == n - 2
        assert math.isclose(res.rho, ref, rel_tol=1e-10)
        assert res.value == res.rho
        low, high = fisher_ci(ref, n - 2, 0.95)
        assert close(res.low, low) and close(res.high, high)


def test_spearman_small_and_degenerate():
    assert spearman([], []) == Correlation(None, None, None, 0, 0.95)
    assert spearman([1], [2]).rho is None
    three = spearman([1, 2, 3], [1, 3, 2])
    assert three.n == 3 and three.rho == pytest.approx(0.5) and not three.has_interval
    assert spearman([1, 2, 3, 4, 5], [2, 2, 2, 2, 2]).rho is None
    perfect = spearman([1, 2, 3, 4, 5], [10, 20, 30, 40, 50])
    assert (perfect.rho, perfect.low, perfect.high) == (1.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="length"):
        spearman([1, 2], [1])


@settings(max_examples=150, deadline=None)
@given(hs.lists(hs.tuples(hs.integers(1, 7), hs.integers(1, 7)), min_size=4, max_size=60))
def test_spearman_property_bounds(pairs):
    x, y = zip(*pairs)
    res = spearman(list(x), list(y))
    if res.rho is None:
        assert len(set(x)) == 1 or len(set(y)) == 1
    else:
        assert -1.0 <= res.low <= res.rho <= res.high <= 1.0
        assert math.isclose(res.rho, st.spearmanr(x, y).statistic, rel_tol=1e-9, abs_tol=1e-12)


# ---------------------------------------------------------------------------
# Runtime dependencies
# ---------------------------------------------------------------------------


def test_import_does_not_load_numpy_or_scipy():
    root = Path(__file__).resolve().parents[1]
    code = (
        "import sys, gapaudit.analysis.stats; "
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('numpy', 'scipy')]; "
        "print(heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_public_api_is_listed():
    for name in stats.__all__:
        assert hasattr(stats, name), name
