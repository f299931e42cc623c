"""The audit input: one body of evidence that every module reads through its own lens.

Evidence is described once and tagged (SERVQUAL dimension, eight-factor
factor, golden-triangle element, standard id) so the auditor never enters the
same fact twice. Tabular evidence may be inline or a ``{file: ...}`` reference
to CSV/XLSX beside the audit. Every section is optional: a module whose
evidence is missing reports "no data" with the reason.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, PrivateAttr, WithJsonSchema, model_validator

from gapaudit.errors import Invalid, quoted
from gapaudit.model.base import MAX_DAYS, MAX_HOURS, Answer, Count, Date, Flag, Identifier, IdList, Model, Name, \
    PhotoList, TableMarker, check_weight, choice, table
from gapaudit.model.vocab import ELEMENTS, LABELS, POSITIVE_FACTORS, SERVQUAL_DIMENSIONS, Language

SCHEMA_VERSION = 1


def _labelled(keys: tuple[str, ...], what: str) -> Any:
    """A vocabulary choice that also accepts its labels, as people write them in files (态度, Attitude)."""
    aliases = {k: tuple(dict.fromkeys((LABELS[k]["zh"], LABELS[k]["en"]))) for k in keys}
    shown = " / ".join(f"{k} ({LABELS[k]['zh']})" for k in keys)
    return choice(aliases, f"{what}: {shown}")


Factor = _labelled(POSITIVE_FACTORS, "eight-factor factor")
Element = _labelled(ELEMENTS, "golden-triangle element")
_DIMENSION_LABELS = {label.lower(): d for d in SERVQUAL_DIMENSIONS for label in LABELS[d].values()}


def _dimension(value: Any) -> Any:
    """A SERVQUAL dimension written by its label (有形性, Tangibles) becomes its id; other names pass as they are."""
    return _DIMENSION_LABELS.get(value.strip().lower(), value) if isinstance(value, str) else value


_DIMENSION_HELP = ("SERVQUAL dimension: tangibles, reliability, responsiveness, assurance, empathy (or 有形性, 可靠性, "
                   "响应性, 保证性, 移情性), or one of questionnaire.dimensions")
Dimension = Annotated[Identifier, BeforeValidator(_dimension), Field(description=_DIMENSION_HELP),
                      WithJsonSchema({"anyOf": [{"enum": list(SERVQUAL_DIMENSIONS) + [LABELS[d]["zh"]
                                                                                     for d in SERVQUAL_DIMENSIONS]},
                                                {"type": "string", "minLength": 1, "maxLength": 100}],
                                      "description": _DIMENSION_HELP})]

Score = float
Severity = choice({"low": ("低", "轻微", "l"), "medium": ("中", "一般", "m"), "high": ("高", "严重", "h")},
                  "low / medium / high (also 低 / 中 / 高)")


# --- who and what is audited --------------------------------------------------

class AuditInfo(Model):
    """The audit itself."""

    id: Identifier = Field(description="audit id, unique per store (e.g. 2026Q3-S001)")
    date: Date = Field(description="date of the audit (YYYY-MM-DD)")
    auditor: str | None = Field(None, max_length=200)
    language: Language = Field("en", description="report language: zh or en")
    period: str | None = Field(None, max_length=50, description="period audited, e.g. 2026-Q3")
    notes: str | None = Field(None, max_length=5000)


class StoreInfo(Model):
    """The store, branch, service centre or dealer audited."""

    id: Identifier
    name: str = Field(min_length=1, max_length=200)
    chain: str | None = Field(None, max_length=200)
    region: str | None = Field(None, max_length=200)
    type: str | None = Field(None, max_length=100, description="e.g. supermarket, electronics, after-sales")
    address: str | None = Field(None, max_length=500)


class PluginSelection(Model):
    """Plugins the audit needs, and plugins or modules it switches off (added to the defaults)."""

    require: list[Identifier] = Field(default_factory=list, description="plugins that must be installed")
    disable: list[Identifier] = Field(default_factory=list, description="plugin names or module ids to skip")


class GradeBand(Model):
    grade: str = Field(min_length=1, max_length=10)
    min: float = Field(ge=0, le=100, description="lowest score that earns this grade")


DEFAULT_BANDS = [GradeBand(grade="A", min=85), GradeBand(grade="B", min=70), GradeBand(grade="C", min=55),
                 GradeBand(grade="D", min=40), GradeBand(grade="E", min=0)]


class Scoring(Model):
    """How module scores combine into the overall score and grade."""

    weights: dict[str, float] = Field(default_factory=dict,
                                      description="module id → weight in the overall score (default 1 each)")
    bands: list[GradeBand] = Field(default_factory=lambda: list(DEFAULT_BANDS),
                                   description="grade bands, highest first; the last should start at 0")

    @model_validator(mode="after")
    def _check(self) -> "Scoring":
        for key, w in self.weights.items():
            check_weight(w, quoted(key))
        mins = [b.min for b in self.bands]
        if mins != sorted(mins, reverse=True):
            raise Invalid("grade bands must be listed from the highest minimum to the lowest", "等级区间须按最低分从高到低排列")
        if not self.bands or self.bands[-1].min != 0:
            raise Invalid("the last grade band must start at 0 so every score gets a grade", "最后一个等级区间须从 0 开始，使每个分数都有等级")
        return self


# --- the customer survey ------------------------------------------------------

class LikertScale(Model):
    """A rating scale; answers may be numbers or the labels given here."""

    min: int = Field(1, ge=0, le=10)
    max: int = Field(7, ge=1, le=100)
    labels: dict[Name, int] = Field(default_factory=dict,
                                   description="answer text → number, e.g. {非常同意: 7}")

    @model_validator(mode="after")
    def _check(self) -> "LikertScale":
        if self.max <= self.min:
            raise Invalid(f"max ({self.max}) must be above min ({self.min})", f"max（{self.max}）须大于 min（{self.min}）")
        for text, value in self.labels.items():
            if not self.min <= value <= self.max:
                raise Invalid(f"label {quoted(text)} maps to {value}, outside {self.min}..{self.max}",
                              f"标签 {quoted(text)} 对应 {value}，超出 {self.min}..{self.max}")
        return self


class QuestionItem(Model):
    """One questionnaire item, tagged so several modules can use it."""

    id: Identifier
    text: str = Field(min_length=1, max_length=1000)
    dimension: Dimension
    factor: Factor | None = Field(None, description="eight-factor factor this item evidences")
    element: Element | None = Field(None, description="golden-triangle element this item evidences")


class Questionnaire(Model):
    scale: LikertScale = Field(default_factory=LikertScale, description="scale of expectation and perception")
    importance_scale: LikertScale | None = Field(None, description="scale of importance ratings (default: scale)")
    dimensions: list[Identifier] = Field(default_factory=list, description=(
        "the questionnaire's own dimensions beyond the five SERVQUAL ones (tangibles, reliability, "
        "responsiveness, assurance, empathy); an item's dimension must be one of these"))
    items: table(QuestionItem)

    @model_validator(mode="after")
    def _unique(self) -> "Questionnaire":
        _require_unique([i.id for i in self.items], "questionnaire item")
        return self


SurveyRole = Literal["expectation", "perception", "importance", "desired", "adequate"]


def _responses(value: Any) -> Any:
    """Inline rows become a :class:`ResponseTable` like a file's (the loader hands files over as one)."""
    from gapaudit.load.survey import InlineResponses, ResponseTable

    if isinstance(value, ResponseTable):
        return value
    if isinstance(value, list) and all(isinstance(r, dict) for r in value):
        return InlineResponses(value)
    return value


