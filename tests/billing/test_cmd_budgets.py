"""`finguard billing budgets` end to end through the CLI, on a real DuckDB store of generated FOCUS data whose
per-team totals are known (ground truth) and on the public FOCUS sample: actuals, projections, exit codes, the
files of --out, and one-line errors for bad input."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from finguard.billing.engine import DuckDBEngine
from finguard.billing.generate import GeneratorSpec, GroundTruth, write
from finguard.billing.ingest import ingest
from finguard.billing.store import BillingStore
from tests.conftest import SHARED, needs_shared
from tests.test_cli import run

SAMPLE = SHARED / "billing" / "focus-1.0" / "focus_sample.csv"
# 2024-01-01 to 2024-03-15; seed 0 injects a spike (2024-03-03, S3 of team search) and a level shift (2024-02-24,
# Lambda of team checkout) that the anomaly tests look for
SPEC = GeneratorSpec(seed=0, rows=12_000, days=75, commitments=False)
ENVIRONMENT = {"tags": ["environment", "env"], "values": {"production": ["prod", "production"],
                                                          "development": ["dev", "development"],
                                                          "staging": ["staging", "stage"]}}
CONFIG_BUDGETS = """
  budgets:
    currency: USD
    budgets:
      - name: everything
        amount: 10000000
