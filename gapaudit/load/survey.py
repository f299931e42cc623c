"""Survey exports as they arrive: which column is which item and role, and what each answer means.

One column per question, headed by its number and text
(``5、对以下方面的期望—员工穿着整洁``, ``Rate the store [Staff appearance]``),
answers as labels (``非常同意``, ``7 - Strongly agree``) or numbers, skipped
answers as codes. :func:`resolve_columns` settles every column from the
header alone — by id (``E_TAN1``) or by the questionnaire item's text and a
role marker in the header — so ``gapaudit import`` proposes exactly what
``gapaudit run`` will do, and :class:`RatingParser` turns answers into
numbers with the common Likert label sets known in both languages.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence

from gapaudit.errors import InputIssue
from gapaudit.load.mapping import DEFAULT_MISSING, CellReader, MissingCodes, absent_columns, settle_column, \
    table_issue
from gapaudit.load.tables import Sheet, normal_text, shorten

#: survey roles, in the order a questionnaire usually asks them, with the Survey field naming their prefix
ROLES = ("expectation", "perception", "importance", "desired", "adequate")
ROLE_PREFIX_FIELD = {"expectation": "expectation_prefix", "perception": "perception_prefix",
                     "importance": "importance_prefix", "desired": "desired_prefix", "adequate": "adequate_prefix"}
ROLE_LABEL = {"expectation": ("expectation", "期望"), "perception": ("perception", "感知"),
              "importance": ("importance", "重要性"), "desired": ("desired service", "理想服务"),
              "adequate": ("adequate service", "可接受的最低服务"), "points": ("importance points", "重要性分配"),
              "overall": ("overall question", "总体问题")}

#: words in a header that say which role its column holds (matched after normalising, see :func:`norm`)
DEFAULT_ROLE_MARKERS: dict[str, list[str]] = {
    "expectation": ["期望", "期待", "预期", "expectation", "expected", "expect"],
    "perception": ["感知", "感受", "实际", "体验", "满意", "perception", "perceived", "experience", "actual",
                   "satisfied", "satisfaction"],
    "importance": ["重要", "importance", "important"],
    "desired": ["理想", "desired", "ideal"],
    "adequate": ["最低", "可接受", "底线", "adequate", "minimum", "acceptable"],
}
#: header prefixes that name a role, e.g. "E: Staff are neat" (checked before the text)
ROLE_PREFIXES = {"e": "expectation", "p": "perception", "i": "importance"}


# --- text normalisation ----------------------------------------------------------------------

_NUMBERING = re.compile(r"^\s*(?:(?:q|题|第)?\s*\d+(?:[._]\d+)*\s*(?:题)?\s*[、.．:：)）\]]|[(（\[]\s*\d+\s*[)）\]])\s*",
                        re.IGNORECASE)
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def strip_numbering(text: str) -> str:
    """``5、对以下…`` → ``对以下…``; ``Q5.`` ``(5)`` ``（5）`` ``5)`` likewise."""
    return _NUMBERING.sub("", unicodedata.normalize("NFKC", text), count=1)


def norm(text: str) -> str:
    """Text as compared when matching: NFKC, lower case, numbering and every space and punctuation mark removed."""
    return _NON_WORD.sub("", strip_numbering(text).lower())


# --- column resolution ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """What a survey column holds: a role of an item, importance points of a dimension, or the respondent id."""

    role: str          # expectation / perception / importance / points / respondent
    key: str = ""      # item id or dimension
    how: str = ""      # "id", "text", "text+position", "rename", "respondent"

    @property
    def column(self) -> str:
        return self.role if self.role == "respondent" else f"{self.role}:{self.key}"


@dataclass
class Unresolved:
    """A column that needs a decision: why, and the candidates."""

    index: int
    name: str
    reason: str        # "unknown", "no role", "ambiguous item", "ambiguous role", "duplicate"
    candidates: list[str] = field(default_factory=list)


@dataclass
class Resolution:
    targets: dict[int, Target] = field(default_factory=dict)       # column index → target
    ignored: dict[int, str] = field(default_factory=dict)          # column index → why
    unresolved: list[Unresolved] = field(default_factory=list)
    respondent: int | None = None


@dataclass(frozen=True)
class SurveyColumns:
    """The survey block's settings that decide columns (a plain view of the Survey model)."""

    prefixes: dict[str, str]                 # role → prefix, e.g. {"expectation": "E_", ...}
    points_prefix: str
    overall_column: str | None
    respondent_column: str
    match: str                               # "id" or "text"
    markers: dict[str, list[str]]
    role_order: list[str]
    renames: dict[str, str]
    ignore: list[str]
    keep: list[str]

    @classmethod
    def of(cls, survey: Any) -> "SurveyColumns":
        ref = getattr(survey.responses, "ref", None)
        markers = role_markers(survey.role_markers)
        return cls(prefixes={r: getattr(survey, f) for r, f in ROLE_PREFIX_FIELD.items()},
                   points_prefix=survey.points_prefix, overall_column=survey.overall_column,
                   respondent_column=survey.respondent_column,
                   match=survey.match, markers=markers, role_order=list(survey.role_order or []),
                   renames=dict(ref.columns) if ref else {}, ignore=list(ref.ignore) if ref else [],
                   keep=list(ref.keep) if ref else [])


