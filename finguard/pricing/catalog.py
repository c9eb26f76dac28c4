"""The compiled price catalog: a SQLite file answering "price of (service, region, attributes)".

Why SQLite: it ships with Python (no extra dependency), opens in about a millisecond, reads only the
(service, region) slices a run needs through an index, and is one portable file that `pricing sync`
can update transactionally. Look-ups are served from an in-memory hash index built lazily per
(service, region, filter keys), so repeated look-ups cost one dict probe (>1M/s), not one query.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from finguard.errors import InputError
from finguard.pricing.snapshot import PriceRecord, SourceRecord, load_snapshot, snapshot_digest

SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, url TEXT, published TEXT, retrieved TEXT,
    sha256 TEXT, description TEXT, license TEXT
);
CREATE TABLE IF NOT EXISTS prices (
    service TEXT NOT NULL, region TEXT NOT NULL, sku TEXT, attributes TEXT NOT NULL,
    unit TEXT NOT NULL, usd TEXT NOT NULL, begin_range REAL NOT NULL, end_range REAL,
    description TEXT, source_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_prices_service_region ON prices (service, region);
"""


@dataclass(frozen=True, slots=True)
class Price:
    """One catalog row: a price per unit, valid from begin_range to end_range units (tiers)."""

    service: str
    region: str
    sku: str | None
    attributes: dict[str, str]
    unit: str
    usd: Decimal
    begin_range: float
    end_range: float | None
    description: str | None
    source_id: str


@dataclass(slots=True)
class PriceMatch:
    """Result of a look-up: the tiers of exactly one price, or why there is none."""

    service: str
    region: str
    filters: dict[str, str]
    prices: list[Price] = field(default_factory=list)
    ambiguous: list[Price] = field(default_factory=list)

    @property
    def query(self) -> str:
        """Human-readable form of the look-up (built only when a report needs it)."""
        return describe_query(self.service, self.region, self.filters)

    @property
    def found(self) -> bool:
        return bool(self.prices) and not self.ambiguous

    @property
    def unit_price(self) -> Decimal:
        """The first-tier price (the price for a quantity inside the first range)."""
        return self.prices[0].usd

    def covers(self, quantity: Decimal) -> bool:
        """False when the quantity runs past the last tier the catalog holds (a partial tier set)."""
        last = self.prices[-1].end_range
        return last is None or quantity <= Decimal(str(last))

    def cost_for(self, quantity: Decimal) -> Decimal:
        """Cost of `quantity` units across tiers (AWS tiers are [begin, end) in units per month)."""
        total = Decimal(0)
        for tier in self.prices:
            begin = Decimal(str(tier.begin_range))
            if quantity <= begin:
                break
            end = quantity if tier.end_range is None else min(quantity, Decimal(str(tier.end_range)))
            total += (end - begin) * tier.usd
        return total


def describe_query(service: str, region: str, filters: dict[str, str]) -> str:
    parts = ", ".join(f"{k}={v}" for k, v in sorted(filters.items()))
    return f"{service} {region} [{parts}]"


def _read_only_uri(path: Path) -> str:
    """A SQLite URI that opens read-only; as_uri() escapes spaces, ? and # in the path."""
    return f"{path.resolve().as_uri()}?mode=ro"


def default_catalog_path() -> Path:
    if env := os.environ.get("FINGUARD_CATALOG"):
        return Path(env)
    home = os.environ.get("FINGUARD_HOME")
    if home:
        return Path(home) / "catalog.sqlite"
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "finguard" / "catalog.sqlite"


