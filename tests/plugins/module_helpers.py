"""Helpers shared by the built-in modules' tests: run one module, look up a metric or action, spot Chinese.

Imported by name (``from module_helpers import ...``), as tests/render/render_results.py is: a conftest
cannot be imported that way, and these are plain functions the tests call, not fixtures.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from gapaudit.model.result import Action, Metric, ModuleResult
from gapaudit.plugins import PluginHost
from gapaudit.testing import run_audit

#: a CJK ideograph: Chinese report text has some, English text none
CJK = re.compile(r"[\u4e00-\u9fff]")


def module_runner(host: PluginHost, module_id: str) -> Callable[..., ModuleResult]:
    """``run(data, lang=None)``: load and run an audit dict on ``host``; the result of ``module_id``."""
    def run(data: dict[str, Any], lang: str | None = None) -> ModuleResult:
        return run_audit(data, host, lang=lang).modules[module_id]

    return run


def metric(result: ModuleResult, mid: str) -> Metric:
    """The result's metric with id ``mid``."""
    return next(m for m in result.metrics if m.id == mid)


def action(result: ModuleResult, aid: str) -> Action:
    """The result's action with id ``aid``."""
    return next(a for a in result.actions if a.id == aid)