def role_markers(given: dict[str, list[str]] | None) -> dict[str, list[str]]:
    """The words that name each role: the defaults plus the audit's own; ``-word`` takes a default away."""
    markers = {r: list(DEFAULT_ROLE_MARKERS.get(r, [])) for r in ROLE_PREFIX_FIELD}
    for role, words in (given or {}).items():
        drop = {w[1:] for w in words if w.startswith("-")}
        markers[role] = [w for w in markers.get(role, []) if w not in drop] + \
            [w for w in words if not w.startswith("-") and w not in markers.get(role, [])]
    return markers


def parse_id_column(name: str, cfg: SurveyColumns, items: Sequence[str], dims: Sequence[str]) -> Target | None:
    """``E_TAN1`` → expectation of TAN1; ``W_reliability`` → points of reliability; else None."""
    for role, prefix in cfg.prefixes.items():
        if prefix and name.startswith(prefix) and name[len(prefix):] in items:
            return Target(role, name[len(prefix):], "id")
    if name.startswith(cfg.points_prefix) and name[len(cfg.points_prefix):] in dims:
        return Target("points", name[len(cfg.points_prefix):], "id")
    return None


def resolve_columns(header: Sequence[str], item_texts: dict[str, str], dims: Sequence[str],
                    cfg: SurveyColumns) -> Resolution:
    """Decide every column of a survey export from its header; what cannot be decided is listed, never guessed.

    Order of rules: renames (``columns:``), then ignore / keep, the respondent
    column, ids (``E_<item>``, ``W_<dimension>``), and with ``match: text`` the
    item whose normalised text the header contains (the longest such text;
    two equally long → ambiguous) with its role from a marker in the rest of
    the header, or else from ``role_order`` by the column's place among the
    item's columns.
    """
    out = Resolution()
    items = list(item_texts)
    normed = {i: norm(t) for i, t in item_texts.items() if len(norm(t)) >= 2}
    seen_of_item: dict[str, int] = {}
    taken: dict[str, int] = {}
    for idx, raw_name in enumerate(header, start=1):
        if not raw_name:
            out.ignored[idx] = "no name"
            continue
        name, left_out, renamed = settle_column(raw_name, cfg.renames, cfg.keep, cfg.ignore)
        if name is None:
            out.ignored[idx] = left_out or ""
            continue
        if name == cfg.respondent_column:
            out.respondent = idx
            continue
        if cfg.overall_column and name == cfg.overall_column:
            out.targets[idx] = Target("overall", "", "rename" if renamed else "overall_column")
            continue
        target = parse_id_column(name, cfg, items, dims)
        if target is not None and renamed:
            target = Target(target.role, target.key, "rename")
        if target is None and cfg.match == "text" and not renamed:
            target = _by_text(idx, name, normed, cfg, seen_of_item, out)
            if target is None:
                continue
        if target is None:
            out.unresolved.append(Unresolved(idx, raw_name, "unknown", _candidates(name, cfg, item_texts, dims)))
            continue
        if target.column in taken:
            out.unresolved.append(Unresolved(idx, raw_name, "duplicate", [header[taken[target.column] - 1]]))
            continue
        taken[target.column] = idx
        out.targets[idx] = target
    return out


