"""Estimate vs actual: how close finguard's plan estimates came to what the same resources were billed.

Inputs: a saved breakdown (`finguard breakdown PLAN --format json --out FILE`, read with
`read_saved_breakdown`) and the charges of the days after the change. Billed usage (`ChargeCategory` 'Usage',
with a `ResourceId`) in the window is summed per ResourceId, then billed resources are matched to estimated
resources by these keys, in this order; an estimate takes the first key that finds anything, and a billed
resource goes to the first estimate that claims it:

1. **address tag**: the billed resource's tag `address_tag` (default `terraform_address`, e.g. set through the
   provider's default_tags) equals the estimate's Terraform address.
2. **resource id**: an explicit `resource_ids` map (address -> ResourceId values or shell globs such as
   `arn:aws:ec2:*:*:instance/i-0abc*`), else the identifiers the breakdown carries from state (`arn`, `id`):
   equal to the ResourceId, or its last path/colon segment (`i-0abc` matches `arn:...:instance/i-0abc`).
3. **tags**: for each key of `tag_keys` (default `Name`), the billed resource's tag equals the estimate's. A tag
   value shared by several estimates matches none of them (it cannot say which).

Actual cost is `cost` (default ListCost, falling back to EffectiveCost where ListCost is null: finguard
estimates at public on-demand prices, so list cost measures the estimate, not the discounts; choose
EffectiveCost or BilledCost for what was really paid), normalised to a 730-hour month over the hours observed:
from the first ChargePeriodStart to the last ChargePeriodEnd of the matched rows, within the window, so a
resource created mid-window is not under-counted.

Per resource: estimated and actual monthly cost, error (actual - estimated) and % error, matched_by. Overall,
over matched resources with an estimate > 0: MAPE (mean of |error| / estimated), WAPE (sum |error| / sum
estimated), bias (sum error / sum estimated), coverage (% of estimated cost whose resource found billed rows);
the unmatched estimates, and the billed spend no estimate claimed (total and the largest resources).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
import pandas as pd
from pydantic import BaseModel, Field

from finguard.billing.commitments import exact_cost
from finguard.billing.job_config import MatchConfig
from finguard.billing.schema import X_TAGS
from finguard.errors import InputError
from finguard.model import ProjectCost, ResourceCost, ResourceStatus

HOURS_PER_MONTH = 730
MatchedBy = Literal["address_tag", "resource_id", "tags"]
_SPLIT = re.compile(r"[/:]")


class ResourceComparison(BaseModel):
    address: str
    type: str
    estimated_monthly: float | None
    actual: float = Field(description="cost in the window of the matched billed resources")
    hours_observed: float
    actual_monthly: float | None = Field(description="actual x 730 / hours_observed")
    error: float | None = Field(description="actual_monthly - estimated_monthly")
    error_pct: float | None
    matched_by: MatchedBy | None
    billed_resource_ids: list[str]


class UnmatchedBilled(BaseModel):
    resource_id: str
    cost: float


class EstimateAccuracy(BaseModel):
    project: str
    window_start: date
    window_end: date = Field(description="last day (inclusive)")
    cost: str
    resources: list[ResourceComparison]
    matched: int
    mape: float | None = Field(description="% mean absolute percentage error, matched estimates > 0")
    wape: float | None = Field(description="% sum |error| / sum estimated, matched estimates > 0")
    bias: float | None = Field(description="% sum error / sum estimated: > 0 means under-estimated")
    coverage: float | None = Field(description="% of estimated monthly cost whose resource found billed rows")
    by_match: dict[str, int]
    unmatched_estimates: list[str]
    unmatched_estimated_monthly: float
    unmatched_billed_cost: float = Field(description="billed usage in the window no estimate claimed")
    unmatched_billed_monthly: float = Field(description="the same, normalised to 730 hours over the window")
    unmatched_billed_top: list[UnmatchedBilled]
    warnings: list[str] = Field(default_factory=list)


def _billed(charges: ir.Table, config: MatchConfig, start: datetime, end: datetime, warnings: list[str]
            ) -> pd.DataFrame:
    """One row per ResourceId: cost in the window, first/last hour, and the tag values matching reads."""
    t = charges
    keys = [k for k in [config.address_tag, *config.tag_keys] if k]
    has_tags = X_TAGS in t.columns
    if keys and not has_tags:
        warnings.append(f"charges have no {X_TAGS} column: tag matching ({', '.join(keys)}) skipped")
        keys = []
    rows = t.filter((t.ChargeCategory == "Usage") & t.ResourceId.notnull() & (t.ResourceId != "")
                    & (t.ChargePeriodStart >= start) & (t.ChargePeriodStart < end))
    value = rows[config.cost]
    if config.cost == "ListCost":
        value = ibis.coalesce(value, rows.EffectiveCost)
    aggs: dict[str, Any] = {"cost": exact_cost(value).sum(), "first": rows.ChargePeriodStart.min(),
                            "last": rows.ChargePeriodEnd.max()}
    for i, key in enumerate(dict.fromkeys(keys)):
        aggs[f"tag{i}"] = rows[X_TAGS][key].max()
    frame = rows.group_by("ResourceId").agg(**aggs).to_pandas()
    frame["cost"] = [float(c) for c in frame["cost"]]
    frame = frame.rename(columns={f"tag{i}": k for i, k in enumerate(dict.fromkeys(keys))})
    return frame.sort_values("ResourceId").reset_index(drop=True)


def _id_index(ids: Sequence[str]) -> dict[str, list[str]]:
    """Each billed ResourceId under itself and under its last path/colon segment (`i-0abc` of an EC2 ARN), so a
    state identifier finds its rows by lookup, not by a scan per estimate."""
    index: dict[str, list[str]] = {}
    for rid in ids:
        index.setdefault(rid, []).append(rid)
        last = _SPLIT.split(rid)[-1]
        if last and last != rid:
            index.setdefault(last, []).append(rid)
    return index


def compare_estimates(estimate: ProjectCost, charges: ir.Table, *, start: date, end: date,
                      config: MatchConfig | None = None) -> EstimateAccuracy:
    """Match the breakdown's resources with billed usage from `start` to `end` (inclusive days) and score them."""
    config = config or MatchConfig()
    if end < start:
        raise InputError(f"window ends {end}, before it starts {start}")
    unknown = sorted(set(config.resource_ids) - {r.address for r in estimate.resources})
    warnings: list[str] = []
    if unknown:
        warnings.append(f"resource_ids names addresses the breakdown lacks: {', '.join(unknown)}")
    lo, hi = datetime.combine(start, datetime.min.time()), datetime.combine(end + timedelta(days=1),
                                                                           datetime.min.time())
    window_hours = (hi - lo).total_seconds() / 3600
    billed = _billed(charges, config, lo, hi, warnings)
    ids = billed["ResourceId"].tolist()
    id_index = _id_index(ids)
    claimed: dict[str, str] = {}  # ResourceId -> address
    found: dict[str, tuple[MatchedBy, list[str]]] = {}
    candidates = [r for r in estimate.resources if r.status is not ResourceStatus.SKIPPED]

    def claim(res: ResourceCost, rule: MatchedBy, picks: list[str]) -> None:
        picks = [p for p in picks if p not in claimed]
        if picks and res.address not in found:
            found[res.address] = (rule, picks)
            claimed.update(dict.fromkeys(picks, res.address))

    # 1. The address tag.
    if config.address_tag and config.address_tag in billed.columns:
        by_address: dict[str, list[str]] = {}
        for rid, value in zip(billed["ResourceId"], billed[config.address_tag], strict=True):
            if isinstance(value, str) and value:
                by_address.setdefault(value, []).append(rid)
        for res in candidates:
            claim(res, "address_tag", by_address.get(res.address, []))
    # 2. Resource ids: the explicit map, else the state's identifiers.
    for res in candidates:
        if res.address in found:
            continue
        patterns = config.resource_ids.get(res.address)
        if patterns:
            picks = [rid for rid in ids if any(fnmatch.fnmatchcase(rid, p) for p in patterns)]
        elif config.use_state_ids and res.resource_ids:
            picks = list(dict.fromkeys(rid for key in res.resource_ids for rid in id_index.get(key, [])))
        else:
            picks = []
        claim(res, "resource_id", picks)
    # 3. Tags equality, key by key; a value several estimates share is ambiguous.
    for key in config.tag_keys:
        if key not in billed.columns:
            continue
        owners: dict[str, list[ResourceCost]] = {}
        for res in candidates:
            if res.address not in found and res.tags.get(key):
                owners.setdefault(res.tags[key], []).append(res)
        by_value: dict[str, list[str]] = {}
        for rid, value in zip(billed["ResourceId"], billed[key], strict=True):
            if isinstance(value, str) and value:
                by_value.setdefault(value, []).append(rid)
        for value, group in sorted(owners.items()):
            if len(group) > 1:
                warnings.append(f"tag {key}={value!r} is on {len(group)} estimated resources "
                                f"({', '.join(r.address for r in group)}): not used to match")
                continue
            claim(group[0], "tags", by_value.get(value, []))

    rows = billed.set_index("ResourceId")
    comparisons: list[ResourceComparison] = []
    for res in candidates:
        est = float(res.monthly_cost) if res.monthly_cost is not None else None
        rule, picks = found.get(res.address, (None, []))
        actual, hours = 0.0, 0.0
        if picks:
            sel = rows.loc[picks]
            actual = float(sel["cost"].sum())
            first = max(pd.Timestamp(sel["first"].min()), pd.Timestamp(lo))
            last = min(pd.Timestamp(sel["last"].max()), pd.Timestamp(hi))
            hours = max((last - first).total_seconds() / 3600, 1.0)
        monthly = actual * HOURS_PER_MONTH / hours if picks else None
        error = monthly - est if monthly is not None and est is not None else None
        pct = 100.0 * error / est if error is not None and est else None
        comparisons.append(ResourceComparison(
            address=res.address, type=res.type, estimated_monthly=est, actual=actual, hours_observed=hours,
            actual_monthly=monthly, error=error, error_pct=pct, matched_by=rule, billed_resource_ids=picks))

    scored = [c for c in comparisons if c.matched_by and c.estimated_monthly and c.estimated_monthly > 0]
    estimated = [c for c in comparisons if c.estimated_monthly and c.estimated_monthly > 0]
    total_est = sum(c.estimated_monthly or 0.0 for c in estimated)
    scored_est = sum(c.estimated_monthly or 0.0 for c in scored)
    abs_err = sum(abs(c.error or 0.0) for c in scored)
    unmatched = [c for c in estimated if not c.matched_by]
    free = billed[~billed["ResourceId"].isin(list(claimed))].sort_values(["cost", "ResourceId"],
                                                                         ascending=[False, True])
    unmatched_cost = float(free["cost"].sum())
    by_match: dict[str, int] = {}
    for c in comparisons:
        if c.matched_by:
            by_match[c.matched_by] = by_match.get(c.matched_by, 0) + 1
    return EstimateAccuracy(
        project=estimate.project, window_start=start, window_end=end, cost=config.cost, resources=comparisons,
        matched=sum(1 for c in comparisons if c.matched_by),
        mape=sum(abs(c.error_pct or 0.0) for c in scored) / len(scored) if scored else None,
        wape=100.0 * abs_err / scored_est if scored_est else None,
        bias=100.0 * sum(c.error or 0.0 for c in scored) / scored_est if scored_est else None,
        coverage=100.0 * scored_est / total_est if total_est else None, by_match=by_match,
        unmatched_estimates=[c.address for c in unmatched],
        unmatched_estimated_monthly=sum(c.estimated_monthly or 0.0 for c in unmatched),
        unmatched_billed_cost=unmatched_cost, unmatched_billed_monthly=unmatched_cost * HOURS_PER_MONTH / window_hours,
        unmatched_billed_top=[UnmatchedBilled(resource_id=r, cost=float(c)) for r, c in
                              zip(free["ResourceId"][:config.top_unmatched], free["cost"][:config.top_unmatched],
                                  strict=True)],
        warnings=warnings)
