"""Showback and chargeback: exact figures on hand-made charges, the generator's truth, and cent-exact rounding.

The hand-made charges (`charges()`, shared with the coverage and report tests), BilledCost in USD:
* 2024-09: web's i-1 60 (Sep 3) + 40 (Sep 4) in account 111; data's b-1 50 (Sep 3) in 222; untagged b-2 10
  (Sep 4) in 222; AWS Support 30 (Sep 1, account 999, no resource), a shared pool split by direct cost:
  web 20, data 10. Billed 190 = web 120 + data 60 + unallocated 10.
* 2024-10: web 0.335, data 0.335, untagged 0.33 (Oct 1-2): billed 1.00, and rounding each line half-up would
  invoice 1.01; largest remainder gives the missing-cent tie to `data` (names break ties) and web 0.33.
"""

from __future__ import annotations

import json
import random
from datetime import date, datetime
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pytest

from finguard.billing.allocate import Allocation, allocate, pool_notes, reconcile
from finguard.billing.config import UNALLOCATED, AllocationConfig
from finguard.billing.schema import X_PERIOD, X_TAGS
from finguard.billing.showback import (
    OTHER_OWNERS,
    Showback,
    build_showback,
    largest_remainder,
    to_cents,
)
from tests.billing._compare import rounded

SEP, OCT = date(2024, 9, 1), date(2024, 10, 1)
# day, account, service, resource, category, cost, tags
CHARGES = [
    (date(2024, 9, 3), "111", "EC2", "i-1", "Usage", 60.0, {"team": "web", "env": "Prod"}),
    (date(2024, 9, 4), "111", "EC2", "i-1", "Usage", 40.0, {"team": "web", "env": "Prod"}),
    (date(2024, 9, 3), "222", "S3", "b-1", "Usage", 50.0, {"Team": "data", "env": " "}),
    (date(2024, 9, 4), "222", "S3", "b-2", "Usage", 10.0, None),
    (date(2024, 9, 1), "999", "AWS Support (Business)", None, "Usage", 30.0, None),
    (date(2024, 10, 1), "111", "EC2", "i-1", "Usage", 0.335, {"team": "web", "env": "Prod"}),
    (date(2024, 10, 1), "222", "S3", "b-1", "Usage", 0.335, {"Team": "data", "env": " "}),
    (date(2024, 10, 2), "222", "S3", "b-2", "Usage", 0.33, None),
]
NAMES = {"111": "web-prod", "222": "data-prod", "999": "management"}
CONFIG = {"dimensions": {"team": {"tags": ["team", "owner"]}, "env": {"tags": ["env"]}},
          "shared": [{"name": "support", "match": {"service": "AWS Support*"}}]}


def charges(*, tags_text: bool = True) -> ir.Table:
    """The charges table `allocate` reads (what `BillingStore.charges` gives), from CHARGES.

    With `tags_text`, `Tags` holds the JSON text as the store keeps it; without, only the `x_Tags` map exists."""
    columns: dict[str, list] = {k: [] for k in (
        "ChargePeriodStart", X_PERIOD, "BillingCurrency", "ProviderName", "BillingAccountId", "SubAccountId",
        "SubAccountName", "ServiceName", "ResourceId", "ChargeCategory", "BilledCost", "EffectiveCost")}
    tags: list = []
    for day, account, service, resource, category, cost, tag in CHARGES:
        for key, value in (("ChargePeriodStart", datetime(day.year, day.month, day.day, 5)),
                           (X_PERIOD, day.replace(day=1)), ("BillingCurrency", "USD"), ("ProviderName", "AWS"),
                           ("BillingAccountId", "900"), ("SubAccountId", account), ("SubAccountName", NAMES[account]),
                           ("ServiceName", service), ("ResourceId", resource), ("ChargeCategory", category),
                           ("BilledCost", cost), ("EffectiveCost", cost)):
            columns[key].append(value)
        tags.append(list(tag.items()) if tag else None)
    table = pa.table(columns).append_column(X_TAGS, pa.array(tags, pa.map_(pa.string(), pa.string())))
    if tags_text:
        table = table.append_column("Tags", pa.array([json.dumps(dict(t)) if t else None for t in tags]))
    return ibis.memtable(table)


