"""The report's Jinja2 environment: template search order, filters, autoescape always.

Search order: ``--template-dir`` folders, then plugin template folders
(hook ``gapaudit_template_dirs``), then the defaults shipped in
``gapaudit_templates``. Any template can be overridden; an override can
extend the default it replaces with ``{% extends "default:<name>" %}``.

Autoescaping is on for every template whatever its file name (Jinja's
``select_autoescape`` would skip ``.j2``), and it is switched back on after
plugins have adjusted the environment. Audit text is only ever passed as
data, never compiled as a template.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import os
import re
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

import jinja2
from markupsafe import Markup

from gapaudit.render import i18n

if TYPE_CHECKING:
    from gapaudit.plugins import PluginHost

DEFAULT_PREFIX = "default"


def default_template_dir() -> Path:
    """The folder of the templates shipped with gapaudit (package ``gapaudit_templates``)."""
    return Path(str(importlib.resources.files("gapaudit_templates")))


def template_search_path(host: "PluginHost | None" = None, template_dirs: Iterable[Path | str] = ()) -> list[Path]:
    """Every template folder in search order: user folders, plugin folders, defaults."""
    dirs = [Path(d) for d in template_dirs]
    if host is not None:
        dirs.extend(host.template_dirs())
    dirs.append(default_template_dir())
    seen: list[Path] = []
    for d in dirs:
        if d not in seen:
            seen.append(d)
    return seen


def make_env(host: "PluginHost | None" = None, template_dirs: Iterable[Path | str] = ()) -> jinja2.Environment:
    """A Jinja environment searching ``template_dirs``, plugin folders, then the defaults."""
    search = template_search_path(host, template_dirs)
    default_loader = jinja2.FileSystemLoader(str(search[-1]))
    loader = jinja2.ChoiceLoader([
        jinja2.PrefixLoader({DEFAULT_PREFIX: default_loader}, delimiter=":"),
        *(jinja2.FileSystemLoader(str(d)) for d in search[:-1]),
        default_loader,
    ])
    env = jinja2.Environment(loader=loader, autoescape=True, auto_reload=False, trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=False,
                             undefined=jinja2.ChainableUndefined, finalize=printable)
    env.filters.update(FILTERS)
    env.globals.update(GLOBALS)
    if host is not None:
        host.template_env(env)
    env.autoescape = True  # whatever a plugin did
    env.bytecode_cache = _bytecode_cache(env)
    return env


#: the longest text a template prints from one value, and the longest word in it (see printable)
MAX_TEXT = 5_000  # the longest free text an audit may hold (audit.notes)
MAX_WORD = 100  # a long web address still fits
#: a "word": characters between break opportunities. Spaces break, and so does every CJK character
#: (ideographs, kana, hangul, full-width forms), so Chinese text is never cut as one long word
_LONG_WORD = re.compile(r"[^\s\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
                        r"\U00020000-\U0003134f]{%d,}" % (MAX_WORD + 1))
ELLIPSIS = "…"


def printable(value: Any) -> Any:
    """Every text a template prints, bounded so that laying it out stays linear in its length.

    WeasyPrint lays out a line it cannot break by trying the whole rest of the
    paragraph, once per line: a 100,000-character word (a complaint channel, a
    plugin's action title) took over 15 minutes, and invisible break
    opportunities do not help in narrow columns. So a word longer than
    MAX_WORD characters is cut to MAX_WORD with "…", and a text longer than
    MAX_TEXT characters likewise; real text (words with spaces, Chinese,
    which breaks between any two characters) is far inside both and passes
    unchanged, as does markup the code built (Markup). The JSON output keeps
    every value whole.
    """
    if not isinstance(value, str) or isinstance(value, Markup) or len(value) <= MAX_WORD:
        return value
    if len(value) > MAX_TEXT:
        value = value[:MAX_TEXT - 1] + ELLIPSIS
    return _LONG_WORD.sub(lambda m: m.group(0)[:MAX_WORD - 1] + ELLIPSIS, value)


def css_string(value: Any) -> Markup:
    """A CSS string literal (quoted, escaped) for text placed in a stylesheet."""
    out = ['"']
    for ch in str(value):
        if ch.isalnum() or ch in " .,:;!?()[]{}_-+/|·—–×%#@&*=~^$'" or ord(ch) > 127:
            out.append(ch)
        else:
            out.append(f"\\{ord(ch):x} ")
    out.append('"')
    return Markup("".join(out))


_ENVS: "weakref.WeakKeyDictionary[Any, dict[tuple[str, ...], jinja2.Environment]]" = weakref.WeakKeyDictionary()
_ENVS_NO_HOST: dict[tuple[str, ...], jinja2.Environment] = {}


def cached_env(host: "PluginHost | None" = None, template_dirs: Iterable[Path | str] = ()) -> jinja2.Environment:
    """:func:`make_env`, built once per plugin host and template folders (a batch worker renders many
    reports with one environment, so templates are compiled once)."""
    key = tuple(str(d) for d in template_dirs)
    envs = _ENVS_NO_HOST if host is None else _ENVS.setdefault(host, {})
    env = envs.get(key)
    if env is None:
        env = envs[key] = make_env(host, template_dirs)
    return env


def _bytecode_cache(env: jinja2.Environment) -> jinja2.BytecodeCache | None:
    """Compiled templates cached in the user's cache folder, like .pyc files.

    Compiling the templates is most of the templating time of a run. Jinja
    keys an entry by template name and source checksum only, but the code it
    compiles also depends on the environment (which filters and tests exist
    and whether they take the context), so the folder is named after a
    fingerprint of those. Set ``GAPAUDIT_TEMPLATE_CACHE=0`` to switch it off.
    """
    if os.environ.get("GAPAUDIT_TEMPLATE_CACHE", "1") in ("0", "false", "no"):
        return None
    from gapaudit import __version__

    parts = [__version__, jinja2.__version__]
    for kind, table in (("f", env.filters), ("t", env.tests), ("g", env.globals)):
        for name in sorted(table):
            obj = table[name]
            parts.append(f"{kind}:{name}:{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', '')}:"
                         f"{getattr(obj, 'jinja_pass_arg', '')}")
    for option in ("trim_blocks", "lstrip_blocks", "keep_trailing_newline", "autoescape"):
        parts.append(f"{option}={getattr(env, option)}")
    finalize = env.finalize
    parts.append(f"finalize={getattr(finalize, '__module__', '')}.{getattr(finalize, '__qualname__', '')}")
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(base, "gapaudit", f"templates-{digest}")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        if not os.access(folder, os.W_OK):
            return None
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(folder)


def _lang(ctx: Any) -> str:
    return ctx.get("lang") or "en"


@jinja2.pass_context
def _t(ctx: Any, key: str, **fmt: Any) -> str:
    return i18n.t(key, _lang(ctx), **fmt)


@jinja2.pass_context
def _label(ctx: Any, key: str) -> str:
    return i18n.label(str(key), _lang(ctx))


@jinja2.pass_context
def _date(ctx: Any, value: Any) -> str:
    return i18n.fmt_date(value, _lang(ctx))


@jinja2.pass_context
def _date_short(ctx: Any, value: Any) -> str:
    return i18n.fmt_date_short(value, _lang(ctx))


FILTERS: dict[str, Any] = {
    "num": lambda v, digits=None, sign=False: i18n.fmt_num(v, digits, sign=sign),
    "pct": lambda v, digits=0, ratio=False: i18n.fmt_pct(v, digits, ratio=ratio),
    "date": _date,
    "date_short": _date_short,
    "label": _label,
    "css_string": css_string,
}

GLOBALS: dict[str, Any] = {
    "t": _t,
    "severity_order": i18n.SEVERITY_ORDER,
}
