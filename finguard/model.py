"""The one typed model every layer shares: plan/HCL readers produce a Project, pricing produces costs.

Readers and pricing never pass raw dicts to each other; they pass these models.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SkipValidation

HOURS_PER_MONTH = Decimal(730)


class Action(StrEnum):
    """What a plan does to a resource, normalised from Terraform's action lists."""

    NO_OP = "no-op"
    CREATE = "create"
    READ = "read"
    UPDATE = "update"
    DELETE = "delete"
    REPLACE = "replace"  # delete+create or create+delete

    @classmethod
    def from_terraform(cls, actions: list[str]) -> Action:
        key = tuple(actions)
        if key in _ACTIONS:
            return _ACTIONS[key]
        raise ValueError(f"unknown Terraform action list {list(actions)!r}")

    @property
    def exists_before(self) -> bool:
        return self in _EXISTS_BEFORE

    @property
    def exists_after(self) -> bool:
        return self in _EXISTS_AFTER


# sets, not tuples: asked for every resource by pricing, views and policies, and a tuple compares one by one
_EXISTS_BEFORE = frozenset((Action.NO_OP, Action.UPDATE, Action.DELETE, Action.REPLACE, Action.READ))
_EXISTS_AFTER = frozenset((Action.NO_OP, Action.UPDATE, Action.CREATE, Action.REPLACE, Action.READ))

_ACTIONS: dict[tuple[str, ...], Action] = {
    ("no-op",): Action.NO_OP,
    ("create",): Action.CREATE,
    ("read",): Action.READ,
    ("update",): Action.UPDATE,
    ("delete",): Action.DELETE,
    ("delete", "create"): Action.REPLACE,
    ("create", "delete"): Action.REPLACE,
    ("forget",): Action.DELETE,  # Terraform 1.7 `removed` block: leaves state; no longer ours to pay for
}


class SourceLocation(BaseModel):
    """Where a resource is declared, so findings and errors can point at code."""

    model_config = ConfigDict(frozen=True)

    file: str
    line: int | None = None


