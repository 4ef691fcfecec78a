"""The action plan (Lesson 08) as a table of text."""

from __future__ import annotations

from collections.abc import Sequence

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
