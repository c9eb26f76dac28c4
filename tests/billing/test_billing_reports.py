"""The billing report formats (Markdown, JSON, CSV, HTML) on the hand-made charges of test_showback, the HTML
page in headless Chromium, and the SVG chart helpers."""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from pathlib import Path

import pytest

from finguard.billing.config import UNALLOCATED
from finguard.billing.showback import build_showback
from finguard.report import billing_csv, billing_html, billing_json, billing_markdown, charts
from finguard.report._billing import SCHEMA, BillingReport, build_report, compact_money, difference, money

from .test_coverage import coverage
from .test_showback import allocated, showback


@pytest.fixture(scope="module")
def report() -> BillingReport:
    return build_report(showback(), coverage())


def _empty_report() -> BillingReport:
    daily, rows, cfg = allocated()
    nothing = daily.filter(daily.cost > 1e9)
    return build_report(build_showback(nothing, rows=rows.filter(rows.cost > 1e9), owner_dimension=cfg.owner))


# -- formatting ---------------------------------------------------------------------------------------------
def test_money_and_axis_labels() -> None:
    assert money(1234.565) == "$1,234.57" and money(-0.004) == "$0.00" and money(-2.5) == "-$2.50"
    assert money(1234.5, "EUR") == "1,234.50 EUR" and money(-1, "JPY") == "-1.00 JPY" and money(None) == "-"
    assert money(3.0, signed=True) == "+$3.00"
    assert [compact_money(v) for v in (0, 2.5, 12, 1500, -2_000_000, 3e9)] == [
        "$0", "$2.5", "$12", "$1.5k", "-$2M", "$3B"]
    assert compact_money(1500, "EUR") == "1.5k EUR"
    assert difference(-1e-12) == "+0.000000" and difference(0.25) == "+0.250000"


def test_default_title_names_the_window(report: BillingReport) -> None:
    assert report.title == "billing 2024-09 to 2024-10"
    assert _empty_report().title == "billing no charges"
    assert build_report(report.showback, title="October").title == "October"


# -- Markdown -----------------------------------------------------------------------------------------------
def test_markdown(report: BillingReport) -> None:
    md = billing_markdown.render_billing(report)
    assert md.startswith("### finguard billing 2024-09 to 2024-10\n")
    assert "Billed **$191.00**: allocated $180.67 (94.6%), unallocated $10.33 (5.4%)." in md
    assert ":white_check_mark: Every period reconciles" in md
    for line in (
        "| 2024-09 | $190.00 | $180.00 | $10.00 | 5.3% | +0.000000 | yes |",
        "| 2024-10 | $1.00 | $0.67 | $0.33 | 33.0% | +0.000000 | yes |",
        "| Team | Direct | Shared: support | Total | Share |",
        "| web | $100.00 | $20.00 | $120.00 | 63.2% |",
        "| (unallocated) | $10.00 | $0.00 | $10.00 | 5.3% |",
        "| **Total** | **$160.00** | **$30.00** | **$190.00** | |",
        "| 2024-10 | data | $0.34 |", "| 2024-10 | web | $0.33 |", "| 2024-10 | **Total** | **$1.00** |",
        "| 2024-09 | support | $30.00 | split among 2 owner(s) |",
        "| 1 | EC2 | $100.34 | 52.5% |",
        "| web | $120.34 | EC2 $100.34 (83%)<br>AWS Support (Business) $20.00 (17%) |",
        "| team (owner) | `Team`, `team` | $150.67 | $161.00 | 93.6% |",
        "| Account | Name | Taggable | team | env |",
        "| `222` | data-prod | $60.67 | 83.0% | 0.0% |",
        "1 taggable resource carries no `team` tag ($10.33); it:",
        "| 1 | `b-2` | data-prod | S3 | $10.33 | (unallocated) |",
        "| `Team` | $50.34 | 31.3% |",
    ):
        assert line in md.splitlines(), line
    assert "Taggable spend: charges with ChargeCategory 'Usage' and a ResourceId" in md
    # every table is preceded by a blank line (else GitHub renders it as text) and rows have equal cell counts
    lines = md.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("|") and not lines[i - 1].startswith("|"):
            assert lines[i - 1] == "", f"no blank line before the table at line {i + 1}: {lines[i - 1]!r}"
            width = line.count(" | ")
            j = i
            while j < len(lines) and lines[j].startswith("|"):
                if j != i + 1:
                    assert lines[j].replace("\\|", "").count(" | ") == width, lines[j]
                j += 1


