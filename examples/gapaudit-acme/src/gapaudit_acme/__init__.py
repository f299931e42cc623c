"""gapaudit plugin of Acme Mart (安心超市), a fictional supermarket chain.

It shows every extension point, one hook each:

* ``gapaudit_scope`` — the plugin applies to Acme Mart stores only;
* ``gapaudit_register_modules`` — the chain's own audit module, :mod:`gapaudit_acme.house_standards`;
* ``gapaudit_audit_defaults`` — chain-wide settings: grade bands, module weights, factor
  weights, critical items, a disabled built-in module, which standards the chain's complaint
  categories concern (``links``);
* ``gapaudit_module_actions`` — reworded and extra actions for built-in findings, each declaring
  its target so gapaudit can measure its impact;
* ``gapaudit_report_sections`` + ``gapaudit_template_dirs`` — a report page with its own template;
* ``gapaudit_theme`` — logo, colours, cover and footer text.

A chain plugin is installed once, in an environment that runs every chain's audits. Its scope
keeps it to Acme Mart stores: for any other audit gapaudit leaves the whole plugin out (its module
does not run, no other hook is called), so none of the hooks below needs to check the chain.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from gapaudit import Action, AuditResult, ModuleResult, ReportSection, Scope, Theme, hookimpl
from gapaudit.model.audit import AuditInput
from gapaudit.module import DUE_DAYS
from gapaudit.analysis.scoring import priority

from gapaudit_acme.house_standards import LABELS, HouseStandards

__version__ = "1.0.0"

#: how Acme Mart stores name their chain in ``store.chain``
CHAIN_NAMES = ("Acme Mart", "安心超市")
HERE = Path(__file__).parent


# --- 0. where the plugin applies ------------------------------------------------------

@hookimpl
def gapaudit_scope() -> Scope:
    # Acme stores only; another store may still opt in with plugins: {require: [acme]}
    return Scope(chains=CHAIN_NAMES)


# --- 1. the chain's own audit module ----------------------------------------------

@hookimpl
def gapaudit_register_modules() -> list[type]:
    return [HouseStandards]


# --- 2. chain-wide settings -----------------------------------------------------------

#: everything headquarters decides once for all stores; an audit file can still override any of it
CHAIN_DEFAULTS: dict[str, Any] = {
    "scoring": {
        # Acme grades more strictly than the gapaudit default (85/70/55/40)
        "bands": [{"grade": "A", "min": 90}, {"grade": "B", "min": 80}, {"grade": "C", "min": 65},
                  {"grade": "D", "min": 50}, {"grade": "E", "min": 0}],
        # the house standards and delivery count double in the overall score
        "weights": {"acme_house_standards": 2, "pharmacy_gap": 2},
    },
    "modules": {
        # critical items: a complaint procedure below target caps the grade at D
        "acme_house_standards": {"critical": ["complaint"], "critical_cap": "D",
                                 "targets": {"walk": 0.9, "smile": 0.85, "complaint": 0.8}},
        # staff must deliver every written standard at 85 %; a critical standard missed caps at D
        "pharmacy_gap": {"target": 0.85, "critical_cap": "D"},
        # factor weights: attitude counts double; hardware is headquarters' investment, so it counts half
        "eight_factor": {"weights": {"attitude": 2, "responsibility": 1.5, "hardware": 0.5},
                         # critical items: the chain's fresh-food standard, whatever a store file says
                         "critical": {"FRESH": True}, "critical_cap": "C"},
        "golden_triangle": {"critical": {"FRESH": True}, "critical_cap": "C"},
    },
    # standards are written by headquarters for all stores and reviewed there, not store by store
    "plugins": {"disable": ["prescription_gap"]},
    # the chain's complaint categories and the standards or questionnaire items they concern: a complaint
    # category joins the problem of its standard, and fixing that problem is taken to prevent its complaints
    "links": {"complaint_categories": {"queue": ["QUEUE"], "out of stock": ["STOCK"], "price": ["PRICE"],
                                       "staff": ["GREET"]}},
}


@hookimpl
def gapaudit_audit_defaults() -> dict[str, Any]:
    return CHAIN_DEFAULTS  # called for Acme stores only (the scope)


# --- 3. actions for built-in findings ----------------------------------------------------

#: built-in action id → Acme's wording (en, zh, owner en, owner zh)
REWORDED: dict[str, tuple[str, str, str, str]] = {
    "pharmacy_gap.cause.training": (
        "Enrol every floor colleague in the Acme Academy 'Service in Practice' refresher (two days)",
        "安排所有楼面员工参加安心学院“服务实战”复训（两天）", "Store manager with Acme Academy", "店长与安心学院"),
    "pharmacy_gap.cause.monitoring": (
        "Use the Acme duty-manager floor walk (three a day) and log corrections in the Acme Store app",
        "执行安心值班经理巡场制度（每天三次），纠正记录录入安心门店 App", "Duty managers", "值班经理"),
    "diagnosis_gap.surveys": (
        "Review the Acme quarterly customer pulse with the team each month (headquarters runs the survey)",
        "每月与团队复盘总部的安心季度顾客调查结果", "Store manager", "店长"),
}

#: extra actions Acme adds when a built-in module reports one of these findings
EXTRA: dict[str, tuple[str, tuple[str, str, str, str]]] = {
    "pharmacy_gap.worst_standards": ("acme.field_coach", (
        "Request a two-day visit from the Acme regional field coach to work the weakest standards on the floor",
        "申请安心区域督导到店两天，在现场辅导最薄弱的几项标准", "Regional operations manager", "区域运营经理")),
    "pharmacy_gap.critical_failures": ("acme.incident_report", (
        "File an Acme incident report within 24 hours and re-audit the critical standard within two weeks",
        "24 小时内提交安心事故报告，并在两周内复审该关键标准", "Store manager", "店长")),
}


@hookimpl
def gapaudit_module_actions(module_id: str, result: ModuleResult, audit: AuditInput,
                            lang: str) -> list[Action] | None:
    zh = lang == "zh"
    out: list[Action] = []
    for action in result.actions:  # same id → replaces the built-in action: same priority, Acme's words
        if action.id in REWORDED:
            en, zh_text, owner_en, owner_zh = REWORDED[action.id]
            out.append(action.model_copy(update={"title": zh_text if zh else en,
                                                 "owner_role": owner_zh if zh else owner_en}))
    for finding in result.findings:  # new id → added next to the module's own actions
        if finding.id in EXTRA:
            new_id, (en, zh_text, owner_en, owner_zh) = EXTRA[finding.id]
            # the shared priority formula, with the customer importance and confidence the module
            # already found for this finding (from its strongest action), else the formula's defaults
            basis = max((a for a in result.actions if finding.id in a.finding_ids),
                        key=lambda a: a.priority, default=None)
            importance = basis.priority_basis.get("importance") if basis else None
            confidence = basis.priority_basis.get("confidence", 1.0) if basis else 1.0
            value, factors = priority(finding.severity, importance, confidence)
            # the target: what the module's own actions for this finding aim at (the weakest standards
            # delivered at target) — declared, gapaudit re-runs the audit with it reached to rank this action
            targets = [t for a in result.actions if finding.id in a.finding_ids for t in a.targets]
            out.append(Action(
                id=new_id, title=zh_text if zh else en, gap=module_id, owner_role=owner_zh if zh else owner_en,
                rationale=finding.title, evidence=finding.evidence[:5], finding_ids=[finding.id],
                priority=value, priority_basis=factors, horizon="short", targets=targets,
                about=list(dict.fromkeys(t.about for t in targets if t.about)),
                due=audit.audit.date + dt.timedelta(days=DUE_DAYS["short"])))
    return out


# --- 4. a report section with its own template ------------------------------------------

@hookimpl
def gapaudit_template_dirs() -> list[Path]:
    return [HERE / "templates"]


@hookimpl
def gapaudit_report_sections(result: AuditResult, lang: str) -> list[ReportSection] | None:
    module = result.modules.get(HouseStandards.id)
    if module is None:
        return None
    zh = lang == "zh"
    return [ReportSection(
        id="acme-scorecard", title="安心超市门店记分卡" if zh else "Acme Mart store scorecard",
        template="acme/scorecard.html.j2", order=850,  # just before the action plan (900)
        context={"standards": module.data.get("standards", []), "score": module.score, "grade": module.grade,
                 "overall": result.overall.score, "overall_grade": result.overall.grade,
                 "labels": {k: (v[1] if zh else v[0]) for k, v in LABELS.items()}})]


# --- 5. the theme ----------------------------------------------------------------------

@hookimpl
def gapaudit_theme() -> Theme:
    return Theme(
        name="acme", logo=HERE / "theme" / "logo.svg", stylesheet=HERE / "theme" / "acme.css",
        # CSS variables of the default stylesheet, and chart colours ("neutral" bars in Acme blue)
        colors={"accent": "#c8102e", "accent-light": "#fbe8eb", "neutral": "#1f4e79"},
        cover_text={"en": "Acme Mart · Store service audit · for internal use",
                    "zh": "安心超市 · 门店服务审核 · 内部资料"},
        footer_text={"en": "Acme Mart — service quality programme", "zh": "安心超市 · 服务质量项目"},
        asset_dirs=[HERE / "theme"])
