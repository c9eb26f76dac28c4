"""Which Terraform resource manages an AWS resource: its address and the file:line of its declaration.

`--terraform FILE` takes a `terraform show -json` of a state or a plan, or a raw `terraform.tfstate` (version
4). Each managed resource is indexed by the identifiers its attributes hold (`id`, `arn`, `allocation_id`,
`identifier`), so a finding on `vol-0abc` can say "remove aws_ebs_volume.scratch (storage.tf:12)". File and line
come from the .tf code in `--tf-dir` (default: the directory of the state or plan file), scanned the way
`finguard check` locates findings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from finguard import strict_json
from finguard.errors import InputError, read_text

ID_ATTRIBUTES = ("id", "arn", "allocation_id", "identifier")
MAX_DEPTH = 512


@dataclass(frozen=True, slots=True)
class Managed:
    address: str
    type: str
    file: str | None
    line: int | None


class TerraformIndex:
    """Identifier -> the Terraform resources holding it (an id can appear under several types: an EIP's
    allocation id is also the `allocation_id` of the NAT gateway using it)."""

    def __init__(self) -> None:
        self.by_id: dict[str, list[Managed]] = {}
        self.files: list[str] = []

    def add(self, ident: str, managed: Managed) -> None:
        entries = self.by_id.setdefault(ident, [])
        if managed not in entries:
            entries.append(managed)

    def find(self, ids: list[str | None], types: tuple[str, ...]) -> Managed | None:
        """The first resource of one of `types` that holds one of `ids`."""
        for ident in ids:
            for managed in self.by_id.get(ident or "", []):
                if managed.type in types:
                    return managed
        return None

    def __len__(self) -> int:
        return len(self.by_id)

    @classmethod
    def load(cls, paths: list[Path], tf_dir: Path | None = None) -> TerraformIndex:
        index = cls()
        for path in paths:
            index._load_one(path, tf_dir)
        return index

    def _load_one(self, path: Path, tf_dir: Path | None) -> None:
        from finguard.policy.source_map import SourceMap
        from finguard.terraform.plan import parse_plan

        text = read_text(path)
        try:
            raw = strict_json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}", where=str(path)) \
                from None
        except (RecursionError, ValueError) as exc:
            raise InputError(f"not a Terraform state or plan: {exc}", where=str(path)) from None
        self.files.append(str(path))
        if isinstance(raw, dict) and raw.get("version") == 4 and isinstance(raw.get("resources"), list):
            resources = list(_raw_state(raw, str(path)))
            module_sources: dict[str, str] = {}
        else:
            project = parse_plan(text, source=str(path))
            module_sources = project.module_sources
            resources = [(r.address, r.type, values) for r in project.resources if not r.is_data
                         for values in (r.after, r.before) if isinstance(values, dict)]
        root = tf_dir or path.parent
        smap = SourceMap.scan(root, module_sources, relative_to=root) if root.is_dir() else None
        for address, type_, values in resources:
            decl = smap.locate(address) if smap else None
            managed = Managed(address, type_, decl.file if decl else None, decl.line if decl else None)
            for key in ID_ATTRIBUTES:
                value = values.get(key)
                if isinstance(value, str) and value:
                    self.add(value, managed)


def _raw_state(raw: dict[str, Any], source: str) -> Any:
    """(address, type, attributes) of each managed instance of a version-4 terraform.tfstate."""
    for i, res in enumerate(raw["resources"]):
        if not isinstance(res, dict):
            raise InputError(f"invalid state at $.resources[{i}]: must be an object", where=source)
        if res.get("mode") != "managed":
            continue
        type_, name, module = res.get("type"), res.get("name"), res.get("module")
        if not isinstance(type_, str) or not isinstance(name, str):
            raise InputError(f"invalid state at $.resources[{i}]: type and name must be text", where=source)
        instances = res.get("instances") or []
        if not isinstance(instances, list):
            raise InputError(f"invalid state at $.resources[{i}].instances: must be a list", where=source)
        prefix = f"{module}." if isinstance(module, str) and module else ""
        for j, inst in enumerate(instances):
            if not isinstance(inst, dict) or not isinstance(inst.get("attributes", {}), dict):
                raise InputError(f"invalid state at $.resources[{i}].instances[{j}]: must be an object with "
                                 "attributes", where=source)
            key = inst.get("index_key")
            suffix = "" if key is None else f"[{key}]" if isinstance(key, int) else f"[{json.dumps(key)}]"
            yield f"{prefix}{type_}.{name}{suffix}", type_, inst.get("attributes") or {}
