"""The audit-module interface: what a plugin registers to add an analysis.

An audit module is a class with metadata and one pure method,
``run(ctx) -> ModuleResult``: no I/O, no globals, the same result for the
same input. ``ctx`` hands it the validated audit, its own validated
``Config`` block (``modules.<id>`` in the audit YAML, layered over chain
defaults), the parsed survey, and helpers for bilingual text, grades and
prioritised actions.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Mapping

from pydantic import BaseModel

from gapaudit.analysis.checklist import ChecklistScore, Question, score_checklist
from gapaudit.model.base import Model
from gapaudit.model.result import Action, ActionKind, DataQualityNote, Finding, FindingSeverity, Horizon, Metric, \
    ModuleResult, SetTarget
from gapaudit.model.vocab import label as vocab_label
from gapaudit.analysis.scoring import grade_for, priority

if TYPE_CHECKING:
    from gapaudit.analysis.evidence import SurveyData
    from gapaudit.model.audit import AuditInput

MODULE_ID = re.compile(r"^[a-z][a-z0-9_]{0,62}$")

#: days from the audit date to an action's due date, by horizon
DUE_DAYS = {"short": 30, "long": 180}


class NoConfig(Model):
    """Config of a module that takes no input or settings of its own."""


class AuditModule:
    """Base class of audit modules. Subclass, set the class attributes, write ``run``."""

    id: ClassVar[str]
    title: ClassVar[dict[str, str]]  # {"en": ..., "zh": ...}
    version: ClassVar[str] = "1.0"
    order: ClassVar[int] = 500  # modules run and appear in ascending order
    description: ClassVar[dict[str, str]] = {}
    Config: ClassVar[type[BaseModel]] = NoConfig
    #: the evidence the module's score and grade depend on: "evidence.<section>", "evidence.<section>.<field>"
    #: (one field of a table: rows added or removed count too), or "survey.expectation" / "survey.perception" /
    #: "survey.importance" / "survey.points" for the parsed survey. None = unknown: any change may. Working out
    #: an action's impact re-runs only the modules whose score the action's targets can change.
    reads: ClassVar[frozenset[str] | None] = None

    def run(self, ctx: "ModuleContext") -> ModuleResult:  # pragma: no cover - interface
        raise NotImplementedError

    @classmethod
    def localized_title(cls, lang: str) -> str:
        return cls.title.get(lang) or cls.title.get("en") or cls.id


@dataclass(frozen=True)
class Remedy:
    """A standard improvement action in both languages: what to do, which role owns it, short or long term."""

    key: str  # action id is "<module id>.<key>"; evidence sharing a key becomes one action
    en: str
    zh: str
    owner_en: str
    owner_zh: str
    horizon: Horizon = "short"
    kind: ActionKind = "management"


@dataclass(frozen=True)
class ModuleContext:
    """Everything a module may read; build results with its helpers.

    ``scores_only`` is set when the engine re-runs the module to measure an action's impact: only the score,
    grade and grade cap of that run are read, so the module may skip descriptive work that changes none of
    them (driver analyses, reliability, chart data). A test runs every built-in module both ways and compares.
    """

    audit: "AuditInput"
    config: Any
    lang: str
    survey: "SurveyData | None"
    module_id: str
    scores_only: bool = False

    @property
    def evidence(self):
        return self.audit.evidence

    @property
    def audit_date(self) -> dt.date:
        return self.audit.audit.date

    def tr(self, en: str, zh: str, /, **fmt: Any) -> str:
        """Pick the report language's wording and fill ``{placeholders}``."""
        text = zh if self.lang == "zh" else en
        return text.format(**fmt) if fmt else text

    def label(self, key: str) -> str:
        """Display label of a dimension, factor, corner or element."""
        return vocab_label(key, self.lang)

    def grade(self, score: float | None) -> str | None:
        return grade_for(score, self.audit.scoring.bands)

    def no_data(self, reason: str, **kw: Any) -> ModuleResult:
        """A result with no score, saying why: never a made-up default."""
        return ModuleResult(score=None, reason=reason, **kw)

    def action(self, id: str, title: str, *, rationale: str, severity: FindingSeverity,
               importance: float | None = None, confidence: float = 1.0, owner_role: str = "",
               horizon: Horizon = "short", evidence: list[str] | None = None,
               kind: ActionKind = "management", finding_ids: list[str] | None = None,
               about: list[str] | None = None, targets: list[Any] | None = None,
               impact_note: str = "") -> Action:
        """An action with a due date from its horizon.

        ``targets`` (see :mod:`gapaudit.model.result`: ShareTarget, SetTarget …) say what the action aims at;
        the engine re-runs the audit with them reached to find its impact, which sets its priority. Without
        targets give ``impact_note``: why its impact cannot be measured. ``severity``, ``importance`` and
        ``confidence`` give the severity score that orders actions whose impact is unknown; ``confidence``
        (how sure the shortfall is real) also weighs the impact.
        """
        value, basis = priority(severity, importance, confidence)
        return Action(
            id=id, title=title, rationale=rationale, gap=self.module_id, owner_role=owner_role,
            horizon=horizon, priority=value, due=self.audit_date + dt.timedelta(days=DUE_DAYS[horizon]),
            evidence=evidence or [], kind=kind, finding_ids=finding_ids or [], priority_basis=basis,
            about=about or [], targets=targets or [], impact_note=impact_note,
        )

    def remedy_action(self, remedy: Remedy, *, rationale: str, severity: FindingSeverity,
                      importance: float | None = None, confidence: float = 1.0, evidence: list[str] | None = None,
                      finding_ids: list[str] | None = None, about: list[str] | None = None,
                      targets: list[Any] | None = None, impact_note: str = "") -> Action:
        """:meth:`action` for a :class:`Remedy`: its id, title, owner, horizon and kind in the report language."""
        return self.action(f"{self.module_id}.{remedy.key}", self.tr(remedy.en, remedy.zh), rationale=rationale,
                           severity=severity, importance=importance, confidence=confidence,
                           owner_role=self.tr(remedy.owner_en, remedy.owner_zh), horizon=remedy.horizon,
                           evidence=evidence, kind=remedy.kind, finding_ids=finding_ids, about=about,
                           targets=targets, impact_note=impact_note)

    def checklist_actions(self, checklist: "ChecklistScore", remedies: Mapping[str, Remedy]) -> list[Action]:
        """One action per remedy behind the review questions answered 'no' (severity medium) or 'partly' (low).

        ``remedies`` maps question id → remedy; questions sharing a remedy become one action.
        """
        grouped: dict[str, tuple[Remedy, list[tuple[Any, str, str | None]]]] = {}
        for question, answer, note in checklist.negative:
            remedy = remedies.get(question.id)
            if remedy is not None:
                grouped.setdefault(remedy.key, (remedy, []))[1].append((question, answer, note))
        actions = []
        for remedy, answers in grouped.values():
            evidence = [f"{q.id} ({self.tr('no', '否') if a == 'no' else self.tr('partly', '部分')}): "
                        f"{q.text(self.lang)}" + (f" — {note}" if note else "") for q, a, note in answers]
            actions.append(self.remedy_action(
                remedy, severity="medium" if any(a == "no" for _, a, _ in answers) else "low",
                rationale=self.tr("The review checklist answers show this is not done consistently.",
                                  "复核清单的回答表明此项未能持续做到。"),
                evidence=evidence, finding_ids=[f"{self.module_id}.checklist.gaps"],
                targets=[self.checklist_target([q.id for q, _, _ in answers])]))
        return actions

    def checklist_target(self, question_ids: list[str]) -> SetTarget:
        """The target of a checklist remedy: these review questions answered 'yes'."""
        return SetTarget(table=f"modules.{self.module_id}.checklist.answers", keys=list(question_ids),
                         changes={"answer": "yes"}, metric=f"{self.module_id}.checklist", goal=100.0,
                         label=self.tr("review questions {q} answered 'yes'", "复核问题 {q} 的回答变为“是”",
                                       q=", ".join(question_ids)))


