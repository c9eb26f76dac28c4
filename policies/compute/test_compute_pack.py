"""Compute pack (FG-CMP-001..004): edge cases with hand-computed prices, unknown values, config overrides."""

from __future__ import annotations

import importlib.util
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from finguard.errors import InputError
from finguard.policy.model import Finding
from finguard.policy.testing import change_findings, snippet_result
from finguard.policy.testing import snippet_findings as findings
from finguard.pricing.table import read_table

REPO = Path(__file__).resolve().parents[2]
HOURS = Decimal(730)


def plan_findings(policy_id: str, address: str, after: dict[str, Any], unknown: dict[str, Any],
                  config: dict[str, Any] | None = None) -> list[Finding]:
    """Check one planned create whose `unknown` values come from variables (as in a real plan)."""
    return change_findings(policy_id, [(address, None, after, unknown)], config)


def catalog_hourly(instance_type: str, region: str = "us-east-1") -> Decimal:
    """The Linux, shared-tenancy on-demand price straight from the snapshot's price table."""
    _, _, cells = read_table(REPO / "pricing_data" / "aws" / "AmazonEC2.tsv")
    for cell in cells:
        a = json.loads(cell.attributes_json)
        if (cell.region == region and a.get("productFamily") == "Compute Instance"
                and a.get("instanceType") == instance_type and a.get("operatingSystem") == "Linux"
                and a.get("tenancy") == "Shared" and a.get("preInstalledSw") == "NA"
                and a.get("capacitystatus") == "Used"):
            return Decimal(cell.usd)
    raise AssertionError(f"no price for {instance_type} in {region}")


def instance(instance_type: str, extra: str = "") -> str:
    return f'resource "aws_instance" "web" {{\n  instance_type = "{instance_type}"\n{extra}}}\n'


# -- helpers ------------------------------------------------------------------------------------------
def _helpers():
    path = Path(__file__).with_name("_instance_types.py")
    spec = importlib.util.spec_from_file_location("compute_helpers_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_sizes_rank_from_nano_to_metal() -> None:
    h = _helpers()
    order = ["nano", "micro", "small", "medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge",
             "16xlarge", "24xlarge", "48xlarge", "metal"]
    ranks = [h.size_rank(s) for s in order]
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)
    assert h.size_rank("metal-48xl") == h.size_rank("metal")
    assert h.size_rank("serverless") is None


def test_type_names_split_into_prefix_family_size() -> None:
    h = _helpers()
    db = h.parse("db.m5.large")
    assert (db.prefix, db.family, db.size, db.qualified_family) == ("db", "m5", "large", "db.m5")
    cache = h.parse("cache.m4.large")
    assert (cache.prefix, cache.family, cache.with_family("m6g")) == ("cache", "m4", "cache.m6g.large")
    assert h.parse("c7i-flex.large").family == "c7i-flex"
    assert h.parse("db.serverless") is None
    assert h.parse("large") is None


# -- FG-CMP-001 ---------------------------------------------------------------------------------------
def test_deny_list_takes_shell_patterns() -> None:
    config = {"compute": {"denied_families": ["p4*"]}}
    found = findings("FG-CMP-001", instance("p4de.24xlarge"), config)
    assert [f.message for f in found] == ["p4de.24xlarge: instance family p4de is denied (by 'p4*')"]
    assert found[0].severity == "high"
    assert not findings("FG-CMP-001", instance("p5.48xlarge"), config)


def test_bare_family_covers_rds_and_elasticache_and_prefixed_entry_only_its_service() -> None:
    hcl = '''
resource "aws_elasticache_cluster" "cache" {
  engine          = "redis"
  node_type       = "cache.m4.large"
  num_cache_nodes = 1
}'''
    assert findings("FG-CMP-001", hcl, {"compute": {"denied_families": ["m4"]}})
    assert findings("FG-CMP-001", hcl, {"compute": {"denied_families": ["cache.m4"]}})
    assert not findings("FG-CMP-001", hcl, {"compute": {"denied_families": ["db.m4"]}})
    assert not findings("FG-CMP-001", instance("m4.large"), {"compute": {"denied_families": ["cache.m4"]}})


