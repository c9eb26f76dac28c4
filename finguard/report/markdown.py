"""Markdown output (GitHub-flavoured), for PR comments, step summaries and wikis."""

from __future__ import annotations

from typing import TYPE_CHECKING

from finguard.model import ProjectCost
from finguard.policy.model import CheckResult
from finguard.report._templates import render
from finguard.report.table import check_context

if TYPE_CHECKING:  # diff models are built only when a diff is rendered
    from finguard.diff import ProjectDiff

FORMAT = "markdown"


def render_breakdown(cost: ProjectCost) -> str:
    return render("breakdown.md.j2", autoescape=False, cost=cost)


def render_diff(diff: ProjectDiff) -> str:
    return render("diff.md.j2", autoescape=False, diff=diff)


def cell(text: str) -> str:
    """Text for a table cell: policy messages are free text, and one `|`, newline or `<tag>` would break the
    table or inject HTML into a PR comment."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
    return "<br>".join(line.strip() for line in text.strip().splitlines())


def code(text: str) -> str:
    """A code span for a table cell (entities are literal in code spans, so only `|` and backticks matter)."""
    text = " ".join(text.split()).replace("|", "\\|")
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def render_check(result: CheckResult) -> str:
    return render("check.md.j2", autoescape=False, cell=cell, code=code, **check_context(result))
