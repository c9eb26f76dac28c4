"""pricing_data/aws-network/ is exactly what pricing_data/build_aws_network.py makes from ../shared, and no
price slot is written twice anywhere under pricing_data/."""

from __future__ import annotations

import importlib.util
import itertools
import json
import sys
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest

from .conftest import SHARED, needs_shared

REPO_ROOT = Path(__file__).resolve().parent.parent
PRICING_DATA = REPO_ROOT / "pricing_data"
NETWORK = PRICING_DATA / "aws-network"


def _load_builder() -> ModuleType:
    name = "finguard_build_aws_network"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, PRICING_DATA / "build_aws_network.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def _generated(root: Path) -> list[str]:
    return ["sources.json", *sorted(p.name for p in root.glob("*.jsonl"))]


def _rows(*paths: Path) -> list[dict]:
    return [json.loads(line) for path in paths for line in path.read_text().splitlines() if line.strip()]


def _key(row: dict) -> tuple[str, str, str, float]:
    return (row["service"], row["region"], json.dumps(row["attributes"], sort_keys=True), float(row["begin_range"]))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("aws-network")
    _load_builder().build(SHARED, out, PRICING_DATA)
    return out


@needs_shared
@pytest.mark.shared
def test_reproduces_committed_files(built: Path) -> None:
    assert _generated(built) == _generated(NETWORK)
    for name in _generated(built):
        assert (built / name).read_bytes() == (NETWORK / name).read_bytes(), f"{name} differs; rerun the builder"


@needs_shared
@pytest.mark.shared
@pytest.mark.parametrize(
    ("service", "region", "attributes", "begin", "unit", "usd", "source"),
    [
        ("AmazonRoute53", "global", {"productFamily": "DNS Query", "usagetype": "DNS-Queries"}, 0.0, "Queries",
         "0.0000004", "focus-1.0-sample-network"),  # "$0.40 per 1,000,000 queries for the first 1 Billion"
        ("AmazonRoute53", "global", {"productFamily": "DNS Zone", "usagetype": "HostedZone"}, 0.0, "HostedZone",
         "0.5", "infracost-golden-route53-zone"),  # 1 month = $0.50
        ("AmazonCloudFront", "global", {"productFamily": "Request", "location": "United States",
                                        "requestType": "CloudFront-Request-HTTP-Proxy"}, 0.0, "Requests",
         "0.00000075", "focus-1.0-sample-network"),  # "$0.0075 per 10,000 HTTP Requests"
        ("AmazonCloudFront", "global", {"productFamily": "Data Transfer", "transferType": "CloudFront Outbound",
                                        "fromLocation": "Japan"}, 10240.0, "GB", "0.089",
         "infracost-golden-cloudfront-distribution"),  # 40,960 GB = $3,645.44
        ("AmazonApiGateway", "us-east-1", {"productFamily": "API Calls", "usagetype": "ApiGatewayRequest"},
         1_000_000_000.0, "Requests", "0.00000238", "infracost-golden-api-gateway-rest-api"),  # 19,000M = $45,220
        ("AmazonVPC", "us-east-1", {"productFamily": "VpcEndpoint", "usagetype": "VpcEndpoint-Bytes"}, 5242880.0,
         "GB", "0.004", "infracost-golden-vpc-endpoint"),  # 2,000,000 GB = $8,000
        ("AmazonES", "us-east-1", {"productFamily": "Amazon OpenSearch Service Instance",
                                   "instanceType": "c4.2xlarge.search"}, 0.0, "Hrs", "0.587",
         "infracost-golden-opensearch-domain"),  # 2,190 hours = $1,285.53
        ("AmazonECR", "eu-north-1", {"productFamily": "EC2 Container Registry", "usagetype": "TimedStorage-ByteHrs"},
         0.0, "GB-Mo", "0.1", "focus-1.0-sample-network"),  # "USD 0.1 per GB-Mo ... in EU (Stockholm)"
    ],
)
def test_hand_checked_figures(built: Path, service: str, region: str, attributes: dict[str, str], begin: float,
                              unit: str, usd: str, source: str) -> None:
    found = [r for r in _rows(*built.glob("*.jsonl")) if r["service"] == service and r["region"] == region
             and r["attributes"] == attributes and r["begin_range"] == begin]
    assert len(found) == 1
    assert (found[0]["unit"], Decimal(found[0]["usd"]), found[0]["source"]) == (unit, Decimal(usd), source)


@needs_shared
@pytest.mark.shared
def test_prices_stay_in_their_region(built: Path) -> None:
    rows = _rows(*built.glob("*.jsonl"))
    # ECR is priced where a source prices it, and nowhere else (no copy to other regions).
    assert sorted(r["region"] for r in rows if r["service"] == "AmazonECR") == [
        "eu-north-1", "eu-west-1", "us-east-1", "us-west-2"]
    assert {r["region"] for r in rows if r["service"] in ("AmazonRoute53", "AmazonCloudFront")} == {"global"}
    kinesis = {(r["region"], r["source"]) for r in rows if r["service"] == "AmazonKinesis"}
    assert {region for region, _ in kinesis} == {"us-east-1", "us-east-2"}  # the golden's provider alias


def test_no_price_slot_is_written_twice_across_all_price_sets() -> None:
    rows = _rows(*sorted(PRICING_DATA.glob("*/*.jsonl")))
    duplicates = [k for k, n in Counter(_key(r) for r in rows).items() if n > 1]
    assert not duplicates, duplicates[:5]


def test_source_ids_are_unique_and_every_row_names_its_sets_source() -> None:
    ids: list[str] = []
    for manifest in [PRICING_DATA / "sources.json", *sorted(PRICING_DATA.glob("*/sources.json"))]:
        ids += [s["id"] for s in json.loads(manifest.read_text())]
    assert len(ids) == len(set(ids))
    own = {s["id"] for s in json.loads((NETWORK / "sources.json").read_text())}
    used = {r["source"] for r in _rows(*NETWORK.glob("*.jsonl"))}
    assert used == own  # no unused source listed, no row without its source


def test_tier_sets_are_complete() -> None:
    """Tiers run from 0 to an open end without gaps (the hosted zone's first-25 tier is the one bounded set)."""
    groups: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for row in _rows(*NETWORK.glob("*.jsonl")):
        groups[_key(row)[:3]].append(row)
    for key, tiers in groups.items():
        tiers.sort(key=lambda r: r["begin_range"])
        assert tiers[0]["begin_range"] == 0, key
        for a, b in itertools.pairwise(tiers):
            assert a["end_range"] == b["begin_range"], key
        if tiers[-1]["end_range"] is not None:
            assert key[0] == "AmazonRoute53" and "HostedZone" in key[2] and tiers[-1]["end_range"] == 25, key


def test_rows_load_into_the_snapshot() -> None:
    from finguard.pricing.snapshot import load_snapshot

    network = [p for p in load_snapshot().prices if p.source.startswith(("focus-1.0-sample-network",
                                                                         "infracost-golden-"))]
    assert any(p.service == "AmazonRoute53" and p.region == "global" for p in network)
