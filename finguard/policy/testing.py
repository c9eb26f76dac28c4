"""Helpers for testing policies (finguard's own packs, and yours): check a snippet or a small plan with
one policy and get its findings. A policy error fails the test instead of passing silently.

    from finguard.policy.testing import snippet_findings
    assert snippet_findings("FG-TAG-001", 'resource "aws_instance" "x" { instance_type = "t3.micro" }')
"""

from __future__ import annotations

from typing import Any

from finguard.config import FinguardConfig
from finguard.model import Project
from finguard.policy.model import CheckResult, Finding, FindingKind

AWS = "registry.terraform.io/hashicorp/aws"
Change = tuple[str, dict[str, Any] | None, dict[str, Any] | None, dict[str, Any] | None]


def check_project(project: Project, policy_id: str, config: dict[str, Any] | None = None) -> CheckResult:
    """Run one policy (built-in or from the config's trusted_dirs) over a project, priced as usual."""
    from finguard.policy.engine import CheckOptions, run_check
    from finguard.pricing.catalog import Catalog
    from finguard.pricing.estimate import estimate

    catalog = Catalog.open_default()
    options = CheckOptions(config=FinguardConfig.model_validate(config or {}), only_policies={policy_id})
    return run_check(project, estimate(project, catalog, "after"), estimate(project, catalog, "before"),
                     catalog, options)


def _findings(result: CheckResult, policy_id: str) -> list[Finding]:
    errors = [f for f in result.findings if f.kind is FindingKind.ERROR]
    assert not errors, errors[0].message
    return [f for f in result.findings if f.policy_id == policy_id]


def snippet_result(policy_id: str, hcl: str, config: dict[str, Any] | None = None) -> CheckResult:
    """The whole check result (errors included) of one policy on a literal Terraform snippet."""
    from finguard.terraform.snippet import project_from_snippet

    return check_project(project_from_snippet(hcl), policy_id, config)


def snippet_findings(policy_id: str, hcl: str, config: dict[str, Any] | None = None) -> list[Finding]:
    """Findings of one policy on a literal Terraform snippet (see terraform/snippet.py)."""
    return _findings(snippet_result(policy_id, hcl, config), policy_id)


def expressions_for(after: dict[str, Any], unknown: dict[str, Any]) -> dict[str, Any]:
    """Configuration expressions as Terraform records them: constants, nested blocks, and references
    for the values `unknown` marks (so they stay unknown rather than provider-computed)."""
    out: dict[str, Any] = {}
    for key, value in after.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            inner = unknown.get(key) if isinstance(unknown.get(key), list) else []
            out[key] = [expressions_for(v, inner[i] if i < len(inner) and isinstance(inner[i], dict) else {})
                        for i, v in enumerate(value)]
        else:
            out[key] = {"constant_value": value}
    for key, flag in unknown.items():
        if flag is True:
            out[key] = {"references": [f"var.{key}"]}
    return out


def plan_from_changes(changes: list[Change], region: str = "us-east-1") -> dict[str, Any]:
    """A plan document from (address, before, after, unknown) changes; the action follows from what is
    given: create (no before), delete (no after), no-op (equal) or update."""
    resource_changes: list[dict[str, Any]] = []
    config_resources: list[dict[str, Any]] = []
    for address, before, after, unknown in changes:
        type_, name = address.split(".")[-2:]
        actions = ["create"] if before is None else ["delete"] if after is None else \
            ["no-op"] if before == after else ["update"]
        resource_changes.append({"address": address, "mode": "managed", "type": type_, "name": name,
                                 "provider_name": AWS,
                                 "change": {"actions": actions, "before": before, "after": after,
                                            "after_unknown": unknown or {}}})
        if unknown is not None:
            config_resources.append({"address": address, "mode": "managed", "type": type_, "name": name,
                                     "provider_config_key": "aws",
                                     "expressions": expressions_for(after or {}, unknown)})
    return {"format_version": "1.2", "terraform_version": "1.9.5", "planned_values": {"root_module": {}},
            "resource_changes": resource_changes,
            "configuration": {"provider_config": {"aws": {"name": "aws", "expressions": {
                "region": {"constant_value": region}}}}, "root_module": {"resources": config_resources}}}


def change_findings(policy_id: str, changes: list[Change], config: dict[str, Any] | None = None,
                    region: str = "us-east-1") -> list[Finding]:
    """Findings of one policy on a small plan built from changes (see plan_from_changes)."""
    from finguard.terraform.plan import plan_to_project

    return _findings(check_project(plan_to_project(plan_from_changes(changes, region)), policy_id, config),
                     policy_id)
