"""The `billing reconcile-estimates` section: how close a saved plan estimate came to the bill (accuracy overall,
per-resource error, and what could not be matched either way); see finguard.billing.estimates for the rules."""

from __future__ import annotations

import csv
from html import escape
from pathlib import Path
from typing import Any

from finguard.report._billing import csv_number, money, pct

NAME = "estimates"
TITLE = "Estimate vs actual"
CHART_MAX_ROWS = 15


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _signed_pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.1f}%"


def _matched(result: Any) -> list[Any]:
    """Matched resources, the largest error (in money) first: what a reader should look at."""
    rows = [c for c in result.accuracy.resources if c.matched_by]
    return sorted(rows, key=lambda c: (-abs(c.error or 0.0), c.address))


def _unmatched_estimates(result: Any) -> list[Any]:
    names = set(result.accuracy.unmatched_estimates)
    return [c for c in result.accuracy.resources if c.address in names]


def _window(result: Any) -> str:
    a = result.accuracy
    days = (a.window_end - a.window_start).days + 1
    how = " (the days after the estimate)" if result.window_defaulted else ""
    return f"{a.window_start} to {a.window_end}, {days} day{'s' if days != 1 else ''}{how}"


def _summary(result: Any) -> str:
    a = result.accuracy
    when = f", estimated {result.estimated_at:%Y-%m-%d %H:%M}" if result.estimated_at else ""
    return (f"project {a.project} ({Path(result.estimate_file).name}{when}) against billed {a.cost} in "
            f"{result.currency}, {_window(result)}; billed cost normalised to a 730-hour month over the hours each "
            "resource was seen")


def _bias_word(bias: float | None) -> str:
    if bias is None or abs(bias) < 0.05:
        return ""
    return " (under-estimated)" if bias > 0 else " (over-estimated)"


def _headline(result: Any, currency: str) -> list[str]:
    a = result.accuracy
    listed = len(a.resources)
    how = ", ".join(f"{k} {v}" for k, v in sorted(a.by_match.items()))
    return [
        f"matched {a.matched} of {listed} estimated resource(s){f' ({how})' if how else ''}; coverage "
        f"{pct(a.coverage)} of estimated monthly cost",
        f"accuracy: WAPE {pct(a.wape)}, MAPE {pct(a.mape)}, bias {_signed_pct(a.bias)}{_bias_word(a.bias)}",
        f"matched resources: estimated {money(result.matched_estimated_monthly, currency)}/month, billed "
        f"{money(result.matched_actual_monthly, currency)}/month",
        f"not matched: {len(a.unmatched_estimates)} estimate(s) worth "
        f"{money(a.unmatched_estimated_monthly, currency)}/month; billed spend no estimate claimed "
        f"{money(a.unmatched_billed_cost, currency)} ({money(a.unmatched_billed_monthly, currency)}/month)",
    ]


# -- text ---------------------------------------------------------------------------------------------------
def text(result: Any, currency: str) -> str:
    lines = [f"estimate vs actual: {_summary(result)}"]
    lines += [f"  {h}" for h in _headline(result, currency)]
    for c in _matched(result):
        lines.append(f"  {c.address} [{c.matched_by}]: estimated {money(c.estimated_monthly, currency)}, billed "
                     f"{money(c.actual_monthly, currency)}/month, error {money(c.error, currency, signed=True)} "
                     f"({_signed_pct(c.error_pct)})")
    for c in _unmatched_estimates(result):
        lines.append(f"  {c.address}: no billed rows found (estimated {money(c.estimated_monthly, currency)})")
    for u in result.accuracy.unmatched_billed_top:
        lines.append(f"  unestimated {u.resource_id}: {money(u.cost, currency)} in the window")
    lines += [f"  warning: {w}" for w in result.accuracy.warnings]
    return "\n".join(lines)


