"""Anomaly detection on hand-built daily series: what must and must not alarm, and what it says when it does."""

from __future__ import annotations

import os
from datetime import date, timedelta
from unittest.mock import patch

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finguard.billing.anomalies import Anomaly, AnomalyConfig, AnomalyKind, _rolling, _rolling_pandas, detect

START = date(2024, 1, 1)  # a Monday
KEYS = ["ServiceName", "owner"]


def build(
    days: int = 150,
    base: float = 1000.0,
    weekend: float = 1.0,
    sigma: float = 0.05,
    seed: int = 3,
    extra: dict[int, float] | None = None,
    step: tuple[int, float] | None = None,
    ramp: tuple[int, int, float] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One series (daily + detail over two resources) with optional injected spike, step and ramp lines."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(START, periods=days, freq="D")
    weekly = np.where(dates.day_of_week >= 5, weekend, 1.0)
    organic = base * weekly * np.exp(rng.normal(0, sigma, days))
    lines = {("i-web", "BoxUsage:m5.xlarge"): organic * 0.7, ("vol-data", "EBS:VolumeUsage"): organic * 0.3}
    if extra:
        spike = np.zeros(days)
        for t, amount in extra.items():
            spike[t] = amount
        lines[("i-web", "DataTransfer-Out-Bytes")] = spike
    if step:
        t0, amount = step
        lines[("i-new", "BoxUsage:m5.4xlarge")] = np.where(np.arange(days) >= t0, amount, 0.0)
    if ramp:
        t0, length, amount = ramp
        lines[("bucket-logs", "TimedStorage-ByteHrs")] = amount * np.clip((np.arange(days) - t0 + 1) / length, 0, 1)
    rows = [
        pd.DataFrame({"date": dates, "ResourceId": rid, "usage": usage, "cost": cost})
        for (rid, usage), cost in lines.items()
    ]
    detail = pd.concat(rows, ignore_index=True).assign(ServiceName="AmazonEC2", owner="team-a")
    daily = detail.groupby([*KEYS, "date"], as_index=False)["cost"].sum()
    return daily, detail


def day(t: int) -> date:
    return START + timedelta(days=t)


def test_clean_series_gives_no_anomalies() -> None:
    daily, detail = build()
    assert detect(daily, KEYS, detail=detail) == []


def test_spike_found_on_its_day_with_its_root_cause() -> None:
    daily, detail = build(extra={100: 2000.0})
    found = detect(daily, KEYS, detail=detail)
    assert len(found) == 1
    a = found[0]
    assert (a.kind, a.date, a.detected_on, a.confirmed) == (AnomalyKind.SPIKE, day(100), day(100), True)
    assert a.key == {"ServiceName": "AmazonEC2", "owner": "team-a"}
    assert a.impact_per_day == pytest.approx(2000, abs=150)  # noise sd is ~$50
    assert a.impact_total == pytest.approx(a.impact_per_day)
    assert a.score > 10
    top = a.root_cause[0]
    assert (top.resource_id, top.usage) == ("i-web", "DataTransfer-Out-Bytes")
    assert top.baseline == 0 and top.delta == pytest.approx(2000, abs=0.01)
    assert top.share == pytest.approx(2000 / a.impact_per_day, rel=0.1)


def test_level_shift_reported_once_on_its_first_day() -> None:
    daily, detail = build(step=(90, 400.0))
    found = detect(daily, KEYS, detail=detail)
    assert [(a.kind, a.date) for a in found] == [(AnomalyKind.LEVEL_SHIFT, day(90))]
    a = found[0]
    assert a.confirmed
    assert a.impact_per_day == pytest.approx(400, rel=0.2)
    # total so far: 60 days at ~$400 above the old level
    assert a.impact_total == pytest.approx(60 * 400, rel=0.1)
    assert (a.root_cause[0].resource_id, a.root_cause[0].share > 0.7) == ("i-new", True)


def test_level_shift_at_the_end_is_not_yet_confirmed() -> None:
    daily, _ = build(days=120, step=(118, 600.0))
    found = detect(daily, KEYS)
    assert [(a.kind, a.date, a.confirmed) for a in found] == [(AnomalyKind.LEVEL_SHIFT, day(118), False)]


def test_weekends_at_30_percent_do_not_alarm_but_a_weekday_sized_saturday_does() -> None:
    daily, _ = build(days=180, weekend=0.3)
    assert detect(daily, KEYS) == []
    saturday = 138  # 2024-05-18
    assert day(saturday).weekday() == 5
    daily.loc[daily["date"] == pd.Timestamp(day(saturday)), "cost"] = 1000.0  # a normal weekday's cost
    found = detect(daily, KEYS)
    assert [(a.kind, a.date) for a in found] == [(AnomalyKind.SPIKE, day(saturday))]
    assert found[0].expected == pytest.approx(300, rel=0.1)


def test_min_impact_suppresses_small_blips() -> None:
    daily, _ = build(base=20.0, sigma=0.02, extra={100: 30.0})  # +150 %, dozens of sigmas, but $30
    assert detect(daily, KEYS) == []
    found = detect(daily, KEYS, AnomalyConfig(min_impact=10))
    assert [(a.kind, a.date) for a in found] == [(AnomalyKind.SPIKE, day(100))]


def test_drift_found_during_the_ramp_and_not_as_a_string_of_spikes() -> None:
    daily, detail = build(days=180, sigma=0.04, ramp=(80, 40, 800.0))
    found = detect(daily, KEYS, detail=detail)
    assert [a.kind for a in found] == [AnomalyKind.DRIFT]
    a = found[0]
    assert day(80) <= a.detected_on <= day(119)
    assert day(70) <= a.date <= a.detected_on
    assert a.root_cause[0].resource_id == "bucket-logs"


def test_spend_appearing_on_a_zero_series_is_a_level_shift() -> None:
    days = 120
    cost = np.r_[np.zeros(80), np.full(days - 80, 300.0)]
    daily = pd.DataFrame({"date": pd.date_range(START, periods=days), "ServiceName": "AmazonEC2", "owner": "a"})
    found = detect(daily.assign(cost=cost), KEYS)
    assert [(a.kind, a.date, a.expected, a.impact_per_day) for a in found] == [
        (AnomalyKind.LEVEL_SHIFT, day(80), 0.0, 300.0)
    ]


def test_missing_days_count_as_zero_and_drops_only_alarm_when_asked() -> None:
    daily, _ = build()
    daily = daily[daily["date"] != pd.Timestamp(day(110))]
    assert detect(daily, KEYS) == []
    found = detect(daily, KEYS, AnomalyConfig(direction="both"))
    big = [(a.kind, a.date, a.actual) for a in found if a.impact_per_day < -500]
    assert big == [(AnomalyKind.SPIKE, day(110), 0.0)]  # (a -3 sigma day of plain noise may join it, at -$150)


def test_since_keeps_history_for_baselines_but_reports_only_later_detections() -> None:
    daily, _ = build(extra={60: 3000.0, 120: 3000.0})
    assert [a.date for a in detect(daily, KEYS)] == [day(60), day(120)]
    assert [a.date for a in detect(daily, KEYS, since=day(100))] == [day(120)]


def test_no_scores_before_min_history() -> None:
    daily, _ = build(extra={20: 5000.0, 40: 5000.0})
    assert [a.date for a in detect(daily, KEYS)] == [day(40)]


def test_series_are_scored_independently_and_keys_come_back() -> None:
    a, _ = build(seed=1)
    b, _ = build(seed=2, extra={100: 2500.0})
    both = pd.concat([a, b.assign(owner="team-b")], ignore_index=True)
    found = detect(both, KEYS, AnomalyConfig(detectors=frozenset({AnomalyKind.SPIKE})))
    assert [(x.key["owner"], x.date) for x in found] == [("team-b", day(100))]
    assert isinstance(found[0], Anomaly)
    assert detect(b.drop(columns=KEYS), [])[0].key == {}


def test_numpy_columns_give_what_a_frame_gives() -> None:
    """The job passes DuckDB's fetchnumpy() columns: same anomalies, keys and series order as a DataFrame, whatever
    the row order (keys sorted as pandas sorts them: case and accents by code point)."""
    frames = []
    for i, (service, owner) in enumerate([("b", "é"), ("B", "e"), ("a", "z"), ("b", "E"), ("a", "Z")]):
        daily, _ = build(seed=i, extra={100 + i: 2500.0, 120: 3000.0 * (i % 2)})
        frames.append(daily.assign(ServiceName=service, owner=owner))
    both = pd.concat(frames, ignore_index=True).sample(frac=1.0, random_state=0)
    columns = {name: both[name].to_numpy(dtype=object) for name in KEYS} | {
        "date": both["date"].to_numpy().astype("datetime64[us]"), "cost": both["cost"].to_numpy()}
    want = detect(both, KEYS, since=day(90))
    assert len({tuple(a.key.values()) for a in want}) == 5
    assert detect(columns, KEYS, since=day(90)) == want


def test_missing_columns_are_named() -> None:
    daily, _ = build()
    with pytest.raises(ValueError, match="cost"):
        detect(daily.drop(columns="cost"), KEYS)


FUZZ_EXAMPLES = int(os.environ.get("FINGUARD_FUZZ_EXAMPLES", "200"))


# -- the numpy rolling window against pandas' ------------------------------------------------------------------
# every (window, min_periods, shift, how, center) detect() rolls with under the default config
ROLLS = [(7, 7, 0, "mean", True), (8, 2, 1, "median", False), (7, 4, 1, "median", False),
         (28, 7, 1, "median", False), (28, 7, 1, "mean", False), (28, 14, 8, "median", False)]


@st.composite
def matrices(draw: st.DrawFn) -> np.ndarray:
    """Small days x series arrays of cents with random NaN (runs, prefixes, scattered) and repeated values."""
    n_t, n_s = draw(st.integers(1, 45)), draw(st.integers(1, 6))
    cents = draw(st.lists(st.integers(-500, 100_000), min_size=n_t * n_s, max_size=n_t * n_s))
    gaps = draw(st.lists(st.booleans(), min_size=n_t * n_s, max_size=n_t * n_s))
    a = np.array(cents, dtype=float).reshape(n_t, n_s) / 100
    a[np.array(gaps).reshape(n_t, n_s) & draw(st.booleans())] = np.nan
    a[: draw(st.integers(0, n_t)), draw(st.integers(0, n_s - 1))] = np.nan  # a series that starts late
    return np.round(a, draw(st.integers(-3, 2)))  # coarse: ties, constant runs and zeros


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=matrices(), roll=st.sampled_from(ROLLS))
def test_numpy_rolling_gives_pandas_results(a: np.ndarray, roll: tuple) -> None:
    window, min_periods, shift, how, center = roll
    with patch("finguard.billing.anomalies._NUMPY_WINDOW_COST", 10**9):  # numpy whatever the density
        got = _rolling(a, window, min_periods, shift, how, center)
    want = _rolling_pandas(a, window, min_periods, shift, how, center)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
    if how == "median":  # a median is one value or two halved: exactly pandas' number
        assert np.array_equal(got, want, equal_nan=True)


def test_dense_matrices_roll_in_pandas(monkeypatch: pytest.MonkeyPatch) -> None:
    """Numpy only where its windows are sparse: a full matrix goes to pandas' cheaper skiplist."""
    import finguard.billing.anomalies as module

    calls: list[int] = []
    monkeypatch.setattr(module, "_rolling_pandas", lambda a, *args: calls.append(a.shape[1]) or a)
    dense = np.ones((60, 3))
    sparse = np.full((60, 3), np.nan)
    sparse[-3:] = 1.0
    _rolling(dense, 28, 7, 1)
    _rolling(sparse, 28, 7, 1)
    assert calls == [3]
