"""Load balancers with no healthy targets, or no requests."""

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
    from finguard.waste.inventory import LoadBalancer, RegionInventory

DAY = 86400
# the CloudWatch count of work per load balancer type: requests (ALB), new flows (NLB); gateway LBs have none
WORK_METRIC = {"application": ("AWS/ApplicationELB", "RequestCount", "requests"),
               "network": ("AWS/NetworkELB", "NewFlowCount", "new flows")}


class Settings(DetectionSettings):
    min_age_days: Days = 14  # younger load balancers may still be being set up
    max_requests: Amount = 0  # requests (ALB) or new flows (NLB) in the lookback window still counted as idle


def _lb(name: str, kind: str = "app") -> dict[str, object]:
    return {"LoadBalancerArn": f"arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/{kind}/{name}/"
                               "50dc6c495c0c9188", "LoadBalancerName": name,
            "Type": "application" if kind == "app" else "network", "State": {"Code": "active"},
            "CreatedTime": days_ago(200)}


def _tg(name: str, lb: str) -> dict[str, object]:
    arn = f"arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/{name}/73e2d6bc24d8a067"
    return {"TargetGroupArn": arn, "TargetGroupName": name, "LoadBalancerArns": [_lb(lb)["LoadBalancerArn"]]}


def _health(*states: str) -> dict[str, object]:
    return {"TargetHealthDescriptions": [{"Target": {"Id": f"i-0{n:03d}", "Port": 80}, "TargetHealth": {"State": s}}
                                         for n, s in enumerate(states)]}


def _requests(name: str, per_day: float) -> Series:
    return Series("AWS/ApplicationELB", "RequestCount",
                  {"LoadBalancer": f"app/{name}/50dc6c495c0c9188"}, "Sum", DAY, [per_day] * 14)


