"""Back-test finguard.billing.forecast on labelled series from finguard.billing.series.

200 series x 15 months (seeded; the generator's spikes, level shifts and drifts included, as real cost has them).
The last 3 complete months are held out one at a time: fit on all days before the month, forecast its total, compare.
Reported: MAPE over (series, month) pairs and its distribution, WAPE (dollar-weighted), interval coverage, the total
series' MAPE, MAPE split by whether a level shift or drift started in the held-out month (no model forecasts an event
that has not happened yet), model use, and runtime. `--compare` repeats the back-test with an undamped trend.

With the default settings the small series (under forecast.min_share of the cost) are rolled into one "(other)"
series and at most forecast.max_models are fitted per month, so MAPE is over the series a user is shown.
`--every-series` (on by default) also back-tests with both turned off, every series fitted on its own: the
like-for-like figure against the model alone.

Goal (brief): MAPE < 10 %.
Run: python benchmarks/eval_forecast.py [--json] [--series 200 --months 15 --seed 5] [--compare]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from finguard.billing.anomalies import AnomalyKind
from finguard.billing.forecast import BacktestResult, ForecastConfig, backtest
from finguard.billing.series import GeneratorConfig, generate

HOLDOUT = 3


def run(series: int, months: int, seed: int, cfg: ForecastConfig) -> dict[str, Any]:
    start = date(2024, 1, 1)
    end = date(2024 + (months - 1) // 12, (months - 1) % 12 + 1, 1)
    days = (date(end.year + end.month // 12, end.month % 12 + 1, 1) - start).days
    gen = generate(GeneratorConfig(n_series=series, n_days=days, start=start, seed=seed, with_detail=False))
    t0 = time.perf_counter()
    res = backtest(gen.daily, ["SubAccountId"], holdout_months=HOLDOUT, config=cfg)
    elapsed = time.perf_counter() - t0
    # months in which a persisting change (level shift, drift) started: its own month cannot be forecast
    eventful = {
        (lab.key["SubAccountId"], lab.start.replace(day=1))
        for lab in gen.labels
        if lab.kind is not AnomalyKind.SPIKE
    }
    return summarise(res, eventful, elapsed, series, days)


def summarise(
    res: BacktestResult, eventful: set[tuple[str, date]], elapsed: float, series: int, days: int
) -> dict[str, Any]:
    rows = [(s.key.get("SubAccountId"), r) for s in res.series if not s.total for r in s.months]
    apes = np.array([r.ape for _, r in rows if r.ape is not None])
    calm = [r.ape for k, r in rows if r.ape is not None and (k, r.month) not in eventful]
    busy = [r.ape for k, r in rows if r.ape is not None and (k, r.month) in eventful]
    return {
        "series": series,
        "days": days,
        "holdout_months": [m.isoformat() for m in res.months],
        "forecasts": len(rows),
        "mape": res.mape,
        "ape_percentiles": {f"p{q}": round(float(np.percentile(apes, q)), 4) for q in (50, 75, 90, 95, 99)},
        "share_ape_under_10pct": round(float(np.mean(apes < 0.10)), 4),
        "wape": res.wape,
        "coverage": res.coverage,
        "total_series_mape": res.total_mape,
        "mape_no_shift_or_drift_started_in_month": round(float(np.mean(calm)), 4) if calm else None,
        "mape_shift_or_drift_started_in_month": round(float(np.mean(busy)), 4) if busy else None,
        "months_with_shift_or_drift": len(busy),
        "models": dict(Counter(r.model for _, r in rows)),
        "series_scored": len({k for k, _ in rows}),
        "seconds": round(elapsed, 1),
        "seconds_per_forecast": round(elapsed / max(len(rows) + len(res.months), 1), 3),
    }


def print_report(name: str, r: dict[str, Any]) -> None:
    print(f"{name}: {r['series']} series x {r['days']} days, held out {', '.join(r['holdout_months'])}")
    print(f"  MAPE {r['mape']:.2%}   WAPE {r['wape']:.2%}   total series MAPE {r['total_series_mape']:.2%}")
    print("  APE percentiles: " + ", ".join(f"{k} {v:.1%}" for k, v in r["ape_percentiles"].items()))
    print(f"  share of forecasts within 10 %: {r['share_ape_under_10pct']:.1%}")
    print(
        f"  MAPE where no level shift/drift started in the month: {r['mape_no_shift_or_drift_started_in_month']:.2%};"
        f" where one did ({r['months_with_shift_or_drift']}): {r['mape_shift_or_drift_started_in_month']:.2%}"
    )
    print("  interval coverage: " + ", ".join(f"{k}: {v:.1%}" for k, v in r["coverage"].items()))
    print(f"  models: {r['models']}; {r['series_scored']} series scored")
    print(f"  runtime: {r['seconds']} s ({r['seconds_per_forecast']} s per series-month incl. the total)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--series", type=int, default=200)
    ap.add_argument("--months", type=int, default=15)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--compare", action="store_true", help="also back-test an undamped trend")
    ap.add_argument("--json", action="store_true", help="print the numbers as JSON")
    ap.add_argument("--no-every-series", dest="every_series", action="store_false",
                    help="skip the back-test with roll-up and the fit bound turned off")
    args = ap.parse_args()
    out = {"damped": run(args.series, args.months, args.seed, ForecastConfig())}
    if args.every_series:
        out["every_series"] = run(args.series, args.months, args.seed,
                                  ForecastConfig(min_share=0, max_models=100_000))
    if args.compare:
        out["undamped"] = run(args.series, args.months, args.seed, ForecastConfig(damped_trend=False))
    if args.json:
        print(json.dumps(out, indent=2))
        return
    for name, r in out.items():
        print_report(name, r)


if __name__ == "__main__":
    main()
