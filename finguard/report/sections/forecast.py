"""The forecast section: month-end and next-months forecasts per series with intervals, the total's history and
forecast as a chart, and the back-test's accuracy (see `finguard.report.sections` for the interface)."""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import escape

from finguard.report._billing import compact_money, money, pct

if TYPE_CHECKING:
    from finguard.billing.forecast import ForecastReport, Interval, PeriodForecast, SeriesForecast

NAME = "forecast"
TITLE = "Forecast"
MAX_ROWS = 25  # series in the Markdown/HTML tables and the bar chart (every one is in the CSV and JSON)
TEXT_ROWS = 10  # series the terminal summary lists


# -- shared helpers -----------------------------------------------------------------------------------------
def label(f: SeriesForecast) -> str:
    """'total', the key's value ('payments'), or 'owner=payments, ServiceName=EC2' for several keys; a rolled-up
    series says how many it holds ('(other), 152 series rolled up')."""
    text = _key_label(f.key) if not f.total else "total"
    return f"{text}, {f.rollup.series} series rolled up" if f.rollup is not None else text


NAIVE = {"short": "too short", "small": "too small", "fit_limit": "over max_models"}
NAIVE_NOTES = {
    "short": "forecast naively (each weekday at its recent mean, no interval): too little history for a model "
             "(forecast.min_history_days)",
    "small": "forecast naively (each weekday at its recent mean, no interval): too small to model "
             "(forecast.min_share / min_daily_cost)",
    "fit_limit": "forecast naively (each weekday at its recent mean, no interval): beyond the largest series "
                 "fitted per run (forecast.max_models)",
}


def model_text(f: SeriesForecast) -> str:
    """The model column: the model's name, and why a series was forecast naively when that was a choice."""
    return f"{f.model}, naive: {NAIVE[f.naive]}" if f.naive else f.model


def level_text(level: float) -> str:
    return f"{100 * level:g}%"


def _level(result: ForecastReport) -> float | None:
    """The interval level the tables and chart show: the first configured one (80% by default)."""
    return result.levels[0] if result.levels else None


def _interval(intervals: Sequence[Interval], level: float | None) -> Interval | None:
    return next((i for i in intervals if i.level == level), None)


def _ordered(result: ForecastReport) -> list[SeriesForecast]:
    """Series by month-end forecast, highest first; the total last."""
    series = sorted((f for f in result.forecasts if not f.total), key=lambda f: (-f.month_end.forecast, label(f)))
    return series + [f for f in result.forecasts if f.total]


def _month(p: PeriodForecast) -> str:
    return f"{p.month:%Y-%m}"


def _interval_shown(p: PeriodForecast, level: float | None) -> Interval | None:
    """The period's interval at `level`, or None when it has no width (a month already complete at as_of)."""
    iv = _interval(p.intervals, level)
    return iv if iv is not None and iv.lower != iv.upper else None


def _cell(p: PeriodForecast, level: float | None, cur: str) -> str:
    iv = _interval_shown(p, level)
    text = money(p.forecast, cur)
    return f"{text} ({money(iv.lower, cur)} to {money(iv.upper, cur)})" if iv else text


def _keys_text(result: ForecastReport) -> str:
    return ", ".join(result.keys) if result.keys else "total only"


def _summary(result: ForecastReport, cur: str) -> str:
    total = result.total
    level = _level(result)
    head = f"As of {result.as_of}, {cur}, per {_keys_text(result)}, {result.horizon_months} month(s) ahead"
    if total is None:
        return head + "."
    end = total.month_end
    if result.as_of.day == end.days and total.months:  # as_of closes its month: lead with the next one
        nxt = total.months[0]
        return (f"{head}: {_month(end)} is complete at {money(end.actual_to_date, cur)}; the total for "
                f"{_month(nxt)} is forecast at {money(nxt.forecast, cur)}{_range(nxt, level, cur)}.")
    return (f"{head}: the total for {_month(end)} is forecast at {money(end.forecast, cur)}"
            f"{_range(end, level, cur)}, of which {money(total.month_to_date, cur)} is already spent.")


