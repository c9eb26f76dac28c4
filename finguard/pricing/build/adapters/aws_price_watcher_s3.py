"""Amazon S3 list prices from aws-price-watcher's `processed/s3.json`: storage per class (Standard in its
volume tiers) and Standard-class requests.

Units as the old snapshot rows: storage USD per GB-month, requests USD per request ("Requests"; the
model prices 1k requests with a price factor). Standard storage tiers from the keys: first 50 TB
(0-51,200 GB), next 450 TB (51,200-512,000 GB), over 500 TB.
"""

from __future__ import annotations

from finguard.pricing.build.adapters._price_watcher import PriceWatcherAdapter, Reasons, Target, target

SERVICE = "AmazonS3"
TB = 1024.0


def _storage(volume_type: str, usagetype: str, begin: float = 0.0, end: float | None = None) -> Target:
    return target(SERVICE, "GB-Mo", begin=begin, end=end, productFamily="Storage", volumeType=volume_type,
                  usagetype=usagetype)


def _requests(tier: int) -> Target:
    return target(SERVICE, "Requests", productFamily="API Request", usagetype=f"Requests-Tier{tier}")


class AwsPriceWatcherS3(PriceWatcherAdapter):
    id = "aws-price-watcher-s3"
    files = ("s3.json",)
    description = "Amazon S3 storage classes (Standard tiers) and Standard requests (pricing-page feed)"
    targets = {
        "Standard Storage First 50 TB per GB Mo": _storage("Standard", "TimedStorage-ByteHrs", end=50 * TB),
        "Standard Storage Next 450 TB per GB Mo": _storage("Standard", "TimedStorage-ByteHrs", begin=50 * TB,
                                                           end=500 * TB),
        "Standard Storage Over 500 TB per GB Mo": _storage("Standard", "TimedStorage-ByteHrs", begin=500 * TB),
        "Standard Infrequent Access Storage per GB-Mo": _storage("Standard - Infrequent Access",
                                                                 "TimedStorage-SIA-ByteHrs"),
        "One Zone Infrequent Access Storage Inf per GB-Mo": _storage("One Zone - Infrequent Access",
                                                                     "TimedStorage-ZIA-ByteHrs"),
        # S3 Glacier Flexible Retrieval (the storage class the price list calls "Amazon Glacier")
        "Glacier Storage per GB Mo": _storage("Amazon Glacier", "TimedStorage-GlacierByteHrs"),
        "PUT COPY/POST or LIST requests per Requests": _requests(1),
        "GET and all other requests per Requests": _requests(2),
    }
    reasons = Reasons(
        (r"Intelligent ?Tiering|INT ", "Intelligent-Tiering: not modelled"),
        (r"Glacier Instant Retrieval|Express One Zone|Reduced Redundancy", "storage class not modelled"),
        (r"(?i)requests? to |Retrieval|Restore|Transition", "other classes' requests, retrievals, transitions: "
                                                            "not modelled"),
    )
