"""Built-in plugin: the pharmacy-gap audit module (SERVQUAL Gap 3, delivery to the standards)."""

from __future__ import annotations

from gapaudit import hookimpl

from .module import PharmacyGap


@hookimpl
def gapaudit_register_modules() -> list[type]:
    return [PharmacyGap]
