"""Fixtures for chain-scale tests: generated stores, failing plugins."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_generator():
    spec = importlib.util.spec_from_file_location("gapaudit_gen_stores", ROOT / "scripts" / "gen_stores.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gen_stores = _load_generator()

#: a local plugin whose module fails for store S0002 and gives the rest a fixed score
FAILING_PLUGIN = """\
from gapaudit import AuditModule, ModuleResult, hookimpl

class Fragile(AuditModule):
    id = "fragile"
    title = {"en": "Fragile", "zh": "易碎"}
    order = 990
    def run(self, ctx):
        if ctx.audit.store.id == "S0002":
            raise ZeroDivisionError("store S0002 breaks this module")
        return ModuleResult(score=50.0)

@hookimpl
def gapaudit_register_modules():
    return [Fragile]
"""

#: a local plugin that kills its worker process on store S0003
CRASHING_PLUGIN = """\
import os
from gapaudit import AuditModule, ModuleResult, hookimpl

class Crash(AuditModule):
    id = "crash"
    title = {"en": "Crash", "zh": "崩溃"}
    order = 991
    def run(self, ctx):
        if ctx.audit.store.id == "S0003":
            os._exit(9)
        return ModuleResult(score=50.0)

@hookimpl
def gapaudit_register_modules():
    return [Crash]
"""


@pytest.fixture
def stores(tmp_path):
    """Factory: ``stores(n, broken=0, quarter=..., seed=...)`` → list of audit files under tmp_path/stores."""

    def make(n: int, broken: int = 0, quarter: str = "2026-Q3", seed: int = 1, folder: str = "stores",
             start: int = 1) -> list[Path]:
        return gen_stores.generate(tmp_path / folder, n, seed=seed, broken=broken, quarter=quarter, start=start)

    return make


@pytest.fixture
def plugin_file(tmp_path):
    def make(text: str, name: str) -> str:
        path = tmp_path / f"{name}.py"
        path.write_text(text, "utf-8")
        return str(path)

    return make
