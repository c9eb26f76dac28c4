"""Amazon MSK from aws-price-watcher's `processed/msk.json`: broker hours per broker size and EBS storage
per GB-month, in the old snapshot's units (Hrs, GB-Mo).

Broker keys carry the product in the location's suffix, e.g. "US East (N. Virginia) (Compute Family:
m5.large, usageType: USE1-Kafka.m5.large, ...)": the usage type without its region prefix is the
catalog's `usagetype` ("Kafka.m5.large"), as the model derives it from "kafka.m5.large". Express brokers
are emitted under the price list's "Express.<size>" usage type, which the model does not query yet.
"""

from __future__ import annotations

import re

from finguard.pricing.build.adapters._price_watcher import (
    Placement,
    PriceWatcherAdapter,
    Reasons,
    Skip,
    locate,
    pattern,
    target,
)
from finguard.pricing.regions import AWS_BY_CODE, strip_usage_prefix

SERVICE = "AmazonMSK"
FAMILY = "Managed Streaming for Apache Kafka (MSK)"
BROKER_USAGE = re.compile(r"^(?:Kafka|Express)\.[a-z0-9]+\.[a-z0-9]+$")


def broker_hours(location: str) -> Placement:
    """The broker's slot from the location's usage type, which must carry the location's region prefix."""
    region, details = locate(location)
    if isinstance(region, Skip):
        return region
    usage = details.get("usageType", "")
    usagetype = strip_usage_prefix(usage)
    if (usagetype == usage or not BROKER_USAGE.match(usagetype)
            or usage.partition("-")[0] not in AWS_BY_CODE[region].usage_prefixes):
        return Skip("broker usage type missing or not the location's", reject=True)
    return target(SERVICE, "Hrs", productFamily=FAMILY, usagetype=usagetype), region


class AwsPriceWatcherMsk(PriceWatcherAdapter):
    id = "aws-price-watcher-msk"
    files = ("msk.json",)
    description = "Amazon MSK provisioned broker hours and broker storage (pricing-page feed)"
    targets = {"RunVolume GP2": target(SERVICE, "GB-Mo", productFamily=FAMILY, storageFamily="GP2")}
    reasons = Reasons(
        (r"^RunVolume$", "same as 'RunVolume GP2' (which is taken)"),
        (r"^RunVolume General$", "provisioned storage throughput: not modelled"),
        (r"Serverless|Connect|Replicator|Region|Tiered|PrivateConnectivity", "MSK Serverless, Connect, "
                                                                             "Replicator, tiered storage, "
                                                                             "private connectivity: not modelled"),
    )
    patterns = (pattern(r"\[(?:RunBroker|ExpressBroker)\].*", lambda _: broker_hours),)
