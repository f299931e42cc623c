"""The plugin boundary: whatever a plugin raises or returns, the run ends with exit 3 naming the plugin and
the hook; SystemExit and KeyboardInterrupt included; stdout stays clean for machine-readable output."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import types
from pathlib import Path

import pytest
from click.testing import CliRunner

from gapaudit import AuditModule, ModuleResult, hookimpl
from gapaudit.cli import _interruptible, main
from gapaudit.errors import Interrupted, PluginError
from gapaudit.plugins import call_plugin
from gapaudit.testing import make_host, minimal_audit, render_report, run_audit


def hooks(**impls) -> types.SimpleNamespace:
    return types.SimpleNamespace(**{name: hookimpl(fn) for name, fn in impls.items()})


def _exit(*_a, **_k):
    raise SystemExit(0)


def _interrupt(*_a, **_k):
    raise KeyboardInterrupt


#: every hook, with an implementation whose body is swapped for each misbehaviour
HOOK_SIGNATURES = {
    "gapaudit_register_modules": lambda body: (lambda: body()),
    "gapaudit_audit_defaults": lambda body: (lambda audit: body()),
    "gapaudit_module_actions": lambda body: (lambda module_id, result, audit, lang: body()),
    "gapaudit_report_sections": lambda body: (lambda result, lang: body()),
    "gapaudit_template_dirs": lambda body: (lambda: body()),
    "gapaudit_theme": lambda body: (lambda audit: body()),
    "gapaudit_template_env": lambda body: (lambda env: body()),
    "gapaudit_finalize_result": lambda body: (lambda result: body()),
    "gapaudit_scope": lambda body: (lambda: body()),
}

MISBEHAVIOURS = {
    "exits": _exit,
    "interrupts": _interrupt,
    "raises": lambda: 1 / 0,
}


def _render_html(plugin: object, name: str = "rogue") -> bytes:
    """Build a host and render a report as the CLI does (its Ctrl-C handler installed, so a
    KeyboardInterrupt a plugin raises is told apart from the user's)."""
    with _interruptible():
        host = make_host(plugin, names=[name])
        return render_report(minimal_audit(), host, "html")


@pytest.mark.parametrize("how", sorted(MISBEHAVIOURS))
@pytest.mark.parametrize("hook", sorted(HOOK_SIGNATURES))
def test_any_failure_in_any_hook_names_plugin_and_hook(hook, how):
    plugin = hooks(**{hook: HOOK_SIGNATURES[hook](MISBEHAVIOURS[how])})
    with pytest.raises(PluginError) as info:
        _render_html(plugin)
    assert info.value.plugin == "rogue"
    assert hook in str(info.value)


WRONG_RETURNS = {
    "gapaudit_register_modules": ["not a module list", {"a": 1}, 42],
    "gapaudit_audit_defaults": [42, ["modules"]],
    "gapaudit_module_actions": [42, "fix it", [42], [{"id": "x"}]],
    "gapaudit_report_sections": [42, "section", [{"id": "x"}]],
    "gapaudit_template_dirs": [42, "/etc", ["/no/such/folder"], [__file__]],
    "gapaudit_theme": [42, "dark", {"colors": {"accent": "red;}</style><script>"}}],
    "gapaudit_finalize_result": [42, {"score": 1}],
}


@pytest.mark.parametrize("hook,value", [(h, v) for h, vs in WRONG_RETURNS.items() for v in vs],
                         ids=lambda x: x if isinstance(x, str) and x.startswith("gapaudit") else None)
def test_wrong_return_type_is_the_plugins_failure(hook, value):
    fn = HOOK_SIGNATURES[hook](lambda: value)
    if hook == "gapaudit_module_actions":
        # only called for modules that run: give the plugin a module of its own
        class Mod(AuditModule):
            id = "rogue_mod"
            title = {"en": "Rogue"}

            def run(self, ctx):
                return ModuleResult(score=50.0)

        plugin = hooks(gapaudit_register_modules=lambda: [Mod], **{hook: fn})
    else:
        plugin = hooks(**{hook: fn})
    with pytest.raises(PluginError) as info:
        _render_html(plugin)
    assert info.value.plugin == "rogue", info.value
    assert hook in str(info.value)


def test_template_dirs_string_is_never_iterated(tmp_path):
    plugin = hooks(gapaudit_template_dirs=lambda: str(tmp_path))
    with pytest.raises(PluginError, match="returned str .*expected a list of folders"):
        _render_html(plugin)


def test_template_dirs_must_be_existing_folders(tmp_path):
    (tmp_path / "sections").mkdir()
    good = hooks(gapaudit_template_dirs=lambda: [tmp_path])
    assert b"<html" in _render_html(good)
    missing = hooks(gapaudit_template_dirs=lambda: [tmp_path / "gone"])
    with pytest.raises(PluginError, match="not an existing folder"):
        _render_html(missing)


def test_theme_of_wrong_type_blames_the_plugin_not_a_plugin_called_theme():
    with pytest.raises(PluginError) as info:
        _render_html(hooks(gapaudit_theme=lambda audit: 42), name="acme_brand")
    assert info.value.plugin == "acme_brand"
    assert "gapaudit_theme returned int 42" in str(info.value)


def test_template_global_overwritten_by_a_non_callable_names_the_plugin():
    def spoil(env):
        env.globals["t"] = 42

    with pytest.raises(PluginError) as info:
        _render_html(hooks(gapaudit_template_env=spoil), name="spoiler")
    assert info.value.plugin == "spoiler" and "'t'" in str(info.value)


def test_a_plugin_filter_failing_during_rendering_names_the_plugin():
    def bad_num(value, *args, **kw):
        raise SystemExit(0)

    def replace(env):
        env.filters["num"] = bad_num

    with pytest.raises(PluginError) as info:
        _render_html(hooks(gapaudit_template_env=replace), name="filters")
    assert info.value.plugin == "filters" and "template filter 'num' raised" in str(info.value)


def test_a_module_that_exits_is_a_plugin_failure():
    class Quitter(AuditModule):
        id = "quitter"
        title = {"en": "Quitter"}

        def run(self, ctx):
            sys.exit(0)

    host = make_host(hooks(gapaudit_register_modules=lambda: [Quitter]), names=["quit_plugin"])
    with pytest.raises(PluginError) as info:
        run_audit(minimal_audit(), host)
    assert info.value.plugin == "quit_plugin" and "'quitter' failed" in str(info.value)


def test_finalize_changing_the_result_in_place_into_nonsense_is_caught():
    def spoil(result):
        next(iter(result.modules.values())).score = 1e308  # no check on assignment: the boundary checks again

    with pytest.raises(PluginError, match="gapaudit_finalize_result left an invalid result"):
        run_audit(minimal_audit(), make_host(hooks(gapaudit_finalize_result=spoil), names=["p"]))


def test_a_real_interrupt_passes_through_the_boundary():
    def stop():
        raise Interrupted(signal.SIGINT)

    with pytest.raises(Interrupted):
        call_plugin("p", "hook raised", stop)


# --- through the command line -------------------------------------------------------------

@pytest.fixture
def audit_file(tmp_path) -> Path:
    path = tmp_path / "audit.yaml"
    path.write_text("schema_version: 1\naudit: {id: A1, date: 2026-09-01}\nstore: {id: S1, name: Shop}\n")
    return path


@pytest.mark.parametrize("body,shown", [("raise SystemExit(0)", "SystemExit: 0"),
                                        ("raise KeyboardInterrupt()", "KeyboardInterrupt"),
                                        ("return 42", "returned int 42")])
def test_cli_exit_3_names_plugin_and_hook(tmp_path, audit_file, body, shown):
    plugin = tmp_path / "rogue.py"
    plugin.write_text(f"from gapaudit import hookimpl\n@hookimpl\ndef gapaudit_finalize_result(result):\n"
                      f"    {body}\n")
    out = CliRunner().invoke(main, ["run", str(audit_file), "-f", "json", "--plugin", str(plugin)])
    assert out.exit_code == 3, out.output
    assert "plugin 'rogue'" in out.stderr and "gapaudit_finalize_result" in out.stderr and shown in out.stderr
    assert not (tmp_path / "audit.json").exists()


def test_plugin_printing_while_loading_keeps_schema_json_clean(tmp_path):
    plugin = tmp_path / "chatty.py"
    plugin.write_text("print('loading chatty plugin')\nfrom gapaudit import hookimpl\n"
                      "@hookimpl\ndef gapaudit_register_modules():\n    print('registering')\n    return []\n")
    out = CliRunner().invoke(main, ["schema", "--plugin", str(plugin)])
    assert out.exit_code == 0
    json.loads(out.stdout)  # nothing but the schema on stdout
    assert "loading chatty plugin" in out.stderr and "registering" in out.stderr


def test_ctrl_c_ends_a_hanging_lone_run_with_130_and_no_temporaries(tmp_path, audit_file):
    plugin = tmp_path / "hang.py"
    plugin.write_text(textwrap.dedent("""\
        import time
        from gapaudit import hookimpl

        @hookimpl
        def gapaudit_finalize_result(result):
            open(%r, "w").close()
            while True:
                time.sleep(0.05)
        """ % str(tmp_path / "hanging")))
    env = {**os.environ, "GAPAUDIT_PDF_WORKER": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "gapaudit.cli", "run", str(audit_file), "-f", "json,md",
                             "-o", str(tmp_path / "out") + "/", "--plugin", str(plugin)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 60
    while not (tmp_path / "hanging").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert not list(tmp_path.rglob("*.tmp"))


def test_an_action_title_longer_than_the_model_allows_is_the_plugins_error():
    from gapaudit.model.result import MAX_TITLE

    class Mod(AuditModule):
        id = "wordy_mod"
        title = {"en": "Wordy"}

        def run(self, ctx):
            return ModuleResult(score=50.0)

    plugin = hooks(gapaudit_register_modules=lambda: [Mod],
                   gapaudit_module_actions=lambda module_id, result, audit, lang: [
                       {"id": "w.a", "title": "x" * (MAX_TITLE + 1), "gap": module_id, "priority": 50}])
    with pytest.raises(PluginError) as info:
        _render_html(plugin, name="wordy")
    assert info.value.plugin == "wordy" and "gapaudit_module_actions returned an invalid Action" in str(info.value)
