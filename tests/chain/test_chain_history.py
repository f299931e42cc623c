"""Audit history: where the database is, idempotent recording, the comparison with the previous audit."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from gapaudit.chain.batch import BatchOptions, run_batch
from gapaudit.cli import main
from gapaudit.errors import InputError
from gapaudit.chain.history import (CONFIG_FILE, HISTORY_ENV, History, compare, digest, normalise_url, quarter_of,
                              resolve_url)
from gapaudit.runner import RunOptions


# --- where the database is ------------------------------------------------------------------

def test_url_option_beats_env_beats_config(tmp_path):
    (tmp_path / CONFIG_FILE).write_text('[history]\nurl = "db/h.sqlite"\n')
    env = {HISTORY_ENV: "env.sqlite"}
    assert resolve_url("opt.sqlite", tmp_path, env) == f"sqlite:///{(tmp_path / 'opt.sqlite').resolve()}"
    assert resolve_url(None, tmp_path, env) == f"sqlite:///{(tmp_path / 'env.sqlite').resolve()}"
    assert resolve_url(None, tmp_path, {}) == f"sqlite:///{(tmp_path / 'db' / 'h.sqlite').resolve()}"
    assert resolve_url(None, tmp_path / "elsewhere", {}) is None
    assert resolve_url("postgresql+psycopg://u:pw@h/db", tmp_path, {}) == "postgresql+psycopg://u:pw@h/db"


def test_config_without_history_section_and_bad_config(tmp_path):
    (tmp_path / CONFIG_FILE).write_text('[other]\nx = 1\n')
    assert resolve_url(None, tmp_path, {}) is None
    (tmp_path / CONFIG_FILE).write_text('[history]\nurl = 3\n')
    with pytest.raises(InputError, match="url must be a string"):
        resolve_url(None, tmp_path, {})
    (tmp_path / CONFIG_FILE).write_text('[history\n')
    with pytest.raises(InputError, match="cannot read gapaudit.toml"):
        resolve_url(None, tmp_path, {})


def test_normalise_url(tmp_path):
    assert normalise_url("h.db", tmp_path) == f"sqlite:///{tmp_path.resolve() / 'h.db'}"
    assert normalise_url("sqlite:///:memory:") == "sqlite:///:memory:"
    with pytest.raises(InputError):
        normalise_url("  ")


@pytest.mark.parametrize("audit, quarter", [
    ({"period": "2026-Q3", "date": "2026-10-05"}, "2026-Q3"),
    ({"period": "2026q1", "date": "2026-10-05"}, "2026-Q1"),
    ({"period": "autumn", "date": "2026-10-05"}, "2026-Q4"),
    ({"date": "2026-03-31"}, "2026-Q1"),
    ({"date": "2026-04-01"}, "2026-Q2"),
    ({}, None),
])
def test_quarter_of(audit, quarter):
    assert quarter_of(audit) == quarter


# --- the comparison, on hand-made digests ---------------------------------------------------

def _result(store="S1", audit="A2", date="2026-09-30", overall=60.0, modules=None, actions=()):
    modules = modules or {}
    return {
        "gapaudit_version": "0", "schema_version": 1,
        "audit": {"id": audit, "date": date, "period": None, "language": "en"},
        "store": {"id": store, "name": f"Store {store}", "region": "North", "chain": "C"},
        "overall": {"score": overall, "grade": "C", "rule": "", "modules_scored": []},
        "modules": {mid: {"title": mid.title(), "score": m.get("score"), "grade": None,
                          "metrics": [{"id": k, "label": k.upper(), "value": v, "unit": "%"}
                                      for k, v in m.get("metrics", {}).items()],
                          "findings": [{"id": f, "severity": sev, "title": f"Finding {f}"}
                                       for f, sev in m.get("findings", {}).items()]}
                    for mid, m in modules.items()},
        "actions": [{"id": a, "title": f"Do {a}", "gap": "g", "priority": p} for a, p in actions],
    }


def test_compare_by_hand():
    prev = digest(_result(audit="A1", date="2026-06-30", overall=50.0, modules={
        "g1": {"score": 40.0, "metrics": {"m1": 0.5, "m2": 3, "gone": 1.0}, "findings": {"f1": "high", "f2": "low"}},
        "old": {"score": 70.0, "findings": {"f9": "medium"}},
    }, actions=[("a1", 60.0), ("a2", 30.0)]))
    cur = digest(_result(overall=57.5, modules={
        "g1": {"score": 45.5, "metrics": {"m1": 0.75, "m2": "n/a", "new": 2.0}, "findings": {"f1": "medium",
                                                                                             "f3": "low"}},
        "g2": {"score": None},
    }, actions=[("a2", 40.0), ("a3", 10.0)]))
    c = compare(cur, prev)
    assert c["previous"] == {"audit_id": "A1", "date": "2026-06-30", "period": None, "quarter": "2026-Q2"}
    assert c["overall"] == {"current": 57.5, "previous": 50.0, "delta": 7.5, "grade": "C", "previous_grade": "C"}
    assert [(m["id"], m["current"], m["previous"], m["delta"]) for m in c["modules"]] == [
        ("g1", 45.5, 40.0, 5.5), ("g2", None, None, None), ("old", None, 70.0, None)]
    # only numeric metrics present in both audits
    assert [(m["id"], m["delta"]) for m in c["metrics"]] == [("m1", 0.25)]
    f = c["findings"]
    assert [x["id"] for x in f["new"]] == ["f3"]
    assert [(x["id"], x["severity"], x["previous_severity"]) for x in f["persisting"]] == [("f1", "medium", "high")]
    assert sorted((x["module"], x["id"]) for x in f["resolved"]) == [("g1", "f2"), ("old", "f9")]
    assert c["actions"]["carried_over"] == [{"id": "a2", "title": "Do a2", "gap": "g", "priority": 40.0,
                                             "previous_priority": 30.0}]
    assert c["actions"]["new"] == ["a3"] and c["actions"]["dropped"] == ["a1"]
    json.dumps(c)  # JSON-ready


def test_compare_without_previous():
    c = compare(digest(_result()), None)
    assert c["previous"] is None and "no earlier audit" in c["reason"]


# --- the database -------------------------------------------------------------------------

@pytest.fixture
def history(tmp_path):
    h = History(normalise_url("h.sqlite", tmp_path))
    yield h
    h.close()


def test_recording_is_idempotent_per_store_and_audit(history):
    r = _result(modules={"g1": {"score": 40.0}})
    history.record(r)
    history.record(r)
    assert history.count() == 1
    changed = copy.deepcopy(r)
    changed["overall"]["score"] = 66.0
    changed["modules"] = {"g2": changed["modules"]["g1"]}
    history.record(changed)
    assert history.count() == 1
    history.record(_result(audit="A3", date="2026-12-01"))
    history.record(_result(store="S2"))
    assert history.count() == 3
    rows = list(history.quarter_rows())
    assert ("2026-Q3", "S1", "2026-09-30", "A2", {"g2": 40.0}, 66.0) in rows


def test_previous_is_the_latest_earlier_audit(history):
    for audit, date in [("A1", "2026-03-31"), ("A2", "2026-06-30"), ("A0", "2026-06-30"), ("A9", "2026-12-31")]:
        history.record(_result(audit=audit, date=date, overall=float(len(audit + date))))
    history.record(_result(store="OTHER", audit="B", date="2026-08-01"))
    assert history.previous("S1", "A5", "2026-09-30")["audit"]["id"] == "A2"  # same date: higher id later
    assert history.previous("S1", "A2", "2026-06-30")["audit"]["id"] == "A0"
    assert history.previous("S1", "A0", "2026-06-30")["audit"]["id"] == "A1"
    assert history.previous("S1", "A1", "2026-03-31") is None
    assert history.previous("S1", "A9", "2026-12-31")["audit"]["id"] == "A2"  # never itself
    assert history.previous("NEW", "X", "2026-12-31") is None


def test_quarter_rows_take_each_stores_latest_audit_in_a_quarter(history):
    history.record(_result(audit="early", date="2026-07-01", overall=10.0, modules={"g": {"score": 1.0}}))
    history.record(_result(audit="late", date="2026-09-01", overall=20.0, modules={"g": {"score": 2.0}}))
    history.record(_result(audit="q4", date="2026-10-01", overall=30.0))
    assert list(history.quarter_rows()) == [("2026-Q3", "S1", "2026-09-01", "late", {"g": 2.0}, 20.0),
                                            ("2026-Q4", "S1", "2026-10-01", "q4", {}, 30.0)]


# --- end to end: the change since last quarter in the store's result -----------------------

def test_batch_with_history_compares_with_last_quarter(tmp_path, stores):
    url = normalise_url("h.sqlite", tmp_path)
    q2 = stores(3, quarter="2026-Q2", seed=2, folder="q2")
    q3 = stores(3, quarter="2026-Q3", seed=3, folder="q3")

    def batch(paths, out):
        opts = BatchOptions(run=RunOptions(formats=("json",), output=tmp_path / out, many=True), history=url)
        report = run_batch(paths, opts, workers=2, progress=False)
        assert report.succeeded == len(paths), report.failures

    batch(q2, "o2")
    first = json.loads((tmp_path / "o2" / "S0001.json").read_text())
    assert first["extra"]["history"]["previous"] is None
    batch(q3, "o3")
    batch(q3, "o3b")  # recording again changes nothing
    with History(url) as h:
        assert h.count() == 6
    a = (tmp_path / "o3" / "S0002.json").read_bytes()
    assert a == (tmp_path / "o3b" / "S0002.json").read_bytes()
    now, before = json.loads(a), json.loads((tmp_path / "o2" / "S0002.json").read_text())
    hist = now["extra"]["history"]
    assert hist["previous"]["audit_id"] == "2026-Q2-S0002"
    assert hist["overall"]["delta"] == pytest.approx(now["overall"]["score"] - before["overall"]["score"])
    for m in hist["modules"]:
        cur, prev = now["modules"][m["id"]]["score"], before["modules"][m["id"]]["score"]
        assert m["delta"] == (None if cur is None or prev is None else pytest.approx(cur - prev))
    # findings partition: every current finding is new or persisting, every old one persisting or resolved
    cur_f = {(mid, f["id"]) for mid, mod in now["modules"].items() for f in mod["findings"]}
    old_f = {(mid, f["id"]) for mid, mod in before["modules"].items() for f in mod["findings"]}
    got = {k: {(x["module"], x["id"]) for x in v} for k, v in hist["findings"].items()}
    assert got["new"] == cur_f - old_f and got["resolved"] == old_f - cur_f and got["persisting"] == cur_f & old_f
    carried = {x["id"] for x in hist["actions"]["carried_over"]}
    assert carried == {x["id"] for x in now["actions"]} & {x["id"] for x in before["actions"]}


def test_cli_single_run_records_history_from_env(tmp_path, stores, monkeypatch):
    monkeypatch.chdir(tmp_path)
    q2 = stores(1, quarter="2026-Q2", folder="q2")[0]
    q3 = stores(1, quarter="2026-Q3", folder="q3")[0]
    monkeypatch.setenv(HISTORY_ENV, "hist.db")
    runner = CliRunner()
    assert runner.invoke(main, ["run", str(q2), "-o", "a.json", "-f", "json"]).exit_code == 0
    result = runner.invoke(main, ["run", str(q3), "-o", "b.json", "-f", "json"])
    assert result.exit_code == 0, result.output
    hist = json.loads(Path("b.json").read_text())["extra"]["history"]
    assert hist["previous"]["audit_id"] == "2026-Q2-S0001"
    assert (tmp_path / "hist.db").is_file()


def test_unopenable_history_is_an_output_error_but_the_report_is_written(tmp_path, stores):
    (tmp_path / "dir.db").mkdir()
    audit = stores(1)[0]
    result = CliRunner().invoke(main, ["run", str(audit), "-f", "json", "--history", str(tmp_path / "dir.db")])
    assert result.exit_code == 4
    assert "report written, but not recorded in the history" in result.output
    assert "cannot open history database" in result.output
    assert (audit.parent / "audit.json").is_file()


def test_a_history_that_cannot_be_read_or_written_never_costs_the_report(tmp_path, stores, monkeypatch):
    from gapaudit.chain.history import History, HistoryError

    def broken(self, *args, **kwargs):
        raise HistoryError("cannot read history: disk I/O error")

    monkeypatch.setattr(History, "previous", broken)
    audit = stores(1)[0]
    result = CliRunner().invoke(main, ["run", str(audit), "-f", "json", "--history", str(tmp_path / "h.db")])
    assert result.exit_code == 4, result.output
    assert "disk I/O error" in result.output
    assert "history" not in json.loads((audit.parent / "audit.json").read_text())["extra"]

    monkeypatch.undo()
    monkeypatch.setattr(History, "record", broken)
    result = CliRunner().invoke(main, ["run", str(audit), "-f", "md", "--history", str(tmp_path / "h.db")])
    assert result.exit_code == 4 and (audit.parent / "audit.md").is_file()


def test_batch_with_an_unopenable_history_still_writes_every_report(tmp_path, stores):
    (tmp_path / "dir.db").mkdir()
    stores(2)
    result = CliRunner().invoke(main, ["run", str(tmp_path / "stores"), "-o", str(tmp_path / "out"), "-f", "json",
                                       "--no-progress", "--history", str(tmp_path / "dir.db")])
    assert result.exit_code == 4
    assert len(list((tmp_path / "out").glob("*.json"))) == 2
    assert "report written, but not recorded in the history" in result.output


def _open_new_history(url: str) -> str:
    try:
        History(url).close()
        return "ok"
    except Exception as exc:  # noqa: BLE001 - the test reports what went wrong
        return f"{type(exc).__name__}: {exc}"


def test_many_processes_opening_a_new_history_at_once(tmp_path):
    """Creating the tables raced: 'table gapaudit_audit already exists' for some of the processes."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(8) as pool:
        for trial in range(4):
            url = f"sqlite:///{tmp_path / f'h{trial}.db'}"
            outcomes = pool.map(_open_new_history, [url] * 8)
            assert outcomes == ["ok"] * 8


