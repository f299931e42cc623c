"""The plugin-author kit: hook documentation and coverage, test helpers, ``gapaudit plugin new``.

Two guards keep the kit honest as hooks are added: every hookspec must have
its entry in docs/plugins.md (naming each argument), and the all-hooks plugin
below must implement every hookspec and see each one called in a real run.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import inspect
import os
import re
import subprocess
import sys
import tomllib
import types
from importlib.resources import files
from pathlib import Path

import pytest
from click.testing import CliRunner

from gapaudit import AuditModule, ModuleResult, ReportSection, Scope, Theme, hookimpl, hookspecs
from gapaudit.cli import main
from gapaudit.errors import InputError
from gapaudit.model.base import Model
from gapaudit.scaffold.plugin import PluginNameError, new_plugin, tokens
from gapaudit.testing import (example_audit, load, make_host, render_report, run_audit, sample_audit_names,
                              sample_audit_path)

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "plugins.md"
HOOKS = sorted(name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
               if name.startswith("gapaudit_"))


def doc_entry(name: str) -> str:
    """The text of a hook's entry in docs/plugins.md: from its heading to the next heading."""
    text = DOCS.read_text("utf-8")
    match = re.search(rf"^### `{name}`\n(.*?)(?=^#{{2,3}} )", text, re.S | re.M)
    return match.group(1) if match else ""


# --- every hook documented and exercised -------------------------------------------------

def test_hooks_are_found():
    assert "gapaudit_register_modules" in HOOKS and len(HOOKS) >= 8


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_has_a_documentation_entry(name):
    entry = doc_entry(name)
    assert entry, f"docs/plugins.md has no '### `{name}`' entry: document the new hook"
    for part in ("**When:**", "**Arguments:**", "**Returns:**"):
        assert part in entry, f"the entry of {name} lacks {part}"
    for arg in inspect.signature(getattr(hookspecs, name)).parameters:
        assert f"`{arg}`" in entry, f"the entry of {name} does not describe its argument {arg!r}"


class Recorder:
    """A plugin implementing every hook, recording each call (kept in step with hookspecs.py)."""

    def __init__(self, tmp: Path):
        self.calls: dict[str, int] = {}
        self.tmp = tmp
        (tmp / "kit").mkdir()
        (tmp / "kit" / "page.html.j2").write_text(
            '<h1>{{ section.title }}</h1><p class="kit">{{ ctx.note }} {{ 3.14159 | kit_round }}</p>', "utf-8")
        (tmp / "kit.css").write_text(".kit { color: var(--accent); }", "utf-8")

    def _seen(self, name: str) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1

    @hookimpl
    def gapaudit_register_modules(self):
        self._seen("gapaudit_register_modules")
        return [KitModule]

    @hookimpl
    def gapaudit_scope(self):
        self._seen("gapaudit_scope")
        return Scope(applies=lambda audit: audit["store"]["id"] == "S-1")  # example_audit()'s store

    @hookimpl
    def gapaudit_audit_defaults(self, audit):
        self._seen("gapaudit_audit_defaults")
        assert isinstance(audit, dict) and "store" in audit
        return {"modules": {"kit_module": {"label": "from defaults"}}}

    @hookimpl
    def gapaudit_module_actions(self, module_id, result, audit, lang):
        self._seen("gapaudit_module_actions")
        if module_id != "kit_module":
            return None
        reworded = result.actions[0].model_copy(update={"title": "reworded"})
        return [reworded]

    @hookimpl
    def gapaudit_finalize_result(self, result):
        self._seen("gapaudit_finalize_result")
        return result.model_copy(update={"extra": {"kit": True}})

    @hookimpl
    def gapaudit_report_sections(self, result, lang):
        self._seen("gapaudit_report_sections")
        return [ReportSection(id="kit", title="Kit page", template="kit/page.html.j2", order=950,
                              context={"note": "<b>escaped</b>"})]

    @hookimpl
    def gapaudit_template_dirs(self):
        self._seen("gapaudit_template_dirs")
        return [self.tmp]

    @hookimpl
    def gapaudit_template_env(self, env):
        self._seen("gapaudit_template_env")
        env.filters["kit_round"] = lambda v: f"{v:.2f}"
        env.autoescape = False  # the core must switch it back on

    @hookimpl
    def gapaudit_theme(self, audit):
        self._seen("gapaudit_theme")
        return Theme(name="kit", colors={"accent": "#123456"}, cover_text={"en": "Kit cover"},
                     footer_text={"en": "Kit footer"}, stylesheet=self.tmp / "kit.css", asset_dirs=[self.tmp])


