"""The headquarters roll-up: statistics against numpy/scipy, ranking, latest result per store, standards,
recurring actions, regions, change and trends, skipped files, readability at 2,000 stores, the CLI."""

from __future__ import annotations

import csv
import io
import json
import re
import random
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats as sps

from gapaudit.chain import rollup
from gapaudit.chain.batch import BatchOptions, run_batch
from gapaudit.cli import main
from gapaudit.errors import InputError
from gapaudit.chain.history import History, normalise_url
from gapaudit.model.result import AuditResult
from gapaudit.runner import RunOptions

MODULES = ("alpha_gap", "beta_gap", "gamma_gap")


def make_result(store: str, score: float | None, modules: dict[str, float | None] | None = None, *,
                region: str | None = "North", date: str = "2026-09-30", audit: str | None = None,
                period: str | None = None, actions: list[tuple[str, float]] = (), findings: list[str] = (),
                standards: list[tuple[str, str, float | None]] = (), delta: float | None = None,
                name: str | None = None, lang: str = "en") -> dict:
    """A result in the JSON contract (validated), with the parts the roll-up reads."""
    modules = modules if modules is not None else {m: score for m in MODULES}
    mods = {}
    for i, (mid, s) in enumerate(modules.items()):
        data = {}
        if i == 0 and standards:
            data["standards"] = [{"id": sid, "title": f"Standard {sid}", "status": status, "rate": rate,
                                  "critical_failure": status == "shortfall" and sid == "CRIT"}
                                 for sid, status, rate in standards]
        mods[mid] = {"id": mid, "title": f"{mid.split('_')[0].title()} gap: what it checks", "version": "1",
                     "score": s, "grade": None if s is None else ("A" if s >= 85 else "C" if s >= 55 else "E"),
                     "reason": None if s is not None else "no evidence",
                     "findings": [{"id": f, "severity": "high", "title": f"Finding {f}"}
                                  for f in findings] if i == 0 else [],
                     "data": data}
    result = {
        "gapaudit_version": "0.1.0", "schema_version": 1,
        "audit": {"id": audit or f"{date}-{store}", "date": date, "period": period, "language": lang},
        "store": {"id": store, "name": name or f"Store {store}", "region": region, "chain": "Test Chain"},
        "overall": {"score": score, "grade": None if score is None else "C", "rule": "mean"},
        "modules": mods,
        "actions": [{"id": a, "title": f"Action {a}", "gap": MODULES[0], "priority": p} for a, p in actions],
        "data_quality": {},
        "extra": {} if delta is None else {"history": {"previous": {"audit_id": "old"},
                                                        "overall": {"delta": delta}}},
    }
    AuditResult.model_validate(result)  # the roll-up reads only what the contract allows
    return result


