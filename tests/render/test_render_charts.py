"""Charts, chart selection from module data, fixed texts and locale formatting."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from render_results import DATA, rich_result

from gapaudit.model.result import ModuleResult
from gapaudit.render import charts, i18n
from gapaudit.render.figures import KEY_CHARTS, MODULE_CHARTS, module_figures
from gapaudit.testing import make_host, run_audit, sample_audit_names, sample_audit_path

SVG = "{http://www.w3.org/2000/svg}"
FONT = '"DejaVu Sans", sans-serif'


def parse(svg: str) -> ET.Element:
    return ET.fromstring(str(svg))


def texts(svg: str) -> list[str]:
    return [t.text or "" for t in parse(svg).iter(SVG + "text")]


def test_bars_escape_labels_and_mark_tones_with_patterns():
    svg = charts.bars([charts.Bar('<script>"x"</script>', -1.1, -1.3, -0.9, "bad"),
                       charts.Bar("ok", 0.2, -0.1, 0.5, "good"), charts.Bar("none", None, text="no data")],
                      title="t & <b>", font=FONT, sign=True)
    root = parse(svg)  # well-formed although labels held markup
    assert root.find(SVG + "title").text == "t & <b>"
    assert '<script>"x"</script>' in texts(svg)
    assert "−1.10" in texts(svg) and "+0.20" in texts(svg) and "no data" in texts(svg)
    fills = [r.get("fill") for r in root.iter(SVG + "path")]
    assert any(f and "hatch-bad" in f for f in fills)  # a shortfall is hatched, not only red


def test_a_chart_has_a_few_shapes_whatever_its_rows_and_defines_only_the_patterns_it_uses():
    """WeasyPrint draws every element, and every use of a pattern, on its own: shapes of one style are one path."""
    rows = [charts.Bar(f"item {i}", (i % 7) - 3.0, (i % 7) - 3.4, (i % 7) - 2.6, ("bad", "good", "neutral")[i % 3])
            for i in range(40)]
    root = parse(charts.bars(rows, title="t", font=FONT, sign=True, reference=(1.0, "target")))
    shapes = [e for e in root.iter() if e.tag in (SVG + "path", SVG + "rect", SVG + "line", SVG + "circle")
              and not any(e in p.iter() for p in root.iter(SVG + "pattern"))]
    assert len(shapes) <= 8  # grid, three fills, whiskers, zero line, target line
    assert len(texts(charts.bars(rows, title="t", font=FONT))) == 40 * 2 + len(charts.nice_ticks(-3.4, 3.4))
    ids = {p.get("id") for p in root.iter(SVG + "pattern")}
    used = {f[5:-1] for f in (e.get("fill") or "" for e in root.iter()) if f.startswith("url(#")}
    assert ids == used == {"c-hatch-bad"}


def test_as_image_carries_the_chart_with_its_title_as_alternative_text_and_row_labels_as_lines():
    """In the PDF a chart is an image of its SVG, its row labels (and zone values) set over it as blocks of lines
    at the same place: the same texts, in row order, the strong rows bold."""
    import base64
    import html
    import re

    rows = [charts.ZoneRow("Reliability & <b>", 4.5, 6.2, 4.1, strong=True), charts.ZoneRow("REL1 item", 4.0, 6.0, 5.0)]
    svg = charts.zone(rows, title='Zone "by" <dimension>', font=FONT, legend=("zone", "below", "inside", "above"),
                      domain=(1, 7))
    out = str(charts.as_image(svg))
    img = re.search(r'<img class="chart" src="data:image/svg\+xml;base64,([^"]+)" width="640" height="(\d+)" '
                    r'alt="Zone &#34;by&#34; &lt;dimension&gt;">', out)
    image = base64.b64decode(img.group(1)).decode("utf-8")
    assert texts(image) == [t for t in texts(svg) if t not in ("Reliability & <b>", "REL1 item", "4.10", "5.00")]
    columns = re.findall(r'<div class="chart-column" style="([^"]*)">(.*?)</div>', out, re.S)
    assert [html.unescape(re.sub("</?b>", "", body)).split("\n") for _, body in columns] == \
        [["Reliability & <b>", "REL1 item"], ["4.10", "5.00"]]
    assert columns[0][1].startswith("<b>Reliability &amp; &lt;b&gt;</b>\n")  # the dimension's row is bold
    assert "text-align: right" in columns[0][0] and "line-height: 22px" in columns[0][0]
    assert str(charts.as_image(charts.columns([("a", 1.0, "bad")], title="c", font=FONT))).startswith("<img ")
    assert charts.as_image(None) is None


def test_svg_is_well_formed_with_the_report_font_stack():
    """The font stack is Markup with quoted family names; it must still be escaped inside the SVG."""
    from markupsafe import Markup

    from gapaudit.render.fonts import css_font_family

    font = Markup(css_font_family(["WenQuanYi Micro Hei", "DejaVu Sans", "sans-serif"]))
    root = parse(charts.bars([charts.Bar("有形性", -0.5)], title="t", font=font))
    assert root.get("font-family") == '"WenQuanYi Micro Hei", "DejaVu Sans", sans-serif'


def test_bars_target_line_and_percent_axis():
    svg = charts.bars([charts.Bar("a", 55.0, 41, 68, "bad")], title="c", font=FONT, domain=(0, 100), unit="%",
                      digits=0, reference=(90, "target 90%"))
    assert "target 90%" in texts(svg)
    assert {"0%", "40%", "100%"} <= set(texts(svg))


@pytest.mark.parametrize("lo,hi,expected", [(0, 100, [0, 20, 40, 60, 80, 100]), (-1.3, 0.5, None),
                                            (4.1, 6.5, None), (0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1.0])])
def test_nice_ticks_cover_the_range(lo, hi, expected):
    ticks = charts.nice_ticks(lo, hi)
    assert ticks[0] <= lo and ticks[-1] >= hi
    steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:])}
    assert len(steps) == 1
    if expected:
        assert ticks == pytest.approx(expected)


def test_tick_labels_are_exact():
    assert charts._tick_digits([-0.75, -0.5, -0.25, 0]) == 2
    assert charts._tick_digits([0, 0.5, 1]) == 1
    assert charts._tick_digits([0, 20, 40]) == 0


def test_fit_shortens_wide_text():
    assert charts.fit("short", 100) == "short"
    long = charts.fit("服务标准体现了顾客的期望吗服务标准体现了顾客的期望吗", 100)
    assert long.endswith("…") and charts.text_width(long) <= 100


def test_quadrant_triangle_columns_chain_are_well_formed():
    q = charts.quadrant([charts.Point("R1", 4.2, 6.4, "triangle", "bad"), charts.Point("T1", 5.9, 4.2, "square")],
                        title="ipa", font=FONT, x_label="Performance", y_label="Importance", x_cross=5, y_cross=5.5,
                        quadrant_labels={"top_left": "Concentrate here"})
    assert "Concentrate here" in texts(q) and "R1" in texts(q)
    tri = charts.triangle([("People", 78.0), ("Hardware", None), ("Software", 64.0)], title="t", font=FONT,
                          no_data="no data")
    assert "no data" in texts(tri) and "78" in texts(tri)
    col = charts.columns([("≤ 1 d", 12, "neutral"), ("open", 3, "bad")], title="c", font=FONT)
    assert "12" in texts(col) and "open" in texts(col)
    chain = charts.chain([{"name": "Diagnosis", "score_text": "48", "status_text": "breaks", "tone": "bad",
                           "weakest": True}], title="chain", font=FONT, weakest_label="weakest link")
    assert "breaks" in texts(chain) and "▲ weakest link" in texts(chain)
    for svg in (q, tri, col, chain):
        parse(svg)


@pytest.fixture(scope="module")
def sample_results():
    host = make_host()
    out = {}
    for name in sample_audit_names():
        try:
            out[name] = run_audit(sample_audit_path(name), host)
        except Exception:  # samples needing a plugin that is not installed in this test host
            continue
    return out


def test_every_built_in_module_gets_its_charts_from_the_samples(sample_results):
    if not sample_results:
        pytest.skip("no sample audits")
    drawn: dict[str, set[str]] = {}
    for result in sample_results.values():
        for mid, module in result.modules.items():
            figures = module_figures(module, lang="en", font=FONT, palette=charts.PALETTE, uid="t")
            drawn.setdefault(mid, set()).update(f.key for f in figures)
            for fig in figures:
                if fig.svg is not None:
                    parse(fig.svg)
    expected = {"diagnosis_gap": {"dimensions", "importance"}, "prescription_gap": {"coverage", "standards"},
                "pharmacy_gap": {"standards"},
                "outcome_gap": {"customer_gap", "ipa", "promises", "alpha", "zone-tangibles", "zone-reliability",
                                "zone-responsiveness", "zone-assurance", "zone-empathy", "drivers", "prca",
                                "scale_items", "placements"},
                "eight_factor": {"factors", "resolution"}, "golden_triangle": {"triangle", "elements"}}
    for mid, keys in expected.items():
        assert keys <= drawn.get(mid, set()), (mid, drawn.get(mid))


def test_zone_chart_marks_position_by_shape_and_escapes_text():
    rows = [charts.ZoneRow("<b>dim</b>", 4.5, 6.2, 4.1, 3.9, 4.3, "below", strong=True),
            charts.ZoneRow("inside item", 4.0, 6.0, 5.0, None, None, "inside"),
            charts.ZoneRow("above item", 4.0, 5.5, 6.0, 5.8, 6.2, "above")]
    svg = charts.zone(rows, title="Zone & <t>", font=FONT, legend=("zone", "below", "inside", "above"),
                      domain=(1, 7))
    root = parse(svg)
    assert "<b>dim</b>" in texts(svg) and "4.10" in texts(svg) and "6.00" in texts(svg)
    assert any("hatch-bad" in (p.get("fill") or "") for p in root.iter(SVG + "path"))  # below: hatched triangle
    assert any(r.get("fill") == charts.PALETTE["paper"] and "h" in r.get("d") and "a" not in r.get("d")
               for r in root.iter(SVG + "path"))  # above: open square


def test_a_plugin_module_gets_charts_by_data_key():
    module = ModuleResult(id="house_standards", title="House", score=70, data={
        "standards": [{"id": "S1", "title": "Greet", "rate": 0.8, "ci_low": 0.6, "ci_high": 0.9, "n": 20}],
        "subscores": {"delivery": 70}, "unrelated": [1, 2, 3]})
    keys = [f.key for f in module_figures(module, lang="en", font=FONT, palette=charts.PALETTE, uid="p")]
    assert keys == ["standards", "subscores"]
    assert set(KEY_CHARTS) and set(MODULE_CHARTS) == {"diagnosis_gap", "prescription_gap", "pharmacy_gap",
                                                      "outcome_gap", "eight_factor", "golden_triangle"}


def test_unreadable_data_gives_no_chart_not_an_error():
    module = ModuleResult(id="outcome_gap", title="x", score=None, reason="none", data={
        "customer_gap": "garbage", "ipa": {"points": [{"id": "a"}]}, "promises": [{"rate": "high"}],
        "subscores": None})
    assert module_figures(module, lang="zh", font=FONT, palette=charts.PALETTE, uid="u") == []


def test_hand_built_result_draws_its_charts():
    result = rich_result("zh")
    figures = {mid: [f.key for f in module_figures(m, lang="zh", font=FONT, palette=charts.PALETTE, uid=mid)]
               for mid, m in result.modules.items()}
    assert "ipa" in figures["outcome_gap"] and "triangle" in figures["golden_triangle"]
    assert set(DATA) == set(result.modules)


def test_every_text_has_both_languages():
    for key, entry in i18n.TEXT.items():
        assert entry.get("en") and entry.get("zh"), key
        assert set(_fields(entry["en"])) == set(_fields(entry["zh"])), key


def _fields(text: str) -> list[str]:
    import string

    return [f for _, f, _, _ in string.Formatter().parse(text) if f]


@pytest.mark.parametrize("value,digits,sign,expected", [
    (-0.864, 2, False, "−0.86"), (1234.5, 1, False, "1,234.5"), (0.2, 2, True, "+0.20"), (-0.001, 2, False, "0.00"),
    (12, None, False, "12"), (None, 1, False, "—"), (3.14159, None, False, "3.14"), ("n/a", 1, False, "n/a"),
])
def test_number_format(value, digits, sign, expected):
    assert i18n.fmt_num(value, digits, sign=sign) == expected


def test_dates_and_percentages_per_language():
    day = dt.date(2026, 9, 30)
    assert i18n.fmt_date(day, "en") == "30 September 2026"
    assert i18n.fmt_date(day, "zh") == "2026年9月30日"
    assert i18n.fmt_date("2026-09-30", "zh") == "2026年9月30日"
    assert i18n.fmt_date_short(day, "en") == "30 Sep 2026" and i18n.fmt_date_short(day, "zh") == "2026-09-30"
    assert i18n.fmt_pct(0.583, 0, ratio=True) == "58%"
    assert i18n.fmt_pct(71.25, 1) == "71.3%"
    assert i18n.t("page_of", "zh", page=2, pages=9) == "第 2 页，共 9 页"
