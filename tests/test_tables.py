"""Evidence files as they arrive: encodings, title rows, reading options, and errors a person can act on."""

from __future__ import annotations

import datetime as dt
import textwrap
import zipfile
from pathlib import Path

import openpyxl
import pytest

from gapaudit.errors import InputError
from gapaudit.load.audit import load_audit
from gapaudit.load.tables import ReadOptions, open_table, parse_date, parse_number
from gapaudit.testing import make_host

HEAD = """\
schema_version: 1
audit: {id: A1, date: 2026-09-01, language: LANG}
store: {id: S1, name: Test store}
evidence:
"""


@pytest.fixture(scope="module")
def host():
    return make_host(builtins=False)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def audit(tmp_path: Path, evidence: str, lang: str = "en") -> Path:
    path = tmp_path / "audit.yaml"
    path.write_text(HEAD.replace("LANG", lang) + textwrap.indent(textwrap.dedent(evidence), "  "), encoding="utf-8")
    return path


def problems(path: Path, host, lang: str | None = None) -> list[str]:
    with pytest.raises(InputError) as info:
        load_audit(path, host)
    return [i.format(lang) for i in info.value.issues]


# --- files ----------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding, delimiter", [("utf-16", "\t"), ("utf-8-sig", ";"), ("gb18030", ","),
                                                 ("utf-8", "\t")])
def test_encodings_and_delimiters_are_detected(tmp_path, host, encoding, delimiter):
    rows = [["id", "category", "severity"], ["C1", "价格", "高"], ["C2", "服务态度", "low"]]
    (tmp_path / "c.csv").write_bytes("\r\n".join(delimiter.join(r) for r in rows).encode(encoding))
    loaded = load_audit(audit(tmp_path, "complaints: {file: c.csv}\n"), host)
    assert [(c.category, c.severity) for c in loaded.input.evidence.complaints] == [("价格", "high"), ("服务态度", "low")]


def test_title_rows_above_the_header_get_a_hint(tmp_path, host):
    (tmp_path / "c.csv").write_text("2026年第四季度投诉登记表\n门店：翠苑店,,\nid,category,severity\nC1,价格,高\n",
                                    encoding="utf-8")
    [msg] = problems(audit(tmp_path, "complaints: {file: c.csv}\n"), host)
    assert "row 3" in msg and "header_row: 3" in msg
    loaded = load_audit(audit(tmp_path, "complaints: {file: c.csv, header_row: 3}\n"), host)
    assert [c.id for c in loaded.input.evidence.complaints] == ["C1"]


def test_workbook_with_merged_title_and_two_header_rows(tmp_path, host):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "投诉登记表"
    ws.merge_cells("A1:C1")
    ws.append(["id", "处理", ""])
    ws.append(["", "结果", "时长"])
    ws.append(["C1", "已解决", 4])
    ws.append([])
    ws.append(["C2", "未解决", None])
    wb.save(tmp_path / "c.xls")  # an XLSX saved with the old suffix, as people do
    loaded = load_audit(audit(tmp_path, """\
        complaints:
          file: c.xls
          header_row: 2
          header_rows: 2
          columns: {处理 - 结果: resolved, 处理 - 时长: hours_to_resolve}
        """), host)
    assert [(c.id, c.resolved, c.hours_to_resolve) for c in loaded.input.evidence.complaints] == \
        [("C1", True, 4.0), ("C2", False, None)]


def test_a_mapping_that_names_no_column_points_at_its_own_line(tmp_path, host):
    (tmp_path / "c.csv").write_text("id,类别\nC1,价格\n", encoding="utf-8")
    msgs = problems(audit(tmp_path, """\
        complaints:
          file: c.csv
          columns:
            类型: category
        """), host)
    assert any(m.startswith("audit.yaml:8:7: evidence.complaints.columns.类型: no column '类型' in c.csv")
               for m in msgs), msgs


