"""The sample audits: each validates, runs, and tells its story.

Every sample is run through the command line (validate, then run to JSON) and
the story it was written to tell is checked in the result: the weakest link of
the four gaps, the key finding, and a few numbers recomputed independently
from the evidence files (numpy/scipy/openpyxl, not gapaudit's readers).
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import statistics
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pytest
import scipy.stats as st
from click.testing import CliRunner

from gapaudit.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_audits"
GAPS = ("diagnosis_gap", "prescription_gap", "pharmacy_gap", "outcome_gap")
BUILTIN = GAPS + ("eight_factor", "golden_triangle")
#: the four samples that need only the built-in modules, with their language
CORE = {"community-supermarket": "zh", "electronics-retailer": "zh", "lubricant-aftersales": "zh",
        "well-run-store": "en"}
ACME = "acme-mart-riverside"
acme_installed = importlib.util.find_spec("gapaudit_acme") is not None
needs_acme = pytest.mark.skipif(not acme_installed, reason="example chain plugin not installed: "
                                                           "pip install -e examples/gapaudit-acme")


def audit_path(name: str) -> Path:
    return SAMPLES / name / "audit.yaml"


def run_json(name: str, out: Path, *args: str) -> dict:
    """``gapaudit validate`` then ``gapaudit run -f json``; the parsed result."""
    runner = CliRunner()
    checked = runner.invoke(main, ["validate", str(audit_path(name)), *args])
    assert checked.exit_code == 0, checked.output
    target = out / f"{name}.json"
    ran = runner.invoke(main, ["run", str(audit_path(name)), "-f", "json", "-o", str(target), *args])
    assert ran.exit_code == 0, ran.output
    return json.loads(target.read_text("utf-8"))


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    out = tmp_path_factory.mktemp("samples")
    return {name: run_json(name, out) for name in CORE}


def weakest_gap(result: dict) -> str:
    scores = {m: result["modules"][m]["score"] for m in GAPS if m in result["modules"]}
    return min(scores, key=scores.get)


def finding(result: dict, module: str, fid: str) -> dict:
    found = [f for f in result["modules"][module]["findings"] if f["id"] == fid]
    assert found, f"{module} has no finding {fid}: {[f['id'] for f in result['modules'][module]['findings']]}"
    return found[0]


# --- the collection ------------------------------------------------------------------

def test_four_core_samples_and_the_chain_sample_exist_in_both_languages():
    found = sorted(p.parent.name for p in SAMPLES.glob("*/audit.yaml"))
    assert found == sorted([*CORE, ACME])
    import yaml

    for name, lang in CORE.items():
        assert yaml.safe_load(audit_path(name).read_text("utf-8"))["audit"]["language"] == lang
    assert sorted(CORE.values()).count("zh") == 3


def test_evidence_files_come_in_real_export_formats():
    gbk = (SAMPLES / "community-supermarket" / "survey.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        gbk.decode("utf-8")
    assert gbk.decode("gbk").startswith("问卷编号,")
    assert (SAMPLES / "electronics-retailer" / "survey.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert (SAMPLES / "lubricant-aftersales" / "complaints.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    (SAMPLES / "lubricant-aftersales" / "observations.csv").read_bytes().decode("gb18030")
    wb = openpyxl.load_workbook(SAMPLES / "lubricant-aftersales" / "survey.xlsx", read_only=True)
    assert wb.sheetnames == ["问卷数据", "问卷题目"]
    assert openpyxl.load_workbook(SAMPLES / "electronics-retailer" / "delivery_log.xlsx").sheetnames == ["配送安装记录"]


@pytest.mark.parametrize("name", [n for n in CORE if n != "lubricant-aftersales"])
def test_surveys_are_realistic_in_size_and_have_missing_answers(name):
    data = (SAMPLES / name / "survey.csv").read_bytes()
    text = data.decode("utf-8-sig") if not name.startswith("community") else data.decode("gbk")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) >= 200
    assert len([c for c in rows[0] if c.startswith("E_")]) == 22
    blanks = sum(1 for r in rows for k, v in r.items() if k[:2] in ("E_", "P_") and v == "")
    assert 0.01 < blanks / (len(rows) * 44) < 0.1


def test_generator_reproduces_the_committed_files():
    spec = importlib.util.spec_from_file_location("make_samples", ROOT / "scripts" / "make_samples.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_samples"] = module
    try:
        spec.loader.exec_module(module)
        assert module.main(["--check"]) == 0, "sample files differ from scripts/make_samples.py's output"
    finally:
        del sys.modules["make_samples"]


# --- every sample runs every built-in module --------------------------------------------

@pytest.mark.parametrize("name", CORE)
def test_every_builtin_module_has_data(results, name):
    result = results[name]
    assert list(result["modules"]) == list(BUILTIN)
    for mid, module in result["modules"].items():
        assert module["score"] is not None, f"{name}: {mid} has no data: {module['reason']}"
    assert result["audit"]["language"] == CORE[name]
    assert result["actions"], "every sample should produce an action plan"


# --- the stories ----------------------------------------------------------------------

def test_supermarket_is_a_diagnosis_gap_story(results):
    r = results["community-supermarket"]
    assert weakest_gap(r) == "diagnosis_gap"
    dims = {d["dimension"]: d["gap"] for d in r["modules"]["diagnosis_gap"]["data"]["dimensions"]}
    assert min(dims, key=dims.get) == "reliability" and dims["reliability"] < -1  # management underrates range
    assert finding(r, "diagnosis_gap", "diagnosis_gap.priorities")["severity"] == "high"
    assert r["modules"]["diagnosis_gap"]["data"]["importance"]["rho"] < 0  # priorities reversed
    underrated = " ".join(finding(r, "diagnosis_gap", "diagnosis_gap.underrated")["evidence"])
    assert all(item in underrated for item in ("REL1", "REL2", "REL3"))
    misdirected = " ".join(finding(r, "diagnosis_gap", "diagnosis_gap.misdirected")["evidence"])
    assert "ASS3" in misdirected  # the trained smile customers rank low


def test_supermarket_item_gap_matches_an_independent_computation(results):
    """P − E of REL2 from the GBK file, with labels mapped by hand, against outcome_gap's item gap."""
    text = (SAMPLES / "community-supermarket" / "survey.csv").read_bytes().decode("gbk")
    words = {"非常同意": 7, "非常不同意": 1, "不适用": None, "": None}

    def num(v: str):
        return words[v] if v in words else float(v)

    rows = list(csv.DictReader(io.StringIO(text)))
    diffs = np.array([num(r["P_REL2"]) - num(r["E_REL2"]) for r in rows
                      if num(r["P_REL2"]) is not None and num(r["E_REL2"]) is not None])
    low, high = st.t.interval(0.95, len(diffs) - 1, loc=diffs.mean(), scale=st.sem(diffs))
    item = next(i for i in r_items(results["community-supermarket"]) if i["id"] == "REL2")
    assert item["n"] == len(diffs)
    assert item["gap"] == pytest.approx(diffs.mean(), abs=1e-3)
    assert (item["ci_low"], item["ci_high"]) == pytest.approx((low, high), abs=1e-3)


