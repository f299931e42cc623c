"""Which charts a module section shows, chosen from the keys the module puts in ``data``.

A chart is drawn for every key listed in :data:`ADAPTERS` that a module's
``data`` holds, whichever module it comes from, so a plugin module gets the
same charts by using the same keys. Shapes are read leniently (a list of
rows or a mapping of id → row; a handful of synonyms for value and label
fields); a key whose value cannot be read is skipped, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from markupsafe import Markup

from gapaudit.model.result import ModuleResult
from gapaudit.render import charts
from gapaudit.render.i18n import fmt_num, fmt_pct, is_number, label as vocab_label, t

VALUE_KEYS = ("value", "gap", "mean", "rate", "score", "points", "estimate", "diff", "difference")
LABEL_KEYS = ("label", "title", "name", "text")
ID_KEYS = ("id", "dimension", "factor", "element", "corner", "standard", "item", "promise", "key", "bucket",
           "reason", "group", "shift", "role")


@dataclass
class Figure:
    """One chart with its caption and an optional note and legend table."""

    key: str
    title: str
    svg: Markup
    note: str = ""
    table: list[tuple[str, str]] = field(default_factory=list)  # (heading, text) rows under the chart


@dataclass
class Style:
    lang: str
    font: str
    palette: dict[str, str]
    uid: str

    def t(self, key: str, **fmt: Any) -> str:
        return t(key, self.lang, **fmt)


# --- lenient readers ------------------------------------------------------------

def rows_of(value: Any) -> list[dict[str, Any]]:
    """A list of row dicts from a list of dicts or an id → row (or id → number) mapping."""
    if isinstance(value, dict):
        if "rows" in value and isinstance(value["rows"], (list, dict)):
            return rows_of(value["rows"])
        out = []
        for key, row in value.items():
            if isinstance(row, dict):
                out.append({"id": key, **row})
            elif is_number(row) or row is None:
                out.append({"id": key, "value": row})
        return out
    if isinstance(value, list):
        return [r for r in value if isinstance(r, dict)]
    return []


def pick(row: dict[str, Any], keys: Iterable[str]) -> Any:
    for key in keys:
        if key in row and row[key] is not None:
            return row[key]
    return None


def number(row: dict[str, Any], keys: Iterable[str] = VALUE_KEYS) -> float | None:
    value = pick(row, keys)
    return float(value) if is_number(value) else None


def row_id(row: dict[str, Any]) -> str:
    value = pick(row, ID_KEYS)
    return "" if value is None else str(value)


def row_label(row: dict[str, Any], lang: str) -> str:
    """The row's own label, else the vocabulary label of its id (dimension, factor, ...), else the id."""
    text = pick(row, LABEL_KEYS)
    if isinstance(text, dict):
        text = text.get(lang) or text.get("en")
    if text:
        return str(text)
    rid = row_id(row)
    return vocab_label(rid, lang) if rid else "?"


def interval(row: dict[str, Any]) -> tuple[float | None, float | None]:
    lo = pick(row, ("ci_low", "low", "lo", "lower"))
    hi = pick(row, ("ci_high", "high", "hi", "upper"))
    ci = row.get("ci")
    if (lo is None or hi is None) and isinstance(ci, (list, tuple)) and len(ci) == 2:
        lo, hi = ci
    return (float(lo) if is_number(lo) else None, float(hi) if is_number(hi) else None)


def _as_percent(values: list[float | None]) -> bool:
    """Whether rates are 0–1 shares (then printed ×100)."""
    nums = [v for v in values if v is not None]
    return bool(nums) and max(nums) <= 1.0 + 1e-9


# --- adapters: data key → figure --------------------------------------------------

def _shortfall_tone(v: float | None, lo: float | None, hi: float | None) -> str:
    """Customer gap: below zero for sure (interval too) is bad, below zero is a warning, else good."""
    if v is None:
        return "muted"
    return "bad" if (hi if hi is not None else v) < 0 else "warn" if v < 0 else "good"


