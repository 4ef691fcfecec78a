"""Lesson 00 activity: the list of lessons with this learner's progress and links that keep the code."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as widgets

from ..html.welcome import lessons_table
from .common import Activity

if TYPE_CHECKING:
    from .lesson import Learner, Lesson


class WelcomeView(widgets.VBox, Activity):
    def __init__(self, lesson: Lesson) -> None:
        self.lesson = lesson
        self.table = widgets.HTML()
        super().__init__([self.table])
        self.add_class("course-activity")
        self._render(None)

    def wait(self) -> None:
        self._render(None)

    def load(self, learner: Learner) -> None:
        self._render(learner)

    def _render(self, learner: Learner | None) -> None:
        self.table.value = lessons_table(
            self.lesson.progress if learner else None, learner.code if learner else None
        )
