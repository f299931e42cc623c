"""Small hand-written SVG charts for the report.

Each function returns one ``<svg>`` element as :class:`Markup`; every piece
of text in it is escaped. Charts are built to survive black-and-white
printing: status is carried by patterns (hatching, dots), marker shapes and
printed values and words, never by colour alone. Sizes are CSS pixels
(640 px wide is the text width of an A4 page with 20 mm margins).
"""

from __future__ import annotations

import base64
import math
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from markupsafe import Markup, escape

from gapaudit.render.i18n import fmt_num

WIDTH = 640
FONT_SIZE = 11

#: default colours; a theme may override any of them (CSS colour values)
PALETTE = {
    "good": "#2e7d5b",
    "warn": "#d89a1c",
    "bad": "#c0392b",
    "neutral": "#4a6fa5",
    "muted": "#9aa5b1",
    "ink": "#1f2933",
    "grid": "#d5dbe1",
    "paper": "#ffffff",
}

TONES = ("good", "warn", "bad", "neutral", "muted")


@dataclass
class Bar:
    """One row of a horizontal bar chart."""

    label: str
    value: float | None
    lo: float | None = None
    hi: float | None = None
    tone: str = "neutral"
    text: str | None = None  # printed at the bar's end instead of the value
    mark: str = ""  # short marker after the label, e.g. "★"
    suffix: str = ""  # kept when a long label is shortened, e.g. " (n=30)"

    def full_label(self) -> str:
        return self.label + self.suffix + (" " + self.mark if self.mark else "")


@dataclass
class Point:
    """One point of a scatter chart."""

    label: str
    x: float
    y: float
    shape: str = "circle"  # circle, ring, triangle, square
    tone: str = "neutral"


#: drawing layers, bottom to top: shapes of one layer and one style are drawn as one path
GRID, FILL, LINE, MARK = range(4)


@dataclass
class Column:
    """A text on every row at the same x (a chart's row labels, or values in a column).

    In the SVG they are ordinary texts; in the PDF (:func:`as_image`) the column is set as one block of lines
    over the chart image, because WeasyPrint lays out SVG text one letter at a time.
    """

    x: float  # the texts' anchor: their right edge ("end") or left edge ("start")
    anchor: str
    top: float  # the top of the first row
    row_h: float
    baseline: float  # below a row's top
    rows: dict[int, tuple[str, bool]] = field(default_factory=dict)  # row -> (text, bold)

    def set(self, row: int, text: str, bold: bool = False) -> None:
        self.rows[row] = (text, bold)

    def svg(self) -> str:
        texts = "".join(_text(self.x, self.top + i * self.row_h + self.baseline, text, self.anchor,
                              weight="bold" if bold else "") for i, (text, bold) in sorted(self.rows.items()))
        return (f'<g class="column" data-x="{_n(self.x)}" data-anchor="{self.anchor}" data-top="{_n(self.top)}" '
                f'data-row="{_n(self.row_h)}" data-baseline="{_n(self.baseline)}">{texts}</g>')

    def html(self, chart_width: float, ink: str) -> str:
        """The column as one block of lines over the chart image, at the place and size it has in the SVG."""
        lines = [""] * (max(self.rows, default=-1) + 1)
        for row, (text, bold) in self.rows.items():
            lines[row] = f"<b>{escape(text)}</b>" if bold else str(escape(text))
        x = _n(self.x)
        side = (f"left: 0; width: {x}px; text-align: right" if self.anchor == "end"
                else f"left: {x}px; width: {_n(float(_n(chart_width)) - float(x))}px")
        return (f'<div class="chart-column" style="top: {_n(self.top)}px; {side}; line-height: {_n(self.row_h)}px; '
                f'font-size: {FONT_SIZE}px; color: {ink}">{chr(10).join(lines)}</div>')


