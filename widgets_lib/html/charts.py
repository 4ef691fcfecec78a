"""Small horizontal bar charts as SVG strings, each value written beside its bar.

Colour never carries meaning alone (every bar has its number), and each chart has a
title and a description for screen readers; ids come from the content so several
charts sit on one page.
"""

from __future__ import annotations

import hashlib
import math
from html import escape
from typing import Sequence

FONT = 'font-family="system-ui, sans-serif"'
READABLE_PX = 12  # the smallest words of a picture are never drawn smaller than this


def figure(svg: str, label: str, width: float, smallest_font: float) -> str:
    """A picture whose words stay readable on a narrow screen: it shrinks with the page only down
    to the width at which its smallest words are ``READABLE_PX`` high, and below that (a phone)
    it scrolls sideways in its own box, which the keyboard can reach and scroll too."""
    least = math.ceil(width * READABLE_PX / max(smallest_font, 1))
    return (f'<div class="course-scroll course-figure" tabindex="0" role="region" aria-label="{escape(label)}" '
            f'style="--figure-min-width:{least}px">{svg}</div>')


def bars_svg(rows: Sequence[tuple[str, float, str]], *, title: str, maximum: float,
             colours: Sequence[str] | None = None, bar_width: int = 320) -> str:
    """One bar per ``(label, value, value as text)``, scaled to ``maximum``; room made for the longest label."""
    row = 34
    label_width = 20 + 8 * min(max((len(label) for label, _v, _t in rows), default=10), 44)
    height = 8 + row * max(len(rows), 1)
    parts = []
    for i, (label, value, text) in enumerate(rows):
        y = 8 + i * row
        colour = colours[i] if colours else "#1f5fa8"
        length = max(value / maximum * bar_width, 2) if maximum else 2
        shown = label if len(label) <= 44 else label[:43] + "…"
        parts.append(f'<text x="{label_width - 10}" y="{y + 17}" font-size="14" text-anchor="end" {FONT}>'
                     f"{escape(shown)}</text>")
        parts.append(f'<rect x="{label_width}" y="{y + 4}" width="{bar_width}" height="18" fill="#eeeeee"/>')
        parts.append(f'<rect x="{label_width}" y="{y + 4}" width="{length:.0f}" height="18" fill="{colour}"/>')
        parts.append(f'<text x="{label_width + bar_width + 8}" y="{y + 18}" font-size="13" {FONT}>'
                     f"{escape(text)}</text>")
    desc = "; ".join(f"{label}: {text}" for label, _value, text in rows)
    ident = "ch" + hashlib.sha1((title + desc).encode("utf-8")).hexdigest()[:10]
    width = label_width + bar_width + 16 + 8 * max((len(text) for _l, _v, text in rows), default=4)
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
           f'style="max-width:{width}px" role="img" aria-labelledby="{ident}-t {ident}-d">'
           f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>'
           + "".join(parts) + "</svg>")
    return figure(svg, title, width, 13)
