#!/usr/bin/env python3
"""What the brief report's layout costs against the full report's, per sample.

For each sample, the final HTML of the full report and of the brief one (``--brief``) is laid out by
WeasyPrint in this process, interleaved ``--repeat`` times (CPU seconds, time.process_time, so other work on
a shared machine matters less; the wall time is printed too). It prints pages, median seconds and the
brief's share of the full report's layout cost.

    .venv/bin/python scripts/bench_brief.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ["community-supermarket", "electronics-retailer", "lubricant-aftersales", "well-run-store"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import pypdf

    from gapaudit import engine
    from gapaudit.load.audit import load_audit
    from gapaudit.plugins import PluginHost
    from gapaudit.render import fonts
    from gapaudit.render.env import template_search_path
    from gapaudit.render.html import render_html
    from gapaudit.render.pdf import layout

    host = PluginHost.create()
    folders = template_search_path(host)
    fonts.prefetch()
    print(f"load average {os.getloadavg()[0]:.1f}; {args.repeat} repeats, CPU seconds of the WeasyPrint layout")
    print("| sample | full: pages | full: s | brief: pages | brief: s | brief ÷ full |")
    print("|---|---|---|---|---|---|")
    for name in SAMPLES:
        loaded = load_audit(ROOT / "sample_audits" / name / "audit.yaml", host)
        result = engine.run(loaded, host)
        html = {p: render_html(result, host=host, audit=loaded.input, profile=p)[0] for p in ("full", "brief")}
        cpu: dict[str, list[float]] = {"full": [], "brief": []}
        pages: dict[str, int] = {}
        layout(html["brief"], [*folders], folders[-1])  # warm-up: fonts, WeasyPrint's caches
        for _ in range(args.repeat):
            for profile in ("full", "brief"):
                start = time.process_time()
                pdf = layout(html[profile], [*folders], folders[-1])
                cpu[profile].append(time.process_time() - start)
                pages[profile] = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
        full, brief = statistics.median(cpu["full"]), statistics.median(cpu["brief"])
        print(f"| {name} | {pages['full']} | {full:.2f} | {pages['brief']} | {brief:.2f} | {100 * brief / full:.0f} % |")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
