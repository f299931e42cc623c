#!/usr/bin/env python3
"""Benchmark the PDF report: the whole ``gapaudit run`` against bare WeasyPrint on the same HTML.

For each sample audit, in the same run and interleaved (so load on a shared
machine hits both alike):

* ``run``  — ``gapaudit run AUDIT -f pdf`` as a fresh process: start-up,
  loading, analysis, templating, charts, WeasyPrint import and layout, write;
* ``bare`` — a fresh Python process that imports WeasyPrint and renders the
  identical final HTML (the HTML ``run`` hands to WeasyPrint) to a PDF.

It prints the median wall time of each, their ratio (target ≤ 1.15) and
the ratio of the fastest runs (steadier on a shared machine), the
CPU time (user + system, helper process included), the peak memory (max
RSS of the largest process), page count and PDF size. On a busy machine
the wall-clock ratio rises towards the CPU ratio, because the helper that
imports WeasyPrint in parallel needs a free core.

    .venv/bin/python scripts/bench_report.py [--repeat 5] [--sample NAME ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 1.15

# the same PDF/A-3 variant and tagging as the report (gapaudit.render.pdfa): that layout work is WeasyPrint's
BARE = """
import sys, weasyprint
from gapaudit.render.pdfa import PDF_TAGS, PDF_VARIANT
weasyprint.HTML(filename=sys.argv[1], base_url=sys.argv[2]).write_pdf(sys.argv[3], pdf_variant=PDF_VARIANT,
                                                                         pdf_tags=PDF_TAGS)
"""


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, int, float]:
    """Wall seconds, peak RSS (KiB; the largest process of the tree) and CPU seconds (the whole tree)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err}")
    return seconds, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def final_html(audit: Path) -> tuple[str, str]:
    """The exact HTML ``gapaudit run`` gives WeasyPrint for ``audit``, and its base URL."""
    from gapaudit import engine
    from gapaudit.load.audit import load_audit
    from gapaudit.plugins import PluginHost
    from gapaudit.render.env import template_search_path
    from gapaudit.render.html import render_html

    host = PluginHost.create()
    loaded = load_audit(audit, host)
    result = engine.run(loaded, host)
    html, _ = render_html(result, host=host, audit=loaded.input, target="pdf")
    return html, str(template_search_path(host)[-1]) + "/"


def pages(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    return next((int(line.split()[-1]) for line in out.splitlines() if line.startswith("Pages:")), -1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each kind per sample (median reported)")
    parser.add_argument("--sample", action="append", help="sample folder name(s) under sample_audits/")
    parser.add_argument("--no-helper", action="store_true",
                        help="lay out in the gapaudit process itself (GAPAUDIT_PDF_WORKER=0), not in the forked "
                             "helper that imports WeasyPrint while the audit is analysed")
    args = parser.parse_args()

    python = sys.executable
    gapaudit = str(Path(python).with_name("gapaudit"))
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1790000000"}
    if args.no_helper:
        env["GAPAUDIT_PDF_WORKER"] = "0"
    audits = sorted((ROOT / "sample_audits").glob("*/audit.yaml"))
    if args.sample:
        audits = [a for a in audits if a.parent.name in args.sample]
    print(f"{'sample':24} {'pages':>5} {'PDF KB':>6} {'run s':>6} {'bare s':>6} {'ratio':>6} {'best':>6} "
          f"{'run cpu':>7} {'bare cpu':>8} {'run MB':>6} {'bare MB':>7}")
    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        for audit in audits:
            name = audit.parent.name
            try:
                html, base_url = final_html(audit)
            except Exception as exc:  # e.g. a sample that needs a plugin not installed here
                print(f"{name:24} skipped: {type(exc).__name__}: {str(exc).splitlines()[0][:80]}")
                continue
            html_file = Path(tmp) / f"{name}.html"
            html_file.write_text(html, "utf-8")
            run_pdf, bare_pdf = Path(tmp) / f"{name}.run.pdf", Path(tmp) / f"{name}.bare.pdf"
            run_cmd = [gapaudit, "run", str(audit), "-f", "pdf", "-o", str(run_pdf)]
            bare_cmd = [python, "-c", BARE, str(html_file), base_url, str(bare_pdf)]
            timed(run_cmd, env)  # warm the file cache and fontconfig's cache once
            runs, bares = [], []
            for _ in range(args.repeat):
                runs.append(timed(run_cmd, env))
                bares.append(timed(bare_cmd, env))
            run_s = statistics.median(r[0] for r in runs)
            bare_s = statistics.median(b[0] for b in bares)
            ratio = run_s / bare_s
            best = min(r[0] for r in runs) / min(b[0] for b in bares)
            ratios.append((ratio, best))
            print(f"{name:24} {pages(run_pdf):5d} {run_pdf.stat().st_size / 1024:6.0f} {run_s:6.2f} {bare_s:6.2f} "
                  f"{ratio:6.3f} {best:6.3f} {statistics.median(r[2] for r in runs):7.2f} "
                  f"{statistics.median(b[2] for b in bares):8.2f} {max(r[1] for r in runs) / 1024:6.0f} "
                  f"{max(b[1] for b in bares) / 1024:7.0f}", flush=True)
    if ratios:
        worst, worst_best = max(r for r, _ in ratios), max(b for _, b in ratios)
        print(f"\nratio = median run / median bare; best = fastest run / fastest bare (less sensitive to other "
              f"load)\nworst ratio {worst:.3f}, worst best-of ratio {worst_best:.3f} (target ≤ {TARGET}): "
              f"{'OK' if worst <= TARGET else 'OVER TARGET'}; load average now {os.getloadavg()[0]:.2f} on "
              f"{os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
