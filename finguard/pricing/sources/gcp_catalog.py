"""Google Cloud Billing Catalog API SKU pages -> catalog `PriceRecord`s, and `sync_gcp` to refresh them.

The Catalog API serves each service's SKUs in pages (`GET /v1/services/{serviceId}/skus`):

    {"skus": [{"name", "skuId", "description",
               "category": {"serviceDisplayName", "resourceFamily", "resourceGroup", "usageType"},
               "serviceRegions": ["us-central1", ...],
               "pricingInfo": [{"effectiveTime", "pricingExpression": {
                   "usageUnit", "usageUnitDescription", "baseUnit", "baseUnitConversionFactor",
                   "displayQuantity", "tieredRates": [{"startUsageAmount",
                                                       "unitPrice": {"currencyCode", "units", "nanos"}}]}}],
               "serviceProviderName"}],
     "nextPageToken": "..."}

Each SKU becomes one record per service region and price tier, in the catalog conventions of
`pricing_data/gcp/README.md`:

- `service` is the category's `serviceDisplayName` ("Compute Engine");
- `region` is the service region as the API names it (`us-central1`; multi-regions such as `global`,
  `us`, `europe` are kept as they are, never spread over regions);
- `attributes` are `description`, `resourceFamily`, `resourceGroup`, `usageType` and the pricing
  expression's `usageUnit`, plus `descriptionStem`: the description without its location phrase
  ("N1 Predefined Instance Core running in Americas" -> "N1 Predefined Instance Core"), so a cost
  model names a SKU the same way in every region (the location part differs per region and SKU);
- `unit` is the `usageUnit`; `usd` is `units + nanos / 10^9` exactly, per usage unit;
- tiers: `begin_range` is the tier's `startUsageAmount` (usage units), `end_range` the next tier's.

Only `OnDemand` SKUs are kept by default: commitments (`Commit1Yr`, `Commit3Yr`) and `Preemptible`
prices are skipped and counted, since no finguard model prices them.
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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from finguard import __version__
from finguard.errors import InputError
from finguard.pricing.catalog import CatalogWriter, ensure_compiled, open_for_write
from finguard.pricing.snapshot import PriceRecord, SourceRecord

DEFAULT_SOURCE = "https://cloudbilling.googleapis.com"
API_KEY_ENV = "FINGUARD_GCP_API_KEY"
PAGE_SIZE = 5000  # the API's maximum
MAX_PAGES = 2000  # per service: Compute Engine, the largest, has a few thousand SKUs (a handful of pages)

# Catalog API service ids of the services finguard's Google cost models price (GET /v1/services).
SERVICE_IDS: dict[str, str] = {
    "Compute Engine": "6F81-5844-456A",
    "Cloud SQL": "9662-B51E-5089",
    "Kubernetes Engine": "CCD8-9BF1-090E",
    "Cloud Storage": "95FF-2EF5-5EA1",
    "Cloud Memorystore for Redis": "5AF5-2C11-D467",
    "Cloud Run Functions": "29E7-DA93-CA13",
}
DEFAULT_SERVICE_IDS: tuple[str, ...] = tuple(SERVICE_IDS.values())

# -- why a SKU (or one of its prices) is not in the catalog ------------------------------------------
SKIP_NO_PRICING = "no pricing info"
SKIP_NO_REGION = "no service region"
SKIP_BAD_PRICE = "bad price"  # non-USD, unparsable or negative unit price
SKIP_BAD_TIER = "bad tier"  # unparsable startUsageAmount
SKIP_OTHER_REGION = "other region"  # a region the sync was not asked for

_STEM_RUNNING = re.compile(r"^(?P<stem>.+?) running globally$")
_STEM_IN = re.compile(r"^(?P<stem>.+) in \S.*$")  # greedy: cuts at the last " in "
_STEM_REDIS = re.compile(r"^(?P<stem>Redis Capacity (?:Basic|Standard) M[1-5])(?: .+)?$")


def description_stem(description: str) -> str:
    """The SKU description without the location phrase that differs from region to region.

    "N1 Predefined Instance Core running in Americas" -> "N1 Predefined Instance Core",
    "Storage PD Capacity in Virginia" -> "Storage PD Capacity", "Static Ip Charge" -> itself,
    "Preemptible Custom Instance Core running globally" -> "Preemptible Custom Instance Core",
    "Redis Capacity Basic M1 Iowa" -> "Redis Capacity Basic M1" (Memorystore names the city bare).
    """
    text = " ".join(description.split())
    if m := _STEM_REDIS.match(text):
        return m["stem"]
    if m := _STEM_RUNNING.match(text):
        return m["stem"]
    if m := _STEM_IN.match(text):
        text = m["stem"]
        return text.removesuffix(" running")
    return text


# -- parsing -------------------------------------------------------------------------------------
@dataclass(slots=True)
class CatalogStats:
    """What a parse did with each SKU of the pages it read."""

    skus: int = 0
    kept: int = 0  # price records written (one per region and tier)
    kept_skus: int = 0
    other_usage_types: Counter[str] = field(default_factory=Counter)  # Commit1Yr, Preemptible, ...
    skipped: Counter[str] = field(default_factory=Counter)
    latest_effective: str | None = None  # newest pricingInfo.effectiveTime among kept SKUs

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())


def _usd(price: Any) -> Decimal | None:
    """units + nanos / 10^9 of a google.type.Money, exactly; None for non-USD or malformed."""
    if not isinstance(price, dict) or price.get("currencyCode", "USD") != "USD":
        return None
    units, nanos = price.get("units", "0"), price.get("nanos", 0)
    try:
        if isinstance(units, bool) or isinstance(nanos, bool):
            return None
        whole = int(units) if isinstance(units, int) or (isinstance(units, str) and units.strip()) else 0
        frac = int(nanos) if isinstance(nanos, int) else int(str(nanos)) if nanos is not None else 0
    except (TypeError, ValueError):
        return None
    if abs(frac) >= 1_000_000_000:
        return None
    usd = Decimal(whole) + Decimal(frac).scaleb(-9)
    return usd if usd >= 0 else None


def _non_finite_money(price: Any) -> bool:
    """A unitPrice whose units or nanos is NaN or an infinity (JSON NaN, Infinity, 1e999, or such text)."""
    if not isinstance(price, dict):
        return False
    for value in (price.get("units"), price.get("nanos")):
        if isinstance(value, float) and not math.isfinite(value):
            return True
        if isinstance(value, str) and value.strip().lower().lstrip("+-") in ("nan", "inf", "infinity"):
            return True
    return False


def _start(value: Any) -> float | None:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return None
    try:
        start = float(value)
    except (TypeError, ValueError):
        return None
    return start if start >= 0 and start != float("inf") else None


def _current_pricing(infos: list[Any]) -> dict[str, Any] | None:
    """The pricing info in effect: the one with the latest effectiveTime (the API lists the current one)."""
    candidates = [i for i in infos if isinstance(i, dict) and isinstance(i.get("pricingExpression"), dict)]
    if not candidates:
        return None
    return max(candidates, key=lambda i: str(i.get("effectiveTime") or ""))


def iter_sku_page(
    doc: Any,
    *,
    source_id: str,
    where: str,
    stats: CatalogStats | None = None,
    usage_types: Sequence[str] = ("OnDemand",),
    regions: Sequence[str] | None = None,
) -> Iterator[PriceRecord]:
    """The catalog records of one parsed page of `GET /v1/services/{id}/skus`.

    Raises InputError (naming `where` and the SKU's index) for a page or SKU that is not in the
    Catalog API's layout; prices that cannot be used (non-USD, negative, unparsable) are skipped and
    counted in `stats`.
    """
    stats = stats if stats is not None else CatalogStats()
    if not isinstance(doc, dict) or not isinstance(doc.get("skus", []), list):
        raise InputError("not a Cloud Billing Catalog SKU page: no 'skus' list", where=where)
    wanted_regions = set(regions) if regions is not None else None
    for index, sku in enumerate(doc.get("skus") or []):
        at = f"{where} skus[{index}]"
        if not isinstance(sku, dict):
            raise InputError("SKU is not an object", where=at)
        category = sku.get("category")
        description = sku.get("description")
        if not isinstance(category, dict) or not isinstance(description, str):
            raise InputError("SKU lacks a category object or a description", where=at)
        stats.skus += 1
        usage_type = str(category.get("usageType") or "")
        if usage_type not in usage_types:
            stats.other_usage_types[usage_type or "(none)"] += 1
            continue
        infos = sku.get("pricingInfo")
        if not isinstance(infos, list):
            raise InputError("SKU lacks a pricingInfo list", where=at)
        info = _current_pricing(infos)
        if info is None:
            stats.skipped[SKIP_NO_PRICING] += 1
            continue
        expression = info["pricingExpression"]
        rates = expression.get("tieredRates")
        unit = expression.get("usageUnit")
        if not isinstance(rates, list) or not rates or not isinstance(unit, str) or not unit:
            stats.skipped[SKIP_NO_PRICING] += 1
            continue
        tiers: list[tuple[float, Decimal]] = []
        problem = None
        for rate in rates:
            if isinstance(rate, dict) and _non_finite_money(rate.get("unitPrice")):
                raise InputError("SKU has a non-finite unit price", where=at)
            start = _start(rate.get("startUsageAmount") if isinstance(rate, dict) else None)
            usd = _usd(rate.get("unitPrice") if isinstance(rate, dict) else None)
            if start is None:
                problem = SKIP_BAD_TIER
            elif usd is None:
                problem = SKIP_BAD_PRICE
            else:
                tiers.append((start, usd))
        if problem is not None:
            stats.skipped[problem] += 1
            continue
        tiers.sort(key=lambda t: t[0])
        service_regions = sku.get("serviceRegions")
        if not isinstance(service_regions, list) or not service_regions:
            stats.skipped[SKIP_NO_REGION] += 1
            continue
        attributes = {
            "description": description,
            "descriptionStem": description_stem(description),
            "resourceFamily": str(category.get("resourceFamily") or ""),
            "resourceGroup": str(category.get("resourceGroup") or ""),
            "usageType": usage_type,
            "usageUnit": unit,
        }
        attributes = {k: v for k, v in attributes.items() if v}
        service = str(category.get("serviceDisplayName") or "")
        if not service:
            raise InputError("SKU category lacks serviceDisplayName", where=at)
        kept_any = False
        for region in dict.fromkeys(str(r) for r in service_regions):
            if wanted_regions is not None and region not in wanted_regions:
                stats.skipped[SKIP_OTHER_REGION] += 1
                continue
            kept_any = True
            for i, (start, usd) in enumerate(tiers):
                end = tiers[i + 1][0] if i + 1 < len(tiers) else None
                stats.kept += 1
                yield PriceRecord(
                    service=service, region=region, sku=str(sku.get("skuId") or "") or None,
                    attributes=dict(attributes), unit=unit, usd=usd, begin_range=start, end_range=end,
                    description=description, source=source_id,
                )
        if kept_any:
            stats.kept_skus += 1
            effective = str(info.get("effectiveTime") or "") or None
            if effective and (stats.latest_effective is None or effective > stats.latest_effective):
                stats.latest_effective = effective


def load_page(data: bytes, where: str) -> Any:
    """A page's JSON, with InputError naming the line and column of malformed JSON."""
    try:
        return json.loads(data)
    except UnicodeDecodeError as exc:
        raise InputError(f"SKU page is not UTF-8 JSON: {exc.reason}", where=where) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON: {exc.msg}", where=f"{where}:{exc.lineno}:{exc.colno}") from None


# -- fetching ------------------------------------------------------------------------------------
_TOKEN = re.compile(r"^[A-Za-z0-9_\-=.]+$")
_SERVICE_ID = re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$")


class _Pages:
    """Reads SKU pages from an http(s) base URL (the API or a mirror) or a directory mirror.

    Directory layout: `v1/services/<id>/skus.json` is the first page; the page a `nextPageToken`
    names is `v1/services/<id>/skus.<token>.json`. Over HTTP the token goes in `pageToken` and the
    API key (if any) in `key`; the key never appears in locations, errors or the catalog.
    """

    def __init__(self, source: str, api_key: str | None, timeout: float) -> None:
        self.timeout = timeout
        self.api_key = api_key
        parts = urllib.parse.urlsplit(source)
        if parts.scheme in ("http", "https"):
            self.base: str | None = source.rstrip("/")
            self.root: Path | None = None
        else:
            root = Path(urllib.request.url2pathname(parts.path)) if parts.scheme == "file" else Path(source)
            if not root.is_dir():
                raise InputError("Cloud Billing Catalog source is neither an http(s) URL nor a directory",
                                 where=source)
            self.base, self.root = None, root.resolve()

    def location(self, service_id: str, token: str | None) -> str:
        """Where a page lives, as shown to people (no API key)."""
        if self.root is not None:
            name = "skus.json" if token is None else f"skus.{token}.json"
            return str(self.root / "v1" / "services" / service_id / name)
        query = {"currencyCode": "USD", "pageSize": str(PAGE_SIZE)}
        if token is not None:
            query["pageToken"] = token
        return f"{self.base}/v1/services/{service_id}/skus?{urllib.parse.urlencode(query)}"

    def record_url(self, service_id: str) -> str:
        if self.root is not None:
            return (self.root / "v1" / "services" / service_id).as_uri()
        return f"{self.base}/v1/services/{service_id}/skus"

    def fetch(self, service_id: str, token: str | None) -> tuple[str, bytes]:
        if token is not None and not _TOKEN.match(token):
            raise InputError(f"unexpected nextPageToken {token[:40]!r}", where=self.location(service_id, None))
        shown = self.location(service_id, token)
        if self.root is not None:
            try:
                return shown, Path(shown).read_bytes()
            except OSError as exc:
                raise InputError(f"cannot read SKU page: {exc.strerror or exc}", where=shown) from None
        url = shown if not self.api_key else f"{shown}&{urllib.parse.urlencode({'key': self.api_key})}"
        request = urllib.request.Request(url, headers={"User-Agent": f"finguard/{__version__}",
                                                       "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return shown, response.read()
        except urllib.error.HTTPError as exc:
            hint = f" (is ${API_KEY_ENV} set to a Cloud Billing API key?)" if exc.code in (401, 403) else ""
            raise InputError(f"download failed: HTTP {exc.code} {exc.reason}{hint}", where=shown) from None
        except urllib.error.URLError as exc:
            raise InputError(f"cannot reach the Cloud Billing Catalog: {exc.reason}", where=shown) from None
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise InputError(f"download failed: {type(exc).__name__}", where=shown) from None


# -- sync ----------------------------------------------------------------------------------------
class GcpServiceReport(BaseModel):
    """One synced Catalog API service."""

    service_id: str
    services: list[str] = Field(description="serviceDisplayName(s) the SKUs carry")
    url: str
    source_id: str
    published: str | None = None
    sha256: str
    pages: int
    skus: int
    kept: int = Field(description="price records written (one per region and tier)")
    regions: int = Field(description="(service, region) slices replaced")
    other_usage_types: dict[str, int] = Field(default_factory=dict)
    skipped: dict[str, int] = Field(default_factory=dict)

    def summary(self) -> str:
        """One line: what the service's pages gave (shared by every sync report that lists GCP services)."""
        others = ", ".join(f"{k}: {v}" for k, v in sorted(self.other_usage_types.items()))
        skipped = ", ".join(f"{k}: {v}" for k, v in sorted(self.skipped.items()))
        return (f"{self.service_id} ({', '.join(self.services) or 'no SKUs'}): {self.kept} prices in {self.regions} "
                f"region slice(s) from {self.skus} SKUs on {self.pages} page(s)"
                + (f"; not on demand: {others}" if others else "")
                + (f"; skipped: {skipped}" if skipped else ""))


class GcpSyncReport(BaseModel):
    source: str
    catalog: str
    started: str
    services: list[GcpServiceReport] = Field(default_factory=list)

    def render(self) -> str:
        lines = [f"pricing sync from the Cloud Billing Catalog at {self.source} into {self.catalog}"]
        lines += [f"  {s.summary()}" for s in self.services]
        if not self.services:
            lines.append("  nothing to do")
        return "\n".join(lines)


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def sync_gcp(
    catalog_path: Path,
    *,
    source: str | None = None,
    service_ids: Sequence[str] = DEFAULT_SERVICE_IDS,
    api_key_env: str = API_KEY_ENV,
    regions: Sequence[str] | None = None,
    timeout: float = 60.0,
    progress: Callable[[str], None] | None = None,
) -> GcpSyncReport:
    """Refresh the catalog from the Cloud Billing Catalog API, one transaction per service.

    Every page of a service (following `nextPageToken`) is read and parsed before the catalog is
    touched; then each (service, region) slice the pages price is replaced in one transaction, so a
    failure half-way leaves that service as it was. `regions` limits the slices written (all regions
    the SKUs list by default). The API key is read from `$<api_key_env>` and sent only in the `key`
    query parameter.
    """
    say = progress or (lambda message: None)
    base = source or DEFAULT_SOURCE
    api_key = os.environ.get(api_key_env) or None
    pages = _Pages(base, api_key, timeout)
    report = GcpSyncReport(source=base, catalog=str(catalog_path), started=_now())
    ensure_compiled(catalog_path)
    for service_id in service_ids:
        if not _SERVICE_ID.match(service_id):
            raise InputError(f"not a Cloud Billing service id: {service_id!r} (e.g. 6F81-5844-456A)")
        report.services.append(_sync_service(catalog_path, pages, service_id, regions, report.started, say))
    return report


def _sync_service(catalog_path: Path, pages: _Pages, service_id: str, regions: Sequence[str] | None,
                  started: str, say: Callable[[str], None]) -> GcpServiceReport:
    digest = hashlib.sha256()
    stats = CatalogStats()
    records: list[PriceRecord] = []
    pending_id = f"gcp-{service_id}-pending"
    token: str | None = None
    seen_tokens: set[str] = set()
    count = 0
    while True:
        if count >= MAX_PAGES:
            raise InputError(f"more than {MAX_PAGES} pages of SKUs; not a Catalog API listing?",
                             where=pages.record_url(service_id))
        say(f"reading {pages.location(service_id, token)}")
        where, data = pages.fetch(service_id, token)
        count += 1
        digest.update(data)
        doc = load_page(data, where)
        records.extend(iter_sku_page(doc, source_id=pending_id, where=where, stats=stats, regions=regions))
        next_token = doc.get("nextPageToken") if isinstance(doc, dict) else None
        if not next_token:
            break
        if not isinstance(next_token, str) or next_token in seen_tokens:
            raise InputError("nextPageToken repeats an earlier page (the listing would never end)", where=where)
        seen_tokens.add(next_token)
        token = next_token
    sha256 = digest.hexdigest()
    source_id = f"gcp-{service_id}-{sha256[:12]}"
    slices: dict[tuple[str, str], list[PriceRecord]] = {}
    for record in records:
        record.source = source_id
        slices.setdefault((record.service, record.region), []).append(record)
    published = stats.latest_effective[:10] if stats.latest_effective else None
    db = open_for_write(catalog_path)
    try:
        with db:  # one transaction for the whole service
            writer = CatalogWriter(db)
            for (service, region), rows in sorted(slices.items()):
                writer.replace_slice(service, region, rows)
            prefix = f"gcp-{service_id}-"
            writer.remove_sync_sources(prefix, source_id, only_unused=True)
            writer.add_source(SourceRecord(
                id=source_id, kind="sync", url=pages.record_url(service_id), published=published,
                retrieved=_now(), sha256=sha256,
                description=(f"Cloud Billing Catalog API, service {service_id}: OnDemand SKU prices, "
                             f"{count} page(s) (sha256 over the pages in order)"),
            ))
            writer.set_meta("sync_last_run", started)
    finally:
        db.close()
    services = sorted({s for s, _ in slices})
    say(f"{service_id}: {stats.kept} prices in {len(slices)} slices, {stats.skipped_total} skipped")
    return GcpServiceReport(
        service_id=service_id, services=services, url=pages.record_url(service_id), source_id=source_id,
        published=published, sha256=sha256, pages=count, skus=stats.skus, kept=stats.kept,
        regions=len(slices), other_usage_types=dict(stats.other_usage_types), skipped=dict(stats.skipped),
    )
