"""aws_secretsmanager_secret: the secret per month, plus API calls from usage. Replicas (replica
blocks) are billed as secrets in their own regions and are reported, not priced."""

from __future__ import annotations

from decimal import Decimal

from finguard.model import Resource
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, is_unknown, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey

SERVICE = "AWSSecretsManager"
TEN_K = Decimal(10_000)


class AwsSecretsmanagerSecret(CostModel):
    resource_types = ("aws_secretsmanager_secret",)
    usage_keys = {"monthly_requests": UsageKey("requests", "API calls (GetSecretValue ...) per month")}

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        calls = usage_quantity(ctx.usage(resource), "monthly_requests")
        parts = [
            Component("Secret", "months", SERVICE,
                      {"productFamily": "Secret", "usagetype": "AWSSecretsManager-Secrets"}, Decimal(1)),
            Component("API requests", "10k requests", SERVICE,
                      {"productFamily": "API Request", "usagetype": "AWSSecretsManager-APIRequest"},
                      None if calls is None else calls / TEN_K, price_factor=TEN_K),
        ]
        for replica in attrs.blocks("replica"):
            region = replica.get("region")
            where = "?" if is_unknown(region) else region
            parts.append(Component(f"Replica in {where}", "months", SERVICE, {"productFamily": UNKNOWN}, UNKNOWN,
                                   unknown_reason="a replica secret is billed in its own region: not priced"))
        return parts
