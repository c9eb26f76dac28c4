"""`finguard billing generate`: synthetic FOCUS billing data with a ground-truth file, for benchmarks and tests."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click


@click.command("generate")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--rows", type=click.IntRange(min=1), default=100_000, show_default=True,
              help="Valid rows to write, exactly (bad rows come on top).")
@click.option("--days", type=click.IntRange(min=7), default=120, show_default=True, help="Days of usage.")
@click.option("--start", type=click.DateTime(formats=["%Y-%m-%d"]), default="2024-01-01", show_default=True,
              help="First day (UTC).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Same seed and options, same bytes.")
@click.option("--format", "fmt", type=click.Choice(["parquet", "csv"]),
              help="Output format (default: from OUT's suffix).")
@click.option("--bad-rows", type=click.IntRange(min=0), default=0, show_default=True,
              help="Invalid rows to inject (CSV only): unparseable cost, unknown currency, bad periods, "
                   "duplicates, malformed tags.")
@click.option("--no-anomalies", is_flag=True, help="Do not inject spikes, level shifts and drifts.")
@click.option("--no-commitments", is_flag=True, help="No Savings Plan or reserved instances.")
def generate(out: Path, rows: int, days: int, start: datetime, seed: int, fmt: str | None, bad_rows: int,
             no_anomalies: bool, no_commitments: bool) -> None:
    """Write seeded synthetic FOCUS 1.2 rows (AWS-shaped) to OUT and their ground truth to OUT.truth.json.

    The truth holds exact totals per billing period, team allocation by tag and by account, shared costs,
    every injected anomaly and each commitment's utilisation and coverage, so jobs run on OUT can be checked.
    """
    # Imported here: numpy and pyarrow would slow every other command's start-up.
    from pydantic import ValidationError

    from finguard.billing.generate import GeneratorSpec, truth_path, write

    if fmt is None and out.suffix.lower() not in (".parquet", ".pq", ".csv"):
        raise click.BadParameter("give --format, or an OUT ending in .parquet or .csv", param_hint="OUT")
    fmt = fmt or ("csv" if out.suffix.lower() == ".csv" else "parquet")
    if bad_rows and fmt != "csv":
        raise click.BadParameter("bad rows can only be written to CSV", param_hint="--bad-rows")
    try:
        spec = GeneratorSpec(seed=seed, rows=rows, start=start.date(), days=days, bad_rows=bad_rows,
                             anomalies=not no_anomalies, commitments=not no_commitments)
    except ValidationError as exc:
        raise click.UsageError("; ".join(str(e["msg"]) for e in exc.errors())) from exc
    try:
        truth = write(spec, out, fmt)  # type: ignore[arg-type]
    except ValueError as exc:  # a spec the row budget cannot hold
        raise click.UsageError(str(exc)) from exc
    bad = f" + {truth.bad_rows.count:,} bad" if truth.bad_rows.count else ""
    click.echo(f"{truth.rows:,} rows{bad}, BilledCost {truth.totals.billed_cost:,.2f} {spec.currency} -> {out} "
               f"(truth: {truth_path(out)})")


command = generate  # discovered by finguard.commands.billing
