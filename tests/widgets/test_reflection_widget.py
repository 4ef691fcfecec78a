"""Reflections: saved as typed, restored on return, markup kept as text, gathered in the journal."""

from __future__ import annotations

from widgets_lib import reflections
from widgets_lib.html.journal import journal_html
from widgets_lib.views.lesson import Lesson

XSS = "</textarea><script>alert(1)</script>"


def open_page(store, query=""):
    lesson = Lesson("01", store=store, show=False)
    view = lesson.activity("reflection", show=False)
    lesson.finish(query_string=query, show=False)
    return lesson, view


def test_every_lesson_so_far_has_reflection_questions():
    for lesson_id in ("01", "02", "03", "04", "05", "06", "07"):
        assert reflections.questions(lesson_id), lesson_id
    ids = [q.id for q in reflections.questions()]
    assert len(ids) == len(set(ids))


def test_typing_is_saved_and_restored_with_history(store):
    lesson, view = open_page(store)
    assert all(box.disabled for box in view.boxes.values())
    lesson.identity.start_button.click()
    first = next(iter(view.boxes))
    for text in ("We", "We compete", "We compete for pupils " + XSS):
        view.boxes[first].value = text
    assert (
        store.load(lesson.learner.id, reflections.ACTIVITY)[first] == "We compete for pupils " + XSS
    )
    assert len(store.history(lesson.learner.id, reflections.ACTIVITY, first)) == 3
    assert view.status.state == "saved"
    again, view2 = open_page(store, f"learner={lesson.learner.code}")
    assert view2.boxes[first].value == "We compete for pupils " + XSS


def test_all_answered_marks_the_lesson_done(store):
    lesson, view = open_page(store)
    lesson.identity.start_button.click()
    for box in view.boxes.values():
        box.value = "An answer."
    assert store.load(lesson.learner.id, "progress")["01"]["status"] == "done"


def test_too_long_is_refused_with_a_message_and_the_last_good_text_kept(store):
    lesson, view = open_page(store)
    lesson.identity.start_button.click()
    first = next(iter(view.boxes))
    view.boxes[first].value = "Short."
    view.boxes[first].value = "x" * (reflections.MAX_CHARS + 1)
    assert view.status.state == "failed" and "5,000" in view.status.value
    assert store.load(lesson.learner.id, reflections.ACTIVITY)[first] == "Short."


def test_journal_shows_answers_as_text():
    first = reflections.questions("01")[0]
    html = journal_html({first.id: XSS})
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "Not answered yet" in html
