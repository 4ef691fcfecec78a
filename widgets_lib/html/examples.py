"""The invented example networks as worked cases: story, diagnosis, and the look-alikes side by side.

Every piece of text comes from ``data/networks/*/about.json`` or from the diagnosis, and is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from .. import classify
from ..examples import Example
from .common import table


def verdict_name(verdict: str) -> str:
    """How a verdict reads on the page: "Cosy network", or "Too early to say"."""
    return (
        "Too early to say" if verdict == "uncertain" else classify.TYPE_NAMES[verdict].capitalize()
    )


def worked_case_html(case: Example, result: classify.Diagnosis) -> str:
    """One example: its story (invented), what it looks like and is not, and its diagnosis."""
    reasons = "".join(f"<li>{escape(r)}</li>" for r in result.reasons)
    looks = ""
    if case.looks_like:
        looks = (
            f"<p><strong>Looks like a {escape(classify.TYPE_NAMES[case.looks_like])}</strong>, because: "
            f"{escape(case.looks_like_because)}</p>"
            f"<p><strong>It is not one</strong>, because: {escape(case.is_not_because)}</p>"
        )
    return (
        '<div class="course-worked-case">'
        f"<h4>{escape(case.title)}</h4>"
        f"<p><strong>The story (invented):</strong> {escape(case.story)}</p>"
        f"<p><small>{escape(case.note)}</small></p>"
        f"{looks}"
        "<p><strong>Its diagnosis</strong>, from its drawing and its invented answers to the health "
        f"questions: <strong>{escape(verdict_name(result.verdict))}</strong>; strength of the "
        f"evidence: {escape(result.evidence)}.</p>"
        f"<details><summary>Why: the reasons</summary><ul>{reasons}</ul></details>"
        "</div>"
    )


def look_alikes_html(cases: Sequence[tuple[Example, classify.Diagnosis]]) -> str:
    """The look-alikes side by side: looks like … because …; is not, because …; diagnosis."""
    rows = [
        (
            case.title,
            f"a {classify.TYPE_NAMES[case.looks_like or case.built_to_show]}",
            case.looks_like_because,
            case.is_not_because,
            verdict_name(result.verdict),
        )
        for case, result in cases
    ]
    return table(
        "Look-alikes: invented networks that resemble an empty network but are not one",
        ["Example (invented)", "Looks like", "because", "Is not one, because", "Diagnosis"],
        rows,
    )


def look_alikes_panel_html(cases: Sequence[tuple[Example, classify.Diagnosis]]) -> str:
    """The look-alikes table in a panel the learner opens (keyboard: Enter or Space on its summary)."""
    return (
        "<details><summary>The look-alikes side by side: why they are not what they seem</summary>"
        f"{look_alikes_html(cases)}</details>"
    )
