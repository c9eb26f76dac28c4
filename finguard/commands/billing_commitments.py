"""`finguard billing commitments`: Savings Plan / reserved instance utilisation, coverage, unused cost and
effective savings rate, per commitment, type and owner, and a what-if of the hourly commitment to buy."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from finguard.commands.billing import (
    _config,
    _db,
    _periods,
    _session,
    as_of_option,
    common,
    currency_option,
    emit,
    json_option,
    out_option,
    period_option,
)
from finguard.errors import InputError

if TYPE_CHECKING:
    from finguard.billing.commitment_model import CommitmentQueries, CommitmentsResult
    from finguard.billing.config import BillingConfig
    from finguard.billing.engine import Engine
    from finguard.billing.store import BillingStore

MAX_LOOKBACK_DAYS = 1100
NO_COMMITMENTS = "no commitment discounts in the billing data (no rows with a CommitmentDiscountId): nothing to report"


STASH_MAX_ROWS = 100_000  # Ibis path (Spark): charges up to this many rows are copied once for its many queries


@click.command("commitments")
@common
@period_option
@currency_option
@as_of_option
@click.option("--lookback", "lookbacks", type=int, multiple=True, metavar="DAYS",
              help="What-if window: the trailing DAYS of hourly eligible spend (repeatable; default "
                   "billing.commitments.lookback_days: 30, 60, 90).")
@click.option("--target-coverage", type=float, metavar="PCT",
              help="Coverage the what-if aims for, in percent of eligible on-demand-equivalent spend, 1-100 "
                   "(default: billing.commitments.target_coverage, 80).")
@click.option("--type", "commitment_type", metavar="TYPE",
              help="Commitment type the what-if recommends, as in CommitmentDiscountType (default: "
                   "billing.commitments.commitment_type, 'Savings Plan').")
@out_option
@json_option

def command(db: Path | None, engine_name: str | None, config_path: Path | None, periods: tuple[str, ...],
            currency: str | None, as_of: datetime | None, lookbacks: tuple[int, ...], target_coverage: float | None,
            commitment_type: str | None, out: Path | None, as_json: bool) -> None:
    """Report commitment utilisation, coverage, unused cost and effective savings rate, and what to buy.

    Per-owner figures use the allocation's owner dimension (billing.allocation: its rules, then tags); a
    commitment's unused and purchase rows belong to whoever they are billed to, usually nobody
    ('(unallocated)'). The what-if is computed for each --lookback window ending at --as-of (default: the end
    of the data). Data without commitment rows prints a line saying so and exits 0. Exit codes: 0 written,
    2 bad input (coverage out of range, unknown --type, empty store).
    """
    config, path = _config(config_path)
    for days in lookbacks:
        if not 1 <= days <= MAX_LOOKBACK_DAYS:
            raise InputError(f"--lookback {days}: give 1 to {MAX_LOOKBACK_DAYS} days")
    target = None
    if target_coverage is not None:
        if not 1 <= target_coverage <= 100:
            raise InputError(f"--target-coverage {target_coverage:g}: give a percent from 1 to 100 (e.g. 80)")
        target = target_coverage / 100
    with _session(_db(db, config, path), engine_name or config.engine, create=False) as (store, engine):
        result = compute(store, engine, config, periods=_periods(periods), currency=currency,
                         as_of=as_of.date() if as_of else None, lookback_days=list(lookbacks) or None,
                         target_coverage=target, commitment_type=commitment_type)
    if result is None:
        click.echo("null" if as_json else f"commitments: {NO_COMMITMENTS}")
        if as_json:
            click.echo(f"commitments: {NO_COMMITMENTS}", err=True)
        return
    emit("commitments", result, result.currency or "USD", out, as_json)


def compute(store: BillingStore, engine: Engine, config: BillingConfig, *, periods: list[date],
            currency: str | None = None, as_of: date | None = None, lookback_days: Sequence[int] | None = None,
            target_coverage: float | None = None, commitment_type: str | None = None) -> CommitmentsResult | None:
    """The commitment report and one what-if per lookback (None: the data holds no commitment rows), for the
    command and the combined report; the what-if settings default to billing.commitments in finguard.yml."""
    from finguard.billing.commitment_model import DEFAULT_RULES, CommitmentsResult, recommendations_of, report_of

    job = config.commitments
    asked = currency or config.currency
    found = _sql_queries(store, config, asked, periods) if engine.name == "duckdb" else \
        _ibis_queries(store, engine, config, asked, periods)
    if found is None:
        return None
    chosen, owned, charges = found
    kind = commitment_type or job.commitment_type
    report = report_of(owned, DEFAULT_RULES)
    known = {c.type for c in report.commitments if c.type} | {r.commitment_type for r in DEFAULT_RULES
                                                              if r.commitment_type}
    if kind not in known:
        raise InputError(f"commitment type {kind!r} is neither in the data nor a known type; use one of: "
                         f"{', '.join(sorted(known))}")
    target = job.target_coverage if target_coverage is None else target_coverage
    windows = list(lookback_days or job.lookback_days)
    recommendations = []
    failed: dict[str, list[int]] = {}  # why -> lookbacks: one line for the windows that fail alike
    try:
        results: list[Any] = recommendations_of(charges, commitment_type=kind, rules=DEFAULT_RULES,
                                                lookback_days=windows, target_coverage=target, discount=None,
                                                as_of=as_of, method="coverage", percentile=None)
    except InputError as exc:  # nothing eligible at all: every window fails alike
        results = [exc] * len(windows)
    for days, result in zip(windows, results, strict=True):
        if isinstance(result, InputError):
            failed.setdefault(_why_no_whatif(result.message, kind), []).append(days)
        else:
            recommendations.append(result)
    notes = [f"no what-if over {', '.join(map(str, days))} days: {why}" for why, days in failed.items()]
    return CommitmentsResult(currency=report.currency or chosen, owner_dimension=config.allocation.owner,
                             commitment_type=kind, target_coverage=target, lookback_days=windows, report=report,
                             recommendations=recommendations, notes=notes)


def _sql_queries(store: BillingStore, config: BillingConfig, currency: str | None, periods: list[date]
                 ) -> tuple[str, CommitmentQueries, CommitmentQueries] | None:
    """(currency, the report's queries, the what-if's) in plain SQL on the store (None: no commitment rows).

    No Ibis, no pandas: compiling the Ibis queries cost more than running them. The charges are read in place
    at any size, so nothing is copied as the Ibis path copies small bills (STASH_MAX_ROWS)."""
    from finguard.billing.allocate import choose_currency, labelled_sql
    from finguard.billing.commitments_sql import SqlQueries
    from finguard.billing.schema import X_PERIOD
    from finguard.billing.store import literal, quoted

    chosen = choose_currency(store.currencies(), currency)
    where = [f"\"BillingCurrency\" = {literal(chosen)}"]
    if periods:
        where.append(f"{quoted(X_PERIOD)} IN ({', '.join(map(literal, periods))})")
    charges = f"SELECT * FROM charges WHERE {' AND '.join(where)}"
    queries = SqlQueries(store.duck, charges)
    if not queries.catalogue()[0]:
        return None
    owned = queries.owned_by(labelled_sql(store.duck, charges, config.allocation), f"alloc_{config.allocation.owner}")
    return chosen, owned, queries


def _ibis_queries(store: BillingStore, engine: Engine, config: BillingConfig, currency: str | None,
                  periods: list[date]) -> tuple[str, CommitmentQueries, CommitmentQueries] | None:
    """(currency, the report's queries, the what-if's) in Ibis on `engine` (None: no commitment rows)."""
    from finguard.billing.allocate import single_currency
    from finguard.billing.commitments import prepared_queries
    from finguard.billing.schema import X_PERIOD

    charges = store.charges(engine)
    chosen = single_currency(charges, currency)
    charges = charges.filter(charges.BillingCurrency == chosen)
    if periods:
        charges = charges.filter(charges[X_PERIOD].isin(periods))
    if not _has_commitments(charges):
        return None
    # A small bill is copied into temporary tables once, so the many queries below compile small plans over them
    # (2.8 -> 2.1 s on the 1,000-row sample); a large one is not: on 10 million rows copying every column cost
    # 50 s and 2 GB where the queries themselves take 10 s (1 million rows: 6.6 s copied, 3.7 s not).
    small = int(charges.count().execute()) <= STASH_MAX_ROWS
    if small:
        charges = engine.stash(charges)
    owned, owner_column = owner_of(charges, config)
    return chosen, prepared_queries(engine.stash(owned) if small else owned, owner_column), \
        prepared_queries(charges)


def _why_no_whatif(message: str, kind: str) -> str:
    """recommend_commitment's reason, with what it means for the reader where the bare message is cryptic."""
    if message.startswith("discount 1"):
        return (f"the {kind} rows it covered show no discount to price a commitment at (their EffectiveCost is 0, "
                f"as in anonymised samples): {message}")
    return message


def _has_commitments(charges: Any) -> bool:
    """Whether any charge names a commitment discount (exports without the columns have them null in the store)."""
    if "CommitmentDiscountId" not in charges.columns:
        return False
    cid = charges.CommitmentDiscountId
    return bool(charges.filter(cid.notnull() & (cid != "")).limit(1).count().execute())


def owner_of(charges: Any, config: BillingConfig) -> tuple[Any, str]:
    """(charges labelled by the allocation, the column holding each charge's owner: rules, then tags, then the
    dimension's default) for `commitment_report`. Shared-cost pools are not split here: a commitment's fee and
    unused rows stay with the owner the rules or tags give them, usually '(unallocated)'."""
    from finguard.billing.allocate import labelled

    return labelled(charges, config.allocation), f"alloc_{config.allocation.owner}"
