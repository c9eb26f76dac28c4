"""Benchmark `finguard breakdown` end to end (wall time, peak RSS) and catalog look-ups per second.

Targets (issue #3): 1k resources <= 1.5 s; 10k <= 5 s and <= 500 MB RSS; >= 100,000 look-ups/s.
Run: python benchmarks/bench_breakdown.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_plan import generate

TARGETS = {1000: (1.5, None), 10000: (5.0, 500.0)}


def run_cli(args: list[str], ok_codes: tuple[int, ...] = (0,), tree: Path | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one CLI run, measured on the child process itself (`tree`: run that
    checkout of finguard instead, from its own directory: `python -m` puts the working directory first on
    sys.path, so a run from this checkout would import this finguard whatever PYTHONPATH says)."""
    env = None if tree is None else {**os.environ, "PYTHONPATH": str(tree)}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "finguard", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=tree, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in ok_codes:
        raise SystemExit(f"finguard {' '.join(args)} failed with {os.waitstatus_to_exitcode(status)}")
    return elapsed, usage.ru_maxrss / 1024


def bench_lookups(seconds: float = 1.0) -> float:
    from finguard.pricing.catalog import Catalog

    catalog = Catalog.open_default()
    queries = [("AmazonEC2", "us-east-1", {"productFamily": "Compute Instance", "instanceType": t,
                                           "operatingSystem": "Linux", "tenancy": "Shared", "preInstalledSw": "NA",
                                           "capacitystatus": "Used", "licenseModel": "No License required"})
               for t in ("m5.large", "t3.micro", "c5.2xlarge", "r5.large", "x1.nope")]
    queries += [("AmazonEC2", "us-east-1", {"productFamily": "Storage", "volumeApiName": v})
                for v in ("gp2", "gp3", "io1")]
    for q in queries:  # warm the lazily built indexes, as a real run does on first use
        catalog.lookup(*q)
    n = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for q in queries:
            catalog.lookup(*q)
        n += len(queries)
    return n / (time.perf_counter() - start)


def precompile(root: Path | None = None) -> None:
    """Write bytecode first, as `pip install` does for a wheel: this machine sets PYTHONDONTWRITEBYTECODE,
    and an editable checkout would otherwise recompile finguard and the policy packs on every run."""
    import compileall

    root = root or Path(__file__).resolve().parent.parent
    for directory in ("finguard", "policies"):
        compileall.compile_dir(root / directory, quiet=1)


def main() -> None:
    precompile()
    env_home = tempfile.mkdtemp(prefix="finguard-bench-")
    os.environ["FINGUARD_HOME"] = env_home
    run_cli(["pricing", "coverage"])  # compile the catalog once, outside the timings
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for count, (max_s, max_mb) in TARGETS.items():
            plan = Path(tmp) / f"plan-{count}.json"
            plan.write_text(__import__("json").dumps(generate(count)))
            runs = [run_cli(["breakdown", str(plan), "--format", "json", "--out", str(Path(tmp) / "o.json")])
                    for _ in range(3)]
            wall = statistics.median(r[0] for r in runs)
            rss = max(r[1] for r in runs)
            verdict = wall <= max_s and (max_mb is None or rss <= max_mb)
            ok &= verdict
            limit = f"<= {max_s} s" + (f", <= {max_mb:.0f} MB" if max_mb else "")
            print(f"breakdown {count:>6} resources: {wall:.2f} s (median of 3), peak RSS {rss:.0f} MB "
                  f"[target {limit}] {'OK' if verdict else 'MISSED'}")
    rate = bench_lookups()
    ok &= rate >= 100_000
    print(f"catalog look-ups: {rate:,.0f}/s [target >= 100,000/s] {'OK' if rate >= 100_000 else 'MISSED'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
