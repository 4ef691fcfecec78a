"""Two snapshots of a network compared: one picture and tables in words (no ipywidgets).

The picture draws both networks on one layout (the schools' saved positions when every school has
one, else one layout computed over the schools of both), so a school stays where it was. Every
change is marked by more than colour: a new link is solid and labelled "new", a lost one grey,
dotted and labelled "lost", a strengthened or weakened one labelled "+" or "−" and drawn at its
new thickness; a school that joined has a ring and the word "joined", one that has gone a hollow
dashed outline and the word "gone". The legend says all this in words, and the tables list every
change, so the picture is never the only place a change is told.

All user text (school and snapshot names) is escaped; in the picture it is first made plain as in
:mod:`network_svg`.
"""

from __future__ import annotations

import hashlib
import math
from html import escape

from .. import classify
from ..network import KIND_LABELS, KINDS, Link, Network, School
from ..network_io import MAX_DRAWN
from ..snapshots import (
    CHANGE_WORDS,
    LOST,
    NEW,
    STRONGER,
    TRUST,
    WEAKER,
    Comparison,
    Latest,
    level_words,
    summary,
    trust_words,
)
from .charts import figure
from .common import table
from .drawing import KIND_STYLE
from .network_svg import (
    _INK,
    _LEGEND_FONT,
    _LEGEND_ROW,
    _dotted,
    _layout,
    _lines,
    _plain,
    _shape,
    _short,
    _stroke,
    _svg,
    _text,
    _text_width,
    np,
)

_LOST_GREY = "#767676"  # 4.5:1 on white: readable, and the dots and the word "lost" say it too
_SHOWN_IN_SHORT = 8  # rows of changes in the short table of the report and the tutor's card


def _union(before: Network, after: Network) -> tuple[list[School], list[Link]]:
    """The schools of both networks (the later one's details first, then those that have gone) and
    the links of both, for one layout."""
    schools = list(after.schools)
    present = set(after.names)
    schools += [school for school in before.schools if school.name not in present]
    return schools, [*after.links, *before.links]


def _positions(schools: list[School], links: list[Link]) -> np.ndarray:
    """Positions in [0, 1]²: the saved ones when every school has them, else one layout of all."""
    if schools and all(school.x is not None and school.y is not None for school in schools):
        pos = np.array([[school.x, school.y] for school in schools], dtype=float)
        low, span = pos.min(axis=0), np.ptp(pos, axis=0)
        return (pos - low) / np.where(span > 0, span, 1.0) + np.where(span > 0, 0.0, 0.5)
    index = {school.name: i for i, school in enumerate(schools)}
    return _layout(len(schools), _lines(Network(tuple(schools), tuple(links)), index))


def _legend_rows(items: list[tuple[float, list[str], str]], width: int) -> list[list[str]]:
    """Legend items (sample width, sample parts, words) wrapped into rows that fit the width."""
    rows: list[list[str]] = [[]]
    x = 0.0
    for sample_width, sample, words in items:
        label = _text(sample_width + 5, 0, words, _LEGEND_FONT, anchor="start")
        item_width = sample_width + 5 + _text_width(words, _LEGEND_FONT)
        if x and x + item_width > width - 16:
            rows.append([])
            x = 0.0
        rows[-1].append(f'<g transform="translate({8 + x:.1f} 0)">{"".join(sample)}{label}</g>')
        x += item_width + 18
    return rows


