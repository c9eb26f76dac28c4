"""Pricing "before" reuses the "after" cost of unchanged resources priced alone; it must never change a figure."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from finguard.pricing.catalog import Catalog
from finguard.pricing.estimate import estimate
from finguard.terraform.plan import load_plan, plan_to_project

from .plan_builder import PlanBuilder

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.open_default()


def _same(a, b) -> None:
    assert [r.model_dump() for r in a.resources] == [r.model_dump() for r in b.resources]
    assert a.monthly_cost == b.monthly_cost and a.counts == b.counts


@pytest.mark.parametrize("plan", sorted(ROOT.glob("examples/terraform/*/plan.json")), ids=lambda p: p.parent.name)
def test_reuse_gives_the_same_before_cost_on_the_examples(catalog: Catalog, plan: Path) -> None:
    project = load_plan(plan)
    after = estimate(project, catalog, "after")
    _same(estimate(project, catalog, "before", reuse=after), estimate(project, catalog, "before"))


def test_reuse_gives_the_same_before_cost_on_a_generated_estate(catalog: Catalog) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate_plan import generate

    project = plan_to_project(generate(600, seed=3))
    after = estimate(project, catalog, "after")
    reused = estimate(project, catalog, "before", reuse=after)
    _same(reused, estimate(project, catalog, "before"))
    assert sum(1 for r in project.resources if r.action.value == "no-op") > 100  # the path was taken


def test_an_unchanged_asg_whose_launch_template_changes_is_priced_again(catalog: Catalog) -> None:
    """The ASG is no-op, but its cost follows the template's instance type: not reusable."""
    template = {"name": "lt", "instance_type": "m5.large"}
    builder = PlanBuilder()
    builder.add("aws_launch_template.lt", {**template, "instance_type": "m5.4xlarge"}, before=template,
                actions=["update"])
    asg = {"name": "asg", "min_size": 2, "max_size": 2, "desired_capacity": 2,
           "launch_template": [{"name": "lt", "version": "$Latest"}]}
    builder.add("aws_autoscaling_group.asg", asg, before=asg, actions=["no-op"],
                references={"launch_template.0.id": ["aws_launch_template.lt.id", "aws_launch_template.lt"],
                            "launch_template.0.name": ["aws_launch_template.lt.name", "aws_launch_template.lt"]})
    project = plan_to_project(builder.build())
    after = estimate(project, catalog, "after")
    before = estimate(project, catalog, "before", reuse=after)
    cost = {r.address: r.monthly_cost for r in after.resources}["aws_autoscaling_group.asg"]
    old = {r.address: r.monthly_cost for r in before.resources}["aws_autoscaling_group.asg"]
    assert cost is not None and old is not None and cost > old * 4
    _same(before, estimate(project, catalog, "before"))
