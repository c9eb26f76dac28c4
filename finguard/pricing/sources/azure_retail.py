"""Azure Retail Prices API pages -> catalog `PriceRecord`s, and `sync_azure` to refresh catalog slices.

The Retail Prices API (https://prices.azure.com/api/retail/prices) serves JSON pages of at most 100
items plus a `NextPageLink` to the next page (null on the last one). Each item is one meter price:

    {"currencyCode": "USD", "tierMinimumUnits": 0.0, "retailPrice": 0.096, "unitPrice": 0.096,
     "armRegionName": "eastus", "location": "US East", "effectiveStartDate": "...", "meterId": "...",
     "meterName": "D2s v3", "productId": "...", "skuId": "...", "productName": "Virtual Machines DSv3 Series",
     "skuName": "D2s v3", "serviceName": "Virtual Machines", "serviceId": "...", "serviceFamily": "Compute",
     "unitOfMeasure": "1 Hour", "type": "Consumption", "isPrimaryMeterRegion": true,
     "armSkuName": "Standard_D2s_v3"}

Catalog conventions (the bundled snapshot's Azure rows use the same attributes, so that a synced catalog
and the snapshot answer the same look-ups):

- `service` is `serviceName` ("Virtual Machines", "Storage", "Load Balancer" ...).
- `region` is `armRegionName`; meters Azure publishes for every region at once (armRegionName
  "Global", or empty with location "Global" -- NAT Gateway, Load Balancer, SQL licences) are stored
  under the region "Global", which is where the cost models look them up. A price is never copied
  to a region the API did not list it for.
- `attributes` are the item's productName, skuName, armSkuName, meterName, unitOfMeasure and type
  (empty values dropped), plus one attribute finguard derives: `operatingSystem` ("Windows" when
  a Virtual Machines productName ends in " Windows", else "Linux"), because the price list tells the
  two apart only inside productName.
- `unit` is `unitOfMeasure` ("1 Hour", "1 GB/Month", "10K", "1/Month", "1/Day" ...) kept as is:
  models convert their quantities to it. `usd` is `retailPrice` (USD items only).
- tiers: items of one meter with different `tierMinimumUnits` become [begin, end) ranges, each
  ending where the next one begins.
- only `type` "Consumption" is kept; "Reservation" and "DevTestConsumption" items are counted as
  other price types. Spot and Low Priority virtual machine meters, retired ("... Expired") and free
  offer ("... Free") meters are not used by any model and are left out.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import math
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from finguard import __version__
from finguard.errors import InputError
from finguard.pricing.catalog import CatalogWriter, ensure_compiled, open_for_write
from finguard.pricing.snapshot import PriceRecord, SourceRecord

AZURE_RETAIL_URL = "https://prices.azure.com/api/retail/prices"
AZURE_SOURCE_ENV = "FINGUARD_AZURE_PRICING_SOURCE"
GLOBAL_REGION = "Global"
MAX_PAGES = 20_000

KEPT_ATTRIBUTES = ("productName", "skuName", "armSkuName", "meterName", "unitOfMeasure", "type")
"""Item fields copied into a row's attributes (the ones cost models filter on, plus context)."""

CONSUMPTION = "Consumption"

DEFAULT_AZURE_SERVICES: tuple[str, ...] = (
    "Virtual Machines",
    "Storage",
    "Azure Kubernetes Service",
    "Azure Database for PostgreSQL",
    "SQL Database",
    "Virtual Network",
    "Load Balancer",
    "NAT Gateway",
    "Azure App Service",
)
"""serviceName of every price list finguard's Azure cost models read."""

# -- why an item is not in the catalog ------------------------------------------------------------
SKIP_NOT_USD = "not USD"
SKIP_BAD_PRICE = "bad price"  # missing, unparsable or negative retailPrice
SKIP_BAD_TIER = "bad tierMinimumUnits"
SKIP_INCOMPLETE = "no serviceName or unitOfMeasure"
SKIP_OTHER_REGION = "other region"  # an item for another region than the slice being synced
SKIP_OTHER_SERVICE = "other service"
_FILTERED = "filtered"

_NOT_PRICED_SUFFIXES = (" Spot", " Low Priority")
_RETIRED_SUFFIXES = (" Expired", " Free", " - Free")


