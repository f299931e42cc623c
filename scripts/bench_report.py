#!/usr/bin/env python3
"""Benchmark the PDF report: what its layout costs against its content, and the whole run against bare WeasyPrint.

Part 1, in this one warm process, per sample (interleaved ``--repeat`` times, CPU seconds, medians):

* ``report`` — WeasyPrint laying out and writing the report's final HTML, exactly as ``gapaudit run -f pdf``
  does it (:func:`gapaudit.render.pdf.layout`: PDF/A-3u, tagged, the result and register attached);
* ``prose``  — the same text set as plain paragraphs (:func:`prose_html`, derived from the report's own HTML:
  every heading, paragraph, list item, table row and chart's labels one paragraph, the same fonts, size, line
  height and page margins), laid out and written the same way;
* their ratio (target ≤ 3) from the medians, and from the least times (``best``: load from other processes
  only ever adds time), and the same for the brief report (``--brief``).

Part 2, fresh processes per sample, interleaved (so load on a shared machine hits both alike):

* ``run``  — ``gapaudit run AUDIT -f pdf``: start-up, loading, analysis, templating, charts, WeasyPrint import
  and layout, write;
* ``bare`` — a fresh Python process that imports WeasyPrint and renders the identical final HTML (the HTML
  ``run`` hands to WeasyPrint) with the same PDF/A variant and tagging.

It prints their median wall times and ratio (target ≤ 1.15), the ratio of the fastest runs (steadier on a
shared machine), CPU time (helper process included), peak memory, page count and PDF size. On a busy machine
the wall-clock ratio rises towards the CPU ratio, because the helper that imports WeasyPrint in parallel
needs a free core.

    .venv/bin/python scripts/bench_report.py [--repeat 3] [--run-repeat 3] [--sample NAME ...] [--layout-only]
"""

from __future__ import annotations

import argparse
import base64
import gc
import html as html_lib
import io
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

import benchlib  # scripts/, beside this file

ROOT = Path(__file__).resolve().parent.parent
RUN_TARGET = 1.15
LAYOUT_TARGET = 3.0

# the same PDF/A-3 variant and tagging as the report (gapaudit.render.pdfa): that layout work is WeasyPrint's
BARE = """
import sys, weasyprint
from gapaudit.render.pdfa import PDF_TAGS, PDF_VARIANT
weasyprint.HTML(filename=sys.argv[1], base_url=sys.argv[2]).write_pdf(sys.argv[3], pdf_variant=PDF_VARIANT,
                                                                         pdf_tags=PDF_TAGS)
"""


# --- the same text as prose ---------------------------------------------------------------------------