def _by_text(idx: int, name: str, normed: dict[str, str], cfg: SurveyColumns, seen_of_item: dict[str, int],
             out: Resolution) -> Target | None:
    h = norm(name)
    hits = [(len(t), i) for i, t in normed.items() if t in h]
    if not hits:
        out.unresolved.append(Unresolved(idx, name, "unknown", _text_candidates(h, normed)))
        return None
    best = max(n for n, _ in hits)
    top = [i for n, i in hits if n == best]
    if len(top) > 1:
        out.unresolved.append(Unresolved(idx, name, "ambiguous item", top))
        return None
    item = top[0]
    rest = h.replace(normed[item], " ", 1)
    roles = _roles_in(name, rest, cfg)
    position = seen_of_item.get(item, 0)
    seen_of_item[item] = position + 1
    if len(roles) == 1:
        return Target(roles[0], item, "text")
    if len(roles) > 1:
        out.unresolved.append(Unresolved(idx, name, "ambiguous role", roles))
        return None
    if position < len(cfg.role_order):
        return Target(cfg.role_order[position], item, "text+position")
    out.unresolved.append(Unresolved(idx, name, "no role", [item]))
    return None


def _roles_in(raw: str, rest: str, cfg: SurveyColumns) -> list[str]:
    stripped = strip_numbering(raw).strip()
    m = re.match(r"^([A-Za-z])\s*[:：_]", stripped)
    if m and m.group(1).lower() in ROLE_PREFIXES:
        return [ROLE_PREFIXES[m.group(1).lower()]]
    found = []
    for role, words in cfg.markers.items():
        if any(norm(w) and norm(w) in rest for w in words):
            found.append(role)
    if "expectation" in found and ("desired" in found or "adequate" in found):
        found.remove("expectation")  # "the minimum service you expect": the narrower role wins
    return found


def _text_candidates(h: str, normed: dict[str, str]) -> list[str]:
    import difflib

    scored = sorted(((difflib.SequenceMatcher(None, t, h).ratio(), i) for i, t in normed.items()), reverse=True)
    return [i for score, i in scored[:3] if score >= 0.4]


def _candidates(name: str, cfg: SurveyColumns, item_texts: dict[str, str], dims: Sequence[str]) -> list[str]:
    import difflib

    known = [p + i for p in cfg.prefixes.values() for i in item_texts] + [cfg.points_prefix + d for d in dims]
    return difflib.get_close_matches(name, known, n=3, cutoff=0.6)


#: why a column needs a decision, as the match table shows it
UNRESOLVED_LABEL = {"unknown": ("no item's text", "对应不上题项"), "no role": ("no role word", "看不出角色"),
                    "ambiguous item": ("several items", "符合多个题项"), "ambiguous role": ("several roles", "多个角色标记"),
                    "duplicate": ("same as another column", "与另一列重复")}


def _example_target(u: Unresolved, cfg: SurveyColumns) -> str:
    """The target a column most likely needs: the role its header names (else perception) and its first
    candidate item (else ``<item>``), e.g. ``E_REL1``."""
    roles = _roles_in(u.name, norm(u.name), cfg)
    role = u.candidates[0] if u.reason == "ambiguous role" and u.candidates else \
        (roles[0] if len(roles) == 1 else "perception")
    item = u.candidates[0] if u.reason in ("unknown", "ambiguous item", "no role") and u.candidates else "<item>"
    return f"{cfg.prefixes.get(role) or cfg.prefixes['perception']}{item}"


