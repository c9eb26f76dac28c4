"""Elastic IP addresses associated with nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from finguard.waste.detections import Candidate, Context, Detection, DetectionSettings, Example, monthly
from finguard.waste.detections._common import cli, name_of

if TYPE_CHECKING:
    from finguard.waste.inventory import RegionInventory


class IdleIp(Detection):
    """An Elastic IP address with no association (no instance, no network interface, so no NAT gateway or load
    balancer either). Since February 2024 AWS bills every public IPv4 address by the hour, idle ones included.
    Fix: release it. Saves the idle address's hourly price for the month. describe-addresses gives no
    allocation time, so the billing store's idle-address hours (when given) are the evidence of how long."""

    kind = "idle-ip"
    rank = 30
    title = "Idle Elastic IP address"
    resource_type = "elastic-ip"
    needs = ("addresses",)
    Settings = DetectionSettings
    examples = (
        Example("an address associated with nothing", {"ec2-describe-addresses": {"Addresses": [
            {"AllocationId": "eipalloc-0aaa", "PublicIp": "198.51.100.7", "Domain": "vpc"}]}},
            flags=("eipalloc-0aaa",)),
        Example("addresses of an instance and of a NAT gateway's interface", {"ec2-describe-addresses": {
            "Addresses": [
                {"AllocationId": "eipalloc-0bbb", "PublicIp": "198.51.100.8", "AssociationId": "eipassoc-1",
                 "InstanceId": "i-0abc", "Domain": "vpc"},
                {"AllocationId": "eipalloc-0ccc", "PublicIp": "198.51.100.9", "AssociationId": "eipassoc-2",
                 "NetworkInterfaceId": "eni-0abc", "Domain": "vpc"}]}}, flags=()),
    )

    def detect(self, region: RegionInventory, ctx: Context) -> Iterator[Candidate]:
        for a in region.addresses:
            if a.association_id or a.instance_id or a.eni_id:
                continue
            cost = ctx.pricer.idle_address(a.region)
            evidence = [f"{a.public_ip or a.id} is associated with no instance or network interface: "
                        f"{monthly(cost.monthly)} as an idle public IPv4 address"]
            billed = ctx.billed(a.allocation_id, a.public_ip)
            idle_hours = billed.quantity("IdleAddress") if billed else None
            if billed and idle_hours:
                evidence.append(f"billed {idle_hours:,.0f} idle-address hours in the last {billed.days} days")
            command = cli("aws", "ec2", "release-address", "--region", a.region, "--allocation-id", a.allocation_id) \
                if a.allocation_id else cli("aws", "ec2", "release-address", "--region", a.region, "--public-ip",
                                            a.public_ip or "")
            yield Candidate(
                kind=self.kind, resource_id=a.id, region=a.region, resource_type=self.resource_type,
                evidence=evidence, confidence="high", savings=cost, monthly_cost=cost, action="release",
                command=command, terraform_types=("aws_eip",), name=name_of(a.tags), tags=a.tags,
                billing_ids=[i for i in (a.allocation_id, a.public_ip) if i],
                facts={"public_ip": a.public_ip, "idle_hours_billed": idle_hours})
