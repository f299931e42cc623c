"""The plugin host: builds a pluggy manager and wraps every hook in a typed call.

Built-in audit modules (the packages under ``gapaudit_plugins``), installed
plugins (entry-point group ``gapaudit``) and local ``--plugin`` files all go
through the same :meth:`PluginHost.register`. The host is an object passed
around, never built at import time, so tests can build one with exactly the
plugins they want.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.metadata
import importlib.util
import os
import pkgutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable, Iterable

import pluggy

from gapaudit import hookspecs
from gapaudit.errors import PluginError, is_user_interrupt
from gapaudit.module import MODULE_ID, AuditModule

if TYPE_CHECKING:
    from gapaudit.model.audit import AuditInput
    from gapaudit.model.report import ReportSection, Theme
    from gapaudit.model.result import Action, AuditResult, ModuleResult
    from gapaudit.scope import Scope

ENTRY_POINT_GROUP = "gapaudit"
BUILTIN_PACKAGE = "gapaudit_plugins"
#: set to 1 to load no installed plugins (like PYTEST_DISABLE_PLUGIN_AUTOLOAD)
AUTOLOAD_ENV = "GAPAUDIT_DISABLE_PLUGIN_AUTOLOAD"


def builtin_plugin_names() -> list[str]:
    """Import names of the built-in plugins: every subpackage of ``gapaudit_plugins``, sorted."""
    pkg = importlib.import_module(BUILTIN_PACKAGE)
    return sorted(f"{BUILTIN_PACKAGE}.{m.name}" for m in pkgutil.iter_modules(pkg.__path__)
                  if not m.name.startswith("_"))


@dataclass
class PluginRecord:
    """What ``gapaudit plugins`` shows about one registered plugin."""

    name: str
    version: str
    source: str  # "built-in", "entry point (dist)", "local path"
    modules: list[str] = field(default_factory=list)
    hooks: list[str] = field(default_factory=list)


class PluginHost:
    """A pluggy manager plus the registry of audit modules, behind typed methods."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager("gapaudit")
        self.pm.add_hookspecs(hookspecs)
        self.records: dict[str, PluginRecord] = {}
        self._modules: dict[str, type[AuditModule]] | None = None
        self._module_plugin: dict[str, str] = {}
        self._scopes: "dict[str, Scope] | None" = None

    # --- building ---------------------------------------------------------------

    @classmethod
    def create(cls, *, builtins: bool = True, entry_points: bool | None = None,
               local: Iterable[str] = (), plugins: Iterable[tuple[str, object]] = ()) -> "PluginHost":
        """Build a host: built-ins, then installed plugins, then local and given ones.

        ``entry_points`` defaults to on unless ``GAPAUDIT_DISABLE_PLUGIN_AUTOLOAD=1``.
        """
        host = cls()
        # what a plugin prints while it loads goes to stderr: stdout may carry JSON (gapaudit schema)
        with contextlib.redirect_stdout(sys.stderr):
            if builtins:
                for name in builtin_plugin_names():
                    host.register(_import_plugin(name), name.rsplit(".", 1)[1], "built-in")
            if entry_points is None:
                entry_points = os.environ.get(AUTOLOAD_ENV, "") not in ("1", "true", "yes")
            if entry_points:
                host.load_entry_points()
            for spec in local:
                module = load_local_plugin(spec)
                name = Path(spec).stem if spec.endswith(".py") else spec
                host.register(module, name, f"local path ({spec})")
            for name, obj in plugins:
                host.register(obj, name, "given")
            host.check()
        return host

    def register(self, plugin: object, name: str, source: str) -> None:
        """Register one plugin object under ``name``; the same path for every kind of plugin."""
        if name in self.records:
            raise PluginError(name, f"a plugin of this name is already registered ({self.records[name].source})")
        try:
            self.pm.register(plugin, name=name)
        except (pluggy.PluginValidationError, ValueError) as exc:
            raise PluginError(name, "cannot be registered", exc) from exc
        self.records[name] = PluginRecord(name, _plugin_version(plugin, source), source)
        self._modules = None
        self._scopes = None

    def load_entry_points(self) -> None:
        """Import and register every plugin in the ``gapaudit`` entry-point group."""
        eps = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
        for ep in sorted(eps, key=lambda e: e.name):
            obj = call_plugin(ep.name, f"failed to import {ep.value!r}", ep.load)
            dist = ep.dist
            source = f"entry point ({dist.name} {dist.version})" if dist else "entry point"
            self.register(obj, ep.name, source)
            if dist is not None:
                self.records[ep.name].version = dist.version

    def check(self) -> None:
        """Fail fast on misspelt hooks and on invalid or colliding modules."""
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            raise PluginError(getattr(exc, "plugin_name", "?") or "?", "implements an unknown hook", exc) from exc
        self.modules()
        self.scopes()

    # --- modules ----------------------------------------------------------------

    def modules(self) -> dict[str, type[AuditModule]]:
        """Every registered audit module by id, in run order (order key, then id)."""
        if self._modules is None:
            found: dict[str, type[AuditModule]] = {}
            owner: dict[str, str] = {}
            for impl in self.pm.hook.gapaudit_register_modules.get_hookimpls():
                classes = check_result(impl.plugin_name, "gapaudit_register_modules",
                                       call_plugin(impl.plugin_name, "gapaudit_register_modules raised", impl.function))
                for cls in classes or []:
                    _validate_module_class(cls, impl.plugin_name)
                    if cls.id in found:
                        raise PluginError(impl.plugin_name, f"module id {cls.id!r} is already registered by "
                                                            f"plugin {owner[cls.id]!r}")
                    found[cls.id] = cls
                    owner[cls.id] = impl.plugin_name
            self._modules = dict(sorted(found.items(), key=lambda kv: (kv[1].order, kv[0])))
            self._module_plugin = owner
            for rec in self.records.values():
                rec.modules = [m for m, p in owner.items() if p == rec.name]
        return self._modules

    def plugin_of(self, module_id: str) -> str:
        self.modules()
        return self._module_plugin[module_id]

    def scopes(self) -> "dict[str, Scope]":
        """The scope each plugin declares (``gapaudit_scope``), by plugin name; plugins without one apply everywhere."""
        if self._scopes is None:
            from gapaudit.scope import Scope

            found: dict[str, Scope] = {}
            for impl in self.pm.hook.gapaudit_scope.get_hookimpls():
                scope = call_plugin(impl.plugin_name, "gapaudit_scope raised", impl.function)
                if scope is None:
                    continue
                if not isinstance(scope, Scope):
                    raise PluginError(impl.plugin_name, f"gapaudit_scope returned {scope!r}, not a gapaudit.Scope")
                found[impl.plugin_name] = scope
            self._scopes = found
        return self._scopes

    def describe(self) -> list[PluginRecord]:
        """Records of every plugin with its modules and implemented hooks."""
        self.modules()
        for rec in self.records.values():
            plugin = self.pm.get_plugin(rec.name)
            rec.hooks = sorted(h.name for h in self.pm.get_hookcallers(plugin) or [])
        return list(self.records.values())

    # --- typed hook calls -----------------------------------------------------------

    def _call_each(self, hook_name: str, exclude: Iterable[str] = (), **kwargs: Any) -> list[tuple[str, Any]]:
        """Call a hook's implementations in registration order; each return value is checked
        (:func:`check_result`) and any failure names the plugin and the hook."""
        hook = getattr(self.pm.hook, hook_name)
        excluded = set(exclude)
        out = []
        for impl in hook.get_hookimpls():  # pluggy lists them last-registered last
            if impl.plugin_name in excluded:
                continue
            args = {name: kwargs[name] for name in impl.argnames}
            value = check_result(impl.plugin_name, hook_name, call_plugin(impl.plugin_name, f"{hook_name} raised",
                                                                         impl.function, **args))
            if value is not None:
                out.append((impl.plugin_name, value))
        return out

    def audit_defaults(self, exclude: Iterable[str] = (),
                       audit: dict[str, Any] | None = None) -> list[tuple[str, dict[str, Any]]]:
        return self._call_each("gapaudit_audit_defaults", exclude, audit=audit if audit is not None else {})

    def module_actions(self, module_id: str, result: "ModuleResult", audit: "AuditInput", lang: str,
                       exclude: Iterable[str] = ()) -> list[tuple[str, list["Action"]]]:
        return self._call_each("gapaudit_module_actions", exclude, module_id=module_id, result=result,
                               audit=audit, lang=lang)

    def report_sections(self, result: "AuditResult", lang: str,
                        exclude: Iterable[str] = ()) -> list[tuple[str, list["ReportSection"]]]:
        return self._call_each("gapaudit_report_sections", exclude, result=result, lang=lang)

    def template_dirs(self, exclude: Iterable[str] = ()) -> list[Path]:
        dirs: list[Path] = []
        for _, value in reversed(self._call_each("gapaudit_template_dirs", exclude)):
            dirs.extend(value)
        return dirs

    def theme(self, audit: "AuditInput", exclude: Iterable[str] = ()) -> "Theme | None":
        found = self._call_each("gapaudit_theme", exclude, audit=audit)
        return found[-1][1] if found else None

    def template_env(self, env: Any, exclude: Iterable[str] = ()) -> None:
        """Let each plugin adjust the environment; what it adds or replaces is checked and guarded
        (:func:`guard_template_env`), so a broken filter or global names its plugin."""
        hook = self.pm.hook.gapaudit_template_env
        excluded = set(exclude)
        for impl in hook.get_hookimpls():
            if impl.plugin_name in excluded:
                continue
            before = _env_tables(env)
            call_plugin(impl.plugin_name, "gapaudit_template_env raised", impl.function,
                        **({"env": env} if impl.argnames else {}))
            guard_template_env(impl.plugin_name, env, before)

    def finalize_result(self, result: "AuditResult", exclude: Iterable[str] = ()) -> "AuditResult":
        hook = self.pm.hook.gapaudit_finalize_result
        excluded = set(exclude)
        for impl in hook.get_hookimpls():
            if impl.plugin_name in excluded:
                continue
            new = call_plugin(impl.plugin_name, "gapaudit_finalize_result raised", impl.function,
                              **({"result": result} if impl.argnames else {}))
            # also re-checked when None: a plugin may have changed the result in place
            result = check_result(impl.plugin_name, "gapaudit_finalize_result", result if new is None else new)
        return result


