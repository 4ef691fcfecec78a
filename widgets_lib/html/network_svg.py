"""A static picture of a school network (one SVG string) for where the live drawing cannot go:
an offline report printed to PDF, or a small picture beside a table.

It follows the course's drawing conventions (``drawing.KIND_STYLE``: colour *and* shape by
kind; darker, thicker lines for closer levels), so the picture and the live drawing read the
same way, and every meaning is also named in words in the legend.

When every school has a saved place (issue 17: lesson 04 saves them, :mod:`widgets_lib.layout`),
the picture shows that layout, scaled to fit, so it matches the learner's drawing. Otherwise the
layout is a small NumPy Fruchterman–Reingold (:func:`widgets_lib.layout.spring`, the algorithm of
``networkx.spring_layout``) with a fixed seed.

All user text is plain text: it is stripped of characters XML cannot hold and of bidi
controls (so a name cannot reorder the labels around it), then escaped.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from html import escape

from .. import layout
from ..lazy import lazy_module
from ..network import KIND_LABELS, KINDS, Link, Network
from ..network_io import MAX_DRAWN
from .charts import figure
from .drawing import KIND_STYLE, LEVEL_COLOURS, UNKNOWN_LEVEL

np = lazy_module("numpy")  # only where a layout or a name comparison is computed

_LABEL_CHARS = 24
_LEGEND_FONT = 11
_LEGEND_ROW = 20
_INK = "#111111"
# Bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), and what XML 1.0 cannot hold.
_UNSAFE = re.compile(
    "[\u202a-\u202e\u2066-\u2069\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]"
)


@dataclass(frozen=True)
class _Line:
    """One drawn line: the thickest of the links between a pair, with arrowheads where any points."""

    a: int
    b: int
    level: int | None
    arrow_at_a: bool
    arrow_at_b: bool
    unconfirmed: bool = False


def _plain(text: str) -> str:
    return " ".join(_UNSAFE.sub("", text).split())


def _short(text: str) -> str:
    text = _plain(text)
    return text if len(text) <= _LABEL_CHARS else text[: _LABEL_CHARS - 1].rstrip() + "…"


def _plural(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def _text(
    x: float,
    y: float,
    body: str,
    size: float,
    *,
    weight: str = "normal",
    anchor: str = "middle",
    halo: bool = False,
) -> str:
    # The white halo keeps a label readable where it crosses a line.
    outline = (
        ' stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"'
        if halo
        else ""
    )
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:.1f}" fill="{_INK}" font-weight="{weight}" '
        f'text-anchor="{anchor}" font-family="system-ui, sans-serif"{outline}>{escape(body)}</text>'
    )


def _text_width(text: str, size: float) -> float:
    """A rough width for keeping text inside the picture (no font metrics without a browser)."""
    return len(text) * size * 0.56


def _shape(kind: str, x: float, y: float, r: float) -> str:
    """The node's outline: the shape carries the kind as well as the colour (as in the live drawing)."""
    colour, shape = KIND_STYLE.get(kind, KIND_STYLE["other"])
    paint = f'fill="{colour}" stroke="#ffffff" stroke-width="1"'
    if shape == "dot":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" {paint}/>'
    if shape == "square":
        side = 1.7 * r
        return f'<rect x="{x - side / 2:.1f}" y="{y - side / 2:.1f}" width="{side:.1f}" height="{side:.1f}" {paint}/>'
    if shape == "triangle":
        corners = [(0.0, -1.2), (1.1, 0.8), (-1.1, 0.8)]
    elif shape == "diamond":
        corners = [(0.0, -1.25), (1.25, 0.0), (0.0, 1.25), (-1.25, 0.0)]
    else:  # star
        corners = [
            (
                (1.3 if i % 2 == 0 else 0.55) * math.sin(i * math.pi / 5),
                -(1.3 if i % 2 == 0 else 0.55) * math.cos(i * math.pi / 5),
            )
            for i in range(10)
        ]
    points = " ".join(f"{x + dx * r:.1f},{y + dy * r:.1f}" for dx, dy in corners)
    return f'<polygon points="{points}" {paint}/>'


def _stroke(level: int | None) -> tuple[str, float, str]:
    """(colour, width, dash attribute) for a level; as the live drawing, but dashed only when unknown."""
    if level is None:
        return UNKNOWN_LEVEL, 1.0, ' stroke-dasharray="5 4"'
    return LEVEL_COLOURS[level], 1 + 1.2 * level, ""


def _dotted(stroke_width: float) -> str:
    """Round dots, for a link not everyone confirms (unlike the dashes of an unknown level)."""
    return f' stroke-dasharray="0.1 {stroke_width + 4:.1f}" stroke-linecap="round"'


