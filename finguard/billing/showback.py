"""Showback and chargeback from the allocated daily table: who spent what, per billing period.

Showback tells each owner what they cost (direct cost plus their split of every shared pool), with the top
services and a daily trend; chargeback turns the same numbers into invoice lines. Chargeback lines are rounded to
cents by the largest-remainder method, so a period's lines (the "(unallocated)" line included) add up exactly, in
cents, to the period's billed total rounded to cents: rounding each line on its own would leave the sum a few
cents off, and finance reconciles to the cent.

The allocated daily table is small (day x owner x account x service x kind), so it is read once into Arrow and
every figure comes from a handful of aggregate queries on that copy: re-running the allocation for each figure
would cost a scan of the charges each time.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field, computed_field

from finguard.billing.allocate import TOLERANCE, Allocation, PeriodReconciliation, PoolNote, pool_notes, reconcile
from finguard.billing.config import UNALLOCATED

if TYPE_CHECKING:
    import ibis.expr.types as ir

OTHER_OWNERS = "(other owners)"
NO_SERVICE = "(no service)"
CENT = Decimal("0.01")


class OwnerPeriod(BaseModel):
    """One owner's showback line in one billing period."""

    period: date
    owner: str
    direct: float = Field(description="cost the owner's own charges carry")
    shared: dict[str, float] = Field(default_factory=dict, description="pool -> the owner's split of it")
    total: float
    share_percent: float | None = Field(description="total / the period's billed cost x 100 (None: nothing billed)")

    @property
    def shared_total(self) -> float:
        return sum(self.shared.values())


class PeriodTotals(BaseModel):
    """A billing period's totals and its reconciliation: billed = allocated + unallocated (+ float noise)."""

    period: date
    billed: float = Field(description="sum of the cost metric over the period's charges")
    allocated: float
    unallocated: float
    difference: float = Field(description="billed - allocated - unallocated, from `reconcile`")
    direct: float = Field(description="direct cost (owned or not)")
    shared: dict[str, float] = Field(default_factory=dict, description="pool -> amount")
    owners: int = Field(description="owners with cost in the period, '(unallocated)' not counted")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def balanced(self) -> bool:
        return abs(self.difference) < TOLERANCE

    @computed_field  # type: ignore[prop-decorator]
    @property
    def unallocated_percent(self) -> float | None:
        return 100.0 * self.unallocated / self.billed if self.billed else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def allocated_percent(self) -> float | None:
        return 100.0 * self.allocated / self.billed if self.billed else None


class ServiceCost(BaseModel):
    service: str
    cost: float
    share_percent: float | None = Field(description="of the owner's (or the whole window's) cost")


class OwnerServices(BaseModel):
    """An owner's top services over the report window (their shared splits included, by the pool's services)."""

    owner: str
    total: float
    services: list[ServiceCost]


class TrendSeries(BaseModel):
    name: str
    values: list[float] = Field(description="one value per day of `DailyTrend.days`")

    @property
    def total(self) -> float:
        return sum(self.values)


class DailyTrend(BaseModel):
    """Daily cost of the top owners, everyone else as one series, and what nobody owns: for the line chart."""

    days: list[date]
    series: list[TrendSeries]


class ChargebackLine(BaseModel):
    """An invoice line: the owner's period total in cents, rounded so the period's lines sum exactly."""

    period: date
    owner: str
    exact: float = Field(description="the showback total, unrounded")
    cents: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def amount(self) -> float:
        """The line in currency units: cents / 100 prints with at most two decimals."""
        return self.cents / 100


class Showback(BaseModel):
    """Everything the showback/chargeback reports show; built by `build_showback`."""

    currency: str
    cost_metric: str = Field(description="BilledCost, EffectiveCost, ...: the cost column allocated")
    owner_dimension: str
    first_day: date | None
    last_day: date | None
    pools: list[str] = Field(description="shared pools present, in name order")
    periods: list[PeriodTotals]
    owners: list[OwnerPeriod] = Field(description="per period: owners by total, '(unallocated)' last")
    pool_notes: list[PoolNote] = Field(default_factory=list)
    top_services: list[ServiceCost] = Field(description="over the whole window")
    owner_services: list[OwnerServices] = Field(description="per owner, by total over the window")
    trend: DailyTrend
    chargeback: list[ChargebackLine] = Field(description="per period: owners by name, '(unallocated)' last")

    @property
    def billed(self) -> float:
        return sum(p.billed for p in self.periods)

    @property
    def unallocated(self) -> float:
        return sum(p.unallocated for p in self.periods)

    @property
    def balanced(self) -> bool:
        return all(p.balanced for p in self.periods)

    def owners_in(self, period: date) -> list[OwnerPeriod]:
        return [o for o in self.owners if o.period == period]

    def chargeback_in(self, period: date) -> list[ChargebackLine]:
        return [c for c in self.chargeback if c.period == period]

    def owner_totals(self) -> list[tuple[str, float, float, dict[str, float]]]:
        """(owner, total, direct, shared by pool) over the whole window, by total, '(unallocated)' last."""
        acc: dict[str, tuple[float, float, dict[str, float]]] = {}
        for o in self.owners:
            total, direct, shared = acc.get(o.owner, (0.0, 0.0, {}))
            merged = dict(shared)
            for pool, amount in o.shared.items():
                merged[pool] = merged.get(pool, 0.0) + amount
            acc[o.owner] = (total + o.total, direct + o.direct, merged)
        out = [(owner, t, d, s) for owner, (t, d, s) in acc.items()]
        out.sort(key=lambda r: (r[0] == UNALLOCATED, -r[1], r[0]))
        return out


