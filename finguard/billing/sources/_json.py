"""The JSON handling Ibis cannot express portably, chosen by backend name ("duckdb" or "pyspark").

Ibis has no engine-neutral way to parse a JSON string or to print a map as a JSON object, so this module calls
each engine's own builtins: DuckDB `json_transform` over `TRY_CAST(x AS JSON)` (which yields null, not an error,
for malformed text) and Spark `from_json` behind a `get_json_object` validity check; both engines name their
map-to-JSON function `to_json`. Everything else (building maps, filtering arrays, summing) is plain Ibis.
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

STRING_MAP = dt.Map(dt.string, dt.string)
ENTRIES = dt.Array(dt.Struct({"key": dt.string, "value": dt.string}))
AMOUNTS = dt.Array(dt.Struct({"amount": dt.float64}))

# The shape to parse into, spelled the way each engine wants it.
_SHAPES = {
    "duckdb": {"map": '"MAP(VARCHAR, VARCHAR)"', "entries": '[{"key":"VARCHAR","value":"VARCHAR"}]',
               "amounts": '[{"amount":"DOUBLE"}]'},
    "pyspark": {"map": "map<string,string>", "entries": "array<struct<key:string,value:string>>",
                "amounts": "array<struct<amount:double>>"},
}


@ibis.udf.scalar.builtin(name="json_transform")
def _duck_map(x: dt.JSON, shape: str) -> STRING_MAP:  # type: ignore[empty-body]
    """DuckDB: JSON into a typed value."""


@ibis.udf.scalar.builtin(name="json_transform")
def _duck_entries(x: dt.JSON, shape: str) -> ENTRIES:  # type: ignore[empty-body]
    """DuckDB: JSON into a typed value."""


@ibis.udf.scalar.builtin(name="json_transform")
def _duck_amounts(x: dt.JSON, shape: str) -> AMOUNTS:  # type: ignore[empty-body]
    """DuckDB: JSON into a typed value."""


@ibis.udf.scalar.builtin(name="from_json")
def _spark_map(x: str, shape: str) -> STRING_MAP:  # type: ignore[empty-body]
    """Spark: JSON text into a typed value."""


@ibis.udf.scalar.builtin(name="from_json")
def _spark_entries(x: str, shape: str) -> ENTRIES:  # type: ignore[empty-body]
    """Spark: JSON text into a typed value."""


@ibis.udf.scalar.builtin(name="from_json")
def _spark_amounts(x: str, shape: str) -> AMOUNTS:  # type: ignore[empty-body]
    """Spark: JSON text into a typed value."""


@ibis.udf.scalar.builtin(name="get_json_object")
def _spark_json_path(x: str, path: str) -> str:  # type: ignore[empty-body]
    """Spark: null for malformed JSON, which makes it the validity check."""


@ibis.udf.scalar.builtin(name="to_json")
def _to_json(x: STRING_MAP) -> dt.JSON:  # type: ignore[empty-body]
    """DuckDB and Spark alike: a map<string, string> as a JSON object.

    Typed JSON so that callers cast it to text: DuckDB's JSON type would otherwise win a CASE against a raw-text
    branch and re-parse that text as JSON, failing on exactly the malformed values meant to pass through.
    """


_PARSERS = {
    "duckdb": {"map": _duck_map, "entries": _duck_entries, "amounts": _duck_amounts},
    "pyspark": {"map": _spark_map, "entries": _spark_entries, "amounts": _spark_amounts},
}


def backend_name(t: ir.Table) -> str:
    """The engine a table lives on; a table not bound to one (a memtable) is taken as DuckDB, Ibis's default."""
    try:
        name = t._find_backend(use_default=True).name
    except Exception:  # pragma: no cover - Ibis raises several types when a table has no backend
        name = "duckdb"
    if name not in _SHAPES:
        raise NotImplementedError(f"billing formats support DuckDB and PySpark, not {name!r}")
    return name


def _parse(text: ir.StringValue, backend: str, kind: str) -> ir.Value:
    fn = _PARSERS[backend][kind]
    if backend == "duckdb":
        return fn(text.try_cast(dt.json), _SHAPES[backend][kind])
    valid = ibis.cases((_spark_json_path(text, "$").notnull(), text), else_=ibis.null("string"))
    return fn(valid, _SHAPES[backend][kind])


def parse_map(text: ir.StringValue, backend: str) -> ir.MapValue:
    """A JSON object of strings as a map; null for text that is not one."""
    return _parse(text, backend, "map")


def parse_entries(text: ir.StringValue, backend: str) -> ir.ArrayValue:
    """A JSON array of `{"key": ..., "value": ...}` objects (BigQuery's labels); null for other text."""
    return _parse(text, backend, "entries")


def parse_amounts(text: ir.StringValue, backend: str) -> ir.ArrayValue:
    """A JSON array of objects with an `amount` (BigQuery's credits); null for other text."""
    return _parse(text, backend, "amounts")


def map_json(m: ir.MapValue) -> ir.StringValue:
    """A map as a JSON object string, null when the map is null or empty."""
    return _to_json(m.cast(STRING_MAP)).cast("string").nullif("{}")


def entries_json(entries: ir.ArrayValue) -> ir.StringValue:
    """Key/value structs (null keys and values dropped) as a JSON object string, null when none are left."""
    kept = entries.filter(lambda e: e["key"].notnull() & e["value"].notnull())
    keys = kept.map(lambda e: e["key"].cast("string"))
    return map_json(ibis.map(keys, kept.map(lambda e: e["value"].cast("string"))))
