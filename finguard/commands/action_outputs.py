"""The logic of the GitHub Action (`action.yml`), kept here so it can be tested without a runner.

    python -m finguard.commands.action_outputs run       # price, diff and check; write the step outputs
    python -m finguard.commands.action_outputs comment   # `finguard comment` with the action's inputs
    python -m finguard.commands.action_outputs approvals # `finguard approvals` (the cost approval gate)

The action passes its inputs through `env:` (never `${{ }}` inside a script, which would let a crafted
branch name or path inject shell code): FG_PATHS (plan JSON files or .tf directories, separated by spaces
or newlines), FG_COMPARE_TO, FG_BASE_PATH, FG_CONFIG, FG_FAIL_ON, FG_WITH_CHECKOV, FG_SARIF, FG_COMMENT,
FG_HAS_TOKEN ("true"/"false": the token itself never reaches this step), FG_PR_NUMBER, FG_BEHAVIOR,
FG_COMMENT_WHEN, FG_DEFAULT_REGION, FG_VAR_FILES, FG_OUT_DIR, FG_APPROVALS, FG_RATES, FG_RATES_FILE; and
GitHub's own GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_REPOSITORY,
GITHUB_API_URL, RUNNER_TEMP.

`run` writes these outputs to $GITHUB_OUTPUT: total-monthly-cost, monthly-cost-delta (empty when there is
nothing to compare with), cost-complete, findings-count, failing-count, failed, report-dir, sarif-dir,
compare-to, should-comment, pr-number, should-approve, effective-monthly-cost, effective-monthly-cost-delta. It
exits 0 when the checks merely fail (the action's last step turns `failed` into the job's failure, after the
comment is posted) and 2 on input errors. `approvals` writes `state` (success or pending).

While finguard runs, GitHub's workflow commands are paused (`::stop-commands::`): its messages quote the
Terraform code, which in a pull request is written by whoever opened it.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SEVERITIES = ("info", "low", "medium", "high", "critical")
BEHAVIORS = ("update", "new", "delete-and-new", "hide-and-new")
WHENS = ("always", "changed")
PR_EVENTS = ("pull_request", "pull_request_target")
# the approval gate also re-runs when a review is submitted or dismissed
APPROVAL_EVENTS = (*PR_EVENTS, "pull_request_review")
RATES = ("", "list", "effective")
# Events whose token can write while the input may come from a fork: the policy config must then be named
# explicitly (from the trusted checkout), never discovered next to files the pull request controls.
PRIVILEGED_EVENTS = ("pull_request_target", "workflow_run")
MAX_SUMMARY_FINDINGS = 50
EXIT_OK, EXIT_POLICY, EXIT_USAGE = 0, 1, 2


class ActionError(Exception):
    """A problem with the action's inputs: reported as one `::error::` line, exit 2."""


