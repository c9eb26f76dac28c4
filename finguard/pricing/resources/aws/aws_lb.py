"""aws_lb / aws_alb: load balancer hours by type, plus capacity units (usage-based)."""

from __future__ import annotations

from decimal import Decimal

from finguard.model import Resource
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, is_unknown, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey

FAMILIES = {
    "application": ("Application load balancer", "Load Balancer-Application", "LCU"),
    "network": ("Network load balancer", "Load Balancer-Network", "NLCU"),
    "gateway": ("Gateway load balancer", "Load Balancer-Gateway", "GLCU"),
}


class AwsLb(CostModel):
    resource_types = ("aws_lb", "aws_alb")
    usage_keys = {"average_capacity_units": UsageKey(
        "capacity units", "average LCUs (NLCUs, GLCUs) used per hour: the largest of new connections, active "
                          "connections, processed bytes and rule evaluations, each over its LCU allowance")}

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        lb_type = attrs.get("load_balancer_type", "application")
        if is_unknown(lb_type):
            return [Component("Load balancer", "hours", "AWSELB", {"productFamily": UNKNOWN}, Decimal(1),
                              hourly=True, unknown_reason="load_balancer_type known only after apply")]
        if lb_type not in FAMILIES:
            raise ValueError(f"unknown load_balancer_type {lb_type!r}")
        label, family, lcu = FAMILIES[lb_type]
        return [
            Component(label, "hours", "AWSELB", {"productFamily": family, "usagetype": "LoadBalancerUsage"},
                      Decimal(1), hourly=True),
            Component(f"Capacity units ({lcu})", f"{lcu}-hours", "AWSELB",
                      {"productFamily": family, "usagetype": "LCUUsage"},
                      usage_quantity(ctx.usage(resource), "average_capacity_units"), hourly=True),
        ]
