"""The commitments job's plain-SQL path on the DuckDB store gives exactly what the Ibis path gives: the owner
labels (`allocate.labelled_sql` against `allocate.labelled`) and the whole `CommitmentsResult` (report, by-owner
figures, what-if), on every test bill and under allocation configs that use each kind of rule, tag and value."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import finguard.commands.billing_commitments as command
from finguard.billing.allocate import labelled, labelled_sql
from finguard.billing.config import AllocationConfig, BillingConfig
from finguard.billing.engine import DuckDBEngine
from finguard.billing.generate import GeneratorSpec, write
from finguard.billing.ingest import ingest
from finguard.billing.store import BillingStore

from ..conftest import FIXTURES, SHARED
from ._bills import hand_written

SAMPLE = SHARED / "billing" / "focus-1.0" / "focus_sample.csv"
FIXTURE = FIXTURES / "billing" / "jobs" / "commitments_focus.csv"
TEAM = {"tags": ["team", "owner", "business_unit", "Cost department"], "lowercase": True}
ENVIRONMENT = {"tags": ["environment", "env", "stage"],
               "values": {"production": ["prod", "prd", "live", "P*"], "development": ["dev"]}}
CONFIGS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "rules and globs": {
        "owner": "team", "dimensions": {"team": TEAM, "environment": ENVIRONMENT},
        "rules": [{"name": "oracle", "match": {"provider": "Oracle"}, "set": {"team": "platform"}},
                  {"name": "aks", "match": {"service": ["*Kubernetes*", "Amazon Elastic Container Service"]},
                   "set": {"team": "analytics"}},
                  {"name": "account", "match": {"account": ["222*", "111111111111"], "region": ["us-?ast-1"]},
                   "set": {"team": "shared", "environment": "production"}},
                  {"name": "tagged", "match": {"tags": {"env": ["P*", "live"], "team": ["*"]}},
                   "set": {"environment": "production"}},
                  {"name": "tag owner", "match": {"tags": {"application": ["*Edge", "NextBrainHub"]}},
                   "set": {"team": "edge"}}],
        "shared": [{"name": "networking", "match": {"service": ["*VPC*", "*Data Transfer*"]}},
                   {"name": "untagged", "match": {"unallocated": True}, "method": "even"}]},
    "tags first, a default, case kept": {
        "owner": "team", "precedence": "tags-first",
        "dimensions": {"team": {"tags": ["Team", "application"], "default": "nobody",
                                "values": {"web": ["WEB", "frontend"]}}},
        "rules": [{"name": "cloud", "match": {"provider": ["AWS", "Microsoft"], "charge_category": "Usage"},
                   "set": {"team": "cloud"}}]},
}


def _billed_everywhere(path: Path) -> Path:
    """The commitments fixture with a BilledCost on every row, covered ones too (exports bill those at 0), so a
    figure that mistook covered for on-demand usage would differ."""
    with FIXTURE.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for i, row in enumerate(rows):
        row["BilledCost"] = repr(float(row["EffectiveCost"]) + 0.1 * (i % 7 + 1))
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _store(root: Path, files: list[Path]) -> Path:
    with BillingStore(root / "billing.duckdb") as s:
        ingest(files, s, DuckDBEngine(s.con))
    return root / "billing.duckdb"


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("sql")
    daily = root / "daily.parquet"
    write(GeneratorSpec(seed=5, rows=3000, days=60, accounts=2, granularity="daily"), daily, "parquet")
    hourly = root / "hourly.parquet"
    write(GeneratorSpec(seed=7, rows=12_000, days=22, accounts=1, granularity="hourly"), hourly, "parquet")
    bills = {"daily": [daily], "hourly": [hourly], "fixture": [FIXTURE],
             "billed": [_billed_everywhere(root / "billed.csv")], "hand": [hand_written(root / "hand.csv")]}
    if SAMPLE.exists():
        bills["sample"] = [SAMPLE]
    out = {}
    for name, files in bills.items():
        (root / name).mkdir()
        out[name] = _store(root / name, files)
    return out


def _rows(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted(tuple(None if v != v else v for v in r) for r in rows)  # NaN (pandas' null) as None


@pytest.mark.parametrize("config", CONFIGS)
def test_labels_are_the_allocations(stores: dict[str, Path], config: str) -> None:
    allocation = AllocationConfig.model_validate(CONFIGS[config])
    dims = [f"alloc_{d}" for d in allocation.dimensions]
    for bill, path in stores.items():
        with BillingStore(path, create=False) as s:
            keys = ["x_SourceFile", "x_SourceRow", *dims]
            by_ibis = labelled(s.charges(DuckDBEngine(s)), allocation).select(*keys).to_pyarrow().to_pylist()
            sql = labelled_sql(s.duck, "SELECT * FROM charges WHERE \"BillingCurrency\" IS NOT NULL", allocation)
            by_sql = s.duck.execute(f"SELECT {', '.join(keys)} FROM ({sql})").fetchall()
            assert _rows(by_sql) == _rows([tuple(r.values()) for r in by_ibis]), (bill, config)


def _both(path: Path, config: BillingConfig, monkeypatch: pytest.MonkeyPatch, **kwargs: Any) -> tuple[Any, Any]:
    """compute() in SQL (the DuckDB engine's path) and in Ibis on the same store."""
    with BillingStore(path, create=False) as s:
        engine = DuckDBEngine(s)
        by_sql = command.compute(s, engine, config, **kwargs)
        with monkeypatch.context() as m:
            m.setattr(command, "_sql_queries", lambda store, cfg, currency, periods:
                      command._ibis_queries(store, engine, cfg, currency, periods))
            by_ibis = command.compute(s, engine, config, **kwargs)
    return by_sql, by_ibis


@pytest.mark.parametrize("config", CONFIGS)
def test_the_result_is_the_ibis_paths(stores: dict[str, Path], config: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = BillingConfig.model_validate({"allocation": CONFIGS[config]})
    for bill, path in stores.items():
        by_sql, by_ibis = _both(path, cfg, monkeypatch, periods=[])
        assert by_sql == by_ibis, (bill, config)
        if bill in ("daily", "hourly", "fixture", "billed"):
            assert by_sql is not None and by_sql.report.by_owner, bill
        if bill in ("daily", "hourly"):
            assert by_sql.recommendations, bill


@pytest.mark.parametrize(("bill", "kwargs"), [
    ("daily", {"periods": [date(2024, 2, 1)], "as_of": date(2024, 2, 14), "lookback_days": [7, 30, 1100]}),
    ("daily", {"periods": [], "commitment_type": "Reserved Instance", "target_coverage": 0.5}),
    ("fixture", {"periods": [], "commitment_type": "Reserved Instance", "lookback_days": [1, 2, 400]}),
    ("hourly", {"periods": [], "as_of": date(2023, 1, 1)}),  # before the data: no window
    ("daily", {"periods": [date(2023, 1, 1)]}),  # no rows: no report
])
def test_options_give_the_ibis_paths_result(stores: dict[str, Path], bill: str, kwargs: dict[str, Any],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = BillingConfig.model_validate({"allocation": CONFIGS["rules and globs"]})
    by_sql, by_ibis = _both(stores[bill], cfg, monkeypatch, **kwargs)
    assert by_sql == by_ibis


def test_the_sql_path_imports_neither_ibis_nor_pandas(stores: dict[str, Path], tmp_path: Path) -> None:
    import subprocess
    import sys

    shutil.copy(stores["daily"], tmp_path / "b.duckdb")
    (tmp_path / "finguard.yml").write_text("billing: {}\n", encoding="utf-8")
    code = ("import sys\nfrom finguard.cli import main\n"
            "try:\n    main(['billing', 'commitments', '--config', sys.argv[1], '--db', sys.argv[2], '--json'])\n"
            "except SystemExit as exc:\n    assert not exc.code, exc.code\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'ibis', 'pandas', 'pyarrow', 'sqlglot'}),"
            " file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "finguard.yml"), str(tmp_path / "b.duckdb")],
                          capture_output=True, text=True, check=True)
    assert done.stderr.strip().splitlines()[-1] == "[]"
