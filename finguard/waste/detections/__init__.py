"""Waste detections: one module per kind, discovered here (like the policy packs and the cost models).

A detection module defines one `Detection` subclass with

* ``kind``: the name used in output and in `--kind` (``unattached-volume``), and ``rank``, its place in lists;
* a docstring whose first paragraph is the rule, stated so a reviewer can check it against the code;
* ``Settings``: its thresholds, a strict pydantic model that becomes ``waste.<kind_with_underscores>`` in
  finguard.yml (unknown keys are refused with a did-you-mean, as everywhere in the config);
* ``needs``: the inventory collections it reads (a saved inventory must hold their files); ``metrics``:
  whether CloudWatch series are ``required`` (without them the kind is not judged, and says so), ``optional``
  or not read;
* ``examples``: small inventories in the AWS CLI's own JSON shape with the resource ids they must flag (an
  empty list: flag nothing). One generic test runs every detection on its examples, so a rule and its
  examples cannot drift apart;
* ``detect(region, ctx)``: yields `Candidate`s. It prices what fixing each one saves through ``ctx.pricer``
  (the catalog, in the resource's own region); the engine adds owner, billing actuals and Terraform addresses.

Adding a detection touches nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, StrictBool

from finguard.plugins import plugin_modules

if TYPE_CHECKING:
    from finguard.waste.inventory import MetricSeries, RegionInventory
    from finguard.waste.savings import BilledCost, Priced, Pricer

Confidence = Literal["high", "medium", "low"]
MetricsUse = Literal["none", "optional", "required"]


class DetectionSettings(BaseModel):
    """Settings every kind has; each detection adds its thresholds."""

    model_config = ConfigDict(extra="forbid")

    enabled: StrictBool = True


@dataclass(slots=True)
class Candidate:
    """What a detection found about one resource, before the engine adds owner, billing and Terraform."""

    kind: str
    resource_id: str
    region: str
    resource_type: str  # "ebs-volume", "ec2-instance", ...: what the id names
    evidence: list[str]
    confidence: Confidence
    savings: Priced  # list-price monthly saving of the fix (missing: the reason)
    monthly_cost: Priced | None  # list-price monthly cost of what the billing ids cover (for billing scaling)
    action: str  # delete, release, terminate, resize, modify
    command: str  # the AWS CLI command that applies the fix
    terraform_types: tuple[str, ...]  # Terraform resource types the id can belong to
    terraform_change: str | None = None  # None: remove the resource; else e.g. 'instance_type = "m5.large"'
    recommendation: str | None = None  # the target type/class/volume type of a resize or modify
    arn: str | None = None
    name: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)  # machine-readable evidence
    billing_ids: list[str] = field(default_factory=list)  # ids whose billed cost the fix removes (x the share)
    billing_usage: str | None = None  # count only billed usage types containing this (an instance's own hours)
    alternative: dict[str, Any] | None = None  # another fix (e.g. the Graviton type) and its saving


@dataclass(slots=True)
class Context:
    """What a detection may use besides the region's inventory."""

    now: datetime
    settings: Any  # this detection's Settings
    lookback_days: int
    pricer: Pricer
    account_id: str | None = None
    billing: dict[str, BilledCost] | None = None  # resource id -> billed cost and usage (--db), else None
    notes: list[str] = field(default_factory=list)  # what could not be judged, and why (shown as warnings)

    @property
    def window_start(self) -> datetime:
        return self.now - timedelta(days=self.lookback_days)

    def age_days(self, when: datetime | None) -> float | None:
        return None if when is None else (self.now - when).total_seconds() / 86400

    def billed(self, *ids: str | None) -> BilledCost | None:
        """The billing store's figures for the first of `ids` it has (None without --db or without rows)."""
        if self.billing is None:
            return None
        for ident in ids:
            if ident and ident in self.billing:
                return self.billing[ident]
        return None


@dataclass(frozen=True, slots=True)
class MetricQuery:
    """A CloudWatch series a detection reads: asked for by the live scan, looked up by `RegionInventory.series`."""

    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]
    stat: str  # Average, Sum, Maximum
    period: int  # seconds: 3600 for hourly averages, 86400 for daily sums

    @property
    def dims(self) -> dict[str, str]:
        return dict(self.dimensions)


