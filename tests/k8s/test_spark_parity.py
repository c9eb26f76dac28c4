"""The same allocation on PySpark (local[2]) and on DuckDB gives the same report and the same billing rows.

The hand-computed small cluster (conftest.py) with every sharing path on: groupings, node figures,
reconciliation and the daily FOCUS rows of --to-billing must match (floats to 1e-6: the engines sum in
different orders). Kept to one allocation per engine: Spark plans each query in seconds."""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest

from tests.billing._compare import rounded
from tests.k8s.conftest import EXPECTED_NAMESPACES, allocate_small

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(shutil.which("java") is None and not os.environ.get("JAVA_HOME"),
                       reason="PySpark needs Java 17+: no `java` on PATH and no JAVA_HOME"),
]
pytest.importorskip("pyspark", reason="the spark extra is not installed (pip install -e '.[spark]')")

# every sharing path at once (idle shared across the cluster, kube-system split evenly per namespace): the
# default path is the same code with the factors at zero
SHARED: dict[str, Any] = {"idle": "share-by-cluster", "shared_namespaces": ["kube-system"], "shared_split": "even"}


def _run(engine: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    from finguard.k8s.to_billing import focus_rows

    captured: dict[str, Any] = {}

    def keep_rows(engine_obj: Any, allocated: Any) -> None:
        captured["rows"] = sorted(focus_rows(engine_obj, allocated), key=lambda r: tuple(map(str, r.values())))

    report = allocate_small(engine, after=keep_rows, **SHARED)
    return report.model_dump(mode="json", exclude={"engine"}), captured["rows"]


def test_duckdb_and_spark_agree() -> None:
    duck, duck_rows = _run("duckdb")
    spark, spark_rows = _run("spark")
    assert rounded(duck) == rounded(spark)
    assert rounded(duck_rows) == rounded(spark_rows) and len(duck_rows) >= 4
    totals = {r["name"]: r["total"] for r in spark["groupings"][0]["rows"]}
    assert totals["__idle__"] == 0.0 and totals["kube-system"] == 0.0
    assert sum(totals.values()) == pytest.approx(sum(EXPECTED_NAMESPACES.values()), abs=1e-5)
    assert spark["reconciliation"]["max_window_difference"] < 1e-9
