"""The roll-up for people who work in Excel: ``rollup -f xlsx`` (a workbook) and ``-f csv`` (the ranking).

Sheets (in the roll-up's language): the full ranking with every module's score,
a heat map of every store × module with the report's colour bands as
conditional formatting, the recurring actions, the standards below target
chain-wide, regions, quarter trends, and how it was computed. Numbers are
numbers (not text), so HQ can sort, filter and chart them; text from results
is written as text, never as a formula.
"""

from __future__ import annotations

import csv
import io
from typing import Any, Callable, Mapping

from gapaudit.render.data import workbook_bytes
from gapaudit.render.data import _safe_cell as _safe  # text a spreadsheet would run as a formula stays text

#: sheet titles and column headers, by language
TEXT: dict[str, dict[str, str]] = {
    "ranking": {"en": "Ranking", "zh": "排名"},
    "heatmap": {"en": "Heat map", "zh": "热力图"},
    "actions": {"en": "Recurring actions", "zh": "反复出现的行动"},
    "findings": {"en": "Recurring findings", "zh": "反复出现的发现"},
    "standards": {"en": "Standards below target", "zh": "未达标的服务标准"},
    "regions": {"en": "Regions", "zh": "区域"},
    "trends": {"en": "Trends", "zh": "趋势"},
    "method": {"en": "How computed", "zh": "计算方法"},
    "rank": {"en": "Rank", "zh": "名次"},
    "store_id": {"en": "Store id", "zh": "门店编号"},
    "store": {"en": "Store", "zh": "门店"},
    "region": {"en": "Region", "zh": "区域"},
    "audit_id": {"en": "Audit", "zh": "审核编号"},
    "date": {"en": "Audit date", "zh": "审核日期"},
    "overall": {"en": "Overall", "zh": "总分"},
    "grade": {"en": "Grade", "zh": "等级"},
    "action": {"en": "Action", "zh": "行动"},
    "action_id": {"en": "Action id", "zh": "行动编号"},
    "gap": {"en": "Module", "zh": "模块"},
    "stores": {"en": "Stores", "zh": "门店数"},
    "share": {"en": "Share of stores", "zh": "门店占比"},
    "mean_priority": {"en": "Mean priority", "zh": "平均优先级"},
    "programme": {"en": "Chain programme candidate", "zh": "建议全连锁推进"},
    "yes": {"en": "yes", "zh": "是"},
    "finding": {"en": "Finding (chain-wide figures: median (range))", "zh": "发现（全连锁数字：中位数（范围））"},
    "finding_id": {"en": "Finding id", "zh": "发现编号"},
    "severity": {"en": "Severity (stores)", "zh": "严重程度（门店数）"},
    "standard": {"en": "Standard", "zh": "标准"},
    "standard_id": {"en": "Standard id", "zh": "标准编号"},
    "observed": {"en": "Stores observed", "zh": "观察门店数"},
    "below": {"en": "Below target", "zh": "未达标门店数"},
    "confirmed": {"en": "Clearly below", "zh": "确定未达标"},
    "share_below": {"en": "Share below", "zh": "未达标占比"},
    "mean_rate": {"en": "Mean compliance", "zh": "平均达标率"},
    "critical": {"en": "Critical failures", "zh": "关键项失败"},
    "n": {"en": "Stores", "zh": "门店数"},
    "mean": {"en": "Mean overall", "zh": "平均总分"},
    "ci_low": {"en": "95% CI low", "zh": "95% 区间下限"},
    "ci_high": {"en": "95% CI high", "zh": "95% 区间上限"},
    "min": {"en": "Min", "zh": "最低"},
    "max": {"en": "Max", "zh": "最高"},
    "vs_chain": {"en": "vs chain mean", "zh": "与连锁平均之差"},
    "quarter": {"en": "Quarter", "zh": "季度"},
    "no_region": {"en": "(no region)", "zh": "（未填区域）"},
    "heat_note": {"en": "Green: {holds} and above (holds); amber: {weak} to {holds} (weak); red: below {weak} "
                        "(breaks); empty: no data or the module does not apply to the store.",
                  "zh": "绿色：{holds} 分及以上（稳固）；黄色：{weak}–{holds}（薄弱）；红色：低于 {weak}（断裂）；"
                        "空白：无数据或该模块不适用于该门店。"},
    "rule": {"en": "Rule", "zh": "规则"},
    "none": {"en": "(none)", "zh": "（无）"},
}

