"""A forked helper process that imports WeasyPrint while the audit is loaded and analysed.

Importing WeasyPrint takes about half a second of CPU, as long as loading,
analysing and templating a typical audit together. ``gapaudit run`` starts
this helper first thing when a PDF is asked for (POSIX only, and only while
the process has a single thread, so forking is safe); the helper imports
WeasyPrint on another core, then lays out the HTML it is sent and returns the
PDF bytes. Without the helper (Windows, library use, batch workers,
``GAPAUDIT_PDF_WORKER=0``) the PDF is laid out in-process: same code, same
bytes.
"""

from __future__ import annotations

import atexit
import os
import pickle
import signal
import struct
import threading
from pathlib import Path
from typing import Any

_HEADER = struct.Struct("!Q")
_worker: "PdfWorker | None" = None


class PdfWorker:
    """The parent's handle on the helper: send one job, read one reply."""

    def __init__(self, pid: int, to_child: int, from_child: int) -> None:
        self.pid, self.to_child, self.from_child = pid, to_child, from_child
        self.used = False

    def render(self, html: str, folders: list[Path], base_url: Path, attachments: list[Any] | None = None,
               created: str | None = None, served: dict[str, bytes] | None = None) -> bytes:
        """Lay out ``html`` in the helper; raises what the helper raised (as OutputError)."""
        from gapaudit.errors import OutputError

        self.used = True
        try:
            _send(self.to_child, (html, [str(f) for f in folders], str(base_url), attachments or [], created,
                                  served or {}))
            ok, payload = _receive(self.from_child)
        except (OSError, EOFError, pickle.PickleError) as exc:
            self.close()
            raise OutputError(f"the PDF helper process failed: {exc}") from exc
        except BaseException:  # interrupted: do not wait for the layout to finish
            self.close(kill=True)
            raise
        self.close()
        if ok:
            return payload
        raise OutputError(payload)

    def close(self, kill: bool = False) -> None:
        for fd in (self.to_child, self.from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        self.to_child = self.from_child = -1
        try:
            if kill:
                os.kill(self.pid, signal.SIGKILL)
            elif not self.used:
                os.kill(self.pid, signal.SIGTERM)
            os.waitpid(self.pid, 0)
        except (OSError, ChildProcessError):
            pass


def enabled() -> bool:
    """Whether a helper may be forked here: POSIX, one thread, not switched off."""
    return (hasattr(os, "fork") and threading.active_count() == 1
            and os.environ.get("GAPAUDIT_PDF_WORKER", "1") not in ("0", "false", "no"))


def start() -> None:
    """Fork the helper (idempotent); call it early, before the heavy imports."""
    global _worker
    if _worker is not None or not enabled():
        return
    parent_read, child_write = os.pipe()
    child_read, parent_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the helper
        os.close(parent_read)
        os.close(parent_write)
        code = 0
        try:
            _serve(child_read, child_write)
        except BaseException:
            code = 1
        os._exit(code)
    os.close(child_read)
    os.close(child_write)
    _worker = PdfWorker(pid, parent_write, parent_read)
    atexit.register(stop)


def take() -> PdfWorker | None:
    """The started helper, handed out once (a helper serves one PDF)."""
    global _worker
    worker, _worker = _worker, None
    return worker


def stop() -> None:
    """End an unused helper (called at exit)."""
    worker = take()
    if worker is not None:
        worker.close()


def _serve(read_fd: int, write_fd: int) -> None:
    try:
        import weasyprint  # the point of the helper: import while the parent works

        _warm_up(weasyprint)
    except Exception:
        pass  # reported by the layout call below, with the parent's error wording
    from gapaudit.render.pdf import layout

    try:
        html, folders, base_url, attachments, created, served = _receive(read_fd)
    except (EOFError, OSError):
        return  # the parent did not need a PDF after all
    try:
        reply: tuple[bool, Any] = (True, layout(html, [Path(f) for f in folders], Path(base_url), attachments,
                                                created, served))
    except Exception as exc:
        reply = (False, str(exc))
    _send(write_fd, reply)


def _warm_up(weasyprint: Any) -> None:
    """Lay out a scrap of text in the report's fonts, so font loading is done before the real job."""
    from gapaudit.render.fonts import LATIN, PREFERRED_CJK, css_font_family

    family = css_font_family([*PREFERRED_CJK, *LATIN, "sans-serif"])
    weasyprint.HTML(string=f"<html style='font-family: {family}'><p>服务 Service <b>服务 Service</b></p>"
                           "<svg xmlns='http://www.w3.org/2000/svg' width='9' height='9'>"
                           f"<text font-family='{family}'>服 S</text></svg></html>").write_pdf()


def _send(fd: int, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _read_exact(fd: int, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError("pipe closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _receive(fd: int) -> Any:
    (size,) = _HEADER.unpack(_read_exact(fd, _HEADER.size))
    return pickle.loads(_read_exact(fd, size))
