"""Terminal table: per resource and per component, with totals and what could not be priced.

Plain text (no terminal library) so the CLI starts fast and output pipes cleanly.
"""

from __future__ import annotations

from finguard.diff import ProjectDiff
from finguard.model import ComponentStatus, ProjectCost, ResourceStatus
from finguard.report._format import money, percent, quantity, unit_price
from finguard.report._summary import coverage_lines

FORMAT = "table"


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
