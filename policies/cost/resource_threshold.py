"""One resource being created or changed costs more per month than the configured threshold."""

from __future__ import annotations

from decimal import Decimal

from finguard.policy.api import Example, PolicyContext, PolicyResource, Violation, policy
from finguard.policy.api import money as _money


@policy(
    id="FG-COST-001",
    title="Expensive resource",
    severity="medium",
    remediation="Check the size and count are intended; if so, record the approval as a suppression with a reason, "
                "or raise cost.resource_monthly_threshold.",
    examples=[
        Example(fails=True, hcl='''
resource "aws_instance" "gpu" {
  instance_type = "p3.8xlarge"
}'''),
        Example(fails=True, note="a lower threshold", config={"cost": {"resource_monthly_threshold": 5}}, hcl='''
resource "aws_instance" "web" {
  instance_type = "t3.micro"
}'''),
        Example(fails=False, hcl='''
resource "aws_instance" "web" {
  instance_type = "t3.micro"
}'''),
        Example(fails=False, note="threshold switched off", config={"cost": {"resource_monthly_threshold": None}},
                hcl='''
resource "aws_instance" "gpu" {
  instance_type = "p3.8xlarge"
}'''),
    ],
)
def resource_threshold(resource: PolicyResource, ctx: PolicyContext) -> Violation | None:
    """Anti-pattern: a $9,000/month GPU instance that reaches production in a routine pull request. Best
    practice: a second look at every resource above a monthly figure (cost.resource_monthly_threshold), on
    the change that creates or resizes it; resources the change leaves alone are not reported again."""
    threshold = ctx.config.cost.resource_monthly_threshold
    cost = resource.monthly_cost
    if threshold is None or cost is None or not resource.is_changing:
        return None
    if cost <= Decimal(str(threshold)):
        return None
    lower_bound = resource.cost is not None and not resource.cost.complete
    figure = f"at least {_money(cost)}" if lower_bound else _money(cost)
    before = resource.monthly_cost_before
    change = f" (was {_money(before)})" if before is not None else ""
    return Violation(f"costs {figure}/month{change}, above the {_money(threshold)}/month threshold",
                     monthly_cost_delta=resource.monthly_cost_delta)
