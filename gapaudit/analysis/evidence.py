"""Derived views of the evidence that several modules share.

The survey is parsed once here (labels to numbers, scale checks, one list
per item aligned by respondent) instead of in each module.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from typing import Any

from gapaudit.analysis import stats
from gapaudit.errors import InputIssue
from gapaudit.model.audit import Evidence, ItemSummary, LikertScale, QuestionItem
from gapaudit.analysis.stats import Estimate

IMPORTANCE_RULE = (
    "customer importance of an item, 0–1: where customers rated item importance, (mean rating − scale minimum) "
    "÷ (scale maximum − scale minimum); otherwise, where they allocated 100 points across dimensions, the mean "
    "points of the item's dimension ÷ the mean points of the most important dimension; unknown when neither "
    "was collected."
)
IMPORTANCE_RULE_ZH = (
    "题项的顾客重要性（0–1）：顾客对题项重要性打了分时，为（平均分 − 量表最小值）÷（量表最大值 − 量表最小值）；"
    "否则若顾客在各维度之间分配了 100 分，为该题项所属维度的平均得分 ÷ 最重要维度的平均得分；两者都没有收集时为未知。"
)

#: one rule in every module: a survey measure (a mean, a gap, a rank correlation over survey means) counts
#: toward a score only from this many respondents on; with fewer it is shown, with its interval, as an
#: indication only, and the module says so
MIN_RESPONDENTS = 10
#: respondents below which a survey sample is flagged as small (its intervals are wide)
SMALL_SAMPLE = 30

MIN_N_RULE = (
    "minimum sample: a survey measure counts toward a score from {m} respondents on (per item: the respondents "
    "who answered it); with fewer it is shown with its interval as an indication only, and a sample below {s} "
    "respondents is flagged as small. Every module applies the same rule."
)
MIN_N_RULE_ZH = (
    "最低样本量：问卷指标须有至少 {m} 位受访者（就题项而言：作答该题的受访者）才计入得分；不足时只附区间展示，仅供参考；"
    "受访者少于 {s} 人时标注为样本量小。各模块均采用同一规则。"
)

INTERVAL_RULE = (
    "intervals: the interval of a mean rating is clipped to the scale (a mean cannot lie outside it), that of a "
    "gap to ± the scale's range; when every answer is the same, the answers say nothing about their spread, so "
    "there is no interval (rather than one of zero width) and a shortfall resting on them is never called "
    "certain (sureness 0.5)."
)
INTERVAL_RULE_ZH = (
    "区间：平均评分的区间截取在量表范围内（均值不可能落在量表之外），差距的区间截取在 ± 量表全距之内；若所有回答完全相同，"
    "这些回答无法反映离散程度，因此不给出区间（而不是宽度为零的区间），据此得出的不足也绝不视为确定（把握程度 0.5）。"
)

Path = tuple[str | int, ...]


def bounded(est: Estimate, low: float, high: float) -> Estimate:
    """``est`` under INTERVAL_RULE: its interval clipped to [low, high], none when it has zero width."""
    if not est.has_interval:
        return est
    if est.high == est.low:  # type: ignore[operator]
        return Estimate(est.value, None, None, est.n, est.sd, est.confidence)
    return Estimate(est.value, max(low, est.low), min(high, est.high), est.n, est.sd,  # type: ignore[type-var]
                    est.confidence)


@dataclass
class SurveyData:
    """Survey answers per item, aligned by respondent (None = missing answer)."""

    items: list[QuestionItem]
    scale: LikertScale
    importance_scale: LikertScale
    respondents: list[str] = field(default_factory=list)
    expectation: dict[str, list[float | None]] = field(default_factory=dict)
    perception: dict[str, list[float | None]] = field(default_factory=dict)
    importance: dict[str, list[float | None]] = field(default_factory=dict)
    points: dict[str, list[float | None]] = field(default_factory=dict)
    summary: dict[str, ItemSummary] = field(default_factory=dict)
    desired: dict[str, list[float | None]] = field(default_factory=dict)  # zone of tolerance: D_<item>
    adequate: dict[str, list[float | None]] = field(default_factory=dict)  # zone of tolerance: A_<item>
    overall: list[float | None] = field(default_factory=list)  # the overall question, when one is declared
    overall_scale: LikertScale | None = None
    #: estimates already computed; the answers never change once parsed (build a new SurveyData to change them:
    #: ``dataclasses.replace`` starts with an empty cache)
    _estimates: dict[tuple[str, str, float], Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def n(self) -> int:
        """Number of respondents (raw data) or the largest item n (summary data)."""
        if self.respondents:
            return len(self.respondents)
        return max((s.n for s in self.summary.values()), default=0)

    @property
    def raw(self) -> bool:
        return bool(self.respondents)

    def item(self, item_id: str) -> QuestionItem:
        return next(i for i in self.items if i.id == item_id)

    def dimensions(self) -> list[str]:
        """Dimensions in questionnaire order, each once."""
        return list(dict.fromkeys(i.dimension for i in self.items))

    def mean_estimate(self, kind: str, item_id: str, confidence: float = 0.95) -> Estimate | None:
        """Customers' mean ``kind`` rating of one item with its t interval; None when nobody answered.

        ``kind`` is ``expectation``, ``perception`` or ``importance``. Raw data:
        :func:`gapaudit.analysis.stats.mean_ci` over the respondents who answered the
        item. Summary data: the given mean, with mean ± t(n−1)·sd/√n when the
        summary row gives the SD (no interval otherwise).
        """
        if kind not in ("expectation", "perception", "importance"):
            raise ValueError(f"unknown rating kind {kind!r}")
        key = (kind, item_id, confidence)
        if key not in self._estimates:
            self._estimates[key] = self._mean_estimate(kind, item_id, confidence)
        return self._estimates[key]

    def _mean_estimate(self, kind: str, item_id: str, confidence: float) -> Estimate | None:
        scale = self.importance_scale if kind == "importance" else self.scale
        if self.raw:
            values = getattr(self, kind).get(item_id)
            if not values:
                return None
            est = stats.mean_ci(values, confidence)
            return bounded(est, scale.min, scale.max) if est.value is not None else None
        row = self.summary.get(item_id)
        mean = getattr(row, kind, None) if row else None
        if row is None or mean is None:
            return None
        sd = getattr(row, f"{kind}_sd", None)
        if sd is None or row.n < 2:
            return stats.Estimate(mean, None, None, row.n, sd, confidence)
        half = stats.t_ppf(0.5 + 0.5 * confidence, row.n - 1) * sd / math.sqrt(row.n)
        return bounded(stats.Estimate(mean, mean - half, mean + half, row.n, sd, confidence), scale.min, scale.max)

    def importance_basis(self) -> str | None:
        """What customer importance rests on: ``ratings`` (per item), ``points`` (per dimension) or None."""
        if any(self.mean_estimate("importance", i.id) is not None for i in self.items):
            return "ratings"
        if any(v is not None for vals in self.points.values() for v in vals):
            return "points"
        return None

    def customer_importance(self) -> dict[str, float]:
        """Each item's customer importance on 0–1 (rule: :data:`IMPORTANCE_RULE`); items without one are left out."""
        basis = self.importance_basis()
        out: dict[str, float] = {}
        if basis == "ratings":
            lo, hi = self.importance_scale.min, self.importance_scale.max
            for item in self.items:
                est = self.mean_estimate("importance", item.id)
                if est is not None and est.value is not None:
                    out[item.id] = (est.value - lo) / (hi - lo)
        elif basis == "points":
            means = {d: stats.mean_ci(v).value for d, v in self.points.items()}
            top = max((m for m in means.values() if m is not None), default=None)
            if top:
                for item in self.items:
                    m = means.get(item.dimension)
                    if m is not None:
                        out[item.id] = m / top
        return out


