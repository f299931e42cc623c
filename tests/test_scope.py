"""Plugin scope: a chain's plugin stays in its chain (result, report, roll-up, schema)."""

from __future__ import annotations

import json
import types
from pathlib import Path

import pytest
from click.testing import CliRunner

from gapaudit import AuditModule, ModuleResult, ReportSection, Scope, hookimpl
from gapaudit.chain import rollup
from gapaudit.cli import main
from gapaudit.errors import PluginError
from gapaudit.render.data import to_json
from gapaudit.schema import audit_json_schema
from gapaudit.scaffold.plugin import PluginNameError, new_plugin, tokens
from gapaudit.scope import out_of_scope
from gapaudit.testing import example_audit, make_host, render_report, run_audit


def chain_plugin(module_id: str, scope: Scope, name: str) -> types.SimpleNamespace:
    """A chain plugin with one module, chain defaults and a report section, declaring ``scope``."""
    title = name
    module = type("Module", (AuditModule,), {
        "id": module_id, "title": {"en": name, "zh": name}, "order": 650,
        "run": lambda self, ctx: ModuleResult(score=70.0, methodology=[f"{name} rule"])})

    def sections(result, lang):
        return [ReportSection(id=f"{module_id}-page", title=f"{title} page", template="sections/toc.html.j2")]

    def defaults():
        return {"scoring": {"weights": {module_id: 3}}}

    return types.SimpleNamespace(
        gapaudit_scope=hookimpl(lambda: scope), gapaudit_register_modules=hookimpl(lambda: [module]),
        gapaudit_report_sections=hookimpl(sections), gapaudit_audit_defaults=hookimpl(defaults))


@pytest.fixture
def host():
    acme = chain_plugin("acme_walk", Scope(chains=["Acme Mart", "安心超市"]), "Acme walk test")
    bolt = chain_plugin("bolt_counter", Scope(store_types=["electronics"]), "Bolt counter check")
    return make_host(acme, bolt, names=["acme", "bolt"])


def audit(chain: str | None = None, store_type: str | None = None, store: str = "S-1", **extra) -> dict:
    data = example_audit(chain=chain)
    data["store"]["id"] = store
    if store_type:
        data["store"]["type"] = store_type
    data.update(extra)
    return data


def test_each_chain_sees_only_its_own_module(host):
    acme = run_audit(audit(" acme mart "), host)  # case and spaces do not matter
    assert "acme_walk" in acme.modules and "bolt_counter" not in acme.modules
    assert acme.overall.modules_scored.count("acme_walk") == 1
    bolt = run_audit(audit("Bolt Electronics", "Electronics"), host)
    assert "bolt_counter" in bolt.modules and "acme_walk" not in bolt.modules
    plain = run_audit(audit(), host)
    assert not {"acme_walk", "bolt_counter"} & set(plain.modules)
    assert {p.name for p in plain.plugins}.isdisjoint({"acme", "bolt"})


def test_no_foreign_module_in_result_report_or_rollup(host, tmp_path):
    """The issue's check: the other chain's and a plain store's audits never mention a foreign module."""
    files = []
    for name, data in {"bolt": audit("Bolt", "electronics", store="B-1"), "plain": audit(store="P-1")}.items():
        result = run_audit(data, host)
        text = to_json(result).decode("utf-8")
        html = render_report(data, host, fmt="html").decode("utf-8")
        md = render_report(data, host, fmt="md").decode("utf-8")
        for output in (text, html, md):
            assert "acme_walk" not in output and "Acme walk test" not in output
        (tmp_path / f"{name}.json").write_text(text, "utf-8")
        files.append(tmp_path / f"{name}.json")
    data = rollup.build(files, workers=1)
    assert [m["id"] for m in data["modules"]].count("acme_walk") == 0
    html = rollup.render(data, "html", host=host).decode("utf-8")
    assert "acme_walk" not in html and "Acme walk test" not in html


def test_out_of_scope_plugins_add_no_defaults_sections_or_weights(host):
    plain = run_audit(audit(), host)
    assert plain.modules  # the built-ins ran
    html = render_report(audit(), host, fmt="html").decode("utf-8")
    assert "Bolt counter check page" not in html and "Acme walk test page" not in html
    acme_html = render_report(audit("Acme Mart"), host, fmt="html").decode("utf-8")
    assert "Acme walk test page" in acme_html and "Bolt counter check page" not in acme_html


@pytest.mark.parametrize("opt_in", [{"plugins": {"require": ["acme"]}}, {"modules": {"acme_walk": {}}}])
def test_an_audit_opts_in_by_require_or_config_block(host, opt_in):
    result = run_audit(audit("Someone else", **opt_in), host)
    assert "acme_walk" in result.modules and "bolt_counter" not in result.modules


