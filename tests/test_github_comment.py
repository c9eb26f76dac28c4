"""`finguard comment` against a local GitHub-compatible server: each behaviour's exact requests, skipping when
nothing changed, the size-limit summarisation, Actions glue (event payload, step summary, annotations), and
every API failure as one clear line that never shows the token."""

from __future__ import annotations

import json
import os
import re
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

import pytest

from finguard.diff import ComponentDiff, ProjectDiff, ResourceDiff
from finguard.errors import InputError, UsageError
from finguard.github import actions, client
from finguard.github.actions import Target
from finguard.github.client import GitHubError, PullRequestComments
from finguard.github.comment import (
    MARKER,
    MAX_COMMENT_CHARS,
    ProjectReport,
    has_news,
    is_finguard_comment,
    render_comment,
    size,
)
from finguard.model import Action
from finguard.policy.model import CheckResult, Finding, FindingKind, Severity

from .conftest import EXAMPLES
from .github_server import GitHubServer, running_github_server
from .plan_builder import PlanBuilder
from .test_cli import run

TOKEN = "ghs_fgLEAK7c1d9e2b4a6f8"  # distinctive: must appear in no output, error or exception text
WEB = EXAMPLES / "web-app" / "plan.json"
EKS = EXAMPLES / "eks-platform" / "plan.json"
REPO = "/repos/octo-org/infra"
LIST = f"GET {REPO}/issues/12/comments?per_page=100"
START = [f"GET {REPO}", f"GET {REPO}/issues/12"]
ENV = ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_EVENT_PATH", "GITHUB_EVENT_NAME", "GITHUB_REPOSITORY",
       "GITHUB_TOKEN", "FINGUARD_GITHUB_TOKEN", "GITHUB_API_URL", "GITHUB_REF", "FINGUARD_DEBUG",
       "FINGUARD_GITHUB_MAX_RETRY_WAIT")


@pytest.fixture()
def gh(monkeypatch: pytest.MonkeyPatch):
    """A server holding PR #12 of octo-org/infra, with GITHUB_TOKEN / GITHUB_API_URL pointing at it."""
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(client, "SECONDS_BETWEEN_REQUESTS", None)  # PyGithub's pauses: 1 s per write
    monkeypatch.setattr(client, "SECONDS_BETWEEN_WRITES", None)
    with running_github_server(token=TOKEN) as server:
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        monkeypatch.setenv("GITHUB_API_URL", server.url)
        yield server


