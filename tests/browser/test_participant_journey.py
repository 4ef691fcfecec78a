"""The participant's journey of issue 2, in real Chromium, keyboard only for the answers."""

from __future__ import annotations

import re

import pytest

from tests.helpers import checked_indexes, settled_text

pytestmark = pytest.mark.browser

ENABLED_RADIO = ".course-activity input[type=radio]:not([disabled])"


def answer_everything_with_the_keyboard(page) -> list[int]:
    """Tab into each statement's radio group, choose with the arrow keys, Tab on."""
    groups = page.locator(".course-item")
    count = groups.count()
    page.locator(".course-item input[type=radio]").first.focus()
    chosen = []
    for i in range(count):
        page.keyboard.press("Space")
        steps = i % 4
        for _ in range(steps):
            page.keyboard.press("ArrowRight")
        chosen.append(steps)
        page.keyboard.press("Tab")
    return chosen


def test_start_answer_with_keyboard_close_and_resume(new_context, course_server):
    context = new_context()
    page = context.new_page()
    page.goto(course_server.url + "/")
    page.get_by_role("button", name="Start the course (get a new code)").click()
    code = page.locator(".course-code").inner_text(timeout=30_000).strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    page.wait_for_url(re.compile(rf"learner={code}"))

    lesson_link = page.locator("a[href*='03_capacity_model.ipynb?learner=']").first
    lesson_link.wait_for()
    lesson_link.click()
    page.wait_for_selector(ENABLED_RADIO, timeout=60_000)
    assert f"learner={code}" in page.url

    chosen = answer_everything_with_the_keyboard(page)
    page.get_by_text(f"{len(chosen)} of {len(chosen)} statements answered").wait_for(timeout=30_000)
    reading = page.locator(".course-reading h4").first
    state = reading.inner_text(timeout=30_000)
    assert state.startswith("Growth state:")
    assert page.locator(".course-result svg[role=img] title").count() >= 2
    assert page.locator(".course-result table").count() == 1
    # The last arrow presses may still be saving when the result first appears: wait for them.
    page.locator(".course-activity .course-status-saved").wait_for(timeout=60_000)
    page.wait_for_function(
        "() => !document.querySelector('.course-activity .course-status-saving')", timeout=60_000
    )
    # Arrow presses queue in the kernel; each save says "Saving…" then "saved": wait for the last.
    assert "All changes saved" in settled_text(
        page.locator(".course-activity .course-save-status").first
    )
    assert checked_indexes(page) == chosen
    context.close()

    # A new browser, nothing remembered: resume by typing the code.
    context = new_context()
    page = context.new_page()
    page.goto(course_server.url + "/voila/render/03_capacity_model.ipynb")
    page.get_by_label("Your learner code").fill(code.lower())
    page.get_by_role("button", name="Resume my work").click()
    page.wait_for_selector(".course-reading", timeout=60_000)
    assert page.locator(".course-reading h4").first.inner_text() == state
    assert checked_indexes(page) == chosen
    assert page.get_by_text(f"{len(chosen)} of {len(chosen)} statements answered").count() == 1


def test_a_wrong_code_is_explained_on_the_page(new_context, course_server):
    page = new_context().new_page()
    page.goto(
        course_server.url
        + "/voila/render/03_capacity_model.ipynb?learner=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"
    )
    message = page.locator(".course-warning")
    message.wait_for(timeout=60_000)
    assert "does not look right" in message.inner_text()
    assert page.locator(ENABLED_RADIO).count() == 0
