"""One self-contained HTML page (inline CSS and SVG charts, no script): showback with idle and efficiency."""

from __future__ import annotations

from markupsafe import escape

from finguard.k8s.formats._text import eff, headline, moved, pct, usd
from finguard.k8s.job import describe_reconciliation
from finguard.k8s.report import Grouping, K8sReport
from finguard.k8s.snapshot import IDLE
from finguard.report import charts

NAME = "html"
EXTENSION = "html"
TOP = 15


def _eff_class(value: float | None) -> str:
    if value is None:
        return "bar-track"
    return "bar-good" if value >= 0.6 else "bar-warn" if value >= 0.3 else "bar-bad"


def _charts(report: K8sReport, grouping: Grouping) -> list[str]:
    slug = "".join(c if c.isalnum() else "-" for c in grouping.by)
    top = grouping.rows[:TOP]
    more = max(len(grouping.rows) - TOP, 0)
    cost_chart = charts.stacked_bar_chart(
        f"chart-cost-{slug}", f"Cost by {grouping.by}",
        f"Each {grouping.by}'s total over the covered time: its own cost, the idle cost and the shared "
        "namespaces' cost it carries.",
        [("own cost", charts.color(0)), ("idle", charts.color(1)), ("shared in", charts.color(2))],
        [(r.name, [0.0, r.total or 0.0, 0.0] if r.name == IDLE else
          [max((r.cost or 0.0) - r.shared_out - r.idle_out, 0.0), r.idle_in, r.shared_in],
          usd(r.total, r.complete)) for r in top], more=more)
    measured = [r for r in top if r.cpu_efficiency is not None or r.memory_efficiency is not None]
    out = [f"<figure><figcaption>Cost by {escape(grouping.by)}</figcaption>{cost_chart}</figure>"]
    if measured:
        for kind in ("cpu", "memory"):
            label = "CPU" if kind == "cpu" else "Memory"
            values = [(r.name, getattr(r, f"{kind}_efficiency")) for r in measured]
            chart = charts.bar_chart(
                f"chart-{kind}-eff-{slug}", f"{label} efficiency by {grouping.by}",
                f"{label} usage as a share of requests, per {grouping.by} (100% uses exactly what it requests).",
                [(name, min(v or 0.0, 1.0), eff(v), _eff_class(v)) for name, v in values], scale=1.0, track=True)
            out.append(f"<figure><figcaption>{label} efficiency (usage / request)</figcaption>{chart}</figure>")
    return out


def _group_table(grouping: Grouping) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in (
        grouping.by, "Total", "Own cost", "Idle / shared moved", "CPU eff.", "Memory eff.", "CPU req. core-h",
        "Mem req. GiB-h", "Idle", "Spot", "Pods"))
    body = []
    for r in grouping.rows:
        cells = [escape(r.name), usd(r.total, r.complete), usd(r.cost, r.complete), escape(moved(r) or "-"),
                 eff(r.cpu_efficiency), eff(r.memory_efficiency), f"{r.cpu_request_core_hours:,.1f}",
                 f"{r.memory_request_gib_hours:,.1f}", pct(r.idle_percent), pct(r.spot_percent), str(r.pods)]
        body.append("<tr>" + f'<th scope="row">{cells[0]}</th>' + "".join(f'<td class="num">{c}</td>'
                                                                          for c in cells[1:]) + "</tr>")
    return f'<table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def section(report: K8sReport) -> str:
    t = report.totals
    donut = charts.donut_chart(
        "chart-idle", "Node cost: allocated and idle", "How much of the nodes' cost pods claimed and how much "
        "stayed idle (after any sharing).",
        [("allocated", t.allocated, charts.color(0)), ("idle", t.idle, charts.color(1))],
        texts=[usd(t.allocated), usd(t.idle)], center=(usd(t.node_cost, t.complete), "node cost"))
    out = ['<section id="k8s" aria-labelledby="k8s-heading">',
           f'<h2 id="k8s-heading">Kubernetes cost allocation: {escape(report.cluster)}</h2>',
           f"<p>{escape(headline(report))}.</p>", f'<p class="muted">{escape(describe_reconciliation(report))}</p>',
           f'<div class="charts"><figure><figcaption>Allocated and idle</figcaption>{donut}</figure></div>']
    for grouping in report.groupings:
        out.append(f"<h3>By {escape(grouping.by)}</h3>")
        out.append('<div class="charts">' + "".join(_charts(report, grouping)) + "</div>")
        out.append(_group_table(grouping))
    head = "".join(f'<th scope="col">{h}</th>' for h in ("Node", "Pool", "Type", "Capacity", "$/hour",
                                                         "Price from", "Hours", "Cost", "Idle"))
    rows = []
    for n in report.nodes:
        price = "missing" if n.hourly_price is None else f"${n.hourly_price:.4f}"
        rows.append(f'<tr><th scope="row">{escape(n.name)}</th><td>{escape(n.node_pool)}</td>'
                    f"<td>{escape(n.instance_type or '-')}</td><td>{escape(n.capacity_type)}</td>"
                    f'<td class="num">{price}</td><td title="{escape(n.price_detail)}">{n.price_source}</td>'
                    f'<td class="num">{n.hours:,.1f}</td><td class="num">{usd(n.cost)}</td>'
                    f'<td class="num">{pct(n.idle_percent)}</td></tr>')
    out.append(f'<h3>Nodes</h3><table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')
    out.extend(f'<p class="warn">warning: {escape(w)}</p>' for w in report.warnings)
    out.append("</section>")
    return "\n".join(out)


def render(report: K8sReport) -> str:
    from finguard.report.billing_html import render_job_page

    return render_job_page(f"Kubernetes cost allocation ({report.cluster})", [section(report)])
