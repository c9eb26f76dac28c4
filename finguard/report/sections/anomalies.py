"""The anomalies section: spikes, level shifts and drifts in daily allocated cost, with their root-cause hints
(`finguard billing anomalies`)."""

from __future__ import annotations

import csv
from pathlib import Path

from markupsafe import escape

from finguard.billing.anomalies import Anomaly, AnomalyReport, RootCause
from finguard.report import charts
from finguard.report._billing import CHART_MAX_ROWS, csv_number, money

NAME = "anomalies"
TITLE = "Cost anomalies"
KIND_TEXT = {"spike": "spike", "level_shift": "level shift", "drift": "drift"}
ROOT_CAUSES_SHOWN = 2  # per anomaly in the tables; the CSV has every one detect() returned
CSV_COLUMNS = ("date", "detected_on", "kind", "confirmed", "actual", "expected", "impact_per_day", "impact_total",
               "score", "root_cause", "currency")
CAUSE_COLUMNS = ("date", "kind", "rank", "resource_id", "usage", "baseline", "actual", "delta", "share", "currency")


def _series(a: Anomaly) -> str:
    return " / ".join(str(v) for v in a.key.values()) or "total"


def _kind(a: Anomaly) -> str:
    return KIND_TEXT.get(str(a.kind), str(a.kind)) + ("" if a.confirmed else " (unconfirmed)")


def _cause(c: RootCause, currency: str) -> str:
    return f"{c.resource_id} ({c.usage}) {money(c.delta, currency, signed=True)}/day, {c.share * 100:.0f}%"


def _hint(a: Anomaly, currency: str, limit: int = ROOT_CAUSES_SHOWN) -> list[str]:
    return [_cause(c, currency) for c in a.root_cause[:limit]]


def _chart_label(a: Anomaly) -> str:
    """Day and series, most specific key first (the owner before the service): the chart clips labels."""
    return f"{a.date:%m-%d} " + (" / ".join(str(v) for v in reversed(a.key.values())) or "total")


def _cause_html(c: RootCause, currency: str) -> str:
    return (f"<code>{escape(c.resource_id)}</code> {escape(c.usage)} "
            f"<strong>{escape(money(c.delta, currency, signed=True))}/day</strong> ({c.share * 100:.0f}%)")


def _ordered(result: AnomalyReport) -> list[Anomaly]:
    """Biggest total impact first: the order a reader should look at them in."""
    return sorted(result.anomalies, key=lambda a: (-abs(a.impact_total), a.date, _series(a)))


def _summary(result: AnomalyReport) -> str:
    n = len(result.anomalies)
    if result.as_of is None:
        return f"no allocated cost to score ({result.series_count} series)"
    found = f"{n} anomal{'y' if n == 1 else 'ies'}" if n else "no anomalies"
    total = sum(a.impact_total for a in result.anomalies)
    extra = f", total impact {money(total, result.currency, signed=True)}" if n else ""
    return (f"{found} detected from {result.since} to {result.as_of} in {result.series_count} daily series by "
            f"{', '.join(result.keys)}{extra}")


def text(result: AnomalyReport, currency: str) -> str:
    cur = result.currency or currency
    lines = [f"anomalies ({cur}): {_summary(result)}"]
    for a in _ordered(result):
        lines.append(f"  {a.date} {_kind(a)}: {_series(a)}: {money(a.impact_per_day, cur, signed=True)}/day "
                     f"(actual {money(a.actual, cur)} vs expected {money(a.expected, cur)}), total "
                     f"{money(a.impact_total, cur, signed=True)}, score {a.score:.1f}"
                     + (f", detected {a.detected_on}" if a.detected_on != a.date else ""))
        lines.extend(f"      cause: {h}" for h in _hint(a, cur))
    return "\n".join(lines)


def _md(value: str) -> str:
    return value.replace("|", "\\|")


def markdown(result: AnomalyReport, currency: str) -> str:
    cur = result.currency or currency
    lines = [f"## {TITLE}", "", f"{_summary(result)}."]
    if not result.anomalies:
        return "\n".join(lines) + "\n"
    lines += ["", f"| Kind | Series ({_md(' / '.join(result.keys))}) | First day | Impact/day | Total impact | Score | "
              "Root cause |", "|---|---|---|---:|---:|---:|---|"]
    for a in _ordered(result):
        hint = "<br>".join(_md(h) for h in _hint(a, cur)) or "-"
        lines.append(f"| {_kind(a)} | {_md(_series(a))} | {a.date} | {money(a.impact_per_day, cur, signed=True)} | "
                     f"{money(a.impact_total, cur, signed=True)} | {a.score:.1f} | {hint} |")
    return "\n".join(lines) + "\n"


