"""The cost approval gate (`finguard approvals`) against the local GitHub-compatible server: the full sequence
pending -> approved by a non-approver (still pending) -> approved by an approver (success) -> a push that raises the
delta (pending again) -> a push that lowers it (approved still); team approvers through team membership, review
requests, the sticky comment's gate section kept by `finguard comment`, the token never in any output, API errors
as exit 2 with one line, and the `approvals:` section of finguard.yml validated strictly."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finguard.approvals.gate import (
    Review,
    RuleFigures,
    covers,
    decode_records,
    extract_section,
    records_in,
    standing_approvals,
)
from finguard.config import load_config
from finguard.errors import InputError
from finguard.github import client
from finguard.github.comment import MARKER

from .conftest import EXAMPLES
from .github_server import GitHubServer, running_github_server
from .test_cli import run

TOKEN = "ghs_apprLEAK9f3e1d7c5b2a0"  # distinctive: must appear in no output, error, status or comment
WEB = EXAMPLES / "web-app" / "plan.json"
HEAD1 = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
HEAD2 = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
HEAD3 = "0f1e2d3c4b5a69788796a5b4c3d2e1f001234567"
CONTEXT = "finguard/cost-approval"
FUZZ = int(os.environ.get("FINGUARD_FUZZ_EXAMPLES", "25"))
ENV = ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_EVENT_PATH", "GITHUB_EVENT_NAME", "GITHUB_REPOSITORY",
       "GITHUB_TOKEN", "FINGUARD_GITHUB_TOKEN", "GITHUB_API_URL", "GITHUB_REF", "FINGUARD_DEBUG",
       "FINGUARD_GITHUB_MAX_RETRY_WAIT", "GITHUB_SERVER_URL", "GITHUB_RUN_ID")
CONFIG = """version: 1
approvals:
  owner_tag: team
  owners:
    web: [carol]
  rules:
    - id: large-increase
      description: a pull request adding more than $100 a month
      monthly_delta_over: 100
      approvers: [octo-org/finops, alice]
"""


@pytest.fixture()
def gh(monkeypatch: pytest.MonkeyPatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(client, "SECONDS_BETWEEN_REQUESTS", None)
    monkeypatch.setattr(client, "SECONDS_BETWEEN_WRITES", None)
    with running_github_server(token=TOKEN) as server:
        server.state.add_team("octo-org", "finops", {"bob"})
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        monkeypatch.setenv("GITHUB_API_URL", server.url)
        monkeypatch.setenv("FINGUARD_GITHUB_MAX_RETRY_WAIT", "0")
        yield server


@pytest.fixture()
def config(tmp_path: Path) -> Path:
    path = tmp_path / "finguard.yml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def bigger_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The web-app plan with two more instances in the autoscaling group: a larger monthly delta."""
    data = json.loads(WEB.read_text(encoding="utf-8"))
    for change in data["resource_changes"]:
        if change["address"] == "aws_autoscaling_group.app":
            change["change"]["after"]["desired_capacity"] = 5
    path = tmp_path_factory.mktemp("bigger") / "plan.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def approvals(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code, out, err = run(capsys, "approvals", *args, "--repo", "octo-org/infra", "--pr", "12")
    assert TOKEN not in out + err
    return code, out, err


def gate_comment(server: GitHubServer) -> str:
    [comment] = [c for c in server.state.comments if c.body.startswith(MARKER)]
    return comment.body