class Catalog:
    """Read access to a compiled catalog, with a lazily built in-memory index."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._db = sqlite3.connect(_read_only_uri(path), uri=True, check_same_thread=False)
            self.meta = dict(self._db.execute("SELECT key, value FROM meta"))
        except sqlite3.DatabaseError as exc:
            raise InputError(f"price catalog {path} cannot be read: {exc}", where=str(path)) from exc
        self._slices: dict[tuple[str, str], list[Price]] = {}
        self._indexes: dict[tuple[str, str, tuple[str, ...]], dict[tuple[str | None, ...], list[Price]]] = {}

    @classmethod
    def open_default(cls, path: Path | None = None) -> Catalog:
        """Open the catalog, compiling it from the bundled snapshot when missing or outdated."""
        path = path or default_catalog_path()
        ensure_compiled(path)
        return cls(path)

    def close(self) -> None:
        self._db.close()

    # -- look-ups ---------------------------------------------------------------------------------
    def _slice(self, service: str, region: str) -> list[Price]:
        key = (service, region)
        rows = self._slices.get(key)
        if rows is None:
            cursor = self._db.execute(
                "SELECT sku, attributes, unit, usd, begin_range, end_range, description, source_id "
                "FROM prices WHERE service = ? AND region = ?",
                key,
            )
            rows = [
                Price(service, region, sku, json.loads(attrs), unit, Decimal(usd), begin, end, desc, src)
                for sku, attrs, unit, usd, begin, end, desc, src in cursor
            ]
            self._slices[key] = rows
        return rows

    def _index(self, service: str, region: str, keys: tuple[str, ...]) -> dict[tuple[str | None, ...], list[Price]]:
        ikey = (service, region, keys)
        index = self._indexes.get(ikey)
        if index is None:
            index = {}
            for price in self._slice(service, region):
                attrs = price.attributes
                index.setdefault(tuple(attrs.get(k) for k in keys), []).append(price)
            self._indexes[ikey] = index
        return index

    def lookup(self, service: str, region: str, filters: dict[str, str]) -> PriceMatch:
        """Prices whose attributes equal every filter. Several different prices are ambiguous."""
        keys = tuple(sorted(filters))
        rows = self._index(service, region, keys).get(tuple(filters[k] for k in keys))
        match = PriceMatch(service, region, filters)
        if not rows:
            return match
        by_begin: dict[float, Price] = {}
        for row in rows:
            seen = by_begin.get(row.begin_range)
            if seen is None:
                by_begin[row.begin_range] = row
            elif seen.usd != row.usd or seen.unit != row.unit:
                match.ambiguous = sorted(rows, key=lambda p: (p.begin_range, p.usd))
                return match
        match.prices = [by_begin[b] for b in sorted(by_begin)]
        return match

    def search(self, service: str, region: str, filters: dict[str, str]) -> list[Price]:
        """Every row matching the filters (for `pricing lookup`), without ambiguity resolution."""
        return [
            p
            for p in self._slice(service, region)
            if all(p.attributes.get(k) == v for k, v in filters.items())
        ]

    def regions(self, service: str) -> list[str]:
        return [r for (r,) in self._db.execute(
            "SELECT DISTINCT region FROM prices WHERE service = ? ORDER BY region", (service,))]

    def services(self) -> list[str]:
        return [s for (s,) in self._db.execute("SELECT DISTINCT service FROM prices ORDER BY service")]

    def sources(self) -> list[SourceRecord]:
        cursor = self._db.execute(
            "SELECT id, kind, url, published, retrieved, sha256, description, license FROM sources ORDER BY id"
        )
        return [
            SourceRecord(id=i, kind=k, url=u, published=p, retrieved=r, sha256=s, description=d, license=lic)
            for i, k, u, p, r, s, d, lic in cursor
        ]

    def source(self, source_id: str) -> SourceRecord | None:
        for src in self._source_cache():
            if src.id == source_id:
                return src
        return None

    def _source_cache(self) -> list[SourceRecord]:
        cached = getattr(self, "_sources", None)
        if cached is None:
            cached = self._sources = self.sources()
        return cached

    def used_source_ids(self) -> set[str]:
        """Sources that still price at least one row (a fully replaced source no longer counts)."""
        return {sid for (sid,) in self._db.execute("SELECT DISTINCT source_id FROM prices")}

    def count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM prices").fetchone()[0])


# -- writing --------------------------------------------------------------------------------------
class CatalogWriter:
    """Transactional writes: callers replace whole (service, region) slices or whole sources."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def add_source(self, source: SourceRecord) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO sources (id, kind, url, published, retrieved, sha256, description, license) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (source.id, source.kind, source.url, source.published, source.retrieved, source.sha256,
             source.description, source.license),
        )

    def replace_slice(self, service: str, region: str, records: Iterable[PriceRecord]) -> int:
        self.db.execute("DELETE FROM prices WHERE service = ? AND region = ?", (service, region))
        return self.add(records)

    def add(self, records: Iterable[PriceRecord]) -> int:
        cursor = self.db.executemany(
            "INSERT INTO prices (service, region, sku, attributes, unit, usd, begin_range, end_range, "
            "description, source_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (_row(r) for r in records),
        )
        return cursor.rowcount

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def slices_from(self, kind: str) -> set[tuple[str, str]]:
        return set(self.db.execute(
            "SELECT DISTINCT p.service, p.region FROM prices p JOIN sources s ON s.id = p.source_id "
            "WHERE s.kind = ?", (kind,)))