def normalize_region(arm_region: str | None, location: str | None = None) -> str:
    """The catalog region of an item: its armRegionName, or "Global" for meters priced for all regions."""
    region = (arm_region or "").strip()
    if region and region.lower() != "global":
        return region
    if region or (location or "").strip().lower() in ("", "global"):
        return GLOBAL_REGION
    return ""


def operating_system(product_name: str) -> str:
    """"Windows" for a Virtual Machines product sold with a Windows licence, else "Linux"."""
    return "Windows" if product_name.endswith(" Windows") else "Linux"


def catalog_attributes(service: str, item: Mapping[str, Any]) -> dict[str, str]:
    """The attributes a catalog row carries for one price-list item (see the module docstring)."""
    attrs: dict[str, str] = {}
    for key in KEPT_ATTRIBUTES:
        value = item.get(key)
        if value is not None and str(value) != "":
            attrs[key] = str(value)
    if service == "Virtual Machines":
        attrs["operatingSystem"] = operating_system(attrs.get("productName", ""))
    return attrs


def used_by_models(service: str, attrs: Mapping[str, str]) -> bool:
    """False for meters no finguard model prices (interruptible VMs, retired and free-offer meters)."""
    meter = attrs.get("meterName", "")
    if meter.endswith(_RETIRED_SUFFIXES):
        return False
    if service == "Virtual Machines":
        sku = attrs.get("skuName", "")
        return not (sku.endswith(_NOT_PRICED_SUFFIXES) or meter.endswith(_NOT_PRICED_SUFFIXES))
    return True


@dataclass(slots=True)
class RetailStats:
    """What parsing did with each item."""

    kept: int = 0
    filtered: int = 0  # usable Consumption items no model uses
    other_types: int = 0  # Reservation, DevTestConsumption (and any non-Consumption type)
    skipped: Counter[str] = field(default_factory=Counter)
    pages: int = 0

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())


def _non_finite(value: Any) -> bool:
    """NaN or an infinity, as a JSON number (Python reads NaN, Infinity and 1e999) or as text."""
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, str):
        try:
            return not Decimal(value.strip()).is_finite()
        except InvalidOperation:
            return False
    return False


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() and number >= 0 else None


@dataclass(frozen=True, slots=True)
class _Item:
    service: str
    region: str
    meter: str
    attrs: tuple[tuple[str, str], ...]
    unit: str
    usd: Decimal
    begin: Decimal
    description: str


def page_items(doc: Any, where: str) -> tuple[list[Any], str | None]:
    """The `Items` and `NextPageLink` of one page, or InputError naming the page."""
    if not isinstance(doc, dict) or not isinstance(doc.get("Items"), list):
        raise InputError("not an Azure Retail Prices page (no 'Items' list)", where=where)
    link = doc.get("NextPageLink")
    if link is not None and not isinstance(link, str):
        raise InputError("NextPageLink is neither a URL nor null", where=where)
    currency = doc.get("BillingCurrency")
    if currency not in (None, "USD"):
        raise InputError(f"prices are in {currency}, finguard reads USD pages", where=where)
    return doc["Items"], (link or None)


def _classify(item: Any, index: int, where: str, stats: RetailStats, *, service: str | None,
              region: str | None, keep_all: bool) -> _Item | None:
    if not isinstance(item, dict):
        raise InputError(f"Items[{index}] is not an object", where=where)
    item_type = item.get("type")
    if item_type != CONSUMPTION:
        stats.other_types += 1
        return None
    item_service = item.get("serviceName")
    unit = item.get("unitOfMeasure")
    if not isinstance(item_service, str) or not item_service or not isinstance(unit, str) or not unit:
        stats.skipped[SKIP_INCOMPLETE] += 1
        return None
    if service is not None and item_service != service:
        stats.skipped[SKIP_OTHER_SERVICE] += 1
        return None
    item_region = normalize_region(item.get("armRegionName"), item.get("location"))
    if not item_region or (region is not None and item_region != region):
        stats.skipped[SKIP_OTHER_REGION] += 1
        return None
    if item.get("currencyCode", "USD") != "USD":
        stats.skipped[SKIP_NOT_USD] += 1
        return None
    if _non_finite(item.get("retailPrice")):  # a corrupt page, not a price to skip: fail the slice
        raise InputError(f"Items[{index}] has a non-finite retailPrice {item.get('retailPrice')!r}", where=where)
    usd = _decimal(item.get("retailPrice"))
    if usd is None:
        stats.skipped[SKIP_BAD_PRICE] += 1
        return None
    begin = _decimal(item.get("tierMinimumUnits", 0))
    if begin is None:
        stats.skipped[SKIP_BAD_TIER] += 1
        return None
    attrs = catalog_attributes(item_service, item)
    if not keep_all and not used_by_models(item_service, attrs):
        stats.filtered += 1
        return None
    meter = str(item.get("meterId") or "") or "|".join(f"{k}={v}" for k, v in sorted(attrs.items()))
    description = " ".join(attrs[k] for k in ("productName", "skuName", "meterName") if k in attrs)
    if item_region == GLOBAL_REGION:
        description += " (published for all regions)"
    return _Item(item_service, item_region, meter, tuple(sorted(attrs.items())), unit, usd, begin, description)


