"""Benchmark HCL mode: `finguard check DIR` on 200 generated .tf files holding ~2,000 resources, and how HCL mode
scales with the number of resources.

Targets (issue #18): cold (no parse cache: every file parsed) <= 1.5 s on 2 cores; the web-app example's HCL read
<= 0.3 s. Warm is the content-addressed parse cache that pre-commit runs hit for unchanged files. The same cold run
with python-hcl2's own parser (FINGUARD_HCL_PARSER=hcl2) is timed alongside, so the speed-up is measured on the
same machine at the same moment (this one is often shared: the load average is printed too).
Scaling: `finguard breakdown DIR` cold at 1k / 10k / 50k resource instances (10,000 resource blocks is finguard's
per-run limit, so every size is blocks with `count = 5`: 200, 2,000 and 10,000 blocks), with wall time, CPU time
and peak RSS, and whether the CPU time per resource stays flat (linear growth).
Hostile files: one 1 MiB .tf file (finguard's per-file limit) of each shape -- plain attributes, interpolations in
one string, list items, an operator chain, deep nesting -- parsed in process: time, and the error where one is due.
Run: python benchmarks/bench_hcl.py [--no-scaling] [--no-hostile]
"""

from __future__ import annotations

import itertools
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_breakdown import precompile

REPO = Path(__file__).resolve().parent.parent
FILES = 200
PER_FILE = 10
TARGET_S = 1.5
WEB_APP_TARGET_S = 0.3
SCALES = [(1_000, 200, 5), (10_000, 2_000, 5), (50_000, 10_000, 5)]  # (instances, blocks, count per block)

HEADER = '''
provider "aws" {
  region = var.region
  default_tags {
    tags = local.common_tags
  }
}
variable "region" { default = "us-east-1" }
variable "env" { default = "prod" }
variable "sizes" {
  default = { small = "t3.micro", medium = "m5.large", large = "m5.2xlarge" }
}
locals {
  common_tags = { team = "bench", env = var.env, cost-center = "CC-1234" }
  name        = "bench-${var.env}"
}
'''


def resource(rng: random.Random, f: int, i: int, count: int = 1) -> str:
    kind = rng.choice(["instance", "instance", "volume", "volume", "nat", "sg", "lb"])
    name = f"r{f}_{i}"
    repeat = f"  count = {count}\n" if count > 1 else ""
    if kind == "instance":
        size = rng.choice(["small", "medium", "large"])
        return f'''
resource "aws_instance" "{name}" {{
{repeat}  instance_type = lookup(var.sizes, "{size}", "t3.micro")
  monitoring    = {str(rng.random() < 0.3).lower()}
  root_block_device {{
    volume_type = "gp3"
    volume_size = {rng.choice([8, 20, 50])}
  }}
  tags = merge(local.common_tags, {{ Name = "${{local.name}}-{name}" }})
}}
'''
    if kind == "volume":
        return f'''
resource "aws_ebs_volume" "{name}" {{
  count             = {count if count > 1 else rng.choice([1, 2])}
  availability_zone = "${{var.region}}a"
  size              = {rng.choice([20, 100, 500])}
  type              = "{rng.choice(["gp2", "gp3", "io1", "st1"])}"
  iops              = 3000
  encrypted         = true
}}
'''
    if kind == "nat":
        return f'resource "aws_nat_gateway" "{name}" {{\n{repeat}  subnet_id = "subnet-{f}"\n}}\n'
    if kind == "lb":
        return (f'resource "aws_lb" "{name}" {{\n{repeat}  load_balancer_type = "application"\n'
                f'  name = "{name}"\n}}\n')
    return f'resource "aws_security_group" "{name}" {{\n{repeat}  name = "${{local.name}}-{name}"\n}}\n'


def write_tree(root: Path, seed: int = 11, files: int = FILES, per_file: int = PER_FILE, count: int = 1) -> None:
    rng = random.Random(seed)
    (root / "main.tf").write_text(HEADER)
    for f in range(files - 1):
        (root / f"svc_{f:04d}.tf").write_text("".join(resource(rng, f, i, count) for i in range(per_file)))


