"""Hostile Rego (issue 17): a bad policy is an error finding that fails the run, never a dead or hung
finguard, never silence. The embedded evaluator runs in a child process under a time and memory budget."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finguard.cli import main
from finguard.errors import InputError
from finguard.policy.rego import EmbeddedEvaluator, RegoLimits, RegoModule, require_finite_input

from .fuzzing import fuzz, fuzz_settings
from .plan_builder import PlanBuilder

ROOT = Path(__file__).resolve().parent.parent
PANIC_WORDS = ("Traceback", "panicked", "Stack backtrace", "RUST_BACKTRACE")


@pytest.fixture(autouse=True)
def _fast_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINGUARD_REGO_TIMEOUT", "2")
    monkeypatch.setenv("FINGUARD_REGO_MEMORY_MB", "400")


@pytest.fixture()
def plan(tmp_path: Path) -> Path:
    builder = PlanBuilder()
    builder.add("aws_instance.web", {"instance_type": "t3.micro", "tags": {"env": "prod"}})
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(builder.build()))
    return path


def _policy(directory: Path, name: str, body: str, policy_id: str | None = None) -> Path:
    directory.mkdir(exist_ok=True)
    policy_id = policy_id or f"T-{name.upper()}"
    path = directory / f"{name}.rego"
    path.write_text(f'package hostile.{name}\n\nimport rego.v1\n\n'
                    f'metadata := {{"id": "{policy_id}", "title": "{name}", "severity": "high"}}\n\n{body}\n')
    return path


def _check(capsys: pytest.CaptureFixture[str], plan: Path, rego: Path) -> tuple[int, list[dict], str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["check", str(plan), "--no-builtin", "--rego-dir", str(rego), "--format", "json"])
    out, err = capsys.readouterr()
    code = exit_info.value.code
    findings = json.loads(out)["findings"] if out.strip() else []
    for word in PANIC_WORDS:
        assert word not in err
    return (code if isinstance(code, int) else 0), findings, err


def _errors(findings: list[dict]) -> dict[str, str]:
    return {Path(f["file"]).name: f["message"] for f in findings if f["kind"] == "error"}


OK = 'deny contains "ok fires" if true'


def test_recursion_crash_is_an_error_finding_and_others_still_run(capsys, plan: Path, tmp_path: Path) -> None:
    rego = tmp_path / "rego"
    _policy(rego, "rec", 'f(x) := f(x)\n\ndeny contains "x" if { f(1) }')
    _policy(rego, "ok", OK)
    code, findings, _ = _check(capsys, plan, rego)
    assert code == 1
    assert "crashed (SIGSEGV" in _errors(findings)["rec.rego"]
    assert any(f["message"] == "ok fires" for f in findings)


def test_huge_comprehension_hits_the_memory_limit(capsys, plan: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINGUARD_REGO_TIMEOUT", "30")
    monkeypatch.setenv("FINGUARD_REGO_MEMORY_MB", "250")
    rego = tmp_path / "rego"
    _policy(rego, "huge", "xs := [[x, y] | some x in numbers.range(1, 100000); some y in numbers.range(1, 1000)]\n\n"
                          'deny contains "x" if count(xs) < 0')
    _policy(rego, "ok", OK)
    code, findings, _ = _check(capsys, plan, rego)
    assert code == 1
    message = _errors(findings)["huge.rego"]
    assert "crashed" in message and "FINGUARD_REGO_MEMORY_MB" in message
    assert any(f["message"] == "ok fires" for f in findings)


def test_cross_join_times_out(capsys, plan: Path, tmp_path: Path) -> None:
    rego = tmp_path / "rego"
    _policy(rego, "cross", "deny contains m if { some a in numbers.range(1, 100000); "
                           "some b in numbers.range(1, 100000); a == b + 100001; m := \"x\" }")
    _policy(rego, "ok", OK)
    start = time.monotonic()
    code, findings, _ = _check(capsys, plan, rego)
    assert time.monotonic() - start < 30
    assert code == 1
    assert _errors(findings)["cross.rego"] == "Rego policy failed: evaluation exceeded 2 s " \
        "(policies.rego_timeout_seconds in finguard.yml or FINGUARD_REGO_TIMEOUT changes it)"
    assert any(f["message"] == "ok fires" for f in findings)


def test_limits_come_from_finguard_yml_unless_the_environment_sets_them(capsys, plan: Path, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    rego = tmp_path / "rego"
    _policy(rego, "cross", "deny contains m if { some a in numbers.range(1, 100000); "
                           "some b in numbers.range(1, 100000); a == b + 100001; m := \"x\" }")
    (tmp_path / "finguard.yml").write_text("version: 1\npolicies:\n  rego_timeout_seconds: 0.5\n"
                                            "  rego_memory_mb: 300\n")
    monkeypatch.delenv("FINGUARD_REGO_TIMEOUT")
    _, findings, _ = _check(capsys, plan, rego)
    assert "evaluation exceeded 0.5 s" in _errors(findings)["cross.rego"]
    monkeypatch.setenv("FINGUARD_REGO_TIMEOUT", "0.7")
    _, findings, _ = _check(capsys, plan, rego)
    assert "evaluation exceeded 0.7 s" in _errors(findings)["cross.rego"]
    for bad in ("rego_timeout_seconds: .inf", "rego_timeout_seconds: true", "rego_memory_mb: 1",
                "rego_timeout_seconds: 0"):
        (tmp_path / "finguard.yml").write_text(f"version: 1\npolicies:\n  {bad}\n")
        with pytest.raises(SystemExit) as exit_info:
            main(["check", str(plan), "--no-builtin", "--rego-dir", str(rego)])
        assert exit_info.value.code == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "finguard.yml:3" in err, err
        assert "policies.rego_" in err or "not a finite number" in err, err


def test_the_finguard_process_survives_a_segfaulting_policy(plan: Path, tmp_path: Path) -> None:
    rego = tmp_path / "rego"
    _policy(rego, "rec", 'f(x) := f(x)\n\ndeny contains "x" if { f(1) }')
    env = {**os.environ, "FINGUARD_REGO_TIMEOUT": "5"}
    proc = subprocess.run([sys.executable, "-m", "finguard", "check", str(plan), "--no-builtin", "--rego-dir",
                           str(rego)], capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)
    assert proc.returncode == 1, proc.stderr
    assert "rec.rego" in proc.stdout and "SIGSEGV" in proc.stdout
    for word in PANIC_WORDS:
        assert word not in proc.stderr


def test_wrong_result_type_is_an_error(capsys, plan: Path, tmp_path: Path) -> None:
    rego = tmp_path / "rego"
    _policy(rego, "str", 'deny := "nope"')
    code, findings, _ = _check(capsys, plan, rego)
    assert code == 1
    assert "`deny` must be a set of messages" in _errors(findings)["str.rego"]
    assert not [f for f in findings if f["kind"] == "violation"]


def test_wrong_builtin_arity_in_an_unreached_rule_is_an_error(capsys, plan: Path, tmp_path: Path) -> None:
    rego = tmp_path / "rego"
    path = _policy(rego, "arity", 'deny contains m if { some r in input.resources; r.type == "none";\n'
                                  '  m := concat(",") }')
    code, findings, _ = _check(capsys, plan, rego)
    assert code == 1
    assert f"{path}:8: `concat` expects 2 arguments, given 1" in _errors(findings)["arity.rego"]


def test_http_send_is_refused(capsys, plan: Path, tmp_path: Path) -> None:
    rego = tmp_path / "rego"
    path = _policy(rego, "http", 'deny contains "down" if {\n  r := http.send({"method": "get", '
                                 '"url": "http://127.0.0.1:9"})\n  r.status_code != 200\n}')
    code, findings, _ = _check(capsys, plan, rego)
    assert code == 1
    assert f"{path}:8: `http.send` is refused: network access" in _errors(findings)["http.rego"]


def test_two_policies_with_one_id(capsys, plan: Path, tmp_path: Path) -> None:
    rego = tmp_path / "rego"
    first = _policy(rego, "a", OK, policy_id="T-SAME")
    second = _policy(rego, "b", 'deny contains "b fires" if true', policy_id="T-SAME")
    code, findings, _ = _check(capsys, plan, rego)
    assert code == 1
    assert _errors(findings) == {"b.rego": f"policy id T-SAME is defined twice: in {first} and in {second} "
                                           "(ids must be unique; the second is not run)"}
    assert not any(f["message"] == "b fires" for f in findings)


def test_a_fifo_is_refused_without_hanging(capsys, plan: Path, tmp_path: Path) -> None:
    rego = tmp_path / "rego"
    rego.mkdir()
    os.mkfifo(rego / "pipe.rego")
    _policy(rego, "ok", OK)
    code, findings, _ = _check(capsys, plan, rego)
    assert code == 1
    assert _errors(findings) == {"pipe.rego": "cannot read: not a regular file (a FIFO)"}


def test_non_finite_input_is_refused_naming_the_path() -> None:
    doc = json.dumps({"resources": [{"attributes": {"size": float("nan")}}], "config": {"max": float("inf")}})
    with pytest.raises(InputError) as info:
        require_finite_input(doc)
    assert "is nan" in str(info.value) or "is inf" in str(info.value)
    assert "input.resources[0].attributes.size" in str(info.value) or "input.config.max" in str(info.value)
    module = RegoModule(Path("x.rego"), "x", "package x\nimport rego.v1\ndeny contains 1 if true\n")
    with pytest.raises(InputError):
        EmbeddedEvaluator(RegoLimits(timeout=5)).evaluate([module], doc)


def test_nan_attribute_in_a_plan_never_reaches_regorus(capsys, tmp_path: Path) -> None:
    builder = PlanBuilder()
    builder.add("aws_instance.web", {"instance_type": "t3.micro", "tags": {"env": "prod"}, "weird": float("nan")})
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(builder.build()))  # Python writes NaN, as a hostile plan may
    rego = tmp_path / "rego"
    _policy(rego, "ok", OK)
    with pytest.raises(SystemExit) as exit_info:
        main(["check", str(plan), "--no-builtin", "--rego-dir", str(rego)])
    _, err = capsys.readouterr()
    assert exit_info.value.code == 2
    assert len(err.strip().splitlines()) == 1 and "plan.json" in err  # refused by the plan reader, or by
    # require_finite_input naming input.resources[0].attributes.weird: either way before regorus sees it
    for word in PANIC_WORDS:
        assert word not in err


def test_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINGUARD_REGO_TIMEOUT", "1.5")
    monkeypatch.setenv("FINGUARD_REGO_MEMORY_MB", "512")
    assert RegoLimits.from_env() == RegoLimits(timeout=1.5, memory_mb=512)
    monkeypatch.setenv("FINGUARD_REGO_TIMEOUT", "nan")
    with pytest.raises(InputError, match="FINGUARD_REGO_TIMEOUT must be a positive number"):
        RegoLimits.from_env()


# -- fuzz: small generated modules ------------------------------------------------------------------
_VALUES = st.sampled_from(['"a"', "1", "1.5", "true", "null", "[1, 2]", '{"k": 1}', "input.resources",
                           "input.project.name", "r.type", "r.attributes", "count(input.resources)",
                           "numbers.range(1, 50)", "concat(\",\", [\"a\"])", "sum([1, 2])", "x"])
_LITERALS = st.one_of(
    st.builds(lambda a, op, b: f"{a} {op} {b}", _VALUES, st.sampled_from(["==", "!=", "<", ">", ":=", "="]), _VALUES),
    st.just("some r in input.resources"),
    st.builds(lambda v: f"x := {v}", _VALUES),
    st.builds(lambda v: f"some y in {v}", _VALUES),
    st.builds(lambda v: f"not {v}", _VALUES),
    st.builds(lambda v: f"f({v})", _VALUES),
    st.builds(lambda v: f"count({v}) > 0", _VALUES),
    st.just("http.send({})"),
    st.just("concat(\",\")"),
)
_RULES = st.one_of(
    st.builds(lambda body: "deny contains msg if {\n  " + ";\n  ".join(body) + ';\n  msg := "m"\n}',
              st.lists(_LITERALS, min_size=1, max_size=4)),
    st.builds(lambda v: f"deny := {v}", _VALUES),
    st.builds(lambda v: f"warn contains {v} if true", _VALUES),
    st.builds(lambda body: "f(a) := b if {\n  " + ";\n  ".join(body) + ";\n  b := a\n}",
              st.lists(_LITERALS, min_size=1, max_size=3)),
    st.just("f(a) := f(a)"),
    st.just("xs := [v | some v in numbers.range(1, 30)]"),
)


@fuzz
@fuzz_settings(12)
@given(st.lists(_RULES, min_size=1, max_size=4))
def test_fuzz_generated_rego(tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str],
                             rules: list[str]) -> None:
    tmp = tmp_path_factory.mktemp("fuzz")
    builder = PlanBuilder()
    builder.add("aws_instance.web", {"instance_type": "t3.micro", "tags": {"env": "prod"}})
    plan = tmp / "plan.json"
    plan.write_text(json.dumps(builder.build()))
    rego = tmp / "rego"
    _policy(rego, "fuzz", "\n\n".join(rules))
    start = time.monotonic()
    with pytest.raises(SystemExit) as exit_info:
        main(["check", str(plan), "--no-builtin", "--rego-dir", str(rego), "--format", "json"])
    out, err = capsys.readouterr()
    assert time.monotonic() - start < 30
    assert exit_info.value.code in (0, 1, 2), err
    for word in PANIC_WORDS:
        assert word not in err
    if exit_info.value.code == 2:
        assert len(err.strip().splitlines()) == 1
    else:
        json.loads(out)
