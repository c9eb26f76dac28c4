"""Literal Terraform snippets -> Project, for policy examples and docs.

Snippets hold literal values only (no variables or references): each resource becomes a `create`
in a synthetic plan, values with interpolations are marked unknown, and the plan reader does the rest,
so examples exercise exactly the code real plans go through.
"""

from __future__ import annotations

from typing import Any

from finguard.errors import InputError
from finguard.model import Project
from finguard.terraform.plan import plan_to_project

AWS = "registry.terraform.io/hashicorp/aws"


def _is_expression(value: Any) -> bool:
    return isinstance(value, str) and "${" in value


def _split_unknown(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    known: dict[str, Any] = {}
    unknown: dict[str, Any] = {}
    for key, value in values.items():
        if _is_expression(value):
            unknown[key] = True
        elif isinstance(value, dict):
            known[key], inner = _split_unknown(value)
            if inner:
                unknown[key] = inner
        elif isinstance(value, list):
            known[key] = []
            for item in value:
                known[key].append(_split_unknown(item)[0] if isinstance(item, dict) else item)
        else:
            known[key] = value
    return known, unknown


def _expressions(values: dict[str, Any]) -> dict[str, Any]:
    """Configuration expressions as a plan records them: constants, references, nested blocks."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if _is_expression(value):
            out[key] = {"references": [value.strip("${}")]}
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            out[key] = [_expressions(v) for v in value]
        else:
            out[key] = {"constant_value": value}
    return out


def project_from_snippet(text: str, name: str = "example") -> Project:
    import hcl2
    from hcl2 import SerializationOptions

    options = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)
    try:
        doc = hcl2.loads(text, serialization_options=options)
    except Exception as exc:
        raise InputError(f"invalid HCL snippet: {' '.join(str(exc).split())[:300]}", where=name) from None
    provider_config: dict[str, Any] = {}
    for block in doc.get("provider", []):
        for provider, body in block.items():
            expressions: dict[str, Any] = {}
            if isinstance(body.get("region"), str):
                expressions["region"] = {"constant_value": body["region"]}
            tags = [t.get("tags") for t in body.get("default_tags", []) if isinstance(t, dict)]
            if tags:
                expressions["default_tags"] = [{"tags": {"constant_value": t}} for t in tags if isinstance(t, dict)]
            key = provider if "alias" not in body else f"{provider}.{body['alias']}"
            provider_config[key] = {"name": provider, "expressions": expressions}
    if "aws" not in provider_config:
        provider_config["aws"] = {"name": "aws", "expressions": {"region": {"constant_value": "us-east-1"}}}
    changes = []
    config_resources = []
    for block in doc.get("resource", []):
        for type_, named in block.items():
            for res_name, body in named.items():
                arguments = {k: v for k, v in body.items() if k != "provider"}
                after, unknown = _split_unknown(arguments)
                if "tags" in after and "tags_all" not in after:
                    unknown.pop("tags_all", None)
                changes.append({"address": f"{type_}.{res_name}", "mode": "managed", "type": type_,
                                "name": res_name, "provider_name": AWS,
                                "change": {"actions": ["create"], "before": None, "after": after,
                                           "after_unknown": unknown}})
                key = str(body.get("provider", "aws")).replace("${", "").replace("}", "")
                config_resources.append({"address": f"{type_}.{res_name}", "mode": "managed", "type": type_,
                                         "name": res_name, "provider_config_key": key,
                                         "expressions": _expressions(arguments)})
    plan = {"format_version": "1.2", "terraform_version": "1.9.5", "planned_values": {"root_module": {}},
            "resource_changes": changes,
            "configuration": {"provider_config": provider_config, "root_module": {"resources": config_resources}}}
    return plan_to_project(plan, source=name)