@dataclass
class Inputs:
    paths: list[str]
    compare_to: list[str] = field(default_factory=list)  # one saved breakdown per path, or none
    base_path: list[str] = field(default_factory=list)  # one base plan/.tf directory per path, or none
    config: str = ""
    fail_on: str = "high"
    with_checkov: bool = False
    sarif: bool = False
    comment: bool = True
    has_token: bool = False
    pr_number: str = ""
    behavior: str = "update"
    comment_when: str = "changed"
    default_region: str = ""
    var_files: list[str] = field(default_factory=list)
    out_dir: str = ""
    approvals: bool = False
    rates: str = ""
    rates_file: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Inputs:
        def text(name: str, default: str = "") -> str:
            return env.get(name, "").strip() or default

        def flag(name: str, default: bool) -> bool:
            value = text(name).lower()
            if not value:
                return default
            if value not in ("true", "false"):
                raise ActionError(f"{name}: expected true or false, got {value!r}")
            return value == "true"

        def choice(name: str, default: str, choices: Sequence[str]) -> str:
            value = text(name, default).lower()
            if value not in choices:
                raise ActionError(f"{name}: expected one of {', '.join(choices)}, got {value!r}")
            return value

        paths = text("FG_PATHS").split()
        if not paths:
            raise ActionError("input `path` is empty: give plan JSON files or directories of .tf code")
        pr_number = text("FG_PR_NUMBER")
        if pr_number and not pr_number.isdigit():
            raise ActionError(f"input `pr-number`: expected a number, got {pr_number!r}")
        inputs = cls(
            paths=paths, compare_to=text("FG_COMPARE_TO").split(), base_path=text("FG_BASE_PATH").split(),
            config=text("FG_CONFIG"),
            fail_on=choice("FG_FAIL_ON", "high", SEVERITIES), with_checkov=flag("FG_WITH_CHECKOV", False),
            sarif=flag("FG_SARIF", False), comment=flag("FG_COMMENT", True), has_token=flag("FG_HAS_TOKEN", False),
            pr_number=pr_number, behavior=choice("FG_BEHAVIOR", "update", BEHAVIORS),
            comment_when=choice("FG_COMMENT_WHEN", "changed", WHENS), default_region=text("FG_DEFAULT_REGION"),
            var_files=text("FG_VAR_FILES").split(), out_dir=text("FG_OUT_DIR"),
            approvals=flag("FG_APPROVALS", False), rates=choice("FG_RATES", "", RATES),
            rates_file=text("FG_RATES_FILE"))
        if inputs.compare_to and inputs.base_path:
            raise ActionError("give `compare-to` (saved breakdown JSON) or `base-path` (the base branch's plan "
                              "or .tf directory), not both")
        for name, values in (("compare-to", inputs.compare_to), ("base-path", inputs.base_path)):
            if values and len(values) != len(paths):
                raise ActionError(f"input `{name}` names {len(values)} file(s) for {len(paths)} path(s): give one "
                                  "per path, in the same order")
        return inputs


# -- GitHub plumbing -------------------------------------------------------------------------------
def _on_actions(env: Mapping[str, str]) -> bool:
    return env.get("GITHUB_ACTIONS") == "true"


def command(kind: str, message: str) -> None:
    """A workflow command (`::error::`, `::warning::`, `::notice::`), with its message escaped."""
    escaped = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    print(f"::{kind}::{escaped}", flush=True)


