"""A clothing store whose one clear problem is fitting-room waits, seen by every kind of evidence.

Customers expect a fitting room quickly and do not get one (survey gap), management thinks they do not mind
(management estimates), the written standard exists and is sound but mystery visits find it met 2 times in
10 (observations), and "fitting rooms" is the top complaint category, linked to the standard. Everything
else is fine. Built as a dict so each test can copy and edit it by hand.
"""

from __future__ import annotations

import copy
import random
from typing import Any

ITEMS = [
    # id, dimension, factor, element, text
    ("FIT", "responsiveness", "responsibility", "process", "I get a fitting room without waiting"),
    ("SIZE", "reliability", "management", "products", "My size is in stock"),
    ("STAFF", "assurance", "attitude", "attitude", "Staff are friendly and polite"),
    ("CLEAN", "tangibles", "hardware", "store", "The store is clean and tidy"),
    ("PAY", "responsiveness", "management", "process", "Paying is quick"),
    ("CARE", "empathy", "attitude", "attitude", "Staff notice what I need"),
]
STANDARDS = {"FIT": "FITROOM", "SIZE": "SIZES", "STAFF": "GREET", "CLEAN": "TIDY", "PAY": "TILLS", "CARE": "ASK"}
RESPONDENTS = 40
FIT_OBSERVATIONS = ["yes", "no", "no", "yes", "no", "no", "no", "no", "no", "no"]  # 2 of 10 met


def fitting_room_audit() -> dict[str, Any]:
    """The audit as a dict (fresh on every call)."""
    rng = random.Random(12)
    rows = []
    for r in range(RESPONDENTS):
        row: dict[str, Any] = {"respondent": f"R{r + 1:02d}"}
        for item, *_ in ITEMS:
            if item == "FIT":
                e, p, i = rng.choice([5, 6, 6, 7]), rng.choice([2, 3, 3, 4]), rng.choice([6, 7, 7])
            else:
                e = rng.choice([5, 5, 6])
                p, i = e + rng.choice([0, 0, 1]), rng.choice([4, 5, 6])
            row |= {f"E_{item}": e, f"P_{item}": min(p, 7), f"I_{item}": i}
        rows.append(row)
    observations = []
    for v in range(10):
        for item, std in STANDARDS.items():
            result = FIT_OBSERVATIONS[v] if std == "FITROOM" else "yes"
            observations.append({"visit": f"V{v + 1:02d}", "standard": std, "result": result,
                                 "shift": "early" if v % 2 == 0 else "late"})
    complaints = []
    categories = ["fitting rooms"] * 14 + ["checkout"] * 5 + ["stock"] * 4 + ["cleanliness"] * 3
    for k, category in enumerate(categories):
        complaints.append({"id": f"C{k + 1:03d}", "date": f"2026-0{7 + k % 3}-{10 + k % 18:02d}",
                           "category": category, "severity": "medium", "resolved": True, "hours_to_resolve": 4})
    return copy.deepcopy({
        "schema_version": 1,
        "audit": {"id": "2026Q3-FR1", "date": "2026-09-30", "language": "en"},
        "store": {"id": "FR1", "name": "High Street Fashion"},
        "evidence": {
            "questionnaire": {"scale": {"min": 1, "max": 7}, "items": [
                {"id": i, "dimension": d, "factor": f, "element": e, "text": t} for i, d, f, e, t in ITEMS]},
            "survey": {"responses": rows},
            "management": [
                {"item": i, "expectation": 3.5 if i == "FIT" else 5.4, "importance": 3 if i == "FIT" else 5,
                 "invests": "no" if i == "FIT" else "yes"} for i, *_ in ITEMS],
            "standards": [
                {"id": std, "title": f"Standard for {item}", "covers": [item], "documented": "yes", "specific": "yes",
                 "customer_side": "yes", "consistent": "yes", "known_by_staff": "yes", "management_support": "yes"}
                for item, std in STANDARDS.items()],
            "observations": observations,
            "complaints": complaints,
            "errors": [],
            "volume": {"transactions": 30000, "customers": 12000, "period_days": 90,
                       "logs_kept": ["complaints", "errors"]},
        },
        "links": {"complaint_categories": {"fitting rooms": ["FITROOM"]}},
    })
