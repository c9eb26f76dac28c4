"""NAT gateways that move no traffic."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from finguard.waste.detections import (
    Candidate,
    Context,
    Detection,
    DetectionSettings,
    Example,
    MetricQuery,
    Series,
    days_ago,
    monthly,
    query,
)
from finguard.waste.detections._common import Amount, Days, cli, name_of, rounded

if TYPE_CHECKING:
    from finguard.waste.inventory import NatGateway, RegionInventory

DAY = 86400
GB = 1e9
# bytes through the gateway in both directions: out to the internet, and the replies that come back
TRAFFIC = ("BytesOutToDestination", "BytesInFromDestination")


class Settings(DetectionSettings):
    min_age_days: Days = 14
    max_gb: Amount = 0.1  # GB through the gateway in the lookback window still counted as idle


def _nat(nat_id: str, age: float = 300) -> dict[str, object]:
    return {"NatGatewayId": nat_id, "State": "available", "CreateTime": days_ago(age), "VpcId": "vpc-0abc",
            "SubnetId": "subnet-0abc", "ConnectivityType": "public",
            "NatGatewayAddresses": [{"AllocationId": f"eipalloc-{nat_id[4:]}", "PublicIp": "198.51.100.20"}]}


def _bytes(nat_id: str, per_day: float) -> tuple[Series, ...]:
    return tuple(Series("AWS/NATGateway", m, {"NatGatewayId": nat_id}, "Sum", DAY, [per_day] * 14) for m in TRAFFIC)


class IdleNatGateway(Detection):
    """An available NAT gateway created at least `min_age_days` ago through which at most `max_gb` GB passed in
    the lookback window (CloudWatch BytesOutToDestination + BytesInFromDestination), or, when CloudWatch was not
    read, whose bill shows gateway hours but no bytes processed. A gateway with neither source is not judged.
    Fix: delete it and release its Elastic IP. Saves the gateway's hourly charge and its public IPv4 address
    (data processing is charged per GB: an idle gateway bills none)."""

    kind = "idle-nat-gateway"
    rank = 50
    title = "Idle NAT gateway"
    resource_type = "nat-gateway"
    needs = ("nat_gateways",)
    metrics = "optional"
    Settings = Settings
    examples = (
        Example("a gateway that moved 40 MB in two weeks", {"ec2-describe-nat-gateways": {"NatGateways": [
            _nat("nat-0aaa")]}}, series=_bytes("nat-0aaa", 1.5e6), flags=("nat-0aaa",)),
        Example("a busy gateway, a new one and one without CloudWatch data", {
            "ec2-describe-nat-gateways": {"NatGateways": [_nat("nat-0bbb"), _nat("nat-0ccc", age=3),
                                                          _nat("nat-0ddd")]}},
            series=_bytes("nat-0bbb", 5e10) + _bytes("nat-0ccc", 0), flags=()),
    )

    def _queries(self, nat: NatGateway) -> list[MetricQuery]:
        return [query("AWS/NATGateway", m, {"NatGatewayId": nat.id}, "Sum", DAY) for m in TRAFFIC]

    def queries(self, region: RegionInventory, ctx: Context,
                listed: dict[tuple[str, str], list[dict[str, str]]] | None = None) -> list[MetricQuery]:
        return [q for nat in region.nat_gateways if nat.state == "available" for q in self._queries(nat)]

    def detect(self, region: RegionInventory, ctx: Context) -> Iterator[Candidate]:
        s: Settings = ctx.settings
        unjudged = 0
        for nat in region.nat_gateways:
            if nat.state != "available":
                continue
            age = ctx.age_days(nat.created)
            if age is not None and age < s.min_age_days:
                continue
            evidence: list[str] = []
            series = [self.series(region, q) for q in self._queries(nat)]
            traffic: float | None = None
            if all(x is not None for x in series):
                start = ctx.window_start
                traffic = sum(v for x in series if x for t, v in x.points if t >= start) / GB
                evidence.append(f"{traffic:,.3f} GB through it in the last {ctx.lookback_days} days (CloudWatch)")
            billed = ctx.billed(nat.id)
            hours = billed.quantity("NatGateway-Hours") if billed else None
            processed = (billed.quantity("NatGateway-Bytes") or 0.0) if billed else None
            if billed and hours:
                evidence.append(f"billed {hours:,.0f} gateway hours and {processed or 0:,.3f} GB processed in the last "
                                f"{billed.days} days")
            if traffic is not None:
                idle = traffic <= s.max_gb
            elif hours and processed is not None:
                idle = processed <= s.max_gb
            else:
                unjudged += 1
                continue
            if not idle:
                continue
            cost = ctx.pricer.nat_gateway(nat.region)
            for _ in nat.allocation_ids:
                cost = cost.plus(ctx.pricer.attached_address(nat.region))
            evidence.append(f"gateway hours{' and its public IPv4 address' if nat.allocation_ids else ''}: "
                            f"{monthly(cost.monthly)}")
            command = cli("aws", "ec2", "delete-nat-gateway", "--region", nat.region, "--nat-gateway-id", nat.id)
            for alloc in nat.allocation_ids:
                command += " && " + cli("aws", "ec2", "release-address", "--region", nat.region, "--allocation-id",
                                        alloc)
            yield Candidate(
                kind=self.kind, resource_id=nat.id, region=nat.region, resource_type=self.resource_type,
                evidence=evidence, confidence="high" if traffic is not None and (age or 0) >= ctx.lookback_days
                else "medium", savings=cost, monthly_cost=cost, action="delete", command=command,
                terraform_types=("aws_nat_gateway",), name=name_of(nat.tags), tags=nat.tags,
                billing_ids=[nat.id, *nat.allocation_ids],
                facts={"gb_in_window": rounded(traffic, 3), "connectivity": nat.connectivity, "age_days": rounded(age),
                       "allocation_ids": nat.allocation_ids})
        if unjudged:
            ctx.notes.append(f"{region.region}: {unjudged} NAT gateway(s) not judged: no CloudWatch series and no "
                             "billed NAT hours for them")
