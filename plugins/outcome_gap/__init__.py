"""Built-in plugin: the outcome-gap audit module (SERVQUAL Gaps 4 and 5, promises and the customer gap)."""

from __future__ import annotations

from gapaudit import hookimpl

from .module import OutcomeGap


@hookimpl
def gapaudit_register_modules() -> list[type]:
    return [OutcomeGap]
