"""google_compute_router_nat: gateway uptime per assigned VM (up to 32), data processed (usage-based).

Cloud NAT charges an hourly uptime price per VM that uses the gateway, for at most 32 VMs (beyond
that the gateway's hourly charge no longer grows), and a price per GB the gateway processes. How
many VMs use a gateway and how much data it processes are usage values.
"""

from __future__ import annotations

from decimal import Decimal

from finguard.model import Resource
from finguard.pricing.resources.base import Attrs, Component, CostModel, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.resources.google._common import COMPUTE, component, sku
from finguard.pricing.usage import UsageKey

MAX_BILLED_VMS = Decimal(32)
UPTIME = "NAT Gateway: Uptime charge"  # Catalog API description stems
DATA = "NAT Gateway: Data processing charge"


class GoogleComputeRouterNat(CostModel):
    resource_types = ("google_compute_router_nat",)
    provider = "google"
    usage_keys = {
        "assigned_vms": UsageKey("VMs", "VM instances that use the gateway (billed up to 32)"),
        "monthly_data_processed_gb": UsageKey("GB", "data the gateway processes per month (both directions)"),
    }

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        usage = ctx.usage(resource)
        vms = usage_quantity(usage, "assigned_vms")
        billed = None if vms is None else min(vms, MAX_BILLED_VMS)
        label = "" if vms is None else f", {billed.normalize():f} of {vms.normalize():f} billed" if vms > 32 else ""
        return [
            component(f"Gateway uptime (per assigned VM, up to 32{label})", "VM-hours", COMPUTE,
                      sku(UPTIME), billed, hourly=True),
            component("Data processed", "GB", COMPUTE, sku(DATA),
                      usage_quantity(usage, "monthly_data_processed_gb")),
        ]
