"""The capacity lesson (03) and the network lesson (04) completed with the keyboard alone.

Nothing is clicked and nothing is focused by script: every control is reached with Tab (or
Shift+Tab) from where the focus is, the way a keyboard user moves, and operated with Enter,
Space, arrow keys and typing. Each lesson goes from "Start the course" to the result shown and
the lesson counted as done. (Choosing files for an import happens in the system's file dialog,
outside the page: the test hands the dialog its files.)
"""

from __future__ import annotations

import re

import pytest

from tests.helpers import checked_indexes, settled_text
from tests.reliability.course_pages import START, TIMEOUT_MS, goto, wait_rendered

pytestmark = pytest.mark.browser

MAX_TABS = 800  # a lesson page has a few hundred stops; more means focus is trapped


def tab_to(page, target) -> int:
    """Move the focus onto ``target`` (onto any of its elements, if it matches several: the
    options of one radio group) with Tab or Shift+Tab only; returns the presses it took."""
    target.first.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_function(
        "e => !e.disabled", arg=target.first.element_handle(), timeout=TIMEOUT_MS
    )
    for presses in range(MAX_TABS):
        where = target.evaluate_all(
            "els => { const a = document.activeElement;"
            " if (els.includes(a)) { return 'here'; }"
            " if (!a || a === document.body) { return 'after'; }"
            " const before = els[0].compareDocumentPosition(a) & Node.DOCUMENT_POSITION_PRECEDING;"
            " return before ? 'after' : 'before'; }"
        )
        if where == "here":
            return presses
        page.keyboard.press("Tab" if where == "after" else "Shift+Tab")
    raise AssertionError(f"{target} cannot be reached with Tab from where the focus was")


def press(page, name: str) -> None:
    """Reach a button with Tab and press Enter."""
    tab_to(page, page.get_by_role("button", name=name, exact=True))
    page.keyboard.press("Enter")


def type_into(page, label: str, text: str) -> None:
    field = page.get_by_label(label, exact=True)
    tab_to(page, field)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
    page.keyboard.press("Tab")  # leaving the field sends its value
    assert field.input_value() == text


def choose(page, label: str, option_text: str) -> None:
    """Choose from a drop-down by typing the start of the option while it has the focus."""
    box = page.get_by_label(label, exact=True)
    tab_to(page, box)
    page.keyboard.type(option_text)
    chosen = box.evaluate("e => e.options[e.selectedIndex] ? e.options[e.selectedIndex].text : ''")
    assert chosen.startswith(option_text), (label, chosen, option_text)


def start(page, url: str) -> str:
    goto(page, url)
    wait_rendered(page)
    press(page, START)
    code = page.locator(".course-code").inner_text(timeout=TIMEOUT_MS).strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code), code
    return code


def lessons_done(page) -> str:
    return settled_text(page.locator(".course-progress", has_text="You have completed").first)


def answer_reflection(page) -> None:
    """The lesson's closing reflection, typed: a lesson is done once it is answered too."""
    boxes = page.locator(".course-reflection textarea")
    for i in range(boxes.count()):
        tab_to(page, boxes.nth(i))
        page.keyboard.type(f"Answer {i + 1}")
        page.keyboard.press("Tab")  # leaving the field sends its value
    all_saved(page)


def all_saved(page) -> None:
    page.wait_for_function(
        "() => !document.querySelector('.course-status-saving')", timeout=TIMEOUT_MS
    )
    assert page.locator(".course-status-failed").count() == 0, page.locator(
        ".course-status-failed"
    ).all_inner_texts()


def answer_statements(page, count: int, step: int) -> list[int]:
    """Tab into the first statement's group, then for each statement: Space chooses the option
    that has the focus, arrow keys move to the answer wanted, Tab goes on to the next statement."""
    items = page.locator(".course-item")
    tab_to(page, items.first.locator("input[type=radio]"))
    chosen = []
    for i in range(count):
        radios = items.nth(i).locator("input[type=radio]")
        at = radios.evaluate_all("els => els.indexOf(document.activeElement)")
        assert at >= 0, f"the focus is not on statement {i + 1}"
        page.keyboard.press("Space")
        want = (i + step) % len(radios.all())
        for _ in range((want - at) % len(radios.all())):
            page.keyboard.press("ArrowRight")
        chosen.append(want)
        page.keyboard.press("Tab")
    return chosen


