"""The headquarters roll-up: one chain report computed from many stores' result JSON files.

Results are read once each and reduced at once to a small per-store
summary, so 10,000 stores take seconds and little memory; audits are never
re-run. The roll-up is readable at thousands of stores: top and bottom lists,
distributions and a heat map of the weakest stores, not a row per store.

What it contains (the JSON shape written by ``gapaudit rollup -f json`` is
the dict :func:`build` returns, documented in :class:`Rollup`):
store ranking by overall score and by module, a stores × gaps heat map, score
distributions, the standards most often below target chain-wide, the actions
and findings that recur across stores, regional comparison, the change since
each store's previous audit and the chain's quarter trends (from the history
database when one is given, else from the results read).

A module joins the standards table by putting ``data["standards"]`` in its
result: a list of ``{id, title, status, rate?, critical_failure?}`` where
``status`` is ``met``, ``possible_shortfall``, ``shortfall`` or
``not_observed`` (the pharmacy-gap module's shape).
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping

import orjson

from gapaudit.chain import is_regular_file
from gapaudit.errors import InputError, InputIssue
from gapaudit.chain.history import QUARTER_RULE, SECTION_TEXT, quarter_of
from gapaudit.render.document import short_title
from gapaudit.render.i18n import lookup
from gapaudit.analysis.stats import mean_ci, percentile

if TYPE_CHECKING:
    from gapaudit.chain.history import History
    from gapaudit.plugins import PluginHost

ROLLUP_SCHEMA = 1
STATUSES = ("met", "possible_shortfall", "shortfall", "not_observed")
FAILED_STATUSES = ("shortfall", "possible_shortfall")
NO_REGION = ""


@dataclass(frozen=True)
class RollupOptions:
    """How long the lists are and where the lines are drawn."""

    top: int = 10  # stores in each top / bottom list
    heat_rows: int = 30  # weakest stores in the heat map
    items: int = 15  # standards, actions, findings listed
    programme_share: float = 0.5  # an action in at least this share of stores is a chain programme candidate
    change_threshold: float = 5.0  # points: a store improved / declined when its overall moved at least this much
    bin_width: float = 10.0  # score histogram bins
    confidence: float = 0.95


RULES = [
    "each store counts once, with its latest result (latest audit date, then audit id); earlier results of the "
    "same store only feed the quarter trends",
    "ranking: by score, highest first; equal scores share a rank (1, 2, 2, 4); stores without a score are "
    "left out and counted as 'no data'",
    "mean with a Student t 95 % interval over stores that have a score; quantiles interpolate linearly between "
    "order statistics (Hyndman & Fan type 7); histogram bins are [0, 10), [10, 20) … [90, 100]",
    "heat map: the weakest stores by overall score, each gap's score in its cell",
    "standards: a standard is below target in a store when its module marks it so (status shortfall: the whole "
    "interval is below target; possible_shortfall: the estimate is below target but the interval reaches it); "
    "share = stores below target ÷ stores where the standard was observed",
    "recurring actions and findings: matched by id across stores; share = stores with it ÷ all stores; an action "
    "in at least {programme:.0%} of stores is flagged as a chain-level programme candidate",
    "change since the previous audit: from each result's recorded comparison, else from the history database; "
    "improved / declined = overall score up / down by at least {threshold:g} points",
    "quarter trends: from the results read and, when a history database is given, the audits it holds "
    "(an audit in both counts once)",
    QUARTER_RULE,
    "recurring findings: a finding's wording carries one store's figures, so the roll-up shows the wording most "
    "stores share with each figure replaced by its median over those stores and, in brackets, its range "
    "(min–max); stores = stores with the finding",
]

RULES_ZH = [
    "每家门店只计一次，取其最新结果（审核日期最晚者，日期相同取审核编号较大者）；同一门店较早的结果只用于季度趋势",
    "排名：按得分从高到低；得分相同名次相同（1、2、2、4）；没有得分的门店不参与排名，计为“无数据”",
    "平均分附 Student t 95% 置信区间，只计有得分的门店；分位数在顺序统计量之间线性插值（Hyndman–Fan 第 7 类）；"
    "直方图分段为 [0, 10)、[10, 20) …… [90, 100]",
    "热力图：总分最低的若干门店，每格为该差距的得分",
    "服务标准：某门店的模块将该标准标为未达标即计为未达标（确定未达标：整个置信区间低于目标；可能未达标：估计值低于目标"
    "但区间触及目标）；未达标占比 = 未达标门店数 ÷ 观察到该标准的门店数",
    "反复出现的行动与发现：按编号跨门店匹配；占比 = 出现该项的门店数 ÷ 全部门店数；出现在 {programme:.0%} 及以上门店的行动"
    "标为建议的全连锁项目",
    "与上次审核相比的变化：取自各结果记录的对比，否则取自审核历史库；进步 / 退步 = 总分上升 / 下降至少 {threshold:g} 分",
    "季度趋势：取自所读取的结果，给出历史库时也包括库中的审核（同一审核只计一次）",
    "季度 = 审核期间写作 2026-Q3 这类形式时取该期间，否则取审核日期所在的自然季度；每家门店每季度只计一次，取该季度最近一次审核",
    "反复出现的发现：发现的措辞含有单店的数字，因此汇总采用多数门店共有的措辞，并把其中每个数字换成这些门店的中位数，"
    "括号内为范围（最小–最大）；门店数 = 出现该发现的门店数",
]


# --- which files ---------------------------------------------------------------------

def looks_like_result(path: Path) -> bool:
    """A regular JSON file whose first bytes hold the result contract's ``gapaudit_version`` key."""
    if not is_regular_file(path):
        return False
    try:
        with open(path, "rb") as fh:
            return b'"gapaudit_version"' in fh.read(512)
    except OSError:
        return False


def _result_files(folder: Path, names: list[str]) -> list[Path]:
    """The result JSON and PDF reports among a folder's files; a PDF whose JSON sits beside it is left out."""
    jsons = {n[:-5] for n in names if n.endswith(".json") and looks_like_result(folder / n)}
    out = []
    for name in sorted(names):
        if name.startswith("."):
            continue
        if name.endswith(".json") and (name[:-5] in jsons or not is_regular_file(folder / name)):
            out.append(folder / name)  # a FIFO or device too: listed as skipped, never opened
        elif name.lower().endswith(".pdf") and name[:-4] not in jsons:
            out.append(folder / name)
    return out


