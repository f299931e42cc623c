"""Numbers exactly as the report states them: no rounding inside calculations, zero importance is "no
importance data" (never a crash), stated sureness, intervals that respect the scale and identical answers,
one minimum-sample rule, and a readable definition for every number."""

from __future__ import annotations

import copy
import math
import random

import pytest
from module_helpers import metric
from scipy import stats as sps

from gapaudit.analysis.evidence import MIN_RESPONDENTS
from gapaudit.analysis.stats import t_cdf
from gapaudit.testing import example_audit, minimal_audit, run_audit

DIMS = ["tangibles", "reliability", "responsiveness", "assurance", "empathy"]


def _bottom_importance(audit: dict, dimension: str | None = None, value: float = 1) -> dict:
    """Every respondent rates importance at the bottom of the scale (for one dimension's items, or all)."""
    items = {i["id"] for i in audit["evidence"]["questionnaire"]["items"]
             if dimension is None or i["dimension"] == dimension}
    for row in audit["evidence"]["survey"]["responses"]:
        for key in row:
            if key.startswith("I_") and key[2:] in items:
                row[key] = value
    return audit


# --- zero total importance weight: no importance data, unweighted, with a note ------------------

@pytest.mark.parametrize("dimension", [None, "assurance"])
def test_importance_all_at_the_bottom_is_no_importance_data_in_prescription_gap(dimension):
    result = run_audit(_bottom_importance(example_audit(), dimension))
    module = result.modules["prescription_gap"]
    assert module.score is not None
    notes = [n.detail for n in module.data_quality if "no importance at all" in n.detail]
    assert notes and "no importance data to weight them by" in notes[0]


def test_zero_on_a_0_to_10_importance_scale_and_zero_points_are_no_importance_data():
    audit = example_audit()
    audit["evidence"]["questionnaire"]["importance_scale"] = {"min": 0, "max": 10}
    tangibles = {i["id"] for i in audit["evidence"]["questionnaire"]["items"] if i["dimension"] == "tangibles"}
    for row in audit["evidence"]["survey"]["responses"]:
        for key in list(row):
            if key.startswith("I_"):
                row[key] = 0 if key[2:] in tangibles else 8
            if key.startswith("P_") and key[2:] not in tangibles:
                row[key] = None  # only the dimension without importance has answers to weight
    result = run_audit(audit)
    outcome = result.modules["outcome_gap"]
    assert outcome.score is not None
    servqual = outcome.data["customer_gap"]["servqual"]
    assert servqual["weighted"] is None and servqual["used"] == "unweighted"
    assert any("no importance data to weight by" in n.detail for n in outcome.data_quality)

    points = copy.deepcopy(audit)
    for row in points["evidence"]["survey"]["responses"]:
        for key in [k for k in row if k.startswith("I_")]:
            del row[key]
        row.update({f"W_{d}": 0 if d == "tangibles" else 25 for d in DIMS})
    result = run_audit(points)
    assert result.modules["outcome_gap"].data["customer_gap"]["servqual"]["used"] == "unweighted"
    assert result.modules["prescription_gap"].score is not None


# --- no rounding inside calculations ---------------------------------------------------------------

def test_spearman_uses_exact_dimension_means_not_rounded_ones():
    """Management's dimension importances differ only in the fourth decimal: rounded to 3 decimals first,
    they tie and ρ changes (the review saw 0.410 for an exact 0.200)."""
    rng = random.Random(3)
    items = [{"id": f"{d[:3].upper()}1", "text": d, "dimension": d} for d in DIMS]
    rows = []
    for r in range(40):
        points = [rng.randint(5, 40) for _ in DIMS]
        row = {"respondent": f"R{r}", **{f"W_{d}": p for d, p in zip(DIMS, points)}}
        row.update({f"E_{i['id']}": rng.randint(4, 7) for i in items})
        rows.append(row)
    management = [{"item": i["id"], "expectation": 5.5, "importance": 5 + 0.003 * k} for k, i in enumerate(items)]
    audit = minimal_audit(evidence={"questionnaire": {"items": items}, "survey": {"responses": rows},
                                    "management": management})
    module = run_audit(audit).modules["diagnosis_gap"]
    block = module.data["importance"]
    assert block["rho_level"] == "dimensions"
    customer = [sum(r[f"W_{d}"] / sum(r[f"W_{e}"] for e in DIMS) for r in rows) / len(rows) for d in DIMS]
    top = max(customer)
    exact = sps.spearmanr([c / top for c in customer], [(m["importance"] - 1) / 6 for m in management]).statistic
    rounded = sps.spearmanr([round(c / top, 3) for c in customer],
                            [round((m["importance"] - 1) / 6, 3) for m in management]).statistic
    assert not math.isclose(exact, rounded)  # the case really tells the two apart
    assert block["rho"] == pytest.approx(exact, abs=5e-4)


