"""Issue 5 in Chromium: a tutor makes a cohort, two participants join and finish lesson 03, the dashboard
shows both; participant B, trying other codes, keys and addresses, never sees A's work, and no
participant page offers a tutor function."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.helpers import OPERATOR_KEY

pytestmark = pytest.mark.browser

TUTOR_BUTTONS = (
    "Open the cohort",
    "Create a cohort",
    "Merge these two schools",
    "Prepare the exports",
    "Close the cohort to new members",
)
DASHBOARD = "/voila/render/tutor/dashboard.ipynb"


def start_and_join(page, server, join_code: str, name: str) -> str:
    page.goto(server.url + "/")
    page.get_by_role("button", name="Start the course (get a new code)").click()
    code = page.locator(".course-code").inner_text().strip()
    page.wait_for_selector("button:has-text('Join this cohort'):not([disabled])")
    page.get_by_label("Cohort join code from your tutor").fill(join_code)
    page.get_by_label("Your name as your tutor will see it").fill(name)
    page.get_by_role("button", name="Join this cohort").click()
    page.get_by_text("You are in the cohort").wait_for()
    return code


def finish_lesson_03(page, server, code: str, choice: int) -> None:
    page.goto(f"{server.url}/voila/render/03_capacity_model.ipynb?learner={code}")
    page.wait_for_selector(".course-item input[type=radio]:not([disabled])")
    groups = page.locator(".course-item")
    for i in range(groups.count()):
        groups.nth(i).locator("input[type=radio]").nth(choice).check()
    page.get_by_text(f"{groups.count()} of {groups.count()} statements answered").wait_for()
    page.locator(".course-reading h4").first.wait_for()
    # The lesson is done once its closing reflection is answered too.
    page.wait_for_selector(".course-reflection textarea:not([disabled])")
    reflection = page.locator(".course-activity", has=page.locator(".course-reflection"))
    boxes = reflection.locator(".course-reflection textarea")
    for i in range(boxes.count()):
        boxes.nth(i).fill(f"Answer {i + 1}")
    expect(reflection.locator(".course-save-status")).to_contain_text("✓ All changes saved")
    page.wait_for_function(
        "() => !document.querySelector('.course-activity .course-status-saving')"
    )


def no_tutor_functions(page) -> None:
    for name in TUTOR_BUTTONS:
        assert page.get_by_role("button", name=name).count() == 0, name
    assert page.get_by_label("Tutor key").count() == 0


def created_codes(tutor) -> tuple[str, str]:
    """The join code and the tutor key of a cohort just created; the key is selected in its read-only box
    until the tutor says it is written down, then it leaves the page."""
    key_box = tutor.locator("input.course-key")
    expect(key_box).to_be_focused(timeout=120_000)
    tutor_key = key_box.input_value()
    assert key_box.evaluate(
        "box => box.readOnly && box.selectionStart === 0 && box.selectionEnd === box.value.length"
    )
    assert tutor.get_by_text("Progress of each participant").count() == 0  # the dashboard waits
    join_code = tutor.locator(".course-code-box .course-code").inner_text().strip()
    tutor.get_by_role("button", name="I have written the key down").click()
    tutor.get_by_text("Progress of each participant").wait_for()
    assert tutor_key not in tutor.locator("body").inner_text() and key_box.count() == 0
    return join_code, tutor_key


def other_code(code: str) -> str:
    """The same code with its last character changed: a near miss at someone else's code."""
    alphabet = "346789ABCDEFGHJKMNPQRTUVWXY"
    return code[:-1] + alphabet[(alphabet.index(code[-1]) + 1) % len(alphabet)]


def test_tutor_and_two_participants(new_context, course_server):
    tutor = new_context().new_page()
    tutor.goto(course_server.url + DASHBOARD)
    tutor.get_by_label("Name of the new cohort").fill("Thursday group <b>2027</b>")
    tutor.get_by_label("Operator key").fill(OPERATOR_KEY)
    tutor.get_by_role("button", name="Create a cohort").click()
    join_code, tutor_key = created_codes(tutor)
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", join_code)
    assert re.fullmatch(r"([A-Z0-9]{4}-){4}[A-Z0-9]{4}", tutor_key)

    a_page = new_context().new_page()
    a_code = start_and_join(a_page, course_server, join_code, "Asha <i>Ash Primary</i>")
    no_tutor_functions(a_page)
    finish_lesson_03(a_page, course_server, a_code, 3)
    no_tutor_functions(a_page)

    b_context = new_context()
    b_page = b_context.new_page()
    b_code = start_and_join(b_page, course_server, join_code, "Ben")
    finish_lesson_03(b_page, course_server, b_code, 0)

    tutor.goto(f"{course_server.url}{DASHBOARD}?key={tutor_key}")
    tutor.get_by_text("Progress of each participant").wait_for()
    expect(tutor).not_to_have_url(
        re.compile("key=")
    )  # out of the address bar: not projected nor printed
    assert tutor_key not in tutor.locator("body").inner_text()
    header = tutor.locator("h2", has_text="Thursday group").inner_text()
    assert header == "Thursday group <b>2027</b>"
    assert tutor.get_by_text("2 participants").count() == 1
    table = tutor.locator("table:has-text('Progress of each participant')")
    rows = {
        row.locator("th").inner_text(): row.locator("td").all_inner_texts()
        for row in table.locator("tr").all()[1:]
    }
    assert set(rows) == {"Asha <i>Ash Primary</i>", "Ben"}
    assert all(cells[2] == "✓ Done" for cells in rows.values())  # lesson 03 for both
    placements = tutor.locator('table:has-text("Each school\'s placement")').inner_text()
    assert "Asha <i>Ash Primary</i>" in placements and "Ben" in placements
    assert tutor.locator("i", has_text="Ash Primary").count() == 0

    # Participant B tries to reach A's work: near-miss codes, A's lesson without a code, the dashboard.
    for address in (
        f"/voila/render/03_capacity_model.ipynb?learner={other_code(a_code)}",
        f"/voila/render/00_welcome.ipynb?learner={other_code(a_code)}&cohort={join_code}",
    ):
        b_page.goto(course_server.url + address)
        b_page.get_by_text("No work is saved under the code").wait_for()
        assert b_page.locator("input[type=radio]:checked").count() == 0
        assert "Asha" not in b_page.locator("body").inner_text()
    b_page.goto(f"{course_server.url}/voila/render/00_welcome.ipynb?learner={b_code}")
    b_page.get_by_text("You are in the cohort").wait_for()
    b_page.get_by_text("See your work exactly as your tutor will see it").click()
    seen = b_page.locator("body").inner_text()
    assert "Ben" in seen and "Asha" not in seen
    no_tutor_functions(b_page)
    for query in ("", f"?key={other_code(tutor_key)}", f"?key={join_code}", f"?learner={b_code}"):
        b_page.goto(f"{course_server.url}{DASHBOARD}{query}")
        b_page.get_by_role("button", name="Open the cohort").wait_for()
        # The dashboard has finished with this visit: its last part is drawn and its status, which
        # says "Loading…" until it has decided what the visitor may see, is empty.
        expect(b_page.get_by_role("heading", name="Create a cohort")).to_be_visible()
        expect(b_page.locator(".course-save-status")).to_have_text("")
        if "key=" in query:
            b_page.get_by_text("That tutor key was not recognised").wait_for()
        expect(
            b_page.get_by_text(re.compile("Asha|Ben|Progress of each participant"))
        ).to_have_count(0)
        text = b_page.locator("body").inner_text()
        assert (
            "Asha" not in text and "Ben" not in text and "Progress of each participant" not in text
        )
