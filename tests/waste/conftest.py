"""Fixtures of the waste tests: one moto server for the session, an account planted in it, and a CLI runner."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("moto", reason="the waste tests run against moto's server mode (pip install 'moto[server]')")


def run_cli(*args: str | Path) -> tuple[int, str, str]:
    """`finguard ARGS` in this process: (exit code, stdout, stderr)."""
    from finguard.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main([str(a) for a in args])
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def flagged(report: dict[str, Any]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in report["findings"]:
        out.setdefault(f["kind"], set()).add(f["resource_id"])
    return out


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    from tests.waste.moto_account import moto_server

    with moto_server() as url:
        yield url


@pytest.fixture(scope="session")
def account(moto_url: str):
    """us-east-1 with one planted item of every kind and their look-alikes; eu-west-1 with an idle NAT gateway
    and an idle address (no public list price for NAT gateways there: the saving must show as missing)."""
    from tests.waste.moto_account import Planter, now_utc

    now = now_utc()
    east = Planter("us-east-1", now).plant_all()
    west = Planter("eu-west-1", now)
    _, subnets = west.net()
    west.planted.waste["idle-nat-gateway"].add(west.nat(subnets[0], age_days=30, bytes_per_day=0.0))
    west.planted.waste["idle-ip"].add(west.c["ec2"].allocate_address(Domain="vpc")["AllocationId"])
    west.flush_metrics()
    return {"us-east-1": east, "eu-west-1": west.planted}


@pytest.fixture(scope="session")
def live_report(account: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One live scan of both regions (JSON), also saved as an inventory for the saved-inventory test."""
    saved = tmp_path_factory.mktemp("saved-inventory")
    code, out, err = run_cli("waste", "--region", "us-east-1", "--region", "eu-west-1", "--format", "json",
                             "--save-inventory", saved)
    assert code == 0, err
    report = json.loads(out)
    report["_saved"] = str(saved)
    report["_stderr"] = err
    return report
