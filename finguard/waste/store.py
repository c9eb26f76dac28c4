"""Findings kept in the billing store (DuckDB) across runs: first and last seen, resolved, realised savings.

Each run upserts its findings by fingerprint (account | region | kind | resource id). A finding the store holds
as open that this run did not find is resolved, but only if this run could have found it: same account, a
region it scanned and a kind it judged (a `--region us-east-1` run never resolves eu-west-1's findings, and
a run without CloudWatch never resolves an oversized instance). Its resolution says whether the resource is gone
(deleted) or still there but no longer waste (resized, attached, ...). A finding found again is reopened.

Realised savings of a resolved finding: with billing data reaching past its last sighting, the resource's
average billed cost per day over the 30 days up to its last sighting (the days it was billed) minus its average
per day over every day after it (the fix happened somewhere in between, so the first days may still carry some
cost: the figure errs low, and firms up as billing data arrives), per 730-hour month and never negative;
otherwise its last projected saving, marked "projected". Recomputed on every run.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from finguard.waste.model import Finding, Realised, ResolvedFinding, WasteReport

if TYPE_CHECKING:
    from finguard.billing.config import BillingConfig
    from finguard.billing.store import BillingStore

BEFORE_DAYS = 30
FINDINGS_DDL = """CREATE TABLE IF NOT EXISTS waste_findings (
    fingerprint VARCHAR PRIMARY KEY, kind VARCHAR, resource_id VARCHAR, region VARCHAR, account_id VARCHAR,
    owner VARCHAR, status VARCHAR, first_seen DATE, last_seen DATE, resolved_on DATE, resolution VARCHAR,
    monthly_savings DOUBLE, savings_basis VARCHAR, billing_ids VARCHAR, finding VARCHAR,
    realised_monthly_savings DOUBLE, realised_basis VARCHAR, realised_detail VARCHAR)"""
RUNS_DDL = """CREATE TABLE IF NOT EXISTS waste_runs (
    ran_at TIMESTAMP, as_of TIMESTAMP, source VARCHAR, account_id VARCHAR, regions VARCHAR, kinds VARCHAR,
    findings BIGINT, monthly_savings DOUBLE, resolved BIGINT)"""
COLUMNS = ("fingerprint", "kind", "resource_id", "region", "account_id", "owner", "status", "first_seen", "last_seen",
           "resolved_on", "resolution", "monthly_savings", "savings_basis", "billing_ids", "finding",
           "realised_monthly_savings", "realised_basis", "realised_detail")


def ensure_tables(store: BillingStore) -> None:
    store.raw_sql(FINDINGS_DDL)
    store.raw_sql(RUNS_DDL)


def has_findings(store: BillingStore) -> bool:
    try:
        return bool(store.raw_sql("SELECT count(*) FROM waste_findings").fetchone()[0])
    except Exception:  # no table yet: no waste run has used this store
        return False


def _rows(store: BillingStore, where: str = "", params: list[Any] | None = None) -> list[dict[str, Any]]:
    cols = ", ".join(COLUMNS)
    return [dict(zip(COLUMNS, r, strict=True))
            for r in store.raw_sql(f"SELECT {cols} FROM waste_findings {where}", params or [])]


def record(store: BillingStore, billing: BillingConfig, report: WasteReport, *, scanned: set[tuple[str, str]],
           judged_kinds: set[str], currency: str | None = None) -> None:
    """Store this run's findings, resolve the vanished ones in its scope, recompute realised savings, and fill
    `report`'s first/last seen, `resolved` and `realised`."""
    ensure_tables(store)
    today = report.as_of.date()
    account = report.account_ids[0] if report.account_ids else None
    regions = set(report.regions)
    found = {f.fingerprint: f for f in report.findings}
    existing = {r["fingerprint"]: r for r in _rows(store)}
    store.raw_sql("BEGIN TRANSACTION")
    try:
        for fp, f in found.items():
            old = existing.get(fp)
            first = old["first_seen"] if old else today
            if old and first > today:  # a run judging an earlier day (--as-of) moves first seen back
                first = today
            last = max(old["last_seen"], today) if old else today
            f.first_seen, f.last_seen = first, last
            values = [fp, f.kind, f.resource_id, f.region, f.account_id, f.owner, "open", first, last, None, None,
                      f.monthly_savings, f.savings_basis, json.dumps(f.billing_ids), f.model_dump_json(), None, None,
                      None]
            store.raw_sql("DELETE FROM waste_findings WHERE fingerprint = ?", [fp])
            store.raw_sql(f"INSERT INTO waste_findings VALUES ({', '.join('?' * len(COLUMNS))})", values)
        resolved_now = 0
        for fp, old in existing.items():
            if fp in found or old["status"] != "open":
                continue
            if old["account_id"] != account or old["region"] not in regions or old["kind"] not in judged_kinds:
                continue  # outside this run's scope: it could not have been found
            if old["last_seen"] > today:
                continue  # seen by a later run than the day this one judges
            gone = (old["region"], old["resource_id"]) not in scanned
            store.raw_sql("UPDATE waste_findings SET status = 'resolved', resolved_on = ?, resolution = ? "
                          "WHERE fingerprint = ?", [today, "resource gone" if gone else "no longer waste", fp])
            resolved_now += 1
        _realise(store, billing, currency)
        store.raw_sql("INSERT INTO waste_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            datetime.now(UTC).replace(tzinfo=None), report.as_of.replace(tzinfo=None), report.source, account,
            json.dumps(sorted(regions)), json.dumps(sorted(judged_kinds)), len(found), report.summary.monthly_savings,
            resolved_now])
        store.raw_sql("COMMIT")
    except BaseException:
        store.raw_sql("ROLLBACK")
        raise
    report.resolved = resolved(store, account=account, regions=regions)
    report.realised = summarise(report.resolved)
    report.store = str(store.path)


