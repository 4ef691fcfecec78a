"""The action plan of lesson 08: what will be done, who leads it, by when, which challenge it meets;
and what the school will learn from, with and on behalf of its partners.

Pure Python; the view is ``views.plan``. Every field is checked here, so a message names
the field and the action, and nothing already in the plan is touched by a bad entry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from . import CourseError
from .answers import check_free_text

ACTIVITY = "plan"
KEY = "actions"
# The form as typed, before "Add": saved as the learner types so a closed tab loses nothing, and
# kept apart from the plan so the plan's "last changed" date is not moved by typing.
DRAFT_ACTIVITY = "plan-draft"
DRAFT_KEY = "form"
CHALLENGES = {
    "distance": "Distance",
    "culture": "Culture",
    "structure": "Structure",
    "other": "Something else",
}
MAX_WHAT = 500
MAX_WHO = 200
MAX_ACTIONS = 50
MAX_LEARNING = 600
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


@dataclass(frozen=True)
class LearningPart:
    """One of the three kinds of networked learning (Hopkins and Jackson's closing lines: learning
    from, with and on behalf of each other), asked about the learner's own school and partners."""

    key: str  # saved under the plan's activity with this key
    label: str
    hint: str


# The labels and hints were written for the course; the three kinds are the three lines that close
# Hopkins and Jackson's paper, under the name of the Networked Learning Communities programme.
LEARNING = (
    LearningPart(
        "learn_from",
        "What my school will learn from its partners",
        "Something a partner school has found out or does well that your school will take in, "
        "and how: a visit, shared materials, a colleague who comes to work with you.",
    ),
    LearningPart(
        "learn_with",
        "What my school will learn with its partners",
        "A shared problem that staff from your school and a partner school will work on together, "
        "finding out what works as they go.",
    ),
    LearningPart(
        "learn_for",
        "What my school will learn on behalf of its partners",
        "Something your school, or a group in it, will find out so that the other schools benefit, "
        "and how they will hear of it.",
    ),
)
LEARNING_KEYS = tuple(part.key for part in LEARNING)
# How staff will learn together: Hopkins and Jackson name enquiry partnerships, action learning sets
# and study groups; co-coaching and the learning forum are Harris's Oldham and Prudhoe (lesson 06).
WAY_KEY = "learn_how"
WAYS = {
    "enquiry": "An enquiry partnership",
    "action_learning": "An action learning set",
    "study_group": "A study group",
    "co_coaching": "Co-coaching",
    "forum": "A learning forum",
    "other": "Another way",
}
NOT_ANSWERED = "Not answered yet"


class PlanError(CourseError):
    """An action that cannot be saved; the message is for the learner."""


@dataclass(frozen=True)
class Action:
    what: str
    who: str
    by: str  # an ISO date, YYYY-MM-DD
    challenge: str

    def as_value(self) -> dict[str, str]:
        return {"what": self.what, "who": self.who, "by": self.by, "challenge": self.challenge}

    @property
    def by_words(self) -> str:
        return date.fromisoformat(self.by).strftime("%-d %B %Y")