def run(args: list[str], env: dict[str, str], ok_codes: tuple[int, ...] = (0, 1)) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system, the process and the workers it waited for) and peak RSS (MB)."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "finguard", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in ok_codes:
        raise SystemExit(f"finguard {' '.join(args)} failed with {os.waitstatus_to_exitcode(status)}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def web_app_read(env: dict[str, str]) -> float:
    """Seconds to read examples/terraform/web-app in HCL mode (parse + evaluate), in a fresh process."""
    code = ("import time; t = time.perf_counter(); from finguard.terraform.hcl import load_directory, HclOptions; "
            f"load_directory({str(REPO / 'examples' / 'terraform' / 'web-app')!r}, HclOptions(environ={{}})); "
            "print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def main() -> None:
    precompile()
    home = tempfile.mkdtemp(prefix="finguard-bench-")
    base = {**os.environ, "FINGUARD_HOME": home}
    cold_env = {**base, "FINGUARD_NO_HCL_CACHE": "1"}
    hcl2_env = {**cold_env, "FINGUARD_HCL_PARSER": "hcl2"}
    run(["pricing", "coverage"], base, (0,))  # compile the catalog outside the timings
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tf"
        tree.mkdir()
        write_tree(tree)
        out = str(Path(tmp) / "o.json")
        args = ["check", str(tree), "--format", "json", "--out", out]
        cold, before = [], []
        for _ in range(3):  # interleaved, so both routes see the same machine
            cold.append(run(args, cold_env))
            before.append(run(args, hcl2_env))
        run(args, base)  # fills the parse cache
        warm = [run(args, base) for _ in range(3)]
        for label, runs, target in (("cold (parse every file)", cold, TARGET_S), ("warm (parse cache)", warm, None),
                                    ("cold, python-hcl2's parser", before, None)):
            wall = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            rss = max(r[2] for r in runs)
            verdict = "" if target is None else f" [target <= {target} s] {'OK' if wall <= target else 'MISSED'}"
            ok &= target is None or wall <= target
            print(f"check DIR, {FILES} files / ~{FILES * PER_FILE} resources, {label}: {wall:.2f} s "
                  f"(CPU {cpu:.2f} s), peak RSS {rss:.0f} MB{verdict}")
        ratio = statistics.median(r[0] for r in before) / statistics.median(r[0] for r in cold)
        print(f"  cold speed-up over python-hcl2's parser, same machine and moment: {ratio:.1f}x")
        web = statistics.median(web_app_read(cold_env) for _ in range(3))
        web_before = statistics.median(web_app_read(hcl2_env) for _ in range(3))
        ok &= web <= WEB_APP_TARGET_S
        print(f"examples/terraform/web-app HCL read (parse + evaluate, imports included), cold: {web:.2f} s "
              f"[target <= {WEB_APP_TARGET_S} s] {'OK' if web <= WEB_APP_TARGET_S else 'MISSED'}; "
              f"with python-hcl2's parser {web_before:.2f} s")
        if "--no-scaling" not in sys.argv:
            scaling(Path(tmp), cold_env)
    if "--no-hostile" not in sys.argv:
        hostile(cold_env)
    print(f"load average {os.getloadavg()[0]:.1f}")
    shutil.rmtree(home, ignore_errors=True)
    sys.exit(0 if ok else 1)


def scaling(tmp: Path, env: dict[str, str]) -> None:
    points = []
    for instances, blocks, count in SCALES:
        tree = tmp / f"scale-{instances}"
        tree.mkdir()
        write_tree(tree, seed=5, files=blocks // PER_FILE + 1, count=count)
        wall, cpu, rss = run(["breakdown", str(tree), "--format", "json", "--out", str(tmp / "s.json")], env)
        points.append((instances, wall, cpu, rss))
        print(f"breakdown DIR, ~{instances:,} resources ({blocks:,} blocks x count {count}), cold: {wall:.2f} s "
              f"(CPU {cpu:.2f} s), peak RSS {rss:.0f} MB")
    slopes = [(b[2] - a[2]) / (b[0] - a[0]) * 1000 for a, b in itertools.pairwise(points)]
    linear = max(slopes) <= 1.3 * min(slopes)
    print(f"  CPU per 1,000 more resources: {', '.join(f'{s:.2f} s' for s in slopes)} -> "
          f"{'linear' if linear else 'NOT linear'} (within 30%)")


HOSTILE = {  # shape -> (unit repeated to fill 1 MiB, text before, text after)
    "attributes": ("a{i} = {i}\n", "", ""),
    "interpolations in one string": ("${{v}}", 'x = "', '"\n'),
    "list items": ('"{i}",', "x = [", "]\n"),
    "operator chain": ("+1", "x = 1", "\n"),
    "nested parentheses": ("(", "x = ", "1{close}\n"),  # as many closing as opening: balanced
    "nested blocks": ("b {{\n", "", "{close}"),
}
CLOSERS = {"(": ")", "b {{\n": "}\n"}


def hostile(env: dict[str, str]) -> None:
    code = r"""
import sys, time
from finguard.errors import InputError
from finguard.terraform.hcl_files import parse_text as _parse_text
unit, before, after, close = sys.argv[1:5]
mib = 1_048_576
parts, size, i = [before], len(before) + len(after.replace("{close}", "")), 0
while size + len(unit.format(i=i)) + len(close) <= mib:
    parts.append(unit.format(i=i)); size += len(parts[-1]) + len(close); i += 1
text = "".join(parts) + after.replace("{close}", close * (len(parts) - 1))
_parse_text("a = 1\n", "warm.tf")  # the parser's tables, loaded once per process
started, cpu = time.perf_counter(), time.process_time()
try:
    _parse_text(text, "hostile.tf"); outcome = "parsed"
except InputError as exc:
    outcome = str(exc)
print(f"{time.perf_counter() - started:.2f} s (CPU {time.process_time() - cpu:.2f} s): {outcome}")
"""
    for shape, (unit, before, after) in HOSTILE.items():
        out = subprocess.run([sys.executable, "-c", code, unit, before, after, CLOSERS.get(unit, "")], env=env,
                             capture_output=True, text=True, check=True)
        print(f"1 MiB of {shape}: {out.stdout.strip()}")


if __name__ == "__main__":
    main()
