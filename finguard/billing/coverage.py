"""Tag coverage of the bill: how much of the spend that could carry tags carries the values allocation reads.

Definition (stated in every report): **taggable spend** is the cost metric summed over charges with
ChargeCategory `Usage` and a ResourceId; purchases, taxes, credits and account-level fees have no resource to tag,
so counting them would cap coverage below 100% whatever teams do. A charge is **covered** for a dimension when one
of the dimension's tag keys (its aliases matched case-insensitively, as allocation resolves them) has a non-blank
value. Coverage says what tags carry, not what allocation decided: a rule or default may still give an uncovered
charge an owner, and the untagged-resources list shows which owner it got.

Cost of it: one scan of the charges grouped by (taggable, account, tag set, resource), tens of thousands of groups
for ten million charges since a resource keeps its tags; every dimension's, account's, key's and resource's figure
is computed on that small result in memory (tag texts parsed once per distinct text). One more query, filtered to
the few listed untagged resources, reads which owner allocation gave them. On ten million generated charges the
whole of it takes about 1.5 s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, Field, computed_field

from finguard.billing.allocate import observed_tag_keys, resolve_keys, tag_value
from finguard.billing.config import AllocationConfig
from finguard.billing.schema import X_TAGS

if TYPE_CHECKING:
    import ibis.expr.types as ir

DEFINITION = ("Taggable spend: charges with ChargeCategory 'Usage' and a ResourceId (purchases, taxes, credits and "
              "account-level fees have no resource to tag). Covered: one of the dimension's tag keys has a "
              "non-blank value.")
NO_ACCOUNT = "(no account)"


class Coverage(BaseModel):
    """Covered out of taggable spend."""

    taggable: float
    covered: float

    @property
    def uncovered(self) -> float:
        return self.taggable - self.covered

    @computed_field  # type: ignore[prop-decorator]
    @property
    def percent(self) -> float | None:
        return 100.0 * self.covered / self.taggable if self.taggable > 0 else None


class AccountCoverage(Coverage):
    account_id: str
    account_name: str | None
    spend: float = Field(description="all spend in the account, taggable or not")


class DimensionCoverage(Coverage):
    dimension: str
    aliases: list[str] = Field(description="the tag keys the configuration names")
    tag_keys: list[str] = Field(description="the keys found in the charges that match them, in preference order")
    accounts: list[AccountCoverage] = Field(description="by taggable spend, highest first")


class UntaggedResource(BaseModel):
    resource_id: str
    account_id: str | None
    account_name: str | None
    service: str | None
    cost: float
    allocated_to: str | None = Field(description="the owner a rule or default gave it anyway (None: unallocated)")


class TagKeyCoverage(BaseModel):
    key: str
    cost: float = Field(description="taggable spend carrying this key with a non-blank value")
    percent: float | None = Field(description="of all taggable spend")


class TagCoverage(BaseModel):
    """Tag coverage per allocation dimension and account, the costliest untagged resources, the busiest keys."""

    definition: str = DEFINITION
    currency: str
    cost_metric: str
    owner_dimension: str
    spend: float = Field(description="all spend in the charges looked at")
    taggable: float
    dimensions: list[DimensionCoverage]
    untagged_resources: int = Field(description="taggable resources without an owner-dimension tag")
    untagged_cost: float
    untagged: list[UntaggedResource] = Field(description="the costliest of them, highest first")
    tag_keys: list[TagKeyCoverage] = Field(description="raw tag keys by covered spend, highest first")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def taggable_percent(self) -> float | None:
        return 100.0 * self.taggable / self.spend if self.spend else None

    @property
    def owner(self) -> DimensionCoverage | None:
        return next((d for d in self.dimensions if d.dimension == self.owner_dimension), None)


def taggable(t: ir.Table) -> ir.BooleanValue:
    """Usage charges with a resource: the denominator of tag coverage."""
    return ((t.ChargeCategory == "Usage") & t.ResourceId.strip().nullif("").notnull()).fill_null(False)


def tag_coverage(rows: ir.Table, config: AllocationConfig, *, currency: str = "USD", top_resources: int = 20,
                 top_keys: int = 15) -> TagCoverage:
    """Tag coverage of `allocate`'s labelled charges (`rows`: every charge with `x_Tags`, `cost`, `alloc_*`)."""
    import ibis

    sets = ibis.memtable(_tag_sets(rows).to_pyarrow())
    if "Tags" in sets.columns:  # grouped by the JSON text: parse the few distinct texts here, not per charge
        from finguard.billing.tags import with_tags

        sets = with_tags(sets)
    observed = observed_tag_keys(sets)
    keys = {name: resolve_keys(dim, observed) for name, dim in config.dimensions.items()}
    # whether a charge has a value is all coverage asks: the canonical spellings (`values`) cannot change that
    present = {name: tag_value(sets, dim.model_copy(update={"values": {}}), keys[name]).notnull()
               for name, dim in config.dimensions.items()}

    tg = sets.taggable
    per_account = sets.group_by("account_id", "account_name").agg(
        spend=sets.cost.sum(), taggable=sets.cost.sum(where=tg),
        **{f"covered_{i}": sets.cost.sum(where=tg & v) for i, v in enumerate(present.values())},
    ).order_by([ibis.desc(ibis._.taggable.round(6)), "account_id"]).to_pyarrow().to_pylist()
    dimensions = []
    for i, (name, dim) in enumerate(config.dimensions.items()):
        accounts = [AccountCoverage(account_id=a["account_id"], account_name=a["account_name"],
                                    spend=a["spend"] or 0.0, taggable=a["taggable"] or 0.0,
                                    covered=a[f"covered_{i}"] or 0.0) for a in per_account if a["taggable"]]
        dimensions.append(DimensionCoverage(
            dimension=name, aliases=list(dim.tags), tag_keys=keys[name], accounts=accounts,
            taggable=sum(a.taggable for a in accounts), covered=sum(a.covered for a in accounts)))
    spend = sum(a["spend"] or 0.0 for a in per_account)
    total_taggable = sum(a["taggable"] or 0.0 for a in per_account)

    untagged, count, untagged_cost = _untagged(sets.filter(tg & ~present[config.owner]), top_resources)
    _allocated_to(rows, untagged, f"alloc_{config.owner}")
    return TagCoverage(currency=currency, cost_metric=config.cost, owner_dimension=config.owner, spend=spend,
                       taggable=total_taggable, dimensions=dimensions, untagged_resources=count,
                       untagged_cost=untagged_cost, untagged=untagged,
                       tag_keys=_keys(sets, total_taggable, top_keys))


