"""Amazon SNS (standard topics) from aws-price-watcher's `processed/sns.json`: publish requests per
request, HTTP/HTTPS and email deliveries per notification, as the old snapshot rows.

The flat "HTTP Notifications" / "SNS Email ..." keys are taken; the "HTTP 0 to 100000" / "SMTP 0 to
1000" variants are the account free tier, which is not attributed to one topic.
"""

from __future__ import annotations

from finguard.pricing.build.adapters._price_watcher import PriceWatcherAdapter, Reasons, target

SERVICE = "AmazonSNS"


class AwsPriceWatcherSns(PriceWatcherAdapter):
    id = "aws-price-watcher-sns"
    files = ("sns.json",)
    description = "Amazon SNS publishes and HTTP/email deliveries (pricing-page feed)"
    targets = {
        "Amazon SNS API Requests": target(SERVICE, "Requests", productFamily="API Request", usagetype="Requests-Tier1"),
        "HTTP Notifications": target(SERVICE, "Notifications", productFamily="Message Delivery",
                                     usagetype="DeliveryAttempts-HTTP"),
        "SNS Email and Email JSON Notifications": target(SERVICE, "Notifications", productFamily="Message Delivery",
                                                         usagetype="DeliveryAttempts-SMTP"),
    }
    reasons = Reasons(
        (r"^(HTTP|SMTP) \d+ to ", "free-tier split of a flat delivery price (the flat key is taken)"),
        (r"FIFO", "FIFO topics: not modelled"),
    )