def test_markdown_sums_owners_past_the_limit(report: BillingReport) -> None:
    md = billing_markdown.render_billing(report, max_owners=1)
    assert "| *1 more* | $50.00 | $10.00 | $60.00 | 31.6% |" in md
    assert "| 2024-09 | *1 more* | $60.00 |" in md and "| 2024-09 | data | $60.00 |" not in md
    assert "Owners past the first 1 are summed" in md and "| (unallocated) | $10.00 |" in md
    assert "| data | $60.34 |" not in md  # top services per owner are cut too
    assert "*1 more*" not in billing_markdown.render_billing(report, max_owners=None)


def test_a_failed_reconciliation_is_loud() -> None:
    from finguard.billing.allocate import Allocation, reconcile

    daily, rows, cfg = allocated()
    periods = reconcile(daily, rows)
    periods[0] = periods[0].model_copy(update={"billed": periods[0].billed + 1.0, "difference": 1.0})
    sb = build_showback(daily, Allocation(cost=cfg.cost, owner_dimension="team", currency="USD", periods=periods))
    md = billing_markdown.render_billing(build_report(sb))
    assert ":x: **Reconciliation failed**" in md and "| +1.000000 | :x: no |" in md
    assert "#### Tag coverage" not in md  # no coverage given, no section
    html = billing_html.render_billing(build_report(sb))
    assert "Reconciliation failed" in html and 'id="chart-coverage"' not in html


def test_empty_report_renders_in_every_format(tmp_path: Path) -> None:
    empty = _empty_report()
    assert "No charges to report." in billing_markdown.render_billing(empty)
    assert "No charges to report." in billing_html.render_billing(empty)
    assert json.loads(billing_json.render_billing(empty))["showback"]["periods"] == []
    paths = billing_csv.write_csv(empty.showback, tmp_path)
    assert [p.read_text().count("\n") for p in paths] == [1, 1]  # headers only


# -- JSON ---------------------------------------------------------------------------------------------------
def test_json_is_versioned_and_round_trips(report: BillingReport) -> None:
    text = billing_json.render_billing(report)
    doc = json.loads(text)
    assert (doc["schema"], doc["version"], doc["title"]) == (SCHEMA, 1, "billing 2024-09 to 2024-10")
    assert SCHEMA == "finguard.billing-report"
    sep = doc["showback"]["periods"][0]
    assert (sep["period"], sep["billed"], sep["balanced"]) == ("2024-09-01", 190.0, True)
    assert sep["unallocated_percent"] == pytest.approx(100 * 10 / 190)
    lines = [(c["period"], c["owner"], c["cents"], c["amount"]) for c in doc["showback"]["chargeback"]]
    assert lines[3:] == [("2024-10-01", "data", 34, 0.34), ("2024-10-01", "web", 33, 0.33),
                         ("2024-10-01", UNALLOCATED, 33, 0.33)]
    assert doc["coverage"]["dimensions"][0]["percent"] == pytest.approx(100 * 150.67 / 161)
    assert doc["coverage"]["taggable_percent"] == pytest.approx(100 * 161 / 191)
    assert billing_json.read_billing(text) == report
    with pytest.raises(ValueError, match="not a finguard billing report"):
        billing_json.read_billing(json.dumps({"schema": "finguard/audit"}))
    with pytest.raises(ValueError, match="unsupported billing report version 2"):
        billing_json.read_billing(json.dumps({**doc, "version": 2}))