def write(folder: Path, results: list[dict]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, r in enumerate(results):
        path = folder / f"r{i:05d}.json"
        path.write_text(json.dumps(r, indent=2), "utf-8")
        paths.append(path)
    return paths


def build(results: list[dict], **kw) -> dict:
    acc = rollup.Rollup(kw.pop("options", rollup.RollupOptions()))
    for i, r in enumerate(results):
        acc.add(r, f"r{i}.json")
    return acc.finish(**kw)


# --- statistics -----------------------------------------------------------------------------

def test_distributions_match_numpy_and_scipy():
    rng = random.Random(4)
    results = []
    for i in range(37):
        mods = {m: (None if rng.random() < 0.15 else round(rng.uniform(5, 100), 1)) for m in MODULES}
        overall = None if i % 9 == 0 else round(rng.uniform(20, 100), 1)
        results.append(make_result(f"S{i:03d}", overall, mods))
    results.append(make_result("S100", 100.0))  # the top edge falls in the last bin
    d = build(results)
    xs = np.array([r["overall"]["score"] for r in results if r["overall"]["score"] is not None])
    o = d["overall"]
    assert o["n"] == len(xs) and o["no_score"] == 38 - len(xs)
    assert o["mean"] == pytest.approx(xs.mean(), abs=0.005)
    assert o["sd"] == pytest.approx(xs.std(ddof=1), abs=0.005)
    half = sps.t.ppf(0.975, len(xs) - 1) * xs.std(ddof=1) / np.sqrt(len(xs))
    assert (o["ci_low"], o["ci_high"]) == (pytest.approx(xs.mean() - half, abs=0.005),
                                           pytest.approx(xs.mean() + half, abs=0.005))
    for key, q in rollup.QUANTILES.items():
        assert o["quantiles"][key] == pytest.approx(np.percentile(xs, 100 * q), abs=0.005), key
    counts, _ = np.histogram(xs, bins=np.arange(0, 101, 10))
    assert [b["count"] for b in o["histogram"]] == counts.tolist()
    for stat in d["module_stats"]:
        vals = np.array([r["modules"][stat["id"]]["score"] for r in results
                         if r["modules"][stat["id"]]["score"] is not None])
        assert stat["n"] == len(vals) and stat["no_data"] == 38 - len(vals)
        assert stat["mean"] == pytest.approx(vals.mean(), abs=0.005)
        assert stat["quantiles"]["median"] == pytest.approx(np.median(vals), abs=0.005)


def test_percentile_edge_cases():
    assert rollup.percentile([], 0.5) is None
    assert rollup.percentile([7.0], 0.9) == 7.0
    assert rollup.percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5


# --- ranking, heat map, latest result per store ------------------------------------------------

def test_ranking_shares_ranks_and_lists_top_and_bottom():
    scores = [90, 80, 80, 70, 60, 50, 50, 40, None]
    d = build([make_result(f"S{i}", s) for i, s in enumerate(scores)], options=rollup.RollupOptions(top=3))
    top = d["ranking"]["overall"]["top"]
    bottom = d["ranking"]["overall"]["bottom"]
    assert [(r["rank"], r["store_id"], r["score"]) for r in top] == [(1, "S0", 90), (2, "S1", 80), (2, "S2", 80)]
    assert [(r["rank"], r["store_id"]) for r in bottom] == [(8, "S7"), (6, "S6"), (6, "S5")]
    assert d["counts"]["no_score"] == 1
    assert [(r["rank"], r["store_id"]) for r in d["stores"]] == [
        (1, "S0"), (2, "S1"), (2, "S2"), (4, "S3"), (5, "S4"), (6, "S5"), (6, "S6"), (8, "S7"), (None, "S8")]
    assert rollup.ranked([(5.0, "b"), (5.0, "a"), (1.0, "c")]) == [(1, 5.0, "a"), (1, 5.0, "b"), (3, 1.0, "c")]


def test_top_and_bottom_do_not_overlap_for_small_chains():
    d = build([make_result(f"S{i}", 50.0 + i) for i in range(4)], options=rollup.RollupOptions(top=10))
    assert len(d["ranking"]["overall"]["top"]) == 4 and d["ranking"]["overall"]["bottom"] == []


def test_heat_map_holds_the_weakest_stores():
    results = [make_result(f"S{i:02d}", float(i), {"alpha_gap": float(i), "beta_gap": None}) for i in range(50)]
    d = build(results, options=rollup.RollupOptions(heat_rows=5))
    hm = d["heatmap"]
    assert hm["columns"] == ["alpha_gap", "beta_gap"]
    assert [(r["store_id"], r["cells"]) for r in hm["rows"]] == [(f"S0{i}", [float(i), None]) for i in range(5)]


def test_latest_result_per_store_counts_and_older_ones_feed_trends():
    results = [
        make_result("A", 40.0, date="2026-06-30", period="2026-Q2"),
        make_result("A", 60.0, date="2026-09-30", period="2026-Q3"),
        make_result("A", 50.0, date="2026-09-01", period="2026-Q3"),  # earlier in Q3: ignored
        make_result("B", 80.0, date="2026-06-15", period="2026-Q2"),
    ]
    d = build(results)
    assert d["counts"] == {"results": 4, "stores": 2, "skipped": 0, "superseded": 2, "no_score": 0}
    assert d["overall"]["mean"] == 70.0  # A's latest (60) and B (80)
    assert d["trends"]["source"] == "results"
    assert [(q["quarter"], q["n"], q["mean"]) for q in d["trends"]["quarters"]] == [("2026-Q2", 2, 60.0),
                                                                                   ("2026-Q3", 1, 60.0)]
    assert d["quarters"] == ["2026-Q2", "2026-Q3"]


def test_one_quarter_is_not_a_trend():
    assert build([make_result("A", 50.0)])["trends"] is None


# --- standards, actions, findings, regions, change --------------------------------------------

def test_standards_most_often_below_target():
    results = [
        make_result("A", 50, standards=[("GREET", "shortfall", 0.5), ("QUEUE", "met", 0.95),
                                        ("CRIT", "shortfall", 0.7)]),
        make_result("B", 50, standards=[("GREET", "possible_shortfall", 0.85), ("QUEUE", "not_observed", None)]),
        make_result("C", 50, standards=[("GREET", "met", 0.9), ("QUEUE", "possible_shortfall", 0.8)]),
        make_result("D", 50),
    ]
    d = build(results)
    by = {s["id"]: s for s in d["standards"]}
    assert by["GREET"] | {} == {"module": "alpha_gap", "id": "GREET", "title": "Standard GREET", "observed": 3,
                                "below": 2, "confirmed": 1, "share_below": round(2 / 3, 4),
                                "mean_rate": round((0.5 + 0.85 + 0.9) / 3, 4), "critical_failures": 0}
    assert (by["QUEUE"]["observed"], by["QUEUE"]["below"], by["QUEUE"]["share_below"]) == (2, 1, 0.5)
    assert by["CRIT"]["critical_failures"] == 1 and by["CRIT"]["share_below"] == 1.0
    assert [s["id"] for s in d["standards"]] == ["CRIT", "GREET", "QUEUE"]  # share below, highest first


def test_recurring_actions_and_programme_candidates():
    results = [make_result("A", 50, actions=[("train", 60.0), ("fix", 20.0)], findings=["f1", "f2"]),
               make_result("B", 50, actions=[("train", 40.0)], findings=["f1"]),
               make_result("C", 50, actions=[("signage", 90.0)]),
               make_result("D", 50, actions=[("train", 50.0), ("fix", 30.0)])]
    d = build(results)
    got = [(a["id"], a["stores"], a["share"], a["mean_priority"], a["programme"]) for a in d["actions"]]
    assert got == [("train", 3, 0.75, 50.0, True), ("fix", 2, 0.5, 25.0, True), ("signage", 1, 0.25, 90.0, False)]
    assert [(f["id"], f["stores"], f["severity"]) for f in d["findings"]] == [("f1", 2, {"high": 2}),
                                                                             ("f2", 1, {"high": 1})]


def test_regions_compared_with_the_chain():
    results = [make_result("A", 40.0, region="North"), make_result("B", 60.0, region="North"),
               make_result("C", 80.0, region="South"), make_result("D", 70.0, region=None)]
    d = build(results)
    regions = {r["region"]: r for r in d["regions"]}
    assert regions["North"]["mean"] == 50.0 and regions["North"]["n"] == 2
    assert regions["North"]["delta_vs_chain"] == 50.0 - 62.5
    assert regions["South"]["ci_low"] is None  # one store: no interval
    assert regions[""]["n"] == 1  # stores without a region are grouped, not dropped
    assert [r["region"] for r in d["regions"]] == ["South", "", "North"]
    assert build([make_result("A", 50, region=None)])["regions"] == []


def test_change_from_recorded_comparisons():
    results = [make_result("A", 50, delta=7.5), make_result("B", 50, delta=-5.0), make_result("C", 50, delta=1.0),
               make_result("D", 50)]
    c = build(results)["change"]
    assert (c["compared"], c["improved"], c["declined"], c["steady"]) == (3, 1, 1, 1)
    assert c["mean_delta"] == pytest.approx((7.5 - 5 + 1) / 3, abs=0.005)
    assert [x["store_id"] for x in c["improvers"]] == ["A", "C"] and [x["store_id"] for x in c["decliners"]] == ["B"]
    assert build([make_result("A", 50)])["change"] is None


def test_change_and_trends_from_the_history_database(tmp_path):
    with History(normalise_url("h.db", tmp_path)) as h:
        h.record(make_result("A", 40.0, date="2026-06-30"))
        h.record(make_result("B", 70.0, date="2026-06-30"))
        h.record(make_result("A", 52.0, date="2026-09-30"))
        d = build([make_result("A", 52.0, date="2026-09-30"), make_result("B", 60.0, date="2026-09-30")],
                  history=h)
    assert d["change"]["source"] == "results and history"
    assert {x["store_id"]: x["delta"] for x in d["change"]["improvers"] + d["change"]["decliners"]} == \
        {"A": 12.0, "B": -10.0}
    assert d["trends"]["source"] == "history"
    # Q2 from the database only; Q3 from the results (A's audit is in both and counts once)
    assert [(q["quarter"], q["n"], q["mean"]) for q in d["trends"]["quarters"]] == [("2026-Q2", 2, 55.0),
                                                                                   ("2026-Q3", 2, 56.0)]


# --- reading files --------------------------------------------------------------------------

def test_unreadable_files_are_skipped_and_listed(tmp_path):
    paths = write(tmp_path / "res", [make_result("A", 50.0)])
    (tmp_path / "res" / "broken.json").write_text('{"gapaudit_version": "0", ')
    (tmp_path / "res" / "future.json").write_text(json.dumps({**make_result("B", 1.0), "schema_version": 2}))
    (tmp_path / "res" / "schema.json").write_text('{"$schema": "x"}')  # not a result: not picked from a folder
    found = rollup.expand_results([tmp_path / "res"])
    assert sorted(p.name for p in found) == ["broken.json", "future.json", "r00000.json"]
    d = rollup.build(found)
    reasons = {Path(s["file"]).name: s["reason"] for s in d["skipped"]}
    assert "cannot read as JSON" in reasons["broken.json"] and "schema version 2" in reasons["future.json"]
    assert d["counts"]["stores"] == 1
    with pytest.raises(InputError, match="not a readable result: cannot read as JSON") as err:
        rollup.build([tmp_path / "res" / "broken.json"])
    assert err.value.what == "results"
    with pytest.raises(InputError, match="no result files found"):
        rollup.expand_results([str(tmp_path / "nothing" / "*.json")])
    assert paths[0] in found


def test_a_result_with_a_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(make_result("B", 61.0)).encode())
    assert rollup.build([path])["counts"]["stores"] == 1