def allocated(config: dict | None = None, *, tags_text: bool = True) -> tuple[ir.Table, ir.Table, AllocationConfig]:
    cfg = AllocationConfig.model_validate(config or CONFIG)
    daily, rows = allocate(charges(tags_text=tags_text), cfg)
    return daily, rows, cfg


def showback(**kwargs: object) -> Showback:
    daily, rows, cfg = allocated()
    return build_showback(daily, rows=rows, owner_dimension=cfg.owner, **kwargs)  # type: ignore[arg-type]


# -- exact figures --------------------------------------------------------------------------------------------
def test_showback_by_hand() -> None:
    sb = showback()
    assert (sb.currency, sb.cost_metric, sb.owner_dimension) == ("USD", "BilledCost", "team")
    assert (sb.first_day, sb.last_day, sb.pools) == (date(2024, 9, 1), date(2024, 10, 2), ["support"])
    sep, oct_ = sb.periods
    assert (sep.period, sep.billed, sep.allocated, sep.unallocated) == (SEP, 190.0, 180.0, 10.0)
    assert (sep.direct, sep.shared, sep.owners, sep.balanced) == (160.0, {"support": 30.0}, 2, True)
    assert sep.unallocated_percent == pytest.approx(100 * 10 / 190)
    assert oct_.billed == pytest.approx(1.0) and oct_.shared == {} and oct_.owners == 2

    lines = {(o.period, o.owner): o for o in sb.owners}
    web = lines[(SEP, "web")]
    assert (web.direct, web.shared, web.total) == (100.0, {"support": pytest.approx(20.0)}, pytest.approx(120.0))
    assert web.share_percent == pytest.approx(100 * 120 / 190)
    assert lines[(SEP, "data")].total == pytest.approx(60.0)
    assert lines[(SEP, UNALLOCATED)].total == 10.0 and lines[(SEP, UNALLOCATED)].shared == {}
    # owners by total, "(unallocated)" last, whatever its size
    assert [o.owner for o in sb.owners_in(SEP)] == ["web", "data", UNALLOCATED]
    assert [o.owner for o in sb.owners_in(OCT)] == ["data", "web", UNALLOCATED]  # a tie: by name


def test_chargeback_by_hand_sums_exactly_to_billed() -> None:
    sb = showback()
    got = {(c.period, c.owner): c.cents for c in sb.chargeback}
    assert got == {(SEP, "data"): 6000, (SEP, "web"): 12000, (SEP, UNALLOCATED): 1000,
                   (OCT, "data"): 34, (OCT, "web"): 33, (OCT, UNALLOCATED): 33}
    assert [c.owner for c in sb.chargeback_in(SEP)] == ["data", "web", UNALLOCATED]  # by name, unallocated last
    assert sb.chargeback_in(OCT)[0].amount == 0.34 and sb.chargeback_in(OCT)[0].exact == pytest.approx(0.335)
    # half-up rounding of each line on its own would invoice 1.01 for a 1.00 bill
    assert sum(to_cents(c.exact) for c in sb.chargeback_in(OCT)) == 101


def test_unallocated_line_is_always_there() -> None:
    config = {**CONFIG, "dimensions": {"team": {"tags": ["team", "owner"], "default": "shared-services"}}}
    daily, rows, cfg = allocated(config)
    sb = build_showback(daily, rows=rows, owner_dimension=cfg.owner)
    assert [c.owner for c in sb.chargeback_in(SEP)] == ["data", "shared-services", "web", UNALLOCATED]
    nobody = [c for c in sb.chargeback if c.owner == UNALLOCATED]
    assert [(c.cents, c.exact) for c in nobody] == [(0, 0.0), (0, 0.0)]
    assert sum(c.cents for c in sb.chargeback_in(SEP)) == 19000