def _range(p: PeriodForecast, level: float | None, cur: str) -> str:
    iv = _interval_shown(p, level)
    return f" ({level_text(iv.level)} interval {money(iv.lower, cur)} to {money(iv.upper, cur)})" if iv else ""


def _backtest_summary(result: ForecastReport) -> str | None:
    bt = result.backtest
    if bt is None:
        return None
    held = ", ".join(f"{m:%Y-%m}" for m in bt.months)
    parts = [f"MAPE {pct(_p(bt.mape))}", f"median APE {pct(_p(bt.median_ape))}", f"WAPE {pct(_p(bt.wape))}"]
    if bt.total_mape is not None:
        parts.append(f"total series {pct(_p(bt.total_mape))}")
    held_in = "; ".join(f"{k} intervals held {pct(100 * v, 0)} of actuals" for k, v in bt.coverage.items())
    return f"Held out {held}, each forecast from the history before it: {', '.join(parts)}" + \
        (f"; {held_in}." if held_in else ".")


def _p(value: float | None) -> float | None:
    return None if value is None else 100 * value


# -- Markdown -----------------------------------------------------------------------------------------------
def markdown(result: ForecastReport, currency: str) -> str:
    cur = result.currency or currency
    level = _level(result)
    lines = [f"## {TITLE}", "", _summary(result, cur)]
    rows = _ordered(result)
    if rows:
        months = [rows[0].month_end, *rows[0].months]
        head = ["Series", "Model", "Month to date", f"{_month(months[0])} month end", *(_month(m) for m in months[1:])]
        if level is not None:
            lines += ["", f"Forecast totals per month, the {level_text(level)} prediction interval in brackets:"]
        lines += ["", "| " + " | ".join(head) + " |", "|" + "---|" * 2 + "---:|" * (len(head) - 2)]
        shown = [f for f in rows if not f.total][:MAX_ROWS] + [f for f in rows if f.total]
        for f in shown:
            name = f"**{_md(label(f))}**" if f.total else _md(label(f))
            cells = [name, _md(model_text(f)), money(f.month_to_date, cur),
                     *(_cell(p, level, cur) for p in [f.month_end, *f.months])]
            lines.append("| " + " | ".join(cells) + " |")
        if len(rows) > len(shown):
            lines += ["", f"and {len(rows) - len(shown)} more series (see forecast.csv)."]
    notes = series_notes(rows)
    if result.backtest is not None:
        bt = result.backtest
        lines += ["", "### Back-test", "", _backtest_summary(result) or ""]
        series = sorted(bt.series, key=lambda s: (s.total, -(s.mape or 0.0)))
        if series:
            lines += ["", "| Series | MAPE | " + " | ".join(f"{m:%Y-%m} APE" for m in bt.months) + " |",
                      "|---|" + "---:|" * (len(bt.months) + 1)]
            for s in series[:MAX_ROWS] + [s for s in series[MAX_ROWS:] if s.total]:
                apes = {r.month: r.ape for r in s.months}
                name = "**total**" if s.total else _md(_key_label(s.key))
                lines.append(f"| {name} | {pct(_p(s.mape))} | " +
                             " | ".join(pct(_p(apes.get(m))) for m in bt.months) + " |")
    if result.notes or notes:
        lines += ["", *(f"- {_md(n)}" for n in [*result.notes, *notes])]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def _key_label(key: dict[str, object]) -> str:
    if len(key) == 1:
        return str(next(iter(key.values())))
    return ", ".join(f"{k}={v}" for k, v in key.items()) or "total"


