"""aws_sqs_queue: requests from usage, at the standard or FIFO rate. Every 64 KB chunk of a payload is
billed as one request (`average_message_size_kb`). The account-wide free tier (1M requests a month)
is not attributed to one queue; volumes beyond 100 billion requests a month pay less (not in the data)."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from finguard.model import Resource
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, is_unknown, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey

SERVICE = "AWSQueueService"
MILLION = Decimal(1_000_000)
CHUNK_KB = Decimal(64)


def billed_requests(usage: dict, requests_key: str = "monthly_requests") -> Decimal | None:
    """Requests x 64 KB chunks per message (a 100 KB message is two requests)."""
    requests = usage_quantity(usage, requests_key)
    if requests is None:
        return None
    size = usage_quantity(usage, "average_message_size_kb")
    chunks = Decimal(1) if size is None or size <= 0 else (size / CHUNK_KB).to_integral_value(rounding=ROUND_CEILING)
    return requests * chunks


class AwsSqsQueue(CostModel):
    resource_types = ("aws_sqs_queue",)
    usage_keys = {
        "monthly_requests": UsageKey("requests", "API requests per month (send, receive, delete ...)"),
        "average_message_size_kb": UsageKey("KB", "average payload size: each 64 KB chunk is billed as a request"),
    }

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        fifo = attrs.get("fifo_queue", False)
        queue_type = UNKNOWN if is_unknown(fifo) else ("FIFO (first-in, first-out)" if fifo else "Standard")
        label = "?" if is_unknown(fifo) else ("FIFO" if fifo else "standard")
        requests = billed_requests(ctx.usage(resource))
        return [Component(f"Requests ({label})", "1M requests", SERVICE,
                          {"productFamily": "API Request", "queueType": queue_type},
                          None if requests is None else requests / MILLION, price_factor=MILLION,
                          unknown_reason="fifo_queue known only after apply" if is_unknown(fifo) else None)]
