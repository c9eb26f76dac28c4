"""`pricing sync` end to end against a local mirror of the AWS Price List bulk API (no network).

The fixture tree (tests/fixtures/aws_offers) is served over HTTP on 127.0.0.1 and read as a
directory; both layouts (CSV, JSON) must give the same catalog rows.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import io
import json
import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from finguard.errors import InputError
from finguard.pricing import snapshot as snapshot_module
from finguard.pricing.catalog import (
    Catalog,
    CatalogWriter,
    compile_snapshot,
    ensure_compiled,
    iter_all,
    open_for_write,
)
from finguard.pricing.regions import strip_usage_prefix
from finguard.pricing.resources import aws as aws_models
from finguard.pricing.snapshot import PriceRecord, SourceRecord, pricing_data_dir, snapshot_digest
from finguard.pricing.sources import aws_offer
from finguard.pricing.sources.aws_offer import (
    AWS_GLOBAL_SERVICES,
    CSV_ATTRIBUTE_NAMES,
    FINGUARD_KEEP,
    GLOBAL_REGION,
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
    """A minimal pricing_data/ (manifest + price tables) for when the real snapshot is not built yet."""
    from finguard.pricing.table import PriceTable, Product, write_table

    sources = [
        {"id": "test-snapshot", "kind": "snapshot", "url": "https://example.invalid/prices",
         "published": "2026-01-01", "retrieved": "2026-01-02", "sha256": "0" * 64},
    ]

    def product(attrs: dict[str, str], unit: str) -> Product:
        return Product(tuple(sorted(attrs.items())), unit)

    ec2 = PriceTable("aws", "AmazonEC2")
    ec2.put(product(EC2_INSTANCE, "Hrs"), "us-east-1", Decimal("0.1"), "test-snapshot")
    ec2.put(product(EC2_INSTANCE, "Hrs"), "us-east-2", Decimal("0.096"), "test-snapshot")
    elb = PriceTable("aws", "AWSELB")
    elb.put(product({"productFamily": "Load Balancer-Application", "usagetype": "LoadBalancerUsage"}, "Hrs"),
            "us-west-2", Decimal("0.0225"), "test-snapshot")
    tables = {"aws/AmazonEC2.tsv": ec2, "aws/AWSELB.tsv": elb}
    for name, table in tables.items():
        write_table(table, root / name)
    (root / "manifest.json").write_text(json.dumps(
        {"format": 1, "sources": sources, "tables": [{"path": name} for name in tables]}))
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
    """Every price of the catalog by slice, read through the Catalog API (not its SQLite layout)."""
    catalog = Catalog(path)
    try:
        rows: Rows = {}
        for p in iter_all(catalog):
            rows.setdefault((p.service, p.region), []).append(
                (p.sku, json.dumps(p.attributes, sort_keys=True), p.unit, str(p.usd), p.begin_range, p.end_range,
                 p.description, p.source_id))
    finally:
        catalog.close()
    return {key: sorted(value, key=repr) for key, value in rows.items()}


def sync_sources(path: Path) -> list[str]:
    catalog = Catalog(path)
    try:
        return sorted(s.id for s in catalog.sources() if s.kind == "sync")
    finally:
        catalog.close()


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
        ("FGUSE1CWALARM001", "CW:AlarmMonitorUsage", "Alarms", Decimal("0.1000000000"), 0.0, None),
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


# -- what the AWS cost models price, read from their source ---------------------------------------
AWS_MODELS = Path(aws_models.__file__).parent


class _Computed(str):
    """An attribute value a model computes at run time: any value of the price list may match it."""

    __hash__ = str.__hash__

    def __eq__(self, other: object) -> bool:
        return True

    def __ne__(self, other: object) -> bool:
        return False

    def startswith(self, *args: Any) -> bool:  # type: ignore[override]
        return True


@dataclass
class _ModelLookup:
    where: str
    service: str
    filters: dict[str, str] | None  # None: not read from the source (built at run time)
    region: str | None


def _scan_aws_models() -> list[_ModelLookup]:
    """Every `Component(...)` of finguard/pricing/resources/aws: its service, constant filters and region.

    The service and region must be string literals or module constants (else this test fails, and the
    scan needs teaching). Filters are followed through module constants, local assignments and local
    helper functions' return values; values the model computes become `_Computed`; a filter with an
    UNKNOWN value is dropped, since such a component is never looked up.
    """
    return [lookup for path in sorted(AWS_MODELS.glob("*.py")) for lookup in _scan_module(path)]


def _scan_module(path: Path) -> list[_ModelLookup]:
    found: list[_ModelLookup] = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    consts = {t.id: n.value for n in tree.body if isinstance(n, ast.Assign) for t in n.targets
              if isinstance(t, ast.Name)}
    funcs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    parent = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}

    def text(expr: ast.expr | None, where: str) -> str | None:
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return expr.value
        if isinstance(expr, ast.Name) and isinstance(consts.get(expr.id), ast.Constant):
            return text(consts[expr.id], where)
        if expr is None:
            return None
        raise AssertionError(f"{where}: cannot read {ast.unparse(expr)!r} as a constant")

    def dicts(expr: ast.expr | None, scope: ast.AST | None, depth: int = 0) -> list[ast.Dict | None]:
        if isinstance(expr, ast.Dict):
            return [expr]
        out: list[ast.Dict | None] = []
        if depth < 4 and isinstance(expr, ast.Name):
            if scope is not None:
                out = [d for n in ast.walk(scope) if isinstance(n, ast.Assign)
                       and any(isinstance(t, ast.Name) and t.id == expr.id for t in n.targets)
                       for d in dicts(n.value, scope, depth + 1)]
            if not out and expr.id in consts:
                out = dicts(consts[expr.id], None, depth + 1)
        elif depth < 4 and isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) \
                and expr.func.id in funcs:
            helper = funcs[expr.func.id]
            out = [d for n in ast.walk(helper) if isinstance(n, ast.Return)
                   for d in dicts(n.value, helper, depth + 1)]
        return out or [None]

    def filters(node: ast.Dict) -> dict[str, str] | None:
        values: dict[str, str] = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if not isinstance(key, ast.Constant):
                continue  # {**other, ...}
            if isinstance(value, ast.Name) and value.id == "UNKNOWN":
                return None
            try:
                values[key.value] = text(value, "") or ""
            except AssertionError:
                values[key.value] = _Computed()
        return values

    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Component"):
            continue
        where = f"{path.name}:{node.lineno}"
        keywords = {k.arg: k.value for k in node.keywords}
        service = text(node.args[2] if len(node.args) > 2 else keywords.get("service"), where)
        assert service, f"{where}: Component without a service"
        region = text(keywords.get("region"), where)
        scope = node
        while scope in parent and not isinstance(scope, ast.FunctionDef):
            scope = parent[scope]
        for d in dicts(node.args[3] if len(node.args) > 3 else keywords.get("filters"), scope):
            found.append(_ModelLookup(where, service, None if d is None else filters(d) or None, region))
    return found


def test_sync_knows_every_aws_service_the_models_price() -> None:
    lookups = _scan_aws_models()
    services = {lookup.service for lookup in lookups}
    assert len(services) >= 20 and "AmazonEC2" in services and "awskms" in services
    assert set(DEFAULT_SERVICES) == set(FINGUARD_KEEP) == services
    # Services priced under "global" are synced from their whole-offer file into that region.
    assert {lookup.service for lookup in lookups if lookup.region == GLOBAL_REGION} == set(AWS_GLOBAL_SERVICES)
    assert all(lookup.region in (None, GLOBAL_REGION) for lookup in lookups)


def test_sync_keeps_every_product_family_the_models_name() -> None:
    checked = 0
    for lookup in _scan_aws_models():
        if lookup.filters is None or "productFamily" not in lookup.filters:
            continue
        family = lookup.filters["productFamily"]
        keep = FINGUARD_KEEP[lookup.service]
        assert keep(family, lookup.filters), f"{lookup.where}: sync would drop {lookup.service} {lookup.filters}"
        checked += 1
    assert checked >= 60
    # Filters that do not name the family (the price-list family is on the snapshot rows).
    assert FINGUARD_KEEP["AmazonVPC"]("Transit Gateway", {"usagetype": "TransitGateway-Hours"})
    assert FINGUARD_KEEP["AmazonCloudFront"]("Data Transfer", {"transferType": "CloudFront Outbound"})
    assert FINGUARD_KEEP["AmazonCloudFront"]("Request", {"requestType": "CloudFront-Request-HTTPS-Proxy"})
    assert FINGUARD_KEEP["AmazonRDS"]("Database Instance", {"databaseEngine": "MySQL"})
    assert FINGUARD_KEEP["AmazonRDS"]("ServerlessV2", {"usagetype": "Aurora:ServerlessV2Usage"})
    assert FINGUARD_KEEP["AWSLambda"]("Serverless", {"group": "AWS-Lambda-Requests"})
    assert FINGUARD_KEEP["AmazonKinesis"]("Kinesis Streams", {"usagetype": "Storage-ShardHour"})
    assert FINGUARD_KEEP["AmazonEC2"]("Storage Snapshot", {"usagetype": "EBS:SnapshotUsage"})


def test_finguard_keep_filters_products() -> None:
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
    assert FINGUARD_KEEP["AmazonCloudWatch"]("Alarm", {})  # aws_cloudwatch_metric_alarm
    assert not FINGUARD_KEEP["AmazonCloudWatch"]("Dashboard", {})
    assert not FINGUARD_KEEP["AmazonS3"]("Data Transfer", {})


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
             location: str = "US East (N. Virginia)", region: str = "us-east-1",
             usagetype: str = "USE1-NatGateway-Hours") -> str:
    return (f'"{sku}","T","{sku}.T.R","OnDemand","d","2026-07-01","{begin}","{end}","Hrs","{price}","{currency}",'
            f'"NAT Gateway","{location}","AWS Region","{usagetype}","{region}"\n')


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


@pytest.mark.parametrize(("usagetype", "normalised"), [
    ("USE2-BoxUsage:m5.large", "BoxUsage:m5.large"),
    ("APS9-BoxUsage:m5.large", "BoxUsage:m5.large"),  # ap-southeast-7 (Thailand)
    ("MXC1-NatGateway-Hours", "NatGateway-Hours"),  # mx-central-1
    ("EU-LoadBalancerUsage", "LoadBalancerUsage"),  # eu-west-1's old two-letter prefix
    ("EUW1-LoadBalancerUsage", "LoadBalancerUsage"),
    ("USW2-LAX1-BoxUsage:m5.large", "BoxUsage:m5.large"),  # a Local Zone of us-west-2
    ("USE1-WL1-BOS1-BoxUsage:t3.medium", "BoxUsage:t3.medium"),  # a Wavelength zone
    ("UGW1-BoxUsage:m5.large", "BoxUsage:m5.large"),  # GovCloud (US-West)
    # no region's prefix: kept as published
    ("DNS-Queries", "DNS-Queries"),
    ("LBR-Queries", "LBR-Queries"),
    ("VPN-Usage-Hours:ipsec.1", "VPN-Usage-Hours:ipsec.1"),
    ("US-DataTransfer-Out-Bytes", "US-DataTransfer-Out-Bytes"),  # a CloudFront edge group, not a region
    ("ZZZ9-BoxUsage:m5.large", "ZZZ9-BoxUsage:m5.large"),
    ("CW:MetricMonitorUsage", "CW:MetricMonitorUsage"),
    ("USE1", "USE1"),
])
def test_usage_type_prefixes_are_stripped_only_for_real_regions(usagetype: str, normalised: str) -> None:
    assert strip_usage_prefix(usagetype) == normalised
    [row] = iter_offer_csv(io.StringIO(CSV_HEAD + _csv_row("X", "0.1", usagetype=usagetype)), "AmazonEC2")
    assert row.attributes["usagetype"] == normalised
    # a global service's rows keep their usage types as published (edge-location groups, not regions)
    [global_row] = iter_offer_csv(io.StringIO(CSV_HEAD + _csv_row("X", "0.1", usagetype=usagetype)), "AmazonEC2",
                                  region=GLOBAL_REGION)
    assert global_row.attributes["usagetype"] == usagetype and global_row.region == GLOBAL_REGION


@pytest.mark.parametrize("price", ["NaN", "Infinity", "-inf", "sNaN"])
def test_non_finite_price_is_an_error_naming_the_line(price: str) -> None:
    text = CSV_HEAD + _csv_row("OK", "0.1") + _csv_row("BAD", price)
    with pytest.raises(InputError, match=f"non-finite price '{price}' for SKU BAD") as exc:
        list(iter_offer_csv(io.StringIO(text), "AmazonEC2", where="mem.csv"))
    assert exc.value.where == "mem.csv:8"
    dim = {"description": "d", "beginRange": "0", "endRange": "Inf", "unit": "Hrs", "pricePerUnit": {"USD": price}}
    doc = {"offerCode": "AWSELB", "products": {"A": {"sku": "A", "productFamily": "Load Balancer", "attributes": {
        "location": "EU (Ireland)", "locationType": "AWS Region", "usagetype": "EU-LoadBalancerUsage"}}},
        "terms": {"OnDemand": {"A": {"A.T": {"priceDimensions": {"A.T.R": dim}}}}}}
    with pytest.raises(InputError, match="malformed offer JSON: non-finite price") as exc:
        list(iter_offer_json(io.StringIO(json.dumps(doc)), "AWSELB", where="mem.json"))
    assert exc.value.where and exc.value.where.startswith("mem.json:1:")


def test_zone_locations_without_location_type_are_not_regions() -> None:
    stats = OfferStats()
    rows = list(iter_offer_csv(io.StringIO(CSV_HEAD + _csv_row("LAX", "0.1", location="US West (Los Angeles)",
                                                                region="")), "AmazonEC2", stats=stats))
    assert rows == [] and stats.skipped == {"not an AWS Region": 1}


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
        ("AWSELB", "us-east-1", 2, 0, 0, 0), ("AmazonCloudWatch", "us-east-1", 3, 0, 0, 0)]
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
        synced_ids = {s.source_id for s in report.slices}
        assert not [w for w in catalog_age_warnings(catalog, 30, today=date(2026, 7, 20))
                    if any(f"prices from {i} " in w for i in synced_ids)]
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


ROUTE53_CSV = (
    '"FormatVersion","v1.0"\n'
    '"Disclaimer","This pricing list is for informational purposes only."\n'
    '"Publication Date","2026-07-01T00:00:00Z"\n'
    '"Version","20260701000000"\n'
    '"OfferCode","AmazonRoute53"\n'
    '"SKU","OfferTermCode","RateCode","TermType","PriceDescription","EffectiveDate","StartingRange","EndingRange",'
    '"Unit","PricePerUnit","Currency","Product Family","serviceCode","Location","Location Type","Group",'
    '"usageType","operation","Region Code","serviceName"\n'
    '"FGR53HOSTEDZONE1","JRTCKXETXF","FGR53HOSTEDZONE1.JRTCKXETXF.6YS6EN2CT7","OnDemand",'
    '"$0.50 per Hosted Zone for the first 25 Hosted Zones","2026-07-01","0","25","HostedZone","0.5000000000",'
    '"USD","DNS Zone","AmazonRoute53","Global",,,"HostedZone",,,"Amazon Route 53"\n'
    '"FGR53HOSTEDZONE1","JRTCKXETXF","FGR53HOSTEDZONE1.JRTCKXETXF.Q8FDCXD8V8","OnDemand",'
    '"$0.10 per Hosted Zone for Hosted Zones 26 and up","2026-07-01","25","Inf","HostedZone","0.1000000000",'
    '"USD","DNS Zone","AmazonRoute53","Global",,,"HostedZone",,,"Amazon Route 53"\n'
    '"FGR53DNSQUERIES1","JRTCKXETXF","FGR53DNSQUERIES1.JRTCKXETXF.6YS6EN2CT7","OnDemand",'
    '"$0.40 per 1,000,000 queries for the first 1 Billion queries","2026-07-01","0","1000000000","Queries",'
    '"0.0000004000","USD","DNS Query","AmazonRoute53","Global",,,"DNS-Queries",,,"Amazon Route 53"\n'
    '"FGR53DNSQUERIES1","JRTCKXETXF","FGR53DNSQUERIES1.JRTCKXETXF.Q8FDCXD8V8","OnDemand",'
    '"$0.20 per 1,000,000 queries over 1 Billion queries","2026-07-01","1000000000","Inf","Queries",'
    '"0.0000002000","USD","DNS Query","AmazonRoute53","Global",,,"DNS-Queries",,,"Amazon Route 53"\n'
    '"FGR53RSLVRENI001","JRTCKXETXF","FGR53RSLVRENI001.JRTCKXETXF.6YS6EN2CT7","OnDemand",'
    '"$0.125 per Resolver endpoint ENI hour","2026-07-01","0","Inf","Hrs","0.1250000000","USD",'
    '"DNS Resolver","AmazonRoute53","US East (N. Virginia)","AWS Region","Resolver",'
    '"USE1-ResolverNetworkInterface","CreateResolverEndpoint","us-east-1","Amazon Route 53"\n'
)


def _mirror_with_route53(tmp_path: Path) -> Path:
    """The fixture mirror plus AmazonRoute53, a global offer: listed in the offer index with no region index."""
    root = _mirror_copy(tmp_path)
    index_path = root / "offers/v1.0/aws/index.json"
    index = json.loads(index_path.read_text())
    index["offers"]["AmazonRoute53"] = {
        "offerCode": "AmazonRoute53", "versionIndexUrl": "/offers/v1.0/aws/AmazonRoute53/index.json",
        "currentVersionUrl": "/offers/v1.0/aws/AmazonRoute53/current/index.json"}
    index_path.write_text(json.dumps(index, indent=2))
    offer = root / "offers/v1.0/aws/AmazonRoute53/current/index.csv"
    offer.parent.mkdir(parents=True)
    offer.write_text(ROUTE53_CSV)
    return root


def test_global_service_is_synced_once_from_its_whole_offer(catalog_path: Path, tmp_path: Path,
                                                            serve: Callable[[Path], str]) -> None:
    url = serve(_mirror_with_route53(tmp_path))
    report = run_sync(catalog_path, source=url, services=["AmazonRoute53", "AWSELB"], regions=BOTH_REGIONS)
    assert report.ok
    assert [(s.service, s.region, s.kept, s.filtered) for s in report.slices] == [
        ("AmazonRoute53", "global", 4, 1), ("AWSELB", "us-east-1", 2, 0)]
    r53 = report.slices[0]
    assert r53.url == f"{url}/offers/v1.0/aws/AmazonRoute53/current/index.csv"
    assert (r53.source_id, r53.version) == ("aws-AmazonRoute53-global-20260701000000", "20260701000000")
    assert [(m.service, m.region) for m in report.missing_regions] == [("AWSELB", "us-west-2")]
    catalog = Catalog(catalog_path)
    try:
        # the look-ups the Route 53 models make (the Route 53 cost models)
        zone = catalog.lookup("AmazonRoute53", "global", {"productFamily": "DNS Zone", "usagetype": "HostedZone"})
        assert zone.found and zone.unit_price == Decimal("0.5") and zone.prices[0].source_id == r53.source_id
        queries = catalog.lookup("AmazonRoute53", "global", {"productFamily": "DNS Query",
                                                             "usagetype": "DNS-Queries"})
        assert queries.cost_for(Decimal(1_500_000_000)) == Decimal("500")  # 1e9 x 0.4e-6 + 0.5e9 x 0.2e-6
        assert catalog.regions("AmazonRoute53") == ["global"]
    finally:
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


def test_non_finite_price_over_http_rolls_back(catalog_path: Path, tmp_path: Path,
                                               serve: Callable[[Path], str]) -> None:
    root = _mirror_copy(tmp_path)
    offer = root / ELB_USE1.relative_to(FIXTURES) / "index.csv"
    offer.write_text(offer.read_text().replace('"0.0080000000"', '"NaN"'))
    url = serve(root)
    before = all_rows(catalog_path)
    with pytest.raises(InputError, match="non-finite price 'NaN' for SKU FGUSE1ALBLCU0001") as exc:
        run_sync(catalog_path, source=url, services=["AWSELB"])
    assert exc.value.where == f"{url}/offers/v1.0/aws/AWSELB/20260710120000/us-east-1/index.csv:8"
    assert all_rows(catalog_path) == before and sync_sources(catalog_path) == []


# -- the command line (default provider: aws) ------------------------------------------------------
def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    from finguard.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), out, err


def test_cli_sync_aws_report_and_errors(capsys: pytest.CaptureFixture[str], catalog_path: Path, tmp_path: Path,
                                        mirror_url: str, serve: Callable[[Path], str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = _cli(capsys, "--catalog", str(catalog_path), "pricing", "sync", "--source", mirror_url,
                          "--service", "AWSELB", "--json")
    assert code == 0 and f"reading offer index {mirror_url}" in err
    doc = json.loads(out)
    assert (doc["provider"], doc["format"], doc["services"], doc["errors"]) == ("aws", "csv", [], [])
    assert [(s["service"], s["region"], s["kept"]) for s in doc["slices"]] == [("AWSELB", "us-east-1", 2)]
    # $FINGUARD_PRICING_SOURCE still names the AWS mirror, and --format json still picks the JSON layout
    monkeypatch.setenv(SOURCE_ENV, mirror_url)
    code, out, _ = _cli(capsys, "--catalog", str(catalog_path), "pricing", "sync", "--provider", "aws",
                        "--service", "AmazonCloudWatch", "--format", "json")
    assert code == 0 and out.startswith(f"pricing sync from {mirror_url} (json)")
    assert "AmazonCloudWatch us-east-1: 3 prices" in out
    monkeypatch.delenv(SOURCE_ENV)
    # a global offer over the CLI
    code, out, _ = _cli(capsys, "--catalog", str(catalog_path), "pricing", "sync",
                        "--source", serve(_mirror_with_route53(tmp_path)), "--service", "AmazonRoute53")
    assert code == 0 and "AmazonRoute53 global: 4 prices" in out
    # a service missing from the offer index: reported, exit 2
    code, out, _ = _cli(capsys, "--catalog", str(catalog_path), "pricing", "sync", "--source", mirror_url,
                        "--service", "AmazonMSK")
    assert code == 2 and "error: AmazonMSK: not in the offer index" in out

    before = all_rows(catalog_path)
    code, out, err = _cli(capsys, "--catalog", str(catalog_path), "pricing", "sync", "--source",
                          f"{mirror_url}/nowhere")
    assert code == 2 and out == ""
    assert err.splitlines()[-1] == (f"finguard: error: {mirror_url}/nowhere/offers/v1.0/aws/index.json: "
                                    "download failed: HTTP 404 File not found")
    assert "Traceback" not in err and all_rows(catalog_path) == before
    code, _, err = _cli(capsys, "--catalog", str(catalog_path), "pricing", "sync", "--provider", "azure",
                        "--format", "json")
    assert code == 2 and "--format chooses the AWS offer file layout" in err


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
