"""`finguard comment`: cost diff + policy check of one or more projects, posted as one pull-request comment.

Heavy imports (pydantic models, PyGithub, jinja2) happen inside the command so `finguard --help` stays fast.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from finguard.commands.param_types import PULL_NUMBER
from finguard.commands.rates_options import rates_options, resolve_rates

if TYPE_CHECKING:
    from finguard.cli import Settings
    from finguard.github.comment import ProjectReport
    from finguard.model import ProjectCost

SEVERITIES = ("info", "low", "medium", "high", "critical")
BEHAVIORS = ("update", "new", "delete-and-new", "hide-and-new")


@click.command(name="comment")
@click.argument("projects", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="PLAN_OR_DIR...")
@click.option("--compare-to", "compare_to", multiple=True, type=click.Path(path_type=Path), metavar="BASE.json",
              help="Saved breakdown to compare against instead of the plan's prior state; give it once per "
                   "project, in the same order (required for .tf directories).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="finguard.yml (default: found next to each plan or in a parent directory).")
@click.option("--fail-on", type=click.Choice(SEVERITIES), help="Lowest severity that fails the run (exit 1).")
@click.option("--behavior", type=click.Choice(BEHAVIORS), default="update", show_default=True,
              help="update: edit finguard's previous comment in place (create one if none); new: always add "
                   "one; delete-and-new / hide-and-new: delete / hide (as outdated) the previous ones, then add.")
@click.option("--when", type=click.Choice(["changed", "always"]), default="changed", show_default=True,
              help="changed: post nothing when no resource cost changes and there is no finding (an existing "
                   "comment is updated to say so under --behavior update).")
@click.option("--repo", metavar="OWNER/NAME", help="Repository (default: GITHUB_REPOSITORY).")
@click.option("--pr", "pr_number", type=PULL_NUMBER, metavar="N",
              help="Pull request number (default: from the event payload at GITHUB_EVENT_PATH).")
@click.option("--github-api-url", metavar="URL",
              help="GitHub API base URL (default: GITHUB_API_URL, else https://api.github.com).")
@click.option("--dry-run", is_flag=True, help="Render the comment and print it (or write --out); no API calls.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Also write the Markdown to FILE.")
@click.option("--step-summary/--no-step-summary", default=True, show_default=True,
              help="Append the report to $GITHUB_STEP_SUMMARY when it is set.")
@click.option("--annotations/--no-annotations", default=True, show_default=True,
              help="In GitHub Actions, print ::error/::warning workflow commands for findings with file/line.")
@rates_options
@click.pass_obj
def comment(settings: Settings, projects: tuple[Path, ...], compare_to: tuple[Path, ...], config_path: Path | None,
            fail_on: str | None, behavior: str, when: str, repo: str | None, pr_number: int | None,
            github_api_url: str | None, dry_run: bool, out: Path | None, step_summary: bool,
            annotations: bool, rates_mode: str | None, rates_file: Path | None) -> None:
    """Post the cost change and policy findings of PLAN_OR_DIR... (plan JSON files or .tf directories) as one
    pull-request comment. Token from GITHUB_TOKEN (or FINGUARD_GITHUB_TOKEN). Exit 1 when a check fails."""
    from finguard.cli import _finish, _warn_stale, _write
    from finguard.errors import EXIT_OK, EXIT_POLICY_FAILURE, UsageError
    from finguard.github import actions
    from finguard.github.comment import STEP_SUMMARY_LIMIT, has_news, publish, render_comment

    env = os.environ
    if compare_to and len(compare_to) != len(projects):
        raise UsageError(f"--compare-to given {len(compare_to)} times for {len(projects)} projects: give it once "
                         "per project, in the same order")
    target = None
    if not dry_run:  # fail fast, before the analysis
        target = actions.resolve_target(env, repo=repo, number=pr_number, api_url=github_api_url)
    analysed = [_analyse(settings, path, compare_to[i] if compare_to else None, config_path, fail_on, rates_mode,
                         rates_file) for i, path in enumerate(projects)]
    for report, _ in analysed:
        if report.diff.rates_note:
            click.echo(f"warning: {report.diff.rates_note}", err=True)
    reports = [report for report, _ in analysed]
    api = None
    approval = ""
    if target is not None:
        from finguard.github.client import PullRequestComments, max_wait_from_env

        api = PullRequestComments(target, max_wait=max_wait_from_env(), debug=env.get("FINGUARD_DEBUG") == "1")
        approval = _approval_section(api, projects[0], config_path)
    body = render_comment(reports, approval=approval)
    if out is not None:
        _write(body, out)
    elif dry_run:
        _write(body, None)
    if step_summary:
        actions.append_step_summary(env, render_comment(reports, limit=STEP_SUMMARY_LIMIT))
    if annotations and actions.in_actions(env):
        for line in actions.annotations([r.check for r in reports]):
            click.echo(line)
    if target is not None and api is not None:
        for line in publish(api, body, behavior=behavior, when=when, news=has_news(reports)):
            click.echo(f"finguard: comment on {target.name}: {line}", err=True)
    # one warning about old prices, for the project priced from the oldest price list
    _warn_stale(settings, min((after for _, after in analysed),
                              key=lambda c: (c.catalog and c.catalog.oldest_source_date) or "9999"))
    _finish(settings, EXIT_POLICY_FAILURE if any(r.check.failing for r in reports) else EXIT_OK)


def _approval_section(api: Any, first: Path, config_path: Path | None) -> str:
    """With `approvals:` rules in finguard.yml, the cost approval gate's section of the previous comment, kept in
    the new one (`finguard approvals` keeps it current; it runs after the comment in the Action)."""
    from finguard.approvals.gate import extract_section
    from finguard.config import find_config, load_config
    from finguard.github.comment import is_finguard_comment

    config = load_config(config_path or find_config(first if first.is_dir() else first.parent))
    if not config.approvals.rules:
        return ""
    ours = [c for c in api.comments() if is_finguard_comment(c.body)]
    return extract_section(ours[-1].body) if ours else ""


def _analyse(settings: Settings, path: Path, compare_to: Path | None, config_path: Path | None,
             fail_on: str | None, rates_mode: str | None = None, rates_file: Path | None = None
             ) -> tuple[ProjectReport, ProjectCost]:
    """The project's cost diff (as `finguard diff`) and policy check (as `finguard check`)."""
    from finguard.cli import _load_project, _write
    from finguard.collector import cycles_uncollected
    from finguard.diff import diff_costs
    from finguard.errors import UsageError
    from finguard.github.comment import ProjectReport
    from finguard.policy.runner import CheckRequest, evaluate
    from finguard.pricing.estimate import estimate
    from finguard.report.json_format import read_saved_breakdown

    if path.is_dir() and compare_to is None:
        raise UsageError(f"{path} is .tf code with no prior state: compare it to a saved breakdown with "
                         "--compare-to BASE.json (e.g. `finguard breakdown` of the main branch)")
    rates = resolve_rates(settings, path, rates_mode, rates_file, config_path=config_path)
    with cycles_uncollected():
        project = _load_project(settings, path)
        catalog = settings.catalog()
        after = estimate(project, catalog, "after", rates=rates)
        baseline = read_saved_breakdown(compare_to) if compare_to is not None else None
        if baseline is not None:
            diff = diff_costs(baseline, after, str(compare_to))
        else:
            diff = diff_costs(estimate(project, catalog, "before", rates=rates, reuse=after), after, "prior state")
        check = evaluate(CheckRequest(settings=settings, plan=path, load_project=lambda: project, write=_write,
                                      config_path=config_path, fail_on=fail_on, baseline_cost=baseline, rates=rates,
                                      rates_mode="list" if rates is None else None))
    return ProjectReport(diff=diff, check=check), after
