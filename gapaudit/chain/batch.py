"""Batch runs: many audits, one report each, in a local process pool or on a Dask cluster.

Each store goes through :func:`gapaudit.runner.run_one`, exactly as a lone
``gapaudit run`` would. What a batch adds:

- set-up paid once per worker, not per store: imports, the plugin host, the
  writers (WeasyPrint for PDF) and the history connection live in a cache
  inside each worker process, keyed by the batch options;
- one bad audit never stops the batch: its error (input issues, plugin or
  output failure, even a crashed worker) is collected and the others go on;
- results are streamed to disk by the workers; the parent only receives a
  small :class:`StoreOutcome` per store and keeps the failures, so its
  memory does not grow with the number of stores;
- a progress bar on stderr with the last store, elapsed and remaining time.

- a time limit per store (``time_limit``): a store still running after it
  is stopped, its worker replaced, and the store reported as timed out;
- workers exit when the batch's parent process is killed.

The default executor is a local pool of worker processes (no server, see
:mod:`gapaudit.chain.pool`). ``executor="dask"`` runs the same tasks on a
Dask distributed cluster (``scheduler`` address, or a LocalCluster when none
is given); audit files, plugins and the output folder must then be reachable
by every worker under the same paths.
"""

from __future__ import annotations

import gc
import glob
import logging
import os
import re
import sys
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence

from gapaudit.chain import is_regular_file
from gapaudit.errors import GapauditError, InputError, InputIssue, OutputError, PluginError
from gapaudit.runner import RunOptions

if TYPE_CHECKING:
    from gapaudit.plugins import PluginHost

AUDIT_SUFFIXES = (".yaml", ".yml")
DOCUMENT_FORMATS = ("pdf", "html", "md")
EXECUTORS = ("process", "dask")
#: exit code of a store whose processing failed unexpectedly (a bug or a crashed worker), as an
#: unexpected error in a lone ``gapaudit run`` exits; never 1, which means "below --fail-under"
EXIT_UNEXPECTED = 70
#: exit code of a store stopped at the time limit
EXIT_TIMEOUT = 5
#: seconds one store may take in a batch (a worker's set-up counts toward its first store); a store
#: usually takes 0.05 s (JSON) to 5 s (PDF), so this only ever stops a store that hangs
DEFAULT_TIME_LIMIT = 300.0
#: Dask tasks queued per worker: enough to keep workers busy, few enough to keep the parent small
QUEUE_PER_WORKER = 2
#: stores a local worker lays out before it is replaced by a fresh process. WeasyPrint's native
#: libraries keep about 0.5–1 MB per document that no collection returns (a worker had grown to
#: 447 MB after 500 PDFs); replacing workers keeps memory flat for about 1 % of the batch's time.
#: Batches without PDF do not grow and keep their workers.
PDFS_PER_WORKER = 50

EXIT_RULE = ("exit code of a batch = the highest exit code among its stores: 0 all written, 1 a score below "
             "--fail-under, 2 invalid input, 3 a plugin or module failed, 4 output or history could not be "
             "written, 5 a store was stopped at the time limit, 70 an unexpected error (a bug, or a worker "
             "that crashed)")


# --- which audits ---------------------------------------------------------------------

_GLOB_CHARS = re.compile(r"[*?\[]")
_AUDIT_KEYS = (re.compile(r"^audit\s*:", re.M), re.compile(r"^store\s*:", re.M))


def looks_like_audit(path: Path) -> bool:
    """A regular YAML file with top-level ``audit:`` and ``store:`` keys (read from its first 64 KB)."""
    if not is_regular_file(path):
        return False
    try:
        with open(path, "rb") as fh:
            head = fh.read(65536).decode("utf-8", errors="replace")
    except OSError:
        return False
    return all(k.search(head) for k in _AUDIT_KEYS)


def _audits_in(folder: Path, skipped: list[Path]) -> list[Path]:
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(root) / name
            if path.suffix.lower() not in AUDIT_SUFFIXES or name.startswith("."):
                continue
            if not is_regular_file(path):
                skipped.append(path)
            elif looks_like_audit(path):
                found.append(path)
    return found


