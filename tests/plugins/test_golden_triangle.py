"""golden_triangle: element → corner → triangle, the imbalance penalty, missing corners and monotonicity."""

from __future__ import annotations

import math
import types

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

import gapaudit_plugins.golden_triangle as golden_triangle_plugin
from gapaudit import hookimpl
from gapaudit.errors import InputError
from gapaudit.model.vocab import ELEMENTS, TRIANGLE
from gapaudit.testing import make_host, minimal_audit, run_audit
from gapaudit_plugins.golden_triangle.module import corner_score, power_mean, triangle_score


@pytest.fixture(scope="module")
def host():
    return make_host(golden_triangle_plugin, builtins=False, names=["golden_triangle"])


def run(host, evidence, modules=None, lang="en"):
    result = run_audit(minimal_audit(evidence=evidence, modules=modules or {}), host, lang=lang)
    return result.modules["golden_triangle"], result


def corner(m, c):
    return next(r for r in m.data["corners"] if r["corner"] == c)


def element(m, e):
    return next(x for r in m.data["corners"] for x in r["elements"] if x["element"] == e)


# rubric 1–5 → 0/25/50/75/100; worked by hand in test_hand_computed_triangle
RUBRIC = {"appearance": 5, "attitude": 4, "expression": 3,      # people: mean(100, 75, 50) = 75
          "store": 2, "equipment": 1,                           # hardware: mean(25, 0) = 12.5
          "products": 5, "process": 4, "service_system": 4}     # software: see complaint_handling
HANDLING = {
    "complaint_handling": [{"case": "K1", "apologise": "yes", "explain": "yes", "empathise": "yes",
                            "solve_quickly": "yes", "commit": "no", "thank": "partly"}],
    "complaints": [{"id": "C1", "resolved": True}, {"id": "C2", "resolved": True}, {"id": "C3"},
                   {"id": "C4", "resolved": True}],
}
# complaint handling: six steps 100 × (1+1+1+1+0+0.5)/6 = 75; resolution 3/4 = 75 → 75
SOFTWARE = (100 + 75 + 75 + 75) / 4


def test_hand_computed_triangle(host):
    m, _ = run(host, {"rubric": {"scores": RUBRIC}, **HANDLING})
    assert element(m, "complaint_handling")["score"] == pytest.approx(75)
    assert [s["kind"] for s in element(m, "complaint_handling")["sources"]] == ["six_steps", "complaint_log"]
    assert corner(m, "people")["score"] == 75 and corner(m, "hardware")["score"] == 12.5
    assert corner(m, "software")["score"] == pytest.approx(SOFTWARE)
    geometric = (75 * 12.5 * SOFTWARE) ** (1 / 3)
    assert m.score == round(geometric, 1)
    assert m.score == round(sps.gmean([75, 12.5, SOFTWARE]), 1)
    tri = m.data["triangle"]
    assert tri["arithmetic_mean"] == pytest.approx((75 + 12.5 + SOFTWARE) / 3)
    assert tri["imbalance_cost"] == pytest.approx(tri["arithmetic_mean"] - geometric)
    assert tri["spread"] == pytest.approx(SOFTWARE - 12.5)
    assert tri["balance"] == pytest.approx(12.5 / SOFTWARE)
    assert (tri["weakest_corner"], tri["weakest_element"]) == ("hardware", "equipment")
    weakest = next(f for f in m.findings if f.id == "golden_triangle.weakest")
    assert weakest.title == "Weakest corner: Hardware (12.5); weakest element: Equipment (0.0)"
    assert weakest.severity == "high"
    assert any(f.id == "golden_triangle.balance" for f in m.findings)


