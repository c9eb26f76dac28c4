"""GitHub-flavoured Markdown: the showback tables, for a pull request, an issue or a wiki page."""

from __future__ import annotations

from finguard.k8s.formats._text import eff, headline, moved, pct, usd
from finguard.k8s.job import describe_reconciliation
from finguard.k8s.report import K8sReport

NAME = "markdown"
EXTENSION = "md"
TOP = 50


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(report: K8sReport) -> str:
    lines = [f"# Kubernetes cost allocation: {_cell(report.cluster)}", "", _cell(headline(report)) + ".", "",
             f"> {describe_reconciliation(report)}", ""]
    for grouping in report.groupings:
        lines += [f"## By {grouping.by}", "",
                  "| " + _cell(grouping.by) + " | Total | Own cost | Idle / shared moved | CPU eff. | Memory eff. "
                  "| CPU req. core-h | Mem req. GiB-h | Idle | Spot | Pods |",
                  "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
        for r in grouping.rows[:TOP]:
            lines.append(f"| {_cell(r.name)} | {usd(r.total, r.complete)} | {usd(r.cost, r.complete)} | "
                         f"{moved(r) or '-'} | {eff(r.cpu_efficiency)} | {eff(r.memory_efficiency)} | "
                         f"{r.cpu_request_core_hours:,.1f} | {r.memory_request_gib_hours:,.1f} | {pct(r.idle_percent)} "
                         f"| {pct(r.spot_percent)} | {r.pods} |")
        if len(grouping.rows) > TOP:
            lines.append(f"\n{len(grouping.rows) - TOP} more in the CSV and JSON output.")
        lines.append("")
    lines += ["## Nodes", "", "| Node | Pool | Type | Capacity | $/hour | Price from | Hours | Cost | Idle |",
              "|---|---|---|---|---:|---|---:|---:|---:|"]
    for n in report.nodes[:TOP]:
        price = "missing" if n.hourly_price is None else f"${n.hourly_price:.4f}"
        lines.append(f"| {_cell(n.name)} | {_cell(n.node_pool)} | {_cell(n.instance_type or '-')} | "
                     f"{n.capacity_type} | {price} | {n.price_source} | {n.hours:,.1f} | {usd(n.cost)} | "
                     f"{pct(n.idle_percent)} |")
    if report.warnings:
        lines.append("")
        lines.extend(f"> warning: {_cell(w)}" for w in report.warnings)
    return "\n".join(lines) + "\n"
