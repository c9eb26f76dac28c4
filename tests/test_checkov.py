"""Checkov integration: finding the executable, running it offline, mapping its report to findings.

Tests marked `checkov` run the real Checkov from its own virtualenv outside the repo (created once
and reused: $FINGUARD_TEST_CACHE/checkov-venv or ~/.cache/finguard-tests/checkov-venv). They skip
when it cannot be installed; deselect them with `-m "not checkov"`. The rest use fake executables.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from finguard.errors import InputError
from finguard.policy.checkov import (
    CheckovRun,
    checkov_env,
    find_checkov,
    parse_report,
    python_environment_of,
    run_checkov,
)
from finguard.policy.model import FindingKind, Severity

from .conftest import FIXTURES, REPO

CHECKOV_VERSION = "3.3.30"  # verified: installs from PyPI in ~40 s; flags and JSON layout checked
INSTALL_TIMEOUT_S = 600
SAMPLE = FIXTURES / "plans" / "checkov_sample.json"


# ---------------------------------------------------------------------------------------------
# The real Checkov, in its own virtualenv
# ---------------------------------------------------------------------------------------------

def _cache_venv() -> Path:
    base = os.environ.get("FINGUARD_TEST_CACHE")
    return Path(base) / "checkov-venv" if base else Path.home() / ".cache" / "finguard-tests" / "checkov-venv"


def _installed_version(venv: Path) -> str | None:
    python, script = venv / "bin" / "python", venv / "bin" / "checkov"
    if not (python.is_file() and script.is_file()):
        return None
    probe = subprocess.run([str(python), "-c", "import importlib.metadata as m; print(m.version('checkov'))"],
                           capture_output=True, text=True, timeout=60)
    return probe.stdout.strip() if probe.returncode == 0 else None


@contextlib.contextmanager
def _locked(lock: Path) -> Iterator[None]:
    """pytest-xdist workers each run session fixtures: only one of them may build the venv."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def checkov_exe() -> Path:
    """Checkov CHECKOV_VERSION in a virtualenv of its own, never finguard's (see finguard.policy.checkov)."""
    venv = _cache_venv().expanduser().resolve()
    if venv.is_relative_to(REPO):
        pytest.skip(f"checkov test venv {venv} must be outside the repository")
    with _locked(venv.parent / "checkov-venv.lock"):
        if _installed_version(venv) != CHECKOV_VERSION:
            shutil.rmtree(venv, ignore_errors=True)
            start = time.monotonic()
            try:
                subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True,
                               timeout=120)
                subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                                "--disable-pip-version-check", f"checkov=={CHECKOV_VERSION}"],
                               check=True, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                shutil.rmtree(venv, ignore_errors=True)
                pytest.skip(f"installing checkov=={CHECKOV_VERSION} took over {INSTALL_TIMEOUT_S} s")
            except subprocess.CalledProcessError as exc:
                shutil.rmtree(venv, ignore_errors=True)
                tail = (exc.stderr or "").strip().splitlines()[-1:] if isinstance(exc.stderr, str) else []
                pytest.skip(f"cannot install checkov=={CHECKOV_VERSION} into {venv}: {' '.join(tail)}")
            print(f"installed checkov {CHECKOV_VERSION} in {time.monotonic() - start:.0f} s", file=sys.stderr)
        if _installed_version(venv) != CHECKOV_VERSION:
            pytest.skip(f"checkov=={CHECKOV_VERSION} did not install into {venv}")
    return venv / "bin" / "checkov"


@pytest.fixture(scope="session")
def sample_run(checkov_exe: Path) -> CheckovRun:
    return run_checkov(SAMPLE, executable=checkov_exe, timeout=300)


@pytest.mark.checkov
def test_sample_plan_reports_known_failures(sample_run: CheckovRun) -> None:
    failed = {(f.policy_id, f.address) for f in sample_run.findings}
    assert {
        ("CKV_AWS_3", "aws_ebs_volume.data"),  # unencrypted EBS volume
        ("CKV_AWS_8", "aws_instance.web"),  # unencrypted root block device
        ("CKV_AWS_79", "aws_instance.web"),  # IMDSv1 allowed (http_tokens = optional)
        ("CKV_AWS_88", "aws_instance.web"),  # public IP
        ("CKV_AWS_18", "aws_s3_bucket.logs"),  # no access logging
        ("CKV_AWS_21", "aws_s3_bucket.logs"),  # no versioning
    } <= failed
    assert ("CKV_AWS_3", "aws_ebs_volume.secure") not in failed
    assert sample_run.checkov_version == CHECKOV_VERSION
    assert sample_run.resource_count == 4
    assert sample_run.failed == len(sample_run.findings)
    assert sample_run.passed > 0