def html(result: AnomalyReport, currency: str) -> str:
    """A bar per anomaly (its total impact, biggest first) and the table with root-cause hints.

    The detector's Anomaly carries no expected path around the event, only the first day's actual and expected,
    so there is no actual-vs-expected line chart; the table shows that day's pair."""
    cur = result.currency or currency
    ordered = _ordered(result)
    out = ['<section id="anomalies" aria-labelledby="anomalies-heading">',
           f'<h2 id="anomalies-heading">{escape(TITLE)}</h2>',
           f'<p class="muted">{escape(_summary(result))}.</p>']
    if not ordered:
        out.append("</section>")
        return "\n".join(out)
    shown = ordered[:CHART_MAX_ROWS]
    rows = [(_chart_label(a), abs(a.impact_total), money(a.impact_total, cur, signed=True),
             "bar-bad" if a.impact_total >= 0 else "bar-good") for a in shown]
    chart = charts.bar_chart(
        "chart-anomalies", "Total impact per anomaly", "Cost above (red) or below (green) each anomaly's baseline, "
        "from its first day to the end of the data or the series' next anomaly, biggest first.",
        rows, more=len(ordered) - len(shown))
    out.append(f'<div class="charts"><figure><figcaption>Total impact per anomaly</figcaption>{chart}</figure>'
               "</div>")
    out.append('<table id="anomalies-table"><thead><tr><th scope="col">Kind</th>'
               f'<th scope="col">Series ({escape(" / ".join(result.keys))})</th><th scope="col">First day</th>'
               '<th scope="col" class="num">Actual</th><th scope="col" class="num">Expected</th>'
               '<th scope="col" class="num">Impact/day</th><th scope="col" class="num">Total impact</th>'
               '<th scope="col" class="num">Score</th><th scope="col">Root cause</th></tr></thead><tbody>')
    for a in ordered:
        hint = "<br>".join(_cause_html(c, cur) for c in a.root_cause[:ROOT_CAUSES_SHOWN]) or \
            '<span class="muted">-</span>'
        detected = "" if a.detected_on == a.date else f'<br><span class="muted">detected {a.detected_on}</span>'
        out.append(
            f'<tr data-kind="{escape(str(a.kind))}" data-date="{a.date}"><td>{escape(_kind(a))}</td>'
            f'<td>{escape(_series(a))}</td><td style="white-space:nowrap">{a.date}{detected}</td>'
            f'<td class="num">{escape(money(a.actual, cur))}</td><td class="num">{escape(money(a.expected, cur))}</td>'
            f'<td class="num {"up" if a.impact_per_day >= 0 else "down"}">'
            f"{escape(money(a.impact_per_day, cur, signed=True))}</td>"
            f'<td class="num">{escape(money(a.impact_total, cur, signed=True))}</td>'
            f'<td class="num">{a.score:.1f}</td><td>{hint}</td></tr>')
    out.append("</tbody></table></section>")
    return "\n".join(out)


def write_csv(result: AnomalyReport, directory: Path) -> list[Path]:
    """anomalies.csv (one line per anomaly, a column per series key) and anomalies_root_causes.csv (every
    root-cause line, keyed by the anomaly's series, day and kind)."""
    directory.mkdir(parents=True, exist_ok=True)
    keys = list(result.keys)
    path = directory / "anomalies.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow([*keys, *CSV_COLUMNS])
        for a in result.anomalies:
            values = {"date": a.date.isoformat(), "detected_on": a.detected_on.isoformat(), "kind": str(a.kind),
                      "confirmed": "true" if a.confirmed else "false", "actual": _num(a.actual),
                      "expected": _num(a.expected), "impact_per_day": _num(a.impact_per_day),
                      "impact_total": _num(a.impact_total), "score": _num(a.score),
                      "root_cause": "; ".join(_hint(a, result.currency, 1)), "currency": result.currency}
            w.writerow([_key(a, k) for k in keys] + [values[c] for c in CSV_COLUMNS])
    causes = directory / "anomalies_root_causes.csv"
    with causes.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow([*keys, *CAUSE_COLUMNS])
        for a in result.anomalies:
            for rank, c in enumerate(a.root_cause, 1):
                w.writerow([_key(a, k) for k in keys] + [
                    a.date.isoformat(), str(a.kind), rank, c.resource_id, c.usage, _num(c.baseline), _num(c.actual),
                    _num(c.delta), _num(c.share), result.currency])
    return [path, causes]


def _key(a: Anomaly, key: str) -> str:
    value = a.key.get(key)
    return "" if value is None else str(value)


def _num(value: float) -> str:
    return csv_number(value, 6)
