"""aws_lambda_function: requests and duration (GB-seconds) from usage, priced by architecture
(x86_64 or arm64, whose duration tiers differ: the catalog applies them), plus ephemeral storage
above the free 512 MB. Duration is requests x memory_size x billed duration (rounded up to 1 ms),
or `monthly_gb_seconds` when given. Account-wide free tiers (1M requests, 400,000 GB-seconds a
month) are not attributed to one function."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from typing import Any

from finguard.model import Resource
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, is_unknown, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey

SERVICE = "AWSLambda"
MILLION = Decimal(1_000_000)
MIB_PER_GB = Decimal(1024)
FREE_EPHEMERAL_MB = Decimal(512)

LAMBDA_USAGE_KEYS = {
    "monthly_requests": UsageKey("requests", "invocations per month"),
    "request_duration_ms": UsageKey("ms", "average billed duration of one invocation"),
    "monthly_gb_seconds": UsageKey("GB-seconds", "compute per month (overrides requests x memory x duration)"),
}


def architecture(attrs: Attrs) -> Any:
    """x86_64 (the default) or arm64, UNKNOWN when known only after apply."""
    archs = attrs.get("architectures")
    if is_unknown(archs):
        return UNKNOWN
    if not archs:
        return "x86_64"
    if len(archs) != 1 or archs[0] not in ("x86_64", "arm64"):
        raise ValueError(f"unknown Lambda architectures {archs!r}")
    return archs[0]


def suffix(arch: Any) -> Any:
    return UNKNOWN if is_unknown(arch) else ("-ARM" if arch == "arm64" else "")


def request_filters(arch: Any) -> dict[str, Any]:
    sfx = suffix(arch)
    return {"productFamily": "Serverless",
            "group": UNKNOWN if is_unknown(sfx) else f"AWS-Lambda-Requests{sfx}",
            "usagetype": UNKNOWN if is_unknown(sfx) else f"Request{sfx}"}


def gb_seconds(usage: dict[str, Any], memory_mb: Any) -> Any:
    """Monthly GB-seconds from usage: None without usage, UNKNOWN when memory is known only after apply."""
    direct = usage_quantity(usage, "monthly_gb_seconds")
    if direct is not None:
        return direct
    requests = usage_quantity(usage, "monthly_requests")
    duration = usage_quantity(usage, "request_duration_ms")
    if requests is None or duration is None:
        return None
    if is_unknown(memory_mb):
        return UNKNOWN
    billed_seconds = duration.to_integral_value(rounding=ROUND_CEILING) / Decimal(1000)
    return requests * memory_mb / MIB_PER_GB * billed_seconds


class AwsLambdaFunction(CostModel):
    resource_types = ("aws_lambda_function",)
    usage_keys = LAMBDA_USAGE_KEYS

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        usage = ctx.usage(resource)
        arch = architecture(attrs)
        memory = attrs.quantity("memory_size", 128)
        sfx = suffix(arch)
        label = "?" if is_unknown(arch) else arch
        requests = usage_quantity(usage, "monthly_requests")
        compute = gb_seconds(usage, memory)
        parts = [
            Component(f"Requests ({label})", "1M requests", SERVICE, request_filters(arch),
                      None if requests is None else requests / MILLION, price_factor=MILLION,
                      unknown_reason="architectures known only after apply" if is_unknown(arch) else None),
            Component(f"Duration ({label})", "GB-seconds", SERVICE,
                      {"productFamily": "Serverless",
                       "group": UNKNOWN if is_unknown(sfx) else f"AWS-Lambda-Duration{sfx}",
                       "usagetype": UNKNOWN if is_unknown(sfx) else f"Lambda-GB-Second{sfx}"},
                      compute, unknown_reason="memory_size known only after apply" if is_unknown(compute) else None),
        ]
        storage_mb = attrs.quantity("ephemeral_storage.0.size", 512)
        if is_unknown(storage_mb) or storage_mb > FREE_EPHEMERAL_MB:
            parts.append(Component(
                "Ephemeral storage (above 512 MB)", "GB-seconds", SERVICE,
                {"productFamily": "Serverless",
                 "group": UNKNOWN if is_unknown(sfx) else f"AWS-Lambda-Storage-Duration{sfx}",
                 "usagetype": UNKNOWN if is_unknown(sfx) else f"Lambda-Storage-GB-Second{sfx}"},
                self._storage_gb_seconds(compute, memory, storage_mb),
                unknown_reason="ephemeral storage or memory size known only after apply"))
        return parts

    @staticmethod
    def _storage_gb_seconds(compute: Any, memory_mb: Any, storage_mb: Any) -> Any:
        """Extra storage held for the same seconds as the memory: GB-seconds x extra storage / memory."""
        if compute is None:
            return None
        if is_unknown(compute) or is_unknown(memory_mb) or is_unknown(storage_mb):
            return UNKNOWN
        return compute * (storage_mb - FREE_EPHEMERAL_MB) / memory_mb
