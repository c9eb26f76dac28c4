"""Inline SVG charts for the self-contained HTML reports (audit, billing), drawn in Python.

No script and no external asset: every chart is one `<svg role="img">` with a `<title>` and `<desc>` (what a
screen reader announces, and what the chart shows in words), and each bar, segment or line carries its own
`<title>` so hovering names the value. Coordinates are written short (`_n`) to keep pages small.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

# Tableau 10: distinguishable series colours that also survive a greyscale printout reasonably well
PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#edc948", "#76b7b2", "#ff9da7", "#9c755f", "#e15759",
           "#bab0ac")


def _n(value: float) -> str:
    """An SVG coordinate: short, and never an exponent."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _clip(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


def _svg_open(chart_id: str, title: str, desc: str, width: int, height: int) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" id="{chart_id}" class="chart" role="img" '
            f'aria-labelledby="{chart_id}-title {chart_id}-desc" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}">',
            f'<title id="{chart_id}-title">{escape(title)}</title>',
            f'<desc id="{chart_id}-desc">{escape(desc)}</desc>']


def color(index: int) -> str:
    """The palette colour of the index-th series (cycling)."""
    return PALETTE[index % len(PALETTE)]


def bar_chart(chart_id: str, title: str, desc: str, rows: list[tuple[str, float, str, str]], *,
              scale: float | None = None, track: bool = False, more: int = 0) -> str:
    """Horizontal bars: (label, value, value text, css class) per row; `scale` is the full-width value."""
    label_w, bar_w, value_w, row_h, top = 230, 320, 130, 24, 8
    width = label_w + bar_w + value_w
    height = top * 2 + row_h * max(len(rows), 1) + (row_h if more > 0 else 0)
    out = _svg_open(chart_id, title, desc, width, height)
    if not rows:
        out.append(f'<text class="chart-empty" x="{width // 2}" y="{top + 16}" text-anchor="middle">No data</text>')
    biggest = scale or max((v for _, v, _, _ in rows), default=0.0) or 1.0
    for i, (label, value, text, css) in enumerate(rows):
        y = top + i * row_h
        length = 0.0 if value <= 0 else max(bar_w * min(value / biggest, 1.0), 1.5)
        out.append(f'<g class="bar-row" data-label="{escape(label)}"><title>{escape(label)}: {escape(text)}</title>')
        out.append(f'<text class="chart-label" x="{label_w - 8}" y="{y + 16}" text-anchor="end">'
                   f'{escape(_clip(label))}</text>')
        if track:
            out.append(f'<rect class="bar-track" x="{label_w}" y="{y + 4}" width="{bar_w}" height="{row_h - 8}" '
                       'rx="2"/>')
        out.append(f'<rect class="bar {css}" x="{label_w}" y="{y + 4}" width="{_n(length)}" '
                   f'height="{row_h - 8}" rx="2"/>')
        out.append(f'<text class="chart-value" x="{label_w + bar_w + 8}" y="{y + 16}">{escape(text)}</text></g>')
    if more > 0:
        y = top + len(rows) * row_h
        out.append(f'<text class="chart-more" x="{label_w}" y="{y + 16}">and {more} more (see the table)</text>')
    out.append("</svg>")
    return "\n".join(out)


