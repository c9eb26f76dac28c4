"""Google Cloud Billing export to BigQuery (standard or detailed usage cost), read back as CSV, JSON or Parquet.

Column names follow the export schema
(https://cloud.google.com/billing/docs/how-to/export-data-bigquery-tables/standard-usage and .../detailed-usage).
The table nests records (`service.description`, `project.id`, `invoice.month`) and repeats others (`labels`,
`credits`). A Parquet or JSON extract keeps the structs, which are flattened here to dotted names; a CSV extract
has the dotted names already (or underscores, `service_description`, as `SELECT service.description AS ...`
gives: both spellings are accepted) with the repeated fields as JSON text (`TO_JSON_STRING(labels)`).
Detection wants billing_account_id, cost, currency, usage_start_time and the service description.

Mapping (FOCUS column <- export column), after the FinOps Foundation converter
(https://github.com/finopsfoundation/focus_converters, conversion_rules_export/markdown/gcp.md):

* BilledCost <- cost + the sum of credits.amount (credits are negative). `cost` is before credits; the invoice
  is after them, and FOCUS BilledCost includes "all reduced rates and discounts", so credits (sustained and
  committed use discounts, free tier, promotions) are netted into the row they apply to instead of becoming
  rows of their own: one export row stays one FOCUS row. `cost` and `credits` are kept as extras, so the gross
  cost and each credit remain queryable. EffectiveCost is the same amount: the standard export does not
  amortise commitment fees, which arrive as monthly regular charges.
* ListCost <- cost_at_list (present in newer exports).
* ChargeCategory <- cost_type: regular -> Usage, tax -> Tax, adjustment and rounding_error -> Adjustment
  (adjustment with ChargeClass Correction: they correct earlier usage); an unknown value passes through; a file
  without cost_type is all Usage. Commitment (CUD) fees are regular rows and so land in Usage, not Purchase.
* BillingPeriodStart <- invoice.month ("202409" -> 2024-09-01 00:00:00), BillingPeriodEnd = Start + 1 month;
  without invoice.month, the month of usage_start_time. Google bills invoice months in Pacific time; like the
  other providers' periods they are stored as the calendar month, without a time-zone shift.
* ChargePeriodStart/End <- usage_start_time/usage_end_time.
* BillingAccountId <- billing_account_id; BillingCurrency <- currency; SubAccountId/Name <- project.id/name
  (SubAccountType "Project"); ServiceName <- service.description; ChargeDescription <- sku.description;
  SkuId <- sku.id; RegionId <- location.region; AvailabilityZone <- location.zone; ResourceId <-
  resource.global_name and ResourceName <- resource.name (detailed export); PricingQuantity/PricingUnit <-
  usage.amount_in_pricing_units/usage.pricing_unit; ConsumedQuantity/ConsumedUnit <- usage.amount/usage.unit on
  Usage rows; ContractedUnitPrice <- price.effective_price (detailed export); PublisherName <- seller_name, else
  "Google Cloud"; ProviderName "Google Cloud". ServiceCategory is left null (it needs a lookup table).
* Tags <- labels (the resource's own labels) as a JSON object. project.labels, system_labels and tags are kept
  as extras, not merged: merging would make a project label look like it was set on the resource.
"""

from __future__ import annotations

from collections.abc import Collection

import ibis
import ibis.expr.types as ir

from finguard.billing.sources import _json
from finguard.billing.sources._common import (
    TIMESTAMP_FORMAT,
    Columns,
    as_text,
    assemble,
    computed,
    flatten_structs,
    lit,
    num,
    recode,
    require,
    shift_time,
)

NAME = "gcp-billing"
DESCRIPTION = "Google Cloud Billing export to BigQuery (standard or detailed), as CSV, JSON or Parquet"
KEY_COLUMNS = ("billing_account_id", "cost", "currency", "usage_start_time", "service.description")

CHARGE_CATEGORY = {"regular": "Usage", "tax": "Tax", "adjustment": "Adjustment", "rounding_error": "Adjustment"}
_MONTH = r"^(\d{4})(\d{2})$"


def _key(name: str) -> str:
    """`service.description` and `service_description` are one column."""
    return name.lower().replace(".", "_")


def detect(columns: Collection[str]) -> bool:
    """A BigQuery billing export: its account, cost and usage-time columns and the service (flat or a struct)."""
    names = {_key(c) for c in columns}
    return {_key(k) for k in KEY_COLUMNS[:4]} <= names and bool({"service_description", "service"} & names)