def expand_results(args: Iterable[str | Path]) -> list[Path]:
    """Result files from files, folders and globs.

    A folder gives every result ``*.json`` and every ``*.pdf`` report below it (hidden folders skipped);
    a PDF whose result JSON lies beside it (``x.pdf`` and ``x.json``) is read once, from the JSON. A FIFO,
    socket or device found there is never opened: it is listed as skipped (``load_result_file`` says why).
    """
    from gapaudit.chain.batch import _GLOB_CHARS  # the same rules as for audits

    import glob

    out: list[Path] = []
    seen: set[Path] = set()
    empty: list[str] = []

    def add(p: Path) -> None:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            out.append(p)

    def folder(p: Path) -> int:
        count = 0
        for root, dirs, files in os.walk(p):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for f in _result_files(Path(root), files):
                add(f)
                count += 1
        return count

    for arg in args:
        name = str(arg)
        if _GLOB_CHARS.search(name) and not Path(name).exists():
            found = 0
            for match in sorted(glob.glob(name, recursive=True)):
                p = Path(match)
                if p.is_dir():
                    found += folder(p)
                elif p.suffix.lower() in (".json", ".pdf"):
                    add(p)
                    found += 1
            if not found:
                empty.append(name)
        elif Path(name).is_dir():
            if not folder(Path(name)):
                empty.append(name)
        else:
            add(Path(name))
    if empty:
        raise InputError([InputIssue("no result files found (looked for *.json results and *.pdf reports written "
                                     "by gapaudit run)", (), e,
                                     zh="未找到结果文件（查找 gapaudit run 生成的 *.json 结果和 *.pdf 报告）")
                          for e in empty], what="results")
    return out


# --- statistics over stores ------------------------------------------------------------

QUANTILES = {"min": 0.0, "p10": 0.1, "p25": 0.25, "median": 0.5, "p75": 0.75, "p90": 0.9, "max": 1.0}


def _r(x: float | None, digits: int = 2) -> float | None:
    return None if x is None else round(x, digits)


