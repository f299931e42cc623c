"""Audit history: record results in a database and compare a store with its previous audit.

Where the database is (first found wins):

1. ``--history URL`` on the command line;
2. the ``GAPAUDIT_HISTORY`` environment variable;
3. ``gapaudit.toml`` in the working directory::

       [history]
       url = "history.db"          # a file path (relative to this file) or any SQLAlchemy URL

A value without ``://`` is a SQLite file path; anything else is a SQLAlchemy
URL (``postgresql+psycopg://user@host/db`` for a shared server; the server's
driver must be installed).

Recording is idempotent per (store id, audit id): recording the same audit
again replaces its row. Only a compact digest of each result is stored
(scores, numeric metrics, finding and action ids with their titles), enough
for comparisons and trends, not the whole report.

The comparison a store report shows is put in ``AuditResult.extra["history"]``
(see :func:`compare` for its shape) by a finalise-result hook, so every
output format sees it; the same plugin adds the report section "change since
the last audit" (template ``rollup/store_change.html.j2``). An audit is
compared with what the database holds when it runs, so record quarters in
date order (one batch per quarter): two audits of one store in the same
batch may run in either order.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from gapaudit import hookimpl
from gapaudit.errors import GapauditError, InputError, InputIssue

if TYPE_CHECKING:
    from gapaudit.model.result import AuditResult
    from gapaudit.plugins import PluginHost

HISTORY_ENV = "GAPAUDIT_HISTORY"
CONFIG_FILE = "gapaudit.toml"
HISTORY_SCHEMA = 1
#: name under which the history plugin is registered on a PluginHost
PLUGIN_NAME = "gapaudit_history"

COMPARE_RULES = [
    "previous audit = the same store's recorded audit with the latest (date, audit id) before this one's; "
    "the audit itself is never its own previous audit",
    "delta = current − previous, for the overall score, each module score and each numeric metric present in "
    "both audits; no delta when either side has no data",
    "findings and actions are matched by module id and id: new = only in this audit, resolved = only in the "
    "previous one, persisting = in both; an action carried over has the same id in both audits",
    "beyond noise: a change in a measure with a 95 % interval in both audits counts as beyond the noise of the two "
    "measurements when |delta| > √(h₁² + h₂²), h being each interval's half-width (a two-sided z-test at the 5 % "
    "level for two independent estimates); a score or measure without an interval on either side is not judged",
]

#: the noise rule in Chinese, for the change view in a zh report
NOISE_RULE_ZH = ("超出误差：两次审核都带 95% 置信区间的指标，当 |变化| > √(h₁² + h₂²)（h 为各自区间的半宽，相当于对两个"
                 "独立估计做 5% 水平的双侧 z 检验）时，视为超出两次测量的误差；任一次没有区间的得分或指标不作判断")

QUARTER_RULE = ("quarter = the audit's period when written like 2026-Q3, otherwise the calendar quarter of "
                "the audit date; each store counts once per quarter, with its latest audit in that quarter")


#: order key of the "change since the last audit" report section: after the summary (0), before the modules
SECTION_ORDER = 50
SECTION_TEMPLATE = "rollup/store_change.html.j2"
#: fixed text of that section (the roll-up report uses it too)
SECTION_TEXT: dict[str, dict[str, str]] = {
    "since_title": {"en": "Change since the last audit", "zh": "与上次审核相比"},
    "since_intro": {"en": "Compared with audit {audit} of {date}.", "zh": "对比对象：{date} 的审核 {audit}。"},
    "since_first": {"en": "This is the first audit of this store in the history.",
                    "zh": "这是历史库中本门店的第一次审核。"},
    "previous": {"en": "Previous", "zh": "上次"},
    "current": {"en": "Now", "zh": "本次"},
    "metric_changes": {"en": "Measures that changed", "zh": "有变化的指标"},
    "more_rows": {"en": "… and {n} more", "zh": "……另有 {n} 项"},
    "new_findings": {"en": "New findings", "zh": "新出现的发现"},
    "resolved_findings": {"en": "Resolved since last time", "zh": "已解决的发现"},
    "persisting_findings": {"en": "Still open", "zh": "仍未解决的发现"},
    "carried_over": {"en": "Actions carried over from the last audit", "zh": "上次审核遗留的行动"},
    "folded": {"en": "… and {n} more:", "zh": "……另有 {n} 项："},
    "noise": {"en": "Beyond noise", "zh": "超出误差"},
    "noise_yes": {"en": "yes", "zh": "是"},
    "noise_no": {"en": "no", "zh": "否"},
    "noise_rule": {"en": COMPARE_RULES[-1], "zh": NOISE_RULE_ZH},
    "none": {"en": "None.", "zh": "无。"},
    "change": {"en": "Change", "zh": "变化"},
}


class HistoryError(GapauditError):
    """The history database cannot be opened, read or written."""

    exit_code = 4


# --- where the database is ----------------------------------------------------------

def normalise_url(value: str, base: Path | None = None) -> str:
    """A SQLAlchemy URL: kept as given when it has ``://``, else a SQLite file path (relative to ``base``)."""
    value = value.strip()
    if not value:
        raise InputError([InputIssue("history database URL is empty")])
    if "://" in value:
        return value
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = (base or Path.cwd()) / path
    return f"sqlite:///{path.resolve()}"


