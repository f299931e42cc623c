"""Problems and impact: one attribute failing everywhere is one problem, its action first, its impact exact."""

from __future__ import annotations

import statistics

import pytest

from fitting_room import fitting_room_audit
from gapaudit.model.result import RemoveTarget, ShareTarget, SurveyGapTarget
from gapaudit.testing import make_host, run_audit


@pytest.fixture(scope="module")
def host():
    return make_host()


@pytest.fixture(scope="module")
def result(host):
    return run_audit(fitting_room_audit(), host)


def test_the_failing_attribute_is_one_problem(result):
    assert [p.id for p in result.problems] == ["problem.standard.FITROOM"]
    problem = result.problems[0]
    assert problem.items == ["FIT"] and problem.standards == ["FITROOM"]
    assert problem.complaint_categories == ["fitting rooms"]
    # management does not know → … : the chain breaks first at the diagnosis
    assert problem.breaks_at == "diagnosis"
    found_by = {e.module for e in problem.evidence}
    assert found_by == {"diagnosis_gap", "pharmacy_gap", "outcome_gap", "eight_factor"}
    links = {e.link for e in problem.evidence}
    assert links == {"diagnosis", "pharmacy", "outcome"}


def test_its_action_leads_the_plan_with_the_others_as_steps(result):
    lead = result.actions[0]
    problem = result.problems[0]
    assert lead.role == "lead" and lead.problem == problem.id and problem.actions[0] == lead.id
    steps = [a for a in result.actions if a.role == "step"]
    assert {a.id for a in steps} == set(lead.steps)
    assert all(a.problem == problem.id for a in steps)
    # the steps follow their lead directly
    assert [a.id for a in result.actions[1:1 + len(steps)]] == lead.steps
    # no other action outranks it, and it is worth more than any of its steps alone
    assert all(lead.impact.overall >= a.impact.overall for a in steps)
    findings = [f for m in result.modules.values() for f in m.findings if f.facts]
    assert findings and all(f.problems == [problem.id] for f in findings)


def test_the_lead_aims_at_every_link_of_the_chain(result):
    lead = result.actions[0]
    kinds = {(type(t).__name__, t.about) for t in lead.targets}
    assert kinds == {("SetTarget", "item:FIT"), ("ShareTarget", "standard:FITROOM"),
                     ("SurveyGapTarget", "item:FIT"), ("RemoveTarget", "complaint:fitting rooms")}


def _edit_by_hand(data: dict) -> dict:
    """The fitting-room problem put right, the way an auditor would edit the files."""
    ev = data["evidence"]
    rows = ev["survey"]["responses"]
    exp = [r["E_FIT"] for r in rows]
    imp = [r["I_FIT"] for r in rows]
    # management: estimates customers' expectation and importance as they are, and invests
    for m in ev["management"]:
        if m["item"] == "FIT":
            m.update(expectation=statistics.fmean(exp), importance=statistics.fmean(imp), invests="yes")
    # mystery visits: the first failing FITROOM visits compliant until 9 of 10 (90 %) are
    failing = [o for o in ev["observations"] if o["standard"] == "FITROOM" and o["result"] == "no"]
    for o in failing[:7]:
        o["result"] = "yes"
    # customers: every perception raised by the same amount until the mean gap is −0.6 (10 % of the 1–7 range)
    gap = statistics.fmean([r["P_FIT"] - r["E_FIT"] for r in rows])
    delta = -0.6 - gap
    assert max(r["P_FIT"] for r in rows) + delta <= 7  # no perception reaches the top: one shift for all
    for r in rows:
        r["P_FIT"] = r["P_FIT"] + delta
    # complaints about fitting rooms no longer arise
    ev["complaints"] = [c for c in ev["complaints"] if c["category"] != "fitting rooms"]
    return data


def test_impact_equals_the_score_difference_of_editing_the_evidence_by_hand(host, result):
    lead = result.actions[0]
    edited = run_audit(_edit_by_hand(fitting_room_audit()), host)
    assert lead.impact.overall == pytest.approx(round(edited.overall.score - result.overall.score, 1), abs=1e-9)
    assert lead.impact.overall > 0
    for mid, delta in lead.impact.modules.items():
        assert delta == pytest.approx(round(edited.modules[mid].score - result.modules[mid].score, 1), abs=1e-9)
    changed = {m for m in result.modules if edited.modules[m].score != result.modules[m].score}
    assert changed == set(lead.impact.modules)
    assert lead.impact.grade == (edited.overall.grade if edited.overall.grade != result.overall.grade else None)


def test_customers_kept_follow_the_complaint_analytics(result):
    impact = result.actions[0].impact
    # 14 fitting-room complaints, all resolved quickly, over 90 days: each stands for 25 dissatisfied customers
    # (24 silent, return 9 %; the complainant, resolved quickly, returns 82 %)
    lost_each = 24 * (1 - 0.09) + 1 * (1 - 0.82)
    assert impact.customers_per_year == pytest.approx(round(14 * lost_each * 365 / 90, 1), abs=0.05)
    assert "× 365 ÷ 90" in impact.customers_note


def test_each_step_alone_is_measured_too(host, result):
    step = next(a for a in result.actions if a.id == "pharmacy_gap.standard.FITROOM")
    assert [type(t) for t in step.targets] == [ShareTarget]
    data = fitting_room_audit()
    failing = [o for o in data["evidence"]["observations"] if o["standard"] == "FITROOM" and o["result"] == "no"]
    for o in failing[:7]:
        o["result"] = "yes"
    edited = run_audit(data, host)
    assert step.impact.overall == pytest.approx(round(edited.overall.score - result.overall.score, 1), abs=1e-9)
    assert step.impact.customers_per_year is None and "complaint log" in step.impact.customers_note


def test_priority_is_the_expected_gain(result):
    for a in result.actions:
        if a.impact is not None and a.impact.overall is not None:
            conf = a.priority_basis["confidence"]
            assert a.priority == pytest.approx(round(max(a.impact.overall, 0) * conf, 1), abs=1e-9)
        else:
            assert a.priority == 0 and a.impact_note


def test_without_the_link_the_complaints_stay_outside_the_problem(host):
    data = fitting_room_audit()
    del data["links"]
    result = run_audit(data, host)
    assert result.problems[0].complaint_categories == []
    assert not any(isinstance(t, RemoveTarget) for t in result.actions[0].targets)


def test_targets_are_typed_and_in_the_json(result):
    data = result.model_dump(mode="json")
    lead = data["actions"][0]
    assert {t["kind"] for t in lead["targets"]} == {"set", "share", "survey_gap", "remove"}
    assert data["problems"][0]["actions"][0] == lead["id"]
    assert data["subjects"]["item:FIT"] == "I get a fitting room without waiting"
    assert set(lead["impact"]) >= {"overall", "modules", "customers_per_year", "basis"}
    assert SurveyGapTarget.model_validate(next(t for t in lead["targets"] if t["kind"] == "survey_gap")).value == -0.6
