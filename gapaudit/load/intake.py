"""``gapaudit import``: bring an export as it arrived into an audit, with a short mapping written once.

The file is read as :mod:`gapaudit.load.tables` reads it; the header row is
found under title rows; each column is matched to what the audit needs (a
survey column to an item and role, a log column to a field) and every value
a field would refuse is listed. What is certain becomes reading options in
the audit's evidence block; what is not is listed with its candidates and
the option that settles it. Nothing is guessed silently, and the same
options are what ``gapaudit run`` applies, so the next export of the same
survey is one command.
"""

from __future__ import annotations

import datetime as dt
import shutil
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from gapaudit.errors import InputError, InputIssue
from gapaudit.load.mapping import DEFAULT_MISSING, CellReader, absent_columns, matches, model_fields, \
    required_fields
from gapaudit.load.tables import ReadOptions, Sheet, detect_header_row, is_workbook_file, normal_text, open_table, \
    parse_date, parse_number, shorten
from gapaudit.model import audit as m
from gapaudit.model.base import TableRef


@dataclass(frozen=True)
class Kind:
    """An evidence kind that ``import`` can fill: where it lives in the audit and what a row is."""

    name: str
    path: tuple[str, ...]            # where the file reference goes
    row: type[BaseModel] | None      # None: the survey's responses
    en: str
    zh: str


KINDS: dict[str, Kind] = {k.name: k for k in [
    Kind("survey", ("evidence", "survey", "responses"), None, "customer survey", "顾客问卷"),
    Kind("questionnaire", ("evidence", "questionnaire", "items"), m.QuestionItem, "questionnaire items", "问卷题项"),
    Kind("survey_summary", ("evidence", "survey_summary"), m.ItemSummary, "survey summary", "问卷汇总"),
    Kind("management", ("evidence", "management"), m.ManagementEstimate, "management's estimates", "管理层估计"),
    Kind("standards", ("evidence", "standards"), m.Standard, "service standards", "服务标准"),
    Kind("observations", ("evidence", "observations"), m.Observation, "observations (visits)", "检查记录"),
    Kind("promises", ("evidence", "promises"), m.Promise, "promises", "服务承诺"),
    Kind("promise_checks", ("evidence", "promise_checks"), m.PromiseCheck, "promise checks", "承诺兑现记录"),
    Kind("complaints", ("evidence", "complaints"), m.Complaint, "complaint log", "投诉记录"),
    Kind("complaint_handling", ("evidence", "complaint_handling"), m.ComplaintHandling, "complaint handling",
         "投诉处理观察"),
    Kind("errors", ("evidence", "errors"), m.ServiceError, "service error log", "服务差错记录"),
    Kind("lost_customers", ("evidence", "lost_customers"), m.LostCustomer, "lost customers", "流失顾客"),
]}
ALIASES = {"complaint-handling": "complaint_handling", "promise-checks": "promise_checks",
           "lost-customers": "lost_customers", "survey-summary": "survey_summary", "visits": "observations",
           "checklist": "observations"}

#: header words that name a field, per field (compared after normalising; the longest contained word wins)
SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": ("编号", "题号", "题目编号", "问题编号", "单号", "工单号", "记录号", "投诉编号", "差错编号", "标准编号", "承诺编号",
           "number", "id", "code"),
    "date": ("日期", "时间", "投诉日期", "登记日期", "发生日期", "检查日期", "到访日期", "date", "time"),
    "channel": ("渠道", "投诉渠道", "发布渠道", "channel", "source"),
    "category": ("类别", "类型", "分类", "问题类型", "投诉类别", "差错类型", "category", "type"),
    "severity": ("严重程度", "严重性", "紧急程度", "紧急度", "等级", "级别", "severity", "priority"),
    "resolved": ("是否解决", "已解决", "处理结果", "解决", "是否已处理", "已处理", "处理状态", "resolved", "closed"),
    "hours_to_resolve": ("处理时长", "解决时长", "用时", "处理小时", "hourstoresolve", "resolutionhours",
                         "resolutiontime"),
    "outcome": ("客户去留", "顾客去留", "是否挽回", "挽回", "结果", "outcome", "customerkept"),
    "visit": ("访问", "访问编号", "到访", "巡店编号", "检查次序", "visit", "visitid"),
    "standard": ("标准", "检查项目", "检查项", "检查内容", "standard", "checkpoint", "checkitem"),
    "result": ("结果", "是否达标", "达标", "检查结果", "是否符合", "result", "compliant", "pass"),
    "shift": ("班次", "时段", "shift"),
    "role": ("岗位", "职位", "role", "position"),
    "staff": ("员工", "员工编号", "被检查人", "staff", "employee"),
    "note": ("备注", "说明", "问题描述", "note", "notes", "comment", "remarks"),
    "title": ("标准名称", "名称", "标准内容", "title", "name"),
    "covers": ("对应题项", "覆盖题项", "covers"),
    "owner_role": ("负责岗位", "负责人", "owner", "ownerrole"),
    "item": ("题项", "题项编号", "item"),
    "text": ("题目", "内容", "承诺内容", "text"),
    "dimension": ("维度", "dimension"),
    "factor": ("因素", "factor"),
    "element": ("要素", "element"),
    "expectation": ("期望", "expectation"),
    "perception": ("感知", "perception"),
    "importance": ("重要性", "重要", "importance"),
    "invests": ("是否投入", "投入", "invests"),
    "promise": ("承诺", "promise"),
    "kept": ("是否兑现", "兑现", "已兑现", "是否按时", "按时", "kept", "ontime"),
    "total": ("总次数", "检查次数", "total"),
    "case": ("案例", "案例编号", "case"),
    "apologise": ("道歉", "apologise", "apologize"), "explain": ("解释", "explain"),
    "empathise": ("同理", "共情", "理解", "empathise", "empathize"), "solve_quickly": ("快速解决", "solvequickly"),
    "commit": ("承诺改进", "再次道歉", "commit"), "thank": ("感谢", "thank"),
    "reason": ("原因", "流失原因", "reason"), "count": ("人数", "数量", "count"),
    "n": ("样本量", "人数", "n"),
    "photos": ("照片", "图片", "现场照片", "拍照", "照片文件", "photo", "photos", "picture", "pictures", "image",
               "images"),
}

