"""Lessons 04 and 05 in real Chromium: build a network with the keyboard, export, re-import,
diagnose, come back with the code; a school named like markup stays text. Build one with the
mouse on the drawing itself (lesson 04's map editor), drag a school, reload, find it there."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
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

    # A school's place on the drawing, by keyboard: the school form's two numbers.
    choose(page, "School to change", "Beech")
    for label, value in (
        ("Place on the drawing: across", "321"),
        ("Place on the drawing: down", "-45"),
    ):
        field = page.get_by_label(label, exact=True)
        expect(field).to_be_enabled()  # opened, so the chosen school's place is already in it
        field.focus()
        page.keyboard.press("Control+A")
        page.keyboard.type(value)
        page.keyboard.press("Tab")
    press(page, "Save changes to this school")
    page.get_by_text("Its place on the drawing: 321 across, -45 down.").wait_for(timeout=30_000)

    # The name is text in the table and in the drawing's tooltip data, never an element.
    assert (
        page.locator(".course-table :is(td, th)", has_text=XSS).count() == 2
    )  # schools and links tables
    assert page.locator("img[src=x]").count() == 0
    page.locator(".course-map-canvas canvas").wait_for(timeout=30_000)
    assert page.locator("iframe").count() == 0  # lesson 04 draws with the map editor

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
    rows = csv.DictReader(io.StringIO(schools.read_text(encoding="utf-8-sig")))
    assert {r["name"]: (r["x"], r["y"]) for r in rows}["Beech Academy"] == ("321.0", "-45.0")

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


# -- the drawing itself, with a real mouse -------------------------------------------------
def wheel_until_seen(page, locator) -> None:
    """Scroll with the mouse wheel, as a person does, until all of ``locator`` is on screen (the
    mouse stays where it is when it already is: a drag in progress goes on)."""
    for turn in range(60):
        box = locator.bounding_box()
        if box and box["y"] >= 0 and box["y"] + box["height"] <= 900:
            break
        if turn == 0:
            page.mouse.move(640, 450)
        before = page.evaluate("window.scrollY")
        page.mouse.wheel(0, 150 if not box or box["y"] > 0 else -150)
        try:  # until the page has moved (a loaded machine can take a while to scroll)
            page.wait_for_function("(y) => window.scrollY !== y", arg=before, timeout=10_000)
        except PlaywrightTimeoutError:
            pass  # it did not move: the next turn looks again, and the expect below says why
    expect(locator).to_be_in_viewport(ratio=1)


def at(page, canvas, x: float, y: float) -> tuple[float, float]:
    """The page point ``(x, y)`` pixels into the drawing, with the drawing wholly on screen."""
    wheel_until_seen(page, canvas)
    box = canvas.bounding_box()
    return box["x"] + x, box["y"] + y


def add_on_drawing(page, canvas, x: float, y: float, name: str, by_enter: bool) -> None:
    page.mouse.click(*at(page, canvas, x, y))
    field = page.get_by_label("Name of the new school", exact=True)
    expect(field).to_be_focused()  # the field opens where the click was, ready to type
    page.keyboard.type(name)
    if by_enter:
        page.keyboard.press("Enter")
    else:
        add = page.get_by_role("button", name="Add this school", exact=True)
        expect(add).to_be_in_viewport()
        add.click()
    expect(field).to_be_hidden()  # closed once the kernel has added the school
    page.locator(".course-table :is(td, th)", has_text=name).first.wait_for()


def drag(page, canvas, start: tuple[float, float], end: tuple[float, float]) -> None:
    page.mouse.move(*at(page, canvas, *start))
    page.mouse.down()
    x, y = at(page, canvas, *end)  # the drawing is still on screen: measured again, not moved
    page.mouse.move(x, y, steps=15)
    page.mouse.up()


def saved_places(page, tmp_path) -> dict[str, tuple[float, float]]:
    """Each school's place, as the learner's own export of the network gives it."""
    press(page, "Prepare files to download")
    link = page.get_by_role("link", name="schools.csv", exact=True)
    link.focus()
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    path = tmp_path / "schools.csv"
    download.value.save_as(path)
    rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))
    return {row["name"]: (float(row["x"]), float(row["y"])) for row in rows}


def test_draw_on_the_drawing_with_the_mouse_then_find_it_after_a_reload(
    new_context, course_server, tmp_path
):
    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    code = start_on(page, course_server, "04_draw_your_network.ipynb")
    canvas = page.locator(".course-map-canvas")
    canvas.locator("canvas").wait_for()
    # The wheel over the drawing scrolls the page; it never zooms the drawing.
    page.mouse.move(*at(page, canvas, 400, 200))
    before = page.evaluate("() => window.scrollY")
    page.mouse.wheel(0, 120)
    page.wait_for_function(f"() => window.scrollY > {before}")

    # Two schools, each named in the field that opens where the empty spot was clicked.
    add_on_drawing(page, canvas, 150, 120, "Ash Primary", by_enter=True)
    add_on_drawing(page, canvas, 450, 300, XSS, by_enter=False)
    page.get_by_text("2 members and 0 links").wait_for()

    # A name already used: one message in the field, which stays open with what was typed.
    page.mouse.click(*at(page, canvas, 650, 100))
    page.keyboard.type("ash primary")
    page.keyboard.press("Enter")
    expect(page.locator(".course-map-message")).to_have_text(
        "There is already a school called “Ash Primary” in your network."
    )
    expect(page.get_by_label("Name of the new school", exact=True)).to_have_value("ash primary")
    page.keyboard.press("Escape")
    expect(page.get_by_label("Name of the new school", exact=True)).to_be_hidden()
    add_on_drawing(page, canvas, 700, 120, "Cedar Trust", by_enter=True)

    # The name typed like markup is drawn and shown on hover as those characters.
    page.mouse.move(*at(page, canvas, 450, 300))
    tooltip = page.locator("div.vis-tooltip")
    expect(tooltip).to_be_visible()
    assert tooltip.inner_text().startswith(XSS)
    assert page.locator("img[src=x]").count() == 0

    # Link them: "Link two schools", then drag from one to the other.
    toggle = page.get_by_role("button", name="Link two schools")
    wheel_until_seen(page, toggle)
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    drag(page, canvas, (150, 120), (450, 300))
    page.get_by_text("3 members and 1 link").wait_for()
    # The new link is chosen in its change form, ready for its level.
    expect(page.get_by_label("Level of collaboration (this link)", exact=True)).to_be_enabled()
    expect_selected(page.get_by_label("Link to change", exact=True), "1.")
    expect_selected(page.get_by_label("From (this link)", exact=True), "Ash")
    # Or choose the two in turn: a click on one school, then on the other.
    page.mouse.click(*at(page, canvas, 450, 300))
    expect(page.locator(".course-map-hint")).to_contain_text("Linking from <img src=x")
    page.mouse.click(*at(page, canvas, 700, 120))
    page.get_by_text("3 members and 2 links").wait_for()
    wheel_until_seen(page, toggle)
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")

    # Drag the second school to a new spot; clicking it then chooses it in the school form.
    drag(page, canvas, (450, 300), (600, 380))
    page.get_by_text("Moved").wait_for()
    page.mouse.click(*at(page, canvas, 600, 380))
    expect(page.get_by_label("New name", exact=True)).to_have_value(XSS)  # its change form

    places = saved_places(page, tmp_path)
    ash, moved = places["Ash Primary"], places[XSS]
    # Drawn at its own size: the drag moved it by what the mouse moved, from where it was added.
    assert abs(moved[0] - ash[0] - 450) <= 2 and abs(moved[1] - ash[1] - 260) <= 2, places

    # Reload: the network, and the school where it was left.
    page.goto(f"{course_server.url}/voila/render/04_draw_your_network.ipynb?learner={code}")
    page.get_by_text("3 members and 2 links").wait_for(timeout=120_000)
    canvas.locator("canvas").wait_for()
    assert saved_places(page, tmp_path) == places
    # And on screen, drawn at its own size and centred on the schools (Ash at 150, 120; the moved
    # one at 600, 380; Cedar at 700, 120 when added): near where Ash should be is a spot where the
    # mouse names it and, 450 px right and 260 px below it, the moved school.
    found = find_on_drawing(
        page,
        canvas,
        [("Ash Primary", (0, 0)), ("<img src=x", (450, 260))],
        near=box_middle(page, canvas, 150 - (150 + 700) / 2, 120 - (120 + 380) / 2),
    )
    assert found, "the two schools are not drawn where they were left"


def box_middle(page, canvas, dx: float, dy: float) -> tuple[float, float]:
    wheel_until_seen(page, canvas)
    box = canvas.bounding_box()
    return box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2 + dy


def find_on_drawing(page, canvas, schools, near: tuple[float, float]) -> tuple[float, float]:
    """A spot around ``near`` where hovering names each of ``schools`` (name, offset from the
    spot) in turn, looked for as a person would: the mouse over each spot until the tooltips say
    so; None if there is none."""
    spots = sorted(
        ((dx, dy) for dx in range(-60, 61, 10) for dy in range(-40, 41, 10)),
        key=lambda d: d[0] ** 2 + d[1] ** 2,
    )
    for dx, dy in spots:
        point = (near[0] + dx, near[1] + dy)
        for name, (ox, oy) in schools:
            page.mouse.move(point[0] + ox, point[1] + oy)
            try:
                expect(page.locator("div.vis-tooltip", has_text=name)).to_be_visible(timeout=800)
            except AssertionError:
                break
        else:
            return point
    return None
