"""Benchmark: Checkov vs `finguard check` on the same generated plan, wall time measured in one run.

Both tools run as fresh processes on the same `terraform show -json` file, timed the same way
(wall clock and peak RSS of the child, median of --repeat runs after one untimed warm-up run), and
the ratio checkov/finguard is printed.

Scope. Checkov is timed twice:
  * "comparable": `--check` limited to COMPARABLE_CHECKS, Checkov's resource-level AWS checks on the
    resource types finguard prices (EC2, EBS, RDS), the closest match to finguard's packs. Checkov
    has no built-in instance-type allow-list or required-tags check (those need custom policies),
    so finguard's cost and tagging policies have no direct counterpart. Checkov still parses the
    whole plan and builds its graph, so this saves less than the check count suggests.
  * "all": Checkov's default AWS/Terraform check set, as most users run it.

Checkov reads resources from `planned_values`, which generate_plan.py fills from `resource_changes`
the way Terraform does (create/update/no-op/replace resources with their `after` values, nested by
module; deletes absent).

Checkov runs from its own virtualenv (never finguard's; see finguard/policy/checkov.py), found by
--checkov, $FINGUARD_CHECKOV, PATH, or the test suite's cached venv.

Run: python benchmarks/bench_check_vs_checkov.py [--count 1000] [--repeat 3] [--checkov PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_breakdown import precompile
from generate_plan import generate

from finguard.errors import InputError
from finguard.policy.checkov import checkov_command, checkov_env, find_checkov, parse_report

# Checkov check id -> what it checks; resource-level checks on the types finguard prices.
COMPARABLE_CHECKS: dict[str, str] = {
    "CKV_AWS_3": "EBS volume encrypted",
    "CKV_AWS_189": "EBS volume encrypted with a customer-managed KMS key",
    "CKV_AWS_8": "EC2 instance / launch configuration block devices encrypted",
    "CKV_AWS_79": "EC2 instance metadata service v2 required",
    "CKV_AWS_88": "EC2 instance without a public IP",
    "CKV_AWS_126": "EC2 detailed monitoring enabled",
    "CKV_AWS_135": "EC2 instance EBS-optimized",
    "CKV_AWS_16": "RDS storage encrypted",
    "CKV_AWS_157": "RDS Multi-AZ",
}

TEST_CACHE_VENV = Path.home() / ".cache" / "finguard-tests" / "checkov-venv"


class FinguardCheckUnavailable(Exception):
    """`finguard check` does not exist in this build yet."""


def timed(cmd: list[str], *, env: dict[str, str] | None = None, cwd: str | None = None,
          out: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MB) and exit code of one child process; stdout goes to `out`."""
    with out.open("w") as fh:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env,
                                cwd=cwd)
        assert proc.stderr is not None
        stderr = proc.stderr.read()  # drain so a chatty child cannot block on a full pipe
        proc.stderr.close()
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        tail = stderr.decode(errors="replace").strip().splitlines()[-1:]
        raise RuntimeError(f"{Path(cmd[0]).name} exited with {code}: {' '.join(tail)}")
    return elapsed, usage.ru_maxrss / 1024, code


def locate_checkov(configured: str | None) -> Path:
    try:
        return find_checkov(configured)
    except InputError:
        if configured is None and (TEST_CACHE_VENV / "bin" / "checkov").is_file():
            return find_checkov(TEST_CACHE_VENV)
        raise


def run_checkov_timed(plan: Path, checkov: Path, checks: list[str], workdir: Path,
                      repeat: int) -> tuple[float, float, str]:
    """Median wall time, peak RSS and a one-line result summary of `checkov -f plan` (offline flags)."""
    cmd = checkov_command(plan, checkov, checks=checks)
    out = workdir / "checkov.json"
    env = checkov_env()
    timed(cmd, env=env, cwd=str(workdir), out=out)  # warm-up: OS caches, .pyc
    runs = [timed(cmd, env=env, cwd=str(workdir), out=out) for _ in range(repeat)]
    report = parse_report(json.loads(out.read_text()), plan_path=plan)
    summary = (f"{report.resource_count} resources, {report.failed} failed / {report.passed} passed checks, "
               f"{len(report.policies)} distinct failing checks (checkov {report.checkov_version})")
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs), summary


# ---------------------------------------------------------------------------------------------
# finguard side: the lead is building `finguard check`
# ---------------------------------------------------------------------------------------------

def run_finguard_check(plan: Path) -> float:
    """Wall seconds of one `python -m finguard check PLAN --format json` (exit 1 = policy failures, fine).

    Raises FinguardCheckUnavailable while the command does not exist yet.
    """
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "finguard.json"
        cmd = [sys.executable, "-m", "finguard", "check", str(plan), "--format", "json"]
        probe = subprocess.run([sys.executable, "-m", "finguard", "check", "--help"], capture_output=True,
                               text=True)
        if probe.returncode != 0:
            raise FinguardCheckUnavailable(" ".join(probe.stderr.strip().splitlines()[-1:]) or "no such command")
        elapsed, _, _ = timed(cmd, out=out)
        json.loads(out.read_text())  # it must have printed its JSON report
        return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000, help="resources in the generated plan")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per tool (median reported)")
    parser.add_argument("--checkov", help="checkov executable or its virtualenv")
    args = parser.parse_args()
    precompile()

    os.environ.setdefault("FINGUARD_HOME", tempfile.mkdtemp(prefix="finguard-bench-"))
    checkov = locate_checkov(args.checkov)
    with tempfile.TemporaryDirectory(prefix="finguard-bench-") as tmp:
        workdir = Path(tmp)
        plan = workdir / "plan.json"
        plan.write_text(json.dumps(generate(args.count)))
        print(f"plan: {args.count} resources ({plan.stat().st_size / 1e6:.1f} MB); checkov: {checkov}")

        checkov_times: dict[str, float] = {}
        for label, checks in (("comparable", list(COMPARABLE_CHECKS)), ("all", [])):
            wall, rss, summary = run_checkov_timed(plan, checkov, checks, workdir, args.repeat)
            checkov_times[label] = wall
            scope = f"--check {len(checks)} ids" if checks else "default checks"
            print(f"checkov [{label}, {scope}]: {wall:.2f} s (median of {args.repeat}), peak RSS {rss:.0f} MB; "
                  f"{summary}")

        try:
            run_finguard_check(plan)  # warm-up: compiles the price catalog outside the timings
            finguard = statistics.median(run_finguard_check(plan) for _ in range(args.repeat))
        except FinguardCheckUnavailable:
            print("finguard check not available yet")
            return
        print(f"finguard check: {finguard:.2f} s (median of {args.repeat})")
        for label, wall in checkov_times.items():
            print(f"ratio checkov[{label}]/finguard: {wall / finguard:.1f}x")


if __name__ == "__main__":
    main()
