"""`finguard billing allocate`: every charge to an owner, shared pools split, and a reconciliation to the cent.

Order of work, all as Ibis expressions (DuckDB and Spark alike):
1. each dimension (team, cost center, ...) from the first matching rule, else from tags (key aliases matched
   case-insensitively, values normalised to canonical spellings), else the dimension's default
   (`precedence: tags-first` swaps rules and tags);
2. charges matching a shared-cost rule (first match wins) leave direct cost and form that pool;
3. each pool is split per billing period among owners: proportionally to their direct cost, evenly, or by fixed
   percentages; a pool with nobody to split among stays unallocated, and says so;
4. the result is an "allocated daily" table (day x owner x provider/account/service x direct/shared), and
   allocated + unallocated is checked against billed, per period.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from finguard.billing.config import UNALLOCATED, AllocationConfig, Dimension, Match
from finguard.billing.schema import X_PERIOD, X_TAGS
from finguard.errors import InputError

if TYPE_CHECKING:
    import ibis.expr.types as ir

TAG_COLUMN_PREFIX = "tag_"  # allocated_daily column of a non-owner dimension, e.g. tag_environment
# ChargeFrequency rides along so daily jobs can tell usage from the fees, support and tax billed on the 1st
DAILY_KEYS = ("day", "billing_period", "owner", "ProviderName", "BillingAccountId", "SubAccountId", "ServiceName",
              "ChargeFrequency")
TOLERANCE = 0.005  # half a cent: what "to the cent" means for a float sum


class PeriodReconciliation(BaseModel):
    period: date
    billed: float
    allocated: float = Field(description="direct cost with an owner + shared cost split among owners")
    unallocated: float = Field(description="cost no rule, tag or shared pool gave an owner")
    difference: float = Field(description="billed - allocated - unallocated: zero up to float rounding")

    @property
    def balanced(self) -> bool:
        return abs(self.difference) < TOLERANCE

    @property
    def unallocated_percent(self) -> float:
        return 100.0 * self.unallocated / self.billed if self.billed else 0.0


class PoolNote(BaseModel):
    period: date
    pool: str
    amount: float
    owners: int
    note: str


class Allocation(BaseModel):
    """What `allocate` returns besides the table itself: reconciliation and what the rules matched."""

    model_config = {"arbitrary_types_allowed": True}

    cost: str
    owner_dimension: str
    currency: str
    periods: list[PeriodReconciliation]
    pools: list[PoolNote] = Field(default_factory=list)
    tag_keys: dict[str, list[str]] = Field(default_factory=dict, description="dimension -> tag keys found")

    @property
    def balanced(self) -> bool:
        return all(p.balanced for p in self.periods)


# -- matching -----------------------------------------------------------------------------------------------
def glob_regex(pattern: str) -> str:
    """A shell glob (`*`, `?`) as an anchored regular expression both RE2 (DuckDB) and Java (Spark) read alike."""
    out = ["^"]
    for ch in pattern:
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        elif ch.isalnum() or ch in " _-/:@=,":
            out.append(ch)
        else:
            out.append("\\" + ch)
    return "".join(out) + "$"


def split_globs(patterns: list[str]) -> tuple[list[str], list[str]]:
    """(exact values, globs): exact ones are tested with IN, globs as regular expressions."""
    exact = [p for p in patterns if not any(ch in p for ch in "*?")]
    return exact, [p for p in patterns if p not in exact]


def _any_glob(column: ir.StringValue, patterns: list[str]) -> ir.BooleanValue:
    import ibis

    exact, globs = split_globs(patterns)
    parts = [column.isin(exact)] if exact else []
    parts += [column.re_search(glob_regex(p)) for p in globs]
    return ibis.or_(*parts).fill_null(False) if parts else ibis.literal(False)


# FOCUS columns each Match field is tested against (any of them matching is a match)
MATCH_COLUMNS: dict[str, tuple[str, ...]] = {
    "provider": ("ProviderName",), "billing_account": ("BillingAccountId", "BillingAccountName"),
    "account": ("SubAccountId", "SubAccountName"), "service": ("ServiceName",),
    "service_category": ("ServiceCategory",), "region": ("RegionId",), "resource_id": ("ResourceId",),
    "charge_category": ("ChargeCategory",),
}


def match_expr(t: ir.Table, match: Match, owner: ir.StringValue | None = None,
               tags_ok: ir.BooleanValue | None = None) -> ir.BooleanValue:
    """The Ibis condition for a `Match` (owner: the resolved owner, for `unallocated: true`).

    `tags_ok`: the match's tag conditions, already evaluated per tag set (`tag_lookup`); without it they are
    read from the row's `x_Tags` map."""
    import ibis

    conds: list[ir.BooleanValue] = []
    for field, columns in MATCH_COLUMNS.items():
        patterns = getattr(match, field)
        if patterns:
            conds.append(ibis.or_(*[_any_glob(t[c], patterns) for c in columns]))
    if match.tags:
        conds.append(tags_ok.fill_null(False) if tags_ok is not None else tag_condition(t, match))
    if match.unallocated:
        if owner is None:
            raise InputError("`unallocated: true` is only meaningful in shared costs")
        conds.append(owner.isnull())
    return ibis.and_(*conds) if conds else ibis.literal(True)


