"""aws-price-watcher vpc.json -> public IPv4, VPC endpoints (tiered data), Transit Gateway attachments, VPN."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from finguard.pricing.build.adapters.aws_price_watcher_vpc import AwsPriceWatcherVpc
from finguard.pricing.resources.aws.aws_ec2_transit_gateway_vpc_attachment import attachment_components
from finguard.pricing.resources.aws.aws_vpc_endpoint import USAGETYPES
from tests.build.price_watcher_support import close, find, price, run_fixture, run_real

VA = "US East (N. Virginia)"
FEED = {
    "Hourly charge for In use Public IPv4 Addresses per Hrs": {VA: "0.0050000000", "US West (Denver)": "0.005"},
    "Hourly charge for Idle Public IPv4 Addresses per Hrs": {VA: "0.0050000000"},
    "Hourly charge for VPC Endpoints per Hrs": {VA: "0.0100000000"},
    "Charge for per GB data processed by VPC Endpoints per GB from 0 to 1048576": {VA: "0.0100000000"},
    "Charge for per GB data processed by VPC Endpoints per GB from 1048576 to 5242880": {VA: "0.0060000000"},
    "Charge for per GB data processed by VPC Endpoints per GB from 5242880 to Inf": {VA: "0.0040000000"},
    "Hourly charge for AWS Gateway Load Balancer VPC Endpoint per Hrs": {VA: "0.0100000000"},
    "Charge for per GB data processed by AWS Gateway Load Balancer VPC Endpoint per GB": {VA: "0.0035000000"},
    "Hourly charge for Transit Gateway VPC Attachments per hour": {VA: "0.0500000000"},
    "Charge for per GB data processed by AWS Transit Gateways for VPC attachments per GigaBytes": {VA: "0.02"},
    "Hourly charge for Transit Gateway Site to-Site VPN attachments per hour": {VA: "0.0500000000"},
    "Charge for per GB data processed by AWS Transit Gateways for Site to-Site VPN attachments per GigaBytes":
        {VA: "0.0200000000"},
    "CreateVpnConnection per Hrs": {VA: "0.0500000000"},
    "CreateVpnConnection per hours": {VA: "0.0500000000"},
    "Hourly charge for Transit Gateway Peering Attachments per hour": {VA: "0.0500000000"},
    "Hourly charge for Client VPN Endpoints per Hourly": {VA: "0.1000000000"},
    "NAT Gateway Hours": {VA: "0.0450000000"},
}


def test_fixture_maps_every_modelled_key(tmp_path: Path) -> None:
    rows, report = run_fixture(AwsPriceWatcherVpc(), tmp_path, FEED)
    assert len(rows) == 13
    assert report.skipped == {
        "local or wavelength zone": 1, "duplicate: another key prices the same slot identically": 1,
        "not modelled: other transit gateway attachments and multicast": 1, "not modelled: Client VPN": 1,
        "not modelled (no cost model queries this product)": 1}
    assert not report.rejected
    tiers = sorted((r.begin, r.end, r.usd) for r in rows if dict(r.attributes)["usagetype"] == "VpcEndpoint-Bytes")
    assert tiers == [(0.0, 1048576.0, Decimal("0.01")), (1048576.0, 5242880.0, Decimal("0.006")),
                     (5242880.0, None, Decimal("0.004"))]
    vpn = find(rows, "us-east-1", usagetype="VPN-Usage-Hours:ipsec.1")
    assert vpn is not None and dict(vpn.attributes) == {"productFamily": "Cloud Connectivity",
                                                        "usagetype": "VPN-Usage-Hours:ipsec.1"}
    ip = find(rows, "us-east-1", usagetype="PublicIPv4:IdleAddress")
    assert ip is not None and dict(ip.attributes)["productFamily"] == "VPC Public IPv4 Address" and ip.unit == "Hrs"
    assert not [r for r in rows if "Nat" in dict(r.attributes).get("usagetype", "")]


def test_rows_answer_the_endpoint_and_attachment_models(tmp_path: Path) -> None:
    rows, _ = run_fixture(AwsPriceWatcherVpc(), tmp_path, FEED)
    for hours, data in USAGETYPES.values():
        assert price(rows, "us-east-1", productFamily="VpcEndpoint", usagetype=hours) == Decimal("0.01")
        assert find(rows, "us-east-1", productFamily="VpcEndpoint", usagetype=data) is not None
    for operation in ("TransitGatewayVPC", "TransitGatewayVPN"):
        hours, data = attachment_components(operation, {})
        assert price(rows, "us-east-1", **hours.filters) == Decimal("0.05")
        assert price(rows, "us-east-1", **data.filters) == Decimal("0.02")


@pytest.mark.shared
def test_real_feed_known_prices_on_three_continents() -> None:
    rows, report = run_real(AwsPriceWatcherVpc())
    for region in ("us-east-1", "eu-west-1", "ap-southeast-2", "sa-east-1"):
        assert close(price(rows, region, usagetype="PublicIPv4:InUseAddress"), "0.005"), region
        assert close(price(rows, region, usagetype="VpcEndpoint-Bytes"), "0.01"), region
    endpoint_hour = {"us-east-1": "0.01", "eu-west-1": "0.011", "ap-southeast-2": "0.013", "sa-east-1": "0.021"}
    for region, usd in endpoint_hour.items():
        assert close(price(rows, region, usagetype="VpcEndpoint-Hours"), usd), region
    attachment_hour = {"us-east-1": "0.05", "eu-central-1": "0.06", "ap-northeast-1": "0.07", "sa-east-1": "0.09"}
    for region, usd in attachment_hour.items():
        assert close(price(rows, region, usagetype="TransitGateway-Hours", operation="TransitGatewayVPC"), usd)
    assert close(price(rows, "ap-northeast-1", usagetype="VPN-Usage-Hours:ipsec.1"), "0.048")
    assert len({r.region for r in rows}) >= 30
    assert not report.rejected
