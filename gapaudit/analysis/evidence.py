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

Path = tuple[str | int, ...]


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
        if self.raw:
            values = getattr(self, kind).get(item_id)
            if not values:
                return None
            est = stats.mean_ci(values, confidence)
            return est if est.value is not None else None
        row = self.summary.get(item_id)
        mean = getattr(row, kind, None) if row else None
        if row is None or mean is None:
            return None
        sd = getattr(row, f"{kind}_sd", None)
        if sd is None or row.n < 2:
            return stats.Estimate(mean, None, None, row.n, sd, confidence)
        half = stats.t_ppf(0.5 + 0.5 * confidence, row.n - 1) * sd / math.sqrt(row.n)
        return stats.Estimate(mean, mean - half, mean + half, row.n, sd, confidence)

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


def suggest(word: str, options: list[str] | set[str]) -> str:
    """``; did you mean 'x'?`` or an empty string."""
    close = difflib.get_close_matches(word, sorted(options), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _to_number(value: Any, scale: LikertScale) -> float | None | str:
    """A rating as a float, None when blank, or an error message."""
    if value is None:
        return None
    if isinstance(value, bool):
        return f"expected a rating {scale.min}..{scale.max}, found {value!r}"
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip()
        if text in scale.labels:
            return float(scale.labels[text])
        if text.lower() in ("na", "n/a", "不适用", "-"):
            return None
        try:
            number = float(text)
        except ValueError:
            hint = f" or one of the labels {', '.join(scale.labels)}" if scale.labels else ""
            return f"expected a number {scale.min}..{scale.max}{hint}, found {text!r}"
    if not math.isfinite(number):
        return f"expected a rating {scale.min}..{scale.max}, found {value!r}"
    if not scale.min <= number <= scale.max:
        return f"rating {number:g} is outside the scale {scale.min}..{scale.max}"
    return number


def parse_survey(ev: Evidence, issues: list[InputIssue]) -> SurveyData | None:
    """Parse the survey evidence into :class:`SurveyData`; append problems to ``issues``."""
    if ev.questionnaire is None or not ev.questionnaire.items:
        if ev.survey is not None or ev.survey_summary:
            issues.append(InputIssue("survey data needs evidence.questionnaire.items to say what was asked",
                                     ("evidence", "questionnaire")))
        return None
    q = ev.questionnaire
    data = SurveyData(items=list(q.items), scale=q.scale, importance_scale=q.importance_scale or q.scale)
    item_ids = {i.id for i in q.items}
    dims = set(data.dimensions())
    for idx, row in enumerate(ev.survey_summary):
        if row.item not in item_ids:
            issues.append(InputIssue(f"unknown questionnaire item {row.item!r}{suggest(row.item, item_ids)}",
                                     ("evidence", "survey_summary", idx, "item")))
            continue
        for name in ("expectation", "perception"):
            value = getattr(row, name)
            if value is not None and not q.scale.min <= value <= q.scale.max:
                issues.append(InputIssue(f"mean {value:g} is outside the scale {q.scale.min}..{q.scale.max}",
                                         ("evidence", "survey_summary", idx, name)))
        if row.importance is not None and not data.importance_scale.min <= row.importance <= data.importance_scale.max:
            issues.append(InputIssue(f"mean {row.importance:g} is outside the importance scale",
                                     ("evidence", "survey_summary", idx, "importance")))
        data.summary[row.item] = row
    if ev.survey is None:
        return data if data.summary else None
    s = ev.survey
    prefixes = [(s.expectation_prefix, data.expectation, q.scale, item_ids),
                (s.perception_prefix, data.perception, q.scale, item_ids),
                (s.importance_prefix, data.importance, data.importance_scale, item_ids),
                (s.desired_prefix, data.desired, q.scale, item_ids),
                (s.adequate_prefix, data.adequate, q.scale, item_ids)]
    overall: dict[str, list] = {}
    if s.overall_column:  # one exact column: a "prefix" that is the whole name, keyed by the empty id
        data.overall_scale = s.overall_scale or q.scale
        prefixes.append((s.overall_column, overall, data.overall_scale, {""}))
    base: Path = ("evidence", "survey", "responses")
    n = len(s.responses)
    columns: dict[str, tuple[dict[str, list], str, LikertScale | None]] = {}
    all_columns = list(dict.fromkeys(k for row in s.responses for k in row))
    known = {s.respondent_column} | {p + i for p, _, _, ids in prefixes for i in ids} | \
            {s.points_prefix + d for d in dims}
    for col in all_columns:
        if col == s.respondent_column:
            continue
        target = None
        for prefix, store, scale, ids in prefixes:
            if col.startswith(prefix) and col[len(prefix):] in ids:
                target = (store, col[len(prefix):], scale)
                break
        if target is None and col.startswith(s.points_prefix) and col[len(s.points_prefix):] in dims:
            target = (data.points, col[len(s.points_prefix):], None)
        if target is None:
            issues.append(InputIssue(
                f"unknown survey column {col!r}{suggest(col, known)} (expected {s.respondent_column!r}, "
                f"{s.expectation_prefix}/{s.perception_prefix}/{s.importance_prefix}/{s.desired_prefix}/"
                f"{s.adequate_prefix}<item id> or "
                f"{s.points_prefix}<dimension>)", base + ("columns", col)))
            continue
        columns[col] = target
    if s.overall_column and n and s.overall_column not in all_columns:
        issues.append(InputIssue(
            f"the overall question's column {s.overall_column!r} is not in the responses"
            f"{suggest(s.overall_column, all_columns)}", ("evidence", "survey", "overall_column"),
            zh=f"响应数据中没有总体问题的列 {s.overall_column!r}"))
    for store in (data.expectation, data.perception, data.importance, data.desired, data.adequate):
        for item in item_ids:
            store[item] = [None] * n
    if s.overall_column:
        overall[""] = data.overall = [None] * n
    for dim in dims:
        data.points[dim] = [None] * n
    bad = 0
    for r, row in enumerate(s.responses):
        data.respondents.append(str(row.get(s.respondent_column) or r + 1))
        for col, (store, key, scale) in columns.items():
            value = row.get(col)
            if scale is None:  # 100-point allocation
                parsed = _points(value)
            else:
                parsed = _to_number(value, scale)
            if isinstance(parsed, str):
                bad += 1
                if bad <= 50:
                    issues.append(InputIssue(parsed, base + (r, col)))
                continue
            store[key][r] = parsed
    if bad > 50:
        issues.append(InputIssue(f"... and {bad - 50} more invalid survey answers", base))
    if not any(v is not None for vals in data.points.values() for v in vals):
        data.points = {}
    for store in (data.importance, data.desired, data.adequate):
        if not any(v is not None for vals in store.values() for v in vals):
            store.clear()
    return data


def _points(value: Any) -> float | None | str:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return f"expected importance points 0..100, found {value!r}"
    if not math.isfinite(number) or not 0 <= number <= 100:
        return f"expected importance points 0..100, found {value!r}"
    return number


def check_references(ev: Evidence, issues: list[InputIssue]) -> None:
    """Cross-references between evidence tables: every id used must exist."""
    items = {i.id for i in ev.questionnaire.items} if ev.questionnaire else set()
    standards = {s.id for s in ev.standards}
    promises = {p.id for p in ev.promises}

    def need(value: str, known: set[str], what: str, path: Path) -> None:
        if value not in known:
            hint = suggest(value, known) if known else f" (no {what}s are defined)"
            issues.append(InputIssue(f"unknown {what} {value!r}{hint}", path))

    for idx, std in enumerate(ev.standards):
        for j, item in enumerate(std.covers):
            need(item, items, "questionnaire item", ("evidence", "standards", idx, "covers", j))
    for idx, est in enumerate(ev.management):
        need(est.item, items, "questionnaire item", ("evidence", "management", idx, "item"))
    for idx, obs in enumerate(ev.observations):
        need(obs.standard, standards, "standard", ("evidence", "observations", idx, "standard"))
    for idx, prom in enumerate(ev.promises):
        for j, item in enumerate(prom.items):
            need(item, items, "questionnaire item", ("evidence", "promises", idx, "items", j))
    for idx, check in enumerate(ev.promise_checks):
        need(check.promise, promises, "promise", ("evidence", "promise_checks", idx, "promise"))
    if ev.questionnaire:
        sc, isc = ev.questionnaire.scale, ev.questionnaire.importance_scale or ev.questionnaire.scale
        for idx, est in enumerate(ev.management):
            if est.expectation is not None and not sc.min <= est.expectation <= sc.max:
                issues.append(InputIssue(f"estimate {est.expectation:g} is outside the scale {sc.min}..{sc.max}",
                                         ("evidence", "management", idx, "expectation")))
            if est.importance is not None and not isc.min <= est.importance <= isc.max:
                issues.append(InputIssue(f"importance {est.importance:g} is outside the scale {isc.min}..{isc.max}",
                                         ("evidence", "management", idx, "importance")))