#: columns survey tools add around the answers (compared after normalising)
SURVEY_METADATA = (
    "提交答卷时间", "所用时间", "来源", "来源详情", "来自ip", "ip", "ip地址", "填写时间", "答题时间", "提交时间",
    "startdate", "enddate", "status", "ipaddress", "progress", "durationinseconds", "finished", "recordeddate",
    "recipientlastname", "recipientfirstname", "recipientemail", "externalreference", "externaldatareference",
    "locationlatitude", "locationlongitude", "distributionchannel", "userlanguage", "timestamp", "collectorid",
    "ipaddress", "emailaddress", "firstname", "lastname", "customdata1", "时间戳",
)
RESPONDENT_NAMES = ("respondent", "序号", "问卷编号", "答卷编号", "答卷序号", "编号", "responseid", "respondentid",
                    "id")
#: answers that mean "not answered" in the common survey tools
KNOWN_MISSING = ("(跳过)", "（跳过）", "跳过", "未作答", "未回答", "不知道", "不清楚", "说不清楚", "-99", "-3", "-2", "-1",
                 "99", "999", "9999", "skipped", "don't know", "dont know", "n/a", "na", "—", "–", "-")


@dataclass
class Row:
    """One line of the match table."""

    index: int
    name: str
    becomes: str        # what the column becomes, in the report language
    why: str


@dataclass
class Proposal:
    """What ``import`` found and will write."""

    kind: Kind
    sheet: Sheet
    block: dict[str, Any]                   # the evidence block to write (for the survey: the survey block)
    table: list[Row] = field(default_factory=list)
    decisions: list[tuple[str, str]] = field(default_factory=list)  # (en, zh): what the user must settle
    notes: list[tuple[str, str]] = field(default_factory=list)      # (en, zh): what was decided and why
    rows: int = 0
    typed_rows: tuple[int, int | None] | None = None  # rows typed into the audit that the file would replace


# --- entry point -------------------------------------------------------------------------

def propose(kind_name: str, file: Path, audit_path: Path, *, sheet: str | None = None,
            header_row: int | None = None, encoding: str | None = None, renames: dict[str, str] | None = None,
            ignore: list[str] | None = None, missing: list[str] | None = None, date_format: str | None = None,
            values: dict[str, dict[str, str]] | None = None, role_order: list[str] | None = None,
            lang: str = "en") -> Proposal:
    """Read ``file`` for evidence ``kind_name`` of the audit at ``audit_path`` and propose its mapping.

    Options already in the audit for this kind are reused (a new export of the same survey needs none of
    them again); the given ones are added.
    """
    kind = KINDS[ALIASES.get(kind_name, kind_name)]
    existing = _existing_block(audit_path, kind)
    ref_block = dict(existing.get("ref") or {})
    for key, value in (("sheet", sheet), ("header_row", header_row), ("encoding", encoding),
                       ("date_format", date_format)):
        if value is not None:
            ref_block[key] = value
    if renames:
        ref_block["columns"] = dict(ref_block.get("columns") or {}) | renames
    if ignore:
        ref_block["ignore"] = list(dict.fromkeys(list(ref_block.get("ignore") or []) + ignore))
    if missing:
        ref_block["missing"] = list(dict.fromkeys(list(ref_block.get("missing") or []) + [_as_code(x) for x in missing]))
    for fieldname, table in (values or {}).items():
        merged = dict((ref_block.get("values") or {}).get(fieldname) or {}) | table
        ref_block["values"] = dict(ref_block.get("values") or {}) | {fieldname: merged}
    ref_block["file"] = _relative(file, audit_path.parent)
    # options saved for a workbook do not apply to a CSV, nor the reverse: dropped, and said
    given = {"sheet": sheet, "encoding": encoding}
    dropped = [k for k in (("encoding", "delimiter") if is_workbook_file(file) else ("sheet",))
               if k in ref_block and given.get(k) is None]
    for key in dropped:
        ref_block.pop(key)
    options = _read_options(ref_block)
    opened = open_table(file, _display(file), options, unique="header_row" in ref_block)
    if "header_row" not in ref_block:
        opened, detected = _find_header(opened, file)
        if detected is not None:
            ref_block.update(detected)
    if kind.row is None:
        proposal = _propose_survey(kind, opened, ref_block, existing, audit_path, role_order, lang)
    else:
        proposal = _propose_rows(kind, opened, ref_block, audit_path, lang)
    proposal.typed_rows = existing.get("rows")
    for key in dropped:
        proposal.notes.append((f"{key}: left out, as it does not apply to a {'workbook' if key != 'sheet' else 'CSV'}",
                               f"{key}：已去掉，它不适用于{'工作簿' if key != 'sheet' else ' CSV 文件'}"))
    chosen = (proposal.block.get("responses") if kind.row is None else proposal.block) or {}
    for issue in absent_columns(chosen.get("columns") or {}, proposal.sheet, ()):
        proposal.decisions.append((f"{issue.message}: correct the --map (or the audit's columns: entry) or drop it",
                                   f"{issue.zh}：请改正或删去该 --map（或审核文件中 columns: 的这一项）"))
    names = proposal.sheet.sheet_names
    if len(names) > 1 and "sheet" not in ref_block:
        others = [n for n in names if n != names[0]]
        proposal.notes.insert(0, (
            f"read the first sheet, {names[0]!r}; the workbook also has {', '.join(map(repr, others))}: give "
            f"--sheet {others[0]!r} if the data is there", f"读取的是第一个工作表“{names[0]}”；该工作簿还有"
            f"{'、'.join(f'“{n}”' for n in others)}：数据在其他工作表时请用 --sheet '{others[0]}' 指定"))
    for row, label in proposal.sheet.totals.items():
        proposal.notes.append((f"row {row} ({shorten(label, 20)}) is a totals line, not data: it is not read",
                               f"第 {row} 行（{shorten(label, 20)}）是合计行，不是数据：不读取"))
    return proposal


def _display(file: Path) -> str:
    import os

    rel = os.path.relpath(file)
    return str(file) if rel.startswith("..") else rel


