"""aws-price-watcher-s3: storage classes (Standard in three volume tiers) and Standard requests."""

from __future__ import annotations

from decimal import Decimal

from finguard.pricing.build.adapters.aws_price_watcher_s3 import AwsPriceWatcherS3
from tests.build.price_watcher_support import assert_near, assert_whole_tiers, row_for, run_fixture, run_real

S = "AmazonS3"
STANDARD = {"productFamily": "Storage", "volumeType": "Standard", "usagetype": "TimedStorage-ByteHrs"}
SIA = {"productFamily": "Storage", "volumeType": "Standard - Infrequent Access",
       "usagetype": "TimedStorage-SIA-ByteHrs"}
GLACIER = {"productFamily": "Storage", "volumeType": "Amazon Glacier", "usagetype": "TimedStorage-GlacierByteHrs"}
PUT = {"productFamily": "API Request", "usagetype": "Requests-Tier1"}
GET = {"productFamily": "API Request", "usagetype": "Requests-Tier2"}
FEED = {
    "Standard Storage First 50 TB per GB Mo": {"EU (Ireland)": "0.0230000000", "US West (Los Angeles)": "0.0250000000"},
    "Standard Storage Next 450 TB per GB Mo": {"EU (Ireland)": "0.0220000000"},
    "Standard Storage Over 500 TB per GB Mo": {"EU (Ireland)": "0.0210000000"},
    "Standard Infrequent Access Storage per GB-Mo": {"Asia Pacific (Sydney)": "0.0138000000"},
    "Glacier Storage per GB Mo": {"South America (Sao Paulo)": None},
    "PUT COPY/POST or LIST requests per Requests": {"EU (Ireland)": "0.0000050000"},
    "GET and all other requests per Requests": {"EU (Ireland)": "0.0000004000", "Nowhere": "0.0000004000"},
    "Intelligent Tiering Frequent Access First 50 TB per GB Mo": {"EU (Ireland)": "0.0230000000"},
    "GET and all other requests to GLACIER per Requests": {"EU (Ireland)": "0.0000004000"},
    "UjVbRoDGjTfNZ4TnDhgekf6f_A4TqOBCauUW3JX4u3E V1": {"": None},
}


def test_fixture_maps_classes_tiers_and_request_units(tmp_path):
    rows, report = run_fixture(AwsPriceWatcherS3(), tmp_path, FEED)
    assert sorted((r.begin, r.end, r.usd) for r in rows if dict(r.attributes) == STANDARD) == [
        (0.0, 51200.0, Decimal("0.023")), (51200.0, 512000.0, Decimal("0.022")), (512000.0, None, Decimal("0.021"))]
    assert row_for(rows, S, "ap-southeast-2", **SIA).unit == "GB-Mo"
    put = row_for(rows, S, "eu-west-1", **PUT)
    assert (put.unit, put.usd) == ("Requests", Decimal("0.000005"))  # per request, as the old rows
    assert row_for(rows, S, "eu-west-1", **GET).usd == Decimal("0.0000004")
    assert len(rows) == 6
    assert report.skipped == {"local or wavelength zone": 1, "unknown location": 1, "null price": 1,
                              "Intelligent-Tiering: not modelled": 1,
                              "other classes' requests, retrievals, transitions: not modelled": 1,
                              "opaque key (a feed set / regionless rate code: nothing says what it prices)": 1}
    assert not report.rejected


def test_real_feed_figures_on_three_continents():
    rows, report = run_real(AwsPriceWatcherS3())
    assert not report.rejected
    assert_whole_tiers([r for r in rows if dict(r.attributes) == STANDARD])
    expected = {  # region: (Standard first 50 TB, over 500 TB, Standard-IA, Glacier, PUT, GET)
        "eu-west-1": ("0.023", "0.021", "0.0125", "0.0036", "0.000005", "0.0000004"),
        "ap-southeast-2": ("0.025", "0.023", "0.0138", "0.0045", "0.0000055", "0.00000044"),
        "sa-east-1": ("0.0405", "0.037", "0.0221", "0.00765", "0.000007", "0.00000056"),
        "us-east-1": ("0.023", "0.021", "0.0125", "0.0036", "0.000005", "0.0000004"),
    }
    for region, (first, last, sia, glacier, put, get) in expected.items():
        assert_near(row_for(rows, S, region, **STANDARD), first)
        assert_near(row_for(rows, S, region, begin=512000.0, **STANDARD), last)
        assert_near(row_for(rows, S, region, **SIA), sia)
        assert_near(row_for(rows, S, region, **GLACIER), glacier)
        assert_near(row_for(rows, S, region, **PUT), put)
        assert_near(row_for(rows, S, region, **GET), get)
