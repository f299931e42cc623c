"""Hand-built AuditResults for the render tests: every section, every chart, both languages.

Built directly on the result contract (not by running modules) so the
report can be tested independently of the modules' progress, and so
every free-text field can carry injected markup.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from gapaudit.model.result import (Action, AuditResult, DataQualityNote, Finding, Metric, ModuleResult,
                                   OverallScore, PluginInfo)
from gapaudit.analysis.scoring import OVERALL_RULE, PRIORITY_RULE

INJECT = '<script>alert(1)</script><link rel=attachment href=file:///etc/passwd>{{ 7*7 }}{% if 1 %}X{% endif %}'

TEXT = {
    "en": {
        "store": "Riverside Electronics", "chain": "Acme Retail", "auditor": "J. Chen",
        "m": {
            "diagnosis_gap": "Diagnosis gap", "prescription_gap": "Prescription gap",
            "pharmacy_gap": "Pharmacy gap", "outcome_gap": "Outcome gap", "eight_factor": "Eight-factor score",
            "golden_triangle": "Golden triangle",
        },
        "finding": "Management underestimates what customers expect of reliability",
        "detail": "Management's estimate is 1.2 points below customers' mean expectation.",
        "action": "Run a quarterly satisfaction survey owned by customer service",
        "owner": "Store manager", "why": "Expectations are misread on four of five dimensions.",
        "metric": "Reliability: management − customers",
    },
    "zh": {
        "store": "河畔电器城", "chain": "顶点零售", "auditor": "陈静",
        "m": {
            "diagnosis_gap": "诊断差距", "prescription_gap": "处方差距", "pharmacy_gap": "药房差距",
            "outcome_gap": "疗效差距", "eight_factor": "八要素评分", "golden_triangle": "服务金三角",
        },
        "finding": "管理层低估了顾客对可靠性的期望",
        "detail": "管理层估计比顾客平均期望低 1.2 分。",
        "action": "由客服部负责每季度开展一次满意度调查",
        "owner": "店长", "why": "五个维度中有四个维度的期望被误读。",
        "metric": "可靠性：管理层 − 顾客",
    },
}

ORDER = ["diagnosis_gap", "prescription_gap", "pharmacy_gap", "outcome_gap", "eight_factor", "golden_triangle"]
SCORES = {"diagnosis_gap": 62.0, "prescription_gap": 48.5, "pharmacy_gap": 71.2, "outcome_gap": None,
          "eight_factor": 66.4, "golden_triangle": 74.0}

DIMS = ["tangibles", "reliability", "responsiveness", "assurance", "empathy"]

#: chart data shaped like the built-in modules' ``data`` (see their docstrings)
DATA: dict[str, dict[str, Any]] = {
    "diagnosis_gap": {
        "dimensions": [{"dimension": d, "gap": g, "ci_low": g - 0.3, "ci_high": g + 0.3, "n": 212,
                        "status": "under" if g < -0.5 else "ok"} for d, g in zip(DIMS, [-0.21, -1.2, -0.6, 0.35, -0.4])],
        "importance": {"rho": 0.41, "dimensions": [{"dimension": d, "customer": c, "management": m} for d, c, m in
                                                    zip(DIMS, [0.5, 0.92, 0.81, 0.6, 0.55], [0.9, 0.6, 0.7, 0.6, None])],
                       "items": [{"id": "T1", "text": "Modern equipment", "flag": "misdirected"},
                                 {"id": "R1", "text": "Delivers when promised", "flag": "underrated"}]},
        "listening": {"score": 50, "parts": [{"id": "surveys", "label": "Survey cadence", "value": "yearly",
                                              "score": 0.25}]},
        "subscores": {"accuracy": 40.0, "priorities": 41.0, "listening": 50.0, "checklist": None},
        "weights": {"accuracy": 0.4, "priorities": 0.2, "listening": 0.2, "checklist": 0.2},
    },
    "prescription_gap": {
        "sound_quality": 0.75,
        "dimensions": [{"dimension": d, "items": 4, "covered": c, "sound": c // 2, "coverage": v}
                       for d, c, v in zip(DIMS, [0, 4, 2, 3, 1], [0.0, 86.0, 40.0, 60.0, 12.5])],
        "standards": [{"id": "DELIVERY", "title": "Deliver within 24 hours", "quality": 0.75, "sound": False,
                       "too_harsh": True, "critical": True},
                      {"id": "GREET", "title": "Greet within 10 seconds", "quality": 1.0, "sound": True}],
        "items": [{"id": "R1", "text": "Delivers when promised", "importance": 0.92, "tier": "high",
                   "status": "none"}],
    },
    "pharmacy_gap": {
        "target": 0.9,
        "standards": [
            {"id": "STD-01", "title": "Greet within 30 seconds", "rate": 0.92, "ci_low": 0.81, "ci_high": 0.97,
             "n": 48, "status": "met"},
            {"id": "STD-02", "title": "Explain warranty terms at the sale", "rate": 0.55, "ci_low": 0.41,
             "ci_high": 0.68, "n": 47, "critical": True, "status": "shortfall"},
            {"id": "STD-03", "title": "Walk the customer to the product", "rate": 0.74, "ci_low": 0.6,
             "ci_high": 0.84, "n": 46, "status": "possible_shortfall"},
            {"id": "STD-04", "title": "Call back within one working day", "rate": None, "n": 0,
             "status": "not_observed"},
        ],
        "shifts": [{"group": "morning", "rate": 0.81, "ci_low": 0.7, "ci_high": 0.89, "n": 70, "weak": False},
                   {"group": "evening", "rate": 0.63, "ci_low": 0.51, "ci_high": 0.74, "n": 71, "weak": True}],
    },
    "outcome_gap": {
        "customer_gap": {"dimensions": [
            {"dimension": d, "gap": g, "ci_low": g - 0.15, "ci_high": g + 0.15, "n": 212, "alpha": a,
             "alpha_low": a - 0.05, "alpha_high": a + 0.04, "alpha_n": 212,
             "status": "shortfall" if g < -0.5 else "ok"}
            for d, g, a in zip(DIMS, [-0.65, -1.10, -0.83, 0.2, -1.01], [0.81, 0.88, 0.64, 0.79, 0.85])]},
        "ipa": {"x_basis": "importance", "crosshair": "data_mean", "x_cross": 5.5, "y_cross": 5.0, "points": [
            {"id": "R1", "text": "Delivers when promised", "importance": 6.4, "performance": 4.2,
             "quadrant": "concentrate_here"},
            {"id": "R2", "text": "Sincere interest", "importance": 6.1, "performance": 5.6, "quadrant": "keep_up"},
            {"id": "T1", "text": "Modern equipment", "importance": 4.2, "performance": 5.9,
             "quadrant": "possible_overkill"},
            {"id": "E1", "text": "Individual attention", "importance": 4.9, "performance": 4.4,
             "quadrant": "low_priority"}]},
        "promise_target": 0.95,
        "promises": [{"id": "P1", "text": "24-hour delivery", "rate": 0.62, "ci_low": 0.45, "ci_high": 0.77,
                      "total": 34, "status": "over_promise"},
                     {"id": "P2", "text": "Price match", "rate": 0.97, "ci_low": 0.85, "ci_high": 0.99, "total": 30,
                      "status": "kept"}],
    },
    "eight_factor": {
        "factors": [{"factor": f, "kind": "positive", "bar": b, "score": b} for f, b in
                    zip(["attitude", "technique", "responsibility", "hardware", "management", "highlights"],
                        [81.5, 70.0, 66.0, 59.0, 72.0, None])]
        + [{"factor": "complaints", "kind": "negative", "bar": -6.5, "deduction": 6.5},
           {"factor": "errors", "kind": "negative", "bar": -3.2, "deduction": 3.2}],
        "positive_score": 69.7, "deduction": 9.7, "total": 60.0,
        "complaints": {"count": 40, "resolved": 34, "unresolved": 6, "resolution_rate": 0.85, "quick_hours": 24,
                       "quick_share": 0.5, "time_distribution": [
                           {"low": 0, "high": 24, "label": "≤ 1 day", "count": 20},
                           {"low": 24, "high": 72, "label": "1–3 days", "count": 10},
                           {"low": 72, "high": None, "label": "> 3 days", "count": 4}]},
        "iceberg": {"complaints": 40, "ratio": 25, "dissatisfied": 1000, "silent": 960},
        "at_risk": {"groups": [{"group": "silent", "label": "Dissatisfied, did not complain", "customers": 960,
                                "return_rate": 0.09, "kept": 86.4, "lost": 873.6}]},
    },
    "golden_triangle": {
        "corners": [{"corner": "people", "score": 78.0, "elements": [
                        {"element": "appearance", "score": 80.0, "ci_low": 75.0, "ci_high": 85.0},
                        {"element": "attitude", "score": 76.0}]},
                    {"corner": "hardware", "score": 64.0, "elements": [{"element": "store", "score": 64.0}]},
                    {"corner": "software", "score": None, "elements": [{"element": "process", "score": None}]}],
        "triangle": {"score": None, "arithmetic_mean": None},
    },
}


def rich_result(lang: str = "en", inject: bool = False) -> AuditResult:
    """A full result: six modules (one without data), findings of every severity, actions, notes."""
    tx = TEXT[lang]
    extra = INJECT if inject else ""
    modules: dict[str, ModuleResult] = {}
    for i, mid in enumerate(ORDER):
        score = SCORES[mid]
        sev = ["critical", "high", "medium", "low", "info", "high"][i]
        findings = [Finding(id=f"{mid}.f1", severity=sev, title=tx["finding"] + extra, detail=tx["detail"] + extra,
                            evidence=[f"E_R1 mean 6.4 (n=212){extra}"])]
        actions = [Action(id=f"{mid}.a1", title=f"{tx['action']} ({mid}){extra}", rationale=tx["why"] + extra,
                          gap=mid, owner_role=tx["owner"] + extra, horizon="short" if i % 2 else "long",
                          priority=90 - i * 7.5, due=dt.date(2026, 10, 30), evidence=[f"finding {mid}.f1{extra}"],
                          kind="capex" if mid == "golden_triangle" else "management")]
        metrics = [Metric(id=f"{mid}.m1", label=tx["metric"] + extra, value=-1.2, unit="points", n=212,
                          ci_low=-1.5, ci_high=-0.9),
                   Metric(id=f"{mid}.m2", label="Compliance" + extra, value=71.3, unit="%", n=141, ci_low=63.2,
                          ci_high=78.1),
                   Metric(id=f"{mid}.m3", label="Visits" + extra, value=12, n=None)]
        modules[mid] = ModuleResult(
            id=mid, title=tx["m"][mid] + extra, version="1.0", score=score,
            grade=None if score is None else ("C" if score < 70 else "B"),
            reason=("no survey responses in the evidence" + extra) if score is None else None,
            metrics=[] if score is None else metrics, findings=[] if score is None else findings,
            actions=[] if score is None else actions, data=DATA[mid],
            methodology=[f"gap = management estimate − customer mean expectation{extra}",
                         "N/A answers are left out per respondent"],
            data_quality=[DataQualityNote(topic="sample size" + extra, detail="212 respondents" + extra, n=212),
                          DataQualityNote(topic="alpha empathy", detail="alpha 0.64 below 0.70" + extra,
                                          severity="warning")],
            grade_cap="D" if mid == "pharmacy_gap" else None,
        )
    actions = sorted((a for m in modules.values() for a in m.actions), key=lambda a: -a.priority)
    store = {"id": "S-001", "name": tx["store"] + extra, "chain": tx["chain"] + extra, "region": "East" + extra}
    audit = {"id": "2026Q3-S001", "date": "2026-09-30", "auditor": tx["auditor"] + extra, "language": lang,
             "period": "2026-Q3"}
    return AuditResult(
        gapaudit_version="0.1.0", audit=audit, store=store,
        overall=OverallScore(score=63.9, grade="D", rule=OVERALL_RULE, modules_scored=[m for m in ORDER if SCORES[m]]),
        modules=modules, actions=actions,
        data_quality={
            "no_data": [{"module": m, "reason": modules[m].reason} for m in ORDER if SCORES[m] is None],
            "notes": [{"module": mid, **n.model_dump()} for mid, r in modules.items() for n in r.data_quality],
            "methodology": {mid: r.methodology for mid, r in modules.items()},
            "rules": {"priority": PRIORITY_RULE, "overall": OVERALL_RULE},
        },
        plugins=[PluginInfo(name=m, version="0.1.0", source="built-in") for m in ORDER],
    )
