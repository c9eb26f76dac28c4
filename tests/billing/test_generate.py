"""The synthetic billing generator: its files hold exactly what its ground truth says they hold."""

from __future__ import annotations

import statistics
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from finguard.billing.generate import (
    BAD_ROW_KINDS,
    SCHEMA,
    GeneratorSpec,
    GroundTruth,
    generate,
    truth_path,
    write,
)
from finguard.billing.schema import FOCUS_COLUMNS
from finguard.commands.billing_generate import generate as generate_command

ARROW_TYPES = {"string": pa.string(), "float64": pa.float64(), "timestamp": pa.timestamp("us")}
DUCKDB_TYPES = {"string": "VARCHAR", "float64": "DOUBLE", "timestamp": "TIMESTAMP"}
SMALL = GeneratorSpec(seed=11, rows=20_000)
HOURLY = GeneratorSpec(seed=5, rows=40_000, days=28, accounts=3, granularity="hourly")
TEAM_SQL = ("coalesce(lower(json_extract_string(Tags, '$.team')), lower(json_extract_string(Tags, '$.Team')), "
            "lower(json_extract_string(Tags, '$.owner')))")


def _close(a: float, b: float, tol: float = 1e-6) -> bool:
    return abs(a - b) <= tol + 1e-9 * abs(b)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    path = tmp_path_factory.mktemp("gen") / "small.parquet"
    return path, write(SMALL, path)


