"""Which charts a module section shows, read from the chart data the module put in ``data``.

The built-in modules document the shape of their ``data`` in their
docstrings; :data:`MODULE_CHARTS` lists the charts drawn for each of them
(the default list, like the gap chain's). Any other module gets the charts
of :data:`KEY_CHARTS` for the top-level keys it shares with them, so a
plugin module gets a compliance chart by putting rows shaped like
pharmacy_gap's under ``compliance``. Shapes are read leniently; a part that
cannot be read gives no chart rather than a wrong one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from markupsafe import Markup

from gapaudit.model.result import ModuleResult
from gapaudit.render import charts
from gapaudit.render.i18n import fmt_num, fmt_pct, is_number, label as vocab_label, t

VALUE_KEYS = ("value", "gap", "mean", "rate", "score", "points", "estimate", "bar")
LABEL_KEYS = ("label", "title", "name", "text")
ID_KEYS = ("id", "dimension", "factor", "element", "corner", "standard", "item", "promise", "key", "bucket",
           "reason", "group", "step", "topic")


@dataclass
class Figure:
    """One chart (or a small table) with its caption, an optional note and legend rows."""

    key: str
    title: str
    svg: Markup | None = None
    note: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Style:
    lang: str
    font: str
    palette: dict[str, str]
    uid: str

    def t(self, key: str, **fmt: Any) -> str:
        return t(key, self.lang, **fmt)

    def tr(self, en: str, zh: str) -> str:
        return zh if self.lang == "zh" else en

    def chart_id(self, key: str) -> str:
        return f"{self.uid}-{key}"


# --- lenient readers ------------------------------------------------------------

def rows_of(value: Any) -> list[dict[str, Any]]:
    """A list of row dicts from a list of dicts, ``{rows: [...]}``, or an id → row (or number) mapping."""
    if isinstance(value, dict):
        if isinstance(value.get("rows"), (list, dict)):
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


def path(data: Any, *keys: str) -> Any:
    """``data[k1][k2]...`` or None when any step is missing."""
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def pick(row: dict[str, Any], keys: Iterable[str]) -> Any:
    for key in keys:
        if key in row and row[key] is not None:
            return row[key]
    return None


def number(row: Any, keys: Iterable[str] = VALUE_KEYS) -> float | None:
    if not isinstance(row, dict):
        return None
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


def interval(row: dict[str, Any], low: str = "ci_low", high: str = "ci_high") -> tuple[float | None, float | None]:
    lo, hi = row.get(low), row.get(high)
    return (float(lo) if is_number(lo) else None, float(hi) if is_number(hi) else None)


def _scaled(v: float | None, k: float) -> float | None:
    return None if v is None else v * k


def _n_suffix(n: Any) -> str:
    return f" (n={n})" if isinstance(n, int) and not isinstance(n, bool) else ""


# --- reusable chart builders -------------------------------------------------------

def gap_figure(key: str, rows: list[dict[str, Any]], s: Style, title: str, note: str,
               tone_of: Callable[[dict[str, Any], float | None, float | None, float | None], str]) -> Figure | None:
    """Gap bars around zero with intervals (scale points), one per row."""
    bars = []
    for row in rows:
        v = number(row, ("gap", "value"))
        lo, hi = interval(row)
        bars.append(charts.Bar(row_label(row, s.lang), v, lo, hi, tone_of(row, v, lo, hi),
                               suffix=_n_suffix(row.get("n"))))
    if not any(b.value is not None for b in bars):
        return None
    svg = charts.bars(bars, title=title, font=s.font, palette=s.palette, uid=s.chart_id(key), digits=2, sign=True)
    return Figure(key, title, svg, note)


def rate_figure(key: str, rows: list[dict[str, Any]], s: Style, title: str, note: str = "",
                tone_of: Callable[[dict[str, Any], float | None], str] | None = None,
                target: float | None = None, rate_key: str = "rate", mark_of: Callable[[dict], str] | None = None,
                label_of: Callable[[dict], str] | None = None, n_key: str | None = "n",
                target_word: str | None = None) -> Figure | None:
    """Percentage bars (0–100%) with Wilson or other intervals; rates may be 0–1 shares or percentages."""
    vals = [number(r, (rate_key,)) for r in rows]
    ratio = all(v is None or v <= 1.0 + 1e-9 for v in vals)
    k = 100.0 if ratio else 1.0
    bars = []
    for row, v in zip(rows, vals):
        lo, hi = interval(row)
        pct = _scaled(v, k)
        if tone_of is not None:
            tone = tone_of(row, pct)
        else:
            tone = "muted" if pct is None else "good" if pct >= 90 else "warn" if pct >= 70 else "bad"
        label = label_of(row) if label_of else row_label(row, s.lang)
        bars.append(charts.Bar(label, pct, _scaled(lo, k), _scaled(hi, k), tone, mark=mark_of(row) if mark_of else "",
                               suffix=_n_suffix(row.get(n_key)) if n_key else ""))
    if not any(b.value is not None for b in bars):
        return None
    reference = None
    if target is not None:
        at = target * k if target <= 1 else target
        reference = (at, (target_word or s.tr("target", "目标")) + " " + fmt_pct(at))
    svg = charts.bars(bars, title=title, font=s.font, palette=s.palette, uid=s.chart_id(key), domain=(0, 100),
                      unit="%", digits=0, reference=reference)
    return Figure(key, title, svg, note)


def score_figure(key: str, rows: list[tuple[str, float | None, float | None, float | None]], s: Style,
                 title: str, note: str = "") -> Figure | None:
    """0–100 score bars (label, score, ci_low, ci_high)."""
    bars = [charts.Bar(label, v, lo, hi, "muted" if v is None else "good" if v >= 70 else "warn" if v >= 55
                       else "bad", text=None if v is not None else t("no_data", s.lang)) for label, v, lo, hi in rows]
    if not any(b.value is not None for b in bars):
        return None
    svg = charts.bars(bars, title=title, font=s.font, palette=s.palette, uid=s.chart_id(key), domain=(0, 100),
                      digits=0)
    return Figure(key, title, svg, note)


def subscores(data: dict[str, Any], s: Style) -> Figure | None:
    """How the module's score is made up: each sub-score with its weight."""
    scores, weights = data.get("subscores"), data.get("weights") or {}
    if not isinstance(scores, dict) or not scores:
        return None
    names = {"checklist": s.tr("Review checklist", "复核清单")}
    rows = []
    for key, value in scores.items():
        w = weights.get(key) if isinstance(weights, dict) else None
        label = names.get(key, key.replace("_", " ").capitalize() if s.lang != "zh" else _SUBSCORE_ZH.get(key, key))
        if is_number(w):
            label += f" (×{fmt_num(w, 2)})"
        rows.append((label, float(value) if is_number(value) else None, None, None))
    return score_figure("subscores", rows, s, s.t("chart_subscores"),
                        s.tr("Sub-scores 0–100 with their weights; sub-scores without data are left out of the "
                             "score.", "分项得分（0–100）及其权重；无数据的分项不计入得分。"))


