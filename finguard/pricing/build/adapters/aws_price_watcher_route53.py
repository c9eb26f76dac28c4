"""Amazon Route 53 from aws-price-watcher's `processed/route53.json`: hosted zones and public DNS queries
(standard, latency-based, geo), under the catalog region "global" as the old snapshot rows.

Route 53 is global. The feed gives public-zone queries once, at the empty location "" (beside GovCloud
and a few regions' copies), and hosted zones at the location "Any": those are the figures taken. Units
as the old rows: USD per zone-month ("HostedZone": first 25 zones, then from the 26th) and per query
("Queries": first billion, then above). Resolver, DNS Firewall, health checks, traffic flow and
IP-based routing are not priced by the models.
"""

from __future__ import annotations

from finguard.pricing.build.adapters._price_watcher import PriceWatcherAdapter, Reasons, Target, target

SERVICE = "AmazonRoute53"
BILLION = 1e9
PUBLIC = ""  # the feed's location for the global public-DNS prices
ZONES = "Any"  # ... and for hosted zones


def _queries(usagetype: str, begin: float, end: float | None) -> Target:
    return target(SERVICE, "Queries", begin=begin, end=end, global_location=PUBLIC, productFamily="DNS Query",
                  usagetype=usagetype)


class AwsPriceWatcherRoute53(PriceWatcherAdapter):
    id = "aws-price-watcher-route53"
    files = ("route53.json",)
    description = "Amazon Route 53 hosted zones and standard/latency/geo queries, global (pricing-page feed)"
    targets = {
        "DNS Zone first 25": target(SERVICE, "HostedZone", end=25.0, global_location=ZONES, productFamily="DNS Zone",
                                    usagetype="HostedZone"),
        "DNS Zone": target(SERVICE, "HostedZone", begin=25.0, global_location=ZONES, productFamily="DNS Zone",
                           usagetype="HostedZone"),
        "Query Standard External first 1B": _queries("DNS-Queries", 0.0, BILLION),
        "Query Standard External over 1B": _queries("DNS-Queries", BILLION, None),
        "Query Latency Based Routing External first 1B": _queries("LBR-Queries", 0.0, BILLION),
        "Query Latency Based Routing External over 1B": _queries("LBR-Queries", BILLION, None),
        # geolocation and geoproximity queries share one rate; the model prices both as Geo-Queries
        "Query Geo DNS External first 1B": _queries("Geo-Queries", 0.0, BILLION),
        "Query Geo DNS External over 1B": _queries("Geo-Queries", BILLION, None),
    }
    reasons = Reasons(
        (r"^Query Geoproximity External", "geoproximity: same rate as geo DNS, which is taken"),
        (r"^Free Queries", "alias queries are free (nothing to price)"),
        (r"IP Based Routing", "IP-based routing queries: not modelled"),
        # the regional "Query first 1B" / "Query over 1B" are Resolver endpoint queries
        (r"^Query (first|over) 1B$|Resolver|ENI|DNS Firewall|Profiles",
         "Route 53 Resolver / DNS Firewall / Profiles: not modelled"),
        (r"(?i)health check|traffic flow|RRSets|Cidr", "health checks, traffic flow, CIDR collections: not modelled"),
    )
