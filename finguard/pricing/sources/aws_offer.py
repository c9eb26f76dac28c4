"""Stream AWS Price List offer files (the per-region bulk CSV or JSON) into catalog `PriceRecord`s.

Why streaming: one region of AmazonEC2 is hundreds of MB, so neither layout is loaded whole. The CSV
is read row by row (each row carries its product's attributes, so memory stays flat). The JSON is
walked with a small incremental reader built on the stdlib decoder: only one product or one SKU's
terms is decoded at a time, but the products of the file must be remembered (compactly) until the
`terms` section names their prices, so the CSV layout is the default and the cheaper one for sync.

Only OnDemand prices are kept. Rows are normalised to the catalog conventions of
`pricing_data/README.md`: AWS attribute names plus `productFamily`, `usagetype` without its region
prefix (only prefixes of real regions, from `finguard.pricing.regions`), and the region as a region
code. Global services (Route 53, CloudFront) are read from their whole-offer file into the catalog
region "global", where their cost models look prices up; their usage types keep every prefix, since
those name edge-location groups ("EU-", "US-", "JP-"), not regions.

A non-finite price ("NaN", "Infinity") is an error, not a skipped row: no price list publishes one,
so the file is corrupt and nothing of it should reach the catalog.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from sys import intern
from typing import IO, Any, NoReturn, cast

from finguard.errors import InputError
from finguard.pricing.regions import aws_region_for_location, is_aws_zone_location, strip_usage_prefix
from finguard.pricing.snapshot import PriceRecord

OfferSource = str | Path | IO[str] | IO[bytes]
"""A file path, or an open text or binary stream (e.g. an HTTP response)."""

Keep = Callable[[str, Mapping[str, str]], bool]
"""`keep(product_family, attributes)`: True for products whose prices the catalog should hold."""

# -- why a row is not in the catalog --------------------------------------------------------------
SKIP_NOT_REGION = "not an AWS Region"  # local zones, wavelength zones, outposts
SKIP_UNKNOWN_REGION = "unknown region"  # neither regionCode nor a known location
SKIP_OTHER_REGION = "other region"  # a row for a region other than the one being synced
SKIP_BAD_PRICE = "bad price"  # empty, unparsable, negative or non-USD price
SKIP_BAD_RANGE = "bad range"  # unparsable beginRange / endRange
SKIP_UNKNOWN_SKU = "unknown SKU"  # a JSON term for a SKU the products section lacks
_FILTERED = "filtered"  # usable, but no finguard model uses it (the `keep` predicate said no)

GLOBAL_REGION = "global"
"""The catalog region of global services; as the `region` of a parse it keeps products of every location."""


# -- CSV column names -> JSON attribute names -----------------------------------------------------
CSV_TERM_COLUMNS = frozenset({
    "SKU", "OfferTermCode", "RateCode", "TermType", "PriceDescription", "EffectiveDate", "StartingRange",
    "EndingRange", "Unit", "PricePerUnit", "Currency", "RelatedTo", "LeaseContractLength", "PurchaseOption",
    "OfferingClass",
})
"""Columns of the CSV that describe the term or price, not the product."""

CSV_ATTRIBUTE_NAMES: dict[str, str] = {
    # The attributes finguard's models filter on (pricing_data/README.md), spelled out so a change in
    # the generic rule can never break them.
    "Product Family": "productFamily",
    "Instance Type": "instanceType",
    "Operating System": "operatingSystem",
    "Tenancy": "tenancy",
    "Pre Installed S/W": "preInstalledSw",
    "CapacityStatus": "capacitystatus",
    "License Model": "licenseModel",
    "usageType": "usagetype",
    "operation": "operation",
    "Volume API Name": "volumeApiName",
    "Volume Type": "volumeType",
    "Database Engine": "databaseEngine",
    "Database Edition": "databaseEdition",
    "Deployment Option": "deploymentOption",
    "Cache Engine": "cacheEngine",
    "Group": "group",
    "Group Description": "groupDescription",
    "Location": "location",
    "Location Type": "locationType",
    "Region Code": "regionCode",
    "serviceCode": "servicecode",
    "serviceName": "servicename",
    # Names the generic rule gets wrong ("/" joins words without capitalising the next one).
    "Max IOPS/volume": "maxIopsvolume",
    "Max throughput/volume": "maxThroughputvolume",
}

_WORDS = re.compile(r"[A-Za-z0-9]+")


def csv_column_to_attribute(column: str) -> str:
    """JSON attribute name of a CSV column: the explicit table, else lower-camel-case of the words.

    The rule matches how AWS derives its JSON names: the first word wholly lower-case, later words
    capitalised ("Instance Family" -> instanceFamily, "CapacityStatus" -> capacitystatus,
    "Intel AVX2 Available" -> intelAvx2Available).
    """
    explicit = CSV_ATTRIBUTE_NAMES.get(column)
    if explicit is not None:
        return explicit
    words = _WORDS.findall(column)
    if not words:
        return column
    return words[0].lower() + "".join(w[:1].upper() + w[1:].lower() for w in words[1:])


# -- the default product filter -------------------------------------------------------------------
def _keep_ec2(family: str, attrs: Mapping[str, str]) -> bool:
    if family == "Compute Instance":
        return attrs.get("capacitystatus") == "Used" and attrs.get("preInstalledSw") == "NA"
    if family == "System Operation":
        return attrs.get("usagetype", "").startswith("EBS:")
    return family in {"Storage", "Provisioned Throughput", "NAT Gateway", "CPU Credits", "Storage Snapshot"}


def _keep_families(*families: str) -> Keep:
    wanted = frozenset(families)
    return lambda family, attrs: family in wanted


FINGUARD_KEEP: dict[str, Keep] = {
    # pricing_data/README.md
    "AmazonEC2": _keep_ec2,
    "AmazonRDS": _keep_families("Database Instance", "Database Storage", "Provisioned IOPS", "Serverless",
                                "ServerlessV2", "System Operation", "Storage Snapshot"),
    "AWSELB": lambda family, attrs: family.startswith("Load Balancer"),
    "AmazonVPC": _keep_families("VPC Public IPv4 Address", "VpcEndpoint", "Transit Gateway", "Cloud Connectivity"),
    "AmazonEKS": lambda family, attrs: (
        family == "Compute" and attrs.get("usagetype", "").startswith("AmazonEKS-Hours")),
    "AmazonElastiCache": _keep_families("Cache Instance"),
    "AmazonCloudWatch": _keep_families("Metric", "Alarm", "Data Payload", "Storage Snapshot"),
    # data and application services
    "AWSLambda": _keep_families("Serverless"),
    "AmazonS3": _keep_families("Storage", "API Request"),
    "AmazonDynamoDB": _keep_families("Provisioned IOPS", "Amazon DynamoDB PayPerRequest Throughput",
                                     "Database Storage"),
    "AmazonECS": _keep_families("Compute"),
    "AmazonEFS": _keep_families("Storage", "Provisioned Throughput"),
    "AWSQueueService": _keep_families("API Request"),
    "AmazonSNS": _keep_families("API Request", "Message Delivery"),
    "awskms": _keep_families("Encryption Key", "API Request"),
    "AWSSecretsManager": _keep_families("Secret", "API Request"),
    # network and analytics services
    "AmazonApiGateway": _keep_families("API Calls", "WebSocket"),
    "AmazonRoute53": _keep_families("DNS Zone", "DNS Query"),
    "AmazonKinesis": _keep_families("Kinesis Streams"),
    "AmazonMSK": _keep_families("Managed Streaming for Apache Kafka (MSK)"),
    "AmazonRedshift": _keep_families("Compute Instance", "Redshift Managed Storage"),
    "AmazonES": _keep_families("Amazon OpenSearch Service Instance", "Amazon OpenSearch Service Volume"),
    "AmazonCloudFront": _keep_families("Data Transfer", "Request"),
    "AmazonECR": _keep_families("EC2 Container Registry"),
}
"""Per offer code: the products finguard's cost models price (the tables in pricing_data/*/README.md).

