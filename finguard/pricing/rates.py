"""Effective-rate overlay: what the organisation really pays, per catalog slot, from its own billing.

`finguard pricing rates --from-billing DB` (finguard.pricing.rates_derive) writes a `RateOverlay` beside the price
catalog; `breakdown`, `diff`, `check`, `comment` and `approvals` with `--rates effective` (or `pricing.rates:
effective`) price every component at list first, then look its catalog slot up here and multiply the list price
by the ratio effective/list the bill shows, from the most specific evidence to the least:

1. the slot itself (`sku`, `usage_type` or `charge_description`: how the billing rows were tied to the slot),
2. the instance family in that service and region (`instance_family`: m5, db.r6g, cache.t4g ...),
3. the service in that region (`service_region`: negotiated discounts such as an EDP, from usage that no
   commitment covered, so a Savings Plan on EC2 compute never discounts EBS storage).

A ratio rather than the billed unit price is applied so tiers, units and a catalog price that differs slightly from
the bill's list price all stay consistent: where the bill's list unit price equals the catalog's (the usual case),
the result is exactly the billed effective unit price. A component no rate covers stays at list and says so.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from finguard import strict_json
from finguard.errors import InputError, UsageError, read_text
from finguard.pricing.rates_config import chosen_rates

if TYPE_CHECKING:
    from finguard.model import RatesInfo
    from finguard.pricing.rates_config import PricingConfig

SCHEMA = "finguard/rates"
VERSION = 1
RATES_FILE_ENV = "FINGUARD_RATES_FILE"
DEFAULT_NAME = "rates.json"

SlotBasis = Literal["sku", "usage_type", "charge_description"]
RateBasis = Literal["sku", "usage_type", "charge_description", "instance_family", "service_region"]
BASIS_LABELS: dict[str, str] = {
    "sku": "price-list SKU",
    "usage_type": "usage type",
    "charge_description": "charge description",
    "instance_family": "instance-family discount ratio",
    "service_region": "service discount ratio",
    "list": "no effective rate: list price",
}

Amount = float  # finite, >= 0 (validated by the models' Field constraints)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Provenance(_Strict):
    """Where an overlay came from: enough to judge whether it still describes today's prices."""

    billing_db: str
    billing_accounts: list[str] = Field(default_factory=list)
    providers: list[str] = Field(default_factory=list)
    lookback_days: int = Field(ge=1)
    window_start: str  # the lookback window: [start, end) of ChargePeriodStart
    window_end: str
    period_start: str | None = None  # first and last charge period of the rows used
    period_end: str | None = None
    rows_in_window: int = Field(ge=0)
    rows_used: int = Field(ge=0)  # usage rows that became rates
    discount_rows: int = Field(ge=0)  # negative usage lines (EDP, private rates) spread over the usage they discount
    rows_excluded: dict[str, int] = Field(default_factory=dict)  # reason -> rows
    source_files: list[str] = Field(default_factory=list)
    catalog: str = ""
    mapping: str = ""  # how billing rows were tied to catalog slots, in words
    generated_at: str


class SlotRate(_Strict):
    """One catalog slot (service, region, usage type) as billed: effective and list cost of the same usage."""

    provider: str
    service: str  # catalog service (AWS offer code)
    region: str
    slot: str  # region-free usage type, as the catalog names it
    basis: SlotBasis
    family: str | None = None
    unit: str | None = None
    quantity: float = Field(gt=0, allow_inf_nan=False)
    list_cost: float = Field(gt=0, allow_inf_nan=False)
    effective_cost: float = Field(gt=0, allow_inf_nan=False)
    list_unit_price: float = Field(ge=0, allow_inf_nan=False)
    effective_unit_price: float = Field(ge=0, allow_inf_nan=False)
    ratio: float = Field(gt=0, allow_inf_nan=False)  # effective / list
    # the ratio of the usage no commitment covered (EDP and private rates only): what new usage pays once the
    # commitments are used up; null when every row was covered
    uncommitted_ratio: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    commitment_share: float = Field(ge=0, le=1, allow_inf_nan=False)  # of the quantity
    rows: int = Field(ge=1)
    skus: list[str] = Field(default_factory=list)


class DiscountRatio(_Strict):
    """Effective / list over an instance family or a whole service in a region, for slots the bill does not show."""

    provider: str
    service: str
    region: str
    scope: Literal["instance_family", "service_region"]
    family: str | None = None
    list_cost: float = Field(gt=0, allow_inf_nan=False)
    effective_cost: float = Field(gt=0, allow_inf_nan=False)
    ratio: float = Field(gt=0, allow_inf_nan=False)
    commitment_share: float = Field(ge=0, le=1, allow_inf_nan=False)  # of the list cost
    rows: int = Field(ge=1)


