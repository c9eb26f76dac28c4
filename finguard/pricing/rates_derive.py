"""`finguard pricing rates --from-billing DB`: effective rates per catalog slot from the billing store.

What counts (over the lookback window, ending at the last charge period the store holds):

* **Usage** rows in USD with a quantity and a list cost: their EffectiveCost (amortised Savings Plan / RI cost on
  covered usage, negotiated rates) against their ListCost. A row carrying a CommitmentDiscountId counts towards
  the commitment coverage share.
* **Discount lines**: negative usage rows (CUR `EdpDiscount`, `PrivateRateDiscount`, ...; a FOCUS row with negative
  EffectiveCost) lower the effective cost of the usage they name - the same SKU / usage type, else the same
  service and region, else the same service, else the whole billing account - in proportion to that usage's
  effective cost. So an enterprise discount lowers every rate it applies to, and only those.
* Never: **credits and refunds** (ChargeCategory Credit, ChargeClass Correction): one-off money back says nothing
  about the price of the next hour; **purchases** (commitment fees: their cost reaches usage through amortisation),
  tax, adjustments, Spot usage (Dynamic pricing, not the on-demand slot), commitment negation lines, and usage with a
  zero effective cost (free tier, promotions: never a rate). Each is counted by reason in the provenance.

Rows are tied to catalog slots by the price-list SKU when the catalog keeps SKUs (slices refreshed by `pricing
sync`), else by the region-free usage type (CUR `line_item_usage_type`, AWS FOCUS `x_UsageType`), else - for EC2
Linux instance hours - by the instance type the charge description names. AWS only: Azure and GCP rows give
service discount ratios per region.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from finguard.errors import InputError
from finguard.pricing.rates import (
    DiscountRatio,
    Provenance,
    RateOverlay,
    SlotRate,
    Unmapped,
    catalog_slot,
    instance_family,
    slot_family,
)

DEFAULT_LOOKBACK_DAYS = 90
MAX_SOURCE_FILES = 50

# FOCUS ProviderName -> the catalog's provider
PROVIDERS: dict[str, str] = {
    "aws": "aws", "amazon web services": "aws", "amazon": "aws",
    "microsoft": "azure", "azure": "azure", "microsoft azure": "azure",
    "google cloud": "gcp", "google cloud platform": "gcp", "google": "gcp", "gcp": "gcp",
}
# AWS product names (FOCUS ServiceName, CUR product_name) -> price-list offer codes, for the services the catalog
# prices. CUR's line_item_product_code, when the export has it, is the offer code already.
AWS_SERVICES: dict[str, str] = {
    "amazon elastic compute cloud": "AmazonEC2", "amazon ec2": "AmazonEC2",
    "amazon relational database service": "AmazonRDS", "amazon rds": "AmazonRDS",
    "amazon simple storage service": "AmazonS3", "amazon s3": "AmazonS3",
    "elastic load balancing": "AWSELB", "aws lambda": "AWSLambda",
    "amazon virtual private cloud": "AmazonVPC", "amazon vpc": "AmazonVPC",
    "amazon cloudfront": "AmazonCloudFront", "amazon cloudwatch": "AmazonCloudWatch",
    "amazoncloudwatch": "AmazonCloudWatch", "amazon dynamodb": "AmazonDynamoDB",
    "amazon elastic container service": "AmazonECS",
    "amazon ec2 container registry (ecr)": "AmazonECR", "amazon elastic container registry": "AmazonECR",
    "amazon elastic file system": "AmazonEFS",
    "amazon elastic container service for kubernetes": "AmazonEKS", "amazon elastic kubernetes service": "AmazonEKS",
    "amazon opensearch service": "AmazonES", "amazon elasticsearch service": "AmazonES",
    "amazon elasticache": "AmazonElastiCache", "amazon kinesis": "AmazonKinesis",
    "amazon managed streaming for apache kafka": "AmazonMSK", "amazon redshift": "AmazonRedshift",
    "amazon route 53": "AmazonRoute53", "amazon simple notification service": "AmazonSNS",
    "amazon simple queue service": "AWSQueueService", "aws secrets manager": "AWSSecretsManager",
    "amazon api gateway": "AmazonApiGateway", "aws key management service": "awskms",
}
# Azure cost exports and FOCUS name some services differently from the Retail Prices API the catalog uses.
AZURE_SERVICES: dict[str, str] = {"storage accounts": "Storage", "virtual network": "Virtual Network"}

_DESCRIBED_INSTANCE = r"per On Demand Linux ([A-Za-z0-9.-]+) Instance Hour"
_EXTRA = {  # x_Extra keys (the source's own column names) by meaning, first found wins
    "service_code": ("line_item_product_code", "lineItem/ProductCode", "x_ServiceCode", "product_servicecode",
                     "product/servicecode"),
    "usage_type": ("line_item_usage_type", "lineItem/UsageType", "x_UsageType"),
    "operation": ("line_item_operation", "lineItem/Operation", "x_Operation"),
}

REASONS: dict[str, str] = {
    "not-usd": "billed in another currency than USD (the catalog's)",
    "credit": "credits: money back, not a price",
    "refund": "refunds and corrections (ChargeClass Correction)",
    "tax": "tax",
    "purchase": "commitment and other purchases (their cost reaches usage through amortisation)",
    "adjustment": "adjustments and other non-usage charges",
    "spot": "Spot usage (dynamic pricing, not the on-demand slot)",
    "commitment-negation": "commitment negation lines (zero effective cost)",
    "zero-effective-cost": "usage with zero effective cost (free tier, promotions: never a rate)",
    "free": "usage with neither cost nor list cost",
    "no-quantity": "usage without a pricing quantity",
    "no-list-cost": "usage without a list cost (no ratio to the list price)",
    "provider-not-priced": "providers finguard's catalog does not price",
    "service-not-in-catalog": "services finguard's catalog does not price",
    "discount-without-usage": "discount lines with no usage in the window to apply to",
}


@dataclass
class Group:
    """Billing rows that share everything a rate is keyed by."""

    provider: str
    account: str
    service: str | None  # catalog service
    region: str | None
    slot: str | None
    basis: str | None
    family: str | None
    committed: bool
    unit: str | None
    effective: float
    list_cost: float
    quantity: float
    rows: int
    sku: str | None
    usage_key: tuple[str, str] | None = None  # (region-free usage type, operation): what a discount line names


@dataclass
class _Sum:
    effective: float = 0.0
    list_cost: float = 0.0
    quantity: float = 0.0
    committed_quantity: float = 0.0
    committed_list: float = 0.0
    uncommitted_effective: float = 0.0
    uncommitted_list: float = 0.0
    rows: int = 0
    units: Counter[str] = field(default_factory=Counter)
    skus: set[str] = field(default_factory=set)
    bases: set[str] = field(default_factory=set)
    provider: str = ""

    def add(self, g: Group) -> None:
        self.effective += g.effective
        self.list_cost += g.list_cost
        self.quantity += g.quantity
        self.rows += g.rows
        self.provider = g.provider
        if g.committed:
            self.committed_quantity += g.quantity
            self.committed_list += g.list_cost
        else:
            self.uncommitted_effective += g.effective
            self.uncommitted_list += g.list_cost
        if g.unit:
            self.units[g.unit] += g.rows
        if g.sku:
            self.skus.add(g.sku)
        if g.basis:
            self.bases.add(g.basis)


def derive(db: Path, *, lookback_days: int = DEFAULT_LOOKBACK_DAYS, accounts: Iterable[str] = (),
           catalog_path: Path | None = None) -> RateOverlay:
    """An overlay from the billing store at `db` (read only; the store is never changed)."""
    from finguard.billing.store import BillingStore
    from finguard.pricing.catalog import Catalog

    if lookback_days < 1:
        raise InputError(f"--lookback-days must be at least 1, got {lookback_days}")
    accounts = sorted(set(accounts))
    catalog = Catalog.open_default(catalog_path)
    try:
        with BillingStore(db, create=False) as store:
            window = _window(store, lookback_days, accounts, db)
            rows, files = _groups(store, window, accounts)
        return _build(rows, files, window, lookback_days, db, catalog)
    finally:
        catalog.close()


def _account_filter(accounts: list[str]) -> tuple[str, list[str]]:
    if not accounts:
        return "", []
    return f" AND BillingAccountId IN ({', '.join('?' for _ in accounts)})", list(accounts)


def _window(store: object, lookback_days: int, accounts: list[str], db: Path) -> tuple[datetime, datetime]:
    where, params = _account_filter(accounts)
    end = store.raw_sql(f"SELECT max(ChargePeriodEnd) FROM charges WHERE TRUE{where}",  # type: ignore[attr-defined]
                        params).fetchone()[0]
    if end is None:
        what = f" for billing account(s) {', '.join(accounts)}" if accounts else ""
        raise InputError(f"the billing store holds no charges{what}: run `finguard billing ingest FILE...` first",
                         where=str(db))
    return end - timedelta(days=lookback_days), end


def _extra(meaning: str) -> str:
    keys = ", ".join(f"x_Extra['{k}']" for k in _EXTRA[meaning])
    return f"coalesce({keys})"


_REASON_SQL = """
CASE
  WHEN BillingCurrency <> 'USD' THEN 'not-usd'
  WHEN ChargeClass = 'Correction' THEN 'refund'
  WHEN ChargeCategory = 'Credit' THEN 'credit'
  WHEN ChargeCategory = 'Tax' THEN 'tax'
  WHEN ChargeCategory = 'Purchase' THEN 'purchase'
  WHEN ChargeCategory <> 'Usage' THEN 'adjustment'
  WHEN PricingCategory = 'Dynamic' OR coalesce(usage_type, '') LIKE '%SpotUsage%' THEN 'spot'
  WHEN EffectiveCost < 0 THEN 'discount'
  WHEN EffectiveCost = 0 AND BilledCost < 0 THEN 'commitment-negation'
  WHEN EffectiveCost = 0 AND coalesce(ListCost, 0) > 0 THEN 'zero-effective-cost'
  WHEN EffectiveCost = 0 THEN 'free'
  WHEN coalesce(PricingQuantity, ConsumedQuantity, 0) <= 0 THEN 'no-quantity'
  WHEN coalesce(ListCost, 0) <= 0 THEN 'no-list-cost'
  ELSE 'usage'