def test_unknown_column_is_reported_once_with_the_fix(tmp_path, host):
    rows = "".join(f"C{i},价格,x\n" for i in range(300))
    (tmp_path / "c.csv").write_text("id,category,备注\n" + rows, encoding="utf-8")
    [msg] = problems(audit(tmp_path, "complaints: {file: c.csv}\n"), host)
    assert msg.startswith('c.csv: row 1, column "备注" (C): column \'备注\' is not a field of complaints')
    assert "ignore: [备注]" in msg


def test_one_problem_in_many_rows_is_one_line_with_the_rows_counted(tmp_path, host):
    rows = "".join(f"C{i},紧急\n" for i in range(120))
    (tmp_path / "c.csv").write_text("id,severity\n" + rows, encoding="utf-8")
    [msg] = problems(audit(tmp_path, "complaints: {file: c.csv}\n"), host)
    assert msg.startswith('c.csv: column "severity" (B), 120 rows (2, 3, 4, 5, 6, 7, …)')
    assert "'紧急'" in msg and "119 more like it" in msg
    [zh] = problems(audit(tmp_path, "complaints: {file: c.csv}\n", "zh"), host, "zh")
    assert zh.startswith("c.csv：“severity”列（B），120 行（第 2, 3, 4, 5, 6, 7, … 行）：") and "应为" in zh


def test_the_problem_cap_says_what_was_cut(tmp_path, host):
    rows = "".join(f"C{i},2026-13-{i % 28 + 1:02d},bad{i}\n" for i in range(300))
    (tmp_path / "c.csv").write_text("id,date,hours_to_resolve\n" + rows, encoding="utf-8")
    msgs = problems(audit(tmp_path, "complaints: {file: c.csv}\n"), host)
    assert len(msgs) == 2  # a date column and a number column, each one line
    assert any("300 rows" in m and "not a real date" in m for m in msgs)


def test_long_cells_are_quoted_short(tmp_path, host):
    (tmp_path / "c.csv").write_text("id,severity\nC1," + "严" * 100_000 + "\n", encoding="utf-8")
    [msg] = problems(audit(tmp_path, "complaints: {file: c.csv}\n"), host)
    assert len(msg) < 400


def test_cells_in_a_workbook_are_named_like_excel_does(tmp_path, host):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "投诉"
    ws.append(["id", "severity", "hours_to_resolve"])
    ws.append(["C1", "high", "48，000"])
    wb.save(tmp_path / "c.xlsx")
    [msg] = problems(audit(tmp_path, "complaints: {file: c.xlsx}\n"), host)
    assert msg.startswith('c.xlsx[投诉]!C2 (column "hours_to_resolve"): ')
    assert "write the number without separators, e.g. 48000" in msg


# --- values ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, fmt, expected", [
    ("2026/9/15", None, dt.date(2026, 9, 15)), ("2026年9月15日", None, dt.date(2026, 9, 15)),
    ("2026-09-15", None, dt.date(2026, 9, 15)), ("2026/9/15 14:03:22", None, dt.date(2026, 9, 15)),
    ("15/09/2026", "DMY", dt.date(2026, 9, 15)), ("09/15/2026", "MDY", dt.date(2026, 9, 15)),
    (46280, "excel", dt.date(2026, 9, 15)), ("46280", "excel", dt.date(2026, 9, 15)),
    ("15.09.2026", "%d.%m.%Y", dt.date(2026, 9, 15)), ("２０２６/９/１５", None, dt.date(2026, 9, 15)),
])
def test_dates_as_they_are_written(text, fmt, expected):
    assert parse_date(text, fmt) == expected


@pytest.mark.parametrize("text, fmt, says", [
    ("15/09/2026", None, "declare date_format: DMY"), ("2026-02-30", None, "not a real date"),
    (46280, None, "Excel serial dates"), ("next week", None, "write 2026-09-15"),
])
def test_date_errors_say_the_expected_form(text, fmt, says):
    en, zh = parse_date(text, fmt)
    assert says in en and zh


@pytest.mark.parametrize("text, expected", [("48", 48), ("４８", 48), ("4.5", 4.5), (" -3 ", -3), ("1e3", 1000.0)])
def test_numbers(text, expected):
    assert parse_number(text) == expected


def test_grouped_numbers_are_refused_with_the_plain_form():
    en, zh = parse_number("48，000")
    assert "e.g. 48000" in en and "48000" in zh


