"""Saved inventories (`--inventory DIR`): layout, missing and malformed files (one line naming the file and the
JSON path, exit 2), hostile documents (hypothesis), Terraform links, and the command's options."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from finguard.errors import FinguardError, InputError
from finguard.waste.layout import DOCS
from finguard.waste.saved import load_inventory
from tests.conftest import REPO
from tests.waste.conftest import run_cli

EXAMPLE = REPO / "examples" / "waste" / "inventory"
FUZZ_EXAMPLES = int(os.environ.get("FINGUARD_FUZZ_EXAMPLES", "15"))
ALL = {d.collection for d in DOCS}


@pytest.fixture()
def inv(tmp_path: Path) -> Path:
    root = tmp_path / "inventory"
    shutil.copytree(EXAMPLE, root)
    return root


def _error(root: Path, *args: str) -> str:
    code, out, err = run_cli("waste", "--inventory", root, *args)
    assert code == 2, out + err
    assert "Traceback" not in err and err.count("\n") == 1, err
    return err


def test_missing_file_names_it_and_the_kinds(inv: Path) -> None:
    (inv / "eu-west-1" / "ec2-describe-volumes.json").unlink()
    err = _error(inv)
    assert "eu-west-1: missing ec2-describe-volumes.json (the output of `aws ec2 describe-volumes`)" in err
    assert "unattached-volume" in err and "gp2-volume" in err
    code, out, _ = run_cli("waste", "--inventory", inv, "--kind", "idle-ip")  # a kind that does not need it
    assert code == 0 and "idle-ip" in out


def test_missing_target_health_and_half_of_the_metrics(inv: Path) -> None:
    health = inv / "eu-west-1" / "elbv2-describe-target-health" / "legacy-api.json"
    health.unlink()
    assert "missing elbv2-describe-target-health/legacy-api.json" in _error(inv)
    (inv / "eu-west-1" / "cloudwatch-get-metric-data.json").unlink()
    err = _error(inv, "--kind", "oversized-instance")
    assert "cloudwatch-metric-data-queries.json without cloudwatch-get-metric-data.json" in err


def test_without_metrics_the_metric_kinds_are_not_judged(inv: Path) -> None:
    for name in ("cloudwatch-metric-data-queries.json", "cloudwatch-get-metric-data.json"):
        (inv / "eu-west-1" / name).unlink()
        (inv / "us-east-1" / name).unlink()
    code, out, err = run_cli("waste", "--inventory", inv, "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    judged = {k["kind"]: k for k in report["kinds"]}
    assert not judged["oversized-instance"]["judged"] and "no CloudWatch data" in judged["oversized-instance"]["reason"]
    assert judged["idle-load-balancer"]["judged"]  # on target health alone
    assert any("oversized-database: not judged" in w for w in report["warnings"])


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("ec2-describe-volumes.json", '{"Volumes": [{"VolumeId": "vol-1", "Size": "big", "State": "available"}]}',
     "invalid value at $.Volumes[0].Size: must be a whole number, got 'big'"),
    ("ec2-describe-volumes.json", '{"Volumes": [{"VolumeId": "vol-1", "State": "available"}]}',
     "$.Volumes[0].Size: required field is missing"),
    ("ec2-describe-volumes.json", '{"Volumes": {}}', "$.Volumes must be a list, got dict"),
    ("ec2-describe-volumes.json", '{"Snapshots": []}', "missing 'Volumes' at $"),
    ("ec2-describe-volumes.json", '{"Volumes": [}', "invalid JSON at line 1 column 14"),
    ("ec2-describe-volumes.json", '{"Volumes": [{"VolumeId": "v", "Size": NaN, "State": "x"}]}',
     "NaN is not a JSON number"),
    ("ec2-describe-volumes.json", '{"Volumes": [{"VolumeId": "v", "Size": 1e999, "State": "x"}]}',
     "number 1e999 is out of range"),
    ("ec2-describe-instances.json", '{"Reservations": [{"Instances": [{"InstanceId": "i-1", "InstanceType": "m5.large",'
     ' "State": {"Name": "running"}, "LaunchTime": "yesterday"}]}]}',
     "$.Reservations[0].Instances[0].LaunchTime: must be an ISO 8601 timestamp"),
    ("ec2-describe-snapshots.json", '{"Snapshots": [{"SnapshotId": "s", "StartTime": "1066-10-14T00:00:00Z"}]}',
     "outside 2000-2100"),
    ("cloudwatch-get-metric-data.json", '{"MetricDataResults": [{"Id": "m0", "Timestamps": ["2025-06-01T00:00:00Z"],'
     ' "Values": []}]}', "1 Timestamps but 0 Values"),
    ("cloudwatch-get-metric-data.json", '{"MetricDataResults": [{"Id": "nope"}]}', "matches no query"),
    ("ec2-describe-volumes.json", "[" * 5000 + "]" * 5000, "nested deeper than"),
    ("ec2-describe-volumes.json", "\udcff", "not UTF-8"),
])
def test_malformed_file_is_one_line_with_the_json_path(inv: Path, name: str, content: str, expected: str) -> None:
    path = inv / "eu-west-1" / name
    if content == "\udcff":
        path.write_bytes(b'{"Volumes": [\xff]}')
    else:
        path.write_text(content, encoding="utf-8")
    err = _error(inv)
    assert str(path) in err and expected in err


def test_special_files_and_layout_errors(inv: Path, tmp_path: Path) -> None:
    fifo = inv / "eu-west-1" / "ec2-describe-addresses.json"
    fifo.unlink()
    os.mkfifo(fifo)
    assert "not a regular file (a FIFO)" in _error(inv)
    assert "--inventory must be a directory" in _error(inv / "eu-west-1" / "ec2-describe-volumes.json")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no inventory here" in _error(empty)
    assert "no inventory for region ap-south-1" in _error(inv, "--region", "ap-south-1")
    flat = tmp_path / "flat"
    shutil.copytree(EXAMPLE / "us-east-1", flat)
    assert "exactly one --region" in _error(flat)
    code, out, err = run_cli("waste", "--inventory", flat, "--region", "us-east-1", "--format", "json")
    assert code == 0, err
    assert [f["kind"] for f in json.loads(out)["findings"]] == ["unattached-volume"]


def test_terraform_show_json_links_addresses(inv: Path, tmp_path: Path) -> None:
    """A `terraform show -json` of a state (not only a raw terraform.tfstate), with module addresses."""
    tf = tmp_path / "tf"
    (tf / "modules" / "etl").mkdir(parents=True)
    (tf / "main.tf").write_text('module "etl" {\n  source = "./modules/etl"\n}\n', encoding="utf-8")
    (tf / "modules" / "etl" / "disk.tf").write_text('\n\nresource "aws_ebs_volume" "scratch" {\n  size = 200\n}\n',
                                                   encoding="utf-8")
    state = {"format_version": "1.0", "terraform_version": "1.9.5", "values": {"root_module": {"child_modules": [{
        "address": "module.etl", "resources": [{
            "address": "module.etl.aws_ebs_volume.scratch", "mode": "managed", "type": "aws_ebs_volume",
            "name": "scratch", "provider_name": "registry.terraform.io/hashicorp/aws",
            "values": {"id": "vol-0e5a17c0ffee00002", "size": 200, "type": "gp3"}}]}]}},
        "configuration": {"root_module": {"module_calls": {"etl": {"source": "./modules/etl", "module": {}}}}}}
    (tf / "state.json").write_text(json.dumps(state), encoding="utf-8")
    code, out, err = run_cli("waste", "--inventory", inv, "--kind", "unattached-volume", "--terraform",
                             tf / "state.json", "--format", "json")
    assert code == 0, err
    f = next(x for x in json.loads(out)["findings"] if x["resource_id"] == "vol-0e5a17c0ffee00002")
    assert f["remediation"]["terraform"] == {"address": "module.etl.aws_ebs_volume.scratch", "type": "aws_ebs_volume",
                                             "file": "modules/etl/disk.tf", "line": 3, "change": "remove the resource"}
    (tf / "bad.json").write_text('{"format_version": "1.0", "values": [', encoding="utf-8")
    assert "bad.json" in _error(inv, "--terraform", str(tf / "bad.json"))


def test_options(inv: Path) -> None:
    code, out, err = run_cli("waste", "--inventory", inv, "--fail-on-savings", "1000")
    assert code == 1 and "reaches --fail-on-savings 1,000.00" in err and "orders-db" in out
    code, out, err = run_cli("waste", "--inventory", inv, "--fail-on-savings", "100000", "--format", "json")
    assert code == 0 and json.loads(out)["summary"]["monthly_savings"] < 100000
    code, out, _ = run_cli("waste", "--inventory", inv, "--min-savings", "100", "--format", "json")
    assert code == 0 and all(f["monthly_savings"] is None or f["monthly_savings"] >= 100
                             for f in json.loads(out)["findings"])
    assert "did you mean 'idle-ip'?" in _error(inv, "--kind", "idle-ips")
    assert "--save-inventory and --profile apply to live scans" in _error(inv, "--profile", "x")
    code, out, _ = run_cli("waste", "--list-kinds")
    assert code == 0 and out.count("rule: ") == 10 and "waste.oversized_instance: max_cpu_p95=40.0" in out


def _json_values() -> st.SearchStrategy[object]:
    scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                        st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20),
                        st.sampled_from(["2025-06-01T00:00:00Z", "available", "in-use", "gp2", "running", ""]))
    return st.recursive(scalars, lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(st.text(max_size=8), c,
                                                                                               max_size=3)),
                        max_leaves=8)


FIELDS = ["VolumeId", "Size", "VolumeType", "State", "CreateTime", "Attachments", "Iops", "Tags", "SnapshotId",
          "InstanceId", "InstanceType", "LaunchTime", "Instances", "StartTime", "VolumeSize", "OwnerId", "Name",
          "AllocationId", "AssociationId", "BlockDeviceMappings", "Ebs", "Key", "Value", "Code", "Id", "Timestamps",
          "Values", "MetricStat", "Metric", "Period", "Stat", "NatGatewayId", "LoadBalancerArn", "Type"]
DOC_KEYS = {"ec2-describe-volumes.json": "Volumes", "ec2-describe-snapshots.json": "Snapshots",
            "ec2-describe-instances.json": "Reservations", "ec2-describe-addresses.json": "Addresses",
            "ec2-describe-images.json": "Images", "rds-describe-db-instances.json": "DBInstances",
            "ec2-describe-nat-gateways.json": "NatGateways", "elbv2-describe-load-balancers.json": "LoadBalancers",
            "cloudwatch-get-metric-data.json": "MetricDataResults", "cloudwatch-metric-data-queries.json": None}


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(DOC_KEYS)),
       items=st.lists(st.dictionaries(st.sampled_from(FIELDS), _json_values(), max_size=6), max_size=3),
       raw=st.one_of(st.none(), st.binary(max_size=40)))
@example(name="cloudwatch-metric-data-queries.json", items=[], raw=None)  # results then match no query
def test_hostile_documents_never_crash(tmp_path_factory: pytest.TempPathFactory, name: str, items: list[object],
                                       raw: bytes | None) -> None:
    root = tmp_path_factory.mktemp("hostile")
    region = root / "eu-west-1"
    shutil.copytree(EXAMPLE / "eu-west-1", region)
    path = region / name
    if raw is not None:
        path.write_bytes(raw)
    else:
        key = DOC_KEYS[name]
        path.write_text(json.dumps({key: items} if key else items), encoding="utf-8")
    try:
        inventory = load_inventory(root, regions=[], collections=ALL, needed_by={})
    except FinguardError as exc:
        assert isinstance(exc, InputError) and str(path) in str(exc)
        return
    json.loads(inventory.model_dump_json())  # whatever parses is a clean, finite model
