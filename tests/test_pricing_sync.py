"""`pricing sync` end to end against a local mirror of the AWS Price List bulk API (no network).

The fixture tree (tests/fixtures/aws_offers) is served over HTTP on 127.0.0.1 and read as a
directory; both layouts (CSV, JSON) must give the same catalog rows.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import shutil
import socket
import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from finguard.errors import InputError
from finguard.pricing import snapshot as snapshot_module
from finguard.pricing.catalog import Catalog, CatalogWriter, compile_snapshot, ensure_compiled, open_for_write
from finguard.pricing.snapshot import PriceRecord, SourceRecord, pricing_data_dir, snapshot_digest
from finguard.pricing.sources import aws_offer
from finguard.pricing.sources.aws_offer import (
    CSV_ATTRIBUTE_NAMES,
    FINGUARD_KEEP,
    OfferStats,
    csv_column_to_attribute,
    iter_offer_csv,
    iter_offer_json,
)
from finguard.pricing.sync import (
    DEFAULT_SERVICES,
    DEFAULT_SOURCE,
    SOURCE_ENV,
    catalog_age_warnings,
    resolve_source,
    run_sync,
)

FIXTURES = Path(__file__).parent / "fixtures" / "aws_offers"
OFFERS = FIXTURES / "offers" / "v1.0" / "aws"
EC2_USE1 = OFFERS / "AmazonEC2" / "20260715000000" / "us-east-1"
EC2_USW2 = OFFERS / "AmazonEC2" / "20260715000000" / "us-west-2"
ELB_USE1 = OFFERS / "AWSELB" / "20260710120000" / "us-east-1"
CW_USE1 = OFFERS / "AmazonCloudWatch" / "20260701000000" / "us-east-1"
SYNCED = ("AmazonEC2", "AWSELB", "AmazonCloudWatch")
BOTH_REGIONS = ("us-east-1", "us-west-2")
EC2_INSTANCE = {"productFamily": "Compute Instance", "instanceType": "m5.large", "operatingSystem": "Linux",
                "tenancy": "Shared", "preInstalledSw": "NA", "capacitystatus": "Used",
                "licenseModel": "No License required"}

Rows = dict[tuple[str, str], list[tuple[Any, ...]]]


# -- fixtures -------------------------------------------------------------------------------------
def _write_fake_snapshot(root: Path) -> Path:
    """A minimal pricing_data/ for when the real snapshot is not built yet (another helper builds it)."""
    (root / "aws").mkdir(parents=True)
    sources = [
        {"id": "test-snapshot", "kind": "snapshot", "url": "https://example.invalid/prices",
         "published": "2026-01-01", "retrieved": "2026-01-02", "sha256": "0" * 64},
    ]
    (root / "sources.json").write_text(json.dumps(sources))

    def row(service: str, region: str, attrs: dict[str, str], unit: str, usd: str) -> str:
        return json.dumps({"service": service, "region": region, "sku": None, "attributes": attrs, "unit": unit,
                           "usd": usd, "begin_range": 0, "end_range": None, "description": None,
                           "source": "test-snapshot"})

    (root / "aws" / "AmazonEC2.jsonl").write_text("\n".join([
        row("AmazonEC2", "us-east-1", EC2_INSTANCE, "Hrs", "0.1"),
        row("AmazonEC2", "us-east-2", EC2_INSTANCE, "Hrs", "0.096"),
    ]) + "\n")
    (root / "aws" / "AWSELB.jsonl").write_text(row(
        "AWSELB", "us-west-2", {"productFamily": "Load Balancer-Application", "usagetype": "LoadBalancerUsage"},
        "Hrs", "0.0225") + "\n")
    return root


@pytest.fixture(scope="module")
def snapshot_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A catalog compiled once from the snapshot; each test copies it (compiling per test is slow)."""
    with pytest.MonkeyPatch.context() as mp:
        try:
            pricing_data_dir()
        except InputError:
            fake = _write_fake_snapshot(tmp_path_factory.mktemp("pricing_data"))
            mp.setattr(snapshot_module, "pricing_data_dir", lambda: fake)
        snapshot_digest.cache_clear()
        path = tmp_path_factory.mktemp("template") / "catalog.sqlite"
        ensure_compiled(path)
        yield path
    snapshot_digest.cache_clear()


