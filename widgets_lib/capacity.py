"""The capacity self-assessment (lesson 03): items, scores, placement and growth state.

The model follows Hopkins and Jackson's five elements and the four components of
the heart of capacity. The growth states and their thresholds are the course's
own reading: the paper says the model can recognise a school's "growth state"
but does not list the states.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from statistics import mean

from .answers import AnswerError, check_whole
from .paths import load_json

__all__ = ["AnswerError", "Bank", "Result", "assess", "check_answer", "load_bank", "split_attempts"]

ACTIVITY = "capacity"
SCALE_MIN, SCALE_MAX = 1, 4
# The course's own thresholds on the 1–4 scale (see lesson 03, "What your result means").
WEAK_BELOW = 2.5
STRONG_FROM = 3.25


@dataclass(frozen=True)
class Element:
    id: str
    group: str
    name: str
    summary: str


@dataclass(frozen=True)
class Item:
    id: str
    element: str
    text: str


@dataclass(frozen=True)
class Bank:
    elements: tuple[Element, ...]
    items: tuple[Item, ...]
    scale: tuple[tuple[int, str], ...]
    growth_states: Mapping[str, Mapping[str, str]]
    advice: Mapping[str, str]

    def element(self, element_id: str) -> Element:
        return next(e for e in self.elements if e.id == element_id)

    def items_of(self, element_id: str) -> list[Item]:
        return [item for item in self.items if item.element == element_id]


def load_bank() -> Bank:
    raw = load_json("capacity_items.json")
    return Bank(
        elements=tuple(
            Element(e["id"], e["group"], e["name"], e["summary"]) for e in raw["elements"]
        ),
        items=tuple(Item(i["id"], i["element"], i["text"]) for i in raw["items"]),
        scale=tuple((s["value"], s["label"]) for s in raw["scale"]),
        growth_states={g["id"]: g for g in raw["growth_states"]},
        advice=dict(raw["advice"]),
    )


def check_answer(bank: Bank, item_id: str, value: object) -> int:
    if item_id not in {item.id for item in bank.items}:
        raise AnswerError(f"There is no statement {item_id!r} in the capacity questionnaire.")
    return check_whole(item_id, value, SCALE_MIN, SCALE_MAX)


@dataclass
class Result:
    """What a set of answers says about a school."""

    scores: dict[str, float | None]  # element id -> mean 1–4, None when unanswered
    answered: int
    total: int
    growth_state: str | None = None
    start_with: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.answered == self.total


def assess(bank: Bank, answers: Mapping[str, int]) -> Result:
    """Score every element and, once every statement is answered, read the growth state."""
    for item_id, value in answers.items():
        check_answer(bank, item_id, value)
    scores: dict[str, float | None] = {}
    for element in bank.elements:
        values = [answers[i.id] for i in bank.items_of(element.id) if i.id in answers]
        scores[element.id] = round(mean(values), 2) if values else None
    result = Result(scores=scores, answered=len(answers), total=len(bank.items))
    if result.complete:
        result.growth_state, result.start_with = _read_growth(bank, scores)
    return result


def _read_growth(bank: Bank, scores: Mapping[str, float | None]) -> tuple[str, list[str]]:
    """The course's own reading of Hopkins and Jackson: foundations first where they are weak.

    Returns the growth state and the elements to start with, weakest first.
    """
    full = {k: float(v) for k, v in scores.items() if v is not None}

    def weakest(group: str, below: float) -> list[str]:
        ids = [e.id for e in bank.elements if e.group == group and full[e.id] < below]
        return sorted(ids, key=lambda k: full[k])

    if full["foundation"] < WEAK_BELOW:
        return "securing_foundations", ["foundation"]
    if weakest("domain", WEAK_BELOW):
        return "building_domains", weakest("domain", WEAK_BELOW)
    if min(full.values()) < STRONG_FROM:
        heart = weakest("heart", STRONG_FROM)
        if "heart_leadership" in heart:  # leadership is the critical variable (HJ)
            heart.remove("heart_leadership")
            heart.insert(0, "heart_leadership")
        rest = sorted(
            (k for k in full if full[k] < STRONG_FROM and k not in heart), key=lambda k: full[k]
        )
        return "connecting", (heart + rest)[:2]
    return "self_developing", ["external"]


# -- attempts -----------------------------------------------------------------
# Answers are saved under "a<N>/<item>" so a learner can retake the questionnaire and
# compare; "attempts" lists when each attempt began.


def answer_key(attempt: int, item_id: str) -> str:
    return f"a{attempt}/{item_id}"


def item_of_key(key: str) -> str:
    """The item a saved answer's key belongs to (``a2/c1`` → ``c1``); other keys as they are."""
    return key.split("/", 1)[1] if key.startswith("a") and "/" in key else key


def split_attempts(saved: Mapping[str, object]) -> dict[int, dict[str, int]]:
    """Saved rows of the activity → {attempt number: {item id: answer}}."""
    attempts: dict[int, dict[str, int]] = {}
    for key, value in saved.items():
        if key.startswith("a") and "/" in key:
            number, item_id = key[1:].split("/", 1)
            if number.isdigit() and isinstance(value, int):
                attempts.setdefault(int(number), {})[item_id] = value
    for meta in saved.get("attempts", []) or []:  # type: ignore[union-attr]
        attempts.setdefault(int(meta["n"]), {})
    return attempts