class PausedCommands:
    """Stop GitHub from reading workflow commands in what finguard prints (it quotes untrusted code)."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.token = secrets.token_hex(16) if _on_actions(env) else ""

    def __enter__(self) -> PausedCommands:
        if self.token:
            print(f"::stop-commands::{self.token}", flush=True)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.token:
            sys.stderr.flush()
            print(f"::{self.token}::", flush=True)


def write_outputs(path: str | None, outputs: Mapping[str, str]) -> None:
    """Append `name=value` lines to $GITHUB_OUTPUT (a value with a newline uses a random delimiter)."""
    lines = []
    for name, value in outputs.items():
        if "\n" in value or "\r" in value:
            delimiter = f"EOF_{secrets.token_hex(8)}"
            lines.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
        else:
            lines.append(f"{name}={value}\n")
    if not path:
        sys.stdout.write("".join(lines))
        return
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write("".join(lines))
    except OSError as exc:  # the runner's file: unwritable only on a broken runner, still said in one line
        raise ActionError(f"cannot write the step outputs to {path} ($GITHUB_OUTPUT): {exc.strerror}") from None


def read_outputs(path: str | Path) -> dict[str, str]:
    """Parse a $GITHUB_OUTPUT file (both forms), as the runner does."""
    result: dict[str, str] = {}
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        name, sep, value = line.partition("=")
        if sep and "<<" not in name:
            result[name] = value
        elif "<<" in line:
            name, _, delimiter = line.partition("<<")
            body: list[str] = []
            i += 1
            while i < len(lines) and lines[i] != delimiter:
                body.append(lines[i])
                i += 1
            result[name] = "\n".join(body)
        i += 1
    return result


def _event(env: Mapping[str, str]) -> dict[str, Any]:
    from finguard.github.actions import event_or_none

    data = event_or_none(env.get("GITHUB_EVENT_PATH"))
    return data if isinstance(data, dict) else {}


def comment_plan(inputs: Inputs, env: Mapping[str, str]) -> tuple[bool, str, str]:
    """(should comment, PR number, why not) for this event."""
    if not inputs.comment:
        return False, "", "input `comment` is false"
    return _pull_request_plan(
        inputs, env, events=PR_EVENTS, fork_events=("pull_request",), directory_use="to comment on it",
        fork_advice="; to comment on forks use the two-workflow pattern (examples/workflows/fork-safe.yml)")


def approval_plan(inputs: Inputs, env: Mapping[str, str]) -> tuple[bool, str, str]:
    """(run the approval gate, PR number, why not) for this event: like the comment, but also on reviews, and
    whatever the `comment` input says."""
    if not inputs.approvals:
        return False, "", "input `approvals` is false"
    return _pull_request_plan(
        inputs, env, events=APPROVAL_EVENTS, fork_events=("pull_request", "pull_request_review"),
        directory_use="for the approval gate",
        fork_advice=" (no status can be set); gate forks with the two-workflow pattern "
                    "(examples/workflows/fork-safe.yml)")


def _pull_request_plan(inputs: Inputs, env: Mapping[str, str], *, events: Iterable[str],
                       fork_events: tuple[str, ...], directory_use: str, fork_advice: str) -> tuple[bool, str, str]:
    """What the comment and the approval gate both need: a pull request number, a token, a prior state for
    .tf directories, and (on the events a fork's pull request triggers) not a fork, whose token is read-only."""
    event_name = env.get("GITHUB_EVENT_NAME", "")
    event = _event(env)
    pull_request = event.get("pull_request") if isinstance(event.get("pull_request"), dict) else {}
    number = inputs.pr_number or (str(pull_request.get("number", "")) if event_name in events else "")
    if not number:
        return False, "", f"not a pull request ({event_name or 'no event'}) and no `pr-number` given"
    if not inputs.has_token:
        return False, number, "no `github-token`"
    if not inputs.compare_to and not inputs.base_path and any(Path(p).is_dir() for p in inputs.paths):
        return False, number, ("a directory of .tf code has no prior state to compare with: give `base-path` "
                               f"(or `compare-to`) {directory_use}")
    if event_name in fork_events and not inputs.pr_number:
        head_repo = ((pull_request.get("head") or {}).get("repo") or {}).get("full_name")
        if head_repo and head_repo != env.get("GITHUB_REPOSITORY"):
            return False, number, f"the pull request comes from a fork, whose token is read-only{fork_advice}"
    return True, number, ""


# -- running finguard ------------------------------------------------------------------------------
def finguard_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "finguard", *args]


def _global_options(inputs: Inputs) -> list[str]:
    options: list[str] = []
    if inputs.default_region:
        options += ["--default-region", inputs.default_region]
    for item in inputs.var_files:
        options += ["--var-file", item]
    return options


def _rates_options(inputs: Inputs) -> list[str]:
    options = ["--rates", inputs.rates] if inputs.rates else []
    return options + (["--rates-file", inputs.rates_file] if inputs.rates_file else [])


def _run(args: list[str], ok: Sequence[int] = (EXIT_OK,)) -> int:
    print(f"+ finguard {shlex.join(args)}", flush=True)
    code = subprocess.run(finguard_command(*args), check=False).returncode
    sys.stdout.flush()
    if code not in ok:
        raise ActionError(f"`finguard {shlex.join(args)}` exited {code}: see the lines above")
    return code


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ActionError(f"cannot read finguard's output {path}: {exc}") from None
    if not isinstance(data, dict):
        raise ActionError(f"{path}: not a finguard JSON report")
    return data


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


@dataclass
class PathResult:
    path: str
    cost: dict[str, Any]
    check: dict[str, Any]
    monthly_cost: float | None
    delta: float | None
    complete: bool
    effective_cost: float | None = None
    effective_delta: float | None = None


