"""aws_opensearch_domain: data node hours, dedicated master hours, UltraWarm node hours, EBS storage.

Instance types are priced under the price list's "<type>.search" names (aws_elasticsearch_domain's
"<type>.elasticsearch" types are the same products). EBS storage is provisioned per data node, so the
volume size counts once per data node; io1 adds provisioned IOPS per node. gp3 includes a baseline of
3,000 IOPS and 125 MiB/s; provisioned performance above it depends on the volume size and is not
modelled (reported, not priced at 0). UltraWarm managed storage and snapshots are not modelled.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, ClassVar

from finguard.model import Resource
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, is_unknown, quantity
from finguard.pricing.resources.context import ProjectContext

SERVICE = "AmazonES"
INSTANCE_FAMILY = "Amazon OpenSearch Service Instance"
VOLUME_FAMILY = "Amazon OpenSearch Service Volume"
STORAGE_MEDIA = {"gp2": "GP2", "gp3": "GP3", "io1": "PIOPS-Storage", "standard": "Magnetic"}
GP3_BASELINE_IOPS = Decimal(3000)
GP3_BASELINE_THROUGHPUT = Decimal(125)


def price_list_type(instance_type: Any) -> Any:
    """"c5.large.elasticsearch" -> "c5.large.search" (the price list's name for both services)."""
    return re.sub(r"\.elasticsearch$", ".search", instance_type) if isinstance(instance_type, str) else instance_type


def _times(a: Any, b: Any) -> Any:
    return UNKNOWN if is_unknown(a) or is_unknown(b) else a * b


class AwsOpensearchDomain(CostModel):
    resource_types: ClassVar[tuple[str, ...]] = ("aws_opensearch_domain",)
    default_instance_type: ClassVar[str] = "m4.large.search"  # the provider's cluster_config default

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        clusters = attrs.blocks("cluster_config")
        if not clusters:
            return [Component("Instance", "hours", SERVICE, {"productFamily": INSTANCE_FAMILY, "instanceType": UNKNOWN},
                              UNKNOWN, hourly=True,
                              unknown_reason="no cluster_config in the plan: instance type and count come from AWS "
                                             "defaults")]
        cluster = clusters[0]
        data_nodes = cluster.quantity("instance_count", 1)
        parts = [self._hours("Instance", cluster.get("instance_type", self.default_instance_type), data_nodes)]
        parts.extend(self._storage(attrs, data_nodes))
        if cluster.get("dedicated_master_enabled") is True:
            masters = cluster.quantity("dedicated_master_count")
            parts.append(self._hours("Dedicated master", cluster.get("dedicated_master_type", UNKNOWN), masters,
                                     "dedicated_master_count not set: AWS decides how many masters run"
                                     if cluster.get("dedicated_master_count") is None else None))
        if cluster.get("warm_enabled") is True:
            warm = cluster.quantity("warm_count")
            parts.append(self._hours("UltraWarm instance", cluster.get("warm_type", UNKNOWN), warm))
        return parts

    def _hours(self, kind: str, instance_type: Any, count: Any, reason: str | None = None) -> Component:
        label = "?" if is_unknown(instance_type) else instance_type
        if reason is None and is_unknown(instance_type):
            reason = f"{kind.lower()} type known only after apply"
        elif reason is None and is_unknown(count):
            reason = f"{kind.lower()} count known only after apply"
        return Component(f"{kind} (on-demand, {label})", "hours", SERVICE,
                         {"productFamily": INSTANCE_FAMILY, "instanceType": price_list_type(instance_type)},
                         count, hourly=True, unknown_reason=reason)

    def _storage(self, attrs: Attrs, data_nodes: Any) -> list[Component]:
        ebs = attrs.blocks("ebs_options")
        enabled = ebs[0].get("ebs_enabled") if ebs else None
        if is_unknown(enabled):
            return [Component("Storage", "GB", SERVICE, {"productFamily": VOLUME_FAMILY, "storageMedia": UNKNOWN},
                              UNKNOWN, unknown_reason="ebs_enabled known only after apply")]
        if enabled is not True:
            return []  # instance storage only: included in the instance price
        volume_type = ebs[0].get("volume_type", UNKNOWN)
        size = ebs[0].get("volume_size", UNKNOWN)
        if is_unknown(volume_type) or volume_type not in STORAGE_MEDIA:
            reason = ("EBS volume type known only after apply" if is_unknown(volume_type)
                      else f"unknown EBS volume type {volume_type!r}")
            return [Component("Storage", "GB", SERVICE, {"productFamily": VOLUME_FAMILY, "storageMedia": UNKNOWN},
                              UNKNOWN, unknown_reason=reason)]
        total = _times(quantity(size, name="ebs_options.0.volume_size"), data_nodes)
        parts = [Component(f"Storage ({volume_type})", "GB", SERVICE,
                           {"productFamily": VOLUME_FAMILY, "storageMedia": STORAGE_MEDIA[volume_type]}, total,
                           unknown_reason="volume size known only after apply" if is_unknown(total) else None)]
        if volume_type == "io1":
            iops = _times(ebs[0].quantity("iops"), data_nodes)
            parts.append(Component("Storage IOPS (io1)", "IOPS", SERVICE,
                                   {"productFamily": VOLUME_FAMILY, "storageMedia": "PIOPS"}, iops,
                                   unknown_reason="IOPS known only after apply" if is_unknown(iops) else None))
        elif volume_type == "gp3":
            iops, throughput = ebs[0].get("iops"), ebs[0].get("throughput")
            above = [name for name, value, base in (("IOPS", iops, GP3_BASELINE_IOPS),
                                                    ("throughput", throughput, GP3_BASELINE_THROUGHPUT))
                     if is_unknown(value) or (value is not None and quantity(value, name=name.lower()) > base)]
            if above:
                parts.append(Component(
                    f"Provisioned gp3 {' and '.join(above)} above the baseline", "IOPS, MiB/s", SERVICE,
                    {"productFamily": VOLUME_FAMILY, "storageMedia": UNKNOWN}, None,
                    unknown_reason="gp3 IOPS/throughput above 3,000 IOPS / 125 MiB/s: OpenSearch's included "
                                   "performance depends on the volume size and is not modelled"))
        return parts