def resolve_url(option: str | None = None, cwd: Path | None = None,
                environ: Mapping[str, str] | None = None) -> str | None:
    """The history URL from the option, else ``GAPAUDIT_HISTORY``, else ``gapaudit.toml``; None when unset."""
    cwd = cwd or Path.cwd()
    environ = os.environ if environ is None else environ
    if option:
        return normalise_url(option, cwd)
    if environ.get(HISTORY_ENV, "").strip():
        return normalise_url(environ[HISTORY_ENV], cwd)
    config = cwd / CONFIG_FILE
    if not config.is_file():
        return None
    import tomllib

    try:
        data = tomllib.loads(config.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError([InputIssue(f"cannot read {CONFIG_FILE}: {exc}", (), str(config))]) from exc
    section = data.get("history")
    if section is None:
        return None
    url = section.get("url") if isinstance(section, dict) else None
    if not isinstance(url, str):
        raise InputError([InputIssue("[history] url must be a string (a file path or a SQLAlchemy URL)",
                                     ("history", "url"), str(config))])
    return normalise_url(url, config.parent)


def display_url(url: str) -> str:
    """The URL with any password hidden, for messages."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


# --- what is stored: a compact digest of one result ----------------------------------

def quarter_of(audit: Mapping[str, Any]) -> str | None:
    """``YYYY-Qn`` from the audit's period when written that way, else from its date (see QUARTER_RULE)."""
    period = str(audit.get("period") or "").strip()
    m = re.fullmatch(r"(\d{4})\s*[-_/ ]?\s*Q([1-4])", period, re.I)
    if m:
        return f"{m.group(1)}-Q{m.group(2)}"
    date = audit.get("date")
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date[:10])
        except ValueError:
            return None
    if isinstance(date, dt.date):
        return f"{date.year}-Q{(date.month - 1) // 3 + 1}"
    return None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def digest(result: "AuditResult | Mapping[str, Any]") -> dict[str, Any]:
    """The parts of a result that history and the roll-up compare: small, JSON-ready.

    Accepts an :class:`AuditResult` or its JSON form (a dict), so the roll-up
    can digest result files without building models.
    """
    data: Mapping[str, Any] = result if isinstance(result, Mapping) else result.model_dump(mode="json")
    audit = data.get("audit") or {}
    store = data.get("store") or {}
    overall = data.get("overall") or {}
    modules: dict[str, Any] = {}
    for mid, mod in (data.get("modules") or {}).items():
        modules[mid] = {
            "title": mod.get("title") or mid,
            "score": _number(mod.get("score")),
            "grade": mod.get("grade"),
            "metrics": {m["id"]: {"label": m.get("label", m["id"]), "value": _number(m.get("value")),
                                  "unit": m.get("unit", ""),
                                  **({"ci_low": _number(m.get("ci_low")), "ci_high": _number(m.get("ci_high"))}
                                     if _number(m.get("ci_low")) is not None and _number(m.get("ci_high")) is not None
                                     else {})}
                        for m in mod.get("metrics") or [] if _number(m.get("value")) is not None},
            "findings": {f["id"]: {"title": f.get("title", f["id"]), "severity": f.get("severity")}
                         for f in mod.get("findings") or []},
        }
    return {
        "store": {k: store.get(k) for k in ("id", "name", "region", "chain")},
        "audit": {"id": audit.get("id"), "date": audit.get("date"), "period": audit.get("period"),
                  "language": audit.get("language")},
        "quarter": quarter_of(audit),
        "overall": {"score": _number(overall.get("score")), "grade": overall.get("grade")},
        "modules": modules,
        "actions": {a["id"]: {"title": a.get("title", a["id"]), "gap": a.get("gap"),
                              "priority": _number(a.get("priority"))}
                    for a in data.get("actions") or []},
    }