def _tag_sets(rows: ir.Table) -> ir.Table:
    """The one scan of the charges: cost per (taggable, account, tag set, resource if taggable).

    Tens of thousands of groups for ten million charges (a resource keeps its tags), so everything else is
    computed on the result in memory. Grouped by the `Tags` text when there is one (Spark cannot group by a map)."""
    import ibis

    is_taggable = taggable(rows)
    by_text = "Tags" in rows.columns and rows.Tags.type().is_string()
    return rows.group_by(
        taggable=is_taggable, account_id=rows.SubAccountId.fill_null(NO_ACCOUNT), account_name=rows.SubAccountName,
        resource_id=ibis.ifelse(is_taggable, rows.ResourceId, ibis.null("string")),
        **({"Tags": rows.Tags.nullif("")} if by_text else {X_TAGS: rows[X_TAGS]}),
    ).agg(cost=rows.cost.sum(), service=rows.ServiceName.min())


def _untagged(bare: ir.Table, n: int) -> tuple[list[UntaggedResource], int, float]:
    import ibis

    per = bare.group_by("resource_id").agg(cost=bare.cost.sum(), account_id=bare.account_id.min(),
                                           account_name=bare.account_name.min(), service=bare.service.min())
    ranked = per.mutate(resources=per.count().over(), total=per.cost.sum().over())
    top = ranked.order_by([ibis.desc(ranked.cost.round(6)), "resource_id"]).limit(max(n, 1)).to_pyarrow().to_pylist()
    if not top:
        return [], 0, 0.0
    resources = [UntaggedResource(resource_id=r["resource_id"], account_id=r["account_id"],
                                  account_name=r["account_name"], service=r["service"], cost=r["cost"] or 0.0,
                                  allocated_to=None) for r in top[:n]]
    return resources, int(top[0]["resources"]), float(top[0]["total"] or 0.0)


def _allocated_to(rows: ir.Table, resources: list[UntaggedResource], column: str) -> None:
    """Which owner rules or defaults gave the listed resources: one query, filtered to those resources first so
    the allocation expressions run on their charges only."""
    if not resources or column not in rows.columns:
        return
    mine = rows.filter(rows.ResourceId.isin([r.resource_id for r in resources]) & taggable(rows))
    owners = mine.group_by(resource_id=mine.ResourceId).agg(owner=mine[column].min()).to_pyarrow().to_pylist()
    found = {o["resource_id"]: o["owner"] for o in owners}
    for r in resources:
        r.allocated_to = found.get(r.resource_id)


def _keys(sets: ir.Table, total: float, n: int) -> list[TagKeyCoverage]:
    import ibis

    mine = sets.filter(sets.taggable)
    pairs = mine.select(mine[X_TAGS], mine.cost, key=mine[X_TAGS].keys().unnest())
    pairs = pairs.filter(pairs[X_TAGS][pairs.key].strip().nullif("").notnull())
    top = pairs.group_by("key").agg(cost=pairs.cost.sum()).order_by([ibis.desc(ibis._.cost.round(6)), "key"]).limit(n)
    return [TagKeyCoverage(key=r["key"], cost=r["cost"], percent=100.0 * r["cost"] / total if total > 0 else None)
            for r in top.to_pyarrow().to_pylist()]
