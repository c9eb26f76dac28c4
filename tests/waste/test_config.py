"""The `waste:` section of finguard.yml is strict: unknown keys with did-you-mean, numbers finite and in range,
errors naming file and line (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from finguard.config import load_config
from finguard.errors import InputError
from tests.waste.conftest import run_cli


def _load(tmp_path: Path, text: str) -> object:
    path = tmp_path / "finguard.yml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def test_valid_section(tmp_path: Path) -> None:
    config = _load(tmp_path, "waste:\n  regions: [us-east-1, eu-west-1]\n  lookback_days: 28\n"
                             "  metrics: {api: get-metric-statistics}\n  oversized_instance:\n    max_cpu_p95: 30\n"
                             "    prefer_graviton: true\n  orphaned_snapshot: {min_age_days: 90}\n")
    waste = config.waste  # type: ignore[attr-defined]
    assert waste.lookback_days == 28 and waste.oversized_instance.max_cpu_p95 == 30.0
    assert waste.oversized_instance.prefer_graviton is True and waste.metrics.api == "get-metric-statistics"


@pytest.mark.parametrize(("text", "expected"), [
    ("waste:\n  unattached_volumes: {}\n",
     "unknown key 'waste.unattached_volumes' (did you mean 'unattached_volume'?)"),
    ("waste:\n  oversized_instance:\n    max_cpu_p59: 30\n", "did you mean 'max_cpu_p95'?"),
    ("waste:\n  oversized_instance:\n    max_cpu_p95: -1\n", "must be >= 0, got -1"),
    ("waste:\n  oversized_instance:\n    max_cpu_p95: 140\n", "must be <= 100"),
    ("waste:\n  oversized_instance:\n    max_cpu_p95: true\n", "got true"),
    ("waste:\n  oversized_instance:\n    max_cpu_p95: '30'\n", "'30'"),
    ("waste:\n  lookback_days: 0\n", "must be >= 1"),
    ("waste:\n  min_monthly_savings: .nan\n", "not a finite number"),
    ("waste:\n  regions: [us-east-1, Europe]\n", "'Europe' is not an AWS region code"),
    ("waste:\n  metrics: {api: fast}\n", "get-metric-data"),
    ("waste:\n  stopped_instance:\n    min_stopped_days: 2.5\n", "whole number"),
    ("waste:\n  gp2_volume:\n    enabled: 1\n", "true or false"),
])
def test_invalid_section(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(InputError) as info:
        _load(tmp_path, text)
    assert expected in str(info.value)
    assert str(tmp_path / "finguard.yml") in str(info.value)


def test_cli_reports_the_line_and_exits_2(tmp_path: Path) -> None:
    (tmp_path / "finguard.yml").write_text("version: 1\nwaste:\n  idle_ip:\n    enabeld: false\n", encoding="utf-8")
    code, _, err = run_cli("waste", "--config", tmp_path / "finguard.yml", "--inventory", tmp_path)
    assert code == 2
    assert "finguard.yml:4" in err and "did you mean 'enabled'?" in err and "Traceback" not in err
