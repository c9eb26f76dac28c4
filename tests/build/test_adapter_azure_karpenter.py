"""azure-karpenter zz_generated.pricing.go -> Linux pay-as-you-go VM hours per armSkuName and armRegionName,
without dedicated hosts, 0.0 prices, or AMD v5 prices that fail the check against their Intel sibling."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from finguard.pricing.build.adapters.azure_karpenter import INPUT, AzureKarpenter, intel_sibling, parse
from finguard.pricing.build.base import AdapterReport, FeedRow
from finguard.pricing.resources.azure._common import vm_hours

D = Decimal
SHARED = Path(__file__).resolve().parents[1].parent.parent / "shared"

FIXTURE = """\
package pricing

import "time"

// generated at 2026-06-18T03:43:41Z

var InitialPriceUpdate, _ = time.Parse(time.RFC3339, "2026-06-18T03:43:41Z")
var initialOnDemandPrices = map[string]map[string]float64{}

func init() {
	// eastus
	initialOnDemandPrices["eastus"] = map[string]float64{
		"Basic_A0":                              0.018000,
		"DCsv2 Type 1":                          2.000000,
		"Dsv3_Type3":                            4.000000,
		"Standard_D2as_v5":                      0.178000,
		"Standard_D2ads_v5":                     0.103000,
		"Standard_D2ds_v5":                      0.113000,
		"Standard_D2s_v5":                       0.096000,
		"Standard_DC2as_v5":                     0.107000,
		"Standard_E2as_v5":                      0.113000,
		"Standard_E2s_v5":                       0.126000,
		"Standard_E4-2as_v5":                    0.410000,
		"Standard_E4-2s_v5":                     0.252000,
		"Standard_M128bds_1_v4":                 0.000000,
		"Standard_B2s":                          0.041600,
	}
	// westeurope
	initialOnDemandPrices["westeurope"] = map[string]float64{
		"Standard_D2s_v5":                       0.115000,
		"Standard_D2as_v5":                      0.104000,
		"Standard_F2s_v2":                       0.097000,
	}
}
"""


def _run(shared: Path) -> tuple[list[FeedRow], AdapterReport]:
    report = AdapterReport()
    return list(AzureKarpenter().rows(shared, report)), report


def _fixture(tmp_path: Path) -> tuple[list[FeedRow], AdapterReport]:
    path = tmp_path / INPUT
    path.parent.mkdir(parents=True)
    path.write_text(FIXTURE, encoding="utf-8")
    return _run(tmp_path)


def _price(rows: list[FeedRow], region: str, size: str) -> Decimal | None:
    """The row the Linux VM model's filter selects (as Catalog.lookup would), or None."""
    spec = vm_hours(size, "Linux")
    found = [r.usd for r in rows if r.service == spec.service and r.region == region
             and all(dict(r.attributes).get(k) == v for k, v in spec.filters.items())]
    assert len(found) <= 1
    return found[0] if found else None


def test_parse_reads_regions_and_keys_with_spaces() -> None:
    entries = list(parse(FIXTURE))
    assert entries[0] == ("eastus", "Basic_A0", "0.018000") and ("eastus", "DCsv2 Type 1", "2.000000") in entries
    assert entries[-1] == ("westeurope", "Standard_F2s_v2", "0.097000") and len(entries) == 17


@pytest.mark.parametrize(("size", "sibling"), [
    ("Standard_D2as_v5", "Standard_D2s_v5"), ("Standard_D2ads_v5", "Standard_D2ds_v5"),
    ("Standard_E4-2as_v5", "Standard_E4-2s_v5"), ("Standard_DC2as_v5", "Standard_DC2s_v5"),
    ("Standard_D2as_v4", None), ("Standard_D2s_v5", None), ("Standard_F2as_v6", None), ("Standard_NV4as_v4", None),
])
def test_intel_sibling_of_amd_v5_sizes(size: str, sibling: str | None) -> None:
    assert intel_sibling(size) == sibling


