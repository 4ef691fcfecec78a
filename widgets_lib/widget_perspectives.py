"""Lesson 02 activity: sort statements into the four perspectives on capacity, with feedback."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

import ipywidgets as widgets

from . import perspectives
from .lessons import DONE
from .widget_common import SaveStatus, guarded

if TYPE_CHECKING:
    from .lesson import Learner, Lesson


class PerspectivesView(widgets.VBox):
    def __init__(self, lesson: "Lesson") -> None:
        self.lesson = lesson
        self.sorter = perspectives.load_sorter()
        self.status = SaveStatus()
        self.choices: dict[str, str] = {}
        self._loading = False
        self.radios: dict[str, widgets.RadioButtons] = {}
        self.feedback: dict[str, widgets.HTML] = {}
        options = [(f"{p.name} ({p.who})", p.id) for p in self.sorter.perspectives]
        rows: list[widgets.Widget] = [widgets.HTML(
            "<ul>" + "".join(f"<li><strong>{escape(p.name)}</strong> ({escape(p.who)}): {escape(p.summary)}</li>"
                             for p in self.sorter.perspectives) + "</ul>")]
        for number, statement in enumerate(self.sorter.statements, start=1):
            radio = widgets.RadioButtons(options=options, value=None,
                                         description=f"Statement {number}: “{statement.text}”",
                                         style={"description_width": "initial"},
                                         layout=widgets.Layout(width="auto"))
            radio.add_class("course-item")
            radio.observe(self._chosen, names="value")
            self.radios[statement.id] = radio
            self.feedback[statement.id] = widgets.HTML()
            rows += [radio, self.feedback[statement.id]]
        self.score = widgets.HTML()
        super().__init__([self.status, *rows, self.score])
        self.add_class("course-activity")
        self.wait()

    def wait(self) -> None:
        for radio in self.radios.values():
            radio.disabled = True
        self.status.waiting("Start or resume at the top of the page to answer.")

    def load(self, learner: "Learner") -> None:
        saved = self.lesson.store.load(learner.id, perspectives.ACTIVITY)
        self.choices = {k: v for k, v in saved.items() if isinstance(v, str)}
        self._loading = True
        try:
            for statement_id, radio in self.radios.items():
                radio.disabled = False
                choice = self.choices.get(statement_id)
                radio.value = choice if choice in {p.id for p in self.sorter.perspectives} else None
                self._show_feedback(statement_id)
        finally:
            self._loading = False
        self.status.waiting("Your answers are saved as you choose them.")
        self._show_score()

    def _chosen(self, change: dict) -> None:
        if self._loading or change["new"] is None:
            return
        statement_id = next(k for k, r in self.radios.items() if r is change["owner"])

        @guarded(self.status)
        def run() -> None:
            perspectives.check(self.sorter, statement_id, change["new"])  # validates the choice
            self.choices[statement_id] = change["new"]
            self.lesson.save(perspectives.ACTIVITY, statement_id, change["new"], self.status)
            self._show_feedback(statement_id)
            self._show_score()

        run()

    def _show_feedback(self, statement_id: str) -> None:
        choice = self.choices.get(statement_id)
        if not choice:
            self.feedback[statement_id].value = ""
            return
        result = perspectives.check(self.sorter, statement_id, choice)
        mark = "✓" if result.correct else "✗"
        css = "course-right" if result.correct else "course-wrong"
        self.feedback[statement_id].value = (
            f'<p class="course-feedback {css}" role="status">{mark} {escape(result.text)}</p>')

    def _show_score(self) -> None:
        right, answered = perspectives.score(self.sorter, self.choices)
        total = len(self.sorter.statements)
        self.score.value = f"<p><strong>{right} of {answered}</strong> placed as the paper would ({total - answered} left).</p>"
        if answered == total:
            self.lesson.mark(DONE)
