"""The action register: the action plan as a table to track, in CSV and XLSX, in the audit's language.

One row per action in plan order (each problem's lead, then its steps), with what a tracker needs: status,
owner, due date, the target and the metric that tracks it with its value now; with a history database, how
that metric moved since the previous audit for an action carried over (see :mod:`gapaudit.tracking`).
Headers and codes are in the report language (``短期``, ``诊断差距``), so the file opens ready in Excel.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from gapaudit.model.result import Action, AuditResult, Metric
from gapaudit.render import i18n
from gapaudit.render.data import _safe_cell, workbook_bytes
from gapaudit.tracking import target_metric

COLUMNS: list[tuple[str, dict[str, str]]] = [
    ("rank", {"en": "Rank", "zh": "序号"}),
    ("problem", {"en": "Problem", "zh": "问题"}),
    ("role", {"en": "Role", "zh": "角色"}),
    ("id", {"en": "Action ID", "zh": "行动编号"}),
    ("action", {"en": "Action", "zh": "行动"}),
    ("concerns", {"en": "Concerns", "zh": "涉及"}),
    ("gap", {"en": "Gap / module", "zh": "差距环节／模块"}),
    ("owner", {"en": "Owner", "zh": "负责岗位"}),
    ("horizon", {"en": "Horizon", "zh": "期限"}),
    ("due", {"en": "Due", "zh": "截止日期"}),
    ("status", {"en": "Status", "zh": "状态"}),
    ("priority", {"en": "Priority (expected points)", "zh": "优先级（预期得分）"}),
    ("impact", {"en": "Overall score change when reached", "zh": "达成后综合得分变化"}),
    ("customers", {"en": "Customers kept a year", "zh": "每年留住顾客"}),
    ("target", {"en": "Target", "zh": "目标"}),
    ("metric", {"en": "Target metric", "zh": "目标指标"}),
    ("current", {"en": "Current value", "zh": "当前值"}),
    ("goal", {"en": "Target value", "zh": "目标值"}),
    ("evidence", {"en": "Evidence", "zh": "证据"}),
]
HISTORY_COLUMNS: list[tuple[str, dict[str, str]]] = [
    ("previous", {"en": "Value at the previous audit", "zh": "上次审核时的值"}),
    ("change", {"en": "Change", "zh": "变化"}),
    ("progress", {"en": "Progress", "zh": "进展"}),
]
WORDS = {
    "lead": {"en": "lead action", "zh": "首要行动"},
    "step": {"en": "step", "zh": "步骤"},
    "single": {"en": "action", "zh": "单项行动"},
    "open": {"en": "not started", "zh": "未开始"},
    "not_comparable": {"en": "not comparable", "zh": "无法比较"},
    "sheet": {"en": "Action register", "zh": "行动登记表"},
    "notes": {"en": "How to read it", "zh": "填写说明"},
}
NOTES = [
    {"en": "One row per action, in the order of the action plan: each problem's lead action, then its steps.",
     "zh": "每项行动一行，顺序同行动计划：每个问题先列首要行动，再列其步骤。"},
    {"en": "Status: set it as work goes (not started, in progress, done); the report starts every action at "
          "'not started'.", "zh": "状态：随工作进展填写（未开始、进行中、已完成）；报告中所有行动的初始状态均为“未开始”。"},
    {"en": "Target metric and current value: the measure the action aims to move, as this audit found it; the "
          "next audit shows where it went.", "zh": "目标指标与当前值：该行动要改变的指标及本次审核的数值；下次审核可看到其变化。"},
]


def _w(key: str, lang: str) -> str:
    return i18n.lookup(WORDS, key, lang)


def _metrics(result: AuditResult) -> dict[str, Metric]:
    return {m.id: m for module in result.modules.values() for m in module.metrics}


def metric_value(metric: Metric | None, value: Any, lang: str) -> str:
    if metric is None or value is None:
        return ""
    unit = metric.unit or ""
    text = i18n.fmt_num(value, None if isinstance(value, int) else 2 if abs(value) < 10 else 1, lang)
    return f"{text}{'' if unit in ('', '%') else ' '}{unit}"


def rows(result: AuditResult, lang: str | None = None) -> tuple[list[str], list[list[Any]]]:
    """The header and rows of the register, in the report language."""
    from gapaudit.render.document import short_title
    from gapaudit.render.plan import subject_label, text as plan_text

    lang = lang or str(result.audit.get("language") or "en")
    history = any(a.progress is not None for a in result.actions)
    columns = COLUMNS + (HISTORY_COLUMNS if history else [])
    header = [i18n.lookup(dict(columns), key, lang) for key, _ in columns]
    problems = {p.id: p for p in result.problems}
    metrics = _metrics(result)
    out: list[list[Any]] = []
    rank = step = 0
    for a in result.actions:
        if a.role == "step":
            step += 1
            number = f"{rank}.{step}"
        else:
            rank, step = rank + 1, 0
            number = str(rank)
        target, metric = target_metric(a, metrics)
        refs = list(dict.fromkeys([*a.about, *(t.about for t in a.targets if t.about)]))
        row = {
            "rank": number,
            "problem": problems[a.problem].title if a.problem in problems else "",
            "role": _w(a.role or "single", lang),
            "id": a.id,
            "action": a.title,
            "concerns": i18n.t("list_sep", lang).join(subject_label(r, result, lang) for r in refs),
            "gap": short_title(a.gap, result.modules[a.gap].title if a.gap in result.modules else None, lang),
            "owner": a.owner_role,
            "horizon": i18n.t("horizon_" + a.horizon, lang),
            "due": a.due.isoformat() if a.due else "",
            "status": _w("open", lang),
            "priority": a.priority if a.impact is not None and a.impact.overall is not None else "",
            "impact": a.impact.overall if a.impact is not None and a.impact.overall is not None else "",
            "customers": a.impact.customers_per_year if a.impact is not None and a.impact.customers_per_year
            is not None else "",
            "target": "; ".join(t.label for t in a.targets if t.label) if a.role == "lead" else
            (target.label if target is not None else ""),
            "metric": metric.label if metric is not None else "",
            "current": metric_value(metric, metric.value, lang) if metric is not None else "",
            "goal": metric_value(metric, target.goal, lang) if metric is not None and target is not None else "",
            "evidence": " | ".join(a.evidence),
        }
        if history:
            p = a.progress
            row |= {"previous": metric_value(metric, p.previous, lang) if p and metric else "",
                    "change": i18n.fmt_num(p.change, 2, lang, sign=True) if p and p.change is not None else "",
                    "progress": (_w(p.verdict, lang) if p.verdict == "not_comparable" else plan_text(p.verdict, lang))
                    if p else ""}
        out.append([row[key] for key, _ in columns])
    return header, out


def to_csv(result: AuditResult, *, lang: str | None = None, **_: Any) -> bytes:
    """The register as CSV, UTF-8 with BOM (Excel shows Chinese correctly)."""
    header, body = rows(result, lang)
    buf = io.StringIO(newline="")
    out = csv.writer(buf, lineterminator="\r\n")
    out.writerow(header)
    for row in body:
        out.writerow([_safe_cell(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(result: AuditResult, *, lang: str | None = None, **_: Any) -> bytes:
    """The register as an XLSX workbook: the register sheet (frozen header, filters) and a sheet of notes.

    Reproducible: the workbook's dates and its files' timestamps are the audit date.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    lang = lang or str(result.audit.get("language") or "en")
    header, body = rows(result, lang)
    wb = Workbook()
    ws = wb.active
    ws.title = _w("sheet", lang)
    ws.append(header)
    for row in body:
        ws.append([_safe_cell(v) for v in row])
    bold, fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F4E79")
    for cell in ws[1]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    widths = {"rank": 7, "problem": 28, "role": 12, "id": 30, "action": 50, "concerns": 40, "gap": 14,
              "owner": 16, "horizon": 9, "due": 12, "status": 12, "priority": 11, "impact": 11, "customers": 11,
              "target": 40, "metric": 30, "current": 12, "goal": 12, "evidence": 60, "previous": 14, "change": 10,
              "progress": 18}
    keys = [key for key, _ in COLUMNS + HISTORY_COLUMNS][:len(header)]
    for i, key in enumerate(keys, 1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = widths.get(key, 14)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = wrap
    ws.freeze_panes = "F2"
    ws.auto_filter.ref = ws.dimensions
    notes = wb.create_sheet(_w("notes", lang))
    for note in NOTES:
        notes.append([i18n.lookup({"x": note}, "x", lang)])
    notes.append([i18n.lookup({"x": {"en": "Priority", "zh": "优先级"}}, "x", lang) + ": "
                  + str(result.data_quality.get("rules", {}).get("priority", ""))])
    notes.column_dimensions["A"].width = 120
    for row in notes.iter_rows():
        row[0].alignment = wrap
    wb.properties.creator = f"gapaudit {result.gapaudit_version}"
    return workbook_bytes(wb, _audit_datetime(result))


def _audit_datetime(result: AuditResult) -> dt.datetime:
    try:
        day = dt.date.fromisoformat(str(result.audit.get("date"))[:10])
    except ValueError:
        day = dt.date(1980, 1, 1)
    return dt.datetime(max(day.year, 1980), day.month, day.day)


