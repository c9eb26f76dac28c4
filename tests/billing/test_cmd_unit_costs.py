"""`finguard billing unit-costs` end to end: a real DuckDB store, hand-written charges and metrics, known answers.

Charges, every day of 2024-01..03 (FOCUS CSV, allocated by the `team` tag): web costs 100 a day in January, 120 in
February, 150 in March; data 10 a day; an untagged 5 a day nobody owns. Metrics: web `requests` 1,000 a day in
January, 1,500 in February, 2,000 in March; data `requests` 100 a day; web `customers` (a gauge: averaged, not
summed) 100 in January and February, 125 in March; two web rows in April, after the billed days.

Cost per request, web: January 3,100 / 31,000 = 0.10, February 3,480 / 43,500 = 0.08, March 4,650 / 62,000 =
0.075 (-25 % since January). March vs February: web's change 1,170 = volume (62,000 - 43,500) x 0.08 = 1,480
+ efficiency 62,000 x (0.075 - 0.08) = -310; data's 20 = volume 200 x 0.10 + efficiency 0; all 1,190.
Cost per customer, web: 31, 34.8, 37.2; March vs February: volume 25 x 34.8 = 870 + efficiency 125 x 2.4 = 300.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from finguard.cli import main  # first: it loads the billing group, which registers the job modules

HEADER = ("BilledCost,EffectiveCost,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,"
          "ChargePeriodEnd,ChargeCategory,ProviderName,BillingAccountId,SubAccountId,ServiceName,ResourceId,Tags\n")
WEB_COST = {1: 100.0, 2: 120.0, 3: 150.0}
WEB_REQUESTS = {1: 1000, 2: 1500, 3: 2000}
CUSTOMERS = {1: 100, 2: 100, 3: 125}
DAYS = [date(2024, 1, 1) + timedelta(days=i) for i in range(91)]


def _period(day: date) -> tuple[str, str]:
    end = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return day.replace(day=1).isoformat(), end.isoformat()


def _charges() -> str:
    lines = [HEADER]
    for day in DAYS:
        start, end = _period(day)
        nxt = (day + timedelta(days=1)).isoformat()
        for cost, resource, tags in ((WEB_COST[day.month], "i-web", '{"team": "web"}'),
                                     (10.0, "i-data", '{"team": "data"}'), (5.0, "b-misc", "")):
            lines.append(f'{cost},{cost},USD,{start},{end},{day.isoformat()},{nxt},Usage,AWS,900,111,EC2,{resource},"'
                         + tags.replace('"', '""') + '"\n')
    return "".join(lines)


def _metrics() -> str:
    lines = ["date,owner,metric,value,comment"]
    for day in DAYS:
        lines.append(f"{day},web,requests,{WEB_REQUESTS[day.month]},")
        lines.append(f"{day},web,customers,{CUSTOMERS[day.month]},gauge")
        lines.append(f"{day},data,requests,100,")
    lines += ["2024-04-01,web,requests,5000,after the bill", "2024-04-02,web,requests,5000,"]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """finguard.yml (metrics relative to it, customers a gauge), the metrics CSV, and an ingested store."""
    from finguard.billing.engine import DuckDBEngine
    from finguard.billing.ingest import ingest
    from finguard.billing.store import BillingStore

    root = tmp_path_factory.mktemp("unit")
    (root / "data").mkdir()
    (root / "data" / "metrics.csv").write_text(_metrics(), encoding="utf-8")
    (root / "finguard.yml").write_text("billing:\n  db: store.duckdb\n  unit_costs:\n    metrics: data/metrics.csv\n"
                                       "    gauges: [customers]\n", encoding="utf-8")
    charges = root / "charges.csv"
    charges.write_text(_charges(), encoding="utf-8")
    with BillingStore(root / "store.duckdb") as store:
        result = ingest([charges], store, DuckDBEngine(store.con))
    assert result.balanced and result.stored_rows == 3 * 91
    return root


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), out, err


def unit_costs(capsys: pytest.CaptureFixture[str], workspace: Path, *args: str) -> tuple[int, str, str]:
    return run(capsys, "billing", "unit-costs", "--config", str(workspace / "finguard.yml"), *args)


@pytest.fixture(scope="module")
def report(workspace: Path) -> dict:
    """The default run's JSON (module-scoped: one allocation for the tests that only read numbers)."""
    from click.testing import CliRunner

    from finguard.commands.billing import billing

    result = CliRunner().invoke(billing, ["unit-costs", "--config", str(workspace / "finguard.yml"), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_cost_per_unit_by_month_from_the_configured_metrics(report: dict, workspace: Path) -> None:
    assert report["currency"] == "USD" and report["grain"] == "month" and report["cost_metric"] == "BilledCost"
    assert report["metrics_file"] == str(workspace / "data" / "metrics.csv")  # relative to finguard.yml
    assert (report["first_day"], report["last_day"]) == ("2024-01-01", "2024-03-31")
    rows = {(r["owner"], r["metric"], r["bucket"]): r for r in report["report"]["rows"]}
    web = [rows[("web", "requests", f"2024-0{m}-01")] for m in (1, 2, 3)]
    assert [r["unit_cost"] for r in web] == [pytest.approx(0.1), pytest.approx(0.08), pytest.approx(0.075)]
    assert [r["cost"] for r in web] == [pytest.approx(3100), pytest.approx(3480), pytest.approx(4650)]
    assert [(r["days"], r["units"]) for r in web] == [(31, 31000), (29, 43500), (31, 62000)]
    customers = [rows[("web", "customers", f"2024-0{m}-01")]["unit_cost"] for m in (1, 2, 3)]
    assert customers == [pytest.approx(31.0), pytest.approx(34.8), pytest.approx(37.2)]  # per customer per month
    assert all(rows[("data", "requests", f"2024-0{m}-01")]["unit_cost"] == pytest.approx(0.1) for m in (1, 2, 3))
    trend = next(t for t in report["report"]["trends"] if (t["owner"], t["metric"]) == ("web", "requests"))
    assert trend["change_pct"] == pytest.approx(-25.0) and trend["buckets"] == 3
    assert report["notes"] == ["2 metric row(s) outside 2024-01-01 to 2024-03-31 (the billed days) left out"]


def test_volume_and_efficiency_add_up_to_the_change(report: dict) -> None:
    changes = {c["metric"]: c for c in report["changes"]}
    requests = changes["requests"]
    assert requests["base"] == ["2024-02-01", "2024-02-29"] and requests["current"] == ["2024-03-01", "2024-03-31"]
    owners = {a["owner"]: a for a in requests["by_owner"]}
    web, data, total = owners["web"], owners["data"], requests["total"]
    assert (web["cost_change"], web["volume_effect"], web["efficiency_effect"]) == (
        pytest.approx(1170), pytest.approx(1480), pytest.approx(-310))
    assert (data["volume_effect"], data["efficiency_effect"]) == (pytest.approx(20), pytest.approx(0, abs=1e-9))
    assert total["cost_change"] == pytest.approx(1190)
    for a in (web, data, total):
        assert a["volume_effect"] + a["efficiency_effect"] + a["unexplained"] == pytest.approx(a["cost_change"])
    gauge = changes["customers"]["by_owner"][0]
    assert (gauge["base_units"], gauge["current_units"]) == (100, 125)
    assert (gauge["volume_effect"], gauge["efficiency_effect"]) == (pytest.approx(870), pytest.approx(300))


def test_text_options_and_out_files(capsys: pytest.CaptureFixture[str], workspace: Path) -> None:
    out_dir = workspace / "out"
    code, out, err = unit_costs(capsys, workspace, "--metric", "requests", "--grain", "week", "--as-of",
                                "2024-03-20", "--out", str(out_dir))
    assert code == 0, err
    # the latest week, 03-18..20, is partial: shown with its 3 days, but the change compares complete weeks
    assert "web requests: 2024-W12 $0.075 per unit ($450.00 / 6,000, 3 days)" in out
    assert "change requests: 2024-W10 -> 2024-W11" in out
    assert "24 metric row(s) outside 2024-01-01 to 2024-03-20 (the billed days up to --as-of) left out" in out
    assert "wrote unit_costs.md, unit_costs.json, unit_costs.html and 3 CSV file(s)" in out
    doc = json.loads((out_dir / "unit_costs.json").read_text())
    assert doc["metric"] == "requests" and doc["grain"] == "week" and doc["last_day"] == "2024-03-20"
    change = doc["changes"][0]["total"]
    # both weeks are in March: same unit cost, so the change is all volume (zero here: same volume too)
    assert change["cost_change"] == pytest.approx(0, abs=1e-6) and change["efficiency_effect"] == pytest.approx(
        0, abs=1e-6)
    html = (out_dir / "unit_costs.html").read_text()
    assert html.count("<svg") == 2 and 'id="unit-costs-trend"' in html and "Cost per unit of requests" in html
    assert 'id="unit-costs-latest"' in html and 'id="unit-costs-change-requests"' in html
    md = (out_dir / "unit_costs.md").read_text()
    assert md.startswith("## Unit costs") and "| web | requests | 2024-W12 | 3 |" in md
    with (out_dir / "unit_costs.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert {r["metric"] for r in rows} == {"requests"} and rows[0]["grain"] == "week"
    assert (out_dir / "unit_costs_changes.csv").read_text().count("\n") == 1 + 3  # header, web, data, (all)


def test_monthly_html_chart_and_escaping(capsys: pytest.CaptureFixture[str], workspace: Path) -> None:
    from finguard.billing.unit_costs import UnitEconomics
    from finguard.report.sections import section

    code, out, _ = unit_costs(capsys, workspace, "--json")
    assert code == 0
    result = UnitEconomics.model_validate_json(out)
    sec = section("unit_costs")
    text = sec.text(result, "USD")
    assert "web requests: 2024-03 $0.075 per unit" in text
    assert "(all): cost +$1,190.00 = volume +$1,500.00 + efficiency -$310.00" in text
    page = sec.html(result, "USD")
    assert "web: $0.075 per unit of requests in 2024-03</title>" in page  # the line's tooltip: not a sum
    assert "Cost per unit of requests per team" in page  # the metric most owners report
    assert 'id="unit-costs-change-customers"' in page and 'id="unit-costs-change-requests"' in page
    odd = UnitEconomics.model_validate_json(out.replace('"web"', '"<b>&web|x</b>"'))
    page = sec.html(odd, "USD")
    assert "<b>&web" not in page and page.count("&lt;b&gt;&amp;web|x&lt;/b&gt;") > 5
    assert "| &lt;b&gt;" not in sec.markdown(odd, "USD") and "| <b>&web\\|x</b> |" in sec.markdown(odd, "USD")


@pytest.mark.parametrize(("args", "message"), [
    (["--metrics", "{root}/bad.csv"], "bad.csv:3: value 'lots' is not a number"),
    (["--metrics", "{root}/missing.csv"], "missing.csv: cannot read"),
    (["--metric", "orders"], "metric 'orders' is not in the file"),
    (["--db", "{root}/nothing.duckdb"], "no billing store here yet"),
])
def test_bad_input_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], workspace: Path, args: list[str],
                                          message: str) -> None:
    (workspace / "bad.csv").write_text("date,owner,metric,value\n2024-01-01,web,requests,1\n"
                                       "2024-01-02,web,requests,lots\n", encoding="utf-8")
    code, out, err = unit_costs(capsys, workspace, *[a.format(root=workspace) for a in args])
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_no_metrics_configured_is_an_input_error(capsys: pytest.CaptureFixture[str], workspace: Path) -> None:
    bare = workspace / "bare.yml"
    bare.write_text(f"billing:\n  db: {workspace / 'store.duckdb'}\n", encoding="utf-8")
    code, _, err = run(capsys, "billing", "unit-costs", "--config", str(bare))
    assert code == 2 and "give --metrics CSV or set billing.unit_costs.metrics" in err


def test_the_combined_report_includes_the_section(capsys: pytest.CaptureFixture[str], workspace: Path) -> None:
    out_dir = workspace / "report"
    code, out, err = run(capsys, "billing", "report", "--config", str(workspace / "finguard.yml"), "--out",
                         str(out_dir), *[a for job in ("budgets", "anomalies", "forecast", "commitments", "estimates")
                                         for a in ("--skip", job)])
    assert code == 0, err
    assert "sections: unit_costs" in out
    page = (out_dir / "billing.html").read_text()
    assert 'id="unit-costs-trend"' in page and 'id="unit-costs-change-requests"' in page
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # one page, no id twice
    assert json.loads((out_dir / "unit_costs.json").read_text())["changes"][1]["total"]["cost_change"] == \
        pytest.approx(1190)
