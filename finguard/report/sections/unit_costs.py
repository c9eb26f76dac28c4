"""The `billing unit-costs` section: cost per unit over time per owner, the latest bucket and its trend, and the
latest change split into volume and efficiency (see finguard.billing.unit_costs for the arithmetic)."""

from __future__ import annotations

import csv
import math
import re
from datetime import date
from html import escape
from pathlib import Path
from typing import Any

from finguard.report._billing import compact_money, csv_number, money

NAME = "unit_costs"
TITLE = "Unit costs"
CHART_MAX_OWNERS = 10
_GRAIN_WORD = {"day": "day", "week": "week", "month": "month"}


# -- formatting ---------------------------------------------------------------------------------------------
def unit_money(value: float | None, currency: str) -> str:
    """A cost per unit: cents hide $0.0004 per request, so below 1 show four significant digits."""
    if value is None:
        return "-"
    if abs(value) >= 1 or value == 0:
        return money(value, currency)
    places = max(2, 3 - math.floor(math.log10(abs(value))))  # 4 significant digits, at least cents
    digits = f"{abs(value):.{places}f}".rstrip("0")
    digits = digits + "0" * (2 - len(digits.split(".")[1]))
    sign = "-" if value < 0 else ""
    return f"{sign}${digits}" if currency == "USD" else f"{sign}{digits} {currency}"


def _axis(value: float, currency: str) -> str:
    return compact_money(value, currency) if abs(value) >= 10 or value == 0 else unit_money(value, currency)


def bucket_label(bucket: date, grain: str) -> str:
    if grain == "month":
        return f"{bucket:%Y-%m}"
    if grain == "week":
        year, week, _ = bucket.isocalendar()
        return f"{year}-W{week:02d}"
    return bucket.isoformat()


def _units(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 or value == int(value) else f"{value:,.2f}"


def _signed_pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.1f}%"


def _md(text: str) -> str:
    """A Markdown table cell: pipes and line breaks would end the cell."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "metric"


def _latest(result: Any) -> list[tuple[Any, Any]]:
    """(latest bucket row, trend) per (owner, metric), in the report's order."""
    last: dict[tuple[str, str], Any] = {}
    for row in result.report.rows:
        last[(row.owner, row.metric)] = row
    return [(last[(t.owner, t.metric)], t) for t in result.report.trends if (t.owner, t.metric) in last]


def _summary(result: Any) -> str:
    grain = _GRAIN_WORD[result.grain]
    gauges = f"; gauges (mean daily value, not summed): {', '.join(result.report.gauges)}" \
        if result.report.gauges else ""
    return (f"{result.cost_metric} in {result.currency} per unit of each business metric, per "
            f"{result.owner_dimension} and {grain}, {result.first_day} to {result.last_day} (metrics: "
            f"{Path(result.metrics_file).name}){gauges}")


def _change_head(change: Any, grain: str) -> str:
    return (f"{change.metric}: {bucket_label(change.base[0], grain)} -> {bucket_label(change.current[0], grain)}")


def _effects(a: Any, currency: str) -> str:
    text = (f"cost {money(a.cost_change, currency, signed=True)} = volume "
            f"{money(a.volume_effect, currency, signed=True)} + efficiency "
            f"{money(a.efficiency_effect, currency, signed=True)}")
    if a.unexplained:
        text += f" + unexplained {money(a.unexplained, currency, signed=True)} (no units in the base)"
    return text


# -- text ---------------------------------------------------------------------------------------------------
def text(result: Any, currency: str) -> str:
    """The terminal summary: each series' latest unit cost and trend, and each metric's change split."""
    grain = result.grain
    lines = [f"unit costs: {_summary(result)}"]
    for row, trend in _latest(result):
        line = (f"  {row.owner} {row.metric}: {bucket_label(row.bucket, grain)} "
                f"{unit_money(row.unit_cost, currency)} per unit ({money(row.cost, currency)} / {_units(row.units)}, "
                f"{row.days} day{'s' if row.days != 1 else ''})")
        if trend.change_pct is not None:
            line += (f"; {_signed_pct(trend.change_pct)} over {trend.buckets} {grain}s, slope "
                     f"{_signed_pct(trend.slope_pct_per_bucket)} per {grain}")
        lines.append(line)
    if not result.report.rows:
        lines.append("  no metric rows to report")
    for change in result.changes:
        lines.append(f"change {_change_head(change, grain)}")
        for a in [change.total, *change.by_owner]:
            lines.append(f"  {a.owner}: {_effects(a, currency)}")
    lines.extend(f"  note: {n}" for n in result.notes)
    return "\n".join(lines)


