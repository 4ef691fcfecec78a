"""Every page read to its end as a person reads it: by mouse wheel, by keyboard and by finger,
at a desktop, a tablet and a phone size, with nothing sticking out past the right edge.

Before the course's template restored scrolling, every one of these failed on every page: a
person saw the first screen of pages 4,400–14,000 px long (issue 13)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.person import person
from tests.reliability.course_pages import (
    DASHBOARD,
    PAGES,
    TIMEOUT_MS,
    Spec,
    goto,
    seed,
    wait_rendered,
    wait_signed_in,
)

# Every page with its work (each holds everything its page shows before starting, and more), the
# welcome page a newcomer meets first, and the dashboard before and after its key.
READ = [
    spec
    for spec in PAGES
    if (spec.kind == "lesson" and (spec.with_work or spec.notebook.startswith("00")))
    or spec.kind == "dashboard"
]
DESKTOP = {"width": 1280, "height": 900}
TABLET = {"width": 768, "height": 1024}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def seeded(course_server):
    return seed(course_server)


def open_page(page, server, spec: Spec, seeded) -> None:
    """Open the page as its visitor would: a lesson before starting or with the learner's work
    (``?learner=``), the dashboard before the key or opened with it."""
    if spec.kind == "lesson":
        query = f"?learner={seeded.learner.code}" if spec.with_work else ""
        goto(page, f"{server.url}/voila/render/{spec.notebook}{query}")
        wait_rendered(page)
        if spec.with_work:
            wait_signed_in(page)
        else:
            page.get_by_role("button", name="Start the course (get a new code)").wait_for(
                timeout=TIMEOUT_MS
            )
    else:
        query = f"?key={seeded.tutor_key}" if spec.with_work else ""
        goto(page, f"{server.url}/voila/render/{DASHBOARD}{query}")
        wait_rendered(page)
        if spec.with_work:
            page.get_by_text("Progress of each participant").first.wait_for(timeout=TIMEOUT_MS)


def the_end(page, spec: Spec):
    """What a reader reaches last: the bottom navigation of a lesson, the last part of the dashboard."""
    if spec.kind == "lesson":
        return page.locator('nav[aria-label="Lessons (bottom)"]')
    return page.locator("main#rendered_cells .jp-OutputArea-output").filter(visible=True).last


def scroll_height(page) -> int:
    return page.evaluate("() => document.documentElement.scrollHeight")


@pytest.mark.browser
@pytest.mark.parametrize("spec", READ, ids=lambda s: s.id)
def test_every_page_reads_to_its_end_by_wheel_keyboard_and_finger(
    new_context, course_server, seeded, spec
):
    # A desktop: the wheel reaches the end, from the top.
    page = new_context(viewport=DESKTOP).new_page()
    open_page(page, course_server, spec, seeded)
    assert scroll_height(page) > DESKTOP["height"], (
        "the page is no longer than one screen: nothing to test"
    )
    person.wheel_to_end(page)
    expect(the_end(page, spec)).to_be_in_viewport()

    # The keyboard: Home, then PageDown, Space and the down arrow each move down; End reaches the end.
    page.evaluate("() => { if (document.activeElement) document.activeElement.blur(); }")
    person.press(page, "Home")
    assert person.scroll_y(page) == 0, "Home did not bring the page back to its top"
    for key in ("PageDown", "Space", "ArrowDown"):
        if person.page_bottom_reached(page):  # a short page: start again from the top
            person.press(page, "Home")
        before = person.scroll_y(page)
        person.press(page, key)
        focused = page.evaluate(
            "() => document.activeElement && document.activeElement.outerHTML.slice(0, 120)"
        )
        assert person.scroll_y(page) > before, (
            f"{key} did not scroll the page down from {before:.0f} px (focus on {focused})"
        )
    person.press(page, "End")
    page.wait_for_function(
        "() => window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 2"
    )
    expect(the_end(page, spec)).to_be_in_viewport()

    # A tablet held upright (the same window made narrower): nothing past the right edge.
    page.set_viewport_size(TABLET)
    assert person.past_right_edge(page) == [], (
        f"past the right edge at 768 px: {person.past_right_edge(page)}"
    )
    page.close()

    # A phone: nothing past the right edge, and a finger reaches the end.
    phone = new_context(
        viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=2
    ).new_page()
    open_page(phone, course_server, spec, seeded)
    assert person.past_right_edge(phone) == [], (
        f"past the right edge at 390 px: {person.past_right_edge(phone)}"
    )
    person.swipe_to(phone, the_end(phone, spec))
