"""The aws-data-app price set is exactly what pricing_data/build_aws_data_app.py makes from ../shared, and
no (service, region, attributes, begin_range) slot is priced twice across all of pricing_data/."""

from __future__ import annotations

import importlib.util
import json
import sys
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"
PRICING_DATA = REPO_ROOT / "pricing_data"
PRICE_SET = PRICING_DATA / "aws-data-app"

needs_shared = pytest.mark.skipif(not SHARED.is_dir(),
                                  reason=f"public data not found at {SHARED} (../shared relative to the repo root)")


def _load_builder() -> ModuleType:
    name = "finguard_build_aws_data_app"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, PRICING_DATA / "build_aws_data_app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("aws-data-app")
    _load_builder().build(SHARED, out, PRICING_DATA)
    return out


def _files(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.suffix in (".json", ".jsonl"))


def _rows(root: Path) -> list[dict]:
    return [json.loads(line) for path in sorted(root.glob("*.jsonl")) for line in path.read_text().splitlines()]


@needs_shared
@pytest.mark.shared
def test_reproduces_committed_files(built: Path) -> None:
    assert _files(built) == _files(PRICE_SET)
    for name in _files(built):
        assert (built / name).read_bytes() == (PRICE_SET / name).read_bytes(), \
            f"aws-data-app/{name} differs; rerun python pricing_data/build_aws_data_app.py"


def test_no_slot_is_priced_twice_across_price_sets() -> None:
    """The catalog reports two prices for one filter as ambiguous: every price set must keep clear of the others."""
    seen: dict[tuple, str] = {}
    clashes = []
    for path in sorted(PRICING_DATA.glob("*/*.jsonl")):
        for lineno, line in enumerate(path.read_text().splitlines(), start=1):
            if not line.strip():
                continue
            row = json.loads(line)
            key = (row["service"], row["region"], json.dumps(row["attributes"], sort_keys=True),
                   float(row.get("begin_range") or 0.0))
            where = f"{path.relative_to(PRICING_DATA)}:{lineno}"
            if key in seen:
                clashes.append(f"{key} in {seen[key]} and {where}")
            seen.setdefault(key, where)
    assert not clashes, "\n".join(clashes)


def test_rows_are_valid_and_sourced() -> None:
    from finguard.pricing.snapshot import PriceRecord, SourceRecord

    sources = [SourceRecord.model_validate(s) for s in json.loads((PRICE_SET / "sources.json").read_text())]
    known = {s.id for s in sources}
    assert all(s.kind == "snapshot" and s.sha256 and s.url and s.retrieved for s in sources)
    rows = _rows(PRICE_SET)
    assert rows
    for row in rows:
        record = PriceRecord.model_validate(row)
        assert row["source"] in known and record.usd > 0
        assert "productFamily" in row["attributes"]
        assert not row["attributes"].get("usagetype", "").startswith(("USE1-", "USE2-", "USW2-", "EU-", "SAE1-"))
        assert "E" not in row["usd"] and "e" not in row["usd"]
    assert {r["source"] for r in rows} == known
    top = {s["id"] for s in json.loads((PRICING_DATA / "sources.json").read_text())}
    assert not known & top, "source ids must be unique across manifests"


def _one(service: str, region: str, begin: float = 0.0, **filters: str) -> dict:
    found = [r for r in _rows(PRICE_SET) if r["service"] == service and r["region"] == region
             and r["begin_range"] == begin and all(r["attributes"].get(k) == v for k, v in filters.items())]
    assert len(found) == 1, f"{service} {region} {filters}: {len(found)} rows"
    return found[0]


@pytest.mark.parametrize(
    ("service", "region", "filters", "unit", "usd", "source"),
    [
        # FOCUS: ListUnitPrice of "$0.40 per million Amazon SQS standard requests in Tier1 in US East (N Virginia)"
        ("AWSQueueService", "us-east-1", {"queueType": "Standard"}, "Requests", "0.0000004", "focus"),
        # golden: 1M FIFO requests = $0.50
        ("AWSQueueService", "us-east-1", {"queueType": "FIFO (first-in, first-out)"}, "Requests", "0.0000005",
         "sqs-queue"),
        # FOCUS "AWS Lambda - Total Compute - US East (Northern Virginia)-Tier-1"
        ("AWSLambda", "us-east-1", {"group": "AWS-Lambda-Duration"}, "Lambda-GB-Second", "0.0000166667", "focus"),
        # golden: "Duration (over 18.75B)" 56,002,000,000 GB-s = $597,356.53 -> 10 decimals, pinned by the size
        ("AWSLambda", "us-east-1", {"group": "AWS-Lambda-Duration-ARM", "begin": 18.75e9}, "Lambda-GB-Second",
         "0.0000106667", "lambda-function"),
        # golden: 20 WCU x 730 h = $9.49 (Ohio)
        ("AmazonDynamoDB", "us-east-2", {"group": "DDB-WriteUnits", "productFamily": "Provisioned IOPS"},
         "WriteCapacityUnit-Hrs", "0.00065", "dynamodb-table"),
        # golden: db.r4.large Aurora MySQL 730 h = $211.70
        ("AmazonRDS", "us-east-1", {"instanceType": "db.r4.large", "databaseEngine": "Aurora MySQL"}, "Hrs", "0.29",
         "rds-cluster-instance"),
        # golden (sa-east-1 through a provider alias): "$0.28 per 1M requests"
        ("AmazonRDS", "sa-east-1", {"usagetype": "Aurora:StorageIOUsage"}, "IOs", "0.00000028", "rds-cluster"),
        # golden: 2 GB x 730 h = $6.49 per task, solved per GB-hour
        ("AmazonECS", "us-east-1", {"usagetype": "Fargate-GB-Hours"}, "Hrs", "0.004445", "ecs-service"),
    ],
)
def test_hand_checked_figures(service: str, region: str, filters: dict, unit: str, usd: str, source: str) -> None:
    row = _one(service, region, **filters)
    assert row["unit"] == unit and Decimal(row["usd"]) == Decimal(usd) and source in row["source"]


def test_prices_stay_in_their_region() -> None:
    rows = _rows(PRICE_SET)
    # DynamoDB figures exist only where a source priced them (goldens: us-east-2; FOCUS: us-west-2)
    assert {r["region"] for r in rows if r["service"] == "AmazonDynamoDB"} == {"us-east-2", "us-west-2"}
    # the golden's I/O-optimized Aurora PostgreSQL storage is us-east-1 only
    assert {r["region"] for r in rows if r["attributes"].get("usagetype") == "Aurora:IO-OptimizedStorageUsage"} \
        == {"us-east-1"}


@needs_shared
def test_ambiguous_golden_prices_are_not_kept(built: Path) -> None:
    """A 9-decimal price that rounds like the 10-decimal list price is refused, not stored."""
    fit = _load_builder().fitting_price
    # Infracost: 9,000,000 GB-s of arm64 provisioned concurrency = $30.00 (list price 0.0000033334)
    assert isinstance(fit([(Decimal(9_000_000), Decimal("30.00"))]), str)
    assert fit([(Decimal(6_000_000_000), Decimal("100000.20"))]) == Decimal("0.0000166667")
    assert fit([(Decimal(20 * 730), Decimal("9.49"))]) == Decimal("0.00065")
    assert not [r for r in _rows(built) if "Provisioned-Concurrency" in r["attributes"].get("group", "")]