def test_a_weak_corner_drags_more_than_an_average(host):
    even, _ = run(host, {"rubric": {"scores": {e: 4 for e in ELEMENTS}}})
    uneven, _ = run(host, {"rubric": {"scores": {**{e: 5 for e in ELEMENTS}, "store": 1, "equipment": 2}}})
    # corners 75/75/75 vs 100/12.5/100: the same plain average of 70.8 would be kinder to the uneven store
    assert even.score == 75
    assert uneven.data["triangle"]["arithmetic_mean"] == pytest.approx(212.5 / 3)
    assert uneven.score == round((100 * 12.5 * 100) ** (1 / 3), 1) < uneven.data["triangle"]["arithmetic_mean"]
    assert not any(f.id == "golden_triangle.balance" for f in even.findings)


def test_power_setting_and_weights(host):
    ev = {"rubric": {"scores": RUBRIC}, **HANDLING}
    m, _ = run(host, ev, {"golden_triangle": {"power": -1}})
    assert m.score == round(sps.hmean([75, 12.5, SOFTWARE]), 1)
    m, _ = run(host, ev, {"golden_triangle": {"power": 1, "corner_weights": {"hardware": 2}}})
    assert m.score == round((75 + 2 * 12.5 + SOFTWARE) / 4, 1)
    m, _ = run(host, ev, {"golden_triangle": {"element_weights": {"equipment": 3}}})
    assert corner(m, "hardware")["score"] == pytest.approx((25 + 3 * 0) / 4)
    assert "p = -1" in " ".join(run(host, ev, {"golden_triangle": {"power": -1}})[0].methodology)


def test_power_mean_against_scipy():
    xs, ws = [90.0, 90.0, 30.0], [1.0, 2.0, 1.0]
    assert power_mean(xs, [1, 1, 1], 1) == pytest.approx(70)
    assert power_mean(xs, [1, 1, 1], 0) == pytest.approx((90 * 90 * 30) ** (1 / 3))
    assert power_mean(xs, [1, 1, 1], -1) == pytest.approx(54)
    for p in (-2, -1, 0.5, 1):
        assert power_mean(xs, ws, p) == pytest.approx(sps.pmean(xs, p, weights=ws))
    assert power_mean(xs, ws, 0) == pytest.approx(sps.gmean(xs, weights=ws))
    assert power_mean([80, 0, 90], [1, 1, 1], 0) == 0 and power_mean([80, 0, 90], [1, 1, 1], -1) == 0
    assert power_mean([80, 0, 90], [1, 0, 1], 0) == pytest.approx(math.sqrt(80 * 90))  # weight 0 drops out
    with pytest.raises(ValueError):
        power_mean([1.0], [0.0], 0)


def test_one_corner_without_evidence_is_no_data(host):
    scores = {e: 4 for e in ELEMENTS if e not in TRIANGLE["software"]}
    m, result = run(host, {"rubric": {"scores": scores}})
    assert m.score is None and m.grade is None
    assert m.reason == "no evidence for the Software corner; the triangle needs all three corners"
    assert corner(m, "people")["score"] == 75 and corner(m, "software")["score"] is None
    assert corner(m, "software")["missing"] == list(TRIANGLE["software"])
    assert m.data["triangle"]["weakest_corner"] in ("people", "hardware")
    assert result.overall.score is None
    # a chain that gives the corner no weight scores the other two
    m, _ = run(host, {"rubric": {"scores": scores}}, {"golden_triangle": {"corner_weights": {"software": 0}}})
    assert m.score == 75


def test_missing_elements_are_left_out_of_their_corner(host):
    m, _ = run(host, {"rubric": {"scores": {"appearance": 5, "store": 3, "products": 1}}})
    assert corner(m, "people")["score"] == 100 and corner(m, "people")["missing"] == ["attitude", "expression"]
    assert m.score == 0  # products at 0 make the software corner 0, and a zero corner zeroes the triangle
    assert any("Attitude" in n.detail and n.severity == "warning" for n in m.data_quality)


