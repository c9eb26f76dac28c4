"""Ingest: the real FOCUS sample reconciles exactly; bad rows are rejected with reasons and kept; re-ingest
replaces partitions; bad input is one clear line and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from finguard.billing.engine import DuckDBEngine
from finguard.billing.generate import GeneratorSpec, write
from finguard.billing.ingest import ingest
from finguard.billing.store import BillingStore
from finguard.errors import InputError
from tests.conftest import SHARED, needs_shared
from tests.test_cli import run

SAMPLE = SHARED / "billing" / "focus-1.0" / "focus_sample.csv"
HEADER = ("BilledCost,EffectiveCost,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,"
          "ChargePeriodEnd,ChargeCategory,ProviderName,BillingAccountId,ServiceName,ResourceId,Tags,x_Note\n")
ROW = ('{cost},{cost},{cur},2024-09-01,2024-10-01,{start},2024-09-02,{cat},AWS,111,EC2,i-{n},'
       '"{{""team"": ""a""}}",n{n}\n')


def _ingest(tmp_path: Path, *files: Path):
    with BillingStore(tmp_path / "b.duckdb") as store:
        return ingest(list(files), store, DuckDBEngine(store.con))


def _csv(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


@needs_shared
def test_focus_sample_reconciles_to_the_published_totals(tmp_path):
    result = _ingest(tmp_path, SAMPLE)
    f = result.files[0]
    assert (f.format, f.rows_read, f.rows_accepted, f.rows_rejected) == ("focus", 1000, 1000, 0)
    assert round(f.cost_read, 2) == 20.52 and f.cost_accepted == pytest.approx(20.52022672899, abs=1e-9)
    assert f.periods == ["2024-09-01", "2024-10-01"]
    assert any("negative BilledCost" in w and "Credit" in w for w in f.warnings)
    con = duckdb.connect(str(tmp_path / "b.duckdb"), read_only=True)
    by_provider = dict(con.execute("SELECT ProviderName, round(sum(BilledCost), 6) FROM charges GROUP BY 1").fetchall())
    assert by_provider == {"AWS": 18.006639, "Microsoft": 1.976514, "Oracle": 0.537074}
    # the sample's own `Id` column is not FOCUS: kept in x_Extra, not dropped
    extra = con.execute("SELECT x_Extra['Id'] FROM charges WHERE x_SourceRow = 1").fetchone()[0]
    assert extra == "11472"
    run_row = con.execute("SELECT rows_read, rows_accepted, cost_read FROM ingest_runs").fetchone()
    assert run_row[:2] == (1000, 1000) and round(run_row[2], 2) == 20.52


@needs_shared
def test_reingest_replaces_the_same_partitions_idempotently(tmp_path):
    first = _ingest(tmp_path, SAMPLE)
    second = _ingest(tmp_path, SAMPLE)
    assert first.stored_rows == second.stored_rows == 1000
    assert second.replaced_rows == 1000


def test_partitions_of_other_accounts_survive_a_reingest(tmp_path):
    a = _csv(tmp_path / "a.csv", [ROW.format(cost=1, cur="USD", start="2024-09-01", cat="Usage", n=1)])
    b = tmp_path / "b.csv"
    b.write_text(a.read_text().replace(",111,", ",222,"), encoding="utf-8")
    _ingest(tmp_path, a)
    _ingest(tmp_path, b)
    again = _ingest(tmp_path, a)
    assert again.stored_rows == 2 and again.replaced_rows == 1


def test_generated_bad_rows_are_rejected_with_reasons_and_kept(tmp_path):
    data = tmp_path / "g.csv"
    truth = write(GeneratorSpec(seed=5, rows=6000, days=30, bad_rows=12), data, "csv")
    f = _ingest(tmp_path, data).files[0]
    assert f.rows_read == truth.file_rows == 6012
    assert (f.rows_accepted, f.rows_rejected) == (truth.rows, 12)
    assert f.cost_accepted == pytest.approx(truth.totals.billed_cost, abs=1e-6)
    readable = sum(k.billed_cost or 0.0 for k in truth.bad_rows.by_kind.values())
    assert f.cost_rejected == pytest.approx(readable, abs=1e-6)
    assert f.cost_read == pytest.approx(f.cost_accepted + f.cost_rejected, abs=1e-9)
    codes = {r.code: r.rows for r in f.rejects}
    assert codes == {"charge-period-reversed": 2, "duplicate-row": 2, "malformed-tags": 2,
                     "missing:ChargePeriodStart": 2, "not-a-number:BilledCost": 2, "unknown-currency": 2}
    con = duckdb.connect(str(tmp_path / "b.duckdb"), read_only=True)
    lines = sorted(r.line for r in truth.bad_rows.rows)
    assert sorted(r[0] for r in con.execute("SELECT x_SourceRow FROM rejected_rows").fetchall()) == lines
    raw, reason = con.execute(
        "SELECT raw, reason FROM rejected_rows WHERE code LIKE 'not-a-number%' LIMIT 1").fetchone()
    assert raw["BilledCost"] == "abc" and "'abc'" in reason


def test_every_check_names_column_and_value(tmp_path):
    rows = [
        ROW.format(cost="1.5", cur="USD", start="2024-09-01", cat="Usage", n=1),
        ROW.format(cost="1.2.5", cur="USD", start="2024-09-01", cat="Usage", n=2),
        ROW.format(cost="1", cur="usd", start="2024-09-01", cat="Usage", n=3),
        ROW.format(cost="1", cur="USD", start="yesterday", cat="Usage", n=4),
        ROW.format(cost="1", cur="USD", start="2024-09-01", cat="Discount", n=5),
        ROW.format(cost="-3", cur="USD", start="2024-09-01", cat="Credit", n=6),
    ]
    f = _ingest(tmp_path, _csv(tmp_path / "x.csv", rows)).files[0]
    reasons = {r.code: r.example for r in f.rejects}
    assert reasons["not-a-number:BilledCost"] == "row 2: BilledCost is not a number: '1.2.5'"
    assert reasons["unknown-currency"] == "row 3: BillingCurrency 'usd' is not an ISO 4217 currency code"
    assert reasons["not-a-timestamp:ChargePeriodStart"] == "row 4: ChargePeriodStart is not a date-time: 'yesterday'"
    assert reasons["unknown-charge-category"].startswith("row 5: ChargeCategory 'Discount' is not one of Usage")
    assert (f.rows_accepted, f.rows_rejected) == (2, 4)
    assert f.cost_accepted == pytest.approx(-1.5)
    assert f.cost_rejected == pytest.approx(3.0) and f.unreadable_cost_rows == 1


def test_values_padded_with_whitespace_parse_like_bare_ones(tmp_path):
    """Padded text is a number or date-time like bare text, and blank text is missing, not zero.

    Text is cast as is first and trimmed only if that fails; DuckDB's cast already skips whitespace, so this
    guards the values, not the retry (which is there for engines whose casts do not)."""
    rows = [
        ROW.format(cost=" 1.25 ", cur="USD", start=" 2024-09-01T05:00:00Z", cat="Usage", n=1),
        ROW.format(cost="\t2.5", cur="USD", start="2024-09-01T06:00:00Z\t", cat="Usage", n=2),
        ROW.format(cost="   ", cur="USD", start="2024-09-01", cat="Usage", n=3),
    ]
    f = _ingest(tmp_path, _csv(tmp_path / "x.csv", rows)).files[0]
    assert (f.rows_accepted, f.rows_rejected) == (2, 1)
    assert [r.code for r in f.rejects] == ["missing:BilledCost"]
    con = duckdb.connect(str(tmp_path / "b.duckdb"), read_only=True)
    got = con.execute("SELECT BilledCost, strftime(ChargePeriodStart, '%Y-%m-%d %H:%M') FROM charges "
                      "ORDER BY x_SourceRow").fetchall()
    assert got == [(1.25, "2024-09-01 05:00"), (2.5, "2024-09-01 06:00")]


def test_malformed_csv_lines_are_rejected_not_fatal(tmp_path):
    good = ROW.format(cost=2, cur="USD", start="2024-09-01", cat="Usage", n=1)
    path = tmp_path / "ragged.csv"
    path.write_text(HEADER + good + "1,2,3\n" + good.replace("i-1", "i-2"), encoding="utf-8")
    f = _ingest(tmp_path, path).files[0]
    assert f.rows_accepted == 2
    assert [r.code for r in f.rejects] == ["malformed-line"] and f.rows_read == 3


def test_missing_required_columns_is_an_input_error_naming_the_file(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("BilledCost,BillingCurrency,BillingPeriodStart,ChargePeriodStart,ChargeCategory\n1,USD,2024-09-01,"
                    "2024-09-01,Usage\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        _ingest(tmp_path, path)
    assert str(path) in str(err.value) and "EffectiveCost" in str(err.value)
    assert BillingStore(tmp_path / "b.duckdb").count() == 0  # nothing half-written


def test_cli_ingest_prints_reconciliation_and_exit_codes(tmp_path, capsys):
    data = _csv(tmp_path / "x.csv", [ROW.format(cost=1, cur="USD", start="2024-09-01", cat="Usage", n=1),
                                     ROW.format(cost="bad", cur="USD", start="2024-09-01", cat="Usage", n=2)])
    db = tmp_path / "s.duckdb"
    code, out, err = run(capsys, *["billing", "ingest", str(data), "--db", str(db)])
    assert code == 0, err
    assert "rows read 2 = accepted 1 + rejected 1" in out and "BilledCost read 1.00 USD = accepted 1.00" in out
    code, out, _ = run(capsys, *["billing", "ingest", str(data), "--db", str(db), "--fail-on-rejects", "--json"])
    assert code == 1 and json.loads(out)["files"][0]["rows_rejected"] == 1
    code, _, err = run(capsys, *["billing", "ingest", str(tmp_path / "nope.csv"), "--db", str(db)])
    assert code == 2 and "no such file" in err and "Traceback" not in err
    notdb = tmp_path / "not.duckdb"
    notdb.write_text("hello", encoding="utf-8")
    code, _, err = run(capsys, *["billing", "ingest", str(data), "--db", str(notdb)])
    assert code == 2 and "cannot open the billing store" in err
