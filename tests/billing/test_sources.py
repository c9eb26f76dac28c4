"""The billing format layer: detection, exact FOCUS values per format, nothing lost, and DuckDB and Spark agreeing.

Fixtures are hand-written from each provider's documented column names (see tests/fixtures/billing/README.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from finguard.billing.schema import FOCUS_COLUMNS
from finguard.billing.sources import FORMATS, detect_format, format_names, get_format
from finguard.billing.sources._common import SOURCE_PREFIX
from finguard.errors import InputError

from ..conftest import FIXTURES, SHARED, needs_shared

BILLING = FIXTURES / "billing"
CUR2 = BILLING / "aws-cur2" / "cur2_2024-09.csv"
CUR_LEGACY = BILLING / "aws-cur" / "cur_legacy_2024-08.csv"
CUR_ATHENA = BILLING / "aws-cur" / "cur_legacy_athena_2024-08.csv"
AZURE_EA = BILLING / "azure-cost" / "ea_actual_2024-09.csv"
AZURE_MCA = BILLING / "azure-cost" / "mca_amortized_2024-09.csv"
GCP = BILLING / "gcp-billing" / "gcp_billing_export_2024-09.csv"
FOCUS_SAMPLE = SHARED / "billing" / "focus-1.0" / "focus_sample.csv"

EXPECTED_FORMAT = {CUR2: "aws-cur2", CUR_LEGACY: "aws-cur", CUR_ATHENA: "aws-cur", AZURE_EA: "azure-cost",
                   AZURE_MCA: "azure-cost", GCP: "gcp-billing"}


def read(path: Path) -> ir.Table:
    """A fixture as the ingest reads CSV: every column text."""
    return ibis.duckdb.connect().read_csv(str(path), all_varchar=True)


def source_rows(path: Path) -> list[dict[str, str | None]]:
    """The fixture as plain dicts, empty fields as None (as DuckDB and Spark read them)."""
    with path.open(newline="") as f:
        return [{k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(f)]


def convert(path: Path) -> tuple[ModuleType, list[dict[str, Any]]]:
    """Detect the fixture's format and map it, returning the format and the output rows."""
    t = read(path)
    module = detect_format(t.columns)
    return module, module.to_focus(t).to_pyarrow().to_pylist()


def by(rows: list[dict[str, Any]], column: str, value: str) -> dict[str, Any]:
    """The one row whose `column` is `value`."""
    found = [r for r in rows if r[column] == value]
    assert len(found) == 1, f"{len(found)} rows with {column}={value!r}"
    return found[0]


def total(rows: list[dict[str, Any]], column: str) -> float:
    """A text column's sum, as the ingest would see it after casting."""
    return sum(float(r[column]) for r in rows if r[column] is not None)


def sum_credits(rows: list[dict[str, Any]]) -> float:
    """The amounts of every BigQuery credit in the source (negative numbers)."""
    return sum(c["amount"] for r in rows if r["credits"] for c in json.loads(r["credits"]))


# --- registry -------------------------------------------------------------------------------------------------


def test_formats_are_discovered_with_focus_tried_first() -> None:
    assert FORMATS[0].NAME == "focus"
    assert set(format_names()) == {"focus", "aws-cur2", "aws-cur", "azure-cost", "gcp-billing"}
    for module in FORMATS:
        assert module.DESCRIPTION and module.KEY_COLUMNS and callable(module.detect) and callable(module.to_focus)


def test_get_format_by_name_and_unknown_name() -> None:
    assert get_format("gcp-billing").NAME == "gcp-billing"
    with pytest.raises(InputError, match=r"unknown billing format 'oracle'.*aws-cur2"):
        get_format("oracle")


@pytest.mark.parametrize("path", list(EXPECTED_FORMAT), ids=lambda p: p.name)
def test_each_fixture_is_detected_as_its_format(path: Path) -> None:
    module = detect_format(read(path).columns)
    assert module is get_format(EXPECTED_FORMAT[path])


def test_unknown_columns_name_every_format_tried_and_what_it_lacked() -> None:
    with pytest.raises(InputError) as err:
        detect_format(["Date", "Amount", "Account"])
    message = str(err.value)
    for name in format_names():
        assert name in message
    assert "focus (missing BilledCost, BillingCurrency," in message and "--format" in message
    azure = message.split("azure-cost (missing ")[1].split(")")[0]
    assert azure == "CostInBillingCurrency, ChargeType, MeterCategory"  # `Date` is there, so not listed


