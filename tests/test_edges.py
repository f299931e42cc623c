"""Inputs at the edge of the scale: sane ranges in the model make absurd values located input errors
(exit 2), never an overflow in a module (exit 3) or while formatting (exit 70); formatting is total."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gapaudit.cli import main
from gapaudit.render.i18n import fmt_num, fmt_pct

HEAD = "schema_version: 1\naudit: {id: A1, date: DATE, language: en}\nstore: {id: S1, name: Shop}\n"


def _run(tmp_path: Path, text: str, *args: str):
    audit = tmp_path / "audit.yaml"
    audit.write_text(text, "utf-8")
    return CliRunner().invoke(main, ["run", str(audit), "-f", "json,html", "-o", str(tmp_path / "out") + "/",
                                     *args])


@pytest.mark.parametrize("text,where,shown", [
    (HEAD.replace("DATE", "9999-12-31"), ":2:", "audit.date"),
    (HEAD.replace("DATE", "1900-01-01"), ":2:", "audit.date"),
    (HEAD.replace("DATE", "2026-09-01") + "evidence:\n  volume: {transactions: " + "9" * 400 + ", period_days: 90}\n",
     ":5:", "evidence.volume.transactions"),
    (HEAD.replace("DATE", "2026-09-01") + "evidence:\n  promises:\n    - {id: P1, text: Fast, kept: "
     + "1" + "0" * 30 + ", total: " + "1" + "0" * 30 + "}\n", ":6:", "evidence.promises[0].kept"),
    (HEAD.replace("DATE", "2026-09-01") + "scoring: {weights: {outcome_gap: 1e308}}\n", ":4:", "scoring"),
    (HEAD.replace("DATE", "2026-09-01") + "modules: {outcome_gap: {weights: {promises: 1.0e300}}}\n", ":4:",
     "modules.outcome_gap.weights"),
    (HEAD.replace("DATE", "2026-09-01") + "evidence:\n  complaints:\n    - {id: C1, date: 3026-01-01}\n", ":6:",
     "evidence.complaints[0].date"),
])
def test_absurd_values_are_located_input_errors(tmp_path, text, where, shown):
    out = _run(tmp_path, text)
    assert out.exit_code == 2, out.output
    assert f"audit.yaml{where}" in out.output and shown in out.output
    assert not (tmp_path / "out").exists()


def test_the_largest_sane_values_still_give_a_report(tmp_path):
    text = (HEAD.replace("DATE", "2099-12-31") + "evidence:\n  volume: {transactions: 1000000000, "
            "customers: 1000000000, period_days: 3660}\n  promises:\n    - {id: P1, text: Fast, kept: 999999999, "
            "total: 1000000000}\n  complaints:\n    - {id: C1, date: 2099-12-31, resolved: yes, hours_to_resolve: "
            "87840}\nscoring: {weights: {outcome_gap: 1000}}\n")
    out = _run(tmp_path, text)
    assert out.exit_code == 0, out.output
    data = json.loads((tmp_path / "out" / "audit.json").read_text())
    assert data["audit"]["date"] == "2099-12-31"
    assert "1,000,000,000" in (tmp_path / "out" / "audit.html").read_text()


@pytest.mark.parametrize("value,text", [
    (1e308, "1e+308"), (10 ** 30, "1.00e+30"), (10 ** 400, "1.00e+400"), (-2.5e20, "−2.5e+20"),
    (123_456_789.125, "123,456,789.13"), (float("inf"), "inf"), (float("nan"), "nan"), (None, "—"),
])
def test_number_formatting_is_total(value, text):
    assert fmt_num(value) == text


def test_percent_of_a_huge_ratio_does_not_crash():
    assert fmt_pct(1e308, ratio=True) == "inf%"
    assert fmt_pct(10 ** 30, 0) == "1.00e+30%"


def test_rollup_skips_a_result_with_a_score_outside_the_contract(tmp_path, gapaudit_sample):
    runner = CliRunner()
    results = tmp_path / "results"
    for name in ("well-run-store", "community-supermarket"):
        path = gapaudit_sample(name)
        assert runner.invoke(main, ["run", str(path), "-f", "json", "-o", str(results / f"{name}.json")]).exit_code == 0
    bad = results / "well-run-store.json"
    data = json.loads(bad.read_text())
    data["overall"]["score"] = 1e308
    bad.write_text(json.dumps(data))
    out = runner.invoke(main, ["rollup", str(results), "-f", "json,html", "-o", str(tmp_path / "hq") + "/"])
    assert out.exit_code == 2, out.output  # written, with the bad file listed
    assert "well-run-store.json: not a valid result: overall score 1e+308 is outside 0–100" in out.output
    assert json.loads((tmp_path / "hq" / "rollup.json").read_text())["counts"]["stores"] == 1
