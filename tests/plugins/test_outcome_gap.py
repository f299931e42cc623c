"""outcome_gap (Gaps 4 and 5): the SERVQUAL known answer, hand-computed per-respondent rules,
independent numpy/scipy cross-checks on generated surveys, IPA, promises, no-data paths, zh/en,
stable output."""

from __future__ import annotations

import json
import math
import random
import warnings

import numpy as np
import pytest
from module_helpers import CJK, module_runner
from scipy import stats as sps

import gapaudit_plugins.outcome_gap as plugin
from gapaudit.errors import InputError
from gapaudit.testing import make_host, minimal_audit
from gapaudit_plugins.outcome_gap.servqual import combine_means, crosshair, quadrant

run = module_runner(make_host(plugin, builtins=False), "outcome_gap")
DIMS = ["tangibles", "reliability", "responsiveness", "assurance", "empathy"]


def dim(result, d):
    return next(r for r in result.data["customer_gap"]["dimensions"] if r["dimension"] == d)


def item(result, i):
    return next(r for r in result.data["customer_gap"]["items"] if r["id"] == i)


def audit(evidence, module=None, **top):
    return minimal_audit(evidence=evidence, modules={"outcome_gap": module or {}}, **top)


def survey_audit(items, rows, module=None, **extra):
    return audit({"questionnaire": {"items": items}, "survey": {"responses": rows}, **extra}, module)


# --- the SERVQUAL known answer -------------------------------------------------------------------

KNOWN_GAPS = [-0.65, -1.10, -0.83, -0.70, -1.01]


def known_summary(gap_sd=None, importance=None):
    items = [{"id": d[:3].upper(), "text": d, "dimension": d} for d in DIMS]
    rows = []
    for k, (d, g) in enumerate(zip(DIMS, KNOWN_GAPS)):
        row = {"item": d[:3].upper(), "n": 100, "expectation": 6.5, "perception": round(6.5 + g, 2)}
        if gap_sd is not None:
            row["gap_sd"] = gap_sd
        if importance is not None:
            row["importance"] = importance[k]
        rows.append(row)
    return {"questionnaire": {"items": items}, "survey_summary": rows}


def test_servqual_known_answer_minus_0_86():
    r = run(audit(known_summary()))
    sq = r.data["customer_gap"]["servqual"]
    assert [dim(r, d)["gap"] for d in DIMS] == KNOWN_GAPS
    assert round(sq["unweighted"]["value"], 2) == -0.86
    assert sq["weighted"] is None and sq["used"] == "unweighted"
    # customer-gap sub-score: 100 × (1 − 0.858 / 2) on a 1–7 scale (zero at a third of the range)
    assert r.data["subscores"]["customer_gap"] == pytest.approx(100 * (1 - 0.858 / 2), abs=0.05)
    assert r.score == r.data["subscores"]["customer_gap"]  # nothing else given


def test_weighted_score_from_importance_ratings():
    imp = [5.0, 7.0, 6.0, 4.0, 3.0]
    r = run(audit(known_summary(importance=imp)))
    w = np.array(imp) / sum(imp)
    expected = float(np.dot(w, KNOWN_GAPS))
    sq = r.data["customer_gap"]["servqual"]
    assert sq["weights_basis"] == "ratings" and sq["used"] == "weighted"
    assert sq["weighted"]["value"] == pytest.approx(expected, abs=5e-4)
    assert [d["weight"] for d in r.data["customer_gap"]["dimensions"]] == pytest.approx(list(w), abs=1e-4)
    r2 = run(audit(known_summary(importance=imp), {"score_basis": "unweighted"}))
    assert r2.data["customer_gap"]["servqual"]["used"] == "unweighted"


def test_summary_intervals_are_conservative():
    r = run(audit(known_summary(gap_sd=1.2)))
    half = sps.t.ppf(0.975, 99) * 1.2 / 10
    t = dim(r, "tangibles")
    assert t["ci_low"] == pytest.approx(-0.65 - half, abs=1e-3)
    assert t["ci_high"] == pytest.approx(-0.65 + half, abs=1e-3)
    sq = r.data["customer_gap"]["servqual"]["unweighted"]
    assert sq["ci_high"] - sq["value"] == pytest.approx(half, abs=1e-3)  # mean of equal half-widths
    assert any("conservative" in n.detail for n in r.data_quality)