def comment(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`finguard comment ARGS` on octo-org/infra#12 unless ARGS name another repository or PR."""
    defaults = [*(["--repo", "octo-org/infra"] if "--repo" not in args else []),
                *(["--pr", "12"] if "--pr" not in args else [])]
    return run(capsys, "comment", *args, *defaults)


def ours(server: GitHubServer) -> list:
    return [c for c in server.state.comments if c.body.startswith(MARKER)]


@pytest.fixture()
def quiet_plan(tmp_path: Path) -> Path:
    """No cost change and no finding: fully tagged, nothing but no-ops."""
    tags = {"team": "web", "env": "prod", "owner": "x", "cost-center": "CC-1234"}
    root = {"volume_type": "gp3", "volume_size": 20, "encrypted": True}
    builder = PlanBuilder(default_tags=tags)
    builder.add("aws_instance.app", {"instance_type": "m7g.large", "root_block_device": [root]},
                before={"instance_type": "m7g.large", "root_block_device": [root]}, actions=["no-op"])
    builder.add("aws_vpc.main", {"cidr_block": "10.0.0.0/16"}, before={"cidr_block": "10.0.0.0/16"},
                actions=["no-op"])
    path = tmp_path / "quiet" / "plan.json"
    path.parent.mkdir()
    path.write_text(json.dumps(builder.build()))
    return path


# -- behaviours ------------------------------------------------------------------------------------
def test_update_creates_then_edits_in_place(capsys: pytest.CaptureFixture[str], gh: GitHubServer) -> None:
    gh.state.add_comment("LGTM")
    gh.state.add_comment(f"> {MARKER}\n> quoted by a reviewer")
    code, out, err = comment(capsys, str(WEB))
    assert code == 1  # FG-COST-002 fails at high, as `finguard check`
    assert gh.lines == [*START, LIST, f"POST {REPO}/issues/12/comments"]
    post = gh.requests[-1]
    body = post.body["body"]
    assert body.split("\n", 1)[0] == MARKER
    assert "**Monthly cost: $495.85 → $815.70 (+$319.85, +64.5%)**" in body
    assert "| `aws_autoscaling_group.app` | no-op | $223.74 | $433.98 | +$210.24 |" in body
    assert "<details><summary><code>aws_db_instance.main</code> +$151.11</summary>" in body
    assert body.index("**High (1)**") < body.index("**Low (2)**")
    assert "`examples/terraform/web-app/compute.tf:87`" in body and "Switch to the Graviton type" in body
    # the oldest source used: ec2-shop's ebs.json (gp3 volumes), whose manifest says 2024-07-18
    assert "oldest published 2024-07-18" in body and "finguard 0.1.0" in body
    assert post.headers["Authorization"] == f"token {TOKEN}" and post.headers["User-Agent"].startswith("finguard/")
    created = ours(gh)[0]
    assert f"created https://github.com/octo-org/infra/pull/12#issuecomment-{created.id}" in err
    assert out == ""

    gh.clear()  # a new push: the same PR now passes at critical, so the body differs -> edited in place
    code, _, err = comment(capsys, str(WEB), "--fail-on", "critical")
    assert code == 0
    assert gh.lines == [*START, LIST, f"PATCH {REPO}/issues/comments/{created.id}"]
    assert "Policy check passes** at `--fail-on critical`" in gh.requests[-1].body["body"]
    assert len(ours(gh)) == 1 and f"updated https://github.com/octo-org/infra/pull/12#issuecomment-{created.id}" in err

    gh.clear()  # nothing new: no write at all
    code, _, err = comment(capsys, str(WEB), "--fail-on", "critical")
    assert code == 0 and gh.lines == [*START, LIST] and "unchanged" in err


def test_update_finds_the_marker_on_the_third_page(capsys: pytest.CaptureFixture[str], gh: GitHubServer) -> None:
    for i in range(250):
        gh.state.add_comment(f"{MARKER}\nold finguard report" if i == 230 else f"comment {i}")
    target = gh.state.comments[230]
    code, _, _ = comment(capsys, str(WEB))
    assert code == 1
    pages = f"GET /repositories/{gh.state.repo_id}/issues/12/comments?page={{}}&per_page=100"  # from `Link`
    assert gh.lines == [*START, LIST, pages.format(2), pages.format(3), f"PATCH {REPO}/issues/comments/{target.id}"]
    assert target.body.startswith(MARKER) and "+$319.85" in target.body
    assert len(gh.state.comments) == 250


def test_link_header_is_githubs(gh: GitHubServer) -> None:
    for i in range(250):
        gh.state.add_comment(f"comment {i}")
    url = f"{gh.url}{REPO}/issues/12/comments?per_page=100&page=2"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request) as response:
        link, items = response.headers["Link"], json.load(response)
    base = f"{gh.url}/repositories/{gh.state.repo_id}/issues/12/comments?per_page=100&page="
    assert link == (f'<{base}1>; rel="prev", <{base}3>; rel="next", <{base}3>; rel="last", '
                    f'<{base}1>; rel="first"')
    assert [c["body"] for c in items] == [f"comment {i}" for i in range(100, 200)]
    assert {"id", "node_id", "body", "user", "html_url", "created_at", "updated_at"} <= items[0].keys()


def test_new_always_creates(capsys: pytest.CaptureFixture[str], gh: GitHubServer) -> None:
    gh.state.add_comment(f"{MARKER}\nearlier", login="github-actions[bot]")
    code, _, _ = comment(capsys, str(WEB), "--behavior", "new")
    assert code == 1
    assert gh.lines == [*START, f"POST {REPO}/issues/12/comments"]  # no need to list
    assert len(ours(gh)) == 2