_SUBSCORE_ZH = {"accuracy": "期望判断准确度", "priorities": "重点一致性", "listening": "倾听机制",
                "coverage": "标准覆盖", "important": "重要期望覆盖", "delivery": "标准执行",
                "customer_gap": "顾客差距", "promises": "承诺兑现"}


# --- diagnosis gap ------------------------------------------------------------------

def _misjudged(row: dict[str, Any], v: float | None, lo: float | None, hi: float | None) -> str:
    """Management's estimate off in either direction for sure is bad; under-estimated a warning; else neutral."""
    if v is None:
        return "muted"
    status = row.get("status")
    if (lo is not None and hi is not None and (hi < 0 or lo > 0)) or status in ("under", "over"):
        return "bad" if v < 0 else "warn"
    return "neutral"


def diagnosis_gaps(data: dict[str, Any], s: Style) -> Figure | None:
    return gap_figure("dimensions", rows_of(data.get("dimensions")), s, s.t("chart_expectation_dimension"),
                      s.t("chart_expectation_dimension_note"), _misjudged)


def diagnosis_importance(data: dict[str, Any], s: Style) -> Figure | None:
    imp = data.get("importance")
    dims = rows_of(path(imp, "dimensions"))
    rows = [(row_label(r, s.lang), _scaled(number(r, ("customer",)), 100), _scaled(number(r, ("management",)), 100))
            for r in dims]
    if not any(a is not None or b is not None for _, a, b in rows):
        return None
    svg = charts.dumbbell(rows, title=s.t("chart_importance"), legend=(s.t("customers"), s.t("management")),
                          font=s.font, palette=s.palette, uid=s.chart_id("importance"), digits=0)
    fig = Figure("importance", s.t("chart_importance"), svg,
                 s.tr("Importance on 0–100 (each side's ratings rescaled). Rank correlation of items: ρ = {rho}.",
                      "重要性按 0–100 计（双方评分各自换算）。题项重要性等级相关：ρ = {rho}。").format(
                     rho=fmt_num(path(imp, "rho"), 2)) if is_number(path(imp, "rho")) else
                 s.tr("Importance on 0–100 (each side's ratings rescaled).", "重要性按 0–100 计（双方评分各自换算）。"))
    flagged = {"misdirected": s.tr("Effort customers value little", "顾客不太看重却投入的服务"),
               "underrated": s.tr("Important to customers, underrated by management", "顾客看重而管理层低估")}
    for flag, head in flagged.items():
        items = [f"{r.get('id')} {r.get('text') or ''}".strip() for r in rows_of(path(imp, "items"))
                 if r.get("flag") == flag]
        if items:
            fig.rows.append([head, "; ".join(items)])
    return fig


def diagnosis_listening(data: dict[str, Any], s: Style) -> Figure | None:
    parts = rows_of(path(data, "listening", "parts"))
    if not parts:
        return None
    rows = []
    for p in parts:
        value = p.get("value")
        shown = fmt_num(value, 0 if float(value).is_integer() else 1) if is_number(value) else (
            "—" if value in (None, "") else str(value))
        score = number(p, ("score",))
        rows.append([row_label(p, s.lang), shown, "—" if score is None else fmt_pct(score, 0, ratio=True)])
    return Figure("listening", s.tr("How the store listens to customers", "门店倾听顾客的机制"),
                  header=[s.tr("Channel", "方面"), s.tr("Found", "现状"), s.t("score")], rows=rows)


# --- prescription gap ----------------------------------------------------------------

def coverage_by_dimension(data: dict[str, Any], s: Style) -> Figure | None:
    rows = []
    for r in rows_of(data.get("dimensions")):
        label = row_label(r, s.lang)
        if is_number(r.get("items")):
            label += f" ({r.get('sound', 0)}/{r.get('items')})"
        rows.append((label, number(r, ("coverage",)), None, None))
    return score_figure("coverage", rows, s, s.t("chart_coverage"),
                        s.tr("Coverage quality 0–100 per dimension; in brackets: items with a sound standard / "
                             "items.", "各维度的覆盖质量（0–100）；括号内为有合格标准的题项数 / 题项数。"))