@pytest.mark.parametrize("gap, score", [(0.0, 100.0), (0.4, 100.0), (-2.0, 0.0), (-3.0, 0.0), (-0.5, 75.0)])
def test_gap_to_score_mapping(gap, score):
    items = [{"id": "X", "text": "x", "dimension": "reliability"}]
    summary = [{"item": "X", "n": 50, "expectation": 5.0, "perception": 5.0 + gap}]
    r = run(audit({"questionnaire": {"items": items}, "survey_summary": summary}))
    assert r.data["subscores"]["customer_gap"] == score


def test_zero_gap_setting_on_a_five_point_scale():
    items = [{"id": "X", "text": "x", "dimension": "reliability"}]
    summary = [{"item": "X", "n": 50, "expectation": 4.5, "perception": 4.0}]
    q = {"items": items, "scale": {"min": 1, "max": 5}}
    r = run(audit({"questionnaire": q, "survey_summary": summary}))
    assert r.data["zero_gap"] == pytest.approx(4 / 3, abs=1e-3)
    assert r.data["subscores"]["customer_gap"] == pytest.approx(100 * (1 - 0.5 / (4 / 3)), abs=0.05)
    r = run(audit({"questionnaire": q, "survey_summary": summary}, {"zero_gap": 1.0}))
    assert r.data["subscores"]["customer_gap"] == 50.0


# --- per-respondent rules, by hand --------------------------------------------------------------

HAND_ITEMS = [{"id": "A", "text": "Item A", "dimension": "reliability"},
              {"id": "B", "text": "Item B", "dimension": "reliability"},
              {"id": "C", "text": "Item C", "dimension": "empathy"}]


def hand_rows():
    return [
        {"respondent": "r1", "E_A": 7, "P_A": 5, "E_B": 6, "P_B": 6, "E_C": 5, "P_C": 4},   # rel gaps −2, 0
        {"respondent": "r2", "E_A": 7, "P_A": 4, "E_B": None, "P_B": 5, "E_C": 6, "P_C": 6},  # rel gap −3 only
        {"respondent": "r3", "E_A": "n/a", "P_A": 3, "E_B": "n/a", "P_B": "n/a", "E_C": 7, "P_C": 5},
    ]


def test_dimension_gap_is_the_mean_of_respondent_means():
    r = run(survey_audit(HAND_ITEMS, hand_rows()))
    assert item(r, "A")["gap"] == -2.5 and item(r, "A")["n"] == 2
    assert item(r, "B")["gap"] == 0.0 and item(r, "B")["n"] == 1
    rel = dim(r, "reliability")
    # respondents' own means −1 (r1) and −3 (r2); r3 answered nothing usable
    assert rel["gap"] == -2.0 and rel["n"] == 2  # not the mean of item means (−1.25)
    assert dim(r, "empathy")["gap"] == pytest.approx(-1.0)
    # SERVQUAL unweighted: mean of the dimension gaps
    assert r.data["customer_gap"]["servqual"]["unweighted"]["value"] == pytest.approx(-1.5)
    assert any("left out respondent by respondent" in n.detail for n in r.data_quality)
    assert any("mean gap over the dimension's items they answered" in m for m in r.methodology)


def test_min_answered_share_drops_partial_respondents():
    r = run(survey_audit(HAND_ITEMS, hand_rows(), {"min_answered_share": 1.0}))
    rel = dim(r, "reliability")
    assert (rel["gap"], rel["n"]) == (-1.0, 1)  # only r1 answered both items


def test_points_weights_are_mean_shares_of_complete_allocations():
    rows = hand_rows()
    rows[0].update(W_reliability=50, W_empathy=50)
    rows[1].update(W_reliability=20, W_empathy=60)   # total 80: rescaled to its own total
    rows[2].update(W_reliability=30)                # incomplete: left out
    r = run(survey_audit(HAND_ITEMS, rows))
    w_rel = (0.5 + 0.25) / 2
    assert dim(r, "reliability")["weight"] == pytest.approx(w_rel)
    sq = r.data["customer_gap"]["servqual"]
    assert sq["weights_basis"] == "points"
    assert sq["weighted"]["value"] == pytest.approx(w_rel * -2.0 + (1 - w_rel) * -1.0)
    details = " ".join(n.detail for n in r.data_quality)
    assert "1 respondent(s) left some dimensions without points" in details
    assert "1 allocation(s) did not add up to 100" in details


