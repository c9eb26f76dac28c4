"""The pull-request comment: one Markdown report of every project's cost change and policy findings, kept
under GitHub's size limit by summarising, and the behaviours that post it (update, new, delete, hide).

Rendering is a ladder of ever smaller variants (`LADDER`): all component details, then details for the top
resources only, then no details, then the top resources per project ("and K more resources (+$X)"), then the
top findings per severity, then the top projects. The first variant that fits is posted, so a table is never
cut in the middle: a smaller variant lists fewer rows, each complete.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from html import escape
from typing import TYPE_CHECKING, Protocol

from finguard import __version__
from finguard.diff import ProjectDiff, ResourceDiff
from finguard.policy.model import CheckResult, Finding, Severity
from finguard.report._rates import rates_lines
from finguard.report._templates import render
from finguard.report.markdown import cell, code
from finguard.report.table import (
    CheckCounts,
    check_counts,
    failing_check,
    kind_note,
    location,
    policy_errors,
    reported,
    severity_groups,
)

if TYPE_CHECKING:
    from github.IssueComment import IssueComment

MARKER = "<!-- finguard:comment -->"
MAX_COMMENT_CHARS = 65536  # GitHub rejects longer bodies (422); measured in UTF-8 bytes here, to be safe
STEP_SUMMARY_LIMIT = 1024 * 1024 - 4096  # a job summary step may hold 1 MiB
BEHAVIORS = ("update", "new", "delete-and-new", "hide-and-new")
WHEN = ("changed", "always")
MAX_CELL = 1000  # one policy message must not take the whole comment
MAX_SOURCES = 6


@dataclass
class ProjectReport:
    """One project argument: its cost diff and its policy check (what every variant needs, computed once)."""

    diff: ProjectDiff
    check: CheckResult

    @cached_property
    def changed(self) -> list[ResourceDiff]:
        """Resources whose cost changes, largest absolute impact first (diff_costs' order)."""
        return self.diff.changed

    @cached_property
    def counts(self) -> CheckCounts:
        return check_counts(self.check)

    @cached_property
    def fails(self) -> Callable[[Finding], bool]:
        return failing_check(self.check)

    @cached_property
    def groups(self) -> list[tuple[str, list[Finding]]]:
        """Findings by severity (critical first), then policy errors; failing findings first in each group."""
        groups = [(severity.value.capitalize(), group) for severity, group in severity_groups(reported(self.check))]
        if errors := policy_errors(self.check):
            groups.append(("Policy errors", errors))
        fails = self.fails
        return [(label, sorted(group, key=lambda f: not fails(f))) for label, group in groups]

    @property
    def news(self) -> bool:
        """Something to say: a resource's cost changes, or an active finding (or policy error)."""
        return bool(self.changed or self.check.active)


def has_news(reports: Sequence[ProjectReport]) -> bool:
    return any(r.news for r in reports)


# -- rendering -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Limits:
    """How much of each list a variant shows (None: everything)."""

    details: int | None = None  # resources (per project) whose component lines are shown
    resources: int | None = None  # resource rows per project
    findings: int | None = None  # finding rows per project and severity
    projects: int | None = None  # projects shown in detail

    @property
    def summarised(self) -> bool:
        return self != Limits()


LADDER: tuple[Limits, ...] = (
    Limits(),
    Limits(details=25),
    Limits(details=0),
    Limits(details=0, resources=200),
    Limits(details=0, resources=100),
    Limits(details=0, resources=50, findings=50),
    Limits(details=0, resources=25, findings=25),
    Limits(details=0, resources=10, findings=10),
    Limits(details=0, resources=10, findings=10, projects=20),
    Limits(details=0, resources=5, findings=5, projects=10),
    Limits(details=0, resources=0, findings=0, projects=5),
    Limits(details=0, resources=0, findings=0, projects=0),
)


@dataclass
class FindingGroup:
    label: str
    shown: list[Finding]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.shown)


@dataclass
class ProjectView:
    report: ProjectReport
    title: str
    resources: list[ResourceDiff]
    more: int
    more_delta: Decimal
    details: list[ResourceDiff]
    groups: list[FindingGroup]
    counts: CheckCounts
    fails: Callable[[Finding], bool]

    @property
    def diff(self) -> ProjectDiff:
        return self.report.diff

    @property
    def check(self) -> CheckResult:
        return self.report.check