def r_items(result: dict) -> list[dict]:
    return result["modules"]["outcome_gap"]["data"]["customer_gap"]["items"]


def test_electronics_shows_the_zone_of_tolerance_and_what_drives_satisfaction(results):
    """The three-column survey: delivery below the adequate level; delivery and installation on time are
    basic attributes, a good price delights; the IPA grid uses derived importance."""
    data = results["electronics-retailer"]["modules"]["outcome_gap"]["data"]
    below = {i["id"] for i in data["zone"]["items"] if i["position"] == "below"}
    assert {"REL1", "REL4"} <= below
    assert next(d for d in data["zone"]["dimensions"] if d["dimension"] == "reliability")["position"] == "below"
    kinds = {a["id"]: a["kind"] for a in data["drivers"]["prca"]["attributes"]}
    assert kinds["REL1"] == "basic" and kinds["REL4"] == "basic" and kinds["EMP4"] == "excitement"
    weights = sorted(data["drivers"]["relative_weights"]["items"], key=lambda r: -r["share"])
    assert {"REL1", "EMP4", "REL4"} == {w["id"] for w in weights[:3]}
    assert data["ipa"]["x_basis"] == "derived"


def test_electronics_is_an_outcome_gap_story(results):
    r = results["electronics-retailer"]
    assert weakest_gap(r) == "outcome_gap"
    promises = {p["id"]: p for p in r["modules"]["outcome_gap"]["data"]["promises"]}
    assert promises["DELIVER24"]["status"] == "over_promise"
    assert "DELIVER24" in " ".join(finding(r, "outcome_gap", "outcome_gap.over_promises")["evidence"])
    # the delivery log read independently: kept / total of the 24-hour promise
    ws = openpyxl.load_workbook(SAMPLES / "electronics-retailer" / "delivery_log.xlsx", read_only=True).active
    rows = list(ws.iter_rows(values_only=True))
    col = {name: i for i, name in enumerate(rows[0])}
    kept = [row[col["kept"]] == "true" for row in rows[1:] if row[col["promise"]] == "DELIVER24"]
    assert (promises["DELIVER24"]["kept"], promises["DELIVER24"]["total"]) == (sum(kept), len(kept))
    assert 0.45 < sum(kept) / len(kept) < 0.65  # kept about half the time
    worst = min(r_items(r), key=lambda i: i["gap"])
    assert worst["id"] == "REL1"  # "delivered when promised" is the largest shortfall


