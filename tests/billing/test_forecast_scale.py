"""The forecast scales with what matters (issue 18): small and short series rolled into "(other)" per key level or
forecast naively, model fits bounded per forecast date, every choice labelled in the JSON and every report format,
and the `forecast:` thresholds validated strictly."""

from __future__ import annotations

import csv
import json
import os
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finguard.billing import forecast as fc
from finguard.billing.forecast import OTHER, ForecastReport, backtest, forecast
from finguard.billing.job_config import ForecastConfig
from tests.test_cli import run

START = date(2024, 1, 1)
FAST = {"simulations": 100}  # 100 paths: the intervals' accuracy is not what these tests check
NO_FITS = {**FAST, "max_models": 1}  # the total alone is fitted: tests of what is rolled up need no more
FUZZ_EXAMPLES = int(os.environ.get("FINGUARD_FUZZ_EXAMPLES", "6"))


def series(days: int, level: float, start: date = START, seed: int = 0, **keys: str) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    costs = level * np.exp(rng.normal(0, 0.05, days))
    return pd.DataFrame({"date": pd.date_range(start, periods=days, freq="D"), "cost": costs, **keys})


def by_key(out: list) -> dict:
    return {tuple(f.key.values()) if not f.total else ("total",): f for f in out}


def test_small_series_are_rolled_into_other_and_labelled() -> None:
    big = [series(40, 1000.0, seed=i, owner=f"big{i}") for i in range(2)]
    tiny = [series(40, 0.5, seed=10 + i, owner=f"tiny{i}") for i in range(4)]
    daily = pd.concat([*big, *tiny])
    as_of = START + timedelta(days=39)
    out = by_key(forecast(daily, ["owner"], as_of, 1, ForecastConfig(**FAST)))
    assert sorted(out) == [(OTHER,), ("big0",), ("big1",), ("total",)]
    other = out[(OTHER,)]
    assert other.rollup is not None and other.rollup.series == 4 and other.rollup.small == 4
    assert sorted(k["owner"] for k in other.rollup.keys) == ["tiny0", "tiny1", "tiny2", "tiny3"]
    assert other.method == "model" and other.naive is None  # the tail summed is worth one model
    tiny_mtd = sum(float(t["cost"][t["date"] >= pd.Timestamp("2024-02-01")].sum()) for t in tiny)
    assert other.month_to_date == pytest.approx(tiny_mtd, abs=0.01)
    assert all(f.rollup is None and f.method == "model" for k, f in out.items() if k != (OTHER,))
    # the total still sums every series, the rolled ones included
    assert out[("total",)].month_to_date == pytest.approx(sum(f.month_to_date for k, f in out.items()
                                                              if k != ("total",)), abs=0.02)


def test_rolling_up_goes_one_key_level_at_a_time() -> None:
    frames = [
        series(60, 500.0, seed=1, owner="a", service="ec2"),
        series(60, 0.4, seed=2, owner="a", service="s3"),
        series(60, 0.3, seed=3, owner="a", service="sns"),
        series(60, 500.0, seed=4, owner="b", service="ec2"),
        series(60, 0.2, seed=5, owner="c", service="s3"),  # c's whole spend is tiny: rolled up to the top
    ]
    cfg = ForecastConfig(min_share=0.01, **NO_FITS)
    out = by_key(forecast(pd.concat(frames), ["owner", "service"], START + timedelta(days=59), 1, cfg))
    assert sorted(out) == [(OTHER, OTHER), ("a", "ec2"), ("b", "ec2"), ("total",)]
    top = out[(OTHER, OTHER)].rollup
    assert top is not None and sorted((k["owner"], k["service"]) for k in top.keys) == \
        [("a", "s3"), ("a", "sns"), ("c", "s3")]
    # with a lower threshold a's small services make a (a, (other)) series worth keeping on its own level
    cfg = ForecastConfig(min_share=0.0005, **NO_FITS)
    out = by_key(forecast(pd.concat(frames), ["owner", "service"], START + timedelta(days=59), 1, cfg))
    assert ("a", OTHER) in out and (OTHER, OTHER) in out
    assert out[("a", OTHER)].rollup.series == 2 and out[(OTHER, OTHER)].rollup.series == 1  # type: ignore[union-attr]


