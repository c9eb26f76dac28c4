"""Amazon OpenSearch Service instance hours from aws-price-watcher's `processed/es.json` (on-demand, USD
per instance hour, as the old snapshot rows). The key names the instance ("r6g large.search - Memory
optimized - OnDemand - EBS Only - - - Hourly Cost" -> instanceType "r6g.large.search", the price list's
name that aws_opensearch_domain and aws_elasticsearch_domain query). The feed has no EBS storage,
UltraWarm or reserved-instance figures the models use: those slots stay without a price here."""

from __future__ import annotations

from finguard.pricing.build.adapters._price_watcher import (
    InstanceKey,
    PriceWatcherAdapter,
    Reasons,
    instance_hours,
    pattern,
)

SERVICE = "AmazonES"
HOURS = instance_hours(SERVICE, productFamily="Amazon OpenSearch Service Instance")


class AwsPriceWatcherEs(PriceWatcherAdapter):
    id = "aws-price-watcher-es"
    files = ("es.json",)
    description = "Amazon OpenSearch Service on-demand instance hours (pricing-page feed)"
    patterns = (pattern(r"(?P<family>[a-z0-9]+) (?P<size>[a-z0-9]+)\.search - [^-]+ - OnDemand - .* - Hourly Cost",
                        lambda m: InstanceKey.of(f"{m['family']}.{m['size']}.search", HOURS)),)
    reasons = Reasons(
        (r" - Reserved - ", "reserved instances: not in the on-demand model"),
        (r"Direct Query OCU", "OpenSearch direct query OCUs: not modelled"),
    )