@pytest.fixture(scope="module")
def postgres_url():
    """GAPAUDIT_TEST_POSTGRES_URL, else a throwaway PostgreSQL server when this machine has one (initdb and
    pg_ctl on PATH, psycopg installed), else skip. As root the server runs as the ``postgres`` user."""
    if os.environ.get("GAPAUDIT_TEST_POSTGRES_URL"):
        yield os.environ["GAPAUDIT_TEST_POSTGRES_URL"]
        return
    import pwd
    import shutil
    import socket
    import subprocess
    import tempfile

    pytest.importorskip("psycopg", reason="psycopg is not installed: pip install 'gapaudit[postgres]'")
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("no PostgreSQL server here: set GAPAUDIT_TEST_POSTGRES_URL=postgresql+psycopg://… to test one")
    prefix: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres user to run a test server as")
        prefix = ["runuser", "-u", "postgres", "--"]
    folder = Path(tempfile.mkdtemp(prefix="gapaudit-pg-"))
    if prefix:
        shutil.chown(folder, "postgres")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    data = folder / "data"
    run = dict(check=True, capture_output=True, timeout=120)
    try:
        subprocess.run([*prefix, initdb, "-D", str(data), "-A", "trust", "-U", "postgres"], **run)
        subprocess.run([*prefix, pg_ctl, "-D", str(data), "-l", str(folder / "log"), "-w", "-o",
                        f"-p {port} -k '{folder}' -c listen_addresses=''", "start"], **run)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        subprocess.run([*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True,
                       timeout=120)  # in case it started after all
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"could not start a test PostgreSQL server: {exc}")
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={folder}&port={port}"
    finally:
        subprocess.run([*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True,
                       timeout=120)
        shutil.rmtree(folder, ignore_errors=True)


def test_postgresql_server(postgres_url):
    h = History(postgres_url)
    try:
        with h.engine.begin() as conn:
            conn.execute(h.scores.delete().where(h.scores.c.store_id.like("PGTEST%")))
            conn.execute(h.audits.delete().where(h.audits.c.store_id.like("PGTEST%")))
        for _ in range(2):
            h.record(_result(store="PGTEST1", audit="A1", date="2026-06-30", modules={"g": {"score": 1.0}}))
            h.record(_result(store="PGTEST1", audit="A2", date="2026-09-30", overall=70.0))
        assert h.previous("PGTEST1", "A2", "2026-09-30")["audit"]["id"] == "A1"
        c = h.compare(_result(store="PGTEST1", audit="A2", date="2026-09-30", overall=70.0))
        assert c["overall"]["delta"] == 10.0
        assert [r for r in h.quarter_rows() if r[1] == "PGTEST1"] == [
            ("2026-Q2", "PGTEST1", "2026-06-30", "A1", {"g": 1.0}, 60.0),
            ("2026-Q3", "PGTEST1", "2026-09-30", "A2", {}, 70.0)]
    finally:
        h.close()


def test_store_report_shows_the_change_since_last_audit(tmp_path, stores):
    url = normalise_url("h.sqlite", tmp_path)
    q2 = stores(1, quarter="2026-Q2", seed=2, folder="q2")
    q3 = stores(1, quarter="2026-Q3", seed=3, folder="q3")
    for paths, out in ((q2, "o2"), (q3, "o3")):
        opts = BatchOptions(run=RunOptions(formats=("json", "html"), output=tmp_path / out, many=True), history=url)
        assert run_batch(paths, opts, workers=1, progress=False).succeeded == 1
    first = (tmp_path / "o2" / "audit.html").read_text("utf-8")  # one audit: its own file name
    html = (tmp_path / "o3" / "audit.html").read_text("utf-8")
    assert "This is the first audit of this store in the history." in first
    assert "Change since the last audit" in html and "Compared with audit 2026-Q2-S0001" in html
    assert html.index("Change since the last audit") < html.index('id="module-diagnosis_gap"')


def test_change_page_orders_persisting_findings_by_severity_and_folds_the_tail():
    from gapaudit.chain.history import FINDING_ROWS, section_context

    sevs = ["low", "info", "critical", "medium", "high"] * 7
    persisting = [{"module": "m", "id": f"f{i:02d}", "title": f"F{i}", "severity": s} for i, s in enumerate(sevs)]
    ctx = section_context({"findings": {"new": [], "resolved": [], "persisting": persisting}}, "zh")
    group = ctx["findings"]["persisting"]
    shown = [f["severity"] for f in group["shown"]]
    assert len(shown) == FINDING_ROWS and shown[:7] == ["critical"] * 7 and shown[7:12] == ["high"] * 5
    assert group["folded"] == 35 - FINDING_ROWS
    assert group["folded_by_severity"] == [("high", 2), ("medium", 7), ("low", 7), ("info", 7)]
    assert ctx["text"]["folded"].startswith("……另有")


# --- the noise rule, and history list / compare / delete / add ---------------------------------------

def test_beyond_noise_rule_by_hand():
    from gapaudit.chain.history import beyond_noise

    # half-widths 3 and 4: the noise is √(9 + 16) = 5
    a = {"value": 60.0, "ci_low": 57.0, "ci_high": 63.0}
    assert beyond_noise({"value": 65.5, "ci_low": 61.5, "ci_high": 69.5}, a) is True   # |Δ| = 5.5 > 5
    assert beyond_noise({"value": 64.5, "ci_low": 60.5, "ci_high": 68.5}, a) is False  # |Δ| = 4.5 < 5
    assert beyond_noise({"value": 54.0, "ci_low": 50.0, "ci_high": 58.0}, a) is True   # a drop: |Δ| = 6
    assert beyond_noise({"value": 70.0}, a) is None  # no interval: not judged


def _with_interval(result: dict, module: str, metric: str, value: float, half: float) -> dict:
    result["modules"][module]["metrics"].append({"id": metric, "label": metric, "value": value, "unit": "%",
                                                 "ci_low": value - half, "ci_high": value + half})
    return result


@pytest.fixture
def recorded(tmp_path):
    """A history with three audits of S1 (Q1–Q3) and one of S2, each with a measured rate."""
    url = str(tmp_path / "h.sqlite")
    h = History(normalise_url(url))
    sev = {f"f{i}": s for i, s in enumerate(["low", "critical", "medium", "high"] * 5)}
    for audit, date, score, rate in (("Q1", "2026-03-31", 50.0, 40.0), ("Q2", "2026-06-30", 55.0, 44.0),
                                     ("Q3", "2026-09-30", 62.0, 60.0)):
        h.record(_with_interval(_result(audit=audit, date=date, overall=score,
                                        modules={"g1": {"score": score, "findings": sev}}), "g1", "rate", rate, 5.0))
    h.record(_result(store="S2", audit="Q3", date="2026-09-15", overall=80.0, modules={"g1": {"score": 80.0}}))
    h.close()
    return url


def test_history_list_with_filters(recorded):
    runner = CliRunner()
    out = runner.invoke(main, ["history", "list", "--history", recorded, "-f", "json"])
    rows = json.loads(out.output)
    assert [(r["store_id"], r["audit_id"], r["score"]) for r in rows] == [
        ("S1", "Q1", 50.0), ("S1", "Q2", 55.0), ("S1", "Q3", 62.0), ("S2", "Q3", 80.0)]
    only = json.loads(runner.invoke(main, ["history", "list", "--history", recorded, "--store", "S1", "--since",
                                           "2026-04-01", "-f", "json"]).output)
    assert [r["audit_id"] for r in only] == ["Q2", "Q3"]
    quarter = json.loads(runner.invoke(main, ["history", "list", "--history", recorded, "--quarter", "2026-Q3",
                                              "-f", "json"]).output)
    assert {r["store_id"] for r in quarter} == {"S1", "S2"}
    table = runner.invoke(main, ["history", "list", "--history", recorded])
    assert table.exit_code == 0 and "S2" in table.output and "4 audit(s) of 2 store(s)" in table.output
    assert runner.invoke(main, ["history", "list"], env={"GAPAUDIT_HISTORY": ""}).exit_code == 2  # no database


def test_history_compare_any_two_audits_with_the_noise_rule(recorded, tmp_path):
    runner = CliRunner()
    text = runner.invoke(main, ["history", "compare", "S1", "Q1", "Q3", "--history", recorded])
    assert text.exit_code == 0, text.output
    assert "audit Q1 (2026-03-31) → audit Q3 (2026-09-30)" in text.output
    assert "+12.0" in text.output  # the overall score, Q1 → Q3
    assert "beyond noise" in text.output  # 40 → 60 with half-widths 5: |20| > √50
    near = runner.invoke(main, ["history", "compare", "S1", "Q1", "Q2", "--history", recorded])
    assert "within noise" in near.output  # 40 → 44: |4| < √50
    assert "√(h₁² + h₂²)" in near.output  # the rule is stated
    data = json.loads(runner.invoke(main, ["history", "compare", "S1", "Q1", "Q3", "--history", recorded,
                                           "-f", "json"]).output)
    assert data["metrics"][0]["beyond_noise"] is True and data["overall"]["delta"] == 12.0
    html = tmp_path / "c.html"
    assert runner.invoke(main, ["history", "compare", "S1", "Q2", "Q3", "--history", recorded, "-o",
                                str(html)]).exit_code == 0
    assert "Beyond noise" in html.read_text("utf-8")
    missing = runner.invoke(main, ["history", "compare", "S1", "Q0", "Q3", "--history", recorded])
    assert missing.exit_code == 2 and "recorded for S1: Q1, Q2, Q3" in missing.output


def test_history_delete_one_record_after_confirming(recorded):
    runner = CliRunner()
    refused = runner.invoke(main, ["history", "delete", "S1", "Q2", "--history", recorded], input="n\n")
    assert refused.exit_code != 0  # no terminal and no --yes: nothing deleted
    records_before = json.loads(runner.invoke(main, ["history", "list", "--history", recorded, "-f", "json"]).output)
    assert len(records_before) == 4
    done = runner.invoke(main, ["history", "delete", "S1", "Q2", "--history", recorded, "--yes"])
    assert done.exit_code == 0 and "deleted audit Q2 of store S1" in done.output
    after = json.loads(runner.invoke(main, ["history", "list", "--history", recorded, "-f", "json"]).output)
    assert [(r["store_id"], r["audit_id"]) for r in after] == [("S1", "Q1"), ("S1", "Q3"), ("S2", "Q3")]
    again = runner.invoke(main, ["history", "delete", "S1", "Q2", "--history", recorded, "--yes"])
    assert again.exit_code == 2 and "no recorded audit 'Q2'" in again.output
    h = History(normalise_url(recorded))
    assert h.previous("S1", "Q3", "2026-09-30")["audit"]["id"] == "Q1"  # comparisons skip the deleted audit
    h.close()


def test_history_add_records_json_and_pdf_reports(tmp_path):
    result = _result(store="S9", audit="Q3")
    (tmp_path / "s9.json").write_text(json.dumps(result), "utf-8")
    (tmp_path / "junk.pdf").write_bytes(b"%PDF-1.7\nnot a report")
    url = str(tmp_path / "h.sqlite")
    ran = CliRunner().invoke(main, ["history", "add", str(tmp_path / "s9.json"), str(tmp_path / "junk.pdf"),
                                    "--history", url])
    assert ran.exit_code == 2 and "recorded 1 result(s), skipped 1" in ran.output and "junk.pdf" in ran.output
    h = History(normalise_url(url))
    assert h.count() == 1
    h.close()
