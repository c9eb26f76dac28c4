"""Instances stopped for weeks, still paying for their volumes and addresses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from finguard.waste.detections import Candidate, Context, Detection, DetectionSettings, Example, days_ago, monthly
from finguard.waste.detections._common import Days, cli, name_of, rounded, volume_spec
from finguard.waste.savings import ZERO, Priced

if TYPE_CHECKING:
    from finguard.waste.inventory import RegionInventory


class Settings(DetectionSettings):
    min_stopped_days: Days = 30


def _instance(instance_id: str, state: str, stopped_days: float | None, volume: str) -> dict[str, object]:
    reason = f"User initiated ({days_ago(stopped_days)[:19].replace('T', ' ')} GMT)" if stopped_days else ""
    return {"InstanceId": instance_id, "InstanceType": "m5.large", "State": {"Code": 80, "Name": state},
            "LaunchTime": days_ago(400), "StateTransitionReason": reason,
            "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"VolumeId": volume, "Status": "attached"}}]}


def _volumes(*ids: str) -> dict[str, object]:
    return {"Volumes": [{"VolumeId": v, "Size": 50, "VolumeType": "gp3", "State": "in-use",
                         "Attachments": [{"InstanceId": "i-x", "State": "attached"}]} for v in ids]}


class StoppedInstance(Detection):
    """An instance stopped for at least `min_stopped_days` (from the time in its StateTransitionReason; an
    instance whose reason gives no time is not judged). A stopped instance bills no compute, but its EBS
    volumes and its Elastic IPs keep billing. Fix: terminate it (keep an AMI or snapshot if it may be needed
    again). Saves its volumes' storage, IOPS and throughput and its addresses' public IPv4 hours."""

    kind = "stopped-instance"
    rank = 60
    title = "Instance stopped for weeks"
    resource_type = "ec2-instance"
    needs = ("instances", "volumes", "addresses")
    Settings = Settings
    examples = (
        Example("stopped 75 days ago with a 50 GiB volume", {
            "ec2-describe-instances": {"Reservations": [{"Instances": [_instance("i-0aaa", "stopped", 75, "vol-1")]}]},
            "ec2-describe-volumes": _volumes("vol-1"), "ec2-describe-addresses": {"Addresses": []}},
            flags=("i-0aaa",)),
        Example("stopped 3 days ago; running; stopped at an unknown time", {
            "ec2-describe-instances": {"Reservations": [{"Instances": [
                _instance("i-0bbb", "stopped", 3, "vol-2"), _instance("i-0ccc", "running", None, "vol-3"),
                _instance("i-0ddd", "stopped", None, "vol-4")]}]},
            "ec2-describe-volumes": _volumes("vol-2", "vol-3", "vol-4"), "ec2-describe-addresses": {"Addresses": []}},
            flags=()),
    )

    def detect(self, region: RegionInventory, ctx: Context) -> Iterator[Candidate]:
        s: Settings = ctx.settings
        volumes = {v.id: v for v in region.volumes}
        unknown = 0
        for inst in region.instances:
            if inst.state != "stopped":
                continue
            stopped = ctx.age_days(inst.stopped_since)
            if stopped is None:
                unknown += 1
                continue
            if stopped < s.min_stopped_days:
                continue
            cost: Priced = ZERO
            evidence = [f"stopped {stopped:.0f} days ago ({inst.type}); its volumes and addresses still bill"]
            for vid in inst.volume_ids:
                v = volumes.get(vid)
                if v is None:
                    cost = cost.plus(Priced(None, f"volume {vid} is not in the inventory"))
                    continue
                price = ctx.pricer.volume(v.region, v.type, v.size_gb, v.iops, v.throughput)
                cost = cost.plus(price)
                evidence.append(f"{vid} ({volume_spec(v.type, v.size_gb, v.iops, v.throughput)}): "
                                f"{monthly(price.monthly)}")
            addresses = [a for a in region.addresses if a.instance_id == inst.id]
            for a in addresses:
                price = ctx.pricer.attached_address(a.region)
                cost = cost.plus(price)
                evidence.append(f"Elastic IP {a.public_ip or a.id}: {monthly(price.monthly)}")
            yield Candidate(
                kind=self.kind, resource_id=inst.id, region=inst.region, resource_type=self.resource_type,
                evidence=evidence, confidence="high", savings=cost, monthly_cost=cost, action="terminate",
                command=cli("aws", "ec2", "terminate-instances", "--region", inst.region, "--instance-ids", inst.id),
                terraform_types=("aws_instance",), name=name_of(inst.tags), tags=inst.tags,
                billing_ids=[*inst.volume_ids, *(i for a in addresses for i in (a.allocation_id, a.public_ip) if i)],
                facts={"instance_type": inst.type, "stopped_days": rounded(stopped), "volume_ids": inst.volume_ids,
                       "addresses": [a.public_ip for a in addresses]})
        if unknown:
            ctx.notes.append(f"{region.region}: {unknown} stopped instance(s) not judged: their "
                             "StateTransitionReason gives no stop time")