def test_top_services_and_per_owner() -> None:
    sb = showback(top_services=2)
    assert [(s.service, round(s.cost, 3)) for s in sb.top_services] == [("EC2", 100.335), ("S3", 60.665)]
    assert sb.top_services[0].share_percent == pytest.approx(100 * 100.335 / 191.0)
    per = {o.owner: o for o in sb.owner_services}
    assert [o.owner for o in sb.owner_services] == ["web", "data", UNALLOCATED]
    assert [(s.service, round(s.cost, 3)) for s in per["web"].services] == [("EC2", 100.335),
                                                                           ("AWS Support (Business)", 20.0)]
    assert per["web"].total == pytest.approx(120.335)
    assert [(s.service, s.cost) for s in per[UNALLOCATED].services] == [("S3", pytest.approx(10.33))]


def test_daily_trend_is_dense_with_top_owners_other_and_unallocated() -> None:
    sb = showback(trend_owners=1)
    assert len(sb.trend.days) == 32 and sb.trend.days[0] == date(2024, 9, 1)
    assert [s.name for s in sb.trend.series] == ["web", OTHER_OWNERS, UNALLOCATED]
    web = dict(zip(sb.trend.days, sb.trend.series[0].values, strict=True))
    assert (web[date(2024, 9, 1)], web[date(2024, 9, 3)], web[date(2024, 9, 4)]) == (
        pytest.approx(20.0), 60.0, 40.0)
    assert web[date(2024, 9, 20)] == 0.0 and web[date(2024, 10, 1)] == 0.335
    assert sb.trend.series[1].total == pytest.approx(60.335)
    assert sum(s.total for s in sb.trend.series) == pytest.approx(191.0)


def test_the_stored_allocation_gives_the_same_showback() -> None:
    """`finguard billing allocate` keeps the Allocation; building from it must not need the charges again."""
    daily, rows, cfg = allocated()
    allocation = Allocation(cost=cfg.cost, owner_dimension=cfg.owner, currency="USD",
                            periods=reconcile(daily, rows), pools=pool_notes(daily))
    from_allocation = build_showback(daily, allocation)
    from_rows = build_showback(daily, rows=rows, owner_dimension="team")
    assert rounded(from_allocation.model_dump()) == rounded(from_rows.model_dump())
    assert [n.note for n in from_allocation.pool_notes] == ["split among 2 owner(s)"]
    with pytest.raises(ValueError, match="labelled rows"):
        build_showback(daily)


def test_a_reconciliation_gap_is_reported_not_hidden() -> None:
    daily, rows, cfg = allocated()
    periods = reconcile(daily, rows)
    periods[0] = periods[0].model_copy(update={"billed": periods[0].billed + 1.0, "difference": 1.0})
    sb = build_showback(daily, Allocation(cost=cfg.cost, owner_dimension="team", currency="USD", periods=periods))
    assert not sb.balanced and not sb.periods[0].balanced and sb.periods[1].balanced
    # chargeback still invoices the billed total: the missing dollar lands on the lines by largest remainder
    assert sum(c.cents for c in sb.chargeback_in(SEP)) == 19100


# -- largest remainder --------------------------------------------------------------------------------------
def test_largest_remainder_property() -> None:
    rng = random.Random(20240901)
    for _ in range(500):
        n = rng.randint(1, 40)
        amounts = [round(rng.uniform(-50, 5000), rng.choice([2, 3, 6, 9])) for _ in range(n)]
        if rng.random() < 0.2:
            amounts += [0.0, -rng.uniform(0, 100)]
        target = to_cents(sum(amounts))
        cents = largest_remainder(amounts, target, [f"o{i:02d}" for i in range(len(amounts))])
        assert sum(cents) == target
        for exact, got in zip(amounts, cents, strict=True):
            assert abs(got - exact * 100) < 1 + 1e-6  # every line within a cent of its exact amount