def comparison_svg(
    before: Network,
    after: Network,
    comparison: Comparison,
    before_label: str,
    after_label: str,
    *,
    width: int = 760,
    height: int = 520,
) -> str:
    """Both networks on one layout, every change marked in shape and words as well as colour."""
    before_label, after_label = _plain(before_label), _plain(after_label)
    title = f"What changed from “{before_label}” to “{after_label}”"
    seen = repr((before, after, title, width, height))
    ident = "snapsvg-" + hashlib.sha256(seen.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    schools, links = _union(before, after)
    count = len(schools)
    desc = summary(comparison)
    largest = max(len(before.schools), len(after.schools))
    if not count or largest > MAX_DRAWN:  # each network as Lesson 04 would draw it, no larger
        words = (
            "Neither network has any schools."
            if not count
            else f"One of the two networks has {largest:,} schools — too many to draw; see the tables."
        )
        size = min(15.0, (width - 16) / _text_width(words, 1))
        return _svg(ident, title, words, width, 60, _text(width / 2, 36, words, size))

    change_of = {change.pair: change for change in comparison.links}
    joined, gone = set(comparison.joined), set(comparison.gone)
    index = {school.name: i for i, school in enumerate(schools)}
    kinds = [school.kind if school.kind in KIND_STYLE else "other" for school in schools]
    names = [_short(school.name) for school in schools]
    notes = ["joined" if s.name in joined else "gone" if s.name in gone else "" for s in schools]

    items: list[tuple[float, list[str], str]] = []
    mid = -4.0
    for kind in (k for k in KINDS if k in kinds):
        items.append((12, [_shape(kind, 6, mid, 5)], KIND_LABELS[kind]))
    thin, thick = _stroke(1), _stroke(5)
    items.append(
        (
            30,
            [
                f'<line x1="0" y1="{mid}" x2="12" y2="{mid}" stroke="{thin[0]}" stroke-width="{thin[1]:.1f}"/>',
                f'<line x1="16" y1="{mid}" x2="30" y2="{mid}" stroke="{thick[0]}" stroke-width="{thick[1]:.1f}"/>',
            ],
            "thicker line = closer collaboration (level, as it is now)",
        )
    )
    kinds_changed = {change.kind for change in comparison.links}
    if NEW in kinds_changed:
        items.append((26, [_word(13, mid + 4, "new")], "= new link (solid line)"))
    if LOST in kinds_changed:
        items.append(
            (
                26,
                [
                    f'<line x1="2" y1="{mid}" x2="26" y2="{mid}" stroke="{_LOST_GREY}" '
                    f'stroke-width="2"{_dotted(2)}/>'
                ],
                "grey dotted line marked “lost” = link no longer there",
            )
        )
    if STRONGER in kinds_changed:
        items.append((14, [_word(7, mid + 5, "+", 15)], "= link strengthened (level went up)"))
    if WEAKER in kinds_changed:
        items.append((14, [_word(7, mid + 5, "−", 15)], "= link weakened (level went down)"))
    if joined:
        items.append(
            (
                14,
                [
                    f'<circle cx="7" cy="{mid}" r="6" fill="none" stroke="{_INK}" stroke-width="2.5"/>'
                ],
                "ring and “joined” = school joined",
            )
        )
    if gone:
        items.append(
            (
                14,
                [_gone_shape("school", 7, mid, 5)],
                "hollow dashed outline and “gone” = school no longer there",
            )
        )
    legend = _legend_rows(items, width)
    legend_height = _LEGEND_ROW * len(legend) + 10
    area = height - legend_height
    spacing = math.sqrt(width * area / count)
    radius = max(3.0, min(9.0, spacing / 8))
    font = max(6.0, min(12.0, spacing / 9))
    ring = radius + 4
    widest = max(_text_width(text, font) for text in names)
    left = max(ring + 2, min(widest / 2 + 2, width * 0.2))
    top = ring + 4
    bottom = ring + 2 * (font + 2) + 4
    unit = _positions(schools, links)
    xs = left + unit[:, 0] * (width - 2 * left)
    ys = top + unit[:, 1] * max(area - top - bottom, 1.0)

    pairs: dict[tuple[str, str], Link] = {}
    for link in links:  # the later network's links first: a pair keeps its link as it is now
        if link.source != link.target and link.source in index and link.target in index:
            pairs.setdefault(tuple(sorted((link.source, link.target))), link)  # type: ignore[arg-type]
    lines, words = [], []
    for pair, link in pairs.items():
        change = change_of.get(pair)
        kind = change.kind if change else ""
        shown = (change.after or change.before) if change else link
        a, b = index[pair[0]], index[pair[1]]
        if kind == LOST:
            attributes = f'stroke="{_LOST_GREY}" stroke-width="2"{_dotted(2)}'
        else:
            colour, stroke_width, dashes = _stroke(shown.level)
            if kind == NEW:
                dashes = ""  # solid, even when its level is not given
                stroke_width = max(stroke_width, 2.0)
            attributes = f'stroke="{colour}" stroke-width="{stroke_width:.1f}"{dashes}'
        lines.append(
            (
                -2 if kind == LOST else -1 if shown.level is None else shown.level,
                f'<line class="link {("link-" + kind) if kind else ""}" x1="{xs[a]:.1f}" y1="{ys[a]:.1f}" '
                f'x2="{xs[b]:.1f}" y2="{ys[b]:.1f}" {attributes}/>',
            )
        )
        mark = {NEW: "new", LOST: "lost", STRONGER: "+", WEAKER: "−"}.get(kind)
        if mark:
            big = mark in ("+", "−")
            words.append(
                _word(
                    (xs[a] + xs[b]) / 2,
                    (ys[a] + ys[b]) / 2 + (5 if big else 4),
                    mark,
                    max(font + 3, 13) if big else max(font, 10),
                )
            )
    parts = [line for _order, line in sorted(lines, key=lambda item: item[0])]
    for i, school in enumerate(schools):
        state = notes[i]
        tooltip = f"{_plain(school.name)} ({KIND_LABELS.get(school.kind, _plain(school.kind))})"
        if state:
            tooltip += f": {state}"
        shape = (
            _gone_shape(kinds[i], xs[i], ys[i], radius)
            if state == "gone"
            else _shape(kinds[i], xs[i], ys[i], radius)
        )
        ring_part = (
            f'<circle class="mark" cx="{xs[i]:.1f}" cy="{ys[i]:.1f}" r="{ring:.1f}" fill="none" '
            f'stroke="{_INK}" stroke-width="2.5"/>'
            if state == "joined"
            else ""
        )
        parts.append(
            f'<g class="node node-{kinds[i]}{" node-" + state if state else ""}">'
            f"<title>{escape(tooltip)}</title>{shape}{ring_part}</g>"
        )
    parts += words
    for i in range(count):
        reach = ring if notes[i] else radius
        label = [(names[i], "normal")] + ([(notes[i], "bold")] if notes[i] else [])
        for row, (text, weight) in enumerate(label):
            half = _text_width(text, font) / 2 + 2
            x = min(max(xs[i], half), width - half)
            parts.append(
                _text(
                    x, ys[i] + reach + (row + 1) * (font + 2), text, font, weight=weight, halo=True
                )
            )
    parts.append(
        f'<g class="legend"><rect x="0" y="{area:.0f}" width="{width}" height="{legend_height}" '
        f'fill="#f6f6f6"/><line x1="0" y1="{area:.0f}" x2="{width}" y2="{area:.0f}" stroke="#cccccc"/>'
    )
    for row, row_items in enumerate(legend):
        parts.append(
            f'<g transform="translate(0 {area + 19 + row * _LEGEND_ROW:.0f})">{"".join(row_items)}</g>'
        )
    parts.append("</g>")
    svg = _svg(ident, title, desc, width, height, "".join(parts))
    return figure(svg, title, width, font)


def _word(x: float, y: float, text: str, size: float = 11) -> str:
    """A change's mark on the picture: bold, with a white halo so it reads across lines."""
    return _text(x, y, text, size, weight="bold", halo=True)


def _gone_shape(kind: str, x: float, y: float, r: float) -> str:
    """A school that has gone: its shape hollow, with a dashed outline."""
    colour, _shape_name = KIND_STYLE.get(kind, KIND_STYLE["other"])
    return _shape(kind, x, y, r).replace(
        f'fill="{colour}" stroke="#ffffff" stroke-width="1"',
        'fill="#ffffff" stroke="#444444" stroke-width="1.5" stroke-dasharray="3 2"',
    )


# -- the tables ------------------------------------------------------------------------------------
def changes_rows(comparison: Comparison) -> list[list[str]]:
    """Every change, one row each: (change, schools, before, after)."""
    rows = [
        ["School joined", name, "not in the network", "in the network"]
        for name in comparison.joined
    ]
    rows += [
        ["School gone", name, "in the network", "not in the network"] for name in comparison.gone
    ]
    for change in comparison.links:
        pair = f"{change.pair[0]} — {change.pair[1]}"
        if change.kind == TRUST:
            before, after = trust_words(change.before), trust_words(change.after)
        else:
            before = "no link" if change.before is None else level_words(change.before)
            after = "no link" if change.after is None else level_words(change.after)
        rows.append([CHANGE_WORDS[change.kind], pair, before, after])
    return rows


def _side(label: str) -> str:
    return _plain(label) or "(no name)"


def comparison_tables(comparison: Comparison, before_label: str, after_label: str) -> str:
    """The changes in words, then the measures and the diagnosis before → after."""
    first, second = _side(before_label), _side(after_label)
    rows = changes_rows(comparison)
    changes = (
        table(
            f"Every change from “{first}” to “{second}”",
            ["Change", "School or link", f"In “{first}”", f"In “{second}”"],
            rows,
        )
        if rows
        else "<p>No school or link changed.</p>"
    )
    measures = table(
        "The measures, before and after",
        ["Measure", f"In “{first}”", f"In “{second}”"],
        [
            [label, old, new + ("" if old == new else " (changed)")]
            for label, old, new in comparison.measures
        ],
    )
    was, now = comparison.diagnosis
    diagnosis = table(
        "The diagnosis, before and after",
        ["", f"In “{first}”", f"In “{second}”"],
        [
            ["Verdict", was.name, now.name],
            ["Strength of the evidence", was.evidence, now.evidence],
            *[
                [
                    f"Score: {classify.TYPE_NAMES[kind]}",
                    f"{was.scores.get(kind, 0.0):.2f}",
                    f"{now.scores.get(kind, 0.0):.2f}",
                ]
                for kind in classify.TYPES
            ],
        ],
    )
    answered = (
        f"Both diagnoses use your health-check answers as they are now ({comparison.answers} "
        "statements answered), so a change in the verdict comes from the drawing alone."
        if comparison.answers
        else "The health check is not answered, so both diagnoses read the drawings alone."
    )
    return (
        f"<p><strong>{escape(summary(comparison))}</strong> "
        f"{comparison.unchanged_links:,} links stayed as they were.</p>"
        + changes
        + measures
        + f'<p class="course-hint">{escape(answered)}</p>'
        + diagnosis
    )


def latest_html(latest: Latest | None) -> str:
    """The latest comparison, short, for the personal report and the tutor's card."""
    if latest is None:
        return "<p>No snapshot of the network has been saved yet (Lesson 05).</p>"
    comparison = latest.comparison
    first, second = _side(latest.before), _side(latest.after)
    rows = changes_rows(comparison)
    more = len(rows) - _SHOWN_IN_SHORT
    was, now = comparison.diagnosis
    shown = [*rows[:_SHOWN_IN_SHORT]]
    if more > 0:
        shown.append(["…", f"and {more:,} more changes", "", ""])
    measures = {label: (old, new) for label, old, new in comparison.measures}
    picked = [
        [label, *measures[label]]
        for label in ("Schools and partners", "Links", "Density", "Connected groups")
        if label in measures
    ]
    return (
        f"<p>From “{escape(first)}” to “{escape(second)}”: {escape(summary(comparison))}</p>"
        + (
            table(
                "Changes between the two",
                ["Change", "School or link", f"In “{first}”", f"In “{second}”"],
                shown,
            )
            if rows
            else ""
        )
        + table(
            "Measures and diagnosis, before and after",
            ["", f"In “{first}”", f"In “{second}”"],
            [*picked, ["Diagnosis", was.name, now.name]],
        )
    )
