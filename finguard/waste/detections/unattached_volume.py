"""Unattached EBS volumes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from finguard.waste.detections import Candidate, Context, Detection, DetectionSettings, Example, days_ago, monthly
from finguard.waste.detections._common import Days, cli, name_of, rounded, volume_spec

if TYPE_CHECKING:
    from finguard.waste.inventory import RegionInventory


class Settings(DetectionSettings):
    min_age_days: Days = 7  # a new volume may be about to be attached
    high_confidence_age_days: Days = 30


def _volume(volume_id: str, state: str, created_days_ago: float, attached: str | None = None,
            volume_type: str = "gp3", size: int = 100) -> dict[str, object]:
    return {"VolumeId": volume_id, "Size": size, "VolumeType": volume_type, "State": state,
            "AvailabilityZone": "us-east-1a", "CreateTime": days_ago(created_days_ago),
            "Attachments": [{"InstanceId": attached, "State": "attached", "VolumeId": volume_id}] if attached else []}


class UnattachedVolume(Detection):
    """A volume in state `available` (attached to no instance) created at least `min_age_days` ago. Fix: delete
    it (snapshot it first if its data may be needed). Saves its whole monthly cost: storage plus provisioned
    IOPS and throughput. Confidence is high once it is `high_confidence_age_days` old, medium before."""

    kind = "unattached-volume"
    rank = 10
    title = "Unattached EBS volume"
    resource_type = "ebs-volume"
    needs = ("volumes",)
    Settings = Settings
    examples = (
        Example("a 100 GiB gp3 volume detached for 40 days", {"ec2-describe-volumes": {"Volumes": [
            _volume("vol-0aaa", "available", 40)]}}, flags=("vol-0aaa",)),
        Example("an attached volume, and one created yesterday (may be about to be attached)",
                {"ec2-describe-volumes": {"Volumes": [_volume("vol-0bbb", "in-use", 90, attached="i-0abc"),
                                                      _volume("vol-0ccc", "available", 1)]}}, flags=()),
    )

    def detect(self, region: RegionInventory, ctx: Context) -> Iterator[Candidate]:
        s: Settings = ctx.settings
        for v in region.volumes:
            if v.state != "available" or v.attached_to:
                continue
            age = ctx.age_days(v.created)
            if age is not None and age < s.min_age_days:
                continue
            cost = ctx.pricer.volume(v.region, v.type, v.size_gb, v.iops, v.throughput)
            since = f"created {age:.0f} days ago" if age is not None else "creation time unknown"
            yield Candidate(
                kind=self.kind, resource_id=v.id, region=v.region, resource_type=self.resource_type,
                evidence=[f"state available (attached to no instance), {since}",
                          f"{volume_spec(v.type, v.size_gb, v.iops, v.throughput)}: {monthly(cost.monthly)}"],
                confidence="high" if age is not None and age >= s.high_confidence_age_days else "medium",
                savings=cost, monthly_cost=cost, action="delete",
                command=cli("aws", "ec2", "delete-volume", "--region", v.region, "--volume-id", v.id),
                terraform_types=("aws_ebs_volume",), name=name_of(v.tags), tags=v.tags, billing_ids=[v.id],
                facts={"state": v.state, "volume_type": v.type, "size_gb": v.size_gb, "age_days": rounded(age),
                       "snapshot_id": v.snapshot_id})

