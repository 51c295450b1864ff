"""Accessible line charts as server-rendered SVG (R-ENGAGE-7): no JavaScript, no chart library.

The SVG is an image with a title and a description (`role="img"`, `aria-labelledby`); every point
has a `<title>` with its value, lines differ by dash pattern and marker shape as well as by colour
(never colour alone), and the page always shows the same numbers in a data table beside the chart,
which is what screen-reader users and anyone who prefers figures read. Presentation attributes only
(no `style`), so the Content-Security-Policy (`style-src 'self'`) allows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

# GOV.UK colours, all at least 3:1 against white.
COLOURS = (
    "#1d70b8",  # blue
    "#00703c",  # green
    "#d4351c",  # red
    "#4c2c92",  # purple
    "#b58840",  # brown
    "#d53880",  # pink
    "#28a197",  # turquoise
    "#0b0c0c",  # black
    "#f47738",  # orange
)
DASHES = ("", "8 4", "2 3", "10 3 2 3", "4 4", "12 6", "1 5", "6 2 2 2", "14 4 4 4")
MARKERS = (
    "circle",
    "square",
    "triangle",
    "diamond",
    "cross",
    "triangle-down",
    "plus",
    "circle",
    "square",
)
FONT = "arial, sans-serif"


def _n(value: float) -> str:
    """A coordinate, to one decimal place (format_html escapes first, so format here)."""
    return f"{value:.1f}"


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]


def style_for(index: int) -> tuple[str, str, str]:
    """(colour, dash pattern, marker) of the n-th series."""
    return (
        COLOURS[index % len(COLOURS)],
        DASHES[index % len(DASHES)],
        MARKERS[index % len(MARKERS)],
    )


def _marker(kind: str, x: float, y: float, colour: str, tip: str = "") -> SafeString:
    r = 5.0
    title = format_html("<title>{}</title>", tip) if tip else ""
    if kind == "circle":
        return format_html(
            '<circle cx="{}" cy="{}" r="{}" fill="{}">{}</circle>', _n(x), _n(y), r, colour, title
        )
    if kind == "square":
        return format_html(
            '<rect x="{}" y="{}" width="{}" height="{}" fill="{}">{}</rect>',
            _n(x - r),
            _n(y - r),
            2 * r,
            2 * r,
            colour,
            title,
        )
    if kind in ("triangle", "triangle-down"):
        d = -1 if kind == "triangle" else 1
        points = f"{x:.1f},{y + d * r * 1.2:.1f} {x - r * 1.1:.1f},{y - d * r * 0.8:.1f} {x + r * 1.1:.1f},{y - d * r * 0.8:.1f}"
        return format_html('<polygon points="{}" fill="{}">{}</polygon>', points, colour, title)
    if kind == "diamond":
        points = f"{x:.1f},{y - r * 1.3:.1f} {x + r * 1.3:.1f},{y:.1f} {x:.1f},{y + r * 1.3:.1f} {x - r * 1.3:.1f},{y:.1f}"
        return format_html('<polygon points="{}" fill="{}">{}</polygon>', points, colour, title)
    # cross and plus: two strokes, in a group that carries the tooltip
    if kind == "cross":
        path = f"M{x - r:.1f},{y - r:.1f}L{x + r:.1f},{y + r:.1f}M{x - r:.1f},{y + r:.1f}L{x + r:.1f},{y - r:.1f}"
    else:
        path = f"M{x - r:.1f},{y:.1f}L{x + r:.1f},{y:.1f}M{x:.1f},{y - r:.1f}L{x:.1f},{y + r:.1f}"
    return format_html(
        '<g>{}<path d="{}" stroke="{}" stroke-width="3" fill="none"/></g>', title, path, colour
    )


def key_swatch(index: int) -> SafeString:
    """A small picture of the n-th series' line and marker, for an HTML key beside the chart."""
    colour, dash, marker = style_for(index)
    dash_attr = format_html(' stroke-dasharray="{}"', dash) if dash else ""
    return format_html(
        '<svg class="app-chart-key" width="44" height="14" viewBox="0 0 44 14" aria-hidden="true" '
        'focusable="false"><line x1="2" y1="7" x2="42" y2="7" stroke="{}" stroke-width="3"{}/>{}</svg>',
        colour,
        dash_attr,
        _marker(marker, 22, 7, colour),
    )


