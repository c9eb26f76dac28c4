"""The FOCUS columns finguard keeps, their types, and which of them a row cannot do without.

FOCUS (https://focus.finops.org) is the canonical schema: every export is mapped onto it before validation.
Columns are listed by the version that introduced them so a 1.0 file and a 1.2 file land in one table; a column
a file lacks is stored as null. Columns a file has that FOCUS does not (`x_*` extensions, vendor columns) are
kept, not dropped, in the `x_Extra` map, so ingest loses nothing.
"""

from __future__ import annotations

from typing import Literal

ColumnType = Literal["string", "float64", "timestamp"]

FOCUS_1_0: dict[str, ColumnType] = {
    "AvailabilityZone": "string",
    "BilledCost": "float64",
    "BillingAccountId": "string",
    "BillingAccountName": "string",
    "BillingCurrency": "string",
    "BillingPeriodEnd": "timestamp",
    "BillingPeriodStart": "timestamp",
    "ChargeCategory": "string",
    "ChargeClass": "string",
    "ChargeDescription": "string",
    "ChargeFrequency": "string",
    "ChargePeriodEnd": "timestamp",
    "ChargePeriodStart": "timestamp",
    "CommitmentDiscountCategory": "string",
    "CommitmentDiscountId": "string",
    "CommitmentDiscountName": "string",
    "CommitmentDiscountStatus": "string",
    "CommitmentDiscountType": "string",
    "ConsumedQuantity": "float64",
    "ConsumedUnit": "string",
    "ContractedCost": "float64",
    "ContractedUnitPrice": "float64",
    "EffectiveCost": "float64",
    "InvoiceIssuerName": "string",
    "ListCost": "float64",
    "ListUnitPrice": "float64",
    "PricingCategory": "string",
    "PricingQuantity": "float64",
    "PricingUnit": "string",
    "ProviderName": "string",
    "PublisherName": "string",
    "RegionId": "string",
    "RegionName": "string",
    "ResourceId": "string",
    "ResourceName": "string",
    "ResourceType": "string",
    "ServiceCategory": "string",
    "ServiceName": "string",
    "SkuId": "string",
    "SkuPriceId": "string",
    "SubAccountId": "string",
    "SubAccountName": "string",
    "Tags": "string",  # the JSON object as exported; parsed into x_Tags
}
FOCUS_1_1: dict[str, ColumnType] = {
    "CapacityReservationId": "string",
    "CapacityReservationStatus": "string",
    "CommitmentDiscountQuantity": "float64",
    "CommitmentDiscountUnit": "string",
    "ServiceSubcategory": "string",
    "SkuMeter": "string",
    "SkuPriceDetails": "string",
}
FOCUS_1_2: dict[str, ColumnType] = {
    "BillingAccountType": "string",
    "SubAccountType": "string",
    "InvoiceId": "string",
    "PricingCurrency": "string",
    "PricingCurrencyContractedUnitPrice": "float64",
    "PricingCurrencyEffectiveCost": "float64",
    "PricingCurrencyListUnitPrice": "float64",
}
FOCUS_COLUMNS: dict[str, ColumnType] = {**FOCUS_1_0, **FOCUS_1_1, **FOCUS_1_2}

# Without these a file cannot be ingested at all (no cost, no period, no currency: nothing to reconcile).
REQUIRED_COLUMNS: tuple[str, ...] = (
    "BilledCost", "EffectiveCost", "BillingCurrency", "BillingPeriodStart", "BillingPeriodEnd",
    "ChargePeriodStart", "ChargePeriodEnd", "ChargeCategory", "ProviderName",
)
# A row missing one of these values is rejected (FOCUS: "MUST NOT be null").
REQUIRED_VALUES: tuple[str, ...] = REQUIRED_COLUMNS

COST_COLUMNS: tuple[str, ...] = ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost")
CHARGE_CATEGORIES: tuple[str, ...] = ("Usage", "Purchase", "Tax", "Credit", "Adjustment")

# Columns finguard adds. Named with FOCUS's `x_` prefix for extensions; never differing from a FOCUS column by
# case alone (DuckDB and Spark resolve names case-insensitively).
X_PERIOD = "x_BillingPeriod"  # date of BillingPeriodStart: the partition key, with provider and account
X_TAGS = "x_Tags"  # map<string, string> parsed from Tags
X_EXTRA = "x_Extra"  # map<string, string> of the source's non-FOCUS columns
X_SOURCE = "x_SourceFile"  # file the row came from
X_ROW = "x_SourceRow"  # 1-based data row in that file (the header is row 0)
X_INGEST = "x_IngestId"  # the ingest run that stored it
PARTITION_KEY: tuple[str, ...] = (X_PERIOD, "ProviderName", "BillingAccountId")

# ISO 4217 active currency codes (2024 list): a BillingCurrency outside it is a corrupt or mis-mapped row.
_ISO_4217_TEXT = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF
CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD
GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR
LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK
PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT
TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XAG XAU XCD XCG XDR XOF XPD XPF
XPT XSU XUA YER ZAR ZMW ZWG ZWL
"""
ISO_4217: frozenset[str] = frozenset(_ISO_4217_TEXT.split())