class IdleLoadBalancer(Detection):
    """An active load balancer created at least `min_age_days` ago that either has no healthy target (no target
    group, no registered target, or every target unhealthy, unused or draining) while CloudWatch shows no more
    than `max_requests` requests (ALB) or new flows (NLB) in the lookback window (or CloudWatch was not read),
    or that served no more than `max_requests` in the window whatever its targets. Without CloudWatch, billing
    lines of load balancer hours with no capacity units (LCU) count as no requests. Fix: delete it. Saves its
    hourly charge (LCUs are charged by use: an idle one bills none)."""

    kind = "idle-load-balancer"
    rank = 40
    title = "Idle load balancer"
    resource_type = "load-balancer"
    needs = ("load_balancers", "target_groups")
    metrics = "optional"
    Settings = Settings
    examples = (
        Example("an ALB whose only target is unhealthy, and an NLB with no target group at all", {
            "elbv2-describe-load-balancers": {"LoadBalancers": [_lb("web-old"), _lb("tcp-old", "net")]},
            "elbv2-describe-target-groups": {"TargetGroups": [_tg("web-old-tg", "web-old")]}},
            target_health={"web-old-tg": _health("unhealthy")},
            flags=(_lb("web-old")["LoadBalancerArn"], _lb("tcp-old", "net")["LoadBalancerArn"])),
        Example("healthy targets but no request in 14 days", {
            "elbv2-describe-load-balancers": {"LoadBalancers": [_lb("web-quiet")]},
            "elbv2-describe-target-groups": {"TargetGroups": [_tg("web-quiet-tg", "web-quiet")]}},
            target_health={"web-quiet-tg": _health("healthy")}, series=(_requests("web-quiet", 0),),
            flags=(_lb("web-quiet")["LoadBalancerArn"],)),
        Example("a busy ALB with healthy targets, and an ALB without healthy targets that still serves requests "
                "(a redirect-only listener)", {
            "elbv2-describe-load-balancers": {"LoadBalancers": [_lb("web-busy"), _lb("redirect")]},
            "elbv2-describe-target-groups": {"TargetGroups": [_tg("web-busy-tg", "web-busy")]}},
            target_health={"web-busy-tg": _health("healthy", "healthy")},
            series=(_requests("web-busy", 120000), _requests("redirect", 3000)), flags=()),
    )

    def _work_query(self, lb: LoadBalancer, ctx: Context) -> MetricQuery | None:
        spec = WORK_METRIC.get(lb.type)
        if spec is None:
            return None
        return query(spec[0], spec[1], {"LoadBalancer": lb.metric_dimension}, "Sum", DAY)

    def queries(self, region: RegionInventory, ctx: Context,
                listed: dict[tuple[str, str], list[dict[str, str]]] | None = None) -> list[MetricQuery]:
        return [q for lb in region.load_balancers if lb.state == "active" and (q := self._work_query(lb, ctx))]

    def detect(self, region: RegionInventory, ctx: Context) -> Iterator[Candidate]:
        s: Settings = ctx.settings
        groups: dict[str, list] = {}
        for tg in region.target_groups:
            for arn in tg.load_balancer_arns:
                groups.setdefault(arn, []).append(tg)
        for lb in region.load_balancers:
            if lb.state != "active":
                continue
            age = ctx.age_days(lb.created)
            if age is not None and age < s.min_age_days:
                continue
            evidence: list[str] = []
            tgs = groups.get(lb.arn, [])
            no_healthy: bool | None = None
            if all(tg.targets is not None for tg in tgs):
                targets = [t for tg in tgs for t in tg.targets or []]
                healthy = [t for t in targets if t.state == "healthy"]
                no_healthy = not healthy
                if not tgs:
                    evidence.append("no target group forwards to it")
                elif not targets:
                    evidence.append(f"no target registered in its {len(tgs)} target group(s)")
                elif not healthy:
                    states = sorted({t.state for t in targets})
                    evidence.append(f"0 healthy of {len(targets)} target(s) ({', '.join(states)})")
            work = self._requests(region, lb, ctx)
            billed = ctx.billed(lb.arn)
            no_lcu = None
            if billed is not None and billed.quantity("LoadBalancerUsage"):
                lcu = billed.quantity("LCUUsage") or 0.0
                no_lcu = lcu == 0
                evidence.append(f"billed {billed.quantity('LoadBalancerUsage'):,.0f} load balancer hours and "
                                f"{lcu:,.1f} LCU-hours in the last {billed.days} days")
            if work is not None:
                evidence.append(f"{work[0]:,.0f} {work[1]} in the last {ctx.lookback_days} days (CloudWatch)")
            # no work served: CloudWatch when read, else the bill's LCU-hours; None when neither says
            no_work = (work[0] <= s.max_requests) if work is not None else no_lcu
            if not (no_work or (no_healthy and no_work is not False)):
                continue
            cost = ctx.pricer.load_balancer(lb.region, lb.type)
            evidence.append(f"{lb.type} load balancer hours: {monthly(cost.monthly)}")
            signals = sum(bool(x) for x in (no_healthy, no_work, no_lcu and work is not None))
            yield Candidate(
                kind=self.kind, resource_id=lb.arn, region=lb.region, resource_type=self.resource_type,
                evidence=evidence, confidence="high" if signals >= 2 else "medium", savings=cost,
                monthly_cost=cost, action="delete",
                command=cli("aws", "elbv2", "delete-load-balancer", "--region", lb.region, "--load-balancer-arn",
                            lb.arn),
                terraform_types=("aws_lb", "aws_alb"), arn=lb.arn, name=lb.name or name_of(lb.tags), tags=lb.tags,
                billing_ids=[lb.arn],
                facts={"type": lb.type, "target_groups": len(tgs), "no_healthy_targets": no_healthy,
                       "requests": work[0] if work else None, "age_days": rounded(age)})

    def _requests(self, region: RegionInventory, lb: LoadBalancer, ctx: Context) -> tuple[float, str] | None:
        """(requests or new flows in the window, what they are), or None when CloudWatch was not read for it."""
        q = self._work_query(lb, ctx)
        series = self.series(region, q) if q else None
        if series is None or q is None:
            return None
        start = ctx.window_start
        return sum(v for t, v in series.points if t >= start), WORK_METRIC[lb.type][2]
