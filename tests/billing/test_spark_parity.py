"""The same billing jobs on PySpark (local[2]) and DuckDB give the same results.

One store per engine, filled by `finguard billing ingest --engine E` from the same files (the public FOCUS
sample when ../shared is there, generated data with bad rows, a hand-written file with tags in every spelling),
then `allocate` and `report`: the stored charges and rejects, the ingest reconciliation, the allocation and the
showback/coverage report must match row for row (floats to 1e-6: the engines sum in different orders).
"""

from __future__ import annotations

import json
import os
import shutil
from typing import Any

import pytest

from finguard.billing.generate import GeneratorSpec, write
from finguard.cli import main
from tests.billing._bills import hand_written as _hand_written
from tests.billing._compare import rounded
from tests.conftest import SHARED

SAMPLE = SHARED / "billing" / "focus-1.0" / "focus_sample.csv"

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(shutil.which("java") is None and not os.environ.get("JAVA_HOME"),
                       reason="PySpark needs Java 17+: no `java` on PATH and no JAVA_HOME"),
]
pytest.importorskip("pyspark", reason="the spark extra is not installed (pip install -e '.[spark]')")

CONFIG = """\
billing:
  allocation:
    owner: team
    precedence: rules-first
    dimensions:
      team: {tags: [team, owner, application], lowercase: true}
      environment: {tags: [env, environment], values: {production: [prod, prd]}}
    rules:
      - name: shared account
        match: {account: "222"}
        set: {team: platform}
      - name: tagged production
        match: {tags: {env: ["P*"]}}
        set: {environment: production}
    shared:
      - name: support
        match: {service: "*Support*"}
        method: proportional
      - name: untagged
        match: {unallocated: true}
        method: even
"""

@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    import duckdb

    work = tmp_path_factory.mktemp("parity")
    files = [_hand_written(work / "hand.csv")]
    write(GeneratorSpec(seed=3, rows=5_000, days=35, bad_rows=12), work / "generated.csv", "csv")
    files.append(work / "generated.csv")
    if SAMPLE.exists():
        files.append(SAMPLE)
    (work / "finguard.yml").write_text(CONFIG, encoding="utf-8")
    out: dict[str, dict[str, Any]] = {}
    for engine in ("duckdb", "spark"):
        db = work / f"{engine}.duckdb"
        common = ["--db", str(db), "--engine", engine, "--config", str(work / "finguard.yml")]
        out[engine] = {
            "ingest": _cli(["billing", "ingest", *map(str, files), *common, "--json"]),
            "allocate": _cli(["billing", "allocate", *common, "--json"]),
        }
        _cli(["billing", "report", *common, "--out", str(work / f"report-{engine}")])
        out[engine]["report"] = json.loads((work / f"report-{engine}" / "billing.json").read_text())
        con = duckdb.connect(str(db), read_only=True)
        order = "x_SourceFile, x_SourceRow"
        out[engine]["charges"] = con.execute(
            f"SELECT * EXCLUDE (x_IngestId) FROM charges ORDER BY {order}").fetchall()
        out[engine]["rejected"] = con.execute(
            f"SELECT * EXCLUDE (x_IngestId) FROM rejected_rows ORDER BY {order}, code").fetchall()
        out[engine]["daily"] = con.execute(
            "SELECT * FROM allocated_daily ORDER BY ALL").fetchall()
        con.close()
    return out


def _cli(args: list[str]) -> Any:
    """Run the CLI in-process (the Spark session is shared between runs) and parse --json output."""
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        try:
            main(args)
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
    text = buffer.getvalue()
    assert code == 0, f"{args}: exit {code}\n{text}"
    return json.loads(text) if "--json" in args else text


def _without(d: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in keys}


def test_ingest_reconciliation_is_the_same(runs: dict[str, dict[str, Any]]) -> None:
    duck, spark = (_without(runs[e]["ingest"], "ingest_id", "engine", "store") for e in ("duckdb", "spark"))
    assert rounded(duck) == rounded(spark)
    assert sum(f["rows_rejected"] for f in duck["files"]) >= 14  # the generator's 12 and the file's 2


def test_stored_charges_and_rejects_are_the_same(runs: dict[str, dict[str, Any]]) -> None:
    assert len(runs["duckdb"]["charges"]) == len(runs["spark"]["charges"]) > 5_000
    assert rounded(runs["duckdb"]["charges"]) == rounded(runs["spark"]["charges"])
    assert rounded(runs["duckdb"]["rejected"]) == rounded(runs["spark"]["rejected"])


def test_allocation_and_report_are_the_same(runs: dict[str, dict[str, Any]]) -> None:
    assert rounded(runs["duckdb"]["allocate"]) == rounded(runs["spark"]["allocate"])
    assert rounded(runs["duckdb"]["daily"]) == rounded(runs["spark"]["daily"])
    duck, spark = (_without(runs[e]["report"], "generated_at") for e in ("duckdb", "spark"))
    assert rounded(duck) == rounded(spark)
    assert all(abs(p["difference"]) < 1e-6 for p in runs["spark"]["allocate"]["periods"])
