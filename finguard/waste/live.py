"""The inventory from live AWS through boto3: read-only describe/list/get calls only.

Credentials, profile and endpoint come from the standard SDK configuration (`--profile` or AWS_PROFILE, the
environment, the shared config files, an instance role; `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>` for
an emulator or a VPC endpoint). Regions are scanned in parallel; every paginated call is paginated. Each response
is turned into the JSON the AWS CLI would print for the same call (pages merged, datetimes as ISO 8601), then
parsed by the same code as a saved inventory, and `--save-inventory DIR` writes exactly those documents.

The calls, per region (IAM: ec2:Describe*, elasticloadbalancing:Describe*, rds:DescribeDBInstances,
cloudwatch:GetMetricData or GetMetricStatistics, cloudwatch:ListMetrics, sts:GetCallerIdentity):
ec2 describe-volumes / -snapshots (own) / -images (own) / -addresses / -instances / -nat-gateways, elbv2
describe-load-balancers / -tags / -target-groups / -target-health, rds describe-db-instances, cloudwatch
list-metrics (agent memory metrics) and get-metric-data for the series the selected detections read.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from finguard.errors import InputError, UsageError
from finguard.waste.inventory import Inventory, RegionInventory, parse_region
from finguard.waste.layout import (
    IDENTITY,
    MANIFEST,
    METRIC_QUERIES,
    METRIC_RESULTS,
    TARGET_HEALTH_DIR,
    docs_for,
)

if TYPE_CHECKING:
    from finguard.waste.config import MetricsSettings
    from finguard.waste.detections import Context, Detection, MetricQuery

MAX_QUERIES_PER_CALL = 500  # GetMetricData
MAX_POINTS_PER_CALL = 100_800  # GetMetricData returns at most this many data points per call (then pages)
MAX_STATISTICS_POINTS = 1_440  # GetMetricStatistics
TAGS_PER_CALL = 20  # elbv2 DescribeTags
REGION_THREADS = 8
STATISTICS_THREADS = 8


@dataclass(slots=True)
class RawRegion:
    """One region's documents as the AWS CLI would write them."""

    docs: dict[str, Any] = field(default_factory=dict)  # document name -> JSON
    target_health: dict[str, Any] = field(default_factory=dict)  # target group name -> JSON
    queries: list[dict[str, Any]] | None = None  # the get-metric-data queries (None: CloudWatch not read)
    results: dict[str, Any] | None = None
    calls: int = 0
    seconds: float = 0.0


@dataclass(slots=True)
class RawInventory:
    account_id: str | None
    collected_at: datetime
    lookback_days: int
    regions: dict[str, RawRegion] = field(default_factory=dict)


def _stamp(value: datetime) -> str:
    """An ISO 8601 UTC timestamp as the AWS CLI prints it."""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def raw_timestamp(value: Any) -> str:
    """A response timestamp as ISO 8601 text: AWS's own text as is, epoch seconds (JSON protocols) converted."""
    if isinstance(value, int | float) or (isinstance(value, str) and value.replace(".", "", 1).isdigit()):
        return _stamp(datetime.fromtimestamp(float(value), UTC))
    return str(value)


def jsonable(node: Any) -> Any:
    """A boto3 response as the CLI's JSON: no ResponseMetadata, datetimes as text, bytes decoded."""
    if isinstance(node, dict):
        return {k: jsonable(v) for k, v in node.items() if k != "ResponseMetadata"}
    if isinstance(node, list | tuple):
        return [jsonable(v) for v in node]
    if isinstance(node, datetime):
        return _stamp(node)
    if isinstance(node, bytes):
        return node.decode("utf-8", "replace")
    if hasattr(node, "is_finite"):  # Decimal
        return float(node)
    return node


def sdk_session(profile: str | None) -> Any:
    """One boto3 session for every region of a scan (service models load once), with raw timestamps."""
    import boto3
    import botocore.session

    with _errors("sdk", "session", "the configured region"):
        core = botocore.session.Session()
        # timestamps stay the text AWS sent (ISO 8601), as the CLI prints them: parsing each into a datetime
        # with dateutil costs more than the rest of a GetMetricData response, and the inventory parser reads
        # the text anyway
        core.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=raw_timestamp)
        return boto3.Session(botocore_session=core, profile_name=profile)