def records_from_items(items: Iterable[_Item], source_id: str) -> list[PriceRecord]:
    """Rows for classified items; tiers of one meter become [begin, next begin) ranges."""
    by_meter: dict[tuple[str, str, str, tuple[tuple[str, str], ...], str], list[_Item]] = {}
    for item in items:
        by_meter.setdefault((item.service, item.region, item.meter, item.attrs, item.unit), []).append(item)
    records: list[PriceRecord] = []
    for (service, region, meter, attrs, unit), group in by_meter.items():
        tiers: dict[Decimal, dict[Decimal, _Item]] = {}
        for item in group:  # one row per distinct price; two prices for one tier stay, and look-ups call them ambiguous
            tiers.setdefault(item.begin, {}).setdefault(item.usd, item)
        starts = sorted(tiers)
        for i, begin in enumerate(starts):
            end = float(starts[i + 1]) if i + 1 < len(starts) else None
            for usd, item in sorted(tiers[begin].items()):
                records.append(PriceRecord(
                    service=service, region=region, sku=meter, attributes=dict(attrs), unit=unit, usd=usd,
                    begin_range=float(begin), end_range=end, description=item.description, source=source_id,
                ))
    return records


def iter_retail_pages(pages: Iterable[tuple[str, Any]], *, source_id: str, service: str | None = None,
                      region: str | None = None, stats: RetailStats | None = None,
                      keep_all: bool = False) -> Iterator[PriceRecord]:
    """Catalog rows from parsed pages ((where, document) pairs, in NextPageLink order).

    `service` / `region` keep only items of that serviceName / catalog region (others are counted
    as skipped); `keep_all` also keeps meters no model uses. Tiers can span pages, so rows are
    yielded once every page has been read.
    """
    stats = stats if stats is not None else RetailStats()
    items: list[_Item] = []
    for where, doc in pages:
        stats.pages += 1
        page, _ = page_items(doc, where)
        for index, raw in enumerate(page):
            item = _classify(raw, index, where, stats, service=service, region=region, keep_all=keep_all)
            if item is not None:
                items.append(item)
    records = records_from_items(items, source_id)
    stats.kept += len(records)
    yield from records


