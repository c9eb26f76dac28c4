"""EBS volume storage, provisioned IOPS and throughput, magnetic I/O and snapshot storage, from ec2.shop's
copy of the pricing-page feed `ebs.json` (July 2024, 31 regions).

Why these slots: they are exactly what `_ebs.volume_components` and `aws_ebs_snapshot` query. io2 IOPS
come in three usage types (first 32,000 IOPS, 32,001-64,000, above 64,000), each its own slot. gp3
throughput is priced per GiBps-month as in the price list (the model converts to MiB/s). Several
keys exist in two spellings ("Storage Cold HDD GB Mo" / "Storage Cold HDD sc1 GB Mo"); both map to
one slot and the second is counted as a duplicate.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from finguard.pricing.build.adapters._price_watcher import (
    EC2_SHOP_LICENSE,
    EC2_SHOP_URL,
    Reasons,
    Skip,
    Target,
    UniqueRows,
    ec2_shop_locations,
    feed_price,
    target,
)
from finguard.pricing.build.base import Adapter, AdapterReport, FeedRow

INPUT = "pricing/ec2-shop/data/ebs/ebs.json"
SERVICE = "AmazonEC2"


def _storage(volume: str) -> Target:
    return target(SERVICE, "GB-Mo", productFamily="Storage", volumeApiName=volume)


def _iops(volume: str, usagetype: str) -> Target:
    return target(SERVICE, "IOPS-Mo", productFamily="System Operation", volumeApiName=volume, usagetype=usagetype)


# feed key -> slot; each volume type's storage key may come without the type name too
STORAGE_KEYS = {
    "Storage General Purpose gp2 GB Mo": "gp2",
    "Storage General Purpose GB Mo": "gp2",
    "Storage General Purpose gp3 GB Mo": "gp3",
    "Storage Provisioned IOPS io1 GB Mo": "io1",
    "Storage Provisioned IOPS GB Mo": "io1",
    "Storage Provisioned IOPS io2 GB month": "io2",
    "Storage Throughput Optimized HDD st1 GB Mo": "st1",
    "Storage Throughput Optimized HDD GB Mo": "st1",
    "Storage Cold HDD sc1 GB Mo": "sc1",
    "Storage Cold HDD GB Mo": "sc1",
    "Storage Magnetic standard GB Mo": "standard",
    "Storage Magnetic GB Mo": "standard",
}
IOPS_KEYS = {
    "Provisioned EBS IOPS gp3 Volumes per IOPS Mo": ("gp3", "EBS:VolumeP-IOPS.gp3"),
    "Provisioned EBS IOPS io1 Volumes per IOPS Mo": ("io1", "EBS:VolumeP-IOPS.piops"),
    "Provisioned EBS IOPS Volumes per IOPS Mo": ("io1", "EBS:VolumeP-IOPS.piops"),
    "Provisioned EBS IOPS io2 Volumes per IOPS Mo": ("io2", "EBS:VolumeP-IOPS.io2"),
    "Provisioned EBS IOPS Tier 2 io2 Volumes per IOPS Mo": ("io2", "EBS:VolumeP-IOPS.io2.tier2"),
    "Provisioned EBS IOPS Tier 3 io2 Volumes per IOPS Mo": ("io2", "EBS:VolumeP-IOPS.io2.tier3"),
}
IO_REQUESTS = target(SERVICE, "IOs", productFamily="System Operation", volumeApiName="standard",
                     usagetype="EBS:VolumeIOUsage")
TARGETS = {
    **{key: _storage(volume) for key, volume in STORAGE_KEYS.items()},
    **{key: _iops(volume, usage) for key, (volume, usage) in IOPS_KEYS.items()},
    "Provisioned Throughput gp3 per GiBps mo": target(SERVICE, "GiBps-mo", productFamily="Provisioned Throughput",
                                                      volumeApiName="gp3", usagetype="EBS:VolumeP-Throughput.gp3"),
    "Provisioned EBS I O Requests standard Volumes per IOs": IO_REQUESTS,
    "Provisioned EBS I O Requests Volumes per IOs": IO_REQUESTS,
    "Storage Snapshot Amazon S3 GB Mo": target(SERVICE, "GB-Mo", productFamily="Storage Snapshot",
                                               usagetype="EBS:SnapshotUsage"),
}
REASONS = Reasons(
    (r"^Backup SGW ", "not modelled: Storage Gateway backup snapshots"),
    (r"SnapshotArchive", "not modelled: snapshot archive tier"),
    (r"Outpost", "not modelled: snapshots on Outposts"),
    (r"^Fast Snapshot Restore", "not modelled: fast snapshot restore"),
    (r"EBS direct APIs", "not modelled: EBS direct API requests"),
)


class Ec2ShopEbs(Adapter):
    id = "ec2-shop-ebs"
    inputs = (INPUT,)
    url = EC2_SHOP_URL
    published = "2024-07-18"
    license = EC2_SHOP_LICENSE
    description = ("EBS volume storage, provisioned IOPS/throughput, magnetic I/O and snapshot storage prices by "
                   "region, from the AWS pricing-page feed as saved by ec2.shop (data/ebs/ebs.json, 2024-07-18)")

    def rows(self, shared: Path, report: AdapterReport) -> Iterable[FeedRow]:
        feed = json.loads((shared / INPUT).read_text(encoding="utf-8"))
        unique = UniqueRows(report)
        for location, region, records in ec2_shop_locations(feed, report):
            for key, record in records.items():
                example = f"{key} @ {location}"
                slot = TARGETS.get(key) or REASONS.why(key)
                if isinstance(slot, Skip):
                    slot.count(report, example)
                    continue
                price = record.get("price") if isinstance(record, dict) else None
                usd = feed_price(price, report, example)
                if usd is not None:
                    unique.add(slot.row(region, usd, self.id), example)
        return unique.rows()
