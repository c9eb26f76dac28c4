"""google_compute_address: an external IPv4 address's hours, in use by a VM or reserved but unused.

In use: an instance's `network_interface.access_config.nat_ip` references the address (priced with
"External IP Charge on a Standard VM", or "... on a Spot Preemptible VM" for a preemptible/Spot
instance; global SKUs). Unused: nothing in the plan uses it ("Static Ip Charge" of its region).
Used by a forwarding rule or Cloud NAT: reported, not priced. Internal addresses and internal
range reservations (VPC peering, Private Service Connect) cost nothing. The `used_by` usage value
overrides what the plan shows.
"""

from __future__ import annotations

from decimal import Decimal

from finguard.model import Resource
from finguard.pricing.resources.base import Attrs, Component, CostModel, NoCost, is_unknown
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.resources.google._common import COMPUTE, GLOBAL, component, sku, unknown_component
from finguard.pricing.resources.google.google_compute_instance import is_spot
from finguard.pricing.usage import UsageKey

FREE_PURPOSES = ("VPC_PEERING", "PRIVATE_SERVICE_CONNECT", "IPSEC_INTERCONNECT", "SHARED_LOADBALANCER_VIP",
                 "GCE_ENDPOINT_INTERNAL")
USED_BY = ("standard_vm", "preemptible_vm", "unused")
# Resource types that hold an external address without a VM (their in-use price is not mapped).
# Catalog API description stems of the address SKUs (the in-use ones are global SKUs)
IN_USE_STANDARD = "External IP Charge on a Standard VM"
IN_USE_SPOT = "External IP Charge on a Spot Preemptible VM"
UNUSED = "Static Ip Charge"
OTHER_USERS = ("google_compute_forwarding_rule", "google_compute_global_forwarding_rule", "google_compute_router_nat")


def _references_address(resource: Resource, address: str) -> list[str]:
    """Configuration paths of `resource` that reference the address resource `address`."""
    return [path for path, refs in resource.references.items()
            if any(ref == address or ref.startswith(address + ".") for ref in refs)]


def address_use(resource: Resource, ctx: ProjectContext) -> str:
    """standard_vm, preemptible_vm, other or unused, from the references in the plan."""
    local = f"{resource.type}.{resource.name}"  # references are relative to the module
    found = "unused"
    for other in ctx.by_address.values():
        if other.address == resource.address or (other.module_address or None) != (resource.module_address or None):
            continue
        paths = _references_address(other, local)
        if not paths:
            continue
        if other.type == "google_compute_instance" and any("access_config" in p for p in paths):
            values = other.after if ctx.state == "after" else other.before
            return "preemptible_vm" if is_spot(Attrs(values or {})) else "standard_vm"
        if other.type in OTHER_USERS:
            found = "other"
    return found


class GoogleComputeAddress(CostModel):
    resource_types = ("google_compute_address",)
    provider = "google"
    usage_keys = {"used_by": UsageKey("", "what uses the address (default: read from the plan's references)",
                                      choices=USED_BY)}

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        address_type = attrs.get("address_type") or "EXTERNAL"
        purpose = attrs.get("purpose")
        if isinstance(address_type, str) and address_type.upper() == "INTERNAL":
            raise NoCost("internal IP addresses are free")
        if isinstance(purpose, str) and purpose.upper() in FREE_PURPOSES:
            raise NoCost(f"{purpose} address reservations are free")
        if is_unknown(address_type):
            return [unknown_component("IP address", "hours", COMPUTE, "address type known only after apply")]
        used_by = ctx.usage(resource).get("used_by")
        use = str(used_by).lower() if used_by is not None else address_use(resource, ctx)
        one = Decimal(1)
        if use == "standard_vm":
            return [component("IP address (in use by a standard VM)", "hours", COMPUTE,
                              sku(IN_USE_STANDARD), one, hourly=True, region=GLOBAL)]
        if use == "preemptible_vm":
            return [component("IP address (in use by a preemptible VM)", "hours", COMPUTE,
                              sku(IN_USE_SPOT), one, hourly=True, region=GLOBAL)]
        if use == "other":
            return [unknown_component("IP address (used by a forwarding rule or Cloud NAT)", "hours", COMPUTE,
                                      "the in-use price of an address held by a forwarding rule or Cloud NAT is "
                                      "not mapped")]
        return [component("IP address (unused)", "hours", COMPUTE, sku(UNUSED), one, hourly=True)]
