"""Findings kept in the billing store across two runs: first/last seen, resolution, realised savings from billing,
and the waste section of `finguard billing report`.

us-west-2 (its own region of the session's moto account), day 0 = today:
* vol A: unattached gp3 100 GiB, billed 0.30/day from day -30 to -1; deleted after run 1;
* an idle Elastic IP, billed 0.12/day; released after run 1;
* vol G: gp2 500 GiB attached to an instance, billed 1.70/day; changed to gp3 after run 1 and billed 1.40/day;
* vol K: unattached, billed 0.20/day throughout, never fixed.
Run 1 (day 0) stores 4 findings with billed savings. Billing then runs to day 9; run 2 judges day 10: A and the
address are resolved as "resource gone", G as "no longer waste", K stays open (first seen day 0, last seen day
10). Realised per month (30.4167 days): A 0.30 x 30.4167 = 9.13, the address 3.65, G (1.70 - 1.40) = 9.13.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.waste.conftest import run_cli

pytest.importorskip("duckdb")
REGION = "us-west-2"
KINDS = ("--kind", "unattached-volume", "--kind", "idle-ip", "--kind", "gp2-volume")
COLUMNS = ("BilledCost", "EffectiveCost", "ListCost", "BillingCurrency", "BillingPeriodStart", "BillingPeriodEnd",
           "ChargePeriodStart", "ChargePeriodEnd", "ChargeCategory", "ProviderName", "BillingAccountId",
           "SubAccountId", "ServiceName", "RegionId", "ResourceId", "ConsumedQuantity", "x_UsageType", "Tags")


def _period(day: date) -> tuple[str, str]:
    start = day.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    return f"{start}T00:00:00Z", f"{end}T00:00:00Z"


def write_billing(path: Path, rows: list[tuple[date, str, float, str, float]]) -> Path:
    """FOCUS rows: (day, resource id, cost, usage type, quantity)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        w = csv.writer(handle, lineterminator="\n")
        w.writerow(COLUMNS)
        for day, resource, cost, usage, qty in rows:
            start, end = _period(day)
            w.writerow([cost, cost, cost, "USD", start, end, f"{day}T00:00:00Z", f"{day + timedelta(days=1)}T00:00:00Z",
                        "Usage", "AWS", "123456789012", "123456789012", "Amazon Elastic Compute Cloud", REGION,
                        resource, qty, usage, json.dumps({"team": "billing-owner"})])
    return path


def _rows(ids: dict[str, str], first: date, last: date, after_fix: date | None) -> list[tuple]:
    rows = []
    day = first
    while day <= last:
        fixed = after_fix is not None and day >= after_fix
        if not fixed:
            rows.append((day, ids["vol_a"], 0.30, "USW2-EBS:VolumeUsage.gp3", 3.3))
            rows.append((day, ids["eip"], 0.12, "USW2-PublicIPv4:IdleAddress", 24.0))
        rows.append((day, ids["vol_g"], 1.40 if fixed else 1.70,
                     "USW2-EBS:VolumeUsage.gp3" if fixed else "USW2-EBS:VolumeUsage.gp2", 16.4))
        rows.append((day, ids["vol_k"], 0.20, "USW2-EBS:VolumeUsage.gp3", 3.3))
        day += timedelta(days=1)
    return rows


def _findings(out: str) -> dict[str, dict[str, Any]]:
    return {f["resource_id"]: f for f in json.loads(out)["findings"]}


