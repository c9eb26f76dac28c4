"""What fixing a finding saves: list prices from the catalog in the resource's own region, and the resource's
billed cost from the billing store when there is one.

List prices come from the same cost models that price Terraform plans (`finguard/pricing/resources/aws/`): a
resource from the inventory is described as the Terraform resource it would be (an EBS volume as an
`aws_ebs_volume` with its type, size, IOPS and throughput) and priced by `pricing.estimate.price_resource`, so
the waste report and `finguard breakdown` can never disagree about a price. A price the catalog lacks for the
region stays missing (`Priced.monthly is None` with the reason), never $0 and never borrowed from another region.

Billed costs (`billed_costs`) read the store's charges by resource id over the last 30 days of data and give the
monthly run rate, the owner the allocation rules assign, and the usage types billed (idle public IPv4 hours, load
balancer hours with or without LCUs, NAT gateway hours with or without bytes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from finguard.billing.config import BillingConfig
    from finguard.billing.store import BillingStore
    from finguard.pricing.catalog import Catalog

CENT = Decimal("0.01")
DAYS_PER_MONTH = Decimal(730) / Decimal(24)  # the 730-hour month of every finguard figure (finguard.model)
BILLING_WINDOW_DAYS = 30


@dataclass(frozen=True, slots=True)
class Priced:
    """A monthly amount from the catalog, or why there is none."""

    monthly: Decimal | None
    reason: str | None = None  # set when monthly is None
    queries: tuple[str, ...] = ()  # the price-list look-ups behind it, for review

    @property
    def found(self) -> bool:
        return self.monthly is not None

    def minus(self, other: Priced) -> Priced:
        """self - other (a saving); missing when either side is."""
        if self.monthly is None or other.monthly is None:
            return Priced(None, self.reason or other.reason, self.queries + other.queries)
        return Priced(self.monthly - other.monthly, None, self.queries + other.queries)

    def plus(self, other: Priced) -> Priced:
        if self.monthly is None or other.monthly is None:
            return Priced(None, self.reason or other.reason, self.queries + other.queries)
        return Priced(self.monthly + other.monthly, None, self.queries + other.queries)

    def times(self, factor: Decimal) -> Priced:
        return self if self.monthly is None else Priced(self.monthly * factor, None, self.queries)


ZERO = Priced(Decimal(0))
RDS_ENGINES_AURORA = ("aurora", "aurora-mysql", "aurora-postgresql")


class Pricer:
    """List prices of inventory resources through the Terraform cost models, cached per distinct look-up."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._cache: dict[tuple[Any, ...], Priced] = {}

    def resource(self, tf_type: str, region: str, attrs: dict[str, Any], *, only: tuple[str, ...] = (),
                 usage: dict[str, Any] | None = None) -> Priced:
        """The monthly cost of a resource described by Terraform attributes; `only`: component name prefixes to
        count (an instance's hours without its root volume), every fixed component otherwise."""
        key = (tf_type, region, repr(sorted(attrs.items())), only, repr(sorted((usage or {}).items())))
        cached = self._cache.get(key)
        if cached is None:
            cached = self._cache[key] = self._price(tf_type, region, attrs, only, usage)
        return cached

    def _price(self, tf_type: str, region: str, attrs: dict[str, Any], only: tuple[str, ...],
               usage: dict[str, Any] | None) -> Priced:
        from finguard.model import ComponentStatus, Resource
        from finguard.pricing.estimate import price_resource
        from finguard.pricing.resources.context import ProjectContext
        from finguard.pricing.usage import UsageFile

        address = f"{tf_type}.inventory"
        resource = Resource(address=address, type=tf_type, name="inventory", region=region, after=attrs)
        usage_file = UsageFile(resource_usage={address: usage}) if usage else None
        cost = price_resource(resource, self.catalog, ProjectContext([resource], "after", usage_file), "after")
        parts = [c for c in cost.components if not only or c.name.startswith(only)]
        queries = tuple(c.price_query for c in parts if c.price_query)
        if not parts:
            reason = "; ".join(cost.reasons) or f"no cost component for {tf_type}"
            return Priced(None, reason, queries)
        total = Decimal(0)
        for c in parts:
            if c.status is ComponentStatus.USAGE_BASED:
                continue  # per unit of usage (LCUs, GB processed): nothing fixed to save, nothing to add
            if c.monthly_cost is None or c.status is not ComponentStatus.PRICED:
                return Priced(None, f"{c.name}: {c.reason or c.status}", queries)
            total += c.monthly_cost
        return Priced(total, None, queries)

    # -- the resources the detections price ------------------------------------------------------------------
    def volume(self, region: str, volume_type: str, size_gb: int, iops: int | None = None,
               throughput: int | None = None) -> Priced:
        attrs: dict[str, Any] = {"type": volume_type, "size": size_gb}
        if iops is not None and volume_type in ("io1", "io2", "gp3"):
            attrs["iops"] = iops
        if throughput is not None and volume_type == "gp3":
            attrs["throughput"] = throughput
        return self.resource("aws_ebs_volume", region, attrs)

    def snapshot(self, region: str, size_gb: int) -> Priced:
        return self.resource("aws_ebs_snapshot", region, {"volume_size": size_gb})

    def idle_address(self, region: str) -> Priced:
        return self.resource("aws_eip", region, {"domain": "vpc"})

    def attached_address(self, region: str) -> Priced:
        return self.resource("aws_eip", region, {"domain": "vpc", "instance": "attached"})

    def nat_gateway(self, region: str) -> Priced:
        return self.resource("aws_nat_gateway", region, {}, only=("NAT gateway",))

    def load_balancer(self, region: str, lb_type: str) -> Priced:
        if lb_type not in ("application", "network", "gateway"):
            return Priced(None, f"no price model for load balancer type {lb_type!r}")
        return self.resource("aws_lb", region, {"load_balancer_type": lb_type}, only=(lb_type.capitalize(),))

    def instance(self, region: str, instance_type: str, *, windows: bool = False) -> Priced:
        """On-demand hours of one instance for a month (Linux, or Windows with its licence)."""
        usage = {"operating_system": "windows"} if windows else None
        return self.resource("aws_instance", region, {"instance_type": instance_type}, only=("Instance usage",),
                             usage=usage)

    def db_instance(self, region: str, instance_class: str, engine: str, *, multi_az: bool = False,
                    license_model: str | None = None) -> Priced:
        """On-demand hours of one RDS (or Aurora) instance of `instance_class` for a month."""
        if engine in RDS_ENGINES_AURORA:
            return self.resource("aws_rds_cluster_instance", region,
                                 {"engine": engine, "instance_class": instance_class}, only=("Database instance",))
        attrs: dict[str, Any] = {"engine": engine, "instance_class": instance_class, "multi_az": multi_az,
                                 "allocated_storage": 20}
        if license_model:
            attrs["license_model"] = license_model
        return self.resource("aws_db_instance", region, attrs, only=("Database instance",))


