"""A usage-based line whose unit price is missing holds the total back only once usage is given.

t3 CPU credits are in no public feed outside us-east-1 (the FOCUS sample's figure), so eu-west-1 has no
price for them. Without usage the line contributes nothing to the monthly total either way: the instance is
priced, the line still says its price is missing. With usage the line needs the price: the resource is
incomplete and its total a lower bound.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from finguard.model import ComponentStatus, ResourceStatus
from finguard.pricing.catalog import Catalog
from finguard.pricing.estimate import estimate
from finguard.pricing.usage import load_usage
from finguard.terraform.plan import plan_to_project

from .plan_builder import PlanBuilder

T3 = {"instance_type": "t3.micro", "root_block_device": [{"volume_type": "gp3", "volume_size": 8}]}


def _project():
    return plan_to_project(PlanBuilder(region="eu-west-1").add("aws_instance.t", T3).build())


def test_missing_usage_price_without_usage_keeps_the_resource_priced(catalog: Catalog) -> None:
    cost = estimate(_project(), catalog)
    resource = cost.resources[0]
    credits = next(c for c in resource.components if c.name == "CPU credits")
    assert credits.status is ComponentStatus.MISSING_PRICE and credits.usage_based
    assert "eu-west-1" in (credits.reason or "") and "usage-based" in (credits.reason or "")
    assert resource.status is ResourceStatus.PRICED and resource.complete
    # ec2.json "OnDemand Linux-instancetype-t3.micro" EU (Ireland) 0.0114 x 730 + ebs.json gp3 EU (Ireland) 0.088 x 8
    assert resource.monthly_cost == Decimal("0.0114") * 730 + Decimal("0.088") * 8
    assert cost.complete and cost.counts.missing_price_components == 1


def test_missing_usage_price_with_usage_makes_the_resource_incomplete(catalog: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "finguard-usage.yml"
    path.write_text("version: 1\nresource_usage:\n  aws_instance.t:\n    monthly_cpu_credit_hrs: 10\n")
    resource = estimate(_project(), catalog, usage=load_usage(path)).resources[0]
    credits = next(c for c in resource.components if c.name == "CPU credits")
    assert credits.status is ComponentStatus.MISSING_PRICE and not credits.usage_based
    assert resource.status is ResourceStatus.INCOMPLETE and not resource.complete
    assert any("CPU credits" in reason for reason in resource.reasons)