def test_two_runs_resolve_and_realise(moto_url: str, tmp_path: Path) -> None:
    from tests.waste.moto_account import Planter

    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    p = Planter(REGION, now)
    ec2 = p.c["ec2"]
    busy = p.instance("m5.large", cpu=None)[0]
    ids = {"vol_a": p.volume(age_days=40), "vol_k": p.volume(age_days=40, size=50, owner=None),
           "eip": ec2.allocate_address(Domain="vpc")["AllocationId"], "vol_g": p.volume(size=500, vtype="gp2")}
    ec2.attach_volume(VolumeId=ids["vol_g"], InstanceId=busy, Device="/dev/sdf")
    db = tmp_path / "billing.duckdb"
    day0 = now.date()
    code, _, err = run_cli("billing", "ingest", write_billing(tmp_path / "before.csv", _rows(
        ids, day0 - timedelta(days=30), day0 - timedelta(days=1), None)), "--db", db)
    assert code == 0, err

    # run 1: four findings, savings from the bill
    code, out, err = run_cli("waste", "--region", REGION, *KINDS, "--db", db, "--as-of", now.isoformat(),
                             "--format", "json")
    assert code == 0, err
    first = _findings(out)
    assert set(first) == set(ids.values())
    vol_a = first[ids["vol_a"]]
    assert vol_a["savings_basis"] == "billing" and vol_a["monthly_savings"] == pytest.approx(0.30 * 730 / 24, abs=0.01)
    assert vol_a["monthly_savings_list"] == 8.0 and vol_a["first_seen"] == vol_a["last_seen"] == str(day0)
    gp2 = first[ids["vol_g"]]
    # billed 1.70/day on gp2 lines x the list share gp3 saves (5/50): 1.70 x 30.4167 x 0.1
    assert gp2["savings_basis"] == "billing"
    assert gp2["monthly_savings"] == pytest.approx(1.70 * 730 / 24 * 0.1, abs=0.01)
    assert first[ids["vol_k"]]["owner"] == "billing-owner" and first[ids["vol_k"]]["owner_source"] == "billing"

    # the fixes, and ten more days of billing
    ec2.delete_volume(VolumeId=ids["vol_a"])
    ec2.release_address(AllocationId=ids["eip"])
    ec2.modify_volume(VolumeId=ids["vol_g"], VolumeType="gp3")
    code, _, err = run_cli("billing", "ingest", write_billing(tmp_path / "after.csv", _rows(
        ids, day0 - timedelta(days=30), day0 + timedelta(days=9), day0 + timedelta(days=1))), "--db", db)
    assert code == 0, err

    # run 2, ten days later
    later = now + timedelta(days=10)
    code, out, err = run_cli("waste", "--region", REGION, *KINDS, "--db", db, "--as-of", later.isoformat(),
                             "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert set(_findings(out)) == {ids["vol_k"]}
    kept = _findings(out)[ids["vol_k"]]
    assert (kept["first_seen"], kept["last_seen"]) == (str(day0), str(later.date()))
    resolved = {r["resource_id"]: r for r in report["resolved"]}
    assert set(resolved) == {ids["vol_a"], ids["eip"], ids["vol_g"]}
    assert resolved[ids["vol_a"]]["resolution"] == "resource gone"
    assert resolved[ids["vol_g"]]["resolution"] == "no longer waste"
    per_month = 730 / 24
    assert resolved[ids["vol_a"]]["realised_monthly_savings"] == pytest.approx(0.30 * per_month, abs=0.01)
    assert resolved[ids["eip"]]["realised_monthly_savings"] == pytest.approx(0.12 * per_month, abs=0.01)
    # before: the 30 days to its last sighting (day 0) at gp2; after: days 1 to 9 at gp3
    assert resolved[ids["vol_g"]]["realised_monthly_savings"] == pytest.approx((1.70 - 1.40) * per_month, abs=0.01)
    assert all(r["realised_basis"] == "billing" for r in resolved.values())
    realised = report["realised"]
    assert realised["resolved"] == 3 and realised["from_billing"] == 3
    assert realised["monthly_savings"] == pytest.approx(sum(r["realised_monthly_savings"] for r in resolved.values()),
                                                        abs=0.02)

    # a run in another region resolves nothing here
    code, out, err = run_cli("waste", "--region", "eu-west-1", "--kind", "unattached-volume", "--db", db,
                             "--as-of", later.isoformat(), "--format", "json")
    assert code == 0, err
    code, out, err = run_cli("billing", "waste", "--db", db, "--json")
    assert code == 0, err
    stored = json.loads(out)
    assert ids["vol_k"] in {f["resource_id"] for f in stored["findings"]}
    assert stored["realised"]["resolved"] == 3

    # the billing report carries the waste section
    others = ("budgets", "anomalies", "forecast", "commitments", "unit_costs", "estimates")
    code, out, err = run_cli("billing", "report", "--db", db, "--out", tmp_path / "report",
                             *(a for job in others for a in ("--skip", job)))
    assert code == 0, err
    assert "waste" in out.split("sections:")[1].splitlines()[0]
    page = (tmp_path / "report" / "billing.md").read_text(encoding="utf-8")
    assert "## Waste and rightsizing" in page and ids["vol_k"] in page and "Realised savings" in page
    assert (tmp_path / "report" / "waste.json").is_file() and (tmp_path / "report" / "waste_resolved.csv").is_file()
    assert 'id="waste"' in (tmp_path / "report" / "billing.html").read_text(encoding="utf-8")


def test_no_waste_section_without_stored_findings(tmp_path: Path) -> None:
    """`billing report` asks the waste job for its section: none until a waste run has stored findings."""
    from finguard.billing.config import BillingConfig
    from finguard.billing.engine import DuckDBEngine
    from finguard.billing.store import BillingStore
    from finguard.commands.billing_report import JOBS, _why_skipped
    from finguard.commands.billing_waste import compute

    assert "waste" in JOBS and "finguard waste --db" in _why_skipped("waste")
    with BillingStore(tmp_path / "billing.duckdb", create=True) as store:
        assert compute(store, DuckDBEngine(store.con), BillingConfig()) is None
    code, out, _ = run_cli("billing", "waste", "--db", tmp_path / "billing.duckdb")
    assert code == 0 and "no waste findings in this store yet" in out


def test_billed_costs_take_the_currency_as_every_billing_job_does(tmp_path: Path) -> None:
    """The realised-savings query chooses its currency with the billing jobs' rule (allocate.choose_currency): a
    currency the store lacks is named as such, and the only one stored is taken."""
    from finguard.billing.config import BillingConfig
    from finguard.billing.store import BillingStore
    from finguard.errors import InputError
    from finguard.waste.savings import daily_costs

    day = date(2026, 5, 4)
    db = tmp_path / "billing.duckdb"
    code, _, err = run_cli("billing", "ingest", write_billing(tmp_path / "bill.csv", [
        (day, "vol-0abc", 0.5, "USW2-EBS:VolumeUsage.gp3", 3.3)]), "--db", db)
    assert code == 0, err
    with BillingStore(db) as store:
        assert daily_costs(store, BillingConfig(), {"vol-0abc": "vol-0abc"}, day, day) == {"vol-0abc": {day: 0.5}}
        with pytest.raises(InputError, match="no charges in EUR; the store holds USD"):
            daily_costs(store, BillingConfig(), {"vol-0abc": "vol-0abc"}, day, day, currency="EUR")
