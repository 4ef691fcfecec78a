"""The network health questionnaire of lesson 05: statements, checks and construct scores.

Every construct (``CONSTRUCTS``, the keys of an answers file) has two statements in
``data/health_items.json``, one of them worded the other way round (``reverse``), so
agreeing with everything gives a middle score rather than a glowing one, and
:func:`contradictions` can point it out. The statements are the course's own, grounded
in Harris's account of empty and meaningful networks.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from statistics import mean

from .answers import AnswerError, check_whole
from .paths import load_json

SCALE_MIN, SCALE_MAX = 1, 5
# The answers file's order; the classifier and the page list constructs in it.
CONSTRUCTS = (
    "shared_goals",
    "communication",
    "cohesion",
    "trust",
    "tangible_outcomes",
    "knowledge_transfer",
    "survive_without_funding",
    "challenge",
    "openness",
    "shared_decisions",
    "momentum",
    "resource_motive",
    "friendship_basis",
    "manipulation",
)


@dataclass(frozen=True)
class Construct:
    id: str
    name: str
    meaning: str
    sign: str  # "good", or "warning" for the constructs that mark an empty network


@dataclass(frozen=True)
class HealthItem:
    id: str
    construct: str
    text: str
    reverse: bool


@dataclass(frozen=True)
class Questionnaire:
    scale: tuple[tuple[int, str], ...]
    constructs: Mapping[str, Construct]
    items: tuple[HealthItem, ...]

    def item(self, item_id: str) -> HealthItem | None:
        return next((item for item in self.items if item.id == item_id), None)

    def items_of(self, construct: str) -> list[HealthItem]:
        return [item for item in self.items if item.construct == construct]


@cache
def load_items() -> Questionnaire:
    """The questionnaire of ``data/health_items.json`` (read once per process)."""
    raw = load_json("health_items.json")
    return Questionnaire(
        scale=tuple((s["value"], s["label"]) for s in raw["scale"]),
        constructs={
            cid: Construct(cid, c["name"], c["meaning"], c.get("sign", "good"))
            for cid, c in raw["constructs"].items()
        },
        items=tuple(
            HealthItem(i["id"], i["construct"], i["text"], bool(i.get("reverse", False)))
            for i in raw["items"]
        ),
    )


def check_item_answer(item_id: str, value: object) -> int:
    """The answer as an int, or :class:`AnswerError` naming the statement."""
    if load_items().item(item_id) is None:
        raise AnswerError(f"There is no statement {item_id!r} in the network health questionnaire.")
    return check_whole(item_id, value, SCALE_MIN, SCALE_MAX, "strongly disagree", "strongly agree")


def check_construct_scores(scores: Mapping[str, object]) -> dict[str, float]:
    """Construct scores as floats; ``None`` means not answered and is left out.

    Scores may be fractional (a mean of statements) but must lie on the 1–5 scale.
    """
    if not isinstance(scores, Mapping):
        raise AnswerError(
            "Construct scores must be a mapping of construct to score, "
            f"not {type(scores).__name__}."
        )
    clean: dict[str, float] = {}
    for construct, value in scores.items():
        if construct not in CONSTRUCTS:
            raise AnswerError(
                f"Unknown construct {construct!r}; the constructs are: {', '.join(CONSTRUCTS)}."
            )
        if value is None:
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or math.isnan(value)
            or not SCALE_MIN <= value <= SCALE_MAX
        ):
            raise AnswerError(
                f"Construct {construct}: the score must be a number from {SCALE_MIN} to {SCALE_MAX}, "
                f"not {value!r}."
            )
        clean[construct] = float(value)
    return clean


def construct_scores(item_answers: Mapping[str, object]) -> dict[str, float]:
    """Mean per construct of the answered statements, reverse-worded ones scored 6 − answer."""
    questionnaire = load_items()
    by_construct: dict[str, list[int]] = {}
    for item_id, value in item_answers.items():
        answer = check_item_answer(item_id, value)
        item = questionnaire.item(item_id)
        assert item is not None  # checked above
        scored = SCALE_MIN + SCALE_MAX - answer if item.reverse else answer
        by_construct.setdefault(item.construct, []).append(scored)
    return {c: round(mean(by_construct[c]), 2) for c in CONSTRUCTS if c in by_construct}


def contradictions(item_answers: Mapping[str, int]) -> list[str]:
    """Constructs where a statement AND its opposite were both agreed with (4 or 5), in contract order."""
    questionnaire = load_items()
    found = []
    for construct in CONSTRUCTS:
        agreed = {
            item.reverse
            for item in questionnaire.items_of(construct)
            if isinstance(item_answers.get(item.id), int) and item_answers[item.id] >= 4
        }
        if agreed == {True, False}:
            found.append(construct)
    return found
