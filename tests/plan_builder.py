"""Build small plan documents in Terraform's JSON layout, for tests that need one specific shape."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

AWS = "registry.terraform.io/hashicorp/aws"


class PlanBuilder:
    def __init__(self, region: str | None = "us-east-1", default_tags: dict[str, str] | None = None) -> None:
        self.changes: list[dict[str, Any]] = []
        self.config_resources: list[dict[str, Any]] = []
        expressions: dict[str, Any] = {}
        if region:
            expressions["region"] = {"constant_value": region}
        if default_tags:
            expressions["default_tags"] = [{"tags": {"constant_value": default_tags}}]
        self.provider_config = {"aws": {"name": "aws", "full_name": AWS, "expressions": expressions}}

    def add(self, address: str, after: dict[str, Any] | None, *, before: dict[str, Any] | None = None,
            actions: list[str] | None = None, unknown: dict[str, Any] | None = None,
            references: dict[str, list[str]] | None = None) -> PlanBuilder:
        type_, name = address.split(".")[-2:]
        index: int | str | None = None
        if "[" in name:
            name, raw = name.split("[", 1)
            raw = raw.rstrip("]")
            index = int(raw) if raw.isdigit() else raw.strip('"')
        if actions is None:
            actions = ["create"] if before is None else ["update"] if after is not None else ["delete"]
        self.changes.append({
            "address": address, "mode": "managed", "type": type_, "name": name, "index": index,
            "provider_name": AWS,
            "change": {"actions": actions, "before": before, "after": after, "after_unknown": unknown or {}},
        })
        expressions: dict[str, Any] = {}
        for path, refs in (references or {}).items():
            node = expressions
            parts = path.split(".")
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            node[parts[-1]] = {"references": refs}
        base = f"{type_}.{name}"
        if not any(r["address"] == base for r in self.config_resources):
            self.config_resources.append({"address": base, "mode": "managed", "type": type_, "name": name,
                                          "provider_config_key": "aws", "expressions": expressions})
        return self

    def build(self) -> dict[str, Any]:
        return {"format_version": "1.2", "terraform_version": "1.9.5", "planned_values": {"root_module": {}},
                "resource_changes": self.changes,
                "configuration": {"provider_config": self.provider_config,
                                  "root_module": {"resources": self.config_resources}}}


def write_volume_plan(path: Path, count: int, encrypted_every: int) -> Path:
    """A plan of `count` tagged gp2 volumes, every `encrypted_every`-th one encrypted (from the first), written to
    `path`: big enough for the prebuild child when `count` reaches engine.PREBUILD_FROM."""
    plan = PlanBuilder()
    for i in range(count):
        plan.add(f"aws_ebs_volume.v[{i}]", {"type": "gp2", "size": 10 + i, "encrypted": i % encrypted_every == 0,
                                            "tags": {"team": "a"}})
    path.write_text(json.dumps(plan.build()))
    return path
