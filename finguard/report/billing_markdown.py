"""The billing report as GitHub-flavoured Markdown: for a PR or issue comment, a wiki page or a step summary."""

from __future__ import annotations

from finguard.report._billing import BillingReport, context
from finguard.report._templates import render

MAX_OWNERS = 25  # per period: a PR comment holds 65,536 characters, and hundreds of owners would not fit


def render_billing(report: BillingReport, *, max_owners: int | None = MAX_OWNERS) -> str:
    """Tables only (no charts: Markdown has none), in the order a reader asks: does it add up, who spent what.

    Past `max_owners` owners per period (None: no limit) the rest are summed in one line; tables of accounts,
    untagged resources and tag keys are as long as the report's own limits made them."""
    from finguard.report.markdown import cell, code

    return render("billing.md.j2", autoescape=False, cell=cell, code=code, limit=max_owners,
                  **context(report, limit=max_owners))