def _relative(file: Path, folder: Path) -> str:
    file = file.resolve()
    try:
        return file.relative_to(folder.resolve()).as_posix()
    except ValueError:
        return file.name  # copied into the audit folder by write()


def _read_options(ref: dict[str, Any]) -> ReadOptions:
    return ReadOptions(sheet=ref.get("sheet"), encoding=ref.get("encoding"), delimiter=ref.get("delimiter"),
                       header_row=ref.get("header_row", 1), header_rows=ref.get("header_rows", 1),
                       data_from_row=ref.get("data_from_row"))


def _find_header(sheet: Sheet, file: Path) -> tuple[Sheet, dict[str, Any] | None]:
    """The header under title rows; Qualtrics' and SurveyMonkey's extra header rows recognised."""
    head = sheet.head
    row = detect_header_row(head) or 1
    found: dict[str, Any] = {}
    by_number = dict(head)
    below = [c for c in (by_number.get(row + 1) or []) if isinstance(c, str) and c.strip()]
    below2 = [c for c in (by_number.get(row + 2) or []) if isinstance(c, str) and c.strip()]
    names = [c for c in (by_number.get(row) or []) if isinstance(c, str) and c.strip()]
    above = by_number.get(row - 1) or []
    if below2 and sum("ImportId" in c for c in below2) >= len(below2) / 2:
        # Qualtrics: ids, then question texts (the header we want), then ImportId JSON
        found = {"header_row": row + 1, "data_from_row": row + 3}
    elif below and any(c.strip() in ("Response", "Open-Ended Response") for c in below):
        found = {"header_row": row, "header_rows": 2}  # SurveyMonkey: question row + option row
    elif len(set(names)) < len(names) and sum(not _cell_blank(c) for c in above) >= 2:
        found = {"header_row": row - 1, "header_rows": 2}  # names repeat: a question row over its option row
    elif row != 1:
        found = {"header_row": row}
    if not found:
        return sheet, None
    options = ReadOptions(sheet=sheet.options.sheet, encoding=sheet.options.encoding,
                          delimiter=sheet.options.delimiter, header_row=found.get("header_row", 1),
                          header_rows=found.get("header_rows", 1), data_from_row=found.get("data_from_row"))
    return open_table(file, _display(file), options), found


def _cell_blank(value: Any) -> bool:
    return value is None or isinstance(value, str) and not value.strip()


def _existing_block(audit_path: Path, kind: Kind) -> dict[str, Any]:
    """The kind's current block in the audit: ``{"ref": {...file options}, "survey": {...survey options},
    "rows": n}`` (``rows``: how many rows are typed into the audit there).

    The options are checked as ``gapaudit run`` checks them, so a hand edit gone wrong (``ignore: 来源`` for
    ``ignore: [来源]``) is reported at its line, never read as something else.
    """
    from gapaudit.load.audit import _Collector, _validate, read_audit_text
    from gapaudit.load.yamlpos import load_yaml

    if not audit_path.is_file():
        raise InputError([InputIssue("no such audit file; create one with gapaudit init", (), str(audit_path),
                                     zh="审核文件不存在；请先用 gapaudit init 创建")])
    display = str(audit_path)
    data, positions = load_yaml(read_audit_text(audit_path), display)
    node: Any = data if isinstance(data, dict) else {}
    for key in kind.path[:-1]:
        node = node.get(key) if isinstance(node, dict) else None
    out: dict[str, Any] = {}
    col = _Collector(display)
    col.positions = {p: (display, line, c) for p, (line, c) in positions.items()}
    language = data.get("audit", {}).get("language") if isinstance(data, dict) and \
        isinstance(data.get("audit"), dict) else None
    col.lang = language if language in ("zh", "en") else None
    if isinstance(node, dict):
        ref = node.get(kind.path[-1])
        if isinstance(ref, dict):
            _validate(TableRef, ref, kind.path, col)
            out["ref"] = ref
        elif isinstance(ref, list) and ref:
            out["rows"] = (len(ref), positions.get(kind.path, (None, None))[0])
        if kind.row is None:
            out["survey"] = {k: v for k, v in node.items() if k != "responses"}
            _validate(m.Survey, out["survey"] | {"responses": []}, kind.path[:-1], col)
    col.raise_if_any()
    return out


# --- the survey ------------------------------------------------------------------------------

def _questionnaire(audit_path: Path) -> tuple[dict[str, str], list[str], Any]:
    """The audit's questionnaire items (id → text), dimensions and scale, read as ``gapaudit run`` reads them."""
    from gapaudit.load.audit import _Collector, _resolve_tables, _validate, read_audit_text
    from gapaudit.load.yamlpos import load_yaml

    text = read_audit_text(audit_path)
    data, _ = load_yaml(text, str(audit_path))
    raw = (data or {}).get("evidence", {}).get("questionnaire") if isinstance(data, dict) else None
    if not isinstance(raw, dict):
        raise InputError([InputIssue(
            "the audit has no questionnaire: import it first (gapaudit import questionnaire FILE --audit ...) or "
            "write evidence.questionnaire.items, so survey columns can be matched to items", (), str(audit_path),
            zh="审核文件中没有问卷：请先导入问卷题项（gapaudit import questionnaire 文件 --audit ...）或填写 "
               "evidence.questionnaire.items，才能把问卷列对应到题项")])
    col = _Collector(str(audit_path))
    resolved = _resolve_tables(m.Questionnaire, raw, ("evidence", "questionnaire"), audit_path.parent, col)
    q = _validate(m.Questionnaire, resolved, ("evidence", "questionnaire"), col)
    col.raise_if_any()
    return {i.id: i.text for i in q.items}, list(dict.fromkeys(i.dimension for i in q.items)), q