@pytest.fixture
def catalog_path(snapshot_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("FINGUARD_HOME", str(home))
    monkeypatch.delenv("FINGUARD_CATALOG", raising=False)
    monkeypatch.delenv(SOURCE_ENV, raising=False)
    path = home / "catalog.sqlite"
    shutil.copy(snapshot_template, path)
    return path


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def serve() -> Iterator[Callable[[Path], str]]:
    """Start a stdlib HTTP server on 127.0.0.1 (free port) for a directory; all stop at module end."""
    servers: list[tuple[ThreadingHTTPServer, threading.Thread]] = []

    def start(root: Path) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root)))
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def mirror_url(serve: Callable[[Path], str]) -> str:
    return serve(FIXTURES)


# -- helpers --------------------------------------------------------------------------------------
def all_rows(path: Path) -> Rows:
    with sqlite3.connect(path) as db:
        cursor = db.execute("SELECT service, region, sku, attributes, unit, usd, begin_range, end_range, "
                            "description, source_id FROM prices")
        rows: Rows = {}
        for service, region, *rest in cursor:
            rows.setdefault((service, region), []).append(tuple(rest))
    return {key: sorted(value, key=repr) for key, value in rows.items()}


def sync_sources(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        return [i for (i,) in db.execute("SELECT id FROM sources WHERE kind = 'sync' ORDER BY id")]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def slice_of(catalog: Catalog, service: str, region: str) -> list[tuple[Any, ...]]:
    """(sku, usagetype, unit, usd, begin, end) of every row of a slice, sorted."""
    return sorted((p.sku, p.attributes.get("usagetype"), p.unit, p.usd, p.begin_range, p.end_range)
                  for p in catalog.search(service, region, {}))


EXPECTED_SLICES = {
    ("AmazonEC2", "us-east-1"): [
        ("FGUSE1GP3IOPS001", "EBS:VolumeP-IOPS.gp3", "IOPS-Mo", Decimal("0.0050000000"), 0.0, None),
        ("FGUSE1GP3STORAGE", "EBS:VolumeUsage.gp3", "GB-Mo", Decimal("0.0800000000"), 0.0, None),
        ("FGUSE1M5LGLINUX1", "BoxUsage:m5.large", "Hrs", Decimal("0.0960000000"), 0.0, None),
        ("FGUSE1NATGWBYTES", "NatGateway-Bytes", "GB", Decimal("0.0450000000"), 0.0, None),
        ("FGUSE1NATGWHOURS", "NatGateway-Hours", "Hrs", Decimal("0.0450000000"), 0.0, None),
        ("FGUSE1T3MCWIN001", "BoxUsage:t3.micro", "Hrs", Decimal("0.0208000000"), 0.0, None),
    ],
    ("AmazonEC2", "us-west-2"): [
        ("FGUSW2GP3IOPS001", "EBS:VolumeP-IOPS.gp3", "IOPS-Mo", Decimal("0.0050000000"), 0.0, None),
        ("FGUSW2GP3STORAGE", "EBS:VolumeUsage.gp3", "GB-Mo", Decimal("0.0800000000"), 0.0, None),
        ("FGUSW2M5LGLINUX1", "BoxUsage:m5.large", "Hrs", Decimal("0.0960000000"), 0.0, None),
    ],
    ("AWSELB", "us-east-1"): [
        ("FGUSE1ALBHOURS01", "LoadBalancerUsage", "Hrs", Decimal("0.0225000000"), 0.0, None),
        ("FGUSE1ALBLCU0001", "LCUUsage", "LCU-Hrs", Decimal("0.0080000000"), 0.0, None),
    ],
    ("AmazonCloudWatch", "us-east-1"): [
        ("FGUSE1CWMETRIC01", "CW:MetricMonitorUsage", "Metrics", Decimal("0.1000000000"), 10000.0, None),
        ("FGUSE1CWMETRIC01", "CW:MetricMonitorUsage", "Metrics", Decimal("0.3000000000"), 0.0, 10000.0),
    ],
}


# -- CSV header mapping and the product filter ----------------------------------------------------
def test_csv_columns_map_to_json_attribute_names() -> None:
    explicit = {
        "Instance Type": "instanceType", "Product Family": "productFamily", "Operating System": "operatingSystem",
        "Pre Installed S/W": "preInstalledSw", "usageType": "usagetype", "Volume API Name": "volumeApiName",
        "Tenancy": "tenancy", "License Model": "licenseModel", "CapacityStatus": "capacitystatus",
        "Database Engine": "databaseEngine", "Deployment Option": "deploymentOption", "Cache Engine": "cacheEngine",
        "Volume Type": "volumeType", "Group": "group", "Region Code": "regionCode", "serviceCode": "servicecode",
        "Max IOPS/volume": "maxIopsvolume", "Max throughput/volume": "maxThroughputvolume",
    }
    for column, name in explicit.items():
        assert CSV_ATTRIBUTE_NAMES[column] == name
        assert csv_column_to_attribute(column) == name
    # The generic rule: first word lower-case, later words capitalised, punctuation dropped.
    assert csv_column_to_attribute("Instance Family") == "instanceFamily"
    assert csv_column_to_attribute("Intel AVX2 Available") == "intelAvx2Available"
    assert csv_column_to_attribute("Instance Capacity - 10xlarge") == "instanceCapacity10xlarge"
    assert csv_column_to_attribute("ClassicNetworkingSupport") == "classicnetworkingsupport"
    assert csv_column_to_attribute("vCPU") == "vcpu"
    assert csv_column_to_attribute("Some New Column") == "someNewColumn"
    assert csv_column_to_attribute("---") == "---"
    # Without the table the generic rule would get these wrong.
    for column in ("Pre Installed S/W", "Max IOPS/volume"):
        words = column.replace("/", " ").split()
        generic = words[0].lower() + "".join(w[:1].upper() + w[1:].lower() for w in words[1:])
        assert generic != CSV_ATTRIBUTE_NAMES[column]


def test_finguard_keep_covers_the_models() -> None:
    assert set(DEFAULT_SERVICES) == set(FINGUARD_KEEP) == {
        "AmazonEC2", "AmazonRDS", "AWSELB", "AmazonVPC", "AmazonEKS", "AmazonElastiCache", "AmazonCloudWatch"}
    ec2 = FINGUARD_KEEP["AmazonEC2"]
    assert ec2("Compute Instance", {"capacitystatus": "Used", "preInstalledSw": "NA"})
    assert not ec2("Compute Instance", {"capacitystatus": "UnusedCapacityReservation", "preInstalledSw": "NA"})
    assert not ec2("Compute Instance", {"capacitystatus": "Used", "preInstalledSw": "SQL Std"})
    assert ec2("System Operation", {"usagetype": "EBS:VolumeP-IOPS.gp3"})
    assert not ec2("System Operation", {"usagetype": "ElasticIP:Remap"})
    for family in ("Storage", "Provisioned Throughput", "NAT Gateway", "CPU Credits"):
        assert ec2(family, {})
    assert not ec2("Data Transfer", {})
    assert FINGUARD_KEEP["AWSELB"]("Load Balancer-Network", {})
    assert FINGUARD_KEEP["AmazonEKS"]("Compute", {"usagetype": "AmazonEKS-Hours:perCluster"})
    assert not FINGUARD_KEEP["AmazonEKS"]("Compute", {"usagetype": "Fargate-vCPU-Hours:perCPU"})
    assert FINGUARD_KEEP["AmazonRDS"]("Provisioned IOPS", {})
    assert not FINGUARD_KEEP["AmazonCloudWatch"]("Alarm", {})


# -- parsers --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("folder", "offer"), [
    (EC2_USE1, "AmazonEC2"), (EC2_USW2, "AmazonEC2"), (ELB_USE1, "AWSELB"), (CW_USE1, "AmazonCloudWatch"),
])
def test_csv_and_json_layouts_parse_to_the_same_rows(folder: Path, offer: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def parse(fn: Callable[..., Iterator[PriceRecord]], name: str) -> tuple[list[dict[str, Any]], OfferStats]:
        stats = OfferStats()
        rows = [r.model_dump() for r in fn(folder / name, offer, source_id="s", stats=stats)]
        return sorted(rows, key=repr), stats

    csv_rows, csv_stats = parse(iter_offer_csv, "index.csv")
    json_rows, json_stats = parse(iter_offer_json, "index.json")
    monkeypatch.setattr(aws_offer, "JSON_CHUNK_CHARS", 7)  # every value straddles buffer boundaries
    small_rows, small_stats = parse(iter_offer_json, "index.json")
    assert csv_rows and csv_rows == json_rows == small_rows
    assert csv_stats == json_stats == small_stats


def test_parse_ec2_offer_exactly() -> None:
    stats = OfferStats()
    rows = list(iter_offer_csv(EC2_USE1 / "index.csv", "AmazonEC2", source_id="src",
                               keep=FINGUARD_KEEP["AmazonEC2"], stats=stats))
    assert (stats.kept, stats.filtered, stats.other_terms, dict(stats.skipped)) == (6, 1, 3, {"not an AWS Region": 1})
    assert stats.meta.version == "20260715000000"
    assert stats.meta.publication_date == "2026-07-15T00:00:00Z"
    iops = next(r for r in rows if r.sku == "FGUSE1GP3IOPS001")
    assert iops == PriceRecord(
        service="AmazonEC2", region="us-east-1", sku="FGUSE1GP3IOPS001",
        attributes={"productFamily": "System Operation", "servicecode": "AmazonEC2",
                    "location": "US East (N. Virginia)", "locationType": "AWS Region", "group": "EBS IOPS",
                    "groupDescription": "IOPS", "usagetype": "EBS:VolumeP-IOPS.gp3", "provisioned": "Yes",
                    "volumeApiName": "gp3", "regionCode": "us-east-1", "servicename": "Amazon Elastic Compute Cloud"},
        unit="IOPS-Mo", usd=Decimal("0.0050000000"), begin_range=0.0, end_range=None,
        description="$0.005 per IOPS-month provisioned above 3000 IOPS - US East (N. Virginia)", source="src")
    m5 = next(r for r in rows if r.sku == "FGUSE1M5LGLINUX1")
    assert {k: m5.attributes[k] for k in EC2_INSTANCE} == EC2_INSTANCE
    assert m5.attributes["usagetype"] == "BoxUsage:m5.large"
    assert str(m5.usd) == "0.0960000000"


def test_usagetype_prefix_and_region_from_location() -> None:
    rows = {r.sku: r for r in iter_offer_json(EC2_USW2 / "index.json", "AmazonEC2", keep=FINGUARD_KEEP["AmazonEC2"])}
    assert rows["FGUSW2GP3IOPS001"].attributes["usagetype"] == "EBS:VolumeP-IOPS.gp3"
    storage = rows["FGUSW2GP3STORAGE"]
    assert "regionCode" not in storage.attributes
    assert storage.region == "us-west-2"
    assert "FGUSW2CPUCRT3LNX" not in rows  # empty price


CSV_HEAD = ('"FormatVersion","v1.0"\n"Disclaimer","x"\n"Publication Date","2026-07-15T00:00:00Z"\n'
            '"Version","20260715000000"\n"OfferCode","AmazonEC2"\n'
            '"SKU","OfferTermCode","RateCode","TermType","PriceDescription","EffectiveDate","StartingRange",'
            '"EndingRange","Unit","PricePerUnit","Currency","Product Family","Location","Location Type",'
            '"usageType","Region Code"\n')


def _csv_row(sku: str, price: str, *, currency: str = "USD", begin: str = "0", end: str = "Inf",
             location: str = "US East (N. Virginia)", region: str = "us-east-1") -> str:
    return (f'"{sku}","T","{sku}.T.R","OnDemand","d","2026-07-01","{begin}","{end}","Hrs","{price}","{currency}",'
            f'"NAT Gateway","{location}","AWS Region","USE1-NatGateway-Hours","{region}"\n')


def test_unusable_rows_are_counted_as_skipped() -> None:
    text = CSV_HEAD + "".join([
        _csv_row("OK", "0.045"),
        _csv_row("FREE", "0.0000000000"),
        _csv_row("EMPTY", ""),
        _csv_row("JUNK", "n/a"),
        _csv_row("NEGATIVE", "-1"),
        _csv_row("CNY", "0.3", currency="CNY"),
        _csv_row("RANGE", "0.1", begin="lots"),
        _csv_row("NOWHERE", "0.1", location="Atlantis", region=""),
        _csv_row("WEST", "0.1", location="US West (Oregon)", region="us-west-2"),
    ])
    stats = OfferStats()
    rows = list(iter_offer_csv(io.BytesIO(text.encode()), "AmazonEC2", region="us-east-1", stats=stats))
    assert [(r.sku, r.usd, r.attributes["usagetype"]) for r in rows] == [
        ("OK", Decimal("0.045"), "NatGateway-Hours"), ("FREE", Decimal("0E-10"), "NatGateway-Hours")]
    assert stats.skipped == {"bad price": 4, "bad range": 1, "unknown region": 1, "other region": 1}
    assert stats.skipped_total == 7


def test_json_terms_before_products_and_unknown_skus() -> None:
    dim = {"description": "d", "beginRange": "0", "endRange": "Inf", "unit": "Hrs", "pricePerUnit": {"USD": "1.5"}}
    doc = {
        "offerCode": "AWSELB", "version": "1",
        "terms": {"OnDemand": {"A": {"A.T": {"priceDimensions": {"A.T.R": dim}}},
                               "GHOST": {"GHOST.T": {"priceDimensions": {"GHOST.T.R": dim}}}}},
        "products": {"A": {"sku": "A", "productFamily": "Load Balancer", "attributes": {
            "location": "EU (Ireland)", "locationType": "AWS Region", "usagetype": "EU-LoadBalancerUsage"}}},
    }
    stats = OfferStats()
    rows = list(iter_offer_json(io.StringIO(json.dumps(doc)), "AWSELB", stats=stats))
    assert [(r.sku, r.region, r.attributes["usagetype"], r.usd) for r in rows] == [
        ("A", "eu-west-1", "LoadBalancerUsage", Decimal("1.5"))]
    assert stats.skipped == {"unknown SKU": 1}


def test_offer_code_mismatch_is_an_error() -> None:
    with pytest.raises(InputError, match="for AmazonEC2, expected AWSELB"):
        list(iter_offer_csv(EC2_USE1 / "index.csv", "AWSELB"))
    with pytest.raises(InputError, match="for AmazonEC2, expected AWSELB"):
        list(iter_offer_json(EC2_USE1 / "index.json", "AWSELB"))


def test_malformed_csv_names_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="first line is not FormatVersion") as exc:
        list(iter_offer_csv(io.StringIO('"SKU","x"\n'), "AmazonEC2", where="mem.csv"))
    assert exc.value.where == "mem.csv:1"
    broken = tmp_path / "index.csv"
    broken.write_text(CSV_HEAD + _csv_row("OK", "0.1") + '"OPEN","T","never closed\n')
    with pytest.raises(InputError, match="malformed offer CSV") as exc:
        list(iter_offer_csv(broken, "AmazonEC2"))
    assert exc.value.where == f"{broken}:8"
    with pytest.raises(InputError, match="cannot read offer file"):
        list(iter_offer_csv(tmp_path / "absent.csv", "AmazonEC2"))


