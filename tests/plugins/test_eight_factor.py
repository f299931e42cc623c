"""eight_factor: hand-computed totals, penalties, critical caps, chain defaults and monotonicity."""

from __future__ import annotations

import types

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from module_helpers import metric
from scipy import stats as sps

import gapaudit_plugins.eight_factor as eight_factor_plugin
from gapaudit import hookimpl
from gapaudit.errors import InputError
from gapaudit.testing import make_host, minimal_audit, run_audit
from gapaudit_plugins.eight_factor.module import DEFAULT_CURVES, deduction, total_score

FACTORS = ("attitude", "technique", "responsibility", "hardware", "management", "highlights")


@pytest.fixture(scope="module")
def host():
    return make_host(eight_factor_plugin, builtins=False, names=["eight_factor"])


def run(host, evidence, modules=None, lang="en", **sections):
    """Run with the minimum-sample rule lowered to 2 respondents, so hand-sized surveys count
    (test_survey_from_too_few_respondents_is_not_scored checks the default)."""
    modules = dict(modules or {})
    modules["eight_factor"] = {"min_respondents": 2, **modules.get("eight_factor", {})}
    result = run_audit(minimal_audit(evidence=evidence, modules=modules, **sections), host, lang=lang)
    return result.modules["eight_factor"], result


def factor_row(module, f):
    return next(r for r in module.data["factors"] if r["factor"] == f)


# a store with every kind of evidence; its total is worked out by hand in test_hand_computed_total
SURVEY = {
    "questionnaire": {"scale": {"min": 1, "max": 7}, "items": [
        {"id": "A1", "text": "Staff are warm", "dimension": "empathy", "factor": "attitude"},
        {"id": "A2", "text": "Staff pay attention", "dimension": "empathy", "factor": "attitude"},
        {"id": "R1", "text": "Things done right first time", "dimension": "reliability"}]},
    "survey": {"responses": [
        {"respondent": "r1", "P_A1": 7, "P_A2": 5, "P_R1": 4},
        {"respondent": "r2", "P_A1": 6, "P_A2": None, "P_R1": 3},
        {"respondent": "r3", "P_A1": None, "P_A2": None, "P_R1": 6},
        {"respondent": "r4", "P_A1": 4, "P_A2": 6, "P_R1": None}]},
}
FULL = {
    **SURVEY,
    "standards": [{"id": "S1", "title": "Greet within 10 seconds", "factor": "attitude"},
                  {"id": "S2", "title": "Trolleys in working order", "factor": "hardware"}],
    "observations": [{"visit": "V1", "standard": "S1", "result": "yes"},
                     {"visit": "V2", "standard": "S1", "result": "yes"},
                     {"visit": "V3", "standard": "S1", "result": "partly"},
                     {"visit": "V4", "standard": "S1", "result": "no"},
                     {"visit": "V1", "standard": "S2", "result": "na"}],
    "rubric": {"scores": {"technique": 4, "responsibility": 3, "hardware": 2, "management": 5}},
    "highlights": [{"name": "Free alterations", "customer_rating": 80}, {"name": "Home delivery",
                                                                        "customer_rating": 60},
                   {"name": "Tea corner"}],
    "complaints": [{"id": f"C{i}", "resolved": True, "hours_to_resolve": 3} for i in range(4)],
    "errors": [{"id": f"E{i}"} for i in range(10)],
    "volume": {"transactions": 2000},
}
ATTITUDE = (62.5 + (100 * 5 / 6 + 100 * 5 / 6 + 100 * 4 / 6) / 3) / 2  # observations, survey


def test_hand_computed_total(host):
    m, _ = run(host, FULL)
    # attitude: observations 100×mean(1, 1, .5, 0) = 62.5; survey: respondents' means 6, 6, 5 on 1–7 → 83.3,
    # 83.3, 66.7 → 77.8; equal-weight mean 70.14
    assert factor_row(m, "attitude")["score"] == pytest.approx(ATTITUDE)
    assert factor_row(m, "attitude")["basis"] == "evidence"
    # rubric 1–5: technique 4 → 75, responsibility 3 → 50, hardware 2 → 25 (its only observation is n/a), management 100
    assert [factor_row(m, f)["score"] for f in ("technique", "responsibility", "hardware", "management")] == \
        [75, 50, 25, 100]
    assert factor_row(m, "hardware")["basis"] == "rubric"
    # highlights: mean of the rated signature services (80, 60); the unrated one does not count
    assert factor_row(m, "highlights")["score"] == 70
    positive = (ATTITUDE + 75 + 50 + 25 + 100 + 70) / 6
    assert m.data["positive_score"] == pytest.approx(positive)
    # complaints 4 / 2000 × 1000 = 2.0 → 10 points; errors 10 / 2000 × 1000 = 5.0 → 7 points
    assert factor_row(m, "complaints")["rate"] == 2.0 and factor_row(m, "complaints")["deduction"] == 10
    assert factor_row(m, "errors")["rate"] == 5.0 and factor_row(m, "errors")["deduction"] == 7
    assert factor_row(m, "errors")["bar"] == -7
    assert m.score == round(positive - 17, 1) == 48.0
    assert m.grade == "D"


