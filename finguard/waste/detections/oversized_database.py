"""RDS instances larger than their load needs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pydantic import Field

from finguard.waste.detections import (
    Candidate,
    Context,
    Detection,
    DetectionSettings,
    Example,
    MetricQuery,
    Series,
    days_ago,
    monthly,
    query,
)
from finguard.waste.detections._common import Amount, Percent, cli, rounded
from finguard.waste.detections._rightsize import HOUR, load, resize
from finguard.waste.instance_types import parse

if TYPE_CHECKING:
    from finguard.waste.inventory import DbInstance, RegionInventory

CPU = ("AWS/RDS", "CPUUtilization")
CONNECTIONS = ("AWS/RDS", "DatabaseConnections")


class Settings(DetectionSettings):
    max_cpu_p95: Percent = 40.0
    target_cpu_p95: Percent = 70.0
    max_connections_p95: Amount = 500.0  # more concurrent connections than this: memory-bound, leave the size
    min_coverage: Percent = 80.0
    max_halvings: int = Field(default=1, strict=True, ge=1, le=6)  # databases: one size down at a time
    prefer_graviton: bool = Field(default=False, strict=True)


def _db(identifier: str, db_class: str) -> dict[str, object]:
    return {"DBInstanceIdentifier": identifier, "DBInstanceClass": db_class, "Engine": "postgres",
            "DBInstanceStatus": "available", "AllocatedStorage": 100, "StorageType": "gp3", "MultiAZ": False,
            "InstanceCreateTime": days_ago(300),
            "DBInstanceArn": f"arn:aws:rds:us-east-1:111122223333:db:{identifier}"}


def _load(identifier: str, cpu: float, connections: float) -> tuple[Series, ...]:
    dims = {"DBInstanceIdentifier": identifier}
    return (Series(*CPU, dims, "Average", HOUR, [cpu] * (14 * 24)),
            Series(*CONNECTIONS, dims, "Average", HOUR, [connections] * (14 * 24)))


class OversizedDatabase(Detection):
    """An available RDS instance, created before the lookback window, whose CPU p95 (hourly averages over the
    window, data for at least `min_coverage` % of the hours) is below `max_cpu_p95` and whose p95 of
    concurrent connections is at most `max_connections_p95` (RDS sizes max_connections by memory: many
    connections mean a smaller class may run out). Fix: the next smaller class of the same family (at most
    `max_halvings` halvings) that keeps the projected CPU p95 at or under `target_cpu_p95` and that the
    catalog prices for the engine and deployment in the region; the Graviton class is the alternative (or the
    recommendation, with `prefer_graviton`). Saves the difference in instance hours (storage is unchanged).
    Memory is not judged: RDS publishes free memory, not the class's total."""

    kind = "oversized-database"
    rank = 80
    title = "Oversized RDS instance"
    resource_type = "rds-instance"
    needs = ("db_instances",)
    metrics = "required"
    Settings = Settings
    examples = (
        Example("a db.m5.2xlarge PostgreSQL at 12% CPU and 40 connections", {"rds-describe-db-instances": {
            "DBInstances": [_db("orders", "db.m5.2xlarge")]}}, series=_load("orders", 12.0, 40.0),
            flags=("orders",)),
        Example("a busy database, and one with 2,000 connections", {"rds-describe-db-instances": {"DBInstances": [
            _db("billing", "db.m5.xlarge"), _db("sessions", "db.r5.2xlarge")]}},
            series=_load("billing", 55.0, 80.0) + _load("sessions", 10.0, 2000.0), flags=()),
    )

    @staticmethod
    def _eligible(db: DbInstance, ctx: Context) -> bool:
        if db.status != "available" or parse(db.instance_class) is None:
            return False
        age = ctx.age_days(db.created)
        return age is None or age >= ctx.lookback_days

    def queries(self, region: RegionInventory, ctx: Context,
                listed: dict[tuple[str, str], list[dict[str, str]]] | None = None) -> list[MetricQuery]:
        return [query(*metric, {"DBInstanceIdentifier": db.id}, "Average", HOUR)
                for db in region.db_instances if self._eligible(db, ctx) for metric in (CPU, CONNECTIONS)]

    def detect(self, region: RegionInventory, ctx: Context) -> Iterator[Candidate]:
        s: Settings = ctx.settings
        hours = ctx.lookback_days * 24
        no_data = 0
        for db in region.db_instances:
            if not self._eligible(db, ctx):
                continue
            itype = parse(db.instance_class)
            assert itype is not None
            dims = {"DBInstanceIdentifier": db.id}
            cpu = load(self.series(region, query(*CPU, dims, "Average", HOUR)), ctx.window_start, hours)
            connections = load(self.series(region, query(*CONNECTIONS, dims, "Average", HOUR)), ctx.window_start,
                               hours)
            if cpu is None or cpu.coverage * 100 < s.min_coverage:
                no_data += 1
                continue
            if cpu.p95 >= s.max_cpu_p95:
                continue
            if connections is not None and connections.hours and connections.p95 > s.max_connections_p95:
                continue
            fit = resize(itype, [(cpu, s.target_cpu_p95)],
                         lambda c, d=db: ctx.pricer.db_instance(d.region, c, d.engine, multi_az=d.multi_az,
                                                                license_model=d.license_model),
                         max_halvings=s.max_halvings, prefer_graviton=s.prefer_graviton)
            if fit is None:
                continue
            deployment = "Multi-AZ" if db.multi_az else "Single-AZ"
            evidence = [f"CPU p95 {cpu.p95:.1f}% over {ctx.lookback_days} days (hourly averages, "
                        f"{cpu.coverage * 100:.0f}% of hours)"]
            if connections is not None and connections.hours:
                evidence.append(f"connections p95 {connections.p95:,.0f}")
            evidence.append(f"{db.instance_class} {db.engine} {deployment} {monthly(fit.current.monthly)} -> "
                            f"{fit.target} {monthly(fit.proposed.monthly)}, projected CPU p95 "
                            f"{cpu.p95 / fit.ratio:.0f}%")
            alternative = None
            if fit.alternative and fit.alternative_price is not None:
                alt = fit.current.minus(fit.alternative_price)
                alternative = {"recommendation": fit.alternative,
                               "monthly_savings": float(alt.monthly) if alt.monthly is not None else None}
                evidence.append(f"or {fit.alternative} {monthly(fit.alternative_price.monthly)}")
            yield Candidate(
                kind=self.kind, resource_id=db.id, region=db.region, resource_type=self.resource_type,
                evidence=evidence, confidence="high" if connections is not None and cpu.coverage >= 0.95
                else "medium", savings=fit.savings, monthly_cost=fit.current, action="resize",
                command=cli("aws", "rds", "modify-db-instance", "--region", db.region, "--db-instance-identifier",
                            db.id, "--db-instance-class", fit.target, "--apply-immediately"),
                terraform_types=("aws_db_instance", "aws_rds_cluster_instance"),
                terraform_change=f'instance_class = "{fit.target}"', recommendation=fit.target, arn=db.arn,
                name=db.id, tags=db.tags, billing_ids=[i for i in (db.arn, db.id) if i],
                billing_usage=db.instance_class, alternative=alternative,
                facts={"instance_class": db.instance_class, "engine": db.engine, "multi_az": db.multi_az,
                       "cpu_p95": rounded(cpu.p95), "connections_p95": rounded(connections.p95) if connections
                       else None, "projected_cpu_p95": rounded(cpu.p95 / fit.ratio)})
        if no_data:
            ctx.notes.append(f"{region.region}: {no_data} database(s) not judged for size: CPU data for less than "
                             f"{s.min_coverage:g}% of the last {ctx.lookback_days} days")
