"""aws-price-watcher rds-aurora-ondemand.json / rds-aurora-storage.json / rds-proxy.json -> Aurora instance
hours, Serverless v1/v2, storage, I/O and backup in the vocabulary of aws_rds_cluster(_instance)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from finguard.pricing.build.adapters._price_watcher import FEED_DIR
from finguard.pricing.build.adapters.aws_price_watcher_aurora import (
    INSTANCES,
    PROXY,
    STORAGE,
    AwsPriceWatcherAurora,
)
from tests.build.price_watcher_support import (
    answer,
    by_name,
    close,
    components,
    find,
    price,
    resource,
    run,
    run_real,
    write_json,
)

STANDARD = "[Database Instance Aurora MySQL No license required Memory optimized Single-AZ Current Generation]"
IO_OPT = ("[Database Instance Aurora MySQL No license required Aurora IO Optimization Mode Memory optimized Single-AZ "
          "Current Generation]")
PG_T3 = "[Database Instance Aurora PostgreSQL No license required General purpose Single-AZ Current Generation]"
INSTANCE_FEED = {
    f"{STANDARD} Database Instance Aurora MySQL No license required db r6g.large Memory optimized Single-AZ Current "
    "Generation": {"US East (N. Virginia) (Instance Type: db.r6g.large)": "0.2600000000",
                   "EU (Ireland) (Instance Type: db.r6g.large)": "0.2850000000",
                   "EU (Frankfurt) (Instance Type: db.r6g.xlarge)": "0.6200000000"},  # class differs from the key
    f"{IO_OPT} Database Instance Aurora MySQL No license required Aurora IO Optimization Mode db r6g.large Memory "
    "optimized Single-AZ Current Generation": {"US East (N. Virginia) (Instance Type: db.r6g.large)": "0.3380000000"},
    # a bare group key: only the locations name the class
    STANDARD: {"US East (N. Virginia) (Instance Type: db.r8g.large)": "0.2760000000",
               "US East (N. Virginia) (Instance Type: db.r7i.large)": "0.2900000000",
               "US East (N. Virginia)": "0.1000000000"},  # no class anywhere
    # two spellings joined by ";"
    f"{PG_T3} Database Instance Aurora PostgreSQL No license required db t3.medium General purpose Single-AZ Current "
    "Generation;Database Instance Aurora PostgreSQL No license required db t3.medium Single-AZ current-": {
        "Mexico (Central) (Instance Type: db.t3.medium)": "0.0860000000"},
    "Database Instance Aurora Something": {"US East (N. Virginia) (Instance Type: db.r6g.large)": "1.0"},
}
STORAGE_FEED = {
    "Aurora MySQL ServerlessV2": {"US East (N. Virginia)": "0.1200000000", "EU (Ireland)": "0.1400000000"},
    "Aurora PostgreSQL ServerlessV2 Aurora IO Optimization Mode": {"US East (N. Virginia)": "0.1600000000"},
    "Aurora MySQL Serverless": {"US East (N. Virginia)": "0.0600000000", "South America (Sao Paulo)": None},
    "Aurora PostgreSQL IO Optimized Aurora": {"US East (N. Virginia)": "0.2250000000"},
    "Database Storage DB Engine Aurora PostgreSQL General Purpose Aurora": {"US East (N. Virginia)": "0.1000000000"},
    "System Operation Aurora I O Operation": {"South America (Sao Paulo)": "0.0000002800"},
    "Storage Snapshot Aurora MySQL": {"US East (N. Virginia)": "0.0210000000"},
    "Any IO Optimized Aurora": {"US East (N. Virginia)": "0.2250000000"},
    "Aurora MySQL Data API requests 0 1000000": {"Any": "0.0000000000"},
    "Performance Insights Aurora MySQL ProvisionedFMR vCPU Months": {"US East (N. Virginia)": "1.5000000000"},
    "Any Year 3 13": {"US East (N. Virginia)": "0.1700000000"},
}
PROXY_FEED = {"RDSProxy Aurora MySQL Hrs": {"US East (N. Virginia)": "0.0150000000"}}


@pytest.fixture
def fixture_shared(tmp_path: Path) -> Path:
    for name, data in ((INSTANCES, INSTANCE_FEED), (STORAGE, STORAGE_FEED), (PROXY, PROXY_FEED)):
        write_json(tmp_path, f"{FEED_DIR}/{name}", data)
    return tmp_path


def test_fixture_maps_instances_serverless_storage(fixture_shared: Path) -> None:
    rows, report = run(AwsPriceWatcherAurora(), fixture_shared)
    instances = sorted((r.region, dict(r.attributes)["usagetype"], str(r.usd)) for r in rows
                       if dict(r.attributes)["productFamily"] == "Database Instance")
    assert instances == [
        ("eu-west-1", "InstanceUsage:db.r6g.large", "0.2850000000"),
        ("mx-central-1", "InstanceUsage:db.t3.medium", "0.0860000000"),
        ("us-east-1", "InstanceUsage:db.r6g.large", "0.2600000000"),
        ("us-east-1", "InstanceUsage:db.r7i.large", "0.2900000000"),
        ("us-east-1", "InstanceUsage:db.r8g.large", "0.2760000000"),
        ("us-east-1", "InstanceUsageIOOptimized:db.r6g.large", "0.3380000000"),
    ]
    row = find(rows, "us-east-1", usagetype="InstanceUsage:db.r6g.large")
    assert row is not None and row.unit == "Hrs" and dict(row.attributes) == {
        "productFamily": "Database Instance", "instanceType": "db.r6g.large", "databaseEngine": "Aurora MySQL",
        "usagetype": "InstanceUsage:db.r6g.large"}
    assert len(rows) == 6 + 8
    assert report.read == 23
    assert report.skipped == {
        "null price": 1,
        "not modelled: I/O-Optimized storage for databaseEngine Any (the model asks per engine)": 1,
        "not modelled: Data API requests": 1, "not modelled: Performance Insights": 1,
        "not modelled: Extended Support": 1, "not modelled: RDS Proxy (no cost model)": 1,
    }
    assert report.rejected == {"instance type in key and location differ": 1, "no instance type in key or location": 1,
                               "Aurora instance key in an unrecognised format": 1}


@pytest.mark.parametrize(("cluster", "instance", "region", "expected"), [
    ({"engine": "aurora-mysql"}, {"instance_class": "db.r6g.large"}, "us-east-1", "0.26"),
    ({"engine": "aurora-mysql", "storage_type": "aurora-iopt1"}, {"instance_class": "db.r6g.large"}, "us-east-1",
     "0.338"),
    ({"engine": "aurora-mysql"}, {"instance_class": "db.r8g.large"}, "us-east-1", "0.276"),
    ({"engine": "aurora-postgresql"}, {"instance_class": "db.t3.medium"}, "mx-central-1", "0.086"),
    ({"engine": "aurora-mysql"}, {"instance_class": "db.serverless"}, "eu-west-1", "0.14"),
    ({"engine": "aurora-postgresql", "storage_type": "aurora-iopt1"}, {"instance_class": "db.serverless"},
     "us-east-1", "0.16"),
])
def test_rows_answer_the_cluster_instance_queries(fixture_shared: Path, cluster: dict, instance: dict, region: str,
                                                  expected: str) -> None:
    rows, _ = run(AwsPriceWatcherAurora(), fixture_shared)
    parent = resource("aws_rds_cluster.c", {"cluster_identifier": "c", **cluster})
    values = {"cluster_identifier": "c", "engine": cluster["engine"], **instance}
    (part,) = components("aws_rds_cluster_instance.i", values, parent)
    assert answer(rows, part, region) == Decimal(expected)


def test_rows_answer_the_cluster_queries(fixture_shared: Path) -> None:
    rows, _ = run(AwsPriceWatcherAurora(), fixture_shared)
    pg = components("aws_rds_cluster.c", {"engine": "aurora-postgresql"})
    assert answer(rows, by_name(pg, "Storage"), "us-east-1") == Decimal("0.1")
    assert answer(rows, by_name(pg, "I/O requests"), "sa-east-1") == Decimal("0.00000028")
    mysql = components("aws_rds_cluster.c", {"engine": "aurora-mysql"})
    assert answer(rows, by_name(mysql, "Backup storage"), "us-east-1") == Decimal("0.021")
    assert answer(rows, by_name(mysql, "Storage"), "us-east-1") is None  # "Any": from rds-storage.json
    v1 = components("aws_rds_cluster.c", {"engine": "aurora-mysql", "engine_mode": "serverless"})
    assert answer(rows, by_name(v1, "Aurora Serverless v1"), "us-east-1") == Decimal("0.06")
    iopt = components("aws_rds_cluster.c", {"engine": "aurora-postgresql", "storage_type": "aurora-iopt1"})
    assert answer(rows, by_name(iopt, "Storage (I/O-Optimized)"), "us-east-1") == Decimal("0.225")


@pytest.mark.shared
def test_real_feed_known_prices_on_three_continents() -> None:
    rows, report = run_real(AwsPriceWatcherAurora())
    mysql = {"productFamily": "Database Instance", "databaseEngine": "Aurora MySQL"}
    known = {"us-east-1": "0.082", "eu-west-1": "0.088", "ap-southeast-2": "0.125", "sa-east-1": "0.168"}
    for region, usd in known.items():  # Aurora MySQL db.t3.medium
        assert close(price(rows, region, usagetype="InstanceUsage:db.t3.medium", **mysql), usd), region
    assert close(price(rows, "us-east-1", usagetype="InstanceUsage:db.r4.8xlarge", **mysql), "4.64")
    assert close(price(rows, "us-east-1", usagetype="InstanceUsage:db.t3.large", productFamily="Database Instance",
                       databaseEngine="Aurora PostgreSQL"), "0.164")
    assert close(price(rows, "us-east-1", usagetype="Aurora:ServerlessV2Usage", databaseEngine="Aurora MySQL"),
                 "0.12")
    assert close(price(rows, "us-east-1", usagetype="Aurora:ServerlessV2IOOptimizedUsage",
                       databaseEngine="Aurora MySQL"), "0.16")
    assert close(price(rows, "sa-east-1", usagetype="Aurora:BackupUsage", databaseEngine="Aurora MySQL"), "0.037")
    assert close(price(rows, "eu-west-1", usagetype="Aurora:IO-OptimizedStorageUsage",
                       databaseEngine="Aurora PostgreSQL"), "0.248")
    assert len({r.region for r in rows}) >= 30
    assert not report.rejected
