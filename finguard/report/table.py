"""Terminal table: per resource and per component, with totals and what could not be priced.

Plain text (no terminal library) so the CLI starts fast and output pipes cleanly. The policy-check helpers
here (grouping, counts, the summary line) are shared by every human-readable format, so they all agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from finguard.model import ComponentStatus, ProjectCost, ResourceStatus
from finguard.policy.model import CheckResult, Finding, FindingKind, Severity, SuppressionInfo
from finguard.report._format import money, percent, quantity, unit_price
from finguard.report._summary import coverage_lines

if TYPE_CHECKING:  # diff models are built only when a diff is rendered
    from finguard.diff import ProjectDiff

FORMAT = "table"
SEVERITIES_DESC: tuple[Severity, ...] = tuple(sorted(Severity, reverse=True))  # critical first


def _render(rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(row)]
        lines.append(" " + "  ".join(cells).rstrip())
    return lines


def render_breakdown(cost: ProjectCost) -> str:
    rows = [["Name", "Monthly Qty", "Unit", "Unit price", "Monthly Cost"]]
    for r in cost.resources:
        if r.status in (ResourceStatus.SKIPPED, ResourceStatus.FREE):
            continue
        if r.status is ResourceStatus.UNSUPPORTED:
            rows.append([r.address, "", "", "", "not supported"])
            continue
        rows.append([r.address, "", "", "", money(r.monthly_cost, complete=r.complete)])
        for i, c in enumerate(r.components):
            branch = "└─" if i == len(r.components) - 1 else "├─"
            if c.status is ComponentStatus.PRICED:
                cost_text = money(c.monthly_cost)
            elif c.status is ComponentStatus.USAGE_BASED:
                cost_text = "usage-based"
            else:
                cost_text = c.status.value.replace("_", " ")
            rows.append([f" {branch} {c.name}", quantity(c.monthly_quantity), c.unit, unit_price(c.unit_price),
                         cost_text])
    rows.append(["OVERALL TOTAL", "", "", "", money(cost.monthly_cost, complete=cost.complete)])
    lines = [f" Project: {cost.project} ({cost.source})", "", *_render(rows, {1, 3, 4}), ""]
    lines += [" " + line for line in coverage_lines(cost)]
    return "\n".join(lines) + "\n"


def render_diff(diff: ProjectDiff) -> str:
    rows = [["Name", "Action", "Before", "After", "Delta"]]
    for r in diff.changed:
        rows.append([r.address, r.action.value, money(r.monthly_cost_before), money(r.monthly_cost_after),
                     money(r.monthly_cost_delta, complete=r.complete, signed=True)])
        changed = [c for c in r.components if c.monthly_cost_delta]
        for i, c in enumerate(changed):
            branch = "└─" if i == len(changed) - 1 else "├─"
            rows.append([f" {branch} {c.name}", "", money(c.monthly_cost_before), money(c.monthly_cost_after),
                         money(c.monthly_cost_delta, signed=True)])
    rows.append(["TOTAL", "", money(diff.monthly_cost_before), money(diff.monthly_cost_after),
                 money(diff.monthly_cost_delta, complete=diff.complete, signed=True)])
    head = [f" Project: {diff.project} ({diff.source}), compared to {diff.compared_to}", ""]
    tail = ["", f" Monthly cost: {money(diff.monthly_cost_before)} -> {money(diff.monthly_cost_after)} "
                f"({money(diff.monthly_cost_delta, signed=True)}, {percent(diff.monthly_cost_delta_percent)})"]
    unchanged = len(diff.resources) - len(diff.changed)
    tail.append(f" {len(diff.changed)} resources change cost, {unchanged} unchanged")
    if not diff.complete:
        tail.append(" Some figures are lower bounds: values known only after apply or prices missing "
                    "(see --format json for reasons)")
    return "\n".join(head + _render(rows, {2, 3, 4}) + tail) + "\n"


# -- policy check ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class CheckCounts:
    """What the summary line says; computed once so every format reports the same numbers."""

    findings: int  # active, not policy errors
    by_severity: dict[Severity, int]
    suppressed: int
    errors: int  # active policy errors
    failing: int
    fails: bool


def check_counts(result: CheckResult) -> CheckCounts:
    shown = reported(result)
    failing = len(result.failing)
    return CheckCounts(
        findings=len(shown),
        by_severity={s: sum(f.severity is s for f in shown) for s in SEVERITIES_DESC},
        suppressed=len(suppressed(result)),
        errors=len(policy_errors(result)),
        failing=failing,
        fails=failing > 0,
    )


def _plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {words or word + 's'}"


def summary_line(result: CheckResult) -> str:
    c = check_counts(result)
    severities = ", ".join(f"{c.by_severity[s]} {s.value}" for s in SEVERITIES_DESC)
    return (f"{_plural(c.findings, 'finding')} ({severities}), {c.suppressed} suppressed, "
            f"{_plural(c.errors, 'policy error')}; fails at --fail-on {result.fail_on.value}: "
            f"{'yes' if c.fails else 'no'}")


def severity_groups(findings: list[Finding]) -> list[tuple[Severity, list[Finding]]]:
    """Non-empty groups, highest severity first; order within a group is the input order."""
    return [(s, group) for s in SEVERITIES_DESC if (group := [f for f in findings if f.severity is s])]


def reported(result: CheckResult) -> list[Finding]:
    """Active findings that are about the project (policy errors are reported on their own)."""
    return [f for f in result.active if f.kind is not FindingKind.ERROR]


def policy_errors(result: CheckResult) -> list[Finding]:
    return [f for f in result.active if f.kind is FindingKind.ERROR]


def suppressed(result: CheckResult) -> list[Finding]:
    return [f for f in result.findings if f.suppressed is not None]


def failing_check(result: CheckResult) -> Callable[[Finding], bool]:
    """A test for "does this finding fail the run", computing `result.failing` once rather than per finding."""
    ids = {id(f) for f in result.failing}
    return lambda finding: id(finding) in ids


def location(finding: Finding) -> str:
    """`file:line`, `file`, or "" when the finding could not be traced to the code."""
    if not finding.file:
        return ""
    return f"{finding.file}:{finding.line}" if finding.line else finding.file


def address(finding: Finding) -> str:
    return finding.address or "(project)"


def kind_note(finding: Finding) -> str:
    """Why a finding reads differently from a plain violation ("" for a plain violation)."""
    return {FindingKind.WARNING: "warning, advisory", FindingKind.EXPIRED_SUPPRESSION: "expired suppression",
            FindingKind.ERROR: "policy error"}.get(finding.kind, "")


def suppression_text(info: SuppressionInfo) -> str:
    where = f" at {info.where}" if info.where else ""
    until = f"; until {info.until.isoformat()}" if info.until else ""
    return f"suppressed ({info.kind}{where}): {info.reason}{until}"


def _finding_lines(f: Finding, fails: Callable[[Finding], bool], *, show_severity: bool) -> list[str]:
    head = [f"[{f.severity.value}]"] if show_severity else []
    head.append(f.policy_id)
    if f.address or f.kind is not FindingKind.ERROR:  # a policy that could not run is about no resource
        head.append(address(f))
    if loc := location(f):
        head.append(f"({loc})")
    tags = [t for t in (kind_note(f) if f.kind is not FindingKind.ERROR else "",
                        "fails" if fails(f) else "") if t]
    if tags:
        head.append(f"[{', '.join(tags)}]")
    lines = ["   " + "  ".join(head)]
    lines += [f"     {line}" for line in f.message.splitlines() or [""]]
    if f.remediation:
        lines += [f"     fix: {line}" if i == 0 else f"          {line}"
                  for i, line in enumerate(f.remediation.splitlines())]
    if f.suppressed is not None:
        lines.append(f"     {suppression_text(f.suppressed)}")
    return lines


def render_check(result: CheckResult) -> str:
    fails = failing_check(result)
    lines = [f" Policy check: {result.project} ({result.source})",
             f" {_plural(result.resources_checked, 'resource')} checked against "
             f"{_plural(len(result.policies), 'policy', 'policies')}"]
    for severity, group in severity_groups(reported(result)):
        lines += ["", f" {severity.value.upper()} ({len(group)})"]
        for f in group:
            lines += _finding_lines(f, fails, show_severity=False)
    if errors := policy_errors(result):
        lines += ["", f" POLICY ERRORS ({len(errors)}): the policy could not run; this always fails the check"]
        for f in errors:
            lines += _finding_lines(f, fails, show_severity=True)
    if quiet := suppressed(result):
        lines += ["", f" SUPPRESSED ({len(quiet)})"]
        for f in quiet:
            lines += _finding_lines(f, fails, show_severity=True)
    if not result.findings:
        lines += ["", " No findings."]
    lines += ["", f" {summary_line(result)}"]
    return "\n".join(lines) + "\n"


def check_context(result: CheckResult) -> dict[str, object]:
    """What the Markdown and HTML templates need, computed here so the templates hold layout only."""
    return {
        "result": result, "summary": summary_line(result), "counts": check_counts(result),
        "groups": severity_groups(reported(result)), "errors": policy_errors(result),
        "suppressed": suppressed(result), "fails": failing_check(result), "location": location,
        "kind_note": kind_note, "suppression_text": suppression_text,
    }