def test_delete_and_new(capsys: pytest.CaptureFixture[str], gh: GitHubServer) -> None:
    old = [gh.state.add_comment(f"{MARKER}\nreport {i}", login="github-actions[bot]") for i in range(2)]
    human = gh.state.add_comment("please look at the NAT gateways")
    code, _, err = comment(capsys, str(WEB), "--behavior", "delete-and-new")
    assert code == 1
    assert gh.lines == [*START, LIST, f"DELETE {REPO}/issues/comments/{old[0].id}",
                        f"DELETE {REPO}/issues/comments/{old[1].id}", f"POST {REPO}/issues/12/comments"]
    assert human in gh.state.comments and len(ours(gh)) == 1 and err.count("deleted ") == 2


def test_hide_and_new_minimizes_only_comments_not_yet_hidden(capsys: pytest.CaptureFixture[str],
                                                             gh: GitHubServer) -> None:
    hidden = gh.state.add_comment(f"{MARKER}\nreport 1", login="github-actions[bot]")
    hidden.minimized = "outdated"
    visible = gh.state.add_comment(f"{MARKER}\nreport 2", login="github-actions[bot]")
    code, _, err = comment(capsys, str(WEB), "--behavior", "hide-and-new")
    assert code == 1
    assert gh.lines == [*START, LIST, "POST /graphql", "POST /graphql", f"POST {REPO}/issues/12/comments"]
    state_query, mutation = gh.requests[3].body, gh.requests[4].body
    assert "nodes(ids: $ids)" in state_query["query"] and "isMinimized" in state_query["query"]
    assert state_query["variables"] == {"ids": [hidden.node_id, visible.node_id]}
    assert "minimizeComment(input: $input)" in mutation["query"]
    assert mutation["variables"] == {"input": {"subjectId": visible.node_id, "classifier": "OUTDATED"}}
    assert visible.minimized == "outdated" and len(ours(gh)) == 3
    assert f"hid https://github.com/octo-org/infra/pull/12#issuecomment-{visible.id} as outdated" in err


# -- --when changed ----------------------------------------------------------------------------------
@pytest.mark.parametrize("behavior", ["new", "delete-and-new", "hide-and-new", "update"])
def test_nothing_posted_when_nothing_changed(capsys: pytest.CaptureFixture[str], gh: GitHubServer,
                                             quiet_plan: Path, behavior: str) -> None:
    if behavior != "update":
        gh.state.add_comment(f"{MARKER}\nold", login="github-actions[bot]")
    code, _, err = comment(capsys, str(quiet_plan), "--behavior", behavior)
    assert code == 0 and "nothing posted: no cost change and no findings (--when changed)" in err
    # update must look for an old comment to refresh; the others neither post nor delete nor hide anything
    assert gh.lines == ([*START, LIST] if behavior == "update" else [])
    assert all(c.minimized is None for c in gh.state.comments) and len(gh.state.comments) == (behavior != "update")


def test_update_refreshes_an_old_comment_to_say_nothing_changed(capsys: pytest.CaptureFixture[str],
                                                                  gh: GitHubServer, quiet_plan: Path) -> None:
    old = gh.state.add_comment(f"{MARKER}\n**Monthly cost: $1.00 → $9.00**", login="github-actions[bot]")
    code, _, err = comment(capsys, str(quiet_plan))
    assert code == 0
    assert gh.lines == [*START, LIST, f"PATCH {REPO}/issues/comments/{old.id}"]
    assert "**No cost change and no findings.** Monthly cost: $61.17" in old.body
    assert "(no cost change and no findings)" in err


def test_when_always_posts_even_without_changes(capsys: pytest.CaptureFixture[str], gh: GitHubServer,
                                                quiet_plan: Path) -> None:
    code, _, _ = comment(capsys, str(quiet_plan), "--when", "always", "--behavior", "new")
    assert code == 0 and gh.lines == [*START, f"POST {REPO}/issues/12/comments"]
    assert "No cost change and no findings." in ours(gh)[0].body


