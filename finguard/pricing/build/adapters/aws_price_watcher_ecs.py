"""AWS Fargate (AmazonECS) from aws-price-watcher's `processed/ecs.json`: Linux vCPU-hours and GB-hours,
x86 and ARM, USD per hour ("Hrs") as the old snapshot rows. Windows, ephemeral storage and ECS Anywhere
are not priced by the model."""

from __future__ import annotations

from finguard.pricing.build.adapters._price_watcher import PriceWatcherAdapter, Reasons, Target, target

SERVICE = "AmazonECS"


def _compute(usagetype: str) -> Target:
    return target(SERVICE, "Hrs", productFamily="Compute", usagetype=usagetype)


class AwsPriceWatcherEcs(PriceWatcherAdapter):
    id = "aws-price-watcher-ecs"
    files = ("ecs.json",)
    description = "AWS Fargate Linux vCPU and memory hours, x86 and ARM (pricing-page feed)"
    targets = {
        "perCPU per hour": _compute("Fargate-vCPU-Hours:perCPU"),
        "perGB per hour": _compute("Fargate-GB-Hours"),
        "ARM perCPU per hour": _compute("Fargate-ARM-vCPU-Hours:perCPU"),
        "ARM perGB per hour": _compute("Fargate-ARM-GB-Hours"),
    }
    reasons = Reasons(
        (r"Windows", "Windows Fargate: not modelled"),
        (r"^Storage per GB-Hours$", "Fargate ephemeral storage: not modelled"),
        (r"^per hour$", "ECS Anywhere instance hours: not modelled"),
    )
