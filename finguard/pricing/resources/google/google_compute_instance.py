"""google_compute_instance: vCPU and memory hours (or the machine type's hours), boot disk, local SSDs, GPUs.

Predefined E2/N1/N2/N2D types and N1/N2/N2D custom types are priced per vCPU-hour and per GB-hour
of memory, as the Catalog API bills them; f1-micro and g1-small by their own flat SKU; every other
predefined type (C2, C3, N4, T2D, ...) by its per-machine-type hourly list price. Preemptible
and Spot VMs (`scheduling.preemptible`, `scheduling.provisioning_model = "SPOT"`) are reported, not
priced: only on-demand prices are in the catalog. Sustained-use discounts are not applied.
"""

from __future__ import annotations

from finguard.model import Resource
from finguard.pricing.resources.base import Attrs, Component, CostModel, is_unknown
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.resources.google._common import (
    as_decimal,
    disk_component,
    gpu_components,
    local_ssd_component,
    machine_components,
    unknown_component,
)


def is_spot(attrs: Attrs) -> bool:
    """Preemptible or Spot scheduling (the model is on-demand only)."""
    for block in attrs.blocks("scheduling"):
        if block.get("preemptible") is True or str(block.get("provisioning_model") or "").upper() == "SPOT":
            return True
    return False


class GoogleComputeInstance(CostModel):
    resource_types = ("google_compute_instance",)
    provider = "google"

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        spot = is_spot(attrs)
        parts = machine_components(attrs.get("machine_type"), spot=spot)
        parts.extend(boot_disk(attrs))
        scratch = attrs.get("scratch_disk")
        if is_unknown(scratch) or (isinstance(scratch, list) and scratch):
            ssd = local_ssd_component(as_decimal(len(scratch)) if isinstance(scratch, list) else scratch, spot=spot)
            if ssd is not None:
                parts.append(ssd)
        parts.extend(gpu_components(attrs.blocks("guest_accelerator"), spot=spot))
        return parts


def boot_disk(attrs: Attrs) -> list[Component]:
    """The boot disk created with the instance (an attached existing disk is priced as its own resource)."""
    disks = attrs.blocks("boot_disk")
    if not disks:
        return [unknown_component("Boot disk", "GB", "Compute Engine", "boot disk known only after apply")]
    disk = disks[0]
    if disk.get("source") and not disk.blocks("initialize_params"):
        return []  # boots from an existing google_compute_disk, priced there
    params = disk.blocks("initialize_params")
    params_attrs = params[0] if params else Attrs({})
    size = as_decimal(params_attrs.get("size"), name="size")
    disk_type = params_attrs.get("type")
    if size is None:
        return [unknown_component(f"Boot disk ({disk_type or '?'})", "GB", "Compute Engine",
                                  "boot disk size comes from the image, known only after apply")]
    if disk_type is None:
        return [unknown_component("Boot disk (?)", "GB", "Compute Engine",
                                  "boot disk type not set: the provider's default is known only after apply")]
    return [disk_component("Boot disk", disk_type, size)]
