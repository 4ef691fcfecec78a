"""A lesson page's links to the lessons before and after it, and the learner's progress through the course."""

from __future__ import annotations

from html import escape
from typing import Any

from .. import lessons


def nav_html(lesson_id: str, code: str | None, label: str) -> str:
    """Previous, all lessons, next: each link keeps the learner's code. ``label`` names the bar for screen
    readers (a page has one at its top and one at its bottom)."""
    prev, nxt = lessons.neighbours(lesson_id)
    items = []
    if prev:
        items.append(
            f'<a href="{escape(lessons.url(prev, code))}" rel="prev">← Previous: {escape(prev.id)} '
            f"{escape(prev.title)}</a>"
        )
    if lesson_id != lessons.WELCOME:
        items.append(
            f'<a href="{escape(lessons.url(lessons.by_id(lessons.WELCOME), code))}">All lessons</a>'
        )
    if nxt:
        items.append(
            f'<a href="{escape(lessons.url(nxt, code))}" rel="next">Next: {escape(nxt.id)} '
            f"{escape(nxt.title)} →</a>"
        )
    return (
        f'<nav class="course-nav" aria-label="{escape(label)}">'
        + ' <span aria-hidden="true">·</span> '.join(items)
        + "</nav>"
    )


def progress_html(lesson_id: str, progress: dict[str, Any] | None) -> str:
    """Where this lesson stands in the course and, once someone is signed in (``progress`` not None),
    how many lessons they have completed and which are still to do."""
    here = f"{lessons.position(lesson_id)}. " if lessons.position(lesson_id) else ""
    if progress is None:
        return f'<p class="course-progress">{escape(here)}</p>'
    done, total = lessons.summary(progress)
    left = lessons.still_to_do(progress)
    todo = (
        "Still to do: " + "; ".join(f"{info.id} {info.title}" for info in left) + "."
        if left
        else "You have finished every lesson."
    )
    return (
        f'<p class="course-progress">{escape(here)}You have completed {done} of {total} lessons so far. '
        f'<progress max="{max(total, 1)}" value="{done}" aria-label="Lessons completed">{done} of {total}'
        f'</progress></p><p class="course-progress course-hint">{escape(todo)}</p>'
    )
