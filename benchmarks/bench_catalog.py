"""Benchmark the bundled price catalog: size on disk, compile time from the snapshot, open time after.

Targets (issue #16): snapshot text <= 25 MB; compiling the whole catalog on first use <= 3 s; opening a
compiled catalog (digest check + connect + meta) <= 10 ms. `breakdown` on 1k/10k resources is measured
by bench_breakdown.py. Run: python benchmarks/bench_catalog.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

TARGET_SNAPSHOT_MB = 25.0
TARGET_COMPILE_S = 3.0
TARGET_OPEN_MS = 10.0

COMPILE = """
import sys, time
from pathlib import Path
t = time.perf_counter()
from finguard.pricing.catalog import Catalog
Catalog.open_default(Path(sys.argv[1])).lookup("AmazonEC2", "eu-west-1", {"instanceType": "m5.large"})
print(time.perf_counter() - t)
"""

OPEN = """
import sys, time
from pathlib import Path
from finguard.pricing.catalog import Catalog
t = time.perf_counter()
catalog = Catalog.open_default(Path(sys.argv[1]))
print(time.perf_counter() - t)
"""


def child_seconds(code: str, catalog: Path) -> float:
    """Each measurement in a fresh interpreter: nothing cached from an earlier run."""
    out = subprocess.run([sys.executable, "-c", code, str(catalog)], check=True, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> int:
    from finguard.pricing.snapshot import load_snapshot

    snapshot = load_snapshot()
    size_mb = sum(p.stat().st_size for p in snapshot.tables) / 1e6
    ok = True
    print(f"snapshot: {len(snapshot.tables)} tables, {size_mb:.2f} MB of text "
          f"(target <= {TARGET_SNAPSHOT_MB:.0f} MB) {'PASS' if size_mb <= TARGET_SNAPSHOT_MB else 'MISS'}")
    ok &= size_mb <= TARGET_SNAPSHOT_MB
    compiles, opens = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(3):
            catalog = Path(tmp) / f"c{i}" / "catalog.sqlite"
            compiles.append(child_seconds(COMPILE, catalog))
            opens.extend(child_seconds(OPEN, catalog) for _ in range(15))
        db_mb = catalog.stat().st_size / 1e6
    compile_s = statistics.median(compiles)
    open_ms = statistics.median(opens) * 1000
    print(f"compile on first use (+ one look-up): median {compile_s:.2f} s of {len(compiles)} "
          f"(target <= {TARGET_COMPILE_S:.0f} s) {'PASS' if compile_s <= TARGET_COMPILE_S else 'MISS'}; "
          f"catalog file {db_mb:.1f} MB")
    print(f"open a compiled catalog: median {open_ms:.2f} ms of {len(opens)} "
          f"(target <= {TARGET_OPEN_MS:.0f} ms) {'PASS' if open_ms <= TARGET_OPEN_MS else 'MISS'}")
    ok &= compile_s <= TARGET_COMPILE_S and open_ms <= TARGET_OPEN_MS
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