def standard_quality(data: dict[str, Any], s: Style) -> Figure | None:
    sound = data.get("sound_quality")

    def tone(row: dict, pct: float | None) -> str:
        if pct is None:
            return "muted"
        return "good" if row.get("sound") else "bad"

    def mark(row: dict) -> str:
        flags = [s.tr("too complex", "过于复杂")] if row.get("too_complex") else []
        flags += [s.tr("too harsh", "过于严苛")] if row.get("too_harsh") else []
        return ("★ " if row.get("critical") else "") + ("⚠ " + "/".join(flags) if flags else "")

    rows = rows_of(data.get("standards"))
    return rate_figure("standards", rows, s, s.tr("Quality of each service standard", "各项服务标准的质量"),
                       s.tr("Share of the quality questions answered yes (documented, specific, customer's side, "
                            "consistent, known by staff, supported); the line marks a sound standard. ★ critical; "
                            "⚠ flagged.", "质量问题（成文、具体、顾客视角、一致、员工知晓、高层支持）的达标比例；虚线为合格线。"
                            "★ 关键标准；⚠ 存在问题。"),
                       tone_of=tone, target=sound if is_number(sound) else None, rate_key="quality", mark_of=mark,
                       n_key=None, target_word=s.tr("sound from", "合格线"))


def uncovered_items(data: dict[str, Any], s: Style) -> Figure | None:
    rows = []
    for r in rows_of(data.get("items")):
        if r.get("status") in ("none", "weak") and r.get("tier") == "high":
            status = s.tr("no standard", "无标准") if r["status"] == "none" else s.tr("weak standard", "标准薄弱")
            rows.append([f"{r.get('id')} {r.get('text') or ''}".strip(), status,
                         fmt_pct(r.get("importance"), 0, ratio=True) if is_number(r.get("importance")) else "—"])
    if not rows:
        return None
    return Figure("items", s.tr("Important expectations without a sound standard", "缺少合格标准的重要期望"),
                  header=[s.tr("Expectation", "期望"), s.tr("Standard", "标准"), s.t("importance")], rows=rows)


# --- pharmacy gap ---------------------------------------------------------------------

_STATUS_TONE = {"met": "good", "kept": "good", "ok": "good", "possible_shortfall": "warn",
                "possible_over_promise": "warn", "shortfall": "bad", "over_promise": "bad",
                "not_observed": "muted", "unverified": "muted"}


def compliance(data: dict[str, Any], s: Style, key: str = "standards") -> Figure | None:
    target = data.get("target")
    return rate_figure(key, rows_of(data.get(key)), s, s.t("chart_compliance"), s.t("chart_compliance_note"),
                       tone_of=lambda r, pct: _STATUS_TONE.get(str(r.get("status")), "muted" if pct is None else
                                                               "good" if pct >= 90 else "warn" if pct >= 70 else "bad"),
                       target=target if is_number(target) else None, mark_of=lambda r: "★" if r.get("critical") else "")


def compliance_groups(key: str, what_en: str, what_zh: str) -> Callable[[dict[str, Any], Style], Figure | None]:
    def adapter(data: dict[str, Any], s: Style) -> Figure | None:
        rows = rows_of(data.get(key))
        if len(rows) < 2:
            return None  # one group is not a comparison
        target = data.get("target")
        goal = 100 * target if is_number(target) and target <= 1 else target if is_number(target) else 90.0

        def tone(row: dict, pct: float | None) -> str:
            """Met the target: good; clearly below (whole interval under it): bad; otherwise at risk."""
            if pct is None:
                return "muted"
            hi = row.get("ci_high")
            hi = 100 * hi if is_number(hi) and hi <= 1 else hi
            if pct >= goal:
                return "good"
            return "bad" if (is_number(hi) and hi < goal) or row.get("weak") else "warn"

        return rate_figure(key, rows, s, s.t("chart_compliance_by", what=s.tr(what_en, what_zh)), tone_of=tone,
                           target=target if is_number(target) else None)
    return adapter


def root_causes(data: dict[str, Any], s: Style) -> Figure | None:
    rows = []
    for r in rows_of(data.get("root_causes")):
        if not r.get("answered"):
            continue
        rows.append([row_label(r, s.lang), str(r.get("no", 0)), str(r.get("partly", 0)), str(r.get("answered"))])
    if not rows:
        return None
    return Figure("root_causes", s.tr("Root causes of non-delivery (review answers)", "执行不到位的根源（复核回答）"),
                  header=[s.tr("Cause", "原因"), s.tr("no", "否"), s.tr("partly", "部分"), s.tr("answered", "已回答")],
                  rows=rows)


# --- outcome gap ----------------------------------------------------------------------

def _shortfall(row: dict[str, Any], v: float | None, lo: float | None, hi: float | None) -> str:
    if v is None:
        return "muted"
    status = row.get("status")
    if status in _STATUS_TONE:
        return _STATUS_TONE[status] if v < 0 or status != "ok" else "good"
    return "bad" if (hi if hi is not None else v) < 0 else "warn" if v < 0 else "good"


def customer_gaps(data: dict[str, Any], s: Style) -> Figure | None:
    dims = rows_of(path(data, "customer_gap", "dimensions")) or rows_of(data.get("dimension_gaps"))
    return gap_figure("customer_gap", dims, s, s.t("chart_gap_dimension"), s.t("chart_gap_dimension_note"),
                      _shortfall)