def _check_responses(value: Any) -> Any:
    from gapaudit.load.survey import ResponseTable

    if not isinstance(value, ResponseTable):
        raise Invalid("expected a list of rows (one mapping per respondent) or {file: ...}", "应为若干行（每位受访者一个映射）或 {file: ...}")
    return value


Responses = Annotated[Any, TableMarker({"type": "array", "items": {"type": "object"},
                                         "description": "one mapping per respondent"}),
                      BeforeValidator(_responses), AfterValidator(_check_responses)]


class Survey(Model):
    """Customer responses, one row per respondent (or one per respondent and item with ``layout: long``).

    Columns are ``<prefix><item id>`` — ``E_R1`` expectation, ``P_R1``
    perception, ``I_R1`` importance; ``W_<dimension>`` a 100-point importance
    allocation across dimensions — or, with ``match: text``, the item's text
    with a role marker, as survey tools export them (``5、期望—员工穿着整洁``).
    The three-column format (Parasuraman, Zeithaml & Berry 1994) adds
    ``D_R1`` desired and ``A_R1`` adequate (minimum acceptable) service,
    beside or instead of ``E_``. One overall question (overall satisfaction,
    or intention to return or recommend) may be named by ``overall_column``.
    Blank cells and the file's missing codes are missing answers.
    """

    responses: Responses = Field(description="the responses: {file: ...} (with reading options) or inline rows")
    respondent_column: str = Field("respondent", max_length=200,
                                   description="column with the respondent's id (default: the row number)")
    match: Literal["id", "text"] = Field("id", description=(
        "how columns name items: id (E_<item id>) or text (the header contains the item's text and a role "
        "marker such as 期望 / 感知 / 重要 or Expectation / Perception / Importance)"))
    role_markers: dict[SurveyRole, list[str]] = Field(default_factory=dict, description=(
        "words in a header naming its role, added to the defaults (write -word to take a default away) "
        "(期望/期待/预期/expectation/expect; 感知/感受/实际/体验/满意/perception/experience/actual/satisfied; "
        "重要/importance)"))
    role_order: list[SurveyRole] = Field(default_factory=list, description=(
        "for questions asked in blocks with no marker in the header: the roles in the order an item's columns "
        "appear, e.g. [expectation, perception]"))
    layout: Literal["wide", "long"] = Field("wide", description=(
        "wide: one row per respondent; long: one row per respondent and item, with the columns respondent, "
        "item and expectation / perception / importance"))
    item_column: str = Field("item", max_length=200, description="long layout: the column naming the item "
                                                                  "(its id or its text)")
    expectation_prefix: str = Field("E_", max_length=50)
    perception_prefix: str = Field("P_", max_length=50)
    importance_prefix: str = Field("I_", max_length=50)
    points_prefix: str = Field("W_", max_length=50)
    desired_prefix: str = Field("D_", max_length=50, description="column prefix of desired-service ratings (zone of "
                                                                 "tolerance)")
    adequate_prefix: str = Field("A_", max_length=50, description="column prefix of adequate (minimum acceptable) "
                                                                  "service ratings (zone of tolerance)")
    overall_column: str | None = Field(
        None, max_length=200, description="column of one overall question (overall satisfaction, or intention to "
                                          "return or recommend): what the key-driver analysis explains from the item "
                                          "perceptions; none by default")
    overall_question: str | None = Field(None, max_length=500, description="wording of the overall question, shown "
                                                                            "in the report")
    overall_scale: LikertScale | None = Field(None, description="scale of the overall question (default: the "
                                                                "questionnaire's scale)")


