"""Self-contained HTML page (inline CSS, no external assets) for sharing a breakdown, diff or policy check."""

from __future__ import annotations

from typing import TYPE_CHECKING

from finguard.model import ProjectCost
from finguard.policy.model import CheckResult
from finguard.report._templates import render
from finguard.report.table import check_context

if TYPE_CHECKING:  # diff models are built only when a diff is rendered
    from finguard.diff import ProjectDiff

FORMAT = "html"


def render_breakdown(cost: ProjectCost) -> str:
    return render("breakdown.html.j2", autoescape=True, cost=cost)


def render_diff(diff: ProjectDiff) -> str:
    return render("diff.html.j2", autoescape=True, diff=diff)


def render_check(result: CheckResult) -> str:
    return render("check.html.j2", autoescape=True, **check_context(result)) + "\n"