@pytest.mark.parametrize("name", ["aws-cur2", "aws-cur", "azure-cost", "gcp-billing"])
def test_an_explicit_format_that_does_not_fit_says_what_is_missing(name: str) -> None:
    t = read(GCP) if name != "gcp-billing" else read(AZURE_EA)
    with pytest.raises(InputError, match=r"not a .* export: it lacks the column\(s\) "):
        get_format(name).to_focus(t)


def test_legacy_and_cur2_detection_do_not_overlap() -> None:
    athena = read(CUR_ATHENA).columns
    cur2 = read(CUR2).columns
    assert not get_format("aws-cur2").detect(athena)
    assert not get_format("aws-cur").detect(cur2)


@needs_shared
def test_focus_sample_is_detected_as_focus_and_passes_through() -> None:
    t = read(FOCUS_SAMPLE)
    module = detect_format(t.columns)
    assert module.NAME == "focus"
    out = module.to_focus(t)
    assert out.columns == t.columns  # FOCUS columns and the sample's own `Id` column, same order
    assert out.to_pyarrow().to_pylist() == t.to_pyarrow().to_pylist()


def test_focus_typed_columns_become_text() -> None:
    t = ibis.memtable(pa.table({
        "BilledCost": pa.array([1.5]), "BillingPeriodStart": pa.array([dt.datetime(2024, 9, 1)], pa.timestamp("us")),
        "Tags": pa.array([[("team", "data")]], pa.map_(pa.string(), pa.string())),
        "x_Custom": pa.array([7]),
    }))
    out = get_format("focus").to_focus(t)
    row = out.to_pyarrow().to_pylist()[0]
    assert row == {"BilledCost": "1.5", "BillingPeriodStart": "2024-09-01 00:00:00", "Tags": '{"team":"data"}',
                   "x_Custom": 7}


# --- every format: shape guarantees ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", list(EXPECTED_FORMAT), ids=lambda p: p.name)
def test_output_shape_rows_text_and_nothing_lost(path: Path) -> None:
    t = read(path)
    out = detect_format(t.columns).to_focus(t)
    rows = out.to_pyarrow().to_pylist()
    source = source_rows(path)
    assert len(rows) == len(source)
    lowered = [c.lower() for c in out.columns]
    assert len(set(lowered)) == len(lowered), "two output columns differ only by case"
    for name, dtype in out.schema().items():
        if name in FOCUS_COLUMNS:
            assert dtype.is_string(), name
    # Every source column not carried into FOCUS verbatim is still there, unchanged, under its name.
    for name in t.columns:
        if name in FOCUS_COLUMNS:  # a source column already named like FOCUS (Azure's `ResourceId`) is the output
            continue
        kept = name if name in out.columns else f"{SOURCE_PREFIX}{name}"
        if kept in out.columns:
            assert [r[kept] for r in rows] == [s[name] for s in source], name
    for name in ("BilledCost", "EffectiveCost", "BillingCurrency", "BillingPeriodStart", "BillingPeriodEnd",
                 "ChargePeriodStart", "ChargePeriodEnd", "ChargeCategory", "ProviderName"):
        assert all(r[name] is not None for r in rows), name


# --- AWS CUR 2.0 ----------------------------------------------------------------------------------------------

SP_ARN = "arn:aws:savingsplans::123456789012:savingsplan/3f2b9c1e-7a44-4c1d-9e0b-5d8f6a2c1b7e"
RI_ARN = "arn:aws:rds:us-east-1:123456789012:ri:prod-postgres-ri-2024"


def cur2_row(rows: list[dict[str, Any]], line_item: str) -> dict[str, Any]:
    """A CUR 2.0 fixture row by the short id its line item id embeds."""
    return by(rows, "identity_line_item_id", f"gq2x7{line_item}k4f2vhq5tz3mrw0pb8nye6js1dc")