@dataclass
class Chart:
    """An SVG being assembled: size, shapes grouped by layer and style, texts.

    Shapes of the same layer and style (every grid line, every hatched bar, every whisker) become one
    ``<path>`` of several sub-paths, so a chart has a handful of elements whatever its rows; WeasyPrint
    draws each element, and each use of a pattern, on its own. Texts come last, above every shape.
    """

    width: float
    height: float
    font: str
    palette: dict[str, str]
    uid: str
    shapes: dict[tuple[int, str], list[str]] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)
    patterns: set[str] = field(default_factory=set)
    columns: list[Column] = field(default_factory=list)

    def column(self, x: float, anchor: str, top: float, row_h: float, baseline: float) -> Column:
        """A new column of row texts (see :class:`Column`)."""
        self.columns.append(Column(x, anchor, top, row_h, baseline))
        return self.columns[-1]

    def shape(self, layer: int, d: str, **style: str | float) -> None:
        """Add path data ``d`` to the path of this layer and style (SVG presentation attributes, ``_`` for ``-``)."""
        attrs = "".join(f' {k.replace("_", "-")}="{v if isinstance(v, str) else _n(v)}"'
                        for k, v in style.items())
        self.shapes.setdefault((layer, attrs), []).append(d)

    def rect(self, layer: int, x: float, y: float, w: float, h: float, **style: str | float) -> None:
        self.shape(layer, _rect(x, y, w, h), **style)

    def line(self, layer: int, x1: float, y1: float, x2: float, y2: float, **style: str | float) -> None:
        self.shape(layer, f"M{_n(x1)} {_n(y1)}L{_n(x2)} {_n(y2)}", **style)

    def add(self, text: str) -> None:
        """A text element (or any element drawn above the shapes)."""
        self.texts.append(text)

    def svg(self, title: str) -> "ChartSvg":
        """The chart's SVG, still knowing its chart (for :func:`as_image`)."""
        svg = ChartSvg(self._svg_text(title, with_columns=True))
        svg.chart, svg.title = self, title
        return svg

    def _svg_text(self, title: str, with_columns: bool) -> str:
        p = self.palette
        shapes = "".join(f'<path d="{"".join(ds)}"{attrs}/>'
                         for (_, attrs), ds in sorted(self.shapes.items(), key=lambda kv: kv[0][0]))
        columns = "".join(col.svg() for col in self.columns) if with_columns else ""
        return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {_n(self.width)} '
                f'{_n(self.height)}" width="{_n(self.width)}" height="{_n(self.height)}" role="img" '
                f'font-family="{escape(str(self.font))}" font-size="{FONT_SIZE}" fill="{p["ink"]}">'
                f'<title>{escape(title)}</title>{self._defs()}{shapes}{"".join(self.texts)}{columns}</svg>')

    def _defs(self) -> str:
        """The fill patterns this chart uses (none defined that it does not)."""
        p = self.palette
        patterns = {
            "hatch-bad": f'patternTransform="rotate(45)" width="6" height="6"><rect width="6" height="6" '
                         f'fill="{p["bad"]}"/><rect width="2.2" height="6" fill="{p["paper"]}" opacity="0.85"/>',
            "dots-warn": f'width="5" height="5"><rect width="5" height="5" fill="{p["warn"]}"/>'
                         f'<circle cx="2.5" cy="2.5" r="1.1" fill="{p["ink"]}" opacity="0.7"/>',
            "hatch-muted": f'patternTransform="rotate(-45)" width="6" height="6"><rect width="6" height="6" '
                           f'fill="{p["paper"]}"/><rect width="1.5" height="6" fill="{p["muted"]}"/>',
        }
        used = [f'<pattern id="{self.uid}-{name}" patternUnits="userSpaceOnUse" {body}</pattern>'
                for name, body in patterns.items() if name in self.patterns]
        return f"<defs>{''.join(used)}</defs>" if used else ""

    def fill(self, tone: str) -> str:
        """Fill for a tone: patterns for bad/warn/muted so greyscale print still tells them apart."""
        name = {"bad": "hatch-bad", "warn": "dots-warn", "muted": "hatch-muted"}.get(tone)
        if name is None:
            return self.palette.get(tone, self.palette["neutral"])
        self.patterns.add(name)
        return f"url(#{self.uid}-{name})"


class ChartSvg(Markup):
    """A chart's SVG markup that keeps the :class:`Chart` it was drawn from and its title."""

    chart: Chart
    title: str


def as_image(svg: Markup | None) -> Markup | None:
    """A chart for the PDF: an ``<img>`` of its SVG (a ``data:`` URL, its title the alternative text) under
    its columns of row texts set as blocks of lines.

    WeasyPrint then reads the SVG once, as an image, instead of styling every element of it as part of the
    document (a third of a chart's cost), and sets each column of labels as one block instead of laying out
    SVG text one letter at a time (most of the rest). Same place, font, size and colour as in the SVG.
    """
    chart: Chart | None = getattr(svg, "chart", None)
    if chart is None:  # no chart, or not one of ours: leave it as it is
        return svg
    width, height = _n(chart.width), _n(chart.height)
    blocks = [col.html(chart.width, chart.palette["ink"]) for col in chart.columns]
    image = chart._svg_text(svg.title, with_columns=False)
    data = base64.b64encode(image.encode("utf-8")).decode("ascii")
    img = (f'<img class="chart" src="data:image/svg+xml;base64,{data}" width="{width}" height="{height}" '
           f'alt="{escape(svg.title)}">')
    if not blocks:
        return Markup(img)
    return Markup(f'<div class="chart-box" style="width: {width}px">{img}{"".join(blocks)}</div>')