def tag_condition(t: ir.Table, match: Match) -> ir.BooleanValue:
    """The tag part of a match on a table with an `x_Tags` map: every key's value matches one of its globs."""
    import ibis

    conds = []
    for key, patterns in match.tags.items():
        value = t[X_TAGS][key]
        conds.append(value.notnull() if patterns == ["*"] else _any_glob(value, patterns))
    return ibis.and_(*conds).fill_null(False)


def _matches(config: AllocationConfig) -> list[Match]:
    """Every rule's match, then every shared pool's."""
    return [*(r.match for r in config.rules), *(s.match for s in config.shared)]


def match_columns(config: AllocationConfig) -> set[str]:
    """The charge columns the rules and shared pools look at."""
    return {c for m in _matches(config) for field, columns in MATCH_COLUMNS.items() if getattr(m, field)
            for c in columns}


# -- dimensions ---------------------------------------------------------------------------------------------
def observed_tag_keys(charges: ir.Table) -> list[str]:
    """Every tag key present in the charges (one cheap distinct over the map keys)."""
    keys = charges.select(k=charges[X_TAGS].keys().unnest()).distinct().to_pyarrow()
    return sorted(str(k) for k in keys.column("k").to_pylist() if k is not None)


def resolve_keys(dimension: Dimension, observed: list[str]) -> list[str]:
    """The observed keys a dimension reads, in its preference order; `Env` and `env` both match alias `env`."""
    keys: list[str] = []
    for alias in dimension.tags:
        for key in observed:
            if key.lower() == alias.lower() and key not in keys:
                keys.append(key)
    return keys


def tag_value(t: ir.Table, dimension: Dimension, keys: list[str]) -> ir.StringValue:
    """The dimension's value from tags, spelled canonically (`Prod`, `prd` -> `production`)."""
    import ibis

    if not keys:
        return ibis.null("string")
    raw = ibis.coalesce(*[t[X_TAGS][k].strip().nullif("") for k in keys]) if len(keys) > 1 else \
        t[X_TAGS][keys[0]].strip().nullif("")
    lowered = raw.lower()
    if dimension.lowercase:
        raw = lowered
    if not dimension.values:
        return raw
    cases = [(lowered.isin(spellings_of(canonical, spellings)), ibis.literal(canonical))
             for canonical, spellings in dimension.values.items()]
    return ibis.cases(*cases, else_=raw)


def spellings_of(canonical: str, spellings: list[str]) -> list[str]:
    """The lower-case texts a dimension value is read from: its spellings and itself."""
    return sorted({s.lower() for s in spellings} | {canonical.lower()})


def tag_matches(config: AllocationConfig) -> list[Match]:
    """The rule and shared-pool matches that test tags, in the order `tag_lookup` numbers their columns."""
    return [m for m in _matches(config) if m.tags]


def tags_as_text(charges: ir.Table) -> ir.Table:
    """Charges with `Tags` as JSON text (the store's form); a table carrying only the `x_Tags` map gets it printed."""
    from finguard.billing.sources._json import map_json

    if "Tags" in charges.columns and charges.Tags.type().is_string():
        return charges
    if X_TAGS in charges.columns:
        return charges.mutate(Tags=map_json(charges[X_TAGS]))
    if "Tags" in charges.columns and charges.Tags.type().is_map():
        return charges.mutate(Tags=map_json(charges.Tags))
    import ibis

    return charges.mutate(Tags=ibis.null("string"))


