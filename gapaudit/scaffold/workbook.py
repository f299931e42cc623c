"""The capture workbook of ``gapaudit init --workbook``: one sheet per evidence table.

Built for people who fill evidence in Excel on a laptop or tablet: the header row (the input
model's field names, which is what the loader reads) is frozen and locked, every data cell is
open, every closed answer is a drop-down in the audit's language (only spellings the loader
accepts: each is validated against the model when the workbook is built), ratings are whole
numbers within the scale, ids of standards, promises and questionnaire items are picked from
their own sheets. Field explanations live in header-cell comments and on the instructions
sheet, never in extra rows, so row 1 stays the header and data start in row 2.

The file stays small: data cells are unlocked and formatted per column (``<col style>``), and
each validation is one range, so no empty cell is written.
"""

from __future__ import annotations

import datetime as dt
import io
import types
import typing
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from gapaudit.model.vocab import ELEMENTS, POSITIVE_FACTORS, SERVQUAL_DIMENSIONS, label
from gapaudit.scaffold import RATING_PREFIXES, SCALE, TABLES, display_width, header

WORKBOOK = "audit.xlsx"

#: sheet name of each evidence table, per language (Excel: at most 31 characters, no []:*?/\)
SHEETS: dict[str, dict[str, str]] = {
    "questionnaire": {"en": "Questionnaire", "zh": "问卷题目"},
    "survey": {"en": "Survey", "zh": "顾客问卷"},
    "management": {"en": "Management", "zh": "管理层估计"},
    "standards": {"en": "Standards", "zh": "服务标准"},
    "observations": {"en": "Observations", "zh": "走访检查"},
    "promises": {"en": "Promises", "zh": "对外承诺"},
    "promise_checks": {"en": "Promise checks", "zh": "承诺核查"},
    "complaints": {"en": "Complaints", "zh": "投诉记录"},
    "complaint_handling": {"en": "Complaint handling", "zh": "投诉处理"},
    "errors": {"en": "Errors", "zh": "服务差错"},
    "lost_customers": {"en": "Lost customers", "zh": "流失顾客"},
}
INSTRUCTIONS = {"en": "Instructions", "zh": "填写说明"}

#: what each sheet records and which part of the report reads it
PURPOSE: dict[str, tuple[str, str]] = {
    "questionnaire": ("The customer questionnaire: one row per item (the 22 SERVQUAL items are filled in; "
                      "edit, add or delete rows to match the questionnaire you use).",
                      "顾客问卷题目：每行一题（已填好 22 个 SERVQUAL 题目，可按实际使用的问卷修改、增删）。"),
    "survey": ("Customer answers: one row per respondent; E_ = expectation, P_ = perception, I_ = importance "
               "of each item. Used by the diagnosis and outcome gaps.",
               "顾客答卷：每行一位受访者；E_ = 期望，P_ = 感知，I_ = 重要性。用于诊断差距和疗效差距。"),
    "management": ("Management's estimate, per item, of what customers expect and how important it is to them. "
                   "Used by the diagnosis gap.",
                   "管理层对每个题目的估计：顾客期望多高、有多看重。用于诊断差距。"),
    "standards": ("The written service standards and how sound each one is. Used by the prescription gap.",
                  "书面服务标准及其质量。用于处方差距。"),
    "observations": ("Mystery-shop or checklist visits: one row per standard checked on a visit. Used by the "
                     "pharmacy gap.", "神秘顾客或检查表走访：每次走访检查的每项标准一行。用于药房差距。"),
    "promises": ("External promises (advertising, posters, staff, contracts) and how often each was kept. "
                 "Used by the outcome gap.", "对外承诺（广告、海报、员工口头、合同）及兑现次数。用于疗效差距。"),
    "promise_checks": ("Single checks of a promise: one row per occasion, kept or not. Used by the outcome gap.",
                       "单次承诺核查：每次一行，是否兑现。用于疗效差距。"),
    "complaints": ("The complaint log. Used by the eight factors and the golden triangle.",
                   "投诉记录。用于八要素和黄金三角。"),
    "complaint_handling": ("Observed (or role-played) complaints scored against the six steps.",
                           "观察到的（或演练的）投诉处理，按六步法逐步评分。"),
    "errors": ("The service error log. Used by the eight factors.", "服务差错记录。用于八要素。"),
    "lost_customers": ("Lost-customer interviews: one row per customer, or a count per reason.",
                       "流失顾客访谈：每位顾客一行，或按原因填人数。"),
}