def _propose_survey(kind: Kind, sheet: Sheet, ref: dict[str, Any], existing: dict[str, Any], audit_path: Path,
                    role_order: list[str] | None, lang: str) -> Proposal:
    from gapaudit.load.survey import ROLE_LABEL, UNRESOLVED_LABEL, RatingParser, SurveyColumns, norm, \
        resolve_columns, unresolved_message
    from gapaudit.load.survey import ROLE_PREFIX_FIELD, role_markers

    items, dims, questionnaire = _questionnaire(audit_path)
    zh = lang == "zh"
    survey_opts = dict(existing.get("survey") or {})
    if role_order:
        survey_opts["role_order"] = role_order
    proposal = Proposal(kind, sheet, {})
    metadata = {norm(x) for x in SURVEY_METADATA}
    ignore = list(ref.get("ignore") or [])
    respondent = survey_opts.get("respondent_column")
    if respondent is None:
        respondent = next((h for h in sheet.header if h and norm(h) in {norm(x) for x in RESPONDENT_NAMES}), None)
        if respondent is not None:
            survey_opts["respondent_column"] = respondent
            proposal.notes.append((f"respondent ids: column {respondent!r}", f"受访者编号：“{respondent}”列"))
    new_ignored: dict[str, str] = {}
    for h in sheet.header:
        if h and norm(h) in metadata and h != respondent and matches(h, ignore) is None \
                and h not in (ref.get("columns") or {}):
            ignore.append(h)
            new_ignored[h] = "metadata"

    def settings(match: str) -> SurveyColumns:
        defaults = {r: getattr(m.Survey.model_fields[f], "default") for r, f in ROLE_PREFIX_FIELD.items()}
        prefixes = {r: survey_opts.get(f, defaults[r]) for r, f in ROLE_PREFIX_FIELD.items()}
        markers = role_markers(survey_opts.get("role_markers"))
        return SurveyColumns(prefixes=prefixes, points_prefix=survey_opts.get("points_prefix", "W_"),
                             overall_column=survey_opts.get("overall_column"),
                             respondent_column=respondent or "respondent", match=match, markers=markers,
                             role_order=list(survey_opts.get("role_order") or []),
                             renames=dict(ref.get("columns") or {}), ignore=ignore, keep=list(ref.get("keep") or []))

    match = survey_opts.get("match")
    if match is None:
        by_id = resolve_columns(sheet.header, items, dims, settings("id"))
        by_text = resolve_columns(sheet.header, items, dims, settings("text"))
        match = "text" if len(by_text.targets) > len(by_id.targets) else "id"
        if match == "text":
            survey_opts["match"] = "text"
            proposal.notes.append(("columns are matched to items by the item text in their header",
                                   "按表头中的题项文字把列对应到题项"))
    cfg = settings(match)
    res = resolve_columns(sheet.header, items, dims, cfg)
    # read the answers of the matched columns once: rows, missing codes, values that are no rating
    scale = questionnaire.scale
    iscale = questionnaire.importance_scale or scale
    columns = sorted(res.targets)
    unknown = [u for u in res.unresolved if u.reason == "unknown"]
    probe = sorted(set(columns) | {u.index for u in unknown})
    seen = _value_counts(sheet, probe, proposal)
    declared_missing = {normal_text(str(x)).lower() for x in (ref.get("missing") or [])}
    default_missing = {normal_text(x).lower() for x in DEFAULT_MISSING}
    parse = {r: RatingParser(s.min, s.max, s.labels) for r, s in
             (("expectation", scale), ("perception", scale), ("importance", iscale), ("desired", scale),
              ("adequate", scale))}
    found_missing: Counter = Counter()
    odd: dict[int, Counter] = {}
    for c in columns:
        target = res.targets[c]
        if target.role not in parse:
            continue
        for value, n in seen[c].items():
            if not isinstance(parse[target.role](value), tuple):
                continue
            key = normal_text(str(value)).lower()
            if key in declared_missing or key in default_missing:
                continue
            if key in {normal_text(x).lower() for x in KNOWN_MISSING}:
                found_missing[str(value)] += n
            else:
                odd.setdefault(c, Counter())[value] += n
    missing = list(ref.get("missing") or [])
    for value, n in found_missing.most_common():
        missing.append(_as_code(value))
        proposal.notes.append((f"{value!r} means 'not answered' ({n} cells in rating columns)",
                               f"{value!r} 表示未作答（评分列中 {n} 处）"))
    # columns matching no item whose answers are no ratings: demographics, free text → ignored, said why
    rating = RatingParser(scale.min, scale.max, scale.labels)
    for u in list(unknown):
        values = seen.get(u.index, Counter())
        total = sum(values.values())
        ok = sum(n for v, n in values.items() if not isinstance(rating(v), tuple)
                 or normal_text(str(v)).lower() in default_missing | {normal_text(x).lower() for x in KNOWN_MISSING})
        if total == 0 or ok / total < 0.6:
            ignore.append(u.name)
            sample = ", ".join(shorten(v, 20) for v, _ in values.most_common(2))
            new_ignored[u.name] = f"not ratings ({sample})" if sample else "empty"
    if new_ignored:
        cfg = settings(match)
        res = resolve_columns(sheet.header, items, dims, cfg)
    # the match table
    pending: dict[str, list[tuple[int, str, str]]] = {}  # decisions by kind, grouped when many columns share one
    for idx, name in enumerate(sheet.header, start=1):
        if not name:
            continue
        if idx in res.targets:
            t = res.targets[idx]
            role = ROLE_LABEL.get(t.role, (t.role, t.role))[1 if zh else 0]
            how = {"id": ("column id", "列名即编号"), "text": ("item text + role word", "题项文字 + 角色标记"),
                   "text+position": ("item text + role_order", "题项文字 + role_order"),
                   "rename": ("columns:", "columns:")}.get(t.how, (t.how, t.how))
            becomes = f"{t.key} {role}"
            proposal.table.append(Row(idx, name, becomes, how[1 if zh else 0]))
            if idx in odd:
                values = ", ".join(f"{shorten(v, 30)} ({n})" for v, n in odd[idx].most_common(4))
                pending.setdefault("answers", []).append((
                    idx, f"column {shorten(name, 60)}: answers that are no rating on {scale.min}..{scale.max}: "
                    f"{values}; declare them as labels (questionnaire.scale.labels) or as missing codes (--missing)",
                    f"“{name}”列：有不是 {scale.min}..{scale.max} 评分的答案：{values}；请声明为标签"
                    f"（questionnaire.scale.labels）或缺失代码（--missing）"))
        elif res.respondent == idx:
            proposal.table.append(Row(idx, name, "受访者编号" if zh else "respondent id",
                                      "respondent_column" if not zh else "respondent_column"))
        elif idx in res.ignored:
            why = res.ignored[idx]
            reason = new_ignored.get(name)
            if reason == "metadata":
                why = "问卷工具的元数据" if zh else "survey tool's metadata"
            elif reason:
                why = (("不是评分题：" if zh else "no item's text; ") + reason.replace("not ratings", "答案" if zh
                                                                                      else "answers"))
            proposal.table.append(Row(idx, name, "忽略" if zh else "ignored", why))
        else:
            u = next(x for x in res.unresolved if x.index == idx)
            en, zh_text = unresolved_message(u, cfg, items, flags=True)
            label = UNRESOLVED_LABEL.get(u.reason, (u.reason, u.reason))
            proposal.table.append(Row(idx, name, "需要决定" if zh else "needs a decision", label[1 if zh else 0]))
            pending.setdefault(u.reason, []).append((idx, en, zh_text))
    _decide_grouped(proposal, pending)
    ref["ignore"] = ignore
    if missing:
        ref["missing"] = missing
    block = dict(survey_opts)
    block["responses"] = _clean_ref(ref)
    proposal.block = _ordered_survey(block)
    return proposal