class ItemSummary(Model):
    """Summary survey results for one item, for stores without raw responses."""

    item: Identifier
    n: int = Field(ge=1, le=10_000_000, description="respondents behind the means")
    expectation: float | None = None
    perception: float | None = None
    importance: float | None = None
    expectation_sd: float | None = Field(None, ge=0, le=100)
    perception_sd: float | None = Field(None, ge=0, le=100)
    gap_sd: float | None = Field(None, ge=0, le=200, description="SD of per-respondent P−E, for its interval")


class ManagementEstimate(Model):
    """Management's view of one item: what they think customers expect and value."""

    item: Identifier
    expectation: float | None = Field(None, description="management's estimate of customers' expectation")
    importance: float | None = Field(None, description="importance management believes customers give it")
    invests: Answer | None = Field(None, description="does the store put effort/money into this item now?")


class Listening(Model):
    """How the store listens to customers (diagnosis-gap evidence)."""

    survey_cadence: Literal["monthly", "quarterly", "half_yearly", "yearly", "ad_hoc", "never"] | None = None
    survey_owner: str | None = Field(None, max_length=200, description="department that owns satisfaction surveys")
    complaint_channels: list[Name] = Field(default_factory=list, max_length=50,
                                           description="e.g. hotline, counter, wechat, app")
    rewards_for_feedback: Answer | None = Field(None, description="are staff rewarded for collecting customer information?")
    feedback_reaches_management_days: float | None = Field(None, ge=0, le=MAX_DAYS)


# --- standards, delivery, promises -------------------------------------------

class Standard(Model):
    """A written service standard and how sound it is (prescription-gap evidence)."""

    id: Identifier
    title: str = Field(min_length=1, max_length=500)
    covers: IdList = Field(default_factory=list, description="questionnaire item ids this standard encodes")
    documented: Answer | None = None
    specific: Answer | None = Field(None, description="specific and measurable")
    customer_side: Answer | None = Field(None, description="designed from the customer's side")
    consistent: Answer | None = Field(None, description="consistent with the service philosophy")
    known_by_staff: Answer | None = None
    management_support: Answer | None = None
    too_complex: Flag = False
    too_harsh: Flag = False
    critical: Flag = Field(False, description="failure of this standard caps the grade")
    factor: Factor | None = None
    element: Element | None = None
    owner_role: str | None = Field(None, max_length=100)
    photos: PhotoList = Field(default_factory=list, description=(
        "reference photos of the standard (the posted rule, what 'done' looks like): image files relative to "
        "the audit folder, separated by ;"))