FILLS = {"good": ("D7EBE1", "1D5A40"), "warn": ("F8E8C4", "6B4A00"), "bad": ("F1C9C3", "7B1E1E")}


def _t(key: str, lang: str) -> str:
    return TEXT[key].get(lang) or TEXT[key]["en"]




def ranking_rows(data: Mapping[str, Any], lang: str) -> tuple[list[str], list[list[Any]]]:
    """The full ranking: header and one row per store (best first), with every module's score."""
    modules = data["modules"]
    header = [_t(k, lang) for k in ("rank", "store_id", "store", "region", "audit_id", "date", "overall", "grade")]
    header += [m["title"] for m in modules]
    rows = [[s["rank"], s["store_id"], s["name"], s["region"] or "", s["audit_id"], s["date"], s["score"],
             s["grade"] or ""] + [s["modules"].get(m["id"]) for m in modules] for s in data["stores"]]
    return header, rows


def to_csv(data: Mapping[str, Any], lang: str | None = None) -> bytes:
    """The full ranking as CSV (UTF-8 with BOM so Excel shows Chinese; formula-like text kept as text)."""
    lang = lang or data.get("lang") or "en"
    header, rows = ranking_rows(data, lang)
    buf = io.StringIO(newline="")
    out = csv.writer(buf, lineterminator="\r\n")
    out.writerow(header)
    for row in rows:
        out.writerow(["" if v is None else _safe(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(data: Mapping[str, Any], lang: str | None = None, module_short: Callable[[str], str] | None = None,
            created: str | None = None) -> bytes:
    """The roll-up workbook (see the module docstring)."""
    from openpyxl import Workbook
    from openpyxl.formatting.rule import CellIsRule, FormulaRule
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from gapaudit.render.document import CHAIN_HOLDS, CHAIN_WEAK

    from gapaudit.render import i18n

    lang = lang or data.get("lang") or "en"
    short = module_short or (lambda mid: next((m["title"] for m in data["modules"] if m["id"] == mid), mid))
    wb = Workbook()
    bold = Font(bold=True)

    def sheet(key: str, header: list[str], rows: list[list[Any]], widths: dict[int, float] | None = None,
              formats: dict[int, str] | None = None) -> Any:
        ws = wb.create_sheet(_t(key, lang)[:31])
        ws.append(header)
        for cell in ws[1]:
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in rows:
            ws.append([_safe(v) for v in row])
        ws.freeze_panes = "A2"
        if rows:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
        for col in range(1, len(header) + 1):
            ws.column_dimensions[get_column_letter(col)].width = (widths or {}).get(col, 14)
        for col, fmt in (formats or {}).items():
            for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
                cell.number_format = fmt
        return ws

    wb.remove(wb.active)
    header, rows = ranking_rows(data, lang)
    score_cols = {c: "0.0" for c in range(7, len(header) + 1) if c != 8}
    sheet("ranking", header, rows, {2: 12, 3: 32, 4: 14, 5: 16, 6: 12}, score_cols)

    # heat map: every store (weakest first) × module, coloured by the report's bands
    modules = data["modules"]
    heat_rows = sorted(data["stores"], key=lambda s: (s["score"] is None, s["score"] or 0, s["store_id"]))
    ws = sheet("heatmap", [_t("store", lang), _t("region", lang), _t("overall", lang)] + [short(m["id"]) for m in modules],
               [[s["name"], s["region"] or "", s["score"]] + [s["modules"].get(m["id"]) for m in modules]
                for s in heat_rows], {1: 32, 2: 14}, {c: "0.0" for c in range(3, len(modules) + 4)})
    if heat_rows:
        area = f"C2:{get_column_letter(len(modules) + 3)}{len(heat_rows) + 1}"
        # an empty cell compares as 0 in Excel's rules: the first rule leaves blanks (no data) uncoloured
        ws.conditional_formatting.add(area, FormulaRule(formula=["ISBLANK(C2)"], stopIfTrue=True))
        for tone, operator, formula in (("good", "greaterThanOrEqual", [str(CHAIN_HOLDS)]),
                                        ("warn", "between", [str(CHAIN_WEAK), str(CHAIN_HOLDS - 1e-9)]),
                                        ("bad", "lessThan", [str(CHAIN_WEAK)])):
            fill, font = FILLS[tone]
            ws.conditional_formatting.add(area, CellIsRule(
                operator=operator, formula=formula, fill=PatternFill(start_color=fill, end_color=fill, fill_type="solid"),
                font=Font(color=font, bold=tone == "bad")))
        ws.append([])
        ws.append([TEXT["heat_note"][lang if lang in TEXT["heat_note"] else "en"].format(
            holds=f"{CHAIN_HOLDS:g}", weak=f"{CHAIN_WEAK:g}")])

    yes = _t("yes", lang)
    sheet("actions", [_t(k, lang) for k in ("action", "action_id", "gap", "stores", "share", "mean_priority",
                                            "programme")],
          [[a["title"], a["id"], short(a["gap"]), a["stores"], a["share"], a["mean_priority"],
            yes if a["programme"] else ""] for a in data["actions"]], {1: 60, 2: 28, 3: 18}, {5: "0%", 6: "0"})
    sheet("findings", [_t(k, lang) for k in ("finding", "finding_id", "gap", "severity", "stores", "share")],
          [[f["title"], f["id"], short(f["module"]),
            ", ".join(f"{i18n.t('sev_' + sev, lang)} {n}" for sev, n in f["severity"].items()), f["stores"],
            f["share"]]
           for f in data["findings"]], {1: 70, 2: 30, 3: 18, 4: 18}, {6: "0%"})
    sheet("standards", [_t(k, lang) for k in ("standard", "standard_id", "gap", "observed", "below", "confirmed",
                                              "share_below", "mean_rate", "critical")],
          [[s["title"], s["id"], short(s["module"]), s["observed"], s["below"], s["confirmed"], s["share_below"],
            s["mean_rate"], s["critical_failures"]] for s in data["standards"]], {1: 50, 2: 16, 3: 18},
          {7: "0%", 8: "0%"})
    sheet("regions", [_t(k, lang) for k in ("region", "n", "mean", "ci_low", "ci_high", "min", "max", "vs_chain")]
          + [short(m["id"]) for m in modules],
          [[r["region"] or _t("no_region", lang), r["n"], r["mean"], r["ci_low"], r["ci_high"], r["min"], r["max"],
            r["delta_vs_chain"]] + [r["modules"].get(m["id"]) for m in modules] for r in data["regions"]],
          {1: 18}, {c: "0.0" for c in range(3, len(modules) + 9)})
    trends = (data.get("trends") or {}).get("quarters") or []
    sheet("trends", [_t(k, lang) for k in ("quarter", "n", "mean")] + [short(m["id"]) for m in modules],
          [[q["quarter"], q["n"], q["mean"]] + [q["modules"].get(m["id"]) for m in modules] for q in trends],
          {}, {c: "0.0" for c in range(3, len(modules) + 4)})
    sheet("method", [_t("rule", lang)], [[rule] for rule in data["rules"]], {1: 140})
    import datetime as dt

    when = (dt.datetime.fromisoformat(created.replace("Z", "+00:00")).replace(tzinfo=None) if created
            else dt.datetime(1980, 1, 1))
    wb.properties.creator = "gapaudit"
    return workbook_bytes(wb, when)  # dated from the audits, not the clock