def test_survey_source_matches_an_independent_computation(host):
    m, _ = run(host, {**SURVEY, "rubric": {"scores": {"technique": 3, "management": 3}}})
    p = np.array([[7, 5], [6, np.nan], [np.nan, np.nan], [4, 6]], dtype=float)
    per_person = np.nanmean(p[~np.isnan(p).all(axis=1)], axis=1)
    scores = 100 * (per_person - 1) / 6
    half = sps.t.ppf(0.975, len(scores) - 1) * scores.std(ddof=1) / np.sqrt(len(scores))
    att = metric(m, "eight_factor.attitude")
    assert att.value == round(scores.mean(), 1) and att.n == 3
    assert att.ci_low == round(max(0, scores.mean() - half), 1)
    assert att.ci_high == round(min(100, scores.mean() + half), 1)


def test_weights_and_bands_from_the_audit(host):
    bands = [{"grade": "Gold", "min": 90}, {"grade": "Silver", "min": 60}, {"grade": "Bronze", "min": 0}]
    m, _ = run(host, FULL, {"eight_factor": {"weights": {"attitude": 3}, "bands": bands}})
    positive = (3 * ATTITUDE + 75 + 50 + 25 + 100 + 70) / 8
    assert m.data["positive_score"] == pytest.approx(positive)
    assert m.score == round(positive - 17, 1)
    assert m.grade == "Bronze"
    assert "Attitude 3" in " ".join(m.methodology)


def test_penalty_curve_and_severity_weights_are_configurable(host):
    modules = {"eight_factor": {"penalties": {"complaints": {"curve": [[0, 0], [4, 20]],
                                                             "severity_weights": {"high": 3}}}}}
    ev = {**FULL, "complaints": [{"id": "a", "severity": "high"}, {"id": "b"}]}
    m, _ = run(host, ev, modules)
    row = factor_row(m, "complaints")
    # weighted count 3 + 1 = 4 → 2.0 per 1,000 → half-way along 0→20 points: 10
    assert (row["count"], row["rate"], row["deduction"], row["max_deduction"]) == (4, 2.0, 10, 20)
    assert factor_row(m, "errors")["deduction"] == 7  # the other curve keeps its default


def test_deduction_curve():
    curve = DEFAULT_CURVES["complaints"]  # 0→0, 0.5→2, 1→5, 2→10, 5→15
    assert [deduction(r, curve) for r in (0, 0.25, 0.5, 1.5, 5, 50)] == [0, 1, 2, 7.5, 15, 15]


def test_empty_logs_without_declaration_are_not_deducted_and_warned(host):
    ev = {k: v for k, v in FULL.items() if k not in ("complaints", "errors")}
    m, _ = run(host, ev)
    assert factor_row(m, "complaints")["deduction"] is None and factor_row(m, "complaints")["reason"] == "no_log"
    assert m.score == round(m.data["positive_score"], 1)
    warnings = [n.detail for n in m.data_quality if n.severity == "warning"]
    assert any("upper bound" in w and "Complaints" in w for w in warnings)
    assert "complaints" not in m.data  # no complaint analysis without a log


def test_logs_declared_kept_and_empty_mean_zero(host):
    ev = {k: v for k, v in FULL.items() if k not in ("complaints", "errors")}
    ev["volume"] = {"transactions": 2000, "logs_kept": ["complaints", "errors"]}
    m, _ = run(host, ev)
    assert factor_row(m, "complaints")["deduction"] == 0 and factor_row(m, "errors")["deduction"] == 0
    assert m.data["complaints"]["count"] == 0
    assert any(f.id == "eight_factor.complaints.none" for f in m.findings)
    assert not [n for n in m.data_quality if "upper bound" in n.detail]


