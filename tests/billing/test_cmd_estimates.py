"""`finguard billing reconcile-estimates` end to end: a hand-written breakdown against hand-written billed rows in a
real DuckDB store, where every error is known.

The breakdown (generated 2024-05-31 15:00) estimates per month: aws_instance.web 73, aws_db_instance.main 100
(state id db-main), aws_s3_bucket.assets 20 (tag Name=assets), aws_nat_gateway.main 32.85; an IAM role is free.
Billed usage, one row a day 2024-06-01..10 (240 hours; the store ends there, so the default window, the 30 days
after the estimate, is cut to these 10 days):
* i-0web, tagged terraform_address=aws_instance.web: 2.40 a day -> 24 x 730 / 240 = 73.00, error 0;
  it also has a row on 05-31, before the window;
* arn:...:db:db-main, found by the state id: 3.60 a day -> 109.50, error +9.50 (+9.5 %);
* assets-bucket, tagged Name=assets: 0.50 a day -> 15.2083, error -4.7917 (-23.96 %);
* fn-misc, a function nobody estimated: 0.30 a day, 3.00 in the window; and a tax row without a ResourceId.
WAPE = (0 + 9.5 + 4.7917) / 193 = 7.405 %, MAPE = (0 + 9.5 + 23.958) / 3, bias = (9.5 - 4.7917) / 193,
coverage = 193 / (193 + 32.85).
"""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from finguard.cli import main  # first: it loads the billing group, which registers the job modules

HEADER = ("BilledCost,EffectiveCost,ListCost,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,"
          "ChargePeriodEnd,ChargeCategory,ProviderName,BillingAccountId,SubAccountId,ServiceName,ResourceId,Tags\n")
DB_ARN = "arn:aws:rds:us-east-1:111111111111:db:db-main"
RESOURCES = [
    ("aws_instance.web", "aws_instance", 73.0, {}, []),
    ("aws_db_instance.main", "aws_db_instance", 100.0, {}, ["db-main"]),
    ("aws_s3_bucket.assets", "aws_s3_bucket", 20.0, {"Name": "assets"}, []),
    ("aws_nat_gateway.main", "aws_nat_gateway", 32.85, {}, []),
    ("aws_iam_role.app", "aws_iam_role", 0.0, {}, []),
]
WEB, DB, ASSETS = 73.0, 3.6 * 10 * 730 / 240, 0.5 * 10 * 730 / 240
ESTIMATED = 73.0 + 100.0 + 20.0


def breakdown(**changes: object) -> dict:
    resources = [{"address": a, "type": t, "region": "us-east-1", "action": "create",
                  "status": "free" if cost == 0 else "priced", "monthly_cost": cost, "complete": True,
                  "components": [], "reasons": [], "tags": tags, "resource_ids": ids}
                 for a, t, cost, tags, ids in RESOURCES]
    doc = {"schema": "finguard/breakdown", "version": 1, "generated_at": "2024-05-31T15:00:00+00:00",
           "project": "shop", "source": "plan.json", "state": "after", "currency": "USD", "resources": resources,
           "monthly_cost": 225.85, "complete": True, "catalog": None}
    return doc | changes


def _charges() -> str:
    rows = [HEADER]

    def add(day: date, cost: float, resource: str, tags: str, category: str = "Usage") -> None:
        nxt = day + timedelta(days=1)
        rows.append(f'{cost},{cost},{cost},USD,{day:%Y-%m}-01,{day.year}-{day.month + 1:02d}-01,{day},{nxt},'
                    f'{category},AWS,900,111,Svc,{resource},"' + tags.replace('"', '""') + '"\n')

    add(date(2024, 5, 31), 2.4, "arn:aws:ec2:us-east-1:111111111111:instance/i-0web",
        '{"terraform_address": "aws_instance.web"}')
    for i in range(10):
        day = date(2024, 6, 1) + timedelta(days=i)
        add(day, 2.4, "arn:aws:ec2:us-east-1:111111111111:instance/i-0web",
            '{"terraform_address": "aws_instance.web", "Name": "web"}')
        add(day, 3.6, DB_ARN, "")
        add(day, 0.5, "assets-bucket", '{"Name": "assets"}')
        add(day, 0.3, "fn-misc", "")
    add(date(2024, 6, 10), 1.0, "", "", category="Tax")
    return "".join(rows)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from finguard.billing.engine import DuckDBEngine
    from finguard.billing.ingest import ingest
    from finguard.billing.store import BillingStore

    root = tmp_path_factory.mktemp("estimates")
    (root / "finguard.yml").write_text("billing:\n  db: store.duckdb\n", encoding="utf-8")
    (root / "breakdown.json").write_text(json.dumps(breakdown(), indent=2), encoding="utf-8")
    (root / "charges.csv").write_text(_charges(), encoding="utf-8")
    with BillingStore(root / "store.duckdb") as store:
        result = ingest([root / "charges.csv"], store, DuckDBEngine(store.con))
    assert result.balanced and result.stored_rows == 42
    return root


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), out, err


