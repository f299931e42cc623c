#!/usr/bin/env python3
"""Generate many valid, varied store audits for batch tests and benchmarks.

    python scripts/gen_stores.py OUT_DIR --stores 1000 [--seed 1] [--broken 0] [--quarter 2026-Q3]

Writes ``OUT_DIR/<store id>/audit.yaml`` plus its CSV evidence (survey,
management estimates, observations, complaints, errors), the layout a chain
keeps. Every store draws its own quality level, so scores spread; regions
rotate over a few names. ``--broken K`` makes the last K audits invalid
(a wrong survey value, an unknown key), to exercise failure handling.
Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
from pathlib import Path

REGIONS = ["North", "South", "East", "West", "Central"]
DIMENSIONS = {"tangibles": 4, "reliability": 5, "responsiveness": 4, "assurance": 4, "empathy": 5}
FACTORS = ["attitude", "technique", "responsibility", "hardware", "management", "highlights"]
ELEMENTS = ["appearance", "attitude", "expression", "store", "equipment", "products", "process",
            "complaint_handling", "service_system"]
STANDARDS = [
    ("GREET", "Greet every customer within 10 seconds", "attitude", "attitude"),
    ("QUEUE", "No more than three customers waiting at a till", "management", "process"),
    ("STOCK", "Best-sellers checked and refilled every morning", "management", "products"),
    ("FRESH", "Fresh food checked three times a day", "responsibility", "products"),
    ("CLEAN", "Floor and shelves cleaned on a schedule", "hardware", "store"),
    ("ANSWER", "Staff answer product questions or fetch someone who can", "technique", "expression"),
    ("RETURN", "Returns handled at the counter in under 5 minutes", "responsibility", "complaint_handling"),
    ("UNIFORM", "Uniform and name badge at all times", "attitude", "appearance"),
]
SHIFTS = ["morning", "afternoon", "evening"]
ROLES = ["cashier", "floor", "service desk"]


def _items() -> list[tuple[str, str]]:
    return [(f"{dim[:3].upper()}{i + 1}", dim) for dim, n in DIMENSIONS.items() for i in range(n)]


def _clip(x: float, lo: int = 1, hi: int = 7) -> int:
    return max(lo, min(hi, round(x)))


def _csv(rows: list[list[object]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def store_files(index: int, rng: random.Random, quarter: str = "2026-Q3", broken: bool = False) -> dict[str, str]:
    """File name → text of one generated store's audit folder."""
    year, q = int(quarter[:4]), int(quarter[-1])
    month = 3 * q
    sid = f"S{index:04d}"
    region = REGIONS[index % len(REGIONS)]
    quality = rng.uniform(-2.2, 0.6)  # mean perception − expectation of this store
    items = _items()
    item_effect = {iid: rng.gauss(0, 0.6) for iid, _ in items}
    expect = {iid: rng.uniform(5.0, 6.6) for iid, _ in items}

    n = rng.randint(25, 60)
    head = ["respondent"] + [f"{p}_{iid}" for p in ("E", "P", "I") for iid, _ in items]
    survey = [head]
    for r in range(n):
        row: list[object] = [f"R{r + 1}"]
        row += [_clip(rng.gauss(expect[iid], 0.8)) for iid, _ in items]
        row += [_clip(rng.gauss(expect[iid] + quality + item_effect[iid], 1.0)) for iid, _ in items]
        row += [_clip(rng.gauss(expect[iid], 1.0)) if rng.random() > 0.05 else "" for iid, _ in items]
        survey.append(row)
    if broken:
        survey[3][5] = "twelve"

    management = [["item", "expectation", "importance", "invests"]]
    for iid, _ in items:
        management.append([iid, round(min(7, max(1, expect[iid] + rng.gauss(-0.3, 0.8))), 1),
                           round(min(7, max(1, rng.gauss(5.5, 1.0))), 1), rng.choice(["yes", "no", "partly"])])

    comply = min(0.98, max(0.3, 0.85 + quality * 0.15))
    obs = [["visit", "standard", "result", "date", "shift", "role", "staff"]]
    visits = rng.randint(6, 14)
    for v in range(visits):
        day = f"{year}-{month:02d}-{1 + v * 2:02d}"
        shift, role = rng.choice(SHIFTS), rng.choice(ROLES)
        for sid_, *_ in STANDARDS:
            p = comply + rng.gauss(0, 0.1)
            obs.append([f"V{v + 1}", sid_, "yes" if rng.random() < p else "no", day, shift, role,
                        f"staff{rng.randint(1, 8)}"])

    complaints = [["id", "date", "channel", "category", "severity", "resolved", "hours_to_resolve", "outcome"]]
    for c in range(rng.randint(0, 25)):
        resolved = rng.random() < 0.75
        complaints.append([f"C{c + 1}", f"{year}-{month:02d}-{rng.randint(1, 28):02d}",
                           rng.choice(["counter", "hotline", "wechat"]),
                           rng.choice(["stock", "price", "attitude", "queue", "quality"]),
                           rng.choice(["low", "medium", "high"]), "yes" if resolved else "no",
                           round(rng.expovariate(1 / 30), 1) if resolved else "",
                           rng.choice(["kept", "lost", "unknown"])])
    errors = [["id", "date", "category", "severity"]]
    for e in range(rng.randint(0, 15)):
        errors.append([f"E{e + 1}", f"{year}-{month:02d}-{rng.randint(1, 28):02d}",
                       rng.choice(["price", "change", "order"]), rng.choice(["low", "medium", "high"])])

    def ans() -> str:
        return rng.choice(["yes", "yes", "partly", "no"])

    standards = "\n".join(
        f"    - {{id: {s}, title: \"{t}\", covers: [{items[(k * 3) % len(items)][0]}, "
        f"{items[(k * 3 + 1) % len(items)][0]}], documented: {ans()}, specific: {ans()}, "
        f"customer_side: {ans()}, consistent: {ans()}, known_by_staff: {ans()}, management_support: {ans()}, "
        f"factor: {f}, element: {el}, critical: {'true' if s == 'FRESH' else 'false'}}}"
        for k, (s, t, f, el) in enumerate(STANDARDS))
    promises = "\n".join(
        f"    - {{id: P{k + 1}, text: \"{t}\", channel: {ch}, kept: {kept}, total: 20, items: [{iid}]}}"
        for k, (t, ch, iid) in enumerate([("Fresh or your money back", "poster", "REL3"),
                                          ("Checkout in under 5 minutes", "advertising", "RES2"),
                                          ("Out-of-stock items ordered within 2 days", "staff", "REL2")])
        for kept in [max(0, min(20, round(20 * (comply + rng.gauss(0, 0.1)))))])
    questionnaire = "\n".join(
        f"      - {{id: {iid}, dimension: {dim}, factor: {FACTORS[k % 6]}, element: {ELEMENTS[k % 9]}, "
        f"text: \"Item {iid} of {dim}\"}}" for k, (iid, dim) in enumerate(items))
    rubric = ", ".join(f"{f}: {rng.randint(2, 5)}" for f in FACTORS)
    handling = "\n".join(
        f"    - {{case: H{k + 1}, apologise: {ans()}, explain: {ans()}, empathise: {ans()}, "
        f"solve_quickly: {ans()}, commit: {ans()}, thank: {ans()}}}" for k in range(3))
    extra_key = "\n  colour: blue" if broken else ""
    audit = f"""# generated by scripts/gen_stores.py
schema_version: 1
audit:
  id: {quarter}-{sid}
  date: {year}-{month:02d}-28
  auditor: Generated
  language: en
  period: {quarter}
store:
  id: {sid}
  name: Store {sid}
  chain: Generated Mart
  region: {region}
  type: supermarket{extra_key}
evidence:
  questionnaire:
    scale: {{min: 1, max: 7}}
    items:
{questionnaire}
  survey:
    responses: {{file: survey.csv}}
  management: {{file: management.csv}}
  listening:
    survey_cadence: {rng.choice(["monthly", "quarterly", "yearly", "never"])}
    complaint_channels: [counter, hotline]
    rewards_for_feedback: {ans()}
    feedback_reaches_management_days: {rng.randint(1, 30)}
  standards:
{standards}
  observations: {{file: observations.csv}}
  promises:
{promises}
  complaints: {{file: complaints.csv}}
  complaint_handling:
{handling}
  errors: {{file: errors.csv}}
  volume: {{transactions: {rng.randint(8000, 60000)}, customers: {rng.randint(3000, 20000)}, period_days: 90}}
  lost_customers:
    - {{reason: indifference, count: {rng.randint(0, 12)}}}
    - {{reason: competition, count: {rng.randint(0, 5)}}}
    - {{reason: product, count: {rng.randint(0, 5)}}}
  rubric:
    scores: {{{rubric}}}
  highlights:
    - {{name: Home delivery, customer_rating: {rng.randint(20, 90)}}}
"""
    return {"audit.yaml": audit, "survey.csv": _csv(survey), "management.csv": _csv(management),
            "observations.csv": _csv(obs), "complaints.csv": _csv(complaints), "errors.csv": _csv(errors)}


def generate(out: Path, stores: int, seed: int = 1, broken: int = 0, quarter: str = "2026-Q3",
             start: int = 1) -> list[Path]:
    """Write ``stores`` audit folders under ``out``; return the audit files."""
    rng = random.Random(seed)
    paths = []
    for k in range(stores):
        index = start + k
        folder = out / f"S{index:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in store_files(index, rng, quarter, broken=k >= stores - broken).items():
            (folder / name).write_text(text, "utf-8")
        paths.append(folder / "audit.yaml")
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--stores", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--broken", type=int, default=0)
    ap.add_argument("--quarter", default="2026-Q3")
    args = ap.parse_args()
    paths = generate(args.out, args.stores, args.seed, args.broken, args.quarter)
    print(f"wrote {len(paths)} audits under {args.out}")


if __name__ == "__main__":
    main()
