"""aws_ebs_snapshot: snapshot storage per GB-month. Snapshots are incremental, so the stored size is
usage (`storage_gb`); without it the size of the source volume is shown (a full first snapshot,
the most it can store), read from the snapshot's volume_size or the referenced aws_ebs_volume."""

from __future__ import annotations

from typing import Any

from finguard.model import Resource
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, is_unknown, to_decimal
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey

FILTERS = {"productFamily": "Storage Snapshot", "usagetype": "EBS:SnapshotUsage"}


class AwsEbsSnapshot(CostModel):
    resource_types = ("aws_ebs_snapshot",)
    usage_keys = {"storage_gb": UsageKey("GB", "data the snapshot stores (changed blocks since the previous "
                                               "snapshot), averaged over the month")}

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        stored = ctx.usage(resource).get("storage_gb")
        if stored is not None:
            return [Component("Snapshot storage", "GB", "AmazonEC2", FILTERS, to_decimal(stored, "usage storage_gb"))]
        size = self._volume_size(resource, attrs, ctx)
        return [Component("Snapshot storage (full size of the source volume)", "GB", "AmazonEC2", FILTERS, size,
                          unknown_reason="volume size known only after apply (set usage storage_gb)"
                          if is_unknown(size) else None)]

    @staticmethod
    def _volume_size(resource: Resource, attrs: Attrs, ctx: ProjectContext) -> Any:
        own = attrs.get("volume_size")
        if own is not None and not is_unknown(own):
            return to_decimal(own, "volume_size")
        volume = ctx.referenced(resource, "volume_id", "aws_ebs_volume")
        if volume is None and isinstance(attrs.get("volume_id"), str):
            volume = ctx.by_id("aws_ebs_volume", attrs.get("volume_id"))
        if volume is not None:
            size = ctx.attrs_of(volume).get("size")
            if size is not None:
                return to_decimal(size, "size of the source volume")
        return UNKNOWN
