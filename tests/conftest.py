"""Shared test set-up: an isolated catalog location, and paths to the public data in ../shared."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Progress lines (finguard.progress) go to stderr in CI logs; tests that read stderr want only what the command
# says, so they are off here, and tests/test_progress.py turns them on where it checks them.
os.environ["FINGUARD_PROGRESS"] = "0"

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLES = REPO / "examples" / "terraform"

needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"public data directory {SHARED} is absent")


@pytest.fixture(scope="session")
def catalog():
    from finguard.pricing.catalog import Catalog

    return Catalog.open_default()
