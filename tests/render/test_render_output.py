"""HTML and Markdown outputs, plugin sections and themes, the gap chain, safety, atomic writes."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
from pathlib import Path

import pytest
from render_results import INJECT, rich_result

from gapaudit import hookimpl
from gapaudit.errors import OutputError, PluginError
from gapaudit.model.report import ReportSection, Theme
from gapaudit.model.result import Finding
from gapaudit.render import document, render
from gapaudit.render.html import render_html, to_html
from gapaudit.render.markdown import md, to_markdown
from gapaudit.testing import example_audit, load, make_host, minimal_audit


def test_html_is_standalone_and_shows_every_module():
    result = rich_result("en")
    html = to_html(result).decode("utf-8")
    assert html.startswith("<!DOCTYPE html>")
    for module in result.modules.values():
        assert module.title in html
    assert "no survey responses in the evidence" in html  # the no-data module says why
    refs = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert all(r.startswith(("#", "data:")) for r in refs), refs  # nothing outside the file
    assert "<link" not in html and "@import" not in html
    assert html.count("<svg") >= 10


def test_every_free_text_field_comes_out_literally():
    for lang in ("en", "zh"):
        html = to_html(rich_result(lang, inject=True)).decode("utf-8")
        assert "<script>" not in html and "<link rel=attachment" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "{{ 7*7 }}" in html and "{% if 1 %}X{% endif %}" in html


def test_markdown_summary_is_readable_and_inert():
    text = to_markdown(rich_result("zh", inject=True)).decode("utf-8")
    assert text.startswith("# 服务质量审核报告")
    assert "差距链" in text and "行动计划" in text and "最严重的发现" in text
    assert "<script>" not in text and "<link" not in text
    assert "&lt;script&gt;" in text
    assert md("[click](javascript:x) *b* `c` | d") == r"\[click\](javascript:x) \*b\* \`c\` \| d"
    assert md("# not a heading") == r"\# not a heading"
    plain = to_markdown(rich_result("en")).decode("utf-8")
    assert "| Diagnosis gap | 62.0 | C |" in plain
    assert "Outcome gap: No score: no survey responses in the evidence" in plain


def test_gap_chain_status_and_weakest_link():
    result = rich_result("en")
    links = document.build_chain(result, "en")
    assert [link["status"] for link in links] == ["weak", "breaks", "holds", "no_data"]
    assert [link["weakest"] for link in links] == [False, True, False, False]
    assert document.chain_status(70) == "holds" and document.chain_status(69.9) == "weak"
    assert document.chain_status(54.9) == "breaks" and document.chain_status(None) == "no_data"
    held = result.model_copy(update={"modules": {m: r.model_copy(update={"score": 90.0})
                                                 for m, r in result.modules.items()}})
    assert not any(link["weakest"] for link in document.build_chain(held, "en"))


def test_top_findings_by_severity_then_module_order():
    found = document.top_findings(rich_result("en"), 3)
    assert [top.finding.severity for top in found] == ["critical", "high", "high"]
    assert [list(top.modules) for top in found] == [["diagnosis_gap"], ["prescription_gap"],
                                                              ["golden_triangle"]]


def test_top_findings_list_one_problem_once_naming_every_module():
    """A failed critical standard caps three modules' grades: the summary shows it once, with all three."""
    result = rich_result("en")
    critical = Finding(id="x.critical", severity="critical", title="Critical item failed", topic="critical_failure:F")
    other = Finding(id="x.other", severity="critical", title="Other critical items failed",
                    topic="critical_failure:F,G")
    modules = dict(result.modules)
    for mid in ("pharmacy_gap", "eight_factor", "golden_triangle"):
        extra = [other] if mid == "golden_triangle" else []
        modules[mid] = modules[mid].model_copy(update={"findings": [critical, *extra, *modules[mid].findings]})
    found = document.top_findings(result.model_copy(update={"modules": modules}), 4)
    first = result.modules["diagnosis_gap"].findings[0]  # critical, from the first module
    assert [(top.finding.title, list(top.modules)) for top in found] == [
        (first.title, ["diagnosis_gap"]),
        ("Critical item failed", ["pharmacy_gap", "eight_factor", "golden_triangle"]),
        ("Other critical items failed", ["golden_triangle"]),
        (result.modules["prescription_gap"].findings[0].title, ["prescription_gap"])]
    assert found[1].module_names(result, "en") == "Pharmacy gap; " + "; ".join(
        modules[m].title for m in ("eight_factor", "golden_triangle"))


