"""The capture workbook of ``gapaudit init --workbook``: its structure, and a workbook filled in as a
person would (drop-down answers, Chinese words, blank cells) validates and runs with no other edit."""

from __future__ import annotations

import datetime as dt
import random
import re
import statistics
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from pydantic import TypeAdapter

from gapaudit.scaffold import SCALE, TABLES, header, scaffold, servqual_items
from gapaudit.scaffold.workbook import INSTRUCTIONS, SHEETS, WORKBOOK
from test_scaffold import run_json

LANGS = ("en", "zh")


@pytest.fixture(scope="module", params=LANGS)
def made(request, tmp_path_factory) -> tuple[str, Path]:
    """A freshly scaffolded workbook audit in each language."""
    folder = tmp_path_factory.mktemp(f"wb-{request.param}")
    scaffold(folder, request.param, workbook=True, today=dt.date(2026, 10, 20))
    return request.param, folder


# --- structure --------------------------------------------------------------------------------------

def test_sheets_in_the_audit_language_with_the_model_headers(made):
    lang, folder = made
    wb = openpyxl.load_workbook(folder / WORKBOOK)
    assert wb.sheetnames == [INSTRUCTIONS[lang]] + [SHEETS[t][lang] for t in TABLES]
    assert wb.active.title == INSTRUCTIONS[lang]
    items = servqual_items(lang)
    for table in TABLES:
        ws = wb[SHEETS[table][lang]]
        assert [c.value for c in ws[1]] == header(table, items), table
        assert all(c.comment is not None and len(c.comment.text) > 10 for c in ws[1]), table
    q = wb[SHEETS["questionnaire"][lang]]
    assert [[c.value for c in row] for row in q.iter_rows(min_row=2)] == [
        [i["id"], i["text"], i["dimension"], i["factor"] or None, i["element"] or None] for i in items]
    assert (folder / WORKBOOK).stat().st_size < 80_000


def test_header_frozen_and_locked_data_cells_open(made):
    lang, folder = made
    wb = openpyxl.load_workbook(folder / WORKBOOK)
    for table in TABLES:
        ws = wb[SHEETS[table][lang]]
        assert ws.protection.sheet, table
        assert ws.freeze_panes == ("B2" if table == "survey" else "A2"), table
        assert all(c.protection.locked for c in ws[1]), table
        for idx in range(1, ws.max_column + 1):
            assert ws.column_dimensions[get_column_letter(idx)].protection.locked is False, (table, idx)
    q = wb[SHEETS["questionnaire"][lang]]
    assert all(not c.protection.locked for row in q.iter_rows(min_row=2) for c in row)
    # the same, as Excel reads it: <sheetProtection sheet="1">, a frozen pane, <col style> with locked="0"
    with zipfile.ZipFile(folder / WORKBOOK) as zf:
        styles = zf.read("xl/styles.xml").decode()
        xfs = re.findall(r"<xf [^>]*?(?:/>|>.*?</xf>)", styles.split("<cellXfs")[1].split("</cellXfs>")[0])
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(sheets) == len(TABLES) + 1
        for name in sheets:
            xml = zf.read(name).decode()
            assert re.search(r'<sheetProtection [^>]*sheet="1"', xml), name
            if name.endswith("sheet1.xml"):  # the instructions
                continue
            assert 'state="frozen"' in xml and "<dataValidations" in xml, name
            for style in re.findall(r'<col [^>]*style="(\d+)"', xml):
                assert 'locked="0"' in xfs[int(style)], name


