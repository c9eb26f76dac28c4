"""aws-price-watcher elasticache.json -> ElastiCache node hours per engine and node type, in the vocabulary of
aws_elasticache_cluster / aws_elasticache_replication_group."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from finguard.pricing.build.adapters.aws_price_watcher_elasticache import AwsPriceWatcherElastiCache
from tests.build.price_watcher_support import answer, close, components, find, price, run_fixture, run_real

T3_MICRO = "(Instance Type: cache.t3.micro, vCPU: 2, Memory: 0.5 GiB, Network Performance: Up to 5 Gigabit)"
REDIS = "[OnDemand Cache Instance Standard Redis Current Generation] OnDemand Cache Instance Standard cache {} Redis " \
        "Current Generation"
FEED = {
    REDIS.format("t3.micro"): {f"US East (N. Virginia) {T3_MICRO}": "0.0170000000",
                               f"EU (Ireland) {T3_MICRO}": "0.0180000000",
                               f"US West (Los Angeles) {T3_MICRO}": "0.0200000000",
                               f"Asia Pacific (Tokyo) {T3_MICRO}": None,
                               "EU (Frankfurt) (Instance Type: cache.t3.small)": "0.0400000000"},
    "[OnDemand Cache Instance Standard Valkey Current Generation] OnDemand Cache Instance Standard cache t3.micro "
    "Valkey Current Generation": {f"US East (N. Virginia) {T3_MICRO}": "0.0136000000"},
    "[OnDemand Cache Instance Standard Memcached Current Generation] OnDemand Cache Instance Standard cache m4.large "
    "Memcached Current Generation": {"US East (N. Virginia) (Instance Type: cache.m4.large)": "0.1560000000"},
    "[OnDemand Cache Instance Memory optimized Redis datatiering Current Generation] OnDemand Cache Instance Memory "
    "optimized cache r6gd.xlarge Redis datatiering Current Generation": {
        "US East (N. Virginia) (Instance Type: cache.r6gd.xlarge)": "0.7810000000"},
    # a Redis key that names Memcached in its spelling: rejected
    "[OnDemand Cache Instance Standard Redis Current Generation] OnDemand Cache Instance Standard cache m5.large "
    "Memcached Current Generation": {"US East (N. Virginia) (Instance Type: cache.m5.large)": "0.1560000000"},
    "OnDemand ElastiCache Serverless Redis per GB-Hours": {"US East (N. Virginia)": "0.1250000000"},
}


def test_fixture_maps_nodes_and_counts_the_rest(tmp_path: Path) -> None:
    rows, report = run_fixture(AwsPriceWatcherElastiCache(), tmp_path, FEED)
    assert sorted((r.region, dict(r.attributes)["cacheEngine"], dict(r.attributes)["instanceType"], str(r.usd))
                  for r in rows) == [
        ("eu-west-1", "Redis", "cache.t3.micro", "0.0180000000"),
        ("us-east-1", "Memcached", "cache.m4.large", "0.1560000000"),
        ("us-east-1", "Redis", "cache.r6gd.xlarge", "0.7810000000"),
        ("us-east-1", "Redis", "cache.t3.micro", "0.0170000000"),
        ("us-east-1", "Valkey", "cache.t3.micro", "0.0136000000"),
    ]
    row = find(rows, "us-east-1", cacheEngine="Redis", instanceType="cache.t3.micro")
    assert row is not None and row.service == "AmazonElastiCache" and row.unit == "Hrs"
    assert dict(row.attributes) == {"productFamily": "Cache Instance", "instanceType": "cache.t3.micro",
                                    "cacheEngine": "Redis"}
    assert report.read == 10
    assert report.skipped == {"local or wavelength zone": 1, "null price": 1,
                              "not modelled: ElastiCache Serverless": 1}
    assert report.rejected == {"instance type in key and location differ": 1,
                               "cache node key in an unrecognised format": 1}


@pytest.mark.parametrize(("address", "values", "expected"), [
    ("aws_elasticache_cluster.c", {"engine": "redis", "node_type": "cache.t3.micro"}, "0.017"),
    ("aws_elasticache_cluster.c", {"engine": "valkey", "node_type": "cache.t3.micro"}, "0.0136"),
    ("aws_elasticache_cluster.c", {"engine": "memcached", "node_type": "cache.m4.large"}, "0.156"),
    ("aws_elasticache_replication_group.g", {"node_type": "cache.r6gd.xlarge", "num_cache_clusters": 2}, "0.781"),
])
def test_rows_answer_the_elasticache_models_query(tmp_path: Path, address: str, values: dict,
                                                  expected: str) -> None:
    rows, _ = run_fixture(AwsPriceWatcherElastiCache(), tmp_path, FEED)
    (part,) = components(address, values)
    assert answer(rows, part, "us-east-1") == Decimal(expected)


@pytest.mark.shared
def test_real_feed_known_prices_on_three_continents() -> None:
    rows, report = run_real(AwsPriceWatcherElastiCache())
    redis = {"productFamily": "Cache Instance", "cacheEngine": "Redis"}
    known = {"us-east-1": "0.017", "eu-west-1": "0.018", "ap-southeast-2": "0.025", "sa-east-1": "0.032"}
    for region, usd in known.items():
        assert close(price(rows, region, instanceType="cache.t3.micro", **redis), usd), region
    assert close(price(rows, "us-east-1", instanceType="cache.t3.micro", cacheEngine="Valkey"), "0.0136")
    assert close(price(rows, "us-east-1", instanceType="cache.m4.large", cacheEngine="Memcached"), "0.156")
    assert close(price(rows, "us-east-1", instanceType="cache.r5.4xlarge", **redis), "1.724")
    assert close(price(rows, "us-east-1", instanceType="cache.m6g.12xlarge", **redis), "3.557")
    assert len({r.region for r in rows}) >= 30
    assert not report.rejected