class ModuleRun:
    """One run of a module over one audit: collects the pieces of its :class:`ModuleResult`.

    A module subclasses it, fills ``metrics``, ``findings``, ``actions``, ``notes`` (data-quality) and
    ``data`` as its analysis goes, writes :meth:`methodology`, and ends with :meth:`finish`.
    """

    def __init__(self, ctx: ModuleContext):
        self.ctx = ctx
        self.cfg = ctx.config
        self.metrics: list[Metric] = []
        self.findings: list[Finding] = []
        self.actions: list[Action] = []
        self.notes: list[DataQualityNote] = []
        self.data: dict[str, Any] = {}

    def note(self, topic: str, detail: str, n: int | None = None, warning: bool = False) -> None:
        """A data-quality note, severity info (or warning)."""
        self.notes.append(DataQualityNote(topic=topic, detail=detail, n=n,
                                          severity="warning" if warning else "info"))

    def add_checklist(self, questions: list[Question], remedies: Mapping[str, Remedy], *,
                      metric_first: bool = False) -> ChecklistScore:
        """Score the review checklist (``cfg.checklist``) and add its metric, findings and actions.

        The metric is appended, or put before the metrics so far with ``metric_first``.
        """
        check = score_checklist(self.ctx.module_id, questions, self.cfg.checklist, self.ctx.lang)
        if metric_first:
            self.metrics.insert(0, check.metric)
        else:
            self.metrics.append(check.metric)
        self.findings.extend(check.findings)
        self.actions.extend(self.ctx.checklist_actions(check, remedies))
        return check

    def methodology(self) -> list[str]:  # pragma: no cover - interface
        """Every rule the run used, stated in the report language."""
        raise NotImplementedError

    def finish(self, score: float | None, reason: str | None = None, **extra: Any) -> ModuleResult:
        """The result from what was collected: "no data" saying ``reason`` when one is given, else ``score``.

        ``extra`` passes further ModuleResult fields (e.g. ``grade_cap``).
        """
        kw = dict(metrics=self.metrics, findings=self.findings, actions=self.actions, data=self.data,
                  methodology=self.methodology(), data_quality=self.notes, **extra)
        if reason is not None:
            return self.ctx.no_data(reason, **kw)
        return ModuleResult(score=score, **kw)