TIERS_RULE = (
    "most / least important items: the top / bottom ⌈share × n⌉ of the n items with a customer importance, ties "
    "at the cut included, except that items tied at a value falling in both groups (few items or many ties) are "
    "put in neither."
)
TIERS_RULE_ZH = (
    "最重要 / 最不重要的题项：在有顾客重要性的 n 个题项中，取重要性最高 / 最低的 ⌈比例 × n⌉ 个，切点处并列者一并计入；"
    "但若某一并列值同时落入两组（题项少或并列多），这些题项两组都不计入。"
)


def importance_tiers(values: dict[str, float], share: float) -> tuple[list[str], list[str]]:
    """Keys of the most and of the least important items (rule: :data:`TIERS_RULE`), in input order."""
    if not values or not 0 < share <= 0.5:
        return [], []
    k = math.ceil(share * len(values))
    ordered = sorted(values.values())
    cut_high, cut_low = ordered[-k], ordered[k - 1]
    high = [key for key, v in values.items() if v >= cut_high and not v <= cut_low]
    low = [key for key, v in values.items() if v <= cut_low and not v >= cut_high]
    return high, low


def suggest(word: str, options: list[str] | set[str], lang: str | None = None) -> str:
    """``; did you mean 'x'?`` (``；是否应为 'x'？`` in Chinese) or an empty string."""
    close = difflib.get_close_matches(word, sorted(options), n=1, cutoff=0.6)
    if not close:
        return ""
    return f"；是否应为 {close[0]!r}？" if lang == "zh" else f"; did you mean {close[0]!r}?"


