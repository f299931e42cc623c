"""Where a plugin applies: its chains, its store types, or its own test of the audit.

A chain's plugin is installed once and then sits in an environment that runs
every chain's audits. It declares its :class:`Scope` with the
``gapaudit_scope`` hook; for an audit outside that scope the plugin is left
out entirely, exactly as if the audit had disabled it: its modules do not
run, its defaults, actions, sections and theme are not asked for, and the
result does not list it. So a foreign module never appears in a result, a
report, a roll-up or the schema completion written for that audit.

An audit opts in to a plugin outside its scope by naming it in
``plugins.require`` or by giving one of its modules a config block
(``modules.<module id>``). A plugin that declares no scope applies to every
audit (the built-in modules, and plugins written before scopes existed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

if TYPE_CHECKING:
    from gapaudit.plugins import PluginHost

#: the scope rule in words, for ``gapaudit plugins`` and the documentation
SCOPE_RULE = ("a plugin with a scope applies to an audit when store.chain is one of its chains, or store.type one "
              "of its store types (both compared ignoring case and surrounding spaces), or its predicate "
              "returns true; or when the audit requires the plugin (plugins.require) or gives one of its "
              "modules a config block (modules.<id>)")


def _norm(value: Any) -> str:
    return str(value).strip().casefold() if isinstance(value, str) else ""


@dataclass(frozen=True)
class Scope:
    """The audits a plugin applies to; the plugin returns one from its ``gapaudit_scope`` hook.

    ``chains`` and ``store_types`` match ``store.chain`` and ``store.type``
    ignoring case and surrounding spaces; ``applies`` is a predicate over the
    audit file's data as read (a plain dict, like the ``gapaudit_audit_defaults``
    hook's argument). Any one that matches is enough. ``Scope()`` with none of
    them applies only to audits that opt in (``plugins.require`` or a
    ``modules.<id>`` block).
    """

    chains: Iterable[str] = ()
    store_types: Iterable[str] = ()
    applies: Callable[[dict[str, Any]], bool] | None = None
    _chains: frozenset[str] = field(init=False, repr=False, compare=False)
    _types: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("chains", "store_types"):
            value = getattr(self, name)
            if isinstance(value, str):  # Scope(chains="Acme") means one chain, not five letters
                value = (value,)
            object.__setattr__(self, name, tuple(value))
        object.__setattr__(self, "_chains", frozenset(_norm(c) for c in self.chains))
        object.__setattr__(self, "_types", frozenset(_norm(t) for t in self.store_types))

    def matches(self, audit: Mapping[str, Any]) -> bool:
        """Whether the audit (its data as read) lies in this scope, opt-ins aside."""
        store = audit.get("store") if isinstance(audit, Mapping) else None
        store = store if isinstance(store, Mapping) else {}
        if self._chains and _norm(store.get("chain")) in self._chains:
            return True
        if self._types and _norm(store.get("type")) in self._types:
            return True
        return bool(self.applies is not None and self.applies(dict(audit)))

    def describe(self) -> str:
        """One line for ``gapaudit plugins``: what the scope covers."""
        parts = []
        if self.chains:
            parts.append("chains " + ", ".join(self.chains))
        if self.store_types:
            parts.append("store types " + ", ".join(self.store_types))
        if self.applies is not None:
            parts.append("its own test (" + getattr(self.applies, "__name__", "predicate") + ")")
        return "; ".join(parts) + " (or audits that opt in)" if parts else "only audits that opt in"


def opted_in(audit: Mapping[str, Any], plugin: str, module_ids: Iterable[str]) -> bool:
    """Whether the audit asks for ``plugin``: in ``plugins.require``, or a ``modules.<id>`` block for its module."""
    plugins = audit.get("plugins") if isinstance(audit, Mapping) else None
    required = plugins.get("require") if isinstance(plugins, Mapping) else None
    if isinstance(required, list) and plugin in required:
        return True
    blocks = audit.get("modules") if isinstance(audit, Mapping) else None
    return isinstance(blocks, Mapping) and any(mid in blocks for mid in module_ids)


def out_of_scope(host: "PluginHost", audit: Mapping[str, Any]) -> list[str]:
    """Names of the plugins that do not apply to ``audit`` (its data as read), in registration order."""
    out = []
    for plugin, scope in host.scopes().items():
        if opted_in(audit, plugin, host.records[plugin].modules):
            continue
        from gapaudit.plugins import call_plugin

        applies = call_plugin(plugin, "its scope predicate raised", scope.matches, audit)
        if not applies:
            out.append(plugin)
    return out
