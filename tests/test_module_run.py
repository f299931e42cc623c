"""ModuleRun and ChecklistConfig: the shared pieces of the gap modules' runs and configs."""

from __future__ import annotations

import pytest
from pydantic import Field, ValidationError

from gapaudit.analysis.checklist import ChecklistConfig, ChecklistField, Question
from gapaudit.model.result import Metric
from gapaudit.module import ModuleContext, ModuleRun, Remedy
from gapaudit.testing import load, make_host, minimal_audit

QUESTIONS = [Question("q1", "One?", "一？"), Question("q2", "Two?", "二？"), Question("q3", "Three?", "三？")]
REMEDY = Remedy("fix", "Fix it", "修好", "Manager", "经理")
DEFAULTS = {"part": 0.8, "checklist": 0.2}


class Config(ChecklistConfig):
    questions = QUESTIONS
    default_weights = DEFAULTS

    checklist: ChecklistField = None
    level: int = Field(1, description="a setting between the two shared fields")
    weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULTS), description="sub-score weights")


class Run(ModuleRun):
    def methodology(self) -> list[str]:
        return ["rule"]


def run_of(checklist: dict | None = None) -> Run:
    audit = load(minimal_audit(), make_host(builtins=False)).input
    cfg = Config(checklist=checklist) if checklist is not None else Config()
    return Run(ModuleContext(audit=audit, config=cfg, lang="en", survey=None, module_id="toy"))


def test_config_validates_answers_and_weights_against_the_class_attributes():
    assert list(Config.model_fields) == ["checklist", "level", "weights"]  # declared order kept
    assert Config(weights={"part": 1}).weights == {"part": 1, "checklist": 0.2}
    with pytest.raises(ValidationError, match="unknown checklist question 'q11'; did you mean 'q1'"):
        Config(checklist={"q11": "yes"})
    with pytest.raises(ValidationError, match="unknown checklist question 'zzz'; questions are q1, q2, q3"):
        Config(checklist={"zzz": "yes"})
    with pytest.raises(ValidationError, match="unknown sub-score 'other'; sub-scores are part, checklist"):
        Config(weights={"other": 1})
    with pytest.raises(ValidationError, match="at least one sub-score weight must be above 0"):
        Config(weights={"part": 0, "checklist": 0})


def test_add_checklist_adds_metric_findings_and_actions():
    r = run_of({"q1": "no", "q2": "yes"})
    r.metrics.append(Metric(id="toy.other", label="other", value=1.0))
    check = r.add_checklist(QUESTIONS, {"q1": REMEDY})
    assert check.score == 50.0
    assert [m.id for m in r.metrics] == ["toy.other", "toy.checklist"]
    assert [f.id for f in r.findings] == ["toy.checklist.unanswered", "toy.checklist.gaps"]
    assert [(a.id, a.finding_ids) for a in r.actions] == [("toy.fix", ["toy.checklist.gaps"])]
    first = run_of({"q1": "no"})
    first.metrics.append(Metric(id="toy.other", label="other", value=1.0))
    first.add_checklist(QUESTIONS, {}, metric_first=True)
    assert [m.id for m in first.metrics] == ["toy.checklist", "toy.other"] and first.actions == []


def test_finish_gives_no_data_with_the_reason_or_the_score():
    r = run_of()
    r.note("sample", "small", 3, warning=True)
    r.data = {"x": 1}
    scored = r.finish(70.0)
    assert (scored.score, scored.reason, scored.methodology, scored.data) == (70.0, None, ["rule"], {"x": 1})
    assert [(n.topic, n.n, n.severity) for n in scored.data_quality] == [("sample", 3, "warning")]
    empty = r.finish(70.0, "no evidence", grade_cap="C")
    assert (empty.score, empty.reason, empty.grade_cap) == (None, "no evidence", "C")
