"""finguard-usage.yml: validation with clear errors, precedence, and usage-based components priced from it."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from finguard.errors import InputError
from finguard.pricing.catalog import Catalog
from finguard.pricing.estimate import estimate
from finguard.pricing.usage import load_usage, usage_keys_for, validate_usage
from finguard.terraform.plan import plan_to_project

from .plan_builder import PlanBuilder
from .test_cli import run


def _usage(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "finguard-usage.yml"
    path.write_text(text)
    return path


def _project():
    builder = PlanBuilder()
    builder.add("aws_nat_gateway.a", {})
    builder.add("aws_nat_gateway.b", {})
    builder.add("aws_lb.web", {"load_balancer_type": "application"})
    builder.add("aws_instance.win", {"instance_type": "t3.medium",
                                     "root_block_device": [{"volume_type": "gp3", "volume_size": 30}]})
    return plan_to_project(builder.build())


def test_usage_prices_usage_based_components(tmp_path: Path, catalog: Catalog) -> None:
    usage = load_usage(_usage(tmp_path, """
version: 1
resource_type_default_usage:
  aws_nat_gateway:
    monthly_data_processed_gb: 100
resource_usage:
  aws_nat_gateway.b:
    monthly_data_processed_gb: 250
  aws_lb.*:
    average_capacity_units: 2
  aws_instance.win:
    operating_system: windows
    monthly_cpu_credit_hrs: 10
"""))
    project = _project()
    assert validate_usage(usage, [(r.address, r.type) for r in project.resources], usage_keys_for) == []
    costs = {r.address: {c.name: c for c in r.components} for r in estimate(project, catalog, usage=usage).resources}
    assert costs["aws_nat_gateway.a"]["Data processed"].monthly_cost == Decimal("4.500")  # 100 GB x 0.045
    assert costs["aws_nat_gateway.b"]["Data processed"].monthly_cost == Decimal("11.250")  # exact beats default
    lcu = costs["aws_lb.web"]["Capacity units (LCU)"]
    assert lcu.monthly_quantity == Decimal(1460) and lcu.monthly_cost == Decimal("11.680")  # 2 x 730 x 0.008
    win = costs["aws_instance.win"]
    assert win["Instance usage (Windows, on-demand, t3.medium)"].monthly_cost == Decimal("43.80")  # 730 x 0.06
    assert win["CPU credits"].monthly_cost == Decimal("0.50")  # 10 vCPU-hours x 0.05


def test_without_usage_components_stay_usage_based(catalog: Catalog) -> None:
    nat = estimate(_project(), catalog).resources[0]
    data = nat.components[1]
    assert data.status.value == "usage_based" and data.monthly_cost is None and data.unit_price == Decimal("0.045")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("resource_usage:\n  aws_nat_gateway.a:\n    monthly_gb: 1\n",
         "unknown usage key 'monthly_gb' (valid: monthly_data_processed_gb)"),
        ("resource_type_default_usage:\n  aws_lb:\n    average_capacity_units: lots\n", "expected a quantity"),
        ("resource_usage:\n  aws_nat_gateway.a:\n    monthly_data_processed_gb: -5\n", "a number >= 0"),
        ("resource_usage:\n  aws_instance.win:\n    operating_system: beos\n", "not one of linux, windows"),
        ("resource_usage:\n  aws_vpc.x:\n    anything: 1\n", None),
        ("resources_usage: {}\n", "unknown key 'resources_usage'"),
        ("version: 2\n", "unsupported usage file version 2"),
        ("resource_usage: [1, 2\n", "invalid YAML"),
    ],
)
def test_bad_usage_files_say_what_and_where(tmp_path: Path, text: str, message: str | None) -> None:
    path = _usage(tmp_path, text)
    project = _project()
    pairs = [(r.address, r.type) for r in project.resources]
    if message is None:  # an entry that matches no resource is a warning, not an error
        assert validate_usage(load_usage(path), pairs, usage_keys_for) == [
            f"{path}: resource_usage.aws_vpc.x matches no resource"]
        return
    with pytest.raises(InputError) as err:
        validate_usage(load_usage(path), pairs, usage_keys_for)
    assert message in str(err.value) and str(path) in str(err.value)


def test_cli_usage_file_auto_discovered_and_init(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    builder = PlanBuilder().add("aws_nat_gateway.a", {})
    plan.write_text(json.dumps(builder.build()))
    code, out, _ = run(capsys, "usage", "init", str(plan))
    assert code == 0 and "aws_nat_gateway.a:\n    monthly_data_processed_gb: 0  # GB" in out
    (tmp_path / "finguard-usage.yml").write_text(out.replace(": 0  #", ": 200  #"))
    code, out, _ = run(capsys, "breakdown", str(plan), "--format", "json")
    data = json.loads(out)["resources"][0]["components"][1]
    assert code == 0 and data["monthly_cost"] == pytest.approx(9.0)  # 200 GB x 0.045
    bad = tmp_path / "bad.yml"
    bad.write_text("resource_usage:\n  aws_nat_gateway.a:\n    oops: 1\n")
    code, _, err = run(capsys, "--usage-file", str(bad), "breakdown", str(plan))
    assert code == 2 and "unknown usage key 'oops'" in err and "bad.yml" in err