# -- markdown -----------------------------------------------------------------------------------------------
def markdown(result: Any, currency: str) -> str:
    a = result.accuracy
    out = [f"## {TITLE}", "", _md(_summary(result)) + ".", "", *[f"- {_md(h)}" for h in _headline(result, currency)]]
    out += ["", "### Matched resources", ""]
    matched = _matched(result)
    if matched:
        out += ["| Resource | Type | Matched by | Estimated / month | Billed / month | Error | Error % |",
                "| --- | --- | --- | ---: | ---: | ---: | ---: |"]
        for c in matched:
            out.append(f"| `{_md(c.address)}` | {_md(c.type)} | {c.matched_by} | "
                       f"{money(c.estimated_monthly, currency)} | {money(c.actual_monthly, currency)} | "
                       f"{money(c.error, currency, signed=True)} | {_signed_pct(c.error_pct)} |")
    else:
        out.append("No estimated resource found billed rows.")
    unmatched = _unmatched_estimates(result)
    if unmatched:
        out += ["", "### Estimated, not found in the bill", "", "| Resource | Type | Estimated / month |",
                "| --- | --- | ---: |"]
        out += [f"| `{_md(c.address)}` | {_md(c.type)} | {money(c.estimated_monthly, currency)} |" for c in unmatched]
    if a.unmatched_billed_top:
        out += ["", f"### Billed, not estimated ({money(a.unmatched_billed_cost, currency)} in the window)", "",
                "| Resource id | Cost in the window |", "| --- | ---: |"]
        out += [f"| `{_md(u.resource_id)}` | {money(u.cost, currency)} |" for u in a.unmatched_billed_top]
    if a.warnings:
        out += ["", *[f"- warning: {_md(w)}" for w in a.warnings]]
    return "\n".join(out) + "\n"


# -- html ---------------------------------------------------------------------------------------------------
def _error_chart(result: Any, currency: str) -> str:
    """Bars of each matched resource's error per month: red when billed above the estimate, amber below."""
    from finguard.report.charts import bar_chart

    matched = [c for c in _matched(result) if c.error is not None]
    shown = matched[:CHART_MAX_ROWS]
    rows = [(c.address, abs(c.error), f"{money(c.error, currency, signed=True)} ({_signed_pct(c.error_pct)})",
             "bar-bad" if c.error > 0 else "bar-warn") for c in shown]
    return bar_chart("estimates-errors", "Error per resource",
                     "Horizontal bars: the size of each matched resource's error, billed per month minus estimated "
                     "per month, largest first; red: billed more than estimated, amber: less.", rows,
                     more=len(matched) - len(shown))


