"""What an action is worth: the audit run again as if the action's targets were reached.

An action declares its targets (:mod:`gapaudit.model.result`: ``ShareTarget``,
``SetTarget``, ``AddTarget``, ``RemoveTarget``, ``SurveyGapTarget``,
``ComplaintTarget``): edits of the evidence a user could make by hand — the
failing observations of a standard marked compliant until it reaches its
target rate, customers' perception of an item raised until its gap closes to
the tolerance, a promise kept at its target rate, complaints resolved
quickly. :func:`Counterfactuals.impact` applies the edits to a copy of the
evidence, re-runs the modules that read what changed through the normal
module code, and reports the change of every score (:class:`Impact`).

Nothing is estimated outside the modules: the impact of an action is exactly
the score difference the user would get by editing the evidence to the
target and running the audit again. Customers kept per year come from the
complaint analytics (dissatisfied customers per complaint, return rates by
handling) when a target changes the complaint log.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import typing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from pydantic import BaseModel, TypeAdapter, ValidationError

from gapaudit.analysis.memo import own, scratch
from gapaudit.model.result import (AddTarget, ComplaintTarget, Impact, ModuleResult, RemoveTarget, SetTarget,
                                   ShareTarget, SurveyGapTarget)


def edit_key(target: Any) -> str:
    """What a target changes, whatever its wording: two targets with one key are one edit."""
    return target.model_dump_json(exclude={"label", "metric", "goal", "about"})

if TYPE_CHECKING:
    from gapaudit.analysis.evidence import SurveyData
    from gapaudit.load.audit import LoadedAudit
    from gapaudit.model.audit import AuditInput
    from gapaudit.plugins import PluginHost

DAYS_PER_YEAR = 365
SKIPPED = (None, "na")  # a share leaves out rows whose field is empty or not applicable

IMPACT_RULE = (
    "impact of an action = the audit run again with the action's targets reached (the evidence edited as a "
    "user would edit it: failing observations marked compliant in table order until a standard reaches its "
    "target rate, customers' perceptions of an item raised by the same amount, capped at the scale's top, "
    "until its gap closes to the tolerance, a promise kept at its target rate, complaints resolved in log "
    "order …), minus the audit as it is: the change of the overall score and of each module score, in points. "
    "Only the modules that read the edited evidence run again, through their normal code. Customers kept per "
    "year = the fall in customers expected to be lost under the complaint analytics (dissatisfied customers "
    "per complaint, return rates by handling) × 365 ÷ the period's days, when a target changes the complaint "
    "log; otherwise none is claimed."
)
IMPACT_RULE_ZH = (
    "行动的影响 = 假设达成该行动的目标后重新运行审核（按用户手工修改证据的方式修改：按表中顺序把未达标的观察记录改为达标，"
    "直至标准达到目标执行率；把顾客对某题项的感知统一提高相同的分值（不超过量表上限），直至差距缩小到容差；承诺按目标比例兑现；"
    "按记录顺序解决投诉……），减去审核原结果：即总分与各模块得分的变化（分）。只重新运行读取了被修改证据的模块，且使用其原有代码。"
    "每年多留住的顾客 = 按投诉分析（每起投诉背后的不满意顾客数、不同处理方式下的回头率）预计流失顾客的减少数 × 365 ÷ 期间天数，"
    "仅在目标改变投诉记录时计算；否则不作估计。"
)


class TargetError(ValueError):
    """A target that cannot be applied to this audit's evidence (unknown table or field, invalid value)."""


@dataclass(frozen=True)
class World:
    """Everything a module run reads: the audit, each module's validated config, the parsed survey."""

    audit: "AuditInput"
    configs: dict[str, BaseModel]
    survey: "SurveyData | None"


# --- applying targets ---------------------------------------------------------------------