#: a decision shared by this many columns is listed once, with the columns
GROUP_DECISIONS_FROM = 4


def _decide_grouped(proposal: Proposal, pending: dict[str, list[tuple[int, str, str]]]) -> None:
    """Decisions of one kind for many columns become one line naming the columns; the first shows the option."""
    from gapaudit.errors import column_letter

    for entries in pending.values():
        if len(entries) < GROUP_DECISIONS_FROM:
            proposal.decisions.extend((en, zh) for _, en, zh in entries)
            continue
        letters = ", ".join(column_letter(i) for i, _, _ in entries[:8]) + (", …" if len(entries) > 8 else "")
        _, en, zh = entries[0]
        proposal.decisions.append((f"{len(entries)} columns ({letters}) need the same decision; the first: {en}",
                                   f"{len(entries)} 列（{letters}）需要同样的决定；第一列：{zh}"))


def _value_counts(sheet: Sheet, columns: list[int], proposal: Proposal, chunk: int = 5000) -> dict[int, Counter]:
    """Every distinct value of each column with its count, read in one pass (blank cells left out).

    Rows are counted a chunk at a time, so memory stays that of one chunk whatever the file's length.
    """
    counts = [Counter() for _ in columns]
    kept: list[list[Any]] = [[] for _ in columns]
    rows = 0
    for _row, cells in sheet.rows(columns):
        rows += 1
        for store, value in zip(kept, cells):
            store.append(value)
        if rows % chunk == 0:
            for counter, store in zip(counts, kept):
                counter.update(store)
                store.clear()
    for counter, store in zip(counts, kept):
        counter.update(store)
        counter.pop(None, None)
    proposal.rows = rows
    return dict(zip(columns, counts))


def _as_code(value: str) -> Any:
    try:
        number = float(value)
        return int(number) if number.is_integer() else number
    except ValueError:
        return value


def _clean_ref(ref: dict[str, Any]) -> dict[str, Any]:
    order = ("file", "sheet", "encoding", "delimiter", "header_row", "header_rows", "data_from_row", "keep", "ignore",
             "columns", "missing", "values", "date_format", "decimal", "unpivot")
    out = {k: ref[k] for k in order if k in ref and ref[k] not in (None, [], {})}
    out.update({k: v for k, v in ref.items() if k not in order and v not in (None, [], {})})
    if out.get("header_rows") == 1:
        out.pop("header_rows")
    if out.get("header_row") == 1:
        out.pop("header_row")
    return out


def _ordered_survey(block: dict[str, Any]) -> dict[str, Any]:
    order = ("responses", "respondent_column", "match", "role_order", "role_markers", "layout", "item_column")
    return {k: block[k] for k in order if k in block} | {k: v for k, v in block.items() if k not in order}


# --- other tables ---------------------------------------------------------------------------

def field_for(header: str, known: dict[str, str]) -> tuple[str | None, str]:
    """The field a column header names: the field itself, else the longest synonym the header contains."""
    from gapaudit.load.survey import norm

    h = norm(header)
    if header in known:
        return header, "field name"
    for f in known:
        if norm(f) == h:
            return f, "field name"
    best: tuple[int, str] | None = None
    for f in known:
        for word in SYNONYMS.get(f, ()):
            w = norm(word)
            if w and (w == h or (len(w) >= 2 and w in h and not w.isascii()) or (w.isascii() and w == h)):
                if best is None or len(w) > best[0]:
                    best = (len(w), f)
    return (best[1], "header word") if best else (None, "")


ROW_NUMBER_NAMES = ("序号", "no", "行号", "")


