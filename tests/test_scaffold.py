"""``gapaudit init``: the scaffold is valid as it is, never poses as evidence, and its files round-trip."""

from __future__ import annotations

import csv
import io
import json
from importlib.resources import files
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from gapaudit.cli import main
from gapaudit.load.tables import open_table
from gapaudit.model import audit as m
from gapaudit.scaffold import TABLES, header, scaffold, servqual_items
from gapaudit.testing import load, make_host

LANGS = ("en", "zh")


def run_json(audit: Path, out: Path) -> dict:
    """``gapaudit validate`` then ``gapaudit run -f json`` through the CLI; the parsed result."""
    runner = CliRunner()
    checked = runner.invoke(main, ["validate", str(audit)])
    assert checked.exit_code == 0, checked.output
    ran = runner.invoke(main, ["run", str(audit), "-f", "json", "-o", str(out)])
    assert ran.exit_code == 0, ran.output
    return json.loads(out.read_text("utf-8"))


# --- the questionnaire bank ---------------------------------------------------------------------

def test_servqual_bank_has_six_fields_on_every_row():
    text = files("gapaudit.scaffold").joinpath("files", "servqual_items.csv").read_text("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["id", "dimension", "factor", "element", "text_en", "text_zh"]
    assert [len(r) for r in rows] == [6] * 23
    rel5 = {i["id"]: i for i in servqual_items("en")}["REL5"]
    assert rel5["text"] == "The store keeps error-free records (bills, orders)"
    assert {i["id"]: i for i in servqual_items("zh")}["REL5"]["text"] == "门店的单据、订单等记录准确无误"


@pytest.mark.parametrize("lang", LANGS)
def test_every_scaffolded_csv_round_trips(tmp_path, lang):
    """Header = the model's fields; every row parses back (csv module and gapaudit's reader) to the same values."""
    written = scaffold(tmp_path, lang)
    items = servqual_items(lang)
    assert {p.name for p in written} == {"audit.yaml"} | {f"{t}.csv" for t in TABLES}
    for table, model in TABLES.items():
        path = tmp_path / f"{table}.csv"
        rows = list(csv.reader(io.StringIO(path.read_text("utf-8"), newline="")))
        assert rows[0] == header(table, items)
        if model is not None:
            assert rows[0] == list(model.model_fields)
        sheet = open_table(path, path.name)
        assert sheet.header == rows[0]
        read = [dict(zip(sheet.header, cells)) for _, cells in sheet.rows()]
        if table != "questionnaire":
            assert rows[1:] == [] and read == []
            continue
        assert len(rows) == 23 and all(len(r) == 5 for r in rows)
        expected = [{k: v or None for k, v in i.items()} for i in items]
        assert read == expected
        assert [m.QuestionItem.model_validate(r).model_dump() for r in read] == expected


# --- placeholders never pose as evidence --------------------------------------------------------

#: the only values an untouched template may fill in: what validation needs, the instrument's scale, file references
ALLOWED_FILLED = {("schema_version",), ("audit", "id"), ("audit", "date"), ("audit", "language"), ("store", "id"),
                  ("store", "name"), ("evidence", "questionnaire", "scale", "min"),
                  ("evidence", "questionnaire", "scale", "max")}


def _leaves(value, path=()):
    if isinstance(value, dict):
        if set(value) <= {"file", "sheet"} and "file" in value:  # a table reference, not a value
            return
        for k, v in value.items():
            yield from _leaves(v, path + (k,))
    else:
        yield path, value


@pytest.mark.parametrize("workbook", [False, True], ids=["csv", "workbook"])
@pytest.mark.parametrize("lang", LANGS)
def test_template_fills_in_nothing_but_what_validation_needs(tmp_path, lang, workbook):
    scaffold(tmp_path, lang, workbook=workbook)
    data = yaml.safe_load((tmp_path / "audit.yaml").read_text("utf-8"))
    filled = {path for path, value in _leaves(data) if value not in (None, [], {})}
    assert filled == ALLOWED_FILLED
    audit = load(tmp_path / "audit.yaml", make_host()).input
    assert audit.evidence.listening is None and audit.evidence.volume is None
    assert audit.audit.auditor is None and audit.store.chain is None and audit.store.region is None


@pytest.mark.parametrize("workbook", [False, True], ids=["csv", "workbook"])
@pytest.mark.parametrize("lang", LANGS)
def test_untouched_init_audit_is_no_data_everywhere(tmp_path, lang, workbook):
    """No score, metric value, finding or action may rest on a placeholder of an untouched audit."""
    runner = CliRunner()
    args = ["init", str(tmp_path / "a"), "--lang", lang] + (["--workbook"] if workbook else [])
    made = runner.invoke(main, args)
    assert made.exit_code == 0, made.output
    r = run_json(tmp_path / "a" / "audit.yaml", tmp_path / "r.json")
    assert r["overall"]["score"] is None and r["actions"] == []
    for mid, module in r["modules"].items():
        assert module["score"] is None, mid
        assert [x["id"] for x in module["metrics"] if x["value"] is not None] == [], mid
        # only "the review checklist is unanswered", which is true of an untouched audit
        assert {f["id"] for f in module["findings"]} <= {f"{mid}.checklist.unanswered"}, mid
    assert {x["module"] for x in r["data_quality"]["no_data"]} == set(r["modules"])


def test_init_workbook_writes_the_workbook_instead_of_csv_files(tmp_path):
    made = CliRunner().invoke(main, ["init", str(tmp_path), "--workbook", "--lang", "zh"])
    assert made.exit_code == 0, made.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit.xlsx", "audit.yaml", "gapaudit.schema.json"]
    text = (tmp_path / "audit.yaml").read_text("utf-8")
    assert "standards: {file: audit.xlsx, sheet: 服务标准}" in text
    assert "survey_cadence: never" not in text.replace("# survey_cadence", "")
