"""Evidence tagged with an eight-factor factor or a golden-triangle element, scored 0–100.

Shared by the eight_factor and golden_triangle modules (and open to chain
modules): observations and questionnaire items carry a ``factor`` or
``element`` tag (an observation inherits its standard's tag), each source is
scored on 0–100, and an auditor's rubric score stands in only where no
evidence exists. Also here: critical items, whose failure caps a grade.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Mapping, Sequence

from pydantic import Field, ValidationError, field_validator, model_validator

from gapaudit.errors import quoted
from gapaudit.model.audit import Evidence, GradeBand, Scoring, Standard
from gapaudit.model.base import ANSWER_VALUE, Model, check_weight
from gapaudit.model.result import DataQualityNote, Finding, Metric, SetTarget
from gapaudit.analysis.evidence import MIN_N_RULE, MIN_N_RULE_ZH, MIN_RESPONDENTS, SMALL_SAMPLE
from gapaudit.analysis.scoring import cap_grade, critical_failure_topic, grade_for
from gapaudit.analysis.memo import by_identity, memo
from gapaudit.analysis.stats import drop_missing, mean_ci

if TYPE_CHECKING:
    from gapaudit.module import ModuleContext

TagKind = Literal["factor", "element"]
SourceKind = Literal["observations", "survey", "highlights", "six_steps", "complaint_log", "rubric"]

#: the evidence the scores of the eight-factor and golden-triangle modules depend on (AuditModule.reads): tagged
#: observations, the tags and critical flags of standards, tagged survey items, the rubric, the complaint logs
QUALITY_READS = frozenset({"evidence.questionnaire", "evidence.standards.id", "evidence.standards.factor",
                           "evidence.standards.element", "evidence.standards.critical", "evidence.observations",
                           "evidence.rubric", "survey.perception", "evidence.complaints", "evidence.errors",
                           "evidence.volume", "evidence.complaint_handling"})

#: sample size at which a score is trusted fully when ranking actions
FULL_CONFIDENCE_N = 30
MIN_CONFIDENCE = 0.3
RUBRIC_CONFIDENCE = 0.5


def listing(ctx: "ModuleContext", items) -> str:
    """Items joined the way the report language lists them (``a, b`` or ``a、b``)."""
    return ctx.tr(", ", "、").join(str(i) for i in items)


def merge_weights(given: dict[str, float], keys: Sequence[str], what: str, *,
                  need_positive: bool = True) -> dict[str, float]:
    """Weights given in settings laid over a default of 1 for every key, so a partial list keeps the rest."""
    for key, w in given.items():
        check_weight(w, f"{what} {quoted(key)}")
    merged = {k: 1.0 for k in keys} | given
    if need_positive and not any(merged.values()):
        raise ValueError(f"at least one {what} weight must be above 0")
    return merged


def confidence_for_n(n: int, full: int = FULL_CONFIDENCE_N, floor: float = MIN_CONFIDENCE) -> float:
    """Priority confidence from a sample size: n ÷ ``full``, kept between ``floor`` and 1."""
    return max(floor, min(1.0, n / full))


def rescale(value: float, low: float, high: float) -> float:
    """A value on the scale low..high as 0–100."""
    return 100.0 * (value - low) / (high - low)


# --- scores per source --------------------------------------------------------------

@dataclass(frozen=True)
class SourceScore:
    """One source's 0–100 score of a tag; ``weak`` lists what fell short, worst first."""

    kind: SourceKind
    score: float
    n: int
    low: float | None = None
    high: float | None = None
    weak: tuple[str, ...] = ()
    importance: float | None = None  # customers' importance of the items, 0–1