def test_short_series_are_forecast_naively_and_say_why() -> None:
    daily = pd.concat([series(60, 100.0, owner="old"), series(9, 80.0, START + timedelta(days=51), owner="new")])
    out = by_key(forecast(daily, ["owner"], START + timedelta(days=59), 1, ForecastConfig(**NO_FITS)))
    new = out[("new",)]
    assert new.method == "naive" and new.naive == "short" and new.model == "seasonal naive"
    assert new.month_end.intervals == [] and new.daily == []
    assert "9 days of history (< min_history_days 14)" in (new.note or "")
    # each weekday at its mean of the days seen (one week of each here): 31 March days are 4 weeks and 3 days
    last_week = daily[daily.owner == "new"].cost.tail(7).to_numpy()
    assert new.months[0].forecast == pytest.approx(4 * last_week.sum() + last_week[:3].sum(), abs=0.01)
    # naive by choice, or rolled up: short_series decides
    cfg = ForecastConfig(short_series="other", **NO_FITS)
    out = by_key(forecast(daily, ["owner"], START + timedelta(days=59), 1, cfg))
    assert sorted(out) == [(OTHER,), ("old",), ("total",)] and out[(OTHER,)].rollup.short == 1  # type: ignore[union-attr]
    assert out[(OTHER,)].naive == "short"  # nothing older to model it with: the rolled series is short too


def test_small_series_can_be_kept_and_forecast_naively() -> None:
    daily = pd.concat([series(60, 1000.0, owner="big"), series(60, 0.5, seed=3, owner="tiny")])
    out = by_key(forecast(daily, ["owner"], START + timedelta(days=59), 1,
                          ForecastConfig(small_series="naive", **NO_FITS)))
    assert sorted(out) == [("big",), ("tiny",), ("total",)]
    assert out[("tiny",)].naive == "small" and out[("tiny",)].method == "naive"
    assert "of the cost of the last 28 days (< min_share 0.20%)" in (out[("tiny",)].note or "")


def test_model_fits_are_bounded_per_forecast(monkeypatch: pytest.MonkeyPatch) -> None:
    fits: list[int] = []
    real = fc._ets

    def counted(*args, **kwargs):  # the real fit, counted
        fits.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(fc, "_ets", counted)
    daily = pd.concat([series(30, 100.0 * (i + 1), seed=i, owner=f"o{i}") for i in range(5)])
    flat = pd.DataFrame({"date": pd.date_range(START, periods=30, freq="D"), "cost": 700.0, "owner": "flat"})
    out = by_key(forecast(pd.concat([daily, flat]), ["owner"], START + timedelta(days=29), 1,
                          ForecastConfig(max_models=3, **FAST)))
    assert len(fits) == 3  # the total and the two largest series; a flat series needs no fit and takes no slot
    assert [k for k, f in out.items() if f.method == "model"] == [("o3",), ("o4",), ("total",)]
    assert out[("flat",)].model == "constant" and out[("flat",)].naive is None
    for name in ("o0", "o1", "o2"):
        f = out[(name,)]
        assert f.naive == "fit_limit" and f.model == "seasonal naive" and "max_models" in (f.note or "")


def test_backtest_scores_other_against_what_it_held() -> None:
    days = (date(2024, 4, 30) - START).days + 1
    big = series(days, 1000.0, owner="big")
    tiny = [series(days, 0.5, seed=5 + i, owner=f"tiny{i}") for i in range(3)]
    res = backtest(pd.concat([big, *tiny]), ["owner"], holdout_months=1, config=ForecastConfig(**NO_FITS))
    other = next(s for s in res.series if s.key == {"owner": OTHER})
    april = sum(float(t["cost"][t["date"] >= pd.Timestamp("2024-04-01")].sum()) for t in tiny)
    assert other.months[0].actual == pytest.approx(april, abs=0.01) and other.mape is not None


def test_json_is_versioned_and_holds_daily_points_for_the_total_only() -> None:
    daily = pd.concat([series(60, 1000.0, owner="a"), series(60, 900.0, seed=1, owner="b")])
    as_of = START + timedelta(days=59)
    out = forecast(daily, ["owner"], as_of, 1, ForecastConfig(**NO_FITS))
    report = ForecastReport(as_of=as_of, keys=["owner"], currency="USD", horizon_months=1, levels=[0.8, 0.95],
                            history=[], forecasts=out)
    data = json.loads(report.model_dump_json())
    assert (data["schema"], data["version"]) == ("finguard/billing-forecast", 2)
    assert [len(f["daily"]) for f in data["forecasts"]] == [0, 0, 31]
    assert ForecastReport.model_validate(data) == report
    with pytest.raises(ValueError, match="not a finguard/billing-forecast version 2 document"):
        ForecastReport.model_validate({**data, "version": 1})
    every = forecast(daily, ["owner"], as_of, 1, ForecastConfig(daily="all", **NO_FITS))
    assert [len(f.daily) for f in every] == [31, 31, 31]