def test_dry_run_makes_no_request(capsys: pytest.CaptureFixture[str], gh: GitHubServer, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")  # neither token nor repository is needed
    code, out, _ = run(capsys, "comment", str(WEB), str(EKS), "--dry-run")
    assert code == 1 and out.startswith(MARKER + "\n") and gh.requests == []
    assert "| Project | Before | After | Delta | Change | Policy |" in out
    assert "| web-app | $495.85 | $815.70 | +$319.85 | +64.5% | :x: 1 failing, 3 findings |" in out
    assert "### eks-platform" in out and "#### Cost changes" in out
    target = tmp_path / "comment.md"
    code, out, err = run(capsys, "comment", str(WEB), "--dry-run", "--out", str(target))
    assert code == 1 and out == "" and f"wrote {target}" in err and target.read_text().startswith(MARKER)


def test_project_arguments_are_checked(capsys: pytest.CaptureFixture[str], gh: GitHubServer) -> None:
    code, _, err = run(capsys, "comment", str(WEB), str(EKS), "--compare-to", str(WEB), "--dry-run")
    assert code == 2 and "--compare-to given 1 times for 2 projects" in err
    code, _, err = run(capsys, "comment", str(EXAMPLES / "web-app"), "--dry-run")
    assert code == 2 and "is .tf code with no prior state" in err and "--compare-to BASE.json" in err
    assert gh.requests == []


# -- size limit ------------------------------------------------------------------------------------
def _huge(resources: int = 5000, findings: int = 3000, components: int = 3) -> ProjectReport:
    diff = ProjectDiff(project="platform", source="platform/plan.json", compared_to="prior state")
    for i in range(resources):
        before, after = Decimal(i), Decimal(i * 2) + Decimal("0.25")
        diff.resources.append(ResourceDiff(
            address=f'module.fleet["eu-{i % 7}"].aws_instance.worker[{i}]', type="aws_instance",
            action=Action.UPDATE, monthly_cost_before=before, monthly_cost_after=after,
            monthly_cost_delta=after - before,
            components=[ComponentDiff(name=f"Instance usage | part {j}", unit="hours", monthly_cost_before=before,
                                      monthly_cost_after=after, monthly_cost_delta=after - before)
                        for j in range(components)]))
        diff.monthly_cost_before += before
        diff.monthly_cost_after += after
    diff.monthly_cost_delta = diff.monthly_cost_after - diff.monthly_cost_before
    diff.resources.sort(key=lambda r: (-abs(r.monthly_cost_delta or 0), r.address))
    severities = list(Severity)
    check = CheckResult(project="platform", source="platform/plan.json", findings=[Finding(
        policy_id=f"FG-TAG-{i % 40:03d}", title="Tags", severity=severities[i % 5], address=f"aws_instance.w[{i}]",
        message=f"tag `team` is missing | finding {i}\nsecond line <b>", remediation="Add the tag.",
        file="modules/fleet/main.tf", line=i + 1) for i in range(findings)])
    return ProjectReport(diff=diff, check=check)


def _tables(lines: list[str]) -> list[tuple[int, int]]:
    """(first, after-last) line indexes of each block of consecutive lines starting with `|`."""
    tables, start = [], None
    for i, line in enumerate(lines):
        if line.startswith("|") and start is None:
            start = i
        elif not line.startswith("|") and start is not None:
            tables.append((start, i))
            start = None
    assert start is None  # the footer comes last
    return tables


def _cells(row: str) -> int:
    return len(re.split(r"(?<!\\)\|", row)) - 2


def test_huge_plan_is_summarised_below_the_limit_with_whole_tables(gh: GitHubServer) -> None:
    report = _huge()
    started = time.perf_counter()
    body = render_comment([report])
    assert time.perf_counter() - started < 3
    assert size(body) <= MAX_COMMENT_CHARS and len(body) < 65536
    assert body.startswith(MARKER + "\n") and body.endswith("</sub>\n")
    lines = body.split("\n")
    tables = _tables(lines)
    assert len(tables) == 1 + 5  # resources, and one per severity
    for start, end in tables:  # every table whole: blank line, header, separator, rows as wide, blank line
        assert lines[start - 1] == "" and lines[end] == ""
        assert re.fullmatch(r"(\|(---|--:))+\|", lines[start + 1])
        assert {_cells(row) for row in lines[start:end]} == {_cells(lines[start])}, lines[start:end]
    resource_rows = [row for row in body.split("\n") if row.startswith("| `module.fleet")]
    shown = len(resource_rows)
    assert 0 < shown < 5000
    hidden_delta = sum((r.monthly_cost_delta for r in report.changed[shown:]), Decimal(0))
    assert f"_…and {5000 - shown} more resources (+${hidden_delta:,.2f})._" in body
    assert "<details>" not in body  # component details go first
    assert body.index("**Critical (600)**") < body.index("**High (600)**") < body.index("**Info (600)**")
    assert re.search(r"_…and \d+ more critical findings\._", body)
    assert "Summarised to fit GitHub's comment size limit" in body
    assert "tag `team` is missing \\| finding 4<br>second line &lt;b&gt;" in body  # cells escaped, not broken
    # and GitHub (which answers 422 above 65,536 characters) takes it
    api = PullRequestComments(Target(gh.url, "octo-org/infra", 12, TOKEN))
    api.create(body)
    assert ours(gh)[0].body == body


def test_details_are_dropped_before_rows() -> None:
    body = render_comment([_huge(resources=300, findings=4, components=3)])
    assert size(body) <= MAX_COMMENT_CHARS
    assert body.count("| `module.fleet") == 300 and "more resources" not in body  # every resource listed
    assert body.count("<details>") == 25  # details only for the largest changes
    full = render_comment([_huge(resources=20, findings=4)])
    assert full.count("<details>") == 20 and "Summarised" not in full


# -- Actions environment ---------------------------------------------------------------------------
def _event(tmp_path: Path, payload: dict) -> str:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload))
    return str(path)


