"""The plan as users meet it: ranking rules, the owner's summary, the brief report, the register, progress."""

from __future__ import annotations

import copy
import csv
import io
import json
import re
from pathlib import Path

import pytest

from fitting_room import fitting_room_audit
from gapaudit import engine, hookimpl
from gapaudit.errors import InputError
from gapaudit.model.result import ModuleResult, SetTarget
from gapaudit.module import AuditModule
from gapaudit.render import render
from gapaudit.render.plan import build_plan
from gapaudit.testing import load, make_host, minimal_audit, run_audit
from gapaudit.tracking import verdict

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ["community-supermarket", "electronics-retailer", "lubricant-aftersales", "well-run-store"]


@pytest.fixture(scope="module")
def host():
    return make_host()


@pytest.fixture(scope="module")
def sample_results(host):
    return {name: engine.run(load(ROOT / "sample_audits" / name / "audit.yaml", host), host) for name in SAMPLES}


# --- ranking --------------------------------------------------------------------------------------

def _plugin(actions, cap_unless: str | None = None):
    """A plugin whose module scores 50 plus its own ``gain`` entries; each action's target sets its entry.
    With ``cap_unless`` the module caps the grade at C until that action's entry is set."""

    from gapaudit.model.base import Model

    class Gain(Model):
        points: float = 0.0

    class GainsConfig(Model):
        gain: dict[str, Gain] = {aid: Gain() for aid, *_ in actions}

    class Gains(AuditModule):
        id = "gains"
        title = {"en": "Gains"}
        Config = GainsConfig
        reads = frozenset()

        def run(self, ctx):
            score = 50 + sum(g.points for g in ctx.config.gain.values())
            out = [ctx.action(aid, aid, rationale="", severity=sev, horizon=horizon,
                              targets=[SetTarget(table="modules.gains.gain", keys=[aid],
                                                 changes={"points": gain})] if gain else [])
                   for aid, gain, sev, horizon in actions]
            capped = cap_unless is not None and not ctx.config.gain[cap_unless].points
            return ModuleResult(score=min(score, 100), actions=out, grade_cap="C" if capped else None)

    class Plugin:
        @hookimpl
        def gapaudit_register_modules(self):
            return [Gains]

    return Plugin()


def test_ties_are_broken_by_the_stated_rule_and_shown():
    # three actions worth the same: the short-horizon ones first, the more severe first; one unmeasured last
    plugin = _plugin([("long_high", 2.0, "high", "long"), ("short_low", 2.0, "low", "short"),
                      ("short_high", 2.0, "high", "short"), ("unmeasured", 0, "critical", "short")])
    host = make_host(plugin, builtins=False, names=["gains"])
    result = run_audit(minimal_audit(), host)
    assert [a.id for a in result.actions] == ["short_high", "short_low", "long_high", "unmeasured"]
    assert [a.priority for a in result.actions] == [2.0, 2.0, 2.0, 0]
    assert result.actions[0].impact.modules == {"gains": 2.0} and result.actions[0].impact.overall == 2.0
    entries = build_plan(result, "en")
    assert [e.tie for e in entries[:3]] == [True, True, True]
    html = render(result, "html", host=host).decode("utf-8")
    assert "equal priorities: quick wins first" in html


def test_an_action_that_lifts_the_grade_comes_first():
    plugin = _plugin([("big", 30.0, "high", "short"), ("lift", 1.0, "low", "long")], cap_unless="lift")
    host = make_host(plugin, builtins=False, names=["gains"])
    data = minimal_audit(scoring={"bands": [{"grade": "A", "min": 60}, {"grade": "B", "min": 40},
                                            {"grade": "C", "min": 0}]})
    result = run_audit(data, host)  # 50 would be B, capped at C until "lift" is done; +30 stays capped
    assert result.overall.grade == "C"
    by_id = {a.id: a for a in result.actions}
    assert by_id["big"].impact.overall == 30.0 and by_id["big"].impact.grade is None
    assert by_id["lift"].impact.overall == 1.0 and by_id["lift"].impact.grade == "B"
    assert [a.id for a in result.actions] == ["lift", "big"]
    assert "grade C → B" in build_plan(result, "en")[0].worth


# --- the samples ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", SAMPLES)
def test_every_samples_first_actions_have_numeric_impact_and_readable_priorities(sample_results, name):
    result = sample_results[name]
    entries = build_plan(result, str(result.audit["language"]), 5)
    assert len(entries) == 5
    assert all(e.action.impact is not None and e.action.impact.overall is not None for e in entries)
    for a, b in zip(entries, entries[1:]):
        assert a.priority != b.priority or (a.tie and b.tie)  # distinct, or marked as a tie with its rule
    assert result.problems and result.actions[0].role in ("lead", None)
    leads = [a for a in result.actions if a.role == "lead"]
    assert [p.actions[0] for p in result.problems] == [a.id for a in leads]


