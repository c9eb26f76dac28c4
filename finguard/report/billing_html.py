"""The billing report as one self-contained HTML page: inline CSS and SVG charts, no script, no external asset,
so it can be attached to an issue, mailed, or published as a CI artifact and opened anywhere."""

from __future__ import annotations

from collections.abc import Sequence

from finguard.report._billing import BillingReport, charts, context
from finguard.report._templates import render


def render_billing(report: BillingReport, sections: Sequence[str] = ()) -> str:
    """The showback page; `sections` are the job sections' own HTML (budgets, anomalies, ...), placed last."""
    from markupsafe import Markup

    svg = {name: Markup(chart) for name, chart in charts(report).items()}
    return render("billing.html.j2", autoescape=True, charts=svg, sections=[Markup(s) for s in sections],
                  **context(report)) + "\n"


def render_job_page(title: str, sections: Sequence[str]) -> str:
    """One job's sections (e.g. `billing budgets --out`) as a page of their own, styled like the report."""
    from datetime import UTC, datetime

    from markupsafe import Markup

    generated = datetime.now(UTC).replace(microsecond=0).isoformat()
    return render("billing_job.html.j2", autoescape=True, title=title, generated_at=generated,
                  sections=[Markup(s) for s in sections]) + "\n"