def unresolved_message(u: Unresolved, cfg: SurveyColumns, item_texts: dict[str, str],
                       flags: bool = False) -> tuple[str, str]:
    """What is wrong with a column and the option that settles it, in English and Chinese.

    ``flags``: name ``gapaudit import``'s options (``--map``, ``--ignore``) instead of the audit's keys.
    """
    name = shorten(u.name, 80)
    target = _example_target(u, cfg)
    if flags:
        settle_ignore, example = f"--ignore '{u.name}'", f"--map '{u.name}={target}'"
    else:
        settle_ignore, example = f"ignore: [{u.name}]", f"columns: {{{u.name}: {target}}}"
    if u.reason == "unknown":
        if u.candidates:
            cands = ", ".join(f"{i} ({shorten(item_texts[i], 40)})" if i in item_texts else i for i in u.candidates)
            return (f"column {name} matches no questionnaire item (closest: {cands}); map it with {example} "
                    f"or leave it out with {settle_ignore}",
                    f"“{u.name}”列对应不上任何问卷题项（最接近：{cands}）；请用 {example} 指定，或用 {settle_ignore} 忽略")
        how = ("its text is in no item's text" if cfg.match == "text" else
               f"expected {cfg.respondent_column!r}, {'/'.join(cfg.prefixes.values())}<item id> or "
               f"{cfg.points_prefix}<dimension>, or match: text to match item texts")
        how_zh = ("表头中没有任何题项的文字" if cfg.match == "text" else
                  f"应为 {cfg.respondent_column!r}、{'/'.join(cfg.prefixes.values())}<题项编号> 或 "
                  f"{cfg.points_prefix}<维度>；若表头是题目文字，请设置 match: text")
        return (f"unknown survey column {name} ({how}); leave it out with {settle_ignore}, or map it with {example}",
                f"未知的问卷列“{u.name}”（{how_zh}）；请用 {settle_ignore} 忽略，或用 {example} 指定")
    if u.reason == "ambiguous item":
        cands = ", ".join(f"{i} ({shorten(item_texts[i], 40)})" for i in u.candidates)
        return (f"column {name} contains the text of several items equally well: {cands}; say which with {example}",
                f"“{u.name}”列同样符合多个题项：{cands}；请用 {example} 指定")
    if u.reason == "ambiguous role":
        roles = " / ".join(u.candidates)
        return (f"column {name} names several roles ({roles}); say which with {example}",
                f"“{u.name}”列同时含有多种角色的标记（{roles}）；请用 {example} 指定")
    if u.reason == "no role":
        item = u.candidates[0]
        order = "--role-order expectation,perception" if flags else "role_order: [expectation, perception]"
        return (f"column {name} is item {item} but its header says neither expectation, perception nor importance; "
                f"add the word that says it to the survey's role_markers (e.g. role_markers: {{perception: [满意度]}}), "
                f"give {order} for questions asked in blocks, or map it with {example}",
                f"“{u.name}”列是题项 {item}，但表头看不出是期望、感知还是重要性；请在问卷的 role_markers 中加上表明角色的词"
                f"（如 role_markers: {{perception: [满意度]}}），分块提问时用 {order}，或用 {example} 指定")
    other = u.candidates[0] if u.candidates else "?"
    return (f"column {name} holds the same item and role as column {shorten(other, 60)}; ignore one of them",
            f"“{u.name}”列与“{other}”列对应同一题项和角色；请忽略其中一列")


# --- answers ------------------------------------------------------------------------------------------

