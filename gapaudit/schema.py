"""The JSON Schema of audit files, including every registered module's own block."""

from __future__ import annotations

from typing import Any

from pydantic import Field, create_model

from gapaudit.model.audit import AuditInput
from gapaudit.plugins import PluginHost


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
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "gapaudit audit file"
    return schema