def test_cur2_csv_values() -> None:
    module, rows = convert(CUR2)
    assert module.NAME == "aws-cur2"
    usage = cur2_row(rows, "a1")
    expected = {
        "BilledCost": "2.304", "EffectiveCost": "2.304", "ListCost": "2.304", "ListUnitPrice": "0.096",
        "BillingAccountId": "123456789012", "BillingAccountName": "Acme Corp (management)",
        "SubAccountId": "210987654321", "SubAccountName": "acme-prod", "BillingCurrency": "USD",
        "BillingPeriodStart": "2024-09-01 00:00:00", "BillingPeriodEnd": "2024-10-01 00:00:00",
        "ChargePeriodStart": "2024-09-03 00:00:00", "ChargePeriodEnd": "2024-09-04 00:00:00",
        "ChargeCategory": "Usage", "ChargeClass": None, "ChargeFrequency": "Usage-Based",
        "PricingCategory": "Standard", "ProviderName": "AWS", "PublisherName": "Amazon Web Services, Inc.",
        "InvoiceIssuerName": "Amazon Web Services, Inc.", "InvoiceId": "EUINUS24-1187345", "RegionId": "us-east-1",
        "RegionName": "US East (N. Virginia)", "AvailabilityZone": "us-east-1a", "ResourceId": "i-0a1b2c3d4e5f60718",
        "ServiceName": "Amazon Elastic Compute Cloud",
        "SkuId": "6QCMYABX3D", "SkuPriceId": "6QCMYABX3D.JRTCKXETXF.6YS6EN2CT7", "PricingQuantity": "24",
        "PricingUnit": "Hrs", "ConsumedQuantity": "24", "ConsumedUnit": "Hrs", "CommitmentDiscountId": None,
    }
    assert {k: usage[k] for k in expected} == expected
    assert json.loads(usage["Tags"]) == {"team": "payments", "env": "prod"}
    assert usage["line_item_net_unblended_cost"] == "2.18880000"  # an unmapped column, kept as it was

    covered = cur2_row(rows, "a2")
    assert (covered["BilledCost"], covered["EffectiveCost"]) == ("2.304", "1.4976")
    commitment = ("CommitmentDiscountId", "CommitmentDiscountType", "CommitmentDiscountCategory",
                  "CommitmentDiscountStatus", "PricingCategory")
    assert [covered[k] for k in commitment] == [SP_ARN, "Savings Plan", "Spend", "Used", "Committed"]
    assert cur2_row(rows, "a3")["EffectiveCost"] == "0"  # SavingsPlanNegation
    fee = cur2_row(rows, "a4")
    assert (fee["ChargeCategory"], fee["ChargeFrequency"], fee["BilledCost"], fee["EffectiveCost"]) == (
        "Purchase", "Recurring", "36", "2.5")  # total commitment 36 - used 33.5
    ri_usage = cur2_row(rows, "a5")
    assert (ri_usage["BilledCost"], ri_usage["EffectiveCost"], ri_usage["CommitmentDiscountId"],
            ri_usage["CommitmentDiscountType"], ri_usage["CommitmentDiscountCategory"]) == (
        "0", "3.12", RI_ARN, "Reservation", "Usage")
    assert cur2_row(rows, "a6")["EffectiveCost"] == "4.68"  # RIFee: unused upfront 0 + unused recurring 4.68
    assert json.loads(cur2_row(rows, "a7")["Tags"]) == {"team": "data", "aws_created_by": "IAMUser:AIDAEXAMPLE01:alice"}
    assert cur2_row(rows, "a9")["Tags"] is None  # `{}`: no tags
    assert cur2_row(rows, "a10")["PricingCategory"] == "Dynamic"  # Spot
    assert cur2_row(rows, "a11")["ChargeCategory"] == "Usage"  # EdpDiscount
    support = cur2_row(rows, "a12")
    assert (support["ChargeCategory"], support["ChargeFrequency"], support["ServiceName"]) == (
        "Purchase", "One-Time", "AWS Support (Business)")
    assert (cur2_row(rows, "a13")["ChargeCategory"], cur2_row(rows, "a13")["ChargeClass"]) == ("Credit", None)
    assert (cur2_row(rows, "a14")["ChargeCategory"], cur2_row(rows, "a14")["ChargeClass"]) == ("Credit", "Correction")
    assert cur2_row(rows, "a15")["ChargeCategory"] == "Tax"

    source = source_rows(CUR2)
    assert total(rows, "BilledCost") == pytest.approx(total(source, "line_item_unblended_cost"))
    assert total(rows, "BilledCost") == pytest.approx(230.86884)
    assert total(rows, "EffectiveCost") == pytest.approx(113.06644)


