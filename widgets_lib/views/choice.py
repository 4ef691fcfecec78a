"""A choice among described options (lesson 07: Murphy's metaphors), saved as chosen."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from .. import choices
from ..lessons import DONE
from .common import RadioQuestions, SaveStatus

if TYPE_CHECKING:
    from .lesson import Learner, Lesson


class ChoiceView(RadioQuestions):
    def __init__(self, lesson: Lesson, name: str) -> None:
        self.lesson = lesson
        self.choice = choices.load_choice(name)
        self.activity_id = f"choice:{name}"
        self.status = SaveStatus()
        self.answers: dict[str, str] = {}
        self._setup_radios()
        options = [(o.name, o.id) for o in self.choice.options]
        listing = widgets.HTML(
            "<ul>"
            + "".join(
                f"<li><strong>{escape(o.name)}</strong>: {escape(o.description)}</li>"
                for o in self.choice.options
            )
            + "</ul>"
        )
        radios = [
            self.add_radio(qid, prompt, options, horizontal=False)
            for qid, prompt in self.choice.questions
        ]
        self.comment = widgets.HTML()
        super().__init__([self.status, listing, *radios, self.comment])
        self.add_class("course-activity")
        self.wait()

    def load(self, learner: Learner) -> None:
        saved = self.saved_answers(self.activity_id)
        known = {o.id for o in self.choice.options}
        self.answers = {k: v for k, v in saved.items() if k in self.radios and v in known}
        self.show_answers(self.answers)
        self._show_comment()

    def answered(self, question_id: str, option_id: Any) -> None:
        self.choice.option(option_id)  # validates
        self.answers[question_id] = option_id
        self.lesson.save(self.activity_id, question_id, option_id, self.status)
        self._show_comment()

    @property
    def complete(self) -> bool:
        return len(self.answers) == len(self.choice.questions)

    def _show_comment(self) -> None:
        text = choices.comment(self.choice, self.answers)
        self.comment.value = (
            f'<p class="course-feedback course-right" role="status">{escape(text)}</p>'
            if text
            else ""
        )
        if self.complete:
            self.lesson.mark(DONE)
