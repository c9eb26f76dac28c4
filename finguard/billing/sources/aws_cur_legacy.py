"""The legacy AWS Cost and Usage Report, in its CSV spelling (`lineItem/UnblendedCost`) or its Athena one
(`line_item_unblended_cost`).

Column names follow the legacy CUR data dictionary (https://docs.aws.amazon.com/cur/latest/userguide/data-dictionary.html).
A CSV report writes `category/ColumnName` headers with one column per cost-allocation tag
(`resourceTags/user:team`); the Athena/Parquet integration spells every column the way Athena must
(https://docs.aws.amazon.com/cur/latest/userguide/cur-query-athena.html): lowercase, an underscore before each
capital and in place of every other character, so `lineItem/UnblendedCost` is `line_item_unblended_cost`,
`reservation/ReservationARN` is `reservation_reservation_a_r_n` and `resourceTags/user:team` is
`resource_tags_user_team`. Both spellings are looked up through that one conversion, and they coincide with
CUR 2.0's own names, so this module applies the CUR 2.0 mapping (see `aws_cur2` for every decision, with its
sources) to whichever spelling the file has.

What differs from CUR 2.0:

* Detection: the core CUR columns under either spelling, and none of the columns only CUR 2.0 has.
* Tags <- every `resourceTags/*` (or `resource_tags_*`) column, one JSON object per row with the tags that have a
  value. User tags lose their `user:` (`user_`) prefix (`resourceTags/user:team` -> `team`); AWS-generated tags
  keep theirs (`aws:createdBy`). The Athena spelling has already lost the original case and punctuation of the
  key (`resource_tags_user_cost_center`), so those keys stay as Athena wrote them.
* Legacy CUR has no account-name columns, so BillingAccountName and SubAccountName stay null, and the product
  name is `product/ProductName`.
"""

from __future__ import annotations

from collections.abc import Collection

import ibis
import ibis.expr.types as ir

from finguard.billing.sources import _json, aws_cur2
from finguard.billing.sources._common import Columns, as_text, lit, snake

NAME = "aws-cur"
DESCRIPTION = "AWS legacy Cost and Usage Report (CSV `lineItem/...` headers, or the Athena `line_item_...` spelling)"
KEY_COLUMNS = ("lineItem/UnblendedCost", "bill/BillingPeriodStartDate", "lineItem/UsageStartDate")


def detect(columns: Collection[str]) -> bool:
    """Legacy CUR: the core CUR columns in either spelling, and nothing only CUR 2.0 has."""
    return set(aws_cur2.CORE) <= {snake(c) for c in columns} and not aws_cur2.detect(columns)


def _tag_key(column: str) -> str | None:
    """The tag key a tag column holds, or None when the column is not a tag column."""
    if column.startswith("resourceTags/"):
        key = column.removeprefix("resourceTags/")
        return key.removeprefix("user:")
    if column.startswith("resource_tags_"):
        key = column.removeprefix("resource_tags_")
        return key.removeprefix("user_")
    return None


def to_focus(t: ir.Table) -> ir.Table:
    """Legacy CUR rows as FOCUS columns (text), plus every CUR column not carried over verbatim."""
    cols = Columns(t, key=snake)
    entries = []
    for column in t.columns:
        key = _tag_key(column)
        if key:
            cols.consumed.add(column)
            entries.append(ibis.struct({"key": lit(key), "value": as_text(t[column])}))
    tags = _json.entries_json(ibis.array(entries)) if entries else None
    return aws_cur2.map_cur(cols, tags=tags, product_name=None)
