"""x86 instances with an arm64 (AWS Graviton) equivalent of the same size, and what the switch saves."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict

from finguard.policy.api import Example, PolicyContext, PolicyResource, Violation, policy

from . import _instance_types as h


class GravitonParams(BaseModel):
    """finguard.yml `policies.settings.FG-CMP-004`."""

    model_config = ConfigDict(extra="forbid")

    suggest_graviton: bool = True  # false: never suggest (e.g. x86-only software everywhere)
    min_monthly_saving: float = 0.0  # suggest only when the known saving is at least this (USD per month)


# x86 family -> Graviton families, preferred first
GRAVITON: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("m5", "m5a", "m6i", "m6a", "m7i", "m7i-flex", "m7a"), ("m7g", "m6g")),
    **dict.fromkeys(("m5d", "m5ad", "m6id"), ("m7gd", "m6gd")),
    **dict.fromkeys(("c5", "c5a", "c6i", "c6a", "c7i", "c7i-flex", "c7a"), ("c7g", "c6g")),
    **dict.fromkeys(("c5d", "c5ad", "c6id"), ("c7gd", "c6gd")),
    **dict.fromkeys(("c5n", "c6in"), ("c7gn", "c6gn")),
    **dict.fromkeys(("r5", "r5a", "r6i", "r6a", "r7i", "r7a"), ("r7g", "r6g")),
    **dict.fromkeys(("r5d", "r5ad", "r6id"), ("r7gd", "r6gd")),
    **dict.fromkeys(("t3", "t3a"), ("t4g",)),
}
_G = ("medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge")
SIZES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("m7g", "m6g", "m7gd", "m6gd", "c7g", "c6g", "c7gd", "c6gd", "r7g", "r6g", "r7gd", "r6gd",
                     "c7gn"), (*_G, "metal")),
    "c6gn": _G,
    "t4g": ("nano", "micro", "small", "medium", "large", "xlarge", "2xlarge"),
}
# EKS AMI types with an arm64 twin; any other x86 type (Windows, GPU, Neuron, CUSTOM) is left alone.
ARM_AMI_TYPES = {
    "AL2_x86_64": "AL2_ARM_64",
    "AL2023_x86_64_STANDARD": "AL2023_ARM_64_STANDARD",
    "BOTTLEROCKET_x86_64": "BOTTLEROCKET_ARM_64",
}
DEFAULT_AMI_TYPE = "AL2_x86_64"


def _ami_note(resource: PolicyResource) -> str | None:
    """What else must change with the type; None when the image is known to be x86-only (skip)."""
    if resource.type == "aws_eks_node_group":
        ami_type = resource.attr("ami_type")
        if resource.is_unknown("ami_type") or (ami_type is not None and not isinstance(ami_type, str)):
            return None
        if resource.attr("launch_template") and ami_type is None:
            return "needs an arm64 AMI in the launch template"
        arm = ARM_AMI_TYPES.get(ami_type or DEFAULT_AMI_TYPE)
        return f"set ami_type = {arm}" if arm else None
    if resource.attr("get_password_data") is True:  # a Windows instance: no Windows on Graviton
        return None
    return "needs an arm64 build of the AMI"


@policy(
    id="FG-CMP-004",
    title="Graviton (arm64) alternative",
    severity="low",
    resource_types=list(h.EC2_TYPES),
    params=GravitonParams,
    remediation="Switch to the Graviton type of the same size with an arm64 image (most Linux distributions, "
                "containers built for linux/arm64, managed runtimes); or turn the suggestion off with "
                "policies.settings.FG-CMP-004.suggest_graviton: false.",
    examples=[
        Example(fails=True, hcl='''
resource "aws_instance" "api" {
  ami           = "ami-0abcdef1234567890"
  instance_type = "m5.large"
}'''),
        Example(fails=True, note="EKS node groups: the AMI type changes with the instance type", hcl='''
resource "aws_eks_node_group" "workers" {
  cluster_name   = "main"
  instance_types = ["c6i.xlarge"]
  ami_type       = "AL2023_x86_64_STANDARD"
}'''),
        Example(fails=False, hcl='''
resource "aws_instance" "api" {
  instance_type = "m7g.large"
}'''),
        Example(fails=False, note="an x86-only AMI type (Windows) is left alone", hcl='''
resource "aws_eks_node_group" "windows" {
  cluster_name   = "main"
  instance_types = ["m5.large"]
  ami_type       = "WINDOWS_CORE_2022_x86_64"
}'''),
        Example(fails=False, note="switched off in finguard.yml",
                config={"policies": {"settings": {"FG-CMP-004": {"suggest_graviton": False}}}}, hcl='''
resource "aws_instance" "api" {
  instance_type = "m5.large"
}'''),
    ],
)
def graviton(resource: PolicyResource, ctx: PolicyContext) -> Iterator[Violation]:
    """Anti-pattern: general-purpose Linux services on x86 types by habit, paying about 15-20% more for the
    same vCPUs and memory. Best practice: Graviton (m7g, c7g, r7g, t4g) wherever the software runs on arm64.
    Assumption: an AMI ID does not say its architecture, so instances and launch templates are assumed to
    have an arm64 build of their image (Windows instances, `get_password_data`, are skipped); EKS node
    groups are skipped when their AMI type has no arm64 twin (Windows, GPU, Neuron, CUSTOM)."""
    params = ctx.params
    if not isinstance(params, GravitonParams) or not params.suggest_graviton:
        return
    note = _ami_note(resource)
    if note is None:
        return
    for itype in h.instance_types(resource):
        targets = [f for f in GRAVITON.get(itype.family, ()) if itype.size in SIZES.get(f, ())]
        if itype.prefix or not targets:
            continue
        suggestion = itype.with_family(targets[0])
        price, delta = h.compare(ctx, resource, itype, suggestion)
        if delta is None and len(targets) > 1:  # the preferred family has no price here: try the older one
            fallback = itype.with_family(targets[1])
            fallback_price, fallback_delta = h.compare(ctx, resource, itype, fallback)
            if fallback_delta is not None:
                suggestion, price, delta = fallback, fallback_price, fallback_delta
        if delta is not None and (delta >= 0 or -delta < params.min_monthly_saving):
            continue
        yield Violation(f"{h.label(resource, itype)} has a Graviton (arm64) equivalent, {suggestion}: {price}; {note}",
                        monthly_cost_delta=delta)
