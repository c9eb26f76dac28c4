"""The billing report as versioned JSON: `{"schema": "finguard.billing-report", "version": 1, ...}`.

The body is the pydantic models dumped as they are (derived figures such as percentages, `balanced` and each
chargeback line's `amount` included), so a consumer never re-derives what the other formats show.
"""

from __future__ import annotations

import json

from finguard.report._billing import SCHEMA, VERSION, BillingReport


def render_billing(report: BillingReport) -> str:
    body = {"schema": SCHEMA, "version": VERSION, **report.model_dump(mode="json")}
    return json.dumps(body, indent=1, ensure_ascii=False) + "\n"


def read_billing(text: str) -> BillingReport:
    """A saved report back as the model (e.g. to compare months); refuses other schemas and versions."""
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise ValueError(f'not a finguard billing report (expected "schema": "{SCHEMA}")')
    if data.get("version") != VERSION:
        raise ValueError(f"unsupported billing report version {data.get('version')!r} (this finguard reads "
                         f"{VERSION})")
    return BillingReport.model_validate({k: v for k, v in data.items() if k not in ("schema", "version")})