def distribution(values: list[float], bin_width: float = 10.0, confidence: float = 0.95) -> dict[str, Any]:
    """Mean with interval, SD, quantiles and a histogram of 0–100 scores."""
    values = sorted(values)
    est = mean_ci(values, confidence)
    nbins = max(1, math.ceil(100 / bin_width))
    counts = [0] * nbins
    for v in values:
        counts[min(nbins - 1, max(0, int(v // bin_width)))] += 1
    return {
        "n": len(values), "mean": _r(est.value), "ci_low": _r(est.low), "ci_high": _r(est.high), "sd": _r(est.sd),
        "quantiles": {k: _r(percentile(values, q)) for k, q in QUANTILES.items()},
        "histogram": [{"low": i * bin_width, "high": min(100.0, (i + 1) * bin_width), "count": c}
                      for i, c in enumerate(counts)],
    }


def ranked(rows: list[tuple[float, str]]) -> list[tuple[int, float, str]]:
    """(rank, score, key) highest first; equal scores share a rank (competition ranking)."""
    rows = sorted(rows, key=lambda r: (-r[0], r[1]))
    out: list[tuple[int, float, str]] = []
    for i, (score, key) in enumerate(rows):
        rank = out[-1][0] if out and out[-1][1] == score else i + 1
        out.append((rank, score, key))
    return out


# --- a finding's wording across stores ----------------------------------------------------------

#: a figure in a finding's wording: 41, 1,025, 4.5, 85% (a store's own numbers)
FIGURE = re.compile(r"(?<![A-Za-z0-9_.])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?(?![A-Za-z0-9_])")
SLOT = "\x00"


def wording(title: str) -> tuple[str, tuple[str, ...]]:
    """A finding title as (wording with each figure replaced by a slot, the figures as written)."""
    figures = tuple(m.group(0) for m in FIGURE.finditer(title))
    return FIGURE.sub(SLOT, title), figures


def _figure_value(text: str) -> float:
    return float(text.rstrip("%").replace(",", ""))


def _figure_text(value: float, like: list[str]) -> str:
    """``value`` written like the figures it summarises: their decimals, their % sign, thousands separators."""
    decimals = max((len(t.rstrip("%").split(".")[1]) if "." in t else 0) for t in like)
    if decimals == 0 and value != int(value):  # the median of two whole numbers may fall between them
        decimals = 1
    body = f"{value:,.{decimals}f}" if any("," in t for t in like) else f"{value:.{decimals}f}"
    return body + ("%" if like[0].endswith("%") else "")


def chain_wording(patterns: Mapping[str, list[tuple[str, ...]]], lang: str | None = None) -> dict[str, Any]:
    """A recurring finding's chain-wide wording: the wording most stores share, each figure its median (range).

    ``patterns`` maps a wording (``language`` + SLOT + wording, see :func:`wording`) to the figures of each store
    worded so; the roll-up language's wordings are preferred. Returns ``title`` (figures as "median (min–max)",
    or the one value when all stores agree), ``figures`` ([{median, min, max}] per figure) and
    ``wording_stores`` (stores whose wording it is).
    """
    own = {k: v for k, v in patterns.items() if lang and k.startswith(lang + SLOT)}
    pattern, tuples = max((own or patterns).items(), key=lambda kv: (len(kv[1]), kv[0]))
    pattern = pattern.split(SLOT, 1)[1] if SLOT in pattern else pattern
    columns = list(zip(*tuples)) if tuples and tuples[0] else []
    figures, texts = [], []
    for column in columns:
        values = sorted(_figure_value(t) for t in column)
        med, low, high = percentile(values, 0.5), values[0], values[-1]
        figures.append({"median": _r(med, 4), "min": _r(low, 4), "max": _r(high, 4)})
        like = list(column)
        texts.append(_figure_text(med, like) if low == high
                     else f"{_figure_text(med, like)} ({_figure_text(low, like)}–{_figure_text(high, like)})")
    parts = pattern.split(SLOT)
    title = parts[0] + "".join(t + rest for t, rest in zip(texts, parts[1:]))
    return {"title": title, "figures": figures, "wording_stores": len(tuples)}


# --- reading results ------------------------------------------------------------------------

@dataclass(slots=True)
class StoreRow:
    """What the roll-up keeps of one store's latest result."""

    store_id: str
    name: str
    region: str
    chain: str
    audit_id: str
    date: str
    quarter: str | None
    language: str
    score: float | None
    grade: str | None
    modules: dict[str, tuple[float | None, str | None]]
    actions: tuple[tuple[str, float], ...]
    findings: tuple[tuple[str, str, str, str, tuple[str, ...]], ...]  # module, id, severity, wording, figures
    standards: tuple[tuple[str, str, str, float | None, bool], ...]
    delta: float | None  # overall change since the previous audit, when known
    has_comparison: bool
    source: str


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _within(v: Any, high: float, what: str) -> float | None:
    """A number of the result contract that must lie in 0..high (scores and priorities 0–100, rates 0–1);
    ValueError otherwise, so a tampered or corrupted result is skipped, never averaged."""
    x = _num(v)
    if x is not None and not 0 <= x <= high:
        raise ValueError(f"{what} {x:g} is outside 0–{high:g}")
    return x


_intern = sys.intern
#: fewer files than this are read in the parent process: starting workers would cost more than it saves
PARALLEL_FROM = 400


#: unreadable files listed one by one when nothing could be rolled up
SKIPPED_SHOWN = 20
#: a store's result is a few hundred KB; anything far larger is not one, and is not read into memory
RESULT_MAX_BYTES = 64 * 2**20


def _too_large() -> str:
    limit = f"{RESULT_MAX_BYTES / 2**20:g} MB" if RESULT_MAX_BYTES >= 2**20 else f"{RESULT_MAX_BYTES:,} bytes"
    return f"larger than {limit}: too large for a store's result, not read"


def load_result_file(path: str | Path) -> tuple[Any, str | None]:
    """A result file's parsed JSON — a result JSON file, or the result a PDF report carries — or None and why not.

    Reading is bounded (:data:`RESULT_MAX_BYTES`), also for pipes and other files without a size; a FIFO,
    socket or device is never opened (it could block forever).
    """
    if os.path.exists(path) and not is_regular_file(path):
        return None, "not a regular file (a FIFO, socket or device is never opened)"
    try:
        with open(path, "rb") as fh:
            if os.fstat(fh.fileno()).st_size > RESULT_MAX_BYTES:
                return None, _too_large()
            raw = fh.read(RESULT_MAX_BYTES + 1)
        if len(raw) > RESULT_MAX_BYTES:
            return None, _too_large()
        if raw.lstrip()[:5] == b"%PDF-":  # a PDF report: the result it carries
            from gapaudit.render.pdfa import NoEmbeddedResult, read_result as embedded_result

            try:
                raw = embedded_result(raw)
            except NoEmbeddedResult as exc:
                return None, str(exc)
        return orjson.loads(raw.removeprefix(b"\xef\xbb\xbf")), None  # a BOM, as an editor on Windows may add
    except FileNotFoundError:
        return None, "file not found"
    except OSError as exc:
        return None, f"cannot read: {exc.strerror or exc}"
    except ValueError as exc:
        return None, f"cannot read as JSON: {exc}"


def read_full_result(path: str | Path) -> tuple[dict[str, Any] | None, str | None]:
    """The whole result of a JSON file or a PDF report (for recording in the history), or None and why not."""
    from gapaudit.model.result import RESULT_SCHEMA_VERSION

    data, problem = load_result_file(path)
    if problem is not None:
        return None, problem
    if not isinstance(data, dict) or "gapaudit_version" not in data:
        return None, "not a gapaudit result (no gapaudit_version)"
    if data.get("schema_version") != RESULT_SCHEMA_VERSION:
        return None, f"result schema version {data.get('schema_version')!r}; this gapaudit reads {RESULT_SCHEMA_VERSION}"
    return data, None


def read_result(path: str) -> tuple[str, Any, str | None]:
    """(path, the parts of a result file the roll-up reads, None) or (path, None, why it cannot be read).

    Runs in a worker process for large roll-ups, so only this small extract
    crosses back to the parent, never the whole result.
    """
    data, problem = load_result_file(path)
    if problem is not None:
        return path, None, problem
    try:
        return path, extract(data), None
    except (AttributeError, TypeError, KeyError) as exc:
        return path, None, f"incomplete result: {type(exc).__name__}: {exc}"


def extract(data: Any) -> Any:
    """The parts of a result's JSON form the roll-up reads (anything not a result passes unchanged)."""
    if not isinstance(data, dict) or "modules" not in data or not isinstance(data["modules"], dict):
        return data
    modules = {}
    for mid, mod in data["modules"].items():
        stds = (mod.get("data") or {}).get("standards")
        modules[mid] = {
            "title": mod.get("title"), "score": mod.get("score"), "grade": mod.get("grade"),
            "findings": [{k: f.get(k) for k in ("id", "severity", "title")} for f in mod.get("findings") or []],
            "data": {"standards": [{k: s.get(k) for k in ("id", "title", "status", "rate", "critical_failure")}
                                   for s in stds if isinstance(s, dict) and s.get("status") in STATUSES]}
            if isinstance(stds, list) else {},
        }
    hist = (data.get("extra") or {}).get("history")
    return {
        **{k: data.get(k) for k in ("gapaudit_version", "schema_version", "audit", "store", "overall")},
        "modules": modules,
        "actions": [{k: a.get(k) for k in ("id", "title", "gap", "priority")} for a in data.get("actions") or []],
        "extra": {"history": {"previous": hist.get("previous"), "overall": hist.get("overall")}}
        if isinstance(hist, dict) else {},
    }


class Rollup:
    """Accumulates results one at a time, then :meth:`finish` computes the roll-up dict.

    The dict (``schema`` 1)::

        title, chain, lang, quarters: [str], dates: {first, last}, rules: [str], options: RollupOptions,
        counts: {results, stores, skipped, superseded, no_score}
        skipped: [{file, reason}]
        modules: [{id, title}]                               # in run order
        overall: distribution + {grades: {grade: n}, no_score}
        module_stats: [{id, title, no_data, grades, ...distribution}]
        ranking: {overall: {top, bottom}, modules: {id: {top, bottom}}}
                 # rows: {rank, store_id, name, region, score, grade}
        stores: [{rank, store_id, name, region, audit_id, date, score, grade, modules: {id: score}}]
                 # every store, best first (JSON output only; the report shows lists, not this)
        heatmap: {columns: [module id], rows: [{store_id, name, region, overall, cells: [score|None]}]}
        regions: [{region, n, mean, ci_low, ci_high, min, max, delta_vs_chain, modules: {id: mean}}]
        standards: [{module, id, title, observed, below, confirmed, share_below, mean_rate, critical_failures}]
        actions: [{id, title, gap, stores, share, mean_priority, programme}]
        findings: [{module, id, title, figures: [{median, min, max}], wording_stores, stores, share,
                    severity: {sev: n}}]   # title: the shared wording, each figure "median (min–max)"
                 # standards, actions and findings: every one, most frequent first (the report lists the first
                 # options.items; the Excel output all)
        change: {source, compared, improved, declined, steady, mean_delta, improvers, decliners} | None
        trends: {source, quarters: [{quarter, n, mean, modules: {id: mean}}]} | None
    """

    def __init__(self, options: RollupOptions = RollupOptions()):
        self.options = options
        self.stores: dict[str, StoreRow] = {}
        self.results = 0
        self.superseded = 0
        self.skipped: list[dict[str, str]] = []
        self.module_titles: dict[str, str] = {}
        self.action_info: dict[str, tuple[str, str]] = {}
        self.finding_titles: dict[tuple[str, str], str] = {}
        self.standard_titles: dict[tuple[str, str], str] = {}
        # titles as each language's results word them: the roll-up shows its own language's where it has one
        self.localized: dict[tuple[str, Any], dict[str, str]] = defaultdict(dict)
        # (quarter, store) → (date, audit id, overall, module scores): for trends from the results
        self.by_quarter: dict[tuple[str, str], tuple[str, str, float | None, dict[str, float | None]]] = {}

    # reading

    def add_file(self, path: Path) -> None:
        """Read one result file; a file that is not a readable result is listed as skipped."""
        source, data, problem = read_result(str(path))
        if problem is not None:
            self.skipped.append({"file": source, "reason": problem})
        else:
            self.add(data, source)

    def add_files(self, paths: Iterable[Path], workers: int = 1) -> None:
        """Read many result files, parsing them in ``workers`` processes (the parent keeps only summaries)."""
        paths = [str(p) for p in paths]
        if workers <= 1 or len(paths) < PARALLEL_FROM:
            for path in paths:
                self.add_file(Path(path))
            return
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers) as pool:
            for source, data, problem in pool.map(read_result, paths, chunksize=32):
                if problem is not None:
                    self.skipped.append({"file": source, "reason": problem})
                else:
                    self.add(data, source)

    def add(self, data: Any, source: str) -> None:
        """Add one result (its JSON form)."""
        from gapaudit.model.result import RESULT_SCHEMA_VERSION

        if not isinstance(data, dict) or "gapaudit_version" not in data:
            self.skipped.append({"file": source, "reason": "not a gapaudit result (no gapaudit_version)"})
            return
        if data.get("schema_version") != RESULT_SCHEMA_VERSION:
            self.skipped.append({"file": source, "reason": f"result schema version {data.get('schema_version')!r}; "
                                                           f"this gapaudit reads {RESULT_SCHEMA_VERSION}"})
            return
        try:
            row = self._row(data, source)
        except ValueError as exc:
            self.skipped.append({"file": source, "reason": f"not a valid result: {exc}"})
            return
        except (KeyError, TypeError, AttributeError) as exc:
            self.skipped.append({"file": source, "reason": f"incomplete result: {type(exc).__name__}: {exc}"})
            return
        self.results += 1
        if row.quarter:
            key = (row.quarter, row.store_id)
            seen = self.by_quarter.get(key)
            if seen is None or (row.date, row.audit_id) > seen[:2]:
                self.by_quarter[key] = (row.date, row.audit_id, row.score,
                                        {m: s for m, (s, _) in row.modules.items()})
        current = self.stores.get(row.store_id)
        if current is None or (row.date, row.audit_id) > (current.date, current.audit_id):
            self.superseded += current is not None
            self.stores[row.store_id] = row
        else:
            self.superseded += 1

    def _row(self, data: dict[str, Any], source: str) -> StoreRow:
        audit, store, overall = data["audit"], data["store"], data["overall"]
        language = str(audit.get("language") or "en")
        modules: dict[str, tuple[float | None, str | None]] = {}
        findings: list[tuple[str, str, str, str, tuple[str, ...]]] = []
        standards: list[tuple[str, str, str, float | None, bool]] = []
        for mid, mod in data["modules"].items():
            mid = _intern(mid)
            self.module_titles.setdefault(mid, mod.get("title") or mid)
            self.localized[("module", mid)].setdefault(language, mod.get("title") or mid)
            modules[mid] = (_within(mod.get("score"), 100, f"score of module {mid}"), mod.get("grade"))
            for f in mod.get("findings") or []:
                key = (mid, _intern(f["id"]))
                self.finding_titles.setdefault(key, f.get("title") or f["id"])
                pattern, figures = wording(str(f.get("title") or f["id"]))
                findings.append((mid, key[1], _intern(str(f.get("severity"))), _intern(language + SLOT + pattern),
                                 figures))
            stds = (mod.get("data") or {}).get("standards")
            if isinstance(stds, list):
                for s in stds:
                    if not isinstance(s, dict) or "id" not in s or s.get("status") not in STATUSES:
                        continue
                    key = (mid, _intern(str(s["id"])))
                    self.standard_titles.setdefault(key, str(s.get("title") or s["id"]))
                    self.localized[("standard", key)].setdefault(language, str(s.get("title") or s["id"]))
                    standards.append((mid, key[1], _intern(str(s["status"])), _within(s.get("rate"), 1, "rate"),
                                      bool(s.get("critical_failure"))))
        actions = []
        for a in data.get("actions") or []:
            aid = _intern(a["id"])
            self.action_info.setdefault(aid, (a.get("title") or aid, a.get("gap") or ""))
            self.localized[("action", aid)].setdefault(language, a.get("title") or aid)
            actions.append((aid, _within(a.get("priority"), 100, "priority") or 0.0))
        hist = (data.get("extra") or {}).get("history")
        has_comparison = isinstance(hist, dict) and "previous" in hist
        delta = _num(((hist or {}).get("overall") or {}).get("delta")) if has_comparison else None
        return StoreRow(
            store_id=str(store["id"]), name=str(store.get("name") or store["id"]),
            region=str(store.get("region") or NO_REGION), chain=str(store.get("chain") or ""),
            audit_id=str(audit["id"]), date=str(audit.get("date") or ""), quarter=quarter_of(audit),
            language=str(audit.get("language") or "en"), score=_within(overall.get("score"), 100, "overall score"),
            grade=overall.get("grade"), modules=modules, actions=tuple(actions), findings=tuple(findings),
            standards=tuple(standards), delta=delta, has_comparison=has_comparison, source=source)

    # computing

    def finish(self, history: "History | None" = None, lang: str | None = None,
               title: str | None = None) -> dict[str, Any]:
        """The roll-up dict (see the class docstring)."""
        o = self.options
        rows = sorted(self.stores.values(), key=lambda r: r.store_id)
        n = len(rows)
        module_ids = list(self.module_titles)
        chain = Counter(r.chain for r in rows if r.chain).most_common(1)
        lang = lang or (Counter(r.language for r in rows).most_common(1) or [("en", 0)])[0][0]
        quarters = sorted({r.quarter for r in rows if r.quarter})
        scored = [r for r in rows if r.score is not None]
        self._localize(lang)

        out: dict[str, Any] = {
            "schema": ROLLUP_SCHEMA,
            "title": title,
            "chain": chain[0][0] if chain else "",
            "lang": lang,
            "quarters": quarters,
            "dates": {"first": min((r.date for r in rows if r.date), default=None),
                      "last": max((r.date for r in rows if r.date), default=None)},
            "counts": {"results": self.results, "stores": n, "skipped": len(self.skipped),
                       "superseded": self.superseded, "no_score": n - len(scored)},
            "skipped": self.skipped,
            "modules": [{"id": m, "title": self.module_titles[m]} for m in module_ids],
            "rules": [r.format(programme=o.programme_share, threshold=o.change_threshold)
                      for r in (RULES_ZH if lang == "zh" else RULES)],
            "options": asdict(o),
        }
        out["overall"] = distribution([r.score for r in scored], o.bin_width, o.confidence) | {
            "grades": dict(Counter(r.grade for r in scored if r.grade)), "no_score": n - len(scored)}
        out["module_stats"] = []
        for m in module_ids:
            vals = [r.modules[m][0] for r in rows if m in r.modules and r.modules[m][0] is not None]
            present = sum(1 for r in rows if m in r.modules)
            out["module_stats"].append({"id": m, "title": self.module_titles[m], "no_data": present - len(vals),
                                        "grades": dict(Counter(r.modules[m][1] for r in rows
                                                               if m in r.modules and r.modules[m][1]))}
                                       | distribution(vals, o.bin_width, o.confidence))
        out["ranking"] = {"overall": self._top_bottom([(r.score, r) for r in scored], "overall"),
                          "modules": {m: self._top_bottom([(r.modules[m][0], r) for r in rows
                                                           if m in r.modules and r.modules[m][0] is not None], m)
                                      for m in module_ids}}
        rank_of = {sid: rank for rank, _, sid in ranked([(r.score, r.store_id) for r in scored])}
        out["stores"] = [{"rank": rank_of.get(r.store_id), "store_id": r.store_id, "name": r.name, "region": r.region,
                          "audit_id": r.audit_id, "date": r.date, "score": r.score, "grade": r.grade,
                          "modules": {m: r.modules[m][0] for m in module_ids if m in r.modules}}
                         for r in sorted(rows, key=lambda r: (r.score is None, -(r.score or 0), r.store_id))]
        weakest = sorted(scored, key=lambda r: (r.score, r.store_id))[:o.heat_rows]
        out["heatmap"] = {"columns": module_ids, "rows": [
            {"store_id": r.store_id, "name": r.name, "region": r.region, "overall": r.score,
             "cells": [r.modules.get(m, (None, None))[0] for m in module_ids]} for r in weakest]}
        out["regions"] = self._regions(rows, module_ids, out["overall"]["mean"])
        out["standards"] = self._standards(rows)
        out["actions"], out["findings"] = self._recurring(rows, lang)
        out["change"] = self._change(rows, history)
        out["trends"] = self._trends(history, module_ids)
        return out

    def _localize(self, lang: str) -> None:
        """Titles in the roll-up's language where some result has them (results word titles in their own)."""
        for (kind, key), by_lang in self.localized.items():
            title = by_lang.get(lang)
            if title is None:
                continue
            if kind == "module":
                self.module_titles[key] = title
            elif kind == "standard":
                self.standard_titles[key] = title
            elif kind == "action":
                self.action_info[key] = (title, self.action_info[key][1])

    def _top_bottom(self, pairs: list[tuple[float, StoreRow]], what: str) -> dict[str, list[dict[str, Any]]]:
        by_id = {r.store_id: r for _, r in pairs}
        order = ranked([(s, r.store_id) for s, r in pairs])
        k = self.options.top

        def row(rank: int, score: float, sid: str) -> dict[str, Any]:
            r = by_id[sid]
            grade = r.grade if what == "overall" else r.modules[what][1]
            return {"rank": rank, "store_id": sid, "name": r.name, "region": r.region, "score": score,
                    "grade": grade}

        top = [row(*x) for x in order[:k]]
        bottom = [row(*x) for x in reversed(order[max(k, len(order) - k):])] if len(order) > k else []
        return {"top": top, "bottom": bottom}

    def _regions(self, rows: list[StoreRow], module_ids: list[str], chain_mean: float | None) -> list[dict[str, Any]]:
        if not any(r.region for r in rows):
            return []
        groups: dict[str, list[StoreRow]] = defaultdict(list)
        for r in rows:
            groups[r.region].append(r)
        out = []
        for region, members in groups.items():
            vals = [r.score for r in members if r.score is not None]
            est = mean_ci(vals, self.options.confidence)
            out.append({
                "region": region, "n": len(members), "scored": len(vals), "mean": _r(est.value),
                "ci_low": _r(est.low), "ci_high": _r(est.high),
                "min": _r(min(vals)) if vals else None, "max": _r(max(vals)) if vals else None,
                "delta_vs_chain": _r(est.value - chain_mean) if est.value is not None and chain_mean is not None
                else None,
                "modules": {m: _r(mean_ci([r.modules[m][0] for r in members if m in r.modules]).value)
                            for m in module_ids},
            })
        out.sort(key=lambda g: (g["mean"] is None, -(g["mean"] or 0), g["region"]))
        return out

    def _standards(self, rows: list[StoreRow]) -> list[dict[str, Any]]:
        observed: Counter[tuple[str, str]] = Counter()
        below: Counter[tuple[str, str]] = Counter()
        confirmed: Counter[tuple[str, str]] = Counter()
        critical: Counter[tuple[str, str]] = Counter()
        rates: dict[tuple[str, str], list[float]] = defaultdict(list)
        for r in rows:
            for mid, sid, status, rate, crit in r.standards:
                if status == "not_observed":
                    continue
                key = (mid, sid)
                observed[key] += 1
                below[key] += status in FAILED_STATUSES
                confirmed[key] += status == "shortfall"
                critical[key] += crit
                if rate is not None:
                    rates[key].append(rate)
        items = [{"module": m, "id": s, "title": self.standard_titles[(m, s)], "observed": observed[(m, s)],
                  "below": below[(m, s)], "confirmed": confirmed[(m, s)],
                  "share_below": _r(below[(m, s)] / observed[(m, s)], 4),
                  "mean_rate": _r(mean_ci(rates[(m, s)]).value, 4), "critical_failures": critical[(m, s)]}
                 for (m, s) in observed]
        items.sort(key=lambda d: (-d["share_below"], -d["below"], -d["confirmed"], d["module"], d["id"]))
        return items

    def _recurring(self, rows: list[StoreRow], lang: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        n = len(rows) or 1
        a_count: Counter[str] = Counter()
        a_prio: dict[str, float] = defaultdict(float)
        f_count: Counter[tuple[str, str]] = Counter()
        f_sev: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        f_words: dict[tuple[str, str], dict[str, list[tuple[str, ...]]]] = defaultdict(lambda: defaultdict(list))
        for r in rows:
            for aid, prio in dict(r.actions).items():
                a_count[aid] += 1
                a_prio[aid] += prio
            seen: set[tuple[str, str]] = set()
            for mid, fid, sev, pattern, figures in r.findings:
                if (mid, fid) in seen:
                    continue
                seen.add((mid, fid))
                f_count[(mid, fid)] += 1
                f_sev[(mid, fid)][sev] += 1
                f_words[(mid, fid)][pattern].append(figures)
        actions = [{"id": aid, "title": self.action_info[aid][0], "gap": self.action_info[aid][1], "stores": c,
                    "share": _r(c / n, 4), "mean_priority": _r(a_prio[aid] / c, 1),
                    "programme": c / n >= self.options.programme_share}
                   for aid, c in a_count.items()]
        actions.sort(key=lambda d: (-d["stores"], -d["mean_priority"], d["id"]))
        findings = [{"module": m, "id": f, "stores": c, "share": _r(c / n, 4), "severity": dict(f_sev[(m, f)]),
                     **chain_wording(f_words[(m, f)], lang)} for (m, f), c in f_count.items()]
        findings.sort(key=lambda d: (-d["stores"], d["module"], d["id"]))
        return actions, findings

    def _change(self, rows: list[StoreRow], history: "History | None") -> dict[str, Any] | None:
        deltas: list[tuple[float, StoreRow]] = []
        source = "results"
        for r in rows:
            delta = r.delta
            if not r.has_comparison and history is not None and r.score is not None:
                prev = history.previous(r.store_id, r.audit_id, r.date)
                if prev is not None and prev["overall"]["score"] is not None:
                    delta = round(r.score - prev["overall"]["score"], 6)
                    source = "results and history"
            if delta is not None:
                deltas.append((delta, r))
        if not deltas:
            return None
        t = self.options.change_threshold
        k = self.options.top

        def item(d: float, r: StoreRow) -> dict[str, Any]:
            return {"store_id": r.store_id, "name": r.name, "region": r.region, "score": r.score, "delta": _r(d)}

        by = sorted(deltas, key=lambda x: (x[0], x[1].store_id))
        return {
            "source": source, "compared": len(deltas), "threshold": t,
            "improved": sum(1 for d, _ in deltas if d >= t), "declined": sum(1 for d, _ in deltas if d <= -t),
            "steady": sum(1 for d, _ in deltas if -t < d < t),
            "mean_delta": _r(sum(d for d, _ in deltas) / len(deltas)),
            "improvers": [item(d, r) for d, r in reversed(by[-k:]) if d > 0],
            "decliners": [item(d, r) for d, r in by[:k] if d < 0],
        }

    def _trends(self, history: "History | None", module_ids: list[str]) -> dict[str, Any] | None:
        latest = dict(self.by_quarter)  # (quarter, store) → (date, audit id, overall, module scores)
        source = "results"
        if history is not None:
            source = "history"
            for quarter, store, date, audit, scores, score in history.quarter_rows():
                seen = latest.get((quarter, store))
                if seen is None or (date, audit) > seen[:2]:
                    latest[(quarter, store)] = (date, audit, score, scores)
        rows = ((q, s, mods, over) for (q, s), (_, _, over, mods) in latest.items())
        overall: dict[str, list[float]] = defaultdict(list)
        stores: Counter[str] = Counter()
        mods: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        for quarter, _store, scores, score in rows:
            stores[quarter] += 1
            if score is not None:
                overall[quarter].append(score)
            for m, s in scores.items():
                if s is not None:
                    mods[quarter][m].append(s)
        if len(stores) < 2:
            return None  # one quarter is not a trend
        quarters = []
        for q in sorted(stores):
            quarters.append({"quarter": q, "n": stores[q], "mean": _r(mean_ci(overall[q]).value),
                             "modules": {m: _r(mean_ci(mods[q].get(m, [])).value)
                                         for m in (module_ids or sorted(mods[q]))}})
        return {"source": source, "quarters": quarters}


def _verification_problem(path: str, trust: list[Any] | None) -> str | None:
    """Why a file is not a verified report, or None when it is (runs in a worker for many files)."""
    from gapaudit.seal import verify_pdf

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    if data.lstrip()[:5] != b"%PDF-":
        return "not a signed PDF report (a JSON result carries no signature); only verified reports are rolled up"
    check = verify_pdf(data, path, trust)
    return None if check.verified else "not verified: " + "; ".join(check.problems)


def only_verified(paths: Iterable[Path], trust: list[Any] | None = None,
                  workers: int | None = None) -> tuple[list[Path], list[dict[str, str]]]:
    """The signed, intact PDF reports among ``paths`` (gapaudit.seal.VERIFIED_RULE), and the rest with the reason.

    Checking a signature takes about a second per report, so many reports are checked in ``workers`` processes.
    """
    from gapaudit.chain.batch import default_workers

    paths = [str(p) for p in paths]
    workers = workers or default_workers()
    if workers > 1 and len(paths) >= 4:
        from concurrent.futures import ProcessPoolExecutor
        from itertools import repeat

        with ProcessPoolExecutor(max_workers=workers) as pool:
            problems = list(pool.map(_verification_problem, paths, repeat(trust)))
    else:
        problems = [_verification_problem(p, trust) for p in paths]
    kept = [Path(p) for p, problem in zip(paths, problems) if problem is None]
    refused = [{"file": p, "reason": problem} for p, problem in zip(paths, problems) if problem is not None]
    return kept, refused


def build(paths: Iterable[Path], *, history: "History | None" = None, lang: str | None = None,
          title: str | None = None, options: RollupOptions = RollupOptions(),
          workers: int | None = None, refused: Iterable[dict[str, str]] = ()) -> dict[str, Any]:
    """Read every result file once (in ``workers`` processes, default one per core) and compute the roll-up.

    ``refused`` lists files left out before reading (e.g. reports that failed verification), as skipped.
    """
    from gapaudit.chain.batch import default_workers

    acc = Rollup(options)
    acc.skipped.extend(refused)
    acc.add_files(paths, workers or default_workers())
    if not acc.stores:
        issues = [InputIssue(f"not a readable result: {s['reason']}", (), s["file"])
                  for s in acc.skipped[:SKIPPED_SHOWN]]
        if len(acc.skipped) > SKIPPED_SHOWN:
            more = len(acc.skipped) - SKIPPED_SHOWN
            issues.append(InputIssue(f"… and {more:,} more file(s) that are not readable results"))
        raise InputError(issues or [InputIssue("no result files given")], what="results")
    return acc.finish(history=history, lang=lang, title=title)


def to_json(data: Mapping[str, Any]) -> bytes:
    """The roll-up as indented UTF-8 JSON."""
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# --- the roll-up report (HTML and PDF, with the store report's environment, CSS and charts) ------

FORMATS = {"pdf": ".pdf", "html": ".html", "json": ".json", "xlsx": ".xlsx", "csv": ".csv"}
MAIN_TEMPLATE = "rollup/rollup.html.j2"

TEXT: dict[str, dict[str, str]] = {
    **SECTION_TEXT,
    "title": {"en": "Chain roll-up", "zh": "连锁汇总报告"},
    "subtitle": {"en": "Service-quality gap audits across the chain", "zh": "全连锁服务质量差距审核汇总"},
    "stores": {"en": "Stores", "zh": "门店"},
    "stores_n": {"en": "{n} stores", "zh": "{n} 家门店"},
    "mean_overall": {"en": "Mean overall score", "zh": "平均总分"},
    "audits_between": {"en": "{first} to {last}", "zh": "{first} 至 {last}"},
    "quarters": {"en": "Quarters", "zh": "季度"},
    "sec_summary": {"en": "Summary", "zh": "摘要"},
    "sec_ranking": {"en": "Store ranking", "zh": "门店排名"},
    "sec_distribution": {"en": "Score distributions", "zh": "得分分布"},
    "sec_heatmap": {"en": "Weakest stores × gaps", "zh": "薄弱门店 × 差距热力图"},
    "sec_standards": {"en": "Standards most often below target", "zh": "最常未达标的服务标准"},
    "sec_recurring": {"en": "Recurring actions and findings", "zh": "反复出现的行动与发现"},
    "sec_regions": {"en": "Regions", "zh": "区域对比"},
    "sec_trends": {"en": "Change and trends", "zh": "变化与趋势"},
    "key_figures": {"en": "Key figures", "zh": "关键数字"},
    "weakest_gap": {"en": "Weakest gap chain-wide", "zh": "全连锁最薄弱的差距"},
    "programmes": {"en": "Chain programme candidates", "zh": "建议作为全连锁项目推进的行动"},
    "no_programmes": {"en": "No action recurs in {share} of stores or more.",
                      "zh": "没有行动出现在 {share} 及以上的门店。"},
    "grades": {"en": "Stores per grade", "zh": "各等级门店数"},
    "rank": {"en": "Rank", "zh": "名次"},
    "top_n": {"en": "Highest {n}", "zh": "最高的 {n} 家"},
    "bottom_n": {"en": "Lowest {n}", "zh": "最低的 {n} 家"},
    "ranking_intro": {"en": "{n} stores with an overall score; the full ranking, with every module's score, is in "
                            "the Excel output (gapaudit rollup -f xlsx) and the CSV (-f csv).",
                      "zh": "共 {n} 家门店有总分；含各模块得分的完整排名见 Excel 输出（gapaudit rollup -f xlsx）"
                            "及 CSV（-f csv）。"},
    "by_gap": {"en": "Ranking by gap", "zh": "各差距排名"},
    "hist_overall": {"en": "Overall score: stores per 10-point band", "zh": "总分分布：每 10 分段的门店数"},
    "module_means": {"en": "Mean score per gap, with 95 % interval", "zh": "各差距平均分（含 95% 置信区间）"},
    "q_min": {"en": "Min", "zh": "最低"}, "q_p10": {"en": "P10", "zh": "P10"}, "q_p25": {"en": "P25", "zh": "P25"},
    "q_median": {"en": "Median", "zh": "中位数"}, "q_p75": {"en": "P75", "zh": "P75"},
    "q_p90": {"en": "P90", "zh": "P90"}, "q_max": {"en": "Max", "zh": "最高"},
    "mean": {"en": "Mean", "zh": "平均"}, "sd": {"en": "SD", "zh": "标准差"},
    "overall": {"en": "Overall", "zh": "总分"},
    "heat_intro": {"en": "The {n} weakest stores by overall score, each gap's score in its cell (— no data). "
                         "Shading: {holds}+ holds, {weak}–{holds} weak, below {weak} breaks.",
                   "zh": "总分最低的 {n} 家门店，每格为该差距的得分（— 表示无数据）。"
                         "底色：{holds} 分及以上为稳固，{weak}–{holds} 为薄弱，低于 {weak} 为断裂。"},
    "region_heat": {"en": "Mean score per region and gap", "zh": "各区域各差距平均分"},
    "standard": {"en": "Standard", "zh": "标准"},
    "observed": {"en": "Stores observed", "zh": "观察门店数"},
    "below": {"en": "Below target", "zh": "未达标"},
    "confirmed": {"en": "Clearly below", "zh": "确定未达标"},
    "share_below": {"en": "Share below", "zh": "未达标占比"},
    "mean_rate": {"en": "Mean compliance", "zh": "平均达标率"},
    "critical_failures": {"en": "Critical failures", "zh": "关键项失败"},
    "standards_intro": {"en": "Share of the stores observing a standard where it is below target.",
                        "zh": "在观察到该标准的门店中，未达标门店所占比例。"},
    "no_standards": {"en": "No module reported compliance per standard.", "zh": "没有模块提供逐项标准的达标数据。"},
    "action": {"en": "Action", "zh": "行动"},
    "share_stores": {"en": "Share of stores", "zh": "门店占比"},
    "mean_priority": {"en": "Mean priority", "zh": "平均优先级"},
    "programme": {"en": "chain programme", "zh": "全连锁项目"},
    "programme_intro": {"en": "An action needed in at least {share} of stores is better run as one chain-wide "
                              "programme than as hundreds of local fixes.",
                        "zh": "在 {share} 及以上门店都需要的行动，作为一个全连锁项目推进，胜过数百次门店各自整改。"},
    "recurring_findings": {"en": "Findings that recur", "zh": "反复出现的发现"},
    "findings_intro": {"en": "Figures in a finding's wording are chain-wide: the median over the stores with that "
                             "finding, with the range in brackets.",
                       "zh": "发现措辞中的数字为全连锁口径：出现该发现的门店的中位数，括号内为范围。"},
    "severity_mix": {"en": "Severity", "zh": "严重程度"},
    "finding": {"en": "Finding", "zh": "发现"},
    "no_region": {"en": "(no region)", "zh": "（未填区域）"},
    "vs_chain": {"en": "vs chain", "zh": "与连锁平均之差"},
    "region_chart": {"en": "Mean overall score by region, with 95 % interval",
                     "zh": "各区域平均总分（含 95% 置信区间）"},
    "no_regions": {"en": "No store carries a region.", "zh": "门店均未填写区域。"},
    "change_title": {"en": "Change since each store's previous audit", "zh": "各门店与上次审核相比的变化"},
    "change_line": {"en": "{n} stores compared with their previous audit: {improved} improved, {steady} steady, "
                          "{declined} declined (by {threshold} points or more); mean change {mean}.",
                    "zh": "{n} 家门店可与上次审核比较：进步 {improved} 家，持平 {steady} 家，退步 {declined} 家"
                          "（以 {threshold} 分为界）；平均变化 {mean} 分。"},
    "no_change": {"en": "No store has an earlier audit to compare with (run with --history to record audits).",
                  "zh": "没有门店可与更早的审核比较（使用 --history 记录审核历史）。"},
    "improvers": {"en": "Most improved", "zh": "进步最大"},
    "decliners": {"en": "Most declined", "zh": "退步最大"},
    "trend_title": {"en": "Quarter trends", "zh": "季度趋势"},
    "trend_chart": {"en": "Mean overall score by quarter", "zh": "各季度平均总分"},
    "trend_source_history": {"en": "From the history database and the results read: each store once per quarter, "
                                   "with its latest audit.",
                             "zh": "数据来自审核历史库和所读取的结果：每家门店每季度计一次（取该季度最近一次审核）。"},
    "trend_source_results": {"en": "From the results read: each store once per quarter, its latest audit.",
                             "zh": "数据来自所读取的结果：每家门店每季度计一次（取该季度最近一次审核）。"},
    "no_trend": {"en": "Trends appear once the results or the history cover two quarters or more.",
                 "zh": "结果或历史库覆盖两个及以上季度后才显示趋势。"},
    "quarter": {"en": "Quarter", "zh": "季度"},
    "how": {"en": "How the roll-up is computed", "zh": "汇总的计算方法"},
    "counts_line": {"en": "{results} results read for {stores} stores; {superseded} earlier results of the same "
                          "stores only feed the trends.",
                    "zh": "共读取 {results} 份结果，涉及 {stores} 家门店；"
                          "同一门店的 {superseded} 份较早结果仅用于趋势。"},
    "skipped": {"en": "Files skipped", "zh": "跳过的文件"},
    "file": {"en": "File", "zh": "文件"},
}


#: why a file was skipped, in Chinese: (start of the English reason, its Chinese wording); the rest is kept
SKIP_REASONS_ZH = (
    ("not verified: ", "未通过签名验证："),
    ("file not found", "文件不存在"),
    ("cannot read as JSON", "无法按 JSON 读取"),
    ("cannot read", "无法读取"),
    ("larger than", "文件过大，不是单店结果，未读取"),
    ("not a gapaudit result", "不是 gapaudit 结果（缺少 gapaudit_version）"),
    ("result schema version", "结果的格式版本与本程序不符"),
    ("incomplete result", "结果不完整"),
    ("PDF without an embedded result.json", "PDF 未内嵌 result.json：不是 gapaudit 报告，或是报告内嵌结果之前生成的"),
    ("a roll-up report", "这是汇总报告，不是门店报告"),
    ("not a readable PDF", "无法读取的 PDF"),
    ("not a signed PDF report", "不是已签名的 PDF 报告（JSON 结果不带签名），只汇总通过验证的报告"),
)
#: reasons whose Chinese wording says it all (their English detail is not repeated)
WHOLE_REASONS = ("PDF without an embedded result.json", "a roll-up report", "not a signed PDF report", "larger than",
                 "not a gapaudit result")


def skip_reason(reason: str, lang: str) -> str:
    """A skipped file's reason in ``lang``: the known kinds translated, the technical detail kept after a colon."""
    if lang != "zh":
        return reason
    for prefix, zh in SKIP_REASONS_ZH:
        if not reason.startswith(prefix):
            continue
        detail = reason[len(prefix):].lstrip(" :")
        if prefix == "not verified: ":
            from gapaudit.seal import problem_text

            return zh + "；".join(problem_text(p, lang) for p in detail.split("; "))
        if not detail or prefix in WHOLE_REASONS:
            return zh
        return f"{zh}：{detail}"
    return reason


def text(key: str, lang: str, /, **fmt: Any) -> str:
    """Fixed roll-up text ``key`` in ``lang``."""
    return lookup(TEXT, key, lang, **fmt)


def _tone(score: float | None) -> str:
    from gapaudit.render.document import STATUS_TONE, chain_status

    return STATUS_TONE[chain_status(score)]


def _charts(data: Mapping[str, Any], lang: str, font: str, palette: dict[str, str]) -> dict[str, Any]:
    """The roll-up's SVG charts, drawn with the store report's chart helpers."""
    from gapaudit.render import charts
    from gapaudit.render.document import CHAIN_WEAK

    titles = {m["id"]: short_title(m["id"], m["title"], lang) for m in data["modules"]}
    out: dict[str, Any] = {}
    hist = data["overall"]["histogram"]
    if data["overall"]["n"]:
        out["overall_hist"] = charts.columns(
            [(f"{b['low']:g}–{b['high']:g}", b["count"], _tone(b["low"] if b["low"] < CHAIN_WEAK else b["high"] - 1e-9))
             for b in hist], title=text("hist_overall", lang), font=font, palette=palette, uid="rh")
    rows = [charts.Bar(titles[m["id"]], m["mean"], m["ci_low"], m["ci_high"], _tone(m["mean"]))
            for m in data["module_stats"]]
    if rows:
        out["module_means"] = charts.bars(rows, title=text("module_means", lang), font=font, palette=palette,
                                          uid="rm", domain=(0, 100), digits=1)
    if data["regions"]:
        out["regions"] = charts.bars(
            [charts.Bar(r["region"] or text("no_region", lang), r["mean"], r["ci_low"], r["ci_high"], _tone(r["mean"]))
             for r in data["regions"]], title=text("region_chart", lang), font=font, palette=palette, uid="rr",
            domain=(0, 100), digits=1)
    if data["standards"]:
        out["standards"] = charts.bars(
            [charts.Bar(s["title"], 100 * s["share_below"], tone="bad" if s["share_below"] >= 0.5 else "warn")
             for s in data["standards"][:10]], title=text("sec_standards", lang), font=font, palette=palette,
            uid="rs", domain=(0, 100), digits=0, unit="%", label_width=280)
    trends = data.get("trends")
    if trends:
        out["trend"] = charts.columns([(q["quarter"], q["mean"], _tone(q["mean"])) for q in trends["quarters"]],
                                      title=text("trend_chart", lang), font=font, palette=palette, uid="rt", digits=1)
    return out


def render_html(data: Mapping[str, Any], *, host: "PluginHost | None" = None,
                template_dirs: Iterable[Path | str] = (), lang: str | None = None, target: str = "html") -> str:
    """The roll-up report's HTML, through the store report's Jinja environment, CSS and charts."""
    import datetime as dt

    import jinja2

    from gapaudit.errors import OutputError
    from gapaudit.render import charts, fonts
    from gapaudit.render.document import CHAIN_HOLDS, CHAIN_WEAK
    from gapaudit.render.env import make_env
    from markupsafe import Markup

    lang = lang or data.get("lang") or "en"
    palette = dict(charts.PALETTE)
    font = Markup(fonts.css_font_family(fonts.font_stack(lang)))
    created = _created(data)
    env = make_env(host, tuple(template_dirs))
    context = {
        "data": data, "lang": lang, "target": target, "font_family": font, "palette": palette,
        "css_vars": {f"--{k}": Markup(v) for k, v in palette.items()}, "created": created,
        "charts": _charts(data, lang, font, palette), "module_title": {m["id"]: m["title"] for m in data["modules"]},
        "module_short": {m["id"]: short_title(m["id"], m["title"], lang) for m in data["modules"]},
        "rt": lambda key, **fmt: text(key, lang, **fmt), "tone": _tone,
        "skip_reason": lambda reason: skip_reason(reason, lang),
        "chain_holds": CHAIN_HOLDS, "chain_weak": CHAIN_WEAK,
    }
    try:
        return env.get_template(MAIN_TEMPLATE).render(context)
    except jinja2.TemplateError as exc:
        where = f"{exc.name}:{exc.lineno}: " if isinstance(exc, jinja2.TemplateSyntaxError) else ""
        raise OutputError(f"roll-up template error: {where}{exc}") from exc


def _created(data: Mapping[str, Any]) -> str:
    """The report's creation time: SOURCE_DATE_EPOCH when set, else the latest audit date (reproducible output)."""
    import datetime as dt

    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{(data.get('dates') or {}).get('last') or '1970-01-01'}T00:00:00Z"


#: the roll-up PDF carries its data, like a store report carries its result
ROLLUP_EMBEDDED_NAME = "rollup.json"


def render(data: Mapping[str, Any], fmt: str, *, host: "PluginHost | None" = None,
           template_dirs: Iterable[Path | str] = (), lang: str | None = None) -> bytes:
    """The roll-up as ``json``, ``html`` (standalone), ``pdf``, ``xlsx`` (workbook) or ``csv`` (the ranking) bytes."""
    if fmt == "json":
        return to_json(data)
    if fmt in ("xlsx", "csv"):
        from gapaudit.chain import xlsx

        lang = lang or data.get("lang") or "en"
        if fmt == "csv":
            return xlsx.to_csv(data, lang)
        titles = {m["id"]: m["title"] for m in data["modules"]}
        return xlsx.to_xlsx(data, lang, lambda mid: short_title(mid, titles.get(mid, mid), lang), _created(data))
    if fmt == "html":
        return render_html(data, host=host, template_dirs=template_dirs, lang=lang, target="html").encode("utf-8")
    if fmt == "pdf":
        from gapaudit.render import fonts
        from gapaudit.render.env import template_search_path
        from gapaudit.render.pdf import html_to_pdf
        from gapaudit.render.pdfa import Attachment

        fonts.prefetch()
        html = render_html(data, host=host, template_dirs=template_dirs, lang=lang, target="pdf")
        fonts.require_cjk_font(html, lang or data.get("lang") or "en")
        folders = template_search_path(host, tuple(template_dirs))
        embedded = [Attachment(ROLLUP_EMBEDDED_NAME, to_json(data), "gapaudit roll-up data (gapaudit rollup -f json)")]
        return html_to_pdf(html, folders, base_url=folders[-1], attachments=embedded, created=_created(data))
    raise ValueError(f"unknown roll-up format {fmt!r}; choose from {', '.join(FORMATS)}")


def output_path(fmt: str, output: Path | None, many: bool) -> Path:
    """Where a roll-up format goes: ``rollup.<ext>`` in the working directory, in ``output``, or ``output``."""
    suffix = FORMATS[fmt]
    if output is None:
        return Path("rollup" + suffix)
    if many or output.is_dir() or not output.suffix:
        return output / ("rollup" + suffix)
    return output.with_suffix(suffix)