def test_every_format_labels_rolled_up_and_naive_series(tmp_path: Path) -> None:
    from finguard.report.sections import section

    daily = pd.concat([series(60, 1000.0, owner="big"), series(60, 0.5, seed=2, owner="tiny"),
                       series(9, 300.0, START + timedelta(days=51), owner="new")])
    as_of = START + timedelta(days=59)
    report = ForecastReport(as_of=as_of, keys=["owner"], currency="USD", horizon_months=1, levels=[0.8, 0.95],
                            history=[], forecasts=forecast(daily, ["owner"], as_of, 1, ForecastConfig(**NO_FITS)))
    sec = section("forecast")
    for text in (sec.text(report, "USD"), sec.markdown(report, "USD"), sec.html(report, "USD")):
        assert "(other), 1 series rolled up" in text and "seasonal naive, naive: too short" in text
        assert "rolled up: 1 series too small (1) or too short (0)" in text
        assert "too little history for a model (forecast.min_history_days)" in text
    sec.write_csv(report, tmp_path)
    with (tmp_path / "forecast.csv").open() as fh:
        rows = {r["owner"]: r for r in csv.DictReader(fh) if r["month_end"] == "True"}
    assert (rows[OTHER]["rolled_up_series"], rows[OTHER]["method"], rows[OTHER]["naive"]) == ("1", "naive",
                                                                                            "fit_limit")
    assert (rows["new"]["method"], rows["new"]["naive"]) == ("naive", "short")


@pytest.mark.parametrize(("body", "key", "expected"), [
    ("min_shar: 0.1", "billing.forecast.min_shar", "did you mean 'min_share'?"),
    ("min_share: 1.5", "billing.forecast.min_share", "must be < 1, got 1.5"),
    ("min_share: -0.1", "billing.forecast.min_share", "must be >= 0"),
    ("max_models: true", "billing.forecast.max_models", "must be a number, got true"),
    ("max_models: 0", "billing.forecast.max_models", "must be >= 1"),
    ("min_daily_cost: -1", "billing.forecast.min_daily_cost", "must be >= 0"),
    ("small_series: drop", "billing.forecast.small_series", "'other' or 'naive'"),
    ("daily: some", "billing.forecast.daily", "'total' or 'all'"),
    ("size_window_days: 3", "billing.forecast.size_window_days", "must be >= 7"),
    ("min_history_days: 3", "billing.forecast", "min_history_days (3) must be at least min_days_level (5)"),
    ("levels: [0.8, 1.5]", "billing.forecast.levels", "between 0 and 1"),
])
def test_forecast_settings_are_validated_strictly(capsys: pytest.CaptureFixture[str], tmp_path: Path, body: str,
                                                   key: str, expected: str) -> None:
    config = tmp_path / "finguard.yml"
    config.write_text(f"billing:\n  forecast:\n    {body}\n")
    code, out, err = run(capsys, "billing", "forecast", "--config", str(config), "--db", str(tmp_path / "x.db"))
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"finguard: error: {config}:"), err
    assert f"invalid config at {key}" in lines[0] and expected in lines[0], err


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.fixed_dictionaries({}, optional={
    "min_share": st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.text(max_size=5)),
    "min_daily_cost": st.one_of(st.floats(), st.integers(-5, 5), st.none()),
    "min_history_days": st.one_of(st.integers(-5, 400), st.booleans()),
    "max_models": st.one_of(st.integers(-2, 200_000), st.floats()),
    "small_series": st.sampled_from(["other", "naive", "drop", "", 1]),
    "size_window_days": st.integers(-1, 400),
}))
def test_any_forecast_settings_validate_or_are_refused_cleanly(values: dict) -> None:
    """Whatever the YAML holds, the settings either validate into sane thresholds or raise pydantic's error."""
    from pydantic import ValidationError

    try:
        cfg = ForecastConfig.model_validate(values)
    except ValidationError:
        return
    assert 0 <= cfg.min_share < 1 and cfg.min_daily_cost >= 0 and np.isfinite(cfg.min_daily_cost)
    assert cfg.max_models >= 1 and cfg.min_history_days >= cfg.min_days_level and cfg.size_window_days >= 7
