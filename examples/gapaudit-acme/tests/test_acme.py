"""Tests of the Acme Mart plugin, written with gapaudit's plugin-test fixtures."""

from __future__ import annotations

import importlib.metadata

import pytest

import gapaudit_acme
from gapaudit.errors import InputError
from gapaudit.testing import example_audit


def checks(walk: tuple[int, int] = (7, 10), smile: tuple[int, int] = (10, 10),
           complaint: tuple[int, int] = (10, 10)) -> list[dict]:
    """House checks with the given (met, total) per standard."""
    rows = []
    for k in range(walk[1]):
        rows.append({"visit": f"W{k}", "walked_to_product": "yes" if k < walk[0] else "no"})
    for k in range(smile[1]):
        rows.append({"visit": f"S{k}", "smile_teeth": 8 if k < smile[0] else 5})
    for k in range(complaint[1]):
        rows.append({"visit": f"C{k}", "complaint_steps": 6 if k < complaint[0] else 4})
    return rows


@pytest.fixture
def acme_audit(gapaudit_example_audit):
    """The example audit as an Acme Mart store with house checks."""
    gapaudit_example_audit["store"]["chain"] = "Acme Mart"
    gapaudit_example_audit["modules"] = {"acme_house_standards": {"checks": checks()}}
    return gapaudit_example_audit


@pytest.fixture
def host(gapaudit_host):
    """Built-in modules plus this plugin under its entry-point name, nothing else installed."""
    return gapaudit_host(gapaudit_acme, names=["acme"])


def test_registered_through_the_entry_point():
    eps = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="gapaudit")}
    assert eps.get("acme") == "gapaudit_acme", "install the plugin: pip install -e examples/gapaudit-acme"


# --- the house-standards module ------------------------------------------------------------

def test_compliance_rates_intervals_and_score(acme_audit, host, gapaudit_run):
    module = gapaudit_run(acme_audit, host).modules["acme_house_standards"]
    rows = {r["id"]: r for r in module.data["standards"]}
    assert rows["walk"]["rate"] == pytest.approx(0.7)
    # Wilson 95 % interval of 7/10 (published value: 0.397 to 0.892)
    assert (rows["walk"]["ci_low"], rows["walk"]["ci_high"]) == pytest.approx((0.3968, 0.8922), abs=1e-4)
    assert module.score == pytest.approx(100 * (0.7 + 1 + 1) / 3, abs=0.05)
    assert [f.id for f in module.findings] == ["acme_house_standards.walk"]
    assert module.grade_cap is None


def test_smile_needs_eight_teeth_and_the_complaint_all_six_steps(acme_audit, host, gapaudit_run):
    acme_audit["modules"]["acme_house_standards"]["checks"] = [
        {"visit": "V1", "smile_teeth": 7, "complaint_steps": 5}, {"visit": "V2", "smile_teeth": 8, "complaint_steps": 6},
        {"visit": "V3", "smile_teeth": 12, "complaint_steps": 6}]
    acme_audit["modules"]["acme_house_standards"]["min_checks"] = 1
    rows = {r["id"]: r for r in gapaudit_run(acme_audit, host).modules["acme_house_standards"].data["standards"]}
    assert (rows["smile"]["met"], rows["smile"]["n"]) == (2, 3)
    assert (rows["complaint"]["met"], rows["complaint"]["n"]) == (2, 3)
    assert rows["walk"]["n"] == 0 and rows["walk"]["status"] == "too_few"


def test_critical_complaint_procedure_caps_the_grade(acme_audit, host, gapaudit_run):
    acme_audit["modules"]["acme_house_standards"]["checks"] = checks(complaint=(3, 10))
    result = gapaudit_run(acme_audit, host)
    module = result.modules["acme_house_standards"]
    assert module.grade_cap == "D"  # the chain default
    assert {f.id: f.severity for f in module.findings}["acme_house_standards.complaint"] == "critical"
    # ranked by what it is worth, like every built-in action: the complaint procedure at 80 % lifts the cap
    complaint = {a.id: a for a in result.actions}["acme.house.complaint"]
    assert complaint.impact.overall > 0 and complaint.impact.modules["acme_house_standards"] > 0


