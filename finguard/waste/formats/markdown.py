"""`--format markdown`: the ranked table for a wiki page, an issue or a job summary."""

from __future__ import annotations

from finguard.waste.formats._common import headline, money, owner, realised_line, resource, savings_note
from finguard.waste.model import WasteReport

FORMAT = "markdown"
TITLE = "Waste and rightsizing"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def section(report: WasteReport, level: int = 2) -> str:
    """The report as a Markdown section (`## Waste and rightsizing`), as `billing report` embeds it."""
    h = "#" * level
    lines = [f"{h} {TITLE}", "", f"{_md(headline(report))}.", ""]
    if report.findings:
        lines += ["| Savings/month | Kind | Resource | Region | Account | Owner | Evidence | Confidence | "
                  "Remediation |", "|---:|---|---|---|---|---|---|---|---|"]
        for f in report.findings:
            evidence = "<br>".join(_md(e) for e in f.evidence)
            fix = _md(f.remediation.summary)
            if f.remediation.terraform:
                fix += f"<br>`{_md(f.remediation.command)}`"
            else:
                fix = f"`{fix}`"
            lines.append(f"| {money(f.monthly_savings)}{savings_note(f)} | {f.kind} | `{_md(resource(f))}` | "
                         f"{f.region} | {f.account_id or '-'} | {_md(owner(f))} | {evidence} | {f.confidence} "
                         f"| {fix} |")
        lines.append("")
    judged = [k for k in report.kinds if k.judged]
    lines += [f"{h}# By kind", "", "| Kind | Findings | Savings/month | Rule |", "|---|---:|---:|---|"]
    for k in judged:
        lines.append(f"| {k.kind} | {k.findings} | {money(k.monthly_savings)} | {_md(k.rule)} |")
    for k in report.kinds:
        if not k.judged:
            lines.append(f"| {k.kind} | not judged | - | {_md(k.reason or '')} |")
    realised = realised_line(report)
    if realised:
        lines += ["", f"{h}# Realised savings", "", f"{_md(realised)}.", "",
                  "| Resolved | Kind | Resource | Region | Owner | Resolution | Projected/month | Realised/month | "
                  "Basis |", "|---|---|---|---|---|---|---:|---:|---|"]
        for r in report.resolved:
            lines.append(f"| {r.resolved_on} | {r.kind} | `{_md(r.resource_id)}` | {r.region} | {_md(r.owner or '-')} "
                         f"| {r.resolution} | {money(r.projected_monthly_savings)} | "
                         f"{money(r.realised_monthly_savings)} | {r.realised_basis or '-'} |")
    if report.warnings:
        lines.append("")
        lines.extend(f"> {_md(w)}" for w in report.warnings)
    return "\n".join(lines).rstrip("\n") + "\n"


def render(report: WasteReport) -> str:
    return f"# finguard waste\n\nAs of {report.as_of:%Y-%m-%d %H:%M} UTC, from {report.source}.\n\n" + section(report)
