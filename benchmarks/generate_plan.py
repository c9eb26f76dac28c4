"""Generate a synthetic but realistic `terraform show -json` plan with N resource instances.

The mix mirrors a production AWS estate as `terraform show -json` writes it, not a toy: instances with root and
data volumes, ASGs from launch templates, EBS volumes of every type, RDS and Aurora, NAT gateways with EIPs, load
balancers with listeners and target groups, EKS with node groups, ElastiCache, S3 buckets with their versioning,
lifecycle and policy resources, Lambda functions, log groups, Route 53, KMS, SQS/SNS, DynamoDB, and the free
plumbing (VPC, subnets, route tables, security groups with rule lists, IAM roles and policies with their JSON
documents) that dominates resource counts. Resources sit in nested modules (`module.svc3.module.db`) over three
regions through provider aliases, carry 6-9 tags (default_tags merged into tags_all), unknown attributes
(ids, ARNs, computed blocks), sensitive values, and a change mix of creates, no-ops, updates, replacements and
deletes with `prior_state` and a `configuration` section of expressions, so the file is as large per resource as
real plans are (about 1.2 KB; 45k resources give ~50 MB).
Run: python benchmarks/generate_plan.py N OUT.json [--seed S]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

PROVIDER = "registry.terraform.io/hashicorp/aws"
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"]
INSTANCE_TYPES = ["t3.micro", "t3.medium", "t3.large", "m5.large", "m5.xlarge", "c5.2xlarge", "r5.large",
                  "m6i.large", "m6i.2xlarge", "c6g.large", "m7g.xlarge", "m4.large", "t2.small", "r6i.4xlarge"]
VOLUME_TYPES = ["gp2", "gp3", "gp3", "io1", "io2", "st1", "sc1", "standard"]
DB_CLASSES = ["db.t3.medium", "db.t3.large", "db.m5.large", "db.r5.xlarge", "db.m6g.large", "db.r6g.2xlarge"]
ENGINES = ["postgres", "mysql", "mariadb"]
TEAMS = ["payments", "search", "platform", "data", "identity", "growth", "ml"]


def _tags(rng: random.Random, i: int) -> dict[str, str]:
    tags = {"team": TEAMS[i % len(TEAMS)], "env": rng.choice(["dev", "staging", "prod", "prod"]),
            "service": f"svc-{i % 40}", "cost-center": f"CC-{1000 + i % 23}", "owner": f"{TEAMS[i % 7]}@example.com",
            "managed-by": "terraform"}
    for k in range(rng.randrange(0, 4)):
        tags[f"extra-{k}"] = f"value-{rng.randrange(1000)}"
    if rng.random() < 0.05:
        del tags["cost-center"]  # the violations a tag policy exists to find
    return tags


def _policy_document(rng: random.Random, i: int) -> str:
    statements = [{"Sid": f"S{k}", "Effect": "Allow",
                   "Action": rng.sample(["s3:GetObject", "s3:PutObject", "sqs:SendMessage", "kms:Decrypt",
                                         "logs:PutLogEvents", "dynamodb:Query", "ec2:Describe*"], 3),
                   "Resource": [f"arn:aws:s3:::bucket-{i}-{k}/*"]} for k in range(rng.randrange(1, 3))]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def _values(kind: str, i: int, rng: random.Random) -> tuple[dict[str, Any], dict[str, Any]]:
    """(values, after_unknown) of one resource of `kind`."""
    tags = _tags(rng, i)
    unknown: dict[str, Any] = {"id": True, "arn": True, "tags_all": {}}
    values: dict[str, Any]
    if kind == "aws_instance":
        values = {"ami": f"ami-{i:017x}", "instance_type": rng.choice(INSTANCE_TYPES),
                  "monitoring": rng.random() < 0.2, "ebs_optimized": True, "tenancy": "default",
                  "credit_specification": [{"cpu_credits": "unlimited"}] if rng.random() < 0.3 else [],
                  "root_block_device": [{"volume_type": rng.choice(["gp2", "gp3"]), "volume_size":
                                         rng.choice([8, 20, 50, 100]), "encrypted": rng.random() < 0.9,
                                         "delete_on_termination": True}],
                  "ebs_block_device": [{"device_name": "/dev/sdf", "volume_type": "gp3", "volume_size": 200,
                                        "encrypted": True}] if rng.random() < 0.3 else [],
                  "metadata_options": [{"http_tokens": rng.choice(["required", "optional"])}],
                  "vpc_security_group_ids": [f"sg-{i:08x}"], "subnet_id": f"subnet-{i % 12:08x}",
                  "user_data": None, "tags": tags}
        unknown.update({"private_ip": True, "public_ip": True, "primary_network_interface_id": True,
                        "root_block_device": [{"volume_id": True, "iops": True, "throughput": True}],
                        "instance_state": True})
    elif kind == "aws_launch_template":
        values = {"name": f"lt-{i}", "image_id": f"ami-{i:017x}", "instance_type": rng.choice(INSTANCE_TYPES),
                  "block_device_mappings": [{"device_name": "/dev/xvda", "ebs": [{"volume_size": 50,
                                                                                  "volume_type": "gp3"}]}],
                  "tags": tags}
        unknown["latest_version"] = True
    elif kind == "aws_autoscaling_group":
        size = rng.choice([1, 2, 3, 6])
        values = {"name": f"asg-{i}", "min_size": size, "max_size": size * 3, "desired_capacity": size,
                  "launch_template": [{"name": f"lt-{i - 1}", "version": "$Latest"}],
                  "vpc_zone_identifier": [f"subnet-{k:08x}" for k in range(3)],
                  "tag": [{"key": k, "value": v, "propagate_at_launch": True} for k, v in list(tags.items())[:4]]}
    elif kind == "aws_ebs_volume":
        vtype = rng.choice(VOLUME_TYPES)
        values = {"type": vtype, "size": rng.choice([20, 100, 500, 2000]), "encrypted": rng.random() < 0.8,
                  "availability_zone": None, "tags": tags}
        if vtype in ("io1", "io2"):
            values["iops"] = rng.choice([1000, 5000, 40000])
        if vtype == "gp3":
            values["iops"], values["throughput"] = rng.choice([3000, 4000]), rng.choice([125, 250])
        unknown["availability_zone"] = True
    elif kind == "aws_db_instance":
        values = {"identifier": f"db-{i}", "engine": rng.choice(ENGINES), "engine_version": "15.4",
                  "instance_class": rng.choice(DB_CLASSES), "multi_az": rng.random() < 0.5,
                  "storage_type": rng.choice(["gp2", "gp3", "io1"]), "allocated_storage": rng.choice([20, 100, 500]),
                  "iops": None, "backup_retention_period": 7, "storage_encrypted": rng.random() < 0.9,
                  "performance_insights_enabled": rng.random() < 0.5, "password": None, "tags": tags}
        if values["storage_type"] == "io1":
            values["iops"] = 3000
        unknown.update({"endpoint": True, "address": True, "latest_restorable_time": True})
    elif kind == "aws_rds_cluster":
        values = {"cluster_identifier": f"aurora-{i}", "engine": "aurora-postgresql", "engine_mode": "provisioned",
                  "storage_encrypted": True, "tags": tags}
    elif kind == "aws_rds_cluster_instance":
        values = {"identifier": f"aurora-{i}-a", "engine": "aurora-postgresql", "instance_class": "db.r6g.large",
                  "tags": tags}
    elif kind == "aws_nat_gateway":
        values = {"connectivity_type": "public", "subnet_id": f"subnet-{i % 12:08x}", "tags": tags}
        unknown["allocation_id"] = True
    elif kind == "aws_eip":
        values = {"domain": "vpc", "tags": tags}
        unknown["public_ip"] = True
    elif kind == "aws_lb":
        values = {"name": f"lb-{i}", "load_balancer_type": rng.choice(["application", "application", "network"]),
                  "internal": rng.random() < 0.4, "subnets": [f"subnet-{k:08x}" for k in range(3)], "tags": tags}
        unknown["dns_name"] = True
    elif kind in ("aws_lb_listener", "aws_lb_target_group"):
        values = {"port": rng.choice([80, 443]), "protocol": "HTTPS", "tags": tags}
    elif kind == "aws_elasticache_cluster":
        values = {"cluster_id": f"cache-{i}", "engine": "redis", "node_type": rng.choice(
            ["cache.t3.medium", "cache.m5.large", "cache.r6g.large"]), "num_cache_nodes": rng.choice([1, 2]),
            "tags": tags}
    elif kind == "aws_eks_cluster":
        values = {"name": f"eks-{i}", "version": "1.30", "tags": tags}
        unknown["endpoint"] = True
    elif kind == "aws_eks_node_group":
        values = {"cluster_name": f"eks-{i}", "node_group_name": f"ng-{i}", "instance_types": [
            rng.choice(INSTANCE_TYPES)], "capacity_type": rng.choice(["ON_DEMAND", "SPOT"]),
            "disk_size": 50, "scaling_config": [{"desired_size": rng.choice([2, 3, 5]), "min_size": 1,
                                                 "max_size": 10}], "tags": tags}
    elif kind == "aws_s3_bucket":
        values = {"bucket": f"bucket-{i}", "force_destroy": False, "tags": tags}
        unknown.update({"bucket_domain_name": True, "region": True})
    elif kind in ("aws_s3_bucket_versioning", "aws_s3_bucket_public_access_block",
                  "aws_s3_bucket_server_side_encryption_configuration"):
        values = {"bucket": f"bucket-{i - 1}", "versioning_configuration": [{"status": "Enabled"}]}
    elif kind == "aws_s3_bucket_lifecycle_configuration":
        values = {"bucket": f"bucket-{i - 1}", "rule": [{"id": "archive", "status": "Enabled", "transition": [
            {"days": 30, "storage_class": "STANDARD_IA"}, {"days": 90, "storage_class": "GLACIER"}]}]}
    elif kind == "aws_lambda_function":
        values = {"function_name": f"fn-{i}", "runtime": rng.choice(["python3.12", "nodejs20.x"]),
                  "memory_size": rng.choice([128, 512, 1024, 2048]), "architectures": [rng.choice(["x86_64",
                                                                                                  "arm64"])],
                  "timeout": 30, "environment": [{"variables": {"STAGE": "prod", "LOG_LEVEL": "info"}}],
                  "tags": tags}
        unknown.update({"qualified_arn": True, "version": True, "last_modified": True})
    elif kind == "aws_cloudwatch_log_group":
        values = {"name": f"/aws/svc/{i}", "retention_in_days": rng.choice([0, 7, 30, 365]), "tags": tags}
    elif kind == "aws_route53_record":
        values = {"name": f"svc{i}.example.com", "type": "CNAME", "ttl": 300, "records": [f"lb-{i}.example.com"]}
    elif kind == "aws_kms_key":
        values = {"description": f"key {i}", "enable_key_rotation": rng.random() < 0.7, "tags": tags}
    elif kind in ("aws_sqs_queue", "aws_sns_topic"):
        values = {"name": f"q-{i}", "tags": tags}
    elif kind == "aws_dynamodb_table":
        values = {"name": f"t-{i}", "billing_mode": rng.choice(["PAY_PER_REQUEST", "PROVISIONED"]),
                  "read_capacity": 5, "write_capacity": 5, "hash_key": "pk",
                  "attribute": [{"name": "pk", "type": "S"}], "tags": tags}
    elif kind == "aws_security_group":
        values = {"name": f"sg-{i}", "description": "managed", "vpc_id": "vpc-0001",
                  "ingress": [{"from_port": p, "to_port": p, "protocol": "tcp", "cidr_blocks": ["10.0.0.0/8"],
                               "description": f"port {p}", "ipv6_cidr_blocks": [], "prefix_list_ids": [],
                               "security_groups": [], "self": False} for p in rng.sample([22, 80, 443, 5432, 6379,
                                                                                          8080, 9090], 2)],
                  "egress": [{"from_port": 0, "to_port": 0, "protocol": "-1", "cidr_blocks": ["0.0.0.0/0"],
                              "description": "", "ipv6_cidr_blocks": [], "prefix_list_ids": [],
                              "security_groups": [], "self": False}], "tags": tags}
    elif kind in ("aws_iam_role", "aws_iam_policy"):
        values = {"name": f"role-{i}", "assume_role_policy" if kind == "aws_iam_role" else "policy":
                  _policy_document(rng, i), "path": "/", "tags": tags}
        unknown["unique_id"] = True
    elif kind == "aws_iam_role_policy_attachment":
        values = {"role": f"role-{i - 1}", "policy_arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}
    else:  # aws_subnet, aws_route_table, aws_vpc ...
        values = {"vpc_id": "vpc-0001", "cidr_block": f"10.{i % 250}.0.0/24", "tags": tags}
    return values, unknown


# (kind, weight): the free plumbing outnumbers what costs money, as in real estates
MIX_WEIGHTS = {
    "aws_instance": 9, "aws_launch_template": 2, "aws_autoscaling_group": 2, "aws_ebs_volume": 6,
    "aws_db_instance": 2, "aws_rds_cluster": 1, "aws_rds_cluster_instance": 1, "aws_nat_gateway": 1, "aws_eip": 2,
    "aws_lb": 2, "aws_lb_listener": 2, "aws_lb_target_group": 2, "aws_elasticache_cluster": 1, "aws_eks_cluster": 1,
    "aws_eks_node_group": 1, "aws_s3_bucket": 4, "aws_s3_bucket_versioning": 3, "aws_s3_bucket_public_access_block": 3,
    "aws_s3_bucket_server_side_encryption_configuration": 3, "aws_s3_bucket_lifecycle_configuration": 2,
    "aws_lambda_function": 3, "aws_cloudwatch_log_group": 4, "aws_route53_record": 4, "aws_kms_key": 1,
    "aws_sqs_queue": 2, "aws_sns_topic": 1, "aws_dynamodb_table": 1, "aws_security_group": 10, "aws_subnet": 6,
    "aws_route_table": 4, "aws_vpc": 1, "aws_iam_role": 8, "aws_iam_policy": 4, "aws_iam_role_policy_attachment": 8,
}
MIX = [kind for kind, weight in MIX_WEIGHTS.items() for _ in range(weight)]


def generate(count: int, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    changes: list[dict[str, Any]] = []
    prior: dict[str, list[dict[str, Any]]] = {}
    config_modules: dict[str, dict[str, Any]] = {}
    for i in range(count):
        kind = rng.choice(MIX)
        values, unknown = _values(kind, i, rng)
        region_index = i % 40 % len(REGIONS)
        outer = f"svc{i % 40}"
        inner = ["app", "db", "net", "iam"][i % 4]
        module = f"module.{outer}.module.{inner}"
        name = f"r{i}"
        index = i % 3 if kind in ("aws_instance", "aws_ebs_volume", "aws_iam_role_policy_attachment") else None
        address = f"{module}.{kind}.{name}" + (f"[{index}]" if index is not None else "")
        after: dict[str, Any] | None = {**values, "tags_all": {**values.get("tags", {}), "owner": "bench"}} \
            if "tags" in values else dict(values)
        before: dict[str, Any] | None = json.loads(json.dumps(after))
        roll = rng.random()
        if roll < 0.45:
            actions, before = ["create"], None
        elif roll < 0.85:
            actions, unknown = ["no-op"], {}
        elif roll < 0.93:
            actions = ["update"]
            if kind == "aws_instance":
                after["instance_type"] = rng.choice(INSTANCE_TYPES)
            elif kind == "aws_ebs_volume":
                after["size"] = values["size"] * 2
        elif roll < 0.97:
            actions = ["delete", "create"]
        else:
            actions, after, unknown = ["delete"], None, {}
        sensitive = {"password": True} if kind == "aws_db_instance" else {}
        change = {"address": address, "module_address": module, "mode": "managed", "type": kind, "name": name,
                  "provider_name": PROVIDER,
                  "change": {"actions": actions, "before": before, "after": after, "after_unknown": unknown,
                             "before_sensitive": sensitive if before is not None else False,
                             "after_sensitive": sensitive if after is not None else False}}
        if index is not None:
            change["index"] = index
        changes.append(change)
        if before is not None:
            prior.setdefault(module, []).append(
                {"address": address, "mode": "managed", "type": kind, "name": name, "provider_name": PROVIDER,
                 "schema_version": 0, "values": before, "sensitive_values": {}, **(
                     {"index": index} if index is not None else {})})
        inner_config = config_modules.setdefault(outer, {"source": "./modules/service", "module": {
            "module_calls": {}}, "providers": {"aws": f"aws.{REGIONS[region_index].replace('-', '_')}"}})
        call = inner_config["module"]["module_calls"].setdefault(inner, {"source": f"./modules/{inner}",
                                                                          "module": {"resources": []}})
        resources = call["module"]["resources"]
        if len(resources) < 60:
            expressions = {key: ({"references": [f"var.{key}"]} if rng.random() < 0.3 else {"constant_value": v})
                           for key, v in list(values.items())[:6] if not isinstance(v, list | dict)}
            resources.append({"address": f"{kind}.{name}", "mode": "managed", "type": kind, "name": name,
                              "provider_config_key": f"{outer}:aws", "expressions": expressions,
                              "schema_version": 0})
    providers = {f"aws.{r.replace('-', '_')}": {
        "name": "aws", "full_name": PROVIDER, "alias": r.replace("-", "_"),
        "expressions": {"region": {"constant_value": r},
                        "default_tags": [{"tags": {"constant_value": {"owner": "bench"}}}]}} for r in REGIONS}
    providers["aws"] = {"name": "aws", "full_name": PROVIDER, "expressions": {"region": {"constant_value": REGIONS[0]}}}
    for outer in config_modules:
        for provider_key in (f"{outer}:aws",):
            providers[provider_key] = {"name": "aws", "full_name": PROVIDER, "module_address": f"module.{outer}",
                                       "expressions": {"region": {"constant_value": REGIONS[
                                           int(outer[3:]) % len(REGIONS)]}}}
    plan = {"format_version": "1.2", "terraform_version": "1.9.5", "resource_changes": changes,
            "prior_state": {"format_version": "1.0", "terraform_version": "1.9.5", "values": {"root_module": {
                "resources": [], "child_modules": [{"address": m, "resources": rs} for m, rs in prior.items()]}}},
            "configuration": {"provider_config": providers, "root_module": {"module_calls": config_modules}}}
    return with_planned_values(plan)


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
        if "index" in rc:
            resource["index"] = rc["index"]
        module = rc.get("module_address")
        (modules.setdefault(module, []) if module else root).append(resource)
    child_modules = [{"address": m, "resources": rs} for m, rs in modules.items()]
    return {**plan, "planned_values": {"root_module": {"resources": root, "child_modules": child_modules}}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    args.out.write_text(json.dumps(generate(args.count, args.seed)))


if __name__ == "__main__":
    main()
