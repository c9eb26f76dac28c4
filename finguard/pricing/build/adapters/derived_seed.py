"""Figures derived earlier from Infracost's golden tests and the FOCUS sample's billing rows.

Why a frozen seed: those derivations (unit price = golden monthly cost / quantity, or a billing row's
ListUnitPrice) are done once; the goldens are pinned to a commit and do not change. The seed keeps
each row's own source record (URL, commit, sha256), and ranks below every feed, so a seed figure
is used only for a slot no public price feed covers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from finguard.pricing.build.base import DERIVED, Adapter, AdapterReport, FeedRow, attrs, decimal_price
from finguard.pricing.snapshot import SourceRecord

SEED_DIR = Path(__file__).resolve().parents[4] / "pricing_data" / "seed"


class DerivedSeed(Adapter):
    id = "derived-seed"
    rank = DERIVED
    description = "golden- and billing-derived figures (pricing_data/seed), each with its own source"

    def __init__(self, seed_dir: Path = SEED_DIR) -> None:
        self.seed_dir = seed_dir

    def available(self, shared: Path) -> bool:
        return (self.seed_dir / "derived.jsonl").exists()

    def sources(self, shared: Path, retrieved: str) -> list[SourceRecord]:
        records = json.loads((self.seed_dir / "sources.json").read_text(encoding="utf-8"))
        return [SourceRecord.model_validate(r) for r in records]

    def rows(self, shared: Path, report: AdapterReport) -> Iterable[FeedRow]:
        text = (self.seed_dir / "derived.jsonl").read_text(encoding="utf-8")
        for lineno, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            report.read += 1
            record = json.loads(line)
            usd = decimal_price(record["usd"])
            if usd is None:
                report.reject("price is not a non-negative number", f"line {lineno}")
                continue
            yield FeedRow(record["provider"], record["service"], record["region"], attrs(record["attributes"]),
                          record["unit"], usd, record["source"], float(record.get("begin_range") or 0.0),
                          record.get("end_range"))