def cents(value: Decimal | None) -> float | None:
    """A money amount for output: rounded to the cent, never negative, never NaN."""
    if value is None or not value.is_finite():
        return None
    return float(max(value, Decimal(0)).quantize(CENT))


# -- billed costs -------------------------------------------------------------------------------------------
_ID_SUFFIX = r"((?:vol|snap|i|nat|eipalloc|eni|ami)-[0-9a-f]{8,17})$"
_REGION_PREFIX = re.compile(r"^[A-Z]{2,4}\d?-(?=[A-Za-z])")
USAGE_EXTRAS = ("x_UsageType", "line_item_usage_type", "lineItem/UsageType", "UsageType")


@dataclass(slots=True)
class BilledCost:
    """One resource in the billing store over the window: its monthly run rate and what it was billed for."""

    monthly: Decimal  # cost in the window / days it was billed in the window x 30.4 days
    days: int  # days of the window the resource was billed on or after its first charge
    first_day: date
    last_day: date
    currency: str
    owner: str | None = None
    usage: dict[str, float] = field(default_factory=dict)  # usage type (region prefix removed) -> quantity
    usage_cost: dict[str, float] = field(default_factory=dict)

    def quantity(self, suffix: str) -> float | None:
        """Quantity billed for the usage types ending with `suffix` (None: no such line)."""
        found = [q for u, q in self.usage.items() if u.endswith(suffix)]
        return sum(found) if found else None


def usage_type(value: str | None) -> str:
    """USE1-NatGateway-Hours -> NatGateway-Hours (the region prefix CUR puts on usage types)."""
    return _REGION_PREFIX.sub("", value or "") or "(unknown)"