def _project_view(report: ProjectReport, title: str, limits: Limits) -> ProjectView:
    changed = report.changed
    shown = changed if limits.resources is None else changed[:limits.resources]
    hidden = changed[len(shown):]
    groups = [FindingGroup(label, group if limits.findings is None else group[:limits.findings], len(group))
              for label, group in report.groups]
    with_components = [r for r in shown if r.components]
    details = with_components if limits.details is None else with_components[:limits.details]
    return ProjectView(
        report=report, title=title, resources=shown, more=len(hidden),
        more_delta=sum((r.delta_at_rates or Decimal(0) for r in hidden), Decimal(0)), details=details,
        groups=groups, counts=report.counts, fails=report.fails,
    )


def _titles(reports: Sequence[ProjectReport]) -> list[str]:
    """Project names; the source path where two projects share a name."""
    names = [r.diff.project for r in reports]
    return [r.diff.source if names.count(r.diff.project) > 1 else r.diff.project for r in reports]


def _percent(delta: Decimal, before: Decimal) -> Decimal | None:
    return delta / before * 100 if before else None


def _clip(text: str, most: int = MAX_CELL) -> str:
    return text if len(text) <= most else text[:most - 1].rstrip() + "…"


def _sources(reports: Sequence[ProjectReport]) -> tuple[list[str], int, str | None]:
    sources = sorted({s for r in reports if r.diff.catalog for s in r.diff.catalog.sources})
    dates = [r.diff.catalog.oldest_source_date for r in reports if r.diff.catalog and r.diff.catalog.oldest_source_date]
    return sources[:MAX_SOURCES], max(len(sources) - MAX_SOURCES, 0), min(dates) if dates else None


def comment_context(reports: Sequence[ProjectReport], limits: Limits = Limits(), approval: str = ""
                    ) -> dict[str, object]:
    """What comment.md.j2 needs, computed here so the template holds layout only."""
    titles = _titles(reports)
    count = len(reports) if limits.projects is None else min(limits.projects, len(reports))
    order = sorted(range(len(reports)), key=lambda i: (not reports[i].counts.failing,
                                                       -abs(reports[i].diff.delta_at_rates), i))
    shown_idx = sorted(order[:count])
    hidden_idx = order[count:]
    # with effective rates (every project priced at them): the totals at those rates, list prices beside them
    effective = bool(reports) and all(r.diff.effective for r in reports)
    before = sum((r.diff.before_at_rates if effective else r.diff.monthly_cost_before for r in reports), Decimal(0))
    after = sum((r.diff.after_at_rates if effective else r.diff.monthly_cost_after for r in reports), Decimal(0))
    list_before = sum((r.diff.monthly_cost_before for r in reports), Decimal(0))
    list_after = sum((r.diff.monthly_cost_after for r in reports), Decimal(0))
    rates = next((r.diff.rates for r in reports if r.diff.rates is not None), None)
    notes = sorted({r.diff.rates_note for r in reports if r.diff.rates_note})
    sources, more_sources, oldest = _sources(reports)
    all_counts = [r.counts for r in reports]
    compared = {r.diff.compared_to for r in reports}
    return {
        "marker": MARKER, "several": len(reports) > 1, "title": titles[0] if len(reports) == 1 else None,
        "news": has_news(reports),
        "projects": [_project_view(reports[i], titles[i], limits) for i in shown_idx],
        "summaries": [(titles[i], reports[i], all_counts[i]) for i in shown_idx],
        "more_projects": len(hidden_idx),
        "more_projects_delta": sum((reports[i].diff.delta_at_rates for i in hidden_idx), Decimal(0)),
        "total_projects": len(reports), "before": before, "after": after, "delta": after - before,
        "delta_percent": _percent(after - before, before), "complete": all(r.diff.complete for r in reports),
        "effective": effective, "list_before": list_before, "list_after": list_after,
        "list_delta": list_after - list_before, "list_delta_percent": _percent(list_after - list_before, list_before),
        "rates_notes": [*rates_lines(rates, named=3), *notes] if effective else notes,
        "approval": approval,
        "compared_to": compared.pop() if len(compared) == 1 else None,
        "failing": sum(c.failing for c in all_counts), "findings": sum(c.findings + c.errors for c in all_counts),
        "suppressed": sum(c.suppressed for c in all_counts),
        "fail_on": sorted({r.check.fail_on.value for r in reports}, key=lambda s: -Severity(s).rank),
        "summarised": limits.summarised, "sources": sources, "more_sources": more_sources, "oldest": oldest,
        "version": __version__,
        "cell": lambda text: cell(_clip(text)), "code": code, "html": escape, "location": location,
        "kind_note": kind_note,
    }


