"""AWS Cost and Usage Report 2.0 (AWS Data Exports), and the CUR-to-FOCUS mapping the legacy CUR reuses.

Column names follow the CUR 2.0 data dictionary (https://docs.aws.amazon.com/cur/latest/userguide/table-dictionary-cur2.html):
a fixed schema of snake_case columns plus map columns (`resource_tags`, `product`, `cost_category`, `discount`),
which a Parquet export stores as real maps and a CSV export as JSON text. Detection wants the core cost and
period columns and one CUR 2.0-only column (a map, or an account-name column legacy CUR never had); the legacy
report's Athena spelling shares the rest of the names, which is why that test is needed.

Mapping (FOCUS column <- CUR column):

* BilledCost <- line_item_unblended_cost. Discounts (EDP, private rates) are their own line items in CUR, so the
  per-row unblended costs add up to the invoice; `line_item_net_unblended_cost` is kept as an extra.
* EffectiveCost <- the amortised cost AWS documents in its Well-Architected CUR query library
  (https://catalog.workshops.aws/cur-query-library/en-US/queries/global#amortized-cost-by-charge-type): the
  Savings Plan/reservation effective cost on covered usage, the unused commitment on recurring fees, 0 on
  negations and upfront fees, unblended cost otherwise. A branch whose columns the file lacks falls back to
  unblended cost (legacy CUR only has the Savings Plan and reservation columns in months that used them).
* ListCost/ListUnitPrice <- pricing_public_on_demand_cost/_rate. ContractedCost is left null: CUR has no
  negotiated-rate cost column outside the optional `cost_analytics_*` set.
* ChargeCategory <- line_item_line_item_type, following the FOCUS definitions
  (https://focus.finops.org/focus-specification/v1-2/#chargecategory) and the FinOps Foundation converter
  (https://github.com/finopsfoundation/focus_converters, conversion_rules_export/markdown/aws-cur.md):
  Usage, DiscountedUsage, SavingsPlanCoveredUsage, SavingsPlanNegation and the discount types -> Usage (negative
  usage charges); Fee, RIFee, SavingsPlanUpfrontFee, SavingsPlanRecurringFee -> Purchase; Tax -> Tax;
  Credit -> Credit; Refund -> Credit with ChargeClass Correction (CUR does not say what a refund refunds). An
  unknown type passes through as written, so the ingest rejects it by name rather than guessing.
* ChargeClass <- "Correction" for Refund line items or a Refund bill (bill_bill_type).
* ChargeFrequency <- line item type: usage types Usage-Based, RIFee/SavingsPlanRecurringFee Recurring, the rest
  One-Time.
* PricingCategory <- Committed for covered usage, Dynamic for Spot usage types, Standard for pricing_term OnDemand.
* CommitmentDiscountId <- savings_plan_savings_plan_a_r_n, else reservation_reservation_a_r_n; Type "Savings
  Plan"/"Reservation", Category Spend/Usage, Status Used on covered usage (CUR reports unused commitment inside
  the fee rows, not as rows of its own, so Unused is never set).
* BillingAccountId/Name <- bill_payer_account_id/_name; SubAccountId/Name <- line_item_usage_account_id/_name.
* BillingPeriodStart/End <- bill_billing_period_start_date/_end_date (End = Start + 1 month when absent);
  ChargePeriodStart/End <- line_item_usage_start_date/_end_date. Timestamps are re-spelled `YYYY-MM-DD HH:MM:SS`.
* ServiceName <- the product name (`product['product_name']`, legacy `product/ProductName`), else
  line_item_product_code. ServiceCategory is left null: it needs a lookup table CUR does not carry.
* RegionId <- product_region_code (legacy: product/region), RegionName <- product_location, AvailabilityZone,
  ResourceId, SkuId <- product_sku, SkuPriceId <- pricing_rate_code (`SKU.OfferTerm.RateCode`, as AWS's FOCUS
  export writes it), PricingUnit <- pricing_unit, PricingQuantity <- line_item_usage_amount (ConsumedQuantity and
  ConsumedUnit too, on Usage rows), InvoiceId <- bill_invoice_id, InvoiceIssuerName <- bill_invoicing_entity,
  PublisherName <- line_item_legal_entity, ProviderName "AWS".
* Tags <- resource_tags as a JSON object. User tags lose the `user_` prefix CUR adds (`user_team` -> `team`) so
  keys read as they were written on the resource; AWS-generated tags keep theirs (`aws_created_by`).
"""

from __future__ import annotations

from collections.abc import Collection

import ibis
import ibis.expr.types as ir

from finguard.billing.sources import _json
from finguard.billing.sources._common import (
    Columns,
    as_text,
    assemble,
    computed,
    lit,
    num,
    recode,
    require,
    shift_time,
    snake,
)