def test_allow_list_with_service_prefixes() -> None:
    config = {"compute": {"allowed_families": ["m7g", "db.m6g"]}}
    db = '''
resource "aws_db_instance" "app" {
  engine            = "postgres"
  instance_class    = "%s"
  allocated_storage = 20
}'''
    assert not findings("FG-CMP-001", db % "db.m6g.large", config)
    assert not findings("FG-CMP-001", db % "db.m7g.large", config)  # "m7g" names the family everywhere
    assert findings("FG-CMP-001", db % "db.r6g.large", config)
    assert not findings("FG-CMP-001", instance("m7g.large"), config)


def test_deny_wins_over_allow() -> None:
    config = {"compute": {"allowed_families": ["m5"], "denied_families": ["m5"]}}
    assert [f.message for f in findings("FG-CMP-001", instance("m5.large"), config)] == [
        "m5.large: instance family m5 is denied (by 'm5')"]


def test_every_override_of_a_mixed_instances_policy_is_checked() -> None:
    hcl = '''
resource "aws_autoscaling_group" "web" {
  min_size = 1
  max_size = 4
  mixed_instances_policy {
    launch_template {
      launch_template_specification {
        launch_template_id = "lt-0123456789abcdef0"
      }
      override {
        instance_type = "m5.large"
      }
      override {
        instance_type = "m4.large"
      }
    }
  }
}'''
    found = findings("FG-CMP-001", hcl, {"compute": {"denied_families": ["m4"]}})
    assert [f.message for f in found] == ["m4.large (override[1]): instance family m4 is denied (by 'm4')"]


def test_unknown_instance_type_is_skipped_without_error() -> None:
    for policy_id in ("FG-CMP-001", "FG-CMP-002", "FG-CMP-003", "FG-CMP-004"):
        assert plan_findings(policy_id, "aws_instance.web", {"tags": {"env": "dev"}}, {"instance_type": True},
                             {"compute": {"allowed_families": ["m7g"]}}) == []
    node_group = plan_findings("FG-CMP-003", "aws_eks_node_group.ng", {"cluster_name": "main"},
                               {"instance_types": True})
    assert node_group == []
    hcl = 'resource "aws_instance" "web" {\n  instance_type = var.instance_type\n}\n'
    assert findings("FG-CMP-001", hcl, {"compute": {"allowed_families": ["m7g"]}}) == []
    for policy_id in ("FG-CMP-002", "FG-CMP-003", "FG-CMP-004"):
        assert findings(policy_id, hcl) == []


# -- FG-CMP-002 ---------------------------------------------------------------------------------------
def test_size_equal_to_the_limit_passes_and_one_above_fails() -> None:
    assert not findings("FG-CMP-002", instance("m5.xlarge", '  tags = { env = "dev" }\n'))
    found = findings("FG-CMP-002", instance("m5.2xlarge", '  tags = { env = "dev" }\n'))
    assert [f.message for f in found] == ["m5.2xlarge is larger than xlarge, the largest size allowed for env=dev"]
    assert found[0].severity == "medium"


def test_metal_is_the_largest_size() -> None:
    config = {"compute": {"max_size_by_env": {"staging": "48xlarge"}}}
    assert findings("FG-CMP-002", instance("m5.metal", '  tags = { env = "staging" }\n'), config)
    assert not findings("FG-CMP-002", instance("m7i.48xlarge", '  tags = { env = "staging" }\n'), config)


def test_env_from_provider_default_tags_and_a_custom_env_tag() -> None:
    hcl = '''
provider "aws" {
  region = "us-east-1"
  default_tags {
    tags = { environment = "sandbox" }
  }
}
resource "aws_instance" "web" {
  instance_type = "c6i.large"
}'''
    config = {"compute": {"env_tag": "environment", "max_size_by_env": {"sandbox": "medium"}}}
    found = findings("FG-CMP-002", hcl, config)
    assert [f.message for f in found] == [
        "c6i.large is larger than medium, the largest size allowed for environment=sandbox"]


def test_env_from_auto_scaling_group_tag_blocks() -> None:
    hcl = '''
resource "aws_autoscaling_group" "web" {
  min_size = 1
  max_size = 2
  tag {
    key                 = "env"
    value               = "dev"
    propagate_at_launch = true
  }
  mixed_instances_policy {
    launch_template {
      launch_template_specification {
        launch_template_id = "lt-0123456789abcdef0"
      }
      override {
        instance_type = "r6i.4xlarge"
      }
    }
  }
}'''
    found = findings("FG-CMP-002", hcl)
    assert [f.message for f in found] == [
        "r6i.4xlarge (override[0]) is larger than xlarge, the largest size allowed for env=dev"]


