"""aws_cloudfront_distribution: data transfer out and requests per edge-location group, origin shield requests.

Everything is usage-based (a plan does not say how much traffic a distribution serves). Usage is given per
edge-location group, e.g. `monthly_data_transfer_to_internet_gb_us`; data transfer out is tiered by volume
(first 10 TB, next 40 TB ... over 5 PB), applied to this distribution's traffic alone. CloudFront is a
global service: prices are looked up under the catalog region "global".

The price class decides which edge locations serve viewers. Traffic given for a group the price class
leaves out is served (and billed) from an included group; which one is not known, so it is reported as
unknown rather than priced at any one group's rate. Without any usage, the US group is shown with its unit
prices. Dedicated-IP custom SSL certificates have no price in the snapshot and are reported as such;
invalidations, field-level encryption and real-time logs are not modelled.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from finguard.model import Resource
from finguard.pricing.aws_names import REGION_LOCATIONS
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, is_unknown, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey

SERVICE = "AmazonCloudFront"
GLOBAL = "global"
TEN_THOUSAND = Decimal(10_000)


class Group:
    def __init__(self, key: str, label: str, location: str, classes: tuple[str, ...]) -> None:
        self.key, self.label, self.location, self.classes = key, label, location, classes


ALL, C200, C100 = "PriceClass_All", "PriceClass_200", "PriceClass_100"
# Edge-location groups as CloudFront's pricing page lists them: usage-key suffix, label, the price list's
# location name, and the price classes that serve viewers from the group.
GROUPS = (
    Group("us", "US, Mexico, Canada", "United States", (ALL, C200, C100)),
    Group("europe", "Europe, Israel", "Europe", (ALL, C200, C100)),
    Group("south_africa", "South Africa, Kenya, Middle East", "South Africa", (ALL, C200)),
    Group("south_america", "South America", "South America", (ALL,)),
    Group("japan", "Japan", "Japan", (ALL, C200)),
    Group("australia", "Australia, New Zealand", "Australia", (ALL,)),
    Group("asia_pacific", "Hong Kong, Philippines, Asia Pacific", "Asia Pacific", (ALL, C200)),
    Group("india", "India", "India", (ALL, C200)),
)
# usage key prefix -> (component name, display unit, what the key counts)
KINDS = {
    "monthly_data_transfer_to_internet_gb": ("Data transfer out to internet", "GB",
                                             "GB served to viewers from"),
    "monthly_data_transfer_to_origin_gb": ("Data transfer out to origin", "GB",
                                           "GB sent to the origin (POST/PUT bodies ...) from"),
    "monthly_http_requests": ("HTTP requests", "10k requests", "HTTP requests served from"),
    "monthly_https_requests": ("HTTPS requests", "10k requests", "HTTPS requests served from"),
}
SHIELD_KEY = "monthly_origin_shield_requests"


def _usage_keys() -> dict[str, UsageKey]:
    keys = {}
    for prefix, (_, unit, what) in KINDS.items():
        for group in GROUPS:
            keys[f"{prefix}_{group.key}"] = UsageKey("GB" if unit == "GB" else "requests",
                                                    f"{what} edge locations in {group.label} per month")
    keys[SHIELD_KEY] = UsageKey("requests", "requests that reach Origin Shield per month")
    return keys


def _filters(prefix: str, location: str) -> dict[str, Any]:
    if prefix == "monthly_data_transfer_to_internet_gb":
        return {"productFamily": "Data Transfer", "transferType": "CloudFront Outbound", "fromLocation": location}
    if prefix == "monthly_data_transfer_to_origin_gb":
        return {"productFamily": "Data Transfer", "transferType": "CloudFront to Origin", "fromLocation": location}
    protocol = "HTTPS" if prefix == "monthly_https_requests" else "HTTP"
    return {"productFamily": "Request", "location": location, "requestType": f"CloudFront-Request-{protocol}-Proxy"}


class AwsCloudfrontDistribution(CostModel):
    resource_types = ("aws_cloudfront_distribution",)
    usage_keys = _usage_keys()

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        usage = ctx.usage(resource)
        price_class = attrs.get("price_class", ALL)
        with_usage = [g for g in GROUPS if any(f"{prefix}_{g.key}" in usage for prefix in KINDS)]
        parts: list[Component] = []
        for group in with_usage or [GROUPS[0]]:
            parts.extend(self._group(group, price_class, usage))
        parts.extend(self._origin_shield(attrs, usage))
        certificate = attrs.blocks("viewer_certificate")
        if certificate and certificate[0].get("ssl_support_method") == "vip":
            parts.append(Component("Dedicated IP custom SSL certificate", "certificates", SERVICE,
                                   {"usagetype": UNKNOWN}, Decimal(1), region=GLOBAL,
                                   unknown_reason="dedicated-IP custom SSL certificates have no price in the "
                                                  "snapshot"))
        return parts

    def _group(self, group: Group, price_class: Any, usage: dict[str, Any]) -> list[Component]:
        reason = None
        if is_unknown(price_class) and C100 not in group.classes:
            reason = "price_class known only after apply (it decides whether this group serves viewers)"
        elif not is_unknown(price_class) and price_class not in group.classes:
            reason = (f"{price_class} does not use edge locations in {group.label}: those viewers are served, "
                      "and billed, from a location the price class includes; which one is not known")
        parts = []
        for prefix, (name, unit, _) in KINDS.items():
            qty = usage_quantity(usage, f"{prefix}_{group.key}")
            if reason is not None and qty is None:
                continue  # an excluded group: only the traffic given for it is reported
            factor = Decimal(1)
            if unit != "GB":
                factor = TEN_THOUSAND
                qty = None if qty is None else qty / TEN_THOUSAND
            filters = _filters(prefix, group.location)
            if reason is not None:
                filters = {**filters, "fromLocation" if "fromLocation" in filters else "location": UNKNOWN}
            parts.append(Component(name, unit, SERVICE, filters, qty, price_factor=factor, group=group.label,
                                   region=GLOBAL, unknown_reason=reason))
        return parts

    def _origin_shield(self, attrs: Attrs, usage: dict[str, Any]) -> list[Component]:
        regions: list[Any] = []
        for origin in attrs.blocks("origin"):
            for shield in origin.blocks("origin_shield"):
                if shield.get("enabled") is True or is_unknown(shield.get("enabled")):
                    region = shield.get("origin_shield_region", UNKNOWN)
                    if is_unknown(region) or region not in regions:
                        regions.append(region)
        requests = usage_quantity(usage, SHIELD_KEY)
        parts = []
        for region in regions:
            qty: Any = None if requests is None else requests / TEN_THOUSAND
            reason = None
            if len(regions) > 1 and requests is not None:
                qty, reason = UNKNOWN, (f"origin shield runs in {len(regions)} regions: {SHIELD_KEY} cannot be "
                                        "split between them")
            location = UNKNOWN
            if is_unknown(region):
                reason = "origin_shield_region known only after apply"
            elif region in REGION_LOCATIONS:
                location = REGION_LOCATIONS[region]
            else:
                reason = f"unknown origin shield region {region!r}"
            label = "?" if is_unknown(region) else region
            parts.append(Component(
                f"Origin shield requests ({label})", "10k requests", SERVICE,
                {"productFamily": "Request", "requestDescription": "Origin Shield Requests", "location": location},
                qty, price_factor=TEN_THOUSAND, region=GLOBAL, unknown_reason=reason))
        return parts
