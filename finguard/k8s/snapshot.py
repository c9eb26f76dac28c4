"""Nodes and pods, from the Kubernetes API or saved `kubectl get nodes,pods -A -o json` files, as running intervals.

A snapshot is one moment of the cluster: the nodes (instance type, region, zone, capacity type and node pool,
from the labels EKS, Karpenter, GKE and AKS write) and the pods (containers' requests and limits, phase,
start and finish times, node, namespace, labels, owner). A directory of snapshots taken over time (a cron job
running `finguard k8s snapshot`, or kubectl) becomes one interval per node and per pod:

* a snapshot stands for the time since the one before it, so N hourly snapshots cover N hours; the first one
  looks back the usual gap between snapshots (`k8s.lookback_hours`; one hour for a lone snapshot);
* a pod runs from its `startTime` (else its creation) to its containers' `finishedAt` when it has finished;
  one that disappears between two snapshots is taken to have ended halfway between them (the unbiased guess),
  one still running in the last snapshot runs to the end; a node likewise, from its creation;
* everything is clipped to the covered time, and a pod to its node's interval.

The API objects are read through pydantic models at this boundary: a value that is not what Kubernetes writes
(a quantity that is not a quantity, a label that is not a string, a date that is not one) is one error naming
the file and the JSON path, exit 2.
"""

from __future__ import annotations

import fnmatch
import itertools
import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictStr, ValidationError

from finguard.errors import InputError
from finguard.json_input import json_path, load_json
from finguard.k8s.config import K8sConfig
from finguard.k8s.providers import detect, first_label
from finguard.k8s.quantity import QuantityError, quantity

UNSET = "__unset__"  # a label, team, node pool or controller a pod or node does not have
IDLE = "__idle__"  # capacity no pod requested or used
GPU_RESOURCES = ("nvidia.com/gpu", "amd.com/gpu")
INSTANCE_TYPE_LABELS = ("node.kubernetes.io/instance-type", "beta.kubernetes.io/instance-type")
REGION_LABELS = ("topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/region")
ZONE_LABELS = ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone")
OS_LABELS = ("kubernetes.io/os", "beta.kubernetes.io/os")
SPOT_TYPES = ("spot", "preemptible")
MAX_OBJECTS = 2_000_000  # nodes + pods in one snapshot: far above the largest clusters (150k pods)
FIRST_YEAR, LAST_YEAR = 2000, 2100


# -- the API objects (only the fields allocation reads; everything else is ignored) ----------------------------
def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    if not FIRST_YEAR <= value.year < LAST_YEAR:
        raise ValueError(f"date outside the years {FIRST_YEAR}-{LAST_YEAR - 1}: {value.isoformat()}")
    return value


def _quantity(value: Any) -> float:
    try:
        return quantity(value)
    except QuantityError as exc:
        raise ValueError(str(exc)) from None


Time = Annotated[datetime, AfterValidator(_utc)]
Quantity = Annotated[float, BeforeValidator(_quantity)]
Name = Annotated[str, Field(strict=True, min_length=1, max_length=253)]


