"""Compute engines for the billing jobs: DuckDB (embedded, default) and PySpark, behind Ibis.

The jobs themselves are Ibis expressions and do not know which engine runs them. What Ibis cannot say portably
lives here, and only here: reading an export file with each row's position in it, and handing a result over to
the DuckDB store. Spark is imported only when asked for, so the DuckDB path never pays for it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from finguard.billing.schema import X_ROW
from finguard.billing.store import literal
from finguard.errors import InputError

if TYPE_CHECKING:
    import ibis
    import ibis.expr.types as ir
    import pyarrow as pa

EngineName = Literal["duckdb", "spark"]
ENGINES: tuple[EngineName, ...] = ("duckdb", "spark")
NULL_TEXT = ("NULL", "")  # how exports spell "no value": FOCUS samples write NULL, most CSV writers nothing


def compiled_sql(con: ibis.BaseBackend, expr: ir.Table) -> str:
    """`expr` as SQL to embed in a statement of `con`, its in-memory tables registered there first: Ibis does
    that only when it runs an expression itself (and through a private hook: the one place that relies on it)."""
    con._run_pre_execute_hooks(expr)
    return str(con.compile(expr))


def file_kind(path: Path) -> Literal["csv", "parquet"]:
    """CSV or Parquet, by suffix (a directory of Parquet parts counts as Parquet)."""
    name = path.name.lower()
    if path.is_dir() or name.endswith((".parquet", ".pq")):
        return "parquet"
    if name.endswith((".csv", ".csv.gz", ".csv.zst", ".txt")):
        return "csv"
    raise InputError("unsupported file type: billing exports are read from .csv (optionally .gz/.zst) or .parquet",
                     where=str(path))


class Engine:
    """One compute engine: reads exports into Ibis tables and turns Ibis results into Arrow."""

    name: EngineName
    backend: str  # the Ibis backend name ("duckdb" or "pyspark")
    con: ibis.BaseBackend

    def read(self, path: Path) -> ir.Table:
        """An export file as a table with the file's columns (strings for CSV) plus its 1-based row position."""
        raise NotImplementedError

    def table(self, name: str, data: pa.Table) -> ir.Table:
        """Arrow data as a table this engine can join with its own."""
        raise NotImplementedError

    def arrow(self, expr: ir.Table) -> pa.Table:
        return expr.to_pyarrow()

    def stash(self, expr: ir.Table) -> ir.Table:
        """`expr` computed once now and kept where this engine computes, for several later queries to read."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the engine (the DuckDB engine shares the store's connection and leaves it open)."""


class DuckDBEngine(Engine):
    """Ibis on DuckDB, on the store's own connection, so ingest writes without copying through Python."""

    name: EngineName = "duckdb"
    backend = "duckdb"

    def __init__(self, con: Any) -> None:
        """`con`: Ibis on DuckDB, or the BillingStore whose connection to use (Ibis made on first use)."""
        self._con = con
        self._n = 0

    @property
    def con(self) -> Any:
        from finguard.billing.store import BillingStore

        if isinstance(self._con, BillingStore):
            self._con = self._con.con
        return self._con

    def _fresh(self, prefix: str) -> str:
        self._n += 1
        return f"_{prefix}_{os.getpid()}_{self._n}"

    def read(self, path: Path) -> ir.Table:
        kind = file_kind(path)
        name = self._fresh("src")
        source = str(path / "**" / "*.parquet") if path.is_dir() else str(path)
        quoted = literal(source)
        if kind == "parquet":
            sql = (f"CREATE TEMP VIEW {name} AS SELECT * EXCLUDE (file_row_number), file_row_number + 1 AS {X_ROW} "
                   f"FROM read_parquet({quoted}, file_row_number = true)")
        else:
            nulls = ", ".join(f"'{v}'" for v in NULL_TEXT)
            # every column as text: the ingest parses and reports bad values itself; with store_rejects DuckDB
            # keeps malformed lines (wrong field count, bad quoting) in reject_errors instead of failing the file.
            # A table, not a view: CSV has no statistics and parsing it is most of a scan's cost, so it is parsed
            # once (4.7 s per million rows of a 62-column export) instead of once per check, reject and insert
            sql = (f"CREATE TEMP TABLE {name} AS SELECT *, row_number() OVER () AS {X_ROW} FROM read_csv({quoted}, "
                   f"header = true, all_varchar = true, nullstr = [{nulls}], store_rejects = true, "
                   f"rejects_table = '{name}_rejects', rejects_scan = '{name}_scan')")
        try:
            self.con.raw_sql(sql).fetchall()
            table = self.con.table(name)
            table.count().execute()  # fail here, naming the file, not later inside a larger query
        except Exception as exc:  # DuckDB raises several types for unreadable files
            raise InputError(f"cannot read {kind.upper()}: {_first_line(exc)}", where=str(path)) from None
        return table

    def malformed_lines(self, table: ir.Table) -> list[tuple[int, str, str]]:
        """(line, error, raw text) of CSV lines DuckDB could not split into the header's columns."""
        name = table.get_name()
        try:
            rows = self.con.raw_sql(
                f"SELECT line, min(error_message), min(csv_line) FROM {name}_rejects GROUP BY line ORDER BY line"
            ).fetchall()
        except Exception:  # no rejects table: the file was Parquet
            return []
        return [(int(line), str(msg), str(raw or "")) for line, msg, raw in rows]

    def table(self, name: str, data: pa.Table) -> ir.Table:
        return self.con.create_table(name, data, temp=True, overwrite=True)

    def stash(self, expr: ir.Table) -> ir.Table:
        """A temporary table of the store's connection (gone with it), so SQL the store runs can read it."""
        name = self._fresh("stash")
        self.con.raw_sql(f"CREATE TEMP TABLE {name} AS {compiled_sql(self.con, expr)}").fetchall()
        return self.con.table(name)