def test_pending_non_approver_approver_then_a_bigger_push(capsys: pytest.CaptureFixture[str], gh: GitHubServer,
                                                         config: Path, bigger_plan: Path) -> None:
    state = gh.state
    # 1. the change adds $319.85 a month: pending, the approvers asked to review
    code, out, err = approvals(capsys, str(WEB), "--config", str(config))
    assert code == 0, err
    status = state.latest_status(HEAD1)
    assert status is not None and status.state == "pending" and status.context == CONTEXT
    assert status.description == ("Needs approval (large-increase: monthly cost +$319.85 (over $100.00)) from "
                                  "@octo-org/finops, @alice")
    assert "finguard: cost approval on octo-org/infra#12 (6dcb09b): pending" in out
    assert state.requested_users == ["alice"] and state.requested_teams == ["finops"]
    assert "requested reviews from @alice, team octo-org/finops" in err
    body = gate_comment(gh)
    assert ":hourglass_flowing_sand: waiting for `@octo-org/finops`, `@alice`" in body
    assert ("| `large-increase` | monthly cost +$319.85 (over $100.00) | `@octo-org/finops`, `@alice` | waiting |"
            in body)
    assert status.target_url and status.target_url.endswith(f"#issuecomment-{state.comments[0].id}")
    [record] = records_in(body)
    assert record.sha == HEAD1 and str(record.rules["large-increase"].delta) == "319.85"

    # 2. approved by a collaborator who is no approver: still pending, and the comment says why
    state.add_review("mallory")
    code, out, err = approvals(capsys, str(WEB), "--config", str(config))
    assert code == 0 and state.latest_status(HEAD1).state == "pending", err
    assert "@mallory approved but is not an approver of this rule" in out
    assert "_mallory approved but is not an approver of this rule_" in gate_comment(gh)  # no ping in the comment

    # 3. approved by bob, a member of octo-org/finops: success, the approved figure in the description
    state.add_review("bob")
    code, out, _ = approvals(capsys, str(WEB), "--config", str(config))
    status = state.latest_status(HEAD1)
    assert code == 0 and status.state == "success"
    assert status.description == "Approved by @bob for +$319.85/month"
    assert ("| `large-increase` | monthly cost +$319.85 (over $100.00) | `@octo-org/finops`, `@alice` | `@bob` on "
            "`6dcb09b`") in gate_comment(gh)
    assert "GET /organizations/9919/team/100/memberships/bob" in gh.lines  # bob's membership, by the team's url

    # 4. a push adds two instances: the delta rises beyond what bob approved, pending again
    state.push(HEAD2)
    code, out, _ = approvals(capsys, str(bigger_plan), "--config", str(config))
    status = state.latest_status(HEAD2)
    assert code == 0 and status.state == "pending" and state.latest_status(HEAD1).state == "success"
    assert "monthly cost +$609.17" in status.description
    assert "@bob approved 6dcb09b for +$319.85/month: the cost has risen since, so it needs approval again" in out
    assert {r.sha for r in records_in(gate_comment(gh))} == {HEAD1, HEAD2}

    # 5. a later push back to the approved cost: bob's approval covers it again, no new review needed
    state.push(HEAD3)
    code, out, _ = approvals(capsys, str(WEB), "--config", str(config), "--fail-on-pending")
    assert code == 0 and state.latest_status(HEAD3).state == "success"
    assert len([c for c in state.comments if c.body.startswith(MARKER)]) == 1  # one sticky comment throughout
    every_text = json.dumps([s.description for s in state.statuses]) + gate_comment(gh)
    assert TOKEN not in every_text


def test_changes_requested_withdraws_an_approval(capsys: pytest.CaptureFixture[str], gh: GitHubServer,
                                                 config: Path) -> None:
    gh.state.add_review("alice")
    approvals(capsys, str(WEB), "--config", str(config))
    assert gh.state.latest_status(HEAD1).state == "success"
    gh.state.add_review("alice", "CHANGES_REQUESTED")
    code, _, _ = approvals(capsys, str(WEB), "--config", str(config), "--fail-on-pending")
    assert code == 1 and gh.state.latest_status(HEAD1).state == "pending"
    gh.state.add_review("alice", "COMMENTED")  # a comment neither approves nor withdraws
    approvals(capsys, str(WEB), "--config", str(config))
    assert gh.state.latest_status(HEAD1).state == "pending"


def test_no_rule_triggers_success_at_once(capsys: pytest.CaptureFixture[str], gh: GitHubServer,
                                          tmp_path: Path) -> None:
    cfg = tmp_path / "finguard.yml"
    cfg.write_text(CONFIG.replace("monthly_delta_over: 100", "monthly_delta_over: 5000"), encoding="utf-8")
    code, _out, _ = approvals(capsys, str(WEB), "--config", str(cfg), "--sha", HEAD1)
    status = gh.state.latest_status(HEAD1)
    assert code == 0 and status.state == "success" and status.description == "No approval needed: +$319.85/month"
    assert not gh.state.requested_users and not gh.state.requested_teams
    assert not any("/reviews" in line for line in gh.lines)  # nothing to approve: reviews are not even read
    assert ":white_check_mark: not needed" in gate_comment(gh)


def test_comment_keeps_the_gate_section(capsys: pytest.CaptureFixture[str], gh: GitHubServer, config: Path) -> None:
    approvals(capsys, str(WEB), "--config", str(config))
    section = extract_section(gate_comment(gh))
    assert section
    code, _, err = run(capsys, "comment", str(WEB), "--config", str(config), "--repo", "octo-org/infra", "--pr", "12")
    assert code == 1 and TOKEN not in err  # the example plan fails its policy check
    body = gate_comment(gh)
    assert "### Cost changes" in body and extract_section(body) == section
    assert body.index(section) < body.index("\n---\n<sub>")  # above the footer


