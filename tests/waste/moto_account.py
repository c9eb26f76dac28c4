"""An AWS account in moto's server mode with planted waste of every kind and healthy look-alikes.

Used by the tests (tests/waste/) and by benchmarks/bench_waste.py. Everything is created through the AWS API
(boto3 against the moto server) except the past: AWS has no API to create a resource 40 days ago, so creation,
launch and stop times are moved back in moto's in-process backend (`backdate`), and CloudWatch series are put
with past timestamps. Moto gaps worked around here and documented in the README:

* moto 5 ignores `OwnerIds=['self']` in DescribeSnapshots (finguard also checks OwnerId against the account);
* its default AMIs (and their snapshots) are not loaded (MOTO_EC2_LOAD_DEFAULT_AMIS=false), as in a real
  account where `describe-images --owners self` lists only the account's own images;
* PutMetricData bodies over botocore's compression threshold are gzipped and moto cannot read them: the
  planting client disables request compression;
* RegisterImage ignores the BlockDeviceMappings it is given and snapshots a volume of its own: the "snapshot
  used by an AMI" look-alike is the snapshot the image lists;
* GetMetricData with percentile statistics (p95) fails in moto, so finguard asks for hourly averages and
  computes the p95 itself (the same on AWS), and moto's GetMetricData costs queries x periods x stored points,
  so the 5,000-resource benchmark reads CloudWatch with GetMetricStatistics (waste.metrics.api).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

ACCOUNT = "123456789012"  # moto's default account
KINDS = ("unattached-volume", "orphaned-snapshot", "idle-ip", "idle-load-balancer", "idle-nat-gateway",
         "stopped-instance", "oversized-instance", "oversized-database", "previous-generation", "gp2-volume")
AMI = "ami-0f00ba12c0ffee000"  # any id: moto launches it without the default AMIs loaded
HOUR = timedelta(hours=1)


@contextmanager
def moto_server() -> Iterator[str]:
    """A ThreadedMotoServer on 127.0.0.1 (a free port), with fake credentials and AWS_ENDPOINT_URL pointing at
    it for every boto3 client of this process. Restores the environment afterwards."""
    import logging

    os.environ["MOTO_EC2_LOAD_DEFAULT_AMIS"] = "false"
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    saved = {k: os.environ.get(k) for k in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                              "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE",
                                              "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")}
    os.environ.update(AWS_ENDPOINT_URL=url, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                      AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE="/dev/null",
                      AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    for key in ("AWS_SESSION_TOKEN", "AWS_PROFILE"):
        os.environ.pop(key, None)
    try:
        yield url
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def clients(region: str) -> dict[str, Any]:
    import boto3
    from botocore.config import Config

    quiet = Config(disable_request_compression=True, retries={"mode": "standard", "max_attempts": 3})
    return {name: boto3.client(name, region_name=region, config=quiet)
            for name in ("ec2", "elbv2", "rds", "cloudwatch")}


# -- the past, in moto's backend --------------------------------------------------------------------------------
def _ec2(region: str) -> Any:
    from moto.backends import get_backend

    return get_backend("ec2")[ACCOUNT][region]


def backdate_volume(region: str, volume_id: str, when: datetime) -> None:
    _ec2(region).volumes[volume_id].create_time = when


def backdate_snapshot(region: str, snapshot_id: str, when: datetime) -> None:
    _ec2(region).snapshots[snapshot_id].start_time = when


def backdate_launch(region: str, instance_id: str, when: datetime) -> None:
    _ec2(region).get_instance_by_id(instance_id).launch_time = when


def backdate_stop(region: str, instance_id: str, when: datetime) -> None:
    _ec2(region).get_instance_by_id(instance_id)._reason = f"User initiated ({when:%Y-%m-%d %H:%M:%S} UTC)"


def backdate_nat(region: str, nat_id: str, when: datetime) -> None:
    _ec2(region).nat_gateways[nat_id]._created_at = when


def backdate_load_balancer(region: str, arn: str, when: datetime) -> None:
    from moto.backends import get_backend

    get_backend("elbv2")[ACCOUNT][region].load_balancers[arn].created_time = when.isoformat()


def backdate_database(region: str, identifier: str, when: datetime) -> None:
    from moto.backends import get_backend

    get_backend("rds")[ACCOUNT][region].databases[identifier].instance_create_time = when


# -- planting ---------------------------------------------------------------------------------------------------
@dataclass
class Planted:
    """What a region holds: per kind, the ids that must be flagged and the look-alikes that must not."""

    region: str
    waste: dict[str, set[str]] = field(default_factory=lambda: {k: set() for k in KINDS})
    healthy: dict[str, set[str]] = field(default_factory=lambda: {k: set() for k in KINDS})
    resources: int = 0

    def merge(self, other: Planted) -> None:
        for k in KINDS:
            self.waste[k] |= other.waste[k]
            self.healthy[k] |= other.healthy[k]
        self.resources += other.resources


class Planter:
    """Creates resources in one region through boto3 and records what each one is."""

    def __init__(self, region: str, now: datetime, *, series_hours: int = 14 * 24) -> None:
        self.region = region
        self.now = now.replace(minute=0, second=0, microsecond=0)
        self.c = clients(region)
        self.planted = Planted(region)
        self.series_hours = series_hours
        self._names = itertools.count()
        self._net: tuple[str, list[str]] | None = None
        self._metrics: list[tuple[str, dict[str, Any]]] = []

    def name(self, prefix: str) -> str:
        return f"{prefix}{next(self._names)}"

    def days_ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    def net(self) -> tuple[str, list[str]]:
        if self._net is None:
            ec2 = self.c["ec2"]
            vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
            subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24",
                                         AvailabilityZone=f"{self.region}{az}")["Subnet"]["SubnetId"]
                       for i, az in enumerate("ab")]
            self._net = (vpc, subnets)
        return self._net

    def tags(self, owner: str | None, name: str | None = None) -> list[dict[str, str]]:
        tags = [{"Key": "team", "Value": owner}] if owner else []
        return tags + ([{"Key": "Name", "Value": name}] if name else [])

    # metrics are buffered and put in batches (fewer calls)
    def series(self, namespace: str, metric: str, dims: dict[str, str], values: list[float], *,
               period: timedelta = HOUR, unit: str = "None") -> None:
        for i, value in enumerate(values):
            self._metrics.append((namespace, {
                "MetricName": metric, "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
                "Timestamp": self.now - period * (i + 1), "Value": float(value), "Unit": unit}))

    def flush_metrics(self) -> None:
        by_ns: dict[str, list[dict[str, Any]]] = {}
        for ns, datum in self._metrics:
            by_ns.setdefault(ns, []).append(datum)
        for ns, data in by_ns.items():
            for i in range(0, len(data), 1000):
                self.c["cloudwatch"].put_metric_data(Namespace=ns, MetricData=data[i:i + 1000])
        self._metrics.clear()

    def hourly(self, level: float, spread: float = 3.0) -> list[float]:
        return [max(0.0, min(100.0, level + spread * ((h * 7919) % 11 - 5) / 5)) for h in range(self.series_hours)]

    # -- resources -------------------------------------------------------------------------------------------
    def volume(self, *, size: int = 100, vtype: str = "gp3", age_days: float = 60, owner: str | None = "data",
               name: str | None = None) -> str:
        vid = self.c["ec2"].create_volume(
            AvailabilityZone=f"{self.region}a", Size=size, VolumeType=vtype,
            TagSpecifications=[{"ResourceType": "volume", "Tags": self.tags(owner, name)}]
            if owner or name else [])["VolumeId"]
        backdate_volume(self.region, vid, self.days_ago(age_days))
        self.planted.resources += 1
        return vid

    def instance(self, itype: str = "m5.large", *, age_days: float = 60, cpu: float | None = 60.0,
                 root_type: str = "gp3", owner: str | None = "web", count: int = 1) -> list[str]:
        r = self.c["ec2"].run_instances(
            ImageId=AMI, MinCount=count, MaxCount=count, InstanceType=itype,
            BlockDeviceMappings=[{"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 8, "VolumeType": root_type}}],
            TagSpecifications=[{"ResourceType": "instance", "Tags": self.tags(owner)}] if owner else [])
        ids = [i["InstanceId"] for i in r["Instances"]]
        for iid in ids:
            backdate_launch(self.region, iid, self.days_ago(age_days))
            if cpu is not None:
                self.series("AWS/EC2", "CPUUtilization", {"InstanceId": iid}, self.hourly(cpu), unit="Percent")
        self.planted.resources += 2 * len(ids)  # the instance and its root volume
        return ids

    def plant_all(self, *, nat: bool = True) -> Planted:
        """One planted item of every kind and at least one look-alike for each."""
        p, ec2, elb = self.planted, self.c["ec2"], self.c["elbv2"]
        # unattached-volume
        p.waste["unattached-volume"].add(self.volume(age_days=40, name="scratch"))
        p.healthy["unattached-volume"].add(self.volume(age_days=1))  # new: may be about to be attached
        # running, right-sized instances (high CPU): the look-alikes of oversized and previous-generation
        busy = self.instance("m5.xlarge", cpu=72.0)[0]
        p.healthy["oversized-instance"].add(busy)
        p.healthy["previous-generation"].add(self.instance("m6i.xlarge", cpu=65.0)[0])
        attached = self.volume(size=200, vtype="gp3")
        ec2.attach_volume(VolumeId=attached, InstanceId=busy, Device="/dev/sdf")
        p.healthy["unattached-volume"].add(attached)
        p.healthy["gp2-volume"].add(attached)
        # gp2-volume
        gp2 = self.volume(size=500, vtype="gp2", name="db-data")
        ec2.attach_volume(VolumeId=gp2, InstanceId=busy, Device="/dev/sdg")
        p.waste["gp2-volume"].add(gp2)
        # orphaned-snapshot: the volume is gone, no AMI uses it, 120 days old
        gone = self.volume(size=200)
        old_snap = ec2.create_snapshot(VolumeId=gone, Description="nightly")["SnapshotId"]
        recent_snap = ec2.create_snapshot(VolumeId=gone, Description="nightly")["SnapshotId"]
        ec2.delete_volume(VolumeId=gone)
        self.planted.resources -= 1
        kept = ec2.create_snapshot(VolumeId=attached, Description="of a live volume")["SnapshotId"]
        # an AMI's snapshot (its volume gone too): moto's RegisterImage ignores the BlockDeviceMappings it is given
        # and snapshots a volume of its own, so the look-alike is whichever snapshot the image lists
        image = ec2.register_image(Name=self.name("golden-"), RootDeviceName="/dev/sda1", BlockDeviceMappings=[
            {"DeviceName": "/dev/sda1", "Ebs": {"SnapshotId": kept, "VolumeSize": 200}}])["ImageId"]
        ami_snap = ec2.describe_images(ImageIds=[image])["Images"][0]["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
        for sid, age in ((old_snap, 120), (recent_snap, 5), (ami_snap, 120), (kept, 120)):
            backdate_snapshot(self.region, sid, self.days_ago(age))
        p.waste["orphaned-snapshot"].add(old_snap)
        p.healthy["orphaned-snapshot"] |= {recent_snap, ami_snap, kept}
        self.planted.resources += 5
        # idle-ip, and an address in use
        idle = ec2.allocate_address(Domain="vpc")["AllocationId"]
        used = ec2.allocate_address(Domain="vpc")["AllocationId"]
        ec2.associate_address(AllocationId=used, InstanceId=busy)
        p.waste["idle-ip"].add(idle)
        p.healthy["idle-ip"].add(used)
        self.planted.resources += 2
        # stopped-instance: one stopped 60 days ago, one yesterday (the only target of a load balancer)
        vpc, subnets = self.net()
        old_stop, new_stop = self.instance("m5.large", cpu=None)[0], self.instance("m5.large", cpu=None)[0]
        tg_dead = elb.create_target_group(Name=self.name("tg-dead-"), Protocol="HTTP", Port=80,
                                          VpcId=vpc)["TargetGroups"][0]
        elb.register_targets(TargetGroupArn=tg_dead["TargetGroupArn"], Targets=[{"Id": new_stop}])
        ec2.stop_instances(InstanceIds=[old_stop, new_stop])
        backdate_stop(self.region, old_stop, self.days_ago(60))
        backdate_stop(self.region, new_stop, self.days_ago(1))
        p.waste["stopped-instance"].add(old_stop)
        p.healthy["stopped-instance"].add(new_stop)
        # oversized-instance: an m5.2xlarge idling at 6% CPU and 30% memory (CloudWatch agent)
        idle_box = self.instance("m5.2xlarge", cpu=6.0, owner="analytics")[0]
        self.series("CWAgent", "mem_used_percent", {"InstanceId": idle_box, "InstanceType": "m5.2xlarge"},
                    self.hourly(30.0), unit="Percent")
        p.waste["oversized-instance"].add(idle_box)
        # previous-generation: a busy m4.xlarge (not oversized)
        p.waste["previous-generation"].add(self.instance("m4.xlarge", cpu=70.0)[0])
        # load balancers
        lb_busy = self.load_balancer("busy", subnets, age_days=90)
        tg = elb.create_target_group(Name=self.name("tg-busy-"), Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0]
        elb.register_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": busy}])
        elb.create_listener(LoadBalancerArn=lb_busy, Protocol="HTTP", Port=80,
                            DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}])
        self.series("AWS/ApplicationELB", "RequestCount", {"LoadBalancer": lb_busy.split(":loadbalancer/")[1]},
                    [25000.0] * 14, period=timedelta(days=1), unit="Count")
        lb_orphan = self.load_balancer("orphan", subnets, age_days=90)  # no target group at all
        lb_dead = self.load_balancer("dead", subnets, age_days=90)  # its only target is stopped
        elb.create_listener(LoadBalancerArn=lb_dead, Protocol="HTTP", Port=80,
                            DefaultActions=[{"Type": "forward", "TargetGroupArn": tg_dead["TargetGroupArn"]}])
        lb_new = self.load_balancer("new", subnets, age_days=2)  # no target yet, but two days old
        p.waste["idle-load-balancer"] |= {lb_orphan, lb_dead}
        p.healthy["idle-load-balancer"] |= {lb_busy, lb_new}
        self.planted.resources += 2
        # NAT gateways: an idle one and a busy one
        if nat:
            idle_nat = self.nat(subnets[0], age_days=60, bytes_per_day=0.0)
            busy_nat = self.nat(subnets[1], age_days=60, bytes_per_day=4e10)
            p.waste["idle-nat-gateway"].add(idle_nat)
            p.healthy["idle-nat-gateway"].add(busy_nat)
        # databases
        p.waste["oversized-database"].add(self.database("orders", "db.m5.2xlarge", cpu=8.0))
        p.healthy["oversized-database"].add(self.database("ledger", "db.m5.large", cpu=70.0))
        p.healthy["previous-generation"].add("ledger")
        self.flush_metrics()
        return p

    def load_balancer(self, label: str, subnets: list[str], *, age_days: float, kind: str = "application") -> str:
        lb = self.c["elbv2"].create_load_balancer(Name=self.name(f"lb-{label}-"), Subnets=subnets, Type=kind,
                                                  Tags=[{"Key": "team", "Value": "edge"}])["LoadBalancers"][0]
        backdate_load_balancer(self.region, lb["LoadBalancerArn"], self.days_ago(age_days))
        self.planted.resources += 1
        return str(lb["LoadBalancerArn"])

    def nat(self, subnet: str, *, age_days: float, bytes_per_day: float) -> str:
        ec2 = self.c["ec2"]
        alloc = ec2.allocate_address(Domain="vpc")["AllocationId"]
        tags = [{"ResourceType": "natgateway", "Tags": self.tags("network")}]
        nat_id = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=alloc,
                                        TagSpecifications=tags)["NatGateway"]["NatGatewayId"]
        backdate_nat(self.region, nat_id, self.days_ago(age_days))
        if bytes_per_day:
            for metric in ("BytesOutToDestination", "BytesInFromDestination"):
                self.series("AWS/NATGateway", metric, {"NatGatewayId": nat_id}, [bytes_per_day] * 14,
                            period=timedelta(days=1), unit="Bytes")
        self.planted.healthy["idle-ip"].add(alloc)
        self.planted.resources += 2
        return str(nat_id)

    def database(self, identifier: str, db_class: str, *, cpu: float, connections: float = 25.0,
                 age_days: float = 60) -> str:
        self.c["rds"].create_db_instance(DBInstanceIdentifier=identifier, DBInstanceClass=db_class, Engine="postgres",
                                         AllocatedStorage=100, StorageType="gp3", MasterUsername="app",
                                         MasterUserPassword="not-a-secret-1234",
                                         Tags=[{"Key": "team", "Value": "payments"}])
        backdate_database(self.region, identifier, self.days_ago(age_days))
        dims = {"DBInstanceIdentifier": identifier}
        self.series("AWS/RDS", "CPUUtilization", dims, self.hourly(cpu), unit="Percent")
        self.series("AWS/RDS", "DatabaseConnections", dims, self.hourly(connections), unit="Count")
        self.planted.resources += 1
        return identifier


def now_utc() -> datetime:
    return datetime.now(UTC)