def test_target_from_flags_environment_and_event_payload(tmp_path: Path) -> None:
    env = {"GITHUB_REPOSITORY": "octo-org/infra", "GITHUB_TOKEN": TOKEN,
           "GITHUB_EVENT_PATH": _event(tmp_path, {"action": "synchronize", "number": 7,
                                                  "pull_request": {"number": 7, "head": {"sha": "abc"}}})}
    target = actions.resolve_target(env, repo=None, number=None, api_url=None)
    assert (target.api_url, target.repo, target.number, target.token) == ("https://api.github.com",
                                                                          "octo-org/infra", 7, TOKEN)
    assert TOKEN not in repr(target)
    env["GITHUB_EVENT_PATH"] = _event(tmp_path, {"issue": {"number": 31, "pull_request": {}}, "comment": {}})
    env |= {"GITHUB_API_URL": "https://ghe.example.com/api/v3/", "FINGUARD_GITHUB_TOKEN": "ghs_other"}
    target = actions.resolve_target(env, repo=None, number=None, api_url=None)
    assert (target.api_url, target.number, target.token) == ("https://ghe.example.com/api/v3", 31, "ghs_other")
    target = actions.resolve_target(env, repo="me/fork", number=5, api_url="http://127.0.0.1:9")
    assert (target.api_url, target.repo, target.number) == ("http://127.0.0.1:9", "me/fork", 5)
    assert actions.resolve_number({"GITHUB_REF": "refs/pull/44/merge"}, None) == 44


@pytest.mark.parametrize(("env", "error", "message"), [
    ({}, UsageError, "pass --repo OWNER/NAME, or run in GitHub Actions (GITHUB_REPOSITORY)"),
    ({"GITHUB_REPOSITORY": "just-a-name"}, UsageError, "GITHUB_REPOSITORY 'just-a-name': expected OWNER/NAME"),
    ({"GITHUB_REPOSITORY": "o/r"}, UsageError, "pass --pr N, or run in GitHub Actions on a pull_request event"),
    ({"GITHUB_REPOSITORY": "o/r", "GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": "{push}"}, UsageError,
     "the push event (GITHUB_EVENT_PATH) is not about a pull request"),
    ({"GITHUB_REPOSITORY": "o/r", "GITHUB_EVENT_PATH": "{missing}"}, InputError, "cannot read the event payload"),
    ({"GITHUB_REPOSITORY": "o/r", "GITHUB_EVENT_PATH": "{bad}"}, InputError,
     "cannot read the event payload: not valid JSON"),
    ({"GITHUB_REPOSITORY": "o/r", "GITHUB_EVENT_PATH": "{fifo}"}, InputError,
     "cannot read the event payload: not a regular file (a FIFO)"),
    ({"GITHUB_REPOSITORY": "o/r", "GITHUB_REF": "refs/pull/3/merge"}, UsageError, "no GitHub token: set GITHUB_TOKEN"),
    ({"GITHUB_API_URL": "ftp://x"}, UsageError, "GITHUB_API_URL 'ftp://x': expected an http(s) URL"),
])
def test_target_errors_say_what_is_missing(tmp_path: Path, env: dict[str, str], error: type,
                                           message: str) -> None:
    (tmp_path / "push.json").write_text(json.dumps({"ref": "refs/heads/main", "commits": []}))
    (tmp_path / "bad.json").write_text("{")
    os.mkfifo(tmp_path / "fifo")  # read, it would block until something writes to it
    env = {k: v.format(push=tmp_path / "push.json", missing=tmp_path / "nope.json", bad=tmp_path / "bad.json",
                       fifo=tmp_path / "fifo") for k, v in env.items()}
    with pytest.raises(error) as info:
        actions.resolve_target(env, repo=None, number=None, api_url=None)
    assert message in str(info.value)