def expand_sources(args: Iterable[str | Path], skipped: list[Path] | None = None) -> list[Path]:
    """Audit files named by files, folders and globs, in the order given, each once.

    A file named directly is always taken (if it is not an audit, its run
    says why). A folder, or a glob match that is a folder, contributes every
    ``*.yaml``/``*.yml`` below it that has top-level ``audit:`` and
    ``store:`` keys, skipping hidden folders. A FIFO, socket or device found
    there is never opened: it is appended to ``skipped`` for the caller to
    mention. A glob or folder that yields no audit is an input error.
    """
    out: list[Path] = []
    seen: set[Path] = set()
    empty: list[str] = []
    skipped = [] if skipped is None else skipped

    def add(path: Path) -> None:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            out.append(path)

    for arg in args:
        text = str(arg)
        if _GLOB_CHARS.search(text) and not Path(text).exists():
            found = []
            for match in sorted(glob.glob(text, recursive=True)):
                p = Path(match)
                if p.is_dir():
                    found.extend(_audits_in(p, skipped))
                elif p.suffix.lower() in AUDIT_SUFFIXES:
                    (found if is_regular_file(p) else skipped).append(p)
            if not found:
                empty.append(text)
            for audit in found:
                add(audit)
        elif Path(text).is_dir():
            found = _audits_in(Path(text), skipped)
            if not found:
                empty.append(text)
            for audit in found:
                add(audit)
        else:
            add(Path(text))
    if empty:
        raise InputError([InputIssue("no audit files found (looked for *.yaml/*.yml files with top-level "
                                     "'audit:' and 'store:' keys)", (), e) for e in empty])
    return out


def output_names(paths: Sequence[Path]) -> list[str]:
    """Unique report names for audits written into one folder.

    A file's stem when no other audit shares it; otherwise its path below the
    audits' common folder, joined with ``_`` (a final ``audit``, the name
    ``gapaudit init`` uses, is dropped): ``stores/S001/audit.yaml`` → ``S001``.
    A name still taken gets ``-2``, ``-3``…
    """
    stems = [p.name.rsplit(".", 1)[0] for p in paths]
    counts = Counter(stems)
    resolved = [p.resolve() for p in paths]
    try:
        root = Path(os.path.commonpath([str(r.parent) for r in resolved])) if resolved else Path()
    except ValueError:  # pragma: no cover - different drives
        root = Path("/")
    names: list[str] = []
    taken: set[str] = set()
    for path, stem in zip(resolved, stems, strict=True):
        if counts[stem] == 1:
            name = stem
        else:
            parts = list(path.relative_to(root).parts)
            parts[-1] = stem
            if len(parts) > 1 and stem == "audit":
                parts = parts[:-1]
            name = "_".join(parts)
        base, n = name, 2
        while name in taken:
            name, n = f"{base}-{n}", n + 1
        taken.add(name)
        names.append(name)
    return names


# --- what the parent gets back ---------------------------------------------------------

@dataclass(frozen=True)
class BatchOptions:
    """Everything a worker needs to build its set-up; hashable, so it keys the worker cache."""

    run: RunOptions = RunOptions()
    plugins: tuple[str, ...] = ()  # --plugin specs
    history: str | None = None  # SQLAlchemy URL
    fail_under: float | None = None


@dataclass
class StoreOutcome:
    """What happened to one audit: small and picklable (the parent keeps only these)."""

    source: str
    ok: bool
    exit_code: int = 0
    kind: str | None = None  # input, plugin, output, history, timeout, unexpected
    messages: list[str] = field(default_factory=list)
    trace: list[str] = field(default_factory=list)  # traceback lines of an unexpected error (shown with --debug)
    store: str = ""
    store_id: str | None = None
    audit_id: str | None = None
    score: float | None = None
    grade: str | None = None
    written: list[str] = field(default_factory=list)
    seconds: float = 0.0
    below: bool = False  # score below --fail-under (or no score at all)
    worker: str = ""
    warnings: list[str] = field(default_factory=list)  # e.g. photos that could not be read (report written)

    @property
    def label(self) -> str:
        return self.store or Path(self.source).parent.name or self.source


@dataclass
class BatchReport:
    """The batch's outcome: counts, the failures with their errors, timing."""

    total: int = 0
    succeeded: int = 0
    failures: list[StoreOutcome] = field(default_factory=list)
    below: list[StoreOutcome] = field(default_factory=list)
    warned: list[StoreOutcome] = field(default_factory=list)  # written, with warnings
    seconds: float = 0.0
    executor: str = "process"
    workers: int = 1
    store_seconds: float = 0.0  # sum of per-store worker time
    worker_ids: set[str] = field(default_factory=set)

    @property
    def exit_code(self) -> int:
        """See EXIT_RULE."""
        codes = [f.exit_code for f in self.failures] + [1 for _ in self.below]
        return max(codes, default=0)

    def add(self, outcome: StoreOutcome) -> None:
        self.total += 1
        self.store_seconds += outcome.seconds
        if outcome.worker:
            self.worker_ids.add(outcome.worker)
        if outcome.ok:
            self.succeeded += 1
            if outcome.below:
                self.below.append(outcome)
            if outcome.warnings:
                self.warned.append(outcome)
        else:
            self.failures.append(outcome)


