"""Amazon EFS from aws-price-watcher's `processed/efs.json`: storage per class (Standard / One Zone,
and their Infrequent Access), IA reads and writes per GB, provisioned throughput per MiBps-month, in the
old snapshot's units. Elastic throughput, Archive and the IA ET class are not priced by the model."""

from __future__ import annotations

from finguard.pricing.build.adapters._price_watcher import PriceWatcherAdapter, Reasons, Target, target

SERVICE = "AmazonEFS"


def _storage(usagetype: str) -> Target:
    return target(SERVICE, "GB-Mo", productFamily="Storage", usagetype=usagetype)


class AwsPriceWatcherEfs(PriceWatcherAdapter):
    id = "aws-price-watcher-efs"
    files = ("efs.json",)
    description = "Amazon EFS storage classes, IA access and provisioned throughput (pricing-page feed)"
    targets = {
        "General Purpose Storage GB Mo": _storage("TimedStorage-ByteHrs"),
        "One Zone General Purpose Storage GB Mo": _storage("TimedStorage-Z-ByteHrs"),
        "Infrequent Access Storage GB Mo": _storage("IATimedStorage-ByteHrs"),
        "One Zone Infrequent Access Storage GB Mo": _storage("IATimedStorage-Z-ByteHrs"),
        "Infrequent Access Requests Read per GB": target(SERVICE, "GB", productFamily="Storage", accessType="Read"),
        "Infrequent Access Requests Write per GB": target(SERVICE, "GB", productFamily="Storage", accessType="Write"),
        "Throughput Provisioned": target(SERVICE, "MiBps-Mo", productFamily="Provisioned Throughput",
                                         usagetype="ProvisionedTP-MiBpsHrs"),
    }
    reasons = Reasons(
        (r"Archive|ET Storage", "Archive / IA ET classes: not modelled"),
        (r"EFS Storage Requests", "elastic throughput reads/writes: not modelled"),
        (r"Throughput Included", "included throughput (free)"),
    )
