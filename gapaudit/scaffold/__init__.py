"""``gapaudit init``: a new audit folder that ``gapaudit validate`` accepts as it is.

The YAML template is commented in the chosen language; the CSV templates
carry exactly the headers the input model expects (derived from the model,
so they never drift), and the questionnaire is the 22-item SERVQUAL bank.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from importlib.resources import files
from pathlib import Path

from gapaudit.model import audit as m

#: evidence CSV file → row model whose field names are its header
CSV_TEMPLATES: dict[str, type] = {
    "management.csv": m.ManagementEstimate,
    "standards.csv": m.Standard,
    "observations.csv": m.Observation,
    "promises.csv": m.Promise,
    "complaints.csv": m.Complaint,
    "complaint_handling.csv": m.ComplaintHandling,
    "errors.csv": m.ServiceError,
    "lost_customers.csv": m.LostCustomer,
}


def servqual_items(lang: str) -> list[dict[str, str]]:
    """The 22 SERVQUAL items (id, dimension, factor, element, text in ``lang``)."""
    text = files(__package__).joinpath("files", "servqual_items.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    return [{"id": r["id"], "text": r[f"text_{lang}"], "dimension": r["dimension"], "factor": r["factor"],
             "element": r["element"]} for r in rows]


def _csv(header: list[str], rows: list[list[str]] = ()) -> str:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def scaffold(directory: Path, lang: str = "en", *, force: bool = False, today: dt.date | None = None) -> list[Path]:
    """Write the audit template into ``directory``; refuse to overwrite unless ``force``."""
    today = today or dt.date.today()
    items = servqual_items(lang)
    contents: dict[str, str] = {
        "audit.yaml": files(__package__).joinpath("files", f"audit.{lang}.yaml").read_text("utf-8")
        .replace("{audit_id}", f"{today.year}Q{(today.month - 1) // 3 + 1}-S001")
        .replace("{today}", today.isoformat()),
        "questionnaire.csv": _csv(["id", "text", "dimension", "factor", "element"],
                                  [[i["id"], i["text"], i["dimension"], i["factor"], i["element"]] for i in items]),
        "survey.csv": _csv(["respondent"] + [f"{p}_{i['id']}" for p in ("E", "P", "I") for i in items]),
    }
    for name, model in CSV_TEMPLATES.items():
        contents[name] = _csv(list(model.model_fields))
    directory = Path(directory)
    targets = [directory / name for name in contents]
    if not force:
        for target in targets:
            if target.exists():
                raise FileExistsError(str(target))
    directory.mkdir(parents=True, exist_ok=True)
    for target in targets:
        target.write_text(contents[target.name], encoding="utf-8")
    return targets
