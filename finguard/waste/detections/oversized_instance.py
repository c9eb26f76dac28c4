"""EC2 instances larger than their load needs."""

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
from finguard.waste.detections._common import Percent, cli, name_of, rounded
from finguard.waste.detections._rightsize import HOUR, Load, load, resize
from finguard.waste.instance_types import parse

if TYPE_CHECKING:
    from finguard.waste.inventory import Instance, RegionInventory

CPU = ("AWS/EC2", "CPUUtilization")
MEMORY = ("CWAgent", "mem_used_percent")  # published only where the CloudWatch agent runs


class Settings(DetectionSettings):
    max_cpu_p95: Percent = 40.0  # p95 of hourly CPU averages below this: a candidate
    target_cpu_p95: Percent = 70.0  # the smaller size must keep the projected p95 at or under this
    max_memory_p95: Percent = 60.0  # with the CloudWatch agent's memory metric: must also be below this
    target_memory_p95: Percent = 80.0
    min_coverage: Percent = 80.0  # % of the window's hours that must have a CPU data point
    max_halvings: int = Field(default=2, strict=True, ge=1, le=6)  # at most a quarter of the size (2 halvings)
    skip_burstable: bool = Field(default=True, strict=True)  # t2/t3/t4g: CPU credits, not size, govern them
    prefer_graviton: bool = Field(default=False, strict=True)  # recommend the Graviton twin (needs an arm64 AMI)


def _instance(instance_id: str, itype: str) -> dict[str, object]:
    return {"InstanceId": instance_id, "InstanceType": itype, "State": {"Code": 16, "Name": "running"},
            "LaunchTime": days_ago(200)}


def _cpu(instance_id: str, level: float) -> Series:
    return Series(*CPU, {"InstanceId": instance_id}, "Average", HOUR, [level] * (14 * 24))