def _import_plugin(name: str) -> ModuleType:
    return call_plugin(name, "failed to import", importlib.import_module, name)


def load_local_plugin(spec: str) -> ModuleType:
    """Import a local plugin given as a ``.py`` file path or a dotted module name."""
    path = Path(spec)
    if spec.endswith(".py") or path.is_file():
        if not path.is_file():
            raise PluginError(spec, "no such file")
        mod_name = f"gapaudit_local_{path.stem}"
        module_spec = importlib.util.spec_from_file_location(mod_name, path)
        if module_spec is None or module_spec.loader is None:
            raise PluginError(spec, "cannot be imported as a Python file")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[mod_name] = module
        try:
            call_plugin(spec, "failed to import", module_spec.loader.exec_module, module)
        except BaseException:
            del sys.modules[mod_name]
            raise
        return module
    return _import_plugin(spec)


def _plugin_version(plugin: object, source: str) -> str:
    version = getattr(plugin, "__version__", None)
    if version:
        return str(version)
    if source == "built-in":
        from gapaudit import __version__

        return __version__
    return "?"


def _validate_module_class(cls: Any, plugin: str) -> None:
    if not (isinstance(cls, type) and issubclass(cls, AuditModule)):
        raise PluginError(plugin, f"gapaudit_register_modules returned {cls!r}, not an AuditModule subclass")
    mid = getattr(cls, "id", None)
    if not isinstance(mid, str) or not MODULE_ID.match(mid):
        raise PluginError(plugin, f"module {cls.__name__} has invalid id {mid!r} (expected up to 63 lowercase letters, digits and _, starting with a letter)")
    title = getattr(cls, "title", None)
    if not isinstance(title, dict) or "en" not in title:
        raise PluginError(plugin, f"module {mid!r} needs title = {{'en': ..., 'zh': ...}}")


