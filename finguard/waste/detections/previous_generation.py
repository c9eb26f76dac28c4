"""Instances and databases on previous-generation families."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from finguard.waste.detections import Candidate, Context, Detection, DetectionSettings, Example, days_ago, monthly
from finguard.waste.detections._common import cli, name_of
from finguard.waste.detections.oversized_instance import resize_command
from finguard.waste.instance_types import CURRENT, parse
from finguard.waste.savings import Priced

if TYPE_CHECKING:
    from finguard.waste.inventory import RegionInventory


def _instance(instance_id: str, itype: str) -> dict[str, object]:
    return {"InstanceId": instance_id, "InstanceType": itype, "State": {"Code": 16, "Name": "running"},
            "LaunchTime": days_ago(900)}


class PreviousGeneration(Detection):
    """A running EC2 instance or an available RDS instance of a previous-generation family (m4, c4, r4, t2,
    db.m4, db.r4, ... as the compute policy pack lists them) whose current-generation type of the same size
    (m6i or m5, c6i or c5, r6i or r5, t3, db.m6i or db.m5, ...; the first the catalog prices in the region)
    costs less. Fix: change the type (current generations also run faster). Saves the difference in on-demand
    hours; when the old type has no list price in the region the saving is shown as missing, not $0."""

    kind = "previous-generation"
    rank = 90
    title = "Previous-generation instance type"
    resource_type = "instance"
    needs = ("instances", "db_instances")
    Settings = DetectionSettings
    examples = (
        Example("an m4.xlarge and a db.m4.large", {
            "ec2-describe-instances": {"Reservations": [{"Instances": [_instance("i-0aaa", "m4.xlarge")]}]},
            "rds-describe-db-instances": {"DBInstances": [{
                "DBInstanceIdentifier": "legacy", "DBInstanceClass": "db.m4.large", "Engine": "mysql",
                "DBInstanceStatus": "available", "AllocatedStorage": 50, "MultiAZ": False}]}},
            flags=("i-0aaa", "legacy")),
        Example("current-generation types", {
            "ec2-describe-instances": {"Reservations": [{"Instances": [_instance("i-0bbb", "m6i.xlarge")]}]},
            "rds-describe-db-instances": {"DBInstances": []}}, flags=()),
    )

    def detect(self, region: RegionInventory, ctx: Context) -> Iterator[Candidate]:
        for inst in region.instances:
            itype = parse(inst.type)
            if inst.state != "running" or itype is None or inst.lifecycle == "spot":
                continue
            windows = inst.platform == "windows"
            found = self._upgrade(itype.qualified_family, itype.size,
                                  lambda t, w=windows, r=inst.region: ctx.pricer.instance(r, t, windows=w))
            if found is None:
                continue
            target, current, proposed = found
            yield self._candidate(
                inst.id, inst.region, inst.type, target, current, proposed, resource_type="ec2-instance",
                command=resize_command(inst.region, inst.id, target), terraform_types=("aws_instance",),
                attribute="instance_type", name=name_of(inst.tags), tags=inst.tags, billing_ids=[inst.id])
        for db in region.db_instances:
            itype = parse(db.instance_class)
            if db.status != "available" or itype is None:
                continue
            found = self._upgrade(itype.qualified_family, itype.size,
                                  lambda c, d=db: ctx.pricer.db_instance(d.region, c, d.engine, multi_az=d.multi_az,
                                                                         license_model=d.license_model))
            if found is None:
                continue
            target, current, proposed = found
            yield self._candidate(
                db.id, db.region, db.instance_class, target, current, proposed, resource_type="rds-instance",
                command=cli("aws", "rds", "modify-db-instance", "--region", db.region, "--db-instance-identifier",
                            db.id, "--db-instance-class", target, "--apply-immediately"),
                terraform_types=("aws_db_instance", "aws_rds_cluster_instance"), attribute="instance_class",
                name=db.id, tags=db.tags, billing_ids=[i for i in (db.arn, db.id) if i], arn=db.arn)

    @staticmethod
    def _upgrade(family: str, size: str, price: Callable[[str], Priced]) -> tuple[str, Priced, Priced] | None:
        """(current-generation type, old price, new price) for the first successor priced here; None when the
        family is current, no successor is priced, or the successor does not cost less."""
        successors = CURRENT.get(family)
        if not successors:
            return None
        current = price(f"{family}.{size}")
        for successor in successors:
            target = f"{successor}.{size}"
            proposed = price(target)
            if not proposed.found:
                continue
            if current.found and current.monthly is not None and proposed.monthly is not None \
                    and proposed.monthly >= current.monthly:
                return None  # same size, same or higher price: not waste (the policy pack still flags it)
            return target, current, proposed
        return None

    def _candidate(self, resource_id: str, region: str, old: str, target: str, current: Priced, proposed: Priced,
                   *, resource_type: str, command: str, terraform_types: tuple[str, ...], attribute: str,
                   name: str | None, tags: dict[str, str], billing_ids: list[str], arn: str | None = None) -> Candidate:
        savings = current.minus(proposed)
        evidence = [f"{old} is a previous-generation type; {target} is its current generation of the same size",
                    f"{old} {monthly(current.monthly)} -> {target} {monthly(proposed.monthly)}"]
        if not current.found:
            evidence.append(f"no list price for {old} in {region}: saving unknown")
        return Candidate(
            kind=self.kind, resource_id=resource_id, region=region, resource_type=resource_type, evidence=evidence,
            confidence="high" if savings.found else "low", savings=savings, monthly_cost=current,
            action="resize", command=command, terraform_types=terraform_types,
            terraform_change=f'{attribute} = "{target}"', recommendation=target, arn=arn, name=name, tags=tags,
            billing_ids=billing_ids, billing_usage=old, facts={"type": old, "current_generation": target})
