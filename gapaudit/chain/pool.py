"""The batch's local worker processes: one store at a time per worker, each with a time limit.

Why not ``concurrent.futures.ProcessPoolExecutor``: a store that hangs (a
plugin hook that never returns) must be stopped after its time limit by
replacing only the worker running it; a worker that dies must be tied to the
one store it was running; workers must exit when the batch's parent process
is killed; and a worker writing PDFs is replaced after its share of stores
(WeasyPrint's native memory). Here the parent hands each worker one store,
waits on the workers' pipes and process sentinels with a deadline, and
replaces a worker when it dies, overruns or has done its share.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
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
    task: Task | None = None
    started: float = 0.0
    stores: int = 0


def _context() -> Any:
    # fork: workers inherit the imports and the font query the parent already did
    return multiprocessing.get_context("fork" if sys.platform.startswith("linux") else None)


def run_pool(tasks: Sequence[Task], options: "BatchOptions", workers: int, done: Callable[["StoreOutcome"], None],
             *, time_limit: float | None = None, stores_per_worker: int | None = None) -> None:
    """Run every task in up to ``workers`` processes; ``done`` gets each store's outcome.

    A store running longer than ``time_limit`` seconds is stopped, its worker
    replaced, and the store reported as timed out. A worker that dies while
    running a store is replaced and the store tried once more in a fresh
    worker (the death may have been another's fault, e.g. the memory it
    shared); dying twice, it is reported.
    """
    from gapaudit.chain.batch import timeout_outcome, worker_died_outcome

    pending: deque[Task] = deque(tasks)
    retried: set[Task] = set()
    pool: list[_Worker] = []
    try:
        while pending or any(w.task is not None for w in pool):
            for w in pool:
                if w.task is None and pending:
                    _give(w, pending.popleft())
            while pending and len(pool) < workers:
                w = _spawn(options)
                pool.append(w)
                _give(w, pending.popleft())
            busy = [w for w in pool if w.task is not None]
            timeout = None
            if time_limit:
                timeout = max(0.0, min(w.started + time_limit for w in busy) - time.monotonic())
            wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout)
            for w in busy:
                task = w.task
                assert task is not None
                outcome = _receive(w)
                if outcome is not None:
                    w.task = None
                    w.stores += 1
                    if stores_per_worker is not None and w.stores >= stores_per_worker:
                        _stop(w)
                        pool.remove(w)
                    done(outcome)
                elif not w.process.is_alive():
                    _stop(w)
                    pool.remove(w)
                    if task in retried:
                        done(worker_died_outcome(task[0], w.process.exitcode))
                    else:
                        retried.add(task)
                        pending.appendleft(task)
                elif time_limit and time.monotonic() - w.started >= time_limit:
                    _stop(w)
                    pool.remove(w)
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
    w.task = task
    w.started = time.monotonic()
    try:
        w.conn.send(task)
    except OSError:
        pass  # the worker is gone: its sentinel says so on the next wait


def _receive(w: _Worker) -> "StoreOutcome | None":
    """The worker's outcome if it has sent one, else None."""
    try:
        if w.conn.poll():
            return w.conn.recv()
    except (EOFError, OSError):
        pass
    return None


def _stop(w: _Worker, wait_for_task: bool = True) -> None:
    """End a worker: politely when idle, else SIGTERM (it removes its temporaries), then SIGKILL."""
    if wait_for_task and w.task is None and w.process.is_alive():
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
            conn.send(run_store(task[0], task[1], options))
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