"""


@dataclass
class Store:
    """A generated store and the finguard.yml that allocates it like the generator's truth."""

    directory: Path
    db: Path
    config: Path
    truth: GroundTruth

    def args(self, command: str, *more: str) -> list[str]:
        return ["billing", command, "--db", str(self.db), "--config", str(self.config), *more]

    def sql(self, query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        con = duckdb.connect(str(self.db), read_only=True)
        try:
            return con.execute(query, params or []).fetchall()
        finally:
            con.close()


def config_text(truth: GroundTruth, extra: str = "") -> str:
    """finguard.yml allocating like the generator's truth (`by_team`): tags first (team/owner in any case, values
    folded), then each workload account's owner; the environment dimension rides along as tag_environment.
    `extra` adds YAML keys under `billing:` (indented two spaces)."""
    rules = [{"name": f"account {a.id}", "match": {"account": a.id}, "set": {"team": a.owner}}
             for a in truth.accounts if a.owner]
    allocation = {"precedence": "tags-first", "rules": rules, "dimensions": {
        "team": {"tags": ["team", "owner"], "lowercase": True}, "environment": ENVIRONMENT}}
    return f"billing:\n  allocation: {json.dumps(allocation)}\n{extra}"


def build_store(directory: Path, extra_config: str = "") -> Store:
    """Generate, ingest (through the library: the CLI's ingest has tests of its own) and write finguard.yml."""
    directory.mkdir(parents=True, exist_ok=True)
    data = directory / "g.parquet"
    truth = write(SPEC, data, "parquet")
    db = directory / "b.duckdb"
    with BillingStore(db) as store:
        ingest([data], store, DuckDBEngine(store.con))
    config = directory / "finguard.yml"
    config.write_text(config_text(truth, extra_config), encoding="utf-8")
    return Store(directory, db, config, truth)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return build_store(tmp_path_factory.mktemp("budgets"), CONFIG_BUDGETS)


def budgets_file(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


BUDGETS = """
currency: USD
budgets:
  - name: search-monthly
    owner: search
    amount: 4000
  - name: ec2
    service: Amazon Elastic Compute Cloud
    amount: 1000000
  - name: prod-quarter
    tag: {environment: production}
    period: quarterly
    amount: 1000000
  - name: payments-tiny
    owner: payments
    kind: direct
    amount: 1
"""


def _json(store: Store, capsys: pytest.CaptureFixture[str], *more: str) -> dict[str, Any]:
    code, out, err = run(capsys, *store.args("budgets", "--json", *more))
    assert code == 0, err
    return json.loads(out)


def _by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in report["results"]}


# -- numbers -------------------------------------------------------------------------------------------------
def test_month_end_actuals_equal_the_truth_and_the_allocated_sums(store: Store, capsys) -> None:
    path = budgets_file(store.directory, "b.yml", BUDGETS)
    report = _json(store, capsys, "--budgets", str(path), "--as-of", "2024-02-29")
    got = _by_name(report)
    assert report["as_of"] == "2024-02-29" and report["currency"] == "USD"
    feb = next(p for p in store.truth.periods if p.period == date(2024, 2, 1))
    search = got["search-monthly"]
    # the generator's exact sum of the team's February rows (team tag, else its account's owner)
    assert search["actual"] == pytest.approx(feb.by_team["search"].billed_cost, abs=1e-6)
    assert (search["period_start"], search["period_end"], search["remaining_days"]) == ("2024-02-01", "2024-02-29", 0)
    assert search["projected"] == pytest.approx(search["actual"], abs=1e-9)
    assert search["variance"] == pytest.approx(search["actual"] - 4000, abs=1e-6)
    ec2 = store.sql("SELECT sum(cost) FROM allocated_daily WHERE ServiceName = 'Amazon Elastic Compute Cloud' "
                    "AND day BETWEEN '2024-02-01' AND '2024-02-29'")[0][0]
    assert got["ec2"]["actual"] == pytest.approx(ec2, abs=1e-6)
    prod = store.sql("SELECT sum(cost) FROM allocated_daily WHERE tag_environment = 'production' "
                     "AND day BETWEEN '2024-01-01' AND '2024-02-29'")[0][0]
    assert got["prod-quarter"]["actual"] == pytest.approx(prod, abs=1e-6) and prod > 0
    assert (got["prod-quarter"]["period_start"], got["prod-quarter"]["remaining_days"]) == ("2024-01-01", 31)
    assert got["payments-tiny"]["status"] == "over" and got["search-monthly"]["status"] in ("ok", "at_risk")


def test_mid_month_projection_repeats_last_weeks_same_weekday(store: Store, capsys) -> None:
    path = budgets_file(store.directory, "b.yml", BUDGETS)
    search = _by_name(_json(store, capsys, "--budgets", str(path), "--as-of", "2024-03-10"))["search-monthly"]
    rows = store.sql("SELECT day, sum(cost) FROM allocated_daily WHERE owner = 'search' "
                     "AND day BETWEEN '2024-03-01' AND '2024-03-10' GROUP BY day")
    daily = {d: float(c) for d, c in rows}
    actual = sum(daily.values())
    # 7-day lookback (03-04..03-10): each remaining day (03-11..03-31) costs what its weekday cost last week
    last_week = {d.weekday(): daily.get(d, 0.0) for d in (date(2024, 3, 4) + timedelta(days=k) for k in range(7))}
    rest = sum(last_week[(date(2024, 3, 11) + timedelta(days=k)).weekday()] for k in range(21))
    assert search["actual"] == pytest.approx(actual, abs=1e-6)
    assert search["projected"] == pytest.approx(actual + rest, abs=1e-6)
    assert search["remaining_days"] == 21 and search["data_through"] == "2024-03-10"
    assert search["status"] == ("over" if actual + rest >= 4000 else "at_risk" if actual + rest >= 3600 else "ok")


def test_default_as_of_is_the_last_day_of_data_and_budgets_come_from_finguard_yml(store: Store, capsys) -> None:
    code, out, err = run(capsys, *store.args("budgets"))
    assert code == 0, err
    total = store.sql("SELECT sum(cost) FROM allocated_daily WHERE day >= '2024-03-01'")[0][0]
    assert out.splitlines()[0] == "budgets (USD): 1 budget(s) as of 2024-03-15, data through 2024-03-15: 1 ok"
    assert "  everything  2024-03: actual " + _money(total) in out
    assert out.rstrip().endswith("OK")


def _money(value: float) -> str:
    return f"${value:,.2f}"


# -- exit codes and files ------------------------------------------------------------------------------------
def test_fail_on_over_exits_1_only_when_asked_and_only_when_over(store: Store, capsys) -> None:
    over = budgets_file(store.directory, "over.yml", BUDGETS)
    code, out, err = run(capsys, *store.args("budgets", "--budgets", str(over), "--fail-on-over"))
    assert code == 1 and "payments-tiny" in err and "projected over" in err
    assert "payments-tiny" in out and "OVER" in out  # the report is printed before the exit
    code, out, _ = run(capsys, *store.args("budgets", "--budgets", str(over)))
    assert code == 0 and "OVER" in out
    # finguard.yml's budget (ten million) is fine: no exit 1 even with the flag
    assert run(capsys, *store.args("budgets", "--fail-on-over"))[0] == 0


def test_out_writes_markdown_json_html_and_csv(store: Store, capsys, tmp_path: Path) -> None:
    path = budgets_file(store.directory, "b.yml", BUDGETS)
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, *store.args("budgets", "--budgets", str(path), "--as-of", "2024-03-10",
                                             "--out", str(out_dir)))
    assert code == 0, err
    assert sorted(p.name for p in out_dir.iterdir()) == ["budgets.csv", "budgets.html", "budgets.json", "budgets.md"]
    assert f"wrote budgets.md, budgets.json, budgets.html and 1 CSV file(s) to {out_dir}" in out
    report = json.loads((out_dir / "budgets.json").read_text())
    got = _by_name(report)
    html = (out_dir / "budgets.html").read_text()
    assert "<svg" in html and 'id="chart-budgets"' in html and html.count("<section") == 1
    for name, r in got.items():
        assert f'data-budget="{name}" data-status="{r["status"]}"' in html
    assert 'class="bar bar-bad"' in html  # payments-tiny, in the status colour
    md = (out_dir / "budgets.md").read_text()
    assert md.startswith("## Budgets\n")
    tiny = got["payments-tiny"]
    assert (f"| payments-tiny | 2024-03 | $1.00 | {_money(tiny['actual'])} | {_money(tiny['projected'])} | "
            f"+{_money(tiny['variance'])} | {tiny['variance_pct']:+.1f}% | :red_circle: over |") in md.splitlines()
    with (out_dir / "budgets.csv").open(newline="") as f:
        rows = {r["name"]: r for r in csv.DictReader(f)}
    assert set(rows) == set(got)
    assert float(rows["ec2"]["actual"]) == pytest.approx(got["ec2"]["actual"], abs=1e-6)
    assert rows["ec2"]["currency"] == "USD" and rows["payments-tiny"]["status"] == "over"


