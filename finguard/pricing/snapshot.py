"""The price snapshot finguard ships in `pricing_data/`: reviewable JSON Lines plus a sources manifest.

Every price row names the source it came from; every source records where, when and from which
file (sha256) its figures were taken. The catalog is compiled from this text, never edited by hand.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from finguard.errors import InputError


class SourceRecord(BaseModel):
    """Where a set of price figures came from."""

    model_config = ConfigDict(extra="forbid")

    id: str
    kind: str = Field(description="snapshot (bundled) or sync (downloaded by `pricing sync`)")
    url: str | None = None
    published: str | None = Field(default=None, description="publication date of the price data (ISO)")
    retrieved: str | None = None
    sha256: str | None = None
    description: str | None = None
    license: str | None = None


class PriceRecord(BaseModel):
    """One price row in AWS price-list terms: product attributes, unit, USD per unit, tier range."""

    model_config = ConfigDict(extra="forbid")

    service: str
    region: str
    sku: str | None = None
    attributes: dict[str, str]
    unit: str
    usd: Decimal
    begin_range: float = 0.0
    end_range: float | None = None
    description: str | None = None
    source: str


class Snapshot(BaseModel):
    sources: list[SourceRecord]
    prices: list[PriceRecord]


def pricing_data_dir() -> Path:
    """The bundled `pricing_data/`: inside the wheel, or at the repository root in a checkout."""
    package_dir = Path(__file__).resolve().parent.parent
    for candidate in (package_dir / "_pricing_data", package_dir.parent / "pricing_data"):
        if (candidate / "sources.json").exists():
            return candidate
    raise InputError("bundled price snapshot not found (pricing_data/sources.json is missing)")


def _source_manifests() -> list[Path]:
    """sources.json at the top, plus one per sub-directory (each price set keeps its own manifest)."""
    root = pricing_data_dir()
    return [root / "sources.json", *sorted(root.glob("*/sources.json"))]


def _snapshot_files() -> list[Path]:
    return [*_source_manifests(), *sorted(pricing_data_dir().glob("*/*.jsonl"))]


@cache
def snapshot_digest() -> str:
    digest = hashlib.sha256()
    for path in _snapshot_files():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def load_snapshot() -> Snapshot:
    sources: list[SourceRecord] = []
    for manifest in _source_manifests():
        if not manifest.exists():
            continue
        try:
            sources.extend(SourceRecord.model_validate(s) for s in json.loads(manifest.read_text()))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise InputError(f"invalid sources manifest: {exc}", where=str(manifest)) from None
    known = {s.id for s in sources}
    if len(known) != len(sources):
        raise InputError("two price sources share an id", where=str(pricing_data_dir()))
    price_files = sorted(pricing_data_dir().glob("*/*.jsonl"))
    prices: list[PriceRecord] = []
    for path in price_files:
        for lineno, line in enumerate(path.read_text().splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = PriceRecord.model_validate_json(line)
            except ValidationError as exc:
                raise InputError(f"invalid price row: {exc}", where=f"{path}:{lineno}") from exc
            if record.source not in known:
                raise InputError(f"price row names unknown source {record.source!r}", where=f"{path}:{lineno}")
            prices.append(record)
    return Snapshot(sources=sources, prices=prices)