def test_value_maps_missing_codes_and_dates_declared_on_the_file(tmp_path, host):
    (tmp_path / "c.csv").write_text("id,date,severity,hours_to_resolve,resolved\n"
                                    "C1,15/10/2026,紧急,-99,是\nC2,03/10/2026,一般,5,是\n", encoding="utf-8")
    loaded = load_audit(audit(tmp_path, """\
        complaints:
          file: c.csv
          date_format: DMY
          missing: [-99]
          values: {severity: {紧急: high}}
        """), host)
    got = [(c.date, c.severity, c.hours_to_resolve) for c in loaded.input.evidence.complaints]
    assert got == [(dt.date(2026, 10, 15), "high", None), (dt.date(2026, 10, 3), "medium", 5.0)]


def test_wide_checklist_unpivoted_by_declaration(tmp_path, host):
    (tmp_path / "check.csv").write_text("检查项目,V1,V2,V3,备注\n问候,是,×,,晚班\n巡查试衣间,√,不适用,否,\n", encoding="utf-8")
    loaded = load_audit(audit(tmp_path, """\
        standards:
          - {id: GREET, title: 问候}
          - {id: FIT, title: 巡查试衣间}
        observations:
          file: check.csv
          columns: {检查项目: standard, 备注: note}
          unpivot: {columns: ["V*"], name_to: visit, value_to: result}
        """), host)
    obs = [(o.visit, o.standard, o.result, o.note) for o in loaded.input.evidence.observations]
    assert obs == [("V1", "GREET", "yes", "晚班"), ("V2", "GREET", "no", "晚班"), ("V1", "FIT", "yes", None),
                   ("V2", "FIT", "na", None), ("V3", "FIT", "no", None)]


def test_a_misspelt_dimension_is_an_error_not_a_sixth_dimension(tmp_path, host):
    msgs = problems(audit(tmp_path, """\
        questionnaire:
          items:
            - {id: R1, text: on time, dimension: reliabilty}
            - {id: W1, text: wifi, dimension: digital}
        """), host)
    assert any("dimension 'reliabilty' is not a SERVQUAL dimension; did you mean 'reliability'?" in m for m in msgs)
    assert any("'digital'" in m and "questionnaire.dimensions" in m for m in msgs)
    loaded = load_audit(audit(tmp_path, """\
        questionnaire:
          dimensions: [digital]
          items:
            - {id: W1, text: wifi, dimension: digital}
        """), host)
    assert loaded.input.evidence.questionnaire.items[0].dimension == "digital"


def test_survey_answers_skip_codes_and_label_sets(tmp_path, host):
    (tmp_path / "s.csv").write_text("respondent,E_R1,P_R1,I_R1\n1,非常同意,(跳过),非常重要\n2,7 - Strongly agree,一般,"
                                    "-99\n3,6,同意,3\n", encoding="utf-8")
    loaded = load_audit(audit(tmp_path, """\
        questionnaire:
          scale: {min: 1, max: 7}
          items: [{id: R1, text: on time, dimension: reliability}]
        survey:
          responses: {file: s.csv, missing: [-99]}
        """), host)
    survey = loaded.survey
    assert survey.expectation["R1"] == [7.0, 7.0, 6.0]
    assert survey.perception["R1"] == [None, 4.0, 6.0]
    assert survey.importance["R1"] == [7.0, None, 3.0]


def test_out_of_scale_code_suggests_declaring_it_missing(tmp_path, host):
    (tmp_path / "s.csv").write_text("respondent,E_R1\n1,999\n", encoding="utf-8")
    [msg] = problems(audit(tmp_path, """\
        questionnaire:
          items: [{id: R1, text: on time, dimension: reliability}]
        survey: {responses: {file: s.csv}}
        """), host)
    assert "declare it: missing: [999]" in msg


