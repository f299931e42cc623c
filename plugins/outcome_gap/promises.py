"""Promise keeping (SERVQUAL Gap 4): how often each external promise was kept."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

from gapaudit.analysis import stats
from gapaudit.model.audit import Promise, PromiseCheck

Status = Literal["kept", "possible_over_promise", "over_promise", "unverified"]


@dataclass(frozen=True)
class PromiseRecord:
    """One promise with its fulfilment counts, rate and status against the target."""

    promise: Promise
    kept: int
    total: int
    source: Literal["checks", "summary", "none"]
    estimate: stats.Estimate
    status: Status
    both_given: bool  # the promise had kept/total and individual checks (the checks were used)


def promise_records(promises: Sequence[Promise], checks: Sequence[PromiseCheck], target: float,
                    confidence: float = 0.95) -> list[PromiseRecord]:
    """Counts per promise: its individual checks where there are any, else its own kept/total.

    Status: ``kept`` when the rate reaches ``target``; ``over_promise`` when
    even the upper end of the Wilson interval is below it;
    ``possible_over_promise`` otherwise below target; ``unverified`` when the
    promise was never checked.
    """
    counted: dict[str, list[int]] = {}
    for c in checks:
        tally = counted.setdefault(c.promise, [0, 0])
        tally[0] += int(c.kept)
        tally[1] += 1
    out = []
    for p in promises:
        if p.id in counted:
            kept, total = counted[p.id]
            source = "checks"
        elif p.total:
            kept, total, source = p.kept or 0, p.total, "summary"
        else:
            kept, total, source = 0, 0, "none"
        est = stats.proportion(kept, total, confidence)
        if total == 0:
            status: Status = "unverified"
        elif est.value >= target:  # type: ignore[operator]
            status = "kept"
        elif est.high < target:  # type: ignore[operator]
            status = "over_promise"
        else:
            status = "possible_over_promise"
        out.append(PromiseRecord(p, kept, total, source, est, status,
                                 both_given=p.id in counted and p.total is not None))
    return out
