"""Lesson 08 activity: prepare the personal report and download it as one HTML file."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as widgets

from .. import CourseError
from ..html.common import download_link
from ..record import load_record
from .common import Activity, SaveStatus, on_press

if TYPE_CHECKING:
    from .lesson import Learner, Lesson


class ReportView(widgets.VBox, Activity):
    """A button that gathers everything saved into the report, then a link to download it."""

    def __init__(self, lesson: Lesson) -> None:
        self.lesson = lesson
        self.learner: Learner | None = None
        self.status = SaveStatus()
        self.prepare = widgets.Button(
            description="Prepare my report",
            layout={"width": "auto"},
            tooltip="Gather your work from every lesson into one file",
        )
        on_press(self.prepare, self._prepare, self.status, "Report not prepared")
        self.link = widgets.HTML()
        super().__init__([self.status, widgets.HBox([self.prepare]), self.link])
        self.add_class("course-activity")
        self.wait()

    def wait(self) -> None:
        self.prepare.disabled = True
        self.status.waiting("Start or resume at the top of the page to prepare your report.")

    def load(self, learner: Learner) -> None:
        self.learner = learner
        self.prepare.disabled = False
        self.status.waiting(
            "Your report gathers what you have saved so far; prepare it again after changes."
        )

    def _prepare(self) -> None:
        from ..html import report  # the report draws on every lesson: load it only when asked

        if self.learner is None:
            raise CourseError("please start or resume at the top of the page first.")
        html = report.build_report(
            load_record(self.lesson.store, self.learner.id), who=self.learner.hub_user or ""
        )
        data = html.encode("utf-8")
        self.link.value = (
            f"<p>{download_link(report.file_name(), 'text/html;charset=utf-8', data, 'Download my report (HTML)')} "
            f'<span class="course-hint">({len(data) // 1024 + 1} KB; it opens in any browser with '
            "no internet, and prints to PDF from there)</span></p>"
        )
        self.status.waiting("Your report is ready: use the link below to download it.")