def reconcile(capsys: pytest.CaptureFixture[str], root: Path, estimate: str, *args: str) -> tuple[int, str, str]:
    return run(capsys, "billing", "reconcile-estimates", str(root / estimate), "--config", str(root / "finguard.yml"),
               *args)


def test_default_window_and_known_errors(capsys: pytest.CaptureFixture[str], workspace: Path) -> None:
    code, out, err = reconcile(capsys, workspace, "breakdown.json", "--json")
    assert code == 0, err
    doc = json.loads(out)
    a = doc["accuracy"]
    assert doc["window_defaulted"] and doc["estimated_at"].startswith("2024-05-31T15:00")
    assert (a["window_start"], a["window_end"]) == ("2024-06-01", "2024-06-10")  # cut at the last billed day
    r = {c["address"]: c for c in a["resources"]}
    assert (r["aws_instance.web"]["matched_by"], r["aws_instance.web"]["actual"]) == ("address_tag",
                                                                                      pytest.approx(24.0))
    assert r["aws_instance.web"]["error"] == pytest.approx(0, abs=1e-9)  # the 05-31 row is outside the window
    assert r["aws_db_instance.main"]["matched_by"] == "resource_id"
    assert r["aws_db_instance.main"]["billed_resource_ids"] == [DB_ARN]
    assert (r["aws_db_instance.main"]["actual_monthly"], r["aws_db_instance.main"]["error_pct"]) == (
        pytest.approx(109.5), pytest.approx(9.5))
    assert r["aws_s3_bucket.assets"]["matched_by"] == "tags"
    assert r["aws_s3_bucket.assets"]["error"] == pytest.approx(ASSETS - 20)
    assert a["wape"] == pytest.approx((9.5 + 20 - ASSETS) / ESTIMATED * 100)
    assert a["mape"] == pytest.approx((9.5 + (20 - ASSETS) / 20 * 100) / 3)
    assert a["bias"] == pytest.approx((9.5 + ASSETS - 20) / ESTIMATED * 100)
    assert a["coverage"] == pytest.approx(ESTIMATED / (ESTIMATED + 32.85) * 100)
    assert a["unmatched_estimates"] == ["aws_nat_gateway.main"]
    assert [(u["resource_id"], u["cost"]) for u in a["unmatched_billed_top"]] == [("fn-misc", pytest.approx(3.0))]
    assert doc["matched_estimated_monthly"] == pytest.approx(ESTIMATED)
    assert doc["matched_actual_monthly"] == pytest.approx(WEB + DB + ASSETS)
    assert doc["estimated_monthly"] == pytest.approx(225.85)


