"""EBS volume components, shared by aws_ebs_volume and the block devices of instances and templates.

Free baselines come from the EBS pricing page: gp3 includes 3,000 IOPS and 125 MiB/s; io2 IOPS are
priced in three tiers (up to 32,000, 32,001-64,000, above 64,000).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, is_unknown, quantity, usage_quantity
from finguard.pricing.usage import UsageKey

EBS_USAGE_KEYS = {"monthly_standard_io_requests": UsageKey("requests", "I/O requests to a magnetic (standard) volume")}

SERVICE = "AmazonEC2"
GP3_FREE_IOPS = Decimal(3000)
GP3_FREE_THROUGHPUT = Decimal(125)
IO2_TIER = Decimal(32000)
VOLUME_LABELS = {
    "gp2": "general purpose SSD, gp2",
    "gp3": "general purpose SSD, gp3",
    "io1": "provisioned IOPS SSD, io1",
    "io2": "provisioned IOPS SSD, io2",
    "st1": "throughput optimized HDD, st1",
    "sc1": "cold HDD, sc1",
    "standard": "magnetic",
}


def volume_components(
    volume_type: Any,
    size: Any,
    iops: Any = None,
    throughput: Any = None,
    *,
    count: Decimal | Any = Decimal(1),
    group: str | None = None,
    unknown_reason: str | None = None,
    usage: dict[str, Any] | None = None,
    size_name: str = "size",
) -> list[Component]:
    """Storage plus IOPS/throughput/IO components of one volume (times `count` identical volumes).
    An error about a bad value names the attribute: `size_name`, iops, throughput, under `group`."""
    at = f"{group}." if group else ""
    if is_unknown(volume_type):
        return [Component("Storage", "GB", SERVICE, {"volumeApiName": UNKNOWN}, UNKNOWN, group=group,
                          unknown_reason=unknown_reason or "volume type known only after apply")]
    if volume_type not in VOLUME_LABELS:
        raise ValueError(f"unknown EBS volume type {volume_type!r}")
    size_q = _times(quantity(size, name=at + size_name), count)
    storage = Component(
        f"Storage ({VOLUME_LABELS[volume_type]})", "GB", SERVICE,
        {"productFamily": "Storage", "volumeApiName": volume_type}, size_q, group=group,
        unknown_reason=unknown_reason or ("volume size known only after apply" if is_unknown(size_q) else None),
    )
    parts = [storage]
    if volume_type == "io1":
        parts.append(_iops("Provisioned IOPS", "io1", "EBS:VolumeP-IOPS.piops",
                           _times(quantity(iops, name=at + "iops"), count), group))
    elif volume_type == "io2":
        parts.extend(_io2_tiers(quantity(iops, name=at + "iops"), count, group))
    elif volume_type == "gp3":
        extra_iops = _above(quantity(iops, int(GP3_FREE_IOPS), name=at + "iops"), GP3_FREE_IOPS)
        if is_unknown(extra_iops) or extra_iops > 0:
            parts.append(_iops("Provisioned IOPS (above 3,000)", "gp3", "EBS:VolumeP-IOPS.gp3",
                               _times(extra_iops, count), group))
        extra_tp = _above(quantity(throughput, int(GP3_FREE_THROUGHPUT), name=at + "throughput"),
                          GP3_FREE_THROUGHPUT)
        if is_unknown(extra_tp) or extra_tp > 0:
            parts.append(Component(
                "Provisioned throughput (above 125 MiB/s)", "MiBps", SERVICE,
                {"productFamily": "Provisioned Throughput", "volumeApiName": "gp3",
                 "usagetype": "EBS:VolumeP-Throughput.gp3"},
                _times(extra_tp, count), price_factor=Decimal(1) / Decimal(1024), group=group,
            ))
    elif volume_type == "standard":
        requests = usage_quantity(usage or {}, "monthly_standard_io_requests")
        parts.append(Component(
            "I/O requests", "1M requests", SERVICE,
            {"productFamily": "System Operation", "volumeApiName": "standard", "usagetype": "EBS:VolumeIOUsage"},
            None if requests is None else requests / Decimal(1_000_000), price_factor=Decimal(1_000_000),
            group=group,
        ))
    return parts


def _iops(name: str, volume_type: str, usagetype: str, qty: Any, group: str | None) -> Component:
    return Component(
        name, "IOPS", SERVICE,
        {"productFamily": "System Operation", "volumeApiName": volume_type, "usagetype": usagetype},
        qty, group=group, unknown_reason="IOPS known only after apply" if is_unknown(qty) else None,
    )


def _io2_tiers(iops: Any, count: Any, group: str | None) -> list[Component]:
    if is_unknown(iops):
        return [_iops("Provisioned IOPS", "io2", "EBS:VolumeP-IOPS.io2", UNKNOWN, group)]
    tier1 = min(iops, IO2_TIER)
    tier2 = min(max(iops - IO2_TIER, Decimal(0)), IO2_TIER)
    tier3 = max(iops - 2 * IO2_TIER, Decimal(0))
    parts = [_iops("Provisioned IOPS (first 32,000)", "io2", "EBS:VolumeP-IOPS.io2", _times(tier1, count), group)]
    if tier2 > 0:
        parts.append(_iops("Provisioned IOPS (32,001-64,000)", "io2", "EBS:VolumeP-IOPS.io2.tier2",
                           _times(tier2, count), group))
    if tier3 > 0:
        parts.append(_iops("Provisioned IOPS (above 64,000)", "io2", "EBS:VolumeP-IOPS.io2.tier3",
                           _times(tier3, count), group))
    return parts


def _above(value: Any, baseline: Decimal) -> Any:
    return UNKNOWN if is_unknown(value) else max(value - baseline, Decimal(0))


def _times(value: Any, count: Any) -> Any:
    return UNKNOWN if is_unknown(value) or is_unknown(count) else value * count


def block_device_components(
    blocks: list[Attrs], label: str, *, count: Any = Decimal(1), default_type: Any = UNKNOWN
) -> list[Component]:
    """Components of an instance's `root_block_device` / `ebs_block_device` blocks."""
    parts: list[Component] = []
    for i, block in enumerate(blocks):
        group = label if len(blocks) == 1 and label == "root_block_device" else f"{label}[{i}]"
        parts.extend(volume_components(
            block.get("volume_type", default_type), block.get("volume_size"), block.get("iops"),
            block.get("throughput"), count=count, group=group, size_name="volume_size",
        ))
    return parts
