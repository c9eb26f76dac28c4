"""aws_api_gateway_rest_api: API calls per month (usage-based, tiered).

REST API requests are priced in tiers (first 333 million, next 667 million, next 19 billion, over 20
billion per month); the tiers count per account and region and are applied to this API's requests alone.
Caching (a stage's cache cluster) is billed on aws_api_gateway_stage, not here.
"""

from __future__ import annotations

from decimal import Decimal

from finguard.model import Resource
from finguard.pricing.resources.base import Attrs, Component, CostModel, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey

MILLION = Decimal(1_000_000)


class AwsApiGatewayRestApi(CostModel):
    resource_types = ("aws_api_gateway_rest_api",)
    usage_keys = {"monthly_requests": UsageKey("requests", "API calls the REST API receives per month")}

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        requests = usage_quantity(ctx.usage(resource), "monthly_requests")
        return [Component("Requests", "1M requests", "AmazonApiGateway",
                          {"productFamily": "API Calls", "usagetype": "ApiGatewayRequest"},
                          None if requests is None else requests / MILLION, price_factor=MILLION)]
