"""`finguard billing ingest`: export files -> validated FOCUS rows in the store, with a reconciliation.

Each file is read by the engine (CSV as text, Parquet typed), recognised as FOCUS or mapped onto it
(`finguard.billing.sources`), then every row is checked in one Ibis expression. A row that fails a check is
not dropped: it goes to `rejected_rows` with a code, a reason naming the column and value, and the raw row. Every
run reconciles rows in = accepted + rejected and cost in = accepted + rejected, per file.
"""

from __future__ import annotations

import hashlib
import math
import stat
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from finguard.billing.schema import (
    CHARGE_CATEGORIES,
    FOCUS_1_0,
    FOCUS_COLUMNS,
    ISO_4217,
    REQUIRED_COLUMNS,
    REQUIRED_VALUES,
    X_EXTRA,
    X_INGEST,
    X_PERIOD,
    X_ROW,
    X_SOURCE,
    X_TAGS,
)
from finguard.billing.tags import parsed_tag_sets
from finguard.errors import InputError

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from finguard.billing.engine import Engine, EngineName
    from finguard.billing.store import BillingStore

_CODE = "x_RejectCode"
_REASON = "x_RejectReason"
_RAW = "x_Raw"
_VALUE_CHARS = 60  # a bad value is quoted in the reason up to this length

# Values a row may hold (the limits of a billing ingest). A number must be finite (NaN, Inf and text such as
# `1e400` that overflows are rejected rows), and no larger in magnitude than these bounds: no provider bills a
# trillion in one line item, and a sum of such values could overflow to Inf and break the reconciliation.
MAX_AMOUNT = 1e12  # money: costs and prices (columns named ...Cost or ...Price)
MAX_QUANTITY = 1e18  # quantities (bytes, requests, ...)
# Dates must fall in years 2000-2100: a year 99999 period is a corrupt file, not a bill.
FIRST_DATE, LAST_DATE = "2000-01-01 00:00:00", "2101-01-01 00:00:00"  # LAST_DATE itself allowed (period end)


class RejectCount(BaseModel):
    code: str
    rows: int
    cost: float  # BilledCost of those rows where it could be read
    example: str  # the first such row's reason, e.g. "row 17: BilledCost is not a number: 'abc'"


class FileIngest(BaseModel):
    """One file's reconciliation: what came in, what was kept, what was rejected and why."""

    file: str
    format: str
    sha256: str
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    cost_read: float = Field(description="sum of every readable BilledCost in the file")
    cost_accepted: float
    cost_rejected: float
    unreadable_cost_rows: int = Field(description="rows whose BilledCost could not be read (counted, cost unknown)")
    currency: str
    periods: list[str]
    rejects: list[RejectCount] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    cost_scale: float = Field(default=0.0, exclude=True,
                              description="sum of |BilledCost| read: the scale of the float rounding allowed")

    @property
    def balanced(self) -> bool:
        rows_ok = self.rows_read == self.rows_accepted + self.rows_rejected
        figures = (self.cost_read, self.cost_accepted, self.cost_rejected)
        tolerance = max(0.005, 1e-12 * self.cost_scale)  # summing in another order rounds differently
        return (rows_ok and all(math.isfinite(x) for x in figures)
                and abs(self.cost_read - self.cost_accepted - self.cost_rejected) <= tolerance)