# --- the comparison ------------------------------------------------------------------

def _delta(current: float | None, previous: float | None) -> float | None:
    if current is None or previous is None:
        return None
    return round(current - previous, 6)


def beyond_noise(current: Mapping[str, Any], previous: Mapping[str, Any]) -> bool | None:
    """Whether the change between two measurements exceeds their noise (COMPARE_RULES); None: no interval to judge.

    Each side is ``{value, ci_low, ci_high}`` with a 95 % interval; the test is |Δ| > √(h₁² + h₂²).
    """
    try:
        h1 = (current["ci_high"] - current["ci_low"]) / 2
        h2 = (previous["ci_high"] - previous["ci_low"]) / 2
        delta = current["value"] - previous["value"]
    except (KeyError, TypeError):
        return None
    return abs(delta) > (h1 * h1 + h2 * h2) ** 0.5


def compare(current: Mapping[str, Any], previous: Mapping[str, Any] | None) -> dict[str, Any]:
    """The change from ``previous`` to ``current`` (both digests): the ``extra["history"]`` shape.

    ::

        {"schema": 1,
         "previous": {"audit_id", "date", "period", "quarter"} | None,
         "reason": str | None,                        # why there is no comparison
         "overall": {"current", "previous", "delta", "grade", "previous_grade"},
         "modules": [{"id", "title", "current", "previous", "delta"}],
         "metrics": [{"module", "id", "label", "unit", "current", "previous", "delta"}],
         "findings": {"new" | "resolved" | "persisting": [{"module", "id", "title", "severity",
                                                            "previous_severity"?}]},
         "actions": {"carried_over": [{"id", "title", "gap", "priority", "previous_priority"}],
                     "new": [ids], "dropped": [ids]},
         "rules": [str]}

    Lists keep the current audit's order (modules in run order); items only
    in the previous audit follow in its order.
    """
    if previous is None:
        return {"schema": HISTORY_SCHEMA, "previous": None,
                "reason": "no earlier audit of this store is recorded in the history", "rules": COMPARE_RULES}
    cur_o, prev_o = current["overall"], previous["overall"]
    out: dict[str, Any] = {
        "schema": HISTORY_SCHEMA,
        "previous": {"audit_id": previous["audit"]["id"], "date": previous["audit"]["date"],
                     "period": previous["audit"].get("period"), "quarter": previous.get("quarter")},
        "reason": None,
        "overall": {"current": cur_o["score"], "previous": prev_o["score"],
                    "delta": _delta(cur_o["score"], prev_o["score"]),
                    "grade": cur_o["grade"], "previous_grade": prev_o["grade"]},
        "modules": [], "metrics": [],
        "findings": {"new": [], "resolved": [], "persisting": []},
        "actions": {"carried_over": [], "new": [], "dropped": []},
        "rules": COMPARE_RULES,
    }
    cur_m, prev_m = current["modules"], previous["modules"]
    for mid in list(cur_m) + [m for m in prev_m if m not in cur_m]:
        c, p = cur_m.get(mid), prev_m.get(mid)
        c_score = c["score"] if c else None
        p_score = p["score"] if p else None
        out["modules"].append({"id": mid, "title": (c or p)["title"], "current": c_score, "previous": p_score,
                               "delta": _delta(c_score, p_score), "beyond_noise": None})  # scores carry no interval
        if c and p:
            for key, metric in c["metrics"].items():
                before = p["metrics"].get(key)
                if before is not None:
                    out["metrics"].append({"module": mid, "id": key, "label": metric["label"],
                                           "unit": metric["unit"], "current": metric["value"],
                                           "previous": before["value"],
                                           "delta": _delta(metric["value"], before["value"]),
                                           "beyond_noise": beyond_noise(metric, before)})
        c_find = c["findings"] if c else {}
        p_find = p["findings"] if p else {}
        for fid, f in c_find.items():
            item = {"module": mid, "id": fid, "title": f["title"], "severity": f["severity"]}
            if fid in p_find:
                item["previous_severity"] = p_find[fid]["severity"]
                out["findings"]["persisting"].append(item)
            else:
                out["findings"]["new"].append(item)
        for fid, f in p_find.items():
            if fid not in c_find:
                out["findings"]["resolved"].append({"module": mid, "id": fid, "title": f["title"],
                                                    "severity": f["severity"]})
    cur_a, prev_a = current["actions"], previous["actions"]
    for aid, a in cur_a.items():
        if aid in prev_a:
            out["actions"]["carried_over"].append({"id": aid, "title": a["title"], "gap": a["gap"],
                                                   "priority": a["priority"],
                                                   "previous_priority": prev_a[aid]["priority"]})
        else:
            out["actions"]["new"].append(aid)
    out["actions"]["dropped"] = [aid for aid in prev_a if aid not in cur_a]
    return out


