"""aws-price-watcher rds-storage.json -> RDS storage and provisioned IOPS in aws_db_instance's vocabulary,
plus the Aurora MySQL ("Any") standard storage and I/O that aws_rds_cluster asks for."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from finguard.pricing.build.adapters.aws_price_watcher_rds_storage import AwsPriceWatcherRdsStorage
from tests.build.price_watcher_support import answer, by_name, close, components, find, price, run_fixture, run_real

FEED = {
    "Database Storage Single AZ General Purpose": {"US East (N. Virginia)": "0.1150000000",
                                                   "EU (Ireland)": "0.1270000000",
                                                   "US West (Los Angeles)": "0.1380000000",
                                                   "Asia Pacific (Tokyo)": None},
    "Database Storage Multi AZ General Purpose": {"US East (N. Virginia)": "0.2300000000"},
    "Database Storage Single AZ General Purpose-GP3": {"US East (N. Virginia)": "0.1150000000"},
    "Database Storage Multi AZ General Purpose-GP3": {"US East (N. Virginia)": "0.2300000000"},
    "Database Storage Single AZ Provisioned IOPS": {"US East (N. Virginia)": "0.1250000000"},
    "Database Storage Multi AZ Provisioned IOPS-IO2": {"US East (N. Virginia)": "0.2500000000"},
    "Database Storage Single AZ Magnetic": {"US East (N. Virginia)": "0.1000000000", "Atlantis": "0.1"},
    "Provisioned IOPS Single AZ": {"US East (N. Virginia)": "0.1000000000"},
    "Provisioned IOPS Multi AZ": {"US East (N. Virginia)": "0.2000000000"},
    "Provisioned GP3 IOPS Single AZ": {"US East (N. Virginia)": "0.0200000000"},
    "Provisioned GP3 IOPS Multi AZ": {"US East (N. Virginia)": "0.0400000000", "EU (Ireland)": "-1"},
    "Database Storage Single AZ General Purpose-Aurora": {"South America (Sao Paulo)": "0.1900000000",
                                                          "US East (N. Virginia)": "0.1000000000"},
    # the Multi-AZ spelling of the same Aurora product: agrees in sa-east-1, is the only one in us-gov-east-1
    "Database Storage Multi AZ General Purpose-Aurora": {"South America (Sao Paulo)": "0.1900000000",
                                                         "AWS GovCloud (US-East)": "0.1300000000"},
    "System Operation": {"US East (N. Virginia)": "0.0000002000"},
    "Database Storage Multi AZ readable standbys General Purpose-GP3": {"US East (N. Virginia)": "0.3450000000"},
    "Database Storage Multi AZ SQL Server Mirror General Purpose": {"US East (N. Virginia)": "0.2300000000"},
    "Aurora MySQL Serverless": {"US East (N. Virginia)": "0.0600000000"},
    "Provisioned Throughput Single AZ": {"US East (N. Virginia)": "0.0800000000"},
    "Storage Snapshot": {"US East (N. Virginia)": "0.0950000000"},
    "System Operation Magnetic": {"US East (N. Virginia)": "0.0000001000"},
}


def test_fixture_maps_storage_iops_and_aurora_any(tmp_path: Path) -> None:
    rows, report = run_fixture(AwsPriceWatcherRdsStorage(), tmp_path, FEED)
    assert len(rows) == 16
    gp2 = find(rows, "us-east-1", volumeType="General Purpose", deploymentOption="Single-AZ")
    assert gp2 is not None and gp2.unit == "GB-Mo" and gp2.usd == Decimal("0.115")
    assert dict(gp2.attributes) == {"productFamily": "Database Storage", "volumeType": "General Purpose",
                                    "deploymentOption": "Single-AZ"}
    assert price(rows, "eu-west-1", volumeType="General Purpose", deploymentOption="Single-AZ") == Decimal("0.127")
    iops = find(rows, "us-east-1", usagetype="RDS:Multi-AZ-GP3-PIOPS")
    assert iops is not None and iops.unit == "IOPS-Mo" and dict(iops.attributes) == {
        "productFamily": "Provisioned IOPS", "deploymentOption": "Multi-AZ", "usagetype": "RDS:Multi-AZ-GP3-PIOPS"}
    aurora = find(rows, "sa-east-1", usagetype="Aurora:StorageUsage")
    assert aurora is not None and aurora.usd == Decimal("0.19") and dict(aurora.attributes)["databaseEngine"] == "Any"
    assert price(rows, "us-gov-east-1", usagetype="Aurora:StorageUsage") == Decimal("0.13")
    io = find(rows, "us-east-1", usagetype="Aurora:StorageIOUsage")
    assert io is not None and io.unit == "IOs" and io.usd == Decimal("0.0000002")
    assert report.read == 27
    assert report.skipped == {
        "local or wavelength zone": 1, "unknown location": 1, "null price": 1,
        "duplicate: another key prices the same slot identically": 1,
        "not modelled: Multi-AZ readable standbys (aws_db_instance asks Single-AZ or Multi-AZ)": 1,
        "not modelled: SQL Server Mirror deployment (aws_db_instance asks Multi-AZ)": 1,
        "Aurora product: taken from rds-aurora-storage.json (aws-price-watcher-aurora) or not modelled": 1,
        "not modelled: gp3 storage throughput": 1, "not modelled: RDS backup storage": 1,
        "not modelled: magnetic storage I/O requests": 1,
    }
    assert report.rejected == {"price is not a non-negative number": 1}


@pytest.mark.parametrize(("values", "expected"), [
    ({"storage_type": "gp2", "multi_az": False}, {"Storage (general purpose SSD, gp2)": "0.115"}),
    ({"storage_type": "gp2", "multi_az": True}, {"Storage (general purpose SSD, gp2)": "0.23"}),
    ({"storage_type": "gp3", "multi_az": True, "allocated_storage": 100, "iops": 4000},
     {"Storage (general purpose SSD, gp3)": "0.23", "Provisioned GP3 IOPS": "0.04"}),
    ({"storage_type": "gp3", "allocated_storage": 100, "iops": 4000},
     {"Storage (general purpose SSD, gp3)": "0.115", "Provisioned GP3 IOPS": "0.02"}),
    ({"iops": 1000}, {"Storage (provisioned IOPS SSD, io1)": "0.125", "Provisioned IOPS": "0.1"}),
    ({"storage_type": "io1", "iops": 1000, "multi_az": True},
     {"Storage (provisioned IOPS SSD, io1)": None, "Provisioned IOPS": "0.2"}),
    ({"storage_type": "io2", "iops": 1000, "multi_az": True},
     {"Storage (provisioned IOPS SSD, io2)": "0.25", "Provisioned IOPS": "0.2"}),
    ({"storage_type": "standard"}, {"Storage (magnetic)": "0.1"}),
])
def test_rows_answer_the_db_instance_storage_queries(tmp_path: Path, values: dict, expected: dict) -> None:
    rows, _ = run_fixture(AwsPriceWatcherRdsStorage(), tmp_path, FEED)
    parts = components("aws_db_instance.db", {"engine": "mysql", "instance_class": "db.t3.large",
                                              "allocated_storage": 20, **values})
    for name, usd in expected.items():
        assert answer(rows, by_name(parts, name), "us-east-1") == (None if usd is None else Decimal(usd)), name


def test_rows_answer_the_aurora_mysql_cluster_queries(tmp_path: Path) -> None:
    rows, _ = run_fixture(AwsPriceWatcherRdsStorage(), tmp_path, FEED)
    parts = components("aws_rds_cluster.c", {"engine": "aurora-mysql"})
    assert answer(rows, by_name(parts, "Storage"), "sa-east-1") == Decimal("0.19")
    assert answer(rows, by_name(parts, "I/O requests"), "us-east-1") == Decimal("0.0000002")


@pytest.mark.shared
def test_real_feed_known_prices_on_three_continents() -> None:
    rows, report = run_real(AwsPriceWatcherRdsStorage())
    gp2 = {"productFamily": "Database Storage", "volumeType": "General Purpose"}
    known = {"us-east-1": "0.115", "eu-west-1": "0.127", "ap-southeast-2": "0.138", "sa-east-1": "0.219"}
    for region, usd in known.items():
        assert close(price(rows, region, deploymentOption="Single-AZ", **gp2), usd), region
    assert close(price(rows, "us-east-1", deploymentOption="Multi-AZ", **gp2), "0.23")
    assert close(price(rows, "us-east-1", usagetype="RDS:PIOPS"), "0.1")
    assert close(price(rows, "us-east-1", usagetype="RDS:GP3-PIOPS"), "0.02")
    assert close(price(rows, "us-east-1", usagetype="RDS:Multi-AZ-GP3-PIOPS"), "0.04")
    assert close(price(rows, "sa-east-1", usagetype="Aurora:StorageUsage"), "0.19")
    assert close(price(rows, "sa-east-1", usagetype="Aurora:StorageIOUsage"), "0.00000028")
    assert len({r.region for r in rows}) >= 30
    assert not report.rejected