def render_variant(reports: Sequence[ProjectReport], limits: Limits = Limits(), approval: str = "") -> str:
    return _render(comment_context(reports, limits, approval))


def _render(context: dict[str, object]) -> str:
    return render("comment.md.j2", autoescape=False, **context) + "\n"


MIN_ROW = 20  # no resource or finding row renders shorter: `| `x` | create | - | - | - |`
MIN_COMPONENT_ROW = 16  # `| x | - | - | - |`
MIN_DETAILS = 100  # nor a <details> block, before its rows


def _least_size(context: dict[str, object]) -> int:
    """A lower bound of the rendered size, from row counts alone: variants that cannot fit are not rendered
    (rendering 20,000 rows only to throw them away is most of the time a huge plan would take)."""
    least = 0
    for p in context["projects"]:  # type: ignore[attr-defined]
        least += (len(p.resources) + sum(len(g.shown) for g in p.groups)) * MIN_ROW
        least += sum(MIN_DETAILS + len(r.components) * MIN_COMPONENT_ROW for r in p.details)
    return least


def size(text: str) -> int:
    return len(text.encode("utf-8"))


def render_comment(reports: Sequence[ProjectReport], *, limit: int = MAX_COMMENT_CHARS, approval: str = "") -> str:
    """The most detailed variant that fits in `limit` (UTF-8 bytes, so also characters). `approval` is the cost
    approval gate's section (`finguard approvals`), kept whole in every variant."""
    text = ""
    for limits in LADDER:
        context = comment_context(reports, limits, approval)
        if _least_size(context) > limit and limits != LADDER[-1]:
            continue
        text = _render(context)
        if size(text) <= limit:
            return text
    # The last variant holds no table, only totals: cutting it at a line is the last resort, never expected.
    lines, total = [], 0
    for line in text.splitlines(keepends=True):
        if total + size(line) > limit - 64:
            break
        lines.append(line)
        total += size(line)
    return "".join(lines) + "\n_(truncated to fit GitHub's comment size limit)_\n"


# -- posting ---------------------------------------------------------------------------------------
class CommentApi(Protocol):
    def comments(self) -> list[IssueComment]: ...
    def create(self, body: str) -> IssueComment: ...
    def edit(self, comment: IssueComment, body: str) -> None: ...
    def delete(self, comment: IssueComment) -> None: ...
    def minimize(self, comment: IssueComment) -> None: ...
    def minimized(self, comments: list[IssueComment]) -> set[str]: ...


def is_finguard_comment(body: str | None) -> bool:
    """Ours when the first line is the hidden marker (a quote of it in a reply starts with `>`)."""
    return bool(body) and body.lstrip().split("\n", 1)[0].strip() == MARKER  # type: ignore[union-attr]


def publish(api: CommentApi, body: str, *, behavior: str, when: str, news: bool) -> list[str]:
    """Post `body` as `behavior` says; what was done, one line each, for stderr."""
    quiet = when == "changed" and not news
    if quiet and behavior != "update":
        return ["nothing posted: no cost change and no findings (--when changed)"]
    if behavior == "new":
        created = api.create(body)
        return [f"created {created.html_url}"]
    ours = [c for c in api.comments() if is_finguard_comment(c.body)]
    if behavior == "update" or quiet:
        if not ours:
            if quiet:
                return ["nothing posted: no cost change and no findings (--when changed)"]
            return [f"created {api.create(body).html_url}"]
        latest = ours[-1]
        if latest.body == body:
            return [f"unchanged {latest.html_url}"]
        api.edit(latest, body)
        return [f"updated {latest.html_url}" + (" (no cost change and no findings)" if quiet else "")]
    done = []
    if behavior == "delete-and-new":
        for old in ours:
            api.delete(old)
            done.append(f"deleted {old.html_url}")
    elif behavior == "hide-and-new":
        hidden = api.minimized(ours) if ours else set()
        for old in ours:
            if old.node_id not in hidden:
                api.minimize(old)
                done.append(f"hid {old.html_url} as outdated")
    else:  # pragma: no cover - click validates the choice
        raise ValueError(f"unknown behavior {behavior!r}")
    created = api.create(body)
    return [*done, f"created {created.html_url}"]
