"""The zone of tolerance (Parasuraman, Zeithaml & Berry 1994, *J. Retailing* 70(3)).

In the three-column format a customer rates, per item, the *adequate*
(minimum acceptable) service A, the *desired* service D and the perceived
service P. The zone of tolerance is [A, D]. Two gaps measure where service
lies in it: the measure of service adequacy MSA = P − A (below 0: service is
below what customers accept, and they start to defect) and the measure of
service superiority MSS = P − D (above 0: service beats what they hope for).

Pure standard library, like :mod:`gapaudit.analysis.stats`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

from gapaudit.analysis import stats

Values = Sequence[float | None]  # one value per respondent, None = missing
Position = Literal["below", "inside", "above"]

POSITION_RULE = (
    "Position of an item or dimension: 'below the zone' when MSA = P − A is below 0 (perception under the adequate "
    "level), 'above the zone' when MSS = P − D is above 0 (perception over the desired level), 'inside' otherwise; "
    "'clearly' when the interval of that gap lies entirely on the same side of 0."
)
POSITION_RULE_ZH = (
    "题项或维度的位置：MSA = P − A 小于 0（感知低于可接受水平）为“低于容忍区”，MSS = P − D 大于 0（感知高于理想水平）为"
    "“高于容忍区”，否则为“容忍区内”；若该差距的区间整体位于 0 的同一侧，则为“明确”。"
)


def paired(a: Values, b: Values) -> list[float | None]:
    """b − a per respondent (None where either is missing)."""
    if len(a) != len(b):
        raise ValueError(f"paired: sequences differ in length ({len(a)} vs {len(b)})")
    return [None if x is None or y is None else y - x for x, y in zip(a, b)]


@dataclass(frozen=True)
class Zone:
    """Where perceived service lies against the zone of tolerance, for one item or dimension."""

    adequate: stats.Estimate
    desired: stats.Estimate
    perception: stats.Estimate
    msa: stats.Estimate  # P − A, paired over respondents with both
    mss: stats.Estimate  # P − D
    width: stats.Estimate  # D − A: how wide the zone is
    below_share: stats.Estimate  # share of respondents whose own P is below their own A (Wilson interval)
    above_share: stats.Estimate  # share whose own P is above their own D
    inverted: int  # respondents who rated desired below adequate (an illogical answer pair)

    @property
    def position(self) -> Position | None:
        """below / inside / above (rule: :data:`POSITION_RULE`); None without both gaps."""
        if self.msa.value is None or self.mss.value is None:
            return None
        if self.msa.value < 0:
            return "below"
        if self.mss.value > 0:
            return "above"
        return "inside"

    @property
    def clear(self) -> bool:
        """True when the interval of the gap that sets the position lies on the same side of 0."""
        pos = self.position
        if pos == "below":
            return self.msa.high is not None and self.msa.high < 0
        if pos == "above":
            return self.mss.low is not None and self.mss.low > 0
        if pos == "inside":
            return (self.msa.low is not None and self.msa.low >= 0 and self.mss.high is not None
                    and self.mss.high <= 0)
        return False


def zone_of(adequate: Values, desired: Values, perception: Values, confidence: float = 0.95, *,
            msa: Values | None = None, mss: Values | None = None) -> Zone:
    """The zone of one item from each respondent's A, D and P.

    For a dimension pass each respondent's dimension means as A, D, P and
    their mean per-item gaps as ``msa`` / ``mss`` (so a gap is always averaged
    over the items the respondent answered on both sides).
    """
    msa_v = paired(adequate, perception) if msa is None else list(msa)
    mss_v = paired(desired, perception) if mss is None else list(mss)
    width = paired(adequate, desired)
    below = [v < 0 for v in msa_v if v is not None]
    above = [v > 0 for v in mss_v if v is not None]
    return Zone(
        adequate=stats.mean_ci(adequate, confidence), desired=stats.mean_ci(desired, confidence),
        perception=stats.mean_ci(perception, confidence), msa=stats.mean_ci(msa_v, confidence),
        mss=stats.mean_ci(mss_v, confidence), width=stats.mean_ci(width, confidence),
        below_share=stats.proportion(sum(below), len(below), confidence),
        above_share=stats.proportion(sum(above), len(above), confidence),
        inverted=sum(1 for w in width if w is not None and w < 0))
