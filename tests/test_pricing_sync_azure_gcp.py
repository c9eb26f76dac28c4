"""`finguard pricing sync --provider azure|gcp` end to end, against price-list servers on 127.0.0.1.

The pages are written by hand below in the official layouts (Azure Retail Prices API pages with
`Items` / `NextPageLink`; Cloud Billing Catalog `services/{id}/skus` pages with `nextPageToken`);
prices and ids are invented. A stdlib HTTP server answers the way the real APIs do (`$filter` and
`$skip`; `pageToken` and `key`), so urllib is exercised for real. The catalog is compiled from an
empty snapshot and seeded with a few rows, so the tests show exactly which slices a sync replaces.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from finguard.cli import main
from finguard.errors import UsageError
from finguard.pricing import snapshot as snapshot_module
from finguard.pricing.catalog import Catalog, CatalogWriter, ensure_compiled, iter_all, open_for_write
from finguard.pricing.resources.azure import _meters
from finguard.pricing.resources.google import _common as google_models
from finguard.pricing.snapshot import PriceRecord, SourceRecord
from finguard.pricing.sources import azure_retail, gcp_catalog
from finguard.pricing.sources.azure_retail import AZURE_SOURCE_ENV, DEFAULT_AZURE_SERVICES
from finguard.pricing.sources.gcp_catalog import API_KEY_ENV, SERVICE_IDS
from finguard.pricing.sync import AZURE_DEFAULT_REGIONS, GCP_SOURCE_ENV, SOURCE_ENV, run_provider_sync

COMPUTE = "6F81-5844-456A"
GKE = "CCD8-9BF1-090E"
SECRET = "AIzaTEST-not-a-real-key-0123456789"
REPORT_KEYS = {"provider", "source", "catalog", "format", "started", "slices", "services", "missing_regions",
               "errors"}


# -- hand-written pages -----------------------------------------------------------------------------
def _azure_item(**fields: Any) -> dict[str, Any]:
    item = {
        "currencyCode": "USD", "tierMinimumUnits": 0.0, "retailPrice": 0.096, "unitPrice": 0.096,
        "armRegionName": "eastus", "location": "US East", "effectiveStartDate": "2026-06-01T00:00:00Z",
        "meterId": "f0000000-0000-4000-8000-000000000001", "meterName": "D2s v3", "productId": "DZH318Z0BQ4L",
        "skuId": "DZH318Z0BQ4L/00C8", "productName": "Virtual Machines DSv3 Series", "skuName": "D2s v3",
        "serviceName": "Virtual Machines", "serviceId": "DZH313Z7MMC8", "serviceFamily": "Compute",
        "unitOfMeasure": "1 Hour", "type": "Consumption", "isPrimaryMeterRegion": True,
        "armSkuName": "Standard_D2s_v3",
    }
    item.update(fields)
    return item


def _azure_page(items: list[dict[str, Any]], next_link: str | None) -> dict[str, Any]:
    return {"BillingCurrency": "USD", "CustomerEntityId": "Default", "CustomerEntityType": "Retail",
            "Items": items, "NextPageLink": next_link, "Count": len(items)}


VM_FILTER = "serviceName eq 'Virtual Machines' and armRegionName eq 'eastus' and priceType eq 'Consumption'"
VM_NEXT = ("https://prices.azure.com:443/api/retail/prices?$filter="
           + urllib.parse.quote(VM_FILTER) + "&$skip=100")  # as the real API writes it: the public host
VM_PAGE_1 = _azure_page([
    _azure_item(),
    _azure_item(meterId="f0000000-0000-4000-8000-000000000002", retailPrice=0.188, unitPrice=0.188,
                productName="Virtual Machines DSv3 Series Windows", skuId="DZH318Z0BQ4L/00C9"),
    _azure_item(meterId="f0000000-0000-4000-8000-000000000003", retailPrice=0.0192, unitPrice=0.0192,
                skuName="D2s v3 Spot", meterName="D2s v3 Spot"),  # no model prices Spot
    _azure_item(type="Reservation", reservationTerm="1 Year", retailPrice=500.0, unitPrice=500.0),
], VM_NEXT)
VM_PAGE_2 = _azure_page([
    _azure_item(meterId="f0000000-0000-4000-8000-000000000004", retailPrice=0.192, unitPrice=0.192,
                meterName="D4s v3", skuName="D4s v3", armSkuName="Standard_D4s_v3"),
], None)
NAT_GLOBAL = _azure_page([
    _azure_item(serviceName="NAT Gateway", productName="NAT Gateway", skuName="Standard", meterName="Standard Gateway",
                armRegionName="", location="Global", retailPrice=0.045, unitPrice=0.045, armSkuName="",
                meterId="f0000000-0000-4000-8000-000000000010", serviceFamily="Networking"),
    _azure_item(serviceName="NAT Gateway", productName="NAT Gateway", skuName="Standard",
                meterName="Standard Data Processed", unitOfMeasure="1 GB", armRegionName="", location="Global",
                retailPrice=0.045, unitPrice=0.045, armSkuName="", meterId="f0000000-0000-4000-8000-000000000011",
                serviceFamily="Networking"),
], None)


def _gcp_sku(sku_id: str, description: str, regions: list[str], unit: str, nanos: Any, *, units: Any = "0",
             usage_type: str = "OnDemand", service: str = "Compute Engine", family: str = "Compute",
             group: str = "CPU") -> dict[str, Any]:
    return {
        "name": f"services/{COMPUTE}/skus/{sku_id}", "skuId": sku_id, "description": description,
        "category": {"serviceDisplayName": service, "resourceFamily": family, "resourceGroup": group,
                     "usageType": usage_type},
        "serviceRegions": regions,
        "pricingInfo": [{
            "summary": "", "currencyConversionRate": 1, "effectiveTime": "2026-10-01T12:00:00.000Z",
            "pricingExpression": {
                "usageUnit": unit, "displayQuantity": 1, "usageUnitDescription": unit, "baseUnit": unit,
                "baseUnitDescription": unit, "baseUnitConversionFactor": 1,
                "tieredRates": [{"startUsageAmount": 0,
                                 "unitPrice": {"currencyCode": "USD", "units": units, "nanos": nanos}}]},
            "aggregationInfo": {"aggregationLevel": "ACCOUNT", "aggregationInterval": "MONTHLY",
                                "aggregationCount": 1}}],
        "serviceProviderName": "Google",
    }


COMPUTE_PAGE_1 = {"skus": [
    _gcp_sku("FG00-E2C0-0001", "E2 Instance Core running in Americas", ["us-east1", "us-central1"], "h", 21811590),
    _gcp_sku("FG00-E2CM-0002", "Commitment v1: E2 Cpu in Americas for 1 Year", ["us-east1"], "h", 13741000,
             usage_type="Commit1Yr"),
], "nextPageToken": "page-2"}
COMPUTE_PAGE_2 = {"skus": [
    _gcp_sku("FG00-E2R0-0003", "E2 Instance Ram running in Americas", ["us-east1", "us-central1"], "GiBy.h",
             2923530, group="RAM"),
    _gcp_sku("FG00-PDST-0004", "Storage PD Capacity in South Carolina", ["us-east1"], "GiBy.mo", 40000000,
             family="Storage", group="PDStandard"),
], "nextPageToken": ""}
GKE_PAGE = {"skus": [
    _gcp_sku("FG00-GKEZ-0005", "Zonal Kubernetes Clusters", ["global"], "h", 100000000,
             service="Kubernetes Engine", group="Kubernetes Clusters"),
]}


# -- servers ----------------------------------------------------------------------------------------
_AZURE_FILTER = re.compile(r"serviceName eq '(?P<service>[^']+)' and (?:armRegionName eq '(?P<region>[^']+)'|"
                           r"\(armRegionName eq 'Global' or armRegionName eq ''\)) and priceType eq 'Consumption'")


class _Api(BaseHTTPRequestHandler):
    """Serves `pages` (key -> body, or an int HTTP status); records each request's path and query."""

    pages: ClassVar[dict[Any, bytes | int]] = {}
    requests: ClassVar[list[tuple[str, dict[str, list[str]]]]] = []

    def page_key(self, path: str, query: dict[str, list[str]]) -> Any:
        raise NotImplementedError

    def empty(self) -> bytes:
        return b"{}"

    def do_GET(self) -> None:
        parts = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(parts.query)
        type(self).requests.append((parts.path, query))
        key = self.page_key(parts.path, query)
        body = self.pages.get(key) if key is not None else 400
        if body is None:
            body = self.empty()
        if isinstance(body, int):
            self.send_error(body)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _AzureApi(_Api):
    """/api/retail/prices?$filter=...&$skip=N -> pages[(service, region, skip)]; unknown slices: no items."""

    def page_key(self, path: str, query: dict[str, list[str]]) -> Any:
        match = _AZURE_FILTER.fullmatch(query.get("$filter", [""])[0])
        if path != "/api/retail/prices" or match is None:
            return None
        return match["service"], match["region"] or "Global", int(query.get("$skip", ["0"])[0])

    def empty(self) -> bytes:
        return json.dumps(_azure_page([], None)).encode()