#: explanation of each column: "table.field" first, then "field"
HELP: dict[str, tuple[str, str]] = {
    "questionnaire.id": ("Item id, e.g. REL1; the survey's columns are E_/P_/I_ + this id.",
                         "题号，例如 REL1；顾客问卷的列名为 E_/P_/I_ 加题号。"),
    "questionnaire.text": ("The item's wording as customers read it.", "顾客看到的题目文字。"),
    "dimension": ("SERVQUAL dimension: tangibles, reliability, responsiveness, assurance, empathy.",
                  "SERVQUAL 维度：tangibles 有形性、reliability 可靠性、responsiveness 响应性、"
                  "assurance 保证性、empathy 移情性。"),
    "factor": ("Eight-factor factor this row gives evidence of.", "该行所证明的八要素之一。"),
    "element": ("Golden-triangle element this row gives evidence of.", "该行所证明的黄金三角要素。"),
    "respondent": ("Respondent id (any text, one row per respondent). Blank = the row's number.",
                   "受访者编号（任意文字，每位受访者一行）。留空 = 按行编号。"),
    "item": ("Questionnaire item id (from the questionnaire sheet).", "问卷题号（取自问卷题目表）。"),
    "management.expectation": ("Management's estimate of customers' expectation, on the questionnaire scale.",
                               "管理层估计的顾客期望，按问卷量表打分。"),
    "management.importance": ("How important management believes customers find this item, same scale.",
                              "管理层认为顾客对此项的重视程度，同一量表。"),
    "invests": ("Does the store put effort or money into this item now?", "门店目前是否在此项上投入精力或资金？"),
    "standards.id": ("Standard id, e.g. GREET; visits name it in their 'standard' column.",
                     "标准编号，例如 GREET；走访检查表的 standard 列引用它。"),
    "standards.title": ("What the standard says.", "标准的内容。"),
    "covers": ("Questionnaire item ids this standard encodes, separated by ; or 、 (e.g. ASS3;EMP1).",
               "该标准所对应的问卷题号，用 ; 或 、 分隔（例如 ASS3;EMP1）。"),
    "documented": ("Is the standard written down?", "是否成文？"),
    "specific": ("Is it specific and measurable?", "是否具体、可衡量？"),
    "customer_side": ("Was it designed from the customer's side?", "是否从顾客角度设计？"),
    "consistent": ("Is it consistent with the service philosophy?", "是否与服务理念一致？"),
    "known_by_staff": ("Do staff know it?", "员工是否知晓？"),
    "management_support": ("Does management back it?", "管理层是否支持？"),
    "too_complex": ("Too complex to carry out?", "是否过于复杂？"),
    "too_harsh": ("Too harsh to carry out?", "是否过于苛刻？"),
    "critical": ("Critical: a failure of this standard caps the grade.", "关键标准：未达标会限制评级上限。"),
    "owner_role": ("Post responsible for the standard.", "负责该标准的岗位。"),
    "visit": ("Visit id: the same id on every row of one visit.", "走访编号：同一次走访的各行用同一编号。"),
    "standard": ("Standard checked (an id from the standards sheet).", "所检查的标准（取自服务标准表的编号）。"),
    "result": ("Did staff meet the standard? na = not applicable on this visit.",
               "是否达到标准？不适用 = 本次走访不涉及。"),
    "date": ("Date (e.g. 2026-09-15).", "日期（例如 2026-09-15）。"),
    "shift": ("Shift of the visit (pick one or type your own).", "走访班次（可选择或自行填写）。"),
    "role": ("Post of the staff member observed.", "被观察员工的岗位。"),
    "staff": ("Staff member observed (name or code).", "被观察的员工（姓名或工号）。"),
    "note": ("Free notes.", "备注。"),
    "photos": ("What was seen: file names of photos (JPEG or PNG; HEIC with gapaudit[heic]) kept in the audit "
               "folder beside this workbook, e.g. photos/IMG_0412.jpg; several separated by ;. The report shows them "
               "beside the failed item, without their GPS or camera data.",
               "现场照片：照片文件名（JPEG 或 PNG；HEIC 需安装 gapaudit[heic]），照片放在本工作簿所在的审核文件夹内，"
               "例如 photos/IMG_0412.jpg；多张用 ; 分隔。报告会把照片放在未达标项旁边，并去除 GPS 和相机信息。"),
    "standards.photos": ("Reference photos of the standard (the posted rule, what 'done' looks like), file names in the "
                         "audit folder separated by ;. Shown in the report's photo appendix.",
                         "标准的参考照片（张贴的规定、达标的样子），审核文件夹内的文件名，多张用 ; 分隔。收录在报告的照片附录中。"),
    "promises.id": ("Promise id; promise checks name it.", "承诺编号；承诺核查表引用它。"),
    "promises.text": ("The promise as customers heard or read it.", "顾客听到或看到的承诺原文。"),
    "promises.channel": ("Where the promise was made.", "承诺的发布渠道。"),
    "promises.kept": ("Occasions the promise was kept (give kept and total together, or neither).",
                      "承诺兑现的次数（与 total 同时填写或都不填）。"),
    "total": ("Occasions checked.", "核查的总次数。"),
    "items": ("Questionnaire item ids the promise speaks to, separated by ; or 、.",
              "该承诺涉及的问卷题号，用 ; 或 、 分隔。"),
    "promise": ("Promise checked (an id from the promises sheet).", "所核查的承诺（取自对外承诺表的编号）。"),
    "promise_checks.kept": ("Was the promise kept this time?", "本次是否兑现？"),
    "complaints.id": ("Complaint id.", "投诉编号。"),
    "complaints.channel": ("How the complaint came in (pick one or type your own).", "投诉渠道（可选择或自行填写）。"),
    "category": ("Category, e.g. delivery, staff attitude.", "类别，例如送货、服务态度。"),
    "severity": ("Severity.", "严重程度。"),
    "resolved": ("Was the complaint resolved?", "是否已解决？"),
    "hours_to_resolve": ("Hours from complaint to resolution (only for resolved complaints).",
                         "从投诉到解决的小时数（仅填已解决的投诉）。"),
    "outcome": ("Was the customer kept or lost, where known?", "顾客最终是否留住（如知道）？"),
    "case": ("Case id of the observed complaint.", "观察到的投诉案例编号。"),
    "apologise": ("Step 1: apologised.", "第 1 步：道歉。"),
    "explain": ("Step 2: explained reasonably.", "第 2 步：合理解释。"),
    "empathise": ("Step 3: showed empathy.", "第 3 步：表示同理心。"),
    "solve_quickly": ("Step 4: gave and carried out a solution quickly.", "第 4 步：迅速提出并落实解决方案。"),
    "commit": ("Step 5: apologised again and committed to improve.", "第 5 步：再次道歉并承诺改进。"),
    "thank": ("Step 6: thanked the customer.", "第 6 步：感谢顾客。"),
    "errors.id": ("Error id.", "差错编号。"),
    "reason": ("Why the customer left.", "顾客流失的原因。"),
    "count": ("Customers giving this reason (one interview = 1).", "给出该原因的顾客人数（一次访谈 = 1）。"),
}