#: elements whose text starts a new paragraph of the prose (a table row is one paragraph: its cells in order)
_BLOCKS = {"address", "article", "aside", "blockquote", "body", "caption", "dd", "div", "dl", "dt", "figcaption",
           "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "li", "main", "nav", "ol", "p", "section",
           "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "svg", "text"}
_ROW_PARTS = {"td", "th", "text"}  # cells of a row, labels of a chart: words of one paragraph
_SKIP = {"style", "script", "title", "head"}


class _Paragraphs(HTMLParser):
    """The visible text of a report's body as paragraphs, and its stylesheet text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self.css: list[str] = []
        self.lang = "en"
        self._words: list[str] = []
        self._skip = 0  # depth inside elements whose text is not shown (style, title, the running strings)
        self._stack: list[tuple[str, bool]] = []

    def _flush(self) -> None:
        text = " ".join(" ".join(self._words).split())
        if text:
            self.paragraphs.append(text)
        self._words = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang") or "en"
        hidden = tag in _SKIP or "running" in (a.get("class") or "").split() or a.get("aria-hidden") == "true"
        if tag in ("br", "img", "meta", "link", "hr", "input"):  # void elements
            if tag == "img" and "chart" in (a.get("class") or "").split():
                self._image_text(a.get("src") or "")
            return
        self._stack.append((tag, hidden))
        if hidden:
            self._skip += 1
        if tag in _BLOCKS and tag not in _ROW_PARTS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            open_tag, hidden = self._stack.pop()
            if hidden:
                self._skip -= 1
            if open_tag == tag:
                break
        if tag in _BLOCKS and tag not in _ROW_PARTS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._stack and self._stack[-1][0] == "style":
            self.css.append(data)
        elif not self._skip:
            self._words.append(data)

    def _image_text(self, src: str) -> None:
        """The labels of a chart given as an SVG ``data:`` image: words of one paragraph, like an inline SVG."""
        if not src.startswith("data:image/svg+xml"):
            return
        head, _, body = src.partition(",")
        svg = base64.b64decode(body).decode("utf-8") if head.endswith(";base64") else urllib.parse.unquote(body)
        svg = re.sub(r"<title>.*?</title>", "", svg, flags=re.S)
        self._flush()
        self._words += [html_lib.unescape(t) for t in re.findall(r"<text\b[^>]*>(.*?)</text>", svg, re.S)]
        self._flush()


def prose_html(report_html: str) -> str:
    """The report's text set as plain paragraphs: same fonts, size, line height, page size and margins.

    Each heading, paragraph, list item, definition, caption, table row (its cells in order) and chart (its
    labels in order) becomes one ``<p>``; nothing else — no tables, lists, boxes, colours, charts, running
    headers or page numbers.
    """
    parser = _Paragraphs()
    parser.feed(report_html)
    parser.close()
    parser._flush()
    css = "".join(parser.css)
    families = re.findall(r"html\s*\{\s*font-family:\s*([^;}]+)", css)
    html_rule = re.search(r"(?<![-\w])html\s*\{([^}]*)\}", css)
    rule = html_rule.group(1) if html_rule else ""
    size = re.search(r"font-size:\s*([^;]+)", rule)
    height = re.search(r"line-height:\s*([^;]+)", rule)
    page = re.search(r"@page\s*\{[^@}]*?size:\s*([^;]+);\s*margin:\s*([^;]+);", css)
    style = (f"@page {{ size: {page.group(1) if page else 'A4'}; margin: {page.group(2) if page else '20mm'}; }}"
             f" html {{ font-family: {families[-1] if families else 'sans-serif'};"
             f" font-size: {size.group(1) if size else '10pt'}; line-height: {height.group(1) if height else 1.4}; }}"
             " body { margin: 0; } p { margin: 0 0 2mm; }")
    body = "\n".join(f"<p>{html_lib.escape(p)}</p>" for p in parser.paragraphs)
    return (f'<!DOCTYPE html><html lang="{html_lib.escape(parser.lang)}"><head><meta charset="utf-8">'
            f"<style>{style}</style></head><body>{body}</body></html>")


# --- part 1: layout in this process ---------------------------------------------------------------------

def final_html(audit: Path, profile: str = "full") -> tuple[str, str]:
    """The exact HTML ``gapaudit run`` gives WeasyPrint for ``audit``, and its base URL."""
    html, _, base_url, _ = _final(audit, profile)
    return html, base_url


def _final(audit: Path, profile: str) -> tuple[str, list, str, dict[str, bytes]]:
    """The final HTML, the files the PDF carries, the base URL and the prepared photos it shows, as
    ``gapaudit run -f pdf`` makes them (gapaudit.runner)."""
    from gapaudit import engine
    from gapaudit.load.audit import load_audit
    from gapaudit.plugins import PluginHost
    from gapaudit.render.env import template_search_path
    from gapaudit.render.html import render_html
    from gapaudit.render.pdfa import report_attachments
    from gapaudit.runner import RunOptions, _photos

    host = PluginHost.create()
    loaded = load_audit(audit, host)
    result = engine.run(loaded, host)
    photos = _photos(loaded, RunOptions(formats=("pdf",)))
    html, _ = render_html(result, host=host, audit=loaded.input, target="pdf", profile=profile, photos=photos)
    return (html, report_attachments(result), str(template_search_path(host)[-1]) + "/",
            photos.served() if photos is not None else {})


def _layout(html: str, base_url: str, attachments: list, served: dict[str, bytes]) -> tuple[float, int]:
    """CPU seconds of laying out and writing ``html`` as the report is (PDF/A-3u, tagged), and its pages."""
    import pypdf

    from gapaudit.render.pdf import layout

    gc.collect()
    start = time.process_time()
    pdf = layout(html, [Path(base_url)], Path(base_url), attachments, "2026-01-01T00:00:00Z", served)
    seconds = time.process_time() - start
    return seconds, len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def verdict(ratios: list[tuple[float, float]], legend: str, what: str, target: float, places: int) -> None:
    """The worst (median, best-of) ratio of a table against its target, and the machine's load."""
    if not ratios:
        return
    worst, worst_best = max(r for r, _ in ratios), max(b for _, b in ratios)
    print(f"ratio = {legend}\nworst {what} {worst:.{places}f}, worst best-of {worst_best:.{places}f} "
          f"(target ≤ {target:g}): {'OK' if worst <= target else 'OVER TARGET'}; load average now "
          f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs", flush=True)


def layout_table(audits: list[Path], repeat: int) -> None:
    """Part 1: report / same-text-prose per sample, full and brief."""
    print(f"Layout + write in one process (CPU s, median of {repeat}; load average {os.getloadavg()[0]:.2f})")
    print(f"{'sample':24} {'lang':4} {'pages':>5} {'report s':>8} {'prose pp':>8} {'prose s':>7} {'ratio':>6} "
          f"{'best':>5} {'brief pp':>8} {'brief s':>7} {'b.prose s':>9} {'b.ratio':>7} {'b.best':>6}")
    ratios = []
    for audit in audits:
        name = audit.parent.name
        try:
            docs = {p: _final(audit, p) for p in ("full", "brief")}
        except Exception as exc:  # e.g. a sample that needs a plugin not installed here
            print(f"{name:24} skipped: {type(exc).__name__}: {str(exc).splitlines()[0][:80]}")
            continue
        lang = re.search(r'<html lang="([a-z]+)', docs["full"][0]).group(1)
        jobs = {}
        for profile, (html, attachments, base_url, served) in docs.items():
            jobs[profile] = (html, base_url, attachments, served)
            jobs[profile + "-prose"] = (prose_html(html), base_url, attachments, {})
        _layout(*jobs["brief-prose"])  # warm-up: fonts, WeasyPrint's caches
        seconds: dict[str, list[float]] = {k: [] for k in jobs}
        pages: dict[str, int] = {}
        for _ in range(repeat):
            for key, job in jobs.items():
                s, pages[key] = _layout(*job)
                seconds[key].append(s)
        med = {k: statistics.median(v) for k, v in seconds.items()}
        low = {k: min(v) for k, v in seconds.items()}  # other load only ever adds time: the least is the cost
        ratio, brief_ratio = med["full"] / med["full-prose"], med["brief"] / med["brief-prose"]
        best, brief_best = low["full"] / low["full-prose"], low["brief"] / low["brief-prose"]
        ratios.append((ratio, best))
        print(f"{name:24} {lang:4} {pages['full']:5d} {med['full']:8.2f} {pages['full-prose']:8d} "
              f"{med['full-prose']:7.2f} {ratio:6.2f} {best:5.2f} {pages['brief']:8d} {med['brief']:7.2f} "
              f"{med['brief-prose']:9.2f} {brief_ratio:7.2f} {brief_best:6.2f}", flush=True)
    verdict(ratios, "median report / median prose; best = least report / least prose (other load on the machine "
                    "only adds time)", "full-report ratio", LAYOUT_TARGET, 2)
    print()


# --- part 2: whole run against bare WeasyPrint, fresh processes -------------------------------------------

def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MB) and CPU seconds of ``cmd`` in a fresh process (:func:`benchlib.measure`)."""
    run = benchlib.measure(cmd, ROOT, env)
    if run.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({run.returncode}):\n{run.output}")
    return run.seconds, run.peak_mb, run.cpu_seconds


def pages(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    return next((int(line.split()[-1]) for line in out.splitlines() if line.startswith("Pages:")), -1)


def run_table(audits: list[Path], repeat: int, no_helper: bool) -> None:
    """Part 2: ``gapaudit run -f pdf`` against bare WeasyPrint on the same HTML, fresh processes."""
    python = sys.executable
    gapaudit = str(Path(python).with_name("gapaudit"))
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1790000000"}
    if no_helper:
        env["GAPAUDIT_PDF_WORKER"] = "0"
    print(f"Whole run against bare WeasyPrint, fresh processes (wall s, median of {repeat})")
    print(f"{'sample':24} {'pages':>5} {'PDF KB':>6} {'run s':>6} {'bare s':>6} {'ratio':>6} {'best':>6} "
          f"{'run cpu':>7} {'bare cpu':>8} {'run MB':>6} {'bare MB':>7}")
    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        for audit in audits:
            name = audit.parent.name
            try:
                html, _, base_url, served = _final(audit, "full")
            except Exception as exc:
                print(f"{name:24} skipped: {type(exc).__name__}: {str(exc).splitlines()[0][:80]}")
                continue
            for url, data in served.items():  # bare WeasyPrint reads the prepared photos as files
                photo = Path(tmp) / f"{name}-{Path(url).name}"
                photo.write_bytes(data)
                html = html.replace(url, photo.as_uri())
            html_file = Path(tmp) / f"{name}.html"
            html_file.write_text(html, "utf-8")
            run_pdf, bare_pdf = Path(tmp) / f"{name}.run.pdf", Path(tmp) / f"{name}.bare.pdf"
            run_cmd = [gapaudit, "run", str(audit), "-f", "pdf", "-o", str(run_pdf)]
            bare_cmd = [python, "-c", BARE, str(html_file), base_url, str(bare_pdf)]
            timed(run_cmd, env)  # warm the file cache and fontconfig's cache once
            runs, bares = [], []
            for _ in range(repeat):
                runs.append(timed(run_cmd, env))
                bares.append(timed(bare_cmd, env))
            run_s = statistics.median(r[0] for r in runs)
            bare_s = statistics.median(b[0] for b in bares)
            ratio = run_s / bare_s
            best = min(r[0] for r in runs) / min(b[0] for b in bares)
            ratios.append((ratio, best))
            print(f"{name:24} {pages(run_pdf):5d} {run_pdf.stat().st_size / 1024:6.0f} {run_s:6.2f} {bare_s:6.2f} "
                  f"{ratio:6.3f} {best:6.3f} {statistics.median(r[2] for r in runs):7.2f} "
                  f"{statistics.median(b[2] for b in bares):8.2f} {max(r[1] for r in runs):6.0f} "
                  f"{max(b[1] for b in bares):7.0f}", flush=True)
    verdict(ratios, "median run / median bare; best = fastest run / fastest bare (less sensitive to other load)",
            "ratio", RUN_TARGET, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="layouts of each kind per sample, part 1 (median)")
    parser.add_argument("--run-repeat", type=int, default=3, help="runs of each kind per sample, part 2 (median)")
    parser.add_argument("--sample", action="append", help="sample folder name(s) under sample_audits/")
    parser.add_argument("--layout-only", action="store_true", help="part 1 only")
    parser.add_argument("--run-only", action="store_true", help="part 2 only")
    parser.add_argument("--no-helper", action="store_true",
                        help="part 2: lay out in the gapaudit process itself (GAPAUDIT_PDF_WORKER=0), not in the "
                             "forked helper that imports WeasyPrint while the audit is analysed")
    args = parser.parse_args()
    audits = sorted((ROOT / "sample_audits").glob("*/audit.yaml"))
    if args.sample:
        audits = [a for a in audits if a.parent.name in args.sample]
    if not args.run_only:
        layout_table(audits, args.repeat)
    if not args.layout_only:
        run_table(audits, args.run_repeat, args.no_helper)


if __name__ == "__main__":
    main()
