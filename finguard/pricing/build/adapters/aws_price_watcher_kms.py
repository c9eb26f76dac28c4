"""AWS KMS list prices from aws-price-watcher's `processed/kms.json`: customer managed keys per month and
API requests per request (the model prices 10k requests with a price factor).

Usage types are the price list's own, region prefix removed: "KMS-Keys", "KMS-Requests" ... (what
`pricing sync` stores too).
"""

from __future__ import annotations

from finguard.pricing.build.adapters._price_watcher import PriceWatcherAdapter, Reasons, Target, target

SERVICE = "awskms"


def _requests(usagetype: str) -> Target:
    return target(SERVICE, "Requests", productFamily="API Request", usagetype=usagetype)


class AwsPriceWatcherKms(PriceWatcherAdapter):
    id = "aws-price-watcher-kms"
    files = ("kms.json",)
    description = "AWS KMS keys and API requests by key spec (pricing-page feed)"
    targets = {
        "Encryption Key": target(SERVICE, "Keys", productFamily="Encryption Key", usagetype="KMS-Keys"),
        "API request - Non Free Tier": _requests("KMS-Requests"),
        "Asymmetric Requests RSA_2048": _requests("KMS-Requests-Asymmetric-RSA_2048"),
        "Asymmetric Requests except RSA_2048API": _requests("KMS-Requests-Asymmetric"),
    }
    reasons = Reasons((r"GenerateDatakeyPair", "GenerateDataKeyPair requests: not modelled"),
                      (r"^Bundle$", "bundle placeholder (no product named)"))
