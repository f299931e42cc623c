"""Targets applied to the evidence exactly as a user would edit it, and modules re-run only when it matters."""

from __future__ import annotations

import math
import statistics
from pathlib import Path

import pytest

from fitting_room import fitting_room_audit
from gapaudit import engine
from gapaudit.analysis.complaints import ComplaintSettings, complaint_stats
from gapaudit.impact import TargetError, World, affects, apply, raise_perceptions
from gapaudit.model.result import (AddTarget, ComplaintTarget, RemoveTarget, SetTarget, ShareTarget,
                                   SurveyGapTarget)
from gapaudit.module import ModuleContext
from gapaudit.testing import load, make_host

SAMPLES = Path(__file__).resolve().parent.parent / "sample_audits"


@pytest.fixture(scope="module")
def host():
    return make_host()


@pytest.fixture(scope="module")
def loaded(host):
    return load(fitting_room_audit(), host)


@pytest.fixture
def world(loaded):
    return World(loaded.input, dict(loaded.module_configs), loaded.survey)


# --- the edits -----------------------------------------------------------------------------

def test_raise_perceptions_reaches_the_gap_exactly():
    exp, perc = [6, 5, 7, None, 6], [3, 4, 2, 4, None]
    raised = raise_perceptions(exp, perc, -0.6, 7)
    pairs = [(e, p) for e, p in zip(exp, raised) if e is not None and p is not None]
    assert statistics.fmean(p - e for e, p in pairs) == pytest.approx(-0.6, abs=1e-12)
    delta = raised[0] - perc[0]
    assert all(r - p == pytest.approx(delta) for r, p in zip(raised, perc) if p is not None)
    assert raised[3] == 4 + delta and raised[4] is None  # a perception without an expectation moves too


def test_raise_perceptions_caps_at_the_top_and_solves_for_the_rest():
    exp, perc = [7, 7, 4], [6.5, 1, 1]
    raised = raise_perceptions(exp, perc, 0.0, 7)
    assert raised[0] == 7  # capped
    assert statistics.fmean(p - e for e, p in zip(exp, raised)) == pytest.approx(0.0, abs=1e-12)
    assert raised[1] == pytest.approx(raised[2])
    assert raise_perceptions([5, 5], [6, 6], -0.6, 7) is None  # already reached
    assert raise_perceptions([7, 7], [1, 2], 0.5, 7) == [7, 7]  # beyond reach: everyone at the top


def test_share_changes_the_fewest_failing_rows_in_table_order(world):
    target = ShareTarget(table="evidence.observations", where={"standard": "FITROOM"}, field="result", meets="yes",
                         value=0.9)
    new, keys = apply(world, target)
    rows = [o for o in new.audit.evidence.observations if o.standard == "FITROOM"]
    old = [o for o in world.audit.evidence.observations if o.standard == "FITROOM"]
    assert [o.result for o in rows] == ["yes"] * 9 + ["no"]  # 2 met + the first 7 failing rows
    assert sum(o.result == "yes" for o in rows) == math.ceil(0.9 * len(rows))
    assert [o.visit for o in rows] == [o.visit for o in old] and rows[0] is old[0]  # untouched rows are kept
    assert keys == {"evidence.observations", "evidence.observations.result"}
    assert world.audit.evidence.observations[0].result == "yes"  # the audit itself is not changed
    # already reached: nothing changes, nothing re-runs
    _, keys = apply(world, target.model_copy(update={"value": 0.2}))
    assert keys == set()


def test_share_compares_numbers_and_leaves_out_empty_and_na_rows(world):
    rows = [{"v": 3}, {"v": None}, {"v": 8}, {"v": 5}, {"v": "na"}]
    from gapaudit.impact import _share

    out = _share(rows, ShareTarget(table="x", field="v", meets=8, compare="ge", value=1.0))
    assert [r["v"] for r in out] == [8, None, 8, 8, "na"]


