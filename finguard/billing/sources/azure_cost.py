"""Azure Cost Management cost details exports ("actual cost" or "amortized cost"), EA and MCA schemas.

Column names follow the Cost Management dataset schemas
(https://learn.microsoft.com/azure/cost-management-billing/dataset-schema/cost-usage-details-ea and
.../cost-usage-details-mca): EA files spell them PascalCase (`CostInBillingCurrency`, `BillingCurrencyCode`),
MCA files mostly camelCase (`costInBillingCurrency`, `billingCurrency`), so names are matched case-insensitively.
Detection wants CostInBillingCurrency, Date, ChargeType and MeterCategory.

The mapping follows Microsoft's own "Convert Cost Management data to FOCUS"
(https://learn.microsoft.com/cloud-computing/finops/focus/convert), applied row by row to one file. Microsoft
builds FOCUS from the amortized file plus the commitment purchases of the actual file; with one file:

* BilledCost <- CostInBillingCurrency, but 0 on Usage rows priced by a Reservation or SavingsPlan (in an
  amortized file those rows carry amortized cost that was never billed; in an actual file they are 0 already),
  and 0 on UnusedReservation/UnusedSavingsPlan rows too: Microsoft's table leaves those at cost, but they are
  amortized charges, which FOCUS keeps out of BilledCost (the commitment was billed on its purchase rows).
* EffectiveCost <- CostInBillingCurrency, but 0 on Purchase/Refund rows of a Reservation or SavingsPlan.
  An *actual* file therefore has the right BilledCost but lacks the amortized cost of commitments; an *amortized*
  file has the right EffectiveCost but lacks commitment purchases in BilledCost. Ingest both to get both right.
* ChargeCategory <- ChargeType: Usage, Purchase, Credit, Tax as is; UnusedReservation/UnusedSavingsPlan -> Usage;
  Refund -> Purchase (ChargeClass Correction); any other value -> Adjustment (as Microsoft does).
* ChargeFrequency <- Frequency (OneTime -> One-Time, UsageBased -> Usage-Based, Recurring as is; anything else
  passes through).
* BillingAccountId/Name <- BillingAccountId/Name for EA, BillingProfileId/Name for MCA; a row is MCA when its
  BillingAccountId contains ':' (Microsoft's own test). BillingAccountType "Billing Account"/"Billing Profile".
  The source `BillingAccountId` then no longer matches the FOCUS column, so it is kept as
  `x_Source_<its name as spelled>` (a kept column may not differ from a FOCUS column by case alone).
* BillingCurrency <- BillingCurrencyCode (EA) or BillingCurrency (MCA); PricingCurrency <- PricingCurrency (MCA).
* BillingPeriodStart <- BillingPeriodStartDate; BillingPeriodEnd <- BillingPeriodEndDate + 1 day (Azure's end
  date is inclusive), or Start + 1 month when absent. ChargePeriodStart <- Date, ChargePeriodEnd <- Date + 1 day.
  US-style dates (`09/15/2024`, as EA CSV files write them) are re-spelled `2024-09-15 00:00:00`.
* PricingUnit/PricingQuantity <- UnitOfMeasure split into block size and unit (`10 Hours` -> Quantity / 10
  Hours): Microsoft does this with its pricing-units data file; reading the leading number covers its common
  cases. ConsumedQuantity/ConsumedUnit <- Quantity and that unit, on Usage rows only.
* ContractedUnitPrice <- UnitPrice; ContractedCost <- UnitPrice x PricingQuantity.
* ListUnitPrice <- PayGPrice (x exchangeRatePricingToBilling when the file has it, as in MCA);
  ListCost <- paygCostInBillingCurrency (MCA), else ListUnitPrice x PricingQuantity (Microsoft leaves EA's null;
  this is the FOCUS definition of ListCost applied to EA's list price).
* PricingCategory <- PricingModel: OnDemand -> Standard, Spot -> Dynamic, Reservation/SavingsPlan -> Committed.
* CommitmentDiscountId <- benefitId (else ReservationId), Name <- benefitName (else ReservationName); Type and
  Category from the id (`/microsoft.capacity/` Reservation/Usage, `/microsoft.billingbenefits/` Savings
  Plan/Spend), else from PricingModel; Status Unused for Unused* charges, Used for commitment-priced usage.
* ServiceName <- MeterCategory (Microsoft maps ConsumedService with a lookup table; MeterCategory is the closest
  column to a service name). ServiceCategory is left null for want of that table.
* RegionName <- ResourceLocationNormalized (EA) / Location (MCA), else ResourceLocation; RegionId <-
  ResourceLocation lowercased without spaces. ResourceName <- ResourceName, else the last segment of
  ResourceId. SkuId <- ProductId (MCA). SubAccountId/Name <- SubscriptionId/Name (SubAccountType
  "Subscription"). InvoiceId <- InvoiceId (MCA). InvoiceIssuerName <- PartnerName, else "Microsoft".
  ProviderName "Microsoft". PublisherName, AvailabilityZone, ResourceId as is.
* Tags <- Tags, wrapped in `{}` when the export left them off (older EA files write `"k": "v","k2": "v2"`).
"""

