"""``gapaudit init``: a new audit folder that ``gapaudit validate`` accepts as it is.

The YAML template is commented in the chosen language and every placeholder is left
unfilled, so an untouched field is "no data", never a scored zero. The evidence tables are
CSV templates, or with ``workbook=True`` the sheets of one capture workbook
(:mod:`gapaudit.scaffold.workbook`); either way their headers are the input model's fields
(so they never drift) and the questionnaire is the 22-item SERVQUAL bank.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from importlib.resources import files
from pathlib import Path

from gapaudit.model import audit as m

#: evidence table (its key in the audit file) → row model whose field names are its header;
#: the survey has none: its columns follow the questionnaire (respondent, E_/P_/I_<item>)
TABLES: dict[str, type | None] = {
    "questionnaire": m.QuestionItem,
    "survey": None,
    "management": m.ManagementEstimate,
    "standards": m.Standard,
    "observations": m.Observation,
    "promises": m.Promise,
    "promise_checks": m.PromiseCheck,
    "complaints": m.Complaint,
    "complaint_handling": m.ComplaintHandling,
    "errors": m.ServiceError,
    "lost_customers": m.LostCustomer,
}

#: the questionnaire scale the templates write (``evidence.questionnaire.scale``)
SCALE = (1, 7)

RATING_PREFIXES = ("E", "P", "I")


def servqual_items(lang: str) -> list[dict[str, str]]:
    """The 22 SERVQUAL items (id, text in ``lang``, dimension, factor, element)."""
    text = files(__package__).joinpath("files", "servqual_items.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    return [{"id": r["id"], "text": r[f"text_{lang}"], "dimension": r["dimension"], "factor": r["factor"],
             "element": r["element"]} for r in rows]


def display_width(text: str) -> int:
    """Columns ``text`` takes in a monospaced editor or a spreadsheet: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def header(table: str, items: list[dict[str, str]]) -> list[str]:
    """The column names of an evidence table: the row model's fields, or the survey's rating columns."""
    model = TABLES[table]
    if model is None:
        return ["respondent"] + [f"{p}_{i['id']}" for p in RATING_PREFIXES for i in items]
    return list(model.model_fields)


def _csv(header: list[str], rows: list[list[str]] = ()) -> str:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def audit_yaml(lang: str, refs: dict[str, str], today: dt.date) -> str:
    """The commented audit template with each ``@table@`` replaced by its file reference."""
    text = (files(__package__).joinpath("files", f"audit.{lang}.yaml").read_text("utf-8")
            .replace("{audit_id}", f"{today.year}Q{(today.month - 1) // 3 + 1}-S001")
            .replace("{today}", today.isoformat()))
    lines = text.split("\n")
    filled: list[int] = []
    for n, line in enumerate(lines):
        for table, ref in refs.items():
            if f"@{table}@" in line:
                lines[n] = line.replace(f"@{table}@", ref)
                filled.append(n)
    # line the trailing comments of the filled lines up again
    split = {n: lines[n].split(" # ", 1) for n in filled if " # " in lines[n]}
    width = max((display_width(code.rstrip()) for code, _ in split.values()), default=0) + 2
    for n, (code, comment) in split.items():
        code = code.rstrip()
        lines[n] = code + " " * (width - display_width(code)) + "# " + comment
    return "\n".join(lines)


def scaffold(directory: Path, lang: str = "en", *, force: bool = False, today: dt.date | None = None,
             workbook: bool = False) -> list[Path]:
    """Write the audit template into ``directory``; refuse to overwrite unless ``force``.

    With ``workbook``, the evidence tables are the sheets of ``audit.xlsx`` instead of CSV files.
    """
    today = today or dt.date.today()
    items = servqual_items(lang)
    contents: dict[str, str | bytes] = {}
    if workbook:
        from gapaudit.scaffold.workbook import WORKBOOK, build_workbook, sheet_name

        refs = {t: f"{{file: {WORKBOOK}, sheet: {sheet_name(t, lang)}}}" for t in TABLES}
        contents["audit.yaml"] = audit_yaml(lang, refs, today)
        contents[WORKBOOK] = build_workbook(lang, items)
    else:
        refs = {t: f"{{file: {t}.csv}}" for t in TABLES}
        contents["audit.yaml"] = audit_yaml(lang, refs, today)
        for table, model in TABLES.items():
            rows = [[i[f] for f in header(table, items)] for i in items] if table == "questionnaire" else []
            contents[f"{table}.csv"] = _csv(header(table, items), rows)
    directory = Path(directory)
    targets = [directory / name for name in contents]
    if not force:
        for target in targets:
            if target.exists():
                raise FileExistsError(str(target))
    directory.mkdir(parents=True, exist_ok=True)
    for target in targets:
        data = contents[target.name]
        target.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return targets
