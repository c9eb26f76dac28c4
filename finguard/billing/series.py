"""Seeded generator of labelled daily cost series, so anomaly detection and forecasting are measured, not guessed.

Real billing exports carry no ground truth, so the detector and the forecaster are scored against series whose
events we injected ourselves. The shape follows what allocated daily cost looks like:

* a base level, log-uniform between $50 and $20,000 a day (a few small services, a few big ones);
* a linear trend of -15 % to +50 % a year;
* weekly seasonality: 40 % of series drop to 30-70 % at weekends (dev/test, batch), the rest barely move;
* multiplicative lognormal noise with a per-series sigma of 2-12 % (cost scales with usage, so does its noise).

Injected events, all increases (what a FinOps alert is for), each labelled with the resource and usage type that
caused it, and each written into the `detail` frame as its own (ResourceId, usage) rows so root-cause hints can be
checked:

* spike: one day, >= 3 sigma of that day's noise *and* >= $50 (log-uniform 3-30 sigma);
* level shift: a persisting step of +15 % to +150 % of the level (half "flat" like a new always-on resource,
  half proportional like a scaled-up fleet), >= 3 sigma and >= $50 a day;
* drift: a linear ramp over 14-42 days to +30 % to +100 % of the level (>= $100/day at full size), persisting
  afterwards (log or storage growth).

Events start after a warm-up (the detector needs history), are spaced apart so each label is unambiguous, and stop
two weeks before the end so a level shift can be confirmed. Everything derives from one `numpy.random.Generator`,
so a seed gives the same frames and labels every time.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from finguard.billing.anomalies import AnomalyKind

KEYS: list[str] = ["ServiceName", "SubAccountId", "owner"]

_SERVICES: dict[str, tuple[str, list[str], str]] = {
    # service: (resource id prefix, usage types of its normal resources, usage type of an injected spike)
    "AmazonEC2": ("i-", ["BoxUsage:m5.xlarge", "BoxUsage:c6i.2xlarge", "EBS:VolumeUsage"], "DataTransfer-Out-Bytes"),
    "AmazonRDS": ("db-", ["InstanceUsage:db.r6g.large", "RDS:GP3-Storage"], "RDS:ChargedBackupUsage"),
    "AmazonS3": ("bucket-", ["TimedStorage-ByteHrs", "Requests-Tier1"], "Requests-Tier1"),
    "AmazonEKS": ("eks-", ["AmazonEKS-Hours:perCluster", "BoxUsage:m6i.large"], "NatGateway-Bytes"),
    "AmazonCloudWatch": ("log-group-", ["TimedStorage-ByteHrs", "DataProcessing-Bytes"], "DataProcessing-Bytes"),
    "AWSLambda": ("fn-", ["Lambda-GB-Second", "Request"], "Lambda-GB-Second"),
}
_SHIFT_USAGE = "BoxUsage:m5.4xlarge"  # a new always-on resource
_DRIFT_USAGE = "TimedStorage-ByteHrs"  # growing storage


class GeneratorConfig(BaseModel):
    """How many series, how long, and how often each kind of event is injected (rates are per series-day)."""

    n_series: int = Field(500, ge=1)
    n_days: int = Field(180, ge=14)
    start: date = date(2024, 1, 1)
    seed: int = 0
    spike_rate: float = Field(1 / 60, ge=0)
    shift_rate: float = Field(1 / 150, ge=0)
    drift_rate: float = Field(1 / 300, ge=0)
    warmup_days: int = Field(42, ge=0)
    min_gap_days: int = Field(21, ge=1)
    tail_days: int = Field(14, ge=0)
    spike_sigma: tuple[float, float] = (3.0, 30.0)
    min_event_sigma: float = 3.0
    min_event_dollars: float = 50.0
    with_detail: bool = True


class LabelledEvent(BaseModel):
    """One injected event: the series it is in, when it starts, how big it is, and what caused it."""

    model_config = ConfigDict(frozen=True)

    key: dict[str, str]
    kind: AnomalyKind
    start: date
    end: date  # last day of the spike, the step day of a shift, the last day of a drift's ramp
    magnitude: float  # extra $/day at full size
    sigma: float  # magnitude over the noise sd ($) of the series on `start`
    resource_id: str
    usage: str


class GeneratedSeries(BaseModel):
    """The generator's output: long daily frame, optional resource-level detail, and the labels."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    daily: pd.DataFrame  # date, ServiceName, SubAccountId, owner, cost
    detail: pd.DataFrame | None  # the same keys + date, ResourceId, usage, cost; sums to `daily`
    labels: list[LabelledEvent]
    noise_sigma: dict[str, float]  # SubAccountId -> lognormal sigma, for analysis


