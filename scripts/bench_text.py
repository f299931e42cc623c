#!/usr/bin/env python3
"""PDF layout time with absurd text: is it still linear? (README, "Reliability").

    python scripts/bench_text.py [--sizes 2000,30000,100000] [--raw]

Renders the example audit as a PDF with a plugin whose action rationale (and
title, up to the model's 2,000 characters) is one long word, long words, or
long prose of the given size,
and prints the seconds each takes next to the plain report. ``--raw`` turns
the printed-text bound off (gapaudit.render.env.printable) to show what it
prevents: without it a 2,000-character word costs seconds, 30,000 minutes.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("GAPAUDIT_PDF_WORKER", "0")
os.environ.setdefault("GAPAUDIT_TEMPLATE_CACHE", "0")

from gapaudit import hookimpl  # noqa: E402
from gapaudit.model.result import MAX_TITLE  # noqa: E402
from gapaudit.render import env  # noqa: E402
from gapaudit.testing import example_audit, make_host, render_report  # noqa: E402


def text_of(kind: str, size: int) -> str:
    if kind == "one word":
        return "x" * size
    if kind == "100-char words":
        return " ".join(["y" * 100] * max(1, size // 101))
    return " ".join(["word"] * max(1, size // 5))


class Wordy:
    def __init__(self, text: str):
        self.text = text

    @hookimpl
    def gapaudit_module_actions(self, module_id, result, audit, lang):
        if module_id == "diagnosis_gap":
            return [{"id": "bench.long", "title": self.text[:MAX_TITLE], "rationale": self.text, "gap": module_id,
                     "priority": 90}]


def seconds(text: str | None) -> float:
    host = make_host(*([Wordy(text)] if text is not None else []), names=["wordy"] if text is not None else None)
    start = time.perf_counter()
    render_report(example_audit(), host, "pdf")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2000,30000,100000")
    parser.add_argument("--raw", action="store_true", help="switch the printed-text bound off")
    args = parser.parse_args()
    if args.raw:
        env.printable = lambda value: value  # type: ignore[assignment]
    seconds(None)  # warm-up: imports, fonts and templates are paid once, not by the first case
    print(f"plain report: {seconds(None):.2f} s")
    for kind in ("one word", "100-char words", "prose"):
        for size in (int(s) for s in args.sizes.split(",")):
            print(f"{kind:>15}, {size:>7,} characters: {seconds(text_of(kind, size)):.2f} s", flush=True)
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
