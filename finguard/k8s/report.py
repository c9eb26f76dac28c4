"""The result of `finguard k8s allocate` as pydantic models: what every output format renders and JSON dumps.

JSON (schema `finguard/k8s-allocation`, version 1) is `K8sReport.model_dump(by_alias=True)`. Money is in the
catalog's currency (USD), rounded to a millionth and never negative (float noise of a shared-out amount shows as
0); a missing price is null, and `complete: false` marks any figure it leaves as a lower bound.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from finguard.k8s.allocate import TOLERANCE


def money(value: Any) -> float | None:
    """A sum of money for output: None stays None (missing), float noise below a millionth is 0."""
    if value is None:
        return None
    number = float(value)
    if not math.isfinite(number):
        return None
    return 0.0 if abs(number) < 1e-9 else round(max(number, 0.0), 6)


def ratio(part: Any, whole: Any) -> float | None:
    """part / whole, or None when the whole is missing or zero (an efficiency of nothing requested is unknown)."""
    if part is None or whole is None or not whole or not math.isfinite(float(part) / float(whole)):
        return None
    return round(float(part) / float(whole), 6)


class GroupRow(BaseModel):
    """One namespace (team, controller, node pool, label value ...) over the covered time."""

    name: str
    cost: float | None = Field(description="its pods' own cost: max(request, usage) x rate x running time")
    idle_in: float = Field(description="idle cost shared to it (k8s.idle)")
    idle_out: float = Field(description="idle cost shared out to the pods (the __idle__ row only)")
    shared_in: float = Field(description="shared namespaces' cost it carries (k8s.shared_namespaces)")
    shared_out: float = Field(description="its own cost passed on to the others (a shared namespace)")
    total: float | None = Field(description="cost + idle in - idle out + shared in - shared out")
    complete: bool = Field(description="false when some of its pods ran on nodes without a price")
    cpu_request_core_hours: float
    cpu_usage_core_hours: float | None
    cpu_efficiency: float | None = Field(description="usage / request where usage was measured")
    memory_request_gib_hours: float
    memory_usage_gib_hours: float | None
    memory_efficiency: float | None
    gpu_hours: float
    idle_percent: float | None = Field(description="idle cost in its total, %")
    spot_percent: float | None = Field(description="share of its total on spot/preemptible nodes, %")
    pods: int


class Grouping(BaseModel):
    by: str
    rows: list[GroupRow]


class NodeRow(BaseModel):
    name: str
    node_pool: str
    instance_type: str | None
    capacity_type: str
    provider: str | None
    region: str | None
    zone: str | None
    cpu: float
    memory_gib: float
    gpu: float
    hours: float
    hourly_price: float | None
    price_source: str
    price_detail: str
    cost: float | None
    idle_cost: float | None
    idle_percent: float | None


class Reconciliation(BaseModel):
    """Node cost = allocated + idle, over the whole time and in every hour window, to the cent."""

    node_cost: float
    allocated: float
    idle: float
    difference: float
    windows: int
    max_window_difference: float

    @property
    def balanced(self) -> bool:
        return abs(self.difference) < TOLERANCE and self.max_window_difference < TOLERANCE


class Totals(BaseModel):
    node_cost: float = Field(description="priced nodes' cost over the covered time")
    allocated: float
    idle: float = Field(description="idle cost left after sharing")
    idle_before_sharing: float
    idle_percent: float | None = Field(description="idle before sharing / node cost, %")
    shared_moved: float = Field(description="shared namespaces' cost passed to the others")
    cpu_efficiency: float | None
    memory_efficiency: float | None
    spot_percent: float | None = Field(description="node cost on spot/preemptible nodes, %")
    nodes: int
    pods: int
    pending_pods: int
    unpriced_nodes: list[str]
    unpriced_node_hours: float
    complete: bool


class Settings(BaseModel):
    cost_weights: dict[str, float]
    capacity: str
    idle: str
    shared_namespaces: list[str]
    shared_split: str
    spot_discount: float | dict[str, float] | None


class K8sReport(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    schema_: str = Field("finguard/k8s-allocation", alias="schema")
    version: int = 1
    cluster: str
    currency: str = "USD"
    engine: str
    start: datetime
    end: datetime
    hours: float
    snapshots: int
    sources: list[str]
    usage_source: str | None = Field(description="where usage came from; null: requests only")
    usage_samples: int
    settings: Settings
    totals: Totals
    reconciliation: Reconciliation
    groupings: list[Grouping]
    nodes: list[NodeRow]
    warnings: list[str] = Field(default_factory=list)

    def grouping(self, by: str) -> Grouping | None:
        return next((g for g in self.groupings if g.by == by), None)

    def json_text(self) -> str:
        return self.model_dump_json(indent=2, by_alias=True) + "\n"


def group_row(values: dict[str, Any]) -> GroupRow:
    """A fetched group_totals row as a GroupRow."""
    total = values["total"]
    return GroupRow(
        name=str(values["name"]), cost=money(values["cost"]),
        idle_in=money(values["idle_in"]) or 0.0, idle_out=money(values["idle_out"]) or 0.0,
        shared_in=money(values["shared_in"]) or 0.0, shared_out=money(values["shared_out"]) or 0.0,
        total=money(total), complete=not values["unpriced_secs"],
        cpu_request_core_hours=round(values["cpu_req"] or 0.0, 6),
        cpu_usage_core_hours=None if values["cpu_use"] is None else round(values["cpu_use"], 6),
        cpu_efficiency=ratio(values["cpu_use"], values["cpu_measured"]),
        memory_request_gib_hours=round(values["mem_req"] or 0.0, 6),
        memory_usage_gib_hours=None if values["mem_use"] is None else round(values["mem_use"], 6),
        memory_efficiency=ratio(values["mem_use"], values["mem_measured"]),
        gpu_hours=round(values["gpu"] or 0.0, 6),
        idle_percent=_percent(values["idle_total"], total), spot_percent=_percent(values["spot_total"], total),
        pods=int(values["pods"] or 0))


def _percent(part: Any, whole: Any) -> float | None:
    value = ratio(part, whole)
    return None if value is None else round(100 * value, 4)


def percent(part: Any, whole: Any) -> float | None:
    return _percent(part, whole)
