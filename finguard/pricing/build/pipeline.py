"""The snapshot pipeline: adapters -> merge (newest source wins per slot) -> tables + manifest + report.

Conflicts are data: when two sources price one slot, the winner is the higher rank (a feed beats a
derived figure), then the newer publication date; every disagreement over 1% is listed in the build
report with both figures, and nothing is averaged or guessed.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from finguard.pricing.build.base import Adapter, AdapterReport, FeedRow
from finguard.pricing.snapshot import SourceRecord
from finguard.pricing.table import PriceTable, Product, write_table

DISAGREEMENT = Decimal("0.01")
MANIFEST = "manifest.json"
REPORT = "BUILD_REPORT.md"

Slot = tuple[str, str, str, tuple[tuple[str, str], ...]]


@dataclass(slots=True)
class Disagreement:
    slot: Slot
    begin: float
    unit: str
    winner: str
    winner_usd: Decimal
    loser: str
    loser_usd: Decimal

    @property
    def ratio(self) -> Decimal:
        return (self.winner_usd - self.loser_usd) / max(self.winner_usd, self.loser_usd)


@dataclass(slots=True)
class BuildResult:
    reports: dict[str, AdapterReport] = field(default_factory=dict)
    sources: list[SourceRecord] = field(default_factory=list)
    missing_adapters: list[str] = field(default_factory=list)
    tables: dict[tuple[str, str], PriceTable] = field(default_factory=dict)
    disagreements: list[Disagreement] = field(default_factory=list)
    overridden: Counter[tuple[str, str]] = field(default_factory=Counter)  # (loser, winner) -> slots
    ambiguous: Counter[str] = field(default_factory=Counter)  # source -> slots with two prices
    files: list[Path] = field(default_factory=list)
    # source id -> (rank, published, id): the order in which sources win a slot
    priority: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    source_adapter: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def collect(adapters: Sequence[Adapter], shared: Path, retrieved: str, result: BuildResult
            ) -> dict[Slot, dict[str, list[FeedRow]]]:
    """Every row of every available adapter, grouped by slot and then by source."""
    by_slot: dict[Slot, dict[str, list[FeedRow]]] = defaultdict(dict)
    for adapter in adapters:
        if not adapter.available(shared):
            result.missing_adapters.append(adapter.id)
            continue
        report = result.reports[adapter.id] = AdapterReport()
        for source in adapter.sources(shared, retrieved):
            result.sources.append(source)
            result.priority[source.id] = (adapter.rank, source.published or "", source.id)
            result.source_adapter[source.id] = adapter.id
        for row in adapter.rows(shared, report):
            report.kept += 1
            by_slot[row.slot].setdefault(row.source, []).append(row)
    return by_slot


def merge(by_slot: dict[Slot, dict[str, list[FeedRow]]], priority: dict[str, tuple[int, str, str]],
          result: BuildResult) -> None:
    for slot, by_source in by_slot.items():
        candidates = []
        for source, rows in by_source.items():
            tiers = _tiers(rows)
            if tiers is None:
                result.ambiguous[source] += 1
                continue
            candidates.append((priority[source], source, tiers))
        if not candidates:
            continue
        candidates.sort(reverse=True)
        _, winner, tiers = candidates[0]
        for _, loser, other in candidates[1:]:
            result.overridden[(loser, winner)] += 1
            for begin, row in tiers.items():
                theirs = other.get(begin)
                if theirs is None or theirs.unit != row.unit:
                    continue
                top = max(row.usd, theirs.usd)
                if top and abs(row.usd - theirs.usd) / top > DISAGREEMENT:
                    result.disagreements.append(Disagreement(slot, begin, row.unit, winner, row.usd,
                                                             loser, theirs.usd))
        provider, service, region, attributes = slot
        table = result.tables.setdefault((provider, service), PriceTable(provider, service))
        for row in tiers.values():
            table.put(Product(attributes, row.unit, row.begin, row.end), region, row.usd, row.source)


def _tiers(rows: list[FeedRow]) -> dict[float, FeedRow] | None:
    """Tiers of one slot from one source; None when the source gives two prices for one tier."""
    tiers: dict[float, FeedRow] = {}
    for row in rows:
        seen = tiers.get(row.begin)
        if seen is None:
            tiers[row.begin] = row
        elif seen.usd != row.usd or seen.unit != row.unit:
            return None
    return dict(sorted(tiers.items()))


def table_path(out: Path, provider: str, service: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in service)
    return out / provider / f"{safe}.tsv"


def write_outputs(out: Path, result: BuildResult, adapters: Sequence[Adapter]) -> None:
    for old in out.glob("*/*.tsv"):
        old.unlink()
    files = []
    for (provider, service), table in sorted(result.tables.items()):
        path = table_path(out, provider, service)
        write_table(table, path)
        files.append(path)
    result.files = files
    used = {src for table in result.tables.values() for by_region in table.cells.values()
            for _, src in by_region.values()}
    sources = sorted((s for s in result.sources if s.id in used), key=lambda s: s.id)
    manifest = {
        "format": 1,
        "sources": [s.model_dump() for s in sources],
        "tables": [
            {"path": p.relative_to(out).as_posix(), "provider": prov, "service": svc,
             "prices": result.tables[(prov, svc)].count(),
             "sha256": hashlib.sha256(p.read_bytes()).hexdigest()}
            for p, (prov, svc) in zip(files, sorted(result.tables), strict=True)
        ],
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    from finguard.pricing.build.report import render_report

    (out / REPORT).write_text(render_report(result, adapters, out), encoding="utf-8")


def build(adapters: Sequence[Adapter], shared: Path, out: Path, retrieved: str) -> BuildResult:
    started = time.perf_counter()
    result = BuildResult()
    by_slot = collect(adapters, shared, retrieved, result)
    merge(by_slot, result.priority, result)
    result.seconds = time.perf_counter() - started
    write_outputs(out, result, adapters)
    return result