def test_compute_is_none_without_budgets_for_the_combined_report(store: Store) -> None:
    from finguard.billing.config import BillingConfig
    from finguard.commands.billing_budgets import compute
    from finguard.config import load_config

    config = load_config(store.config).billing
    with BillingStore(store.db, create=False) as s:
        engine = DuckDBEngine(s.con)
        assert compute(s, engine, BillingConfig(), periods=[], currency="USD", as_of=date(2024, 3, 1)) is None
        report = compute(s, engine, config, periods=[], currency="USD", as_of=date(2024, 3, 1))
    assert report is not None and report.currency == "USD" and report.results[0].name == "everything"
    assert report.results[0].period_start == date(2024, 3, 1)


# -- bad input: exit 2, one line -----------------------------------------------------------------------------
def _one_line_error(capsys, args: list[str]) -> str:
    code, out, err = run(capsys, *args)
    assert code == 2 and out == "" and "Traceback" not in err
    assert err.count("\n") == 1 and err.startswith("finguard: error: "), err
    return err


def test_no_budgets_anywhere_says_how_to_add_them(tmp_path: Path, capsys) -> None:
    config = tmp_path / "finguard.yml"
    config.write_text("billing: {}\n", encoding="utf-8")
    err = _one_line_error(capsys, ["billing", "budgets", "--config", str(config), "--db", str(tmp_path / "x.db")])
    assert "no budgets configured" in err and "--budgets FILE" in err and "finguard.yml" in err


def test_typo_in_the_budgets_file_is_named(store: Store, capsys) -> None:
    typo = budgets_file(store.directory, "typo.yml", "budgets:\n  - name: web\n    amount: 10\n    servce: EC2\n")
    err = _one_line_error(capsys, store.args("budgets", "--budgets", str(typo)))
    assert str(typo) in err and "budgets[0].servce" in err
    missing = store.directory / "missing.yml"
    err = _one_line_error(capsys, store.args("budgets", "--budgets", str(missing)))
    assert str(missing) in err and "cannot read" in err


def test_budget_currency_must_match_the_bill(store: Store, capsys) -> None:
    eur = budgets_file(store.directory, "eur.yml", "currency: EUR\nbudgets:\n  - name: all\n    amount: 10\n")
    err = _one_line_error(capsys, store.args("budgets", "--budgets", str(eur)))
    assert "no charges in EUR" in err and "USD" in err


def test_bad_as_of_and_missing_store(store: Store, capsys, tmp_path: Path) -> None:
    code, out, err = run(capsys, *store.args("budgets", "--as-of", "03/10/2024"))
    assert code == 2 and out == "" and "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("Error:")]
    assert errors == ["Error: Invalid value for '--as-of': '03/10/2024' does not match the format '%Y-%m-%d'."]
    nowhere = tmp_path / "nowhere.duckdb"
    err = _one_line_error(capsys, ["billing", "budgets", "--db", str(nowhere), "--config", str(store.config)])
    assert str(nowhere) in err and "no billing store here yet" in err and not nowhere.exists()


# -- the public FOCUS sample ---------------------------------------------------------------------------------
@needs_shared
def test_focus_sample_budgets_per_provider(tmp_path: Path, capsys) -> None:
    db = tmp_path / "s.duckdb"
    config = tmp_path / "finguard.yml"
    config.write_text("billing: {}\n", encoding="utf-8")
    assert run(capsys, "billing", "ingest", str(SAMPLE), "--db", str(db), "--config", str(config))[0] == 0
    path = budgets_file(tmp_path, "b.yml", "budgets:\n" + "".join(
        f"  - {{name: {p.lower()}, provider: {p}, amount: {a}}}\n"
        for p, a in (("AWS", 10), ("Microsoft", 100), ("Oracle", 100))))
    args = ["billing", "budgets", "--db", str(db), "--config", str(config), "--budgets", str(path),
            "--as-of", "2024-09-30"]
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    got = _by_name(json.loads(out))
    # published per-provider BilledCost (see test_ingest); September holds every day of the sample
    assert got["aws"]["actual"] == pytest.approx(18.006639, abs=1e-6)
    assert got["microsoft"]["actual"] == pytest.approx(1.976514, abs=1e-6)
    assert got["oracle"]["actual"] == pytest.approx(0.537074, abs=1e-6)
    assert sum(r["actual"] for r in got.values()) == pytest.approx(20.52022672899, abs=1e-9)
    assert [got[n]["status"] for n in ("aws", "microsoft", "oracle")] == ["over", "ok", "ok"]
    code, out, err = run(capsys, *args, "--fail-on-over")
    assert code == 1 and "aws" in err and "OVER" in out