END"""


def _groups(store: object, window: tuple[datetime, datetime], accounts: list[str]) -> tuple[list[tuple], list[str]]:
    where, params = _account_filter(accounts)
    sql = f"""
    WITH rows AS (
      SELECT *, {_extra('usage_type')} AS usage_type, {_extra('operation')} AS operation,
             {_extra('service_code')} AS service_code
      FROM charges WHERE ChargePeriodStart >= ? AND ChargePeriodStart < ?{where}
    )
    SELECT ProviderName, coalesce(BillingAccountId, ''), ServiceName, service_code, RegionId, SkuId, usage_type,
           operation, regexp_extract(coalesce(ChargeDescription, ''), '{_DESCRIBED_INSTANCE}', 1) AS described,
           {_REASON_SQL} AS reason,
           CommitmentDiscountId IS NOT NULL AND coalesce(CommitmentDiscountStatus, 'Used') <> 'Unused' AS committed,
           mode(PricingUnit), sum(EffectiveCost), sum(coalesce(ListCost, 0)),
           sum(coalesce(PricingQuantity, ConsumedQuantity, 0)), count(*), min(ChargePeriodStart),
           max(ChargePeriodEnd)
    FROM rows GROUP BY ALL"""
    args = [window[0], window[1], *params]
    rows = store.raw_sql(sql, args).fetchall()  # type: ignore[attr-defined]
    files = [f for (f,) in store.raw_sql(  # type: ignore[attr-defined]
        f"SELECT DISTINCT x_SourceFile FROM charges WHERE ChargePeriodStart >= ? AND ChargePeriodStart < ?{where} "
        f"AND x_SourceFile IS NOT NULL ORDER BY 1 LIMIT {MAX_SOURCE_FILES}", args).fetchall()]
    return rows, files


def catalog_service(provider: str, service_code: str | None, service_name: str | None, services: set[str]
                    ) -> str | None:
    """The catalog service a billing row's service is, or None."""
    for candidate in (service_code, service_name):
        if not candidate:
            continue
        if candidate in services:
            return candidate
        key = candidate.strip().casefold()
        mapped = (AWS_SERVICES if provider == "aws" else AZURE_SERVICES if provider == "azure" else {}).get(key)
        if mapped in services:
            return mapped
    return None


