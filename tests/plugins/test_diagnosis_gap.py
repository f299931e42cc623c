"""diagnosis_gap (Gap 1): hand-computed cases, independent cross-checks, no-data paths, zh/en, stable priority."""

from __future__ import annotations

import copy
import json
import math
import random

import numpy as np
import pytest
from module_helpers import CJK, metric, module_runner
from scipy import stats as sps

import gapaudit_plugins.diagnosis_gap as plugin
from gapaudit.errors import InputError
from gapaudit.analysis.evidence import importance_tiers
from gapaudit.render.data import to_json
from gapaudit.analysis.scoring import check_weights, combine_subscores
from gapaudit.testing import make_host, minimal_audit, run_audit

HOST = make_host(plugin, builtins=False)
run = module_runner(HOST, "diagnosis_gap")

ITEMS = [
    {"id": "A", "text": "Goods in stock", "dimension": "reliability"},
    {"id": "B", "text": "Prices right at the till", "dimension": "reliability"},
    {"id": "C", "text": "Staff smile", "dimension": "empathy"},
]
#            E_A  E_B   E_C  I_A I_B I_C
RESPONSES = [(6, 7, 4, 7, 6, 3),
             (7, None, 5, 7, 7, 2),
             (5, 6, 4, 6, 6, 4),
             (6, 5, 3, 7, 5, 3)]
MANAGEMENT = [{"item": "A", "expectation": 5, "importance": 4, "invests": "no"},
              {"item": "B", "expectation": 6, "importance": 5, "invests": "yes"},
              {"item": "C", "expectation": 4, "importance": 7, "invests": "yes"}]


def responses(rows=RESPONSES):
    keys = ["E_A", "E_B", "E_C", "I_A", "I_B", "I_C"]
    return [{"respondent": f"r{i + 1}", **{k: v for k, v in zip(keys, row)}} for i, row in enumerate(rows)]


def audit(evidence=None, module=None, lang="en", drop=()):
    """Four respondents, small enough to compute by hand: the minimum-sample rule is lowered to 2 here
    (test_minimum_sample_rule checks the default of 10)."""
    ev = {"questionnaire": {"items": ITEMS}, "survey": {"responses": responses()}, "management": MANAGEMENT}
    ev.update(evidence or {})
    for key in drop:
        ev.pop(key, None)
    return minimal_audit(evidence=ev, modules={"diagnosis_gap": {"min_respondents": 2, **(module or {})}},
                         audit={"language": lang})


def t_interval(values):
    values = [v for v in values if v is not None]
    m = float(np.mean(values))
    se = float(np.std(values, ddof=1)) / math.sqrt(len(values))
    lo, hi = sps.t.interval(0.95, len(values) - 1, loc=m, scale=se)
    return m, lo, hi


# --- the hand-computed case -------------------------------------------------------------

def test_item_gaps_against_hand_computation_and_scipy():
    r = run(audit())
    items = {i["id"]: i for i in r.data["items"]}
    # A: customers 6, 7, 5, 6 → mean 6; management 5 → gap −1; interval from scipy's t
    m, lo, hi = t_interval([6, 7, 5, 6])
    assert items["A"]["customer"] == pytest.approx(6.0)
    assert items["A"]["gap"] == pytest.approx(-1.0)
    assert hi > 7 and items["A"]["customer_high"] == 7  # a mean's interval is clipped to the 1..7 scale
    assert items["A"]["ci_low"] == pytest.approx(5 - min(hi, 7), abs=1e-3)
    assert items["A"]["ci_high"] == pytest.approx(5 - lo, abs=1e-3)
    assert items["A"]["n"] == 4 and items["A"]["status"] == "under"
    # B: the blank answer is left out → 7, 6, 5 → mean 6, n 3, gap 0
    assert items["B"]["n"] == 3 and items["B"]["gap"] == pytest.approx(0.0)
    assert items["B"]["status"] == "ok" and items["C"]["status"] == "ok"
    assert r.data["tolerance"] == pytest.approx(0.6)  # 10% of the 1..7 range


