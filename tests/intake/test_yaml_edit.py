"""Editing one block of an audit file leaves every other line as it was."""

from __future__ import annotations

import yaml

from gapaudit.load.yaml_edit import set_block

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