def html(result: Any, currency: str) -> str:
    a = result.accuracy
    e = escape
    out = ['<section class="job" id="estimates" aria-labelledby="estimates-heading">',
           f'<h2 id="estimates-heading">{e(TITLE)}</h2>', f'<p class="muted">{e(_summary(result))}.</p>',
           '<ul class="cards">']
    cards = [("estimates-wape", pct(a.wape), "WAPE (sum |error| / sum estimated)"),
             ("estimates-mape", pct(a.mape), "MAPE (mean |error %|)"),
             ("estimates-bias", _signed_pct(a.bias), f"bias{_bias_word(a.bias)}"),
             ("estimates-coverage", pct(a.coverage), "of estimated cost matched"),
             ("estimates-totals", f"{money(result.matched_estimated_monthly, currency)} vs "
                                  f"{money(result.matched_actual_monthly, currency)}",
              "estimated vs billed per month, matched resources")]
    out += [f'<li id="{i}"><span class="value">{e(v)}</span><span class="label">{e(label)}</span></li>'
            for i, v, label in cards]
    out.append("</ul>")
    out += ['<div class="charts">', f"<figure><figcaption>Error per resource (per month)</figcaption>"
            f"{_error_chart(result, currency)}</figure>", "</div>"]
    out += ['<table id="estimates-matched">', "<caption>Matched resources</caption>",
            '<thead><tr><th scope="col">Resource</th><th scope="col">Type</th><th scope="col">Matched by</th>'
            '<th scope="col">Billed resource ids</th><th scope="col" class="num">Estimated / month</th>'
            '<th scope="col" class="num">Billed / month</th><th scope="col" class="num">Error</th>'
            '<th scope="col" class="num">Error %</th></tr></thead>', "<tbody>"]
    for c in _matched(result):
        css = "up" if (c.error or 0) > 0 else "down" if (c.error or 0) < 0 else ""
        ids = ", ".join(c.billed_resource_ids)
        out.append(f'<tr data-address="{e(c.address)}"><th scope="row"><code>{e(c.address)}</code></th>'
                   f"<td>{e(c.type)}</td><td>{e(c.matched_by or '')}</td><td><code>{e(ids)}</code></td>"
                   f'<td class="num">{e(money(c.estimated_monthly, currency))}</td>'
                   f'<td class="num">{e(money(c.actual_monthly, currency))}</td>'
                   f'<td class="num {css}">{e(money(c.error, currency, signed=True))}</td>'
                   f'<td class="num {css}">{e(_signed_pct(c.error_pct))}</td></tr>')
    out.append("</tbody></table>")
    unmatched = _unmatched_estimates(result)
    out += ['<table id="estimates-unmatched-estimated">',
            f"<caption>Estimated, not found in the bill ({e(money(a.unmatched_estimated_monthly, currency))} "
            "per month)</caption>",
            '<thead><tr><th scope="col">Resource</th><th scope="col">Type</th>'
            '<th scope="col" class="num">Estimated / month</th></tr></thead>', "<tbody>"]
    out += [f'<tr data-address="{e(c.address)}"><th scope="row"><code>{e(c.address)}</code></th><td>{e(c.type)}'
            f'</td><td class="num">{e(money(c.estimated_monthly, currency))}</td></tr>' for c in unmatched]
    if not unmatched:
        out.append('<tr><td colspan="3" class="muted">None: every estimate found billed rows.</td></tr>')
    out.append("</tbody></table>")
    out += ['<table id="estimates-unmatched-billed">',
            f"<caption>Billed, not estimated ({e(money(a.unmatched_billed_cost, currency))} in the window, "
            f"{e(money(a.unmatched_billed_monthly, currency))} per month)</caption>",
            '<thead><tr><th scope="col">Resource id</th><th scope="col" class="num">Cost in the window</th></tr>'
            "</thead>", "<tbody>"]
    out += [f'<tr><th scope="row"><code>{e(u.resource_id)}</code></th>'
            f'<td class="num">{e(money(u.cost, currency))}</td></tr>' for u in a.unmatched_billed_top]
    if not a.unmatched_billed_top:
        out.append('<tr><td colspan="2" class="muted">None.</td></tr>')
    out.append("</tbody></table>")
    if a.warnings:
        out += ['<ul class="notes">', *[f"<li>warning: {e(w)}</li>" for w in a.warnings], "</ul>"]
    out.append("</section>")
    return "\n".join(out)


# -- csv ----------------------------------------------------------------------------------------------------
def _num(value: float | None) -> str:
    return csv_number(value, 6)


def write_csv(result: Any, directory: Path) -> list[Path]:
    """estimates.csv (every estimated resource) and estimates_unmatched_billed.csv, at full precision."""
    directory.mkdir(parents=True, exist_ok=True)
    a = result.accuracy
    paths = [directory / f"{NAME}.csv", directory / f"{NAME}_unmatched_billed.csv"]
    with paths[0].open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["address", "type", "matched_by", "billed_resource_ids", "estimated_monthly", "actual",
                    "hours_observed", "actual_monthly", "error", "error_pct", "currency", "cost"])
        for c in a.resources:
            w.writerow([c.address, c.type, c.matched_by or "", " ".join(c.billed_resource_ids),
                        _num(c.estimated_monthly), _num(c.actual), _num(c.hours_observed), _num(c.actual_monthly),
                        _num(c.error), _num(c.error_pct), result.currency, a.cost])
    with paths[1].open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["resource_id", "cost", "window_start", "window_end", "currency", "cost_metric"])
        for u in a.unmatched_billed_top:
            w.writerow([u.resource_id, _num(u.cost), a.window_start.isoformat(), a.window_end.isoformat(),
                        result.currency, a.cost])
    return paths
