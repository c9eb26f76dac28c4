"""The command line end to end, in process: outputs, exit codes, and one-line errors for bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from finguard.cli import main

from .plan_builder import PlanBuilder


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), out, err


@pytest.fixture()
def change_plan(tmp_path: Path) -> Path:
    """A plan that resizes an instance, adds a NAT gateway, and deletes a volume."""
    builder = PlanBuilder(default_tags={"team": "web"})
    builder.add("aws_instance.app", {"instance_type": "m5.xlarge", "root_block_device": [
        {"volume_type": "gp3", "volume_size": 20}]},
        before={"instance_type": "m5.large", "root_block_device": [{"volume_type": "gp3", "volume_size": 20}]})
    builder.add("aws_nat_gateway.new", {"connectivity_type": "public"})
    builder.add("aws_ebs_volume.old", None, before={"type": "gp2", "size": 100})
    builder.add("aws_vpc.main", {"cidr_block": "10.0.0.0/16"}, before={"cidr_block": "10.0.0.0/16"},
                actions=["no-op"])
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(builder.build()))
    return path


def test_breakdown_table(capsys: pytest.CaptureFixture[str], change_plan: Path) -> None:
    code, out, _ = run(capsys, "breakdown", str(change_plan))
    assert code == 0
    assert "Instance usage (Linux/UNIX, on-demand, m5.xlarge)" in out
    assert "$140.16" in out  # 730 x 0.192
    assert "OVERALL TOTAL" in out and "$174.61" in out  # 140.16 + 1.60 + 32.85
    assert "aws_ebs_volume.old" not in out  # deleted: not part of the planned state
    assert "1 free" in out


def test_breakdown_json_is_versioned_and_complete(capsys: pytest.CaptureFixture[str], change_plan: Path) -> None:
    code, out, _ = run(capsys, "breakdown", str(change_plan), "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["schema"] == "finguard/breakdown" and doc["version"] == 1
    assert doc["monthly_cost"] == pytest.approx(174.61)
    by_address = {r["address"]: r for r in doc["resources"]}
    app = by_address["aws_instance.app"]
    assert app["type"] == "aws_instance" and app["region"] == "us-east-1" and app["action"] == "update"
    assert app["monthly_cost"] == pytest.approx(141.76)
    comp = app["components"][0]
    assert comp == {**comp, "unit": "hours", "monthly_quantity": 730, "unit_price": 0.192,
                    "monthly_cost": pytest.approx(140.16), "status": "priced"}
    # /work/shared/pricing/aws-ec2-ondemand-linux.csv "us-east-1,m5.xlarge,0.192000" x 730
    assert comp["price_source"] == "aws-ec2-ondemand-linux-csv"
    assert by_address["aws_ebs_volume.old"]["status"] == "skipped"


@pytest.mark.parametrize(("fmt", "marker"), [("markdown", "| `aws_instance.app` |"), ("html", "<!doctype html>")])
def test_breakdown_markdown_and_html(capsys: pytest.CaptureFixture[str], change_plan: Path, fmt: str,
                                     marker: str) -> None:
    code, out, _ = run(capsys, "breakdown", str(change_plan), "--format", fmt)
    assert code == 0 and marker in out and "$174.61" in out


def test_out_file(capsys: pytest.CaptureFixture[str], change_plan: Path, tmp_path: Path) -> None:
    target = tmp_path / "reports" / "cost.json"
    code, out, err = run(capsys, "breakdown", str(change_plan), "--format", "json", "--out", str(target))
    assert code == 0 and out == "" and f"wrote {target}" in err
    assert json.loads(target.read_text())["schema"] == "finguard/breakdown"


def test_diff_against_prior_state(capsys: pytest.CaptureFixture[str], change_plan: Path) -> None:
    code, out, _ = run(capsys, "diff", str(change_plan), "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["schema"] == "finguard/diff"
    before = 70.08 + 1.60 + 10.00  # m5.large, 20 GB gp3, 100 GB gp2
    after = 140.16 + 1.60 + 32.85  # m5.xlarge, 20 GB gp3, NAT gateway
    assert doc["monthly_cost_before"] == pytest.approx(before)
    assert doc["monthly_cost_after"] == pytest.approx(after)
    assert doc["monthly_cost_delta"] == pytest.approx(after - before)
    assert doc["monthly_cost_delta_percent"] == pytest.approx((after - before) / before * 100)
    rows = {r["address"]: r for r in doc["resources"]}
    assert rows["aws_instance.app"]["action"] == "update"
    assert rows["aws_instance.app"]["monthly_cost_delta"] == pytest.approx(70.08)
    assert rows["aws_nat_gateway.new"]["monthly_cost_before"] is None
    assert rows["aws_ebs_volume.old"]["action"] == "delete"
    assert rows["aws_ebs_volume.old"]["monthly_cost_delta"] == pytest.approx(-10.0)
    assert next(r["address"] for r in doc["resources"]) == "aws_instance.app"  # sorted by impact


def test_diff_table_shows_delta_and_percent(capsys: pytest.CaptureFixture[str], change_plan: Path) -> None:
    code, out, _ = run(capsys, "diff", str(change_plan))
    assert code == 0
    assert "$81.68 -> $174.61 (+$92.93, +113.8%)" in out


def test_diff_compare_to_a_saved_breakdown(capsys: pytest.CaptureFixture[str], change_plan: Path,
                                           tmp_path: Path) -> None:
    base_plan = PlanBuilder().add("aws_instance.app", {"instance_type": "m5.large", "root_block_device": [
        {"volume_type": "gp3", "volume_size": 20}]}).add("aws_instance.gone", {
            "instance_type": "t3.micro", "root_block_device": [{"volume_type": "gp3", "volume_size": 8}]})
    base_plan_path = tmp_path / "base-plan.json"
    base_plan_path.write_text(json.dumps(base_plan.build()))
    base = tmp_path / "base.json"
    assert run(capsys, "breakdown", str(base_plan_path), "--format", "json", "--out", str(base))[0] == 0
    code, out, _ = run(capsys, "diff", str(change_plan), "--compare-to", str(base), "--format", "json")
    assert code == 0
    doc = json.loads(out)
    rows = {r["address"]: r for r in doc["resources"]}
    assert doc["compared_to"] == str(base)
    assert rows["aws_instance.app"]["action"] == "update"
    assert rows["aws_nat_gateway.new"]["action"] == "create"
    assert rows["aws_instance.gone"]["action"] == "delete"
    assert "aws_vpc.main" not in rows or rows["aws_vpc.main"]["monthly_cost_delta"] in (0, None)


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    cases = {
        "not-json": ("{ nope", "not valid JSON"),
        "truncated": ('{"format_version": "1.2", "resource_changes": [{"address"', "truncated?"),
        "state": ('{"version": 4, "terraform_version": "1.9.0", "serial": 1, "resources": []}',
                  "Terraform state file"),
        "version": ('{"format_version": "3.0", "planned_values": {}}', "unsupported plan format_version"),
        "shape": ('{"format_version": "1.0", "resource_changes": {"a": 1}}', "$.resource_changes"),
    }
    out = {}
    for name, (text, message) in cases.items():
        path = tmp_path / f"{name}.json"
        path.write_text(text)
        out[name] = (path, message)
    return out


@pytest.mark.parametrize("case", ["not-json", "truncated", "state", "version", "shape"])
@pytest.mark.parametrize("command", ["breakdown", "diff"])
def test_bad_plans_are_one_line_errors_with_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                   case: str, command: str) -> None:
    path, message = _bad_inputs(tmp_path)[case]
    code, out, err = run(capsys, command, str(path))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"finguard: error: {path}: ")
    assert message in err and "Traceback" not in err


def test_missing_file_directory_and_bad_compare_to(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                   change_plan: Path) -> None:
    code, _, err = run(capsys, "breakdown", str(tmp_path / "nope.json"))
    assert code == 2 and "nope.json: file not found" in err
    code, _, err = run(capsys, "breakdown", str(tmp_path))
    assert code == 2 and "no .tf files in this directory" in err
    bogus = tmp_path / "bogus.json"
    bogus.write_text('{"resources": []}')
    code, _, err = run(capsys, "diff", str(change_plan), "--compare-to", str(bogus))
    assert code == 2 and "not a finguard breakdown JSON" in err


def test_unwritable_out_loses_nothing(capsys: pytest.CaptureFixture[str], change_plan: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("keep me")
    code, _, err = run(capsys, "breakdown", str(change_plan), "--out", str(blocker / "x.json"))
    assert code == 2 and "cannot write output" in err
    assert blocker.read_text() == "keep me"


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], change_plan: Path) -> None:
    assert run(capsys, "breakdown", str(change_plan), "--format", "yaml")[0] == 2
    assert run(capsys, "frobnicate")[0] == 2
    code, _, err = run(capsys, "pricing", "lookup", "--service", "AmazonEC2", "--region", "us-east-1",
                       "--filter", "instanceType")
    assert code == 2 and "expected KEY=VALUE" in err


def test_pricing_lookup_exact_ambiguous_and_missing_region(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "pricing", "lookup", "--service", "AmazonEC2", "--region", "us-east-1",
                       "--filter", "productFamily=Compute Instance", "--filter", "instanceType=m5.large",
                       "--filter", "tenancy=Shared", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["matches"] == 1 and not doc["ambiguous"] and doc["prices"][0]["usd"] == "0.096"
    code, out, _ = run(capsys, "pricing", "lookup", "--service", "AmazonEC2", "--region", "us-east-1",
                       "--filter", "productFamily=Compute Instance", "--filter", "instanceType=t3.medium")
    assert code == 0 and "AMBIGUOUS" in out and "tenancy" in out
    # eks.json prices sa-east-1 now; no feed has ap-east-2 (Asia Pacific (Taipei)), so nothing is there
    code, out, _ = run(capsys, "pricing", "lookup", "--service", "AmazonEKS", "--region", "ap-east-2")
    assert "no AmazonEKS prices for ap-east-2" in out and "finguard pricing sync" in out
    for service, region in (("", "us-east-1"), ("AmazonEC2", " ")):
        code, out, err = run(capsys, "pricing", "lookup", "--service", service, "--region", region)
        assert code == 2 and out == "" and "must not be empty" in err


def test_pricing_coverage_and_sources(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "pricing", "coverage")
    assert code == 0
    for name in ("aws_instance", "aws_ebs_volume", "aws_db_instance", "aws_nat_gateway", "aws_lb", "aws_alb",
                 "aws_eip", "aws_eks_cluster", "aws_eks_node_group", "aws_autoscaling_group",
                 "aws_elasticache_cluster"):
        assert f"  {name}\n" in out
    code, out, _ = run(capsys, "pricing", "sources")
    assert code == 0 and "aws-ec2-ondemand-linux-csv" in out and "sha256" in out


def test_no_region_is_reported_and_default_region_applies(capsys: pytest.CaptureFixture[str],
                                                          tmp_path: Path) -> None:
    path = tmp_path / "noregion.json"
    path.write_text(json.dumps(PlanBuilder(region=None).add("aws_nat_gateway.a", {}).build()))
    code, out, _ = run(capsys, "breakdown", str(path), "--format", "json")
    comp = json.loads(out)["resources"][0]["components"][0]
    assert code == 0 and comp["status"] == "missing_price" and "region unknown" in comp["reason"]
    code, out, err = run(capsys, "--default-region", "us-east-1", "breakdown", str(path), "--format", "json")
    assert json.loads(out)["monthly_cost"] == pytest.approx(32.85)
    assert "used the default region us-east-1" in err


def test_pricing_sync_then_breakdown_uses_the_synced_region(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """End to end over a local mirror on 127.0.0.1: sync us-west-2 EC2, then price an instance there from the
    synced slice, which takes precedence over the bundled snapshot's us-west-2 prices."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from .conftest import FIXTURES

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(FIXTURES / "aws_offers")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("FINGUARD_CATALOG", str(tmp_path / "catalog.sqlite"))
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(PlanBuilder(region="us-west-2").add("aws_instance.w", {
        "instance_type": "m5.large", "root_block_device": [{"volume_type": "gp2", "volume_size": 10}]}).build()))
    try:
        before = json.loads(run(capsys, "breakdown", str(plan), "--format", "json")[1])
        # the snapshot: ec2.json "OnDemand Linux-instancetype-m5.large" US West (Oregon) 0.096 x 730
        snapshot_hours = before["resources"][0]["components"][0]
        assert snapshot_hours["status"] == "priced" and snapshot_hours["price_source"] == "aws-price-watcher-ec2"
        code, out, _ = run(capsys, "pricing", "sync", "--source", f"http://127.0.0.1:{server.server_address[1]}",
                           "--service", "AmazonEC2", "--region", "us-west-2")
        assert code == 0 and "AmazonEC2 us-west-2:" in out
        after = json.loads(run(capsys, "breakdown", str(plan), "--format", "json")[1])
        hours = after["resources"][0]["components"][0]
        assert hours["status"] == "priced" and hours["monthly_cost"] == pytest.approx(70.08)
        assert hours["price_source"].startswith("aws-AmazonEC2-us-west-2-")
    finally:
        server.shutdown()
        server.server_close()


