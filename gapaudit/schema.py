"""The JSON Schema of audit files, including every registered module's own block.

The schema accepts what the loader accepts (tested against every sample audit and every
``gapaudit init`` output with an independent validator): answers in all the spellings the
validators read, checklists as ``{question id: answer}`` with the ids listed, tables inline or
as ``{file: ...}`` references.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, TypeAdapter, create_model

from gapaudit.analysis.checklist import ChecklistAnswer
from gapaudit.model.audit import AuditInput
from gapaudit.model.base import Answer, Flag, TableRef
from gapaudit.plugins import PluginHost

#: keys that annotate a use of a shared schema without changing what it accepts
_ANNOTATIONS = ("title", "description", "default")


def audit_json_schema(host: PluginHost, audit: dict[str, Any] | None = None) -> dict[str, Any]:
    """AuditInput's schema with ``modules`` typed by each module's ``Config`` model.

    With ``audit`` (an audit file's data, or just its ``store``), only the modules
    of plugins that apply to it are offered (see :mod:`gapaudit.scope`).
    """
    from gapaudit.scope import out_of_scope

    foreign = set(out_of_scope(host, audit)) if audit is not None else set()
    fields: dict[str, Any] = {
        mid: (cls.Config | None, Field(None, description=cls.localized_title("en")))
        for mid, cls in host.modules().items() if host.plugin_of(mid) not in foreign
    }
    modules_model = create_model("Modules", __config__=None, **fields)
    modules_model.model_config["extra"] = "forbid"
    full = create_model("Audit", __base__=AuditInput,
                        modules=(modules_model, Field(default_factory=modules_model,
                                                      description="per-module input and settings")))
    schema = full.model_json_schema()
    _share(schema, {"Answer": TypeAdapter(Answer).json_schema(), "Flag": TypeAdapter(Flag).json_schema(),
                    "ChecklistAnswer": ChecklistAnswer.model_json_schema(),
                    "TableRef": TableRef.model_json_schema()})
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "gapaudit audit file"
    return schema


def _share(schema: dict[str, Any], shared: dict[str, dict[str, Any]]) -> None:
    """Write each of ``shared`` once under ``$defs`` and refer to it wherever it was inlined.

    An answer's schema lists every accepted spelling; inlined at each of ~200 uses it made the
    schema four times its size.
    """
    def bare(node: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in node.items() if k not in _ANNOTATIONS}

    nested = {k: v for s in shared.values() for k, v in s.get("$defs", {}).items()}  # e.g. TableRef's Unpivot
    shared = {name: {k: v for k, v in s.items() if k != "$defs"} for name, s in shared.items()}
    wanted = {name: bare(s) for name, s in shared.items()}

    def walk(node: Any, root: str | None = None) -> Any:
        if isinstance(node, dict):
            core = bare(node)
            for name, target in wanted.items():
                if name != root and core == target:
                    notes = {k: node[k] for k in _ANNOTATIONS if k in node and node[k] != shared[name].get(k)}
                    return {"$ref": f"#/$defs/{name}", **notes}
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    for key in list(schema):
        schema[key] = walk(schema[key])
    defs = schema.setdefault("$defs", {})
    for name, target in nested.items():
        defs.setdefault(name, target)
    for name, target in shared.items():
        defs[name] = walk(target, root=name)
