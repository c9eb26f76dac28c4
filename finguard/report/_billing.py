"""What the billing report formats share: the report model, money in the bill's currency, and the charts.

The report is one pydantic model (showback + tag coverage) so JSON is a dump of it and Markdown, HTML and CSV
render the same numbers; formatting lives here so every format spells an amount the same way.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import BaseModel, Field

from finguard.billing.config import UNALLOCATED
from finguard.billing.coverage import AccountCoverage, TagCoverage
from finguard.billing.showback import OTHER_OWNERS, PeriodTotals, Showback
from finguard.report import _format

SCHEMA = "finguard.billing-report"
VERSION = 1
CHART_MAX_ROWS = 25
UNALLOCATED_COLOR = "#6a737d"
OTHER_COLOR = "#bab0ac"


class BillingReport(BaseModel):
    """Showback/chargeback and tag coverage of one allocation run, as every format renders it."""

    title: str
    generated_at: str = Field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0).isoformat())
    showback: Showback
    coverage: TagCoverage | None = None


def build_report(showback: Showback, coverage: TagCoverage | None = None, *, title: str | None = None
                 ) -> BillingReport:
    """The report; the default title names the window, e.g. 'billing 2024-01 to 2024-03'."""
    if title is None:
        months = sorted({p.period for p in showback.periods})
        span = "no charges" if not months else (f"{months[0]:%Y-%m}" if len(months) == 1 else
                                                f"{months[0]:%Y-%m} to {months[-1]:%Y-%m}")
        title = f"billing {span}"
    return BillingReport(title=title, showback=showback, coverage=coverage)


# -- formatting ---------------------------------------------------------------------------------------------
def _decimal(value: float | Decimal) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(repr(float(value)))


def money(value: float | Decimal | None, currency: str = "USD", *, signed: bool = False) -> str:
    """`$1,234.56` for USD (as the rest of finguard writes it), `1,234.56 EUR` for any other currency."""
    if value is None:
        return "-"
    amount = _decimal(value)
    if currency == "USD":
        return _format.money(amount, signed=signed)
    cents = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if cents < 0 else ("+" if signed and cents > 0 else "")
    return f"{sign}{abs(cents):,.2f} {currency}"


def compact_money(value: float, currency: str = "USD") -> str:
    """Axis labels: `$12k`, `$1.5M`, `-$300`."""
    sign = "-" if value < 0 else ""
    size = abs(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if size >= limit:
            text = f"{size / limit:.1f}".rstrip("0").rstrip(".") + suffix
            break
    else:
        text = f"{size:.2f}".rstrip("0").rstrip(".") if size < 10 else f"{size:.0f}"
    return f"{sign}${text}" if currency == "USD" else f"{sign}{text} {currency}"


def csv_number(value: float | None, places: int = 6) -> str:
    """A CSV cell at full precision without float noise: '' for None, no trailing zeros, never '-0'."""
    if value is None:
        return ""
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def pct(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}%"


def difference(value: float) -> str:
    """A reconciliation difference to a millionth: float noise shows as +0.000000 (never -0.000000)."""
    text = f"{value:+.6f}"
    return "+0.000000" if text == "-0.000000" else text


def month(value: date) -> str:
    return f"{value:%Y-%m}"


def coverage_class(value: float | None) -> str:
    if value is None or value < 50:
        return "bar-bad"
    return "bar-good" if value >= 90 else "bar-warn"


class Rest(BaseModel):
    """The owners a length-limited table leaves out, summed into one line."""

    count: int = 0
    direct: float = 0.0
    shared: dict[str, float] = Field(default_factory=dict)
    total: float = 0.0
    cents: int = 0


def _period(sb: Showback, period: PeriodTotals, limit: int | None) -> dict[str, Any]:
    """One period's owner and chargeback lines, the first `limit` of each and the rest summed ('(unallocated)'
    is always shown: it is the line a reader looks for)."""
    owners, lines = sb.owners_in(period.period), sb.chargeback_in(period.period)
    if limit is not None and len(owners) > limit + 1:
        shown = [o for o in owners if o.owner != UNALLOCATED][:limit] + [o for o in owners if o.owner == UNALLOCATED]
        names = {o.owner for o in shown}
        rest = Rest()
        for o in owners:
            if o.owner not in names:
                rest.count += 1
                rest.direct += o.direct
                rest.total += o.total
                for pool, amount in o.shared.items():
                    rest.shared[pool] = rest.shared.get(pool, 0.0) + amount
        rest.cents = sum(c.cents for c in lines if c.owner not in names)
        owners, lines = shown, [c for c in lines if c.owner in names]
    else:
        rest = None
    return {"totals": period, "owners": owners, "chargeback": lines, "rest": rest,
            "chargeback_cents": sum(c.cents for c in sb.chargeback_in(period.period))}


def context(report: BillingReport, *, limit: int | None = None) -> dict[str, Any]:
    """What the Markdown and HTML templates use besides the models; `limit` caps owner lines per period."""
    sb = report.showback
    cur = sb.currency
    periods = [_period(sb, p, limit) for p in sb.periods]
    return {
        "report": report, "sb": sb, "cov": report.coverage, "periods": periods, "owner_totals": sb.owner_totals(),
        "unallocated_name": UNALLOCATED,
        "money": lambda v, signed=False: money(v, cur, signed=signed), "pct": pct, "difference": difference,
        "month": month, "cents": lambda c: money(Decimal(c) / 100, cur),
        "billed": sb.billed, "allocated": sum(p.allocated for p in sb.periods), "unallocated": sb.unallocated,
        "matrix": coverage_matrix(report.coverage), "top_per_owner": 3,
        "owner_count": sum(o[0] != UNALLOCATED for o in sb.owner_totals()),
    }


def coverage_matrix(cov: TagCoverage | None) -> list[tuple[AccountCoverage, list[float | None]]]:
    """Per account (by taggable spend): its coverage in each dimension, for one table of them all."""
    if cov is None or not cov.dimensions:
        return []
    by_dim = [{a.account_id: a.percent for a in d.accounts} for d in cov.dimensions]
    return [(a, [percents.get(a.account_id) for percents in by_dim]) for a in cov.dimensions[0].accounts]


# -- charts -------------------------------------------------------------------------------------------------
def charts(report: BillingReport) -> dict[str, str]:
    """Inline SVG charts of the report, by name (the HTML page places them)."""
    from finguard.report.charts import bar_chart, color, donut_chart, line_chart, stacked_bar_chart

    sb = report.showback
    cur = sb.currency
    out: dict[str, str] = {}
    colors = {s.name: (UNALLOCATED_COLOR if s.name == UNALLOCATED else OTHER_COLOR if s.name == OTHER_OWNERS
                       else color(i)) for i, s in enumerate(sb.trend.series)}
    out["trend"] = line_chart(
        "chart-trend", "Daily cost per owner",
        f"Lines: daily {sb.cost_metric} per {sb.owner_dimension} from {sb.first_day} to {sb.last_day}, shared "
        f"pools included; the top owners by total, the rest as '{OTHER_OWNERS}', and '{UNALLOCATED}' dashed.",
        [f"{d:%b %d}" for d in sb.trend.days],
        [(s.name, s.values, colors[s.name]) for s in sb.trend.series],
        y_format=lambda v: compact_money(v, cur), dashed=(UNALLOCATED,))

    owners = sb.owner_totals()
    segments = [("direct", color(0))] + [(f"shared: {p}", color(i + 1)) for i, p in enumerate(sb.pools)]
    rows = [(owner, [direct] + [shared.get(p, 0.0) for p in sb.pools], money(total, cur))
            for owner, total, direct, shared in owners[:CHART_MAX_ROWS]]
    out["owners"] = stacked_bar_chart(
        "chart-owners", f"Cost per {sb.owner_dimension}",
        f"Stacked bars: each {sb.owner_dimension}'s {sb.cost_metric} over the report window, direct cost and its "
        f"split of each shared pool, highest first; '{UNALLOCATED}' last.",
        segments, rows, more=len(owners) - len(rows))

    direct = sum(total - sum(shared.values()) for owner, total, _, shared in owners if owner != UNALLOCATED)
    shared_total = sum(sum(shared.values()) for owner, _, _, shared in owners if owner != UNALLOCATED)
    parts = [("direct", direct, color(0)), *([("shared", shared_total, color(1))] if sb.pools else []),
             ("unallocated", sb.unallocated, UNALLOCATED_COLOR)]
    out["split"] = donut_chart(
        "chart-split", "Allocated and unallocated cost",
        f"Donut: of {money(sb.billed, cur)} billed, what owners carry directly, what they carry as shared pool "
        "splits, and what nobody owns.",
        parts, texts=[money(v, cur) for _, v, _ in parts], center=(compact_money(sb.billed, cur), "billed"),
        css_prefix="part-")

    services = [(s.service, s.cost, money(s.cost, cur), "bar-cost") for s in sb.top_services]
    out["services"] = bar_chart(
        "chart-services", "Top services",
        f"Horizontal bars: the {len(services)} services with the highest {sb.cost_metric} over the report window.",
        services)

    cov = report.coverage
    if cov is not None:
        dims = [(d.dimension, d.percent or 0.0, pct(d.percent), coverage_class(d.percent)) for d in cov.dimensions]
        out["coverage"] = bar_chart(
            "chart-coverage", "Tag coverage per dimension",
            "Horizontal bars: share of taggable spend (Usage charges with a resource) carrying a tag value for "
            "each allocation dimension.", dims, scale=100.0, track=True)
        owner = cov.owner
        accounts = sorted(owner.accounts if owner else [], key=lambda a: (a.percent or 0.0, a.account_id))
        rows_acc = [(a.account_name or a.account_id, a.percent or 0.0, pct(a.percent), coverage_class(a.percent))
                    for a in accounts[:CHART_MAX_ROWS]]
        out["accounts"] = bar_chart(
            "chart-accounts", f"{cov.owner_dimension} tag coverage per account",
            f"Horizontal bars: share of each account's taggable spend carrying a {cov.owner_dimension} tag, "
            "lowest first.", rows_acc, scale=100.0, track=True, more=len(accounts) - len(rows_acc))
    return out
