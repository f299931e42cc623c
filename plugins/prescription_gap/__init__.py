"""Built-in plugin: the prescription gap (SERVQUAL Gap 2), see :mod:`.module`."""

from __future__ import annotations

from gapaudit import hookimpl

from .module import PrescriptionGap


@hookimpl
def gapaudit_register_modules() -> list:
    return [PrescriptionGap]