class Resource(BaseModel):
    """One resource instance (after count/for_each expansion) with its state before and after.

    The containers are not validated again (SkipValidation): the one reader that builds resources
    (terraform.plan._make_resource, which HCL mode goes through too) makes them from a checked plan
    document, and validating each attribute dict copied it (half of building a resource)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    address: str
    mode: str = "managed"  # "managed" or "data"
    type: str
    name: str
    index: int | str | None = None
    module_address: str | None = None
    provider_name: str = ""  # e.g. registry.terraform.io/hashicorp/aws
    provider_config_key: str | None = None
    region: str | None = None
    action: Action = Action.NO_OP
    actions: SkipValidation[list[str]] = Field(default_factory=lambda: ["no-op"])
    before: SkipValidation[dict[str, Any] | None] = None
    after: SkipValidation[dict[str, Any] | None] = None
    # Attribute paths ("root_block_device.0.volume_size") whose configured value is known only after
    # apply (it comes from another resource, a data source, ...).
    unknown_after: SkipValidation[list[str]] = Field(default_factory=list)
    # Unknown paths the configuration does not set at all: the provider computes them (ids, ARNs,
    # API defaults such as a gp3 volume's baseline IOPS). Cost models treat them as unset.
    computed_after: SkipValidation[list[str]] = Field(default_factory=list)
    tags_before: SkipValidation[dict[str, str]] = Field(default_factory=dict)
    tags_after: SkipValidation[dict[str, str]] = Field(default_factory=dict)
    # Attribute path ("launch_template.0.id") -> addresses the configuration references there,
    # so a model can follow an ASG to its launch template when the id is unknown until apply.
    references: SkipValidation[dict[str, list[str]]] = Field(default_factory=dict)
    source: SourceLocation | None = None

    @property
    def provider(self) -> str:
        """Short provider name: "aws", "azurerm", "google", ..."""
        if self.provider_name:
            return self.provider_name.rsplit("/", 1)[-1]
        return self.type.split("_", 1)[0]

    @property
    def is_data(self) -> bool:
        return self.mode == "data"

    @property
    def tags(self) -> dict[str, str]:
        """Tags in effect: after the change, or before it for a delete."""
        return self.tags_after if self.action.exists_after else self.tags_before


class Project(BaseModel):
    """Everything one plan (or one HCL directory) declares."""

    name: str
    source: str
    format_version: str | None = None
    terraform_version: str | None = None
    resources: list[Resource] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    # Module path without instance keys ("module.app.module.db") -> its `source` ("./modules/db").
    module_sources: dict[str, str] = Field(default_factory=dict)
    # False when read from .tf code without a plan: nothing says what exists today, so "before" is not $0
    # but unknown (a saved breakdown can supply it: --compare-to).
    prior_state_known: bool = True
    # HCL mode keeps the scan of its .tf code here, so `check` reads suppressions without a second scan.
    _source_map: Any = PrivateAttr(default=None)
    # finguard-usage.yml values applied to this project (a pricing.usage.UsageFile), read by estimate().
    _usage: Any = PrivateAttr(default=None)

    @property
    def managed(self) -> list[Resource]:
        return [r for r in self.resources if not r.is_data]


class ComponentStatus(StrEnum):
    PRICED = "priced"
    USAGE_BASED = "usage_based"  # priced per unit of usage; no usage given -> no monthly figure
    UNKNOWN_QUANTITY = "unknown_quantity"  # a value the quantity needs is known only after apply
    MISSING_PRICE = "missing_price"  # the catalog has no price for this region/filter
    AMBIGUOUS_PRICE = "ambiguous_price"  # the filter matched several different prices


def _is_none(value: object) -> bool:
    return value is None


# Fields that exist only when a run prices at effective rates (`--rates effective`): left out of the output while
# they are null, so list-price output stays exactly as it was (JSON version 1 only gains fields). A field-level
# `exclude_if` is decided inside pydantic's serializer: 8x faster than a model serializer on 10k resources.
def effective_field() -> Any:
    return Field(None, exclude_if=_is_none)


class CostComponent(BaseModel):
    """One priced line: quantity x unit price = monthly cost."""

    name: str
    unit: str
    monthly_quantity: Decimal | None = None
    unit_price: Decimal | None = None
    monthly_cost: Decimal | None = None
    status: ComponentStatus = ComponentStatus.PRICED
    reason: str | None = None
    price_source: str | None = None  # source id of the catalog row used
    price_query: str | None = None  # human-readable filter, for review against the price list
    # priced per unit of usage and no usage given: its monthly figure is not part of the total either way,
    # so a missing unit price here is reported but does not make the resource's total a lower bound
    usage_based: bool = False
    # With effective rates: the unit price and monthly cost the organisation pays (list x the billed ratio), and
    # the evidence (`rate_basis`: sku, usage_type, charge_description, instance_family, service_region; `list` when
    # no rate covers it, so it stays at list). All null at list rates.
    effective_unit_price: Decimal | None = effective_field()
    effective_monthly_cost: Decimal | None = effective_field()
    rate_basis: str | None = effective_field()
    rate_detail: str | None = effective_field()


class ResourceStatus(StrEnum):
    PRICED = "priced"
    FREE = "free"
    UNSUPPORTED = "unsupported"
    INCOMPLETE = "incomplete"  # some components could not be priced (unknown value or missing price)
    SKIPPED = "skipped"  # data sources and resources that do not exist in this state


class ResourceCost(BaseModel):
    """The cost of one resource in one state (before or after the change)."""

    address: str
    type: str
    region: str | None = None
    action: Action = Action.NO_OP
    status: ResourceStatus
    # Sum of the priced components; None when nothing could be priced. When `complete` is false
    # some fixed component is unknown or has no price, so the figure is a lower bound.
    monthly_cost: Decimal | None = None
    complete: bool = True
    components: list[CostComponent] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)
    # What ties the estimate to billed spend later (`finguard billing estimates`): the tags in effect in this
    # state, and identifiers the state already knows (arn, id; none for a resource not yet created). Optional,
    # so breakdowns saved before these fields existed still load.
    tags: dict[str, str] = Field(default_factory=dict)
    resource_ids: list[str] = Field(default_factory=list)
    # With effective rates: the sum of the components at their effective rates (list where none applies).
    effective_monthly_cost: Decimal | None = effective_field()

    @property
    def cost_at_rates(self) -> Decimal | None:
        """The figure decisions use: effective when the run priced at effective rates, else list."""
        return self.effective_monthly_cost if self.effective_monthly_cost is not None else self.monthly_cost


class CostCounts(BaseModel):
    priced: int = 0
    free: int = 0
    unsupported: int = 0
    incomplete: int = 0
    skipped: int = 0
    usage_based_components: int = 0
    unknown_components: int = 0
    missing_price_components: int = 0


class RatesInfo(BaseModel):
    """Which rates a costing used, and where they came from (`finguard pricing rates --from-billing DB`)."""

    mode: Literal["list", "effective"] = "effective"
    overlay: str | None = None
    billing_accounts: list[str] = Field(default_factory=list)
    period_start: str | None = None
    period_end: str | None = None
    billing_rows: int = 0
    generated_at: str | None = None
    components_effective: int = 0  # components priced at an effective rate
    # priced components no effective rate covers ("address: component"): they stay at list
    components_at_list: list[str] = Field(default_factory=list)


class ProjectCost(BaseModel):
    """Costs of every resource of a project in one state."""

    project: str
    source: str
    state: str  # "after" (planned) or "before" (prior state)
    currency: str = "USD"
    resources: list[ResourceCost] = Field(default_factory=list)
    monthly_cost: Decimal = Decimal(0)  # sum of every priced component
    complete: bool = True  # false: some resource is unsupported or incomplete, so this is a lower bound
    counts: CostCounts = Field(default_factory=CostCounts)
    catalog: CatalogInfo | None = None
    effective_monthly_cost: Decimal | None = effective_field()  # with effective rates: the total at those rates
    rates: RatesInfo | None = effective_field()  # with effective rates: their provenance, and what stayed at list
    _alone: set[str] = PrivateAttr(default_factory=set)  # addresses priced without other resources (see estimate)

    @property
    def cost_at_rates(self) -> Decimal:
        return self.effective_monthly_cost if self.effective_monthly_cost is not None else self.monthly_cost


class CatalogInfo(BaseModel):
    """Which price data produced a figure, so every number can be traced and its age judged."""

    path: str
    built_at: str
    sources: list[str]
    oldest_source_date: str | None = None


ProjectCost.model_rebuild()


def comparable_rates(before: ProjectCost, after: ProjectCost) -> bool:
    """Whether both sides carry effective figures (a saved list-price breakdown cannot be compared at
    effective rates: its components never looked a rate up). Here, not in finguard.diff: `check` needs it without
    the diff models."""
    return before.rates is not None and after.rates is not None
