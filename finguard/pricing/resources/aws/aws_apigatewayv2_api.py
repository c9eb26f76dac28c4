"""aws_apigatewayv2_api: HTTP APIs (requests) and WebSocket APIs (messages and connection minutes).

All usage-based. HTTP API requests are metered in 512 KB increments (a 1 MB request counts twice) and
priced in two tiers (first 300 million, then above); WebSocket messages are metered in 32 KB increments
and priced in two tiers (first billion, then above), plus connection minutes. Tiers count per account
and region and are applied to this API alone.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from typing import Any

from finguard.model import Resource
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, is_unknown, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey

SERVICE = "AmazonApiGateway"
MILLION = Decimal(1_000_000)
HTTP_METERING_KB = Decimal(512)
WEBSOCKET_METERING_KB = Decimal(32)


def _billable(count: Decimal | None, size_kb: Decimal | None, increment: Decimal) -> Decimal | None:
    """Metered units: each request/message counts once per started `increment` KB."""
    if count is None:
        return None
    if size_kb is None or size_kb <= increment:
        return count
    return count * (size_kb / increment).to_integral_value(rounding=ROUND_CEILING)


def _millions(value: Decimal | None) -> Decimal | None:
    return None if value is None else value / MILLION


class AwsApigatewayv2Api(CostModel):
    resource_types = ("aws_apigatewayv2_api",)
    usage_keys = {
        "monthly_requests": UsageKey("requests", "requests an HTTP API receives per month"),
        "request_size_kb": UsageKey("KB", "average HTTP API request size (metered in 512 KB increments)"),
        "monthly_messages": UsageKey("messages", "messages a WebSocket API sends and receives per month"),
        "message_size_kb": UsageKey("KB", "average WebSocket message size (metered in 32 KB increments)"),
        "monthly_connection_minutes": UsageKey("minutes", "WebSocket connection minutes per month"),
    }

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        usage: dict[str, Any] = ctx.usage(resource)
        protocol = attrs.get("protocol_type")
        if is_unknown(protocol) or protocol is None:
            why = "known only after apply" if is_unknown(protocol) else "not in the plan"
            return [Component("Requests", "1M requests", SERVICE, {"productFamily": UNKNOWN}, None,
                              unknown_reason=f"protocol_type (HTTP or WEBSOCKET) {why}")]
        if protocol == "HTTP":
            requests = _billable(usage_quantity(usage, "monthly_requests"), usage_quantity(usage, "request_size_kb"),
                                 HTTP_METERING_KB)
            return [Component("Requests", "1M requests", SERVICE,
                              {"productFamily": "API Calls", "usagetype": "ApiGatewayHttpRequest"},
                              _millions(requests), price_factor=MILLION)]
        if protocol == "WEBSOCKET":
            messages = _billable(usage_quantity(usage, "monthly_messages"), usage_quantity(usage, "message_size_kb"),
                                 WEBSOCKET_METERING_KB)
            minutes = usage_quantity(usage, "monthly_connection_minutes")
            return [
                Component("Messages", "1M messages", SERVICE,
                          {"productFamily": "WebSocket", "usagetype": "ApiGatewayMessage"},
                          _millions(messages), price_factor=MILLION),
                Component("Connection duration", "1M minutes", SERVICE,
                          {"productFamily": "WebSocket", "usagetype": "ApiGatewayMinute"},
                          _millions(minutes), price_factor=MILLION),
            ]
        raise ValueError(f"unknown protocol_type {protocol!r}")
