"""AWS Secrets Manager from aws-price-watcher's `processed/secretsmanager.json`: secrets per month and API
calls per request (the model prices 10k requests with a price factor)."""

from __future__ import annotations

from finguard.pricing.build.adapters._price_watcher import PriceWatcherAdapter, target

SERVICE = "AWSSecretsManager"


class AwsPriceWatcherSecretsmanager(PriceWatcherAdapter):
    id = "aws-price-watcher-secretsmanager"
    files = ("secretsmanager.json",)
    description = "AWS Secrets Manager secrets and API requests (pricing-page feed)"
    targets = {
        "Secret": target(SERVICE, "Secrets", productFamily="Secret", usagetype="AWSSecretsManager-Secrets"),
        "API Request": target(SERVICE, "API Requests", productFamily="API Request",
                              usagetype="AWSSecretsManager-APIRequest"),
    }
