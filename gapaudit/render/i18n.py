"""Fixed report text in zh and en, and locale formatting of numbers and dates.

Everything a report prints that is not audit data or module output comes
from :data:`TEXT`, so a report is entirely in one language.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from gapaudit.model.vocab import label as vocab_label

MINUS = "\u2212"  # typographic minus: "−0.86", not "-0.86"
DASH = "—"  # printed where a value is missing

TEXT: dict[str, dict[str, str]] = {
    "colon": {"en": ": ", "zh": "："},
    "list_sep": {"en": "; ", "zh": "、"},
    # cover and frame
    "report_title": {"en": "Service quality audit", "zh": "服务质量审核报告"},
    "report_subtitle": {"en": "Where service falls short, why, and what to do first",
                        "zh": "服务差在哪里、为什么、先做什么"},
    "store": {"en": "Store", "zh": "门店"},
    "chain": {"en": "Chain", "zh": "连锁品牌"},
    "region": {"en": "Region", "zh": "区域"},
    "store_type": {"en": "Type", "zh": "业态"},
    "address": {"en": "Address", "zh": "地址"},
    "audit_id": {"en": "Audit", "zh": "审核编号"},
    "audit_date": {"en": "Date", "zh": "审核日期"},
    "period": {"en": "Period", "zh": "审核期间"},
    "auditor": {"en": "Auditor", "zh": "审核人"},
    "overall_score": {"en": "Overall score", "zh": "综合得分"},
    "grade": {"en": "Grade", "zh": "等级"},
    "score": {"en": "Score", "zh": "得分"},
    "out_of_100": {"en": "out of 100", "zh": "满分 100"},
    "no_overall": {"en": "No overall score: no module had data", "zh": "无综合得分：所有模块均无数据"},
    "generated_by": {"en": "Prepared with gapaudit {version}", "zh": "由 gapaudit {version} 生成"},
    "page_of": {"en": "Page {page} of {pages}", "zh": "第 {page} 页，共 {pages} 页"},
    "contents": {"en": "Contents", "zh": "目录"},
    # executive summary
    "summary": {"en": "Executive summary", "zh": "执行摘要"},
    "gap_chain": {"en": "The gap chain", "zh": "差距链"},
    "gap_chain_intro": {
        "en": "Service fails like a treatment: a wrong diagnosis, a wrong prescription, the wrong drug handed "
              "out, or a result that does not match the promise. The first link that breaks is where to start.",
        "zh": "服务失败如同治病：诊断错了、处方错了、药发错了，或疗效与承诺不符。最先断裂的一环就是改进的起点。"},
    "weakest_link": {"en": "weakest link", "zh": "最薄弱环节"},
    "status_holds": {"en": "holds", "zh": "稳固"},
    "status_weak": {"en": "at risk", "zh": "有风险"},
    "status_breaks": {"en": "breaks", "zh": "断裂"},
    "status_no_data": {"en": "no data", "zh": "无数据"},
    "status_not_run": {"en": "not audited", "zh": "未审核"},
    "top_findings": {"en": "Most serious findings", "zh": "最严重的发现"},
    "first_actions": {"en": "First actions", "zh": "首要行动"},
    "first_actions_intro": {
        "en": "Ranked by what each is worth: the audit run again as if its target were reached. Priority = the "
              "points it adds to the overall score × how sure we are the shortfall is real; actions that lift "
              "the grade come first.",
        "zh": "按价值排序：假设达成目标后重新运行审核所得的结果。优先级 = 对综合得分的提升 × 问题真实存在的把握；"
              "能提高综合等级的行动排在最前。"},
    "plan_problem": {"en": "Problem: {title}", "zh": "问题：{title}"},
    "plan_concerns": {"en": "Concerns", "zh": "涉及"},
    "plan_steps": {"en": "(with {n} more steps)", "zh": "（另有 {n} 个步骤）"},
    "plan_tie": {"en": "equal priorities: quick wins first, then more customers kept a year, then the larger impact, "
                       "then the more severe finding",
                 "zh": "优先级相同：见效快的在前，其次每年留住顾客多的在前，再次影响大的在前，再按发现的严重程度"},
    "plan_more": {"en": "{n} more actions in the full report and the action register (gapaudit run -f csv,xlsx).",
                  "zh": "其余 {n} 项行动见完整报告及行动登记表（gapaudit run -f csv,xlsx）。"},
    "top_problems": {"en": "The main problems", "zh": "主要问题"},
    "problems_intro": {
        "en": "Each problem is one service attribute seen by every part of the audit: where the chain breaks first, "
              "what each part found, and the one action that leads its fix.",
        "zh": "每个问题是审核各部分都看到的同一项服务：差距链最先断在哪里、各部分发现了什么、由哪一项行动牵头解决。"},
    "link_fails": {"en": "fails", "zh": "不合格"},
    "link_no_fault": {"en": "no fault found", "zh": "未发现问题"},
    "module_scores": {"en": "Scores by module", "zh": "各模块得分"},
    "no_findings": {"en": "No findings.", "zh": "没有发现问题。"},
    "no_actions": {"en": "No actions.", "zh": "没有改进行动。"},
    "more_evidence": {"en": "… and {n} more", "zh": "……另有 {n} 条"},
    "more_actions": {"en": "{n} more in the action plan.", "zh": "其余 {n} 项见行动计划。"},
    # module sections
    "no_data": {"en": "No data", "zh": "无数据"},
    "no_data_reason": {"en": "No score: {reason}", "zh": "无得分：{reason}"},
    "grade_capped": {"en": "Grade capped at {grade} by a critical-item failure.",
                     "zh": "因关键项不合格，等级上限为 {grade}。"},
    "metrics": {"en": "Measures", "zh": "指标"},
    "measure": {"en": "Measure", "zh": "指标"},
    "value": {"en": "Value", "zh": "数值"},
    "n": {"en": "n", "zh": "样本"},
    "interval": {"en": "95% interval", "zh": "95% 区间"},
    "findings": {"en": "Findings", "zh": "发现"},
    "evidence": {"en": "Evidence", "zh": "证据"},
    "actions": {"en": "Actions", "zh": "改进行动"},
    "module_version": {"en": "module {id} v{version}", "zh": "模块 {id} v{version}"},
    # severities
    "sev_critical": {"en": "critical", "zh": "严重"},
    "sev_high": {"en": "high", "zh": "高"},
    "sev_medium": {"en": "medium", "zh": "中"},
    "sev_low": {"en": "low", "zh": "低"},
    "sev_info": {"en": "info", "zh": "提示"},
    # action plan
    "action_plan": {"en": "Action plan", "zh": "行动计划"},
    "action_plan_intro": {
        "en": "One line per problem (its lead action, with its other actions as steps) and per action that belongs "
              "to no single problem, highest priority first. Priority = the points reaching the target adds to "
              "the overall score × how sure we are the shortfall is real (the rules are in the appendix). The same "
              "plan is available as an action register to track (gapaudit run -f csv,xlsx).",
        "zh": "每个问题一行（其首要行动，其余行动列为步骤），不属于单一问题的行动各一行，按优先级从高到低排列。优先级 = "
              "达成目标后综合得分的提升 × 问题真实存在的把握（规则见附录）。同一计划可导出为行动登记表跟踪（gapaudit run -f csv,xlsx）。"},
    "col_priority": {"en": "Priority", "zh": "优先级"},
    "col_action": {"en": "Action", "zh": "行动"},
    "col_why": {"en": "Why (evidence)", "zh": "原因（证据）"},
    "col_gap": {"en": "Gap", "zh": "差距"},
    "col_owner": {"en": "Owner", "zh": "负责岗位"},
    "col_horizon": {"en": "Horizon", "zh": "期限"},
    "col_due": {"en": "Due", "zh": "截止日期"},
    "horizon_short": {"en": "short term", "zh": "短期"},
    "horizon_long": {"en": "long term", "zh": "长期"},
    "kind_capex": {"en": "needs investment", "zh": "需投资"},
    # appendix
    "appendix": {"en": "Appendix", "zh": "附录"},
    "data_quality": {"en": "Data quality", "zh": "数据质量"},
    "dq_intro": {"en": "Sample sizes, missing answers, scale reliability and what had no data.",
                 "zh": "样本量、缺失回答、量表信度以及无数据的部分。"},
    "what_no_data": {"en": "What had no data", "zh": "无数据的部分"},
    "sample_sizes": {"en": "Sample sizes", "zh": "样本量"},
    "sample_sizes_intro": {"en": "The number of observations behind each module's measures (smallest to largest).",
                           "zh": "各模块指标所依据的观测数（从最少到最多）。"},
    "measures_n": {"en": "Measures", "zh": "指标数"},
    "n_range": {"en": "n", "zh": "样本"},
    "reliability": {"en": "Scale reliability (Cronbach's alpha)", "zh": "量表信度（Cronbach's α）"},
    "reliability_intro": {
        "en": "Below {min} the items of a dimension do not measure one thing reliably: read that dimension's "
              "gap as an indication only.",
        "zh": "低于 {min} 表示该维度的题项一致性不足：该维度的差距只作参考。"},
    "dimension": {"en": "Dimension", "zh": "维度"},
    "items": {"en": "Items", "zh": "题项"},
    "reliable": {"en": "reliable", "zh": "可靠"},
    "unreliable": {"en": "below {min}", "zh": "低于 {min}"},
    "notes": {"en": "Notes on the evidence", "zh": "证据说明"},
    "everything_had_data": {"en": "Every module that ran had data.", "zh": "所有已运行模块均有数据。"},
    "module": {"en": "Module", "zh": "模块"},
    "topic": {"en": "Topic", "zh": "主题"},
    "detail": {"en": "Detail", "zh": "说明"},
    "reason": {"en": "Reason", "zh": "原因"},
    "warning": {"en": "warning", "zh": "警示"},
    "methodology": {"en": "Methodology", "zh": "方法说明"},
    "methodology_intro": {"en": "Every formula and aggregation rule the modules used, as they stated them.",
                          "zh": "各模块所用的全部公式与汇总规则，按模块原文列出。"},
    "report_rules": {"en": "Scoring and report rules", "zh": "评分与报告规则"},
    "rule_overall": {"en": "Overall score", "zh": "综合得分"},
    "rule_priority": {"en": "Action priority", "zh": "行动优先级"},
    "rule_impact": {"en": "Impact of an action", "zh": "行动的影响"},
    "rule_problems": {"en": "Problems", "zh": "问题"},
    "rule_progress": {"en": "Progress of actions carried over", "zh": "遗留行动的进展"},
    "rule_severity_score": {"en": "Severity score (orders actions whose impact is unknown)",
                            "zh": "严重程度得分（用于无法测算影响的行动的排序）"},
    "rule_chain": {"en": "Gap chain status", "zh": "差距链状态"},
    "chain_rule": {
        "en": "A link holds at a score of {holds} or more, is at risk from {weak} to below {holds}, and breaks "
              "below {weak}; a module without data shows no status. The weakest link is the lowest-scoring link "
              "that does not hold (ties: the earlier link).",
        "zh": "得分 {holds} 分及以上为稳固，{weak} 至 {holds} 分以下为有风险，低于 {weak} 分为断裂；无数据的模块不判定状态。"
              "未达稳固的环节中得分最低者为最薄弱环节（同分取靠前的环节）。"},
    "rule_intervals": {"en": "Intervals", "zh": "区间"},
    "intervals_rule": {
        "en": "Intervals are 95% confidence intervals as computed by each module (see its methodology); n is the "
              "number of observations behind a value.",
        "zh": "区间为各模块计算的 95% 置信区间（见各模块方法说明）；样本为该数值所依据的观测数。"},
    "plugins": {"en": "Plugins and versions", "zh": "插件与版本"},
    "plugin": {"en": "Plugin", "zh": "插件"},
    "version": {"en": "Version", "zh": "版本"},
    "source": {"en": "Source", "zh": "来源"},
    "modules_run": {"en": "Modules", "zh": "模块"},
    "report_produced": {"en": "Report produced by gapaudit {version}, result schema {schema}.",
                        "zh": "报告由 gapaudit {version} 生成，结果格式版本 {schema}。"},
    # charts
    "chart_gap_dimension": {"en": "Customer gap per SERVQUAL dimension (perception − expectation)",
                            "zh": "各 SERVQUAL 维度的顾客差距（感知 − 期望）"},
    "chart_gap_dimension_note": {"en": "Bars left of zero: service below expectation. Whiskers: 95% interval.",
                                 "zh": "零线左侧表示服务低于期望；须线为 95% 区间。"},
    "chart_expectation_dimension": {"en": "Management's estimate minus customers' expectation, per dimension",
                                    "zh": "各维度：管理层估计 − 顾客期望"},
    "chart_expectation_dimension_note": {
        "en": "Left of zero: management underestimates what customers expect. Whiskers: 95% interval.",
        "zh": "零线左侧表示管理层低估了顾客期望；须线为 95% 区间。"},
    "chart_importance": {"en": "Importance: customers versus management", "zh": "重要性：顾客与管理层对比"},
    "customers": {"en": "Customers", "zh": "顾客"},
    "management": {"en": "Management", "zh": "管理层"},
    "chart_ipa": {"en": "Importance–performance analysis", "zh": "重要性–表现分析"},
    "importance": {"en": "Importance", "zh": "重要性"},
    "performance": {"en": "Performance", "zh": "表现"},
    "q_concentrate": {"en": "Concentrate here", "zh": "重点改进"},
    "q_keep_up": {"en": "Keep up the good work", "zh": "继续保持"},
    "q_low_priority": {"en": "Low priority", "zh": "低优先级"},
    "q_overkill": {"en": "Possible overkill", "zh": "可能过度投入"},
    "chart_ipa_note": {"en": "Crosshairs: {rule}.", "zh": "十字线：{rule}。"},
    "chart_compliance": {"en": "Compliance per standard", "zh": "各项标准的执行合规率"},
    "chart_compliance_note": {"en": "Bars: share of checks compliant. Whiskers: 95% Wilson interval. "
                                    "★ critical standard.",
                              "zh": "条形为合规检查占比；须线为 95% Wilson 区间。★ 为关键标准。"},
    "chart_compliance_by": {"en": "Compliance by {what}", "zh": "按{what}统计的合规率"},
    "chart_coverage": {"en": "Standard coverage of customer expectations", "zh": "服务标准对顾客期望的覆盖"},
    "chart_promises": {"en": "Promise keeping", "zh": "承诺兑现率"},
    "chart_factors": {"en": "The eight factors: positives and penalties", "zh": "八要素：加分项与扣分项"},
    "chart_triangle": {"en": "The service golden triangle", "zh": "服务金三角"},
    "chart_resolution": {"en": "Complaint resolution", "zh": "投诉处理时效分布"},
    "chart_resolution_note": {"en": "Number of complaints by time to resolve.", "zh": "按处理时长统计的投诉数量。"},
    "chart_loss": {"en": "Why customers were lost", "zh": "顾客流失原因"},
    "chart_subscores": {"en": "Sub-scores", "zh": "分项得分"},
    "unresolved": {"en": "unresolved", "zh": "未解决"},
}

SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")


def lookup(table: dict[str, dict[str, str]], key: str, lang: str, /, **fmt: Any) -> str:
    """Text ``key`` of a zh/en ``table`` in ``lang`` (English when missing), ``{placeholders}`` filled."""
    entry = table[key]
    text = entry.get(lang) or entry["en"]
    return text.format(**fmt) if fmt else text


def t(key: str, lang: str, /, **fmt: Any) -> str:
    """Fixed report text ``key`` in ``lang`` with ``{placeholders}`` filled."""
    return lookup(TEXT, key, lang, **fmt)


def label(key: str, lang: str) -> str:
    """A vocabulary label (dimension, factor, element) or, failing that, fixed text, or the key."""
    out = vocab_label(key, lang)
    if out == key and key in TEXT:
        return t(key, lang)
    return out


def is_number(value: Any) -> bool:
    """A finite int or float (not a bool); an int of any size counts (math.isfinite would overflow)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return isinstance(value, int) or math.isfinite(value)