@dataclass(frozen=True)
class TagScore:
    """A factor's or element's score: from evidence where there is any, else from the rubric, else None."""

    tag: str
    score: float | None
    basis: Literal["evidence", "rubric"] | None
    sources: tuple[SourceScore, ...] = ()
    rubric_unused: bool = False  # a rubric score exists but evidence was preferred

    @property
    def n(self) -> int:
        return sum(s.n for s in self.sources)

    @property
    def interval(self) -> tuple[float | None, float | None]:
        """The interval of a single-source score; None when sources are combined or there is none."""
        if len(self.sources) == 1:
            return self.sources[0].low, self.sources[0].high
        return None, None

    @property
    def importance(self) -> float | None:
        return next((s.importance for s in self.sources if s.importance is not None), None)

    @property
    def confidence(self) -> float:
        return RUBRIC_CONFIDENCE if self.basis == "rubric" else confidence_for_n(self.n)

    @property
    def weak(self) -> list[str]:
        return [line for s in self.sources for line in s.weak]


def _clip(x: float | None) -> float | None:
    return None if x is None else min(100.0, max(0.0, x))


def _effective_tag(obs_tag: str | None, standard: Standard | None, kind: TagKind) -> str | None:
    return obs_tag or (getattr(standard, kind) if standard is not None else None)


def observation_sources(ctx: "ModuleContext", kind: TagKind) -> dict[str, SourceScore]:
    """Compliance of the observations of each tag: 100 × mean(yes 1, partly 0.5, no 0), 'na' left out."""
    evidence = ctx.evidence
    return by_identity((evidence.observations, evidence.standards), "observation_sources",
                       lambda: _observation_sources(ctx, kind), kind, ctx.lang)


def _observation_sources(ctx: "ModuleContext", kind: TagKind) -> dict[str, SourceScore]:
    evidence = ctx.evidence
    standards = {s.id: s for s in evidence.standards}
    values: dict[str, list[float]] = defaultdict(list)
    misses: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    for obs in evidence.observations:
        std = standards.get(obs.standard)
        tag = _effective_tag(getattr(obs, kind), std, kind)
        if tag is None or obs.result not in ANSWER_VALUE:
            continue
        values[tag].append(100.0 * ANSWER_VALUE[obs.result])
        counts = misses[tag][obs.standard]  # [no, partly, checked]
        counts[2] += 1
        if obs.result == "no":
            counts[0] += 1
        elif obs.result == "partly":
            counts[1] += 1
    out: dict[str, SourceScore] = {}
    for tag, vals in values.items():
        est = mean_ci(vals)
        weak = sorted(((sid, c) for sid, c in misses[tag].items() if c[0] or c[1]),
                      key=lambda kv: (-(kv[1][0] + 0.5 * kv[1][1]) / kv[1][2], kv[0]))
        lines = tuple(_miss_line(ctx, sid, standards[sid].title, *c) for sid, c in weak)
        out[tag] = SourceScore("observations", est.value, est.n, _clip(est.low), _clip(est.high), lines)
    return out


def _miss_line(ctx: "ModuleContext", sid: str, title: str, no: int, partly: int, checked: int) -> str:
    parts = ([ctx.tr("{k} not complied with", "{k} 次未达标", k=no)] if no else []) + \
            ([ctx.tr("{k} partly", "{k} 次部分达标", k=partly)] if partly else [])
    return ctx.tr("{s} {t}: {p} of {n} observations", "{s} {t}：{n} 次观察中 {p}", s=sid, t=title,
                  p=ctx.tr(", ", "、").join(parts), n=checked)


def survey_sources(ctx: "ModuleContext", kind: TagKind) -> dict[str, SourceScore]:
    """Customers' perception of each tag's items, rescaled from the questionnaire scale to 0–100.

    Raw responses: the mean over respondents of each respondent's mean perception across the tag's
    items (t interval). Summary data: the mean of the items' mean perceptions (no interval). A tag
    answered by fewer than MIN_RESPONDENTS respondents has no survey source (MIN_N_RULE; see
    :func:`small_survey_tags`).
    """
    survey = ctx.survey
    if survey is None:
        return {}
    return by_identity(survey, "survey_sources", lambda: _survey_sources(ctx, kind), kind, ctx.lang,
                       _min_respondents(ctx))