def parse_survey(ev: Evidence, issues: list[InputIssue]) -> SurveyData | None:
    """Parse the survey evidence into :class:`SurveyData`; append problems to ``issues``.

    Columns are settled from the header first (:func:`gapaudit.load.survey.resolve_columns`): a column
    that names no item is reported once, and only the columns that matter are read from the file.
    """
    if ev.questionnaire is None or not ev.questionnaire.items:
        if ev.survey is not None or ev.survey_summary:
            issues.append(InputIssue("survey data needs evidence.questionnaire.items to say what was asked",
                                     ("evidence", "questionnaire"),
                                     zh="问卷数据需要 evidence.questionnaire.items 说明问了哪些题"))
        return None
    q = ev.questionnaire
    data = SurveyData(items=list(q.items), scale=q.scale, importance_scale=q.importance_scale or q.scale)
    item_ids = {i.id for i in q.items}
    for idx, row in enumerate(ev.survey_summary):
        if row.item not in item_ids:
            issues.append(InputIssue(f"unknown questionnaire item {row.item!r}{suggest(row.item, item_ids)}",
                                     ("evidence", "survey_summary", idx, "item"),
                                     zh=f"未知的问卷题项 {row.item!r}{suggest(row.item, item_ids)}"))
            continue
        for name in ("expectation", "perception"):
            value = getattr(row, name)
            if value is not None and not q.scale.min <= value <= q.scale.max:
                issues.append(InputIssue(f"mean {value:g} is outside the scale {q.scale.min}..{q.scale.max}",
                                         ("evidence", "survey_summary", idx, name),
                                         zh=f"均值 {value:g} 超出量表范围 {q.scale.min}..{q.scale.max}"))
        if row.importance is not None and not data.importance_scale.min <= row.importance <= data.importance_scale.max:
            issues.append(InputIssue(f"mean {row.importance:g} is outside the importance scale",
                                     ("evidence", "survey_summary", idx, "importance"),
                                     zh=f"均值 {row.importance:g} 超出重要性量表范围"))
        data.summary[row.item] = row
    if ev.survey is None:
        return data if data.summary else None
    from gapaudit.load.survey import read_responses

    if read_responses(ev.survey, data, issues):
        return data
    return data if data.summary else None


