"""`finguard pricing sync`: refresh (service, region) slices of the catalog from a public price list.

Why slices: the bundled snapshot covers every model offline; sync replaces exactly the slices a team
prices with the current official figures, each in one SQLite transaction, so a failed download or a
malformed file leaves the catalog as it was. Three price lists (`--provider`):

- aws (`run_sync`, this module): the public bulk API (https://pricing.us-east-1.amazonaws.com) or any
  mirror of its layout: an http(s) base URL or a local directory holding `offers/v1.0/aws/index.json`
  and what it points to. Offer index -> region index -> per-region offer file; global services
  (Route 53, CloudFront) are read from their whole-offer file into the region "global". The CSV
  layout is the default: it streams row by row, while the JSON layout must remember the products of
  a file until its `terms` section prices them.
- azure (`finguard.pricing.sources.azure_retail.sync_azure`): the Retail Prices API, one `$filter`
  (serviceName, armRegionName, Consumption) per slice, following NextPageLink.
- gcp (`finguard.pricing.sources.gcp_catalog.sync_gcp`): the Cloud Billing Catalog API
  (`services/{id}/skus`, key from $FINGUARD_GCP_API_KEY), SKUs mapped to regions by serviceRegions.

`run_provider_sync` dispatches on the provider and returns one `SyncReport` for all three.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any, Literal, cast

from pydantic import BaseModel, Field

from finguard import __version__
from finguard.errors import InputError, UsageError
from finguard.pricing.catalog import Catalog, CatalogWriter, ensure_compiled, open_for_write
from finguard.pricing.snapshot import SourceRecord
from finguard.pricing.sources.aws_offer import (
    AWS_GLOBAL_SERVICES,
    FINGUARD_KEEP,
    GLOBAL_REGION,
    OfferStats,
    iter_offer_csv,
    iter_offer_json,
    read_offer_header,
)
from finguard.pricing.sources.azure_retail import DEFAULT_AZURE_SERVICES, sync_azure
from finguard.pricing.sources.gcp_catalog import API_KEY_ENV as GCP_API_KEY_ENV
from finguard.pricing.sources.gcp_catalog import DEFAULT_SERVICE_IDS as GCP_DEFAULT_SERVICE_IDS
from finguard.pricing.sources.gcp_catalog import DEFAULT_SOURCE as GCP_DEFAULT_SOURCE
from finguard.pricing.sources.gcp_catalog import SERVICE_IDS as GCP_SERVICE_IDS
from finguard.pricing.sources.gcp_catalog import GcpServiceReport, sync_gcp

DEFAULT_SOURCE = "https://pricing.us-east-1.amazonaws.com"
SOURCE_ENV = "FINGUARD_PRICING_SOURCE"
OFFER_INDEX = "/offers/v1.0/aws/index.json"
DEFAULT_SERVICES: tuple[str, ...] = tuple(FINGUARD_KEEP)
DEFAULT_REGIONS: tuple[str, ...] = ("us-east-1",)
PROVIDERS = ("aws", "azure", "gcp")
_COPY_CHUNK = 1 << 20


class SliceReport(BaseModel):
    """One refreshed (service, region) slice."""

    service: str
    region: str
    url: str
    source_id: str
    version: str | None = None
    published: str | None = None
    sha256: str
    kept: int = Field(description="price rows written to the catalog")
    skipped: int = Field(description="unusable OnDemand rows (local zones, bad prices, unknown region ...)")
    skipped_reasons: dict[str, int] = Field(default_factory=dict)
    filtered: int = Field(0, description="OnDemand rows of products no finguard model prices")
    other_terms: int = Field(0, description="Reserved and other non-OnDemand rows")


class MissingRegion(BaseModel):
    """A requested region that the service's region index does not list."""

    service: str
    region: str
    region_index: str