# -- markdown -----------------------------------------------------------------------------------------------
def markdown(result: Any, currency: str) -> str:
    grain = result.grain
    out = [f"## {TITLE}", "", _md(_summary(result)) + ".", ""]
    out += [f"### Latest {grain}", "",
            f"| {result.owner_dimension.capitalize()} | Metric | {grain.capitalize()} | Days | Cost | Units | "
            f"Cost per unit | Change since first | Slope per {grain} |",
            "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row, trend in _latest(result):
        out.append(f"| {_md(row.owner)} | {_md(row.metric)} | {bucket_label(row.bucket, grain)} | {row.days} | "
                   f"{money(row.cost, currency)} | {_units(row.units)} | {unit_money(row.unit_cost, currency)} | "
                   f"{_signed_pct(trend.change_pct)} | {_signed_pct(trend.slope_pct_per_bucket)} |")
    for change in result.changes:
        out += ["", f"### What changed, {_md(_change_head(change, grain))}", "",
                "Cost change = volume (the change in units at the old cost per unit) + efficiency (the change in "
                "cost per unit at the new volume).", "",
                f"| {result.owner_dimension.capitalize()} | Base cost | Current cost | Change | Volume | Efficiency "
                "| Unexplained | Base per unit | Current per unit |",
                "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for a in [*change.by_owner, change.total]:
            name = f"**{_md(a.owner)}**" if a is change.total else _md(a.owner)
            out.append(f"| {name} | {money(a.base_cost, currency)} | {money(a.current_cost, currency)} | "
                       f"{money(a.cost_change, currency, signed=True)} | "
                       f"{money(a.volume_effect, currency, signed=True)} | "
                       f"{money(a.efficiency_effect, currency, signed=True)} | "
                       f"{money(a.unexplained, currency, signed=True)} | {unit_money(a.base_unit_cost, currency)} | "
                       f"{unit_money(a.current_unit_cost, currency)} |")
    if result.notes:
        out += ["", *[f"- {_md(n)}" for n in result.notes]]
    return "\n".join(out) + "\n"


# -- html ---------------------------------------------------------------------------------------------------
def _trend_chart(result: Any, currency: str) -> tuple[str, str] | None:
    """(metric, line chart) of cost per unit per owner over the buckets of the chosen (else first) metric."""
    from finguard.report.charts import color, line_chart

    rows = result.report.rows
    if not rows:
        return None
    owners_of: dict[str, set[str]] = {}
    for r in rows:
        owners_of.setdefault(r.metric, set()).add(r.owner)
    metric = result.metric or min(owners_of, key=lambda m: (-len(owners_of[m]), m))  # the most widely reported
    rows = [r for r in rows if r.metric == metric]
    buckets = sorted({r.bucket for r in rows})
    latest_cost: dict[str, float] = {}
    for r in rows:
        latest_cost[r.owner] = r.cost
    owners = sorted(latest_cost, key=lambda o: (-latest_cost[o], o))[:CHART_MAX_OWNERS]
    series: list[tuple[str, list[float], str]] = []
    last_values: dict[str, float | None] = {}
    for i, owner in enumerate(owners):
        by_bucket = {r.bucket: r.unit_cost for r in rows if r.owner == owner}
        known = [by_bucket.get(b) for b in buckets]
        first = next((v for v in known if v is not None), None)
        if first is None:
            continue
        values, previous = [], first
        for v in known:  # a bucket without units is drawn at the previous value; the table says "-"
            previous = v if v is not None else previous
            values.append(previous)
        series.append((owner, values, color(i)))
        last_values[owner] = next((v for v in reversed(known) if v is not None), None)
    more = len(latest_cost) - len(owners)
    desc = (f"Lines: {result.cost_metric} per unit of {metric} per {result.owner_dimension} and "
            f"{result.grain}, {bucket_label(buckets[0], result.grain)} to {bucket_label(buckets[-1], result.grain)}"
            + (f"; the {len(owners)} owners with the highest latest cost ({more} more in the table)" if more else "")
            + "; a bucket without units repeats the previous value.")
    svg = line_chart("unit-costs-trend", f"Cost per unit of {metric}", desc,
                     [bucket_label(b, result.grain) for b in buckets], series,
                     y_format=lambda v: _axis(v, currency))
    # line_chart titles each line with its sum over the x axis, which means nothing for a ratio: say the latest.
    n = len(buckets)
    for name, values, _ in series:
        old = (f"<title>{escape(name)}: {escape(_axis(sum(values), currency))} over {n} day"
               f"{'s' if n != 1 else ''}</title></polyline>")
        new = (f"<title>{escape(name)}: {escape(unit_money(last_values[name], currency))} per unit of "
               f"{escape(metric)} in {escape(bucket_label(buckets[-1], result.grain))}</title></polyline>")
        svg = svg.replace(old, new)
    return metric, svg


def _change_chart(change: Any, currency: str, grain: str) -> str:
    """Bars of each owner's volume and efficiency effect: red when it raised cost, green when it saved."""
    from finguard.report.charts import bar_chart

    rows: list[tuple[str, float, str, str]] = []
    for a in ([change.total] if len(change.by_owner) > 1 else []) + change.by_owner[:8]:
        for label, value in (("volume", a.volume_effect), ("efficiency", a.efficiency_effect),
                             ("unexplained", a.unexplained or None)):
            if value is None:
                continue
            rows.append((f"{a.owner} {label}", abs(value), money(value, currency, signed=True),
                         "bar-bad" if value > 0 else "bar-good"))
    return bar_chart(f"unit-costs-effects-{_slug(change.metric)}", f"What moved the cost: {change.metric}",
                     f"Horizontal bars: the size of each volume and efficiency effect on the cost change from "
                     f"{bucket_label(change.base[0], grain)} to {bucket_label(change.current[0], grain)}, all owners "
                     "first; red raised cost, green lowered it.", rows)


def html(result: Any, currency: str) -> str:
    grain = result.grain
    e = escape
    out = ['<section class="job" id="unit-costs" aria-labelledby="unit-costs-heading">',
           f'<h2 id="unit-costs-heading">{e(TITLE)}</h2>', f'<p class="muted">{e(_summary(result))}.</p>']
    if result.changes:
        out.append('<ul class="cards">')
        for change in result.changes[:6]:
            t = change.total
            out.append(f'<li id="unit-costs-card-{e(_slug(change.metric))}"><span class="value">'
                       f'{e(money(t.cost_change, currency, signed=True))}</span><span class="label">'
                       f'{e(_change_head(change, grain))}: volume {e(money(t.volume_effect, currency, signed=True))}, '
                       f'efficiency {e(money(t.efficiency_effect, currency, signed=True))}</span></li>')
        out.append("</ul>")
    charts = []
    trend = _trend_chart(result, currency)
    if trend is not None:
        charts.append(f"<figure><figcaption>Cost per unit of {e(trend[0])} per {e(result.owner_dimension)}"
                      f"</figcaption>{trend[1]}</figure>")
    for change in result.changes:
        charts.append(f"<figure><figcaption>Volume vs efficiency: {e(_change_head(change, grain))}</figcaption>"
                      f"{_change_chart(change, currency, grain)}</figure>")
    if charts:
        out += ['<div class="charts">', *charts, "</div>"]
    out += ['<table id="unit-costs-latest">', f'<caption>Latest {e(grain)} and trend</caption>',
            f'<thead><tr><th scope="col">{e(result.owner_dimension.capitalize())}</th><th scope="col">Metric</th>'
            f'<th scope="col">{e(grain.capitalize())}</th><th scope="col" class="num">Days</th>'
            '<th scope="col" class="num">Cost</th><th scope="col" class="num">Units</th>'
            '<th scope="col" class="num">Cost per unit</th><th scope="col" class="num">Change since first</th>'
            f'<th scope="col" class="num">Slope per {e(grain)}</th></tr></thead>', "<tbody>"]
    for row, t in _latest(result):
        css = "up" if (t.change_pct or 0) > 0 else "down" if (t.change_pct or 0) < 0 else ""
        out.append(f'<tr data-owner="{e(row.owner)}" data-metric="{e(row.metric)}"><th scope="row">{e(row.owner)}'
                   f'</th><td>{e(row.metric)}</td><td>{e(bucket_label(row.bucket, grain))}</td>'
                   f'<td class="num">{row.days}</td><td class="num">{e(money(row.cost, currency))}</td>'
                   f'<td class="num">{e(_units(row.units))}</td>'
                   f'<td class="num">{e(unit_money(row.unit_cost, currency))}</td>'
                   f'<td class="num {css}">{e(_signed_pct(t.change_pct))}</td>'
                   f'<td class="num">{e(_signed_pct(t.slope_pct_per_bucket))}</td></tr>')
    out.append("</tbody></table>")
    for change in result.changes:
        out += [f'<table class="unit-costs-change" id="unit-costs-change-{e(_slug(change.metric))}">',
                f"<caption>Volume vs efficiency, {e(_change_head(change, grain))} ({change.base[0]} to "
                f"{change.base[1]} vs {change.current[0]} to {change.current[1]})</caption>",
                f'<thead><tr><th scope="col">{e(result.owner_dimension.capitalize())}</th>'
                '<th scope="col" class="num">Base cost</th><th scope="col" class="num">Current cost</th>'
                '<th scope="col" class="num">Change</th><th scope="col" class="num">Volume</th>'
                '<th scope="col" class="num">Efficiency</th><th scope="col" class="num">Unexplained</th>'
                '<th scope="col" class="num">Base per unit</th><th scope="col" class="num">Current per unit</th>'
                "</tr></thead>", "<tbody>"]
        for a in change.by_owner:
            out.append(_change_row(a, currency))
        out += ["</tbody>", f'<tfoot>{_change_row(change.total, currency, total=True)}</tfoot>', "</table>"]
    if result.notes:
        out += ['<ul class="notes">', *[f"<li>{e(n)}</li>" for n in result.notes], "</ul>"]
    out.append("</section>")
    return "\n".join(out)


def _change_row(a: Any, currency: str, *, total: bool = False) -> str:
    e = escape
    cls = ' class="total"' if total else ""
    cells = [money(a.base_cost, currency), money(a.current_cost, currency),
             money(a.cost_change, currency, signed=True), money(a.volume_effect, currency, signed=True),
             money(a.efficiency_effect, currency, signed=True), money(a.unexplained, currency, signed=True),
             unit_money(a.base_unit_cost, currency), unit_money(a.current_unit_cost, currency)]
    return (f'<tr{cls} data-owner="{e(a.owner)}"><th scope="row">{e(a.owner)}</th>'
            + "".join(f'<td class="num">{e(c)}</td>' for c in cells) + "</tr>")


# -- csv ----------------------------------------------------------------------------------------------------
def _num(value: float | None) -> str:
    return csv_number(value, 10)


def write_csv(result: Any, directory: Path) -> list[Path]:
    """unit_costs.csv (every bucket), unit_costs_trends.csv and unit_costs_changes.csv, at full precision."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / f"{NAME}.csv", directory / f"{NAME}_trends.csv", directory / f"{NAME}_changes.csv"]
    with paths[0].open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["owner", "metric", "grain", "bucket", "days", "cost", "units", "unit_cost", "currency"])
        for r in result.report.rows:
            w.writerow([r.owner, r.metric, result.grain, r.bucket.isoformat(), r.days, _num(r.cost), _num(r.units),
                        _num(r.unit_cost), result.currency])
    with paths[1].open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["owner", "metric", "buckets", "first_unit_cost", "last_unit_cost", "change_pct",
                    "slope_pct_per_bucket"])
        for t in result.report.trends:
            w.writerow([t.owner, t.metric, t.buckets, _num(t.first_unit_cost), _num(t.last_unit_cost),
                        _num(t.change_pct), _num(t.slope_pct_per_bucket)])
    with paths[2].open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["metric", "base_start", "base_end", "current_start", "current_end", "owner", "base_cost",
                    "base_units", "base_unit_cost", "current_cost", "current_units", "current_unit_cost",
                    "cost_change", "volume_effect", "efficiency_effect", "unexplained"])
        for c in result.changes:
            for a in [*c.by_owner, c.total]:
                w.writerow([c.metric, c.base[0].isoformat(), c.base[1].isoformat(), c.current[0].isoformat(),
                            c.current[1].isoformat(), a.owner, _num(a.base_cost), _num(a.base_units),
                            _num(a.base_unit_cost), _num(a.current_cost), _num(a.current_units),
                            _num(a.current_unit_cost), _num(a.cost_change), _num(a.volume_effect),
                            _num(a.efficiency_effect), _num(a.unexplained)])
    return paths