class IngestResult(BaseModel):
    ingest_id: str
    store: str
    engine: str
    files: list[FileIngest]
    replaced_rows: int = Field(description="rows of earlier ingests replaced (same period, provider, account)")
    stored_rows: int = Field(description="rows in the store after this run")

    @property
    def balanced(self) -> bool:
        return all(f.balanced for f in self.files)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for part in files:
        with part.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def ingest(paths: list[Path], store: BillingStore, engine: Engine, *, fmt: str | None = None,
           step: Callable[[str], None] | None = None) -> IngestResult:
    """Validate and reconcile every file, then swap the partitions the batch covers in one transaction.

    Nothing is written to the store before every file has been read, checked and reconciled: rejected rows go
    to temporary tables, and each file's figures (rows and BilledCost read, accepted, rejected) are computed
    from the file and from what would be written. A file that cannot be read or does not reconcile fails the
    run with the store byte for byte as it was. Accepted rows are then written once, straight into `charges`
    (at 10 million rows a staging copy would cost as much as the whole rest of the ingest), and the figures are
    read back from the store inside the same transaction: any difference rolls it back.
    """
    from finguard.billing import sources
    from finguard.billing.engine import file_kind

    ingest_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:8]
    accepted: list[Any] = []
    rejected: list[str] = []
    formats: list[str] = []
    columns: list[list[str]] = []
    expected: list[FileIngest] = []
    try:
        for index, path in enumerate(paths):
            if step is not None:
                step(f"reading {path.name}")
            _check_file(path)
            raw = engine.read(path)
            source_columns = [c for c in raw.columns if c != X_ROW]
            if file_kind(path) == "csv" and engine.name == "duckdb":
                _check_header(store, path)
            try:
                module = sources.get_format(fmt) if fmt else sources.detect_format(source_columns)
                mapped = raw if module.NAME == "focus" else module.to_focus(raw)
            except InputError as exc:
                raise InputError(exc.message, where=exc.where or str(path)) from None
            missing = [c for c in REQUIRED_COLUMNS if c not in mapped.columns]
            if missing:
                raise InputError(f"{module.NAME} file lacks required column(s) {', '.join(missing)}; "
                                 f"columns present: {', '.join(source_columns[:20])}"
                                 + (" ..." if len(source_columns) > 20 else ""), where=str(path))
            malformed = engine.malformed_lines(raw) if hasattr(engine, "malformed_lines") else []
            undecodable = [(line, msg) for line, msg, _ in malformed if "unicode" in msg.lower()]
            if undecodable:  # a text encoding is a property of the file: refuse it whole, not line by line
                raise InputError(f"not UTF-8 text (line {undecodable[0][0]}): billing CSV files must be UTF-8 "
                                 "encoded", where=str(path))
            rejects_name = f"_rejected_{index}"
            rejected.append(rejects_name)  # temporary: dropped below, never part of the store file
            store.materialise(rejects_name, _as_store_data(engine, _rejects(mapped, engine.backend, str(path),
                                                                            ingest_id)), temp=True)
            _add_malformed(store, rejects_name, malformed, str(path), ingest_id)
            bad_rows = engine.table(rejects_name, store.con.table(rejects_name).select(X_ROW).to_pyarrow()) \
                if engine.name != "duckdb" else store.con.table(rejects_name).select(X_ROW)
            good = mapped.anti_join(bad_rows, X_ROW)
            figures = _figures(store, mapped, good, rejects_name, len(malformed), path, module.NAME)
            _require_balanced(figures, "before writing")
            expected.append(figures)
            accepted.append(_as_store_data(engine, _accepted(good, engine.backend, str(path), ingest_id)))
            formats.append(module.NAME)
            columns.append(list(mapped.columns))
        reports: list[FileIngest] = []

        def settle(replaced: int) -> None:
            """Inside the write transaction: the store must hold what was validated, and the log says so."""
            for path, f, cols, want in zip(paths, formats, columns, expected, strict=True):
                got = _reconcile(store, ingest_id, path, f, cols).model_copy(
                    update={"rows_read": want.rows_read, "cost_read": want.cost_read, "cost_scale": want.cost_scale})
                _require_balanced(got, "as stored")
                if (got.rows_accepted, got.rows_rejected) != (want.rows_accepted, want.rows_rejected):
                    raise InputError(f"the store would hold {got.rows_accepted} accepted and {got.rows_rejected} "
                                     f"rejected rows, not the {want.rows_accepted} and {want.rows_rejected} validated;"
                                     " nothing was written", where=str(path))
                reports.append(got)
            store.record_runs(ingest_id, engine.name, [r.model_dump() for r in reports], replaced)

        if step is not None:
            step("writing the store")
        replaced = store.replace(ingest_id, accepted, rejected, [str(p) for p in paths], before_commit=settle)
    finally:
        for name in rejected:
            store.raw_sql(f"DROP TABLE IF EXISTS {name}")
    return IngestResult(ingest_id=ingest_id, store=str(store.path), engine=engine.name, files=reports,
                        replaced_rows=replaced, stored_rows=store.count())