class SyncReport(BaseModel):
    """What a sync did: refreshed slices, regions the price list lacks, services it could not find.

    One shape for the three providers: AWS and Azure fill `slices` (one per (service, region)); GCP,
    which replaces every region slice of a Catalog API service in one transaction, fills `services`.
    """

    provider: str = "aws"
    source: str
    catalog: str
    format: str
    started: str
    slices: list[SliceReport] = Field(default_factory=list)
    services: list[GcpServiceReport] = Field(
        default_factory=list, description="GCP: one entry per Cloud Billing Catalog service synced")
    missing_regions: list[MissingRegion] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def render(self) -> str:
        """Plain text for the terminal."""
        lines = [f"pricing sync from {self.source} ({self.format}) into {self.catalog}"]
        for s in self.slices:
            reasons = ", ".join(f"{k}: {v}" for k, v in sorted(s.skipped_reasons.items()))
            lines.append(
                f"  {s.service} {s.region}: {s.kept} prices, {s.skipped} skipped"
                + (f" ({reasons})" if reasons else "")
                + f", {s.filtered} not used by finguard; version {s.version}, published {s.published}"
            )
        lines += [f"  {g.summary()}; published {g.published}" for g in self.services]
        lines += [f"  {m.service} {m.region}: not in the price list ({m.region_index})" for m in self.missing_regions]
        lines += [f"  error: {e}" for e in self.errors]
        if not self.slices and not self.services and not self.missing_regions and not self.errors:
            lines.append("  nothing to do")
        return "\n".join(lines)


def resolve_source(source: str | None) -> str:
    """The explicit source, else $FINGUARD_PRICING_SOURCE, else the official AWS endpoint."""
    return source or os.environ.get(SOURCE_ENV) or DEFAULT_SOURCE