# --- the boundary: plugin code is called, and its results checked, here ---------------------

def call_plugin(plugin: str, failure: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call plugin code; whatever it raises becomes a PluginError naming ``plugin`` and saying ``failure``.

    That includes SystemExit (a plugin must not end the run, least of all with
    exit code 0 and no report) and a KeyboardInterrupt the user did not cause;
    only a real Ctrl-C passes through.
    """
    try:
        return fn(*args, **kwargs)
    except PluginError:
        raise
    except BaseException as exc:
        if is_user_interrupt(exc) or isinstance(exc, GeneratorExit):
            raise
        raise PluginError(plugin, failure, exc) from exc


def _describe(value: Any) -> str:
    shown = repr(value)
    return f"{type(value).__name__} {shown[:57] + '...' if len(shown) > 60 else shown}"


def _as_list(plugin: str, hook: str, value: Any, what: str) -> list[Any]:
    """A hook's list result; a string or mapping is refused rather than iterated."""
    if not isinstance(value, (list, tuple)):
        raise PluginError(plugin, f"{hook} returned {_describe(value)}; expected a list of {what}")
    return list(value)


def _model_items(plugin: str, hook: str, value: Any, model: Any) -> list[Any]:
    """Each item as ``model`` (a pydantic model class), validated again even when already one."""
    from pydantic import ValidationError

    out = []
    for i, item in enumerate(_as_list(plugin, hook, value, model.__name__)):
        if not isinstance(item, (model, dict)):
            raise PluginError(plugin, f"{hook} returned {_describe(item)} at position {i}; expected a "
                                      f"{model.__name__}")
        try:
            out.append(model.model_validate(item.model_dump() if isinstance(item, model) else item))
        except ValidationError as exc:
            raise PluginError(plugin, f"{hook} returned an invalid {model.__name__} at position {i}", exc) from exc
    return out


def _folders(plugin: str, hook: str, value: Any) -> list[Path]:
    out = []
    for item in _as_list(plugin, hook, value, "folders"):
        if not isinstance(item, (str, os.PathLike)):
            raise PluginError(plugin, f"{hook} returned {_describe(item)} in its list; expected folder paths")
        path = Path(item)
        if not path.is_dir():
            raise PluginError(plugin, f"{hook} returned {str(path)!r}, which is not an existing folder")
        out.append(path)
    return out


def _one_model(plugin: str, hook: str, value: Any, model: Any) -> Any:
    from pydantic import ValidationError

    if not isinstance(value, (model, dict)):
        raise PluginError(plugin, f"{hook} returned {_describe(value)}; expected a {model.__name__} or None")
    try:
        return model.model_validate(value.model_dump() if isinstance(value, model) else value)
    except ValidationError as exc:
        raise PluginError(plugin, f"{hook} returned an invalid {model.__name__}", exc) from exc


def _result(plugin: str, hook: str, value: Any) -> Any:
    from pydantic import ValidationError

    from gapaudit.model.result import AuditResult

    if not isinstance(value, AuditResult):
        raise PluginError(plugin, f"{hook} returned {_describe(value)}; expected an AuditResult or None")
    try:
        return AuditResult.model_validate(value.model_dump())
    except ValidationError as exc:
        raise PluginError(plugin, f"{hook} left an invalid result", exc) from exc


def _mapping(plugin: str, hook: str, value: Any) -> Any:
    if not isinstance(value, dict):
        raise PluginError(plugin, f"{hook} returned {_describe(value)}; expected a mapping or None")
    return value


def check_result(plugin: str, hook: str, value: Any) -> Any:
    """A hook's return value, checked (and normalised) at the boundary; None passes.

    A value of the wrong type is a PluginError naming the plugin and the hook,
    never a crash somewhere later: lists must be lists (a string is not
    iterated), models are validated again, template folders must exist.
    """
    if value is None:
        return None
    from gapaudit.model.report import ReportSection, Theme
    from gapaudit.model.result import Action

    checks: dict[str, Callable[[], Any]] = {
        "gapaudit_register_modules": lambda: _as_list(plugin, hook, value, "AuditModule classes"),
        "gapaudit_audit_defaults": lambda: _mapping(plugin, hook, value),
        "gapaudit_module_actions": lambda: _model_items(plugin, hook, value, Action),
        "gapaudit_report_sections": lambda: _model_items(plugin, hook, value, ReportSection),
        "gapaudit_template_dirs": lambda: _folders(plugin, hook, value),
        "gapaudit_theme": lambda: _one_model(plugin, hook, value, Theme),
        "gapaudit_finalize_result": lambda: _result(plugin, hook, value),
        "gapaudit_template_env": lambda: None,  # its effect on the environment is checked instead
    }
    return checks[hook]()


_ENV_TABLES = ("filters", "globals", "tests")


def _env_tables(env: Any) -> dict[str, dict[str, Any]]:
    return {name: dict(getattr(env, name)) for name in _ENV_TABLES}


def guard_template_env(plugin: str, env: Any, before: dict[str, dict[str, Any]]) -> None:
    """After one plugin's ``gapaudit_template_env``: a filter, test or global that was callable must stay
    callable, and every callable the plugin added or replaced is wrapped so that its failure during
    rendering is a PluginError naming the plugin."""
    for table in _ENV_TABLES:
        current = getattr(env, table)
        for name, value in list(current.items()):
            old = before[table].get(name, _MISSING)
            if value is old:
                continue
            if callable(old) and not callable(value):
                raise PluginError(plugin, f"gapaudit_template_env replaced the template {table[:-1]} {name!r} "
                                          f"by {_describe(value)}; it must stay callable")
            if callable(value) and not isinstance(value, type):
                current[name] = _guarded(plugin, f"template {table[:-1]} {name!r} raised", value)


_MISSING = object()


def _guarded(plugin: str, failure: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        return call_plugin(plugin, failure, fn, *args, **kwargs)

    return guarded
