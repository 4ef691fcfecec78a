"""Lesson 00 activity: the list of lessons with this learner's progress and links that keep the code."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

import ipywidgets as widgets

from .. import lessons

if TYPE_CHECKING:
    from .lesson import Learner, Lesson

_STATUS = {lessons.DONE: "Done", lessons.STARTED: "Started"}


class WelcomeView(widgets.VBox):
    def __init__(self, lesson: "Lesson") -> None:
        self.lesson = lesson
        self.table = widgets.HTML()
        super().__init__([self.table])
        self.add_class("course-activity")
        self._render(None)

    def wait(self) -> None:
        self._render(None)

    def load(self, learner: "Learner") -> None:
        self._render(learner)

    def _render(self, learner: "Learner | None") -> None:
        progress = self.lesson.progress if learner else {}
        code = learner.code if learner else None
        rows = []
        for info in lessons.LESSONS:
            if info.available:
                title = f'<a href="{escape(lessons.url(info, code))}">{escape(info.title)}</a>'
                status = _STATUS.get(progress.get(info.id, {}).get("status", ""), "Not started") if learner else "—"
                if info.id == lessons.WELCOME:  # where everyone starts: not a lesson to finish
                    status = "This page"
            else:
                title, status = escape(info.title), "In preparation"
            rows.append(f"<tr><td>{escape(info.id)}</td><td>{title}</td><td>{escape(info.activity)}</td>"
                        f"<td>{escape(status)}</td></tr>")
        self.table.value = (
            '<table class="course-table"><caption>The lessons and your progress</caption>'
            '<tr><th scope="col">Lesson</th><th scope="col">Title</th><th scope="col">Activity</th>'
            '<th scope="col">Your progress</th></tr>' + "".join(rows) + "</table>"
        )