class Unmapped(_Strict):
    """Billed usage whose service has no catalog counterpart (so no rate can come from it)."""

    provider: str
    service: str
    list_cost: float = Field(ge=0, allow_inf_nan=False)
    rows: int = Field(ge=1)


class RateOverlay(_Strict):
    schema_: Literal["finguard/rates"] = Field(default=SCHEMA, alias="schema")
    version: Literal[1] = VERSION
    provenance: Provenance
    slots: list[SlotRate] = Field(default_factory=list)
    ratios: list[DiscountRatio] = Field(default_factory=list)
    unmapped: list[Unmapped] = Field(default_factory=list)

    def dumps(self) -> str:
        return json.dumps(self.model_dump(mode="json", by_alias=True), indent=1, ensure_ascii=False,
                          allow_nan=False) + "\n"


# -- where the overlay lives -----------------------------------------------------------------------------------
def default_overlay_path(catalog_path: Path | None = None) -> Path:
    """Beside the price catalog: `$FINGUARD_HOME/rates.json`, `~/.cache/finguard/rates.json`, or next to --catalog."""
    from finguard.pricing.catalog import default_catalog_path

    return (catalog_path or default_catalog_path()).parent / DEFAULT_NAME


def overlay_path(explicit: Path | None = None, config: PricingConfig | None = None, config_file: Path | None = None,
                 catalog_path: Path | None = None) -> Path:
    """--rates-file, else FINGUARD_RATES_FILE, else `pricing.rates_file` (relative to finguard.yml), else beside
    the catalog."""
    if explicit is not None:
        return explicit
    if env := os.environ.get(RATES_FILE_ENV, "").strip():
        return Path(env)
    if config is not None and config.rates_file is not None:
        path = config.rates_file
        if not path.is_absolute() and config_file is not None:
            path = config_file.parent / path
        return path
    return default_overlay_path(catalog_path)


def load_overlay(path: Path) -> RateOverlay:
    """A saved overlay, validated strictly; one InputError naming the file and the JSON path otherwise."""
    if not path.exists():
        raise InputError("no rate overlay here: build one with `finguard pricing rates --from-billing DB` "
                         "(or use --rates list)", where=str(path))
    text = read_text(path)
    try:
        data = strict_json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
                         where=str(path)) from None
    except (ValueError, RecursionError) as exc:
        raise InputError(f"not a rate overlay: {exc}", where=str(path)) from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise InputError(f'not a finguard rate overlay (expected "schema": "{SCHEMA}")', where=str(path))
    if data.get("version") != VERSION:
        raise InputError(f"unsupported rate overlay version {data.get('version')!r} (this finguard reads {VERSION})",
                         where=str(path))
    try:
        return RateOverlay.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
        raise InputError(f"invalid rate overlay at {where}: {err['msg']}", where=str(path)) from None


def save_overlay(overlay: RateOverlay, path: Path) -> None:
    """Written whole (beside the target and renamed over it: a reader never sees half a file), or in place for a
    device or FIFO (output_file)."""
    from finguard.output_file import write_output

    write_output(overlay.dumps(), path, "the rate overlay")


def select_rates(mode: str | None, rates_file: Path | None, config: PricingConfig | None, config_file: Path | None,
                 catalog_path: Path | None) -> RateIndex | None:
    """The overlay to price with, or None for list prices: --rates first, then `pricing.rates` in finguard.yml."""
    chosen = chosen_rates(mode, config)
    if chosen == "list":
        return None
    if chosen != "effective":
        raise UsageError(f"--rates {chosen!r}: expected list or effective")
    path = overlay_path(rates_file, config, config_file, catalog_path)
    return RateIndex(load_overlay(path), path)


# -- catalog slots -----------------------------------------------------------------------------------------------
# AWS usage types the catalog does not store as an attribute, derived from the attributes it does store. They are
# the usage types CUR writes for the same usage (region prefix removed), so billing rows find these slots.
EBS_VOLUME_USAGE: dict[str, str] = {
    "standard": "EBS:VolumeUsage", "gp2": "EBS:VolumeUsage.gp2", "gp3": "EBS:VolumeUsage.gp3",
    "io1": "EBS:VolumeUsage.piops", "io2": "EBS:VolumeUsage.io2", "st1": "EBS:VolumeUsage.st1",
    "sc1": "EBS:VolumeUsage.sc1",
}
_INSTANCE_TYPE = re.compile(r"^(?:db\.|cache\.)?[a-z][a-z0-9-]*\.[a-z0-9-]+$")