def reliability(data: dict[str, Any], s: Style) -> Figure | None:
    bars = []
    for r in rows_of(path(data, "customer_gap", "dimensions")):
        v = number(r, ("alpha",))
        lo, hi = interval(r, "alpha_low", "alpha_high")
        tone = "muted" if v is None else "good" if v >= 0.7 else "bad"
        bars.append(charts.Bar(row_label(r, s.lang), v, lo, hi, tone, suffix=_n_suffix(r.get("alpha_n")),
                               text=None if v is not None else t("no_data", s.lang)))
    if not any(b.value is not None for b in bars):
        return None
    title = s.tr("Scale reliability per dimension (Cronbach's alpha)", "各维度量表信度（Cronbach's α）")
    svg = charts.bars(bars, title=title, font=s.font, palette=s.palette, uid=s.chart_id("alpha"), domain=(0, 1),
                      digits=2, reference=(0.7, "0.70"))
    return Figure("alpha", title, svg, s.tr("Whiskers: Feldt interval. Below 0.70 the dimension's items do not "
                                            "measure one thing reliably: read its gap with care.",
                                            "须线为 Feldt 区间。低于 0.70 表示该维度题项的一致性不足，解读其差距需谨慎。"))


ZONE_WORDS = {"below": ("below the zone", "低于容忍区"), "inside": ("inside", "容忍区内"),
              "above": ("above the zone", "高于容忍区")}


def zones(data: dict[str, Any], s: Style) -> list[Figure]:
    """One zone-of-tolerance chart per dimension: the dimension's zone on top, then its items."""
    zone = data.get("zone")
    if not isinstance(zone, dict):
        return []
    items = {str(r.get("id")): r for r in rows_of(zone.get("items"))}
    scale = data.get("scale") or {}
    lo, hi = number(scale, ("min",)), number(scale, ("max",))
    legend = (s.tr("zone: adequate → desired", "容忍区：可接受 → 理想"),
              *(s.tr(*ZONE_WORDS[k]) for k in ("below", "inside", "above")))

    def zrow(r: dict[str, Any], label: str, strong: bool = False) -> charts.ZoneRow | None:
        a, d, p = number(r, ("adequate",)), number(r, ("desired",)), number(r, ("perception",))
        if a is None or d is None or p is None:
            return None
        plo, phi = interval(r, "perception_low", "perception_high")
        return charts.ZoneRow(label, a, d, p, plo, phi, str(r.get("position")), strong)

    out = []
    for dim in rows_of(zone.get("dimensions")):
        label = row_label(dim, s.lang)
        rows = [zrow(dim, label + _n_suffix(dim.get("n")), True)]
        members = [items[i] for i in dim.get("items") or [] if i in items]
        rows += [zrow(r, f"{r.get('id')} {r.get('text') or ''}".strip()) for r in members]
        rows = [r for r in rows if r is not None]
        if not rows:
            continue
        values = [v for r in rows for v in (r.adequate, r.desired, r.perception, r.lo, r.hi) if v is not None]
        domain = (lo if lo is not None else math.floor(min(values)), hi if hi is not None else math.ceil(max(values)))
        title = s.tr("Zone of tolerance: {d}", "容忍区：{d}").format(d=label)
        key = f"zone-{row_id(dim)}"
        svg = charts.zone(rows, title=title, font=s.font, legend=legend, domain=domain, palette=s.palette,
                          uid=s.chart_id(key))
        below = [f"{r.get('id')} ({fmt_num(r.get('msa'), 2, sign=True)}, {fmt_pct(r.get('below_share'), 0, ratio=True)})"
                 for r in members if r.get("position") == "below"]
        note = s.tr("Band: customers' mean adequate to mean desired level; marker: mean perception with its interval. "
                    "{dim} P − A = {msa}, P − D = {mss}.",
                    "色带：顾客平均可接受水平至平均理想水平；标记：平均感知及其区间。{dim}P − A = {msa}，P − D = {mss}。").format(
            dim=label + (": " if s.lang != "zh" else "："), msa=fmt_num(dim.get("msa"), 2, sign=True),
            mss=fmt_num(dim.get("mss"), 2, sign=True))
        if below:
            note += " " + s.tr("Below the zone (P − A, share of customers below their own adequate level): {i}.",
                               "低于容忍区（P − A，低于自身可接受水平的顾客比例）：{i}。").format(i="; ".join(below))
        out.append(Figure(key, title, svg, note))
    return out


def driver_weights(data: dict[str, Any], s: Style) -> Figure | None:
    """Relative weights of the items on the overall question, largest first, with bootstrap intervals."""
    drivers = data.get("drivers")
    rw = path(drivers, "relative_weights")
    rows = sorted(rows_of(path(rw, "items")), key=lambda r: -(number(r, ("share",)) or 0))
    if not rows:
        return None
    bars = [charts.Bar(f"{r.get('id')} {r.get('text') or ''}".strip(), _scaled(number(r, ("share",)), 100),
                       _scaled(number(r, ("share_low",)), 100), _scaled(number(r, ("share_high",)), 100), "neutral")
            for r in rows]
    outcome = path(drivers, "outcome") or {}
    question = outcome.get("question") or outcome.get("column") or ""
    title = s.tr("What drives “{q}”: relative weights", "“{q}”的驱动因素：相对权重").format(q=question)
    svg = charts.bars(bars, title=title, font=s.font, palette=s.palette, uid=s.chart_id("drivers"), unit="%",
                      digits=1)
    note = s.tr("Each item's share of the variance the items explain together (R² = {r2}); whiskers: 95% bootstrap "
                "interval ({b} resamples). n = {n}; Green (1991) recommends {m} for judging single items.",
                "各题项在全部题项共同解释的方差（R² = {r2}）中所占份额；须线为 95% bootstrap 区间（{b} 次重抽样）。n = {n}；"
                "Green（1991）建议判断单个题项需 {m} 人。").format(
        r2=fmt_num(path(rw, "r2"), 2), b=path(rw, "replicates"), n=path(rw, "n"), m=path(rw, "needed"))
    fig = Figure("drivers", title, svg, note)
    dims = rows_of(path(rw, "dimensions"))
    if dims:
        fig.rows = [[s.tr("By dimension", "按维度汇总"), "; ".join(
            f"{row_label(d, s.lang)} {fmt_pct(d.get('share'), 0, ratio=True)}" for d in dims)]]
    return fig


