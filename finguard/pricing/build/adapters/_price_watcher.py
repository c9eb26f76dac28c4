"""Reading the AWS pricing-page feeds (aws-price-watcher's `processed/*.json`, ec2.shop's copies) into rows.

Why one module: every such feed is a price per free-text key per location name, so every adapter over
them needs the same parts: the catalog slot a key prices (`Target`), a location name cut from its
" (Instance Type: ...)" details and placed through the one region table, null and 0 read as "no
price here", every key that is not kept counted with a reason, and a slot priced by two keys kept once
when they agree and rejected when they do not (never picked silently). The name starts with "_" so the
registry does not look for an adapter here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

from finguard.pricing.build.base import Adapter, AdapterReport, FeedRow, attrs, decimal_price
from finguard.pricing.regions import aws_region_for_location, is_aws_zone_location

FEED_DIR = "pricing/aws-price-watcher/processed"
COMMIT = "d65c44f0cbfbfc8bf647809576a504ecf1587e8d"
REPO_URL = f"https://github.com/iann0036/aws-price-watcher/tree/{COMMIT}"
PROCESSED_URL = f"{REPO_URL}/processed"
# The scraper commits only on change: every file is current as of its last run before the snapshot.
PUBLISHED = "2025-05-24"
LICENSE = "MIT (Copyright (c) 2025 Ian Mckay)"
EC2_SHOP_URL = "https://github.com/yeo/ec2.shop/tree/74c9fd8ab5acfd9511cd6535f914d47071601ad2"
EC2_SHOP_LICENSE = "MIT"

GLOBAL = "global"
NOT_MODELLED = "not modelled (no cost model queries this product)"
OPAQUE = "opaque key (a feed set / regionless rate code: nothing says what it prices)"
# Keys from the feed's "sets" / regionless rate codes: "-P9W6WBhvHe...q4 V1".
_OPAQUE_KEY = re.compile(r"[A-Za-z0-9_-]{43} V\d+")
# Carrier zones the region table does not list by carrier: "EU (British Telecom) - Manchester".
_CARRIER_ZONE = re.compile(r"\([^()]+\) - \S")
# "m5.large", "u7i-6tb.112xlarge", "c7i-flex.large", "m7i.metal-24xl"
INSTANCE_TYPE = re.compile(r"[a-z][a-z0-9-]*\.[a-z0-9-]+")


def feed_url(file: str) -> str:
    return f"https://github.com/iann0036/aws-price-watcher/blob/{COMMIT}/processed/{file}"


@dataclass(frozen=True, slots=True)
class Skip:
    """Why a price is not kept; `reject` marks data that looks wrong rather than unwanted."""

    reason: str
    reject: bool = False

    def count(self, report: AdapterReport, example: str, n: int = 1) -> None:
        (report.reject if self.reject else report.skip)(self.reason, example, n=n)


@dataclass(frozen=True, slots=True)
class Target:
    """The catalog slot and tier a key prices, in the old snapshot's units.

    `global_location`: the service is global (Route 53, CloudFront); only the figure at this location is
    taken, under the region "global".
    """

    service: str
    attributes: tuple[tuple[str, str], ...]
    unit: str
    begin: float = 0.0
    end: float | None = None
    global_location: str | None = None

    def at(self, location: str) -> Placement:
        """This slot in the location's region (the `Rule` of a key that names its whole product)."""
        if self.global_location is not None:
            if location != self.global_location:
                return Skip(f"global service: the price is taken at location {self.global_location!r} only")
            return self, GLOBAL
        region, _ = locate(location)
        return region if isinstance(region, Skip) else (self, region)

    def row(self, region: str, usd: Decimal, source: str) -> FeedRow:
        return FeedRow("aws", self.service, region, self.attributes, self.unit, usd, source, self.begin, self.end)


Placement = tuple[Target, str] | Skip  # a price's slot and region, or why it is not kept
Rule = Callable[[str], Placement]  # how a kept key places its price at one location
KeyRule = Rule | Skip  # how a key's prices are placed, or why none of them is kept
Pattern = tuple[re.Pattern[str], Callable[[re.Match[str]], KeyRule]]


def pattern(regex: str, build: Callable[[re.Match[str]], KeyRule]) -> Pattern:
    """A key family named by a regex (full match) whose text carries the product (instance type, tier)."""
    return re.compile(regex), build


