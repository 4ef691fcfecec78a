"""Lesson 08 activity: distance, culture and structure, each read against the learner's own work."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from .. import challenges, leadership
from ..lessons import DONE
from .common import RadioQuestions, SaveStatus, heading, save_as_typed

if TYPE_CHECKING:
    from .lesson import Learner, Lesson


class ChallengesView(RadioQuestions):
    """For each challenge: what it is, what your work suggests, how much it holds you back, a note."""

    def __init__(self, lesson: Lesson) -> None:
        self.lesson = lesson
        self.status = SaveStatus()
        self.ratings, self.challenges = challenges.load()
        self.answers: dict[str, int] = {}
        self.notes: dict[str, widgets.Textarea] = {}
        self.evidence: dict[str, widgets.HTML] = {}
        self._setup_radios()
        options = [(label, number) for number, label in enumerate(self.ratings, start=1)]
        parts: list[widgets.Widget] = [self.status]
        for challenge in self.challenges:
            ideas = "".join(f"<li>{escape(idea)}</li>" for idea in challenge.ideas)
            self.evidence[challenge.id] = widgets.HTML()
            note = widgets.Textarea(
                description=f"Your note on {challenge.name.lower()} (optional)",
                rows=3,
                continuous_update=True,
                style={"description_width": "initial"},
                layout={"width": "100%"},
            )
            self.notes[challenge.id] = note
            parts += [
                heading(challenge.name, 4),
                widgets.HTML(
                    f"<p>{escape(challenge.summary)}</p><blockquote>“{escape(challenge.quote)}” "
                    "(Harris)</blockquote>"
                ),
                self.evidence[challenge.id],
                self.add_radio(challenge.id, challenge.question, options),
                note,
                widgets.HTML(
                    f"<details><summary>Ideas for action on {escape(challenge.name.lower())} (the course's own)"
                    f"</summary><ul>{ideas}</ul></details>"
                ),
            ]
        super().__init__(parts)
        save_as_typed(self, self.notes, self._save_note)
        self.add_class("course-activity")
        self.wait()

    def wait(self) -> None:
        super().wait()
        for note in self.notes.values():
            note.disabled = True

    def load(self, learner: Learner) -> None:
        record = self.lesson.load_record(challenges.ACTIVITY, self.status)
        network = record.network
        leads, _dropped = leadership.leads_from_value(
            record.activity(leadership.ACTIVITY).get(leadership.KEY), network
        )
        found = challenges.evidence(
            network, record.constructs, leadership.spread(network, leads) if leads else None
        )
        for key, html in self.evidence.items():
            items = "".join(f"<li>{escape(s)}</li>" for s in found.get(key, []))
            html.value = (
                '<div class="course-reading"><p><strong>What your work so far suggests</strong></p>'
                f"<ul>{items}</ul></div>"
            )
        saved = record.activity(challenges.ACTIVITY)
        self.answers = {
            c.id: saved[challenges.rating_key(c.id)]
            for c in self.challenges
            if isinstance(saved.get(challenges.rating_key(c.id)), int)
        }
        self.show_answers(self.answers)
        with self.loading():
            for key, note in self.notes.items():
                note.disabled = False
                value = saved.get(challenges.note_key(key))
                note.value = value if isinstance(value, str) else ""

    @property
    def complete(self) -> bool:
        return len(self.answers) == len(self.challenges)

    def answered(self, challenge_id: str, value: Any) -> None:
        rating = challenges.check_rating(challenge_id, value)
        self.lesson.save(
            challenges.ACTIVITY, challenges.rating_key(challenge_id), rating, self.status
        )
        self.answers[challenge_id] = rating
        if self.complete:
            self.lesson.mark(DONE)

    def _save_note(self, challenge_id: str, text: str) -> None:
        self.lesson.save(
            challenges.ACTIVITY,
            challenges.note_key(challenge_id),
            challenges.check_note(challenge_id, text),
            self.status,
        )
