"""One activity protocol and one way to show an error (issue 14 points 2 and 3)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import ipywidgets as widgets
import pytest

from widgets_lib import CourseError
from widgets_lib.store import StoreError
from widgets_lib.views import common
from widgets_lib.views.common import Activity, Listeners, SaveStatus, guarded, on_press
from widgets_lib.views.lesson import ACTIVITIES, Lesson, _activity_class

VIEWS = Path(__file__).resolve().parents[2] / "widgets_lib" / "views"


@pytest.mark.parametrize("name", sorted(ACTIVITIES))
def test_every_activity_speaks_the_protocol(name):
    cls = _activity_class(name)
    assert issubclass(cls, Activity), f"{cls.__name__} does not derive from views.common.Activity"
    assert cls.load is not Activity.load, f"{cls.__name__} does not load a learner's work"


def test_views_find_each_other_through_the_lesson_not_by_scanning_its_views():
    for path in VIEWS.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name != "lesson.py":
            assert "lesson.views" not in text, (
                f"{path.name} scans the page's views: use lesson.activities_of"
            )
        assert not re.search(r"hasattr\(view|getattr\(view", text), (
            f"{path.name} probes a view for the protocol"
        )
        for flag in ("self._loading", "self._quiet", "_quietly"):
            assert flag not in text, (
                f"{path.name} holds back saves with {flag}: use Activity.loading()"
            )
        if path.name != "common.py":  # where on_press itself wires them
            assert ".on_click(" not in text, (
                f"{path.name} wires a button by hand: use views.common.on_press"
            )


def test_listeners_add_once_and_remove_as_ipywidgets_do():
    heard: list[str] = []
    listeners = Listeners()
    one = lambda: heard.append("one")  # noqa: E731
    listeners.register(one)
    listeners.register(one)
    listeners()
    assert heard == ["one"]
    listeners.register(one, remove=True)
    listeners()
    assert heard == ["one"]


def test_loading_holds_back_saves_and_nests():
    activity = Activity()
    assert not activity.loading_now
    with activity.loading():
        with activity.loading():
            assert activity.loading_now
        assert activity.loading_now
    assert not activity.loading_now


def test_a_course_error_is_shown_as_written_and_not_logged(caplog):
    status = SaveStatus()
    with caplog.at_level(logging.INFO, logger="widgets_lib"):
        guarded(status, "Not added")(
            lambda: (_ for _ in ()).throw(CourseError("There is no school called Ash."))
        )()
    assert "✗ Not added: There is no school called Ash." in status.value
    assert not caplog.records


def test_a_fault_of_the_course_is_logged_with_a_reference_the_learner_is_given(store, caplog):
    lesson = Lesson("03", store=store, show=False)
    lesson.finish(query_string="", show=False)
    lesson.identity.start_button.click()
    code, learner_id = lesson.learner.code, lesson.learner.id
    status = SaveStatus()
    button = widgets.Button(description="Try")

    def broken() -> None:
        raise KeyError("a bug, not the learner's doing")

    on_press(button, broken, status)
    with caplog.at_level(logging.ERROR, logger="widgets_lib"):
        button.click()
    ref = re.search(r"reference: ([0-9a-f]{6})", status.value)
    assert ref, status.value
    assert "KeyError" not in status.value and "a bug" not in status.value
    logged = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert (
        len(logged) == 1
        and ref.group(1) in logged[0].getMessage()
        and learner_id in logged[0].getMessage()
    )
    assert logged[0].exc_info is not None, "the operator gets the traceback"
    assert code not in caplog.text


def test_a_store_failure_is_shown_and_logged_at_warning_with_the_hashed_id_only(caplog):
    common.LOG_CONTEXT["learner"] = "hashed-id-123"
    try:
        status = SaveStatus()

        def outage() -> None:
            raise StoreError(
                "The course's database did not answer. Your work on this page is still here."
            )

        with caplog.at_level(logging.INFO, logger="widgets_lib"):
            guarded(status)(outage)()
    finally:
        common.LOG_CONTEXT["learner"] = None
    assert "database did not answer" in status.value
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert "hashed-id-123" in caplog.records[0].getMessage()


def test_a_failed_start_is_said_in_the_form_next_to_its_button(store, monkeypatch):
    lesson = Lesson("03", store=store, show=False)
    lesson.finish(query_string="", show=False)

    def refuse(*_args, **_kwargs):
        raise StoreError("The course's database is busy; please try again in a moment.")

    monkeypatch.setattr(store, "ensure_learner", refuse)
    lesson.identity.start_button.click()
    assert "Not started: The course&#x27;s database is busy" in lesson.identity.message.value
    assert 'role="alert"' in lesson.identity.message.value