def test_predicate_scope_and_opt_in_only_scope():
    by_id = chain_plugin("franchise_check", Scope(applies=lambda a: a["store"]["id"].startswith("F-")), "F")
    only_asked = chain_plugin("asked_check", Scope(), "Asked")
    host = make_host(by_id, only_asked, builtins=False, names=["franchise", "asked"])
    assert out_of_scope(host, audit(store="F-7")) == ["asked"]
    assert out_of_scope(host, audit(store="S-7")) == ["franchise", "asked"]
    assert out_of_scope(host, audit(store="S-7", plugins={"require": ["asked"]})) == ["franchise"]


def test_a_failing_predicate_or_a_wrong_return_names_the_plugin():
    def boom(_audit):
        raise KeyError("store")

    host = make_host(chain_plugin("boom_check", Scope(applies=boom), "Boom"), builtins=False, names=["boomer"])
    with pytest.raises(PluginError, match="boomer.*scope predicate raised"):
        run_audit(audit(), host)
    wrong = types.SimpleNamespace(gapaudit_scope=hookimpl(lambda: ["Acme"]))
    with pytest.raises(PluginError, match="wrong.*not a gapaudit.Scope"):
        make_host(wrong, builtins=False, names=["wrong"])


def test_scope_of_one_chain_name_given_as_a_string():
    assert Scope(chains="Acme Mart").matches({"store": {"chain": "ACME MART"}})
    assert not Scope(chains="Acme Mart").matches({"store": {"chain": "A"}})


def test_schema_offers_only_the_modules_that_apply(host):
    def module_keys(schema):
        return set(schema["$defs"]["Modules"]["properties"]) if "$defs" in schema else set()

    everything = audit_json_schema(host)
    assert {"acme_walk", "bolt_counter"} <= set(json.dumps(everything).split('"'))
    plain = json.dumps(audit_json_schema(host, {"store": {}}))
    assert "acme_walk" not in plain and "bolt_counter" not in plain
    acme = json.dumps(audit_json_schema(host, {"store": {"chain": "安心超市"}}))
    assert "acme_walk" in acme and "bolt_counter" not in acme


def test_cli_schema_for_an_audit_and_plugins_listing(tmp_path, monkeypatch):
    plugin = tmp_path / "acme_local.py"
    plugin.write_text(
        "from gapaudit import AuditModule, ModuleResult, Scope, hookimpl\n"
        "class M(AuditModule):\n    id = 'acme_local_check'\n    title = {'en': 'Acme local'}\n"
        "    def run(self, ctx):\n        return ModuleResult(score=1.0)\n"
        "@hookimpl\ndef gapaudit_scope():\n    return Scope(chains=['Acme Mart'])\n"
        "@hookimpl\ndef gapaudit_register_modules():\n    return [M]\n", "utf-8")
    store = tmp_path / "audit.yaml"
    store.write_text("schema_version: 1\naudit: {id: A, date: 2026-01-01}\nstore: {id: S, name: S, chain: Other}\n",
                     "utf-8")
    runner = CliRunner()
    ran = runner.invoke(main, ["schema", "--for", str(store), "--plugin", str(plugin)])
    assert ran.exit_code == 0 and "acme_local_check" not in ran.output
    ran = runner.invoke(main, ["schema", "--chain", "Acme Mart", "--plugin", str(plugin)])
    assert ran.exit_code == 0 and "acme_local_check" in ran.output
    listing = runner.invoke(main, ["plugins", "--plugin", str(plugin)])
    assert "applies to: chains Acme Mart (or audits that opt in)" in listing.output


def test_plugin_new_with_chain_writes_a_scoped_plugin(tmp_path):
    ran = CliRunner().invoke(main, ["plugin", "new", "acme", "-d", str(tmp_path / "p"), "--chain", "Acme Mart",
                                    "--chain", "安心超市"])
    assert ran.exit_code == 0, ran.output
    source = (tmp_path / "p" / "src" / "gapaudit_acme" / "__init__.py").read_text("utf-8")
    assert 'return Scope(chains=["Acme Mart", "安心超市"])' in source
    tests = (tmp_path / "p" / "tests" / "test_plugin.py").read_text("utf-8")
    assert 'audit["store"]["chain"] = "Acme Mart"' in tests
    readme = (tmp_path / "p" / "README.md").read_text("utf-8")
    assert "`Acme Mart`, `安心超市`" in readme
    plain = tokens("acme")
    assert plain["scope"] == "Scope()" and "require" in plain["make_ours"]
    with pytest.raises(PluginNameError, match="not a chain name"):
        new_plugin("acme", tmp_path / "q", chains=["  "])


def test_example_chain_plugin_declares_its_scope():
    source = (Path(__file__).resolve().parent.parent / "examples" / "gapaudit-acme" / "src" / "gapaudit_acme"
              / "__init__.py").read_text("utf-8")
    assert "def gapaudit_scope()" in source and "Scope(chains=CHAIN_NAMES)" in source
