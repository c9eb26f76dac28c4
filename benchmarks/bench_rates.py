"""Benchmark effective rates: `finguard pricing rates --from-billing` on a large billing store, and what pricing at
effective rates adds to `finguard breakdown` on generated 1,000- and 10,000-resource plans.

Targets: deriving the overlay from 1 million FOCUS rows <= 10 s and <= 1 GB peak RSS (it is one grouped DuckDB
query and a few thousand groups in Python); `breakdown --rates effective` within 25% of `--rates list` on the same
plan (one dictionary probe per priced component).

Every step runs as its own `python -m finguard ...` process, timed (wall) and measured (peak RSS from wait4). The
billing data is the seeded generator's (`finguard billing generate`), written once under --work and reused.

Run:    python benchmarks/bench_rates.py                    # 1M rows
        python benchmarks/bench_rates.py --rows 10000000    # 10M rows (the store takes ~20 s more per million)
Exit:   0 every target met, 1 a target missed, 2 a step failed.
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
from generate_plan import generate

ROOT = Path(__file__).resolve().parent.parent
DERIVE_S_PER_MILLION, DERIVE_MB, OVERHEAD = 10.0, 1024.0, 1.25


def run_cli(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one CLI run, measured on the child process itself."""
    start = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "finguard", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        print(f"finguard {' '.join(args)} failed with {code}: {err.strip()}", file=sys.stderr)
        sys.exit(2)
    return elapsed, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "bench-rates")
    args = parser.parse_args()
    work = args.work / str(args.rows)
    work.mkdir(parents=True, exist_ok=True)
    os.environ["FINGUARD_HOME"] = str(work / "home")
    run_cli(["pricing", "coverage"])  # compile the catalog once, outside the timings
    data, db = work / "focus.parquet", work / "billing.duckdb"
    if not data.exists():
        wall, _ = run_cli(["billing", "generate", str(data), "--rows", str(args.rows), "--format", "parquet"])
        print(f"generated {args.rows:,} FOCUS rows in {wall:.1f} s")
    if not db.exists():
        wall, rss = run_cli(["billing", "ingest", str(data), "--db", str(db)])
        print(f"billing ingest: {wall:.1f} s, peak RSS {rss:.0f} MB (set-up, not a target here)")
    overlay = work / "rates.json"
    runs = [run_cli(["pricing", "rates", "--from-billing", str(db), "--lookback-days", "3660", "--out",
                     str(overlay)]) for _ in range(3)]
    wall, rss = statistics.median(r[0] for r in runs), max(r[1] for r in runs)
    target = DERIVE_S_PER_MILLION * max(args.rows / 1_000_000, 1)
    ok = wall <= target and rss <= DERIVE_MB
    data_out = json.loads(overlay.read_text(encoding="utf-8"))
    print(f"pricing rates --from-billing, {args.rows:,} rows: {wall:.2f} s (median of 3), peak RSS {rss:.0f} MB "
          f"[target <= {target:.0f} s, <= {DERIVE_MB:.0f} MB] {'OK' if ok else 'MISSED'}; "
          f"{len(data_out['slots'])} slot rates, {len(data_out['ratios'])} ratios, "
          f"{data_out['provenance']['rows_used']:,} usage rows used")
    with tempfile.TemporaryDirectory() as tmp:
        for count in (1000, 10000):
            plan = Path(tmp) / f"plan-{count}.json"
            plan.write_text(json.dumps(generate(count)))
            timings = {}
            for mode in ("list", "effective"):
                extra = ["--rates-file", str(overlay)] if mode == "effective" else []
                out = Path(tmp) / f"{mode}.json"
                timings[mode] = statistics.median(
                    run_cli(["breakdown", str(plan), "--rates", mode, *extra, "--format", "json", "--out",
                             str(out)])[0] for _ in range(3))
            ratio = timings["effective"] / timings["list"]
            verdict = ratio <= OVERHEAD
            ok &= verdict
            priced = json.loads((Path(tmp) / "effective.json").read_text(encoding="utf-8"))
            at_rate = priced["rates"]["components_effective"]
            print(f"breakdown {count:>6} resources: list {timings['list']:.2f} s, effective "
                  f"{timings['effective']:.2f} s ({ratio:.2f}x) [target <= {OVERHEAD:.2f}x] "
                  f"{'OK' if verdict else 'MISSED'}; {at_rate:,} components at effective rates")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
