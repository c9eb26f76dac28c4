"""aws_route53_record: DNS queries answered by the record, by routing policy (usage-based).

Queries to alias records that point at AWS resources (load balancers, CloudFront, S3 websites, API
Gateway, VPC endpoints ...) are free; an alias to another Route 53 record is billed like any query.
Prices are looked up under the catalog region "global" (see aws_route53_zone).
"""

from __future__ import annotations

import re
from typing import Any

from finguard.model import Resource
from finguard.pricing.resources.aws.aws_route53_zone import QUERY_KINDS, QUERY_USAGE_KEYS, query_component
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, NoCost
from finguard.pricing.resources.context import ProjectContext

# DNS names of AWS resources an alias can point at (free alias queries).
AWS_ALIAS_TARGET = re.compile(
    r"(?:\.elb\.amazonaws\.com|\.cloudfront\.net|\.amazonaws\.com|\.elasticbeanstalk\.com"
    r"|\.awsglobalaccelerator\.com|\.on\.aws)\.?$", re.IGNORECASE)


def _routing_kind(attrs: Attrs) -> str | None:
    """The usage key of the query kind this record's routing policy answers (None: not priced here)."""
    if attrs.blocks("latency_routing_policy"):
        return "monthly_latency_based_queries"
    if attrs.blocks("geolocation_routing_policy") or attrs.blocks("geoproximity_routing_policy"):
        return "monthly_geo_queries"
    if attrs.blocks("cidr_routing_policy"):
        return None
    return "monthly_standard_queries"


def _alias_is_free(resource: Resource, alias: Attrs) -> bool:
    """True when the alias certainly targets an AWS resource (not another Route 53 record)."""
    refs = [r.split(".")[0] for r in resource.references.get("alias.0.name", [])]
    refs = [r for r in refs if r.startswith("aws_")]
    if refs:
        return "aws_route53_record" not in refs
    name = alias.get("name")
    return isinstance(name, str) and bool(AWS_ALIAS_TARGET.search(name))


class AwsRoute53Record(CostModel):
    resource_types = ("aws_route53_record",)
    usage_keys = QUERY_USAGE_KEYS

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        alias = attrs.blocks("alias")
        if alias and _alias_is_free(resource, alias[0]):
            raise NoCost("alias record to an AWS resource: Route 53 does not charge for these queries")
        usage: dict[str, Any] = ctx.usage(resource)
        kind = _routing_kind(attrs)
        parts = []
        if kind is None:
            parts.append(Component(
                "IP-based routing queries", "1M queries", "AmazonRoute53",
                {"productFamily": "DNS Query", "usagetype": UNKNOWN}, None, region="global",
                unknown_reason="IP-based (CIDR) routing queries have no price in the snapshot"))
        for key in QUERY_KINDS:
            if key == kind or key in usage:
                parts.append(query_component(key, usage))
        return parts
