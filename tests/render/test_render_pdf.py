"""The PDF report: every sample rendered, text in zh and en, fonts, no attachments, injected markup, determinism.

Each PDF is rendered once per test session (module-scoped fixtures) and
read with pdftotext and pypdf.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from render_results import rich_result

from gapaudit.errors import OutputError
from gapaudit.plugins import PluginHost
from gapaudit.render import fonts
from gapaudit.render.pdf import to_pdf
from gapaudit.testing import load, sample_audit_names, sample_audit_path

pypdf = pytest.importorskip("pypdf")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) missing")]

INJECTED = ["<script>alert(1)</script>", "<link rel=attachment href=file:///etc/passwd>", "{{ 7*7 }}",
            "{% if 1 %}X{% endif %}"]


def pdf_text(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                         check=True)
    return out.stdout.decode("utf-8")


def squash(text: str) -> str:
    """Text without whitespace, so words wrapped across lines still match."""
    return "".join(text.split())


@pytest.fixture(scope="module")
def sample_pdfs() -> dict[str, tuple[object, bytes]]:
    """Every sample audit the installed plugins can run, as (result, PDF)."""
    from gapaudit import engine

    host = PluginHost.create()  # installed plugins too: a sample may need its chain's plugin
    out = {}
    for name in sample_audit_names():
        try:
            loaded = load(sample_audit_path(name), host)
        except Exception:
            continue
        result = engine.run(loaded, host)
        out[name] = (result, to_pdf(result, host=host, audit=loaded.input))
    if not out:
        pytest.skip("no sample audits")
    return out


@pytest.fixture(scope="module")
def injected_pdfs() -> dict[str, bytes]:
    return {lang: to_pdf(rich_result(lang, inject=True)) for lang in ("en", "zh")}


def test_every_sample_renders_with_every_module_and_section(sample_pdfs):
    for name, (result, pdf) in sample_pdfs.items():
        reader = pypdf.PdfReader(io.BytesIO(pdf))
        assert 8 <= len(reader.pages) <= 60, (name, len(reader.pages))
        text = squash(pdf_text(pdf))
        zh = result.audit["language"] == "zh"
        for heading in (["目录", "执行摘要", "差距链", "行动计划", "附录", "方法说明", "插件与版本"] if zh else
                        ["Contents", "Executive summary", "The gap chain", "Action plan", "Appendix", "Methodology",
                         "Plugins and versions"]):
            assert squash(heading) in text, (name, heading)
        for module in result.modules.values():
            assert squash(module.title) in text, (name, module.title)
        assert squash(str(result.store["name"])) in text
        pages = len(reader.pages)
        assert squash(f"第 {pages} 页，共 {pages} 页" if zh else f"Page {pages} of {pages}") in text
        # cover, contents, then the executive summary on exactly one page: page 4 opens the first module
        first_module = next(iter(result.modules.values())).title
        page4 = squash(subprocess.run(["pdftotext", "-f", "4", "-l", "4", "-enc", "UTF-8", "-", "-"], input=pdf,
                                      capture_output=True, check=True).stdout.decode("utf-8"))
        assert squash(first_module) in page4[:400], (name, page4[:200])


def page_text(pdf: bytes, page: int, layout: bool = False) -> str:
    args = ["pdftotext", "-f", str(page), "-l", str(page), "-enc", "UTF-8", *(["-layout"] if layout else []), "-", "-"]
    return subprocess.run(args, input=pdf, capture_output=True, check=True).stdout.decode("utf-8")


def test_contents_give_the_page_each_section_starts_on(sample_pdfs):
    """The contents' dot leaders are a background and the numbers target-counters: each number is right."""
    import re

    for name, (result, pdf) in sample_pdfs.items():
        entries = [m.groups() for m in re.finditer(r"^\s*(\S.*?)\s{2,}(\d+)\s*$", page_text(pdf, 2, layout=True), re.M)]
        titles = [m.title for m in result.modules.values()]
        assert len(entries) >= len(titles) + 3, (name, entries)  # summary, every module, plan, appendix
        for title, page in entries:
            assert squash(title) in squash(page_text(pdf, int(page)))[:300], (name, title, page)


