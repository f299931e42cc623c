"""Every gapaudit hook, documented like a reference.

A plugin is any module or object with functions marked ``@hookimpl``; it
implements only the hooks it needs, and an implementation may take fewer
arguments than its spec (so specs can grow without breaking plugins).
The core never calls these directly: :class:`gapaudit.plugins.PluginHost`
wraps each one in a typed method.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from gapaudit.model.audit import AuditInput
    from gapaudit.model.report import ReportSection, Theme
    from gapaudit.model.result import Action, AuditResult, ModuleResult
    from gapaudit.module import AuditModule
    from gapaudit.scope import Scope

hookspec = pluggy.HookspecMarker("gapaudit")


# --- audit modules ------------------------------------------------------------

@hookspec
def gapaudit_register_modules() -> "list[type[AuditModule]]":
    """Return the audit-module classes this plugin provides.

    Called once when a :class:`~gapaudit.plugins.PluginHost` is built. Each
    class subclasses :class:`gapaudit.module.AuditModule`. A module id that
    another plugin already registered is an error naming both plugins.
    """


@hookspec(firstresult=True)
def gapaudit_scope() -> "Scope | None":
    """Say which audits this plugin applies to: ``Scope(chains=[...], store_types=[...], applies=fn)``.

    Called once when a :class:`~gapaudit.plugins.PluginHost` is built. For an
    audit outside the scope the plugin is left out as if the audit disabled it:
    its modules do not run and none of its other hooks is called, so its modules
    appear in no result, report, roll-up or schema for that audit. An audit opts
    in anyway by naming the plugin in ``plugins.require`` or by giving one of its
    modules a ``modules.<id>`` block. Return None (or do not implement the hook)
    to apply to every audit. See :class:`gapaudit.scope.Scope`.
    """


@hookspec
def gapaudit_audit_defaults(audit: "dict[str, Any]") -> "dict[str, Any] | None":
    """Return chain-wide defaults, shaped like part of an audit file.

    Called when an audit is loaded, before validation. ``audit`` is the audit
    file's data as read (not yet validated, defaults not yet merged; do not
    change it): a chain plugin looks at ``audit["store"]["chain"]`` to return
    defaults only for its own stores, or None for the rest. Being
    unvalidated, any value may be missing or of any type (``store`` a list,
    ``chain`` a number): check types before using them, as the example chain
    plugin does. Every other hook receives validated data. Allowed keys:
    ``modules`` (module id → config block: settings such as weights, bands,
    critical items), ``scoring`` (overall weights and grade bands),
    ``plugins`` (``disable``: modules or plugins to switch off), ``links``
    (complaint and error categories → the items or standards they concern)
    and ``report`` (``profile``: "full" or "brief"). Mappings are
    merged in plugin registration order, and the audit file's own values win;
    lists under ``plugins`` are added to. Validated with the same models as
    the audit file; errors name the plugin.
    """


# --- actions ------------------------------------------------------------------

@hookspec
def gapaudit_module_actions(module_id: str, result: "ModuleResult", audit: "AuditInput",
                            lang: str) -> "list[Action] | None":
    """Contribute or reword actions for one module's findings.

    Called after each module has run, with its result. Return actions to
    add; an action whose ``id`` equals one the module produced *replaces* it
    (that is how a chain rewords a built-in action in its own terms). Results
    from all plugins are applied in registration order. An action's
    ``targets`` (ShareTarget, SetTarget … in :mod:`gapaudit.model.result`)
    say what it aims at: gapaudit re-runs the audit with them reached to
    measure its impact, which ranks it among all actions.
    """


# --- the report -----------------------------------------------------------------

@hookspec
def gapaudit_report_sections(result: "AuditResult", lang: str) -> "list[ReportSection] | None":
    """Contribute extra report sections.

    Called once per rendered report. Each section names its template, an
    integer ``order`` (built-in module sections use their module's ``order``;
    the summary is 0, the action plan 900, the appendix 1000) and a context
    dict. The core sorts all sections by (order, id); the cover and the table
    of contents always come first, and every section gets a contents entry.

    The template is rendered, autoescaped, with the report's context
    (``result``, ``store``, ``audit``, ``lang``, ``t(key)``, the ``num`` /
    ``pct`` / ``date`` filters, ...) plus ``section`` (its ``id`` and
    ``title``) and ``ctx`` (the section's context dict). Pass audit text in
    ``context`` as data; it is escaped, never compiled as a template.
    """


@hookspec
def gapaudit_template_dirs() -> "list[Path] | None":
    """Return folders of templates searched before the built-in ones.

    A template found there overrides the default of the same name; it can
    extend the default it replaces with ``{% extends "default:<name>" %}``.
    Search order: ``--template-dir`` folders, then plugin folders (plugins
    registered later first), then the defaults. Default names:
    ``report.html.j2`` (the layout, with blocks ``css``, ``head_extra``,
    ``cover``, ``toc``, ``sections``), ``report.css``,
    ``sections/{cover,toc,summary,module,actions,appendix}.html.j2``,
    ``partials/macros.html.j2``; ``modules/<module id>.html.j2``, when it
    exists, replaces the generic section of that one module. Files in these
    folders (images, fonts, CSS) may be loaded by the PDF; nothing else is.
    """


@hookspec(firstresult=True)
def gapaudit_theme(audit: "AuditInput") -> "Theme | None":
    """Return the report theme (logo, colours, fonts, cover and footer text).

    Stops at the first non-None result; plugins registered later are asked
    first, so a chain plugin's theme beats the default. Colours must be CSS
    colours (``#rrggbb``, ``rgb(...)`` or a name) and are checked; the logo
    and stylesheet must lie inside the theme's ``asset_dirs``. Return None
    for audits that are not the chain's (e.g. test ``audit.store.chain``).
    """


@hookspec
def gapaudit_template_env(env: Any) -> None:
    """Adjust the Jinja2 environment (add filters or globals).

    Called once when the report environment is created (one environment per
    plugin host and template folders, reused for every report a process
    renders). Autoescaping stays on whatever a plugin does: the core
    switches it back on afterwards.
    """


# --- the result -----------------------------------------------------------------

@hookspec
def gapaudit_finalize_result(result: "AuditResult") -> "AuditResult | None":
    """Adjust the finished result (branding, redaction) before it is written.

    Called once per audit after actions are merged. Return a new result to
    replace it, or None to leave it as it is. Plugins are called in
    registration order, each seeing the previous one's output.
    """
