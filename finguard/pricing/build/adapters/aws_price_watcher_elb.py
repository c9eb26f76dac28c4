"""Load balancer hours and capacity units (ALB, NLB, GWLB) and Classic Load Balancer hours and data,
from aws-price-watcher's `elb.json`: the slots `aws_lb` and `aws_elb` query.

Outposts, idle-hour, trust-store and reserved-LCU prices are listed and skipped: no model bills them.
"""

from __future__ import annotations

from finguard.pricing.build.adapters._price_watcher import (
    PriceWatcherAdapter,
    Reasons,
    target,
)

SERVICE = "AWSELB"
# feed name -> (productFamily, unit of its capacity units)
FAMILIES = {
    "Application": ("Load Balancer-Application", "LCU-Hrs"),
    "Network": ("Load Balancer-Network", "LCU-Hrs"),
    "Gateway": ("Load Balancer-Gateway", "GLCU-Hrs"),
}


class AwsPriceWatcherElb(PriceWatcherAdapter):
    id = "aws-price-watcher-elb"
    files = ("elb.json",)
    description = ("Elastic Load Balancing hours, capacity units and Classic data processed by region, from the AWS "
                   "pricing-page feed as flattened by aws-price-watcher (processed/elb.json, May 2025)")
    targets = {
        **{f"{name} Load Balancer Hours": target(SERVICE, "Hrs", productFamily=family, usagetype="LoadBalancerUsage")
           for name, (family, _) in FAMILIES.items()},
        **{f"{name} Load Balancer LCU Hours": target(SERVICE, lcu_unit, productFamily=family, usagetype="LCUUsage")
           for name, (family, lcu_unit) in FAMILIES.items()},
        "Classic Load Balancer Hours": target(SERVICE, "Hrs", productFamily="Load Balancer",
                                              usagetype="LoadBalancerUsage"),
        "Classic Load Balancer Data": target(SERVICE, "GB", productFamily="Load Balancer",
                                             usagetype="DataProcessing-Bytes"),
    }
    reasons = Reasons(
        (r"^AWS Outposts ", "not modelled: load balancers on Outposts"),
        (r"Idle Hours$", "not modelled: idle load balancer hours"),
        (r"^TS Application Load Balancer", "not modelled: ALB trust store hours"),
        (r"ReservedLCU", "not modelled: reserved LCUs"),
    )
