"""The price snapshot finguard ships in `pricing_data/`: per-service price tables plus a manifest.

Every price names the source it came from; every source records where, when and from which file
(sha256) its figures were taken. The tables are built by `python -m finguard.pricing.build` from
public price feeds, never edited by hand; the catalog is compiled from them on first use.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from finguard.errors import InputError, read_text
from finguard.pricing.table import TableCell, TableRow, read_table, read_table_rows


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


MANIFEST = "manifest.json"
DATA_ENV = "FINGUARD_PRICING_DATA"


@dataclass(slots=True)
class Snapshot:
    """The bundled snapshot: its sources and the table files holding its prices."""

    root: Path
    sources: list[SourceRecord]
    tables: list[Path]

    def rows(self) -> Iterator[tuple[str, TableRow]]:
        """(service, row) for every product, table by table: what the catalog compiles."""
        for path in self.tables:
            _, service, rows = read_table_rows(path)
            for row in rows:
                yield service, row

    def cells(self) -> Iterator[tuple[str, TableCell]]:
        """(service, cell) for every price, table by table."""
        for path in self.tables:
            _, service, cells = read_table(path)
            for cell in cells:
                yield service, cell

    @property
    def prices(self) -> list[PriceRecord]:
        """Every price as a validated record (slow: for tests and tools, not for compiling)."""
        return [PriceRecord(service=service, region=c.region, attributes=json.loads(c.attributes_json),
                            unit=c.unit, usd=Decimal(c.usd), begin_range=c.begin, end_range=c.end, source=c.source)
                for service, c in self.cells()]


def pricing_data_dir() -> Path:
    """The snapshot: `$FINGUARD_PRICING_DATA`, the wheel's copy, or `pricing_data/` in a checkout."""
    if env := os.environ.get(DATA_ENV):
        path = Path(env)
        if not (path / MANIFEST).exists():
            raise InputError(f"{DATA_ENV}={env}: no {MANIFEST} there (build one with python -m finguard.pricing.build)")
        return path
    package_dir = Path(__file__).resolve().parent.parent
    for candidate in (package_dir / "_pricing_data", package_dir.parent / "pricing_data"):
        if (candidate / MANIFEST).exists():
            return candidate
    raise InputError("bundled price snapshot not found (pricing_data/manifest.json is missing)")


@cache
def snapshot_digest() -> str:
    """Identity of the snapshot: the manifest records every table's sha256, so hashing it is enough
    (a few KB instead of every table; a test checks the recorded hashes against the files)."""
    manifest = pricing_data_dir() / MANIFEST
    return hashlib.sha256(manifest.read_bytes()).hexdigest()[:16]


def read_manifest(root: Path) -> dict[str, Any]:
    path = root / MANIFEST
    text = read_text(path)  # regular files only, bounded, UTF-8: one InputError naming the file otherwise
    try:
        manifest = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid snapshot manifest: {exc}", where=str(path)) from None
    if not isinstance(manifest, dict) or manifest.get("format") != 1:
        raise InputError("snapshot manifest must be an object with format 1", where=str(path))
    return manifest


def load_snapshot(root: Path | None = None) -> Snapshot:
    root = root or pricing_data_dir()
    manifest = read_manifest(root)
    try:
        sources = [SourceRecord.model_validate(s) for s in manifest.get("sources", [])]
        tables = [root / str(t["path"]) for t in manifest.get("tables", [])]
    except (ValidationError, KeyError, TypeError) as exc:
        raise InputError(f"invalid snapshot manifest: {exc}", where=str(root / MANIFEST)) from None
    if len({s.id for s in sources}) != len(sources):
        raise InputError("two price sources share an id", where=str(root / MANIFEST))
    return Snapshot(root, sources, tables)
