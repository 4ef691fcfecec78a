"""Lessons 04 and 06–08 in real Chromium, then the downloaded report opened offline.

A participant starts from an invented example network, sorts, reflects and marks who leads
(06), chooses metaphors (07), weighs the three challenges and writes a plan (08) with text
that looks like markup, edits an earlier answer in the journal, downloads the report and
opens it from disk with no network: everything they wrote is there, as text.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.helpers import checked_indexes, settled_text
from widgets_lib import reflections

pytestmark = pytest.mark.browser

NOTE = "Our schools are far apart <img src=x onerror=alert(1)> and we rarely meet."
PLAN = 'Start a cross-school enquiry group "><svg onload=alert(1)> on reading'
PLAN_WHO = "Deputy head at Lindford Junior"
PLAN_DATE = "2027-03-01"
# Two members of the first invented example network, "Ashcombe Schools Partnership".
EXAMPLE_MEMBERS = ("Ashcombe Primary", "Lindford Junior")
OLD_ANSWER = "Teaching assistants lead the phonics group; the head gave them time on Fridays."
NEW_ANSWER = "Edited in the journal: two class teachers now lead the termly forum, not the head."
SAVED = "✓ All changes saved"
CHOOSE = "Your answers are saved as you choose them."
TYPE = "Your answers are saved as you type."


def question(lesson_id: str, number: int) -> str:
    return reflections.questions(lesson_id)[number - 1].prompt


# -- waiting for the page ------------------------------------------------------------------
def activity(page, inner, loaded: str) -> object:
    """The activity (one `.course-activity`) holding ``inner``, once the learner's work is loaded.

    A view says ``loaded`` in its status only after it has enabled its controls and put the
    saved answers back, so nothing typed or chosen before can be overwritten or lost.
    """
    found = page.locator(".course-activity", has=inner)
    found.first.wait_for(timeout=120_000)
    assert found.count() == 1, f"{found.count()} activities hold {inner}"
    found.locator(".course-save-status", has_text=loaded).wait_for(timeout=120_000)
    return found


def radios_ready(page, part) -> None:
    """Every radio of the activity enabled and in its named group (course.js): Tab, arrows work."""
    page.wait_for_function(
        "a => { const r = Array.from(a.querySelectorAll('input[type=radio]'));"
        " return r.length > 0"
        " && r.every(x => !x.disabled && x.name.startsWith('course-radio-')); }",
        arg=part.element_handle(),
        timeout=60_000,
    )


def wait_saved(part, timeout_s: float = 90.0) -> None:
    """The activity's status says every change is saved, and keeps saying it for a while.

    The kernel answers each change in turn, so the status can read "saved" for an early
    keystroke while a later one is still on its way: wait until it has stayed saved.
    """
    status = part.locator(".course-save-status")
    saving = part.locator(".course-status-saving")
    deadline = time.monotonic() + timeout_s
    while True:
        left_ms = max(deadline - time.monotonic(), 0.0) * 1000 + 1
        try:  # the status says saved (or failed), and nothing of the activity is saving
            expect(status).to_contain_text(
                re.compile(f"{re.escape(SAVED)}|✗"), use_inner_text=True, timeout=left_ms
            )
            text = status.inner_text()
            if "✗" in text:
                raise AssertionError(f"a change was not saved: {text!r}")
            expect(saving).to_have_count(0, timeout=left_ms)
        except AssertionError as exc:
            if "a change was not saved" in str(exc):
                raise
            raise AssertionError(f"not saved in {timeout_s}s: {status.inner_text()!r}") from None
        if SAVED in settled_text(status, quiet_s=2.0, timeout_s=timeout_s) and saving.count() == 0:
            return
        if time.monotonic() >= deadline:
            raise AssertionError(f"not saved in {timeout_s}s: {status.inner_text()!r}")


def page_settled(page, quiet_ms: int = 1000) -> None:
    """Nothing on the page is saving, for a second on end, and nothing failed to save: safe to
    navigate away."""
    page.wait_for_function(
        """quiet => {
            const now = performance.now();
            if (document.querySelector('.course-status-saving') || window.__courseBusyAt === undefined) {
                window.__courseBusyAt = now;
            }
            return now - window.__courseBusyAt >= quiet;
        }""",
        arg=quiet_ms,
        polling=100,
        timeout=90_000,
    )
    failed = page.locator(".course-status-failed").all_inner_texts()
    assert failed == [], f"changes not saved: {failed}"


def open_lesson(page, server, lesson_file: str, code: str, ready: str) -> None:
    page.goto(f"{server.url}/voila/render/{lesson_file}?learner={code}")
    page.wait_for_selector(ready, timeout=120_000)


def write(page, box, text: str, keyboard: bool = False) -> None:
    """Write into an enabled text box: typed key by key, or filled in one go (as a paste)."""
    box.wait_for(timeout=60_000)
    box.and_(page.locator(":not([disabled])")).wait_for(timeout=60_000)
    if keyboard:
        box.focus()
        page.keyboard.type(text, delay=10)
    else:
        box.fill(text)
    assert box.input_value() == text


def choose_radio(page, group_name: str, option: str) -> None:
    """Choose an option in the radio group named ``group_name`` (course.js names the groups)."""
    group = page.get_by_role("radiogroup", name=group_name, exact=True)
    group.get_by_role("radio", name=option, exact=True).check()


def still_to_do(page) -> str:
    return settled_text(page.locator(".course-progress.course-hint"))


def progress_done(page) -> int:
    line = settled_text(page.locator(".course-progress", has_text="You have completed"))
    found = re.search(r"You have completed (\d+) of (\d+) lessons", line)
    assert found, line
    return int(found.group(1))


# -- the journey -------------------------------------------------------------------------
@pytest.mark.timeout(1500)  # a long journey over four lessons on a loaded 2-core machine
def test_from_example_network_to_the_report_opened_offline(
    new_context, course_server, browser, tmp_path
):
    context = new_context()
    page = context.new_page()

    # Lesson 04: start afresh and begin from the first invented example network.
    page.goto(f"{course_server.url}/voila/render/04_draw_your_network.ipynb")
    page.get_by_role("button", name="Start the course (get a new code)").click()
    code = page.locator(".course-code").inner_text(timeout=120_000).strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    start = page.get_by_role("button", name="Start from this example", exact=True)
    page.wait_for_selector(".course-activity button:not([disabled])", timeout=120_000)
    network = activity(page, start, "Your network is saved after every change.")
    start.click()
    page.locator(".course-table :is(td, th)", has_text=EXAMPLE_MEMBERS[0]).first.wait_for(
        timeout=60_000
    )
    wait_saved(network)
    # Lesson 04 ends with its reflection; the lesson is done once both questions are answered.
    first_04 = page.get_by_label(f"1. {question('04', 1)}", exact=True)
    reflection_04 = activity(page, first_04, TYPE)
    write(page, first_04, f"{EXAMPLE_MEMBERS[0]}: most links pass through it.")
    write(page, page.get_by_label(f"2. {question('04', 2)}", exact=True), "Bonded, for now.")
    wait_saved(reflection_04)
    page_settled(page)

    # Lesson 06: the sorter (keyboard), the reflections, who leads.
    open_lesson(
        page,
        course_server,
        "06_distributed_leadership.ipynb",
        code,
        ".course-activity input[type=radio]:not([disabled])",
    )
    sorter = activity(page, page.locator(".course-item"), CHOOSE)
    radios_ready(page, sorter)
    # Eight statements, then the learner's own example (sorted by them, not marked).
    statements = sorter.locator(".course-item").count() - 1
    assert statements == 8
    sorter.locator(".course-item input[type=radio]").first.focus()
    chosen = []
    for i in range(statements):
        page.keyboard.press("Space")
        if i % 2:
            page.keyboard.press("ArrowDown")
        chosen.append(i % 2)
        page.keyboard.press("Tab")
    page.get_by_text(
        re.compile(r"placed as the course reads the paper; every statement is placed")
    ).wait_for(timeout=60_000)
    wait_saved(sorter)
    assert checked_indexes(sorter) == [*chosen, -1]  # the own example is not sorted yet
    assert sorter.locator(".course-feedback").count() == statements

    first_06 = page.get_by_label(f"1. {question('06', 1)}", exact=True)
    reflection_06 = activity(page, first_06, TYPE)
    write(page, first_06, OLD_ANSWER, keyboard=True)
    write(
        page,
        page.get_by_label(f"2. {question('06', 2)}", exact=True),
        "Our 'distributed' plan is a list of delegated tasks; shared enquiry would change it.",
    )
    wait_saved(reflection_06)

    member = page.get_by_label("Member who leads it", exact=True)
    leads = activity(page, member, "Your leads are saved as you add or remove them.")
    page.wait_for_selector(".course-activity select:not([disabled])", timeout=60_000)
    marked = (
        ("Collaborative enquiry groups", EXAMPLE_MEMBERS[0], "Teacher"),
        ("Co-coaching", EXAMPLE_MEMBERS[1], "Teaching assistant or support staff"),
    )
    for shared, school, role in marked:
        page.get_by_label("Shared activity", exact=True).select_option(label=shared)
        member.select_option(label=school)
        page.get_by_label("Their role", exact=True).select_option(label=role)
        page.get_by_role("button", name="Add this lead", exact=True).click()
        leads.locator(".course-table :is(td, th)", has_text=school).first.wait_for(timeout=60_000)
    wait_saved(leads)
    spread = leads.locator(".course-reading", has_text="How widely leadership is spread")
    assert "You marked 2 leads on 2 shared activities" in settled_text(spread)
    caption = page.locator("caption", has_text="Every lead you marked")
    table = leads.locator("table.course-table", has=caption)
    rows = table.locator("tr").all_inner_texts()
    assert len(rows) == 3, rows  # the header and the two leads
    assert any(EXAMPLE_MEMBERS[0] in r and "Teacher" in r for r in rows), rows
    assert any(EXAMPLE_MEMBERS[1] in r and "Co-coaching" in r for r in rows), rows
    assert leads.locator("svg").count() >= 1
    assert progress_done(page) >= 2  # 04 (the example has links) and 06
    page_settled(page)

    # Lesson 07: both metaphor choices, then the reflections.
    open_lesson(
        page,
        course_server,
        "07_leading_for_spread.ipynb",
        code,
        ".course-activity input[type=radio]:not([disabled])",
    )
    choices = activity(page, page.locator(".course-item"), CHOOSE)
    radios_ready(page, choices)
    choose_radio(page, "Which of these comes closest to how you lead now?", "Headteacher as Leader")
    choose_radio(
        page,
        "Which would you most like to grow into over the next year?",
        "School Leader as Social Architect",
    )
    choices.locator(".course-feedback").wait_for(timeout=60_000)
    wait_saved(choices)
    first_07 = page.get_by_label(f"1. {question('07', 1)}", exact=True)
    reflection_07 = activity(page, first_07, TYPE)
    write(page, first_07, "Middle leaders who run strong departments but are never asked.")
    write(
        page,
        page.get_by_label(f"2. {question('07', 2)}", exact=True),
        "I would hand the forum agenda to the staff who run it; that needs the governors' trust.",
    )
    write(
        page,
        page.get_by_label(f"3. {question('07', 3)}", exact=True),
        "Care for every pupil is held tight; the sign-off on every trip could go.",
    )
    wait_saved(reflection_07)
    page_settled(page)

    # Lesson 08: ratings and a note, the plan, the reflections, the journal, the report.
    open_lesson(
        page,
        course_server,
        "08_next_steps.ipynb",
        code,
        ".course-activity input[type=radio]:not([disabled])",
    )
    note = page.get_by_label("Your note on distance (optional)", exact=True)
    challenges = activity(page, note, CHOOSE)
    radios_ready(page, challenges)
    ratings = (
        ("How much does distance hold back leadership across your network?", "Quite a lot"),
        ("How much does your network's culture hold back the sharing of leadership?", "A little"),
        (
            "How much do the structures of your schools hold back leadership across your network?",
            "A great deal",
        ),
    )
    for group, rating in ratings:
        choose_radio(page, group, rating)
    write(page, note, NOTE)
    wait_saved(challenges)
    assert checked_indexes(challenges) == [2, 1, 3]

    what = page.get_by_label("What will be done", exact=True)
    plan = activity(page, what, "Your plan is saved whenever you add, change or remove an action.")
    write(page, what, PLAN)
    write(page, page.get_by_label("Who will lead it", exact=True), PLAN_WHO)
    page.get_by_label("By when", exact=True).fill(PLAN_DATE)
    page.get_by_label("Which challenge it meets", exact=True).select_option(label="Culture")
    page.get_by_role("button", name="Add to the plan", exact=True).click()
    plan_row = plan.locator("table.course-table th[scope=row]").first
    plan_row.wait_for(timeout=60_000)
    wait_saved(plan)
    assert plan_row.inner_text() == PLAN
    assert "1 March 2027" in plan.locator("table.course-table").inner_text()
    assert PLAN_WHO in plan.locator("table.course-table").inner_text()

    first_08 = page.get_by_label(f"1. {question('08', 1)}", exact=True)
    reflection_08 = activity(page, first_08, TYPE)
    write(page, first_08, "Teachers from every member would lead the enquiry groups, not heads.")
    write(
        page,
        page.get_by_label(f"2. {question('08', 2)}", exact=True),
        "Culture: we defer to the heads. A rotating chair from the teachers might change it.",
    )
    wait_saved(reflection_08)

    # The journal shows the earlier lessons' answers; one is changed here.
    journal_06 = page.get_by_label(f"Lesson 06, question 1. {question('06', 1)}", exact=True)
    journal = activity(page, journal_06, TYPE)
    assert journal_06.input_value() == OLD_ANSWER
    journal_07 = page.get_by_label(f"Lesson 07, question 1. {question('07', 1)}", exact=True)
    assert journal_07.input_value().startswith("Middle leaders")
    write(page, journal_06, NEW_ANSWER)
    wait_saved(journal)

    # Nothing the participant wrote became markup on the lesson page.
    assert page.locator("img[src=x], svg[onload], [onerror], [onload]").count() == 0
    assert progress_done(page) >= 3  # 06, 07 and 08 at least (04 too)
    left = still_to_do(page)
    for lesson_id in ("04 ", "06 ", "07 ", "08 "):
        assert lesson_id not in left, left
    page_settled(page)

    prepare = page.get_by_role("button", name="Prepare my report", exact=True)
    activity(page, prepare, "Your report gathers what you have saved so far")
    prepare.click()
    link = page.get_by_role("link", name="Download my report (HTML)", exact=True)
    link.wait_for(timeout=120_000)
    with page.expect_download(timeout=120_000) as download:
        link.click()
    assert re.fullmatch(r"course-report-\d{4}-\d{2}-\d{2}\.html", download.value.suggested_filename)
    report = tmp_path / download.value.suggested_filename
    download.value.save_as(report)
    assert report.stat().st_size > 1000

    # Lesson 00 lists the finished lessons as done.
    page.goto(f"{course_server.url}/voila/render/00_welcome.ipynb?learner={code}")
    caption = page.locator("caption", has_text="The lessons and your progress")
    table = page.locator("table.course-table", has=caption)
    table.wait_for(timeout=120_000)
    table.locator("td", has_text="Done").first.wait_for(timeout=60_000)
    settled_text(table)
    status = {
        cells[0]: cells[-1]
        for cells in (row.locator("td").all_inner_texts() for row in table.locator("tr").all())
        if cells
    }
    for lesson_id in ("04", "06", "07", "08"):
        assert status.get(lesson_id) == "Done", status
    assert progress_done(page) >= 3
    context.close()

    # The report, opened from disk in a browser with no network at all.
    offline = browser.new_context(bypass_csp=True, offline=True)
    requests: list[str] = []
    dialogs: list[str] = []
    offline.on("request", lambda r: requests.append(r.url))
    try:
        reader = offline.new_page()
        reader.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        reader.goto(report.as_uri())
        reader.wait_for_load_state("load")
        # Everything the report shows is on the page (its last part, the lessons table, last of
        # all) before anything is checked absent: a stray handler would have had the whole load.
        heading = reader.get_by_role("heading", name="My network", exact=True)
        expect(heading).to_be_visible()
        lessons_table = reader.locator("table", has=reader.locator("caption", has_text="Lessons"))
        expect(lessons_table.locator("tr", has_text="08 ").first).to_contain_text("Done")
        text = reader.locator("body").inner_text()
        assert PLAN in text
        assert NOTE in text
        assert PLAN_WHO in text and "1 March 2027" in text
        assert EXAMPLE_MEMBERS[0] in text and EXAMPLE_MEMBERS[1] in text
        assert NEW_ANSWER in text and OLD_ANSWER not in text
        section = reader.locator("section", has=heading)
        assert section.count() == 1
        assert section.locator("svg").count() >= 1
        assert EXAMPLE_MEMBERS[0] in section.inner_text()
        for row in ("06 ", "07 ", "08 "):
            assert "Done" in lessons_table.locator("tr", has_text=row).first.inner_text()
        assert reader.locator("svg[onload], img[onerror], [onload], [onerror]").count() == 0
        assert reader.locator("img").count() == 0
        assert reader.locator("script").count() == 0
        assert dialogs == []
        assert requests == [report.as_uri()], requests
    finally:
        offline.close()
