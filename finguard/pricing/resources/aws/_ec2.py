"""EC2 instance-hour components, shared by instances, auto scaling groups and EKS node groups."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from finguard.pricing.resources.aws._ebs import block_device_components, volume_components
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, is_unknown, usage_quantity
from finguard.pricing.usage import UsageKey

SERVICE = "AmazonEC2"
TENANCY = {"default": "Shared", "dedicated": "Dedicated", "host": "Host"}
OS_LABELS = {"Linux": "Linux/UNIX", "Windows": "Windows", "RHEL": "RHEL", "SUSE": "SUSE"}
# Burstable families whose CPU credits default to "unlimited" (t2 defaults to "standard").
UNLIMITED_BY_DEFAULT = ("t3", "t3a", "t4g")
DETAILED_MONITORING_METRICS = Decimal(7)


def instance_hours(
    instance_type: Any,
    *,
    count: Any = Decimal(1),
    operating_system: str = "Linux",
    tenancy: str = "default",
    spot: bool = False,
) -> Component:
    """Hours of `count` instances running all month, priced on demand."""
    label = OS_LABELS.get(operating_system, operating_system)
    purchase = "spot" if spot else "on-demand"
    type_label = "?" if is_unknown(instance_type) else instance_type
    name = f"Instance usage ({label}, {purchase}, {type_label})"
    reason = None
    if is_unknown(instance_type):
        reason = "instance type known only after apply"
    elif is_unknown(count):
        reason = "instance count known only after apply"
    filters: dict[str, Any] = {
        "productFamily": "Compute Instance",
        "instanceType": instance_type,
        "operatingSystem": operating_system,
        "tenancy": TENANCY.get(tenancy, tenancy),
        "preInstalledSw": "NA",
        "capacitystatus": "Used",
        "licenseModel": "No License required",
    }
    if spot:
        filters["instanceType"] = UNKNOWN
        reason = "spot prices change continuously and are not in the public on-demand price list"
    return Component(name, "hours", SERVICE, filters, count, hourly=True, unknown_reason=reason)


def detailed_monitoring(count: Any = Decimal(1)) -> Component:
    qty = UNKNOWN if is_unknown(count) else DETAILED_MONITORING_METRICS * count
    return Component(
        "EC2 detailed monitoring", "metrics", "AmazonCloudWatch",
        {"productFamily": "Metric", "usagetype": "CW:MetricMonitorUsage"}, qty,
    )


OS_CHOICES = {"linux": "Linux", "windows": "Windows", "rhel": "RHEL", "suse": "SUSE"}
# Usage keys of everything that launches EC2 instances (instances, auto scaling groups).
EC2_USAGE_KEYS = {
    "operating_system": UsageKey("", "the AMI's operating system (a plan does not say; default linux)",
                                 choices=tuple(OS_CHOICES)),
    "monthly_cpu_credit_hrs": UsageKey("vCPU-hours", "CPU credits used above baseline (unlimited burstable types)"),
}


def usage_os(usage: dict[str, Any]) -> str:
    return OS_CHOICES[str(usage.get("operating_system", "linux")).lower()]


def cpu_credits(instance_type: Any, credit_mode: Any, usage: dict[str, Any] | None = None) -> Component | None:
    """Unlimited-mode burstable instances pay for credits beyond baseline: usage-based."""
    if is_unknown(instance_type) or not isinstance(instance_type, str):
        return None
    family = instance_type.split(".", 1)[0]
    if family not in ("t2", *UNLIMITED_BY_DEFAULT):
        return None
    mode = credit_mode if isinstance(credit_mode, str) and credit_mode else (
        "unlimited" if family in UNLIMITED_BY_DEFAULT else "standard")
    if mode != "unlimited":
        return None
    return Component(
        "CPU credits", "vCPU-hours", SERVICE,
        {"productFamily": "CPU Credits", "operatingSystem": "Linux", "usagetype": f"CPUCredits:{family}"},
        usage_quantity(usage or {}, "monthly_cpu_credit_hrs"),
    )


@dataclass(slots=True)
class LaunchSpec:
    """What a launch template or launch configuration says about the instances it launches."""

    instance_type: Any = UNKNOWN
    volumes: list[Component] = field(default_factory=list)
    monitoring: bool = False
    tenancy: str = "default"
    spot: bool = False
    credit_mode: Any = None


def launch_template_spec(lt: Attrs, count: Any) -> LaunchSpec:
    spec = LaunchSpec(instance_type=lt.get("instance_type", UNKNOWN))
    for i, mapping in enumerate(lt.blocks("block_device_mappings")):
        for ebs in mapping.blocks("ebs"):
            spec.volumes.extend(volume_components(
                ebs.get("volume_type", "gp2"), ebs.get("volume_size"), ebs.get("iops"), ebs.get("throughput"),
                count=count, group=f"block_device_mappings[{i}] ({mapping.get('device_name', '?')})",
            ))
    monitoring = lt.blocks("monitoring")
    spec.monitoring = bool(monitoring and monitoring[0].get("enabled") is True)
    placement = lt.blocks("placement")
    if placement and isinstance(placement[0].get("tenancy"), str):
        spec.tenancy = placement[0].get("tenancy")
    market = lt.blocks("instance_market_options")
    spec.spot = bool(market and market[0].get("market_type") == "spot")
    credits = lt.blocks("credit_specification")
    spec.credit_mode = credits[0].get("cpu_credits") if credits else None
    return spec


def launch_configuration_spec(lc: Attrs, count: Any) -> LaunchSpec:
    spec = LaunchSpec(instance_type=lc.get("instance_type", UNKNOWN))
    spec.volumes = block_device_components(lc.blocks("root_block_device"), "root_block_device", count=count,
                                           default_type="gp2")
    spec.volumes += block_device_components(lc.blocks("ebs_block_device"), "ebs_block_device", count=count,
                                            default_type="gp2")
    # Launch configurations enable detailed monitoring unless told otherwise.
    spec.monitoring = lc.get("enable_monitoring", True) is not False
    spec.tenancy = "dedicated" if lc.get("placement_tenancy") == "dedicated" else "default"
    spec.spot = bool(lc.get("spot_price"))
    return spec


def fleet_components(spec: LaunchSpec, count: Any, operating_system: str = "Linux",
                     usage: dict[str, Any] | None = None) -> list[Component]:
    """Instance hours, monitoring and volumes for `count` instances launched from one spec."""
    parts = [instance_hours(spec.instance_type, count=count, operating_system=operating_system,
                            tenancy=spec.tenancy, spot=spec.spot)]
    if spec.monitoring:
        parts.append(detailed_monitoring(count))
    credits = cpu_credits(spec.instance_type, spec.credit_mode, usage)
    if credits is not None:
        parts.append(credits)
    parts.extend(spec.volumes)
    return parts