# --- the database --------------------------------------------------------------------

def _tables() -> Any:
    import sqlalchemy as sa

    meta = sa.MetaData()
    audits = sa.Table(
        "gapaudit_audit", meta,
        sa.Column("store_id", sa.String(200), primary_key=True),
        sa.Column("audit_id", sa.String(200), primary_key=True),
        sa.Column("audit_date", sa.Date, nullable=False),
        sa.Column("quarter", sa.String(20)),
        sa.Column("period", sa.String(50)),
        sa.Column("store_name", sa.String(200)),
        sa.Column("region", sa.String(200)),
        sa.Column("chain", sa.String(200)),
        sa.Column("overall_score", sa.Float),
        sa.Column("overall_grade", sa.String(10)),
        sa.Column("gapaudit_version", sa.String(50)),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.Column("digest", sa.Text, nullable=False),
        sa.Index("ix_gapaudit_audit_store_date", "store_id", "audit_date"),
        sa.Index("ix_gapaudit_audit_quarter", "quarter"),
    )
    scores = sa.Table(
        "gapaudit_module_score", meta,
        sa.Column("store_id", sa.String(200), primary_key=True),
        sa.Column("audit_id", sa.String(200), primary_key=True),
        sa.Column("module_id", sa.String(100), primary_key=True),
        sa.Column("score", sa.Float),
        sa.Column("grade", sa.String(10)),
    )
    return meta, audits, scores


