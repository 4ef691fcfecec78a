"""The action plan (Lesson 08) and its learning from, with and on behalf of partners, as tables of text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .. import plan
from ..plan import Action
from .common import table


def plan_table(actions: Sequence[Action]) -> str:
    """The plan in date order, as a table of text."""
    if not actions:
        return "<p>Your plan has no actions yet.</p>"
    return table(
        "Your action plan, soonest first",
        ["What will be done", "Who leads it", "By when", "Challenge it meets"],
        [
            [a.what, a.who, a.by_words, plan.CHALLENGES[a.challenge]]
            for a in plan.in_date_order(actions)
        ],
    )


def learning_table(saved: Mapping[str, Any]) -> str:
    """What the school will learn from, with and on behalf of its partners, as a table of text."""
    return table(
        "Learning from, with and on behalf of our partners",
        ["Question", "My answer"],
        plan.learning_rows(saved),
    )
