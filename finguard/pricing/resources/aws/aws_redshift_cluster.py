"""aws_redshift_cluster: node hours (node type x number of nodes), plus RA3 managed storage (usage-based).

RA3 nodes store data in Redshift Managed Storage, billed per GB-month of data stored; DC2/DS2 nodes
include their storage. Concurrency scaling, Spectrum and backup storage beyond the free allowance are
not modelled.
"""

from __future__ import annotations

from finguard.model import Resource
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, is_unknown, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey

SERVICE = "AmazonRedshift"


class AwsRedshiftCluster(CostModel):
    resource_types = ("aws_redshift_cluster",)
    usage_keys = {"managed_storage_gb": UsageKey("GB", "data stored in Redshift Managed Storage (RA3 nodes) per "
                                                       "month")}

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        node_type = attrs.get("node_type", UNKNOWN)
        nodes = attrs.quantity("number_of_nodes", 1)
        reason = None
        if is_unknown(node_type):
            reason = "node type known only after apply"
        elif is_unknown(nodes):
            reason = "number of nodes known only after apply"
        label = "?" if is_unknown(node_type) else node_type
        parts = [Component(f"Cluster usage (on-demand, {label})", "hours", SERVICE,
                           {"productFamily": "Compute Instance", "instanceType": node_type}, nodes, hourly=True,
                           unknown_reason=reason)]
        if isinstance(node_type, str) and node_type.startswith("ra3."):
            parts.append(Component(f"Managed storage ({node_type})", "GB", SERVICE,
                                   {"productFamily": "Redshift Managed Storage", "instanceType": node_type},
                                   usage_quantity(ctx.usage(resource), "managed_storage_gb")))
        return parts
