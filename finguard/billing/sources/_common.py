"""Helpers the format modules share: finding source columns, normalising text, and assembling the output table.

Everything here is plain Ibis, so one mapping runs unchanged on DuckDB and PySpark. Two rules shape it:

* Outputs are text. The ingest casts and validates afterwards, so a value this layer cannot interpret is passed on
  as the text it was (the ingest then rejects it by name) instead of being turned into a null.
* Nothing is lost. A source column whose value reaches a FOCUS column unchanged (or only re-spelled, like a
  timestamp's format) is *consumed*; every other source column is kept under its own name, or under
  `x_Source_<name>` when that name would collide, case-insensitively, with a FOCUS column the mapping produced
  (DuckDB and Spark resolve names case-insensitively).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from finguard.billing.schema import FOCUS_COLUMNS
from finguard.errors import InputError

SOURCE_PREFIX = "x_Source_"
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"

# ISO-8601-like text with an optional UTC marker (CUR writes `...T00:00:00Z`, BigQuery CSV `... 00:00:00 UTC`).
_ISO = r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}:\d{2})(\.\d+)?)?\s*(?:Z|UTC|[+-]00:?00)?$"
# US month/day/year, as Azure EA exports write `Date` and the billing period dates.
_US_DATE = r"^(\d{1,2})/(\d{1,2})/(\d{4})$"


def snake(name: str) -> str:
    """The spelling Athena gives CUR columns: `lineItem/UnblendedCost` -> `line_item_unblended_cost`.

    Every capital starts a new word, so `ReservationARN` becomes `reservation_a_r_n`, as in the CUR 2.0 schema.
    """
    out = re.sub(r"(?<!^)(?<![/:_\-. ])([A-Z])", r"_\1", name).lower()
    return re.sub(r"_+", "_", re.sub(r"[^a-z0-9]", "_", out)).strip("_")


class Columns:
    """Looks source columns up by a normalised key and records which ones the mapping consumed."""

    def __init__(self, t: ir.Table, key: Callable[[str], str] = str) -> None:
        self.t = t
        self.key = key
        self.by_key: dict[str, str] = {}
        for name in t.columns:
            self.by_key.setdefault(key(name), name)
        self.consumed: set[str] = set()

    def name(self, key: str) -> str | None:
        """The source column's real name for a key, or None when the file lacks it."""
        return self.by_key.get(self.key(key))

    def has(self, *keys: str) -> bool:
        """True when every key names a column."""
        return all(self.name(k) is not None for k in keys)

    def col(self, key: str) -> ir.Value | None:
        """The column itself, any type."""
        name = self.name(key)
        return None if name is None else self.t[name]

    def text(self, key: str) -> ir.StringValue | None:
        """The column as text (empty text counts as missing), or None when the file lacks it."""
        c = self.col(key)
        return None if c is None else as_text(c)

    def take(self, key: str) -> ir.StringValue | None:
        """Like `text`, and marks the column consumed: its value reaches a FOCUS column as it was."""
        name = self.name(key)
        if name is not None:
            self.consumed.add(name)
        return self.text(key)

    def take_time(self, key: str) -> ir.StringValue | None:
        """A timestamp column, re-spelled as `YYYY-MM-DD HH:MM:SS` (consumed: only the spelling changes)."""
        name = self.name(key)
        if name is None:
            return None
        self.consumed.add(name)
        return as_time_text(self.t[name])


def as_text(c: ir.Value) -> ir.StringValue:
    """Any scalar column as text; empty strings become null so 'absent' has one spelling."""
    if c.type().is_string():
        return c.nullif("")
    if c.type().is_timestamp():
        return c.strftime(TIMESTAMP_FORMAT)
    return c.cast("string")


def as_time_text(c: ir.Value) -> ir.StringValue:
    """A timestamp as `YYYY-MM-DD HH:MM:SS[.f]` text; text in a shape not recognised passes through unchanged."""
    if c.type().is_timestamp() or c.type().is_date():
        return c.cast("timestamp").strftime(TIMESTAMP_FORMAT)
    s = as_text(c).strip()
    iso_time = s.re_extract(_ISO, 2).nullif("").fill_null("00:00:00")
    fraction = s.re_extract(_ISO, 3)
    fraction = ibis.cases((fraction.re_search(r"^(\.0*)?$"), ""), else_=fraction)  # `.000` says nothing
    iso = s.re_extract(_ISO, 1) + " " + iso_time + fraction
    us = (
        s.re_extract(_US_DATE, 3)
        + "-"
        + s.re_extract(_US_DATE, 1).lpad(2, "0")
        + "-"
        + s.re_extract(_US_DATE, 2).lpad(2, "0")
        + " 00:00:00"
    )
    return ibis.cases((s.re_search(_ISO), iso), (s.re_search(_US_DATE), us), else_=s)


