"""Two binding details found while building the multi-region example: a resource bound to an aliased
provider block the plan does not carry is priced with a warning, and an EIP attached to an instance whose
id is known only after apply is billed as in use."""

from __future__ import annotations

from finguard.pricing.catalog import Catalog
from finguard.pricing.estimate import estimate
from finguard.terraform.plan import plan_to_project

from .plan_builder import PlanBuilder


def test_missing_aliased_provider_block_warns() -> None:
    builder = PlanBuilder(region="eu-west-1").add("aws_ebs_volume.v", {"type": "gp3", "size": 10})
    plan = builder.build()
    plan["configuration"]["root_module"]["resources"][0]["provider_config_key"] = "aws.sydney"
    project = plan_to_project(plan)
    assert project.resources[0].region == "eu-west-1"
    assert any("aws.sydney is not in the plan's provider_config" in w for w in project.warnings)


def test_present_aliased_provider_block_gives_its_region_without_warning() -> None:
    builder = PlanBuilder(region="eu-west-1").add("aws_ebs_volume.v", {"type": "gp3", "size": 10})
    builder.provider_config["aws.sydney"] = {"name": "aws", "alias": "sydney",
                                             "expressions": {"region": {"constant_value": "ap-southeast-2"}}}
    plan = builder.build()
    plan["configuration"]["root_module"]["resources"][0]["provider_config_key"] = "aws.sydney"
    project = plan_to_project(plan)
    assert project.resources[0].region == "ap-southeast-2"
    assert not project.warnings


def test_eip_attached_to_an_instance_known_after_apply_is_in_use(catalog: Catalog) -> None:
    project = plan_to_project(PlanBuilder(region="eu-west-1").add(
        "aws_eip.ip", {"domain": "vpc"}, unknown={"instance": True},
        references={"instance": ["aws_instance.web.id", "aws_instance.web"]}).build())
    (component,) = estimate(project, catalog).resources[0].components
    assert component.name == "Public IPv4 address (in use)"
    assert "PublicIPv4:InUseAddress" in (component.price_query or "")
