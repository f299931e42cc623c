"""The plugin host: one registration path, loud failures that name the plugin."""

from __future__ import annotations

import textwrap
import types

import pytest

from gapaudit import AuditModule, ModuleResult, hookimpl
from gapaudit.errors import InputError, PluginError
from gapaudit.model.base import Model
from gapaudit.plugins import PluginHost, builtin_plugin_names
from gapaudit.testing import load, make_host, minimal_audit, run_audit


class Settings(Model):
    threshold: float = 0.5
    label: str = "x"


def module_class(mid: str, score: float | None = 80.0, order: int = 500, raises: bool = False):
    class M(AuditModule):
        id = mid
        title = {"en": f"Module {mid}", "zh": f"模块 {mid}"}
        version = "2.0"
        Config = Settings

    M.order = order

    def run(self, ctx):
        if raises:
            raise RuntimeError("boom")
        if score is None:
            return ctx.no_data("nothing")
        return ModuleResult(score=score, methodology=[f"threshold={ctx.config.threshold}"],
                            actions=[ctx.action(f"{mid}.fix", "Fix it", rationale="r", severity="high")])

    M.run = run
    return M


def plugin(*classes, **hooks):
    ns = types.SimpleNamespace()

    @hookimpl
    def gapaudit_register_modules():
        return list(classes)

    ns.gapaudit_register_modules = gapaudit_register_modules
    for name, fn in hooks.items():
        setattr(ns, name, hookimpl(fn))
    return ns


def test_builtins_are_every_plugins_subpackage():
    names = builtin_plugin_names()
    assert names == sorted(names)
    assert "gapaudit_plugins.diagnosis_gap" in names


def test_module_id_collision_names_both_plugins():
    with pytest.raises(PluginError) as info:
        make_host(plugin(module_class("dup")), plugin(module_class("dup")), builtins=False, names=["one", "two"])
    assert "'dup' is already registered by plugin 'one'" in str(info.value)
    assert info.value.plugin == "two"


def test_misspelt_hook_fails_fast():
    ns = types.SimpleNamespace(gapaudit_register_module=hookimpl(lambda: []))
    with pytest.raises(PluginError) as info:
        make_host(ns, builtins=False, names=["typo"])
    assert "unknown hook" in str(info.value)


def test_invalid_module_class_is_named():
    class NotAModule:
        id = "x"

    with pytest.raises(PluginError, match="not an AuditModule subclass"):
        make_host(plugin(NotAModule), builtins=False, names=["bad"])


def test_local_plugin_file_and_import_failure(tmp_path):
    good = tmp_path / "myplug.py"
    good.write_text(textwrap.dedent("""
        from gapaudit import AuditModule, ModuleResult, hookimpl

        class Local(AuditModule):
            id = "local_check"
            title = {"en": "Local check"}
            def run(self, ctx):
                return ModuleResult(score=50)

        @hookimpl
        def gapaudit_register_modules():
            return [Local]
    """))
    host = PluginHost.create(builtins=False, entry_points=False, local=[str(good)])
    assert "local_check" in host.modules()
    assert host.records["myplug"].source.startswith("local path")

    broken = tmp_path / "broken.py"
    broken.write_text("import not_a_module_anywhere\n")
    with pytest.raises(PluginError) as info:
        PluginHost.create(builtins=False, entry_points=False, local=[str(broken)])
    assert "failed to import" in str(info.value) and "ModuleNotFoundError" in str(info.value)


def test_module_that_raises_is_named():
    host = make_host(plugin(module_class("explodes", raises=True)), builtins=False, names=["chain"])
    with pytest.raises(PluginError) as info:
        run_audit(minimal_audit(), host)
    assert info.value.plugin == "chain"
    assert "module 'explodes' failed: RuntimeError: boom" in str(info.value)
    assert info.value.exit_code == 3