class _K8s(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class OwnerReference(_K8s):
    kind: StrictStr
    name: StrictStr
    controller: bool | None = None


class ObjectMeta(_K8s):
    name: Name
    namespace: Name | None = None
    uid: StrictStr | None = None
    resourceVersion: StrictStr | None = None
    labels: dict[StrictStr, StrictStr] = Field(default_factory=dict)
    creationTimestamp: Time | None = None
    ownerReferences: list[OwnerReference] = Field(default_factory=list)


class NodeSpec(_K8s):
    providerID: StrictStr | None = None


class NodeStatus(_K8s):
    capacity: dict[StrictStr, Quantity] = Field(default_factory=dict)
    allocatable: dict[StrictStr, Quantity] = Field(default_factory=dict)


class Node(_K8s):
    kind: Literal["Node"] = "Node"
    metadata: ObjectMeta
    spec: NodeSpec = Field(default_factory=NodeSpec)
    status: NodeStatus = Field(default_factory=NodeStatus)


class ResourceRequirements(_K8s):
    requests: dict[StrictStr, Quantity] = Field(default_factory=dict)
    limits: dict[StrictStr, Quantity] = Field(default_factory=dict)


class Container(_K8s):
    name: StrictStr
    resources: ResourceRequirements = Field(default_factory=ResourceRequirements)
    restartPolicy: StrictStr | None = None  # "Always" on an init container: a sidecar, running alongside

    def request(self, resource: str) -> float:
        """What the scheduler reserves: the request, or the limit when only a limit is set."""
        value = self.resources.requests.get(resource)
        return value if value is not None else self.resources.limits.get(resource, 0.0)


class PodSpec(_K8s):
    nodeName: StrictStr | None = None
    containers: list[Container] = Field(default_factory=list)
    initContainers: list[Container] = Field(default_factory=list)
    overhead: dict[StrictStr, Quantity] | None = None


class Terminated(_K8s):
    finishedAt: Time | None = None


class ContainerState(_K8s):
    terminated: Terminated | None = None


class ContainerStatus(_K8s):
    state: ContainerState | None = None


class PodStatus(_K8s):
    phase: StrictStr | None = None
    startTime: Time | None = None
    containerStatuses: list[ContainerStatus] = Field(default_factory=list)


class Pod(_K8s):
    kind: Literal["Pod"] = "Pod"
    metadata: ObjectMeta
    spec: PodSpec = Field(default_factory=PodSpec)
    status: PodStatus = Field(default_factory=PodStatus)

    def request(self, resource: str) -> float:
        """The pod's effective request, as the scheduler computes it: app containers and sidecars together, or
        the largest plain init container if that is more, plus the runtime's pod overhead."""
        sidecars = sum(c.request(resource) for c in self.spec.initContainers if c.restartPolicy == "Always")
        running = sum(c.request(resource) for c in self.spec.containers) + sidecars
        init = max((c.request(resource) for c in self.spec.initContainers if c.restartPolicy != "Always"),
                   default=0.0)
        overhead = (self.spec.overhead or {}).get(resource, 0.0)
        return max(running, init + sidecars) + overhead

    def finished_at(self) -> datetime | None:
        times = [s.state.terminated.finishedAt for s in self.status.containerStatuses
                 if s.state and s.state.terminated and s.state.terminated.finishedAt]
        return max(times) if times else None


@dataclass(slots=True)
class Snapshot:
    """One moment of the cluster."""

    time: datetime
    source: str
    nodes: list[Node] = field(default_factory=list)
    pods: list[Pod] = field(default_factory=list)
    other_kinds: int = 0


# -- reading ---------------------------------------------------------------------------------------------------
_STAMP = re.compile(r"(?P<y>\d{4})-?(?P<mo>\d{2})-?(?P<d>\d{2})[T_ ]?(?P<h>\d{2})[:\-]?(?P<mi>\d{2})"
                    r"(?:[:\-]?(?P<s>\d{2}))?(?:\.\d+)?(?P<z>Z|[+-]\d{2}:?\d{2})?")


def time_from_name(path: Path) -> datetime:
    """The moment a snapshot file was taken, from its name (`2024-09-01T10-00-00Z.json`, `20240901T1000Z.json`):
    kubectl's output carries no time of its own. Without a zone the time is UTC."""
    match = _STAMP.search(path.name)
    if match is None:
        raise InputError("no timestamp in the file name: name snapshot files by the UTC time they were taken, "
                         "e.g. 2024-09-01T10-00-00Z.json (finguard k8s snapshot does)", where=str(path))
    zone = match["z"] or "Z"
    text = (f"{match['y']}-{match['mo']}-{match['d']}T{match['h']}:{match['mi']}:{match['s'] or '00'}"
            f"{'+00:00' if zone == 'Z' else zone[:3] + ':' + zone[-2:]}")
    try:
        return _utc(datetime.fromisoformat(text))
    except ValueError as exc:
        raise InputError(f"the timestamp in the file name is not a real time: {exc}", where=str(path)) from None


def snapshot_files(paths: Iterable[Path]) -> list[Path]:
    """The snapshot files named: each directory's *.json files (not recursive), each file itself."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() == ".json" and not p.name.startswith("."))
            if not found:
                raise InputError("no snapshot files (*.json) in this directory", where=str(path))
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            raise InputError("no such file or directory", where=str(path))
    return files


def read_snapshots(paths: Iterable[Path]) -> list[Snapshot]:
    """Every snapshot named, oldest first; two files of the same moment are an error (which one is right?).

    An object whose uid and resourceVersion were read in an earlier file is that same object (the API bumps
    resourceVersion on every change): it is taken from there instead of being validated again, which makes a
    month of hourly snapshots of a large cluster mostly a matter of parsing JSON."""
    snapshots: list[Snapshot] = []
    seen: dict[datetime, str] = {}
    cache: dict[tuple[str, str, str], Any] = {}
    for path in snapshot_files(paths):
        moment = time_from_name(path)
        if moment in seen:
            raise InputError(f"two snapshots of the same moment ({moment.isoformat()}): {seen[moment]} and this one",
                             where=str(path))
        seen[moment] = str(path)
        snapshots.append(parse_document(load_json(path, "a kubectl snapshot"), str(path), moment, cache))
    return sorted(snapshots, key=lambda s: s.time)


_LIST_KINDS = {"List": None, "NodeList": "Node", "PodList": "Pod"}


def parse_document(raw: Any, source: str, moment: datetime,
                   cache: dict[tuple[str, str, str], Any] | None = None) -> Snapshot:
    """A `kubectl get nodes,pods -A -o json` document (kind List, NodeList or PodList) as a Snapshot; `cache`
    holds objects already validated, by (kind, uid, resourceVersion)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("items"), list):
        raise InputError("not a kubectl snapshot: expected a JSON object with an `items` list (the output of "
                         "`kubectl get nodes,pods -A -o json`)", where=source)
    list_kind = raw.get("kind", "List")
    if not isinstance(list_kind, str) or list_kind not in _LIST_KINDS:
        raise InputError(f"invalid snapshot at $.kind: expected one of {', '.join(_LIST_KINDS)}, got "
                         f"{str(list_kind)[:60]!r}", where=source)
    items = raw["items"]
    if len(items) > MAX_OBJECTS:
        raise InputError(f"more than {MAX_OBJECTS:,} objects in one snapshot", where=source)
    snap = Snapshot(time=moment, source=source)
    default_kind = _LIST_KINDS[list_kind]
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise InputError(f"invalid snapshot at $.items[{i}]: expected an object, got {type(item).__name__}",
                             where=source)
        kind = item.get("kind", default_kind)
        if kind in ("Node", "Pod"):
            model = Node if kind == "Node" else Pod
            meta = item.get("metadata")
            key = (kind, meta.get("uid"), meta.get("resourceVersion")) if isinstance(meta, dict) else None
            cacheable = cache is not None and key is not None and isinstance(key[1], str) and isinstance(key[2], str)
            obj = cache.get(key) if cacheable else None  # type: ignore[union-attr,arg-type]
            if obj is None:
                obj = _validated(model, item, i, source)
                if cacheable:
                    cache[key] = obj  # type: ignore[index]
            (snap.nodes if kind == "Node" else snap.pods).append(obj)
        elif isinstance(kind, str) or kind is None:
            snap.other_kinds += 1  # kubectl get all: services, deployments ... are not priced here
        else:
            raise InputError(f"invalid snapshot at $.items[{i}].kind: expected a string, got {type(kind).__name__}",
                             where=source)
    return snap