@pytest.mark.checkov
def test_findings_and_policies_are_mapped(sample_run: CheckovRun) -> None:
    ebs = next(f for f in sample_run.findings if f.policy_id == "CKV_AWS_3")
    assert ebs.kind is FindingKind.VIOLATION
    assert ebs.title == ebs.message == "Ensure all data stored in the EBS is securely encrypted"
    assert ebs.severity is Severity.MEDIUM  # offline, Checkov reports no severity: the default applies
    assert ebs.resource_type == "aws_ebs_volume"
    assert ebs.file == str(SAMPLE)
    lines = SAMPLE.read_text().splitlines()
    block_start = next(i for i, text in enumerate(lines, 1) if '"aws_ebs_volume.data"' in text)
    next_block = next(i for i, text in enumerate(lines, 1) if '"aws_ebs_volume.secure"' in text)
    assert ebs.line is not None and block_start <= ebs.line < next_block  # inside the resource's block
    metas = {m.id: m for m in sample_run.policies}
    assert set(metas) == {f.policy_id for f in sample_run.findings}
    assert metas["CKV_AWS_3"].language == "checkov"
    assert metas["CKV_AWS_3"].resource_types == ["aws_ebs_volume"]


@pytest.mark.checkov
def test_encrypted_volume_passes(checkov_exe: Path) -> None:
    run = run_checkov(SAMPLE, executable=checkov_exe, checks=["CKV_AWS_3"], include_passed=True,
                      default_severity=Severity.HIGH, timeout=300)
    assert run.passed_checks == [("CKV_AWS_3", "aws_ebs_volume.secure")]
    assert [(f.policy_id, f.address, f.severity) for f in run.findings] == [
        ("CKV_AWS_3", "aws_ebs_volume.data", Severity.HIGH)]


@pytest.mark.checkov
def test_real_checkov_lives_in_its_own_environment(checkov_exe: Path) -> None:
    assert find_checkov(checkov_exe.parent.parent) == checkov_exe  # a venv directory is accepted
    assert python_environment_of(checkov_exe) == checkov_exe.parent.parent.resolve()


def test_finguard_hcl2_is_python_hcl2() -> None:
    """bc-python-hcl2 (Checkov's) has hcl2.api too, but not SerializationOptions."""
    import hcl2

    assert hasattr(hcl2, "api")
    assert hasattr(hcl2, "SerializationOptions"), f"{hcl2.__file__} is not python-hcl2 (checkov installed here?)"


# ---------------------------------------------------------------------------------------------
# Finding the executable, with fakes
# ---------------------------------------------------------------------------------------------

def _script(path: Path, body: str, shebang: str = "#!/bin/sh") -> Path:
    path.write_text(f"{shebang}\n{body}\n")
    path.chmod(0o755)
    return path


def test_refuses_checkov_in_finguards_environment(tmp_path: Path) -> None:
    fake = _script(tmp_path / "checkov", "print('{}')", shebang=f"#!{sys.executable}")
    with pytest.raises(InputError, match=r"finguard's own Python environment.*bc-python-hcl2"):
        find_checkov(fake)


def test_refuses_pip_trampoline_into_finguards_environment(tmp_path: Path) -> None:
    """pip writes a /bin/sh trampoline when the interpreter path is long or contains spaces."""
    body = f"""'''exec' "{sys.executable}" "$0" "$@"\n' '''\nprint('{{}}')"""
    fake = _script(tmp_path / "checkov", body)
    with pytest.raises(InputError, match="own Python environment"):
        find_checkov(fake)


