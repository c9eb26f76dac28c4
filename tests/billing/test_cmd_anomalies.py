"""`finguard billing anomalies` end to end through the CLI, on a real DuckDB store of generated FOCUS data with
injected anomalies (ground truth) and on the public FOCUS sample: what is found, on which day and series, with
which resources; the default window, --as-of, exit codes, the files of --out, and one-line errors."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from finguard.billing.engine import DuckDBEngine
from finguard.billing.store import BillingStore
from tests.billing.test_cmd_budgets import SAMPLE, Store, build_store, config_text
from tests.conftest import needs_shared
from tests.test_cli import run

KEYS = ["ServiceName", "SubAccountId", "owner"]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return build_store(tmp_path_factory.mktemp("anomalies"))


def _json(store: Store, capsys: pytest.CaptureFixture[str], *more: str, config: Path | None = None
          ) -> dict[str, Any]:
    args = store.args("anomalies", "--json", *more)
    if config is not None:
        args[args.index("--config") + 1] = str(config)
    code, out, err = run(capsys, *args)
    assert code == 0, err
    return json.loads(out)


def _found(report: dict[str, Any]) -> dict[tuple[str, str, str, str, str], dict[str, Any]]:
    return {(a["kind"], a["date"], a["key"]["ServiceName"], a["key"]["SubAccountId"], a["key"]["owner"]): a
            for a in report["anomalies"]}


# -- what is found -------------------------------------------------------------------------------------------
def test_injected_anomalies_are_found_on_their_series_with_their_resources(store: Store, capsys) -> None:
    report = _json(store, capsys, "--since", "2024-01-01")
    assert (report["as_of"], report["since"], report["keys"], report["currency"]) == (
        "2024-03-15", "2024-01-01", KEYS, "USD")
    series = store.sql("SELECT count(*) FROM (SELECT DISTINCT ServiceName, SubAccountId, owner FROM allocated_daily "
                       "WHERE ChargeFrequency IS NULL OR ChargeFrequency NOT IN ('Recurring', 'One-Time'))")
    assert report["series_count"] == series[0][0]
    found = _found(report)
    # fees, support and tax billed on the 1st are not usage: no month start is an anomaly unless one began there
    starts = {t.start.isoformat() for t in store.truth.anomalies}
    assert not [k for k in found if k[1].endswith("-01") and k[1] not in starts]
    kinds = sorted(a.kind for a in store.truth.anomalies)
    assert kinds == ["drift", "level_shift", "spike"]
    for truth in store.truth.anomalies:
        key = (truth.service_name, truth.sub_account_id, truth.team)
        if truth.kind == "drift":  # reported at its estimated onset, within the ramp
            a = next(a for k, a in found.items() if k[0] == "drift" and k[2:] == key)
            assert truth.start <= date.fromisoformat(a["date"]) <= (truth.ramp_end or truth.start)
            assert a["root_cause"][0]["resource_id"] in truth.resource_ids
            continue
        a = found[(truth.kind, truth.start.isoformat(), *key)]  # on its first day, on its series
        assert a["impact_per_day"] == pytest.approx(truth.added_cost_per_day, abs=5.0)
        assert a["confirmed"] is True and a["score"] >= 3.0
        cause = a["root_cause"][0]
        assert cause["resource_id"] in truth.resource_ids and cause["baseline"] == 0.0
        assert cause["delta"] == pytest.approx(truth.daily_added_cost[truth.start], abs=0.01)
        # the day's actual is the allocated cost of the series that day
        day_cost = store.sql("SELECT sum(cost) FROM allocated_daily WHERE ServiceName = ? AND SubAccountId = ? "
                             "AND owner = ? AND day = ?", [*key, truth.start])[0][0]
        assert a["actual"] == pytest.approx(day_cost, abs=0.006)
    spike = next(a for a in store.truth.anomalies if a.kind == "spike")
    got = found[("spike", spike.start.isoformat(), spike.service_name, spike.sub_account_id, spike.team)]
    assert got["impact_total"] == got["impact_per_day"]  # one day, back to normal the next


def test_default_window_is_the_last_report_days_of_data(store: Store, capsys) -> None:
    code, out, err = run(capsys, *store.args("anomalies"))
    assert code == 0, err
    spike = next(a for a in store.truth.anomalies if a.kind == "spike")
    lines = out.splitlines()
    assert lines[0].startswith("anomalies (USD): 1 anomaly detected from 2024-03-02 to 2024-03-15 in ")
    assert lines[1].startswith(f"  {spike.start} spike: {spike.service_name} / {spike.sub_account_id} / "
                               f"{spike.team}: +$")
    assert lines[2].startswith(f"      cause: {spike.resource_ids[0]} (")
    # an --as-of past the data (a lagging export) is the last day of data: the window stays the same
    report = _json(store, capsys, "--as-of", "2024-04-30")
    assert (report["as_of"], report["since"], len(report["anomalies"])) == ("2024-03-15", "2024-03-02", 1)


def test_as_of_scores_only_the_data_up_to_that_day(store: Store, capsys) -> None:
    report = _json(store, capsys, "--as-of", "2024-03-02")
    assert (report["as_of"], report["since"]) == ("2024-03-02", "2024-02-18")
    shift = next(a for a in store.truth.anomalies if a.kind == "level_shift")
    found = _found(report)
    assert ("level_shift", shift.start.isoformat(), shift.service_name, shift.sub_account_id, shift.team) in found
    assert all(a["detected_on"] <= "2024-03-02" and a["date"] != "2024-03-03" for a in report["anomalies"])


def test_settings_come_from_finguard_yml(store: Store, capsys) -> None:
    config = store.directory / "tuned.yml"
    # 20 report days reach back to the level shift, but its first-day excess (~$57) is under min_impact
    config.write_text(config_text(store.truth, "  anomalies: {report_days: 20, min_impact: 70}\n"), encoding="utf-8")
    report = _json(store, capsys, config=config)
    assert report["since"] == "2024-02-25"
    assert [(a["kind"], a["date"]) for a in report["anomalies"] if a["date"] != "2024-03-01"] == [
        ("spike", "2024-03-03")]
    config.write_text(config_text(store.truth, "  anomalies: {by: [owner]}\n"), encoding="utf-8")
    report = _json(store, capsys, "--since", "2024-01-01", config=config)
    owners = store.sql("SELECT count(DISTINCT owner) FROM allocated_daily")[0][0]
    assert report["keys"] == ["owner"] and report["series_count"] == owners
    assert all(list(a["key"]) == ["owner"] for a in report["anomalies"])


def test_two_passes_find_what_one_pass_over_every_series_finds(store: Store) -> None:
    """compute() re-scores only the flagged series with root-cause detail; scoring every series with the same
    detail gives the same anomalies (series are independent)."""
    from finguard.billing.anomalies import detect
    from finguard.commands.billing_anomalies import _daily_series, _detail, compute
    from finguard.config import load_config

    config = load_config(store.config).billing
    with BillingStore(store.db, create=False) as s:
        engine = DuckDBEngine(s.con)
        report = compute(s, engine, config, periods=[], currency="USD", as_of=None, since=date(2024, 1, 1))
        daily = _daily_series(s.con.table("allocated_daily"), KEYS, None)
        first = detect(daily, KEYS, config.anomalies, since=date(2024, 1, 1))
        detail = _detail(s, engine, config, "USD", [], KEYS, first, date(2024, 3, 15))
    reference = detect(daily, KEYS, config.anomalies, detail=detail, since=date(2024, 1, 1))
    assert len(reference) >= 3 and report.anomalies == reference
    assert report.series_count == pd.DataFrame(daily).groupby(KEYS).ngroups


# -- exit codes and files ------------------------------------------------------------------------------------
def test_fail_on_anomaly(store: Store, capsys) -> None:
    code, out, err = run(capsys, *store.args("anomalies", "--fail-on-anomaly"))
    assert code == 1 and "1 cost anomaly since 2024-03-02" in err and "spike" in out
    assert run(capsys, *store.args("anomalies"))[0] == 0
    code, out, err = run(capsys, *store.args("anomalies", "--as-of", "2024-02-07", "--since", "2024-02-01",
                                             "--fail-on-anomaly"))
    assert code == 0 and "no anomalies detected from 2024-02-01 to 2024-02-07" in out


def test_out_writes_markdown_json_html_and_csv(store: Store, capsys, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, *store.args("anomalies", "--since", "2024-01-01", "--out", str(out_dir)))
    assert code == 0, err
    assert f"wrote anomalies.md, anomalies.json, anomalies.html and 2 CSV file(s) to {out_dir}" in out
    names = sorted(p.name for p in out_dir.iterdir())
    assert names == ["anomalies.csv", "anomalies.html", "anomalies.json", "anomalies.md", "anomalies_root_causes.csv"]
    report = json.loads((out_dir / "anomalies.json").read_text())
    n = len(report["anomalies"])
    assert n >= 3
    html = (out_dir / "anomalies.html").read_text()
    assert "<svg" in html and 'id="chart-anomalies"' in html and html.count("<tr data-kind=") == n
    assert html.count('class="bar-row"') == n
    spike = next(a for a in store.truth.anomalies if a.kind == "spike")
    assert f'data-kind="spike" data-date="{spike.start}"' in html and f"<code>{spike.resource_ids[0]}</code>" in html
    md = (out_dir / "anomalies.md").read_text()
    assert md.startswith("## Cost anomalies\n")
    row = next(line for line in md.splitlines() if line.startswith("| spike |") and str(spike.start) in line)
    assert f"| {spike.service_name} / {spike.sub_account_id} / {spike.team} | {spike.start} |" in row
    assert spike.resource_ids[0] in row
    with (out_dir / "anomalies.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == n and list(rows[0])[:3] == KEYS
    got = next(r for r in rows if r["kind"] == "spike" and r["date"] == str(spike.start))
    assert (got["ServiceName"], got["SubAccountId"], got["owner"]) == (spike.service_name, spike.sub_account_id,
                                                                      spike.team)
    assert got["root_cause"].startswith(spike.resource_ids[0]) and got["currency"] == "USD"
    with (out_dir / "anomalies_root_causes.csv").open(newline="") as f:
        causes = list(csv.DictReader(f))
    assert len(causes) == sum(len(a["root_cause"]) for a in report["anomalies"])
    first = next(c for c in causes if c["date"] == str(spike.start) and c["rank"] == "1")
    assert first["resource_id"] in spike.resource_ids and float(first["delta"]) == pytest.approx(75.0, abs=0.01)


# -- bad input: exit 2, one line -----------------------------------------------------------------------------
def test_bad_input(store: Store, capsys, tmp_path: Path) -> None:
    code, out, err = run(capsys, *store.args("anomalies", "--since", "last week"))
    assert code == 2 and out == "" and "Traceback" not in err
    assert [line for line in err.splitlines() if line.startswith("Error:")] == [
        "Error: Invalid value for '--since': 'last week' does not match the format '%Y-%m-%d'."]
    typo = tmp_path / "finguard.yml"
    typo.write_text("billing:\n  anomalies:\n    sensitivty: 2\n", encoding="utf-8")
    code, out, err = run(capsys, "billing", "anomalies", "--db", str(store.db), "--config", str(typo))
    assert code == 2 and out == "" and err.count("\n") == 1 and "sensitivty" in err and "Traceback" not in err
    nowhere = tmp_path / "nowhere.duckdb"
    code, out, err = run(capsys, "billing", "anomalies", "--db", str(nowhere), "--config", str(store.config))
    assert code == 2 and err.count("\n") == 1 and "no billing store here yet" in err and not nowhere.exists()


# -- the public FOCUS sample ---------------------------------------------------------------------------------
@needs_shared
def test_focus_sample_has_too_little_history_to_alarm(tmp_path: Path, capsys) -> None:
    db = tmp_path / "s.duckdb"
    config = tmp_path / "finguard.yml"
    config.write_text("billing: {}\n", encoding="utf-8")
    assert run(capsys, "billing", "ingest", str(SAMPLE), "--db", str(db), "--config", str(config))[0] == 0
    args = ["billing", "anomalies", "--db", str(db), "--config", str(config)]
    code, out, err = run(capsys, *args, "--json", "--since", "2024-09-01")
    assert code == 0, err
    report = json.loads(out)
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    series, last = con.execute("SELECT count(DISTINCT (ServiceName, SubAccountId, owner)), max(day) "
                               "FROM allocated_daily").fetchone()
    con.close()
    # 30 days of data: every series is younger than min_history (28 days) plus its baseline, so nothing is scored
    assert (report["as_of"], report["since"], report["anomalies"]) == (str(last), "2024-09-01", [])
    assert report["series_count"] == series > 10
    code, out, err = run(capsys, *args, "--fail-on-anomaly", "--out", str(tmp_path / "out"))
    assert code == 0 and out.startswith(f"anomalies (USD): no anomalies detected from {last - timedelta(days=13)} ")
    assert (tmp_path / "out" / "anomalies.html").read_text().count("<section") == 1