def _validated(model: type[Node] | type[Pod], item: dict[str, Any], index: int, source: str) -> Any:
    try:
        return model.model_validate(item)
    except ValidationError as exc:
        err = exc.errors()[0]
        path = json_path(("items", index, *err["loc"]))
        message = err["msg"]
        for prefix in ("Value error, ", "Assertion failed, "):
            message = message.removeprefix(prefix)
        if err["type"] == "missing":
            message = "required field missing"
        elif err["type"] in ("string_type", "dict_type", "list_type", "bool_type", "literal_error"):
            message = f"{message}, got {_shown(err.get('input'))}"
        raise InputError(f"invalid snapshot at {path}: {message}", where=source) from None


def _shown(value: Any) -> str:
    text = repr(value) if not isinstance(value, dict | list) else type(value).__name__
    return text if len(text) <= 60 else text[:60] + "..."


# -- intervals -------------------------------------------------------------------------------------------------
@dataclass(slots=True)
class NodeSpan:
    """A node for the time it ran, with what prices and groups it."""

    key: int
    name: str
    uid: str
    labels: dict[str, str]
    provider: str | None
    provider_id: str | None
    instance_id: str | None
    instance_type: str | None
    region: str | None
    zone: str | None
    os: str
    capacity_type: str
    pool: str
    cpu: float
    memory: float
    gpu: float
    start: datetime
    end: datetime

    @property
    def spot(self) -> bool:
        return self.capacity_type in SPOT_TYPES


