"""HCL mode: .tf code read without a plan into the same Project the plan reader produces."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from finguard.errors import InputError
from finguard.model import Resource
from finguard.pricing.catalog import Catalog
from finguard.pricing.estimate import estimate
from finguard.terraform.hcl import HclOptions, load_directory
from finguard.terraform.plan import load_plan

from .conftest import EXAMPLES
from .test_cli import run


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _by_address(root: Path, options: HclOptions | None = None) -> dict[str, Resource]:
    project, _ = load_directory(root, options or HclOptions(environ={}))
    return {r.address: r for r in project.resources}


PROVIDER = '''
provider "aws" {
  region = var.region
  default_tags {
    tags = { team = "web", env = var.env }
  }
}
provider "aws" {
  alias  = "west"
  region = "us-west-2"
}
variable "region" { default = "us-east-1" }
variable "env" { default = "dev" }
variable "size" {
  type    = string
  default = "t3.micro"
}
variable "replicas" {
  type    = number
  default = 1
}
'''


def test_variables_follow_terraforms_precedence(tmp_path: Path) -> None:
    root = _write(tmp_path, {
        "main.tf": PROVIDER + 'resource "aws_instance" "web" {\n  count = var.replicas\n'
                              '  instance_type = var.size\n}\n',
        "terraform.tfvars": 'size = "t3.small"\nreplicas = 2\n',
        "b.auto.tfvars": 'size = "t3.medium"\n',
        "extra.tfvars": 'size = "m5.large"\n',
    })
    assert {a: r.after["instance_type"] for a, r in _by_address(root).items()} == {
        "aws_instance.web[0]": "t3.medium", "aws_instance.web[1]": "t3.medium"}  # auto.tfvars over tfvars
    with_file = _by_address(root, HclOptions(var_files=[root / "extra.tfvars"], environ={}))
    assert with_file["aws_instance.web[0]"].after["instance_type"] == "m5.large"
    with_var = _by_address(root, HclOptions(var_files=[root / "extra.tfvars"], variables={"size": "c5.large"},
                                            environ={}))
    assert with_var["aws_instance.web[0]"].after["instance_type"] == "c5.large"
    env_only = _write(tmp_path / "env", {"main.tf": PROVIDER + 'resource "aws_instance" "web" {\n'
                                                             '  count = var.replicas\n  instance_type = var.size\n}\n'})
    from_env = _by_address(env_only, HclOptions(environ={"TF_VAR_replicas": "3", "TF_VAR_size": "t3.nano"}))
    assert sorted(from_env) == ["aws_instance.web[0]", "aws_instance.web[1]", "aws_instance.web[2]"]
    assert from_env["aws_instance.web[2]"].after["instance_type"] == "t3.nano"


def test_locals_functions_conditionals_and_templates(tmp_path: Path) -> None:
    root = _write(tmp_path, {"main.tf": PROVIDER + '''
locals {
  name     = "${local.prefix}-api"
  prefix   = format("%s-%s", "acme", var.env)
  is_prod  = var.env == "prod"
  common   = merge({ service = local.name }, lookup({ dev = { tier = "low" } }, var.env, {}))
  sizes    = concat(["a"], ["b", "c"])
  nothing  = coalesce("", null, "fallback")
  safe     = try(local.common.missing, "default")
  joined   = join("/", local.sizes)
}
resource "aws_instance" "api" {
  instance_type = local.is_prod ? "m5.large" : "t3.micro"
  tags = merge(local.common, {
    Name   = upper(local.name)
    count  = tostring(length(local.sizes))
    path   = local.joined
    safe   = local.safe
    filler = local.nothing
  })
}
'''})
    api = _by_address(root)["aws_instance.api"]
    assert api.after["instance_type"] == "t3.micro"
    assert api.tags_after == {"team": "web", "env": "dev", "service": "acme-dev-api", "tier": "low",
                              "Name": "ACME-DEV-API", "count": "3", "path": "a/b/c", "safe": "default",
                              "filler": "fallback"}


def test_count_and_for_each_addresses(tmp_path: Path) -> None:
    root = _write(tmp_path, {"main.tf": PROVIDER + '''
variable "queues" { default = ["jobs", "mail", "jobs"] }
resource "aws_ebs_volume" "disk" {
  for_each          = { data = 100, logs = 20 }
  availability_zone = "us-east-1a"
  size              = each.value
  tags              = { Name = each.key }
}
resource "aws_sqs_queue" "q" {
  for_each = toset(var.queues)
  name     = each.key
}
resource "aws_eip" "ip" {
  count  = 2
  domain = "vpc"
  tags   = { n = "ip-${count.index}" }
}
'''})
    resources = _by_address(root)
    assert sorted(resources) == ['aws_ebs_volume.disk["data"]', 'aws_ebs_volume.disk["logs"]', "aws_eip.ip[0]",
                                 "aws_eip.ip[1]", 'aws_sqs_queue.q["jobs"]', 'aws_sqs_queue.q["mail"]']
    assert resources['aws_ebs_volume.disk["data"]'].after["size"] == 100
    assert resources['aws_ebs_volume.disk["data"]'].index == "data"
    assert resources["aws_eip.ip[1]"].tags_after["n"] == "ip-1"


def test_local_modules_inputs_providers_and_nesting(tmp_path: Path) -> None:
    root = _write(tmp_path, {
        "main.tf": PROVIDER + '''
module "app" {
  source   = "./modules/app"
  count    = 2
  size     = var.size
  name     = "app-${count.index}"
}
module "dr" {
  source    = "./modules/app"
  providers = { aws = aws.west }
  size      = "m5.large"
  name      = "dr"
}
module "remote" {
  source = "terraform-aws-modules/vpc/aws"
}
resource "aws_eip" "front" {
  domain = "vpc"
  tags   = { app = module.app[1].name_out }
}
''',
        "modules/app/main.tf": '''
variable "size" {}
variable "name" {}
resource "aws_instance" "this" {
  instance_type = var.size
  tags          = { Name = var.name }
}
module "disk" {
  source = "../disk"
  gb     = 30
}
output "name_out" { value = "${var.name}-out" }
''',
        "modules/disk/main.tf": '''
variable "gb" {}
resource "aws_ebs_volume" "this" {
  availability_zone = "us-east-1a"
  size              = var.gb
}
''',
    })
    project, report = load_directory(root, HclOptions(environ={}))
    resources = {r.address: r for r in project.resources}
    assert resources["module.app[1].aws_instance.this"].tags_after == {"team": "web", "env": "dev", "Name": "app-1"}
    assert resources["module.app[0].module.disk.aws_ebs_volume.this"].after["size"] == 30
    assert resources["module.app[1].aws_instance.this"].module_address == "module.app[1]"
    assert resources["module.dr.aws_instance.this"].region == "us-west-2"  # the aliased provider passed in
    assert resources["module.dr.aws_instance.this"].tags_after == {"Name": "dr"}  # alias has no default_tags
    assert resources["aws_eip.front"].tags_after["app"] == "app-1-out"
    assert any("module.remote: remote module" in u for u in report.unknowns)
    assert project.module_sources == {"module.app": "./modules/app", "module.dr": "./modules/app",
                                      "module.app.module.disk": "../disk", "module.dr.module.disk": "../disk"}


def test_unknowns_are_reported_and_counted_not_guessed(tmp_path: Path, catalog: Catalog) -> None:
    root = _write(tmp_path, {"main.tf": PROVIDER + '''
data "aws_ami" "base" {
  most_recent = true
}
variable "no_default" {}
resource "aws_instance" "a" {
  ami           = data.aws_ami.base.id
  instance_type = var.no_default
}
resource "aws_instance" "b" {
  count         = length(data.aws_ami.base.block_device_mappings)
  instance_type = "t3.micro"
}
resource "aws_ebs_volume" "c" {
  availability_zone = "us-east-1a"
  size              = 10
  tags              = { ami = data.aws_ami.base.id, team = "data" }
}
'''})
    project, report = load_directory(root, HclOptions(environ={}))
    resources = {r.address: r for r in project.resources}
    assert "instance_type" in resources["aws_instance.a"].unknown_after
    assert "aws_instance.b[*]" in resources  # count unknown: one placeholder, everything unknown
    assert resources["aws_ebs_volume.c"].tags_after == {"team": "data", "env": "dev"}
    assert "tags.ami" in resources["aws_ebs_volume.c"].unknown_after
    joined = "\n".join(report.unknowns)
    assert "data.aws_ami.base: data source" in joined and "variable 'no_default' has no value" in joined
    assert "aws_instance.b: count is known only after apply" in joined
    costs = {r.address: r for r in estimate(project, catalog).resources}
    assert not costs["aws_instance.a"].complete and costs["aws_ebs_volume.c"].monthly_cost == Decimal("1.00")


def test_files_and_lines_point_at_code(tmp_path: Path) -> None:
    root = _write(tmp_path, {"main.tf": PROVIDER + '\n\nresource "aws_eip" "ip" {\n  domain = "vpc"\n}\n'})
    ip = _by_address(root)["aws_eip.ip"]
    assert ip.source is not None and ip.source.file.endswith("main.tf")
    assert ip.source.line == PROVIDER.count("\n") + 3


def test_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    root = _write(tmp_path, {"a.tf": PROVIDER, "b.tf": 'resource "aws_eip" "x" {\n  domain = \n}\n'})
    with pytest.raises(InputError) as err:
        load_directory(root, HclOptions(environ={}))
    assert str(err.value) == f"{root / 'b.tf'}:2:12: HCL syntax error: unexpected '}}'"


def test_keep_going_names_the_broken_file_and_reads_the_rest(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    root = _write(tmp_path, {"a.tf": PROVIDER + 'resource "aws_eip" "ok" {\n  domain = "vpc"\n}\n',
                             "b.tf": "resource {{{\n"})
    project, report = load_directory(root, HclOptions(keep_going=True, environ={}))
    assert [r.address for r in project.resources] == ["aws_eip.ok"]
    assert len(report.errors) == 1 and "b.tf:1:" in report.errors[0]
    code, out, err = run(capsys, "--keep-going", "breakdown", str(root), "--format", "json")
    assert code == 2 and json.loads(out)["resources"][0]["address"] == "aws_eip.ok"
    assert "b.tf:1:" in err and "--keep-going" in err
    code, out, err = run(capsys, "breakdown", str(root))
    assert code == 2 and out == "" and "b.tf:1:" in err and "Traceback" not in err


def test_evaluation_errors_are_input_errors(tmp_path: Path) -> None:
    root = _write(tmp_path, {"main.tf": PROVIDER + 'locals {\n  a = local.b\n  b = local.a\n}\n'
                                                   'resource "aws_eip" "x" {\n  domain = local.a\n}\n'})
    with pytest.raises(InputError, match="refers to itself"):
        load_directory(root, HclOptions(environ={}))
    bad = _write(tmp_path / "fn", {"main.tf": PROVIDER + 'resource "aws_eip" "x" {\n  domain = frobnicate(1)\n}\n'})
    with pytest.raises(InputError, match=r"function frobnicate\(\) is not supported"):
        load_directory(bad, HclOptions(environ={}))


@pytest.mark.parametrize("example", ["web-app", "eks-platform"])
def test_hcl_mode_matches_plan_mode_on_the_examples(example: str, catalog: Catalog) -> None:
    """Same resources, addresses, regions, tags and monthly cost; differences only where a value is unknown
    without a plan, and those are listed in the project's warnings / the resource's unknown paths."""
    hcl_project, report = load_directory(EXAMPLES / example, HclOptions(environ={}))
    plan_project = load_plan(EXAMPLES / example / "plan.json")
    hcl = {r.address: r for r in hcl_project.resources}
    plan = {r.address: r for r in plan_project.resources if r.action.exists_after}
    assert sorted(hcl) == sorted(plan)
    for address, h in hcl.items():
        p = plan[address]
        assert h.region == p.region, address
        if h.is_data:
            assert any(address in u for u in report.unknowns)
            continue
        for key, value in h.tags_after.items():
            assert p.tags_after.get(key) == value, (address, key)
        for key in set(p.tags_after) - set(h.tags_after):
            assert f"tags.{key}" in h.unknown_after, (address, key)  # unknown without a plan, and listed
    hcl_cost = {c.address: c.monthly_cost for c in estimate(hcl_project, catalog).resources}
    plan_cost = {c.address: c.monthly_cost for c in estimate(plan_project, catalog).resources if c.address in plan}
    assert hcl_cost == plan_cost


def test_cli_check_and_diff_on_a_directory(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    directory = EXAMPLES / "eks-platform"
    code, out, _ = run(capsys, "check", str(directory), "--format", "json")
    finding = next(f for f in json.loads(out)["findings"] if f["policy_id"] == "FG-TAG-002")
    assert code == 1 and finding["file"].endswith("eks.tf") and finding["line"]
    code, _, err = run(capsys, "diff", str(directory))
    assert code == 2 and "--compare-to" in err
    base = tmp_path / "base.json"
    run(capsys, "breakdown", str(EXAMPLES / "web-app" / "plan.json"), "--format", "json", "--out", str(base))
    code, out, _ = run(capsys, "diff", str(EXAMPLES / "web-app"), "--compare-to", str(base), "--format", "json")
    assert code == 0 and json.loads(out)["monthly_cost_delta"] == 0


def test_cost_delta_policy_needs_a_baseline_for_tf_code(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """.tf code has no prior state: the project-delta policy stays silent rather than calling all of it new,
    until a saved breakdown says what exists (--compare-to)."""
    directory = EXAMPLES / "eks-platform"
    code, out, _ = run(capsys, "check", str(directory), "--format", "json")
    assert "FG-COST-002" not in {f["policy_id"] for f in json.loads(out)["findings"]}
    empty = tmp_path / "empty.json"
    run(capsys, "breakdown", str(EXAMPLES / "web-app" / "plan.json"), "--format", "json", "--out", str(empty))
    doc = json.loads(empty.read_text())
    doc.update(resources=[], monthly_cost=0)
    empty.write_text(json.dumps(doc))
    code, out, _ = run(capsys, "check", str(directory), "--compare-to", str(empty), "--format", "json")
    delta = [f for f in json.loads(out)["findings"] if f["policy_id"] == "FG-COST-002"]
    assert code == 1 and delta and "+$928.85" in delta[0]["message"]


def test_the_parse_cache_reads_only_regular_files(tmp_path, monkeypatch) -> None:
    """A FIFO (or device) where a cached parse would be must not block the run: the file is parsed, and the cache
    entry written over it."""
    import os

    from finguard.terraform import hcl_files

    monkeypatch.setenv("FINGUARD_HOME", str(tmp_path / "home"))
    tf = tmp_path / "main.tf"
    tf.write_text('resource "aws_instance" "a" {\n  instance_type = "t3.micro"\n}\n')
    cache = hcl_files._cache_path(tf.read_text())
    cache.parent.mkdir(parents=True)
    os.mkfifo(cache)
    _, doc, error = hcl_files._parse_file(str(tf))
    assert error is None and doc is not None and "resource" in doc
    assert cache.is_file()
    assert hcl_files._parse_file(str(tf))[1] == doc  # and read back from the cache
