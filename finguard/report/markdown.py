"""Markdown output (GitHub-flavoured), for PR comments, step summaries and wikis."""

from __future__ import annotations

from finguard.diff import ProjectDiff
from finguard.model import ProjectCost
from finguard.report._templates import render

FORMAT = "markdown"


def render_breakdown(cost: ProjectCost) -> str:
    return render("breakdown.md.j2", autoescape=False, cost=cost)


def render_diff(diff: ProjectDiff) -> str:
    return render("diff.md.j2", autoescape=False, diff=diff)