def test_env_from_launch_template_instance_tags() -> None:
    hcl = '''
resource "aws_launch_template" "web" {
  instance_type = "m6i.8xlarge"
  tag_specifications {
    resource_type = "instance"
    tags = { env = "staging" }
  }
}'''
    assert [f.message for f in findings("FG-CMP-002", hcl)] == [
        "m6i.8xlarge is larger than 2xlarge, the largest size allowed for env=staging"]


def test_environment_without_a_limit_or_without_the_tag_passes() -> None:
    assert not findings("FG-CMP-002", instance("m5.24xlarge", '  tags = { env = "prod" }\n'))
    assert not findings("FG-CMP-002", instance("m5.24xlarge"))


def test_an_invalid_configured_size_is_an_error_not_a_pass() -> None:
    # refused when finguard.yml is read (issue 17), before any policy runs
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="'huge' is not an instance size"):
        snippet_result("FG-CMP-002", instance("m5.large", '  tags = { env = "dev" }\n'),
                       {"compute": {"max_size_by_env": {"dev": "huge"}}})


# -- FG-CMP-003 ---------------------------------------------------------------------------------------
def test_m4_large_to_m6i_large_with_catalog_prices() -> None:
    m4, m6i = catalog_hourly("m4.large"), catalog_hourly("m6i.large")
    assert (m4, m6i) == (Decimal("0.1"), Decimal("0.096"))
    expected = (m6i - m4) * HOURS  # 70.08 - 73.00
    assert expected == Decimal("-2.92")
    found = findings("FG-CMP-003", instance("m4.large"))
    assert [f.message for f in found] == [
        "m4.large is a previous-generation type; use m6i.large (or m5.large): "
        "$70.08/month instead of $73.00/month (-$2.92/month)"]
    assert found[0].monthly_cost_delta == pytest.approx(float(expected))
    assert found[0].severity == "medium"


def test_t2_micro_to_t3_micro() -> None:
    expected = (catalog_hourly("t3.micro") - catalog_hourly("t2.micro")) * HOURS  # (0.0104 - 0.0116) x 730
    assert expected == Decimal("-0.876")
    found = findings("FG-CMP-003", instance("t2.micro"))
    assert "use t3.micro: $7.59/month instead of $8.47/month (-$0.88/month)" in found[0].message
    assert found[0].monthly_cost_delta == pytest.approx(-0.876)


def test_node_group_delta_counts_its_desired_size() -> None:
    hcl = '''
resource "aws_eks_node_group" "workers" {
  cluster_name   = "main"
  instance_types = ["c4.large"]
  scaling_config {
    desired_size = 3
    min_size     = 1
    max_size     = 5
  }
}'''
    per_instance = (catalog_hourly("c6i.large") - catalog_hourly("c4.large")) * HOURS  # (0.085 - 0.1) x 730
    assert per_instance == Decimal("-10.95")
    found = findings("FG-CMP-003", hcl)
    assert found[0].message.endswith("(-$32.85/month for 3 instances)")
    assert found[0].monthly_cost_delta == pytest.approx(-32.85)


def test_launch_template_delta_is_per_instance() -> None:
    hcl = 'resource "aws_launch_template" "web" {\n  instance_type = "r4.large"\n}\n'
    per_instance = (catalog_hourly("r6i.large") - catalog_hourly("r4.large")) * HOURS  # (0.126 - 0.133) x 730
    found = findings("FG-CMP-003", hcl)
    assert found[0].message.endswith(f"(-${-per_instance:.2f}/month per instance)")
    assert found[0].monthly_cost_delta == pytest.approx(float(per_instance))


def test_price_unknown_when_the_region_has_no_price() -> None:
    # ap-east-2 (Taipei) is a region no public feed prices yet
    hcl = 'provider "aws" {\n  region = "ap-east-2"\n}\n' + instance("m4.large")
    found = findings("FG-CMP-003", hcl)
    assert found[0].message.endswith("use m6i.large (or m5.large): price unknown in ap-east-2")
    assert found[0].monthly_cost_delta is None


def test_no_same_size_successor_names_the_families_only() -> None:
    found = findings("FG-CMP-003", instance("m4.10xlarge"))
    assert [f.message for f in found] == [
        "m4.10xlarge is a previous-generation type; move to m6i or m5 (no 10xlarge size: pick the size by vCPU "
        "and memory)"]
    assert found[0].monthly_cost_delta is None


