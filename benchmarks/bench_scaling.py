"""Scaling of `finguard breakdown` and `finguard check` on realistic generated plans: time and peak RSS at
1k / 10k / 45k resources (45k is issue 18's "big plan"), and whether each grows linearly.

Targets (issue 18): check 1k <= 0.3 s, 10k <= 1.5 s and <= 300 MB; at 45k breakdown <= 8 s, check <= 10 s,
both <= 1.5 GB. "Linear" means the time per resource at the largest size is within 1.5x of that at 10k (the 1k
run is dominated by start-up).
Run: python benchmarks/bench_scaling.py [--sizes 1000,10000,45000] [--repeat 3] [--compare-tree DIR]

--compare-tree DIR also runs another checkout of finguard (e.g. `git worktree add --detach DIR <commit>`), each
run alternating with this one's on the same plan, and prints both with the ratio: on a shared machine whose speed
drifts by 1.5x over a day, a before/after pair from one run is the only comparison that holds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_breakdown import precompile, run_cli
from generate_plan import generate

TARGETS: dict[tuple[str, int], tuple[float, float | None]] = {
    ("check", 1000): (0.3, None), ("check", 10000): (1.5, 300.0),
    ("breakdown", 45000): (8.0, 1500.0), ("check", 45000): (10.0, 1500.0),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,45000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--compare-tree", type=Path, help="another finguard checkout, run alternately")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    precompile()
    other = args.compare_tree.resolve() if args.compare_tree else None
    if other is not None:
        precompile(other)
    os.environ["FINGUARD_HOME"] = tempfile.mkdtemp(prefix="finguard-bench-")
    ok = True
    results: dict[tuple[str, int], float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        # the catalog compiles on first use (once per installation): a small plan through both commands first,
        # outside the timings
        warm = Path(tmp) / "warm-up.json"
        warm.write_text(json.dumps(generate(200)))
        for command in ("breakdown", "check"):
            for tree in (None, other) if other else (None,):
                run_cli([command, str(warm), "--format", "json", "--out", str(Path(tmp) / "o.json")], ok_codes=(0, 1),
                        tree=tree)
        for count in sizes:
            plan = Path(tmp) / f"plan-{count}.json"
            plan.write_text(json.dumps(generate(count)))
            size_mb = plan.stat().st_size / 1e6
            for command in ("breakdown", "check"):
                out = str(Path(tmp) / "o.json")
                argv = [command, str(plan), "--format", "json", "--out", out]
                runs, before = [], []
                for i in range(args.repeat if count <= 10000 else max(1, args.repeat // 2) if other else 1):
                    if other is not None and i % 2 == 0:  # alternate which goes first: back-to-back runs drift
                        before.append(run_cli(argv, ok_codes=(0, 1), tree=other))
                    runs.append(run_cli(argv, ok_codes=(0, 1)))
                    if other is not None and i % 2 == 1:
                        before.append(run_cli(argv, ok_codes=(0, 1), tree=other))
                wall = statistics.median(r[0] for r in runs)
                rss = max(r[1] for r in runs)
                if before:
                    was = statistics.median(r[0] for r in before)
                    print(f"{command:<9} {count:>6} resources, {other.name}: {was:6.2f} s, peak RSS "
                          f"{max(r[1] for r in before):6.0f} MB -> this tree {wall / was:.2f}x", flush=True)
                results[(command, count)] = wall
                target = TARGETS.get((command, count))
                verdict = ""
                if target:
                    good = wall <= target[0] and (target[1] is None or rss <= target[1])
                    ok &= good
                    verdict = f" [target <= {target[0]} s" + (f", <= {target[1]:.0f} MB" if target[1] else "") \
                        + f"] {'OK' if good else 'MISSED'}"
                print(f"{command:<9} {count:>6} resources ({size_mb:5.1f} MB plan): {wall:6.2f} s, "
                      f"peak RSS {rss:6.0f} MB, {wall / count * 1e6:6.0f} us/resource{verdict}", flush=True)
    big = max(sizes)
    for command in ("breakdown", "check"):
        if 10000 in sizes and big > 10000:
            ratio = (results[(command, big)] / big) / (results[(command, 10000)] / 10000)
            print(f"{command}: time per resource at {big:,} is {ratio:.2f}x that at 10,000 -> "
                  f"{'linear' if ratio <= 1.5 else 'NOT linear'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
