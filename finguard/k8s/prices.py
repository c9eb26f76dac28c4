"""What a node costs per hour: the bill's actual figure, a configured price, or the public list price.

In order of preference:
1. with `--db`, the billing store's actual cost of that machine (its instance id from the node's providerID,
   matched to `ResourceId` whole or as its last path segment, so ARNs and GCP self-links match too) over the
   covered time: hour-unit rows' cost per hour when the export has them, else cost per charged hour;
2. `k8s.prices` in finguard.yml, per instance type (on-premises or negotiated prices);
3. the price catalog, through the same cost-model helpers `finguard breakdown` prices instances with (EC2
   on-demand hours, GCE vCPU and memory hours or machine-type hours plus attached GPUs, Azure pay-as-you-go).

Spot and preemptible nodes not found in the bill cost the on-demand price less `k8s.spot_discount`; without a
discount their price is missing, never guessed. A missing price stays missing (None) with the reason: the
allocation then reports those nodes' hours and a lower-bound total, never $0.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel

from finguard.k8s.config import K8sConfig
from finguard.k8s.providers import providers
from finguard.k8s.snapshot import NodeSpan

if TYPE_CHECKING:
    from finguard.pricing.catalog import Catalog

PriceSource = Literal["billing", "config", "catalog", "missing"]
HOUR_UNITS = ("hour", "hours", "hrs", "hr")


class NodePrice(BaseModel):
    """A node's hourly price and where it came from (or why there is none)."""

    hourly: float | None
    on_demand_hourly: float | None = None
    source: PriceSource
    detail: str


def price_nodes(nodes: list[NodeSpan], config: K8sConfig, catalog: Callable[[], Catalog], *,
                billing_db: Path | None = None, start: datetime | None = None, end: datetime | None = None
                ) -> dict[int, NodePrice]:
    """Every node's price, by node key. The catalog is opened only if some node needs it."""
    billed = billed_rates(billing_db, [n.instance_id for n in nodes if n.instance_id], start, end) \
        if billing_db else {}
    cache: dict[tuple[str, str, str, str, str], tuple[float | None, str]] = {}
    out: dict[int, NodePrice] = {}
    for node in nodes:
        actual = billed.get(node.instance_id.lower()) if node.instance_id else None
        if actual is not None:
            out[node.key] = NodePrice(hourly=actual, source="billing",
                                      detail=f"billed cost of {node.instance_id} in {billing_db}")
            continue
        if node.instance_type and node.instance_type in config.prices:
            on_demand, detail, source = config.prices[node.instance_type], "k8s.prices in finguard.yml", "config"
        else:
            key = (node.provider or "", node.instance_type or "", node.region or "", node.os,
                   node.labels.get("cloud.google.com/gke-accelerator", "") + f":{node.gpu:g}")
            if key not in cache:
                cache[key] = _catalog_price(node, catalog)
            on_demand, detail = cache[key]
            source = "catalog"
        out[node.key] = _with_capacity_type(node, on_demand, detail, source, config)
    return out


def _with_capacity_type(node: NodeSpan, on_demand: float | None, detail: str, source: PriceSource,
                        config: K8sConfig) -> NodePrice:
    if on_demand is None:
        return NodePrice(hourly=None, source="missing", detail=detail)
    if not node.spot:
        return NodePrice(hourly=on_demand, on_demand_hourly=on_demand, source=source, detail=detail)
    discount = config.discount(node.provider or "")
    if discount is None:
        return NodePrice(hourly=None, on_demand_hourly=on_demand, source="missing",
                         detail=f"{node.capacity_type} node: set k8s.spot_discount, or pass --db with the billing "
                                "export that bills it (spot prices are not in the public list prices)")
    return NodePrice(hourly=on_demand * (1 - discount), on_demand_hourly=on_demand, source=source,
                     detail=f"{detail}, less the {discount:.0%} {node.capacity_type} discount (k8s.spot_discount)")


