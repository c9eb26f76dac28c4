"""examples/billing/finguard.yml runs the whole scheduled job on the public FOCUS sample, as the README says."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from finguard.cli import main
from tests.conftest import SHARED, needs_shared

EXAMPLE = Path(__file__).parents[2] / "examples" / "billing" / "finguard.yml"
SAMPLE = SHARED / "billing" / "focus-1.0" / "focus_sample.csv"


def _run(*args: str) -> int:
    try:
        main(list(args))
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


@needs_shared
def test_example_report_on_the_focus_sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(EXAMPLE, tmp_path / "finguard.yml")
    monkeypatch.chdir(tmp_path)
    assert _run("billing", "ingest", str(SAMPLE)) == 0
    assert "rows read 1,000 = accepted 1,000 + rejected 0; BilledCost read 20.52 USD" in capsys.readouterr().out
    assert _run("billing", "report", "--out", "report", "--fail-on-over") == 0
    out = capsys.readouterr().out
    assert "billed 20.52 USD" in out and "sections: budgets, anomalies, forecast, commitments" in out
    report = json.loads((tmp_path / "report" / "billing.json").read_text())
    periods = report["showback"]["periods"]
    assert sum(p["billed"] for p in periods) == pytest.approx(20.52, abs=0.005)
    assert all(abs(p["difference"]) < 1e-6 for p in periods)
    owners = {o["owner"] for o in report["showback"]["owners"]}
    assert {"platform", "analytics", "peoriadata"} <= owners  # a rule, a rule, and a tag alias (business_unit)
    html = (tmp_path / "report" / "billing.html").read_text()
    assert html.count("<svg") >= 6 and "Budgets" in html and "Commitments" in html
    # 273 owners, most of them cents a month: the small ones are one "(other)" series, not a model each
    forecast = json.loads((tmp_path / "report" / "forecast.json").read_text())
    assert (forecast["schema"], forecast["version"]) == ("finguard/billing-forecast", 2)
    other = next(f for f in forecast["forecasts"] if f["key"].get("owner") == "(other)")
    assert other["rollup"]["series"] > 200 and len(forecast["forecasts"]) < 40
    assert (tmp_path / "report" / "forecast.json").stat().st_size < 500_000  # was 9 MB
    budgets = json.loads((tmp_path / "report" / "budgets.json").read_text())
    assert {b["name"] for b in budgets["results"]} == {"all AWS", "production"}
