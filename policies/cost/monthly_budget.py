"""The project's monthly cost after the change exceeds its budget."""

from __future__ import annotations

from decimal import Decimal

from finguard.policy.api import Example, PolicyContext, PolicyProject, Violation, project_policy
from finguard.policy.api import money as _money
from finguard.policy.model import Severity


@project_policy(
    id="FG-COST-003",
    title="Monthly budget",
    severity="high",
    remediation="Bring the project back under cost.monthly_budget (smaller sizes, fewer resources, commitments), "
                "or agree a new budget with its owner.",
    examples=[
        Example(fails=True, config={"cost": {"monthly_budget": 100}}, hcl='''
resource "aws_instance" "api" {
  instance_type = "m5.xlarge"
}'''),
        Example(fails=False, config={"cost": {"monthly_budget": 100}}, hcl='''
resource "aws_instance" "api" {
  instance_type = "t3.medium"
}'''),
        Example(fails=False, note="no budget configured", hcl='''
resource "aws_instance" "api" {
  instance_type = "m5.xlarge"
}'''),
    ],
)
def monthly_budget(project: PolicyProject, ctx: PolicyContext) -> Violation | None:
    """Anti-pattern: a budget agreed once and checked only when the invoice arrives. Best practice: every
    change checked against the project's monthly budget (cost.monthly_budget) before it is applied. A change
    that lowers the cost of a project still over budget is reported at low severity, so it never blocks."""
    budget = ctx.config.cost.monthly_budget
    if budget is None:
        return None
    limit = Decimal(str(budget))
    after = project.monthly_cost_after
    if after <= limit:
        return None
    delta = project.monthly_cost_delta
    partial = "" if project.complete else " (at least: some resources could not be priced)"
    message = (f"monthly cost after this change, {_money(after)}{partial}, exceeds the {_money(limit)} budget "
               f"by {_money(after - limit)} (this change: {'+' if delta >= 0 else '-'}{_money(abs(delta))})")
    if delta <= 0:
        return Violation(message + "; the project was already over budget and this change does not add to it",
                         severity=Severity.LOW, monthly_cost_delta=delta)
    return Violation(message, monthly_cost_delta=delta)