@pytest.mark.parametrize("chunk", [65536, 5])
def test_malformed_json_names_line_and_column(chunk: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aws_offer, "JSON_CHUNK_CHARS", chunk)
    lines = (EC2_USE1 / "index.json").read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if '"rateCode" : "FGBOS1M5LGLINUX1' in line)
    lines[at] = lines[at].replace('",', '"')  # drop the comma after the last OnDemand SKU's rateCode
    broken = tmp_path / "index.json"
    broken.write_text("".join(lines))
    column = len(lines[at + 1]) - len(lines[at + 1].lstrip()) + 1
    with pytest.raises(InputError, match="Expecting ',' delimiter") as exc:
        list(iter_offer_json(broken, "AmazonEC2"))
    assert exc.value.where == f"{broken}:{at + 2}:{column}"
    truncated = tmp_path / "truncated.json"
    truncated.write_text("".join(lines[:40]))
    with pytest.raises(InputError, match="malformed offer JSON") as exc:
        list(iter_offer_json(truncated, "AmazonEC2"))
    assert exc.value.where and exc.value.where.startswith(f"{truncated}:")
    with pytest.raises(InputError, match="unexpected data after the end"):
        list(iter_offer_json(io.StringIO('{"offerCode": "AmazonEC2"} {}'), "AmazonEC2"))
    with pytest.raises(InputError, match="is a JSON object"):
        list(iter_offer_json(io.StringIO("[]"), "AmazonEC2"))


