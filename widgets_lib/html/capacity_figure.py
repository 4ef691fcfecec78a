"""The course's own drawing of the capacity model, and the profile chart (pure SVG strings).

Hopkins and Jackson's Figure One is lost from the text copy, so this drawing is the
course's: foundation conditions as the ground, the three interconnected domains as
overlapping circles with the heart of capacity where they meet, all inside external
opportunities. Every element shows its score as a number, so colour never carries
meaning alone, and each SVG has a title and description for screen readers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from ..capacity import SCALE_MAX, SCALE_MIN, Bank, Result
from .charts import bars_svg, figure
from .common import table

_LIGHT = (238, 244, 251)
_DARK = (23, 74, 140)


def shade(score: float | None) -> tuple[str, str]:
    """(fill, text colour) for a score; unanswered elements are white with grey text."""
    if score is None:
        return "#ffffff", "#444444"
    t = (score - SCALE_MIN) / (SCALE_MAX - SCALE_MIN)
    rgb = tuple(round(a + (b - a) * t) for a, b in zip(_LIGHT, _DARK, strict=True))
    return "#{:02x}{:02x}{:02x}".format(*rgb), ("#ffffff" if t >= 0.7 else "#111111")


def _fmt(score: float | None) -> str:
    return "not answered" if score is None else f"{score:.1f} of {SCALE_MAX}"


def _text(
    x: float,
    y: float,
    body: str,
    size: int = 14,
    colour: str = "#111",
    weight: str = "normal",
    anchor: str = "middle",
) -> str:
    return (
        f'<text x="{x:.0f}" y="{y:.0f}" font-size="{size}" fill="{colour}" font-weight="{weight}" '
        f'text-anchor="{anchor}" font-family="system-ui, sans-serif">{escape(body)}</text>'
    )


def model_svg(
    bank: Bank,
    scores: Mapping[str, float | None],
    start_with: Sequence[str] = (),
    growth_state: str | None = None,
) -> str:
    """The capacity model with this school's scores and where to start marked."""
    name = {e.id: e.name for e in bank.elements}
    parts: list[str] = []

    def mark(element_id: str) -> str:
        return (
            ' stroke="#b3261e" stroke-width="5" stroke-dasharray="10 5"'
            if element_id in start_with
            else ' stroke="#333" stroke-width="1.5"'
        )

    fill, ink = shade(scores.get("external"))
    parts.append(
        f'<rect x="6" y="6" width="628" height="468" rx="24" fill="{fill}"{mark("external")}/>'
    )
    parts.append(
        _text(320, 32, f"External opportunities — {_fmt(scores.get('external'))}", 15, ink, "bold")
    )

    fill, ink = shade(scores.get("foundation"))
    parts.append(
        f'<rect x="40" y="400" width="560" height="56" rx="8" fill="{fill}"{mark("foundation")}/>'
    )
    parts.append(
        _text(
            320, 433, f"Foundation conditions — {_fmt(scores.get('foundation'))}", 15, ink, "bold"
        )
    )

    circles = {"personal": (230, 165), "interpersonal": (410, 165), "organisational": (320, 295)}
    label_at = {"personal": (175, 120), "interpersonal": (465, 120), "organisational": (320, 365)}
    for element_id, (cx, cy) in circles.items():
        fill, _ = shade(scores.get(element_id))
        parts.append(
            f'<circle cx="{cx}" cy="{cy}" r="112" fill="{fill}" fill-opacity="0.8"{mark(element_id)}/>'
        )
    for element_id, (x, y) in label_at.items():
        _, ink = shade(scores.get(element_id))
        parts.append(
            _text(x, y, name[element_id].replace("The ", "").split(" domain")[0], 14, ink, "bold")
        )
        parts.append(_text(x, y + 18, _fmt(scores.get(element_id)), 13, ink))

    heart = [e for e in bank.elements if e.group == "heart"]
    parts.append(
        '<circle cx="320" cy="210" r="74" fill="#ffffff" stroke="#333" stroke-width="1.5"/>'
    )
    parts.append(_text(320, 158, "Heart of capacity", 13, "#111", "bold"))
    for i, element in enumerate(heart):
        y = 176 + i * 22
        fill, ink = shade(scores.get(element.id))
        stroke = mark(element.id)
        parts.append(
            f'<rect x="258" y="{y}" width="124" height="19" rx="4" fill="{fill}"{stroke}/>'
        )
        short = {
            "heart_leadership": "Leadership",
            "heart_social": "Trust, cohesion",
            "heart_values": "Shared values",
            "heart_intellectual": "Knowledge",
        }.get(element.id, element.name)
        score = scores.get(element.id)
        parts.append(
            _text(320, y + 14, f"{short} {'—' if score is None else f'{score:.1f}'}", 12, ink)
        )

    if start_with:
        parts.append(
            _text(20, 494, "Dashed red outline = where to start", 13, "#b3261e", "bold", "start")
        )
    title = "The capacity model (the course's own drawing) with your school's scores"
    desc = "; ".join(f"{name[k]}: {_fmt(scores.get(k))}" for k in name)
    if start_with:
        desc += ". Where to start: " + ", ".join(name[k] for k in start_with)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 500" width="100%" '
        f'style="max-width:640px" role="img" aria-labelledby="cm-title cm-desc">'
        f'<title id="cm-title">{escape(title)}</title><desc id="cm-desc">{escape(desc)}</desc>'
        + "".join(parts)
        + "</svg>"
    )
    return figure(svg, "The capacity model with your school's scores", 640, 12)