@pytest.mark.parametrize("number", [True, 0, -3, "5", 5.0, 2**31, 10**30, None])
def test_what_is_no_pull_request_number_is_not_taken_for_one(tmp_path: Path, number: object) -> None:
    """JSON `true` was pull request #1 (Python counts it as 1), and any size of number was sent to the API."""
    from finguard.commands import approvals

    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": number, "head": {"sha": "a" * 40}}}))
    with pytest.raises(UsageError, match=r"^the event \(GITHUB_EVENT_PATH\) is not about a pull request"):
        actions.resolve_number({"GITHUB_EVENT_PATH": str(event)}, None)
    assert approvals.event_head_sha({"GITHUB_EVENT_PATH": str(event)}, 1) is None
    with pytest.raises(UsageError, match="no pull request"):
        actions.resolve_number({"GITHUB_REF": f"refs/pull/{2**31}/merge"}, None)
    assert actions.resolve_number({"GITHUB_REF": f"refs/pull/{2**31 - 1}/merge"}, None) == 2**31 - 1


def test_pr_option_refuses_numbers_github_does_not_have(capsys: pytest.CaptureFixture[str]) -> None:
    from .test_cli import run

    for command in ("comment", "approvals"):
        code, _, err = run(capsys, command, "plan.json", "--pr", str(2**31), "--dry-run")
        assert code == 2 and "--pr" in err and "Traceback" not in err


def test_lenient_event_readers_never_block_on_a_fifo_or_a_device(tmp_path: Path) -> None:
    """The Action's planner and the approval gate read the payload too; they fall back to the API, never hang."""
    from finguard.commands import action_outputs, approvals

    os.mkfifo(tmp_path / "fifo")
    for path in (str(tmp_path / "fifo"), "/dev/zero", str(tmp_path / "nope.json"), ""):
        assert actions.event_or_none(path) is None
        assert action_outputs._event({"GITHUB_EVENT_PATH": path}) == {}
        assert approvals.event_head_sha({"GITHUB_EVENT_PATH": path}, 1) is None
    (tmp_path / "pr.json").write_text(json.dumps({"pull_request": {"number": 7, "head": {"sha": "a" * 40}}}))
    assert approvals.event_head_sha({"GITHUB_EVENT_PATH": str(tmp_path / "pr.json")}, 7) == "a" * 40


