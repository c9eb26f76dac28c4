"""`finguard pricing coverage --regions`: per provider and service, regions and products priced and the
sources behind them, from the compiled catalog."""

from __future__ import annotations

import json

import pytest

from .test_cli import run


def test_coverage_regions_lists_every_provider_with_sources(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "pricing", "coverage", "--regions")
    assert code == 0
    rows = {line.split()[1]: line.split() for line in out.splitlines()[1:] if line.startswith(("aws", "azure", "gcp"))}
    assert rows["AmazonEC2"][0] == "aws" and int(rows["AmazonEC2"][2]) >= 30  # every commercial region the feed has
    assert rows["AmazonRDS"][0] == "aws" and "aws-price-watcher-rds" in out
    assert "azure" in out and "gcp" in out and "azure-karpenter" in out and "gcp-cyclenerd" in out
    assert out.splitlines()[-1].startswith("total: aws ")


def test_coverage_json_for_one_service_counts_prices_per_region(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "pricing", "coverage", "--service", "Virtual Machines", "--format", "json")
    assert code == 0
    (entry,) = json.loads(out)
    assert entry["provider"] == "azure" and len(entry["regions"]) >= 50
    assert entry["prices_by_region"]["westeurope"] > 500
    assert sum(entry["prices_by_region"].values()) == entry["prices"] == sum(entry["sources"].values())


def test_coverage_for_an_unknown_service_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "pricing", "coverage", "--service", "AmazonEc2")
    assert code == 2 and "no such service" in err and "did you mean 'AmazonEC2'" in err