def catalog_slot(service: str, attributes: dict[str, str]) -> str | None:
    """The region-free usage type of a catalog price (AWS only), or None when it cannot be told."""
    from finguard.pricing.regions import strip_usage_prefix

    if service == "AmazonEC2" and attributes.get("productFamily") == "Compute Instance" \
            and attributes.get("operatingSystem", "Linux") != "Linux":
        return None  # Windows, RHEL ... hours bill the Linux usage type under another operation: no slot of theirs
    if usage := attributes.get("usagetype"):
        return strip_usage_prefix(usage)
    family = attributes.get("productFamily")
    if service == "AmazonEC2" and family == "Storage" and (volume := attributes.get("volumeApiName")):
        return EBS_VOLUME_USAGE.get(volume)
    instance = attributes.get("instanceType")
    if service == "AmazonRDS" and family == "Database Instance" and instance:
        multi_az = (attributes.get("deploymentOption") or "").startswith("Multi-AZ")
        return f"{'Multi-AZUsage' if multi_az else 'InstanceUsage'}:{instance}"
    if service == "AmazonElastiCache" and family == "Cache Instance" and instance:
        return f"NodeUsage:{instance}"
    return None


def instance_family(instance_type: str | None) -> str | None:
    """m5.xlarge -> m5, db.r6g.large -> db.r6g, cache.t4g.micro -> cache.t4g; None for anything else."""
    if not instance_type or not _INSTANCE_TYPE.match(instance_type):
        return None
    return instance_type.rsplit(".", 1)[0]


def slot_family(slot: str | None) -> str | None:
    """The instance family a usage type bills (`BoxUsage:m5.large` -> m5), if it bills an instance."""
    if not slot or ":" not in slot:
        return None
    return instance_family(slot.split(":", 1)[1])


# -- applying ---------------------------------------------------------------------------------------------------
RATIO_PLACES = Decimal("0.000001")


@dataclass(frozen=True, slots=True)
class AppliedRate:
    ratio: Decimal  # effective / list
    basis: RateBasis
    detail: str  # for people: what evidence, how covered


class RateIndex:
    """Look-ups of an overlay by catalog slot, family and service; built once per run."""

    def __init__(self, overlay: RateOverlay, path: Path) -> None:
        self.overlay = overlay
        self.path = path
        self._slots = {(s.service, s.region, s.slot): s for s in overlay.slots}
        self._families = {(r.service, r.region, r.family): r for r in overlay.ratios if r.scope == "instance_family"}
        self._services = {(r.service, r.region): r for r in overlay.ratios if r.scope == "service_region"}

    def find(self, service: str, region: str, attributes: dict[str, str]) -> AppliedRate | None:
        """The most specific rate at or below list for this catalog price; None: stays at list."""
        slot_key = catalog_slot(service, attributes)
        if slot_key is not None and (slot := self._slots.get((service, region, slot_key))) is not None \
                and slot.ratio <= 1:
            covered = f", {_share(slot.commitment_share)} covered by commitments" if slot.commitment_share else ""
            return AppliedRate(_ratio(slot.ratio), slot.basis,
                               f"{slot_key} in {region} by {BASIS_LABELS[slot.basis]}: billed "
                               f"{_price(slot.effective_unit_price)} vs list {_price(slot.list_unit_price)} per "
                               f"{slot.unit or 'unit'}{covered} ({slot.rows} billing rows)")
        family = instance_family(attributes.get("instanceType")) or slot_family(slot_key)
        if family is not None and (ratio := self._families.get((service, region, family))) is not None \
                and ratio.ratio <= 1:
            return AppliedRate(_ratio(ratio.ratio), "instance_family",
                               f"{family} family in {region}: {_times(ratio.ratio)} list"
                               f"{_covered(ratio.commitment_share)} ({ratio.rows} billing rows)")
        if (ratio := self._services.get((service, region))) is not None and ratio.ratio <= 1:
            return AppliedRate(_ratio(ratio.ratio), "service_region",
                               f"{service} in {region}: {_times(ratio.ratio)} list on usage no commitment covered "
                               f"({ratio.rows} billing rows)")
        return None

    def info(self) -> RatesInfo:
        from finguard.model import RatesInfo

        p = self.overlay.provenance
        return RatesInfo(mode="effective", overlay=str(self.path), billing_accounts=p.billing_accounts,
                         period_start=p.period_start, period_end=p.period_end, billing_rows=p.rows_used,
                         generated_at=p.generated_at)


def _ratio(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(RATIO_PLACES, rounding=ROUND_HALF_UP)


def _share(value: float) -> str:
    return f"{value * 100:.0f}%"


def _covered(value: float) -> str:
    return f", {_share(value)} covered by commitments" if value else ""


def _times(value: float) -> str:
    return f"{value:.3f} x"


def _price(value: float) -> str:
    if not math.isfinite(value):
        return "?"
    text = f"{Decimal(repr(value)).normalize():f}"
    return f"${text}"