# -- CSV ----------------------------------------------------------------------------------------------------
def test_csv_files(report: BillingReport, tmp_path: Path) -> None:
    paths = billing_csv.write_csv(report.showback, tmp_path / "out")
    assert [p.name for p in paths] == ["showback.csv", "chargeback.csv"]
    with paths[0].open(newline="") as f:
        showback_rows = list(csv.DictReader(f))
    assert list(showback_rows[0]) == ["period", "team", "direct", "shared:support", "total", "share_percent",
                                      "currency", "cost_metric"]
    assert showback_rows[0] == {"period": "2024-09-01", "team": "web", "direct": "100", "shared:support": "20",
                                "total": "120", "share_percent": "63.1579", "currency": "USD",
                                "cost_metric": "BilledCost"}
    with paths[1].open(newline="") as f:
        lines = list(csv.DictReader(f))
    assert [(r["period"], r["team"], r["amount"]) for r in lines] == [
        ("2024-09-01", "data", "60.00"), ("2024-09-01", "web", "120.00"), ("2024-09-01", UNALLOCATED, "10.00"),
        ("2024-10-01", "data", "0.34"), ("2024-10-01", "web", "0.33"), ("2024-10-01", UNALLOCATED, "0.33")]
    assert sum(int(r["amount"].replace(".", "")) for r in lines if r["period"] == "2024-10-01") == 100

    more = billing_csv.write_csv(report.showback, tmp_path / "all", report.coverage)
    assert [p.name for p in more] == ["showback.csv", "chargeback.csv", "tag_coverage.csv", "untagged_resources.csv"]
    with more[2].open(newline="") as f:
        cov = list(csv.DictReader(f))
    assert cov[0] == {"dimension": "team", "account_id": "", "account_name": "", "taggable": "161",
                      "covered": "150.67", "coverage_percent": "93.5839"}
    assert more[3].read_text().splitlines()[1] == "b-2,222,data-prod,S3,10.33,"


def test_csv_negative_cents() -> None:
    from finguard.billing.showback import ChargebackLine, Showback

    sb = Showback(currency="USD", cost_metric="BilledCost", owner_dimension="team", first_day=None, last_day=None,
                  pools=[], periods=[], owners=[], top_services=[], owner_services=[],
                  trend={"days": [], "series": []},
                  chargeback=[ChargebackLine(period=date(2024, 9, 1), owner="x", exact=-0.05, cents=-5),
                              ChargebackLine(period=date(2024, 9, 1), owner="y", exact=-12.3, cents=-1230)])
    import tempfile

    with tempfile.TemporaryDirectory() as where:
        path = billing_csv.write_csv(sb, Path(where))[1]
        assert [r.split(",")[2] for r in path.read_text().splitlines()[1:]] == ["-0.05", "-12.30"]


# -- HTML ---------------------------------------------------------------------------------------------------
def test_html_is_self_contained(report: BillingReport) -> None:
    html = billing_html.render_billing(report)
    assert "<script" not in html and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html and "<link rel=\"stylesheet\"" not in html
    for chart in ("chart-trend", "chart-owners", "chart-split", "chart-services", "chart-coverage",
                  "chart-accounts"):
        assert f'id="{chart}" class="chart" role="img" aria-labelledby="{chart}-title {chart}-desc"' in html
    assert html.count('<tr class="owner') == 6 and 'data-owner="(unallocated)"' in html
    assert '<td class="num">$0.34</td>' in html and "ChargeCategory &#39;Usage&#39;" in html


def test_html_in_headless_chromium(report: BillingReport, tmp_path: Path) -> None:
    from ..browser import Browser, chromium_path

    if chromium_path() is None:
        pytest.skip("chromium is not installed: .ci/run installs Debian's (apt-get install chromium); "
                    "the billing HTML report could not be checked in a browser")
    page = tmp_path / "billing.html"
    page.write_text(billing_html.render_billing(report), encoding="utf-8")
    selectors = ("svg.chart[role=img]", "svg.chart > title", "svg.chart > desc", "#chart-trend polyline.series",
                 "#chart-trend .axis-y text.tick", "#chart-owners rect.bar-segment", "#chart-split path.donut-segment",
                 "#chart-services rect.bar", "#chart-coverage rect.bar", "#chart-accounts rect.bar",
                 "table.showback", "table.chargeback", "#reconciliation tbody tr", "#untagged tbody tr")
    with Browser() as browser:
        shot = browser.load(page)
        counts = {s: browser.evaluate(f"document.querySelectorAll({json.dumps(s)}).length") for s in selectors}
        owners_width = browser.evaluate("document.querySelector('#chart-owners').getBoundingClientRect().width")
        series = browser.evaluate("[...document.querySelectorAll('#chart-trend polyline.series')]"
                                  ".map(p => p.dataset.series)")
        widest = browser.evaluate("Math.max(...[...document.querySelectorAll('#chart-services rect.bar')]"
                                  ".map(r => +r.getAttribute('width')))")
    assert shot.title == "finguard billing 2024-09 to 2024-10"
    assert shot.errors == [], shot.messages
    assert [m for m in shot.messages if m.level == "warning"] == []
    assert shot.requests == [shot.url]  # self-contained: nothing but the page itself is loaded
    assert counts == {
        "svg.chart[role=img]": 6, "svg.chart > title": 6, "svg.chart > desc": 6,
        "#chart-trend polyline.series": 3, "#chart-trend .axis-y text.tick": counts["#chart-trend .axis-y text.tick"],
        # web: direct + support, data: direct + support, (unallocated): direct
        "#chart-owners rect.bar-segment": 5, "#chart-split path.donut-segment": 3, "#chart-services rect.bar": 3,
        "#chart-coverage rect.bar": 2, "#chart-accounts rect.bar": 2, "table.showback": 2, "table.chargeback": 2,
        "#reconciliation tbody tr": 2, "#untagged tbody tr": 1}
    assert counts["#chart-trend .axis-y text.tick"] >= 3
    assert series == ["web", "data", UNALLOCATED] and owners_width > 300
    assert widest == 320  # the costliest service spans the whole bar area
    assert len(shot.screenshot) > 10_000


