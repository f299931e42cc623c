"""prescription_gap (Gap 2): hand-computed coverage, sound-standard rules, no-data paths, zh/en, stable priority."""

from __future__ import annotations

import copy

import pytest
from module_helpers import CJK, action, module_runner

import gapaudit_plugins.prescription_gap as plugin
from gapaudit.errors import InputError
from gapaudit.render.data import to_json
from gapaudit.testing import make_host, minimal_audit, run_audit

HOST = make_host(plugin, builtins=False)
run = module_runner(HOST, "prescription_gap")

ITEMS = [{"id": "A", "text": "Goods in stock", "dimension": "reliability"},
         {"id": "B", "text": "Prices right at the till", "dimension": "reliability"},
         {"id": "C", "text": "Staff notice my needs", "dimension": "empathy"},
         {"id": "D", "text": "Clean store", "dimension": "tangibles"},
         {"id": "E", "text": "Safe payment", "dimension": "assurance"},
         {"id": "F", "text": "Short queues", "dimension": "responsiveness"}]
# importance on 1..7 → 0–1: A 1.0, B 0.9, C 0.4, D 0.7, E 0.5, F 0.8 → most important A, B; least C, E
IMPORTANCE = {"A": 7.0, "B": 6.4, "C": 3.4, "D": 5.2, "E": 4.0, "F": 5.8}
W = {k: (v - 1) / 6 for k, v in IMPORTANCE.items()}
ALL_YES = dict(documented="yes", specific="yes", customer_side="yes", consistent="yes", known_by_staff="yes",
               management_support="yes")
STANDARDS = [
    {"id": "S1", "title": "Shelf check", "covers": ["A"], **ALL_YES, "known_by_staff": "partly"},  # 5.5/6, sound
    {"id": "S2", "title": "Price check", "covers": ["B", "C"], **ALL_YES, "documented": "no"},  # 5/6, not written
    {"id": "S3", "title": "Cleaning rota", "covers": ["D"], "documented": "yes", "specific": "yes",
     "customer_side": "na", "known_by_staff": "yes", "management_support": "yes", "too_complex": True},  # 1.0, flagged
    {"id": "S4", "title": "Card terminal", "covers": ["E"]},  # unrated
    {"id": "S5", "title": "Dress code", "covers": [], "documented": "yes"},  # linked to no item
]


def audit(standards=STANDARDS, module=None, survey=True, lang="en"):
    ev = {"questionnaire": {"items": ITEMS}, "standards": standards}
    if survey:
        ev["survey_summary"] = [{"item": k, "n": 40, "importance": v} for k, v in IMPORTANCE.items()]
    return minimal_audit(evidence=ev, modules={"prescription_gap": module or {}}, audit={"language": lang})


# --- standards ---------------------------------------------------------------------------------

def test_standard_quality_and_soundness():
    r = run(audit())
    std = {s["id"]: s for s in r.data["standards"]}
    assert std["S1"]["quality"] == pytest.approx(round(5.5 / 6, 3)) and std["S1"]["sound"]
    assert std["S2"]["quality"] == pytest.approx(round(5 / 6, 3)) and not std["S2"]["sound"]  # undocumented
    assert std["S3"]["quality"] == 1.0 and std["S3"]["rated"] == 4 and not std["S3"]["sound"]  # n/a, blank out
    assert std["S4"]["quality"] is None and not std["S4"]["sound"]
    assert std["S5"]["sound"]  # one 'yes': sound, but flagged as thinly rated
    notes = {n.topic: n for n in r.data_quality}
    assert "S4" in notes["unrated standards"].detail and "S5" in notes["thinly rated standards"].detail
    sound = next(m for m in r.metrics if m.id == "prescription_gap.standards_sound")
    assert (sound.value, sound.n) == (50.0, 4)