def generate(config: GeneratorConfig | None = None) -> GeneratedSeries:
    """Generate `n_series` labelled daily series; deterministic for a given config (including its seed)."""
    cfg = config or GeneratorConfig()
    rng = np.random.default_rng(cfg.seed)
    s_n, t_n = cfg.n_series, cfg.n_days
    t = np.arange(t_n)
    dates = pd.date_range(pd.Timestamp(cfg.start), periods=t_n, freq="D")
    weekday = dates.day_of_week.to_numpy()

    base = np.exp(rng.uniform(np.log(50), np.log(20_000), s_n))
    growth = rng.uniform(-0.15, 0.5, s_n)  # per year, linear
    strong_weekly = rng.random(s_n) < 0.4
    weekend = np.where(strong_weekly, rng.uniform(0.3, 0.7, s_n), rng.uniform(0.85, 1.0, s_n))
    profile = 1 + rng.uniform(-0.05, 0.05, (s_n, 7))
    profile[:, 5] = weekend
    profile[:, 6] = weekend * rng.uniform(0.9, 1.1, s_n)
    profile /= profile.mean(axis=1, keepdims=True)
    sigma = rng.uniform(0.02, 0.12, s_n)

    level = base[:, None] * (1 + growth[:, None] * t[None, :] / 365)
    expected = level * profile[:, weekday]
    noise = np.exp(rng.normal(0, 1, (s_n, t_n)) * sigma[:, None] - sigma[:, None] ** 2 / 2)
    organic = expected * noise  # (series, day)

    services = list(_SERVICES)
    keys = [
        {"ServiceName": services[i % len(services)], "SubAccountId": f"acct-{i:05d}", "owner": f"team-{i % 23:02d}"}
        for i in range(s_n)
    ]

    labels: list[LabelledEvent] = []
    event_rows: list[tuple[int, str, str, np.ndarray]] = []  # series, ResourceId, usage, extra cost per day
    resources: list[list[tuple[str, str]]] = []
    shares: list[np.ndarray] = []
    total_rate = cfg.spike_rate + cfg.shift_rate + cfg.drift_rate
    kinds = [AnomalyKind.SPIKE, AnomalyKind.LEVEL_SHIFT, AnomalyKind.DRIFT]
    probs = np.array([cfg.spike_rate, cfg.shift_rate, cfg.drift_rate]) / (total_rate or 1)
    extra_all = np.zeros((s_n, t_n))
    for i in range(s_n):
        service = keys[i]["ServiceName"]
        prefix, usages, spike_usage = _SERVICES[service]
        n_res = int(rng.integers(2, 6))
        res = [(f"{prefix}{i:05d}{r:02d}", usages[r % len(usages)]) for r in range(n_res)]
        resources.append(res)
        shares.append(rng.dirichlet(np.full(n_res, 2.0)))
        if total_rate == 0:
            continue
        day = cfg.warmup_days + rng.exponential(1 / total_rate)
        while day < t_n - cfg.tail_days:
            d0 = int(day)
            kind = kinds[int(rng.choice(3, p=probs))]
            room = t_n - cfg.tail_days - d0  # a drift's ramp ends before the tail, so its label is whole
            if kind is AnomalyKind.DRIFT and room < 14:
                kind = AnomalyKind.LEVEL_SHIFT
            extra = np.zeros(t_n)
            noise_sd = sigma[i] * expected[i, d0]  # $ sd of that day's noise
            deseason = level[i, d0]
            if kind is AnomalyKind.SPIKE:
                k = np.exp(rng.uniform(*np.log(cfg.spike_sigma)))
                size = max(k * noise_sd, cfg.min_event_dollars * rng.uniform(1.0, 1.5))
                extra[d0] = size
                end, rid, usage, duration = d0, res[int(rng.integers(n_res))][0], spike_usage, 1
            elif kind is AnomalyKind.LEVEL_SHIFT:
                rel = np.exp(rng.uniform(np.log(0.15), np.log(1.5)))
                size = max(rel * deseason, cfg.min_event_sigma * noise_sd * 1.2, cfg.min_event_dollars * 1.2)
                if rng.random() < 0.5:  # a new always-on resource: flat, no weekly pattern
                    extra[d0:] = size
                    rid, usage = f"{prefix}{i:05d}new{len(labels):04d}", _SHIFT_USAGE
                else:  # a scaled-up fleet: follows the series' own weekly pattern and trend
                    extra[d0:] = size * expected[i, d0:] / level[i, d0]
                    rid, usage = res[0]
                end, duration = d0, 1
            else:
                dur = min(int(rng.integers(14, 43)), room)
                rel = rng.uniform(0.3, 1.0)
                # twice the dollar floor: a drift is judged on its level against a lagging reference, never on its
                # full size, so one ending just above $50/day would sit below the alert threshold throughout
                size = max(rel * deseason, cfg.min_event_sigma * noise_sd * 1.2, cfg.min_event_dollars * 2)
                ramp = np.clip((t - d0 + 1) / dur, 0, 1)
                extra = size * ramp
                rid, usage = res[-1][0], _DRIFT_USAGE
                end, duration = d0 + dur - 1, dur
            extra_all[i] += extra
            event_rows.append((i, rid, usage, extra))
            labels.append(
                LabelledEvent(
                    key=keys[i],
                    kind=kind,
                    start=(dates[d0]).date(),
                    end=(dates[end]).date(),
                    magnitude=float(size),
                    sigma=float(size / noise_sd),
                    resource_id=rid,
                    usage=usage,
                )
            )
            day = d0 + duration + cfg.min_gap_days + rng.exponential(1 / total_rate)

    cost = organic + extra_all
    daily = _long_frame(keys, dates, cost)
    detail = _detail_frame(keys, dates, organic, resources, shares, event_rows) if cfg.with_detail else None
    noise_sigma = {k["SubAccountId"]: float(s) for k, s in zip(keys, sigma, strict=True)}
    return GeneratedSeries(daily=daily, detail=detail, labels=labels, noise_sigma=noise_sigma)


