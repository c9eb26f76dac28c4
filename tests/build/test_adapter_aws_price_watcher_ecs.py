"""aws-price-watcher-ecs: Fargate Linux vCPU and GB hours, x86 and ARM."""

from __future__ import annotations

from decimal import Decimal

from finguard.pricing.build.adapters.aws_price_watcher_ecs import AwsPriceWatcherEcs
from tests.build.price_watcher_support import assert_near, row_for, run_fixture, run_real

S = "AmazonECS"
VCPU = {"productFamily": "Compute", "usagetype": "Fargate-vCPU-Hours:perCPU"}
GB = {"productFamily": "Compute", "usagetype": "Fargate-GB-Hours"}
ARM_VCPU = {"productFamily": "Compute", "usagetype": "Fargate-ARM-vCPU-Hours:perCPU"}
ARM_GB = {"productFamily": "Compute", "usagetype": "Fargate-ARM-GB-Hours"}
FEED = {
    "perCPU per hour": {"EU (Ireland)": "0.0404800000"},
    "perGB per hour": {"EU (Ireland)": "0.0044450000"},
    "ARM perCPU per hour": {"EU (Ireland)": "0.0323800000"},
    "ARM perGB per hour": {"EU (Ireland)": "0.0035600000"},
    "perCPU per hour Windows": {"EU (Ireland)": "0.0465520000"},
    "Storage per GB-Hours": {"EU (Ireland)": "0.0001220000"},
    "per hour": {"EU (Ireland)": "0.0102500000"},
}


def test_fixture(tmp_path):
    rows, report = run_fixture(AwsPriceWatcherEcs(), tmp_path, FEED)
    assert len(rows) == 4
    assert {r.unit for r in rows} == {"Hrs"}
    assert row_for(rows, S, "eu-west-1", **ARM_VCPU).usd == Decimal("0.03238")
    assert row_for(rows, S, "eu-west-1", **GB).usd == Decimal("0.004445")
    assert report.skipped == {"Windows Fargate: not modelled": 1, "Fargate ephemeral storage: not modelled": 1,
                              "ECS Anywhere instance hours: not modelled": 1}


def test_real_feed_figures_on_three_continents():
    rows, report = run_real(AwsPriceWatcherEcs())
    assert not report.rejected
    expected = {  # region: (vCPU, GB, ARM vCPU, ARM GB) per hour
        "eu-west-1": ("0.04048", "0.004445", "0.03238", "0.00356"),
        "ap-southeast-2": ("0.04856", "0.00532", "0.03885", "0.00426"),
        "sa-east-1": ("0.0696", "0.0076", "0.0557", "0.00612"),
        "us-east-1": ("0.04048", "0.004445", "0.03238", "0.00356"),
    }
    for region, figures in expected.items():
        for filters, figure in zip((VCPU, GB, ARM_VCPU, ARM_GB), figures, strict=True):
            assert_near(row_for(rows, S, region, **filters), figure)
