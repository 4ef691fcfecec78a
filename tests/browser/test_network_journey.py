"""Lessons 04 and 05 in real Chromium: build a network with the keyboard, export, re-import,
diagnose, come back with the code; a school named like markup stays text."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.helpers import settled_text

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=alert(1)>"
READY = ".course-activity button:not([disabled])"


def start_on(page, server, lesson_file: str) -> str:
    page.goto(f"{server.url}/voila/render/{lesson_file}")
    page.get_by_role("button", name="Start the course (get a new code)").click()
    code = page.locator(".course-code").inner_text(timeout=120_000).strip()
    page.wait_for_selector(READY, timeout=120_000)
    return code


def choose(page, label: str, option_text: str) -> None:
    """Pick from a drop-down with the keyboard: focus it, type the start of the option."""
    box = page.get_by_label(label, exact=True)
    box.focus()
    page.keyboard.type(option_text)
    page.keyboard.press("Tab")
    expect_selected(box, option_text)


def expect_selected(box, option_text: str) -> None:
    chosen = box.evaluate("e => e.options[e.selectedIndex] ? e.options[e.selectedIndex].text : ''")
    assert chosen.startswith(option_text), (chosen, option_text)


def press(page, name: str) -> None:
    button = page.get_by_role("button", name=name, exact=True)
    expect(
        button
    ).to_be_enabled()  # a change form opens once the kernel has the chosen school or link
    button.focus()
    page.keyboard.press("Enter")


def upload(page, *paths) -> None:
    """Choose files through the upload button's file chooser, as a person would."""
    with page.expect_file_chooser() as chooser:
        button = page.locator(".widget-upload")
        button.focus()
        page.keyboard.press("Enter")
    chooser.value.set_files([str(p) for p in paths])


def add_school(page, name: str) -> None:
    field = page.get_by_label("School name", exact=True)
    field.focus()
    page.keyboard.type(name)
    page.keyboard.press("Tab")
    press(page, "Add school")
    try:
        page.locator(".course-table :is(td, th)", has_text=name).first.wait_for(timeout=30_000)
    except Exception:
        raise AssertionError(
            f"school not added: {page.locator('.course-warning').all_inner_texts()} "
            f"{page.locator('.course-save-status').all_inner_texts()} "
            f"{page.locator('.course-summary').all_inner_texts()} "
            f"field={page.get_by_label('School name', exact=True).input_value()!r} "
            f"cells={page.locator('.course-table td').all_inner_texts()[:12]}"
        ) from None


def add_link(page, source: str, target: str, level: str) -> None:
    choose(page, "From", source)
    choose(page, "To", target)
    choose(page, "Level of collaboration", level)
    press(page, "Add link")


def test_build_export_reimport_diagnose_and_return(new_context, course_server, tmp_path):
    context = new_context()
    page = context.new_page()
    code = start_on(page, course_server, "04_draw_your_network.ipynb")

    for name in ("Ash Primary", "Beech Academy", XSS):
        add_school(page, name)
    add_link(page, "Ash", "Beech", "4")
    add_link(page, "Beech", "<img", "2")
    page.get_by_text("3 members and 2 links").wait_for(timeout=30_000)
    assert page.locator(".course-warning").count() == 0

    # The name is text in the table and in the drawing's tooltip data, never an element.
    assert (
        page.locator(".course-table :is(td, th)", has_text=XSS).count() == 2
    )  # schools and links tables
    assert page.locator("img[src=x]").count() == 0
    frame = page.frame_locator("iframe.course-drawing")
    frame.locator("canvas").wait_for(timeout=30_000)
    assert page.locator("iframe.course-drawing").get_attribute("sandbox") == "allow-scripts"

    # Export, then change the network, then import the exported files back.
    press(page, "Prepare files to download")
    with page.expect_download() as first:
        page.get_by_role("link", name="schools.csv").click()
    with page.expect_download() as second:
        page.get_by_role("link", name="links.csv").click()
    schools = tmp_path / "schools.csv"
    links = tmp_path / "links.csv"
    first.value.save_as(schools)
    second.value.save_as(links)
    assert XSS in schools.read_text(encoding="utf-8-sig")

    choose(page, "School to change", "Ash")
    press(page, "Remove this school and its links")
    page.get_by_text("2 members and 1 link").wait_for(timeout=30_000)
    upload(page, schools, links)
    press(page, "Import the chosen files")
    press(page, "Replace it")  # the import asks before it replaces a network with work in it
    page.get_by_text("3 members and 2 links").wait_for(timeout=30_000)

    # Lesson 05: answer the questionnaire with the keyboard and read the verdict.
    page.goto(f"{course_server.url}/voila/render/05_diagnose_your_network.ipynb?learner={code}")
    page.wait_for_selector(".course-activity input[type=radio]:not([disabled])", timeout=60_000)
    groups = page.locator(".course-item").count()
    page.locator(".course-item input[type=radio]").first.focus()
    for i in range(groups):
        page.keyboard.press("Space")
        for _ in range(2 + (i % 2)):
            page.keyboard.press("ArrowRight")
        page.keyboard.press("Tab")
    page.get_by_text(f"{groups} of {groups} statements answered").wait_for(timeout=30_000)
    text = settled_text(page.locator(".course-reading h4").first)
    assert re.match(r"Diagnosis: .+", text)
    assert page.locator(".course-reading li").count() >= 1
    context.close()

    # Back on another computer with the code: everything is there.
    page = new_context().new_page()
    page.goto(f"{course_server.url}/voila/render/04_draw_your_network.ipynb?learner={code}")
    page.get_by_text("3 members and 2 links").wait_for(timeout=60_000)
    assert (
        page.locator(".course-table :is(td, th)", has_text=XSS).count() == 2
    )  # schools and links tables
    page.goto(f"{course_server.url}/voila/render/05_diagnose_your_network.ipynb?learner={code}")
    assert settled_text(page.locator(".course-reading h4").first) == text
    assert page.get_by_text(f"{groups} of {groups} statements answered").count() == 1


def test_a_bad_file_is_explained_and_nothing_is_lost(new_context, course_server, tmp_path):
    page = new_context().new_page()
    start_on(page, course_server, "04_draw_your_network.ipynb")
    add_school(page, "Oak Primary")
    bad = tmp_path / "links.csv"
    bad.write_text("from,to,level\nOak Primary,Nowhere,high\n", encoding="utf-8")
    good = tmp_path / "schools.csv"
    good.write_text("name\nOak Primary\n", encoding="utf-8")
    upload(page, good, bad)
    press(page, "Import the chosen files")
    warning = page.locator(".course-warning")
    warning.wait_for(timeout=30_000)
    assert "links.csv" in warning.inner_text() and "row 2" in warning.inner_text()
    assert page.get_by_text("1 member and 0 links").count() == 1