def _propose_rows(kind: Kind, sheet: Sheet, ref: dict[str, Any], audit_path: Path, lang: str) -> Proposal:
    from gapaudit.load.survey import norm

    zh = lang == "zh"
    assert kind.row is not None
    known = model_fields(kind.row)
    proposal = Proposal(kind, sheet, {})
    renames = dict(ref.get("columns") or {})
    ignore = list(ref.get("ignore") or [])
    taken: dict[str, str] = {}
    for field_, col in [(v, k) for k, v in renames.items() if k in sheet.header]:
        taken[field_] = col
    targets: dict[int, str] = {}
    chosen: set[int] = set()
    for idx, name in enumerate(sheet.header, start=1):
        if not name or matches(name, ignore) is not None:
            continue
        if name in renames:  # the user's choice (--map, or columns: in the audit); "-" leaves the column out
            if renames[name] != "-":
                targets[idx] = renames[name]
                chosen.add(idx)
            continue
        f, _why = field_for(name, known)
        if f is None or f in taken:
            continue
        taken[f] = name
        targets[idx] = f
        if f != name:
            renames[name] = f
    for idx, name in enumerate(sheet.header, start=1):  # 序号 / No: the row's id when nothing else is, else left out
        if idx in targets or name in renames or not name or norm(name) not in ROW_NUMBER_NAMES \
                or matches(name, ignore) is not None:
            continue
        if "id" in known and "id" not in taken:
            taken["id"] = name
            targets[idx] = renames[name] = "id"
        else:
            ignore.append(name)
    unpivot = ref.get("unpivot") or (_wide_checklist(kind, sheet, targets, audit_path) if kind.name == "observations"
                                     else None)
    if unpivot:
        ref["unpivot"] = unpivot
        for idx, name in enumerate(sheet.header, start=1):
            if name and matches(name, unpivot["columns"]):
                renames.pop(name, None)
                targets.pop(idx, None)
    ref["columns"] = renames
    # scan the mapped columns: values the fields would refuse, date forms
    probe = sorted(targets)
    value_cols = [i for i, n in enumerate(sheet.header, start=1) if n and unpivot and matches(n, unpivot["columns"])]
    seen = _value_counts(sheet, probe + value_cols, proposal)
    from typing import Annotated

    annotations = {(info.alias or n): Annotated[(info.annotation, *info.metadata)] if info.metadata
                   else info.annotation for n, info in kind.row.model_fields.items()}
    values_map = dict(ref.get("values") or {})
    if "decimal" not in ref:
        _decimal_mark([(sheet.header[c - 1], seen[c]) for c in probe if known.get(targets[c]) in ("int", "float")],
                      ref, proposal)
    reader = CellReader(TableRef.model_validate(_clean_ref(ref) | {"values": values_map}), known, sheet)
    for c in probe:
        f = targets[c]
        kind_ = known.get(f)
        if kind_ == "date":
            fmt = ref.get("date_format") or _date_format(seen[c], proposal, sheet.header[c - 1])
            if fmt:
                ref["date_format"] = fmt
            reader.date_format = fmt
            if not any(en.startswith(f"column {sheet.header[c - 1]!r}") for en, _ in proposal.decisions):
                _refused(f, c, seen[c], annotations.get(f), reader, proposal)
            continue
        _refused(f, c, seen[c], annotations.get(f), reader, proposal)
    if unpivot:
        vt = unpivot["value_to"]
        merged: Counter = Counter()
        for c in value_cols:
            merged.update(seen[c])
        _refused(vt, value_cols[0], merged, annotations.get(vt), reader, proposal)
    # the match table and what is missing
    present = set(targets.values()) | ({unpivot["name_to"], unpivot["value_to"]} if unpivot else set())
    for idx, name in enumerate(sheet.header, start=1):
        if not name:
            continue
        if idx in targets:
            why = ("columns:", "columns:") if idx in chosen else ("field name", "字段名") if targets[idx] == name \
                else ("header word", "表头用词")
            proposal.table.append(Row(idx, name, targets[idx], why[1 if zh else 0]))
        elif renames.get(name) == "-":
            proposal.table.append(Row(idx, name, "忽略" if zh else "ignored", "columns: -"))
        elif unpivot and matches(name, unpivot["columns"]):
            proposal.table.append(Row(idx, name, f"{unpivot['name_to']} = {name}; {unpivot['value_to']} = " + (
                "单元格" if zh else "cell"), "unpivot"))
        elif (hit := matches(name, ignore)) is not None:
            why = ("行号" if zh else "row numbers") if norm(name) in ROW_NUMBER_NAMES else f"ignore: {hit}"
            proposal.table.append(Row(idx, name, "忽略" if zh else "ignored", why))
        else:
            from gapaudit.analysis.evidence import suggest

            proposal.table.append(Row(idx, name, "需要决定" if zh else "needs a decision",
                                      "不是已知字段" if zh else "no field of this name"))
            free = [f for f in known if f not in present]
            proposal.decisions.append((
                f"column {shorten(name, 60)} names no field of {kind.name}{suggest(name, free)} (free fields: "
                f"{', '.join(free)}); map it with --map '{name}=FIELD' or leave it out with --ignore '{name}'",
                f"“{name}”列对应不上 {kind.name} 的字段{suggest(name, free, 'zh')}（未使用的字段：{'、'.join(free)}）；"
                f"请用 --map '{name}=字段' 指定，或用 --ignore '{name}' 忽略"))
    for name, target in renames.items():
        if name in sheet.header and target != "-" and target not in known:
            from gapaudit.analysis.evidence import suggest

            proposal.decisions.append((
                f"--map '{name}={target}': {target!r} is no field of {kind.name}{suggest(target, set(known))} "
                f"(fields: {', '.join(known)})", f"--map '{name}={target}'：{target!r} 不是 {kind.name} 的字段"
                f"{suggest(target, set(known), 'zh')}（字段：{'、'.join(known)}）"))
    for f in required_fields(kind.row):
        if f not in present:
            proposal.decisions.append((f"no column gives the required field {f!r}; name one with --map 'COLUMN={f}'",
                                       f"没有列对应必填字段 {f!r}；请用 --map '列名={f}' 指定"))
    if unpivot and unpivot["name_to"] == "standard":
        _unknown_standard_columns([sheet.header[c - 1] for c in value_cols], values_map, audit_path, proposal)
    if values_map:
        ref["values"] = values_map
    ref["ignore"] = ignore
    proposal.block = _clean_ref(ref)
    return proposal


def _refused(fieldname: str, column: int, values: Counter, annotation: Any, reader: CellReader,
             proposal: Proposal) -> None:
    """List the values of a column that ``gapaudit run`` would refuse for its field (after the value maps)."""
    if annotation is None:
        return
    adapter = TypeAdapter(annotation)
    bad: Counter = Counter()
    said: tuple[str, str] | None = None  # what the converter says of the first value it refuses
    for value, n in values.items():
        converted, error = reader.convert(fieldname, column, value)
        if error is None and converted is not None:
            try:
                adapter.validate_python(converted)
                continue
            except ValidationError:
                pass
        elif error is None:
            continue  # a missing code
        said = said or error
        bad[value] += n
    if bad:
        name = reader.header[column - 1]
        shown = ", ".join(f"{shorten(v, 24)} ({n})" for v, n in bad.most_common(6))
        example = next(iter(bad))
        if said is not None and reader.kinds.get(fieldname) == "date":
            how = (f"{said[0]}; if the column holds no dates, leave it out with --ignore '{name}'",
                   f"{said[1]}；若该列不是日期，请用 --ignore '{name}' 忽略")
        elif said is not None and reader.kinds.get(fieldname) in ("int", "float"):
            how = said  # the form expected: a number is corrected in the file or declared, not mapped
        else:
            how = (f"map them with --value '{fieldname}:{example}=...' (or values: in the audit)",
                   f"请用 --value '{fieldname}:{example}=...' 对应（或在审核文件中写 values:）")
        proposal.decisions.append((
            f"column {shorten(name, 60)} ({fieldname}): values not understood: {shown}; {how[0]}",
            f"“{name}”列（{fieldname}）：无法识别的值：{shown}；{how[1]}"))