#: Likert label sets by length: each position's spellings, lowest first (matched after normalising)
LABEL_SETS: dict[int, list[list[tuple[str, ...]]]] = {
    5: [
        [("非常不同意", "很不同意", "完全不同意"), ("不同意", "不太同意", "比较不同意"), ("一般", "中立", "不确定", "说不清"),
         ("同意", "比较同意"), ("非常同意", "完全同意")],
        [("非常不满意", "很不满意"), ("不满意", "不太满意", "比较不满意"), ("一般",), ("满意", "比较满意"), ("非常满意", "很满意")],
        [("非常不重要", "很不重要", "完全不重要"), ("不重要", "不太重要", "比较不重要"), ("一般",), ("重要", "比较重要"),
         ("非常重要", "很重要")],
        [("strongly disagree",), ("disagree",), ("neither agree nor disagree", "neutral", "undecided"), ("agree",),
         ("strongly agree",)],
        [("very dissatisfied",), ("dissatisfied",), ("neither satisfied nor dissatisfied", "neutral"),
         ("satisfied",), ("very satisfied",)],
        [("not at all important", "not important"), ("slightly important", "of little importance"),
         ("moderately important",), ("very important", "important"), ("extremely important",)],
        [("very poor",), ("poor",), ("fair", "average"), ("good",), ("very good", "excellent")],
    ],
    7: [
        [("非常不同意", "完全不同意"), ("不同意",), ("有点不同意", "比较不同意", "稍微不同意", "不太同意"),
         ("一般", "中立", "不确定", "说不清"), ("有点同意", "比较同意", "稍微同意"), ("同意",), ("非常同意", "完全同意")],
        [("非常不满意",), ("不满意",), ("比较不满意", "有点不满意", "不太满意"), ("一般",), ("比较满意", "有点满意"),
         ("满意",), ("非常满意",)],
        [("非常不重要",), ("不重要",), ("比较不重要", "不太重要"), ("一般",), ("比较重要",), ("重要",), ("非常重要",)],
        [("strongly disagree",), ("disagree",), ("somewhat disagree", "slightly disagree"),
         ("neither agree nor disagree", "neutral", "undecided"), ("somewhat agree", "slightly agree"), ("agree",),
         ("strongly agree",)],
        [("very dissatisfied", "extremely dissatisfied"), ("dissatisfied",), ("somewhat dissatisfied",
                                                                               "slightly dissatisfied"),
         ("neither satisfied nor dissatisfied", "neutral"), ("somewhat satisfied", "slightly satisfied"),
         ("satisfied",), ("very satisfied", "extremely satisfied")],
        [("not at all important",), ("low importance",), ("slightly important",), ("neutral",),
         ("moderately important",), ("very important",), ("extremely important",)],
    ],
}

_LEADING_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:[-–—=.、:：)）]|\s)\s*\S")


def label_value(text: str, low: int, high: int) -> int | None:
    """A label's value on the scale low..high from the known sets of its length; None when unknown."""
    sets = LABEL_SETS.get(high - low + 1)
    if not sets:
        return None
    key = norm(text)
    for label_set in sets:
        for position, spellings in enumerate(label_set):
            if any(norm(s) == key for s in spellings):
                return low + position
    return None


class RatingParser:
    """Answers of one scale as numbers: declared labels, the known label sets, ``7 - 非常同意``, plain numbers.

    Results are cached per distinct answer, so a 100,000-row survey parses each spelling once and shares one
    float object per value.
    """

    def __init__(self, low: int, high: int, labels: dict[str, int], missing: MissingCodes | None = None):
        self.low, self.high = low, high
        self.labels = {normal_text(k).lower(): v for k, v in labels.items()}
        self.missing = missing
        self.cache: dict[Any, float | None | tuple[str, str]] = {}

    def __call__(self, value: Any) -> float | None | tuple[str, str]:
        try:
            return self.cache[value]
        except KeyError:
            pass
        except TypeError:  # unhashable: never from a file
            return self._parse(value)
        result = self.cache[value] = self._parse(value)
        return result

    def _parse(self, value: Any) -> float | None | tuple[str, str]:
        if value is None or self.missing is not None and self.missing.is_missing(value):
            return None
        low, high = self.low, self.high
        if isinstance(value, bool):
            return (f"expected a rating {low}..{high}, found {value!r}", f"应为 {low}..{high} 的评分，实际为 {value!r}")
        if isinstance(value, (int, float)):
            number = float(value)
        else:
            text = normal_text(str(value))
            key = text.lower()
            if key in self.labels:
                return float(self.labels[key])
            known = label_value(text, low, high)
            if known is not None:
                return float(known)
            m = _LEADING_NUMBER.match(text)
            if m:
                text = m.group(1)
            try:
                number = float(text)
            except ValueError:
                hint = f" or one of the labels {', '.join(self.labels)}" if self.labels else ""
                return (f"expected a rating {low}..{high}{hint}, found {shorten(value)}; declare labels "
                        f"(questionnaire.scale.labels) or missing codes (missing: on the file) for other answers",
                        f"应为 {low}..{high} 的评分，实际为 {shorten(value)}；其他答案请声明标签"
                        f"（questionnaire.scale.labels）或缺失代码（文件的 missing:）")
        if number != number or number in (float("inf"), float("-inf")):
            return (f"expected a rating {low}..{high}, found {value!r}", f"应为 {low}..{high} 的评分，实际为 {value!r}")
        if not low <= number <= high:
            return (f"rating {number:g} is outside the scale {low}..{high}"
                    + (f"; if {number:g} codes a missing answer, declare it: missing: [{number:g}]"
                       if number < low or number >= 90 else ""),
                    f"评分 {number:g} 超出量表范围 {low}..{high}"
                    + (f"；若 {number:g} 表示未作答，请声明 missing: [{number:g}]" if number < low or number >= 90 else ""))
        return number