#: meaning of the codes used in drop-downs, for prompts and the glossary
CODES: dict[str, tuple[str, str]] = {
    "advertising": ("advertising", "广告"), "poster": ("poster", "海报"), "staff": ("staff, by word of mouth", "员工"),
    "contract": ("contract", "合同"), "website": ("website", "网站"), "packaging": ("packaging", "包装"),
    "other": ("other", "其他"), "kept": ("customer kept", "挽回"), "lost": ("customer lost", "流失"),
    "unknown": ("not known", "未知"), "died": ("died", "去世"), "moved": ("moved away", "搬迁"),
    "taste": ("changed taste", "口味变化"), "referral": ("followed a friend's recommendation", "朋友推荐"),
    "competition": ("went to a competitor", "竞争对手"), "product": ("dissatisfied with the product", "产品不满意"),
    "indifference": ("staff were indifferent to their needs", "员工冷漠"),
    "low": ("low", "低"), "medium": ("medium", "中"), "high": ("high", "高"),
    "yes": ("yes", "是"), "partly": ("partly", "部分"), "no": ("no", "否"), "na": ("not applicable", "不适用"),
}

#: drop-downs that only suggest (any other text is accepted): field → words per language
SUGGESTIONS: dict[str, dict[str, list[str]]] = {
    "shift": {"en": ["morning", "afternoon", "evening", "weekend"], "zh": ["早班", "中班", "晚班", "周末"]},
    "complaints.channel": {"en": ["counter", "hotline", "wechat", "app", "email", "online review"],
                           "zh": ["服务台", "热线", "微信", "小程序", "邮件", "网络评价"]},
}