def error_outcome(source: str, exc: BaseException, seconds: float = 0.0) -> StoreOutcome:
    """The outcome of a store whose processing raised ``exc``."""
    from gapaudit.chain.history import HistoryError

    if isinstance(exc, InputError):
        kind, messages = "input", [i.format(exc.lang) for i in exc.issues]
    elif isinstance(exc, PluginError):
        kind, messages = "plugin", [str(exc)]
    elif isinstance(exc, HistoryError):
        kind, messages = "history", [str(exc)]
    elif isinstance(exc, OutputError):
        kind, messages = "output", [str(exc)]
    elif isinstance(exc, GapauditError):
        kind, messages = "error", [str(exc)]
    elif type(exc).__name__ == "KilledWorker":  # Dask gave up on the task after its workers died
        kind = "unexpected"
        messages = ["the Dask workers running this audit died (a crash in native code, out of memory, a plugin "
                    "ending the process, or another audit on the same worker did one of these)"]
    else:
        kind = "unexpected"
        messages = [f"{type(exc).__name__}: {exc}"]
    code = exc.exit_code if isinstance(exc, GapauditError) else EXIT_UNEXPECTED
    trace = traceback.format_exception(exc) if kind in ("unexpected", "plugin") else []
    return StoreOutcome(source=source, ok=False, exit_code=code, kind=kind, messages=messages, trace=trace,
                        seconds=seconds, worker=_worker_id())


def timeout_outcome(source: str, limit: float) -> StoreOutcome:
    """The outcome of a store stopped at the time limit."""
    return StoreOutcome(source=source, ok=False, exit_code=EXIT_TIMEOUT, kind="timeout", seconds=limit,
                        messages=[f"stopped after the time limit of {limit:g} s (--time-limit); its worker was "
                                  "replaced"])


def worker_died_outcome(source: str, exitcode: int | None) -> StoreOutcome:
    """The outcome of a store whose worker process died under it, twice."""
    how = (f"killed by signal {-exitcode}" if exitcode is not None and exitcode < 0
           else f"exit code {exitcode}")
    return StoreOutcome(source=source, ok=False, exit_code=EXIT_UNEXPECTED, kind="unexpected",
                        messages=[f"the worker process died while running this audit, twice ({how}; a crash in "
                                  "native code, out of memory, or a plugin ending the process?)"])


# --- inside a worker --------------------------------------------------------------------

class Worker:
    """A worker's set-up for one set of options: plugin host, writers, history; built once."""

    def __init__(self, options: BatchOptions):
        from gapaudit.plugins import PluginHost
        from gapaudit.render import writer

        self.options = options
        self.host: PluginHost = PluginHost.create(local=options.plugins)
        self.history = self.history_plugin = None
        self.history_error: GapauditError | None = None  # the database could not be opened: reports go on
        if options.history:
            from gapaudit.chain.history import History, HistoryError, attach

            try:
                self.history = History(options.history)
                self.history_plugin = attach(self.host, self.history)
            except HistoryError as exc:
                self.history_error = exc
        for fmt in options.run.formats:
            writer(fmt)  # import each writer module (WeasyPrint for PDF) now, not inside the first store
        _resolve_fonts(options.run.formats)
        _warm_templates(self.host, options.run)
        # a laid-out document is a large graph of reference cycles that lingers until a rare full
        # collection: without one per report a PDF worker grows by tens of MB per store
        self.collect = any(f in DOCUMENT_FORMATS for f in options.run.formats)

    def run(self, source: str, name: str | None) -> StoreOutcome:
        """Process one audit; never raises for a bad audit, returns its outcome instead."""
        from gapaudit.runner import run_one

        start = time.perf_counter()
        try:
            outcome = run_one(Path(source), self.options.run, self.host, name=name)
            result = outcome.result
            # the report is written: a history failure is reported but costs nothing else
            if self.history_error is not None:
                raise self.history_error
            if self.history is not None:
                from gapaudit.chain.history import take_error

                error = take_error(self.history_plugin)
                if error is not None:
                    raise error
                self.history.record(result)
        except Exception as exc:  # one store's failure must not stop the batch
            return error_outcome(source, exc, time.perf_counter() - start)
        finally:
            if self.collect:
                gc.collect()
        score = result.overall.score
        limit = self.options.fail_under
        return StoreOutcome(
            source=source, ok=True, store=str(result.store.get("name", "")), store_id=result.store.get("id"),
            audit_id=result.audit.get("id"), score=score, grade=result.overall.grade,
            written=[str(p) for p in outcome.written], seconds=time.perf_counter() - start,
            below=limit is not None and (score is None or score < limit), worker=_worker_id(),
            warnings=[zh if (self.options.run.lang or result.audit.get("language")) == "zh" else en
                      for en, zh in outcome.warnings])