def _lines(
    network: Network,
    index: Mapping[str, int],
    unconfirmed: frozenset[tuple[int, int]] = frozenset(),
) -> list[_Line]:
    """Links to draw: self-links skipped, several links between one pair drawn once (the thickest)."""
    groups: dict[tuple[int, int], list[Link]] = {}
    for link in network.links:
        a, b = index.get(link.source), index.get(link.target)
        if a is not None and b is not None and a != b:
            groups.setdefault((min(a, b), max(a, b)), []).append(link)
    lines = []
    for (a, b), links in groups.items():
        thickest = max(links, key=lambda link: -1 if link.level is None else link.level)
        heads = {index[link.target] for link in links if link.directed}
        lines.append(_Line(a, b, thickest.level, a in heads, b in heads, (a, b) in unconfirmed))
    return lines


def _layout(count: int, lines: list[_Line]) -> np.ndarray:
    """Positions in [0, 1]² for a network without saved places (:func:`layout.spring`)."""
    return layout.spring(count, [(line.a, line.b) for line in lines])


def _saved_places(
    network: Network, width: int, height: float, extra_below: float
) -> tuple[list[float], list[float], float] | None:
    """The saved places scaled, never enlarged, to fit ``width`` × ``height`` (names included),
    centred, and the scale; None unless every school has a place."""
    schools = network.schools
    if not all(s.x is not None and s.y is not None for s in schools):
        return None
    boxes = [layout.box(s) for s in schools]
    left, top = min(b[0] for b in boxes), min(b[1] for b in boxes)
    right, bottom = max(b[2] for b in boxes), max(b[3] for b in boxes) + extra_below
    margin = 4.0
    scale = min(
        1.0,
        (width - 2 * margin) / max(right - left, 1.0),
        (height - 2 * margin) / max(bottom - top, 1.0),
    )
    dx = margin + (width - 2 * margin - (right - left) * scale) / 2 - left * scale
    dy = margin + (height - 2 * margin - (bottom - top) * scale) / 2 - top * scale
    return (
        [dx + s.x * scale for s in schools],  # type: ignore[operator]
        [dy + s.y * scale for s in schools],  # type: ignore[operator]
        scale,
    )


def _level_id(level: int | None) -> str:
    return "x" if level is None else str(level)


def _head(stroke_width: float) -> float:
    return 6 + 1.5 * stroke_width


def _markers(ident: str, lines: list[_Line]) -> str:
    """One arrowhead per level used by a directed line, in the line's colour and sized to its width."""
    levels = {line.level for line in lines if line.arrow_at_a or line.arrow_at_b}
    markers = []
    for level in sorted(levels, key=lambda level: -1 if level is None else level):
        colour, stroke_width, _ = _stroke(level)
        head = _head(stroke_width)
        markers.append(
            f'<marker id="{ident}-arrow-{_level_id(level)}" viewBox="0 0 10 10" refX="0" refY="5" '
            f'markerWidth="{head:.1f}" markerHeight="{head:.1f}" markerUnits="userSpaceOnUse" '
            f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
        )
    return f"<defs>{''.join(markers)}</defs>"


def _line(
    ident: str, line: _Line, start: tuple[float, float, float], end: tuple[float, float, float]
) -> str:
    """One line between (x, y, reach) ends; an arrowhead begins where the line stops, its tip at the node's edge."""
    colour, stroke_width, dashes = _stroke(line.level)
    if line.unconfirmed:
        dashes = _dotted(stroke_width)
    (x1, y1, reach1), (x2, y2, reach2) = start, end
    gap1, gap2 = reach1 + 2 + _head(stroke_width), reach2 + 2 + _head(stroke_width)
    length = math.hypot(x2 - x1, y2 - y1)
    ux, uy = ((x2 - x1) / length, (y2 - y1) / length) if length > gap1 + gap2 else (0.0, 0.0)
    marker = f"url(#{ident}-arrow-{_level_id(line.level)})"
    attributes = ""
    if line.arrow_at_a:
        attributes += f' marker-start="{marker}"'
        x1, y1 = x1 + ux * gap1, y1 + uy * gap1
    if line.arrow_at_b:
        attributes += f' marker-end="{marker}"'
        x2, y2 = x2 - ux * gap2, y2 - uy * gap2
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" '
        f'stroke-width="{stroke_width:.1f}"{dashes}{attributes}/>'
    )