def billed_costs(store: BillingStore, config: BillingConfig, keys: dict[str, str], as_of: datetime,
                 currency: str | None = None) -> tuple[dict[str, BilledCost], date | None]:
    """({resource id: BilledCost}, last day of data) for the resources whose billing keys (ids, ARNs, public IPs
    -> resource id) appear in the store's charges in the BILLING_WINDOW_DAYS up to `as_of` (or the last day of
    data, when earlier). Only usage charges count (not tax, credits or one-time fees)."""
    import ibis

    from finguard.billing.allocate import labelled, scoped, single_currency
    from finguard.billing.engine import DuckDBEngine

    if not keys or store.count() == 0:
        return {}, None
    engine = DuckDBEngine(store.con)
    charges = store.charges(engine)
    chosen = single_currency(charges, currency or config.currency)
    rows = labelled(scoped(charges, currency=chosen), config.allocation)
    last = rows.day.max().to_pyarrow().as_py()
    if last is None:
        return {}, None
    end = min(as_of.date(), last)
    start = end - timedelta(days=BILLING_WINDOW_DAYS - 1)
    rid = rows.ResourceId.cast("string")
    key = ibis.cases((rid.re_search(_ID_SUFFIX), rid.re_extract(_ID_SUFFIX, 1)), else_=rid)
    usage_choices: list[Any] = []
    if "x_Extra" in rows.columns:
        usage_choices = [rows.x_Extra.get(k) for k in USAGE_EXTRAS]
    usage_choices += [rows[c].cast("string").nullif("") for c in ("SkuMeter", "ChargeDescription")
                      if c in rows.columns]
    usage = ibis.coalesce(*usage_choices) if usage_choices else ibis.literal(None, "string")
    qty = rows.ConsumedQuantity if "ConsumedQuantity" in rows.columns else ibis.literal(None, "float64")
    rows = rows.filter((rows.day >= start) & (rows.day <= end) & rid.notnull()
                       & (rows.ChargeCategory == "Usage"))
    rows = rows.mutate(_key=key, _usage=usage, _qty=qty)
    lookup = ibis.memtable({"_k": list(keys), "_rid": list(keys.values())})
    joined = rows.join(lookup, rows._key == lookup._k)
    agg = joined.group_by(["_rid", "_usage", "owner"]).agg(
        cost=joined.cost.sum(), qty=joined._qty.sum(), first=joined.day.min(), last=joined.day.max())
    out: dict[str, BilledCost] = {}
    owner_cost: dict[str, dict[str, float]] = {}
    for r in agg.to_pyarrow().to_pylist():
        b = out.get(r["_rid"])
        if b is None:
            b = out[r["_rid"]] = BilledCost(Decimal(0), 0, r["first"], r["last"], chosen)
        b.first_day, b.last_day = min(b.first_day, r["first"]), max(b.last_day, r["last"])
        u = usage_type(r["_usage"])
        cost = float(r["cost"] or 0.0)
        b.usage[u] = b.usage.get(u, 0.0) + float(r["qty"] or 0.0)
        b.usage_cost[u] = b.usage_cost.get(u, 0.0) + cost
        b.monthly += Decimal(str(cost))
        if r["owner"]:
            owners = owner_cost.setdefault(r["_rid"], {})
            owners[r["owner"]] = owners.get(r["owner"], 0.0) + cost
    for ident, b in out.items():
        b.days = (end - max(start, b.first_day)).days + 1
        b.monthly = b.monthly / Decimal(b.days) * DAYS_PER_MONTH
        owners = owner_cost.get(ident)
        if owners:
            b.owner = max(sorted(owners), key=lambda o: owners[o])
    return out, end


def daily_costs(store: BillingStore, config: BillingConfig, keys: dict[str, str], start: date, end: date,
                currency: str | None = None) -> dict[str, dict[date, float]]:
    """{resource id: {day: cost}} of usage charges between `start` and `end` (inclusive): the realised-savings
    comparison of a resolved finding's cost before and after it was fixed. Plain SQL on the store (no
    allocation is needed for a resource's own cost), in the allocation's cost metric and the one currency."""
    if not keys or store.count() == 0:
        return {}
    from finguard.billing.allocate import choose_currency
    from finguard.billing.store import literal

    chosen = choose_currency(store.currencies(), currency or config.currency)

    metric = config.allocation.cost  # a Literal of FOCUS cost columns: safe to name in SQL
    pattern = literal(_ID_SUFFIX)
    rows = store.raw_sql(
        f"""SELECT k, day, sum(cost) FROM (
              SELECT CASE WHEN regexp_matches(ResourceId, {pattern}) THEN regexp_extract(ResourceId, {pattern}, 1)
                          ELSE ResourceId END AS k,
                     CAST(ChargePeriodStart AS DATE) AS day, coalesce("{metric}", 0.0) AS cost
              FROM charges WHERE ChargeCategory = 'Usage' AND BillingCurrency = ? AND ResourceId IS NOT NULL
                AND CAST(ChargePeriodStart AS DATE) BETWEEN ? AND ?)
            WHERE list_contains(?, k) GROUP BY k, day""", [chosen, start, end, list(keys)])
    out: dict[str, dict[date, float]] = {}
    for key, day, cost in rows:
        out.setdefault(keys[key], {})[day] = float(cost or 0.0)
    return out


def last_billed_day(store: BillingStore) -> date | None:
    if store.count() == 0:
        return None
    value = store.raw_sql("SELECT max(ChargePeriodStart) FROM charges").fetchone()[0]
    return value.date() if isinstance(value, datetime) else value