def _text(field: str, value: object, limit: int, missing: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PlanError(f"{field}: {missing}")
    text = value.strip()
    if len(text) > limit:
        raise PlanError(f"{field}: please keep it under {limit} characters (it has {len(text)}).")
    return text


def _date(value: object) -> str:
    if isinstance(value, date):
        day = value
    elif isinstance(value, str) and value.strip():
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise PlanError(
                f"By when: {value.strip()[:40]!r} is not a date; choose one from the calendar."
            ) from None
    else:
        raise PlanError("By when: please choose a date from the calendar.")
    if not EARLIEST <= day <= LATEST:
        raise PlanError(f"By when: please choose a date between {EARLIEST.year} and {LATEST.year}.")
    return day.isoformat()


def check_action(what: object, who: object, by: object, challenge: object) -> Action:
    """The action, or PlanError naming the first field that needs attention."""
    action = Action(
        what=_text("What", what, MAX_WHAT, "please say what will be done."),
        who=_text("Who", who, MAX_WHO, "please say who will lead it."),
        by=_date(by),
        challenge=str(challenge),
    )
    if action.challenge not in CHALLENGES:
        raise PlanError(
            "Which challenge: please choose distance, culture, structure or something else."
        )
    return action


def add(actions: Sequence[Action], action: Action) -> list[Action]:
    if len(actions) >= MAX_ACTIONS:
        raise PlanError(
            f"The plan holds at most {MAX_ACTIONS} actions; remove one that is done first."
        )
    return [*actions, action]


def replace(actions: Sequence[Action], index: int, action: Action) -> list[Action]:
    if not 0 <= index < len(actions):
        raise PlanError("Please choose the action to change from the list.")
    return [action if i == index else old for i, old in enumerate(actions)]


def remove(actions: Sequence[Action], index: int) -> list[Action]:
    if not 0 <= index < len(actions):
        raise PlanError("Please choose the action to remove from the list.")
    return [old for i, old in enumerate(actions) if i != index]


def from_value(value: Any) -> list[Action]:
    """The saved plan; entries that no longer pass the checks are skipped rather than shown wrongly."""
    actions = []
    for item in value if isinstance(value, list) else []:
        try:
            actions.append(check_action(item["what"], item["who"], item["by"], item["challenge"]))
        except (KeyError, TypeError, PlanError):
            continue
    return actions


def to_value(actions: Sequence[Action]) -> list[dict[str, str]]:
    return [action.as_value() for action in actions]


def in_date_order(actions: Sequence[Action]) -> list[Action]:
    return sorted(actions, key=lambda action: action.by)


def draft_value(
    what: object, who: object, by: object, challenge: object, chosen: object
) -> dict[str, Any]:
    """The form as it stands (not yet an action, so only its types and sizes are checked)."""
    return {
        "what": check_free_text("What", what, MAX_WHAT),
        "who": check_free_text("Who", who, MAX_WHO),
        "by": by.isoformat() if isinstance(by, date) else None,
        "challenge": challenge if isinstance(challenge, str) and challenge in CHALLENGES else None,
        "chosen": chosen if isinstance(chosen, int) and not isinstance(chosen, bool) else None,
    }


def draft_from_value(value: Any) -> dict[str, Any]:
    """A saved form, with anything unusable left empty rather than shown wrongly."""
    value = value if isinstance(value, dict) else {}
    what, who = value.get("what"), value.get("who")
    try:
        by = date.fromisoformat(value["by"]) if isinstance(value.get("by"), str) else None
    except ValueError:
        by = None
    challenge, chosen = value.get("challenge"), value.get("chosen")
    return {
        "what": what[:MAX_WHAT] if isinstance(what, str) else "",
        "who": who[:MAX_WHO] if isinstance(who, str) else "",
        "by": by,
        "challenge": challenge if isinstance(challenge, str) and challenge in CHALLENGES else None,
        "chosen": chosen if isinstance(chosen, int) and not isinstance(chosen, bool) else None,
    }


def check_learning(key: str, text: object) -> str:
    """One of the three learning answers as typed, or an error naming its field."""
    part = next((p for p in LEARNING if p.key == key), None)
    if part is None:
        raise PlanError(f"{key!r} is not one of the plan's questions about learning.")
    return check_free_text(part.label, text, MAX_LEARNING)


def check_way(value: object) -> str | None:
    """The way of learning together chosen (None when nothing is chosen yet)."""
    if value is None:
        return None
    if not isinstance(value, str) or value not in WAYS:
        raise PlanError("How you will learn with them: please choose one of the ways in the list.")
    return value


def learning_from_value(saved: Mapping[str, Any]) -> dict[str, str]:
    """The saved learning answers (by key, "" when missing); anything unusable is left empty."""
    answers = {}
    for key in LEARNING_KEYS:
        value = saved.get(key)
        answers[key] = value[:MAX_LEARNING] if isinstance(value, str) else ""
    way = saved.get(WAY_KEY)
    answers[WAY_KEY] = way if isinstance(way, str) and way in WAYS else ""
    return answers


def learning_rows(saved: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(question, answer) for the report: every part, "Not answered yet" where nothing is written."""
    answers = learning_from_value(saved)
    rows = [(part.label, answers[part.key].strip() or NOT_ANSWERED) for part in LEARNING]
    way = answers[WAY_KEY]
    rows.append(("The main way we will learn with them", WAYS[way] if way else NOT_ANSWERED))
    return rows
