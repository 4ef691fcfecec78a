"""Headless widget tests: set child values as a learner would, check state and saved rows."""

from __future__ import annotations

import pytest

from widgets_lib import capacity, identity
from widgets_lib.lessons import LESSONS
from widgets_lib.store import Store
from widgets_lib.views.lesson import Lesson


def page(lesson_id: str, store: Store, activity: str, query: str = ""):
    lesson = Lesson(lesson_id, store=store, show=False)
    view = lesson.activity(activity, show=False)
    lesson.finish(query_string=query, show=False)
    return lesson, view


def started(store: Store, lesson_id: str = "03", activity: str = "capacity"):
    lesson, view = page(lesson_id, store, activity)
    lesson.identity.start_button.click()
    assert lesson.learner is not None
    return lesson, view


def test_without_a_code_the_page_asks_and_activities_wait(store):
    lesson, view = page("03", store, "capacity")
    assert lesson.learner is None
    assert lesson.identity.form in lesson.identity.children
    assert all(r.disabled for r in view.radios.values())


def test_start_issues_a_code_shown_once_and_stored_hashed(store):
    lesson, view = started(store)
    code = lesson.learner.code
    assert code in lesson.identity.signed_in.value
    assert store.learner_exists(identity.code_key(code))
    assert not any(r.disabled for r in view.radios.values())
    assert "learner=" + code in lesson.nav_top.value


def test_every_answer_is_saved_with_history_and_the_result_appears(store):
    lesson, view = started(store)
    items = list(view.radios)
    for item_id in items:
        view.radios[item_id].value = 1 if item_id.startswith("F") else 4
    view.radios[items[0]].value = 2
    saved = store.load(lesson.learner.id, capacity.ACTIVITY)
    assert saved[f"a1/{items[0]}"] == 2
    assert [
        r.value for r in store.history(lesson.learner.id, capacity.ACTIVITY, f"a1/{items[0]}")
    ] == [1, 2]
    assert view.status.state == "saved"
    text = " ".join(getattr(w, "value", "") for w in view.result.children)
    assert "Securing" in text or "securing" in text.lower()
    assert "<svg" in text and "<table" in text
    assert store.load(lesson.learner.id, "progress")["03"]["status"] == "done"


def test_resume_with_the_code_restores_answers_and_result(store):
    lesson, view = started(store)
    for radio in view.radios.values():
        radio.value = 3
    code = lesson.learner.code
    again, view2 = page("03", store, "capacity", query=f"learner={code.lower()}")
    assert again.learner.id == lesson.learner.id
    assert {k: r.value for k, r in view2.radios.items()} == {k: 3 for k in view.radios}
    assert view2.result.children and "<svg" in view2.result.children[0].value + "".join(
        getattr(w, "value", "") for w in view2.result.children
    )


def test_resume_by_typing_the_code(store):
    lesson, _ = started(store)
    other, view = page("03", store, "capacity")
    other.identity.code_box.value = lesson.learner.code
    assert other.learner.id == lesson.learner.id


@pytest.mark.parametrize(
    "query, words",
    [
        ("learner=K7PM", "does not look right"),
        ("learner=K7PM-3XQA-9TRE", "No work is saved under the code"),
        ("learner=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E", "does not look right"),
    ],
)
def test_bad_or_unknown_codes_get_a_clear_message(store, query, words):
    lesson, view = page("03", store, "capacity", query=query)
    assert lesson.learner is None
    assert words in lesson.identity.message.value
    assert "<img" not in lesson.identity.message.value


def test_retake_keeps_the_first_attempt_and_compares(store):
    lesson, view = started(store)
    for radio in view.radios.values():
        radio.value = 2
    view.retake.click()
    assert view.attempt == 2
    assert all(r.value is None for r in view.radios.values())
    for radio in view.radios.values():
        radio.value = 4
    saved = capacity.split_attempts(store.load(lesson.learner.id, capacity.ACTIVITY))
    assert set(saved[1].values()) == {2} and set(saved[2].values()) == {4}
    table = view.result.children[-1].value
    assert "Attempt 1" in table and "Attempt 2" in table and "+2.0" in table


def test_a_failed_save_is_shown_and_the_answer_kept_on_screen(store, monkeypatch):
    from widgets_lib.store import StoreError

    lesson, view = started(store)

    def broken(*args, **kwargs):
        raise StoreError("The course's database is read-only, so this was not saved.")

    monkeypatch.setattr(store, "save", broken)
    radio = next(iter(view.radios.values()))
    radio.value = 3
    assert view.status.state == "failed"
    assert "Not saved" in view.status.value and "read-only" in view.status.value
    assert radio.value == 3


def test_perspectives_feedback_and_progress(store):
    lesson, view = started(store, "02", "perspectives")
    sorter = view.sorter
    for statement in sorter.statements:
        view.radios[statement.id].value = statement.answer
    assert "✓" in view.feedback[sorter.statements[0].id].value
    assert f"{len(sorter.statements)} of {len(sorter.statements)}" in view.score.value
    assert store.load(lesson.learner.id, "progress")["02"]["status"] == "done"
    wrong = next(p.id for p in sorter.perspectives if p.id != sorter.statements[0].answer)
    view.radios[sorter.statements[0].id].value = wrong
    assert "✗ Not quite" in view.feedback[sorter.statements[0].id].value


def test_welcome_lists_lessons_with_progress_and_coded_links(store):
    lesson, view = started(store, "00", "welcome")
    html = view.table.value
    assert "In preparation" not in html  # every lesson of the course exists
    for info in LESSONS[1:]:
        assert f"{info.file}?learner={lesson.learner.code}" in html


def test_hub_users_need_no_code(store):
    lesson = Lesson("03", store=store, show=False)
    lesson.activity("capacity", show=False)
    lesson.identify("", hub_user="ana")
    assert lesson.learner.hub_user == "ana" and lesson.learner.code is None
    assert "ana" in lesson.identity.signed_in.value