def parse_page_bytes(data: bytes, where: str) -> Any:
    """One page's JSON, or InputError with the line and column of the first syntax error."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"Retail Prices page is not UTF-8: {exc.reason}", where=where) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON: {exc.msg}", where=f"{where}:{exc.lineno}:{exc.colno}") from exc


# --------------------------------------------------------------------------------------------------
# sync
# --------------------------------------------------------------------------------------------------
def resolve_azure_source(source: str | None) -> str:
    """The explicit source, else $FINGUARD_AZURE_PRICING_SOURCE, else the public Retail Prices API."""
    return source or os.environ.get(AZURE_SOURCE_ENV) or AZURE_RETAIL_URL


def slice_filter(service: str, region: str) -> str:
    """The OData `$filter` selecting one (service, region) slice of Consumption prices."""
    quoted = service.replace("'", "''")
    if region == GLOBAL_REGION:
        where = "(armRegionName eq 'Global' or armRegionName eq '')"
    else:
        where = f"armRegionName eq '{region.replace(chr(39), chr(39) * 2)}'"
    return f"serviceName eq '{quoted}' and {where} and priceType eq 'Consumption'"


_SAFE_NAME = re.compile(r"[^A-Za-z0-9 ._-]")


class _RetailMirror:
    """Pages of the Retail Prices API from an http(s) endpoint or a local directory.

    A directory mirror holds one slice's first page at `<dir>/<serviceName>/<region>.json`; a page
    whose NextPageLink carries `$skip=N` continues at `<region>.skip-N.json` beside it (the layout
    `curl` + a loop over NextPageLink produces), and a relative NextPageLink names a file beside
    the current page.
    """

    def __init__(self, source: str, timeout: float) -> None:
        self.timeout = timeout
        parts = urllib.parse.urlsplit(source)
        if parts.scheme in ("http", "https"):
            self.base: str | None = urllib.parse.urlunsplit(parts._replace(query="", fragment=""))
            self.root: Path | None = None
        else:
            root = Path(urllib.request.url2pathname(parts.path)) if parts.scheme == "file" else Path(source)
            if not root.is_dir():
                raise InputError("Azure price source is neither an http(s) URL nor a directory", where=source)
            self.base, self.root = None, root.resolve()

    def first_page(self, service: str, region: str) -> str:
        if self.root is not None:
            return str(self.root / _SAFE_NAME.sub("_", service) / f"{_SAFE_NAME.sub('_', region)}.json")
        query = urllib.parse.urlencode({"$filter": slice_filter(service, region)}, quote_via=urllib.parse.quote)
        return f"{self.base}?{query}"

    def next_page(self, current: str, link: str) -> str:
        """Where the page a NextPageLink names lives in this mirror."""
        parts = urllib.parse.urlsplit(link)
        if self.root is not None:
            skip = urllib.parse.parse_qs(parts.query).get("$skip")
            here = Path(current)
            if skip and skip[0].isdigit():
                stem = here.name.split(".", 1)[0]
                return str(here.parent / f"{stem}.skip-{int(skip[0])}.json")
            if not parts.scheme and not parts.netloc and parts.path:
                target = (here.parent / urllib.request.url2pathname(parts.path)).resolve()
                if not target.is_relative_to(self.root):
                    raise InputError("NextPageLink leaves the mirror directory", where=current)
                return str(target)
            raise InputError(f"NextPageLink {link!r} names no page of a directory mirror", where=current)
        assert self.base is not None
        if not parts.scheme and not parts.netloc:
            return urllib.parse.urljoin(current, link)
        base = urllib.parse.urlsplit(self.base)
        if (parts.scheme, parts.netloc) == (base.scheme, base.netloc):
            return link
        # A saved or proxied page names the public host: ask this mirror for the same page.
        return urllib.parse.urlunsplit(base._replace(query=parts.query))

    def record_url(self, location: str) -> str:
        return Path(location).as_uri() if self.root is not None else location

    def fetch(self, location: str) -> bytes:
        if self.root is not None:
            try:
                return Path(location).read_bytes()
            except OSError as exc:
                raise InputError(f"cannot read Retail Prices page: {exc.strerror or exc}", where=location) from exc
        request = urllib.request.Request(location, headers={"User-Agent": f"finguard/{__version__}",
                                                            "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            raise InputError(f"download failed: HTTP {exc.code} {exc.reason}", where=location) from exc
        except urllib.error.URLError as exc:
            raise InputError(f"cannot reach the Retail Prices API: {exc.reason}", where=location) from exc
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise InputError(f"download failed: {exc}", where=location) from exc


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _fetch_slice(mirror: _RetailMirror, service: str, region: str,
                 say: Callable[[str], None]) -> tuple[str, list[tuple[str, Any]], str]:
    """(first page location, every page parsed, sha256 of all page bytes in order)."""
    location = mirror.first_page(service, region)
    digest = hashlib.sha256()
    pages: list[tuple[str, Any]] = []
    seen: set[str] = set()
    first = location
    while True:
        if location in seen:
            raise InputError("NextPageLink leads back to a page already read", where=location)
        if len(pages) >= MAX_PAGES:
            raise InputError(f"more than {MAX_PAGES} pages; not a Retail Prices slice?", where=first)
        seen.add(location)
        say(f"reading {location}")
        data = mirror.fetch(location)
        digest.update(data)
        doc = parse_page_bytes(data, location)
        _, link = page_items(doc, location)
        pages.append((location, doc))
        if link is None:
            return first, pages, digest.hexdigest()
        location = mirror.next_page(location, link)


def sync_azure(
    catalog_path: Path,
    *,
    source: str | None = None,
    services: Sequence[str] = DEFAULT_AZURE_SERVICES,
    regions: Sequence[str] = ("eastus",),
    timeout: float = 60.0,
    progress: Callable[[str], None] | None = None,
) -> Any:
    """Refresh each (serviceName, region) slice from the Retail Prices API; one transaction per slice.

    `regions` are armRegionNames, or "Global" for meters Azure prices for all regions at once.
    Returns a `finguard.pricing.sync.SyncReport` (format "azure-retail"). Raises InputError naming
    the page (and line for malformed JSON) when a page cannot be read; slices committed before the
    failure stay, the failing one is left untouched. A slice for which the API lists no item at all
    is reported in `missing_regions` and leaves the catalog as it was.
    """
    from finguard.pricing.sync import MissingRegion, SliceReport, SyncReport

    say = progress or (lambda message: None)
    base = resolve_azure_source(source)
    report = SyncReport(source=base, catalog=str(catalog_path), format="azure-retail", started=_now())
    mirror = _RetailMirror(base, timeout)
    ensure_compiled(catalog_path)
    for service in services:
        for region in regions:
            if mirror.root is not None and not Path(mirror.first_page(service, region)).exists():
                report.missing_regions.append(MissingRegion(service=service, region=region,
                                                            region_index=str(mirror.root)))
                say(f"{service} {region}: no page in the mirror")
                continue
            first, pages, sha256 = _fetch_slice(mirror, service, region, say)
            if not any(page_items(doc, where)[0] for where, doc in pages):
                report.missing_regions.append(MissingRegion(service=service, region=region,
                                                            region_index=mirror.record_url(first)))
                say(f"{service} {region}: no prices listed")
                continue
            retrieved = _now()
            source_id = f"azure-retail-{_slug(service)}-{_slug(region)}-{sha256[:12]}"
            stats = RetailStats()
            records = list(iter_retail_pages(pages, source_id=source_id, service=service, region=region,
                                             stats=stats))
            db = open_for_write(catalog_path)
            try:
                with db:  # one transaction per slice
                    writer = CatalogWriter(db)
                    writer.replace_slice(service, region, records)
                    prefix = f"azure-retail-{_slug(service)}-{_slug(region)}-"
                    writer.remove_sync_sources(prefix, source_id)
                    writer.add_source(SourceRecord(
                        id=source_id, kind="sync", url=mirror.record_url(first), published=retrieved[:10],
                        retrieved=retrieved, sha256=sha256,
                        description=(f"Azure Retail Prices API, {service} {region}, Consumption prices as "
                                     f"served on {retrieved[:10]} ({stats.pages} pages)"),
                        license="Microsoft Azure Retail Prices API terms",
                    ))
                    writer.set_meta("sync_last_run", report.started)
            finally:
                db.close()
            say(f"{service} {region}: {stats.kept} prices, {stats.skipped_total} skipped, {stats.filtered} not used")
            report.slices.append(SliceReport(
                service=service, region=region, url=mirror.record_url(first), source_id=source_id,
                version=sha256[:12], published=retrieved[:10], sha256=sha256, kept=stats.kept,
                skipped=stats.skipped_total, skipped_reasons=dict(stats.skipped), filtered=stats.filtered,
                other_terms=stats.other_types,
            ))
    return report


__all__ = [
    "AZURE_RETAIL_URL",
    "AZURE_SOURCE_ENV",
    "DEFAULT_AZURE_SERVICES",
    "GLOBAL_REGION",
    "RetailStats",
    "catalog_attributes",
    "iter_retail_pages",
    "normalize_region",
    "operating_system",
    "page_items",
    "parse_page_bytes",
    "records_from_items",
    "resolve_azure_source",
    "slice_filter",
    "sync_azure",
    "used_by_models",
]
