"""Allocation: rules and tags in precedence, aliases and value normalisation, shared pools, reconciliation."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from finguard.billing.allocate import allocate, glob_regex, pool_notes, reconcile
from finguard.billing.config import UNALLOCATED, AllocationConfig
from finguard.billing.engine import DuckDBEngine
from finguard.billing.generate import GeneratorSpec, write
from finguard.billing.ingest import ingest
from finguard.billing.store import BillingStore
from finguard.config import load_config
from finguard.errors import InputError

HEADER = ("BilledCost,EffectiveCost,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,"
          "ChargePeriodEnd,ChargeCategory,ProviderName,BillingAccountId,SubAccountId,ServiceName,ResourceId,Tags\n")
# cost, account, service, resource, tags
CHARGES = [
    (60, "111", "EC2", "i-1", '{"team": "web", "env": "Prod"}'),
    (30, "111", "EC2", "i-2", '{"Team": "Data", "environment": "prd"}'),
    (10, "222", "S3", "b-1", ""),  # untagged, in the platform account
    (5, "333", "S3", "b-2", ""),  # untagged, nobody's account
    (20, "111", "AWS Support (Business)", "", ""),
]


@pytest.fixture()
def store(tmp_path: Path):
    rows = "".join(f'{c},{c},USD,2024-09-01,2024-10-01,2024-09-03,2024-09-04,Usage,AWS,900,{a},{s},{r},"'
                   + t.replace('"', '""') + '"\n' for c, a, s, r, t in CHARGES)
    path = tmp_path / "c.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    with BillingStore(tmp_path / "b.duckdb") as s:
        ingest([path], s, DuckDBEngine(s.con))
        yield s


def _by_owner(store: BillingStore, config: dict) -> tuple[dict[str, float], list]:
    cfg = AllocationConfig.model_validate(config)
    daily, rows = allocate(store.charges(DuckDBEngine(store.con)), cfg)
    df = daily.group_by("owner").agg(c=daily.cost.sum()).to_pandas()
    periods = reconcile(daily, rows)
    assert all(p.balanced for p in periods)
    return {r.owner: round(float(r.c), 6) for r in df.itertuples()}, pool_notes(daily)


BASE = {"dimensions": {"team": {"tags": ["team"], "lowercase": True},
                       "environment": {"tags": ["env", "environment"], "values": {"production": ["prod", "prd"]}}}}


def test_tags_with_aliases_and_case_folding(store):
    owners, _ = _by_owner(store, BASE)
    assert owners == {"web": 60.0, "data": 30.0, UNALLOCATED: 35.0}


def test_environment_values_are_normalised(store):
    cfg = AllocationConfig.model_validate({**BASE, "owner": "environment"})
    daily, _ = allocate(store.charges(DuckDBEngine(store.con)), cfg)
    df = daily.group_by("owner").agg(c=daily.cost.sum()).to_pandas()
    assert dict(zip(df.owner, df.c, strict=True)) == {"production": 90.0, UNALLOCATED: 35.0}


def test_rules_take_precedence_over_tags_unless_told_otherwise(store):
    rules = [{"name": "platform account", "match": {"account": "222"}, "set": {"team": "platform"}},
             {"name": "ec2 is compute", "match": {"service": "EC2", "resource_id": "i-2"}, "set": {"team": "compute"}}]
    owners, _ = _by_owner(store, {**BASE, "rules": rules})
    assert owners == {"web": 60.0, "compute": 30.0, "platform": 10.0, UNALLOCATED: 25.0}
    owners, _ = _by_owner(store, {**BASE, "rules": rules, "precedence": "tags-first"})
    assert owners == {"web": 60.0, "data": 30.0, "platform": 10.0, UNALLOCATED: 25.0}


def test_shared_pools_proportional_even_and_fixed(store):
    support = {"name": "support", "match": {"service": "AWS Support*"}}
    untagged = {"name": "untagged", "match": {"unallocated": True}}
    owners, notes = _by_owner(store, {**BASE, "shared": [support, untagged]})
    # 35 untagged (incl. support's 20 would be untagged too, but support matches first) -> 15 untagged
    assert owners == {"web": pytest.approx(60 + 20 * 2 / 3 + 15 * 2 / 3), "data": pytest.approx(30 + 20 / 3 + 5)}
    assert {n.pool for n in notes} == {"support", "untagged"}
    owners, _ = _by_owner(store, {**BASE, "shared": [{**support, "method": "even"}]})
    assert owners == {"web": 70.0, "data": 40.0, UNALLOCATED: 15.0}
    fixed = {**support, "method": "fixed", "weights": {"web": 25, "data": 25, "finance": 50}}
    owners, _ = _by_owner(store, {**BASE, "shared": [fixed]})
    assert owners == {"web": 65.0, "data": 35.0, "finance": 10.0, UNALLOCATED: 15.0}


def test_rules_and_pools_can_match_tags(store):
    """Tag conditions are worked out per distinct tag set and joined back: rules, pools and the per-charge labels
    must still agree with what each charge's own tags say."""
    rules = [{"name": "prod is frontend's", "match": {"tags": {"env": ["P*"]}}, "set": {"team": "frontend"}}]
    shared = [{"name": "tagged environment", "match": {"tags": {"environment": "*"}}, "method": "even"}]
    owners, notes = _by_owner(store, {**BASE, "rules": rules, "shared": shared})
    # i-1 (60, env Prod) -> frontend by the rule; i-2 (30, `environment` tag) -> the pool, split among frontend
    assert owners == {"frontend": 90.0, UNALLOCATED: 35.0}
    assert [n.pool for n in notes] == ["tagged environment"]
    cfg = AllocationConfig.model_validate({**BASE, "rules": rules, "shared": shared})
    _, rows = allocate(store.charges(DuckDBEngine(store.con)), cfg)
    labels = rows.select("ResourceId", "owner", "pool").to_pyarrow().to_pylist()
    assert sorted((r["ResourceId"] or "", r["owner"], r["pool"]) for r in labels) == [
        ("", None, None), ("b-1", None, None), ("b-2", None, None), ("i-1", "frontend", None),
        ("i-2", "data", "tagged environment")]


