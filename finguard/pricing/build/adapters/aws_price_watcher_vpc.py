"""Public IPv4 addresses, interface and Gateway Load Balancer endpoints, Transit Gateway VPC/VPN
attachments and Site-to-Site VPN connections, from aws-price-watcher's `vpc.json`: the slots
`aws_eip`, `aws_vpc_endpoint`, `aws_ec2_transit_gateway_vpc_attachment` and `aws_vpn_connection` query.

Interface endpoint data processed is tiered per month (first 1 PB, next 4 PB, over 5 PB); the feed
names the tier bounds in GB in the key, so the tiers are read from it. NAT gateways are not in this
feed (nor in any other here) and get no price from this adapter.
"""

from __future__ import annotations

import re

from finguard.pricing.build.adapters._price_watcher import (
    PriceWatcherAdapter,
    Reasons,
    Rule,
    Target,
    pattern,
    target,
)

SERVICE = "AmazonVPC"


def _ipv4(usagetype: str) -> Target:
    return target(SERVICE, "Hrs", productFamily="VPC Public IPv4 Address", usagetype=usagetype)


def _endpoint(unit: str, usagetype: str, begin: float = 0.0, end: float | None = None) -> Target:
    return target(SERVICE, unit, begin=begin, end=end, productFamily="VpcEndpoint", usagetype=usagetype)


def _endpoint_bytes_tier(match: re.Match[str]) -> Rule:
    """'... per GB from 1048576 to 5242880' -> the 1-5 PB tier (bounds in GB per month)."""
    end = None if match["end"] == "Inf" else float(match["end"])
    return _endpoint("GB", "VpcEndpoint-Bytes", float(match["begin"]), end).at


def _transit(operation: str, unit: str, usagetype: str) -> Target:
    return target(SERVICE, unit, productFamily="Transit Gateway", operation=operation, usagetype=usagetype)


VPN_CONNECTION = target(SERVICE, "Hrs", productFamily="Cloud Connectivity", usagetype="VPN-Usage-Hours:ipsec.1")
OTHER_TRANSIT = "not modelled: other transit gateway attachments and multicast"


class AwsPriceWatcherVpc(PriceWatcherAdapter):
    id = "aws-price-watcher-vpc"
    files = ("vpc.json",)
    description = ("Public IPv4, VPC endpoint, Transit Gateway attachment and Site-to-Site VPN prices by region, from "
                   "the AWS pricing-page feed as flattened by aws-price-watcher (processed/vpc.json, April 2025)")
    targets = {
        "Hourly charge for In use Public IPv4 Addresses per Hrs": _ipv4("PublicIPv4:InUseAddress"),
        "Hourly charge for Idle Public IPv4 Addresses per Hrs": _ipv4("PublicIPv4:IdleAddress"),
        "Hourly charge for VPC Endpoints per Hrs": _endpoint("Hrs", "VpcEndpoint-Hours"),
        "Hourly charge for AWS Gateway Load Balancer VPC Endpoint per Hrs": _endpoint("Hrs",
                                                                                       "VpcEndpoint-GWLBE-Hours"),
        "Charge for per GB data processed by AWS Gateway Load Balancer VPC Endpoint per GB":
            _endpoint("GB", "VpcEndpoint-GWLBE-Bytes"),
        "Hourly charge for Transit Gateway VPC Attachments per hour":
            _transit("TransitGatewayVPC", "Hrs", "TransitGateway-Hours"),
        "Charge for per GB data processed by AWS Transit Gateways for VPC attachments per GigaBytes":
            _transit("TransitGatewayVPC", "GB", "TransitGateway-Bytes"),
        "Hourly charge for Transit Gateway Site to-Site VPN attachments per hour":
            _transit("TransitGatewayVPN", "Hrs", "TransitGateway-Hours"),
        "Charge for per GB data processed by AWS Transit Gateways for Site to-Site VPN attachments per GigaBytes":
            _transit("TransitGatewayVPN", "GB", "TransitGateway-Bytes"),
        # the feed spells the VPN connection hour twice
        "CreateVpnConnection per Hrs": VPN_CONNECTION,
        "CreateVpnConnection per hours": VPN_CONNECTION,
    }
    reasons = Reasons(
        (r"Transit Gateway.*(Peering|Connect|Direct Connect|Multicast)", OTHER_TRANSIT),
        (r"Transit Gateways for AWS Direct Connect", OTHER_TRANSIT),
        (r"Client VPN", "not modelled: Client VPN"),
        (r"VPC Lattice", "not modelled: VPC Lattice"),
        (r"Verified Access", "not modelled: Verified Access"),
        (r"Traffic Mirroring", "not modelled: traffic mirroring"),
        (r"Reachability Analyzer|Access Analyzer", "not modelled: network analyzers"),
        (r"Active IP Addresses", "not modelled: IPAM active IP addresses"),
        (r"contiguous block of IPv4", "not modelled: contiguous IPv4 blocks"),
        (r"GovCloud Only FIPS", "not modelled: FIPS VPN endpoints (GovCloud)"),
    )
    patterns = (pattern(r"Charge for per GB data processed by VPC Endpoints per GB from (?P<begin>\d+) to "
                        r"(?P<end>\d+|Inf)", _endpoint_bytes_tier),)
