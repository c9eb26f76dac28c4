"""Amazon DynamoDB list prices from aws-price-watcher's `processed/dynamodb.json` (Standard table class).

Units as the old snapshot rows: capacity per unit-hour, on-demand per request unit, storage per
GB-month. Free-tier keys, reserved capacity, the Standard-IA class and replicated writes are left out
(the model does not price them).
"""

from __future__ import annotations

from finguard.pricing.build.adapters._price_watcher import PriceWatcherAdapter, Reasons, target

SERVICE = "AmazonDynamoDB"
ON_DEMAND = "Amazon DynamoDB PayPerRequest Throughput"


class AwsPriceWatcherDynamodb(PriceWatcherAdapter):
    id = "aws-price-watcher-dynamodb"
    files = ("dynamodb.json",)
    description = "Amazon DynamoDB provisioned capacity, on-demand requests, storage, PITR (pricing-page feed)"
    targets = {
        "Provisioned Read Units": target(SERVICE, "ReadCapacityUnit-Hrs", productFamily="Provisioned IOPS",
                                         group="DDB-ReadUnits", usagetype="ReadCapacityUnit-Hrs"),
        "Provisioned Write Units": target(SERVICE, "WriteCapacityUnit-Hrs", productFamily="Provisioned IOPS",
                                          group="DDB-WriteUnits", usagetype="WriteCapacityUnit-Hrs"),
        "PayPerRequest Read Request Units": target(SERVICE, "ReadRequestUnits", productFamily=ON_DEMAND,
                                                   group="DDB-ReadUnits", usagetype="ReadRequestUnits"),
        "PayPerRequest Write Request Units": target(SERVICE, "WriteRequestUnits", productFamily=ON_DEMAND,
                                                    group="DDB-WriteUnits", usagetype="WriteRequestUnits"),
        "Data Storage Indexed GB-Mo": target(SERVICE, "GB-Mo", productFamily="Database Storage",
                                             usagetype="TimedStorage-ByteHrs"),
        "PITR Backup Storage GB-Mo": target(SERVICE, "GB-Mo", productFamily="Database Storage",
                                            usagetype="TimedPITRStorage-ByteHrs"),
    }
    reasons = Reasons(
        (r"Free ?Tier", "account free tier (not attributed)"),
        (r"\bIA\b", "Standard-IA table class: not modelled"),
        (r"1yr|3yr", "reserved capacity: not in the on-demand model"),
    )
