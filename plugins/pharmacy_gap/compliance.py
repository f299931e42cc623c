"""Compliance counts from delivery observations: per standard, per shift, per role.

Pure counting and the statistics on top of it, separate from the module's
wording so each rule can be tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from gapaudit.analysis import stats
from gapaudit.model.audit import Observation

COMPLIANCE_RULE = (
    "compliance rate = observations marked compliant ÷ applicable observations (compliant + partly + not "
    "compliant); 'not applicable' observations are left out; 'partly' counts as not compliant, because a "
    "standard is delivered only when it is delivered in full. Each observation row counts once."
)
WILSON_RULE = (
    "intervals of rates are {pct:.0%} Wilson score intervals; they treat observations as independent, and "
    "observations made on the same visit are not, so the true uncertainty is somewhat larger."
)
GROUP_RULE = (
    "per shift and per role: all applicable observations of the group pooled (ratio of sums), whatever the "
    "standard; observations without a shift or role are left out of that breakdown. To compare a group with the "
    "others fairly, only standards the others also delivered count, and the others' rate is standardised to the "
    "group's mix of standards: expected = Σ_s n_gs · (others' rate on s) ÷ Σ_s n_gs."
)


@dataclass
class Tally:
    """Counts of observation results for one standard or group."""

    compliant: int = 0
    partly: int = 0
    not_compliant: int = 0
    na: int = 0

    def add(self, result: str) -> None:
        if result == "yes":
            self.compliant += 1
        elif result == "partly":
            self.partly += 1
        elif result == "no":
            self.not_compliant += 1
        else:
            self.na += 1

    @property
    def applicable(self) -> int:
        return self.compliant + self.partly + self.not_compliant

    @property
    def failures(self) -> int:
        return self.partly + self.not_compliant

    def estimate(self, confidence: float) -> stats.Estimate:
        """The compliance rate with its Wilson interval (value None when nothing applicable)."""
        return stats.proportion(self.compliant, self.applicable, confidence)


@dataclass
class StandardTally:
    """One standard's counts overall and broken down by shift and by role."""

    total: Tally = field(default_factory=Tally)
    by_shift: dict[str, Tally] = field(default_factory=dict)
    by_role: dict[str, Tally] = field(default_factory=dict)


@dataclass
class Spread:
    """How far a standard's compliance differs between the shifts or roles that deliver it."""

    value: float
    by: str  # "shift" or "role"
    low_group: str
    low_rate: float
    high_group: str
    high_rate: float


def tally(observations: Iterable[Observation]) -> tuple[dict[str, StandardTally], dict[str, Tally], dict[str, Tally]]:
    """Counts per standard (in first-seen order), per shift and per role."""
    standards: dict[str, StandardTally] = {}
    shifts: dict[str, Tally] = {}
    roles: dict[str, Tally] = {}
    for obs in observations:
        st = standards.setdefault(obs.standard, StandardTally())
        st.total.add(obs.result)
        if obs.shift:
            st.by_shift.setdefault(obs.shift, Tally()).add(obs.result)
            shifts.setdefault(obs.shift, Tally()).add(obs.result)
        if obs.role:
            st.by_role.setdefault(obs.role, Tally()).add(obs.result)
            roles.setdefault(obs.role, Tally()).add(obs.result)
    return standards, shifts, roles


def spread(st: StandardTally, min_observations: int) -> Spread | None:
    """Largest difference in compliance rate between two shifts, or two roles, of one standard.

    Only groups with at least ``min_observations`` applicable observations
    count; None when no breakdown has two such groups. Shifts win ties.
    """
    best: Spread | None = None
    for by, groups in (("shift", st.by_shift), ("role", st.by_role)):
        rates = [(g, t.compliant / t.applicable) for g, t in groups.items() if t.applicable >= min_observations]
        if len(rates) < 2:
            continue
        low = min(rates, key=lambda gr: (gr[1], gr[0]))
        high = max(rates, key=lambda gr: (gr[1], gr[0]))
        value = high[1] - low[1]
        if best is None or value > best.value:
            best = Spread(value, by, low[0], low[1], high[0], high[1])
    return best


@dataclass(frozen=True)
class Comparison:
    """A group's counts on the standards the other groups also delivered, and what the others achieved there."""

    compliant: int
    applicable: int
    expected: float  # the others' rates, weighted by the group's observations per standard


def compare(standards: dict[str, StandardTally], kind: str, group: str) -> Comparison | None:
    """Compare one shift (``kind`` = "shift") or role with the others, standard by standard.

    None when no standard was delivered both by the group and by another group.
    """
    k = n = 0
    expected = 0.0
    for st in standards.values():
        groups = st.by_shift if kind == "shift" else st.by_role
        mine = groups.get(group)
        if mine is None or mine.applicable == 0:
            continue
        others_k = sum(t.compliant for g, t in groups.items() if g != group)
        others_n = sum(t.applicable for g, t in groups.items() if g != group)
        if others_n == 0:
            continue
        k += mine.compliant
        n += mine.applicable
        expected += mine.applicable * others_k / others_n
    if n == 0:
        return None
    return Comparison(k, n, expected / n)