def _row(r: PriceRecord) -> tuple[object, ...]:
    return (r.service, r.region, r.sku, json.dumps(r.attributes, sort_keys=True, separators=(",", ":")),
            r.unit, format(r.usd, "f"), r.begin_range, r.end_range, r.description, r.source)


def open_for_write(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.executescript(_SCHEMA)
    return db


def ensure_compiled(path: Path) -> None:
    """Compile the bundled snapshot into `path` unless it is already there at the same digest."""
    digest = snapshot_digest()
    if path.exists():
        try:
            with sqlite3.connect(_read_only_uri(path), uri=True) as db:
                meta = dict(db.execute("SELECT key, value FROM meta"))
        except sqlite3.DatabaseError:
            meta = {}
        if meta.get("snapshot_digest") == digest and meta.get("schema_version") == SCHEMA_VERSION:
            return
    compile_snapshot(path, digest)


def compile_snapshot(path: Path, digest: str | None = None) -> None:
    """(Re)build the snapshot part of the catalog, keeping slices that `pricing sync` refreshed.

    The new file is written beside the old one and renamed over it, so concurrent readers (and
    parallel test workers) never see a half-written catalog.
    """
    digest = digest or snapshot_digest()
    snapshot = load_snapshot()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".catalog-", suffix=".sqlite", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        db = open_for_write(tmp)
        writer = CatalogWriter(db)
        synced: set[tuple[str, str]] = set()
        if path.exists():
            synced = _copy_synced(path, db)
        for source in snapshot.sources:
            writer.add_source(source)
        writer.add(r for r in snapshot.prices if (r.service, r.region) not in synced)
        writer.set_meta("schema_version", SCHEMA_VERSION)
        writer.set_meta("snapshot_digest", digest)
        writer.set_meta("compiled_at", _now())
        db.commit()
        db.close()
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _copy_synced(old_path: Path, db: sqlite3.Connection) -> set[tuple[str, str]]:
    """Carry rows and sources that came from `pricing sync` over into a rebuilt catalog."""
    try:
        db.execute("ATTACH DATABASE ? AS old", (_read_only_uri(old_path),))
    except sqlite3.DatabaseError:
        return set()
    try:
        db.execute("INSERT OR REPLACE INTO sources SELECT * FROM old.sources WHERE kind = 'sync'")
        db.execute(
            "INSERT INTO prices SELECT p.* FROM old.prices p JOIN old.sources s ON s.id = p.source_id "
            "WHERE s.kind = 'sync'"
        )
        for key, value in db.execute("SELECT key, value FROM old.meta WHERE key LIKE 'sync_%'").fetchall():
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))
        db.commit()
        return set(db.execute(
            "SELECT DISTINCT service, region FROM prices p JOIN sources s ON s.id = p.source_id "
            "WHERE s.kind = 'sync'"))
    except sqlite3.DatabaseError:
        return set()
    finally:
        db.execute("DETACH DATABASE old")


def iter_all(catalog: Catalog) -> Iterator[Price]:
    for service in catalog.services():
        for region in catalog.regions(service):
            yield from catalog._slice(service, region)


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).replace(microsecond=0).isoformat()