# --- where responses come from ---------------------------------------------------------------------------

class ResponseTable:
    """Survey responses as the loader hands them over: column names now, rows on demand.

    A file is read once, streaming, for the columns that matter; inline YAML
    rows behave the same. ``issue`` places a problem at its cell.
    """

    header: list[str]
    ref: Any = None

    def rows(self, columns: Sequence[int]) -> Iterator[tuple[int, list[Any]]]:  # pragma: no cover - interface
        raise NotImplementedError

    def missing(self) -> MissingCodes | None:
        return None

    def issue(self, row: int, column: int | None, en: str, zh: str, base: tuple[str | int, ...],
              group: str | None = None) -> InputIssue:  # pragma: no cover - interface
        raise NotImplementedError

    def header_issue(self, column: int, en: str, zh: str, base: tuple[str | int, ...],
                     group: str | None = None) -> InputIssue:
        raise NotImplementedError  # pragma: no cover - interface

    def __len__(self) -> int:  # pydantic's list checks and truthiness
        return 1


class FileResponses(ResponseTable):
    def __init__(self, sheet: Sheet, ref: Any):
        self.sheet = sheet
        self.ref = ref
        self.header = sheet.header
        self._missing = CellReader(ref, {}, sheet, DEFAULT_MISSING)

    def rows(self, columns: Sequence[int]) -> Iterator[tuple[int, list[Any]]]:
        return self.sheet.rows(columns)

    def missing(self) -> CellReader:
        return self._missing

    def issue(self, row: int, column: int | None, en: str, zh: str, base: tuple[str | int, ...],
              group: str | None = None) -> InputIssue:
        name = self.header[column - 1] if column else None
        return table_issue(self.sheet, row, column, name, en, zh, group=group)

    def header_issue(self, column: int, en: str, zh: str, base: tuple[str | int, ...],
                     group: str | None = None) -> InputIssue:
        return table_issue(self.sheet, self.sheet.options.header_row, column, self.header[column - 1], en, zh,
                           group=group)

    def __repr__(self) -> str:
        return f"FileResponses({self.sheet.display})"


class InlineResponses(ResponseTable):
    """Responses written in the audit YAML as a list of mappings."""

    def __init__(self, records: list[dict[str, Any]]):
        self.records = records
        self.header = list(dict.fromkeys(str(k) for row in records if isinstance(row, dict) for k in row))
        self._missing = MissingCodes(DEFAULT_MISSING)

    def rows(self, columns: Sequence[int]) -> Iterator[tuple[int, list[Any]]]:
        names = [self.header[c - 1] for c in columns]
        for index, row in enumerate(self.records):
            yield index, [row.get(n) if isinstance(row, dict) else None for n in names]

    def missing(self) -> MissingCodes:
        return self._missing

    def issue(self, row: int, column: int | None, en: str, zh: str, base: tuple[str | int, ...],
              group: str | None = None) -> InputIssue:
        path = base + (row,) + ((self.header[column - 1],) if column else ())
        return InputIssue(en, path, zh=zh)

    def header_issue(self, column: int, en: str, zh: str, base: tuple[str | int, ...],
                     group: str | None = None) -> InputIssue:
        return InputIssue(en, base + ("columns", self.header[column - 1]), zh=zh, group=group)

    def __len__(self) -> int:
        return len(self.records)


# --- reading ------------------------------------------------------------------------------------------

#: answers shown in full in messages about one column; the rest are counted
MAX_VALUE_ISSUES = 50


def _points(value: Any) -> float | None | tuple[str, str]:
    if value is None:
        return None
    number: Any = value
    if isinstance(value, str):
        try:
            number = float(normal_text(value))
        except ValueError:
            number = None
    if not isinstance(number, (int, float)) or isinstance(number, bool) or number != number \
            or not 0 <= number <= 100:
        return (f"expected importance points 0..100, found {shorten(value)}",
                f"应为 0..100 的重要性分数，实际为 {shorten(value)}")
    return float(number)


