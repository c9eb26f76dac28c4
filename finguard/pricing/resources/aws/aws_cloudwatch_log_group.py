"""aws_cloudwatch_log_group: data ingested (per GB), stored (per GB-month) and scanned by Logs Insights
queries (per GB), all from usage. Only the Standard log class is priced: Infrequent Access and
Delivery classes ingest at rates that are not in the price data. Account-wide free tiers (5 GB)
are not attributed to one log group."""

from __future__ import annotations

from finguard.model import Resource
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, is_unknown, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey

SERVICE = "AmazonCloudWatch"


class AwsCloudwatchLogGroup(CostModel):
    resource_types = ("aws_cloudwatch_log_group",)
    usage_keys = {
        "monthly_data_ingested_gb": UsageKey("GB", "log data ingested per month"),
        "storage_gb": UsageKey("GB", "archived log data stored, averaged over the month"),
        "monthly_data_scanned_gb": UsageKey("GB", "data scanned by Logs Insights queries per month"),
    }

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        usage = ctx.usage(resource)
        log_class = attrs.get("log_group_class", "STANDARD")
        ingested = usage_quantity(usage, "monthly_data_ingested_gb")
        if is_unknown(log_class) or log_class != "STANDARD":
            reason = ("log_group_class known only after apply" if is_unknown(log_class) else
                      f"{log_class} log class: its ingestion rate is not in the price data")
            ingestion = Component("Data ingested", "GB", SERVICE, {"productFamily": "Data Payload",
                                                                   "usagetype": UNKNOWN},
                                  ingested, unknown_reason=reason)
        else:
            ingestion = Component("Data ingested (Standard class)", "GB", SERVICE,
                                  {"productFamily": "Data Payload", "usagetype": "DataProcessing-Bytes"}, ingested)
        return [
            ingestion,
            Component("Storage (archived)", "GB", SERVICE,
                      {"productFamily": "Storage Snapshot", "usagetype": "TimedStorage-ByteHrs"},
                      usage_quantity(usage, "storage_gb")),
            Component("Logs Insights data scanned", "GB", SERVICE,
                      {"productFamily": "Data Payload", "usagetype": "DataScanned-Bytes"},
                      usage_quantity(usage, "monthly_data_scanned_gb")),
        ]