@pytest.fixture(scope="module")
def hourly(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    path = tmp_path_factory.mktemp("gen") / "hourly.parquet"
    return path, write(HOURLY, path)


def _con(path: Path, truth: GroundTruth) -> duckdb.DuckDBPyConnection:
    """The file as view `t`, with `team` (tag, any spelling) and `alloc` (tag, else account owner)."""
    con = duckdb.connect()
    con.execute("create table owners (SubAccountId varchar, owner varchar)")
    con.executemany("insert into owners values (?, ?)", [(a.id, a.owner) for a in truth.accounts])
    source = f"read_parquet('{path}')" if path.suffix == ".parquet" else f"read_csv('{path}')"
    con.execute(f"create view t as select *, {TEAM_SQL} as team, coalesce({TEAM_SQL}, owners.owner) as alloc, "
                f"owners.owner as account_owner from {source} left join owners using (SubAccountId)")
    return con


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.sql(sql).fetchall()


def _rise_over_noise(series: dict[date, float], kind: str, start: date, end: date) -> tuple[float, float]:
    """How far an event lifts a daily series, and the series' noise: like with like (weekdays, weekends)."""

    def same_type(d: date, days: list[date]) -> list[float]:
        return [series[x] for x in days if (x.weekday() >= 5) == (d.weekday() >= 5)]

    before = [d for d in series if start - timedelta(days=28) <= d < start]
    noise = max(statistics.pstdev(same_type(d, before)) for d in (start, start + timedelta(days=3)))
    if kind == "spike":
        return series[start] - statistics.mean(same_type(start, before)), noise
    after = [d for d in series if d > end - timedelta(days=14)] if kind == "drift" else \
        [d for d in series if d >= start]
    ref = after[0]
    return statistics.mean(same_type(ref, after)) - statistics.mean(same_type(ref, before)), noise


# ---------------------------------------------------------------------------------------------------------------


def test_schema_row_count_and_types(small: tuple[Path, GroundTruth]) -> None:
    path, truth = small
    schema = pq.read_schema(path)
    assert schema.names == list(FOCUS_COLUMNS)
    assert [f.type for f in schema] == [ARROW_TYPES[t] for t in FOCUS_COLUMNS.values()]
    assert pq.read_metadata(path).num_rows == SMALL.rows == truth.rows == truth.file_rows
    assert truth.granularity == "daily" and truth.file == "small.parquet"
    assert truth_path(path).exists() and GroundTruth.load(truth_path(path)) == truth


def test_generate_yields_the_written_rows(small: tuple[Path, GroundTruth]) -> None:
    path, _ = small
    batches = list(generate(SMALL, batch_rows=7_777))  # batch size never changes the data
    assert all(b.schema == SCHEMA for b in batches)
    assert pa.Table.from_batches(batches).equals(pq.read_table(path))


def test_totals_match_truth(small: tuple[Path, GroundTruth]) -> None:
    path, truth = small
    con = _con(path, truth)
    rows, billed, effective, listed = _rows(con, "select count(*), sum(BilledCost::decimal(38, 8)), "
                                                 "sum(EffectiveCost::decimal(38, 8)), sum(ListCost::decimal(38, 8)) "
                                                 "from t")[0]
    assert rows == truth.totals.rows
    assert float(billed) == truth.totals.billed_cost  # exact: integer sums of 8-decimal values
    assert float(effective) == truth.totals.effective_cost
    assert float(listed) == truth.totals.list_cost
    # No-upfront commitments amortise: what is billed (fees) is what is effective (used + unused).
    assert truth.totals.billed_cost == truth.totals.effective_cost
    periods = {p: (n, float(b)) for p, n, b in _rows(
        con, "select BillingPeriodStart::date, count(*), sum(BilledCost::decimal(38, 8)) from t group by 1")}
    assert periods == {p.period: (p.totals.rows, p.totals.billed_cost) for p in truth.periods}


def test_shared_costs_match_truth(small: tuple[Path, GroundTruth]) -> None:
    path, truth = small
    con = _con(path, truth)
    network = next(a.id for a in truth.accounts if a.role == "network")
    kinds = {
        "tax": "ChargeCategory = 'Tax'", "credit": "ChargeCategory = 'Credit'",
        "support": "ServiceName = 'AWS Support (Business)'",
        "network": f"SubAccountId = '{network}' and ChargeCategory = 'Usage'",
        "commitment_unused": "CommitmentDiscountStatus = 'Unused'",
        "commitment_purchase": "ChargeCategory = 'Purchase' and CommitmentDiscountId is not null",
        "correction": "ChargeCategory = 'Usage' and BilledCost < 0",
    }
    for kind, where in kinds.items():
        n, billed = _rows(con, f"select count(*), sum(BilledCost::decimal(38, 8)) from t where {where}")[0]
        assert (n, float(billed)) == (truth.by_kind[kind].rows, truth.by_kind[kind].billed_cost), kind
    assert set(truth.shared_by_kind) == {"network", "commitment_unused", "commitment_purchase", "support", "tax",
                                         "credit"}
    assert truth.by_kind["credit"].billed_cost < 0 and truth.by_kind["correction"].billed_cost < 0
    assert len(truth.corrections) == truth.by_kind["correction"].rows


def test_allocation_matches_truth(small: tuple[Path, GroundTruth]) -> None:
    path, truth = small
    con = _con(path, truth)
    for view, col in (("by_tag_team", "team"), ("by_account_team", "account_owner"), ("by_team", "alloc")):
        got = {(p, team): float(c) for p, team, c in _rows(
            con, f"select BillingPeriodStart::date, {col}, sum(BilledCost::decimal(38, 8)) from t "
                 f"where {col} is not null group by all")}
        want = {(p.period, team): c.billed_cost for p in truth.periods for team, c in getattr(p, view).items()}
        assert got == want, view
    untagged = {p: float(c) for p, c in _rows(con, "select BillingPeriodStart::date, "
                                                   "sum(BilledCost::decimal(38, 8)) from t where team is null "
                                                   "group by 1")}
    assert untagged == {p.period: p.untagged.billed_cost for p in truth.periods}
    unallocated = _rows(con, "select sum(BilledCost::decimal(38, 8)) from t where alloc is null")[0][0]
    assert float(unallocated) == truth.unallocated.billed_cost
    # Every team is somebody's: each owns accounts and has tagged spend.
    assert all(t.accounts for t in truth.teams)


def test_rows_are_internally_consistent(small: tuple[Path, GroundTruth]) -> None:
    path, truth = small
    con = _con(path, truth)
    bad = _rows(con, """
        select
          count(*) filter (where ChargePeriodEnd <= ChargePeriodStart),
          count(*) filter (where ChargePeriodStart < BillingPeriodStart or ChargePeriodEnd > BillingPeriodEnd),
          count(*) filter (where PricingCategory = 'Standard' and ChargeCategory = 'Usage'
                             and not (BilledCost = EffectiveCost and EffectiveCost = ListCost)),
          count(*) filter (where CommitmentDiscountStatus = 'Used'
                             and not (BilledCost = 0 and EffectiveCost < ListCost)),
          count(*) filter (where CommitmentDiscountStatus = 'Unused' and not (BilledCost = 0 and EffectiveCost > 0)),
          count(*) filter (where abs(ListUnitPrice * PricingQuantity - ListCost) > 1e-6),
          count(*) filter (where ContractedCost != ListCost),
          count(*) filter (where BillingCurrency != 'USD' or ProviderName != 'AWS'),
          count(*) filter (where Tags is not null and not json_valid(Tags))
        from t""")[0]
    assert bad == (0,) * 9
    # Daily line items in a daily file; hourly ones in an hourly file.
    assert _rows(con, "select distinct ChargePeriodEnd - ChargePeriodStart from t where ChargeCategory = 'Usage'") \
        == [(timedelta(days=1),)]


def test_anomalies_are_where_the_truth_says(small: tuple[Path, GroundTruth]) -> None:
    path, truth = small
    con = _con(path, truth)
    assert {a.kind for a in truth.anomalies} == {"spike", "level_shift", "drift"}
    for a in truth.anomalies:
        ids = ", ".join(f"'{r}'" for r in a.resource_ids)
        daily = {d: float(c) for d, c in _rows(con, f"select ChargePeriodStart::date, sum(BilledCost::decimal(38, 8)) "
                                                    f"from t where ResourceId in ({ids}) group by 1")}
        assert daily == a.daily_added_cost, a.id
        assert set(_rows(con, f"select distinct ChargeDescription from t where ResourceId in ({ids})")) \
            == {(a.charge_description,)}
        series = dict(_rows(con, f"""
            select ChargePeriodStart::date, sum(BilledCost) from t
            where ChargeCategory = 'Usage' and ServiceName = '{a.service_name}'
              and SubAccountId = '{a.sub_account_id}' and alloc = '{a.team}'
            group by 1"""))
        rise, noise = _rise_over_noise(series, a.kind, a.start, a.end)
        assert rise >= 50 and rise >= 3 * noise, (a.id, a.kind, rise, noise)
        assert a.added_cost_per_day >= 50 and a.added_cost_per_day >= 3 * a.series_sigma_per_day


@pytest.mark.parametrize("which", ["small", "hourly"])
def test_commitments_match_data(which: str, request: pytest.FixtureRequest) -> None:
    path, truth = request.getfixturevalue(which)
    con = _con(path, truth)
    assert {c.type for c in truth.commitments} == {"Savings Plan", "Reserved Instance"}
    for c in truth.commitments:
        used, unused, covered_list = (float(v) for v in _rows(con, f"""
            select sum(EffectiveCost::decimal(38, 8)) filter (where CommitmentDiscountStatus = 'Used'),
                   sum(EffectiveCost::decimal(38, 8)) filter (where CommitmentDiscountStatus = 'Unused'),
                   sum(ListCost::decimal(38, 8)) filter (where CommitmentDiscountStatus = 'Used')
            from t where CommitmentDiscountId = '{c.id}'""")[0])
        assert (used, unused, covered_list) == (c.used_effective_cost, c.unused_cost, c.covered_list_cost)
        assert used / (used + unused) == pytest.approx(c.utilisation, abs=1e-12)
        assert 0.6 < c.utilisation < 1.0
        fee = float(_rows(con, f"select sum(BilledCost::decimal(38, 8)) from t where ChargeCategory = 'Purchase' "
                               f"and CommitmentDiscountId = '{c.id}'")[0][0])
        hours = (c.end - c.start).total_seconds() / 3600
        assert fee == c.fee == pytest.approx(c.hourly_commitment * hours, abs=1e-6)
        assert _close(fee, used + unused)
        where = " and ".join(f"{k} = '{v}'" for k, v in c.eligible_filter.items())
        eligible_list, eligible_effective = (float(v) for v in _rows(con, f"""
            select sum(ListCost::decimal(38, 8)), sum(EffectiveCost::decimal(38, 8)) from t
            where ChargeCategory = 'Usage' and coalesce(CommitmentDiscountStatus, '') != 'Unused' and {where}""")[0])
        assert eligible_list == c.eligible_list_cost
        assert covered_list / eligible_list == pytest.approx(c.coverage, abs=1e-12)
        assert 1 - (eligible_effective + unused) / eligible_list == pytest.approx(c.effective_savings_rate, abs=1e-12)
        # Unused rows: one per hour (or day) of the window; purchases: one per billing period.
        per_day = 24 if truth.granularity == "hourly" else 1
        assert _rows(con, f"select count(*) from t where CommitmentDiscountId = '{c.id}' "
                          f"and CommitmentDiscountStatus = 'Unused'")[0][0] == truth.spec.days * per_day
        assert len(c.periods) == len(truth.periods)


def test_hourly_file(hourly: tuple[Path, GroundTruth]) -> None:
    path, truth = hourly
    con = _con(path, truth)
    assert truth.granularity == "hourly" and pq.read_metadata(path).num_rows == HOURLY.rows
    steps = dict(_rows(con, "select ServiceName, max(ChargePeriodEnd - ChargePeriodStart) from t "
                            "where ChargeCategory = 'Usage' and CommitmentDiscountStatus is null group by 1"))
    assert steps["Amazon Relational Database Service"] == timedelta(hours=1)
    assert steps["Amazon Simple Storage Service"] == timedelta(days=1)
    billed = float(_rows(con, "select sum(BilledCost::decimal(38, 8)) from t")[0][0])
    assert billed == truth.totals.billed_cost


def test_same_spec_same_bytes(tmp_path: Path) -> None:
    spec = GeneratorSpec(seed=3, rows=6_000, days=30, accounts=4)
    for name, variant in (("x.parquet", spec), ("x.csv", spec.model_copy(update={"bad_rows": 12}))):
        a, b = tmp_path / "a" / name, tmp_path / "b" / name
        write(variant, a)
        write(variant, b)
        assert a.read_bytes() == b.read_bytes(), name
        assert truth_path(a).read_bytes() == truth_path(b).read_bytes(), name
    other = write(spec.model_copy(update={"seed": 4}), tmp_path / "c" / "x.parquet")
    assert other.totals != GroundTruth.load(truth_path(tmp_path / "a" / "x.parquet")).totals


def test_csv_round_trip(tmp_path: Path, small: tuple[Path, GroundTruth]) -> None:
    parquet, _ = small
    path = tmp_path / "small.csv"
    truth = write(SMALL, path)
    header, line = path.read_text().splitlines()[:2]
    assert header == ",".join(f'"{c}"' for c in FOCUS_COLUMNS)
    con = duckdb.connect()
    described = {name: kind for name, kind, *_ in con.sql(f"describe select * from read_csv('{path}')").fetchall()}
    for name, kind in FOCUS_COLUMNS.items():
        if name in ("ChargeClass", "CapacityReservationId", "CapacityReservationStatus"):
            continue  # all null: a CSV cannot say what type an empty column has
        if name in ("BillingAccountId", "SubAccountId"):
            continue  # all digits: a sniffer guesses numbers, so readers must be given the types (below)
        assert described[name] == DUCKDB_TYPES[kind], name
    network = next(a.id for a in truth.accounts if a.role == "network")
    assert network.startswith("0") and len(network) == 12
    assert ",2024-02-01 00:00:00,2024-01-01 00:00:00," in line  # YYYY-MM-DD HH:MM:SS, unquoted
    types = ", ".join(f"'{c}': '{DUCKDB_TYPES[k]}'" for c, k in FOCUS_COLUMNS.items())
    csv_rel = f"read_csv('{path}', columns = {{{types}}}, header = true)"
    assert con.sql(f"select count(*) from {csv_rel}").fetchall()[0][0] == truth.rows == SMALL.rows
    # Same values, same nulls, as the Parquet file of the same spec.
    differ = con.sql(f"select count(*) from ((select * from {csv_rel}) except all "
                     f"(select * from read_parquet('{parquet}')))").fetchall()[0][0]
    assert differ == 0
    nulls = con.sql(f"select count(*) filter (where Tags is null), count(*) filter (where ResourceId is null) "
                    f"from {csv_rel}").fetchall()[0]
    assert nulls == con.sql(f"select count(*) filter (where Tags is null), count(*) filter (where ResourceId is null) "
                            f"from read_parquet('{parquet}')").fetchall()[0]
    assert nulls[0] > 0 and nulls[1] > 0


def test_csv_bad_rows_are_counted(tmp_path: Path) -> None:
    spec = GeneratorSpec(seed=8, rows=10_000, days=45, accounts=6, bad_rows=60)
    path = tmp_path / "bad.csv"
    truth = write(spec, path)
    assert truth.file_rows == spec.rows + spec.bad_rows == len(path.read_text().splitlines()) - 1
    assert truth.bad_rows.count == 60 and sum(k.count for k in truth.bad_rows.by_kind.values()) == 60
    assert set(truth.bad_rows.by_kind) == set(BAD_ROW_KINDS)
    con = duckdb.connect()
    con.execute(f"create view raw as select *, row_number() over () as line "
                f"from read_csv('{path}', all_varchar = true, header = true)")
    found = dict(con.sql("""
        select 'unparseable_cost', count(*) from raw where try_cast(BilledCost as double) is null union all
        select 'unknown_currency', count(*) from raw where BillingCurrency = 'XYZ' union all
        select 'null_charge_period_start', count(*) from raw where ChargePeriodStart is null union all
        select 'end_before_start', count(*) from raw where ChargePeriodEnd::timestamp < ChargePeriodStart::timestamp
        union all
        select 'malformed_tags', count(*) from raw where Tags is not null and not json_valid(Tags) union all
        select 'duplicate', (select count(*) from raw) - (select count(*) from (select distinct * exclude (line)
                                                                               from raw))
    """).fetchall())
    assert found == {k: v.count for k, v in truth.bad_rows.by_kind.items()}
    assert truth.bad_rows.by_kind["unparseable_cost"].billed_cost is None
    # The truth names every bad line; the rest are exactly the valid rows.
    lines = ", ".join(str(r.line) for r in truth.bad_rows.rows)
    kinds = dict(con.sql(f"select line, case when try_cast(BilledCost as double) is null then 'unparseable_cost' "
                         f"when BillingCurrency = 'XYZ' then 'unknown_currency' "
                         f"when ChargePeriodStart is null then 'null_charge_period_start' "
                         f"when ChargePeriodEnd::timestamp < ChargePeriodStart::timestamp then 'end_before_start' "
                         f"when Tags is not null and not json_valid(Tags) then 'malformed_tags' "
                         f"else 'duplicate' end from raw where line in ({lines})").fetchall())
    assert kinds == {r.line: r.kind for r in truth.bad_rows.rows}
    valid = con.sql(f"select count(*), sum(BilledCost::decimal(38, 8)) from raw where line not in ({lines})")
    count, billed = valid.fetchall()[0]
    assert (count, float(billed)) == (spec.rows, truth.totals.billed_cost)
    parseable = con.sql(f"select sum(BilledCost::decimal(38, 8)) from raw where line in ({lines}) "
                        f"and try_cast(BilledCost as double) is not null").fetchall()[0][0]
    assert float(parseable) == pytest.approx(sum(k.billed_cost or 0 for k in truth.bad_rows.by_kind.values()))


def test_tag_variants_on_and_off(tmp_path: Path, small: tuple[Path, GroundTruth]) -> None:
    path, truth = small
    plain = write(SMALL.model_copy(update={"tag_variants": False}), tmp_path / "plain.parquet")
    keys_sql = "select distinct unnest(json_keys(Tags)) from read_parquet('{}') where Tags is not null"
    envs_sql = ("select distinct coalesce(json_extract_string(Tags, '$.env'), json_extract_string(Tags, "
                "'$.Environment'), json_extract_string(Tags, '$.environment')) from read_parquet('{}')")
    with_variants = {k for (k,) in duckdb.sql(keys_sql.format(path)).fetchall()}
    without = {k for (k,) in duckdb.sql(keys_sql.format(tmp_path / "plain.parquet")).fetchall()}
    assert {"team", "Team", "owner", "env", "Environment", "environment"} <= with_variants
    assert without == {"team", "env", "cost-center", "application"}
    assert {"production", "Prod", "development"} & {v for (v,) in duckdb.sql(envs_sql.format(path)).fetchall()}
    assert {v for (v,) in duckdb.sql(envs_sql.format(tmp_path / "plain.parquet")).fetchall()} <= {
        "prod", "dev", "staging", None}
    assert truth.tag_keys["team"] == ["Team", "owner", "team"] and plain.tag_keys["team"] == ["team"]
    assert all(vs == [team] for team, vs in plain.tag_values["team"].items())
    # The untagged share is the spec's, and untagged rows carry no team key in any spelling.
    assert truth.untagged_resources / truth.resources == pytest.approx(SMALL.untagged_fraction, abs=0.05)


def test_switches_and_limits(tmp_path: Path) -> None:
    bare = write(GeneratorSpec(seed=2, rows=5_000, days=30, accounts=4, anomalies=False, commitments=False),
                 tmp_path / "bare.parquet")
    assert bare.anomalies == [] and bare.commitments == []
    assert "committed_usage" not in bare.by_kind and "anomaly" not in bare.by_kind
    assert pq.read_metadata(tmp_path / "bare.parquet").num_rows == 5_000
    with pytest.raises(ValueError, match="too few"):
        write(GeneratorSpec(rows=300, days=90), tmp_path / "tiny.parquet")
    with pytest.raises(ValueError, match="CSV"):
        write(GeneratorSpec(rows=5_000, days=30, bad_rows=3), tmp_path / "x.parquet")
    with pytest.raises(ValueError):
        GeneratorSpec(services={"ec2": 1.0, "mainframe": 1.0})
    with pytest.raises(ValueError):
        GeneratorSpec(teams=["Payments"])
    with pytest.raises(ValueError):
        GeneratorSpec(colour="blue")  # type: ignore[call-arg]


def test_cli_writes_and_summarises(tmp_path: Path) -> None:
    out = tmp_path / "cli.csv"
    result = CliRunner().invoke(generate_command, [str(out), "--rows", "4000", "--days", "30", "--seed", "1",
                                                   "--bad-rows", "6", "--no-anomalies"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("4,000 rows + 6 bad, BilledCost ") and "cli.csv.truth.json" in result.output
    truth = GroundTruth.load(truth_path(out))
    assert truth.format == "csv" and truth.anomalies == [] and truth.spec.start == date(2024, 1, 1)
    result = CliRunner().invoke(generate_command, [str(tmp_path / "x.parquet"), "--bad-rows", "2"])
    assert result.exit_code != 0 and "CSV" in result.output
