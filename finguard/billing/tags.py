"""Tags as a map, parsed once per distinct tag set rather than once per row.

Charges store `Tags` as the JSON text the export had. Parsing it on every one of 10 million rows costs
seconds, and writing a map column costs more, while a bill has few distinct tag sets (every hour of a resource
repeats its tags): so jobs parse the distinct texts and join the maps back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from finguard.billing.schema import X_TAGS

if TYPE_CHECKING:
    import ibis.expr.types as ir


def backend_of(t: ir.Table) -> str:
    from finguard.billing.sources._json import backend_name

    return backend_name(t)


def parsed_tag_sets(t: ir.Table) -> ir.Table:
    """(`_tags_text`, `x_Tags`) for every distinct non-empty Tags text; `x_Tags` is null when it is not JSON."""
    from finguard.billing.sources._json import parse_map

    distinct = t.select(_tags_text=t.Tags.nullif("")).filter(lambda r: r._tags_text.notnull()).distinct()
    return distinct.mutate(**{X_TAGS: parse_map(distinct._tags_text, backend_of(t))})


def with_tags(t: ir.Table) -> ir.Table:
    """`t` plus an `x_Tags` map column (null for rows without tags)."""
    if t.Tags.type().is_map():
        return t.mutate(**{X_TAGS: t.Tags.cast("map<string, string>")})
    sets = parsed_tag_sets(t)
    joined = t.left_join(sets, t.Tags == sets._tags_text)
    return joined.select(*t.columns, X_TAGS)
