"""The `k8s:` section of finguard.yml: how node cost is split and shared, and which labels name a team.

Validated strictly like the rest of finguard.yml (unknown keys are errors with a did-you-mean), and light: it
imports only pydantic, because finguard.yml is read by every command.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, field_validator, model_validator

# A price or weight from the config: a real number (not `true`, not text), finite and not negative.
Amount = Annotated[float, Field(strict=True, ge=0, allow_inf_nan=False)]
Weight = Annotated[float, Field(strict=True, gt=0, allow_inf_nan=False, le=1e6)]
Discount = Annotated[float, Field(strict=True, ge=0, lt=1, allow_inf_nan=False)]

# OpenCost's default component prices (its configs/default.json: CPU per core-hour, RAM per GiB-hour, GPU per
# GPU-hour). OpenCost splits a node's total price in their ratio when the provider prices only the whole node;
# finguard does the same by default so its CPU and memory rates are comparable with OpenCost's.
OPENCOST_CPU = 0.031611
OPENCOST_MEMORY_GIB = 0.004237
OPENCOST_GPU = 0.95

# A label key: an optional DNS-subdomain prefix and a name of at most 63 characters (Kubernetes' own rule).
_LABEL_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
LABEL_KEY = re.compile(rf"^([a-z0-9]([-a-z0-9.]{{0,251}}[a-z0-9])?/)?{_LABEL_NAME}$")
PROVIDERS = ("aws", "gcp", "azure")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CostWeights(_Strict):
    """Relative hourly cost of one vCPU, one GiB of memory and one GPU: a node's price is split into CPU, memory
    and GPU rates in this proportion (weighted by the node's capacity). Only the ratios matter."""

    cpu: Weight = OPENCOST_CPU
    memory_gib: Weight = OPENCOST_MEMORY_GIB
    gpu: Weight = OPENCOST_GPU


class PrometheusConfig(_Strict):
    """Where usage comes from when `--prometheus` is not given, and the two queries (override them when the
    cAdvisor metrics carry other labels). Each must return one series per (namespace, pod)."""

    url: StrictStr | None = None
    cpu_query: StrictStr | None = None  # default: finguard.k8s.prometheus.CPU_QUERY
    memory_query: StrictStr | None = None  # default: finguard.k8s.prometheus.MEMORY_QUERY


def _check_label(key: str) -> str:
    if not LABEL_KEY.match(key):
        raise ValueError(f"{key!r} is not a Kubernetes label key ([prefix/]name, name at most 63 characters of "
                         "letters, digits, '-', '_' and '.')")
    return key


class K8sConfig(_Strict):
    """`k8s:` in finguard.yml. Every key is optional."""

    cluster: StrictStr = Field("kubernetes", min_length=1, max_length=200)  # names the cluster in reports/billing
    cost_weights: CostWeights = Field(default_factory=CostWeights)
    capacity: Literal["capacity", "allocatable"] = "capacity"  # what a node's rates are spread over
    # spot / preemptible nodes: on-demand list price x (1 - discount); one figure or one per provider.
    # Unset (and no billing store): their price is missing, never guessed.
    spot_discount: Discount | dict[Literal["aws", "gcp", "azure"], Discount] | None = None
    prices: dict[str, Amount] = Field(default_factory=dict)  # instance type -> hourly price (on-prem, negotiated)
    shared_namespaces: list[StrictStr] = Field(default_factory=list)  # globs, e.g. [kube-system, monitoring]
    shared_split: Literal["weighted", "even"] = "weighted"  # among the other namespaces, per hour
    idle: Literal["keep", "share-by-node", "share-by-cluster"] = "keep"
    team_labels: list[str] = Field(default_factory=lambda: ["team", "owner"])  # pod label keys, first wins
    namespace_teams: dict[str, StrictStr] = Field(default_factory=dict)  # namespace glob -> team, when unlabelled
    labels: list[str] = Field(default_factory=list)  # more pod label keys for --by label:KEY and billing tags
    lookback_hours: Annotated[float, Field(strict=True, gt=0, le=24 * 366, allow_inf_nan=False)] | None = None
    prometheus: PrometheusConfig = Field(default_factory=PrometheusConfig)

    @field_validator("team_labels", "labels")
    @classmethod
    def _label_keys(cls, value: list[str]) -> list[str]:
        for key in value:
            _check_label(key)
        if len(set(value)) != len(value):
            raise ValueError("label keys must be unique")
        return value

    @field_validator("prices")
    @classmethod
    def _price_keys(cls, value: dict[str, float]) -> dict[str, float]:
        for key, price in value.items():
            if not key.strip():
                raise ValueError("an instance type must not be empty")
            if price > 1e6:
                raise ValueError(f"price of {key!r} must be at most 1e6 per hour, got {price!r}")
        return value

    @model_validator(mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        if isinstance(value, dict):
            for key in ("shared_namespaces", "team_labels", "labels"):
                if isinstance(value.get(key), str):
                    value = {**value, key: [value[key]]}
        return value

    def discount(self, provider: str) -> float | None:
        """The spot discount for a provider's nodes, or None when it is not configured."""
        if isinstance(self.spot_discount, dict):
            return self.spot_discount.get(provider)  # type: ignore[call-overload]
        return self.spot_discount
