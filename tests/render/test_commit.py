"""Outputs are committed together or not at all; stale temporaries of killed runs are cleaned up."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gapaudit.errors import OutputError
from gapaudit.render import output
from gapaudit.render.output import commit, remove_stale_temporaries
from gapaudit.runner import RunOptions, run_one
from gapaudit.testing import make_host


@pytest.fixture(autouse=True)
def _fresh_cleanup_memory(monkeypatch):
    monkeypatch.setattr(output, "_cleaned", set())


def _disk_full_after(monkeypatch, files_ok: int) -> None:
    """os.fsync fails with ENOSPC once ``files_ok`` files have been written."""
    real = os.fsync
    calls = {"n": 0}

    def fsync(fd):
        calls["n"] += 1
        if calls["n"] > files_ok:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd)

    monkeypatch.setattr(output.os, "fsync", fsync)


def test_disk_full_on_the_second_file_changes_nothing(tmp_path, monkeypatch):
    a, b = tmp_path / "audit.json", tmp_path / "audit.html"
    a.write_bytes(b"old json")
    _disk_full_after(monkeypatch, 1)
    with pytest.raises(OutputError, match="audit.html: No space left on device"):
        commit([(a, b"new json"), (b, b"new html")])
    assert a.read_bytes() == b"old json" and not b.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit.json"]  # no temporary left


def test_a_failed_rename_puts_back_the_files_already_replaced(tmp_path, monkeypatch):
    a, b = tmp_path / "audit.json", tmp_path / "audit.html"
    a.write_bytes(b"old json")
    b.write_bytes(b"old html")
    real = os.replace
    calls = {"n": 0}

    def replace(src, dst):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(errno.EIO, "Input/output error")
        return real(src, dst)

    monkeypatch.setattr(output.os, "replace", replace)
    with pytest.raises(OutputError, match="audit.html"):
        commit([(a, b"new json"), (b, b"new html")])
    assert (a.read_bytes(), b.read_bytes()) == (b"old json", b"old html")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit.html", "audit.json"]


def test_a_run_with_two_formats_writes_both_or_neither(tmp_path, monkeypatch, gapaudit_sample):
    audit = gapaudit_sample("well-run-store")
    out = tmp_path / "out"
    options = RunOptions(formats=("json", "md"), output=out, many=True)
    _disk_full_after(monkeypatch, 1)
    with pytest.raises(OutputError):
        run_one(audit, options, make_host())
    assert not out.exists() or not list(out.iterdir())
    monkeypatch.undo()
    outcome = run_one(audit, options, make_host())
    assert sorted(p.name for p in outcome.written) == ["audit.json", "audit.md"]


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_later_write_removes_temporaries_of_killed_runs_only(tmp_path):
    dead = tmp_path / f".audit.pdf.{_dead_pid()}.k2j4h5.tmp"
    dead.write_bytes(b"half a PDF")
    alive = tmp_path / f".audit.pdf.{os.getppid()}.q9w8e7.tmp"  # a process that still runs: being written
    alive.write_bytes(b"in progress")
    old_style = tmp_path / ".audit.json.ab12cd34.tmp"  # written by an older version, long ago
    old_style.write_bytes(b"{")
    os.utime(old_style, (time.time() - 2 * 86400,) * 2)
    recent_old_style = tmp_path / ".audit.md.zz99yy88.tmp"
    recent_old_style.write_bytes(b"#")
    not_ours = tmp_path / ".notes.txt.12.tmp"
    not_ours.write_bytes(b"x")
    commit([(tmp_path / "audit.pdf", b"%PDF")])
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["audit.pdf", alive.name, recent_old_style.name, not_ours.name])


def test_sigkill_during_the_final_write_leaves_a_temporary_a_later_run_removes(tmp_path):
    target = tmp_path / "audit.pdf"
    code = ("import os, signal\nfrom gapaudit.render import output\n"
            "def killed(fd):\n    os.kill(os.getpid(), signal.SIGKILL)\n"
            "output.os.fsync = killed\n"
            f"output.write_atomic({str(target)!r}, b'x' * 100000)\n")
    proc = subprocess.run([sys.executable, "-c", code], timeout=60)
    assert proc.returncode == -9
    leftovers = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(leftovers) == 1 and not target.exists()
    removed = remove_stale_temporaries(tmp_path)
    assert removed == leftovers and not leftovers[0].exists()