def _validations(ws) -> dict[str, object]:
    """Column letter → the data validation covering its data cells."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            assert rng.min_row == 2 and rng.max_row == 1_048_576
            for col in range(rng.min_col, rng.max_col + 1):
                out[get_column_letter(col)] = dv
    return out


def _options(dv) -> list[str]:
    return dv.formula1.strip('"').split(",")


ANSWER, FLAG, SEVERITY = ["yes", "partly", "no", "na"], [True, False], ["low", "medium", "high"]
FACTOR = ["attitude", "technique", "responsibility", "hardware", "management", "highlights"]
ELEMENT = ["appearance", "attitude", "expression", "store", "equipment", "products", "process", "complaint_handling",
           "service_system"]
#: every closed answer of the evidence tables and the values its drop-down must give
CLOSED = {
    ("questionnaire", "factor"): FACTOR, ("questionnaire", "element"): ELEMENT,
    ("management", "invests"): ANSWER,
    **{("standards", f): ANSWER for f in ("documented", "specific", "customer_side", "consistent", "known_by_staff",
                                          "management_support")},
    **{("standards", f): FLAG for f in ("too_complex", "too_harsh", "critical")},
    ("standards", "factor"): FACTOR, ("standards", "element"): ELEMENT,
    ("observations", "result"): ANSWER, ("observations", "factor"): FACTOR, ("observations", "element"): ELEMENT,
    ("promises", "channel"): ["advertising", "poster", "staff", "contract", "website", "packaging", "other"],
    ("promise_checks", "kept"): FLAG,
    ("complaints", "severity"): SEVERITY, ("complaints", "resolved"): FLAG,
    ("complaints", "outcome"): ["kept", "lost", "unknown"],
    **{("complaint_handling", f): ANSWER for f in ("apologise", "explain", "empathise", "solve_quickly", "commit",
                                                   "thank")},
    ("errors", "severity"): SEVERITY,
    ("lost_customers", "reason"): ["died", "moved", "taste", "referral", "competition", "product", "indifference",
                                   "other"],
}


def test_every_closed_answer_is_a_drop_down_the_loader_accepts(made):
    lang, folder = made
    wb = openpyxl.load_workbook(folder / WORKBOOK)
    strict_lists = {}
    for table, model in TABLES.items():
        if model is None:
            continue
        dvs = _validations(wb[SHEETS[table][lang]])
        for idx, name in enumerate(model.model_fields, start=1):
            dv = dvs.get(get_column_letter(idx))
            if dv is not None and dv.type == "list" and dv.formula1.startswith('"') and dv.showErrorMessage:
                strict_lists[(table, name)] = dv
    assert set(strict_lists) == set(CLOSED) | {("questionnaire", "dimension")}
    dimension = strict_lists.pop(("questionnaire", "dimension"))
    assert _options(dimension) == ["tangibles", "reliability", "responsiveness", "assurance", "empathy"]
    assert dimension.errorStyle == "warning"  # a chain may add its own dimension: Excel asks, does not refuse
    for (table, name), dv in strict_lists.items():
        # each word offered is one the loader accepts, and the words give every value once
        field = TABLES[table].model_fields[name]
        got = [TypeAdapter(field.rebuild_annotation()).validate_python(o) for o in _options(dv)]
        assert got == CLOSED[(table, name)], (table, name, _options(dv))
        if lang == "zh" and CLOSED[(table, name)] not in (FACTOR, ELEMENT):  # those are codes, glossed in the prompt
            assert all(re.fullmatch(r"[\u4e00-\u9fff]+", o) for o in _options(dv)), (table, name, _options(dv))
    # ids picked from their own sheets
    refs = {("management", "item"): "questionnaire", ("observations", "standard"): "standards",
            ("promise_checks", "promise"): "promises"}
    for (table, name), source in refs.items():
        idx = list(TABLES[table].model_fields).index(name) + 1
        dv = _validations(wb[SHEETS[table][lang]])[get_column_letter(idx)]
        assert dv.type == "list" and dv.formula1 == f"'{SHEETS[source][lang]}'!$A$2:$A$1001"
    # ratings: whole numbers within the questionnaire scale, on every rating column
    survey = wb[SHEETS["survey"][lang]]
    dvs = _validations(survey)
    for idx in range(2, survey.max_column + 1):
        dv = dvs[get_column_letter(idx)]
        assert (dv.type, dv.operator, dv.formula1, dv.formula2) == ("whole", "between", str(SCALE[0]), str(SCALE[1]))
    # the shift is a suggestion, not a constraint
    obs = wb[SHEETS["observations"][lang]]
    shift = _validations(obs)[get_column_letter(list(TABLES["observations"].model_fields).index("shift") + 1)]
    assert shift.type == "list" and not shift.showErrorMessage


def test_instructions_explain_sheets_blanks_and_running(made):
    lang, folder = made
    wb = openpyxl.load_workbook(folder / WORKBOOK)
    text = "\n".join(str(c.value) for row in wb[INSTRUCTIONS[lang]].iter_rows() for c in row if c.value)
    assert "gapaudit validate audit.yaml" in text and "gapaudit run audit.yaml" in text
    for table in TABLES:
        assert SHEETS[table][lang] in text
    if lang == "zh":
        assert "空白" in text and "未作答" in text and "必填" in text
    else:
        assert "Blank cells" in text and "not answered" in text and "Required" in text


def test_untouched_workbook_validates_and_runs_as_no_data(made, tmp_path):
    lang, folder = made
    r = run_json(folder / "audit.yaml", tmp_path / "r.json")
    assert r["overall"]["score"] is None and r["actions"] == []
    assert all(module["score"] is None for module in r["modules"].values())


# --- filled in as a person would ---------------------------------------------------------------------



def _fill(folder: Path, lang: str) -> dict:
    """Type evidence into the workbook, a few cells left blank; what was typed (closed answers as values).

    A closed answer is typed as the drop-down word that means it (是 for yes in a Chinese workbook).
    """
    rng = random.Random(11)
    items = [i["id"] for i in servqual_items(lang)]
    path = folder / WORKBOOK
    wb = openpyxl.load_workbook(path)

    def put(table: str, rows: list[dict]) -> None:
        ws = wb[SHEETS[table][lang]]
        names = [c.value for c in ws[1]]
        dvs = _validations(ws)
        word = {}  # field → {value: the drop-down word that means it}
        for (t, name), _ in CLOSED.items():
            if t == table:
                adapter = TypeAdapter(TABLES[t].model_fields[name].rebuild_annotation())
                options = _options(dvs[get_column_letter(names.index(name) + 1)])
                word[name] = {adapter.validate_python(o): o for o in options}
        start = ws.max_row + 1 if table == "questionnaire" else 2
        for r, row in enumerate(rows, start=start):
            for name, value in row.items():
                if name in word and value is not None:
                    value = word[name][value]
                ws.cell(row=r, column=names.index(name) + 1, value=value)

    survey = []
    for n in range(30):
        row = {"respondent": f"{n + 1:03d}"}  # typed as text in a text column
        for item in items:
            e = rng.randint(4, 7)
            row[f"E_{item}"] = None if rng.random() < 0.05 else e
            row[f"P_{item}"] = None if rng.random() < 0.05 else max(1, e - rng.randint(0, 3))
            row[f"I_{item}"] = rng.randint(3, 7)
        survey.append(row)
    put("survey", survey)
    put("management", [{"item": i, "expectation": round(rng.uniform(4, 7), 1), "importance": rng.randint(4, 7),
                        "invests": rng.choice(["yes", "partly", "no", None])} for i in items])
    standards = [("GREET", "Greet within 10 seconds", "ASS3;EMP1", "attitude", "attitude"),
                 ("WALK", "Walk customers to the product", "RES3、EMP3", "responsibility", "attitude"),
                 ("QUEUE", "No more than three in a checkout queue", "RES2", "management", "process"),
                 ("REFUND", "Refund at the counter without a manager", "REL2", "responsibility", "complaint_handling")]
    put("standards", [{"id": sid, "title": title, "covers": covers, "documented": "yes",
                       "specific": "yes" if sid != "WALK" else "partly", "customer_side": "yes",
                       "consistent": "yes", "known_by_staff": "partly" if sid == "QUEUE" else "yes",
                       "management_support": "yes", "too_complex": False if sid == "GREET" else None,
                       "critical": True if sid == "REFUND" else None, "factor": factor, "element": element}
                      for sid, title, covers, factor, element in standards])
    shifts = {"en": ["morning", "evening", None], "zh": ["早班", "晚班", None]}[lang]
    observations = []
    for v in range(1, 7):
        for sid, *_ in standards:
            result = rng.choices(["yes", "no", "partly", "na"], [8, 2, 1, 1])[0]
            observations.append({"visit": str(v), "standard": sid, "result": result,
                                 "date": dt.datetime(2026, 10, v), "shift": shifts[v % 3],
                                 "note": "排队五人" if sid == "QUEUE" and result == "no" else None})
    put("observations", observations)
    put("promises", [{"id": "P1", "text": "Checkout in five minutes", "channel": "poster", "items": "RES2"}])
    checks = [rng.random() < 0.8 for _ in range(12)]
    put("promise_checks", [{"promise": "P1", "kept": k, "date": dt.datetime(2026, 10, i + 1)}
                           for i, k in enumerate(checks)])
    complaints = []
    for c in range(8):
        resolved = c % 3 != 0
        complaints.append({"id": f"C{c + 1}", "date": dt.datetime(2026, 9, 10 + c),
                           "channel": "热线" if lang == "zh" and c % 2 else ("hotline" if c % 2 else "store manager"),
                           "category": "delivery", "severity": ["high", "low", None][c % 3],
                           "resolved": resolved,
                           "hours_to_resolve": 2.5 * (c + 1) if resolved else None,
                           "outcome": ["kept", "lost", None][c % 3]})
    put("complaints", complaints)
    put("complaint_handling", [{"case": "H1", "apologise": "yes", "explain": "partly", "empathise": "yes",
                                "solve_quickly": "no", "commit": None, "thank": "yes"},
                               {"case": "H2", "apologise": "yes", "explain": "yes", "empathise": "na",
                                "solve_quickly": "yes", "commit": "yes", "thank": "yes"}])
    put("errors", [{"id": "E1", "date": dt.datetime(2026, 10, 2), "category": "price tag", "severity": "low"},
                   {"id": "E2", "category": "wrong change"}])
    put("lost_customers", [{"reason": "indifference", "count": 5}, {"reason": "competition", "count": 2},
                           {"reason": "moved"}])
    _check_against_validations(wb, lang)
    if lang == "zh":  # what a person picked from the Chinese drop-downs
        typed_words = {c.value for ws in wb.worksheets[1:] for row in ws.iter_rows(min_row=2) for c in row}
        assert {"是", "部分", "否", "不适用", "高", "低", "挽回", "流失", "海报", "员工冷漠"} <= typed_words
    wb.save(path)
    return {"survey": survey, "observations": observations, "checks": checks, "complaints": complaints,
            "items": items}


def _check_against_validations(wb, lang: str) -> None:
    """Every typed cell is one Excel's data validation lets through (what a person could type)."""
    for table in TABLES:
        ws = wb[SHEETS[table][lang]]
        dvs = _validations(ws)
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                dv = dvs.get(cell.column_letter)
                if cell.value is None or dv is None:
                    continue
                where = (table, cell.coordinate, cell.value)
                if dv.type == "list" and dv.formula1.startswith('"') and dv.showErrorMessage:
                    assert str(cell.value) in _options(dv), where
                elif dv.type == "list" and dv.formula1.startswith("'"):
                    sheet, _ = dv.formula1.split("!")
                    source = wb[sheet.strip("'")]
                    assert cell.value in [c.value for c in source["A"][1:]], where
                elif dv.type in ("whole", "decimal"):
                    assert isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool), where
                    assert (dv.type == "decimal" or cell.value == int(cell.value)) and \
                        cell.value >= float(dv.formula1) and (dv.formula2 is None or cell.value <= float(dv.formula2)), where
                elif dv.type == "date":
                    assert isinstance(cell.value, dt.datetime), where


