"""Hostile finguard.yml and finguard-usage.yml (issue 17): no crash, no hang, no silent acceptance.

Every case runs the real CLI; a rejected file exits 2 with one line naming the file (and the line or key path).
Cases that used to hang run in a subprocess with a timeout.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finguard.config import unsafe_pattern

from .conftest import REPO
from .fuzzing import fuzz, fuzz_settings
from .plan_builder import PlanBuilder
from .test_cli import run

LAUGHS = "".join(
    f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10) if i else ', '.join(['lol'] * 10)}]\n" for i in range(9))


@pytest.fixture()
def plan(tmp_path: Path) -> Path:
    builder = PlanBuilder(default_tags={"team": "web", "env": "dev", "cost-center": "CC-1234"})
    builder.add("aws_nat_gateway.a", {"tags": {"team": "a" * 40 + "!"}})
    builder.add("aws_instance.app", {"instance_type": "m5.large",
                                     "root_block_device": [{"volume_type": "gp3", "volume_size": 30}]})
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(builder.build()))
    return path


def _one_error_line(err: str, path: Path) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("finguard: error: ") and str(path) in lines[0], err
    assert "Traceback" not in err and "internal error" not in err
    return lines[0]


def _check(capsys: pytest.CaptureFixture[str], plan: Path, config: Path) -> tuple[int, str, str]:
    return run(capsys, "check", str(plan), "--config", str(config))


def _subprocess(args: list[str], cwd: Path, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "finguard", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


# -- finguard.yml ------------------------------------------------------------------------------------------
def test_non_utf8_config_names_the_file(capsys: pytest.CaptureFixture[str], tmp_path: Path, plan: Path) -> None:
    config = tmp_path / "finguard.yml"
    config.write_bytes(b"version: 1\nfail_on: \xff\xfehigh\n")
    code, _, err = _check(capsys, plan, config)
    assert code == 2
    assert f"{config}:2: config is not UTF-8 text" in _one_error_line(err, config)


def test_billion_laughs_is_refused_quickly(tmp_path: Path, plan: Path) -> None:
    config = tmp_path / "finguard.yml"
    config.write_text(LAUGHS + "version: 1\npolicies:\n  settings:\n    FG-X:\n      x: *l8\n")
    started = time.monotonic()
    proc = _subprocess(["check", str(plan), "--config", str(config)], tmp_path)
    assert time.monotonic() - started < 20
    assert proc.returncode == 2, proc.stderr
    line = _one_error_line(proc.stderr, config)
    assert "expands to more than" in line and "aliases" in line


def test_recursive_alias_and_deep_nesting_are_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                      plan: Path) -> None:
    config = tmp_path / "finguard.yml"
    config.write_text("policies:\n  settings: &a\n    x: *a\n")
    code, _, err = _check(capsys, plan, config)
    assert code == 2 and "recursive alias" in _one_error_line(err, config)
    config.write_text("policies:\n  settings:\n    x: " + "[" * 5000 + "]" * 5000 + "\n")
    code, _, err = _check(capsys, plan, config)
    assert code == 2 and "nested deeper than" in _one_error_line(err, config)


def test_small_anchors_still_work(capsys: pytest.CaptureFixture[str], tmp_path: Path, plan: Path) -> None:
    config = tmp_path / "finguard.yml"
    config.write_text("version: 1\nregions:\n  allowed: &r [us-east-1]\n  denied: []\n"
                      "compute:\n  allowed_families: [m5, t3]\n  denied_families: []\n")
    code, _, err = _check(capsys, plan, config)
    assert code in (0, 1) and "error" not in err


def test_duplicate_key_names_the_key_and_both_lines(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                    plan: Path) -> None:
    config = tmp_path / "finguard.yml"
    config.write_text("version: 1\nfail_on: critical\ncost:\n  monthly_budget: 10\nfail_on: info\n")
    code, _, err = _check(capsys, plan, config)
    assert code == 2
    assert f"{config}:5:1: invalid YAML: duplicate key 'fail_on' (first at line 2)" in _one_error_line(err, config)


def test_catastrophic_tag_pattern_is_refused_not_run(tmp_path: Path, plan: Path) -> None:
    config = tmp_path / "finguard.yml"
    config.write_text("version: 1\ntaxonomy:\n  patterns:\n    team: '^(a+)+$'\n")
    proc = _subprocess(["check", str(plan), "--config", str(config)], tmp_path)
    assert proc.returncode == 2, proc.stderr
    line = _one_error_line(proc.stderr, config)
    assert f"{config}:3" in line and "taxonomy.patterns" in line and "'team'" in line
    assert "nested quantifiers" in line


@pytest.mark.parametrize("pattern", [r"^(a+)+$", r"^(a*)*$", r"^([a-z]+-?)+$", r"(\w+\s?)*$", r"^(a|ab)+$",
                                     r"^(a|a)*$", r"^(x+x+)+y$", r"^((ab)*)+$", r"^(.*?,){11}P", "a" * 1001])
def test_dangerous_patterns_are_recognised(pattern: str) -> None:
    assert unsafe_pattern(pattern)


@pytest.mark.parametrize("pattern", [r"^CC-\d{4}$", r"^[a-z]+(-[a-z]+)*$", r"^(dev|staging|prod)$",
                                     r"^(dev|prod)+$", r"^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$", r"^(\d{3}-)+$",
                                     r"^team-[a-z]+$", r".*"])
def test_ordinary_patterns_are_accepted(pattern: str) -> None:
    assert unsafe_pattern(pattern) is None


@pytest.mark.parametrize(("body", "key", "expected"), [
    ("cost:\n  project_delta_threshold: -5\n", "cost.project_delta_threshold", "must be >= 0, got -5"),
    ("cost:\n  monthly_budget: true\n", "cost.monthly_budget", "must be a number, got true"),
    ("cost:\n  resource_monthly_threshold: '100'\n", "cost.resource_monthly_threshold", "must be a number"),
    ("version: true\n", "version", "must be a whole number, got true"),
    ("taxonomy:\n  case_sensitive_keys: 1\n", "taxonomy.case_sensitive_keys", "must be true or false"),
    ("compute:\n  max_size_by_env:\n    dev: huge\n", "compute.max_size_by_env", "'huge' is not an instance size"),
    ("billing:\n  budgets:\n    at_risk_pct: true\n", "billing.budgets.at_risk_pct", "must be a number, got true"),
    ("billing:\n  forecast:\n    simulations: false\n", "billing.forecast.simulations", "must be a number, got false"),
    ("billing:\n  commitments:\n    lookback_days: [30, true]\n", "billing.commitments.lookback_days",
     "must hold numbers only"),
    ("billing:\n  anomalies:\n    sensitivity: -1\n", "billing.anomalies.sensitivity", "must be > 0, got -1"),
])
def test_invalid_values_name_the_key_path(capsys: pytest.CaptureFixture[str], tmp_path: Path, plan: Path,
                                          body: str, key: str, expected: str) -> None:
    config = tmp_path / "finguard.yml"
    config.write_text(body)
    code, _, err = _check(capsys, plan, config)
    assert code == 2
    line = _one_error_line(err, config)
    assert f"invalid config at {key}" in line and expected in line and f"{config}:" in line


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", "1.0e+400"])
def test_non_finite_numbers_never_reach_the_policies(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                     plan: Path, value: str) -> None:
    config = tmp_path / "finguard.yml"
    config.write_text(f"version: 1\ncost:\n  project_delta_percent: {value}\n")
    code, _, err = _check(capsys, plan, config)
    assert code == 2
    assert f"{config}:3:" in _one_error_line(err, config) and "not a finite number" in err
    config.write_text(f"version: 1\npolicies:\n  settings:\n    FG-CST-001: {{limit: {value}}}\n")
    code, _, err = _check(capsys, plan, config)
    assert code == 2 and "not a finite number" in _one_error_line(err, config)


@pytest.mark.parametrize("until", ["2027-02-30", "'2027-02-30'", "2027-13-01", "99999-01-01"])
def test_impossible_suppression_date_names_file_and_suppression(capsys: pytest.CaptureFixture[str],
                                                                tmp_path: Path, plan: Path, until: str) -> None:
    config = tmp_path / "finguard.yml"
    config.write_text("version: 1\nsuppressions:\n"
                      "  - policy: FG-TAG-001\n    reason: fine\n    until: 2027-01-31\n"
                      f"  - policy: FG-CMP-002\n    reason: legacy\n    until: {until}\n")
    code, _, err = _check(capsys, plan, config)
    assert code == 2
    line = _one_error_line(err, config)
    assert f"{config}:8" in line and "suppressions.1.until (suppression of FG-CMP-002)" in line
    assert "must be a real date" in line


def test_config_that_is_a_fifo_is_refused(tmp_path: Path, plan: Path) -> None:
    config = tmp_path / "finguard.yml"
    os.mkfifo(config)
    proc = _subprocess(["check", str(plan), "--config", str(config)], tmp_path, timeout=20)
    assert proc.returncode == 2 and "not a regular file" in _one_error_line(proc.stderr, config)


# -- finguard-usage.yml ------------------------------------------------------------------------------------
def _breakdown(capsys: pytest.CaptureFixture[str], plan: Path, usage: Path) -> tuple[int, str, str]:
    return run(capsys, "--usage-file", str(usage), "breakdown", str(plan), "--format", "json")


def test_non_utf8_usage_file_names_the_file(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                            plan: Path) -> None:
    usage = tmp_path / "finguard-usage.yml"
    usage.write_bytes(b"version: 1\nresource_usage:\n  aws_nat_gateway.a:\n    monthly_data_processed_gb: \x80\n")
    code, _, err = _breakdown(capsys, plan, usage)
    assert code == 2 and f"{usage}:4: usage file is not UTF-8 text" in _one_error_line(err, usage)


def test_usage_billion_laughs_and_duplicates(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                             plan: Path) -> None:
    usage = tmp_path / "finguard-usage.yml"
    usage.write_text(LAUGHS.replace("l", "x") + "resource_usage: {}\n")
    started = time.monotonic()
    code, _, err = _breakdown(capsys, plan, usage)
    assert code == 2 and "expands to more than" in _one_error_line(err, usage)
    assert time.monotonic() - started < 20
    usage.write_text("resource_usage:\n  aws_nat_gateway.a:\n    monthly_data_processed_gb: 1\n"
                     "    monthly_data_processed_gb: 2\n")
    code, _, err = _breakdown(capsys, plan, usage)
    assert code == 2 and "duplicate key 'monthly_data_processed_gb' (first at line 3)" in _one_error_line(err, usage)


@pytest.mark.parametrize(("value", "expected"), [
    ("-5", "got -5"), ("true", "got true"), ("1.0e+300", "got 1e+300"), (".nan", "not a finite number"),
    (".inf", "not a finite number"),
])
def test_usage_quantities_are_finite_and_not_negative(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                      plan: Path, value: str, expected: str) -> None:
    usage = tmp_path / "finguard-usage.yml"
    usage.write_text(f"version: 1\nresource_usage:\n  aws_nat_gateway.a:\n    monthly_data_processed_gb: {value}\n")
    code, _, err = _breakdown(capsys, plan, usage)
    assert code == 2
    line = _one_error_line(err, usage)
    assert f"{usage}:4" in line and expected in line


def test_usage_version_must_be_a_number(capsys: pytest.CaptureFixture[str], tmp_path: Path, plan: Path) -> None:
    usage = tmp_path / "finguard-usage.yml"
    usage.write_text("version: true\nresource_usage: {}\n")
    code, _, err = _breakdown(capsys, plan, usage)
    assert code == 2 and "version: must be a whole number, got true" in _one_error_line(err, usage)


# -- fuzz: random YAML documents as finguard.yml and finguard-usage.yml ----------------------------------------
_KEYS = ["version", "fail_on", "taxonomy", "required_tags", "patterns", "team", "cost", "monthly_budget",
         "project_delta_threshold", "compute", "max_size_by_env", "dev", "suppressions", "policy", "reason",
         "until", "policies", "settings", "resource_usage", "resource_type_default_usage", "aws_nat_gateway.a",
         "aws_instance.app", "monthly_data_processed_gb", "operating_system", "regions", "allowed"]
_SCALARS = ["1", "-1", "0", "2.5", "-0.0", "1e400", "1.0e+400", ".nan", ".inf", "-.inf", "true", "no", "null", "~",
            "2027-02-30", "2027-03-31", "'^(a+)+$'", "'^CC-\\d{4}$'", "high", "xlarge", "huge", "[]", "{}",
            "'\\ud800'", "\"\\ud800\"", "99999999999999999999999", "0x1F", "0o17", "1_000", "*a", "&a 1",
            "!!binary aGk=", "!!python/object:os.system x", "'[unclosed'", "\"é ☃ \U0001F600\""]


@st.composite
def _yaml_text(draw: st.DrawFn) -> str:
    """YAML text from finguard's own keys and awkward scalars, with anchors, aliases and random unicode."""
    def value(depth: int, flow: bool) -> str:
        kind = draw(st.integers(0, 1 if depth >= 3 else 2 if flow else 4))
        if kind == 0:
            return draw(st.sampled_from(_SCALARS))
        if kind == 1:
            return json.dumps(draw(st.text(max_size=8)))  # any unicode, lone surrogates included
        if kind == 2:
            return "[" + ", ".join(value(depth + 1, True) for _ in range(draw(st.integers(0, 3)))) + "]"
        indent = "  " * (depth + 1)
        keys = draw(st.lists(st.sampled_from(_KEYS) | st.text(max_size=5).map(json.dumps), min_size=1, max_size=3))
        return "".join(f"\n{indent}{k}: {value(depth + 1, False)}" for k in keys)

    keys = draw(st.lists(st.sampled_from(_KEYS), min_size=0, max_size=5))
    text = "".join(f"{k}: {value(0, False)}\n" for k in keys)
    return ("version: &a 1\n" + text) if draw(st.booleans()) else text


