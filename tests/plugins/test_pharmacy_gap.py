"""pharmacy_gap (Gap 3): hand-computed cases, an independent numpy/scipy cross-check on generated
visits, too-few-visits and no-data paths, root causes, zh/en and stable output."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from module_helpers import CJK, metric, module_runner
from scipy import stats as sps

import gapaudit_plugins.pharmacy_gap as plugin
from gapaudit.errors import InputError
from gapaudit.analysis.scoring import SEVERITY_WEIGHT
from gapaudit.testing import make_host, minimal_audit, run_audit
from gapaudit_plugins.pharmacy_gap.questions import QUESTIONS

HOST = make_host(plugin, builtins=False)
run = module_runner(HOST, "pharmacy_gap")

STANDARDS = [
    {"id": "GREET", "title": "Greet within 10 seconds", "covers": ["A"]},
    {"id": "WALK", "title": "Walk the customer to the shelf", "covers": ["A", "B"], "owner_role": "Floor lead"},
    {"id": "RECEIPT", "title": "Offer the receipt"},
]


def obs(visit, standard, result, shift=None, role=None):
    row = {"visit": visit, "standard": standard, "result": result}
    if shift:
        row["shift"] = shift
    if role:
        row["role"] = role
    return row


# GREET: 4 yes + 1 no = 4/5; WALK: 3 yes, 1 partly, 1 na = 3/4; RECEIPT: 1 yes, 4 no = 1/5
HAND_OBS = (
    [obs(f"V{v}", "GREET", r) for v, r in enumerate(["yes", "yes", "no", "yes", "yes"])]
    + [obs(f"V{v}", "WALK", r) for v, r in enumerate(["yes", "partly", "yes", "na", "yes"])]
    + [obs(f"V{v}", "RECEIPT", r) for v, r in enumerate(["no", "no", "yes", "no", "no"])]
)


def audit(observations=HAND_OBS, standards=STANDARDS, module=None, evidence=None, **top):
    ev = {"standards": standards, "observations": observations}
    if any(s.get("covers") for s in standards):
        ev["questionnaire"] = {"items": [{"id": "A", "text": "Quick greeting", "dimension": "responsiveness"},
                                         {"id": "B", "text": "Help finding goods", "dimension": "empathy"}]}
    ev.update(evidence or {})
    return minimal_audit(evidence=ev, modules={"pharmacy_gap": module or {}}, **top)


def row(result, sid):
    return next(r for r in result.data["standards"] if r["id"] == sid)


def wilson_reference(k, n, conf=0.95):
    """Wilson score interval written out independently (scipy for z)."""
    z = sps.norm.ppf(0.5 + conf / 2)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


# --- hand-computed ----------------------------------------------------------------------------

def test_hand_computed_rates_statuses_and_score():
    r = run(audit())
    assert [row(r, s)["rate"] for s in ("GREET", "WALK", "RECEIPT")] == [0.8, 0.75, 0.2]
    walk = row(r, "WALK")
    assert (walk["compliant"], walk["partly"], walk["not_compliant"], walk["na"], walk["n"]) == (3, 1, 0, 1, 4)
    # mean of ratios, not the pooled 8/14
    assert r.data["subscores"]["delivery"] == pytest.approx(100 * (0.8 + 0.75 + 0.2) / 3, abs=0.05)
    assert r.score == r.data["subscores"]["delivery"]  # no checklist: the score rests on delivery alone
    pooled = metric(r, "pharmacy_gap.compliance_pooled")
    assert pooled.value == pytest.approx(100 * 8 / 14, abs=0.05) and pooled.n == 14
    # Wilson 4/5 at 95 %: [0.376, 0.964] (published value)
    assert row(r, "GREET")["ci_low"] == pytest.approx(0.3755, abs=1e-4)
    assert row(r, "GREET")["ci_high"] == pytest.approx(0.9638, abs=1e-4)
    # target 0.9: GREET's interval still reaches it, RECEIPT's does not
    assert row(r, "GREET")["status"] == "possible_shortfall"
    assert row(r, "RECEIPT")["status"] == "shortfall"
    assert r.data["worst"] == ["RECEIPT", "WALK", "GREET"]
    assert r.data["visits"] == 5
    worst = next(f for f in r.findings if f.id == "pharmacy_gap.worst_standards")
    assert worst.severity == "high" and worst.evidence[0].startswith("Offer the receipt (RECEIPT): 20%")


def test_checklist_is_a_weighted_sub_score():
    answers = {q.id: "yes" for q in QUESTIONS}
    r = run(audit(module={"checklist": answers}))
    delivery = r.data["subscores"]["delivery"]
    assert r.data["subscores"]["checklist"] == 100.0
    assert r.score == pytest.approx(round(0.8 * delivery + 0.2 * 100, 1))
    r2 = run(audit(module={"checklist": answers, "weights": {"checklist": 0}}))
    assert r2.score == delivery


def test_target_and_met_status():
    r = run(audit(module={"target": 0.75}))
    assert row(r, "GREET")["status"] == "met"
    assert row(r, "WALK")["status"] == "met"  # 0.75 reaches the target exactly
    assert r.data["worst"] == ["RECEIPT"]


# --- too few visits and no data ---------------------------------------------------------------------

def test_too_few_visits_is_a_finding_not_a_score():
    few = [o for o in HAND_OBS if o["visit"] in ("V0", "V1", "V2")]
    r = run(audit(observations=few))
    assert r.score is None and "at least 5" in r.reason
    finding = next(f for f in r.findings if f.id == "pharmacy_gap.too_few_visits")
    assert "3 of the 5" in finding.title
    assert metric(r, "pharmacy_gap.standard.GREET").ci_low is not None  # rates still shown with intervals
    assert r.data["subscores"]["delivery"] is None
    assert any(n.severity == "warning" and "at least 5" in n.detail for n in r.data_quality)


def test_too_few_visits_with_checklist_scores_on_the_checklist_and_says_so():
    few = [o for o in HAND_OBS if o["visit"] in ("V0", "V1")]
    r = run(audit(observations=few, module={"checklist": {"service_in_appraisal": "partly"}}))
    assert r.score == 50.0
    assert any("checklist only" in n.detail for n in r.data_quality)


def test_min_visits_setting():
    r = run(audit(module={"min_visits": 6}))
    assert r.score is None and "at least 6" in r.reason


def test_no_evidence_is_no_data():
    r = run(minimal_audit())
    assert r.score is None and "no delivery observations" in r.reason
    assert r.grade is None


def test_standards_without_observations():
    r = run(audit(observations=[]))
    assert r.score is None
    assert any("no visit observed them" in n.detail for n in r.data_quality)


def test_all_not_applicable_is_no_data():
    r = run(audit(observations=[obs(f"V{v}", "GREET", "na") for v in range(6)]))
    assert r.score is None and "not applicable" in r.reason
    assert row(r, "GREET")["status"] == "not_observed"
    assert any(f.id == "pharmacy_gap.not_observed" for f in r.findings)


def test_unobserved_standard_is_listed():
    r = run(audit(observations=[o for o in HAND_OBS if o["standard"] != "RECEIPT"]))
    finding = next(f for f in r.findings if f.id == "pharmacy_gap.not_observed")
    assert finding.evidence == ["RECEIPT: Offer the receipt"]
    assert r.data["subscores"]["delivery"] == pytest.approx(100 * (0.8 + 0.75) / 2, abs=0.05)


# --- critical standards, shifts, roles, variability ----------------------------------------------------

def test_critical_failure_caps_the_grade():
    stds = [dict(STANDARDS[0], critical=True)] + STANDARDS[1:]
    result = run_audit(audit(standards=stds), HOST)
    r = result.modules["pharmacy_gap"]
    assert r.grade_cap == "C"
    assert any(f.id == "pharmacy_gap.critical_failures" and f.severity == "critical" for f in r.findings)
    action = next(a for a in r.actions if a.id == "pharmacy_gap.standard.GREET")
    assert action.priority_basis["severity"] == SEVERITY_WEIGHT["critical"]
    assert action.priority_basis["confidence"] == 1.0


def test_critical_failure_above_target_still_gets_an_action():
    rows = [obs(f"V{v}", "GREET", "no" if v == 0 else "yes") for v in range(20)]
    stds = [dict(STANDARDS[0], critical=True)]
    r = run(audit(observations=rows, standards=stds))
    assert row(r, "GREET")["status"] == "met" and row(r, "GREET")["critical_failure"]
    assert r.grade_cap == "C" and r.data["worst"] == []
    action = next(a for a in r.actions if a.id == "pharmacy_gap.standard.GREET")
    assert action.priority_basis["severity"] == 1.0 and "100%" in action.title


def test_critical_cap_must_be_a_grade():
    stds = [dict(STANDARDS[0], critical=True)] + STANDARDS[1:]
    r = run(audit(standards=stds, module={"critical_cap": "Z"}))
    assert r.grade_cap is None
    assert any("not one of the grade bands" in n.detail for n in r.data_quality)


def test_weak_shift_and_variable_standard():
    rows = []
    for v in range(10):
        shift = "night" if v % 2 else "day"
        for s in ("GREET", "WALK"):
            ok = shift == "day" or (s == "WALK")
            rows.append(obs(f"V{v}", s, "yes" if ok else "no", shift=shift, role="clerk"))
    r = run(audit(observations=rows, standards=STANDARDS[:2]))
    night = next(g for g in r.data["shifts"] if g["group"] == "night")
    assert (night["n"], night["compliant"], night["weak"]) == (10, 5, True)
    assert next(g for g in r.data["shifts"] if g["group"] == "day")["weak"] is False
    assert night["expected"] == 1.0  # the day shift on the same standards
    assert r.data["roles"] == [{"group": "clerk", "n": 20, "compliant": 15, "rate": 0.75,
                                "ci_low": pytest.approx(wilson_reference(15, 20)[0], abs=1e-4),
                                "ci_high": pytest.approx(wilson_reference(15, 20)[1], abs=1e-4),
                                "expected": None, "weak": False}]
    greet = row(r, "GREET")
    assert (greet["spread"], greet["spread_by"]) == (1.0, "shift")
    assert r.data["variable"] == ["GREET"]
    assert any(a.id == "pharmacy_gap.shift.night" for a in r.actions)


def test_groups_are_compared_on_the_same_standards():
    # the cashier alone delivers the hard RECEIPT standard: that is the standard's problem, not the cashier's
    rows = []
    for v in range(10):
        rows.append(obs(f"V{v}", "GREET", "yes" if v else "no", role="floor"))
        rows.append(obs(f"V{v}", "GREET", "yes" if v != 5 else "no", role="cashier"))
        rows.append(obs(f"V{v}", "RECEIPT", "yes" if v < 3 else "no", role="cashier"))
    r = run(audit(observations=rows))
    cashier = next(g for g in r.data["roles"] if g["group"] == "cashier")
    floor = next(g for g in r.data["roles"] if g["group"] == "floor")
    assert cashier["rate"] == pytest.approx(12 / 20)  # pooled over everything the cashier does
    assert wilson_reference(12, 20)[1] < floor["rate"]  # a pooled comparison would call the cashier weak
    assert cashier["expected"] == 0.9 and cashier["weak"] is False  # on GREET alone: 9/10 against 9/10
    assert not any(f.id.startswith("pharmacy_gap.weak_role") for f in r.findings)


def test_small_groups_are_not_compared():
    rows = [obs(f"V{v}", "GREET", "no" if v < 3 else "yes", shift="night" if v < 3 else "day") for v in range(8)]
    r = run(audit(observations=rows, standards=STANDARDS[:1]))
    assert all(not g["weak"] for g in r.data["shifts"])  # night has only 3 observations
    assert row(r, "GREET")["spread"] is None


# --- root causes and actions -------------------------------------------------------------------------

def test_root_causes_become_actions_with_evidence():
    stds = [dict(STANDARDS[0]), dict(STANDARDS[1], too_complex=True, known_by_staff="no"), STANDARDS[2]]
    module = {"checklist": {"service_in_appraisal": "no", "standards_practicable": {"answer": "partly",
                                                                                   "evidence": "12-step greeting"}}}
    r = run(audit(standards=stds, module=module))
    ids = {a.id for a in r.actions}
    assert {"pharmacy_gap.cause.incentives", "pharmacy_gap.cause.complexity", "pharmacy_gap.cause.training"} <= ids
    complexity = next(a for a in r.actions if a.id == "pharmacy_gap.cause.complexity")
    assert any("12-step greeting" in e for e in complexity.evidence)  # the checklist answer
    assert any("WALK" in e and "too complex" in e for e in complexity.evidence)  # the standard's own record
    training = next(a for a in r.actions if a.id == "pharmacy_gap.cause.training")
    assert any("known by staff: no" in e for e in training.evidence)
    causes = {c["topic"]: c for c in r.data["root_causes"]}
    assert causes["incentives"]["no"] == 1 and causes["complexity"]["partly"] == 1
    assert list(causes) == ["training", "monitoring", "incentives", "complexity", "systems", "culture"]
    assert len(ids) == len(r.actions)  # one action per id


def test_standard_action_priority_is_explainable():
    summary = [{"item": "A", "n": 40, "expectation": 6, "perception": 5, "importance": 6.4},
               {"item": "B", "n": 40, "expectation": 6, "perception": 5, "importance": 4.0}]
    r = run(audit(evidence={"survey_summary": summary}))
    walk = next(a for a in r.actions if a.id == "pharmacy_gap.standard.WALK")
    # importance = the highest of the covered items A and B: (6.4 − 1) / 6
    assert walk.priority_basis["importance"] == pytest.approx(0.9, abs=1e-3)
    assert walk.owner_role == "Floor lead"
    receipt = next(a for a in r.actions if a.id == "pharmacy_gap.standard.RECEIPT")
    assert receipt.priority_basis["importance"] == 0.75  # covers no item: the shared default
    for a in r.actions:
        b = a.priority_basis
        assert a.priority == pytest.approx(round(100 * b["severity"] * b["importance"] * b["confidence"], 1),
                                           abs=0.11)
    # confidence: one-sided score test of the rate against the target
    k, n, t = 1, 5, 0.9
    expected = sps.norm.cdf((t - k / n) / np.sqrt(t * (1 - t) / n))
    assert receipt.priority_basis["confidence"] == pytest.approx(expected, abs=1e-3)


# --- independent cross-check on generated visits ----------------------------------------------------

@pytest.mark.parametrize("seed", [1, 7, 42])
def test_against_independent_numpy_computation(seed):
    rng = random.Random(seed)
    stds = [{"id": f"S{i}", "title": f"Standard {i}"} for i in range(6)]
    rows = []
    for v in range(rng.randint(6, 30)):
        shift = rng.choice(["am", "pm", "eve"])
        role = rng.choice(["cashier", "floor"])
        for s in stds:
            if rng.random() < 0.15:
                continue
            rows.append(obs(f"V{v}", s["id"], rng.choices(["yes", "no", "partly", "na"], [6, 2, 1, 1])[0],
                            shift=shift, role=role))
    r = run(audit(observations=rows, standards=stds, module={"confidence": 0.9}))
    res = np.array([o["result"] for o in rows])
    std = np.array([o["standard"] for o in rows])
    rates = []
    for s in stds:
        mask = (std == s["id"]) & (res != "na")
        k, n = int(np.sum(res[mask] == "yes")), int(np.sum(mask))
        got = row(r, s["id"])
        assert got["n"] == n and got["compliant"] == k
        if n:
            rates.append(k / n)
            lo, hi = wilson_reference(k, n, 0.9)
            assert got["rate"] == pytest.approx(k / n, abs=1e-4)
            assert got["ci_low"] == pytest.approx(lo, abs=1e-4) and got["ci_high"] == pytest.approx(hi, abs=1e-4)
    assert r.data["subscores"]["delivery"] == pytest.approx(100 * np.mean(rates), abs=0.05)
    for kind, key in (("shifts", "shift"), ("roles", "role")):
        groups = np.array([o[key] for o in rows])
        for g in r.data[kind]:
            mask = (groups == g["group"]) & (res != "na")
            assert g["n"] == int(mask.sum()) and g["compliant"] == int(np.sum(res[mask] == "yes"))
            # others' rate per standard, weighted by the group's observations of that standard
            num = den = 0.0
            for s in stds:
                mine = mask & (std == s["id"])
                others = (groups != g["group"]) & (res != "na") & (std == s["id"])
                if mine.sum() and others.sum():
                    num += mine.sum() * np.mean(res[others] == "yes")
                    den += mine.sum()
            assert g["expected"] == (pytest.approx(num / den, abs=1e-4) if den else None)


# --- input errors, languages, stability ---------------------------------------------------------------

def test_unknown_checklist_question_is_a_located_error():
    with pytest.raises(InputError) as info:
        run(audit(module={"checklist": {"service_in_apraisal": "no"}}))
    msg = info.value.format()
    assert "modules.pharmacy_gap.checklist" in msg and "did you mean 'service_in_appraisal'" in msg


def test_unknown_weight_is_an_error():
    with pytest.raises(InputError, match="unknown sub-score 'delivry'"):
        run(audit(module={"weights": {"delivry": 1}}))


def test_zh_and_en_give_the_same_numbers_in_their_own_words():
    module = {"checklist": {"service_in_appraisal": "no"}}
    en, zh = run(audit(module=module), "en"), run(audit(module=module), "zh")
    assert en.score == zh.score and en.data["standards"] == zh.data["standards"]
    assert [a.priority for a in en.actions] == [a.priority for a in zh.actions]
    assert CJK.search(zh.title) and not CJK.search(en.title)
    for text in [f.title for f in zh.findings] + [a.title for a in zh.actions] + zh.methodology:
        assert CJK.search(text), text
    for text in [f.title for f in en.findings] + [a.title for a in en.actions] + en.methodology:
        assert not CJK.search(text), text


def test_stable_output_for_equal_input():
    data = audit(module={"checklist": {"service_in_appraisal": "no"}})
    first = json.dumps(run(data).model_dump(mode="json"), sort_keys=True)
    assert json.dumps(run(data).model_dump(mode="json"), sort_keys=True) == first
    shuffled = audit(observations=list(reversed(HAND_OBS)), module={"checklist": {"service_in_appraisal": "no"}})
    again = run(shuffled)
    assert again.score == run(data).score
    assert again.data["standards"] == run(data).data["standards"]
    assert [(a.id, a.priority) for a in again.actions] == [(a.id, a.priority) for a in run(data).actions]


def test_methodology_states_every_rule():
    text = " ".join(run(audit()).methodology)
    for phrase in ("mean of ratios", "'partly' counts as not compliant", "'not applicable'", "Wilson",
                   "ratio of sums", "critical", "checklist", "confidence"):
        assert phrase in text, phrase