def test_dimension_gap_is_mean_of_per_respondent_means():
    r = run(audit())
    dims = {d["dimension"]: d for d in r.data["dimensions"]}
    # per respondent over A, B: (−1 −1)/2, (−2)/1 (B blank), (0 + 0)/2, (−1 + 1)/2
    per_respondent = [-1.0, -2.0, 0.0, 0.0]
    m, lo, hi = t_interval(per_respondent)
    rel = dims["reliability"]
    assert rel["gap"] == pytest.approx(-0.75) and rel["n"] == 4 and rel["interval"] == "respondent"
    assert rel["ci_low"] == pytest.approx(lo, abs=1e-3) and rel["ci_high"] == pytest.approx(hi, abs=1e-3)
    # pooling every answer would give −4/7 instead: the rule is not a ratio of sums
    assert rel["gap"] != pytest.approx(-4 / 7)
    assert dims["empathy"]["gap"] == pytest.approx(0.0)
    dim_metric = metric(r, "diagnosis_gap.dimension.reliability")
    assert (dim_metric.value, dim_metric.n) == (rel["gap"], 4)


def test_accuracy_subscore_is_importance_weighted_share_within_tolerance():
    r = run(audit())
    w = {"A": (6.75 - 1) / 6, "B": (6 - 1) / 6, "C": (3 - 1) / 6}  # mean importance on 0–1
    expected = 100 * (w["B"] + w["C"]) / sum(w.values())
    assert r.data["subscores"]["accuracy"] == pytest.approx(round(expected, 1))
    assert metric(r, "diagnosis_gap.accuracy").n == 3
    imp = {i["id"]: i["importance"] for i in r.data["items"]}
    assert imp == pytest.approx({k: round(v, 3) for k, v in w.items()})


def test_score_is_stated_weighted_mean_of_available_subscores():
    checklist = {"customers": "yes", "services_valued": "no", "surveys": {"answer": "partly", "evidence": "yearly"}}
    r = run(audit(module={"checklist": checklist}))
    sub = r.data["subscores"]
    assert sub["checklist"] == 50.0 and sub["listening"] is None and sub["priorities"] is None
    assert r.score == pytest.approx(round((0.4 * sub["accuracy"] + 0.2 * 50.0) / 0.6, 1))
    assert any("weighted mean of the sub-scores" in m for m in r.methodology)


def test_misdirected_effort_and_underrated_expectations():
    """The source's example: effort on smiles (C) while customers want goods in stock (A)."""
    r = run(audit())
    flags = {i["id"]: i["flag"] for i in r.data["importance"]["items"]}
    assert flags == {"A": "underrated", "B": None, "C": "misdirected"}
    ids = {f.id for f in r.findings}
    assert {"diagnosis_gap.misdirected", "diagnosis_gap.underrated", "diagnosis_gap.underestimated"} <= ids
    refocus = next(a for a in r.actions if a.id == "diagnosis_gap.refocus")
    # high severity (an important expectation is underrated) × importance of A × 0.75 for a rank-based call
    assert refocus.priority == pytest.approx(round(100 * 0.8 * (5.75 / 6) * 0.75, 1))
    assert "A" in refocus.rationale and "C" in refocus.rationale


@pytest.mark.parametrize("management_importance, flagged", [(5, False), (5.5, False), (6.2, True)])
def test_investing_in_a_low_ranked_item_is_misdirected_only_when_management_overrates_it(management_importance,
                                                                                      flagged):
    """Customers rank C last but still rate it 5 of 7: investing there is fine while management reads it right."""
    rows = [row[:5] + (5,) for row in RESPONSES]
    management = copy.deepcopy(MANAGEMENT)
    management[2]["importance"] = management_importance  # customers' mean is 5; tolerance 0.6
    r = run(audit(evidence={"survey": {"responses": responses(rows)}, "management": management}))
    c = next(i for i in r.data["importance"]["items"] if i["id"] == "C")
    assert c["tier_customer"] == "low" and c["invests"] == "yes"
    assert c["management_view"] == ("overrates" if flagged else "agrees")
    assert (c["flag"] == "misdirected") is flagged