def _rect(x: float, y: float, w: float, h: float) -> str:
    """Path data of a rectangle."""
    return f"M{_n(x)} {_n(y)}h{_n(w)}v{_n(h)}h{_n(-w)}Z"


def _round_rect(x: float, y: float, w: float, h: float, r: float) -> str:
    """Path data of a rectangle with rounded corners of radius ``r``."""
    arc = f"a{_n(r)} {_n(r)} 0 0 1"
    return (f"M{_n(x + r)} {_n(y)}h{_n(w - 2 * r)}{arc} {_n(r)} {_n(r)}v{_n(h - 2 * r)}{arc} {_n(-r)} {_n(r)}"
            f"h{_n(2 * r - w)}{arc} {_n(-r)} {_n(-r)}v{_n(2 * r - h)}{arc} {_n(r)} {_n(-r)}Z")


def _circle(cx: float, cy: float, r: float) -> str:
    """Path data of a circle (two arcs)."""
    return f"M{_n(cx - r)} {_n(cy)}a{_n(r)} {_n(r)} 0 1 0 {_n(2 * r)} 0a{_n(r)} {_n(r)} 0 1 0 {_n(-2 * r)} 0Z"


def _n(value: float) -> str:
    """A coordinate: at most two decimals, no trailing zeros (keeps the SVG small and stable)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """Approximate rendered width: wide (CJK) characters are one em, others about 0.56 em."""
    return sum(size * (1.0 if unicodedata.east_asian_width(c) in "WF" else 0.56) for c in text)


def fit(text: str, width: float, size: float = FONT_SIZE) -> str:
    """``text`` shortened with an ellipsis to fit ``width``."""
    text = " ".join(str(text).split())
    if text_width(text, size) <= width:
        return text
    out = ""
    for ch in text:
        if text_width(out + ch + "…", size) > width:
            break
        out += ch
    return out.rstrip() + "…"


def _text(x: float, y: float, text: str, anchor: str = "start", size: float | None = None, weight: str = "",
          fill: str = "") -> str:
    attrs = f'x="{_n(x)}" y="{_n(y)}"'
    if anchor != "start":
        attrs += f' text-anchor="{anchor}"'
    if size:
        attrs += f' font-size="{_n(size)}"'
    if weight:
        attrs += f' font-weight="{weight}"'
    if fill:
        attrs += f' fill="{fill}"'
    return f"<text {attrs}>{escape(text)}</text>"


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi] (1, 2, 2.5 or 5 times a power of ten apart)."""
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.floor(lo / step + 1e-9) * step
    ticks = []
    v = start
    while v <= hi + step * 1e-6 + step:
        ticks.append(round(v, 10))
        if v >= hi - 1e-9:
            break
        v += step
    return ticks


def _domain(values: Iterable[float | None], include: Sequence[float] = (0,), pad: float = 0.0) -> tuple[float, float]:
    nums = [v for v in values if v is not None] + list(include)
    lo, hi = min(nums), max(nums)
    if hi == lo:
        hi = lo + 1
    span = hi - lo
    return lo - span * pad, hi + span * pad