def test_cur2_consumes_only_what_reaches_focus_verbatim() -> None:
    t = read(CUR2)
    out = get_format("aws-cur2").to_focus(t)
    dropped = {c for c in t.columns if c not in out.columns}
    assert dropped == {
        "bill_billing_period_end_date", "bill_billing_period_start_date", "bill_invoice_id", "bill_invoicing_entity",
        "bill_payer_account_id", "bill_payer_account_name", "line_item_availability_zone", "line_item_currency_code",
        "line_item_legal_entity", "line_item_line_item_description", "line_item_resource_id",
        "line_item_unblended_cost", "line_item_usage_account_id", "line_item_usage_account_name",
        "line_item_usage_amount", "line_item_usage_end_date", "line_item_usage_start_date",
        "pricing_public_on_demand_cost", "pricing_public_on_demand_rate", "pricing_rate_code", "pricing_unit",
        "product_location", "product_region_code", "product_sku", "resource_tags",
    }


def write_cur2_parquet(path: Path) -> None:
    """CUR 2.0 as Data Exports writes Parquet: real map columns, typed costs and timestamps."""
    rows = source_rows(CUR2)
    times = ("bill_billing_period_start_date", "bill_billing_period_end_date", "line_item_usage_start_date",
             "line_item_usage_end_date")
    numbers = ("line_item_unblended_cost", "line_item_usage_amount", "pricing_public_on_demand_cost",
               "savings_plan_savings_plan_effective_cost", "savings_plan_total_commitment_to_date",
               "savings_plan_used_commitment", "reservation_effective_cost",
               "reservation_unused_amortized_upfront_fee_for_billing_period", "reservation_unused_recurring_fee")
    columns: dict[str, pa.Array] = {}
    for name in rows[0]:
        values = [r[name] for r in rows]
        if name in ("resource_tags", "product", "cost_category"):
            columns[name] = pa.array([None if v is None else list(json.loads(v).items()) for v in values],
                                     pa.map_(pa.string(), pa.string()))
        elif name in times:
            columns[name] = pa.array([dt.datetime.fromisoformat(v).replace(tzinfo=None) for v in values],
                                     pa.timestamp("ms"))
        elif name in numbers:
            columns[name] = pa.array([None if v is None else float(v) for v in values], pa.float64())
        else:
            columns[name] = pa.array(values, pa.string())
    pq.write_table(pa.table(columns), path)


def test_cur2_parquet_with_real_maps_matches_csv(tmp_path: Path) -> None:
    path = tmp_path / "cur2.parquet"
    write_cur2_parquet(path)
    t = ibis.duckdb.connect().read_parquet(str(path))
    assert t.schema()["resource_tags"].is_map()
    module = detect_format(t.columns)
    assert module.NAME == "aws-cur2"
    parquet_rows = module.to_focus(t).to_pyarrow().to_pylist()
    _, csv_rows = convert(CUR2)
    assert len(parquet_rows) == len(csv_rows)
    numeric = {n for n, kind in FOCUS_COLUMNS.items() if kind == "float64"}
    for got, want in zip(parquet_rows, csv_rows, strict=True):
        for name in FOCUS_COLUMNS:
            if name not in want:
                continue
            if name == "Tags" and want[name] is not None:
                assert json.loads(got[name]) == json.loads(want[name])
            elif name in numeric and want[name] is not None:
                assert float(got[name]) == pytest.approx(float(want[name])), name
            else:
                assert got[name] == want[name], name
    assert total(parquet_rows, "BilledCost") == pytest.approx(230.86884)


def test_cur_bad_values_pass_through_as_text() -> None:
    base = {c: None for c in read(CUR2).columns}
    rows = [
        {**base, "line_item_unblended_cost": "12,50", "line_item_line_item_type": "Usage",
         "bill_billing_period_start_date": "2024-09-01T00:00:00Z", "line_item_usage_start_date": "2024-09-02",
         "resource_tags": "{not json"},
        {**base, "line_item_unblended_cost": "1.0", "line_item_line_item_type": "BrandNewLineItemType",
         "bill_billing_period_start_date": "last month", "line_item_usage_start_date": "2024-09-02T00:00:00Z"},
        {**base, "line_item_unblended_cost": "2.0", "line_item_line_item_type": "SavingsPlanCoveredUsage",
         "savings_plan_savings_plan_effective_cost": "n/a", "savings_plan_savings_plan_a_r_n": SP_ARN,
         "bill_billing_period_start_date": "2024-09-01T00:00:00Z", "line_item_usage_start_date": "2024-09-02"},
        {**base, "line_item_unblended_cost": "3.0", "line_item_line_item_type": "SavingsPlanRecurringFee",
         "savings_plan_total_commitment_to_date": "3.0", "savings_plan_used_commitment": "lots",
         "bill_billing_period_start_date": "2024-09-01T00:00:00Z", "line_item_usage_start_date": "2024-09-02"},
    ]
    t = ibis.memtable(rows, schema={c: "string" for c in base})
    out = get_format("aws-cur2").to_focus(t).to_pyarrow().to_pylist()
    assert (out[0]["BilledCost"], out[0]["EffectiveCost"], out[0]["Tags"]) == ("12,50", "12,50", "{not json")
    assert out[0]["ChargePeriodStart"] == "2024-09-02 00:00:00"
    assert out[1]["ChargeCategory"] == "BrandNewLineItemType"  # the ingest rejects it by name
    assert (out[1]["BillingPeriodStart"], out[1]["BillingPeriodEnd"]) == ("last month", None)
    assert out[2]["EffectiveCost"] == "n/a"
    assert out[3]["EffectiveCost"] == "lots"


