"""What the benchmark scripts share: one command measured in a fresh process."""

from __future__ import annotations

import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measured:
    """Wall seconds, peak RSS (MB), CPU seconds, exit code and output (stdout and stderr) of one command."""

    seconds: float
    peak_mb: float
    cpu_seconds: float
    returncode: int
    output: str


def measure(cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> Measured:
    """Run ``cmd`` in a fresh process started by GNU time, a small parent.

    Measured from the benchmark itself, a child would inherit the benchmark's peak memory (a forked
    child starts with its parent's resident pages and exec keeps that peak). The peak is the largest of
    the command and the children it waited for; CPU time is theirs together.
    """
    with tempfile.NamedTemporaryFile("r", suffix=".time") as stats, tempfile.TemporaryFile("w+") as out:
        start = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-o", stats.name, "-f", "%M %U %S", *cmd], cwd=cwd, env=env,
                              stdout=out, stderr=subprocess.STDOUT, text=True)
        seconds = time.perf_counter() - start
        peak_kb, user, system = Path(stats.name).read_text().split()[-3:]
        out.seek(0)
        return Measured(seconds, int(peak_kb) / 1024, float(user) + float(system), proc.returncode, out.read())
