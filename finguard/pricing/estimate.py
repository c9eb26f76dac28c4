"""Project + catalog -> ProjectCost: runs each resource's cost model and prices its components.

Nothing is priced at 0 silently: a value known only after apply, a price missing for the region,
or an ambiguous price makes the component (and so the resource) incomplete, with the reason.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from finguard.model import (
    Action,
    CatalogInfo,
    ComponentStatus,
    CostComponent,
    CostCounts,
    Project,
    ProjectCost,
    Resource,
    ResourceCost,
    ResourceStatus,
)
from finguard.pricing import registry
from finguard.pricing.catalog import Catalog, describe_query
from finguard.pricing.resources.base import Attrs, Component, NoCost, is_unknown
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageFile

if TYPE_CHECKING:
    from finguard.pricing.catalog import PriceMatch
    from finguard.pricing.rates import RateIndex

State = Literal["before", "after"]


def estimate(project: Project, catalog: Catalog, state: State = "after", usage: UsageFile | None = None,
             rates: RateIndex | None = None, reuse: ProjectCost | None = None) -> ProjectCost:
    """Price every resource at list; with `rates` (an effective-rate overlay) also at the organisation's
    effective rates, list beside effective, naming the components no rate covers.

    `reuse`: the "after" estimate of the same project (at the same rates), when pricing "before": a resource the
    plan leaves unchanged (no-op, same values) whose model priced it without looking at other resources costs
    the same in both states, so its "after" cost is taken instead of pricing it again (most of a real plan is
    no-op)."""
    ctx = ProjectContext(project.resources, state, usage if usage is not None else project._usage)
    result = ProjectCost(project=project.name, source=project.source, state=state)
    counts: dict[str, int] = {}
    unchanged = _reusable(project, reuse) if state == "before" and reuse is not None else {}
    # totals in locals, written once: each pydantic attribute access or write per resource was a tenth of the loop
    costs: list[ResourceCost] = []
    alone = result._alone
    total, complete = Decimal(0), True
    for resource in project.resources:
        cost = unchanged.get(resource.address)  # the same object in both states: nothing changes one once made
        if cost is None:
            lookups = ctx.lookups
            cost = price_resource(resource, catalog, ctx, state, rates)
            if ctx.lookups == lookups:
                alone.add(resource.address)
        costs.append(cost)
        _count(counts, cost)
        if cost.monthly_cost is not None:
            total += cost.monthly_cost
        if not cost.complete:
            complete = False
    result.resources, result.monthly_cost, result.complete = costs, total, complete
    result.counts = CostCounts(**counts)
    result.catalog = catalog_info(catalog, result)
    if rates is not None:
        _effective_totals(result, rates)
    return result


def _reusable(project: Project, after: ProjectCost) -> dict[str, ResourceCost]:
    alone = after._alone  # once: a pydantic private attribute costs a __getattr__ call per read
    costs = {c.address: c for c in after.resources if c.address in alone}
    return {r.address: costs[r.address] for r in project.resources
            if r.address in costs and r.action is Action.NO_OP and not r.unknown_after and r.before == r.after}


def _effective_totals(result: ProjectCost, rates: RateIndex) -> None:
    """Project and resource totals at effective rates (a component without a rate counts at list)."""
    info = rates.info()
    total = Decimal(0)
    for r in result.resources:
        if r.monthly_cost is None:
            continue
        r.effective_monthly_cost = sum(
            (c.effective_monthly_cost if c.effective_monthly_cost is not None else c.monthly_cost
             for c in r.components if c.monthly_cost is not None), Decimal(0))
        total += r.effective_monthly_cost
        for c in r.components:
            if c.rate_basis == "list":
                info.components_at_list.append(f"{r.address}: {c.name}")
            elif c.rate_basis is not None:
                info.components_effective += 1
    result.effective_monthly_cost = total
    result.rates = info


_STATUS_COUNTS = {ResourceStatus.PRICED: "priced", ResourceStatus.FREE: "free",
                  ResourceStatus.UNSUPPORTED: "unsupported", ResourceStatus.INCOMPLETE: "incomplete",
                  ResourceStatus.SKIPPED: "skipped"}
_COMPONENT_COUNTS = {ComponentStatus.USAGE_BASED: "usage_based_components",
                     ComponentStatus.UNKNOWN_QUANTITY: "unknown_components",
                     ComponentStatus.MISSING_PRICE: "missing_price_components",
                     ComponentStatus.AMBIGUOUS_PRICE: "missing_price_components"}


def _count(counts: dict[str, int], cost: ResourceCost) -> None:
    """Tally into a plain dict (CostCounts is built once from it: its attribute writes were slow per resource)."""
    key = _STATUS_COUNTS.get(cost.status)
    if key is not None:
        counts[key] = counts.get(key, 0) + 1
    for c in cost.components:
        key = _COMPONENT_COUNTS.get(c.status)
        if key is not None:
            counts[key] = counts.get(key, 0) + 1


def price_resource(resource: Resource, catalog: Catalog, ctx: ProjectContext, state: State,
                   rates: RateIndex | None = None) -> ResourceCost:
    base: dict[str, object] = {"address": resource.address, "type": resource.type, "region": resource.region,
                               "action": resource.action}
    if resource.is_data:
        return ResourceCost(**base, status=ResourceStatus.SKIPPED, reasons=["data source: not billed"])
    exists = resource.action.exists_after if state == "after" else resource.action.exists_before
    values = resource.after if state == "after" else resource.before
    if exists and values is not None:
        base |= _billing_keys(resource, values, state)
    if not exists or values is None:
        reason = "does not exist after this plan" if state == "after" else "does not exist before this plan"
        return ResourceCost(**base, status=ResourceStatus.SKIPPED, reasons=[reason])
    model = registry.model_for(resource.type)
    if model is None:
        if resource.type in registry.free_types():
            return ResourceCost(**base, status=ResourceStatus.FREE, monthly_cost=Decimal(0))
        return ResourceCost(**base, status=ResourceStatus.UNSUPPORTED, complete=False,
                            reasons=[f"no cost model for {resource.type}"])
    attrs = Attrs(values, resource.unknown_after if state == "after" else ())
    try:
        specs = model.components(resource, attrs, ctx)
    except NoCost as signal:
        return ResourceCost(**base, status=ResourceStatus.FREE, monthly_cost=Decimal(0), reasons=[signal.reason])
    except (ValueError, TypeError) as exc:
        return ResourceCost(**base, status=ResourceStatus.INCOMPLETE, complete=False,
                            reasons=[f"cannot read attributes: {exc}"])
    except ArithmeticError as exc:  # a value no model check caught (decimal or float arithmetic on it failed)
        return ResourceCost(**base, status=ResourceStatus.INCOMPLETE, complete=False,
                            reasons=[f"cannot read attributes: a value cannot be used as a number "
                                     f"({type(exc).__name__})"])
    components = [_price_component(spec, spec.region or resource.region, catalog, rates) for spec in specs]
    return _resource_cost(base, components)


ID_ATTRIBUTES = ("arn", "id", "self_link")  # AWS, AWS/Azure (resource ids), Google


def _billing_keys(resource: Resource, values: dict[str, object], state: State) -> dict[str, object]:
    """Tags and known identifiers, for matching the estimate with billed spend (only set when present)."""
    out: dict[str, object] = {}
    tags = resource.tags_after if state == "after" else resource.tags_before
    if tags:
        out["tags"] = dict(tags)
    unknown = set(resource.unknown_after) if state == "after" else set()
    ids = [v for k in ID_ATTRIBUTES if k not in unknown and isinstance(v := values.get(k), str) and v]
    if ids:
        out["resource_ids"] = list(dict.fromkeys(ids))
    return out


def _resource_cost(base: dict[str, object], components: list[CostComponent]) -> ResourceCost:
    priced_parts = [c.monthly_cost for c in components if c.monthly_cost is not None]
    priced = sum(priced_parts, Decimal(0)) if priced_parts else None
    blocking = [c for c in components if c.status not in (ComponentStatus.PRICED, ComponentStatus.USAGE_BASED)
                and not (c.usage_based and c.status in _PRICE_PROBLEMS)]
    if blocking:
        reasons = [f"{c.name}: {c.reason}" for c in blocking]
        return ResourceCost(**base, status=ResourceStatus.INCOMPLETE, components=components,
                            monthly_cost=priced, complete=False, reasons=reasons)
    return ResourceCost(**base, status=ResourceStatus.PRICED, components=components,
                        monthly_cost=priced if priced is not None else Decimal(0))


_PRICE_PROBLEMS = (ComponentStatus.MISSING_PRICE, ComponentStatus.AMBIGUOUS_PRICE)


def _price_component(spec: Component, region: str | None, catalog: Catalog, rates: RateIndex | None = None
                     ) -> CostComponent:
    # the fields are gathered first and the model built once: setting pydantic attributes one by one was a tenth
    # of pricing a large plan
    line: dict[str, Any] = {"name": spec.display_name, "unit": spec.unit}
    unknown_filters = sorted(k for k, v in spec.filters.items() if is_unknown(v))
    if unknown_filters:
        return CostComponent(**line, status=ComponentStatus.UNKNOWN_QUANTITY,
                             reason=spec.unknown_reason or f"{', '.join(unknown_filters)} known only after apply")
    filters = {k: str(v) for k, v in spec.filters.items()}
    monthly_quantity = spec.monthly_quantity
    line["usage_based"] = usage_based = monthly_quantity is None
    if region is None:
        return CostComponent(**line, status=ComponentStatus.MISSING_PRICE,
                             reason="region unknown: the provider's region could not be read from the plan",
                             price_query=describe_query(spec.service, "?", filters))
    match = catalog.lookup(spec.service, region, filters)
    line["price_query"] = match.query
    if match.ambiguous:
        prices = sorted({str(p.usd) for p in match.ambiguous})
        return CostComponent(**line, status=ComponentStatus.AMBIGUOUS_PRICE,
                             reason=f"{len(match.ambiguous)} different prices match ({', '.join(prices)} USD): "
                                    "filter too loose")
    if not match.found:
        reason = f"no price in the catalog for {region}"
        if usage_based:
            reason += " (usage-based, no usage given: the total does not depend on it)"
        return CostComponent(**line, status=ComponentStatus.MISSING_PRICE, reason=reason)
    line["unit_price"] = unit_price = match.unit_price * spec.price_factor
    line["price_source"] = match.prices[0].source_id
    ratio = None
    if rates is not None:
        ratio, effective = _effective_rate(unit_price, spec.service, region, match, rates)
        line |= effective
    if monthly_quantity is None:
        return CostComponent(**line, status=ComponentStatus.USAGE_BASED,
                             reason=f"usage-based: {unit_price.normalize():f} USD per {spec.unit}")
    if is_unknown(monthly_quantity):
        return CostComponent(**line, status=ComponentStatus.UNKNOWN_QUANTITY,
                             reason=spec.unknown_reason or "quantity known only after apply")
    line["monthly_quantity"] = monthly_quantity
    if not match.covers(monthly_quantity * spec.price_factor):
        return CostComponent(**line, status=ComponentStatus.MISSING_PRICE,
                             reason=f"quantity above the highest price tier the catalog holds for {region}")
    line["monthly_cost"] = monthly_cost = match.cost_for(monthly_quantity * spec.price_factor)
    if ratio is not None:
        line["effective_monthly_cost"] = monthly_cost * ratio
    return CostComponent(**line)


def _effective_rate(unit_price: Decimal, service: str, region: str, match: PriceMatch, rates: RateIndex
                    ) -> tuple[Decimal, dict[str, Any]]:
    """The effective unit price of a component found at list: list x the billed ratio for its slot, or list
    itself (rate_basis `list`) when no rate covers it. Returns the ratio (for the monthly cost, every tier) and
    the component's effective-rate fields."""
    applied = rates.find(service, region, match.prices[0].attributes)
    if applied is None:
        return Decimal(1), {"effective_unit_price": unit_price, "rate_basis": "list",
                            "rate_detail": "no effective rate in the overlay for this price: stays at list"}
    return applied.ratio, {"effective_unit_price": unit_price * applied.ratio, "rate_basis": applied.basis,
                           "rate_detail": applied.detail}


def catalog_info(catalog: Catalog, cost: ProjectCost) -> CatalogInfo:
    used = {c.price_source for r in cost.resources for c in r.components if c.price_source}
    dates = []
    for source_id in sorted(used):
        src = catalog.source(source_id)
        if src is not None and src.published:
            dates.append(src.published)
    return CatalogInfo(
        path=str(catalog.path),
        built_at=catalog.meta.get("compiled_at", ""),
        sources=sorted(used),
        oldest_source_date=min(dates) if dates else None,
    )
