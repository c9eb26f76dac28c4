"""Terminal table: per resource and per component, with totals and what could not be priced.

Plain text (no terminal library) so the CLI starts fast and output pipes cleanly. The policy-check helpers
here (grouping, counts, the summary line) are shared by every human-readable format, so they all agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from finguard.model import ComponentStatus, ProjectCost, ResourceStatus
from finguard.policy.model import CheckResult, Finding, FindingKind, Severity, SuppressionInfo
from finguard.report._format import money, percent, quantity, unit_price
from finguard.report._rates import basis_label, rates_lines
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
    effective = cost.rates is not None
    head = ["Name", "Monthly Qty", "Unit", "Unit price", "Monthly Cost"]
    if effective:
        head = ["Name", "Monthly Qty", "Unit", "Unit price", "List cost", "Eff. unit price", "Effective cost", "Rate"]
    rows = [head]
    blank = [""] * (len(head) - 2)
    for r in cost.resources:
        if r.status in (ResourceStatus.SKIPPED, ResourceStatus.FREE):
            continue
        if r.status is ResourceStatus.UNSUPPORTED:
            rows.append([r.address, *blank[:3], "not supported", *blank[3:]])
            continue
        resource_row = [r.address, "", "", "", money(r.monthly_cost, complete=r.complete)]
        if effective:
            resource_row += ["", money(r.effective_monthly_cost, complete=r.complete), ""]
        rows.append(resource_row)
        for i, c in enumerate(r.components):
            branch = "└─" if i == len(r.components) - 1 else "├─"
            if c.status is ComponentStatus.PRICED:
                cost_text = money(c.monthly_cost)
            elif c.status is ComponentStatus.USAGE_BASED:
                cost_text = "usage-based"
            else:
                cost_text = c.status.value.replace("_", " ")
            row = [f" {branch} {c.name}", quantity(c.monthly_quantity), c.unit, unit_price(c.unit_price), cost_text]
            if effective:
                eff_text = money(c.effective_monthly_cost) if c.status is ComponentStatus.PRICED else \
                    ("usage-based" if c.status is ComponentStatus.USAGE_BASED else "")
                row += [unit_price(c.effective_unit_price), eff_text, basis_label(c.rate_basis)]
            rows.append(row)
    total = ["OVERALL TOTAL", "", "", "", money(cost.monthly_cost, complete=cost.complete)]
    if effective:
        total += ["", money(cost.effective_monthly_cost, complete=cost.complete), ""]
    rows.append(total)
    right = {1, 3, 4, 5, 6} if effective else {1, 3, 4}
    lines = [f" Project: {cost.project} ({cost.source})", "", *_render(rows, right), ""]
    lines += [" " + line for line in coverage_lines(cost)]
    lines += [" " + line for line in rates_lines(cost.rates)]
    return "\n".join(lines) + "\n"


def render_diff(diff: ProjectDiff) -> str:
    effective = diff.effective
    rows = [["Name", "Action", "Before", "After", "Delta", *(["List delta"] if effective else [])]]
    for r in diff.changed:
        rows.append([r.address, r.action.value, money(_eff(r, "before")), money(_eff(r, "after")),
                     money(r.delta_at_rates, complete=r.complete, signed=True),
                     *([money(r.monthly_cost_delta, complete=r.complete, signed=True)] if effective else [])])
        changed = [c for c in r.components if c.monthly_cost_delta or c.effective_monthly_cost_delta]
        for i, c in enumerate(changed):
            branch = "└─" if i == len(changed) - 1 else "├─"
            rows.append([f" {branch} {c.name}", "", money(_eff(c, "before")), money(_eff(c, "after")),
                         money(c.effective_monthly_cost_delta if effective else c.monthly_cost_delta, signed=True),
                         *([money(c.monthly_cost_delta, signed=True)] if effective else [])])
    rows.append(["TOTAL", "", money(diff.before_at_rates), money(diff.after_at_rates),
                 money(diff.delta_at_rates, complete=diff.complete, signed=True),
                 *([money(diff.monthly_cost_delta, complete=diff.complete, signed=True)] if effective else [])])
    head = [f" Project: {diff.project} ({diff.source}), compared to {diff.compared_to}", ""]
    at = " at effective rates" if effective else ""
    tail = ["", f" Monthly cost{at}: {money(diff.before_at_rates)} -> {money(diff.after_at_rates)} "
                f"({money(diff.delta_at_rates, signed=True)}, {percent(diff.delta_percent_at_rates)})"]
    if effective:
        tail.append(f" At list prices: {money(diff.monthly_cost_before)} -> {money(diff.monthly_cost_after)} "
                    f"({money(diff.monthly_cost_delta, signed=True)}, {percent(diff.monthly_cost_delta_percent)})")
    unchanged = len(diff.resources) - len(diff.changed)
    tail.append(f" {len(diff.changed)} resources change cost, {unchanged} unchanged")
    if not diff.complete:
        tail.append(" Some figures are lower bounds: values known only after apply or prices missing "
                    "(see --format json for reasons)")
    tail += [" " + line for line in rates_lines(diff.rates, diff.rates_note)]
    right = {2, 3, 4, 5} if effective else {2, 3, 4}
    return "\n".join(head + _render(rows, right) + tail) + "\n"


def _eff(item: object, side: str) -> Decimal | None:
    """A diff line's before/after figure at the diff's rates (effective when it has them, else list)."""
    value = getattr(item, f"effective_monthly_cost_{side}", None)
    return value if value is not None else getattr(item, f"monthly_cost_{side}")


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