class _GcpApi(_Api):
    """/v1/services/<id>/skus?pageToken=T&key=K -> pages[(id, T)]; 403 unless key == expected_key."""

    expected_key: ClassVar[str | None] = SECRET

    def page_key(self, path: str, query: dict[str, list[str]]) -> Any:
        if self.expected_key is not None and query.get("key") != [self.expected_key]:
            return "forbidden"
        segments = path.strip("/").split("/")
        if len(segments) != 4 or segments[:2] != ["v1", "services"] or segments[3] != "skus":
            return None
        return segments[2], query.get("pageToken", [None])[0]

    def empty(self) -> bytes:
        return b'{"error": {"code": 404, "message": "not found"}}'


def _serve(handler: type[_Api], pages: dict[Any, bytes | int]) -> Iterator[tuple[str, type[_Api]]]:
    api = type(handler.__name__, (handler,), {"pages": pages, "requests": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), api)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", api
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _encode(doc: Any) -> bytes:
    return json.dumps(doc, indent=1).encode()


@pytest.fixture
def azure_pages() -> dict[Any, bytes | int]:
    return {("Virtual Machines", "eastus", 0): _encode(VM_PAGE_1),
            ("Virtual Machines", "eastus", 100): _encode(VM_PAGE_2),
            ("NAT Gateway", "Global", 0): _encode(NAT_GLOBAL)}


