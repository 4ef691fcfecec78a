"""The same learner in two tabs of one browser (one cookie jar): work saved in one tab is never
overwritten by the other, which says so next to the activity, offers to reload, and shows after
the reload what it could not save (issue 13, point 5)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.person.person import click, type_into, wheel_to
from tests.reliability.course_pages import TIMEOUT_MS, goto, wait_rendered, wait_signed_in
from widgets_lib import reflections
from widgets_lib.record import NETWORK_ACTIVITY, NETWORK_KEY, network_from_value
from widgets_lib.store import Store
from widgets_lib.views.common import RELOAD
from widgets_lib.views.lesson import Lesson, draft_activity

SHOTS = Path(os.environ.get("TWO_TABS_SHOTS", "/tmp/twotabs"))
CONFLICT = "changed in another tab or on another computer"
DRAFT = "Not saved from another tab"


def new_learner(url: str) -> tuple[str, str]:
    store = Store(url)
    try:
        lesson = Lesson("00", store=store, show=False)
        lesson.finish(query_string="", show=False)
        lesson.identity.start_button.click()
        assert lesson.learner is not None and lesson.learner.code
        return lesson.learner.code, lesson.learner.id
    finally:
        store.dispose()


def saved(url: str, learner_id: str, activity: str) -> dict:
    store = Store(url)
    try:
        return store.load(learner_id, activity)
    finally:
        store.dispose()


def eventually(read: Callable[[], Any], wanted: Any, timeout_s: float = TIMEOUT_MS / 1000) -> None:
    """Wait until ``read()`` gives ``wanted`` (a text box is sent while the learner types, so the
    store catches up a moment after the last key); fails with the last value read."""
    deadline = time.monotonic() + timeout_s
    while (value := read()) != wanted and time.monotonic() < deadline:
        time.sleep(0.2)
    assert value == wanted


def open_lesson(page: Page, server, notebook: str, code: str) -> None:
    goto(page, f"{server.url}/voila/render/{notebook}?learner={code}")
    wait_rendered(page)
    wait_signed_in(page)


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def reload_from_the_status(page: Page, status) -> None:
    """Follow the status's own link, as the learner would, and wait for the page to come back."""
    link = status.get_by_role("link", name=RELOAD, exact=True)
    with page.expect_navigation(wait_until="commit", timeout=TIMEOUT_MS):
        click(page, link)
    wait_rendered(page)
    wait_signed_in(page)


def test_lesson_04_a_school_added_in_another_tab_is_never_lost(new_context, course_server):
    code, learner = new_learner(course_server.db_url)
    context = new_context(viewport={"width": 1280, "height": 900})
    tab2 = context.new_page()  # opened first: it has not seen what tab 1 is about to add
    open_lesson(tab2, course_server, "04_draw_your_network.ipynb", code)
    tab1 = context.new_page()
    open_lesson(tab1, course_server, "04_draw_your_network.ipynb", code)

    type_into(tab1, tab1.get_by_label("School name", exact=True), "Ash Primary")
    click(tab1, tab1.get_by_role("button", name="Add school", exact=True))
    expect(tab1.locator(".course-activity .course-status-saved")).to_contain_text(
        "All changes saved"
    )

    type_into(tab2, tab2.get_by_label("School name", exact=True), "Birch Academy")
    click(tab2, tab2.get_by_role("button", name="Add school", exact=True))
    alert = tab2.locator(".course-activity .course-status-conflict")
    expect(alert).to_contain_text(CONFLICT, timeout=TIMEOUT_MS)
    expect(alert).to_have_attribute("role", "alert")
    expect(alert).to_be_in_viewport()
    expect(tab2.locator(".course-activity .course-status-saved")).to_have_count(0)
    expect(tab2.locator("table.course-table :is(td, th)", has_text="Birch Academy")).to_have_count(
        1
    )  # still on the page
    shot(tab2, "04-conflict")

    network = network_from_value(
        saved(course_server.db_url, learner, NETWORK_ACTIVITY)[NETWORK_KEY]
    )
    assert network.names == ["Ash Primary"]  # tab 1's school is still there
    draft = saved(course_server.db_url, learner, draft_activity(NETWORK_ACTIVITY))[NETWORK_KEY]
    assert network_from_value(draft).names == ["Birch Academy"]

    reload_from_the_status(tab2, alert)
    expect(tab2.locator("table.course-table :is(td, th)", has_text="Ash Primary")).to_have_count(1)
    note = tab2.locator(".course-activity .course-draft")
    expect(note).to_contain_text(DRAFT)
    expect(note).to_contain_text("Birch Academy")
    wheel_to(tab2, note)
    shot(tab2, "04-after-reload")


def test_lesson_01_a_reflection_typed_in_another_tab_is_never_lost(new_context, course_server):
    code, learner = new_learner(course_server.db_url)
    question = reflections.questions("01")[0]
    context = new_context(viewport={"width": 1280, "height": 900})
    tab2 = context.new_page()
    open_lesson(tab2, course_server, "01_why_networks.ipynb", code)
    tab1 = context.new_page()
    open_lesson(tab1, course_server, "01_why_networks.ipynb", code)

    box1 = tab1.locator("textarea").first
    type_into(tab1, box1, "Written in tab one.")
    expect(tab1.locator(".course-activity .course-status-saved")).to_contain_text(
        "All changes saved"
    )
    eventually(
        lambda: saved(course_server.db_url, learner, reflections.ACTIVITY).get(question.id),
        "Written in tab one.",
    )

    box2 = tab2.locator("textarea").first
    type_into(tab2, box2, "Written in tab two <b>boldly</b>.")
    alert = tab2.locator(".course-activity .course-status-conflict")
    expect(alert).to_contain_text(CONFLICT, timeout=TIMEOUT_MS)
    expect(alert).to_be_in_viewport()
    expect(box2).to_have_value(
        "Written in tab two <b>boldly</b>."
    )  # what was typed stays in the box
    shot(tab2, "01-conflict")
    eventually(
        lambda: saved(course_server.db_url, learner, draft_activity(reflections.ACTIVITY)).get(
            question.id
        ),
        "Written in tab two <b>boldly</b>.",
    )  # the draft follows the typing to its last key
    assert (
        saved(course_server.db_url, learner, reflections.ACTIVITY)[question.id]
        == "Written in tab one."
    )

    reload_from_the_status(tab2, alert)
    expect(tab2.locator("textarea").first).to_have_value("Written in tab one.")
    note = tab2.locator(".course-activity .course-draft")
    expect(note).to_contain_text(f"{DRAFT}")
    expect(note).to_contain_text("Written in tab two <b>boldly</b>.")  # as text, not as markup
    expect(note.locator("b")).to_have_count(0)
    wheel_to(tab2, note)
    shot(tab2, "01-after-reload")