class Observation(Model):
    """One standard checked on one visit (mystery shop or checklist visit)."""

    visit: Identifier
    standard: Identifier
    result: Answer = Field(description="yes = compliant, no = not compliant, na = not applicable")
    date: Date | None = None
    shift: str | None = Field(None, max_length=50)
    role: str | None = Field(None, max_length=100)
    staff: str | None = Field(None, max_length=100)
    factor: Factor | None = None
    element: Element | None = None
    note: str | None = Field(None, max_length=2000)
    photos: PhotoList = Field(default_factory=list, description=(
        "what the visitor saw: image files (JPEG, PNG; HEIC with gapaudit[heic]) relative to the audit folder, "
        "separated by ;"))


class Promise(Model):
    """An external promise and how often it was kept."""

    id: Identifier
    text: str = Field(min_length=1, max_length=1000)
    channel: choice({"advertising": ("广告",), "poster": ("海报", "招贴"), "staff": ("员工", "店员口头"),
                     "contract": ("合同",), "website": ("网站", "官网"), "packaging": ("包装",), "other": ("其他",)},
                    "where the promise is made (also 广告 / 海报 / 员工 / 合同 / 网站 / 包装 / 其他)") = "other"
    kept: Count | None = Field(None, description="occasions the promise was kept")
    total: Count | None = Field(None, description="occasions checked")
    items: IdList = Field(default_factory=list, description="questionnaire items the promise speaks to")

    @model_validator(mode="after")
    def _counts(self) -> "Promise":
        if (self.kept is None) != (self.total is None):
            raise Invalid("give both kept and total, or neither", "kept 和 total 要么都填，要么都不填")
        if self.kept is not None and self.total is not None and self.kept > self.total:
            raise Invalid(f"kept ({self.kept}) cannot exceed total ({self.total})", f"兑现次数（{self.kept}）不能超过检查次数（{self.total}）")
        return self


class PromiseCheck(Model):
    """One occasion on which a promise was checked."""

    promise: Identifier
    kept: Flag
    date: Date | None = None
    note: str | None = Field(None, max_length=2000)
    photos: PhotoList = Field(default_factory=list, description="photos of this check (image files relative to "
                                                                "the audit folder, separated by ;)")


# --- complaints, errors, volume ----------------------------------------------

class Complaint(Model):
    id: Identifier
    date: Date | None = None
    channel: str | None = Field(None, max_length=100)
    category: str | None = Field(None, max_length=100)
    severity: Severity = "medium"
    resolved: Flag = False
    hours_to_resolve: float | None = Field(None, ge=0, le=MAX_HOURS)
    outcome: choice({"kept": ("挽回", "保留", "留住", "已挽回"), "lost": ("流失", "已流失"), "unknown": ("未知", "不详")},
                    "kept / lost / unknown (also 挽回 / 流失 / 未知)") = Field(
        "unknown", description="customer kept or lost, where known")

    @model_validator(mode="after")
    def _resolution(self) -> "Complaint":
        if self.hours_to_resolve is not None and not self.resolved:
            raise Invalid("hours_to_resolve is given but resolved is false", "填写了处理时长（hours_to_resolve），但 resolved 为否")
        return self


class ComplaintHandling(Model):
    """One observed (or role-played) complaint, scored against the six steps."""

    case: Identifier
    apologise: Answer | None = None
    explain: Answer | None = None
    empathise: Answer | None = None
    solve_quickly: Answer | None = None
    commit: Answer | None = Field(None, description="apologise again and commit to improve")
    thank: Answer | None = None
    note: str | None = Field(None, max_length=2000)
    photos: PhotoList = Field(default_factory=list, description="photos of this case (image files relative to "
                                                                "the audit folder, separated by ;)")


class ServiceError(Model):
    id: Identifier
    date: Date | None = None
    category: str | None = Field(None, max_length=100)
    severity: Severity = "medium"


class Volume(Model):
    """How much business the logs cover, to normalise counts per 1,000."""

    transactions: Count | None = None
    customers: Count | None = None
    period_days: int | None = Field(None, ge=1, le=MAX_DAYS)
    logs_kept: list[Literal["complaints", "errors"]] = Field(
        default_factory=list,
        description="logs kept in full for the period: an empty log listed here means none occurred "
                    "(an empty log not listed is read as 'not provided')")


