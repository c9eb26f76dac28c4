"""examples/terraform/multi-region: one stack, modules/regional-stack, called twice: module.ireland on the
default provider (eu-west-1) and module.sydney with `providers = { aws = aws.sydney }` (ap-southeast-2).

Every resource prices, each in its own region, to figures worked out by hand from the public feeds in
../shared/pricing (730 hours a month; "EU (Ireland)" = eu-west-1, "Asia Pacific (Sydney)" = ap-southeast-2):

  feed file and key                                                       eu-west-1   ap-southeast-2
  aws-price-watcher/processed/ec2.json
    OnDemand Linux-instancetype-m6i.large                    $/h            0.107        0.12
    OnDemand Linux-instancetype-t3.medium                    $/h            0.0456       0.0528
  aws-price-watcher/processed/rds-mysql-ondemand.json
    Database Instance MySQL No license required db m6i.large
    General purpose Multi-AZ Current Generation              $/h            0.378        0.47
  aws-price-watcher/processed/rds-storage.json
    Database Storage Multi AZ General Purpose-GP3            $/GB-mo        0.254        0.276
  aws-price-watcher/processed/elb.json
    Application Load Balancer Hours                          $/h            0.0252       0.0252
    Application Load Balancer LCU Hours                      $/LCU-h        0.008        0.008
  aws-price-watcher/processed/vpc.json
    Hourly charge for In use Public IPv4 Addresses per Hrs   $/h            0.005        0.005
  ec2-shop/data/ebs/ebs.json
    Storage General Purpose gp2 GB Mo                        $/GB-mo        0.11         0.12
    Storage General Purpose gp3 GB Mo                        $/GB-mo        0.088        0.096
    Provisioned EBS IOPS gp3 Volumes per IOPS Mo             $/IOPS-mo      0.0055       0.006
    Provisioned Throughput gp3 per GiBps mo                  $/GiBps-mo    45.056       49.152
                                                 (per MiBps: / 1024 =       0.044        0.048)
    Storage Provisioned IOPS io2 GB month                    $/GB-mo        0.138        0.138
    Provisioned EBS IOPS io2 Volumes per IOPS Mo             $/IOPS-mo      0.072        0.072

module.ireland (eu-west-1)
  aws_instance.ingest            730 x 0.107 + 30 GB gp3 x 0.088                        = 78.11 + 2.64       =  80.75
  aws_autoscaling_group.app      2 x 730 x 0.0456 + 2 x 30 GB gp3 x 0.088               = 66.576 + 5.28      =  71.856
  aws_db_instance.this           730 x 0.378 + 100 GB x 0.254                           = 275.94 + 25.40     = 301.34
  aws_lb.this                    730 x 0.0252 (+ LCUs at 0.008, usage-based)                                 =  18.396
  aws_ebs_volume.spool           200 GB gp2 x 0.11                                                           =  22.00
  aws_ebs_volume.work            500 GB x 0.088 + (6000-3000) IOPS x 0.0055 + (250-125) MiBps x 0.044
                                                                                        = 44 + 16.50 + 5.50  =  66.00
  aws_ebs_volume.journal         100 GB io2 x 0.138 + 3000 IOPS x 0.072                 = 13.80 + 216        = 229.80
  aws_eip.ingest                 730 x 0.005                                                                 =   3.65
                                                                                                  total       = 793.792
module.sydney (ap-southeast-2)
  aws_instance.ingest            730 x 0.12 + 30 x 0.096                                = 87.60 + 2.88       =  90.48
  aws_autoscaling_group.app      2 x 730 x 0.0528 + 60 x 0.096                          = 77.088 + 5.76      =  82.848
  aws_db_instance.this           730 x 0.47 + 100 x 0.276                               = 343.10 + 27.60     = 370.70
  aws_lb.this                    730 x 0.0252                                                                =  18.396
  aws_ebs_volume.spool           200 x 0.12                                                                  =  24.00
  aws_ebs_volume.work            500 x 0.096 + 3000 x 0.006 + 125 x 0.048               = 48 + 18 + 6        =  72.00
  aws_ebs_volume.journal         100 x 0.138 + 3000 x 0.072                                                  = 229.80
  aws_eip.ingest                 730 x 0.005                                                                 =   3.65
                                                                                                  total       = 891.874
Both regions: 1,685.666 a month. us-east-1 is not involved.

The launch templates set `cpu_credits = "standard"`: t3 defaults to unlimited, whose surplus-credit
price (CPUCredits:t3) is in none of the feeds for these two regions. There is no NAT gateway either
(not in the feeds).
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from finguard.cli import main
from finguard.terraform.hcl import load_directory
from finguard.terraform.plan import load_plan

from .conftest import EXAMPLES, SHARED, needs_shared

EXAMPLE = EXAMPLES / "multi-region"
PLAN = EXAMPLE / "plan.json"
EU, SYDNEY = "eu-west-1", "ap-southeast-2"

MODULES = {"module.ireland": EU, "module.sydney": SYDNEY}

EXPECTED: dict[str, tuple[str, Decimal]] = {
    "module.ireland.aws_instance.ingest": (EU, Decimal("80.75")),
    "module.ireland.aws_autoscaling_group.app": (EU, Decimal("71.856")),
    "module.ireland.aws_db_instance.this": (EU, Decimal("301.34")),
    "module.ireland.aws_lb.this": (EU, Decimal("18.396")),
    "module.ireland.aws_ebs_volume.spool": (EU, Decimal("22.00")),
    "module.ireland.aws_ebs_volume.work": (EU, Decimal("66.00")),
    "module.ireland.aws_ebs_volume.journal": (EU, Decimal("229.80")),
    "module.ireland.aws_eip.ingest": (EU, Decimal("3.65")),
    "module.sydney.aws_instance.ingest": (SYDNEY, Decimal("90.48")),
    "module.sydney.aws_autoscaling_group.app": (SYDNEY, Decimal("82.848")),
    "module.sydney.aws_db_instance.this": (SYDNEY, Decimal("370.70")),
    "module.sydney.aws_lb.this": (SYDNEY, Decimal("18.396")),
    "module.sydney.aws_ebs_volume.spool": (SYDNEY, Decimal("24.00")),
    "module.sydney.aws_ebs_volume.work": (SYDNEY, Decimal("72.00")),
    "module.sydney.aws_ebs_volume.journal": (SYDNEY, Decimal("229.80")),
    "module.sydney.aws_eip.ingest": (SYDNEY, Decimal("3.65")),
}
REGION_TOTALS = {EU: Decimal("793.792"), SYDNEY: Decimal("891.874")}
TOTAL = Decimal("1685.666")

# The unit prices of the docstring, as read off the feeds: (feed, key) -> {region: USD}.
FEED_PRICES: dict[tuple[str, str], dict[str, Decimal]] = {
    ("ec2.json", "OnDemand Linux-instancetype-m6i.large"): {EU: Decimal("0.107"), SYDNEY: Decimal("0.12")},
    ("ec2.json", "OnDemand Linux-instancetype-t3.medium"): {EU: Decimal("0.0456"), SYDNEY: Decimal("0.0528")},
    ("rds-mysql-ondemand.json", "Database Instance MySQL No license required db m6i.large General purpose "
                                "Multi-AZ Current Generation"): {EU: Decimal("0.378"), SYDNEY: Decimal("0.47")},
    ("rds-storage.json", "Database Storage Multi AZ General Purpose-GP3"): {EU: Decimal("0.254"),
                                                                           SYDNEY: Decimal("0.276")},
    ("elb.json", "Application Load Balancer Hours"): {EU: Decimal("0.0252"), SYDNEY: Decimal("0.0252")},
    ("elb.json", "Application Load Balancer LCU Hours"): {EU: Decimal("0.008"), SYDNEY: Decimal("0.008")},
    ("vpc.json", "Hourly charge for In use Public IPv4 Addresses per Hrs"): {EU: Decimal("0.005"),
                                                                            SYDNEY: Decimal("0.005")},
    ("ebs.json", "Storage General Purpose gp2 GB Mo"): {EU: Decimal("0.11"), SYDNEY: Decimal("0.12")},
    ("ebs.json", "Storage General Purpose gp3 GB Mo"): {EU: Decimal("0.088"), SYDNEY: Decimal("0.096")},
    ("ebs.json", "Provisioned EBS IOPS gp3 Volumes per IOPS Mo"): {EU: Decimal("0.0055"), SYDNEY: Decimal("0.006")},
    ("ebs.json", "Provisioned Throughput gp3 per GiBps mo"): {EU: Decimal("45.056"), SYDNEY: Decimal("49.152")},
    ("ebs.json", "Storage Provisioned IOPS io2 GB month"): {EU: Decimal("0.138"), SYDNEY: Decimal("0.138")},
    ("ebs.json", "Provisioned EBS IOPS io2 Volumes per IOPS Mo"): {EU: Decimal("0.072"), SYDNEY: Decimal("0.072")},
}
LOCATIONS = {EU: "EU (Ireland)", SYDNEY: "Asia Pacific (Sydney)"}


def module_of(address: str) -> str:
    module = ".".join(address.split(".")[:2])
    assert module in MODULES, address  # every resource is in one of the two module calls
    return module


def region_of(address: str) -> str:
    return MODULES[module_of(address)]


def breakdown(capsys: pytest.CaptureFixture[str], target: Path) -> dict:
    with pytest.raises(SystemExit) as exit_info:
        main(["breakdown", str(target), "--format", "json"])
    out, err = capsys.readouterr()
    assert exit_info.value.code in (0, None), err
    return json.loads(out, parse_float=Decimal)


def assert_fully_priced(doc: dict) -> None:
    counts = doc["counts"]
    assert counts["unsupported"] == 0 and counts["incomplete"] == 0
    assert counts["missing_price_components"] == 0 and counts["unknown_components"] == 0
    assert doc["complete"] is True
    for res in doc["resources"]:
        assert res["status"] in ("priced", "free"), (res["address"], res["status"], res["reasons"])
        assert res["complete"] is True and not res["reasons"], res["address"]
        assert res["region"] == region_of(res["address"]), (res["address"], res["region"])
        for comp in res["components"]:
            assert comp["unit_price"] is not None, (res["address"], comp)
            assert f" {res['region']} " in comp["price_query"], (res["address"], comp["price_query"])
            if comp["status"] == "usage_based":  # only the load balancers' capacity units
                assert res["type"] == "aws_lb" and comp["unit_price"] == Decimal("0.008"), comp
            else:
                assert comp["status"] == "priced", (res["address"], comp)
    priced = {r["address"] for r in doc["resources"] if r["status"] == "priced"}
    assert priced == set(EXPECTED)


def test_plan_prices_every_resource_in_its_region(capsys: pytest.CaptureFixture[str]) -> None:
    doc = breakdown(capsys, PLAN)
    assert_fully_priced(doc)
    assert len(doc["resources"]) == 58 and doc["counts"]["priced"] == 16


def test_plan_costs_match_hand_figures(capsys: pytest.CaptureFixture[str]) -> None:
    doc = breakdown(capsys, PLAN)
    costs = {r["address"]: r["monthly_cost"] for r in doc["resources"] if r["status"] == "priced"}
    assert costs == {address: cost for address, (_, cost) in EXPECTED.items()}
    for region, total in REGION_TOTALS.items():
        assert sum(c for a, c in costs.items() if region_of(a) == region) == total
    assert doc["monthly_cost"] == TOTAL == sum(REGION_TOTALS.values())


def test_plan_has_terraforms_module_shape() -> None:
    """What `terraform show -json` writes for two calls of one local module: absolute addresses with
    module_address, planned values per child module, and each call's configuration under module_calls."""
    raw = json.loads(PLAN.read_text())
    for rc in raw["resource_changes"]:
        assert rc["module_address"] == module_of(rc["address"]), rc["address"]
        assert rc["change"]["actions"] == ["create"], rc["address"]
    children = raw["planned_values"]["root_module"]["child_modules"]
    assert "resources" not in raw["planned_values"]["root_module"]
    assert [c["address"] for c in children] == sorted(MODULES)
    for child in children:
        assert {module_of(r["address"]) for r in child["resources"]} == {child["address"]}
    planned = {r["address"] for c in children for r in c["resources"]}
    assert planned == {rc["address"] for rc in raw["resource_changes"]} and len(planned) == 58
    root = raw["configuration"]["root_module"]
    assert "resources" not in root and set(root["module_calls"]) == {"ireland", "sydney"}
    ireland, sydney = root["module_calls"]["ireland"], root["module_calls"]["sydney"]
    assert ireland["source"] == sydney["source"] == "./modules/regional-stack"
    assert ireland["module"]["variables"] == sydney["module"]["variables"]
    strip = [{k: v for k, v in r.items() if k != "provider_config_key"} for r in ireland["module"]["resources"]]
    assert strip == [{k: v for k, v in r.items() if k != "provider_config_key"}
                     for r in sydney["module"]["resources"]]
    assert len(strip) == 26 and not any(r["address"].startswith("module.") for r in strip)  # module-relative
    assert ireland["expressions"]["azs"] == {"constant_value": ["eu-west-1a", "eu-west-1b"]}
    assert sydney["expressions"]["azs"] == {"constant_value": ["ap-southeast-2a", "ap-southeast-2b"]}


