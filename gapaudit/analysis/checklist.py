"""Review checklists: the questions a manager answers for each gap.

A module declares its questions (bilingual); the audit answers them under
``modules.<id>.checklist`` as ``{question id: answer}`` or
``{question id: {answer: ..., evidence: ...}}``. Scoring: yes = 1,
partly = 0.5, no = 0; "na" and unanswered questions are left out of the
score, and unanswered ones are reported as a finding of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Union

from pydantic import Field, TypeAdapter, field_validator, model_validator

from gapaudit.errors import quoted
from gapaudit.model.base import ANSWER_VALUE, Answer, Model
from gapaudit.model.result import Finding, Metric
from gapaudit.analysis.scoring import check_weights

CHECKLIST_RULE = ("checklist score = 100 × mean of answered questions (yes = 1, partly = 0.5, no = 0); "
                  "'not applicable' and unanswered questions are left out of the mean; unanswered questions "
                  "are listed as a finding.")
CHECKLIST_RULE_ZH = ("复核清单得分 = 100 × 已答问题的平均（是 = 1，部分 = 0.5，否 = 0）；“不适用”和未答问题不计入平均；"
                     "未答问题单列为一项发现。")


@dataclass(frozen=True)
class Question:
    """One review question in both languages; ``topic`` groups questions (e.g. a root cause)."""

    id: str
    en: str
    zh: str
    topic: str = ""

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class ChecklistAnswer(Model):
    answer: Answer
    evidence: str | None = Field(None, max_length=2000)


def _expand(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: (v if isinstance(v, dict) else {"answer": v}) for k, v in value.items()}
    return value


def checklist_json_schema(questions: list[Question] | None = None) -> dict[str, Any]:
    """What a checklist accepts: ``{question id: answer}`` or ``{question id: {answer, evidence}}``.

    Also accepted, as the validator does: the same mapping under a single ``answers`` key. With
    ``questions``, the ids are listed (editors complete them) and no other id is allowed.
    """
    entry = {"anyOf": [TypeAdapter(Answer).json_schema(), ChecklistAnswer.model_json_schema()]}
    flat: dict[str, Any] = {"type": "object"}
    if questions is None:
        flat["additionalProperties"] = entry
    else:
        flat["properties"] = {q.id: {**entry, "description": f"{q.en} / {q.zh}"} for q in questions}
        flat["additionalProperties"] = False
    wrapped = {"type": "object", "properties": {"answers": flat}, "required": ["answers"],
               "additionalProperties": False}
    return {"anyOf": [flat, wrapped]}


class Checklist(Model):
    """Answers keyed by question id (validated against the module's questions by :func:`check_ids`)."""

    answers: dict[str, ChecklistAnswer] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _wrap(cls, value: Any) -> Any:
        if isinstance(value, dict) and set(value) == {"answers"}:
            inner = value["answers"]
            return {"answers": _expand(inner)} if isinstance(inner, dict) else value
        if isinstance(value, dict) and "answers" not in value:
            return {"answers": _expand(value)}
        return value  # 'answers' beside question ids: refused as an unknown key

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        return {**checklist_json_schema(), "title": "Checklist"}


ChecklistField = Union[Checklist, None]


def check_ids(checklist: Checklist | None, questions: list[Question]) -> Checklist | None:
    """Raise ValueError (→ a located input error) for answers to questions that do not exist."""
    if checklist is None:
        return None
    import difflib

    known = [q.id for q in questions]
    for qid in checklist.answers:
        if qid not in known:
            close = difflib.get_close_matches(qid, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; questions are {', '.join(known)}"
            raise ValueError(f"unknown checklist question {quoted(qid)}{hint}")
    return checklist


class ChecklistConfig(Model):
    """Base of a module Config with a review ``checklist`` and sub-score ``weights`` field.

    The subclass declares both fields itself (so each keeps its place, default and description in the
    schema) and sets ``questions`` and ``default_weights``; the answers are checked against the questions
    (:func:`check_ids`) and the weights laid over the defaults (:func:`gapaudit.analysis.scoring.check_weights`).
    """

    questions: ClassVar[list[Question]]
    default_weights: ClassVar[dict[str, float]]

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        """The ``checklist`` property lists this module's question ids, each described by its text."""
        schema = handler(core_schema)
        target = handler.resolve_ref_schema(schema)
        prop = target.get("properties", {}).get("checklist")
        if prop is not None and getattr(cls, "questions", None):
            keep = {k: v for k, v in prop.items() if k in ("title", "description", "default")}
            prop.clear()
            prop.update(keep)
            prop["anyOf"] = checklist_json_schema(cls.questions)["anyOf"] + [{"type": "null"}]
        return schema

    @field_validator("checklist", check_fields=False)
    @classmethod
    def _known_questions(cls, value: Any) -> Any:
        return check_ids(value, cls.questions)

    @field_validator("weights", check_fields=False)
    @classmethod
    def _weights(cls, value: dict[str, float]) -> dict[str, float]:
        return check_weights(value, cls.default_weights)


@dataclass
class ChecklistScore:
    score: float | None
    answered: int
    unanswered: list[Question]
    negative: list[tuple[Question, str, str | None]]  # (question, 'no' | 'partly', evidence)
    metric: Metric
    findings: list[Finding]


def score_checklist(module_id: str, questions: list[Question], checklist: Checklist | None,
                    lang: str) -> ChecklistScore:
    """Score a checklist and turn its gaps into findings (unanswered questions, 'no' answers)."""
    answers = checklist.answers if checklist else {}
    values: list[float] = []
    unanswered: list[Question] = []
    negative: list[tuple[Question, str, str | None]] = []
    for q in questions:
        a = answers.get(q.id)
        if a is None:
            unanswered.append(q)
            continue
        if a.answer == "na":
            continue
        values.append(ANSWER_VALUE[a.answer])
        if a.answer in ("no", "partly"):
            negative.append((q, a.answer, a.evidence))
    score = round(100 * sum(values) / len(values), 1) if values else None
    zh = lang == "zh"
    metric = Metric(id=f"{module_id}.checklist", label="复核清单得分" if zh else "Review checklist score",
                    value=score, unit="/100", n=len(values))
    findings: list[Finding] = []
    if unanswered:
        findings.append(Finding(
            id=f"{module_id}.checklist.unanswered", severity="info",
            title=(f"{len(unanswered)} 个复核问题未作答" if zh else
                   f"{len(unanswered)} review question{'s' if len(unanswered) != 1 else ''} unanswered"),
            detail=("未作答的问题不计入清单得分；请在下次审核中补充。" if zh else
                    "Unanswered questions are left out of the checklist score; answer them in the next audit."),
            evidence=[f"{q.id}: {q.text(lang)}" for q in unanswered]))
    if negative:
        no_count = sum(1 for _, a, _ in negative if a == "no")
        findings.append(Finding(
            id=f"{module_id}.checklist.gaps", severity="high" if no_count >= 2 else "medium",
            title=(f"复核清单：{no_count} 项“否”，{len(negative) - no_count} 项“部分”" if zh else
                   f"Review checklist: {no_count} 'no' and {len(negative) - no_count} 'partly' answers"),
            evidence=[f"{q.id} ({'否' if a == 'no' and zh else '部分' if zh else a}): {q.text(lang)}"
                      + (f" — {ev}" if ev else "") for q, a, ev in negative]))
    return ChecklistScore(score, len(values), unanswered, negative, metric, findings)
