"""The inventory documents: which AWS call produces each one, and the file it is saved as.

A saved inventory (`finguard waste --inventory DIR`) is a directory of AWS CLI outputs, exactly as
`aws ... --output json` writes them (the CLI merges every page of a paginated call into one document):

    DIR/
      sts-get-caller-identity.json          optional: `aws sts get-caller-identity` (the account id)
      finguard-inventory.json               optional: written by `--save-inventory` (collected_at, regions)
      us-east-1/                            one directory per region (a region code)
        ec2-describe-volumes.json           aws ec2 describe-volumes
        ec2-describe-snapshots.json         aws ec2 describe-snapshots --owner-ids self
        ec2-describe-images.json            aws ec2 describe-images --owners self
        ec2-describe-addresses.json         aws ec2 describe-addresses
        ec2-describe-instances.json         aws ec2 describe-instances
        ec2-describe-nat-gateways.json      aws ec2 describe-nat-gateways
        elbv2-describe-load-balancers.json  aws elbv2 describe-load-balancers
        elbv2-describe-tags.json            aws elbv2 describe-tags --resource-arns ARN... (optional: LB tags)
        elbv2-describe-target-groups.json   aws elbv2 describe-target-groups
        elbv2-describe-target-health/NAME.json   aws elbv2 describe-target-health --target-group-arn ARN,
                                            one file per target group, named by its TargetGroupName
        rds-describe-db-instances.json      aws rds describe-db-instances
        cloudwatch-metric-data-queries.json the --metric-data-queries list given to ...
        cloudwatch-get-metric-data.json     aws cloudwatch get-metric-data (optional, both or neither)

A call split over several outputs (elbv2 describe-tags takes 20 ARNs at a time; get-metric-data 500 queries)
may be saved as NAME.1.json, NAME.2.json, ...: their lists are concatenated. With exactly one `--region`, the
files may also sit directly in DIR (a flat, single-region inventory).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

REGION_PATTERN = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$")
MANIFEST = "finguard-inventory.json"
IDENTITY = "sts-get-caller-identity.json"
TARGET_HEALTH_DIR = "elbv2-describe-target-health"
METRIC_QUERIES = "cloudwatch-metric-data-queries"
METRIC_RESULTS = "cloudwatch-get-metric-data"


@dataclass(frozen=True, slots=True)
class Doc:
    """One paginated describe call and the file its merged output is saved as."""

    name: str  # file stem: "ec2-describe-volumes"
    service: str  # boto3 client: "ec2"
    operation: str  # boto3 method: "describe_volumes"
    key: str  # the list the CLI merges pages into: "Volumes"
    collection: str  # the inventory collection it feeds: "volumes"
    page_size: int | None = None  # PaginationConfig PageSize (None: the call is not paginated)
    kwargs: dict[str, Any] = field(default_factory=dict)
    command: str = ""  # the AWS CLI command that writes it (for messages and the docs)


DOCS: tuple[Doc, ...] = (
    Doc("ec2-describe-volumes", "ec2", "describe_volumes", "Volumes", "volumes", 500,
        command="aws ec2 describe-volumes"),
    Doc("ec2-describe-snapshots", "ec2", "describe_snapshots", "Snapshots", "snapshots", 1000, {"OwnerIds": ["self"]},
        command="aws ec2 describe-snapshots --owner-ids self"),
    Doc("ec2-describe-images", "ec2", "describe_images", "Images", "images", 1000, {"Owners": ["self"]},
        command="aws ec2 describe-images --owners self"),
    Doc("ec2-describe-addresses", "ec2", "describe_addresses", "Addresses", "addresses", None,
        command="aws ec2 describe-addresses"),
    Doc("ec2-describe-instances", "ec2", "describe_instances", "Reservations", "instances", 1000,
        command="aws ec2 describe-instances"),
    Doc("ec2-describe-nat-gateways", "ec2", "describe_nat_gateways", "NatGateways", "nat_gateways", 1000,
        command="aws ec2 describe-nat-gateways"),
    Doc("elbv2-describe-load-balancers", "elbv2", "describe_load_balancers", "LoadBalancers", "load_balancers", 400,
        command="aws elbv2 describe-load-balancers"),
    Doc("elbv2-describe-target-groups", "elbv2", "describe_target_groups", "TargetGroups", "target_groups", 400,
        command="aws elbv2 describe-target-groups"),
    Doc("rds-describe-db-instances", "rds", "describe_db_instances", "DBInstances", "db_instances", 100,
        command="aws rds describe-db-instances"),
)
DOC_BY_NAME = {d.name: d for d in DOCS}
# documents that are not needed by any detection on their own: read when present
OPTIONAL_DOCS = {"elbv2-describe-tags": ("TagDescriptions", "load_balancers", "aws elbv2 describe-tags")}
COLLECTIONS = tuple(dict.fromkeys(d.collection for d in DOCS))  # volumes, snapshots, ...
METRICS = "metrics"  # the CloudWatch collection: optional unless a detection asks for it explicitly


def docs_for(collections: set[str]) -> list[Doc]:
    """The describe calls that feed `collections`, in DOCS order."""
    return [d for d in DOCS if d.collection in collections]


def part_pattern(stem: str) -> re.Pattern[str]:
    """NAME.json or NAME.<n>.json: one call's output, possibly in several parts."""
    return re.compile(rf"^{re.escape(stem)}(\.(\d{{1,4}}))?\.json$")