def stacked_bar_chart(chart_id: str, title: str, desc: str, segments: list[tuple[str, str]],
                      rows: list[tuple[str, list[float], str]], *, more: int = 0) -> str:
    """Horizontal bars split into segments: `segments` is (name, colour); each row is (label, one value per
    segment, total text). Negative values (credits) are not drawn: a bar shows what was spent, the text the net."""
    label_w, bar_w, value_w, row_h, top = 230, 320, 130, 24, 8
    legend_h = 22 * math.ceil(len(segments) / 3) if len(segments) > 1 else 0
    width = label_w + bar_w + value_w
    height = top * 2 + legend_h + row_h * max(len(rows), 1) + (row_h if more > 0 else 0)
    out = _svg_open(chart_id, title, desc, width, height)
    if len(segments) > 1:
        for i, (name, fill) in enumerate(segments):
            x, y = label_w + (i % 3) * (bar_w + value_w) // 3, top + 22 * (i // 3)
            out.append(f'<g class="legend"><rect x="{x}" y="{y}" width="12" height="12" rx="2" fill="{fill}"/>'
                       f'<text x="{x + 18}" y="{y + 11}">{escape(_clip(name, 24))}</text></g>')
    top += legend_h
    if not rows:
        out.append(f'<text class="chart-empty" x="{width // 2}" y="{top + 16}" text-anchor="middle">No data</text>')
    biggest = max((sum(max(v, 0.0) for v in values) for _, values, _ in rows), default=0.0) or 1.0
    for i, (label, values, text) in enumerate(rows):
        y = top + i * row_h
        parts = ", ".join(f"{name} {v:,.2f}" for (name, _), v in zip(segments, values, strict=True) if v)
        out.append(f'<g class="bar-row" data-label="{escape(label)}"><title>{escape(label)}: {escape(text)}'
                   f'{" (" + escape(parts) + ")" if len(segments) > 1 and parts else ""}</title>')
        out.append(f'<text class="chart-label" x="{label_w - 8}" y="{y + 16}" text-anchor="end">'
                   f'{escape(_clip(label))}</text>')
        x = float(label_w)
        for (name, fill), value in zip(segments, values, strict=True):
            if value <= 0:
                continue
            length = max(bar_w * value / biggest, 1.0)
            out.append(f'<rect class="bar bar-segment" data-segment="{escape(name)}" x="{_n(x)}" y="{y + 4}" '
                       f'width="{_n(length)}" height="{row_h - 8}" fill="{fill}"/>')
            x += length
        out.append(f'<text class="chart-value" x="{label_w + bar_w + 8}" y="{y + 16}">{escape(text)}</text></g>')
    if more > 0:
        y = top + len(rows) * row_h
        out.append(f'<text class="chart-more" x="{label_w}" y="{y + 16}">and {more} more (see the table)</text>')
    out.append("</svg>")
    return "\n".join(out)


def _arc_path(cx: float, cy: float, r_out: float, r_in: float, start: float, end: float) -> str:
    """A ring segment from angle `start` to `end` (radians, clockwise from 12 o'clock), as one closed path."""
    def point(r: float, a: float) -> str:
        return f"{_n(cx + r * math.sin(a))} {_n(cy - r * math.cos(a))}"

    large = 1 if end - start > math.pi else 0
    return (f"M {point(r_out, start)} A {_n(r_out)} {_n(r_out)} 0 {large} 1 {point(r_out, end)} "
            f"L {point(r_in, end)} A {_n(r_in)} {_n(r_in)} 0 {large} 0 {point(r_in, start)} Z")


