"""A catalog compiled by an older finguard (schema 1: one flat prices table) is rebuilt in the current
layout on first use, and the slices `pricing sync` had refreshed are carried over, not lost."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from finguard.pricing.catalog import SCHEMA_VERSION, Catalog, ensure_compiled

V1_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sources (id TEXT PRIMARY KEY, kind TEXT NOT NULL, url TEXT, published TEXT, retrieved TEXT,
    sha256 TEXT, description TEXT, license TEXT);
CREATE TABLE prices (service TEXT NOT NULL, region TEXT NOT NULL, sku TEXT, attributes TEXT NOT NULL,
    unit TEXT NOT NULL, usd TEXT NOT NULL, begin_range REAL NOT NULL, end_range REAL, description TEXT,
    source_id TEXT NOT NULL);
"""


def test_schema_1_catalog_is_rebuilt_keeping_synced_slices(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(V1_SCHEMA)
        db.executemany("INSERT INTO meta VALUES (?, ?)", [("schema_version", "1"), ("snapshot_digest", "old"),
                                                          ("sync_AmazonEC2_ap-east-2", "2026-12-01")])
        db.execute("INSERT INTO sources (id, kind, url) VALUES ('aws-sync-ec2-ap-east-2', 'sync', 'https://x')")
        db.execute("INSERT INTO sources (id, kind) VALUES ('old-snapshot', 'snapshot')")
        db.execute("INSERT INTO prices VALUES ('AmazonEC2', 'ap-east-2', 'SKU1', ?, 'Hrs', '0.123', 0, NULL, "
                   "'synced m5.large', 'aws-sync-ec2-ap-east-2')",
                   ('{"instanceType":"m5.large","productFamily":"Compute Instance"}',))
        db.execute("INSERT INTO prices VALUES ('AmazonEC2', 'ap-east-2', NULL, '{}', 'Hrs', '9', 0, NULL, NULL, "
                   "'old-snapshot')")
    ensure_compiled(path)
    catalog = Catalog(path)
    assert catalog.meta["schema_version"] == SCHEMA_VERSION and catalog.meta["sync_AmazonEC2_ap-east-2"]
    match = catalog.lookup("AmazonEC2", "ap-east-2", {"productFamily": "Compute Instance", "instanceType": "m5.large"})
    assert match.found and str(match.unit_price) == "0.123" and match.prices[0].sku == "SKU1"
    assert catalog.source("aws-sync-ec2-ap-east-2") is not None and catalog.source("old-snapshot") is None
    # the old snapshot's rows are gone; the bundled snapshot prices eu-west-1 again
    assert catalog.lookup("AmazonEC2", "eu-west-1", {"productFamily": "Compute Instance",
                                                      "instanceType": "m5.large", "operatingSystem": "Linux",
                                                      "tenancy": "Shared", "preInstalledSw": "NA",
                                                      "capacitystatus": "Used",
                                                      "licenseModel": "No License required"}).found