def test_breakdown_show_coverage(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from .conftest import EXAMPLES

    # the snapshot prices every eks-platform resource, the us-west-2 DR instance included
    code, out, _ = run(capsys, "breakdown", str(EXAMPLES / "eks-platform" / "plan.json"), "--show-coverage")
    assert code == 0 and "Coverage: 40 of 40 resources fully priced or free (100%)" in out
    assert re.search(r"^ +aws_instance +1 priced$", out, re.MULTILINE)
    # ebs.json (the only EBS feed) has no Asia Pacific (Malaysia): an st1 volume in ap-southeast-5 is not priced
    plan = tmp_path / "plan.json"
    builder = PlanBuilder(region="ap-southeast-5")
    builder.add("aws_ebs_volume.data", {"type": "st1", "size": 500})
    builder.add("aws_vpc.main", {"cidr_block": "10.0.0.0/16"})
    plan.write_text(json.dumps(builder.build()))
    code, out, _ = run(capsys, "breakdown", str(plan), "--show-coverage")
    assert code == 0 and "Coverage: 1 of 2 resources fully priced or free (50%)" in out
    assert "1 x no price in the catalog for ap-southeast-5" in out
    code, out, err = run(capsys, "breakdown", str(EXAMPLES / "eks-platform" / "plan.json"), "--show-coverage",
                         "--format", "json")
    assert code == 0 and json.loads(out)["schema"] == "finguard/breakdown" and "Coverage:" in err


def test_commands_in_their_own_modules_are_imported_only_when_they_run() -> None:
    """`finguard check` (and every other plan command) starts without importing the billing, k8s, waste, audit,
    comment, approvals and rates commands; --help still lists them and each still runs."""
    import subprocess
    import sys

    probe = ("import sys\nfrom finguard.cli import cli\nfrom click.testing import CliRunner\n"
             "result = CliRunner().invoke(cli, sys.argv[1:])\n"
             "print(result.exit_code, sorted(m for m in sys.modules if m.startswith('finguard.commands.')))\n"
             "print(result.output)\n")
    run_probe = lambda *args: subprocess.run([sys.executable, "-c", probe, *args], capture_output=True,  # noqa: E731
                                             text=True, timeout=120).stdout
    out = run_probe("--version")
    assert out.startswith("0 ['finguard.commands.rates_options']")  # the options every plan command takes
    out = run_probe("--help")
    for name in ("approvals", "audit", "billing", "comment", "k8s", "waste"):
        assert f"\n  {name} " in out
    out = run_probe("pricing", "rates", "--help")
    assert out.startswith("0 [") and "finguard.commands.pricing_rates" in out.splitlines()[0]
    assert "finguard.commands.billing" not in out.splitlines()[0]
    out = run_probe("k8s", "--help")
    assert out.startswith("0 [") and "finguard.commands.k8s" in out.splitlines()[0]
    assert "No such command 'bilin'" in run_probe("bilin")
