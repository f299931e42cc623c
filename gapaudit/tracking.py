"""Did a carried-over action work? Its target metric now against the previous audit, beyond the noise.

With a history database (``--history``), each action that the previous audit of the same store also had
(same id) gets :class:`~gapaudit.model.result.Progress`: the metric its target names, its value then and now,
and a verdict by :data:`PROGRESS_RULE`. It reads the previous audit through
:meth:`gapaudit.chain.history.History.previous` and runs as a finalise hook after the history comparison.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Mapping

from gapaudit import hookimpl
from gapaudit.model.result import Progress

if TYPE_CHECKING:
    from gapaudit.chain.history import History
    from gapaudit.model.result import Action, AuditResult, Metric

PROGRESS_RULE = (
    "progress of a carried-over action = its target metric now minus at the previous audit, read in the "
    "direction the target improves it. 'Improved' (or 'worse') when the change is beyond the noise of the two "
    "measurements: the whole interval of the difference lies on that side of zero, its ends found from the two "
    "95 % intervals by Newcombe's method (MOVER): change − √(h₁² + h₀²) > 0, with h₁ the half-width of today's "
    "interval towards the previous value and h₀ that of the previous interval towards today's. A measurement "
    "without an interval (a count, a checklist score) counts with half-width 0; 'no detectable change' otherwise. "
    "'Not comparable' when either audit lacks the metric."
)
PROGRESS_RULE_ZH = (
    "遗留行动的进展 = 其目标指标本次值减去上次审核时的值，按目标改善的方向判断。只有变化超出两次测量的误差时才判定为“已改善”"
    "（或“变差”）：差值的区间整体位于零的一侧，区间端点由两次测量的 95% 区间按 Newcombe 方法（MOVER）求得：变化 − √(h₁² + h₀²) > 0，"
    "h₁ 为本次区间朝向上次值一侧的半宽，h₀ 为上次区间朝向本次值一侧的半宽。没有区间的测量（计数、复核清单得分）半宽按 0 计；"
    "否则为“无可检测的变化”。任一次审核缺少该指标时为“无法比较”。"
)


def verdict(previous: float, previous_low: float | None, previous_high: float | None, current: float,
            current_low: float | None, current_high: float | None, better: str = "higher") -> str:
    """improved / worse / no_detectable_change by PROGRESS_RULE."""
    change = current - previous
    if change == 0:
        return "no_detectable_change"
    up = change > 0
    # half-widths on the sides that face each other
    h1 = (current - current_low if up else current_high - current) if current_low is not None \
        and current_high is not None else 0.0
    h0 = (previous_high - previous if up else previous - previous_low) if previous_low is not None \
        and previous_high is not None else 0.0
    if abs(change) - math.hypot(h1, h0) <= 0:
        return "no_detectable_change"
    return "improved" if up == (better == "higher") else "worse"


def _previous_metric(digest: Mapping[str, Any], metric_id: str) -> dict[str, Any] | None:
    for module in (digest.get("modules") or {}).values():
        found = (module.get("metrics") or {}).get(metric_id)
        if found is not None:
            return found
    return None


def progress(action: "Action", metric: "Metric | None", target: Any, previous: Mapping[str, Any],
             lang: str) -> Progress:
    """The Progress of one carried-over action against the previous audit's digest."""
    zh = lang == "zh"
    if metric is None or target is None:
        return Progress(metric=getattr(target, "metric", None) or "", previous=None, current=None, change=None,
                        verdict="not_comparable",
                        note="该行动的目标没有可跟踪的指标" if zh else "the action's target names no metric to track")
    before = _previous_metric(previous, metric.id)
    current = metric.value if isinstance(metric.value, (int, float)) else None
    if before is None or before.get("value") is None or current is None:
        return Progress(metric=metric.id, label=metric.label, unit=metric.unit, previous=None, current=current,
                        change=None, verdict="not_comparable",
                        note="上次审核没有该指标" if zh else "the previous audit has no value of this metric")
    prev = float(before["value"])
    result = verdict(prev, before.get("ci_low"), before.get("ci_high"), float(current), metric.ci_low,
                     metric.ci_high, getattr(target, "better", "higher"))
    return Progress(metric=metric.id, label=metric.label, unit=metric.unit, previous=prev, current=float(current),
                    change=round(float(current) - prev, 6), verdict=result)  # type: ignore[arg-type]


def target_metric(action: "Action", metrics: "dict[str, Metric]") -> tuple[Any, "Metric | None"]:
    """The action's first target that names a metric found in the result, and that metric."""
    for target in action.targets:
        if target.metric and target.metric in metrics:
            return target, metrics[target.metric]
    return (action.targets[0] if action.targets else None), None


def track(result: "AuditResult", previous: Mapping[str, Any] | None) -> "AuditResult":
    """The result with Progress on every action the previous audit also had (unchanged without one)."""
    if not previous:
        return result
    lang = str(result.audit.get("language") or "en")
    carried = set((previous.get("actions") or {}))
    metrics = {m.id: m for module in result.modules.values() for m in module.metrics}
    actions = []
    for action in result.actions:
        if action.id in carried:
            target, metric = target_metric(action, metrics)
            action = action.model_copy(update={"progress": progress(action, metric, target, previous, lang)})
        actions.append(action)
    rules = {**result.data_quality.get("rules", {}),
             "progress": PROGRESS_RULE_ZH if lang == "zh" else PROGRESS_RULE}
    return result.model_copy(update={"actions": actions, "data_quality": {**result.data_quality, "rules": rules}})


class TrackingPlugin:
    """Finalise hook: Progress for the actions carried over from the store's previous audit."""

    NAME = "gapaudit_action_tracking"

    def __init__(self, history: "History", sink: Any = None):
        from gapaudit import __version__

        self.history = history
        self.sink = sink  # where a database error goes (the history plugin's ``error``), so it never costs the report
        self.__version__ = __version__

    @hookimpl(trylast=True)
    def gapaudit_finalize_result(self, result: "AuditResult") -> "AuditResult | None":
        from gapaudit.chain.history import HistoryError

        store, audit = result.store.get("id"), result.audit
        try:
            previous = self.history.previous(str(store), str(audit.get("id")), str(audit.get("date")))
        except HistoryError as exc:
            if self.sink is None:
                raise
            self.sink.error = self.sink.error or exc
            return None
        return track(result, previous)
