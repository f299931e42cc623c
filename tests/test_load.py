"""Loading audits: every error located (file:line:column, field path), hostile input bounded."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest

from gapaudit.errors import InputError
from gapaudit.load.audit import load_audit
from gapaudit.testing import make_host

HEAD = """\
schema_version: 1
audit: {id: A1, date: 2026-09-01, language: en}
store: {id: S1, name: Test store}
"""

QUESTIONNAIRE = """\
evidence:
  questionnaire:
    scale: {min: 1, max: 7, labels: {Strongly agree: 7, Strongly disagree: 1}}
    items:
      - {id: REL1, text: on time, dimension: reliability}
      - {id: TAN1, text: clean, dimension: tangibles}
"""


@pytest.fixture(scope="module")
def host():
    return make_host(builtins=False)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    """Paths in messages are shown relative to the working directory, as a user sees them."""
    monkeypatch.chdir(tmp_path)


def write(tmp_path: Path, yaml_text: str, **files: str | bytes) -> Path:
    for name, content in files.items():
        target = tmp_path / name.replace("__", ".")
        target.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    path = tmp_path / "audit.yaml"
    path.write_text(textwrap.dedent(yaml_text), encoding="utf-8")
    return path


def issues(path: Path, host) -> list[str]:
    with pytest.raises(InputError) as info:
        load_audit(path, host)
    return [i.format() for i in info.value.issues]


def test_valid_minimal_audit_loads(tmp_path, host):
    loaded = load_audit(write(tmp_path, HEAD), host)
    assert loaded.input.store.name == "Test store"
    assert loaded.survey is None


def test_unknown_key_is_located_with_suggestion(tmp_path, host):
    path = write(tmp_path, HEAD + "evidence:\n  standrds: []\n")
    [msg] = issues(path, host)
    assert msg.endswith("audit.yaml:5:3: evidence.standrds: unknown key 'standrds'; did you mean 'standards'?")


def test_all_errors_reported_at_once(tmp_path, host):
    path = write(tmp_path, """\
        schema_version: 1
        audit: {id: A1, date: not-a-date, language: fr}
        store: {id: S1}
        """)
    msgs = issues(path, host)
    assert len(msgs) == 3
    assert any(":2:" in m and "audit.date" in m for m in msgs)
    assert any("audit.language" in m and "'zh' or 'en'" in m and "found 'fr'" in m for m in msgs)
    assert any(":3:" in m and "store.name: required field is missing" in m for m in msgs)


def test_yaml_syntax_error_has_position(tmp_path, host):
    path = write(tmp_path, HEAD + "evidence: [unclosed\n")
    [msg] = issues(path, host)
    assert "audit.yaml:" in msg and "invalid YAML" in msg


def test_duplicate_key_is_an_error(tmp_path, host):
    path = write(tmp_path, HEAD + "store: {id: S2, name: again}\n")
    [msg] = issues(path, host)
    assert ":4:1:" in msg and "duplicate key 'store'" in msg


def test_alias_bomb_fails_fast(tmp_path, host):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        bomb += f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 10) + "]\n"
    path = write(tmp_path, bomb)
    start = time.perf_counter()
    [msg] = issues(path, host)
    assert time.perf_counter() - start < 5
    assert "alias bomb" in msg
    # located like every other input error: the alias that crosses the cap. Lines a..e expand to
    # 1 + 11 + 111 + 1,111 + 11,111 + 111,111 = 123,456 values; f's list (1) and each *e (111,111) pass
    # 500,000 at its fourth *e, column 20 of line 6
    assert msg.startswith(f"{path.name}:6:20:") and "the alias *e here crosses the limit" in msg


def test_alias_bomb_is_located_past_other_values_and_in_chinese(tmp_path, host):
    from gapaudit.load.yamlpos import MAX_NODES, load_yaml

    lines = ["audit: {id: A, date: 2026-01-01, language: zh}", "items: [" + ", ".join(["1"] * 999) + "]",
             "base: &big [" + ", ".join(["x"] * 1000) + "]", "more:"]
    lines += [f"  - *big  # {i}" for i in range(MAX_NODES // 1001 + 5)]
    from gapaudit.errors import InputError

    with pytest.raises(InputError) as info:
        load_yaml("\n".join(lines) + "\n", "audit.yaml")
    [issue] = info.value.issues
    # 1 root + 3 key values (audit's mapping holds 3 more) + 999 + 1001 for base, then 1001 per alias
    # plus the list itself: the alias that crosses is the one on the line computed here
    counted = 1 + 1 + 3 + 1 + 999 + 1 + 1000 + 1
    crossing = (MAX_NODES - counted) // 1001 + 1
    assert issue.line == 4 + crossing and issue.column == 5
    assert "别名" in issue.text("zh")


def test_huge_audit_file_refused(tmp_path, host):
    path = tmp_path / "audit.yaml"
    path.write_bytes(b"# " + b"x" * (6 * 1024 * 1024))
    [msg] = issues(path, host)
    assert "limit is 5 MB" in msg


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_nan_and_inf_refused(tmp_path, host, value):
    path = write(tmp_path, HEAD + f"evidence:\n  volume: {{transactions: 10, period_days: {value}}}\n")
    [msg] = issues(path, host)
    assert "evidence.volume.period_days" in msg


def test_negative_counts_refused(tmp_path, host):
    path = write(tmp_path, HEAD + "evidence:\n  volume: {transactions: -5}\n")
    [msg] = issues(path, host)
    assert "evidence.volume.transactions" in msg and "greater than or equal to 0" in msg


def test_csv_errors_name_row_and_column(tmp_path, host):
    path = write(tmp_path, HEAD + QUESTIONNAIRE + "  survey:\n    responses: {file: survey.csv}\n",
                 survey__csv="respondent,E_REL1,P_REL1,E_TAN1,P_TAN1\n"
                             "1,7,5,6,6\n2,9,Strongly agree,x,\n")
    msgs = issues(path, host)
    assert any(m.startswith('survey.csv: row 3, column "E_REL1" (B): rating 9 is outside the scale 1..7')
               for m in msgs), msgs
    assert any(m.startswith('survey.csv: row 3, column "E_TAN1" (D):') and "found 'x'" in m for m in msgs)
    assert len(msgs) == 2  # the label "Strongly agree" is accepted


def test_unknown_survey_column_is_reported_once_before_rows_are_read(tmp_path, host):
    rows = "".join(f"{i},7,x\n" for i in range(500))
    path = write(tmp_path, HEAD + QUESTIONNAIRE + "  survey:\n    responses: {file: survey.csv}\n",
                 survey__csv="respondent,E_REL1,P_RELL\n" + rows)
    [msg] = issues(path, host)
    assert msg.startswith('survey.csv: row 1, column "P_RELL" (C):') and "did you mean" not in msg
    assert "closest: P_REL1" in msg and "ignore: [P_RELL]" in msg


def test_survey_labels_and_blanks_parse(tmp_path, host):
    path = write(tmp_path, HEAD + QUESTIONNAIRE + "  survey:\n    responses: {file: survey.csv}\n",
                 survey__csv="respondent,E_REL1,P_REL1\nr1,Strongly agree,3\nr2,,Strongly disagree\n")
    survey = load_audit(path, host).survey
    assert survey.respondents == ["r1", "r2"]
    assert survey.expectation["REL1"] == [7.0, None]
    assert survey.perception["REL1"] == [3.0, 1.0]
    assert survey.perception["TAN1"] == [None, None]


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_csv_encodings(tmp_path, host, encoding):
    yaml_text = HEAD + "evidence:\n  complaints: {file: c.csv}\n"
    (tmp_path / "c.csv").write_bytes("id,category,resolved\nC1,价格,是\nC2,服务态度,否\n".encode(encoding))
    path = write(tmp_path, yaml_text)
    loaded = load_audit(path, host)
    assert [c.category for c in loaded.input.evidence.complaints] == ["价格", "服务态度"]


def test_binary_posing_as_csv(tmp_path, host):
    path = write(tmp_path, HEAD + "evidence:\n  complaints: {file: c.csv}\n", c__csv=b"id\x00\x01\x02binary")
    [msg] = issues(path, host)
    assert "c.csv" in msg and "binary data" in msg


@pytest.mark.parametrize("ref", ["../outside.csv", "/etc/passwd", "sub/../../outside.csv"])
def test_paths_escaping_the_audit_folder(tmp_path, host, ref):
    audit_dir = tmp_path / "audit"
    audit_dir.mkdir()
    (tmp_path / "outside.csv").write_text("id\nC1\n")
    path = write(audit_dir, HEAD + f"evidence:\n  complaints: {{file: {ref!r}}}\n")
    [msg] = issues(path, host)
    assert "evidence.complaints.file" in msg
    assert "outside the audit folder" in msg or "absolute paths are not allowed" in msg


def test_symlink_escaping_the_audit_folder(tmp_path, host):
    audit_dir = tmp_path / "audit"
    audit_dir.mkdir()
    (tmp_path / "secret.csv").write_text("id\nC1\n")
    (audit_dir / "c.csv").symlink_to(tmp_path / "secret.csv")
    path = write(audit_dir, HEAD + "evidence:\n  complaints: {file: c.csv}\n")
    [msg] = issues(path, host)
    assert "outside the audit folder" in msg


def test_missing_evidence_file(tmp_path, host):
    path = write(tmp_path, HEAD + "evidence:\n  complaints: {file: nope.csv}\n")
    [msg] = issues(path, host)
    assert "audit.yaml:5:16: evidence.complaints.file: evidence file 'nope.csv' does not exist" in msg


def test_xlsx_evidence(tmp_path, host):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "log"
    ws.append(["id", "severity", "resolved", "hours_to_resolve"])
    ws.append(["C1", "high", True, 5])
    ws.append(["C2", "urgent", False, None])
    wb.save(tmp_path / "c.xlsx")
    path = write(tmp_path, HEAD + "evidence:\n  complaints: {file: c.xlsx, sheet: log}\n")
    [msg] = issues(path, host)
    assert msg.startswith('c.xlsx[log]!B3 (column "severity"): ') and "'urgent'" in msg


def test_rating_outside_declared_scale_in_summary(tmp_path, host):
    path = write(tmp_path, HEAD + QUESTIONNAIRE + "  survey_summary:\n    - {item: REL1, n: 30, expectation: 8.5}\n")
    [msg] = issues(path, host)
    assert "evidence.survey_summary[0].expectation" in msg and "outside the scale 1..7" in msg


def test_unknown_references(tmp_path, host):
    path = write(tmp_path, HEAD + QUESTIONNAIRE + textwrap.indent(textwrap.dedent("""\
        standards:
          - {id: STD-GREET, title: Greet, covers: [REL1, REL9]}
        observations:
          - {visit: V1, standard: STD-GRET, result: yes}
          - {visit: V1, standard: 试衣间巡查, result: yes}
        """), "  "))
    msgs = issues(path, host)
    assert any("evidence.standards[0].covers[1]: unknown questionnaire item 'REL9'" in m for m in msgs)
    assert any("evidence.observations[0].standard: unknown standard 'STD-GRET'; did you mean 'STD-GREET'?" in m for m in msgs)
    # nothing close: what there is, so the fix can be picked from it
    assert any("observations[1].standard: unknown standard '试衣间巡查' (the standards are STD-GREET)" in m for m in msgs)


def test_not_a_mapping(tmp_path, host):
    path = write(tmp_path, "- just\n- a list\n")
    [msg] = issues(path, host)
    assert "must be a YAML mapping" in msg


def test_impossible_date_is_a_located_error_not_a_crash(tmp_path, host):
    path = write(tmp_path, HEAD.replace("2026-09-01", "2026-13-09"))
    [msg] = issues(path, host)
    assert msg.startswith("audit.yaml:2:") and "audit.date" in msg and "'2026-13-09'" in msg


def test_misspelt_choice_gets_a_suggestion(tmp_path, host):
    path = write(tmp_path, HEAD + "evidence:\n  listening: {survey_cadence: quartrly}\n")
    [msg] = issues(path, host)
    assert "found 'quartrly'; did you mean 'quarterly'?" in msg


def test_survey_checked_even_when_other_sections_fail(tmp_path, host):
    path = write(tmp_path, HEAD.replace("language: en", "language: fr") + QUESTIONNAIRE
                 + "  survey:\n    responses: {file: survey.csv}\n",
                 survey__csv="respondent,E_REL1\n1,12\n")
    msgs = issues(path, host)
    assert len(msgs) == 2
    assert any("audit.language" in m for m in msgs)
    assert any(m.startswith('survey.csv: row 2, column "E_REL1" (B): ') and "outside the scale" in m for m in msgs)


def test_a_yaml_syntax_error_in_a_chinese_audit_is_said_in_chinese_with_what_to_do(tmp_path):
    from click.testing import CliRunner

    from gapaudit.cli import main

    path = tmp_path / "audit.yaml"
    path.write_text("schema_version: 1\naudit: {id: A1, date: 2026-09-01, language: zh}\nstore: {id: S1, name: 店}\n"
                    "evidence:\n  complaints:\n    file: c.csv\n\t  sheet: 投诉\n", encoding="utf-8")
    for command in (["validate", str(path)], ["run", str(path), "-f", "json"]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 2
        assert "audit.yaml：审核文件有误" in result.output and ":7:1: YAML 格式错误：缩进里有制表符（Tab）：请改用空格" in result.output
    result = CliRunner().invoke(main, ["validate", str(path), "--lang", "en"])
    assert "indent with spaces, not tabs" in result.output