def test_all_not_applicable(host):
    ev = {"standards": [{"id": "S1", "title": "Uniform worn", "element": "appearance"}],
          "observations": [{"visit": "V1", "standard": "S1", "result": "na"}],
          "complaint_handling": [{"case": "K1", "apologise": "na", "thank": "na"}]}
    m, _ = run(host, ev)
    assert m.score is None and all(c["score"] is None for c in m.data["corners"])
    assert m.data["six_steps"]["score"] is None


def test_tagged_observations_and_survey(host):
    ev = {"questionnaire": {"items": [{"id": "T1", "text": "Store is clean", "dimension": "tangibles",
                                       "element": "store"}]},
          "survey_summary": [{"item": "T1", "n": 40, "perception": 5.5}],
          "standards": [{"id": "S1", "title": "Floor clean", "element": "store"},
                        {"id": "S2", "title": "Uniform", "element": "appearance"}],
          "observations": [{"visit": "V1", "standard": "S1", "result": "yes"},
                           {"visit": "V2", "standard": "S1", "result": "no"},
                           {"visit": "V3", "standard": "S2", "result": "yes", "element": "equipment"}],
          "rubric": {"scores": {"store": 1}}}
    m, _ = run(host, ev)
    store = element(m, "store")
    # observations 50 (one of two), survey summary 100 × (5.5 − 1) / 6 = 75 → 62.5; rubric set aside
    assert store["score"] == pytest.approx(62.5) and store["rubric_unused"]
    assert [(s["kind"], s["n"]) for s in store["sources"]] == [("observations", 2), ("survey", 40)]
    # an observation's own tag beats its standard's
    assert element(m, "equipment")["score"] == 100 and element(m, "appearance")["score"] is None


def test_actions(host):
    m, result = run(host, {"rubric": {"scores": RUBRIC}, **HANDLING})
    actions = {a.id: a for a in m.actions}
    assert actions["golden_triangle.equipment"].kind == "capex"
    assert actions["golden_triangle.store"].kind == "capex" and actions["golden_triangle.store"].horizon == "long"
    assert actions["golden_triangle.expression"].kind == "management"
    assert set(actions["golden_triangle.equipment"].finding_ids) == {"golden_triangle.hardware.equipment",
                                                                      "golden_triangle.hardware"}
    # complaint handling is weak (75 is not; make it so) → the specific six-step action replaces the generic one
    weak = {**HANDLING, "complaints": [{"id": "C1"}, {"id": "C2"}]}
    m, _ = run(host, {"rubric": {"scores": RUBRIC}, **weak})
    ids = {a.id for a in m.actions}
    assert "complaints.six_steps" in ids and "golden_triangle.complaint_handling" not in ids
    m, _ = run(host, {"rubric": {"scores": {**RUBRIC, "complaint_handling": 1}}})
    assert "golden_triangle.complaint_handling" in {a.id for a in m.actions}


def test_critical_item_caps_the_grade(host):
    ev = {"rubric": {"scores": {e: 5 for e in ELEMENTS}},
          "standards": [{"id": "S1", "title": "Fire exits clear", "critical": True}],
          "observations": [{"visit": "V1", "standard": "S1", "result": "partly"}]}
    m, result = run(host, ev)
    assert m.score == 100 and m.grade == "C" and m.grade_cap == "C" and result.overall.grade == "C"


def test_chain_defaults_through_the_hook():
    chain = types.SimpleNamespace()

    @hookimpl
    def gapaudit_audit_defaults():
        return {"modules": {"golden_triangle": {"power": 1, "weak_below": 80, "severe_below": 10}}}

    chain.gapaudit_audit_defaults = gapaudit_audit_defaults
    host = make_host(golden_triangle_plugin, chain, builtins=False, names=["golden_triangle", "acme"])
    m, _ = run(host, {"rubric": {"scores": RUBRIC}, **HANDLING})
    assert m.score == round((75 + 12.5 + SOFTWARE) / 3, 1)
    assert next(f for f in m.findings if f.id == "golden_triangle.people.appearance" or
                f.id == "golden_triangle.people.attitude").severity == "medium"
    m, _ = run(host, {"rubric": {"scores": RUBRIC}, **HANDLING}, {"golden_triangle": {"power": 0}})
    assert m.score == round(sps.gmean([75, 12.5, SOFTWARE]), 1)