def apply(world: World, target: Any) -> tuple[World, set[str]]:
    """The world with ``target`` reached, and the keys of what changed (empty: already reached).

    Keys are ``evidence.<section>``, ``survey.<kind>`` and ``config:<module id>``, the names modules
    declare in :attr:`gapaudit.module.AuditModule.reads`.
    """
    if isinstance(target, SurveyGapTarget):
        return _survey_gap(world, target)
    if isinstance(target, ComplaintTarget):
        table, fields, edit = "evidence.complaints", {"resolved", "hours_to_resolve"}, \
            lambda rows, _row: _resolve(rows, target)
    elif isinstance(target, ShareTarget):
        table, fields, edit = target.table, {target.field, *target.also}, lambda rows, _row: _share(rows, target)
    elif isinstance(target, SetTarget):
        table, fields, edit = target.table, set(target.changes), lambda rows, _row: _set(rows, target)
    elif isinstance(target, AddTarget):
        table, fields, edit = target.table, {"*"}, lambda rows, row: _add(rows, target, row)
    elif isinstance(target, RemoveTarget):
        table, fields, edit = target.table, {"*"}, lambda rows, _row: _remove(rows, target)
    else:  # pragma: no cover - the model's union is closed
        raise TargetError(f"unknown target kind {getattr(target, 'kind', target)!r}")
    return _edit_table(world, table, edit, fields)


def _edit_table(world: World, table: str, edit: Callable[[Any, Any], Any],
                fields: set[str]) -> tuple[World, set[str]]:
    """Apply ``edit`` to the table at ``table``; keys: the section, and ``<section>.<field>`` for each field
    changed (``<section>.*`` when rows are added or removed)."""
    parts = table.split(".")
    if len(parts) >= 2 and parts[0] == "evidence":
        new = _replace(world.audit.evidence, parts[1:], edit, table)
        if new is world.audit.evidence:
            return world, set()
        audit = world.audit.model_copy(update={"evidence": new})
        section = f"evidence.{parts[1]}"
        return dataclasses.replace(world, audit=audit), {section} | {f"{section}.{f}" for f in fields}
    if len(parts) >= 3 and parts[0] == "modules":
        mid = parts[1]
        if mid not in world.configs:
            raise TargetError(f"{table}: module {mid!r} is not enabled in this audit")
        new = _replace(world.configs[mid], parts[2:], edit, table)
        if new is world.configs[mid]:
            return world, set()
        return dataclasses.replace(world, configs={**world.configs, mid: new}), {f"config:{mid}"}
    raise TargetError(f"{table}: a target's table is evidence.<section> or modules.<module id>.<field>")


def _replace(obj: Any, parts: list[str], edit: Callable[[Any, Any], Any], table: str) -> Any:
    """``obj`` with the value at ``parts`` replaced by ``edit(value, row type)``; the same object when unchanged.

    The row type (a TypeAdapter, or None) validates rows an edit adds to a table of a model.
    """
    name, rest = parts[0], parts[1:]
    if isinstance(obj, BaseModel):
        if name not in type(obj).model_fields:
            raise TargetError(f"{table}: no field {name!r}")
        old = getattr(obj, name)
        if old is None:
            raise TargetError(f"{table}: {name!r} is not given in this audit")
        new = _replace(old, rest, edit, table) if rest else edit(old, _row_adapter(type(obj), name))
        return obj if new is old else obj.model_copy(update={name: new})
    if isinstance(obj, dict):
        if name not in obj:
            raise TargetError(f"{table}: no entry {name!r}")
        new = _replace(obj[name], rest, edit, table) if rest else edit(obj[name], None)
        return obj if new is obj[name] else {**obj, name: new}
    raise TargetError(f"{table}: cannot go into {type(obj).__name__} at {name!r}")


@functools.lru_cache(maxsize=256)
def _row_adapter(model: type[BaseModel], name: str) -> TypeAdapter | None:
    """A validator of one row of the table field ``name`` of ``model`` (None when it is no table)."""
    annotation = model.model_fields[name].annotation
    if typing.get_origin(annotation) is list and typing.get_args(annotation):
        return TypeAdapter(typing.get_args(annotation)[0])
    return None


def _value(row: Any, name: str) -> Any:
    if isinstance(row, dict):
        return row.get(name)
    if isinstance(row, BaseModel) and name not in type(row).model_fields:
        raise TargetError(f"no field {name!r} in {type(row).__name__}")
    return getattr(row, name, None)