def _legend(
    kinds: list[str],
    lines: list[_Line],
    marked: bool,
    mark_meaning: str,
    width: int,
    unconfirmed_meaning: str = "",
) -> list[list[str]]:
    """The legend's rows: only what the picture uses, every sample named in words, wrapped to the width."""
    items: list[tuple[float, list[str]]] = []
    size, mid = _LEGEND_FONT, -4.0

    def add(sample: list[str], sample_width: float, words: str) -> None:
        label = _text(sample_width + 5, 0, words, size, anchor="start")
        items.append((sample_width + 5 + _text_width(words, size), [*sample, label]))

    for kind in kinds:
        add([_shape(kind, 6, mid, 5)], 12, KIND_LABELS[kind])
    if lines:
        thin, thick = _stroke(1), _stroke(5)
        add(
            [
                f'<line x1="0" y1="{mid}" x2="12" y2="{mid}" stroke="{thin[0]}" stroke-width="{thin[1]:.1f}"/>',
                f'<line x1="16" y1="{mid}" x2="30" y2="{mid}" stroke="{thick[0]}" stroke-width="{thick[1]:.1f}"/>',
            ],
            30,
            "thicker line = closer collaboration (level)",
        )
    if any(line.level is None and not line.unconfirmed for line in lines):
        colour, stroke_width, dashes = _stroke(None)
        add(
            [
                f'<line x1="0" y1="{mid}" x2="26" y2="{mid}" stroke="{colour}" stroke-width="{stroke_width}"{dashes}/>'
            ],
            26,
            "dashed = level not given",
        )
    if any(line.unconfirmed for line in lines):
        add(
            [
                f'<line x1="2" y1="{mid}" x2="26" y2="{mid}" stroke="{_INK}" stroke-width="2"{_dotted(2)}/>'
            ],
            26,
            f"dotted = {unconfirmed_meaning}",
        )
    if any(line.arrow_at_a or line.arrow_at_b for line in lines):
        add(
            [
                f'<line x1="0" y1="{mid}" x2="20" y2="{mid}" stroke="{_INK}" stroke-width="1.5"/>',
                f'<polygon points="19,{mid - 4} 27,{mid} 19,{mid + 4}" fill="{_INK}"/>',
            ],
            27,
            "arrow = one-way link",
        )
    if marked:
        add(
            [f'<circle cx="7" cy="{mid}" r="6" fill="none" stroke="{_INK}" stroke-width="2.5"/>'],
            14,
            f"ring = {mark_meaning}",
        )
    rows: list[list[str]] = [[]]
    x = 0.0
    for item_width, parts in items:
        if x and x + item_width > width - 16:
            rows.append([])
            x = 0.0
        rows[-1].append(f'<g transform="translate({8 + x:.1f} 0)">{"".join(parts)}</g>')
        x += item_width + 18
    return rows


def _svg(ident: str, title: str, desc: str, width: int, height: int, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{ident}-title {ident}-desc" '
        f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px">'
        f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(desc)}</desc>'
        f"{body}</svg>"
    )


def _message(ident: str, title: str, words: str, width: int) -> str:
    size = min(
        15.0, (width - 16) / _text_width(words, 1)
    )  # one line that fits even a narrow picture
    return _svg(ident, title, words, width, 60, _text(width / 2, 36, words, size))


