"""Load an audit: YAML + evidence files → validated :class:`LoadedAudit`.

Every problem is collected and raised at once as an :class:`InputError`
whose issues carry file, line, column and field path.
"""

from __future__ import annotations

import os
import re
import types
import typing
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from gapaudit.errors import InputError, InputIssue, quoted
from gapaudit.analysis.evidence import SurveyData, check_references, parse_survey, resolve_names, suggest
from gapaudit.load.mapping import TableInfo, read_records
from gapaudit.load.photos import PhotoFile, check_photos
from gapaudit.load.tables import ReadOptions, open_table, resolve_evidence_path, shorten
from gapaudit.load.yamlpos import load_yaml
from gapaudit.model.audit import AuditInput, Evidence
from gapaudit.model.base import TABLE, TableRef
from gapaudit.problems import check_links
from gapaudit.scope import out_of_scope

if TYPE_CHECKING:
    from gapaudit.plugins import PluginHost

MAX_AUDIT_BYTES = 5 * 1024 * 1024
MAX_ISSUES = 200

Path_ = tuple[str | int, ...]
Location = tuple[str, int | None, int | None]


@dataclass
class LoadedAudit:
    """A validated audit, ready for the engine."""

    input: AuditInput
    source: Path
    module_configs: dict[str, BaseModel]
    enabled_modules: list[str]
    disabled_plugins: list[str]
    survey: SurveyData | None
    notes: list[str] = field(default_factory=list)
    #: the photos the evidence names, checked by their headers (decoded only when a report shows them)
    photos: dict[str, PhotoFile] = field(default_factory=dict)