# --- plugins: sections, templates, theme -----------------------------------------------

class Branding:
    """A chain plugin: a report section with its own template, and a theme."""

    def __init__(self, folder: Path, colors: dict[str, str] | None = None, logo: str = "logo.svg"):
        self.folder = folder
        self.colors = colors if colors is not None else {"accent": "#123456", "bad": "rgb(200, 0, 0)"}
        self.logo = logo

    @hookimpl
    def gapaudit_template_dirs(self):
        return [self.folder / "templates"]

    @hookimpl
    def gapaudit_report_sections(self, result, lang):
        return [ReportSection(id="scorecard", title="Chain scorecard " + INJECT, template="chain/card.html.j2",
                              order=850, context={"note": INJECT}),
                ReportSection(id="early", title="Early page", template="chain/card.html.j2", order=50,
                              context={"note": "early"})]

    @hookimpl
    def gapaudit_theme(self, audit):
        theme = self.folder / "theme"
        return Theme(name="chain", logo=theme / self.logo, stylesheet=theme / "chain.css", colors=self.colors,
                     font_family="Chain Sans", cover_text={"en": "For internal use " + INJECT},
                     footer_text={"en": "Chain footer"}, asset_dirs=[theme])


@pytest.fixture
def branding(tmp_path):
    (tmp_path / "templates" / "chain").mkdir(parents=True)
    (tmp_path / "templates" / "chain" / "card.html.j2").write_text(
        "<h1>{{ section.title }}</h1><p class='note'>{{ ctx.note }}</p><p>{{ store.name }} {{ t('score') }}</p>")
    (tmp_path / "theme").mkdir()
    (tmp_path / "theme" / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'>"
                                                 + "<rect width='10' height='10'/>" * 20 + "</svg>")
    (tmp_path / "theme" / "chain.css").write_text("h1 { letter-spacing: 1px; } /* </style><script>x</script> */")
    (tmp_path / "secret.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    return tmp_path


def _html(plugin, lang="en", target="html"):
    host = make_host(plugin, names=["chain"])
    loaded = load(example_audit(lang), host)
    from gapaudit import engine

    return render_html(engine.run(loaded, host), host=host, audit=loaded.input, target=target)


def test_plugin_sections_sorted_by_order_and_escaped(branding):
    html, report = _html(Branding(branding))
    ids = [s.id for s in report.sections]
    assert ids[0] == "summary" and ids[1] == "plugin-early"
    assert ids.index("plugin-scorecard") == ids.index("actions") - 1
    assert all(s.startswith("module-") for s in ids[2:ids.index("plugin-scorecard")])
    assert '<p class=\'note\'>&lt;script&gt;' in html and "<script>alert" not in html
    toc = html[html.index('<nav class="toc"'):html.index("</nav>")]
    assert toc.index("Early page") < toc.index("Diagnosis") < toc.index("Chain scorecard")


def test_theme_colours_logo_fonts_cover_and_footer(branding):
    html, report = _html(Branding(branding))
    assert re.findall(r"--accent:\s*([^;]+);", html)[-1].strip() == "#123456"  # the theme wins over report.css
    assert report.palette["bad"] == "rgb(200, 0, 0)"  # chart colours too
    logo = (branding / "theme" / "logo.svg").read_bytes()
    assert f'class="logo" src="data:image/svg+xml;base64,{base64.b64encode(logo).decode()}"' in html  # whole
    assert 'html { font-family: "Chain Sans", ' in html
    assert "For internal use &lt;script&gt;" in html and "Chain footer" in html
    assert "letter-spacing: 1px" in html and "</style><script>" not in html  # inlined, cannot close <style>
    _, pdf_report = _html(Branding(branding), target="pdf")
    assert pdf_report.stylesheet_url and pdf_report.stylesheet_url.startswith("file://")


@pytest.mark.parametrize("colors", [{"accent": "red; } body { display: none"}, {"accent": "url(file:///etc/x)"},
                                    {"bad key": "#fff"}])
def test_theme_colours_must_be_colours(branding, colors):
    with pytest.raises(PluginError, match="colour"):
        _html(Branding(branding, colors=colors))


def test_theme_files_must_stay_in_the_theme_folder(branding):
    with pytest.raises(OutputError, match="logo"):
        _html(Branding(branding, logo="../secret.svg"))


def test_template_error_is_an_output_error(tmp_path):
    (tmp_path / "sections").mkdir()
    (tmp_path / "sections" / "summary.html.j2").write_text("{% if %}")
    result = rich_result("en")
    with pytest.raises(OutputError, match="template"):
        to_html(result, template_dirs=[tmp_path])


def test_failed_render_leaves_the_previous_report(tmp_path):
    """Atomic output: a run that fails while rendering never touches the last good report."""
    from gapaudit.runner import RunOptions, run_one

    audit = tmp_path / "store.yaml"
    audit.write_text("schema_version: 1\naudit: {id: A-1, date: 2026-09-30}\nstore: {id: S, name: Corner}\n")
    good = tmp_path / "store.pdf"
    good.write_bytes(b"%PDF-1.7 the last good report")
    broken = tmp_path / "tpl"
    broken.mkdir()
    (broken / "report.html.j2").write_text("{{ undefined_function() }}")
    with pytest.raises(OutputError):
        run_one(audit, RunOptions(formats=("html", "pdf"), template_dirs=(broken,)), make_host(builtins=False))
    assert good.read_bytes() == b"%PDF-1.7 the last good report"
    assert not (tmp_path / "store.html").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_render_dispatch_and_minimal_audit_without_modules():
    host = make_host(builtins=False)
    from gapaudit import engine

    result = engine.run(load(minimal_audit(), host), host)
    html = render(result, "html", host=host).decode("utf-8")
    assert "No overall score" in html
    text = render(result, "md", host=host).decode("utf-8")
    assert "No overall score" in text


def test_html_and_markdown_runs_never_import_weasyprint(tmp_path):
    audit = tmp_path / "a.yaml"
    audit.write_text("schema_version: 1\naudit: {id: A, date: 2026-01-01}\nstore: {id: S, name: N}\n")
    code = ("import sys\nfrom gapaudit.cli import main\n"
            f"try:\n    main(['run', {str(audit)!r}, '-f', 'html,md,csv,json', '-o', {str(tmp_path / 'out')!r}])\n"
            "except SystemExit:\n    pass\n"
            "print('WEASY=' + str(any(m.startswith('weasyprint') for m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "WEASY=False" in out.stdout, out.stderr
    assert (tmp_path / "out" / "a.html").exists() and (tmp_path / "out" / "a.md").exists()


def test_language_override_translates_every_fixed_text():
    from gapaudit import engine

    host = make_host()
    loaded = load(example_audit("en"), host)
    html = to_html(engine.run(loaded, host, lang="zh"), host=host, audit=loaded.input).decode("utf-8")
    assert '<html lang="zh-CN">' in html
    for text in ("执行摘要", "行动计划", "附录", "目录", "差距链", "指标", "发现"):
        assert text in html
    for text in ("Executive summary", "Action plan", "Appendix", "Contents", "Measures", "Findings"):
        assert text not in html


def test_appendix_lists_sample_sizes_and_reliability():
    tables = document.appendix_tables(rich_result("en"))
    assert {row["module"] for row in tables["sample_sizes"]} >= {"diagnosis_gap", "pharmacy_gap"}
    alphas = tables["alphas"]
    assert [round(row["alpha"], 2) for row in alphas] == [0.81, 0.88, 0.64, 0.79, 0.85]
    html = to_html(rich_result("en")).decode("utf-8")
    assert "Scale reliability" in html and "below 0.70" in html


def test_a_module_section_can_be_replaced_by_its_own_template(tmp_path):
    (tmp_path / "modules").mkdir()
    (tmp_path / "modules" / "pharmacy_gap.html.j2").write_text(
        "<h1>{{ ctx.module.title }}</h1><p class='custom'>custom page, {{ ctx.figures | length }} charts</p>")
    html = to_html(rich_result("en"), template_dirs=[tmp_path]).decode("utf-8")
    section = html[html.index('id="module-pharmacy_gap"'):]
    section = section[:section.index("</section>")]
    assert "<p class='custom'>custom page, 2 charts</p>" in section
    assert "Measures" not in section  # the generic section is not rendered for this module
    assert html.count("<h2>Measures</h2>") == 4  # the other scored modules keep theirs
