"""Run Checkov on a plan as a separate process and turn its failed checks into finguard findings.

Why a subprocess from its own virtualenv: Checkov depends on `bc-python-hcl2`, which installs a
module named `hcl2` over the one finguard's own dependency `python-hcl2` provides. Installing both
in one environment silently breaks finguard's HCL parsing, so finguard never imports Checkov and
refuses to run one that lives in finguard's own environment.

Why the scrubbed environment and fixed flags: Checkov talks to the Prisma Cloud platform when it
has an API key and downloads guideline mappings and update notices unless told not to. finguard runs
it offline (`--skip-download`, `BC_SKIP_MAPPING`, no update check) and never hands it finguard's
tokens or cloud credentials.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from finguard.errors import InputError
from finguard.policy.model import Finding, FindingKind, PolicyMeta, Severity

ENV_VAR = "FINGUARD_CHECKOV"

# Settings that keep Checkov offline and quiet; they win over anything inherited.
OFFLINE_ENV: dict[str, str] = {
    "BC_SKIP_MAPPING": "TRUE",  # no download of guideline / BC-id mappings
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",  # no PyPI "new version available" query
    "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false",  # SCA scans need the platform
    "CKV_GITHUB_CONFIG_FETCH_DATA": "false",
    "CKV_GITLAB_CONFIG_FETCH_DATA": "false",
    "CKV_BITBUCKET_CONFIG_FETCH_DATA": "false",
    "ANSI_COLORS_DISABLED": "1",
    "LOG_LEVEL": "WARNING",  # an inherited LOG_LEVEL=DEBUG would bury the error tail we report
    "PYTHONIOENCODING": "utf-8",
}

# Inherited variables Checkov must not see: secrets by name, the platform endpoints (an API key or
# Prisma URL switches Checkov to platform mode), and Python path overrides that could make Checkov's
# interpreter import finguard's packages (including the other `hcl2`).
_SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|KEY|CREDENTIAL|(^|_)PAT$|(^|_)AUTH", re.IGNORECASE)
_DROPPED = frozenset({"PRISMA_API_URL", "BC_API_URL", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP",
                      "PYTHONUSERBASE", "VIRTUAL_ENV"})

_CHECKOV_SEVERITY = {"CRITICAL": Severity.CRITICAL, "HIGH": Severity.HIGH, "MEDIUM": Severity.MEDIUM,
                     "LOW": Severity.LOW, "INFO": Severity.INFO, "INFORMATIONAL": Severity.INFO}

# `module.a.module.b["k"].aws_instance.web[0]` -> `aws_instance` (module prefixes and `data.` skipped).
_RESOURCE_TYPE = re.compile(r'^(?:module\.[^.\[]+(?:\[(?:"[^"]*"|[^\]]*)\])?\.)*(?:data\.)?([A-Za-z0-9_-]+)\.')


class CheckovRun(BaseModel):
    """What one Checkov run found: findings in finguard's terms plus Checkov's own counts."""

    findings: list[Finding] = Field(default_factory=list)
    policies: list[PolicyMeta] = Field(default_factory=list)  # every check seen (failed, or passed when listed)
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    resource_count: int = 0
    checkov_version: str = ""
    duration_s: float = 0.0
    command: list[str] = Field(default_factory=list)
    # (check_id, address) pairs; filled only with include_passed=True (Checkov's --quiet drops them)
    passed_checks: list[tuple[str, str]] = Field(default_factory=list)
    skipped_checks: list[tuple[str, str]] = Field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Finding the executable
# ---------------------------------------------------------------------------------------------

def find_checkov(configured: str | os.PathLike[str] | None = None) -> Path:
    """The Checkov executable: the configured value, else $FINGUARD_CHECKOV, else `checkov` on PATH.

    A configured value or FINGUARD_CHECKOV may name the executable or the virtualenv holding it.
    Whatever is found is refused when it lives in finguard's own Python environment (see module doc).
    """
    if configured:
        path = _executable_from(Path(configured).expanduser(), where="configured checkov")
    elif os.environ.get(ENV_VAR):
        path = _executable_from(Path(os.environ[ENV_VAR]).expanduser(), where=ENV_VAR)
    else:
        found = shutil.which("checkov")
        if found is None:
            raise InputError(
                "checkov not found: install it in its own virtualenv (python -m venv ~/.venvs/checkov && "
                "~/.venvs/checkov/bin/pip install checkov) and set FINGUARD_CHECKOV=~/.venvs/checkov; "
                "never into finguard's environment, where its bc-python-hcl2 replaces finguard's hcl2")
        path = Path(found)
    refuse_own_environment(path)
    return path


def _executable_from(path: Path, *, where: str) -> Path:
    """Accept an executable file or a virtualenv directory (its bin/checkov)."""
    if path.is_dir():
        for candidate in (path / "bin" / "checkov", path / "Scripts" / "checkov.exe", path / "checkov"):
            if candidate.is_file():
                path = candidate
                break
        else:
            raise InputError(f"{path} is a directory without bin/checkov", where=where)
    if not path.is_file():
        raise InputError(f"checkov executable {path} does not exist", where=where)
    if not os.access(path, os.X_OK):
        raise InputError(f"{path} is not executable", where=where)
    return path


def refuse_own_environment(executable: Path) -> None:
    """Raise InputError when `executable` belongs to the Python environment finguard runs in."""
    own = _resolved(Path(sys.prefix))
    env = python_environment_of(executable)
    if env is not None and env == own:
        raise InputError(
            f"{executable} runs in finguard's own Python environment ({own}). Checkov must not be "
            "installed there: its dependency bc-python-hcl2 overwrites the `hcl2` module finguard needs "
            "(python-hcl2). Install checkov into a separate virtualenv and point FINGUARD_CHECKOV at it, "
            "and reinstall python-hcl2 here (pip install --force-reinstall python-hcl2).")


def python_environment_of(executable: Path) -> Path | None:
    """The environment root (sys.prefix) a console script would run in, or None if not a Python script.

    Read from the script's shebang (plain, `/usr/bin/env python`, or pip's `exec` trampoline for long
    paths); a script sitting in an environment's bin/ counts as that environment's too.
    """
    roots: set[Path] = set()
    bindir = executable.parent
    if (bindir.parent / "pyvenv.cfg").is_file():
        roots.add(_resolved(bindir.parent))
    interpreter = _shebang_interpreter(executable)
    if interpreter is not None:
        roots.add(_environment_root(interpreter))
    own = _resolved(Path(sys.prefix))
    if own in roots:
        return own
    return next(iter(roots), None)


def _shebang_interpreter(executable: Path) -> Path | None:
    try:
        with executable.open("rb") as fh:
            head = fh.read(1024)
    except OSError:
        return None
    if not head.startswith(b"#!"):
        return None
    text = head.decode("utf-8", "replace")
    first = text.splitlines()[0][2:].strip()
    trampoline = re.search(r"""^'''exec' "?([^"\n]+?)"? "\$0" "\$@"$""", text, re.MULTILINE)
    if trampoline:  # pip writes `#!/bin/sh` + exec line when the interpreter path is long or has spaces
        return Path(trampoline.group(1))
    parts = first.split()
    if not parts:
        return None
    if Path(parts[0]).name == "env":
        args = [p for p in parts[1:] if not p.startswith("-")]
        found = shutil.which(args[0]) if args else None
        return Path(found) if found else None
    return Path(parts[0])


def _environment_root(interpreter: Path) -> Path:
    """bin/python -> its prefix: the venv holding pyvenv.cfg, else the installation (bin/..)."""
    if not interpreter.is_absolute():
        interpreter = Path(shutil.which(str(interpreter)) or interpreter)
    # Do not resolve the interpreter itself: a venv's python is a symlink to the base installation.
    return _resolved(interpreter.parent.parent)


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path.absolute()


# ---------------------------------------------------------------------------------------------
# Running it
# ---------------------------------------------------------------------------------------------

def checkov_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment Checkov runs with: the inherited one minus secrets, plus the offline settings."""
    source = os.environ if base is None else base
    env = {k: v for k, v in source.items() if k not in _DROPPED and not _SECRET_NAME.search(k)}
    env.update(OFFLINE_ENV)
    return env


def checkov_command(plan_path: Path, executable: Path, *, checks: Sequence[str] = (),
                    include_passed: bool = False, extra_args: Iterable[str] = ()) -> list[str]:
    """The argv for one run; flags verified against checkov 3.3.x."""
    cmd = [str(executable), "-f", str(plan_path), "--framework", "terraform_plan", "-o", "json",
           "--compact", "--skip-download"]
    if not include_passed:
        cmd.append("--quiet")  # in JSON output this drops passed_checks: smaller output on big plans
    if checks:
        cmd += ["--check", ",".join(checks)]
    return cmd + list(extra_args)


def run_checkov(plan_path: Path, *, executable: Path, timeout: float = 600, extra_args: Iterable[str] = (),
                checks: Sequence[str] = (), include_passed: bool = False,
                default_severity: Severity = Severity.MEDIUM) -> CheckovRun:
    """Run Checkov's terraform_plan framework on a `terraform show -json` file and map the result.

    Exit code 1 only means "failed checks found". Everything that keeps us from trusting the result
    (missing executable, timeout, crash, output that is not Checkov's JSON, a plan Checkov could not
    parse) raises InputError with one line, since a silently empty result would fail open.
    """
    plan_path = Path(plan_path)
    _validate_plan(plan_path)
    cmd = checkov_command(plan_path.resolve(), executable, checks=checks, include_passed=include_passed,
                          extra_args=extra_args)
    start = time.perf_counter()
    # A scratch cwd: Checkov reads .checkov.yaml from its cwd and may write caches there.
    with tempfile.TemporaryDirectory(prefix="finguard-checkov-") as cwd:
        stdout, stderr, code = _run(cmd, cwd=cwd, timeout=timeout, executable=executable)
    duration = time.perf_counter() - start
    if code not in (0, 1):
        raise InputError(f"checkov exited with {code}: {_tail(stderr) or _tail(stdout) or 'no output'}",
                         where=str(executable))
    try:
        data = json.loads(stdout)
    except json.JSONDecodeError:
        detail = _tail(stdout) or _tail(stderr) or "empty output"
        raise InputError(f"checkov did not print JSON: {detail}", where=str(executable)) from None
    run = parse_report(data, plan_path=plan_path, default_severity=default_severity)
    run.duration_s = duration
    run.command = cmd
    return run


def _validate_plan(plan_path: Path) -> None:
    """Checkov reports an empty, passing result for a missing or unparsable file: check it first."""
    if not plan_path.is_file():
        raise InputError("plan file does not exist", where=str(plan_path))
    try:
        with plan_path.open("rb") as fh:
            doc = json.load(fh)
    except (OSError, ValueError) as exc:
        raise InputError(f"not a JSON plan ({exc})", where=str(plan_path)) from None
    if not isinstance(doc, dict) or not ({"planned_values", "resource_changes"} & doc.keys()):
        raise InputError("not a `terraform show -json` plan (no planned_values / resource_changes)",
                         where=str(plan_path))


def _run(cmd: list[str], *, cwd: str, timeout: float, executable: Path) -> tuple[str, str, int]:
    """Run in a new session so a timeout kills Checkov's worker processes too, not just the parent."""
    try:
        proc = subprocess.Popen(cmd, cwd=cwd, env=checkov_env(), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                encoding="utf-8", errors="replace", start_new_session=True)
    except OSError as exc:
        raise InputError(f"cannot run checkov: {exc.strerror or exc}", where=str(executable)) from None
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise InputError(f"checkov did not finish within {timeout:g} s", where=str(executable)) from None
    except BaseException:
        _kill_group(proc)
        raise
    return stdout, stderr, proc.returncode


def _kill_group(proc: subprocess.Popen[str]) -> None:
    try:
        if hasattr(os, "killpg"):
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover - Windows has no process groups
            proc.kill()
    except (ProcessLookupError, PermissionError):
        proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.communicate(timeout=5)


def _tail(text: str, limit: int = 300) -> str:
    """Last meaningful line of a stream, for one-line errors."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    last = lines[-1]
    return last if len(last) <= limit else "..." + last[-limit:]


# ---------------------------------------------------------------------------------------------
# Mapping the report
# ---------------------------------------------------------------------------------------------

def parse_report(data: Any, *, plan_path: Path | None = None,
                 default_severity: Severity = Severity.MEDIUM) -> CheckovRun:
    """Checkov's JSON report (a dict, or a list with one dict per framework) -> CheckovRun."""
    reports = data if isinstance(data, list) else [data]
    if not reports or not all(isinstance(r, dict) for r in reports):
        raise InputError("checkov printed JSON that is not a report")
    run = CheckovRun()
    metas: dict[str, PolicyMeta] = {}
    for report in reports:
        # With no matching resources Checkov prints only the summary counts, without check_type.
        summary = report.get("summary", report)
        if not isinstance(summary, dict) or not ({"passed", "failed"} <= summary.keys()):
            raise InputError("checkov printed JSON without a summary")
        if int(summary.get("parsing_errors") or 0):
            raise InputError(f"checkov could not parse {plan_path or 'the plan'} "
                             f"({summary['parsing_errors']} parsing error(s))")
        run.passed += int(summary.get("passed") or 0)
        run.failed += int(summary.get("failed") or 0)
        run.skipped += int(summary.get("skipped") or 0)
        run.resource_count += int(summary.get("resource_count") or 0)
        run.checkov_version = str(summary.get("checkov_version") or run.checkov_version)
        results = report.get("results") or {}
        for check in results.get("failed_checks") or []:
            finding = _finding(check, plan_path, default_severity)
            run.findings.append(finding)
            _note_meta(metas, check, finding.severity, finding.resource_type, run.checkov_version)
        for key, target in (("passed_checks", run.passed_checks), ("skipped_checks", run.skipped_checks)):
            for check in results.get(key) or []:
                address = _address(check)
                target.append((str(check.get("check_id")), address))
                _note_meta(metas, check, _severity(check, default_severity), _resource_type(address),
                           run.checkov_version)
    run.policies = sorted(metas.values(), key=lambda m: m.id)
    return run


def _finding(check: dict[str, Any], plan_path: Path | None, default_severity: Severity) -> Finding:
    address = _address(check)
    file, line = _location(check, plan_path)
    name = str(check.get("check_name") or check.get("check_id"))
    return Finding(policy_id=str(check.get("check_id")), title=name, severity=_severity(check, default_severity),
                   kind=FindingKind.VIOLATION, address=address or None, resource_type=_resource_type(address),
                   message=name, remediation=str(check.get("guideline") or ""), file=file, line=line)


def _note_meta(metas: dict[str, PolicyMeta], check: dict[str, Any], severity: Severity,
               resource_type: str | None, version: str) -> None:
    check_id = str(check.get("check_id"))
    meta = metas.get(check_id)
    if meta is None:
        meta = metas[check_id] = PolicyMeta(
            id=check_id, title=str(check.get("check_name") or check_id), severity=severity,
            remediation=str(check.get("guideline") or ""), pack="checkov", language="checkov",
            source=f"checkov {version}".strip())
    if resource_type and resource_type not in meta.resource_types:
        meta.resource_types.append(resource_type)


def _address(check: dict[str, Any]) -> str:
    return str(check.get("resource_address") or check.get("resource") or "")


def _resource_type(address: str) -> str | None:
    match = _RESOURCE_TYPE.match(address)
    return match.group(1) if match else None


def _severity(check: dict[str, Any], default: Severity) -> Severity:
    raw = check.get("severity")
    if isinstance(raw, dict):  # some versions emit {"name": "HIGH", ...}
        raw = raw.get("name")
    return _CHECKOV_SEVERITY.get(str(raw).upper(), default) if raw else default


def _location(check: dict[str, Any], plan_path: Path | None) -> tuple[str | None, int | None]:
    """file:line only when it names a real file; the plan keeps the user's spelling of its path."""
    candidates = [check.get("file_abs_path"), check.get("file_path")]
    if plan_path is not None and check.get("file_path"):
        candidates.append(str(plan_path.parent / str(check["file_path"]).lstrip("/")))
    for raw in candidates:
        if not raw or not Path(str(raw)).is_file():
            continue
        path = Path(str(raw))
        file = str(plan_path) if plan_path is not None and _resolved(path) == _resolved(plan_path) else str(path)
        lines = check.get("file_line_range") or []
        line = int(lines[0]) if lines and isinstance(lines[0], int) and lines[0] > 0 else None
        return file, line
    return None, None
