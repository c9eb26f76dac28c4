"""Instance families come from the platform team's allow-list and never from its deny-list."""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase
from typing import Any

from finguard.policy.api import Example, PolicyContext, PolicyResource, Violation, policy

from . import _instance_types as h


def _matches(itype: Any, patterns: list[str]) -> str | None:
    """The first entry naming this family: "m5" matches m5.large, db.m5.large and cache.m5.large; "db.m5" only
    the RDS class; shell patterns work too ("p4*", "x2ie*")."""
    for pattern in patterns:
        if fnmatchcase(itype.family, pattern) or fnmatchcase(itype.qualified_family, pattern):
            return pattern
    return None


@policy(
    id="FG-CMP-001",
    title="Instance family allow/deny list",
    severity="high",
    resource_types=h.ALL_TYPES,
    remediation="Pick an instance type from an allowed family (compute.allowed_families), or ask the platform "
                "team to allow this one.",
    examples=[
        Example(fails=True, note="a denied family", config={"compute": {"denied_families": ["p4d", "x2iedn"]}},
                hcl='''
resource "aws_instance" "train" {
  instance_type = "p4d.24xlarge"
}'''),
        Example(fails=True, note="not on the allow-list (RDS classes are checked by their family)",
                config={"compute": {"allowed_families": ["m7g", "c7g", "r7g", "t4g"]}}, hcl='''
resource "aws_db_instance" "app" {
  engine            = "postgres"
  instance_class    = "db.m5.large"
  allocated_storage = 20
}'''),
        Example(fails=True, note="every type of a node group and of an auto scaling group's overrides",
                config={"compute": {"denied_families": ["m4"]}}, hcl='''
resource "aws_eks_node_group" "workers" {
  cluster_name   = "main"
  instance_types = ["m5.large", "m4.large"]
}'''),
        Example(fails=False, config={"compute": {"allowed_families": ["m7g", "c7g", "r7g", "t4g"]}}, hcl='''
resource "aws_launch_template" "web" {
  instance_type = "m7g.large"
}'''),
        Example(fails=False, note="no lists configured: every family is allowed", hcl='''
resource "aws_instance" "train" {
  instance_type = "p4d.24xlarge"
}'''),
    ],
)
def instance_families(resource: PolicyResource, ctx: PolicyContext) -> Iterator[Violation]:
    """Anti-pattern: a p4d.24xlarge ($24k/month) started for a quick test, or a family the organisation has
    no reservations or savings plans for. Best practice: an explicit list of the families the platform team
    supports and commits to (compute.allowed_families), and a deny-list for the expensive outliers. An entry
    names a family in every service ("m5" also covers db.m5 and cache.m5 classes, "db.m5" only RDS) and may be
    a shell pattern ("p4*")."""
    compute = ctx.config.compute
    if not compute.allowed_families and not compute.denied_families:
        return
    for itype in h.instance_types(resource):
        what = h.label(resource, itype)
        denied = _matches(itype, compute.denied_families)
        if denied is not None:
            yield Violation(f"{what}: instance family {itype.qualified_family} is denied (by {denied!r})")
        elif compute.allowed_families and _matches(itype, compute.allowed_families) is None:
            yield Violation(f"{what}: instance family {itype.qualified_family} is not in the allowed families "
                            f"({', '.join(compute.allowed_families)})")
