"""EC2 Linux on-demand instance hours in every region, from aws-price-watcher's `ec2.json`.

Why this source: it carries the pricing page's Linux, shared-tenancy, on-demand hourly price of
~850 instance types in all ~34 regions (May 2025). Local Zones and Wavelength zones in the file are
skipped and counted: they are not regions the catalog prices.
"""

from __future__ import annotations

from finguard.pricing.build.adapters._price_watcher import (
    INSTANCE_TYPE,
    PriceWatcherAdapter,
    ec2_linux_hours,
    pattern,
)


class AwsPriceWatcherEc2(PriceWatcherAdapter):
    id = "aws-price-watcher-ec2"
    files = ("ec2.json",)
    description = ("EC2 on-demand Linux (shared tenancy) hourly prices per instance type and region, from the AWS "
                   "pricing-page feed as flattened by aws-price-watcher (processed/ec2.json, May 2025)")
    patterns = (pattern(rf"OnDemand Linux-instancetype-({INSTANCE_TYPE.pattern})", lambda m: ec2_linux_hours(m[1]).at),)
