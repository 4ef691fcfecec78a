"""Small horizontal bar charts as SVG strings, each value written beside its bar.

Colour never carries meaning alone (every bar has its number), and each chart has a
title and a description for screen readers; ids come from the content so several
charts sit on one page.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from html import escape

FONT = 'font-family="system-ui, sans-serif"'
READABLE_PX = 12  # the smallest words of a picture are never drawn smaller than this


def figure(svg: str, label: str, width: float, smallest_font: float) -> str:
    """A picture whose words stay readable on a narrow screen: it shrinks with the page only down
    to the width at which its smallest words are ``READABLE_PX`` high, and below that (a phone)
    it scrolls sideways in its own box, which the keyboard can reach and scroll too."""
    least = math.ceil(width * READABLE_PX / max(smallest_font, 1))
    return (
        f'<div class="course-scroll course-figure" tabindex="0" role="region" aria-label="{escape(label)}" '
        f'style="--figure-min-width:{least}px">{svg}</div>'
    )


def bars_svg(
    rows: Sequence[tuple[str, float | None, str]],
    *,
    title: str,
    maximum: float,
    minimum: float = 0.0,
    colours: Sequence[str] | None = None,
    bar_width: int = 320,
    earlier: Sequence[float | None] | None = None,
    ticks: bool = False,
    legend: str = "",
) -> str:
    """The course's one bar chart (every profile, count and score chart is one).

    One bar per ``(label, value, value as text)``, from ``minimum`` to ``maximum`` (``None``: no bar); room
    made for the longest label; the text written beside each bar, so colour never carries meaning alone.
    ``earlier``: a value per row drawn as a thin dashed bar under it (a previous attempt); ``ticks``: a
    line and a number at each whole step of the scale; ``legend``: a line of words under the chart."""
    row = 34
    label_width = 20 + 8 * min(max((len(label) for label, _v, _t in rows), default=10), 44)
    scale_foot = 26 if ticks else 0
    legend_foot = 22 if legend else 0
    bars_height = 8 + row * max(len(rows), 1)
    height = bars_height + scale_foot + legend_foot
    span = maximum - minimum

    def length(value: float) -> float:
        return max((value - minimum) / span * bar_width, 2) if span else 2

    parts = []
    if ticks:
        for tick in range(math.ceil(minimum), math.floor(maximum) + 1):
            x = label_width + (tick - minimum) / span * bar_width
            parts.append(
                f'<line x1="{x:.0f}" y1="8" x2="{x:.0f}" y2="{bars_height}" stroke="#bbb"/>'
            )
            parts.append(
                f'<text x="{x:.0f}" y="{bars_height + 18}" font-size="12" text-anchor="middle" {FONT}>'
                f"{tick}</text>"
            )
    for i, (label, value, text) in enumerate(rows):
        y = 8 + i * row
        colour = colours[i] if colours else "#1f5fa8"
        shown = label if len(label) <= 44 else label[:43] + "…"
        parts.append(
            f'<text x="{label_width - 10}" y="{y + 17}" font-size="14" text-anchor="end" {FONT}>'
            f"{escape(shown)}</text>"
        )
        parts.append(
            f'<rect x="{label_width}" y="{y + 4}" width="{bar_width}" height="18" fill="#eeeeee"/>'
        )
        if value is not None:
            parts.append(
                f'<rect x="{label_width}" y="{y + 4}" width="{length(value):.0f}" height="18" '
                f'fill="{colour}"/>'
            )
        before = earlier[i] if earlier else None
        if before is not None:
            parts.append(
                f'<rect x="{label_width}" y="{y + 24}" width="{length(before):.0f}" height="5" fill="#777" '
                'stroke="#333" stroke-dasharray="3 2"/>'
            )
        parts.append(
            f'<text x="{label_width + bar_width + 8}" y="{y + 18}" font-size="13" {FONT}>'
            f"{escape(text)}</text>"
        )
    if legend:
        parts.append(f'<text x="10" y="{height - 6}" font-size="12" {FONT}>{escape(legend)}</text>')
    desc = "; ".join(f"{label}: {text}" for label, _value, text in rows)
    ident = "ch" + hashlib.sha1((title + desc).encode("utf-8")).hexdigest()[:10]
    width = label_width + bar_width + 16 + 8 * max((len(text) for _l, _v, text in rows), default=4)
    width = max(width, 10 + 7 * len(legend))
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'style="max-width:{width}px" role="img" aria-labelledby="{ident}-t {ident}-d">'
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>'
        + "".join(parts)
        + "</svg>"
    )
    return figure(svg, title, width, 12 if ticks or legend else 13)
