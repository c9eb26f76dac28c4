"""Number formatting shared by the k8s formats."""

from __future__ import annotations

from finguard.k8s.report import GroupRow, K8sReport


def usd(value: float | None, complete: bool = True) -> str:
    if value is None:
        return "missing"
    text = f"${value:,.2f}"
    return text if complete else f">= {text}"


def eff(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def headline(report: K8sReport) -> str:
    t = report.totals
    bound = "" if t.complete else ">= "
    return (f"cluster {report.cluster}: {bound}${t.node_cost:,.2f} over {report.hours:g} h "
            f"({report.start:%Y-%m-%d %H:%M} to {report.end:%Y-%m-%d %H:%M} UTC, {report.snapshots} snapshot(s)); "
            f"{t.nodes} nodes, {t.pods} pods; idle {pct(t.idle_percent)}, CPU efficiency {eff(t.cpu_efficiency)}, "
            f"memory efficiency {eff(t.memory_efficiency)}, spot {pct(t.spot_percent)}")


def moved(row: GroupRow) -> str:
    """`+12.00 idle, -3.00 shared`: what sharing added to or took from a group (empty when nothing moved)."""
    parts = []
    for value, label, sign in ((row.idle_in, "idle", "+"), (row.idle_out, "idle", "-"),
                               (row.shared_in, "shared", "+"), (row.shared_out, "shared", "-")):
        if value >= 0.005:
            parts.append(f"{sign}{value:,.2f} {label}")
    return ", ".join(parts)
