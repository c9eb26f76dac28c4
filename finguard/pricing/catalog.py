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
import stat
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from finguard.errors import FinguardError, InputError
from finguard.pricing.snapshot import PriceRecord, SourceRecord, load_snapshot, snapshot_digest

SCHEMA_VERSION = "3"

# Products (attributes, unit, tier) are stored once and shared by every region's price: the
# snapshot holds ~10x more prices than products, and the attributes are most of a row's bytes.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, url TEXT, published TEXT, retrieved TEXT,
    sha256 TEXT, description TEXT, license TEXT
);
CREATE TABLE IF NOT EXISTS products (
    id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, service TEXT NOT NULL, attributes TEXT NOT NULL,
    unit TEXT NOT NULL, begin_range REAL NOT NULL, end_range REAL, family TEXT, instance_type TEXT
);
CREATE TABLE IF NOT EXISTS prices (
    service TEXT NOT NULL, region TEXT NOT NULL, product_id INTEGER NOT NULL, usd TEXT NOT NULL,
    sku TEXT, description TEXT, source_id TEXT NOT NULL
);
"""
_INDEXES = (
    "CREATE INDEX IF NOT EXISTS ix_prices_service_region ON prices (service, region)",
    "CREATE INDEX IF NOT EXISTS ix_prices_product_region ON prices (product_id, region)",
    "CREATE INDEX IF NOT EXISTS ix_products_type ON products (service, family, instance_type)",
)
_SLICE_SQL = (
    "SELECT p.sku, d.id, d.attributes, d.unit, p.usd, d.begin_range, d.end_range, p.description, p.source_id "
    "FROM prices p JOIN products d ON d.id = p.product_id WHERE p.service = ? AND p.region = ?"
)
# AWS look-ups always name a productFamily, and instance-like ones an instanceType: loading only those
# rows keeps a run that prices a few instance types from parsing every RDS engine's 2,600 products.
# Both start from the family's products and probe each one's price in the region (CROSS JOIN keeps SQLite to
# that order): scanning every price of (service, region) instead took 20 ms for one RDS storage look-up.
_FAMILY_SQL = (
    "SELECT p.sku, d.id, d.attributes, d.unit, p.usd, d.begin_range, d.end_range, p.description, p.source_id "
    "FROM products d CROSS JOIN prices p ON p.product_id = d.id AND p.region = ? "
    "WHERE d.service = ? AND d.family = ?"
)
_TYPE_SQL = _FAMILY_SQL + " AND d.instance_type = ?"
FAMILY = "productFamily"
INSTANCE_TYPE = "instanceType"


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
    _query: str | None = field(default=None, repr=False, compare=False)

    @property
    def query(self) -> str:
        """Human-readable form of the look-up (built on first use, once: a look-up is shared by every resource
        that asks the same question)."""
        if self._query is None:
            self._query = describe_query(self.service, self.region, self.filters)
        return self._query

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
        self._slices: dict[tuple[str, str, str | None, str | None], list[Price]] = {}
        self._attributes: dict[int, dict[str, str]] = {}
        self._indexes: dict[tuple[str, str, tuple[str, ...], str | None, str | None],
                            dict[tuple[str | None, ...], list[Price]]] = {}
        self._lookups: dict[tuple[Any, ...], PriceMatch] = {}

    @classmethod
    def open_default(cls, path: Path | None = None) -> Catalog:
        """Open the catalog, compiling it from the bundled snapshot when missing or outdated."""
        path = path or default_catalog_path()
        ensure_compiled(path)
        return cls(path)

    def close(self) -> None:
        self._db.close()

    # -- look-ups ---------------------------------------------------------------------------------
    def _slice(self, service: str, region: str, family: str | None = None, instance_type: str | None = None
               ) -> list[Price]:
        """Every price of (service, region), or only those of one productFamily (and instanceType)."""
        key = (service, region, family, instance_type)
        rows = self._slices.get(key)
        if rows is None:
            attributes = self._attributes
            rows = []
            if family is None:
                cursor = self._db.execute(_SLICE_SQL, (service, region))
            elif instance_type is None:
                cursor = self._db.execute(_FAMILY_SQL, (region, service, family))
            else:
                cursor = self._db.execute(_TYPE_SQL, (region, service, family, instance_type))
            for sku, pid, attrs, unit, usd, begin, end, desc, src in cursor:
                parsed = attributes.get(pid)
                if parsed is None:
                    parsed = attributes[pid] = json.loads(attrs)
                rows.append(Price(service, region, sku, parsed, unit, Decimal(usd), begin, end, desc, src))
            self._slices[key] = rows
        return rows

    def _index(self, service: str, region: str, keys: tuple[str, ...], family: str | None,
               instance_type: str | None) -> dict[tuple[str | None, ...], list[Price]]:
        ikey = (service, region, keys, family, instance_type)
        index = self._indexes.get(ikey)
        if index is None:
            index = {}
            for price in self._slice(service, region, family, instance_type):
                attrs = price.attributes
                index.setdefault(tuple(attrs.get(k) for k in keys), []).append(price)
            self._indexes[ikey] = index
        return index

    def lookup(self, service: str, region: str, filters: dict[str, str]) -> PriceMatch:
        """Prices whose attributes equal every filter. Several different prices are ambiguous.

        Answers are remembered (a plan asks the same few hundred questions thousands of times); a PriceMatch is
        therefore shared and must not be changed by callers."""
        memo_key = (service, region, *sorted(filters.items()))
        match = self._lookups.get(memo_key)
        if match is None:
            match = self._lookups[memo_key] = self._lookup(service, region, filters)
        return match

    def _lookup(self, service: str, region: str, filters: dict[str, str]) -> PriceMatch:
        keys = tuple(sorted(filters))
        family = filters.get(FAMILY)
        instance_type = filters.get(INSTANCE_TYPE) if family is not None else None
        rows = self._index(service, region, keys, family, instance_type).get(tuple(filters[k] for k in keys))
        match = PriceMatch(service, region, dict(filters))  # shared by later look-ups: not the caller's dict
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

    def has_skus(self) -> bool:
        """Whether any price keeps its price-list SKU (only `pricing sync` slices do; the bundled snapshot has
        none), so billing rows can be tied to catalog slots by SKU."""
        return self._db.execute("SELECT 1 FROM prices WHERE sku IS NOT NULL LIMIT 1").fetchone() is not None

    def sku_prices(self, skus: Iterable[str]) -> dict[str, Price]:
        """Catalog rows by price-list SKU (first tier of each), for `finguard pricing rates`."""
        wanted = sorted(set(skus))
        found: dict[str, Price] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            cursor = self._db.execute(
                "SELECT p.sku, p.service, p.region, d.attributes, d.unit, p.usd, d.begin_range, d.end_range, "
                "p.description, p.source_id FROM prices p JOIN products d ON d.id = p.product_id "
                f"WHERE p.sku IN ({', '.join('?' for _ in chunk)}) ORDER BY d.begin_range", chunk)
            for sku, service, region, attrs, unit, usd, begin, end, desc, src in cursor:
                found.setdefault(sku, Price(service, region, sku, json.loads(attrs), unit, Decimal(usd), begin, end,
                                            desc, src))
        return found

    def regions(self, service: str | None = None) -> list[str]:
        if service is None:
            return [r for (r,) in self._db.execute("SELECT DISTINCT region FROM prices ORDER BY region")]
        return [r for (r,) in self._db.execute(
            "SELECT DISTINCT region FROM prices WHERE service = ? ORDER BY region", (service,))]

    def product_counts(self) -> dict[str, int]:
        """Distinct products (SKUs: attributes, unit, tier) priced per service."""
        return dict(self._db.execute(
            "SELECT d.service, COUNT(DISTINCT p.product_id) FROM prices p JOIN products d ON d.id = p.product_id "
            "GROUP BY d.service"))

    def slice_counts(self) -> list[tuple[str, str, str, int]]:
        """(service, region, source id, prices) for every slice: what `pricing coverage --regions` shows."""
        return list(self._db.execute(
            "SELECT service, region, source_id, COUNT(*) FROM prices GROUP BY service, region, source_id "
            "ORDER BY service, region, source_id"))

    def has_region(self, region: str) -> bool:
        """Whether any service has prices in `region`: one index probe per service (a loose scan of the (service,
        region) index) instead of listing every region, which reads the whole table (~70 ms)."""
        return bool(self._db.execute(
            "WITH RECURSIVE s(service) AS (SELECT MIN(service) FROM prices UNION ALL "
            "SELECT (SELECT MIN(service) FROM prices WHERE service > s.service) FROM s WHERE s.service IS NOT NULL) "
            "SELECT EXISTS (SELECT 1 FROM s WHERE s.service IS NOT NULL AND EXISTS "
            "(SELECT 1 FROM prices p WHERE p.service = s.service AND p.region = ?))", (region,)).fetchone()[0])

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
        self._products: dict[str, int] = {}

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
        count = 0
        rows = []
        for r in records:
            attributes = json.dumps(r.attributes, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            pid = self.product_id(r.service, attributes, r.unit, r.begin_range, r.end_range)
            rows.append((r.service, r.region, pid, format(r.usd, "f"), r.sku, r.description, r.source))
            count += 1
        self.db.executemany(
            "INSERT INTO prices (service, region, product_id, usd, sku, description, source_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        return count

    def product_id(self, service: str, attributes_json: str, unit: str, begin: float, end: float | None) -> int:
        key = product_key(service, attributes_json, unit, begin, end)
        pid = self._products.get(key)
        if pid is None:
            found = self.db.execute("SELECT id FROM products WHERE key = ?", (key,)).fetchone()
            if found is None:
                parsed = json.loads(attributes_json)
                cursor = self.db.execute(
                    "INSERT INTO products (key, service, attributes, unit, begin_range, end_range, family, "
                    "instance_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (key, service, attributes_json, unit, begin, end, parsed.get(FAMILY), parsed.get(INSTANCE_TYPE)))
                pid = int(cursor.lastrowid or 0)
            else:
                pid = int(found[0])
            self._products[key] = pid
        return pid

    def remove_sync_sources(self, prefix: str, keep: str, *, only_unused: bool = False) -> None:
        """Forget the sources of earlier syncs (ids starting with `prefix`) except `keep`; with `only_unused`,
        only those no price names any more."""
        unused = " AND id NOT IN (SELECT DISTINCT source_id FROM prices)" if only_unused else ""
        self.db.execute(f"DELETE FROM sources WHERE kind = 'sync' AND substr(id, 1, ?) = ? AND id != ?{unused}",
                        (len(prefix), prefix, keep))

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def slices_from(self, kind: str) -> set[tuple[str, str]]:
        return set(self.db.execute(
            "SELECT DISTINCT p.service, p.region FROM prices p JOIN sources s ON s.id = p.source_id "
            "WHERE s.kind = ?", (kind,)))


def product_key(service: str, attributes_json: str, unit: str, begin: float, end: float | None) -> str:
    return "\x1f".join((service, attributes_json, unit, repr(float(begin)), "" if end is None else repr(float(end))))


def open_for_write(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.executescript(_SCHEMA)
    for index in _INDEXES:
        db.execute(index)
    return db


def ensure_compiled(path: Path) -> None:
    """Compile the bundled snapshot into `path` unless it is already there at the same digest.

    Only an empty file or a finguard catalog (one with its `meta` table) is ever replaced: `--catalog /dev/null`
    once renamed a compiled catalog over the device, and `--catalog some.db` would have replaced the user's own
    database. A device, FIFO or directory, or a file that is not a catalog, is one InputError."""
    digest = snapshot_digest()
    try:
        info = os.stat(path)
    except FileNotFoundError:
        compile_snapshot(path, digest)
        return
    except OSError as exc:
        raise InputError(f"cannot read the price catalog: {exc.strerror}", where=str(path)) from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError("the price catalog must be a regular file (a FIFO, device or directory is never "
                         "replaced)", where=str(path))
    if info.st_size == 0:
        compile_snapshot(path, digest)
        return
    try:
        with sqlite3.connect(_read_only_uri(path), uri=True) as db:
            meta = dict(db.execute("SELECT key, value FROM meta"))
    except sqlite3.DatabaseError:
        raise InputError("not a finguard price catalog, so it is not replaced: point --catalog (or "
                         "FINGUARD_CATALOG) at a new file, or delete this one to rebuild it", where=str(path)) from None
    if meta.get("snapshot_digest") == digest and meta.get("schema_version") == SCHEMA_VERSION:
        return
    compile_snapshot(path, digest)


def compile_snapshot(path: Path, digest: str | None = None) -> None:
    """(Re)build the snapshot part of the catalog, keeping slices that `pricing sync` refreshed.

    The new file is written beside the old one and renamed over it, so concurrent readers (and
    parallel test workers) never see a half-written catalog. Products are numbered in Python and
    the prices bulk-inserted before the index is built: a few hundred thousand prices take ~1 s.
    """
    digest = digest or snapshot_digest()
    snapshot = load_snapshot()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".catalog-", suffix=".sqlite", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        db = sqlite3.connect(tmp)
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.executescript(_SCHEMA)
        writer = CatalogWriter(db)
        synced = _synced_rows(path) if path.exists() else ([], [])
        synced_slices = {(r.service, r.region) for r in synced[1]}
        for source in [*snapshot.sources, *synced[0]]:
            writer.add_source(source)
        products: dict[str, int] = {}
        product_rows: list[tuple[int, str, str, str, str, float, float | None, str | None, str | None]] = []
        price_rows: list[tuple[str, str, int, str, None, None, str]] = []
        for service, row in snapshot.rows():
            key = product_key(service, row.attributes_json, row.unit, row.begin, row.end)
            pid = products.get(key)
            if pid is None:
                pid = products[key] = len(products) + 1
                parsed = json.loads(row.attributes_json)
                product_rows.append((pid, key, service, row.attributes_json, row.unit, row.begin, row.end,
                                     parsed.get(FAMILY), parsed.get(INSTANCE_TYPE)))
            price_rows.extend((service, region, pid, usd, None, None, source) for region, usd, source in row.prices
                              if (service, region) not in synced_slices)
        db.executemany("INSERT INTO products (id, key, service, attributes, unit, begin_range, end_range, family, "
                       "instance_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", product_rows)
        db.executemany("INSERT INTO prices (service, region, product_id, usd, sku, description, source_id) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)", price_rows)
        writer.add(synced[1])
        for index in _INDEXES:
            db.execute(index)
        for key, value in synced_meta(path):
            writer.set_meta(key, value)
        writer.set_meta("schema_version", SCHEMA_VERSION)
        writer.set_meta("snapshot_digest", digest)
        writer.set_meta("compiled_at", _now())
        db.commit()
        db.close()
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _synced_rows(old_path: Path) -> tuple[list[SourceRecord], list[PriceRecord]]:
    """Sources and prices that came from `pricing sync`, carried over into a rebuilt catalog."""
    try:
        old = Catalog(old_path)
    except FinguardError:
        return [], []
    try:
        version = old.meta.get("schema_version")
        sources = [s for s in old.sources() if s.kind == "sync"]
        ids = {s.id for s in sources}
        if version == "1":  # one flat prices table with the attributes in every row
            return sources, [
                PriceRecord(service=service, region=region, sku=sku, attributes=json.loads(attrs), unit=unit,
                            usd=Decimal(usd), begin_range=begin, end_range=end, description=desc, source=src)
                for service, region, sku, attrs, unit, usd, begin, end, desc, src in old._db.execute(
                    "SELECT service, region, sku, attributes, unit, usd, begin_range, end_range, description, "
                    "source_id FROM prices") if src in ids]
        if version not in ("2", SCHEMA_VERSION):
            return [], []  # a layout this version does not know: a re-sync brings those slices back
        records = []
        for service, region in old._db.execute(
                "SELECT DISTINCT p.service, p.region FROM prices p JOIN sources s ON s.id = p.source_id "
                "WHERE s.kind = 'sync'").fetchall():
            records.extend(
                PriceRecord(service=p.service, region=p.region, sku=p.sku, attributes=p.attributes, unit=p.unit,
                            usd=p.usd, begin_range=p.begin_range, end_range=p.end_range,
                            description=p.description, source=p.source_id)
                for p in old._slice(service, region) if p.source_id in ids)
        return sources, records
    except sqlite3.DatabaseError:
        return [], []
    finally:
        old.close()


def synced_meta(path: Path) -> list[tuple[str, str]]:
    if not path.exists():
        return []
    try:
        with sqlite3.connect(_read_only_uri(path), uri=True) as db:
            return db.execute("SELECT key, value FROM meta WHERE key LIKE 'sync_%'").fetchall()
    except sqlite3.DatabaseError:
        return []


def iter_all(catalog: Catalog) -> Iterator[Price]:
    for service in catalog.services():
        for region in catalog.regions(service):
            yield from catalog._slice(service, region)


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).replace(microsecond=0).isoformat()