class History:
    """A history database (SQLAlchemy Core): record results, find previous audits, quarter trends."""

    def __init__(self, url: str):
        import sqlalchemy as sa

        self.url = url
        kwargs: dict[str, Any] = {}
        if url.startswith("sqlite"):
            # several batch workers write to one file: wait for the lock instead of failing
            kwargs["connect_args"] = {"timeout": 60}
        try:
            self.engine = sa.create_engine(url, **kwargs)
            if url.startswith("sqlite"):
                sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            self.meta, self.audits, self.scores = _tables()
            _create_schema(self.engine, self.meta)
        except (sa.exc.SQLAlchemyError, ImportError) as exc:
            raise HistoryError(f"cannot open history database {display_url(url)}: {exc}") from exc

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "History":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # writing

    def record(self, result: "AuditResult | Mapping[str, Any]", summary: Mapping[str, Any] | None = None) -> None:
        """Store one result (replacing an earlier record of the same store and audit id)."""
        import sqlalchemy as sa

        from gapaudit import __version__

        d = dict(summary) if summary is not None else digest(result)
        store_id, audit_id = d["store"]["id"], d["audit"]["id"]
        date = d["audit"]["date"]
        date = dt.date.fromisoformat(date) if isinstance(date, str) else date
        row = {"store_id": store_id, "audit_id": audit_id, "audit_date": date, "quarter": d["quarter"],
               "period": d["audit"].get("period"), "store_name": d["store"].get("name"),
               "region": d["store"].get("region"), "chain": d["store"].get("chain"),
               "overall_score": d["overall"]["score"], "overall_grade": d["overall"]["grade"],
               "gapaudit_version": __version__, "recorded_at": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None),
               "digest": json.dumps(d, ensure_ascii=False, separators=(",", ":"))}
        module_rows = [{"store_id": store_id, "audit_id": audit_id, "module_id": mid, "score": m["score"],
                        "grade": m["grade"]} for mid, m in d["modules"].items()]
        key_a = (self.audits.c.store_id == store_id) & (self.audits.c.audit_id == audit_id)
        key_s = (self.scores.c.store_id == store_id) & (self.scores.c.audit_id == audit_id)
        for attempt in (1, 2):
            try:
                with self.engine.begin() as conn:
                    conn.execute(sa.delete(self.scores).where(key_s))
                    conn.execute(sa.delete(self.audits).where(key_a))
                    conn.execute(sa.insert(self.audits), [row])
                    if module_rows:
                        conn.execute(sa.insert(self.scores), module_rows)
                return
            except sa.exc.IntegrityError as exc:
                if attempt == 2:  # two writers recorded the same audit at once, twice
                    raise HistoryError(f"cannot record audit {audit_id} of store {store_id} in "
                                       f"{display_url(self.url)}: {exc}") from exc
            except sa.exc.SQLAlchemyError as exc:
                raise HistoryError(f"cannot record audit {audit_id} of store {store_id} in "
                                   f"{display_url(self.url)}: {exc}") from exc

    # reading

    def previous(self, store_id: str, audit_id: str, date: str | dt.date) -> dict[str, Any] | None:
        """The digest of the store's latest recorded audit before (date, audit id), or None."""
        import sqlalchemy as sa

        date = dt.date.fromisoformat(date) if isinstance(date, str) else date
        a = self.audits.c
        query = (sa.select(a.digest)
                 .where(a.store_id == store_id, a.audit_id != audit_id,
                        (a.audit_date < date) | ((a.audit_date == date) & (a.audit_id < audit_id)))
                 .order_by(a.audit_date.desc(), a.audit_id.desc()).limit(1))
        try:
            with self.engine.connect() as conn:
                text = conn.execute(query).scalar()
        except sa.exc.SQLAlchemyError as exc:
            raise HistoryError(f"cannot read history {display_url(self.url)}: {exc}") from exc
        return json.loads(text) if text else None

    def compare(self, result: "AuditResult | Mapping[str, Any]") -> dict[str, Any]:
        """The ``extra["history"]`` comparison of ``result`` with the store's previous audit."""
        d = digest(result)
        return compare(d, self.previous(d["store"]["id"], d["audit"]["id"], d["audit"]["date"]))

    def count(self) -> int:
        import sqlalchemy as sa

        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(self.audits)).scalar() or 0)

    def quarter_rows(self) -> Iterator[tuple[str, str, str, str, dict[str, float | None], float | None]]:
        """(quarter, store id, date, audit id, module scores, overall) of each store's latest audit per quarter.

        In quarter order; the date is ISO (YYYY-MM-DD).
        """
        import sqlalchemy as sa

        a, s = self.audits.c, self.scores.c
        query = (sa.select(a.quarter, a.store_id, a.audit_date, a.audit_id, a.overall_score, s.module_id, s.score)
                 .select_from(self.audits.outerjoin(self.scores, (a.store_id == s.store_id)
                                                    & (a.audit_id == s.audit_id)))
                 .where(a.quarter.is_not(None))
                 .order_by(a.quarter, a.store_id, a.audit_date.desc(), a.audit_id.desc()))
        try:
            with self.engine.connect() as conn:
                key: tuple[str, str] | None = None
                chosen: tuple[Any, Any] | None = None
                modules: dict[str, float | None] = {}
                overall: float | None = None
                for q, store, date, audit, over, mid, score in conn.execution_options(yield_per=2000).execute(query):
                    if (q, store) != key:
                        if key is not None and chosen is not None:
                            yield key[0], key[1], _iso(chosen[0]), chosen[1], modules, overall
                        key, chosen, modules, overall = (q, store), (date, audit), {}, over
                    if (date, audit) == chosen and mid is not None:
                        modules[mid] = score
                if key is not None and chosen is not None:
                    yield key[0], key[1], _iso(chosen[0]), chosen[1], modules, overall
        except sa.exc.SQLAlchemyError as exc:
            raise HistoryError(f"cannot read history {display_url(self.url)}: {exc}") from exc


