"""The labelled-series generator: deterministic, and its labels say what was injected."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from finguard.billing.anomalies import AnomalyKind
from finguard.billing.series import KEYS, GeneratorConfig, generate


@pytest.fixture(scope="module")
def gen():
    return generate(GeneratorConfig(n_series=40, n_days=150, seed=7))


def test_same_seed_same_output_other_seed_other_output(gen) -> None:
    again = generate(GeneratorConfig(n_series=40, n_days=150, seed=7))
    pd.testing.assert_frame_equal(gen.daily, again.daily)
    pd.testing.assert_frame_equal(gen.detail, again.detail)
    assert gen.labels == again.labels
    other = generate(GeneratorConfig(n_series=40, n_days=150, seed=8))
    assert not np.allclose(gen.daily["cost"], other.daily["cost"])


def test_shape_and_levels(gen) -> None:
    daily = gen.daily
    assert list(daily.columns) == ["date", *KEYS, "cost"]
    assert len(daily) == 40 * 150
    assert daily.groupby(KEYS).size().eq(150).all()
    assert (daily["cost"] > 0).all()
    level = daily.groupby("SubAccountId")["cost"].median()
    assert level.min() > 20 and level.max() < 40_000  # $50-$20k/day bases, with weekends and trend


def test_detail_sums_to_daily(gen) -> None:
    summed = gen.detail.groupby([*KEYS, "date"], as_index=False)["cost"].sum()
    merged = gen.daily.merge(summed, on=[*KEYS, "date"], suffixes=("", "_detail"))
    assert len(merged) == len(gen.daily)
    np.testing.assert_allclose(merged["cost"], merged["cost_detail"], rtol=1e-9)


def test_labels_meet_their_definitions(gen) -> None:
    kinds = {lab.kind for lab in gen.labels}
    assert kinds == set(AnomalyKind)
    first = gen.daily["date"].min().date()
    for lab in gen.labels:
        assert lab.start >= first + timedelta(days=42)
        assert lab.magnitude >= 50 and lab.sigma >= 3
        rows = gen.detail[
            (gen.detail["SubAccountId"] == lab.key["SubAccountId"])
            & (gen.detail["ResourceId"] == lab.resource_id)
            & (gen.detail["usage"] == lab.usage)
        ]
        cost = rows.set_index("date")["cost"]
        before = cost.get(pd.Timestamp(lab.start - timedelta(days=1)), 0.0)
        on_start = cost.get(pd.Timestamp(lab.start), 0.0)
        if lab.kind is AnomalyKind.SPIKE:  # the labelled line (perhaps an existing one) carries the spike
            assert lab.end == lab.start
            assert on_start >= lab.magnitude
            assert on_start - before == pytest.approx(lab.magnitude, rel=0.5)
        if lab.kind is AnomalyKind.LEVEL_SHIFT:
            assert on_start - before == pytest.approx(lab.magnitude, rel=0.5)
        if lab.kind is AnomalyKind.DRIFT:
            assert cost.get(pd.Timestamp(lab.end), 0.0) - before == pytest.approx(lab.magnitude, rel=0.5)
            assert 13 <= (lab.end - lab.start).days <= 42


def test_event_free_generation() -> None:
    g = generate(GeneratorConfig(n_series=3, n_days=60, spike_rate=0, shift_rate=0, drift_rate=0, with_detail=False))
    assert g.labels == [] and g.detail is None
