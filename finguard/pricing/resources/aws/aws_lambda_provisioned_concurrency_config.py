"""aws_lambda_provisioned_concurrency_config: provisioned concurrency, billed for every second it is
configured (executions x the function's memory, all month), plus the duration of invocations that
run on it (`monthly_gb_seconds`, at the provisioned duration rate). Requests stay on the function."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from finguard.model import Resource
from finguard.pricing.resources.aws.aws_lambda_function import architecture, suffix
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, is_unknown, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey

SERVICE = "AWSLambda"
SECONDS_PER_HOUR = Decimal(3600)


class AwsLambdaProvisionedConcurrencyConfig(CostModel):
    resource_types = ("aws_lambda_provisioned_concurrency_config",)
    usage_keys = {"monthly_gb_seconds": UsageKey("GB-seconds", "compute per month of invocations served by the "
                                                               "provisioned environments")}

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        function = self._function(resource, attrs, ctx)
        if function is None:
            arch, memory = UNKNOWN, UNKNOWN
            reason = "the function is not in the plan (its memory size and architecture are unknown)"
        else:
            fn_attrs = ctx.attrs_of(function)
            arch, memory = architecture(fn_attrs), fn_attrs.quantity("memory_size", 128)
            reason = "the function's memory size or architecture known only after apply"
        executions = attrs.quantity("provisioned_concurrent_executions")
        sfx = suffix(arch)
        if is_unknown(executions) or is_unknown(memory):
            per_hour: Any = UNKNOWN
            reason = "provisioned_concurrent_executions known only after apply" if is_unknown(executions) else reason
        else:
            per_hour = executions * memory / Decimal(1024) * SECONDS_PER_HOUR  # GB-seconds each hour
        label = "?" if is_unknown(arch) else arch
        return [
            Component(f"Provisioned concurrency ({label})", "GB-seconds", SERVICE,
                      {"productFamily": "Serverless",
                       "group": UNKNOWN if is_unknown(sfx) else f"AWS-Lambda-Provisioned-Concurrency{sfx}",
                       "usagetype": UNKNOWN if is_unknown(sfx) else f"Lambda-Provisioned-Concurrency{sfx}"},
                      per_hour, hourly=True, unknown_reason=reason),
            Component(f"Duration on provisioned concurrency ({label})", "GB-seconds", SERVICE,
                      {"productFamily": "Serverless",
                       "group": UNKNOWN if is_unknown(sfx) else f"AWS-Lambda-Duration-Provisioned{sfx}",
                       "usagetype": UNKNOWN if is_unknown(sfx) else f"Lambda-Provisioned-GB-Second{sfx}"},
                      usage_quantity(ctx.usage(resource), "monthly_gb_seconds"), unknown_reason=reason),
        ]

    @staticmethod
    def _function(resource: Resource, attrs: Attrs, ctx: ProjectContext) -> Resource | None:
        found = ctx.referenced(resource, "function_name", "aws_lambda_function")
        if found is not None:
            return found
        name = attrs.get("function_name")
        if isinstance(name, str):
            for other in ctx.by_address.values():
                values = other.after or other.before or {}
                if other.type == "aws_lambda_function" and name in (values.get("function_name"),
                                                                     values.get("arn")):
                    return other
        return None
