"""``gapaudit schema`` accepts what the loader accepts and refuses what it refuses.

Checked with an independent validator (jsonschema, draft 2020-12 with format checks) on every
sample audit, every ``gapaudit init`` output, and spellings of every normalised answer type.
Cross-references (a standard covering an item the questionnaire lacks) are beyond a JSON Schema:
only ``gapaudit validate`` checks them.
"""

from __future__ import annotations

import copy
import datetime as dt
import importlib.util
import json
import typing
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, BeforeValidator, TypeAdapter, ValidationError, WithJsonSchema

from gapaudit.cli import main
from gapaudit.errors import InputError
from gapaudit.load.yamlpos import load_yaml
from gapaudit.model.base import _ANSWERS, _FLAGS, Answer, Flag, IdList
from gapaudit.testing import load, make_host, minimal_audit

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted(p.parent.name for p in (ROOT / "sample_audits").glob("*/audit.yaml"))
ACME = "acme-mart-riverside"
acme_installed = importlib.util.find_spec("gapaudit_acme") is not None


def schema_from_cli(*args: str) -> dict:
    result = CliRunner().invoke(main, ["schema", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture(scope="module")
def schema() -> dict:
    return schema_from_cli()


def validator(schema: dict) -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def as_json(value):
    """YAML data as an editor's JSON view of it: dates are strings."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def read_yaml(path: Path):
    data, _ = load_yaml(path.read_text("utf-8"), str(path))  # the tool's own YAML reading
    return as_json(data)


_VALIDATORS: dict[str, jsonschema.Draft202012Validator] = {}


def errors(schema: dict, data) -> list[str]:
    key = json.dumps(schema, sort_keys=True)
    if key not in _VALIDATORS:
        _VALIDATORS[key] = validator(schema)
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in _VALIDATORS[key].iter_errors(data)]


# --- what exists validates ------------------------------------------------------------------------

@pytest.mark.parametrize("name", SAMPLES)
def test_every_sample_audit_validates(name, schema, monkeypatch):
    if name == ACME:
        if not acme_installed:
            pytest.skip("example chain plugin not installed: pip install -e examples/gapaudit-acme")
        monkeypatch.delenv("GAPAUDIT_DISABLE_PLUGIN_AUTOLOAD", raising=False)
        schema = schema_from_cli()
        assert "acme_house_standards" in schema["$defs"]["Modules"]["properties"]
    assert errors(schema, read_yaml(ROOT / "sample_audits" / name / "audit.yaml")) == []


@pytest.mark.parametrize("workbook", [False, True], ids=["csv", "workbook"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_init_output_validates_against_the_schema_it_writes(tmp_path, lang, workbook):
    made = CliRunner().invoke(main, ["init", str(tmp_path), "--lang", lang] + (["--workbook"] if workbook else []))
    assert made.exit_code == 0, made.output
    written = json.loads((tmp_path / "gapaudit.schema.json").read_text("utf-8"))
    assert written == schema_from_cli()
    text = (tmp_path / "audit.yaml").read_text("utf-8")
    assert text.startswith("# yaml-language-server: $schema=./gapaudit.schema.json")
    assert errors(written, read_yaml(tmp_path / "audit.yaml")) == []


def test_checklist_question_ids_are_listed_with_their_text(schema):
    modules = schema["$defs"]["Modules"]["properties"]
    ref = modules["diagnosis_gap"]["anyOf"][0]["$ref"].split("/")[-1]
    flat = schema["$defs"][ref]["properties"]["checklist"]["anyOf"][0]
    assert flat["additionalProperties"] is False
    assert list(flat["properties"]) == ["customers", "services_valued", "channels", "rewards", "surveys",
                                        "complaints", "information_flow"]
    assert flat["properties"]["customers"]["description"].startswith("Do we know who our customers are")
    assert "我们清楚自己的顾客是谁吗" in flat["properties"]["customers"]["description"]


# --- the tool and the schema agree, accepting and refusing --------------------------------------

def tool_accepts(data) -> bool:
    try:
        load(copy.deepcopy(data), make_host())
    except InputError:
        return False
    return True


CHECKLIST = {"customers": "yes", "services_valued": "是", "channels": {"answer": "partly", "evidence": "counter only"},
             "rewards": False, "surveys": " N/A "}
OBSERVATION = {"visit": "V1", "standard": "S1", "result": "部分"}
STANDARD = {"id": "S1", "title": "Greet", "covers": "TAN1;TAN2", "documented": "Yes", "too_complex": "否",
            "critical": 0}
ACCEPTED = {
    "flat checklist in every spelling": minimal_audit(modules={"diagnosis_gap": {"checklist": CHECKLIST}}),
    "checklist under 'answers'": minimal_audit(modules={"diagnosis_gap": {"checklist": {"answers": CHECKLIST}}}),
    "answers, flags and an id list as text": minimal_audit(evidence={
        "questionnaire": {"items": [{"id": i, "text": i, "dimension": "tangibles"} for i in ("TAN1", "TAN2")]},
        "standards": [STANDARD], "observations": [OBSERVATION]}),
    "a penalty without a curve keeps the default": minimal_audit(
        modules={"eight_factor": {"penalties": {"complaints": {"severity_weights": {"high": 3}}}}}),
}
REFUSED = {
    "unknown top-level key": minimal_audit(evidense={}),
    "unknown key in a row": minimal_audit(evidence={"observations": [{**OBSERVATION, "shfit": "am"}]}),
    "answer word the tool does not know": minimal_audit(evidence={"observations": [{**OBSERVATION,
                                                                                     "result": "maybe"}]}),
    "'partly' where only yes/no fits": minimal_audit(evidence={"standards": [{**STANDARD, "critical": "partly"}]}),
    "unknown checklist question": minimal_audit(modules={"diagnosis_gap": {"checklist": {"customer": "yes"}}}),
    "bad checklist answer": minimal_audit(modules={"diagnosis_gap": {"checklist": {"customers": "often"}}}),
    "'answers' beside question ids": minimal_audit(
        modules={"diagnosis_gap": {"checklist": {"answers": {"customers": "yes"}, "channels": "no"}}}),
    "unknown module": minimal_audit(modules={"diagnosis_gaps": {}}),
    "null for a field with a default": minimal_audit(evidence={"complaints": [{"id": "C1", "severity": None}]}),
    "null for a required field": minimal_audit(evidence={"observations": [{**OBSERVATION, "result": None}]}),
    "severity outside the list": minimal_audit(evidence={"errors": [{"id": "E1", "severity": "severe"}]}),
    "id list of numbers": minimal_audit(evidence={"standards": [{**STANDARD, "covers": [1, 2]}]}),
    "a date the tool cannot read": minimal_audit(audit={"date": "2026/09/15"}),
}


@pytest.mark.parametrize("case", ACCEPTED)
def test_accepted_by_both(case, schema):
    data = ACCEPTED[case]
    assert tool_accepts(data)
    assert errors(schema, data) == []


@pytest.mark.parametrize("case", REFUSED)
def test_refused_by_both(case, schema):
    data = REFUSED[case]
    assert not tool_accepts(data)
    assert errors(schema, data) != []


@pytest.fixture(scope="module")
def part(schema):
    """A validator of one part of the schema: a ``$defs`` name or an inline sub-schema."""
    cache: dict[str, jsonschema.Draft202012Validator] = {}

    def get(ref: str | dict) -> jsonschema.Draft202012Validator:
        key = json.dumps(ref, sort_keys=True)
        if key not in cache:
            sub = {"$ref": f"#/$defs/{ref}"} if isinstance(ref, str) else ref
            cache[key] = validator({"$defs": schema["$defs"], **sub})
        return cache[key]

    return get


def tool_takes(adapter: TypeAdapter, value) -> bool:
    try:
        adapter.validate_python(value)
    except ValidationError:
        return False
    return True


SPELLINGS = sorted(set(_ANSWERS) | set(_FLAGS)) + ["maybe", "yess", "", " ", "on ", "OFF", "True", "NA", "N/A",
                                                    "Not Applicable", "not  applicable", "是的", "0.50", "2"]
VALUES = [v for w in SPELLINGS for v in (w, w.upper(), w.title(), f"  {w}\t")] + [
    True, False, 0, 1, 0.0, 1.0, 0.5, 2, -1, None, [], {}]


TYPES = {"Answer": TypeAdapter(Answer), "Flag": TypeAdapter(Flag)}


@pytest.mark.parametrize("name", TYPES)
def test_every_spelling_is_judged_alike(part, name):
    for value in VALUES:
        assert part(name).is_valid(value) == tool_takes(TYPES[name], value), (name, value)


@settings(max_examples=300, deadline=None)
@given(word=st.text(alphabet="yesnoaprtlyfu/.- 01是否部分不适用有无\t", max_size=8))
def test_random_words_are_judged_alike(part, word):
    for name, adapter in TYPES.items():
        assert part(name).is_valid(word) == tool_takes(adapter, word), (name, word)


def test_id_lists_are_judged_alike(schema, part):
    check = part(schema["$defs"]["Standard"]["properties"]["covers"])
    for value in ["A;B", "A、B", "", [], ["A", "B"], [1], None, 3, {"a": 1}]:
        assert check.is_valid(value) == tool_takes(TypeAdapter(IdList), value), value


def _annotated(annotation, metadata=()):
    """Every (metadata list) of an Annotated type reachable from ``annotation``, and the models inside."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if metadata:
        yield list(metadata), annotation
    if origin is typing.Annotated:
        yield list(args[1:]), args[0]
        yield from _annotated(args[0])
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield [], annotation
    else:
        for arg in args:
            yield from _annotated(arg)


def test_every_before_validator_says_in_the_schema_what_it_accepts():
    """A field that normalises its input (BeforeValidator) must give the schema the spellings it takes,
    else the schema refuses what the tool accepts (use ``WithJsonSchema(words_schema(...))``)."""
    from gapaudit.model.audit import AuditInput
    from gapaudit.model.base import TableMarker

    seen: set[type] = set()
    found = 0
    todo: list[type] = [AuditInput] + [cls.Config for cls in make_host().modules().values()]
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            for metadata, inner in _annotated(info.annotation, info.metadata):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    todo.append(inner)
                if any(isinstance(m, BeforeValidator) for m in metadata):
                    found += 1
                    assert any(isinstance(m, (WithJsonSchema, TableMarker)) for m in metadata), \
                        f"{model.__name__}.{name}: a BeforeValidator without a JSON schema of what it accepts"
    assert found > 20
