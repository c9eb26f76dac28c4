"""aws_ecs_service on Fargate: vCPU-hours and GB-hours of the task definition's cpu and memory
(followed through ctx.referenced), times desired_count, all month; Linux/ARM64 tasks
(runtime_platform.cpu_architecture = "ARM64") use the ARM rates.

Services on the EC2 or EXTERNAL launch type cost nothing themselves (their instances are priced).
Fargate Spot, Windows tasks and ephemeral storage above the free 20 GB are reported, not priced
(their rates are not in the price data)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from finguard.model import Resource
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, NoCost, is_unknown
from finguard.pricing.resources.context import ProjectContext

SERVICE = "AmazonECS"
CPU_UNITS_PER_VCPU = Decimal(1024)
MIB_PER_GB = Decimal(1024)


def _vcpu(value: Any) -> Any:
    """Task cpu: CPU units ("1024", 1024) or "1 vCPU"."""
    if is_unknown(value) or value is None:
        return UNKNOWN
    text = str(value).strip()
    if m := re.fullmatch(r"(\d+(?:\.\d+)?)\s*vcpu", text, re.IGNORECASE):
        return Decimal(m[1])
    if re.fullmatch(r"\d+", text):
        return Decimal(text) / CPU_UNITS_PER_VCPU
    raise ValueError(f"unreadable task cpu {value!r}")


def _memory_gb(value: Any) -> Any:
    """Task memory: MiB ("2048", 2048) or "2 GB"."""
    if is_unknown(value) or value is None:
        return UNKNOWN
    text = str(value).strip()
    if m := re.fullmatch(r"(\d+(?:\.\d+)?)\s*gb", text, re.IGNORECASE):
        return Decimal(m[1])
    if re.fullmatch(r"\d+", text):
        return Decimal(text) / MIB_PER_GB
    raise ValueError(f"unreadable task memory {value!r}")


class AwsEcsService(CostModel):
    resource_types = ("aws_ecs_service",)

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        capacity = self._capacity(resource, attrs, ctx)
        if capacity in ("EC2", "EXTERNAL"):
            raise NoCost(f"{capacity} launch type: tasks run on the cluster's own instances, which are priced")
        if capacity != "FARGATE":
            reason = {"FARGATE_SPOT": "Fargate Spot: its prices are not in the price data",
                      "MIXED": "capacity provider strategy mixes Fargate and Fargate Spot: the split is not priced",
                      }.get(capacity, "launch type known only after apply")
            return [Component("Fargate tasks", "hours", SERVICE, {"productFamily": UNKNOWN}, UNKNOWN,
                              unknown_reason=reason)]
        task = ctx.referenced(resource, "task_definition", "aws_ecs_task_definition") or \
            self._task_by_family(attrs.get("task_definition"), ctx)
        if task is None:
            return [Component("Fargate tasks", "hours", SERVICE, {"productFamily": UNKNOWN}, UNKNOWN,
                              unknown_reason="the task definition is not in the plan (cpu and memory unknown)")]
        task_attrs = ctx.attrs_of(task)
        platform = task_attrs.blocks("runtime_platform")
        os_family = platform[0].get("operating_system_family") if platform else None
        arch = platform[0].get("cpu_architecture") if platform else None
        if is_unknown(os_family) or is_unknown(arch):
            return [Component("Fargate tasks", "hours", SERVICE, {"productFamily": UNKNOWN}, UNKNOWN,
                              unknown_reason="runtime_platform known only after apply")]
        if os_family not in (None, "LINUX"):
            return [Component("Fargate tasks", "hours", SERVICE, {"productFamily": UNKNOWN}, UNKNOWN,
                              unknown_reason=f"{os_family} tasks: Windows Fargate rates (with the OS licence "
                                             "fee) are not in the price data")]
        arm = "ARM-" if arch == "ARM64" else ""
        count = attrs.quantity("desired_count", 0)
        vcpu, memory = _vcpu(task_attrs.get("cpu")), _memory_gb(task_attrs.get("memory"))
        label = "ARM64" if arm else "x86_64"
        parts = [
            self._part(f"Fargate vCPU ({label})", "vCPU-hours", f"Fargate-{arm}vCPU-Hours:perCPU", count, vcpu,
                       "vCPU", "task cpu"),
            self._part(f"Fargate memory ({label})", "GB-hours", f"Fargate-{arm}GB-Hours", count, memory,
                       "GB", "task memory"),
        ]
        extra = task_attrs.quantity("ephemeral_storage.0.size_in_gib", 20)
        if is_unknown(extra) or extra > 20:
            parts.append(Component("Ephemeral storage above 20 GB", "GB-hours", SERVICE, {"productFamily": UNKNOWN},
                                   UNKNOWN, unknown_reason="Fargate ephemeral storage rates are not in the price data"))
        return parts

    @staticmethod
    def _part(name: str, unit: str, usagetype: str, count: Any, size: Any, size_unit: str, what: str) -> Component:
        qty = UNKNOWN if is_unknown(count) or is_unknown(size) else count * size
        if not is_unknown(qty):
            name = f"{name}: {count.normalize():f} tasks x {size.normalize():f} {size_unit}"
        reason = "desired_count known only after apply" if is_unknown(count) else f"{what} known only after apply"
        return Component(name, unit, SERVICE, {"productFamily": "Compute", "usagetype": usagetype}, qty,
                         hourly=True, unknown_reason=reason if is_unknown(qty) else None)

    @staticmethod
    def _capacity(resource: Resource, attrs: Attrs, ctx: ProjectContext) -> str:
        """FARGATE, FARGATE_SPOT, MIXED, EC2, EXTERNAL or UNKNOWN."""
        launch = attrs.get("launch_type")
        if is_unknown(launch):
            return "UNKNOWN"
        if launch:
            return str(launch)
        strategy = attrs.blocks("capacity_provider_strategy")
        if not strategy:
            strategy = AwsEcsService._cluster_default_strategy(resource, ctx)
        if strategy is None:
            return "EC2"  # no launch type and no capacity provider strategy: ECS uses EC2
        providers = {s.get("capacity_provider") for s in strategy}
        if any(is_unknown(p) for p in providers):
            return "UNKNOWN"
        if providers == {"FARGATE"}:
            return "FARGATE"
        if providers == {"FARGATE_SPOT"}:
            return "FARGATE_SPOT"
        if providers <= {"FARGATE", "FARGATE_SPOT"}:
            return "MIXED"
        return "EC2"  # a custom capacity provider: an Auto Scaling group of EC2 instances

    @staticmethod
    def _cluster_default_strategy(resource: Resource, ctx: ProjectContext) -> list[Attrs] | None:
        """The default capacity provider strategy of the service's cluster, if the plan sets one."""
        cluster = ctx.referenced(resource, "cluster", "aws_ecs_cluster")
        if cluster is None:
            return None
        for other in ctx.by_address.values():
            if other.type != "aws_ecs_cluster_capacity_providers":
                continue
            if ctx.referenced(other, "cluster_name", "aws_ecs_cluster") is not cluster:
                continue
            strategy = ctx.attrs_of(other).blocks("default_capacity_provider_strategy")
            return strategy or None
        return None

    @staticmethod
    def _task_by_family(value: Any, ctx: ProjectContext) -> Resource | None:
        """A task definition named by "family", "family:revision" or its ARN."""
        if not isinstance(value, str):
            return None
        family = value.rsplit("/", 1)[-1].split(":", 1)[0]
        matches = [r for r in ctx.by_address.values() if r.type == "aws_ecs_task_definition"
                   and (r.after or r.before or {}).get("family") == family]
        return matches[0] if len(matches) == 1 else None
