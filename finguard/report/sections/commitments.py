"""The commitments section: utilisation, coverage, unused cost and effective savings rate per commitment, type
and owner, and the what-if of the hourly commitment to buy (see `finguard.report.sections` for the interface)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import escape

from finguard.report._billing import money, pct

if TYPE_CHECKING:
    from finguard.billing.commitments import (
        CommitmentFigures,
        CommitmentRecommendation,
        CommitmentResult,
        CommitmentsResult,
    )

NAME = "commitments"
TITLE = "Commitments"
MAX_ROWS = 25  # commitments in the charts; owner lines in the Markdown/HTML owner table (all are in the CSV)
GOOD_UTILISATION = 0.9  # at or above: green; below break-even (1 - discount): red; in between: amber
FALLBACK_BREAK_EVEN = 0.7  # when no discount could be observed
NUM = ' class="num"'
FIGURES = ("fee", "used_effective_cost", "unused_cost", "covered_list_cost", "eligible_list_cost",
           "eligible_effective_cost", "eligible_on_demand_cost", "net_savings", "utilisation", "coverage",
           "effective_savings_rate")
WHATIF = ("lookback_days", "commitment_type", "method", "window_start", "window_end", "hours", "eligible_list_cost",
          "mean_hourly_spend", "target_coverage", "percentile", "discount", "discount_source", "list_level",
          "hourly_commitment", "current_hourly_commitment", "additional_hourly_commitment", "expected_coverage",
          "expected_utilisation", "break_even_utilisation", "monthly_commitment_cost", "expected_monthly_savings")


# -- shared helpers -----------------------------------------------------------------------------------------
def ratio(value: float | None, digits: int = 1) -> str:
    """A 0-1 ratio as a percent ('n/a' when its base was 0)."""
    return pct(None if value is None else 100 * value, digits)


def hourly(value: float | None, cur: str) -> str:
    """Hourly rates need more than cents: $0.3320/h."""
    if value is None:
        return "-"
    return f"${value:,.4f}/h" if cur == "USD" else f"{value:,.4f} {cur}/h"


def name(c: CommitmentResult) -> str:
    return c.name or c.id


def utilisation_class(c: CommitmentResult) -> str:
    """bar-good from 90%; bar-bad below break-even (1 - discount: the commitment costs more than on-demand)."""
    if c.utilisation is None:
        return "bar-bad"
    if c.utilisation >= GOOD_UTILISATION:
        return "bar-good"
    break_even = 1 - c.discount if c.discount is not None else FALLBACK_BREAK_EVEN
    return "bar-bad" if c.utilisation < break_even else "bar-warn"


def coverage_class(value: float | None, target: float) -> str:
    if value is None:
        return "bar-bad"
    return "bar-good" if value >= target - 1e-9 else "bar-warn" if value >= target - 0.2 else "bar-bad"


def type_totals(result: CommitmentsResult) -> list[tuple[str, dict[str, float | None]]]:
    """Per commitment type, its figures summed over the periods and the ratios recomputed from the sums."""
    sums: dict[str, dict[str, float]] = {}
    for row in result.report.by_type:
        acc = sums.setdefault(row.type, {})
        for field in FIGURES[:8]:
            acc[field] = acc.get(field, 0.0) + getattr(row, field)
    return [(kind, _ratios(acc)) for kind, acc in sorted(sums.items())]


def _ratios(s: dict[str, float]) -> dict[str, float | None]:
    used, unused, eligible = s["used_effective_cost"], s["unused_cost"], s["eligible_list_cost"]
    return {**s, "utilisation": used / (used + unused) if used + unused else None,
            "coverage": s["covered_list_cost"] / eligible if eligible else None,
            "effective_savings_rate": s["net_savings"] / eligible if eligible else None}


def overall(result: CommitmentsResult) -> dict[str, float | None]:
    cs = result.report.commitments
    used, unused = sum(c.used_effective_cost for c in cs), sum(c.unused_cost for c in cs)
    return {"used": used, "unused": unused, "fee": sum(c.fee for c in cs),
            "utilisation": used / (used + unused) if used + unused else None}


def _window(result: CommitmentsResult) -> str:
    periods = result.report.periods
    if not periods:
        return "no periods"
    return f"{periods[0]:%Y-%m}" if len(periods) == 1 else f"{periods[0]:%Y-%m} to {periods[-1]:%Y-%m}"


def _summary(result: CommitmentsResult, cur: str) -> str:
    o = overall(result)
    n = len(result.report.commitments)
    return (f"{n} commitment{'s' if n != 1 else ''} in {_window(result)} ({cur}): utilisation "
            f"{ratio(o['utilisation'])}, unused commitment {money(o['unused'], cur)}; per-owner figures by "
            f"{result.owner_dimension}.")


def _whatif_head(result: CommitmentsResult) -> str:
    return (f"What-if: the hourly {result.commitment_type} commitment reaching {ratio(result.target_coverage, 0)} "
            "coverage of eligible on-demand-equivalent spend over each trailing window.")


def _when(moment: datetime) -> str:
    """A window bound: the day when it is midnight (the usual case), else day and hour."""
    return f"{moment:%Y-%m-%d}" if moment.hour == moment.minute == 0 else f"{moment:%Y-%m-%d %H:%M}"


def _whatif_cells(r: CommitmentRecommendation, cur: str) -> list[str]:
    return [f"{r.lookback_days} days", f"{_when(r.window_start)} to {_when(r.window_end)}",
            hourly(r.mean_hourly_spend, cur), hourly(r.hourly_commitment, cur),
            hourly(r.current_hourly_commitment, cur),
            hourly(r.additional_hourly_commitment, cur), ratio(r.expected_coverage), ratio(r.expected_utilisation),
            money(r.expected_monthly_savings, cur), ratio(r.break_even_utilisation),
            f"{ratio(r.discount)} ({r.discount_source})"]


WHATIF_HEAD = ["Lookback", "Window", "Eligible spend/h (list)", "Hourly commitment", "Held now", "To add",
               "Expected coverage", "Expected utilisation", "Expected savings/month", "Break-even utilisation",
               "Discount"]
COMMITMENT_HEAD = ["Commitment", "Type", "Utilisation", "Coverage", "Unused", "Effective savings rate",
                   "Net savings", "Commitment/h", "Discount", "Fee"]
TYPE_HEAD = ["Period", "Type", "Covered (list)", "Eligible (list)", "Coverage", "Unused", "Effective savings rate"]
OWNER_HEAD = ["Period", "Owner", "Commitment", "Covered (list)", "Eligible (list)", "Coverage", "Unused",
              "Effective savings rate"]


def _commitment_cells(c: CommitmentResult, cur: str) -> list[str]:
    return [ratio(c.utilisation), ratio(c.coverage), money(c.unused_cost, cur), ratio(c.effective_savings_rate),
            money(c.net_savings, cur), hourly(c.hourly_commitment, cur), ratio(c.discount), money(c.fee, cur)]


def _figure_cells(f: CommitmentFigures, cur: str) -> list[str]:
    return [money(f.covered_list_cost, cur), money(f.eligible_list_cost, cur), ratio(f.coverage),
            money(f.unused_cost, cur), ratio(f.effective_savings_rate)]


def _owners(result: CommitmentsResult) -> list[Any]:
    """Owner lines by eligible spend, highest first."""
    return sorted(result.report.by_owner, key=lambda o: (o.period, -o.eligible_list_cost, o.owner, o.commitment_id))


def _names(result: CommitmentsResult) -> dict[str, str]:
    return {c.id: name(c) for c in result.report.commitments}


# -- Markdown -----------------------------------------------------------------------------------------------
def _md(text: str) -> str:
    return text.replace("|", "\\|")


def _table(head: list[str], rows: Iterable[list[str]], numeric_from: int) -> list[str]:
    lines = ["", "| " + " | ".join(head) + " |",
             "|" + "---|" * numeric_from + "---:|" * (len(head) - numeric_from)]
    lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
    return lines


def markdown(result: CommitmentsResult, currency: str) -> str:
    cur = result.currency or currency
    names = _names(result)
    lines = [f"## {TITLE}", "", _summary(result, cur)]
    lines += _table(COMMITMENT_HEAD, ([f"{name(c)} (`{c.id}`)" if c.name else f"`{c.id}`", c.type or "-",
                                       *_commitment_cells(c, cur)] for c in result.report.commitments), 2)
    if result.report.by_type:
        lines += ["", "Coverage per type: " + "; ".join(
            f"{kind} {ratio(t['coverage'])} of {money(t['eligible_list_cost'], cur)} eligible, effective savings rate "
            f"{ratio(t['effective_savings_rate'])}" for kind, t in type_totals(result)) + "."]
        lines += _table(TYPE_HEAD, ([f"{t.period:%Y-%m}", t.type, *_figure_cells(t, cur)]
                                    for t in result.report.by_type), 2)
    owners = _owners(result)
    if owners:
        lines += ["", f"### Per {result.owner_dimension}"]
        lines += _table(OWNER_HEAD, ([f"{o.period:%Y-%m}", o.owner, names.get(o.commitment_id, o.commitment_id),
                                      *_figure_cells(o, cur)] for o in owners[:MAX_ROWS]), 3)
        if len(owners) > MAX_ROWS:
            lines += ["", f"and {len(owners) - MAX_ROWS} more lines (see commitments_by_owner.csv)."]
    lines += ["", "### What-if", "", _whatif_head(result)]
    if result.recommendations:
        lines += _table(WHATIF_HEAD, (_whatif_cells(r, cur) for r in result.recommendations), 2)
    notes = [*result.report.warnings, *result.notes]
    if notes:
        lines += ["", *(f"- {_md(n)}" for n in notes)]
    return "\n".join(lines) + "\n"


# -- HTML ---------------------------------------------------------------------------------------------------
def _html_table(table_id: str, head: list[str], rows: Iterable[list[str]], numeric_from: int,
                caption: str | None = None) -> str:
    out = [f'<table id="{table_id}">']
    if caption:
        out.append(f'<caption class="muted">{escape(caption)}</caption>')
    out.append("<thead><tr>" + "".join(
        f'<th scope="col"{NUM if i >= numeric_from else ""}>{escape(h)}</th>'
        for i, h in enumerate(head)) + "</tr></thead><tbody>")
    for row in rows:
        cells = [f'<th scope="row">{row[0]}</th>'] + [
            f'<td{NUM if i >= numeric_from else ""}>{cell}</td>' for i, cell in enumerate(row) if i]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _esc(cells: list[str]) -> list[str]:
    return [str(escape(c)) for c in cells]


def html(result: CommitmentsResult, currency: str) -> str:
    from finguard.report.charts import bar_chart

    cur = result.currency or currency
    names = _names(result)
    o = overall(result)
    cs = result.report.commitments
    out = ['<section id="commitments" aria-labelledby="commitments-heading">',
           f'<h2 id="commitments-heading">{TITLE}</h2>',
           f'<p id="commitments-summary">{escape(_summary(result, cur))}</p>',
           '<ul class="cards">',
           f'<li><span class="value">{len(cs)}</span><span class="label">commitments</span></li>',
           f'<li><span class="value">{escape(ratio(o["utilisation"]))}</span>'
           '<span class="label">utilisation</span></li>',
           f'<li><span class="value">{escape(money(o["unused"], cur))}</span><span class="label">unused commitment'
           "</span></li>"]
    for kind, t in type_totals(result):
        out.append(f'<li><span class="value">{escape(ratio(t["coverage"]))}</span><span class="label">'
                   f'{escape(kind)} coverage</span></li>')
    out.append("</ul>")
    shown = cs[:MAX_ROWS]
    util = [(name(c), 100 * (c.utilisation or 0.0), ratio(c.utilisation), utilisation_class(c)) for c in shown]
    cov = [(kind, 100 * (t["coverage"] or 0.0), ratio(t["coverage"]), coverage_class(t["coverage"],
                                                                                     result.target_coverage))
           for kind, t in type_totals(result)]
    unused = [(name(c), c.unused_cost, money(c.unused_cost, cur), "bar-bad") for c in shown]
    out.append('<div class="charts">')
    out.append("<figure><figcaption>Utilisation per commitment</figcaption>" + bar_chart(
        "chart-commitment-utilisation", "Utilisation per commitment",
        f"Horizontal bars: used / (used + unused) amortised commitment of each commitment; green from "
        f"{ratio(GOOD_UTILISATION, 0)}, red below break-even (1 - discount), amber in between.",
        util, scale=100.0, track=True, more=len(cs) - len(shown)) + "</figure>")
    out.append("<figure><figcaption>Coverage per commitment type</figcaption>" + bar_chart(
        "chart-commitment-coverage", "Coverage per commitment type",
        f"Horizontal bars: on-demand-equivalent spend covered by each type's commitments, of the usage they could "
        f"cover; green at the {ratio(result.target_coverage, 0)} target.", cov, scale=100.0, track=True)
        + "</figure>")
    out.append("<figure><figcaption>Unused commitment</figcaption>" + bar_chart(
        "chart-commitment-unused", "Unused commitment per commitment",
        f"Horizontal bars: amortised commitment ({cur}) nothing consumed, per commitment.", unused,
        more=len(cs) - len(shown)) + "</figure>")
    out.append("</div>")
    out.append(_html_table("commitments-table", COMMITMENT_HEAD, (
        [f'<span title="{escape(c.id)}">{escape(name(c))}</span>' if c.name else f"<code>{escape(c.id)}</code>",
         str(escape(c.type or "-")), *_esc(_commitment_cells(c, cur))] for c in cs), 2))
    if result.report.by_type:
        out.append(_html_table("commitments-by-type", TYPE_HEAD, (
            _esc([f"{t.period:%Y-%m}", t.type, *_figure_cells(t, cur)]) for t in result.report.by_type), 2,
            caption="Coverage per type and period"))
    owners = _owners(result)
    if owners:
        out.append(f"<details><summary>Per {escape(result.owner_dimension)}: {len(owners)} line(s)</summary>")
        out.append(_html_table("commitments-by-owner", OWNER_HEAD, (
            _esc([f"{o.period:%Y-%m}", o.owner, names.get(o.commitment_id, o.commitment_id), *_figure_cells(o, cur)])
            for o in owners[:MAX_ROWS]), 3))
        if len(owners) > MAX_ROWS:
            out.append(f'<p class="muted">and {len(owners) - MAX_ROWS} more lines (see commitments_by_owner.csv).</p>')
        out.append("</details>")
    out.append('<h3 id="commitments-whatif-heading">What-if</h3>')
    out.append(f"<p>{escape(_whatif_head(result))}</p>")
    if result.recommendations:
        out.append(_html_table("commitments-whatif", WHATIF_HEAD,
                               (_esc(_whatif_cells(r, cur)) for r in result.recommendations), 2))
    notes = [*result.report.warnings, *result.notes]
    if notes:
        out.append('<ul class="notes muted">' + "".join(f"<li>{escape(n)}</li>" for n in notes) + "</ul>")
    out.append("</section>")
    return "\n".join(out)


# -- CSV ----------------------------------------------------------------------------------------------------
def write_csv(result: CommitmentsResult, directory: Path) -> list[Path]:
    """commitments.csv (each commitment in total and per period), commitments_by_type.csv,
    commitments_by_owner.csv and commitments_whatif.csv."""
    directory.mkdir(parents=True, exist_ok=True)
    report = result.report
    files: dict[str, tuple[list[str], list[list[Any]]]] = {
        "commitments.csv": (["id", "name", "type", "category", "period", *FIGURES, "hours", "hourly_commitment",
                             "discount"], []),
        "commitments_by_type.csv": (["period", "type", *FIGURES], []),
        "commitments_by_owner.csv": (["period", "owner", "commitment_id", *FIGURES], []),
        "commitments_whatif.csv": (list(WHATIF), []),
    }
    for c in report.commitments:
        ident = [c.id, c.name or "", c.type or "", c.category or ""]
        files["commitments.csv"][1].append([*ident, "all", *_values(c, FIGURES), c.hours, c.hourly_commitment,
                                            c.discount])
        for p in c.periods:
            files["commitments.csv"][1].append([*ident, p.period, *_values(p, FIGURES), p.hours,
                                                p.hourly_commitment, ""])
    files["commitments_by_type.csv"][1].extend([t.period, t.type, *_values(t, FIGURES)] for t in report.by_type)
    files["commitments_by_owner.csv"][1].extend([o.period, o.owner, o.commitment_id, *_values(o, FIGURES)]
                                                for o in _owners(result))
    files["commitments_whatif.csv"][1].extend(_values(r, WHATIF) for r in result.recommendations)
    written = []
    for file_name, (head, rows) in files.items():
        path = directory / file_name
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(head)
            w.writerows(rows)
        written.append(path)
    return written


def _values(model: Any, fields: Iterable[str]) -> list[Any]:
    return ["" if getattr(model, f) is None else getattr(model, f) for f in fields]


# -- terminal -----------------------------------------------------------------------------------------------
def text(result: CommitmentsResult, currency: str) -> str:
    cur = result.currency or currency
    lines = [f"commitments: {_summary(result, cur)}"]
    for c in result.report.commitments:
        lines.append(f"  {c.type or 'commitment'} {name(c)}: utilisation {ratio(c.utilisation)}, coverage "
                     f"{ratio(c.coverage)}, unused {money(c.unused_cost, cur)}, effective savings rate "
                     f"{ratio(c.effective_savings_rate)}, {hourly(c.hourly_commitment, cur)}")
    types = type_totals(result)
    if types:
        lines.append("  coverage per type: " + "; ".join(
            f"{kind} {ratio(t['coverage'])} of {money(t['eligible_list_cost'], cur)} eligible" for kind, t in types))
    lines.append(f"what-if: {result.commitment_type} at {ratio(result.target_coverage, 0)} coverage")
    for r in result.recommendations:
        lines.append(f"  {r.lookback_days} days: commit {hourly(r.hourly_commitment, cur)} (held now "
                     f"{hourly(r.current_hourly_commitment, cur)}, add {hourly(r.additional_hourly_commitment, cur)}); "
                     f"expected coverage {ratio(r.expected_coverage)}, utilisation {ratio(r.expected_utilisation)}, "
                     f"savings {money(r.expected_monthly_savings, cur)}/month; break-even utilisation "
                     f"{ratio(r.break_even_utilisation)}")
    lines += [f"note: {n}" for n in [*result.report.warnings, *result.notes]]
    return "\n".join(lines)
