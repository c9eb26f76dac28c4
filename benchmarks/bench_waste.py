"""`finguard waste` on a 5,000-resource account in moto: scan time, and precision and recall per kind.

    python benchmarks/bench_waste.py [--resources 5000] [--regions us-east-1,eu-west-1,us-west-2]

Builds the account through the AWS API against moto's server mode on 127.0.0.1 (tests/waste/moto_account.py:
creation times moved back in moto's backend, CloudWatch series put with past timestamps), labelling every
resource as planted waste of one kind or a look-alike (attached volumes, recent or AMI-owned snapshots,
associated addresses, busy load balancers with healthy targets, busy NAT gateways, right-sized and bursty
instances and databases, current-generation types, gp3 volumes). Then times one `finguard waste` scan of the
three regions (describe calls, target health, CloudWatch, pricing, detections; JSON output) and prints, per kind,
the planted count, the flagged count, precision and recall. Target: <= 60 s on 2 cores.

moto's GetMetricData scans every stored data point for every query and every period (queries x periods x points:
with 1,000 hourly series over 14 days, about 10^11 comparisons, hours of emulator time that AWS does not spend),
and its GetMetricStatistics scans every point per call. So the benchmark indexes moto's metric store by series
(`index_moto_metrics`: the same answers, checked against moto's own code on the first queries of the run), and
the figure measures finguard and the API round trips, not the emulator's quadratic scan. The tests use moto
unpatched.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.waste.moto_account import (  # noqa: E402
    KINDS,
    Planter,
    backdate_snapshot,
    backdate_stop,
    moto_server,
    now_utc,
)

TARGET_SECONDS = 60.0


def index_moto_metrics(verify_region: str) -> None:
    """Replace moto's CloudWatchBackend.get_metric_data, for MetricStat queries, by the same computation over an
    index of the stored points by (metric name, dimensions). Checked first: every series of `verify_region` (the
    tests' planted account) queried hourly and daily must get moto's own answer."""
    from moto.backends import get_backend
    from moto.cloudwatch.models import CloudWatchBackend, Statistics

    from tests.waste.moto_account import ACCOUNT

    original = CloudWatchBackend.get_metric_data

    def indexed(self, queries, start_time, end_time, scan_by="TimestampAscending"):
        if not queries or any("MetricStat" not in q for q in queries) or start_time >= end_time:
            return original(self, queries, start_time, end_time, scan_by)
        start, end = start_time.replace(microsecond=0), end_time.replace(microsecond=0)
        index: dict[tuple, list] = {}
        for md in self.get_all_metrics():
            if start <= md.timestamp < end:
                dims = tuple(sorted((d.name, d.value) for d in md.dimensions))
                index.setdefault((md.name, dims), []).append(md)
        out = []
        for q in queries:
            stat = q["MetricStat"]
            metric, period = stat["Metric"], timedelta(seconds=int(stat["Period"]))
            dims = tuple(sorted((d["Name"], d["Value"]) for d in metric.get("Dimensions", [])))
            if dims:  # moto matches name and dimensions (not the namespace) when dimensions are given
                data = index.get((metric["MetricName"], dims), [])
            else:
                data = [md for (name, _), mds in index.items() if name == metric["MetricName"] for md in mds
                        if md.namespace == metric["Namespace"]]
            if stat.get("Unit"):
                data = [md for md in data if md.unit == stat["Unit"]]
            buckets: dict[int, list] = {}
            for md in data:
                buckets.setdefault(int((md.timestamp - start) // period), []).append(md)
            values, stamps = [], []
            for k in sorted(buckets):
                stats = Statistics([stat["Stat"]], start + k * period)
                stats.metric_data = buckets[k]
                values.append(stats.get_statistics_for_type(stat["Stat"]))
                stamps.append(stats.timestamp)
            if scan_by == "TimestampDescending":
                values.reverse()
                stamps.reverse()
            label = q.get("Label") or f"{metric['MetricName']} {stat['Stat']}"
            if q.get("ReturnData", True):
                out.append({"id": q["Id"], "label": label, "values": values, "timestamps": stamps,
                            "status_code": "Complete"})
        return out

    backend = get_backend("cloudwatch")[ACCOUNT][verify_region]
    series = {(md.namespace, md.name, tuple((d.name, d.value) for d in md.dimensions)) for md in backend.metric_data}
    queries = [{"Id": f"q{i}_{period}", "MetricStat": {"Metric": {
        "Namespace": ns, "MetricName": name, "Dimensions": [{"Name": k, "Value": v} for k, v in dims]},
        "Period": period, "Stat": stat}}
        for i, (ns, name, dims) in enumerate(sorted(series)) for period, stat in ((3600, "Average"), (86400, "Sum"))]
    end = now_utc().replace(minute=0, second=0, microsecond=0, tzinfo=None)  # moto keeps naive UTC
    start = end - timedelta(days=14)
    expected = original(backend, queries, start, end)
    if indexed(backend, queries, start, end) != expected or not any(r["values"] for r in expected):
        raise AssertionError("the metric index disagrees with moto's own get_metric_data")
    print(f"metric index: same answers as moto's get_metric_data for {len(queries)} queries", file=sys.stderr)
    CloudWatchBackend.get_metric_data = indexed


def plant_region(p: Planter, budget: int, rng: random.Random) -> None:
    """About `budget` resources in one region: every kind planted at a few percent, the rest look-alikes."""
    ec2, elb = p.c["ec2"], p.c["elbv2"]
    w, h = p.planted.waste, p.planted.healthy
    scale = budget / 1305  # the scanned resources one unit of this recipe makes
    n = lambda base: max(2, round(base * scale))  # noqa: E731
    vpc, subnets = p.net()
    # instances: busy (60-80% CPU), bursty (low mean, high p95), oversized, previous generation, stopped
    busy = []
    for _ in range(n(60)):
        busy += p.instance(rng.choice(["m5.xlarge", "c5.2xlarge", "r5.large", "m6i.large"]), cpu=rng.uniform(55, 80))
    h["oversized-instance"].update(busy)
    h["previous-generation"].update(busy)
    for _ in range(n(15)):
        iid = p.instance("m5.2xlarge", cpu=None)[0]
        values = [90.0 if hour % 10 == 0 else 4.0 for hour in range(p.series_hours)]  # p95 90%, mean 12.6%
        p.series("AWS/EC2", "CPUUtilization", {"InstanceId": iid}, values, unit="Percent")
        h["oversized-instance"].add(iid)
    for _ in range(n(12)):
        w["oversized-instance"].update(p.instance(rng.choice(["m5.2xlarge", "c5.4xlarge", "r5.2xlarge"]),
                                                  cpu=rng.uniform(3, 9)))
    for _ in range(n(10)):
        w["previous-generation"].update(p.instance(rng.choice(["m4.xlarge", "c4.2xlarge", "r4.large"]),
                                                   cpu=rng.uniform(60, 75)))
    old_stopped = [p.instance("m5.large", cpu=None)[0] for _ in range(n(10))]
    new_stopped = [p.instance("m5.large", cpu=None)[0] for _ in range(n(10))]
    ec2.stop_instances(InstanceIds=old_stopped + new_stopped)
    for iid in old_stopped:
        backdate_stop(p.region, iid, p.days_ago(rng.uniform(35, 300)))
    for iid in new_stopped:
        backdate_stop(p.region, iid, p.days_ago(rng.uniform(0.5, 20)))
    w["stopped-instance"].update(old_stopped)
    h["stopped-instance"].update(new_stopped)
    # volumes: attached gp3 (look-alikes), attached gp2 (planted), unattached old (planted) and new (look-alikes)
    live_volumes = []
    for i in range(n(90)):
        vid = p.volume(size=rng.choice([50, 100, 200, 500]), vtype="gp3")
        ec2.attach_volume(VolumeId=vid, InstanceId=busy[i % len(busy)], Device=f"/dev/sd{chr(102 + i // len(busy))}")
        live_volumes.append(vid)
    h["unattached-volume"].update(live_volumes)
    h["gp2-volume"].update(live_volumes)
    for i in range(n(15)):  # gp2 where gp3 at the same IOPS and throughput costs less: planted
        vid = p.volume(size=rng.choice([100, 500, 1000]), vtype="gp2")
        ec2.attach_volume(VolumeId=vid, InstanceId=busy[-1 - i % len(busy)], Device=f"/dev/sd{chr(122 - i)}")
        w["gp2-volume"].add(vid)
    for i in range(n(5)):  # 200 GiB gp2 gives 250 MiB/s: gp3 provisioned to match costs more here: a look-alike
        vid = p.volume(size=200, vtype="gp2")
        ec2.attach_volume(VolumeId=vid, InstanceId=busy[i % len(busy)], Device="/dev/sdk")
        h["gp2-volume"].add(vid)
    w["unattached-volume"].update(p.volume(age_days=rng.uniform(10, 400)) for _ in range(n(20)))
    h["unattached-volume"].update(p.volume(age_days=rng.uniform(0, 5)) for _ in range(n(20)))
    # snapshots: of live volumes and recent ones (look-alikes), of gone volumes and old (planted)
    gone = [p.volume(size=100) for _ in range(n(20))]
    snaps_gone_old, snaps_gone_new, snaps_live = [], [], []
    for vid in gone:
        for _ in range(3):
            snaps_gone_old.append(ec2.create_snapshot(VolumeId=vid)["SnapshotId"])
        snaps_gone_new.append(ec2.create_snapshot(VolumeId=vid)["SnapshotId"])
    for vid in gone:
        ec2.delete_volume(VolumeId=vid)
    p.planted.resources -= len(gone)
    for i in range(n(640)):
        snaps_live.append(ec2.create_snapshot(VolumeId=live_volumes[i % len(live_volumes)])["SnapshotId"])
    for sid in snaps_gone_old + snaps_live:
        backdate_snapshot(p.region, sid, p.days_ago(rng.uniform(40, 700)))
    for sid in snaps_gone_new:
        backdate_snapshot(p.region, sid, p.days_ago(rng.uniform(0, 20)))
    w["orphaned-snapshot"].update(snaps_gone_old)
    h["orphaned-snapshot"].update(snaps_gone_new + snaps_live)
    for _ in range(n(25)):  # AMIs: moto snapshots a volume of its own for each, then deletes the volume
        image = ec2.register_image(Name=p.name("ami-"), RootDeviceName="/dev/sda1", BlockDeviceMappings=[
            {"DeviceName": "/dev/sda1", "Ebs": {"SnapshotId": snaps_live[0]}}])["ImageId"]
        sid = ec2.describe_images(ImageIds=[image])["Images"][0]["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
        backdate_snapshot(p.region, sid, p.days_ago(200))
        h["orphaned-snapshot"].add(sid)
    p.planted.resources += len(snaps_gone_old) + len(snaps_gone_new) + len(snaps_live) + 2 * n(25)
    # addresses
    for i in range(n(40)):
        alloc = ec2.allocate_address(Domain="vpc")["AllocationId"]
        ec2.associate_address(AllocationId=alloc, InstanceId=busy[i % len(busy)])
        h["idle-ip"].add(alloc)
    w["idle-ip"].update(ec2.allocate_address(Domain="vpc")["AllocationId"] for _ in range(n(15)))
    p.planted.resources += n(40) + n(15)
    # load balancers: busy with healthy targets and requests, orphaned, dead targets, new
    for i in range(n(30)):
        arn = p.load_balancer("busy", subnets, age_days=200)
        tg = elb.create_target_group(Name=p.name("tg-"), Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0]
        elb.register_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": busy[i % len(busy)]}])
        elb.create_listener(LoadBalancerArn=arn, Protocol="HTTP", Port=80,
                            DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}])
        p.series("AWS/ApplicationELB", "RequestCount", {"LoadBalancer": arn.split(":loadbalancer/")[1]},
                 [rng.uniform(1e3, 1e6) for _ in range(14)], period=timedelta(days=1), unit="Count")
        h["idle-load-balancer"].add(arn)
        p.planted.resources += 1
    for _ in range(n(6)):
        w["idle-load-balancer"].add(p.load_balancer("orphan", subnets, age_days=120))
    h["idle-load-balancer"].update(p.load_balancer("new", subnets, age_days=3) for _ in range(n(4)))
    # NAT gateways and databases
    for i in range(n(8)):
        nat = p.nat(subnets[i % 2], age_days=200, bytes_per_day=rng.uniform(1e9, 1e11))
        h["idle-nat-gateway"].add(nat)
    w["idle-nat-gateway"].update(p.nat(subnets[0], age_days=200, bytes_per_day=0.0) for _ in range(n(3)))
    for _ in range(n(20)):
        h["oversized-database"].add(p.database(p.name("busy-db-"), rng.choice(["db.m5.large", "db.r5.xlarge"]),
                                               cpu=rng.uniform(55, 80)))
    for _ in range(n(6)):
        w["oversized-database"].add(p.database(p.name("idle-db-"), rng.choice(["db.m5.2xlarge", "db.r5.2xlarge"]),
                                               cpu=rng.uniform(3, 10)))
    p.flush_metrics()


def score(report: dict, planted: dict[str, set[str]]) -> list[tuple[str, int, int, int, float, float]]:
    flagged: dict[str, set[str]] = {k: set() for k in KINDS}
    for f in report["findings"]:
        flagged[f["kind"]].add(f["resource_id"])
    rows = []
    for kind in KINDS:
        tp = len(flagged[kind] & planted[kind])
        fp = len(flagged[kind] - planted[kind])
        fn = len(planted[kind] - flagged[kind])
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        rows.append((kind, len(planted[kind]), len(flagged[kind]), tp, precision, recall))
    return rows


def timed(label: str, fn: Callable[[], object]) -> tuple[object, float]:
    started = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - started
    print(f"{label}: {seconds:.1f} s", file=sys.stderr)
    return result, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resources", type=int, default=5000)
    parser.add_argument("--regions", default="us-east-1,eu-west-1,us-west-2")
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args()
    regions = args.regions.split(",")
    os.environ.setdefault("FINGUARD_HOME", tempfile.mkdtemp(prefix="finguard-bench-waste-"))
    with moto_server():
        now = now_utc()
        planters = {r: Planter(r, now) for r in regions}

        def plant(region: str) -> None:
            plant_region(planters[region], args.resources // len(regions), random.Random(f"{args.seed}-{region}"))

        _, setup = timed(f"planting {len(regions)} regions", lambda: list(ThreadPoolExecutor(len(regions)).map(
            plant, regions)))
        planted = {k: set().union(*(p.planted.waste[k] for p in planters.values())) for k in KINDS}
        work = Path(tempfile.mkdtemp(prefix="bench-waste-"))
        config = work / "finguard.yml"
        config.write_text("version: 1\n", encoding="utf-8")  # defaults: GetMetricData, 14 days
        Planter("ca-central-1", now).plant_all()
        index_moto_metrics("ca-central-1")
        # the scan runs as its own process, as the CLI does against AWS (moto keeps this one busy); its Python
        # modules are byte-compiled and the catalog compiled beforehand, as in an installed finguard
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPATH"] = str(REPO)
        subprocess.run([sys.executable, "-c", "import boto3, botocore.parsers, finguard.cli, finguard.waste.live, "
                        "finguard.waste.engine; from finguard.pricing.catalog import Catalog; Catalog.open_default()"],
                       env=env, check=True)
        argv = [sys.executable, "-m", "finguard", "waste", "--config", str(config), "--format", "json", "--out",
                str(work / "waste.json"), *(a for r in regions for a in ("--region", r))]
        children, own = resource.getrusage(resource.RUSAGE_CHILDREN), time.process_time()
        done, seconds = timed("scan", lambda: subprocess.run(argv, env=env, capture_output=True, text=True))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        finguard_cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
        moto_cpu = time.process_time() - own  # this process did nothing but serve moto during the scan
        code, err = done.returncode, done.stderr  # type: ignore[attr-defined]
        if code != 0:
            print(err, file=sys.stderr)
            return 1
    report = json.loads((work / "waste.json").read_text(encoding="utf-8"))
    scanned = report["summary"]["resources_scanned"]
    print(f"finguard waste: {scanned:,} resources in {len(regions)} regions scanned in {seconds:.1f} s "
          f"(target <= {TARGET_SECONDS:.0f} s: {'met' if seconds <= TARGET_SECONDS else 'MISSED'}); "
          f"{report['summary']['findings']} findings, ${report['summary']['monthly_savings']:,.2f}/month; "
          f"account built in {setup:.0f} s")
    print(f"  CPU: finguard {finguard_cpu:.1f} s, moto {moto_cpu:.1f} s; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores (wall time above CPU time is waiting for a core)")
    for line in err.strip().splitlines():
        print(f"  {line}")
    print(f"{'kind':<22}{'planted':>8}{'flagged':>8}{'correct':>8}{'precision':>10}{'recall':>8}")
    for kind, n_planted, n_flagged, tp, precision, recall in score(report, planted):
        print(f"{kind:<22}{n_planted:>8}{n_flagged:>8}{tp:>8}{precision:>10.3f}{recall:>8.3f}")
    return 0 if seconds <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
