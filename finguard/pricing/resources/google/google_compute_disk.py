"""google_compute_disk: provisioned GB by disk type (pd-standard, pd-balanced, pd-ssd, pd-extreme + IOPS).

Without `size`, a blank disk gets the GCE API's default size for its type (pd-standard 500 GB,
pd-balanced and pd-ssd 100 GB, pd-extreme 1000 GB); a disk made from an image or snapshot takes that
source's size, known only after apply.
"""

from __future__ import annotations

from finguard.model import Resource
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, is_unknown
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.resources.google._common import (
    COMPUTE,
    DEFAULT_DISK_GB,
    as_decimal,
    component,
    disk_component,
    sku,
)


class GoogleComputeDisk(CostModel):
    resource_types = ("google_compute_disk",)
    provider = "google"

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        disk_type = attrs.get("type", "pd-standard")
        size = as_decimal(attrs.get("size"), name="size")
        reason = None
        if size is None:
            if attrs.get("image") or attrs.get("snapshot") or attrs.get("source_disk"):
                size, reason = UNKNOWN, "disk size comes from its image or snapshot, known only after apply"
            elif isinstance(disk_type, str):
                size = DEFAULT_DISK_GB.get(disk_type, UNKNOWN)
        parts = [disk_component("Storage", disk_type, size, unknown_reason=reason)]
        if disk_type == "pd-extreme":
            iops = as_decimal(attrs.get("provisioned_iops"), name="provisioned_iops")
            parts.append(component(
                "Provisioned IOPS", "IOPS", COMPUTE, sku("Extreme PD IOPS"),
                iops if iops is not None else UNKNOWN,
                unknown_reason=None if iops is not None and not is_unknown(iops)
                else "provisioned IOPS known only after apply"))
        return parts

