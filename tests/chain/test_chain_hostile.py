"""A batch under a hostile plugin, special files in folders, a killed parent: every other store is
written, each failure is named, the exit code says what happened, nothing hangs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from gapaudit.chain import batch
from gapaudit.chain.batch import BatchOptions, expand_sources, run_batch
from gapaudit.cli import main
from gapaudit.runner import RunOptions

#: misbehaves per store: raises, hangs, exits, returns garbage, kills its worker; the rest are fine
HOSTILE_PLUGIN = """\
import os, sys, time
from gapaudit import hookimpl

def _store(result):
    return result.store["id"]

@hookimpl
def gapaudit_finalize_result(result):
    store = _store(result)
    if store == "S0002":
        raise RuntimeError("S0002 upsets this plugin")
    if store == "S0003":
        end = time.monotonic() + 120
        while time.monotonic() < end:   # hangs (long enough for any time limit in these tests)
            time.sleep(0.05)
    if store == "S0004":
        sys.exit(0)
    if store == "S0005":
        return 42
    if store == "S0006":
        os._exit(9)
    return None
"""


def _options(out: Path, *plugins: str) -> BatchOptions:
    return BatchOptions(run=RunOptions(formats=("json", "md"), output=out, many=True), plugins=plugins)


def test_batch_under_a_hostile_plugin_writes_every_other_store(tmp_path, stores, plugin_file):
    paths = stores(8)
    plugin = plugin_file(HOSTILE_PLUGIN, "hostile")
    out = tmp_path / "out"
    start = time.monotonic()
    report = run_batch(paths, _options(out, plugin), workers=2, progress=False, time_limit=10)
    assert time.monotonic() - start < 90
    failed = {Path(f.source).parent.name: (f.kind, f.exit_code) for f in report.failures}
    assert failed == {"S0002": ("plugin", 3), "S0003": ("timeout", 5), "S0004": ("plugin", 3),
                      "S0005": ("plugin", 3), "S0006": ("unexpected", 70)}
    assert report.succeeded == 3
    written = sorted(p.name for p in out.iterdir())
    assert written == ["S0001.json", "S0001.md", "S0007.json", "S0007.md", "S0008.json", "S0008.md"]
    assert report.exit_code == 70  # a worker died: the highest code
    messages = {Path(f.source).parent.name: " ".join(f.messages) for f in report.failures}
    assert "plugin 'hostile': gapaudit_finalize_result raised: SystemExit: 0" in messages["S0004"]
    assert "gapaudit_finalize_result returned int 42" in messages["S0005"]
    assert "time limit of 10 s" in messages["S0003"]


def test_cli_batch_exit_code_and_no_traceback_without_debug(tmp_path, stores, plugin_file):
    stores(6)
    plugin = plugin_file(HOSTILE_PLUGIN, "hostile")
    args = ["run", str(tmp_path / "stores"), "-o", str(tmp_path / "out"), "-f", "json", "--no-progress",
            "--workers", "2", "--time-limit", "10", "--plugin", plugin]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 70, result.output
    assert "6 audit(s): 1 written, 5 failed" in result.output
    assert "stopped at the time limit" in result.output and "unexpected error" in result.output
    assert "Traceback" not in result.output and 'File "' not in result.output
    assert "run with --debug for the traceback" in result.output
    debug = CliRunner().invoke(main, args + ["--debug"])
    assert "Traceback" in debug.output and "S0002 upsets this plugin" in debug.output


def test_an_unexpected_error_and_fail_under_exit_differently(tmp_path, stores, plugin_file):
    crash = plugin_file("import os\nfrom gapaudit import hookimpl\n@hookimpl\ndef gapaudit_finalize_result(result):"
                        "\n    if result.store['id'] == 'S0002':\n        os._exit(3)\n", "crash")
    stores(2)
    base = ["run", str(tmp_path / "stores"), "-o", str(tmp_path / "out"), "-f", "json", "--no-progress"]
    below = CliRunner().invoke(main, base + ["--fail-under", "100"])
    assert below.exit_code == 1, below.output
    died = CliRunner().invoke(main, base + ["--plugin", crash])
    assert died.exit_code == 70, died.output


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_named_like_an_audit_is_skipped_with_a_note(tmp_path, stores):
    paths = stores(2)
    fifo = tmp_path / "stores" / "S0001" / "copy.yaml"
    os.mkfifo(fifo)
    skipped: list[Path] = []
    assert expand_sources([tmp_path / "stores"], skipped) == paths
    assert skipped == [fifo]
    assert expand_sources([str(tmp_path / "stores" / "*" / "*.yaml")], []) == paths
    result = CliRunner().invoke(main, ["run", str(tmp_path / "stores"), "-o", str(tmp_path / "out"), "-f", "json",
                                       "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "copy.yaml: skipped, not a regular file" in result.output


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_named_like_a_result_is_skipped_by_the_rollup(tmp_path, stores):
    run_batch(stores(2), BatchOptions(run=RunOptions(formats=("json",), output=tmp_path / "results", many=True)),
              workers=1, progress=False)
    os.mkfifo(tmp_path / "results" / "pipe.json")
    os.mkfifo(tmp_path / "results" / "mailed.pdf")  # PDF reports are read too (the result they carry)
    result = CliRunner().invoke(main, ["rollup", str(tmp_path / "results"), "-f", "json", "-o",
                                       str(tmp_path / "hq") + "/"])
    assert result.exit_code == 2, result.output  # written, with the skipped files listed
    assert "pipe.json: not a regular file" in result.output and "mailed.pdf: not a regular file" in result.output
    data = json.loads((tmp_path / "hq" / "rollup.json").read_text())
    assert data["counts"]["stores"] == 2


def _state(pid: int) -> str | None:
    """The process's state letter, None when it is gone (a zombie counts as gone)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    state = text.rsplit(")", 1)[1].split()[0]
    return None if state in ("Z", "X") else state


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_workers_exit_when_the_batch_parent_is_killed(tmp_path, stores, plugin_file):
    stores(6)
    marks = tmp_path / "marks"
    marks.mkdir()
    plugin = plugin_file(textwrap.dedent(f"""\
        import os, time
        from gapaudit import hookimpl

        @hookimpl
        def gapaudit_finalize_result(result):
            open(os.path.join({str(marks)!r}, str(os.getpid())), "w").close()
            time.sleep(30)
        """), "slow")
    parent = subprocess.Popen([sys.executable, "-m", "gapaudit.cli", "run", str(tmp_path / "stores"), "-o",
                               str(tmp_path / "out"), "-f", "json", "--workers", "2", "--no-progress",
                               "--plugin", plugin], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(list(marks.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    workers = [int(p.name) for p in marks.iterdir()]
    assert len(workers) == 2 and all(_state(w) for w in workers)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 15
    while any(_state(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_state(w) for w in workers), "workers outlived their parent"
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.json"))


def test_dask_time_limit_reports_the_store_and_goes_on(tmp_path, stores, plugin_file):
    distributed = pytest.importorskip("dask.distributed")
    hang = plugin_file("import time\nfrom gapaudit import hookimpl\n@hookimpl\ndef gapaudit_finalize_result(result):"
                       "\n    if result.store['id'] == 'S0002':\n        time.sleep(40)\n", "hang")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        report = run_batch(stores(3), BatchOptions(run=RunOptions(formats=("json",), output=tmp_path / "out",
                                                                  many=True), plugins=(hang,)),
                           executor="dask", scheduler=cluster.scheduler_address, progress=False, time_limit=8)
    assert [(Path(f.source).parent.name, f.kind, f.exit_code) for f in report.failures] == [("S0002", "timeout", 5)]
    assert report.succeeded == 2 and report.exit_code == batch.EXIT_TIMEOUT


def test_dask_local_cluster_failures_without_dask_noise(tmp_path, stores, plugin_file):
    pytest.importorskip("dask.distributed")
    crash = plugin_file("import os\nfrom gapaudit import hookimpl\n@hookimpl\ndef gapaudit_finalize_result(result):"
                        "\n    if result.store['id'] == 'S0002':\n        os._exit(3)\n", "crash")
    stores(2)
    proc = subprocess.run([sys.executable, "-m", "gapaudit.cli", "run", str(tmp_path / "stores"), "-o",
                           str(tmp_path / "out"), "-f", "json", "--no-progress", "--executor", "dask", "--workers", "1",
                           "--plugin", crash], capture_output=True, text=True, timeout=300)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 70, output
    assert "S0002/audit.yaml: unexpected error" in output and "Dask workers running this audit died" in output
    assert "distributed." not in output and "Traceback" not in output, output
