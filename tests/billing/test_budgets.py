"""Budgets: month/quarter-to-date actuals, weekday-aware run rates, statuses, config errors, and the generator.

The hand-made allocated table runs from 2024-02-01 (a Thursday) to 2024-03-20 (a Wednesday):
* owner web, EC2, account 111, direct, tag env=prod: 100 a weekday, 50 a weekend day;
* owner data, S3, account 222, direct, tag env=dev: 10 a day;
* owner web, AWS Support, account 999, shared (pool support), no tag: 5 a day.
March 1-20 holds 14 weekdays and 6 weekend days (web: 1,700); March 21-31 holds 7 weekdays and 4 weekend days
(web: 900 projected). February: 21 weekdays, 8 weekend days (web: 2,500). April: 22 weekdays, 8 weekend days.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import ibis
import ibis.expr.types as ir
import pandas as pd
import pytest

from finguard.billing.budgets import (
    Budget,
    BudgetsConfig,
    RunRate,
    budgets_exceeded,
    evaluate_budgets,
    load_budgets,
    parse_budgets,
    period_bounds,
)
from finguard.billing.generate import GeneratorSpec, GroundTruth, write
from finguard.errors import InputError

from ..conftest import FIXTURES

BUDGETS = FIXTURES / "billing" / "jobs" / "budgets.yml"
AS_OF = date(2024, 3, 20)


def _allocated() -> ir.Table:
    rows = []
    d = date(2024, 2, 1)
    while d <= AS_OF:
        common = {"day": d, "billing_period": d.replace(day=1), "ProviderName": "AWS", "BillingAccountId": "900"}
        rows.append(common | {"owner": "web", "SubAccountId": "111", "ServiceName": "Amazon Elastic Compute Cloud",
                              "kind": "direct", "pool": None, "cost": 50.0 if d.weekday() >= 5 else 100.0,
                              "tag_env": "prod"})
        rows.append(common | {"owner": "data", "SubAccountId": "222", "ServiceName": "Amazon Simple Storage Service",
                              "kind": "direct", "pool": None, "cost": 10.0, "tag_env": "dev"})
        rows.append(common | {"owner": "web", "SubAccountId": "999", "ServiceName": "AWS Support (Business)",
                              "kind": "shared", "pool": "support", "cost": 5.0, "tag_env": None})
        d += timedelta(days=1)
    return ibis.memtable(pd.DataFrame(rows))


@pytest.fixture(scope="module")
def allocated() -> ir.Table:
    return _allocated()


def test_statuses_by_hand(allocated: ir.Table) -> None:
    report = evaluate_budgets(allocated, load_budgets(BUDGETS), AS_OF)
    assert report.data_through == AS_OF and report.warnings == [] and report.currency == "USD"
    r = {x.name: x for x in report.results}
    web = r["web-monthly"]
    assert (web.period_start, web.period_end, web.remaining_days) == (date(2024, 3, 1), date(2024, 3, 31), 11)
    assert (web.actual, web.projected) == (1700.0, 2600.0)  # 900 = 7 weekdays x 100 + 4 weekend days x 50
    assert web.run_rate_daily == pytest.approx(900 / 11)
    assert (web.variance, web.variance_pct) == (-400.0, pytest.approx(-400 / 3000 * 100))
    assert web.status == "ok" and web.projected_pct == pytest.approx(2600 / 30)
    assert r["web-tight"].status == "at_risk" and r["web-tight"].projected_pct == pytest.approx(2600 / 28)
    assert r["web-over"].status == "over" and not r["web-over"].actual_over
    assert r["web-spent"].status == "over" and r["web-spent"].actual_over
    assert (r["s3"].actual, r["s3"].projected, r["s3"].status) == (200.0, 310.0, "ok")
    q = r["prod-quarter"]
    assert (q.period_start, q.period_end) == (date(2024, 1, 1), date(2024, 3, 31))
    assert (q.actual, q.projected, q.status) == (4200.0, 5100.0, "ok")  # Feb 2,500 + March 1,700 + 900
    shared = r["all-shared"]
    assert (shared.actual, shared.projected, shared.status) == (100.0, 155.0, "over")
    assert (shared.at_risk_pct, shared.over_pct) == (50.0, 100.0)
    assert budgets_exceeded(report) and budgets_exceeded(report, basis="actual")
    assert not budgets_exceeded([r["web-monthly"], r["web-tight"]])
    assert budgets_exceeded([r["web-over"]]) and not budgets_exceeded([r["web-over"]], basis="actual")


def test_flat_run_rate_fiscal_quarters_and_lagging_data(allocated: ir.Table) -> None:
    config = load_budgets(BUDGETS)
    flat = config.model_copy(update={"run_rate": RunRate(weekday_aware=False)})
    web = evaluate_budgets(allocated, flat, AS_OF).results[0]
    assert web.projected == pytest.approx(1700 + 11 * 600 / 7)  # March 14-20: 5 weekdays, 2 weekend days
    assert web.run_rate_basis.startswith("mean daily cost of the 7 days")

    fiscal = config.model_copy(update={"fiscal_year_start_month": 2})
    q = next(x for x in evaluate_budgets(allocated, fiscal, AS_OF).results if x.name == "prod-quarter")
    assert (q.period_start, q.period_end, q.remaining_days) == (date(2024, 2, 1), date(2024, 4, 30), 41)
    assert q.projected == 4200 + 900 + 22 * 100 + 8 * 50

    # Two days later with no new data: the same figures, projected from the last day there is.
    late = evaluate_budgets(allocated, config, date(2024, 3, 22))
    assert late.data_through == AS_OF and "data ends 2024-03-20" in late.warnings[0]
    assert (late.results[0].actual, late.results[0].projected, late.results[0].remaining_days) == (1700, 2600, 11)

    # The last day of the month: nothing left to project.
    done = evaluate_budgets(allocated, config, date(2024, 2, 29)).results[0]
    assert (done.actual, done.projected, done.remaining_days) == (2500.0, 2500.0, 0)
    assert done.run_rate_basis == "period complete"


def test_period_bounds() -> None:
    assert period_bounds(date(2024, 2, 10), "monthly") == (date(2024, 2, 1), date(2024, 2, 29))
    assert period_bounds(date(2024, 12, 31), "quarterly") == (date(2024, 10, 1), date(2024, 12, 31))
    assert period_bounds(date(2024, 1, 15), "quarterly", 4) == (date(2024, 1, 1), date(2024, 3, 31))  # Q4
    assert period_bounds(date(2024, 1, 15), "quarterly", 11) == (date(2023, 11, 1), date(2024, 1, 31))


def test_config_errors(allocated: ir.Table, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"\$\.budgets\[0\]\.amout: Extra inputs") as exc:
        parse_budgets("budgets:\n  - name: a\n    amout: 10\n    amount: 10\n", "b.yml")
    assert exc.value.where == "b.yml"
    with pytest.raises(InputError, match="invalid YAML") as exc:
        parse_budgets("budgets:\n  - name: a\n   amount: [\n", "b.yml")
    assert exc.value.where.startswith("b.yml:")
    # the budgets file gets the same bounded reader as finguard.yml: duplicate keys, alias bombs, NaN
    with pytest.raises(InputError, match="duplicate key 'amount'") as exc:
        parse_budgets("budgets:\n  - name: a\n    amount: 1\n    amount: 2\n", "b.yml")
    assert exc.value.where.startswith("b.yml:4")
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)) + "budgets: *i\n"
    with pytest.raises(InputError, match="invalid YAML"):
        parse_budgets(bomb, "b.yml")
    with pytest.raises(InputError):
        parse_budgets("budgets: [{name: a, amount: .nan}]", "b.yml")
    with pytest.raises(InputError, match="unique: a"):
        parse_budgets("budgets: [{name: a, amount: 1}, {name: a, amount: 2}]", "b.yml")
    with pytest.raises(InputError, match=r"at_risk_pct 120\.0 is above over_pct 100\.0"):
        parse_budgets("budgets: [{name: a, amount: 1, at_risk_pct: 120}]", "b.yml")
    with pytest.raises(InputError, match="greater than 0"):
        parse_budgets("budgets: [{name: a, amount: 0}]", "b.yml")
    with pytest.raises(InputError, match="cannot read"):
        load_budgets(tmp_path / "missing.yml")
    config = BudgetsConfig(budgets=[Budget(name="t", amount=1, tag={"team": "web"})])
    with pytest.raises(InputError, match="add column 'tag_team'"):
        evaluate_budgets(allocated, config, AS_OF)


def test_no_data_yet(allocated: ir.Table) -> None:
    config = BudgetsConfig(budgets=[Budget(name="all", amount=100)])
    report = evaluate_budgets(allocated, config, date(2024, 1, 15))
    assert report.data_through is None and report.results[0].projected == 0 and report.results[0].status == "ok"
    assert "no allocated cost" in report.warnings[0]


def test_month_end_actuals_equal_generator_truth(tmp_path: Path) -> None:
    """At a month's last day a budget's actual is that month's cost: per team, as the generator summed it."""
    path = tmp_path / "gen.parquet"
    truth: GroundTruth = write(GeneratorSpec(seed=11, rows=20_000), path)
    con = ibis.duckdb.connect()
    raw: duckdb.DuckDBPyConnection = con.con
    raw.execute("create table owners (SubAccountId varchar, account_owner varchar)")
    raw.executemany("insert into owners values (?, ?)", [(a.id, a.owner) for a in truth.accounts])
    team = ("coalesce(lower(json_extract_string(Tags, '$.team')), lower(json_extract_string(Tags, '$.Team')), "
            "lower(json_extract_string(Tags, '$.owner')))")
    raw.execute(f"""create view allocated as
        select CAST(ChargePeriodStart AS DATE) as day, CAST(BillingPeriodStart AS DATE) as billing_period,
               coalesce({team}, account_owner, '(unallocated)') as owner, ProviderName, BillingAccountId,
               SubAccountId, ServiceName, 'direct' as kind, CAST(NULL AS VARCHAR) as pool, BilledCost as cost
        from read_parquet('{path}') left join owners using (SubAccountId)""")
    teams = sorted(truth.periods[0].by_team)
    config = BudgetsConfig(budgets=[Budget(name=t, owner=[t], amount=1000) for t in teams]
                           + [Budget(name="unallocated", owner=["(unallocated)"], amount=1000)])
    for period in truth.periods[:2]:
        month_end = period_bounds(period.period, "monthly")[1]
        report = evaluate_budgets(con.table("allocated"), config, month_end)
        for result in report.results:
            want = period.unallocated if result.name == "unallocated" else period.by_team[result.name]
            assert result.actual == pytest.approx(want.billed_cost, abs=1e-6), (period.period, result.name)
            assert result.projected == result.actual and result.remaining_days == 0
