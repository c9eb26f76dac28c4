"""aws_msk_cluster: broker hours (instance type x broker nodes) and EBS storage (volume size x brokers).

Storage is provisioned per broker. Storage auto scaling can grow the volumes beyond the configured size,
and provisioned storage throughput is billed on top; neither is in the plan's numbers: auto scaling is
not modelled (the configured size is priced), provisioned throughput is reported as not priced.
Express brokers (express.*) have no EBS storage and no price in the snapshot.
"""

from __future__ import annotations

from typing import Any

from finguard.model import Resource
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, is_unknown, quantity
from finguard.pricing.resources.context import ProjectContext

SERVICE = "AmazonMSK"
FAMILY = "Managed Streaming for Apache Kafka (MSK)"


def broker_usagetype(instance_type: Any) -> Any:
    """kafka.m5.large -> Kafka.m5.large (the usage type the price list bills broker hours under)."""
    if isinstance(instance_type, str) and instance_type.startswith("kafka."):
        return "Kafka." + instance_type.removeprefix("kafka.")
    return UNKNOWN if is_unknown(instance_type) else instance_type


def _times(a: Any, b: Any) -> Any:
    return UNKNOWN if is_unknown(a) or is_unknown(b) else a * b


class AwsMskCluster(CostModel):
    resource_types = ("aws_msk_cluster",)

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        brokers = attrs.quantity("number_of_broker_nodes")
        groups = attrs.blocks("broker_node_group_info")
        group = groups[0] if groups else Attrs({}, ["*"])
        instance_type = group.get("instance_type", UNKNOWN)
        reason = None
        if is_unknown(instance_type):
            reason = "broker instance type known only after apply"
        elif is_unknown(brokers):
            reason = "number of broker nodes known only after apply"
        label = "?" if is_unknown(instance_type) else instance_type
        parts = [Component(f"Broker instance ({label})", "hours", SERVICE,
                           {"productFamily": FAMILY, "usagetype": broker_usagetype(instance_type)}, brokers,
                           hourly=True, unknown_reason=reason)]
        if isinstance(instance_type, str) and instance_type.startswith("express."):
            return parts
        ebs = [e for s in group.blocks("storage_info") for e in s.blocks("ebs_storage_info")]
        size = ebs[0].get("volume_size") if ebs else group.get("ebs_volume_size")
        total = _times(quantity(size, name="volume_size"), brokers)
        reason = "broker volume size known only after apply" if is_unknown(total) else None
        parts.append(Component("Storage", "GB", SERVICE, {"productFamily": FAMILY, "storageFamily": "GP2"}, total,
                               unknown_reason=reason))
        throughput = [p for e in ebs for p in e.blocks("provisioned_throughput")]
        if throughput and throughput[0].get("enabled") is True:
            parts.append(Component("Provisioned storage throughput", "MiB/s", SERVICE,
                                   {"productFamily": FAMILY, "usagetype": UNKNOWN}, None,
                                   unknown_reason="provisioned storage throughput has no price in the snapshot"))
        return parts