def tag_lookup(charges: ir.Table, config: AllocationConfig) -> ir.Table:
    """Per distinct `Tags` text: each dimension's value from tags (`_tags_<dimension>`) and each tag condition of
    the rules and pools (`_tagmatch_<n>`), fetched as a small in-memory table.

    A bill repeats a resource's tags on every line: ten million charges carry a few thousand distinct texts, so
    key aliases, trimming and value spellings are worked out once per text and joined back, not once per row."""
    import ibis

    from finguard.billing.tags import parsed_tag_sets

    sets = parsed_tag_sets(tags_as_text(charges))
    observed = observed_tag_keys(sets)
    columns: dict[str, ir.Value] = {
        f"_tags_{name}": tag_value(sets, dim, resolve_keys(dim, observed)).cast("string")
        for name, dim in config.dimensions.items()}
    for i, match in enumerate(tag_matches(config)):
        columns[f"_tagmatch_{i}"] = tag_condition(sets, match)
    return ibis.memtable(sets.select("_tags_text", **columns).to_pyarrow())


def dimension_values(t: ir.Table, config: AllocationConfig) -> dict[str, ir.StringValue]:
    """Each dimension's value per row of `t` (joined with `tag_lookup`): rules and tags in the configured
    precedence, then the default."""
    import ibis

    tags_ok = _tags_ok(t, config)
    out = {}
    for name, dimension in config.dimensions.items():
        setting = [(match_expr(t, rule.match, tags_ok=tags_ok.get(id(rule.match))), ibis.literal(rule.set[name]))
                   for rule in config.rules if name in rule.set]
        from_rules = ibis.cases(*setting, else_=ibis.null("string")) if setting else ibis.null("string")
        from_tags = t[f"_tags_{name}"]
        ordered = [from_rules, from_tags] if config.precedence == "rules-first" else [from_tags, from_rules]
        if dimension.default is not None:
            ordered.append(ibis.literal(dimension.default))
        out[name] = ibis.coalesce(*ordered)
    return out


def _tags_ok(t: ir.Table, config: AllocationConfig) -> dict[int, ir.BooleanValue]:
    return {id(m): t[f"_tagmatch_{i}"] for i, m in enumerate(tag_matches(config))}


# -- allocation ---------------------------------------------------------------------------------------------
def labelled(charges: ir.Table, config: AllocationConfig, lookup: ir.Table | None = None) -> ir.Table:
    """Every charge with `alloc_<dimension>` columns, the cost metric as `cost`, `day`, `billing_period` and the
    shared pool (or null). Lazy: coverage and anomaly root causes read it, filtered, on demand."""
    charges = tags_as_text(charges)
    rows = charges.mutate(cost=charges[config.cost].fill_null(0.0), day=charges.ChargePeriodStart.date(),
                          billing_period=charges[X_PERIOD])
    lookup = tag_lookup(charges, config) if lookup is None else lookup
    return _label_joined(_with_lookup(rows, lookup), config, lookup)


def _lookup_values(lookup: ir.Table) -> list[str]:
    """The `_tags_*` / `_tagmatch_*` columns of a `tag_lookup` (all but its key, the text)."""
    return [c for c in lookup.columns if c != "_tags_text"]


def _with_lookup(t: ir.Table, lookup: ir.Table) -> ir.Table:
    """`t` (with `Tags` text) with its tag set's lookup values (null for charges without tags)."""
    return t.left_join(lookup, t.Tags == lookup._tags_text).select(*t.columns, *_lookup_values(lookup))


def _label_joined(joined: ir.Table, config: AllocationConfig, lookup: ir.Table) -> ir.Table:
    import ibis

    dims = dimension_values(joined, config)
    owner = dims[config.owner]
    tags_ok = _tags_ok(joined, config)
    pool_cases = [(match_expr(joined, s.match, owner, tags_ok.get(id(s.match))), ibis.literal(s.name))
                  for s in config.shared]
    pool = ibis.cases(*pool_cases, else_=ibis.null("string")) if pool_cases else ibis.null("string")
    # the owner dimension as `owner`, every other one as tag_<name> (how allocated_daily keys them; null: none)
    named = {f"{TAG_COLUMN_PREFIX}{d}": dims[d] for d in config.dimensions if d != config.owner}
    return joined.mutate(**{f"alloc_{name}": value for name, value in dims.items()}, pool=pool, owner=owner,
                         **named).drop(*_lookup_values(lookup))