# --- AWS legacy CUR -------------------------------------------------------------------------------------------


CREATED_BY = "AssumedRole:AROAEXAMPLE:terraform"


@pytest.mark.parametrize("path", [CUR_LEGACY, CUR_ATHENA], ids=["csv-headers", "athena-names"])
def test_cur_legacy_values(path: Path) -> None:
    module, rows = convert(path)
    assert module.NAME == "aws-cur"
    resource = "ResourceId"
    usage = by(rows, resource, "i-07b3c9d1e5f7a9b1c")
    expected = {
        "BilledCost": "1.0944", "EffectiveCost": "1.0944", "ListCost": "1.0944", "BillingCurrency": "EUR",
        "BillingAccountId": "111122223333", "SubAccountId": "444455556666",
        "BillingPeriodStart": "2024-08-01 00:00:00", "BillingPeriodEnd": "2024-09-01 00:00:00",
        "ChargePeriodStart": "2024-08-02 00:00:00", "ChargePeriodEnd": "2024-08-03 00:00:00",
        "ChargeCategory": "Usage", "ServiceName": "Amazon Elastic Compute Cloud", "RegionId": "eu-west-1",
        "RegionName": "EU (Ireland)", "ProviderName": "AWS", "InvoiceIssuerName": "Amazon Web Services EMEA SARL",
    }
    assert {k: usage[k] for k in expected} == expected
    tags = json.loads(usage["Tags"])
    if path == CUR_LEGACY:
        assert tags == {"aws:createdBy": CREATED_BY, "CostCenter": "CC-1042", "team": "search"}
    else:  # Athena already lowercased and underscored the keys
        assert tags == {"aws_created_by": CREATED_BY, "cost_center": "CC-1042", "team": "search"}
    assert "BillingAccountName" not in usage  # legacy CUR has no account names
    ri = by(rows, resource, "i-0e4d2c6b8a0f1e3d5")
    assert (ri["BilledCost"], ri["EffectiveCost"], ri["CommitmentDiscountType"]) == ("0", "3.216", "Reservation")
    # Covered usage at the Savings Plan rate, and its negation at 0: same resource, two line items.
    sp_rows = sorted((r["BilledCost"], r["EffectiveCost"]) for r in rows if r[resource] == "i-0a9b8c7d6e5f4a3b2")
    assert sp_rows == [("-1.8576", "0"), ("1.8576", "1.3008")]
    fee = by(rows, "ChargeDescription", "1 year No Upfront Compute Savings Plan")
    assert (fee["ChargeCategory"], fee["EffectiveCost"]) == ("Purchase", "4.34")  # 44.64 - 40.3, float noise rounded
    source = source_rows(path)
    cost = "lineItem/UnblendedCost" if path == CUR_LEGACY else "line_item_unblended_cost"
    assert total(rows, "BilledCost") == pytest.approx(total(source, cost))
    assert {r["ChargeCategory"] for r in rows} <= {"Usage", "Purchase", "Credit", "Tax"}


# --- Azure ----------------------------------------------------------------------------------------------------

SUB_PROD = "7c1f3a2e-5b4d-4e8f-9a0b-1c2d3e4f5a6b"