def test_item_coverage_status_and_matrix():
    r = run(audit())
    items = {i["id"]: i for i in r.data["items"]}
    assert {k: v["status"] for k, v in items.items()} == {
        "A": "sound", "B": "weak", "C": "weak", "D": "weak", "E": "unrated", "F": "none"}
    assert items["F"]["coverage"] == 0.0 and items["E"]["coverage"] is None
    assert {k: v["tier"] for k, v in items.items()} == {"A": "high", "B": "high", "C": "low", "D": None,
                                                         "E": "low", "F": None}
    assert {(c["item"], c["standard"]) for c in r.data["matrix"]} == {
        ("A", "S1"), ("B", "S2"), ("C", "S2"), ("D", "S3"), ("E", "S4")}


def test_coverage_and_important_subscores_by_hand():
    r = run(audit())
    quality = {"A": 5.5 / 6, "B": 5 / 6, "C": 5 / 6, "D": 1.0, "F": 0.0}  # E (only unrated) is left out
    expected = 100 * sum(W[k] * q for k, q in quality.items()) / sum(W[k] for k in quality)
    sub = r.data["subscores"]
    assert sub["coverage"] == pytest.approx(round(expected, 1))  # 71.1: a ratio of sums
    assert sub["important"] == 50.0  # A sound, B weak
    assert r.score == pytest.approx((0.4 * sub["coverage"] + 0.4 * 50.0) / 0.8, abs=0.051)
    reliability = next(d for d in r.data["dimensions"] if d["dimension"] == "reliability")
    assert reliability == {"dimension": "reliability", "label": "Reliability", "items": 2, "covered": 2,
                           "sound": 1, "coverage": round(100 * (W["A"] * 5.5 / 6 + W["B"] * 5 / 6)
                                                         / (W["A"] + W["B"]), 1)}


def test_findings_and_actions_with_explainable_priority():
    r = run(audit())
    ids = {f.id: f for f in r.findings}
    assert ids["prescription_gap.weak_important"].severity == "medium"
    assert ids["prescription_gap.weak_standards"].severity == "high"  # S2 'no' covers important B
    assert ids["prescription_gap.unusable"].severity == "medium"  # S3 covers only D
    assert ids["prescription_gap.unlinked"].severity == "info" and "S5" in ids["prescription_gap.unlinked"].evidence[0]
    assert ids["prescription_gap.uncovered"].severity == "low"  # F is not among the most important
    documented = action(r, "prescription_gap.attr.documented")
    assert documented.priority == pytest.approx(round(100 * 0.8 * W["B"], 1))  # high × max(B, C) × 1
    known = action(r, "prescription_gap.attr.known_by_staff")
    assert known.priority == pytest.approx(round(100 * 0.4 * W["A"], 1))  # 'partly' → low
    simplify = action(r, "prescription_gap.simplify")
    assert simplify.priority == pytest.approx(round(100 * 0.6 * W["D"], 1))
    write = action(r, "prescription_gap.write_standards")
    assert write.priority == pytest.approx(round(100 * 0.4 * W["F"], 1)) and write.horizon == "long"
    assert [a.priority for a in r.actions] == sorted((a.priority for a in r.actions), reverse=True)


def test_uncovered_important_expectation_gets_its_own_action():
    standards = [s for s in STANDARDS if s["id"] != "S1"]
    r = run(audit(standards))
    finding = next(f for f in r.findings if f.id == "prescription_gap.uncovered_important")
    assert finding.severity == "high" and "A Goods in stock" in finding.evidence[0]
    write = action(r, "prescription_gap.write_standard.A")
    assert write.priority == pytest.approx(80.0) and write.horizon == "short"
    assert "Goods in stock" in write.title
    assert r.data["subscores"]["important"] == 0.0


# --- no data and declared absence ---------------------------------------------------------------

def test_no_standards_recorded_is_no_data():
    r = run(audit([]))
    assert r.score is None and "no service standards recorded" in r.reason
    assert r.data["items"] == [] and r.data["standards"] == [] and r.data["matrix"] == []
    zh = run(audit([]), "zh")
    assert "没有记录服务标准" in zh.reason