def _money(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _cell(text: Any) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def summary_markdown(results: Sequence[PathResult], outputs: Mapping[str, str], fail_on: str) -> str:
    lines = ["## finguard", ""]
    delta = outputs["monthly-cost-delta"]
    total = outputs["total-monthly-cost"]
    text = f"**Monthly cost:** ${total}" if total else "**Monthly cost:** unknown"
    if outputs["cost-complete"] != "true":
        text += " (a lower bound: some costs could not be priced)"
    if delta:
        text += f", **change:** {'-' if delta.startswith('-') else '+'}${delta.lstrip('-')}"
    failing = f", failing at `{fail_on}`: {outputs['failing-count']}"
    verdict = " — **the check fails**" if outputs["failed"] == "true" else ""
    lines += [text, "", f"**Findings:** {outputs['findings-count']}{failing}{verdict}", ""]
    rows = [(result.path, finding) for result in results for finding in result.check.get("findings", [])
            if not finding.get("suppressed")]
    rank = {severity: i for i, severity in enumerate(reversed(SEVERITIES))}
    rows.sort(key=lambda row: (not row[1].get("failing"), rank.get(row[1].get("severity"), len(rank))))
    if rows:
        lines += ["| severity | policy | resource | message | fails |", "|---|---|---|---|---|"]
        for path, finding in rows[:MAX_SUMMARY_FINDINGS]:
            address = finding.get("address") or ("(project)" if len(results) == 1 else f"(project {path})")
            lines.append(f"| {_cell(finding.get('severity'))} | {_cell(finding.get('policy_id'))} | "
                         f"{_cell(address)} | {_cell(finding.get('message'))} | "
                         f"{'yes' if finding.get('failing') else ''} |")
        if len(rows) > MAX_SUMMARY_FINDINGS:
            lines.append(f"\n... and {len(rows) - MAX_SUMMARY_FINDINGS} more (see the JSON reports)")
    return "\n".join(lines) + "\n"


def merge_sarif(files: Sequence[Path]) -> dict[str, Any]:
    """One SARIF run from several (code scanning accepts one run per tool and category in an upload)."""
    merged: dict[str, Any] | None = None
    rules: list[dict[str, Any]] = []
    index_of: dict[str, int] = {}
    results: list[dict[str, Any]] = []
    for file in files:
        data = json.loads(file.read_text(encoding="utf-8"))
        for run in data.get("runs", []):
            if merged is None:
                merged = {**data, "runs": [dict(run)]}
            run_rules = run.get("tool", {}).get("driver", {}).get("rules", [])
            for rule in run_rules:
                if rule.get("id") not in index_of:
                    index_of[rule["id"]] = len(rules)
                    rules.append(rule)
            for result in run.get("results", []):
                result = dict(result)
                if "ruleIndex" in result and result.get("ruleId") in index_of:
                    result["ruleIndex"] = index_of[result["ruleId"]]
                results.append(result)
    if merged is None:
        raise ActionError("no SARIF produced")
    run = merged["runs"][0]
    run["tool"] = {**run.get("tool", {}), "driver": {**run.get("tool", {}).get("driver", {}), "rules": rules}}
    run["results"] = results
    return merged


def run(env: Mapping[str, str]) -> int:
    inputs = Inputs.from_env(env)
    event_name = env.get("GITHUB_EVENT_NAME", "")
    if event_name in PRIVILEGED_EVENTS and not inputs.config:
        raise ActionError(
            f"on `{event_name}` the input `config` is required: name the finguard.yml of the trusted (base) "
            "checkout, so that no configuration or Python policy from the pull request's files is used")
    out_dir = Path(inputs.out_dir or Path(env.get("RUNNER_TEMP") or tempfile.mkdtemp()) / "finguard")
    out_dir.mkdir(parents=True, exist_ok=True)
    global_options = _global_options(inputs)
    config = ["--config", inputs.config] if inputs.config else []
    should_comment, pr_number, why_not = comment_plan(inputs, env)
    should_approve, approve_number, approve_why_not = approval_plan(inputs, env)
    rates = _rates_options(inputs)
    results: list[PathResult] = []
    sarif_files: list[Path] = []
    with PausedCommands(env):
        compare_to = list(inputs.compare_to)
        for i, base in enumerate(inputs.base_path, start=1):
            compare_to.append(str(out_dir / f"base-{i}.json"))
            _run([*global_options, "breakdown", base, *rates, "--format", "json", "--out", compare_to[-1]])
        for i, path in enumerate(inputs.paths, start=1):
            cost_file = out_dir / f"cost-{i}.json"
            if compare_to:
                _run([*global_options, "diff", path, "--compare-to", compare_to[i - 1], *rates, "--format", "json",
                      "--out", str(cost_file)])
            elif Path(path).is_dir():
                _run([*global_options, "breakdown", path, *rates, "--format", "json", "--out", str(cost_file)])
            else:
                _run([*global_options, "diff", path, *rates, "--format", "json", "--out", str(cost_file)])
            check_args = [*global_options, "check", path, *config, "--fail-on", inputs.fail_on, *rates]
            if inputs.with_checkov:
                check_args.append("--with-checkov")
            check_file = out_dir / f"check-{i}.json"
            _run([*check_args, "--format", "json", "--out", str(check_file)], ok=(EXIT_OK, EXIT_POLICY))
            if inputs.sarif:
                sarif_file = out_dir / f"check-{i}.sarif"
                _run([*check_args, "--format", "sarif", "--out", str(sarif_file)], ok=(EXIT_OK, EXIT_POLICY))
                sarif_files.append(sarif_file)
            cost = _load(cost_file)
            if cost.get("schema") == "finguard/diff":
                monthly, delta = _number(cost.get("monthly_cost_after")), _number(cost.get("monthly_cost_delta"))
                effective = _number(cost.get("effective_monthly_cost_after"))
                effective_delta = _number(cost.get("effective_monthly_cost_delta"))
            else:
                monthly, delta = _number(cost.get("monthly_cost")), None
                effective, effective_delta = _number(cost.get("effective_monthly_cost")), None
            results.append(PathResult(path, cost, _load(check_file), monthly, delta, cost.get("complete") is True,
                                      effective, effective_delta))

    costs = [r.monthly_cost for r in results]
    total = sum(c for c in costs if c is not None) if any(c is not None for c in costs) else None
    deltas = [r.delta for r in results]
    delta = sum(d for d in deltas if d is not None) if deltas and all(d is not None for d in deltas) else None
    effective_costs = [r.effective_cost for r in results]
    effective_total = sum(c for c in effective_costs if c is not None) \
        if effective_costs and all(c is not None for c in effective_costs) else None
    effective_deltas = [r.effective_delta for r in results]
    effective_delta = sum(d for d in effective_deltas if d is not None) \
        if effective_deltas and all(d is not None for d in effective_deltas) else None
    summaries = [r.check.get("summary") or {} for r in results]
    findings = sum(int(s.get("findings", 0)) for s in summaries)
    failing = sum(int(s.get("failing", 0)) for s in summaries)
    failed = any(r.check.get("failed") is True for r in results) or failing > 0
    sarif_dir = ""
    if sarif_files:
        sarif_dir_path = out_dir / "sarif"
        sarif_dir_path.mkdir(exist_ok=True)
        (sarif_dir_path / "finguard.sarif").write_text(json.dumps(merge_sarif(sarif_files), indent=1),
                                                       encoding="utf-8")
        sarif_dir = str(sarif_dir_path)
    outputs = {
        "total-monthly-cost": _money(total),
        "monthly-cost-delta": _money(delta),
        "cost-complete": "true" if results and all(r.complete for r in results) else "false",
        "findings-count": str(findings),
        "failing-count": str(failing),
        "failed": "true" if failed else "false",
        "report-dir": str(out_dir),
        "sarif-dir": sarif_dir,
        "compare-to": "\n".join(compare_to),
        "should-comment": "true" if should_comment else "false",
        "pr-number": pr_number or approve_number,
        "should-approve": "true" if should_approve else "false",
        "effective-monthly-cost": _money(effective_total),
        "effective-monthly-cost-delta": _money(effective_delta),
    }
    write_outputs(env.get("GITHUB_OUTPUT"), outputs)
    if inputs.approvals and not should_approve and _on_actions(env):
        command("warning" if approve_number else "notice", f"finguard: no cost approval gate: {approve_why_not}")
    if not should_comment:
        if why_not and inputs.comment and pr_number and _on_actions(env):  # a pull request, left uncommented
            command("warning" if "directory" in why_not else "notice", f"finguard: not commenting: {why_not}")
        summary_path = env.get("GITHUB_STEP_SUMMARY")
        if summary_path:
            with open(summary_path, "a", encoding="utf-8") as handle:
                handle.write(summary_markdown(results, outputs, inputs.fail_on))
    cost_text = f"${outputs['total-monthly-cost'] or '?'}/month"
    if outputs["monthly-cost-delta"]:
        cost_text += f" (change {outputs['monthly-cost-delta']})"
    print(f"finguard: {cost_text}; {findings} finding(s), {failing} failing at {inputs.fail_on}", flush=True)
    return EXIT_OK


def comment_argv(inputs: Inputs, env: Mapping[str, str]) -> list[str]:
    """The `finguard comment` command line for the action's inputs."""
    _, pr_number, _ = comment_plan(inputs, env)
    if not pr_number:
        _, pr_number, _ = approval_plan(inputs, env)
    if not pr_number:
        raise ActionError("no pull request to comment on: not a pull_request event and no `pr-number`")
    repo = _repository(env)
    argv = [*_global_options(inputs), "comment", *inputs.paths, "--fail-on", inputs.fail_on,
            "--behavior", inputs.behavior, "--when", inputs.comment_when, "--repo", repo, "--pr", pr_number]
    return argv + _pull_request_options(inputs, env)


def approvals_argv(inputs: Inputs, env: Mapping[str, str]) -> list[str]:
    """The `finguard approvals` command line for the action's inputs (the head commit comes from the event)."""
    should, pr_number, why_not = approval_plan(inputs, env)
    if not should:
        raise ActionError(f"no cost approval gate: {why_not}")
    repo = _repository(env)
    argv = [*_global_options(inputs), "approvals", *inputs.paths, "--repo", repo, "--pr", pr_number,
            "--format", "json"]
    return argv + _pull_request_options(inputs, env)


def _repository(env: Mapping[str, str]) -> str:
    repo = env.get("GITHUB_REPOSITORY", "")
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", repo):
        raise ActionError(f"GITHUB_REPOSITORY {repo!r} is not OWNER/NAME")
    return repo


def _pull_request_options(inputs: Inputs, env: Mapping[str, str]) -> list[str]:
    """The options `comment` and `approvals` share: the API endpoint, saved bases, config and rates."""
    argv = ["--github-api-url", env["GITHUB_API_URL"]] if env.get("GITHUB_API_URL") else []
    for item in inputs.compare_to:
        argv += ["--compare-to", item]
    if inputs.config:
        argv += ["--config", inputs.config]
    return argv + _rates_options(inputs)


def approvals(env: Mapping[str, str]) -> int:
    """Run the gate; write its state to $GITHUB_OUTPUT (`state`) and one line for the log."""
    inputs = Inputs.from_env(env)
    if not env.get("GITHUB_TOKEN"):
        raise ActionError("no token: set the input `github-token`")
    argv = approvals_argv(inputs, env)
    print(f"+ finguard {shlex.join(argv)}", flush=True)
    done = subprocess.run(finguard_command(*argv), check=False, stdout=subprocess.PIPE, text=True)
    if done.returncode != EXIT_OK:
        command("error", f"finguard approvals exited {done.returncode}")
        return done.returncode
    try:
        result = json.loads(done.stdout)
    except ValueError:
        raise ActionError("finguard approvals printed no JSON result") from None
    state = str(result.get("state", ""))
    write_outputs(env.get("GITHUB_OUTPUT"), {"state": state})
    print(f"finguard: cost approval: {state} - {result.get('description', '')}", flush=True)
    return EXIT_OK


def comment(env: Mapping[str, str]) -> int:
    inputs = Inputs.from_env(env)
    if not env.get("GITHUB_TOKEN"):
        raise ActionError("no token: set the input `github-token`")
    argv = comment_argv(inputs, env)
    print(f"+ finguard {shlex.join(argv)}", flush=True)
    code = subprocess.run(finguard_command(*argv), check=False).returncode
    if code == EXIT_POLICY:  # posted; the action's last step fails the job on the failing findings
        return EXIT_OK
    if code != EXIT_OK:
        command("error", f"finguard comment exited {code}")
    return code


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    env = os.environ if env is None else env
    if args not in (["run"], ["comment"], ["approvals"]):
        print("usage: python -m finguard.commands.action_outputs run|comment|approvals", file=sys.stderr)
        return EXIT_USAGE
    try:
        return {"run": run, "comment": comment, "approvals": approvals}[args[0]](env)
    except ActionError as exc:
        if _on_actions(env):
            command("error", f"finguard: {exc}")
        else:
            print(f"finguard: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