def test_refuses_checkov_on_path_in_finguards_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _script(tmp_path / "checkov", "print('{}')", shebang=f"#!{sys.executable}")
    monkeypatch.delenv("FINGUARD_CHECKOV", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(InputError, match="own Python environment"):
        find_checkov()


def test_finds_checkov_from_env_var_venv_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    venv = tmp_path / "other-venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    exe = _script(venv / "bin" / "checkov", "import checkov", shebang=f"#!{venv}/bin/python")
    monkeypatch.setenv("FINGUARD_CHECKOV", str(venv))
    assert find_checkov() == exe
    assert find_checkov(exe) == exe  # an explicit value wins (here: the same file)


def test_missing_executable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InputError, match="does not exist"):
        find_checkov(tmp_path / "nope" / "checkov")
    monkeypatch.delenv("FINGUARD_CHECKOV", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(InputError, match=r"checkov not found.*FINGUARD_CHECKOV"):
        find_checkov()
    with pytest.raises(InputError, match="cannot run checkov"):
        run_checkov(SAMPLE, executable=tmp_path / "nope" / "checkov")


# ---------------------------------------------------------------------------------------------
# Running, with fakes
# ---------------------------------------------------------------------------------------------

def test_garbage_output(tmp_path: Path) -> None:
    fake = _script(tmp_path / "checkov", "echo 'Hello, I am not JSON'; exit 1")
    with pytest.raises(InputError, match="did not print JSON: Hello, I am not JSON") as info:
        run_checkov(SAMPLE, executable=fake)
    assert "\n" not in str(info.value)


def test_crash_reports_stderr_tail(tmp_path: Path) -> None:
    fake = _script(tmp_path / "checkov", "echo 'Traceback (most recent call last):' >&2; "
                                         "echo 'ValueError: boom' >&2; exit 2")
    with pytest.raises(InputError, match="exited with 2: ValueError: boom"):
        run_checkov(SAMPLE, executable=fake)


def test_timeout_kills_checkov(tmp_path: Path) -> None:
    fake = _script(tmp_path / "checkov", "sleep 30")
    start = time.monotonic()
    with pytest.raises(InputError, match=r"did not finish within 0\.5 s"):
        run_checkov(SAMPLE, executable=fake, timeout=0.5)
    assert time.monotonic() - start < 10  # the sleeping child is killed with its process group


def test_plan_is_validated_before_checkov_runs(tmp_path: Path) -> None:
    """Checkov itself reports an empty, passing run for a missing or unparsable file."""
    fake = _script(tmp_path / "checkov", "echo should-not-run; exit 3")
    bad = tmp_path / "plan.json"
    bad.write_text("garbage{")
    with pytest.raises(InputError, match="not a JSON plan"):
        run_checkov(bad, executable=fake)
    bad.write_text('{"hello": 1}')
    with pytest.raises(InputError, match="not a `terraform show -json` plan"):
        run_checkov(bad, executable=fake)
    with pytest.raises(InputError, match="does not exist"):
        run_checkov(tmp_path / "missing.json", executable=fake)


def test_secrets_are_not_passed_to_checkov(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dump = tmp_path / "env.json"
    report = json.dumps({"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 0, "resource_count": 0,
                         "checkov_version": "0"})
    fake = _script(tmp_path / "checkov",
                   f"import json, os, sys\njson.dump(dict(os.environ), open({str(dump)!r}, 'w'))\n"
                   f"print({report!r})\nsys.exit(0)", shebang="#!/usr/bin/env python3")
    for name in ("GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "BC_API_KEY", "DB_PASSWORD",
                 "GITHUB_PAT"):
        monkeypatch.setenv(name, "s3cr3t")
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    monkeypatch.setenv("FINGUARD_HARMLESS", "kept")
    run = run_checkov(SAMPLE, executable=fake)
    env = json.loads(dump.read_text())
    assert "s3cr3t" not in env.values()
    assert "PYTHONPATH" not in env
    assert env["FINGUARD_HARMLESS"] == "kept"
    assert env["BC_SKIP_MAPPING"] == "TRUE" and env["CHECKOV_RUN_SCA_PACKAGE_SCAN_V2"] == "false"
    assert env["CKV_SKIP_PACKAGE_UPDATE_CHECK"] == "true"
    assert run.findings == [] and run.resource_count == 0
    assert {"--skip-download", "--quiet", "--compact"} <= set(run.command)


def test_checkov_env_overrides_inherited_settings() -> None:
    env = checkov_env({"BC_SKIP_MAPPING": "FALSE", "LOG_LEVEL": "DEBUG", "PATH": "/bin", "TF_TOKEN_app": "x"})
    assert env["BC_SKIP_MAPPING"] == "TRUE" and env["LOG_LEVEL"] == "WARNING" and env["PATH"] == "/bin"
    assert "TF_TOKEN_app" not in env


# ---------------------------------------------------------------------------------------------
# Report mapping, on hand-made reports
# ---------------------------------------------------------------------------------------------

def _check(check_id: str, address: str, **extra: object) -> dict[str, object]:
    return {"check_id": check_id, "check_name": f"name of {check_id}", "resource": address,
            "file_path": "/nowhere.json", "file_line_range": [0, 0], **extra}


def _report(check_type: str, failed: list[dict[str, object]], **summary: int) -> dict[str, object]:
    return {"check_type": check_type, "results": {"failed_checks": failed},
            "summary": {"passed": 0, "failed": len(failed), "skipped": 0, "parsing_errors": 0,
                        "resource_count": 1, "checkov_version": "9.9", **summary}}


def test_parse_list_of_reports_with_severity_and_module_addresses() -> None:
    data = [
        _report("terraform_plan", [
            _check("CKV_AWS_1", 'module.a["x.y"].aws_instance.web[0]', severity="HIGH",
                   guideline="https://example.invalid/guide"),
            _check("CKV_AWS_2", "module.b.module.c.aws_s3_bucket.b",
                   resource_address="module.b.module.c.aws_s3_bucket.b[\"k\"]", severity={"name": "CRITICAL"}),
        ], passed=3),
        _report("secrets", [_check("CKV_SECRET_2", "data.aws_iam_policy_document.p", severity=None)], skipped=1),
    ]
    run = parse_report(data, default_severity=Severity.LOW)
    got = [(f.policy_id, f.address, f.resource_type, f.severity, f.remediation, f.file, f.line)
           for f in run.findings]
    assert got == [
        ("CKV_AWS_1", 'module.a["x.y"].aws_instance.web[0]', "aws_instance", Severity.HIGH,
         "https://example.invalid/guide", None, None),
        ("CKV_AWS_2", 'module.b.module.c.aws_s3_bucket.b["k"]', "aws_s3_bucket", Severity.CRITICAL, "", None, None),
        ("CKV_SECRET_2", "data.aws_iam_policy_document.p", "aws_iam_policy_document", Severity.LOW, "", None,
         None),
    ]
    assert (run.passed, run.failed, run.skipped, run.resource_count) == (3, 3, 1, 2)
    assert [m.id for m in run.policies] == ["CKV_AWS_1", "CKV_AWS_2", "CKV_SECRET_2"]
    assert all(m.language == "checkov" and m.source == "checkov 9.9" for m in run.policies)


def test_parse_summary_only_report() -> None:
    """With nothing to scan, Checkov prints only the counts."""
    run = parse_report({"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 0, "resource_count": 0,
                        "checkov_version": "3.3.30"})
    assert run.findings == [] and run.checkov_version == "3.3.30"


@pytest.mark.parametrize("data", [[], ["x"], {"results": {}}, 42])
def test_parse_rejects_non_reports(data: object) -> None:
    with pytest.raises(InputError):
        parse_report(data)


def test_parse_errors_fail_closed() -> None:
    with pytest.raises(InputError, match="could not parse"):
        parse_report(_report("terraform_plan", [], parsing_errors=1))


@pytest.mark.checkov
def test_check_with_checkov_merges_its_findings(checkov_exe: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """`finguard check --with-checkov` end to end: CKV_* findings beside finguard's own."""
    import json

    from .test_cli import run

    monkeypatch.setenv("FINGUARD_CHECKOV", str(checkov_exe))
    plan = Path(__file__).parent / "fixtures" / "plans" / "checkov_sample.json"
    code, out, _ = run(capsys, "check", str(plan), "--with-checkov", "--format", "json")
    doc = json.loads(out)
    ids = {f["policy_id"] for f in doc["findings"]}
    assert "CKV_AWS_3" in ids and any(i.startswith("FG-") for i in ids)
    assert code in (0, 1)