def test_rds_class_gets_its_successor_without_a_price() -> None:
    hcl = '''
resource "aws_db_instance" "app" {
  engine            = "mysql"
  instance_class    = "db.m4.large"
  allocated_storage = 20
}'''
    found = findings("FG-CMP-003", hcl)
    assert found[0].message.startswith("db.m4.large is a previous-generation type; use db.m6i.large (or db.m5.large)")
    assert "price unknown" in found[0].message and found[0].monthly_cost_delta is None


def test_current_generation_passes() -> None:
    for itype in ("m5.large", "c7g.large", "t3.micro", "i3.large"):
        assert not findings("FG-CMP-003", instance(itype))


# -- FG-CMP-004 ---------------------------------------------------------------------------------------
def test_m5_large_to_m7g_large_with_catalog_prices() -> None:
    expected = (catalog_hourly("m7g.large") - catalog_hourly("m5.large")) * HOURS  # (0.0816 - 0.096) x 730
    assert expected == Decimal("-10.512")
    found = findings("FG-CMP-004", instance("m5.large"))
    assert [f.message for f in found] == [
        "m5.large has a Graviton (arm64) equivalent, m7g.large: $59.57/month instead of $70.08/month "
        "(-$10.51/month); needs an arm64 build of the AMI"]
    assert found[0].monthly_cost_delta == pytest.approx(-10.512)
    assert found[0].severity == "low"


def test_t3_to_t4g() -> None:
    found = findings("FG-CMP-004", instance("t3.micro"))
    assert "t4g.micro: $6.13/month instead of $7.59/month (-$1.46/month)" in found[0].message


def test_switched_off_or_below_the_minimum_saving() -> None:
    off = {"policies": {"settings": {"FG-CMP-004": {"suggest_graviton": False}}}}
    assert not findings("FG-CMP-004", instance("m5.large"), off)
    minimum = {"policies": {"settings": {"FG-CMP-004": {"min_monthly_saving": 20}}}}
    assert not findings("FG-CMP-004", instance("m5.large"), minimum)  # saves $10.51
    assert findings("FG-CMP-004", instance("m5.2xlarge"), minimum)  # saves 4 x $10.51


def test_a_misspelt_setting_is_a_config_error() -> None:
    with pytest.raises(InputError, match="FG-CMP-004"):
        snippet_result("FG-CMP-004", instance("m5.large"),
                       {"policies": {"settings": {"FG-CMP-004": {"suggest_gravitn": False}}}})


def test_price_unknown_still_names_the_suggestion() -> None:
    # Taipei: no public feed prices it yet (every region that prices m5 prices a Graviton type too)
    hcl = 'provider "aws" {\n  region = "ap-east-2"\n}\n' + instance("m5.large")
    found = findings("FG-CMP-004", hcl)
    assert found[0].message == ("m5.large has a Graviton (arm64) equivalent, m7g.large: price unknown in "
                                "ap-east-2; needs an arm64 build of the AMI")
    assert found[0].monthly_cost_delta is None


@pytest.mark.parametrize(("ami_type", "expected"), [
    (None, "set ami_type = AL2_ARM_64"),
    ("AL2023_x86_64_STANDARD", "set ami_type = AL2023_ARM_64_STANDARD"),
    ("BOTTLEROCKET_x86_64", "set ami_type = BOTTLEROCKET_ARM_64"),
    ("AL2_x86_64_GPU", None),
    ("WINDOWS_FULL_2022_x86_64", None),
    ("CUSTOM", None),
])
def test_eks_ami_types(ami_type: str | None, expected: str | None) -> None:
    line = f'  ami_type = "{ami_type}"\n' if ami_type else ""
    hcl = (f'resource "aws_eks_node_group" "ng" {{\n  cluster_name = "main"\n'
           f'  instance_types = ["m6i.large"]\n{line}}}\n')
    found = findings("FG-CMP-004", hcl)
    if expected is None:
        assert found == []
    else:
        assert found[0].message.endswith(expected)


def test_windows_instances_and_sizes_without_an_equivalent_are_skipped() -> None:
    assert not findings("FG-CMP-004", instance("m5.large", "  get_password_data = true\n"))
    assert not findings("FG-CMP-004", instance("m6i.32xlarge"))
    assert not findings("FG-CMP-004", instance("c5.9xlarge"))
    assert not findings("FG-CMP-004", instance("m7g.large"))