KIND_WORDS = {"basic": ("basic", "基本因素", "bad"), "excitement": ("excitement", "兴奋因素", "good"),
              "performance": ("performance", "绩效因素", "neutral"),
              "unclear": ("no clear effect", "影响不明确", "muted")}


def penalty_reward(data: dict[str, Any], s: Style) -> Figure | None:
    """Impact asymmetry per attribute (−1 basic … +1 excitement) and a table of penalties and rewards."""
    prca = path(data, "drivers", "prca")
    attrs = rows_of(path(prca, "attributes"))
    if not attrs:
        return None
    bars, table, skipped = [], [], []
    for a in attrs:
        kind = KIND_WORDS.get(str(a.get("kind")))
        word = s.tr(kind[0], kind[1]) if kind else s.t("no_data")
        if kind and a.get("kind") != "unclear" and not a.get("settled"):
            word += s.tr(" (uncertain)", "（不确定）")
        value = number(a, ("asymmetry",)) if a.get("kind") not in (None, "unclear") else None
        lo, hi = interval(a, "asymmetry_low", "asymmetry_high") if value is not None else (None, None)
        label = str(a.get("label") or a.get("id"))
        if kind is None:
            skipped.append(str(a.get("id")))
        else:
            bars.append(charts.Bar(label, value, lo, hi, kind[2], text=None if value is not None else word,
                                   suffix="" if value is None else f" · {word}"))

        def cell(key: str) -> str:
            v = number(a, (key,))
            if v is None:
                return "—"
            clo, chi = interval(a, f"{key}_low", f"{key}_high")
            ci = f" [{fmt_num(clo, 2)}, {fmt_num(chi, 2)}]" if clo is not None and chi is not None else ""
            return fmt_num(v, 2, sign=True) + ci

        table.append([str(a.get("id")), f"{cell('penalty')} (n={a.get('n_low')})",
                      f"{cell('reward')} (n={a.get('n_high')})", word])
    title = s.tr("Penalty–reward analysis: impact asymmetry", "惩罚—奖励分析：影响不对称")
    svg = None
    if any(b.value is not None for b in bars):
        t_ = number(prca, ("threshold",)) or 0.2
        svg = charts.bars(bars, title=title, font=s.font, palette=s.palette, uid=s.chart_id("prca"),
                          domain=(-1, 1), digits=2, sign=True,
                          reference=[(-t_, f"−{fmt_num(t_, 1)}"), (t_, f"+{fmt_num(t_, 1)}")])
    level = s.tr("dimensions", "维度") if prca.get("level") == "dimensions" else s.tr("items", "题项")
    note = s.tr("Asymmetry −1 … +1 over {lvl}: below −{t} basic (hurts when bad, earns little when good), above +{t} "
                "excitement (delights when good), between performance. Low ≤ {lo}, high ≥ {hi}; n = {n}; whiskers "
                "and brackets: 95% bootstrap intervals.",
                "不对称指数 −1 … +1（按{lvl}）：低于 −{t} 为基本因素（做不好扣分、做好加分少），高于 +{t} 为兴奋因素（做好带来惊喜），"
                "其间为绩效因素。低分 ≤ {lo}，高分 ≥ {hi}；n = {n}；须线与方括号为 95% bootstrap 区间。").format(
        lvl=level, t=fmt_num(prca.get("threshold"), 1), lo=fmt_num(prca.get("low_max"), 0),
        hi=fmt_num(prca.get("high_min"), 0), n=prca.get("n"))
    if skipped:
        note += " " + s.tr("Not estimated (fewer than {g} low or high ratings): {i}.",
                           "未估计（低分或高分人数不足 {g}）：{i}。").format(
            g=fmt_num(prca.get("min_group"), 0), i=", ".join(skipped))
    return Figure("prca", title, svg, note, header=[s.tr("Attribute", "属性"), s.tr("Penalty (low)", "惩罚（低分）"),
                                                   s.tr("Reward (high)", "奖励（高分）"), s.tr("Class", "类型")],
                  rows=table)