def test_too_few_checks_is_no_data_not_a_score(acme_audit, host, gapaudit_run):
    acme_audit["modules"]["acme_house_standards"]["checks"] = checks(walk=(2, 3), smile=(1, 1), complaint=(0, 0))
    module = gapaudit_run(acme_audit, host).modules["acme_house_standards"]
    assert module.score is None and "enough checks" in module.reason
    assert all(note.severity == "warning" for note in module.data_quality)


def test_no_checks_is_no_data(acme_audit, host, gapaudit_run):
    del acme_audit["modules"]
    module = gapaudit_run(acme_audit, host).modules["acme_house_standards"]
    assert module.score is None and "checks" in module.reason


@pytest.mark.parametrize("row, field, words", [
    ({"visit": "V1"}, "checks[0]", "at least one of"),
    ({"visit": "V1", "smile_teeth": 20}, "checks[0].smile_teeth", "less than or equal to 16"),
    ({"visit": "V1", "walked_to_product": "sometimes"}, "checks[0].walked_to_product", "yes"),
])
def test_bad_checks_are_located_errors(acme_audit, host, gapaudit_load, row, field, words):
    acme_audit["modules"]["acme_house_standards"]["checks"] = [row]
    with pytest.raises(InputError) as info:
        gapaudit_load(acme_audit, host)
    text = str(info.value)
    assert f"modules.acme_house_standards.{field}" in text and words in text


# --- chain defaults -------------------------------------------------------------------------

def test_chain_defaults_apply_to_acme_stores(acme_audit, host, gapaudit_load):
    loaded = gapaudit_load(acme_audit, host)
    assert [b.min for b in loaded.input.scoring.bands] == [90, 80, 65, 50, 0]
    assert "prescription_gap" not in loaded.enabled_modules
    assert loaded.module_configs["eight_factor"].weights["attitude"] == 2
    assert loaded.module_configs["acme_house_standards"].critical == ["complaint"]


def test_an_audit_file_overrides_chain_defaults(acme_audit, host, gapaudit_load):
    acme_audit["modules"]["acme_house_standards"]["critical_cap"] = "E"
    acme_audit["scoring"] = {"weights": {"pharmacy_gap": 1}}
    loaded = gapaudit_load(acme_audit, host)
    assert loaded.module_configs["acme_house_standards"].critical_cap == "E"
    assert loaded.input.scoring.weights == {"acme_house_standards": 2, "pharmacy_gap": 1}


def test_other_chains_are_left_alone(gapaudit_example_audit, host, gapaudit_load, gapaudit_run):
    loaded = gapaudit_load(gapaudit_example_audit, host)
    assert "acme_house_standards" not in loaded.enabled_modules and "prescription_gap" in loaded.enabled_modules
    assert loaded.input.scoring.bands[0].min == 85
    result = gapaudit_run(gapaudit_example_audit, host)
    assert not any(a.id.startswith("acme.") for a in result.actions)
    assert "acme" not in [p.name for p in result.plugins]  # the scope left the whole plugin out


def test_another_store_can_opt_in(gapaudit_example_audit, host, gapaudit_run):
    gapaudit_example_audit["plugins"] = {"require": ["acme"]}
    assert "acme_house_standards" in gapaudit_run(gapaudit_example_audit, host).modules


@pytest.mark.parametrize("store", [{"id": "S", "name": "N", "chain": {"name": "Acme"}}, {"id": "S", "name": "N", "chain": ["Acme"]},
                                   ["not", "a", "mapping"], None])
def test_raw_data_of_any_type_is_read_defensively(gapaudit_example_audit, host, gapaudit_load, store):
    """gapaudit_audit_defaults sees the audit before validation: a chain of the wrong type is the audit's
    input error (exit 2), never the plugin's crash (exit 3)."""
    gapaudit_example_audit["store"] = store
    with pytest.raises(InputError) as info:
        gapaudit_load(gapaudit_example_audit, host)
    assert any(issue.path[:1] == ("store",) for issue in info.value.issues)


# --- actions ----------------------------------------------------------------------------------