def test_declared_absence_of_standards_scores_zero_coverage():
    r = run(audit([], module={"no_written_standards": True}))
    assert r.score == 0.0
    assert r.data["subscores"] == {"coverage": 0.0, "important": 0.0, "checklist": None}
    assert {a.id for a in r.actions} >= {"prescription_gap.write_standard.A", "prescription_gap.write_standard.B"}


def test_no_questionnaire_is_no_data_but_standards_are_still_assessed():
    data = minimal_audit(evidence={"standards": [{"id": "S9", "title": "Greeting", "documented": "no"}]})
    r = run(data)
    assert r.score is None and "no questionnaire items" in r.reason
    assert r.data["standards"][0]["quality"] == 0.0
    assert any(a.id == "prescription_gap.attr.documented" for a in r.actions)


def test_without_importance_coverage_is_unweighted_and_important_share_is_no_data():
    r = run(audit(survey=False))
    quality = [5.5 / 6, 5 / 6, 5 / 6, 1.0, 0.0]
    assert r.data["subscores"]["coverage"] == pytest.approx(round(100 * sum(quality) / 5, 1))
    assert r.data["subscores"]["important"] is None
    assert any(n.topic == "importance" and n.severity == "warning" for n in r.data_quality)
    assert next(f for f in r.findings if f.id == "prescription_gap.uncovered").severity == "medium"
    assert r.score == r.data["subscores"]["coverage"]


# --- checklist, language, stability, input errors --------------------------------------------------

def test_checklist_scored_and_merged_into_attribute_actions():
    module = {"checklist": {"philosophy": "yes", "customer_side": "no", "top_support": "partly",
                            "consistent": "na"}}
    r = run(audit(module=module))
    assert r.data["subscores"]["checklist"] == 50.0  # (1 + 0 + 0.5) / 3; n/a left out
    assert action(r, "prescription_gap.attr.customer_side").priority_basis["severity"] == 0.6
    assert sum(a.id == "prescription_gap.attr.customer_side" for a in r.actions) == 1
    unanswered = next(f for f in r.findings if f.id == "prescription_gap.checklist.unanswered")
    assert len(unanswered.evidence) == 3


def test_text_in_both_languages():
    data = audit(module={"checklist": {"philosophy": "no"}})
    en, zh = run(data, "en"), run(data, "zh")
    assert en.score == zh.score and [a.id for a in en.actions] == [a.id for a in zh.actions]
    for r, has_cjk in ((en, False), (zh, True)):
        texts = [r.title] + [f.title for f in r.findings] + [a.title for a in r.actions] + \
                [a.owner_role for a in r.actions] + [m.label for m in r.metrics] + r.methodology
        assert all(bool(CJK.search(t)) == has_cjk for t in texts), [t for t in texts if bool(CJK.search(t)) != has_cjk]


def test_equal_inputs_give_equal_priorities_in_a_stable_order():
    items = [{"id": i, "text": i, "dimension": "reliability"} for i in ("Q2", "Q1", "Q3")]
    summary = [{"item": "Q1", "n": 30, "importance": 6.0}, {"item": "Q2", "n": 30, "importance": 6.0},
               {"item": "Q3", "n": 30, "importance": 2.0}]
    data = minimal_audit(evidence={"questionnaire": {"items": items}, "survey_summary": summary},
                         modules={"prescription_gap": {"no_written_standards": True}})
    result = run_audit(data, HOST)
    writes = [a for a in result.actions if a.id.startswith("prescription_gap.write_standard.")]
    assert [a.id for a in writes] == ["prescription_gap.write_standard.Q1", "prescription_gap.write_standard.Q2"]
    assert writes[0].priority == writes[1].priority
    assert to_json(result) == to_json(run_audit(copy.deepcopy(data), HOST))


def test_bad_settings_are_located_errors():
    with pytest.raises(InputError) as info:
        run(audit(module={"checklist": {"philosophi": "yes"}}))
    assert "did you mean 'philosophy'" in str(info.value)
    with pytest.raises(InputError) as info:
        run(audit(module={"sound_quality": 1.5}))
    assert info.value.issues[0].path[:3] == ("modules", "prescription_gap", "sound_quality")
