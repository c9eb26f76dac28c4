"""EC2 Linux on-demand instance hours in 17 regions, from ec2.shop's copies of the pricing-page feed.

Why this source next to aws-price-watcher: it is older (April 2025) and covers fewer regions, so it
loses every slot both price, but it has ~190 (region, type) prices price-watcher lacks (i8g, i7ie,
p5en, trn2, u7i-6tb, previous generations in us-east-1 ...). Each record names its instance type in
the "Instance Type" attribute; the key is a display label and is not parsed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

from finguard.pricing.build.adapters._price_watcher import (
    EC2_SHOP_LICENSE,
    EC2_SHOP_URL,
    INSTANCE_TYPE,
    UniqueRows,
    ec2_linux_hours,
    ec2_shop_locations,
    feed_price,
)
from finguard.pricing.build.base import Adapter, AdapterReport, FeedRow

INPUT = "pricing/ec2-shop/data/ec2"
# us-east-1-ondemand.json, us-east-1-previousgen-ondemand.json, us-gov-west-1-ondemand.json
FILE_NAME = re.compile(r"(?P<code>[a-z]{2}(?:-gov)?-[a-z]+-\d+)(?:-previousgen)?-ondemand\.json")
# What a record must say to be the slot `ec2_linux_hours` prices.
LINUX_ON_DEMAND = {"Operating System": "Linux", "Pre Installed S/W": "NA", "License Model": "No License required"}


class Ec2ShopEc2(Adapter):
    id = "ec2-shop-ec2"
    inputs = (INPUT,)
    url = EC2_SHOP_URL
    published = "2025-04-04"
    license = EC2_SHOP_LICENSE
    description = ("EC2 on-demand Linux (shared tenancy) hourly prices per instance type in 17 regions, from the AWS "
                   "pricing-page feed as saved by ec2.shop (data/ec2/*-ondemand.json, publication 2025-04-04)")

    def rows(self, shared: Path, report: AdapterReport) -> Iterable[FeedRow]:
        unique = UniqueRows(report)
        for path in sorted((shared / INPUT).glob("*-ondemand.json")):
            named = FILE_NAME.fullmatch(path.name)
            feed = json.loads(path.read_text(encoding="utf-8"))
            for location, region, records in ec2_shop_locations(feed, report):
                if named is None or named["code"] != region:
                    report.reject("file name and location disagree", f"{path.name}: {location}", n=len(records))
                    continue
                for label, record in records.items():
                    self._add(unique, region, label, record, report)
        return unique.rows()

    def _add(self, unique: UniqueRows, region: str, label: str, record: dict[str, str],
             report: AdapterReport) -> None:
        if any(record.get(k) != v for k, v in LINUX_ON_DEMAND.items()):
            report.skip("not Linux without pre-installed software or licence", label)
            return
        instance_type = record.get("Instance Type") or ""
        if not INSTANCE_TYPE.fullmatch(instance_type):
            report.reject("no valid Instance Type attribute", f"{label}: {instance_type!r}")
            return
        usd = feed_price(record.get("price"), report, f"{instance_type} @ {region}")
        if usd is None:
            return
        unique.add(ec2_linux_hours(instance_type).row(region, usd, self.id), label)