# -- run_sync -------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_sync_over_http(fmt: str, catalog_path: Path, mirror_url: str) -> None:
    before = all_rows(catalog_path)
    messages: list[str] = []
    report = run_sync(catalog_path, source=mirror_url, services=SYNCED, regions=BOTH_REGIONS, fmt=fmt,  # type: ignore[arg-type]
                      progress=messages.append)

    assert report.errors == [] and report.ok
    assert [(m.service, m.region) for m in report.missing_regions] == [
        ("AWSELB", "us-west-2"), ("AmazonCloudWatch", "us-west-2")]
    assert [(s.service, s.region, s.kept, s.skipped, s.filtered, s.other_terms) for s in report.slices] == [
        ("AmazonEC2", "us-east-1", 6, 1, 1, 3), ("AmazonEC2", "us-west-2", 3, 1, 0, 3),
        ("AWSELB", "us-east-1", 2, 0, 0, 0), ("AmazonCloudWatch", "us-east-1", 2, 0, 1, 0)]
    assert report.slices[0].skipped_reasons == {"not an AWS Region": 1}
    assert report.slices[1].skipped_reasons == {"bad price": 1}
    ec2 = report.slices[0]
    assert ec2.url == f"{mirror_url}/offers/v1.0/aws/AmazonEC2/20260715000000/us-east-1/index.{fmt}"
    assert ec2.sha256 == sha256(EC2_USE1 / f"index.{fmt}")
    assert (ec2.version, ec2.published) == ("20260715000000", "2026-07-15T00:00:00Z")
    assert any(m.startswith("downloading ") for m in messages)
    assert "AmazonEC2 us-east-1: 6 prices, 1 skipped" in report.render()

    catalog = Catalog(catalog_path)
    try:
        for (service, region), expected in EXPECTED_SLICES.items():
            assert slice_of(catalog, service, region) == expected, (service, region)
        m5 = catalog.lookup("AmazonEC2", "us-east-1", EC2_INSTANCE)
        assert m5.found and m5.unit_price == Decimal("0.0960000000")
        assert m5.prices[0].source_id == "aws-AmazonEC2-us-east-1-20260715000000"
        storage = catalog.lookup("AmazonEC2", "us-west-2", {"productFamily": "Storage", "volumeApiName": "gp3"})
        assert storage.found and "regionCode" not in storage.prices[0].attributes
        metric = catalog.lookup("AmazonCloudWatch", "us-east-1",
                                {"productFamily": "Metric", "usagetype": "CW:MetricMonitorUsage"})
        assert [(p.begin_range, p.end_range, p.usd) for p in metric.prices] == [
            (0.0, 10000.0, Decimal("0.3000000000")), (10000.0, None, Decimal("0.1000000000"))]
        assert metric.cost_for(Decimal(15000)) == Decimal("3500")
        alb = catalog.lookup("AWSELB", "us-east-1", {"productFamily": "Load Balancer-Application",
                                                     "usagetype": "LCUUsage"})
        assert alb.found and alb.prices[0].attributes == {
            "productFamily": "Load Balancer-Application", "servicecode": "AWSELB",
            "location": "US East (N. Virginia)", "locationType": "AWS Region", "group": "ELB:Balancer",
            "groupDescription": "Used Application load balancer capacity units-hr", "usagetype": "LCUUsage",
            "operation": "LoadBalancing:Application", "regionCode": "us-east-1",
            "servicename": "Elastic Load Balancing"}

        source = catalog.source("aws-AmazonEC2-us-east-1-20260715000000")
        assert source is not None and source.retrieved
        assert source.model_dump(exclude={"retrieved", "description"}) == {
            "id": "aws-AmazonEC2-us-east-1-20260715000000", "kind": "sync", "url": ec2.url,
            "published": "2026-07-15T00:00:00Z", "sha256": sha256(EC2_USE1 / f"index.{fmt}"), "license": None}
        assert catalog.source("aws-AWSELB-us-east-1-20260710120000") is not None
        assert catalog.meta["sync_last_run"] == report.started
        assert not [w for w in catalog_age_warnings(catalog, 30, today=date(2026, 7, 20)) if "aws-" in w]
    finally:
        catalog.close()

    after = all_rows(catalog_path)
    synced = {(s.service, s.region) for s in report.slices}
    assert synced == set(EXPECTED_SLICES)
    untouched = set(before) - synced
    assert untouched, "the snapshot should price some slice that was not synced"
    for key in untouched:
        assert after[key] == before[key], key  # other regions and services keep their snapshot rows
    for key in synced:
        assert {row[-1] for row in after[key]} == {next(s.source_id for s in report.slices
                                                        if (s.service, s.region) == key)}


