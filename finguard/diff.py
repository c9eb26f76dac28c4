"""Cost before vs after a change, per resource and per component.

Two sources of "before": the plan's own prior state (`finguard diff PLAN`), or a saved breakdown
JSON such as the main branch's (`--compare-to BASE.json`).
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field

from finguard.model import (
    Action,
    CatalogInfo,
    ProjectCost,
    RatesInfo,
    ResourceCost,
    ResourceStatus,
    comparable_rates,
    effective_field,
)


class ComponentDiff(BaseModel):

    name: str
    unit: str
    monthly_quantity_before: Decimal | None = None
    monthly_quantity_after: Decimal | None = None
    monthly_cost_before: Decimal | None = None
    monthly_cost_after: Decimal | None = None
    monthly_cost_delta: Decimal | None = None
    effective_monthly_cost_before: Decimal | None = effective_field()
    effective_monthly_cost_after: Decimal | None = effective_field()
    effective_monthly_cost_delta: Decimal | None = effective_field()


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
    effective_monthly_cost_before: Decimal | None = effective_field()
    effective_monthly_cost_after: Decimal | None = effective_field()
    effective_monthly_cost_delta: Decimal | None = effective_field()

    @property
    def delta_at_rates(self) -> Decimal | None:
        """The delta decisions use: at effective rates when the diff has them, else at list."""
        if self.effective_monthly_cost_delta is not None:
            return self.effective_monthly_cost_delta
        return self.monthly_cost_delta


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
    # With effective rates on both sides: the same figures at the organisation's effective rates (list stays in the
    # fields above), and the rates' provenance. `rates_note` says why a diff asked for effective rates has none.
    effective_monthly_cost_before: Decimal | None = effective_field()
    effective_monthly_cost_after: Decimal | None = effective_field()
    effective_monthly_cost_delta: Decimal | None = effective_field()
    effective_monthly_cost_delta_percent: Decimal | None = effective_field()
    rates: RatesInfo | None = effective_field()
    rates_note: str | None = effective_field()

    @property
    def changed(self) -> list[ResourceDiff]:
        return [r for r in self.resources if r.monthly_cost_delta not in (None, Decimal(0))
                or (r.effective_monthly_cost_delta not in (None, Decimal(0)))
                or (r.monthly_cost_delta is None and r.action is not Action.NO_OP)]

    @property
    def effective(self) -> bool:
        return self.effective_monthly_cost_delta is not None

    @property
    def before_at_rates(self) -> Decimal:
        return self.effective_monthly_cost_before if self.effective_monthly_cost_before is not None \
            else self.monthly_cost_before

    @property
    def after_at_rates(self) -> Decimal:
        return self.effective_monthly_cost_after if self.effective_monthly_cost_after is not None \
            else self.monthly_cost_after

    @property
    def delta_at_rates(self) -> Decimal:
        return self.after_at_rates - self.before_at_rates

    @property
    def delta_percent_at_rates(self) -> Decimal | None:
        return self.effective_monthly_cost_delta_percent if self.effective else self.monthly_cost_delta_percent


LIST_BASE_NOTE = ("{base} holds list prices only (saved without --rates effective): the comparison is at list "
                  "prices; save the base with --rates effective to compare effective costs")


def diff_costs(before: ProjectCost, after: ProjectCost, compared_to: str) -> ProjectDiff:
    """Join two costings by resource address; actions come from the plan when it knows them. When both carry
    effective figures the diff has them too; when only the newer one does, the diff is at list and says why."""
    before_by = {r.address: r for r in before.resources}
    after_by = {r.address: r for r in after.resources}
    addresses = list(dict.fromkeys([*after_by, *before_by]))
    out = ProjectDiff(project=after.project, source=after.source, compared_to=compared_to, catalog=after.catalog)
    effective = comparable_rates(before, after)
    if effective:
        out.rates = after.rates
        out.effective_monthly_cost_before = out.effective_monthly_cost_after = Decimal(0)
    elif after.rates is not None:
        out.rates_note = LIST_BASE_NOTE.format(base=compared_to)
    for address in addresses:
        b, a = before_by.get(address), after_by.get(address)
        rd = _resource_diff(address, b, a, plan_actions=compared_to == "prior state", effective=effective)
        if rd is None:
            continue
        out.resources.append(rd)
        out.monthly_cost_before += rd.monthly_cost_before or 0
        out.monthly_cost_after += rd.monthly_cost_after or 0
        if effective:
            out.effective_monthly_cost_before += rd.effective_monthly_cost_before or 0  # type: ignore[operator]
            out.effective_monthly_cost_after += rd.effective_monthly_cost_after or 0  # type: ignore[operator]
        out.complete = out.complete and rd.complete
    out.monthly_cost_delta = out.monthly_cost_after - out.monthly_cost_before
    if out.monthly_cost_before:
        out.monthly_cost_delta_percent = out.monthly_cost_delta / out.monthly_cost_before * 100
    if effective:
        assert out.effective_monthly_cost_after is not None and out.effective_monthly_cost_before is not None
        out.effective_monthly_cost_delta = out.effective_monthly_cost_after - out.effective_monthly_cost_before
        if out.effective_monthly_cost_before:
            out.effective_monthly_cost_delta_percent = (out.effective_monthly_cost_delta
                                                        / out.effective_monthly_cost_before * 100)
    out.resources.sort(key=lambda r: (-abs(r.delta_at_rates or 0), r.address))
    return out


def _exists(cost: ResourceCost | None) -> bool:
    return cost is not None and cost.status is not ResourceStatus.SKIPPED


def _resource_diff(address: str, b: ResourceCost | None, a: ResourceCost | None, *, plan_actions: bool,
                   effective: bool = False) -> ResourceDiff | None:
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
    if effective:
        rd.effective_monthly_cost_before = b.cost_at_rates if _exists(b) and b is not None else None
        rd.effective_monthly_cost_after = a.cost_at_rates if _exists(a) and a is not None else None
        if rd.effective_monthly_cost_before is not None or rd.effective_monthly_cost_after is not None:
            rd.effective_monthly_cost_delta = ((rd.effective_monthly_cost_after or Decimal(0))
                                               - (rd.effective_monthly_cost_before or Decimal(0)))
    rd.components = _component_diffs(b if _exists(b) else None, a if _exists(a) else None, effective)
    return rd


def _same_components(b: ResourceCost, a: ResourceCost) -> bool:
    key = lambda r: [(c.name, c.monthly_quantity, c.monthly_cost) for c in r.components]  # noqa: E731
    return key(b) == key(a)


def _component_diffs(b: ResourceCost | None, a: ResourceCost | None, effective: bool = False
                     ) -> list[ComponentDiff]:
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
        if effective:
            cd.effective_monthly_cost_before = _component_at_rates(cb)
            cd.effective_monthly_cost_after = _component_at_rates(ca)
            if cd.effective_monthly_cost_before is not None or cd.effective_monthly_cost_after is not None:
                cd.effective_monthly_cost_delta = ((cd.effective_monthly_cost_after or Decimal(0))
                                                   - (cd.effective_monthly_cost_before or Decimal(0)))
        out.append(cd)
    return out


def _component_at_rates(c: object) -> Decimal | None:
    if c is None:
        return None
    effective = getattr(c, "effective_monthly_cost", None)
    return effective if effective is not None else getattr(c, "monthly_cost", None)
