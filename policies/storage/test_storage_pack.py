"""Storage pack (FG-STO-001..003): hand-computed savings, unknown values, and every Rego unit test in policies/."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from finguard.policy.model import Finding, FindingKind
from finguard.policy.testing import change_findings
from finguard.policy.testing import snippet_findings as findings

POLICIES = Path(__file__).resolve().parents[1]


def plan_findings(policy_id: str, address: str, after: dict[str, Any], unknown: dict[str, Any],
                  config: dict[str, Any] | None = None) -> list[Finding]:
    """Check one planned create whose `unknown` values come from variables (as in a real plan)."""
    return change_findings(policy_id, [(address, None, after, unknown)], config)


def volume(size: int | None = None, volume_type: str | None = None, region: str = "us-east-1",
           extra: str = "") -> str:
    lines = [f'  availability_zone = "{region}a"']
    if size is not None:
        lines.append(f"  size = {size}")
    if volume_type is not None:
        lines.append(f'  type = "{volume_type}"')
    return 'resource "aws_ebs_volume" "data" {\n' + "\n".join(lines) + f"\n{extra}}}\n"


# -- FG-STO-001 ---------------------------------------------------------------------------------------
def test_500_gb_gp2_in_us_east_1_saves_ten_dollars() -> None:
    found = findings("FG-STO-001", volume(500, "gp2"))
    assert len(found) == 1
    assert found[0].monthly_cost_delta == pytest.approx(-10.00)  # 500 x (0.10 - 0.08)
    assert found[0].message.startswith("volume is gp2 (500 GB): gp3 saves $10.00/month (500 GB x ($0.10 - $0.08))")
    assert found[0].severity == "low"
    assert found[0].address == "aws_ebs_volume.data"


def test_no_type_means_gp2() -> None:
    found = findings("FG-STO-001", volume(100))
    assert found[0].monthly_cost_delta == pytest.approx(-2.00)  # 100 x (0.10 - 0.08)


def test_regional_prices() -> None:
    found = findings("FG-STO-001", volume(100, "gp2", region="eu-central-1"))
    assert found[0].monthly_cost_delta == pytest.approx(-2.38)  # 100 x (0.119 - 0.0952)
    assert "(100 GB x ($0.119 - $0.0952))" in found[0].message


def test_price_unknown_where_the_catalog_has_no_gp3_price() -> None:
    found = findings("FG-STO-001", volume(100, "gp2", region="ap-east-2"))  # no EBS prices in Taipei yet
    assert found[0].message == "volume is gp2 (100 GB): price unknown in ap-east-2"
    assert found[0].monthly_cost_delta is None


def test_large_volumes_mention_what_gp3_needs_to_match() -> None:
    found = findings("FG-STO-001", volume(2000, "gp2"))
    assert found[0].monthly_cost_delta == pytest.approx(-40.00)
    assert "3,000 more IOPS and up to 250 MiB/s on gp3 (extra cost, not in this figure)" in found[0].message
    assert "matching" not in findings("FG-STO-001", volume(100, "gp2"))[0].message


def test_gp3_and_other_types_pass() -> None:
    for volume_type in ("gp3", "io2", "st1", "sc1"):
        assert not findings("FG-STO-001", volume(100, volume_type))


def test_instance_block_devices() -> None:
    hcl = '''
resource "aws_instance" "web" {
  instance_type = "t3.micro"
  root_block_device {
    volume_type = "gp2"
    volume_size = 50
  }
  ebs_block_device {
    device_name = "/dev/sdf"
    volume_type = "gp2"
    volume_size = 200
  }
  ebs_block_device {
    device_name = "/dev/sdg"
    volume_size = 200
  }
}'''
    found = findings("FG-STO-001", hcl)
    assert [(f.message.split(":")[0], f.monthly_cost_delta) for f in found] == [
        ("root_block_device is gp2 (50 GB)", pytest.approx(-1.00)),
        ("ebs_block_device[0] (/dev/sdf) is gp2 (200 GB)", pytest.approx(-4.00)),
    ]  # /dev/sdg has no volume_type: the AMI decides, not judged


def test_block_device_without_size_has_no_figure() -> None:
    hcl = '''
resource "aws_instance" "web" {
  instance_type = "t3.micro"
  root_block_device {
    volume_type = "gp2"
  }
}'''
    found = findings("FG-STO-001", hcl)
    assert found[0].monthly_cost_delta is None
    assert "gp3 is $0.08 vs $0.10 per GB-month (size unknown, so no monthly figure)" in found[0].message


def test_launch_template_saving_is_per_instance() -> None:
    hcl = '''
resource "aws_launch_template" "web" {
  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size = 40
      volume_type = "gp2"
    }
  }
}'''
    found = findings("FG-STO-001", hcl)
    assert "gp3 saves $0.80/month per instance" in found[0].message


def test_rds_gp2_compares_rds_storage_prices() -> None:
    hcl = '''
resource "aws_db_instance" "app" {
  engine            = "postgres"
  instance_class    = "db.t3.micro"
  allocated_storage = 100
  multi_az          = %s
}'''
    for multi_az, price in (("false", "$0.115"), ("true", "$0.23")):
        found = findings("FG-STO-001", hcl % multi_az)
        assert found[0].monthly_cost_delta == pytest.approx(0.0)
        assert found[0].message == (f"storage is gp2 (100 GB): gp3 costs the same on RDS here ({price}/GB-month); "
                                    "gp3 includes 3,000 IOPS at any size")


def test_rds_with_iops_and_no_storage_type_is_io1_not_gp2() -> None:
    hcl = '''
resource "aws_db_instance" "app" {
  engine            = "postgres"
  instance_class    = "db.t3.micro"
  allocated_storage = 100
  iops              = 3000
}'''
    assert not findings("FG-STO-001", hcl)
    assert findings("FG-STO-002", hcl)


def test_unknown_type_is_skipped_and_unknown_size_has_no_figure() -> None:
    assert plan_findings("FG-STO-001", "aws_ebs_volume.data", {"size": 100}, {"type": True}) == []
    found = plan_findings("FG-STO-001", "aws_ebs_volume.data", {"type": "gp2"}, {"size": True})
    assert len(found) == 1 and found[0].monthly_cost_delta is None
    nested = plan_findings("FG-STO-001", "aws_instance.web",
                           {"instance_type": "t3.micro", "root_block_device": [{"volume_size": 20}]},
                           {"root_block_device": [{"volume_type": True}]})
    assert nested == []


# -- FG-STO-002 ---------------------------------------------------------------------------------------
def test_io1_to_io2_costs_the_same_in_us_east_1() -> None:
    found = findings("FG-STO-002", volume(100, "io1", extra="  iops = 5000\n"))
    # 100 x (0.125 - 0.125) + 5,000 x (0.065 - 0.065)
    assert found[0].monthly_cost_delta == pytest.approx(0.0)
    assert found[0].message == ("volume is io1 (100 GB, 5,000 IOPS): io2 costs the same ($0.00/month), with "
                                "99.999% durability instead of io1's 99.8-99.9%")
    assert found[0].severity == "low"


def test_io2_iops_tiers_missing_from_the_catalog_make_the_price_unknown() -> None:
    # the EBS feed (July 2024) prices io1 in Sao Paulo but not io2
    found = findings("FG-STO-002", volume(100, "io1", extra="  iops = 40000\n", region="sa-east-1"))
    assert "price unknown in sa-east-1" in found[0].message
    assert found[0].monthly_cost_delta is None


def test_io1_block_devices_and_templates() -> None:
    hcl = '''
resource "aws_launch_template" "db" {
  block_device_mappings {
    device_name = "/dev/sdf"
    ebs {
      volume_size = 100
      volume_type = "io1"
      iops        = 3000
    }
  }
}'''
    found = findings("FG-STO-002", hcl)
    assert found[0].message.startswith("block_device_mappings[0] (/dev/sdf) is io1 (100 GB, 3,000 IOPS)")
    assert not findings("FG-STO-002", hcl.replace('"io1"', '"io2"'))


def test_io1_unknown_type_is_skipped() -> None:
    assert plan_findings("FG-STO-002", "aws_ebs_volume.data", {"size": 100, "iops": 3000}, {"type": True}) == []


# -- FG-STO-003 (Rego) ----------------------------------------------------------------------------------
def test_unencrypted_volume_denies_with_its_address() -> None:
    found = findings("FG-STO-003", volume(10))
    assert [(f.kind, f.address, f.severity) for f in found] == [
        (FindingKind.VIOLATION, "aws_ebs_volume.data", "high")]
    assert found[0].resource_type == "aws_ebs_volume"
    assert not findings("FG-STO-003", volume(10, extra="  encrypted = true\n"))


def test_unknown_encryption_warns() -> None:
    found = plan_findings("FG-STO-003", "aws_ebs_volume.data", {"size": 10}, {"encrypted": True})
    assert [(f.kind, f.message) for f in found] == [
        (FindingKind.WARNING, "volume: encrypted is known only after apply, so encryption cannot be checked "
                              "(set it to true)")]
    nested = plan_findings("FG-STO-003", "aws_instance.web",
                           {"instance_type": "t3.micro", "root_block_device": [{"volume_size": 20}]},
                           {"root_block_device": [{"encrypted": True}]})
    assert [f.kind for f in nested] == [FindingKind.WARNING]


def test_db_and_launch_template_encryption() -> None:
    db = '''
resource "aws_db_instance" "app" {
  engine            = "postgres"
  instance_class    = "db.t3.micro"
  allocated_storage = 20
  storage_encrypted = %s
}'''
    assert findings("FG-STO-003", db % "false")
    assert not findings("FG-STO-003", db % "true")
    lt = '''
resource "aws_launch_template" "web" {
  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size = 20
      encrypted   = %s
    }
  }
}'''
    assert not findings("FG-STO-003", lt % '"true"')
    assert not findings("FG-STO-003", lt % "true")
    assert findings("FG-STO-003", lt % '"false"')


def test_disabled_policy_reports_nothing() -> None:
    assert not findings("FG-STO-003", volume(10), {"policies": {"disable": ["FG-STO-003"]}})


# -- Rego unit tests (OPA-style `test_` rules), run with regorus so CI needs no OPA ---------------------
_PACKAGE = re.compile(r"^\s*package\s+([\w.]+)", re.M)
_TEST_RULE = re.compile(r"^(test_\w+)\b", re.M)


def _rego_tests() -> list[tuple[Path, str]]:
    return [(path, name) for path in sorted(POLICIES.rglob("*_test.rego"))
            for name in dict.fromkeys(_TEST_RULE.findall(path.read_text(encoding="utf-8")))]


def test_rego_unit_tests_exist() -> None:
    assert any(path.name == "unencrypted_volumes_test.rego" for path, _ in _rego_tests())


@pytest.mark.parametrize(("path", "rule"), _rego_tests(),
                         ids=lambda v: str(v.relative_to(POLICIES)) if isinstance(v, Path) else v)
def test_rego_unit_test(path: Path, rule: str) -> None:
    import regorus

    engine = regorus.Engine()
    for policy in sorted(path.parent.glob("*.rego")):
        if not policy.name.endswith("_test.rego"):
            engine.add_policy(str(policy), policy.read_text(encoding="utf-8"))
    text = path.read_text(encoding="utf-8")
    engine.add_policy(str(path), text)
    package = _PACKAGE.search(text)
    assert package is not None, f"{path} has no package"
    doc = json.loads(engine.eval_query_as_json(f"data.{package.group(1)}.{rule}"))
    values = [e["value"] for r in doc.get("result", []) for e in r.get("expressions", [])]
    assert values == [True], f"{path.name}: {rule} is {values[0] if values else 'undefined'}"
