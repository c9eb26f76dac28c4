"""`finguard waste` against a live (moto) account: every planted item is found, no look-alike is flagged."""

from __future__ import annotations

import json
from typing import Any

from tests.waste.conftest import flagged, run_cli
from tests.waste.moto_account import KINDS


def test_finds_every_planted_item_and_no_look_alike(live_report: dict[str, Any], account: dict[str, Any]) -> None:
    found = flagged(live_report)
    for kind in KINDS:
        planted = set().union(*(p.waste[kind] for p in account.values()))
        healthy = set().union(*(p.healthy[kind] for p in account.values()))
        got = found.get(kind, set())
        assert planted <= got, f"{kind}: missed {planted - got}"
        assert not got & healthy, f"{kind}: flagged look-alikes {got & healthy}"
        assert got == planted, f"{kind}: unexpected {got - planted}"
    assert {k["kind"] for k in live_report["kinds"] if k["judged"]} == set(KINDS)


def test_json_fields_savings_and_owner(live_report: dict[str, Any]) -> None:
    by_id = {f["resource_id"]: f for f in live_report["findings"]}
    assert live_report["schema"] == "finguard/waste" and live_report["account_ids"] == ["123456789012"]
    for f in live_report["findings"]:
        for key in ("kind", "resource_id", "region", "monthly_savings", "owner", "evidence", "confidence",
                    "remediation"):
            assert key in f
        assert f["monthly_savings"] is None or f["monthly_savings"] > 0
        assert f["evidence"] and f["remediation"]["command"].startswith("aws ")
    # the eu-west-1 NAT gateway: the catalog has no NAT price there -> missing, never $0
    nat_west = [f for f in live_report["findings"] if f["kind"] == "idle-nat-gateway" and f["region"] == "eu-west-1"]
    assert len(nat_west) == 1 and nat_west[0]["monthly_savings"] is None
    assert "eu-west-1" in nat_west[0]["missing_price"]
    assert live_report["summary"]["missing_price"] >= 1
    # priced in the resource's own region: us-east-1 gp2 500 GiB at $0.10 vs gp3 at $0.08 (+125 MiB/s)
    gp2 = next(f for f in live_report["findings"] if f["kind"] == "gp2-volume")
    assert gp2["monthly_savings"] == 5.0 and gp2["owner"] == "data" and gp2["owner_source"] == "tag:team"
    oversized = next(f for f in live_report["findings"] if f["kind"] == "oversized-instance")
    # 6% CPU alone would allow m5.large (a quarter), but 30% memory would become 120% there: m5.xlarge
    assert oversized["recommendation"] == "m5.xlarge" and oversized["monthly_savings"] == 140.16
    assert oversized["confidence"] == "high"  # memory measured by the CloudWatch agent series
    assert oversized["facts"]["memory_p95"] is not None and oversized["alternative"]["recommendation"] == "m7g.xlarge"
    assert by_id["orders"]["recommendation"] == "db.m5.xlarge"
    # ranked by savings, largest first; unknown savings last
    savings = [f["monthly_savings"] for f in live_report["findings"]]
    known = [s for s in savings if s is not None]
    assert known == sorted(known, reverse=True) and savings[len(known):] == [None] * (len(savings) - len(known))


def test_formats_render_the_same_findings(live_report: dict[str, Any]) -> None:
    saved = live_report["_saved"]
    for fmt in ("table", "markdown", "csv", "html"):
        code, out, err = run_cli("waste", "--inventory", saved, "--format", fmt)
        assert code == 0, err
        for f in live_report["findings"]:
            shown = f["resource_id"].rsplit("/", 2)[-2] if f["resource_id"].startswith("arn:") else f["resource_id"]
            assert shown in out, fmt
    code, out, _ = run_cli("waste", "--inventory", saved, "--format", "csv")
    assert len(out.strip().splitlines()) == len(live_report["findings"]) + 1


def test_saved_inventory_gives_the_same_findings(live_report: dict[str, Any]) -> None:
    code, out, err = run_cli("waste", "--inventory", live_report["_saved"], "--format", "json")
    assert code == 0, err
    saved = json.loads(out)
    assert [(f["kind"], f["resource_id"], f["monthly_savings"]) for f in saved["findings"]] == \
        [(f["kind"], f["resource_id"], f["monthly_savings"]) for f in live_report["findings"]]


def test_get_metric_statistics_gives_the_same_findings(live_report: dict[str, Any], tmp_path) -> None:
    """waste.metrics.api: get-metric-statistics (one call per series) reads the same series as GetMetricData."""
    config = tmp_path / "finguard.yml"
    config.write_text("version: 1\nwaste:\n  metrics: {api: get-metric-statistics}\n", encoding="utf-8")
    kinds = ("oversized-instance", "oversized-database", "idle-nat-gateway", "idle-load-balancer")
    code, out, err = run_cli("waste", "--config", config, "--region", "us-east-1", "--format", "json",
                             *(a for k in kinds for a in ("--kind", k)))
    assert code == 0, err

    def key(findings: list[dict[str, Any]]) -> list[tuple[str, str, float | None]]:
        return [(f["kind"], f["resource_id"], f["monthly_savings"]) for f in findings
                if f["kind"] in kinds and f["region"] == "us-east-1"]

    assert key(json.loads(out)["findings"]) == key(live_report["findings"]) != []


def test_paginated_calls_are_merged(live_report: dict[str, Any]) -> None:
    """moto pages DescribeLoadBalancers: two per page gives every load balancer of the planted region."""
    from finguard.waste.live import _Aws, sdk_session

    aws = _Aws(sdk_session(None), "us-east-1")
    whole = aws.pages("elbv2", "describe_load_balancers", "LoadBalancers", None)["LoadBalancers"]
    calls = aws.calls
    paged = aws.pages("elbv2", "describe_load_balancers", "LoadBalancers", 2)["LoadBalancers"]
    assert len(whole) == 4 and aws.calls - calls == 2
    assert [lb["LoadBalancerArn"] for lb in paged] == [lb["LoadBalancerArn"] for lb in whole]


def test_no_credentials_and_no_region_are_usage_errors(moto_url: str, monkeypatch, tmp_path) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    code, _, err = run_cli("waste", "--region", "us-east-1")
    assert code == 2 and "no AWS credentials found" in err and "Traceback" not in err
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    for key in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("waste")
    assert code == 2 and "no region to scan" in err
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    code, _, err = run_cli("waste", "--region", "us-east-1")
    assert code == 2 and "cannot reach AWS" in err