def _survey_sources(ctx: "ModuleContext", kind: TagKind) -> dict[str, SourceScore]:
    survey = ctx.survey
    assert survey is not None
    lo, hi = survey.scale.min, survey.scale.max
    ilo, ihi = survey.importance_scale.min, survey.importance_scale.max
    by_tag: dict[str, list] = defaultdict(list)
    for item in survey.items:
        tag = getattr(item, kind)
        if tag is not None:
            by_tag[tag].append(item)
    out: dict[str, SourceScore] = {}
    for tag, items in by_tag.items():
        ids = [i.id for i in items]
        raw = {i: survey.perception.get(i, []) for i in ids}
        if any(v is not None for vals in raw.values() for v in vals):
            est = mean_ci(_respondent_means([raw[i] for i in ids], len(survey.respondents), lo, hi))
            item_means = {i: m for i in ids if (m := _mean(raw[i])) is not None}
            importance = _importance([survey.importance.get(i, []) for i in ids], ilo, ihi)
            source = SourceScore("survey", est.value, est.n, _clip(est.low), _clip(est.high),
                                 _item_lines(ctx, item_means), importance)
        else:
            rows = {i: survey.summary[i] for i in ids
                    if i in survey.summary and survey.summary[i].perception is not None}
            if not rows:
                continue
            item_means = {i: r.perception for i, r in rows.items()}
            score = statistics.fmean(rescale(m, lo, hi) for m in item_means.values())
            imps = [r.importance for r in rows.values() if r.importance is not None]
            importance = rescale(statistics.fmean(imps), ilo, ihi) / 100 if imps else None
            source = SourceScore("survey", score, max(r.n for r in rows.values()), None, None,
                                 _item_lines(ctx, item_means), importance)
        if source.n >= _min_respondents(ctx):
            out[tag] = source
    return out


def _min_respondents(ctx: "ModuleContext") -> int:
    """The module's ``min_respondents`` (QualityConfig), else the rule's default."""
    return getattr(ctx.config, "min_respondents", MIN_RESPONDENTS)


def small_survey_tags(ctx: "ModuleContext", kind: TagKind) -> list[str]:
    """Tags whose survey items were answered, but by fewer than MIN_RESPONDENTS respondents (not scored)."""
    survey = ctx.survey
    if survey is None:
        return []
    scored = survey_sources(ctx, kind)
    tagged = {getattr(i, kind) for i in survey.items if getattr(i, kind) is not None}
    answered = {getattr(i, kind) for i in survey.items if getattr(i, kind) is not None
                and (survey.mean_estimate("perception", i.id) is not None)}
    return sorted(t for t in tagged & answered if t not in scored)


@memo
def _importance(columns: list[list[float | None]], low: float, high: float) -> float | None:
    """Customers' mean importance rating over the columns' answers, on 0–1 (None without any)."""
    given = drop_missing([v for values in columns for v in values])
    return rescale(statistics.fmean(given), low, high) / 100 if given else None


@memo
def _mean(values: list[float | None]) -> float | None:
    """The mean of the answers given (None when there is none)."""
    given = drop_missing(values)
    return statistics.fmean(given) if given else None


@memo
def _respondent_means(lists: list[list[float | None]], n: int, lo: float, hi: float) -> list[float]:
    """Each respondent's mean answer over the lists (items) they answered, rescaled to 0–100."""
    out = []
    for r in range(n):
        answers = [values[r] for values in lists if values and values[r] is not None]
        if answers:
            out.append(rescale(statistics.fmean(answers), lo, hi))
    return out


def _item_lines(ctx: "ModuleContext", means: dict[str, float]) -> tuple[str, ...]:
    """The three lowest-rated items as evidence lines."""
    survey = ctx.survey
    assert survey is not None
    worst = sorted(means.items(), key=lambda kv: (kv[1], kv[0]))[:3]
    return tuple(ctx.tr("{i} {t}: customers rate it {m:.2f} of {hi:g}", "{i} {t}：顾客评分 {m:.2f}（满分 {hi:g}）",
                        i=i, t=survey.item(i).text, m=m, hi=survey.scale.max) for i, m in worst)


def rubric_source(evidence: Evidence, key: str) -> SourceScore | None:
    """The auditor's rubric score of a factor or element, rescaled to 0–100."""
    rubric = evidence.rubric
    if rubric is None or key not in rubric.scores:
        return None
    value = rubric.scores[key]
    note = rubric.notes.get(key)
    return SourceScore("rubric", rescale(value, rubric.scale.min, rubric.scale.max), 1,
                       weak=(note,) if note else ())


