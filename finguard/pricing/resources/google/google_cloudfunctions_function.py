"""google_cloudfunctions_function (1st gen): invocations, CPU time and memory time (usage-based).

Compute time is billed per 100 ms (a request's duration is rounded up), in GHz-seconds of the CPU
that comes with the memory size (128 MB: 0.2 GHz, 256 MB: 0.4, 512 MB: 0.8, 1 GB: 1.4, 2 GB: 2.4,
4 and 8 GB: 4.8) and in GB-seconds of the memory. Regions are priced in tier 1 or tier 2 ("Tier 2"
SKUs). Invocations are priced by the global SKU. The free tier (per billing account) and outbound
data transfer are not modelled.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from finguard.model import Resource
from finguard.pricing.resources.base import Attrs, Component, CostModel, is_unknown, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.resources.google._common import (
    FUNCTIONS,
    GLOBAL,
    as_decimal,
    component,
    sku,
    unknown_component,
)
from finguard.pricing.usage import UsageKey

GHZ_BY_MEMORY_MB = {128: Decimal("0.2"), 256: Decimal("0.4"), 512: Decimal("0.8"), 1024: Decimal("1.4"),
                    2048: Decimal("2.4"), 4096: Decimal("4.8"), 8192: Decimal("4.8")}
DEFAULT_MEMORY_MB = 256
# Cloud Functions (1st gen) tier 1 regions; every other region is priced at tier 2.
TIER1_REGIONS = frozenset({"us-central1", "us-east1", "us-east4", "europe-west1", "europe-west2", "asia-east1",
                           "asia-east2", "asia-northeast1", "asia-northeast2"})


class GoogleCloudfunctionsFunction(CostModel):
    resource_types = ("google_cloudfunctions_function",)
    provider = "google"
    usage_keys = {
        "monthly_function_invocations": UsageKey("invocations", "function invocations per month"),
        "request_duration_ms": UsageKey("ms", "average duration of an invocation (billed in 100 ms steps)"),
    }

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        usage = ctx.usage(resource)
        memory_mb = as_decimal(attrs.get("available_memory_mb"), Decimal(DEFAULT_MEMORY_MB), name="available_memory_mb")
        invocations = usage_quantity(usage, "monthly_function_invocations")
        duration = usage_quantity(usage, "request_duration_ms")
        tier = "" if resource.region in TIER1_REGIONS else " Tier 2"
        parts = [component("Invocations", "invocations", FUNCTIONS, sku("Cloud Run Functions (1st Gen) Invocations"),
                           invocations, region=GLOBAL)]
        if is_unknown(memory_mb):
            reason = "memory size known only after apply"
            return [*parts, unknown_component("CPU time", "GHz-seconds", FUNCTIONS, reason),
                    unknown_component("Memory time", "GB-seconds", FUNCTIONS, reason)]
        seconds = None  # billed seconds of all invocations; None: usage-based
        if invocations is not None and duration is not None:
            billed_ms = (duration / 100).to_integral_value(rounding=ROUND_CEILING) * 100
            seconds = invocations * billed_ms / 1000
        ghz, gb = GHZ_BY_MEMORY_MB.get(int(memory_mb)), memory_mb / 1024
        if ghz is None:
            parts.append(unknown_component("CPU time", "GHz-seconds", FUNCTIONS,
                                           f"memory size {memory_mb} MB has no documented CPU allotment"))
        else:
            parts.append(component(f"CPU time ({ghz} GHz)", "GHz-seconds", FUNCTIONS,
                                   sku(f"Cloud Run functions (1st Gen) CPU{tier} (Request-based billing)"),
                                   None if seconds is None else seconds * ghz))
        parts.append(component(f"Memory time ({memory_mb.normalize():f} MB)", "GB-seconds", FUNCTIONS,
                               sku(f"Cloud Run functions (1st Gen) Memory{tier} (Request-based billing)"),
                               None if seconds is None else seconds * gb))
        return parts
