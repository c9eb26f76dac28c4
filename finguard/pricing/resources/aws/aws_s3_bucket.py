"""aws_s3_bucket: storage per storage class and Standard requests, all from usage.

Standard storage, PUT/COPY/POST/LIST (tier 1) and GET/other (tier 2) requests are always listed
(usage-based without values); Standard-IA, One Zone-IA, Glacier Flexible Retrieval and Glacier Deep
Archive storage are listed when their usage value is given. Standard storage is tiered (first 50 TB
at one rate): the catalog applies the tiers. Retrievals, lifecycle transitions, the other classes'
requests and data transfer are not modelled."""

from __future__ import annotations

from decimal import Decimal

from finguard.model import Resource
from finguard.pricing.resources.base import Attrs, Component, CostModel, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey

SERVICE = "AmazonS3"
# usage key -> (label, volumeType, usagetype)
CLASSES = {
    "standard_storage_gb": ("Standard", "Standard", "TimedStorage-ByteHrs"),
    "standard_ia_storage_gb": ("Standard-IA", "Standard - Infrequent Access", "TimedStorage-SIA-ByteHrs"),
    "one_zone_ia_storage_gb": ("One Zone-IA", "One Zone - Infrequent Access", "TimedStorage-ZIA-ByteHrs"),
    "glacier_storage_gb": ("Glacier Flexible Retrieval", "Amazon Glacier", "TimedStorage-GlacierByteHrs"),
    "deep_archive_storage_gb": ("Glacier Deep Archive", "Glacier Deep Archive", "TimedStorage-GDA-ByteHrs"),
}
THOUSAND = Decimal(1000)


class AwsS3Bucket(CostModel):
    resource_types = ("aws_s3_bucket",)
    usage_keys = {
        **{key: UsageKey("GB", f"average data stored in the {label} class over the month")
           for key, (label, _, _) in CLASSES.items()},
        "monthly_put_requests": UsageKey("requests", "PUT, COPY, POST and LIST requests per month (Standard)"),
        "monthly_get_requests": UsageKey("requests", "GET, SELECT and all other requests per month (Standard)"),
    }

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        usage = ctx.usage(resource)
        parts: list[Component] = []
        for key, (label, volume_type, usagetype) in CLASSES.items():
            amount = usage_quantity(usage, key)
            if key != "standard_storage_gb" and amount is None:
                continue
            parts.append(Component(f"Storage ({label})", "GB", SERVICE,
                                   {"productFamily": "Storage", "volumeType": volume_type, "usagetype": usagetype},
                                   amount))
            if key == "standard_storage_gb":
                parts.extend(self._requests(usage))
        return parts

    @staticmethod
    def _requests(usage: dict) -> list[Component]:
        parts = []
        for key, tier, label in (("monthly_put_requests", 1, "PUT, COPY, POST, LIST requests"),
                                 ("monthly_get_requests", 2, "GET, SELECT and other requests")):
            count = usage_quantity(usage, key)
            parts.append(Component(label, "1k requests", SERVICE,
                                   {"productFamily": "API Request", "usagetype": f"Requests-Tier{tier}"},
                                   None if count is None else count / THOUSAND, price_factor=THOUSAND))
        return parts