def billing_slot(service: str, usage_type: str | None, operation: str | None, described: str | None
                 ) -> tuple[str | None, str | None, str | None]:
    """(slot, basis, family) of an AWS usage row from its usage type, else its charge description."""
    from finguard.pricing.regions import strip_usage_prefix

    if usage_type:
        slot = strip_usage_prefix(usage_type)
        family = slot_family(slot)
        # EC2 instance hours: the catalog prices Linux; another operating system (RunInstances:0002 ...) bills the
        # same usage type at another price, so it tells the family's discount but not the Linux slot's
        if service == "AmazonEC2" and slot.startswith("BoxUsage") and operation and operation != "RunInstances":
            return None, None, family
        return slot, "usage_type", family
    if described and service == "AmazonEC2":
        return f"BoxUsage:{described}", "charge_description", instance_family(described)
    return None, None, None


def _build(rows: list[tuple], files: list[str], window: tuple[datetime, datetime], lookback_days: int, db: Path,
           catalog: object) -> RateOverlay:
    services = set(catalog.services())  # type: ignore[attr-defined]
    has_skus = catalog.has_skus()  # type: ignore[attr-defined]
    skus = catalog.sku_prices({r[5] for r in rows if r[5] and r[9] in ("usage", "discount")}) \
        if has_skus else {}  # type: ignore[attr-defined]
    excluded: Counter[str] = Counter()
    unmapped: dict[tuple[str, str], list[float]] = {}
    usage: list[Group] = []
    discounts: list[Group] = []
    in_window = 0
    periods: list[datetime] = []
    accounts: set[str] = set()
    providers: set[str] = set()
    by_sku = 0
    for (provider_name, account, service_name, service_code, region, sku, usage_type, operation, described, reason,
         committed, unit, effective, list_cost, quantity, count, first, last) in rows:
        in_window += count
        if reason not in ("usage", "discount"):
            excluded[reason] += count
            continue
        provider = PROVIDERS.get((provider_name or "").strip().casefold())
        if provider is None:
            excluded["provider-not-priced"] += count
            continue
        service = catalog_service(provider, service_code, service_name, services)
        if service is None:
            if reason == "usage":
                key = (provider, service_name or service_code or "?")
                unmapped.setdefault(key, [0.0, 0])
                unmapped[key][0] += list_cost
                unmapped[key][1] += count
                excluded["service-not-in-catalog"] += count
            else:
                excluded["discount-without-usage"] += count
            continue
        slot = basis = family = None
        if provider == "aws":
            price = skus.get(sku) if sku else None
            if price is not None and price.service == service:
                # the SKU says what the usage is: its slot (none for, say, Windows hours) and its family
                mapped = catalog_slot(service, price.attributes)
                slot, basis = mapped, "sku" if mapped else None
                family = instance_family(price.attributes.get("instanceType")) or slot_family(mapped)
                by_sku += count
            else:
                slot, basis, family = billing_slot(service, usage_type, operation, described or None)
        group = Group(provider, account, service, region or None, slot, basis, family, bool(committed), unit,
                      float(effective or 0), float(list_cost or 0), float(quantity or 0), int(count), sku or None,
                      _usage_key(usage_type, operation) if provider == "aws" else None)
        if reason == "discount":
            group.list_cost = group.quantity = 0.0  # a discount line discounts usage; it is no usage itself
            discounts.append(group)
        else:
            usage.append(group)
            accounts.add(account)
            providers.add(provider)
            periods += [first, last]
    spread = _spread(usage, discounts)
    excluded["discount-without-usage"] += sum(d.rows for d in discounts) - spread
    slots, ratios = _aggregate(usage)
    provenance = Provenance(
        billing_db=str(db), billing_accounts=sorted(a for a in accounts if a), providers=sorted(providers),
        lookback_days=lookback_days, window_start=_iso(window[0]), window_end=_iso(window[1]),
        period_start=_iso(min(periods)) if periods else None, period_end=_iso(max(periods)) if periods else None,
        rows_in_window=in_window, rows_used=sum(g.rows for g in usage), discount_rows=spread,
        rows_excluded={k: v for k, v in sorted(excluded.items()) if v}, source_files=files,
        catalog=str(catalog.path),  # type: ignore[attr-defined]
        mapping=(f"{by_sku} rows identified by their price-list SKU; the rest by usage type, instance type "
                 "and region" if has_skus else
                 "the catalog keeps no price-list SKUs (only `finguard pricing sync` slices do): rows tied to catalog "
                 "slots by region-free usage type, instance type and region"),
        generated_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
    )
    return RateOverlay(provenance=provenance, slots=slots, ratios=ratios, unmapped=[
        Unmapped(provider=p, service=s, list_cost=_round(v[0]) if v[0] > 0 else 0.0, rows=int(v[1]))
        for (p, s), v in sorted(unmapped.items(), key=lambda kv: -kv[1][0])])