class _Aws:
    """boto3 clients for one region, with every failure turned into one InputError naming the call. Clients are
    created up front (`prepare`, one thread: a session is not thread-safe) and then used from the region's
    thread."""

    def __init__(self, session: Any, region: str) -> None:
        import os

        from botocore.config import Config

        self.region = region
        self.session = session
        # standard retries (throttling, 5xx) with AWS's own default attempts unless AWS_MAX_ATTEMPTS says otherwise
        retries: dict[str, Any] = {"mode": "standard"}
        if not os.environ.get("AWS_MAX_ATTEMPTS"):
            retries["max_attempts"] = 6
        self.config = Config(retries=retries, connect_timeout=10, read_timeout=60, user_agent_extra="finguard-waste")
        self._clients: dict[str, Any] = {}
        self.calls = 0

    def prepare(self, *services: str) -> _Aws:
        for service in services:
            self.client(service)
        return self

    def client(self, service: str) -> Any:
        if service not in self._clients:
            with _errors(service, "client", self.region):
                self._clients[service] = self.session.client(service, region_name=self.region, config=self.config)
        return self._clients[service]

    def call(self, service: str, operation: str, **kwargs: Any) -> Any:
        with _errors(service, operation, self.region):
            self.calls += 1
            return getattr(self.client(service), operation)(**kwargs)

    def pages(self, service: str, operation: str, key: str, page_size: int | None, **kwargs: Any) -> dict[str, Any]:
        """Every page of a paginated call merged under `key`, as the CLI does (`page_size`: items per call, where
        the API takes one)."""
        with _errors(service, operation, self.region):
            client = self.client(service)
            if not client.can_paginate(operation):
                self.calls += 1
                return jsonable(getattr(client, operation)(**kwargs))
            config = {"PageSize": page_size} if page_size else {}
            items: list[Any] = []
            for page in client.get_paginator(operation).paginate(**kwargs, PaginationConfig=config):
                self.calls += 1
                items.extend(page.get(key, []))
            return {key: jsonable(items)}


class _errors:
    """Context manager: botocore exceptions -> one line naming the call and region (exit 2)."""

    def __init__(self, service: str, operation: str, region: str) -> None:
        self.what = f"{service} {operation.replace('_', '-')} in {region}"

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any) -> bool:
        if exc is None:
            return False
        from botocore import exceptions as bx

        if isinstance(exc, bx.NoCredentialsError | bx.PartialCredentialsError):
            raise UsageError("no AWS credentials found (set a profile with --profile or AWS_PROFILE, the "
                             "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY environment, or run with an instance role)") \
                from None
        if isinstance(exc, bx.ProfileNotFound):
            raise UsageError(f"AWS profile not found: {exc}") from None
        if isinstance(exc, bx.ClientError):
            err = exc.response.get("Error", {})
            raise InputError(f"AWS refused {self.what}: {err.get('Code', '?')}: {err.get('Message', '')}".rstrip(": "),
                             where="live AWS") from None
        if isinstance(exc, bx.EndpointConnectionError | bx.ConnectTimeoutError | bx.ReadTimeoutError):
            raise InputError(f"cannot reach AWS for {self.what}: {exc}", where="live AWS") from None
        if isinstance(exc, bx.BotoCoreError):
            raise InputError(f"{self.what} failed: {exc}", where="live AWS") from None
        return False


def resolve_regions(asked: list[str], configured: list[str], profile: str | None) -> list[str]:
    """--region, else waste.regions, else the SDK's region (AWS_REGION, AWS_DEFAULT_REGION, the profile's)."""
    if asked:
        return asked
    if configured:
        return configured
    import boto3
    from botocore import exceptions as bx

    try:
        region = boto3.Session(profile_name=profile).region_name
    except bx.ProfileNotFound as exc:
        raise UsageError(f"AWS profile not found: {exc}") from None
    if not region:
        raise UsageError("no region to scan: pass --region (repeatable), set waste.regions in finguard.yml, or "
                         "set AWS_REGION")
    return [region]


