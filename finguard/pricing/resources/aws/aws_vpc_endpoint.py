"""aws_vpc_endpoint: Interface endpoints (hours per Availability Zone, data processed), Gateway Load
Balancer endpoints (hours, data processed). Gateway endpoints (S3, DynamoDB) are free.

An interface endpoint is billed per hour in each Availability Zone it has a network interface in: one
per subnet in `subnet_ids`. Its data processed is tiered (first 1 PB, next 4 PB, over 5 PB per month,
counted per account and region, applied to this endpoint alone).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from finguard.model import Resource
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, NoCost, is_unknown, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey

SERVICE = "AmazonVPC"
USAGETYPES = {
    "Interface": ("VpcEndpoint-Hours", "VpcEndpoint-Bytes"),
    "GatewayLoadBalancer": ("VpcEndpoint-GWLBE-Hours", "VpcEndpoint-GWLBE-Bytes"),
}


def _az_count(attrs: Attrs) -> tuple[Any, str | None]:
    subnets = attrs.get("subnet_ids")
    if is_unknown(subnets):
        return UNKNOWN, "subnet_ids known only after apply (one endpoint-hour per subnet's Availability Zone)"
    if isinstance(subnets, list) and subnets:
        return Decimal(len(subnets)), None
    return UNKNOWN, "no subnet_ids: the Availability Zones the endpoint is billed in are not in the plan"


class AwsVpcEndpoint(CostModel):
    resource_types = ("aws_vpc_endpoint",)
    usage_keys = {"monthly_data_processed_gb": UsageKey("GB", "data the endpoint processes per month")}

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        endpoint_type = attrs.get("vpc_endpoint_type", "Gateway")
        if endpoint_type == "Gateway":
            raise NoCost("gateway endpoints (S3, DynamoDB) have no hourly or data processing charge")
        data = usage_quantity(ctx.usage(resource), "monthly_data_processed_gb")
        if is_unknown(endpoint_type) or endpoint_type not in USAGETYPES:
            why = ("vpc_endpoint_type known only after apply" if is_unknown(endpoint_type)
                   else f"{endpoint_type} endpoints have no price in the snapshot")
            return [Component("Endpoint", "hours", SERVICE, {"productFamily": "VpcEndpoint", "usagetype": UNKNOWN},
                              Decimal(1), hourly=True, unknown_reason=why)]
        hours_type, bytes_type = USAGETYPES[endpoint_type]
        count, reason = (_az_count(attrs) if endpoint_type == "Interface" else (Decimal(1), None))
        label = "Endpoint (Interface, per Availability Zone)" if endpoint_type == "Interface" \
            else "Endpoint (GatewayLoadBalancer)"
        return [
            Component(label, "hours", SERVICE, {"productFamily": "VpcEndpoint", "usagetype": hours_type}, count,
                      hourly=True, unknown_reason=reason),
            Component("Data processed", "GB", SERVICE, {"productFamily": "VpcEndpoint", "usagetype": bytes_type},
                      data),
        ]