def _check_file(path: Path) -> None:
    """A file that exists, is a regular file (or a directory of Parquet parts) and is not empty.

    FIFOs, sockets and devices are refused before anything opens them: reading one would block or never end."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise InputError("no such file", where=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", where=str(path)) from None
    if stat.S_ISDIR(mode):
        return
    if not stat.S_ISREG(mode):
        raise InputError("not a regular file (a FIFO, socket or device): billing exports must be files",
                         where=str(path))
    if path.stat().st_size == 0:
        raise InputError("empty file: a billing export has at least a header line", where=str(path))


def _check_header(store: BillingStore, path: Path) -> None:
    """Refuse a CSV header that names a column twice: the reader would rename the second one (`BilledCost_1`)
    and one of the two would be taken silently for the other. Names compare case-insensitively, as the
    engines resolve them."""
    from finguard.billing.store import literal

    try:
        row = store.raw_sql(f"SELECT * FROM read_csv({literal(str(path))}, header = false, all_varchar = true) LIMIT 1")
    except Exception:  # the header is checked only where it can be read apart from the body
        return
    names = [str(v).strip() for v in (row.fetchone() or ()) if v is not None]
    seen: dict[str, str] = {}
    for name in names:
        if name.lower() in seen:
            raise InputError(f"the header names column {name!r} twice"
                             + (f" (as {seen[name.lower()]!r} too)" if seen[name.lower()] != name else "")
                             + ": every column must have one name", where=f"{path}:1")
        seen[name.lower()] = name


def _figures(store: BillingStore, mapped: ir.Table, good: ir.Table, rejects: str, malformed: int, path: Path,
             fmt: str) -> FileIngest:
    """A file's reconciliation before anything is written: rows and BilledCost read, from the file itself;
    accepted, from the rows that would be written; rejected, from the rows that would be kept as rejects."""
    cost = _typed(mapped["BilledCost"], "float64")
    usable = _usable_cost(cost)
    read = mapped.aggregate(n=mapped.count(), cost=usable.sum(), scale=usable.abs().sum()).to_pyarrow().to_pylist()[0]
    good_cost = _typed(good["BilledCost"], "float64")
    ok = good.aggregate(n=good.count(), cost=good_cost.sum()).to_pyarrow().to_pylist()[0]
    bad_n, bad_cost, unreadable = store.raw_sql(
        f"SELECT count(*), coalesce(sum(BilledCost), 0), count(*) FILTER (WHERE BilledCost IS NULL) FROM {rejects}"
    ).fetchone()
    return FileIngest(
        file=str(path), format=fmt, sha256="", rows_read=int(read["n"]) + malformed, rows_accepted=int(ok["n"]),
        rows_rejected=int(bad_n), cost_read=float(read["cost"] or 0.0), cost_accepted=float(ok["cost"] or 0.0),
        cost_rejected=float(bad_cost), unreadable_cost_rows=int(unreadable), currency="-", periods=[],
        cost_scale=float(read["scale"] or 0.0))


def _usable_cost(cost: ir.FloatingValue) -> ir.FloatingValue:
    """BilledCost where it is a usable amount, else null (unknown: counted, never summed)."""
    import ibis

    return ibis.cases((_usable(cost, "BilledCost"), cost), else_=ibis.null("float64"))


def _require_balanced(f: FileIngest, when: str) -> None:
    if f.balanced:
        return
    raise InputError(f"reconciliation failed {when}: rows read {f.rows_read} vs accepted {f.rows_accepted} + "
                     f"rejected {f.rows_rejected}; BilledCost read {f.cost_read!r} vs accepted {f.cost_accepted!r} + "
                     f"rejected {f.cost_rejected!r}; the store is unchanged", where=f.file)


def _as_store_data(engine: Engine, expr: ir.Table) -> Any:
    """What the store can write: the expression itself on DuckDB (it runs there), Arrow from Spark."""
    return expr if engine.name == "duckdb" else engine.arrow(expr)


# -- the checks -------------------------------------------------------------------------------------------
def _text(c: ir.Value) -> ir.StringValue:
    """Any scalar column as text (for messages, the raw row and duplicate detection)."""
    from finguard.billing.sources._common import as_text
    from finguard.billing.sources._json import map_json

    if c.type().is_map():
        return map_json(c)
    return as_text(c)


def _typed(c: ir.Value | None, kind: str) -> ir.Value:
    """A column in its FOCUS type; text that does not parse becomes null (and the row is rejected for it)."""
    import ibis

    target = {"string": "string", "float64": "float64", "timestamp": "timestamp"}[kind]
    if c is None:
        return ibis.null(target)
    if kind == "string":
        return _text(c)
    if c.type().is_string():
        # the plain cast first: it takes nearly every value as is, and the trimmed retry (three TRIMs once
        # compiled) then runs only on the rest; a value with spaces around it parses the same either way
        return ibis.coalesce(c.try_cast(target), c.strip().nullif("").try_cast(target))
    if kind == "timestamp" and c.type().is_timestamp() and c.type().timezone:
        return c.cast("timestamp")  # the session time zone is UTC on both engines
    return c.cast(target)


def _blank(c: ir.Value) -> ir.BooleanValue:
    """No value: null, or (in text) empty; cheap on typed columns, where text conversion would cost seconds."""
    if c.type().is_string():
        return c.isnull() | (c.strip() == "")
    return c.isnull()


def _quoted(c: ir.Value) -> ir.StringValue:
    text = _text(c)
    return "'" + text.substr(0, _VALUE_CHARS) + "'"


def _bound(name: str) -> float:
    return MAX_AMOUNT if name.endswith(("Cost", "Price")) else MAX_QUANTITY


def _usable(value: ir.FloatingValue, name: str) -> ir.BooleanValue:
    """A parsed number that is finite and within its column's bound (NaN compares false, so it fails too)."""
    return value.abs() <= _bound(name)