_LEAVES = (st.floats() | st.integers(-10**30, 10**30) | st.booleans() | st.none() | st.text(max_size=6)
           | st.dates().map(str) | st.sampled_from(["2027-02-30", "xlarge", "huge", "^(a+)+$", "^CC-\\d{4}$", "high"]))


def _maybe(value: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return value | _LEAVES


_CONFIGS = st.fixed_dictionaries({}, optional={
    "version": _maybe(st.just(1)),
    "fail_on": _maybe(st.sampled_from(["info", "low", "medium", "high", "critical"])),
    "cost": st.dictionaries(st.sampled_from(["resource_monthly_threshold", "project_delta_threshold",
                                             "project_delta_percent", "monthly_budget", "monthly_budgt"]),
                            _maybe(st.floats(0, 1e6)), max_size=3),
    "taxonomy": st.fixed_dictionaries({}, optional={
        "required_tags": st.lists(st.text(max_size=5), max_size=3),
        "patterns": st.dictionaries(st.sampled_from(["team", "cost-center"]),
                                    _maybe(st.text(alphabet="ab()|*+?{}[]-^$\\d", max_size=10)), max_size=2),
        "case_sensitive_keys": _maybe(st.booleans())}),
    "compute": st.fixed_dictionaries({}, optional={
        "max_size_by_env": st.dictionaries(st.sampled_from(["dev", "staging"]),
                                           _maybe(st.sampled_from(["large", "2xlarge", "metal"])), max_size=2)}),
    "suppressions": st.lists(st.fixed_dictionaries(
        {"policy": _maybe(st.sampled_from(["FG-TAG-001", "*"])), "reason": _maybe(st.just("legacy"))},
        optional={"until": _LEAVES, "address": _maybe(st.just("aws_*"))}), max_size=2),
})
_USAGES = st.fixed_dictionaries({}, optional={
    "version": _maybe(st.just(1)),
    "resource_usage": st.fixed_dictionaries({}, optional={
        "aws_nat_gateway.a": st.dictionaries(st.sampled_from(["monthly_data_processed_gb", "oops"]),
                                             _maybe(st.floats(0, 1e6)), max_size=2),
        "aws_*": st.dictionaries(st.just("monthly_data_processed_gb"), _LEAVES, max_size=1),
        "aws_instance.app": st.dictionaries(st.just("operating_system"),
                                            _maybe(st.sampled_from(["linux", "windows"])), max_size=1)}),
    "resource_type_default_usage": st.dictionaries(st.sampled_from(["aws_nat_gateway", "aws_lb"]),
                                                   st.dictionaries(st.just("monthly_data_processed_gb"), _LEAVES,
                                                                   max_size=1), max_size=2),
})


def _dump(data: object) -> str:
    import yaml

    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _yaml_documents(structured: st.SearchStrategy[object]) -> st.SearchStrategy[str]:
    return _yaml_text() | structured.map(_dump)


def _assert_clean(code: int, out: str, err: str, path: Path) -> None:
    assert code in (0, 1, 2), err
    assert "Traceback" not in err and "internal error" not in err
    if code == 2:
        _one_error_line(err, path)
    for token in ("NaN", "Infinity"):
        assert token not in out


_FUZZ = fuzz_settings(25)


@fuzz
@_FUZZ
@given(text=_yaml_documents(_CONFIGS))
def test_fuzz_config(capsys: pytest.CaptureFixture[str], tmp_path: Path, plan: Path, text: str) -> None:
    config = tmp_path / "fuzz-finguard.yml"
    config.write_text(text, encoding="utf-8", errors="surrogatepass")
    started = time.monotonic()
    code, out, err = run(capsys, "check", str(plan), "--config", str(config), "--format", "json")
    assert time.monotonic() - started < 30  # a bound that catches hangs, with room for a loaded CI machine
    _assert_clean(code, out, err, config)


@fuzz
@_FUZZ
@given(text=_yaml_documents(_USAGES), raw=st.binary(max_size=40) | st.just(b""))
def test_fuzz_usage_file(capsys: pytest.CaptureFixture[str], tmp_path: Path, plan: Path, text: str,
                         raw: bytes) -> None:
    usage = tmp_path / "fuzz-usage.yml"
    usage.write_bytes(text.encode("utf-8", "surrogatepass") + raw)
    started = time.monotonic()
    code, out, err = _breakdown(capsys, plan, usage)
    assert time.monotonic() - started < 30  # a bound that catches hangs, with room for a loaded CI machine
    _assert_clean(code, out, err, usage)
    if code == 0:
        for resource in json.loads(out)["resources"]:
            for component in resource["components"]:
                cost = component.get("monthly_cost")
                assert cost is None or (math.isfinite(cost) and cost >= 0)


@fuzz
@fuzz_settings(200)
@given(pattern=st.text(alphabet="ab()|*+?{}[]-,.^$\\d2", max_size=14))
def test_fuzz_patterns_accepted_are_fast(pattern: str) -> None:
    """A pattern the check accepts matches an adversarial tag value quickly."""
    import re

    try:
        compiled = re.compile(pattern)
    except (re.error, OverflowError, RecursionError):
        return
    if unsafe_pattern(pattern) is not None:
        return
    for value in ("a" * 28 + "!", "ab" * 14 + "!", "a-" * 14 + "!", "1" * 28 + "x"):
        started = time.perf_counter()
        compiled.search(value)
        assert time.perf_counter() - started < 0.5, (pattern, value)


@pytest.mark.parametrize(("raw", "line"), [(b"version: 1\n\x1b[31mcost: {}\n", 2),
                                          (b"version: 1\ncost:\n  x: \"a\x07\"\n", 3)])
def test_control_characters_name_the_file_and_line(capsys: pytest.CaptureFixture[str], tmp_path: Path, plan: Path,
                                                   raw: bytes, line: int) -> None:
    """Found by benchmarks/fuzz_campaign.py: PyYAML's reader refuses them before parsing (was an internal error)."""
    config = tmp_path / "finguard.yml"
    config.write_bytes(raw)
    code, _, err = _check(capsys, plan, config)
    assert code == 2
    message = _one_error_line(err, config)
    assert f"{config}:{line}:" in message and "control character U+00" in message
    config.unlink()  # breakdown reads finguard.yml next to the plan too
    usage = tmp_path / "usage.yml"
    usage.write_bytes(raw.replace(b"cost", b"resource_usage"))
    code, _, err = _breakdown(capsys, plan, usage)
    assert code == 2 and "control character" in _one_error_line(err, usage)