# -- charts -------------------------------------------------------------------------------------------------
def test_nice_ticks() -> None:
    assert charts.nice_ticks(0, 95) == [0, 25, 50, 75, 100]
    assert charts.nice_ticks(0, 9500, 6) == [0, 2000, 4000, 6000, 8000, 10000]
    assert charts.nice_ticks(-30, 120) == [-50, 0, 50, 100, 150]
    assert charts.nice_ticks(0, 0) == [0, 0.25, 0.5, 0.75, 1.0]
    assert charts.nice_ticks(0.001, 0.004)[-1] >= 0.004


def test_line_chart_handles_negatives_one_day_and_nothing() -> None:
    svg = charts.line_chart("c", "T & t", "D <d>", ["Sep 01", "Sep 02"], [("a", [5.0, -3.0], "#000"),
                                                                       ("b<", [1.0, 1.0], "#111")],
                            y_format=lambda v: f"{v:g}", dashed=("b<",))
    assert '<title id="c-title">T &amp; t</title>' in svg and '<desc id="c-desc">D &lt;d&gt;</desc>' in svg
    assert svg.count("<polyline") == 2 and 'data-series="b&lt;"' in svg and 'stroke-dasharray="5 3"' in svg
    assert ">-4<" in svg and 'class="grid zero"' in svg  # the axis reaches below zero and marks zero
    one = charts.line_chart("d", "T", "D", ["Sep 01"], [("a", [2.0], "#000")])
    assert re.search(r'points="[\d.]+,[\d.]+"', one)
    assert "No data" in charts.line_chart("e", "T", "D", [], [])


def test_stacked_bars_and_money_donut() -> None:
    svg = charts.stacked_bar_chart("s", "T", "D", [("direct", "#000"), ("shared", "#111")],
                                   [("web", [10.0, 5.0], "$15"), ("credit", [-3.0, 1.0], "-$2")], more=2)
    assert svg.count('class="bar bar-segment"') == 3 and "and 2 more" in svg  # the credit is not drawn
    assert "No data" in charts.stacked_bar_chart("s", "T", "D", [("x", "#000")], [])
    donut = charts.donut_chart("d", "T", "D", [("a", 30.0, "#000"), ("b", 0.0, "#111"), ("c", -5.0, "#222")],
                               texts=["$30", "$0", "-$5"], center=("$25", "billed"), css_prefix="part-")
    assert donut.count('class="donut-segment') == 1 and "a: $30 (100.0%)" in donut and "c: -$5" in donut
    assert '>$25</text>' in donut and ">billed</text>" in donut


def test_audit_still_draws_its_charts_from_the_shared_module() -> None:
    from finguard import audit

    assert audit.bar_chart is charts.bar_chart and audit.donut_chart is charts.donut_chart
    svg = charts.donut_chart("x", "T", "D", [("high", 2, "#f00"), ("low", 1, "#00f")])
    assert "<title>high: 2 of 3</title>" in svg and ">findings</text>" in svg and "sev-high" in svg
