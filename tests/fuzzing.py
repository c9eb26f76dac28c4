"""One knob for the property-based fuzz tests over every input format.

CI runs each with a small, derandomized example count (fast, reproducible). A longer campaign sets
FINGUARD_FUZZ_EXAMPLES (examples per test, random seeds): `FINGUARD_FUZZ_EXAMPLES=500 python -m pytest -m fuzz`.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings


def fuzz_examples(default: int) -> int:
    raw = os.environ.get("FINGUARD_FUZZ_EXAMPLES", "").strip()
    return int(raw) if raw else default


def fuzz_settings(default: int) -> settings:
    """Hypothesis settings for one fuzz test: `default` examples in CI, FINGUARD_FUZZ_EXAMPLES in a campaign."""
    campaign = bool(os.environ.get("FINGUARD_FUZZ_EXAMPLES", "").strip())
    return settings(max_examples=fuzz_examples(default), deadline=None, derandomize=not campaign,
                    suppress_health_check=list(HealthCheck))


fuzz = pytest.mark.fuzz