# --- independent cross-checks on generated surveys ------------------------------------------------------

def generated(seed, n=60, k=3, missing=0.06):
    rng = np.random.default_rng(seed)
    items = [{"id": f"{d[:3].upper()}{j}", "text": f"{d} {j}", "dimension": d} for d in DIMS for j in range(k)]
    trait = rng.normal(0, 0.8, size=n)
    rows = []
    for r in range(n):
        row = {"respondent": f"r{r}"}
        for it in items:
            e = int(np.clip(round(rng.normal(6, 0.8)), 1, 7))
            p = int(np.clip(round(e - 0.8 + trait[r] + rng.normal(0, 0.7)), 1, 7))
            row["E_" + it["id"]] = None if rng.random() < missing else e
            row["P_" + it["id"]] = "n/a" if rng.random() < missing else p
            row["I_" + it["id"]] = int(rng.integers(3, 8))
        pts = rng.integers(5, 40, size=len(DIMS))
        for d, v in zip(DIMS, pts):
            row["W_" + d] = int(v)
        rows.append(row)
    return items, rows


def matrices(items, rows):
    def num(v):
        return np.nan if v is None or v == "n/a" else float(v)
    E = np.array([[num(row["E_" + it["id"]]) for it in items] for row in rows])
    P = np.array([[num(row["P_" + it["id"]]) for it in items] for row in rows])
    return E, P