def test_set_on_a_mapping_a_record_and_rows(world, loaded, host):
    checklist = SetTarget(table="modules.diagnosis_gap.checklist.answers", keys=["customers"],
                          changes={"answer": "yes"})
    with pytest.raises(TargetError, match="checklist"):  # no checklist in this audit
        apply(world, checklist)
    listening = SetTarget(table="evidence.listening", changes={"survey_cadence": "monthly"})
    with pytest.raises(TargetError, match="listening"):  # not given in this audit
        apply(world, listening)
    new, keys = apply(world, SetTarget(table="evidence.management", where={"item": "FIT"},
                                       changes={"expectation": 6.0}))
    assert [m.expectation for m in new.audit.evidence.management if m.item == "FIT"] == [6.0]
    assert keys == {"evidence.management", "evidence.management.expectation"}
    with pytest.raises(TargetError, match="no field 'nonsense'"):
        apply(world, SetTarget(table="evidence.management", changes={"nonsense": 1}))
    with pytest.raises(TargetError, match="ManagementEstimate: Input should be 'yes'"):
        apply(world, SetTarget(table="evidence.management", changes={"invests": "perhaps"}))


def test_add_validates_the_row_and_remove_drops_matching_rows(world):
    new, keys = apply(world, AddTarget(table="evidence.standards", row={"id": "NEW", "title": "x", "covers": "FIT"}))
    assert new.audit.evidence.standards[-1].covers == ["FIT"] and keys == {"evidence.standards",
                                                                           "evidence.standards.*"}
    with pytest.raises(TargetError):
        apply(world, AddTarget(table="evidence.standards", row={"title": "no id"}))
    new, _ = apply(world, RemoveTarget(table="evidence.complaints", where={"category": "fitting rooms"}))
    assert len(new.audit.evidence.complaints) == len(world.audit.evidence.complaints) - 14


def test_complaint_target_reaches_the_analytics_own_rates(host):
    data = fitting_room_audit()
    for k, c in enumerate(data["evidence"]["complaints"]):
        c.update(resolved=k % 3 != 0, hours_to_resolve=None if k % 3 == 0 else 10 + 20 * (k % 2))
    loaded = load(data, host)
    world = World(loaded.input, dict(loaded.module_configs), loaded.survey)
    new, _ = apply(world, ComplaintTarget(resolved=0.9, quick=0.8, within_hours=24))
    st = complaint_stats(new.audit.evidence.complaints, ComplaintSettings())
    assert st.resolution.value >= 0.9 and st.quick_share.value >= 0.8
    before = complaint_stats(world.audit.evidence.complaints, ComplaintSettings())
    assert (st.resolved - before.resolved) == math.ceil(0.9 * st.n - 1e-9) - before.resolved  # the fewest


def test_survey_gap_on_summary_data_edits_the_mean(host):
    data = fitting_room_audit()
    rows = data["evidence"].pop("survey")["responses"]
    data["evidence"]["survey_summary"] = [
        {"item": i, "n": len(rows), "expectation": statistics.fmean(r[f"E_{i}"] for r in rows),
         "perception": statistics.fmean(r[f"P_{i}"] for r in rows)} for i in ("FIT", "SIZE")]
    loaded = load(data, host)
    world = World(loaded.input, dict(loaded.module_configs), loaded.survey)
    new, keys = apply(world, SurveyGapTarget(item="FIT", value=-0.6))
    row = new.survey.summary["FIT"]
    assert row.perception - row.expectation == pytest.approx(-0.6)
    assert [r.perception for r in new.audit.evidence.survey_summary if r.item == "FIT"] == [row.perception]
    assert keys == {"survey.perception", "evidence.survey_summary"}


def test_unknown_tables_are_named():
    world = World(None, {}, None)  # type: ignore[arg-type]
    with pytest.raises(TargetError, match="evidence.<section> or modules"):
        apply(world, SetTarget(table="nowhere", changes={}))
    with pytest.raises(TargetError, match="not enabled"):
        apply(world, SetTarget(table="modules.ghost.checks", changes={}))


# --- which modules re-run ----------------------------------------------------------------------

