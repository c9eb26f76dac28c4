"""aws_kms_key: the customer managed key per month, plus API requests (from usage) at the rate of the
key's spec: symmetric, RSA 2048, or other asymmetric keys. Rotated key versions add key-months after
their first rotation; that is not modelled."""

from __future__ import annotations

from decimal import Decimal

from finguard.model import Resource
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, is_unknown, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey

SERVICE = "awskms"
TEN_K = Decimal(10_000)
# The price list's usage types are "KMS-Keys", "KMS-Requests" ...; the catalog's region-prefix rule strips
# the leading "KMS-" (in the bundled data and in `pricing sync` alike), so the stored values lack it.
ASYMMETRIC = ("RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1",
              "SM2")


class AwsKmsKey(CostModel):
    resource_types = ("aws_kms_key",)
    usage_keys = {"monthly_requests": UsageKey("requests", "cryptographic and other API requests per month")}

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        spec = attrs.get("customer_master_key_spec", attrs.get("key_spec", "SYMMETRIC_DEFAULT"))
        reason = None
        if is_unknown(spec):
            usagetype, label, reason = UNKNOWN, "?", "key spec known only after apply"
        elif spec == "SYMMETRIC_DEFAULT":
            usagetype, label = "KMS-Requests", "symmetric"
        elif spec == "RSA_2048":
            usagetype, label = "KMS-Requests-Asymmetric-RSA_2048", "RSA 2048"
        elif spec in ASYMMETRIC:
            usagetype, label = "KMS-Requests-Asymmetric", "asymmetric"
        elif str(spec).startswith("HMAC_"):
            usagetype, label, reason = UNKNOWN, "HMAC", "HMAC key requests: their rate is not in the price data"
        else:
            raise ValueError(f"unknown KMS key spec {spec!r}")
        requests = usage_quantity(ctx.usage(resource), "monthly_requests")
        return [
            Component("Customer managed key", "months", SERVICE,
                      {"productFamily": "Encryption Key", "usagetype": "KMS-Keys"}, Decimal(1)),
            Component(f"Requests ({label})", "10k requests", SERVICE,
                      {"productFamily": "API Request", "usagetype": usagetype},
                      None if requests is None else requests / TEN_K, price_factor=TEN_K, unknown_reason=reason),
        ]