def test_filled_workbook_validates_and_runs_with_no_other_edit(made, tmp_path_factory):
    lang, template = made
    folder = tmp_path_factory.mktemp(f"filled-{lang}")
    for name in ("audit.yaml", WORKBOOK):
        (folder / name).write_bytes((template / name).read_bytes())
    typed = _fill(folder, lang)
    r = run_json(folder / "audit.yaml", folder / "r.json")
    mods = r["modules"]
    for mid in ("diagnosis_gap", "prescription_gap", "pharmacy_gap", "outcome_gap"):
        assert mods[mid]["score"] is not None, (mid, r["data_quality"]["no_data"])
    metric = {x["id"]: x for module in mods.values() for x in module["metrics"]}

    # survey item gaps, recomputed from what was typed: mean of P − E over respondents with both
    for item in typed["items"]:
        pairs = [(row[f"P_{item}"] - row[f"E_{item}"]) for row in typed["survey"]
                 if row[f"P_{item}"] is not None and row[f"E_{item}"] is not None]
        got = metric[f"outcome_gap.item.{item}"]
        assert got["n"] == len(pairs) and got["value"] == pytest.approx(statistics.fmean(pairs), abs=6e-4), item
    # delivery per standard: compliant ÷ applicable ('partly' counts as not compliant, 'na' left out)
    yes, applicable = "yes", [o for o in typed["observations"] if o["result"] != "na"]
    for sid in ("GREET", "WALK", "QUEUE", "REFUND"):
        rows = [o for o in applicable if o["standard"] == sid]
        got = metric[f"pharmacy_gap.standard.{sid}"]
        assert got["n"] == len(rows)
        assert got["value"] == pytest.approx(100 * sum(o["result"] == yes for o in rows) / len(rows), abs=0.05)
    # promise keeping from the 12 checks, complaint resolution from the log
    assert metric["outcome_gap.promises"]["value"] == pytest.approx(100 * sum(typed["checks"]) / 12, abs=0.05)
    resolved = sum(c["resolved"] for c in typed["complaints"])
    rate = metric["eight_factor.complaints.resolution_rate"]
    assert rate["n"] == 8 and rate["value"] == pytest.approx(100 * resolved / 8, abs=0.05)
