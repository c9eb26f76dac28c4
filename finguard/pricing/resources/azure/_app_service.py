"""App Service plans: instance hours of the plan's SKU times its instance (worker) count."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from finguard.pricing.resources.azure import _meters as m
from finguard.pricing.resources.base import UNKNOWN, Component, NoCost, is_unknown, to_decimal

FREE_SKUS = ("F1", "FREE")
CONSUMPTION_SKUS = ("Y1",)


def plan_components(sku: Any, os_type: Any, count: Any) -> list[Component]:
    if is_unknown(sku) or not sku:
        return [Component("Instance usage (?)", "hours", m.APP_SERVICE, {"skuName": UNKNOWN}, count, hourly=True,
                          unknown_reason="sku known only after apply")]
    name = f"Instance usage ({sku})"
    if str(sku).upper() in FREE_SKUS:
        raise NoCost(f"{sku} is the free App Service plan")
    if str(sku).upper() in CONSUMPTION_SKUS:
        raise NoCost("a Consumption (Y1) plan has no charge of its own: executions bill on its function apps")
    if is_unknown(os_type):
        return [Component(name, "hours", m.APP_SERVICE, {"skuName": UNKNOWN}, count, hourly=True,
                          unknown_reason="os_type known only after apply")]
    filters = m.app_service_filters(str(sku), str(os_type))
    if filters is None:
        return [Component(name, "hours", m.APP_SERVICE, {"skuName": UNKNOWN}, count, hourly=True,
                          unknown_reason=f"{sku} plans (Elastic Premium, Workflow Standard, memory-optimised) "
                                         "are not modelled")]
    reason = "instance count known only after apply" if is_unknown(count) else None
    return [Component(name, "hours", m.APP_SERVICE, filters, count, hourly=True, unknown_reason=reason)]


def worker_count(value: Any, default: int = 1, *, name: str = "worker_count") -> Any:
    """Instances of the plan: a finite count >= 0, else ValueError naming the attribute (never a crash)."""
    if value is None:
        return Decimal(default)
    return to_decimal(value, name)
