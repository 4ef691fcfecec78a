"""Sorting activities: statements sorted into categories, with feedback that explains each.

Lesson 02 sorts into Hopkins and Jackson's four perspectives on capacity (``data/perspectives.json``);
lesson 06 into what distributed leadership is and is not (``data/sorters/distributed_leadership.json``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from . import CourseError
from .paths import load_json

ACTIVITY = "perspectives"


@dataclass(frozen=True)
class Perspective:
    id: str
    name: str
    who: str
    summary: str


@dataclass(frozen=True)
class Statement:
    id: str
    text: str
    answer: str
    feedback: str


@dataclass(frozen=True)
class Sorter:
    perspectives: tuple[Perspective, ...]
    statements: tuple[Statement, ...]

    def statement(self, statement_id: str) -> Statement:
        return next(s for s in self.statements if s.id == statement_id)

    def perspective(self, perspective_id: str) -> Perspective:
        return next(p for p in self.perspectives if p.id == perspective_id)


def load_sorter(source: str = ACTIVITY) -> Sorter:
    """The sorter named ``source``: ``perspectives`` or a file in ``data/sorters/``."""
    raw = load_json("perspectives.json" if source == ACTIVITY else f"sorters/{source}.json")
    return Sorter(
        perspectives=tuple(
            Perspective(p["id"], p["name"], p["who"], p["summary"]) for p in raw["perspectives"]
        ),
        statements=tuple(
            Statement(s["id"], s["text"], s["answer"], s["feedback"]) for s in raw["statements"]
        ),
    )


@dataclass(frozen=True)
class Feedback:
    correct: bool
    text: str


def check(sorter: Sorter, statement_id: str, choice: str) -> Feedback:
    """Say whether a choice is right and why, naming the perspective it belongs to."""
    if choice not in {p.id for p in sorter.perspectives}:
        raise CourseError(f"{choice!r} is not one of the choices for this statement.")
    statement = sorter.statement(statement_id)
    right = sorter.perspective(statement.answer)
    if choice == statement.answer:
        return Feedback(True, f"Yes: {right.name}. {statement.feedback}")
    return Feedback(
        False, f"Not quite: this is closest to {right.name} ({right.who}). {statement.feedback}"
    )


def score(sorter: Sorter, choices: Mapping[str, str]) -> tuple[int, int]:
    """(correct, answered)."""
    known = {s.id: s.answer for s in sorter.statements}
    answered = {k: v for k, v in choices.items() if k in known}
    return sum(1 for k, v in answered.items() if known[k] == v), len(answered)


def score_sentence(right: int, answered: int, total: int) -> str:
    """The score in words: nothing to score before the first answer, and what is left after it."""
    if answered == 0:
        return f"None placed yet ({total} statement{'' if total == 1 else 's'} to place)."
    if answered < total:
        return f"{right} of {answered} placed as the course reads the paper; {total - answered} still to place."
    return f"{right} of {total} placed as the course reads the paper; every statement is placed."