def _long_frame(keys: list[dict[str, str]], dates: pd.DatetimeIndex, cost: np.ndarray) -> pd.DataFrame:
    """One row per series per day, series-major, as the billing store hands it over."""
    s_n, t_n = cost.shape
    frame = pd.DataFrame({"date": np.tile(dates.to_numpy(), s_n)})
    for col in KEYS:
        frame[col] = np.repeat([k[col] for k in keys], t_n)
    frame["cost"] = cost.reshape(-1)
    return frame


def _detail_frame(
    keys: list[dict[str, str]],
    dates: pd.DatetimeIndex,
    organic: np.ndarray,
    resources: list[list[tuple[str, str]]],
    shares: list[np.ndarray],
    event_rows: list[tuple[int, str, str, np.ndarray]],
) -> pd.DataFrame:
    """Split each series' organic cost over its resources by fixed shares, then add one row set per event."""
    t_n = len(dates)
    series_idx: list[int] = []
    rid: list[str] = []
    usage: list[str] = []
    cost: list[np.ndarray] = []
    for i, res in enumerate(resources):
        for (r_id, r_usage), share in zip(res, shares[i], strict=True):
            series_idx.append(i)
            rid.append(r_id)
            usage.append(r_usage)
            cost.append(organic[i] * share)
    for i, r_id, r_usage, extra in event_rows:
        series_idx.append(i)
        rid.append(r_id)
        usage.append(r_usage)
        cost.append(extra)
    n = len(series_idx)
    frame = pd.DataFrame({"date": np.tile(dates.to_numpy(), n)})
    idx = np.repeat(series_idx, t_n)
    for col in KEYS:
        frame[col] = np.asarray([k[col] for k in keys], dtype=object)[idx]
    frame["ResourceId"] = np.repeat(rid, t_n)
    frame["usage"] = np.repeat(usage, t_n)
    frame["cost"] = np.concatenate(cost)
    frame = frame[frame["cost"] != 0]
    # An event may land on an existing (resource, usage) line: the export has one row a day for it.
    return frame.groupby([*KEYS, "date", "ResourceId", "usage"], as_index=False, sort=False)["cost"].sum()

