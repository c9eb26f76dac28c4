"""Plain-text tables for the terminal (the default format)."""

from __future__ import annotations

from finguard.k8s.formats._text import eff, headline, moved, pct, usd
from finguard.k8s.job import describe_reconciliation
from finguard.k8s.report import K8sReport

NAME = "table"
EXTENSION = "txt"
TOP = 25


def _table(header: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths,
                                                                                                  strict=True)))
    return [line(header), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


def render(report: K8sReport) -> str:
    lines = [headline(report), describe_reconciliation(report), ""]
    for grouping in report.groupings:
        rows = [[r.name, usd(r.total, r.complete), usd(r.cost, r.complete), moved(r), eff(r.cpu_efficiency),
                 eff(r.memory_efficiency), pct(r.idle_percent), pct(r.spot_percent), str(r.pods)]
                for r in grouping.rows[:TOP]]
        lines.append(f"by {grouping.by}:")
        lines.extend("  " + x for x in _table(
            [grouping.by, "total", "own cost", "shared/idle moved", "CPU eff", "mem eff", "idle", "spot", "pods"],
            rows, {1, 2, 4, 5, 6, 7, 8}))
        if len(grouping.rows) > TOP:
            lines.append(f"  ... and {len(grouping.rows) - TOP} more (--format csv or json for all)")
        lines.append("")
    nodes = [[n.name, n.node_pool, n.instance_type or "-", n.capacity_type,
              "missing" if n.hourly_price is None else f"${n.hourly_price:.4f}", n.price_source, f"{n.hours:,.1f}",
              usd(n.cost), pct(n.idle_percent)] for n in report.nodes[:TOP]]
    lines.append("nodes:")
    lines.extend("  " + x for x in _table(["node", "pool", "type", "capacity", "$/hour", "price from", "hours",
                                           "cost", "idle"], nodes, {4, 6, 7, 8}))
    if len(report.nodes) > TOP:
        lines.append(f"  ... and {len(report.nodes) - TOP} more")
    lines.extend(f"warning: {w}" for w in report.warnings)
    return "\n".join(lines) + "\n"
