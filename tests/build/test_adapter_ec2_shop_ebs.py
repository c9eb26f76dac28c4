"""ec2.shop ebs.json -> EBS storage, IOPS (io2 in three tiers), gp3 throughput, magnetic I/O and snapshots,
in exactly the slots `_ebs.volume_components` and `aws_ebs_snapshot` query."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from finguard.pricing.build.adapters.ec2_shop_ebs import INPUT, Ec2ShopEbs
from finguard.pricing.resources.aws import aws_ebs_snapshot
from finguard.pricing.resources.aws._ebs import volume_components
from finguard.pricing.resources.base import Component
from tests.build.price_watcher_support import close, find, price, run, run_real, write_json


def _p(usd: str | None) -> dict[str, str | None]:
    return {"rateCode": "X.JRTCKXETXF.6YS6EN2CT7", "price": usd}


VIRGINIA = {
    "Storage General Purpose GB Mo": _p("0.1000000000"),
    "Storage General Purpose gp2 GB Mo": _p("0.1000000000"),
    "Storage General Purpose gp3 GB Mo": _p("0.0800000000"),
    "Storage Provisioned IOPS io2 GB month": _p("0.1250000000"),
    "Provisioned EBS IOPS gp3 Volumes per IOPS Mo": _p("0.0050000000"),
    "Provisioned EBS IOPS io1 Volumes per IOPS Mo": _p("0.0650000000"),
    "Provisioned EBS IOPS io2 Volumes per IOPS Mo": _p("0.0650000000"),
    "Provisioned EBS IOPS Tier 2 io2 Volumes per IOPS Mo": _p("0.0455000000"),
    "Provisioned EBS IOPS Tier 3 io2 Volumes per IOPS Mo": _p("0.0318500000"),
    "Provisioned Throughput gp3 per GiBps mo": _p("40.9600000000"),
    "Provisioned EBS I O Requests standard Volumes per IOs": _p("0.0000000500"),
    "Storage Snapshot Amazon S3 GB Mo": _p("0.0500000000"),
    "Backup SGW Storage Snapshot Amazon S3 GB Mo": _p("0.0500000000"),
    # two spellings of one price that disagree: neither may reach the catalog
    "Storage Magnetic GB Mo": _p("0.0500000000"),
    "Storage Magnetic standard GB Mo": _p("0.0600000000"),
    "Storage Cold HDD sc1 GB Mo": _p(None),
    "Storage Quantum GB Mo": _p("1.0000000000"),
}
FEED = {"manifest": {"currencyCode": "USD"}, "sets": {}, "regions": {
    "US East (N. Virginia)": VIRGINIA,
    "US West (Los Angeles)": {"Storage General Purpose gp2 GB Mo": _p("0.1200000000"),
                              "Storage General Purpose gp3 GB Mo": _p("0.0960000000")},
    "Asia Pacific (KDDI) - Tokyo": {"Storage General Purpose gp2 GB Mo": _p("0.1500000000")},
}}


def _matching(rows: list, component: Component, region: str = "us-east-1") -> Decimal | None:
    """The price the catalog would answer for a model component (every filter equal)."""
    found = [r for r in rows if r.region == region and r.service == component.service
             and component.filters.items() <= dict(r.attributes).items()]
    assert len(found) <= 1, found
    return found[0].usd if found else None


def test_fixture_maps_every_modelled_key(tmp_path: Path) -> None:
    write_json(tmp_path, INPUT, FEED)
    rows, report = run(Ec2ShopEbs(), tmp_path)
    assert {r.region for r in rows} == {"us-east-1"}
    assert len(rows) == 11
    assert report.skipped == {"duplicate: another key prices the same slot identically": 1,
                              "local or wavelength zone": 3, "null price": 1,
                              "not modelled: Storage Gateway backup snapshots": 1,
                              "not modelled (no cost model queries this product)": 1}
    assert report.rejected == {"ambiguous: keys map to one slot with different prices": 2}
    assert price(rows, "us-east-1", volumeApiName="standard", productFamily="Storage") is None

    gp3 = find(rows, "us-east-1", productFamily="Provisioned Throughput")
    assert gp3 is not None and gp3.unit == "GiBps-mo" and gp3.usd == Decimal("40.96")
    assert dict(gp3.attributes) == {"productFamily": "Provisioned Throughput", "volumeApiName": "gp3",
                                    "usagetype": "EBS:VolumeP-Throughput.gp3"}
    storage = find(rows, "us-east-1", productFamily="Storage", volumeApiName="gp2")
    assert storage is not None and dict(storage.attributes) == {"productFamily": "Storage", "volumeApiName": "gp2"}
    assert storage.unit == "GB-Mo"


def test_rows_answer_the_volume_and_snapshot_models(tmp_path: Path) -> None:
    write_json(tmp_path, INPUT, FEED)
    rows, _ = run(Ec2ShopEbs(), tmp_path)
    gp3 = volume_components("gp3", 100, 4000, 250)
    assert [_matching(rows, c) for c in gp3] == [Decimal("0.08"), Decimal("0.005"), Decimal("40.96")]
    # the model turns the GiBps-month price into MiB/s: 40.96 / 1024 = 0.04
    assert _matching(rows, gp3[2]) * gp3[2].price_factor == Decimal("0.04")
    io2 = volume_components("io2", 100, 70000)
    assert [_matching(rows, c) for c in io2] == [Decimal("0.125"), Decimal("0.065"), Decimal("0.0455"),
                                                Decimal("0.03185")]
    io1 = volume_components("io1", 100, 1000)
    assert _matching(rows, io1[1]) == Decimal("0.065")
    magnetic_io = volume_components("standard", 10, usage={"monthly_standard_io_requests": 10**6})[1]
    assert _matching(rows, magnetic_io) * magnetic_io.price_factor == Decimal("0.05")
    snapshot = Component("snapshot", "GB", "AmazonEC2", aws_ebs_snapshot.FILTERS, Decimal(1))
    assert _matching(rows, snapshot) == Decimal("0.05")


@pytest.mark.shared
def test_real_feed_known_prices_on_three_continents() -> None:
    rows, report = run_real(Ec2ShopEbs())
    known = {  # (region, volume) -> $ per GB-month, AWS EBS pricing page
        ("us-east-1", "gp3"): "0.08", ("eu-west-1", "gp3"): "0.088", ("ap-southeast-2", "gp3"): "0.096",
        ("sa-east-1", "gp3"): "0.152", ("us-east-1", "gp2"): "0.10", ("eu-west-1", "gp2"): "0.11",
        ("sa-east-1", "gp2"): "0.19", ("ap-northeast-1", "io2"): "0.142", ("us-east-1", "st1"): "0.045",
        ("us-east-1", "sc1"): "0.015",
    }
    for (region, volume), usd in known.items():
        assert close(price(rows, region, productFamily="Storage", volumeApiName=volume), usd), (region, volume)
    assert close(price(rows, "eu-west-1", usagetype="EBS:VolumeP-IOPS.gp3"), "0.0055")
    assert close(price(rows, "ap-southeast-2", usagetype="EBS:VolumeP-Throughput.gp3"), "49.152")
    assert close(price(rows, "sa-east-1", usagetype="EBS:VolumeP-IOPS.piops"), "0.091")
    assert close(price(rows, "eu-central-1", usagetype="EBS:SnapshotUsage"), "0.054")
    assert price(rows, "sa-east-1", productFamily="Storage", volumeApiName="io2") is None  # not in the 2024 feed
    assert len({r.region for r in rows}) == 31
    assert report.skipped["local or wavelength zone"] > 100
    assert not report.rejected