def test_pool_with_nobody_to_split_among_stays_unallocated_and_says_so(store):
    owners, notes = _by_owner(store, {**BASE, "shared": [{"name": "s", "match": {"service": "AWS Support*"},
                                                          "among": ["nobody"]}]})
    assert owners[UNALLOCATED] == 35.0
    assert "not split" in notes[0].note


def _day(value: object) -> date:
    return value.date() if isinstance(value, datetime) else value  # type: ignore[return-value]


def test_generated_data_allocates_exactly_as_the_truth(tmp_path):
    data = tmp_path / "g.parquet"
    truth = write(GeneratorSpec(seed=7, rows=30_000, days=45), data, "parquet")
    rules = [{"name": f"account {a.id}", "match": {"account": a.id}, "set": {"team": a.owner}}
             for a in truth.accounts if a.owner]
    cfg = AllocationConfig.model_validate({"precedence": "tags-first", "rules": rules, "dimensions": {
        "team": {"tags": ["team", "owner"], "lowercase": True}}})
    with BillingStore(tmp_path / "b.duckdb") as s:
        ingest([data], s, DuckDBEngine(s.con))
        daily, rows = allocate(s.charges(DuckDBEngine(s.con)), cfg)
        got = daily.group_by("billing_period", "owner").agg(c=daily.cost.sum()).to_pandas()
        assert all(p.balanced for p in reconcile(daily, rows))
    got_map = {(_day(r.billing_period), r.owner): float(r.c) for r in got.itertuples()}
    for period in truth.periods:
        for team, costs in period.by_team.items():
            assert got_map[(period.period, team)] == pytest.approx(costs.billed_cost, abs=1e-6)
        assert got_map.get((period.period, UNALLOCATED), 0.0) == pytest.approx(period.unallocated.billed_cost,
                                                                               abs=1e-6)


def test_config_errors_name_the_key(tmp_path):
    path = tmp_path / "finguard.yml"
    path.write_text("billing:\n  allocation:\n    shared:\n      - name: x\n        match: {service: S}\n"
                    "        method: fixed\n        weights: {a: 60, b: 30}\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_config(path)
    assert "sum to 100" in str(err.value) and "billing.allocation.shared" in str(err.value)
    path.write_text("billing:\n  allocation:\n    rules:\n      - name: r\n        match: {acount: x}\n"
                    "        set: {team: a}\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_config(path)
    assert "acount" in str(err.value) and "account" in str(err.value)


def test_glob_regex_escapes_everything_but_wildcards():
    assert glob_regex("arn:aws:s3:::logs-*") == "^arn:aws:s3:\\:\\:logs-.*$".replace("\\:", ":")
    assert glob_regex("a.b?") == "^a\\.b.$"
