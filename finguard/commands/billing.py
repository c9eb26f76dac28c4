"""`finguard billing ...`: the scheduled FinOps jobs over billing exports (ingest, allocate, report, ...).

Every heavy module (Ibis, DuckDB, PySpark, pandas) is imported inside the command that needs it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from finguard.billing.config import BillingConfig
    from finguard.billing.engine import Engine
    from finguard.billing.ingest import IngestResult
    from finguard.billing.store import BillingStore

ENGINE_CHOICE = click.Choice(["duckdb", "spark"])


def _config(config_path: Path | None) -> tuple[BillingConfig, Path | None]:
    from finguard.config import find_config, load_config

    path = config_path or find_config(Path.cwd())
    config = load_config(path)
    return config.billing, path


def _db(db: Path | None, config: BillingConfig, config_path: Path | None) -> Path:
    from finguard.billing.store import default_db_path

    if db is not None:
        return db
    if config.db is not None:
        return config.db if config.db.is_absolute() or config_path is None else config_path.parent / config.db
    return default_db_path()


@contextmanager
def _session(db: Path, engine_name: str, *, create: bool) -> Iterator[tuple[BillingStore, Engine]]:
    from finguard.billing.engine import open_engine
    from finguard.billing.store import BillingStore

    with BillingStore(db, create=create) as store, open_engine(engine_name, store) as engine:  # type: ignore[arg-type]
        yield store, engine


def common(func: Any) -> Any:
    """--db, --engine and --config, shared by every billing command."""
    func = click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
                        help="finguard.yml (default: found in the current directory or a parent).")(func)
    func = click.option("--engine", "engine_name", type=ENGINE_CHOICE,
                        help="Compute engine: duckdb (embedded, default) or spark (PySpark; FINGUARD_SPARK_MASTER, "
                             "default local[2]).")(func)
    func = click.option("--db", type=click.Path(dir_okay=False, path_type=Path),
                        help="Billing store (DuckDB file). Default: billing.db in finguard.yml, else "
                             "FINGUARD_BILLING_DB, else .finguard/billing.duckdb.")(func)
    return func


class JobGroup(click.Group):
    """The billing group: besides its own commands, every `finguard/commands/billing_<job>.py` module with a
    `command` is a subcommand, imported only when asked for (or listed), so a job module may import this one
    and `finguard --help` loads no job."""

    def _jobs(self) -> dict[str, click.Command]:
        import importlib
        import pkgutil

        import finguard.commands as package

        found = {}
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
            if info.name.startswith("billing_"):
                command = importlib.import_module(f"finguard.commands.{info.name}").command
                found[command.name or info.name] = command
        return found

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._jobs()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        import importlib.util

        own = super().get_command(ctx, cmd_name)
        if own is not None:
            return own
        guess = f"finguard.commands.billing_{cmd_name.replace('-', '_')}"
        if importlib.util.find_spec(guess) is not None:
            command = importlib.import_module(guess).command
            if command.name == cmd_name:
                return command
        return self._jobs().get(cmd_name)


@click.group(cls=JobGroup)
def billing() -> None:
    """Scheduled FinOps jobs: ingest billing exports, allocate cost to owners, report."""


# -- ingest -------------------------------------------------------------------------------------------------
@billing.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@common
@click.option("--format", "fmt", help="Export format (default: detected): focus, aws-cur2, aws-cur, azure-cost, "
                                      "gcp-billing.")
@click.option("--json", "as_json", is_flag=True, help="Print the reconciliation as JSON.")
@click.option("--fail-on-rejects", is_flag=True, help="Exit 1 when any row was rejected (rows are stored anyway).")
def ingest(files: tuple[Path, ...], db: Path | None, engine_name: str | None, config_path: Path | None,
           fmt: str | None, as_json: bool, fail_on_rejects: bool) -> None:
    """Validate FILES and store them, replacing the billing periods they cover (one transaction).

    Files of one period (an export split in parts) must be ingested together. Every run prints its
    reconciliation: rows read = accepted + rejected, and BilledCost read = accepted + rejected.
    """
    from finguard.billing.ingest import ingest as run_ingest
    from finguard.progress import progress

    config, path = _config(config_path)
    with _session(_db(db, config, path), engine_name or config.engine, create=True) as (store, engine), \
            progress("billing ingest", total=len(files) + 1) as bar:
        result = run_ingest(list(files), store, engine, fmt=fmt, step=bar.start)
    click.echo(result.model_dump_json(indent=2) if as_json else describe_ingest(result))
    if not result.balanced:  # a bug, never bad input: say so loudly
        raise click.ClickException("reconciliation failed: rows or cost in != accepted + rejected")
    if fail_on_rejects and any(f.rows_rejected for f in result.files):
        raise SystemExit(1)


def describe_ingest(result: IngestResult) -> str:
    lines = []
    for f in result.files:
        cur = f.currency if "," not in f.currency else ""
        lines.append(f"{f.file} ({f.format}): rows read {f.rows_read:,} = accepted {f.rows_accepted:,} + rejected "
                     f"{f.rows_rejected:,}; BilledCost read {f.cost_read:,.2f} {cur} = accepted "
                     f"{f.cost_accepted:,.2f} + rejected {f.cost_rejected:,.2f}".rstrip())
        if f.unreadable_cost_rows:
            lines.append(f"  {f.unreadable_cost_rows:,} rejected row(s) have no readable BilledCost (not in the sums)")
        for r in f.rejects:
            lines.append(f"  rejected {r.rows:,} x {r.code} ({r.cost:,.2f}), e.g. {r.example}")
        lines.extend(f"  warning: {w}" for w in f.warnings)
        lines.append(f"  billing periods: {', '.join(f.periods) or 'none'}")
    lines.append(f"store {result.store}: {result.stored_rows:,} rows; this run replaced {result.replaced_rows:,} "
                 f"row(s) of earlier ingests (ingest {result.ingest_id}, engine {result.engine})")
    return "\n".join(lines)


# -- allocate -----------------------------------------------------------------------------------------------
def _periods(values: tuple[str, ...]) -> list[date]:
    out = []
    for value in values:
        try:
            out.append(date.fromisoformat(value + "-01" if len(value) == 7 else value))
        except ValueError:
            raise click.BadParameter(f"{value!r}: expected YYYY-MM", param_hint="--period") from None
    return out


out_option = click.option("--out", type=click.Path(file_okay=False, path_type=Path),
                          help="Also write the job's Markdown, JSON, CSV and HTML files into this directory.")
json_option = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON instead of text.")
as_of_option = click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]),
                            help="Judge as of this day (default: the last day with data).")
period_option = click.option("--period", "periods", multiple=True, metavar="YYYY-MM",
                             help="Billing period(s) to work on (repeatable; default: all in the store).")
currency_option = click.option("--currency", help="Billing currency, when the store holds several.")


@billing.command()
@common
@period_option
@currency_option
@click.option("--json", "as_json", is_flag=True, help="Print the allocation and reconciliation as JSON.")
def allocate(db: Path | None, engine_name: str | None, config_path: Path | None, periods: tuple[str, ...],
             currency: str | None, as_json: bool) -> None:
    """Allocate stored charges to owners by the rules in finguard.yml and reconcile to the cent.

    Writes the result to the store's `allocated_daily` table (replaced on every run) for the reports.
    """
    config, path = _config(config_path)
    with _session(_db(db, config, path), engine_name or config.engine, create=False) as (store, engine):
        allocation = run_allocation(store, engine, config, _periods(periods), currency)
    click.echo(allocation.model_dump_json(indent=2) if as_json else describe_allocation(allocation))
    if not allocation.balanced:
        raise click.ClickException("reconciliation failed: allocated + unallocated != billed")


def run_allocation(store: BillingStore, engine: Engine, config: BillingConfig, periods: list[date],
                   currency: str | None) -> Any:
    """Allocate, store `allocated_daily` (and what produced it), and return the Allocation summary."""
    from finguard.billing.allocate import Allocation, allocate, pool_notes, reconcile, single_currency

    charges = store.charges(engine)
    chosen = single_currency(charges, currency or config.currency)
    daily, rows = allocate(charges, config.allocation, currency=chosen, periods=periods or None,
                           stash=engine.stash)
    store.materialise("allocated_daily", daily if engine.name == "duckdb" else engine.arrow(daily))
    saved = store.con.table("allocated_daily") if engine.name == "duckdb" else daily
    allocation = Allocation(cost=config.allocation.cost, owner_dimension=config.allocation.owner, currency=chosen,
                            periods=reconcile(saved, rows), pools=pool_notes(saved))
    store.raw_sql("CREATE OR REPLACE TABLE allocation_meta (inputs VARCHAR, summary VARCHAR)")
    store.raw_sql("INSERT INTO allocation_meta VALUES (?, ?)",
                  [_allocation_inputs(store, config, periods, currency), allocation.model_dump_json()])
    return allocation


def _allocation_inputs(store: BillingStore, config: BillingConfig, periods: list[date], currency: str | None) -> str:
    """What an allocation depends on: the rules, the window, and the ingests the store holds."""
    import hashlib
    import json

    ingests = [r[0] for r in store.raw_sql("SELECT DISTINCT ingest_id FROM ingest_runs ORDER BY 1").fetchall()]
    stored = store.currencies()
    resolved = currency or config.currency or (stored[0] if len(stored) == 1 else None)
    key = {"allocation": config.allocation.model_dump(mode="json"), "periods": [str(p) for p in periods],
           "currency": resolved, "ingests": ingests, "rows": store.count()}
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def allocation_of(store: BillingStore, engine: Engine, config: BillingConfig, periods: list[date],
                  currency: str | None) -> Any:
    """The Allocation summary of the stored `allocated_daily` when its inputs are unchanged (same rules, window
    and ingests: a few SQL statements, nothing imported), else of a fresh allocation."""
    from finguard.billing.allocate import Allocation

    inputs = _allocation_inputs(store, config, periods, currency)
    try:
        row = store.raw_sql("SELECT summary FROM allocation_meta WHERE inputs = ?", [inputs]).fetchone()
    except Exception:  # no allocation stored yet
        row = None
    return Allocation.model_validate_json(row[0]) if row else run_allocation(store, engine, config, periods, currency)


def allocated(store: BillingStore, engine: Engine, config: BillingConfig, periods: list[date],
              currency: str | None) -> tuple[Any, Any]:
    """(allocated_daily as an Ibis table of the store, Allocation): see `allocation_of`. Jobs that build Ibis
    expressions on it start here; those that only aggregate it in SQL start at `allocated_relation`."""
    allocation = allocation_of(store, engine, config, periods, currency)
    return store.con.table("allocated_daily"), allocation


def allocated_relation(store: BillingStore, engine: Engine, config: BillingConfig, periods: list[date],
                       currency: str | None) -> tuple[Any, Any]:
    """(allocated_daily as a plain-SQL Relation of the store, Allocation): no Ibis, pyarrow or pandas."""
    allocation = allocation_of(store, engine, config, periods, currency)
    return store.relation("allocated_daily"), allocation


def describe_allocation(allocation: Any) -> str:
    lines = [f"allocated {allocation.cost} by {allocation.owner_dimension} ({allocation.currency})"]
    for p in allocation.periods:
        lines.append(f"  {p.period:%Y-%m}: billed {p.billed:,.2f} = allocated {p.allocated:,.2f} + unallocated "
                     f"{p.unallocated:,.2f} ({p.unallocated_percent:.1f}%); difference {p.difference:+.6f}")
    for note in allocation.pools:
        lines.append(f"  shared {note.pool} {note.period:%Y-%m}: {note.amount:,.2f} {note.note}")
    return "\n".join(lines)


def emit(name: str, result: Any, currency: str, out: Path | None, as_json: bool) -> None:
    """Print a job's result (text or JSON) and, with --out, write <name>.md/.json/.html and its CSV files (the
    HTML page's templates are loaded only then)."""
    from finguard.report.sections import section

    sec = section(name)
    click.echo(result.model_dump_json(indent=2) if as_json else sec.text(result, currency))
    if out is None:
        return
    from finguard.report.billing_html import render_job_page

    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.md").write_text(sec.markdown(result, currency), encoding="utf-8")
    (out / f"{name}.json").write_text(result.model_dump_json(indent=2) + "\n", encoding="utf-8")
    (out / f"{name}.html").write_text(render_job_page(sec.TITLE, [sec.html(result, currency)]), encoding="utf-8")
    written = sec.write_csv(result, out)
    if not as_json:
        click.echo(f"wrote {name}.md, {name}.json, {name}.html and {len(written)} CSV file(s) to {out}")
