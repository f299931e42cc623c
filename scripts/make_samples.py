#!/usr/bin/env python3
"""Generate the bulk evidence files of the sample audits from a fixed seed.

Each sample's ``audit.yaml`` is written by hand (it carries the questionnaire,
the standards and the story in its comments); this script writes the tables
that are too long to type: survey responses, visit observations, complaint,
error and delivery logs. It reads the item and standard ids from the
committed ``audit.yaml`` so the two never drift, and draws every number from
``random.Random(SEED)`` so a rerun reproduces the committed files byte for
byte (XLSX timestamps are pinned too).

    .venv/bin/python scripts/make_samples.py            # rewrite every sample
    .venv/bin/python scripts/make_samples.py --check    # fail if a file differs

How answers are drawn (so the stories are visible but not cartoonish):
each respondent has a leniency offset L ~ N(0, 0.45) shared by all their
answers, and per dimension an expectation offset F ~ N(0, 0.35) and an
experience offset D ~ N(0, 0.8) (what happened to them on that side of the
service); an expectation is round(μE + L + F + N(0, 0.45)), a perception
round(μP + 0.8·L + D + N(0, 0.5)), an importance round(μI + 0.5·L + N(0, 0.7)),
each clipped to the scale. The shared offsets make the items of a dimension
hang together as real questionnaires do (Cronbach's alpha of the P − E gap
scores about 0.8). The
μ of every item is the story, stated below. Missing answers: each cell is
blank with the sample's ``missing`` probability, and some respondents skip
the whole importance block, as on real paper questionnaires.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import math
import random
import statistics
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml

SEED = 20260930
ROOT = Path(__file__).resolve().parent.parent / "sample_audits"
PINNED_TIME = (2026, 9, 30, 12, 0, 0)  # XLSX zip-entry and document timestamps

Row = dict[str, Any]


# --- reading the hand-written part -------------------------------------------------

def audit_yaml(folder: Path) -> dict[str, Any]:
    return yaml.safe_load((folder / "audit.yaml").read_text("utf-8"))


def item_ids(folder: Path, items: list[dict[str, Any]] | None = None) -> list[tuple[str, str]]:
    """(item id, dimension) in questionnaire order, from audit.yaml or the given item rows."""
    if items is None:
        items = audit_yaml(folder)["evidence"]["questionnaire"]["items"]
    return [(i["id"], i["dimension"]) for i in items]


def standard_ids(folder: Path) -> list[str]:
    return [s["id"] for s in audit_yaml(folder)["evidence"]["standards"]]


def check_story(name: str, known: list[str], story: dict[str, Any]) -> None:
    """Every id the story sets must exist in audit.yaml, and every one there must have a story value."""
    missing, extra = set(known) - set(story), set(story) - set(known)
    if missing or extra:
        raise SystemExit(f"{name}: story and audit.yaml disagree; missing {sorted(missing)}, unknown {sorted(extra)}")


# --- drawing -----------------------------------------------------------------------

def clip_round(x: float, lo: int, hi: int) -> int:
    return int(min(hi, max(lo, math.floor(x + 0.5))))


@dataclass
class SurveySpec:
    """A survey story: per-item means (expectation, perception, importance) and how answers go missing."""

    n: int
    means: dict[str, tuple[float, float, float | None]]
    points: dict[str, float] | None = None  # dimension → mean share of 100 importance points
    missing: float = 0.03
    skip_importance: float = 0.08
    scale: tuple[int, int] = (1, 7)
    respondent_column: str = "respondent"
    respondent_prefix: str = "R"
    #: answers written as words, as (column, probability, only when the number is this or None, word)
    words: list[tuple[str, float, int | None, str]] = field(default_factory=list)


def draw_survey(rng: random.Random, items: list[tuple[str, str]], spec: SurveySpec) -> list[Row]:
    """Respondent rows in wide format (see the module docstring for the model)."""
    lo, hi = spec.scale
    dims = list(dict.fromkeys(d for _, d in items))
    rows: list[Row] = []
    with_importance = any(m[2] is not None for m in spec.means.values())
    for r in range(spec.n):
        leniency = rng.gauss(0, 0.45)
        hope = {d: rng.gauss(0, 0.35) for d in dims}
        mood = {d: rng.gauss(0, 0.8) for d in dims}
        skip_imp = rng.random() < spec.skip_importance
        row: Row = {spec.respondent_column: f"{spec.respondent_prefix}{r + 1:04d}"}
        exp, per, imp = {}, {}, {}
        for item, dim in items:
            mu_e, mu_p, mu_i = spec.means[item]
            exp[item] = clip_round(mu_e + leniency + hope[dim] + rng.gauss(0, 0.45), lo, hi)
            per[item] = clip_round(mu_p + 0.8 * leniency + mood[dim] + rng.gauss(0, 0.5), lo, hi)
            if mu_i is not None:
                imp[item] = clip_round(mu_i + 0.5 * leniency + rng.gauss(0, 0.7), lo, hi)
        for prefix, values in (("E_", exp), ("P_", per), ("I_", imp)):
            for item, _ in items:
                if item not in values:
                    continue
                value: Any = values[item]
                if (prefix == "I_" and skip_imp) or rng.random() < spec.missing:
                    value = None
                row[f"{prefix}{item}"] = value
        for column, prob, only, word in spec.words:
            if row.get(column) is not None and (only is None or row[column] == only) and rng.random() < prob:
                row[column] = word
        if spec.points:
            if rng.random() < spec.skip_importance or (with_importance and skip_imp):
                for d in dims:
                    row[f"W_{d}"] = None
            else:
                row.update({f"W_{d}": v for d, v in allocate_points(rng, spec.points, dims).items()})
        rows.append(row)
    return rows


def add_zone_and_overall(rng: random.Random, rows: list[Row], items: list[tuple[str, str]],
                         means: dict[str, tuple[float, float, float | None]], overall: str,
                         effects: dict[str, tuple[float, float]], scale: tuple[int, int] = (1, 7),
                         missing: float = 0.025) -> None:
    """Add desired (D_) and adequate (A_) answers and an overall-satisfaction column to drawn survey rows.

    Each respondent has a tolerance T ~ N(0, 0.3); per item, desired =
    round(E + 0.6 + T/2 + N(0, 0.4)) and adequate = round(E − 1.4 − T + N(0, 0.5)),
    E being their expectation answer (the item's μE where it is blank). The
    overall answer = round(4.9 + 0.3 · (mean perception − 5) + Σ effect + N(0, 0.55)):
    ``effects`` gives, per item, what a low (≤ 3) and a high (≥ 6) perception add, so
    the penalty–reward analysis has basic and excitement attributes to find.
    """
    lo, hi = scale
    for row in rows:
        tolerance = rng.gauss(0, 0.3)
        for item, _ in items:
            e = row.get(f"E_{item}")
            e = means[item][0] if not isinstance(e, (int, float)) else e
            desired = clip_round(e + 0.6 + tolerance / 2 + rng.gauss(0, 0.4), lo, hi)
            adequate = clip_round(e - 1.4 - tolerance + rng.gauss(0, 0.5), lo, hi)
            row[f"D_{item}"] = None if rng.random() < missing else desired
            row[f"A_{item}"] = None if rng.random() < missing else adequate
        perceived = {}
        for item, _ in items:
            p = row.get(f"P_{item}")
            perceived[item] = p if isinstance(p, (int, float)) else means[item][1]
        score = 4.9 + 0.3 * (statistics.fmean(perceived.values()) - 5) + rng.gauss(0, 0.55)
        for item, (low, high) in effects.items():
            score += low if perceived[item] <= 3 else high if perceived[item] >= 6 else 0.0
        row[overall] = None if rng.random() < missing else clip_round(score, lo, hi)


def allocate_points(rng: random.Random, shares: dict[str, float], dims: list[str]) -> dict[str, int]:
    """100 importance points across dimensions, around the story's shares, summing to exactly 100."""
    raw = {d: shares[d] * math.exp(rng.gauss(0, 0.3)) for d in dims}
    total = sum(raw.values())
    pts = {d: int(round(100 * v / total / 5) * 5) for d, v in raw.items()}  # people allocate in fives
    top = max(pts, key=pts.get)
    pts[top] += 100 - sum(pts.values())
    return pts


def summarise_survey(rows: list[Row], items: list[tuple[str, str]]) -> list[Row]:
    """Per-item summary rows (n, means, SDs, SD of P−E) as a chain's headquarters would report them."""
    out = []
    for item, _ in items:
        e = [r[f"E_{item}"] for r in rows if r.get(f"E_{item}") is not None]
        p = [r[f"P_{item}"] for r in rows if r.get(f"P_{item}") is not None]
        i = [r[f"I_{item}"] for r in rows if r.get(f"I_{item}") is not None]
        pairs = [r[f"P_{item}"] - r[f"E_{item}"] for r in rows
                 if r.get(f"P_{item}") is not None and r.get(f"E_{item}") is not None]
        out.append({
            "item": item, "n": len(pairs),
            "expectation": round(statistics.fmean(e), 2), "perception": round(statistics.fmean(p), 2),
            "importance": round(statistics.fmean(i), 2) if i else None,
            "expectation_sd": round(statistics.stdev(e), 2), "perception_sd": round(statistics.stdev(p), 2),
            "gap_sd": round(statistics.stdev(pairs), 2),
        })
    return out


def quarter_dates(rng: random.Random, n: int, start: dt.date, days: int = 92) -> list[dt.date]:
    return sorted(start + dt.timedelta(days=rng.randrange(days)) for _ in range(n))


def draw_observations(rng: random.Random, standards: dict[str, tuple[float, float]], visits: int,
                      start: dt.date, roles: dict[str, str], staff: list[str], shifts: tuple[str, str],
                      notes: dict[str, list[str]] | None = None, na: dict[str, float] | None = None,
                      visit_prefix: str = "V") -> list[Row]:
    """One row per (visit, standard): yes with p_yes, partly with p_partly, else no.

    ``na`` gives a standard's chance of not applying on a visit (no complaint
    happened, no delivery that day); ``notes`` are sampled for failures.
    """
    rows = []
    dates = [start + dt.timedelta(days=round(i * 91 / max(visits - 1, 1))) for i in range(visits)]
    for v, day in enumerate(dates):
        shift = shifts[v % 2]
        for std, (p_yes, p_partly) in standards.items():
            if na and rng.random() < na.get(std, 0.0):
                result = "na"
            else:
                u = rng.random()
                result = "yes" if u < p_yes else "partly" if u < p_yes + p_partly else "no"
            note = ""
            if result in ("no", "partly") and notes and notes.get(std):
                note = rng.choice(notes[std])
            rows.append({"visit": f"{visit_prefix}{v + 1:02d}", "standard": std, "result": result,
                         "date": day.isoformat(), "shift": shift, "role": roles[std],
                         "staff": rng.choice(staff), "note": note or None})
    return rows


#: the mystery shopper's photos in community-supermarket: (visit, standard) → how many, or a file name
#: (``scripts/make_sample_photos.py`` draws each one from its row: standard, note, date, shift)
COMMUNITY_PHOTOS: dict[tuple[str, str], int | str] = {
    ("V30", "STOCK"): 2, ("V25", "STOCK"): 1, ("V17", "STOCK"): 1, ("V04", "STOCK"): 1,
    ("V25", "QUEUE"): 1, ("V16", "QUEUE"): 1, ("V20", "FRESH"): 1, ("V27", "PRICE"): "photos/价签标注_V27.png",
    ("V02", "UNIFORM"): 1,
}


def photo_name(row: Row, k: int) -> str:
    """A phone camera's file name for the ``k``-th photo of an observation: its date and a time in its shift."""
    visit = int(row["visit"].lstrip("V"))
    hour = (9 if row["shift"] in ("早班", "morning") else 18) + visit % 3
    minute = (visit * 7 + k * 2 + sum(map(ord, row["standard"]))) % 60
    stamp = f"{row['date'].replace('-', '')}_{hour:02d}{minute:02d}{(visit * 13 + k * 29) % 60:02d}"
    return f"photos/IMG_{stamp}.jpg"


def add_photos(rows: list[Row], plan: dict[tuple[str, str], int | str]) -> None:
    """Fill the ``photos`` column (names separated by ;) of the observations the plan names; draws nothing."""
    for row in rows:
        spec = plan.get((row["visit"], row["standard"]))
        names = [spec] if isinstance(spec, str) else [photo_name(row, k) for k in range(spec or 0)]
        row["photos"] = ";".join(names) or None
    missing = set(plan) - {(r["visit"], r["standard"]) for r in rows}
    if missing:
        raise SystemExit(f"photo plan names observations that do not exist: {sorted(missing)}")


@dataclass
class ComplaintSpec:
    n: int
    categories: dict[str, float]  # category → weight
    channels: dict[str, float]
    severity: dict[str, float]  # low/medium/high → weight
    resolved: float  # share resolved
    median_hours: float
    spread: float  # lognormal sigma of hours to resolve
    id_prefix: str = "C"


def pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def draw_complaints(rng: random.Random, spec: ComplaintSpec, start: dt.date) -> list[Row]:
    """A complaint log; customers are kept far more often when the complaint is resolved quickly."""
    rows = []
    for k, day in enumerate(quarter_dates(rng, spec.n, start)):
        resolved = rng.random() < spec.resolved
        hours = round(spec.median_hours * math.exp(rng.gauss(0, spec.spread)), 1) if resolved else None
        # return rates from the seed texts: resolved quickly ≈ 82%, resolved 54%, unresolved ≈ 19%
        stay = 0.19 if not resolved else 0.82 if hours <= 24 else 0.54
        outcome = "unknown" if rng.random() < 0.3 else ("kept" if rng.random() < stay else "lost")
        rows.append({"id": f"{spec.id_prefix}{k + 1:03d}", "date": day.isoformat(),
                     "channel": pick(rng, spec.channels), "category": pick(rng, spec.categories),
                     "severity": pick(rng, spec.severity), "resolved": "true" if resolved else "false",
                     "hours_to_resolve": hours, "outcome": outcome})
    return rows


def draw_errors(rng: random.Random, n: int, categories: dict[str, float], severity: dict[str, float],
                start: dt.date, prefix: str = "ERR") -> list[Row]:
    return [{"id": f"{prefix}{k + 1:03d}", "date": day.isoformat(), "category": pick(rng, categories),
             "severity": pick(rng, severity)} for k, day in enumerate(quarter_dates(rng, n, start))]


def draw_promise_checks(rng: random.Random, promise: str, n: int, p_kept: float, start: dt.date,
                        late_note: Callable[[random.Random], str] | None = None) -> list[Row]:
    rows = []
    for day in quarter_dates(rng, n, start):
        kept = rng.random() < p_kept
        rows.append({"promise": promise, "kept": "true" if kept else "false", "date": day.isoformat(),
                     "note": None if kept or late_note is None else late_note(rng)})
    return rows


SIX_STEPS = ("apologise", "explain", "empathise", "solve_quickly", "commit", "thank")


def draw_complaint_handling(rng: random.Random, n: int, steps: dict[str, tuple[float, float]],
                            prefix: str = "H") -> list[Row]:
    """Observed complaints scored on the six steps: yes with p_yes, partly with p_partly, else no."""
    rows = []
    for k in range(n):
        row: Row = {"case": f"{prefix}{k + 1:02d}"}
        for step in SIX_STEPS:
            p_yes, p_partly = steps[step]
            u = rng.random()
            row[step] = "yes" if u < p_yes else "partly" if u < p_yes + p_partly else "no"
        rows.append(row)
    return rows


# --- writing -----------------------------------------------------------------------

def csv_bytes(rows: list[Row], encoding: str, header: list[str] | None = None) -> bytes:
    """CSV text as a spreadsheet program would export it (CRLF line ends)."""
    header = header or list(dict.fromkeys(k for r in rows for k in r))
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for r in rows:
        writer.writerow(["" if r.get(h) is None else r.get(h) for h in header])
    return buf.getvalue().encode(encoding)


def xlsx_bytes(sheets: list[tuple[str, list[Row]]]) -> bytes:
    """An XLSX workbook with one sheet per (title, rows), with pinned timestamps so reruns are identical."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets:
        ws = wb.create_sheet(title)
        header = list(dict.fromkeys(k for r in rows for k in r))
        ws.append(header)
        for r in rows:
            ws.append([r.get(h) for h in header])
    pinned = dt.datetime(*PINNED_TIME)
    wb.properties.creator = "gapaudit sample generator"
    wb.properties.created = pinned
    buf = io.BytesIO()
    wb.save(buf)
    # openpyxl stamps "modified" with the current time and zip entries with the clock: pin both
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                start = text.find("<dcterms:modified")
                if start >= 0:  # replace the value only: the tag's namespaces differ with and without lxml
                    inner = text.find(">", start) + 1
                    end = text.find("</dcterms:modified>", inner)
                    text = text[:inner] + f"{pinned.isoformat()}Z" + text[end:]
                data = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=PINNED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, data)
    return out.getvalue()


def same_workbook(path: Path, data: bytes) -> bool:
    """Whether an XLSX file holds the same sheets and cells as ``data``: openpyxl serialises the same workbook
    to other bytes when lxml is installed (pikepdf brings it), so workbooks are compared by content."""
    if path.suffix != ".xlsx":
        return False
    import openpyxl

    def cells(source: Any) -> list[tuple[str, list[tuple[Any, ...]]]]:
        book = openpyxl.load_workbook(source, read_only=True)
        try:
            return [(ws.title, list(ws.iter_rows(values_only=True))) for ws in book.worksheets]
        finally:
            book.close()

    return cells(path) == cells(io.BytesIO(data))


class Writer:
    """Collects files; writes them or, with --check, reports the ones that differ."""

    def __init__(self, check: bool):
        self.check = check
        self.differ: list[Path] = []
        self.written: list[Path] = []

    def put(self, path: Path, data: bytes) -> None:
        if self.check:
            if not path.is_file() or (path.read_bytes() != data and not same_workbook(path, data)):
                self.differ.append(path)
            return
        path.write_bytes(data)
        self.written.append(path)


# --- the samples -------------------------------------------------------------------

Q3 = dt.date(2026, 7, 1)
ZH_SHIFTS = ("早班", "晚班")
EN_SHIFTS = ("morning", "evening")


def community_supermarket(rng: random.Random, out: Writer) -> None:
    """Diagnosis gap: management invests in smiles; customers want range and reliability."""
    folder = ROOT / "community-supermarket"
    items = item_ids(folder)
    # μE, μP, μI per item: reliability (range, stock, freshness) matters most and is done worst;
    # the trained smile (ASS3, EMP1, RES3) is done well but matters less than management thinks.
    means = {
        "TAN1": (5.4, 5.5, 4.6), "TAN2": (5.6, 5.9, 4.9), "TAN3": (5.0, 6.2, 4.0), "TAN4": (5.7, 5.4, 5.0),
        "REL1": (6.5, 4.1, 6.7), "REL2": (6.4, 3.9, 6.5), "REL3": (6.6, 4.7, 6.8), "REL4": (6.2, 5.6, 6.0),
        "REL5": (6.0, 4.3, 5.6),
        "RES1": (5.7, 4.4, 5.3), "RES2": (6.0, 4.6, 5.8), "RES3": (5.5, 6.0, 4.9), "RES4": (5.5, 5.7, 4.8),
        "ASS1": (5.6, 5.6, 5.1), "ASS2": (5.9, 6.0, 5.5), "ASS3": (5.3, 6.4, 4.5), "ASS4": (5.6, 5.0, 5.2),
        "EMP1": (5.1, 5.8, 4.3), "EMP2": (5.8, 6.0, 5.4), "EMP3": (5.0, 5.5, 4.2), "EMP4": (6.1, 4.8, 5.9),
        "EMP5": (5.4, 4.6, 4.9),
    }
    check_story("community-supermarket survey", [i for i, _ in items], means)
    spec = SurveySpec(n=320, means=means, missing=0.035, skip_importance=0.09, respondent_column="问卷编号",
                      respondent_prefix="CY26Q3-",
                      points={"tangibles": 12, "reliability": 38, "responsiveness": 18, "assurance": 15,
                              "empathy": 17},
                      # paper questionnaires typed in by temps: some wrote the end label, some "not applicable"
                      words=[("P_REL1", 0.3, 1, "非常不同意"), ("P_ASS3", 0.2, 7, "非常同意"),
                             ("P_EMP5", 0.10, None, "不适用")])
    rows = draw_survey(rng, items, spec)
    out.put(folder / "survey.csv", csv_bytes(rows, "gbk"))

    # management's estimate: they believe the smile matters most and range little
    mgmt = {
        "TAN1": (5.0, 4.5, "partly"), "TAN2": (5.8, 5.5, "yes"), "TAN3": (6.3, 6.2, "yes"),
        "TAN4": (5.2, 4.6, "partly"),
        "REL1": (4.6, 3.8, "no"), "REL2": (4.4, 3.5, "no"), "REL3": (5.2, 4.5, "partly"),
        "REL4": (5.5, 5.0, "partly"), "REL5": (4.0, 3.2, "no"),
        "RES1": (4.5, 4.0, "no"), "RES2": (5.0, 4.4, "no"), "RES3": (6.4, 6.5, "yes"), "RES4": (6.0, 6.0, "yes"),
        "ASS1": (5.8, 5.6, "yes"), "ASS2": (5.4, 5.0, "partly"), "ASS3": (6.8, 6.9, "yes"),
        "ASS4": (5.0, 4.8, "partly"),
        "EMP1": (6.5, 6.6, "yes"), "EMP2": (5.5, 5.0, "partly"), "EMP3": (6.2, 6.0, "yes"),
        "EMP4": (4.8, 4.2, "no"), "EMP5": (4.5, 4.0, "no"),
    }
    check_story("community-supermarket management", [i for i, _ in items], mgmt)
    out.put(folder / "management.csv", csv_bytes(
        [{"item": k, "expectation": e, "importance": i, "invests": inv} for k, (e, i, inv) in mgmt.items()],
        "utf-8"))

    standards = {"SMILE": (0.93, 0.05), "UNIFORM": (0.95, 0.03), "STOCK": (0.42, 0.22), "FRESH": (0.72, 0.12),
                  "PRICE": (0.84, 0.08), "QUEUE": (0.38, 0.20), "ORDER": (0.22, 0.18)}
    check_story("community-supermarket standards", standard_ids(folder), standards)
    roles = {"SMILE": "理货员", "UNIFORM": "理货员", "STOCK": "采购主管", "FRESH": "生鲜员", "PRICE": "理货员",
             "QUEUE": "收银员", "ORDER": "服务台"}
    notes = {"STOCK": ["畅销品清单中 3 个品项缺货", "牛奶区空架超过半天", "缺货未登记"],
             "QUEUE": ["5 号收银台排队 8 人，未开新台", "晚高峰只开 2 个收银台"],
             "ORDER": ["顾客登记的缺货商品无人回电", "没有缺货登记本"],
             "FRESH": ["临期酸奶未下架", "叶菜区有黄叶未处理"], "PRICE": ["促销价签未更换"]}
    staff = [f"员工{c}{n:02d}" for c in "ABC" for n in range(1, 7)]
    observations = draw_observations(rng, standards, 30, Q3, roles, staff, ZH_SHIFTS, notes)
    add_photos(observations, COMMUNITY_PHOTOS)
    out.put(folder / "observations.csv", csv_bytes(observations, "utf-8"))

    complaints = ComplaintSpec(
        n=41, categories={"缺货": 15, "商品质量": 9, "价格不符": 5, "排队": 7, "服务态度": 2, "其他": 3},
        channels={"服务台": 30, "电话": 8, "微信": 3}, severity={"low": 4, "medium": 5, "high": 1},
        resolved=0.8, median_hours=20, spread=0.8, id_prefix="TS")
    out.put(folder / "complaints.csv", csv_bytes(draw_complaints(rng, complaints, Q3), "utf-8"))
    out.put(folder / "errors.csv", csv_bytes(draw_errors(
        rng, 27, {"价签错误": 10, "收银差错": 6, "临期商品未下架": 8, "其他": 3}, {"low": 5, "medium": 4, "high": 1},
        Q3, "CC"), "utf-8"))


def electronics_retailer(rng: random.Random, out: Writer) -> None:
    """Outcome gap: the 24-hour delivery promise is advertised everywhere and kept about half the time."""
    folder = ROOT / "electronics-retailer"
    items = item_ids(folder)
    means = {
        "TAN1": (5.8, 6.1, 5.2), "TAN2": (5.5, 5.9, 4.6), "TAN3": (5.0, 5.6, 3.9), "TAN4": (5.6, 5.5, 4.8),
        # REL1/REL4: delivery and installation "as promised" — expectations inflated by the advertising
        # and what follows a missed delivery: problems not sorted out, re-visits, waiting at home for nothing
        "REL1": (6.7, 3.9, 6.6), "REL2": (6.3, 4.5, 5.9), "REL3": (6.2, 4.9, 5.7), "REL4": (6.5, 4.5, 6.3),
        "REL5": (5.8, 5.5, 5.0),
        "RES1": (6.3, 4.2, 5.8), "RES2": (5.8, 5.2, 5.3), "RES3": (5.4, 5.6, 4.8), "RES4": (5.3, 5.0, 4.7),
        "ASS1": (5.8, 5.3, 5.3), "ASS2": (6.6, 5.9, 6.6), "ASS3": (5.4, 5.7, 4.6), "ASS4": (6.0, 5.4, 5.6),
        "EMP1": (5.0, 5.0, 4.2), "EMP2": (6.0, 4.8, 5.3), "EMP3": (5.0, 4.7, 4.3), "EMP4": (6.5, 5.1, 6.5),
        "EMP5": (5.3, 5.0, 4.6),
    }
    check_story("electronics-retailer survey", [i for i, _ in items], means)
    spec = SurveySpec(n=264, means=means, missing=0.025, skip_importance=0.07, respondent_prefix="XD")
    rows = draw_survey(rng, items, spec)
    # the three-column format and an overall question, drawn from a generator of their own so the
    # E/P/I answers above stay exactly as they were before these columns were added
    add_zone_and_overall(random.Random(f"{SEED}:electronics-retailer:zone"), rows, items, means, "总体满意度",
                         effects={"REL1": (-1.2, 0.1), "REL4": (-0.8, 0.1), "EMP4": (-0.2, 0.7),
                                  "ASS2": (-0.6, 0.5)})
    out.put(folder / "survey.csv", csv_bytes(rows, "utf-8-sig"))

    # the logistics system's export of every delivery and installation order the promise applied to
    def late(r: random.Random) -> str:
        return f"晚到 {r.randint(3, 40)} 小时" + r.choice(["", "（车辆不足）", "（仓库未及时出库）", "（顾客改约）"])

    checks = (draw_promise_checks(rng, "DELIVER24", 186, 0.54, Q3, late)
              + draw_promise_checks(rng, "INSTALL48", 122, 0.72, Q3,
                                    lambda r: f"安装师傅晚到 {r.randint(1, 3)} 天"))
    out.put(folder / "delivery_log.xlsx", xlsx_bytes([("配送安装记录", checks)]))

    standards = {"DELIVERY": (0.55, 0.10), "INSTALL": (0.75, 0.10), "DEMO": (0.82, 0.08), "INVOICE": (0.9, 0.05),
                 "CALLBACK": (0.40, 0.20), "GENUINE": (0.97, 0.0), "PRICECHECK": (0.85, 0.10), "GREET": (0.88, 0.06)}
    check_story("electronics-retailer standards", standard_ids(folder), standards)
    roles = {"DELIVERY": "配送员", "INSTALL": "安装师傅", "DEMO": "导购", "INVOICE": "收银员", "CALLBACK": "客服",
             "GENUINE": "采购", "PRICECHECK": "采购", "GREET": "导购"}
    notes = {"DELIVERY": ["未提前电话预约送货时间", "超过 24 小时未送达"], "CALLBACK": ["安装后未回访"]}
    staff = [f"工号{n:03d}" for n in range(101, 121)]
    out.put(folder / "observations.csv",
            csv_bytes(draw_observations(rng, standards, 24, Q3, roles, staff, ZH_SHIFTS, notes), "utf-8"))

    complaints = ComplaintSpec(
        n=58, categories={"送货延误": 27, "安装延误": 10, "商品质量": 8, "价格": 6, "服务态度": 4, "其他": 3},
        channels={"400热线": 30, "门店": 18, "电商平台": 10}, severity={"low": 2, "medium": 5, "high": 3},
        resolved=0.74, median_hours=30, spread=0.9, id_prefix="TS")
    out.put(folder / "complaints.csv", csv_bytes(draw_complaints(rng, complaints, Q3), "utf-8-sig"))
    out.put(folder / "errors.csv", csv_bytes(draw_errors(
        rng, 19, {"送错型号": 5, "漏送配件": 7, "发票错误": 4, "其他": 3}, {"low": 4, "medium": 4, "high": 2},
        Q3, "CC"), "utf-8-sig"))


LUBRICANT_ITEMS = [
    ("TAN1", "tangibles", "hardware", "equipment", "油品化验和检测设备先进"),
    ("TAN2", "tangibles", "hardware", "store", "服务网点和仓库整洁有序"),
    ("TAN3", "tangibles", "", "appearance", "服务人员着装规范，佩戴工牌"),
    ("TAN4", "tangibles", "", "service_system", "技术资料和产品手册清楚易懂"),
    ("REL1", "reliability", "responsibility", "process", "承诺的上门时间能准时做到"),
    ("REL2", "reliability", "responsibility", "complaint_handling", "出现用油故障时，服务人员真心帮我解决"),
    ("REL3", "reliability", "technique", "process", "第一次就把问题处理好"),
    ("REL4", "reliability", "management", "products", "按约定时间、数量送货"),
    ("REL5", "reliability", "management", "service_system", "油品检测报告准确无误"),
    ("RES1", "responsiveness", "attitude", "expression", "服务人员明确告诉我服务何时完成"),
    ("RES2", "responsiveness", "management", "process", "服务热线响应迅速"),
    ("RES3", "responsiveness", "attitude", "attitude", "服务人员总是乐意帮忙"),
    ("RES4", "responsiveness", "attitude", "attitude", "服务人员再忙也会及时回复我"),
    ("ASS1", "assurance", "technique", "expression", "服务人员讲解清楚，让我信任"),
    ("ASS2", "assurance", "responsibility", "products", "产品质量和来源让我放心"),
    ("ASS3", "assurance", "attitude", "attitude", "服务人员礼貌，态度好"),
    ("ASS4", "assurance", "technique", "expression", "服务人员懂油品，也懂我的设备"),
    ("EMP1", "empathy", "attitude", "attitude", "服务人员关心我的实际困难"),
    ("EMP2", "empathy", "management", "service_system", "服务时间安排方便"),
    ("EMP3", "empathy", "highlights", "service_system", "定期上门回访和免费油品检测"),
    ("EMP4", "empathy", "responsibility", "products", "真心帮我降低用油成本"),
    ("EMP5", "empathy", "technique", "expression", "服务人员了解我的工况和具体需求"),
]


def lubricant_aftersales(rng: random.Random, out: Writer) -> None:
    """Pharmacy gap: sound written standards, poor delivery; slow complaints; weak people corner."""
    folder = ROOT / "lubricant-aftersales"
    items = [(i, d) for i, d, *_ in LUBRICANT_ITEMS]
    means = {
        # hardware and products are good: the lab, the depot, the oil itself
        "TAN1": (5.6, 6.0, 5.2), "TAN2": (5.3, 5.7, 4.5), "TAN4": (5.6, 5.4, 4.9),
        "REL4": (6.2, 5.8, 6.1), "REL5": (6.2, 5.7, 5.9), "ASS2": (6.4, 6.2, 6.6), "EMP4": (6.0, 5.1, 5.8),
        "EMP2": (5.4, 5.2, 4.7), "EMP3": (5.6, 4.0, 5.2),
        # the people corner is weak: appearance, attitude, expression
        "TAN3": (5.5, 3.8, 4.6), "RES3": (6.0, 4.2, 5.6), "RES4": (6.0, 3.9, 5.7), "ASS3": (6.0, 4.3, 5.5),
        "EMP1": (5.7, 4.1, 5.3), "RES1": (6.1, 4.0, 5.8), "ASS1": (6.2, 4.4, 6.0), "ASS4": (6.4, 4.6, 6.3),
        "EMP5": (6.1, 4.2, 5.9),
        # process: promised visits late, complaints drag on
        "REL1": (6.4, 4.3, 6.4), "REL2": (6.4, 3.8, 6.5), "REL3": (6.3, 4.5, 6.2), "RES2": (6.0, 4.8, 5.7),
    }
    check_story("lubricant-aftersales survey", [i for i, _ in items], means)
    spec = SurveySpec(n=214, means=means, missing=0.04, skip_importance=0.12, respondent_prefix="HR-")
    questionnaire = [{"id": i, "dimension": d, "factor": f or None, "element": e, "text": t}
                     for i, d, f, e, t in LUBRICANT_ITEMS]
    out.put(folder / "survey.xlsx", xlsx_bytes([("问卷数据", draw_survey(rng, items, spec)),
                                                ("问卷题目", questionnaire)]))

    # good standards, not followed: compliance 35-60 %
    standards = {"ONSITE24": (0.46, 0.14), "LABREPORT": (0.58, 0.12), "EXPLAIN": (0.35, 0.25),
                 "UNIFORM": (0.40, 0.15), "CALLBACK": (0.30, 0.15), "COMPLAINT48": (0.38, 0.12),
                 "FILE": (0.55, 0.20), "SAMPLE": (0.62, 0.10), "GREET": (0.45, 0.20)}
    check_story("lubricant-aftersales standards", standard_ids(folder), standards)
    roles = {"ONSITE24": "服务工程师", "LABREPORT": "化验员", "EXPLAIN": "服务工程师", "UNIFORM": "服务工程师",
             "CALLBACK": "客服专员", "COMPLAINT48": "服务主管", "FILE": "客服专员", "SAMPLE": "服务工程师",
             "GREET": "服务工程师"}
    notes = {"ONSITE24": ["接报后第 3 天才上门", "未与客户确认上门时间"],
             "EXPLAIN": ["只留下报告，未讲解换油建议", "对设备工况不了解，答不上客户问题"],
             "UNIFORM": ["未穿工作服", "未佩戴工牌"], "CALLBACK": ["服务后未回访"],
             "COMPLAINT48": ["投诉 5 天未给答复", "投诉转交销售后无人跟进"],
             "GREET": ["进门未自我介绍", "与客户争辩用油责任"]}
    na = {"COMPLAINT48": 0.45, "LABREPORT": 0.2}
    staff = [f"工程师{n:02d}" for n in range(1, 9)] + ["客服01", "客服02", "化验员01"]
    rows = draw_observations(rng, standards, 22, Q3, roles, staff, ZH_SHIFTS, notes, na, visit_prefix="FW")
    out.put(folder / "observations.csv", csv_bytes(rows, "gb18030"))

    complaints = ComplaintSpec(
        n=76, categories={"上门不及时": 22, "设备故障归因": 14, "送货延误": 10, "服务态度": 15, "检测报告": 7,
                          "其他": 8},
        channels={"服务热线": 40, "销售代表": 24, "微信": 12}, severity={"low": 2, "medium": 5, "high": 4},
        resolved=0.66, median_hours=110, spread=0.7, id_prefix="KS")
    out.put(folder / "complaints.csv", csv_bytes(draw_complaints(rng, complaints, Q3), "utf-8-sig"))
    # they apologise and explain; they rarely empathise, solve fast or commit to improve
    handling = draw_complaint_handling(rng, 12, {
        "apologise": (0.75, 0.15), "explain": (0.45, 0.35), "empathise": (0.10, 0.25),
        "solve_quickly": (0.15, 0.20), "commit": (0.05, 0.15), "thank": (0.35, 0.25)}, prefix="GC")
    out.put(folder / "complaint_handling.csv", csv_bytes(handling, "utf-8-sig"))
    out.put(folder / "errors.csv", csv_bytes(draw_errors(
        rng, 23, {"送错油品型号": 6, "检测报告延误": 9, "取样不规范": 5, "其他": 3}, {"low": 3, "medium": 5, "high": 2},
        Q3, "CC"), "utf-8-sig"))


def well_run_store(rng: random.Random, out: Writer) -> None:
    """A store that does most things right, with one critical-item failure that caps its grade."""
    folder = ROOT / "well-run-store"
    items = item_ids(folder)
    means = {
        "TAN1": (5.5, 6.0, 4.8), "TAN2": (5.8, 6.3, 5.1), "TAN3": (5.4, 6.3, 4.4), "TAN4": (5.6, 6.0, 4.9),
        "REL1": (6.3, 6.2, 6.5), "REL2": (6.2, 6.3, 6.1), "REL3": (6.3, 6.1, 6.4), "REL4": (6.1, 6.1, 5.9),
        "REL5": (6.0, 6.2, 5.5),
        "RES1": (5.8, 5.9, 5.2), "RES2": (6.0, 5.9, 5.7), "RES3": (5.7, 6.3, 5.1), "RES4": (5.6, 6.0, 5.0),
        "ASS1": (5.8, 6.1, 5.3), "ASS2": (6.1, 6.4, 5.9), "ASS3": (5.6, 6.4, 5.0), "ASS4": (5.9, 5.9, 5.5),
        "EMP1": (5.2, 5.9, 4.5), "EMP2": (5.8, 6.2, 5.3), "EMP3": (5.1, 5.8, 4.4), "EMP4": (6.0, 6.0, 5.7),
        "EMP5": (5.5, 5.8, 5.0),
    }
    check_story("well-run-store survey", [i for i, _ in items], means)
    spec = SurveySpec(n=243, means=means, missing=0.02, skip_importance=0.06, respondent_prefix="NG",
                      points={"tangibles": 14, "reliability": 30, "responsiveness": 20, "assurance": 19,
                              "empathy": 17})
    out.put(folder / "survey.csv", csv_bytes(draw_survey(rng, items, spec), "utf-8"))

    standards = {"GREET": (0.96, 0.03), "WALK": (0.93, 0.05), "STOCK": (0.94, 0.04), "PRICE": (0.97, 0.02),
                 "QUEUE": (0.92, 0.05), "FRESH": (0.95, 0.03), "REFUND": (0.97, 0.0), "SAFEPAY": (0.98, 0.02),
                 "KNOW": (0.93, 0.05), "COLDCHAIN": (1.0, 0.0)}
    check_story("well-run-store standards", standard_ids(folder), standards)
    roles = {"GREET": "floor staff", "WALK": "floor staff", "STOCK": "stock team", "PRICE": "stock team",
             "QUEUE": "checkout lead", "FRESH": "fresh team", "REFUND": "service desk", "SAFEPAY": "checkout lead",
             "KNOW": "floor staff", "COLDCHAIN": "fresh team"}
    staff = [f"staff-{n:02d}" for n in range(1, 25)]
    rows = draw_observations(rng, standards, 28, Q3, roles, staff, EN_SHIFTS, na={"REFUND": 0.3}, visit_prefix="NV")
    # the one critical failure the story is about: a cold-chain log gap found on the 19th visit
    for row in rows:
        if row["visit"] == "NV19" and row["standard"] == "COLDCHAIN":
            row["result"] = "no"
            row["note"] = "Dairy chiller 2 read 9 °C; no temperature entry for 7 hours; stock not quarantined"
    out.put(folder / "observations.csv", csv_bytes(rows, "utf-8"))

    complaints = ComplaintSpec(
        n=12, categories={"out of stock": 4, "price": 2, "queue": 3, "product quality": 2, "other": 1},
        channels={"service desk": 7, "email": 3, "app": 2}, severity={"low": 6, "medium": 3, "high": 1},
        resolved=0.95, median_hours=5, spread=0.6, id_prefix="NC")
    out.put(folder / "complaints.csv", csv_bytes(draw_complaints(rng, complaints, Q3), "utf-8"))
    out.put(folder / "errors.csv", csv_bytes(draw_errors(
        rng, 6, {"pricing": 3, "checkout": 2, "other": 1}, {"low": 5, "medium": 1}, Q3, "NE"), "utf-8"))


def acme_mart(rng: random.Random, out: Writer) -> None:
    """An Acme Mart store audited with the chain plugin: headquarters sends survey summaries, not raw answers."""
    folder = ROOT / "acme-mart-riverside"
    items = item_ids(folder)
    means = {
        "TAN1": (5.5, 5.7, 4.8), "TAN2": (5.8, 6.0, 5.1), "TAN3": (5.2, 6.0, 4.3), "TAN4": (5.6, 5.3, 5.0),
        "REL1": (6.3, 5.4, 6.4), "REL2": (6.2, 5.2, 6.2), "REL3": (6.4, 5.8, 6.5), "REL4": (6.0, 5.8, 5.8),
        "REL5": (5.9, 5.5, 5.4),
        "RES1": (5.8, 5.0, 5.3), "RES2": (6.0, 5.0, 5.8), "RES3": (5.6, 5.1, 5.3), "RES4": (5.5, 4.9, 5.1),
        "ASS1": (5.7, 5.6, 5.2), "ASS2": (6.0, 6.1, 5.7), "ASS3": (5.5, 5.6, 4.9), "ASS4": (5.9, 5.0, 5.6),
        "EMP1": (5.2, 5.1, 4.5), "EMP2": (5.8, 6.1, 5.3), "EMP3": (5.1, 5.0, 4.4), "EMP4": (6.0, 5.5, 5.7),
        "EMP5": (5.5, 4.8, 5.0),
    }
    check_story("acme-mart-riverside survey", [i for i, _ in items], means)
    spec = SurveySpec(n=186, means=means, missing=0.03, skip_importance=0.08)
    summary = summarise_survey(draw_survey(rng, items, spec), items)
    out.put(folder / "survey_summary.csv", csv_bytes(summary, "utf-8"))

    # FRESH is a critical item chain-wide (the plugin's defaults): this store keeps it on every visit
    standards = {"GREET": (0.86, 0.08), "STOCK": (0.80, 0.12), "PRICE": (0.92, 0.05), "QUEUE": (0.70, 0.15),
                 "FRESH": (1.0, 0.0)}
    check_story("acme-mart-riverside standards", standard_ids(folder), standards)
    roles = {"GREET": "floor staff", "STOCK": "stock team", "PRICE": "stock team", "QUEUE": "checkout lead",
             "FRESH": "fresh team"}
    staff = [f"AM-{n:03d}" for n in range(1, 19)]
    out.put(folder / "observations.csv", csv_bytes(
        draw_observations(rng, standards, 20, Q3, roles, staff, EN_SHIFTS, visit_prefix="AV"), "utf-8"))

    # the chain's house-standard checks (read by the gapaudit-acme plugin's acme_house_standards module):
    # staff point instead of walking customers to the product (≈55 % walk), the eight-tooth smile is
    # kept (teeth ≈ N(9, 1)), and the service desk skips steps of the complaint procedure (≈ 4.6 of 6)
    house = []
    for k in range(60):
        walked = rng.random() < 0.55
        house.append({
            "visit": f"AV{k // 3 + 1:02d}", "staff": rng.choice(staff),
            "walked_to_product": "yes" if walked else "no",
            "smile_teeth": min(12, max(0, round(rng.gauss(9.0, 1.0)))),
            "complaint_steps": (min(6, max(0, round(rng.gauss(4.6, 1.2)))) if k % 3 == 0 else None),
        })
    out.put(folder / "house_checks.csv", csv_bytes(house, "utf-8"))
    complaints = ComplaintSpec(
        n=22, categories={"out of stock": 8, "queue": 6, "staff": 3, "price": 3, "other": 2},
        channels={"service desk": 12, "app": 6, "phone": 4}, severity={"low": 4, "medium": 5, "high": 1},
        resolved=0.86, median_hours=16, spread=0.8, id_prefix="AC")
    out.put(folder / "complaints.csv", csv_bytes(draw_complaints(rng, complaints, Q3), "utf-8"))


SAMPLES: dict[str, Callable[[random.Random, Writer], None]] = {
    "community-supermarket": community_supermarket,
    "electronics-retailer": electronics_retailer,
    "lubricant-aftersales": lubricant_aftersales,
    "well-run-store": well_run_store,
    "acme-mart-riverside": acme_mart,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("samples", nargs="*", metavar="SAMPLE",
                        help=f"samples to write (default: all): {', '.join(SAMPLES)}")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if any file would change")
    args = parser.parse_args(argv)
    unknown = [s for s in args.samples if s not in SAMPLES]
    if unknown:
        parser.error(f"unknown sample(s) {', '.join(unknown)}; choose from {', '.join(SAMPLES)}")
    out = Writer(args.check)
    for name, make in SAMPLES.items():
        if args.samples and name not in args.samples:
            continue
        # one generator per sample, seeded from SEED and the name, so samples are independent of each other
        make(random.Random(f"{SEED}:{name}"), out)
    if args.check:
        for path in out.differ:
            print(f"differs: {path.relative_to(ROOT.parent)}", file=sys.stderr)
        return 1 if out.differ else 0
    for path in out.written:
        print(f"wrote {path.relative_to(ROOT.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