def test_charts_are_tagged_figures_with_their_labels_as_text(sample_pdfs):
    """In the PDF a chart is an image of its SVG, its title the figure's alternative text, its row labels set
    as text over it: every label can be read, searched and copied."""
    import html
    import re

    import pikepdf

    from gapaudit.render import charts
    from gapaudit.render.figures import module_figures

    for name, (result, pdf) in sample_pdfs.items():
        text = squash(pdf_text(pdf))
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            alts = {str(o.get("/Alt")) for o in doc.objects
                    if isinstance(o, pikepdf.Dictionary) and o.get("/S") == "/Figure" and "/Alt" in o}
        for i, module in enumerate(result.modules.values()):
            for fig in module_figures(module, lang=result.audit["language"], font="sans-serif",
                                      palette=charts.PALETTE, uid=f"m{i}"):
                if fig.svg is None:
                    continue
                assert fig.title in alts, (name, fig.title)
                for column in re.findall(r'<g class="column".*?</g>', str(fig.svg), re.S):
                    for label in re.findall(r"<text[^>]*>(.*?)</text>", column, re.S):
                        assert squash(html.unescape(label)) in text, (name, fig.title, label)


def test_samples_cover_both_languages(sample_pdfs):
    langs = {result.audit["language"] for result, _ in sample_pdfs.values()}
    assert langs == {"zh", "en"}


def test_fonts_are_embedded_and_subset(sample_pdfs):
    for name, (_, pdf) in sample_pdfs.items():
        reader = pypdf.PdfReader(io.BytesIO(pdf))
        seen = {}
        for page in reader.pages:
            for font in (page["/Resources"].get("/Font") or {}).values():
                font = font.get_object()
                seen[str(font["/BaseFont"])] = font
        assert seen, name
        for base, font in seen.items():
            assert base[1:7].isupper() and base[7] == "+", (name, base)  # ABCDEF+Name: a subset
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), (name, base)
        if sample_pdfs[name][0].audit["language"] == "zh":
            assert any("WenQuanYi" in b or "CJK" in b or "Han" in b for b in seen), seen


def test_no_attachments_but_ours_and_no_local_files(injected_pdfs, sample_pdfs):
    for pdf in [*injected_pdfs.values(), *(p for _, p in sample_pdfs.values())]:
        reader = pypdf.PdfReader(io.BytesIO(pdf))
        # only the result and the action register gapaudit embeds; audit text attaches nothing
        assert sorted(reader.attachments) == ["actions.csv", "result.json"]
        for page in reader.pages:
            for annot in page.get("/Annots") or []:
                assert annot.get_object().get("/Subtype") != "/FileAttachment"
        assert b"root:x:0:0" not in pdf
        assert not any(b"root:x:0:0" in body for bodies in reader.attachments.values() for body in bodies)


def test_injected_markup_comes_out_as_literal_text(injected_pdfs):
    for lang, pdf in injected_pdfs.items():
        text = squash(pdf_text(pdf))
        for snippet in INJECTED:
            assert squash(snippet) in text, (lang, snippet)
        # long hostile names still leave the cover on one page: page 2 is the contents
        page2 = subprocess.run(["pdftotext", "-f", "2", "-l", "2", "-enc", "UTF-8", "-", "-"], input=pdf,
                               capture_output=True, check=True).stdout.decode("utf-8")
        assert ("目录" if lang == "zh" else "Contents") in page2


def test_chinese_and_english_text_extract(injected_pdfs):
    assert squash("管理层低估了顾客对可靠性的期望") in squash(pdf_text(injected_pdfs["zh"]))
    assert squash("Management underestimates what customers expect") in squash(pdf_text(injected_pdfs["en"]))


def test_same_input_gives_the_same_bytes(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first, second = to_pdf(rich_result("en")), to_pdf(rich_result("en"))
    assert first == second
    info = pypdf.PdfReader(io.BytesIO(first)).metadata
    assert info["/CreationDate"].startswith("D:20260930000000")  # the audit date, not the clock
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(dt.datetime(2027, 1, 2, 3, 4, 5,
                                                                tzinfo=dt.timezone.utc).timestamp())))
    pinned = to_pdf(rich_result("en"))
    assert pypdf.PdfReader(io.BytesIO(pinned)).metadata["/CreationDate"].startswith("D:20270102030405")


def test_objects_serialised_once_write_the_same_bytes(monkeypatch):
    # the finisher hands pydyf each object's bytes so it does not serialise (and compress) everything twice;
    # the file must be exactly what pydyf writes by itself, identifier included
    from gapaudit.render import pdfa

    result = rich_result("zh")
    once = to_pdf(result)
    monkeypatch.setattr(pdfa, "_serialise_once", lambda pdf: None)
    assert to_pdf(result) == once
    assert pypdf.PdfReader(io.BytesIO(once)).trailer["/ID"][0]  # PDF/A's file identifier is there


