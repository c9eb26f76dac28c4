"""Findings and policy metadata: what every policy produces and every report consumes."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field


class Severity(StrEnum):
    """Ordered by rank, not alphabetically (str's own comparisons would say critical < high)."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def __lt__(self, other: object) -> bool:
        return self.rank < Severity(other).rank if isinstance(other, str) else NotImplemented

    def __le__(self, other: object) -> bool:
        return self.rank <= Severity(other).rank if isinstance(other, str) else NotImplemented

    def __gt__(self, other: object) -> bool:
        return self.rank > Severity(other).rank if isinstance(other, str) else NotImplemented

    def __ge__(self, other: object) -> bool:
        return self.rank >= Severity(other).rank if isinstance(other, str) else NotImplemented

    __hash__ = StrEnum.__hash__


_RANK = {Severity.INFO: 0, Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}


class PolicyMeta(BaseModel):
    """What a policy is, wherever it is written (Python or Rego)."""

    id: str
    title: str
    severity: Severity
    resource_types: list[str] = Field(default_factory=list)  # empty: every resource
    description: str = ""
    remediation: str = ""
    pack: str = ""
    language: str = "python"  # python | rego | checkov
    source: str = ""  # file the policy is defined in


class SuppressionInfo(BaseModel):
    """Why a finding does not count: who suppressed it, why, until when."""

    kind: str  # inline | config | baseline
    reason: str
    until: date | None = None
    where: str | None = None  # file:line of an inline suppression, or the config file


class FindingKind(StrEnum):
    VIOLATION = "violation"  # a `deny` (or a Python policy's finding)
    WARNING = "warning"  # a Rego `warn`: advisory, reported at its severity but never blocking
    ERROR = "error"  # the policy itself failed (raised, did not compile): fails closed
    EXPIRED_SUPPRESSION = "expired_suppression"


class Finding(BaseModel):
    policy_id: str
    title: str
    severity: Severity
    kind: FindingKind = FindingKind.VIOLATION
    address: str | None = None  # None for project-level findings
    resource_type: str | None = None
    message: str
    remediation: str = ""
    file: str | None = None
    line: int | None = None
    suppressed: SuppressionInfo | None = None
    monthly_cost_delta: float | None = None  # savings (negative) or increase a finding talks about

    @property
    def fingerprint(self) -> str:
        """Stable identity for baselines: the same policy on the same resource with the same message."""
        return f"{self.policy_id}|{self.address or '<project>'}|{self.message}"


class CheckResult(BaseModel):
    """All findings of one `finguard check` run, with what it ran."""

    project: str
    source: str
    policies: list[PolicyMeta] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    resources_checked: int = 0
    fail_on: Severity = Severity.HIGH
    evaluated: list[tuple[str, str]] = Field(default_factory=list)  # (policy id, address) pairs checked

    @property
    def active(self) -> list[Finding]:
        return [f for f in self.findings if f.suppressed is None]

    @property
    def failing(self) -> list[Finding]:
        """Findings that make the run fail: policy errors always; violations at or above fail_on."""
        return [f for f in self.active
                if f.kind is FindingKind.ERROR
                or (f.kind in (FindingKind.VIOLATION, FindingKind.EXPIRED_SUPPRESSION) and f.severity >= self.fail_on)]
