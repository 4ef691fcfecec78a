"""Checking one answer on a whole-number scale, the same way for every questionnaire."""

from __future__ import annotations

from . import CourseError


class AnswerError(CourseError):
    """An answer outside its scale, or for a statement or construct that does not exist."""


def check_whole(
    item_id: str, value: object, low: int, high: int, low_word: str = "", high_word: str = ""
) -> int:
    """``value`` if it is a whole number from ``low`` to ``high``, else :class:`AnswerError` naming the statement."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        low_text = f"{low} ({low_word})" if low_word else str(low)
        high_text = f"{high} ({high_word})" if high_word else str(high)
        raise AnswerError(
            f"Statement {item_id}: the answer must be a whole number from {low_text} to {high_text}, not {value!r}."
        )
    return value


def check_free_text(what: str, text: object, limit: int) -> str:
    """Free text as typed (markup and all: pages show it as text), or ValueError naming ``what``."""
    if not isinstance(text, str):
        raise AnswerError(f"{what}: the answer must be text.")
    if len(text) > limit:
        raise AnswerError(
            f"{what}: please keep it under {limit:,} characters (it has {len(text):,}); "
            "the rest was not saved."
        )
    return text
