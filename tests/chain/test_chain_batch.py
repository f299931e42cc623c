"""Batch runs: which files, report names, parallel workers, failures collected, exit codes, Dask."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import CRASHING_PLUGIN, FAILING_PLUGIN
from gapaudit.chain import batch
from gapaudit.chain.batch import (BatchOptions, StoreOutcome, Worker, expand_sources, output_names, run_batch,
                            worker_for)
from gapaudit.cli import main
from gapaudit.errors import InputError
from gapaudit.runner import RunOptions


def _options(out: Path | None, **kw) -> BatchOptions:
    return BatchOptions(run=RunOptions(formats=("json",), output=out, many=True), **kw)


# --- which audits and what they are called -----------------------------------------------

def test_expand_folders_globs_files_once_each(tmp_path, stores):
    paths = stores(3)
    (tmp_path / "stores" / "notes.yaml").write_text("just: notes\n")
    (tmp_path / "stores" / ".hidden").mkdir()
    (tmp_path / "stores" / ".hidden" / "audit.yaml").write_text(paths[0].read_text())
    found = expand_sources([tmp_path / "stores", str(tmp_path / "stores" / "*" / "audit.yaml"), paths[1]])
    assert found == paths  # folder order, duplicates dropped, non-audit and hidden files skipped


def test_a_named_file_is_always_taken(tmp_path):
    missing = tmp_path / "nope.yaml"
    assert expand_sources([missing]) == [missing]  # its run will say "no such audit file"


def test_empty_glob_or_folder_is_an_input_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError) as info:
        expand_sources([str(tmp_path / "x" / "*.yaml"), tmp_path / "empty"])
    assert len(info.value.issues) == 2
    assert "no audit files found" in info.value.issues[0].message


def test_output_names_unique():
    assert output_names([Path("a/north.yaml"), Path("a/south.yaml")]) == ["north", "south"]
    assert output_names([Path("/c/S1/audit.yaml"), Path("/c/S2/audit.yaml")]) == ["S1", "S2"]
    assert output_names([Path("/c/x/q3.yaml"), Path("/c/y/q3.yaml")]) == ["x_q3", "y_q3"]
    assert output_names([Path("/c/a_b/audit.yaml"), Path("/c/a/b/audit.yaml"), Path("/c/z.yaml")]) == \
        ["a_b", "a_b-2", "z"]


# --- running ------------------------------------------------------------------------------

def test_batch_writes_every_good_report_and_lists_the_bad_one(tmp_path, stores):
    paths = stores(5, broken=1)
    out = tmp_path / "out"
    seen: list[StoreOutcome] = []
    report = run_batch(paths, _options(out), workers=2, progress=False, on_outcome=seen.append)
    assert (report.total, report.succeeded, len(report.failures)) == (5, 4, 1)
    assert sorted(p.name for p in out.iterdir()) == ["S0001.json", "S0002.json", "S0003.json", "S0004.json"]
    bad = report.failures[0]
    assert bad.source.endswith("S0005/audit.yaml") and bad.kind == "input" and bad.exit_code == 2
    assert any("unknown key 'colour'" in m and "audit.yaml:" in m for m in bad.messages)
    assert report.exit_code == 2
    # each result is the one a lone run gives
    one = json.loads((out / "S0003.json").read_text())
    assert one["store"]["id"] == "S0003" and one["overall"]["score"] is not None
    assert {o.store_id for o in seen if o.ok} == {"S0001", "S0002", "S0003", "S0004"}
    assert len(report.worker_ids) <= 2


def test_batch_matches_lone_runs(tmp_path, stores):
    from gapaudit.plugins import PluginHost
    from gapaudit.runner import run_one

    paths = stores(3)
    run_batch(paths, _options(tmp_path / "out"), workers=2, progress=False)
    host = PluginHost.create()
    for i, path in enumerate(paths, 1):
        lone = run_one(path, RunOptions(formats=("json",), output=tmp_path / "lone", many=True), host)
        assert (tmp_path / "out" / f"S000{i}.json").read_bytes() == lone.written[0].read_bytes()


def test_reports_next_to_each_audit_without_output(stores):
    paths = stores(2)
    report = run_batch(paths, _options(None), workers=1, progress=False)
    assert report.succeeded == 2
    assert all((p.parent / "audit.json").is_file() for p in paths)


def test_plugin_failure_is_collected_and_the_highest_code_wins(tmp_path, stores, plugin_file):
    paths = stores(4, broken=1)
    opts = _options(tmp_path / "out", plugins=(plugin_file(FAILING_PLUGIN, "fragile"),))
    report = run_batch(paths, opts, workers=2, progress=False)
    kinds = {Path(f.source).parent.name: (f.kind, f.exit_code) for f in report.failures}
    assert kinds == {"S0002": ("plugin", 3), "S0004": ("input", 2)}
    assert "store S0002 breaks this module" in report.failures[0].messages[0] or \
        "store S0002 breaks this module" in report.failures[1].messages[0]
    assert report.exit_code == 3
    assert report.succeeded == 2


def test_a_worker_that_dies_fails_only_its_own_store(tmp_path, stores, plugin_file):
    paths = stores(6)
    opts = _options(tmp_path / "out", plugins=(plugin_file(CRASHING_PLUGIN, "crash"),))
    report = run_batch(paths, opts, workers=2, progress=False)
    assert [Path(f.source).parent.name for f in report.failures] == ["S0003"]
    assert report.failures[0].kind == "unexpected" and "died" in report.failures[0].messages[0]
    assert report.succeeded == 5
    assert len(list((tmp_path / "out").glob("*.json"))) == 5


def test_pdf_workers_are_replaced_after_their_share_of_stores():
    assert batch.stores_per_worker(("json", "pdf")) == batch.PDFS_PER_WORKER
    assert batch.stores_per_worker(("json", "html", "md", "csv")) is None  # no WeasyPrint: workers kept


def test_replaced_workers_write_every_store_once_and_still_isolate_a_crash(tmp_path, stores, monkeypatch,
                                                                           plugin_file):
    """A worker is replaced after stores_per_worker stores (PDF workers' native memory does not pile up;
    JSON here, to be quick); every store is still written once, and a crash in a later worker is still
    isolated."""
    monkeypatch.setattr(batch, "stores_per_worker", lambda formats: 2)
    seen: list[StoreOutcome] = []
    report = run_batch(stores(12), _options(tmp_path / "out"), workers=2, progress=False, on_outcome=seen.append)
    assert report.succeeded == 12 and len(list((tmp_path / "out").glob("*.json"))) == 12
    per_worker = Counter(o.worker for o in seen)
    assert max(per_worker.values()) <= 2 and len(per_worker) >= 6  # 2 stores per worker: 6 workers or more

    crash = _options(tmp_path / "crash", plugins=(plugin_file(CRASHING_PLUGIN, "crash"),))
    report = run_batch(stores(9, folder="c"), crash, workers=2, progress=False)
    assert [Path(f.source).parent.name for f in report.failures] == ["S0003"]
    assert report.succeeded == 8 and len(list((tmp_path / "crash").glob("*.json"))) == 8


def test_fail_under_lists_low_stores_and_exits_1(tmp_path, stores):
    paths = stores(3)
    report = run_batch(paths, _options(tmp_path / "out", fail_under=99.0), workers=1, progress=False)
    assert len(report.below) == 3 and not report.failures
    assert report.exit_code == 1


def test_broken_setup_fails_before_any_store(tmp_path, stores):
    from gapaudit.errors import PluginError

    with pytest.raises(PluginError):
        run_batch(stores(2), _options(tmp_path / "out", plugins=(str(tmp_path / "missing.py"),)), progress=False)
    assert not (tmp_path / "out").exists()


def test_worker_setup_is_built_once_per_process(tmp_path):
    opts = _options(tmp_path / "out")
    first = worker_for(opts)
    assert isinstance(first, Worker) and worker_for(opts) is first
    assert worker_for(_options(tmp_path / "other")) is not first


# --- Dask ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dask_cluster():
    distributed = pytest.importorskip("dask.distributed")
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                       dashboard_address=None)
    yield cluster
    cluster.close()


def test_dask_executor_gives_the_same_outcome(tmp_path, stores, dask_cluster, plugin_file):
    paths = stores(4, broken=1)
    opts = _options(tmp_path / "dask", plugins=(plugin_file(FAILING_PLUGIN, "fragile"),))
    report = run_batch(paths, opts, executor="dask", scheduler=dask_cluster.scheduler_address, progress=False)
    assert report.executor == "dask"
    assert sorted((Path(f.source).parent.name, f.kind) for f in report.failures) == \
        [("S0002", "plugin"), ("S0004", "input")]
    assert sorted(p.name for p in (tmp_path / "dask").iterdir()) == ["S0001.json", "S0003.json"]
    run_batch(paths, _options(tmp_path / "local", plugins=opts.plugins), workers=2, progress=False)
    for name in ("S0001.json", "S0003.json"):
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()


def test_cli_dask_with_scheduler(tmp_path, stores, dask_cluster):
    stores(2)
    result = CliRunner().invoke(main, ["run", str(tmp_path / "stores"), "-o", str(tmp_path / "out"),
                                       "--executor", "dask", "--scheduler", dask_cluster.scheduler_address,
                                       "--no-progress", "-f", "json"])
    assert result.exit_code == 0, result.output
    assert "2 written, 0 failed" in result.output
    assert len(list((tmp_path / "out").glob("*.json"))) == 2


# --- the command line ---------------------------------------------------------------------

def test_cli_batch_lists_failures_and_exits_with_their_code(tmp_path, stores):
    stores(3, broken=1)
    result = CliRunner().invoke(main, ["run", str(tmp_path / "stores"), "-o", str(tmp_path / "out"),
                                       "--workers", "2", "--no-progress", "-f", "json"])
    assert result.exit_code == 2
    assert "3 audit(s): 2 written, 1 failed" in result.output
    assert "failed audits (1):" in result.output
    assert "S0003/audit.yaml: invalid input" in result.output
    assert "store.colour: unknown key 'colour'" in result.output
    assert len(list((tmp_path / "out").glob("*.json"))) == 2


def test_cli_glob_and_progress_bar(tmp_path, stores):
    stores(2)
    result = CliRunner().invoke(main, ["run", str(tmp_path / "stores" / "*" / "audit.yaml"),
                                       "-o", str(tmp_path / "out"), "--workers", "1", "--progress", "-f", "json"])
    assert result.exit_code == 0, result.output
    assert "2/2" in result.output and "store/s" in result.output and "Store S000" in result.output


def test_cli_scheduler_needs_dask(tmp_path, stores):
    stores(2)
    result = CliRunner().invoke(main, ["run", str(tmp_path / "stores"), "--scheduler", "tcp://x:1"])
    assert result.exit_code == 2 and "--scheduler needs --executor dask" in result.output


def test_cli_batch_output_must_be_a_folder(tmp_path, stores):
    stores(2)
    (tmp_path / "file.json").write_text("{}")
    result = CliRunner().invoke(main, ["run", str(tmp_path / "stores"), "-o", str(tmp_path / "file.json")])
    assert result.exit_code == 2 and "file.json is a file, but several audits need a folder" in result.output


def test_dask_local_cluster_when_no_scheduler_is_given(tmp_path, stores):
    pytest.importorskip("dask.distributed")
    report = run_batch(stores(2), _options(tmp_path / "out"), executor="dask", workers=1, progress=False)
    assert (report.succeeded, report.executor) == (2, "dask")
    assert len(list((tmp_path / "out").glob("*.json"))) == 2


@pytest.mark.skipif(not __import__("shutil").which("fc-list"), reason="needs fontconfig")
def test_chinese_pdfs_in_parallel_after_the_font_query_started(tmp_path, monkeypatch):
    """Regression: workers forked while the parent's fc-list query was in flight shared its pipe, and all
    but one found no Chinese font."""
    from gapaudit.render import fonts

    paths = []
    for i in range(4):
        folder = tmp_path / f"zh{i}"
        folder.mkdir()
        (folder / "audit.yaml").write_text(
            f"schema_version: 1\naudit: {{id: A{i}, date: 2026-09-30, language: zh}}\n"
            f"store: {{id: Z{i}, name: 邻里家社区超市{i}号店}}\n", "utf-8")
        paths.append(folder / "audit.yaml")
    monkeypatch.setattr(fonts, "_families", None)
    monkeypatch.setattr(fonts, "_query", None)
    fonts.prefetch()  # as `gapaudit run -f pdf` does before the batch starts
    opts = BatchOptions(run=RunOptions(formats=("pdf",), output=tmp_path / "out", many=True))
    report = run_batch(paths, opts, workers=2, progress=False)
    assert not report.failures, report.failures[0].messages
    assert len(list((tmp_path / "out").glob("*.pdf"))) == 4


@pytest.mark.skipif(not __import__("shutil").which("fc-list"), reason="needs fontconfig")
def test_a_forked_child_asks_fontconfig_itself_rather_than_reading_the_parents_query(monkeypatch):
    """Any fork, not only the batch's: the child of a process with a query in flight gets the same fonts."""
    import os

    from gapaudit.render import fonts

    monkeypatch.setattr(fonts, "_families", None)
    monkeypatch.setattr(fonts, "_query", None)
    if not fonts.cjk_families():
        pytest.skip("no Chinese font installed: both sides would find none")
    monkeypatch.setattr(fonts, "_families", None)
    fonts.prefetch()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report what it found, and leave without running pytest's teardown
        try:
            os.write(write, "\n".join(fonts.cjk_families() or ("<none>",)).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, encoding="utf-8") as fh:
        child = fh.read()
    os.waitpid(pid, 0)
    assert child.split("\n") == list(fonts.cjk_families() or ("<none>",))
