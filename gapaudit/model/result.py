"""The result contract: what every module returns and what every output reads.

The JSON form of :class:`AuditResult` is a public contract (PDF, HTML,
Markdown, CSV, roll-up and history all read it); change it only with a
``schema_version`` bump.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

RESULT_SCHEMA_VERSION = 1
#: the longest finding or action title (a module's are far shorter; a plugin's longer one is its error)
MAX_TITLE = 2000

FindingSeverity = Literal["critical", "high", "medium", "low", "info"]
Horizon = Literal["short", "long"]
ActionKind = Literal["management", "capex"]


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


class Finding(_Result):
    """Something the audit found, with the evidence behind it."""

    id: str
    severity: FindingSeverity
    title: str = Field(max_length=MAX_TITLE)
    detail: str = ""
    evidence: list[str] = Field(default_factory=list)
    topic: str = Field("", description="findings of several modules with the same topic describe one problem "
                                        "(e.g. the same critical standards failed); the summary lists it once")


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
    extra: dict[str, Any] = Field(default_factory=dict, description="plugin additions (finalise hook)")