def donut_chart(chart_id: str, title: str, desc: str, parts: Sequence[tuple[str, float, str]], *,
                texts: Sequence[str] | None = None, center: tuple[str, str] | None = None,
                css_prefix: str = "sev-") -> str:
    """A ring of (label, amount, colour) segments with a legend; a grey ring when nothing is positive.

    By default amounts are counts (the audit's findings); `texts` gives each part's value as shown (money),
    `center` the big number and its caption. Parts <= 0 get no segment (a ring cannot show a credit), only a
    legend line."""
    width, height, cx, cy, r_out, r_in = 420, 200, 100, 100, 84, 50
    total = sum(n for _, n, _ in parts)
    drawn = sum(n for _, n, _ in parts if n > 0)
    shown = list(texts) if texts is not None else [str(n) for _, n, _ in parts]
    out = _svg_open(chart_id, title, desc, width, height)
    if drawn <= 0:
        out.append(f'<path class="donut-empty" fill="#e1e4e8" d="{_arc_path(cx, cy, r_out, r_in, 0, math.pi)} '
                   f'{_arc_path(cx, cy, r_out, r_in, math.pi, 2 * math.pi)}"/>')
    angle = 0.0
    for (label, count, fill), text in zip(parts, shown, strict=True):
        if count <= 0:
            continue
        sweep = 2 * math.pi * count / drawn
        # a segment of the whole ring is drawn as two halves: one arc cannot start and end at the same point
        steps = [(angle, angle + sweep / 2), (angle + sweep / 2, angle + sweep)] if sweep > math.pi else \
            [(angle, angle + sweep)]
        d = " ".join(_arc_path(cx, cy, r_out, r_in, a, b) for a, b in steps)
        share = f"{text} of {total}" if texts is None else f"{text} ({100 * count / drawn:.1f}%)"
        out.append(f'<path class="donut-segment {css_prefix}{escape(label)}" fill="{fill}" d="{d}">'
                   f'<title>{escape(label)}: {escape(share)}</title></path>')
        angle += sweep
    big, caption = center if center is not None else (f"{total}", f'finding{"s" if total != 1 else ""}')
    out.append(f'<text class="donut-total" x="{cx}" y="{cy + 4}" text-anchor="middle">{escape(big)}</text>')
    out.append(f'<text class="donut-label" x="{cx}" y="{cy + 22}" text-anchor="middle">{escape(caption)}</text>')
    for i, ((label, _, fill), text) in enumerate(zip(parts, shown, strict=True)):
        y = 30 + i * 30
        out.append(f'<g class="legend"><rect x="{cx + r_out + 40}" y="{y}" width="14" height="14" rx="2" '
                   f'fill="{fill}"/><text x="{cx + r_out + 62}" y="{y + 12}">{escape(label)}: {escape(text)}</text>'
                   f'</g>')
    out.append("</svg>")
    return "\n".join(out)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round axis values (1, 2, 2.5 or 5 times a power of ten) covering [low, high], about `count` of them."""
    if high < low:
        low, high = high, low
    if high == low:
        high = low + 1.0
    raw = (high - low) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw - 1e-12)
    start = math.floor(low / step + 1e-9) * step
    ticks = []
    value = start
    while value < high + step - 1e-9 * step:
        ticks.append(round(value, 10))
        value += step
        if len(ticks) > 50:  # never loop forever on pathological floats
            break
    return ticks


def line_chart(chart_id: str, title: str, desc: str, x_labels: Sequence[str],
               series: Sequence[tuple[str, Sequence[float], str]], *, y_format: Callable[[float], str] = str,
               dashed: Sequence[str] = ()) -> str:
    """Lines over a shared x axis: `series` is (name, one value per x label, colour); axis ticks, grid and a legend.

    Every line carries a `<title>` with its name and total; the x axis shows about eight evenly spaced labels.
    Series named in `dashed` are drawn dashed (e.g. what nobody owns)."""
    left, right, top, bottom = 78, 16, 12, 44
    plot_w, plot_h = 640, 240
    legend_rows = math.ceil(len(series) / 4) if series else 0
    width = left + plot_w + right
    height = top + plot_h + bottom + 20 * legend_rows
    out = _svg_open(chart_id, title, desc, width, height)
    n = len(x_labels)
    values = [v for _, vs, _ in series for v in vs]
    if n == 0 or not series:
        out.append(f'<text class="chart-empty" x="{width // 2}" y="{top + plot_h // 2}" text-anchor="middle">'
                   'No data</text>')
        out.append("</svg>")
        return "\n".join(out)
    ticks = nice_ticks(min(0.0, *values), max(0.0, *values))
    y_low, y_high = ticks[0], ticks[-1]

    def x_at(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y_at(v: float) -> float:
        return top + plot_h - plot_h * (v - y_low) / ((y_high - y_low) or 1.0)

    out.append('<g class="axis axis-y">')
    for t in ticks:
        y = _n(y_at(t))
        out.append(f'<line class="grid{" zero" if t == 0 else ""}" x1="{left}" x2="{left + plot_w}" y1="{y}" '
                   f'y2="{y}" stroke="{"#959da5" if t == 0 else "#e1e4e8"}"/>')
        out.append(f'<text class="tick" x="{left - 6}" y="{_n(y_at(t) + 4)}" text-anchor="end">'
                   f'{escape(y_format(t))}</text>')
    out.append("</g>")
    out.append('<g class="axis axis-x">')
    out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#959da5"/>')
    every = max(1, math.ceil(n / 8))
    for i in range(0, n, every):
        x = _n(x_at(i))
        out.append(f'<line x1="{x}" x2="{x}" y1="{top + plot_h}" y2="{top + plot_h + 4}" stroke="#959da5"/>')
        out.append(f'<text class="tick" x="{x}" y="{top + plot_h + 17}" text-anchor="middle">'
                   f'{escape(x_labels[i])}</text>')
    out.append("</g>")
    for name, vs, stroke in series:
        points = " ".join(f"{_n(x_at(i))},{_n(y_at(v))}" for i, v in enumerate(vs))
        dash = ' stroke-dasharray="5 3"' if name in dashed else ""
        out.append(f'<polyline class="series" data-series="{escape(name)}" fill="none" stroke="{stroke}" '
                   f'stroke-width="2" stroke-linejoin="round"{dash} points="{points}">'
                   f'<title>{escape(name)}: {escape(y_format(sum(vs)))} over {n} day{"s" if n != 1 else ""}'
                   '</title></polyline>')
    legend_top = top + plot_h + 30
    for i, (name, _, stroke) in enumerate(series):
        x, y = left + (i % 4) * (plot_w // 4), legend_top + 20 * (i // 4)
        dash = ' stroke-dasharray="5 3"' if name in dashed else ""
        out.append(f'<g class="legend"><line x1="{x}" x2="{x + 18}" y1="{y + 6}" y2="{y + 6}" stroke="{stroke}" '
                   f'stroke-width="3"{dash}/><text x="{x + 24}" y="{y + 10}">{escape(_clip(name, 22))}</text></g>')
    out.append("</svg>")
    return "\n".join(out)