def test_sydney_region_comes_from_the_aliased_provider() -> None:
    """Nothing in the Sydney resources' own values names a region (their availability zones are known
    only after apply): only the module call's provider mapping does. Terraform (since
    hashicorp/terraform#30138) writes each module resource's provider_config_key as the key of the
    configuration it resolves to, and drops the module-local "module.sydney:aws" entry."""
    raw = json.loads(PLAN.read_text())
    configs = raw["configuration"]["provider_config"]
    assert set(configs) == {"aws", "aws.sydney"}
    provider = configs["aws.sydney"]
    assert provider["alias"] == "sydney"
    assert provider["expressions"]["region"] == {"constant_value": SYDNEY}
    assert configs["aws"]["expressions"]["region"] == {"constant_value": EU}
    calls = raw["configuration"]["root_module"]["module_calls"]
    assert {r["provider_config_key"] for r in calls["ireland"]["module"]["resources"]} == {"aws"}
    assert {r["provider_config_key"] for r in calls["sydney"]["module"]["resources"]} == {"aws.sydney"}
    project = load_plan(PLAN)
    assert not project.warnings
    for res in project.resources:
        want = "aws.sydney" if region_of(res.address) == SYDNEY else "aws"
        assert res.module_address == module_of(res.address), res.address
        assert res.provider_config_key == want, res.address
        assert res.region == region_of(res.address), res.address
        if res.address in EXPECTED:
            assert "region" not in res.after and "availability_zone" not in res.after, res.address


