"""Sorting activities: statements sorted into categories, with feedback for the option chosen.

Lesson 02 sorts into Hopkins and Jackson's four perspectives on capacity (``data/perspectives.json``);
lesson 06 into what distributed leadership is and is not (``data/sorters/distributed_leadership.json``).
Every statement carries the explanation of the answer the course gives it and, for each other option,
why that option is tempting and why the course reads the paper otherwise. The last step is the
learner's own example, which they sort themselves: it is saved with the answers and never scored.

What a sorter saves, under its activity (:data:`SORTERS` gives the activity of each lesson), one key
per answer: each statement's id → the chosen option's id; :data:`OWN_TEXT` → the learner's example
(text, at most :data:`MAX_OWN` characters); :data:`OWN_CHOICE` → the option they placed it under.
:func:`summary` turns those saved answers into what a report shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from . import CourseError
from .answers import check_free_text
from .paths import load_json

ACTIVITY = "perspectives"
SORTERS = {"02": ACTIVITY, "06": "distributed_leadership"}  # lesson → its sorter's activity
OWN_TEXT = "own/text"
OWN_CHOICE = "own/choice"
MAX_OWN = 300


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
    feedback: str  # why the course places it under ``answer``
    why_not: Mapping[str, str]  # each other option → why it is tempting, and why not


@dataclass(frozen=True)
class OwnExample:
    """The last step's words: what to write, the field's label, the question, how to check."""

    intro: str
    label: str
    question: str
    check: str


@dataclass(frozen=True)
class Sorter:
    perspectives: tuple[Perspective, ...]
    statements: tuple[Statement, ...]
    own_example: OwnExample
    about: str  # whose the statements and their placing are (the course's)

    def statement(self, statement_id: str) -> Statement:
        for statement in self.statements:
            if statement.id == statement_id:
                return statement
        raise CourseError(f"{statement_id!r} is not one of the statements.")

    def perspective(self, perspective_id: str) -> Perspective:
        for perspective in self.perspectives:
            if perspective.id == perspective_id:
                return perspective
        raise CourseError(f"{perspective_id!r} is not one of the choices for this statement.")

    @property
    def option_ids(self) -> frozenset[str]:
        return frozenset(p.id for p in self.perspectives)


def load_sorter(source: str = ACTIVITY) -> Sorter:
    """The sorter named ``source``: ``perspectives`` or a file in ``data/sorters/``.

    A statement whose answer is not an option, or that lacks feedback for one of its wrong
    options, is a fault in the data: refused here, so no learner meets a silent gap."""
    raw = load_json("perspectives.json" if source == ACTIVITY else f"sorters/{source}.json")
    perspectives = tuple(
        Perspective(p["id"], p["name"], p["who"], p["summary"]) for p in raw["perspectives"]
    )
    ids = {p.id for p in perspectives}
    statements = []
    for s in raw["statements"]:
        why_not = dict(s["why_not"])
        if s["answer"] not in ids or set(why_not) != ids - {s["answer"]}:
            raise CourseError(
                f"{source}: statement {s['id']} needs an answer among {sorted(ids)} and feedback "
                f"for each other option (it has {sorted(why_not)})."
            )
        statements.append(Statement(s["id"], s["text"], s["answer"], s["feedback"], why_not))
    own = raw["own_example"]
    return Sorter(
        perspectives=perspectives,
        statements=tuple(statements),
        own_example=OwnExample(own["intro"], own["label"], own["question"], own["check"]),
        about=raw["about"],
    )


@dataclass(frozen=True)
class Feedback:
    correct: bool
    text: str


def check(sorter: Sorter, statement_id: str, choice: str) -> Feedback:
    """Say whether a choice is right and why; a wrong choice is answered for the option chosen."""
    chosen = sorter.perspective(choice)
    statement = sorter.statement(statement_id)
    right = sorter.perspective(statement.answer)
    if choice == statement.answer:
        return Feedback(True, f"Yes: {right.name}. {statement.feedback}")
    return Feedback(
        False,
        f"Not quite: you chose {chosen.name}. {statement.why_not[choice]} "
        f"The course places it under {right.name} ({right.who}). {statement.feedback}",
    )


def valid_choices(sorter: Sorter, saved: object) -> dict[str, str]:
    """The statements' answers among ``saved`` (statement id → option id); anything else is left out."""
    if not isinstance(saved, Mapping):
        return {}
    known = {s.id for s in sorter.statements}
    return {
        key: value
        for key, value in saved.items()
        if key in known and isinstance(value, str) and value in sorter.option_ids
    }


def score(sorter: Sorter, choices: Mapping[str, str]) -> tuple[int, int]:
    """(correct, answered), counting only the statements' valid answers (never the own example)."""
    answered = valid_choices(sorter, choices)
    return sum(1 for k, v in answered.items() if sorter.statement(k).answer == v), len(answered)


def score_sentence(right: int, answered: int, total: int) -> str:
    """The score in words: nothing to score before the first answer, and what is left after it."""
    if answered == 0:
        return f"None placed yet ({total} statement{'' if total == 1 else 's'} to place)."
    if answered < total:
        return f"{right} of {answered} placed as the course reads the paper; {total - answered} still to place."
    return f"{right} of {total} placed as the course reads the paper; every statement is placed."


def check_own_text(text: object) -> str:
    """The learner's own example as typed (markup and all: pages show it as text), if short enough."""
    return check_free_text("Your example", text, MAX_OWN)


def check_own_choice(sorter: Sorter, choice: object) -> str:
    if not isinstance(choice, str) or choice not in sorter.option_ids:
        raise CourseError(f"{choice!r} is not one of the choices for your example.")
    return choice


@dataclass(frozen=True)
class Summary:
    """A sorter's saved answers as a report shows them: the score, and the learner's own example."""

    right: int
    answered: int
    total: int
    own_text: str | None  # None: not written (or not readable)
    own_choice: Perspective | None  # None: not placed (or not an option)

    @property
    def sentence(self) -> str:
        return score_sentence(self.right, self.answered, self.total)


def summary(sorter: Sorter, saved: object) -> Summary:
    """What the learner did in a sorter, from its saved answers (``Store.load`` of its activity).

    Answers that are not the sorter's (unknown keys, options that do not exist, text too long or
    not text) are ignored, so a report never fails on them."""
    right, answered = score(sorter, valid_choices(sorter, saved))
    values = saved if isinstance(saved, Mapping) else {}
    text = values.get(OWN_TEXT)
    own_text = text if isinstance(text, str) and text.strip() and len(text) <= MAX_OWN else None
    choice = values.get(OWN_CHOICE)
    own_choice = (
        sorter.perspective(choice)
        if isinstance(choice, str) and choice in sorter.option_ids
        else None
    )
    return Summary(right, answered, len(sorter.statements), own_text, own_choice)
