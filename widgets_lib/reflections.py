"""Reflection questions of every lesson and the learner's journal (pure Python).

Answers are free text, saved as the learner types; each lesson's answers live under the
activity ``journal`` with the question's id as key, so the journal gathers them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .answers import check_free_text
from .paths import load_json

ACTIVITY = "journal"
MAX_CHARS = 5000


@dataclass(frozen=True)
class Question:
    id: str
    lesson: str
    prompt: str
    hint: str


def questions(lesson_id: str | None = None) -> list[Question]:
    """The reflection questions of one lesson, or of every lesson in course order."""
    raw = load_json("reflections.json")["lessons"]
    found = [
        Question(q["id"], lid, q["prompt"], q.get("hint", ""))
        for lid in sorted(raw)
        for q in raw[lid]
    ]
    return [q for q in found if lesson_id is None or q.lesson == lesson_id]


def check_text(question_id: str, text: object) -> str:
    return check_free_text(f"Question {question_id}", text, MAX_CHARS)


def journal(saved: Mapping[str, object]) -> list[tuple[Question, str]]:
    """Every question with the learner's answer ("" when unanswered), in course order."""
    return [(q, str(saved.get(q.id) or "")) for q in questions()]