NAME = "aws-cur2"
DESCRIPTION = "AWS Cost and Usage Report 2.0 (AWS Data Exports; Parquet or CSV)"
KEY_COLUMNS = ("line_item_unblended_cost", "bill_billing_period_start_date", "line_item_usage_start_date",
               "resource_tags")
# Columns only CUR 2.0 has: its map columns, and the account names legacy CUR never carried.
CUR2_ONLY = ("resource_tags", "product", "cost_category", "discount", "bill_payer_account_name",
             "line_item_usage_account_name")
CORE = KEY_COLUMNS[:3]

_USAGE = ("Usage", "DiscountedUsage", "SavingsPlanCoveredUsage", "SavingsPlanNegation")
_DISCOUNTS = ("BundledDiscount", "Discount", "EdpDiscount", "PrivateRateDiscount", "DistributorDiscount",
              "SppDiscount")
_FEES = ("Fee", "RIFee", "SavingsPlanUpfrontFee", "SavingsPlanRecurringFee")
CHARGE_CATEGORY = {
    **dict.fromkeys(_USAGE + _DISCOUNTS, "Usage"),
    **dict.fromkeys(_FEES, "Purchase"),
    "Tax": "Tax",
    "Credit": "Credit",
    "Refund": "Credit",
}
CHARGE_FREQUENCY = {
    **dict.fromkeys(_USAGE + _DISCOUNTS, "Usage-Based"),
    "RIFee": "Recurring",
    "SavingsPlanRecurringFee": "Recurring",
    **dict.fromkeys(("Fee", "SavingsPlanUpfrontFee", "Tax", "Credit", "Refund"), "One-Time"),
}


def detect(columns: Collection[str]) -> bool:
    """CUR 2.0: the core CUR columns, spelled snake_case, and a column only CUR 2.0 has."""
    names = set(columns)
    return set(CORE) <= names and any(c in names for c in CUR2_ONLY)


def to_focus(t: ir.Table) -> ir.Table:
    """CUR 2.0 rows as FOCUS columns (text), plus every CUR column not carried over verbatim."""
    cols = Columns(t, key=snake)
    backend = _json.backend_name(t)
    tags = None
    raw_tags = cols.col("resource_tags")
    if raw_tags is not None:
        cols.consumed.add(cols.name("resource_tags"))
        tags_map = raw_tags if raw_tags.type().is_map() else _json.parse_map(as_text(raw_tags), backend)
        keys = tags_map.keys().map(lambda k: k.re_replace("^user_", ""))
        tags = _json.map_json(ibis.map(keys, tags_map.values()))
        if not raw_tags.type().is_map():  # text that is not a JSON object goes on as it was, for the ingest to report
            text = as_text(raw_tags)
            tags = ibis.cases((text.notnull() & tags_map.isnull(), text), else_=tags)
    product_name = None
    product = cols.col("product")
    if product is not None:
        product_map = product if product.type().is_map() else _json.parse_map(as_text(product), backend)
        product_name = product_map.get("product_name").cast("string").nullif("")
    return map_cur(cols, tags=tags, product_name=product_name)


def _first(cols: Columns, *keys: str) -> ir.StringValue | None:
    """The first of these columns the file has, consumed."""
    for key in keys:
        if cols.has(key):
            return cols.take(key)
    return None