def read_responses(survey: Any, data: Any, issues: list[InputIssue]) -> bool:
    """Fill ``data`` (a SurveyData) from the survey's responses; False when the columns cannot be settled."""
    table: ResponseTable = survey.responses
    base: tuple[str | int, ...] = ("evidence", "survey", "responses")
    items = {i.id: i.text for i in data.items}
    dims = data.dimensions()
    cfg = SurveyColumns.of(survey)
    if survey.layout == "long":
        return _read_long(survey, table, data, items, issues, base)
    res = resolve_columns(table.header, items, dims, cfg)
    if isinstance(table, FileResponses):
        issues.extend(absent_columns(cfg.renames, table.sheet, base))
    for u in res.unresolved:
        en, zh = unresolved_message(u, cfg, items)
        issues.append(table.header_issue(u.index, en, zh, base, group=f"survey column:{u.reason}"))
    if res.unresolved:
        return False  # nothing is guessed: settle the columns before any answer is read
    missing = table.missing()
    parsers = _parsers(data, missing)
    if survey.overall_column:
        data.overall_scale = survey.overall_scale or data.scale
        parsers["overall"] = RatingParser(data.overall_scale.min, data.overall_scale.max, data.overall_scale.labels,
                                          missing)
        if not any(t.role == "overall" for t in res.targets.values()):
            from gapaudit.analysis.evidence import suggest

            names = [h for h in table.header if h]
            issues.append(InputIssue(
                f"the overall question's column {survey.overall_column!r} is not in the responses"
                f"{suggest(survey.overall_column, names)}", ("evidence", "survey", "overall_column"),
                zh=f"问卷数据中没有总体问题的列 {survey.overall_column!r}{suggest(survey.overall_column, names, 'zh')}"))
    overall: dict[str, list] = {}
    stores = {"expectation": data.expectation, "perception": data.perception, "importance": data.importance,
              "desired": data.desired, "adequate": data.adequate, "points": data.points, "overall": overall}
    columns = sorted(res.targets) + ([res.respondent] if res.respondent else [])
    slot = {c: i for i, c in enumerate(columns)}
    plan = [(c, slot[c], stores[t.role], t.key, parsers.get(t.role, _points_parser(missing)))
            for c, t in sorted(res.targets.items())]
    values: dict[int, list[Any]] = {c: [] for c, *_ in plan}
    bad: dict[int, int] = {}
    rid = slot.get(res.respondent) if res.respondent else None
    for count, (row, cells) in enumerate(table.rows(columns)):
        label = cells[rid] if rid is not None else None
        data.respondents.append(str(label) if label is not None else str(count + 1))
        for col, i, _store, _key, parse in plan:
            parsed = parse(cells[i])
            if isinstance(parsed, tuple):
                bad[col] = bad.get(col, 0) + 1
                if bad[col] <= MAX_VALUE_ISSUES:
                    issues.append(table.issue(row, col, parsed[0], parsed[1], base, group=_answer_group(parsed[0])))
                parsed = None
            values[col].append(parsed)
    for col, n in bad.items():
        if n > MAX_VALUE_ISSUES:
            issues.append(table.header_issue(col, f"{n - MAX_VALUE_ISSUES} more invalid answers in this column",
                                             f"该列另有 {n - MAX_VALUE_ISSUES} 个无效答案", base))
    n = len(data.respondents)
    for store in (data.expectation, data.perception, data.importance, data.desired, data.adequate):
        for item in items:
            store[item] = [None] * n
    for dim in dims:
        data.points[dim] = [None] * n
    for col, _i, store, key, _parse in plan:
        store[key] = values[col]
    if survey.overall_column:
        data.overall = overall.get("", [None] * n)
    _drop_empty(data)
    return True


def _parsers(data: Any, missing: MissingCodes | None) -> dict[str, RatingParser]:
    """One rating parser per role: importance on its own scale, the rest on the questionnaire's."""
    scale, iscale = data.scale, data.importance_scale
    out = {role: RatingParser(scale.min, scale.max, scale.labels, missing)
           for role in ("expectation", "perception", "desired", "adequate")}
    out["importance"] = RatingParser(iscale.min, iscale.max, iscale.labels, missing)
    return out