def _typed_columns(t: ir.Table) -> dict[str, ir.Value]:
    cols = {name: (t[name] if name in t.columns else None) for name in FOCUS_COLUMNS}
    return {name: _typed(cols[name], kind).name(name) for name, kind in FOCUS_COLUMNS.items()}


def _checks(t: ir.Table, backend: str) -> list[tuple[ir.BooleanValue, str, ir.StringValue]]:
    """(failed?, code, reason) for every check, in the order a row's first failure is reported."""
    import ibis

    typed = _typed_columns(t)
    checks: list[tuple[ir.BooleanValue, str, ir.StringValue]] = []
    for name in REQUIRED_VALUES:
        checks.append((_blank(t[name]), f"missing:{name}", ibis.literal(f"{name} is missing")))
    for name, kind in FOCUS_COLUMNS.items():
        if kind == "string" or name not in t.columns or not t[name].type().is_string():
            continue
        bad = typed[name].isnull() & ~_blank(t[name])  # the cheap test first: it rules out nearly every row
        label = "is not a number" if kind == "float64" else "is not a date-time"
        code = "not-a-number" if kind == "float64" else "not-a-timestamp"
        checks.append((bad, f"{code}:{name}", f"{name} {label}: " + _quoted(t[name])))
    for name, kind in FOCUS_COLUMNS.items():
        if name not in t.columns:
            continue
        value = typed[name]
        if kind == "float64":  # NaN, Inf (also text like 1e400 that overflows to it) and huge values
            checks.append((~_usable(value, name), f"out-of-range:{name}",
                           f"{name} is not a finite number within ±{_bound(name):.0e}: " + _quoted(t[name])))
        elif kind == "timestamp":
            outside = (value < ibis.literal(FIRST_DATE).cast("timestamp")) | \
                (value > ibis.literal(LAST_DATE).cast("timestamp"))
            checks.append((outside, f"date-out-of-range:{name}",
                           f"{name} is outside years {FIRST_DATE[:4]}-{int(LAST_DATE[:4]) - 1}: " + _quoted(t[name])))
    currency = typed["BillingCurrency"]
    checks.append((currency.notnull() & ~currency.isin(sorted(ISO_4217)), "unknown-currency",
                   "BillingCurrency " + _quoted(currency) + " is not an ISO 4217 currency code"))
    category = typed["ChargeCategory"]
    checks.append((category.notnull() & ~category.isin(list(CHARGE_CATEGORIES)), "unknown-charge-category",
                   "ChargeCategory " + _quoted(category) + f" is not one of {', '.join(CHARGE_CATEGORIES)}"))
    checks.append((typed["ChargePeriodEnd"] < typed["ChargePeriodStart"], "charge-period-reversed",
                   ibis.literal("ChargePeriodEnd is before ChargePeriodStart")))
    checks.append((typed["BillingPeriodEnd"] <= typed["BillingPeriodStart"], "billing-period-reversed",
                   ibis.literal("BillingPeriodEnd is not after BillingPeriodStart")))
    if "_tags_bad" in t.columns:
        checks.append((t._tags_bad.notnull(), "malformed-tags",
                       "Tags is not a JSON object of strings: " + _quoted(t.Tags)))
    if "_dup_of" in t.columns:
        checks.append((t._dup_of.notnull(), "duplicate-row", "duplicate of row " + t._dup_of.cast("string")))
    return checks


