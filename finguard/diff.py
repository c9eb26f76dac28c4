"""Cost before vs after a change, per resource and per component.

Two sources of "before": the plan's own prior state (`finguard diff PLAN`), or a saved breakdown
JSON such as the main branch's (`--compare-to BASE.json`).
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field

from finguard.model import Action, CatalogInfo, ProjectCost, ResourceCost, ResourceStatus


class ComponentDiff(BaseModel):
    name: str
    unit: str
    monthly_quantity_before: Decimal | None = None
    monthly_quantity_after: Decimal | None = None
    monthly_cost_before: Decimal | None = None
    monthly_cost_after: Decimal | None = None
    monthly_cost_delta: Decimal | None = None


class ResourceDiff(BaseModel):
    address: str
    type: str
    region: str | None = None
    action: Action
    status_before: ResourceStatus | None = None
    status_after: ResourceStatus | None = None
    monthly_cost_before: Decimal | None = None
    monthly_cost_after: Decimal | None = None
    monthly_cost_delta: Decimal | None = None
    complete: bool = True  # false: one side is a lower bound (unknown values or missing prices)
    components: list[ComponentDiff] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)


class ProjectDiff(BaseModel):
    project: str
    source: str
    compared_to: str  # "prior state" or the path of the saved breakdown
    currency: str = "USD"
    monthly_cost_before: Decimal = Decimal(0)
    monthly_cost_after: Decimal = Decimal(0)
    monthly_cost_delta: Decimal = Decimal(0)
    monthly_cost_delta_percent: Decimal | None = None
    complete: bool = True
    resources: list[ResourceDiff] = Field(default_factory=list)
    catalog: CatalogInfo | None = None

    @property
    def changed(self) -> list[ResourceDiff]:
        return [r for r in self.resources if r.monthly_cost_delta not in (None, Decimal(0))
                or (r.monthly_cost_delta is None and r.action is not Action.NO_OP)]


def diff_costs(before: ProjectCost, after: ProjectCost, compared_to: str) -> ProjectDiff:
    """Join two costings by resource address; actions come from the plan when it knows them."""
    before_by = {r.address: r for r in before.resources}
    after_by = {r.address: r for r in after.resources}
    addresses = list(dict.fromkeys([*after_by, *before_by]))
    out = ProjectDiff(project=after.project, source=after.source, compared_to=compared_to, catalog=after.catalog)
    for address in addresses:
        b, a = before_by.get(address), after_by.get(address)
        rd = _resource_diff(address, b, a, plan_actions=compared_to == "prior state")
        if rd is None:
            continue
        out.resources.append(rd)
        out.monthly_cost_before += rd.monthly_cost_before or 0
        out.monthly_cost_after += rd.monthly_cost_after or 0
        out.complete = out.complete and rd.complete
    out.monthly_cost_delta = out.monthly_cost_after - out.monthly_cost_before
    if out.monthly_cost_before:
        out.monthly_cost_delta_percent = out.monthly_cost_delta / out.monthly_cost_before * 100
    out.resources.sort(key=lambda r: (-abs(r.monthly_cost_delta or 0), r.address))
    return out


def _exists(cost: ResourceCost | None) -> bool:
    return cost is not None and cost.status is not ResourceStatus.SKIPPED


def _resource_diff(address: str, b: ResourceCost | None, a: ResourceCost | None, *, plan_actions: bool) \
        -> ResourceDiff | None:
    if not _exists(b) and not _exists(a):
        return None
    ref = a or b
    assert ref is not None
    if plan_actions:
        action = ref.action
    elif not _exists(b):
        action = Action.CREATE
    elif not _exists(a):
        action = Action.DELETE
    else:
        action = Action.NO_OP if _same_components(b, a) else Action.UPDATE
    before_cost = b.monthly_cost if _exists(b) and b is not None else None
    after_cost = a.monthly_cost if _exists(a) and a is not None else None
    complete = all(c.complete for c in (b, a) if c is not None and _exists(c))
    rd = ResourceDiff(
        address=address, type=ref.type, region=ref.region, action=action,
        status_before=b.status if _exists(b) and b else None,
        status_after=a.status if _exists(a) and a else None,
        monthly_cost_before=before_cost, monthly_cost_after=after_cost, complete=complete,
        reasons=[*(b.reasons if b and _exists(b) else []), *(a.reasons if a and _exists(a) else [])],
    )
    if before_cost is not None or after_cost is not None:
        rd.monthly_cost_delta = (after_cost or Decimal(0)) - (before_cost or Decimal(0))
    rd.components = _component_diffs(b if _exists(b) else None, a if _exists(a) else None)
    return rd


def _same_components(b: ResourceCost, a: ResourceCost) -> bool:
    key = lambda r: [(c.name, c.monthly_quantity, c.monthly_cost) for c in r.components]  # noqa: E731
    return key(b) == key(a)


def _component_diffs(b: ResourceCost | None, a: ResourceCost | None) -> list[ComponentDiff]:
    before = {c.name: c for c in (b.components if b else [])}
    after = {c.name: c for c in (a.components if a else [])}
    out = []
    for name in dict.fromkeys([*before, *after]):
        cb, ca = before.get(name), after.get(name)
        cd = ComponentDiff(
            name=name, unit=(ca or cb).unit,  # type: ignore[union-attr]
            monthly_quantity_before=cb.monthly_quantity if cb else None,
            monthly_quantity_after=ca.monthly_quantity if ca else None,
            monthly_cost_before=cb.monthly_cost if cb else None,
            monthly_cost_after=ca.monthly_cost if ca else None,
        )
        if cd.monthly_cost_before is not None or cd.monthly_cost_after is not None:
            cd.monthly_cost_delta = (cd.monthly_cost_after or Decimal(0)) - (cd.monthly_cost_before or Decimal(0))
        out.append(cd)
    return out