def target(service: str, unit: str, /, *, begin: float = 0.0, end: float | None = None,
           global_location: str | None = None, **attributes: str) -> Target:
    return Target(service, attrs(attributes), unit, begin, end, global_location)


def instance_hours(service: str, **attributes: str) -> Callable[[str], Target]:
    """The hourly slot of an instance type, for the products that differ only by it."""
    return lambda instance_type: target(service, "Hrs", instanceType=instance_type, **attributes)


def ec2_linux_hours(instance_type: str) -> Target:
    """The slot `_ec2.instance_hours` queries for Linux, shared tenancy, on demand (plus the usage type)."""
    return target("AmazonEC2", "Hrs", productFamily="Compute Instance", instanceType=instance_type,
                  operatingSystem="Linux", tenancy="Shared", preInstalledSw="NA", capacitystatus="Used",
                  licenseModel="No License required", usagetype=f"BoxUsage:{instance_type}")


@dataclass(frozen=True, slots=True)
class InstanceKey:
    """A key priced per instance type: the types it spells (none when only the locations' " (Instance
    Type: ...)" suffix names them) and the slot of one type. A suffix must agree with the key."""

    types: frozenset[str]
    build: Callable[[str], Target]

    @classmethod
    def of(cls, instance_type: str, build: Callable[[str], Target]) -> Rule:
        """The rule of a key that spells one instance type."""
        return cls(frozenset({instance_type}), build).at

    def at(self, location: str) -> Placement:
        region, details = locate(location)
        instance_type = details.get("Instance Type") or (next(iter(self.types)) if len(self.types) == 1 else None)
        if instance_type is None:
            return Skip("no instance type in key or location", reject=True)
        if self.types and instance_type not in self.types:
            return Skip("instance type in key and location differ", reject=True)
        return region if isinstance(region, Skip) else (self.build(instance_type), region)


class Reasons:
    """Why a key no rule prices is left out: opaque keys say nothing; then the first regex (searched in
    the key, in order) that matches; else not modelled. Upstream renames thus show up as counts."""

    __slots__ = ("_pairs",)

    def __init__(self, *pairs: tuple[str, str]) -> None:
        self._pairs = tuple((re.compile(regex), reason) for regex, reason in pairs)

    def why(self, key: str) -> Skip:
        if _OPAQUE_KEY.fullmatch(key):
            return Skip(OPAQUE)
        for regex, reason in self._pairs:
            if regex.search(key):
                return Skip(reason)
        return Skip(NOT_MODELLED)


@cache
def split_location(raw: str) -> tuple[str, Mapping[str, str]]:
    """'EU (Ireland) (Instance Type: db.t3.large, Memory (GiB): 8)' ->
    ('EU (Ireland)', {'Instance Type': 'db.t3.large', 'Memory (GiB)': '8'}).

    Only a trailing parenthesised group holding a colon is details: 'AWS GovCloud (US)' stays whole.
    Cached: a feed repeats each location across thousands of keys (the result must not be changed).
    """
    text = raw.strip()
    if text.endswith(")"):
        depth = 0
        for i in range(len(text) - 1, -1, -1):
            depth += (text[i] == ")") - (text[i] == "(")
            if depth == 0:
                inner = text[i + 1:-1]
                if ":" in inner:
                    return text[:i].rstrip(), _pairs(inner)
                break
    return text, {}


def _pairs(text: str) -> dict[str, str]:
    """'a: 1, b (c): 2' -> {'a': '1', 'b (c)': '2'} (commas inside parentheses do not split)."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    pairs = {}
    for part in parts:
        key, sep, value = part.partition(":")
        if sep:
            pairs[key.strip()] = value.strip()
    return pairs


def region_of(name: str) -> str | Skip:
    """The region code of a location name (details already cut), or why its prices are not placed."""
    code = aws_region_for_location(name)
    if code is not None:
        return code
    if name == "Any":
        return Skip("regionless price (location 'Any')")
    if is_aws_zone_location(name) or _CARRIER_ZONE.search(name):
        return Skip("local or wavelength zone")
    return Skip("unknown location")


def locate(location: str) -> tuple[str | Skip, Mapping[str, str]]:
    """A feed location's region (or why it has none) and its details."""
    name, details = split_location(location)
    return region_of(name), details