def test_long_layout_survey(tmp_path, host):
    (tmp_path / "s.csv").write_text("respondent,item,expectation,perception\nA,R1,7,5\nA,on time please,,\nB,R1,6,6\n"
                                    "B,T1,5,4\n", encoding="utf-8")
    loaded = load_audit(audit(tmp_path, """\
        questionnaire:
          items: [{id: R1, text: on time please, dimension: reliability}, {id: T1, text: clean, dimension: tangibles}]
        survey: {responses: {file: s.csv}, layout: long}
        """), host)
    assert loaded.survey.respondents == ["A", "B"]
    assert loaded.survey.expectation["R1"] == [7.0, 6.0]
    assert loaded.survey.perception["T1"] == [None, 4.0]


# --- bounded work on hostile files ----------------------------------------------------------------------

def test_too_many_columns_refused_at_the_header(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(2500)) + "\n" + ",".join("1" for _ in range(2500)) + "\n")
    with pytest.raises(InputError) as info:
        open_table(path, "wide.csv", ReadOptions())
    assert "2,500 columns; the limit is 2,000" in info.value.issues[0].message


def test_shared_strings_bomb_refused_before_reading(tmp_path):
    from gapaudit.load import tables

    path = tmp_path / "bomb.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["id"])
    wb.save(path)
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts["xl/sharedStrings.xml"] = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + \
        b"<si><t>a</t></si>" * 4_000_000 + b"</sst>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    assert path.stat().st_size < tables.MAX_SHARED_STRINGS_XML / 5
    with pytest.raises(InputError) as info:
        open_table(path, "bomb.xlsx", ReadOptions())
    assert "shared strings" in info.value.issues[0].message


def test_rows_beyond_the_cap_are_refused(tmp_path, monkeypatch):
    from gapaudit.load import tables

    monkeypatch.setattr(tables, "MAX_ROWS", 100)
    path = tmp_path / "long.csv"
    path.write_text("id\n" + "".join(f"C{i}\n" for i in range(150)))
    sheet = open_table(path, "long.csv", ReadOptions())
    with pytest.raises(InputError) as info:
        list(sheet.rows())
    assert "more than 100 data rows" in info.value.issues[0].message


def test_a_fifo_named_like_evidence_is_refused_not_read(tmp_path, host):
    import os

    os.mkfifo(tmp_path / "c.csv")
    [msg] = problems(audit(tmp_path, "complaints: {file: c.csv}\n"), host)
    assert "not a regular file" in msg


# --- European exports, totals lines --------------------------------------------------------

@pytest.mark.parametrize("text, expected", [("28,5", 28.5), ("1.500", 1500), ("1.234,5", 1234.5), ("-3,25", -3.25),
                                            ("28.5", 28.5)])
def test_numbers_with_a_decimal_comma_when_declared(text, expected):
    assert parse_number(text, ",") == expected


def test_a_decimal_comma_undeclared_says_how_to_declare_it():
    en, zh = parse_number("28,5")
    assert "decimal: ','" in en and "28.5" in en and "decimal: ','" in zh


def test_windows_1252_text_is_read_as_such_not_as_chinese(tmp_path, host):
    rows = ["id;category;severity", "C1;Qualität;hoch", "C2;Größe;niedrig", "C3;Catégorie épuisée;moyen"]
    (tmp_path / "c.csv").write_bytes("\r\n".join(rows).encode("cp1252"))
    loaded = load_audit(audit(tmp_path, """\
        complaints:
          file: c.csv
          values: {severity: {hoch: high, niedrig: low, moyen: medium}}
        """), host)
    assert [c.category for c in loaded.input.evidence.complaints] == ["Qualität", "Größe", "Catégorie épuisée"]


def test_text_in_no_known_encoding_is_an_error_not_a_crash(tmp_path, host):
    (tmp_path / "c.csv").write_bytes(b"id,category\nC1,\x81\x30\xff\xfe\x81\n")
    assert any("set encoding:" in p for p in problems(audit(tmp_path, "complaints: {file: c.csv}\n"), host))


def test_a_totals_line_under_the_table_is_not_data(tmp_path, host):
    (tmp_path / "c.csv").write_text("编号,严重程度,处理结果,处理时长（小时）\nC1,高,已解决,5\nC2,低,已解决,7\n合计,,,12\n",
                                    encoding="utf-8")
    loaded = load_audit(audit(tmp_path, "complaints: {file: c.csv, columns: {编号: id, 严重程度: severity, "
                                        "处理结果: resolved, 处理时长（小时）: hours_to_resolve}}\n"), host)
    assert [c.id for c in loaded.input.evidence.complaints] == ["C1", "C2"]


