"""Benchmark `finguard check` (all built-in packs) end to end, and the embedded Rego evaluator alone.

Targets (issue #4): 1k resources <= 1 s; 10k <= 5 s; embedded Rego over 1k resources <= 0.2 s.
The side-by-side ratio against Checkov is benchmarks/bench_check_vs_checkov.py.
Run: python benchmarks/bench_check.py
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_breakdown import precompile, run_cli
from generate_plan import generate

TARGETS = {1000: 1.0, 10000: 5.0}
REGO_TARGET_S = 0.2


def bench_rego(count: int = 1000, repeat: int = 5) -> float:
    """Median seconds for the embedded evaluator to run every built-in Rego policy over `count` resources."""
    from finguard.config import FinguardConfig
    from finguard.policy.engine import _views, builtin_packs, builtin_policies_dir, rego_input
    from finguard.policy.rego import EmbeddedEvaluator, load_rego_modules
    from finguard.pricing.catalog import Catalog
    from finguard.pricing.estimate import estimate
    from finguard.terraform.plan import plan_to_project

    project = plan_to_project(generate(count))
    catalog = Catalog.open_default()
    after, before = estimate(project, catalog, "after"), estimate(project, catalog, "before")
    config = FinguardConfig.model_validate({"regions": {"allowed": ["us-east-1"]}})
    doc = rego_input(project, _views(project, after, before), before, after, config)
    root = builtin_policies_dir()
    modules, _ = load_rego_modules([(root / p, p) for p in builtin_packs()])
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        EmbeddedEvaluator().evaluate(modules, doc)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    precompile()
    os.environ["FINGUARD_HOME"] = tempfile.mkdtemp(prefix="finguard-bench-")
    run_cli(["pricing", "coverage"])  # compile the catalog once, outside the timings
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for count, limit in TARGETS.items():
            plan = Path(tmp) / f"plan-{count}.json"
            plan.write_text(json.dumps(generate(count)))
            runs = [run_cli(["check", str(plan), "--format", "json", "--out", str(Path(tmp) / "o.json")],
                            ok_codes=(0, 1)) for _ in range(3)]
            wall = statistics.median(r[0] for r in runs)
            rss = max(r[1] for r in runs)
            verdict = wall <= limit
            ok &= verdict
            print(f"check {count:>6} resources: {wall:.2f} s (median of 3), peak RSS {rss:.0f} MB "
                  f"[target <= {limit} s] {'OK' if verdict else 'MISSED'}")
    rego = bench_rego()
    ok &= rego <= REGO_TARGET_S
    print(f"embedded Rego, built-in policies over 1,000 resources: {rego * 1000:.1f} ms "
          f"[target <= {REGO_TARGET_S * 1000:.0f} ms] {'OK' if rego <= REGO_TARGET_S else 'MISSED'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
