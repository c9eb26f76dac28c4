"""Shared test set-up: an isolated catalog location, and paths to the public data in ../shared."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLES = REPO / "examples" / "terraform"

needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"public data directory {SHARED} is absent")




@pytest.fixture(scope="session")
def catalog():
    from finguard.pricing.catalog import Catalog

    return Catalog.open_default()