def query(namespace: str, metric: str, dimensions: dict[str, str], stat: str, period: int) -> MetricQuery:
    return MetricQuery(namespace, metric, tuple(sorted(dimensions.items())), stat, period)


@dataclass(frozen=True, slots=True)
class Series:
    """A CloudWatch series for an example: hourly (or daily) values ending at the example's `now`."""

    namespace: str
    metric: str
    dimensions: dict[str, str]
    stat: str
    period: int
    values: list[float]


@dataclass(frozen=True, slots=True)
class Example:
    """A small inventory (AWS CLI documents by name, e.g. {"ec2-describe-volumes": {"Volumes": [...]}}) and the
    resource ids the detection must flag in it. Times are relative to EXAMPLE_NOW."""

    note: str
    docs: dict[str, Any]
    flags: tuple[str, ...]
    series: tuple[Series, ...] = ()
    target_health: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)


EXAMPLE_NOW = datetime.fromisoformat("2025-06-30T00:00:00+00:00")


def days_ago(days: float) -> str:
    """An example timestamp `days` before EXAMPLE_NOW, as the CLI writes it."""
    return (EXAMPLE_NOW - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class Detection:
    """Base of every detection. Subclasses set the class attributes and write detect()."""

    kind: ClassVar[str] = ""
    rank: ClassVar[int] = 1000  # where the kind appears in lists and reports (lowest first)
    title: ClassVar[str] = ""
    resource_type: ClassVar[str] = ""
    needs: ClassVar[tuple[str, ...]] = ()
    metrics: ClassVar[MetricsUse] = "none"
    Settings: ClassVar[type[DetectionSettings]] = DetectionSettings
    examples: ClassVar[tuple[Example, ...]] = ()

    def detect(self, region: RegionInventory, ctx: Context) -> Iterator[Candidate]:
        raise NotImplementedError

    # (namespace, metric) pairs whose dimension sets a live scan lists first (ListMetrics), for series whose
    # dimensions vary by set-up: the CloudWatch agent's memory metric carries whatever dimensions it was told to
    lists: ClassVar[tuple[tuple[str, str], ...]] = ()

    def queries(self, region: RegionInventory, ctx: Context,
                listed: dict[tuple[str, str], list[dict[str, str]]] | None = None) -> list[MetricQuery]:
        """The CloudWatch series a live scan must fetch for this region (after the describe calls); `listed`:
        the dimension sets ListMetrics returned for each pair in `lists`."""
        return []

    @staticmethod
    def series(region: RegionInventory, q: MetricQuery) -> MetricSeries | None:
        """The series `q` asked for: None when it was not queried (a saved inventory without it)."""
        return region.series(q.namespace, q.metric, q.dims, q.stat)

    @classmethod
    def rule(cls) -> str:
        """The documented rule: the docstring's first paragraph, on one line."""
        doc = (cls.__doc__ or "").strip().split("\n\n", 1)[0]
        return " ".join(doc.split())

    @classmethod
    def field_name(cls) -> str:
        """The key of its settings under `waste:` in finguard.yml."""
        return cls.kind.replace("-", "_")


@cache
def detections() -> dict[str, Detection]:
    """Every detection module in this package, by kind, in module order."""
    found: dict[str, Detection] = {}
    for module in plugin_modules(__name__, __path__):
        classes = [obj for obj in vars(module).values() if isinstance(obj, type) and issubclass(obj, Detection)
                   and obj.kind and obj.__module__ == module.__name__]
        if len(classes) != 1:
            raise RuntimeError(f"{module.__name__} must define exactly one Detection (found {len(classes)})")
        detection = classes[0]()
        if detection.kind in found:
            raise RuntimeError(f"two detections claim kind {detection.kind}")
        found[detection.kind] = detection
    return dict(sorted(found.items(), key=lambda item: (item[1].rank, item[0])))


def kinds() -> list[str]:
    return list(detections())


def monthly(value: Decimal | None) -> str:
    """"$1,234.56/month" for evidence text; "no list price here" when the catalog has none (never $0)."""
    return "no list price in this region" if value is None else f"${value:,.2f}/month"
