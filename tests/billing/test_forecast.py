"""Forecasts of known series, the short-history fallbacks, and the back-test's arithmetic."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from finguard.billing.forecast import backtest, forecast

START = date(2024, 1, 1)


def frame(costs: np.ndarray, start: date = START, **keys: str) -> pd.DataFrame:
    return pd.DataFrame({"date": pd.date_range(start, periods=len(costs), freq="D"), "cost": costs, **keys})


def linear_weekly(days: int) -> pd.Series:
    """Noise-free truth: $1,000/day growing $2/day, weekends at 60 %."""
    idx = pd.date_range(START, periods=days, freq="D")
    return pd.Series((1000 + 2 * np.arange(days)) * np.where(idx.day_of_week >= 5, 0.6, 1.0), index=idx)


def month_sum(s: pd.Series, first: date, last: date) -> float:
    return float(s.loc[pd.Timestamp(first) : pd.Timestamp(last)].sum())


@pytest.fixture(scope="module")
def linear():
    n = 410  # 2024-01-01 .. 2025-02-13
    truth = linear_weekly(n + 120)
    rng = np.random.default_rng(0)
    observed = truth.iloc[:n] * np.exp(rng.normal(0, 0.03, n))
    as_of = observed.index[-1].date()
    (f,) = forecast(frame(observed.to_numpy()), [], as_of)
    return f, truth, observed, as_of


def test_linear_weekly_series_lands_near_the_truth_inside_its_intervals(linear) -> None:
    f, truth, observed, as_of = linear
    assert f.model == "ETS(A,Ad,A) on log(cost)" and f.note is None and f.total
    assert f.month_to_date == pytest.approx(month_sum(observed, date(2025, 2, 1), as_of), abs=0.01)
    expected_end = f.month_to_date + month_sum(truth, as_of + timedelta(days=1), date(2025, 2, 28))
    assert f.month_end.forecast == pytest.approx(expected_end, rel=0.01)
    periods = [f.month_end, *f.months]
    assert [p.month for p in periods] == [date(2025, 2, 1), date(2025, 3, 1), date(2025, 4, 1), date(2025, 5, 1)]
    for p, tolerance in zip(f.months, (0.03, 0.045, 0.06), strict=True):  # damping bends a straight trend down
        actual = month_sum(truth, p.month, p.month.replace(day=p.days))
        assert p.forecast == pytest.approx(actual, rel=tolerance)
    for p in periods:
        actual = f.month_to_date if p is f.month_end else 0.0
        truth_total = actual + month_sum(truth, max(p.month, as_of + timedelta(days=1)), p.month.replace(day=p.days))
        inner = next(i for i in p.intervals if i.level == 0.8)
        assert inner.lower <= truth_total <= inner.upper


def test_intervals_widen_with_horizon(linear) -> None:
    f, *_ = linear
    for level in (0.8, 0.95):
        per_day = [
            (iv.upper - iv.lower) / p.days for p in f.months for iv in p.intervals if iv.level == level
        ]
        assert per_day == sorted(per_day) and per_day[-1] > 2 * per_day[0]
    daily95 = [next(i for i in d.intervals if i.level == 0.95) for d in f.daily]
    assert daily95[-1].upper - daily95[-1].lower > daily95[0].upper - daily95[0].lower
    assert len(f.daily) == (date(2025, 5, 31) - date(2025, 2, 13)).days
    wide, narrow = (next(i for i in f.month_end.intervals if i.level == lv) for lv in (0.95, 0.8))
    assert wide.lower <= narrow.lower <= f.month_end.forecast <= narrow.upper <= wide.upper


def test_month_end_on_the_last_day_is_the_actual() -> None:
    (f,) = forecast(frame(linear_weekly(60).to_numpy()), [], date(2024, 2, 29), horizon_months=1)
    assert f.month_end.forecast == f.month_end.actual_to_date == pytest.approx(linear_weekly(60)["2024-02"].sum())
    assert all(i.lower == i.upper == f.month_end.forecast for i in f.month_end.intervals)
    assert [p.month for p in f.months] == [date(2024, 3, 1)]


def test_short_histories_fall_back_and_say_so() -> None:
    rng = np.random.default_rng(1)
    base = 100 * np.exp(rng.normal(0, 0.05, 40))
    cases = {
        25: ("ETS(A,N,A) on log(cost)", "no trend term"),
        10: ("ETS(A,N,N) on log(cost)", "no trend or weekly terms"),
        3: ("mean", "mean of the days seen, no interval"),
    }
    for days, (model, note) in cases.items():
        (f,) = forecast(frame(base[:days]), [], START + timedelta(days=days - 1))
        assert f.model == model and note in (f.note or "")
        assert (f.month_end.intervals == []) == (model == "mean")
    (f,) = forecast(frame(base[:3]), [], date(2024, 1, 3))
    assert f.month_end.forecast == pytest.approx(base[:3].sum() + 28 * base[:3].mean(), rel=1e-6)


def test_flat_and_stopped_series_are_constant() -> None:
    (f,) = forecast(frame(np.full(90, 120.0)), [], date(2024, 3, 30), horizon_months=1)
    assert f.model == "constant" and f.months[0].forecast == pytest.approx(120 * 30)
    stopped = np.r_[np.full(60, 50.0), np.zeros(40)]
    (f,) = forecast(frame(stopped), [], date(2024, 4, 9), horizon_months=1)
    assert f.model == "constant" and f.months[0].forecast == 0


def test_series_per_key_plus_total() -> None:
    a = frame(np.full(70, 10.0), owner="a")
    b = frame(np.full(70, 30.0), owner="b")
    out = forecast(pd.concat([a, b]), ["owner"], date(2024, 3, 10), horizon_months=1)
    assert [(f.key, f.total) for f in out] == [({"owner": "a"}, False), ({"owner": "b"}, False), ({}, True)]
    assert [f.months[0].forecast for f in out] == pytest.approx([300, 900, 1200])  # April
    assert [f.month_end.forecast for f in out] == pytest.approx([310, 930, 1240])
    assert out[0].month_to_date == pytest.approx(100)


def test_backtest_mape_by_hand() -> None:
    # Two flat series through February; in March x rises to $110/day, y stays at $200/day. Forecasts made on
    # 2024-02-29 are flat, so: x: |3100 - 3410| / 3410 = 1/11; y: 0; MAPE = 1/22. Total: |9300 - 9610| / 9610.
    feb_end = (date(2024, 2, 29) - START).days + 1
    x = frame(np.r_[np.full(feb_end, 100.0), np.full(31, 110.0)], owner="x")
    y = frame(np.full(feb_end + 31, 200.0), owner="y")
    res = backtest(pd.concat([x, y]), ["owner"], holdout_months=1)
    assert res.months == [date(2024, 3, 1)]
    by = {s.key.get("owner", "total"): s for s in res.series}
    assert [(r.forecast, r.actual) for r in by["x"].months] == [(3100, 3410)]
    assert by["x"].mape == pytest.approx(1 / 11, abs=1e-6) and by["y"].mape == 0
    assert res.mape == pytest.approx(1 / 22, abs=1e-6)
    assert res.median_ape == pytest.approx(1 / 22, abs=1e-6)
    assert res.wape == pytest.approx(310 / (3410 + 6200), abs=1e-6)
    assert res.total_mape == pytest.approx(310 / 9610, abs=1e-6)
    assert res.coverage == {"80%": 0.5, "95%": 0.5}  # zero-width intervals: y's is right, x's is not


def test_backtest_uses_only_complete_months_and_matches_its_forecasts() -> None:
    rng = np.random.default_rng(4)
    days = (date(2024, 6, 20) - START).days + 1  # June is incomplete: held out are March, April, May
    costs = linear_weekly(days).to_numpy() * np.exp(rng.normal(0, 0.05, days))
    res = backtest(frame(costs), [], holdout_months=3)
    assert res.months == [date(2024, 3, 1), date(2024, 4, 1), date(2024, 5, 1)]
    (series,) = res.series
    for row in series.months:
        (f,) = forecast(frame(costs), [], row.month - timedelta(days=1), horizon_months=1)
        assert row.forecast == f.months[0].forecast
        assert row.actual == pytest.approx(costs[(row.month - START).days :][: f.months[0].days].sum(), abs=0.01)
        assert row.ape == pytest.approx(abs(row.forecast - row.actual) / row.actual, abs=1e-6)
    assert res.mape == pytest.approx(np.mean([r.ape for r in series.months]), abs=1e-6)
    assert res.mape < 0.05


def test_as_of_after_the_data_is_refused() -> None:
    with pytest.raises(ValueError, match="after the last day of data"):
        forecast(frame(np.full(40, 5.0)), [], date(2024, 3, 1))