def _resolve_fonts(formats: Sequence[str]) -> None:
    """Finish the installed-font query before workers fork, so they inherit the answer instead of each
    running ``fc-list`` again."""
    if any(f in DOCUMENT_FORMATS for f in formats):
        from gapaudit.render import fonts

        fonts.cjk_families()


def _warm_templates(host: "PluginHost", run: RunOptions) -> None:
    """Build the report's template environment now; every later report in this worker reuses it."""
    if any(f in DOCUMENT_FORMATS for f in run.formats):
        from gapaudit.render.env import cached_env

        cached_env(host, run.template_dirs)


_CACHE: dict[BatchOptions, Worker | BaseException] = {}
_CACHE_LOCK = threading.Lock()


def worker_for(options: BatchOptions) -> Worker:
    """This process's :class:`Worker` for ``options``, built on first use (thread-safe)."""
    with _CACHE_LOCK:
        found = _CACHE.get(options)
        if found is None:
            try:
                found = Worker(options)
            except Exception as exc:  # remembered: every store of this worker reports it
                found = exc
            _CACHE[options] = found
    if isinstance(found, BaseException):
        raise found
    return found


def init_worker(options: BatchOptions) -> None:
    """Process-pool initialiser: build the worker's set-up before its first store."""
    try:
        worker_for(options)
    except Exception:
        pass  # reported per store by run_store


def run_store(source: str, name: str | None, options: BatchOptions) -> StoreOutcome:
    """One store in a worker process (the task both executors run)."""
    try:
        worker = worker_for(options)
    except Exception as exc:
        return error_outcome(source, exc)
    return worker.run(source, name)


def _worker_id() -> str:
    return f"{os.uname().nodename if hasattr(os, 'uname') else ''}:{os.getpid()}:{threading.get_ident()}"


# --- the parent -------------------------------------------------------------------------

Task = tuple[str, str | None]


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def run_batch(sources: Sequence[Path], options: BatchOptions, *, executor: str = "process",
              workers: int | None = None, scheduler: str | None = None, progress: bool = True,
              on_outcome: Callable[[StoreOutcome], None] | None = None,
              time_limit: float | None = DEFAULT_TIME_LIMIT, debug: bool = False) -> BatchReport:
    """Run every audit in ``sources``; return the counts and failures, never raising for a bad audit.

    A store still running after ``time_limit`` seconds (None: no limit) is
    stopped and reported as timed out; its worker is replaced. Raises a
    GapauditError before any store runs when the set-up itself is broken (a
    ``--plugin`` that does not load), since every store would fail the same
    way. ``debug`` lets Dask log its warnings.
    """
    if executor not in EXECUTORS:
        raise InputError([InputIssue(f"unknown executor {executor!r}; choose from {', '.join(EXECUTORS)}")])
    _preflight(options)
    paths = [Path(p).absolute() for p in sources]
    names: list[str | None] = list(output_names(paths)) if options.run.output is not None else [None] * len(paths)
    tasks: list[Task] = [(str(p), n) for p, n in zip(paths, names, strict=True)]
    workers = max(1, min(workers or default_workers(), len(tasks) or 1))
    report = BatchReport(executor=executor, workers=workers)
    start = time.perf_counter()
    bar = _progress_bar(len(tasks), progress)

    def done(outcome: StoreOutcome) -> None:
        report.add(outcome)
        if on_outcome is not None:
            on_outcome(outcome)
        if bar is not None:
            failed = len(report.failures)
            postfix = outcome.label if not failed else f"{outcome.label} · {failed} failed"
            bar.set_postfix_str(postfix[:60], refresh=False)
            bar.update()

    try:
        if tasks and executor == "dask":
            _run_dask(tasks, options, workers, scheduler, done, time_limit, debug)
        elif tasks:
            from gapaudit.chain.pool import run_pool

            run_pool(tasks, options, workers, done, time_limit=time_limit,
                     stores_per_worker=stores_per_worker(options.run.formats))
    finally:
        if bar is not None:
            bar.close()
    report.seconds = time.perf_counter() - start
    return report


