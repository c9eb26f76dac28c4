"""The billing store both ways: `--to-billing DB` writes the allocation as FOCUS rows through the store's ingest
(so `billing allocate` and `billing budgets` see namespaces and teams), and `--db DB` prices nodes at the cost
the bill shows for their instance ids."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.k8s import cluster as k
from tests.k8s.conftest import EXPECTED_NAMESPACES, small_cluster_items
from tests.test_cli import run

CONFIG = """\
k8s:
  cluster: demo
  cost_weights: {cpu: 1.0, memory_gib: 0.25, gpu: 4.0}
  prices: {test.a: 1.0, test.gpu: 3.0}
  spot_discount: 0.5
  lookback_hours: 2
  labels: [app]
billing:
  allocation:
    owner: team
  budgets:
    budgets:
      - name: data team
        amount: 100
        owner: data
"""


def _sql(db: Path, query: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


@pytest.fixture()
def setup(tmp_path: Path) -> tuple[Path, Path]:
    """The small cluster of conftest.py, with its usage saved as Prometheus answered (values at each hour's end)."""
    (tmp_path / "finguard.yml").write_text(CONFIG, encoding="utf-8")
    k.write_snapshot(tmp_path / "snaps", "2024-09-01T02-00-00Z", *small_cluster_items())
    one, two = 1725152400, 1725156000  # 01:00 and 02:00: the ends of windows 00-01 and 01-02
    usage = tmp_path / "usage"
    usage.mkdir()
    (usage / "cpu.json").write_text(json.dumps(k.prometheus_matrix(
        {("shop", "p1"): [(one, 2)], ("shop", "p4"): [(one, 3), (two, 3)]})), encoding="utf-8")
    (usage / "memory.json").write_text(json.dumps(k.prometheus_matrix({("shop", "p1"): [(one, 2 * 2**30)]})),
                                       encoding="utf-8")
    return tmp_path / "finguard.yml", tmp_path / "snaps"


def test_to_billing_round_trip_and_billing_jobs(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                               setup: tuple[Path, Path]) -> None:
    config, snaps = setup
    db = tmp_path / "billing.duckdb"
    code, out, err = run(capsys, "k8s", "allocate", str(snaps), "--config", str(config), "--to-billing", str(db),
                         "--usage", str(tmp_path / "usage"), "--format", "json")
    assert code == 0, err
    assert "BilledCost read 9.00 USD = accepted 9.00 + rejected 0.00" in err  # the ingest's own reconciliation
    assert json.loads(out)["reconciliation"]["node_cost"] == pytest.approx(9.0)
    by_namespace = dict(_sql(db, "SELECT SubAccountId, sum(BilledCost) FROM charges GROUP BY 1"))
    assert by_namespace == pytest.approx(EXPECTED_NAMESPACES)
    tags = {json.loads(t)["namespace"]: json.loads(t) for (t,) in _sql(db, "SELECT DISTINCT Tags FROM charges")}
    assert tags["shop"]["team"] == "web" and tags["shop"]["app"] == "shop" and tags["shop"]["k8s-cluster"] == "demo"
    assert tags["shop"]["controller"] == "Deployment/shop-web" and "team" not in tags["__idle__"]
    assert _sql(db, "SELECT DISTINCT ProviderName, BillingAccountId, ServiceName FROM charges") == \
        [("Kubernetes", "demo", "Kubernetes")]
    spot = _sql(db, "SELECT sum(BilledCost) FROM charges WHERE PricingCategory = 'Dynamic'")[0][0]
    assert spot == pytest.approx(1.0)

    # the billing jobs read it like any bill: owners from the team tag, the rest unallocated
    code, out, err = run(capsys, "billing", "allocate", "--db", str(db), "--config", str(config), "--json")
    assert code == 0, err
    period = json.loads(out)["periods"][0]
    assert period["billed"] == pytest.approx(9.0) and period["unallocated"] == pytest.approx(0.1875 + 4.928125)
    owners = dict(_sql(db, "SELECT owner, sum(cost) FROM allocated_daily GROUP BY 1"))
    assert owners["web"] == pytest.approx(0.9875) and owners["data"] == pytest.approx(0.234375 + 2.6625)
    code, out, err = run(capsys, "billing", "budgets", "--db", str(db), "--config", str(config), "--json")
    assert code == 0, err
    budget = json.loads(out)["results"][0]
    assert budget["name"] == "data team" and budget["actual"] == pytest.approx(2.896875)

    # the same time again replaces it; a later time adds to the month
    code, _, err = run(capsys, "k8s", "allocate", str(snaps), "--config", str(config), "--to-billing", str(db),
                       "--usage", str(tmp_path / "usage"))
    assert code == 0, err
    assert _sql(db, "SELECT sum(BilledCost) FROM charges")[0][0] == pytest.approx(9.0)
    later = tmp_path / "later"
    k.write_snapshot(later, "2024-09-01T04-00-00Z", *small_cluster_items())
    code, _, err = run(capsys, "k8s", "allocate", str(later), "--config", str(config), "--to-billing", str(db))
    assert code == 0, err
    assert _sql(db, "SELECT sum(BilledCost) FROM charges")[0][0] == pytest.approx(18.0)
    first, last = _sql(db, "SELECT min(ChargePeriodStart), max(ChargePeriodEnd) FROM charges")[0]
    assert (first.isoformat(), last.isoformat()) == ("2024-09-01T00:00:00", "2024-09-01T04:00:00")


def test_nodes_priced_from_the_bill(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                    setup: tuple[Path, Path]) -> None:
    """node-a's instance is billed 1.60 an hour (hourly CUR-style rows under its ARN): that price wins over the
    configured one; node-g is billed in one daily row without hours (cost per charged hour); node-s not at all."""
    config, snaps = setup
    items = {i["metadata"]["name"]: i for i in small_cluster_items() if i["kind"] == "Node"}
    node_a = items["node-a"]["spec"]["providerID"].rsplit("/", 1)[-1]
    node_g = items["node-g"]["spec"]["providerID"].rsplit("/", 1)[-1]
    header = ("BilledCost,EffectiveCost,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,"
              "ChargePeriodEnd,ChargeCategory,ProviderName,BillingAccountId,ResourceId,ConsumedQuantity,ConsumedUnit\n")
    rows = [f"1.6,1.6,USD,2024-09-01,2024-10-01,2024-09-01T0{h}:00:00,2024-09-01T0{h + 1}:00:00,Usage,AWS,111,"
            f"arn:aws:ec2:us-east-1:111:instance/{node_a},1,Hrs\n" for h in range(2)]
    rows.append(f"2.4,2.4,USD,2024-09-01,2024-10-01,2024-09-01T00:00:00,2024-09-02T00:00:00,Usage,AWS,111,{node_g},,\n")
    (tmp_path / "bill.csv").write_text(header + "".join(rows), encoding="utf-8")
    db = tmp_path / "bill.duckdb"
    code, _, err = run(capsys, "billing", "ingest", str(tmp_path / "bill.csv"), "--db", str(db))
    assert code == 0, err
    code, out, err = run(capsys, "k8s", "allocate", str(snaps), "--config", str(config), "--db", str(db),
                         "--format", "json")
    assert code == 0, err
    nodes = {n["name"]: n for n in json.loads(out)["nodes"]}
    assert nodes["node-a"]["hourly_price"] == pytest.approx(1.6) and nodes["node-a"]["price_source"] == "billing"
    assert nodes["node-g"]["hourly_price"] == pytest.approx(0.1) and nodes["node-g"]["price_source"] == "billing"
    assert nodes["node-s"]["price_source"] == "config"
    assert json.loads(out)["totals"]["node_cost"] == pytest.approx(2 * 1.6 + 2 * 0.1 + 2 * 0.5)
