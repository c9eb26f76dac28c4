"""The billing report as CSV files for spreadsheets and finance systems: one file per table.

`showback.csv` has a line per period x owner (direct, each shared pool, total) at full precision, for analysis;
`chargeback.csv` has the invoice lines in cents, which add up exactly to each period's billed total. Amounts are
plain numbers with a `.` decimal point and no thousands separator, so every spreadsheet reads them as numbers.
"""

from __future__ import annotations

import csv
from pathlib import Path

from finguard.billing.coverage import TagCoverage
from finguard.billing.showback import Showback

SHOWBACK = "showback.csv"
CHARGEBACK = "chargeback.csv"
COVERAGE = "tag_coverage.csv"
UNTAGGED = "untagged_resources.csv"


def _amount(value: float) -> str:
    """Full precision without exponent noise: 6 decimals is far below a cent and above float error."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def write_csv(showback: Showback, directory: Path, coverage: TagCoverage | None = None) -> list[Path]:
    """Write showback.csv and chargeback.csv (and, given coverage, tag_coverage.csv and untagged_resources.csv)
    into `directory` (created if need be); returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    path = directory / SHOWBACK
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["period", showback.owner_dimension, "direct", *[f"shared:{p}" for p in showback.pools],
                    "total", "share_percent", "currency", "cost_metric"])
        for o in showback.owners:
            w.writerow([o.period.isoformat(), o.owner, _amount(o.direct),
                        *[_amount(o.shared.get(p, 0.0)) for p in showback.pools], _amount(o.total),
                        _percent(o.share_percent), showback.currency, showback.cost_metric])
    written.append(path)
    path = directory / CHARGEBACK
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["period", showback.owner_dimension, "amount", "currency", "cost_metric"])
        for c in showback.chargeback:
            sign = "-" if c.cents < 0 else ""
            w.writerow([c.period.isoformat(), c.owner, f"{sign}{abs(c.cents) // 100}.{abs(c.cents) % 100:02d}",
                        showback.currency, showback.cost_metric])
    written.append(path)
    if coverage is not None:
        written += _coverage(coverage, directory)
    return written


def _coverage(coverage: TagCoverage, directory: Path) -> list[Path]:
    path = directory / COVERAGE
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["dimension", "account_id", "account_name", "taggable", "covered", "coverage_percent"])
        for d in coverage.dimensions:
            w.writerow([d.dimension, "", "", _amount(d.taggable), _amount(d.covered), _percent(d.percent)])
            for a in d.accounts:
                w.writerow([d.dimension, a.account_id, a.account_name or "", _amount(a.taggable),
                            _amount(a.covered), _percent(a.percent)])
    untagged = directory / UNTAGGED
    with untagged.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["resource_id", "account_id", "account_name", "service", "cost", "allocated_to"])
        for r in coverage.untagged:
            w.writerow([r.resource_id, r.account_id or "", r.account_name or "", r.service or "", _amount(r.cost),
                        r.allocated_to or ""])
    return [path, untagged]
