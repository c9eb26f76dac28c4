"""aws-ec2-ondemand-linux.csv (us-east-1, July 2026) -> EC2 Linux on-demand hours; newest, so it wins us-east-1."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from finguard.pricing.build.adapters.aws_ec2_csv import INPUT, AwsEc2Csv
from finguard.pricing.build.adapters.aws_price_watcher_ec2 import AwsPriceWatcherEc2
from finguard.pricing.build.pipeline import BuildResult, collect, merge
from finguard.pricing.resources.aws._ec2 import instance_hours
from tests.build.price_watcher_support import close, find, price, run, run_real

CSV = """region,instance_type,usd_per_hour
us-east-1,m5.large,0.096000
us-east-1,p5.48xlarge,55.040000
us-east-1,c5.large,0.000000
us-east-1,c5.xlarge,
xx-moon-1,m5.large,0.100000
us-east-1,M5 LARGE,0.096000
us-east-1,m5.xlarge,-1
us-east-1,m5.2xlarge

"""


def _write(shared: Path, text: str) -> None:
    path = shared / INPUT
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_fixture_rows_skips_and_rejects(tmp_path: Path) -> None:
    _write(tmp_path, CSV)
    rows, report = run(AwsEc2Csv(), tmp_path)
    assert sorted((r.region, dict(r.attributes)["instanceType"], r.usd) for r in rows) == [
        ("us-east-1", "m5.large", Decimal("0.096000")), ("us-east-1", "p5.48xlarge", Decimal("55.040000"))]
    assert report.skipped == {"zero price (taken as missing)": 1, "null price": 1, "unknown region": 1}
    assert report.rejected == {"not an instance type": 1, "price is not a non-negative number": 1,
                               "wrong number of columns": 1}
    component = instance_hours("m5.large")
    row = find(rows, "us-east-1", **component.filters)
    assert row is not None and row.unit == "Hrs" and dict(row.attributes)["usagetype"] == "BoxUsage:m5.large"


def test_unexpected_header_reads_nothing(tmp_path: Path) -> None:
    _write(tmp_path, "instance_type,region,usd\nm5.large,us-east-1,0.096\n")
    rows, report = run(AwsEc2Csv(), tmp_path)
    assert rows == [] and report.rejected == {"unexpected header, file not read": 1}


def test_newest_source_wins_us_east_1(tmp_path: Path) -> None:
    _write(tmp_path, CSV)
    (tmp_path / "pricing/aws-price-watcher/processed").mkdir(parents=True)
    (tmp_path / "pricing/aws-price-watcher/processed/ec2.json").write_text(
        '{"OnDemand Linux-instancetype-p5.48xlarge": {"US East (N. Virginia)": "98.3200000000",'
        ' "EU (Ireland)": "100.0000000000"}}', encoding="utf-8")
    result = BuildResult()
    merge(collect([AwsPriceWatcherEc2(), AwsEc2Csv()], tmp_path, "2026-01-01", result), result.priority, result)
    cells = next(iter(c for p, c in result.tables[("aws", "AmazonEC2")].cells.items()
                      if dict(p.attributes)["instanceType"] == "p5.48xlarge"))
    assert cells["us-east-1"] == (Decimal("55.040000"), "aws-ec2-ondemand-linux-csv")
    assert cells["eu-west-1"] == (Decimal("100.0000000000"), "aws-price-watcher-ec2")
    assert [(d.winner, d.loser_usd) for d in result.disagreements] == [
        ("aws-ec2-ondemand-linux-csv", Decimal("98.3200000000"))]


@pytest.mark.shared
def test_real_file() -> None:
    rows, report = run_real(AwsEc2Csv())
    assert len(rows) == 1367 and {r.region for r in rows} == {"us-east-1"}
    assert not report.skipped and not report.rejected
    for instance_type, usd in {"m5.large": "0.096", "t3.medium": "0.0416", "p5.48xlarge": "55.04",
                               "p4d.24xlarge": "21.957642", "c6g.metal": "2.3066"}.items():
        assert close(price(rows, "us-east-1", instanceType=instance_type), usd), instance_type
