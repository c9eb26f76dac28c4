"""Shared test set-up: an isolated catalog location, and paths to the public data in ../shared."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLES = REPO / "examples" / "terraform"

needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"public data directory {SHARED} is absent")


@pytest.fixture(scope="session", autouse=True)
def _isolated_catalog(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every test session compiles its own catalog: tests never read or write the user's cache."""
    home = tmp_path_factory.mktemp("finguard-home")
    os.environ["FINGUARD_HOME"] = str(home)
    os.environ.pop("FINGUARD_CATALOG", None)
    os.environ.pop("FINGUARD_PRICING_SOURCE", None)
    os.environ.pop("FINGUARD_DEFAULT_REGION", None)


@pytest.fixture(scope="session")
def catalog():
    from finguard.pricing.catalog import Catalog

    return Catalog.open_default()
