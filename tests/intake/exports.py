"""Exports shaped like the real ones (see shared/real-data.md), written from a fixed seed.

Each writer returns the answers it wrote as plain numbers (None = no answer),
so a test can compare what gapaudit reads with what the file holds, computed
without gapaudit. Nothing here uses gapaudit's own readers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font

from gapaudit.scaffold import servqual_items

LABELS_ZH7 = ["非常不同意", "不同意", "有点不同意", "一般", "有点同意", "同意", "非常同意"]
IMPORTANCE_ZH7 = ["非常不重要", "不重要", "比较不重要", "一般", "比较重要", "重要", "非常重要"]
LABELS_EN7 = ["Strongly disagree", "Disagree", "Somewhat disagree", "Neither agree nor disagree",
              "Somewhat agree", "Agree", "Strongly agree"]


@dataclass
class Written:
    """What an export holds: per respondent, per (role, item) the number answered (None: no answer)."""

    respondents: list[str] = field(default_factory=list)
    answers: list[dict[tuple[str, str], float | None]] = field(default_factory=list)

    def mean(self, role: str, item: str) -> float | None:
        values = [a[(role, item)] for a in self.answers if a.get((role, item)) is not None]
        return sum(values) / len(values) if values else None

    def answered(self, role: str, item: str) -> int:
        return sum(1 for a in self.answers if a.get((role, item)) is not None)


def items(lang: str) -> list[dict[str, str]]:
    return servqual_items(lang)


def audit_yaml(lang: str, extra: str = "") -> str:
    """An audit with the 22-item questionnaire inline (7-point scale) and four standards."""
    rows = "\n".join(f"      - {{id: {i['id']}, dimension: {i['dimension']}, text: {json.dumps(i['text'], ensure_ascii=False)}}}"
                     for i in items(lang))
    titles = STANDARDS_ZH if lang == "zh" else STANDARDS_EN
    standards = "\n".join(f"    - {{id: {sid}, title: {title}, covers: [{cover}]}}" for sid, title, cover in titles)
    return f"""\
# 测试用审核文件：问卷和日志从导出文件导入
schema_version: 1
audit: {{id: 2026Q4-T01, date: 2026-12-15, language: {lang}}}
store: {{id: T01, name: {'测试门店' if lang == 'zh' else 'Test store'}}}

