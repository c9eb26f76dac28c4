"""The inventory a waste scan judges: volumes, snapshots, images, addresses, instances, NAT gateways, load balancers,
target groups with their targets' health, RDS instances, and CloudWatch series; per region.

Both sources hand this module the same documents: the JSON the AWS CLI writes for each `describe-*` call (a live
scan turns boto3's responses into exactly that). `parse_region` validates each document against the part of the
AWS shape finguard reads (other fields are ignored, as they change with every SDK release) and raises one
InputError naming the document and the JSON path of the first bad value: `$.Volumes[3].Size: must be a whole
number`. Nothing downstream sees raw dicts.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    Strict,
    ValidationError,
    field_validator,
)
from pydantic.alias_generators import to_pascal

from finguard.errors import InputError

MAX_COUNT = 10**9  # sizes (GiB), IOPS, ports: far above anything AWS allows, far below what breaks arithmetic
YEAR_RANGE = (2000, 2100)


def _utc(value: datetime) -> datetime:
    """Aware UTC: the CLI writes `...Z` or `+00:00`; a naive time is taken as UTC (how the console shows it)."""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if not YEAR_RANGE[0] <= value.year <= YEAR_RANGE[1]:
        raise ValueError(f"timestamp year {value.year} is outside {YEAR_RANGE[0]}-{YEAR_RANGE[1]}")
    return value


Count = Annotated[int, Strict(), Field(ge=0, le=MAX_COUNT)]
Number = Annotated[float, Field(allow_inf_nan=False, ge=-1e18, le=1e18)]
Stamp = Annotated[datetime, AfterValidator(_utc)]
Text = Annotated[str, Strict(), Field(max_length=4096)]


# -- the AWS shapes finguard reads (PascalCase, as the CLI writes them) ------------------------------------------
class _Aws(BaseModel):
    model_config = ConfigDict(extra="ignore", alias_generator=to_pascal, populate_by_name=False)


class _Tag(_Aws):
    key: Text
    value: Text = ""


def _tags(items: list[_Tag] | None) -> dict[str, str]:
    return {t.key: t.value for t in items or []}


class _Attachment(_Aws):
    instance_id: Text | None = None
    state: Text | None = None


class _Volume(_Aws):
    volume_id: Text
    size: Count
    volume_type: Text = "standard"
    state: Text
    availability_zone: Text | None = None
    create_time: Stamp | None = None
    iops: Count | None = None
    throughput: Count | None = None
    snapshot_id: Text | None = None
    attachments: list[_Attachment] = Field(default_factory=list)
    tags: list[_Tag] | None = None


class _Snapshot(_Aws):
    snapshot_id: Text
    volume_id: Text | None = None
    volume_size: Count = 0
    start_time: Stamp | None = None
    state: Text = "completed"
    owner_id: Text | None = None
    description: Text | None = None
    storage_tier: Text | None = None
    tags: list[_Tag] | None = None


class _Ebs(_Aws):
    snapshot_id: Text | None = None
    volume_id: Text | None = None
    volume_size: Count | None = None


class _Mapping(_Aws):
    device_name: Text | None = None
    ebs: _Ebs | None = None


class _Image(_Aws):
    image_id: Text
    name: Text | None = None
    state: Text = "available"
    creation_date: Stamp | None = None
    block_device_mappings: list[_Mapping] = Field(default_factory=list)
    tags: list[_Tag] | None = None


class _Address(_Aws):
    public_ip: Text | None = None
    allocation_id: Text | None = None
    association_id: Text | None = None
    instance_id: Text | None = None
    network_interface_id: Text | None = None
    domain: Text | None = None
    tags: list[_Tag] | None = None


class _State(_Aws):
    name: Text


class _Instance(_Aws):
    instance_id: Text
    instance_type: Text
    state: _State
    launch_time: Stamp | None = None
    state_transition_reason: Text | None = None
    platform: Text | None = None
    architecture: Text | None = None
    instance_lifecycle: Text | None = None
    block_device_mappings: list[_Mapping] = Field(default_factory=list)
    tags: list[_Tag] | None = None


class _Reservation(_Aws):
    owner_id: Text | None = None
    instances: list[_Instance] = Field(default_factory=list)


class _NatAddress(_Aws):
    allocation_id: Text | None = None
    public_ip: Text | None = None


class _Nat(_Aws):
    nat_gateway_id: Text
    state: Text
    create_time: Stamp | None = None
    subnet_id: Text | None = None
    vpc_id: Text | None = None
    connectivity_type: Text = "public"
    nat_gateway_addresses: list[_NatAddress] = Field(default_factory=list)
    tags: list[_Tag] | None = None


class _LbState(_Aws):
    code: Text


class _LoadBalancer(_Aws):
    load_balancer_arn: Text
    load_balancer_name: Text
    type: Text = "application"
    state: _LbState | None = None
    created_time: Stamp | None = None
    scheme: Text | None = None


class _TagDescription(_Aws):
    resource_arn: Text
    tags: list[_Tag] = Field(default_factory=list)


class _TargetGroup(_Aws):
    target_group_arn: Text
    target_group_name: Text
    load_balancer_arns: list[Text] = Field(default_factory=list)
    target_type: Text | None = None


class _TargetRef(_Aws):
    id: Text
    port: Count | None = None


class _TargetHealth(_Aws):
    state: Text
    reason: Text | None = None


class _HealthDescription(_Aws):
    target: _TargetRef
    target_health: _TargetHealth


class _Db(_Aws):
    db_instance_identifier: Text = Field(alias="DBInstanceIdentifier")
    db_instance_class: Text = Field(alias="DBInstanceClass")
    engine: Text
    db_instance_status: Text = Field(alias="DBInstanceStatus")
    allocated_storage: Count = 0
    storage_type: Text | None = None
    iops: Count | None = None
    multi_az: bool = Field(default=False, alias="MultiAZ", strict=True)
    license_model: Text | None = None
    instance_create_time: Stamp | None = None
    db_instance_arn: Text | None = Field(default=None, alias="DBInstanceArn")
    tag_list: list[_Tag] | None = None


class _Dimension(_Aws):
    name: Text
    value: Text


class _Metric(_Aws):
    namespace: Text
    metric_name: Text
    dimensions: list[_Dimension] = Field(default_factory=list)


class _MetricStat(_Aws):
    metric: _Metric
    period: Count
    stat: Text


class _Query(_Aws):
    id: Text
    metric_stat: _MetricStat | None = None


class _Result(_Aws):
    id: Text
    timestamps: list[Stamp] = Field(default_factory=list)
    values: list[Number] = Field(default_factory=list)
    status_code: Text | None = None


class _Identity(_Aws):
    account: Text


_LIST_MODELS: dict[str, type[_Aws]] = {
    "Volumes": _Volume, "Snapshots": _Snapshot, "Images": _Image, "Addresses": _Address,
    "Reservations": _Reservation, "NatGateways": _Nat, "LoadBalancers": _LoadBalancer,
    "TargetGroups": _TargetGroup, "DBInstances": _Db, "TagDescriptions": _TagDescription,
    "TargetHealthDescriptions": _HealthDescription, "MetricDataResults": _Result,
}


# -- the inventory finguard judges ------------------------------------------------------------------------------
class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Volume(_Model):
    id: str
    region: str
    size_gb: int
    type: str
    state: str  # available (attached to nothing), in-use, creating, deleting, error
    az: str | None = None
    created: datetime | None = None
    iops: int | None = None
    throughput: int | None = None
    snapshot_id: str | None = None
    attached_to: list[str] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict)


class Snapshot(_Model):
    id: str
    region: str
    volume_id: str | None = None
    size_gb: int = 0
    started: datetime | None = None
    state: str = "completed"
    owner_id: str | None = None
    description: str | None = None
    storage_tier: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)


class Image(_Model):
    id: str
    region: str
    name: str | None = None
    state: str = "available"
    created: datetime | None = None
    snapshot_ids: list[str] = Field(default_factory=list)


class Address(_Model):
    region: str
    public_ip: str | None = None
    allocation_id: str | None = None
    association_id: str | None = None
    instance_id: str | None = None
    eni_id: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.allocation_id or self.public_ip or "?"


class Instance(_Model):
    id: str
    region: str
    type: str
    state: str  # pending, running, stopping, stopped, shutting-down, terminated
    launched: datetime | None = None
    stopped_since: datetime | None = None  # from StateTransitionReason "User initiated (2024-01-31 10:00:00 GMT)"
    platform: str | None = None  # "windows", or None for Linux/UNIX
    architecture: str | None = None
    lifecycle: str | None = None  # "spot", "scheduled", or None (on demand)
    volume_ids: list[str] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict)


class NatGateway(_Model):
    id: str
    region: str
    state: str
    created: datetime | None = None
    vpc_id: str | None = None
    subnet_id: str | None = None
    connectivity: str = "public"
    allocation_ids: list[str] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict)


class LoadBalancer(_Model):
    arn: str
    name: str
    region: str
    type: str  # application, network, gateway
    state: str = "active"
    created: datetime | None = None
    tags: dict[str, str] = Field(default_factory=dict)

    @property
    def metric_dimension(self) -> str:
        """CloudWatch's LoadBalancer dimension: the ARN after `loadbalancer/` (app/NAME/ID)."""
        return self.arn.split(":loadbalancer/", 1)[-1]


