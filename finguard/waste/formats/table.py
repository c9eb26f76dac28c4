"""`--format table`: the ranked findings for a terminal, then what was not judged and what was realised."""

from __future__ import annotations

from finguard.waste.formats._common import headline, money, owner, realised_line, resource, savings_note
from finguard.waste.model import WasteReport

FORMAT = "table"
WIDTHS = {"evidence": 60, "remediation": 70, "resource": 46}


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def render(report: WasteReport) -> str:
    rows = [("SAVINGS/MO", "KIND", "RESOURCE", "REGION", "ACCOUNT", "OWNER", "CONF", "EVIDENCE", "REMEDIATION")]
    for f in report.findings:
        shown = _clip(resource(f, short=True), WIDTHS["resource"])
        rows.append((money(f.monthly_savings) + savings_note(f), f.kind, shown, f.region, f.account_id or "-",
                     owner(f), f.confidence, _clip(f.evidence[0], WIDTHS["evidence"]),
                     _clip(f.remediation.summary, WIDTHS["remediation"])))
    lines = [f"waste: {headline(report)}"]
    if report.findings:
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines.append("")
        for r in rows:
            lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip())
    skipped = [k for k in report.kinds if not k.judged]
    if skipped:
        lines.append("")
        lines.extend(f"not judged: {k.kind}: {k.reason}" for k in skipped)
    realised = realised_line(report)
    if realised:
        lines += ["", realised]
        for r in report.resolved[:20]:
            value = money(r.realised_monthly_savings)
            lines.append(f"  {r.resolved_on} {r.kind} {r.resource_id} ({r.region}): {r.resolution}, {value}/month "
                         f"{'measured' if r.realised_basis == 'billing' else 'projected'}")
    lines.extend(f"warning: {w}" for w in report.warnings)
    return "\n".join(lines) + "\n"