class KitConfig(Model):
    label: str = "default"


class KitModule(AuditModule):
    id = "kit_module"
    title = {"en": "Kit module", "zh": "测试模块"}
    order = 700
    Config = KitConfig

    def run(self, ctx):
        return ModuleResult(score=50.0, methodology=[f"label={ctx.config.label}"],
                            actions=[ctx.action("kit_module.fix", "Fix", rationale="r", severity="high")])


def test_recorder_implements_every_hook():
    missing = [h for h in HOOKS if not hasattr(Recorder, h)]
    assert not missing, f"add {missing} to the Recorder plugin and assert what they do"


def test_every_hook_is_called_in_a_real_run(tmp_path):
    plugin = Recorder(tmp_path)
    host = make_host(plugin, builtins=False, names=["kit"])
    result = run_audit(example_audit(), host)
    module = result.modules["kit_module"]
    assert module.methodology == ["label=from defaults"]  # audit defaults reached the module's Config
    assert [a.title for a in module.actions] == ["reworded"]  # module actions replaced by id
    assert result.extra == {"kit": True}  # finalize_result
    html = render_report(example_audit(), host, fmt="html").decode("utf-8")
    assert 'id="plugin-kit"' in html and "Kit page" in html  # section + template dir
    assert "&lt;b&gt;escaped&lt;/b&gt;" in html  # autoescape back on after template_env
    assert '<p class="kit">' in html and "3.14" in html  # filter from template_env
    assert "Kit cover" in html and "--accent: #123456" in html  # theme
    uncalled = [h for h in HOOKS if not plugin.calls.get(h)]
    assert not uncalled, f"hooks never called in a run: {uncalled}"


def test_theme_colours_win_over_the_default_stylesheet(tmp_path):
    html = render_report(example_audit(), make_host(Recorder(tmp_path), builtins=False, names=["kit"]),
                         fmt="html").decode("utf-8")
    assert re.findall(r"--accent:\s*([^;]+);", html)[-1].strip() == "#123456"


# --- the test helpers ------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_example_audit_gives_every_builtin_module_data(lang):
    result = run_audit(example_audit(lang))
    assert result.audit["language"] == lang
    missing = {mid: m.reason for mid, m in result.modules.items() if m.score is None}
    assert not missing, f"example_audit lacks evidence for {missing}"
    assert len(result.modules) == 6


def test_example_audit_is_deterministic_and_chain_aware():
    assert example_audit() == example_audit()
    assert example_audit(chain="Acme Mart")["store"]["chain"] == "Acme Mart"
    assert example_audit(seed=2)["evidence"]["survey"] != example_audit()["evidence"]["survey"]


def test_host_holds_only_the_given_plugins():
    plugin = types.SimpleNamespace(gapaudit_register_modules=hookimpl(lambda: [KitModule]))
    host = make_host(plugin, builtins=False, names=["only"])
    assert list(host.records) == ["only"] and list(host.modules()) == ["kit_module"]


def test_sample_audits_are_found_and_missing_ones_named():
    names = sample_audit_names()
    assert "community-supermarket" in names
    assert sample_audit_path("well-run-store").is_file()
    with pytest.raises(FileNotFoundError, match="available: .*community-supermarket"):
        sample_audit_path("no-such-sample")


def test_sample_fixture(gapaudit_sample, gapaudit_load):
    loaded = gapaudit_load(gapaudit_sample("well-run-store"), make_host())
    assert loaded.input.store.name == "Northgate Fresh Market"


