"""Self-contained HTML page (inline CSS, no external assets) for sharing a breakdown or diff."""

from __future__ import annotations

from finguard.diff import ProjectDiff
from finguard.model import ProjectCost
from finguard.report._templates import render

FORMAT = "html"


def render_breakdown(cost: ProjectCost) -> str:
    return render("breakdown.html.j2", autoescape=True, cost=cost)


def render_diff(diff: ProjectDiff) -> str:
    return render("diff.html.j2", autoescape=True, diff=diff)
