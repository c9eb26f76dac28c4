"""Pricing never crashes on real plans, and every resource ends up in exactly one bucket."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from finguard.diff import diff_costs
from finguard.model import ResourceStatus
from finguard.pricing.catalog import Catalog
from finguard.pricing.estimate import estimate
from finguard.terraform.plan import plan_to_project

from .test_plan import CORPUS, INVALID


@pytest.mark.parametrize("path", [p for p in CORPUS if p.name not in INVALID], ids=lambda p: p.name)
def test_real_plan_prices_and_diffs(catalog: Catalog, path: Path) -> None:
    project = plan_to_project(json.loads(path.read_text()), source=str(path), default_region="us-east-1")
    after = estimate(project, catalog, "after")
    before = estimate(project, catalog, "before")
    c = after.counts
    assert c.priced + c.free + c.unsupported + c.incomplete + c.skipped == len(project.resources)
    for r in after.resources:
        if r.status is ResourceStatus.INCOMPLETE:
            assert r.reasons, f"{r.address} is incomplete without a reason"
        if r.status is ResourceStatus.UNSUPPORTED:
            assert r.monthly_cost is None
    diff = diff_costs(before, after, "prior state")
    assert diff.monthly_cost_delta == diff.monthly_cost_after - diff.monthly_cost_before
