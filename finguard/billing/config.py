"""The `billing:` section of finguard.yml: where the store lives and how cost is allocated to owners.

Validated strictly (unknown keys are errors) like the rest of finguard.yml, so a typo in an allocation rule
fails the scheduled job loudly instead of silently moving cost to "(unallocated)".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from finguard.billing.job_config import (
    AnomalyJob,
    BudgetsConfig,
    CommitmentsJob,
    ConfigModel,
    ForecastJob,
    MatchConfig,
    UnitCostsJob,
)

UNALLOCATED = "(unallocated)"


class _Strict(ConfigModel):
    pass


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class Match(_Strict):
    """Which charges a rule applies to: every given field must match (AND); a list matches any of its globs."""

    provider: list[str] = Field(default_factory=list)
    billing_account: list[str] = Field(default_factory=list)  # BillingAccountId or BillingAccountName
    account: list[str] = Field(default_factory=list)  # SubAccountId/Name: account, subscription, project
    service: list[str] = Field(default_factory=list)  # ServiceName
    service_category: list[str] = Field(default_factory=list)
    region: list[str] = Field(default_factory=list)  # RegionId
    resource_id: list[str] = Field(default_factory=list)
    charge_category: list[str] = Field(default_factory=list)
    tags: dict[str, list[str]] = Field(default_factory=dict)  # tag key -> value globs; "*" = the tag is present
    unallocated: bool = False  # shared costs only: rows no rule or tag gave an owner

    _lists = field_validator("provider", "billing_account", "account", "service", "service_category", "region",
                             "resource_id", "charge_category", mode="before")(_as_list)

    @field_validator("tags", mode="before")
    @classmethod
    def _tag_lists(cls, value: Any) -> Any:
        return {k: _as_list(v) for k, v in value.items()} if isinstance(value, dict) else value

    @model_validator(mode="after")
    def _not_empty(self) -> Match:
        if not self.model_fields_set:
            raise ValueError("an empty match would take every charge; name at least one field")
        return self


class Dimension(_Strict):
    """An allocation dimension (team, cost center, ...) read from tags when no rule sets it."""

    tags: list[str] = Field(default_factory=list)  # tag keys in order of preference; matched case-insensitively
    values: dict[str, list[str]] = Field(default_factory=dict)  # canonical value -> spellings (case-insensitive)
    lowercase: bool = False  # fold values to lower case ("Payments" and "payments" are one owner)
    default: str | None = None  # when neither rules nor tags say


class Rule(_Strict):
    """Set dimension values for matching charges (e.g. everything in the shared-services account is platform's)."""

    name: str
    match: Match
    set: dict[str, str]


class SharedCost(_Strict):
    """A pool of cost nobody owns directly (support, networking, untagged remainder), split among owners."""

    name: str
    match: Match
    method: Literal["proportional", "even", "fixed"] = "proportional"
    among: list[str] = Field(default_factory=list)  # owners to split among; empty: every owner with direct cost
    weights: dict[str, float] = Field(default_factory=dict)  # fixed: owner -> percent (must sum to 100)

    @model_validator(mode="after")
    def _weights(self) -> SharedCost:
        if self.method == "fixed":
            if not self.weights:
                raise ValueError(f"shared cost {self.name!r}: method fixed needs weights (owner: percent)")
            total = sum(self.weights.values())
            if abs(total - 100.0) > 1e-6 or any(w < 0 for w in self.weights.values()):
                raise ValueError(f"shared cost {self.name!r}: weights must be >= 0 and sum to 100 (they sum to "
                                 f"{total:g})")
        elif self.weights:
            raise ValueError(f"shared cost {self.name!r}: weights apply only to method fixed")
        return self


def _default_dimensions() -> dict[str, Dimension]:
    return {
        "team": Dimension(tags=["team", "owner"]),
        "cost_center": Dimension(tags=["cost-center", "cost_center", "costcenter"]),
        "product": Dimension(tags=["product", "application", "app"]),
        "environment": Dimension(tags=["environment", "env", "stage"], values={
            "production": ["prod", "prd", "production"], "staging": ["stage", "staging", "stg"],
            "development": ["dev", "development"]}),
    }


CostMetric = Literal["BilledCost", "EffectiveCost", "ListCost", "ContractedCost"]


class AllocationConfig(_Strict):
    owner: str = "team"  # the dimension showback and chargeback are reported by
    cost: CostMetric = "BilledCost"  # BilledCost: what the invoice says; EffectiveCost: amortised
    precedence: Literal["rules-first", "tags-first"] = "rules-first"
    dimensions: dict[str, Dimension] = Field(default_factory=_default_dimensions)
    rules: list[Rule] = Field(default_factory=list)
    shared: list[SharedCost] = Field(default_factory=list)

    @model_validator(mode="after")
    def _known_dimensions(self) -> AllocationConfig:
        if self.owner not in self.dimensions:
            raise ValueError(f"owner dimension {self.owner!r} is not one of the dimensions "
                             f"({', '.join(self.dimensions)})")
        for rule in self.rules:
            unknown = [d for d in rule.set if d not in self.dimensions]
            if unknown:
                raise ValueError(f"rule {rule.name!r} sets unknown dimension(s) {', '.join(unknown)}")
        names = [s.name for s in self.shared]
        if len(set(names)) != len(names):
            raise ValueError("shared cost names must be unique")
        return self


class BillingConfig(_Strict):
    db: Path | None = None  # the store; default .finguard/billing.duckdb (or FINGUARD_BILLING_DB)
    engine: Literal["duckdb", "spark"] = "duckdb"
    currency: str | None = None  # needed only when the store holds several billing currencies
    allocation: AllocationConfig = Field(default_factory=AllocationConfig)
    budgets: BudgetsConfig | None = None
    anomalies: AnomalyJob = Field(default_factory=AnomalyJob)
    forecast: ForecastJob = Field(default_factory=ForecastJob)
    commitments: CommitmentsJob = Field(default_factory=CommitmentsJob)
    unit_costs: UnitCostsJob = Field(default_factory=UnitCostsJob)
    estimates: MatchConfig = Field(default_factory=MatchConfig)
