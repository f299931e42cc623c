"""What the counterfactual pass (every action's impact, gapaudit.impact) costs a JSON run of each sample.

For each sample, interleaved ``--repeat`` times:

* in process, CPU seconds (time.process_time, so other work on the machine matters less) of load → engine →
  JSON with the pass and without it (``engine.run(..., impacts=False)``);
* the whole ``gapaudit run SAMPLE -f json`` process, wall seconds (median), which is what a user waits for.

The pass's share is its CPU time over a whole JSON run's: the in-process difference divided by the process
time. Target: ≤ 50 %.

    .venv/bin/python scripts/bench_impact.py [--repeat 5]
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
SAMPLES = ["community-supermarket", "electronics-retailer", "lubricant-aftersales", "well-run-store",
           "acme-mart-riverside"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from gapaudit import engine
    from gapaudit.load.audit import load_audit
    from gapaudit.plugins import PluginHost
    from gapaudit.render.data import to_json

    try:
        host = PluginHost.create()
        host.modules()
    except Exception as exc:  # pragma: no cover - the acme plugin is optional
        sys.exit(f"cannot build the plugin host: {exc}")
    exe = str(Path(sys.executable).with_name("gapaudit"))
    print(f"load average {os.getloadavg()[0]:.1f}; {args.repeat} repeats")
    print("| sample | actions | measured | problems | JSON run, process s | in process CPU s, no pass | with pass "
          "| pass CPU s | pass ÷ JSON run |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in SAMPLES:
        path = ROOT / "sample_audits" / name / "audit.yaml"
        if name == "acme-mart-riverside" and "acme" not in host.records:
            continue
        plain, full, whole = [], [], []
        result = None
        with tempfile.TemporaryDirectory() as tmp:
            for _ in range(args.repeat):
                for impacts, into in ((False, plain), (True, full)):
                    start = time.process_time()
                    loaded = load_audit(path, host)
                    result = engine.run(loaded, host, impacts=impacts)
                    to_json(result)
                    into.append(time.process_time() - start)
                start = time.perf_counter()
                subprocess.run([exe, "run", str(path), "-f", "json", "-o", f"{tmp}/out.json"], check=True,
                               capture_output=True)
                whole.append(time.perf_counter() - start)
        assert result is not None
        measured = sum(1 for a in result.actions if a.impact is not None)
        p, f, w = statistics.median(plain), statistics.median(full), statistics.median(whole)
        print(f"| {name} | {len(result.actions)} | {measured} | {len(result.problems)} | {w:.2f} | {p:.3f} | "
              f"{f:.3f} | {f - p:.3f} | {100 * (f - p) / w:.0f} % |")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