def profile_svg(
    bank: Bank,
    scores: Mapping[str, float | None],
    earlier: Mapping[str, float | None] | None = None,
) -> str:
    """Every element's score as a bar from 1 to 4; an earlier attempt as a thin dashed bar under it."""
    legend = "Bars: this attempt, from 1 (not like us yet) to 4 (very like us)."
    if earlier:
        legend += " Thin grey bars: your earlier attempt."
    rows = [
        (
            e.name,
            scores.get(e.id),
            _fmt(scores.get(e.id)) + (f" (earlier {_fmt(earlier.get(e.id))})" if earlier else ""),
        )
        for e in bank.elements
    ]
    return bars_svg(
        rows,
        title="Capacity profile",
        minimum=SCALE_MIN,
        maximum=SCALE_MAX,
        ticks=True,
        legend=legend,
        earlier=[earlier.get(e.id) for e in bank.elements] if earlier else None,
    )


def reading_html(bank: Bank, result: Result) -> str:
    """The growth state, what it means and where to start, in words."""
    state = bank.growth_states[result.growth_state or ""]
    names = {e.id: e.name for e in bank.elements}
    start = "".join(
        f"<li><strong>{escape(names[k])}</strong>: {escape(bank.advice.get(k, ''))}</li>"
        for k in result.start_with
    )
    return (
        f'<div class="course-reading"><h4>Growth state: {escape(state["name"])}</h4>'
        f"<p>{escape(state['meaning'])}</p><p>{escape(state['where_to_start'])}</p>"
        f"<h4>Where to start</h4><ul>{start}</ul>"
        '<p class="course-hint">The growth states and the thresholds behind them are this course\'s '
        "own reading of Hopkins and Jackson, not the paper's.</p></div>"
    )


def scores_table(
    bank: Bank,
    result: Result,
    attempt: int,
    earlier: tuple[int, Mapping[str, float | None]] | None = None,
) -> str:
    """The scores as a table (the text alternative of the drawings), with the change since ``earlier``."""
    head = ["Element", "Part of the model", f"Attempt {attempt}"]
    if earlier:
        head += [f"Attempt {earlier[0]}", "Change"]
    head.append("Start here?")
    groups = {
        "foundation": "Foundation",
        "domain": "Domain",
        "external": "External",
        "heart": "Heart of capacity",
    }
    rows = []
    for element in bank.elements:
        score = result.scores[element.id]
        row = [element.name, groups[element.group], _number(score)]
        if earlier:
            before = earlier[1].get(element.id)
            row += [
                _number(before),
                "—" if before is None or score is None else f"{score - before:+.1f}",
            ]
        rows.append([*row, "Yes" if element.id in result.start_with else ""])
    return table("Capacity scores, 1 (not like us yet) to 4 (very like us)", head, rows)


def _number(score: float | None) -> str:
    return "—" if score is None else f"{score:.1f}"