def test_hcl_mode_matches_the_plan(capsys: pytest.CaptureFixture[str]) -> None:
    from_plan = breakdown(capsys, PLAN)
    from_code = breakdown(capsys, EXAMPLE)
    assert_fully_priced(from_code)

    def rows(doc: dict) -> dict[str, tuple[str, str, Decimal]]:
        return {r["address"]: (r["status"], r["region"], r["monthly_cost"]) for r in doc["resources"]}

    assert rows(from_code) == rows(from_plan)
    assert from_code["monthly_cost"] == from_plan["monthly_cost"] == TOTAL


def test_hcl_mode_takes_sydney_from_the_module_provider_mapping() -> None:
    """The code binds module.sydney to aws.sydney through `providers = { aws = aws.sydney }` only: its
    resources resolve to that configuration, as in the plan, and none of the priced ones names a region."""
    project, report = load_directory(EXAMPLE)
    assert not report.errors and not report.unknowns and not project.warnings
    assert project.module_sources == {module: "./modules/regional-stack" for module in MODULES}
    assert len(project.resources) == 58
    for res in project.resources:
        assert res.module_address == module_of(res.address), res.address
        assert res.provider_config_key == ("aws.sydney" if region_of(res.address) == SYDNEY else "aws")
        assert res.region == region_of(res.address), res.address
        if res.address in EXPECTED:
            assert "region" not in res.after and "availability_zone" not in res.after, res.address


