"""`finguard waste --inventory DIR`: the inventory from saved AWS CLI outputs, for air-gapped use.

The layout is described in `finguard.waste.layout`. Every file is read through `finguard.errors.read_text`
(regular files only, size-bounded, UTF-8) and parsed as strict JSON (no NaN/Infinity, nesting bounded); a file a
selected detection needs that is missing, and any file that is malformed, is one InputError naming the file and
the JSON path (exit 2). CloudWatch files are optional: without them the metric-based kinds are reported as not
judged.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from finguard import strict_json
from finguard.errors import InputError, UsageError, read_text
from finguard.waste.inventory import (
    Inventory,
    RegionInventory,
    error_message,
    json_path,
    parse_region,
    read_identity,
)
from finguard.waste.layout import (
    IDENTITY,
    MANIFEST,
    METRIC_QUERIES,
    METRIC_RESULTS,
    OPTIONAL_DOCS,
    REGION_PATTERN,
    TARGET_HEALTH_DIR,
    docs_for,
    part_pattern,
)

MAX_JSON_DEPTH = 256  # AWS CLI documents nest a handful of levels


class Manifest(BaseModel):
    """finguard-inventory.json: when and for what account a saved inventory was collected."""

    model_config = ConfigDict(extra="forbid")

    schema_: str = Field(default="finguard/inventory", alias="schema", pattern="^finguard/inventory$")
    version: int = Field(default=1, strict=True, ge=1, le=1)
    collected_at: datetime
    account_id: str | None = None
    regions: list[str] = Field(default_factory=list)
    lookback_days: int | None = Field(default=None, strict=True, ge=1, le=455)


def _depth(node: Any, limit: int = MAX_JSON_DEPTH) -> int:
    """Nesting depth, iteratively (a hostile file must not exhaust the stack)."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if level > limit:
            return level
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
    return deepest


def read_json(path: Path) -> Any:
    """One JSON document, strictly: one InputError naming the file and the line/column of a syntax error."""
    text = read_text(path)
    try:
        raw = strict_json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}", where=str(path)) from None
    except RecursionError:
        raise InputError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels", where=str(path)) from None
    except ValueError as exc:  # NaN / Infinity, or an integer too long to convert
        raise InputError(f"invalid JSON: {exc}", where=str(path)) from None
    if _depth(raw) > MAX_JSON_DEPTH:
        raise InputError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels", where=str(path))
    return raw


def _parts(directory: Path, stem: str) -> list[Path]:
    """NAME.json and NAME.<n>.json in `directory`, in part order."""
    pattern = part_pattern(stem)
    found = []
    for path in directory.iterdir() if directory.is_dir() else []:
        match = pattern.match(path.name)
        if match:
            found.append((int(match.group(2) or 0), path))
    return [p for _, p in sorted(found)]


def read_manifest(directory: Path) -> Manifest | None:
    path = directory / MANIFEST
    if not path.exists():
        return None
    raw = read_json(path)
    try:
        return Manifest.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InputError(f"invalid value at {json_path(tuple(err['loc']))}: {error_message(err)}",
                         where=str(path)) from None


def region_dirs(directory: Path, regions: list[str]) -> dict[str, Path]:
    """{region: directory of its files}: one subdirectory per region, or DIR itself for one --region."""
    subdirs = {p.name: p for p in sorted(directory.iterdir()) if p.is_dir() and REGION_PATTERN.match(p.name)}
    if subdirs:
        if not regions:
            return subdirs
        missing = [r for r in regions if r not in subdirs]
        if missing:
            raise InputError(f"no inventory for region {', '.join(missing)} (regions here: {', '.join(subdirs)})",
                             where=str(directory))
        return {r: subdirs[r] for r in regions}
    flat = any(p.suffix == ".json" and p.name not in (MANIFEST, IDENTITY) for p in directory.iterdir())
    if not flat:
        raise InputError("no inventory here: expected one directory per region (us-east-1/, ...) holding AWS CLI "
                         "outputs such as ec2-describe-volumes.json", where=str(directory))
    if len(regions) != 1:
        raise UsageError(f"{directory} holds one region's files directly (no per-region directory): name the "
                         "region with exactly one --region")
    return {regions[0]: directory}


def load_inventory(directory: Path, *, regions: list[str], collections: set[str], needed_by: dict[str, list[str]],
                   as_of: datetime | None = None) -> Inventory:
    """The saved inventory in `directory` for `regions` (default: every region directory), reading the files of
    `collections`; `needed_by` names, per collection, the kinds that need it (for the missing-file message)."""
    if not directory.is_dir():
        raise InputError("--inventory must be a directory of AWS CLI outputs", where=str(directory))
    manifest = read_manifest(directory)
    regions = regions or (manifest.regions if manifest else [])
    account = manifest.account_id if manifest else None
    identity = directory / IDENTITY
    if identity.exists():
        account = read_identity(read_json(identity), str(identity))
    collected_at = as_of or (manifest.collected_at if manifest else None) or datetime.now(UTC)
    inventory = Inventory(source=str(directory), collected_at=collected_at, account_id=account)
    for region, folder in region_dirs(directory, regions).items():
        inventory.regions[region] = _load_region(region, folder, collections, needed_by)
    return inventory


def _load_region(region: str, folder: Path, collections: set[str],
                 needed_by: dict[str, list[str]]) -> RegionInventory:
    docs: dict[str, list[tuple[str, Any]]] = {}
    for doc in docs_for(collections):
        parts = _parts(folder, doc.name)
        if not parts:
            kinds = ", ".join(needed_by.get(doc.collection, [])) or "the selected kinds"
            raise InputError(f"missing {doc.name}.json (the output of `{doc.command}`), needed by {kinds}; "
                             "choose other kinds with --kind", where=str(folder))
        docs[doc.name] = [(str(p), read_json(p)) for p in parts]
    for name, (_, collection, _) in OPTIONAL_DOCS.items():
        if collection in collections:
            parts = _parts(folder, name)
            if parts:
                docs[name] = [(str(p), read_json(p)) for p in parts]
    health: dict[str, tuple[str, Any]] | None = None
    if "target_groups" in collections:
        health = {}
        health_dir = folder / TARGET_HEALTH_DIR
        if health_dir.is_dir():
            for path in sorted(health_dir.glob("*.json")):
                health[path.stem] = (str(path), read_json(path))
    queries = [(str(p), read_json(p)) for p in _parts(folder, METRIC_QUERIES)]
    results = [(str(p), read_json(p)) for p in _parts(folder, METRIC_RESULTS)]
    if bool(queries) != bool(results):
        have, lack = (METRIC_QUERIES, METRIC_RESULTS) if queries else (METRIC_RESULTS, METRIC_QUERIES)
        raise InputError(f"{have}.json without {lack}.json: CloudWatch series need both the queries and the "
                         "get-metric-data output", where=str(folder))
    inv = parse_region(region, docs, target_health=health, metric_queries=queries or None,
                       metric_results=results or None)
    for tg in inv.target_groups:
        if tg.targets is None:
            raise InputError(f"missing {TARGET_HEALTH_DIR}/{tg.name}.json (the output of `aws elbv2 "
                             f"describe-target-health --target-group-arn {tg.arn}`)", where=str(folder))
    return inv