def _answer_group(message: str) -> str:
    """Problems with answers are grouped by kind, not by the value found."""
    return "answer:outside the scale" if message.startswith("rating") else "answer:not a rating"


def _points_parser(missing: MissingCodes | None):
    def parse(value: Any) -> Any:
        if value is None or missing is not None and missing.is_missing(value):
            return None
        return _points(value)
    return parse


def _drop_empty(data: Any) -> None:
    """Roles nobody answered are absent, not lists of None (modules test for their presence)."""
    if not any(v is not None for vals in data.points.values() for v in vals):
        data.points = {}
    for store in (data.importance, data.desired, data.adequate):
        if not any(v is not None for vals in store.values() for v in vals):
            store.clear()


def _read_long(survey: Any, table: ResponseTable, data: Any, items: dict[str, str],
               issues: list[InputIssue], base: tuple[str | int, ...]) -> bool:
    """Long layout: one row per respondent and item; pivoted to one answer list per item and role."""
    ref = table.ref
    renames = dict(ref.columns) if ref is not None else {}
    index = {renames.get(h, h): i for i, h in enumerate(table.header, start=1) if h}
    need = {"respondent": survey.respondent_column, "item": survey.item_column}
    ok = True
    for what, name in need.items():
        if name not in index:
            issues.append(InputIssue(f"long layout: no {what} column {name!r} (columns: "
                                     f"{', '.join(h for h in table.header if h)})", base,
                                     zh=f"长格式：没有{'受访者' if what == 'respondent' else '题项'}列 {name!r}"))
            ok = False
    roles = [r for r in ROLES if r in index]
    if not roles:
        issues.append(InputIssue("long layout: no expectation, perception or importance column", base,
                                 zh="长格式：没有 expectation、perception 或 importance 列"))
        ok = False
    if not ok:
        return False
    by_text = {norm(t): i for i, t in items.items()}
    parsers = _parsers(data, table.missing())
    columns = [index[survey.respondent_column], index[survey.item_column]] + [index[r] for r in roles]
    who: dict[str, int] = {}
    answers: dict[tuple[str, str, int], float | None] = {}
    bad = 0
    for row, cells in table.rows(columns):
        respondent = "" if cells[0] is None else str(cells[0])
        raw_item = "" if cells[1] is None else str(cells[1]).strip()
        item = raw_item if raw_item in items else by_text.get(norm(raw_item))
        if item is None:
            bad += 1
            if bad <= MAX_VALUE_ISSUES:
                from gapaudit.analysis.evidence import suggest

                issues.append(table.issue(row, columns[1], f"unknown questionnaire item {shorten(raw_item)}"
                                                            f"{suggest(raw_item, set(items))}",
                                          f"未知的问卷题项 {shorten(raw_item)}{suggest(raw_item, set(items), 'zh')}", base,
                                          group="long item"))
            continue
        r = who.setdefault(respondent, len(who))
        for k, role in enumerate(roles):
            parsed = parsers[role](cells[2 + k])
            if isinstance(parsed, tuple):
                bad += 1
                if bad <= MAX_VALUE_ISSUES:
                    issues.append(table.issue(row, columns[2 + k], *parsed, base, group=_answer_group(parsed[0])))
                continue
            if parsed is None:
                answers.setdefault((role, item, r), None)
                continue
            if answers.get((role, item, r)) is not None:
                issues.append(table.issue(row, columns[1], f"respondent {respondent!r} answers item {item} twice",
                                          f"受访者 {respondent!r} 对题项 {item} 作答了两次", base, group="twice"))
            answers[(role, item, r)] = parsed
    n = len(who)
    data.respondents.extend(who)
    stores = {"expectation": data.expectation, "perception": data.perception, "importance": data.importance,
              "desired": data.desired, "adequate": data.adequate}
    for store in stores.values():
        for item in items:
            store[item] = [None] * n
    for (role, item, r), value in answers.items():
        stores[role][item][r] = value
    _drop_empty(data)
    return True