def combine(tag: str, evidence_sources: list[SourceScore], rubric: SourceScore | None) -> TagScore:
    """Equal-weight mean of the evidence sources; the rubric only when there is no evidence."""
    if evidence_sources:
        score = statistics.fmean(s.score for s in evidence_sources)
        return TagScore(tag, score, "evidence", tuple(evidence_sources), rubric_unused=rubric is not None)
    if rubric is not None:
        return TagScore(tag, rubric.score, "rubric", (rubric,))
    return TagScore(tag, None, None)


def tag_scores(ctx: "ModuleContext", kind: TagKind, tags: Sequence[str],
               extra: Mapping[str, list[SourceScore]] | None = None) -> dict[str, TagScore]:
    """Each tag's score: :func:`combine` of its observation, survey and ``extra`` sources, or its rubric score."""
    obs = observation_sources(ctx, kind)
    srv = survey_sources(ctx, kind)
    extra = extra or {}
    out: dict[str, TagScore] = {}
    for tag in tags:
        sources = [s for s in (obs.get(tag), srv.get(tag)) if s is not None] + list(extra.get(tag, ()))
        out[tag] = combine(tag, sources, rubric_source(ctx.evidence, tag))
    return out


def tag_rules(ctx: "ModuleContext", kind: TagKind) -> list[str]:
    """The stated rules behind :func:`combine` and its sources."""
    what = ctx.tr("factor", "因素") if kind == "factor" else ctx.tr("element", "要素")
    a_what = ctx.tr("a factor", "因素") if kind == "factor" else ctx.tr("an element", "要素")
    return [
        ctx.tr("observation score of {a} = 100 × mean of its observations (yes 1, partly 0.5, no 0; "
               "'not applicable' left out), with a 95% t interval; an observation without its own tag takes its "
               "standard's tag",
               "{w}的观察得分 = 100 × 其观察记录的均值（是 1，部分 0.5，否 0；不适用不计），附 95% t 区间；"
               "未单独标注的观察记录沿用其服务标准的标注", w=what, a=a_what),
        ctx.tr("survey score of {a} = perception rescaled to 0–100 as 100 × (P − scale min) ÷ (scale max − scale "
               "min); raw responses: mean over respondents of each one's mean across the tagged items, with a 95% t "
               "interval; summary data: mean of the item means",
               "{w}的问卷得分 = 感知值换算为 0–100：100 ×（P − 量表最小值）÷（量表最大值 − 量表最小值）；原始答卷：先求每位"
               "受访者在相关题目上的均值，再对受访者求均值并附 95% t 区间；汇总数据：题目均值的均值", w=what, a=a_what),
        ctx.tr(MIN_N_RULE, MIN_N_RULE_ZH).format(m=_min_respondents(ctx), s=SMALL_SAMPLE),
        ctx.tr("{a}'s score = equal-weight mean of its evidence sources; the auditor's rubric score (rescaled "
               "the same way) is used only when there is no evidence, and the report says so; with neither, the "
               "{w} has no score",
               "{w}得分 = 各证据来源得分的等权均值；仅在没有证据时才使用审核员的评分表分数（同样换算），报告会注明；"
               "两者皆无则该{w}无得分", w=what, a=a_what),
        ctx.tr("n of a score = observations + respondents (+ cases or complaints) behind it; action priority "
               "confidence = n ÷ {f}, between {m} and 1; {r} for rubric-only scores",
               "得分的 n = 其背后的观察次数 + 受访人数（+ 案例或投诉数）；行动优先级的置信度 = n ÷ {f}，取值 {m}–1；"
               "仅有评分表分数时为 {r}",
               f=FULL_CONFIDENCE_N, m=MIN_CONFIDENCE, r=RUBRIC_CONFIDENCE),
    ]


# --- critical items and capped grades ------------------------------------------------------