def _decimal_mark(columns: list[tuple[str, Counter]], ref: dict[str, Any], proposal: Proposal) -> None:
    """``decimal: ','`` when number columns write decimals with a comma (``28,5``) and never with a point."""
    from gapaudit.load.tables import is_comma_decimal

    comma = [(name, v) for name, values in columns for v in values if isinstance(v, str) and is_comma_decimal(v)]
    point = any(isinstance(v, float) or isinstance(v, str) and "." in v and "," not in v and v.count(".") == 1
                and len(v.split(".")[1]) != 3 for _, values in columns for v in values)
    if comma and not point:
        ref["decimal"] = ","
        name, value = comma[0]
        proposal.notes.append((f"column {name!r}: numbers have a decimal comma ({value} is "
                               f"{value.replace('.', '').replace(',', '.')})",
                               f"“{name}”列：数字使用小数逗号（{value} 即 {value.replace('.', '').replace(',', '.')}）"))


def _date_format(values: Counter, proposal: Proposal, column: str) -> str | None:
    """The date order a column proves (15/09/2026 can only be day first), or None when every form is plain."""
    import re

    first_big: list[Any] = []   # values whose first number can only be a day
    second_big: list[Any] = []  # ... whose second number can only be a day
    ambiguous: list[Any] = []
    serial = 0
    for value in values:
        number = parse_number(value) if isinstance(value, str) and value.strip().isdigit() else value
        if isinstance(number, (int, float)) and not isinstance(number, bool):
            serial += 20000 <= number <= 80000
            continue
        match = re.match(r"^\s*(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", str(value))
        if match:
            a, b = int(match[1]), int(match[2])
            (first_big if a > 12 else second_big if b > 12 else ambiguous).append(value)
    if serial and not (first_big or second_big or ambiguous):
        proposal.notes.append((f"column {column!r}: numbers such as {next(iter(values))} are Excel serial dates",
                               f"“{column}”列：{next(iter(values))} 这样的数字是 Excel 日期序号"))
        return "excel"
    if first_big and second_big:
        proposal.decisions.append((
            f"column {column!r} mixes day-first ({first_big[0]}) and month-first ({second_big[0]}) dates; correct "
            "the file, or declare the order of most with --date-format DMY or MDY",
            f"“{column}”列混有日在前（{first_big[0]}）和月在前（{second_big[0]}）的日期；请改正文件，"
            "或用 --date-format DMY 或 MDY 声明多数日期的顺序"))
        return None
    if first_big:
        proposal.notes.append((f"column {column!r}: dates are day first ({first_big[0]} has a day above 12)",
                               f"“{column}”列：日期为日在前（{first_big[0]} 的日大于 12）"))
        return "DMY"
    if second_big:
        proposal.notes.append((f"column {column!r}: dates are month first ({second_big[0]} has a day above 12)",
                               f"“{column}”列：日期为月在前（{second_big[0]} 的日大于 12）"))
        return "MDY"
    if ambiguous:
        proposal.decisions.append((
            f"column {column!r}: dates like {ambiguous[0]} could be day or month first; give --date-format DMY "
            "or MDY", f"“{column}”列：{ambiguous[0]} 这样的日期无法判断日月顺序；请指定 --date-format DMY 或 MDY"))
        return None
    unread = [v for v in values if isinstance(parse_date(v), tuple)]
    pattern = next((p for p in DATE_PATTERNS if unread and all(_strptime(v, p) for v in unread)), None)
    if pattern:
        proposal.notes.append((f"column {column!r}: dates are written {pattern} ({unread[0]})",
                               f"“{column}”列：日期的写法是 {pattern}（{unread[0]}）"))
    return pattern


#: date forms import recognises beside the year-first, day/month-first and Excel ones (strftime patterns)
DATE_PATTERNS = ("%d-%b-%Y", "%d %b %Y", "%b %d, %Y", "%d %B %Y", "%B %d, %Y", "%d-%b-%y", "%Y%m%d")


def _strptime(value: Any, pattern: str) -> bool:
    try:
        dt.datetime.strptime(normal_text(str(value)), pattern)
        return True
    except ValueError:
        return False


def _wide_checklist(kind: Kind, sheet: Sheet, targets: dict[int, str], audit_path: Path) -> dict[str, Any] | None:
    """A checklist with one column per visit (rows are standards) or per standard (rows are visits).

    Columns named by the audit's standards (id or title) are standards; otherwise columns whose cells are
    answers are visits, or standards when another column already gives the visit.
    """
    from gapaudit.load.survey import norm
    from gapaudit.model.base import _ANSWERS

    answers = {normal_text(k).lower() for k in _ANSWERS}
    standards = _standards(audit_path)
    std_names = {norm(s) for pair in standards for s in pair}
    by_standard = [n for n in sheet.header if n and norm(n) in std_names]
    if len(by_standard) >= 2:
        return {"columns": by_standard, "name_to": "standard", "value_to": "result"}
    if "result" in targets.values():
        return None
    answer_cols: list[str] = []
    counts: dict[int, int] = {}
    total: dict[int, int] = {}
    for _row, cells in sheet.rows():
        for i, value in enumerate(cells, start=1):
            if value is None or i in targets and targets[i] != "visit":
                continue
            total[i] = total.get(i, 0) + 1
            if normal_text(str(value)).lower() in answers or value in (0, 1, True, False):
                counts[i] = counts.get(i, 0) + 1
    for i, n in counts.items():
        if total.get(i) and n / total[i] >= 0.8 and sheet.header[i - 1]:
            answer_cols.append(sheet.header[i - 1])
    if len(answer_cols) >= 2:
        # rows are standards, columns visits (the common paper layout) — unless a column already names the visit
        name_to = "standard" if "visit" in targets.values() else "visit"
        return {"columns": answer_cols, "name_to": name_to, "value_to": "result"}
    return None


