"""`finguard check` and `finguard init` from the command line: exit codes, formats, config errors."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from .conftest import EXAMPLES
from .opa_server import running_opa_server
from .test_cli import run

EKS = EXAMPLES / "eks-platform" / "plan.json"


def test_check_example_fails_at_high_and_passes_at_critical(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", str(EKS))
    # a new platform adding $928.845/month (the sum is in tests/test_examples.py's docstring; the policy's
    # message rounds half-up like the reports: $928.85), and a DR instance whose root volume is not encrypted
    assert code == 1 and "fails at --fail-on high: yes" in out
    assert "FG-COST-002" in out and "+$928.85" in out
    assert "FG-STO-003  aws_instance.dr_standby  (examples/terraform/eks-platform/dr.tf:" in out
    assert "FG-TAG-002" in out and "eks.tf:" in out
    code, out, _ = run(capsys, "check", str(EKS), "--fail-on", "critical")
    assert code == 0 and "fails at --fail-on critical: no" in out


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit", "markdown", "html"])
def test_check_formats(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    code, out, _ = run(capsys, "check", str(EKS), "--format", fmt)
    assert code == 1
    if fmt == "json":
        doc = json.loads(out)
        assert doc["schema"] == "finguard/check"
        finding = next(f for f in doc["findings"] if f["policy_id"] == "FG-TAG-002")
        assert finding["address"] == "aws_eks_node_group.arm" and finding["file"].endswith("eks.tf")
    elif fmt == "sarif":
        doc = json.loads(out)
        assert doc["version"] == "2.1.0" and doc["runs"][0]["results"]
    elif fmt == "junit":
        assert ET.fromstring(out).tag == "testsuites"
    else:
        assert "FG-TAG-002" in out


def test_breakdown_rejects_check_only_formats(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "breakdown", str(EKS), "--format", "sarif")[0] == 2


def test_config_errors_name_file_line_and_key(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = tmp_path / "finguard.yml"
    config.write_text("version: 1\ntaxonomy:\n  required_tag: [team]\n")
    code, out, err = run(capsys, "check", str(EKS), "--config", str(config))
    assert code == 2 and out == ""
    assert f"{config}:3" in err and "unknown key 'taxonomy.required_tag'" in err and "required_tags" in err
    config.write_text("version: 1\nfail_on: [high\n")
    code, _, err = run(capsys, "check", str(EKS), "--config", str(config))
    assert code == 2 and "invalid YAML" in err and f"{config}:" in err and "Traceback" not in err
    config.write_text("fail_on: severe\n")
    code, _, err = run(capsys, "check", str(EKS), "--config", str(config))
    assert code == 2 and "invalid config at fail_on" in err


def test_config_tightens_the_guardrails(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = tmp_path / "finguard.yml"
    config.write_text("version: 1\nregions:\n  allowed: [us-east-1]\n")
    code, out, _ = run(capsys, "check", str(EKS), "--config", str(config), "--format", "json")
    findings = json.loads(out)["findings"]
    region = [f for f in findings if f["policy_id"] == "FG-REG-001"]
    assert code == 1 and {f["address"] for f in region} == {"aws_instance.dr_standby", "aws_s3_bucket.dr_backups"}


def test_baseline_round_trip(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    code, _, err = run(capsys, "check", str(EKS), "--fail-on", "low", "--write-baseline", str(baseline))
    assert code == 0 and "accepted findings" in err
    code, out, _ = run(capsys, "check", str(EKS), "--fail-on", "low", "--baseline", str(baseline))
    assert code == 0 and "suppressed" in out
    code, _, err = run(capsys, "check", str(EKS), "--baseline", str(baseline), "--write-baseline", str(baseline))
    assert code == 2 and "cannot be used together" in err


def test_check_through_an_opa_server(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = tmp_path / "finguard.yml"
    config.write_text("regions:\n  allowed: [us-east-1]\n")
    embedded = json.loads(run(capsys, "check", str(EKS), "--config", str(config), "--format", "json")[1])
    with running_opa_server() as server:
        code, out, _ = run(capsys, "check", str(EKS), "--config", str(config), "--format", "json",
                           "--opa-url", server.url)
        remote = json.loads(out)
        assert server.state.policies == {}  # everything uploaded was removed again
    key = lambda doc: sorted((f["policy_id"], f["address"], f["message"]) for f in doc["findings"])  # noqa: E731
    assert code == 1 and key(remote) == key(embedded)
    code, _, err = run(capsys, "check", str(EKS), "--opa-url", "http://127.0.0.1:9")
    assert code == 2 and "127.0.0.1:9" in err


def test_init_writes_a_valid_commented_config(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from finguard.config import load_config

    target = tmp_path / "finguard.yml"
    assert run(capsys, "init", "--out", str(target))[0] == 0
    text = target.read_text()
    assert text.count("#") > 10
    config = load_config(target)
    assert config.taxonomy.required_tags == ["team", "env", "cost-center"]
    code, _, err = run(capsys, "init", "--out", str(target))
    assert code == 2 and "--force" in err


def test_init_commented_sections_validate_when_uncommented(capsys: pytest.CaptureFixture[str],
                                                           tmp_path: Path) -> None:
    """The starter's examples of the optional sections are real configuration, not prose."""
    from finguard.config import load_config

    target = tmp_path / "finguard.yml"
    assert run(capsys, "init", "--out", str(target))[0] == 0
    text = target.read_text()
    start = text.index("# pricing:")
    extra = "\n".join(line[2:] if line.startswith("# ") else line for line in text[start:].splitlines())
    full = tmp_path / "full.yml"
    full.write_text(text[:start] + extra + "\n")
    config = load_config(full)
    assert config.pricing.rates == "list"
    assert [rule.id for rule in config.approvals.rules] == ["large-increase"]
    assert config.waste.regions == ["us-east-1"]
    assert config.k8s.cluster == "prod" and config.k8s.shared_namespaces == ["kube-system"]