def _check_bands(value: list[GradeBand] | None) -> list[GradeBand] | None:
    """The audit's own band rules (highest first, last starts at 0) applied to a module's bands."""
    if value is not None:
        try:
            Scoring(bands=value)
        except ValidationError as exc:
            raise ValueError(str(exc.errors()[0]["msg"]).removeprefix("Value error, ")) from None
    return value


class QualityConfig(Model):
    """Settings shared by the modules that score tagged evidence."""

    bands: list[GradeBand] | None = Field(None, description="this module's grade bands, highest first "
                                                            "(default: the audit's scoring.bands)")
    weak_below: float = Field(70, ge=0, le=100, description="a score below this is a weakness with an action")
    severe_below: float = Field(50, ge=0, le=100, description="a score below this is a high-severity weakness")
    critical: dict[str, bool] = Field(default_factory=dict,
                                      description="standard id → critical or not; adds to (or overrides) the "
                                                  "standards' own 'critical' flags")
    critical_cap: str = Field("C", min_length=1, max_length=10,
                              description="the best grade possible after a critical item fails")
    min_respondents: int = Field(MIN_RESPONDENTS, ge=2, le=1_000_000,
                                 description="respondents a tag's survey answers need before they count toward its "
                                             "score (default 10, the rule of every module)")

    @field_validator("bands")
    @classmethod
    def _bands(cls, value: list[GradeBand] | None) -> list[GradeBand] | None:
        return _check_bands(value)

    @model_validator(mode="after")
    def _thresholds(self) -> "QualityConfig":
        if self.severe_below > self.weak_below:
            raise ValueError(f"severe_below ({self.severe_below:g}) must not exceed weak_below ({self.weak_below:g})")
        return self

    def effective_bands(self, ctx: "ModuleContext") -> list[GradeBand]:
        return list(self.bands) if self.bands is not None else list(ctx.audit.scoring.bands)


@dataclass(frozen=True)
class CriticalFailure:
    standard: Standard
    visits: tuple[str, ...]   # visits where it was not (fully) complied with
    observed: int             # observations with yes / partly / no


@dataclass(frozen=True)
class CriticalCheck:
    critical: tuple[str, ...]
    failures: tuple[CriticalFailure, ...]
    unobserved: tuple[str, ...]
    unknown: tuple[str, ...]  # ids in the settings that are not standards of this audit


def critical_check(evidence: Evidence, overrides: dict[str, bool]) -> CriticalCheck:
    """Critical standards (own flag, changed by ``overrides``) and those observed as not complied with."""
    standards = {s.id: s for s in evidence.standards}
    critical = [s.id for s in evidence.standards if overrides.get(s.id, s.critical)]
    unknown = tuple(sorted(k for k, v in overrides.items() if v and k not in standards))
    failures, unobserved = [], []
    for sid in critical:
        obs = [o for o in evidence.observations if o.standard == sid and o.result in ANSWER_VALUE]
        failed = tuple(dict.fromkeys(o.visit for o in obs if o.result in ("no", "partly")))
        if failed:
            failures.append(CriticalFailure(standards[sid], failed, len(obs)))
        elif not obs:
            unobserved.append(sid)
    return CriticalCheck(tuple(critical), tuple(failures), tuple(unobserved), unknown)


@dataclass
class Graded:
    """A module's grade after critical items, with what the report shows about them."""

    grade: str | None
    grade_cap: str | None
    findings: list[Finding] = field(default_factory=list)
    notes: list[DataQualityNote] = field(default_factory=list)
    data: dict = field(default_factory=dict)
    rules: list[str] = field(default_factory=list)


