#!/usr/bin/env python3
"""Benchmark (not a timed test): batch runs of many generated stores.

    python scripts/bench_batch.py [--stores 1000] [--format json] [--lone 5] [--memory 100,300,1000]
                                  [--efficiency-stores N] [--work DIR]

Reports, for one output format:
- a lone ``gapaudit run`` on one store (fresh process, imports included), averaged over ``--lone`` stores;
- the whole batch of ``--stores`` stores with 1 and with 2 workers (``gapaudit run DIR -o OUT``, fresh
  process): wall time, per-store cost, per-store cost ÷ lone run (target ≤ 0.6), and parallel efficiency
  T1 / (2 × T2) (target ≥ 85 %); ``--efficiency-stores`` runs the 1- and 2-worker comparison on fewer stores
  (useful for PDF, where one worker takes long) and then the whole batch once with 2 workers;
- for documents (pdf), the floor: WeasyPrint alone laying out the same stores' final HTML one after the other
  in one warm process (imports excluded), and the batch's per-store cost ÷ that floor — a batch cannot go
  below 1.0, so when layout dominates a lone run, ≤ 0.6 × a lone run is out of reach;
- peak memory of the batch's parent process (and of its largest worker) for each size in ``--memory``:
  it must not grow with the number of stores.
Stores come from scripts/gen_stores.py (deterministic).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GAPAUDIT = Path(sys.executable).with_name("gapaudit")
sys.path.insert(0, str(ROOT / "scripts"))

from gen_stores import generate  # noqa: E402


def run(cmd: list[str]) -> float:
    return run_cpu(cmd)[0]


def run_cpu(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, the command and every process it waited for)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return seconds, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def stores(work: Path, n: int) -> Path:
    folder = work / f"stores-{n}"
    if not folder.is_dir() or len(list(folder.glob("*/audit.yaml"))) != n:
        generate(folder, n, seed=7)
    return folder


def batch(folder: Path, out: Path, fmt: str, workers: int) -> tuple[float, float]:
    return run_cpu([str(GAPAUDIT), "run", str(folder), "-o", str(out), "-f", fmt, "--workers", str(workers),
                "--no-progress"])


def ceiling(seconds: float = 2.0) -> float:
    """What two processes get from this machine right now: one CPU-bound loop's time ÷ the wall time of two
    such loops run at once (1.0 = two free cores). Other users of a shared machine lower it."""
    code = "import time\nt=time.perf_counter()\nx=0\nfor i in range(N): x+=i*i\nprint(time.perf_counter()-t)"
    n = 1
    while True:  # calibrate N to about `seconds`
        one = float(subprocess.run([sys.executable, "-c", code.replace("N", str(n))], capture_output=True,
                                   text=True, check=True).stdout)
        if one > seconds / 4:
            n = int(n * seconds / one)
            break
        n *= 10
    body = code.replace("N", str(n))
    single = float(subprocess.run([sys.executable, "-c", body], capture_output=True, text=True, check=True).stdout)
    start = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", body], stdout=subprocess.PIPE) for _ in range(2)]
    for proc in procs:
        proc.communicate()
    return single / (time.perf_counter() - start)


def memory_probe(folder: Path, out: Path, fmt: str, workers: int) -> tuple[float, float, float]:
    """(seconds, parent peak RSS MB, largest worker peak RSS MB) of run_batch in a fresh process."""
    code = (
        "import json, resource, sys, time\n"
        "from pathlib import Path\n"
        "from gapaudit.chain.batch import BatchOptions, expand_sources, run_batch\n"
        "from gapaudit.runner import RunOptions\n"
        "t = time.perf_counter()\n"
        f"opts = BatchOptions(run=RunOptions(formats=({fmt!r},), output=Path({str(out)!r}), many=True))\n"
        f"report = run_batch(expand_sources([{str(folder)!r}]), opts, workers={workers}, progress=False)\n"
        "assert not report.failures, report.failures[:3]\n"
        "print(json.dumps([time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,\n"
        "                  resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    return tuple(json.loads(done.stdout.strip().splitlines()[-1]))


FLOOR = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from bench_report import final_html
pages = [final_html(__import__("pathlib").Path(a)) for a in sys.argv[2:]]
import weasyprint
weasyprint.HTML(string=pages[0][0], base_url=pages[0][1]).write_pdf()  # first document: caches warm up
t = time.perf_counter()
for html, base_url in pages:
    weasyprint.HTML(string=html, base_url=base_url).write_pdf()
print(json.dumps((time.perf_counter() - t) / len(pages)))
"""


