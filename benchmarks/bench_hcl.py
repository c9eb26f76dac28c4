"""Benchmark HCL mode: a directory of 200 .tf files holding 2,000 resources, read and checked.

Target (issue #5): `finguard check DIR` <= 3 s. Measured cold (no parse cache: every file parsed by
python-hcl2) and warm (the content-addressed parse cache that pre-commit runs hit for unchanged files).
Run: python benchmarks/bench_hcl.py
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_breakdown import precompile, run_cli

FILES = 200
PER_FILE = 10
TARGET_S = 3.0

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


def resource(rng: random.Random, f: int, i: int) -> str:
    kind = rng.choice(["instance", "instance", "volume", "volume", "nat", "sg", "lb"])
    name = f"r{f}_{i}"
    if kind == "instance":
        size = rng.choice(["small", "medium", "large"])
        return f'''
resource "aws_instance" "{name}" {{
  instance_type = lookup(var.sizes, "{size}", "t3.micro")
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
  count             = {rng.choice([1, 2])}
  availability_zone = "${{var.region}}a"
  size              = {rng.choice([20, 100, 500])}
  type              = "{rng.choice(["gp2", "gp3", "io1", "st1"])}"
  iops              = 3000
  encrypted         = true
}}
'''
    if kind == "nat":
        return f'resource "aws_nat_gateway" "{name}" {{\n  subnet_id = "subnet-{f}"\n}}\n'
    if kind == "lb":
        return f'resource "aws_lb" "{name}" {{\n  load_balancer_type = "application"\n  name = "{name}"\n}}\n'
    return f'resource "aws_security_group" "{name}" {{\n  name = "${{local.name}}-{name}"\n}}\n'


def write_tree(root: Path, seed: int = 11) -> None:
    rng = random.Random(seed)
    (root / "main.tf").write_text(HEADER)
    for f in range(FILES - 1):
        (root / f"svc_{f:03d}.tf").write_text("".join(resource(rng, f, i) for i in range(PER_FILE)))


def main() -> None:
    precompile()
    home = tempfile.mkdtemp(prefix="finguard-bench-")
    os.environ["FINGUARD_HOME"] = home
    run_cli(["pricing", "coverage"])  # compile the catalog outside the timings
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tf"
        tree.mkdir()
        write_tree(tree)
        out = str(Path(tmp) / "o.json")
        cold = []
        for _ in range(3):
            shutil.rmtree(Path(home) / "hcl-cache", ignore_errors=True)
            cold.append(run_cli(["check", str(tree), "--format", "json", "--out", out], ok_codes=(0, 1)))
        warm = [run_cli(["check", str(tree), "--format", "json", "--out", out], ok_codes=(0, 1)) for _ in range(3)]
        for label, runs in (("cold (parse every file)", cold), ("warm (parse cache)", warm)):
            wall = statistics.median(r[0] for r in runs)
            rss = max(r[1] for r in runs)
            verdict = wall <= TARGET_S
            ok &= verdict if label.startswith("cold") else True
            print(f"check DIR, {FILES} files / ~{FILES * PER_FILE} resources, {label}: {wall:.2f} s, "
                  f"peak RSS {rss:.0f} MB [target <= {TARGET_S} s] {'OK' if verdict else 'MISSED'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