@pytest.fixture
def azure_api(azure_pages: dict[Any, bytes | int]) -> Iterator[tuple[str, type[_Api]]]:
    for base, api in _serve(_AzureApi, azure_pages):
        yield f"{base}/api/retail/prices", api


@pytest.fixture
def gcp_pages() -> dict[Any, bytes | int]:
    return {(COMPUTE, None): _encode(COMPUTE_PAGE_1), (COMPUTE, "page-2"): _encode(COMPUTE_PAGE_2),
            (GKE, None): _encode(GKE_PAGE), "forbidden": 403}


@pytest.fixture
def gcp_api(gcp_pages: dict[Any, bytes | int]) -> Iterator[tuple[str, type[_Api]]]:
    yield from _serve(_GcpApi, gcp_pages)


# -- catalog ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def empty_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """$FINGUARD_PRICING_DATA pointing at a snapshot without prices: only what a test seeds is in the catalog."""
    root = tmp_path_factory.mktemp("empty_snapshot")
    (root / "manifest.json").write_text(json.dumps({"format": 1, "sources": [], "tables": []}))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(snapshot_module.DATA_ENV, str(root))
        snapshot_module.snapshot_digest.cache_clear()
        yield root
    snapshot_module.snapshot_digest.cache_clear()


SEEDED = {("Virtual Machines", "eastus"), ("Virtual Machines", "westus"), ("Compute Engine", "us-east1"),
          ("Compute Engine", "us-central1"), ("Compute Engine", "europe-west1")}