def map_cur(cols: Columns, *, tags: ir.StringValue | None, product_name: ir.StringValue | None) -> ir.Table:
    """The CUR mapping shared by CUR 2.0 and the legacy CUR, over columns looked up by their snake_case names."""
    require(cols, "AWS CUR", CORE)
    kind = cols.text("line_item_line_item_type")
    unblended = cols.take("line_item_unblended_cost")
    if kind is None:
        kind = lit(None)

    def number(key: str) -> tuple[ir.FloatingValue, ir.StringValue] | None:
        text = cols.text(key)
        return None if text is None else (num(text), text)

    sp_effective = number("savings_plan_savings_plan_effective_cost")
    sp_commitment = number("savings_plan_total_commitment_to_date")
    sp_used = number("savings_plan_used_commitment")
    ri_effective = number("reservation_effective_cost")
    ri_unused_upfront = number("reservation_unused_amortized_upfront_fee_for_billing_period")
    ri_unused_recurring = number("reservation_unused_recurring_fee")
    sp_arn = cols.text("savings_plan_savings_plan_a_r_n")
    ri_arn = cols.text("reservation_reservation_a_r_n")

    # Each branch: the line item types it covers and its amount as text (a bad input's own text where it failed).
    zero = lit("0")
    branches: list[tuple[ir.BooleanValue, ir.StringValue]] = [
        (kind.isin(("SavingsPlanNegation", "SavingsPlanUpfrontFee")), zero)]
    if sp_effective is not None:
        branches.append((kind == "SavingsPlanCoveredUsage", sp_effective[1]))
    if sp_commitment is not None and sp_used is not None:
        branches.append((kind == "SavingsPlanRecurringFee",
                         computed(sp_commitment[0] - sp_used[0], sp_commitment[1], sp_used[1])))
    if ri_effective is not None:
        branches.append((kind == "DiscountedUsage", ri_effective[1]))
    if ri_unused_upfront is not None and ri_unused_recurring is not None:
        branches.append((kind == "RIFee", computed(ri_unused_upfront[0] + ri_unused_recurring[0],
                                                   ri_unused_upfront[1], ri_unused_recurring[1])))
    if ri_arn is not None:
        branches.append(((kind == "Fee") & ri_arn.notnull(), zero))
    effective = ibis.cases(*branches, else_=unblended)

    commitment_id = None
    if sp_arn is not None or ri_arn is not None:
        sp = sp_arn if sp_arn is not None else lit(None)
        ri = ri_arn if ri_arn is not None else lit(None)
        commitment_id = sp.coalesce(ri)
        is_sp = sp.notnull()
        is_ri = sp.isnull() & ri.notnull()
    covered = kind.isin(("SavingsPlanCoveredUsage", "DiscountedUsage"))
    category = recode(kind, CHARGE_CATEGORY)
    is_usage = category == "Usage"
    usage_amount = cols.take("line_item_usage_amount")
    unit = cols.take("pricing_unit")
    bill_type = cols.text("bill_bill_type")
    correction = kind == "Refund"
    if bill_type is not None:
        correction = correction | (bill_type == "Refund")
    pricing_term = cols.text("pricing_term")
    usage_type = cols.text("line_item_usage_type")
    pricing_cases = [(covered, lit("Committed"))]
    if usage_type is not None:
        pricing_cases.append((usage_type.contains("SpotUsage"), lit("Dynamic")))
    if pricing_term is not None:
        pricing_cases.append((pricing_term == "OnDemand", lit("Standard")))

    service_code = cols.text("line_item_product_code")
    if product_name is None:
        product_name = cols.text("product_product_name")
    service = product_name.coalesce(service_code) if product_name is not None else service_code

    period_start = cols.take_time("bill_billing_period_start_date")
    period_end = cols.take_time("bill_billing_period_end_date")
    if period_end is None and period_start is not None:
        period_end = shift_time(period_start, months=1)

    out = {
        "AvailabilityZone": cols.take("line_item_availability_zone"),
        "BilledCost": unblended,
        "BillingAccountId": cols.take("bill_payer_account_id"),
        "BillingAccountName": cols.take("bill_payer_account_name"),
        "BillingCurrency": cols.take("line_item_currency_code"),
        "BillingPeriodEnd": period_end,
        "BillingPeriodStart": period_start,
        "ChargeCategory": category,
        "ChargeClass": ibis.cases((correction, lit("Correction")), else_=lit(None)),
        "ChargeDescription": cols.take("line_item_line_item_description"),
        "ChargeFrequency": kind.substitute(CHARGE_FREQUENCY, else_=lit(None)),
        "ChargePeriodEnd": cols.take_time("line_item_usage_end_date"),
        "ChargePeriodStart": cols.take_time("line_item_usage_start_date"),
        "CommitmentDiscountCategory": None if commitment_id is None else ibis.cases(
            (is_sp, lit("Spend")), (is_ri, lit("Usage")), else_=lit(None)),
        "CommitmentDiscountId": commitment_id,
        "CommitmentDiscountStatus": None if commitment_id is None else ibis.cases(
            (covered & commitment_id.notnull(), lit("Used")), else_=lit(None)),
        "CommitmentDiscountType": None if commitment_id is None else ibis.cases(
            (is_sp, lit("Savings Plan")), (is_ri, lit("Reservation")), else_=lit(None)),
        "ConsumedQuantity": None if usage_amount is None else ibis.cases((is_usage, usage_amount), else_=lit(None)),
        "ConsumedUnit": None if unit is None else ibis.cases((is_usage, unit), else_=lit(None)),
        "EffectiveCost": effective,
        "InvoiceId": cols.take("bill_invoice_id"),
        "InvoiceIssuerName": cols.take("bill_invoicing_entity"),
        "ListCost": cols.take("pricing_public_on_demand_cost"),
        "ListUnitPrice": cols.take("pricing_public_on_demand_rate"),
        "PricingCategory": ibis.cases(*pricing_cases, else_=lit(None)),
        "PricingQuantity": usage_amount,
        "PricingUnit": unit,
        "ProviderName": lit("AWS"),
        "PublisherName": cols.take("line_item_legal_entity"),
        "RegionId": _first(cols, "product_region_code", "product_region"),
        "RegionName": cols.take("product_location"),
        "ResourceId": cols.take("line_item_resource_id"),
        "ServiceName": service,
        "SkuId": cols.take("product_sku"),
        "SkuPriceId": cols.take("pricing_rate_code"),
        "SubAccountId": cols.take("line_item_usage_account_id"),
        "SubAccountName": cols.take("line_item_usage_account_name"),
        "Tags": tags,
    }
    return assemble(cols, out)