def test_zero_transactions(host):
    m, _ = run(host, {**FULL, "volume": {"transactions": 0}})
    assert factor_row(m, "complaints")["reason"] == "zero_volume"
    assert metric(m, "eight_factor.complaints.per_thousand").value is None
    assert m.score == round(m.data["positive_score"], 1)
    assert any("volume to normalise by is 0" in n.detail for n in m.data_quality)
    # the complaint log itself is still analysed
    assert m.data["complaints"]["count"] == 4 and m.data["iceberg"]["dissatisfied"] == 100


def test_all_not_applicable_is_no_data(host):
    ev = {"standards": [{"id": "S1", "title": "Greet", "factor": "attitude"}],
          "observations": [{"visit": "V1", "standard": "S1", "result": "na"}]}
    m, result = run(host, ev)
    assert m.score is None and m.grade is None
    assert "0 of the 6 positive factors" in m.reason
    assert all(factor_row(m, f)["score"] is None for f in FACTORS)
    assert result.overall.score is None


def test_too_few_factors_is_no_data(host):
    m, _ = run(host, {"rubric": {"scores": {"attitude": 5, "hardware": 4}}})
    assert m.score is None and "2 of the 6" in m.reason and "at least 3" in m.reason
    m, _ = run(host, {"rubric": {"scores": {"attitude": 5, "hardware": 4}}}, {"eight_factor": {"min_factors": 2}})
    assert m.score == pytest.approx((100 + 75) / 2)


def test_evidence_beats_rubric_and_the_report_says_which(host):
    ev = {**FULL, "rubric": {"scores": {**FULL["rubric"]["scores"], "attitude": 1}}}
    m, _ = run(host, ev)
    row = factor_row(m, "attitude")
    assert row["score"] == pytest.approx(ATTITUDE) and row["rubric_unused"]
    assert [s["kind"] for s in row["sources"]] == ["observations", "survey"]
    notes = " ".join(n.detail for n in m.data_quality)
    assert "rubric scores not used because evidence exists for these factors: Attitude" in notes
    assert "from the auditor's rubric, not from evidence: Technique, Responsibility, Hardware, Management" in notes


def test_hardware_actions_are_capital_expenditure(host):
    m, result = run(host, FULL)
    actions = {a.id: a for a in m.actions}
    hw = actions["eight_factor.hardware"]
    assert hw.kind == "capex" and hw.horizon == "long" and hw.owner_role == "facilities manager"
    assert actions["eight_factor.responsibility"].kind == "management"
    assert actions["eight_factor.reduce_complaints"].kind == "management"
    # priority from the shared formula: high severity (0.8) × default importance 0.75 × rubric confidence 0.5
    assert hw.priority == 30.0 and hw.priority_basis == {"severity": 0.8, "importance": 0.75, "confidence": 0.5}
    assert {a.id for a in m.actions} <= {a.id for a in result.actions}


def test_critical_failure_caps_module_and_overall_grade(host):
    ev = {"rubric": {"scores": {f: 5 for f in FACTORS}},
          "standards": [{"id": "S1", "title": "Fire exits clear", "critical": True},
                        {"id": "S2", "title": "Price labels right"}],
          "observations": [{"visit": "V1", "standard": "S1", "result": "yes"},
                           {"visit": "V2", "standard": "S1", "result": "no"},
                           {"visit": "V1", "standard": "S2", "result": "no"}]}
    m, result = run(host, ev)
    assert m.score == 100 and m.grade == "C" and m.grade_cap == "C"
    assert m.data["grade"]["uncapped"] == "A" and m.data["grade"]["capped"]
    assert m.data["grade"]["failed"] == [{"standard": "S1", "title": "Fire exits clear", "visits": ["V2"],
                                          "observed": 2}]
    crit = next(f for f in m.findings if f.id == "eight_factor.critical")
    assert crit.severity == "critical" and "capped at C" in crit.title
    assert result.overall.score == 100 and result.overall.grade == "C"
    # the audit can switch S1 off as critical and make S2 critical instead, and choose the cap
    m, _ = run(host, ev, {"eight_factor": {"critical": {"S1": False, "S2": True}, "critical_cap": "B"}})
    assert m.grade == "B" and m.data["grade"]["failed"][0]["standard"] == "S2"
    m, _ = run(host, ev, {"eight_factor": {"critical": {"S1": False}}})
    assert m.grade == "A" and m.grade_cap is None


def test_unknown_critical_ids_are_warned_not_fatal(host):
    m, _ = run(host, FULL, {"eight_factor": {"critical": {"S9": True}}})
    assert any("S9" in n.detail and n.severity == "warning" for n in m.data_quality)