def test_rules_owner_approvers_paths_and_findings(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cfg = tmp_path / "finguard.yml"
    cfg.write_text("""version: 1
approvals:
  owner_tag: team
  owners: {web: [carol, octo-org/web-leads]}
  rules:
    - id: expensive-db
      resource_monthly_over: 200
      approvers: [alice]
      owner_approvers: true
    - id: cost-findings
      findings: ["FG-COST-*"]
      approvers: [dana]
    - id: prod-only
      monthly_delta_over: 1
      paths: ["infra/prod/*"]
      approvers: [erin]
    - id: both
      match: all
      monthly_delta_over: 100
      monthly_delta_percent_over: 90
      approvers: [frank]
""", encoding="utf-8")
    code, out, _ = run(capsys, "approvals", str(WEB), "--config", str(cfg), "--dry-run", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["schema"] == "finguard/approvals" and doc["state"] == "pending"
    rules = {r["id"]: r for r in doc["rules"]}
    assert set(rules) == {"expensive-db", "cost-findings"}  # prod-only: another path; both: +64.5% < 90%
    assert rules["expensive-db"]["approvers"] == ["alice", "carol", "octo-org/web-leads"]
    assert rules["expensive-db"]["reasons"] == ["`aws_db_instance.main` $221.56 per month (over $200.00)"]
    assert rules["cost-findings"]["reasons"] == ["1 finding of FG-COST-002"]
    assert doc["waiting_for"] == ["alice", "carol", "octo-org/web-leads", "dana"]
    code, out, _ = run(capsys, "approvals", str(WEB), "--config", str(cfg), "--dry-run", "--fail-on-pending")
    assert code == 1 and "(dry run: no reviews read, no status set)" in out


def test_api_errors_are_one_line_exit_2(capsys: pytest.CaptureFixture[str], gh: GitHubServer, config: Path) -> None:
    gh.state.fail("POST", r"/repos/octo-org/infra/statuses/\w+", 403, "Resource not accessible by integration")
    code, _out, err = approvals(capsys, str(WEB), "--config", str(config))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert err.strip() == ("finguard: error: GitHub: 403 Forbidden when setting the commit status "
                           "finguard/cost-approval on 6dcb09b: Resource not accessible by integration (the workflow "
                           "needs `permissions: pull-requests: write`)")
    gh.state.add_review("bob")
    gh.state.teams.clear()  # the team cannot be read (a token without the organisation's members: read)
    code, _, err = approvals(capsys, str(WEB), "--config", str(config))
    assert code == 2 and "team octo-org/finops not found, or the token cannot read it" in err
    gh.state.fail("GET", r"/repos/octo-org/infra/pulls/12/reviews", 500, "Server Error")
    gh.state.add_team("octo-org", "finops", {"bob"})
    code, _, err = approvals(capsys, str(WEB), "--config", str(config))
    assert code == 2 and "500 Internal Server Error when listing reviews of octo-org/infra#12" in err
    code, _, err = run(capsys, "approvals", str(WEB), "--config", str(config), "--repo", "octo-org/infra", "--pr", "12",
                       "--sha", "not-a-sha")
    assert code == 2 and "--sha 'not-a-sha': expected a commit SHA" in err


def test_a_refused_review_request_is_a_warning(capsys: pytest.CaptureFixture[str], gh: GitHubServer,
                                               tmp_path: Path) -> None:
    cfg = tmp_path / "finguard.yml"
    cfg.write_text(CONFIG.replace("[octo-org/finops, alice]", "[zed, dev]"), encoding="utf-8")
    code, _, err = approvals(capsys, str(WEB), "--config", str(cfg))
    assert code == 0 and gh.state.latest_status(HEAD1).state == "pending"
    assert "finguard: warning: GitHub: 422 Unprocessable Entity when requesting reviews from @zed" in err
    assert "(the status is set)" in err  # `dev` is the author: never asked


def test_event_payload_gives_the_head_commit(capsys: pytest.CaptureFixture[str], gh: GitHubServer, config: Path,
                                             tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gh.state.commits.add(HEAD2)  # pushed, but the API's head still says HEAD1: the event's commit wins
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "submitted", "review": {"state": "approved"},
                                 "pull_request": {"number": 12, "head": {"sha": HEAD2}}}))
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "octo-org/infra")
    monkeypatch.setenv("GITHUB_RUN_ID", "4242")
    code, _, _ = run(capsys, "approvals", str(WEB), "--config", str(config))
    status = gh.state.latest_status(HEAD2)
    assert code == 0 and status is not None and gh.state.latest_status(HEAD1) is None
    assert status.target_url == "https://github.com/octo-org/infra/actions/runs/4242"