def bars(rows: Sequence[Bar], *, title: str, font: str, palette: dict[str, str] | None = None, uid: str = "c",
         domain: tuple[float, float] | None = None, unit: str = "", digits: int = 2,
         label_width: float | None = None, zero: float = 0.0, sign: bool = False,
         reference: tuple[float, str] | Sequence[tuple[float, str]] | None = None) -> Markup:
    """Horizontal bars from ``zero`` to each value, with optional interval whiskers and value labels.

    Rows without a value show "—" and no bar. Negative bars extend left of
    the zero line, so gaps (P − E) and penalties read as shortfalls.
    ``reference`` draws a dashed line at a value (a target) with its label;
    a list of them draws several.
    """
    refs = [] if reference is None else [reference] if isinstance(reference[0], (int, float)) else list(reference)
    pal = {**PALETTE, **(palette or {})}
    if label_width is None:  # as wide as the longest label needs, within limits
        label_width = min(max([text_width(r.full_label()) for r in rows] + [80.0]) + 6, 250.0)
    row_h, top, bottom = 22, (22 if reference else 8), 26
    lo, hi = domain or _domain([v for r in rows for v in (r.value, r.lo, r.hi)], include=(zero,))
    ticks = nice_ticks(lo, hi)
    lo, hi = min(lo, ticks[0]), max(hi, ticks[-1])
    value_room = 58
    x0, x1 = label_width + 8, WIDTH - value_room
    scale = (x1 - x0) / (hi - lo)

    def X(v: float) -> float:
        return x0 + (v - lo) * scale

    height = top + row_h * max(len(rows), 1) + bottom
    c = Chart(WIDTH, height, font, pal, uid)
    grid_bottom = top + row_h * len(rows)
    _grid_x(c, [X(tv) for tv in ticks], top - 2, grid_bottom)
    for tv in ticks:
        c.add(_text(X(tv), grid_bottom + 14, fmt_num(tv, _tick_digits(ticks)) + unit, "middle", 9.5))
    labels = c.column(label_width, "end", top, row_h, 15)
    for i, row in enumerate(rows):
        y = top + i * row_h
        tail = row.suffix + (" " + row.mark if row.mark else "")
        labels.set(i, fit(row.label, label_width - text_width(tail)) + tail)
        if row.value is None:
            c.add(_text(X(zero) + 4, y + 15, row.text or "—", fill=pal["muted"]))
            continue
        a, b = sorted((X(zero), X(row.value)))
        c.rect(FILL, a, y + 4, max(b - a, 0.8), row_h - 8, fill=c.fill(row.tone), stroke=pal["ink"],
               stroke_width=0.5)
        if row.lo is not None and row.hi is not None:
            _whisker(c, X(max(row.lo, lo)), X(min(row.hi, hi)), y + row_h / 2, 5, 1.2)
        label_text = row.text or (fmt_num(row.value, digits, sign=sign) + unit)
        end = max(X(row.value), X(zero), X(min(row.hi, hi)) if row.hi is not None else X(zero))
        c.add(_text(min(end + 5, WIDTH - value_room + 5), y + 15, label_text, weight="bold"))
    c.line(LINE, X(zero), top - 4, X(zero), grid_bottom + 2, stroke=pal["ink"], stroke_width=1.2)
    for at, text in refs:
        if not lo <= at <= hi:
            continue
        xr = X(at)
        c.line(LINE, xr, top - 8, xr, grid_bottom + 2, stroke=pal["ink"], stroke_width=1.3,
               stroke_dasharray="5 3")
        c.add(_text(xr, top - 11, text, "middle", 9.5, "bold"))
    return c.svg(title)


def _grid_x(c: Chart, xs: Iterable[float], y1: float, y2: float) -> None:
    """Vertical grid lines at ``xs`` (one path)."""
    for x in xs:
        c.line(GRID, x, y1, x, y2, stroke=c.palette["grid"], stroke_width=0.8, fill="none")


def _whisker(c: Chart, lo: float, hi: float, y: float, half: float, width: float) -> None:
    """An interval whisker from ``lo`` to ``hi`` at ``y`` with end ticks ``half`` high."""
    c.shape(LINE, f"M{_n(lo)} {_n(y)}H{_n(hi)}M{_n(lo)} {_n(y - half)}V{_n(y + half)}M{_n(hi)} {_n(y - half)}"
                  f"V{_n(y + half)}", stroke=c.palette["ink"], stroke_width=width, fill="none")


def _tick_digits(ticks: Sequence[float]) -> int:
    """The fewest decimals that print every tick exactly (0.25 needs 2, 0.5 needs 1)."""
    for digits in range(4):
        if all(abs(round(tv, digits) - tv) < 1e-9 for tv in ticks):
            return digits
    return 4


