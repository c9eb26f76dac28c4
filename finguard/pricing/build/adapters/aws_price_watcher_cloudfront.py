"""Amazon CloudFront from aws-price-watcher's `processed/cloudfront.json`: data transfer out to the
internet (7 volume tiers) and to the origin, HTTP/HTTPS requests per edge-location group, and Origin
Shield requests per shield region, under the catalog region "global" as the old snapshot rows.

The feed keys edge groups by name: transfer keys name the group in their text ("Regional DT from EU
to Internet First 10 TB", location " (Per Month: 10240)" = the tier's upper bound in GB, checked
against the tier the key names); request keys "Request HTTP(S) Methods" are keyed by group as location
(the "... from <group>" copies at location "" carry the same figures and are skipped). Group names map
to the price list's `fromLocation` / `location` values the model uses ("EU" -> "Europe"); Canada and
Middle East are billed at the "United States" and "South Africa" groups' rates in the model, so their
own figures are not used. Requests are the price list's proxy request types ("HTTP methods"), USD per
request as the old rows (the model prices 10k requests with a price factor). Origin Shield is keyed by
region location names; the row's `location` is the region's price-list location name.
"""

from __future__ import annotations

import re
from functools import partial

from finguard.pricing.build.adapters._price_watcher import (
    GLOBAL,
    KeyRule,
    Placement,
    PriceWatcherAdapter,
    Reasons,
    Skip,
    locate,
    pattern,
    target,
)
from finguard.pricing.regions import REGION_LOCATIONS

SERVICE = "AmazonCloudFront"
TB = 1024.0
# the feed's group name -> the price list's edge-location group the model queries
GROUPS = {"United States": "United States", "EU": "Europe", "South Africa": "South Africa",
          "South America": "South America", "Japan": "Japan", "Australia": "Australia",
          "Asia Pacific": "Asia Pacific", "India": "India"}
OTHER_GROUPS = ("Canada", "Middle East")
# transfer-out tier named in the key (lower case) -> (begin, end) in GB per month
TIERS = {"first 10 tb": (0.0, 10 * TB), "next 40 tb": (10 * TB, 50 * TB), "next 100 tb": (50 * TB, 150 * TB),
         "next 350 tb": (150 * TB, 500 * TB), "next 524 tb": (500 * TB, 1024 * TB),
         "next 4 pb": (1024 * TB, 5120 * TB), "over 5 pb": (5120 * TB, None)}
OUTBOUND = (r"\[Regional DT to Internet [^\]]+\] \S+ \S+ Transfer;"
            r"Regional DT from (?P<group>.+) to Internet (?P<tier>.+)")
PER_MONTH = re.compile(r"^ \(Per Month: (?P<end>\d+|Inf)\)$")
SHIELD = "CloudFront Request-Origin-Shield Origin Shield Requests"


def _group(name: str) -> str | Skip:
    if name in GROUPS:
        return GROUPS[name]
    if name == "Any":
        return Skip("account free tier (not attributed)")
    if name in OTHER_GROUPS:
        return Skip("edge group the model bills at another group's rate")
    return Skip("unknown edge-location group", reject=True)


def _transfer(name: str, transfer_type: str, tier: tuple[float, float | None] | None) -> KeyRule:
    """A transfer key's tier, checked against the tier bound its locations carry (" (Per Month: 10240)")."""
    group = _group(name)
    if isinstance(group, Skip):
        return group

    def place(location: str) -> Placement:
        per_month = PER_MONTH.match(location)
        if tier is None or per_month is None:
            return Skip("unreadable transfer tier", reject=True)
        end = None if per_month["end"] == "Inf" else float(per_month["end"])
        if end != tier[1]:
            return Skip("tier bound in the location differs from the key's tier", reject=True)
        return target(SERVICE, "GB", begin=tier[0], end=tier[1], productFamily="Data Transfer",
                      transferType=transfer_type, fromLocation=group), GLOBAL
    return place


def _requests(protocol: str, location: str) -> Placement:
    """Request keys are keyed by edge group as their location."""
    group = _group(location)
    if isinstance(group, Skip):
        return group
    return target(SERVICE, "Requests", productFamily="Request", location=group,
                  requestType=f"CloudFront-Request-{protocol}-Proxy"), GLOBAL


def _shield(location: str) -> Placement:
    """Origin Shield is keyed by region: the row's `location` is the region's price-list location name."""
    region, _ = locate(location)
    if isinstance(region, Skip):
        return region
    return target(SERVICE, "Requests", productFamily="Request", requestDescription="Origin Shield Requests",
                  location=REGION_LOCATIONS[region]), GLOBAL


class AwsPriceWatcherCloudfront(PriceWatcherAdapter):
    id = "aws-price-watcher-cloudfront"
    files = ("cloudfront.json",)
    description = "Amazon CloudFront transfer-out tiers, origin transfer, requests, origin shield (pricing-page feed)"
    reasons = Reasons(
        (r"^[A-Z0-9]{16} [A-Z0-9]{10}\.[A-Z0-9]{10} ", "opaque rate code (a named key carries the same price)"),
        (r"^Request HTTPS? Methods from ", "same price as 'Request HTTP(S) Methods' keyed by group (taken)"),
        (r"Request-Tier[12]", "GET/HEAD request types: the model prices the proxy request types"),
        (r"Lambda-Edge", "Lambda@Edge: not modelled"),
        (r"(?i)field level encryption|SSL certificate|Static IPv|invalidat",
         "field-level encryption, dedicated SSL/static IPs, invalidations: not modelled"),
    )
    patterns = (
        pattern(OUTBOUND, lambda m: _transfer(m["group"], "CloudFront Outbound", TIERS.get(m["tier"].lower()))),
        pattern(r"Regional DT to Origin from (?P<group>.+)",
                lambda m: _transfer(m["group"], "CloudFront to Origin", (0.0, None))),
        pattern(r"Request (?P<protocol>HTTPS?) Methods", lambda m: partial(_requests, m["protocol"])),
        pattern(re.escape(SHIELD), lambda _: _shield),
    )
