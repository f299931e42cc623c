"""Helpers for testing audit modules and plugins (also for third-party plugin authors).

Use them directly or as pytest fixtures via ``pytest_plugins = ["gapaudit.testing"]``::

    def test_my_module(gapaudit_host, gapaudit_example_audit, gapaudit_run):
        host = gapaudit_host(my_plugin)                  # built-ins + my plugin, no entry points
        result = gapaudit_run(gapaudit_example_audit, host)
        assert result.modules["my_module"].score is not None

Fixtures: ``gapaudit_host`` (a plugin host with only the given plugins, built-ins optional),
``gapaudit_example_audit`` (a small complete audit dict), ``gapaudit_load`` (validate an
audit into a LoadedAudit), ``gapaudit_run`` (load and run the engine), ``gapaudit_render``
(load, run and render a report format), ``gapaudit_sample`` (path of a sample audit from
the repository's ``sample_audits/``; skips when the samples are not available).
"""

from __future__ import annotations

import copy
import os
import random
from pathlib import Path
from typing import Any, Callable

import pytest

from gapaudit.load.audit import LoadedAudit, load_audit, load_audit_data
from gapaudit.model.result import AuditResult
from gapaudit.plugins import PluginHost

MINIMAL_AUDIT: dict[str, Any] = {
    "schema_version": 1,
    "audit": {"id": "T-1", "date": "2026-09-30", "language": "en"},
    "store": {"id": "S-1", "name": "Test store"},
}


def minimal_audit(**sections: Any) -> dict[str, Any]:
    """A valid audit dict with the given top-level sections added (e.g. ``evidence={...}``)."""
    data = copy.deepcopy(MINIMAL_AUDIT)
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return data


def make_host(*plugins: object, builtins: bool = True, names: list[str] | None = None) -> PluginHost:
    """A plugin host with the built-ins (optional) and the given plugin objects; no entry points."""
    given = [(names[i] if names else getattr(p, "__name__", f"plugin{i}").rsplit(".", 1)[-1], p)
             for i, p in enumerate(plugins)]
    return PluginHost.create(builtins=builtins, entry_points=False, plugins=given)


def load(data: dict[str, Any] | str | Path, host: PluginHost, base_dir: str | Path = ".") -> LoadedAudit:
    """Load an audit from a dict (evidence paths relative to ``base_dir``) or from a YAML file."""
    if isinstance(data, (str, Path)):
        return load_audit(data, host)
    return load_audit_data(data, host, source=Path(base_dir) / "<test audit>")


def run_audit(data: dict[str, Any] | str | Path, host: PluginHost | None = None, lang: str | None = None,
              base_dir: str | Path = ".") -> AuditResult:
    """Load and run an audit, returning its result."""
    from gapaudit import engine

    host = host or make_host()
    return engine.run(load(data, host, base_dir), host, lang=lang)


@pytest.fixture
def gapaudit_host() -> Callable[..., PluginHost]:
    """Factory fixture: ``gapaudit_host(my_plugin, builtins=False)`` → a fresh PluginHost."""
    return make_host


@pytest.fixture
def gapaudit_run() -> Callable[..., AuditResult]:
    """Factory fixture: ``gapaudit_run(audit_dict_or_path, host=None, lang=None)`` → AuditResult."""
    return run_audit


# --- a small complete audit, and the repository's sample audits ---------------------------

#: environment variable naming a folder of sample audits (default: ``sample_audits/`` of a checkout)
SAMPLES_ENV = "GAPAUDIT_SAMPLES"


