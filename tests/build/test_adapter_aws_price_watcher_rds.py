"""aws-price-watcher rds-<engine>-ondemand.json -> RDS instance hours in aws_db_instance's vocabulary."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from finguard.pricing.build.adapters._price_watcher import FEED_DIR
from finguard.pricing.build.adapters.aws_price_watcher_rds import ENGINE_FILES, AwsPriceWatcherRds
from tests.build.price_watcher_support import answer, by_name, close, components, find, price, run, run_real, write_json

M6I = "(Instance Type: db.m6i.large, Memory: 8 GiB, vCPU: 2, Network Performance: Up to 12500 Megabit)"
MYSQL_SINGLE = "Database Instance MySQL No license required db m6i.large General purpose Single-AZ Current Generation"
MYSQL_MULTI = "Database Instance MySQL No license required db m6i.large General purpose Multi-AZ Current Generation"
M5_CURRENT = "Database Instance MySQL No license required db m5.large General purpose Single-AZ Current Generation"
M5_PREVIOUS = "Database Instance MySQL No license required db m5.large General purpose Single-AZ Previous Generation"
FEEDS = {
    "rds-mysql-ondemand.json": {
        MYSQL_SINGLE: {
            f"US East (N. Virginia) {M6I}": "0.1710000000",
            f"EU (Ireland) {M6I}": "0.1900000000",
            f"AWS GovCloud (US) {M6I}": "0.2050000000",
            f"US West (Los Angeles) {M6I}": "0.2000000000",  # Local Zone
            f"Asia Pacific (Tokyo) {M6I}": None,
            f"Asia Pacific (Sydney) {M6I}": "0.0000000000",
            f"Moon Base Alpha {M6I}": "0.3000000000",
            "EU (Frankfurt) (Instance Type: db.m6i.xlarge, Memory: 16 GiB)": "0.4000000000",  # class differs
            f"South America (Sao Paulo) {M6I}": "n/a",
        },
        MYSQL_MULTI: {f"US East (N. Virginia) {M6I}": "0.3420000000"},
        "Database Instance MySQL No license required db m6i.large General purpose Multi-AZ readable standbys "
        "Current Generation": {f"US East (N. Virginia) {M6I}": "0.5000000000"},
        # two spellings of one slot: they disagree in us-east-1 (ambiguous), agree in eu-west-1 (kept once)
        M5_CURRENT: {"US East (N. Virginia) (Instance Type: db.m5.large)": "0.1710000000",
                     "EU (Ireland) (Instance Type: db.m5.large)": "0.1900000000"},
        M5_PREVIOUS: {"US East (N. Virginia) (Instance Type: db.m5.large)": "0.1800000000",
                      "EU (Ireland) (Instance Type: db.m5.large)": "0.1900000000"},
        "-P9W6WBhvHe1S6fERCbEwWvt4WJPD9Wc3vul4ZSVYq4 V1": {"US West (Oregon)": "4.0320000000"},
        "Database Storage Single AZ General Purpose": {"US East (N. Virginia)": "0.1150000000"},
        "Any Year 1 Year 2 8 0": {"US East (N. Virginia)": "0.1000000000"},
        "Database Instance MySQL something new": {"US East (N. Virginia)": "1.0000000000"},
    },
    "rds-postgresql-ondemand.json": {
        "Database Instance PostgreSQL No license required db m6i.large General purpose Single-AZ Current "
        "Generation": {f"US East (N. Virginia) {M6I}": "0.1780000000"},
    },
    "rds-mariadb-ondemand.json": {},
    "rds-sqlserver-ondemand.json": {
        "Database Instance SQL Server Express License included db t3.micro General purpose Single-AZ Previous "
        "Generation": {"EU (Ireland) (Instance Type: db.t3.micro, Memory: 1 GiB, vCPU: 2)": "0.0230000000"},
    },
    "rds-oracle-ondemand.json": {
        "Database Instance Oracle Standard Two License included db t3.large General purpose Single-AZ Current "
        "Generation": {"US East (N. Virginia) (Instance Type: db.t3.large)": "0.3000000000"},
        "Database Instance Oracle Enterprise Bring your own license db t3.large General purpose Multi-AZ Current "
        "Generation": {"US East (N. Virginia) (Instance Type: db.t3.large)": "0.2720000000"},
        "Database Instance MySQL No license required db t3.large General purpose Single-AZ Current "
        "Generation": {"US East (N. Virginia) (Instance Type: db.t3.large)": "0.1360000000"},
        "Database Instance Oracle No license required db t3.large General purpose Single-AZ Current "
        "Generation": {"US East (N. Virginia) (Instance Type: db.t3.large)": "0.1360000000"},
    },
}


@pytest.fixture
def fixture_shared(tmp_path: Path) -> Path:
    for name, data in FEEDS.items():
        write_json(tmp_path, f"{FEED_DIR}/{name}", data)
    return tmp_path


def test_fixture_maps_instances_and_counts_the_rest(fixture_shared: Path) -> None:
    rows, report = run(AwsPriceWatcherRds(), fixture_shared)
    assert sorted((r.region, dict(r.attributes)["databaseEngine"], dict(r.attributes)["instanceType"],
                   dict(r.attributes)["deploymentOption"], str(r.usd)) for r in rows) == [
        ("eu-west-1", "MySQL", "db.m5.large", "Single-AZ", "0.1900000000"),
        ("eu-west-1", "MySQL", "db.m6i.large", "Single-AZ", "0.1900000000"),
        ("eu-west-1", "SQL Server", "db.t3.micro", "Single-AZ", "0.0230000000"),
        ("us-east-1", "MySQL", "db.m6i.large", "Multi-AZ", "0.3420000000"),
        ("us-east-1", "MySQL", "db.m6i.large", "Single-AZ", "0.1710000000"),
        ("us-east-1", "Oracle", "db.t3.large", "Multi-AZ", "0.2720000000"),
        ("us-east-1", "Oracle", "db.t3.large", "Single-AZ", "0.3000000000"),
        ("us-east-1", "PostgreSQL", "db.m6i.large", "Single-AZ", "0.1780000000"),
        ("us-gov-west-1", "MySQL", "db.m6i.large", "Single-AZ", "0.2050000000"),
    ]
    assert all(r.service == "AmazonRDS" and r.unit == "Hrs" for r in rows)
    assert report.read == 25
    assert report.skipped == {
        "local or wavelength zone": 1, "unknown location": 1, "null price": 1, "zero price (taken as missing)": 1,
        "not modelled: Multi-AZ readable standbys (aws_db_instance asks Single-AZ or Multi-AZ)": 1,
        "duplicate: another key prices the same slot identically": 1,
        "opaque key (a feed set / regionless rate code: nothing says what it prices)": 1,
        "storage / IOPS / backup key: taken once from rds-storage.json (aws-price-watcher-rds-storage)": 1,
        "not modelled: RDS Extended Support": 1,
    }
    assert report.rejected == {
        "instance type in key and location differ": 1,
        "price is not a non-negative number": 1, "instance key in an unrecognised format": 1,
        "ambiguous: keys map to one slot with different prices": 2,
        "engine in the key is not the file's engine": 1, "edition or licence missing for an editioned engine": 1,
    }
    assert find(rows, "us-east-1", instanceType="db.m5.large") is None  # ambiguous: not picked


def test_editioned_engines_carry_edition_and_licence(fixture_shared: Path) -> None:
    rows, _ = run(AwsPriceWatcherRds(), fixture_shared)
    oracle = find(rows, "us-east-1", databaseEngine="Oracle", deploymentOption="Single-AZ")
    assert oracle is not None and dict(oracle.attributes) == {
        "productFamily": "Database Instance", "instanceType": "db.t3.large", "databaseEngine": "Oracle",
        "deploymentOption": "Single-AZ", "databaseEdition": "Standard Two", "licenseModel": "License included"}
    mysql = find(rows, "us-east-1", databaseEngine="MySQL", deploymentOption="Single-AZ")
    assert mysql is not None and set(dict(mysql.attributes)) == {
        "productFamily", "instanceType", "databaseEngine", "deploymentOption"}


@pytest.mark.parametrize(("values", "region", "expected"), [
    ({"engine": "mysql", "instance_class": "db.m6i.large", "multi_az": False}, "us-east-1", "0.1710000000"),
    ({"engine": "mysql", "instance_class": "db.m6i.large", "multi_az": True}, "us-east-1", "0.3420000000"),
    ({"engine": "postgres", "instance_class": "db.m6i.large"}, "us-east-1", "0.1780000000"),
    ({"engine": "sqlserver-ex", "instance_class": "db.t3.micro"}, "eu-west-1", "0.0230000000"),
    ({"engine": "oracle-se2", "instance_class": "db.t3.large"}, "us-east-1", "0.3000000000"),
    ({"engine": "oracle-ee", "instance_class": "db.t3.large", "multi_az": True}, "us-east-1", "0.2720000000"),
    ({"engine": "oracle-se2", "instance_class": "db.t3.large", "license_model": "bring-your-own-license"},
     "us-east-1", None),
])
def test_rows_answer_the_db_instance_models_query(fixture_shared: Path, values: dict, region: str,
                                                  expected: str | None) -> None:
    rows, _ = run(AwsPriceWatcherRds(), fixture_shared)
    instance = by_name(components("aws_db_instance.db", {**values, "allocated_storage": 20}), "Database instance")
    assert answer(rows, instance, region) == (None if expected is None else Decimal(expected))


@pytest.mark.shared
def test_real_feed_known_prices_on_three_continents() -> None:
    rows, report = run_real(AwsPriceWatcherRds())
    mysql = {"productFamily": "Database Instance", "databaseEngine": "MySQL"}
    known = {  # MySQL db.t3.large Single-AZ, public list prices (May 2025)
        "us-east-1": "0.136", "eu-west-1": "0.144", "ap-southeast-2": "0.208", "sa-east-1": "0.28"}
    for region, usd in known.items():
        assert close(price(rows, region, instanceType="db.t3.large", deploymentOption="Single-AZ", **mysql), usd), \
            region
    assert close(price(rows, "us-east-1", instanceType="db.t3.large", deploymentOption="Multi-AZ", **mysql),
                 "0.272")
    assert close(price(rows, "us-east-1", instanceType="db.t3.large", deploymentOption="Single-AZ",
                       productFamily="Database Instance", databaseEngine="PostgreSQL"), "0.145")
    assert close(price(rows, "us-east-1", instanceType="db.m5.xlarge", deploymentOption="Single-AZ",
                       databaseEngine="SQL Server", databaseEdition="Enterprise", licenseModel="License included"),
                 "2.336")
    assert close(price(rows, "us-east-1", instanceType="db.t3.large", deploymentOption="Single-AZ",
                       databaseEngine="Oracle", databaseEdition="Standard Two", licenseModel="License included"),
                 "0.3")
    assert {r.region for r in rows} >= {"us-east-1", "eu-west-1", "ap-southeast-2", "sa-east-1", "us-gov-west-1"}
    assert {dict(r.attributes)["databaseEngine"] for r in rows} == set(ENGINE_FILES.values())
    assert len(rows) > 40000
    assert not report.rejected  # no ambiguous slot, no unknown location in this snapshot
    assert report.skipped["opaque key (a feed set / regionless rate code: nothing says what it prices)"] > 20000
