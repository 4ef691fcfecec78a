"""A reflection typed and the tab closed one second later is there on return."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.browser

TEXT = "Our cluster meets termly; <b>nobody</b> disagrees in the room, and that worries me."


def test_closing_the_tab_a_second_after_typing_loses_nothing(new_context, course_server):
    context = new_context()
    page = context.new_page()
    page.goto(f"{course_server.url}/voila/render/01_why_networks.ipynb")
    page.get_by_role("button", name="Start the course (get a new code)").click()
    code = page.locator(".course-code").inner_text(timeout=60_000).strip()
    box = page.locator(".course-reflection textarea").first
    page.wait_for_selector(".course-reflection textarea:not([disabled])", timeout=60_000)
    box.focus()
    page.keyboard.type(TEXT, delay=15)
    time.sleep(1.0)
    context.close()

    page = new_context().new_page()
    page.goto(f"{course_server.url}/voila/render/01_why_networks.ipynb?learner={code}")
    page.wait_for_selector(".course-reflection textarea:not([disabled])", timeout=60_000)
    assert page.locator(".course-reflection textarea").first.input_value() == TEXT
    assert page.locator(".course-reflection b").count() == 0