@pytest.mark.parametrize("block, where, message", [
    ({"power": 2}, "modules.golden_triangle.power", "less than or equal to 1"),
    ({"element_weights": {"store": 0, "equipment": 0}}, "modules.golden_triangle.element_weights", "'hardware'"),
    ({"corner_weights": {"people": 0, "hardware": 0, "software": 0}}, "modules.golden_triangle.corner_weights",
     "above 0"),
    ({"weak_below": 40, "severe_below": 60}, "modules.golden_triangle", "must not exceed"),
])
def test_bad_settings_are_located(host, block, where, message):
    with pytest.raises(InputError) as info:
        run(host, {}, {"golden_triangle": block})
    assert where in str(info.value) and message in str(info.value)


def test_chinese_report(host):
    m, _ = run(host, {"rubric": {"scores": RUBRIC}, **HANDLING}, lang="zh")
    weakest = next(f for f in m.findings if f.id == "golden_triangle.weakest")
    assert weakest.title == "最弱的角：硬件（12.5）；最弱的要素：设备设施（0.0）"
    assert all(not r.isascii() for r in m.methodology)


# --- monotonicity: improving one element never lowers the score -------------------------------------

element_scores = st.fixed_dictionaries({e: st.one_of(st.none(), st.floats(0, 100)) for e in ELEMENTS})


@settings(max_examples=500, deadline=None)
@given(element_scores, st.sampled_from(ELEMENTS), st.floats(0, 100), st.sampled_from([1, 0.5, 0, -1, -3]),
       st.fixed_dictionaries({e: st.floats(0.1, 5) for e in ELEMENTS}))
def test_triangle_never_falls_when_one_element_improves(scores, target, gain, p, weights):
    def triangle(s):
        corners = {c: corner_score({e: s[e] for e in els}, weights) for c, els in TRIANGLE.items()}
        return triangle_score(corners, {c: 1.0 for c in TRIANGLE}, p)
    before = triangle(scores)
    if before is None or scores[target] is None:
        return
    after = triangle({**scores, target: min(100.0, scores[target] + gain)})
    assert after >= before - 1e-9 * max(1.0, before)


@settings(max_examples=25, deadline=None)
@given(st.fixed_dictionaries({e: st.integers(1, 5) for e in ELEMENTS}), st.sampled_from(ELEMENTS))
def test_module_score_never_falls_end_to_end(rubric, target):
    host = make_host(golden_triangle_plugin, builtins=False, names=["golden_triangle"])
    base = run(host, {"rubric": {"scores": rubric}})[0].score
    if rubric[target] < 5:
        assert run(host, {"rubric": {"scores": {**rubric, target: rubric[target] + 1}}})[0].score >= base


def test_both_modules_share_one_complaint_action():
    import gapaudit_plugins.eight_factor as eight_factor_plugin

    host = make_host(eight_factor_plugin, golden_triangle_plugin, builtins=False,
                     names=["eight_factor", "golden_triangle"])
    ev = {"rubric": {"scores": {**RUBRIC, "technique": 3, "management": 3}}, **HANDLING}
    result = run_audit(minimal_audit(evidence=ev), host)
    shared = [a for a in result.actions if a.id == "complaints.six_steps"]
    assert len(shared) == 1 and shared[0].gap == "eight_factor"
    assert set(shared[0].finding_ids) == {"eight_factor.complaints.six_steps", "golden_triangle.complaints.six_steps"}
    # the complaint log's own findings are reported once, by eight_factor
    assert not [f for f in result.modules["golden_triangle"].findings if f.id.endswith("complaints.iceberg")]
    assert not [n for n in result.modules["golden_triangle"].data_quality if n.topic == "complaints"]