def test_builtin_actions_are_reworded_and_extra_ones_added(acme_audit, host, gapaudit_run):
    acme_audit["modules"]["pharmacy_gap"] = {"checklist": {"training_refreshed": "no"}}
    acme_audit["store"]["chain"] = "安心超市"
    result = gapaudit_run(acme_audit, host, lang="zh")
    by_id = {a.id: a for a in result.actions}
    training = by_id["pharmacy_gap.cause.training"]
    assert "安心学院" in training.title and training.gap == "pharmacy_gap"
    # the same action without the plugin: the same target and severity, gapaudit's own words
    other_chain = {**acme_audit, "store": {**acme_audit["store"], "chain": "X"},
                   "modules": {"pharmacy_gap": acme_audit["modules"]["pharmacy_gap"]}}
    plain = {a.id: a for a in gapaudit_run(other_chain, host, lang="zh").actions}
    assert plain["pharmacy_gap.cause.training"].targets == training.targets
    assert plain["pharmacy_gap.cause.training"].priority_basis["severity_score"] == \
        training.priority_basis["severity_score"]
    assert "安心学院" not in plain["pharmacy_gap.cause.training"].title
    coach = by_id["acme.field_coach"]
    assert coach.finding_ids == ["pharmacy_gap.worst_standards"] and coach.gap == "pharmacy_gap"
    assert coach.priority_basis["severity"] > 0 and coach.due is not None


def test_house_actions_declare_their_target_and_get_its_impact(acme_audit, host, gapaudit_run):
    result = gapaudit_run(acme_audit, host)  # walk: 7 of 10 checks met, target 90 %
    walk = {a.id: a for a in result.actions}["acme.house.walk"]
    [target] = walk.targets
    assert (target.kind, target.table, target.field, target.value) == \
        ("share", "modules.acme_house_standards.checks", "walked_to_product", 0.9)
    # the impact is what editing the checks by hand (two more customers walked to the product) gives
    acme_audit["modules"]["acme_house_standards"]["checks"] = checks(walk=(9, 10))
    edited = gapaudit_run(acme_audit, host)
    assert walk.impact.overall == pytest.approx(round(edited.overall.score - result.overall.score, 1), abs=1e-9)
    assert walk.impact.overall > 0 and walk.impact.modules == {"acme_house_standards": pytest.approx(6.7)}
    assert walk.priority > 0 and walk.about == ["item:RES3", "item:EMP1"]


def test_the_field_coach_aims_at_the_weakest_standards(acme_audit, host, gapaudit_run):
    by_id = {a.id: a for a in gapaudit_run(acme_audit, host).actions}
    coach = by_id["acme.field_coach"]
    standards = [t for t in coach.targets if t.kind == "share"]
    assert standards and all(t.table == "evidence.observations" for t in standards)
    assert coach.impact is not None and coach.impact.overall > 0


def test_chain_links_join_complaints_to_their_standard(gapaudit_sample, host, gapaudit_run):
    result = gapaudit_run(gapaudit_sample("acme-mart-riverside"), host)
    stock = next(p for p in result.problems if p.id == "problem.standard.STOCK")
    assert stock.complaint_categories == ["out of stock"]
    lead = {a.id: a for a in result.actions}[stock.actions[0]]
    assert lead.impact.customers_per_year and lead.impact.customers_per_year > 0


# --- report section and theme -------------------------------------------------------------------

def test_theme_only_for_acme_stores(acme_audit, host, gapaudit_load, gapaudit_render):
    theme = host.theme(gapaudit_load(acme_audit, host).input)
    assert theme.name == "acme" and theme.logo.is_file() and theme.stylesheet.is_file()
    assert theme.colors["accent"] == "#c8102e"
    other = gapaudit_render(example_audit(), host, fmt="html").decode("utf-8")  # a store of another chain
    assert "--accent: #c8102e" not in other and "Acme" not in other


def test_scorecard_section_and_theme_render(acme_audit, host, gapaudit_render):
    html = gapaudit_render(acme_audit, host, fmt="html").decode("utf-8")
    assert 'id="plugin-acme-scorecard"' in html and "Acme Mart store scorecard" in html
    assert "Acme Mart · Store service audit" in html  # the theme's cover text
    assert "--accent: #c8102e" in html


def test_the_chain_sample_audit(gapaudit_sample, host, gapaudit_run):
    result = gapaudit_run(gapaudit_sample("acme-mart-riverside"), host)
    assert result.modules["acme_house_standards"].grade_cap == "D"
    assert result.overall.grade == "D"