def _duplicates(t: ir.Table) -> ir.Table | None:
    """(row, first row) for every exact repeat of an earlier row, every column compared; None when there is none.

    A window over every column costs a minute at 10 million rows. Hashing the whole row and fetching the hashes
    that occur more than once (none, in a clean export) costs one scan; only rows with such a hash are then
    compared column by column, so hash collisions (Spark's hash has 32 bits) cost time, never a wrong answer.
    """
    import ibis

    columns = [c for c in t.columns if c != X_ROW]
    # maps are neither hashable (Spark) nor groupable: compare them as their JSON text; everything else as is
    values = {f"_c{i}": (_text(t[c]) if t[c].type().is_map() else t[c]) for i, c in enumerate(columns)}
    hashed = t.select(t[X_ROW], _h=ibis.struct(values).hash())
    repeated = hashed.group_by("_h").agg(_n=hashed.count()).filter(lambda r: r._n > 1).select("_h").to_pyarrow()
    if repeated.num_rows == 0:
        return None
    suspects = hashed.semi_join(ibis.memtable(repeated), "_h").select(X_ROW)
    candidates = t.semi_join(suspects, X_ROW)
    candidates = candidates.select(candidates[X_ROW], **{k: (_text(candidates[c]) if candidates[c].type().is_map()
                                                             else candidates[c]) for k, c in zip(values, columns,
                                                                                                   strict=True)})
    first = candidates[X_ROW].min().over(ibis.window(group_by=[candidates[c] for c in values]))
    return candidates.select(candidates[X_ROW], _dup_of=first).filter(lambda r: r._dup_of != r[X_ROW])


def _malformed_tags(t: ir.Table) -> ir.Table | None:
    """(`_bad_text`, `_tags_bad`) for each distinct Tags text that is not a JSON object of strings; None if none.

    The distinct texts are fetched first and parsed on their own: left in one query, DuckDB pushes the parse
    below the DISTINCT and parses every row (seconds at ten million rows, for a few thousand texts)."""
    import ibis

    if "Tags" not in t.columns or not t.Tags.type().is_string():
        return None
    texts = t.select(Tags=t.Tags.nullif("")).filter(lambda r: r.Tags.notnull()).distinct().to_pyarrow()
    if texts.num_rows == 0:
        return None
    sets = parsed_tag_sets(ibis.memtable(texts))
    bad = sets.filter(sets[X_TAGS].isnull()).select(_bad_text=sets._tags_text, _tags_bad=ibis.literal(True))
    fetched = bad.to_pyarrow()
    return ibis.memtable(fetched) if fetched.num_rows else None


