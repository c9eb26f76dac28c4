"""The billing store: one DuckDB database file holding ingested charges, rejected rows and the ingest log.

Charges are partitioned by (billing period, provider, billing account): ingesting a batch of files replaces
exactly the partitions the batch contains, in one transaction, so re-running an ingest is idempotent and a
failed run leaves the store as it was. A period's export split into several files must be ingested in one
batch (`finguard billing ingest part-1.csv part-2.csv`), since each batch replaces whole partitions.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from finguard.billing.schema import (
    FOCUS_COLUMNS,
    PARTITION_KEY,
    X_EXTRA,
    X_INGEST,
    X_PERIOD,
    X_ROW,
    X_SOURCE,
)
from finguard.errors import InputError

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pyarrow as pa

    from finguard.billing.engine import Engine

SQL_TYPES = {"string": "VARCHAR", "float64": "DOUBLE", "timestamp": "TIMESTAMP"}
CHARGE_COLUMNS: dict[str, str] = {
    **{name: SQL_TYPES[kind] for name, kind in FOCUS_COLUMNS.items()},
    X_PERIOD: "DATE",
    X_EXTRA: "MAP(VARCHAR, VARCHAR)",
    X_SOURCE: "VARCHAR",
    X_ROW: "BIGINT",
    X_INGEST: "VARCHAR",
}
REJECTED_COLUMNS: dict[str, str] = {
    X_INGEST: "VARCHAR",
    X_SOURCE: "VARCHAR",
    X_ROW: "BIGINT",
    "code": "VARCHAR",  # short, groupable: e.g. "not-a-number:BilledCost"
    "reason": "VARCHAR",  # for people: names the column and the bad value
    "BilledCost": "DOUBLE",  # when it could be read, so rejected cost is accounted for
    "BillingCurrency": "VARCHAR",
    "raw": "MAP(VARCHAR, VARCHAR)",  # the whole row as read: a rejected row is kept, not lost
}
INGEST_COLUMNS: dict[str, str] = {
    "ingest_id": "VARCHAR", "started_at": "TIMESTAMP", "file": "VARCHAR", "sha256": "VARCHAR", "format": "VARCHAR",
    "engine": "VARCHAR", "rows_read": "BIGINT", "rows_accepted": "BIGINT", "rows_rejected": "BIGINT",
    "cost_read": "DOUBLE", "cost_accepted": "DOUBLE", "cost_rejected": "DOUBLE", "currency": "VARCHAR",
    "replaced_rows": "BIGINT",
}


def pa_Table() -> type:
    import pyarrow as pa

    return pa.Table


def default_db_path() -> Path:
    """FINGUARD_BILLING_DB, else .finguard/billing.duckdb in the current directory (a job's working copy)."""
    env = os.environ.get("FINGUARD_BILLING_DB")
    return Path(env) if env else Path(".finguard") / "billing.duckdb"


def _ddl(name: str, columns: dict[str, str]) -> str:
    body = ", ".join(f'"{col}" {kind}' for col, kind in columns.items())
    return f"CREATE TABLE IF NOT EXISTS {name} ({body})"


class Rows(list):
    """A fetched result with the two DB-API reads the callers use."""

    def fetchone(self) -> Any:
        return self[0] if self else None

    def fetchall(self) -> list[Any]:
        return list(self)


def ibis_duckdb() -> Any:
    """Ibis's DuckDB backend class, imported without every other SQL dialect.

    `ibis.backends.sql.compilers` imports all twenty of Ibis's compilers (Athena, BigQuery, Trino, ...), and
    with them sqlglot builds each dialect's tokenizer: a third of Ibis's import time, for compilers a billing
    job never uses. When nothing has imported that package yet, it is registered without running its
    `__init__`, each compiler loading on first use (the DuckDB one now, PySpark's with `--engine spark`). A
    layout this does not know (another Ibis) falls back to the plain import."""
    import importlib
    import importlib.util
    import sys

    name = "ibis.backends.sql.compilers"
    if name not in sys.modules:
        try:
            import ibis.backends.sql as sql_package

            spec = importlib.util.find_spec(name)
            if spec is None or not spec.submodule_search_locations:
                raise ImportError(name)
            package = importlib.util.module_from_spec(spec)

            def compiler(attr: str) -> Any:
                if attr.startswith("__"):
                    raise AttributeError(attr)
                module = attr[: -len("Compiler")].lower() if attr.endswith("Compiler") else attr
                try:
                    loaded = importlib.import_module(f"{name}.{module}")
                except ModuleNotFoundError:
                    raise AttributeError(attr) from None
                return getattr(loaded, attr) if attr.endswith("Compiler") else loaded

            package.__getattr__ = compiler  # type: ignore[attr-defined]
            sys.modules[name] = package
            sql_package.compilers = package  # type: ignore[attr-defined]
        except Exception:  # pragma: no cover - an Ibis whose layout differs: the ordinary import
            sys.modules.pop(name, None)
    from ibis.backends.duckdb import Backend

    return Backend


class Relation:
    """A table read with plain DuckDB SQL: the store's `allocated_daily` (no Ibis, pyarrow or pandas to import for
    a job that only aggregates it), or, for library callers and tests, any Ibis table (copied through Arrow).

    Queries name the table `{t}`; `params` are DuckDB's `?` placeholders."""

    def __init__(self, con: Any, name: str) -> None:
        self.con = con
        self.name = name

    @classmethod
    def of(cls, table: Any) -> Relation:
        if isinstance(table, Relation):
            return table
        import duckdb

        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        con.register("_relation", table.to_pyarrow())
        return cls(con, "_relation")

    @property
    def columns(self) -> list[str]:
        return [d[0] for d in self.con.execute(f"SELECT * FROM {self.name} LIMIT 0").description]

    def rows(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        return self.con.execute(sql.format(t=self.name), params or []).fetchall()

    def frame(self, sql: str, params: list[Any] | None = None) -> Any:
        """The result as pandas (DuckDB converts it itself, without pyarrow)."""
        return self.con.execute(sql.format(t=self.name), params or []).df()

    def arrays(self, sql: str, params: list[Any] | None = None) -> dict[str, Any]:
        """The result as numpy arrays by column name: for a job whose numbers never need pandas (~0.3 s to import)."""
        return self.con.execute(sql.format(t=self.name), params or []).fetchnumpy()


def quoted(name: str) -> str:
    """A column name as a DuckDB identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: Any) -> str:
    """A Python value as a DuckDB literal, for SQL built from configuration and fetched values (texts are quoted,
    never spliced)."""
    from datetime import date, datetime
    from decimal import Decimal

    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return f"CAST('{value!r}' AS DOUBLE)"
    if isinstance(value, datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    raise TypeError(f"no DuckDB literal for {type(value).__name__}")


class BillingStore:
    """The DuckDB database behind every billing job: one connection, for plain SQL and, when a job asks for it
    (`con`), for Ibis on the same connection."""

    def __init__(self, path: Path | str, *, create: bool = True) -> None:
        import duckdb

        self.path = path = Path(path)
        if not create and not path.exists():
            raise InputError("no billing store here yet: run `finguard billing ingest FILE...` first",
                             where=str(path))
        if path.exists() and not path.is_file():  # DuckDB would block opening a FIFO, or fail on a device late
            raise InputError("the billing store must be a regular file (a DuckDB database), not a FIFO, device or "
                             "directory", where=str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.duck = duckdb.connect(str(path))
        except Exception as exc:  # a file that is not a DuckDB database, or one locked by another process
            raise InputError(f"cannot open the billing store: {str(exc).splitlines()[0]}", where=str(path)) from None
        self._ibis: Any = None
        self.raw_sql("SET TimeZone = 'UTC'")
        self.raw_sql("SET enable_progress_bar = false")
        self.raw_sql("SET python_enable_replacements = false")  # as Ibis sets it: a table is what the SQL names
        # bounded memory: DuckDB spills to disk past this instead of growing with the bill
        self.raw_sql(f"SET memory_limit = '{os.environ.get('FINGUARD_DUCKDB_MEMORY', '2GB')}'")
        self.raw_sql(_ddl("charges", CHARGE_COLUMNS))
        self.raw_sql(_ddl("rejected_rows", REJECTED_COLUMNS))
        self.raw_sql(_ddl("ingest_runs", INGEST_COLUMNS))
        self._spark_export: Path | None = None

    @property
    def con(self) -> Any:
        """Ibis on the store's connection, made on first use: jobs that only run SQL never import Ibis."""
        if self._ibis is None:
            self._ibis = ibis_duckdb().from_connection(self.duck)
        return self._ibis

    def relation(self, name: str) -> Relation:
        return Relation(self.duck, name)

    def raw_sql(self, sql: str, params: list[Any] | None = None) -> Rows:
        """Run one statement and fetch its result whole: DuckDB 2 refuses new work while a result is open."""
        cursor = self.duck.execute(sql, params) if params is not None else self.duck.execute(sql)
        return Rows(cursor.fetchall())

    def close(self) -> None:
        if self._spark_export:
            import shutil

            shutil.rmtree(self._spark_export, ignore_errors=True)
        self.duck.close()

    def __enter__(self) -> BillingStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def materialise(self, name: str, data: ir.Table | pa.Table, *, temp: bool = False) -> None:
        """A table of this database from an Ibis expression on it (compiled, run in place) or Arrow data.

        `temp`: a temporary table of this connection, which never touches the database file (work in progress
        that must not change the store until it is committed)."""
        create = "CREATE OR REPLACE TEMP TABLE" if temp else "CREATE OR REPLACE TABLE"
        if isinstance(data, pa_Table()):
            self.duck.register(f"{name}_arrow", data)
            try:
                self.raw_sql(f"{create} {name} AS SELECT * FROM {name}_arrow")
            finally:
                self.duck.unregister(f"{name}_arrow")
            return
        self.raw_sql(f"{create} {name} AS {self.sql(data)}")

    def sql(self, expr: ir.Table) -> str:
        """An expression on this database as SQL to embed in a statement, its in-memory tables registered."""
        from finguard.billing.engine import compiled_sql

        return compiled_sql(self.con, expr)

    # -- reading ---------------------------------------------------------------------------------------------
    def charges(self, engine: Engine) -> ir.Table:
        """The charges table on `engine`: DuckDB reads it in place; Spark reads a Parquet export of it.

        `Tags` is the JSON text as exported; `finguard.billing.tags.with_tags` adds the parsed map where a job
        needs one (allocation works per distinct text instead)."""
        if engine.name == "duckdb":
            return self.con.table("charges")
        if self._spark_export is None:
            self._spark_export = Path(tempfile.mkdtemp(prefix="finguard-charges-"))
            target = literal(str(self._spark_export / "charges.parquet"))
            self.raw_sql(f"COPY charges TO {target} (FORMAT parquet)")
        df = engine.session.read.parquet(str(self._spark_export / "charges.parquet"))  # type: ignore[attr-defined]
        df.createOrReplaceTempView("charges")
        return engine.con.table("charges")

    def count(self) -> int:
        return int(self.raw_sql("SELECT count(*) FROM charges").fetchone()[0])

    def currencies(self) -> list[str]:
        rows = self.raw_sql("SELECT DISTINCT BillingCurrency FROM charges ORDER BY 1").fetchall()
        return [r[0] for r in rows]

    # -- writing ---------------------------------------------------------------------------------------------
    def replace(self, ingest_id: str, accepted: list[ir.Table | pa.Table], rejected: list[str],
                files: list[str], *, before_commit: Callable[[int], None] | None = None) -> int:
        """Write a batch and retire what it replaces, in one transaction: all or nothing.

        Accepted rows (Ibis expressions on this database, or Arrow) are inserted under `ingest_id`; then every
        older row in a partition the batch now holds is deleted, and earlier rejects of the same files.
        `rejected` names tables of this database in REJECTED_COLUMNS order. `before_commit(replaced)` runs last,
        inside the transaction (to check what was written and log it): if it raises, nothing is committed.
        Returns how many rows were replaced.
        """
        charge_cols = ", ".join(f'"{c}"' for c in CHARGE_COLUMNS)
        reject_cols = ", ".join(f'"{c}"' for c in REJECTED_COLUMNS)
        key = ", ".join(f'"{k}"' for k in PARTITION_KEY)
        match = " AND ".join(f'c."{k}" IS NOT DISTINCT FROM p."{k}"' for k in PARTITION_KEY)
        self.raw_sql("BEGIN TRANSACTION")
        try:
            for i, data in enumerate(accepted):
                if isinstance(data, pa_Table()):
                    self.duck.register(f"_accepted_{i}", data)
                    source = f"SELECT {charge_cols} FROM _accepted_{i}"
                else:
                    source = self.sql(data)
                self.raw_sql(f"INSERT INTO charges ({charge_cols}) {source}")
            new_partitions = f'SELECT DISTINCT {key} FROM charges WHERE "{X_INGEST}" = ?'
            stale = (f'FROM charges c WHERE c."{X_INGEST}" <> ? AND EXISTS '
                     f"(SELECT 1 FROM ({new_partitions}) p WHERE {match})")
            replaced = int(self.raw_sql(f"SELECT count(*) {stale}", [ingest_id, ingest_id]).fetchone()[0])
            self.raw_sql(f"DELETE {stale}", [ingest_id, ingest_id])
            if files:
                self.raw_sql(f'DELETE FROM rejected_rows WHERE "{X_SOURCE}" IN ({", ".join("?" for _ in files)})',
                             files)
            for name in rejected:
                self.raw_sql(f"INSERT INTO rejected_rows ({reject_cols}) SELECT {reject_cols} FROM {name}")
            if before_commit is not None:
                before_commit(replaced)
            self.raw_sql("COMMIT")
        except BaseException:
            self.raw_sql("ROLLBACK")
            raise
        finally:
            for i, data in enumerate(accepted):
                if isinstance(data, pa_Table()):
                    self.duck.unregister(f"_accepted_{i}")
        return replaced

    def record_runs(self, ingest_id: str, engine: str, files: list[dict[str, Any]], replaced: int) -> None:
        """One ingest_runs row per file: the reconciliation, kept with the data it describes."""
        from datetime import UTC, datetime

        now = datetime.now(UTC).replace(tzinfo=None)
        for f in files:
            row = {**f, "ingest_id": ingest_id, "started_at": now, "engine": engine, "replaced_rows": replaced}
            cols = list(INGEST_COLUMNS)
            self.raw_sql(f"INSERT INTO ingest_runs ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                         [row.get(c) for c in cols])