def test_azure_ea_actual_values() -> None:
    module, rows = convert(AZURE_EA)
    assert module.NAME == "azure-cost"
    vm = next(r for r in rows if r["ResourceName"] == "vm-web-01" and r["ServiceName"] == "Virtual Machines")
    expected = {
        "BilledCost": "4.608", "EffectiveCost": "4.608", "ListCost": "4.608", "ContractedCost": "4.608",
        "ContractedUnitPrice": "1.92", "ListUnitPrice": "1.92", "PricingQuantity": "2.4", "PricingUnit": "Hours",
        "ConsumedQuantity": "24", "ConsumedUnit": "Hours", "BillingAccountId": "8608480",
        "BillingAccountName": "Contoso Ltd", "BillingAccountType": "Billing Account", "BillingCurrency": "USD",
        "BillingPeriodStart": "2024-09-01 00:00:00", "BillingPeriodEnd": "2024-10-01 00:00:00",
        "ChargePeriodStart": "2024-09-02 00:00:00", "ChargePeriodEnd": "2024-09-03 00:00:00",
        "ChargeCategory": "Usage", "ChargeFrequency": "Usage-Based", "PricingCategory": "Standard",
        "SubAccountId": SUB_PROD, "SubAccountName": "contoso-prod", "SubAccountType": "Subscription",
        "RegionId": "eastus", "RegionName": "East US", "ProviderName": "Microsoft", "PublisherName": "Microsoft",
        "InvoiceIssuerName": "Microsoft", "ChargeDescription": "Virtual Machines Dv5 Series - D4s v5 - US East",
    }
    assert {k: vm[k] for k in expected} == expected
    assert json.loads(vm["Tags"]) == {"env": "prod", "team": "web"}  # written without braces in the export
    assert vm["ResourceLocation"] == "EastUS" and vm["x_Source_BillingAccountId"] == "8608480"
    covered = by(rows, "ResourceName", "vm-api-01")
    assert (covered["BilledCost"], covered["EffectiveCost"], covered["CommitmentDiscountType"],
            covered["CommitmentDiscountCategory"], covered["CommitmentDiscountStatus"], covered["PricingCategory"]) == (
        "0", "0", "Reservation", "Usage", "Used", "Committed")
    purchase = by(rows, "BilledCost", "730.08")
    assert (purchase["ChargeCategory"], purchase["BilledCost"], purchase["EffectiveCost"],
            purchase["ChargeFrequency"]) == ("Purchase", "730.08", "0", "Recurring")
    refund = by(rows, "BilledCost", "-120")
    assert (refund["ChargeCategory"], refund["ChargeClass"], refund["EffectiveCost"]) == ("Purchase", "Correction", "0")
    sp = by(rows, "ResourceName", "vm-etl-01")
    assert (sp["CommitmentDiscountType"], sp["CommitmentDiscountCategory"]) == ("Savings Plan", "Spend")
    assert by(rows, "ResourceName", "vmss-batch_3")["PricingCategory"] == "Dynamic"
    assert json.loads(by(rows, "ResourceName", "orders")["Tags"]) == {"env": "prod", "team": "data"}
    assert by(rows, "ResourceName", "law-contoso")["Tags"] is None
    source = source_rows(AZURE_EA)
    assert total(rows, "BilledCost") == pytest.approx(total(source, "CostInBillingCurrency"))  # actual cost


def test_azure_mca_amortized_values() -> None:
    _, rows = convert(AZURE_MCA)
    web = by(rows, "ResourceName", "vm-frontend")
    expected = {
        "BilledCost": "4.2768", "EffectiveCost": "4.2768", "ListCost": "4.2768",
        "BillingAccountId": "AB12-CD34-EF5-GH67", "BillingAccountName": "Fabrikam Engineering",
        "BillingAccountType": "Billing Profile", "BillingCurrency": "EUR",
        "PricingCurrency": "USD", "ListUnitPrice": "0.1782", "ChargePeriodStart": "2024-09-04 00:00:00",
        "ChargePeriodEnd": "2024-09-05 00:00:00", "BillingPeriodEnd": "2024-10-01 00:00:00", "RegionId": "westeurope",
        "RegionName": "EU West", "SkuId": "DZH318Z0BQ4M", "ServiceName": "Virtual Machines",
    }
    assert {k: web[k] for k in expected} == expected
    assert json.loads(web["Tags"]) == {"env": "prod", "team": "web", "owner": "alice@fabrikam.com"}
    assert web["x_Source_billingAccountId"].endswith("_2019-05-31")  # the MCA root account, kept
    covered = by(rows, "ResourceName", "aks-nodepool1-0")  # from the last segment of ResourceId
    assert (covered["BilledCost"], covered["EffectiveCost"], covered["CommitmentDiscountStatus"]) == (
        "0", "1.51848", "Used")
    unused = by(rows, "chargeType", "UnusedSavingsPlan")
    assert (unused["ChargeCategory"], unused["CommitmentDiscountStatus"], unused["BilledCost"],
            unused["EffectiveCost"]) == ("Usage", "Unused", "0", "0.315")
    rounding = by(rows, "chargeType", "RoundingAdjustment")
    assert (rounding["ChargeCategory"], rounding["ChargeFrequency"]) == ("Adjustment", "One-Time")
    source = source_rows(AZURE_MCA)
    assert total(rows, "EffectiveCost") == pytest.approx(total(source, "costInBillingCurrency"))  # amortized cost


