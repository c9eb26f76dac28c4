"""End to end on the real feeds: the RDS, RDS-storage and ElastiCache adapters -> build -> compiled catalog ->
the cost models, in 11 regions on 4 continents. Every priced line must equal the figure the feed itself gives
for that region (read here straight from the JSON, independently of the adapters' parsing)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from functools import cache

import pytest

from finguard.model import ComponentStatus, ResourceCost
from finguard.pricing.build.adapters._price_watcher import FEED_DIR
from finguard.pricing.build.adapters.aws_price_watcher_elasticache import AwsPriceWatcherElastiCache
from finguard.pricing.build.adapters.aws_price_watcher_rds import AwsPriceWatcherRds
from finguard.pricing.build.adapters.aws_price_watcher_rds_storage import AwsPriceWatcherRdsStorage
from finguard.pricing.build.pipeline import build
from finguard.pricing.catalog import Catalog, compile_snapshot
from finguard.pricing.estimate import estimate
from finguard.pricing.snapshot import DATA_ENV
from finguard.terraform.plan import plan_to_project
from tests.build.price_watcher_support import SHARED
from tests.plan_builder import PlanBuilder

pytestmark = [pytest.mark.shared,
              pytest.mark.skipif(not SHARED.is_dir(), reason=f"real-data test: {SHARED} (../shared) absent")]

# region -> the feeds' location name (spelled out here, not taken from the region table under test)
REGIONS = {
    "us-east-1": "US East (N. Virginia)", "us-west-2": "US West (Oregon)", "ca-central-1": "Canada (Central)",
    "sa-east-1": "South America (Sao Paulo)", "eu-west-1": "EU (Ireland)", "eu-central-1": "EU (Frankfurt)",
    "eu-west-2": "EU (London)", "ap-southeast-2": "Asia Pacific (Sydney)", "ap-northeast-1": "Asia Pacific (Tokyo)",
    "ap-south-1": "Asia Pacific (Mumbai)", "ap-southeast-1": "Asia Pacific (Singapore)",
}
MYSQL = "Database Instance MySQL No license required db {} General purpose {} Current Generation"
POSTGRES = "Database Instance PostgreSQL No license required db {} General purpose {} Current Generation"
REDIS = ("[OnDemand Cache Instance Standard Redis Current Generation] OnDemand Cache Instance Standard cache {} Redis "
         "Current Generation")
# resource -> (values, {component name: (feed file, price key)})
RESOURCES = {
    "aws_db_instance.mysql_m6i_single": (
        {"engine": "mysql", "instance_class": "db.m6i.large", "multi_az": False, "allocated_storage": 100,
         "storage_type": "gp2"},
        {"Database instance (on-demand, Single-AZ, db.m6i.large)":
             ("rds-mysql-ondemand.json", MYSQL.format("m6i.large", "Single-AZ")),
         "Storage (general purpose SSD, gp2)": ("rds-storage.json", "Database Storage Single AZ General Purpose")}),
    "aws_db_instance.mysql_m6i_multi": (
        {"engine": "mysql", "instance_class": "db.m6i.large", "multi_az": True, "allocated_storage": 100,
         "storage_type": "gp3"},
        {"Database instance (on-demand, Multi-AZ, db.m6i.large)":
             ("rds-mysql-ondemand.json", MYSQL.format("m6i.large", "Multi-AZ")),
         "Storage (general purpose SSD, gp3)": ("rds-storage.json", "Database Storage Multi AZ General Purpose-GP3")}),
    "aws_db_instance.mysql_t3_single": (
        {"engine": "mysql", "instance_class": "db.t3.medium", "multi_az": False, "allocated_storage": 20,
         "storage_type": "gp3"},
        {"Database instance (on-demand, Single-AZ, db.t3.medium)":
             ("rds-mysql-ondemand.json", MYSQL.format("t3.medium", "Single-AZ")),
         "Storage (general purpose SSD, gp3)": ("rds-storage.json", "Database Storage Single AZ General Purpose-GP3")}),
    "aws_db_instance.mysql_t3_multi": (
        {"engine": "mysql", "instance_class": "db.t3.medium", "multi_az": True, "allocated_storage": 20,
         "storage_type": "gp2"},
        {"Database instance (on-demand, Multi-AZ, db.t3.medium)":
             ("rds-mysql-ondemand.json", MYSQL.format("t3.medium", "Multi-AZ")),
         "Storage (general purpose SSD, gp2)": ("rds-storage.json", "Database Storage Multi AZ General Purpose")}),
    "aws_db_instance.postgres_m6i": (
        {"engine": "postgres", "instance_class": "db.m6i.large", "allocated_storage": 50, "storage_type": "gp2"},
        {"Database instance (on-demand, Single-AZ, db.m6i.large)":
             ("rds-postgresql-ondemand.json", POSTGRES.format("m6i.large", "Single-AZ")),
         "Storage (general purpose SSD, gp2)": ("rds-storage.json", "Database Storage Single AZ General Purpose")}),
    "aws_elasticache_cluster.redis": (
        {"engine": "redis", "node_type": "cache.t3.micro", "num_cache_nodes": 1},
        {"ElastiCache (on-demand, cache.t3.micro)": ("elasticache.json", REDIS.format("t3.micro"))}),
}


@cache
def _feed(name: str) -> dict[str, dict[str, str | None]]:
    return json.loads((SHARED / FEED_DIR / name).read_text(encoding="utf-8"))


def feed_figure(name: str, key: str, location: str) -> Decimal:
    """The feed's own price for `key` at `location` (bare, or with the instance-type suffix)."""
    found = [p for loc, p in _feed(name)[key].items() if loc == location or loc.startswith(f"{location} (Instance")]
    assert len(found) == 1 and found[0] is not None, (name, key, location, found)
    return Decimal(found[0])


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalog]:
    out = tmp_path_factory.mktemp("snapshot")
    adapters = [AwsPriceWatcherRds(), AwsPriceWatcherRdsStorage(), AwsPriceWatcherElastiCache()]
    result = build(adapters, SHARED, out, "2025-05-24")
    assert not result.missing_adapters and not result.ambiguous
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(DATA_ENV, str(out))
        path = out / "catalog.sqlite"
        compile_snapshot(path, "test-aws-rds-regions")
    opened = Catalog(path)
    yield opened
    opened.close()


