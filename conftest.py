"""Test set-up shared by tests/ and the policy packs' own tests in policies/."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def _isolated_catalog(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every test session compiles its own catalog: tests never read or write the user's cache."""
    os.environ["FINGUARD_HOME"] = str(tmp_path_factory.mktemp("finguard-home"))
    for name in ("FINGUARD_CATALOG", "FINGUARD_PRICING_SOURCE", "FINGUARD_DEFAULT_REGION"):
        os.environ.pop(name, None)
