"""The `approvals:` section of finguard.yml: which changes need whose sign-off before they merge.

    approvals:
      owner_tag: team                   # the tag naming a resource's owner
      owners:                           # owner tag value -> who approves for that owner
        payments: [octo-org/payments-leads]
      rules:
        - id: large-increase
          monthly_delta_over: 500       # USD per month the pull request adds (at the run's rates)
          monthly_delta_percent_over: 20
          approvers: [octo-org/finops]
        - id: expensive-resource
          resource_monthly_over: 1000   # any resource created or changed above this per month
          approvers: [octo-org/finops]
          owner_approvers: true         # ... or the owners of those resources (by owner_tag)
        - id: cost-findings
          findings: ["FG-COST-*"]       # any active finding of these policies
          paths: ["infra/prod/*"]       # only for these plans / .tf directories
          approvers: [alice, bob]

A rule triggers when any of its conditions holds (`match: all`: when every one does). Approvers are GitHub users
(`alice`) or teams (`org/team-slug`); one approving review from any of them satisfies the rule. Validated strictly,
as the rest of finguard.yml: an unknown key is an error naming its line, with a did-you-mean.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

STATUS_CONTEXT = "finguard/cost-approval"
# GitHub logins: alphanumerics and single hyphens, at most 39 characters; team slugs: lowercase words and hyphens
_LOGIN = r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}"
APPROVER = re.compile(rf"^{_LOGIN}(?:/[A-Za-z0-9][A-Za-z0-9_.-]{{0,99}})?$")
_POLICY_GLOB = re.compile(r"^[A-Za-z0-9*?_.\[\]-]{1,100}$")

Amount = Annotated[float, Field(strict=True, ge=0, allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _approvers(values: list[str]) -> list[str]:
    for value in values:
        if not isinstance(value, str) or not APPROVER.match(value.strip().lstrip("@")):
            raise ValueError(f"{value!r} is not a GitHub user (alice) or team (org/team-slug)")
    return [v.strip().lstrip("@") for v in values]


class ApprovalRule(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    description: str = ""
    monthly_delta_over: Amount | None = None  # USD/month the change adds to the projects it covers
    monthly_delta_percent_over: Amount | None = None  # percent of their current monthly cost
    resource_monthly_over: Amount | None = None  # any resource created or changed costing more per month
    findings: list[str] = Field(default_factory=list)  # policy id globs: FG-COST-*, ACME-007
    match: Literal["any", "all"] = "any"
    paths: list[str] = Field(default_factory=list)  # globs of the PLAN_OR_DIR arguments it covers (all when empty)
    approvers: list[str] = Field(min_length=1)
    owner_approvers: StrictBool = False  # also the owners (approvals.owners by owner_tag) of what triggered it

    @field_validator("approvers")
    @classmethod
    def _check_approvers(cls, value: list[str]) -> list[str]:
        return _approvers(value)

    @field_validator("findings")
    @classmethod
    def _check_findings(cls, value: list[str]) -> list[str]:
        for pattern in value:
            if not _POLICY_GLOB.match(pattern):
                raise ValueError(f"{pattern!r} is not a policy id or glob (FG-COST-*, ACME-007)")
        return value

    @field_validator("paths")
    @classmethod
    def _check_paths(cls, value: list[str]) -> list[str]:
        for pattern in value:
            if not pattern.strip() or len(pattern) > 1000:
                raise ValueError("a path glob must be 1 to 1,000 characters")
        return value

    @model_validator(mode="after")
    def _some_condition(self) -> ApprovalRule:
        if not self.conditions:
            raise ValueError(f"rule {self.id!r} has no condition: give monthly_delta_over, "
                             "monthly_delta_percent_over, resource_monthly_over or findings")
        return self

    @property
    def conditions(self) -> list[str]:
        named = [name for name in ("monthly_delta_over", "monthly_delta_percent_over", "resource_monthly_over")
                 if getattr(self, name) is not None]
        return named + (["findings"] if self.findings else [])


class ApprovalsConfig(_Strict):
    rules: list[ApprovalRule] = Field(default_factory=list)
    owner_tag: str = Field(default="owner", min_length=1, max_length=128)
    owners: dict[str, list[str]] = Field(default_factory=dict)  # owner tag value -> approvers
    request_reviews: StrictBool = True  # ask the approvers a pending rule waits for to review the pull request
    context: str = Field(default=STATUS_CONTEXT, pattern=r"^[A-Za-z0-9][A-Za-z0-9 _./:-]{0,99}$")

    @field_validator("owners")
    @classmethod
    def _check_owners(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return {owner: _approvers(approvers) for owner, approvers in value.items()}

    @model_validator(mode="after")
    def _unique_ids(self) -> ApprovalsConfig:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"two approval rules have the id {rule.id!r}")
            seen.add(rule.id)
        return self
