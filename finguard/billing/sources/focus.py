"""FOCUS itself (https://focus.finops.org): the columns already are the canonical schema.

FOCUS columns pass through as text (typed timestamps spelled `YYYY-MM-DD HH:MM:SS`; a `Tags` map, as AWS writes
it in Parquet, printed as a JSON object). Every other column (`x_*` extensions, a provider's own columns such as
the `Id` in the FinOps Foundation sample) passes through unchanged for the ingest to keep in `x_Extra`.
Detection wants the mandatory FOCUS columns spelled exactly, so a native export that shares a name or two
(Azure's `ResourceId`, `Tags`) never matches, and it is tried before every provider format.
"""

from __future__ import annotations

from collections.abc import Collection

import ibis.expr.types as ir

from finguard.billing.schema import FOCUS_COLUMNS
from finguard.billing.sources import _json
from finguard.billing.sources._common import as_text

NAME = "focus"
DESCRIPTION = "FOCUS 1.0-1.2 export (any provider's native FOCUS export, or a converted one)"
PRIORITY = 0
KEY_COLUMNS = ("BilledCost", "BillingCurrency", "BillingPeriodStart", "ChargePeriodStart", "ChargeCategory")


def detect(columns: Collection[str]) -> bool:
    """FOCUS when the mandatory columns are there, spelled as the spec spells them."""
    return set(KEY_COLUMNS) <= set(columns)


def to_focus(t: ir.Table) -> ir.Table:
    """FOCUS columns as text; everything else unchanged."""
    out = []
    for name in t.columns:
        c = t[name]
        if name not in FOCUS_COLUMNS:
            out.append(c)
        elif c.type().is_map():
            out.append(_json.map_json(c).name(name))
        elif c.type().is_string():
            out.append(c)
        else:
            out.append(as_text(c).name(name))
    return t.select(*out)