def test_chinese_report_without_a_chinese_font_stops_with_the_package_to_install(monkeypatch):
    monkeypatch.setattr(fonts, "_families", ())
    with pytest.raises(OutputError, match="fonts-noto-cjk|fonts-wqy-microhei"):
        to_pdf(rich_result("zh"))
    result = rich_result("en")
    named = result.model_copy(update={"store": {**result.store, "name": "河畔电器"}})
    with pytest.raises(OutputError, match="Chinese"):
        to_pdf(named)  # an English report quoting Chinese names needs the font too


def test_pdf_through_the_cli_uses_the_helper_process(tmp_path):
    """`gapaudit run -f pdf` lays out in a forked helper; the bytes equal an in-process render."""
    import os
    import sys

    from gapaudit.testing import example_audit

    audit = tmp_path / "a.yaml"
    import yaml

    audit.write_text(yaml.safe_dump(example_audit("en"), allow_unicode=True), "utf-8")
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1790000000"}
    gapaudit = [sys.executable, "-m", "gapaudit.cli"]
    subprocess.run([*gapaudit, "run", str(audit), "-f", "pdf", "-o", str(tmp_path / "w.pdf")], check=True,
                   env=env, capture_output=True)
    subprocess.run([*gapaudit, "run", str(audit), "-f", "pdf", "-o", str(tmp_path / "p.pdf")], check=True,
                   env={**env, "GAPAUDIT_PDF_WORKER": "0"}, capture_output=True)
    assert (tmp_path / "w.pdf").read_bytes() == (tmp_path / "p.pdf").read_bytes()
    assert (tmp_path / "w.pdf").read_bytes().startswith(b"%PDF-")


def test_weasyprint_cannot_attach_or_load_files_outside_the_allowed_folders(tmp_path):
    """Even markup that reached WeasyPrint (say, from a careless template) cannot pull in local files."""
    from gapaudit.render.pdf import html_to_pdf

    allowed = tmp_path / "theme"
    allowed.mkdir()
    (allowed / "ok.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg' width='4' height='4'>"
                                    "<rect width='4' height='4'/></svg>")
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    html = (f"<html><head><link rel=attachment href='{secret.as_uri()}'>"
            f"<link rel=attachment href='file:///etc/passwd'>"
            f"<link rel=stylesheet href='{allowed.as_uri()}/../secret.txt'></head><body>"
            f"<img src='{secret.as_uri()}'><img src='{(allowed / 'ok.svg').as_uri()}'>"
            f"<a rel=attachment href='{secret.as_uri()}'>x</a><p>body text</p></body></html>")
    pdf = html_to_pdf(html, [allowed], allowed)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    names = reader.trailer["/Root"].get("/Names")
    assert not (names and "/EmbeddedFiles" in names.get_object())
    assert b"TOP-SECRET" not in pdf and b"root:x:0:0" not in pdf and b"/EmbeddedFile" not in pdf
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            assert annot.get_object().get("/Subtype") != "/FileAttachment"
    assert "body text" in pdf_text(pdf)
    # the same HTML with WeasyPrint's default fetcher does attach the file: the test is meaningful
    import weasyprint

    unsafe = weasyprint.HTML(string=html, base_url=str(allowed)).write_pdf()
    assert b"/EmbeddedFile" in unsafe


HELPER_CHECK = """
import os
from pathlib import Path
from gapaudit.errors import OutputError
from gapaudit.render import pdf, worker

assert worker.enabled()
def broken(html, folders, base_url, *extra):
    raise OutputError("layout exploded")
pdf.layout = broken  # the forked helper inherits the patched module
worker.start()
helper = worker._worker
assert helper is not None
try:
    pdf.html_to_pdf("<p>x</p>", [], Path("/"))
except OutputError as exc:
    assert "layout exploded" in str(exc)
else:
    raise AssertionError("no OutputError")
try:
    os.waitpid(helper.pid, os.WNOHANG)
except ChildProcessError:
    pass  # reaped
else:
    raise AssertionError("helper not reaped")
assert worker.take() is None
print("ok")
"""


def test_helper_process_reports_layout_errors():
    """A failure inside the forked helper comes back as an OutputError, and the helper is gone.

    Runs in a fresh interpreter: the helper is only forked from a single-threaded process, and earlier
    tests (Dask, progress bars) can leave threads behind in this one."""
    if not hasattr(os, "fork"):
        pytest.skip("no fork on this platform")
    env = {k: v for k, v in os.environ.items() if k != "GAPAUDIT_PDF_WORKER"}
    done = subprocess.run([sys.executable, "-c", HELPER_CHECK], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]
