"""What every snapshot adapter yields and reports: rows in the catalog's own vocabulary.

An adapter reads one public source (a file under `shared/`, the FOCUS sample, a seed of derived
figures) and yields `FeedRow`s whose attributes are exactly the filters the cost models query
(AWS price-list attribute names; Azure Retail Prices fields; GCP Catalog descriptions). Anything it
cannot place goes into its report with a reason, so the build report accounts for every record.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import ClassVar

from finguard.pricing.snapshot import SourceRecord

# Ranks: a feed of list prices beats figures derived from test goldens or billing rows, whatever
# their dates ("golden-derived figures stay only where no feed prices that slot").
FEED = 2
DERIVED = 1


@dataclass(frozen=True, slots=True)
class FeedRow:
    """One price: USD per `unit` for `attributes` in `region`, valid from `begin` to `end` units."""

    provider: str
    service: str
    region: str
    attributes: tuple[tuple[str, str], ...]
    unit: str
    usd: Decimal
    source: str
    begin: float = 0.0
    end: float | None = None

    @property
    def slot(self) -> tuple[str, str, str, tuple[tuple[str, str], ...]]:
        """What the catalog is asked for: every tier of one slot comes from one source."""
        return (self.provider, self.service, self.region, self.attributes)


def attrs(values: Mapping[str, str] | None = None, /, **more: str) -> tuple[tuple[str, str], ...]:
    merged = {**(values or {}), **more}
    return tuple(sorted((k, str(v)) for k, v in merged.items()))


@dataclass(slots=True)
class AdapterReport:
    """Counts of what an adapter read, kept, skipped and rejected, with reasons and examples."""

    read: int = 0
    kept: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def skip(self, reason: str, example: str = "", n: int = 1) -> None:
        self.skipped[reason] += n
        self._example(reason, example)

    def reject(self, reason: str, example: str = "", n: int = 1) -> None:
        self.rejected[reason] += n
        self._example(reason, example)

    def _example(self, reason: str, example: str) -> None:
        if example:
            seen = self.examples.setdefault(reason, [])
            if len(seen) < 3:
                seen.append(example)


class Adapter:
    """Base of every source adapter. Subclasses set the class attributes and implement `rows`."""

    id: ClassVar[str]
    rank: ClassVar[int] = FEED
    # paths under shared/ the figures are read from (their sha256 goes into the manifest)
    inputs: ClassVar[tuple[str, ...]] = ()
    url: ClassVar[str | None] = None
    published: ClassVar[str | None] = None
    license: ClassVar[str | None] = None
    description: ClassVar[str] = ""

    def available(self, shared: Path) -> bool:
        return all((shared / p).exists() for p in self.inputs)

    def sources(self, shared: Path, retrieved: str) -> list[SourceRecord]:
        """The provenance records this adapter's rows name (one by default)."""
        return [SourceRecord(id=self.id, kind="snapshot", url=self.url, published=self.published,
                             retrieved=retrieved, sha256=sha256_of(shared / p for p in self.inputs),
                             description=self.description, license=self.license)]

    def rows(self, shared: Path, report: AdapterReport) -> Iterable[FeedRow]:
        raise NotImplementedError


def sha256_of(paths: Iterable[Path]) -> str | None:
    digest = hashlib.sha256()
    any_file = False
    for path in sorted(paths):
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(file.read_bytes())
            any_file = True
    return digest.hexdigest() if any_file else None


def decimal_price(text: object) -> Decimal | None:
    """A finite, non-negative price from a feed value, or None (null, '', NaN, negative, garbage)."""
    if text is None or isinstance(text, bool):
        return None
    try:
        value = Decimal(str(text).strip())
    except ArithmeticError:
        return None
    if not value.is_finite() or value < 0:
        return None
    return value
