"""aws-price-watcher-kinesis: provisioned shards and PUT units, on-demand stream hours and data."""

from __future__ import annotations

from decimal import Decimal

from finguard.pricing.build.adapters.aws_price_watcher_kinesis import AwsPriceWatcherKinesis
from tests.build.price_watcher_support import assert_near, row_for, run_fixture, run_real

S = "AmazonKinesis"
F = "Kinesis Streams"
SHARD = {"productFamily": F, "usagetype": "Storage-ShardHour", "operation": "shardHourStorage"}
PUT = {"productFamily": F, "usagetype": "PutRequestPayloadUnits", "operation": "PutRequest"}
STREAM = {"productFamily": F, "usagetype": "OnDemand-StreamHour", "operation": "OnDemandStreamHr"}
DATA_IN = {"productFamily": F, "usagetype": "OnDemand-BilledIncomingBytes", "operation": "OnDemandDataIngested"}
DATA_OUT = {"productFamily": F, "usagetype": "OnDemand-BilledOutgoingBytes", "operation": "OnDemandDataRetrieval"}
FEED = {
    "Provisioned shard hour per ShardHour": {"EU (Ireland)": "0.0170000000", "Mexico (Central)": "0.0157500000"},
    "Provisioned shard hour per CNN1 Storage-ShardHour": {"Mexico (Central)": "0.0157500000"},
    "Payload Units per PutRequest": {"EU (Ireland)": "0.0000000165"},
    "OnDemandStreamHr per StreamHr": {"EU (Ireland)": "0.0450000000"},
    "OnDemandDataIngested per GB": {"EU (Ireland)": "0.0910000000"},
    "OnDemandDataRetrieval per GB": {"EU (Ireland)": "0.0450000000"},
    "Enhanced fan out per ConsumerShardHour": {"EU (Ireland)": "0.0170000000"},
}


def test_fixture(tmp_path):
    rows, report = run_fixture(AwsPriceWatcherKinesis(), tmp_path, FEED)
    assert len(rows) == 6
    assert row_for(rows, S, "mx-central-1", **SHARD).usd == Decimal("0.01575")
    put = row_for(rows, S, "eu-west-1", **PUT)
    assert (put.unit, put.usd) == ("Units", Decimal("0.0000000165"))  # per 25 KB payload unit
    assert row_for(rows, S, "eu-west-1", **STREAM).unit == "Hrs"
    assert row_for(rows, S, "eu-west-1", **DATA_IN).unit == row_for(rows, S, "eu-west-1", **DATA_OUT).unit == "GB"
    assert report.skipped == {"regional duplicate of a generic key (same price)": 1,
                              "retention, enhanced fan-out: not modelled": 1}


def test_real_feed_figures_on_three_continents():
    rows, report = run_real(AwsPriceWatcherKinesis())
    assert not report.rejected
    expected = {  # region: (shard hour, PUT unit, stream hour, GB in, GB out)
        "eu-west-1": ("0.017", "0.0000000165", "0.045", "0.091", "0.045"),
        "ap-southeast-2": ("0.0184", "0.0000000195", "0.049", "0.098", "0.049"),
        "sa-east-1": ("0.03", "0.000000028", "0.08", "0.16", "0.08"),
        "us-east-1": ("0.015", "0.000000014", "0.04", "0.08", "0.04"),
    }
    for region, figures in expected.items():
        for filters, figure in zip((SHARD, PUT, STREAM, DATA_IN, DATA_OUT), figures, strict=True):
            assert_near(row_for(rows, S, region, **filters), figure)
