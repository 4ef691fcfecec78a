"""The reflection activity: a lesson's questions, each a labelled text box saved as the learner types.

ipywidgets sends a text box's value at most once per round trip (typing during a pending
message is merged into the next one), so saving every value it sends keeps at most the
last fraction of a second unsaved, without a save per keystroke.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

import ipywidgets as widgets

from . import reflections
from .lessons import DONE
from .widget_common import SaveStatus, guarded

if TYPE_CHECKING:
    from .lesson import Learner, Lesson


class ReflectionView(widgets.VBox):
    def __init__(self, lesson: "Lesson") -> None:
        self.lesson = lesson
        self.status = SaveStatus()
        self.questions = reflections.questions(lesson.info.id)
        self.boxes: dict[str, widgets.Textarea] = {}
        self._loading = False
        rows: list[widgets.Widget] = [self.status]
        for number, question in enumerate(self.questions, start=1):
            box = widgets.Textarea(description=f"{number}. {question.prompt}", placeholder=question.hint, rows=5,
                                   continuous_update=True, style={"description_width": "initial"},
                                   layout=widgets.Layout(width="100%"))
            box.add_class("course-reflection")
            box.observe(self._typed, names="value")
            self.boxes[question.id] = box
            rows.append(box)
        rows.append(widgets.HTML('<p class="course-hint">Your answers are private to you (and to your tutor only '
                                 "if you choose to share them, once cohorts are available). They are gathered in "
                                 "your journal.</p>"))
        super().__init__(rows)
        self.add_class("course-activity")
        self.wait()

    def wait(self) -> None:
        for box in self.boxes.values():
            box.disabled = True
        self.status.waiting("Start or resume at the top of the page to write.")

    def load(self, learner: "Learner") -> None:
        saved = self.lesson.store.load(learner.id, reflections.ACTIVITY)
        self._loading = True
        try:
            for question_id, box in self.boxes.items():
                box.disabled = False
                value = saved.get(question_id)
                box.value = value if isinstance(value, str) else ""
        finally:
            self._loading = False
        self.status.waiting("Your answers are saved as you type.")

    @property
    def complete(self) -> bool:
        return all(box.value.strip() for box in self.boxes.values())

    def _typed(self, change: dict) -> None:
        if self._loading:
            return
        question_id = next(k for k, b in self.boxes.items() if b is change["owner"])

        @guarded(self.status)
        def run() -> None:
            text = reflections.check_text(question_id, change["new"])
            self.lesson.save(reflections.ACTIVITY, question_id, text, self.status)
            if self.complete:
                self.lesson.mark(DONE)

        run()


def journal_html(saved: dict) -> str:
    """The journal as HTML: every lesson's questions and the learner's answers, as text."""
    parts, current = [], None
    for question, answer in reflections.journal(saved):
        if question.lesson != current:
            current = question.lesson
            parts.append(f"<h4>Lesson {escape(current)}</h4>")
        shown = escape(answer) if answer.strip() else "<em>Not answered yet.</em>"
        parts.append(f'<p class="course-journal-q"><strong>{escape(question.prompt)}</strong></p>'
                     f'<p class="course-journal-a" style="white-space:pre-wrap">{shown}</p>')
    return "".join(parts)
