"""The reflection journal as HTML: every question and its answer, as text."""

from __future__ import annotations

from html import escape

from .. import reflections


def journal_html(saved: dict, answered_only: bool = False) -> str:
    """The journal as HTML: every lesson's questions and the learner's answers, as text.

    ``answered_only`` (what a tutor sees of a shared journal): only the questions answered."""
    parts, current = [], None
    for question, answer in reflections.journal(saved):
        if answered_only and not answer.strip():
            continue
        if question.lesson != current:
            current = question.lesson
            parts.append(f"<h4>Lesson {escape(current)}</h4>")
        shown = escape(answer) if answer.strip() else "<em>Not answered yet.</em>"
        parts.append(
            f'<p class="course-journal-q"><strong>{escape(question.prompt)}</strong></p>'
            f'<p class="course-journal-a" style="white-space:pre-wrap">{shown}</p>'
        )
    if answered_only and not parts:
        return "<p><em>No reflections written yet.</em></p>"
    return "".join(parts)