def _create_schema(engine: Any, meta: Any, attempts: int = 5) -> None:
    """Create the tables that do not exist yet, safe when several processes open a new database at once:
    a creation that loses the race to another process ("table … already exists") is checked again."""
    import time

    import sqlalchemy as sa

    for attempt in range(1, attempts + 1):
        try:
            meta.create_all(engine)  # checks first; only missing tables are created
            return
        except sa.exc.SQLAlchemyError:
            if attempt == attempts:
                raise
            time.sleep(0.05 * attempt)


def _row_dict(row: Any) -> dict[str, Any]:
    return {"store_id": row.store_id, "store_name": row.store_name, "region": row.region, "chain": row.chain,
            "audit_id": row.audit_id, "date": _iso(row.audit_date), "quarter": row.quarter,
            "score": row.overall_score, "grade": row.overall_grade,
            "recorded_at": row.recorded_at.strftime("%Y-%m-%d %H:%M") if row.recorded_at else None}


class Records:
    """Listing, reading and deleting recorded audits (``gapaudit history list / compare / delete``)."""

    def __init__(self, history: History):
        self.history = history

    def list(self, *, store: str | None = None, chain: str | None = None, region: str | None = None,
             quarter: str | None = None, since: dt.date | None = None, until: dt.date | None = None,
             limit: int | None = None) -> list[dict[str, Any]]:
        """Recorded audits matching every filter given, by store then date (newest last)."""
        import sqlalchemy as sa

        a = self.history.audits.c
        query = sa.select(a.store_id, a.store_name, a.region, a.chain, a.audit_id, a.audit_date, a.quarter,
                          a.overall_score, a.overall_grade, a.recorded_at)
        for column, value in ((a.store_id, store), (a.chain, chain), (a.region, region), (a.quarter, quarter)):
            if value is not None:
                query = query.where(column == value)
        if since is not None:
            query = query.where(a.audit_date >= since)
        if until is not None:
            query = query.where(a.audit_date <= until)
        query = query.order_by(a.store_id, a.audit_date, a.audit_id)
        if limit is not None:
            query = query.limit(limit)
        return [_row_dict(r) for r in self._run(query)]

    def get(self, store_id: str, audit_id: str) -> dict[str, Any] | None:
        """The digest of one recorded audit, or None."""
        import sqlalchemy as sa

        a = self.history.audits.c
        rows = self._run(sa.select(a.digest).where(a.store_id == store_id, a.audit_id == audit_id))
        return json.loads(rows[0].digest) if rows else None

    def audits_of(self, store_id: str) -> list[str]:
        """The audit ids recorded for a store, oldest first (for messages)."""
        return [r["audit_id"] for r in self.list(store=store_id)]

    def delete(self, store_id: str, audit_id: str) -> bool:
        """Delete one recorded audit (and its module scores); False when there was none."""
        import sqlalchemy as sa

        h = self.history
        try:
            with h.engine.begin() as conn:
                conn.execute(sa.delete(h.scores).where(h.scores.c.store_id == store_id,
                                                       h.scores.c.audit_id == audit_id))
                gone = conn.execute(sa.delete(h.audits).where(h.audits.c.store_id == store_id,
                                                              h.audits.c.audit_id == audit_id)).rowcount
        except sa.exc.SQLAlchemyError as exc:
            raise HistoryError(f"cannot delete from {display_url(h.url)}: {exc}") from exc
        return bool(gone)

    def _run(self, query: Any) -> list[Any]:
        import sqlalchemy as sa

        try:
            with self.history.engine.connect() as conn:
                return list(conn.execute(query))
        except sa.exc.SQLAlchemyError as exc:
            raise HistoryError(f"cannot read history {display_url(self.history.url)}: {exc}") from exc