def test_priority_of_recalibrate_action_is_explainable():
    r = run(audit())
    action = next(a for a in r.actions if a.id == "diagnosis_gap.recalibrate.reliability")
    # |gap| 1 < 2 × 0.6 → medium; confidence = one-sided t probability that the gap is below 0
    sd = float(np.std([6, 7, 5, 6], ddof=1))
    confidence = sps.t.cdf(1.0 / (sd / 2), 3)
    assert action.priority_basis == pytest.approx({"severity": 0.6, "importance": round(5.75 / 6, 3),
                                                   "confidence": round(confidence, 3)}, abs=1e-3)
    assert action.priority == pytest.approx(round(100 * 0.6 * (5.75 / 6) * confidence, 1))
    assert action.horizon == "short" and action.owner_role == "Store manager"
    assert action.due.isoformat() == "2026-10-30"


def test_checklist_answers_merge_into_the_matching_action():
    r = run(audit(module={"checklist": {"services_valued": "no", "surveys": "partly"}}))
    refocus = next(a for a in r.actions if a.id == "diagnosis_gap.refocus")
    assert any("services_valued" in e for e in refocus.evidence)  # pooled with the data-driven evidence
    assert sum(a.id == "diagnosis_gap.refocus" for a in r.actions) == 1
    surveys = next(a for a in r.actions if a.id == "diagnosis_gap.surveys")
    assert surveys.priority == pytest.approx(100 * 0.4 * 0.75)  # partly → low, importance unknown
    unanswered = next(f for f in r.findings if f.id == "diagnosis_gap.checklist.unanswered")
    assert len(unanswered.evidence) == 5


# --- listening --------------------------------------------------------------------------------

def test_listening_subscore_parts():
    listening = {"survey_cadence": "yearly", "complaint_channels": ["counter"], "rewards_for_feedback": "no",
                 "feedback_reaches_management_days": 21, "survey_owner": "admin office"}
    r = run(audit(evidence={"listening": listening}))
    parts = {p["id"]: p["score"] for p in r.data["listening"]["parts"]}
    assert parts == {"surveys": 0.5, "channels": 0.5, "rewards": 0.0, "information_flow": 0.5}
    assert r.data["subscores"]["listening"] == 37.5
    keys = {a.id for a in r.actions}
    assert {"diagnosis_gap.surveys", "diagnosis_gap.channels", "diagnosis_gap.rewards",
            "diagnosis_gap.information_flow"} <= keys
    rewards = next(a for a in r.actions if a.id == "diagnosis_gap.rewards")
    assert rewards.horizon == "long" and rewards.priority_basis["severity"] == 0.6


def test_listening_good_practice_raises_nothing_and_unknown_parts_are_left_out():
    listening = {"survey_cadence": "quarterly", "survey_owner": "marketing", "rewards_for_feedback": "na",
                 "feedback_reaches_management_days": 3}
    r = run(audit(evidence={"listening": listening}))
    assert r.data["subscores"]["listening"] == 100.0
    assert [p["id"] for p in r.data["listening"]["parts"]] == ["surveys", "information_flow"]
    assert not any(f.id == "diagnosis_gap.listening" for f in r.findings)
    assert any("complaint channels" in n.detail for n in r.data_quality)


# --- no data ----------------------------------------------------------------------------------

def test_no_survey_is_no_data_with_reason_but_listening_is_still_reported():
    r = run(audit(drop=("survey",), evidence={"listening": {"survey_cadence": "never"}}))
    assert r.score is None and r.grade is None
    assert "no customer survey" in r.reason
    assert r.data["items"] == [] and r.data["dimensions"] == [] and r.data["importance"]["rho"] is None
    assert r.data["subscores"]["listening"] == 0.0
    assert any(a.id == "diagnosis_gap.surveys" for a in r.actions)


def test_no_management_estimates_is_no_data_with_reason():
    r = run(audit(drop=("management",)))
    assert r.score is None and "no management estimates" in r.reason
    only_importance = [{"item": "A", "importance": 6}]
    r = run(audit(evidence={"management": only_importance}))
    assert r.score is None and "expectation" in r.reason