def test_directory_mirror(catalog_path: Path) -> None:
    report = run_sync(catalog_path, source=str(FIXTURES), services=["AmazonEC2"], regions=["us-west-2"])
    [ec2] = report.slices
    assert ec2.url == (EC2_USW2 / "index.csv").resolve().as_uri()
    assert ec2.sha256 == sha256(EC2_USW2 / "index.csv")
    catalog = Catalog(catalog_path)
    try:
        assert slice_of(catalog, "AmazonEC2", "us-west-2") == EXPECTED_SLICES[("AmazonEC2", "us-west-2")]
        source = catalog.source("aws-AmazonEC2-us-west-2-20260715000000")
        assert source is not None and source.url == ec2.url
    finally:
        catalog.close()
    json_report = run_sync(catalog_path, source=FIXTURES.as_uri(), services=["AmazonEC2"], regions=["us-west-2"],
                           fmt="json")
    assert json_report.slices[0].kept == 3


def test_source_from_environment(catalog_path: Path, mirror_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_source(None) == DEFAULT_SOURCE
    monkeypatch.setenv(SOURCE_ENV, mirror_url)
    assert resolve_source(None) == mirror_url
    assert resolve_source("/elsewhere") == "/elsewhere"
    report = run_sync(catalog_path, services=["AWSELB"])
    assert report.source == mirror_url
    assert [(s.service, s.region, s.kept) for s in report.slices] == [("AWSELB", "us-east-1", 2)]


def test_missing_regions_and_services_are_reported(catalog_path: Path, mirror_url: str) -> None:
    before = all_rows(catalog_path)
    report = run_sync(catalog_path, source=mirror_url, services=["AmazonEC2", "AmazonRDS"], regions=["eu-west-1"])
    assert report.slices == []
    assert [(m.service, m.region, m.region_index) for m in report.missing_regions] == [
        ("AmazonEC2", "eu-west-1", f"{mirror_url}/offers/v1.0/aws/AmazonEC2/current/region_index.json")]
    assert report.errors == [f"AmazonRDS: not in the offer index {mirror_url}/offers/v1.0/aws/index.json"]
    assert not report.ok
    assert "AmazonEC2 eu-west-1: not in the price list" in report.render()
    assert all_rows(catalog_path) == before


def test_resync_replaces_its_own_source_and_survives_recompile(catalog_path: Path, mirror_url: str) -> None:
    db = open_for_write(catalog_path)
    with db:
        CatalogWriter(db).add_source(SourceRecord(id="aws-AWSELB-us-east-1-20250101000000", kind="sync"))
    db.close()
    run_sync(catalog_path, source=mirror_url, services=["AWSELB"])
    report = run_sync(catalog_path, source=mirror_url, services=["AWSELB"])
    assert sync_sources(catalog_path) == ["aws-AWSELB-us-east-1-20260710120000"]
    rows = all_rows(catalog_path)
    assert len(rows[("AWSELB", "us-east-1")]) == 2
    compile_snapshot(catalog_path)  # a new snapshot must not undo what sync fetched
    assert all_rows(catalog_path) == rows
    assert sync_sources(catalog_path) == ["aws-AWSELB-us-east-1-20260710120000"]
    catalog = Catalog(catalog_path)
    assert catalog.meta["sync_last_run"] == report.started
    catalog.close()


# -- failures: nothing half-written, errors name the URL ------------------------------------------
def _mirror_copy(tmp_path: Path) -> Path:
    root = tmp_path / "mirror"
    shutil.copytree(FIXTURES, root)
    return root


def test_malformed_csv_over_http_rolls_back(catalog_path: Path, tmp_path: Path,
                                            serve: Callable[[Path], str]) -> None:
    root = _mirror_copy(tmp_path)
    offer = root / EC2_USW2.relative_to(FIXTURES) / "index.csv"
    lines = offer.read_text().splitlines(keepends=True)
    lines[8] = lines[8].rstrip("\n").rsplit(",", 1)[0] + "\n"  # line 9: the third price row loses a column
    offer.write_text("".join(lines))
    url = serve(root)
    before = all_rows(catalog_path)
    with pytest.raises(InputError, match="expected 80 columns, found 79") as exc:
        run_sync(catalog_path, source=url, services=["AmazonEC2"], regions=["us-west-2"])
    assert exc.value.where == f"{url}/offers/v1.0/aws/AmazonEC2/20260715000000/us-west-2/index.csv:9"
    assert all_rows(catalog_path) == before  # two rows had been inserted before the error: rolled back
    assert sync_sources(catalog_path) == []


def test_malformed_json_over_http_rolls_back(catalog_path: Path, tmp_path: Path,
                                             serve: Callable[[Path], str]) -> None:
    root = _mirror_copy(tmp_path)
    offer = root / EC2_USE1.relative_to(FIXTURES) / "index.json"
    text = offer.read_text()
    broken = text.replace('"termAttributes" : { }\n        }\n      },\n      "FGBOS1',
                                  '"termAttributes" : { }\n        }\n      }\n      "FGBOS1')
    assert broken != text
    offer.write_text(broken)
    url = serve(root)
    before = all_rows(catalog_path)
    with pytest.raises(InputError, match="expected ',' or '}'") as exc:
        run_sync(catalog_path, source=url, services=["AmazonEC2"], regions=["us-east-1"], fmt="json")
    assert exc.value.where and exc.value.where.startswith(
        f"{url}/offers/v1.0/aws/AmazonEC2/20260715000000/us-east-1/index.json:")
    assert all_rows(catalog_path) == before
    assert sync_sources(catalog_path) == []


def test_http_404_names_the_url(catalog_path: Path, tmp_path: Path, mirror_url: str,
                                serve: Callable[[Path], str]) -> None:
    with pytest.raises(InputError, match="HTTP 404") as exc:
        run_sync(catalog_path, source=f"{mirror_url}/nowhere", services=["AmazonEC2"])
    assert exc.value.where == f"{mirror_url}/nowhere/offers/v1.0/aws/index.json"

    root = _mirror_copy(tmp_path)
    (root / EC2_USW2.relative_to(FIXTURES) / "index.csv").unlink()
    url = serve(root)
    with pytest.raises(InputError, match="HTTP 404") as exc:
        run_sync(catalog_path, source=url, services=["AmazonEC2"], regions=BOTH_REGIONS)
    assert exc.value.where == f"{url}/offers/v1.0/aws/AmazonEC2/20260715000000/us-west-2/index.csv"
    # The slice synced before the failure is complete and stays; the failing one is untouched.
    assert sync_sources(catalog_path) == ["aws-AmazonEC2-us-east-1-20260715000000"]
    assert not list(catalog_path.parent.glob(".sync-*"))  # temporary downloads are cleaned up


def test_connection_refused_names_the_url(catalog_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(InputError, match="cannot reach the price list") as exc:
        run_sync(catalog_path, source=f"http://127.0.0.1:{port}", services=["AmazonEC2"], timeout=2)
    assert exc.value.where == f"http://127.0.0.1:{port}/offers/v1.0/aws/index.json"
    assert str(exc.value).startswith(f"http://127.0.0.1:{port}/offers/v1.0/aws/index.json: ")


def test_bad_source_and_format(catalog_path: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="neither an http"):
        run_sync(catalog_path, source=str(tmp_path / "absent"))
    with pytest.raises(InputError, match="unknown price list format"):
        run_sync(catalog_path, source=str(FIXTURES), fmt="xml")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="cannot read price list file") as exc:
        run_sync(catalog_path, source=str(tmp_path))
    assert exc.value.where == str(tmp_path.resolve() / "offers/v1.0/aws/index.json")


# -- staleness ------------------------------------------------------------------------------------
def test_catalog_age_warnings(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    db = open_for_write(path)
    writer = CatalogWriter(db)
    for source_id, published in [("old", "2026-01-01"), ("fresh", "2026-07-15T00:00:00Z"), ("undated-a", None),
                                 ("undated-b", "sometime"), ("unused-old", "2020-01-01")]:
        writer.add_source(SourceRecord(id=source_id, kind="snapshot", published=published))
        if source_id != "unused-old":
            writer.add([PriceRecord(service="AmazonEC2", region="us-east-1", attributes={}, unit="Hrs",
                                    usd=Decimal(1), source=source_id)])
    db.commit()
    db.close()
    catalog = Catalog(path)
    try:
        assert catalog_age_warnings(catalog, 90, today=date(2026, 8, 1)) == [
            "prices from old were published 2026-01-01, 212 days ago (more than 90); "
            "refresh them with `finguard pricing sync`",
            "2 price source(s) state no publication date, so their age is unknown: undated-a, undated-b",
        ]
        assert catalog_age_warnings(catalog, 365, today=date(2026, 8, 1)) == [
            "2 price source(s) state no publication date, so their age is unknown: undated-a, undated-b"]
        assert len(catalog_age_warnings(catalog, 10, today=date(2026, 8, 1))) == 3
    finally:
        catalog.close()