def _iso(date: Any) -> str:
    return date.isoformat() if isinstance(date, dt.date) else str(date)[:10]


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


# --- the hook that puts the comparison into a result ---------------------------------

class HistoryPlugin:
    """Adds ``extra["history"]`` (the change since the previous audit) to each result, and its report section.

    A database that cannot be read never costs the report: the result goes on
    without the comparison, and the error is kept in ``error`` for the caller
    to report once the report is written.
    """

    def __init__(self, history: History):
        from gapaudit import __version__

        self.history = history
        self.error: HistoryError | None = None
        self.__version__ = __version__

    @hookimpl
    def gapaudit_finalize_result(self, result: "AuditResult") -> "AuditResult | None":
        try:
            comparison = self.history.compare(result)
        except HistoryError as exc:
            self.error = exc
            return None
        return result.model_copy(update={"extra": {**result.extra, "history": comparison}})

    @hookimpl
    def gapaudit_report_sections(self, result: "AuditResult", lang: str) -> list[Any] | None:
        return report_sections(result, lang)


def report_sections(result: "AuditResult", lang: str) -> list[Any] | None:
    """The store report's "change since the last audit" section, when the result carries a comparison."""
    from gapaudit.model.report import ReportSection
    from gapaudit.render.i18n import lookup

    history = result.extra.get("history")
    if not isinstance(history, dict):
        return None
    return [ReportSection(id="history", title=lookup(SECTION_TEXT, "since_title", lang), template=SECTION_TEMPLATE,
                          order=SECTION_ORDER, context=section_context(history, lang))]


#: severities, most serious first: the order findings are listed in on the change page
SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")
#: findings listed per group (new, resolved, still open) before the rest is folded into a count per severity
FINDING_ROWS = 12


def by_severity(findings: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Findings most serious first (then by module and id, so the order is stable)."""
    rank = {sev: i for i, sev in enumerate(SEVERITY_ORDER)}
    return sorted(findings, key=lambda f: (rank.get(str(f.get("severity")), len(rank)), str(f.get("module")),
                                           str(f.get("id"))))


def section_context(history: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """What the change template needs: the comparison, its text, findings by severity with the long tail folded."""
    from collections import Counter

    from gapaudit.render.i18n import lookup

    groups = {}
    for key in ("new", "resolved", "persisting"):
        ordered = by_severity(list((history.get("findings") or {}).get(key) or []))
        rest = Counter(str(f.get("severity")) for f in ordered[FINDING_ROWS:])
        groups[key] = {"shown": ordered[:FINDING_ROWS], "folded": len(ordered) - len(ordered[:FINDING_ROWS]),
                       "folded_by_severity": [(sev, rest[sev]) for sev in SEVERITY_ORDER if rest[sev]]}
    carried = sorted((history.get("actions") or {}).get("carried_over") or [], key=lambda a: -(a.get("priority") or 0))
    return {"history": history, "text": {key: lookup(SECTION_TEXT, key, lang) for key in SECTION_TEXT},
            "metric_rows": 20, "findings": groups, "carried_over": carried[:FINDING_ROWS],
            "carried_folded": max(0, len(carried) - FINDING_ROWS)}


def attach(host: "PluginHost", history: History) -> HistoryPlugin:
    """Register the history comparison on ``host``; it runs after every other finalise hook."""
    from gapaudit.tracking import TrackingPlugin

    plugin = HistoryPlugin(history)
    host.register(plugin, PLUGIN_NAME, "history database")
    host.register(TrackingPlugin(history, sink=plugin), TrackingPlugin.NAME, "history database")
    host.check()
    return plugin


def take_error(plugin: HistoryPlugin | None) -> HistoryError | None:
    """The error the history plugin met while reading for the last result (cleared for the next one)."""
    if plugin is None:
        return None
    error, plugin.error = plugin.error, None
    return error
