"""The change raises the project's monthly cost by more than the configured amount or percentage."""

from __future__ import annotations

from decimal import Decimal

from finguard.policy.api import Example, PolicyContext, PolicyProject, Violation, project_policy
from finguard.policy.api import money as _money


@project_policy(
    id="FG-COST-002",
    title="Project cost increase",
    severity="high",
    remediation="Review the largest increases in the cost diff; if the increase is planned, record the approval "
                "as a suppression with a reason, or raise cost.project_delta_threshold / project_delta_percent.",
    examples=[
        Example(fails=True, hcl='''
resource "aws_instance" "gpu" {
  instance_type = "p3.2xlarge"
}'''),
        Example(fails=False, hcl='''
resource "aws_instance" "web" {
  instance_type = "t3.micro"
}'''),
        Example(fails=False, note="thresholds switched off",
                config={"cost": {"project_delta_threshold": None, "project_delta_percent": None}}, hcl='''
resource "aws_instance" "gpu" {
  instance_type = "p3.2xlarge"
}'''),
    ],
)
def project_delta(project: PolicyProject, ctx: PolicyContext) -> Violation | None:
    """Anti-pattern: a pull request that adds thousands per month without anyone deciding to spend it. Best
    practice: an explicit review when a change adds more than cost.project_delta_threshold (USD per month) or
    cost.project_delta_percent (percent of the current monthly cost; a new project has no percentage)."""
    if not project.prior_state_known:
        return None  # .tf code without a plan or --compare-to: what the change adds cannot be known
    cost = ctx.config.cost
    delta = project.monthly_cost_delta
    if delta <= 0:
        return None
    percent = project.monthly_cost_delta_percent
    reasons = []
    if cost.project_delta_threshold is not None and delta > Decimal(str(cost.project_delta_threshold)):
        reasons.append(f"the {_money(cost.project_delta_threshold)}/month threshold")
    if cost.project_delta_percent is not None and percent is not None \
            and percent > Decimal(str(cost.project_delta_percent)):
        reasons.append(f"the {cost.project_delta_percent:g}% limit")
    if not reasons:
        return None
    shown_percent = f", +{percent:.1f}%" if percent is not None else ""
    partial = "" if project.complete else " (estimate incomplete: some costs could not be priced)"
    return Violation(f"monthly cost rises from {_money(project.monthly_cost_before)} to "
                     f"{_money(project.monthly_cost_after)} (+{_money(delta)}{shown_percent}), above "
                     f"{' and '.join(reasons)}{partial}", monthly_cost_delta=delta)
