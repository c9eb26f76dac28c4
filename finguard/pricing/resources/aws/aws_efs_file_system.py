"""aws_efs_file_system: storage per GB-month by class (Standard, or One Zone when availability_zone_name
is set; Infrequent Access storage and IA reads/writes when a lifecycle policy moves files there or
its usage is given), all from usage; provisioned throughput above the bursting baseline that the
Standard storage earns (50 KiB/s per GiB). Elastic throughput's per-GB charges are not priced."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from finguard.model import Resource
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, is_unknown, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey

SERVICE = "AmazonEFS"
BASELINE_MIBPS_PER_GB = Decimal(50) / Decimal(1024)


class AwsEfsFileSystem(CostModel):
    resource_types = ("aws_efs_file_system",)
    usage_keys = {
        "storage_gb": UsageKey("GB", "data in the Standard (or One Zone) class, averaged over the month"),
        "infrequent_access_storage_gb": UsageKey("GB", "data in the Infrequent Access class, averaged over the month"),
        "monthly_infrequent_access_read_gb": UsageKey("GB", "data read from Infrequent Access per month"),
        "monthly_infrequent_access_write_gb": UsageKey("GB", "data written to Infrequent Access per month"),
    }

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        usage = ctx.usage(resource)
        zone = attrs.get("availability_zone_name")
        one_zone = UNKNOWN if is_unknown(zone) else bool(zone)
        z = UNKNOWN if is_unknown(one_zone) else ("-Z" if one_zone else "")
        label = "?" if is_unknown(one_zone) else ("One Zone" if one_zone else "Standard")
        reason = "availability_zone_name known only after apply"
        storage = usage_quantity(usage, "storage_gb")
        parts = [Component(f"Storage ({label})", "GB", SERVICE,
                           {"productFamily": "Storage",
                            "usagetype": UNKNOWN if is_unknown(z) else f"TimedStorage{z}-ByteHrs"},
                           storage, unknown_reason=reason)]
        ia_storage = usage_quantity(usage, "infrequent_access_storage_gb")
        moves = [p.get("transition_to_ia") for p in attrs.blocks("lifecycle_policy")]
        if ia_storage is not None or any(m or is_unknown(m) for m in moves):
            parts.append(Component(f"Storage ({label} Infrequent Access)", "GB", SERVICE,
                                   {"productFamily": "Storage",
                                    "usagetype": UNKNOWN if is_unknown(z) else f"IATimedStorage{z}-ByteHrs"},
                                   ia_storage, unknown_reason=reason))
            for kind in ("Read", "Write"):
                parts.append(Component(f"Infrequent Access {kind.lower()}s", "GB", SERVICE,
                                       {"productFamily": "Storage", "accessType": kind},
                                       usage_quantity(usage, f"monthly_infrequent_access_{kind.lower()}_gb")))
        parts.extend(self._throughput(attrs, storage))
        return parts

    @staticmethod
    def _throughput(attrs: Attrs, storage: Decimal | None) -> list[Component]:
        mode = attrs.get("throughput_mode", "bursting")
        if is_unknown(mode):
            return [Component("Throughput", "MiBps", SERVICE, {"productFamily": UNKNOWN}, UNKNOWN,
                              unknown_reason="throughput_mode known only after apply")]
        if mode == "elastic":
            return [Component("Elastic throughput (reads and writes)", "GB", SERVICE, {"productFamily": UNKNOWN},
                              UNKNOWN, unknown_reason="elastic throughput is charged per GB read and written: "
                                                      "its rates are not in the price data")]
        if mode != "provisioned":
            return []
        provisioned = attrs.quantity("provisioned_throughput_in_mibps")
        name = "Provisioned throughput"
        billable: Any = provisioned
        if is_unknown(provisioned):
            pass
        elif storage is None:
            name += " (no storage_gb usage: bursting baseline not deducted)"
        else:
            baseline = storage * BASELINE_MIBPS_PER_GB
            billable = max(provisioned - baseline, Decimal(0))
            name += f" (above the {baseline.quantize(Decimal('0.01'))} MiBps bursting baseline)"
        return [Component(name, "MiBps", SERVICE,
                          {"productFamily": "Provisioned Throughput", "usagetype": "ProvisionedTP-MiBpsHrs"},
                          billable, unknown_reason="provisioned_throughput_in_mibps known only after apply"
                          if is_unknown(billable) else None)]
