"""The action plan of lesson 08: what will be done, who leads it, by when, which challenge it meets.

Pure Python; the view is ``widget_plan``. Every field is checked here, so a message names
the field and the action, and nothing already in the plan is touched by a bad entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Sequence

ACTIVITY = "plan"
KEY = "actions"
CHALLENGES = {"distance": "Distance", "culture": "Culture", "structure": "Structure", "other": "Something else"}
MAX_WHAT = 500
MAX_WHO = 200
MAX_ACTIONS = 50
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


class PlanError(ValueError):
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
            raise PlanError(f"By when: {value.strip()[:40]!r} is not a date; choose one from the calendar.") from None
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
        raise PlanError("Which challenge: please choose distance, culture, structure or something else.")
    return action


def add(actions: Sequence[Action], action: Action) -> list[Action]:
    if len(actions) >= MAX_ACTIONS:
        raise PlanError(f"The plan holds at most {MAX_ACTIONS} actions; remove one that is done first.")
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