@pytest.mark.parametrize("value, fmt, expected", [
    ("46310", None, "declare date_format: excel"), (20261015, "%Y%m%d", dt.date(2026, 10, 15)),
    ("15-Oct-2026", None, "date_format: '%d-%b-%Y'"), ("2026-10-15", "%d.%m.%Y", "does not match the declared form"),
])
def test_dates_in_other_forms_say_how_to_declare_them(value, fmt, expected):
    got = parse_date(value, fmt)
    assert got == expected if isinstance(expected, dt.date) else expected in got[0] and got[1]


def _with_formulas(path: Path, saved: bool) -> None:
    """A complaints workbook whose hours are formulas: as a program writes them (no result), or as Excel saves
    them (the result kept in <v>); a helper column of formulas is never saved either way."""
    wb = openpyxl.Workbook()
    wb.active.append(["id", "resolved", "hours_to_resolve", "helper"])
    for k in range(1, 4):
        wb.active.append([f"C{k}", "yes", f"={k}*2", f"=C{k + 1}+1"])
    wb.save(path)
    if saved:
        with zipfile.ZipFile(path) as zf:
            parts = {n: zf.read(n) for n in zf.namelist()}
        xml = parts["xl/worksheets/sheet1.xml"].decode()
        for k in range(1, 4):
            xml = xml.replace(f"<f>{k}*2</f><v></v>", f"<f>{k}*2</f><v>{2 * k}</v>")
        parts["xl/worksheets/sheet1.xml"] = xml.encode()
        with zipfile.ZipFile(path, "w") as zf:
            for name, data in parts.items():
                zf.writestr(name, data)


def test_a_formula_whose_result_was_never_saved_is_named_not_read_as_blank(tmp_path, host):
    _with_formulas(tmp_path / "c.xlsx", saved=False)
    [msg] = problems(audit(tmp_path, "complaints: {file: c.xlsx, ignore: [helper]}\n"), host, "en")
    assert msg.startswith('c.xlsx[Sheet]!C2 (column "hours_to_resolve"): ') and "never saved (6 such cells" in msg
    _with_formulas(tmp_path / "c.xlsx", saved=True)
    loaded = load_audit(audit(tmp_path, "complaints: {file: c.xlsx, ignore: [helper]}\n"), host)
    assert [c.hours_to_resolve for c in loaded.input.evidence.complaints] == [2.0, 4.0, 6.0]


def test_a_missing_code_yaml_reads_as_a_boolean_is_refused_not_taken_as_zero(tmp_path, host):
    (tmp_path / "c.csv").write_text("id,hours_to_resolve,resolved\nC1,0,yes\n", encoding="utf-8")
    [msg] = problems(audit(tmp_path, "complaints: {file: c.csv, missing: [no]}\n"), host, "en")
    assert "audit.yaml:5:" in msg and "put the word in quotes, e.g. missing: ['no']" in msg


def test_role_markers_add_to_the_defaults(tmp_path, host):
    (tmp_path / "s.csv").write_text("respondent,Q1 期望 on time,Q1 满分评价 on time,Q1 实际 on time\n1,6,5,4\n",
                                    encoding="utf-8")
    loaded = load_audit(audit(tmp_path, """\
        questionnaire:
          items: [{id: R1, text: on time, dimension: reliability}]
        survey:
          responses: {file: s.csv, ignore: ["Q1 实际*"]}
          match: text
          role_markers: {perception: [评价]}
        """), host)
    assert loaded.survey.expectation["R1"] == [6.0] and loaded.survey.perception["R1"] == [5.0]


def test_a_default_role_marker_can_be_taken_away():
    from gapaudit.load.survey import role_markers

    markers = role_markers({"perception": ["-实际", "评价"]})
    assert "实际" not in markers["perception"] and "评价" in markers["perception"]
    assert "感受" in markers["perception"] and "期望" in markers["expectation"]
