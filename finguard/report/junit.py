"""JUnit XML, which every CI system can show as a test report: one suite per policy, one test per resource.

Only policy checks (a cost breakdown has no pass/fail). A finding that fails the run is a <failure>, a policy
that could not run an <error>, a suppressed finding or one that does not reach --fail-on is <skipped> with
the reason, and every (policy, resource) pair the engine evaluated without a finding is a passing test.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field

from finguard.policy.model import CheckResult, Finding, FindingKind, PolicyMeta, Severity
from finguard.report.table import failing_check, location, suppression_text

FORMAT = "junit"
PROJECT_CASE = "(project)"
# XML 1.0 cannot carry most control characters even escaped; a policy message could contain them.
_INVALID_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _INVALID_XML.sub("\ufffd", text)


@dataclass
class _Suite:
    policy: PolicyMeta
    cases: list[ET.Element] = field(default_factory=list)
    names: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=lambda: {"failures": 0, "errors": 0, "skipped": 0})

    def case(self, name: str, finding: Finding | None = None) -> ET.Element:
        seen = self.names.get(name, 0) + 1
        self.names[name] = seen
        attrs = {"classname": _clean(self.policy.id), "name": _clean(name if seen == 1 else f"{name} ({seen})")}
        if finding is not None and finding.file:
            attrs["file"] = _clean(finding.file)
            if finding.line:
                attrs["line"] = str(finding.line)
        element = ET.Element("testcase", attrs)
        self.cases.append(element)
        return element


def _details(f: Finding) -> str:
    lines = [f.message]
    if f.remediation:
        lines.append(f"Remediation: {f.remediation}")
    if loc := location(f):
        lines.append(f"Location: {loc}")
    lines.append(f"Resource: {f.address or PROJECT_CASE}")
    return _clean("\n".join(lines))


def _outcome(result: CheckResult, f: Finding, fails: Callable[[Finding], bool]) -> tuple[str, str, str]:
    """(element, type, message) for a finding: a finding is never a pass, only failure, error or skipped."""
    if f.suppressed is not None:
        return "skipped", "suppressed", suppression_text(f.suppressed)
    if f.kind is FindingKind.ERROR:
        return "error", "policy-error", f"policy could not run: {f.message}"
    if fails(f):
        return "failure", f.severity.value, f.message
    if f.kind is FindingKind.WARNING:
        return "skipped", "warning", f"advisory warning ({f.severity.value}), never fails the run: {f.message}"
    return ("skipped", "below-fail-on",
            f"{f.severity.value} finding is below --fail-on {result.fail_on.value}: {f.message}")


def _suites(result: CheckResult) -> list[_Suite]:
    suites = {p.id: _Suite(p) for p in result.policies}
    for f in result.findings:
        if f.policy_id not in suites:
            suites[f.policy_id] = _Suite(PolicyMeta(id=f.policy_id, title=f.title, severity=f.severity))
    for policy_id, _address in result.evaluated:
        if policy_id not in suites:
            suites[policy_id] = _Suite(PolicyMeta(id=policy_id, title=policy_id, severity=Severity.INFO))
    return list(suites.values())


def to_element(result: CheckResult) -> ET.Element:
    fails = failing_check(result)
    suites = {s.policy.id: s for s in _suites(result)}
    found: set[tuple[str, str]] = set()
    for f in result.findings:
        suite = suites[f.policy_id]
        found.add((f.policy_id, f.address or PROJECT_CASE))
        case = suite.case(f.address or PROJECT_CASE, f)
        tag, kind, message = _outcome(result, f, fails)
        first_line = (message.splitlines() or [""])[0]
        child = ET.SubElement(case, tag, {"message": _clean(first_line)})
        if tag != "skipped":  # the JUnit schema gives <skipped> a message only
            child.set("type", kind)
            child.text = _details(f)
        suite.counts["failures" if tag == "failure" else "errors" if tag == "error" else "skipped"] += 1
    passed: set[tuple[str, str]] = set()
    for pair in result.evaluated:
        if pair in found or pair in passed:
            continue
        passed.add(pair)
        suites[pair[0]].case(pair[1])

    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    root = ET.Element("testsuites", {"name": _clean(f"finguard check: {result.project}")})
    for suite in suites.values():
        counts = {"tests": len(suite.cases), **suite.counts}
        for key, value in counts.items():
            totals[key] += value
        element = ET.SubElement(root, "testsuite", {"name": _clean(suite.policy.id),
                                                    **{k: str(v) for k, v in counts.items()}})
        properties = ET.SubElement(element, "properties")
        for name, value in (("title", suite.policy.title), ("severity", suite.policy.severity.value),
                            ("pack", suite.policy.pack), ("language", suite.policy.language),
                            ("fail_on", result.fail_on.value)):
            if value:
                ET.SubElement(properties, "property", {"name": name, "value": _clean(value)})
        element.extend(suite.cases)
    root.attrib.update({k: str(v) for k, v in totals.items()})
    return root


def render_check(result: CheckResult) -> str:
    root = to_element(result)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