def feed_price(text: object, report: AdapterReport, example: str) -> Decimal | None:
    """A usable price, or None after counting it: null and 0 mean 'no price here', garbage is rejected."""
    if text is None or text == "":
        report.skip("null price", example)
        return None
    usd = decimal_price(text)
    if usd is None:
        report.reject("price is not a non-negative number", f"{example}: {text!r}")
        return None
    if usd == 0:
        report.skip("zero price (taken as missing)", example)
        return None
    return usd


class UniqueRows:
    """One row per slot and tier: a second key with the same price is counted and dropped; keys that
    disagree are all rejected (the catalog would otherwise see two prices for one product)."""

    def __init__(self, report: AdapterReport) -> None:
        self.report = report
        self._found: dict[tuple[object, float], list[tuple[FeedRow, str]]] = {}

    def add(self, row: FeedRow, example: str) -> None:
        self._found.setdefault((row.slot, row.begin), []).append((row, example))

    def rows(self) -> Iterator[FeedRow]:
        for found in self._found.values():
            first = found[0][0]
            if all((row.usd, row.unit, row.end) == (first.usd, first.unit, first.end) for row, _ in found):
                for _, example in found[1:]:
                    self.report.skip("duplicate: another key prices the same slot identically",
                                     f"{first.region}: {example}")
                yield first
            else:
                for row, example in found:
                    self.report.reject("ambiguous: keys map to one slot with different prices",
                                       f"{row.region}: {example} = {row.usd}")


def read_feed(data: Mapping[str, object], rule: Callable[[str], KeyRule], source: str,
              unique: UniqueRows) -> None:
    """Rows from one `{price key: {location: "USD"}}` file; every record is counted as read, then kept,
    skipped or rejected. `rule` is asked once per key."""
    report = unique.report
    for key, by_location in data.items():
        if not isinstance(by_location, dict):
            report.read += 1
            report.reject("price key without a location map", key)
            continue
        report.read += len(by_location)
        placer = rule(key)
        if isinstance(placer, Skip):
            if by_location:
                placer.count(report, key, n=len(by_location))
            continue
        for location, text in by_location.items():
            example = f"{key} @ {location}"
            placed = placer(location)
            if isinstance(placed, Skip):
                placed.count(report, example)
                continue
            where, region = placed
            usd = feed_price(text, report, example)
            if usd is not None:
                unique.add(where.row(region, usd, source), example)


def ec2_shop_locations(feed: Mapping[str, Any], report: AdapterReport
                       ) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """(location, region, records) of an ec2.shop file, `{"regions": {location: {key: record}}}`. Every
    record is counted as read; those at a location that is no region are counted with its reason."""
    for location, records in feed.get("regions", {}).items():
        if not records:
            continue
        report.read += len(records)
        name = split_location(location)[0]
        region = region_of(name)
        if isinstance(region, Skip):
            region.count(report, name, n=len(records))
        else:
            yield location, region, records


class PriceWatcherAdapter(Adapter):
    """Some `processed/<file>`s of aws-price-watcher. Subclasses set `files`, `targets` (exact key -> slot),
    `patterns` (key families that carry the product in their text) and `reasons`, or override `rule`.
    `url` defaults to the one file's page, or the folder's for several."""

    files: ClassVar[tuple[str, ...]]
    targets: ClassVar[Mapping[str, Target]] = {}
    patterns: ClassVar[tuple[Pattern, ...]] = ()
    reasons: ClassVar[Reasons] = Reasons()
    published = PUBLISHED
    license = LICENSE

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "files" in cls.__dict__:
            cls.inputs = tuple(f"{FEED_DIR}/{file}" for file in cls.files)
            if "url" not in cls.__dict__:
                cls.url = feed_url(cls.files[0]) if len(cls.files) == 1 else PROCESSED_URL

    def rows(self, shared: Path, report: AdapterReport) -> Iterable[FeedRow]:
        unique = UniqueRows(report)
        for file in self.files:
            data = json.loads((shared / FEED_DIR / file).read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError(f"{file}: expected a JSON object of price keys")
            read_feed(data, lambda key, file=file: self.rule(key, file), self.id, unique)
        return unique.rows()

    def rule(self, key: str, file: str) -> KeyRule:
        """How the key's prices are placed, or why none of them is kept."""
        where = self.targets.get(key)
        if where is not None:
            return where.at
        for regex, build in self.patterns:
            if match := regex.fullmatch(key):
                return build(match)
        return self.reasons.why(key)