# -- HTML ---------------------------------------------------------------------------------------------------
def html(result: ForecastReport, currency: str) -> str:
    cur = result.currency or currency
    level = _level(result)
    out = ['<section id="forecast" aria-labelledby="forecast-heading">',
           f'<h2 id="forecast-heading">{TITLE}</h2>', f'<p id="forecast-summary">{escape(_summary(result, cur))}</p>']
    rows = _ordered(result)
    charts = []
    if result.total is not None:
        charts.append(f"<figure><figcaption>Daily total: the last {len(result.history)} days and the forecast"
                      f"</figcaption>{_trend_chart(result, cur)}</figure>")
    series = [f for f in rows if not f.total]
    if series:
        from finguard.report.charts import bar_chart

        bars = [(label(f), f.month_end.forecast, money(f.month_end.forecast, cur), "bar-cost")
                for f in series[:MAX_ROWS]]
        charts.append("<figure><figcaption>Month-end forecast per series</figcaption>" + bar_chart(
            "chart-forecast-series", "Month-end forecast per series",
            f"Horizontal bars: each series' forecast total for {_month(series[0].month_end)} (actual to date plus "
            "the forecast for the rest of the month), highest first.", bars, more=len(series) - len(bars))
            + "</figure>")
    if charts:
        out.append('<div class="charts">' + "".join(charts) + "</div>")
    if rows:
        months = [rows[0].month_end, *rows[0].months]
        caption = f", the {level_text(level)} prediction interval below each" if level is not None else ""
        out.append(f'<table id="forecast-series"><caption class="muted">Forecast totals per month{caption}</caption>')
        out.append('<thead><tr><th scope="col">Series</th><th scope="col">Model</th>'
                   '<th scope="col" class="num">Month to date</th>'
                   f'<th scope="col" class="num">{_month(months[0])} month end</th>'
                   + "".join(f'<th scope="col" class="num">{_month(m)}</th>' for m in months[1:])
                   + "</tr></thead><tbody>")
        shown = series[:MAX_ROWS] + [f for f in rows if f.total]
        for f in shown:
            cls = ' class="total"' if f.total else ""
            note = f' title="{escape(f.note)}"' if f.note else ""
            out.append(f"<tr{cls} data-series=\"{escape(label(f))}\"><th scope=\"row\">{escape(label(f))}</th>"
                       f"<td{note}>{escape(model_text(f))}</td>"
                       f"<td class=\"num\">{escape(money(f.month_to_date, cur))}</td>"
                       + "".join(_html_cell(p, level, cur) for p in [f.month_end, *f.months]) + "</tr>")
        out.append("</tbody></table>")
        if len(series) > MAX_ROWS:
            out.append(f'<p class="muted">and {len(series) - MAX_ROWS} more series (see forecast.csv).</p>')
    bt = result.backtest
    if bt is not None:
        out.append('<h3 id="forecast-backtest-heading">Back-test</h3>')
        out.append(f'<p id="forecast-backtest-summary">{escape(_backtest_summary(result) or "")}</p>')
        ordered = sorted(bt.series, key=lambda s: (s.total, -(s.mape or 0.0)))
        out.append('<table id="forecast-backtest"><thead><tr><th scope="col">Series</th>'
                   '<th scope="col" class="num">MAPE</th>'
                   + "".join(f'<th scope="col" class="num">{m:%Y-%m} APE</th>' for m in bt.months)
                   + "</tr></thead><tbody>")
        for s in ordered[:MAX_ROWS] + [s for s in ordered[MAX_ROWS:] if s.total]:
            apes = {r.month: r for r in s.months}
            cls = ' class="total"' if s.total else ""
            name = "total" if s.total else _key_label(s.key)
            cells = "".join(_ape_cell(apes.get(m), cur) for m in bt.months)
            out.append(f'<tr{cls}><th scope="row">{escape(name)}</th><td class="num">{pct(_p(s.mape))}</td>'
                       f"{cells}</tr>")
        out.append("</tbody></table>")
    notes = [*result.notes, *series_notes(rows)]
    if notes:
        out.append('<ul class="notes muted">' + "".join(f"<li>{escape(n)}</li>" for n in notes) + "</ul>")
    out.append("</section>")
    return "\n".join(out)