def _catalog_price(node: NodeSpan, catalog: Callable[[], Catalog]) -> tuple[float | None, str]:
    """(on-demand hourly price or None, where it came from or why it is missing)."""
    from finguard.pricing.resources.base import is_unknown

    if node.provider is None:
        return None, "unknown cloud provider (no providerID and no provider labels): set k8s.prices for its " \
                     "instance type"
    if not node.instance_type:
        return None, "no instance-type label (node.kubernetes.io/instance-type)"
    if not node.region:
        return None, "no region label (topology.kubernetes.io/region)"
    provider = providers()[node.provider]
    total, queries = Decimal(0), []
    for component in provider.price_components(node.instance_type, node.os, node.labels, Decimal(str(node.gpu))):
        unknown = [k for k, v in component.filters.items() if is_unknown(v)]
        if unknown or is_unknown(component.quantity) or component.quantity is None:
            return None, component.unknown_reason or f"{component.name}: cannot be priced"
        region = component.region or node.region
        match = catalog().lookup(component.service, region, {k: str(v) for k, v in component.filters.items()})
        if not match.found:
            why = "ambiguous" if match.ambiguous else "no price in the catalog"
            return None, f"{why}: {match.query}"
        total += match.unit_price * component.price_factor * Decimal(component.quantity)
        queries.append(match.query)
    return float(total), "; ".join(queries)


def billed_rates(db: Path, instance_ids: list[str], start: datetime | None, end: datetime | None
                 ) -> dict[str, float]:
    """{lower-cased instance id: billed cost per hour} for the machines the billing store bills (USD usage)."""
    import pyarrow as pa

    from finguard.billing.store import BillingStore

    ids = sorted({i.lower() for i in instance_ids})
    if not ids:
        return {}
    units = ", ".join(f"'{u}'" for u in HOUR_UNITS)
    window = ""
    params: list[object] = []
    if start is not None and end is not None:
        window = "AND ChargePeriodStart < ? AND ChargePeriodEnd > ?"
        params = [end.replace(tzinfo=None), start.replace(tzinfo=None)]
    with BillingStore(db, create=False) as store:
        store.con.con.register("_k8s_node_ids", pa.table({"id": ids}))
        try:
            rows = store.raw_sql(f"""
                WITH c AS (
                  SELECT lower(ResourceId) AS rid, regexp_extract(lower(ResourceId), '[^/]+$') AS tail, BilledCost,
                         lower(coalesce(ConsumedUnit, '')) IN ({units}) AND ConsumedQuantity > 0 AS hourly,
                         ConsumedQuantity,
                         epoch(ChargePeriodEnd - ChargePeriodStart) / 3600.0 AS period_hours
                  FROM charges
                  WHERE ChargeCategory = 'Usage' AND BillingCurrency = 'USD' AND ResourceId IS NOT NULL {window})
                , matched AS (  -- two equi-joins, not one OR join: that would compare every charge with every id
                  SELECT n.id, c.* FROM c JOIN _k8s_node_ids n ON n.id = c.rid
                  UNION ALL
                  SELECT n.id, c.* FROM c JOIN _k8s_node_ids n ON n.id = c.tail AND c.tail <> c.rid)
                SELECT id,
                       sum(BilledCost) FILTER (WHERE hourly), sum(ConsumedQuantity) FILTER (WHERE hourly),
                       sum(BilledCost), sum(period_hours)
                FROM matched GROUP BY id""", params)
        finally:
            store.con.con.unregister("_k8s_node_ids")
    out: dict[str, float] = {}
    for node_id, hourly_cost, hours, cost, period_hours in rows:
        if hours and hours > 0 and hourly_cost is not None and hourly_cost >= 0:
            out[node_id] = float(hourly_cost) / float(hours)
        elif period_hours and period_hours > 0 and cost is not None and cost >= 0:
            out[node_id] = float(cost) / float(period_hours)
    return out
