"""Azure Retail Prices pages -> catalog rows, and `sync_azure` against a local mirror (no network).

tests/fixtures/azure_retail holds hand-written pages in the API's layout (invented prices). They are
read as a directory mirror and served over HTTP on 127.0.0.1 by a handler that answers the API's
`$filter` / `$skip` query the way prices.azure.com does.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import threading
import urllib.parse
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from finguard.errors import InputError
from finguard.pricing.catalog import Catalog
from finguard.pricing.resources.azure import _meters as m
from finguard.pricing.sources.azure_retail import (
    AZURE_RETAIL_URL,
    AZURE_SOURCE_ENV,
    RetailStats,
    catalog_attributes,
    iter_retail_pages,
    normalize_region,
    parse_page_bytes,
    resolve_azure_source,
    slice_filter,
    sync_azure,
)

FIXTURES = Path(__file__).parent / "fixtures" / "azure_retail"
VM_PAGES = [FIXTURES / "Virtual Machines" / "eastus.json", FIXTURES / "Virtual Machines" / "eastus.skip-5.json"]


def _pages(*paths: Path) -> list[tuple[str, object]]:
    return [(str(p), json.loads(p.read_text())) for p in paths]


# -- parsing --------------------------------------------------------------------------------------
def test_pages_become_consumption_rows_with_derived_operating_system() -> None:
    stats = RetailStats()
    rows = list(iter_retail_pages(_pages(*VM_PAGES), source_id="t", region="eastus", stats=stats))
    by_key = {(r.attributes["armSkuName"], r.attributes["operatingSystem"]): r for r in rows}
    assert set(by_key) == {("Standard_D2s_v3", "Linux"), ("Standard_D2s_v3", "Windows"), ("Standard_D4s_v3", "Linux")}
    linux = by_key[("Standard_D2s_v3", "Linux")]
    assert linux.service == "Virtual Machines" and linux.region == "eastus" and linux.unit == "1 Hour"
    assert linux.usd == Decimal("0.101") and linux.sku == "11111111-0000-4000-8000-000000000001"
    assert linux.attributes == {"productName": "Virtual Machines DSv3 Series", "skuName": "D2s v3",
                                "armSkuName": "Standard_D2s_v3", "meterName": "D2s v3", "unitOfMeasure": "1 Hour",
                                "type": "Consumption", "operatingSystem": "Linux"}
    assert by_key[("Standard_D2s_v3", "Windows")].usd == Decimal("0.197")
    # Reservation + DevTestConsumption are other price types; Spot and the retired meter are not used by a model
    assert stats.other_types == 2 and stats.filtered == 2
    assert stats.skipped == {"other region": 1} and stats.pages == 2 and stats.kept == 3


def test_tiers_of_one_meter_chain_and_meters_sharing_a_sku_stay_apart() -> None:
    rows = list(iter_retail_pages(_pages(FIXTURES / "Storage" / "eastus.json"), source_id="t"))
    capacity = sorted((r for r in rows if r.attributes["meterName"] == "Hot LRS Data Stored"),
                      key=lambda r: r.begin_range)
    assert [(r.begin_range, r.end_range, r.usd) for r in capacity] == [
        (0.0, 51200.0, Decimal("0.02")), (51200.0, 512000.0, Decimal("0.0192")), (512000.0, None, Decimal("0.0184"))]
    meters = {r.attributes["meterName"] for r in rows}
    assert meters == {"P10 LRS Disk", "P10 LRS Disk Mount", "Hot LRS Data Stored"}  # "- Free" meter dropped


def test_keep_all_keeps_meters_no_model_uses() -> None:
    rows = list(iter_retail_pages(_pages(*VM_PAGES), source_id="t", keep_all=True))
    assert {r.attributes["skuName"] for r in rows} >= {"D2s v3 Spot"}
    assert {r.region for r in rows} == {"eastus", "westus"}


def test_global_meters_and_region_normalisation() -> None:
    rows = list(iter_retail_pages(_pages(FIXTURES / "NAT Gateway" / "Global.json"), source_id="t"))
    assert {r.region for r in rows} == {"Global"}
    assert normalize_region("", "Global") == "Global" and normalize_region("global") == "Global"
    assert normalize_region("", "Zone 1") == ""  # billing-zone meters are no region a model looks up
    assert catalog_attributes("Storage", {"productName": "X", "armSkuName": "", "type": "Consumption"}) == {
        "productName": "X", "type": "Consumption"}


def test_malformed_page_names_file_line_and_column() -> None:
    path = FIXTURES / "Load Balancer" / "eastus.json"
    with pytest.raises(InputError) as err:
        parse_page_bytes(path.read_bytes(), str(path))
    assert err.value.where == f"{path}:12:5"


@pytest.mark.parametrize(("doc", "message"), [
    ({"Count": 0}, "no 'Items' list"),
    ({"Items": [], "NextPageLink": 3}, "NextPageLink"),
    ({"Items": [], "BillingCurrency": "EUR"}, "EUR"),
    ({"Items": ["x"]}, "Items[0] is not an object"),
])
def test_pages_that_are_not_retail_pages(doc: dict, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        list(iter_retail_pages([("page.json", doc)], source_id="t"))


def test_bad_items_are_counted_not_kept() -> None:
    items = [
        {"type": "Consumption", "serviceName": "Storage", "unitOfMeasure": "1 GB", "armRegionName": "eastus",
         "retailPrice": "n/a"},
        {"type": "Consumption", "serviceName": "Storage", "unitOfMeasure": "1 GB", "armRegionName": "eastus",
         "retailPrice": 1, "currencyCode": "EUR"},
        {"type": "Consumption", "serviceName": "Storage", "armRegionName": "eastus", "retailPrice": 1},
        {"type": "Consumption", "serviceName": "Storage", "unitOfMeasure": "1 GB", "armRegionName": "eastus",
         "retailPrice": -1},
    ]
    stats = RetailStats()
    assert list(iter_retail_pages([("p", {"Items": items})], source_id="t", stats=stats)) == []
    assert stats.skipped == {"bad price": 2, "not USD": 1, "no serviceName or unitOfMeasure": 1}


def test_source_resolution_and_filter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(AZURE_SOURCE_ENV, raising=False)
    assert resolve_azure_source(None) == AZURE_RETAIL_URL
    monkeypatch.setenv(AZURE_SOURCE_ENV, "/mirror")
    assert resolve_azure_source(None) == "/mirror" and resolve_azure_source("x") == "x"
    assert slice_filter("Virtual Machines", "eastus") == (
        "serviceName eq 'Virtual Machines' and armRegionName eq 'eastus' and priceType eq 'Consumption'")
    assert "armRegionName eq 'Global'" in slice_filter("NAT Gateway", "Global")


# -- sync -----------------------------------------------------------------------------------------
_FILTER = re.compile(r"serviceName eq '(?P<service>[^']+)' and (?:armRegionName eq '(?P<region>[^']+)'|"
                     r"\(armRegionName eq 'Global' or armRegionName eq ''\)) and priceType eq 'Consumption'")


class _RetailHandler(BaseHTTPRequestHandler):
    """Answers /api/retail/prices?$filter=...&$skip=N from the fixture tree, like the real API."""

    root: Path = FIXTURES
    requests: list[str] = []

    def do_GET(self) -> None:
        parts = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(parts.query)
        self.requests.append(self.path)
        match = _FILTER.fullmatch(query.get("$filter", [""])[0])
        if parts.path != "/api/retail/prices" or match is None:
            self.send_error(400, "unsupported query")
            return
        region = match["region"] or "Global"
        skip = query.get("$skip", ["0"])[0]
        name = f"{region}.json" if skip == "0" else f"{region}.skip-{skip}.json"
        path = self.root / match["service"] / name
        body = path.read_bytes() if path.exists() else json.dumps(
            {"BillingCurrency": "USD", "Items": [], "NextPageLink": None, "Count": 0}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def retail_server() -> Iterator[str]:
    _RetailHandler.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RetailHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/retail/prices"
    finally:
        server.shutdown()
        server.server_close()


def _vm_price(catalog_path: Path, size: str, os_name: str, region: str = "eastus") -> Decimal | None:
    catalog = Catalog(catalog_path)
    try:
        match = catalog.lookup("Virtual Machines", region, m.vm_filters(size, os_name))
        return match.unit_price if match.found else None
    finally:
        catalog.close()


def test_sync_over_http_follows_next_page_link_and_replaces_the_slice(retail_server: str, tmp_path: Path) -> None:
    catalog_path = tmp_path / "catalog.sqlite"
    report = sync_azure(catalog_path, source=retail_server, services=["Virtual Machines"], regions=["eastus"])
    assert report.ok and report.format == "azure-retail" and not report.missing_regions
    (vm_slice,) = report.slices
    assert vm_slice.kept == 3 and vm_slice.filtered == 2 and vm_slice.other_terms == 2
    assert vm_slice.skipped_reasons == {"other region": 1}
    # the second page was asked of the mirror, not of prices.azure.com named in NextPageLink
    assert len(_RetailHandler.requests) == 2 and "%24skip=5" in _RetailHandler.requests[1].replace("$", "%24")
    # the model's filter finds the synced row; the bundled eastus VM rows are gone with the replaced slice
    assert _vm_price(catalog_path, "Standard_D2s_v3", "Windows") == Decimal("0.197")
    assert _vm_price(catalog_path, "standard_d4s_v3", "Linux") == Decimal("0.202")
    assert _vm_price(catalog_path, "Standard_F2", "Linux") is None
    with sqlite3.connect(catalog_path) as db:
        kind, url, sha = db.execute("SELECT kind, url, sha256 FROM sources WHERE id = ?",
                                    (vm_slice.source_id,)).fetchone()
    assert kind == "sync" and url.startswith(retail_server) and sha == vm_slice.sha256
    # syncing again replaces the source instead of adding one
    again = sync_azure(catalog_path, source=retail_server, services=["Virtual Machines"], regions=["eastus"])
    with sqlite3.connect(catalog_path) as db:
        ids = [i for (i,) in db.execute(
            "SELECT id FROM sources WHERE id LIKE 'azure-retail-virtual-machines-eastus-%'")]
    assert ids == [again.slices[0].source_id]


def test_sync_global_meters_priced_by_the_nat_gateway_model(retail_server: str, tmp_path: Path) -> None:
    catalog_path = tmp_path / "catalog.sqlite"
    report = sync_azure(catalog_path, source=retail_server, services=["NAT Gateway"], regions=["Global", "eastus"])
    assert [s.region for s in report.slices] == ["Global"]
    assert [(r.service, r.region) for r in report.missing_regions] == [("NAT Gateway", "eastus")]
    catalog = Catalog(catalog_path)
    try:
        assert catalog.lookup("NAT Gateway", "Global", m.nat_gateway_hours_filters()).unit_price == Decimal("0.046")
    finally:
        catalog.close()


def test_sync_from_a_directory_mirror(tmp_path: Path) -> None:
    catalog_path = tmp_path / "catalog.sqlite"
    report = sync_azure(catalog_path, source=str(FIXTURES), services=["Virtual Machines", "Storage"],
                        regions=["eastus", "westus"])
    assert [(s.service, s.region, s.kept) for s in report.slices] == [
        ("Virtual Machines", "eastus", 3), ("Storage", "eastus", 5)]
    assert {(r.service, r.region) for r in report.missing_regions} == {
        ("Virtual Machines", "westus"), ("Storage", "westus")}
    assert report.slices[0].url == (FIXTURES / "Virtual Machines" / "eastus.json").resolve().as_uri()
    catalog = Catalog(catalog_path)
    try:
        disk = catalog.lookup("Storage", "eastus", m.disk_filters(m.DiskTier("P", "P10", "LRS")))
        assert disk.unit_price == Decimal("21.0")  # not the Disk Mount meter of the same skuName
        hot = catalog.lookup("Storage", "eastus", m.BlobMeters("Blob Storage", "Hot LRS", "Hot").capacity())
        assert hot.cost_for(Decimal(100_000)) == Decimal(51200) * Decimal("0.02") + Decimal(48800) * Decimal("0.0192")
    finally:
        catalog.close()


def test_malformed_page_leaves_the_catalog_untouched(tmp_path: Path) -> None:
    catalog_path = tmp_path / "catalog.sqlite"
    sync_azure(catalog_path, source=str(FIXTURES), services=["Virtual Machines"], regions=["eastus"])
    before = Catalog(catalog_path).count()
    with pytest.raises(InputError) as err:
        sync_azure(catalog_path, source=str(FIXTURES), services=["Load Balancer"], regions=["eastus"])
    assert err.value.where.endswith("eastus.json:12:5")
    assert Catalog(catalog_path).count() == before


def test_next_page_link_loops_and_escapes_are_refused(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror" / "Storage"
    mirror.mkdir(parents=True)
    page = json.loads((FIXTURES / "Storage" / "eastus.json").read_text())
    (mirror / "eastus.json").write_text(json.dumps({**page, "NextPageLink": "eastus.json"}))
    with pytest.raises(InputError, match="already read"):
        sync_azure(tmp_path / "c.sqlite", source=str(tmp_path / "mirror"), services=["Storage"], regions=["eastus"])
    (mirror / "eastus.json").write_text(json.dumps({**page, "NextPageLink": "../../outside.json"}))
    with pytest.raises(InputError, match="leaves the mirror"):
        sync_azure(tmp_path / "c.sqlite", source=str(tmp_path / "mirror"), services=["Storage"], regions=["eastus"])


def test_unreachable_and_invalid_sources(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="neither an http"):
        sync_azure(tmp_path / "c.sqlite", source=str(tmp_path / "absent"))
    copy = tmp_path / "copy"
    shutil.copytree(FIXTURES, copy)
    (copy / "Storage" / "eastus.json").write_bytes(b"\xff\xfe not json")
    with pytest.raises(InputError, match="not UTF-8"):
        sync_azure(tmp_path / "c.sqlite", source=str(copy), services=["Storage"], regions=["eastus"])


def test_two_prices_for_one_meter_tier_are_kept_and_reported_ambiguous(tmp_path: Path) -> None:
    page = json.loads((FIXTURES / "NAT Gateway" / "Global.json").read_text())
    dup = dict(page["Items"][0], retailPrice=0.05, effectiveStartDate="2025-01-01T00:00:00Z")
    mirror = tmp_path / "mirror" / "NAT Gateway"
    mirror.mkdir(parents=True)
    (mirror / "Global.json").write_text(json.dumps({**page, "Items": [*page["Items"], dup]}))
    catalog_path = tmp_path / "c.sqlite"
    sync_azure(catalog_path, source=str(tmp_path / "mirror"), services=["NAT Gateway"], regions=["Global"])
    catalog = Catalog(catalog_path)
    try:
        match = catalog.lookup("NAT Gateway", "Global", m.nat_gateway_hours_filters())
        assert not match.found and sorted(p.usd for p in match.ambiguous) == [Decimal("0.046"), Decimal("0.05")]
    finally:
        catalog.close()