def test_no_data_reason_in_chinese():
    r = run(audit(drop=("survey",)), lang="zh")
    assert r.score is None and "顾客调查" in r.reason


# --- summary data, importance from points, rank agreement ---------------------------------------

def test_summary_survey_uses_t_interval_and_conservative_dimension_interval():
    summary = [{"item": "A", "n": 25, "expectation": 6.2, "expectation_sd": 0.8, "importance": 6.5},
               {"item": "B", "n": 16, "expectation": 5.0, "expectation_sd": 1.2, "importance": 5.5},
               {"item": "C", "n": 25, "expectation": 4.0, "importance": 3.0}]
    r = run(audit(drop=("survey",), evidence={"survey_summary": summary}))
    items = {i["id"]: i for i in r.data["items"]}
    half_a = sps.t.ppf(0.975, 24) * 0.8 / 5
    assert items["A"]["gap"] == pytest.approx(-1.2)
    assert items["A"]["ci_low"] == pytest.approx(-1.2 - half_a, abs=1e-3)
    half_b = sps.t.ppf(0.975, 15) * 1.2 / 4
    assert items["B"]["ci_high"] == pytest.approx(1.0 + half_b, abs=1e-3)
    assert items["C"]["ci_low"] is None  # no SD given: no interval, never an invented one
    rel = next(d for d in r.data["dimensions"] if d["dimension"] == "reliability")
    assert rel["interval"] == "conservative" and rel["gap"] == pytest.approx((-1.2 + 1.0) / 2)
    assert rel["ci_high"] - rel["gap"] == pytest.approx((half_a + half_b) / 2, abs=2e-3)
    empathy = next(d for d in r.data["dimensions"] if d["dimension"] == "empathy")
    assert empathy["ci_low"] is None
    assert any(n.topic == "summary data" for n in r.data_quality)


def test_importance_from_point_allocation():
    rows = [{"respondent": i, "E_A": 6, "E_B": 6, "E_C": 5, "W_reliability": w, "W_empathy": 100 - w}
            for i, w in enumerate([80, 60, 70])]
    r = run(audit(evidence={"survey": {"responses": rows}}))
    assert r.data["importance"]["basis"] == "points"
    imp = {i["id"]: i["customer"] for i in r.data["importance"]["items"]}
    assert imp == pytest.approx({"A": 1.0, "B": 1.0, "C": 30 / 70}, abs=1e-3)


def test_rank_correlation_matches_scipy_on_generated_data():
    rng = random.Random(7)
    k = 12
    items = [{"id": f"Q{j}", "text": f"item {j}", "dimension": ["tangibles", "reliability", "empathy"][j % 3]}
             for j in range(k)]
    rows = []
    for i in range(60):
        row = {"respondent": i}
        for j in range(k):
            row[f"E_Q{j}"] = rng.randint(3, 7)
            row[f"I_Q{j}"] = None if rng.random() < 0.1 else min(7, max(1, round(rng.gauss(2 + j * 0.4, 1.2))))
        rows.append(row)
    management = [{"item": f"Q{j}", "expectation": 5, "importance": rng.choice([2, 3, 4, 5, 6, 7])} for j in range(k)]
    data = minimal_audit(evidence={"questionnaire": {"items": items}, "survey": {"responses": rows},
                                   "management": management})
    r = run(data)
    customer = [np.mean([row[f"I_Q{j}"] for row in rows if row[f"I_Q{j}"] is not None]) for j in range(k)]
    rho = sps.spearmanr(customer, [m["importance"] for m in management]).statistic
    got = metric(r, "diagnosis_gap.rho_items")
    assert got.value == pytest.approx(rho, abs=1e-3) and got.n == k
    half = sps.norm.ppf(0.975) * 1.06 / math.sqrt(k - 3)
    assert got.ci_low == pytest.approx(math.tanh(math.atanh(rho) - half), abs=1e-3)
    assert got.ci_high == pytest.approx(math.tanh(math.atanh(rho) + half), abs=1e-3)
    assert r.data["subscores"]["priorities"] == pytest.approx(round(100 * max(0.0, rho), 1))
    assert r.data["importance"]["rho_level"] == "items"