from __future__ import annotations

from collections.abc import Collection

import ibis
import ibis.expr.types as ir

from finguard.billing.sources._common import (
    Columns,
    as_time_text,
    assemble,
    computed,
    lit,
    num,
    recode,
    require,
    shift_time,
)

NAME = "azure-cost"
DESCRIPTION = "Azure Cost Management cost details export (actual or amortized; EA or MCA)"
KEY_COLUMNS = ("CostInBillingCurrency", "Date", "ChargeType", "MeterCategory")

CHARGE_CATEGORY = {
    "Usage": "Usage", "Purchase": "Purchase", "Credit": "Credit", "Tax": "Tax",
    "UnusedReservation": "Usage", "UnusedSavingsPlan": "Usage", "Refund": "Purchase",
}
CHARGE_FREQUENCY = {"OneTime": "One-Time", "Recurring": "Recurring", "UsageBased": "Usage-Based"}
PRICING_CATEGORY = {"OnDemand": "Standard", "On Demand": "Standard", "Spot": "Dynamic",
                    "Reservation": "Committed", "SavingsPlan": "Committed"}
_COMMITMENT_MODELS = ("Reservation", "SavingsPlan")
# A unit of measure with a block size: "10 Hours", "100 GB", "1/Day" stays whole.
_BLOCK = r"^\s*(\d+(?:\.\d+)?)\s+(\S.*)$"


def detect(columns: Collection[str]) -> bool:
    """Azure cost details: its cost, date and charge columns, in either EA or MCA casing."""
    return {k.lower() for k in KEY_COLUMNS} <= {c.lower() for c in columns}


def _first(cols: Columns, *keys: str) -> ir.StringValue | None:
    """The first of these columns the file has (EA and MCA name some differently), consumed."""
    for key in keys:
        if cols.has(key):
            return cols.take(key)
    return None


def _either(cols: Columns, first: str, second: str) -> ir.StringValue | None:
    """Per row the first column's value, else the second's; consumed only when the file has just one of them."""
    a, b = cols.text(first), cols.text(second)
    if a is not None and b is not None:
        return a.coalesce(b)
    return _first(cols, first, second)