def test_chain_defaults_through_the_hook_and_the_audit_wins():
    chain = types.SimpleNamespace()

    @hookimpl
    def gapaudit_audit_defaults():
        return {"modules": {"eight_factor": {
            "weights": {"attitude": 3}, "critical": {"S2": True}, "critical_cap": "D",
            "complaints": {"iceberg_ratio": 10, "return_rates": {"silent": 0.05}},
            "penalties": {"errors": {"curve": [[0, 0], [10, 30]]}}}}}

    chain.gapaudit_audit_defaults = gapaudit_audit_defaults
    host = make_host(eight_factor_plugin, chain, builtins=False, names=["eight_factor", "acme"])
    ev = {**FULL, "observations": FULL["observations"] + [{"visit": "V9", "standard": "S2", "result": "no"}]}
    m, _ = run(host, ev)
    assert m.data["iceberg"]["ratio"] == 10 and m.data["at_risk"]["assumptions"]["return_rates"]["silent"] == 0.05
    assert factor_row(m, "attitude")["weight"] == 3 and factor_row(m, "technique")["weight"] == 1
    assert factor_row(m, "errors")["deduction"] == 15  # 5 per 1,000 on the chain's 0→30 curve
    assert m.grade_cap == "D"
    # the audit's own block wins key by key; the chain's other settings stay
    m, _ = run(host, ev, {"eight_factor": {"weights": {"attitude": 1}, "complaints": {"iceberg_ratio": 20}}})
    assert factor_row(m, "attitude")["weight"] == 1 and m.data["iceberg"]["ratio"] == 20
    assert m.data["at_risk"]["assumptions"]["return_rates"]["silent"] == 0.05 and m.grade_cap == "D"


@pytest.mark.parametrize("block, where, message", [
    ({"penalties": {"complaints": {"curve": [[0, 5], [1, 2]]}}}, "modules.eight_factor.penalties.complaints.curve",
     "must not fall"),
    ({"penalties": {"complaints": {"curve": [[1, 5]]}}}, "modules.eight_factor.penalties.complaints.curve",
     "start at rate 0"),
    ({"weights": {"atitude": 2}}, "modules.eight_factor.weights.atitude", "attitude"),
    ({"weights": {f: 0 for f in FACTORS}}, "modules.eight_factor.weights", "above 0"),
    ({"bands": [{"grade": "A", "min": 50}]}, "modules.eight_factor.bands", "start at 0"),
    ({"complaints": {"iceberg_ratio": 0.5}}, "modules.eight_factor.complaints.iceberg_ratio", "greater than or equal"),
])
def test_bad_settings_are_located(host, block, where, message):
    with pytest.raises(InputError) as info:
        run(host, FULL, {"eight_factor": block})
    text = str(info.value)
    assert where in text and message in text


def test_complaint_recovery_reported_in_full(host):
    ev = {**FULL, "complaints": [
        {"id": "C1", "resolved": True, "hours_to_resolve": 2, "category": "queue"},
        {"id": "C2", "resolved": True, "hours_to_resolve": 72, "category": "queue"},
        {"id": "C3", "resolved": False, "category": "price", "severity": "high"}],
        "complaint_handling": [{"case": "K1", "apologise": "yes", "explain": "no", "empathise": "yes",
                                "solve_quickly": "yes", "commit": "no", "thank": "yes"}],
        "lost_customers": [{"reason": "indifference", "count": 8}, {"reason": "moved", "count": 2}]}
    m, _ = run(host, ev)
    ids = {f.id for f in m.findings}
    assert {"eight_factor.complaints.iceberg", "eight_factor.complaints.at_risk", "eight_factor.complaints.resolution",
            "eight_factor.complaints.open", "eight_factor.complaints.six_steps", "eight_factor.loss.reasons"} <= ids
    six = next(f for f in m.findings if f.id == "eight_factor.complaints.six_steps")
    assert "explain the cause reasonably" in six.title and "apologise again and commit to improve" in six.title
    actions = {a.id: a for a in m.actions}
    assert {"complaints.six_steps", "complaints.resolution_target", "complaints.call_back_open",
            "complaints.win_back"} <= set(actions)
    assert actions["complaints.call_back_open"].evidence == ["C3"]
    assert m.data["iceberg"]["dissatisfied"] == 75
    assert m.data["complaints"]["per_thousand"] == 1.5 and m.data["complaints"]["per_thousand_basis"] == "transactions"
    assert [b["count"] for b in m.data["complaints"]["time_distribution"]] == [0, 1, 0, 1, 0, 0]
    assert m.data["complaints"]["categories"][0] == {"category": "queue", "label": "queue", "count": 2}
    shares = {r["reason"]: r["share"] for r in m.data["loss_reasons"]["rows"]}
    assert shares["indifference"] == 0.8 and shares["moved"] == 0.2 and shares["product"] == 0
    assert any("each complaint stands for 25 dissatisfied customers" in r for r in m.methodology)


