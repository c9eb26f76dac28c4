"""Cost pack (FG-COST-001..003): thresholds and budgets on hand-computed EBS figures (gp3 $0.08/GB-month
in us-east-1), creates vs updates vs untouched resources, and config overrides."""

from __future__ import annotations

from typing import Any

import pytest

from finguard.policy.model import Finding
from finguard.policy.testing import change_findings
from finguard.policy.testing import snippet_findings as findings


def gp3(size: int) -> dict[str, Any]:
    """A gp3 volume: size x $0.08 per month in us-east-1, nothing else priced (3,000 IOPS, 125 MiB/s included)."""
    return {"availability_zone": "us-east-1a", "type": "gp3", "size": size}


def plan_findings(policy_id: str, changes: list[tuple[str, dict[str, Any] | None, dict[str, Any] | None]],
                  config: dict[str, Any] | None = None) -> list[Finding]:
    """Check a plan of (address, before, after) changes: create, update, no-op or delete by what is given."""
    return change_findings(policy_id, [(address, before, after, None) for address, before, after in changes],
                           config)


# -- FG-COST-001 ----------------------------------------------------------------------------------------
def test_resource_above_the_threshold() -> None:
    found = plan_findings("FG-COST-001", [("aws_ebs_volume.data", None, gp3(500))],  # 500 x 0.08 = $40.00
                          {"cost": {"resource_monthly_threshold": 39.99}})
    assert [f.message for f in found] == ["costs $40.00/month, above the $39.99/month threshold"]
    assert found[0].severity == "medium"
    assert found[0].monthly_cost_delta == pytest.approx(40.0)


def test_resource_at_the_threshold_passes() -> None:
    assert not plan_findings("FG-COST-001", [("aws_ebs_volume.data", None, gp3(500))],
                             {"cost": {"resource_monthly_threshold": 40}})


def test_update_shows_the_previous_cost() -> None:
    found = plan_findings("FG-COST-001", [("aws_ebs_volume.data", gp3(100), gp3(1000))],  # $8.00 -> $80.00
                          {"cost": {"resource_monthly_threshold": 50}})
    assert [f.message for f in found] == ["costs $80.00/month (was $8.00), above the $50.00/month threshold"]
    assert found[0].monthly_cost_delta == pytest.approx(72.0)


def test_unchanged_resources_are_not_reported_again() -> None:
    assert not plan_findings("FG-COST-001", [("aws_ebs_volume.data", gp3(1000), gp3(1000))],
                             {"cost": {"resource_monthly_threshold": 50}})


def test_incomplete_cost_is_a_lower_bound() -> None:
    hcl = 'resource "aws_instance" "web" {\n  instance_type = "m5.xlarge"\n}\n'  # 0.192 x 730 + root volume
    found = findings("FG-COST-001", hcl, {"cost": {"resource_monthly_threshold": 100}})
    assert [f.message for f in found] == ["costs at least $140.16/month, above the $100.00/month threshold"]


def test_threshold_switched_off() -> None:
    assert not plan_findings("FG-COST-001", [("aws_ebs_volume.data", None, gp3(100_000))],
                             {"cost": {"resource_monthly_threshold": None}})


# -- FG-COST-002 ----------------------------------------------------------------------------------------
def test_absolute_increase_above_the_threshold() -> None:
    found = plan_findings("FG-COST-002", [("aws_ebs_volume.big", None, gp3(7000))])  # +$560.00
    assert [f.message for f in found] == [
        "monthly cost rises from $0.00 to $560.00 (+$560.00), above the $500.00/month threshold"]
    assert found[0].address is None and found[0].severity == "high"
    assert found[0].monthly_cost_delta == pytest.approx(560.0)


def test_percent_increase_above_the_limit() -> None:
    changes = [("aws_ebs_volume.data", gp3(1000), gp3(1300))]  # $80.00 -> $104.00: +$24.00, +30%
    found = plan_findings("FG-COST-002", changes)
    assert [f.message for f in found] == [
        "monthly cost rises from $80.00 to $104.00 (+$24.00, +30.0%), above the 25% limit"]


def test_both_limits_named() -> None:
    changes = [("aws_ebs_volume.data", gp3(1000), gp3(10000))]  # $80.00 -> $800.00: +$720.00, +900%
    found = plan_findings("FG-COST-002", changes)
    assert found[0].message.endswith("(+$720.00, +900.0%), above the $500.00/month threshold and the 25% limit")


def test_increase_within_limits_passes() -> None:
    assert not plan_findings("FG-COST-002", [("aws_ebs_volume.data", gp3(1000), gp3(1200))])  # +$16.00, +20%


def test_decrease_passes() -> None:
    assert not plan_findings("FG-COST-002", [("aws_ebs_volume.data", gp3(10000), gp3(100))])


def test_percent_limit_override_and_off() -> None:
    changes = [("aws_ebs_volume.data", gp3(1000), gp3(1200))]  # +20%
    assert plan_findings("FG-COST-002", changes, {"cost": {"project_delta_percent": 10}})
    changes = [("aws_ebs_volume.data", gp3(1000), gp3(1300))]  # +30%
    assert not plan_findings("FG-COST-002", changes, {"cost": {"project_delta_percent": None}})


# -- FG-COST-003 ----------------------------------------------------------------------------------------
def test_over_budget() -> None:
    found = plan_findings("FG-COST-003", [("aws_ebs_volume.data", gp3(500), gp3(1000))],  # $40.00 -> $80.00
                          {"cost": {"monthly_budget": 50}})
    assert [f.message for f in found] == [
        "monthly cost after this change, $80.00, exceeds the $50.00 budget by $30.00 (this change: +$40.00)"]
    assert found[0].severity == "high" and found[0].address is None


def test_at_budget_passes() -> None:
    assert not plan_findings("FG-COST-003", [("aws_ebs_volume.data", None, gp3(625))],  # 625 x 0.08 = $50.00
                             {"cost": {"monthly_budget": 50}})


def test_a_saving_on_a_project_over_budget_does_not_block() -> None:
    found = plan_findings("FG-COST-003", [("aws_ebs_volume.data", gp3(1000), gp3(900))],  # $80.00 -> $72.00
                          {"cost": {"monthly_budget": 50}})
    assert len(found) == 1 and found[0].severity == "low"
    assert "(this change: -$8.00); the project was already over budget" in found[0].message


def test_no_budget_configured() -> None:
    assert not plan_findings("FG-COST-003", [("aws_ebs_volume.data", None, gp3(100_000))])