# -- the same labels in plain DuckDB SQL ------------------------------------------------------------------------
# A job on the DuckDB store that needs only the owner of each charge (commitments) labels them with these, without
# importing Ibis: each function renders the Ibis expression named in its docstring, and
# tests/billing/test_commitments_sql.py holds the two to the same labels on every test bill.
JSON_MAP = "'\"MAP(VARCHAR, VARCHAR)\"'"


def labelled_sql(con: Any, source: str, config: AllocationConfig) -> str:
    """`labelled`'s `alloc_<dimension>` columns: a SELECT of `source`'s rows (a SELECT of the store's charges,
    `Tags` as text) with them; `con` reads the tag keys present, as `tag_lookup` does."""
    from finguard.billing.store import quoted

    sets = (f"SELECT _tags_text, json_transform(TRY_CAST(_tags_text AS JSON), {JSON_MAP}) AS m FROM "
            f"(SELECT DISTINCT NULLIF(\"Tags\", '') AS _tags_text FROM ({source}) AS c) AS d "
            "WHERE _tags_text IS NOT NULL")
    keys = con.execute(f"SELECT DISTINCT unnest(map_keys(m)) FROM ({sets}) AS s").fetchall()
    observed = sorted(str(k) for (k,) in keys if k is not None)
    columns = [f"{_tag_value_sql(dim, resolve_keys(dim, observed))} AS {quoted(f'_tags_{name}')}"
               for name, dim in config.dimensions.items()]
    columns += [f"{_tag_condition_sql(match)} AS _tagmatch_{i}" for i, match in enumerate(tag_matches(config))]
    lookup = f"SELECT _tags_text, {', '.join(columns)} FROM ({sets}) AS s"
    tags_ok = {id(m): f"l._tagmatch_{i}" for i, m in enumerate(tag_matches(config))}
    dims = []
    for name, dimension in config.dimensions.items():
        setting = [f"WHEN {_match_sql(rule.match, tags_ok.get(id(rule.match)))} THEN {_text(rule.set[name])}"
                   for rule in config.rules if name in rule.set]
        from_rules = f"CASE {' '.join(setting)} ELSE {NULL_TEXT} END" if setting else NULL_TEXT
        from_tags = f"l.{quoted(f'_tags_{name}')}"
        ordered = [from_rules, from_tags] if config.precedence == "rules-first" else [from_tags, from_rules]
        if dimension.default is not None:
            ordered.append(_text(dimension.default))
        dims.append(f"COALESCE({', '.join(ordered)}) AS {quoted(f'alloc_{name}')}")
    return (f"SELECT c.*, {', '.join(dims)} FROM ({source}) AS c "
            f"LEFT JOIN ({lookup}) AS l ON c.\"Tags\" = l._tags_text")


NULL_TEXT = "CAST(NULL AS VARCHAR)"


def _text(value: str) -> str:
    from finguard.billing.store import literal

    return literal(value)


def _any_glob_sql(column: str, patterns: list[str]) -> str:
    """`_any_glob`."""
    exact, globs = split_globs(patterns)
    parts = [f"{column} IN ({', '.join(map(_text, exact))})"] if exact else []
    parts += [f"regexp_matches({column}, {_text(glob_regex(p))})" for p in globs]
    return f"COALESCE({' OR '.join(parts)}, FALSE)" if parts else "FALSE"


def _map_value_sql(key: str) -> str:
    """`x_Tags[key]` on a tag set `m`."""
    return f"list_extract(element_at(m, {_text(key)}), 1)"


def _tag_value_sql(dimension: Dimension, keys: list[str]) -> str:
    """`tag_value`."""
    import string

    if not keys:
        return NULL_TEXT
    values = [f"NULLIF(trim({_map_value_sql(k)}, {_text(string.whitespace)}), '')" for k in keys]
    raw = f"COALESCE({', '.join(values)})" if len(values) > 1 else values[0]
    lowered = f"lower({raw})"
    if dimension.lowercase:
        raw = lowered
    if not dimension.values:
        return raw
    cases = " ".join(f"WHEN {lowered} IN ({', '.join(map(_text, spellings_of(canonical, spellings)))}) "
                     f"THEN {_text(canonical)}" for canonical, spellings in dimension.values.items())
    return f"CASE {cases} ELSE {raw} END"


