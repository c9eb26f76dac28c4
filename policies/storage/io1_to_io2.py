"""io1 volumes, where io2 costs the same per GB-month and per IOPS and is 100 times as durable."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from finguard.policy.api import Example, PolicyContext, PolicyResource, Violation, money, policy

from . import _volumes as h

IO2_TIER = Decimal(32000)  # io2 IOPS are cheaper above 32,000 and again above 64,000


def _ebs_iops(ctx: PolicyContext, usagetype: str, volume_type: str, region: str | None) -> Decimal | None:
    return h.catalog_price(ctx, "AmazonEC2", region, {"productFamily": "System Operation",
                                                      "volumeApiName": volume_type, "usagetype": usagetype})


def _iops_delta(ctx: PolicyContext, volume: Any, region: str | None) -> Decimal | None:
    """io2 minus io1 monthly IOPS cost (RDS prices provisioned IOPS alike for both: 0)."""
    iops = volume.iops
    if iops is None:
        return None
    if volume.rds:
        return Decimal(0)
    io1 = _ebs_iops(ctx, "EBS:VolumeP-IOPS.piops", "io1", region)
    tiers = [(min(iops, IO2_TIER), "EBS:VolumeP-IOPS.io2"),
             (min(max(iops - IO2_TIER, Decimal(0)), IO2_TIER), "EBS:VolumeP-IOPS.io2.tier2"),
             (max(iops - 2 * IO2_TIER, Decimal(0)), "EBS:VolumeP-IOPS.io2.tier3")]
    io2_cost = Decimal(0)
    for quantity, usagetype in tiers:
        if quantity > 0:
            price = _ebs_iops(ctx, usagetype, "io2", region)
            if price is None:
                return None
            io2_cost += quantity * price
    return None if io1 is None else io2_cost - iops * io1


@policy(
    id="FG-STO-002",
    title="io1 volume instead of io2",
    severity="low",
    resource_types=h.RESOURCE_TYPES,
    remediation="Set the volume type to io2 (type, volume_type or storage_type); EBS changes it in place, and "
                "io2 IOPS above 32,000 are cheaper.",
    examples=[
        Example(fails=True, hcl='''
resource "aws_ebs_volume" "db" {
  availability_zone = "us-east-1a"
  size              = 100
  type              = "io1"
  iops              = 5000
}'''),
        Example(fails=True, note="an RDS instance with iops and no storage_type gets io1", hcl='''
resource "aws_db_instance" "app" {
  engine            = "postgres"
  instance_class    = "db.m6i.large"
  allocated_storage = 200
  iops              = 3000
}'''),
        Example(fails=False, hcl='''
resource "aws_ebs_volume" "db" {
  availability_zone = "us-east-1a"
  size              = 100
  type              = "io2"
  iops              = 5000
}'''),
    ],
)
def io1_to_io2(resource: PolicyResource, ctx: PolicyContext) -> Iterator[Violation]:
    """Anti-pattern: io1 for new volumes: 99.8-99.9% annual durability at the same price as io2's 99.999%.
    Best practice: io2 (Block Express on Nitro instances) for every provisioned-IOPS volume. The difference
    shown is size x (io2 - io1 per GB-month) plus the IOPS cost difference, io2 priced in its tiers."""
    for volume in h.volumes(resource):
        if volume.volume_type != "io1":
            continue
        io1 = h.gb_month(ctx, volume, "io1", resource.region)
        io2 = h.gb_month(ctx, volume, "io2", resource.region)
        iops_delta = _iops_delta(ctx, volume, resource.region)
        per = " per instance" if volume.per_instance else ""
        delta: Decimal | None = None
        if io1 is None or io2 is None or (volume.iops is not None and iops_delta is None):
            price = f"price unknown in {resource.region or 'an unknown region'}"
        elif volume.size is None or iops_delta is None:
            price = f"io2 is {h.unit_price(io2)} vs {h.unit_price(io1)} per GB-month (size or IOPS unknown)"
        else:
            delta = volume.size * (io2 - io1) + iops_delta
            if delta == 0:
                price = f"io2 costs the same ({money(delta)}/month)"
            elif delta < 0:
                price = f"io2 saves {money(-delta)}/month{per}"
            else:
                price = f"io2 costs {money(delta)}/month more{per}"
        yield Violation(f"{h.describe(volume)}: {price}, with 99.999% durability instead of io1's 99.8-99.9%",
                        monthly_cost_delta=delta)