def test_too_few_items_for_rank_correlation_is_stated_not_scored():
    r = run(audit())
    assert r.data["subscores"]["priorities"] is None
    assert any("rank correlation" in n.detail for n in r.data_quality)


# --- language, determinism, priority stability, input errors -------------------------------------

def test_text_in_both_languages():
    data = audit(module={"checklist": {"services_valued": "no"}},
                 evidence={"listening": {"survey_cadence": "yearly"}})
    en, zh = run(data, "en"), run(data, "zh")
    assert en.score == zh.score
    assert [a.id for a in en.actions] == [a.id for a in zh.actions]
    for r, has_cjk in ((en, False), (zh, True)):
        texts = [r.title] + [f.title for f in r.findings] + [a.title for a in r.actions] + \
                [m.label for m in r.metrics] + r.methodology
        assert all(bool(CJK.search(t)) == has_cjk for t in texts), [t for t in texts if bool(CJK.search(t)) != has_cjk]


def test_equal_inputs_give_equal_priorities_in_a_stable_order():
    """Two dimensions with identical evidence: identical priorities, ordered by id, byte-identical reruns."""
    items = [{"id": "X1", "text": "x", "dimension": "reliability"},
             {"id": "Y1", "text": "y", "dimension": "assurance"}]
    rows = [{"respondent": i, "E_X1": e, "E_Y1": e, "I_X1": 6, "I_Y1": 6} for i, e in enumerate([7, 6, 7, 7, 6])]
    management = [{"item": "X1", "expectation": 4}, {"item": "Y1", "expectation": 4}]
    data = minimal_audit(evidence={"questionnaire": {"items": items}, "survey": {"responses": rows},
                                   "management": management}, modules={"diagnosis_gap": {"min_respondents": 5}})
    result = run_audit(data, HOST)
    recal = [a for a in result.actions if a.id.startswith("diagnosis_gap.recalibrate")]
    assert [a.id for a in recal] == ["diagnosis_gap.recalibrate.assurance", "diagnosis_gap.recalibrate.reliability"]
    assert recal[0].priority == recal[1].priority
    assert to_json(result) == to_json(run_audit(copy.deepcopy(data), HOST))


def test_unknown_checklist_question_and_weight_are_located_errors():
    with pytest.raises(InputError) as info:
        run(audit(module={"checklist": {"survey": "yes"}}))
    assert "did you mean 'surveys'" in str(info.value)
    assert info.value.issues[0].path[:3] == ("modules", "diagnosis_gap", "checklist")
    with pytest.raises(InputError) as info:
        run(audit(module={"weights": {"accuracy": 1, "speed": 1}}))
    assert "unknown sub-score 'speed'" in str(info.value)


def test_partial_weights_add_to_the_defaults():
    r = run(audit(module={"weights": {"checklist": 0}, "checklist": {"customers": "no"}}))
    assert r.data["weights"] == {"accuracy": 0.4, "priorities": 0.2, "listening": 0.2, "checklist": 0}
    assert r.score == r.data["subscores"]["accuracy"]


def test_result_is_json_serialisable_chart_data():
    r = run(audit(evidence={"listening": {"survey_cadence": "monthly", "complaint_channels": ["a", "b"]}}))
    json.dumps(r.data)
    assert set(r.data) >= {"items", "dimensions", "importance", "listening", "subscores", "weights"}


# --- shared helpers used here ----------------------------------------------------------------------

def test_shared_helpers():
    assert combine_subscores({"a": 80.0, "b": None, "c": 50.0}, {"a": 2, "b": 1, "c": 1}) == 70.0
    assert combine_subscores({"a": None}, {"a": 1}) is None
    assert check_weights({"a": 2}, {"a": 1, "b": 1}) == {"a": 2, "b": 1}
    with pytest.raises(ValueError):
        check_weights({"a": -1}, {"a": 1})
    assert importance_tiers({"a": 1, "b": 2, "c": 2, "d": 3}, 1 / 3) == (["d"], ["a"])
    assert importance_tiers({"a": 1, "b": 1, "c": 1}, 1 / 3) == ([], [])