def test_load_fixture_raises_located_errors(gapaudit_load):
    with pytest.raises(InputError, match=r"evidence\.volume\.transactions"):
        gapaudit_load(example_audit() | {"evidence": {"volume": {"transactions": -1}}}, make_host())


# --- gapaudit plugin new -----------------------------------------------------------------------

def test_plugin_new_writes_a_skeleton(tmp_path):
    runner = CliRunner()
    target = tmp_path / "skel"
    ran = runner.invoke(main, ["plugin", "new", "my-chain", "-d", str(target)])
    assert ran.exit_code == 0, ran.output
    written = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())
    assert written == ["README.md", "pyproject.toml", "src/gapaudit_my_chain/__init__.py",
                       "src/gapaudit_my_chain/module.py", "src/gapaudit_my_chain/templates/my_chain/section.html.j2",
                       "tests/conftest.py", "tests/test_plugin.py"]
    for path in target.rglob("*"):
        if path.is_file():
            assert "@@" not in path.read_text("utf-8"), f"unfilled placeholder in {path}"
    project = tomllib.loads((target / "pyproject.toml").read_text("utf-8"))
    assert project["project"]["entry-points"]["gapaudit"] == {"my_chain": "gapaudit_my_chain"}
    for py in (target / "src").rglob("*.py"):
        compile(py.read_text("utf-8"), str(py), "exec")
    # existing files are kept unless --force
    again = runner.invoke(main, ["plugin", "new", "my-chain", "-d", str(target)])
    assert again.exit_code == 4 and "exists (use --force" in again.output
    assert runner.invoke(main, ["plugin", "new", "my-chain", "-d", str(target), "--force"]).exit_code == 0


@pytest.mark.parametrize("name", ["", "My", "1chain", "bad!", "a--b", "x" * 41, "-lead"])
def test_plugin_new_refuses_bad_names(name, tmp_path):
    with pytest.raises(PluginNameError):
        tokens(name)
    ran = CliRunner().invoke(main, ["plugin", "new", name, "-d", str(tmp_path / "x")])
    assert ran.exit_code == 2 and not (tmp_path / "x").exists()


def test_plugin_new_names():
    t = tokens("my-chain")
    assert (t["pkg"], t["module_id"], t["Class"], t["dist"]) == ("gapaudit_my_chain", "my_chain_checks",
                                                                  "MyChainChecks", "my-chain")


def test_skeleton_template_files_ship_in_the_wheel():
    """Every skeleton file must match the package-data patterns, or a wheel install would lack it."""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["package-data"]["*"]
    base = Path(str(files("gapaudit.scaffold")))
    for path in (base / "plugin_template").rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            rel = str(path.relative_to(base))
            assert any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(path.name, p) for p in patterns), rel


@pytest.mark.slow
def test_skeleton_passes_its_own_tests_once_installed(tmp_path):
    new_plugin("kit-check", tmp_path / "plugin")
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site),
                    str(tmp_path / "plugin")], check=True, capture_output=True, timeout=300)
    env = {**os.environ, "PYTHONPATH": str(site)}
    ran = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path / "plugin")],
                         cwd=tmp_path / "plugin", env=env, capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "7 passed" in ran.stdout


# --- the example chain plugin ----------------------------------------------------------------------

@pytest.mark.skipif(importlib.util.find_spec("gapaudit_acme") is None,
                    reason="example chain plugin not installed: pip install -e examples/gapaudit-acme")
def test_example_plugin_passes_its_own_tests():
    ran = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                         cwd=ROOT / "examples" / "gapaudit-acme", capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stdout + ran.stderr


def test_example_plugin_uses_every_hook_but_template_env_and_finalize():
    """The tutorial plugin shows each extension point the issue names (read from its source, not imported)."""
    source = (ROOT / "examples" / "gapaudit-acme" / "src" / "gapaudit_acme" / "__init__.py").read_text("utf-8")
    used = set(re.findall(r"^def (gapaudit_\w+)\(", source, re.M))
    assert used == set(HOOKS) - {"gapaudit_template_env", "gapaudit_finalize_result"}
