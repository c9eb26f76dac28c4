"""Unit economics: metrics validation with file:line, cost per unit per day/week/month, trends, and volume vs
efficiency attribution that sums to the cost change.

Allocated cost (built below): web 100 a day on 2024-01-01..07 (90 direct + 10 shared) and 120 a day on
01-08..14 (110 + 10); data 10 a day; ops 1,000 a day (no metrics: ignored). Metrics (fixtures/.../metrics.csv):
web requests 1,000 a day then 1,500; web active_customers (a gauge) 50 then 70; data gb_served only on
01-01..03 (100, 100, 200); ghost requests 10 on 01-01 (no cost at all).
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pandas as pd
import pytest

from finguard.billing.generate import GeneratorSpec, GroundTruth, write
from finguard.billing.unit_costs import (
    BusinessMetrics,
    attribute_change,
    parse_metrics,
    read_metrics,
    unit_costs,
)
from finguard.errors import InputError

from ..conftest import FIXTURES

JOBS = FIXTURES / "billing" / "jobs"
WEEK1 = (date(2024, 1, 1), date(2024, 1, 7))
WEEK2 = (date(2024, 1, 8), date(2024, 1, 14))


@pytest.fixture(scope="module")
def allocated() -> ir.Table:
    rows = []
    for i in range(14):
        d = date(2024, 1, 1) + timedelta(days=i)
        base = {"day": d, "billing_period": date(2024, 1, 1), "ProviderName": "AWS", "BillingAccountId": "9",
                "SubAccountId": "1", "ServiceName": "Amazon Elastic Compute Cloud", "pool": None}
        rows.append(base | {"owner": "web", "kind": "direct", "cost": 90.0 if i < 7 else 110.0})
        rows.append(base | {"owner": "web", "kind": "shared", "cost": 10.0, "pool": "support"})
        rows.append(base | {"owner": "data", "kind": "direct", "cost": 10.0})
        rows.append(base | {"owner": "ops", "kind": "direct", "cost": 1000.0})
    return ibis.memtable(pd.DataFrame(rows))


@pytest.fixture(scope="module")
def metrics() -> BusinessMetrics:
    return read_metrics(JOBS / "metrics.csv")


def test_reading_validates_every_row(metrics: BusinessMetrics) -> None:
    assert len(metrics.rows) == 32 and metrics.metrics == ["active_customers", "gb_served", "requests"]
    assert metrics.rows[0].line == 2 and metrics.rows[-1].line == 33
    bad = JOBS / "metrics_bad.csv"
    with pytest.raises(InputError) as exc:
        read_metrics(bad)
    assert exc.value.where == f"{bad}:3" and exc.value.exit_code == 2
    assert exc.value.message == ("date '2024-13-01' is not YYYY-MM-DD (and 5 more bad row(s): line 5, 6, 7, 8, 9)")


@pytest.mark.parametrize(("text", "where", "message"), [
    ("", "m.csv", "empty file"),
    ("date,owner,value\n", "m.csv:1", "missing column(s) metric"),
    ("date,owner,metric,value\n", "m.csv", "no data rows"),
    ("date,owner,metric,value\n2024-01-01,web,requests,abc\n", "m.csv:2", "value 'abc' is not a number"),
    ("date,owner,metric,value\n2024-01-01,web,requests,nan\n", "m.csv:2", "value 'nan' is not finite"),
    ("date,owner,metric,value\n1/2/2024,web,requests,1\n", "m.csv:2", "date '1/2/2024' is not YYYY-MM-DD"),
    ("date,owner,metric,value\n\n2024-01-01,web,,1\n", "m.csv:3", "metric is empty"),
    ("date,owner,metric,value\n2024-01-01,web,r,1\n2024-01-01,web,r,2\n", "m.csv:3", "duplicate of line 2"),
    ("date,owner,metric,value\n2024-01-01,web,r,-1\n", "m.csv:2", "value -1 is negative"),
])
def test_bad_metrics(text: str, where: str, message: str) -> None:
    with pytest.raises(InputError) as exc:
        parse_metrics(text, "m.csv")
    assert exc.value.where == where and message in exc.value.message


def test_extra_columns_and_header_case_are_fine() -> None:
    m = parse_metrics("Date,Owner,Metric,Value,comment\n2024-01-01,web,r,2.5,\"a, b\"\n", "m.csv")
    assert [(r.date, r.owner, r.metric, r.value) for r in m.rows] == [(date(2024, 1, 1), "web", "r", 2.5)]


def test_unit_cost_by_week_month_and_day(allocated: ir.Table, metrics: BusinessMetrics) -> None:
    weekly = unit_costs(allocated, metrics, grain="week", metric="requests")
    web = [(r.bucket, r.days, r.cost, r.units, r.unit_cost) for r in weekly.rows if r.owner == "web"]
    assert web == [(date(2024, 1, 1), 7, 700.0, 7000.0, 0.1), (date(2024, 1, 8), 7, 840.0, 10500.0, 0.08)]
    trend = next(t for t in weekly.trends if t.owner == "web")
    assert trend.change_pct == pytest.approx(-20.0) and trend.slope_pct_per_bucket == pytest.approx(-0.02 / 0.09 * 100)
    ghost = next(r for r in weekly.rows if r.owner == "ghost")
    assert (ghost.cost, ghost.unit_cost) == (0.0, 0.0) and weekly.owners_without_cost == ["ghost"]
    assert {r.owner for r in weekly.rows} == {"web", "ghost"}  # ops has cost but no metrics: not reported

    monthly = unit_costs(allocated, metrics, owners=["web", "data"], gauges=["active_customers"])
    by_metric = {(r.owner, r.metric): r for r in monthly.rows}
    assert by_metric[("web", "requests")].unit_cost == pytest.approx(1540 / 17500)
    assert by_metric[("web", "active_customers")].units == 60.0  # a gauge: the mean daily level
    assert by_metric[("web", "active_customers")].unit_cost == pytest.approx(1540 / 60)
    # gb_served was only reported on three days: cost is taken over the same three days.
    data = by_metric[("data", "gb_served")]
    assert (data.days, data.cost, data.units, data.unit_cost) == (3, 30.0, 400.0, 0.075)

    gauge_weeks = unit_costs(allocated, metrics, grain="week", metric="active_customers",
                             gauges=["active_customers"])
    assert [r.unit_cost for r in gauge_weeks.rows] == [14.0, 12.0]

    daily = unit_costs(allocated, metrics, grain="day", metric="requests", owners=["web"])
    assert len(daily.rows) == 14
    # Least squares over 0.1 x 7 then 0.08 x 7: slope -0.49 / 227.5 per day, over the mean 0.09.
    assert daily.trends[0].slope_pct_per_bucket == pytest.approx(-0.49 / 227.5 / 0.09 * 100)
    with pytest.raises(InputError, match="metric 'orders' is not in"):
        unit_costs(allocated, metrics, metric="orders")


def test_change_attribution_sums_to_the_change(allocated: ir.Table, metrics: BusinessMetrics) -> None:
    report = attribute_change(allocated, metrics, metric="requests", base=WEEK1, current=WEEK2)
    web = next(a for a in report.by_owner if a.owner == "web")
    assert (web.base_cost, web.current_cost, web.cost_change) == (700.0, 840.0, 140.0)
    assert (web.base_unit_cost, web.current_unit_cost) == (0.1, 0.08)
    assert web.volume_effect == pytest.approx(3500 * 0.1)  # 3,500 more requests at 0.10
    assert web.efficiency_effect == pytest.approx(10500 * -0.02)  # 2 cents cheaper on 10,500 requests
    assert web.volume_effect + web.efficiency_effect == web.cost_change and web.unexplained == 0
    assert (web.base_days, web.current_days) == (7, 7)
    assert report.total.cost_change == 140.0 and report.total.volume_effect == pytest.approx(350.0)

    gauge = attribute_change(allocated, metrics, metric="active_customers", base=WEEK1, current=WEEK2, gauge=True)
    g = gauge.by_owner[0]
    assert (g.base_unit_cost, g.current_unit_cost) == (14.0, 12.0)
    assert (g.volume_effect, g.efficiency_effect) == (280.0, -140.0)  # 20 x 14; 70 x -2

    # No units in the base period: no unit cost to split by, the whole change is unexplained.
    data = attribute_change(allocated, metrics, metric="gb_served", base=WEEK2, current=WEEK1).by_owner[0]
    assert (data.volume_effect, data.efficiency_effect, data.unexplained) == (None, None, 30.0)
    with pytest.raises(InputError, match="after it ends"):
        attribute_change(allocated, metrics, metric="requests", base=(WEEK1[1], WEEK1[0]), current=WEEK2)


def test_monthly_unit_cost_matches_generator_truth(tmp_path: Path) -> None:
    """With a metric every day, a month's unit cost is the team's month cost (the generator's sum) per unit."""
    path = tmp_path / "gen.parquet"
    truth: GroundTruth = write(GeneratorSpec(seed=11, rows=20_000, days=60), path)
    con = ibis.duckdb.connect()
    con.con.execute("create table owners (SubAccountId varchar, account_owner varchar)")
    con.con.executemany("insert into owners values (?, ?)", [(a.id, a.owner) for a in truth.accounts])
    team = ("coalesce(lower(json_extract_string(Tags, '$.team')), lower(json_extract_string(Tags, '$.Team')), "
            "lower(json_extract_string(Tags, '$.owner')))")
    con.con.execute(f"""create view allocated as select CAST(ChargePeriodStart AS DATE) as day,
        coalesce({team}, account_owner, '(unallocated)') as owner, BilledCost as cost
        from read_parquet('{path}') left join owners using (SubAccountId)""")
    teams = sorted(truth.periods[0].by_team)
    metrics_csv = tmp_path / "m.csv"
    with metrics_csv.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["date", "owner", "metric", "value"])
        for i in range(truth.spec.days):
            for t in teams:
                w.writerow([truth.spec.start + timedelta(days=i), t, "requests", 1000])
    report = unit_costs(con.table("allocated"), read_metrics(metrics_csv), grain="month")
    rows = {(r.owner, r.bucket): r for r in report.rows}
    for period in truth.periods:
        for t in teams:
            r = rows[(t, period.period)]
            assert r.cost == pytest.approx(period.by_team[t].billed_cost, abs=1e-6)
            assert r.unit_cost == pytest.approx(period.by_team[t].billed_cost / (1000 * r.days), rel=1e-12)