def _misjudged_tone(v: float | None, lo: float | None, hi: float | None) -> str:
    """Management's estimate: off in either direction for sure is bad, otherwise neutral."""
    if v is None:
        return "muted"
    if lo is not None and hi is not None:
        return "bad" if (hi < 0 or lo > 0) else "neutral"
    return "neutral"


def _gap_bars(key: str, value: Any, s: Style, title_key: str, note_key: str,
              tone_of: Callable[..., str] = _shortfall_tone) -> Figure | None:
    rows = rows_of(value)
    bars = []
    for row in rows:
        v = number(row)
        lo, hi = interval(row)
        n = row.get("n")
        label = row_label(row, s.lang) + (f" (n={n})" if isinstance(n, int) else "")
        bars.append(charts.Bar(label, v, lo, hi, tone_of(v, lo, hi)))
    if not any(b.value is not None for b in bars):
        return None
    svg = charts.bars(bars, title=s.t(title_key), font=s.font, palette=s.palette, uid=f"{s.uid}-{key}",
                      digits=2, sign=True)
    return Figure(key, s.t(title_key), svg, s.t(note_key))


def _customer_gaps(key: str, value: Any, s: Style) -> Figure | None:
    return _gap_bars(key, value, s, "chart_gap_dimension", "chart_gap_dimension_note")


def _expectation_gaps(key: str, value: Any, s: Style) -> Figure | None:
    return _gap_bars(key, value, s, "chart_expectation_dimension", "chart_expectation_dimension_note",
                     _misjudged_tone)


def _importance(key: str, value: Any, s: Style) -> Figure | None:
    rows = []
    for row in rows_of(value):
        a = number(row, ("customer", "customers", "customer_importance"))
        b = number(row, ("management", "manager", "management_importance"))
        rows.append((row_label(row, s.lang), a, b))
    if not any(a is not None or b is not None for _, a, b in rows):
        return None
    svg = charts.dumbbell(rows, title=s.t("chart_importance"), legend=(s.t("customers"), s.t("management")),
                          font=s.font, palette=s.palette, uid=f"{s.uid}-{key}")
    return Figure(key, s.t("chart_importance"), svg)


QUADRANTS = {
    # quadrant id → (position on the grid, marker shape, tone, label key)
    "concentrate": ("top_left", "triangle", "bad", "q_concentrate"),
    "keep_up": ("top_right", "circle", "good", "q_keep_up"),
    "low_priority": ("bottom_left", "ring", "neutral", "q_low_priority"),
    "overkill": ("bottom_right", "square", "neutral", "q_overkill"),
}
_QUADRANT_SYNONYMS = {"concentrate_here": "concentrate", "keep_up_the_good_work": "keep_up", "keep": "keep_up",
                      "possible_overkill": "overkill", "low": "low_priority"}


def _ipa(key: str, value: Any, s: Style) -> Figure | None:
    if not isinstance(value, (dict, list)):
        return None
    points_raw = value.get("points", value.get("items")) if isinstance(value, dict) else value
    cross = value.get("crosshair", value.get("crosshairs", {})) if isinstance(value, dict) else {}
    points, members = [], {q: [] for q in QUADRANTS}
    for row in rows_of(points_raw):
        x = number(row, ("performance", "perception", "x"))
        y = number(row, ("importance", "y"))
        if x is None or y is None:
            continue
        q = str(row.get("quadrant") or "")
        q = _QUADRANT_SYNONYMS.get(q, q)
        _, shape, tone, _ = QUADRANTS.get(q, ("", "circle", "neutral", ""))
        short = row_id(row) or row_label(row, s.lang)
        points.append(charts.Point(short, x, y, shape, tone))
        if q in members:
            members[q].append(f"{short} {row_label(row, s.lang)}" if row_label(row, s.lang) != short else short)
    if not points:
        return None
    xc = number(cross, ("performance", "x")) if isinstance(cross, dict) else None
    yc = number(cross, ("importance", "y")) if isinstance(cross, dict) else None
    xc = xc if xc is not None else sum(p.x for p in points) / len(points)
    yc = yc if yc is not None else sum(p.y for p in points) / len(points)
    labels = {pos: s.t(lk) for pos, _, _, lk in QUADRANTS.values()}
    svg = charts.quadrant(points, title=s.t("chart_ipa"), font=s.font, x_label=s.t("performance"),
                          y_label=s.t("importance"), x_cross=xc, y_cross=yc, quadrant_labels=labels,
                          palette=s.palette, uid=f"{s.uid}-{key}")
    rule = value.get("rule") if isinstance(value, dict) else None
    note = s.t("chart_ipa_note", rule=rule) if isinstance(rule, str) and rule else ""
    table = [(s.t(QUADRANTS[q][3]), "; ".join(items)) for q, items in members.items() if items]
    return Figure(key, s.t("chart_ipa"), svg, note, table)


