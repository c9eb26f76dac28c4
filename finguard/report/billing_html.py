"""The billing report as one self-contained HTML page: inline CSS and SVG charts, no script, no external asset,
so it can be attached to an issue, mailed, or published as a CI artifact and opened anywhere."""

from __future__ import annotations

from finguard.report._billing import BillingReport, charts, context
from finguard.report._templates import render


def render_billing(report: BillingReport) -> str:
    from markupsafe import Markup

    svg = {name: Markup(chart) for name, chart in charts(report).items()}
    return render("billing.html.j2", autoescape=True, charts=svg, **context(report)) + "\n"