def grade_with_critical(ctx: "ModuleContext", score: float | None, config: QualityConfig) -> Graded:
    """Grade a score with the module's bands and cap it when a critical item failed."""
    bands = config.effective_bands(ctx)
    check = critical_check(ctx.evidence, config.critical)
    uncapped = grade_for(score, bands)
    cap = config.critical_cap if check.failures else None
    grade = cap_grade(uncapped, [cap], bands) if uncapped is not None else None
    tr = ctx.tr
    out = Graded(grade, cap, rules=[
        tr("grade bands: {b}", "等级划分：{b}", b=", ".join(f"{b.grade} ≥ {b.min:g}" for b in bands)),
        tr("a critical standard fails when any observation of it is 'no' or 'partly' (it tolerates no "
           "shortfall); any failure caps this module's grade, and the overall grade, at {c}",
           "关键标准只要有一次观察为“否”或“部分”即判为失败（不容许任何欠缺）；任一失败将本模块及总体等级封顶为 {c}",
           c=config.critical_cap)])
    out.data = {"bands": [b.model_dump() for b in bands], "uncapped": uncapped, "grade": grade, "cap": cap,
                "capped": cap is not None and grade != uncapped,
                "critical": list(check.critical),
                "failed": [{"standard": f.standard.id, "title": f.standard.title, "visits": list(f.visits),
                            "observed": f.observed} for f in check.failures]}
    if cap is not None and cap not in [b.grade for b in bands]:
        out.notes.append(DataQualityNote(topic="critical", severity="warning",
                                         detail=tr("critical_cap {c!r} is not one of the grade bands, so it cannot "
                                                   "cap the grade", "critical_cap {c!r} 不在等级划分中，无法封顶",
                                                   c=cap)))
    if check.failures:
        out.findings.append(Finding(
            id=f"{ctx.module_id}.critical", severity="critical",
            title=tr("Critical item failed: grade capped at {c}", "关键项未达标：等级封顶为 {c}", c=config.critical_cap)
            if out.data["capped"] else tr("Critical item failed (grade cap {c})", "关键项未达标（封顶等级 {c}）",
                                          c=config.critical_cap),
            detail=tr("Score grade {u}, reported grade {g}.", "按分数应为 {u}，报告等级 {g}。",
                      u=uncapped or "—", g=grade or "—"),
            evidence=[tr("{s} {t}: not fully complied with on visit(s) {v}", "{s} {t}：走访 {v} 未完全达标",
                         s=f.standard.id, t=f.standard.title, v=listing(ctx, f.visits)) for f in check.failures],
            topic=critical_failure_topic(f.standard.id for f in check.failures)))
    if check.unknown:
        out.notes.append(DataQualityNote(topic="critical", severity="warning",
                                         detail=tr("critical items not among this audit's standards: {i}",
                                                   "关键项不在本次审核的服务标准中：{i}", i=listing(ctx, check.unknown))))
    if check.unobserved:
        out.notes.append(DataQualityNote(topic="critical", severity="info",
                                         detail=tr("critical items not observed in this audit: {i}",
                                                   "本次审核未观察的关键项：{i}", i=listing(ctx, check.unobserved))))
    return out


# --- presenting tag scores ------------------------------------------------------------------

def source_label(ctx: "ModuleContext", kind: str) -> str:
    """Display name of an evidence source."""
    return {
        "observations": ctx.tr("observations", "观察记录"), "survey": ctx.tr("customer survey", "顾客问卷"),
        "highlights": ctx.tr("signature services", "特色服务"), "rubric": ctx.tr("auditor's rubric", "审核员评分"),
        "six_steps": ctx.tr("observed complaint handling (six steps)", "投诉处理观察（六步骤）"),
        "complaint_log": ctx.tr("complaints resolved (log)", "投诉解决率（记录）"),
    }.get(kind, kind)


def basis_text(ctx: "ModuleContext", t: TagScore) -> str:
    """Which sources a score came from, for findings and action rationales."""
    if t.basis == "rubric":
        return ctx.tr("Scored from the auditor's rubric (no evidence).", "依据审核员评分表（无证据）。")
    parts = listing(ctx, (f"{source_label(ctx, s.kind)} {s.score:.0f} (n={s.n})" for s in t.sources))
    return ctx.tr("Evidence: {p}.", "证据：{p}。", p=parts)


def tag_data(ctx: "ModuleContext", t: TagScore) -> dict:
    """Chart-ready fields of a tag score."""
    low, high = t.interval
    return {"score": t.score, "basis": t.basis, "n": t.n, "ci_low": low, "ci_high": high,
            "sources": [{"kind": s.kind, "label": source_label(ctx, s.kind), "score": s.score, "n": s.n}
                        for s in t.sources],
            "rubric_unused": t.rubric_unused}


