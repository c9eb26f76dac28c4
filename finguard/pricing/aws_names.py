"""AWS price-list naming: region codes vs location names, and region-neutral usage types.

Offer files name regions by location ("US East (N. Virginia)") and prefix usage types with a
region code ("USE2-BoxUsage:m5.large"). The catalog stores region codes and prefix-free usage
types so one filter works in every region.
"""

from __future__ import annotations

import re

REGION_LOCATIONS: dict[str, str] = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
    "af-south-1": "Africa (Cape Town)",
    "ap-east-1": "Asia Pacific (Hong Kong)",
    "ap-south-1": "Asia Pacific (Mumbai)",
    "ap-south-2": "Asia Pacific (Hyderabad)",
    "ap-southeast-1": "Asia Pacific (Singapore)",
    "ap-southeast-2": "Asia Pacific (Sydney)",
    "ap-southeast-3": "Asia Pacific (Jakarta)",
    "ap-southeast-4": "Asia Pacific (Melbourne)",
    "ap-northeast-1": "Asia Pacific (Tokyo)",
    "ap-northeast-2": "Asia Pacific (Seoul)",
    "ap-northeast-3": "Asia Pacific (Osaka)",
    "ca-central-1": "Canada (Central)",
    "ca-west-1": "Canada West (Calgary)",
    "eu-central-1": "EU (Frankfurt)",
    "eu-central-2": "EU (Zurich)",
    "eu-west-1": "EU (Ireland)",
    "eu-west-2": "EU (London)",
    "eu-west-3": "EU (Paris)",
    "eu-north-1": "EU (Stockholm)",
    "eu-south-1": "EU (Milan)",
    "eu-south-2": "EU (Spain)",
    "il-central-1": "Israel (Tel Aviv)",
    "me-south-1": "Middle East (Bahrain)",
    "me-central-1": "Middle East (UAE)",
    "sa-east-1": "South America (Sao Paulo)",
    "us-gov-east-1": "AWS GovCloud (US-East)",
    "us-gov-west-1": "AWS GovCloud (US-West)",
}

LOCATION_REGIONS: dict[str, str] = {v: k for k, v in REGION_LOCATIONS.items()}

# "USE2-", "EU-", "APN1-", "USW2-LAX1-" ... : upper-case region code(s) followed by a dash.
_USAGE_PREFIX = re.compile(r"^(?:[A-Z]{2,4}[0-9]?-)+(?=[A-Za-z])")


def normalize_usagetype(usagetype: str) -> str:
    """Strip the region prefix: "USE2-BoxUsage:m5.large" -> "BoxUsage:m5.large"."""
    return _USAGE_PREFIX.sub("", usagetype, count=1)


def is_known_region(region: str) -> bool:
    return region in REGION_LOCATIONS