def shift_time(text: ir.StringValue, *, months: int = 0, days: int = 0) -> ir.StringValue:
    """`text` (normalised by `as_time_text`) moved by a calendar interval; null when it is not a timestamp."""
    ts = text.try_cast("timestamp")
    if months:  # one unit per interval: Spark cannot add a mixed month-and-day interval to a timestamp
        ts = ts + ibis.interval(months=months)
    if days:
        ts = ts + ibis.interval(days=days)
    return ts.strftime(TIMESTAMP_FORMAT)


def num(text: ir.StringValue) -> ir.FloatingValue:
    """Text as a number, null when it is not one."""
    return text.try_cast("float64")


def first_bad(*texts: ir.StringValue | None) -> ir.StringValue:
    """The first of `texts` that is present but not a number: what a failed computation passes on instead."""
    cases = [(t.notnull() & num(t).isnull(), t) for t in texts if t is not None]
    return ibis.cases(*cases, else_=ibis.null("string")) if cases else ibis.null("string")


def computed(result: ir.NumericValue, *inputs: ir.StringValue | None) -> ir.StringValue:
    """A derived number as text; where it could not be computed, the offending input's own text.

    Rounded to 10 decimals (finer than any provider bills) so float noise (`4.340000000000003`) stays out.
    """
    return result.round(10).cast("string").coalesce(first_bad(*inputs))


def recode(c: ir.StringValue, mapping: Mapping[str, str | None]) -> ir.StringValue:
    """Translate known values; an unknown value passes through unchanged so the ingest can reject it by name."""
    return c.substitute(dict(mapping), else_=c)


def lit(value: str | None) -> ir.StringValue:
    """A constant text column (null when `value` is None)."""
    return ibis.literal(value, type=dt.string)


def flatten_structs(t: ir.Table) -> ir.Table:
    """Struct columns (BigQuery's `service`, `sku`, ... in Parquet/JSON exports) as dotted leaf columns.

    One naming scheme then serves CSV (`service.description`) and nested files alike; arrays stay as they are.
    """
    if not any(t[c].type().is_struct() for c in t.columns):
        return t
    cols: list[ir.Value] = []
    for c in t.columns:
        if t[c].type().is_struct():
            cols.extend(t[c][f].name(f"{c}.{f}") for f in t[c].type().names)
        else:
            cols.append(t[c])
    return flatten_structs(t.select(*cols))


def assemble(cols: Columns, out: Mapping[str, ir.Value | None]) -> ir.Table:
    """The FOCUS columns (as text, in FOCUS order) followed by every source column the mapping did not consume."""
    focus = {name: expr for name, expr in out.items() if expr is not None}
    unknown = set(focus) - set(FOCUS_COLUMNS)
    if unknown:  # a programming error in a format module, not a user error
        raise ValueError(f"not FOCUS columns: {sorted(unknown)}")
    ordered = [focus[name].cast("string").name(name) for name in FOCUS_COLUMNS if name in focus]
    taken = {name.lower() for name in focus}
    extras = []
    for name in cols.t.columns:
        if name in cols.consumed:
            continue
        new = name if name.lower() not in taken else f"{SOURCE_PREFIX}{name}"
        if new.lower() in taken:
            raise ValueError(f"column {name!r} collides with {new!r}")
        taken.add(new.lower())
        extras.append(cols.t[name].name(new))
    return cols.t.select(*ordered, *extras)


def require(cols: Columns, fmt: str, keys: Iterable[str]) -> None:
    """Refuse a file that lacks what the mapping cannot do without (reachable through an explicit `--format`)."""
    lacking = [k for k in keys if not cols.has(k)]
    if lacking:
        raise InputError(f"not a {fmt} export: it lacks the column(s) {', '.join(lacking)}")