def _spread(usage: list[Group], discounts: list[Group]) -> int:
    """Lower the effective cost of the usage each discount line names, in proportion to it; the most specific
    lines first (same slot, then service and region, service, account). Returns the discount rows applied."""
    applied = 0

    def names(d: Group, g: Group) -> bool:
        """The discount line names this usage: its usage type (and operation, when the line has one)."""
        if d.usage_key is None:
            return True
        if g.usage_key is None or g.usage_key[0] != d.usage_key[0]:
            return False
        return not d.usage_key[1] or g.usage_key[1] == d.usage_key[1]

    def scope(d: Group) -> list[Group]:
        return [g for g in usage if g.account == d.account and g.provider == d.provider
                and (d.service is None or g.service == d.service) and (d.region is None or g.region == d.region)
                and (d.sku is None or d.usage_key is not None or g.sku == d.sku) and names(d, g)]

    order = sorted(discounts, key=lambda d: (d.usage_key is None and d.sku is None, d.region is None,
                                             d.service is None))
    for d in order:
        targets = scope(d)
        total = sum(g.effective for g in targets)
        if total <= 0:
            continue
        factor = max((total + d.effective) / total, 0.0)
        for g in targets:
            g.effective *= factor
        applied += d.rows
    return applied


def _usage_key(usage_type: str | None, operation: str | None) -> tuple[str, str] | None:
    from finguard.pricing.regions import strip_usage_prefix

    return (strip_usage_prefix(usage_type), operation or "") if usage_type else None


