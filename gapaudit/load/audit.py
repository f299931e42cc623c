"""Load an audit: YAML + evidence files → validated :class:`LoadedAudit`.

Every problem is collected and raised at once as an :class:`InputError`
whose issues carry file, line, column and field path.
"""

from __future__ import annotations

import os
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from gapaudit.errors import InputError, InputIssue
from gapaudit.analysis.evidence import SurveyData, check_references, parse_survey, suggest
from gapaudit.load.tables import read_table, resolve_evidence_path
from gapaudit.load.yamlpos import load_yaml
from gapaudit.model.audit import AuditInput, Evidence
from gapaudit.model.base import TABLE, TableRef
from gapaudit.problems import check_links

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


def display_path(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # pragma: no cover - other drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel


class _Collector:
    """Issues plus the positions that locate them."""

    def __init__(self, source: str):
        self.source = source
        self.positions: dict[Path_, Location] = {}
        self.issues: list[InputIssue] = []
        self.lang: str | None = None

    def add(self, message: str, path: Path_ = ()) -> None:
        file, line, col = self.locate(path)
        self.issues.append(InputIssue(message, tuple(path), file, line, col))

    def locate(self, path: Path_) -> Location:
        for end in range(len(path), -1, -1):
            hit = self.positions.get(tuple(path[:end]))
            if hit is not None:
                return hit
        return (self.source, None, None)

    def relocate(self, issue: InputIssue) -> InputIssue:
        file, line, col = self.locate(issue.path)
        return InputIssue(issue.message, issue.path, issue.file or file, issue.line or line,
                          issue.column or col, zh=issue.zh)

    def raise_if_any(self) -> None:
        if not self.issues:
            return
        issues = self.issues
        if len(issues) > MAX_ISSUES:
            extra = len(issues) - MAX_ISSUES
            issues = issues[:MAX_ISSUES] + [InputIssue(f"... and {extra} more problems", (), self.source)]
        raise InputError(issues, self.source, self.lang)


def read_audit_text(path: Path) -> str:
    """The audit file's text; UTF-8 (with or without BOM) or GB18030."""
    display = display_path(path)
    if not path.is_file():
        raise InputError([InputIssue("no such audit file", (), display)])
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

    # chain defaults from plugins, minus plugins the audit switches off
    modules = host.modules()
    raw_disable = _as_list(_get(data, "plugins", "disable"))
    disabled_plugins = [p for p in raw_disable if p in host.records]
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
            _check_evidence(evidence, col)
        col.raise_if_any()
        raise AssertionError("unreachable")  # pragma: no cover

    # plugins required / disabled
    disable = list(dict.fromkeys(audit.plugins.disable))
    for idx, name in enumerate(audit.plugins.require):
        if name not in host.records:
            col.add(f"plugin {name!r} is required by this audit but not installed"
                    f"{suggest(name, set(host.records))} (installed: {', '.join(sorted(host.records))})",
                    ("plugins", "require", idx))
    for idx, name in enumerate(audit.plugins.disable):
        if name not in host.records and name not in modules:
            col.add(f"nothing to disable called {name!r}{suggest(name, set(host.records) | set(modules))}",
                    ("plugins", "disable", idx))
    disabled_plugins = [p for p in disable if p in host.records]
    enabled = [m for m in modules if m not in disable and host.plugin_of(m) not in disabled_plugins]

    # each module's own block
    configs: dict[str, BaseModel] = {}
    for mid in audit.modules:
        if mid not in modules:
            col.add(f"no module {mid!r} is registered{suggest(mid, set(modules))}; is its plugin installed?",
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
            col.add(f"no module {key!r}{suggest(key, set(modules))}", ("scoring", "weights", key))

    survey = _check_evidence(audit.evidence, col)
    col.issues.extend(col.relocate(i) for i in check_links(audit, own_links if isinstance(own_links, dict) else {}))
    col.raise_if_any()
    return LoadedAudit(input=audit, source=path, module_configs=configs, enabled_modules=enabled,
                       disabled_plugins=disabled_plugins, survey=survey)


# --- helpers ---------------------------------------------------------------------

def _check_evidence(evidence: Evidence, col: _Collector) -> SurveyData | None:
    """Checks that need validated evidence: survey answers and cross-references."""
    issues: list[InputIssue] = []
    survey = parse_survey(evidence, issues)
    check_references(evidence, issues)
    col.issues.extend(col.relocate(i) for i in issues)
    return survey


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
            out[key] = _read_ref(value, here, base_dir, col)
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


def _read_ref(value: dict[str, Any], path: Path_, base_dir: Path, col: _Collector) -> Any:
    try:
        ref = TableRef.model_validate(value)
    except ValidationError as exc:
        _add_validation_errors(exc, TableRef, path, col)
        return []
    try:
        file = resolve_evidence_path(base_dir, ref.file, col.source)
        display = display_path(file)
        rows = read_table(file, display, sheet=ref.sheet, encoding=ref.encoding, delimiter=ref.delimiter,
                          columns=ref.columns)
    except InputError as exc:
        for issue in exc.issues:
            if issue.file:
                col.issues.append(InputIssue(issue.message, path, issue.file, issue.line, issue.column))
            else:
                col.add(issue.message, path + ("file",))
        return []
    for name, c in rows.col_index.items():
        col.positions[path + ("columns", name)] = (rows.display, 1, c)
    for i, line in enumerate(rows.row_pos):
        col.positions[path + (i,)] = (rows.display, line, 1)
        for name, c in rows.col_index.items():
            col.positions[path + (i, name)] = (rows.display, line, c)
    return rows.rows


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


def _add_validation_errors(exc: ValidationError, model: type[BaseModel], path: Path_, col: _Collector) -> None:
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p and p.endswith("]")))
        full = path + loc
        kind = err["type"]
        if kind == "extra_forbidden":
            owner = _model_at(model, loc[:-1])
            allowed = sorted(owner.model_fields) if owner else []
            key = str(loc[-1])
            hint = suggest(key, set(allowed))
            listing = f" (allowed: {', '.join(allowed)})" if allowed and not hint else ""
            col.add(f"unknown key {key!r}{hint}{listing}", full)
            continue
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        if kind == "missing":
            col.add("required field is missing", full)
            continue
        if kind.endswith(("_error",)) and kind == "value_error" or kind == "assertion_error":
            col.add(msg, full)
            continue
        found = err.get("input")
        shown = repr(found)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        hint = ""
        if kind == "literal_error" and isinstance(found, str):
            hint = suggest(found, set(re.findall(r"'([^']*)'", str(err.get("ctx", {}).get("expected", "")))))
        col.add(f"{msg[0].lower() + msg[1:]}, found {shown}{hint}", full)
