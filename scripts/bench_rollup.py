#!/usr/bin/env python3
"""Benchmark (not a timed test): the roll-up of many stores' result JSON files — seconds and peak memory.

    python scripts/bench_rollup.py [--stores 10000] [--seed-stores 40] [--work DIR] [--formats json,html,pdf]

1. Runs a real batch on ``--seed-stores`` generated audits (scripts/gen_stores.py) to get real results.
2. Writes ``--stores`` result files by copying those results with a new store id, name, region and
   shifted scores, so files have the real size and shape (about 200 KB each).
3. Times ``gapaudit rollup`` on them in a fresh process, once per format set, and reports wall time,
   files per second, MB of JSON per second and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GAPAUDIT = Path(sys.executable).with_name("gapaudit")
sys.path.insert(0, str(ROOT / "scripts"))

from gen_stores import generate  # noqa: E402


def seed_results(work: Path, n: int) -> list[dict]:
    audits = work / "seed-audits"
    out = work / "seed-results"
    if not out.is_dir() or len(list(out.glob("*.json"))) < n:
        generate(audits, n, seed=11)
        subprocess.run([str(GAPAUDIT), "run", str(audits), "-o", str(out), "-f", "json", "--no-progress"],
                       check=True, capture_output=True)
    return [json.loads(p.read_text("utf-8")) for p in sorted(out.glob("*.json"))[:n]]


def _shift(value: float | None, by: float) -> float | None:
    return None if value is None else round(min(100.0, max(0.0, value + by)), 1)


def write_results(folder: Path, templates: list[dict], n: int) -> int:
    """``n`` result files derived from ``templates``; returns the bytes written."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(5)
    regions = [f"Region {k}" for k in range(12)]
    total = 0
    for i in range(n):
        r = json.loads(json.dumps(templates[i % len(templates)]))
        sid = f"B{i:05d}"
        by = rng.gauss(0, 8)
        r["store"].update(id=sid, name=f"Store {sid}", region=regions[i % len(regions)])
        r["audit"]["id"] = f"{r['audit'].get('period') or 'Q'}-{sid}"
        r["overall"]["score"] = _shift(r["overall"]["score"], by)
        for mod in r["modules"].values():
            mod["score"] = _shift(mod["score"], by + rng.gauss(0, 5))
        body = json.dumps(r, indent=2, ensure_ascii=False).encode("utf-8")
        (folder / f"{sid}.json").write_bytes(body)
        total += len(body)
    return total


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of a command run in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if done.returncode not in (0, 2):
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr}")
    return seconds, max(peak, before) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stores", type=int, default=10000)
    ap.add_argument("--seed-stores", type=int, default=40)
    ap.add_argument("--work", type=Path, default=None, help="working folder (default: a temporary one)")
    ap.add_argument("--formats", default="json;json,html;json,html,pdf",
                    help="format sets to time, separated by ';'")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="gapaudit-bench-rollup-"))
    work.mkdir(parents=True, exist_ok=True)
    results = work / f"results-{args.stores}"
    if not results.is_dir() or len(list(results.glob("*.json"))) != args.stores:
        templates = seed_results(work, args.seed_stores)
        t0 = time.perf_counter()
        size = write_results(results, templates, args.stores)
        print(f"wrote {args.stores} results ({size / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f} s under {results}")
    size = sum(p.stat().st_size for p in results.glob("*.json"))
    print(f"{'formats':<16}{'seconds':>9}{'files/s':>10}{'MB/s':>8}{'peak RSS MB':>13}")
    for fmts in args.formats.split(";"):
        out = work / ("out-" + fmts.replace(",", "-"))
        # each measurement in its own process, so RUSAGE_CHILDREN's peak is this run's
        probe = subprocess.run([sys.executable, __file__, "--probe", str(results), fmts, str(out)],
                               capture_output=True, text=True)
        if probe.returncode:
            raise SystemExit(probe.stderr)
        seconds, peak = json.loads(probe.stdout.strip().splitlines()[-1])
        print(f"{fmts:<16}{seconds:>9.1f}{args.stores / seconds:>10.0f}{size / 1e6 / seconds:>8.0f}{peak:>13.0f}")


def probe() -> None:
    results, fmts, out = sys.argv[2], sys.argv[3], sys.argv[4]
    seconds, peak = timed([str(GAPAUDIT), "rollup", results, "-f", fmts, "-o", out])
    print(json.dumps([seconds, peak]))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--probe":
        probe()
    else:
        main()