def dumbbell(rows: Sequence[tuple[str, float | None, float | None]], *, title: str, legend: tuple[str, str],
             font: str, palette: dict[str, str] | None = None, uid: str = "c",
             domain: tuple[float, float] | None = None, digits: int = 1, label_width: float = 200) -> Markup:
    """Two values per row joined by a line: a filled circle (first) and a hollow diamond (second)."""
    pal = {**PALETTE, **(palette or {})}
    row_h, top, bottom = 20, 26, 24
    lo, hi = domain or _domain([v for _, a, b in rows for v in (a, b)], include=())
    ticks = nice_ticks(lo, hi)
    lo, hi = min(lo, ticks[0]), max(hi, ticks[-1])
    x0, x1 = label_width + 8, WIDTH - 20
    scale = (x1 - x0) / (hi - lo)

    def X(v: float) -> float:
        return x0 + (v - lo) * scale

    height = top + row_h * max(len(rows), 1) + bottom
    c = Chart(WIDTH, height, font, pal, uid)
    grid_bottom = top + row_h * len(rows)
    dot = {"fill": pal["neutral"], "stroke": pal["ink"], "stroke_width": 0.6}
    diamond = {"fill": pal["paper"], "stroke": pal["ink"], "stroke_width": 1.4}
    # legend
    c.shape(MARK, _circle(x0 + 6, 10, 5), **dot)
    c.add(_text(x0 + 16, 14, legend[0]))
    lx = x0 + 34 + text_width(legend[0])
    c.shape(MARK, _diamond(lx, 10, 5.5), **diamond)
    c.add(_text(lx + 10, 14, legend[1]))
    _grid_x(c, [X(tv) for tv in ticks], top - 2, grid_bottom)
    for tv in ticks:
        c.add(_text(X(tv), grid_bottom + 14, fmt_num(tv, _tick_digits(ticks)), "middle", 9.5))
    labels = c.column(label_width, "end", top, row_h, row_h / 2 + 4)
    for i, (label, a, b) in enumerate(rows):
        y = top + i * row_h + row_h / 2
        labels.set(i, fit(label, label_width))
        if a is not None and b is not None:
            c.line(LINE, X(a), y, X(b), y, stroke=pal["ink"], stroke_width=1.5)
        if a is not None:
            c.shape(MARK, _circle(X(a), y, 5), **dot)
        if b is not None:
            c.shape(MARK, _diamond(X(b), y, 5.5), **diamond)
        if a is None and b is None:
            c.add(_text(x0, y + 4, "—", fill=pal["muted"]))
    return c.svg(title)


def _diamond(x: float, y: float, r: float) -> str:
    return f"M{_n(x)} {_n(y - r)}L{_n(x + r)} {_n(y)}L{_n(x)} {_n(y + r)}L{_n(x - r)} {_n(y)}Z"


def _marker(c: Chart, shape: str, x: float, y: float, tone_fill: str, r: float = 5) -> None:
    """A point marker: triangle and circle filled with the tone, square and ring open (paper)."""
    ink, paper = c.palette["ink"], c.palette["paper"]
    if shape == "triangle":
        c.shape(MARK, f"M{_n(x)} {_n(y - r * 1.2)}L{_n(x + r * 1.1)} {_n(y + r * 0.8)}L{_n(x - r * 1.1)} "
                      f"{_n(y + r * 0.8)}Z", fill=tone_fill, stroke=ink, stroke_width=0.8)
    elif shape == "square":
        c.rect(MARK, x - r, y - r, 2 * r, 2 * r, fill=paper, stroke=ink, stroke_width=1.4)
    elif shape == "ring":
        c.shape(MARK, _circle(x, y, r), fill=paper, stroke=ink, stroke_width=1.4)
    else:
        c.shape(MARK, _circle(x, y, r), fill=tone_fill, stroke=ink, stroke_width=0.8)


