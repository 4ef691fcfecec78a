"""Sorting activities (lessons 02 and 06): each statement a labelled radio group, feedback that explains."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

import ipywidgets as widgets

from .. import perspectives
from ..lessons import DONE
from .common import RadioQuestions, SaveStatus

if TYPE_CHECKING:
    from .lesson import Learner, Lesson


class SorterView(RadioQuestions):
    def __init__(self, lesson: Lesson, source: str = perspectives.ACTIVITY) -> None:
        self.lesson = lesson
        self.source = source  # also the activity under which answers are saved
        self.sorter = perspectives.load_sorter(source)
        self.status = SaveStatus()
        self.choices: dict[str, str] = {}
        self._setup_radios()
        self.feedback: dict[str, widgets.HTML] = {}
        options = [
            (f"{p.name} ({p.who})", p.id) for p in self.sorter.perspectives
        ]  # no brackets inside "who"
        rows: list[widgets.Widget] = [
            widgets.HTML(
                "<ul>"
                + "".join(
                    f"<li><strong>{escape(p.name)}</strong> ({escape(p.who)}): {escape(p.summary)}</li>"
                    for p in self.sorter.perspectives
                )
                + "</ul>"
            )
        ]
        for number, statement in enumerate(self.sorter.statements, start=1):
            radio = self.add_radio(
                statement.id, f"Statement {number}: “{statement.text}”", options, horizontal=False
            )
            self.feedback[statement.id] = widgets.HTML()
            rows += [radio, self.feedback[statement.id]]
        self.score = widgets.HTML()
        super().__init__([self.status, *rows, self.score])
        self.add_class("course-activity")
        self.wait()

    def load(self, learner: Learner) -> None:
        saved = self.saved_answers(self.source)
        known = {p.id for p in self.sorter.perspectives}
        self.choices = {k: v for k, v in saved.items() if k in self.radios and v in known}
        self.show_answers(self.choices)
        for statement_id in self.radios:
            self._show_feedback(statement_id)
        self._show_score()

    def answered(self, statement_id: str, choice: str) -> None:
        perspectives.check(self.sorter, statement_id, choice)  # validates the choice
        self.choices[statement_id] = choice
        self.lesson.save(self.source, statement_id, choice, self.status)
        self._show_feedback(statement_id)
        self._show_score()

    def _show_feedback(self, statement_id: str) -> None:
        choice = self.choices.get(statement_id)
        if not choice:
            self.feedback[statement_id].value = ""
            return
        result = perspectives.check(self.sorter, statement_id, choice)
        mark = "✓" if result.correct else "✗"
        css = "course-right" if result.correct else "course-wrong"
        self.feedback[
            statement_id
        ].value = f'<p class="course-feedback {css}" role="status">{mark} {escape(result.text)}</p>'

    @property
    def complete(self) -> bool:
        return len(self.choices) == len(self.sorter.statements)

    def _show_score(self) -> None:
        right, answered = perspectives.score(self.sorter, self.choices)
        total = len(self.sorter.statements)
        self.score.value = f"<p>{escape(perspectives.score_sentence(right, answered, total))}</p>"
        if answered == total:
            self.lesson.mark(DONE)
