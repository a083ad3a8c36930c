"""Server-rendered SVG charts (no JavaScript): grouped bars, stacked bars and a line.

Each chart is an accessible image: `role="img"`, a `<title>` and a `<desc>` named by
`aria-labelledby`; the page prints the same numbers in a table beside it. Colours are
distinguishable in greyscale and pass 3:1 against white (WCAG 1.4.11).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Series colours in order (timeliness: early blue, on time green, late red; AA contrast on white)
COLOURS = ["#0a4c96", "#14532d", "#8a1c1c", "#5c3d00"]
WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 28, 64
_ids = itertools.count(1)


def _safe(svg: str) -> SafeString:
    # Every text in the SVG went through `escape`; the rest are numbers we formatted.
    return mark_safe(svg)  # noqa: S308


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000, 100000):
        if value <= step * 5:
            return step * 5
    return value * 1.1


def _frame(title: str, desc: str, body: list[str], legend: Sequence[str], max_value: float, percent: bool) -> str:
    n = next(_ids)
    plot_h = HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="chart-t{n} chart-d{n}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-t{n}">{escape(title)}</title>',
        f'<desc id="chart-d{n}">{escape(desc)}</desc>',
    ]
    for i in range(6):  # grid lines and y labels
        y = TOP + plot_h - plot_h * i / 5
        value = max_value * i / 5
        label = f"{value * 100:.0f}%" if percent else f"{value:,.0f}".replace(",", ".")
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d1d5db"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{label}</text>')
    parts.extend(body)
    x = LEFT
    for i, name in enumerate(legend):
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{COLOURS[i % len(COLOURS)]}"/>')
        parts.append(f'<text x="{x + 16}" y="16" font-size="12">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    parts.append("</svg>")
    return "".join(parts)


def _label(x: float, text: str) -> str:
    short = text if len(text) <= 14 else text[:13] + "…"
    return (
        f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 14}" font-size="11" text-anchor="end" '
        f'transform="rotate(-30 {x:.1f} {HEIGHT - BOTTOM + 14})">{escape(short)}</text>'
    )


def bar_chart(title: str, desc: str, labels: Sequence[str], series: dict[str, Sequence[float]]) -> SafeString:
    """Grouped vertical bars: one group per label, one bar per series."""
    values = [v for vs in series.values() for v in vs]
    top = _nice_max(max(values, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group_w = plot_w / max(len(labels), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    body = []
    for gi, label in enumerate(labels):
        gx = LEFT + gi * group_w + group_w * 0.1
        for si, (name, vs) in enumerate(series.items()):
            h = plot_h * (vs[gi] or 0) / top
            x = gx + si * bar_w
            body.append(
                f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{COLOURS[si % len(COLOURS)]}"><title>{escape(label)} · {escape(name)}: {vs[gi]}</title></rect>'
            )
        body.append(_label(gx + group_w * 0.45, label))
    return _safe(_frame(title, desc, body, list(series), top, False))


def stacked_chart(title: str, desc: str, labels: Sequence[str], series: dict[str, Sequence[float]]) -> SafeString:
    """Stacked vertical bars: the series add up in each column."""
    totals = [sum(vs[i] or 0 for vs in series.values()) for i in range(len(labels))]
    top = _nice_max(max(totals, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    col_w = plot_w / max(len(labels), 1)
    body = []
    for i, label in enumerate(labels):
        x, y = LEFT + i * col_w + col_w * 0.15, TOP + plot_h
        for si, (name, vs) in enumerate(series.items()):
            h = plot_h * (vs[i] or 0) / top
            y -= h
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{col_w * 0.7:.1f}" height="{h:.1f}" '
                f'fill="{COLOURS[si % len(COLOURS)]}"><title>{escape(label)} · {escape(name)}: {vs[i]}</title></rect>'
            )
        body.append(_label(x + col_w * 0.35, label))
    return _safe(_frame(title, desc, body, list(series), top, False))


def line_chart(title: str, desc: str, labels: Sequence[str], values: Sequence[float | None], name: str) -> SafeString:
    """One line of shares (0–1), with a dot per point; missing values break nothing (drawn as 0)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(labels), 1)
    points = []
    body = []
    for i, label in enumerate(labels):
        x = LEFT + step * (i + 0.5)
        y = TOP + plot_h - plot_h * (values[i] or 0)
        points.append(f"{x:.1f},{y:.1f}")
        shown = "—" if values[i] is None else f"{values[i] * 100:.1f}%".replace(".", ",")
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{COLOURS[0]}"><title>{escape(label)}: {shown}</title></circle>'
        )
        body.append(_label(x, label))
    body.insert(0, f'<polyline fill="none" stroke="{COLOURS[0]}" stroke-width="2" points="{" ".join(points)}"/>')
    return _safe(_frame(title, desc, body, [name], 1, True))
