"""Reliability and structure of a questionnaire you can read item by item.

Per dimension: each item's corrected item-total (item-rest) correlation and
Cronbach's alpha if the item were deleted, so a reader sees which item
hurts the scale. Across dimensions: each item's correlation with every
dimension's score (multitrait scaling analysis, as in Ware & Gandek 1998:
an item should correlate more with its own dimension, corrected for
overlap, than with any other). Pure standard library.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, Sequence

from gapaudit.analysis import stats

Values = Sequence[float | None]  # one value per respondent, None = missing
Verdict = Literal["fits", "probable_misfit", "misfit"]

#: MacCallum, Widaman, Zhang & Hong (1999): no fixed minimum n; what n supports depends on how strongly
#: the items are related (their communalities). The tiers below paraphrase their simulation results.
STRUCTURE_TIERS = ((60, "high"), (100, "moderate"), (300, "low"))


@dataclass(frozen=True)
class ItemFit:
    """One item of a scale: its item-rest correlation and the scale's alpha without it."""

    item: str
    item_rest: float | None
    alpha_if_deleted: float | None


@dataclass(frozen=True)
class ScaleItems:
    """Cronbach's alpha of a scale (listwise) and each item's fit, over the same respondents."""

    alpha: stats.AlphaResult
    items: list[ItemFit]


def item_analysis(columns: dict[str, Values], confidence: float = 0.95) -> ScaleItems:
    """Alpha, item-rest correlations and alpha-if-item-deleted of the items in ``columns``.

    Only respondents who answered every item count (listwise, as for the
    scale's alpha). item-rest r = Pearson r of the item with the sum of the
    other items; alpha if deleted = alpha of the other k − 1 items (None when
    fewer than two would remain).
    """
    ids = list(columns)
    n_all = len(next(iter(columns.values()), []))
    rows = [[columns[i][r] for i in ids] for r in range(n_all)]
    alpha = stats.cronbach_alpha(rows, confidence)
    complete = [row for row in rows if all(v is not None for v in row)]
    fits = []
    for j, item in enumerate(ids):
        if len(ids) < 2 or len(complete) < 2:
            fits.append(ItemFit(item, None, None))
            continue
        own = [row[j] for row in complete]
        rest = [math.fsum(v for k, v in enumerate(row) if k != j) for row in complete]
        r, _ = stats.pearson(own, rest)
        deleted = None
        if len(ids) >= 3:
            deleted = stats.cronbach_alpha([[v for k, v in enumerate(row) if k != j] for row in complete],
                                           confidence).alpha
        fits.append(ItemFit(item, r, deleted))
    return ScaleItems(alpha, fits)


def dimension_score(per_item: dict[str, Values], items: Sequence[str], n: int,
                    leave_out: str | None = None) -> list[float | None]:
    """Each respondent's mean over the dimension's items they answered, optionally leaving one item out."""
    use = [i for i in items if i != leave_out]
    out: list[float | None] = []
    for r in range(n):
        answered = [v for i in use if (v := per_item[i][r]) is not None]
        out.append(math.fsum(answered) / len(answered) if answered else None)
    return out


@dataclass(frozen=True)
class ItemPlacement:
    """An item's correlation with its own dimension (item left out of it) and with every other dimension."""

    item: str
    dimension: str
    correlations: dict[str, tuple[float | None, int]]  # dimension → (r, n)
    verdict: Verdict | None

    @property
    def own(self) -> float | None:
        return self.correlations[self.dimension][0]

    @property
    def closest_other(self) -> tuple[str, float] | None:
        """The other dimension it correlates with most, with that r."""
        others = [(d, r) for d, (r, _) in self.correlations.items() if d != self.dimension and r is not None]
        return max(others, key=lambda dr: dr[1]) if others else None


def item_placements(per_item: dict[str, Values], dims: dict[str, list[str]]) -> list[ItemPlacement]:
    """Multitrait scaling check of every item against every dimension.

    Dimension score = a respondent's mean of the dimension's items answered
    (the item itself left out of its own dimension); r over the respondents
    with both. Verdict: ``fits`` when r with its own dimension is at least r
    with every other; ``misfit`` when another dimension's r exceeds it by more
    than two standard errors (2 / √n); ``probable_misfit`` in between. None
    when the own r cannot be computed (a one-item dimension).
    """
    n = len(next(iter(per_item.values()), []))
    scores = {d: dimension_score(per_item, ids, n) for d, ids in dims.items()}
    out = []
    for dim, ids in dims.items():
        for item in ids:
            corr = {}
            for d in dims:
                score = dimension_score(per_item, ids, n, leave_out=item) if d == dim else scores[d]
                corr[d] = stats.pearson(per_item[item], score)
            own, n_own = corr[dim]
            verdict: Verdict | None = None
            if own is not None:
                others = [(r, m) for d, (r, m) in corr.items() if d != dim and r is not None]
                worst = max(others, default=None)
                if worst is None or own >= worst[0]:
                    verdict = "fits"
                else:
                    se = 1 / math.sqrt(max(min(n_own, worst[1]), 1))
                    verdict = "misfit" if worst[0] - own > 2 * se else "probable_misfit"
            out.append(ItemPlacement(item, dim, corr, verdict))
    return out


def structure_support(n: int) -> str | None:
    """What n supports for item structure (MacCallum et al. 1999): the weakest communality level it suffices for.

    ``high`` (n ≥ 60: only items that are strongly related, communalities about 0.6 or more),
    ``moderate`` (n ≥ 100: communalities about 0.5), ``low`` (n ≥ 300: holds even for weakly related
    items); None below 60.
    """
    level = None
    for need, what in STRUCTURE_TIERS:
        if n >= need:
            level = what
    return level
