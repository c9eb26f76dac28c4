"""Generate a synthetic but realistic `terraform show -json` plan with N resource instances.

The mix mirrors a production AWS estate: instances with volumes, ASGs from launch templates, EBS
volumes of every type, RDS, NAT gateways with EIPs, load balancers, EKS, ElastiCache, and the free
plumbing (VPC, subnets, security groups, IAM) that dominates resource counts; spread over modules
and three regions, with updates, replacements, deletes and unknown values.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

PROVIDER = "registry.terraform.io/hashicorp/aws"
INSTANCE_TYPES = ["t3.micro", "t3.medium", "m5.large", "m5.xlarge", "c5.2xlarge", "r5.large", "m6i.large",
                  "c6g.large", "m4.large", "t2.small"]
VOLUME_TYPES = ["gp2", "gp3", "io1", "io2", "st1", "sc1", "standard"]


def _resource(kind: str, i: int, rng: random.Random) -> tuple[str, dict[str, Any]]:
    if kind == "aws_instance":
        return kind, {"instance_type": rng.choice(INSTANCE_TYPES), "monitoring": rng.random() < 0.2,
                      "root_block_device": [{"volume_type": "gp3", "volume_size": rng.choice([8, 20, 50])}],
                      "ebs_block_device": [], "tenancy": "default",
                      "tags": {"team": f"team-{i % 7}", "env": rng.choice(["dev", "staging", "prod"])}}
    if kind == "aws_ebs_volume":
        vtype = rng.choice(VOLUME_TYPES)
        values: dict[str, Any] = {"type": vtype, "size": rng.choice([20, 100, 500]), "availability_zone": None}
        if vtype in ("io1", "io2"):
            values["iops"] = rng.choice([1000, 5000, 40000])
        if vtype == "gp3":
            values["iops"], values["throughput"] = 4000, 250
        return kind, values
    if kind == "aws_db_instance":
        return kind, {"engine": "postgres", "instance_class": "db.t3.large", "multi_az": rng.random() < 0.5,
                      "storage_type": "gp2", "allocated_storage": 100}
    if kind == "aws_nat_gateway":
        return kind, {"connectivity_type": "public"}
    if kind == "aws_lb":
        return kind, {"load_balancer_type": rng.choice(["application", "network"])}
    if kind == "aws_eip":
        return kind, {"domain": "vpc"}
    if kind == "aws_elasticache_cluster":
        return kind, {"engine": "redis", "node_type": "cache.m4.large", "num_cache_nodes": 2}
    if kind == "aws_eks_cluster":
        return kind, {"name": f"c{i}", "version": "1.30"}
    return kind, {"tags": {"team": f"team-{i % 7}"}}


MIX = (["aws_instance"] * 20 + ["aws_ebs_volume"] * 10 + ["aws_db_instance"] * 3 + ["aws_nat_gateway"] * 2
       + ["aws_lb"] * 2 + ["aws_eip"] * 3 + ["aws_elasticache_cluster"] * 2 + ["aws_eks_cluster"]
       + ["aws_security_group"] * 20 + ["aws_subnet"] * 15 + ["aws_iam_role"] * 12 + ["aws_route_table"] * 10)


def generate(count: int, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    regions = ["us-east-1", "us-west-2", "eu-west-2"]
    changes: list[dict[str, Any]] = []
    modules: dict[str, list[dict[str, Any]]] = {}
    for i in range(count):
        kind, values = _resource(rng.choice(MIX), i, rng)
        module = f"module.svc{i % 40}"
        name = f"r{i}"
        address = f"{module}.{kind}.{name}"
        roll = rng.random()
        before: dict[str, Any] | None = dict(values)
        after: dict[str, Any] | None = dict(values)
        unknown: dict[str, Any] = {"id": True}
        if roll < 0.55:
            actions, before = ["create"], None
        elif roll < 0.85:
            actions, unknown = ["no-op"], {}
        elif roll < 0.93:
            actions = ["update"]
            if kind == "aws_instance":
                after["instance_type"] = rng.choice(INSTANCE_TYPES)
        elif roll < 0.97:
            actions = ["delete", "create"]
        else:
            actions, after, unknown = ["delete"], None, {}
        changes.append({"address": address, "module_address": module, "mode": "managed", "type": kind,
                        "name": name, "provider_name": PROVIDER,
                        "change": {"actions": actions, "before": before, "after": after,
                                   "after_unknown": unknown}})
        modules.setdefault(module, []).append(
            {"address": f"{kind}.{name}", "mode": "managed", "type": kind, "name": name,
             "provider_config_key": f"{module.split('.')[1]}:aws"})
    provider_config = {"aws": {"name": "aws", "full_name": PROVIDER,
                               "expressions": {"region": {"constant_value": regions[0]},
                                               "default_tags": [{"tags": {"constant_value": {"owner": "bench"}}}]}}}
    module_calls = {m.split(".")[1]: {"source": "./modules/svc", "module": {"resources": rs}}
                    for m, rs in modules.items()}
    return with_planned_values({"format_version": "1.2", "terraform_version": "1.9.5",
            "resource_changes": changes,
            "configuration": {"provider_config": provider_config,
                              "root_module": {"module_calls": module_calls}}})


def with_planned_values(plan: dict[str, Any]) -> dict[str, Any]:
    """Fill `planned_values` from `resource_changes`, as `terraform show -json` does."""
    root: list[dict[str, Any]] = []
    modules: dict[str, list[dict[str, Any]]] = {}
    for rc in plan["resource_changes"]:
        after = rc["change"]["after"]
        if after is None:  # deleted: absent from the planned state
            continue
        resource = {"address": rc["address"], "mode": rc["mode"], "type": rc["type"], "name": rc["name"],
                    "provider_name": rc["provider_name"], "schema_version": 0, "values": after,
                    "sensitive_values": {}}
        module = rc.get("module_address")
        (modules.setdefault(module, []) if module else root).append(resource)
    child_modules = [{"address": m, "resources": rs} for m, rs in modules.items()]
    return {**plan, "planned_values": {"root_module": {"resources": root, "child_modules": child_modules}}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", type=int)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    args.out.write_text(json.dumps(generate(args.count)))


if __name__ == "__main__":
    main()