def test_cli_finds_the_pull_request_in_the_event_payload(capsys: pytest.CaptureFixture[str], gh: GitHubServer,
                                                         monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    gh.state.pulls.add(57)
    monkeypatch.setenv("GITHUB_REPOSITORY", "octo-org/infra")
    monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request")
    monkeypatch.setenv("GITHUB_EVENT_PATH", _event(tmp_path, {"pull_request": {"number": 57}}))
    code, _, _ = run(capsys, "comment", str(WEB), "--behavior", "new")
    assert code == 1 and gh.lines == [f"GET {REPO}", f"GET {REPO}/issues/57", f"POST {REPO}/issues/57/comments"]


def test_step_summary_and_annotations(capsys: pytest.CaptureFixture[str], gh: GitHubServer,
                                      monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("## earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out, _ = comment(capsys, str(EKS))
    assert code == 1
    text = summary.read_text()
    assert text.startswith("## earlier step\n" + MARKER + "\n") and text == "## earlier step\n" + ours(gh)[0].body
    lines = out.splitlines()
    assert lines and all(re.fullmatch(r"::(error|warning) file=[^,:]+,line=\d+,title=FG-[A-Z]+-\d{3}::\S.*", line)
                         for line in lines)
    storage = next(line for line in lines if "title=FG-STO-003" in line)  # fails at high: an error
    assert storage.startswith("::error file=") and "dr.tf,line=" in storage
    assert "%0A%0AFix: " in storage and "\n" not in storage
    assert any(line.startswith("::warning ") for line in lines)  # low findings: warnings
    # off switches, and outside Actions no annotations
    summary.write_text("")
    code, out, _ = comment(capsys, str(EKS), "--no-step-summary", "--no-annotations")
    assert out == "" and summary.read_text() == ""
    monkeypatch.delenv("GITHUB_ACTIONS")
    code, out, _ = comment(capsys, str(EKS), "--no-step-summary")
    assert out == ""


def test_annotation_escaping() -> None:
    line = actions.annotation("error", "100% over\r\nbudget: a, b", file="mods/a:b,c.tf", line=3, title="FG-X-001")
    assert line == "::error file=mods/a%3Ab%2Cc.tf,line=3,title=FG-X-001::100%25 over%0D%0Abudget: a, b"
    assert actions.annotation("warning", "m", file="x.tf", line=None, title="T,1:2") == \
        "::warning file=x.tf,title=T%2C1%3A2::m"
    result = CheckResult(project="p", source="p", findings=[
        Finding(policy_id="FG-A-001", title="t", severity=Severity.HIGH, message="m1", file="a.tf", line=1),
        Finding(policy_id="FG-A-002", title="t", severity=Severity.CRITICAL, message="m2", file="a.tf", line=2,
                kind=FindingKind.WARNING),
        Finding(policy_id="FG-A-003", title="t", severity=Severity.HIGH, message="no file"),
    ])
    assert actions.annotations([result]) == ["::warning file=a.tf,line=2,title=FG-A-002::m2",
                                             "::error file=a.tf,line=1,title=FG-A-001::m1"]


def test_marker_and_news() -> None:
    assert is_finguard_comment(f"{MARKER}\nbody") and is_finguard_comment(f"  {MARKER}  \r\nbody")
    assert not is_finguard_comment(f"> {MARKER}") and not is_finguard_comment("") and not is_finguard_comment(None)
    assert has_news([_huge(resources=1, findings=0)]) and has_news([_huge(resources=0, findings=1)])
    assert not has_news([_huge(resources=0, findings=0)])


# -- failures: one line, exit 2, never the token ---------------------------------------------------
def _inject(server: GitHubServer, case: str) -> list[str]:
    """Set up one failure; the CLI arguments that reach it."""
    state = server.state
    if case == "401":
        state.token = "ghs_the_only_valid_one"
    elif case == "403":
        state.fail("GET", f"{REPO}/issues/12/comments", 403, "Resource not accessible by integration")
    elif case == "404-pr":
        return ["--pr", "99"]
    elif case == "404-repo":
        return ["--repo", "octo-org/elsewhere"]
    elif case == "422":
        state.fail("POST", f"{REPO}/issues/12/comments", 422, "Validation Failed", errors=[
            {"resource": "IssueComment", "code": "custom", "field": "body", "message": "body is locked"},
            {"resource": "IssueComment", "code": "missing_field", "field": "user"}])
    elif case == "echo":  # a server that puts the token in its answer
        state.fail("GET", REPO, 403, f"token {TOKEN} lacks the repo scope")
    elif case == "graphql":
        state.add_comment(f"{MARKER}\nold", login="github-actions[bot]")
        state.fail("POST", "/graphql", 200, "", errors=[{"type": "FORBIDDEN", "message": "Resource not accessible "
                                                          "by integration"}])
        return ["--behavior", "hide-and-new"]
    elif case == "rate-limit-long":
        state.rate_limit("GET", REPO, retry_after=3600)
    elif case == "rate-limit-twice":
        state.rate_limit("GET", f"{REPO}/issues/12/comments", retry_after=1, times=2)
    elif case == "rate-limit-reset":
        state.rate_limit("POST", f"{REPO}/issues/12/comments", retry_after=None, reset_in=30)
    elif case == "unreachable":
        return ["--github-api-url", "http://127.0.0.1:9"]
    elif case == "html":
        state.fail("GET", f"{REPO}/issues/12", 502, "")
    return []


FAILURES = {
    "401": "GitHub: 401 Unauthorized when fetching repository octo-org/infra: the token is invalid or expired",
    "403": "GitHub: 403 Forbidden when listing comments on octo-org/infra#12: Resource not accessible by "
           "integration (the workflow needs `permissions: pull-requests: write`)",
    "404-pr": "GitHub: 404 Not Found when fetching pull request octo-org/infra#99: repository or pull request "
              "not found, or the token has no access to it",
    "404-repo": "GitHub: 404 Not Found when fetching repository octo-org/elsewhere: repository or pull request "
                "not found",
    "422": "GitHub: 422 Unprocessable Entity when creating a comment on octo-org/infra#12: Validation Failed: "
           "body is locked; user missing_field",
    "echo": "GitHub: 403 Forbidden when fetching repository octo-org/infra: token *** lacks the repo scope",
    "graphql": "when reading the state of comments on octo-org/infra#12: Resource not accessible by integration",
    "rate-limit-long": "GitHub: rate limit exceeded (403 Forbidden) when fetching repository octo-org/infra: GitHub "
                       "asks to wait 60 min, longer than 60 s (FINGUARD_GITHUB_MAX_RETRY_WAIT); try again later",
    "rate-limit-twice": "GitHub: rate limit exceeded (403 Forbidden) when listing comments on octo-org/infra#12, "
                        "again after waiting once; try again later",
    "rate-limit-reset": "GitHub: rate limit exceeded (403 Forbidden) when creating a comment on octo-org/infra#12: "
                        "GitHub asks to wait",
    "unreachable": "GitHub: cannot reach http://127.0.0.1:9 when fetching repository octo-org/infra: connection "
                   "failed",
    "html": "GitHub: 502 Bad Gateway when fetching pull request octo-org/infra#12",
}


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "FINGUARD_DEBUG"])
@pytest.mark.parametrize("case", list(FAILURES))
def test_api_errors_are_one_line_and_never_show_the_token(capsys: pytest.CaptureFixture[str], gh: GitHubServer,
                                                           monkeypatch: pytest.MonkeyPatch, case: str,
                                                           debug: bool) -> None:
    if case == "rate-limit-twice" and debug:
        pytest.skip("waits a second; the plain run covers it")
    if debug:
        monkeypatch.setenv("FINGUARD_DEBUG", "1")
    if case == "rate-limit-reset":
        monkeypatch.setenv("FINGUARD_GITHUB_MAX_RETRY_WAIT", "5")
    args = _inject(gh, case)
    code, out, err = comment(capsys, str(WEB), *args)
    assert code == 2
    errors = [line for line in err.splitlines() if line.startswith("finguard: error:")]
    assert len(errors) == 1 and FAILURES[case] in errors[0], err
    assert "Traceback" not in err and TOKEN not in out + err and out == ""


def test_rate_limit_is_retried_once_after_the_advised_delay(capsys: pytest.CaptureFixture[str],
                                                            gh: GitHubServer) -> None:
    gh.state.rate_limit("GET", f"{REPO}/issues/12/comments", retry_after=1)
    started = time.perf_counter()
    code, _, err = comment(capsys, str(WEB))
    assert code == 1 and time.perf_counter() - started >= 1
    assert gh.lines == [*START, LIST, LIST, f"POST {REPO}/issues/12/comments"]
    assert "rate limited when listing comments on octo-org/infra#12; retrying in 1 s" in err


def test_exceptions_carry_no_token(gh: GitHubServer) -> None:
    """The error raised to the CLI: no token in its text, and no chained PyGithub exception holding the
    response (which here echoes the token)."""
    gh.state.fail("GET", REPO, 401, f"Bad credentials: {TOKEN}")
    api = PullRequestComments(Target(gh.url, "octo-org/infra", 12, TOKEN), debug=True)
    with pytest.raises(GitHubError) as info:
        api.comments()
    exc = info.value
    assert exc.exit_code == 2 and TOKEN not in str(exc) and TOKEN not in repr(exc)
    assert exc.__cause__ is None and exc.__context__ is None
    assert "Bad credentials: ***" in str(exc)
