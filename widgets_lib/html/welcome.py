"""Lesson 00's list of lessons with a learner's progress, each title a link that keeps their code."""

from __future__ import annotations

from html import escape
from typing import Any

from .. import lessons
from .common import Raw, table

_STATUS = {lessons.DONE: "Done", lessons.STARTED: "Started"}


def lessons_table(progress: dict[str, Any] | None, code: str | None) -> str:
    """Every lesson; ``progress`` None: nobody is signed in yet, so no progress is shown."""
    rows = []
    for info in lessons.LESSONS:
        if info.available:
            title = Raw(f'<a href="{escape(lessons.url(info, code))}">{escape(info.title)}</a>')
            status = (
                "—"
                if progress is None
                else _STATUS.get(progress.get(info.id, {}).get("status", ""), "Not started")
            )
            if info.id == lessons.WELCOME:  # where everyone starts: not a lesson to finish
                status = "This page"
        else:
            title, status = info.title, "In preparation"
        rows.append([info.id, title, info.activity, status])
    return table(
        "The lessons and your progress",
        ["Lesson", "Title", "Activity", "Your progress"],
        rows,
        row_headers=False,
    )