def test_affects_by_section_field_and_own_config():
    assert affects("m", None, {"evidence.standards"})
    assert affects("m", {"evidence.standards"}, {"evidence.standards", "evidence.standards.documented"})
    assert not affects("m", {"evidence.standards.critical"}, {"evidence.standards", "evidence.standards.documented"})
    assert affects("m", {"evidence.standards.critical"}, {"evidence.standards", "evidence.standards.*"})
    assert affects("m", frozenset(), {"config:m"}) and not affects("m", frozenset(), {"config:other"})
    assert not affects("m", None, set())


#: an edit per kind of evidence, and the built-in modules whose score must not move with it when they do not
#: declare reading it: the declarations are tested, not trusted
EDITS = [
    ShareTarget(table="evidence.observations", field="result", meets="yes", value=1.0),
    SetTarget(table="evidence.standards", changes={"documented": "no", "specific": "no", "customer_side": "no"}),
    SetTarget(table="evidence.management", changes={"expectation": 1.0, "importance": 1.0, "invests": "no"}),
    RemoveTarget(table="evidence.complaints", where={"severity": ["low", "medium", "high"]}),
    SetTarget(table="evidence.promises", changes={"kept": 0, "total": 20}),
    ShareTarget(table="evidence.promise_checks", field="kept", meets=True, value=1.0),
    SurveyGapTarget(item="REL1", value=0.0),
    SurveyGapTarget(item="ASS3", value=0.0),
]


@pytest.mark.parametrize("sample", ["community-supermarket", "electronics-retailer"])
def test_modules_do_not_move_with_evidence_they_do_not_declare(host, sample):
    loaded = load(SAMPLES / sample / "audit.yaml", host)
    base = World(loaded.input, dict(loaded.module_configs), loaded.survey)
    classes = host.modules()
    baseline = {mid: classes[mid]().run(ModuleContext(loaded.input, loaded.module_configs[mid], "en",
                                                      loaded.survey, mid)).score
                for mid in loaded.enabled_modules}
    checked = 0
    for target in EDITS:
        world, keys = apply(base, target)
        if not keys:  # nothing to change in this sample (no promise checks, a gap already closed)
            continue
        for mid in loaded.enabled_modules:
            if affects(mid, classes[mid].reads, keys):
                continue
            ctx = ModuleContext(world.audit, world.configs[mid], "en", world.survey, mid)
            assert classes[mid]().run(ctx).score == baseline[mid], (mid, target.kind, sorted(keys))
            checked += 1
    assert checked >= 15


def test_a_module_failing_on_the_edited_evidence_is_named_and_contained(host):
    from gapaudit import hookimpl
    from gapaudit.model.result import ModuleResult
    from gapaudit.module import AuditModule

    class Fragile(AuditModule):
        id = "fragile"
        title = {"en": "Fragile"}

        def run(self, ctx):
            if any(o.result == "yes" for o in ctx.evidence.observations if o.standard == "FITROOM"
                   and o.visit == "V03"):
                if sum(o.result == "yes" for o in ctx.evidence.observations if o.standard == "FITROOM") > 2:
                    raise RuntimeError("cannot cope")
            return ModuleResult(score=50.0)

    class Plugin:
        @hookimpl
        def gapaudit_register_modules(self):
            return [Fragile]

    fragile_host = make_host(Plugin(), names=["fragile"])
    result = engine.run(load(fitting_room_audit(), fragile_host), fragile_host)
    step = next(a for a in result.actions if a.id == "pharmacy_gap.standard.FITROOM")
    assert step.impact is None and "fragile" in step.impact_note
    assert result.modules["fragile"].score == 50.0


@pytest.mark.parametrize("sample", ["community-supermarket", "electronics-retailer", "lubricant-aftersales",
                                    "well-run-store"])
def test_scores_only_runs_give_the_same_scores(host, sample):
    """Re-running a module for an impact may skip descriptive work, never anything the score rests on."""
    loaded = load(SAMPLES / sample / "audit.yaml", host)
    classes = host.modules()
    for mid in loaded.enabled_modules:
        full, brief = (classes[mid]().run(ModuleContext(loaded.input, loaded.module_configs[mid], "en",
                                                        loaded.survey, mid, scores_only=flag))
                       for flag in (False, True))
        assert (brief.score, brief.grade, brief.grade_cap) == (full.score, full.grade, full.grade_cap), mid