def test_azure_bad_date_passes_through() -> None:
    t = ibis.memtable([{"CostInBillingCurrency": "1", "Date": "sometime", "ChargeType": "Usage", "MeterCategory": "X"}],
                      schema={"CostInBillingCurrency": "string", "Date": "string", "ChargeType": "string",
                              "MeterCategory": "string"})
    row = get_format("azure-cost").to_focus(t).to_pyarrow().to_pylist()[0]
    assert (row["ChargePeriodStart"], row["ChargePeriodEnd"]) == ("sometime", None)


# --- Google Cloud ---------------------------------------------------------------------------------------------


def test_gcp_values() -> None:
    module, rows = convert(GCP)
    assert module.NAME == "gcp-billing"
    core = by(rows, "ChargeDescription", "N2 Instance Core running in Americas")
    expected = {
        "BilledCost": "0.050517", "EffectiveCost": "0.050517", "ListCost": "0.063146",
        "BillingAccountId": "01A2B3-C4D5E6-F7A8B9", "BillingCurrency": "USD",
        "BillingPeriodStart": "2024-09-01 00:00:00", "BillingPeriodEnd": "2024-10-01 00:00:00",
        "ChargePeriodStart": "2024-09-03 07:00:00", "ChargePeriodEnd": "2024-09-03 08:00:00",
        "ChargeCategory": "Usage", "ServiceName": "Compute Engine", "SkuId": "BB77-5FDA-4C2A",
        "SubAccountId": "acme-search-prod", "SubAccountName": "Acme Search (prod)", "SubAccountType": "Project",
        "RegionId": "us-central1", "AvailabilityZone": "us-central1-a", "ResourceName": "search-vm-1",
        "PricingQuantity": "2", "PricingUnit": "hour", "ConsumedQuantity": "7200", "ConsumedUnit": "seconds",
        "ContractedUnitPrice": "0.031573", "ProviderName": "Google Cloud", "PublisherName": "Google Cloud",
    }
    assert {k: core[k] for k in expected} == expected
    assert json.loads(core["Tags"]) == {"env": "prod", "team": "search"}
    assert core["cost"] == "0.063146" and json.loads(core["credits"])[0]["type"] == "SUSTAINED_USAGE_DISCOUNT"
    analysis = next(r for r in rows if r["ChargeDescription"] == "Analysis" and r["cost_type"] == "regular")
    assert analysis["BilledCost"] == "0.0"  # fully covered by the free tier
    assert by(rows, "ChargeDescription", "CPU Allocation Time")["BilledCost"] == "0.384"  # two credits
    assert by(rows, "ChargeDescription", "Standard Storage US Multi-region")["BilledCost"] == "0.42"  # `[]`
    assert by(rows, "ChargeDescription", "Regional Kubernetes Clusters")["Tags"] is None
    assert by(rows, "seller_name", "MongoDB Inc.")["PublisherName"] == "MongoDB Inc."
    taxes = [r for r in rows if r["ChargeCategory"] == "Tax"]
    assert sorted(r["BilledCost"] for r in taxes) == ["1.05", "4.2"]
    adjustment = by(rows, "cost_type", "adjustment")
    assert (adjustment["ChargeCategory"], adjustment["ChargeClass"], adjustment["BilledCost"]) == (
        "Adjustment", "Correction", "-2.5")
    assert by(rows, "cost_type", "rounding_error")["ChargeCategory"] == "Adjustment"
    source = source_rows(GCP)
    # Credits are netted into the row they apply to: BilledCost totals cost plus credits.
    assert total(rows, "BilledCost") == pytest.approx(total(source, "cost") + sum_credits(source))
    assert total(rows, "BilledCost") == pytest.approx(18.916378 - 1.754504)
    assert total(rows, "ListCost") == pytest.approx(total(source, "cost_at_list"))