#: from this size on a number is printed as 1.23e+30: a fixed-point form would be 30 digits wide (and
#: Decimal's 28-digit context cannot round it)
SCIENTIFIC_FROM = 1e15


def fmt_num(value: Any, digits: int | None = None, lang: str = "en", sign: bool = False) -> str:
    """A number for print: thousands separators, fixed decimals, a real minus sign, "—" when missing.

    Integers keep no decimals unless ``digits`` is given; floats default to 2.
    Both report languages use the same digits and separators ("1,234.5").
    """
    if value is None:
        return DASH
    if not is_number(value):
        return str(value)
    if digits is None:
        digits = 0 if isinstance(value, int) else 2
    exact = Decimal(abs(value)) if isinstance(value, int) else Decimal(repr(abs(value)))
    if exact >= SCIENTIFIC_FROM:
        text = f"{exact:.3g}"
        return (MINUS + text) if value < 0 else ("+" + text if sign else text)
    # half away from zero on the shortest decimal form, as a reader rounds: 71.25 → 71.3, 62.5 → 63
    rounded = exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    text = f"{rounded:,.{digits}f}"
    if not any(c in "123456789" for c in text):  # rounds to zero: never "−0.00"
        return text
    if value < 0:
        return MINUS + text
    return "+" + text if sign else text


def fmt_pct(value: Any, digits: int = 0, lang: str = "en", ratio: bool = False) -> str:
    """A percentage; ``ratio=True`` when ``value`` is a 0–1 share."""
    if not is_number(value):
        return DASH if value is None else str(value)
    return fmt_num(value * 100 if ratio else value, digits, lang) + "%"


MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")


def _as_date(value: Any) -> Any:
    """A date from a date, datetime or ISO string; anything else is returned as it is."""
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def fmt_date(value: Any, lang: str = "en") -> str:
    """A date for print: "30 September 2026" / "2026年9月30日"; ISO strings are accepted."""
    if value is None or value == "":
        return DASH
    value = _as_date(value)
    if not isinstance(value, dt.date):
        return str(value)
    if lang == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}"


def fmt_date_short(value: Any, lang: str = "en") -> str:
    """A compact date for tables: "30 Oct 2026" / "2026-10-30"."""
    if value is None or value == "":
        return DASH
    value = _as_date(value)
    if not isinstance(value, dt.date):
        return str(value)
    if lang == "zh":
        return value.isoformat()
    return f"{value.day} {MONTHS_EN[value.month - 1][:3]} {value.year}"