def scale_item_table(data: dict[str, Any], s: Style) -> list[Figure]:
    """Item-rest correlations and alpha if deleted per dimension; items that fit another dimension better."""
    info = data.get("scale_items")
    if not isinstance(info, dict):
        return []
    def flags(row: dict[str, Any], words: dict[str, tuple[str, str]]) -> str:
        return "; ".join(s.tr(*w) for key, w in words.items() if row.get(key))

    rows = []
    for d in rows_of(info.get("dimensions")):
        rows.append([f"{row_label(d, s.lang)} (k={d.get('k')}, n={d.get('n')})", "", fmt_num(d.get("alpha"), 2),
                     flags(d, {"too_few_items": ("fewer than 3 items", "题项少于 3 个"),
                               "too_few_respondents": ("too few respondents", "受访者太少")})])
        for i in rows_of(d.get("items")):
            rows.append([f"  {i.get('id')} {i.get('text') or ''}", fmt_num(i.get("item_rest"), 2),
                         fmt_num(i.get("alpha_if_deleted"), 2),
                         flags(i, {"hurts": ("lowers alpha", "拉低 α"), "weak": ("weak", "弱")})])
    if not rows:
        return []
    basis = s.tr("gap (P − E)", "差距（P − E）") if info.get("basis") == "gap" else s.tr("perception", "感知")
    out = [Figure("scale_items", s.tr("Item reliability per dimension ({b} scores)", "各维度题项信度（{b}得分）")
                  .format(b=basis),
                  note=s.tr("Dimension rows: alpha (listwise). Item rows: item-rest correlation, alpha if the item "
                            "were deleted.", "维度行：α（列删除）。题项行：题项—其余题项相关、删除该题后的 α。"),
                  header=[s.tr("Dimension / item", "维度 / 题项"), s.tr("Item-rest r", "题项—其余 r"),
                          s.tr("Alpha (if deleted)", "α（删除后）"), s.tr("Flag", "标记")], rows=rows)]
    pl = info.get("placements") or {}
    title = s.tr("Do items belong to their dimension?", "题项是否属于所在维度？")
    if pl.get("reason"):
        out.append(Figure("placements", title, note=s.tr("Not checked: {r}.", "未检验：{r}。").format(r=pl["reason"])))
    else:
        flagged = [p for p in rows_of(pl.get("items")) if p.get("verdict") in ("misfit", "probable_misfit")]
        note = s.tr("Each item's correlation with its own dimension (item left out) against the other dimensions; "
                    "n = {n}.", "各题项与本维度（不含该题）及其他维度的相关；n = {n}。").format(n=pl.get("n"))
        fig = Figure("placements", title, note=note)
        if flagged:
            fig.header = [s.tr("Item", "题项"), s.tr("Own dimension r", "本维度 r"), s.tr("Closer to", "更接近"),
                          s.tr("r", "r")]
            fig.rows = [[f"{p.get('id')} {p.get('text') or ''}",
                         f"{vocab_label(str(p.get('dimension')), s.lang)} {fmt_num(p.get('own'), 2)}",
                         vocab_label(str(p.get("other")), s.lang), fmt_num(p.get("other_r"), 2)
                         + (" *" if p.get("verdict") == "misfit" else "")] for p in flagged]
            fig.note += " " + s.tr("* more than two standard errors apart.", "* 差异超过两个标准误。")
        else:
            fig.note += " " + s.tr("Every item correlates most with its own dimension.", "每个题项都与本维度相关最高。")
        out.append(fig)
    return out


QUADRANTS = {
    # quadrant id → (position on the grid, marker shape, tone, label key)
    "concentrate": ("top_left", "triangle", "bad", "q_concentrate"),
    "keep_up": ("top_right", "circle", "good", "q_keep_up"),
    "low_priority": ("bottom_left", "ring", "neutral", "q_low_priority"),
    "overkill": ("bottom_right", "square", "neutral", "q_overkill"),
}
_QUADRANT_SYNONYMS = {"concentrate_here": "concentrate", "keep_up_the_good_work": "keep_up",
                      "possible_overkill": "overkill"}


def ipa(data: dict[str, Any], s: Style) -> Figure | None:
    """Importance–performance grid: performance across, importance up ("concentrate here" top left)."""
    value = data.get("ipa")
    if not isinstance(value, dict):
        return None
    points, members = [], {q: [] for q in QUADRANTS}
    for row in rows_of(value.get("points")):
        x, y = number(row, ("performance",)), number(row, ("importance",))
        if x is None or y is None:
            continue
        q = _QUADRANT_SYNONYMS.get(str(row.get("quadrant")), str(row.get("quadrant")))
        _, shape, tone, _ = QUADRANTS.get(q, ("", "circle", "neutral", ""))
        short = row_id(row)
        points.append(charts.Point(short or "?", x, y, shape, tone))
        if q in members:
            members[q].append(f"{short} {row.get('text') or ''}".strip())
    if not points:
        return None
    # the module's x is importance and its y performance; this chart puts performance across
    imp_cross, perf_cross = number(value, ("x_cross",)), number(value, ("y_cross",))
    imp_cross = imp_cross if imp_cross is not None else sum(p.y for p in points) / len(points)
    perf_cross = perf_cross if perf_cross is not None else sum(p.x for p in points) / len(points)
    by_expectation = value.get("x_basis") == "expectation"
    y_label = s.tr("Expectation (standing in for importance)", "期望（代替重要性）") if by_expectation \
        else s.tr("Derived importance (relative weight, %)", "推导重要性（相对权重，%）") \
        if value.get("x_basis") == "derived" else s.t("importance")
    labels = {pos: s.t(lk) for pos, _, _, lk in QUADRANTS.values()}
    svg = charts.quadrant(points, title=s.t("chart_ipa"), font=s.font, x_label=s.t("performance"), y_label=y_label,
                          x_cross=perf_cross, y_cross=imp_cross, quadrant_labels=labels, palette=s.palette,
                          uid=s.chart_id("ipa"))
    rule = {"data_mean": s.tr("the means of the items", "各题项的均值"),
            "data_median": s.tr("the medians of the items", "各题项的中位数"),
            "scale_midpoint": s.tr("the midpoints of the scales", "量表中点")}.get(str(value.get("crosshair")))
    note = s.t("chart_ipa_note", rule=rule) if rule else ""
    fig = Figure("ipa", s.t("chart_ipa"), svg, note)
    fig.rows = [[s.t(QUADRANTS[q][3]), "; ".join(items)] for q, items in members.items() if items]
    return fig