_STATS = re.compile(r"ρ|α|\bCI\b|置信区间|\[\s*[−\-]?\d+(\.\d+)?%?\s*[–,]|\bn = \d")


@pytest.mark.parametrize("name", SAMPLES)
def test_the_summary_names_standards_and_items_without_statistics(host, sample_results, name):
    html = render(sample_results[name], "html", host=host).decode("utf-8")
    summary = html[html.index('id="summary"'):html.index('</section>', html.index('id="summary"'))]
    text = re.sub(r"<[^>]+>", " ", summary)
    assert not _STATS.search(text), _STATS.search(text).group(0)
    lang = sample_results[name].audit["language"]
    assert ("标准 " if lang == "zh" else "standard ") in text  # the first actions name what they concern
    # one evidence line per module that found the lead's problem
    first = build_plan(sample_results[name], lang, 1)[0]
    assert len({m for m, _ in first.evidence}) == len(first.evidence) >= 1


def test_the_fitting_room_summary_reads_as_the_store_owner_needs(host):
    result = run_audit(fitting_room_audit(), host)
    html = render(result, "html", host=host).decode("utf-8")
    summary = re.sub(r"<[^>]+>", " ", html[html.index('id="summary"'):html.index('id="contents"')
                                             if 'id="contents"' in html and False else None])
    first = build_plan(result, "en", 1)[0]
    assert "points overall when reached" in first.worth and "customers kept a year" in first.worth
    assert "grade" in first.worth
    assert {m for m, _ in first.evidence} == {"Diagnosis gap", "Pharmacy gap", "Outcome gap",
                                              "Eight-factor quality score"}
    assert "standard FITROOM" in " ".join(first.concerns)
    assert "breaks first: management does not know what customers expect" == first.breaks
    assert "I get a fitting room without waiting" in summary


# --- the brief report ---------------------------------------------------------------------------------

def test_brief_profile_from_the_flag_or_a_chain_plugins_defaults(host, sample_results):
    result = sample_results["community-supermarket"]
    html = render(result, "html", host=host, profile="brief").decode("utf-8")
    assert 'id="problems"' in html and 'id="appendix"' not in html and 'id="module-' not in html
    assert 'class="toc"' not in html

    class Chain:
        @hookimpl
        def gapaudit_audit_defaults(self, audit):
            return {"report": {"profile": "brief"}}

    chain = make_host(Chain(), names=["chain"])
    loaded = load(fitting_room_audit(), chain)
    assert loaded.input.report.profile == "brief"
    out = render(engine.run(loaded, chain), "html", host=chain, audit=loaded.input).decode("utf-8")
    assert 'id="problems"' in out and 'id="appendix"' not in out
    data = fitting_room_audit() | {"report": {"profile": "full"}}  # the audit file wins
    assert load(data, chain).input.report.profile == "full"


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", SAMPLES)
def test_brief_pdf_of_every_sample_fits_six_pages(host, sample_results, name, lang):
    pypdf = pytest.importorskip("pypdf")
    loaded = load(ROOT / "sample_audits" / name / "audit.yaml", host)
    result = engine.run(loaded, host, lang=lang)
    pdf = render(result, "pdf", host=host, audit=loaded.input, profile="brief", lang=lang)
    pages = pypdf.PdfReader(io.BytesIO(pdf)).pages
    assert 3 <= len(pages) <= 6
    text = "".join(p.extract_text() for p in pages)
    assert ("主要问题" if lang == "zh" else "The main problems") in text


# --- links -----------------------------------------------------------------------------------------

def test_links_to_unknown_ids_are_located_errors_in_both_languages(host):
    data = fitting_room_audit()
    data["links"]["complaint_categories"]["checkout"] = ["TILS"]
    with pytest.raises(InputError) as info:
        load(data, host)
    [issue] = info.value.issues
    assert issue.field == "links.complaint_categories.checkout[0]"
    assert "unknown questionnaire item or standard 'TILS'; did you mean 'TILLS'?" in issue.text("en")
    assert issue.text("zh").startswith("未知的问卷题项或标准 'TILS'")


# --- the register ------------------------------------------------------------------------------------

