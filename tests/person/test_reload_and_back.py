"""Reload, Back and Forward, and opening a lesson again: a person does these all the time, and
each must bring the same learner's page back, usable, with their work on it (issue 13).

How fast is measured by ``bench/reloads.py`` beside plain Voila (tests never assert on time)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.person import person
from tests.reliability.course_pages import (
    TIMEOUT_MS,
    goto,
    seed_learner,
    wait_rendered,
    wait_signed_in,
)

LESSON = "02_what_is_capacity.ipynb"


def usable(page, code: str) -> None:
    """The lesson is on screen, signed in as this learner, with its first answer enabled."""
    wait_rendered(page)
    wait_signed_in(page)
    expect(page.locator(".course-code-inline").first).to_have_text(code, timeout=TIMEOUT_MS)
    expect(page.locator(".course-activity input:not([disabled])").first).to_be_enabled(
        timeout=TIMEOUT_MS
    )


@pytest.mark.browser
def test_reload_back_forward_and_again_bring_the_learners_page_back(new_context, course_server):
    learner = seed_learner(course_server.db_url)
    context = new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    goto(page, f"{course_server.url}/voila/render/{LESSON}?learner={learner.code}")
    usable(page, learner.code)

    page.keyboard.press("F5")  # as a person reloads
    page.wait_for_load_state("commit")
    usable(page, learner.code)

    nxt = page.locator('nav[aria-label="Lessons (bottom)"] a[rel=next]')
    person.click(page, nxt)
    page.wait_for_url("**/03_capacity_model.ipynb?learner=*", timeout=TIMEOUT_MS)
    usable(page, learner.code)

    page.go_back(wait_until="commit", timeout=TIMEOUT_MS)
    usable(page, learner.code)
    assert LESSON in page.url

    page.go_forward(wait_until="commit", timeout=TIMEOUT_MS)
    usable(page, learner.code)

    again = context.new_page()
    goto(again, f"{course_server.url}/voila/render/{LESSON}?learner={learner.code}")
    usable(again, learner.code)