LossReason = choice({"died": ("死亡", "去世"), "moved": ("搬迁", "搬走", "迁居"), "taste": ("口味变化", "喜好改变"),
                     "referral": ("朋友推荐", "亲友推荐"), "competition": ("竞争", "竞争对手"),
                     "product": ("产品", "产品不满意"), "indifference": ("冷漠", "服务冷漠", "员工冷漠"),
                     "other": ("其他",)},
                    "died / moved / taste / referral / competition / product / indifference / other (or the "
                    "Chinese: 死亡 / 搬迁 / 口味变化 / 朋友推荐 / 竞争 / 产品 / 冷漠 / 其他)")


class LostCustomer(Model):
    """A lost-customer interview, or a count of customers giving one reason."""

    reason: LossReason
    count: Count = 1
    note: str | None = Field(None, max_length=2000)


class Rubric(Model):
    """Auditor's summary scores where raw evidence is missing (keys: factors or elements)."""

    scale: LikertScale = Field(default_factory=lambda: LikertScale(min=1, max=5))
    scores: dict[str, float] = Field(default_factory=dict)
    notes: dict[str, Annotated[str, Field(max_length=2000)]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _keys(self) -> "Rubric":
        allowed = set(POSITIVE_FACTORS) | set(ELEMENTS)
        for key, value in self.scores.items():
            if key not in allowed:
                raise ValueError(f"unknown rubric key {quoted(key)}; expected a factor or element: "
                                 + ", ".join(sorted(allowed)))
            if not self.scale.min <= value <= self.scale.max:
                raise Invalid(f"rubric score {key}={value} is outside {self.scale.min}..{self.scale.max}", f"评分表分数 {key}={value} 超出 {self.scale.min}..{self.scale.max}")
        return self


class Highlight(Model):
    """A signature service that sets the store apart."""

    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(None, max_length=2000)
    customer_rating: float | None = Field(None, ge=0, le=100, description="share of customers who value it, 0-100")
    evidence: str | None = Field(None, max_length=2000)


class Evidence(Model):
    """Everything observed or measured; each part optional."""

    questionnaire: Questionnaire | None = None
    survey: Survey | None = None
    survey_summary: table(ItemSummary)
    management: table(ManagementEstimate)
    listening: Listening | None = None
    standards: table(Standard)
    observations: table(Observation)
    promises: table(Promise)
    promise_checks: table(PromiseCheck)
    complaints: table(Complaint)
    complaint_handling: table(ComplaintHandling)
    errors: table(ServiceError)
    volume: Volume | None = None
    lost_customers: table(LostCustomer)
    rubric: Rubric | None = None
    highlights: list[Highlight] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> "Evidence":
        _require_unique([s.id for s in self.standards], "standard")
        _require_unique([p.id for p in self.promises], "promise")
        _require_unique([c.id for c in self.complaints], "complaint")
        return self


# --- links between evidence, and the report ------------------------------------------------

class Links(Model):
    """Which questionnaire items or standards each complaint and error category concerns.

    Lets a complaint category join the problem of the service attribute it is about (see
    gapaudit.problems); a chain plugin can give the mapping for all its stores in its defaults.
    """

    complaint_categories: dict[str, IdList] = Field(
        default_factory=dict, description="complaint category → questionnaire item or standard ids, "
                                          "e.g. {试衣间排队: [RES2, FITTING]}")
    error_categories: dict[str, IdList] = Field(
        default_factory=dict, description="error category → questionnaire item or standard ids")


class ReportOptions(Model):
    """How the report is laid out; a chain plugin may set these for its stores in its defaults."""

    profile: Literal["full", "brief"] = Field(
        "full", description="full: every module page and the appendix (for consultants and headquarters); "
                            "brief: at most six pages for the store owner (also: gapaudit run --brief)")


class AuditInput(Model):
    """A whole audit file."""

    schema_version: Literal[1] = Field(description="version of this file format; currently 1")
    audit: AuditInfo
    store: StoreInfo
    plugins: PluginSelection = Field(default_factory=PluginSelection)
    scoring: Scoring = Field(default_factory=Scoring)
    evidence: Evidence = Field(default_factory=Evidence)
    modules: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="per-module input and settings, validated by each module's own model")
    links: Links = Field(default_factory=Links, description="complaint and error categories → items or standards")
    report: ReportOptions = Field(default_factory=ReportOptions)

    _derived: dict[str, Any] = PrivateAttr(default_factory=dict)


def _require_unique(ids: list[str], what: str) -> None:
    seen: set[str] = set()
    dups = sorted({i for i in ids if i in seen or seen.add(i)})  # type: ignore[func-returns-value]
    if dups:
        raise Invalid(f"duplicate {what} id(s): {', '.join(dups)}", f"{what} 编号重复：{'、'.join(dups)}")