def test_without_the_provider_mapping_sydney_is_priced_in_ireland(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Take `providers = { aws = aws.sydney }` out and module.sydney inherits the default provider, as
    Terraform would: the same stack, priced twice in eu-west-1."""
    root = tmp_path / "multi-region"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("plan.json"))
    main_tf = root / "main.tf"
    mapping = "  providers = {\n    aws = aws.sydney\n  }\n"
    assert main_tf.read_text().count(mapping) == 1
    main_tf.write_text(main_tf.read_text().replace(mapping, ""))
    doc = breakdown(capsys, root)
    costs = {r["address"]: (r["region"], r["monthly_cost"]) for r in doc["resources"] if r["status"] == "priced"}
    ireland = {a.removeprefix("module.ireland."): cost for a, (_, cost) in EXPECTED.items() if region_of(a) == EU}
    assert costs == {f"{module}.{rest}": (EU, cost) for module in MODULES for rest, cost in ireland.items()}
    assert doc["monthly_cost"] == 2 * REGION_TOTALS[EU]


@needs_shared
def test_unit_prices_are_the_feeds() -> None:
    """The docstring's unit prices are the feeds' figures (the snapshot is built from these files)."""
    feeds = SHARED / "pricing"
    for (file, key), by_region in FEED_PRICES.items():
        if file == "ebs.json":
            regions = json.loads((feeds / "ec2-shop" / "data" / "ebs" / file).read_text())["regions"]
            found = {r: Decimal(regions[LOCATIONS[r]][key]["price"]) for r in by_region}
        else:
            prices = json.loads((feeds / "aws-price-watcher" / "processed" / file).read_text())[key]
            by_location = {loc.split(" (Instance Type:")[0]: usd for loc, usd in prices.items()}
            found = {r: Decimal(by_location[LOCATIONS[r]]) for r in by_region}
        assert found == by_region, (file, key)