class _Mirror:
    """Reads files of the bulk-API layout from an http(s) base URL or a local directory."""

    def __init__(self, source: str, timeout: float) -> None:
        self.timeout = timeout
        parts = urllib.parse.urlsplit(source)
        if parts.scheme in ("http", "https"):
            self.base: str | None = source.rstrip("/")
            self.root: Path | None = None
        else:
            root = Path(urllib.request.url2pathname(parts.path)) if parts.scheme == "file" else Path(source)
            if not root.is_dir():
                raise InputError("price list source is neither an http(s) URL nor a directory", where=source)
            self.base, self.root = None, root.resolve()

    def locate(self, ref: str) -> str:
        """Where a reference from an index lives in this mirror (URL, or file path for a directory).

        Index files hold absolute paths ("/offers/v1.0/...") or full URLs; only the path is kept so
        a mirror serves its own copy, whatever host the index names.
        """
        path = urllib.parse.urlsplit(ref).path.lstrip("/")
        if self.root is not None:
            return str(self.root / path)
        return f"{self.base}/{path}"

    def record_url(self, location: str) -> str:
        return Path(location).as_uri() if self.root is not None else location

    def _open(self, location: str) -> IO[bytes]:
        if self.root is not None:
            try:
                return open(location, "rb")
            except OSError as exc:
                raise InputError(f"cannot read price list file: {exc.strerror or exc}", where=location) from exc
        request = urllib.request.Request(location, headers={"User-Agent": f"finguard/{__version__}"})
        try:
            return urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            raise InputError(f"download failed: HTTP {exc.code} {exc.reason}", where=location) from exc
        except urllib.error.URLError as exc:
            raise InputError(f"cannot reach the price list: {exc.reason}", where=location) from exc
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise InputError(f"download failed: {exc}", where=location) from exc

    def fetch_json(self, ref: str) -> tuple[str, Any]:
        """A small index document, parsed."""
        location = self.locate(ref)
        try:
            with self._open(location) as fh:
                data = fh.read()
        except (OSError, http.client.HTTPException) as exc:
            raise InputError(f"download failed: {exc}", where=location) from exc
        try:
            return location, json.loads(data)
        except UnicodeDecodeError as exc:
            raise InputError(f"index is not UTF-8 JSON: {exc.reason}", where=location) from exc
        except json.JSONDecodeError as exc:
            raise InputError(f"malformed JSON: {exc.msg}", where=f"{location}:{exc.lineno}:{exc.colno}") from exc

    def download(self, ref: str, tmp_dir: Path) -> tuple[str, Path, str]:
        """(location, local file, sha256) of an offer file; HTTP bodies go to a file under tmp_dir."""
        location = self.locate(ref)
        digest = hashlib.sha256()
        if self.root is not None:
            target = Path(location)
            with self._open(location) as fh:
                while chunk := fh.read(_COPY_CHUNK):
                    digest.update(chunk)
            return location, target, digest.hexdigest()
        fd, name = tempfile.mkstemp(prefix="offer-", dir=tmp_dir)
        try:
            with os.fdopen(fd, "wb") as out, self._open(location) as fh:
                while chunk := fh.read(_COPY_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
        except (OSError, http.client.HTTPException) as exc:
            raise InputError(f"download failed: {exc}", where=location) from exc
        return location, Path(name), digest.hexdigest()


def _dict_at(doc: Any, key: str, where: str) -> dict[str, Any]:
    value = doc.get(key) if isinstance(doc, dict) else None
    if not isinstance(value, dict):
        raise InputError(f"not a price list index: no {key!r} object", where=where)
    return value


def _offer_file_ref(version_url: str, fmt: str) -> str:
    """The region's offer file in the wanted layout (the index names the JSON; the CSV sits beside it)."""
    if fmt == "csv" and version_url.endswith(".json"):
        return version_url[: -len(".json")] + ".csv"
    return version_url


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def run_sync(
    catalog_path: Path,
    *,
    source: str | None = None,
    services: Sequence[str] = DEFAULT_SERVICES,
    regions: Sequence[str] = DEFAULT_REGIONS,
    fmt: Literal["csv", "json"] = "csv",
    timeout: float = 60.0,
    progress: Callable[[str], None] | None = None,
) -> SyncReport:
    """Refresh each (service, region) slice from the AWS price list; one transaction per slice.

    Raises InputError (naming the URL or file, and line for malformed data) when the source cannot
    be read; slices committed before the failure stay, the failing one is left untouched. A service
    missing from the offer index is reported in `errors`, a region missing from a region index in
    `missing_regions`; neither stops the others. A global service (AWS_GLOBAL_SERVICES) is synced
    once, from its whole-offer file, into the slice (service, "global"), whatever `regions` says.
    """
    if fmt not in ("csv", "json"):
        raise InputError(f"unknown price list format {fmt!r} (csv or json)")
    say = progress or (lambda message: None)
    base = resolve_source(source)
    report = SyncReport(source=base, catalog=str(catalog_path), format=fmt, started=_now())
    mirror = _Mirror(base, timeout)
    ensure_compiled(catalog_path)

    say(f"reading offer index {mirror.locate(OFFER_INDEX)}")
    index_at, index = mirror.fetch_json(OFFER_INDEX)
    offers = _dict_at(index, "offers", index_at)
    tmp_dir = Path(tempfile.mkdtemp(prefix=".sync-", dir=catalog_path.parent))
    try:
        for service in dict.fromkeys(services):
            offer = offers.get(service)
            if service in AWS_GLOBAL_SERVICES:
                offer_ref = offer.get("currentVersionUrl") if isinstance(offer, dict) else None
                if not isinstance(offer_ref, str):
                    report.errors.append(f"{service}: not in the offer index {index_at}")
                    continue
                report.slices.append(_sync_slice(catalog_path, mirror, service, GLOBAL_REGION,
                                                 _offer_file_ref(offer_ref, fmt), fmt, tmp_dir, report.started, say))
                continue
            region_ref = offer.get("currentRegionIndexUrl") if isinstance(offer, dict) else None
            if not isinstance(region_ref, str):
                report.errors.append(f"{service}: not in the offer index {index_at}")
                continue
            say(f"reading region index {mirror.locate(region_ref)}")
            regions_at, region_index = mirror.fetch_json(region_ref)
            listed = _dict_at(region_index, "regions", regions_at)
            for region in regions:
                entry = listed.get(region)
                version_ref = entry.get("currentVersionUrl") if isinstance(entry, dict) else None
                if not isinstance(version_ref, str):
                    report.missing_regions.append(MissingRegion(service=service, region=region,
                                                                region_index=regions_at))
                    say(f"{service} {region}: not in {regions_at}")
                    continue
                slice_report = _sync_slice(catalog_path, mirror, service, region,
                                           _offer_file_ref(version_ref, fmt), fmt, tmp_dir, report.started, say)
                report.slices.append(slice_report)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)
    return report