class Target(_Model):
    id: str
    port: int | None = None
    state: str  # healthy, unhealthy, initial, unused, draining, unavailable
    reason: str | None = None


class TargetGroup(_Model):
    arn: str
    name: str
    region: str
    load_balancer_arns: list[str] = Field(default_factory=list)
    targets: list[Target] | None = None  # None: health not collected


class DbInstance(_Model):
    id: str  # DBInstanceIdentifier
    region: str
    instance_class: str
    engine: str
    status: str
    allocated_gb: int = 0
    storage_type: str | None = None
    iops: int | None = None
    multi_az: bool = False
    license_model: str | None = None
    created: datetime | None = None
    arn: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)


class MetricSeries(_Model):
    """One CloudWatch series as queried: its values per period (absent periods had no data)."""

    namespace: str
    metric: str
    dimensions: dict[str, str]
    stat: str
    period: int
    points: list[tuple[datetime, float]] = Field(default_factory=list)

    @property
    def values(self) -> list[float]:
        return [v for _, v in self.points]


class RegionInventory(_Model):
    region: str
    collected: list[str] = Field(default_factory=list)  # collections read (volumes, ..., metrics)
    volumes: list[Volume] = Field(default_factory=list)
    snapshots: list[Snapshot] = Field(default_factory=list)
    images: list[Image] = Field(default_factory=list)
    addresses: list[Address] = Field(default_factory=list)
    instances: list[Instance] = Field(default_factory=list)
    nat_gateways: list[NatGateway] = Field(default_factory=list)
    load_balancers: list[LoadBalancer] = Field(default_factory=list)
    target_groups: list[TargetGroup] = Field(default_factory=list)
    db_instances: list[DbInstance] = Field(default_factory=list)
    metrics: list[MetricSeries] | None = None  # None: CloudWatch not collected
    _index: dict[tuple[Any, ...], MetricSeries] | None = PrivateAttr(default=None)

    def series(self, namespace: str, metric: str, dimensions: dict[str, str], stat: str) -> MetricSeries | None:
        """The queried series (possibly without data points), or None when it was not queried."""
        if self._index is None:
            self._index = {(s.namespace, s.metric, tuple(sorted(s.dimensions.items())), s.stat): s
                           for s in self.metrics or []}
        return self._index.get((namespace, metric, tuple(sorted(dimensions.items())), stat))

    def resource_count(self) -> int:
        return sum(len(getattr(self, c)) for c in ("volumes", "snapshots", "images", "addresses", "instances",
                                                     "nat_gateways", "load_balancers", "target_groups",
                                                     "db_instances"))


