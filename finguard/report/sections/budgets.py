"""The budgets section: each budget's actual, projection, variance and status (`finguard billing budgets`)."""

from __future__ import annotations

import csv
from pathlib import Path

from markupsafe import escape

from finguard.billing.budgets import BudgetReport, BudgetResult
from finguard.report import charts
from finguard.report._billing import compact_money, money, pct

NAME = "budgets"
TITLE = "Budgets"
STATUS_TEXT = {"ok": "ok", "at_risk": "at risk", "over": "over"}
STATUS_EMOJI = {"ok": ":white_check_mark:", "at_risk": ":warning:", "over": ":red_circle:"}
STATUS_BAR = {"ok": "bar-good", "at_risk": "bar-warn", "over": "bar-bad"}
# `at_risk` has no class of its own in the page's CSS; the colour is the chart's bar-warn
STATUS_SPAN = {"ok": 'class="good"', "at_risk": 'class="warn" style="color:#b08800;font-weight:700"',
               "over": 'class="bad"'}
CSV_COLUMNS = ("name", "period", "period_start", "period_end", "as_of", "data_through", "amount", "actual",
               "projected", "variance", "variance_pct", "actual_pct", "projected_pct", "remaining_days",
               "run_rate_daily", "run_rate_basis", "at_risk_pct", "over_pct", "status", "actual_over", "currency")


def _cur(result: BudgetReport, currency: str) -> str:
    return result.currency or currency


def _window(r: BudgetResult) -> str:
    if r.period == "monthly":
        return f"{r.period_start:%Y-%m}"
    return f"{r.period_start:%Y-%m} to {r.period_end:%Y-%m} (quarter)"


def _counts(result: BudgetReport) -> str:
    counts = {s: sum(r.status == s for r in result.results) for s in STATUS_TEXT}
    return ", ".join(f"{n} {STATUS_TEXT[s]}" for s, n in counts.items() if n) or "no budgets"


def _summary(result: BudgetReport) -> str:
    through = f", data through {result.data_through}" if result.data_through else ", no data yet"
    return f"{len(result.results)} budget(s) as of {result.as_of}{through}: {_counts(result)}"


def text(result: BudgetReport, currency: str) -> str:
    """One line per budget, the worst first: what a scheduled job's log should show."""
    cur = _cur(result, currency)
    lines = [f"budgets ({cur}): {_summary(result)}"]
    width = max((len(r.name) for r in result.results), default=0)
    for r in _ordered(result):
        lines.append(f"  {r.name:<{width}}  {_window(r)}: actual {money(r.actual, cur)}, projected "
                     f"{money(r.projected, cur)} of {money(r.amount, cur)} ({pct(r.projected_pct)}), variance "
                     f"{money(r.variance, cur, signed=True)} ({r.variance_pct:+.1f}%)  {STATUS_TEXT[r.status].upper()}")
    lines.extend(f"  warning: {w}" for w in result.warnings)
    return "\n".join(lines)


def _ordered(result: BudgetReport) -> list[BudgetResult]:
    rank = {"over": 0, "at_risk": 1, "ok": 2}
    return sorted(result.results, key=lambda r: (rank[r.status], -r.projected_pct, r.name))


def markdown(result: BudgetReport, currency: str) -> str:
    cur = _cur(result, currency)
    lines = [f"## {TITLE}", "", f"{_summary(result)}. Projected: actual so far plus the remaining days at the "
             "recent run rate.", "",
             "| Budget | Period | Amount | Actual | Projected | Variance | Variance % | Status |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    for r in _ordered(result):
        name = r.name.replace("|", "\\|")
        lines.append(f"| {name} | {_window(r)} | {money(r.amount, cur)} | {money(r.actual, cur)} | "
                     f"{money(r.projected, cur)} | {money(r.variance, cur, signed=True)} | {r.variance_pct:+.1f}% | "
                     f"{STATUS_EMOJI[r.status]} {STATUS_TEXT[r.status]} |")
    if result.warnings:
        lines.append("")
        lines.extend(f"> {w}" for w in result.warnings)
    return "\n".join(lines) + "\n"


def html(result: BudgetReport, currency: str) -> str:
    """A bar per budget (projected as % of its amount, coloured by status) and the table of figures."""
    cur = _cur(result, currency)
    ordered = _ordered(result)
    rows = [(r.name, r.projected_pct, f"{r.projected_pct:.0f}% of {compact_money(r.amount, cur)}",
             STATUS_BAR[r.status]) for r in ordered]
    scale = max([100.0, *(r.projected_pct for r in ordered)])
    chart = charts.bar_chart(
        "chart-budgets", "Projected spend per budget", "Each budget's projected spend at the period's end as a "
        f"percentage of its amount; the full width is {scale:.0f}%. Green ok, amber at risk, red over.",
        rows, scale=scale, track=True)
    out = ['<section id="budgets" aria-labelledby="budgets-heading">',
           f'<h2 id="budgets-heading">{escape(TITLE)}</h2>',
           f'<p class="muted">{escape(_summary(result))}. Projected: actual so far plus the remaining days at the '
           f'recent run rate, in {escape(cur)}.</p>']
    if result.warnings:
        out.append('<ul class="warnings">' + "".join(f"<li>{escape(w)}</li>" for w in result.warnings) + "</ul>")
    out.append('<div class="charts"><figure><figcaption>Projected vs budget</figcaption>'
               f"{chart}</figure></div>")
    out.append('<table id="budgets-table"><thead><tr><th scope="col">Budget</th><th scope="col">Period</th>'
               '<th scope="col" class="num">Amount</th><th scope="col" class="num">Actual</th>'
               '<th scope="col" class="num">Projected</th><th scope="col" class="num">Variance</th>'
               '<th scope="col" class="num">Variance %</th><th scope="col">Status</th></tr></thead><tbody>')
    for r in ordered:
        out.append(
            f'<tr data-budget="{escape(r.name)}" data-status="{r.status}"><th scope="row">{escape(r.name)}</th>'
            f"<td>{escape(_window(r))}</td><td class=\"num\">{escape(money(r.amount, cur))}</td>"
            f'<td class="num">{escape(money(r.actual, cur))}</td>'
            f'<td class="num" title="{escape(r.run_rate_basis)}">{escape(money(r.projected, cur))}</td>'
            f'<td class="num">{escape(money(r.variance, cur, signed=True))}</td>'
            f'<td class="num">{r.variance_pct:+.1f}%</td>'
            f"<td><span {STATUS_SPAN[r.status]}>{STATUS_TEXT[r.status]}</span></td></tr>")
    out.append("</tbody></table></section>")
    return "\n".join(out)


def write_csv(result: BudgetReport, directory: Path) -> list[Path]:
    """budgets.csv: every figure of every budget at full precision."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "budgets.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(CSV_COLUMNS)
        for r in result.results:
            row = r.model_dump(mode="json") | {"currency": result.currency or ""}
            w.writerow([_cell(row[c]) for c in CSV_COLUMNS])
    return [path]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = f"{value:.6f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    return str(value)