@pytest.fixture
def catalog_path(empty_snapshot: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in (SOURCE_ENV, AZURE_SOURCE_ENV, GCP_SOURCE_ENV, API_KEY_ENV, "FINGUARD_CATALOG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(snapshot_module.DATA_ENV, str(empty_snapshot))
    path = tmp_path / "catalog.sqlite"
    ensure_compiled(path)
    db = open_for_write(path)
    try:
        with db:
            writer = CatalogWriter(db)
            writer.add_source(SourceRecord(id="seed", kind="snapshot", published="2026-01-01"))
            for service, region in sorted(SEEDED):
                writer.replace_slice(service, region, [PriceRecord(
                    service=service, region=region, attributes={"seeded": "yes"}, unit="1 Hour", usd=Decimal("9"),
                    source="seed")])
    finally:
        db.close()
    return path


def all_rows(path: Path) -> dict[tuple[str, str], list[tuple[Any, ...]]]:
    catalog = Catalog(path)
    try:
        rows: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
        for p in iter_all(catalog):
            rows.setdefault((p.service, p.region), []).append(
                (p.sku, json.dumps(p.attributes, sort_keys=True), p.unit, str(p.usd), p.begin_range, p.end_range,
                 p.source_id))
        return {key: sorted(value, key=repr) for key, value in rows.items()}
    finally:
        catalog.close()


def sync_source_ids(path: Path) -> list[str]:
    catalog = Catalog(path)
    try:
        return sorted(s.id for s in catalog.sources() if s.kind == "sync")
    finally:
        catalog.close()


def cli(capsys: pytest.CaptureFixture[str], catalog_path: Path, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["--catalog", str(catalog_path), "pricing", "sync", *args])
    out, err = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), out, err


def assert_clean_failure(code: int, out: str, err: str, *fragments: str) -> None:
    """Exit 2, one `finguard: error:` line naming what failed, no traceback."""
    assert code == 2, (out, err)
    assert "Traceback" not in err and "internal error" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("finguard: error: "), err
    for fragment in fragments:
        assert fragment in last, (fragment, last)


# -- Azure ------------------------------------------------------------------------------------------
def test_azure_sync_over_http(capsys: pytest.CaptureFixture[str], catalog_path: Path,
                              azure_api: tuple[str, type[_Api]]) -> None:
    url, api = azure_api
    before = all_rows(catalog_path)
    code, out, err = cli(capsys, catalog_path, "--provider", "azure", "--source", url, "--service", "Virtual Machines",
                         "--service", "NAT Gateway", "--region", "eastus", "--region", "Global", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc) == REPORT_KEYS and (doc["provider"], doc["format"], doc["source"]) == ("azure", "azure-retail", url)
    assert [(s["service"], s["region"], s["kept"], s["filtered"], s["other_terms"]) for s in doc["slices"]] == [
        ("Virtual Machines", "eastus", 3, 1, 1), ("NAT Gateway", "Global", 2, 0, 0)]
    assert [(m["service"], m["region"]) for m in doc["missing_regions"]] == [
        ("Virtual Machines", "Global"), ("NAT Gateway", "eastus")]
    assert doc["errors"] == [] and doc["services"] == []

    # One $filter per slice (serviceName, armRegionName, Consumption); the second VM page was asked of
    # the mirror with the NextPageLink's query, not of prices.azure.com.
    asked = [(q["$filter"][0], q.get("$skip", ["0"])[0]) for _, q in api.requests]
    assert (VM_FILTER, "0") in asked and (VM_FILTER, "100") in asked and len(asked) == 5
    assert all(p == "/api/retail/prices" and "priceType eq 'Consumption'" in q["$filter"][0] for p, q in api.requests)
    assert f"reading {url}?%24filter=" in err

    catalog = Catalog(catalog_path)
    try:
        def vm(size: str, os_name: str) -> Decimal | None:
            match = catalog.lookup("Virtual Machines", "eastus", _meters.vm_filters(size, os_name))
            return match.unit_price if match.found else None

        assert vm("Standard_D2s_v3", "Linux") == Decimal("0.096")
        assert vm("Standard_D2s_v3", "Windows") == Decimal("0.188")
        assert vm("Standard_D4s_v3", "Linux") == Decimal("0.192")  # from the second page
        nat = catalog.lookup("NAT Gateway", "Global", _meters.nat_gateway_hours_filters())
        assert nat.found and nat.unit_price == Decimal("0.045")
        source = catalog.source(doc["slices"][0]["source_id"])
        assert source is not None and source.kind == "sync" and source.url and source.url.startswith(url)
    finally:
        catalog.close()
    after = all_rows(catalog_path)
    assert all(row[-1] != "seed" for row in after[("Virtual Machines", "eastus")])  # the slice was replaced
    for key in SEEDED - {("Virtual Machines", "eastus")}:
        assert after[key] == before[key]  # other slices keep their rows

    code, out, _ = cli(capsys, catalog_path, "--provider", "azure", "--source", url, "--service", "NAT Gateway",
                       "--region", "Global")
    assert code == 0 and out.startswith(f"pricing sync from {url} (azure-retail) into {catalog_path}")
    assert "NAT Gateway Global: 2 prices, 0 skipped" in out
    assert sync_source_ids(catalog_path) == sorted(s["source_id"] for s in doc["slices"])  # re-sync replaced


def test_azure_defaults_are_the_services_and_regions_the_models_use(
        catalog_path: Path, azure_api: tuple[str, type[_Api]], azure_pages: dict[Any, bytes | int]) -> None:
    model_services = {v for k, v in vars(_meters).items() if k.endswith("_SERVICE") and isinstance(v, str)}
    assert model_services and model_services <= set(DEFAULT_AZURE_SERVICES)
    assert _meters.GLOBAL in AZURE_DEFAULT_REGIONS
    url, api = azure_api
    azure_pages.clear()  # every slice answers with no items
    report = run_provider_sync("azure", catalog_path, source=url)
    assert report.provider == "azure" and report.ok and report.slices == []
    expected = {(s, r) for s in DEFAULT_AZURE_SERVICES for r in AZURE_DEFAULT_REGIONS}
    assert {(m.service, m.region) for m in report.missing_regions} == expected
    asked = {m.group("service", "region") for _, q in api.requests
             if (m := _AZURE_FILTER.fullmatch(q["$filter"][0]))}
    assert {(s, r or "Global") for s, r in asked} == expected


def test_azure_source_from_environment_and_directory_mirror(
        capsys: pytest.CaptureFixture[str], catalog_path: Path, azure_api: tuple[str, type[_Api]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    url, _ = azure_api
    monkeypatch.setenv(SOURCE_ENV, "http://127.0.0.1:9/aws-only")  # the AWS variable is not read for azure
    monkeypatch.setenv(AZURE_SOURCE_ENV, url)
    code, out, _ = cli(capsys, catalog_path, "--provider", "azure", "--service", "Virtual Machines",
                       "--region", "eastus")
    assert code == 0 and "Virtual Machines eastus: 3 prices" in out
    # a directory mirror: <dir>/<serviceName>/<region>.json, the page after $skip=N at <region>.skip-N.json
    mirror = tmp_path / "azure"
    (mirror / "Virtual Machines").mkdir(parents=True)
    (mirror / "Virtual Machines" / "eastus.json").write_bytes(_encode(VM_PAGE_1))
    (mirror / "Virtual Machines" / "eastus.skip-100.json").write_bytes(_encode(VM_PAGE_2))
    code, out, _ = cli(capsys, catalog_path, "--provider", "azure", "--source", str(mirror), "--service",
                       "Virtual Machines", "--region", "eastus", "--json")
    assert code == 0
    [vm_slice] = json.loads(out)["slices"]
    assert vm_slice["kept"] == 3 and vm_slice["url"] == (mirror / "Virtual Machines" / "eastus.json").resolve().as_uri()


def _vm_page_2_items(**fields: Any) -> bytes:
    return _encode(_azure_page([*VM_PAGE_2["Items"], _azure_item(meterId="f0000000-0000-4000-8000-000000000005",
                                                                  meterName="D8s v3", skuName="D8s v3", **fields)],
                               None))


@pytest.mark.parametrize(("page_2", "message"), [
    (500, "download failed: HTTP 500"),
    (b'{"BillingCurrency": "USD", "Items": [{"type": "Consumption",', "malformed JSON"),
    (b'{"Count": 0}', "not an Azure Retail Prices page (no 'Items' list)"),
    (_vm_page_2_items(retailPrice=1e999).replace(b"Infinity", b"1e999"), "non-finite retailPrice inf"),
    (_vm_page_2_items(retailPrice=float("nan")), "non-finite retailPrice nan"),
    (_vm_page_2_items(retailPrice="Infinity"), "non-finite retailPrice 'Infinity'"),
    (_encode(_azure_page([], VM_NEXT.replace("$skip=100", "$skip=0"))), "already read"),
], ids=["http-500", "malformed", "not-a-page", "1e999", "NaN", "Infinity-text", "link-loop"])
def test_azure_failures_leave_the_catalog_unchanged(
        capsys: pytest.CaptureFixture[str], catalog_path: Path, azure_api: tuple[str, type[_Api]],
        azure_pages: dict[Any, bytes | int], page_2: bytes | int, message: str) -> None:
    url, _ = azure_api
    azure_pages[("Virtual Machines", "eastus", 100)] = page_2
    before = all_rows(catalog_path)
    code, out, err = cli(capsys, catalog_path, "--provider", "azure", "--source", url, "--service", "Virtual Machines",
                         "--region", "eastus")
    assert_clean_failure(code, out, err, message, "127.0.0.1")
    assert all_rows(catalog_path) == before and sync_source_ids(catalog_path) == []


def test_azure_page_count_is_bounded(capsys: pytest.CaptureFixture[str], catalog_path: Path,
                                     azure_api: tuple[str, type[_Api]], monkeypatch: pytest.MonkeyPatch) -> None:
    url, _ = azure_api
    monkeypatch.setattr(azure_retail, "MAX_PAGES", 1)
    before = all_rows(catalog_path)
    code, out, err = cli(capsys, catalog_path, "--provider", "azure", "--source", url, "--service", "Virtual Machines",
                         "--region", "eastus")
    assert_clean_failure(code, out, err, "more than 1 pages")
    assert all_rows(catalog_path) == before


# -- GCP --------------------------------------------------------------------------------------------
def test_gcp_sync_over_http_keeps_the_key_secret(capsys: pytest.CaptureFixture[str], catalog_path: Path,
                                                 gcp_api: tuple[str, type[_Api]],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    url, api = gcp_api
    monkeypatch.setenv(API_KEY_ENV, SECRET)
    before = all_rows(catalog_path)
    code, out, err = cli(capsys, catalog_path, "--provider", "gcp", "--source", url, "--service", "Compute Engine",
                         "--service", GKE, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc) == REPORT_KEYS and (doc["provider"], doc["format"], doc["source"]) == ("gcp", "gcp-catalog", url)
    compute, gke = doc["services"]
    assert (compute["service_id"], compute["pages"], compute["skus"], compute["kept"], compute["regions"]) == (
        COMPUTE, 2, 4, 5, 2)
    assert compute["other_usage_types"] == {"Commit1Yr": 1} and compute["published"] == "2026-10-01"
    assert (gke["services"], gke["kept"], gke["regions"]) == (["Kubernetes Engine"], 1, 1)
    assert doc["slices"] == [] and doc["errors"] == []

    # every request: USD prices, the key in `key` only; the key is in no output and not in the catalog
    assert [(p, q.get("pageToken")) for p, q in api.requests] == [
        (f"/v1/services/{COMPUTE}/skus", None), (f"/v1/services/{COMPUTE}/skus", ["page-2"]),
        (f"/v1/services/{GKE}/skus", None)]
    assert all(q["key"] == [SECRET] and q["currencyCode"] == ["USD"] for _, q in api.requests)
    assert SECRET not in out + err and SECRET.encode() not in catalog_path.read_bytes()

    catalog = Catalog(catalog_path)
    try:
        core = catalog.lookup("Compute Engine", "us-central1", {"descriptionStem": "E2 Instance Core",
                                                                "usageType": "OnDemand"})
        assert core.found and core.unit_price == Decimal("0.02181159")
        ram = catalog.lookup("Compute Engine", "us-east1", {"descriptionStem": "E2 Instance Ram"})
        assert ram.unit_price == Decimal("0.00292353") and ram.prices[0].source_id == compute["source_id"]
        fee = catalog.lookup("Kubernetes Engine", "global", {"descriptionStem": "Zonal Kubernetes Clusters"})
        assert fee.unit_price == Decimal("0.1")
        assert catalog.source(compute["source_id"]).url == f"{url}/v1/services/{COMPUTE}/skus"  # type: ignore[union-attr]
    finally:
        catalog.close()
    after = all_rows(catalog_path)
    for key in (("Compute Engine", "us-east1"), ("Compute Engine", "us-central1")):
        assert {row[-1] for row in after[key]} == {compute["source_id"]}  # replaced
    for key in SEEDED - {("Compute Engine", "us-east1"), ("Compute Engine", "us-central1")}:
        assert after[key] == before[key]  # europe-west1 is in no SKU's serviceRegions: untouched

    code, out, err = cli(capsys, catalog_path, "--provider", "gcp", "--source", url, "--service", GKE)
    assert code == 0 and f"{GKE} (Kubernetes Engine): 1 prices in 1 region slice(s)" in out
    assert SECRET not in out + err


def test_gcp_regions_and_service_names(capsys: pytest.CaptureFixture[str], catalog_path: Path,
                                       gcp_api: tuple[str, type[_Api]], monkeypatch: pytest.MonkeyPatch) -> None:
    assert set(SERVICE_IDS) >= {v for k, v in vars(google_models).items()
                                if k in ("COMPUTE", "GKE", "SQL", "REDIS", "GCS", "FUNCTIONS")}
    url, _ = gcp_api
    monkeypatch.setenv(API_KEY_ENV, SECRET)
    monkeypatch.setenv(GCP_SOURCE_ENV, url)
    before = all_rows(catalog_path)
    code, out, _ = cli(capsys, catalog_path, "--provider", "gcp", "--service", "compute engine", "--region",
                       "us-east1", "--json")
    assert code == 0
    [compute] = json.loads(out)["services"]
    assert (compute["regions"], compute["kept"], compute["skipped"]) == (1, 3, {"other region": 2})
    after = all_rows(catalog_path)
    assert after[("Compute Engine", "us-central1")] == before[("Compute Engine", "us-central1")]
    code, out, err = cli(capsys, catalog_path, "--provider", "gcp", "--service", "Cloud Nothing")
    assert_clean_failure(code, out, err, "--service 'Cloud Nothing': not a Cloud Billing service id")


def test_gcp_official_endpoint_needs_a_key(capsys: pytest.CaptureFixture[str], catalog_path: Path) -> None:
    code, out, err = cli(capsys, catalog_path, "--provider", "gcp")
    assert_clean_failure(code, out, err, f"set ${API_KEY_ENV}", GCP_SOURCE_ENV)


def test_gcp_directory_mirror(capsys: pytest.CaptureFixture[str], catalog_path: Path, tmp_path: Path) -> None:
    pages = tmp_path / "gcp" / "v1" / "services" / COMPUTE
    pages.mkdir(parents=True)
    (pages / "skus.json").write_bytes(_encode(COMPUTE_PAGE_1))
    (pages / "skus.page-2.json").write_bytes(_encode(COMPUTE_PAGE_2))
    code, out, err = cli(capsys, catalog_path, "--provider", "gcp", "--source", str(tmp_path / "gcp"), "--service",
                         COMPUTE)
    assert code == 0, err
    assert f"{COMPUTE} (Compute Engine): 5 prices in 2 region slice(s) from 4 SKUs on 2 page(s)" in out


def _compute_page_2(**money: Any) -> bytes:
    page = json.loads(json.dumps(COMPUTE_PAGE_2))
    page["skus"][1]["pricingInfo"][0]["pricingExpression"]["tieredRates"][0]["unitPrice"].update(money)
    return _encode(page)


@pytest.mark.parametrize(("change", "message"), [
    ({"forbidden": 403, (COMPUTE, None): 403}, "download failed: HTTP 403"),
    ({(COMPUTE, "page-2"): b'{"skus": [{"name": '}, "malformed JSON"),
    ({(COMPUTE, "page-2"): b'{"skus": "none"}'}, "not a Cloud Billing Catalog SKU page"),
    ({(COMPUTE, "page-2"): _compute_page_2(nanos=float("inf")).replace(b"Infinity", b"1e999")},
     "non-finite unit price"),
    ({(COMPUTE, "page-2"): _compute_page_2(nanos=float("nan"))}, "non-finite unit price"),
    ({(COMPUTE, "page-2"): _compute_page_2(units="NaN")}, "non-finite unit price"),
    ({(COMPUTE, "page-2"): _encode({**COMPUTE_PAGE_2, "nextPageToken": "page-2"})}, "nextPageToken repeats"),
    ({(COMPUTE, "page-2"): 502}, "download failed: HTTP 502"),
], ids=["http-403", "malformed", "not-a-page", "1e999", "NaN", "NaN-text", "token-loop", "http-502"])
def test_gcp_failures_leave_the_catalog_unchanged(
        capsys: pytest.CaptureFixture[str], catalog_path: Path, gcp_api: tuple[str, type[_Api]],
        gcp_pages: dict[Any, bytes | int], monkeypatch: pytest.MonkeyPatch, change: dict[Any, bytes | int],
        message: str) -> None:
    url, _ = gcp_api
    monkeypatch.setenv(API_KEY_ENV, SECRET)
    gcp_pages.update(change)
    before = all_rows(catalog_path)
    code, out, err = cli(capsys, catalog_path, "--provider", "gcp", "--source", url, "--service", COMPUTE)
    assert_clean_failure(code, out, err, message, "127.0.0.1")
    assert SECRET not in out + err
    assert all_rows(catalog_path) == before and sync_source_ids(catalog_path) == []


def test_gcp_rejected_key_and_page_bound(capsys: pytest.CaptureFixture[str], catalog_path: Path,
                                         gcp_api: tuple[str, type[_Api]], monkeypatch: pytest.MonkeyPatch) -> None:
    url, _ = gcp_api
    monkeypatch.setenv(API_KEY_ENV, "another-key-the-server-refuses")
    code, out, err = cli(capsys, catalog_path, "--provider", "gcp", "--source", url, "--service", COMPUTE)
    assert_clean_failure(code, out, err, "HTTP 403", API_KEY_ENV)
    assert "another-key-the-server-refuses" not in out + err
    monkeypatch.setenv(API_KEY_ENV, SECRET)
    monkeypatch.setattr(gcp_catalog, "MAX_PAGES", 1)
    before = all_rows(catalog_path)
    code, out, err = cli(capsys, catalog_path, "--provider", "gcp", "--source", url, "--service", COMPUTE)
    assert_clean_failure(code, out, err, "more than 1 pages")
    assert all_rows(catalog_path) == before


def test_provider_options(capsys: pytest.CaptureFixture[str], catalog_path: Path) -> None:
    code, out, err = cli(capsys, catalog_path, "--provider", "gcp", "--format", "csv")
    assert_clean_failure(code, out, err, "does not apply to --provider gcp")
    code, out, err = cli(capsys, catalog_path, "--provider", "oracle")
    assert code == 2 and "Invalid value for '--provider'" in err
    with pytest.raises(UsageError, match="unknown provider"):
        run_provider_sync("oracle", catalog_path)