def _preflight(options: BatchOptions) -> None:
    """Fail fast on set-up every store shares; also creates the history tables once (a history that
    cannot be opened fails no report: each store then says it was not recorded)."""
    from gapaudit.plugins import PluginHost

    PluginHost.create(local=options.plugins)
    _resolve_fonts(options.run.formats)
    if options.history:
        from gapaudit.chain.history import History, HistoryError

        try:
            History(options.history).close()
        except HistoryError:
            pass


def _progress_bar(total: int, enabled: bool) -> Any:
    if not enabled or total == 0:
        return None
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread: worker processes are forked while the bar runs
    return tqdm(total=total, unit="store", file=sys.stderr, dynamic_ncols=True, desc="gapaudit",
                bar_format="{desc} {n_fmt}/{total_fmt} |{bar}| {elapsed}<{remaining}, {rate_fmt}{postfix}")


def stores_per_worker(formats: Sequence[str]) -> int | None:
    """Stores a local worker runs before it is replaced by a fresh process (None: never). Only workers
    writing PDFs grow (WeasyPrint's native memory), so only they are replaced."""
    return max(1, PDFS_PER_WORKER) if "pdf" in formats else None


# --- Dask ---------------------------------------------------------------------------------------

def run_store_limited(source: str, name: str | None, options: BatchOptions,
                      time_limit: float | None) -> StoreOutcome:
    """The Dask task: :func:`run_store` with a time limit.

    A thread cannot be stopped, so the store runs in one and the task gives up
    waiting at the limit: it returns a timed-out outcome carrying the worker's
    address, and the parent restarts that worker (the stuck thread goes with it).
    """
    if not time_limit:
        return run_store(source, name, options)
    box: list[StoreOutcome] = []
    runner = threading.Thread(target=lambda: box.append(run_store(source, name, options)), daemon=True,
                              name=f"gapaudit-store-{Path(source).parent.name}")
    runner.start()
    runner.join(time_limit)
    if box:
        return box[0]
    outcome = timeout_outcome(source, time_limit)
    try:
        from distributed import get_worker

        outcome.worker = get_worker().address
    except (ImportError, ValueError):  # pragma: no cover - not inside a Dask worker
        pass
    return outcome


def _quiet_dask(debug: bool) -> None:
    """Without --debug, Dask's own warnings (a worker restarted, a nanny's complaints) stay out of the
    output: each store's failure is reported by gapaudit in its own words."""
    if not debug:
        for name in ("distributed", "dask"):
            logging.getLogger(name).setLevel(logging.CRITICAL)


def _run_dask(tasks: list[Task], options: BatchOptions, workers: int, scheduler: str | None,
              done: Callable[[StoreOutcome], None], time_limit: float | None = None, debug: bool = False) -> None:
    """The same tasks on a Dask distributed cluster; a LocalCluster of ``workers`` processes when no address."""
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as exc:
        raise InputError([InputIssue("--executor dask needs dask and distributed: "
                                     "pip install 'gapaudit[dask]'")]) from exc
    _quiet_dask(debug)
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout="30s")
        else:
            import dask

            # a store whose worker dies is tried once more, as in the local pool (Dask's default: 3 times)
            with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
                cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                                       silence_logs=logging.WARNING if debug else logging.CRITICAL)
            client = Client(cluster)
    except OSError as exc:
        raise OutputError(f"cannot connect to the Dask scheduler {scheduler}: {exc}") from exc
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})) or workers)
        limit = n_workers * QUEUE_PER_WORKER
        todo = iter(tasks)
        running: dict[Any, str] = {}

        def submit() -> Any:
            task = next(todo, None)
            if task is None:
                return None
            fut = client.submit(run_store_limited, task[0], task[1], options, time_limit, pure=False,
                                key=f"gapaudit-store-{os.urandom(8).hex()}")
            running[fut.key] = task[0]
            return fut

        first = [f for f in (submit() for _ in range(limit)) if f is not None]
        queue = as_completed(first)
        for fut in queue:
            source = running.pop(fut.key)
            try:
                outcome = fut.result()
            except Exception as exc:  # the task died with its worker (KilledWorker) or was lost
                outcome = error_outcome(source, exc)
            if outcome.kind == "timeout" and outcome.worker:
                _restart_dask_worker(client, outcome.worker)
            done(outcome)
            fut.release()
            nxt = submit()
            if nxt is not None:
                queue.add(nxt)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _restart_dask_worker(client: Any, address: str) -> None:
    """Replace a worker whose store overran (its nanny starts a fresh one); a worker without a nanny
    cannot be restarted and keeps its stuck thread."""
    try:
        client.restart_workers([address], raise_for_error=False)
    except Exception:  # noqa: BLE001 - best effort: the store is reported either way
        pass