def _tag_condition_sql(match: Match) -> str:
    """`tag_condition`."""
    conds = [f"({_map_value_sql(key)} IS NOT NULL)" if patterns == ["*"] else
             _any_glob_sql(_map_value_sql(key), patterns) for key, patterns in match.tags.items()]
    return f"COALESCE({' AND '.join(conds)}, FALSE)"


def _match_sql(match: Match, tags_ok: str | None) -> str:
    """`match_expr` of a rule (no owner yet), its tag conditions read from the lookup."""
    from finguard.billing.store import quoted

    conds = []
    for field, columns in MATCH_COLUMNS.items():
        patterns = getattr(match, field)
        if patterns:
            conds.append("(" + " OR ".join(_any_glob_sql(f"c.{quoted(c)}", patterns) for c in columns) + ")")
    if match.tags:
        conds.append(f"COALESCE({tags_ok}, FALSE)")
    if match.unallocated:
        raise InputError("`unallocated: true` is only meaningful in shared costs")
    return "(" + " AND ".join(conds) + ")" if conds else "TRUE"


def _shares(direct: ir.Table, config: AllocationConfig, pool_name: str) -> ir.Table:
    """(billing_period, owner, share) for one pool: how it is split in each period."""
    import ibis

    spec = next(s for s in config.shared if s.name == pool_name)
    owners = direct.filter(direct.owner.notnull())
    if spec.among:
        owners = owners.filter(owners.owner.isin(spec.among))
    per_owner = owners.group_by("billing_period", "owner").agg(direct=owners.cost.sum())
    if spec.method == "fixed":
        periods = direct.select("billing_period").distinct()
        weights = ibis.memtable({"owner": list(spec.weights), "share": [w / 100.0 for w in spec.weights.values()]})
        return periods.cross_join(weights).select("billing_period", "owner", "share")
    per_owner = per_owner.filter(per_owner.direct > 0)
    w = ibis.window(group_by="billing_period")
    if spec.method == "even":
        return per_owner.select("billing_period", "owner", share=1.0 / per_owner.owner.count().over(w))
    return per_owner.select("billing_period", "owner", share=per_owner.direct / per_owner.direct.sum().over(w))


def scoped(charges: ir.Table, *, currency: str | None = None, periods: list[date] | None = None) -> ir.Table:
    """The charges an allocation covers (one currency, the chosen periods), `Tags` as text and no parsed map:
    tags are worked out per distinct text (`tag_lookup`), and carrying the map per row costs a join."""
    import ibis

    charges = tags_as_text(charges)
    if X_TAGS in charges.columns:
        charges = charges.drop(X_TAGS)
    if "ChargeFrequency" not in charges.columns:  # optional in FOCUS 1.0 exports and hand-built tables
        charges = charges.mutate(ChargeFrequency=ibis.null("string"))
    if periods:
        charges = charges.filter(charges[X_PERIOD].isin(periods))
    if currency:
        charges = charges.filter(charges.BillingCurrency == currency)
    return charges


def fetched(expr: ir.Table) -> ir.Table:
    """`expr` computed once and held in memory: how `allocate` keeps its first aggregation without an engine."""
    import ibis

    return ibis.memtable(expr.to_pyarrow())