def test_largest_remainder_edges() -> None:
    assert largest_remainder([], 0) == []
    with pytest.raises(ValueError):
        largest_remainder([], 5)
    assert largest_remainder([0.335, 0.335, 0.33], 100, ["web", "data", "x"]) == [33, 34, 33]
    assert largest_remainder([0.335, 0.335, 0.33], 100) == [34, 33, 33]  # no names: position breaks the tie
    assert largest_remainder([0.004, 0.004, 0.004], 0) == [0, 0, 0]
    assert largest_remainder([0.001, 0.009], 2) == [1, 1]  # one cent each: the larger fraction first
    assert largest_remainder([1.0, 1.0], 199) == [100, 99]  # a target below the floors takes a cent back
    assert largest_remainder([-0.005, 0.015], 1) == [0, 1]  # credits floor downwards: -0.5 -> -1 + 0.5
    assert sum(largest_remainder([10.0, 20.0], 3005)) == 3005  # far off: cycles, still exact
    assert to_cents(0.005) == 1 and to_cents(-0.005) == -1 and to_cents(2.675) == 268


# -- the generator's truth ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Showback, object]:
    from finguard.billing.engine import DuckDBEngine
    from finguard.billing.generate import GeneratorSpec, write
    from finguard.billing.ingest import run
    from finguard.billing.store import BillingStore

    where = tmp_path_factory.mktemp("generated")
    data = where / "g.parquet"
    truth = write(GeneratorSpec(seed=11, rows=20_000, days=70), data, "parquet")
    run([data], where / "b.duckdb", "duckdb")
    rules = [{"name": f"account {a.id}", "match": {"account": a.id}, "set": {"team": a.owner}}
             for a in truth.accounts if a.owner]
    # the generator spells team keys team/Team/owner and values Payments/payments: one canonical value each
    cfg = AllocationConfig.model_validate({"precedence": "tags-first", "rules": rules, "dimensions": {
        "team": {"tags": ["team", "owner"], "values": {t.name: [t.name] for t in truth.teams}},
        "env": {"tags": ["env", "environment"]}}})
    with BillingStore(where / "b.duckdb") as store:
        daily, rows = allocate(store.charges(DuckDBEngine(store.con)), cfg)
        sb = build_showback(daily, rows=rows, owner_dimension="team")
    return sb, truth


def test_generated_showback_equals_the_truth(generated: tuple[Showback, object]) -> None:
    from finguard.billing.generate import GroundTruth

    sb, truth = generated
    assert isinstance(truth, GroundTruth)
    assert [p.period for p in sb.periods] == [p.period for p in truth.periods]
    lines = {(o.period, o.owner): o.total for o in sb.owners}
    for period, expected in zip(sb.periods, truth.periods, strict=True):
        assert period.billed == pytest.approx(expected.totals.billed_cost, abs=1e-6)
        assert period.unallocated == pytest.approx(expected.unallocated.billed_cost, abs=1e-6)
        assert period.balanced
        got = {owner: total for (p, owner), total in lines.items() if p == period.period and owner != UNALLOCATED}
        assert got == pytest.approx({team: c.billed_cost for team, c in expected.by_team.items()}, abs=1e-6)
        assert lines[(period.period, UNALLOCATED)] == pytest.approx(expected.unallocated.billed_cost, abs=1e-6)
        assert sum(o.share_percent or 0 for o in sb.owners_in(period.period)) == pytest.approx(100.0)


def test_generated_chargeback_sums_to_the_cent(generated: tuple[Showback, object]) -> None:
    from finguard.billing.generate import GroundTruth

    sb, truth = generated
    assert isinstance(truth, GroundTruth)
    for period, expected in zip(sb.periods, truth.periods, strict=True):
        lines = sb.chargeback_in(period.period)
        assert sum(c.cents for c in lines) == to_cents(expected.totals.billed_cost)
        assert all(abs(c.cents - c.exact * 100) < 1 for c in lines)
        assert lines[-1].owner == UNALLOCATED
    assert sum(s.total for s in sb.trend.series) == pytest.approx(truth.totals.billed_cost, abs=1e-6)


def test_showback_json_round_trips(tmp_path: Path) -> None:
    sb = showback()
    assert Showback.model_validate_json(sb.model_dump_json()) == sb