def _sync_slice(catalog_path: Path, mirror: _Mirror, service: str, region: str, ref: str, fmt: str,
                tmp_dir: Path, started: str, say: Callable[[str], None]) -> SliceReport:
    """Download, parse and write one slice; the catalog changes only if all of it succeeded."""
    say(f"downloading {mirror.locate(ref)}")
    location, local, sha256 = mirror.download(ref, tmp_dir)
    try:
        meta = read_offer_header(local, fmt, where=location)
        if meta.offer_code and meta.offer_code != service:
            raise InputError(f"offer file is for {meta.offer_code}, expected {service}", where=location)
        url_version = re.search(r"/(\d{8,})/", ref)
        version = meta.version or (url_version.group(1) if url_version else sha256[:12])
        source_id = f"aws-{service}-{region}-{version}"
        stats = OfferStats()
        parse = iter_offer_csv if fmt == "csv" else iter_offer_json
        records = parse(local, service, source_id=source_id, keep=FINGUARD_KEEP.get(service), region=region,
                        stats=stats, where=location)
        db = open_for_write(catalog_path)
        try:
            with db:  # one transaction: rolled back if parsing fails half-way
                writer = CatalogWriter(db)
                writer.replace_slice(service, region, records)
                drop_superseded_sync_sources(writer, f"aws-{service}-{region}-", source_id)
                writer.add_source(SourceRecord(
                    id=source_id, kind="sync", url=mirror.record_url(location), published=meta.publication_date,
                    retrieved=_now(), sha256=sha256,
                    description=f"AWS Price List {service} {region} OnDemand, version {version}",
                ))
                writer.set_meta("sync_last_run", started)
        finally:
            db.close()
    finally:
        if local.parent == tmp_dir:
            local.unlink(missing_ok=True)
    say(f"{service} {region}: {stats.kept} prices, {stats.skipped_total} skipped, {stats.filtered} not used")
    return SliceReport(
        service=service, region=region, url=mirror.record_url(location), source_id=source_id, version=version,
        published=meta.publication_date, sha256=sha256, kept=stats.kept, skipped=stats.skipped_total,
        skipped_reasons=dict(stats.skipped), filtered=stats.filtered, other_terms=stats.other_terms,
    )


def drop_superseded_sync_sources(writer: CatalogWriter, prefix: str, keep: str) -> None:
    """Forget the sources of earlier syncs of a slice (ids starting with `prefix`), except `keep`.
    Runs inside the slice's transaction."""
    writer.remove_sync_sources(prefix, keep)


# -- every provider -------------------------------------------------------------------------------
AZURE_DEFAULT_REGIONS: tuple[str, ...] = ("eastus", "Global")
"""Azure's default slices: a region, plus "Global", where Azure publishes the meters it prices for
every region at once (NAT Gateway, Load Balancer rules, SQL licences) and the models look them up."""
GCP_SOURCE_ENV = "FINGUARD_GCP_PRICING_SOURCE"


