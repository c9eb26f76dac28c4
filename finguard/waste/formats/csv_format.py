"""`--format csv`: one row per finding, every figure at full precision (for a spreadsheet or a data warehouse)."""

from __future__ import annotations

import csv
import io
import json

from finguard.waste.model import WasteReport

FORMAT = "csv"
COLUMNS = ("rank", "kind", "resource_id", "resource_type", "name", "region", "account_id", "owner", "owner_source",
           "monthly_savings", "savings_basis", "monthly_savings_list", "monthly_savings_billed", "missing_price",
           "counted", "confidence", "recommendation", "evidence", "action", "command", "terraform_address",
           "terraform_file", "terraform_line", "terraform_change", "first_seen", "last_seen", "fingerprint", "facts")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def rows(report: WasteReport) -> list[list[str]]:
    out = []
    for rank, f in enumerate(report.findings, 1):
        tf = f.remediation.terraform
        values = {
            "rank": rank, "kind": f.kind, "resource_id": f.resource_id, "resource_type": f.resource_type,
            "name": f.name, "region": f.region, "account_id": f.account_id, "owner": f.owner,
            "owner_source": f.owner_source, "monthly_savings": f.monthly_savings, "savings_basis": f.savings_basis,
            "monthly_savings_list": f.monthly_savings_list, "monthly_savings_billed": f.monthly_savings_billed,
            "missing_price": f.missing_price, "counted": f.counted, "confidence": f.confidence,
            "recommendation": f.recommendation, "evidence": " | ".join(f.evidence), "action": f.remediation.action,
            "command": f.remediation.command, "terraform_address": tf.address if tf else None,
            "terraform_file": tf.file if tf else None, "terraform_line": tf.line if tf else None,
            "terraform_change": tf.change if tf else None, "first_seen": f.first_seen, "last_seen": f.last_seen,
            "fingerprint": f.fingerprint, "facts": json.dumps(f.facts, sort_keys=True)}
        out.append([_cell(values[c]) for c in COLUMNS])
    return out


def render(report: WasteReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows(report))
    return buffer.getvalue()
