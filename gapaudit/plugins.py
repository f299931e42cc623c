"""The plugin host: builds a pluggy manager and wraps every hook in a typed call.

Built-in audit modules (the packages under ``gapaudit_plugins``), installed
plugins (entry-point group ``gapaudit``) and local ``--plugin`` files all go
through the same :meth:`PluginHost.register`. The host is an object passed
around, never built at import time, so tests can build one with exactly the
plugins they want.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
import pkgutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Iterable

import pluggy

from gapaudit import hookspecs
from gapaudit.errors import PluginError
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
            try:
                obj = ep.load()
            except Exception as exc:
                raise PluginError(ep.name, f"failed to import {ep.value!r}", exc) from exc
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
                try:
                    classes = impl.function() or []
                except Exception as exc:
                    raise PluginError(impl.plugin_name, "gapaudit_register_modules raised", exc) from exc
                for cls in classes:
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
                try:
                    scope = impl.function()
                except Exception as exc:
                    raise PluginError(impl.plugin_name, "gapaudit_scope raised", exc) from exc
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
        """Call a hook's implementations in registration order, naming the plugin on failure."""
        hook = getattr(self.pm.hook, hook_name)
        excluded = set(exclude)
        out = []
        for impl in hook.get_hookimpls():  # pluggy lists them last-registered last
            if impl.plugin_name in excluded:
                continue
            args = {name: kwargs[name] for name in impl.argnames}
            try:
                value = impl.function(**args)
            except Exception as exc:
                raise PluginError(impl.plugin_name, f"{hook_name} raised", exc) from exc
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
            dirs.extend(Path(d) for d in value)
        return dirs

    def theme(self, audit: "AuditInput", exclude: Iterable[str] = ()) -> "Theme | None":
        found = self._call_each("gapaudit_theme", exclude, audit=audit)
        return found[-1][1] if found else None

    def template_env(self, env: Any, exclude: Iterable[str] = ()) -> None:
        self._call_each("gapaudit_template_env", exclude, env=env)

    def finalize_result(self, result: "AuditResult", exclude: Iterable[str] = ()) -> "AuditResult":
        hook = self.pm.hook.gapaudit_finalize_result
        excluded = set(exclude)
        for impl in hook.get_hookimpls():
            if impl.plugin_name in excluded:
                continue
            try:
                new = impl.function(result=result) if impl.argnames else impl.function()
            except Exception as exc:
                raise PluginError(impl.plugin_name, "gapaudit_finalize_result raised", exc) from exc
            if new is not None:
                result = new
        return result


def _import_plugin(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except Exception as exc:
        raise PluginError(name, "failed to import", exc) from exc


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
            module_spec.loader.exec_module(module)
        except Exception as exc:
            del sys.modules[mod_name]
            raise PluginError(spec, "failed to import", exc) from exc
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