def weasyprint_floor(audits: list[Path]) -> float:
    """Seconds per store WeasyPrint alone takes on these stores' final HTML, in one warm process."""
    done = subprocess.run([sys.executable, "-c", FLOOR, str(ROOT / "scripts"), *map(str, audits)],
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    return float(done.stdout.strip().splitlines()[-1])


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stores", type=int, default=1000)
    ap.add_argument("--format", default="json")
    ap.add_argument("--lone", type=int, default=5, help="stores timed with a lone gapaudit run each")
    ap.add_argument("--memory", default="100,300,1000", help="batch sizes for the memory probe ('' to skip)")
    ap.add_argument("--efficiency-stores", type=int, default=None)
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--repeat", type=int, default=1, help="time the 1- and 2-worker batches this often, keep the best")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="gapaudit-bench-batch-"))
    fmt = args.format
    print(f"format {fmt}; working folder {work}; load average {_load()}")

    all_stores = stores(work, args.stores)
    audits = sorted(all_stores.glob("*/audit.yaml"))
    lone = [run([str(GAPAUDIT), "run", str(a), "-f", fmt, "-o", str(work / "lone" / f"{a.parent.name}.{fmt}")])
            for a in audits[:args.lone]]
    t_lone = statistics.mean(lone)
    print(f"lone gapaudit run: {t_lone:.3f} s per store (mean of {len(lone)}: "
          f"{', '.join(f'{x:.2f}' for x in lone)})")

    n_eff = args.efficiency_stores or args.stores
    eff_folder = stores(work, n_eff)
    (t1, c1), (t2, c2) = (float("inf"), 0.0), (float("inf"), 0.0)
    for _ in range(args.repeat):  # alternate, so a burst of load elsewhere hits both
        t1, c1 = min((t1, c1), batch(eff_folder, work / f"out-{fmt}-1", fmt, 1))
        t2, c2 = min((t2, c2), batch(eff_folder, work / f"out-{fmt}-2", fmt, 2))
    print(f"batch of {n_eff}, 1 worker : {t1:8.1f} s = {t1 / n_eff:.3f} s per store "
          f"= {t1 / n_eff / t_lone:.2f} × a lone run (target ≤ 0.6); CPU {c1:.1f} s")
    print(f"batch of {n_eff}, 2 workers: {t2:8.1f} s = {t2 / n_eff:.3f} s per store; "
          f"parallel efficiency T1/(2·T2) = {t1 / (2 * t2):.0%} (target ≥ 85 %); CPU {c2:.1f} s")
    print(f"  decomposed: work added by parallelism CPU1/CPU2 = {c1 / c2:.0%}; share of two cores the "
          f"2-worker batch got CPU2/(2·T2) = {c2 / (2 * t2):.0%} (1-worker batch got CPU1/T1 = {c1 / t1:.0%} "
          "of one)")
    if fmt == "pdf":
        floor = weasyprint_floor(sorted(eff_folder.glob("*/audit.yaml")))
        print(f"WeasyPrint alone on the same {n_eff} stores, one warm process: {floor:.3f} s per store "
              f"= {floor / t_lone:.2f} × a lone run; batch per store ÷ this floor = {t1 / n_eff / floor:.2f} "
              "(1 worker)")
    print(f"machine ceiling now: two CPU-bound loops run at {ceiling():.0%} of two free cores; "
          f"load average {_load()}")
    if n_eff != args.stores:
        t_all, _ = batch(all_stores, work / f"out-{fmt}-all", fmt, 2)
        print(f"whole batch of {args.stores}, 2 workers: {t_all:.1f} s = {t_all / args.stores:.3f} s per store")

    sizes = [int(x) for x in args.memory.split(",") if x.strip()]
    if sizes:
        print(f"{'stores':>8}{'seconds':>9}{'parent peak MB':>16}{'largest worker MB':>19}")
        for n in sizes:
            sec, parent, worker = memory_probe(stores(work, n), work / f"mem-{fmt}-{n}", fmt, 2)
            print(f"{n:>8}{sec:>9.1f}{parent:>16.0f}{worker:>19.0f}")


if __name__ == "__main__":
    main()
