"""Lesson 05's snapshots in real Chromium (issue 17, point 4): a learner with a saved network saves
"Autumn 2026", the network changes, saves "Spring 2027", compares the two and finds the new link
and the school that joined in the table and in the picture. Every target is scrolled into view
with the mouse wheel before it is pressed (tests/person/person.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.person.person import choose, click, type_into, wheel_to
from tests.reliability.course_pages import TIMEOUT_MS, goto, wait_rendered, wait_signed_in
from widgets_lib import identity
from widgets_lib.network import Link, Network, School
from widgets_lib.record import NETWORK_ACTIVITY, NETWORK_KEY, network_to_value
from widgets_lib.store import Store

pytestmark = pytest.mark.browser

LESSON = "05_diagnose_your_network.ipynb"
AUTUMN = Network(
    (School("Oakfield Primary"), School("Ash Primary"), School("Elm Academy")),
    (
        Link("Oakfield Primary", "Ash Primary", level=2),
        Link("Ash Primary", "Elm Academy", level=3),
    ),
)
JOINED = "Rowan <b>Primary</b>"  # looks like markup: must be shown as text
SPRING = Network(
    AUTUMN.schools + (School(JOINED),),
    AUTUMN.links + (Link("Elm Academy", JOINED, level=1),),
)


def draw(url: str, learner_id: str, network: Network) -> None:
    """The learner's network as Lesson 04 saves it (seeded through the store's API)."""
    store = Store(url)
    try:
        store.save(learner_id, NETWORK_ACTIVITY, NETWORK_KEY, network_to_value(network))
    finally:
        store.dispose()


def learner_with_network(url: str) -> str:
    code = identity.new_code()
    store = Store(url)
    try:
        store.ensure_learner(identity.code_key(code), "code")
    finally:
        store.dispose()
    draw(url, identity.code_key(code), AUTUMN)
    return code


def save_snapshot(page, part, name: str) -> None:
    type_into(page, part.get_by_label("Name this snapshot", exact=True), name)
    click(page, part.get_by_role("button", name="Save a snapshot of my network now", exact=True))
    status = part.locator(".course-save-status").first
    expect(status).to_contain_text("✓ All changes saved", timeout=TIMEOUT_MS)
    expect(status).to_be_in_viewport()  # the answer is beside the button that was pressed
    expect(part.get_by_role("region", name="Your snapshots", exact=False)).to_contain_text(name)


def option_text(select, starts: str) -> str:
    return select.locator("option", has_text=starts).first.inner_text().strip()


def open_snapshots(new_context, course_server):
    """Lesson 05 opened by a learner with a saved network: (page, the snapshots part, code)."""
    code = learner_with_network(course_server.db_url)
    page = new_context().new_page()
    goto(page, f"{course_server.url}/voila/render/{LESSON}?learner={code}")
    wait_rendered(page)
    wait_signed_in(page)
    part = page.locator(".course-activity", has=page.get_by_label("Name this snapshot"))
    expect(part).to_have_count(1)
    return page, part, code


def test_two_snapshots_are_saved_and_compared(new_context, course_server):
    page, part, code = open_snapshots(new_context, course_server)
    expect(part.locator(".course-save-status").first).to_contain_text(
        "Snapshots are kept until you delete them", timeout=TIMEOUT_MS
    )

    save_snapshot(page, part, "Autumn 2026")
    draw(course_server.db_url, identity.code_key(code), SPRING)  # the drawing changes (Lesson 04)
    save_snapshot(page, part, "Spring 2027")

    before = part.get_by_role("combobox", name="Compare", exact=True)
    after = part.get_by_role("combobox", name="with", exact=True)
    choose(page, before, option_text(before, "Autumn 2026"))
    choose(page, after, option_text(after, "Spring 2027"))
    click(page, part.get_by_role("button", name="Compare", exact=True))

    said = part.locator(".course-save-status", has_text="Compared “Autumn 2026” with “Spring 2027”")
    expect(said).to_contain_text("1 school joined and 1 new link", timeout=TIMEOUT_MS)
    expect(said).to_be_in_viewport()

    changes = part.get_by_role("region", name="Every change from “Autumn 2026” to “Spring 2027”")
    wheel_to(page, changes)
    joined_row = changes.locator("tr", has_text="School joined")
    expect(joined_row).to_contain_text(JOINED)
    new_row = changes.locator("tr", has_text="New link")
    expect(new_row).to_contain_text(f"Elm Academy — {JOINED}")
    expect(new_row).to_contain_text("level 1 Networking")
    expect(part.locator("b", has_text="Primary")).to_have_count(0)  # the name stayed text

    picture = part.locator("svg[role=img]", has_text="What changed from")
    wheel_to(page, picture)
    expect(picture.locator("text", has_text="joined").first).to_be_visible()
    expect(picture.locator("text", has_text="new").first).to_be_visible()
    expect(picture.locator("line.link-new")).to_have_count(1)
    expect(picture.locator("g.node-joined title")).to_have_text(f"{JOINED} (School): joined")
    expect(picture).to_contain_text("ring and “joined” = school joined")