def network_svg(
    network: Network,
    *,
    marks: Mapping[str, str] | None = None,
    title: str = "Your network",
    width: int = 720,
    height: int = 480,
    mark_meaning: str = "marked",
    unconfirmed: Collection[tuple[str, str]] = (),
    unconfirmed_meaning: str = "reported by one side only",
    framed: bool = False,
) -> str:
    """The network as one self-contained SVG: shape and colour by kind, line width by level.

    ``framed`` puts it in a :func:`charts.figure` box, as pages show it: on a phone it keeps its
    names readable and scrolls sideways.

    ``marks`` maps school names to a short text (say "leads 3"): those schools get a dark ring
    and the text under their name, so a mark reads without colour; unknown names are ignored.
    ``mark_meaning`` names the ring in the legend. ``unconfirmed`` holds pairs of school names
    (either order) whose line is drawn dotted, named ``unconfirmed_meaning`` in the legend (a
    dotted line does not also show "level not given"). Empty and over-large networks get a sentence
    instead of a drawing (above ``MAX_DRAWN`` schools no layout is computed).
    """
    marks = marks or {}
    title, mark_meaning = _plain(title), _plain(mark_meaning)
    # Ids must differ between pictures on one page yet be the same for the same picture.
    unconfirmed_meaning = _plain(unconfirmed_meaning)
    seen = repr((network, sorted(marks.items()), title, mark_meaning, width, height))
    if unconfirmed:
        drawn = {school.name for school in network.schools}
        pairs = {(min(a, b), max(a, b)) for a, b in unconfirmed if a in drawn and b in drawn}
        seen += repr((sorted(pairs), unconfirmed_meaning))
    ident = "netsvg-" + hashlib.sha256(seen.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    count = len(network.schools)
    if not count:
        return _message(ident, title, "No schools yet.", width)
    if count > MAX_DRAWN:
        return _message(
            ident,
            title,
            f"This network has {count:,} schools — too many to draw; see the table.",
            width,
        )

    index = {school.name: i for i, school in enumerate(network.schools)}
    dotted = frozenset(
        (min(index[a], index[b]), max(index[a], index[b]))
        for a, b in unconfirmed
        if a in index and b in index
    )
    lines = _lines(network, index, dotted)
    kinds = [school.kind if school.kind in KIND_STYLE else "other" for school in network.schools]
    names = [_short(school.name) for school in network.schools]
    notes = [
        _short(marks[school.name]) if school.name in marks else None for school in network.schools
    ]
    marked = sum(note is not None for note in notes)

    legend_rows = _legend(
        [k for k in KINDS if k in kinds],
        lines,
        bool(marked),
        mark_meaning,
        width,
        unconfirmed_meaning,
    )
    legend_height = _LEGEND_ROW * len(legend_rows) + 10
    area = height - legend_height
    spacing = math.sqrt(
        width * area / count
    )  # room per school: small or crowded pictures get smaller marks
    radius = max(3.0, min(9.0, spacing / 8))
    font = max(6.0, min(12.0, spacing / 9))
    ring = radius + 4
    widest = max(_text_width(text, font) for text in names + [note or "" for note in notes])
    left = max(ring + 2, min(widest / 2 + 2, width * 0.2))
    top = ring + 4
    bottom = ring + (2 if marked else 1) * (font + 2) + 4
    saved = _saved_places(network, width, area, (font + 2) if marked else 0.0)
    if saved is None:
        unit = _layout(count, lines)
        xs = left + unit[:, 0] * (width - 2 * left)
        ys = top + unit[:, 1] * max(area - top - bottom, 1.0)
    else:  # the learner's own layout: marks and names shrink with it, as in the drawing
        xs, ys, scale = saved
        radius = max(3.0, min(9.0, layout.NODE * scale))
        font = max(6.0, min(12.0, layout.FONT * scale))
        ring = radius + 4

    parts = [_markers(ident, lines)]
    reach = [ring if note is not None else radius for note in notes]
    for line in sorted(lines, key=lambda line: -1 if line.level is None else line.level):
        parts.append(
            _line(
                ident,
                line,
                (xs[line.a], ys[line.a], reach[line.a]),
                (xs[line.b], ys[line.b], reach[line.b]),
            )
        )
    for i, school in enumerate(network.schools):
        tooltip = f"{_plain(school.name)} ({KIND_LABELS.get(school.kind, _plain(school.kind))})"
        if notes[i] is not None:
            tooltip += f": {_plain(marks[school.name])}"
        ring_part = (
            f'<circle class="mark" cx="{xs[i]:.1f}" cy="{ys[i]:.1f}" r="{ring:.1f}" fill="none" '
            f'stroke="{_INK}" stroke-width="2.5"/>'
            if notes[i] is not None
            else ""
        )
        parts.append(
            f'<g class="node node-{kinds[i]}"><title>{escape(tooltip)}</title>'
            f"{_shape(kinds[i], xs[i], ys[i], radius)}{ring_part}</g>"
        )
    # Labels after all nodes, so no node covers a label.
    for i in range(count):
        label = [(names[i], "normal")] + ([(notes[i], "bold")] if notes[i] is not None else [])
        for row, (words, weight) in enumerate(label):
            half = _text_width(words, font) / 2 + 2
            x = min(max(xs[i], half), width - half)
            parts.append(
                _text(
                    x,
                    ys[i] + reach[i] + (row + 1) * (font + 2),
                    words,
                    font,
                    weight=weight,
                    halo=True,
                )
            )

    parts.append(
        f'<g class="legend"><rect x="0" y="{area:.0f}" width="{width}" height="{legend_height}" '
        f'fill="#f6f6f6"/><line x1="0" y1="{area:.0f}" x2="{width}" y2="{area:.0f}" stroke="#cccccc"/>'
    )
    for row, items in enumerate(legend_rows):
        parts.append(
            f'<g transform="translate(0 {area + 19 + row * _LEGEND_ROW:.0f})">{"".join(items)}</g>'
        )
    parts.append("</g>")

    desc = (
        f"{_plural(count, 'school or partner', 'schools and partners')} and "
        f"{_plural(len(network.links), 'link', 'links')}"
    )
    if marked:
        desc += f"; {marked:,} {'is' if marked == 1 else 'are'} marked ({mark_meaning})"
    svg = _svg(ident, title, desc + ".", width, height, "".join(parts))
    return figure(svg, title, width, font) if framed else svg