Every offer code a model in `finguard.pricing.resources.aws` prices is here (tests/test_pricing_sync.py
derives the list from the models). Sync keeps only these products so the catalog stays small: a region
of AmazonEC2 has ~10x more OnDemand rows (bare metal, unused reservations, pre-installed SQL, data
transfer ...) than the models can use.
"""

AWS_GLOBAL_SERVICES: frozenset[str] = frozenset({"AmazonRoute53", "AmazonCloudFront"})
"""Offers whose models look prices up under the catalog region "global" (a Component's `region`)."""


# -- results --------------------------------------------------------------------------------------
@dataclass(slots=True)
class OfferMeta:
    """The header of an offer file: what it is and when AWS published it."""

    format_version: str | None = None
    offer_code: str | None = None
    version: str | None = None
    publication_date: str | None = None


@dataclass(slots=True)
class OfferStats:
    """What a parse did with each price row (one CSV row = one JSON price dimension)."""

    kept: int = 0
    filtered: int = 0  # usable but not wanted by `keep`
    other_terms: int = 0  # Reserved (and any other non-OnDemand) rows
    skipped: Counter[str] = field(default_factory=Counter)  # unusable rows, by reason
    meta: OfferMeta = field(default_factory=OfferMeta)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def drop(self, reason: str, count: int = 1) -> None:
        if reason == _FILTERED:
            self.filtered += count
        else:
            self.skipped[reason] += count


@dataclass(slots=True)
class _Product:
    family: str
    attributes: dict[str, str]
    region: str


def _classify(family: str, attrs: dict[str, str], keep: Keep | None, region: str | None) -> _Product | str:
    """A product the catalog keeps, or the reason its rows are dropped."""
    if keep is not None and not keep(family, attrs):
        return _FILTERED
    if region == GLOBAL_REGION:  # a global service: every location is priced under "global"
        return _Product(family, attrs, GLOBAL_REGION)
    location_type = attrs.get("locationType")
    if location_type is not None and location_type != "AWS Region":
        return SKIP_NOT_REGION
    location = attrs.get("location", "")
    code = attrs.get("regionCode") or aws_region_for_location(location)
    if not code:
        return SKIP_NOT_REGION if location and is_aws_zone_location(location) else SKIP_UNKNOWN_REGION
    if region is not None and code != region:
        return SKIP_OTHER_REGION
    return _Product(family, attrs, code)


def _normalise(family: str, attrs: dict[str, str], strip_prefix: bool = True) -> dict[str, str]:
    if family:
        attrs["productFamily"] = family
    usagetype = attrs.get("usagetype")
    if usagetype and strip_prefix:
        attrs["usagetype"] = strip_usage_prefix(usagetype)
    return attrs


class _NonFinitePrice(Exception):
    """A price that parses as NaN or Infinity: the caller turns it into an InputError naming the line."""

    def __init__(self, sku: str, text: str) -> None:
        super().__init__(f"non-finite price {text!r} for SKU {sku}")


def _parse_usd(text: object, sku: str = "") -> Decimal | None:
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        usd = Decimal(text.strip())
    except InvalidOperation:
        return None
    if not usd.is_finite():
        raise _NonFinitePrice(sku, text.strip())
    return usd if usd >= 0 else None


def _parse_range(begin: object, end: object) -> tuple[float, float | None] | None:
    try:
        low = float(begin) if isinstance(begin, str) and begin.strip() else 0.0
        high = float(end) if isinstance(end, str) and end.strip() else math.inf
    except ValueError:
        return None
    if not math.isfinite(low):
        return None
    return low, (high if math.isfinite(high) else None)


def _record(service: str, product: _Product, sku: str, unit: object, price: object, begin: object,
            end: object, description: object, source_id: str, stats: OfferStats) -> PriceRecord | None:
    usd = _parse_usd(price, sku)
    if usd is None:
        stats.drop(SKIP_BAD_PRICE)
        return None
    tiers = _parse_range(begin, end)
    if tiers is None:
        stats.drop(SKIP_BAD_RANGE)
        return None
    stats.kept += 1
    return PriceRecord(
        service=service, region=product.region, sku=sku, attributes=product.attributes,
        unit=str(unit or ""), usd=usd, begin_range=tiers[0], end_range=tiers[1],
        description=str(description) if description else None, source=source_id,
    )


def _check_offer_code(meta: OfferMeta, offer_code: str, where: str) -> None:
    if meta.offer_code and meta.offer_code != offer_code:
        raise InputError(f"offer file is for {meta.offer_code}, expected {offer_code}", where=where)


# -- opening --------------------------------------------------------------------------------------
@contextmanager
def _open_text(source: OfferSource, where: str | None) -> Iterator[tuple[IO[str], str]]:
    """A text stream over `source` (newline='' for csv), closing only what this function opened."""
    if isinstance(source, str | Path):
        path = Path(source)
        try:
            fh = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise InputError(f"cannot read offer file: {exc.strerror or exc}", where=where or str(path)) from exc
        with fh:
            yield fh, where or str(path)
        return
    label = where or str(getattr(source, "name", "<stream>"))
    if isinstance(source.read(0), bytes):
        wrapper = io.TextIOWrapper(cast("IO[bytes]", source), encoding="utf-8-sig", newline="")
        try:
            yield wrapper, label
        finally:
            wrapper.detach()
    else:
        yield cast("IO[str]", source), label


# -- CSV ------------------------------------------------------------------------------------------
_CSV_META_KEYS = {"FormatVersion": "format_version", "OfferCode": "offer_code", "Version": "version",
                  "Publication Date": "publication_date"}
_CSV_REQUIRED = ("SKU", "TermType", "StartingRange", "EndingRange", "Unit", "PricePerUnit")


def _read_csv_meta(reader: Any, where: str) -> tuple[OfferMeta, list[str]]:
    """The metadata lines before the header row, and the header row itself."""
    meta = OfferMeta()
    for row in reader:
        if reader.line_num == 1 and (not row or row[0] != "FormatVersion"):
            raise InputError("not an AWS offer CSV (the first line is not FormatVersion)", where=f"{where}:1")
        if row and row[0] == "SKU":
            missing = [c for c in _CSV_REQUIRED if c not in row]
            if missing:
                raise InputError(f"offer CSV header lacks {', '.join(missing)}", where=f"{where}:{reader.line_num}")
            return meta, row
        if len(row) >= 2 and row[0] in _CSV_META_KEYS:
            setattr(meta, _CSV_META_KEYS[row[0]], row[1])
        if reader.line_num > 50:
            break
    raise InputError("offer CSV has no header row (SKU, OfferTermCode, ...)", where=f"{where}:{reader.line_num}")


def iter_offer_csv(source: OfferSource, offer_code: str, *, source_id: str | None = None,
                   keep: Keep | None = None, region: str | None = None, stats: OfferStats | None = None,
                   where: str | None = None) -> Iterator[PriceRecord]:
    """OnDemand prices of a per-region offer CSV, one row at a time.

    `region` keeps only rows of that region code (others count as skipped); "global" (GLOBAL_REGION,
    for a global service's whole-offer file) keeps rows of every location under that region, with
    usage types as published; `stats` (filled while iterating) tells how many rows were kept,
    filtered, skipped and why; `where` names the file or URL in errors. A NaN or infinite price is
    an InputError naming the line.
    """
    stats = stats if stats is not None else OfferStats()
    source_id = source_id or f"aws-{offer_code}"
    with _open_text(source, where) as (fh, label):
        reader = csv.reader(fh, strict=True)
        try:
            stats.meta, header = _read_csv_meta(reader, label)
            _check_offer_code(stats.meta, offer_code, label)
            col = {name: i for i, name in enumerate(header)}
            i_sku, i_term, i_begin, i_end, i_unit, i_price = (col[c] for c in _CSV_REQUIRED)
            i_desc, i_currency, i_family = (col.get(c) for c in ("PriceDescription", "Currency", "Product Family"))
            attr_cols = [(i, csv_column_to_attribute(name)) for i, name in enumerate(header)
                         if name not in CSV_TERM_COLUMNS and name != "Product Family"]
            width = len(header)
            strip_prefix = region != GLOBAL_REGION
            for row in reader:
                if not row:
                    continue
                if len(row) != width:
                    raise InputError(f"malformed offer CSV: expected {width} columns, found {len(row)}",
                                     where=f"{label}:{reader.line_num}")
                if row[i_term] != "OnDemand":
                    stats.other_terms += 1
                    continue
                family = row[i_family] if i_family is not None else ""
                attrs = _normalise(family, {name: row[i] for i, name in attr_cols if row[i]}, strip_prefix)
                product = _classify(family, attrs, keep, region)
                if isinstance(product, str):
                    stats.drop(product)
                    continue
                if i_currency is not None and row[i_currency] not in ("USD", ""):
                    stats.drop(SKIP_BAD_PRICE)
                    continue
                record = _record(offer_code, product, row[i_sku], row[i_unit], row[i_price], row[i_begin],
                                 row[i_end], row[i_desc] if i_desc is not None else None, source_id, stats)
                if record is not None:
                    yield record
        except csv.Error as exc:
            raise InputError(f"malformed offer CSV: {exc}", where=f"{label}:{reader.line_num}") from exc
        except UnicodeDecodeError as exc:
            raise InputError(f"offer CSV is not UTF-8: {exc.reason}", where=f"{label}:{reader.line_num}") from exc
        except _NonFinitePrice as exc:
            raise InputError(f"malformed offer CSV: {exc}", where=f"{label}:{reader.line_num}") from None


# -- JSON -----------------------------------------------------------------------------------------
JSON_CHUNK_CHARS = 1 << 16
"""Characters read per step by the incremental JSON reader (tests shrink it to exercise boundaries)."""

_Mark = tuple[str, int, int, int]  # buffer, offset in it, line and column of its first character
_MAX_JSON_VALUE_CHARS = 64 << 20  # one product or one SKU's terms: a few KB in real offer files
_NON_WS = re.compile(r"[^ \t\n\r]")
_DECODER = json.JSONDecoder()


class _JsonStream:
    """Just enough incremental JSON to walk an offer file's outer objects member by member.

    Containers the caller walks with `members()` are never held whole; any other value is decoded
    in one piece by the stdlib decoder (C speed) once enough of it is buffered.
    """

    def __init__(self, fh: IO[str], where: str) -> None:
        self._fh = fh
        self.where = where
        self._buf = ""
        self._pos = 0
        self._eof = False
        self._line = 1  # line and column of _buf[0]
        self._col = 1

    def _more(self, at_least: int = 0) -> bool:
        """Drop what was consumed and append the next chunk; False at end of file."""
        if self._eof:
            return False
        try:
            data = self._fh.read(max(JSON_CHUNK_CHARS, at_least))
        except UnicodeDecodeError as exc:
            self.fail(f"not UTF-8 ({exc.reason})")
        if not data:
            self._eof = True
            return False
        dropped = self._buf[: self._pos]
        newlines = dropped.count("\n")
        if newlines:
            self._line += newlines
            self._col = len(dropped) - dropped.rfind("\n")
        else:
            self._col += len(dropped)
        self._buf = self._buf[self._pos:] + data
        self._pos = 0
        return True

    def mark(self) -> _Mark:
        """The current position, cheaply (line and column are only counted if an error needs them)."""
        return (self._buf, self._pos, self._line, self._col)

    def location(self, mark: _Mark | None = None) -> str:
        buf, pos, line, col = mark or self.mark()
        newlines = buf.count("\n", 0, pos)
        if newlines:
            line, col = line + newlines, pos - buf.rfind("\n", 0, pos)
        else:
            col += pos
        return f"{self.where}:{line}:{col}"

    def fail(self, message: str, pos: int | None = None) -> NoReturn:
        buf, _, line, col = self.mark()
        where = self.location((buf, self._pos if pos is None else pos, line, col))
        raise InputError(f"malformed offer JSON: {message}", where=where)

    def peek(self) -> str:
        """The next non-blank character ('' at end of file), without consuming it."""
        while True:
            match = _NON_WS.search(self._buf, self._pos)
            if match:
                self._pos = match.start()
                return self._buf[self._pos]
            self._pos = len(self._buf)
            if not self._more():
                return ""

    def expect(self, char: str) -> None:
        found = self.peek()
        if found != char:
            self.fail(f"expected {char!r}, found {found!r}" if found else f"expected {char!r}, found end of file")
        self._pos += 1

    def value(self) -> Any:
        if not self.peek():
            self.fail("unexpected end of file")
        while True:
            pending = len(self._buf) - self._pos
            try:
                obj, end = _DECODER.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError as exc:
                # Truncated by the buffer end, or really malformed? Only read on when it could be the former.
                truncated = exc.msg.startswith("Unterminated string") or exc.pos >= len(self._buf) - 16
                if truncated and pending < _MAX_JSON_VALUE_CHARS and self._more(pending):
                    continue
                if pending >= _MAX_JSON_VALUE_CHARS:
                    self.fail("a value larger than 64 MiB (not an offer file?)")
                self.fail(exc.msg, exc.pos)
            if end == len(self._buf) and self._more(pending):  # a number may go on in the next chunk
                continue
            self._pos = end
            return obj

    def members(self) -> Iterator[str]:
        """Keys of the object starting here; the caller consumes each member's value before the next."""
        self.expect("{")
        if self.peek() == "}":
            self._pos += 1
            return
        while True:
            if self.peek() != '"':
                self.fail("expected a quoted member name")
            key = self.value()
            self.expect(":")
            yield key
            found = self.peek()
            if found == "}":
                self._pos += 1
                return
            if found != ",":
                self.fail("expected ',' or '}' after an object member")
            self._pos += 1

    def end(self) -> None:
        if self.peek():
            self.fail("unexpected data after the end of the document")


_JSON_META_KEYS = {"formatVersion": "format_version", "offerCode": "offer_code", "version": "version",
                   "publicationDate": "publication_date"}


def _json_product(js: _JsonStream, sku: str, keep: Keep | None, region: str | None) -> _Product | str:
    at = js.mark()
    raw = js.value()
    attributes = raw.get("attributes", {}) if isinstance(raw, dict) else None
    if not isinstance(attributes, dict):
        raise InputError(f"malformed offer JSON: product {sku} is not an object with attributes",
                         where=js.location(at))
    family = intern(str(raw.get("productFamily") or ""))
    # Interned: the products of a region are held until `terms`, and their values repeat a lot.
    attrs = _normalise(family, {intern(str(k)): intern(str(v)) for k, v in attributes.items()
                                if v is not None and v != ""}, region != GLOBAL_REGION)
    return _classify(family, attrs, keep, region)


def _json_dimensions(js: _JsonStream, sku: str) -> list[dict[str, Any]]:
    """The price dimensions of every term of one SKU (the value at the reader's position)."""
    at = js.mark()
    terms = js.value()
    dims: list[dict[str, Any]] = []
    if isinstance(terms, dict):
        for term in terms.values():
            found = term.get("priceDimensions") if isinstance(term, dict) else None
            if not isinstance(found, dict) or not all(isinstance(d, dict) for d in found.values()):
                break
            dims.extend(found.values())
        else:
            return dims
    raise InputError(f"malformed offer JSON: terms of {sku} are not objects with priceDimensions",
                     where=js.location(at))


def iter_offer_json(source: OfferSource, offer_code: str, *, source_id: str | None = None,
                    keep: Keep | None = None, region: str | None = None, stats: OfferStats | None = None,
                    where: str | None = None) -> Iterator[PriceRecord]:
    """OnDemand prices of a per-region offer JSON, walked incrementally (same options as the CSV)."""
    stats = stats if stats is not None else OfferStats()
    source_id = source_id or f"aws-{offer_code}"
    with _open_text(source, where) as (fh, label):
        js = _JsonStream(fh, label)
        products: dict[str, _Product | str] = {}
        products_seen = False
        early_terms: list[tuple[str, list[dict[str, Any]]]] = []  # OnDemand met before products

        def priced(sku: str, dims: list[dict[str, Any]]) -> Iterator[PriceRecord]:
            product = products.get(sku, SKIP_UNKNOWN_SKU)
            if isinstance(product, str):
                stats.drop(product, len(dims))
                return
            for dim in dims:
                usd = dim.get("pricePerUnit")
                try:
                    record = _record(offer_code, product, sku, dim.get("unit"),
                                     usd.get("USD") if isinstance(usd, dict) else None, dim.get("beginRange"),
                                     dim.get("endRange"), dim.get("description"), source_id, stats)
                except _NonFinitePrice as exc:
                    raise InputError(f"malformed offer JSON: {exc}", where=js.location()) from None
                if record is not None:
                    yield record

        if js.peek() != "{":
            js.fail("an offer file is a JSON object")
        for key in js.members():
            if key == "products":
                for sku in js.members():
                    products[sku] = _json_product(js, sku, keep, region)
                products_seen = True
                for sku, dims in early_terms:
                    yield from priced(sku, dims)
                early_terms.clear()
            elif key == "terms":
                for term_type in js.members():
                    for sku in js.members():
                        dims = _json_dimensions(js, sku)
                        if term_type != "OnDemand":
                            stats.other_terms += len(dims)
                        elif products_seen:
                            yield from priced(sku, dims)
                        else:
                            early_terms.append((sku, dims))
            else:
                value = js.value()
                if key in _JSON_META_KEYS and isinstance(value, str):
                    setattr(stats.meta, _JSON_META_KEYS[key], value)
                    if key == "offerCode":
                        _check_offer_code(stats.meta, offer_code, label)
        js.end()
        for sku, dims in early_terms:  # a file with terms but no products section
            yield from priced(sku, dims)


# -- header only ----------------------------------------------------------------------------------
def read_offer_header(source: str | Path, fmt: str, *, where: str | None = None) -> OfferMeta:
    """The offer's metadata (version, publication date) without parsing its prices.

    Sync needs the version to name the source before the first price row is written.
    """
    with _open_text(source, where) as (fh, label):
        if fmt == "csv":
            reader = csv.reader(fh, strict=True)
            try:
                return _read_csv_meta(reader, label)[0]
            except csv.Error as exc:
                raise InputError(f"malformed offer CSV: {exc}", where=f"{label}:{reader.line_num}") from exc
        meta = OfferMeta()
        js = _JsonStream(fh, label)
        if js.peek() != "{":
            js.fail("an offer file is a JSON object")
        for key in js.members():
            if key in ("products", "terms"):
                break
            value = js.value()
            if key in _JSON_META_KEYS and isinstance(value, str):
                setattr(meta, _JSON_META_KEYS[key], value)
        return meta