def _pharmacy(observations, standards):
    return minimal_audit(evidence={"standards": standards, "observations": observations},
                         plugins={"disable": ["eight_factor", "golden_triangle", "prescription_gap"]})


def test_per_standard_compliance_is_rounded_once():
    obs = [{"visit": f"V{v}", "standard": "S1", "result": "yes" if v <= 14 else "no"} for v in range(1, 18)]
    module = run_audit(_pharmacy(obs, [{"id": "S1", "title": "Greet"}])).modules["pharmacy_gap"]
    assert metric(module, "pharmacy_gap.standard.S1").value == 82.4  # 14/17 = 82.35…%, not 82.3 (82.35 → .1)


def test_delivery_subscore_averages_exact_rates():
    """Rates 0/3, 2/3, 7/9: the stated rule gives 100 × 0.48148… = 48.1; rates pre-rounded to 4 decimals
    gave 48.2."""
    obs = [{"visit": f"V{v}", "standard": "A", "result": "no"} for v in range(1, 4)]
    obs += [{"visit": f"V{v}", "standard": "B", "result": "yes" if v <= 2 else "no"} for v in range(1, 4)]
    obs += [{"visit": f"V{v}", "standard": "C", "result": "yes" if v <= 7 else "no"} for v in range(1, 10)]
    standards = [{"id": k, "title": k} for k in "ABC"]
    module = run_audit(_pharmacy(obs, standards)).modules["pharmacy_gap"]
    assert module.data["subscores"]["delivery"] == 48.1


# --- sureness as stated ------------------------------------------------------------------------------

def test_diagnosis_sureness_is_the_stated_one_sided_probability():
    module = run_audit(example_audit()).modules["diagnosis_gap"]
    rule = next(r for r in module.methodology if r.startswith("How sure"))
    assert "P(T ≤ |gap| ÷ (sd/√n))" in rule and "−|gap|" not in rule
    survey = example_audit()["evidence"]["survey"]["responses"]
    for item in module.data["items"]:
        if item["sureness"] is None:
            continue
        answers = [r[f"E_{item['id']}"] for r in survey if r.get(f"E_{item['id']}") is not None]
        sd = sps.tstd(answers)
        expected = t_cdf(abs(5.0 - sum(answers) / len(answers)) / (sd / math.sqrt(len(answers))), len(answers) - 1)
        assert item["sureness"] == pytest.approx(expected, abs=5e-4)
        assert item["sureness"] >= 0.5


# --- intervals: the scale, identical answers -------------------------------------------------------

def test_mean_intervals_stay_on_the_scale():
    audit = example_audit()
    for row in audit["evidence"]["survey"]["responses"][:12]:
        for key in row:
            if key.startswith("P_"):
                row[key] = 7
    audit["evidence"]["survey"]["responses"] = audit["evidence"]["survey"]["responses"][:12]
    for row in audit["evidence"]["survey"]["responses"][:2]:
        row["P_TAN1"] = 5  # mean near the top: the t interval would pass 7
    module = run_audit(audit).modules["outcome_gap"]
    for dim in module.data["customer_gap"]["dimensions"]:
        for key in ("perception_low", "perception_high"):
            assert dim[key] is None or 1 <= dim[key] <= 7
    for m in module.metrics:
        if m.id.startswith("outcome_gap.servperf") and m.ci_high is not None:
            assert m.ci_high <= 7