def resolve_names(ev: Evidence) -> None:
    """Let tables name standards and items as people write them: a standard by its title, an item by its text.

    An observation whose ``standard`` is a standard's title (compared without
    spaces, punctuation or case) takes that standard's id; a management row
    whose ``item`` is an item's text takes the item's id. Ids always win.
    """
    from gapaudit.load.survey import norm

    if ev.standards:
        ids = {s.id for s in ev.standards}
        by_title = {norm(s.title): s.id for s in ev.standards}
        for obs in ev.observations:
            if obs.standard not in ids:
                obs.standard = by_title.get(norm(obs.standard), obs.standard)
    if ev.questionnaire and ev.questionnaire.items:
        ids = {i.id for i in ev.questionnaire.items}
        by_text = {norm(i.text): i.id for i in ev.questionnaire.items}
        for est in ev.management:
            if est.item not in ids:
                est.item = by_text.get(norm(est.item), est.item)


def check_references(ev: Evidence, issues: list[InputIssue]) -> None:
    """Cross-references between evidence tables: every id used must exist."""
    from gapaudit.model.vocab import SERVQUAL_DIMENSIONS

    items = {i.id for i in ev.questionnaire.items} if ev.questionnaire else set()
    standards = {s.id for s in ev.standards}
    promises = {p.id for p in ev.promises}

    def need(value: str, known: set[str], what: str, what_zh: str, path: Path) -> None:
        if value not in known:
            hint = suggest(value, known) if known else f" (no {what}s are defined)"
            hint_zh = suggest(value, known, "zh") if known else f"（没有定义任何{what_zh}）"
            if known and not hint:  # nothing close: say what there is, so the fix can be picked from it
                shown = ", ".join(sorted(known)[:12]) + (", …" if len(known) > 12 else "")
                hint, hint_zh = f" (the {what}s are {shown})", f"（现有{what_zh}：{shown}）"
            issues.append(InputIssue(f"unknown {what} {value!r}{hint}", path, zh=f"未知的{what_zh} {value!r}{hint_zh}",
                                     group=f"unknown {what}"))

    if ev.questionnaire:
        dims = set(SERVQUAL_DIMENSIONS) | set(ev.questionnaire.dimensions)
        for idx, item in enumerate(ev.questionnaire.items):
            if item.dimension not in dims:
                hint = suggest(item.dimension, dims)
                issues.append(InputIssue(
                    f"dimension {item.dimension!r} is not a SERVQUAL dimension{hint}; a dimension of your own "
                    "must be declared in questionnaire.dimensions",
                    ("evidence", "questionnaire", "items", idx, "dimension"),
                    zh=f"维度 {item.dimension!r} 不是 SERVQUAL 维度{suggest(item.dimension, dims, 'zh')}；"
                       "自定义维度须在 questionnaire.dimensions 中声明", group="dimension"))
    for idx, std in enumerate(ev.standards):
        for j, item in enumerate(std.covers):
            need(item, items, "questionnaire item", "问卷题项", ("evidence", "standards", idx, "covers", j))
    for idx, est in enumerate(ev.management):
        need(est.item, items, "questionnaire item", "问卷题项", ("evidence", "management", idx, "item"))
    for idx, obs in enumerate(ev.observations):
        need(obs.standard, standards, "standard", "服务标准", ("evidence", "observations", idx, "standard"))
    for idx, prom in enumerate(ev.promises):
        for j, item in enumerate(prom.items):
            need(item, items, "questionnaire item", "问卷题项", ("evidence", "promises", idx, "items", j))
    for idx, check in enumerate(ev.promise_checks):
        need(check.promise, promises, "promise", "承诺", ("evidence", "promise_checks", idx, "promise"))
    if ev.questionnaire:
        sc, isc = ev.questionnaire.scale, ev.questionnaire.importance_scale or ev.questionnaire.scale
        for idx, est in enumerate(ev.management):
            if est.expectation is not None and not sc.min <= est.expectation <= sc.max:
                issues.append(InputIssue(f"estimate {est.expectation:g} is outside the scale {sc.min}..{sc.max}",
                                         ("evidence", "management", idx, "expectation")))
            if est.importance is not None and not isc.min <= est.importance <= isc.max:
                issues.append(InputIssue(f"importance {est.importance:g} is outside the scale {isc.min}..{isc.max}",
                                         ("evidence", "management", idx, "importance")))