class OversizedInstance(Detection):
    """A running on-demand instance, launched before the lookback window, whose CPU p95 (the 95th percentile of
    its hourly averages over the window, with data for at least `min_coverage` % of the hours) is below
    `max_cpu_p95`, and whose memory p95 (where the CloudWatch agent publishes mem_used_percent) is below
    `max_memory_p95`. Fix: the smallest size of the same family, at most `max_halvings` halvings down, that
    keeps the projected p95 (p95 x current / new capacity) at or under `target_cpu_p95` (and
    `target_memory_p95`) and that the catalog prices in the region; the Graviton twin of that size is given as
    an alternative (or recommended, with `prefer_graviton`). Saves the difference in on-demand hours. Burstable
    families are skipped (`skip_burstable`); spot instances are priced by the market, not the list."""

    kind = "oversized-instance"
    rank = 70
    title = "Oversized EC2 instance"
    resource_type = "ec2-instance"
    needs = ("instances",)
    metrics = "required"
    lists = (MEMORY,)
    Settings = Settings
    examples = (
        Example("an m5.2xlarge at 9% CPU: m5.large keeps the p95 at 36%", {"ec2-describe-instances": {
            "Reservations": [{"Instances": [_instance("i-0aaa", "m5.2xlarge")]}]}},
            series=(_cpu("i-0aaa", 9.0),), flags=("i-0aaa",)),
        Example("a busy m5.xlarge (p95 65%), a t3.large (burstable), and an instance without CPU data", {
            "ec2-describe-instances": {"Reservations": [{"Instances": [
                _instance("i-0bbb", "m5.xlarge"), _instance("i-0ccc", "t3.large"),
                _instance("i-0ddd", "m5.xlarge")]}]}},
            series=(_cpu("i-0bbb", 65.0), _cpu("i-0ccc", 2.0)), flags=()),
    )

    def _eligible(self, inst: Instance, ctx: Context) -> bool:
        itype = parse(inst.type)
        s: Settings = ctx.settings
        if inst.state != "running" or inst.lifecycle == "spot" or itype is None:
            return False
        if s.skip_burstable and itype.burstable:
            return False
        age = ctx.age_days(inst.launched)
        return age is None or age >= ctx.lookback_days

    def queries(self, region: RegionInventory, ctx: Context,
                listed: dict[tuple[str, str], list[dict[str, str]]] | None = None) -> list[MetricQuery]:
        eligible = {i.id for i in region.instances if self._eligible(i, ctx)}
        out = [query(*CPU, {"InstanceId": i}, "Average", HOUR) for i in sorted(eligible)]
        for dims in (listed or {}).get(MEMORY, []):
            if dims.get("InstanceId") in eligible:
                out.append(query(*MEMORY, dims, "Average", HOUR))
        return out

    def detect(self, region: RegionInventory, ctx: Context) -> Iterator[Candidate]:
        s: Settings = ctx.settings
        hours = ctx.lookback_days * 24
        no_data = 0
        for inst in region.instances:
            if not self._eligible(inst, ctx):
                continue
            itype = parse(inst.type)
            assert itype is not None
            cpu = load(self.series(region, query(*CPU, {"InstanceId": inst.id}, "Average", HOUR)),
                       ctx.window_start, hours)
            if cpu is None or cpu.coverage * 100 < s.min_coverage:
                no_data += 1
                continue
            if cpu.p95 >= s.max_cpu_p95:
                continue
            memory = self._memory(region, inst, ctx, hours)
            if memory is not None and memory.p95 >= s.max_memory_p95:
                continue
            loads: list[tuple[Load, float]] = [(cpu, s.target_cpu_p95)]
            if memory is not None:
                loads.append((memory, s.target_memory_p95))
            windows = inst.platform == "windows"
            fit = resize(itype, loads, lambda t, r=inst.region, w=windows: ctx.pricer.instance(r, t, windows=w),
                         max_halvings=s.max_halvings, prefer_graviton=s.prefer_graviton)
            if fit is None:
                continue
            evidence = [f"CPU p95 {cpu.p95:.1f}% over {ctx.lookback_days} days (hourly averages, "
                        f"{cpu.coverage * 100:.0f}% of hours)"]
            evidence.append(f"memory p95 {memory.p95:.1f}% (CloudWatch agent)" if memory is not None
                            else "memory not measured (no CloudWatch agent metric): CPU only")
            evidence.append(f"{inst.type} {monthly(fit.current.monthly)} -> {fit.target} "
                            f"{monthly(fit.proposed.monthly)}, projected CPU p95 {cpu.p95 / fit.ratio:.0f}%")
            alternative = None
            if fit.alternative and fit.alternative_price is not None:
                alt = fit.current.minus(fit.alternative_price)
                alternative = {"recommendation": fit.alternative,
                               "monthly_savings": float(alt.monthly) if alt.monthly is not None else None}
                evidence.append(f"or {fit.alternative} {monthly(fit.alternative_price.monthly)}")
            yield Candidate(
                kind=self.kind, resource_id=inst.id, region=inst.region, resource_type=self.resource_type,
                evidence=evidence, confidence="high" if memory is not None and cpu.coverage >= 0.95 else "medium",
                savings=fit.savings, monthly_cost=fit.current, action="resize",
                command=resize_command(inst.region, inst.id, fit.target),
                terraform_types=("aws_instance",), terraform_change=f'instance_type = "{fit.target}"',
                recommendation=fit.target, name=name_of(inst.tags), tags=inst.tags, billing_ids=[inst.id],
                billing_usage=inst.type,
                alternative=alternative,
                facts={"instance_type": inst.type, "cpu_p95": rounded(cpu.p95), "memory_p95":
                       rounded(memory.p95) if memory else None, "coverage": rounded(cpu.coverage, 3),
                       "projected_cpu_p95": rounded(cpu.p95 / fit.ratio)})
        if no_data:
            ctx.notes.append(f"{region.region}: {no_data} running instance(s) not judged for size: CPU data for less "
                             f"than {s.min_coverage:g}% of the last {ctx.lookback_days} days")

    def _memory(self, region: RegionInventory, inst: Instance, ctx: Context, hours: float) -> Load | None:
        for series in region.metrics or []:
            if (series.namespace, series.metric) == MEMORY and series.dimensions.get("InstanceId") == inst.id:
                return load(series, ctx.window_start, hours)
        return None


def resize_command(region: str, instance_id: str, target: str) -> str:
    """Stop, change the type, start: an instance's type changes only while it is stopped."""
    return " && ".join([
        cli("aws", "ec2", "stop-instances", "--region", region, "--instance-ids", instance_id),
        cli("aws", "ec2", "wait", "instance-stopped", "--region", region, "--instance-ids", instance_id),
        cli("aws", "ec2", "modify-instance-attribute", "--region", region, "--instance-id", instance_id,
            "--instance-type", f"Value={target}"),
        cli("aws", "ec2", "start-instances", "--region", region, "--instance-ids", instance_id)])