def test_capacity_lesson_by_keyboard_alone(new_context, course_server):
    page = new_context().new_page()
    start(page, f"{course_server.url}/voila/render/03_capacity_model.ipynb")
    page.wait_for_selector(".course-item input[type=radio]:not([disabled])", timeout=TIMEOUT_MS)
    assert "You have completed 0 of" in lessons_done(page)
    count = page.locator(".course-item").count()

    first = answer_statements(page, count, step=1)
    page.get_by_text(f"{count} of {count} statements answered").wait_for(timeout=TIMEOUT_MS)
    state = settled_text(page.locator(".course-reading h4").first)
    assert state.startswith("Growth state:")
    model = page.locator(
        ".course-result svg[role=img]", has=page.locator("title", has_text="The capacity model")
    )
    assert model.count() == 1
    assert page.locator(".course-result table").count() == 1
    all_saved(page)
    assert checked_indexes(page) == first
    answer_reflection(page)
    assert "You have completed 1 of" in lessons_done(page)  # lesson 03 is done

    # Rate the school again and compare: the table now shows both attempts and the change.
    press(page, "Start a new attempt")
    page.get_by_text(f"0 of {count} statements answered").wait_for(timeout=TIMEOUT_MS)
    page.wait_for_selector(".course-item input[type=radio]:not([disabled])", timeout=TIMEOUT_MS)
    second = answer_statements(page, count, step=2)
    page.get_by_text(f"{count} of {count} statements answered").wait_for(timeout=TIMEOUT_MS)
    table = page.locator(".course-result table")
    table.locator("th", has_text="Change").wait_for(timeout=TIMEOUT_MS)
    head = table.locator("tr").first.inner_text()
    assert "Attempt 2" in head and "Attempt 1" in head
    all_saved(page)
    assert checked_indexes(page) == second


def test_network_lesson_by_keyboard_alone(new_context, course_server, tmp_path):
    page = new_context().new_page()
    # Take over the system's file dialog from the start: switched on only when the dialog is
    # awaited, it can be too late for the key press that opens it.
    page.on("filechooser", lambda _chooser: None)
    start(page, f"{course_server.url}/voila/render/04_draw_your_network.ipynb")
    page.wait_for_selector(".course-activity button:not([disabled])", timeout=TIMEOUT_MS)
    assert "You have completed 0 of" in lessons_done(page)

    # Schools, then links between them.
    for name, kind in (
        ("Ash Primary", "School"),
        ("Beech Academy", "School"),
        ("Cedar Trust", "Local"),
    ):
        type_into(page, "School name", name)
        choose(page, "Kind", kind)
        press(page, "Add school")
        page.locator(".course-table :is(td, th)", has_text=name).first.wait_for(timeout=TIMEOUT_MS)
    for source, target, level in (("Ash", "Beech", "3"), ("Beech", "Cedar", "1")):
        choose(page, "From", source)
        choose(page, "To", target)
        choose(page, "Level of collaboration", level)
        tab_to(page, page.get_by_label("Information", exact=True))
        page.keyboard.press("Space")  # information flows along it
        press(page, "Add link")
        page.get_by_text(re.compile(r"3 members and \d links?")).wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("3 members and 2 links").wait_for(timeout=TIMEOUT_MS)
    all_saved(page)
    answer_reflection(page)
    assert "You have completed 1 of" in lessons_done(page)  # a drawing and the reflection: done

    # Change a link and a school, undo the school's change.
    tab_to(page, page.get_by_label("Link to change", exact=True))
    page.keyboard.press("ArrowDown")  # the first link
    choose(page, "Level of collaboration (this link)", "5")
    press(page, "Save changes to this link")
    page.locator(".course-table :is(td, th)", has_text="5 Collaboration").first.wait_for(
        timeout=TIMEOUT_MS
    )
    choose(page, "School to change", "Cedar")
    type_into(page, "New name", "Cedar Learning Trust")
    press(page, "Save changes to this school")
    page.locator(".course-table :is(td, th)", has_text="Cedar Learning Trust").first.wait_for(
        timeout=TIMEOUT_MS
    )
    press(page, "Undo last change")
    page.locator(".course-table :is(td, th)", has_text="Cedar Learning Trust").first.wait_for(
        state="detached", timeout=TIMEOUT_MS
    )
    all_saved(page)

    # The drawing and its table.
    page.locator(".course-map-canvas canvas").wait_for(timeout=TIMEOUT_MS)
    tables = page.locator(".course-activity table.course-table").all_inner_texts()
    assert any("Ash Primary" in t and "Beech Academy" in t for t in tables), tables

    # Export with the keyboard (Enter on the download link), then import the file back.
    press(page, "Prepare files to download")
    link = page.get_by_role("link", name="network.json", exact=True)
    tab_to(page, link)
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        page.keyboard.press("Enter")
    exported = tmp_path / "network.json"
    download.value.save_as(exported)
    assert "Ash Primary" in exported.read_text(encoding="utf-8")
    choose(page, "School to change", "Ash")
    press(page, "Remove this school and its links")
    page.get_by_text("2 members and 1 link").wait_for(timeout=TIMEOUT_MS)
    tab_to(page, page.locator(".widget-upload"))
    with page.expect_file_chooser(timeout=TIMEOUT_MS) as chooser:
        page.keyboard.press("Enter")
    chooser.value.set_files(str(exported))
    press(page, "Import the chosen files")
    press(page, "Replace it")  # the import asks before it replaces a network with work in it
    page.get_by_text("3 members and 2 links").wait_for(timeout=TIMEOUT_MS)
    all_saved(page)
    assert page.locator(".course-warning").count() == 0
    assert "You have completed 1 of" in lessons_done(page)