def _realise(store: BillingStore, billing: BillingConfig, currency: str | None) -> None:
    """Realised savings of every resolved finding, from billed cost before and after where billing reaches."""
    from finguard.waste.savings import DAYS_PER_MONTH, daily_costs, last_billed_day

    rows = _rows(store, "WHERE status = 'resolved'")
    if not rows:
        return
    last_day = last_billed_day(store)
    costs: dict[str, dict[date, float]] = {}
    if last_day is not None:
        keys = {k: k for r in rows for k in json.loads(r["billing_ids"] or "[]")}
        start = min(r["last_seen"] for r in rows) - timedelta(days=BEFORE_DAYS - 1)
        costs = daily_costs(store, billing, keys, start, last_day, currency)
    for r in rows:
        ids = json.loads(r["billing_ids"] or "[]")
        realised, basis, detail = _realised_one(r, ids, costs, last_day, DAYS_PER_MONTH)
        store.raw_sql("UPDATE waste_findings SET realised_monthly_savings = ?, realised_basis = ?, "
                      "realised_detail = ? WHERE fingerprint = ?", [realised, basis, detail, r["fingerprint"]])


def _realised_one(row: dict[str, Any], ids: list[str], costs: dict[str, dict[date, float]], last_day: date | None,
                  days_per_month: Decimal) -> tuple[float | None, str, str]:
    projected = row["monthly_savings"]
    last_seen = row["last_seen"]
    if last_day is None or last_day <= last_seen:
        return projected, "projected", "no billing data after its last sighting yet: the projected saving"
    before_start = last_seen - timedelta(days=BEFORE_DAYS - 1)
    before: dict[date, float] = {}
    after: dict[date, float] = {}
    for ident in ids:
        for day, cost in costs.get(ident, {}).items():
            if before_start <= day <= last_seen:
                before[day] = before.get(day, 0.0) + cost
            elif last_seen < day <= last_day:
                after[day] = after.get(day, 0.0) + cost
    if not before:
        return projected, "projected", "no billed cost for it before it was resolved: the projected saving"
    per_day_before = sum(before.values()) / len(before)
    after_days = (last_day - last_seen).days
    per_day_after = sum(after.values()) / after_days
    realised = max(0.0, per_day_before - per_day_after) * float(days_per_month)
    detail = (f"billed {per_day_before:,.2f}/day over {len(before)} day(s) before, {per_day_after:,.2f}/day over "
              f"{after_days} day(s) after")
    return round(realised, 2), "billing", detail


def resolved(store: BillingStore, *, account: str | None = None, regions: set[str] | None = None
             ) -> list[ResolvedFinding]:
    """Resolved findings (of one account and its scanned regions, when given), newest first."""
    out = []
    for r in _rows(store, "WHERE status = 'resolved' ORDER BY resolved_on DESC, monthly_savings DESC NULLS LAST"):
        if account is not None and r["account_id"] != account:
            continue
        if regions is not None and r["region"] not in regions:
            continue
        out.append(ResolvedFinding(
            fingerprint=r["fingerprint"], kind=r["kind"], resource_id=r["resource_id"], region=r["region"],
            account_id=r["account_id"], owner=r["owner"], first_seen=r["first_seen"], last_seen=r["last_seen"],
            resolved_on=r["resolved_on"], resolution=r["resolution"], projected_monthly_savings=r["monthly_savings"],
            realised_monthly_savings=r["realised_monthly_savings"], realised_basis=r["realised_basis"],
            detail=r["realised_detail"]))
    return out


def summarise(items: list[ResolvedFinding]) -> Realised:
    return Realised(
        resolved=len(items),
        monthly_savings=round(sum(r.realised_monthly_savings or 0.0 for r in items), 2),
        projected_monthly_savings=round(sum(r.projected_monthly_savings or 0.0 for r in items), 2),
        from_billing=sum(r.realised_basis == "billing" for r in items),
        projected_only=sum(r.realised_basis == "projected" for r in items))


def open_findings(store: BillingStore) -> list[Finding]:
    """The findings still open, as their last run reported them (first/last seen from the store)."""
    out = []
    for r in _rows(store, "WHERE status = 'open'"):
        f = Finding.model_validate_json(r["finding"])
        f.first_seen, f.last_seen = r["first_seen"], r["last_seen"]
        out.append(f)
    out.sort(key=lambda f: (f.monthly_savings is None, -(f.monthly_savings or 0.0), f.kind, f.resource_id))
    return out


def last_run(store: BillingStore) -> dict[str, Any] | None:
    row = store.raw_sql("SELECT ran_at, as_of, source, account_id, regions, kinds FROM waste_runs "
                        "ORDER BY as_of DESC, ran_at DESC LIMIT 1").fetchone()
    if row is None:
        return None
    return dict(zip(("ran_at", "as_of", "source", "account_id", "regions", "kinds"), row, strict=True))
