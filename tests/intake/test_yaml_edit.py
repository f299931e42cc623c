"""Editing one block of an audit file leaves every other line as it was."""

from __future__ import annotations

import pytest
import yaml

from gapaudit.load.yaml_edit import EditError, set_block

AUDIT = """\
# my store
schema_version: 1
audit: {id: A, date: 2026-10-01}
evidence:
  # the customers' answers
  survey:
    responses: {file: old.csv}   # exported on Monday
    # who answered
    respondent_column: 序号
  complaints: {file: c.csv}
modules:
  diagnosis_gap: {checklist: {customers: yes,
                              rewards: no}}
"""


def test_an_existing_block_keeps_its_comments_and_the_rest_is_untouched():
    def update(current):
        current["responses"]["file"] = "new.csv"
        return current

    out = set_block(AUDIT, ("evidence", "survey"), update)
    assert "file: new.csv" in out and "# exported on Monday" in out and "# who answered" in out
    before, after = AUDIT.splitlines(), out.splitlines()
    assert before[:5] == after[:5] and before[-4:] == after[-4:]  # multi-line flow mapping below kept as written
    assert yaml.safe_load(out)["evidence"]["survey"]["respondent_column"] == "序号"


def test_a_missing_block_is_added_at_the_end_of_its_parent():
    out = set_block(AUDIT, ("evidence", "observations"), lambda _: {"file": "检查表.xlsx", "header_row": 4})
    data = yaml.safe_load(out)
    assert data["evidence"]["observations"] == {"file": "检查表.xlsx", "header_row": 4}
    assert list(data["evidence"]) == ["survey", "complaints", "observations"]
    assert out.replace("\n  observations:\n    file: 检查表.xlsx\n    header_row: 4\n", "") == AUDIT


def test_no_evidence_yet():
    text = "schema_version: 1\naudit: {id: A, date: 2026-10-01}\n"
    out = set_block(text, ("evidence", "complaints"), lambda _: {"file": "c.csv"})
    assert yaml.safe_load(out)["evidence"] == {"complaints": {"file": "c.csv"}}
    assert out.startswith(text)


def test_what_is_written_reads_back_as_written():
    """Column names YAML 1.1 would read as something else (No → false, ?… in [...] → a mapping key) are quoted."""
    block = {"file": "obs.csv", "ignore": ["No", "?、您的*", "1.5", "来源"], "columns": {"Yes": "visit", "on": "-"},
             "missing": [-99, "(跳过)"]}
    out = set_block(AUDIT, ("evidence", "observations"), lambda _: block)
    assert yaml.safe_load(out)["evidence"]["observations"] == block
    assert "来源]" in out  # plain names stay plain


def test_a_block_inside_an_inline_mapping_is_refused_at_its_line():
    text = "schema_version: 1\naudit: {id: A, date: 2026-10-01}\nevidence: {complaints: [{id: C1}]}\n"
    with pytest.raises(EditError) as info:
        set_block(text, ("evidence", "complaints"), lambda _: {"file": "c.csv"})
    assert info.value.line == 3 and "evidence" in str(info.value) and "块格式" in info.value.zh
