"""The built-in Rego packages, which read no cost, are evaluated on the cost-free input while the plan is priced; the
findings are those of the usual evaluation after pricing, and a package of the user's keeps the whole set on the
usual path. End to end in fresh processes: the prebuild forks, which a test runner's threads would forbid."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from finguard.policy import engine

from .plan_builder import write_volume_plan

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the prebuild forks (POSIX only)")

REPO = Path(__file__).resolve().parent.parent
SIZE = engine.PREBUILD_FROM + 20

_SCRIPT = """
import sys
from finguard.policy import engine, rego, rego_prebuild
seen = {"inputs": [], "full_input_built": 0}
real_evaluate = rego.EmbeddedEvaluator.evaluate
def evaluate(self, modules, input_json):
    seen["inputs"].append("monthly_cost" in input_json)
    return real_evaluate(self, modules, input_json)
rego.EmbeddedEvaluator.evaluate = evaluate
real_input = engine.rego_input
def rego_input(*args, **kwargs):
    seen["full_input_built"] += 1
    return real_input(*args, **kwargs)
engine.rego_input = rego_input
mode = sys.argv[2]
if mode == "off":
    engine.PREBUILD_FROM = 10**9
if mode == "unusable":
    rego_prebuild.RegoPrebuild.entries = lambda self, addresses: None
import atexit
atexit.register(lambda: print("SEEN", seen, file=sys.stderr))
from finguard.cli import main
sys.argv = ["finguard", "check", sys.argv[1], "--format", "json", "--out", sys.argv[3], *sys.argv[4:]]
main()
"""


def _plan(tmp_path: Path) -> Path:
    return write_volume_plan(tmp_path / "plan.json", SIZE, encrypted_every=3)


def _check(tmp_path: Path, plan: Path, mode: str, *extra: str) -> tuple[list[tuple[str, str, str]], dict]:
    out = tmp_path / f"{mode}.json"
    run = subprocess.run([sys.executable, "-c", _SCRIPT, str(plan), mode, str(out), *extra], capture_output=True,
                         text=True, timeout=300, cwd=REPO)
    assert run.returncode == 1, run.stderr
    seen = ast.literal_eval(run.stderr.split("SEEN ", 1)[1].strip())
    doc = json.loads(out.read_text())
    return [(f["policy_id"], f["address"], f["message"]) for f in doc["findings"]], seen


def test_cost_free_packages_run_before_pricing_and_say_the_same(tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    speculated, seen = _check(tmp_path, plan, "on")
    assert seen == {"inputs": [False], "full_input_built": 0}  # one evaluation, on an input without costs
    usual, seen = _check(tmp_path, plan, "off")
    assert seen == {"inputs": [True], "full_input_built": 1}
    assert speculated == usual
    unencrypted = [a for p, a, _ in speculated if p == "FG-STO-003"]
    assert len(unencrypted) == sum(1 for i in range(SIZE) if i % 3 != 0)


def test_unusable_prebuilt_entries_fall_back_to_the_full_input(tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    fallback, seen = _check(tmp_path, plan, "unusable")
    assert seen == {"inputs": [True], "full_input_built": 1}
    assert fallback == _check(tmp_path, plan, "off")[0]


def test_a_users_rego_directory_keeps_every_package_after_pricing(tmp_path: Path) -> None:
    """Even a cost-free one: the analysis parses in this process, without the worker's time limit, so it only
    looks at the built-in packs (regorus takes minutes to parse some hostile modules)."""
    policies = tmp_path / "rego"
    policies.mkdir()
    (policies / "regions.rego").write_text(
        "package team.regions\n\nimport rego.v1\n\n"
        'metadata := {"id": "TEAM-002", "title": "Only us-east-1", "severity": "low"}\n\n'
        'deny contains {"address": r.address, "msg": "not us-east-1"} if {\n'
        '\tsome r in input.resources\n\tr.region != "us-east-1"\n}\n')
    findings, seen = _check(tmp_path, _plan(tmp_path), "on", "--rego-dir", str(policies))
    assert seen == {"inputs": [True], "full_input_built": 1}
    assert len([a for p, a, _ in findings if p == "FG-STO-003"]) == sum(1 for i in range(SIZE) if i % 3 != 0)


def test_a_package_that_reads_costs_keeps_every_package_after_pricing(tmp_path: Path) -> None:
    policies = tmp_path / "rego"
    policies.mkdir()
    (policies / "costly.rego").write_text(
        "package team.costly\n\nimport rego.v1\n\n"
        'metadata := {"id": "TEAM-001", "title": "Costly volume", "severity": "high"}\n\n'
        "deny contains {\"address\": r.address, \"msg\": sprintf(\"costs %.2f a month\", [r.monthly_cost])} if {\n"
        "\tsome r in input.resources\n\tr.monthly_cost > 5\n}\n")
    plan = _plan(tmp_path)
    findings, seen = _check(tmp_path, plan, "on", "--rego-dir", str(policies))
    assert seen == {"inputs": [True], "full_input_built": 1}
    costly = [(a, m) for p, a, m in findings if p == "TEAM-001"]
    assert costly and all(m.startswith("costs ") for _, m in costly)
    assert len([a for p, a, _ in findings if p == "FG-STO-003"]) == sum(1 for i in range(SIZE) if i % 3 != 0)
