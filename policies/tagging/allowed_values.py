"""Tag values come from the taxonomy's allowed lists (env in dev/staging/prod, ...)."""

from __future__ import annotations

from collections.abc import Iterator

from finguard.policy.api import Example, PolicyContext, PolicyResource, Violation, policy


@policy(
    id="FG-TAG-002",
    title="Allowed tag values",
    severity="medium",
    remediation="Use one of the allowed values; reports and chargeback group by exact tag values.",
    examples=[
        Example(fails=True, hcl='''
resource "aws_instance" "web" {
  instance_type = "t3.micro"
  tags = { env = "Production" }
}'''),
        Example(fails=False, hcl='''
resource "aws_instance" "web" {
  instance_type = "t3.micro"
  tags = { env = "prod" }
}'''),
    ],
)
def allowed_values(resource: PolicyResource, ctx: PolicyContext) -> Iterator[Violation]:
    """Anti-pattern: env = "Production" on one resource and "prod" on the next, splitting every report.
    Best practice: one spelling per value, from the taxonomy."""
    if resource.is_unknown("tags_all"):
        return
    for key, allowed in ctx.config.taxonomy.allowed_values.items():
        value = resource.tags.get(key)
        if value is not None and value not in allowed:
            hint = next((a for a in allowed if a.lower() == value.lower() or value.lower().startswith(a.lower())),
                        None)
            suggestion = f" (did you mean {hint!r}?)" if hint else ""
            yield Violation(f"tag {key}={value!r} is not one of {', '.join(allowed)}{suggestion}")