def line_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    y_min: float,
    y_max: float,
    y_label: str,
    y_tick_labels: dict[int, str] | None = None,
    width: int = 560,
    height: int = 300,
) -> SafeString:
    """One line per series over the x labels (review dates, quarters); gaps where a value is None."""
    left, right, top, bottom = 44, 40, 16, 60
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(x_labels), 1)

    def x_at(i: int) -> float:
        return left + (plot_w / 2 if n == 1 else i * plot_w / (n - 1))

    def y_at(v: float) -> float:
        span = (y_max - y_min) or 1
        return top + plot_h - (v - y_min) * plot_h / span

    parts: list[SafeString] = []
    # Horizontal grid lines and y tick labels, one per whole number of the scale.
    for tick in range(int(y_min), int(y_max) + 1):
        y = y_at(tick)
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#b1b4b6" stroke-width="1"/>',
                left,
                _n(y),
                left + plot_w,
                _n(y),
            )
        )
        label = (y_tick_labels or {}).get(tick, str(tick))
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" font-size="17" font-family="{}" fill="#0b0c0c">{}</text>',
                left - 8,
                _n(y + 5),
                FONT,
                label,
            )
        )
    # X labels: at most about six, evenly spread, so that they never overlap.
    step = max(1, -(-n // 6))
    for i, label in enumerate(x_labels):
        if i % step and i != n - 1:
            continue
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="middle" font-size="16" font-family="{}" fill="#0b0c0c">{}</text>',
                _n(x_at(i)),
                top + plot_h + 24,
                FONT,
                label,
            )
        )
    parts.append(
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#0b0c0c" stroke-width="1"/>',
            left,
            top + plot_h,
            left + plot_w,
            top + plot_h,
        )
    )
    parts.append(
        format_html(
            '<text x="{}" y="{}" text-anchor="middle" font-size="15" font-family="{}" fill="#505a5f">{}</text>',
            left + plot_w / 2,
            height - 8,
            FONT,
            y_label,
        )
    )
    for index, s in enumerate(series):
        colour, dash, marker = style_for(index)
        dash_attr = format_html(' stroke-dasharray="{}"', dash) if dash else ""
        # Consecutive values form a line; a missing value breaks it.
        run: list[str] = []
        runs: list[list[str]] = []
        for i, v in enumerate(s.values):
            if v is None:
                if run:
                    runs.append(run)
                run = []
                continue
            run.append(f"{x_at(i):.1f},{y_at(v):.1f}")
        if run:
            runs.append(run)
        for r in runs:
            if len(r) > 1:
                parts.append(
                    format_html(
                        '<polyline points="{}" fill="none" stroke="{}" stroke-width="3"{}/>',
                        " ".join(r),
                        colour,
                        dash_attr,
                    )
                )
        for i, v in enumerate(s.values):
            if v is not None:
                value = f"{v:g}"
                parts.append(
                    _marker(marker, x_at(i), y_at(v), colour, f"{s.label}: {value} ({x_labels[i]})")
                )
    body = format_html_join("", "{}", ((p,) for p in parts))
    return format_html(
        '<svg class="app-chart" id="{id}" role="img" aria-labelledby="{id}-title {id}-desc" '
        'viewBox="0 0 {w} {h}" width="100%" preserveAspectRatio="xMinYMin meet" '
        'xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{title}</title>'
        '<desc id="{id}-desc">{desc}</desc>{body}</svg>',
        id=chart_id,
        w=width,
        h=height,
        title=title,
        desc=description,
        body=body,
    )


def describe(series: Sequence[Series], x_labels: Sequence[str]) -> str:
    """A sentence per series: first and latest value, for the chart's description."""
    sentences = []
    for s in series:
        points = [(x_labels[i], v) for i, v in enumerate(s.values) if v is not None]
        if not points:
            continue
        (first_x, first), (last_x, last) = points[0], points[-1]
        if len(points) == 1:
            sentences.append(f"{s.label}: {first:g} on {first_x}.")
        else:
            trend = "up" if last > first else "down" if last < first else "unchanged"
            sentences.append(f"{s.label}: {first:g} on {first_x}, {last:g} on {last_x} ({trend}).")
    return " ".join(sentences) or "No scores yet."


def number(value: float | None) -> str:
    """A score for a table cell: '3', '3.5', or a dash for none."""
    return "–" if value is None else f"{value:g}"
