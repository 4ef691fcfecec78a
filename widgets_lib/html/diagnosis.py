"""The diagnosis of a network against the four empty-network types, and its measures, as HTML."""

from __future__ import annotations

from html import escape

from .. import classify
from ..metrics import explain, measure
from ..network import Network
from .charts import bars_svg
from .common import table


def type_profile_svg(scores: dict[str, float]) -> str:
    """Bars for the five types, each with its score written next to it."""
    rows = [
        (
            classify.TYPE_NAMES[kind].capitalize(),
            scores.get(kind, 0.0),
            f"{scores.get(kind, 0.0):.2f}",
        )
        for kind in classify.TYPES
    ]
    colours = ["#1d5e2c" if kind == "meaningful" else "#8c5a00" for kind in classify.TYPES]
    return bars_svg(
        rows, title="How strongly each type shows, 0 to 1", maximum=1.0, colours=colours
    )


def diagnosis_html(result: classify.Diagnosis, title: str = "Diagnosis") -> str:
    verdict = result.verdict
    name = (
        "Too early to say" if verdict == "uncertain" else classify.TYPE_NAMES[verdict].capitalize()
    )
    reasons = "".join(f"<li>{escape(r)}</li>" for r in result.reasons)
    source = classify.TYPE_SOURCES.get(verdict, "")
    return (
        f'<div class="course-reading"><h4>{escape(title)}: {escape(name)}</h4>'
        f"<p>Strength of the evidence: <strong>{escape(result.evidence)}</strong>.</p>"
        + (f"<p>{escape(source)}.</p>" if source else "")
        + f"{type_profile_svg(result.scores)}<h4>Why</h4><ul>{reasons}</ul></div>"
    )


def measures_html(network: Network) -> str:
    """The network's measures, each with what it means."""
    return table(
        "Measures of your network", ["Measure", "Value", "What it means"], explain(measure(network))
    )
