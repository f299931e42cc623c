"""Every text that reaches a report is bounded: the input model limits every string, and what a template
prints is cut at MAX_WORD / MAX_TEXT so that PDF layout stays linear (scripts/bench_text.py measures it)."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from gapaudit import hookimpl
from gapaudit.errors import InputError, quoted
from gapaudit.render.env import MAX_TEXT, MAX_WORD, printable
from gapaudit.schema import audit_json_schema
from gapaudit.testing import example_audit, make_host, render_report, run_audit


#: strings that never reach a report as given: how to read a table (TableRef, Unpivot) and how survey
#: columns are recognised (role markers)
NOT_PRINTED = ("/$defs/TableRef/", "/$defs/Unpivot/", "/$defs/Survey/properties/role_markers/")


def _strings_without_limit(node, path="") -> list[str]:
    found = []
    if isinstance(node, dict):
        if node.get("type") == "string" and not {"maxLength", "enum", "const", "format"} & set(node):
            found.append(path)
        alternatives = node.get("anyOf", [])
        spelled = any("enum" in a for a in alternatives if isinstance(a, dict))
        for key, value in node.items():
            if key == "anyOf" and spelled:  # a fixed choice also accepted in other spellings: stored as the choice
                value = [a for a in value if not (isinstance(a, dict) and a.get("type") == "string")]
            found += _strings_without_limit(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _strings_without_limit(value, f"{path}[{i}]")
    return found


def test_every_string_of_an_audit_file_has_a_length_limit():
    """Every string field of the audit file and of every built-in module's block (list entries such
    as complaint channels and dictionary values included) has a maximum length, unless it never reaches
    a report as given."""
    unbounded = _strings_without_limit(audit_json_schema(make_host()))
    assert [p for p in unbounded if not p.startswith(NOT_PRINTED)] == []


def test_a_long_complaint_channel_is_a_located_input_error():
    audit = example_audit()
    audit["evidence"]["listening"]["complaint_channels"] = ["counter", "x" * 100_000]
    with pytest.raises(InputError) as info:
        run_audit(audit)
    [issue] = info.value.issues
    assert issue.field == "evidence.listening.complaint_channels[1]"
    assert len(issue.format()) < 300  # the value is quoted shortened, not echoed whole


def test_messages_quote_long_keys_shortened():
    audit = example_audit()
    audit["scoring"] = {"weights": {"k" * 100_000: 1.0}}
    with pytest.raises(InputError) as info:
        run_audit(audit)
    assert all(len(i.format()) < 400 for i in info.value.issues)
    assert quoted("x" * 1000).endswith("...") and len(quoted("x" * 1000)) == 60


@pytest.mark.parametrize("text", [
    "A plain sentence, kept as it is.",
    "https://example.com/stores/S0001/audits/2026-Q3/checklists/visit-report-of-the-morning-shift.pdf",
    "顾客对门店服务的整体评价" * 300,  # Chinese breaks between any two characters: never cut as one word
    ("word " * 999).strip(),
])
def test_real_text_is_printed_unchanged(text):
    assert printable(text) == text


def test_absurd_words_and_texts_are_cut_with_an_ellipsis():
    word = printable("x" * 100_000)
    assert word == "x" * (MAX_WORD - 1) + "…"
    text = printable(("word " * 5_000).strip())
    assert len(text) == MAX_TEXT and text.endswith("…")
    mixed = printable("before " + "y" * 500 + " after")
    assert mixed == "before " + "y" * (MAX_WORD - 1) + "… after"
    markup = Markup("<svg>" + "z" * 1000 + "</svg>")  # built by gapaudit's own code: left alone
    assert printable(markup) is markup
    assert printable(42) == 42


def test_a_plugins_huge_action_text_is_cut_in_the_report_but_whole_in_the_json():
    """A title is limited by the model (MAX_TITLE); the rationale is not, and a 100,000-character word in
    it reaches the templates."""
    text = "x" * 100_000

    class Wordy:
        @hookimpl
        def gapaudit_module_actions(self, module_id, result, audit, lang):
            if module_id == "diagnosis_gap":
                return [{"id": "wordy.fix", "title": "y" * 1_500, "rationale": text, "gap": module_id,
                         "priority": 90}]

    host = make_host(Wordy(), names=["wordy"])
    html = render_report(example_audit(), host, "html").decode()
    assert "x" * MAX_WORD not in html and "x" * (MAX_WORD - 1) + "…" in html
    assert "y" * MAX_WORD not in html
    assert text in render_report(example_audit(), host, "json").decode()