def test_gcp_nested_parquet_and_bad_values(tmp_path: Path) -> None:
    """BigQuery's own nesting (structs, repeated key/value labels and credits) maps like the flattened CSV."""
    credit = pa.struct([("name", pa.string()), ("amount", pa.float64()), ("type", pa.string())])
    label = pa.struct([("key", pa.string()), ("value", pa.string())])
    table = pa.table({
        "billing_account_id": ["01A2B3-C4D5E6-F7A8B9"] * 2,
        "service": pa.array([{"id": "6F81-5844-456A", "description": "Compute Engine"}] * 2,
                            pa.struct([("id", pa.string()), ("description", pa.string())])),
        "usage_start_time": pa.array([dt.datetime(2024, 9, 3, 7)] * 2, pa.timestamp("us")),
        "usage_end_time": pa.array([dt.datetime(2024, 9, 3, 8)] * 2, pa.timestamp("us")),
        "labels": pa.array([[{"key": "team", "value": "search"}], []], pa.list_(label)),
        "cost": [1.5, 2.0],
        "currency": ["USD"] * 2,
        "credits": pa.array([[{"name": "SUD", "amount": -0.5, "type": "SUSTAINED_USAGE_DISCOUNT"}], []],
                            pa.list_(credit)),
        "invoice": pa.array([{"month": "202409"}, {"month": "2024-09"}], pa.struct([("month", pa.string())])),
    })
    path = tmp_path / "gcp.parquet"
    pq.write_table(table, path)
    t = ibis.duckdb.connect().read_parquet(str(path))
    module = detect_format(t.columns)
    assert module.NAME == "gcp-billing"
    rows = module.to_focus(t).to_pyarrow().to_pylist()
    assert (rows[0]["BilledCost"], rows[0]["ServiceName"], rows[0]["ChargePeriodStart"]) == (
        "1.0", "Compute Engine", "2024-09-03 07:00:00")
    assert json.loads(rows[0]["Tags"]) == {"team": "search"} and rows[1]["Tags"] is None
    assert rows[0]["service.id"] == "6F81-5844-456A"  # struct fields kept as dotted columns
    assert (rows[1]["BilledCost"], rows[1]["BillingPeriodStart"]) == ("2.0", "2024-09")  # bad month passes on

    bad = ibis.memtable([{"billing_account_id": "x", "service.description": "s", "cost": "1", "currency": "USD",
                          "usage_start_time": "2024-09-03 07:00:00 UTC", "credits": "[{oops", "labels": "team=a"}],
                        schema={c: "string" for c in ("billing_account_id", "service.description", "cost", "currency",
                                                      "usage_start_time", "credits", "labels")})
    row = module.to_focus(bad).to_pyarrow().to_pylist()[0]
    assert (row["BilledCost"], row["Tags"], row["BillingPeriodStart"]) == ("[{oops", "team=a", "2024-09-01 00:00:00")


# --- DuckDB and Spark agree -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    if shutil.which("java") is None:
        pytest.skip("PySpark needs Java, and `java` is not on PATH")
    pyspark_sql = pytest.importorskip("pyspark.sql")
    session = (
        pyspark_sql.SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")  # timestamps as written, not shifted to the machine's zone
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.mark.parametrize("path", [CUR2, AZURE_EA, GCP], ids=["aws-cur2", "azure-ea", "gcp-billing"])
def test_duckdb_and_spark_give_identical_output(spark: Any, path: Path) -> None:
    view = f"billing_{path.stem.replace('-', '_')}"
    # Spark's CSV reader escapes quotes with a backslash by default; these files double them, as RFC 4180 does.
    spark.read.option("header", True).option("escape", '"').csv(str(path)).createOrReplaceTempView(view)
    spark_table = ibis.pyspark.connect(spark).table(view)
    duck_table = read(path)
    assert spark_table.columns == duck_table.columns
    module = detect_format(duck_table.columns)
    duck = module.to_focus(duck_table)
    on_spark = module.to_focus(spark_table)
    assert on_spark.columns == duck.columns
    assert on_spark.to_pyarrow().to_pylist() == duck.to_pyarrow().to_pylist()
