"""The engine: run every enabled audit module over a loaded audit.

``run(loaded, host)`` is a pure function of its inputs: the same audit and
plugins give a byte-identical JSON result.
"""

from __future__ import annotations

import gc
from typing import Any

from pydantic import ValidationError

from gapaudit import __version__, problems
from gapaudit.actions import apply_plugin_actions, merge_actions
from gapaudit.analysis.memo import memoised, own
from gapaudit.errors import PluginError
from gapaudit.impact import IMPACT_RULE, IMPACT_RULE_ZH, Counterfactuals
from gapaudit.load.audit import LoadedAudit
from gapaudit.model.result import AuditResult, ModuleResult, OverallScore, PluginInfo
from gapaudit.module import ModuleContext
from gapaudit.plugins import PluginHost, call_plugin
from gapaudit.analysis.scoring import OVERALL_RULE, OVERALL_RULE_ZH, PRIORITY_RULE, PRIORITY_RULE_ZH, cap_grade, grade_for, \
    rule_text
from gapaudit.analysis.stats import weighted_mean


def run(loaded: LoadedAudit, host: PluginHost, lang: str | None = None, *, impacts: bool = True) -> AuditResult:
    """Run the enabled modules in order and assemble the :class:`AuditResult`.

    ``lang`` overrides the audit's language for every text the modules write. ``impacts=False`` skips the
    counterfactual pass (for benchmarks): no action then has an impact. Statistics are memoised for the run:
    the impact of each action re-runs modules on mostly unchanged evidence.
    """
    with memoised():
        if loaded.survey is not None:
            own(values for kind in (loaded.survey.expectation, loaded.survey.perception, loaded.survey.importance,
                                    loaded.survey.points) for values in kind.values())
        return _run(loaded, host, lang, impacts)


def _run(loaded: LoadedAudit, host: PluginHost, lang: str | None, impacts: bool) -> AuditResult:
    audit = loaded.input
    lang = lang or audit.audit.language
    classes = host.modules()
    excluded = loaded.disabled_plugins
    results: dict[str, ModuleResult] = {}
    for mid in loaded.enabled_modules:
        cls = classes[mid]
        ctx = ModuleContext(audit=audit, config=loaded.module_configs[mid], lang=lang, survey=loaded.survey,
                            module_id=mid)
        plugin = host.plugin_of(mid)
        result = call_plugin(plugin, f"module {mid!r} failed", lambda: cls().run(ctx))
        if not isinstance(result, ModuleResult):
            raise PluginError(plugin, f"module {mid!r} returned {type(result).__name__}, not ModuleResult")
        result = _complete(result, cls, ctx)
        contributed = host.module_actions(mid, result, audit, lang, exclude=excluded)
        try:
            result = apply_plugin_actions(result, contributed)
        except ValidationError as exc:
            raise PluginError(contributed[0][0] if contributed else plugin, "returned invalid actions", exc) from exc
        results[mid] = result

    overall = _overall(results, audit, lang)
    counterfactuals = Counterfactuals(loaded, host, results, lang, complete=_complete, overall=_overall,
                                      enabled=impacts)
    # the counterfactual runs allocate many short-lived objects: collections then skip what exists already
    # (the audit, the results, the models), handed back to the collector afterwards (as for PDF layout)
    gc.freeze()
    try:
        plan = problems.build(audit, results, merge_actions([results[m].actions for m in results]),
                              counterfactuals,
                              importance=loaded.survey.customer_importance() if loaded.survey else {})
    finally:
        gc.unfreeze()
    out = AuditResult(
        gapaudit_version=__version__,
        audit=audit.audit.model_dump(mode="json") | {"language": lang},
        store=audit.store.model_dump(mode="json"),
        overall=overall,
        modules=plan.results,
        actions=plan.actions,
        problems=plan.problems,
        subjects=plan.subjects,
        data_quality=_data_quality(results, lang),
        plugins=[PluginInfo(name=r.name, version=r.version, source=r.source)
                 for r in host.records.values() if r.name not in excluded],
    )
    return host.finalize_result(out, exclude=excluded)


def _complete(result: ModuleResult, cls: Any, ctx: ModuleContext) -> ModuleResult:
    """Fill the module's identity and grade; drop the grade when there is no score."""
    update: dict[str, Any] = {"id": cls.id, "title": result.title or cls.localized_title(ctx.lang),
                              "version": cls.version}
    if result.score is None:
        update["grade"] = None
        if not result.reason:
            update["reason"] = ctx.tr("no evidence for this module", "本模块没有可用的证据")
    elif result.grade is None:
        update["grade"] = cap_grade(ctx.grade(result.score), [result.grade_cap], ctx.audit.scoring.bands)
    return result.model_copy(update=update)


def _overall(results: dict[str, ModuleResult], audit: Any, lang: str) -> OverallScore:
    weights = audit.scoring.weights
    scored = [(mid, r.score) for mid, r in results.items() if r.score is not None and weights.get(mid, 1.0) > 0]
    value = weighted_mean([s for _, s in scored], [weights.get(mid, 1.0) for mid, _ in scored])
    score = None if value is None else round(value, 1)
    grade = grade_for(score, audit.scoring.bands)
    grade = cap_grade(grade, [r.grade_cap for r in results.values()], audit.scoring.bands) if grade else None
    return OverallScore(score=score, grade=grade, rule=rule_text(OVERALL_RULE, OVERALL_RULE_ZH, lang),
                        modules_scored=[m for m, _ in scored])


def _data_quality(results: dict[str, ModuleResult], lang: str) -> dict[str, Any]:
    return {
        "no_data": [{"module": mid, "reason": r.reason} for mid, r in results.items() if r.score is None],
        "notes": [{"module": mid, **note.model_dump()} for mid, r in results.items() for note in r.data_quality],
        "methodology": {mid: r.methodology for mid, r in results.items() if r.methodology},
        "rules": {"priority": rule_text(problems.PRIORITY_RULE, problems.PRIORITY_RULE_ZH, lang),
                  "impact": rule_text(IMPACT_RULE, IMPACT_RULE_ZH, lang),
                  "problems": rule_text(problems.PROBLEM_RULE, problems.PROBLEM_RULE_ZH, lang),
                  "severity_score": rule_text(PRIORITY_RULE, PRIORITY_RULE_ZH, lang),
                  "overall": rule_text(OVERALL_RULE, OVERALL_RULE_ZH, lang)},
    }