@dataclass(slots=True)
class PodSpan:
    """A pod for the time it ran on its node, with its effective requests and what groups it."""

    key: int
    uid: str
    namespace: str
    name: str
    node_key: int
    controller_kind: str
    controller: str
    team: str
    labels: dict[str, str]
    cpu: float
    memory: float
    gpu: float
    start: datetime
    end: datetime


@dataclass(slots=True)
class Cluster:
    """Everything allocation needs from Kubernetes: node and pod intervals within the covered time."""

    nodes: list[NodeSpan]
    pods: list[PodSpan]
    start: datetime
    end: datetime
    snapshots: int
    sources: list[str] = field(default_factory=list)
    pending_pods: int = 0  # never scheduled on a node: hold no capacity, cost nothing
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Seen:
    first: int
    last: int
    obj: Any
    finished: datetime | None = None
    first_terminal: int | None = None
    node: str | None = None


def build_cluster(snapshots: list[Snapshot], config: K8sConfig, *, start: datetime | None = None,
                  end: datetime | None = None) -> Cluster:
    """Node and pod intervals from snapshots oldest first (see the module docstring for the rules)."""
    if not snapshots:
        raise InputError("no snapshots to allocate")
    times = [s.time for s in snapshots]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    lookback = timedelta(hours=config.lookback_hours) if config.lookback_hours else \
        timedelta(seconds=statistics.median(gaps)) if gaps else timedelta(hours=1)
    cov_start = _utc(start) if start else times[0] - lookback
    cov_end = _utc(end) if end else times[-1]
    if cov_end <= cov_start:
        raise InputError(f"nothing to allocate: the covered time {cov_start.isoformat()} to {cov_end.isoformat()} "
                         "is empty")

    def gone_at(last: int) -> datetime:
        """When an object last seen in snapshot `last` stopped: the end, or halfway to the next snapshot."""
        return cov_end if last == len(times) - 1 else times[last] + (times[last + 1] - times[last]) / 2

    def appeared_at(first: int) -> datetime:
        return times[0] - lookback if first == 0 else times[first - 1] + (times[first] - times[first - 1]) / 2

    nodes_seen: dict[str, _Seen] = {}
    pods_seen: dict[str, _Seen] = {}
    other = 0
    for index, snap in enumerate(snapshots):
        other += snap.other_kinds
        for node in snap.nodes:
            key = node.metadata.uid or node.metadata.name
            seen = nodes_seen.get(key)
            if seen is None:
                nodes_seen[key] = _Seen(index, index, node)
            else:
                seen.last, seen.obj = index, node
        for pod in snap.pods:
            key = pod.metadata.uid or f"{pod.metadata.namespace or 'default'}/{pod.metadata.name}"
            seen = pods_seen.get(key)
            if seen is None:
                seen = pods_seen[key] = _Seen(index, index, pod)
            else:
                seen.last, seen.obj = index, pod
            if pod.spec.nodeName:
                seen.node = pod.spec.nodeName
            if pod.status.phase in ("Succeeded", "Failed"):
                seen.finished = pod.finished_at() or seen.finished
                if seen.first_terminal is None:
                    seen.first_terminal = index

    if not nodes_seen:
        raise InputError("no Node objects in the snapshots: allocation prices nodes, so save them with the pods "
                         "(`kubectl get nodes,pods -A -o json`, or `finguard k8s snapshot`)", where=snapshots[0].source)
    cluster = Cluster(nodes=[], pods=[], start=cov_start, end=cov_end, snapshots=len(snapshots),
                      sources=[s.source for s in snapshots])
    by_name: dict[str, NodeSpan] = {}
    for uid, seen in nodes_seen.items():
        node: Node = seen.obj
        begin = node.metadata.creationTimestamp or appeared_at(seen.first)
        span = _node_span(len(cluster.nodes), uid, node, config, max(begin, cov_start), min(gone_at(seen.last),
                                                                                             cov_end))
        if span.end > span.start:
            cluster.nodes.append(span)
            by_name[span.name] = span

    unknown_nodes: set[str] = set()
    for uid, seen in pods_seen.items():
        pod: Pod = seen.obj
        if not seen.node:
            cluster.pending_pods += 1
            continue
        host = by_name.get(seen.node)
        if host is None:
            unknown_nodes.add(seen.node)
            continue
        begin = pod.status.startTime or pod.metadata.creationTimestamp or appeared_at(seen.first)
        if seen.first_terminal is not None:
            finish = seen.finished or appeared_at(seen.first_terminal)  # finished, when unknown: halfway
        else:
            finish = gone_at(seen.last)
        span_start, span_end = max(begin, host.start, cov_start), min(finish, host.end, cov_end)
        if span_end > span_start:
            cluster.pods.append(_pod_span(len(cluster.pods), uid, pod, host.key, config, span_start, span_end))
    if unknown_nodes:
        names = sorted(unknown_nodes)
        cluster.warnings.append(f"pods on {len(names)} node(s) no snapshot lists were left out: "
                                f"{', '.join(names[:5])}{' ...' if len(names) > 5 else ''}")
    if other:
        cluster.warnings.append(f"{other} object(s) of other kinds than Node and Pod were ignored")
    return cluster


