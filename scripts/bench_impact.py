"""What the counterfactual pass (every action's impact, gapaudit.impact) adds to a JSON run of each sample.

A JSON run is ``gapaudit run SAMPLE -f json`` as a user starts it: a fresh process. For each sample,
interleaved ``--repeat`` times, it runs that command as it is and with the pass switched off
(``engine.run(..., impacts=False)``, patched in by the benchmark only), and takes the CPU time of each
process (user + system, from the kernel: steadier than wall time on a shared machine). The pass adds the
difference; its share is that difference over the run without it. Target: ≤ 50 %. The in-process CPU
time of engine.run (load and modules excluded) is printed beside it, as a batch worker pays it.

    .venv/bin/python scripts/bench_impact.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ["community-supermarket", "electronics-retailer", "lubricant-aftersales", "well-run-store",
           "acme-mart-riverside"]
WITHOUT_PASS = ("import sys\nimport gapaudit.engine as e\nrun = e.run\n"
                "e.run = lambda *a, **k: run(*a, **{**k, 'impacts': False})\n"
                "from gapaudit.cli import main\nmain(sys.argv[1:])\n")


def cpu(cmd: list[str]) -> float:
    """CPU seconds (user + system) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from gapaudit import engine
    from gapaudit.load.audit import load_audit
    from gapaudit.plugins import PluginHost

    host = PluginHost.create()
    gapaudit = str(Path(sys.executable).with_name("gapaudit"))
    print(f"load average {os.getloadavg()[0]:.1f}; {args.repeat} repeats, medians")
    print("| sample | actions | with impact | problems | JSON run without the pass, CPU s | with it | pass adds | "
          "engine.run in process, CPU s: without | with |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in SAMPLES:
        path = ROOT / "sample_audits" / name / "audit.yaml"
        if name == "acme-mart-riverside" and "acme" not in host.records:
            print(f"| {name} | (the example chain plugin is not installed) |")
            continue
        loaded = load_audit(path, host)
        plain, full, eng_plain, eng_full = [], [], [], []
        with tempfile.TemporaryDirectory() as tmp:
            argv = ["run", str(path), "-f", "json", "-o", f"{tmp}/out.json"]
            for _ in range(args.repeat):
                plain.append(cpu([sys.executable, "-c", WITHOUT_PASS, *argv]))
                full.append(cpu([gapaudit, *argv]))
                for impacts, into in ((False, eng_plain), (True, eng_full)):
                    start = time.process_time()
                    result = engine.run(loaded, host, impacts=impacts)
                    into.append(time.process_time() - start)
        measured = sum(1 for a in result.actions if a.impact is not None)
        p, f = statistics.median(plain), statistics.median(full)
        print(f"| {name} | {len(result.actions)} | {measured} | {len(result.problems)} | {p:.2f} | {f:.2f} | "
              f"{100 * (f - p) / p:+.0f} % | {statistics.median(eng_plain):.3f} | {statistics.median(eng_full):.3f} |")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
