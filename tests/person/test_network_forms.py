"""Lesson 04's forms as a person uses them, on a laptop and on a phone: every action answers right
under the button that was pressed, in view without scrolling, in words and with the right role;
an import that would replace the network asks first; nothing sticks out past a phone's edge."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.person.person import choose, click, past_right_edge, type_into, wheel_to
from tests.reliability.course_pages import START, TIMEOUT_MS, goto, wait_rendered, wait_signed_in

pytestmark = pytest.mark.browser

LESSON = "04_draw_your_network.ipynb"
SAMPLES = Path(__file__).resolve().parent.parent / "unit" / "network_files"
SIZES = {"laptop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def answer(page: Page, role: str, words: str) -> Locator:
    """The message a form shows under its buttons; checked to be the only one on the page, in view
    now (the test has not scrolled since pressing the button) and announced with ``role``."""
    message = page.locator(f'.course-form-message [role="{role}"]', has_text=words)
    expect(message).to_be_visible(timeout=TIMEOUT_MS)
    expect(message).to_be_in_viewport()
    expect(page.locator(".course-form-message p")).to_have_count(1)  # the previous one is gone
    return message


def saved_beside(page: Page, message: Locator) -> None:
    """The save state is shown in the same place as the message, and is in view too."""
    feedback = page.locator(".course-form-feedback", has=message)
    status = feedback.locator(".course-save-status")
    expect(status).to_contain_text("All changes saved", timeout=TIMEOUT_MS)
    expect(status).to_be_in_viewport()


def sticking_out(page: Page) -> list[str]:
    """Anything of the activity past the viewport's right edge. Unlike ``past_right_edge`` this
    does not excuse what is inside a box that scrolls sideways (the activity's own widget boxes
    do, so a field cut off at the edge would pass unseen); only the tables' scrolling box does."""
    return page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          const out = [];
          for (const e of document.querySelectorAll('.course-network *')) {
            if (e.closest('.course-scroll')) continue;
            const r = e.getBoundingClientRect();
            if (!r.width || !r.height || getComputedStyle(e).visibility === 'hidden') continue;
            if (r.right > width + 1) {
              const text = (e.textContent || '').trim().slice(0, 40);
              out.push(`${e.tagName.toLowerCase()} "${text}" right=${Math.round(r.right)}`);
            }
          }
          return out;
        }"""
    )


def choose_files(page: Page, *paths: Path) -> None:
    with page.expect_file_chooser() as chooser:
        click(page, page.locator(".course-network .widget-upload"))
    chooser.value.set_files([str(p) for p in paths])


@pytest.mark.parametrize("size", list(SIZES))
def test_every_action_answers_where_the_learner_is_looking(
    new_context, course_server, tmp_path, size
):
    page = new_context(viewport=SIZES[size]).new_page()
    goto(page, f"{course_server.url}/voila/render/{LESSON}")
    wait_rendered(page)
    click(page, page.get_by_role("button", name=START))
    wait_signed_in(page)
    expect(page.get_by_role("button", name="Add school", exact=True)).to_be_enabled(
        timeout=TIMEOUT_MS
    )
    if size == "phone":
        assert past_right_edge(page) == []
        assert sticking_out(page) == []

    name = page.get_by_label("School name", exact=True)
    add_school = page.get_by_role("button", name="Add school", exact=True)
    type_into(page, name, "Oakfield Primary")
    click(page, add_school)
    saved_beside(page, answer(page, "status", "Added Oakfield Primary."))
    type_into(page, name, "")
    click(page, add_school)
    answer(page, "alert", "Please type the school's name.")
    type_into(page, name, "oakfield primary")
    click(page, add_school)
    answer(page, "alert", "There is already a school called “Oakfield Primary”")
    type_into(page, name, "Ash Primary")
    click(page, add_school)
    answer(page, "status", "Added Ash Primary.")

    choose(page, page.get_by_label("From", exact=True), "Oakfield Primary")
    choose(page, page.get_by_label("To", exact=True), "Ash Primary")
    choose(
        page,
        page.get_by_label("Level of collaboration", exact=True),
        "0 None – no working relationship",
    )
    click(page, page.get_by_label("Staff", exact=True))
    click(page, page.get_by_role("button", name="Add link", exact=True))
    saved_beside(page, answer(page, "status", "Added the link Oakfield Primary — Ash Primary."))
    expect(page.get_by_label("Staff", exact=True)).not_to_be_checked()  # the form starts clean
    level = page.get_by_label("Level of collaboration", exact=True)
    assert (
        level.evaluate(
            "e => e.options[e.selectedIndex] && e.options[e.selectedIndex].text.replace(/\\s+/g, ' ')"
        )
        == "Not given"
    )
    choose(page, page.get_by_label("To", exact=True), "Ash Primary")  # From is kept
    click(page, page.get_by_role("button", name="Add link", exact=True))
    answer(page, "alert", "already linked")

    schools = tmp_path / "schools.csv"
    schools.write_text("name\nOakfield Primary\nAsh Primary\n", encoding="utf-8")
    links = tmp_path / "links.csv"
    links.write_text("from,to,level\nOakfield Primry,Ash Primary,3\n", encoding="utf-8")
    choose_files(page, schools, links)
    click(page, page.get_by_role("button", name="Import the chosen files"))
    answer(page, "alert", 'did you mean "Oakfield Primary"?')

    choose_files(
        page, SAMPLES / "schools_excel_semicolon.csv", SAMPLES / "links_excel_semicolon.csv"
    )
    click(page, page.get_by_role("button", name="Import the chosen files"))
    answer(
        page, "alert", "This replaces your network of 2 schools and 1 link. Undo brings it back."
    )
    click(page, page.get_by_role("button", name="Replace it"))
    saved_beside(page, answer(page, "status", "Imported 3 schools and 2 links."))
    if size == "phone":
        assert past_right_edge(page) == []
        assert sticking_out(page) == []
    undo = page.get_by_role("button", name="Undo last change")
    wheel_to(page, undo)
    click(page, undo)
    saved_beside(
        page, answer(page, "status", "Undone: your network is back to 2 schools and 1 link.")
    )
