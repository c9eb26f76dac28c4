"""SARIF 2.1.0 for code-scanning UIs (GitHub, GitLab, Azure DevOps): findings become alerts on the .tf lines.

Only policy checks: SARIF describes results of an analysis, so breakdown and diff are not offered here
(`finguard.report.supports` says so, and the CLI refuses them with a usage error).
"""

from __future__ import annotations

import hashlib
import json
from importlib.metadata import PackageNotFoundError, metadata
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from finguard import __version__
from finguard.policy.model import CheckResult, Finding, FindingKind, PolicyMeta, Severity
from finguard.report.table import check_counts, failing_check

FORMAT = "sarif"
SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
FINGERPRINT_KEY = "finguardFingerprint/v1"

_LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
          Severity.LOW: "note", Severity.INFO: "note"}
# GitHub ranks alerts by this CVSS-like score: >= 9.0 is "critical", 7.0-8.9 "high".
_SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0"}
# Inline suppressions live in the .tf code; config and baseline ones live outside the scanned source.
_SUPPRESSION_KIND = {"inline": "inSource"}


def information_uri() -> str | None:
    """The first [project.urls] entry of the installed package (none yet: the key is then left out,
    rather than pointing at a guessed address)."""
    try:
        entries = metadata("finguard").get_all("Project-URL") or []
    except PackageNotFoundError:
        entries = []
    for entry in entries:
        url = entry.partition(",")[2].strip()
        if url.startswith(("https://", "http://")):
            return url
    return None


def level(severity: Severity) -> str:
    return _LEVEL[severity]


def artifact_uri(file: str) -> str:
    """A URI reference for a .tf path: relative paths (the useful kind for code scanning) stay relative."""
    path: PurePosixPath | PureWindowsPath = PureWindowsPath(file) if "\\" in file else PurePosixPath(file)
    if path.is_absolute():
        try:
            path = PurePosixPath(Path(file).resolve().relative_to(Path.cwd().resolve()).as_posix())
        except ValueError:
            return Path(file).resolve().as_uri()
    return quote(path.as_posix().removeprefix("./"), safe="/")


def _rule(policy: PolicyMeta) -> dict[str, Any]:
    help_text = policy.remediation or policy.description or policy.title
    help_md = f"**{policy.title}**\n\n{policy.description}\n\n**Remediation:** {policy.remediation or 'n/a'}"
    tags = list(dict.fromkeys(t for t in ("finguard", policy.pack, policy.language, policy.severity.value) if t))
    properties: dict[str, Any] = {"tags": tags, "severity": policy.severity.value}
    if policy.severity in _SECURITY_SEVERITY:
        properties["security-severity"] = _SECURITY_SEVERITY[policy.severity]
    if policy.resource_types:
        properties["resourceTypes"] = policy.resource_types
    return {
        "id": policy.id,
        "name": policy.title,
        "shortDescription": {"text": policy.title},
        "fullDescription": {"text": policy.description or policy.title},
        "help": {"text": help_text, "markdown": help_md},
        "defaultConfiguration": {"level": level(policy.severity)},
        "properties": properties,
    }


def _rules(result: CheckResult) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Rules for every policy that ran, plus any a finding names that the run did not list (so every result
    has a rule to point at)."""
    policies = {p.id: p for p in result.policies}
    for f in result.findings:
        policies.setdefault(f.policy_id, PolicyMeta(id=f.policy_id, title=f.title, severity=f.severity,
                                                    remediation=f.remediation))
    ordered = list(policies.values())
    return [_rule(p) for p in ordered], {p.id: i for i, p in enumerate(ordered)}


def _locations(f: Finding, plan_uri: str | None) -> list[dict[str, Any]]:
    """Where the finding is: its .tf file and line when known, else the plan file (GitHub code scanning drops
    results without a physical location), plus the resource address as a logical location."""
    location: dict[str, Any] = {}
    if f.file:
        physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(f.file)}}
        if f.line and f.line > 0:
            physical["region"] = {"startLine": f.line}
        location["physicalLocation"] = physical
    elif plan_uri:
        location["physicalLocation"] = {"artifactLocation": {"uri": plan_uri}}
    if f.address:
        location["logicalLocations"] = [{"fullyQualifiedName": f.address, "kind": "resource"}]
    return [location] if location else []


def _result(f: Finding, rule_index: int, failing: bool, plan_uri: str | None) -> dict[str, Any]:
    text = f"policy error: {f.message}" if f.kind is FindingKind.ERROR else f.message
    if f.remediation and f.kind is not FindingKind.ERROR:
        text = f"{text}\nRemediation: {f.remediation}"
    item: dict[str, Any] = {
        "ruleId": f.policy_id,
        "ruleIndex": rule_index,
        "level": "error" if f.kind is FindingKind.ERROR else level(f.severity),
        "message": {"text": text},
    }
    if locations := _locations(f, plan_uri):
        item["locations"] = locations
    item["partialFingerprints"] = {FINGERPRINT_KEY: hashlib.sha256(f.fingerprint.encode()).hexdigest()}
    if f.suppressed is not None:
        s = f.suppressed
        justification = s.reason + (f" (until {s.until.isoformat()})" if s.until else "")
        suppression: dict[str, Any] = {"kind": _SUPPRESSION_KIND.get(s.kind, "external"), "status": "accepted",
                                       "justification": justification,
                                       "properties": {"finguardKind": s.kind}}
        if s.where:
            suppression["properties"]["where"] = s.where
        item["suppressions"] = [suppression]
    properties: dict[str, Any] = {"severity": f.severity.value, "findingKind": f.kind.value, "failing": failing}
    if f.resource_type:
        properties["resourceType"] = f.resource_type
    if f.monthly_cost_delta is not None:
        properties["monthlyCostDelta"] = f.monthly_cost_delta
    item["properties"] = properties
    return item


def _notification(f: Finding, rule_index: int, plan_uri: str | None) -> dict[str, Any]:
    note: dict[str, Any] = {"level": "error", "message": {"text": f"policy {f.policy_id} could not run: {f.message}"},
                            "associatedRule": {"id": f.policy_id, "index": rule_index}}
    if locations := _locations(f, plan_uri):
        note["locations"] = locations
    return note


def sarif_log(result: CheckResult) -> dict[str, Any]:
    """The SARIF log as a dict (tests validate it against the official schema)."""
    rules, index = _rules(result)
    fails = failing_check(result)
    errors = [f for f in result.active if f.kind is FindingKind.ERROR]
    counts = check_counts(result)
    plan_uri = artifact_uri(result.source) if result.source and not result.source.startswith("<") else None
    invocation = {
        # The check itself completed and reached a verdict; policies that could not run are reported as
        # notifications (and as error results, so they show as alerts too).
        "executionSuccessful": True,
        "toolExecutionNotifications": [_notification(f, index[f.policy_id], plan_uri) for f in errors],
    }
    run = {
        "tool": {"driver": {"name": "finguard", **({"informationUri": uri} if (uri := information_uri()) else {}),
                            "version": __version__,
                            "semanticVersion": __version__, "rules": rules}},
        "invocations": [invocation],
        "results": [_result(f, index[f.policy_id], fails(f), plan_uri) for f in result.findings],
        "columnKind": "unicodeCodePoints",
        "properties": {"project": result.project, "source": result.source, "failOn": result.fail_on.value,
                       "failed": counts.fails, "resourcesChecked": result.resources_checked},
    }
    return {"$schema": SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def render_check(result: CheckResult) -> str:
    return json.dumps(sarif_log(result), indent=2, ensure_ascii=False) + "\n"