def _unknown_standard_columns(names: list[str], values_map: dict[str, Any], audit_path: Path,
                              proposal: Proposal) -> None:
    """Columns read as standards that name none of the audit's standards (by id or title): one decision."""
    from gapaudit.analysis.evidence import suggest
    from gapaudit.load.survey import norm

    standards = _standards(audit_path)
    known = {norm(s) for pair in standards for s in pair if s}
    renamed = {normal_text(str(k)): v for k, v in (values_map.get("standard") or {}).items()}
    unknown = [n for n in names if norm(str(renamed.get(normal_text(n), n))) not in known]
    if not unknown:
        return
    listing = ", ".join(f"{s} ({shorten(title, 30)})" for s, title in standards) or "-"
    first = unknown[0]
    hint = suggest(first, [title for _, title in standards] + [s for s, _ in standards])
    proposal.decisions.append((
        f"{len(unknown)} column(s) read as standards name no standard of the audit: "
        f"{', '.join(shorten(n, 30) for n in unknown[:6])}{hint}; the audit's standards are {listing}; say which "
        f"standard each is with --value 'standard:{first}=ID' (repeatable)",
        f"有 {len(unknown)} 列按服务标准读取，但不是审核文件中的任何标准：{'、'.join(shorten(n, 30) for n in unknown[:6])}"
        f"{suggest(first, [title for _, title in standards] + [s for s, _ in standards], 'zh')}；审核文件中的标准有 "
        f"{listing}；请用 --value 'standard:{first}=编号' 指明每列是哪条标准（可重复）"))


def _standards(audit_path: Path) -> list[tuple[str, str]]:
    """(id, title) of the audit's standards, when they can be read."""
    try:
        from gapaudit.load.audit import _Collector, _resolve_tables, read_audit_text
        from gapaudit.load.yamlpos import load_yaml

        data, _ = load_yaml(read_audit_text(audit_path), str(audit_path))
        raw = data.get("evidence", {}) if isinstance(data, dict) else {}
        col = _Collector(str(audit_path))
        ev = _resolve_tables(m.Evidence, {"standards": raw.get("standards", [])}, ("evidence",), audit_path.parent,
                             col)
        return [(str(s.get("id", "")), str(s.get("title", ""))) for s in ev.get("standards", []) if isinstance(s, dict)]
    except (InputError, AttributeError):
        return []


# --- writing -----------------------------------------------------------------------------------

def write(proposal: Proposal, file: Path, audit_path: Path, *, force: bool = False) -> list[tuple[str, str]]:
    """Copy the file into the audit folder when it lies outside, and write the block into the audit file.

    Returns what was done, one (en, zh) line each. Rows typed into the audit where the block goes are not
    replaced without ``force``.
    """
    from gapaudit.load.yaml_edit import EditError, set_block
    from gapaudit.render.output import write_atomic

    done: list[tuple[str, str]] = []
    if proposal.typed_rows and not force:
        n, line = proposal.typed_rows
        where = ".".join(proposal.kind.path)
        raise InputError([InputIssue(
            f"{where} holds {n} rows typed into the audit; importing {file.name} would replace them: move them "
            "into the file, or run again with --force to replace them", (), str(audit_path), line,
            zh=f"{where} 中有 {n} 行直接写在审核文件里；导入 {file.name} 会替换掉它们：请把它们并入该文件，"
               "或加 --force 再运行以替换")])
    target = copy_target(proposal, file, audit_path)
    if not force and clashes(proposal, file, audit_path):
        raise FileExistsError(str(target))
    kind = proposal.kind
    path = kind.path[:-1] if kind.row is None else kind.path
    text = audit_path.read_text(encoding="utf-8-sig")

    def update(current: Any) -> Any:
        if kind.row is None:
            if current is None or not hasattr(current, "items"):
                return proposal.block
            for key in list(current):
                if key not in proposal.block:
                    del current[key]
            for key, value in proposal.block.items():
                current[key] = _merge(current.get(key), value)
            return current
        return _merge(current, proposal.block) if hasattr(current, "items") else proposal.block

    try:
        new_text = set_block(text, path, update)
    except EditError as exc:
        raise InputError([InputIssue(str(exc), (), str(audit_path), exc.line, zh=exc.zh)]) from None
    if target is not None:  # copied once the audit's new text is known to be writable
        shutil.copyfile(file, target)
        done.append((f"copied {file} to {target}", f"已把 {file} 复制为 {target}"))
    write_atomic(audit_path, new_text.encode("utf-8"))
    done.append((f"wrote evidence.{'.'.join(path[1:])} in {audit_path}",
                 f"已写入 {audit_path} 的 evidence.{'.'.join(path[1:])}"))
    return done


def copy_target(proposal: Proposal, file: Path, audit_path: Path) -> Path | None:
    """Where ``file`` is copied in the audit folder, or None when it already lies inside."""
    folder = audit_path.parent.resolve()
    if file.resolve().is_relative_to(folder):
        return None
    return folder / (proposal.block["responses"]["file"] if proposal.kind.row is None else proposal.block["file"])


def clashes(proposal: Proposal, file: Path, audit_path: Path) -> Path | None:
    """A different file of the same name already in the audit folder, which ``write`` would not overwrite."""
    target = copy_target(proposal, file, audit_path)
    return target if target is not None and target.exists() and not _same_file(target, file) else None


def _merge(current: Any, new: Any) -> Any:
    """New values laid over a ruamel mapping, keeping its comments; keys the proposal dropped are removed."""
    if not hasattr(current, "items") or not isinstance(new, dict):
        return new
    for key in list(current):
        if key not in new:
            del current[key]
    for key, value in new.items():
        current[key] = _merge(current.get(key), value)
    return current


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.read_bytes() == b.read_bytes()
    except OSError:
        return False
