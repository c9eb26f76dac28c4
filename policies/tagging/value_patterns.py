"""Tag values match the taxonomy's patterns (cost-center format, owner e-mail, ...)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from finguard.policy.api import Example, PolicyContext, PolicyResource, Violation, policy


@policy(
    id="FG-TAG-003",
    title="Tag value format",
    severity="medium",
    remediation="Fix the tag value to match the required format.",
    examples=[
        Example(fails=True, hcl='''
resource "aws_ebs_volume" "data" {
  availability_zone = "us-east-1a"
  size              = 10
  tags = { cost-center = "1234" }
}'''),
        Example(fails=False, hcl='''
resource "aws_ebs_volume" "data" {
  availability_zone = "us-east-1a"
  size              = 10
  tags = { cost-center = "CC-1234" }
}'''),
    ],
)
def value_patterns(resource: PolicyResource, ctx: PolicyContext) -> Iterator[Violation]:
    """Anti-pattern: cost-center = "1234", which finance cannot match to a ledger. Best practice: values
    that follow the format the finance system expects."""
    if resource.is_unknown("tags_all"):
        return
    for key, pattern in ctx.config.taxonomy.patterns.items():
        value = resource.tags.get(key)
        if value is not None and not re.search(pattern, value):
            yield Violation(f"tag {key}={value!r} does not match {pattern}")
