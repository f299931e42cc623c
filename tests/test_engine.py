"""The engine: overall score rules, action merging, determinism."""

from __future__ import annotations

import datetime as dt
import types

import pytest

from gapaudit import AuditModule, ModuleResult, hookimpl
from gapaudit.actions import merge_actions
from gapaudit.model.result import Action
from gapaudit.render.data import to_json
from gapaudit.analysis.scoring import cap_grade, grade_for, priority
from gapaudit.model.audit import DEFAULT_BANDS
from gapaudit.testing import make_host, minimal_audit, run_audit


def fixed(mid: str, score: float | None, cap: str | None = None, actions=()):
    class M(AuditModule):
        id = mid
        title = {"en": mid}

        def run(self, ctx):
            if score is None:
                return ctx.no_data("no survey")
            return ModuleResult(score=score, grade_cap=cap,
                                actions=[ctx.action(a, f"do {a}", rationale="", severity=s) for a, s in actions])

    return M


def host_with(*classes):
    ns = types.SimpleNamespace(gapaudit_register_modules=hookimpl(lambda: list(classes)))
    return make_host(ns, builtins=False, names=["p"])


def test_overall_is_weighted_mean_of_modules_with_data():
    host = host_with(fixed("a", 90.0), fixed("b", 60.0), fixed("c", None))
    result = run_audit(minimal_audit(), host)
    assert result.overall.score == 75.0
    assert result.overall.modules_scored == ["a", "b"]
    assert result.modules["c"].score is None and result.modules["c"].reason == "no survey"
    assert result.data_quality["no_data"] == [{"module": "c", "reason": "no survey"}]
    weighted = run_audit(minimal_audit(scoring={"weights": {"a": 3, "b": 1}}), host)
    assert weighted.overall.score == 82.5


def test_no_module_with_data_gives_no_overall_score():
    result = run_audit(minimal_audit(), host_with(fixed("a", None)))
    assert result.overall.score is None and result.overall.grade is None


def test_grade_bands_and_critical_cap():
    host = host_with(fixed("a", 95.0, cap="C"), fixed("b", 95.0))
    result = run_audit(minimal_audit(), host)
    assert result.modules["b"].grade == "A"
    assert result.modules["a"].grade == "C"
    assert result.overall.score == 95.0 and result.overall.grade == "C"


def test_grade_helpers():
    assert [grade_for(s, DEFAULT_BANDS) for s in (100, 85, 84.99, 70, 55, 40, 39.9, 0)] == \
        ["A", "A", "B", "B", "C", "D", "E", "E"]
    assert grade_for(None, DEFAULT_BANDS) is None
    assert cap_grade("A", [None, "C", "B"], DEFAULT_BANDS) == "C"
    assert cap_grade("D", ["B"], DEFAULT_BANDS) == "D"


def test_priority_formula():
    assert priority("critical")[0] == 75.0  # importance defaults to 0.75
    assert priority("high", 1.0, 0.5) == (40.0, {"severity": 0.8, "importance": 1.0, "confidence": 0.5})
    with pytest.raises(ValueError):
        priority("urgent")


def test_actions_merged_deduplicated_and_stably_ordered():
    a1 = Action(id="x", title="X", gap="m1", priority=50, evidence=["e1"])
    a2 = Action(id="x", title="X", gap="m2", priority=70, evidence=["e2"])
    b = Action(id="b", title="B", gap="m1", priority=70)
    c = Action(id="a", title="A", gap="m2", priority=70)
    merged = merge_actions([[a1, b], [a2, c]])
    assert [a.id for a in merged] == ["b", "x", "a"]  # equal priority: module order, then id
    assert merged[1].gap == "m2" and merged[1].evidence == ["e1", "e2"]


def test_due_dates_follow_horizon():
    host = host_with(fixed("a", 50.0, actions=[("fix", "high")]))
    result = run_audit(minimal_audit(), host)
    [action] = result.actions
    assert action.due == dt.date(2026, 9, 30) + dt.timedelta(days=30)
    # no target: no impact, priority 0, and the severity formula's score kept to order it among such actions
    assert action.priority == 0 and action.impact is None and action.priority_basis["severity_score"] == 60.0


def test_same_input_gives_byte_identical_json():
    host = host_with(fixed("a", 90.0, actions=[("x", "high"), ("y", "low")]), fixed("b", None))
    first = to_json(run_audit(minimal_audit(), host))
    second = to_json(run_audit(minimal_audit(), host_with(fixed("a", 90.0, actions=[("x", "high"), ("y", "low")]),
                                                          fixed("b", None))))
    assert first == second


def test_result_contract_top_level_keys():
    import json

    data = json.loads(to_json(run_audit(minimal_audit(), host_with(fixed("a", 70.0)))))
    for key in ("gapaudit_version", "schema_version", "audit", "store", "modules", "actions", "data_quality"):
        assert key in data
    module = data["modules"]["a"]
    for key in ("title", "score", "grade", "metrics", "findings", "actions", "data"):
        assert key in module


def test_lang_override_reaches_modules():
    class Speaks(AuditModule):
        id = "speaks"
        title = {"en": "Speaks", "zh": "说话"}

        def run(self, ctx):
            return ModuleResult(score=50, methodology=[ctx.tr("hello", "你好")])

    host = host_with(Speaks)
    assert run_audit(minimal_audit(), host).modules["speaks"].methodology == ["hello"]
    zh = run_audit(minimal_audit(), host, lang="zh")
    assert zh.modules["speaks"].methodology == ["你好"] and zh.modules["speaks"].title == "说话"
    assert zh.audit["language"] == "zh"