def to_focus(t: ir.Table) -> ir.Table:
    """Azure cost details rows as FOCUS columns (text), plus every column not carried over verbatim."""
    cols = Columns(t, key=str.lower)
    require(cols, NAME, KEY_COLUMNS)
    cost = cols.text("CostInBillingCurrency")
    charge = cols.text("ChargeType")
    model = cols.text("PricingModel")
    model = model if model is not None else lit(None)
    committed = model.isin(_COMMITMENT_MODELS)
    zero = lit("0")

    def blank(value: ir.StringValue | None) -> ir.StringValue:
        """A column the file may lack, as a null where it does (a CASE needs an expression)."""
        return value if value is not None else lit(None)

    account_id, profile_id = cols.text("BillingAccountId"), cols.text("BillingProfileId")
    if account_id is not None and profile_id is not None:
        is_mca = account_id.contains(":") & profile_id.notnull()
        billing_account = ibis.cases((is_mca, profile_id), else_=account_id)
        account_name = ibis.cases((is_mca, blank(cols.text("BillingProfileName"))),
                                  else_=blank(cols.text("BillingAccountName")))
        account_type = ibis.cases((is_mca, lit("Billing Profile")), else_=lit("Billing Account"))
    else:
        billing_account = _first(cols, "BillingAccountId", "BillingProfileId")
        account_name = _first(cols, "BillingAccountName", "BillingProfileName")
        account_type = None

    unit_text = cols.text("UnitOfMeasure")
    quantity = cols.text("Quantity")
    pricing_unit = pricing_quantity = block = None
    if unit_text is not None:
        has_block = unit_text.re_search(_BLOCK)
        # A zero block would divide by zero, an error under Spark's ANSI mode: leave such a quantity uncomputed.
        block = ibis.cases((has_block, num(unit_text.re_extract(_BLOCK, 1)).nullif(0.0)), else_=ibis.literal(1.0))
        pricing_unit = ibis.cases((has_block, unit_text.re_extract(_BLOCK, 2)), else_=unit_text)
    if quantity is not None:
        pricing_quantity = computed(num(quantity) / (block if block is not None else 1.0), quantity)
    usage = charge == "Usage"
    unused = charge.isin(("UnusedReservation", "UnusedSavingsPlan"))

    unit_price = cols.take("UnitPrice")
    payg = cols.text("PayGPrice")
    rate = cols.text("exchangeRatePricingToBilling")
    if payg is not None and rate is not None:
        list_unit_price = computed(num(payg) * num(rate).fill_null(1.0), payg, rate)
    else:
        list_unit_price = cols.take("PayGPrice")
    list_cost = cols.take("paygCostInBillingCurrency")
    if list_cost is None and list_unit_price is not None and pricing_quantity is not None:
        list_cost = computed(num(list_unit_price) * num(pricing_quantity), list_unit_price, pricing_quantity)
    contracted_cost = None
    if unit_price is not None and pricing_quantity is not None:
        contracted_cost = computed(num(unit_price) * num(pricing_quantity), unit_price, pricing_quantity)

    commitment_id = _either(cols, "benefitId", "ReservationId")
    commitment_type = commitment_category = commitment_status = None
    if commitment_id is not None:
        lowered = commitment_id.lower()
        commitment_type = ibis.cases(
            (lowered.contains("/microsoft.capacity/"), lit("Reservation")),
            (lowered.contains("/microsoft.billingbenefits/"), lit("Savings Plan")),
            (commitment_id.notnull() & (model == "Reservation"), lit("Reservation")),
            (commitment_id.notnull() & (model == "SavingsPlan"), lit("Savings Plan")),
            else_=lit(None),
        )
        commitment_category = commitment_type.substitute({"Reservation": "Usage", "Savings Plan": "Spend"})
    commitment_status = ibis.cases(
        (unused, lit("Unused")),
        (usage & committed, lit("Used")),
        else_=lit(None),
    )

    charge_start = cols.take_time("Date")
    period_start = cols.take_time("BillingPeriodStartDate")
    period_end_col = cols.col("BillingPeriodEndDate")  # shifted, so not consumed: the source column stays
    if period_end_col is not None:
        period_end = shift_time(as_time_text(period_end_col), days=1)
    else:
        period_end = None if period_start is None else shift_time(period_start, months=1)

    location = cols.text("ResourceLocation")
    region_name = _first(cols, "ResourceLocationNormalized", "Location")
    if region_name is None:
        region_name = cols.take("ResourceLocation")
    resource_id = cols.take("ResourceId")
    resource_name = cols.take("ResourceName")
    if resource_name is None and resource_id is not None:
        resource_name = resource_id.re_extract(r"([^/]+)/?$", 1).nullif("")
    partner = cols.text("PartnerName")
    tags = cols.take("Tags")
    if tags is not None:
        trimmed = tags.strip()
        tags = ibis.cases((trimmed.startswith("{"), trimmed), else_="{" + trimmed + "}").nullif("{}")
    subscription = cols.take("SubscriptionId")

    out = {
        "AvailabilityZone": cols.take("AvailabilityZone"),
        "BilledCost": None if cost is None else ibis.cases(((usage & committed) | unused, zero), else_=cost),
        "BillingAccountId": billing_account,
        "BillingAccountName": account_name,
        "BillingAccountType": account_type,
        "BillingCurrency": _first(cols, "BillingCurrencyCode", "BillingCurrency"),
        "BillingPeriodEnd": period_end,
        "BillingPeriodStart": period_start,
        "ChargeCategory": None if charge is None else ibis.cases(
            (charge.isin(tuple(CHARGE_CATEGORY)), charge.substitute(CHARGE_CATEGORY)),
            (charge.notnull(), lit("Adjustment")),
            else_=lit(None),
        ),
        "ChargeClass": ibis.cases((charge == "Refund", lit("Correction")), else_=lit(None)),
        "ChargeDescription": cols.take("ProductName"),
        "ChargeFrequency": None if not cols.has("Frequency") else recode(cols.text("Frequency"), CHARGE_FREQUENCY),
        "ChargePeriodEnd": None if charge_start is None else shift_time(charge_start, days=1),
        "ChargePeriodStart": charge_start,
        "CommitmentDiscountCategory": commitment_category,
        "CommitmentDiscountId": commitment_id,
        "CommitmentDiscountName": _either(cols, "benefitName", "ReservationName"),
        "CommitmentDiscountStatus": commitment_status,
        "CommitmentDiscountType": commitment_type,
        "ConsumedQuantity": None if quantity is None else ibis.cases((usage, quantity), else_=lit(None)),
        "ConsumedUnit": None if pricing_unit is None else ibis.cases((usage, pricing_unit), else_=lit(None)),
        "ContractedCost": contracted_cost,
        "ContractedUnitPrice": unit_price,
        "EffectiveCost": None if cost is None else ibis.cases(
            (charge.isin(("Purchase", "Refund")) & committed, zero), else_=cost),
        "InvoiceId": cols.take("InvoiceId"),
        "InvoiceIssuerName": lit("Microsoft") if partner is None else partner.coalesce(lit("Microsoft")),
        "ListCost": list_cost,
        "ListUnitPrice": list_unit_price,
        "PricingCategory": model.substitute(PRICING_CATEGORY, else_=lit(None)),
        "PricingCurrency": cols.take("PricingCurrency"),
        "PricingQuantity": pricing_quantity,
        "PricingUnit": pricing_unit,
        "ProviderName": lit("Microsoft"),
        "PublisherName": cols.take("PublisherName"),
        "RegionId": None if location is None else location.lower().replace(" ", ""),
        "RegionName": region_name,
        "ResourceId": resource_id,
        "ResourceName": resource_name,
        "ServiceName": _first(cols, "MeterCategory", "ConsumedService"),
        "SkuId": cols.take("ProductId"),
        "SubAccountId": subscription,
        "SubAccountName": cols.take("SubscriptionName"),
        "SubAccountType": None if subscription is None else lit("Subscription"),
        "Tags": tags,
    }
    return assemble(cols, out)
