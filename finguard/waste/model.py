"""The waste report: what every output format renders and `--format json` dumps (schema finguard/waste, v1).

Money is USD per month, rounded to the cent, never negative and never NaN; `null` means the price is missing (the
reason is in `missing_price`), never $0.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

SCHEMA = "finguard/waste"
VERSION = 1


class TerraformRef(BaseModel):
    """Where the resource is declared, from a Terraform state or plan given with --terraform."""

    address: str
    type: str
    file: str | None = None
    line: int | None = None
    change: str  # "remove the resource" or 'set instance_type = "m5.large"'


class Remediation(BaseModel):
    action: str  # delete, release, terminate, resize, modify
    command: str  # the AWS CLI command line
    terraform: TerraformRef | None = None
    summary: str  # one line for a table: the Terraform change when managed by Terraform, else the command


class Finding(BaseModel):
    kind: str
    resource_id: str
    resource_type: str
    region: str
    account_id: str | None = None
    name: str | None = None
    arn: str | None = None
    owner: str | None = None
    owner_source: str | None = None  # "tag:team", "billing", or null
    monthly_savings: float | None = Field(description="the saving used for ranking and totals: billed when the "
                                                      "store has the resource, else list")
    savings_basis: Literal["billing", "list"] | None = None
    monthly_savings_list: float | None = None
    monthly_savings_billed: float | None = None
    monthly_cost_list: float | None = None
    monthly_cost_billed: float | None = None
    missing_price: str | None = None  # why the list saving is unknown
    counted: bool = True  # false: another finding on the same resource saves more (totals count one per resource)
    confidence: Literal["high", "medium", "low"]
    evidence: list[str]
    facts: dict[str, Any] = Field(default_factory=dict)
    recommendation: str | None = None
    alternative: dict[str, Any] | None = None
    remediation: Remediation
    tags: dict[str, str] = Field(default_factory=dict)
    price_queries: list[str] = Field(default_factory=list)
    billing_ids: list[str] = Field(default_factory=list)  # the ids its bill lines carry (realised savings read them)
    fingerprint: str
    first_seen: date | None = None
    last_seen: date | None = None


class KindResult(BaseModel):
    kind: str
    title: str
    rule: str
    judged: bool  # false: not run (disabled, not asked for, or missing its data: see `reason`)
    reason: str | None = None
    findings: int = 0
    monthly_savings: float = 0.0


class ResolvedFinding(BaseModel):
    """A finding of an earlier run that a later run no longer found."""

    fingerprint: str
    kind: str
    resource_id: str
    region: str
    account_id: str | None = None
    owner: str | None = None
    first_seen: date
    last_seen: date
    resolved_on: date
    resolution: Literal["resource gone", "no longer waste"]
    projected_monthly_savings: float | None = None  # what the last run that saw it projected
    realised_monthly_savings: float | None = None
    realised_basis: Literal["billing", "projected"] | None = None
    detail: str | None = None


class Realised(BaseModel):
    resolved: int = 0
    monthly_savings: float = 0.0  # realised per month, summed
    projected_monthly_savings: float = 0.0  # what those findings projected
    from_billing: int = 0  # resolved findings whose realised figure comes from billed cost before and after
    projected_only: int = 0  # resolved findings without billing data after the fix: their projection counts


class Summary(BaseModel):
    findings: int = 0
    resources: int = 0  # distinct resources with a finding
    monthly_savings: float = 0.0  # known savings, one finding per resource (the largest)
    missing_price: int = 0  # findings whose saving is unknown (not in the total)
    from_billing: int = 0  # findings whose saving comes from billed cost
    resources_scanned: int = 0


class WasteReport(BaseModel):
    schema_: str = Field(default=SCHEMA, alias="schema")
    version: int = VERSION
    generated_at: datetime
    as_of: datetime
    source: str
    currency: str = "USD"
    account_ids: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)
    lookback_days: int
    summary: Summary
    kinds: list[KindResult]
    findings: list[Finding]
    resolved: list[ResolvedFinding] = Field(default_factory=list)
    realised: Realised | None = None
    store: str | None = None  # the billing store the findings are kept in (--db)
    warnings: list[str] = Field(default_factory=list)

    model_config = {"populate_by_name": True}

    def model_dump_json(self, **kwargs: Any) -> str:
        """JSON with `schema` (the field's alias) whoever dumps it: the CLI, or `billing report`'s waste.json."""
        kwargs.setdefault("by_alias", True)
        return super().model_dump_json(**kwargs)

    def dump_json(self) -> str:
        return self.model_dump_json(indent=2) + "\n"