def test_fixture_rows_skips_and_rejects(tmp_path: Path) -> None:
    rows, report = _fixture(tmp_path)
    assert {(r.region, dict(r.attributes)["armSkuName"]): r.usd for r in rows} == {
        ("eastus", "Basic_A0"): D("0.018"), ("eastus", "Standard_D2ads_v5"): D("0.103"),
        ("eastus", "Standard_D2ds_v5"): D("0.113"), ("eastus", "Standard_D2s_v5"): D("0.096"),
        ("eastus", "Standard_E2as_v5"): D("0.113"), ("eastus", "Standard_E2s_v5"): D("0.126"),
        ("eastus", "Standard_E4-2s_v5"): D("0.252"), ("eastus", "Standard_B2s"): D("0.0416"),
        ("westeurope", "Standard_D2s_v5"): D("0.115"), ("westeurope", "Standard_D2as_v5"): D("0.104"),
        ("westeurope", "Standard_F2s_v2"): D("0.097")}
    assert report.read == 17 and not report.kept  # the pipeline counts kept rows
    assert report.skipped == {"dedicated-host SKU (priced per host, not per VM)": 2,
                              "price 0.0 (treated as missing)": 1,
                              "AMD v5 size without an Intel v5 sibling in the region (price unchecked)": 1}
    # D2as_v5 0.178 > 1.15 x D2s_v5 0.096, E4-2as_v5 0.41 > 1.15 x 0.252: the Windows-like figures
    assert report.rejected == {"AMD v5 price more than 15% above its Intel sibling (Windows-like figure)": 2}
    assert report.examples["AMD v5 price more than 15% above its Intel sibling (Windows-like figure)"][0] == \
        "eastus Standard_D2as_v5 0.178000 vs Standard_D2s_v5 0.096000"


def test_rows_carry_exactly_the_linux_vm_filter(tmp_path: Path) -> None:
    rows, _ = _fixture(tmp_path)
    assert _price(rows, "westeurope", "Standard_D2s_v5") == D("0.115")
    assert _price(rows, "eastus", "standard_b2s") == D("0.0416")  # the model canonicalises the size's case
    assert _price(rows, "eastus", "Standard_D2as_v5") is None  # rejected: missing, not the wrong price
    row = next(r for r in rows if r.region == "westeurope" and dict(r.attributes)["armSkuName"] == "Standard_F2s_v2")
    assert (row.provider, row.service, row.unit, row.source) == ("azure", "Virtual Machines", "1 Hour",
                                                                 "azure-karpenter")
    assert dict(row.attributes) == {"armSkuName": "Standard_F2s_v2", "operatingSystem": "Linux",
                                    "type": "Consumption", "unitOfMeasure": "1 Hour"}
    assert len({r.slot for r in rows}) == len(rows)


# -- real data -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real() -> tuple[list[FeedRow], AdapterReport]:
    if not (SHARED / INPUT).exists():
        pytest.skip(f"{SHARED / INPUT} absent (../shared absent)")
    return _run(SHARED)


# eastus figures are the README's sanity checks (Azure Retail Prices API); others read from the feed
@pytest.mark.parametrize(("region", "size", "usd"), [
    ("eastus", "Standard_D2s_v3", "0.096"), ("eastus", "Standard_D2s_v5", "0.096"),
    ("eastus", "Standard_D2ds_v5", "0.113"), ("eastus", "Standard_B2s", "0.0416"), ("eastus", "Standard_B1s", "0.0104"),
    ("eastus", "Standard_E2s_v5", "0.126"), ("eastus", "Standard_F2s_v2", "0.0846"),
    ("eastus", "Standard_NC6s_v3", "3.06"), ("eastus", "Standard_E2as_v5", "0.113"),
    ("westeurope", "Standard_D2s_v5", "0.115"), ("australiaeast", "Standard_D2s_v5", "0.120"),
    ("brazilsouth", "Standard_D2s_v5", "0.153"), ("japaneast", "Standard_E2s_v5", "0.152"),
])
def test_real_known_prices(real: tuple[list[FeedRow], AdapterReport], region: str, size: str, usd: str) -> None:
    found = _price(real[0], region, size)
    assert found is not None and abs(found - D(usd)) <= D(usd) * D("0.005"), (region, size, found)


def test_real_wrong_amd_v5_prices_are_rejected(real: tuple[list[FeedRow], AdapterReport]) -> None:
    rows, report = real
    for region, size in [("eastus", "Standard_D2as_v5"), ("eastus", "Standard_D2ads_v5"),
                         ("eastus", "Standard_D64as_v5"), ("eastus", "Standard_E4as_v5"),
                         ("eastus", "Standard_E8ads_v5"), ("australiacentral", "Standard_D2as_v5")]:
        assert _price(rows, region, size) is None, (region, size)
    assert report.rejected["AMD v5 price more than 15% above its Intel sibling (Windows-like figure)"] >= 893
    assert report.skipped["price 0.0 (treated as missing)"] == 68
    assert report.read == 67_672
    assert report.read == len(rows) + sum(report.skipped.values()) + sum(report.rejected.values())
    assert len({r.region for r in rows}) == 57