def _html_cell(p: PeriodForecast, level: float | None, cur: str) -> str:
    iv = _interval_shown(p, level)
    rng = f'<br><span class="muted">{escape(money(iv.lower, cur))} to {escape(money(iv.upper, cur))}</span>' \
        if iv else ""
    return f'<td class="num">{escape(money(p.forecast, cur))}{rng}</td>'


def _ape_cell(row: object, cur: str) -> str:
    if row is None:
        return '<td class="num">n/a</td>'
    tip = f"actual {money(row.actual, cur)}, forecast {money(row.forecast, cur)}"  # type: ignore[attr-defined]
    return f'<td class="num" title="{escape(tip)}">{pct(_p(row.ape))}</td>'  # type: ignore[attr-defined]


def _trend_chart(result: ForecastReport, cur: str) -> str:
    """The total's actual days, then its forecast mean and interval bounds (dashed), on one date axis.

    `line_chart` draws every series over every x label, so each line is padded with zeros where it has no
    value and the padding is then cut from its points (and its hover title restated): actuals end at as_of,
    the forecast lines start the day after."""
    from finguard.report.charts import color, line_chart

    total = result.total
    assert total is not None
    level = _level(result)
    hist = [d.cost for d in result.history]
    days = [d.date for d in result.history] + [p.date for p in total.daily]
    h, n = len(hist), len(total.daily)
    mean = [p.forecast for p in total.daily]
    series: list[tuple[str, list[float], str]] = [("actual", hist + [0.0] * n, color(0)),
                                                  ("forecast", [0.0] * h + mean, color(1))]
    bands: list[tuple[str, list[float]]] = []
    ivs = [_interval(p.intervals, level) for p in total.daily]
    if n and all(iv is not None for iv in ivs):
        lower = [iv.lower for iv in ivs if iv is not None]
        upper = [iv.upper for iv in ivs if iv is not None]
        bands = [(f"{level_text(level or 0)} lower", lower), (f"{level_text(level or 0)} upper", upper)]
        series += [(name, [0.0] * h + vs, "#959da5") for name, vs in bands]
    desc = (f"Lines: the total's daily {cur} cost from {days[0]} to {result.as_of}, then its forecast mean to "
            f"{days[-1]}" + (f", with the {level_text(level or 0)} prediction interval's bounds dashed."
                             if bands else " (no interval: too little history)."))
    svg = line_chart("chart-forecast-trend", "Daily total: history and forecast", desc, [f"{d:%b %d}" for d in days],
                     series, y_format=lambda v: compact_money(v, cur), dashed=tuple(name for name, _ in bands))
    svg = _trim(svg, "actual", 0, h, f"actual: {money(sum(hist), cur)} over {h} day(s) to {result.as_of}")
    svg = _trim(svg, "forecast", h, h + n, f"forecast: {money(sum(mean), cur)} over {n} day(s)")
    for name, _ in bands:
        svg = _trim(svg, name, h, h + n, f"{name} bound of the daily forecast ({_span(days[h:])})")
    return svg


def _span(days: list[date]) -> str:
    return f"{days[0]} to {days[-1]}" if days else "no days"


def _trim(svg: str, name: str, start: int, stop: int, title: str) -> str:
    """Keep points [start, stop) of the polyline of series `name` and give it `title`."""
    pattern = re.compile(r'(<polyline class="series" data-series="' + re.escape(str(escape(name)))
                         + r'"[^>]*? points=")([^"]*)(">)<title>.*?</title>')

    def cut(m: re.Match[str]) -> str:
        points = m.group(2).split(" ")[start:stop]
        return f"{m.group(1)}{' '.join(points)}{m.group(3)}<title>{escape(title)}</title>"

    return pattern.sub(cut, svg, count=1)