def allocate(charges: ir.Table, config: AllocationConfig, *, currency: str | None = None,
             periods: list[date] | None = None,
             stash: Callable[[ir.Table], ir.Table] = fetched) -> tuple[ir.Table, ir.Table]:
    """(allocated daily table, labelled charges) as Ibis expressions; only the first aggregation runs here.

    The daily table is labelled after a first aggregation: charges summed per day and every column the result
    or a rule reads (tags as their text). Ten million hourly lines are a few million such groups, and
    labelling, pooling and splitting then work on those instead of on every line. `stash` computes that
    aggregation once and keeps it (the engine's `stash`: a temporary table where the engine computes, so on
    Spark it never passes through the driver); otherwise direct cost, each pool and the shares would each
    redo the scan. Jobs that need only the labelled charges call `labelled(scoped(...))` and skip all this."""
    import ibis

    charges = scoped(charges, currency=currency, periods=periods)
    lookup = tag_lookup(charges, config)
    grouping = sorted({*DAILY_KEYS[3:], *match_columns(config)})
    joined = _with_lookup(charges, lookup)
    values = _lookup_values(lookup)
    summed = joined.group_by(day=joined.ChargePeriodStart.date(), billing_period=joined[X_PERIOD],
                             **{c: joined[c] for c in [*grouping, *values]}
                             ).agg(cost=joined[config.cost].fill_null(0.0).sum())
    grouped = _label_joined(stash(summed), config, lookup)
    # every other dimension rides along as tag_<name>, so budgets and reports can select by it
    keys = [*DAILY_KEYS, *(f"{TAG_COLUMN_PREFIX}{d}" for d in config.dimensions if d != config.owner)]
    direct_rows = grouped.filter(grouped.pool.isnull())
    direct = direct_rows.group_by(keys).agg(cost=direct_rows.cost.sum())
    parts = [direct.mutate(owner=direct.owner.fill_null(UNALLOCATED), kind=ibis.literal("direct"),
                           pool=ibis.null("string"))]
    for spec in config.shared:
        pool_rows = grouped.filter(grouped.pool == spec.name)
        pool_daily = pool_rows.group_by([k for k in keys if k != "owner"]).agg(cost=pool_rows.cost.sum())
        shares = _shares(direct_rows.select("billing_period", "owner", "cost"), config, spec.name)
        split = pool_daily.join(shares, "billing_period", how="left")
        split = split.mutate(owner=split.owner.fill_null(UNALLOCATED),
                             cost=split.cost * split.share.fill_null(1.0))
        parts.append(split.select(*keys, "cost").mutate(kind=ibis.literal("shared"), pool=ibis.literal(spec.name)))
    daily = parts[0].select(*keys, "kind", "pool", "cost")
    for part in parts[1:]:
        daily = daily.union(part.select(*keys, "kind", "pool", "cost"))
    return daily, labelled(charges, config, lookup)


def reconcile(daily: ir.Table, rows: ir.Table) -> list[PeriodReconciliation]:
    """Billed (from the charges) vs allocated + unallocated (from the result), per period."""
    billed = rows.group_by("billing_period").agg(billed=rows.cost.sum()).to_pandas()
    got = daily.group_by("billing_period").agg(
        allocated=daily.cost.sum(where=daily.owner != UNALLOCATED),
        unallocated=daily.cost.sum(where=daily.owner == UNALLOCATED),
    ).to_pandas()
    merged = billed.merge(got, on="billing_period", how="outer").fillna(0.0).sort_values("billing_period")
    return [PeriodReconciliation(period=r.billing_period, billed=float(r.billed), allocated=float(r.allocated),
                                 unallocated=float(r.unallocated),
                                 difference=float(r.billed) - float(r.allocated) - float(r.unallocated))
            for r in merged.itertuples()]


def pool_notes(daily: ir.Table) -> list[PoolNote]:
    """Per period and pool: how much, among how many owners, and whether any of it could not be split."""
    shared = daily.filter(daily.kind == "shared")
    agg = shared.group_by("billing_period", "pool").agg(
        amount=shared.cost.sum(),
        owners=shared.owner.nunique(where=shared.owner != UNALLOCATED),
        stuck=shared.cost.sum(where=shared.owner == UNALLOCATED).fill_null(0.0),
    ).order_by("billing_period", "pool").to_pandas()
    notes = []
    for r in agg.itertuples():
        note = f"split among {r.owners} owner(s)"
        if abs(r.stuck) >= TOLERANCE:
            note = f"{r.stuck:,.2f} not split: no owner with direct cost to split it among in this period"
        notes.append(PoolNote(period=r.billing_period, pool=str(r.pool), amount=float(r.amount), owners=int(r.owners),
                              note=note))
    return notes


def single_currency(charges: ir.Table, wanted: str | None) -> str:
    """The currency to report in: the only one stored, or the one asked for (reports never add currencies)."""
    values = charges.select("BillingCurrency").distinct().to_pyarrow().column("BillingCurrency").to_pylist()
    return choose_currency(values, wanted)


def choose_currency(values: list[str | None], wanted: str | None) -> str:
    """`single_currency` given the distinct currencies stored (a job reading the store in SQL asks it directly)."""
    found = sorted(str(c) for c in values if c is not None)
    if wanted:
        if wanted not in found:
            raise InputError(f"no charges in {wanted}; the store holds {', '.join(found) or 'nothing'}")
        return wanted
    if not found:
        raise InputError("the billing store is empty: run `finguard billing ingest FILE...` first")
    if len(found) > 1:
        raise InputError(f"the store holds several billing currencies ({', '.join(found)}): choose one with "
                         "--currency (or billing.currency in finguard.yml)")
    return found[0]