def row_means(X, cols):
    """Each respondent's mean over the answered items of each dimension (NaN when none)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows
        return np.column_stack([np.nanmean(X[:, c], axis=1) for c in cols.values()])


def alpha_reference(X):
    X = X[~np.isnan(X).any(axis=1)]
    k = X.shape[1]
    alpha = k / (k - 1) * (1 - X.var(axis=0, ddof=1).sum() / X.sum(axis=1).var(ddof=1))
    n = X.shape[0]
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1 - (1 - alpha) * sps.f.ppf(0.975, df1, df2)
    high = 1 - (1 - alpha) * sps.f.ppf(0.025, df1, df2)
    return alpha, low, high, n


def combined_reference(D, w):
    """Σ w_d mean_d with the overlapping-samples variance, written with numpy masks."""
    w = np.asarray(w) / np.sum(w)
    present = ~np.isnan(D)
    nd = present.sum(axis=0)
    means = np.nanmean(D, axis=0)
    cov = np.zeros((D.shape[1], D.shape[1]))
    for a in range(D.shape[1]):
        for b in range(D.shape[1]):
            both = present[:, a] & present[:, b]
            if both.sum() >= 2:
                cov[a, b] = np.cov(D[both, a], D[both, b], ddof=1)[0, 1] * both.sum() / (nd[a] * nd[b])
    value = float(w @ means)
    half = sps.t.ppf(0.975, nd.min() - 1) * math.sqrt(w @ cov @ w)
    return value, value - half, value + half


@pytest.mark.parametrize("seed", [3, 11, 2024])
def test_against_independent_numpy_computation(seed):
    items, rows = generated(seed)
    r = run(survey_audit(items, rows))
    E, P = matrices(items, rows)
    G = P - E
    cols = {d: [j for j, it in enumerate(items) if it["dimension"] == d] for d in DIMS}
    # item gaps: paired t interval over complete pairs
    for j, it in enumerate(items):
        g = G[:, j][~np.isnan(G[:, j])]
        half = sps.t.ppf(0.975, len(g) - 1) * g.std(ddof=1) / math.sqrt(len(g))
        got = item(r, it["id"])
        assert got["n"] == len(g)
        assert got["gap"] == pytest.approx(g.mean(), abs=6e-4)
        assert got["ci_low"] == pytest.approx(g.mean() - half, abs=6e-4)
    # dimension gaps: respondent means over answered items, then mean over respondents
    D = row_means(G, cols)
    for k, d in enumerate(DIMS):
        col = D[:, k][~np.isnan(D[:, k])]
        got = dim(r, d)
        assert got["n"] == len(col) and got["gap"] == pytest.approx(col.mean(), abs=6e-4)
        half = sps.t.ppf(0.975, len(col) - 1) * col.std(ddof=1) / math.sqrt(len(col))
        assert got["ci_high"] == pytest.approx(col.mean() + half, abs=6e-4)
        # reliability of the gap scores, listwise, with Feldt's interval
        alpha, low, high, n = alpha_reference(G[:, cols[d]])
        assert got["alpha_n"] == n
        assert got["alpha"] == pytest.approx(alpha, abs=6e-4)
        assert got["alpha_low"] == pytest.approx(low, abs=6e-4) and got["alpha_high"] == pytest.approx(high, abs=6e-4)
    sq = r.data["customer_gap"]["servqual"]
    value, low, high = combined_reference(D, np.ones(len(DIMS)))
    assert sq["unweighted"]["value"] == pytest.approx(value, abs=6e-4)
    assert sq["unweighted"]["ci_low"] == pytest.approx(low, abs=6e-4)
    assert sq["unweighted"]["ci_high"] == pytest.approx(high, abs=6e-4)
    W = np.array([[row["W_" + d] for d in DIMS] for row in rows], dtype=float)
    w = (W / W.sum(axis=1, keepdims=True)).mean(axis=0)
    value, low, high = combined_reference(D, w)
    assert sq["weights_basis"] == "points"
    assert sq["weighted"]["value"] == pytest.approx(value, abs=6e-4)
    assert sq["weighted"]["ci_high"] == pytest.approx(high, abs=6e-4)
    # SERVPERF: the same aggregation of perceptions alone
    Dp = row_means(P, cols)
    value, low, high = combined_reference(Dp, np.ones(len(DIMS)))
    sp = r.data["customer_gap"]["servperf"]["unweighted"]
    assert sp["value"] == pytest.approx(value, abs=6e-4) and sp["ci_low"] == pytest.approx(low, abs=6e-4)


def test_combined_interval_without_missing_equals_the_respondent_t_interval():
    rng = np.random.default_rng(5)
    D = rng.normal(-0.8, 0.9, size=(25, 4)) + rng.normal(0, 0.6, size=(25, 1))
    w = np.array([0.1, 0.4, 0.3, 0.2])
    est = combine_means({f"d{k}": list(D[:, k]) for k in range(4)}, {f"d{k}": w[k] for k in range(4)})
    scores = D @ w
    low, high = sps.t.interval(0.95, len(scores) - 1, loc=scores.mean(), scale=sps.sem(scores))
    assert est.value == pytest.approx(scores.mean(), rel=1e-12)
    assert est.low == pytest.approx(low, rel=1e-9) and est.high == pytest.approx(high, rel=1e-9)


# --- reliability -------------------------------------------------------------------------------------

def test_unreliable_dimension_is_flagged():
    items, rows = generated(8, n=40)
    # scramble the tangibles items so that they no longer measure one thing
    rng = random.Random(1)
    for row in rows:
        for j in range(3):
            row[f"E_TAN{j}"] = rng.randint(1, 7)
            row[f"P_TAN{j}"] = rng.randint(1, 7)
    r = run(survey_audit(items, rows))
    tan = dim(r, "tangibles")
    assert tan["reliable"] is False and tan["alpha"] < 0.7
    finding = next(f for f in r.findings if f.id == "outcome_gap.unreliable_dimensions")
    assert "Tangibles" in finding.evidence[0]
    assert any(n.severity == "warning" and "Tangibles" in n.detail for n in r.data_quality)


def test_single_item_dimension_has_no_alpha():
    r = run(survey_audit(HAND_ITEMS, hand_rows()))
    assert dim(r, "empathy")["alpha"] is None
    assert any("at least two items" in n.detail and "Empathy" in n.detail for n in r.data_quality)


# --- importance–performance ----------------------------------------------------------------------------

def ipa_summary(module=None):
    items = [{"id": i, "text": f"Item {i}", "dimension": d} for i, d in
             (("W", "reliability"), ("X", "reliability"), ("Y", "empathy"), ("Z", "empathy"))]
    #                 importance, expectation, perception
    values = {"W": (6.5, 6.5, 4.0), "X": (6.0, 6.0, 6.5), "Y": (4.0, 5.0, 4.5), "Z": (3.5, 5.5, 6.0)}
    summary = [{"item": i, "n": 80, "importance": v[0], "expectation": v[1], "perception": v[2], "gap_sd": 1.0}
               for i, v in values.items()]
    return audit({"questionnaire": {"items": items}, "survey_summary": summary}, module)


def test_ipa_quadrants_with_the_data_mean_crosshair():
    r = run(ipa_summary())
    ipa = r.data["ipa"]
    assert ipa["x_basis"] == "importance" and ipa["crosshair"] == "data_mean"
    assert ipa["x_cross"] == 5.0 and ipa["y_cross"] == 5.25
    quads = {p["id"]: p["quadrant"] for p in ipa["points"]}
    assert quads == {"W": "concentrate_here", "X": "keep_up", "Y": "low_priority", "Z": "possible_overkill"}
    action = next(a for a in r.actions if a.id == "outcome_gap.item.W")
    assert action.priority_basis["severity"] == 0.8  # its gap −2.5 is a clear shortfall
    # confidence: one-sided t probability that the gap is below zero
    expected = sps.t.cdf((0 + 2.5) / (1.0 / math.sqrt(80)), 79)
    assert action.priority_basis["confidence"] == pytest.approx(expected, abs=1e-3)
    assert action.priority_basis["importance"] == pytest.approx((6.5 - 1) / 6, abs=1e-3)
    assert any(f.id == "outcome_gap.possible_overkill" and f.evidence == ["Z: Item Z"] for f in r.findings)
    assert (action.horizon, action.kind) == ("short", "management")


def test_hardware_items_lead_to_long_term_investment():
    data = ipa_summary()
    data["evidence"]["questionnaire"]["items"][0]["element"] = "equipment"
    action = next(a for a in run(data).actions if a.id == "outcome_gap.item.W")
    assert (action.horizon, action.kind) == ("long", "capex")


def test_ipa_crosshair_rules():
    assert crosshair([1, 2, 9], "data_mean", 1, 7) == 4
    assert crosshair([1, 2, 9], "data_median", 1, 7) == 2
    assert crosshair([1, 2, 9], "scale_midpoint", 1, 7) == 4
    assert quadrant(5, 5, 5, 5) == "keep_up"  # on both lines: important and performing
    assert quadrant(4.9, 4.9, 5, 5) == "low_priority"
    r = run(ipa_summary({"ipa_crosshair": "scale_midpoint"}))
    quads = {p["id"]: p["quadrant"] for p in r.data["ipa"]["points"]}
    # midpoint 4 on both axes; W performs exactly 4.0, on the line, so it counts as performing
    assert quads == {"W": "keep_up", "X": "keep_up", "Y": "keep_up", "Z": "possible_overkill"}


def test_ipa_uses_expectations_when_importance_was_not_rated():
    data = ipa_summary()
    for row in data["evidence"]["survey_summary"]:
        del row["importance"]
    r = run(data)
    assert r.data["ipa"]["x_basis"] == "expectation"
    assert any("expectations as the importance axis" in n.detail for n in r.data_quality)
    data["modules"]["outcome_gap"] = {"ipa_importance": "importance"}
    r = run(data)
    assert r.data["ipa"] is None


# --- promises ----------------------------------------------------------------------------------------

PROMISES = [
    {"id": "DEL24", "text": "Delivery within 24 hours", "channel": "advertising"},
    {"id": "MATCH", "text": "We match any price", "channel": "poster", "kept": 19, "total": 20},
    {"id": "INSTALL", "text": "Free installation", "channel": "staff"},
]


def promise_audit(checks, promises=PROMISES, module=None):
    return audit({"promises": promises, "promise_checks": checks}, module)


def test_promise_rates_statuses_and_pooled_sub_score():
    checks = [{"promise": "DEL24", "kept": i % 3 != 0} for i in range(12)]  # 8 of 12
    r = run(promise_audit(checks))
    rows = {p["id"]: p for p in r.data["promises"]}
    assert (rows["DEL24"]["kept"], rows["DEL24"]["total"], rows["DEL24"]["source"]) == (8, 12, "checks")
    assert rows["DEL24"]["status"] == "over_promise"  # Wilson upper 0.862 < 0.95
    assert rows["MATCH"]["status"] == "kept" and rows["MATCH"]["source"] == "summary"
    assert rows["INSTALL"]["status"] == "unverified"
    z = sps.norm.ppf(0.975)
    n, p = 12, 8 / 12
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert rows["DEL24"]["ci_low"] == pytest.approx(centre - half, abs=1e-4)
    assert rows["DEL24"]["ci_high"] == pytest.approx(centre + half, abs=1e-4)
    # ratio of sums over every checked occasion
    assert r.data["subscores"]["promises"] == pytest.approx(100 * 27 / 32, abs=0.05)
    assert r.score == r.data["subscores"]["promises"]
    ids = {a.id for a in r.actions}
    assert {"outcome_gap.promise.DEL24", "outcome_gap.check_promises"} <= ids
    assert "outcome_gap.promise.MATCH" not in ids
    assert next(f for f in r.findings if f.id == "outcome_gap.unverified_promises").evidence == \
        ["INSTALL: Free installation"]


def test_individual_checks_win_over_counts_and_say_so():
    promises = [dict(PROMISES[1])]
    checks = [{"promise": "MATCH", "kept": True}] * 10 + [{"promise": "MATCH", "kept": False}] * 2
    r = run(promise_audit(checks, promises))
    assert (r.data["promises"][0]["kept"], r.data["promises"][0]["total"]) == (10, 12)
    assert any("counts ignored" in n.detail for n in r.data_quality)


def test_too_few_promise_checks_give_no_sub_score():
    checks = [{"promise": "DEL24", "kept": True}] * 3
    r = run(promise_audit(checks, PROMISES[:1]))
    assert r.score is None and r.data["subscores"]["promises"] is None
    assert any(f.id == "outcome_gap.too_few_promise_checks" for f in r.findings)
    r = run(promise_audit(checks, PROMISES[:1], {"min_promise_checks": 3}))
    assert r.score == 100.0


def test_over_promise_cites_the_customer_gap_it_inflates():
    data = known_summary(gap_sd=1.0)
    data["promises"] = [{"id": "FAST", "text": "Always on time", "channel": "advertising", "items": ["REL"],
                         "kept": 5, "total": 10}]
    r = run(audit(data))
    assert r.data["promises"][0]["inflated_items"] == ["REL"]
    action = next(a for a in r.actions if a.id == "outcome_gap.promise.FAST")
    assert any("REL" in e for e in action.evidence)
    assert r.score == pytest.approx(round((0.5 * r.data["subscores"]["customer_gap"] + 0.3 * 50) / 0.8, 1))


# --- sample size, no data ------------------------------------------------------------------------------

def test_too_few_respondents_give_no_customer_sub_score():
    r = run(survey_audit(HAND_ITEMS, hand_rows()))
    assert r.data["subscores"]["customer_gap"] is None and r.score is None
    finding = next(f for f in r.findings if f.id == "outcome_gap.too_few_respondents")
    assert "3 of the 10" in finding.title
    assert r.data["customer_gap"]["servqual"]["unweighted"] is not None  # the numbers are still shown
    assert any("fewer than 30" in n.detail for n in r.data_quality)


def test_no_evidence_is_no_data():
    r = run(minimal_audit())
    assert r.score is None and r.grade is None and "no promise checks" in r.reason
    assert r.data["customer_gap"] is None and r.data["ipa"] is None and r.data["promises"] == []


def test_perceptions_only_give_servperf_but_no_customer_gap():
    items, rows = generated(4, n=30, missing=0)
    for row in rows:
        for key in [k for k in row if k.startswith("E_")]:
            del row[key]
    r = run(survey_audit(items, rows))
    cg = r.data["customer_gap"]
    assert cg["servqual"]["unweighted"] is None and cg["servperf"]["unweighted"]["n"] == 30
    assert r.score is None
    assert any("only perceptions (SERVPERF)" in n.detail for n in r.data_quality)


def test_checklist_only():
    r = run(audit({}, {"checklist": {"no_absolute_claims": "no", "explained_at_sale": "yes"}}))
    assert r.score == 50.0
    assert any(a.id == "outcome_gap.cause.restraint" for a in r.actions)
    assert any("does not include the customer gap" in n.detail for n in r.data_quality)


def test_unknown_question_and_bad_setting_are_located_errors():
    with pytest.raises(InputError) as info:
        run(audit({}, {"checklist": {"no_absolute_claim": "no"}}))
    assert "did you mean 'no_absolute_claims'" in info.value.format()
    with pytest.raises(InputError) as info:
        run(audit({}, {"ipa_crosshair": "middle"}))
    assert "modules.outcome_gap.ipa_crosshair" in info.value.format()


# --- languages, stability ---------------------------------------------------------------------------

def full_audit():
    items, rows = generated(21, n=45)
    checks = [{"promise": "DEL24", "kept": i % 4 != 0} for i in range(16)]
    return survey_audit(items, rows, {"checklist": {"staff_know_what_to_promise": "partly"}},
                        promises=PROMISES, promise_checks=checks)


def test_zh_and_en_give_the_same_numbers_in_their_own_words():
    en, zh = run(full_audit(), "en"), run(full_audit(), "zh")
    assert en.score == zh.score
    assert en.data["customer_gap"]["servqual"] == zh.data["customer_gap"]["servqual"]
    assert [(a.id, a.priority) for a in en.actions] == [(a.id, a.priority) for a in zh.actions]
    for text in [zh.title] + [f.title for f in zh.findings] + [a.title for a in zh.actions] + zh.methodology \
            + [n.detail for n in zh.data_quality]:
        assert CJK.search(text), text
    for text in [en.title] + [f.title for f in en.findings] + en.methodology + [n.detail for n in en.data_quality]:
        assert not CJK.search(text), text


def test_stable_output_for_equal_input():
    first = json.dumps(run(full_audit()).model_dump(mode="json"), sort_keys=True)
    assert json.dumps(run(full_audit()).model_dump(mode="json"), sort_keys=True) == first


def test_actions_priority_is_explainable():
    r = run(full_audit())
    assert r.actions
    for a in r.actions:
        b = a.priority_basis
        assert a.priority == pytest.approx(round(100 * b["severity"] * b["importance"] * b["confidence"], 1),
                                           abs=0.11)


def test_methodology_states_every_rule():
    text = " ".join(run(full_audit()).methodology)
    for phrase in ("P − E", "'not applicable'", "averaged over respondents", "mean of the dimension gaps",
                   "100-point allocation", "Cronbach", "Feldt", "listwise", "crosshair", "Wilson",
                   "ratio of sums", "checklist", "confidence"):
        assert phrase in text, phrase


# --- zone of tolerance, derived importance, item-level reliability -----------------------------

def three_column_survey(n=220, seed=3, overall=True, desired=True, adequate=True, missing=0.0):
    """A generated three-column survey: reliability items below the adequate level, one overall question."""
    rng = random.Random(seed)
    items = [{"id": f"{d[:3].upper()}{k}", "text": f"{d} item {k}", "dimension": d}
             for d in DIMS[:3] for k in range(1, 5)]
    rows = []
    for r in range(n):
        mood = {d: rng.gauss(0, 0.8) for d in DIMS[:3]}
        row, total = {"respondent": f"R{r}"}, 0.0
        for it in items:
            e = rng.gauss(5.6, 0.5)
            shift = -1.8 if it["dimension"] == "reliability" else 0.0
            p = min(7, max(1, round(5.0 + shift + mood[it["dimension"]] + rng.gauss(0, 0.6))))
            row["E_" + it["id"]] = min(7, max(1, round(e)))
            row["P_" + it["id"]] = p if rng.random() >= missing else None
            if desired:
                row["D_" + it["id"]] = min(7, max(1, round(e + 0.8)))
            if adequate:
                row["A_" + it["id"]] = min(7, max(1, round(e - 1.0)))
            total += p
        if overall:
            row["OVERALL"] = min(7, max(1, round(total / len(items) + rng.gauss(0, 0.6))))
        rows.append(row)
    survey = {"responses": rows}
    if overall:
        survey |= {"overall_column": "OVERALL", "overall_question": "Overall, how satisfied are you?"}
    return items, survey


def research_audit(module=None, **kw):
    items, survey = three_column_survey(**kw)
    return audit({"questionnaire": {"items": items}, "survey": survey}, module)


def test_zone_of_tolerance_per_item_and_dimension():
    r = run(research_audit())
    zone = r.data["zone"]
    rel = next(d for d in zone["dimensions"] if d["dimension"] == "reliability")
    assert rel["position"] == "below" and rel["clear"] and rel["msa"] < 0
    assert rel["items"] == ["REL1", "REL2", "REL3", "REL4"]
    tan = next(d for d in zone["dimensions"] if d["dimension"] == "tangibles")
    assert tan["position"] == "inside"
    below = next(f for f in r.findings if f.id == "outcome_gap.below_zone")
    assert below.severity == "high" and all("REL" in line for line in below.evidence)
    assert "outcome_gap.msa.reliability" in {m.id for m in r.metrics}
    assert any("Parasuraman, Zeithaml & Berry 1994" in line for line in r.methodology)
    # the item's MSA is the paired mean P − A over the respondents, as numpy has it
    items, survey = three_column_survey()
    p = np.array([row["P_REL1"] for row in survey["responses"]], float)
    a = np.array([row["A_REL1"] for row in survey["responses"]], float)
    rel1 = next(i for i in zone["items"] if i["id"] == "REL1")
    assert rel1["msa"] == pytest.approx((p - a).mean()) and rel1["below_share"] == pytest.approx(((p - a) < 0).mean())


def test_zone_needs_both_desired_and_adequate():
    r = run(research_audit(desired=False))
    assert r.data["zone"] is None
    assert any("desired (D_) and adequate (A_)" in n.detail for n in r.data_quality)
    plain = run(research_audit(desired=False, adequate=False))
    assert plain.data["zone"] is None and not any("zone" in n.topic for n in plain.data_quality)


def test_driver_analysis_and_revised_ipa():
    r = run(research_audit({"ipa_importance": "derived", "bootstrap": 200}))
    drv = r.data["drivers"]
    assert drv["outcome"]["column"] == "OVERALL" and drv["outcome"]["respondents"] == 220
    rw = drv["relative_weights"]
    assert rw["reason"] is None and rw["n"] == 220 and rw["needed"] == 104 + 12
    assert sum(i["share"] for i in rw["items"]) == pytest.approx(1.0)
    assert sum(d["share"] for d in rw["dimensions"]) == pytest.approx(1.0)
    assert drv["prca"]["low_max"] == 3 and drv["prca"]["high_min"] == 6  # 1–7: below the midpoint, top two
    ipa = r.data["ipa"]
    assert ipa["x_basis"] == "derived"
    shares = {i["id"]: 100 * i["share"] for i in rw["items"]}
    assert {p["id"]: p["importance"] for p in ipa["points"]} == pytest.approx(shares, abs=1e-3)
    assert ipa["x_cross"] == pytest.approx(100 / 12, abs=1e-3)  # equal-share line
    assert any("Johnson 2000" in line and "Green (1991)" in line for line in r.methodology)
    assert any("Mittal, Ross & Baldasare 1998" in line for line in r.methodology)
    assert any("ipa_importance: derived" in line for line in r.methodology)
    assert "outcome_gap.key_drivers" in {f.id for f in r.findings}


def test_driver_analysis_with_too_few_respondents_says_so_and_gives_no_weights():
    r = run(research_audit({"ipa_importance": "derived"}, n=40))
    rw = r.data["drivers"]["relative_weights"]
    assert rw["reason"] and "at least 60" in rw["reason"] and rw["items"] == [] and rw["r2"] is None
    assert any("Relative weights not computed" in n.detail for n in r.data_quality)
    assert r.data["ipa"]["x_basis"] == "expectation"  # fell back, and said so
    assert any("Derived importance was asked for" in n.detail for n in r.data_quality)
    zh = run(research_audit(n=40), lang="zh")
    assert any("未计算相对权重" in n.detail and "至少需要 60" in n.detail for n in zh.data_quality)


def test_overall_column_missing_from_responses_is_an_input_error_in_both_languages():
    items, survey = three_column_survey(n=30, overall=False)
    survey["overall_column"] = "OVERAL"
    data = audit({"questionnaire": {"items": items}, "survey": survey})
    with pytest.raises(InputError) as info:
        run(data)
    issue = info.value.issues[0]
    assert "OVERAL" in issue.message and issue.path[-1] == "overall_column"
    assert issue.zh and CJK.search(issue.zh)


def test_item_level_reliability_and_structure():
    r = run(research_audit())
    info = r.data["scale_items"]
    assert info["basis"] == "gap"
    dims = {d["dimension"]: d for d in info["dimensions"]}
    assert dims["tangibles"]["k"] == 4 and not dims["tangibles"]["too_few_items"]
    alpha_row = dim(r, "tangibles")
    assert dims["tangibles"]["alpha"] == pytest.approx(alpha_row["alpha"], abs=1e-3)  # same alpha as the table
    assert all(i["item_rest"] is not None for d in dims.values() for i in d["items"])
    pl = info["placements"]
    assert pl["reason"] is None and pl["n"] == 220 and pl["support"] == "moderate"
    assert {p["verdict"] for p in pl["items"]} == {"fits"}
    few = run(research_audit(n=25))
    assert few.data["scale_items"]["placements"]["reason"]
    assert all(d["too_few_respondents"] for d in few.data["scale_items"]["dimensions"])
    assert any("too uncertain to interpret" in n.detail for n in few.data_quality)