def test_modules_run_in_order_and_settings_validate():
    host = make_host(plugin(module_class("b_mod", order=20), module_class("a_mod", order=10)), builtins=False,
                     names=["p"])
    result = run_audit(minimal_audit(modules={"b_mod": {"threshold": 0.9}}), host)
    assert list(result.modules) == ["a_mod", "b_mod"]
    assert result.modules["b_mod"].methodology == ["threshold=0.9"]
    assert result.modules["a_mod"].methodology == ["threshold=0.5"]
    with pytest.raises(InputError) as info:
        load(minimal_audit(modules={"b_mod": {"treshold": 1}}), host)
    assert "modules.b_mod.treshold: unknown key 'treshold'; did you mean 'threshold'?" in str(info.value)


def test_unknown_module_block_and_require():
    host = make_host(plugin(module_class("a_mod")), builtins=False, names=["p"])
    with pytest.raises(InputError) as info:
        load(minimal_audit(modules={"a_mdo": {}}, plugins={"require": ["acme"]}), host)
    text = str(info.value)
    assert "no module 'a_mdo' is registered; did you mean 'a_mod'?" in text
    assert "plugin 'acme' is required by this audit but not installed" in text


def test_disable_adds_to_defaults_never_replaces():
    defaults = lambda: {"plugins": {"disable": ["a_mod"]}, "modules": {"b_mod": {"label": "chain"}}}
    chain = plugin(gapaudit_audit_defaults=defaults)
    host = make_host(plugin(module_class("a_mod"), module_class("b_mod"), module_class("c_mod")), chain,
                     builtins=False, names=["p", "chain"])
    loaded = load(minimal_audit(plugins={"disable": ["c_mod"]}), host)
    assert loaded.enabled_modules == ["b_mod"]
    assert loaded.module_configs["b_mod"].label == "chain"
    # the audit's own value wins over the chain default
    loaded = load(minimal_audit(modules={"b_mod": {"label": "store"}}), host)
    assert loaded.module_configs["b_mod"].label == "store"
    assert loaded.enabled_modules == ["b_mod", "c_mod"]


def test_disabling_a_plugin_drops_its_modules_and_hooks():
    chain = plugin(module_class("chain_mod"),
                   gapaudit_audit_defaults=lambda: {"modules": {"core_mod": {"label": "from chain"}}})
    host = make_host(plugin(module_class("core_mod")), chain, builtins=False, names=["core", "chain"])
    loaded = load(minimal_audit(plugins={"disable": ["chain"]}), host)
    assert loaded.enabled_modules == ["core_mod"]
    assert loaded.module_configs["core_mod"].label == "x"


def test_invalid_chain_defaults_are_attributed_to_the_plugin():
    chain = plugin(gapaudit_audit_defaults=lambda: {"modules": {"a_mod": {"threshold": "high"}}})
    host = make_host(plugin(module_class("a_mod")), chain, builtins=False, names=["p", "acme"])
    with pytest.raises(InputError) as info:
        load(minimal_audit(), host)
    assert "<defaults of plugin acme>: modules.a_mod.threshold" in str(info.value)


def test_actions_hook_adds_and_rewords():
    from gapaudit.model.result import Action

    def actions(module_id, result, lang):
        return [Action(id=f"{module_id}.fix", title="Reworded by chain", gap=module_id, priority=10),
                Action(id="chain.extra", title="Chain programme", gap=module_id, priority=99)]

    host = make_host(plugin(module_class("a_mod")), plugin(gapaudit_module_actions=actions), builtins=False,
                     names=["p", "chain"])
    result = run_audit(minimal_audit(), host)
    assert [a.title for a in result.actions] == ["Chain programme", "Reworded by chain"]


def test_finalize_hook_can_replace_result():
    def finalize(result):
        return result.model_copy(update={"extra": {"branded": True}})

    host = make_host(plugin(module_class("a_mod")), plugin(gapaudit_finalize_result=finalize), builtins=False,
                     names=["p", "brand"])
    assert run_audit(minimal_audit(), host).extra == {"branded": True}


def test_describe_lists_modules_and_hooks():
    host = make_host(plugin(module_class("a_mod")), builtins=False, names=["p"])
    [rec] = host.describe()
    assert rec.modules == ["a_mod"] and rec.hooks == ["gapaudit_register_modules"]