def test_nothing_readable_lists_the_first_files_and_counts_the_rest(tmp_path):
    paths = []
    for i in range(rollup.SKIPPED_SHOWN + 5):
        paths.append(tmp_path / f"bad{i:02d}.json")
        paths[-1].write_text("{")
    with pytest.raises(InputError) as err:
        rollup.build(paths)
    issues = err.value.issues
    assert len(issues) == rollup.SKIPPED_SHOWN + 1 and issues[0].file.endswith("bad00.json")
    assert issues[-1].message == "… and 5 more file(s) that are not readable results"
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError) as err:
        rollup.expand_results([tmp_path / "empty"])
    assert err.value.what == "results"  # the CLI says "nothing to roll up", not "invalid audit"


def test_a_huge_file_is_skipped_without_being_read_into_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(rollup, "RESULT_MAX_BYTES", 1000)
    big = tmp_path / "big.json"
    big.write_text(json.dumps({**make_result("B", 50.0), "padding": "x" * 2000}))
    small = tmp_path / "small.json"
    small.write_text(json.dumps(make_result("S", 50.0)))
    d = rollup.build([big, small])
    assert [(Path(s["file"]).name, s["reason"]) for s in d["skipped"]] == [
        ("big.json", "larger than 1,000 bytes: too large for a store's result, not read")]
    assert d["counts"]["stores"] == 1