def _failing_rows(t: ir.Table, backend: str, duplicates: ir.Table | None, bad_tags: ir.Table | None) -> ir.Table:
    """The rows of `t` that fail any check, found eagerly: the joins and the CASE that names each row's first
    failure then run on those few alone.

    Each check is asked on its own and the failing row numbers fetched: alone, a check reads one or two columns
    and Parquet statistics skip most row groups (0.25 s for all of them at ten million rows); one OR of them all
    reads every checked column of every row (1.4 s)."""
    import ibis

    parts = [t.filter(cond.fill_null(False)).select(X_ROW) for cond, _, _ in _checks(t, backend)]
    if duplicates is not None:
        parts.append(duplicates.select(X_ROW))
    if bad_tags is not None:
        parts.append(t.semi_join(bad_tags, t.Tags == bad_tags._bad_text).select(X_ROW))
    ids = parts[0].union(*parts[1:], distinct=True).to_pyarrow()
    if ids.num_rows == 0:
        return t.filter(ibis.literal(False))
    return t.semi_join(ibis.memtable(ids), X_ROW)


def _rejects(t: ir.Table, backend: str, source: str, ingest_id: str) -> ir.Table:
    """The rejected rows only, each with its first failed check and the raw row as read."""
    import ibis

    duplicates, bad_tags = _duplicates(t), _malformed_tags(t)
    flagged = _failing_rows(t, backend, duplicates, bad_tags)
    if duplicates is not None:
        flagged = flagged.left_join(duplicates, X_ROW).select(*flagged.columns, "_dup_of")
    if bad_tags is not None:
        flagged = flagged.left_join(bad_tags, flagged.Tags == bad_tags._bad_text).select(*flagged.columns,
                                                                                           "_tags_bad")
    checks = _checks(flagged, backend)
    code = ibis.cases(*[(cond.fill_null(False), ibis.literal(c)) for cond, c, _ in checks], else_=ibis.null("string"))
    reason = ibis.cases(*[(cond.fill_null(False), msg) for cond, _, msg in checks], else_=ibis.null("string"))
    source_cols = [c for c in t.columns if c != X_ROW]
    flagged = flagged.mutate(_code=code, _reason=reason)
    typed = _typed_columns(flagged)
    raw = ibis.map(ibis.array([ibis.literal(c) for c in source_cols]),
                   ibis.array([_text(flagged[c]) for c in source_cols]))
    return flagged.select(
        ibis.literal(ingest_id).name(X_INGEST),
        ibis.literal(source).name(X_SOURCE),
        flagged[X_ROW].cast("int64").name(X_ROW),
        flagged._code.name("code"),
        flagged._reason.name("reason"),
        _usable_cost(typed["BilledCost"]).name("BilledCost"),
        typed["BillingCurrency"],
        raw.name("raw"),
    )


def _accepted(t: ir.Table, backend: str, source: str, ingest_id: str) -> ir.Table:
    """Rows that passed, in the store's column order: typed FOCUS columns and the x_ columns."""
    import ibis

    typed = _typed_columns(t)
    extras = [c for c in t.columns if c not in FOCUS_COLUMNS and c != X_ROW]
    extra = (ibis.map(ibis.array([ibis.literal(c) for c in extras]), ibis.array([_text(t[c]) for c in extras]))
             if extras else ibis.null("map<string, string>"))
    return t.select(
        *typed.values(),
        typed["BillingPeriodStart"].date().name(X_PERIOD),
        extra.name(X_EXTRA),
        ibis.literal(source).name(X_SOURCE),
        t[X_ROW].cast("int64").name(X_ROW),
        ibis.literal(ingest_id).name(X_INGEST),
    )