def test_identical_answers_give_no_interval_and_no_certain_shortfall():
    """Every respondent answers E = 7 and P = 5 on one item: the gap is −2 with no spread; before, a zero-width
    interval made it a certain 'shortfall' (sureness 1.0) while the note said intervals are wide."""
    audit = example_audit(respondents=12)
    for row in audit["evidence"]["survey"]["responses"]:
        row["E_REL1"], row["P_REL1"] = 7, 5
    module = run_audit(audit).modules["outcome_gap"]
    item = next(i for i in module.data["customer_gap"]["items"] if i["id"] == "REL1")
    assert item["gap"] == -2 and item["ci_low"] is None and item["ci_high"] is None
    assert item["status"] == "possible_shortfall"
    for action in module.actions:
        if action.id == "outcome_gap.item.REL1":
            assert action.priority_basis["confidence"] == 0.5
    assert any("every answer is the same" in rule for rule in module.methodology)


# --- one minimum-sample rule ---------------------------------------------------------------------------

def test_one_minimum_sample_rule_in_diagnosis_and_outcome():
    small = example_audit(respondents=MIN_RESPONDENTS - 1)
    result = run_audit(small)
    diagnosis, outcome = result.modules["diagnosis_gap"], result.modules["outcome_gap"]
    assert diagnosis.data["subscores"]["accuracy"] is None and diagnosis.data["subscores"]["priorities"] is None
    assert any(f.id == "diagnosis_gap.too_few_respondents" for f in diagnosis.findings)
    assert outcome.data["subscores"]["customer_gap"] is None
    assert any(f.id == "outcome_gap.too_few_respondents" for f in outcome.findings)
    enough = run_audit(example_audit(respondents=MIN_RESPONDENTS)).modules
    assert enough["diagnosis_gap"].data["subscores"]["accuracy"] is not None
    assert enough["outcome_gap"].data["subscores"]["customer_gap"] is not None


def test_one_sparse_item_in_summary_data_does_not_block_the_customer_gap():
    items = [{"id": f"I{k}", "text": f"item {k}", "dimension": DIMS[k % 5]} for k in range(10)]
    summary = [{"item": f"I{k}", "n": 3 if k == 4 else 200, "expectation": 6.0, "perception": 5.2,
                "gap_sd": 1.1, "perception_sd": 1.0} for k in range(10)]
    audit = minimal_audit(evidence={"questionnaire": {"items": items}, "survey_summary": summary})
    module = run_audit(audit).modules["outcome_gap"]
    assert module.data["subscores"]["customer_gap"] is not None
    assert module.data["customer_gap"]["servqual"]["unweighted"]["n"] == 200
    assert any("I4 (n = 3)" in n.detail for n in module.data_quality)
    assert next(i for i in module.data["customer_gap"]["items"] if i["id"] == "I4")["gap"] is not None  # shown


# --- every number has a definition a user can read ------------------------------------------------------

@pytest.mark.parametrize("module_id,words", [
    ("diagnosis_gap", ["Mean absolute item gap = Σ |gapᵢ| ÷ k"]),
    ("prescription_gap", ["Standards that are sound = 100 × sound standards ÷ rated standards",
                          "Expectations covered by any standard = 100 × questionnaire items"]),
    ("golden_triangle", ["balance ratio = lowest ÷ highest corner"]),
    ("eight_factor", ["iceberg share of customers = estimated dissatisfied customers",
                      "complainants kept (where known) = complaints whose outcome is 'kept'",
                      "share resolved quickly = complaints resolved within", "95% Wilson interval over that denominator"]),
    ("outcome_gap", ["Their n: raw data, the respondents", "Its interval = the same mapping applied",
                     "minimum sample: a survey measure counts toward a score from 10 respondents"]),
])
def test_every_number_has_a_definition_in_the_methodology(module_id, words):
    methodology = " ".join(run_audit(example_audit()).modules[module_id].methodology)
    for text in words:
        assert text in methodology
