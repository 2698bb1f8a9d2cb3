"""Server-side SVG charts: no JavaScript, no CDN. Each is an image with a title and description; the
page puts the same numbers in a table beside it, which is what a screen reader reads.

Suppressed values ('*') and undefined ones are drawn as gaps with a '*' or 'n/a' label, never as zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import count
from xml.sax.saxutils import escape

from markupsafe import Markup

from referral_service.domain.reporting.tables import Value

BLUE, DARK, GREY = "#005eb8", "#212b32", "#4c6272"
SERIES_COLOURS = ("#005eb8", "#007f3b", "#ae2573", "#ed8b00")
_ids = count(1)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Value]


def _number(value: Value) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _label(value: Value, unit: str) -> str:
    number = _number(value)
    if number is None:
        return "*" if value == "*" else "n/a"
    return f"{number:g}{unit}" if number != int(number) else f"{int(number):,}{unit}"


def _frame(width: int, height: int, title: str, description: str, body: list[str]) -> Markup:
    n = next(_ids)
    # every piece of text inside went through escape() above; the rest is our own markup
    return Markup(  # noqa: S704
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'style="max-width:{width}px" aria-labelledby="chart-{n}-title chart-{n}-desc" class="app-chart">'
        f'<title id="chart-{n}-title">{escape(title)}</title><desc id="chart-{n}-desc">{escape(description)}</desc>'
        f'<g font-family="Frutiger W01, Arial, sans-serif" font-size="14" fill="{DARK}">{"".join(body)}</g></svg>'
    )


def horizontal_bars(title: str, labels: Sequence[str], values: Sequence[Value], *, unit: str = "") -> Markup:
    """One bar per label, longest value full width (the funnel, gaps by area)."""
    numbers = [_number(v) for v in values]
    top = max([n for n in numbers if n is not None] + [1])
    label_width, bar_width, row = 190, 380, 28
    body = []
    for i, (label, value, number) in enumerate(zip(labels, values, numbers, strict=True)):
        y = 10 + i * row
        body.append(f'<text x="{label_width - 8}" y="{y + 17}" text-anchor="end">{escape(label)}</text>')
        length = 0 if number is None else max(1, round(bar_width * number / top))
        if length:
            body.append(f'<rect x="{label_width}" y="{y + 3}" width="{length}" height="{row - 8}" fill="{BLUE}"/>')
        body.append(f'<text x="{label_width + length + 6}" y="{y + 17}">{escape(_label(value, unit))}</text>')
    description = "; ".join(f"{label}: {_label(value, unit)}" for label, value in zip(labels, values, strict=True))
    return _frame(label_width + bar_width + 90, 20 + row * len(labels), title, description, body)


def columns(title: str, labels: Sequence[str], values: Sequence[Value], *, unit: str = "") -> Markup:
    """Vertical bars (a rate by equity group)."""
    numbers = [_number(v) for v in values]
    top = max([n for n in numbers if n is not None] + [1])
    width, height, left, base = max(360, 80 * len(labels)), 260, 20, 200
    step = (width - left) / max(1, len(labels))
    body = [f'<line x1="{left}" y1="{base}" x2="{width}" y2="{base}" stroke="{GREY}"/>']
    for i, (label, value, number) in enumerate(zip(labels, values, numbers, strict=True)):
        x = left + i * step + step * 0.15
        h = 0 if number is None else max(1, round(160 * number / top))
        if h:
            body.append(f'<rect x="{x:.1f}" y="{base - h}" width="{step * 0.7:.1f}" height="{h}" fill="{BLUE}"/>')
        middle = x + step * 0.35
        body.append(
            f'<text x="{middle:.1f}" y="{base - h - 6}" text-anchor="middle">{escape(_label(value, unit))}</text>'
        )
        words = label.split(" ")
        for line, text in enumerate((" ".join(words[:2]), " ".join(words[2:4]))):
            if text:
                y = base + 18 + 15 * line
                body.append(f'<text x="{middle:.1f}" y="{y}" text-anchor="middle" font-size="12">{escape(text)}</text>')
    description = "; ".join(f"{label}: {_label(value, unit)}" for label, value in zip(labels, values, strict=True))
    return _frame(width, height, title, description, body)


def lines(title: str, labels: Sequence[str], series: Sequence[Series], *, unit: str = "") -> Markup:
    """One line per series over the labels (months); a suppressed point breaks the line."""
    numbers = [[_number(v) for v in s.values] for s in series]
    top = max([n for values in numbers for n in values if n is not None] + [1])
    width, left, base, plot = max(420, 44 * len(labels) + 60), 50, 200, 170
    step = (width - left - 20) / max(1, len(labels) - 1)
    body = [
        f'<line x1="{left}" y1="{base}" x2="{width - 10}" y2="{base}" stroke="{GREY}"/>',
        f'<text x="{left - 6}" y="{base + 4}" text-anchor="end" font-size="12">0</text>',
    ]
    if any(n is not None for values in numbers for n in values):  # an axis maximum only when something is drawn
        body.append(
            f'<text x="{left - 6}" y="{base - plot + 5}" text-anchor="end" font-size="12">{_label(top, unit)}</text>'
        )
    for i, label in enumerate(labels):
        if len(labels) <= 12 or i % 3 == 0:
            x = left + i * step
            body.append(f'<text x="{x:.1f}" y="{base + 18}" text-anchor="middle" font-size="11">{escape(label)}</text>')
    for k, values in enumerate(numbers):
        colour = SERIES_COLOURS[k % len(SERIES_COLOURS)]
        segment: list[str] = []
        for i, number in enumerate([*values, None]):
            if number is not None:
                x, y = left + i * step, base - plot * number / top
                segment.append(f"{x:.1f},{y:.1f}")
                body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
            elif segment:
                body.append(f'<polyline points="{" ".join(segment)}" fill="none" stroke="{colour}" stroke-width="2"/>')
                segment = []
        body.append(f'<rect x="{left + 160 * k}" y="{base + 32}" width="12" height="12" fill="{colour}"/>')
        body.append(f'<text x="{left + 160 * k + 16}" y="{base + 43}" font-size="12">{escape(series[k].name)}</text>')
    description = "; ".join(
        f"{s.name}: " + ", ".join(f"{label} {_label(v, unit)}" for label, v in zip(labels, s.values, strict=True))
        for s in series
    )
    return _frame(width, base + 56, title, description, body)
