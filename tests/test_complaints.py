"""Complaint recovery analytics: every formula against hand-computed or independently computed answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from scipy.stats import norm

from gapaudit.analysis.complaints import (ComplaintSettings, analyse, complaint_stats, customers_at_risk, iceberg,
                                 log_provided, loss_reasons, per_thousand, six_steps)
from gapaudit.model.audit import Complaint, ComplaintHandling, Evidence, LostCustomer
from gapaudit.analysis.stats import percentile


def complaints(*rows: dict) -> list[Complaint]:
    return [Complaint(id=f"C{i}", **row) for i, row in enumerate(rows, 1)]


def evidence(**kw) -> Evidence:
    return Evidence.model_validate(kw)


# the worked example used below: six complaints, one open, one resolved without a time
SIX = [{"resolved": True, "hours_to_resolve": 2, "category": "queue"},
       {"resolved": True, "hours_to_resolve": 10, "category": "price"},
       {"resolved": True, "hours_to_resolve": 30, "category": "queue"},
       {"resolved": True, "hours_to_resolve": 100, "category": "refund", "outcome": "lost"},
       {"resolved": True, "outcome": "kept"},
       {"resolved": False, "severity": "high", "outcome": "kept"}]


# --- counts per 1,000 ----------------------------------------------------------------

def test_per_thousand_transactions_then_customers():
    ev = evidence(complaints=[{"id": "a"}, {"id": "b"}, {"id": "c"}], volume={"transactions": 2000, "customers": 600})
    r = per_thousand(ev, "complaints")
    assert (r.count, r.per_thousand, r.basis, r.denominator, r.reason) == (3, 1.5, "transactions", 2000, None)
    assert per_thousand(ev, "complaints", "customers").per_thousand == pytest.approx(5.0)
    ev = evidence(complaints=[{"id": "a"}], volume={"customers": 400})
    r = per_thousand(ev, "complaints")
    assert (r.per_thousand, r.basis) == (2.5, "customers")


def test_per_thousand_weights_severity():
    ev = evidence(errors=[{"id": "a", "severity": "high"}, {"id": "b", "severity": "low"}, {"id": "c"}],
                  volume={"transactions": 1000})
    r = per_thousand(ev, "errors", severity_weights={"high": 2.0, "low": 0.5})
    assert r.count == 3.5 and r.per_thousand == 3.5


def test_zero_transactions_and_missing_volume_give_no_rate():
    ev = evidence(complaints=[{"id": "a"}], volume={"transactions": 0, "customers": 50})
    r = per_thousand(ev, "complaints")
    assert (r.count, r.per_thousand, r.reason, r.denominator) == (1, None, "zero_volume", 0)
    r = per_thousand(evidence(complaints=[{"id": "a"}]), "complaints")
    assert (r.count, r.per_thousand, r.reason) == (1, None, "no_volume")


def test_empty_log_is_not_provided_unless_declared_kept():
    ev = evidence(volume={"transactions": 500})
    assert not log_provided(ev, "complaints")
    assert per_thousand(ev, "complaints").reason == "no_log"
    ev = evidence(volume={"transactions": 500, "logs_kept": ["complaints"]})
    assert log_provided(ev, "complaints") and not log_provided(ev, "errors")
    r = per_thousand(ev, "complaints")
    assert (r.count, r.per_thousand, r.reason) == (0, 0.0, None)


# --- resolution ------------------------------------------------------------------------------

def test_complaint_stats_hand_computed():
    s = complaint_stats(complaints(*SIX), ComplaintSettings())
    assert (s.n, s.resolved, s.unresolved, s.resolved_timed, s.quick, s.resolved_slow) == (6, 5, 1, 4, 2, 3)
    assert s.resolution.value == pytest.approx(5 / 6)
    # quick share: 2 quick ÷ (1 unresolved + 4 resolved with a time); the untimed one is left out
    assert s.quick_share.value == pytest.approx(0.4) and s.quick_share.n == 5
    assert s.median_hours == 20 and s.mean_hours == pytest.approx(35.5)
    assert s.p90_hours == pytest.approx(79.0)  # 30 + 0.7 × (100 − 30)
    assert [(b.low, b.high, b.count) for b in s.bins] == [
        (0, 1, 0), (1, 4, 1), (4, 24, 1), (24, 72, 1), (72, 168, 1), (168, None, 0)]
    assert s.categories == [("queue", 2), (None, 2), ("price", 1), ("refund", 1)]  # by count, then name, blank last
    assert s.severities == {"high": 1, "medium": 5, "low": 0}
    assert s.outcomes == {"kept": 2, "lost": 1, "unknown": 3}
    assert [c.id for c in s.open] == ["C6"]


def test_quick_threshold_is_inclusive_and_configurable():
    rows = complaints({"resolved": True, "hours_to_resolve": 0}, {"resolved": True, "hours_to_resolve": 24},
                      {"resolved": True, "hours_to_resolve": 24.5})
    s = complaint_stats(rows, ComplaintSettings())
    assert s.quick == 2 and s.bins[0].count == 1 and s.bins[2].count == 1 and s.bins[3].count == 1
    s = complaint_stats(rows, ComplaintSettings(quick_hours=48, time_bins=[24]))
    assert s.quick == 3 and [b.count for b in s.bins] == [2, 1]


def test_empty_log_statistics():
    s = complaint_stats([], ComplaintSettings())
    assert s.n == 0 and s.resolution.value is None and s.quick_share.value is None
    assert s.median_hours is None and s.p90_hours is None and all(b.count == 0 for b in s.bins)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 1e4, allow_nan=False), min_size=1, max_size=40), st.sampled_from([0, .1, .5, .9, 1]))
def test_percentile_matches_numpy(values, q):
    values = sorted(values)
    assert percentile(values, q) == pytest.approx(float(np.percentile(values, 100 * q)), rel=1e-9, abs=1e-9)


# --- iceberg and customers at risk ----------------------------------------------------------------

def test_iceberg_uses_the_stated_ratio():
    ice = iceberg(4, ComplaintSettings(), customers=1000)
    assert (ice.dissatisfied, ice.silent, ice.serious_silent, ice.share_of_customers) == (100, 96, 24, 0.1)
    ice = iceberg(4, ComplaintSettings(iceberg_ratio=10, serious_ratio=2))
    assert (ice.dissatisfied, ice.silent, ice.serious_silent, ice.share_of_customers) == (40, 36, 8, None)


def test_customers_at_risk_hand_computed():
    cfg = ComplaintSettings()
    s = complaint_stats(complaints(*SIX), cfg)
    risk = customers_at_risk(s, iceberg(s.n, cfg), cfg)
    groups = {g.group: (g.customers, g.return_rate) for g in risk.groups}
    assert groups == {"silent": (144, .09), "unresolved": (1, .19), "resolved": (3, .54), "resolved_quickly": (2, .82)}
    # kept = 144×.09 + 1×.19 + 3×.54 + 2×.82
    assert risk.kept == pytest.approx(12.96 + 0.19 + 1.62 + 1.64)
    assert risk.customers == 150 and risk.lost == pytest.approx(150 - 16.41)
    assert risk.complainants_lost == pytest.approx(1 * .81 + 3 * .46 + 2 * .18)
    assert risk.saved_if_resolved_fast == pytest.approx(3 * (.82 - .54))
    assert risk.saved_if_all_fast == pytest.approx(3 * (.82 - .54) + 1 * (.82 - .19))
    assert risk.observed.value == pytest.approx(2 / 3) and risk.observed.n == 3


def test_return_rates_are_overridable():
    cfg = ComplaintSettings.model_validate({"return_rates": {"resolved": 0.6, "resolved_quickly": 0.9}})
    s = complaint_stats(complaints(*SIX), cfg)
    risk = customers_at_risk(s, iceberg(s.n, cfg), cfg)
    assert cfg.return_rates.silent == 0.09  # the rest keep the source's values
    assert risk.saved_if_resolved_fast == pytest.approx(3 * 0.3)


def test_no_complaints_means_nobody_at_risk():
    cfg = ComplaintSettings()
    s = complaint_stats([], cfg)
    risk = customers_at_risk(s, iceberg(0, cfg), cfg)
    assert risk.customers == 0 and risk.lost == 0 and risk.saved_if_all_fast == 0 and risk.observed.value is None


# --- six steps ------------------------------------------------------------------------------------

def test_six_steps_hand_computed():
    cases = [ComplaintHandling(case="K1", apologise="yes", explain="yes", empathise="yes", solve_quickly="yes",
                               commit="yes", thank="yes"),
             ComplaintHandling(case="K2", apologise="no", explain="partly", empathise="na", solve_quickly="yes",
                               commit="yes", thank="yes"),
             ComplaintHandling(case="K3", thank="no")]
    h = six_steps(cases, target=0.9)
    rates = {r.step: r.rate for r in h.steps}
    assert rates == pytest.approx({"apologise": .5, "explain": .75, "empathise": 1, "solve_quickly": 1, "commit": 1,
                                   "thank": 2 / 3})
    assert h.score == pytest.approx(100 * (.5 + .75 + 1 + 1 + 1 + 2 / 3) / 6)
    assert [r.step for r in h.missed] == ["apologise", "thank", "explain"]
    assert {r.step: (r.answered, r.no, r.partly) for r in h.steps}["explain"] == (2, 0, 1)


def test_six_steps_all_not_applicable():
    h = six_steps([ComplaintHandling(case="K1", **{s: "na" for s in
                                                   ("apologise", "explain", "empathise", "solve_quickly", "commit",
                                                    "thank")})], 0.9)
    assert h.score is None and h.missed == [] and all(r.rate is None for r in h.steps)


# --- loss reasons -------------------------------------------------------------------------------------

def test_loss_reasons_against_benchmark_and_wilson():
    rows = loss_reasons([LostCustomer(reason="indifference", count=6), LostCustomer(reason="product", count=1),
                         LostCustomer(reason="product"), LostCustomer(reason="other", count=2)],
                        ComplaintSettings().loss_benchmark)
    by = {r.reason: r for r in rows}
    assert list(by) == ["died", "moved", "taste", "referral", "competition", "product", "indifference", "other"]
    assert by["indifference"].share.value == pytest.approx(0.6) and by["indifference"].difference == pytest.approx(-8)
    assert by["product"].difference == pytest.approx(10) and by["other"].benchmark is None
    assert by["other"].difference is None and by["died"].count == 0
    # Wilson interval of 6/10, from its textbook formula with scipy's normal quantile
    z, n, p = norm.ppf(0.975), 10, 0.6
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert by["indifference"].share.low == pytest.approx(centre - half)
    assert by["indifference"].share.high == pytest.approx(centre + half)


# --- settings and the whole analysis ------------------------------------------------------------------

@pytest.mark.parametrize("bad, message", [
    ({"serious_ratio": 30}, "cannot exceed"),
    ({"time_bins": [4, 1]}, "strictly increasing"),
    ({"time_bins": []}, "at least one"),
    ({"loss_benchmark": {"indifference": 90, "product": 20}}, "more than 100%"),
    ({"return_rates": {"silent": 9}}, "less than or equal to 1"),
    ({"quick_hours": 0}, "greater than 0"),
])
def test_settings_refuse_impossible_values(bad, message):
    with pytest.raises(ValidationError, match=message):
        ComplaintSettings.model_validate(bad)


def test_analyse_without_evidence_has_nothing():
    a = analyse(Evidence(), ComplaintSettings())
    assert (a.stats, a.iceberg, a.at_risk, a.handling, a.losses) == (None, None, None, None, None)
    assert a.rate.reason == "no_log"


def test_analyse_with_lost_counts_all_zero_has_no_loss_table():
    a = analyse(evidence(lost_customers=[{"reason": "moved", "count": 0}]), ComplaintSettings())
    assert a.losses is None