def _costs(catalog: Catalog, region: str) -> dict[str, ResourceCost]:
    builder = PlanBuilder(region=region)
    for address, (values, _) in RESOURCES.items():
        builder.add(address, values)
    return {r.address: r for r in estimate(plan_to_project(builder.build()), catalog).resources}


def test_regions_span_three_continents() -> None:
    assert len(REGIONS) >= 10
    assert {code.split("-")[0] for code in REGIONS} >= {"us", "ca", "sa", "eu", "ap"}


@pytest.mark.parametrize("region", sorted(REGIONS))
def test_every_line_equals_the_feed_figure(catalog: Catalog, region: str) -> None:
    costs = _costs(catalog, region)
    for address, (_, expected) in RESOURCES.items():
        lines = {c.name: c for c in costs[address].components}
        assert set(lines) == set(expected), (address, set(lines))
        for name, (feed, key) in expected.items():
            line = lines[name]
            assert line.status is ComponentStatus.PRICED, (region, address, name, line.reason)
            assert line.unit_price == feed_figure(feed, key, REGIONS[region]), (region, address, name)
            assert line.price_source in {"aws-price-watcher-rds", "aws-price-watcher-rds-storage",
                                         "aws-price-watcher-elasticache"}


def test_known_list_prices_in_us_east_1(catalog: Catalog) -> None:
    """Anchors against public list prices (May 2025), so a wrong key in both places still fails."""
    costs = _costs(catalog, "us-east-1")
    price = {(a, c.name): c.unit_price for a, r in costs.items() for c in r.components}
    assert price[("aws_db_instance.mysql_m6i_single", "Database instance (on-demand, Single-AZ, db.m6i.large)")] \
        == Decimal("0.171")
    assert price[("aws_db_instance.mysql_m6i_multi", "Database instance (on-demand, Multi-AZ, db.m6i.large)")] \
        == Decimal("0.342")
    assert price[("aws_db_instance.mysql_t3_single", "Database instance (on-demand, Single-AZ, db.t3.medium)")] \
        == Decimal("0.068")
    assert price[("aws_db_instance.postgres_m6i", "Database instance (on-demand, Single-AZ, db.m6i.large)")] \
        == Decimal("0.178")
    assert price[("aws_db_instance.mysql_m6i_single", "Storage (general purpose SSD, gp2)")] == Decimal("0.115")
    assert price[("aws_db_instance.mysql_m6i_multi", "Storage (general purpose SSD, gp3)")] == Decimal("0.23")
    assert price[("aws_elasticache_cluster.redis", "ElastiCache (on-demand, cache.t3.micro)")] == Decimal("0.017")