def tag_metric(id: str, label: str, t: TagScore) -> Metric:
    """A tag score as a metric, rounded to one decimal, with its interval where it has one."""
    low, high = t.interval
    return Metric(id=id, label=label, value=round1(t.score), unit="/100", n=t.n or None,
                  ci_low=round1(low), ci_high=round1(high))


def round1(x: float | None) -> float | None:
    return None if x is None else round(x, 1)


def fmt1(x: float | None) -> str:
    """A score for text: one decimal, or a dash when there is none."""
    return "—" if x is None else f"{x:.1f}"


def weakness(score: float | None, config: QualityConfig) -> str | None:
    """Severity of a score's weakness: 'high' below severe_below, 'medium' below weak_below, else None."""
    if score is None or score >= config.weak_below:
        return None
    return "high" if score < config.severe_below else "medium"


def weakness_target(ctx: "ModuleContext", key: str, t: TagScore, config: QualityConfig,
                    metric: str) -> tuple[list[SetTarget], str]:
    """The target of a weak factor or element's action, and why there is none.

    Scored from the rubric: the auditor's rubric score raised to the weakness threshold. Scored from evidence:
    none of its own; its evidence is the items and standards whose own actions carry the targets.
    """
    rubric = ctx.evidence.rubric
    if t.basis == "rubric" and rubric is not None and key in rubric.scores:
        lo, hi = rubric.scale.min, rubric.scale.max
        goal = lo + config.weak_below / 100 * (hi - lo)
        return [SetTarget(table="evidence.rubric", changes={"scores": {**rubric.scores, key: goal}}, metric=metric,
                          goal=config.weak_below,
                          label=ctx.tr("{k} reaches {w}/100 (rubric {g:g} of {hi:g})", "{k}达到 {w}/100（评分表 {g:g}/{hi:g}）",
                                       k=ctx.label(key), w=f"{config.weak_below:g}", g=round(goal, 2), hi=hi))], ""
    return [], ctx.tr("its score comes from all the evidence tagged {k}; what fixing that evidence is worth is "
                      "measured on the problems and actions about those items and standards",
                      "其得分来自所有标注为“{k}”的证据；整改这些证据的价值体现在与这些题项和标准有关的问题和行动中",
                      k=ctx.label(key))


def coverage_notes(ctx: "ModuleContext", scores: dict[str, TagScore], kind: TagKind) -> list[DataQualityNote]:
    """Which tags have no score, which rest on the rubric, and where the rubric was set aside."""
    tr = ctx.tr
    what = tr("factors", "因素") if kind == "factor" else tr("elements", "要素")
    names = lambda keys: listing(ctx, (ctx.label(k) for k in keys))  # noqa: E731
    out = []
    missing = [k for k, t in scores.items() if t.score is None]
    if missing:
        out.append(DataQualityNote(topic=kind, severity="warning", detail=tr(
            "no evidence or rubric score for these {w}: {k}; tag observations or survey items with them, or rate "
            "them in evidence.rubric", "以下{w}没有证据或评分表分数：{k}；请为观察记录或问卷题目加上标注，或在 "
            "evidence.rubric 中评分", w=what, k=names(missing))))
    rubric = [k for k, t in scores.items() if t.basis == "rubric"]
    if rubric:
        out.append(DataQualityNote(topic=kind, detail=tr(
            "{w} scored from the auditor's rubric, not from evidence: {k}", "以下{w}依据审核员评分表而非证据：{k}",
            w=what, k=names(rubric))))
    few = small_survey_tags(ctx, kind)
    if few:
        out.append(DataQualityNote(topic=kind, severity="warning", detail=tr(
            "survey answers about these {w} come from fewer than {m} respondents and are not scored: {k}",
            "以下{w}的问卷回答少于 {m} 人，不计入得分：{k}", w=what, m=_min_respondents(ctx), k=names(few))))
    unused = [k for k, t in scores.items() if t.rubric_unused]
    if unused:
        out.append(DataQualityNote(topic=kind, detail=tr(
            "rubric scores not used because evidence exists for these {w}: {k}", "以下{w}已有证据，未采用评分表分数：{k}",
            w=what, k=names(unused))))
    return out