def test_register_in_the_audits_language_with_target_metric_and_value(host, sample_results):
    result = sample_results["community-supermarket"]
    text = render(result, "csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:5] == ["序号", "问题", "角色", "行动编号", "行动"]
    head = {name: i for i, name in enumerate(rows[0])}
    lead = rows[1]
    assert lead[head["角色"]] == "首要行动" and lead[head["期限"]] == "短期" and lead[head["状态"]] == "未开始"
    assert lead[head["差距环节／模块"]] in ("诊断差距", "处方差距", "药房差距", "疗效差距")
    assert lead[head["目标指标"]] and lead[head["当前值"]].endswith("%") and lead[head["目标值"]] == "90.0%"
    assert rows[2][head["序号"]] == "1.1" and rows[2][head["角色"]] == "步骤"
    assert len(rows) == len(result.actions) + 1


def test_register_xlsx_matches_the_csv_and_is_reproducible(host, sample_results):
    openpyxl = pytest.importorskip("openpyxl")
    result = sample_results["well-run-store"]
    data = render(result, "xlsx")
    assert data == render(result, "xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    rows = [[("" if c is None else c) for c in r] for r in wb.active.iter_rows(values_only=True)]
    csv_rows = list(csv.reader(io.StringIO(render(result, "csv").decode("utf-8-sig"))))
    assert rows[0] == csv_rows[0] and rows[0][4] == "Action" and rows[1][10] == "not started"
    assert [str(r[3]) for r in rows[1:]] == [r[3] for r in csv_rows[1:]]
    assert wb.sheetnames == ["Action register", "How to read it"]


# --- progress since the last audit ---------------------------------------------------------------------

@pytest.mark.parametrize("prev, cur, expected", [
    ((20.0, 5.7, 51.0), (90.0, 59.6, 98.2), "improved"),      # 2/10 → 9/10 (Wilson 95 %)
    ((20.0, 5.7, 51.0), (30.0, 10.8, 60.3), "no_detectable_change"),  # 2/10 → 3/10
    ((90.0, 59.6, 98.2), (20.0, 5.7, 51.0), "worse"),
])
def test_progress_verdict_beyond_the_noise(prev, cur, expected):
    assert verdict(prev[0], prev[1], prev[2], cur[0], cur[1], cur[2]) == expected


def test_progress_rule_is_newcombes_mover_boundary():
    # change 10 with half-widths 6 and 8 towards each other: √(36 + 64) = 10 → not beyond the noise
    assert verdict(50, 40, 56, 60, 52, 70) == "no_detectable_change"
    assert verdict(50, 40, 56, 60.01, 52.01, 70) == "improved"
    assert verdict(3.0, None, None, 4.0, None, None) == "improved"  # counts: no intervals, any change counts
    assert verdict(1.2, 1.0, 1.4, 0.2, 0.0, 0.4, better="lower") == "improved"


def test_history_shows_carried_over_actions_moving(tmp_path, host):
    from gapaudit.chain.history import History, attach

    url = f"sqlite:///{tmp_path / 'h.db'}"
    previous = fitting_room_audit()
    previous["audit"] |= {"id": "2026Q2-FR1", "date": "2026-06-30"}
    current = copy.deepcopy(fitting_room_audit())
    for o in current["evidence"]["observations"]:
        if o["standard"] == "FITROOM":
            o["result"] = "yes" if o["visit"] not in ("V09", "V10") else "no"  # 8 of 10 now
    with History(url) as history:
        h = make_host()
        attach(h, history)
        history.record(engine.run(load(previous, h), h))
        result = engine.run(load(current, h), h)
    step = next(a for a in result.actions if a.id == "pharmacy_gap.standard.FITROOM")
    assert step.progress.verdict == "improved"
    assert (step.progress.previous, step.progress.current) == (20.0, 80.0)
    assert "progress" in result.data_quality["rules"]
    text = render(result, "csv").decode("utf-8-sig")
    assert "Progress" in text.splitlines()[0] and ",improved" in text
    assert any(e.progress.startswith("Since the last audit") for e in build_plan(result, "en"))


def test_cli_brief_and_register(tmp_path):
    import yaml
    from click.testing import CliRunner

    from gapaudit.cli import main

    audit = tmp_path / "store.yaml"
    audit.write_text(yaml.safe_dump(fitting_room_audit(), allow_unicode=True), "utf-8")
    result = CliRunner().invoke(main, ["run", str(audit), "--brief", "-f", "html,xlsx,csv", "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["store.actions.csv", "store.actions.xlsx", "store.html"]
    html = (tmp_path / "out" / "store.html").read_text("utf-8")
    assert 'id="problems"' in html and "The main problems" in html and 'id="appendix"' not in html
    assert "--brief" in CliRunner().invoke(main, ["run", "--help"]).output
