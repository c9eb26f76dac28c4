"""Amazon Kinesis Data Streams from aws-price-watcher's `processed/kinesis.json`: provisioned shard hours
and PUT payload units, on-demand stream hours and data in/out, in the old snapshot's units (Hrs, Units
per 25 KB payload unit, GB). Extended retention and enhanced fan-out are not modelled."""

from __future__ import annotations

from finguard.pricing.build.adapters._price_watcher import PriceWatcherAdapter, Reasons, Target, target

SERVICE = "AmazonKinesis"


def _streams(unit: str, usagetype: str, operation: str) -> Target:
    return target(SERVICE, unit, productFamily="Kinesis Streams", usagetype=usagetype, operation=operation)


class AwsPriceWatcherKinesis(PriceWatcherAdapter):
    id = "aws-price-watcher-kinesis"
    files = ("kinesis.json",)
    description = "Amazon Kinesis Data Streams shards, PUT units and on-demand streams (pricing-page feed)"
    targets = {
        "Provisioned shard hour per ShardHour": _streams("Hrs", "Storage-ShardHour", "shardHourStorage"),
        "Payload Units per PutRequest": _streams("Units", "PutRequestPayloadUnits", "PutRequest"),
        "OnDemandStreamHr per StreamHr": _streams("Hrs", "OnDemand-StreamHour", "OnDemandStreamHr"),
        "OnDemandDataIngested per GB": _streams("GB", "OnDemand-BilledIncomingBytes", "OnDemandDataIngested"),
        "OnDemandDataRetrieval per GB": _streams("GB", "OnDemand-BilledOutgoingBytes", "OnDemandDataRetrieval"),
    }
    reasons = Reasons(
        (r" per CNN1 ", "regional duplicate of a generic key (same price)"),
        (r"(?i)retention|long term|fan out|EFO|Addon", "retention, enhanced fan-out: not modelled"),
    )
