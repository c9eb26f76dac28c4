"""`python -m finguard.pricing.build [--shared DIR] [--out DIR]`: rebuild the bundled price snapshot.

Reads every adapter's public source under `shared/` (default: `../shared` beside the repository),
writes `pricing_data/<provider>/<service>.tsv`, `manifest.json` and `BUILD_REPORT.md`, and prints a
summary. Exit 2 when the shared data is missing.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from finguard.pricing.build.pipeline import build
from finguard.pricing.build.registry import discover

REPO_ROOT = Path(__file__).resolve().parents[3]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m finguard.pricing.build", description=__doc__)
    parser.add_argument("--shared", type=Path, default=REPO_ROOT.parent / "shared")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "pricing_data")
    parser.add_argument("--retrieved", default=datetime.now(UTC).date().isoformat(),
                        help="date recorded as 'retrieved' in the manifest (default: today)")
    parser.add_argument("--only", action="append", default=[], help="run only these adapter ids (repeatable)")
    args = parser.parse_args(argv)
    pricing = args.shared / "pricing"
    if not pricing.is_dir():
        print(f"error: {pricing} not found (the public price feeds live in shared/pricing)", file=sys.stderr)
        return 2
    adapters = discover()
    if args.only:
        adapters = [a for a in adapters if a.id in args.only]
    result = build(adapters, args.shared, args.out, args.retrieved)
    total = sum(t.count() for t in result.tables.values())
    size = sum(p.stat().st_size for p in result.files)
    print(f"{total:,} prices in {len(result.files)} tables ({size / 1e6:.1f} MB) from {len(result.reports)} adapters "
          f"in {result.seconds:.1f} s; {len(result.disagreements)} disagreements over 1%; "
          f"report: {args.out / 'BUILD_REPORT.md'}")
    for missing in result.missing_adapters:
        print(f"warning: adapter {missing} skipped: its input is not under {args.shared}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
