"""ElastiCache node hours per engine (Redis, Memcached, Valkey) and node type from aws-price-watcher's
`processed/elasticache.json`, the ElastiCache pricing page's feed.

Rows carry what aws_elasticache_cluster / aws_elasticache_replication_group ask: productFamily "Cache
Instance", instanceType and cacheEngine. Keys read "[OnDemand Cache Instance <family> <engine> <gen>]
OnDemand Cache Instance <family> cache <type> <engine> <gen>"; the location's " (Instance Type: ...)"
suffix names the node type again and must agree. Data-tiering nodes (cache.r6gd.*, "Redis datatiering")
have no other price and are the node type's only rate, so they map to the plain engine. Serverless
(ECPU, GB-hours) is not modelled.
"""

from __future__ import annotations

import re

from finguard.pricing.build.adapters._price_watcher import (
    InstanceKey,
    KeyRule,
    PriceWatcherAdapter,
    Reasons,
    Skip,
    instance_hours,
)

SERVICE = "AmazonElastiCache"
FILE = "elasticache.json"

_GROUP = re.compile(r"\[OnDemand Cache Instance (?P<family>.+?) (?P<engine>Redis|Memcached|Valkey)"
                    r"(?: datatiering)? (?:Current|Previous) Generation\](?P<spellings>.*)")
_SPELLED = re.compile(r"OnDemand Cache Instance .+? cache (?P<type>\S+) (?P<engine>Redis|Memcached|Valkey)"
                      r"(?: datatiering)? (?:Current|Previous) Generation")
_OTHER_KEYS = Reasons((r"Serverless", "not modelled: ElastiCache Serverless"))
UNRECOGNISED = "cache node key in an unrecognised format"


def classify(key: str) -> KeyRule:
    match = _GROUP.fullmatch(key)
    if match is None:
        if "OnDemand Cache Instance" in key:
            return Skip(UNRECOGNISED, reject=True)
        return _OTHER_KEYS.why(key)
    engine = match["engine"]
    types = set()
    for spelling in (s.strip() for s in match["spellings"].split(";")):
        if not spelling:
            continue
        spelled = _SPELLED.fullmatch(spelling)
        if spelled is None or spelled["engine"] != engine:
            return Skip(UNRECOGNISED, reject=True)
        types.add(f"cache.{spelled['type']}")
    return InstanceKey(frozenset(types), instance_hours(SERVICE, productFamily="Cache Instance", cacheEngine=engine)).at


class AwsPriceWatcherElastiCache(PriceWatcherAdapter):
    id = "aws-price-watcher-elasticache"
    files = (FILE,)
    description = ("ElastiCache on-demand node hours per engine (Redis, Memcached, Valkey) and node type "
                   "(aws-price-watcher, ElastiCache pricing-page feed)")

    def rule(self, key: str, file: str) -> KeyRule:
        return classify(key)
