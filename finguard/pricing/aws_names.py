"""AWS price-list naming, as the offer readers use it: everything comes from `finguard.pricing.regions`.

Offer files name regions by location ("US East (N. Virginia)") and prefix usage types with a
region code ("USE2-BoxUsage:m5.large"). The catalog stores region codes and prefix-free usage
types so one filter works in every region.
"""

from __future__ import annotations

from finguard.pricing.regions import AWS_REGIONS, REGION_LOCATIONS, is_aws_region, strip_usage_prefix

LOCATION_REGIONS: dict[str, str] = {
    name: r.code for r in AWS_REGIONS for name in (r.location, *r.aliases)
}

__all__ = ["LOCATION_REGIONS", "REGION_LOCATIONS", "is_known_region", "normalize_usagetype"]


def normalize_usagetype(usagetype: str) -> str:
    """Strip the region prefix: "USE2-BoxUsage:m5.large" -> "BoxUsage:m5.large"."""
    return strip_usage_prefix(usagetype)


def is_known_region(region: str) -> bool:
    return is_aws_region(region)