# --- the report -------------------------------------------------------------------------------

def _chain(n: int) -> list[dict]:
    rng = random.Random(n)
    return [make_result(f"S{i:05d}", round(rng.uniform(20, 95), 1),
                        {m: round(rng.uniform(0, 100), 1) for m in MODULES}, region=f"R{i % 7}",
                        actions=[(f"a{k}", 50.0) for k in range(rng.randint(0, 20))],
                        findings=[f"f{k}" for k in range(rng.randint(0, 20))],
                        standards=[(f"T{k}", rng.choice(["met", "shortfall", "possible_shortfall"]), rng.random())
                                   for k in range(12)]) for i in range(n)]


def test_report_stays_the_same_size_at_2000_stores():
    small, big = build(_chain(200)), build(_chain(2000))
    html_small = rollup.render(small, "html").decode()
    html_big = rollup.render(big, "html").decode()
    assert len(html_big) < 1.1 * len(html_small)  # lists and distributions, not a row per store
    assert html_big.count("<tr>") < 250
    assert "S01999" not in html_big or "S01999" in json.dumps(big["ranking"])  # only stores it lists


def test_html_report_contents_and_escaping():
    results = _chain(30)
    results[0]["store"]["name"] = "<script>alert(1)</script>{{ 7*7 }}"
    results[0]["overall"]["score"] = 1.0
    html = rollup.render(build(results), "html").decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;{{ 7*7 }}" in html
    for heading in ("Store ranking", "Score distributions", "Weakest stores × gaps", "Standards most often below "
                    "target", "Recurring actions and findings", "Regions", "Change and trends", "Appendix"):
        assert heading in html
    assert html.count('class="cell heat-') >= 30 * 4  # heat map cells: overall + 3 gaps per store


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs pdftotext (poppler-utils)")
@pytest.mark.parametrize("lang, words", [("en", ["Chain roll-up", "Store ranking"]),
                                         ("zh", ["连锁汇总报告", "门店排名"])])