#: id columns picked from another sheet's first column
REFERENCES = {"item": "questionnaire", "standard": "standards", "promise": "promises"}

#: columns typed as text so Excel keeps ids like 001 or 1 as written (the loader wants text there)
TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"
LAST_ROW = 1_048_576
MAX_REFERENCED = 1000  # rows of a sheet a reference drop-down lists

#: the workbook's own short texts (prompts, error messages, blank-cell notes)
UI: dict[str, dict[str, str]] = {
    "pick": {"en": "Pick from the list", "zh": "请从列表中选择"},
    "pick_or_type": {"en": "Pick or type", "zh": "选择或填写"},
    "not_in_list": {"en": "Not in the list: pick one of the drop-down values.", "zh": "不在列表中：请从下拉列表中选择。"},
    "whole": {"en": "Whole number {lo}–{hi}", "zh": "{lo}–{hi} 的整数"},
    "whole_min": {"en": "Whole number, {lo} or more", "zh": "不小于 {lo} 的整数"},
    "decimal": {"en": "Number {lo}–{hi}", "zh": "{lo}–{hi} 的数字"},
    "decimal_min": {"en": "Number, {lo} or more", "zh": "不小于 {lo} 的数字"},
    "date": {"en": "A date, e.g. 2026-09-15", "zh": "日期，例如 2026-09-15"},
    "bad_number": {"en": "Type a number in the range shown.", "zh": "请填写提示范围内的数字。"},
    "bad_date": {"en": "Type a date, e.g. 2026-09-15.", "zh": "请填写日期，例如 2026-09-15。"},
    "required": {"en": "Required: a row with other cells filled must fill this one.",
                 "zh": "必填：该行填了其他内容时，此格也必须填写。"},
    "blank": {"en": "Blank = {v}.", "zh": "留空 = {v}。"},
    "blank_unknown": {"en": "Blank = not known.", "zh": "留空 = 未知。"},
    "blank_none": {"en": "Blank = none.", "zh": "留空 = 无。"},
    "blank_rating": {"en": "Blank = not answered.", "zh": "留空 = 未作答。"},
    "expectation": {"en": "Expectation", "zh": "期望"},
    "perception": {"en": "Perception", "zh": "感知"},
    "importance": {"en": "Importance", "zh": "重要性"},
}


def tr(key: str, lang: str, **values: Any) -> str:
    """A workbook text in ``lang`` with ``values`` filled in."""
    return UI[key][lang].format(**values)


def sheet_name(table: str, lang: str) -> str:
    """The sheet of ``table`` in the workbook written in ``lang``."""
    return SHEETS[table][lang]


def field_help(table: str, name: str, lang: str) -> str:
    """The explanation of a column in ``lang``."""
    text = HELP.get(f"{table}.{name}") or HELP[name]
    return text[0] if lang == "en" else text[1]


# --- columns and their validation ----------------------------------------------------------

@dataclass
class Rule:
    """One data-validation rule of a column, in openpyxl's terms."""

    type: str  # list, whole, decimal, date
    formula1: str
    formula2: str | None = None
    operator: str | None = None
    strict: bool = True  # False: the list only suggests
    warn: bool = False  # True: outside the list asks "continue?" instead of refusing
    prompt: str = ""