def _matches(row: Any, where: dict[str, Any]) -> bool:
    for name, wanted in where.items():
        value = _value(row, name)
        if isinstance(wanted, list):
            if value not in wanted:
                return False
        elif value != wanted:
            return False
    return True


def _changed(row: Any, changes: dict[str, Any]) -> Any:
    """The row with ``changes``, validated like the evidence it stands for."""
    if isinstance(row, dict):
        return {**row, **changes}
    if isinstance(row, BaseModel):
        for name in changes:
            if name not in type(row).model_fields:
                raise TargetError(f"no field {name!r} in {type(row).__name__}")
        try:
            return type(row).model_validate({**row.model_dump(), **changes})
        except ValidationError as exc:
            raise TargetError(f"{type(row).__name__}: {exc.errors()[0]['msg']}") from exc
    raise TargetError(f"cannot change a {type(row).__name__}")


def _rows(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise TargetError(f"{what} needs a table (a list of rows), found {type(value).__name__}")
    return value


def _meets(value: Any, target: ShareTarget) -> bool:
    if target.compare == "eq":
        return value == target.meets
    try:
        return value >= target.meets if target.compare == "ge" else value <= target.meets
    except TypeError as exc:
        raise TargetError(f"{target.field}: cannot compare {value!r} with {target.meets!r}") from exc


def needed(met: int, counted: int, share: float) -> int:
    """Rows to change so that at least ``share`` of ``counted`` rows meet (0 when already reached)."""
    return max(0, math.ceil(share * counted - 1e-9) - met)


def _share(table: Any, target: ShareTarget) -> Any:
    rows = _rows(table, "a share target")
    counted = [i for i, r in enumerate(rows) if _matches(r, target.where) and _value(r, target.field) not in SKIPPED]
    failing = [i for i in counted if not _meets(_value(rows[i], target.field), target)]
    change = set(failing[:needed(len(counted) - len(failing), len(counted), target.value)])
    if not change:
        return table
    edits = {target.field: target.meets, **target.also}
    return [_changed(r, edits) if i in change else r for i, r in enumerate(rows)]


def _set(table: Any, target: SetTarget) -> Any:
    if isinstance(table, dict):
        keys = target.keys if target.keys is not None else list(table)
        missing = [k for k in keys if k not in table]
        if missing:
            raise TargetError(f"{target.table}: no entries {', '.join(missing)}")
        out = {k: (_changed(v, target.changes) if k in keys else v) for k, v in table.items()}
        return table if all(out[k] == table[k] for k in keys) else out
    if isinstance(table, BaseModel):
        new = _changed(table, target.changes)
        return table if new == table else new
    rows = _rows(table, "a set target")
    out = [_changed(r, target.changes) if _matches(r, target.where) else r for r in rows]
    return table if out == rows else out


def _add(table: Any, target: AddTarget, row_type: TypeAdapter | None) -> Any:
    rows = _rows(table, "an add target")
    if row_type is None:
        return [*rows, dict(target.row)]
    try:
        return [*rows, row_type.validate_python(target.row)]
    except ValidationError as exc:
        raise TargetError(f"{target.table}: {exc.errors()[0]['msg']}") from exc


def _remove(table: Any, target: RemoveTarget) -> Any:
    rows = _rows(table, "a remove target")
    out = [r for r in rows if not _matches(r, target.where)]
    return table if len(out) == len(rows) else out


def _resolve(table: Any, target: ComplaintTarget) -> Any:
    """Unresolved complaints resolved, then slow ones made quick, in log order, until both rates are reached."""
    rows = list(_rows(table, "a complaints target"))
    picked = [i for i, c in enumerate(rows) if _matches(c, target.where)]
    hours = target.within_hours
    if target.resolved is not None:
        open_ = [i for i in picked if not rows[i].resolved]
        for i in open_[:needed(len(picked) - len(open_), len(picked), target.resolved)]:
            rows[i] = _changed(rows[i], {"resolved": True, "hours_to_resolve": hours})
    if target.quick is not None and hours is not None:
        # the complaint analytics' quick share: quick ÷ (unresolved + resolved with a recorded time)
        known = [i for i in picked if not rows[i].resolved or rows[i].hours_to_resolve is not None]
        slow = [i for i in known if not (rows[i].resolved and rows[i].hours_to_resolve <= hours)]
        for i in slow[:needed(len(known) - len(slow), len(known), target.quick)]:
            rows[i] = _changed(rows[i], {"resolved": True, "hours_to_resolve": hours})
    return table if rows == table else rows


def _survey_gap(world: World, target: SurveyGapTarget) -> tuple[World, set[str]]:
    survey = world.survey
    if survey is None or not any(i.id == target.item for i in survey.items):
        raise TargetError(f"item {target.item!r}: no survey answers to edit")
    top = survey.scale.max
    if survey.raw:
        exp, perc = survey.expectation.get(target.item) or [], survey.perception.get(target.item) or []
        raised = raise_perceptions(exp, perc, target.value, top)
        if raised is None:
            return world, set()
        own([raised])
        new = dataclasses.replace(survey, perception={**survey.perception, target.item: raised})
        return dataclasses.replace(world, survey=new), {"survey.perception"}
    row = survey.summary.get(target.item)
    if row is None or row.expectation is None or row.perception is None:
        raise TargetError(f"item {target.item!r}: no mean expectation and perception to edit")
    goal = min(top, row.expectation + target.value)
    if row.perception >= goal:
        return world, set()
    new_row = row.model_copy(update={"perception": goal})
    new = dataclasses.replace(survey, summary={**survey.summary, target.item: new_row})
    evidence = world.audit.evidence
    rows = [new_row if r.item == target.item else r for r in evidence.survey_summary]
    audit = world.audit.model_copy(update={"evidence": evidence.model_copy(update={"survey_summary": rows})})
    return World(audit, world.configs, new), {"survey.perception", "evidence.survey_summary"}


def raise_perceptions(expectation: Sequence[float | None], perception: Sequence[float | None], gap: float,
                      top: float) -> list[float | None] | None:
    """Perceptions raised by one amount δ ≥ 0 (each capped at ``top``) so that the mean P − E over the
    respondents with both answers reaches ``gap``; None when it is reached already.

    δ is found exactly: the mean is piecewise linear in δ, so the respondents capped at ``top`` are found
    step by step and δ solved for the rest. When even every perception at the top falls short, all go to the top.
    """
    pairs = [(e, p) for e, p in zip(expectation, perception) if e is not None and p is not None]
    if not pairs or math.fsum(p - e for e, p in pairs) / len(pairs) >= gap - 1e-12:
        return None
    capped: set[int] = set()
    while True:
        free = [k for k in range(len(pairs)) if k not in capped]
        if not free:
            delta = top  # every perception at the top
            break
        fixed = math.fsum(top - pairs[k][0] for k in capped)
        delta = (gap * len(pairs) - fixed - math.fsum(pairs[k][1] - pairs[k][0] for k in free)) / len(free)
        over = {k for k in free if pairs[k][1] + delta > top}
        if not over:
            break
        capped |= over
    return [None if p is None else min(top, p + delta) for p in perception]


# --- re-running ---------------------------------------------------------------------------

@dataclass
class _Run:
    """The result of one counterfactual: module results and the overall score."""

    results: dict[str, ModuleResult]
    overall: float | None
    grade: str | None
    rerun: list[str]
    failed: list[str] = field(default_factory=list)


class Counterfactuals:
    """Runs the audit again with targets reached; caches what does not change between runs."""

    def __init__(self, loaded: "LoadedAudit", host: "PluginHost", results: dict[str, ModuleResult], lang: str,
                 complete: Callable[..., ModuleResult], overall: Callable[..., Any], enabled: bool = True):
        self.loaded, self.host, self.lang, self.enabled = loaded, host, lang, enabled
        self.base = World(loaded.input, dict(loaded.module_configs), loaded.survey)
        self.results = results
        self.complete, self.overall_of = complete, overall
        base = overall(results, loaded.input, lang)
        self.base_overall, self.base_grade = base.score, base.grade
        self.classes = host.modules()
        self._module_cache: dict[tuple[str, tuple[str, ...]], ModuleResult | BaseException] = {}
        self._impact_cache: dict[tuple[str, ...], Impact | str] = {}

    # impact of a set of targets

    def impact(self, targets: Sequence[Any]) -> Impact | str:
        """The :class:`Impact` of reaching every target in ``targets``, or why it cannot be found (a str)."""
        if not self.enabled:
            return self.tr("impacts were not measured in this run", "本次运行未测算影响")
        key = tuple(edit_key(t) for t in targets)
        if key not in self._impact_cache:
            with scratch():  # what only this edit's evidence needs is forgotten after it
                self._impact_cache[key] = self._impact(list(targets), key)
        impact = self._impact_cache[key]
        if isinstance(impact, Impact):  # the same edit in other words: its own targets' labels in the basis
            return impact.model_copy(update={"basis": self._basis(targets, impact)})
        return impact

    def _impact(self, targets: list[Any], key: tuple[str, ...]) -> Impact | str:
        tr = self.tr
        world, changes = self.base, []
        try:
            for target in targets:
                world, changed = apply(world, target)
                changes.append(changed)
        except TargetError as exc:
            return tr("its target cannot be applied to this audit's evidence ({e})", "其目标无法应用于本审核的证据（{e}）",
                      e=exc)
        run = self._rerun(world, list(zip(key, changes)))
        if run.failed:
            return tr("module(s) {m} failed on the edited evidence", "模块 {m} 在修改后的证据上运行出错", m=", ".join(run.failed))
        modules = {mid: round(r.score - self.results[mid].score, 1) for mid, r in run.results.items()
                   if mid in run.rerun and r.score is not None and self.results[mid].score is not None
                   and round(r.score - self.results[mid].score, 1) != 0}
        overall = None if run.overall is None or self.base_overall is None else round(run.overall - self.base_overall, 1)
        customers, note = self.customers(world, set().union(*changes) if changes else set())
        reached = not any(changes)
        basis = ""  # the targets' own words go in front (see _basis): one cached run serves many wordings
        if reached:
            basis += tr(" Already reached: nothing changes.", " 已经达到：无变化。")
        else:
            basis += tr(" Re-ran: {m}.", " 重新运行：{m}。", m=tr(", ", "、").join(self.short(m) for m in run.rerun) or "—")
            gone = [m for m in run.rerun if (run.results[m].score is None) != (self.results[m].score is None)]
            if gone:
                basis += tr(" Scored in only one of the two runs (left out): {m}.", " 仅在一次运行中有得分（未计入）：{m}。",
                            m=tr(", ", "、").join(self.short(m) for m in gone))
        return Impact(overall=overall, modules=modules, customers_per_year=customers, customers_note=note,
                      grade=run.grade if run.grade != self.base_grade else None, basis=basis)

    def _basis(self, targets: Sequence[Any], impact: Impact) -> str:
        tr = self.tr
        labels = [t.label for t in targets if t.label]
        return tr("Targets: {t}.", "目标：{t}。", t=tr("; ", "；").join(labels) or tr("as declared", "如所声明")) \
            + impact.basis

    def _rerun(self, world: World, applied: list[tuple[str, set[str]]]) -> _Run:
        results = dict(self.results)
        rerun, failed = [], []
        from gapaudit.module import ModuleContext

        for mid in self.loaded.enabled_modules:
            cls = self.classes[mid]
            reads = getattr(cls, "reads", None)
            hits = tuple(k for k, changed in applied if affects(mid, reads, changed))
            if not hits:
                continue
            cache_key = (mid, hits)
            cached = self._module_cache.get(cache_key)
            if cached is None:
                ctx = ModuleContext(audit=world.audit, config=world.configs[mid], lang=self.lang, survey=world.survey,
                                    module_id=mid, scores_only=True)
                try:
                    result = cls().run(ctx)
                    if not isinstance(result, ModuleResult):
                        raise TypeError(f"returned {type(result).__name__}")
                    cached = self.complete(result, cls, ctx)
                except Exception as exc:  # a plugin's failure is named and contained
                    cached = exc
                self._module_cache[cache_key] = cached
            if isinstance(cached, BaseException):
                failed.append(mid)
                continue
            results[mid] = cached
            rerun.append(mid)
        overall = self.overall_of(results, world.audit, self.lang)
        return _Run(results, overall.score, overall.grade, rerun, failed)

    # customers

    def customers(self, world: World, changed: set[str]) -> tuple[float | None, str]:
        """Customers kept per year by the edit, from the complaint analytics, and how (or why not)."""
        from gapaudit.analysis.complaints import ComplaintSettings, analyse, log_provided

        tr = self.tr
        if "evidence.complaints" not in changed:
            return None, tr("the target does not change the complaint log, so no customers are claimed",
                            "该目标不改变投诉记录，因此不估计留住的顾客")
        before = self.base.audit.evidence
        days = before.volume.period_days if before.volume else None
        if not days:
            return None, tr("evidence.volume.period_days is not given: the log's period is unknown",
                            "evidence.volume.period_days 未提供：投诉记录的期间未知")
        if not log_provided(before, "complaints"):
            return None, tr("no complaint log", "没有投诉记录")
        settings = next((c for c in (getattr(cfg, "complaints", None) for cfg in world.configs.values())
                         if isinstance(c, ComplaintSettings)), ComplaintSettings())
        lost_before = analyse(before, settings).at_risk
        lost_after = analyse(world.audit.evidence, settings).at_risk
        if lost_before is None or lost_after is None:
            return None, tr("no complaint log", "没有投诉记录")
        kept = (lost_before.lost - lost_after.lost) * DAYS_PER_YEAR / days
        r = settings.return_rates
        return round(kept, 1), tr(
            "expected customers lost {a} → {b} over {d} days, × 365 ÷ {d}; assumes {k:g} dissatisfied customers per "
            "complaint and return rates {s:.0%} silent, {c:.0%} unresolved, {rs:.0%} resolved, {q:.0%} resolved "
            "quickly (complaint analytics settings)",
            "{d} 天内预计流失顾客 {a} → {b}，× 365 ÷ {d}；假设每起投诉对应 {k:g} 位不满意顾客，回头率：未投诉 {s:.0%}、"
            "未解决 {c:.0%}、已解决 {rs:.0%}、迅速解决 {q:.0%}（投诉分析设置）",
            a=f"{lost_before.lost:.1f}", b=f"{lost_after.lost:.1f}", d=days, k=settings.iceberg_ratio, s=r.silent,
            c=r.complained, rs=r.resolved, q=r.resolved_quickly)

    # wording

    def tr(self, en: str, zh: str, /, **fmt: Any) -> str:
        text = zh if self.lang == "zh" else en
        return text.format(**fmt) if fmt else text

    def short(self, mid: str) -> str:
        """A module's short name: its title up to the colon."""
        cls = self.classes.get(mid)
        title = cls.localized_title(self.lang) if cls else mid
        for sep in ("：", ":"):
            title = title.split(sep, 1)[0]
        return title.strip()


def affects(module_id: str, reads: Iterable[str] | None, changed: set[str]) -> bool:
    """Whether a change (keys from :func:`apply`) can change a module's score: its own config changed, or
    evidence its score depends on (a module that does not declare ``reads`` depends on everything).

    A read of a section (``evidence.standards``) matches any change to it; a read of one field
    (``evidence.standards.critical``) matches a change of that field, or rows added or removed.
    """
    if f"config:{module_id}" in changed:
        return True
    evidence = {k for k in changed if not k.startswith("config:")}
    if not evidence:
        return False
    if reads is None:
        return True
    for key in reads:
        if key in evidence:
            return True
        section, _, field = key.rpartition(".")
        if field and section.startswith("evidence.") and f"{section}.*" in evidence:
            return True
    return False
