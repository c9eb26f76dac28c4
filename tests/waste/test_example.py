"""The README's worked example, end to end: examples/waste (a hand-made saved inventory, FOCUS billing for June and
July, a Terraform state) -> waste report -> billed savings kept in the store -> two weeks later, resolved findings
and realised savings."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.waste.conftest import run_cli

EXAMPLE = REPO / "examples" / "waste"


@pytest.fixture()
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "waste"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".finguard", "report"))
    monkeypatch.chdir(root)
    return root


def test_worked_example(example: Path) -> None:
    code, out, err = run_cli("waste", "--inventory", "inventory", "--terraform", "terraform/terraform.tfstate")
    assert code == 0, err
    assert "11 finding(s) on 11 resource(s) out of 29 scanned in account 210987654321" in out
    assert "$1,406.81/month to save, 1 with a missing price" in out
    assert 'aws_instance.worker (main.tf:13): set instance_type = "m5.large"' in out
    assert "aws_ebs_volume.etl_scratch (main.tf:6): remove the resource" in out

    code, out, err = run_cli("billing", "ingest", "billing/focus-2025-06.csv", "--db", ".finguard/billing.duckdb")
    assert code == 0, err
    code, out, err = run_cli("waste", "--inventory", "inventory", "--terraform", "terraform/terraform.tfstate",
                             "--db", ".finguard/billing.duckdb", "--format", "json")
    assert code == 0, err
    first = json.loads(out)
    by_kind = {f["kind"]: f for f in first["findings"]}
    nat = by_kind["idle-nat-gateway"]  # no list price in eu-west-1: the billed cost fills in, never $0
    assert nat["monthly_savings_list"] is None and nat["savings_basis"] == "billing" and nat["monthly_savings"] > 0
    assert nat["missing_price"] and "eu-west-1" in nat["missing_price"]
    assert by_kind["oversized-instance"]["savings_basis"] == "billing"
    # RDS abbreviates sizes in usage types (Multi-AZUsage:db.r5.2xl): still the instance's own hours
    assert by_kind["oversized-database"]["savings_basis"] == "billing"
    assert by_kind["oversized-database"]["remediation"]["terraform"]["address"] == "aws_db_instance.orders"
    assert first["summary"]["findings"] == 11 and first["summary"]["missing_price"] == 0

    code, out, err = run_cli("billing", "ingest", "billing/focus-2025-07.csv", "--db", ".finguard/billing.duckdb")
    assert code == 0, err
    code, out, err = run_cli("waste", "--inventory", "inventory-later", "--db", ".finguard/billing.duckdb",
                             "--format", "json")
    assert code == 0, err
    later = json.loads(out)
    assert later["summary"]["findings"] == 6
    resolved = {r["kind"] + ":" + r["resource_id"]: r for r in later["resolved"]}
    assert len(resolved) == 6
    realised = later["realised"]
    assert (realised["resolved"], realised["from_billing"], realised["projected_only"]) == (6, 5, 1)
    gp2 = next(r for r in later["resolved"] if r["kind"] == "gp2-volume")
    assert gp2["resolution"] == "no longer waste" and gp2["realised_monthly_savings"] == pytest.approx(5.5, abs=0.01)
    worker = next(r for r in later["resolved"] if r["kind"] == "oversized-instance")
    assert worker["realised_basis"] == "billing"
    assert worker["realised_monthly_savings"] == pytest.approx(168.72, abs=0.02)
    io1 = next(r for r in later["resolved"] if r["region"] == "us-east-1")  # not in the bill: its projection counts
    assert io1["realised_basis"] == "projected" and io1["realised_monthly_savings"] == 291.25
    # `finguard billing report` then carries the waste section: tests/waste/test_realised.py checks it
