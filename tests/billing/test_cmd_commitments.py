"""`finguard billing commitments` through the CLI on real DuckDB stores of generated data: the generator's truth
to the last digit, the what-if, the files --out writes, data without commitments, the real FOCUS sample, and bad
input as one line with exit 2."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest

from finguard.billing.engine import DuckDBEngine
from finguard.billing.generate import GeneratorSpec, GroundTruth, write
from finguard.billing.ingest import ingest
from finguard.billing.store import BillingStore
from finguard.config import load_config
from tests.conftest import SHARED, needs_shared
from tests.test_cli import run

SAMPLE = SHARED / "billing" / "focus-1.0" / "focus_sample.csv"
SPEC = GeneratorSpec(seed=5, rows=3000, days=60, accounts=2, granularity="daily")  # 2024-01 and 2024-02
CONFIG = "billing:\n  allocation:\n    dimensions:\n      team: {tags: [team, owner], lowercase: true}\n"
# sums that do not depend on which usage counts as eligible: equal to the truth's, not merely within a cent
EXACT = ("fee", "used_effective_cost", "unused_cost", "covered_list_cost")


def _store(root: Path, spec: GeneratorSpec) -> tuple[Path, GroundTruth]:
    root.mkdir(parents=True, exist_ok=True)
    truth = write(spec, root / "data.parquet", "parquet")
    (root / "finguard.yml").write_text(CONFIG + f"  db: {root / 'billing.duckdb'}\n", encoding="utf-8")
    with BillingStore(root / "billing.duckdb") as s:
        ingest([root / "data.parquet"], s, DuckDBEngine(s.con))
    return root / "finguard.yml", truth


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    return _store(tmp_path_factory.mktemp("commitments"), SPEC)


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of the same kind of data without any Savings Plan or reserved instance."""
    return _store(tmp_path_factory.mktemp("plain"), SPEC.model_copy(update={"commitments": False}))[0]


def _json(capsys: pytest.CaptureFixture[str], config: Path, *args: str) -> dict:
    code, out, err = run(capsys, "billing", "commitments", "--config", str(config), "--json", *args)
    assert code == 0, err
    return json.loads(out)