class Inventory(_Model):
    source: str  # "live AWS" or the inventory directory
    collected_at: datetime  # the scan's "now": ages and metric windows are measured from it
    account_id: str | None = None
    regions: dict[str, RegionInventory] = Field(default_factory=dict)

    @field_validator("collected_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return _utc(value)

    def resource_count(self) -> int:
        return sum(r.resource_count() for r in self.regions.values())


# -- parsing --------------------------------------------------------------------------------------------------
def json_path(loc: tuple[int | str, ...]) -> str:
    """pydantic's error location as a JSON path: ("Volumes", 3, "Size") -> $.Volumes[3].Size."""
    out = "$"
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def error_message(err: Any) -> str:
    """One validation error in the words of a JSON document."""
    kind, ctx = err["type"], err.get("ctx") or {}
    value = err.get("input")
    shown = repr(value) if not isinstance(value, dict | list) else type(value).__name__
    if len(shown) > 60:
        shown = shown[:57] + "..."
    if kind == "missing":
        return "required field is missing"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"must be a whole number, got {shown}"
    if kind in ("float_type", "float_parsing", "finite_number"):
        return f"must be a finite number, got {shown}"
    if kind in ("string_type",):
        return f"must be text, got {shown}"
    if kind.startswith(("datetime", "date")):
        return f"must be an ISO 8601 timestamp, got {shown}"
    if kind in ("list_type",):
        return f"must be a list, got {shown}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"must be an object, got {shown}"
    if kind == "bool_type":
        return f"must be true or false, got {shown}"
    for bound, op in (("ge", ">="), ("le", "<="), ("max_length", "at most")):
        if bound in ctx:
            return f"must be {op} {ctx[bound]}, got {shown}"
    message = str(err.get("msg", "invalid value"))
    return message.removeprefix("Value error, ")


def _items(raw: Any, key: str, source: str) -> list[Any]:
    """The list under `key` of one CLI document (`{"Volumes": [...]}`), checked."""
    if not isinstance(raw, dict):
        raise InputError(f"expected a JSON object with {key!r} at $, got {type(raw).__name__}", where=source)
    if key not in raw:
        raise InputError(f"missing {key!r} at $ (is this the right AWS CLI output?)", where=source)
    items = raw[key]
    if not isinstance(items, list):
        raise InputError(f"$.{key} must be a list, got {type(items).__name__}", where=source)
    return items


def validate_items(raw: Any, key: str, source: str) -> list[Any]:
    """Every item under `key`, validated as its AWS shape; the first error names its JSON path."""
    model = _LIST_MODELS[key]
    out = []
    for i, item in enumerate(_items(raw, key, source)):
        try:
            out.append(model.model_validate(item))
        except ValidationError as exc:
            err = exc.errors()[0]
            raise InputError(f"invalid value at {json_path((key, i, *err['loc']))}: {error_message(err)}",
                             where=source) from None
    return out


def read_identity(raw: Any, source: str) -> str:
    try:
        return _Identity.model_validate(raw).account
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InputError(f"invalid value at {json_path(tuple(err['loc']))}: {error_message(err)}",
                         where=source) from None


def read_queries(raw: Any, source: str) -> list[_Query]:
    """The `--metric-data-queries` list (the CLI's input file: a JSON list, or {"MetricDataQueries": [...]})."""
    if isinstance(raw, dict) and "MetricDataQueries" in raw:
        raw, prefix = raw["MetricDataQueries"], ("MetricDataQueries",)
    else:
        prefix = ()
    if not isinstance(raw, list):
        raise InputError(f"expected a JSON list of metric data queries at $, got {type(raw).__name__}",
                         where=source)
    out = []
    for i, item in enumerate(raw):
        try:
            out.append(_Query.model_validate(item))
        except ValidationError as exc:
            err = exc.errors()[0]
            raise InputError(f"invalid value at {json_path((*prefix, i, *err['loc']))}: {error_message(err)}",
                             where=source) from None
    return out


Docs = dict[str, list[tuple[str, Any]]]  # document name -> [(source label, parsed JSON)], parts in order
_STOPPED_AT = re.compile(r"\((\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) ?(GMT|UTC)?\)")


def stopped_since(reason: str | None) -> datetime | None:
    """When a stopped instance stopped, from its StateTransitionReason ("User initiated (2024-01-31 10:00:00
    GMT)"); None when the reason carries no time (AWS does not always say)."""
    if not reason:
        return None
    match = _STOPPED_AT.search(reason)
    if not match:
        return None
    try:
        return _utc(datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S"))
    except ValueError:
        return None


def _none_if_empty(value: str | None) -> str | None:
    return value or None  # moto and some SDK versions write "" for an absent association


def parse_region(region: str, docs: Docs, *, target_health: dict[str, tuple[str, Any]] | None = None,
                 metric_queries: list[tuple[str, Any]] | None = None,
                 metric_results: list[tuple[str, Any]] | None = None) -> RegionInventory:
    """One region's documents -> RegionInventory. `docs` holds the describe outputs that were collected (a
    missing name is a collection not read); `target_health` maps a target group name to its describe-target-health
    output; `metric_queries`/`metric_results` are the get-metric-data input and output (None: not collected)."""
    from finguard.waste.layout import DOC_BY_NAME

    inv = RegionInventory(region=region)
    collected: list[str] = []

    def items(name: str, key: str) -> list[Any]:
        out: list[Any] = []
        for source, raw in docs.get(name, []):
            out.extend(validate_items(raw, key, source))
        if name in DOC_BY_NAME and name in docs:
            collected.append(DOC_BY_NAME[name].collection)
        return out

    for v in items("ec2-describe-volumes", "Volumes"):
        inv.volumes.append(Volume(
            id=v.volume_id, region=region, size_gb=v.size, type=v.volume_type, state=v.state,
            az=v.availability_zone, created=v.create_time, iops=v.iops, throughput=v.throughput,
            snapshot_id=_none_if_empty(v.snapshot_id),
            attached_to=[a.instance_id for a in v.attachments if a.instance_id], tags=_tags(v.tags)))
    for s in items("ec2-describe-snapshots", "Snapshots"):
        inv.snapshots.append(Snapshot(
            id=s.snapshot_id, region=region, volume_id=_none_if_empty(s.volume_id), size_gb=s.volume_size,
            started=s.start_time, state=s.state, owner_id=s.owner_id, description=s.description,
            storage_tier=s.storage_tier, tags=_tags(s.tags)))
    for i in items("ec2-describe-images", "Images"):
        inv.images.append(Image(
            id=i.image_id, region=region, name=i.name, state=i.state, created=i.creation_date,
            snapshot_ids=[m.ebs.snapshot_id for m in i.block_device_mappings if m.ebs and m.ebs.snapshot_id]))
    for a in items("ec2-describe-addresses", "Addresses"):
        inv.addresses.append(Address(
            region=region, public_ip=a.public_ip, allocation_id=_none_if_empty(a.allocation_id),
            association_id=_none_if_empty(a.association_id), instance_id=_none_if_empty(a.instance_id),
            eni_id=_none_if_empty(a.network_interface_id), tags=_tags(a.tags)))
    for r in items("ec2-describe-instances", "Reservations"):
        for x in r.instances:
            inv.instances.append(Instance(
                id=x.instance_id, region=region, type=x.instance_type, state=x.state.name, launched=x.launch_time,
                stopped_since=stopped_since(x.state_transition_reason) if x.state.name == "stopped" else None,
                platform=x.platform, architecture=x.architecture, lifecycle=x.instance_lifecycle,
                volume_ids=[m.ebs.volume_id for m in x.block_device_mappings if m.ebs and m.ebs.volume_id],
                tags=_tags(x.tags)))
    for n in items("ec2-describe-nat-gateways", "NatGateways"):
        inv.nat_gateways.append(NatGateway(
            id=n.nat_gateway_id, region=region, state=n.state, created=n.create_time, vpc_id=n.vpc_id,
            subnet_id=n.subnet_id, connectivity=n.connectivity_type,
            allocation_ids=[a.allocation_id for a in n.nat_gateway_addresses if a.allocation_id], tags=_tags(n.tags)))
    lb_tags: dict[str, dict[str, str]] = {}
    for source, raw in docs.get("elbv2-describe-tags", []):
        for t in validate_items(raw, "TagDescriptions", source):
            lb_tags[t.resource_arn] = _tags(t.tags)
    for lb in items("elbv2-describe-load-balancers", "LoadBalancers"):
        inv.load_balancers.append(LoadBalancer(
            arn=lb.load_balancer_arn, name=lb.load_balancer_name, region=region, type=lb.type,
            state=lb.state.code if lb.state else "active", created=lb.created_time,
            tags=lb_tags.get(lb.load_balancer_arn, {})))
    for tg in items("elbv2-describe-target-groups", "TargetGroups"):
        targets = None
        if target_health is not None and tg.target_group_name in target_health:
            source, raw = target_health[tg.target_group_name]
            targets = [Target(id=h.target.id, port=h.target.port, state=h.target_health.state,
                              reason=h.target_health.reason)
                       for h in validate_items(raw, "TargetHealthDescriptions", source)]
        inv.target_groups.append(TargetGroup(arn=tg.target_group_arn, name=tg.target_group_name, region=region,
                                             load_balancer_arns=list(tg.load_balancer_arns), targets=targets))
    for d in items("rds-describe-db-instances", "DBInstances"):
        inv.db_instances.append(DbInstance(
            id=d.db_instance_identifier, region=region, instance_class=d.db_instance_class, engine=d.engine,
            status=d.db_instance_status, allocated_gb=d.allocated_storage, storage_type=d.storage_type, iops=d.iops,
            multi_az=d.multi_az, license_model=d.license_model, created=d.instance_create_time,
            arn=d.db_instance_arn, tags=_tags(d.tag_list)))
    if metric_queries is not None and metric_results is not None:
        inv.metrics = _series(metric_queries, metric_results)
        collected.append("metrics")
    inv.collected = list(dict.fromkeys(collected))
    return inv


def _series(queries: list[tuple[str, Any]], results: list[tuple[str, Any]]) -> list[MetricSeries]:
    """Join the queries (what each Id asked for) with the results (its values) by Id."""
    asked: dict[str, tuple[str, _Query]] = {}
    for source, raw in queries:
        for q in read_queries(raw, source):
            if q.id in asked:
                raise InputError(f"metric query Id {q.id!r} is used twice (also in {asked[q.id][0]})", where=source)
            asked[q.id] = (source, q)
    values: dict[str, list[tuple[datetime, float]]] = {}
    for source, raw in results:
        for i, r in enumerate(validate_items(raw, "MetricDataResults", source)):
            if r.id not in asked:
                files = ", ".join(src for src, _ in queries) or "the metric data queries file"
                raise InputError(f"$.MetricDataResults[{i}].Id {r.id!r} matches no query in {files}", where=source)
            if len(r.timestamps) != len(r.values):
                raise InputError(f"$.MetricDataResults[{i}]: {len(r.timestamps)} Timestamps but {len(r.values)} "
                                 "Values", where=source)
            values.setdefault(r.id, []).extend(zip(r.timestamps, r.values, strict=True))
    out = []
    for qid, (_, q) in asked.items():
        if q.metric_stat is None:
            continue  # a metric-math expression: not a series finguard reads
        m = q.metric_stat.metric
        out.append(MetricSeries(namespace=m.namespace, metric=m.metric_name,
                                dimensions={d.name: d.value for d in m.dimensions}, stat=q.metric_stat.stat,
                                period=q.metric_stat.period, points=sorted(values.get(qid, []))))
    return out