@dataclass
class Column:
    name: str
    help: str
    rule: Rule | None = None
    text: bool = False
    date: bool = False
    width: float = 12.0
    options: list[str] = field(default_factory=list)


def _closed_values(annotation: Any) -> list[Any] | None:
    """The values of a Literal (or bool) type, looking through Optional and Annotated."""
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return list(typing.get_args(annotation))
    if annotation is bool:
        return [True, False]
    if origin is typing.Annotated:
        return _closed_values(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            if arg is not type(None):
                return _closed_values(arg)
    return None


def _base_type(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _base_type(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _base_type(args[0]) if len(args) == 1 else annotation
    return annotation


def _code(value: Any) -> str:
    return {True: "yes", False: "no"}.get(value, value) if isinstance(value, bool) else str(value)


def spellings(info: FieldInfo, values: list[Any], lang: str) -> list[str]:
    """The drop-down words for a closed field: the audit language's words where the loader accepts
    every one of them for its value, else the codes."""
    if lang == "en":
        return [_code(v) for v in values]
    adapter = TypeAdapter(info.rebuild_annotation())
    words = [CODES[_code(v)][1] for v in values]
    try:
        if [adapter.validate_python(w) for w in words] == values:
            return words
    except ValidationError:
        pass
    return [_code(v) for v in values]


def _bounds(info: FieldInfo) -> tuple[float | None, float | None]:
    lo = hi = None
    for meta in info.metadata:
        lo = getattr(meta, "ge", lo)
        hi = getattr(meta, "le", hi)
    return lo, hi


def _list_rule(options: list[str], lang: str, *, strict: bool = True, warn: bool = False,
               glossary: bool = False) -> Rule:
    prompt = " · ".join(f"{o} {CODES[o][1]}" if glossary and lang == "zh" and o in CODES else o for o in options)
    return Rule("list", '"' + ",".join(options) + '"', strict=strict, warn=warn, prompt=prompt)


def _vocabulary_prompt(codes: tuple[str, ...], lang: str) -> str:
    return " · ".join(codes) if lang == "en" else " · ".join(f"{c} {label(c, 'zh')}" for c in codes)


def columns(table: str, lang: str, items: list[dict[str, str]], scale: tuple[int, int] = SCALE) -> list[Column]:
    """The columns of ``table``'s sheet: name, explanation and validation."""
    lo, hi = scale
    if TABLES[table] is None:  # the survey
        out = [Column("respondent", field_help(table, "respondent", lang), text=True, width=12)]
        role = dict(zip(RATING_PREFIXES, ("expectation", "perception", "importance")))
        for name in header(table, items)[1:]:
            prefix, item_id = name.split("_", 1)
            text = next(i["text"] for i in items if i["id"] == item_id)
            rule = Rule("whole", str(lo), str(hi), "between", prompt=tr("whole", lang, lo=lo, hi=hi))
            about = (f"{tr(role[prefix], lang)} — {item_id}: {text} ({lo}–{hi}). " if lang == "en" else
                     f"{tr(role[prefix], lang)} — {item_id}：{text}（{lo}–{hi}）。")
            out.append(Column(name, about + tr("blank_rating", lang), rule, width=8))
        return out
    model = TABLES[table]
    out = []
    for name, info in model.model_fields.items():
        col = Column(name, field_help(table, name, lang))
        values = _closed_values(info.rebuild_annotation())
        base = _base_type(info.annotation)
        key = f"{table}.{name}"
        if name == "dimension":  # free text in the model (a chain may add its own): warn, do not refuse
            col.options = list(SERVQUAL_DIMENSIONS)
            col.rule = _list_rule(col.options, lang, warn=True)
            col.rule.prompt = _vocabulary_prompt(SERVQUAL_DIMENSIONS, lang)
        elif name in ("factor", "element") and values is not None:
            col.options = [_code(v) for v in values]
            col.rule = _list_rule(col.options, lang)
            col.rule.prompt = _vocabulary_prompt(tuple(col.options), lang)
        elif values is not None:
            col.options = spellings(info, values, lang)
            col.rule = _list_rule(col.options, lang, glossary=True)
        elif name in REFERENCES:
            ref = sheet_name(REFERENCES[name], lang)
            col.rule = Rule("list", f"'{ref}'!$A$2:$A${MAX_REFERENCED + 1}", prompt=col.help)
            col.text = True
        elif key in SUGGESTIONS or name in SUGGESTIONS:
            col.options = (SUGGESTIONS.get(key) or SUGGESTIONS[name])[lang]
            col.rule = _list_rule(col.options, lang, strict=False)
        elif table == "management" and name in ("expectation", "importance"):
            col.rule = Rule("decimal", str(lo), str(hi), "between", prompt=tr("decimal", lang, lo=lo, hi=hi))
        elif base is int or base is float:
            low, high = _bounds(info)
            kind, low = ("whole" if base is int else "decimal"), f"{low or 0:g}"
            if high is not None:
                col.rule = Rule(kind, low, f"{high:g}", "between", prompt=tr(kind, lang, lo=low, hi=f"{high:g}"))
            else:
                col.rule = Rule(kind, low, None, "greaterThanOrEqual", prompt=tr(f"{kind}_min", lang, lo=low))
        elif base is dt.date:
            col.date = True
            col.rule = Rule("date", "36526", "73050", "between", prompt=tr("date", lang))  # 2000-01-01 … 2099-12-31
        else:
            col.text = True
        col.help += (" " if lang == "en" else "") + _blank_meaning(info, values, col.options, lang)
        col.width = 50.0 if name in ("text", "title", "note") else 30.0 if name == "photos" else \
            max(12.0, min(40.0, 3.0 + max(display_width(w) for w in [name, *col.options])))
        out.append(col)
    return out


def _blank_meaning(info: FieldInfo, values: list[Any] | None, options: list[str], lang: str) -> str:
    if info.is_required():
        return tr("required", lang)
    default = info.get_default(call_default_factory=True)
    if default is None:
        return tr("blank_unknown", lang)
    if default == []:
        return tr("blank_none", lang)
    if values is not None and default in values:
        shown = options[values.index(default)]
        if lang == "zh" and shown in CODES:
            shown = f"{shown}（{CODES[shown][1]}）"
        return tr("blank", lang, v=shown)
    return tr("blank", lang, v=default)


# --- the workbook ----------------------------------------------------------------------------

def build_workbook(lang: str, items: list[dict[str, str]], scale: tuple[int, int] = SCALE) -> bytes:
    """The capture workbook as XLSX bytes: instructions first, then one sheet per evidence table."""
    from openpyxl import Workbook

    wb = Workbook()
    guide = wb.active
    guide.title = INSTRUCTIONS[lang]
    sheets = {table: columns(table, lang, items, scale) for table in TABLES}
    _instructions(guide, lang, sheets)
    for table, cols in sheets.items():
        ws = wb.create_sheet(sheet_name(table, lang))
        _evidence_sheet(ws, cols, lang)
        if table == "questionnaire":
            _prefill(ws, cols, items)
    wb.active = 0
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _evidence_sheet(ws: Any, cols: list[Column], lang: str) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.protection import SheetProtection

    head_font, head_fill = Font(bold=True), PatternFill("solid", fgColor="DDE4EE")
    for idx, col in enumerate(cols, start=1):
        letter = get_column_letter(idx)
        cell = ws.cell(row=1, column=idx, value=col.name)
        cell.font, cell.fill = head_font, head_fill
        cell.protection = Protection(locked=True)
        note = Comment(col.help, "gapaudit")
        note.width, note.height = 260, 40 + 18 * (len(col.help) // (18 if lang == "zh" else 36))
        cell.comment = note
        dim = ws.column_dimensions[letter]
        dim.width = col.width
        dim.protection = Protection(locked=False)  # every data cell of the column is open
        if col.text:
            dim.number_format = TEXT_FORMAT
        elif col.date:
            dim.number_format = DATE_FORMAT
        if col.rule is not None:
            rule = col.rule
            dv = DataValidation(type=rule.type, formula1=rule.formula1, formula2=rule.formula2,
                                operator=rule.operator, allow_blank=True, showDropDown=False,
                                showInputMessage=True, showErrorMessage=rule.strict,
                                errorStyle="warning" if rule.warn else "stop",
                                promptTitle=(tr("pick", lang) if rule.type == "list" and rule.strict else
                                             tr("pick_or_type", lang) if rule.type == "list" else col.name)[:32],
                                prompt=rule.prompt[:250] or None,
                                errorTitle=col.name[:32],
                                error=(tr("not_in_list", lang) if rule.type == "list" else
                                       tr("bad_date", lang) if rule.type == "date" else tr("bad_number", lang)))
            dv.add(f"{letter}2:{letter}{LAST_ROW}")
            ws.add_data_validation(dv)
    ws.freeze_panes = "B2" if cols[0].name == "respondent" else "A2"
    ws.row_dimensions[1].height = 20
    ws.protection = SheetProtection(sheet=True, formatCells=False, formatColumns=False, formatRows=False,
                                    insertRows=False, deleteRows=False, sort=False, autoFilter=False)


def _prefill(ws: Any, cols: list[Column], items: list[dict[str, str]]) -> None:
    from openpyxl.styles import Protection

    open_cell = Protection(locked=False)
    for row, item in enumerate(items, start=2):
        for idx, col in enumerate(cols, start=1):
            cell = ws.cell(row=row, column=idx, value=item.get(col.name) or None)
            cell.protection = open_cell
            if col.text:
                cell.number_format = TEXT_FORMAT


# --- the instructions sheet --------------------------------------------------------------------

GUIDE: dict[str, list[str]] = {
    "en": [
        "# gapaudit capture workbook",
        "Fill in the evidence you have; leave the rest empty. Every sheet is optional: an empty sheet means "
        "\"no data\" for the parts of the report that need it — never a score of zero.",
        "## How to fill it in",
        "• One row per record, from row 2 down. Row 1 holds the column names gapaudit reads: it is locked; do not "
        "rename sheets or columns, and do not add rows above the data.",
        "• Hover over a column name to see what it means. Click a cell to see what it accepts; closed answers are "
        "drop-downs (yes / partly / no / na …), ratings are whole numbers on the questionnaire scale, dates are "
        "dates (2026-09-15).",
        "• Standards, promises and questionnaire items are picked by id from their own sheets: fill those sheets "
        "first.",
        "• The sheets are protected without a password only to keep the header row safe (Review → Unprotect "
        "Sheet if you must change it).",
        "## Blank cells",
        "• A blank rating in the survey sheet is a question the respondent did not answer: it is left out of that "
        "item's mean, never counted as zero.",
        "• A blank optional cell means \"not known\"; a few columns have a stated default (e.g. a blank severity "
        "is medium) — see the table below.",
        "• A blank required cell in a row that has other cells filled is an error that names the sheet, row and "
        "column. Entirely blank rows are skipped.",
        "## Running it",
        "1. Keep this workbook as audit.xlsx beside audit.yaml (audit.yaml names each sheet).",
        "2. In audit.yaml fill in the store, and where you know them the listening facts, the business volume "
        "and the review-checklist answers.",
        "3. gapaudit validate audit.yaml — lists every problem with its sheet, row and column.",
        "4. gapaudit run audit.yaml — writes the PDF report.",
        "If you change the questionnaire scale in audit.yaml, the rating limits here stay 1–7: type "
        "within the new scale and ignore Excel's warning, or start from a fresh workbook.",
    ],
    "zh": [
        "# gapaudit 证据采集工作簿",
        "填写已有的证据，其余留空即可。每张表都是可选的：某张表为空，报告中依赖它的部分显示“无数据”，绝不会按 0 分计算。",
        "## 如何填写",
        "• 每条记录一行，从第 2 行开始往下填。第 1 行是 gapaudit 读取的列名，已锁定；请勿重命名工作表或列，也不要在数据上方插入行。",
        "• 鼠标悬停在列名上可看到该列的说明；点击单元格可看到可填内容。封闭式答案用下拉列表（是 / 部分 / 否 / 不适用……），"
        "评分为问卷量表内的整数，日期按日期填写（2026-09-15）。",
        "• 服务标准、对外承诺和问卷题目按编号从各自的表中选择：请先填写这些表。",
        "• 工作表设置了无密码保护，只为保护表头（确需修改时：审阅 → 撤消工作表保护）。",
        "## 空白单元格",
        "• 顾客问卷中的空白评分表示受访者未回答该题：不计入该题平均，绝不按 0 计算。",
        "• 可选列留空表示“未知”；少数列有规定的默认值（例如严重程度留空即为“中”），见下表。",
        "• 某行已填其他内容但必填列为空时，校验会报错并指出工作表、行和列。整行空白会被跳过。",
        "## 运行",
        "1. 本工作簿保存为 audit.xlsx，与 audit.yaml 放在同一文件夹（audit.yaml 中写明了各工作表）。",
        "2. 在 audit.yaml 中填写门店信息，以及已知的倾听机制、业务量和复核清单答案。",
        "3. gapaudit validate audit.yaml —— 列出所有问题及其所在的工作表、行和列。",
        "4. gapaudit run audit.yaml —— 生成 PDF 报告。",
        "如在 audit.yaml 中修改了问卷量表，本工作簿的评分范围仍为 1–7：请按新量表填写并忽略 Excel 的提示，或重新生成工作簿。",
    ],
}
GUIDE_HEADS = {"en": ("Sheet", "What it records", "Column", "Meaning (and what a blank cell means)", "Code",
                      "Meaning"),
               "zh": ("工作表", "记录内容", "列名", "含义（及空白的含义）", "代码", "含义")}


def _instructions(ws: Any, lang: str, sheets: dict[str, list[Column]]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.protection import SheetProtection

    wrap = Alignment(wrap_text=True, vertical="top")
    bold, head_fill = Font(bold=True), PatternFill("solid", fgColor="DDE4EE")
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 100
    row = 1

    def line(a: Any = None, b: Any = None, *, font: Any = None, fill: Any = None) -> None:
        nonlocal row
        for col, value in ((1, a), (2, b)):
            if value is None:
                continue
            cell = ws.cell(row=row, column=col, value=value)
            cell.alignment = wrap
            if font:
                cell.font = font
            if fill:
                cell.fill = fill
        row += 1

    for text in GUIDE[lang]:
        if text.startswith("# "):
            line(text[2:], font=Font(bold=True, size=14))
        elif text.startswith("## "):
            row += 1
            line(text[3:], font=Font(bold=True, size=12))
        else:
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
            ws.row_dimensions[row].height = 15 * (1 + len(text) // (60 if lang == "zh" else 120))
            line(text)
    heads = GUIDE_HEADS[lang]
    row += 1
    line(heads[0], heads[1], font=bold, fill=head_fill)
    for table in sheets:
        en, zh = PURPOSE[table]
        line(sheet_name(table, lang), en if lang == "en" else zh)
    row += 1
    line(heads[2], heads[3], font=bold, fill=head_fill)
    for table, cols in sheets.items():
        line(sheet_name(table, lang), font=bold)
        for col in cols if TABLES[table] is not None else cols[:1]:
            line(col.name, col.help)
        if TABLES[table] is None:
            roles = " / ".join(tr(r, lang) for r in ("expectation", "perception", "importance"))
            rating = tr("whole", lang, lo=SCALE[0], hi=SCALE[1])
            line("E_… / P_… / I_…", (f"{roles} <item id>: {rating}. " if lang == "en" else f"{roles} + 题号：{rating}。")
                 + tr("blank_rating", lang))
    row += 1
    line(heads[4], heads[5], font=bold, fill=head_fill)
    glossary = {c: label(c, lang) for c in SERVQUAL_DIMENSIONS + POSITIVE_FACTORS + ELEMENTS}
    glossary.update({c: (en if lang == "en" else zh) for c, (en, zh) in CODES.items()})
    for code, meaning in glossary.items():
        if meaning.lower() != code.replace("_", " "):
            line(code, meaning)
    ws.protection = SheetProtection(sheet=True, formatColumns=False, formatRows=False)