def display_path(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # pragma: no cover - other drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel


class _Collector:
    """Issues plus the positions that locate them: YAML nodes by field path, table cells by table."""

    def __init__(self, source: str):
        self.source = source
        self.positions: dict[Path_, Location] = {}
        self.tables: dict[Path_, TableInfo] = {}
        self.issues: list[InputIssue] = []
        self.lang: str | None = None

    def add(self, message: str, path: Path_ = (), zh: str | None = None, group: str | None = None) -> None:
        self.issues.append(self.relocate(InputIssue(message, tuple(path), zh=zh, group=group)))

    def locate(self, path: Path_) -> Location:
        for end in range(len(path), -1, -1):
            hit = self.positions.get(tuple(path[:end]))
            if hit is not None:
                return hit
        return (self.source, None, None)

    def _table_of(self, path: Path_) -> tuple[Path_, TableInfo] | None:
        for end in range(len(path) - 1, 0, -1):
            info = self.tables.get(tuple(path[:end]))
            if info is not None:
                return tuple(path[:end]), info
        return None

    def relocate(self, issue: InputIssue) -> InputIssue:
        """Give an issue found by field path its place: a table cell, or the YAML node."""
        if issue.file is None and issue.table is None:
            found = self._table_of(issue.path)
            if found is not None:
                prefix, info = found
                rest = issue.path[len(prefix):]
                if rest and isinstance(rest[0], int) and rest[0] < len(info.row_numbers):
                    name = next((p for p in rest[1:] if isinstance(p, str)), None)
                    row, col, header = info.cell(rest[0], name)
                    sheet = info.sheet
                    return replace(issue, file=sheet.display, line=row, column=col, column_name=header,
                                   table="sheet" if sheet.is_workbook else "csv", path=tuple(rest[1:]))
        file, line, col = self.locate(issue.path)
        return replace(issue, file=issue.file or file, line=issue.line or line, column=issue.column or col)

    def raise_if_any(self) -> None:
        if not self.issues:
            return
        issues = group_issues(self.issues)
        if len(issues) > MAX_ISSUES:
            cut = issues[MAX_ISSUES:]
            kinds = Counter(_kind_of(i) for i in cut)
            listing = "; ".join(f"{n} × {k}" for k, n in kinds.most_common(8))
            issues = issues[:MAX_ISSUES] + [InputIssue(
                f"... and {len(cut)} more problems not shown ({listing})", (), self.source,
                zh=f"……另有 {len(cut)} 处问题未列出（{listing}）")]
        raise InputError(issues, self.source, self.lang)


def group_issues(issues: list[InputIssue]) -> list[InputIssue]:
    """One line per column and kind of problem, with the rows counted, instead of one line per row;
    the same problem in many columns of one file is one line too."""
    out = _group(issues, lambda i: (i.file, i.column, i.group), _rows_line)
    return _group(out, lambda i: (i.file, "columns", i.group), _columns_line, at_least=COLUMNS_FROM)


#: issues of one column and one kind are shown as one line from this many rows on
GROUP_FROM = 3
#: ... and the same problem in this many columns of one file becomes one line
COLUMNS_FROM = 4


def _group(issues: list[InputIssue], key_of: Any, merge: Any, at_least: int = GROUP_FROM) -> list[InputIssue]:
    buckets: dict[tuple[Any, ...], list[InputIssue]] = {}
    order: list[tuple[Any, ...]] = []
    for i, issue in enumerate(issues):
        key = key_of(issue) if issue.table and issue.group else ("single", i)
        if key not in buckets:
            buckets[key] = []
            order.append(key)
        buckets[key].append(issue)
    out: list[InputIssue] = []
    for key in order:
        bucket = buckets[key]
        out.extend(bucket if len(bucket) < at_least else [merge(bucket)])
    return out


def _cells(issue: InputIssue) -> int:
    return max(1, len(issue.rows))


def _rows_line(bucket: list[InputIssue]) -> InputIssue:
    first = bucket[0]
    rows = tuple(sorted({b.line for b in bucket if b.line is not None}))
    more = len(bucket) - 1
    return replace(first, rows=rows, message=f"{first.message} (at row {first.line}; {more} more like it)",
                   zh=f"{first.zh or first.message}（首见于第 {first.line} 行；另有 {more} 处同类问题）")


def _columns_line(bucket: list[InputIssue]) -> InputIssue:
    from gapaudit.errors import column_letter

    first = bucket[0]
    letters = ", ".join(column_letter(b.column) for b in bucket[:8] if b.column) + (", …" if len(bucket) > 8 else "")
    base = first.message.split(" (at row ")[0]
    base_zh = (first.zh or first.message).split("（首见于第")[0]
    if all(not b.rows and b.line == first.line for b in bucket):  # header cells: one problem, many columns
        return InputIssue(f"{first.file}: {len(bucket)} columns ({letters}) have this problem; the first: {base}",
                          first.path, zh=f"{first.file}：{len(bucket)} 列（{letters}）有同样的问题；第一列：{base_zh}",
                          group=first.group)
    cells = sum(_cells(b) for b in bucket)
    where = f"{first.file}: {cells} cells in {len(bucket)} columns ({letters})"
    where_zh = f"{first.file}：{len(bucket)} 列（{letters}）共 {cells} 个单元格"
    return InputIssue(f"{where}: {base} (first at row {first.line}, column {column_letter(first.column or 0)})",
                      first.path, zh=f"{where_zh}：{base_zh}（首见于第 {first.line} 行 {column_letter(first.column or 0)} 列）",
                      group=first.group)


def _kind_of(issue: InputIssue) -> str:
    if issue.group:
        return issue.group.split(":", 1)[0]
    return issue.message.split(":", 1)[0].split("(", 1)[0].strip()[:40]


def read_audit_text(path: Path) -> str:
    """The audit file's text; UTF-8 (with or without BOM) or GB18030."""
    display = display_path(path)
    if not path.is_file():
        if path.exists():
            raise InputError([InputIssue("not a regular file (a folder, FIFO or device cannot be an audit)", (),
                                         display, zh="不是普通文件（文件夹、管道或设备文件不能作为审核文件）")])
        raise InputError([InputIssue("no such audit file", (), display, zh="审核文件不存在")])
    size = path.stat().st_size
    if size > MAX_AUDIT_BYTES:
        raise InputError([InputIssue(f"audit file is {size / 1e6:.1f} MB; the limit is "
                                     f"{MAX_AUDIT_BYTES / 1e6:.0f} MB (put large tables in CSV/XLSX files)",
                                     (), display)])
    raw = path.read_bytes()
    if b"\x00" in raw:
        raise InputError([InputIssue("binary data (NUL bytes): this is not a YAML text file", (), display)])
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise InputError([InputIssue("cannot decode as UTF-8 or GB18030", (), display)])  # pragma: no cover


def load_audit(path: str | Path, host: "PluginHost") -> LoadedAudit:
    """Read, merge chain defaults into, and validate one audit file."""
    path = Path(path)
    display = display_path(path)
    text = read_audit_text(path)
    data, yaml_pos = load_yaml(text, display)
    positions = {p: (display, line, c) for p, (line, c) in yaml_pos.items()}
    return load_audit_data(data, host, source=path, positions=positions)


def load_audit_data(data: Any, host: "PluginHost", *, source: str | Path = "<audit>",
                    positions: dict[Path_, Location] | None = None) -> LoadedAudit:
    """Validate audit data already parsed (from YAML, or built in a test).

    Evidence file references are resolved relative to ``source``'s folder.
    """
    path = Path(source)
    display = display_path(path) if positions is not None else str(source)
    col = _Collector(display)
    col.positions = dict(positions or {})
    if not isinstance(data, dict):
        raise InputError([InputIssue("the audit file must be a YAML mapping (key: value), found "
                                     f"{type(data).__name__}", (), display, 1, 1)])

    lang = _get(data, "audit", "language")
    col.lang = lang if lang in ("zh", "en") else None

    # chain defaults from plugins, minus plugins the audit switches off and plugins scoped to other audits
    modules = host.modules()
    raw_disable = _as_list(_get(data, "plugins", "disable"))
    foreign = out_of_scope(host, data)
    disabled_plugins = [p for p in raw_disable if p in host.records] + foreign
    own_links = _get(data, "links")
    data = _merge_defaults(data, host.audit_defaults(exclude=disabled_plugins, audit=data), col)

    # tables from files, then the core model
    data = _resolve_tables(AuditInput, data, (), path.parent, col)
    audit = _validate(AuditInput, data, (), col)
    if audit is None:
        # still check the survey and cross-references when the evidence itself is valid,
        # so one run reports every problem
        evidence = _quiet_validate(Evidence, _get(data, "evidence") or {})
        if evidence is not None:
            _check_evidence(evidence, col, path.parent)
        col.raise_if_any()
        raise AssertionError("unreachable")  # pragma: no cover

    # plugins required / disabled
    disable = list(dict.fromkeys(audit.plugins.disable))
    for idx, name in enumerate(audit.plugins.require):
        if name not in host.records:
            col.add(f"plugin {quoted(name)} is required by this audit but not installed"
                    f"{suggest(name, set(host.records))} (installed: {', '.join(sorted(host.records))})",
                    ("plugins", "require", idx))
    for idx, name in enumerate(audit.plugins.disable):
        if name not in host.records and name not in modules:
            col.add(f"nothing to disable called {quoted(name)}{suggest(name, set(host.records) | set(modules))}",
                    ("plugins", "disable", idx))
    disabled_plugins = [p for p in disable if p in host.records and p not in foreign] + foreign
    enabled = [m for m in modules if m not in disable and host.plugin_of(m) not in disabled_plugins]

    # each module's own block
    configs: dict[str, BaseModel] = {}
    for mid in audit.modules:
        if mid not in modules:
            col.add(f"no module {quoted(mid)} is registered{suggest(mid, set(modules))}; is its plugin installed?",
                    ("modules", mid))
    for mid in enabled:
        block = audit.modules.get(mid, {})
        model = modules[mid].Config
        block = _resolve_tables(model, block, ("modules", mid), path.parent, col)
        cfg = _validate(model, block, ("modules", mid), col)
        if cfg is not None:
            configs[mid] = cfg
    for idx, key in enumerate(audit.scoring.weights):
        if key not in modules:
            col.add(f"no module {quoted(key)}{suggest(key, set(modules))}", ("scoring", "weights", key))

    survey, photos = _check_evidence(audit.evidence, col, path.parent)
    col.issues.extend(col.relocate(i) for i in check_links(audit, own_links if isinstance(own_links, dict) else {}))
    col.raise_if_any()
    return LoadedAudit(input=audit, source=path, module_configs=configs, enabled_modules=enabled,
                       disabled_plugins=disabled_plugins, survey=survey, photos=photos)


# --- helpers ---------------------------------------------------------------------

def _check_evidence(evidence: Evidence, col: _Collector,
                    base_dir: Path) -> tuple[SurveyData | None, dict[str, PhotoFile]]:
    """Checks that need validated evidence: survey answers, cross-references and the photo files."""
    issues: list[InputIssue] = []
    survey = parse_survey(evidence, issues)
    resolve_names(evidence)
    check_references(evidence, issues)

    def place(path: Path_) -> tuple[str, str]:
        found = col.relocate(InputIssue("", path))
        return found.place("en"), found.place("zh")

    photos = check_photos(evidence, base_dir, issues, place)
    col.issues.extend(col.relocate(i) for i in issues)
    return survey, photos


def _quiet_validate(model: type[BaseModel], data: Any) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError:
        return None


def _get(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _as_list(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _merge_defaults(data: dict[str, Any], defaults: list[tuple[str, dict[str, Any]]],
                    col: _Collector) -> dict[str, Any]:
    """Layer plugin defaults under the audit: mappings merge, the audit wins, ``plugins`` lists add up."""
    allowed = {"modules", "scoring", "plugins", "links", "report"}
    merged: dict[str, Any] = {}
    for plugin, value in defaults:
        if not isinstance(value, dict) or set(value) - allowed:
            bad = sorted(set(value) - allowed) if isinstance(value, dict) else [type(value).__name__]
            col.issues.append(InputIssue(f"gapaudit_audit_defaults of plugin {plugin!r} returned invalid keys "
                                         f"{bad}; allowed: {sorted(allowed)}", (), f"<plugin {plugin}>"))
            continue
        _mark(value, (), f"<defaults of plugin {plugin}>", col)
        merged = _deep_merge(merged, value)
    return _deep_merge(merged, data)


def _mark(value: Any, path: Path_, where: str, col: _Collector) -> None:
    col.positions.setdefault(path, (where, None, None))
    if isinstance(value, dict):
        for k, v in value.items():
            _mark(v, path + (k,), where, col)


def _deep_merge(base: dict[str, Any], top: dict[str, Any], path: Path_ = ()) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value, path + (key,))
        elif path == ("plugins",) and isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = list(dict.fromkeys(out[key] + value))
        else:
            out[key] = value
    return out


def _models_in(annotation: Any) -> list[tuple[str, type[BaseModel]]]:
    """Model classes reachable from an annotation, with how: 'one', 'list' or 'dict'."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [("one", annotation)]
    if origin in (typing.Union, types.UnionType):
        return [m for a in args for m in _models_in(a)]
    if origin is typing.Annotated:
        return _models_in(args[0])
    if origin is list and args:
        return [("list", m) for kind, m in _models_in(args[0]) if kind == "one"]
    if origin is dict and len(args) == 2:
        return [("dict", m) for kind, m in _models_in(args[1]) if kind == "one"]
    return []


def _row_type(annotation: Any) -> Any:
    """``X`` of a TABLE field's ``list[X]`` (None for the survey's response table)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _row_type(typing.get_args(annotation)[0])
    if origin is list:
        return typing.get_args(annotation)[0]
    return None


def _resolve_tables(model: type[BaseModel], data: Any, path: Path_, base_dir: Path, col: _Collector) -> Any:
    """Replace ``{file: ...}`` references in TABLE fields by the rows they name (recursively)."""
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key not in data:
            continue
        value = data[key]
        here = path + (key,)
        if TABLE in info.metadata and isinstance(value, dict):
            out[key] = _read_ref(value, _row_type(info.annotation), here, base_dir, col)
            continue
        for kind, sub in _models_in(info.annotation):
            if kind == "one" and isinstance(value, dict):
                out[key] = _resolve_tables(sub, value, here, base_dir, col)
            elif kind == "list" and isinstance(value, list):
                out[key] = [_resolve_tables(sub, v, here + (i,), base_dir, col) for i, v in enumerate(value)]
            elif kind == "dict" and isinstance(value, dict):
                out[key] = {k: _resolve_tables(sub, v, here + (k,), base_dir, col) for k, v in value.items()}
            break
    return out


def _read_ref(value: dict[str, Any], row: Any, path: Path_, base_dir: Path, col: _Collector) -> Any:
    """The rows a ``{file: ...}`` reference names, read with its options; ``[]`` after reporting a problem.

    Rows of a model become dicts of field → value (cells located through
    ``col.tables``); the survey's responses (no row model) become a
    :class:`~gapaudit.load.survey.FileResponses`, read later for the columns
    the questionnaire needs.
    """
    try:
        ref = TableRef.model_validate(value)
    except ValidationError as exc:
        _add_validation_errors(exc, TableRef, path, col)
        return []
    try:
        file = resolve_evidence_path(base_dir, ref.file, col.source)
        options = ReadOptions(sheet=ref.sheet, encoding=ref.encoding, delimiter=ref.delimiter,
                              header_row=ref.header_row, header_rows=ref.header_rows, data_from_row=ref.data_from_row)
        sheet = open_table(file, display_path(file), options)
        if not (isinstance(row, type) and issubclass(row, BaseModel)):
            from gapaudit.load.survey import FileResponses

            return FileResponses(sheet, ref)
        records, info, issues = read_records(sheet, ref, row, _table_name(path), path)
    except InputError as exc:
        for issue in exc.issues:
            if issue.file:
                col.issues.append(replace(issue, path=path if not issue.path else issue.path))
            else:
                col.add(issue.message, path + ("file",), zh=issue.zh)
        return []
    col.tables[path] = info
    for issue in issues:
        col.issues.append(col.relocate(issue) if not issue.file else issue)
    return records


def _table_name(path: Path_) -> str:
    return next((str(p) for p in reversed(path) if isinstance(p, str)), "table")


def _validate(model: type[BaseModel], data: Any, path: Path_, col: _Collector) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        _add_validation_errors(exc, model, path, col)
        return None


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class that owns the mapping at ``loc`` (for did-you-mean suggestions)."""
    current: Any = model
    i = 0
    while i < len(loc):
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = current.model_fields.get(str(loc[i]))
        if info is None:
            return None
        found = _models_in(info.annotation)
        if not found:
            return None
        kind, current = found[0]
        i += 1
        if kind in ("list", "dict"):
            i += 1
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


#: pydantic's error types in Chinese ({ctx} values filled in); the English message comes from pydantic
_ZH = {
    "string_too_short": "文本太短（至少 {min_length} 个字符）",
    "string_too_long": "文本太长（最多 {max_length} 个字符）",
    "too_short": "至少需要 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "int_parsing": "应为整数", "int_from_float": "应为整数", "int_type": "应为整数",
    "float_parsing": "应为数字", "float_type": "应为数字", "finite_number": "应为有限的数字",
    "greater_than_equal": "应大于或等于 {ge}", "greater_than": "应大于 {gt}",
    "less_than_equal": "应小于或等于 {le}", "less_than": "应小于 {lt}",
    "date_parsing": "应为日期，写成 2026-09-15", "date_from_datetime_parsing": "应为日期，写成 2026-09-15",
    "date_from_datetime_inexact": "应为日期（不带时间），写成 2026-09-15", "date_type": "应为日期，写成 2026-09-15",
    "bool_parsing": "应为 是/否（true/false）", "bool_type": "应为 是/否（true/false）",
    "string_type": "应为文本", "list_type": "应为列表", "dict_type": "应为映射（键: 值）",
    "model_type": "应为映射（键: 值）", "model_attributes_type": "应为映射（键: 值）",
    "literal_error": "应为 {expected}", "enum": "应为 {expected}",
}


def _zh_message(kind: str, err: dict[str, Any]) -> str | None:
    template = _ZH.get(kind)
    if template is None:
        return None
    ctx = {k: str(v).replace(" or ", " 或 ") for k, v in (err.get("ctx") or {}).items()}
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return template.split("{", 1)[0].rstrip("（ ")


def _add_validation_errors(exc: ValidationError, model: type[BaseModel], path: Path_, col: _Collector) -> None:
    """Each pydantic error as an issue at its place, in English and Chinese; quoted values are shortened."""
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p and p.endswith("]")))
        full = path + loc
        kind = err["type"]
        group = f"{kind}:{next((p for p in reversed(loc) if isinstance(p, str)), '')}"
        if kind == "extra_forbidden":
            owner = _model_at(model, loc[:-1])
            allowed = sorted(owner.model_fields) if owner else []
            key = str(loc[-1])
            hint = suggest(key, set(allowed))
            listing = f" (allowed: {', '.join(allowed)})" if allowed and not hint else ""
            listing_zh = f"（可用：{', '.join(allowed)}）" if allowed and not hint else ""
            col.add(f"unknown key {shorten(key)}{hint}{listing}", full,
                    zh=f"未知的键 {shorten(key)}{suggest(key, set(allowed), 'zh')}{listing_zh}", group=group)
            continue
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        if kind == "missing":
            col.add("required field is missing", full, zh="缺少必填字段", group=group)
            continue
        if kind in ("value_error", "assertion_error"):
            cause = (err.get("ctx") or {}).get("error")
            col.add(msg, full, zh=getattr(cause, "zh", None), group=group)
            continue
        found = err.get("input")
        shown = shorten(found)
        hint = hint_zh = ""
        if kind == "literal_error" and isinstance(found, str):
            options = set(re.findall(r"'([^']*)'", str(err.get("ctx", {}).get("expected", ""))))
            hint, hint_zh = suggest(found, options), suggest(found, options, "zh")
        zh = _zh_message(kind, err)
        col.add(f"{msg[0].lower() + msg[1:]}, found {shown}{hint}", full,
                zh=f"{zh}，实际为 {shown}{hint_zh}" if zh else None, group=group)
