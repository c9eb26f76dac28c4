"""Amazon Redshift node hours from aws-price-watcher's `processed/redshift.json` (on-demand, USD per node
hour, as the old snapshot rows). The node type is read from the location's suffix ("... (Memory: ...,
Instance Type: ra3.4xlarge, ...)") and checked against the key ("ra3 4xlarge"). Managed storage,
concurrency scaling and Serverless are not in this mapping (RMS has no key in the feed)."""

from __future__ import annotations

from finguard.pricing.build.adapters._price_watcher import (
    InstanceKey,
    PriceWatcherAdapter,
    Reasons,
    instance_hours,
    pattern,
)

SERVICE = "AmazonRedshift"
HOURS = instance_hours(SERVICE, productFamily="Compute Instance")


class AwsPriceWatcherRedshift(PriceWatcherAdapter):
    id = "aws-price-watcher-redshift"
    files = ("redshift.json",)
    description = "Amazon Redshift provisioned node hours, on-demand (pricing-page feed)"
    patterns = (pattern(r"\[OnDemand Compute Instance [^\]]*\] (?P<family>[a-z0-9]+) (?P<size>[a-z0-9]+) OnDemand .*",
                        lambda m: InstanceKey.of(f"{m['family']}.{m['size']}", HOURS)),)
    reasons = Reasons(
        (r"Concurrency Scaling", "concurrency scaling: not modelled"),
        (r"Serverless|Data Transfer", "Redshift Serverless, inter-region transfer: not modelled"),
    )