# -- CSV ----------------------------------------------------------------------------------------------------
def write_csv(result: ForecastReport, directory: Path) -> list[Path]:
    """forecast.csv (every series x month), forecast_daily.csv (the total's history and daily forecast) and,
    with a back-test, forecast_backtest.csv."""
    directory.mkdir(parents=True, exist_ok=True)
    bounds = [f"{side}_{100 * lv:g}" for lv in result.levels for side in ("lower", "upper")]

    def interval_cells(intervals: Sequence[Interval]) -> list[object]:
        by_level = {i.level: i for i in intervals}
        return [getattr(by_level[lv], side) if lv in by_level else "" for lv in result.levels
                for side in ("lower", "upper")]

    written = []
    path = directory / "forecast.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["series", *result.keys, "total", "model", "month", "month_end", "actual_to_date", "forecast",
                    *bounds, "method", "naive", "rolled_up_series"])
        for f in _ordered(result):
            for p in [f.month_end, *f.months]:
                w.writerow([label(f), *(f.key.get(k, "") for k in result.keys), f.total, f.model, p.month,
                            p is f.month_end, p.actual_to_date, p.forecast, *interval_cells(p.intervals),
                            f.method, f.naive or "", f.rollup.series if f.rollup else ""])
    written.append(path)
    path = directory / "forecast_daily.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["date", "kind", "cost", *bounds])
        for d in result.history:
            w.writerow([d.date, "actual", d.cost, *([""] * len(bounds))])
        if result.total is not None:
            for p in result.total.daily:
                w.writerow([p.date, "forecast", p.forecast, *interval_cells(p.intervals)])
    written.append(path)
    if result.backtest is not None:
        path = directory / "forecast_backtest.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["series", *result.keys, "total", "month", "model", "actual", "forecast", "ape", *bounds])
            for s in result.backtest.series:
                for r in s.months:
                    w.writerow(["total" if s.total else _key_label(s.key), *(s.key.get(k, "") for k in result.keys),
                                s.total, r.month, r.model, r.actual, r.forecast,
                                "" if r.ape is None else r.ape, *interval_cells(r.intervals)])
        written.append(path)
    return written


# -- terminal -----------------------------------------------------------------------------------------------
def text(result: ForecastReport, currency: str) -> str:
    cur = result.currency or currency
    level = _level(result)
    lines = [f"forecast as of {result.as_of} ({cur}, per {_keys_text(result)}, {result.horizon_months} month(s) "
             f"ahead{', ' + level_text(level) + ' intervals' if level is not None else ''})"]
    rows = _ordered(result)
    shown = [f for f in rows if f.total] + [f for f in rows if not f.total][:TEXT_ROWS]
    for f in shown:
        months = "; ".join(f"{_month(p)} {_cell(p, level, cur)}" for p in f.months)
        lines.append(f"  {label(f)}: {_month(f.month_end)} month end {_cell(f.month_end, level, cur)}, "
                     f"{money(f.month_to_date, cur)} to date" + (f"; {months}" if months else "")
                     + f" [{model_text(f)}]")
    if len(rows) > len(shown):
        lines.append(f"  and {len(rows) - len(shown)} more series (--json or --out for all)")
    summary = _backtest_summary(result)
    if summary:
        lines.append(f"back-test: {summary}")
    lines += [f"note: {n}" for n in [*result.notes, *series_notes(rows)]]
    return "\n".join(lines)


def series_notes(rows: Sequence[SeriesForecast]) -> list[str]:
    """Each distinct model note once, naming its series ('30 days of history ...: total, payments')."""
    by_note: dict[str, list[str]] = {}
    for f in rows:  # naive choices by reason (their notes carry each series' own figures: see the JSON)
        note = NAIVE_NOTES[f.naive] if f.naive else f.note
        if note:
            by_note.setdefault(note, []).append(label(f))
        if f.rollup is not None:
            r = f.rollup
            held = f"{r.series} series too small ({r.small}) or too short ({r.short}) to forecast alone " \
                   "(forecast.min_share / min_daily_cost, min_history_days), summed; forecast.json names them"
            by_note.setdefault(f"rolled up: {held}", []).append(_key_label(f.key))
    return [f"{note} ({', '.join(names[:5])}{f' and {len(names) - 5} more' if len(names) > 5 else ''})"
            for note, names in by_note.items()]
