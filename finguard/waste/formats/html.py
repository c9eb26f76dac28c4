"""`--format html`: a self-contained page (inline CSS and SVG, no script), styled like the billing reports."""

from __future__ import annotations

from markupsafe import escape

from finguard.waste.formats._common import headline, money, owner, realised_line, resource, savings_note
from finguard.waste.model import WasteReport

FORMAT = "html"
TITLE = "Waste and rightsizing"
CHART_ROWS = 15


def section(report: WasteReport) -> str:
    """One `<section>`: savings by kind (bar chart), the ranked findings, what was not judged, realised savings."""
    from finguard.report import charts

    out = ['<section id="waste" aria-labelledby="waste-heading">', f'<h2 id="waste-heading">{TITLE}</h2>',
           f'<p class="muted">{escape(headline(report))}.</p>']
    by_kind = sorted((k for k in report.kinds if k.findings), key=lambda k: -k.monthly_savings)
    if by_kind:
        rows = [(k.kind, k.monthly_savings, money(k.monthly_savings), "bar-bad") for k in by_kind[:CHART_ROWS]]
        chart = charts.bar_chart("chart-waste", "Savings per month by kind",
                                 "Known monthly savings per kind of waste, one finding per resource.", rows,
                                 more=len(by_kind) - len(rows))
        out.append(f'<div class="charts"><figure><figcaption>Savings per month by kind</figcaption>{chart}</figure>'
                   "</div>")
    if report.findings:
        out.append('<table id="waste-table"><thead><tr><th scope="col" class="num">Savings/month</th>'
                   '<th scope="col">Kind</th><th scope="col">Resource</th><th scope="col">Region</th>'
                   '<th scope="col">Account</th><th scope="col">Owner</th><th scope="col">Evidence</th>'
                   '<th scope="col">Confidence</th><th scope="col">Remediation</th></tr></thead><tbody>')
        for f in report.findings:
            evidence = "<br>".join(str(escape(e)) for e in f.evidence)
            tf = f.remediation.terraform
            fix = (f"{escape(f.remediation.summary)}<br><code>{escape(f.remediation.command)}</code>" if tf
                   else f"<code>{escape(f.remediation.command)}</code>")
            out.append(f'<tr data-kind="{escape(f.kind)}"><td class="num">{escape(money(f.monthly_savings))}'
                       f"{escape(savings_note(f))}</td><td>{escape(f.kind)}</td><td><code>{escape(resource(f))}</code>"
                       f"</td><td>{escape(f.region)}</td><td>{escape(f.account_id or '-')}</td>"
                       f"<td>{escape(owner(f))}</td><td>{evidence}</td><td>{escape(f.confidence)}</td><td>{fix}</td>"
                       "</tr>")
        out.append("</tbody></table>")
    skipped = [k for k in report.kinds if not k.judged]
    if skipped:
        out.append("<ul class=\"muted\">" + "".join(f"<li>not judged: {escape(k.kind)}: {escape(k.reason or '')}</li>"
                                                   for k in skipped) + "</ul>")
    realised = realised_line(report)
    if realised:
        out.append(f"<h3>Realised savings</h3><p>{escape(realised)}.</p>")
        out.append('<table id="waste-resolved"><thead><tr><th scope="col">Resolved</th><th scope="col">Kind</th>'
                   '<th scope="col">Resource</th><th scope="col">Region</th><th scope="col">Resolution</th>'
                   '<th scope="col" class="num">Projected/month</th><th scope="col" class="num">Realised/month</th>'
                   '<th scope="col">Basis</th></tr></thead><tbody>')
        for r in report.resolved:
            out.append(f"<tr><td>{r.resolved_on}</td><td>{escape(r.kind)}</td><td><code>{escape(r.resource_id)}"
                       f"</code></td><td>{escape(r.region)}</td><td>{escape(r.resolution)}</td>"
                       f'<td class="num">{escape(money(r.projected_monthly_savings))}</td>'
                       f'<td class="num">{escape(money(r.realised_monthly_savings))}</td>'
                       f"<td>{escape(r.realised_basis or '-')}</td></tr>")
        out.append("</tbody></table>")
    if report.warnings:
        out.append("<ul class=\"muted\">" + "".join(f"<li>{escape(w)}</li>" for w in report.warnings) + "</ul>")
    out.append("</section>")
    return "\n".join(out)


def render(report: WasteReport) -> str:
    from finguard.report.billing_html import render_job_page

    return render_job_page("waste", [section(report)])
