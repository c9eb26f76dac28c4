"""Amazon SQS request prices from aws-price-watcher's `processed/queueservice.json`, per request.

The keys' "Tier2"/"Tier3" are SQS's published monthly volume tiers (per account and region): the first
100 billion requests, the next 100 billion, then above 200 billion. The 1M-request free tier is not
attributed to one queue (rows start at 0, as the old snapshot's).
"""

from __future__ import annotations

from finguard.pricing.build.adapters._price_watcher import PriceWatcherAdapter, Reasons, Target, target

SERVICE = "AWSQueueService"
BILLION = 1e9
FIFO = "FIFO (first-in, first-out)"


def _requests(queue_type: str, begin: float, end: float | None) -> Target:
    return target(SERVICE, "Requests", begin=begin, end=end, productFamily="API Request", queueType=queue_type)


class AwsPriceWatcherQueueservice(PriceWatcherAdapter):
    id = "aws-price-watcher-queueservice"
    files = ("queueservice.json",)
    description = "Amazon SQS standard and FIFO requests with volume tiers (pricing-page feed)"
    targets = {
        "Standard per Requests": _requests("Standard", 0.0, 100 * BILLION),
        "Standard per Requests Tier2": _requests("Standard", 100 * BILLION, 200 * BILLION),
        "Standard per Requests Tier3": _requests("Standard", 200 * BILLION, None),
        "FIFO first-in first-out per Requests": _requests(FIFO, 0.0, 100 * BILLION),
        "FIFO first-in first-out per Requests Tier2": _requests(FIFO, 100 * BILLION, 200 * BILLION),
        "FIFO first-in first-out per Requests Tier3": _requests(FIFO, 200 * BILLION, None),
    }
    reasons = Reasons((r"Free tier", "account free tier (not attributed)"))
