"""Instances stay within the largest size allowed for their environment (dev: xlarge, ...)."""

from __future__ import annotations

from collections.abc import Iterator

from finguard.policy.api import Example, PolicyContext, PolicyResource, Violation, policy

from . import _instance_types as h


def _environment(resource: PolicyResource, key: str) -> str | None:
    """The env tag: the resource's tags (provider default_tags included), else an auto scaling group's `tag`
    blocks, else the instance tags of a launch template's tag_specifications."""
    value = resource.tags.get(key)
    if value:
        return value
    for block in _blocks(resource, "tag"):  # aws_autoscaling_group
        if isinstance(block, dict) and block.get("key") == key and isinstance(block.get("value"), str):
            return block["value"]
    for spec in _blocks(resource, "tag_specifications"):  # aws_launch_template
        if isinstance(spec, dict) and spec.get("resource_type") == "instance" and isinstance(spec.get("tags"), dict):
            tagged = spec["tags"].get(key)
            if isinstance(tagged, str) and tagged:
                return tagged
    return None


def _blocks(resource: PolicyResource, name: str) -> list[object]:
    """A nested-block attribute's list; none when it holds anything else (a malformed plan: `tag = 5`)."""
    value = resource.attr(name, None)
    return value if isinstance(value, list) else []


@policy(
    id="FG-CMP-002",
    title="Maximum instance size per environment",
    severity="medium",
    resource_types=h.ALL_TYPES,
    remediation="Use a smaller size in this environment, or raise compute.max_size_by_env for it in finguard.yml.",
    examples=[
        Example(fails=True, hcl='''
resource "aws_instance" "api" {
  instance_type = "m5.4xlarge"
  tags = { env = "dev" }
}'''),
        Example(fails=True, note="RDS classes and custom limits",
                config={"compute": {"max_size_by_env": {"dev": "large"}}}, hcl='''
resource "aws_db_instance" "app" {
  engine            = "mysql"
  instance_class    = "db.r6i.xlarge"
  allocated_storage = 20
  tags = { env = "dev" }
}'''),
        Example(fails=False, hcl='''
resource "aws_instance" "api" {
  instance_type = "m5.xlarge"
  tags = { env = "dev" }
}'''),
        Example(fails=False, note="no limit for prod", hcl='''
resource "aws_instance" "api" {
  instance_type = "m5.4xlarge"
  tags = { env = "prod" }
}'''),
    ],
)
def max_size_by_env(resource: PolicyResource, ctx: PolicyContext) -> Iterator[Violation]:
    """Anti-pattern: a 4xlarge in dev because it was copied from the prod module. Best practice: small sizes
    outside production, with the limit per environment set once in finguard.yml (compute.max_size_by_env);
    sizes rank nano < micro < small < medium < large < xlarge < 2xlarge < ... < 48xlarge < metal."""
    compute = ctx.config.compute
    if not compute.max_size_by_env or resource.is_unknown("tags_all"):
        return
    env = _environment(resource, compute.env_tag)
    limit = compute.max_size_by_env.get(env) if env is not None else None
    if limit is None:
        return
    limit_rank = h.size_rank(limit)
    if limit_rank is None:
        raise ValueError(f"compute.max_size_by_env.{env} is {limit!r}, not an instance size "
                         "(nano, micro, small, medium, large, xlarge, 2xlarge, ..., metal)")
    for itype in h.instance_types(resource):
        rank = h.size_rank(itype.size)
        if rank is not None and rank > limit_rank:
            yield Violation(f"{h.label(resource, itype)} is larger than {limit}, the largest size allowed "
                            f"for {compute.env_tag}={env}")
