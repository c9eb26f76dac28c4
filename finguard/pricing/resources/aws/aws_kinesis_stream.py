"""aws_kinesis_stream: provisioned streams (shard hours, PUT payload units) and on-demand streams (stream
hours, data ingested and retrieved). Usage-based parts without a value are shown with their unit price.
Extended retention and enhanced fan-out are not modelled.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from finguard.model import Resource
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, is_unknown, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey

SERVICE = "AmazonKinesis"
MILLION = Decimal(1_000_000)


def _filters(usagetype: str, operation: str) -> dict[str, Any]:
    return {"productFamily": "Kinesis Streams", "usagetype": usagetype, "operation": operation}


class AwsKinesisStream(CostModel):
    resource_types = ("aws_kinesis_stream",)
    usage_keys = {
        "monthly_put_payload_units": UsageKey("PUT payload units", "25 KB PUT payload units a provisioned stream "
                                                                   "ingests per month"),
        "monthly_on_demand_data_in_gb": UsageKey("GB", "data an on-demand stream ingests per month"),
        "monthly_on_demand_data_out_gb": UsageKey("GB", "data read from an on-demand stream per month (all "
                                                        "consumers, without enhanced fan-out)"),
    }

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        usage = ctx.usage(resource)
        modes = attrs.blocks("stream_mode_details")
        mode = modes[0].get("stream_mode", "PROVISIONED") if modes else "PROVISIONED"
        if is_unknown(mode):
            return [Component("Stream", "hours", SERVICE, {"productFamily": "Kinesis Streams", "usagetype": UNKNOWN},
                              UNKNOWN, hourly=True, unknown_reason="stream mode known only after apply")]
        if mode == "ON_DEMAND":
            return [
                Component("On-demand stream", "hours", SERVICE, _filters("OnDemand-StreamHour", "OnDemandStreamHr"),
                          Decimal(1), hourly=True),
                Component("Data ingested", "GB", SERVICE,
                          _filters("OnDemand-BilledIncomingBytes", "OnDemandDataIngested"),
                          usage_quantity(usage, "monthly_on_demand_data_in_gb")),
                Component("Data retrieval", "GB", SERVICE,
                          _filters("OnDemand-BilledOutgoingBytes", "OnDemandDataRetrieval"),
                          usage_quantity(usage, "monthly_on_demand_data_out_gb")),
            ]
        if mode != "PROVISIONED":
            raise ValueError(f"unknown stream_mode {mode!r}")
        shards = attrs.quantity("shard_count")
        units = usage_quantity(usage, "monthly_put_payload_units")
        return [
            Component("Shards", "hours", SERVICE, _filters("Storage-ShardHour", "shardHourStorage"), shards,
                      hourly=True, unknown_reason="shard count known only after apply" if is_unknown(shards) else None),
            Component("PUT payload units", "1M units", SERVICE, _filters("PutRequestPayloadUnits", "PutRequest"),
                      None if units is None else units / MILLION, price_factor=MILLION),
        ]
