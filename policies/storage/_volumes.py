"""Shared by the storage policies (not a policy: files starting with "_" are never loaded as one).

The volumes a resource declares (an EBS volume, an instance's or launch template's block devices, an RDS
instance's storage) and their prices from the catalog. Each storage policy loads this module with the few
lines of `_helpers()` at its top, because policy files are loaded by path, not as a package.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from finguard.policy.api import PolicyContext, PolicyResource, is_unknown

RESOURCE_TYPES = ["aws_ebs_volume", "aws_instance", "aws_launch_configuration", "aws_launch_template",
                  "aws_db_instance"]
RDS_VOLUME_TYPES = {"gp2": "General Purpose", "gp3": "General Purpose-GP3", "io1": "Provisioned IOPS",
                    "io2": "Provisioned IOPS-IO2"}


@dataclass(frozen=True, slots=True)
class Volume:
    where: str  # for messages: "volume", "root_block_device", "ebs_block_device[0] (/dev/sdf)", "storage"
    volume_type: str
    size: Decimal | None  # GB; None when known only after apply or taken from the AMI/snapshot
    iops: Decimal | None
    rds: bool = False
    multi_az: bool = False
    per_instance: bool = False  # a launch template/configuration: figures are per instance launched


def number(value: Any) -> Decimal | None:
    if value is None or is_unknown(value) or isinstance(value, bool):
        return None
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        return None
    return result if result.is_finite() else None


def _known_str(resource: PolicyResource, path: str) -> str | None:
    value = resource.attr(path)
    return value if isinstance(value, str) and value and not resource.is_unknown(path) else None


def _blocks(resource: PolicyResource, path: str) -> int:
    value = resource.attr(path)
    return len(value) if isinstance(value, list) else 0


def _block_volume(resource: PolicyResource, base: str, where: str, template: bool) -> Volume | None:
    """A block device whose type is set in the configuration (an unset type is the AMI's: not judged)."""
    volume_type = _known_str(resource, f"{base}.volume_type")
    if volume_type is None:
        return None
    device = _known_str(resource, f"{base.rsplit('.ebs.', 1)[0]}.device_name")
    label = f"{where} ({device})" if device else where
    return Volume(label, volume_type, number(resource.attr(f"{base}.volume_size")),
                  number(resource.attr(f"{base}.iops")), per_instance=template)


def volumes(resource: PolicyResource) -> list[Volume]:
    """The volumes of a resource whose type is known from the plan."""
    if resource.type == "aws_ebs_volume":
        if resource.is_unknown("type"):
            return []
        volume_type = _known_str(resource, "type") or "gp2"  # CreateVolume's documented default
        return [Volume("volume", volume_type, number(resource.attr("size")), number(resource.attr("iops")))]
    if resource.type == "aws_db_instance":
        if resource.is_unknown("storage_type") or resource.is_unknown("iops"):
            return []
        iops = number(resource.attr("iops"))
        # AWS provider: io1 when iops is set, gp2 otherwise
        storage_type = _known_str(resource, "storage_type") or ("io1" if iops else "gp2")
        multi_az = resource.attr("multi_az") is True
        return [Volume("storage", storage_type, number(resource.attr("allocated_storage")), iops,
                       rds=True, multi_az=multi_az)]
    found: list[Volume | None] = []
    if resource.type in ("aws_instance", "aws_launch_configuration"):
        template = resource.type == "aws_launch_configuration"
        if _blocks(resource, "root_block_device"):
            found.append(_block_volume(resource, "root_block_device.0", "root_block_device", template))
        found.extend(_block_volume(resource, f"ebs_block_device.{i}", f"ebs_block_device[{i}]", template)
                     for i in range(_blocks(resource, "ebs_block_device")))
    elif resource.type == "aws_launch_template":
        for i in range(_blocks(resource, "block_device_mappings")):
            if _blocks(resource, f"block_device_mappings.{i}.ebs"):
                found.append(_block_volume(resource, f"block_device_mappings.{i}.ebs.0",
                                           f"block_device_mappings[{i}]", True))
    return [v for v in found if v is not None]


def catalog_price(ctx: PolicyContext, service: str, region: str | None, filters: dict[str, str]) -> Decimal | None:
    """A first-tier unit price straight from the catalog (for what `ctx.pricer` has no helper for)."""
    catalog = getattr(ctx.pricer, "catalog", None)
    if catalog is None or region is None:
        return None
    match = catalog.lookup(service, region, filters)
    return match.unit_price if match.found else None


def gb_month(ctx: PolicyContext, volume: Volume, volume_type: str, region: str | None) -> Decimal | None:
    """Price of one GB-month of `volume_type` where the volume lives (EBS, or RDS storage by deployment)."""
    if not volume.rds:
        return ctx.pricer.ebs_gb_month(volume_type, region)
    rds_type = RDS_VOLUME_TYPES.get(volume_type)
    if rds_type is None:
        return None
    return catalog_price(ctx, "AmazonRDS", region, {
        "productFamily": "Database Storage", "volumeType": rds_type,
        "deploymentOption": "Multi-AZ" if volume.multi_az else "Single-AZ"})


def describe(volume: Volume) -> str:
    """"root_block_device is gp2 (500 GB)"."""
    details = [f"{volume.size:,} GB" if volume.size is not None else "size unknown"]
    if volume.iops is not None:
        details.append(f"{volume.iops:,} IOPS")
    return f"{volume.where} is {volume.volume_type} ({', '.join(details)})"




def unit_price(value: Decimal) -> str:
    """$0.10, $0.125, $0.065: at least two decimals, more when the price has them."""
    text = f"{value.normalize():f}"
    decimals = len(text.split(".")[1]) if "." in text else 0
    return f"${value:.{max(2, decimals)}f}"