def test_figures_equal_the_generators_truth(store: tuple[Path, GroundTruth],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    config, truth = store
    result = _json(capsys, config)
    report = result["report"]
    assert (result["currency"], result["owner_dimension"], report["periods"]) == \
        ("USD", "team", ["2024-01-01", "2024-02-01"])
    got = {c["id"]: c for c in report["commitments"]}
    assert set(got) == {c.id for c in truth.commitments}
    for want in truth.commitments:
        c = got[want.id]
        for field in EXACT:
            assert c[field] == getattr(want, field), (want.type, field)
        assert c["utilisation"] == pytest.approx(want.utilisation, abs=1e-12)
        assert c["hourly_commitment"] == pytest.approx(want.hourly_commitment, abs=1e-12)
        assert c["discount"] == pytest.approx(want.discount, abs=1e-12) and c["hours"] == 60 * 24
        for mine, theirs in zip(c["periods"], want.periods, strict=True):
            assert mine["period"] == f"{theirs.period}"
            assert (mine["used_effective_cost"], mine["unused_cost"]) == \
                (theirs.used_effective_cost, theirs.unused_cost)
        # the owners' lines add up to the commitment (unused rows stay with whoever they are billed to)
        lines = [o for o in report["by_owner"] if o["commitment_id"] == want.id]
        assert sum(o["covered_list_cost"] for o in lines) == pytest.approx(c["covered_list_cost"], abs=1e-9)
        assert sum(o["unused_cost"] for o in lines) == pytest.approx(c["unused_cost"], abs=1e-9)
    sp = next(c for c in truth.commitments if c.type == "Savings Plan")
    ri = next(c for c in truth.commitments if c.type == "Reserved Instance")
    # the default RI rule (same service and SKU as its Used rows) is the generator's filter: coverage to 1e-12;
    # the default Savings Plan rule covers Lambda and Fargate too, so more is eligible than the truth's EC2 only
    assert got[ri.id]["coverage"] == pytest.approx(ri.coverage, abs=1e-12)
    assert got[ri.id]["eligible_list_cost"] == ri.eligible_list_cost
    assert got[sp.id]["eligible_list_cost"] > sp.eligible_list_cost and got[sp.id]["coverage"] < sp.coverage
    assert {o["owner"] for o in report["by_owner"]} >= {"(unallocated)", *truth.periods[0].by_tag_team} - {"mobile"}


def test_what_if_per_lookback(store: tuple[Path, GroundTruth], capsys: pytest.CaptureFixture[str]) -> None:
    config, truth = store
    sp = next(c for c in truth.commitments if c.type == "Savings Plan")
    result = _json(capsys, config)
    assert (result["commitment_type"], result["target_coverage"], result["lookback_days"]) == \
        ("Savings Plan", 0.8, [30, 60, 90])
    recs = result["recommendations"]
    assert [r["lookback_days"] for r in recs] == [30, 60, 90] and result["notes"] == []
    # windows end with the data (2024-03-01 00:00); 90 days are clipped to the 60 there are
    assert [r["hours"] for r in recs] == [720, 1440, 1440] and recs[0]["window_start"] == "2024-01-31T00:00:00"
    for r in recs:
        assert r["discount"] == pytest.approx(sp.discount, abs=1e-12) and r["discount_source"] == "observed"
        assert r["break_even_utilisation"] == pytest.approx(1 - sp.discount, abs=1e-12)
        assert r["current_hourly_commitment"] == pytest.approx(sp.hourly_commitment, abs=1e-9)
        assert r["expected_coverage"] == pytest.approx(0.8, abs=1e-9)
        assert r["hourly_commitment"] == pytest.approx(r["list_level"] * (1 - sp.discount), abs=1e-12)
        assert r["additional_hourly_commitment"] == pytest.approx(r["hourly_commitment"] - sp.hourly_commitment)
    ri = next(c for c in truth.commitments if c.type == "Reserved Instance")
    (rec,) = _json(capsys, config, "--lookback", "14", "--target-coverage", "50", "--type",
                   "Reserved Instance")["recommendations"]
    assert (rec["commitment_type"], rec["hours"], rec["target_coverage"]) == ("Reserved Instance", 336, 0.5)
    assert rec["discount"] == pytest.approx(ri.discount, abs=1e-12) and rec["expected_coverage"] == pytest.approx(0.5)


def test_text_and_out_files(store: tuple[Path, GroundTruth], tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    config, truth = store
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "billing", "commitments", "--config", str(config), "--out", str(out))
    assert code == 0, err
    sp = next(c for c in truth.commitments if c.type == "Savings Plan")
    lines = stdout.splitlines()
    assert lines[0].startswith("commitments: 2 commitments in 2024-01 to 2024-02 (USD): utilisation ")
    assert f"  Savings Plan {sp.name}: utilisation {100 * sp.utilisation:.1f}%" in stdout
    assert "what-if: Savings Plan at 80% coverage" in stdout and "  30 days: commit $" in stdout
    assert f"wrote commitments.md, commitments.json, commitments.html and 4 CSV file(s) to {out}" in stdout
    assert sorted(p.name for p in out.iterdir()) == [
        "commitments.csv", "commitments.html", "commitments.json", "commitments.md", "commitments_by_owner.csv",
        "commitments_by_type.csv", "commitments_whatif.csv"]
    md = (out / "commitments.md").read_text()
    assert md.startswith("## Commitments\n") and "### What-if" in md
    assert f"| Savings Plan | {100 * sp.utilisation:.1f}% |" in md
    html = (out / "commitments.html").read_text()
    assert html.count("<svg") == 3 and "<script" not in html and 'id="commitments-whatif"' in html
    # utilisation 89.8% (SP, amber: above break-even 72%) and 75.0% (RI, amber: above 65%); coverage vs target
    assert html.count('class="bar bar-warn"') >= 2 and 'class="bar bar-bad"' in html
    with (out / "commitments_whatif.csv").open() as fh:
        whatif = list(csv.DictReader(fh))
    assert [r["lookback_days"] for r in whatif] == ["30", "60", "90"]
    with (out / "commitments.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    total = next(r for r in rows if r["id"] == sp.id and r["period"] == "all")
    assert float(total["unused_cost"]) == sp.unused_cost and len(rows) == 2 * 3  # total + 2 periods each


def test_no_commitments_says_so_and_exits_0(plain: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "billing", "commitments", "--config", str(plain))
    assert (code, out) == (0, "commitments: no commitment discounts in the billing data (no rows with a "
                              "CommitmentDiscountId): nothing to report\n")
    code, out, err = run(capsys, "billing", "commitments", "--config", str(plain), "--json")
    assert (code, out) == (0, "null\n") and "no commitment discounts" in err


def test_the_combined_report_runs_compute(store: tuple[Path, GroundTruth], plain: Path) -> None:
    """`billing report` calls compute() with what it has; None (section skipped) without commitment rows."""
    from finguard.billing.commitments import CommitmentsResult
    from finguard.commands.billing_report import JOBS, _job_results

    results = {}
    for name, config in (("store", store[0]), ("plain", plain)):
        cfg = load_config(config).billing
        with BillingStore(config.parent / "billing.duckdb", create=False) as s:
            results[name] = _job_results(s, DuckDBEngine(s.con), cfg, set(JOBS) - {"commitments"},
                                         periods=[date(2024, 2, 1)], currency="USD", as_of=date(2024, 2, 14),
                                         config_path=config, estimate=None)["commitments"]
    assert isinstance(results["store"], CommitmentsResult) and results["plain"] is None
    assert results["store"].report.periods == [date(2024, 2, 1)]
    assert results["store"].recommendations[0].window_end.date() == date(2024, 2, 15)  # the end of as_of


@pytest.mark.parametrize(("args", "message"), [
    (["--target-coverage", "150"], "--target-coverage 150: give a percent from 1 to 100 (e.g. 80)"),
    (["--target-coverage", "0.8"], "--target-coverage 0.8: give a percent from 1 to 100"),
    (["--lookback", "0"], "--lookback 0: give 1 to 1100 days"),
    (["--type", "Capacity Reservation"], "commitment type 'Capacity Reservation' is neither in the data nor a "
                                         "known type; use one of: Reserved Instance, Savings Plan"),
    (["--currency", "EUR"], "no charges in EUR; the store holds USD"),
    (["--db", "{tmp}/missing.duckdb"], "no billing store here yet"),
])
def test_bad_input_is_one_line_and_exit_2(store: tuple[Path, GroundTruth], tmp_path: Path, args: list[str],
                                          message: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "billing", "commitments", "--config", str(store[0]),
                         *[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert code == 2 and out == ""
    assert err.startswith("finguard: error: ") and message in err and err.count("\n") == 1, err


@needs_shared
def test_focus_sample(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with BillingStore(tmp_path / "s.duckdb") as s:
        ingest([SAMPLE], s, DuckDBEngine(s.con))
    (tmp_path / "finguard.yml").write_text("billing: {}\n", encoding="utf-8")
    code, out, err = run(capsys, "billing", "commitments", "--config", str(tmp_path / "finguard.yml"), "--db",
                         str(tmp_path / "s.duckdb"), "--out", str(tmp_path / "out"))
    assert code == 0, err
    lines = out.splitlines()
    # two Savings Plans whose Used rows have EffectiveCost 0 (anonymised): utilisation 0/0 is n/a, and no
    # discount can be observed to price a what-if: said in one line, not a crash
    assert lines[0] == ("commitments: 2 commitments in 2024-09 (USD): utilisation n/a, unused commitment $0.00; "
                        "per-owner figures by team.")
    assert sum(line.startswith("  Savings Plan arn:aws:savingsplans::") for line in lines) == 2
    assert "  coverage per type: Savings Plan 0.7% of $19.79 eligible" in lines
    assert lines[-2].startswith("note: no what-if over 30, 60, 90 days: the Savings Plan rows it covered show no "
                                "discount")
    html = (tmp_path / "out" / "commitments.html").read_text()
    assert "<svg" in html and "no what-if over 30, 60, 90 days" in html


def test_sections_escape_names(store: tuple[Path, GroundTruth], capsys: pytest.CaptureFixture[str]) -> None:
    """Commitment names and owners come from the bill: HTML-escaped in the page, pipe-escaped in Markdown."""
    from finguard.billing.commitments import CommitmentsResult
    from finguard.report.sections import section

    data = _json(capsys, store[0])
    data["report"]["commitments"][0]["name"] = "<script>alert(1)</script>|x"
    data["report"]["by_owner"][0]["owner"] = "<img src=x onerror=alert(2)>"
    result = CommitmentsResult.model_validate(data)
    sec = section("commitments")
    html = sec.html(result, "USD")
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;|x" in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "<script>alert(1)</script>\\|x" in sec.markdown(result, "USD")


def test_large_bills_are_read_in_place_with_the_same_figures(store: tuple[Path, GroundTruth],
                                                             capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Past STASH_MAX_ROWS the charges are not copied into temporary tables (on 10 million rows the copy cost
    more than the job): the report and the what-if are the same either way."""
    import finguard.commands.billing_commitments as command

    config, _ = store
    copied = _json(capsys, config)
    monkeypatch.setattr(command, "STASH_MAX_ROWS", 0)
    calls: list[object] = []
    monkeypatch.setattr(DuckDBEngine, "stash", lambda self, expr: calls.append(expr) or expr)
    in_place = _json(capsys, config)
    assert calls == [] and in_place == copied