def quadrant(points: Sequence[Point], *, title: str, font: str, x_label: str, y_label: str,
             x_cross: float, y_cross: float, quadrant_labels: dict[str, str],
             palette: dict[str, str] | None = None, uid: str = "c",
             x_domain: tuple[float, float] | None = None, y_domain: tuple[float, float] | None = None) -> Markup:
    """An importance–performance grid: points, crosshairs and the four quadrant names.

    ``quadrant_labels`` keys: ``top_left`` (high importance, low performance),
    ``top_right``, ``bottom_left``, ``bottom_right``. Points are labelled
    with their short label; the report lists the items of each quadrant.
    """
    pal = {**PALETTE, **(palette or {})}
    size = 320
    left, top = 54, 12
    width = WIDTH
    height = top + size + 44
    xs = [p.x for p in points] + [x_cross]
    ys = [p.y for p in points] + [y_cross]
    xlo, xhi = x_domain or _pad_domain(min(xs), max(xs))
    ylo, yhi = y_domain or _pad_domain(min(ys), max(ys))
    plot_w = 400.0

    def X(v: float) -> float:
        return left + (v - xlo) / (xhi - xlo) * plot_w

    def Y(v: float) -> float:
        return top + size - (v - ylo) / (yhi - ylo) * size

    c = Chart(width, height, font, pal, uid)
    c.rect(GRID, left, top, plot_w, size, fill=pal["paper"], stroke=pal["ink"], stroke_width=0.8)
    xc, yc = X(x_cross), Y(y_cross)
    # the "concentrate here" quadrant is shaded so it stands out in colour and greyscale
    c.rect(FILL, left, top, xc - left, yc - top, fill=pal["bad"], opacity=0.1)
    xticks = [tv for tv in nice_ticks(xlo, xhi, 6) if xlo <= tv <= xhi]
    yticks = [tv for tv in nice_ticks(ylo, yhi, 6) if ylo <= tv <= yhi]
    for tv in xticks:
        c.add(_text(X(tv), top + size + 14, fmt_num(tv, _tick_digits(xticks)), "middle", 9.5))
    for tv in yticks:
        c.add(_text(left - 5, Y(tv) + 3, fmt_num(tv, _tick_digits(yticks)), "end", 9.5))
    c.shape(LINE, f"M{_n(xc)} {top}V{top + size}M{left} {_n(yc)}H{_n(left + plot_w)}", stroke=pal["ink"],
            stroke_width=1, stroke_dasharray="4 3", fill="none")
    pad = 6
    ql = quadrant_labels
    c.add(_text(left + pad, top + 14, ql.get("top_left", ""), weight="bold", size=10.5))
    c.add(_text(left + plot_w - pad, top + 14, ql.get("top_right", ""), "end", weight="bold", size=10.5))
    c.add(_text(left + pad, top + size - pad, ql.get("bottom_left", ""), weight="bold", size=10.5))
    c.add(_text(left + plot_w - pad, top + size - pad, ql.get("bottom_right", ""), "end", weight="bold",
                size=10.5))
    c.add(_text(left + plot_w / 2, height - 6, x_label, "middle", weight="bold"))
    c.add(f'<text x="14" y="{_n(top + size / 2)}" text-anchor="middle" font-weight="bold" '
          f'transform="rotate(-90 14 {_n(top + size / 2)})">{escape(y_label)}</text>')
    placed: list[tuple[float, float]] = []
    for p in sorted(points, key=lambda p: (p.y, p.x, p.label), reverse=True):
        x, y = X(p.x), Y(p.y)
        _marker(c, p.shape, x, y, c.fill(p.tone) if p.tone not in ("neutral", "good") else pal[p.tone])
        lx, ly = x + 7, y + 4
        for _ in range(6):  # nudge labels off earlier ones
            if all(abs(lx - a) > 20 or abs(ly - b) > 10 for a, b in placed):
                break
            ly += 10
        placed.append((lx, ly))
        c.add(_text(lx, ly, fit(p.label, 80, 9.5), size=9.5))
    # legend of marker shapes, to the right of the plot
    lx = left + plot_w + 18
    for i, (shape, tone, key) in enumerate((("triangle", "bad", "top_left"), ("circle", "good", "top_right"),
                                            ("ring", "neutral", "bottom_left"), ("square", "neutral",
                                                                                 "bottom_right"))):
        y = top + 20 + i * 22
        fill_ = c.fill(tone) if tone == "bad" else pal[tone]
        _marker(c, shape, lx, y, fill_)
        c.add(_text(lx + 10, y + 4, fit(ql.get(key, ""), WIDTH - lx - 14, 10), size=10))
    return c.svg(title)


@dataclass
class ZoneRow:
    """One row of a zone-of-tolerance chart: the zone [adequate, desired] and the perception in it."""

    label: str
    adequate: float
    desired: float
    perception: float
    lo: float | None = None  # interval of the perception
    hi: float | None = None
    position: str = "inside"  # below, inside, above
    strong: bool = False  # a summary row (the dimension), printed bold


