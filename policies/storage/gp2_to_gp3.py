"""gp2 volumes, where gp3 costs less per GB-month and includes a fixed 3,000 IOPS / 125 MiB/s baseline."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from finguard.policy.api import Example, PolicyContext, PolicyResource, Violation, money, policy

from . import _volumes as h

GP3_BASELINE_IOPS = 3000
GP2_IOPS_PER_GB = 3
GP2_MAX_IOPS = 16000
GP2_FULL_THROUGHPUT_GB = 170  # above 170 GB gp2 delivers up to 250 MiB/s; gp3 includes 125 MiB/s


def _caveats(volume: Any) -> str:
    """What gp3 needs provisioned to match gp2 on large EBS volumes (not part of the saving shown)."""
    size = volume.size
    if size is None or volume.rds:
        return ""
    needs = []
    gp2_iops = min(size * GP2_IOPS_PER_GB, GP2_MAX_IOPS)
    if gp2_iops > GP3_BASELINE_IOPS:
        needs.append(f"{gp2_iops - GP3_BASELINE_IOPS:,.0f} more IOPS")
    if size > GP2_FULL_THROUGHPUT_GB:
        needs.append("up to 250 MiB/s")
    if not needs:
        return ""
    return f"; matching gp2 at this size takes {' and '.join(needs)} on gp3 (extra cost, not in this figure)"


@policy(
    id="FG-STO-001",
    title="gp2 volume instead of gp3",
    severity="low",
    resource_types=h.RESOURCE_TYPES,
    remediation="Set the volume type to gp3 (type, volume_type or storage_type); EBS changes it in place without "
                "downtime.",
    examples=[
        Example(fails=True, hcl='''
resource "aws_ebs_volume" "data" {
  availability_zone = "us-east-1a"
  size              = 500
  type              = "gp2"
}'''),
        Example(fails=True, note="gp2 is the default type of an EBS volume", hcl='''
resource "aws_ebs_volume" "data" {
  availability_zone = "us-east-1a"
  size              = 100
}'''),
        Example(fails=True, note="block devices of instances and launch templates", hcl='''
resource "aws_launch_template" "web" {
  instance_type = "t3.micro"
  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size = 30
      volume_type = "gp2"
    }
  }
}'''),
        Example(fails=False, hcl='''
resource "aws_ebs_volume" "data" {
  availability_zone = "us-east-1a"
  size              = 500
  type              = "gp3"
}'''),
        Example(fails=False, note="an unset root volume type comes from the AMI and is not judged", hcl='''
resource "aws_instance" "web" {
  instance_type = "t3.micro"
  root_block_device {
    volume_size = 20
  }
}'''),
    ],
)
def gp2_to_gp3(resource: PolicyResource, ctx: PolicyContext) -> Iterator[Violation]:
    """Anti-pattern: gp2 volumes, which cost 20% more than gp3 per GB-month in most regions and tie IOPS to
    size (3 IOPS per GB). Best practice: gp3 for general-purpose volumes, provisioning IOPS or throughput
    above its 3,000 IOPS / 125 MiB/s baseline only where needed. The saving shown is size x (gp2 - gp3
    price per GB-month) in the volume's region; for RDS it compares RDS storage prices. Assumption: a block
    device without volume_type is not judged (its type comes from the AMI)."""
    for volume in h.volumes(resource):
        if volume.volume_type != "gp2":
            continue
        gp2 = h.gb_month(ctx, volume, "gp2", resource.region)
        gp3 = h.gb_month(ctx, volume, "gp3", resource.region)
        per = " per instance" if volume.per_instance else ""
        if gp2 is None or gp3 is None:
            saving_text, delta = f"price unknown in {resource.region or 'an unknown region'}", None
        elif volume.size is None:
            saving_text, delta = (f"gp3 is {h.unit_price(gp3)} vs {h.unit_price(gp2)} per GB-month "
                                  "(size unknown, so no monthly figure)"), None
        else:
            delta = volume.size * (gp3 - gp2)
            if delta < 0:
                saving_text = (f"gp3 saves {money(-delta)}/month{per} ({volume.size:,} GB x "
                               f"({h.unit_price(gp2)} - {h.unit_price(gp3)}))")
            elif delta == 0:
                where = " on RDS" if volume.rds else ""
                saving_text = f"gp3 costs the same{where} here ({h.unit_price(gp3)}/GB-month)"
            else:
                saving_text = f"gp3 costs {money(delta)}/month more{per} here"
        baseline = "; gp3 includes 3,000 IOPS at any size" if volume.rds else _caveats(volume)
        yield Violation(f"{h.describe(volume)}: {saving_text}{baseline}", monthly_cost_delta=delta)
