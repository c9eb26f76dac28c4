"""Run the detections over an inventory and turn their candidates into the ranked, priced, owned report.

What the engine adds to a detection's candidate:

* **savings from billing**: with a billing store, the billed monthly run rate of the resource's ids (only its
  own usage lines for a resize) times the share of the list cost the fix removes; otherwise the list saving.
  The report says which (`savings_basis`);
* **owner**: the resource's tags through the owner dimension's tag aliases (`billing.allocation`, or
  `waste.owner_tags`), canonical spellings and lower-casing included; failing that, the owner the billing
  store's allocation rules gave its charges;
* **remediation**: the detection's AWS CLI command, and, when a Terraform state or plan manages the
  resource, its address, file:line and the change to make there;
* **totals**: findings on one resource are alternatives (an instance can be both oversized and of an old
  generation), and some overlap (a stopped instance's saving includes its gp2 volume), so totals count only
  the largest of findings sharing a resource or a billed id (`counted`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from finguard.waste.detections import Candidate, Context, Detection, detections
from finguard.waste.model import (
    Finding,
    KindResult,
    Remediation,
    Summary,
    TerraformRef,
    WasteReport,
)
from finguard.waste.savings import DAYS_PER_MONTH, BilledCost, cents

if TYPE_CHECKING:
    from finguard.billing.config import Dimension
    from finguard.config import FinguardConfig
    from finguard.waste.inventory import Inventory
    from finguard.waste.savings import Pricer
    from finguard.waste.terraform import TerraformIndex

FULL_SHARE = ("delete", "release", "terminate")  # the fix removes the resource's whole cost


@dataclass(slots=True)
class Selection:
    """The detections a run evaluates, and why the others are not."""

    run: list[Detection]
    skipped: dict[str, str]  # kind -> reason


def select(config: FinguardConfig, asked: list[str] | None) -> Selection:
    """Every enabled detection, or those asked for with --kind (an unknown kind is a usage error)."""
    from finguard.errors import UsageError

    registry = detections()
    for kind in asked or []:
        if kind not in registry:
            import difflib

            close = difflib.get_close_matches(kind, list(registry), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise UsageError(f"--kind {kind!r} is not a waste kind{hint}; kinds: {', '.join(registry)}")
    run, skipped = [], {}
    for kind, detection in registry.items():
        if asked and kind not in asked:
            skipped[kind] = "not asked for (--kind)"
        elif not config.waste.settings_for(kind).enabled:
            skipped[kind] = f"disabled in finguard.yml (waste.{detection.field_name()}.enabled: false)"
        else:
            run.append(detection)
    return Selection(run, skipped)


def needed_collections(selection: Selection) -> set[str]:
    return {c for d in selection.run for c in d.needs}


def owner_dimension(config: FinguardConfig) -> tuple[list[str], Dimension | None]:
    """(tag keys in order of preference, the dimension that canonicalises their values)."""
    allocation = config.billing.allocation
    dimension = allocation.dimensions.get(allocation.owner)
    keys = list(config.waste.owner_tags) or (list(dimension.tags) if dimension else [])
    return keys, dimension


def owner_from_tags(tags: dict[str, str], keys: list[str], dimension: Dimension | None) -> tuple[str, str] | None:
    """(owner, tag key) from the first key present (case-insensitive), canonicalised like the allocation does."""
    lowered = {k.lower(): (k, v) for k, v in tags.items()}
    for key in keys:
        found = lowered.get(key.lower())
        if found is None or not found[1].strip():
            continue
        value = found[1].strip()
        if dimension is not None:
            for canonical, spellings in dimension.values.items():
                if value.lower() in (s.lower() for s in [canonical, *spellings]):
                    value = canonical
                    break
            if dimension.lowercase:
                value = value.lower()
        return value, found[0]
    return None


def billing_keys(inventory: Inventory) -> dict[str, str]:
    """Every identifier a bill may name an inventory resource by (ids, ARNs, public IPs), each mapped to itself:
    detections and the engine look the billed figures up by whichever they hold."""
    keys: set[str] = set()
    for region in inventory.regions.values():
        keys.update(v.id for v in region.volumes)
        keys.update(s.id for s in region.snapshots)
        keys.update(i for a in region.addresses for i in (a.allocation_id, a.public_ip) if i)
        keys.update(i.id for i in region.instances)
        keys.update(n.id for n in region.nat_gateways)
        keys.update(lb.arn for lb in region.load_balancers)
        keys.update(i for d in region.db_instances for i in (d.arn, d.id) if i)
    return {k: k for k in keys}


def fingerprint(account: str | None, region: str, kind: str, resource_id: str) -> str:
    """Stable identity of a finding across runs (what the store keys first/last seen by)."""
    return hashlib.sha256(f"{account or ''}|{region}|{kind}|{resource_id}".encode()).hexdigest()[:16]


def scan(inventory: Inventory, config: FinguardConfig, pricer: Pricer, selection: Selection, *,
         billing: dict[str, BilledCost] | None = None, terraform: TerraformIndex | None = None,
         generated_at: datetime | None = None) -> WasteReport:
    """Evaluate the selected detections on every region of `inventory` and build the report."""
    waste = config.waste
    kinds: dict[str, KindResult] = {}
    warnings: list[str] = []
    candidates: list[Candidate] = []
    for detection in selection.run:
        ctx = Context(now=inventory.collected_at, settings=waste.settings_for(detection.kind),
                      lookback_days=waste.lookback_days, pricer=pricer, account_id=inventory.account_id,
                      billing=billing)
        result = KindResult(kind=detection.kind, title=detection.title, rule=detection.rule(), judged=False)
        missing_metrics = []
        for region in inventory.regions.values():
            if detection.metrics == "required" and region.metrics is None:
                missing_metrics.append(region.region)
                continue
            result.judged = True
            candidates.extend(detection.detect(region, ctx))
        if missing_metrics:
            if result.judged:
                warnings.append(f"{detection.kind}: not judged in {', '.join(missing_metrics)}: no CloudWatch data "
                                "there")
            else:
                result.reason = f"no CloudWatch data for {', '.join(missing_metrics)}"
        warnings.extend(f"{detection.kind}: {note}" for note in ctx.notes)
        kinds[detection.kind] = result
    for kind, reason in selection.skipped.items():
        d = detections()[kind]
        kinds[kind] = KindResult(kind=kind, title=d.title, rule=d.rule(), judged=False, reason=reason)
    for result in kinds.values():
        if not result.judged and result.reason and result.kind not in selection.skipped:
            warnings.append(f"{result.kind}: not judged ({result.reason})")
    keys, dimension = owner_dimension(config)
    findings = [_finding(c, inventory, billing, terraform, keys, dimension) for c in candidates]
    floor = waste.min_monthly_savings
    findings = [f for f in findings if f.monthly_savings is None or f.monthly_savings >= floor]
    findings.sort(key=lambda f: (f.monthly_savings is None, -(f.monthly_savings or 0.0), f.kind, f.region,
                                 f.resource_id))
    summary = summarise_findings(findings, inventory.resource_count())
    for f in findings:
        k = kinds[f.kind]
        k.findings += 1
        if f.counted and f.monthly_savings is not None:
            k.monthly_savings = round(k.monthly_savings + f.monthly_savings, 2)
    order = list(detections())
    return WasteReport(
        generated_at=(generated_at or datetime.now(UTC)).replace(microsecond=0), as_of=inventory.collected_at,
        source=inventory.source, account_ids=[inventory.account_id] if inventory.account_id else [],
        regions=sorted(inventory.regions), lookback_days=waste.lookback_days, summary=summary,
        kinds=sorted(kinds.values(), key=lambda k: order.index(k.kind)), findings=findings, warnings=warnings)


def summarise_findings(findings: list[Finding], resources_scanned: int = 0) -> Summary:
    """Totals of ranked findings. Findings that touch the same resource or the same billed ids are alternatives
    or overlap (an oversized instance of an old generation; a stopped instance and the gp2 volume it keeps
    paying for), so only the first (largest) of them is `counted`."""
    claimed: set[str] = set()
    counted: list[Finding] = []
    resources: set[tuple[str, str]] = set()
    for f in findings:  # sorted: the largest saving first
        ids = {f"{f.region}|{f.resource_id}", *(f"{f.region}|{i}" for i in f.billing_ids)}
        f.counted = not ids & claimed
        claimed |= ids
        resources.add((f.region, f.resource_id))
        if f.counted:
            counted.append(f)
    return Summary(
        findings=len(findings), resources=len(resources),
        monthly_savings=round(sum(f.monthly_savings or 0.0 for f in counted), 2),
        missing_price=sum(f.monthly_savings is None for f in findings),
        from_billing=sum(f.savings_basis == "billing" for f in findings),
        resources_scanned=resources_scanned)


def _billed(c: Candidate, billing: dict[str, BilledCost] | None) -> Decimal | None:
    """The billed monthly run rate of what the fix touches: the candidate's ids (only the usage types that
    contain `billing_usage`, when set)."""
    if not billing:
        return None
    total: Decimal | None = None
    for ident in dict.fromkeys(c.billing_ids):
        b = billing.get(ident)
        if b is None:
            continue
        if c.billing_usage:
            cost = sum((v for u, v in b.usage_cost.items() if usage_names(u, c.billing_usage)), 0.0)
            if not cost:
                continue
            monthly = Decimal(str(cost)) / Decimal(b.days) * DAYS_PER_MONTH
        else:
            monthly = b.monthly
        total = monthly if total is None else total + monthly
    return total


_ABBREVIATED = ((re.compile(r"\.(\d*)xl\b"), r".\1xlarge"), (re.compile(r"\.lg\b"), ".large"),
                (re.compile(r"\.med\b"), ".medium"), (re.compile(r"\.sm\b"), ".small"))


def usage_names(usage_type: str, wanted: str) -> bool:
    """Whether a billed usage type names `wanted` (an instance type or volume type): RDS abbreviates sizes in
    usage types ("InstanceUsage:db.r5.2xl", "Multi-AZUsage:db.m5.lg"), EC2 does not ("BoxUsage:m5.2xlarge")."""
    if wanted in usage_type:
        return True
    for pattern, full in _ABBREVIATED:
        usage_type = pattern.sub(full, usage_type)
    return wanted in usage_type


def _billing_owner(c: Candidate, billing: dict[str, BilledCost] | None) -> str | None:
    for ident in c.billing_ids:
        b = (billing or {}).get(ident)
        if b is not None and b.owner:
            return b.owner
    return None


def _finding(c: Candidate, inventory: Inventory, billing: dict[str, BilledCost] | None,
             terraform: TerraformIndex | None, keys: list[str], dimension: Dimension | None) -> Finding:
    list_savings = c.savings.monthly
    list_cost = c.monthly_cost.monthly if c.monthly_cost else None
    billed_cost = _billed(c, billing)
    billed_savings: Decimal | None = None
    if billed_cost is not None:
        if c.action in FULL_SHARE:
            billed_savings = billed_cost
        elif list_savings is not None and list_cost:
            billed_savings = billed_cost * (list_savings / list_cost)
    chosen, basis = (billed_savings, "billing") if billed_savings is not None else (list_savings, "list")
    owner = owner_from_tags(c.tags, keys, dimension)
    owner_value, owner_source = (owner[0], f"tag:{owner[1]}") if owner else (None, None)
    if owner_value is None:
        owner_value = _billing_owner(c, billing)
        owner_source = "billing" if owner_value else None
    return Finding(
        kind=c.kind, resource_id=c.resource_id, resource_type=c.resource_type, region=c.region,
        account_id=inventory.account_id, name=c.name, arn=c.arn, owner=owner_value, owner_source=owner_source,
        monthly_savings=cents(chosen), savings_basis=basis if chosen is not None else None,
        monthly_savings_list=cents(list_savings), monthly_savings_billed=cents(billed_savings),
        monthly_cost_list=cents(list_cost), monthly_cost_billed=cents(billed_cost),
        missing_price=c.savings.reason if list_savings is None else None, confidence=c.confidence,
        evidence=[e for e in c.evidence if e], facts=_clean(c.facts), recommendation=c.recommendation,
        alternative=c.alternative, remediation=_remediation(c, terraform), tags=c.tags,
        price_queries=list(dict.fromkeys(c.savings.queries)), billing_ids=list(dict.fromkeys(c.billing_ids)),
        fingerprint=fingerprint(inventory.account_id, c.region, c.kind, c.resource_id))


def _remediation(c: Candidate, terraform: TerraformIndex | None) -> Remediation:
    managed = terraform.find([c.resource_id, c.arn, *c.billing_ids], c.terraform_types) if terraform else None
    if managed is None:
        return Remediation(action=c.action, command=c.command, summary=c.command)
    change = f"set {c.terraform_change}" if c.terraform_change else "remove the resource"
    where = f" ({managed.file}:{managed.line})" if managed.file else ""
    ref = TerraformRef(address=managed.address, type=managed.type, file=managed.file, line=managed.line,
                       change=change)
    return Remediation(action=c.action, command=c.command, terraform=ref, summary=f"{managed.address}{where}: {change}")


def _clean(facts: dict[str, Any]) -> dict[str, Any]:
    """Facts as JSON values: no NaN or Infinity, Decimals as numbers."""
    import math

    out: dict[str, Any] = {}
    for key, value in facts.items():
        if isinstance(value, Decimal):
            value = float(value)
        if isinstance(value, float) and not math.isfinite(value):
            value = None
        out[key] = value
    return out


def resources_of(inventory: Inventory) -> Iterable[tuple[str, str]]:
    """(region, resource id) of everything scanned: a resolved finding whose resource is still here was fixed
    in place ("no longer waste"); one whose resource is gone was deleted."""
    for region in inventory.regions.values():
        for items in (region.volumes, region.snapshots, region.instances, region.nat_gateways, region.db_instances):
            for item in items:
                yield region.region, item.id
        for a in region.addresses:
            yield region.region, a.id
        for lb in region.load_balancers:
            yield region.region, lb.arn
