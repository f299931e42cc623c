"""Real exports in with `gapaudit import` alone: each raw file → mapping written → `gapaudit run` passes, and what
gapaudit reads equals what the file holds (respondents, answers per item, compliance, complaint fields)."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from gapaudit.cli import main
from gapaudit.load.audit import load_audit
from gapaudit.testing import make_host

from . import exports


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture(scope="module")
def host():
    return make_host()


def _audit(folder: Path, lang: str) -> Path:
    path = folder / "audit.yaml"
    path.write_text(exports.audit_yaml(lang), encoding="utf-8")
    return path


def _import(runner, *args: str) -> str:
    result = runner.invoke(main, ["import", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _run_json(runner, audit: Path) -> dict:
    out = audit.with_suffix(".json")
    result = runner.invoke(main, ["run", str(audit), "-f", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text(encoding="utf-8"))


def _same_answers(survey, written: exports.Written, roles: tuple[str, ...]) -> None:
    """Every item's respondents and mean equal what the file holds, computed from the writer's own numbers."""
    assert len(survey.respondents) == len(written.answers)
    for item in survey.items:
        for role in roles:
            values = [v for v in getattr(survey, role)[item.id] if v is not None]
            assert len(values) == written.answered(role, item.id), (role, item.id)
            expected = written.mean(role, item.id)
            assert math.isclose(sum(values) / len(values), expected, rel_tol=1e-12), (role, item.id)


@pytest.mark.parametrize("maker, filename, lang, roles, n", [
    (exports.wenjuanxing, "问卷星_按文本.csv", "zh", ("expectation", "perception", "importance"), 320),
    (exports.qualtrics, "qualtrics_export.csv", "en", ("expectation", "perception"), 180),
    (exports.google_forms, "Store survey (Responses) - Form responses 1.csv", "en", ("expectation", "perception"), 120),
    (exports.surveymonkey_utf16, "surveymonkey_unicode.txt", "en", ("expectation", "perception"), 90),
])
def test_survey_export_goes_in_with_import_alone(tmp_path, runner, host, maker, filename, lang, roles, n):
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    raw = downloads / filename
    written = maker(raw)
    (tmp_path / "store").mkdir()
    audit = _audit(tmp_path / "store", lang)
    out = _import(runner, "survey", str(raw), "--audit", str(audit))
    assert "valid" in out or "校验通过" in out
    assert (audit.parent / filename).is_file()  # the export is kept beside the audit
    survey = load_audit(audit, host).survey
    _same_answers(survey, written, roles)
    if maker in (exports.qualtrics, exports.surveymonkey_utf16):
        assert survey.respondents == written.respondents
    result = _run_json(runner, audit)
    assert result["modules"]["outcome_gap"]["score"] is not None


def test_the_mapping_is_short_readable_and_keeps_the_rest_of_the_file(tmp_path, runner):
    raw = tmp_path / "wjx.csv"
    exports.wenjuanxing(raw)
    audit = _audit(tmp_path, "zh")
    before = audit.read_text(encoding="utf-8")
    _import(runner, "survey", str(raw), "--audit", str(audit))
    after = audit.read_text(encoding="utf-8")
    assert after.startswith(before.rstrip("\n"))  # nothing above the new block changed, comments included
    block = after[len(before.rstrip("\n")):]
    assert "match: text" in block and "respondent_column: 序号" in block
    assert "提交答卷时间" in block and "2、您的年龄段：" in block  # ignored, by name
    assert len(block.splitlines()) < 20  # a short block, not one line per column


def test_next_quarters_export_is_one_command(tmp_path, runner, host):
    raw = tmp_path / "q3.csv"
    exports.wenjuanxing(raw, n=320, seed=1)
    audit = _audit(tmp_path, "zh")
    _import(runner, "survey", str(raw), "--audit", str(audit))
    first = audit.read_text(encoding="utf-8")
    nxt = tmp_path / "q4.csv"
    written = exports.wenjuanxing(nxt, n=250, seed=9)
    out = _import(runner, "survey", str(nxt), "--audit", str(audit))
    assert "250" in out
    assert audit.read_text(encoding="utf-8") == first.replace("file: q3.csv", "file: q4.csv")
    _same_answers(load_audit(audit, host).survey, written, ("expectation", "perception", "importance"))


def test_excel_checklist_with_title_rows_is_unpivoted(tmp_path, runner, host):
    raw = tmp_path / "神秘顾客检查表.xlsx"
    sheet = exports.excel_checklist(raw)
    audit = _audit(tmp_path, "zh")
    out = _import(runner, "observations", str(raw), "--audit", str(audit))
    assert "列名在第 4 行" in out
    evidence = load_audit(audit, host).input.evidence
    for sid, _title, _cover in exports.STANDARDS_ZH:
        yes, checked = sheet.compliance(sid)
        obs = [o for o in evidence.observations if o.standard == sid and o.result != "na"]
        assert (sum(o.result == "yes" for o in obs), len(obs)) == (yes, checked)
    assert {o.note for o in evidence.observations if o.standard == "FIT"} == {"高峰时段无人巡查"}
    result = _run_json(runner, audit)
    fit = next(m for m in result["modules"]["pharmacy_gap"]["metrics"] if m["label"] == "试衣间每15分钟巡查")
    yes, checked = sheet.compliance("FIT")
    assert fit["n"] == checked and math.isclose(fit["value"], 100 * yes / checked, abs_tol=0.05)


def test_complaints_log_with_slashed_dates_and_chinese_severities(tmp_path, runner, host):
    raw = tmp_path / "投诉登记.csv"
    log = exports.complaints_log(raw)
    audit = _audit(tmp_path, "zh")
    _import(runner, "complaints", str(raw), "--audit", str(audit))
    complaints = load_audit(audit, host).input.evidence.complaints
    assert [(c.date, c.severity, c.hours_to_resolve) for c in complaints] == \
        [(c.date, c.severity, c.hours) for c in log]
    _run_json(runner, audit)


def test_what_cannot_be_decided_is_listed_with_the_option_that_settles_it(tmp_path, runner):
    raw = tmp_path / "log.csv"
    raw.write_text("编号,日期,紧急度,处理人\nC1,15/10/2026,紧急,张\nC2,03/10/2026,一般,李\n", encoding="utf-8")
    audit = _audit(tmp_path, "en")
    result = runner.invoke(main, ["import", "complaints", str(raw), "--audit", str(audit)])
    assert result.exit_code == 2
    assert "紧急度" in result.output and "--map" in result.output  # no field: candidates and the option
    assert "处理人" in result.output
    # the dates prove day-first (15 > 12): decided, said why, no question asked
    assert "day first" in result.output
    result = runner.invoke(main, ["import", "complaints", str(raw), "--audit", str(audit), "--map", "紧急度=severity",
                                  "--ignore", "处理人", "--value", "severity:紧急=high"])
    assert result.exit_code == 0, result.output
    text = audit.read_text(encoding="utf-8")
    assert "date_format: DMY" in text and "紧急: high" in text


def test_ambiguous_dates_need_a_decision(tmp_path, runner):
    raw = tmp_path / "log.csv"
    raw.write_text("id,date\nC1,03/10/2026\nC2,04/11/2026\n", encoding="utf-8")
    audit = _audit(tmp_path, "en")
    result = runner.invoke(main, ["import", "complaints", str(raw), "--audit", str(audit)])
    assert result.exit_code == 2 and "--date-format DMY or MDY" in result.output


def test_dry_run_writes_nothing(tmp_path, runner):
    raw = tmp_path / "wjx.csv"
    exports.wenjuanxing(raw, n=30)
    audit = _audit(tmp_path, "zh")
    before = audit.read_bytes()
    result = runner.invoke(main, ["import", "survey", str(raw), "--audit", str(audit), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert audit.read_bytes() == before


def test_survey_without_a_questionnaire_says_what_to_do(tmp_path, runner):
    raw = tmp_path / "wjx.csv"
    exports.wenjuanxing(raw, n=10)
    audit = tmp_path / "audit.yaml"
    audit.write_text("schema_version: 1\naudit: {id: A, date: 2026-10-01, language: zh}\nstore: {id: S, name: 店}\n",
                     encoding="utf-8")
    result = runner.invoke(main, ["import", "survey", str(raw), "--audit", str(audit)])
    assert result.exit_code == 2 and "gapaudit import questionnaire" in result.output


def _log_and_audit(tmp_path: Path, csv_text: str, complaints_block: str) -> tuple[Path, Path]:
    """A complaints CSV and a zh audit whose evidence ends with ``complaints_block``."""
    raw = tmp_path / "log.csv"
    raw.write_text(csv_text, encoding="utf-8")
    audit = _audit(tmp_path, "zh")
    audit.write_text(audit.read_text(encoding="utf-8") + complaints_block, encoding="utf-8")
    return raw, audit


def test_a_hand_edit_gone_wrong_is_reported_at_its_line_not_read_as_something_else(tmp_path, runner):
    raw, audit = _log_and_audit(tmp_path, "编号,日期,严重程度,来源\nC1,2026-10-01,高,电话\n",
                                "  complaints:\n    file: log.csv\n    ignore: 来源\n")
    line = audit.read_text(encoding="utf-8").splitlines().index("    ignore: 来源") + 1
    result = runner.invoke(main, ["import", "complaints", str(raw), "--audit", str(audit)])
    assert result.exit_code == 2, result.output
    assert f"audit.yaml:{line}:5" in result.output and "应为列表" in result.output
    assert "log.csv：无法导入" in result.output


def test_rows_typed_into_the_audit_are_not_replaced_without_force(tmp_path, runner):
    raw, audit = _log_and_audit(tmp_path, "编号,日期,严重程度\nC9,2026-10-01,高\n",
                                "  complaints:   # 手工录入\n    - {id: C1, severity: 高}\n")
    before = audit.read_text(encoding="utf-8")
    result = runner.invoke(main, ["import", "complaints", str(raw), "--audit", str(audit)])
    assert result.exit_code == 2 and "1 行直接写在审核文件里" in result.output and "--force" in result.output
    assert audit.read_text(encoding="utf-8") == before
    result = runner.invoke(main, ["import", "complaints", str(raw), "--audit", str(audit), "--force"])
    assert result.exit_code == 0, result.output
    assert "已写入" in result.output and "file: log.csv" in audit.read_text(encoding="utf-8")


def test_an_inline_evidence_mapping_is_an_input_error_at_its_line(tmp_path, runner):
    raw = tmp_path / "log.csv"
    raw.write_text("id,date,severity\nC1,2026-10-01,high\n", encoding="utf-8")
    audit = tmp_path / "audit.yaml"
    audit.write_text("schema_version: 1\naudit: {id: A, date: 2026-10-01, language: en}\nstore: {id: S, name: S}\n"
                     "evidence: {complaints: [{id: C1}]}\n", encoding="utf-8")
    result = runner.invoke(main, ["import", "complaints", str(raw), "--audit", str(audit), "--force"])
    assert result.exit_code == 2, result.output
    assert "audit.yaml:4" in result.output and "write it as a block" in result.output


def test_a_column_named_no_is_ignored_as_written(tmp_path, runner, host):
    raw = tmp_path / "obs.csv"
    raw.write_text("No,visit,standard,result\n1,V1,FIT,Y\n2,V1,GREET,N\n", encoding="utf-8")
    audit = _audit(tmp_path, "en")
    _import(runner, "observations", str(raw), "--audit", str(audit))
    assert [o.result for o in load_audit(audit, host).input.evidence.observations] == ["yes", "no"]


def test_checklist_with_one_row_per_visit_and_a_column_per_standard(tmp_path, runner, host):
    """Headers are the standards (titles written otherwise than in the audit), a visit column, 1/0 answers."""
    import openpyxl

    raw = tmp_path / "巡店.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    titles = [title for _, title, _ in exports.STANDARDS_ZH]
    ws.append(["访问", "日期"] + titles)
    answers = [[1, 0, 1, 1], [0, 0, 1, 1], [1, 1, 1, 0]]
    for v, row in enumerate(answers, start=1):
        ws.append([f"V{v}", f"2026-10-0{v}"] + row)
    wb.save(raw)
    audit = _audit(tmp_path, "en")  # English titles: the Chinese headers name no standard of this audit
    result = runner.invoke(main, ["import", "observations", str(raw), "--audit", str(audit)])
    assert result.exit_code == 2
    assert "name no standard of the audit" in result.output and "--value 'standard:" in result.output
    ids = [sid for sid, _, _ in exports.STANDARDS_ZH]
    _import(runner, "observations", str(raw), "--audit", str(audit),
            *[f"--value=standard:{title}={sid}" for title, sid in zip(titles, ids)])
    obs = load_audit(audit, host).input.evidence.observations
    assert sorted((o.visit, o.standard, o.result) for o in obs) == sorted(
        (f"V{v}", sid, "yes" if a else "no") for v, row in enumerate(answers, start=1) for sid, a in zip(ids, row))


def _matrix_csv(path: Path, leads: tuple[str, str], texts: dict[str, str] | None = None) -> None:
    """A small 按序号 export: respondent number, then one column per item for each of two matrix questions."""
    zh = {i["id"]: i["text"] for i in exports.items("zh")} | (texts or {})
    header = ["序号"] + [f"{q}、{lead}—{text}" for q, lead in zip((3, 4), leads) for text in zh.values()]
    rows = [[str(r)] + [str(1 + (r + k) % 7) for k in range(2 * len(zh))] for r in range(1, 6)]
    path.write_text("\n".join(",".join(row) for row in [header] + rows) + "\n", encoding="utf-8")


def test_satisfaction_headers_are_perception(tmp_path, runner, host):
    raw = tmp_path / "wjx.csv"
    _matrix_csv(raw, ("您对以下方面的期望", "您对本店以下方面的满意度"))
    audit = _audit(tmp_path, "zh")
    out = _import(runner, "survey", str(raw), "--audit", str(audit))
    assert "需要你决定" not in out
    survey = load_audit(audit, host).survey
    assert survey.perception["TAN1"] == [float(1 + (r + 22) % 7) for r in range(1, 6)]


def test_the_same_decision_for_many_columns_is_one_line_in_the_audits_language(tmp_path, runner):
    raw = tmp_path / "wjx.csv"
    _matrix_csv(raw, ("您对以下方面的期望", "您对本店以下方面的评价"))
    audit = _audit(tmp_path, "zh")
    result = runner.invoke(main, ["import", "survey", str(raw), "--audit", str(audit)])
    assert result.exit_code == 2
    assert "需要你决定（1 处）" in result.output and "22 列（X, Y, Z, AA" in result.output
    assert "--role-order expectation,perception" in result.output
    assert "看不出角色" in result.output and "no role" not in result.output  # the table's reasons in Chinese too


def test_a_column_whose_text_differs_by_a_word_gets_the_option_that_settles_it(tmp_path, runner):
    raw = tmp_path / "wjx.csv"
    rel1 = next(i["text"] for i in exports.items("zh") if i["id"] == "REL1")
    _matrix_csv(raw, ("您对以下方面的期望", "您在本店的实际感受"), {"REL1": rel1[:-1] + "啊"})
    audit = _audit(tmp_path, "zh")
    result = runner.invoke(main, ["import", "survey", str(raw), "--audit", str(audit)])
    assert result.exit_code == 2
    assert f"--map '3、您对以下方面的期望—{rel1[:-1]}啊=E_REL1'" in result.output
    assert f"--map '4、您在本店的实际感受—{rel1[:-1]}啊=P_REL1'" in result.output


def test_european_export_decimal_comma_and_day_first_dates(tmp_path, runner, host):
    raw = tmp_path / "complaints.csv"
    raw.write_bytes("ID;Date;Severity;Resolved;Hours to resolve\r\nC1;03.10.2026;High;Yes;28,5\r\n"
                    "C2;15.10.2026;Low;Yes;4\r\nC3;04.10.2026;Medium;No;\r\n".encode("cp1252"))
    audit = _audit(tmp_path, "en")
    out = _import(runner, "complaints", str(raw), "--audit", str(audit))
    assert "(15.10.2026 has a day above 12)" in out and "28,5 is 28.5" in out
    text = audit.read_text(encoding="utf-8")
    assert "date_format: DMY" in text and "decimal: ','" in text
    got = [(c.date, c.hours_to_resolve) for c in load_audit(audit, host).input.evidence.complaints]
    assert got == [(dt.date(2026, 10, 3), 28.5), (dt.date(2026, 10, 15), 4.0), (dt.date(2026, 10, 4), None)]


def test_a_totals_line_is_said_and_left_out(tmp_path, runner, host):
    raw = tmp_path / "投诉.csv"
    log = exports.complaints_log(raw, n=12)
    raw.write_bytes(raw.read_bytes() + "合计,,,,,,100,\r\n".encode("gb18030"))
    audit = _audit(tmp_path, "zh")
    out = _import(runner, "complaints", str(raw), "--audit", str(audit))
    assert "第 14 行（'合计'）是合计行" in out and "12 行数据" in out
    assert len(load_audit(audit, host).input.evidence.complaints) == len(log)


@pytest.mark.parametrize("dates, declared, expected", [
    (["46310", "46311"], "date_format: excel", [dt.date(2026, 10, 15), dt.date(2026, 10, 16)]),
    (["15-Oct-2026", "2-Nov-2026"], "date_format: '%d-%b-%Y'", [dt.date(2026, 10, 15), dt.date(2026, 11, 2)]),
])
def test_date_forms_import_recognises_in_a_csv(tmp_path, runner, host, dates, declared, expected):
    raw = tmp_path / "errors.csv"
    raw.write_text("id,date,severity\n" + "".join(f"E{k},{d},high\n" for k, d in enumerate(dates)), encoding="utf-8")
    audit = _audit(tmp_path, "en")
    _import(runner, "errors", str(raw), "--audit", str(audit))
    assert declared in audit.read_text(encoding="utf-8")
    assert [e.date for e in load_audit(audit, host).input.evidence.errors] == expected


def test_a_different_file_of_the_same_name_is_not_overwritten_and_dry_run_says_so(tmp_path, runner):
    store, downloads = tmp_path / "store", tmp_path / "downloads"
    store.mkdir(), downloads.mkdir()
    audit = _audit(store, "zh")
    (store / "complaints.csv").write_text("编号,严重程度\nQ3-1,高\n", encoding="utf-8")
    _import(runner, "complaints", str(store / "complaints.csv"), "--audit", str(audit))
    (downloads / "complaints.csv").write_text("编号,严重程度\nQ4-1,低\n", encoding="utf-8")
    before = audit.read_bytes()
    for extra in (["--dry-run"], []):
        result = runner.invoke(main, ["import", "complaints", str(downloads / "complaints.csv"), "--audit", str(audit),
                                      *extra])
        assert result.exit_code == 4 and "已存在且内容不同" in result.output and "另起一个名字" in result.output
    assert audit.read_bytes() == before and "Q3-1" in (store / "complaints.csv").read_text(encoding="utf-8")


def test_a_workbook_whose_data_is_on_another_sheet_says_which_option_reads_it(tmp_path, runner, host):
    import openpyxl

    raw = tmp_path / "投诉.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active.append(["本表用于登记顾客投诉，请勿修改表头。"])
    data = wb.create_sheet("投诉登记")
    data.append(["编号", "日期", "严重程度"])
    data.append(["C1", "2026-10-01", "高"])
    wb.save(raw)
    audit = _audit(tmp_path, "zh")
    result = runner.invoke(main, ["import", "complaints", str(raw), "--audit", str(audit), "--dry-run"])
    assert "读取的是第一个工作表“说明”" in result.output and "--sheet '投诉登记'" in result.output
    _import(runner, "complaints", str(raw), "--audit", str(audit), "--sheet", "投诉登记")
    assert [c.severity for c in load_audit(audit, host).input.evidence.complaints] == ["high"]


def test_a_column_left_out_by_hand_stays_out_and_is_shown_so(tmp_path, runner, host):
    raw, audit = _log_and_audit(tmp_path, "编号,渠道,严重程度\nC1,电话,高\n",
                                "  complaints:\n    file: log.csv\n    columns:\n      渠道: '-'   # 不要渠道\n")
    out = _import(runner, "complaints", str(raw), "--audit", str(audit))
    assert any(line.split()[1:] == ["渠道", "忽略", "columns:", "-"] for line in out.splitlines())
    assert "渠道: '-'   # 不要渠道" in audit.read_text(encoding="utf-8")
    assert load_audit(audit, host).input.evidence.complaints[0].channel is None


def test_dates_import_cannot_read_are_listed_before_anything_runs(tmp_path, runner):
    import openpyxl

    raw = tmp_path / "巡店.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["访问", "检查时间", "检查项目", "结果"])
    for v in range(1, 4):
        wb.active.append([f"V{v}", 0.5 + v / 48, "FIT", "Y"])  # times of day, as Excel keeps them
    wb.save(raw)
    audit = _audit(tmp_path, "zh")
    result = runner.invoke(main, ["import", "observations", str(raw), "--audit", str(audit), "--dry-run"])
    assert result.exit_code == 2
    assert "是一天中的时间（12:30），不是日期" in result.output and "--ignore '检查时间'" in result.output
    raw = tmp_path / "errors.csv"
    raw.write_text("id,date,severity\nE1,2026-10-01,high\nE2,next week,low\n", encoding="utf-8")
    result = runner.invoke(main, ["import", "errors", str(raw), "--audit", str(audit), "--dry-run", "--lang", "en"])
    assert result.exit_code == 2 and "'next week' (1)" in result.output and "write 2026-09-15" in result.output


def test_crm_headers_worded_otherwise_are_matched(tmp_path, runner, host):
    raw = tmp_path / "投诉.csv"
    raw.write_text("投诉单号,投诉类型,紧急程度,是否已处理,处理用时(h)\nK1,服务,高,是,4\nK2,价格,低,否,\n", encoding="utf-8")
    audit = _audit(tmp_path, "zh")
    _import(runner, "complaints", str(raw), "--audit", str(audit))
    got = [(c.category, c.severity, c.resolved, c.hours_to_resolve)
           for c in load_audit(audit, host).input.evidence.complaints]
    assert got == [("服务", "high", True, 4.0), ("价格", "low", False, None)]


def test_a_map_naming_no_column_or_no_field_is_a_decision_and_validate_finds_it_in_a_survey(tmp_path, runner):
    raw = tmp_path / "log.csv"
    raw.write_text("编号,紧急程度\nC1,高\n", encoding="utf-8")
    audit = _audit(tmp_path, "en")
    result = runner.invoke(main, ["import", "complaints", str(raw), "--audit", str(audit), "--dry-run",
                                  "--map", "XYZ=category", "--map", "紧急程度=sevrity"])
    assert result.exit_code == 2
    assert "no column 'XYZ' in" in result.output and "'sevrity' is no field of complaints; did you mean 'severity'?" \
        in result.output
    raw = tmp_path / "wjx.csv"
    _matrix_csv(raw, ("您对以下方面的期望", "您在本店的实际感受"))
    audit = _audit(tmp_path, "zh")
    _import(runner, "survey", str(raw), "--audit", str(audit))
    text = audit.read_text(encoding="utf-8").replace("      file: wjx.csv\n", "      file: wjx.csv\n      columns: {XYZ: P_TAN1}\n")
    audit.write_text(text, encoding="utf-8")
    line = text.splitlines().index("      columns: {XYZ: P_TAN1}") + 1
    result = runner.invoke(main, ["validate", str(audit)])
    assert result.exit_code == 2 and f"audit.yaml:{line}:17: evidence.survey.responses.columns.XYZ: " in result.output
    assert "wjx.csv 中没有“XYZ”列" in result.output


def test_row_numbers_are_the_id_only_when_nothing_else_is(tmp_path, runner, host):
    import openpyxl

    raw = tmp_path / "问卷题目.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["序号", "题号", "维度", "题目内容"])
    wb.active.append([1, "TAN1", "有形性", "门店设备现代、完好"])
    wb.save(raw)
    audit = tmp_path / "audit.yaml"
    audit.write_text("schema_version: 1\naudit: {id: A, date: 2026-12-01, language: zh}\nstore: {id: S, name: 店}\n"
                     "evidence:\n  questionnaire:\n    scale: {min: 1, max: 7}\n", encoding="utf-8")
    out = _import(runner, "questionnaire", str(raw), "--audit", str(audit))
    assert "序号      忽略       行号" in out
    assert [i.id for i in load_audit(audit, host).input.evidence.questionnaire.items] == ["TAN1"]
    log = tmp_path / "log.csv"
    log.write_text("序号,日期,严重程度\n1,2026-10-01,高\n2,2026-10-02,低\n", encoding="utf-8")
    _import(runner, "complaints", str(log), "--audit", str(audit))
    assert [c.id for c in load_audit(audit, host).input.evidence.complaints] == ["1", "2"]


def test_a_csv_in_place_of_last_quarters_workbook_drops_the_sheet_and_says_so(tmp_path, runner, host):
    raw, audit = _log_and_audit(tmp_path, "编号,严重程度\nC1,高\n",
                                "  complaints:\n    file: old.xlsx\n    sheet: 投诉登记\n")
    out = _import(runner, "complaints", str(raw), "--audit", str(audit))
    assert "sheet：已去掉，它不适用于 CSV 文件" in out and "sheet:" not in audit.read_text(encoding="utf-8")
