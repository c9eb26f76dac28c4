"""Virtual machine scale sets: `instances` VMs of one size, each with its OS disk."""

from __future__ import annotations

from finguard.model import Resource
from finguard.pricing.resources.azure._common import VM_USAGE_KEYS, monthly_hours, os_disk_components, vm_hours
from finguard.pricing.resources.base import Attrs, Component, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey

SCALE_SET_USAGE_KEYS = {
    **VM_USAGE_KEYS,
    "instances": UsageKey("instances", "average number of instances when autoscaling changes `instances`"),
}


def scale_set_components(resource: Resource, attrs: Attrs, ctx: ProjectContext, os_name: str,
                         hybrid_benefit: bool = False) -> list[Component]:
    usage = ctx.usage(resource)
    count = usage_quantity(usage, "instances")
    if count is None:
        count = attrs.quantity("instances", 0)
    disks = attrs.blocks("os_disk")
    return [
        vm_hours(attrs.get("sku"), os_name, count=count, monthly_hours=monthly_hours(usage),
                 hybrid_benefit=hybrid_benefit, spot=attrs.get("priority") == "Spot"),
        *os_disk_components(disks[0] if disks else None, count=count, usage=usage),
    ]