def _add_malformed(store: BillingStore, rejects: str, lines: list[tuple[int, str, str]], source: str,
                   ingest_id: str) -> None:
    """CSV lines the reader could not split: rejected rows too (cost unknown), with the raw line kept."""
    for line, message, text in lines:
        store.raw_sql(f"INSERT INTO {rejects} VALUES (?, ?, ?, 'malformed-line', ?, NULL, NULL, MAP {{'line': ?}})",
                      [ingest_id, source, line, f"CSV line {line}: {message.splitlines()[0]}", text])


def _reconcile(store: BillingStore, ingest_id: str, path: Path, fmt: str, columns: list[str]) -> FileIngest:
    """The file's figures, read back from what the store now holds (so they describe what was written)."""
    def q(sql: str) -> Any:
        return store.raw_sql(sql, [ingest_id, str(path)])

    mine = f'"{X_INGEST}" = ? AND "{X_SOURCE}" = ?'
    charges = f"(SELECT * FROM charges WHERE {mine})"
    rows_ok, cost_ok = q(f"SELECT count(*), coalesce(sum(BilledCost), 0) FROM {charges}").fetchone()
    rows_bad, cost_bad, unreadable = q(
        "SELECT count(*), coalesce(sum(BilledCost), 0), count(*) FILTER (WHERE BilledCost IS NULL) "
        f"FROM rejected_rows WHERE {mine}").fetchone()
    currencies = [r[0] for r in q(f"SELECT DISTINCT BillingCurrency FROM {charges} ORDER BY 1").fetchall()]
    periods = [str(r[0]) for r in q(f'SELECT DISTINCT "{X_PERIOD}" FROM {charges} ORDER BY 1').fetchall()]
    rejects_by_code = [
        RejectCount(code=code, rows=int(n), cost=float(cost or 0.0), example=f"row {row}: {reason}")
        for code, n, cost, row, reason in q(
            f'SELECT code, count(*), sum(BilledCost), min("{X_ROW}"), arg_min(reason, "{X_ROW}") FROM rejected_rows '
            f"WHERE {mine} GROUP BY code ORDER BY count(*) DESC, code").fetchall()
    ]
    warnings = []
    absent = [c for c in FOCUS_1_0 if c not in columns]
    if absent:
        warnings.append(f"FOCUS 1.0 column(s) absent, stored as null: {', '.join(absent)}")
    if len(currencies) > 1:
        warnings.append(f"several billing currencies ({', '.join(currencies)}): reports need --currency")
    for category, n, cost in q(f"SELECT ChargeCategory, count(*), sum(BilledCost) FROM {charges} "
                               "WHERE BilledCost < 0 GROUP BY 1 ORDER BY 1").fetchall():
        warnings.append(f"{n} {category} row(s) with negative BilledCost ({cost:,.2f}): kept as credits/corrections")
    outside = q(f"SELECT count(*) FROM {charges} WHERE ChargePeriodStart < BillingPeriodStart "
                "OR ChargePeriodStart >= BillingPeriodEnd").fetchone()[0]
    if outside:
        warnings.append(f"{outside} row(s) charged outside their billing period: kept in the billing period stated")
    return FileIngest(
        file=str(path), format=fmt, sha256=sha256_of(path), rows_read=int(rows_ok) + int(rows_bad),
        rows_accepted=int(rows_ok), rows_rejected=int(rows_bad), cost_read=float(cost_ok) + float(cost_bad),
        cost_accepted=float(cost_ok), cost_rejected=float(cost_bad), unreadable_cost_rows=int(unreadable),
        currency=", ".join(currencies) or "-", periods=periods, rejects=rejects_by_code, warnings=warnings)


def run(paths: list[Path], db: Path, engine_name: EngineName, fmt: str | None = None) -> IngestResult:
    """Open the store and the engine, ingest, close: what the CLI calls."""
    from finguard.billing.engine import open_engine
    from finguard.billing.store import BillingStore

    with BillingStore(db) as store, open_engine(engine_name, store) as engine:
        return ingest(paths, store, engine, fmt=fmt)
