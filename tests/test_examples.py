"""The bundled example projects price to figures computed by hand from the snapshot's rows.

web-app after: ASG 3 x m5.xlarge (3 x 730 x 0.192 = 420.48) + monitoring (21 x 0.30 = 6.30) + 90 GB gp3 (7.20);
MySQL Multi-AZ db.t3.large (730 x 0.272 = 198.56) + 100 GB gp3 Multi-AZ (23.00); EBS gp3 200 GB/4000 IOPS/
250 MiBps (16 + 5 + 5); bastion t3.micro (7.592) + 8 GB gp3 (0.64); ALB (16.425); 3 EIPs (10.95); 3 NAT
gateways (98.55) = 815.697. Before: m5.large ASG 223.74, db.t4g.small 70.45, legacy m4.large 78.00 (73 + 5),
2 EIPs 7.30, 2 NATs 65.70, the rest unchanged = 495.847.

eks-platform: EKS cluster (730 x 0.10 = 73.00); general node group 3 x m6i.xlarge (3 x 730 x 0.192 = 420.48)
+ 150 GB gp2 (15.00); arm node group 2 x c6g.large (2 x 730 x 0.068 = 99.28) + 100 GB gp3 (8.00); ElastiCache
cache.m4.large (730 x 0.156 = 113.88); DR standby in us-west-2: m5.large (730 x 0.096 = 70.08, ec2.json
"OnDemand Linux-instancetype-m5.large" US West (Oregon)) + 40 GB gp3 (40 x 0.08 = 3.20, ebs.json "Storage
General Purpose gp3 GB Mo" US West (Oregon)); NLB (730 x 0.0225 = 16.425); 3 EIPs (10.95); 3 NAT gateways
(98.55) = 928.845.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from finguard.diff import diff_costs
from finguard.model import Action
from finguard.pricing.catalog import Catalog
from finguard.pricing.estimate import estimate
from finguard.terraform.plan import load_plan

from .conftest import EXAMPLES

WEB_APP = EXAMPLES / "web-app" / "plan.json"
EKS = EXAMPLES / "eks-platform" / "plan.json"


def test_web_app_breakdown(catalog: Catalog) -> None:
    cost = estimate(load_plan(WEB_APP), catalog)
    assert cost.monthly_cost == Decimal("815.697")
    by_address = {r.address: r.monthly_cost for r in cost.resources}
    assert by_address["aws_autoscaling_group.app"] == Decimal("433.98")
    assert by_address["aws_db_instance.main"] == Decimal("221.56")
    assert by_address["module.network.aws_nat_gateway.this[2]"] == Decimal("32.850")
    assert cost.counts.unsupported == 0


def test_web_app_diff(catalog: Catalog) -> None:
    project = load_plan(WEB_APP)
    diff = diff_costs(estimate(project, catalog, "before"), estimate(project, catalog, "after"), "prior state")
    assert diff.monthly_cost_before == Decimal("495.847")
    assert diff.monthly_cost_after == Decimal("815.697")
    assert diff.monthly_cost_delta == Decimal("319.850")
    rows = {r.address: r for r in diff.resources}
    assert rows["aws_instance.legacy_worker"].action is Action.DELETE
    assert rows["aws_instance.legacy_worker"].monthly_cost_delta == Decimal("-78.000")
    # the ASG itself is unchanged; its launch template moves it from m5.large to m5.xlarge
    assert rows["aws_autoscaling_group.app"].monthly_cost_delta == Decimal("210.24")
    assert rows["aws_instance.bastion"].action is Action.REPLACE
    assert rows["aws_instance.bastion"].monthly_cost_delta == 0


def test_eks_platform_breakdown(catalog: Catalog) -> None:
    cost = estimate(load_plan(EKS), catalog)
    by_address = {r.address: r for r in cost.resources}
    assert by_address["aws_eks_cluster.this"].monthly_cost == Decimal("73.0")
    # 3 x 730 x 0.192 + 3 x 50 GB gp2 x 0.10
    assert by_address["aws_eks_node_group.general"].monthly_cost == Decimal("435.480")
    # 2 x 730 x 0.068 (c6g.large, arm64) + 2 x 50 GB gp3 from the launch template
    assert by_address["aws_eks_node_group.arm"].monthly_cost == Decimal("107.280")
    dr = by_address["aws_instance.dr_standby"]
    # priced from us-west-2's own rows: 730 x 0.096 (m5.large, US West (Oregon)) + 40 GB gp3 x 0.08
    assert dr.region == "us-west-2" and dr.complete and dr.monthly_cost == Decimal("73.28")
    assert all(c.price_query.startswith("AmazonEC2 us-west-2 ") for c in dr.components)
    assert cost.monthly_cost == Decimal("928.845") and cost.complete


@pytest.mark.parametrize("plan", [WEB_APP, EKS], ids=["web-app", "eks-platform"])
def test_examples_have_real_shape(plan) -> None:
    project = load_plan(plan)
    assert project.format_version == "1.2" and project.terraform_version
    assert not project.warnings