def collect(regions: list[str], *, profile: str | None, collections: set[str], detections: list[Detection],
            context: Callable[[Detection], Context], metrics: MetricsSettings, lookback_days: int,
            now: datetime | None = None, progress: Callable[[str], None] | None = None
            ) -> tuple[Inventory, RawInventory]:
    """Describe `collections` in every region (in parallel), then fetch the CloudWatch series the detections ask
    for; returns the parsed inventory and the raw documents (for --save-inventory)."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    session = sdk_session(profile)
    account = jsonable(_Aws(session, regions[0]).call("sts", "get_caller_identity")).get("Account")
    raw = RawInventory(account_id=account, collected_at=now, lookback_days=lookback_days)
    want_metrics = metrics.enabled and any(d.metrics != "none" for d in detections)

    services = ("ec2", "elbv2", "rds", "cloudwatch")
    clients = {region: _Aws(session, region).prepare(*services) for region in regions}

    def one(region: str) -> tuple[str, RawRegion, RegionInventory]:
        started = time.perf_counter()
        aws = clients[region]
        data = _describe(aws, collections)
        inv = parse_region(region, _as_docs(region, data.docs), target_health=_as_health(region, data),
                           metric_queries=None, metric_results=None)
        if want_metrics:
            data.queries, data.results = _metrics(aws, inv, detections, context, metrics, now, lookback_days)
            inv = parse_region(region, _as_docs(region, data.docs), target_health=_as_health(region, data),
                               metric_queries=[(f"live {region}: cloudwatch queries", data.queries)],
                               metric_results=[(f"live {region}: cloudwatch get-metric-data", data.results)])
        data.calls, data.seconds = aws.calls, time.perf_counter() - started
        if progress:
            series = len(data.queries or [])
            progress(f"{region}: {inv.resource_count():,} resources, {series:,} CloudWatch series, {aws.calls:,} "
                     f"API calls ({data.seconds:.1f} s)")
        return region, data, inv

    inventory = Inventory(source="live AWS", collected_at=now, account_id=account)
    with ThreadPoolExecutor(max_workers=min(REGION_THREADS, len(regions))) as pool:
        for region, data, inv in pool.map(one, regions):
            raw.regions[region] = data
            inventory.regions[region] = inv
    return inventory, raw


def _as_docs(region: str, docs: dict[str, Any]) -> dict[str, list[tuple[str, Any]]]:
    return {name: [(f"live {region}: {name}", doc)] for name, doc in docs.items()}


def _as_health(region: str, data: RawRegion) -> dict[str, tuple[str, Any]]:
    return {name: (f"live {region}: {TARGET_HEALTH_DIR}/{name}", doc) for name, doc in data.target_health.items()}


def _describe(aws: _Aws, collections: set[str]) -> RawRegion:
    data = RawRegion()
    for doc in docs_for(collections):
        data.docs[doc.name] = aws.pages(doc.service, doc.operation, doc.key, doc.page_size, **doc.kwargs)
    if "load_balancers" in collections:
        arns = [lb["LoadBalancerArn"] for lb in data.docs["elbv2-describe-load-balancers"]["LoadBalancers"]]
        tags: list[Any] = []
        for i in range(0, len(arns), TAGS_PER_CALL):
            tags.extend(jsonable(aws.call("elbv2", "describe_tags", ResourceArns=arns[i:i + TAGS_PER_CALL]))
                        .get("TagDescriptions", []))
        data.docs["elbv2-describe-tags"] = {"TagDescriptions": tags}
    if "target_groups" in collections:
        for tg in data.docs["elbv2-describe-target-groups"]["TargetGroups"]:
            data.target_health[tg["TargetGroupName"]] = jsonable(
                aws.call("elbv2", "describe_target_health", TargetGroupArn=tg["TargetGroupArn"]))
    return data


def _metrics(aws: _Aws, inv: RegionInventory, detections: list[Detection], context: Callable[[Detection], Context],
             metrics: MetricsSettings, now: datetime, lookback_days: int
             ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(queries, get-metric-data output) for every series the detections read in this region."""
    listed: dict[tuple[str, str], list[dict[str, str]]] = {}
    for pair in dict.fromkeys(p for d in detections for p in d.lists):
        found = aws.pages("cloudwatch", "list_metrics", "Metrics", None, Namespace=pair[0], MetricName=pair[1])
        listed[pair] = [{d["Name"]: d["Value"] for d in m.get("Dimensions", [])} for m in found["Metrics"]]
    wanted: dict[MetricQuery, None] = {}
    for detection in detections:
        if detection.metrics != "none":
            wanted.update(dict.fromkeys(detection.queries(inv, context(detection), listed)))
    queries = [_query_doc(f"m{i}", q) for i, q in enumerate(wanted)]
    end = now.replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(days=lookback_days)
    if not queries:
        return queries, {"MetricDataResults": [], "Messages": []}
    if metrics.api == "get-metric-statistics":
        results = _statistics(aws, queries, start, end)
    else:
        results = _metric_data(aws, queries, start, end)
    return queries, {"MetricDataResults": results, "Messages": []}


def _query_doc(qid: str, q: MetricQuery) -> dict[str, Any]:
    return {"Id": qid, "MetricStat": {"Metric": {"Namespace": q.namespace, "MetricName": q.metric,
                                                 "Dimensions": [{"Name": k, "Value": v} for k, v in q.dimensions]},
                                      "Period": q.period, "Stat": q.stat}, "ReturnData": True}


