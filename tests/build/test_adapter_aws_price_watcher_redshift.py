"""aws-price-watcher-redshift: on-demand node hours, node type read from the location's suffix."""

from __future__ import annotations

from decimal import Decimal

from finguard.pricing.build.adapters.aws_price_watcher_redshift import AwsPriceWatcherRedshift
from tests.build.price_watcher_support import assert_near, row_for, run_fixture, run_real

S = "AmazonRedshift"
NODE = "[OnDemand Compute Instance Current Generation] {f} {s} OnDemand Compute Instance Current Generation"


def node(node_type: str) -> dict[str, str]:
    return {"productFamily": "Compute Instance", "instanceType": node_type}


def where(location: str, node_type: str) -> str:
    return f"{location} (Memory: 32 GiB, vCPU: 4, Storage: 32TB RMS, Instance Type: {node_type}, ECU: 12.375)"


FEED = {
    NODE.format(f="ra3", s="xlplus"): {where("EU (Ireland)", "ra3.xlplus"): "1.2020000000",
                                       where("AWS GovCloud (US-East)", "ra3.xlplus"): "1.3",
                                       where("Asia Pacific (Sydney)", "ra3.4xlarge"): "1.303"},
    NODE.format(f="dc2", s="large"): {where("EU (Ireland)", "dc2.large"): None},
    "[Redshift Concurrency Scaling Current Generation RA3] ra3 xlplus Redshift Concurrency Scaling Current "
    "Generation RA3": {"EU (Ireland) (Instance Type: ra3.xlplus, Usage Family: RA3)": "0.00033"},
    "Redshift Serverless compute charges per RPU-Hr": {"EU (Ireland)": "0.3750000000"},
}


def test_fixture(tmp_path):
    rows, report = run_fixture(AwsPriceWatcherRedshift(), tmp_path, FEED)
    assert len(rows) == 2
    row = row_for(rows, S, "eu-west-1", **node("ra3.xlplus"))
    assert (row.unit, row.usd) == ("Hrs", Decimal("1.202"))
    assert row_for(rows, S, "us-gov-east-1", **node("ra3.xlplus")).usd == Decimal("1.3")
    assert report.skipped == {"null price": 1, "concurrency scaling: not modelled": 1,
                              "Redshift Serverless, inter-region transfer: not modelled": 1}
    assert report.rejected == {"instance type in key and location differ": 1}


def test_real_feed_figures_on_three_continents():
    rows, report = run_real(AwsPriceWatcherRedshift())
    assert not report.rejected
    expected = {  # region: (ra3.xlplus, dc2.large) per node hour
        "eu-west-1": ("1.202", "0.3"),
        "ap-southeast-2": ("1.303", "0.33"),
        "sa-east-1": ("1.731", "0.4"),
        "us-east-1": ("1.086", "0.25"),
    }
    for region, (ra3, dc2) in expected.items():
        assert_near(row_for(rows, S, region, **node("ra3.xlplus")), ra3)
        assert_near(row_for(rows, S, region, **node("dc2.large")), dc2)
    assert_near(row_for(rows, S, "us-east-1", **node("ra3.16xlarge")), "13.04")
