"""The result contract: what every module returns and what every output reads.

The JSON form of :class:`AuditResult` is a public contract (PDF, HTML,
Markdown, CSV, roll-up and history all read it); change it only with a
``schema_version`` bump.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

RESULT_SCHEMA_VERSION = 1
#: the longest finding or action title (a module's are far shorter; a plugin's longer one is its error)
MAX_TITLE = 2000

FindingSeverity = Literal["critical", "high", "medium", "low", "info"]
Horizon = Literal["short", "long"]
ActionKind = Literal["management", "capex"]
#: the links of the gap chain, in the order a service fails (see gapaudit.problems)
Link = Literal["diagnosis", "prescription", "pharmacy", "outcome"]
#: what a finding or action is about: ``item:<id>``, ``standard:<id>``, ``promise:<id>``,
#: ``complaint:<category>`` or ``error:<category>``
SUBJECT_PATTERN = r"^(item|standard|promise|complaint|error):.+$"
Subject = Annotated[str, Field(pattern=SUBJECT_PATTERN)]


class _Result(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Metric(_Result):
    """One measured quantity, with its sample size and interval where they exist."""

    id: str
    label: str
    value: float | int | str | None = Field(description="None means no data")
    unit: str = ""
    n: int | None = None
    ci_low: float | None = None
    ci_high: float | None = None


class Fact(_Result):
    """One measured fact about one subject of a finding, placed in the gap chain.

    Facts are how modules tell :mod:`gapaudit.problems` which item, standard,
    promise or complaint category a finding is about, and where in the chain
    it fails; ``text`` is one plain line for the store owner (no intervals or
    statistical notation: those stay on the module pages).
    """

    about: Subject
    link: Link | None = Field(None, description="where in the gap chain this fact shows the service failing")
    kind: str = Field(description="what was measured, e.g. compliance, customer_gap, coverage, complaints")
    value: float | int | str | None = None
    text: str = Field(description="one plain line in the report language")


class Finding(_Result):
    """Something the audit found, with the evidence behind it."""

    id: str
    severity: FindingSeverity
    title: str = Field(max_length=MAX_TITLE)
    detail: str = ""
    evidence: list[str] = Field(default_factory=list)
    topic: str = Field("", description="findings of several modules with the same topic describe one problem "
                                        "(e.g. the same critical standards failed); the summary lists it once")
    facts: list[Fact] = Field(default_factory=list, description="per subject: what failed, where in the chain")
    problems: list[str] = Field(default_factory=list, description="ids of the problems this finding is part of")


# --- targets: what an action aims at, as an edit of the evidence ---------------------------------

class _Target(_Result):
    about: Subject | None = Field(None, description="the item, standard, promise or category the target concerns")
    metric: str | None = Field(None, description="id of the metric that tracks the target (e.g. "
                                                 "pharmacy_gap.standard.S3); its value now is the baseline")
    goal: float | None = Field(None, description="the metric's value when the target is reached, in its unit")
    better: Literal["higher", "lower"] = Field("higher", description="which way the metric improves")
    label: str = Field("", description="the target in words, e.g. 'compliance reaches 90 %'")


class ShareTarget(_Target):
    """Raise the share of rows meeting a condition: failing rows are changed, in table order, until it is reached.

    Rows of ``table`` matching ``where`` count; rows whose ``field`` is empty or 'na' are left out. A row
    meets when its ``field`` equals ``meets`` (``compare`` "ge"/"le": is at least / at most it); a failing
    row gets ``meets`` (and the fields in ``also``).
    """

    kind: Literal["share"] = "share"
    table: str = Field(description="dotted path: evidence.observations, modules.<module id>.<table> …")
    where: dict[str, Any] = Field(default_factory=dict)
    field: str
    meets: Any
    compare: Literal["eq", "ge", "le"] = "eq"
    also: dict[str, Any] = Field(default_factory=dict)
    value: float = Field(ge=0, le=1, description="share of counted rows that must meet, 0–1")


class SetTarget(_Target):
    """Set fields on the rows of a table (or on one record) matching ``where`` (or the mapping's ``keys``)."""

    kind: Literal["set"] = "set"
    table: str
    where: dict[str, Any] = Field(default_factory=dict)
    keys: list[str] | None = Field(None, description="for a mapping (e.g. checklist answers): the entries to set")
    changes: dict[str, Any]


class AddTarget(_Target):
    """Add a row to a table (e.g. the written standard an item lacks)."""

    kind: Literal["add"] = "add"
    table: str
    row: dict[str, Any]


class RemoveTarget(_Target):
    """Remove the rows matching ``where`` (e.g. the complaints of a category whose cause is removed)."""

    kind: Literal["remove"] = "remove"
    table: str
    where: dict[str, Any]


class SurveyGapTarget(_Target):
    """Raise customers' perception of one questionnaire item until its mean gap P − E reaches ``value``.

    Raw answers: every perception of the item rises by the same amount, capped at the scale's top; summary
    data: the mean perception becomes the mean expectation + ``value``.
    """

    kind: Literal["survey_gap"] = "survey_gap"
    item: str
    value: float = Field(description="mean gap P − E to reach, in scale points (e.g. −0.6)")


class ComplaintTarget(_Target):
    """Resolve complaints: the resolution rate reaches ``resolved`` and the share resolved within
    ``within_hours`` reaches ``quick`` (each None: not aimed at), changing rows in log order."""

    kind: Literal["complaints"] = "complaints"
    where: dict[str, Any] = Field(default_factory=dict)
    resolved: float | None = Field(None, ge=0, le=1)
    quick: float | None = Field(None, ge=0, le=1)
    within_hours: float | None = Field(None, gt=0)


Target = Annotated[Union[ShareTarget, SetTarget, AddTarget, RemoveTarget, SurveyGapTarget, ComplaintTarget],
                   Field(discriminator="kind")]


class Impact(_Result):
    """What reaching an action's targets is worth: the audit re-run on the edited evidence, minus the audit."""

    overall: float | None = Field(description="change of the overall score, points (None: no overall score)")
    modules: dict[str, float] = Field(default_factory=dict, description="change of each module score, points")
    customers_per_year: float | None = Field(None, description="customers kept per year (complaint analytics)")
    customers_note: str = Field("", description="how customers_per_year was found, or why it is None")
    grade: str | None = Field(None, description="overall grade after, when it differs from the audit's")
    basis: str = Field(description="the targets applied and what was re-run, in words")


class Action(_Result):
    """An improvement action; ``priority`` 0-100, higher first.

    ``priority_basis`` records the factors of the priority formula so a
    reader can see why one action ranks above another.
    """

    id: str
    title: str = Field(max_length=MAX_TITLE)
    rationale: str = ""
    gap: str = Field(description="module id the action comes from")
    owner_role: str = ""
    horizon: Horizon = "short"
    priority: float = Field(ge=0, le=100)
    due: dt.date | None = None
    evidence: list[str] = Field(default_factory=list)
    kind: ActionKind = "management"
    finding_ids: list[str] = Field(default_factory=list)
    priority_basis: dict[str, float] = Field(default_factory=dict)
    about: list[Subject] = Field(default_factory=list, description="items, standards, promises, categories")
    targets: list[Target] = Field(default_factory=list, description="what the action aims at (gives its impact)")
    impact: Impact | None = None
    impact_note: str = Field("", description="why there is no impact, when there is none")
    problem: str | None = Field(None, description="id of the problem this action leads or belongs to")
    role: Literal["lead", "step"] | None = Field(None, description="lead action of its problem, or a step of it")
    steps: list[str] = Field(default_factory=list, description="a lead action's supporting steps (action ids)")
    progress: "Progress | None" = Field(None, description="with a history: how its target metric moved")


class Progress(_Result):
    """How a carried-over action's target metric moved since the previous audit (rule: gapaudit.tracking)."""

    metric: str
    label: str = ""
    unit: str = ""
    previous: float | None
    current: float | None
    change: float | None
    verdict: Literal["improved", "no_detectable_change", "worse", "not_comparable"]
    note: str = ""


class ProblemEvidence(_Result):
    """One fact of a problem, from the module that found it."""

    module: str
    kind: str
    id: str = Field(description="the subject: item, standard, promise or category id")
    about: Subject
    value: float | int | str | None = None
    link: Link | None = None
    text: str = ""


class Problem(_Result):
    """One service attribute with its whole chain: what failed where, and the action that leads its fix."""

    id: str
    title: str
    attribute: Subject = Field(description="the subject that names the problem")
    items: list[str] = Field(default_factory=list)
    standards: list[str] = Field(default_factory=list)
    promises: list[str] = Field(default_factory=list)
    complaint_categories: list[str] = Field(default_factory=list)
    error_categories: list[str] = Field(default_factory=list)
    breaks_at: Link | None = Field(None, description="the first link of the gap chain that fails")
    evidence: list[ProblemEvidence] = Field(default_factory=list)
    actions: list[str] = Field(default_factory=list, description="action ids, the lead action first")
    impact: Impact | None = Field(None, description="every target of the problem reached at once")
    confidence: float | None = None


class DataQualityNote(_Result):
    """A statement about the evidence: sample size, missing answers, reliability, no data."""

    topic: str
    detail: str
    n: int | None = None
    severity: Literal["info", "warning"] = "info"


class ModuleResult(_Result):
    """What one audit module returns.

    ``score`` is 0-100 (higher is better) or None with ``reason`` when the
    module had no evidence: never a made-up default.
    """

    id: str = ""
    title: str = ""
    version: str = ""
    score: float | None = Field(None, ge=0, le=100)
    grade: str | None = None
    reason: str | None = Field(None, description="why score is None")
    metrics: list[Metric] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    data: dict[str, Any] = Field(default_factory=dict, description="chart data and tables for the report")
    methodology: list[str] = Field(default_factory=list, description="every formula and aggregation rule used")
    data_quality: list[DataQualityNote] = Field(default_factory=list)
    grade_cap: str | None = Field(None, description="grade capped by a critical-item failure, if any")


class PluginInfo(_Result):
    name: str
    version: str
    source: str


class OverallScore(_Result):
    score: float | None
    grade: str | None
    rule: str
    modules_scored: list[str] = Field(default_factory=list)


class AuditResult(_Result):
    """The whole audit's result: the JSON contract."""

    gapaudit_version: str
    schema_version: int = RESULT_SCHEMA_VERSION
    audit: dict[str, Any]
    store: dict[str, Any]
    overall: OverallScore
    modules: dict[str, ModuleResult]
    actions: list[Action]
    data_quality: dict[str, Any]
    plugins: list[PluginInfo] = Field(default_factory=list)
    problems: list[Problem] = Field(default_factory=list, description="one per failing service attribute, "
                                                                      "in action-plan order")
    subjects: dict[str, str] = Field(default_factory=dict, description="name of every subject an action, finding "
                                                                       "or problem is about")
    extra: dict[str, Any] = Field(default_factory=dict, description="plugin additions (finalise hook)")


Action.model_rebuild()