# -- rounding -----------------------------------------------------------------------------------------------
def to_cents(value: float) -> int:
    """A float amount in whole cents, half away from zero (`Decimal(repr)`: no binary-fraction surprises)."""
    return int((Decimal(repr(value)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def largest_remainder(amounts: list[float], target_cents: int, keys: list[str] | None = None) -> list[int]:
    """Amounts in whole cents summing exactly to `target_cents`: floor each, then give the missing cents to the
    largest fractional parts (ties by `keys`, then position). A target off by more than the count of amounts
    (float noise cannot do that, a wrong target can) cycles; a target below the floors takes cents back from the
    smallest fractions first."""
    if not amounts:
        if target_cents:
            raise ValueError(f"no amounts to spread {target_cents} cent(s) over")
        return []
    exact = [Decimal(repr(a)) * 100 for a in amounts]
    cents = [int(e.to_integral_value(rounding=ROUND_FLOOR)) for e in exact]
    names = keys or [""] * len(amounts)
    order = sorted(range(len(amounts)), key=lambda i: (-(exact[i] - cents[i]), names[i], i))
    rest = target_cents - sum(cents)
    step = 1 if rest >= 0 else -1
    ranked = order if rest >= 0 else order[::-1]
    for i in range(abs(rest)):
        cents[ranked[i % len(ranked)]] += step
    return cents


# -- building -----------------------------------------------------------------------------------------------
def build_showback(daily: ir.Table, allocation: Allocation | None = None, *, rows: ir.Table | None = None,
                   currency: str = "USD", cost_metric: str = "BilledCost", owner_dimension: str = "owner",
                   top_services: int = 10, trend_owners: int = 8) -> Showback:
    """The showback of an allocated daily table (`allocate`'s first result, or the stored `allocated_daily`).

    `allocation` (what `finguard billing allocate` computes) gives the reconciliation, pool notes, currency and
    names; without it, `rows` (allocate's labelled charges) is needed to reconcile against the billed cost.
    """
    import ibis

    local = ibis.memtable(daily.select("day", "billing_period", "owner", "ServiceName", "kind", "pool", "cost")
                          .to_pyarrow())
    if allocation is None:
        if rows is None:
            raise ValueError("build_showback needs the Allocation or the labelled rows to reconcile against")
        allocation = Allocation(cost=cost_metric, owner_dimension=owner_dimension, currency=currency,
                                periods=reconcile(local, rows), pools=pool_notes(local))
    by_kind = local.group_by("billing_period", "owner", "kind", "pool").agg(cost=local.cost.sum()).to_pyarrow()
    periods, owners, pools = _periods(by_kind.to_pylist(), allocation.periods)
    services = local.mutate(ServiceName=local.ServiceName.fill_null(NO_SERVICE))
    days = local.agg(first=local.day.min(), last=local.day.max()).to_pyarrow().to_pylist()[0]
    return Showback(
        currency=allocation.currency, cost_metric=allocation.cost, owner_dimension=allocation.owner_dimension,
        first_day=days["first"], last_day=days["last"], pools=pools, periods=periods, owners=owners,
        pool_notes=allocation.pools, top_services=_top_services(services, top_services),
        owner_services=_owner_services(services, top_services), trend=_trend(local, trend_owners),
        chargeback=chargeback(owners, periods))


def _periods(groups: list[dict], reconciled: list[PeriodReconciliation]
             ) -> tuple[list[PeriodTotals], list[OwnerPeriod], list[str]]:
    """Period totals and owner lines from (period, owner, kind, pool) sums: a few hundred rows at most."""
    recon = {r.period: r for r in reconciled}
    lines: dict[tuple[date, str], OwnerPeriod] = {}
    pools: set[str] = set()
    for g in groups:
        line = lines.setdefault((g["billing_period"], g["owner"]), OwnerPeriod(
            period=g["billing_period"], owner=g["owner"], direct=0.0, total=0.0, share_percent=None))
        cost = float(g["cost"] or 0.0)
        if g["kind"] == "shared":
            pools.add(g["pool"])
            line.shared[g["pool"]] = line.shared.get(g["pool"], 0.0) + cost
        else:
            line.direct += cost
        line.total += cost
    totals = []
    for period in sorted({p for p, _ in lines} | set(recon)):
        mine = [line for (p, _), line in lines.items() if p == period]
        r = recon.get(period)
        allocated = sum(line.total for line in mine if line.owner != UNALLOCATED)
        unallocated = sum(line.total for line in mine if line.owner == UNALLOCATED)
        billed = r.billed if r else allocated + unallocated
        if UNALLOCATED not in {line.owner for line in mine}:  # always a line: chargeback shows it even at zero
            lines[(period, UNALLOCATED)] = OwnerPeriod(period=period, owner=UNALLOCATED, direct=0.0, total=0.0,
                                                       share_percent=None)
            mine.append(lines[(period, UNALLOCATED)])
        shared: dict[str, float] = {}
        for line in mine:
            line.share_percent = 100.0 * line.total / billed if billed else None
            for pool, amount in line.shared.items():
                shared[pool] = shared.get(pool, 0.0) + amount
        totals.append(PeriodTotals(
            period=period, billed=billed, allocated=r.allocated if r else allocated,
            unallocated=r.unallocated if r else unallocated,
            difference=r.difference if r else 0.0, direct=sum(line.direct for line in mine),
            shared=dict(sorted(shared.items())), owners=sum(line.owner != UNALLOCATED for line in mine)))
    ordered = sorted(lines.values(), key=lambda o: (o.period, o.owner == UNALLOCATED, -_rank(o.total), o.owner))
    return totals, ordered, sorted(pools)


def chargeback(owners: list[OwnerPeriod], periods: list[PeriodTotals]) -> list[ChargebackLine]:
    """Per period, the owner totals in cents, largest-remainder rounded to the billed total in cents."""
    out: list[ChargebackLine] = []
    for period in periods:
        mine = sorted((o for o in owners if o.period == period.period), key=lambda o: (o.owner == UNALLOCATED,
                                                                                        o.owner))
        cents = largest_remainder([o.total for o in mine], to_cents(period.billed), [o.owner for o in mine])
        out += [ChargebackLine(period=o.period, owner=o.owner, exact=o.total, cents=c)
                for o, c in zip(mine, cents, strict=True)]
    return out


def _top_services(t: ir.Table, n: int) -> list[ServiceCost]:
    whole = float(t.cost.sum().to_pyarrow().as_py() or 0.0)
    top = t.group_by("ServiceName").agg(cost=t.cost.sum()).order_by([t.cost.sum().round(6).desc(), "ServiceName"])
    return [ServiceCost(service=r["ServiceName"], cost=r["cost"], share_percent=_pct(r["cost"], whole))
            for r in top.limit(n).to_pyarrow().to_pylist()]


def _owner_services(t: ir.Table, n: int) -> list[OwnerServices]:
    import ibis

    per = t.group_by("owner", "ServiceName").agg(cost=t.cost.sum())
    w = ibis.window(group_by="owner", order_by=[per.cost.round(6).desc(), "ServiceName"])
    ranked = per.mutate(rank=ibis.row_number().over(w), owner_total=per.cost.sum().over(group_by="owner"))
    out: dict[str, OwnerServices] = {}
    for r in ranked.filter(ranked["rank"] < n).order_by("owner", "rank").to_pyarrow().to_pylist():
        entry = out.setdefault(r["owner"], OwnerServices(owner=r["owner"], total=r["owner_total"], services=[]))
        entry.services.append(ServiceCost(service=r["ServiceName"], cost=r["cost"],
                                          share_percent=_pct(r["cost"], r["owner_total"])))
    return sorted(out.values(), key=lambda o: (o.owner == UNALLOCATED, -_rank(o.total), o.owner))


def _trend(t: ir.Table, top: int) -> DailyTrend:
    """Per day: the `top` owners by window total, the rest as one series, '(unallocated)' on its own."""
    import pandas as pd

    per = t.group_by("day", "owner").agg(cost=t.cost.sum()).to_pandas()
    if per.empty:
        return DailyTrend(days=[], series=[])
    per["day"] = pd.to_datetime(per["day"])
    days = pd.date_range(per["day"].min(), per["day"].max(), freq="D")
    totals = per[per.owner != UNALLOCATED].groupby("owner")["cost"].sum()
    ranked = sorted(totals.index, key=lambda o: (-_rank(totals[o]), o))
    keep = set(ranked[:top])
    per["series"] = per.owner.where(per.owner.isin(keep) | (per.owner == UNALLOCATED), OTHER_OWNERS)
    wide = per.pivot_table(index="day", columns="series", values="cost", aggfunc="sum").reindex(days).fillna(0.0)
    names = [o for o in ranked[:top]] + [s for s in (OTHER_OWNERS, UNALLOCATED) if s in wide.columns]
    return DailyTrend(days=[d.date() for d in days],
                      series=[TrendSeries(name=s, values=[float(v) for v in wide[s]]) for s in names])


def _rank(amount: float) -> float:
    """An amount to order by: to a millionth, so owners with the same cost tie on every engine (float sums in
    another order differ in the last bits) and the name decides."""
    return round(float(amount), 6)


def _pct(part: float, whole: float) -> float | None:
    return 100.0 * part / whole if whole else None