def test_iceberg_larger_than_the_customer_base_is_flagged(host):
    m, _ = run(host, {**FULL, "volume": {"transactions": 2000, "customers": 60}})
    assert m.data["iceberg"]["share_of_customers"] == pytest.approx(100 / 60)
    assert any("exceeds the customers served" in n.detail for n in m.data_quality)


def test_chinese_report(host):
    m, _ = run(host, FULL, lang="zh")
    assert next(f for f in m.findings if f.id == "eight_factor.hardware").title == "硬件薄弱：25.0/100"
    assert next(a for a in m.actions if a.id == "eight_factor.hardware").owner_role == "设施经理"
    assert all(not r.isascii() for r in m.methodology)


def test_deterministic(host):
    a = run(host, FULL)[1].model_dump_json()
    b = run(host, FULL)[1].model_dump_json()
    assert a == b


# --- monotonicity: improving one factor never lowers the score -------------------------------------

scores_st = st.dictionaries(st.sampled_from(FACTORS), st.one_of(st.none(), st.floats(0, 100)), min_size=6)
weights_st = st.fixed_dictionaries({f: st.floats(0, 5) for f in FACTORS})
rates_st = st.fixed_dictionaries({"complaints": st.one_of(st.none(), st.floats(0, 20)),
                                  "errors": st.one_of(st.none(), st.floats(0, 20))})


@settings(max_examples=500, deadline=None)
@given(scores_st, weights_st, rates_st, st.sampled_from(FACTORS), st.floats(0, 100), st.floats(0, 5))
def test_total_never_falls_when_one_factor_improves(scores, weights, rates, factor, gain, fewer):
    deductions = {n: None if r is None else deduction(r, DEFAULT_CURVES[n]) for n, r in rates.items()}
    _, before = total_score(scores, weights, deductions)
    if before is None:
        return
    better = dict(scores)
    if better[factor] is not None:
        better[factor] = min(100.0, better[factor] + gain)
        assert total_score(better, weights, deductions)[1] >= before - 1e-9
    for n, r in rates.items():  # fewer complaints or errors
        if r is not None:
            lower = dict(deductions, **{n: deduction(max(0.0, r - fewer), DEFAULT_CURVES[n])})
            assert total_score(scores, weights, lower)[1] >= before - 1e-9


@settings(max_examples=25, deadline=None)
@given(st.fixed_dictionaries({f: st.integers(1, 5) for f in FACTORS}), st.integers(0, 12),
       st.sampled_from(FACTORS))
def test_module_score_never_falls_end_to_end(rubric, n_complaints, factor):
    host = make_host(eight_factor_plugin, builtins=False, names=["eight_factor"])
    def score(r, n):
        ev = {"rubric": {"scores": r}, "complaints": [{"id": f"C{i}"} for i in range(n)],
              "volume": {"transactions": 1500, "logs_kept": ["complaints"]}}
        return run(host, ev)[0].score
    base = score(rubric, n_complaints)
    if rubric[factor] < 5:
        assert score({**rubric, factor: rubric[factor] + 1}, n_complaints) >= base
    if n_complaints:
        assert score(rubric, n_complaints - 1) >= base


@st.composite
def curves(draw):
    steps = draw(st.lists(st.tuples(st.floats(0.01, 10), st.floats(0, 20)), min_size=0, max_size=6))
    points, rate, pts = [(0.0, draw(st.floats(0, 10)))], 0.0, None
    for dr, dp in steps:
        rate, pts = rate + dr, min(100.0, (pts if pts is not None else points[0][1]) + dp)
        points.append((rate, pts))
    return points


@settings(max_examples=300, deadline=None)
@given(curves(), st.floats(0, 100), st.floats(0, 100))
def test_deduction_never_falls_as_the_rate_rises(curve, a, b):
    from gapaudit_plugins.eight_factor.module import PenaltySettings

    PenaltySettings(curve=curve)  # a valid curve
    lo, hi = sorted((a, b))
    assert deduction(lo, curve) <= deduction(hi, curve) + 1e-9
    assert curve[0][1] <= deduction(lo, curve) <= curve[-1][1] + 1e-9
