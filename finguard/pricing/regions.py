"""One table of cloud regions: AWS region codes, the location names price feeds use, usage-type prefixes.

Why one table: the AWS price list, the pricing-page feeds and billing exports name the same region three
ways ("eu-west-1", "EU (Ireland)", "EU-" / "EUW1-" in usage types). Every reader maps through this
table, so a region is either known everywhere or nowhere, and an unknown name is reported, never
guessed. Local Zones and Wavelength zones are not regions: they are recognised (so a build report can
count them) but map to no region code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AwsRegion:
    code: str
    location: str
    continent: str
    usage_prefixes: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    partition: str = "aws"


AWS_REGIONS: tuple[AwsRegion, ...] = (
    AwsRegion("us-east-1", "US East (N. Virginia)", "North America", ("USE1",)),
    AwsRegion("us-east-2", "US East (Ohio)", "North America", ("USE2",)),
    AwsRegion("us-west-1", "US West (N. California)", "North America", ("USW1",)),
    AwsRegion("us-west-2", "US West (Oregon)", "North America", ("USW2",)),
    AwsRegion("ca-central-1", "Canada (Central)", "North America", ("CAN1",)),
    AwsRegion("ca-west-1", "Canada West (Calgary)", "North America", ("CAN2",)),
    AwsRegion("mx-central-1", "Mexico (Central)", "North America", ("MXC1",)),
    AwsRegion("sa-east-1", "South America (Sao Paulo)", "South America", ("SAE1",),
              aliases=("South America (São Paulo)",)),
    AwsRegion("eu-west-1", "EU (Ireland)", "Europe", ("EU", "EUW1"), aliases=("Europe (Ireland)",)),
    AwsRegion("eu-west-2", "EU (London)", "Europe", ("EUW2",), aliases=("Europe (London)",)),
    AwsRegion("eu-west-3", "EU (Paris)", "Europe", ("EUW3",), aliases=("Europe (Paris)",)),
    AwsRegion("eu-central-1", "EU (Frankfurt)", "Europe", ("EUC1",), aliases=("Europe (Frankfurt)",)),
    AwsRegion("eu-central-2", "EU (Zurich)", "Europe", ("EUC2",), aliases=("Europe (Zurich)",)),
    AwsRegion("eu-north-1", "EU (Stockholm)", "Europe", ("EUN1",), aliases=("Europe (Stockholm)",)),
    AwsRegion("eu-south-1", "EU (Milan)", "Europe", ("EUS1",), aliases=("Europe (Milan)",)),
    AwsRegion("eu-south-2", "EU (Spain)", "Europe", ("EUS2",), aliases=("Europe (Spain)",)),
    AwsRegion("il-central-1", "Israel (Tel Aviv)", "Middle East", ("ILC1",)),
    AwsRegion("me-south-1", "Middle East (Bahrain)", "Middle East", ("MES1",)),
    AwsRegion("me-central-1", "Middle East (UAE)", "Middle East", ("MEC1",)),
    AwsRegion("af-south-1", "Africa (Cape Town)", "Africa", ("AFS1",)),
    AwsRegion("ap-east-1", "Asia Pacific (Hong Kong)", "Asia Pacific", ("APE1",)),
    AwsRegion("ap-east-2", "Asia Pacific (Taipei)", "Asia Pacific", ("APE2",)),
    AwsRegion("ap-south-1", "Asia Pacific (Mumbai)", "Asia Pacific", ("APS3",)),
    AwsRegion("ap-south-2", "Asia Pacific (Hyderabad)", "Asia Pacific", ("APS5",)),
    AwsRegion("ap-southeast-1", "Asia Pacific (Singapore)", "Asia Pacific", ("APS1",)),
    AwsRegion("ap-southeast-2", "Asia Pacific (Sydney)", "Asia Pacific", ("APS2",)),
    AwsRegion("ap-southeast-3", "Asia Pacific (Jakarta)", "Asia Pacific", ("APS4",)),
    AwsRegion("ap-southeast-4", "Asia Pacific (Melbourne)", "Asia Pacific", ("APS6",)),
    AwsRegion("ap-southeast-5", "Asia Pacific (Malaysia)", "Asia Pacific", ("APS7",)),
    AwsRegion("ap-southeast-7", "Asia Pacific (Thailand)", "Asia Pacific", ("APS9",)),
    AwsRegion("ap-northeast-1", "Asia Pacific (Tokyo)", "Asia Pacific", ("APN1",)),
    AwsRegion("ap-northeast-2", "Asia Pacific (Seoul)", "Asia Pacific", ("APN2",)),
    AwsRegion("ap-northeast-3", "Asia Pacific (Osaka)", "Asia Pacific", ("APN3",)),
    AwsRegion("us-gov-west-1", "AWS GovCloud (US-West)", "North America", ("UGW1",),
              aliases=("AWS GovCloud (US)",), partition="aws-us-gov"),
    AwsRegion("us-gov-east-1", "AWS GovCloud (US-East)", "North America", ("UGE1",), partition="aws-us-gov"),
)

AWS_BY_CODE: dict[str, AwsRegion] = {r.code: r for r in AWS_REGIONS}
_AWS_BY_LOCATION: dict[str, str] = {}
for _r in AWS_REGIONS:
    for _name in (_r.location, *_r.aliases):
        _AWS_BY_LOCATION[_name.casefold()] = _r.code

# The price list's name for each region (kept for readers that print or send location names).
REGION_LOCATIONS: dict[str, str] = {r.code: r.location for r in AWS_REGIONS}

# Local Zones ("US West (Los Angeles)"), Wavelength ("US East (Verizon) - Boston") and carrier zones:
# a location that is not a region. Cities in parentheses that are no region's name are zones.
_WAVELENGTH = re.compile(r"\((?:Verizon|KDDI|SKT|Vodafone|BELL|Bell|British Telecom)\)\s*-\s*")

# Every usage-type prefix of a real region, longest first so "EUW1" wins over "EU".
_PREFIXES = sorted({p for r in AWS_REGIONS for p in r.usage_prefixes}, key=len, reverse=True)
# A region prefix, optionally followed by a Local Zone / Wavelength suffix such as "LAX1-" or "WL1-".
_PREFIX_ALTERNATIVES = "|".join(map(re.escape, _PREFIXES))
_USAGE_PREFIX = re.compile(rf"^(?:{_PREFIX_ALTERNATIVES})-(?:[A-Z]{{3}}[0-9]-|WL[0-9]-[A-Z]{{3}}[0-9]-)?(?=[A-Za-z])")


def aws_region_for_location(location: str) -> str | None:
    """'EU (Ireland)' -> 'eu-west-1'; None for a Local/Wavelength zone or a name no region has."""
    return _AWS_BY_LOCATION.get(location.strip().casefold())


def is_aws_zone_location(location: str) -> bool:
    """True for Local Zones and Wavelength zones: skipped from a regional catalog, counted in reports."""
    if aws_region_for_location(location) is not None:
        return False
    return bool(_WAVELENGTH.search(location)) or bool(re.match(r"^[A-Z][\w .-]+ \([\w .'-]+\)$", location))


def strip_usage_prefix(usagetype: str) -> str:
    """'USE2-BoxUsage:m5.large' -> 'BoxUsage:m5.large'; only real region prefixes are stripped."""
    return _USAGE_PREFIX.sub("", usagetype, count=1)


def is_aws_region(code: str) -> bool:
    return code in AWS_BY_CODE


def aws_continent(code: str) -> str | None:
    region = AWS_BY_CODE.get(code)
    return region.continent if region else None
