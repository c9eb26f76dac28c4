"""Estimate vs actual: each matching key, normalisation to 730 hours, MAPE/WAPE/coverage, unmatched spend, the
breakdown carrying tags and state ids, and an anomaly of the generator whose cost is known exactly.

Billed usage in fixtures/billing/jobs/estimates_focus.csv, window 2024-05-01..10 (240 hours):
* i-0web: 2.304 a day (also on 04-30 and 05-11, outside the window), tagged terraform_address=aws_instance.web;
* db:main: 4.56 a day from 05-06 only (120 hours): the breakdown knows its ARN from state;
* i-0worker1: list 4.32 a day (SP-covered: effective 3.1104, billed 0), found by an explicit glob;
* assets-bucket: 0.5 a day, tagged Name=assets like its estimate;
* unmatched: a Lambda function (0.3 a day), web's volume (0.25, Name=web, but web already matched by its
  address tag), i-0dup (0.1, Name=dup, a Name two estimates share); and a tax row (no ResourceId, ignored).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pytest

from finguard.billing.estimates import MatchConfig, compare_estimates
from finguard.billing.generate import GeneratorSpec, GroundTruth, write
from finguard.model import ProjectCost, ResourceCost, ResourceStatus
from finguard.pricing.estimate import estimate
from finguard.report.json_format import read_breakdown, read_saved_breakdown, render_breakdown
from finguard.terraform.plan import plan_to_project

from ..conftest import FIXTURES
from ..plan_builder import PlanBuilder
from .test_commitments import focus_table

JOBS = FIXTURES / "billing" / "jobs"
START, END = date(2024, 5, 1), date(2024, 5, 10)
WORKER = MatchConfig(resource_ids={"aws_instance.worker": ["arn:aws:ec2:*:*:instance/i-0work*"]})


@pytest.fixture(scope="module")
def charges() -> ir.Table:
    return focus_table(JOBS / "estimates_focus.csv")


@pytest.fixture(scope="module")
def breakdown() -> ProjectCost:
    return read_saved_breakdown(JOBS / "breakdown_after.json")


def test_each_matching_key_by_hand(charges: ir.Table, breakdown: ProjectCost) -> None:
    result = compare_estimates(breakdown, charges, start=START, end=END, config=WORKER)
    r = {c.address: c for c in result.resources}
    assert "aws_ebs_volume.old" not in r  # skipped in this state: nothing to compare
    web = r["aws_instance.web"]
    assert (web.matched_by, web.actual, web.hours_observed) == ("address_tag", pytest.approx(23.04), 240.0)
    assert web.actual_monthly == pytest.approx(70.08) and web.error == pytest.approx(0.0, abs=1e-9)
    db = r["aws_db_instance.main"]
    assert (db.matched_by, db.hours_observed) == ("resource_id", 120.0)  # created mid-window: 5 days observed
    assert db.actual_monthly == pytest.approx(0.19 * 730) and db.error == pytest.approx(14.6)
    assert db.error_pct == pytest.approx(14.6 / 124.1 * 100)
    worker = r["aws_instance.worker"]
    assert worker.matched_by == "resource_id" and worker.actual_monthly == pytest.approx(131.4)
    assert worker.error_pct == pytest.approx(-6.25)
    assets = r["aws_s3_bucket.assets"]
    assert assets.matched_by == "tags" and assets.actual_monthly == pytest.approx(5.0 * 730 / 240)
    assert {r[a].matched_by for a in ("aws_nat_gateway.main", "aws_instance.a", "aws_instance.b")} == {None}
    assert any("Name='dup' is on 2 estimated resources" in w for w in result.warnings)
    assert r["aws_iam_role.app"].estimated_monthly == 0.0 and r["aws_iam_role.app"].matched_by is None

    errors_pct = [0.0, 14.6 / 124.1 * 100, 6.25, (5.0 * 730 / 240 - 11.5) / 11.5 * 100]
    assert result.mape == pytest.approx(sum(errors_pct) / 4)
    estimated = 70.08 + 124.1 + 140.16 + 11.5
    abs_errors = 0.0 + 14.6 + 8.76 + (5.0 * 730 / 240 - 11.5)
    assert result.wape == pytest.approx(abs_errors / estimated * 100)
    assert result.bias == pytest.approx((14.6 - 8.76 + (5.0 * 730 / 240 - 11.5)) / estimated * 100)
    assert result.coverage == pytest.approx(estimated / (estimated + 52.85) * 100)
    assert result.matched == 4 and result.by_match == {"address_tag": 1, "resource_id": 2, "tags": 1}
    assert result.unmatched_estimates == ["aws_nat_gateway.main", "aws_instance.a", "aws_instance.b"]
    assert result.unmatched_estimated_monthly == pytest.approx(52.85)
    assert result.unmatched_billed_cost == pytest.approx(6.5)  # Lambda 3.0 + volume 2.5 + i-0dup 1.0
    assert result.unmatched_billed_monthly == pytest.approx(6.5 * 730 / 240)
    assert [(u.resource_id.rsplit(":", 1)[-1], u.cost) for u in result.unmatched_billed_top] == [
        ("misc", pytest.approx(3.0)), ("volume/vol-0web", pytest.approx(2.5)),
        ("instance/i-0dup", pytest.approx(1.0))]


def test_options_change_what_matches(charges: ir.Table, breakdown: ProjectCost) -> None:
    plain = compare_estimates(breakdown, charges, start=START, end=END)
    assert {c.address: c.matched_by for c in plain.resources}["aws_instance.worker"] is None
    effective = compare_estimates(breakdown, charges, start=START, end=END,
                                  config=WORKER.model_copy(update={"cost": "EffectiveCost"}))
    worker = next(c for c in effective.resources if c.address == "aws_instance.worker")
    assert worker.actual_monthly == pytest.approx(3.1104 * 730 / 24)  # what the Savings Plan made it cost
    no_tags = compare_estimates(breakdown, charges.drop("x_Tags"), start=START, end=END, config=WORKER)
    assert no_tags.by_match == {"resource_id": 2} and "tag matching" in no_tags.warnings[0]
    by_name_only = compare_estimates(breakdown, charges, start=START, end=END,
                                     config=MatchConfig(address_tag=None, use_state_ids=False))
    # Without the address tag, web is found by its Name tag, and takes its volume along.
    web = next(c for c in by_name_only.resources if c.address == "aws_instance.web")
    assert web.matched_by == "tags" and web.actual == pytest.approx(23.04 + 2.5)
    assert "aws_db_instance.main" in by_name_only.unmatched_estimates


def test_old_breakdowns_without_the_new_fields_still_load(breakdown: ProjectCost) -> None:
    nat = next(r for r in breakdown.resources if r.address == "aws_nat_gateway.main")
    assert nat.tags == {} and nat.resource_ids == []
    data = json.loads((JOBS / "breakdown_after.json").read_text())
    for res in data["resources"]:
        res.pop("tags", None)
        res.pop("resource_ids", None)
    assert read_breakdown(json.dumps(data), "old.json").resources[0].tags == {}


def test_breakdown_carries_tags_and_state_ids(catalog, charges: ir.Table) -> None:  # type: ignore[no-untyped-def]
    builder = PlanBuilder(default_tags={"team": "web"})
    arn = "arn:aws:ec2:us-east-1:111111111111:instance/i-0worker1"
    state = {"instance_type": "m5.large", "id": "i-0worker1", "arn": arn, "tags": {"Name": "worker"}}
    builder.add("aws_instance.worker", state | {"instance_type": "m5.xlarge"}, before=state)
    builder.add("aws_instance.new", {"instance_type": "m5.large", "tags": {"Name": "new"}},
                unknown={"id": True, "arn": True})
    project = plan_to_project(builder.build(), source="plan.json")
    saved = read_breakdown(render_breakdown(estimate(project, catalog)), "saved.json")
    worker = next(r for r in saved.resources if r.address == "aws_instance.worker")
    assert worker.resource_ids == [arn, "i-0worker1"] and worker.tags == {"team": "web", "Name": "worker"}
    new = next(r for r in saved.resources if r.address == "aws_instance.new")
    assert new.resource_ids == [] and new.tags == {"team": "web", "Name": "new"}
    result = compare_estimates(saved, charges, start=START, end=END)
    matched = next(c for c in result.resources if c.address == "aws_instance.worker")
    assert matched.matched_by == "resource_id" and matched.actual_monthly == pytest.approx(131.4)


def test_level_shift_anomaly_costs_what_the_generator_says(tmp_path: Path) -> None:
    """A generated level shift adds a known cost per day from its start to the window's end: estimating it at
    that rate must come out with no error, and the actual must be its exact total."""
    path = tmp_path / "gen.parquet"
    truth: GroundTruth = write(GeneratorSpec(seed=11, rows=20_000), path)
    shift = next(a for a in truth.anomalies if a.kind == "level_shift")
    monthly = Decimal(str(shift.added_cost_per_day)) / 24 * 730
    cost = ProjectCost(project="p", source="s", state="after", resources=[
        ResourceCost(address="aws_instance.shift", type="aws_instance", status=ResourceStatus.PRICED,
                     monthly_cost=monthly)])
    config = MatchConfig(resource_ids={"aws_instance.shift": shift.resource_ids})
    result = compare_estimates(cost, ibis.duckdb.connect().read_parquet(path), start=shift.start, end=shift.end,
                               config=config)
    r = result.resources[0]
    assert r.actual == pytest.approx(shift.total_added_cost, abs=1e-9)
    assert r.hours_observed == ((shift.end - shift.start).days + 1) * 24
    assert r.error == pytest.approx(0.0, abs=1e-6) and result.wape == pytest.approx(0.0, abs=1e-9)
    assert result.coverage == 100.0 and sorted(r.billed_resource_ids) == sorted(shift.resource_ids)
