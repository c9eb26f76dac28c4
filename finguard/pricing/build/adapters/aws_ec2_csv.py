"""EC2 Linux on-demand instance hours in us-east-1 (AWS price list, July 2026): the newest EC2 figures.

Why: the newest source wins each slot it prices, so us-east-1 gets the post-May-2025 prices (the
June-2025 GPU cuts, the dearer metal sizes) and ~500 types the pricing-page feeds lack. The other
adapters' older us-east-1 figures then show up as disagreements in the build report, as intended.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path

from finguard.pricing.build.adapters._price_watcher import INSTANCE_TYPE, UniqueRows, ec2_linux_hours, feed_price
from finguard.pricing.build.base import Adapter, AdapterReport, FeedRow
from finguard.pricing.regions import is_aws_region

INPUT = "pricing/aws-ec2-ondemand-linux.csv"
HEADER = ["region", "instance_type", "usd_per_hour"]


class AwsEc2Csv(Adapter):
    id = "aws-ec2-ondemand-linux-csv"
    inputs = (INPUT,)
    url = "https://github.com/aws/karpenter-provider-aws/tree/1d92708"
    published = "2026-07-20"
    license = "Apache-2.0"
    description = ("EC2 on-demand Linux shared-tenancy hourly prices for every instance type in us-east-1, generated "
                   "2026-07-20 from the AWS price list (karpenter-provider-aws, commit 1d92708)")

    def rows(self, shared: Path, report: AdapterReport) -> Iterable[FeedRow]:
        unique = UniqueRows(report)
        with (shared / INPUT).open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header != HEADER:
                lines = sum(1 for line in reader if any(cell.strip() for cell in line))
                report.read += lines
                report.reject("unexpected header, file not read", repr(header), n=lines)
                return []
            for row, line in self._records(reader, report):
                unique.add(row, line)
        return unique.rows()

    def _records(self, reader: Iterator[list[str]], report: AdapterReport) -> Iterator[tuple[FeedRow, str]]:
        for line in reader:
            if not any(cell.strip() for cell in line):
                continue
            report.read += 1
            if len(line) != len(HEADER):
                report.reject("wrong number of columns", ",".join(line))
                continue
            region, instance_type, text = (cell.strip() for cell in line)
            if not is_aws_region(region):
                report.skip("unknown region", region)
                continue
            if not INSTANCE_TYPE.fullmatch(instance_type):
                report.reject("not an instance type", instance_type)
                continue
            usd = feed_price(text, report, f"{instance_type} @ {region}")
            if usd is None:
                continue
            yield ec2_linux_hours(instance_type).row(region, usd, self.id), ",".join(line)
