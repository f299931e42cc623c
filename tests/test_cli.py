"""The command line as a user meets it: messages, files written, exit codes."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from gapaudit.cli import main

AUDIT = """\
schema_version: 1
audit: {id: A1, date: 2026-09-01, language: LANG}
store: {id: S1, name: Corner Shop}
"""

PLUGIN = """\
from gapaudit import AuditModule, ModuleResult, hookimpl

class Fixed(AuditModule):
    id = "fixed_score"
    title = {"en": "Fixed score", "zh": "固定分"}
    def run(self, ctx):
        if ctx.audit.store.id == "BOOM":
            raise ValueError("bad data")
        return ModuleResult(score=62.5, actions=[ctx.action("fixed.act", "Act", rationale="because",
                                                            severity="medium")])

@hookimpl
def gapaudit_register_modules():
    return [Fixed]
"""


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def audit(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "fixed.py").write_text(PLUGIN)
    path = tmp_path / "store.yaml"
    path.write_text(AUDIT.replace("LANG", "en"), encoding="utf-8")
    return path


def test_help_lists_commands(runner):
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("run", "validate", "init", "schema", "plugins"):
        assert command in result.output


def test_run_writes_json_next_to_input(runner, audit):
    result = runner.invoke(main, ["run", str(audit), "-f", "json", "--plugin", "fixed.py"])
    assert result.exit_code == 0, result.output
    data = json.loads((audit.parent / "store.json").read_text())
    assert data["modules"]["fixed_score"]["score"] == 62.5
    assert data["overall"]["score"] == 62.5
    assert "Corner Shop: overall score 62.5 (C)" in result.output


def test_several_formats_and_output_folder(runner, audit, tmp_path):
    out = tmp_path / "reports"
    result = runner.invoke(main, ["run", str(audit), "-f", "json,csv,xlsx", "-o", str(out), "--plugin", "fixed.py"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["store.actions.csv", "store.actions.xlsx", "store.json"]
    csv_text = (out / "store.actions.csv").read_text("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("Rank,Problem,Role,Action ID,Action,")
    assert "fixed.act" in csv_text


def test_output_file_suffix_picks_the_format_and_a_trailing_slash_means_a_folder(runner, audit, tmp_path):
    def run(*args):
        result = runner.invoke(main, ["run", str(audit), "--plugin", "fixed.py", *args])
        assert result.exit_code == 0, result.output

    run("-o", "out.json")  # no -f: JSON because the file asked for is .json, not a PDF named out.json
    assert json.loads((tmp_path / "out.json").read_text())["overall"]["score"] == 62.5
    run("-o", "plan.csv")  # the name asked for, not plan.actions.csv
    assert (tmp_path / "plan.csv").read_text("utf-8-sig").startswith("Rank,Problem,Role")
    run("-o", "new-folder/", "-f", "json")  # one audit, one format, a folder that does not exist yet
    assert [p.name for p in (tmp_path / "new-folder").iterdir()] == ["store.json"]
    result = runner.invoke(main, ["run", str(audit), "--plugin", "fixed.py", "-o", "explicit.pdf", "-f", "md"])
    assert result.exit_code == 0  # an explicit -f wins; the suffix follows the format, with a warning
    assert "warning: -o explicit.pdf has another format's suffix; -f md writes explicit.md" in result.output
    assert (tmp_path / "explicit.md").is_file() and not (tmp_path / "explicit.pdf").exists()
    result = runner.invoke(main, ["rollup", "out.json", "-o", "chain.json"])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "chain.json").read_text())["counts"]["stores"] == 1
    assert not (tmp_path / "chain.pdf").exists() and not (tmp_path / "chain.html").exists()


def test_output_that_cannot_be_right_is_refused_before_any_work(runner, audit, tmp_path):
    result = runner.invoke(main, ["run", str(audit), "--plugin", "fixed.py", "-o", "notes.txt"])
    assert result.exit_code == 2
    assert "cannot tell the format from 'notes.txt': name the file .pdf, .html, .md, .json, .csv, .xlsx, or give " \
           "-f (for a folder, end it with /)" in result.output
    (tmp_path / "taken.json").write_text("{}")
    for args in (["-f", "json,md", "-o", "taken.json"], ["-f", "json", "-o", "taken.json/"]):
        result = runner.invoke(main, ["run", str(audit), "--plugin", "fixed.py", *args])
        assert result.exit_code == 2 and "taken.json is a file, but" in result.output, result.output
    assert (tmp_path / "taken.json").read_text() == "{}"


def test_rollup_of_nothing_readable_says_why_per_file(runner, audit):
    result = runner.invoke(main, ["rollup", "missing.json"])
    assert result.exit_code == 2
    assert "nothing to roll up (1 problem):" in result.output
    assert "missing.json: not a readable result: file not found" in result.output


def test_unknown_format_is_a_usage_error(runner, audit):
    result = runner.invoke(main, ["run", str(audit), "-f", "docx"])
    assert result.exit_code == 2
    assert "'docx'; choose from" in result.output


def test_invalid_input_exits_2_with_every_problem(runner, audit):
    audit.write_text(AUDIT.replace("LANG", "en") + "evidnce: {}\nscoring: {bands: []}\n")
    result = runner.invoke(main, ["validate", str(audit)])
    assert result.exit_code == 2
    assert "store.yaml: invalid audit (2 problems):" in result.output
    assert "store.yaml:4:1: evidnce: unknown key 'evidnce'; did you mean 'evidence'?" in result.output
    assert "Traceback" not in result.output


def test_messages_follow_the_audit_language(runner, audit):
    audit.write_text(AUDIT.replace("LANG", "zh") + "evidnce: {}\n", encoding="utf-8")
    result = runner.invoke(main, ["validate", str(audit)])
    assert result.exit_code == 2
    assert "审核文件有误" in result.output


def test_module_failure_exits_3_naming_the_plugin(runner, audit):
    audit.write_text(AUDIT.replace("LANG", "en").replace("id: S1", "id: BOOM"))
    result = runner.invoke(main, ["run", str(audit), "-f", "json", "--plugin", "fixed.py"])
    assert result.exit_code == 3
    assert "plugin 'fixed': module 'fixed_score' failed: ValueError: bad data" in result.output
    assert not (audit.parent / "store.json").exists()
    audit.write_text(AUDIT.replace("LANG", "zh").replace("id: S1", "id: BOOM"))  # worded in the audit's language
    result = runner.invoke(main, ["run", str(audit), "-f", "json", "--plugin", "fixed.py"])
    assert result.exit_code == 3 and result.output.startswith("插件错误：plugin 'fixed'")


def test_unwritable_output_exits_4(runner, audit, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = runner.invoke(main, ["run", str(audit), "-f", "json", "-o", str(blocker / "x.json"),
                                  "--plugin", "fixed.py"])
    assert result.exit_code == 4
    assert "cannot write" in result.output


def test_fail_under(runner, audit):
    ok = runner.invoke(main, ["run", str(audit), "-f", "json", "--plugin", "fixed.py", "--fail-under", "60"])
    assert ok.exit_code == 0
    low = runner.invoke(main, ["run", str(audit), "-f", "json", "--plugin", "fixed.py", "--fail-under", "70"])
    assert low.exit_code == 1
    assert "below --fail-under 70" in low.output


def test_debug_shows_traceback(runner, audit):
    audit.write_text(AUDIT.replace("LANG", "en").replace("id: S1", "id: BOOM"))
    result = runner.invoke(main, ["run", str(audit), "-f", "json", "--plugin", "fixed.py", "--debug"])
    assert result.exit_code == 3
    assert "Traceback" in result.output


def test_schema_is_json_schema_with_module_blocks(runner, audit):
    result = runner.invoke(main, ["schema", "--plugin", "fixed.py"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["title"] == "gapaudit audit file"
    assert "evidence" in schema["properties"]
    modules = schema["$defs"]["Modules"]["properties"]
    assert "fixed_score" in modules


def test_plugins_lists_source_and_hooks(runner, audit):
    result = runner.invoke(main, ["plugins", "--plugin", "fixed.py"])
    assert result.exit_code == 0
    assert "fixed ?  [local path (fixed.py)]" in result.output
    assert "module fixed_score v1.0" in result.output
    assert "hooks: gapaudit_register_modules" in result.output


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_init_then_validate(runner, tmp_path, lang):
    target = tmp_path / "new-store"
    result = runner.invoke(main, ["init", str(target), "--lang", lang])
    assert result.exit_code == 0, result.output
    assert (target / "audit.yaml").exists() and (target / "survey.csv").exists()
    header = (target / "survey.csv").read_text().splitlines()[0].split(",")
    assert header[0] == "respondent" and len(header) == 1 + 3 * 22
    result = runner.invoke(main, ["validate", str(target / "audit.yaml")])
    assert result.exit_code == 0, result.output
    again = runner.invoke(main, ["init", str(target)])
    assert again.exit_code == 4 and "--force" in again.output


def test_unexpected_error_is_one_line_and_exit_70(runner, audit, monkeypatch):
    import gapaudit.engine

    def broken(*args, **kwargs):
        raise KeyError("oops")

    monkeypatch.setattr(gapaudit.engine, "run", broken)
    result = runner.invoke(main, ["run", str(audit), "-f", "json"])
    assert result.exit_code == 70
    assert "internal error: KeyError: 'oops'" in result.output
    assert "Traceback" not in result.output
