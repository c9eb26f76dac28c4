"""Every taggable resource carries the tags the taxonomy requires (provider default_tags count)."""

from __future__ import annotations

from finguard.policy.api import Example, PolicyContext, PolicyResource, Violation, policy


@policy(
    id="FG-TAG-001",
    title="Required tags",
    severity="high",
    remediation="Add the missing tags to the resource, or to the provider's default_tags block.",
    examples=[
        Example(fails=True, hcl='''
resource "aws_instance" "web" {
  instance_type = "t3.micro"
  tags = { team = "web" }
}'''),
        Example(fails=False, note="default_tags supply what the resource omits", hcl='''
provider "aws" {
  region = "us-east-1"
  default_tags {
    tags = { team = "web", env = "prod", cost-center = "CC-1234" }
  }
}
resource "aws_instance" "web" {
  instance_type = "t3.micro"
}'''),
        Example(fails=False, note="resources that cannot be tagged are exempt", hcl='''
resource "aws_iam_role_policy_attachment" "ssm" {
  role       = "app"
  policy_arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
}'''),
    ],
)
def required_tags(resource: PolicyResource, ctx: PolicyContext) -> Violation | None:
    """Anti-pattern: a resource nobody can attribute cost to. Best practice: tag team, env and cost
    center on every resource, ideally once through the provider's default_tags."""
    if not resource.is_taggable or resource.is_unknown("tags_all"):
        return None
    taxonomy = ctx.config.taxonomy
    present = {k if taxonomy.case_sensitive_keys else k.lower() for k, v in resource.tags.items() if v != ""}
    required = [t if taxonomy.case_sensitive_keys else t.lower() for t in taxonomy.required_tags]
    missing = [t for t in required if t not in present]
    if missing:
        return Violation(f"missing required tags: {', '.join(missing)}")
    return None
