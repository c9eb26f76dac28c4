"""Amazon API Gateway from aws-price-watcher's `processed/apigateway.json`: REST API calls (4 volume
tiers), HTTP API requests (2 tiers), WebSocket messages (2 tiers) and connection minutes, USD per
request / message / minute as the old snapshot rows (the models price millions with a price factor).

Tier bounds from the keys: REST first 333M, next 667M, next 19B, over 20B; HTTP first 300M; WebSocket
first 1B. Caching (billed on the stage) is not modelled.
"""

from __future__ import annotations

from finguard.pricing.build.adapters._price_watcher import PriceWatcherAdapter, Reasons, Target, target

SERVICE = "AmazonApiGateway"
M = 1e6
B = 1e9


def _calls(usagetype: str, begin: float, end: float | None) -> Target:
    return target(SERVICE, "Requests", begin=begin, end=end, productFamily="API Calls", usagetype=usagetype)


def _websocket(usagetype: str, unit: str, begin: float = 0.0, end: float | None = None) -> Target:
    return target(SERVICE, unit, begin=begin, end=end, productFamily="WebSocket", usagetype=usagetype)


class AwsPriceWatcherApigateway(PriceWatcherAdapter):
    id = "aws-price-watcher-apigateway"
    files = ("apigateway.json",)
    description = "Amazon API Gateway REST/HTTP requests and WebSocket messages/minutes (pricing-page feed)"
    targets = {
        "API Calls Number of up to 333 million": _calls("ApiGatewayRequest", 0.0, 333 * M),
        "API Calls Number of Request Next 667 million": _calls("ApiGatewayRequest", 333 * M, 1 * B),
        "API Calls Number of Request Next 19 billion": _calls("ApiGatewayRequest", 1 * B, 20 * B),
        "API Calls Number of Request Over 20 billion": _calls("ApiGatewayRequest", 20 * B, None),
        "ApiGatewayHttpApi First 300 million": _calls("ApiGatewayHttpRequest", 0.0, 300 * M),
        "ApiGatewayHttpApi more than 300 million": _calls("ApiGatewayHttpRequest", 300 * M, None),
        "WebSocket Messages Messages first 1 billion": _websocket("ApiGatewayMessage", "Messages", 0.0, 1 * B),
        "WebSocket Messages Messages over 1 billion": _websocket("ApiGatewayMessage", "Messages", 1 * B, None),
        "WebSocket Connection Minutes": _websocket("ApiGatewayMinute", "Minutes"),
    }
    reasons = Reasons((r"^Caching Memory Size", "stage cache: not modelled"))
