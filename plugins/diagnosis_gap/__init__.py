"""Built-in plugin: the diagnosis gap (SERVQUAL Gap 1), see :mod:`.module`."""

from __future__ import annotations

from gapaudit import hookimpl

from .module import DiagnosisGap


@hookimpl
def gapaudit_register_modules() -> list:
    return [DiagnosisGap]