def test_text_explicit_window_and_out_files(capsys: pytest.CaptureFixture[str], workspace: Path) -> None:
    out_dir = workspace / "out"
    code, out, err = reconcile(capsys, workspace, "breakdown.json", "--start", "2024-05-31", "--end", "2024-06-04",
                               "--out", str(out_dir))
    assert code == 0, err
    assert "2024-05-31 to 2024-06-04, 5 days" in out and "(the days after the estimate)" not in out
    # web: 5 days of 2.40 over 120 hours is still 73 a month; db 3.60 a day over the 4 days it was seen
    assert "aws_db_instance.main [resource_id]: estimated $100.00, billed $109.50/month" in out
    assert "aws_nat_gateway.main: no billed rows found (estimated $32.85)" in out
    assert "unestimated fn-misc: $1.20 in the window" in out
    assert "wrote estimates.md, estimates.json, estimates.html and 2 CSV file(s)" in out
    doc = json.loads((out_dir / "estimates.json").read_text())
    assert doc["accuracy"]["window_start"] == "2024-05-31" and not doc["window_defaulted"]
    html = (out_dir / "estimates.html").read_text()
    assert "<svg" in html and 'id="estimates-errors"' in html and 'id="estimates-matched"' in html
    assert 'id="estimates-unmatched-estimated"' in html and "aws_nat_gateway.main" in html and "fn-misc" in html
    md = (out_dir / "estimates.md").read_text()
    assert md.startswith("## Estimate vs actual") and "| `aws_db_instance.main` | aws_db_instance | resource_id |" \
        " $100.00 | $109.50 | +$9.50 | +9.5% |" in md
    with (out_dir / "estimates.csv").open() as f:
        rows = {r["address"]: r for r in csv.DictReader(f)}
    assert rows["aws_db_instance.main"]["error"] == "9.5" and rows["aws_nat_gateway.main"]["matched_by"] == ""
    assert "fn-misc,1.2," in (out_dir / "estimates_unmatched_billed.csv").read_text()


def test_html_escapes_and_chart(capsys: pytest.CaptureFixture[str], workspace: Path) -> None:
    from finguard.commands.billing_estimates import reconciliation_model
    from finguard.report.sections import section

    code, out, _ = reconcile(capsys, workspace, "breakdown.json", "--json")
    assert code == 0
    odd = reconciliation_model().model_validate_json(out.replace("aws_s3_bucket.assets", "<i>s3&x|y</i>"))
    sec = section("estimates")
    page = sec.html(odd, "USD")
    assert "<i>s3" not in page and "&lt;i&gt;s3&amp;x|y&lt;/i&gt;" in page
    assert page.count('class="bar-row"') == 3 and "bar-bad" in page and "bar-warn" in page
    assert "`<i>s3&x\\|y</i>`" in sec.markdown(odd, "USD")


@pytest.mark.parametrize(("content", "message"), [
    ('{"schema": "finguard/breakdown", "version": 1,\n  "resources": [}', "not valid JSON: Expecting value at line 2"),
    (json.dumps({"schema": "finguard/audit"}), 'not a finguard breakdown JSON (expected "schema"'),
    (json.dumps(breakdown(resources=[breakdown()["resources"][0], breakdown()["resources"][1] | {
        "monthly_cost": "lots"}])), "invalid breakdown at $.resources[1].monthly_cost"),
    (json.dumps(breakdown(generated_at="yesterday")), "invalid breakdown at $.generated_at"),
    (json.dumps(breakdown(generated_at="2024-07-01T00:00:00")), "no billed data from 2024-07-02 on"),
    (json.dumps(breakdown(currency="EUR")), "the estimate is in EUR but the billed rows are in USD"),
])
def test_bad_estimates_are_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], workspace: Path, content: str,
                                               message: str) -> None:
    (workspace / "bad.json").write_text(content, encoding="utf-8")
    code, out, err = reconcile(capsys, workspace, "bad.json")
    assert code == 2 and out == ""
    assert err.startswith(f"finguard: error: {workspace / 'bad.json'}: ")
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_missing_store_and_missing_file(capsys: pytest.CaptureFixture[str], workspace: Path) -> None:
    code, _, err = reconcile(capsys, workspace, "breakdown.json", "--db", str(workspace / "none.duckdb"))
    assert code == 2 and "no billing store here yet" in err and err.count("\n") == 1
    code, _, err = reconcile(capsys, workspace, "absent.json")
    assert code == 2 and "absent.json: cannot read" in err and err.count("\n") == 1


def test_the_combined_report_includes_the_section(capsys: pytest.CaptureFixture[str], workspace: Path) -> None:
    out_dir = workspace / "report"
    code, out, err = run(capsys, "billing", "report", "--config", str(workspace / "finguard.yml"), "--out",
                         str(out_dir), "--estimate", str(workspace / "breakdown.json"),
                         *[a for job in ("budgets", "anomalies", "forecast", "commitments", "unit_costs")
                           for a in ("--skip", job)])
    assert code == 0, err
    assert "sections: estimates" in out
    assert 'id="estimates-errors"' in (out_dir / "billing.html").read_text()
    assert json.loads((out_dir / "estimates.json").read_text())["accuracy"]["matched"] == 3
