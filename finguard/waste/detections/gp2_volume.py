"""gp2 volumes that gp3 would serve for less."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pydantic import Field

from finguard.waste.detections import Candidate, Context, Detection, DetectionSettings, Example, monthly
from finguard.waste.detections._common import cli, name_of

if TYPE_CHECKING:
    from finguard.waste.inventory import RegionInventory

GP3_IOPS = 3000  # included in every gp3 volume
GP3_THROUGHPUT = 125  # MiB/s included
GP2_IOPS_PER_GB, GP2_MIN_IOPS, GP2_MAX_IOPS = 3, 100, 16000
GP2_FULL_THROUGHPUT_GB = 170  # above it gp2 delivers up to 250 MiB/s


class Settings(DetectionSettings):
    match_performance: bool = Field(default=True, strict=True)  # provision gp3 IOPS/throughput to gp2's level


def gp3_equivalent(size_gb: int) -> tuple[int, int]:
    """(IOPS, MiB/s) a gp3 volume needs to match a gp2 volume of `size_gb`: gp2 gives 3 IOPS per GB (100 to
    16,000) and up to 250 MiB/s above 170 GB; gp3 includes 3,000 IOPS and 125 MiB/s."""
    iops = max(GP3_IOPS, min(max(GP2_MIN_IOPS, GP2_IOPS_PER_GB * size_gb), GP2_MAX_IOPS))
    throughput = 250 if size_gb > GP2_FULL_THROUGHPUT_GB else GP3_THROUGHPUT
    return iops, throughput


def _volume(volume_id: str, volume_type: str, size: int, state: str = "in-use") -> dict[str, object]:
    return {"VolumeId": volume_id, "Size": size, "VolumeType": volume_type, "State": state,
            "Attachments": [{"InstanceId": "i-0abc", "State": "attached"}] if state == "in-use" else []}


class Gp2Volume(Detection):
    """An attached gp2 volume (an unattached one is an unattached-volume finding: deleting it saves more). gp3
    costs less per GB-month and includes 3,000 IOPS and 125 MiB/s at any size. Fix: change the volume type to
    gp3 in place (no downtime), provisioning the IOPS and throughput gp2 gave at that size (`match_performance`:
    3 IOPS per GB up to 16,000, 250 MiB/s above 170 GB). Saves the difference; volumes where gp3 at gp2's
    performance would not cost less are not reported."""

    kind = "gp2-volume"
    rank = 100
    title = "gp2 volume (gp3 costs less)"
    resource_type = "ebs-volume"
    needs = ("volumes",)
    Settings = Settings
    examples = (
        Example("an attached 500 GiB gp2 volume", {"ec2-describe-volumes": {"Volumes": [
            _volume("vol-0aaa", "gp2", 500)]}}, flags=("vol-0aaa",)),
        Example("gp3 and io2 volumes, and an unattached gp2 volume (another kind)", {"ec2-describe-volumes": {
            "Volumes": [_volume("vol-0bbb", "gp3", 500), _volume("vol-0ccc", "io2", 500),
                        _volume("vol-0ddd", "gp2", 500, state="available")]}}, flags=()),
    )

    def detect(self, region: RegionInventory, ctx: Context) -> Iterator[Candidate]:
        s: Settings = ctx.settings
        for v in region.volumes:
            if v.type != "gp2" or v.state != "in-use":
                continue
            iops, throughput = gp3_equivalent(v.size_gb) if s.match_performance else (GP3_IOPS, GP3_THROUGHPUT)
            current = ctx.pricer.volume(v.region, "gp2", v.size_gb)
            proposed = ctx.pricer.volume(v.region, "gp3", v.size_gb, iops, throughput)
            savings = current.minus(proposed)
            if savings.monthly is not None and savings.monthly <= 0:
                continue
            extra = []
            if iops > GP3_IOPS:
                extra.append(f"{iops:,} IOPS")
            if throughput > GP3_THROUGHPUT:
                extra.append(f"{throughput} MiB/s")
            spec = f"gp3 with {' and '.join(extra)}" if extra else "gp3"
            command = ["aws", "ec2", "modify-volume", "--region", v.region, "--volume-id", v.id, "--volume-type", "gp3"]
            if iops > GP3_IOPS:
                command += ["--iops", str(iops)]
            if throughput > GP3_THROUGHPUT:
                command += ["--throughput", str(throughput)]
            yield Candidate(
                kind=self.kind, resource_id=v.id, region=v.region, resource_type=self.resource_type,
                evidence=[f"gp2, {v.size_gb:,} GiB attached to {', '.join(v.attached_to) or 'an instance'}: "
                          f"{monthly(current.monthly)}",
                          f"{spec} (the same performance): {monthly(proposed.monthly)}"],
                confidence="high", savings=savings, monthly_cost=current, action="modify", command=cli(*command),
                terraform_types=("aws_ebs_volume",), terraform_change='type = "gp3"', recommendation="gp3",
                name=name_of(v.tags), tags=v.tags, billing_ids=[v.id], billing_usage="VolumeUsage.gp2",
                facts={"size_gb": v.size_gb, "gp3_iops": iops, "gp3_throughput": throughput,
                       "attached_to": v.attached_to})