def example_audit(lang: str = "en", *, chain: str | None = None, respondents: int = 40,
                  seed: int = 1) -> dict[str, Any]:
    """A small audit dict with every evidence section filled inline, so any module has data.

    The 22 SERVQUAL items, ``respondents`` answers per item (deterministic from ``seed``; a few
    left blank), management estimates, listening, two standards with six visits, a promise,
    complaints, complaint handling, errors, volume, lost customers, a rubric and a highlight.
    ``chain`` sets ``store.chain`` (a chain plugin's defaults usually key on it).
    """
    from gapaudit.scaffold import servqual_items

    rng = random.Random(seed)
    items = [{k: v for k, v in item.items() if v} for item in servqual_items(lang)]
    rows = []
    for r in range(respondents):
        row: dict[str, Any] = {"respondent": f"R{r + 1:03d}"}
        for item in items:
            exp = min(7, max(1, round(rng.gauss(5.8, 0.9))))
            row[f"E_{item['id']}"] = exp
            row[f"P_{item['id']}"] = None if rng.random() < 0.03 else min(7, max(1, round(rng.gauss(exp - 0.6, 1))))
            row[f"I_{item['id']}"] = min(7, max(1, round(rng.gauss(5.5, 1))))
        rows.append(row)
    standards = [
        {"id": "GREET", "title": "Greet every customer", "covers": ["ASS3", "RES3"], "documented": "yes",
         "specific": "yes", "customer_side": "yes", "consistent": "yes", "known_by_staff": "partly",
         "management_support": "yes", "factor": "attitude", "element": "attitude"},
        {"id": "STOCK", "title": "Refill gaps within two hours", "covers": ["REL1"], "documented": "partly",
         "specific": "no", "customer_side": "yes", "consistent": "yes", "known_by_staff": "no",
         "management_support": "partly", "factor": "management", "element": "products"},
    ]
    observations = [{"visit": f"V{v}", "standard": std, "result": result}
                    for v in range(1, 7) for std, result in
                    (("GREET", "yes" if v != 3 else "no"), ("STOCK", "yes" if v % 2 else "no"))]
    evidence = {
        "questionnaire": {"scale": {"min": 1, "max": 7}, "items": items},
        "survey": {"responses": rows},
        "management": [{"item": i["id"], "expectation": 5.0, "importance": 5.0,
                        "invests": "yes" if i["dimension"] == "assurance" else "no"} for i in items],
        "listening": {"survey_cadence": "yearly", "complaint_channels": ["counter"], "rewards_for_feedback": "no"},
        "standards": standards,
        "observations": observations,
        "promises": [{"id": "FAST", "text": "Served within five minutes", "channel": "poster", "kept": 30,
                      "total": 40, "items": ["RES2"]}],
        "complaints": [{"id": f"C{k}", "category": "stock" if k % 2 else "queue", "resolved": k % 3 != 0,
                        "hours_to_resolve": 4.0 * k if k % 3 != 0 else None} for k in range(1, 10)],
        "complaint_handling": [{"case": "H1", "apologise": "yes", "explain": "yes", "empathise": "no",
                                "solve_quickly": "partly", "commit": "no", "thank": "yes"}],
        "errors": [{"id": f"E{k}", "category": "pricing"} for k in range(1, 5)],
        "volume": {"transactions": 12000, "customers": 3000, "period_days": 90},
        "lost_customers": [{"reason": "indifference", "count": 5}, {"reason": "competition", "count": 2}],
        "rubric": {"scores": {"hardware": 3, "store": 4, "equipment": 3, "highlights": 3}},
        "highlights": [{"name": "Free delivery", "customer_rating": 30}],
    }
    return minimal_audit(audit={"language": lang}, store={"chain": chain} if chain else {}, evidence=evidence)


def samples_dir() -> Path | None:
    """The folder of sample audits: ``$GAPAUDIT_SAMPLES``, else ``sample_audits/`` of a source checkout."""
    configured = os.environ.get(SAMPLES_ENV)
    if configured:
        return Path(configured)
    here = Path(__file__).resolve().parent.parent / "sample_audits"
    return here if here.is_dir() else None


def sample_audit_names() -> list[str]:
    """Names of the sample audits found (folders holding an ``audit.yaml``), sorted."""
    folder = samples_dir()
    if folder is None or not folder.is_dir():
        return []
    return sorted(p.parent.name for p in folder.glob("*/audit.yaml"))


def sample_audit_path(name: str) -> Path:
    """``audit.yaml`` of one sample audit; FileNotFoundError naming what exists when it is missing."""
    folder = samples_dir()
    path = folder / name / "audit.yaml" if folder else None
    if path is None or not path.is_file():
        known = ", ".join(sample_audit_names()) or f"none (set {SAMPLES_ENV} to a sample_audits folder)"
        raise FileNotFoundError(f"no sample audit {name!r}; available: {known}")
    return path


def render_report(data: dict[str, Any] | str | Path, host: PluginHost | None = None, fmt: str = "html",
                  lang: str | None = None, base_dir: str | Path = ".") -> bytes:
    """Load, run and render one report format (html, md, pdf, json, csv) with the host's templates and theme."""
    from gapaudit import engine
    from gapaudit.render import render

    host = host or make_host()
    loaded = load(data, host, base_dir)
    return render(engine.run(loaded, host, lang=lang), fmt, host=host, audit=loaded.input)


@pytest.fixture
def gapaudit_example_audit() -> dict[str, Any]:
    """A fresh :func:`example_audit` dict (English) for each test; change it freely."""
    return example_audit()


@pytest.fixture
def gapaudit_load() -> Callable[..., LoadedAudit]:
    """Factory fixture: ``gapaudit_load(audit_dict_or_path, host)`` → validated LoadedAudit (InputError if invalid)."""
    return load


@pytest.fixture
def gapaudit_render() -> Callable[..., bytes]:
    """Factory fixture: ``gapaudit_render(audit_dict_or_path, host, fmt="html")`` → the report's bytes."""
    return render_report


@pytest.fixture
def gapaudit_sample() -> Callable[[str], Path]:
    """Factory fixture: ``gapaudit_sample("community-supermarket")`` → its audit.yaml; skips if samples are absent."""
    def find(name: str) -> Path:
        if samples_dir() is None:
            pytest.skip(f"sample audits not available (run from a gapaudit checkout or set {SAMPLES_ENV})")
        return sample_audit_path(name)

    return find
