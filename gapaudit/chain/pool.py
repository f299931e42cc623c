"""The batch's local worker processes: each runs one store at a time, within a time limit.

Why not ``concurrent.futures.ProcessPoolExecutor``: a store that hangs (a
plugin hook that never returns) must be stopped after its time limit by
replacing only the worker running it; a worker that dies must be tied to the
one store it was running; workers must exit when the batch's parent process
is killed; and a worker writing PDFs is replaced after its share of stores
(WeasyPrint's native memory). Here the parent hands each worker a store or
two, the worker says when it starts each, and the parent waits on the
workers' pipes and process sentinels with a deadline, replacing a worker
when it dies, overruns or has done its share.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Any, Callable, Sequence

if TYPE_CHECKING:
    from gapaudit.chain.batch import BatchOptions, StoreOutcome

Task = tuple[str, "str | None"]

#: seconds a worker told to stop (SIGTERM: it removes its temporary files) gets before SIGKILL
STOP_GRACE_SECONDS = 2.0
#: how often a worker checks that the batch's parent is still alive
PARENT_CHECK_SECONDS = 0.5


@dataclass
class _Worker:
    process: Any  # multiprocessing.Process
    conn: Connection
    sent: deque = field(default_factory=deque)  # tasks handed over, oldest first (the first may be running)
    started: float | None = None  # when the oldest sent task began (the worker says so), None: not yet
    stores: int = 0
    retiring: bool = False  # has done its share: gets no more tasks

    @property
    def running(self) -> "Task | None":
        return self.sent[0] if self.sent and self.started is not None else None


def _context() -> Any:
    # fork: workers inherit the imports and the font query the parent already did
    return multiprocessing.get_context("fork" if sys.platform.startswith("linux") else None)


def run_pool(tasks: Sequence[Task], options: "BatchOptions", workers: int, done: Callable[["StoreOutcome"], None],
             *, time_limit: float | None = None, stores_per_worker: int | None = None) -> None:
    """Run every task in up to ``workers`` processes; ``done`` gets each store's outcome.

    Each worker has up to QUEUE_PER_WORKER tasks handed over, so it never
    waits for the parent between stores, and says when it starts each one,
    so the parent knows which store is running and since when. A store
    running longer than ``time_limit`` seconds is stopped, its worker
    replaced, and the store reported as timed out. A worker that dies while
    running a store is replaced and the store tried once more in a fresh
    worker (the death may have been another's fault, e.g. the memory it
    shared); dying twice, it is reported. Tasks queued behind it go back to
    the front of the line.
    """
    from gapaudit.chain.batch import QUEUE_PER_WORKER, timeout_outcome, worker_died_outcome

    pending: deque[Task] = deque(tasks)
    retried: set[Task] = set()
    pool: list[_Worker] = []

    def remove(w: _Worker, failed: "Task | None") -> None:
        """Stop a worker; what it had queued besides ``failed`` goes back to the front of the line."""
        _stop(w)
        pool.remove(w)
        for task in reversed([t for t in w.sent if t != failed]):
            pending.appendleft(task)

    try:
        while pending or any(w.sent for w in pool):
            for w in [w for w in pool if not w.sent and not w.process.is_alive()]:
                remove(w, None)  # gone between stores (nothing to blame it for): replaced below
            while pending and len([w for w in pool if not w.retiring]) < workers:
                pool.append(_spawn(options))
            for w in pool:
                while pending and not w.retiring and len(w.sent) < QUEUE_PER_WORKER and \
                        (stores_per_worker is None or w.stores + len(w.sent) < stores_per_worker):
                    _give(w, pending.popleft())
            busy = [w for w in pool if w.sent]
            timeout = None
            if time_limit and any(w.started is not None for w in busy):
                timeout = max(0.0, min(w.started + time_limit for w in busy if w.started is not None)
                              - time.monotonic())
            wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout)
            for w in busy:
                for kind, payload in _receive(w):
                    if kind == "started":
                        w.started = time.monotonic()
                    else:  # "done": the oldest task's outcome
                        w.sent.popleft()
                        w.started = None
                        w.stores += 1
                        done(payload)
                if stores_per_worker is not None and w.stores >= stores_per_worker:
                    w.retiring = True
                if w.retiring and not w.sent:
                    remove(w, None)
                elif w.sent and not w.process.is_alive():
                    task = w.running or w.sent[0]
                    remove(w, task)
                    if task in retried:
                        done(worker_died_outcome(task[0], w.process.exitcode))
                    else:
                        retried.add(task)
                        pending.appendleft(task)
                elif time_limit and w.running is not None and time.monotonic() - w.started >= time_limit:
                    task = w.running
                    remove(w, task)
                    done(timeout_outcome(task[0], time_limit))
    finally:
        for w in pool:
            _stop(w, wait_for_task=False)


def _spawn(options: "BatchOptions") -> _Worker:
    ctx = _context()
    parent_end, child_end = ctx.Pipe(duplex=True)
    process = ctx.Process(target=_serve, args=(child_end, options), daemon=True, name="gapaudit-worker")
    process.start()
    child_end.close()
    return _Worker(process, parent_end)


def _give(w: _Worker, task: Task) -> None:
    w.sent.append(task)
    try:
        w.conn.send(task)
    except OSError:
        pass  # the worker is gone: its sentinel says so on the next wait


def _receive(w: _Worker) -> list[tuple[str, Any]]:
    """Every message the worker has sent so far: ("started", source) or ("done", outcome)."""
    out = []
    try:
        while w.conn.poll():
            out.append(w.conn.recv())
    except (EOFError, OSError):
        pass
    return out


def _stop(w: _Worker, wait_for_task: bool = True) -> None:
    """End a worker: politely when idle, else SIGTERM (it removes its temporaries), then SIGKILL."""
    if wait_for_task and not w.sent and w.process.is_alive():
        try:
            w.conn.send(None)
        except OSError:
            pass
        w.process.join(STOP_GRACE_SECONDS)
    if w.process.is_alive():
        w.process.terminate()
        w.process.join(STOP_GRACE_SECONDS)
    if w.process.is_alive():
        w.process.kill()
        w.process.join()
    w.conn.close()


# --- inside a worker ----------------------------------------------------------------------

def _serve(conn: Connection, options: "BatchOptions") -> None:
    """A worker's life: set up once, then run the stores the parent sends until told to stop."""
    from gapaudit.chain.batch import init_worker, run_store
    from gapaudit.errors import Interrupted

    def stop(signum: int, _frame: Any) -> None:
        raise Interrupted(signum)

    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which stops the workers
        signal.signal(signal.SIGTERM, stop)  # unwinds the store: temporary files are removed
        watch_parent()
        init_worker(options)
        while True:
            try:
                task = conn.recv()
            except (EOFError, OSError):
                return
            if task is None:
                return
            conn.send(("started", task[0]))
            conn.send(("done", run_store(task[0], task[1], options)))
    except BaseException:  # stopped or the parent is gone: leave quietly, no traceback
        os._exit(1)


def watch_parent() -> None:
    """Exit when the process that started this one is gone (SIGKILLed): a thread checks every half
    second and sends this process SIGTERM (so it removes its temporary files), SIGKILL if that fails."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(STOP_GRACE_SECONDS)
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="gapaudit-parent-watch", daemon=True).start()