class SparkEngine(Engine):
    """Ibis on PySpark: `FINGUARD_SPARK_MASTER` (default local[2]) and the session settings the jobs rely on."""

    name: EngineName = "spark"
    backend = "pyspark"

    def __init__(self, master: str | None = None) -> None:
        import warnings

        # PySpark 4.3 warns on every import that pandas 3 is "not fully supported"; the parity test is the check
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
        try:
            import ibis
            from pyspark.sql import SparkSession
        except ImportError:
            raise InputError("--engine spark needs PySpark: pip install 'finguard[spark]'") from None
        if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
            raise InputError("--engine spark needs Java (17 or newer) on PATH or JAVA_HOME")
        builder = (SparkSession.builder.master(master or os.environ.get("FINGUARD_SPARK_MASTER", "local[2]"))
                   .appName("finguard-billing")
                   .config("spark.ui.enabled", "false")
                   .config("spark.sql.session.timeZone", "UTC")  # timestamps are UTC, never the machine's zone
                   .config("spark.sql.shuffle.partitions", os.environ.get("FINGUARD_SPARK_PARTITIONS", "4"))
                   .config("spark.sql.ansi.enabled", "false")
                   .config("spark.ui.showConsoleProgress", "false"))  # no progress bars in CI logs
        self.session = builder.getOrCreate()
        self.session.sparkContext.setLogLevel("ERROR")
        self.con = ibis.pyspark.connect(self.session)
        self._n = 0
        self._tmp = Path(tempfile.mkdtemp(prefix="finguard-spark-"))
        self._stashed: list[tuple[str, Any]] = []

    def _fresh(self, prefix: str) -> str:
        self._n += 1
        return f"_{prefix}_{self._n}"

    def read(self, path: Path) -> ir.Table:
        from pyspark.sql import types as T

        kind = file_kind(path)
        try:
            if kind == "parquet":
                df = self.session.read.parquet(str(path))
            else:  # strings only, doubled quotes inside fields (JSON tags) as CSV writes them
                df = (self.session.read.option("header", True).option("escape", '"').option("multiLine", False)
                      .option("mode", "PERMISSIVE").option("inferSchema", False).csv(str(path)))
            schema = T.StructType([*df.schema.fields, T.StructField(X_ROW, T.LongType(), False)])
            # zipWithIndex numbers rows in file order, exactly; monotonically_increasing_id would not
            rows = df.rdd.zipWithIndex().map(lambda pair: (*pair[0], pair[1] + 1))
            indexed = self.session.createDataFrame(rows, schema)
            if kind == "csv":
                for column in df.columns:  # the NULL spellings DuckDB's reader treats as null
                    from pyspark.sql import functions as F

                    indexed = indexed.withColumn(column, F.when(F.col(column).isin(*NULL_TEXT), None)
                                                 .otherwise(F.col(column)))
            name = self._fresh("src")
            indexed.createOrReplaceTempView(name)
            return self.con.table(name)
        except InputError:
            raise
        except Exception as exc:
            raise InputError(f"cannot read {kind.upper()}: {_first_line(exc)}", where=str(path)) from None

    def table(self, name: str, data: pa.Table) -> ir.Table:
        if data.num_rows == 0:  # Spark cannot infer a schema from a Parquet file without row groups
            self.session.createDataFrame(data).createOrReplaceTempView(name)
            return self.con.table(name)
        target = self._tmp / f"t{name}.parquet"  # Spark skips files named _* or .* as hidden
        import pyarrow.parquet as pq

        pq.write_table(data, target)
        self.session.read.parquet(str(target)).createOrReplaceTempView(name)
        return self.con.table(name)

    def arrow(self, expr: ir.Table) -> pa.Table:
        """Spark's own Arrow export: Ibis goes through pandas, which turns map columns into dicts it cannot
        cast back (x_Extra, x_Tags). In-memory tables in `expr` are registered first, as Ibis would."""
        return self.session.sql(compiled_sql(self.con, expr)).toArrow()

    def stash(self, expr: ir.Table) -> ir.Table:
        """A persisted DataFrame under a temporary view: computed once on the executors, never collected."""
        from pyspark import StorageLevel

        df = self.session.sql(compiled_sql(self.con, expr)).persist(StorageLevel.MEMORY_AND_DISK)
        df.count()  # now, once, rather than inside whichever later query reads it first
        name = self._fresh("stash")
        df.createOrReplaceTempView(name)
        self._stashed.append((name, df))
        return self.con.table(name)

    def close(self) -> None:
        """Free what `stash` holds: the Spark session outlives the engine (tests and notebooks reuse it)."""
        for name, df in self._stashed:
            self.session.catalog.dropTempView(name)
            df.unpersist()
        self._stashed.clear()
        shutil.rmtree(self._tmp, ignore_errors=True)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


@contextmanager
def open_engine(name: EngineName, store: Any) -> Iterator[Engine]:
    """The engine a command asked for; the DuckDB one computes inside the store's own connection (`store`: the
    BillingStore, or Ibis on its connection), and imports Ibis only when a job first asks it for a table."""
    if name == "duckdb":
        yield DuckDBEngine(store)
        return
    engine = SparkEngine()
    try:
        yield engine
    finally:
        engine.close()
