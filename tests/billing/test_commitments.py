"""Commitment utilisation, coverage, savings and the what-if: hand-computed figures, the generator's truth to the
last digit, the real FOCUS sample, and DuckDB and Spark agreeing."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import duckdb
import ibis
import ibis.expr.types as ir
import pytest

from finguard.billing.commitments import (
    DEFAULT_RULES,
    CommitmentReport,
    EligibilityRule,
    commitment_report,
    hourly_spend,
    recommend_commitment,
    rules_for,
    rules_with,
    water_level,
)
from finguard.billing.generate import GeneratorSpec, GroundTruth, write
from finguard.billing.schema import FOCUS_COLUMNS
from finguard.errors import InputError

from ..conftest import FIXTURES, SHARED, needs_shared

JOBS = FIXTURES / "billing" / "jobs"
FIXTURE = JOBS / "commitments_focus.csv"
FOCUS_SAMPLE = SHARED / "billing" / "focus-1.0" / "focus_sample.csv"
SQL_TYPES = {"string": "VARCHAR", "float64": "DOUBLE", "timestamp": "TIMESTAMP"}
HOURLY = GeneratorSpec(seed=5, rows=40_000, days=28, accounts=3, granularity="hourly")
DAILY = GeneratorSpec(seed=11, rows=20_000)
FIGURES = ("fee", "used_effective_cost", "unused_cost", "covered_list_cost", "eligible_list_cost",
           "eligible_on_demand_cost")


def focus_table(path: Path, nullstr: str = "") -> ir.Table:
    """A FOCUS CSV as the store holds it: typed columns, x_BillingPeriod, and x_Tags parsed from Tags."""
    con = ibis.duckdb.connect()
    raw: duckdb.DuckDBPyConnection = con.con
    raw.execute(f"create view src as select * from read_csv('{path}', all_varchar=true, nullstr=['{nullstr}'])")
    names = [r[0] for r in raw.execute("describe src").fetchall()]
    select = [f'CAST("{n}" AS {SQL_TYPES[FOCUS_COLUMNS[n]]}) AS "{n}"' if n in FOCUS_COLUMNS else f'"{n}"'
              for n in names]
    select.append("CAST(CAST(BillingPeriodStart AS TIMESTAMP) AS DATE) AS x_BillingPeriod")
    if "Tags" in names:
        select.append("""json_transform(Tags::JSON, '"MAP(VARCHAR, VARCHAR)"') AS x_Tags""")
    raw.execute(f"create view charges as select {', '.join(select)} from src")
    return con.table("charges")


@pytest.fixture(scope="module")
def fixture() -> ir.Table:
    return focus_table(FIXTURE)


@pytest.fixture(scope="module")
def hourly(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    path = tmp_path_factory.mktemp("commit") / "hourly.parquet"
    return path, write(HOURLY, path)


@pytest.fixture(scope="module")
def daily(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    path = tmp_path_factory.mktemp("commit") / "daily.parquet"
    return path, write(DAILY, path)


def _truth_rules(truth: GroundTruth) -> tuple[EligibilityRule, ...]:
    """The generator's Savings Plan covers EC2 instances only; its RI filter is the default RI rule's result."""
    sp = next(c for c in truth.commitments if c.type == "Savings Plan")
    return rules_with(EligibilityRule(commitment_type="Savings Plan",
                                      match={k: [v] for k, v in sp.eligible_filter.items()}))


# -- hand-computed fixture ------------------------------------------------------------------------------------


def test_savings_plan_figures_by_hand(fixture: ir.Table) -> None:
    report = commitment_report(fixture)
    assert report.currency == "USD" and report.periods == [date(2024, 3, 1)] and report.warnings == []
    sp = next(c for c in report.commitments if c.id == "sp-1")
    assert (sp.type, sp.category, sp.name) == ("Savings Plan", "Spend", "Compute SP")
    # Used: 15 + 6 (day 1) + 15 + 9 (day 2); unused 3 on day 1; the fee as invoiced 48.
    assert (sp.fee, sp.used_effective_cost, sp.unused_cost) == (48.0, 45.0, 3.0)
    assert sp.utilisation == 45 / 48
    # Eligible: EC2 instances, Fargate, Lambda (Compute); not the EBS volume, S3, the tax or the credit row.
    assert (sp.covered_list_cost, sp.eligible_list_cost) == (60.0, 92.0)  # 20+8+20+12; 47 + 45
    assert sp.coverage == pytest.approx(60 / 92, abs=1e-15)
    assert sp.eligible_effective_cost == 77.0 and sp.eligible_on_demand_cost == 32.0  # 45 + 15+4+13
    assert sp.net_savings == 12.0  # 15 saved on covered usage - 3 unused
    assert sp.effective_savings_rate == pytest.approx(12 / 92, abs=1e-15)
    assert sp.hours == 48.0 and sp.hourly_commitment == 1.0 and sp.discount == 0.25
    assert sp.first_hour == datetime(2024, 3, 1) and sp.end == datetime(2024, 3, 3)
    assert len(sp.periods) == 1 and sp.periods[0].coverage == sp.coverage


def test_reserved_instance_matches_its_own_sku(fixture: ir.Table) -> None:
    ri = next(c for c in commitment_report(fixture).commitments if c.id == "ri-1")
    assert ri.rules == [EligibilityRule(commitment_type="Reserved Instance", same_as_used=["ServiceName", "SkuId"])]
    assert (ri.fee, ri.used_effective_cost, ri.unused_cost, ri.utilisation) == (31.2, 15.6, 15.6, 0.5)
    # Eligible: the covered db.r5.large (24) and an on-demand one (24); not the gp2 storage of the same service.
    assert (ri.covered_list_cost, ri.eligible_list_cost, ri.coverage) == (24.0, 48.0, 0.5)
    assert ri.eligible_on_demand_cost == 24.0 and ri.eligible_effective_cost == 39.6
    # Half the reservation wasted: the savings rate is negative.
    assert ri.net_savings == pytest.approx(-7.2, abs=1e-12)
    assert ri.effective_savings_rate == pytest.approx(1 - (39.6 + 15.6) / 48, abs=1e-12)
    assert ri.hourly_commitment == pytest.approx(0.65, abs=1e-15) and ri.discount == pytest.approx(0.35, abs=1e-15)


def test_per_owner_by_account_and_by_tag(fixture: ir.Table) -> None:
    by_account = {(o.owner, o.commitment_id): o for o in commitment_report(fixture).by_owner}
    a = by_account[("111111111111", "sp-1")]
    assert (a.used_effective_cost, a.covered_list_cost, a.eligible_list_cost, a.eligible_on_demand_cost) == \
        (39.0, 52.0, 80.0, 28.0)
    assert a.coverage == 0.65 and a.effective_savings_rate == pytest.approx(1 - 67 / 80, abs=1e-15)
    b = by_account[("222222222222", "sp-1")]
    assert (b.covered_list_cost, b.eligible_list_cost, b.coverage) == (8.0, 12.0, pytest.approx(8 / 12))
    mgmt = by_account[("999999999999", "sp-1")]
    assert (mgmt.fee, mgmt.unused_cost, mgmt.utilisation, mgmt.coverage) == (48.0, 3.0, 0.0, None)

    by_team = {(o.owner, o.commitment_id): o for o in
               commitment_report(fixture, owner=lambda t: t.x_Tags["team"]).by_owner}
    assert by_team[("web", "sp-1")].coverage == 0.65
    assert by_team[("(unallocated)", "sp-1")].unused_cost == 3.0
    assert by_team[("data", "ri-1")].covered_list_cost == 24.0 and by_team[("web", "ri-1")].coverage == 0.0
    deferred = commitment_report(fixture, owner=ibis._.x_Tags["team"]).by_owner
    assert {(o.owner, o.commitment_id): o for o in deferred} == by_team


def test_types_rules_and_errors(fixture: ir.Table) -> None:
    report = commitment_report(fixture)
    types = {t.type: t for t in report.by_type}
    assert types["Savings Plan"].coverage == pytest.approx(60 / 92) and types["Reserved Instance"].coverage == 0.5
    # An id rule beats type rules, which beat catch-alls.
    own = EligibilityRule(commitment_id="sp-1", match={"ServiceName": ["Amazon Elastic Compute Cloud"]})
    assert rules_for("sp-1", "Savings Plan", (own, *DEFAULT_RULES)) == [own]
    assert rules_for("x", "Committed Use Discount", DEFAULT_RULES) == [DEFAULT_RULES[-1]]
    narrowed = next(c for c in commitment_report(fixture, rules=(own, *DEFAULT_RULES)).commitments
                    if c.id == "sp-1")
    # EC2 (any category) plus the covered Fargate: 47 - 4 (Lambda) + 5 (EBS) and 45.
    assert narrowed.eligible_list_cost == 93.0
    with pytest.raises(InputError, match=r"lack.*NoSuchColumn"):
        commitment_report(fixture, rules=[EligibilityRule(match={"NoSuchColumn": ["x"]})])
    with pytest.raises(InputError, match="owner column"):
        commitment_report(fixture, owner="team")


def test_what_if_water_level_by_hand(fixture: ir.Table) -> None:
    # Daily rows spread over their hours: 24 hours at 47/24 and 24 at 45/24 of eligible list cost.
    rec = recommend_commitment(fixture, lookback_days=2, target_coverage=0.8)
    assert (rec.window_start, rec.window_end, rec.hours) == (datetime(2024, 3, 1), datetime(2024, 3, 3), 48)
    assert rec.eligible_list_cost == pytest.approx(92.0)
    assert rec.list_level == pytest.approx(0.8 * 92 / 48)  # below every hour: 73.6 over 48 hours
    assert rec.discount == 0.25 and rec.discount_source == "observed"
    assert rec.hourly_commitment == pytest.approx(0.8 * 92 / 48 * 0.75)  # 1.15
    assert rec.expected_coverage == pytest.approx(0.8) and rec.expected_utilisation == pytest.approx(1.0)
    assert rec.break_even_utilisation == 0.75 and rec.percentile == 0.0
    assert rec.current_hourly_commitment == 1.0 and rec.additional_hourly_commitment == pytest.approx(0.15)
    assert rec.expected_monthly_savings == pytest.approx(730 * 0.25 * 73.6 / 48)
    assert rec.monthly_commitment_cost == pytest.approx(730 * 1.15)

    high = recommend_commitment(fixture, lookback_days=2, target_coverage=0.99, discount=0.3)
    assert high.list_level == pytest.approx((0.99 * 92 - 45) / 24)  # 1.92: above day 2's hours
    assert high.expected_utilisation == pytest.approx((45 + 24 * 1.92) / (48 * 1.92))
    assert high.percentile == 50.0 and high.discount_source == "parameter"
    assert high.hourly_commitment == pytest.approx(1.92 * 0.7)

    p50 = recommend_commitment(fixture, lookback_days=2, method="percentile", percentile=50)
    assert p50.list_level == pytest.approx(45 / 24) and p50.expected_coverage == pytest.approx(90 / 92)
    assert p50.target_coverage is None


def test_water_level_and_hourly_spread() -> None:
    assert water_level([1.0, 2.0, 3.0, 4.0], 1.0) == 4.0
    assert water_level([1.0, 2.0, 3.0, 4.0], 0.5) == pytest.approx(4 / 3)  # 1 + 3 x L = 5
    assert water_level([], 0.8) == 0.0
    t = ibis.memtable({"ChargePeriodStart": [datetime(2024, 1, 1, 0), datetime(2024, 1, 1, 2)],
                       "ChargePeriodEnd": [datetime(2024, 1, 1, 2), datetime(2024, 1, 1, 3)],
                       "ListCost": [4.0, 1.0]})
    spend = hourly_spend(t, lambda x: ibis.literal(True), datetime(2024, 1, 1, 1), datetime(2024, 1, 1, 4))
    assert spend.tolist() == [2.0, 1.0, 0.0]  # half of the 2-hour row falls before the window


def test_what_if_errors(fixture: ir.Table) -> None:
    with pytest.raises(InputError, match="target coverage"):
        recommend_commitment(fixture, target_coverage=1.5)
    with pytest.raises(InputError, match="no usage eligible"):
        recommend_commitment(fixture, commitment_type="Committed Use Discount",
                             rules=[EligibilityRule(match={"ServiceName": ["x"]})], discount=0.2)
    with pytest.raises(InputError, match="same_as_used"):
        recommend_commitment(fixture, commitment_type="Committed Use Discount")
    ri = recommend_commitment(fixture, commitment_type="Reserved Instance", lookback_days=2, target_coverage=0.5)
    # One db.r5.large hour of list price every hour (covered on day 1, on demand on day 2): half of it.
    assert ri.list_level == pytest.approx(0.5) and ri.discount == pytest.approx(0.35)
    assert ri.expected_utilisation == pytest.approx(1.0) and ri.current_hourly_commitment == pytest.approx(0.65)


# -- the generator's truth ------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["hourly", "daily"])
def test_equals_generator_truth(which: str, request: pytest.FixtureRequest) -> None:
    path, truth = request.getfixturevalue(which)
    report = commitment_report(ibis.duckdb.connect().read_parquet(path), rules=_truth_rules(truth))
    got = {c.id: c for c in report.commitments}
    assert set(got) == {c.id for c in truth.commitments}
    for want in truth.commitments:
        c = got[want.id]
        for field in FIGURES:  # exact decimal sums: equal, not merely within a cent
            assert getattr(c, field) == getattr(want, field), (want.type, field)
        assert c.hourly_commitment == pytest.approx(want.hourly_commitment, abs=1e-12)
        assert c.hours == truth.spec.days * 24 and c.discount == pytest.approx(want.discount, abs=1e-12)
        for ratio in ("utilisation", "coverage", "effective_savings_rate"):
            assert getattr(c, ratio) == pytest.approx(getattr(want, ratio), abs=1e-12), (want.type, ratio)
        assert [p.period for p in c.periods] == [p.period for p in want.periods]
        for mine, theirs in zip(c.periods, want.periods, strict=True):
            for field in FIGURES:
                assert getattr(mine, field) == getattr(theirs, field), (want.type, mine.period, field)


def test_what_if_reproduces_the_generators_purchase(hourly: tuple[Path, GroundTruth]) -> None:
    """Covered usage is always-on, so asking for the coverage the generator achieved must recommend exactly the
    commitment that covered usage consumed, saving exactly what it saved."""
    path, truth = hourly
    sp = next(c for c in truth.commitments if c.type == "Savings Plan")
    rec = recommend_commitment(ibis.duckdb.connect().read_parquet(path), rules=_truth_rules(truth),
                               lookback_days=30, target_coverage=sp.coverage)
    hours = truth.spec.days * 24
    assert rec.hours == hours and rec.eligible_list_cost == pytest.approx(sp.eligible_list_cost, abs=1e-6)
    assert rec.discount == pytest.approx(sp.discount, abs=1e-12)
    assert rec.hourly_commitment * hours == pytest.approx(sp.used_effective_cost, abs=0.005)
    assert rec.current_hourly_commitment == pytest.approx(sp.hourly_commitment, abs=1e-9)
    assert rec.expected_utilisation == pytest.approx(1.0, abs=1e-9)
    saved_per_hour = (sp.covered_list_cost - sp.used_effective_cost) / hours
    assert rec.expected_monthly_savings == pytest.approx(730 * saved_per_hour, abs=0.005)
    assert rec.break_even_utilisation == pytest.approx(1 - sp.discount)


# -- the real FOCUS sample ------------------------------------------------------------------------------------


@needs_shared
def test_focus_sample_savings_plan_rows() -> None:
    t = focus_table(FOCUS_SAMPLE, nullstr="NULL")
    report = commitment_report(t)
    assert [c.type for c in report.commitments] == ["Savings Plan", "Savings Plan"]  # two plans, 3 + 1 rows
    covered = sum(c.covered_list_cost for c in report.commitments)
    assert covered == 0.0464 + 0.0112 + 0.085 + 0.0000790222  # three EC2 hours and a Fargate share
    # The sample's EffectiveCost is anonymised (0 on its Used rows): utilisation is 0/0, never a number.
    assert all(c.utilisation is None and c.unused_cost == 0.0 for c in report.commitments)
    con = duckdb.connect()
    eligible = con.execute(
        f"select sum(ListCost::DOUBLE) from read_csv('{FOCUS_SAMPLE}', all_varchar=true, nullstr=['NULL']) "
        "where ChargeCategory = 'Usage' and (CommitmentDiscountStatus = 'Used' or (ServiceCategory = 'Compute' "
        "and ((ProviderName = 'AWS' and ServiceName in ('Amazon Elastic Compute Cloud', 'AWS Lambda', "
        "'Amazon Elastic Container Service', 'Amazon Elastic Kubernetes Service', "
        "'Amazon Elastic Container Service for Kubernetes')) or ProviderName = 'Microsoft')))").fetchone()[0]
    types = {x.type: x for x in report.by_type}
    assert types["Savings Plan"].eligible_list_cost == pytest.approx(eligible, abs=1e-9)
    assert types["Savings Plan"].coverage == pytest.approx(covered / eligible, rel=1e-9)


# -- DuckDB and Spark agree -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spark() -> Iterator[ibis.BaseBackend]:
    if shutil.which("java") is None:
        pytest.skip("java is not on PATH: PySpark needs a Java 17 runtime")
    pyspark_sql = pytest.importorskip("pyspark.sql")
    session = (pyspark_sql.SparkSession.builder.master("local[2]").appName("finguard-commitments")
               .config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "2").getOrCreate())
    try:
        yield ibis.pyspark.connect(session)
    finally:
        session.stop()


def test_spark_equals_duckdb(spark: ibis.BaseBackend, hourly: tuple[Path, GroundTruth]) -> None:
    path, truth = hourly
    rules = _truth_rules(truth)
    on_duckdb = commitment_report(ibis.duckdb.connect().read_parquet(path), rules=rules)
    on_spark = commitment_report(spark.read_parquet(str(path)), rules=rules)
    assert isinstance(on_spark, CommitmentReport)
    assert on_spark == on_duckdb  # exact decimal sums: every figure identical
    rec_duckdb = recommend_commitment(ibis.duckdb.connect().read_parquet(path), rules=rules, target_coverage=0.5)
    rec_spark = recommend_commitment(spark.read_parquet(str(path)), rules=rules, target_coverage=0.5)
    assert rec_spark == rec_duckdb
