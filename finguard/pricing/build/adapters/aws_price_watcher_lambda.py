"""AWS Lambda list prices from aws-price-watcher's `processed/lambda.json` (the pricing page's feed).

Requests are per request, duration and storage per GB-second, as the old snapshot rows. The feed names
duration tiers "Tier2"/"Tier3" without their bounds: they are Lambda's published volume tiers per
account and region (x86: 6B and 15B GB-seconds a month; Arm: 7.5B and 18.75B).
"""

from __future__ import annotations

from finguard.pricing.build.adapters._price_watcher import PriceWatcherAdapter, Reasons, Target, target

SERVICE = "AWSLambda"
GB_S = "Lambda-GB-Second"


def _serverless(group: str, usagetype: str, unit: str = GB_S, begin: float = 0.0, end: float | None = None) -> Target:
    return target(SERVICE, unit, begin=begin, end=end, productFamily="Serverless", group=group, usagetype=usagetype)


class AwsPriceWatcherLambda(PriceWatcherAdapter):
    id = "aws-price-watcher-lambda"
    files = ("lambda.json",)
    description = "AWS Lambda requests, duration tiers, ephemeral storage, provisioned concurrency (pricing-page feed)"
    targets = {
        "Lambda Requests": _serverless("AWS-Lambda-Requests", "Request", "Requests"),
        "Lambda Requests-ARM": _serverless("AWS-Lambda-Requests-ARM", "Request-ARM", "Requests"),
        "Lambda Duration": _serverless("AWS-Lambda-Duration", "Lambda-GB-Second", end=6e9),
        "Lambda Duration Tier2": _serverless("AWS-Lambda-Duration", "Lambda-GB-Second", begin=6e9, end=15e9),
        "Lambda Duration Tier3": _serverless("AWS-Lambda-Duration", "Lambda-GB-Second", begin=15e9),
        "Lambda Duration-ARM": _serverless("AWS-Lambda-Duration-ARM", "Lambda-GB-Second-ARM", end=7.5e9),
        "Lambda Duration-ARM Tier2": _serverless("AWS-Lambda-Duration-ARM", "Lambda-GB-Second-ARM",
                                                 begin=7.5e9, end=18.75e9),
        "Lambda Duration-ARM Tier3": _serverless("AWS-Lambda-Duration-ARM", "Lambda-GB-Second-ARM", begin=18.75e9),
        "Lambda Storage-Duration": _serverless("AWS-Lambda-Storage-Duration", "Lambda-Storage-GB-Second"),
        "Lambda Storage-Duration-ARM": _serverless("AWS-Lambda-Storage-Duration-ARM", "Lambda-Storage-GB-Second-ARM"),
        "Lambda Provisioned-Concurrency": _serverless("AWS-Lambda-Provisioned-Concurrency",
                                                      "Lambda-Provisioned-Concurrency"),
        "Lambda Provisioned-Concurrency-ARM": _serverless("AWS-Lambda-Provisioned-Concurrency-ARM",
                                                          "Lambda-Provisioned-Concurrency-ARM"),
        "Lambda Duration-Provisioned": _serverless("AWS-Lambda-Duration-Provisioned", "Lambda-Provisioned-GB-Second"),
        "Lambda Duration-Provisioned-ARM": _serverless("AWS-Lambda-Duration-Provisioned-ARM",
                                                       "Lambda-Provisioned-GB-Second-ARM"),
    }
    reasons = Reasons(
        (r"Free Tier|Requests 1000000|Duration One|Processed-Bytes 100$", "account free tier (not attributed)"),
        (r"Edge", "Lambda@Edge: not modelled"),
    )