def _aggregate(usage: list[Group]) -> tuple[list[SlotRate], list[DiscountRatio]]:
    slots: dict[tuple[str, str, str], _Sum] = defaultdict(_Sum)
    families: dict[tuple[str, str, str], _Sum] = defaultdict(_Sum)
    services: dict[tuple[str, str], _Sum] = defaultdict(_Sum)
    slot_family_of: dict[tuple[str, str, str], str | None] = {}
    for g in usage:
        if g.service is None or g.region is None:
            continue
        if g.slot is not None:
            key = (g.service, g.region, g.slot)
            slots[key].add(g)
            slot_family_of[key] = g.family
        if g.family is not None:
            families[(g.service, g.region, g.family)].add(g)
        if not g.committed:
            services[(g.service, g.region)].add(g)
    out_slots = []
    for (service, region, slot), s in sorted(slots.items()):
        if s.effective <= 0 or s.list_cost <= 0 or s.quantity <= 0:
            continue
        basis = next(b for b in ("sku", "usage_type", "charge_description") if b in s.bases)
        out_slots.append(SlotRate(
            provider=s.provider, service=service, region=region, slot=slot, basis=basis,  # type: ignore[arg-type]
            family=slot_family_of[(service, region, slot)], unit=s.units.most_common(1)[0][0] if s.units else None,
            quantity=_round(s.quantity), list_cost=_round(s.list_cost), effective_cost=_round(s.effective),
            list_unit_price=_round(s.list_cost / s.quantity), effective_unit_price=_round(s.effective / s.quantity),
            ratio=_round(s.effective / s.list_cost, 6),
            uncommitted_ratio=_round(s.uncommitted_effective / s.uncommitted_list, 6)
            if s.uncommitted_list > 0 and s.uncommitted_effective > 0 else None,
            commitment_share=_round(min(s.committed_quantity / s.quantity, 1.0), 4), rows=s.rows,
            skus=sorted(s.skus)[:20]))
    out_ratios = []
    for (service, region, family), s in sorted(families.items()):
        if s.effective > 0 and s.list_cost > 0:
            out_ratios.append(DiscountRatio(
                provider=s.provider, service=service, region=region, scope="instance_family", family=family,
                list_cost=_round(s.list_cost), effective_cost=_round(s.effective),
                ratio=_round(s.effective / s.list_cost, 6),
                commitment_share=_round(min(s.committed_list / s.list_cost, 1.0), 4), rows=s.rows))
    for (service, region), s in sorted(services.items()):
        if s.effective > 0 and s.list_cost > 0:
            out_ratios.append(DiscountRatio(
                provider=s.provider, service=service, region=region, scope="service_region",
                list_cost=_round(s.list_cost), effective_cost=_round(s.effective),
                ratio=_round(s.effective / s.list_cost, 6), commitment_share=0.0, rows=s.rows))
    return out_slots, out_ratios


def _round(value: float, places: int = 10) -> float:
    return round(value, places)


def _iso(value: datetime) -> str:
    return value.replace(microsecond=0).isoformat()