def test_lubricant_is_a_pharmacy_complaints_and_people_story(results):
    r = results["lubricant-aftersales"]
    assert weakest_gap(r) == "pharmacy_gap"
    assert r["modules"]["prescription_gap"]["score"] >= 70  # the standards themselves are sound
    standards = r["modules"]["pharmacy_gap"]["data"]["standards"]
    assert all(s["status"] in ("shortfall", "possible_shortfall") for s in standards)
    assert finding(r, "pharmacy_gap", "pharmacy_gap.critical_failures")["severity"] == "critical"
    # slow complaints: the median from the BOM-encoded log, read independently
    text = (SAMPLES / "lubricant-aftersales" / "complaints.csv").read_bytes().decode("utf-8-sig")
    hours = [float(row["hours_to_resolve"]) for row in csv.DictReader(io.StringIO(text)) if row["hours_to_resolve"]]
    assert statistics.median(hours) > 72
    assert r["modules"]["eight_factor"]["data"]["complaints"]["hours"]["median"] == pytest.approx(
        statistics.median(hours))
    assert finding(r, "eight_factor", "eight_factor.complaints.six_steps")["severity"] == "high"
    corners = r["modules"]["golden_triangle"]["data"]["corners"]
    scores = {c["corner"]: c["score"] for c in corners}
    assert min(scores, key=scores.get) == "people"


def test_well_run_store_scores_high_but_one_critical_failure_caps_its_grade(results):
    r = results["well-run-store"]
    assert r["overall"]["score"] >= 85 and r["overall"]["grade"] == "C"
    for mid in ("diagnosis_gap", "outcome_gap"):
        assert r["modules"][mid]["score"] >= 90
    critical = finding(r, "pharmacy_gap", "pharmacy_gap.critical_failures")
    assert critical["severity"] == "critical" and "COLDCHAIN" in " ".join(critical["evidence"])
    assert r["modules"]["pharmacy_gap"]["grade_cap"] == "C"


def test_a_zh_sample_reports_in_english_on_request(results, tmp_path):
    target = tmp_path / "en.json"
    ran = CliRunner().invoke(main, ["run", str(audit_path("community-supermarket")), "-f", "json",
                                    "-o", str(target), "--lang", "en"])
    assert ran.exit_code == 0, ran.output
    r = json.loads(target.read_text("utf-8"))
    assert r["modules"]["diagnosis_gap"]["title"].startswith("Diagnosis gap")
    assert r["overall"]["score"] == results["community-supermarket"]["overall"]["score"]


# --- the chain sample ---------------------------------------------------------------------

@pytest.fixture
def autoload(monkeypatch):
    """Load installed plugins (the test suite switches autoloading off by default)."""
    monkeypatch.delenv("GAPAUDIT_DISABLE_PLUGIN_AUTOLOAD", raising=False)


@needs_acme
def test_acme_sample_runs_with_the_chain_plugin(autoload, tmp_path):
    r = run_json(ACME, tmp_path)
    assert "prescription_gap" not in r["modules"]  # switched off by the chain's defaults
    house = r["modules"]["acme_house_standards"]
    assert house["grade_cap"] == "D" and finding(r, "acme_house_standards",
                                                 "acme_house_standards.complaint")["severity"] == "critical"
    assert r["overall"]["score"] >= 65 and r["overall"]["grade"] == "D"  # C on Acme's bands, capped at D
    ids = [a["id"] for a in r["actions"]]
    assert ids[0] == "acme.house.complaint" and "acme.field_coach" in ids
    assert any("Acme Academy" in a["title"] for a in r["actions"] if a["id"] == "pharmacy_gap.cause.training")


@needs_acme
def test_acme_plugin_leaves_other_chains_alone(autoload, tmp_path, results):
    r = run_json("well-run-store", tmp_path)
    assert "acme_house_standards" not in r["modules"] and "prescription_gap" in r["modules"]
    assert not any(a["id"].startswith("acme.") for a in r["actions"])
    assert r["overall"] == results["well-run-store"]["overall"]


def test_acme_sample_says_clearly_when_the_plugin_is_missing():
    ran = CliRunner().invoke(main, ["validate", str(audit_path(ACME))])  # autoload off: acme not loaded
    assert ran.exit_code == 2
    assert "plugin 'acme' is required by this audit but not installed" in ran.output


# --- the showcase renders -------------------------------------------------------------------

@pytest.mark.slow
def test_showcase_sample_renders_to_pdf_and_html(tmp_path):
    ran = CliRunner().invoke(main, ["run", str(audit_path("community-supermarket")), "-f", "pdf,html",
                                    "-o", str(tmp_path)])
    assert ran.exit_code == 0, ran.output
    assert (tmp_path / "audit.pdf").read_bytes().startswith(b"%PDF")
    assert "邻里家社区超市" in (tmp_path / "audit.html").read_text("utf-8")
