"""Amazon ECR storage from aws-price-watcher's `processed/ecr.json` (USD per GB-month, as the old rows)."""

from __future__ import annotations

from finguard.pricing.build.adapters._price_watcher import PriceWatcherAdapter, Reasons, target


class AwsPriceWatcherEcr(PriceWatcherAdapter):
    id = "aws-price-watcher-ecr"
    files = ("ecr.json",)
    description = "Amazon ECR image storage (pricing-page feed)"
    targets = {
        "EC2 Container Registry": target("AmazonECR", "GB-Mo", productFamily="EC2 Container Registry",
                                         usagetype="TimedStorage-ByteHrs"),
    }
    reasons = Reasons((r"DSSE", "dual-layer encryption: not modelled"))
