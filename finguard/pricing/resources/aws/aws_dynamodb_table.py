"""aws_dynamodb_table: PROVISIONED tables pay read/write capacity units per hour (read_capacity,
write_capacity; Application Auto Scaling limits on the table are shown in the name, the configured
capacity is priced); PAY_PER_REQUEST tables pay read/write request units from usage. Both pay data
storage and, with point-in-time recovery, PITR backup storage (per GB-month, from usage).

Account-wide free tiers (25 WCU, 25 RCU, 25 GB) are not attributed to one table. Global-table
replicas are billed in their own regions and are reported, not priced; Standard-IA tables are not
priced (their rates are not in the price data)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from finguard.model import Resource
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, is_unknown, quantity, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey

SERVICE = "AmazonDynamoDB"
MILLION = Decimal(1_000_000)
DIMENSIONS = {"Read": "dynamodb:table:ReadCapacityUnits", "Write": "dynamodb:table:WriteCapacityUnits"}


class AwsDynamodbTable(CostModel):
    resource_types = ("aws_dynamodb_table",)
    usage_keys = {
        "monthly_read_request_units": UsageKey("request units", "read request units per month (PAY_PER_REQUEST)"),
        "monthly_write_request_units": UsageKey("request units", "write request units per month (PAY_PER_REQUEST)"),
        "storage_gb": UsageKey("GB", "table size (items and indexes) averaged over the month"),
        "pitr_backup_storage_gb": UsageKey("GB", "point-in-time-recovery backup size (default: storage_gb)"),
    }

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        usage = ctx.usage(resource)
        table_class = attrs.get("table_class")
        if table_class == "STANDARD_INFREQUENT_ACCESS" or is_unknown(table_class):
            reason = ("table_class known only after apply" if is_unknown(table_class) else
                      "Standard-IA table class: its capacity, request and storage rates are not in the price data")
            return [Component("Table (capacity, requests and storage)", "months", SERVICE,
                              {"productFamily": UNKNOWN}, UNKNOWN, unknown_reason=reason)]
        mode = attrs.get("billing_mode", "PROVISIONED")
        parts: list[Component] = []
        if is_unknown(mode):
            parts.append(Component("Capacity or requests", "units", SERVICE, {"productFamily": UNKNOWN}, UNKNOWN,
                                   unknown_reason="billing_mode known only after apply"))
        elif mode == "PROVISIONED":
            targets = self._autoscaling(resource, attrs, ctx)
            for kind in ("Write", "Read"):
                parts.append(self._capacity(kind, attrs.get(f"{kind.lower()}_capacity"), targets.get(kind)))
        elif mode == "PAY_PER_REQUEST":
            for kind in ("Write", "Read"):
                units = usage_quantity(usage, f"monthly_{kind.lower()}_request_units")
                parts.append(Component(
                    f"{kind} request units", "1M request units", SERVICE,
                    {"productFamily": "Amazon DynamoDB PayPerRequest Throughput", "group": f"DDB-{kind}Units",
                     "usagetype": f"{kind}RequestUnits"},
                    None if units is None else units / MILLION, price_factor=MILLION))
        else:
            raise ValueError(f"unknown DynamoDB billing_mode {mode!r}")
        storage = usage_quantity(usage, "storage_gb")
        parts.append(Component("Data storage", "GB", SERVICE,
                               {"productFamily": "Database Storage", "usagetype": "TimedStorage-ByteHrs"}, storage))
        pitr = attrs.get("point_in_time_recovery.0.enabled")
        if pitr is True or is_unknown(pitr):
            size = usage_quantity(usage, "pitr_backup_storage_gb")
            parts.append(Component("Point-in-time recovery backup storage", "GB", SERVICE,
                                   {"productFamily": "Database Storage",
                                    "usagetype": UNKNOWN if is_unknown(pitr) else "TimedPITRStorage-ByteHrs"},
                                   size if size is not None else storage,
                                   unknown_reason="point_in_time_recovery known only after apply"))
        for replica in attrs.blocks("replica"):
            region = replica.get("region_name")
            where = "?" if is_unknown(region) else region
            parts.append(Component(
                f"Replica in {where}", "months", SERVICE, {"productFamily": UNKNOWN}, UNKNOWN,
                unknown_reason="global-table replicas are billed in their own region (replicated writes, storage): "
                               "not priced"))
        return parts

    @staticmethod
    def _capacity(kind: str, value: Any, target: Attrs | None) -> Component:
        units = quantity(value, name=f"{kind.lower()}_capacity")
        label = "?" if is_unknown(units) else f"{units.normalize():f}"
        name = f"{kind} capacity ({label} {kind[0]}CU"
        if target is not None:
            low, high = target.get("min_capacity"), target.get("max_capacity")
            show = [("?" if v is None or is_unknown(v) else f"{quantity(v, name=n).normalize():f}")
                    for v, n in ((low, "min_capacity"), (high, "max_capacity"))]
            name += f"; auto scaling {show[0]}-{show[1]}"
        return Component(name + ")", f"{kind[0]}CU-hours", SERVICE,
                         {"productFamily": "Provisioned IOPS", "group": f"DDB-{kind}Units",
                          "usagetype": f"{kind}CapacityUnit-Hrs"},
                         units, hourly=True,
                         unknown_reason=f"{kind.lower()}_capacity known only after apply" if is_unknown(units)
                         else None)

    @staticmethod
    def _autoscaling(resource: Resource, attrs: Attrs, ctx: ProjectContext) -> dict[str, Attrs]:
        """Application Auto Scaling targets on this table, by Read / Write."""
        name = attrs.get("name")
        found: dict[str, Attrs] = {}
        for other in ctx.of_type("aws_appautoscaling_target"):
            target = ctx.attrs_of(other)
            refs = [r for refs in other.references.values() for r in refs]
            base = f"{resource.type}.{resource.name}"
            same_module = other.module_address == resource.module_address
            own = (same_module and any(r == base or r.startswith(base + ".") for r in refs)) or \
                (isinstance(name, str) and target.get("resource_id") == f"table/{name}")
            if not own:
                continue
            for kind, dimension in DIMENSIONS.items():
                if target.get("scalable_dimension") == dimension:
                    found[kind] = target
        return found