def _credits_total(credits: ir.Value, backend: str) -> tuple[ir.FloatingValue, ir.BooleanValue]:
    """The sum of the credits' amounts (0 for none), and whether the credits could not be read."""
    if credits.type().is_array():
        amounts = credits
        unreadable = ibis.literal(False)
    else:
        text = as_text(credits)
        amounts = _json.parse_amounts(text, backend)
        unreadable = text.notnull() & amounts.isnull()
    total = amounts.map(lambda c: c["amount"].cast("float64")).sums().fill_null(0.0)
    return total, unreadable


def _labels(labels: ir.Value, backend: str) -> ir.StringValue:
    """Labels as a JSON object: from key/value structs, from their JSON text, or passed on when already an object."""
    if labels.type().is_array():
        return _json.entries_json(labels)
    text = as_text(labels).strip()
    entries = _json.parse_entries(text, backend)
    return ibis.cases(
        (text.startswith("{"), text),
        (text.notnull() & entries.isnull(), text),  # not key/value JSON: the ingest reports it
        else_=_json.entries_json(entries),
    )


def to_focus(t: ir.Table) -> ir.Table:
    """BigQuery billing rows as FOCUS columns (text), plus every column not carried over verbatim."""
    backend = _json.backend_name(t)
    cols = Columns(flatten_structs(t), key=_key)
    require(cols, NAME, KEY_COLUMNS)
    cost = cols.text("cost")
    credits = cols.col("credits")
    if credits is None:
        billed = cols.take("cost")
    else:
        total, unreadable = _credits_total(credits, backend)
        billed = ibis.cases(
            (unreadable, as_text(credits)),
            (total == 0, cost),
            else_=computed(num(cost) + total, cost),
        )

    cost_type = cols.text("cost_type")
    category = lit("Usage") if cost_type is None else recode(cost_type, CHARGE_CATEGORY)
    usage = category == "Usage"

    month = cols.text("invoice.month")
    if month is not None:
        cols.consumed.add(cols.name("invoice.month"))
        period_start = ibis.cases(
            (month.re_search(_MONTH), month.re_extract(_MONTH, 1) + "-" + month.re_extract(_MONTH, 2)
             + "-01 00:00:00"),
            else_=month,
        )
    else:
        start = cols.text("usage_start_time").try_cast("timestamp")
        period_start = start.truncate("M").strftime(TIMESTAMP_FORMAT)

    usage_amount = cols.text("usage.amount")
    usage_unit = cols.text("usage.unit")
    project = cols.take("project.id")
    seller = cols.text("seller_name")
    labels = cols.col("labels")
    if labels is not None:
        cols.consumed.add(cols.name("labels"))

    out = {
        "AvailabilityZone": cols.take("location.zone"),
        "BilledCost": billed,
        "BillingAccountId": cols.take("billing_account_id"),
        "BillingCurrency": cols.take("currency"),
        "BillingPeriodEnd": shift_time(period_start, months=1),
        "BillingPeriodStart": period_start,
        "ChargeCategory": category,
        "ChargeClass": None if cost_type is None else ibis.cases(
            (cost_type == "adjustment", lit("Correction")), else_=lit(None)),
        "ChargeDescription": cols.take("sku.description"),
        "ChargePeriodEnd": cols.take_time("usage_end_time"),
        "ChargePeriodStart": cols.take_time("usage_start_time"),
        "ConsumedQuantity": None if usage_amount is None else ibis.cases((usage, usage_amount), else_=lit(None)),
        "ConsumedUnit": None if usage_unit is None else ibis.cases((usage, usage_unit), else_=lit(None)),
        "ContractedUnitPrice": cols.take("price.effective_price"),
        "EffectiveCost": billed,
        "ListCost": cols.take("cost_at_list"),
        "PricingQuantity": cols.take("usage.amount_in_pricing_units"),
        "PricingUnit": cols.take("usage.pricing_unit"),
        "ProviderName": lit("Google Cloud"),
        "PublisherName": lit("Google Cloud") if seller is None else seller.coalesce(lit("Google Cloud")),
        "RegionId": cols.take("location.region"),
        "ResourceId": cols.take("resource.global_name"),
        "ResourceName": cols.take("resource.name"),
        "ServiceName": cols.take("service.description"),
        "SkuId": cols.take("sku.id"),
        "SubAccountId": project,
        "SubAccountName": cols.take("project.name"),
        "SubAccountType": None if project is None else lit("Project"),
        "Tags": None if labels is None else _labels(labels, backend),
    }
    return assemble(cols, out)