def test_the_rego_worker_starts_before_the_models_are_imported(capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """`check` starts the embedded evaluator's process before it goes into the runner (whose imports are a fifth
    of a small run), with the environment's limits; the run's own evaluation uses that same process."""
    from finguard.policy import rego_sandbox, runner

    rego_sandbox.shutdown()
    monkeypatch.setenv("FINGUARD_REGO_MEMORY_MB", "1536")
    events: list[str] = []
    real_child, real_run = rego_sandbox._Child, runner.run

    def counting_child(memory_mb: int) -> rego_sandbox._Child:
        events.append(f"worker {memory_mb} MB")
        return real_child(memory_mb)

    def recording_run(request: runner.CheckRequest) -> int:
        events.append("run")
        return real_run(request)

    monkeypatch.setattr(rego_sandbox, "_Child", counting_child)
    monkeypatch.setattr(runner, "run", recording_run)
    code, out, _ = run(capsys, "check", str(EKS), "--format", "json")
    assert code == 1 and "FG-STO-003" in out  # a Rego policy's finding: the worker answered
    assert events == ["worker 1536 MB", "run"]  # one process, started first and used by the run


def test_a_bad_rego_limit_in_the_environment_is_reported_by_the_run(capsys: pytest.CaptureFixture[str],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINGUARD_REGO_TIMEOUT", "soon")
    code, _, err = run(capsys, "check", str(EKS))
    assert code == 2 and "FINGUARD_REGO_TIMEOUT must be a positive number, not 'soon'" in err


def test_no_rego_worker_for_an_opa_server(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from finguard.policy import rego_sandbox

    rego_sandbox.shutdown()
    started: list[int] = []
    monkeypatch.setattr(rego_sandbox, "_Child", lambda memory_mb: started.append(memory_mb))
    with running_opa_server() as server:
        code, _, _ = run(capsys, "check", str(EKS), "--opa-url", server.url)
    assert code == 1 and started == []


@pytest.mark.parametrize(("name", "value", "message"), [
    ("FINGUARD_REGO_MEMORY_MB", "99999999999999999999", "must be at most 1,048,576"),
    ("FINGUARD_REGO_MEMORY_MB", "10", "must be at least 64"),
    ("FINGUARD_REGO_MEMORY_MB", "1e400", "must be a positive number"),
    ("FINGUARD_REGO_TIMEOUT", "1e308", "must be at most 3,600"),
    ("FINGUARD_REGO_TIMEOUT", "nan", "must be a positive number"),
    ("FINGUARD_REGO_TIMEOUT", "-1", "must be a positive number"),
])
def test_rego_limits_from_the_environment_are_bounded_as_in_the_config(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, name: str, value: str,
        message: str) -> None:
    """The environment takes what finguard.yml takes: a huge timeout overflowed time_t and a huge memory limit
    killed the evaluator's start, both as tracebacks (exit 3)."""
    monkeypatch.setenv(name, value)
    code, _, err = run(capsys, "check", str(EKS))
    assert code == 2 and f"{name} {message}, not {value!r}" in err
