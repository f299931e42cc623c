"""Actions from every module: plugin rewording, merging, deduplication, priority order."""

from __future__ import annotations

from typing import Iterable

from gapaudit.model.result import Action, ModuleResult


def apply_plugin_actions(result: ModuleResult, contributed: list[tuple[str, list[Action]]]) -> ModuleResult:
    """Add plugin actions to a module result; one with an existing id replaces (rewords) it."""
    if not contributed:
        return result
    actions = {a.id: a for a in result.actions}
    for _plugin, extra in contributed:
        for action in extra:
            action = Action.model_validate(action.model_dump() if isinstance(action, Action) else action)
            actions[action.id] = action
    return result.model_copy(update={"actions": list(actions.values())})


def merge_actions(groups: Iterable[list[Action]]) -> list[Action]:
    """All modules' actions, one per id, highest priority first.

    Duplicates (the same id from several modules) keep the highest priority
    and pool their evidence and finding ids. Order: priority descending, then
    the order modules ran in, then id, so equal inputs give a stable plan.
    """
    merged: dict[str, Action] = {}
    rank: dict[str, int] = {}
    for position, group in enumerate(groups):
        for action in group:
            seen = merged.get(action.id)
            if seen is None:
                merged[action.id] = action
                rank[action.id] = position
                continue
            best = action if action.priority > seen.priority else seen
            merged[action.id] = best.model_copy(update={
                "evidence": list(dict.fromkeys(seen.evidence + action.evidence)),
                "finding_ids": list(dict.fromkeys(seen.finding_ids + action.finding_ids)),
            })
    return sorted(merged.values(), key=lambda a: (-a.priority, rank[a.id], a.id))