# -- the logic without a server ----------------------------------------------------------------------------------
def test_what_an_approval_covers() -> None:
    approved = RuleFigures(delta="500.00", resources={"a": "1200.00"}, findings=["x"])
    assert covers(approved, RuleFigures(delta="499.99", resources={"a": "1200.00"}, findings=["x"]))
    assert not covers(approved, RuleFigures(delta="500.02"))
    assert not covers(approved, RuleFigures(resources={"b": "1.00"}))  # a new expensive resource
    assert not covers(approved, RuleFigures(findings=["x", "y"]))  # a new finding
    reviews = [Review("alice", "APPROVED", HEAD1), Review("alice", "DISMISSED", HEAD1),
               Review("bob", "APPROVED", HEAD1), Review("bob", "COMMENTED", HEAD2),
               Review("Carol", "CHANGES_REQUESTED", HEAD1), Review("carol", "APPROVED", HEAD2)]
    standing = standing_approvals(reviews)
    assert set(standing) == {"bob", "carol"} and standing["carol"][0].commit_id == HEAD2


@settings(max_examples=FUZZ, deadline=None)
@given(st.text(max_size=200))
def test_any_record_marker_reads_as_records_or_none(text: str) -> None:
    """Property: a gate section edited by hand (any marker text) never breaks the gate: it is no record."""
    body = (f"{MARKER}\n<!-- finguard:approval -->\n<!-- finguard:approval-record {text} -->\n"
            "<!-- /finguard:approval -->")
    assert isinstance(records_in(body), list) and isinstance(decode_records(text), list)


# -- the approvals: section of finguard.yml --------------------------------------------------------------------
@pytest.mark.parametrize(("text", "message"), [
    ("  rules:\n    - id: a\n      monthly_delta_ovr: 5\n      approvers: [x]\n",
     "unknown key 'approvals.rules.0.monthly_delta_ovr' (did you mean 'monthly_delta_over'?)"),
    ("  rules:\n    - id: a\n      approvers: [x]\n", "rule 'a' has no condition"),
    ("  rules:\n    - id: a\n      monthly_delta_over: 5\n      approvers: ['not a user!']\n",
     "'not a user!' is not a GitHub user (alice) or team (org/team-slug)"),
    ("  rules:\n    - id: a\n      monthly_delta_over: 5\n      approvers: []\n", "approvals.rules.0.approvers"),
    ("  rules:\n    - {id: a, findings: [FG], approvers: [x]}\n    - {id: a, findings: [FG], approvers: [y]}\n",
     "two approval rules have the id 'a'"),
    ("  rules:\n    - id: a\n      monthly_delta_over: -1\n      approvers: [x]\n", "must be >= 0, got -1"),
    ("  rules:\n    - id: a\n      monthly_delta_over: .inf\n      approvers: [x]\n", "is not a finite number"),
    ("  owners: {web: [ok, 'bad team/x/y']}\n", "'bad team/x/y' is not a GitHub user"),
    ("  request_review: false\n", "unknown key 'approvals.request_review' (did you mean 'request_reviews'?)"),
])
def test_config_is_strict(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "finguard.yml"
    path.write_text("version: 1\napprovals:\n" + text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_config(path)
    assert message in str(info.value) and str(path) in str(info.value)


def test_no_rules_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cfg = tmp_path / "finguard.yml"
    cfg.write_text("version: 1\n")
    code, _, err = run(capsys, "approvals", str(WEB), "--config", str(cfg), "--dry-run")
    assert code == 2 and "no approval rules: add `approvals: rules:`" in err


_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(allow_nan=False),
                    st.text(max_size=12), st.lists(st.text(max_size=12), max_size=3))


@settings(max_examples=FUZZ, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(["id", "monthly_delta_over", "monthly_delta_percent_over", "resource_monthly_over",
                            "findings", "match", "paths", "approvers", "owner_approvers", "other"]), value=_VALUES)
def test_any_rule_value_loads_or_is_one_input_error(tmp_path: Path, key: str, value: object) -> None:
    """Property: whatever a rule's key holds, the config loads or is refused as one InputError naming the file."""
    rule = {"id": "r", "monthly_delta_over": 10, "approvers": ["alice"], key: value}
    path = tmp_path / "finguard.yml"
    path.write_text(json.dumps({"version": 1, "approvals": {"rules": [rule]}}), encoding="utf-8")
    try:
        config = load_config(path)
    except InputError as exc:
        assert str(path) in str(exc) and "\n" not in str(exc)
        return
    assert config.approvals.rules[0].approvers
