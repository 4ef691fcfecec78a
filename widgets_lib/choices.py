"""Choosing among described options, such as Murphy's metaphors for school leaders (lesson 07)."""

from __future__ import annotations

from dataclasses import dataclass

from . import CourseError
from .paths import load_json


@dataclass(frozen=True)
class Option:
    id: str
    name: str
    description: str


@dataclass(frozen=True)
class Choice:
    id: str
    about: str
    questions: tuple[tuple[str, str], ...]  # (question id, prompt)
    options: tuple[Option, ...]
    feedback: dict

    def option(self, option_id: str) -> Option:
        for option in self.options:
            if option.id == option_id:
                return option
        raise CourseError(f"{option_id!r} is not one of the options.")


def load_choice(name: str) -> Choice:
    raw = load_json(f"choices/{name}.json")
    return Choice(
        id=name,
        about=raw.get("about", ""),
        questions=tuple((q["id"], q["prompt"]) for q in raw["questions"]),
        options=tuple(Option(o["id"], o["name"], o["description"]) for o in raw["options"]),
        feedback=dict(raw.get("feedback", {})),
    )


def comment(choice: Choice, answers: dict[str, str]) -> str:
    """What to say once every question is answered: the same option twice, or a journey between two."""
    if len(answers) < len(choice.questions) or len(set(answers.values())) == 0:
        return ""
    key = "same" if len(set(answers.values())) == 1 else "different"
    return choice.feedback.get(key, "")
