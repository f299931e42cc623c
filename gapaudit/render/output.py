"""Write output files atomically and together: a crash never leaves a truncated report, and a
store's outputs (``-f json,html``) are all replaced or none is.

Each file is first written in full to a temporary file beside its target
(``.audit.pdf.<pid>.<random>.tmp``), flushed to disk; only when every one is
written are they renamed into place, with Ctrl-C and SIGTERM held back during
the renames and earlier versions restored if a rename fails. A temporary
left by a process that was killed (SIGKILL, power loss) is removed by a later
write into the same folder once its process is gone.
"""

from __future__ import annotations

import os
import re
import signal
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

from gapaudit.errors import OutputError

#: our temporaries: .<output name>.<pid>.<random>.tmp (older versions wrote .<output name>.<random>.tmp)
_TEMP = re.compile(r"^\.(?P<name>.+\.(?:pdf|html|md|json|csv))\.(?:(?P<pid>\d+)\.)?[A-Za-z0-9_.]+\.tmp$")
#: a temporary whose process cannot be told (old name, or its pid now used by another process) is stale
#: after this long
STALE_AFTER_SECONDS = 24 * 3600
_cleaned: set[str] = set()  # folders cleaned by this process already (a batch writes thousands of files)
_cleaned_lock = threading.Lock()


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`commit`)."""
    commit([(Path(path), data)])


def commit(files: Iterable[tuple[Path, bytes]]) -> None:
    """Write every ``(path, data)`` or none: all temporaries first, then the renames.

    Raises OutputError naming the file that could not be written (disk full,
    permissions); then no target has changed and no temporary is left.
    """
    files = [(Path(p), d) for p, d in files]
    temps: list[tuple[str, Path]] = []
    try:
        for path, data in files:
            temps.append((_write_temp(path, data), path))
        _rename_all(temps)
    except BaseException:
        for tmp, _ in temps:
            _unlink(tmp)
        raise


def _write_temp(path: Path, data: bytes) -> str:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(path.parent)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
    except BaseException as exc:
        _unlink(tmp)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
        raise
    return tmp


def _rename_all(temps: list[tuple[str, Path]]) -> None:
    """Move every temporary into place; on failure put back what was there before."""
    done: list[tuple[Path, str | None]] = []  # (target, backup of the earlier file)
    backups: list[str] = []
    with _signals_held():
        try:
            for tmp, path in temps:
                backup = None
                if len(temps) > 1 and path.is_file():
                    backup = tmp[:-len(".tmp")] + ".old.tmp"
                    try:
                        os.link(path, backup)
                        backups.append(backup)
                    except OSError:
                        backup = None
                os.replace(tmp, path)
                done.append((path, backup))
        except OSError as exc:
            for path, backup in reversed(done):
                try:
                    os.replace(backup, path) if backup else os.unlink(path)
                except OSError:
                    pass
            failed = temps[len(done)][1]
            raise OutputError(f"cannot write {failed}: {exc.strerror or exc}") from exc
        finally:
            for backup in backups:
                _unlink(backup)


@contextmanager
def _signals_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait until the renames are done (they take microseconds)."""
    held = {signal.SIGINT, signal.SIGTERM}
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Remove our temporaries in ``folder`` whose writing process is gone (once per folder and process)."""
    key = os.path.abspath(folder)
    with _cleaned_lock:
        if key in _cleaned:
            return []
        _cleaned.add(key)
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    now = time.time()
    for entry in entries:
        match = _TEMP.match(entry.name)
        if match is None or not entry.is_file(follow_symlinks=False):
            continue
        pid = match.group("pid")
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        if (pid is not None and int(pid) != os.getpid() and not _alive(int(pid))) or age > STALE_AFTER_SECONDS:
            if _unlink(entry.path):
                removed.append(Path(entry.path))
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists, another user's
    return True


def _unlink(path: str) -> bool:
    try:
        os.unlink(path)
        return True
    except OSError:
        return False
