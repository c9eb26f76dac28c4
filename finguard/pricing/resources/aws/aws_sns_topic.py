"""aws_sns_topic (standard topics): publish API requests, HTTP/HTTPS and email notifications, all from
usage (each 64 KB chunk of a publish is billed as one request). Deliveries to SQS and Lambda are free;
other delivery protocols are not modelled. Account-wide free tiers (1M publishes, 100,000 HTTP and
1,000 email notifications a month) are not attributed to one topic. FIFO topics are reported, not
priced (their publish and payload rates are not in the price data)."""

from __future__ import annotations

from decimal import Decimal

from finguard.model import Resource
from finguard.pricing.resources.aws.aws_sqs_queue import billed_requests
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, is_unknown, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey

SERVICE = "AmazonSNS"
MILLION = Decimal(1_000_000)


class AwsSnsTopic(CostModel):
    resource_types = ("aws_sns_topic",)
    usage_keys = {
        "monthly_requests": UsageKey("requests", "publish (and other API) requests per month"),
        "average_message_size_kb": UsageKey("KB", "average publish size: each 64 KB chunk is billed as a request"),
        "monthly_http_notifications": UsageKey("notifications", "deliveries to HTTP/HTTPS endpoints per month"),
        "monthly_email_notifications": UsageKey("notifications", "deliveries to email/email-JSON per month"),
    }

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        fifo = attrs.get("fifo_topic", False)
        if is_unknown(fifo) or fifo:
            reason = ("fifo_topic known only after apply" if is_unknown(fifo) else
                      "FIFO topic: its publish and payload rates are not in the price data")
            return [Component("Publish requests and payload", "1M requests", SERVICE, {"productFamily": UNKNOWN},
                              UNKNOWN, unknown_reason=reason)]
        usage = ctx.usage(resource)
        requests = billed_requests(usage)
        parts = [Component("API requests", "1M requests", SERVICE,
                           {"productFamily": "API Request", "usagetype": "Requests-Tier1"},
                           None if requests is None else requests / MILLION, price_factor=MILLION)]
        for key, label, usagetype in (("monthly_http_notifications", "HTTP/HTTPS notifications",
                                       "DeliveryAttempts-HTTP"),
                                      ("monthly_email_notifications", "Email notifications", "DeliveryAttempts-SMTP")):
            count = usage_quantity(usage, key)
            parts.append(Component(label, "1M notifications", SERVICE,
                                   {"productFamily": "Message Delivery", "usagetype": usagetype},
                                   None if count is None else count / MILLION, price_factor=MILLION))
        return parts