def run_provider_sync(
    provider: str,
    catalog_path: Path,
    *,
    source: str | None = None,
    services: Sequence[str] = (),
    regions: Sequence[str] = (),
    fmt: str | None = None,
    timeout: float = 60.0,
    progress: Callable[[str], None] | None = None,
) -> SyncReport:
    """`finguard pricing sync --provider ...`: sync one provider's price list, with its defaults.

    Empty `services` / `regions` mean the provider's defaults: every service its cost models price;
    us-east-1 (aws), eastus and Global (azure), every region the SKUs list (gcp). `source` is a
    mirror (base URL or directory); without it each provider's environment variable, then the
    official endpoint. GCP `services` are Catalog API service ids or the display names finguard
    knows ("Compute Engine"). Raises UsageError for options the provider does not take, InputError
    when a price list cannot be read or is malformed (the slice being written is left untouched).
    """
    if provider not in PROVIDERS:
        raise UsageError(f"unknown provider {provider!r} (one of {', '.join(PROVIDERS)})")
    if provider != "aws" and fmt is not None:
        raise UsageError("--format chooses the AWS offer file layout; it does not apply to --provider "
                         f"{provider}")
    if provider == "aws":
        return run_sync(catalog_path, source=source, services=tuple(services) or DEFAULT_SERVICES,
                        regions=tuple(regions) or DEFAULT_REGIONS, fmt=cast(Literal["csv", "json"], fmt or "csv"),
                        timeout=timeout, progress=progress)
    if provider == "azure":
        report = sync_azure(catalog_path, source=source, services=tuple(services) or DEFAULT_AZURE_SERVICES,
                            regions=tuple(regions) or AZURE_DEFAULT_REGIONS, timeout=timeout, progress=progress)
        report.provider = "azure"
        return report
    return _run_gcp(catalog_path, source=source, services=services, regions=regions, timeout=timeout,
                    progress=progress)


def _gcp_service_ids(services: Sequence[str]) -> tuple[str, ...]:
    """Catalog API service ids for `--service` values: ids as given, or the display names finguard knows."""
    if not services:
        return GCP_DEFAULT_SERVICE_IDS
    by_name = {name.casefold(): sid for name, sid in GCP_SERVICE_IDS.items()}
    ids = []
    for service in services:
        sid = by_name.get(service.strip().casefold(), service.strip())
        if not re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", sid):
            raise UsageError(f"--service {service!r}: not a Cloud Billing service id (e.g. 6F81-5844-456A) nor one "
                             f"of {', '.join(sorted(GCP_SERVICE_IDS))}")
        ids.append(sid)
    return tuple(dict.fromkeys(ids))


def _run_gcp(catalog_path: Path, *, source: str | None, services: Sequence[str], regions: Sequence[str],
             timeout: float, progress: Callable[[str], None] | None) -> SyncReport:
    service_ids = _gcp_service_ids(services)
    base = source or os.environ.get(GCP_SOURCE_ENV) or GCP_DEFAULT_SOURCE
    if base.rstrip("/") == GCP_DEFAULT_SOURCE and not os.environ.get(GCP_API_KEY_ENV):
        raise UsageError(f"the Cloud Billing Catalog API needs an API key: set ${GCP_API_KEY_ENV} "
                         f"(or point --source / ${GCP_SOURCE_ENV} at a mirror)")
    result = sync_gcp(catalog_path, source=base, service_ids=service_ids, regions=tuple(regions) or None,
                      timeout=timeout, progress=progress)
    return SyncReport(provider="gcp", source=result.source, catalog=result.catalog, format="gcp-catalog",
                      started=result.started, services=result.services)


# -- staleness ------------------------------------------------------------------------------------
def _published_date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def catalog_age_warnings(catalog: Catalog, max_age_days: int, today: date | None = None) -> list[str]:
    """Warnings for price sources older than `max_age_days`, and one for sources of unknown date.

    Only sources that still price something count: a snapshot source whose slices were all
    replaced by sync is no reason to warn.
    """
    today = today or datetime.now(UTC).date()
    used = catalog.used_source_ids()
    warnings: list[str] = []
    undated: list[str] = []
    for src in catalog.sources():
        if src.id not in used:
            continue
        published = _published_date(src.published)
        if published is None:
            undated.append(src.id)
            continue
        age = (today - published).days
        if age > max_age_days:
            warnings.append(f"prices from {src.id} were published {published.isoformat()}, {age} days ago "
                            f"(more than {max_age_days}); refresh them with `finguard pricing sync`")
    if undated:
        warnings.append(f"{len(undated)} price source(s) state no publication date, so their age is unknown: "
                        + ", ".join(undated))
    return warnings
