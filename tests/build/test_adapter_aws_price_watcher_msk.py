"""aws-price-watcher-msk: broker hours (usage type from the location suffix) and GP2 broker storage."""

from __future__ import annotations

from decimal import Decimal

from finguard.pricing.build.adapters.aws_price_watcher_msk import AwsPriceWatcherMsk
from tests.build.price_watcher_support import assert_near, row_for, run_fixture, run_real

S = "AmazonMSK"
F = "Managed Streaming for Apache Kafka (MSK)"
STORAGE = {"productFamily": F, "storageFamily": "GP2"}


def broker(size: str, kind: str = "Kafka") -> dict[str, str]:
    return {"productFamily": F, "usagetype": f"{kind}.{size}"}


def suffix(location: str, prefix: str, size: str, kind: str = "Kafka") -> str:
    return (f"{location} (Compute Family: {size}, usageType: {prefix}-{kind}.{size}, vCPU: 2, Memory (GiB): 8, "
            "operation: RunBroker)")


FEED = {
    "[RunBroker] RunBroker-computefamily-m5.large;RunBroker m5.large": {
        suffix("EU (Ireland)", "EU", "m5.large"): "0.2340000000",
        suffix("AWS GovCloud (US)", "UGW1", "m5.large"): "0.2590000000",
        suffix("Asia Pacific (Sydney)", "USE1", "m5.large"): "0.2630000000",  # prefix of another region
        "US West (Los Angeles) (Compute Family: m5.large, vCPU: 2)": "0.25",
    },
    "[ExpressBroker]": {suffix("EU (Ireland)", "EU", "m7g.large", "Express"): "0.4550000000"},
    "RunVolume GP2": {"EU (Ireland)": "0.1100000000"},
    "RunVolume": {"EU (Ireland)": "0.1100000000"},
    "RunVolume General": {"EU (Ireland)": "0.0880000000"},
    "Serverless Cluster-hours": {"EU (Ireland)": "0.7500000000"},
}


def test_fixture(tmp_path):
    rows, report = run_fixture(AwsPriceWatcherMsk(), tmp_path, FEED)
    assert len(rows) == 4
    m5 = row_for(rows, S, "eu-west-1", **broker("m5.large"))
    assert (m5.unit, m5.usd) == ("Hrs", Decimal("0.234"))
    assert row_for(rows, S, "us-gov-west-1", **broker("m5.large")).usd == Decimal("0.259")
    assert row_for(rows, S, "eu-west-1", **broker("m7g.large", "Express")).usd == Decimal("0.455")
    assert row_for(rows, S, "eu-west-1", **STORAGE).unit == "GB-Mo"
    assert report.skipped == {"local or wavelength zone": 1, "same as 'RunVolume GP2' (which is taken)": 1,
                              "provisioned storage throughput: not modelled": 1,
                              "MSK Serverless, Connect, Replicator, tiered storage, private connectivity: "
                              "not modelled": 1}
    assert report.rejected == {"broker usage type missing or not the location's": 1}


def test_real_feed_figures_on_three_continents():
    rows, report = run_real(AwsPriceWatcherMsk())
    assert not report.rejected
    expected = {  # region: (kafka.m5.large hour, kafka.t3.small hour, GB-month)
        "eu-west-1": ("0.234", "0.0499", "0.11"),
        "ap-southeast-2": ("0.263", "0.0578", "0.12"),
        "sa-east-1": ("0.335", "0.0736", "0.19"),
        "us-east-1": ("0.21", "0.0456", "0.1"),
    }
    for region, (m5, t3, gb) in expected.items():
        assert_near(row_for(rows, S, region, **broker("m5.large")), m5)
        assert_near(row_for(rows, S, region, **broker("t3.small")), t3)
        assert_near(row_for(rows, S, region, **STORAGE), gb)