def _metric_data(aws: _Aws, queries: list[dict[str, Any]], start: datetime, end: datetime) -> list[dict[str, Any]]:
    """GetMetricData in batches of at most 500 queries (and 100,800 points), every page merged by Id."""
    window = (end - start).total_seconds()
    merged: dict[str, dict[str, Any]] = {}
    batch: list[dict[str, Any]] = []
    points = 0

    def flush() -> None:
        if not batch:
            return
        client = aws.client("cloudwatch")
        with _errors("cloudwatch", "get_metric_data", aws.region):
            for page in client.get_paginator("get_metric_data").paginate(
                    MetricDataQueries=batch, StartTime=start, EndTime=end, ScanBy="TimestampAscending"):
                aws.calls += 1
                for r in jsonable(page).get("MetricDataResults", []):
                    into = merged.setdefault(r["Id"], {"Id": r["Id"], "Label": r.get("Label", ""), "Timestamps": [],
                                                       "Values": [], "StatusCode": r.get("StatusCode", "Complete")})
                    into["Timestamps"].extend(r.get("Timestamps", []))
                    into["Values"].extend(r.get("Values", []))
        batch.clear()

    for q in queries:
        per_query = int(window // q["MetricStat"]["Period"]) + 1
        if batch and (len(batch) >= MAX_QUERIES_PER_CALL or points + per_query > MAX_POINTS_PER_CALL):
            flush()
            points = 0
        batch.append(q)
        points += per_query
    flush()
    return [merged.get(q["Id"], {"Id": q["Id"], "Label": "", "Timestamps": [], "Values": [],
                                 "StatusCode": "Complete"}) for q in queries]


def _statistics(aws: _Aws, queries: list[dict[str, Any]], start: datetime, end: datetime) -> list[dict[str, Any]]:
    """GetMetricStatistics, one series per call (in threads), shaped as get-metric-data results."""
    def one(q: dict[str, Any]) -> dict[str, Any]:
        stat = q["MetricStat"]
        metric, period = stat["Metric"], stat["Period"]
        step = timedelta(seconds=period * MAX_STATISTICS_POINTS)
        points: list[tuple[str, float]] = []
        lo = start
        while lo < end:
            hi = min(end, lo + step)
            found = jsonable(aws.call("cloudwatch", "get_metric_statistics", Namespace=metric["Namespace"],
                                      MetricName=metric["MetricName"], Dimensions=metric["Dimensions"],
                                      StartTime=lo, EndTime=hi, Period=period, Statistics=[stat["Stat"]]))
            points.extend((p["Timestamp"], p[stat["Stat"]]) for p in found.get("Datapoints", []) if stat["Stat"] in p)
            lo = hi
        points.sort()
        return {"Id": q["Id"], "Label": metric["MetricName"], "Timestamps": [t for t, _ in points],
                "Values": [v for _, v in points], "StatusCode": "Complete"}

    with ThreadPoolExecutor(max_workers=STATISTICS_THREADS) as pool:
        return list(pool.map(one, queries))


def save_inventory(raw: RawInventory, directory: Path) -> list[Path]:
    """Write the documents in the saved-inventory layout (finguard.waste.layout), so `--inventory DIR` later
    reads exactly what this scan judged."""
    written: list[Path] = []

    def write(path: Path, data: Any) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(data, indent=2, allow_nan=False) + "\n", encoding="utf-8")
        tmp.replace(path)
        written.append(path)

    try:
        write(directory / MANIFEST, {"schema": "finguard/inventory", "version": 1,
                                     "collected_at": _stamp(raw.collected_at), "account_id": raw.account_id,
                                     "regions": sorted(raw.regions), "lookback_days": raw.lookback_days})
        if raw.account_id:
            write(directory / IDENTITY, {"Account": raw.account_id})
        for region, data in sorted(raw.regions.items()):
            folder = directory / region
            for name, doc in data.docs.items():
                write(folder / f"{name}.json", doc)
            for name, doc in data.target_health.items():
                write(folder / TARGET_HEALTH_DIR / f"{name}.json", doc)
            if data.queries is not None and data.results is not None:
                write(folder / f"{METRIC_QUERIES}.json", data.queries)
                write(folder / f"{METRIC_RESULTS}.json", data.results)
    except OSError as exc:
        raise InputError(f"cannot write the inventory: {exc.strerror or exc}", where=str(directory)) from None
    return written

