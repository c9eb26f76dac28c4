"""`finguard approvals`: the cost approval gate, as the commit status `finguard/cost-approval` on the pull request's
head commit.

Heavy imports (pydantic models, PyGithub, jinja2) happen inside the command so `finguard --help` stays fast.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from finguard.commands.param_types import PULL_NUMBER
from finguard.commands.rates_options import rates_options

if TYPE_CHECKING:
    from collections.abc import Mapping

    from finguard.approvals.gate import GateResult
    from finguard.cli import Settings
    from finguard.github.review_gate import PullRequestGate

_SHA = re.compile(r"^[0-9a-fA-F]{7,64}$")


@click.command(name="approvals")
@click.argument("projects", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="PLAN_OR_DIR...")
@click.option("--compare-to", "compare_to", multiple=True, type=click.Path(path_type=Path), metavar="BASE.json",
              help="Saved breakdown to compare against instead of the plan's prior state; once per project, in the "
                   "same order (required for .tf directories).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="finguard.yml holding `approvals:` (default: found next to the first plan or in a parent "
                   "directory). On pull requests from forks, name the base branch's.")
@click.option("--repo", metavar="OWNER/NAME", help="Repository (default: GITHUB_REPOSITORY).")
@click.option("--pr", "pr_number", type=PULL_NUMBER, metavar="N",
              help="Pull request number (default: from the event payload at GITHUB_EVENT_PATH).")
@click.option("--sha", metavar="SHA", help="Head commit to set the status on (default: the event's pull request "
                                            "head, else the pull request's head from the API).")
@click.option("--github-api-url", metavar="URL",
              help="GitHub API base URL (default: GITHUB_API_URL, else https://api.github.com).")
@click.option("--target-url", metavar="URL", help="Link of the status (default: the workflow run, else the comment).")
@click.option("--dry-run", is_flag=True, help="Evaluate the rules and print the result; no API calls (approvals "
                                              "are then unknown).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--fail-on-pending", is_flag=True, help="Exit 1 while the gate is pending (the status is set either "
                                                      "way).")
@rates_options
@click.pass_obj
def approvals(settings: Settings, projects: tuple[Path, ...], compare_to: tuple[Path, ...], config_path: Path | None,
              repo: str | None, pr_number: int | None, sha: str | None, github_api_url: str | None,
              target_url: str | None, dry_run: bool, fmt: str, fail_on_pending: bool, rates_mode: str | None,
              rates_file: Path | None) -> None:
    """Hold a costly pull request until an approver signs it off: evaluate the `approvals:` rules of finguard.yml on
    the cost change and findings of PLAN_OR_DIR..., and set the commit status `finguard/cost-approval`: pending
    (with the reason and the approvers it waits for, whose review it requests) until an approving review from a
    listed approver covers the current cost, success at once when no rule applies. The sticky comment shows the
    gate. Token from GITHUB_TOKEN (or FINGUARD_GITHUB_TOKEN); make the status a required check to enforce it."""
    from decimal import Decimal

    from finguard.approvals.gate import GateProject, decide, evaluate_rules
    from finguard.cli import _finish
    from finguard.commands.comment import _analyse
    from finguard.config import find_config, load_config
    from finguard.errors import EXIT_OK, EXIT_POLICY_FAILURE, UsageError
    from finguard.github import actions

    env = os.environ
    if compare_to and len(compare_to) != len(projects):
        raise UsageError(f"--compare-to given {len(compare_to)} times for {len(projects)} projects: give it once "
                         "per project, in the same order")
    if sha is not None and not _SHA.match(sha):
        raise UsageError(f"--sha {sha!r}: expected a commit SHA (7 to 64 hex digits)")
    first = projects[0]
    config_path = config_path or find_config(first if first.is_dir() else first.parent)
    config = load_config(config_path)
    gate = config.approvals
    if not gate.rules:
        raise UsageError(f"{config_path or 'finguard.yml'}: no approval rules: add `approvals: rules:` (see "
                         "`finguard approvals --help` and the README)")
    target = None if dry_run else actions.resolve_target(env, repo=repo, number=pr_number, api_url=github_api_url)
    analysed = [_analyse(settings, path, compare_to[i] if compare_to else None, config_path, None, rates_mode,
                         rates_file) for i, path in enumerate(projects)]
    gate_projects = [GateProject(str(path), report.diff, after, report.check)
                     for path, (report, after) in zip(projects, analysed, strict=True)]
    triggered = evaluate_rules(gate, gate_projects)
    rates = "effective" if all(p.diff.effective for p in gate_projects) else "list"
    delta = sum((p.diff.delta_at_rates for p in gate_projects), Decimal(0))
    if target is None:
        result = decide(triggered, [], [], lambda login, approvers: False, rates=rates, sha=sha, context=gate.context,
                        delta=delta)
        _print(result, fmt, None)
        _finish(settings, EXIT_POLICY_FAILURE if fail_on_pending and result.state == "pending" else EXIT_OK)
        return
    from finguard.github.client import max_wait_from_env
    from finguard.github.review_gate import PullRequestGate

    api = PullRequestGate(target, max_wait=max_wait_from_env(), debug=env.get("FINGUARD_DEBUG") == "1")
    result = publish_gate(api, triggered, rates=rates, delta=delta, sha=sha or event_head_sha(env, target.number),
                          context=gate.context, request=gate.request_reviews, target_url=target_url, env=env)
    _print(result, fmt, target.name)
    _finish(settings, EXIT_POLICY_FAILURE if fail_on_pending and result.state == "pending" else EXIT_OK)


def event_head_sha(env: Mapping[str, str], number: int) -> str | None:
    """The head commit the event is about: `pull_request.head.sha` (pull_request, pull_request_review) when it is
    this pull request, or `workflow_run.head_sha`; None to ask the API."""
    from finguard.github.actions import event_or_none, pull_number

    payload = event_or_none(env.get("GITHUB_EVENT_PATH"))
    if not isinstance(payload, dict):
        return None
    pull = payload.get("pull_request")
    if isinstance(pull, dict) and pull_number(pull.get("number")) == number:
        head = (pull.get("head") or {}).get("sha")
        return head if isinstance(head, str) and _SHA.match(head) else None
    run = payload.get("workflow_run")
    if isinstance(run, dict) and isinstance(run.get("head_sha"), str) and _SHA.match(run["head_sha"]):
        return str(run["head_sha"])
    return None


def publish_gate(api: PullRequestGate, triggered: list[Any], *, rates: str, delta: Any, sha: str | None,
                 context: str, request: bool, target_url: str | None, env: Mapping[str, str]) -> GateResult:
    """Decide with the reviews and the recorded figures, write the gate into the sticky comment, set the status,
    and ask the approvers still needed for a review."""
    from finguard.approvals.gate import Record, decide, records_in, render_section, update_records, with_section
    from finguard.github.comment import MARKER, is_finguard_comment

    sha = (sha or api.head_sha()).lower()
    ours = [c for c in api.comments() if is_finguard_comment(c.body)]
    latest = ours[-1] if ours else None
    records = update_records(records_in(latest.body if latest else None),
                             Record(sha=sha, rates=rates, rules={t.rule.id: t.figures for t in triggered}))  # type: ignore[arg-type]
    reviews = api.reviews() if triggered else []

    def is_approver(login: str, approvers: list[str]) -> bool:
        if any("/" not in a and a.casefold() == login.casefold() for a in approvers):
            return True
        return any(api.is_team_member(a.partition("/")[0], a.partition("/")[2], login)
                   for a in approvers if "/" in a)

    result = decide(triggered, records, reviews, is_approver, rates=rates, sha=sha, context=context, delta=delta)
    section = render_section(result, records)
    if latest is not None:
        body = with_section(latest.body, section)
        if body != latest.body:
            api.edit(latest, body)
        url = latest.html_url
    else:
        url = api.create(f"{MARKER}\n## finguard: cost approval\n\n{section}\n").html_url
    result.target_url = target_url or _run_url(env) or url
    api.set_status(sha, result.state, result.description, context, result.target_url)
    if result.state == "pending" and request:
        _request_reviews(api, result)
    return result


def _run_url(env: Mapping[str, str]) -> str | None:
    server, repo, run = env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY"), env.get("GITHUB_RUN_ID")
    if server and repo and run and run.isdigit():
        return f"{server.rstrip('/')}/{repo}/actions/runs/{run}"
    return None


def _request_reviews(api: PullRequestGate, result: GateResult) -> None:
    """Ask the approvers the gate waits for; users and teams of the repository's organisation only (GitHub cannot
    request a review from the author or from another organisation's team). A refusal is a warning: the status,
    which is what merging waits for, is already set."""
    from finguard.github.client import GitHubError

    owner = api.target.repo.split("/", 1)[0].casefold()
    author = api.author().casefold()
    users_asked, teams_asked = api.requested()
    users = [a for a in result.waiting_for if "/" not in a and a.casefold() not in (author, *users_asked)]
    teams = [team for org, _, team in (a.partition("/") for a in result.waiting_for if "/" in a)
             if org.casefold() == owner and team.casefold() not in teams_asked]
    if not users and not teams:
        return
    try:
        api.request_reviews(users, teams)
    except GitHubError as exc:
        click.echo(f"finguard: warning: {exc} (the status is set)", err=True)
        return
    asked = ", ".join([*(f"@{u}" for u in users), *(f"team {api.target.repo.split('/')[0]}/{t}" for t in teams)])
    click.echo(f"finguard: cost approval on {api.target.name}: requested reviews from {asked}", err=True)


def _print(result: GateResult, fmt: str, where: str | None) -> None:
    if fmt == "json":
        from finguard.report.json_format import dumps

        click.echo(dumps({"schema": "finguard/approvals", "version": 1, **result.model_dump(mode="python")}),
                   nl=False)
        return
    head = f" on {where}" if where else " (dry run: no reviews read, no status set)"
    sha = f" ({result.sha[:7]})" if result.sha else ""
    click.echo(f"finguard: cost approval{head}{sha}: {result.state} - {result.description}")
    for rule in result.rules:
        state = f"approved by @{rule.approved_by}" if rule.approved_by else "waiting"
        click.echo(f"  rule {rule.id}: {'; '.join(rule.reasons)}; approvers "
                   f"{', '.join('@' + a for a in rule.approvers)}; {state}")
        for note in rule.notes:
            click.echo(f"    {note}")