evidence:
  questionnaire:
    scale: {{min: 1, max: 7}}
    items:
{rows}

  # written service standards
  standards:
{standards}
{extra}"""


STANDARDS_ZH = [("FIT", "试衣间每15分钟巡查", "RES2"), ("GREET", "顾客进店10秒内问候", "EMP1"),
                ("UNIFORM", "统一着装、佩戴工牌", "TAN3"), ("PRICE", "价签与系统价格一致", "REL5")]
STANDARDS_EN = [("FIT", "Fitting rooms checked every 15 minutes", "RES2"),
                ("GREET", "Customers greeted within 10 seconds", "EMP1"),
                ("UNIFORM", "Uniform and name badge", "TAN3"), ("PRICE", "Shelf price matches till", "REL5")]


def _answers(rng: random.Random, n: int, roles: tuple[str, ...], skip_role: str | None = None,
             skip_share: float = 0.0, blank_share: float = 0.03) -> Written:
    written = Written()
    ids = [i["id"] for i in items("en")]
    for r in range(n):
        answers: dict[tuple[str, str], float | None] = {}
        skipped = skip_role is not None and rng.random() < skip_share
        for role in roles:
            for item in ids:
                if skipped and role == skip_role:
                    answers[(role, item)] = None  # a logic jump: written as the tool's skip code
                    continue
                if rng.random() < blank_share:
                    answers[(role, item)] = None
                    continue
                base = {"expectation": 6, "perception": 5, "importance": 5}[role]
                answers[(role, item)] = float(min(7, max(1, round(rng.gauss(base, 1.0)))))
        answers[("skipped", "")] = 1.0 if skipped else None
        written.respondents.append(str(r + 1))
        written.answers.append(answers)
    return written


def wenjuanxing(path: Path, n: int = 320, seed: int = 1) -> Written:
    """问卷星 "按文本" CSV download: GBK, CRLF, metadata block, demographics, matrix questions, (跳过), free text."""
    rng = random.Random(seed)
    written = _answers(rng, n, ("expectation", "perception", "importance"), skip_role="perception", skip_share=0.1)
    zh = items("zh")
    header = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP", "1、您的性别：", "2、您的年龄段："]
    dash = ["—", "-", "－"]
    for k, (number, lead) in enumerate([(3, "请对以下方面的期望打分"), (4, "您在本店的实际感受"), (5, "以下方面对您的重要程度")]):
        for j, item in enumerate(zh):
            text = item["text"].replace("，", ",") if j % 3 == 0 else item["text"]  # half-width comma in some rows
            header.append(f"{number}、{lead}{dash[j % 3]}{text}")
    header.append("6、您对本店还有什么建议？")
    rows = []
    for r, answers in enumerate(written.answers):
        t = dt.datetime(2026, 10, 1, 9) + dt.timedelta(minutes=37 * r)
        row = [str(r + 1), f"{t.year}/{t.month}/{t.day} {t:%H:%M:%S}", f"{rng.randint(90, 400)}秒",
               rng.choice(["手机提交", "微信", "链接"]), "直接访问", f"120.36.{r % 250}.{r % 17}(福建-厦门)",
               rng.choice(["男", "女"]), rng.choice(["18-24岁", "25-34岁", "35-44岁", "45岁以上"])]
        skipped = answers[("skipped", "")] is not None
        for role in ("expectation", "perception", "importance"):
            for item in zh:
                value = answers[(role, item["id"])]
                if value is None:
                    row.append("(跳过)" if skipped and role == "perception" else "")
                else:
                    labels = IMPORTANCE_ZH7 if role == "importance" else LABELS_ZH7
                    row.append(labels[int(value) - 1])
        row.append(rng.choice(["", "", "希望试衣间多一些", "收银排队太久了", "(空)"]))
        rows.append(row)
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode("gbk"))
    return written


def qualtrics(path: Path, n: int = 180, seed: int = 2) -> Written:
    """Qualtrics CSV: ids row, question-text row, ImportId row; metadata first; -99 for seen but unanswered."""
    rng = random.Random(seed)
    written = _answers(rng, n, ("expectation", "perception"), blank_share=0.02)
    en = items("en")
    meta = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished",
            "RecordedDate", "ResponseId", "DistributionChannel", "UserLanguage"]
    ids_row = meta + [f"Q{q}_{j + 1}" for q in (1, 2) for j in range(len(en))]
    texts = ["Start Date", "End Date", "Response Type", "IP Address", "Progress", "Duration (in seconds)", "Finished",
             "Recorded Date", "Response ID", "Distribution Channel", "User Language"]
    texts += [f"Expectation: how far do you agree? - {i['text']}" for i in en]
    texts += [f"Perception: thinking of this store, how far do you agree? - {i['text']}" for i in en]
    import_row = [json.dumps({"ImportId": m.lower()}) for m in meta]
    import_row += [json.dumps({"ImportId": f"QID{q}_{j + 1}"}) for q in (1, 2) for j in range(len(en))]
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerows([ids_row, texts, import_row])
    for r, answers in enumerate(written.answers):
        row = ["2026-10-02 10:00:00", "2026-10-02 10:05:00", "IP Address", "203.0.113.9", "100", "300", "True",
               "2026-10-02 10:05:01", f"R_{r:05d}abc", "anonymous", "EN"]
        for role in ("expectation", "perception"):
            for item in en:
                value = answers[(role, item["id"])]
                row.append("-99" if value is None else str(int(value)))
        writer.writerow(row)
    written.respondents = [f"R_{r:05d}abc" for r in range(n)]
    path.write_bytes(buf.getvalue().encode("utf-8-sig"))
    return written


def google_forms(path: Path, n: int = 120, seed: int = 3) -> Written:
    """Google Forms CSV from Sheets: Timestamp first, grid questions as 'Question [row]', label answers."""
    rng = random.Random(seed)
    written = _answers(rng, n, ("expectation", "perception"), blank_share=0.04)
    en = items("en")
    header = ["Timestamp", "How often do you shop here?"]
    header += [f"What you expect from a good store [{i['text']}]" for i in en]
    header += [f"Your experience at this store [{i['text']}]" for i in en]
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow(header)
    for r, answers in enumerate(written.answers):
        t = dt.datetime(2026, 10, 3, 8) + dt.timedelta(minutes=11 * r)
        row = [f"{t.month}/{t.day}/{t.year} {t:%H:%M:%S}", rng.choice(["Weekly", "Monthly", "Rarely"])]
        for role in ("expectation", "perception"):
            for item in en:
                value = answers[(role, item["id"])]
                row.append("" if value is None else LABELS_EN7[int(value) - 1])
        writer.writerow(row)
    path.write_bytes(buf.getvalue().encode("utf-8"))
    return written


def surveymonkey_utf16(path: Path, n: int = 90, seed: int = 4) -> Written:
    """SurveyMonkey export saved by Excel as "Unicode text": UTF-16 with BOM, tab-separated, two header rows."""
    rng = random.Random(seed)
    written = _answers(rng, n, ("expectation", "perception"), blank_share=0.02)
    en = items("en")
    meta = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address",
            "First Name", "Last Name", "Custom Data 1"]
    row1 = meta + ["Expectation: how much do you agree?"] + [""] * (len(en) - 1) \
        + ["Perception: how much do you agree about this store?"] + [""] * (len(en) - 1)
    row2 = [""] * len(meta) + [i["text"] for i in en] * 2
    lines = ["\t".join(row1), "\t".join(row2)]
    for r, answers in enumerate(written.answers):
        row = [f"1140{r:06d}", "4321", "10/04/2026 09:12:00", "10/04/2026 09:20:00", "", "", "", "", ""]
        for role in ("expectation", "perception"):
            for item in en:
                value = answers[(role, item["id"])]
                row.append("" if value is None else f"{int(value)} - {LABELS_EN7[int(value) - 1]}")
        lines.append("\t".join(row))
    written.respondents = [f"1140{r:06d}" for r in range(n)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-16"))
    return written


@dataclass
class Checklist:
    """What a wide checklist holds: (standard id, visit) → answer word."""

    cells: dict[tuple[str, str], str] = field(default_factory=dict)

    def compliance(self, standard: str) -> tuple[int, int]:
        """(yes, checked) for a standard, 'not applicable' left out; partly does not occur here."""
        values = [v for (s, _), v in self.cells.items() if s == standard and v not in ("不适用", "/")]
        return sum(v in ("是", "√") for v in values), len(values)


def excel_checklist(path: Path, visits: int = 10, seed: int = 5) -> Checklist:
    """A mystery-shop checklist filled in Excel: merged title, store/date line, items as rows, one column per visit,
    section rows, a notes column, blank cells for items not checked."""
    rng = random.Random(seed)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "检查表"
    last = 2 + visits + 1
    ws.cell(1, 1, "2026年第四季度神秘顾客检查表").font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    ws.cell(2, 1, "门店：测试门店")
    ws.cell(2, 4, "检查人：王芳")
    ws.cell(2, 8, "日期：2026年10月")
    header = ["序号", "检查项目"] + [f"第{v}次" for v in range(1, visits + 1)] + ["备注"]
    for c, name in enumerate(header, start=1):
        ws.cell(4, c, name).font = Font(bold=True)
    out = Checklist()
    rate = {"FIT": 0.2, "GREET": 0.6, "UNIFORM": 0.95, "PRICE": 0.85}
    row = 5
    sections = [("一、服务流程", ["FIT", "GREET"]), ("二、仪容与价签", ["UNIFORM", "PRICE"])]
    number = 0
    for title, standards in sections:
        ws.cell(row, 1, title).font = Font(bold=True)
        row += 1
        for sid in standards:
            number += 1
            ws.cell(row, 1, number)
            ws.cell(row, 2, dict((s, t) for s, t, _ in STANDARDS_ZH)[sid])
            for v in range(1, visits + 1):
                roll = rng.random()
                if roll < 0.08:
                    continue  # not checked on this visit
                if roll < 0.13:
                    word = rng.choice(["不适用", "/"])
                else:
                    word = rng.choice(["是", "√"]) if rng.random() < rate[sid] else rng.choice(["否", "×"])
                ws.cell(row, 2 + v, word)
                out.cells[(sid, f"第{v}次")] = word
            if sid == "FIT":
                ws.cell(row, last, "高峰时段无人巡查")
            row += 1
        row += 1  # a blank row between sections
    wb.save(path)
    return out


@dataclass
class Complaint:
    date: dt.date
    severity: str
    hours: float | None


def complaints_log(path: Path, n: int = 60, seed: int = 6) -> list[Complaint]:
    """A complaints register from a CRM, saved as CSV: Chinese headers, 2026/10/15 dates, 高/中/低, full-width digits."""
    rng = random.Random(seed)
    header = ["投诉编号", "日期", "渠道", "类别", "严重程度", "处理结果", "处理时长（小时）", "顾客去留"]
    rows, out = [], []
    for k in range(n):
        day = dt.date(2026, 10, 1) + dt.timedelta(days=rng.randint(0, 60))
        sev = rng.choice(["高", "中", "中", "低"])
        resolved = rng.random() < 0.8
        hours = round(rng.uniform(1, 72), 1) if resolved else None
        shown = "" if hours is None else (str(hours).translate(str.maketrans("0123456789.", "０１２３４５６７８９．"))
                                          if k % 7 == 0 else str(hours))
        rows.append([f"TS{k + 1:04d}", f"{day.year}/{day.month}/{day.day}", rng.choice(["电话", "服务台", "微信"]),
                     rng.choice(["试衣间排队", "价格", "服务态度"]), sev, "已解决" if resolved else "未解决", shown,
                     rng.choice(["挽回", "流失", "未知"])])
        out.append(Complaint(day, {"高": "high", "中": "medium", "低": "low"}[sev], hours))
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode("gb18030"))
    return out