def promises(data: dict[str, Any], s: Style) -> Figure | None:
    target = data.get("promise_target")
    return rate_figure("promises", rows_of(data.get("promises")), s, s.t("chart_promises"),
                       s.tr("Share of checked occasions on which the promise was kept; whiskers: 95% Wilson interval.",
                            "检查中承诺兑现的比例；须线为 95% Wilson 区间。"),
                       tone_of=lambda r, pct: _STATUS_TONE.get(str(r.get("status")), "muted"),
                       target=target if is_number(target) else None, n_key="total")


# --- eight factors, complaints -------------------------------------------------------------

def factors(data: dict[str, Any], s: Style) -> Figure | None:
    bars = []
    for row in rows_of(data.get("factors")):
        negative = row.get("kind") == "negative"
        v = number(row, ("bar",))
        if v is None and not negative:
            v = number(row, ("score",))
        lo, hi = (None, None) if negative else interval(row)
        bars.append(charts.Bar(row_label(row, s.lang), v, lo, hi,
                               "muted" if v is None else "bad" if negative else "neutral",
                               text=None if v is not None else t("no_data", s.lang)))
    if not any(b.value is not None for b in bars):
        return None
    title = s.t("chart_factors")
    svg = charts.bars(bars, title=title, font=s.font, palette=s.palette, uid=s.chart_id("factors"), digits=1)
    total = data.get("total")
    note = s.tr("Positive factors: score 0–100. Penalties (hatched): points deducted for complaints and errors.",
                "加分项：0–100 分；扣分项（斜线）：因投诉与差错扣除的分数。")
    if is_number(total) and is_number(data.get("positive_score")) and is_number(data.get("deduction")):
        note += " " + s.tr("Total = {p} − {d} = {t}.", "总分 = {p} − {d} = {t}。").format(
            p=fmt_num(data["positive_score"], 1), d=fmt_num(data["deduction"], 1), t=fmt_num(total, 1))
    return Figure("factors", title, svg, note)


def complaint_resolution(data: dict[str, Any], s: Style) -> Figure | None:
    comp = data.get("complaints")
    dist = rows_of(path(comp, "time_distribution"))
    if not dist:
        return None
    cols = [(row_label(r, s.lang), number(r, ("count",)), "neutral") for r in dist]
    unresolved = path(comp, "unresolved")
    if is_number(unresolved):
        cols.append((t("unresolved", s.lang), float(unresolved), "bad"))
    if not any(v for _, v, _ in cols):
        return None
    title = s.t("chart_resolution")
    svg = charts.columns(cols, title=title, font=s.font, palette=s.palette, uid=s.chart_id("resolution"))
    note = s.t("chart_resolution_note")
    rate, quick = path(comp, "resolution_rate"), path(comp, "quick_share")
    if is_number(rate):
        note += " " + s.tr("Resolved: {r}", "已解决：{r}").format(r=fmt_pct(rate, 0, ratio=True))
        if is_number(quick) and is_number(path(comp, "quick_hours")):
            note += s.tr("; within {h} h: {q}.", "；{h} 小时内解决：{q}。").format(
                h=fmt_num(path(comp, "quick_hours"), 0), q=fmt_pct(quick, 0, ratio=True))
        else:
            note += s.tr(".", "。")
    return Figure("resolution", title, svg, note)


def iceberg(data: dict[str, Any], s: Style) -> Figure | None:
    ice, risk = data.get("iceberg"), data.get("at_risk")
    if not isinstance(ice, dict):
        return None
    fig = Figure("iceberg", s.tr("The complaint iceberg and customers at risk", "投诉冰山与流失风险"),
                 header=[s.tr("Group", "群体"), s.tr("Customers", "顾客数"), s.tr("Expected to return", "预计回头"),
                         s.tr("Expected lost", "预计流失")])
    for g in rows_of(path(risk, "groups")):
        rate = g.get("return_rate")
        fig.rows.append([row_label(g, s.lang) + (f" ({fmt_pct(rate, 0, ratio=True)})" if is_number(rate) else ""),
                         fmt_num(g.get("customers"), 0), fmt_num(g.get("kept"), 0), fmt_num(g.get("lost"), 0)])
    if is_number(ice.get("ratio")) and is_number(ice.get("complaints")):
        fig.note = s.tr("Assumption from the source: about {r} dissatisfied customers behind each complaint "
                        "({c} complaints → about {d} dissatisfied, {x} of them silent). Return rates are the "
                        "source's figures, stated in the methodology.",
                        "来源中的假设：每一位投诉顾客背后约有 {r} 位不满意的顾客（{c} 起投诉 → 约 {d} 位不满意顾客，"
                        "其中 {x} 位未投诉）。回头率为来源数据，见方法说明。").format(
            r=fmt_num(ice["ratio"], 0), c=fmt_num(ice["complaints"], 0), d=fmt_num(ice.get("dissatisfied"), 0),
            x=fmt_num(ice.get("silent"), 0))
    return fig if fig.rows or fig.note else None