def zone(rows: Sequence[ZoneRow], *, title: str, font: str, legend: tuple[str, str, str, str],
         domain: tuple[float, float], palette: dict[str, str] | None = None, uid: str = "c",
         digits: int = 2) -> Markup:
    """Zone-of-tolerance chart: per row a band from adequate to desired and the perception marked in it.

    ``legend`` = (zone, below, inside, above) wording. Position is carried by
    the marker's shape (triangle below the zone, circle inside, square above)
    and the printed value, so the chart reads in greyscale too.
    """
    pal = {**PALETTE, **(palette or {})}
    label_width = min(max([text_width(r.label) for r in rows] + [80.0]) + 6, 230.0)
    row_h, top, bottom, value_room = 22, 26, 24, 52
    lo, hi = domain
    x0, x1 = label_width + 10, WIDTH - value_room
    scale = (x1 - x0) / (hi - lo)

    def X(v: float) -> float:
        return x0 + (min(max(v, lo), hi) - lo) * scale

    height = top + row_h * max(len(rows), 1) + bottom
    c = Chart(WIDTH, height, font, pal, uid)
    grid_bottom = top + row_h * len(rows)
    marks = {"below": ("triangle", "bad"), "inside": ("circle", "neutral"), "above": ("square", "good")}
    # legend: the band, then the three markers
    band = {"fill": pal["neutral"], "fill_opacity": 0.22, "stroke": pal["neutral"], "stroke_width": 0.8}
    lx = x0
    c.rect(FILL, lx, 5, 22, 10, **band)
    c.add(_text(lx + 27, 14, legend[0], size=10))
    lx += 37 + text_width(legend[0], 10)
    for (shape, tone), text in zip(marks.values(), legend[1:]):
        fill_ = c.fill(tone) if tone == "bad" else pal[tone]
        _marker(c, shape, lx + 5, 10, fill_, r=4.5)
        c.add(_text(lx + 13, 14, text, size=10))
        lx += 26 + text_width(text, 10)
    ticks = [tv for tv in nice_ticks(lo, hi) if lo <= tv <= hi]
    _grid_x(c, [X(tv) for tv in ticks], top - 2, grid_bottom)
    for tv in ticks:
        c.add(_text(X(tv), grid_bottom + 14, fmt_num(tv, _tick_digits(ticks)), "middle", 9.5))
    labels = c.column(label_width, "end", top, row_h, 15)
    values = c.column(x1 + 6, "start", top, row_h, 15)
    for i, row in enumerate(rows):
        y = top + i * row_h
        ym = y + row_h / 2
        labels.set(i, fit(row.label, label_width), row.strong)
        a, d = sorted((X(row.adequate), X(row.desired)))
        c.rect(FILL, a, y + 5, max(d - a, 0.8), row_h - 10, **band)
        if row.lo is not None and row.hi is not None:
            _whisker(c, X(row.lo), X(row.hi), ym, 4, 1.1)
        shape, tone = marks.get(row.position, marks["inside"])
        fill_ = c.fill(tone) if tone == "bad" else pal[tone]
        _marker(c, shape, X(row.perception), ym, fill_, r=5 if row.strong else 4.5)
        values.set(i, fmt_num(row.perception, digits), row.strong)
    return c.svg(title)


def _pad_domain(lo: float, hi: float) -> tuple[float, float]:
    span = (hi - lo) or 1.0
    return lo - span * 0.15, hi + span * 0.15


def triangle(corners: Sequence[tuple[str, float | None]], *, title: str, font: str, no_data: str,
             palette: dict[str, str] | None = None, uid: str = "c", maximum: float = 100.0) -> Markup:
    """The golden triangle: three axes from the centre to the corners, the scored area filled.

    A corner without data is drawn at the centre and labelled ``no_data``,
    so a missing corner is visible instead of looking like a zero.
    """
    pal = {**PALETTE, **(palette or {})}
    width, height = WIDTH, 300
    cx, cy, r = width / 2, 170, 120
    angles = [-90, 30, 150]
    pts = [(cx + r * math.cos(math.radians(a)), cy + r * math.sin(math.radians(a))) for a in angles]
    c = Chart(width, height, font, pal, uid)
    for level in (0.25, 0.5, 0.75, 1.0):
        ring = "L".join(f"{_n(cx + (x - cx) * level)} {_n(cy + (y - cy) * level)}" for x, y in pts)
        c.shape(GRID, f"M{ring}Z", fill="none", stroke=pal["grid"] if level < 1 else pal["ink"],
                stroke_width=1.2 if level == 1 else 0.8)
        c.add(_text(cx + 3, cy - r * level + 10, fmt_num(maximum * level, 0), size=8.5, fill=pal["muted"]))
    for x, y in pts:
        c.line(GRID, cx, cy, x, y, stroke=pal["grid"], stroke_width=0.8, fill="none")
    scored = []
    for (name, value), (x, y) in zip(corners, pts):
        share = 0.0 if value is None else max(0.0, min(value / maximum, 1.0))
        scored.append((cx + (x - cx) * share, cy + (y - cy) * share))
    if any(v is not None for _, v in corners):
        poly = "L".join(f"{_n(x)} {_n(y)}" for x, y in scored)
        c.shape(FILL, f"M{poly}Z", fill=pal["neutral"], fill_opacity=0.35, stroke=pal["neutral"], stroke_width=2)
        for (name, value), (x, y) in zip(corners, scored):
            if value is not None:
                c.shape(MARK, _circle(x, y, 3.5), fill=pal["ink"])
    offsets = [(0, -14, "middle"), (12, 14, "start"), (-12, 14, "end")]
    for (name, value), (x, y), (dx, dy, anchor) in zip(corners, pts, offsets):
        shown = no_data if value is None else fmt_num(value, 0)
        c.add(_text(x + dx, y + dy - (12 if dy < 0 else 0), fit(name, 200), anchor, weight="bold"))
        c.add(_text(x + dx, y + dy + (0 if dy < 0 else 13), shown, anchor,
                    fill=pal["muted"] if value is None else ""))
    return c.svg(title)