def _rate_bars(key: str, value: Any, s: Style, title: str, note: str = "") -> Figure | None:
    rows = rows_of(value)
    vals = [number(r, ("rate", "compliance", "value", "share", "score")) for r in rows]
    ratio = _as_percent(vals + [v for r in rows for v in interval(r)])
    bars = []
    for row, v in zip(rows, vals):
        lo, hi = interval(row)
        k = 100.0 if ratio else 1.0
        n = pick(row, ("n", "applicable", "total"))
        label = row_label(row, s.lang) + (f" (n={n})" if isinstance(n, int) else "")
        pct = None if v is None else v * k
        tone = "muted" if pct is None else "good" if pct >= 90 else "warn" if pct >= 70 else "bad"
        bars.append(charts.Bar(label, pct, None if lo is None else lo * k, None if hi is None else hi * k, tone,
                               mark="★" if row.get("critical") else ""))
    if not any(b.value is not None for b in bars):
        return None
    svg = charts.bars(bars, title=title, font=s.font, palette=s.palette, uid=f"{s.uid}-{key}", domain=(0, 100),
                      unit="%", digits=0)
    return Figure(key, title, svg, note)


def _compliance(key: str, value: Any, s: Style) -> Figure | None:
    return _rate_bars(key, value, s, s.t("chart_compliance"), s.t("chart_compliance_note"))


def _compliance_by(what_en: str, what_zh: str) -> Callable[[str, Any, Style], Figure | None]:
    def adapter(key: str, value: Any, s: Style) -> Figure | None:
        what = what_zh if s.lang == "zh" else what_en
        return _rate_bars(key, value, s, s.t("chart_compliance_by", what=what))
    return adapter


def _promises(key: str, value: Any, s: Style) -> Figure | None:
    return _rate_bars(key, value, s, s.t("chart_promises"))


def _coverage(key: str, value: Any, s: Style) -> Figure | None:
    return _rate_bars(key, value, s, s.t("chart_coverage"))


def _factors(key: str, value: Any, s: Style) -> Figure | None:
    bars = []
    for row in rows_of(value):
        v = number(row, ("points", "contribution", "score", "value"))
        kind = str(row.get("kind") or row.get("type") or "")
        penalty = kind in ("penalty", "negative") or (v is not None and v < 0)
        if penalty and v is not None and v > 0:
            v = -v
        tone = "muted" if v is None else "bad" if penalty else "neutral"
        bars.append(charts.Bar(row_label(row, s.lang), v, *interval(row), tone=tone,
                               text=None if v is not None else t("no_data", s.lang)))
    if not any(b.value is not None for b in bars):
        return None
    title = s.t("chart_factors")
    svg = charts.bars(bars, title=title, font=s.font, palette=s.palette, uid=f"{s.uid}-{key}", digits=1, sign=True)
    return Figure(key, title, svg, s.t("chart_factors_note"))


