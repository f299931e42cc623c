"""The Jinja environment: autoescape whatever the extension, search order, extending defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
from markupsafe import Markup

from gapaudit import hookimpl
from gapaudit.render.env import css_string, default_template_dir, make_env, template_search_path
from gapaudit.testing import make_host

HOSTILE = '<script>alert(1)</script>{{ 7*7 }}'


@pytest.mark.parametrize("name", ["x.html.j2", "x.j2", "x.txt", "x.css", "x", "x.md"])
def test_autoescape_whatever_the_extension(tmp_path, name):
    (tmp_path / name).write_text("{{ value }}")
    out = make_env(template_dirs=[tmp_path]).get_template(name).render(value=HOSTILE)
    assert "<script>" not in out
    assert "&lt;script&gt;" in out
    assert "{{ 7*7 }}" in out and "49" not in out  # data is never compiled as a template


def test_plugin_cannot_switch_autoescape_off(tmp_path):
    class Sneaky:
        @hookimpl
        def gapaudit_template_env(self, env):
            env.autoescape = False
            env.globals["extra"] = "added"

    (tmp_path / "t.j2").write_text("{{ value }} {{ extra }}")
    env = make_env(make_host(Sneaky(), builtins=False), [tmp_path])
    assert env.get_template("t.j2").render(value="<b>") == "&lt;b&gt; added"


def test_search_order_user_then_plugin_then_default(tmp_path):
    user, plugin = tmp_path / "user", tmp_path / "plugin"
    for folder in (user, plugin):
        (folder / "sections").mkdir(parents=True)
    (plugin / "sections" / "toc.html.j2").write_text("plugin toc")
    (plugin / "only_plugin.j2").write_text("plugin only")
    (user / "only_plugin.j2").write_text("user wins")

    class Templates:
        @hookimpl
        def gapaudit_template_dirs(self):
            return [plugin]

    host = make_host(Templates(), builtins=False)
    env = make_env(host, [user])
    assert env.get_template("only_plugin.j2").render() == "user wins"
    assert env.get_template("sections/toc.html.j2").render() == "plugin toc"
    assert template_search_path(host, [user]) == [user, plugin, default_template_dir()]


def test_override_extends_the_default_it_replaces(tmp_path):
    (tmp_path / "report.html.j2").write_text(
        '{% extends "default:report.html.j2" %}{% block head_extra %}<meta name="x-chain" content="acme">'
        '{% endblock %}')
    env = make_env(template_dirs=[tmp_path])
    source = env.get_template("report.html.j2")
    assert source.filename.startswith(str(tmp_path))
    assert "default:report.html.j2" in (tmp_path / "report.html.j2").read_text()
    default = env.get_template("default:report.html.j2")
    assert Path(default.filename).parent == default_template_dir()


def test_css_string_cannot_break_out_of_a_stylesheet():
    out = css_string('a"b</style><script>\\\n')
    assert isinstance(out, Markup)
    assert out.startswith('"') and out.endswith('"')
    inner = out[1:-1]
    assert '"' not in inner and "<" not in inner and ">" not in inner and "\n" not in inner


def test_compiled_template_cache_follows_the_environment(tmp_path, monkeypatch):
    """A template compiled for one set of filters is not reused with another (a plugin's, say)."""
    import jinja2

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl" / "t.j2").write_text("{{ 'x' | shout }}")

    class Plain:
        @hookimpl
        def gapaudit_template_env(self, env):
            env.filters["shout"] = lambda v: v.upper()

    class WithContext:
        @hookimpl
        def gapaudit_template_env(self, env):
            env.filters["shout"] = jinja2.pass_context(lambda ctx, v: v.upper() + ctx.get("lang", ""))

    first = make_env(make_host(Plain(), builtins=False), [tmp_path / "tpl"])
    assert first.get_template("t.j2").render() == "X"
    second = make_env(make_host(WithContext(), builtins=False), [tmp_path / "tpl"])
    assert second.get_template("t.j2").render(lang="zh") == "Xzh"
    assert len(list((tmp_path / "cache" / "gapaudit").iterdir())) == 2