def _node_span(key: int, uid: str, node: Node, config: K8sConfig, start: datetime, end: datetime) -> NodeSpan:
    labels = node.metadata.labels
    provider = detect(node.spec.providerID, labels)
    resources = node.status.allocatable if config.capacity == "allocatable" and node.status.allocatable \
        else node.status.capacity
    capacity_type = (provider.capacity_type(labels) if provider else None) or \
        (labels.get("karpenter.sh/capacity-type") or "on-demand").lower()
    pool = (provider.node_pool(labels) if provider else None) or labels.get("karpenter.sh/nodepool") or UNSET
    return NodeSpan(
        key=key, name=node.metadata.name, uid=uid, labels=dict(labels), provider=provider.NAME if provider else None,
        provider_id=node.spec.providerID,
        instance_id=provider.instance_id(node.spec.providerID) if provider and node.spec.providerID else None,
        instance_type=first_label(labels, INSTANCE_TYPE_LABELS), region=first_label(labels, REGION_LABELS),
        zone=first_label(labels, ZONE_LABELS), os=(first_label(labels, OS_LABELS) or "linux").lower(),
        capacity_type=capacity_type, pool=pool, cpu=resources.get("cpu", 0.0), memory=resources.get("memory", 0.0),
        gpu=sum(resources.get(r, 0.0) for r in GPU_RESOURCES), start=start, end=end)


_CRONJOB_SUFFIX = re.compile(r"^(?P<name>.+)-\d{8,}$")


def controller_of(pod: Pod) -> tuple[str, str]:
    """(kind, name) of the workload a pod belongs to: a ReplicaSet's Deployment (its name less the pod template
    hash), a Job's CronJob (its name less the scheduled minute), else the owner itself; bare pods have none."""
    owners = pod.metadata.ownerReferences
    owner = next((o for o in owners if o.controller), owners[0] if owners else None)
    if owner is None:
        return UNSET, UNSET
    if owner.kind == "ReplicaSet":
        template_hash = pod.metadata.labels.get("pod-template-hash")
        if template_hash and owner.name.endswith("-" + template_hash):
            return "Deployment", owner.name[: -len(template_hash) - 1]
    if owner.kind == "Job" and (m := _CRONJOB_SUFFIX.match(owner.name)):
        return "CronJob", m["name"]
    return owner.kind, owner.name


def team_of(namespace: str, labels: dict[str, str], config: K8sConfig) -> str:
    """The first team label a pod carries, else the team its namespace is mapped to, else unset."""
    for key in config.team_labels:
        if labels.get(key):
            return labels[key]
    for pattern, team in config.namespace_teams.items():
        if fnmatch.fnmatchcase(namespace, pattern):
            return team
    return UNSET


def _pod_span(key: int, uid: str, pod: Pod, node_key: int, config: K8sConfig, start: datetime,
              end: datetime) -> PodSpan:
    namespace = pod.metadata.namespace or "default"
    kind, name = controller_of(pod)
    labels = dict(pod.metadata.labels)
    return PodSpan(key=key, uid=uid, namespace=namespace, name=pod.metadata.name, node_key=node_key,
                   controller_kind=kind, controller=f"{kind}/{name}" if kind != UNSET else UNSET,
                   team=team_of(namespace, labels, config), labels=labels, cpu=pod.request("cpu"),
                   memory=pod.request("memory"), gpu=sum(pod.request(r) for r in GPU_RESOURCES), start=start,
                   end=end)
