"""What a policy author writes against: typed resource views, a context, and the two decorators.

    from finguard.policy.api import Violation, policy

    @policy(id="ACME-001", title="No m4 in prod", severity="high", resource_types=["aws_instance"])
    def no_m4(resource, ctx):
        if str(resource.attr("instance_type", "")).startswith("m4.") and resource.tags.get("env") == "prod":
            yield Violation("m4 instances are not allowed in prod")

A resource policy is called once per resource of its types; a project policy once per run. Either
returns/yields Violations (or plain strings), or nothing when the resource passes.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from finguard.config import FinguardConfig
from finguard.model import Action, Resource, ResourceCost
from finguard.policy.model import PolicyMeta, Severity
from finguard.pricing.resources.base import UNKNOWN, Attrs, is_unknown


@dataclass(slots=True)
class Violation:
    message: str
    address: str | None = None  # defaults to the resource checked
    remediation: str | None = None  # defaults to the policy's
    severity: Severity | None = None  # defaults to the policy's
    monthly_cost_delta: Decimal | float | None = None  # a saving (negative) or increase to show


@dataclass(slots=True)
class Example:
    """A Terraform snippet the policy must flag (fails=True) or accept; proven by one generic test."""

    hcl: str
    fails: bool
    config: dict[str, Any] = field(default_factory=dict)  # finguard.yml overrides for this example
    note: str = ""


class PolicyResource:
    """Read-only view of one resource as it will be after the change (before it, for a delete)."""

    __slots__ = ("_attrs", "action", "address", "cost", "cost_before", "effective", "module_address", "name",
                 "provider", "region", "resource", "type")
    resource: Resource
    cost: ResourceCost | None
    cost_before: ResourceCost | None
    effective: bool
    address: str
    type: str
    name: str
    provider: str
    region: str | None
    action: Action
    module_address: str | None
    _attrs: Attrs

    def __init__(self, resource: Resource, cost: ResourceCost | None, cost_before: ResourceCost | None,
                 effective: bool = False) -> None:
        exists = resource.action.exists_after
        # the resource's fields are copied once: every policy reads them for every resource (properties were a
        # tenth of the policies' time); one call per slot, as a loop over pairs was a tenth of building the views
        put = object.__setattr__
        put(self, "resource", resource)
        put(self, "cost", cost)
        put(self, "cost_before", cost_before)
        # priced at the organisation's effective rates (`--rates effective`) on both sides of the change:
        # `monthly_cost*` are then effective figures, and `monthly_cost_list*` keep the list prices
        put(self, "effective", effective)
        put(self, "address", resource.address)
        put(self, "type", resource.type)
        put(self, "name", resource.name)
        put(self, "provider", resource.provider)
        put(self, "region", resource.region)
        put(self, "action", resource.action)
        put(self, "module_address", resource.module_address)
        put(self, "_attrs", Attrs(resource.after, resource.unknown_after) if exists else Attrs(resource.before, []))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"a policy's view of a resource is read-only (tried to set {name!r})")

    @property
    def tags(self) -> dict[str, str]:
        """Tags in effect, provider default_tags included."""
        return self.resource.tags

    @property
    def attributes(self) -> dict[str, Any]:
        return self._attrs.values

    def attr(self, path: str, default: Any = None) -> Any:
        """Attribute at a dotted path; UNKNOWN when known only after apply (test with is_unknown)."""
        return self._attrs.get(path, default)

    def is_unknown(self, path: str) -> bool:
        return self._attrs.is_unknown(path)

    @property
    def is_taggable(self) -> bool:
        """True when the type takes tags: the plan shows `tags`, or the type is known to take them."""
        from finguard.terraform.aws_taggable import KNOWN_TAGGABLE

        values = self._attrs.values
        return "tags" in values or "tags_all" in values or self.type in KNOWN_TAGGABLE

    @property
    def is_changing(self) -> bool:
        return self.resource.action in (Action.CREATE, Action.UPDATE, Action.REPLACE)

    @property
    def rates(self) -> str:
        """"effective" when the run prices at the organisation's effective rates, else "list"."""
        return "effective" if self.effective else "list"

    @property
    def monthly_cost(self) -> Decimal | None:
        """Monthly cost after the change at the run's rates (effective with `--rates effective`, else list)."""
        return self._at_rates(self.cost)

    @property
    def monthly_cost_before(self) -> Decimal | None:
        return self._at_rates(self.cost_before)

    @property
    def monthly_cost_list(self) -> Decimal | None:
        """At public list prices, whatever the run's rates."""
        return self.cost.monthly_cost if self.cost is not None else None

    @property
    def monthly_cost_before_list(self) -> Decimal | None:
        return self.cost_before.monthly_cost if self.cost_before is not None else None

    @property
    def monthly_cost_effective(self) -> Decimal | None:
        """At effective rates; None when the run uses list prices."""
        return self._at_rates(self.cost) if self.effective else None

    def _at_rates(self, cost: ResourceCost | None) -> Decimal | None:
        if cost is None:
            return None
        return cost.cost_at_rates if self.effective else cost.monthly_cost

    @property
    def monthly_cost_delta(self) -> Decimal | None:
        return cost_delta(self.monthly_cost, self.monthly_cost_before)