def _triangle(key: str, value: Any, s: Style) -> Figure | None:
    if not isinstance(value, dict):
        return None
    corners_raw = value.get("corners", value)
    corners = []
    for corner in ("people", "hardware", "software"):
        entry = corners_raw.get(corner) if isinstance(corners_raw, dict) else None
        score = entry if is_number(entry) else number(entry, ("score", "value")) if isinstance(entry, dict) else None
        corners.append((vocab_label(corner, s.lang), score))
    if all(v is None for _, v in corners):
        return None
    title = s.t("chart_triangle")
    svg = charts.triangle(corners, title=title, font=s.font, no_data=t("no_data", s.lang), palette=s.palette,
                          uid=f"{s.uid}-{key}")
    elements = value.get("elements")
    table = []
    for row in rows_of(elements):
        v = number(row, ("score", "value"))
        table.append((row_label(row, s.lang), t("no_data", s.lang) if v is None else fmt_num(v, 0)))
    return Figure(key, title, svg, "", table)


def _distribution(key: str, value: Any, s: Style, title: str, note: str = "") -> Figure | None:
    cols = []
    for row in rows_of(value):
        v = number(row, ("count", "n", "value"))
        rid = row_id(row)
        tone = "bad" if rid in ("unresolved", "open") else "neutral"
        cols.append((row_label(row, s.lang), v, tone))
    if not cols or not any(v for _, v, _ in cols):
        return None
    svg = charts.columns(cols, title=title, font=s.font, palette=s.palette, uid=f"{s.uid}-{key}")
    return Figure(key, title, svg, note)


def _resolution(key: str, value: Any, s: Style) -> Figure | None:
    if isinstance(value, dict) and "buckets" in value:
        value = value["buckets"]
    return _distribution(key, value, s, s.t("chart_resolution"), s.t("chart_resolution_note"))


def _loss(key: str, value: Any, s: Style) -> Figure | None:
    return _distribution(key, value, s, s.t("chart_loss"))


Adapter = Callable[[str, Any, Style], "Figure | None"]

#: data key → chart; the order here is the order charts appear in a section
ADAPTERS: dict[str, Adapter] = {
    "dimension_gaps": _customer_gaps,
    "servqual_gaps": _customer_gaps,
    "customer_gaps": _customer_gaps,
    "expectation_gaps": _expectation_gaps,
    "management_gaps": _expectation_gaps,
    "importance_comparison": _importance,
    "importance": _importance,
    "ipa": _ipa,
    "coverage": _coverage,
    "compliance": _compliance,
    "compliance_by_standard": _compliance,
    "compliance_by_shift": _compliance_by("shift", "班次"),
    "compliance_by_role": _compliance_by("role", "岗位"),
    "promises": _promises,
    "factors": _factors,
    "triangle": _triangle,
    "complaint_resolution": _resolution,
    "resolution": _resolution,
    "lost_customers": _loss,
    "loss_reasons": _loss,
}


def module_figures(module: ModuleResult, *, lang: str, font: str, palette: dict[str, str], uid: str) -> list[Figure]:
    """The charts for one module's ``data``, in :data:`ADAPTERS` order; unreadable keys are skipped."""
    style = Style(lang, font, palette, uid)
    out = []
    for key, adapter in ADAPTERS.items():
        if key not in module.data:
            continue
        try:
            fig = adapter(key, module.data[key], style)
        except (TypeError, ValueError, KeyError, AttributeError, ZeroDivisionError):
            fig = None  # a shape we cannot read: no chart rather than a wrong one
        if fig is not None:
            out.append(fig)
    return out


def metric_text(value: Any, unit: str) -> str:
    """A metric's value with its unit, formatted for print."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if unit in ("%", "percent"):
        return fmt_pct(value, 1)
    digits = 0 if isinstance(value, int) else (1 if unit in ("points", "pts", "score", "/100") else 2)
    text = fmt_num(value, digits)
    return f"{text} {unit}" if unit else text