def six_steps(data: dict[str, Any], s: Style) -> Figure | None:
    steps = rows_of(path(data, "six_steps", "steps"))
    cases = path(data, "six_steps", "cases")
    return rate_figure("six_steps", steps, s, s.tr("Complaint handling: the six steps", "投诉处理六步法"),
                       s.tr("Share of observed complaint cases in which each step was done{n}.",
                            "观察到的投诉案例中完成各步骤的比例{n}。").format(
                           n=f" (n={cases})" if isinstance(cases, int) else ""),
                       n_key="answered")


def loss_reasons(data: dict[str, Any], s: Style) -> Figure | None:
    rows = rows_of(path(data, "loss_reasons", "rows"))

    def label(r: dict) -> str:
        bench = r.get("benchmark")
        return row_label(r, s.lang) + (s.tr(" (source {b}%)", "（来源 {b}%）").format(b=fmt_num(bench, 0))
                                       if is_number(bench) else "")

    total = path(data, "loss_reasons", "total")
    return rate_figure("loss", rows, s, s.t("chart_loss"),
                       s.tr("Share of lost customers giving each reason{n}, with 95% intervals; in brackets the "
                            "source's benchmark share.", "各原因在流失顾客中的占比{n}及 95% 区间；括号内为来源中的参考比例。")
                       .format(n=f" (n={total})" if isinstance(total, int) else ""),
                       rate_key="share", tone_of=lambda r, pct: "muted" if pct is None else "neutral",
                       label_of=label, n_key=None)


# --- golden triangle ------------------------------------------------------------------

def triangle(data: dict[str, Any], s: Style) -> Figure | None:
    corners = {str(r.get("corner")): r for r in rows_of(data.get("corners"))}
    if not corners:
        return None
    values = [(row_label(corners[c], s.lang) if c in corners else vocab_label(c, s.lang),
               number(corners.get(c), ("score",))) for c in ("people", "hardware", "software")]
    if all(v is None for _, v in values):
        return None
    title = s.t("chart_triangle")
    svg = charts.triangle(values, title=title, font=s.font, no_data=t("no_data", s.lang), palette=s.palette,
                          uid=s.chart_id("triangle"))
    tri = data.get("triangle") or {}
    note = ""
    if is_number(tri.get("score")) and is_number(tri.get("arithmetic_mean")):
        note = s.tr("Triangle score {t} against a plain average of {a}: imbalance between the corners costs {c} "
                    "points.", "金三角得分 {t}，三角简单平均为 {a}：三角不均衡损失 {c} 分。").format(
            t=fmt_num(tri["score"], 1), a=fmt_num(tri["arithmetic_mean"], 1),
            c=fmt_num(tri.get("imbalance_cost"), 1))
    return Figure("triangle", title, svg, note)


def triangle_elements(data: dict[str, Any], s: Style) -> Figure | None:
    rows = []
    for corner in rows_of(data.get("corners")):
        for e in rows_of(corner.get("elements")):
            lo, hi = interval(e)
            rows.append((f"{row_label(corner, s.lang)} · {row_label(e, s.lang)}", number(e, ("score",)), lo, hi))
    return score_figure("elements", rows, s, s.tr("Elements of the triangle", "金三角各要素"),
                        s.tr("Element scores 0–100 from the tagged evidence (or the auditor's rubric); whiskers: "
                             "95% interval where one exists.", "各要素得分（0–100），来自标注的证据（或审核员评分）；须线为 95% 区间。"))


Adapter = Callable[[dict[str, Any], Style], "Figure | list[Figure] | None"]

#: the charts of the built-in modules, in the order they appear
MODULE_CHARTS: dict[str, list[Adapter]] = {
    "diagnosis_gap": [diagnosis_gaps, diagnosis_importance, diagnosis_listening, subscores],
    "prescription_gap": [coverage_by_dimension, standard_quality, uncovered_items, subscores],
    "pharmacy_gap": [compliance, compliance_groups("shifts", "shift", "班次"),
                     compliance_groups("roles", "role", "岗位"), root_causes, subscores],
    "outcome_gap": [customer_gaps, zones, ipa, driver_weights, penalty_reward, promises, reliability,
                    scale_item_table, subscores],
    "eight_factor": [factors, complaint_resolution, iceberg, six_steps, loss_reasons],
    "golden_triangle": [triangle, triangle_elements],
}

#: charts for any other module, by the top-level ``data`` key that triggers them
KEY_CHARTS: dict[str, Adapter] = {
    "customer_gap": customer_gaps,
    "zone": zones,
    "drivers": driver_weights,
    "ipa": ipa,
    "promises": promises,
    "standards": compliance,
    "shifts": compliance_groups("shifts", "shift", "班次"),
    "roles": compliance_groups("roles", "role", "岗位"),
    "factors": factors,
    "complaints": complaint_resolution,
    "six_steps": six_steps,
    "loss_reasons": loss_reasons,
    "corners": triangle,
    "subscores": subscores,
}


def module_figures(module: ModuleResult, *, lang: str, font: str, palette: dict[str, str], uid: str) -> list[Figure]:
    """The charts for one module's ``data``; parts that cannot be read are skipped."""
    style = Style(lang, font, palette, uid)
    adapters = MODULE_CHARTS.get(module.id) or [a for k, a in KEY_CHARTS.items() if k in module.data]
    out = []
    for adapter in adapters:
        try:
            fig = adapter(module.data, style)
        except (TypeError, ValueError, KeyError, AttributeError, ZeroDivisionError, IndexError):
            fig = None  # a shape we cannot read: no chart rather than a wrong one
        if isinstance(fig, list):  # an adapter may draw several charts (one per dimension)
            out.extend(fig)
        elif fig is not None:
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