def cost_delta(after: Decimal | None, before: Decimal | None) -> Decimal | None:
    """After minus before, a missing side counting as 0; None when neither side has a cost."""
    if after is None and before is None:
        return None
    return (after or Decimal(0)) - (before or Decimal(0))


@dataclass(slots=True)
class PolicyProject:
    """Project totals and every resource, for project-level policies."""

    name: str
    resources: list[PolicyResource]
    monthly_cost_before: Decimal
    monthly_cost_after: Decimal
    complete: bool
    prior_state_known: bool = True  # False for .tf code read without a plan or a saved baseline
    # the totals above are at the run's rates; these stay at list prices ("effective" runs only differ)
    rates: str = "list"
    monthly_cost_before_list: Decimal | None = None
    monthly_cost_after_list: Decimal | None = None

    @property
    def monthly_cost_delta(self) -> Decimal:
        return self.monthly_cost_after - self.monthly_cost_before

    @property
    def monthly_cost_delta_percent(self) -> Decimal | None:
        if not self.monthly_cost_before:
            return None
        return self.monthly_cost_delta / self.monthly_cost_before * 100


class PolicyContext:
    """Configuration, this policy's parameters, and price look-ups for suggestions."""

    def __init__(self, config: FinguardConfig, params: BaseModel | None, pricer: Pricer) -> None:
        self.config = config
        self.params = params
        self.pricer = pricer


class Pricer:
    """Catalog look-ups a policy may need (e.g. the price of the suggested replacement)."""

    def __init__(self, catalog: Any) -> None:
        self.catalog = catalog

    def instance_hour(self, instance_type: str, region: str | None, operating_system: str = "Linux") -> Decimal | None:
        if self.catalog is None or region is None:
            return None
        from finguard.pricing.resources.aws._ec2 import instance_hours

        spec = instance_hours(instance_type, operating_system=operating_system)
        match = self.catalog.lookup(spec.service, region, {k: str(v) for k, v in spec.filters.items()})
        return match.unit_price if match.found else None

    def ebs_gb_month(self, volume_type: str, region: str | None) -> Decimal | None:
        if self.catalog is None or region is None:
            return None
        match = self.catalog.lookup("AmazonEC2", region, {"productFamily": "Storage", "volumeApiName": volume_type})
        return match.unit_price if match.found else None


CheckFn = Callable[[Any, PolicyContext], Iterable[Violation | str] | Violation | str | None]


@dataclass(slots=True)
class PythonPolicy:
    meta: PolicyMeta
    check: CheckFn
    scope: str  # "resource" or "project"
    params: type[BaseModel] | None = None
    examples: list[Example] = field(default_factory=list)


def _decorator(scope: str, *, id: str, title: str, severity: str | Severity, resource_types: Iterable[str] = (),
               remediation: str = "", params: type[BaseModel] | None = None,
               examples: Iterable[Example] = ()) -> Callable[[CheckFn], CheckFn]:
    def wrap(fn: CheckFn) -> CheckFn:
        meta = PolicyMeta(id=id, title=title, severity=Severity(severity), resource_types=list(resource_types),
                          description=inspect.cleandoc(fn.__doc__ or ""), remediation=remediation, language="python")
        fn.__finguard_policy__ = PythonPolicy(meta, fn, scope, params, list(examples))  # type: ignore[attr-defined]
        return fn

    return wrap


def policy(**kwargs: Any) -> Callable[[CheckFn], CheckFn]:
    """Declare a resource policy (called once per resource of `resource_types`, or every resource)."""
    return _decorator("resource", **kwargs)


def project_policy(**kwargs: Any) -> Callable[[CheckFn], CheckFn]:
    """Declare a project policy (called once with the PolicyProject)."""
    return _decorator("project", **kwargs)


def violations(result: Iterable[Violation | str] | Violation | str | None) -> Iterator[Violation]:
    """Normalise what a check returned into Violations."""
    if result is None:
        return
    if isinstance(result, Violation | str):
        result = [result]
    for item in result:
        if isinstance(item, str):
            yield Violation(item)
        elif isinstance(item, Violation):
            yield item
        else:
            raise TypeError(f"a policy must return Violation or str, got {type(item).__name__}")


__all__ = ["UNKNOWN", "Example", "PolicyContext", "PolicyProject", "PolicyResource", "Violation", "is_unknown",
           "policy", "project_policy"]


def money(value: Decimal | float, *, signed: bool = False) -> str:
    """Dollars rounded half-up to cents, as the reports print them: a policy message and the breakdown
    must never show the same figure as $928.84 and $928.85."""
    from finguard.report._format import money as report_money

    return report_money(Decimal(str(value)), signed=signed)
