"""Zone of tolerance, derived importance (relative weights, penalty–reward) and item-level reliability,
each checked against an independent implementation (numpy, scipy, statsmodels, pandas) on generated data,
against analytic identities, and on the small-n and degenerate cases that must give no number."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from gapaudit.analysis import drivers, reliability
from gapaudit.analysis.zone import paired, zone_of


def nan_to_none(a):
    return [None if (v is None or (isinstance(v, float) and math.isnan(v))) else float(v) for v in a]


# --- zone of tolerance ------------------------------------------------------------------------

def three_column(rng, n=120, missing=0.05):
    a = np.clip(np.round(rng.normal(4.5, 1.0, n)), 1, 7)
    d = np.clip(np.round(a + 1.5 + rng.normal(0, 0.7, n)), 1, 7)
    p = np.clip(np.round(rng.normal(4.3, 1.2, n)), 1, 7)
    cols = [c.astype(float) for c in (a, d, p)]
    for c in cols:
        c[rng.random(n) < missing] = np.nan
    return cols


def t_interval(x):
    x = x[~np.isnan(x)]
    m, se = x.mean(), x.std(ddof=1) / math.sqrt(len(x))
    half = sps.t.ppf(0.975, len(x) - 1) * se
    return m, m - half, m + half, len(x)


def test_zone_gaps_match_numpy_and_scipy():
    rng = np.random.default_rng(7)
    a, d, p = three_column(rng)
    z = zone_of(nan_to_none(a), nan_to_none(d), nan_to_none(p))
    for est, diff in ((z.msa, p - a), (z.mss, p - d), (z.width, d - a)):
        m, lo, hi, n = t_interval(diff)
        assert (est.value, est.low, est.high, est.n) == (pytest.approx(m), pytest.approx(lo), pytest.approx(hi), n)
    both = ~np.isnan(p - a)
    k = int(((p - a)[both] < 0).sum())
    lo, hi = proportion_confint(k, int(both.sum()), alpha=0.05, method="wilson")
    assert z.below_share.value == pytest.approx(k / both.sum())
    assert (z.below_share.low, z.below_share.high) == (pytest.approx(lo), pytest.approx(hi))
    assert z.inverted == int(((d - a) < 0).sum())


def test_zone_position_and_clearness():
    below = zone_of([5, 5, 5, 5], [7, 7, 7, 7], [3, 4, 3, 4])
    assert below.position == "below" and below.clear
    above = zone_of([3, 3, 3, 3], [5, 5, 5, 5], [6, 7, 6, 7])
    assert above.position == "above" and above.clear
    inside = zone_of([3, 3, 3, 3], [6, 6, 6, 6], [4, 5, 4, 5])
    assert inside.position == "inside" and inside.clear
    unsure = zone_of([4, 4, 4], [6, 6, 6], [2, 5, 4.5])  # mean P − A < 0 but the interval spans 0
    assert unsure.position == "below" and not unsure.clear


def test_zone_without_answers_is_no_data_not_zero():
    z = zone_of([None, None], [6, 6], [5, 5])
    assert z.msa.value is None and z.position is None and not z.clear
    assert z.below_share.value is None
    one = zone_of([4], [6], [5])  # one respondent: a value, no interval
    assert one.msa.value == 1 and one.msa.low is None and one.position == "inside" and not one.clear
    with pytest.raises(ValueError):
        paired([1, 2], [1])


# --- relative weights ---------------------------------------------------------------------------

def johnson_svd(x, y):
    """Relative weights by the SVD route (Johnson 2000, eq. 4–7), written independently of the module."""
    zx = (x - x.mean(0)) / x.std(0, ddof=1)
    zy = (y - y.mean()) / y.std(ddof=1)
    u, s, vt = np.linalg.svd(zx, full_matrices=False)
    z = u @ vt * math.sqrt(len(x) - 1)  # the orthogonal variables closest to the predictors
    beta = np.linalg.lstsq(z, zy, rcond=None)[0]
    lam = np.linalg.lstsq(z, zx, rcond=None)[0]  # predictors regressed on Z
    return (lam ** 2) @ (beta ** 2) if lam.shape[0] == lam.shape[1] else None, zx, zy


def r2_ols(x, y):
    return sm.OLS(y, sm.add_constant(x)).fit().rsquared


def correlated(rng, n, p, loads=None):
    common = rng.normal(size=(n, 1))
    x = common * 0.7 + rng.normal(size=(n, p))
    coef = np.array(loads if loads is not None else np.linspace(0.6, 0.1, p))
    y = x @ coef + rng.normal(size=n)
    return x, y


def test_relative_weights_match_an_independent_svd_implementation_and_statsmodels_r2():
    rng = np.random.default_rng(11)
    x, y = correlated(rng, 300, 5)
    rw = drivers.relative_weights({f"x{j}": list(x[:, j]) for j in range(5)}, list(y), replicates=200, seed=3)
    assert rw.reason is None and rw.n == 300
    expected, zx, zy = johnson_svd(x, y)
    assert [w.value for w in rw.raw] == pytest.approx(list(expected), abs=1e-10)
    assert rw.r2 == pytest.approx(r2_ols(x, y), abs=1e-10)  # the weights add up to R²
    assert sum(s.value for s in rw.share) == pytest.approx(1.0)
    beta = sm.OLS(zy, zx).fit().params  # standardised coefficients
    assert rw.beta == pytest.approx(list(beta), abs=1e-10)
    assert rw.replicates == 200
    for s in rw.share:
        assert s.low <= s.value <= s.high


def test_relative_weights_identities_orthogonal_and_two_predictors():
    """Uncorrelated predictors: weight = r². Two predictors: weights = the Shapley (LMG) decomposition."""
    rng = np.random.default_rng(5)
    n = 200
    q, _ = np.linalg.qr(rng.normal(size=(n, 3)) - rng.normal(size=(n, 3)).mean(0))
    x = q - q.mean(0)
    x, _ = np.linalg.qr(x - x.mean(0))  # exactly uncorrelated, centred columns
    x -= x.mean(0)
    y = x @ np.array([3.0, 1.0, 0.5]) + rng.normal(size=n) * 0.05
    rw = drivers.relative_weights({f"x{j}": list(x[:, j]) for j in range(3)}, list(y), replicates=0)
    r = [np.corrcoef(x[:, j], y)[0, 1] for j in range(3)]
    assert [w.value for w in rw.raw] == pytest.approx([v * v for v in r], abs=1e-8)

    x2, y2 = correlated(rng, 250, 2, loads=[0.8, 0.3])
    rw2 = drivers.relative_weights({"a": list(x2[:, 0]), "b": list(x2[:, 1])}, list(y2), replicates=0)
    full, ra, rb = r2_ols(x2, y2), r2_ols(x2[:, :1], y2), r2_ols(x2[:, 1:], y2)
    lmg = [(ra + full - rb) / 2, (rb + full - ra) / 2]
    assert [w.value for w in rw2.raw] == pytest.approx(lmg, abs=0.01)


def test_relative_weights_close_to_shapley_lmg_for_four_correlated_items():
    rng = np.random.default_rng(21)
    x, y = correlated(rng, 400, 4)
    rw = drivers.relative_weights({f"x{j}": list(x[:, j]) for j in range(4)}, list(y), replicates=0)
    p = 4
    r2 = {(): 0.0}
    for k in range(1, p + 1):
        for sub in itertools.combinations(range(p), k):
            r2[sub] = r2_ols(x[:, sub], y)
    lmg = []
    for j in range(p):
        total = 0.0
        for k in range(p):
            for sub in itertools.combinations([i for i in range(p) if i != j], k):
                with_j = tuple(sorted(sub + (j,)))
                total += math.factorial(k) * math.factorial(p - k - 1) / math.factorial(p) * (r2[with_j] - r2[sub])
        lmg.append(total)
    # Johnson's weights approximate the Shapley decomposition closely (Johnson 2000; LeBreton et al. 2004)
    assert [w.value for w in rw.raw] == pytest.approx(lmg, abs=0.015)
    assert sum(lmg) == pytest.approx(rw.r2, abs=1e-9)


def test_pairwise_correlations_match_pandas():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(80, 4))
    x[rng.random(x.shape) < 0.1] = np.nan
    r, n = drivers._pairwise_corr(x, np.ones(80))
    df = pd.DataFrame(x)
    assert np.allclose(r, df.corr().to_numpy(), atol=1e-12)
    mask = (~np.isnan(x)).astype(int)
    assert np.array_equal(n, mask.T @ mask)


def test_relative_weights_bootstrap_is_reproducible():
    rng = np.random.default_rng(9)
    x, y = correlated(rng, 150, 3)
    cols = {f"x{j}": list(x[:, j]) for j in range(3)}
    a = drivers.relative_weights(cols, list(y), replicates=100, seed=4)
    b = drivers.relative_weights(cols, list(y), replicates=100, seed=4)
    assert a == b


def test_relative_weights_degenerate_cases_give_a_reason_not_a_number():
    rng = np.random.default_rng(1)
    x, y = correlated(rng, 40, 3)
    one = drivers.relative_weights({"a": list(x[:, 0])}, list(y))
    assert one.reason and not one.raw
    few = drivers.relative_weights({f"x{j}": list(x[:20, j]) for j in range(3)}, list(y[:20]))
    assert "at least 30" in few.reason and few.r2 is None and not few.share
    flat = drivers.relative_weights({f"x{j}": list(x[:, j]) for j in range(3)}, [4.0] * 40)
    assert "does not vary" in flat.reason
    twins = drivers.relative_weights({"a": list(x[:, 0]), "b": list(x[:, 0]), "c": list(x[:, 1])}, list(y))
    assert "singular" in twins.reason
    blank = drivers.relative_weights({"a": [None] * 40, "b": list(x[:, 1])}, list(y))
    assert blank.reason and blank.n == 0


def test_sample_size_rules():
    assert drivers.green_needed(22) == 126
    assert drivers.minimum_needed(3) == 30 and drivers.minimum_needed(22) == 110


# --- penalty–reward contrast analysis ----------------------------------------------------------------

def prca_data(rng, n=600):
    x = rng.integers(1, 8, size=(n, 3)).astype(float)
    low, high = x <= 3, x >= 6
    # attribute 0 basic (only hurts), 1 excitement (only delights), 2 performance (both)
    y = 5 - 1.5 * low[:, 0] + 0.0 * high[:, 0] - 0.1 * low[:, 1] + 1.2 * high[:, 1] \
        - 0.8 * low[:, 2] + 0.8 * high[:, 2] + rng.normal(0, 0.6, n)
    return x, y


def test_penalty_reward_matches_statsmodels_ols_and_classifies():
    rng = np.random.default_rng(8)
    x, y = prca_data(rng)
    pr = drivers.penalty_reward({f"a{j}": list(x[:, j]) for j in range(3)}, list(y), low_max=3, high_min=6,
                                replicates=300, seed=2)
    assert pr.reason is None and pr.n == 600
    design = np.column_stack([np.column_stack([x[:, j] <= 3, x[:, j] >= 6]) for j in range(3)]).astype(float)
    fit = sm.OLS(y, sm.add_constant(design)).fit()
    for j, a in enumerate(pr.attributes):
        assert a.penalty.value == pytest.approx(-fit.params[1 + 2 * j], abs=1e-9)
        assert a.reward.value == pytest.approx(fit.params[2 + 2 * j], abs=1e-9)
    assert pr.r2 == pytest.approx(fit.rsquared, abs=1e-9)
    assert [a.kind for a in pr.attributes] == ["basic", "excitement", "performance"]
    basic = pr.attributes[0]
    assert basic.impact_range == pytest.approx(abs(basic.penalty.value) + abs(basic.reward.value))
    assert basic.settled and basic.asymmetry.low <= basic.asymmetry.value <= basic.asymmetry.high


def test_classify_rules():
    assert drivers.classify(1.0, 0.1, 0.2)[2] == "basic"
    assert drivers.classify(0.1, 1.0, 0.2)[2] == "excitement"
    assert drivers.classify(0.5, 0.6, 0.2)[2] == "performance"
    rng, ia, kind = drivers.classify(0.5, 0.3, 0.2)
    assert rng == pytest.approx(0.8) and ia == pytest.approx(-0.25) and kind == "basic"
    assert drivers.classify(1.0, -0.5, 0.2) == (None, None, "unclear")  # a high rating lowering satisfaction
    assert drivers.classify(1.0, -0.05, 0.2, wrong_sign_clear=False)[2] == "basic"  # noise around 0 counts as 0
    assert drivers.classify(0.0, 0.0, 0.2)[2] == "unclear"


def test_penalty_reward_small_groups_blanks_and_no_data():
    rng = np.random.default_rng(3)
    x, y = prca_data(rng, 300)
    x[:, 2] = np.where(x[:, 2] <= 3, 4, x[:, 2])  # nobody rates attribute 2 low
    cols = {f"a{j}": list(x[:, j]) for j in range(3)}
    pr = drivers.penalty_reward(cols, list(y), low_max=3, high_min=6, replicates=0)
    assert pr.attributes[2].n_low == 0 and pr.attributes[2].penalty is None and pr.attributes[2].kind is None
    # one blank rating keeps the respondent (in neither group); a blank overall answer drops them
    cols["a0"][0] = None
    y2 = list(y)
    y2[1] = None
    pr2 = drivers.penalty_reward(cols, y2, low_max=3, high_min=6, replicates=0, max_missing=0.4)
    assert pr2.n == 299 and pr2.missing == 1
    strict = drivers.penalty_reward(cols, y2, low_max=3, high_min=6, replicates=0)  # 1 of 3 blank > 20%
    assert strict.n == 298 and strict.missing == 0
    few = drivers.penalty_reward({k: v[:25] for k, v in cols.items()}, y2[:25], low_max=3, high_min=6, min_group=3)
    assert few.reason and "at least 30" in few.reason and not few.attributes
    rare = drivers.penalty_reward({k: v[:25] for k, v in cols.items()}, y2[:25], low_max=3, high_min=6)
    assert "no attribute has 10 or more" in rare.reason
    flat = drivers.penalty_reward(cols, [5.0] * 300, low_max=3, high_min=6)
    assert "same overall answer" in flat.reason


# --- item-level reliability ------------------------------------------------------------------------

def alpha_np(m):
    k = m.shape[1]
    return k / (k - 1) * (1 - m.var(0, ddof=1).sum() / m.sum(1).var(ddof=1))


def test_item_analysis_matches_numpy():
    rng = np.random.default_rng(4)
    common = rng.normal(size=(150, 1))
    m = np.round(4 + common + rng.normal(0, 0.8, (150, 4)))
    m[:, 3] = np.round(4 + rng.normal(0, 1, 150))  # an item unrelated to the others
    cols = {f"i{j}": list(m[:, j]) for j in range(4)}
    cols["i0"][0] = None  # listwise: respondent 0 drops out of every statistic
    res = reliability.item_analysis(cols)
    used = m[1:]
    assert res.alpha.alpha == pytest.approx(alpha_np(used)) and res.alpha.n == 149
    for j, fit in enumerate(res.items):
        rest = np.delete(used, j, axis=1)
        assert fit.item_rest == pytest.approx(np.corrcoef(used[:, j], rest.sum(1))[0, 1])
        assert fit.alpha_if_deleted == pytest.approx(alpha_np(rest))
    assert res.items[3].alpha_if_deleted > res.alpha.alpha  # the unrelated item hurts the scale
    assert res.items[3].item_rest < 0.3


def test_item_analysis_small_scales_give_no_made_up_numbers():
    two = reliability.item_analysis({"a": [1, 2, 3, 4], "b": [2, 2, 4, 5]})
    assert two.items[0].item_rest is not None and two.items[0].alpha_if_deleted is None  # one item would remain
    one = reliability.item_analysis({"a": [1, 2, 3]})
    assert one.alpha.alpha is None and one.items[0].item_rest is None
    empty = reliability.item_analysis({"a": [None, 1], "b": [2, None]})
    assert empty.alpha.alpha is None and empty.items[0].item_rest is None


def test_item_placements_flag_an_item_written_for_another_dimension():
    rng = np.random.default_rng(6)
    n = 300
    f1, f2 = rng.normal(size=n), rng.normal(size=n)
    items = {f"A{j}": f1 + rng.normal(0, 0.6, n) for j in range(3)}
    items |= {f"B{j}": f2 + rng.normal(0, 0.6, n) for j in range(3)}
    items["A2"] = f2 + rng.normal(0, 0.6, n)  # listed under A, measures B
    per_item = {k: list(v) for k, v in items.items()}
    dims = {"A": ["A0", "A1", "A2"], "B": ["B0", "B1", "B2"]}
    placed = {p.item: p for p in reliability.item_placements(per_item, dims)}
    assert placed["A2"].verdict == "misfit" and placed["A2"].closest_other[0] == "B"
    assert all(placed[i].verdict == "fits" for i in ("A0", "A1", "B0", "B1", "B2"))
    # independent: r of A2 with the mean of the other A items, and with the mean of the B items
    own = np.corrcoef(items["A2"], (items["A0"] + items["A1"]) / 2)[0, 1]
    other = np.corrcoef(items["A2"], (items["B0"] + items["B1"] + items["B2"]) / 3)[0, 1]
    assert placed["A2"].own == pytest.approx(own) and placed["A2"].closest_other[1] == pytest.approx(other)


def test_structure_support_tiers():
    assert reliability.structure_support(59) is None
    assert reliability.structure_support(60) == "high"
    assert reliability.structure_support(150) == "moderate"
    assert reliability.structure_support(300) == "low"