def columns(rows: Sequence[tuple[str, float | None, str]], *, title: str, font: str,
            palette: dict[str, str] | None = None, uid: str = "c", unit: str = "", digits: int = 0) -> Markup:
    """Vertical columns (a distribution): label, value and tone per column, values printed on top."""
    pal = {**PALETTE, **(palette or {})}
    height = 200
    top, bottom, left = 18, 40, 36
    n = max(len(rows), 1)
    values = [v for _, v, _ in rows if v is not None]
    ticks = nice_ticks(0, max(values + [1]), 4)
    vmax = ticks[-1]
    plot_h = height - top - bottom
    slot = (WIDTH - left - 10) / n
    c = Chart(WIDTH, height, font, pal, uid)

    def Y(v: float) -> float:
        return top + plot_h - v / vmax * plot_h

    for tv in ticks:
        c.line(GRID, left, Y(tv), WIDTH - 10, Y(tv), stroke=pal["grid"], stroke_width=0.8, fill="none")
        c.add(_text(left - 5, Y(tv) + 3, fmt_num(tv, _tick_digits(ticks)), "end", 9.5))
    for i, (label, value, tone) in enumerate(rows):
        x = left + i * slot + slot * 0.18
        w = slot * 0.64
        cxm = left + i * slot + slot / 2
        if value is not None and value > 0:
            c.rect(FILL, x, Y(value), w, Y(0) - Y(value), fill=c.fill(tone), stroke=pal["ink"], stroke_width=0.5)
        shown = "—" if value is None else fmt_num(value, digits) + unit
        c.add(_text(cxm, Y(value or 0) - 4, shown, "middle", weight="bold"))
        c.add(_text(cxm, top + plot_h + 15, fit(label, slot - 4, 10), "middle", 10))
    c.line(LINE, left, Y(0), WIDTH - 10, Y(0), stroke=pal["ink"], stroke_width=1)
    return c.svg(title)


def chain(links: Sequence[dict], *, title: str, font: str, palette: dict[str, str] | None = None,
          uid: str = "c", weakest_label: str = "") -> Markup:
    """The gap chain: one box per link with its name, score and status word, arrows between.

    ``links``: dicts with ``name``, ``score_text``, ``status_text``, ``tone``
    (good/warn/bad/muted) and ``weakest`` (bool). Breaking links are
    hatched, links at risk dotted, so the chain reads in greyscale too.
    """
    pal = {**PALETTE, **(palette or {})}
    n = max(len(links), 1)
    gap = 22
    box_w = (WIDTH - gap * (n - 1)) / n
    box_h = 92
    height = box_h + 26
    c = Chart(WIDTH, height, font, pal, uid)
    for i, link in enumerate(links):
        x = i * (box_w + gap)
        tone = link.get("tone", "muted")
        weakest = link.get("weakest")
        dash = {"stroke_dasharray": "4 3"} if tone == "muted" else {}
        c.shape(FILL, _round_rect(x + 1, 2, box_w - 2, box_h, 6),
                fill=c.fill(tone) if tone != "good" else pal["good"], stroke=pal["ink"],
                stroke_width=2.6 if weakest else 0.8, **dash)
        # a paper panel keeps the words readable over any fill
        c.shape(LINE, _round_rect(x + 8, 10, box_w - 16, box_h - 16, 4), fill=pal["paper"], opacity=0.92)
        mid = x + box_w / 2
        c.add(_text(mid, 28, fit(link["name"], box_w - 20, 11.5), "middle", 11.5, "bold"))
        c.add(_text(mid, 55, link.get("score_text", "—"), "middle", 20, "bold"))
        c.add(_text(mid, 75, fit(link.get("status_text", ""), box_w - 20, 11), "middle", 11, "bold"))
        if weakest and weakest_label:
            c.add(_text(mid, box_h + 18, "▲ " + weakest_label, "middle", 10.5, "bold"))
        if i < n - 1:
            ax = x + box_w
            c.shape(MARK, f"M{_n(ax + 3)} {_n(box_h / 2 + 2)}H{_n(ax + gap - 4)}M{_n(ax + gap - 9)} "
                          f"{_n(box_h / 2 - 3)}L{_n(ax + gap - 3)} {_n(box_h / 2 + 2)}L{_n(ax + gap - 9)} "
                          f"{_n(box_h / 2 + 7)}", stroke=pal["ink"], stroke_width=1.6, fill="none")
    return c.svg(title)