def test_pdf_report(tmp_path, lang, words):
    pdf = rollup.render(build(_chain(40), lang=lang), "pdf")
    assert pdf.startswith(b"%PDF")
    (tmp_path / "r.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "r.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    for word in words:
        assert word in text


# --- end to end -----------------------------------------------------------------------------

def test_cli_rollup_over_a_batch(tmp_path, stores):
    paths = stores(4)
    run_batch(paths, BatchOptions(run=RunOptions(formats=("json",), output=tmp_path / "res", many=True)),
              workers=2, progress=False)
    (tmp_path / "res" / "bad.json").write_text("{")
    result = CliRunner().invoke(main, ["rollup", str(tmp_path / "res" / "*.json"), "-f", "json,html",
                                       "-o", str(tmp_path / "out"), "--top", "2"])
    assert result.exit_code == 2, result.output  # written, but one file was skipped
    assert "roll-up of 4 store(s) from 4 result(s)" in result.output and "bad.json" in result.output
    data = json.loads((tmp_path / "out" / "rollup.json").read_text())
    assert (tmp_path / "out" / "rollup.html").is_file()
    scores = [json.loads(p.read_text())["overall"]["score"] for p in (tmp_path / "res").glob("S*.json")]
    assert data["overall"]["mean"] == pytest.approx(sum(scores) / 4, abs=0.006)  # rounded to 2 decimals
    assert len(data["ranking"]["overall"]["top"]) == 2
    assert {m["id"] for m in data["modules"]} >= {"diagnosis_gap", "pharmacy_gap"}
    assert data["standards"] and all(s["module"] == "pharmacy_gap" for s in data["standards"])
    ok = CliRunner().invoke(main, ["rollup", str(tmp_path / "res" / "S0001.json"), "-f", "json",
                                   "-o", str(tmp_path / "one.json")])
    assert ok.exit_code == 0 and (tmp_path / "one.json").is_file()


def test_cli_rollup_rejects_unknown_format(tmp_path):
    result = CliRunner().invoke(main, ["rollup", str(tmp_path), "-f", "docx"])
    assert result.exit_code == 2 and "docx" in result.output


def test_parallel_reading_gives_the_same_roll_up(tmp_path, monkeypatch):
    results = _chain(60)
    results[3]["modules"]["beta_gap"]["data"]["standards"] = [{"id": "X", "title": "design only", "sound": False}]
    paths = write(tmp_path / "res", results)
    (tmp_path / "res" / "bad.json").write_text("[1, 2")
    (tmp_path / "res" / "odd.json").write_text('{"gapaudit_version": "0", "modules": {"m": 3}}')
    serial = rollup.build(sorted((tmp_path / "res").iterdir()), workers=1)
    monkeypatch.setattr(rollup, "PARALLEL_FROM", 1)
    parallel = rollup.build(sorted((tmp_path / "res").iterdir()), workers=2)
    assert parallel == serial
    assert len(serial["skipped"]) == 2 and serial["counts"]["stores"] == len(paths)
    assert all(s["module"] == "alpha_gap" for s in serial["standards"])  # entries without a status are ignored


# --- Excel, CSV, chain-wide findings, the zh roll-up ---------------------------------------------------

def write_results(folder: Path, results: list[dict]) -> list[Path]:
    paths = []
    for r in results:
        path = folder / f"{r['store']['id']}.json"
        path.write_text(json.dumps(r), "utf-8")
        paths.append(path)
    return paths


def test_recurring_findings_show_chain_wide_figures_not_one_stores(tmp_path):
    results = [make_result(s, 60, findings=["f1"]) for s in ("A", "B", "C")]
    for r, (n, customers) in zip(results, [(41, 1025), (12, 300), (20, 500)]):
        r["modules"]["alpha_gap"]["findings"][0]["title"] = f"{n} complaints mean about {customers:,} unhappy customers"
    d = rollup.build(write_results(tmp_path, results), workers=1)
    f = d["findings"][0]
    assert f["stores"] == 3 and f["wording_stores"] == 3
    assert f["title"] == "20 (12–41) complaints mean about 500 (300–1,025) unhappy customers"
    assert f["figures"] == [{"median": 20.0, "min": 12.0, "max": 41.0}, {"median": 500.0, "min": 300.0, "max": 1025.0}]
    assert "41 complaints" not in rollup.render(d, "html").decode("utf-8")  # no single store's figures
    assert any("median" in rule for rule in d["rules"])


def test_rollup_xlsx_has_every_sheet_and_the_full_ranking(tmp_path):
    import openpyxl

    results = [make_result(f"S{i:02d}", 40 + 5 * i, {"alpha_gap": 40 + 5 * i, "beta_gap": None, "gamma_gap": 90 - i},
                           actions=[("train", 50.0)], findings=["f1"], region="North" if i % 2 else "South",
                           standards=[("GREET", "shortfall", 0.5)]) for i in range(12)]
    d = rollup.build(write_results(tmp_path, results), workers=1)
    book = openpyxl.load_workbook(io.BytesIO(rollup.render(d, "xlsx")))
    assert book.sheetnames == ["Ranking", "Heat map", "Recurring actions", "Recurring findings",
                               "Standards below target", "Regions", "Trends", "How computed"]
    ranking = list(book["Ranking"].iter_rows(values_only=True))
    assert ranking[0][:8] == ("Rank", "Store id", "Store", "Region", "Audit", "Audit date", "Overall", "Grade")
    assert len(ranking) == 13 and ranking[1][1] == "S11" and ranking[-1][1] == "S00"  # every store, best first
    assert ranking[1][8:] == (95.0, None, 79.0)  # every module's score; None is an empty cell (no data)
    heat = book["Heat map"]
    rules = [r for cf in heat.conditional_formatting for r in cf.rules]
    assert len(rules) == 4 and rules[0].formula == ["ISBLANK(C2)"]
    assert list(heat.iter_rows(min_row=2, max_row=2, values_only=True))[0][0] == "Store S00"  # weakest first
    actions = list(book["Recurring actions"].iter_rows(values_only=True))
    assert actions[1][:5] == ("Action train", "train", "Alpha gap", 12, 1.0)
    assert list(book["Standards below target"].iter_rows(values_only=True))[1][1] == "GREET"
    assert {row[0] for row in book["Regions"].iter_rows(min_row=2, values_only=True)} == {"North", "South"}
    assert book["How computed"]["A2"].value.startswith("each store counts once")
    # reproducible: dated from the audits, not the clock (openpyxl stamps "modified" with the clock on save)
    assert book.properties.modified == book.properties.created
    again = rollup.render(d, "xlsx")
    assert again == rollup.render(d, "xlsx")


def test_rollup_csv_is_the_ranking_and_formula_safe(tmp_path):
    results = [make_result("A", 80, name="=HYPERLINK(\"x\")"), make_result("B", 60, lang="zh")]
    d = rollup.build(write_results(tmp_path, results), workers=1, lang="zh")
    text = rollup.render(d, "csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["名次", "门店编号", "门店", "区域"] and len(rows) == 3
    assert rows[1][2] == "'=HYPERLINK(\"x\")" and rows[1][6] == "80.0"


def test_zh_rollup_cover_ranking_and_appendix_are_chinese(tmp_path):
    results = [make_result(s, 50 + i, lang="zh") for i, s in enumerate("ABCDEFGHIJKL")]
    d = rollup.build(write_results(tmp_path, results), workers=1)
    html = rollup.render(d, "html").decode("utf-8")
    cover = html[html.index('id="cover"'):html.index('class="toc"')]
    assert cover.count("审核日期") == 1  # the label once, not again in the value
    assert all(re.search(r"[\u4e00-\u9fff]", rule) for rule in d["rules"])  # the methodology in Chinese
    ranking = html[html.index('id="rollup-ranking"'):html.index('id="rollup-distribution"')]
    assert "two-col" not in ranking  # ranking tables use the page width


@pytest.mark.slow
def test_zh_rollup_pdf_has_no_english_sentences(sample_reports, tmp_path):
    import subprocess

    zh = [sample_reports / f"{n}.json" for n in ("community-supermarket", "electronics-retailer",
                                                   "lubricant-aftersales")]
    d = rollup.build(zh, workers=1)
    assert d["lang"] == "zh"
    pdf = tmp_path / "rollup.pdf"
    pdf.write_bytes(rollup.render(d, "pdf"))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    text = text.replace("gapaudit rollup -f xlsx", "")  # a command to type, not a sentence
    english = re.findall(r"[A-Za-z]{2,}(?:[ ,'’-]+[A-Za-z]{2,}){2,}", text)
    assert not english, english


def test_skipped_files_are_explained_in_the_rollups_language():
    assert rollup.skip_reason("not verified: not signed", "zh") == "未通过签名验证：未签名"
    assert rollup.skip_reason("a roll-up report, not a store's report: roll up …", "zh") == "这是汇总报告，不是门店报告"
    assert rollup.skip_reason("cannot read as JSON: bad byte", "zh") == "无法按 JSON 读取：bad byte"
    assert rollup.skip_reason("file not found", "en") == "file not found"


def test_cli_rollup_writes_xlsx_and_csv(tmp_path):
    import openpyxl

    paths = write_results(tmp_path, [make_result("A", 70), make_result("B", 50)])
    ran = CliRunner().invoke(main, ["rollup", *map(str, paths), "-f", "xlsx,csv", "-o", str(tmp_path / "hq") + "/"])
    assert ran.exit_code == 0, ran.output
    assert openpyxl.load_workbook(tmp_path / "hq" / "rollup.xlsx").sheetnames[0] == "Ranking"
    assert (tmp_path / "hq" / "rollup.csv").read_text("utf-8-sig").splitlines()[1].startswith("1,A,")
