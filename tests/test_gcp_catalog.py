"""The Cloud Billing Catalog API parser and `sync_gcp`, against hand-written pages (tests/fixtures/gcp_catalog)
served from a directory and from a local HTTP server on 127.0.0.1 that answers like the API
(`pageToken` and `key` query parameters)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
import urllib.parse
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from finguard.errors import InputError
from finguard.pricing.catalog import Catalog, compile_snapshot, ensure_compiled
from finguard.pricing.estimate import estimate
from finguard.pricing.snapshot import snapshot_digest
from finguard.pricing.sources.gcp_catalog import (
    API_KEY_ENV,
    CatalogStats,
    description_stem,
    iter_sku_page,
    load_page,
    sync_gcp,
)
from finguard.terraform.plan import plan_to_project

from .test_cost_models_gcp import GooglePlan

FIXTURES = Path(__file__).parent / "fixtures" / "gcp_catalog"
COMPUTE = "6F81-5844-456A"
GKE = "CCD8-9BF1-090E"
SECRET = "AIzaSy-test-secret-key-0123456789"


# -- fixtures -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def snapshot_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    snapshot_digest.cache_clear()
    path = tmp_path_factory.mktemp("gcp-template") / "catalog.sqlite"
    ensure_compiled(path)
    return path


@pytest.fixture
def catalog_path(snapshot_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "catalog.sqlite"
    shutil.copy(snapshot_template, path)
    return path


class _CatalogApi(BaseHTTPRequestHandler):
    """GET /v1/services/<id>/skus[?pageToken=T&key=K]: the fixture page, 403 without the expected key."""

    root: Path = FIXTURES
    expected_key: str | None = None
    requests: list[dict[str, list[str]]] = []

    def do_GET(self) -> None:
        parts = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(parts.query)
        type(self).requests.append({"path": [parts.path], **query})
        if self.expected_key is not None and query.get("key") != [self.expected_key]:
            self._send(403, b'{"error": {"code": 403, "message": "The request is missing a valid API key."}}')
            return
        segments = parts.path.strip("/").split("/")
        if len(segments) != 4 or segments[:2] != ["v1", "services"] or segments[3] != "skus":
            self._send(404, b"{}")
            return
        token = query.get("pageToken", [None])[0]
        name = "skus.json" if token is None else f"skus.{token}.json"
        page = self.root / "v1" / "services" / segments[2] / name
        if not page.is_file():
            self._send(404, b"{}")
            return
        self._send(200, page.read_bytes())

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def api() -> Iterator[type[_CatalogApi]]:
    """A Catalog API stand-in on a free 127.0.0.1 port; the handler class records every request."""
    handler = type("Api", (_CatalogApi,), {"requests": [], "expected_key": None, "root": FIXTURES})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}"  # type: ignore[attr-defined]
    yield handler
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _rows(path: Path, service: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as db:
        return sorted(db.execute(
            "SELECT p.region, p.sku, d.attributes, d.unit, p.usd, d.begin_range, d.end_range, p.source_id "
            "FROM prices p JOIN products d ON d.id = p.product_id WHERE p.service = ?", (service,)))


# -- parsing --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("description", "stem"), [
    ("N1 Predefined Instance Core running in Americas", "N1 Predefined Instance Core"),
    ("Storage PD Capacity in Virginia", "Storage PD Capacity"),
    ("Storage PD Capacity", "Storage PD Capacity"),
    ("Static Ip Charge in Warsaw", "Static Ip Charge"),
    ("Preemptible Custom Instance Core running globally", "Preemptible Custom Instance Core"),
    ("Cloud SQL for PostgreSQL: Zonal - vCPU in Americas", "Cloud SQL for PostgreSQL: Zonal - vCPU"),
    ("Redis Capacity Basic M1 Iowa", "Redis Capacity Basic M1"),
    ("Cloud Run functions Memory (Request-based billing) in us-central1",
     "Cloud Run functions Memory (Request-based billing)"),
    ("Network Internet Egress from Americas to Americas", "Network Internet Egress from Americas to Americas"),
    ("Standard Storage Europe Multi-region", "Standard Storage Europe Multi-region"),
])
def test_description_stem_drops_the_location_phrase(description: str, stem: str) -> None:
    assert description_stem(description) == stem


def test_page_becomes_one_record_per_region_and_tier() -> None:
    where = str(FIXTURES / "v1/services/6F81-5844-456A/skus.page-2.json")
    stats = CatalogStats()
    records = list(iter_sku_page(load_page(Path(where).read_bytes(), where), source_id="s", where=where,
                                 stats=stats))
    by_sku = {(r.sku, r.region, r.begin_range): r for r in records}
    licence = by_sku[("TEST-LIC0-0009", "global", 0.0)]
    assert licence.usd == Decimal("2.961") and licence.service == "Compute Engine" and licence.unit == "h"
    assert licence.attributes == {
        "description": "Licensing Fee for SQL Server 2016 Standard on VM with 18 VCPU",
        "descriptionStem": "Licensing Fee for SQL Server 2016 Standard on VM with 18 VCPU",
        "resourceFamily": "License", "resourceGroup": "SQLServer2016Standard", "usageType": "OnDemand",
        "usageUnit": "h"}
    warsaw = by_sku[("TEST-SIP0-0007", "europe-central2", 0.0)]
    assert warsaw.usd == Decimal("0.012") and warsaw.attributes["descriptionStem"] == "Static Ip Charge"
    egress = sorted((r.begin_range, r.end_range, r.usd) for r in records if r.sku == "TEST-EGR0-0010")
    assert egress == [(0.0, 1024.0, Decimal("0.12")), (1024.0, 10240.0, Decimal("0.11")),
                      (10240.0, None, Decimal("0.08"))]
    assert stats.kept == len(records) == 7 and stats.kept_skus == 5 and stats.latest_effective.startswith("2026-10-01")


def test_commitments_and_preemptible_skus_are_skipped_and_counted() -> None:
    where = str(FIXTURES / "v1/services/6F81-5844-456A/skus.json")
    stats = CatalogStats()
    records = list(iter_sku_page(load_page(Path(where).read_bytes(), where), source_id="s", where=where,
                                 stats=stats))
    assert {r.sku for r in records} == {"TEST-E2C0-0001", "TEST-E2R0-0002", "TEST-PDST-0005"}
    assert dict(stats.other_usage_types) == {"Commit1Yr": 1, "Preemptible": 1}
    # one record per service region: E2 core in 2 regions, RAM in 2, PD capacity in 3
    assert len(records) == 7
    core = next(r for r in records if r.sku == "TEST-E2C0-0001")
    assert core.usd == Decimal("0.02181159") and str(core.usd) == "0.021811590"  # exact: units + nanos / 1e9


def test_regions_filter_keeps_only_the_asked_regions() -> None:
    where = str(FIXTURES / "v1/services/6F81-5844-456A/skus.json")
    stats = CatalogStats()
    records = list(iter_sku_page(json.loads(Path(where).read_text()), source_id="s", where=where, stats=stats,
                                 regions=["us-east1"]))
    assert {r.region for r in records} == {"us-east1"} and stats.skipped["other region"] == 4


@pytest.mark.parametrize(("doc", "message"), [
    ({"skus": "nope"}, "no 'skus' list"),
    ({"skus": [17]}, "SKU is not an object"),
    ({"skus": [{"description": "x"}]}, "lacks a category"),
])
def test_pages_not_in_the_api_layout_are_errors_naming_the_sku(doc: Any, message: str) -> None:
    with pytest.raises(InputError, match=message) as err:
        list(iter_sku_page(doc, source_id="s", where="page.json"))
    assert str(err.value).startswith("page.json")


def test_unusable_prices_are_skipped_not_zero() -> None:
    base = json.loads((FIXTURES / "v1/services/CCD8-9BF1-090E/skus.json").read_text())["skus"][0]
    eur = json.loads(json.dumps(base))
    eur["pricingInfo"][0]["pricingExpression"]["tieredRates"][0]["unitPrice"]["currencyCode"] = "EUR"
    negative = json.loads(json.dumps(base))
    negative["pricingInfo"][0]["pricingExpression"]["tieredRates"][0]["unitPrice"].update(units="-1", nanos=0)
    stats = CatalogStats()
    assert list(iter_sku_page({"skus": [eur, negative]}, source_id="s", where="p", stats=stats)) == []
    assert stats.skipped["bad price"] == 2


# -- sync -----------------------------------------------------------------------------------------
def test_sync_over_http_follows_pages_and_keeps_the_key_secret(
        api: type[_CatalogApi], catalog_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(API_KEY_ENV, SECRET)
    api.expected_key = SECRET
    said: list[str] = []
    report = sync_gcp(catalog_path, source=api.url, service_ids=[COMPUTE, GKE], progress=said.append)

    pages = [(r["path"][0], r.get("pageToken")) for r in api.requests]
    assert pages == [(f"/v1/services/{COMPUTE}/skus", None), (f"/v1/services/{COMPUTE}/skus", ["page-2"]),
                     (f"/v1/services/{GKE}/skus", None)]
    assert all(r["key"] == [SECRET] and r["currencyCode"] == ["USD"] for r in api.requests)
    compute, gke = report.services
    assert (compute.pages, compute.skus, compute.kept) == (2, 10, 14)
    assert compute.other_usage_types == {"Commit1Yr": 1, "Preemptible": 1}
    assert gke.services == ["Kubernetes Engine"] and gke.kept == 2

    # the key is in no message, report, source record or catalog row
    assert SECRET not in report.render() + report.model_dump_json() + "\n".join(said)
    assert SECRET.encode() not in catalog_path.read_bytes()

    catalog = Catalog(catalog_path)
    src = catalog.source(compute.source_id)
    assert src is not None and src.kind == "sync" and src.url == f"{api.url}/v1/services/{COMPUTE}/skus"
    assert src.published == "2026-10-01" and src.sha256 == compute.sha256
    core = catalog.lookup("Compute Engine", "us-east1",
                          {"descriptionStem": "E2 Instance Core", "usageType": "OnDemand"})
    assert core.found and core.unit_price == Decimal("0.02181159") and core.prices[0].source_id == compute.source_id
    fee = catalog.lookup("Kubernetes Engine", "global",
                         {"descriptionStem": "Zonal Kubernetes Clusters", "usageType": "OnDemand"})
    assert fee.unit_price == Decimal("0.1") and fee.prices[0].source_id == gke.source_id
    # a synced slice replaces the snapshot's slice: us-central1 Compute Engine now holds only synced rows
    nat = catalog.lookup("Compute Engine", "us-central1", {"descriptionStem": "NAT Gateway: Uptime charge",
                                                           "usageType": "OnDemand"})
    assert not nat.found
    # a slice the sync did not touch keeps its snapshot rows (Cloud SQL was not synced)
    assert catalog.lookup("Cloud SQL", "us-central1", {"descriptionStem": "Cloud SQL for MySQL: Zonal - vCPU",
                                                       "usageType": "OnDemand"}).found


def test_directory_mirror_gives_the_same_rows_as_http(api: type[_CatalogApi], catalog_path: Path,
                                                      tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    shutil.copy(catalog_path, other)
    by_http = sync_gcp(catalog_path, source=api.url, service_ids=[COMPUTE])
    by_dir = sync_gcp(other, source=str(FIXTURES), service_ids=[COMPUTE])
    assert by_http.services[0].sha256 == by_dir.services[0].sha256
    strip = [(region, sku, attrs, unit, usd, b, e) for region, sku, attrs, unit, usd, b, e, _ in
             _rows(catalog_path, "Compute Engine")]
    assert strip == [(region, sku, attrs, unit, usd, b, e) for region, sku, attrs, unit, usd, b, e, _ in
                     _rows(other, "Compute Engine")]


def test_a_second_sync_replaces_the_first_and_its_source(api: type[_CatalogApi], catalog_path: Path) -> None:
    first = sync_gcp(catalog_path, source=api.url, service_ids=[GKE])
    again = sync_gcp(catalog_path, source=api.url, service_ids=[GKE])
    assert first.services[0].source_id == again.services[0].source_id
    assert len(_rows(catalog_path, "Kubernetes Engine")) == 2
    with sqlite3.connect(catalog_path) as db:
        ids = [i for (i,) in db.execute("SELECT id FROM sources WHERE kind = 'sync'")]
    assert ids == [first.services[0].source_id]


def test_malformed_page_is_an_error_with_location_and_changes_nothing(catalog_path: Path) -> None:
    before = _rows(catalog_path, "Compute Engine")
    with pytest.raises(InputError, match="malformed JSON") as err:
        sync_gcp(catalog_path, source=str(FIXTURES / "malformed"), service_ids=[COMPUTE])
    where = err.value.where or ""
    assert where.startswith(str(FIXTURES / "malformed/v1/services/6F81-5844-456A/skus.broken.json:"))
    assert where.count(":") >= 2  # file:line:column
    assert _rows(catalog_path, "Compute Engine") == before  # page 1 was fine, but nothing was written


def test_rejected_key_is_reported_without_the_key(api: type[_CatalogApi], catalog_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(API_KEY_ENV, SECRET)
    api.expected_key = "another-key"
    with pytest.raises(InputError, match="HTTP 403") as err:
        sync_gcp(catalog_path, source=api.url, service_ids=[COMPUTE])
    assert SECRET not in str(err.value) and API_KEY_ENV in str(err.value)


def test_bad_service_id_and_bad_source(catalog_path: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a Cloud Billing service id"):
        sync_gcp(catalog_path, source=str(FIXTURES), service_ids=["compute"])
    with pytest.raises(InputError, match="neither an http"):
        sync_gcp(catalog_path, source=str(tmp_path / "missing"), service_ids=[COMPUTE])


def test_synced_rows_price_a_google_model(api: type[_CatalogApi], catalog_path: Path) -> None:
    """An e2-standard-2 in us-east1 (no snapshot price) is priced from synced E2 core and RAM rows."""
    sync_gcp(catalog_path, source=api.url, service_ids=[COMPUTE])
    plan = GooglePlan(region="us-east1").add("google_compute_instance.vm", {
        "machine_type": "e2-standard-2", "zone": "us-east1-b",
        "boot_disk": [{"initialize_params": [{"size": 10, "type": "pd-standard"}]}]})
    cost = estimate(plan_to_project(plan.build()), Catalog(catalog_path)).resources[0]
    # 2 vCPU x 730 x 0.02181159 = 31.8449214; 8 GB x 730 x 0.00292353 = 17.0734152; 10 GB x 0.04 = 0.40
    assert cost.complete and cost.monthly_cost == Decimal("31.8449214") + Decimal("17.0734152") + Decimal("0.40")



def test_synced_slices_survive_a_snapshot_rebuild(api: type[_CatalogApi], catalog_path: Path) -> None:
    report = sync_gcp(catalog_path, source=api.url, service_ids=[COMPUTE])
    compile_snapshot(catalog_path)  # what a new finguard version does on first use
    catalog = Catalog(catalog_path)
    core = catalog.lookup("Compute Engine", "us-east1",
                          {"descriptionStem": "E2 Instance Core", "usageType": "OnDemand"})
    assert core.found and core.prices[0].source_id == report.services[0].source_id
    # the synced us-central1 slice still wins over the snapshot's rows for that slice
    assert not catalog.lookup("Compute Engine", "us-central1", {"descriptionStem": "NAT Gateway: Uptime charge",
                                                                "usageType": "OnDemand"}).found
    # snapshot slices the sync never touched are rebuilt as before
    fee = catalog.lookup("Kubernetes Engine", "global", {"descriptionStem": "Zonal Kubernetes Clusters",
                                                         "usageType": "OnDemand"})
    assert fee.unit_price == Decimal("0.1") and fee.prices[0].source_id == "infracost-golden-google-container-cluster"
