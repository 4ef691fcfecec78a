"""Injection sweep in Chromium: markup, template syntax and a right-to-left override entered in
every kind of free-text field stay text on every page, in the drawing and on the dashboard.

One journey, one fresh learner and cohort. A payload goes in through the real page for each kind
of field: a cohort name (the tutor's dashboard), a CSV upload (a refused cell, then every text cell
of both files), a school typed with the keyboard (name, phase, locality), a display name (joining
the cohort), a reflection typed key by key, a learner code in the address and in the resume box,
a lead chosen from the lists, a challenge note and an action of the plan. Every other payload ×
field pair is saved through the model functions and store calls the widgets use
(``tests/injection.py``): for the same learner, for more members of the cohort, for more cohorts.
Then every page is opened in Chromium: lessons 00–08 with the learner's code, the dashboard, each
other cohort's dashboard, the personal report and the cohort report (downloaded, then opened).

On every page and in every frame: no dialog opens (``new_context`` fails the test on any), no
element a payload would make exists (``img[src=x]``, handlers, ``javascript:`` links,
``title="x"``, scripts that call ``alert``), every iframe is sandboxed without
``allow-same-origin``, a drawing in a frame hands vis-network the school names as data (lesson
04's map editor, in the page, is counted; its data is checked in-process), and each payload
reads literally (``{{7*7}}`` never as 49; the override character itself is in the text).
The in-process half is tests/unit/test_injection_render.py.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.helpers import OPERATOR_KEY, settled_text
from tests.injection import (
    KEYS,
    PAYLOADS,
    UI_COHORT,
    UI_DISPLAY,
    UI_NOTE,
    UI_REFLECTION,
    Learner,
    cohort_name,
    display_names,
    drawing_items,
    extra_cohorts,
    journal_answer,
    keyboard_school,
    keys_shown,
    learning_answers,
    links_csv,
    note_text,
    own_example,
    plan_actions,
    schools_csv,
    seed_members,
    seed_merge,
    seed_work,
    seeded_leads,
    ui_lead,
)
from widgets_lib import challenges, identity, leadership, lessons, perspectives, reflections
from widgets_lib.network import Network
from widgets_lib.record import load_network
from widgets_lib.store import Store

pytestmark = pytest.mark.browser

ALL = set(KEYS)
DASHBOARD = "/voila/render/tutor/dashboard.ipynb"
SAVED = "✓ All changes saved"

# Run in every frame: what a payload would have made, the frames' sandboxes, text and field values.
PROBE = """() => {
  const n = s => document.querySelectorAll(s).length;
  const scripts = Array.from(document.scripts);
  return {
    made: {
      'img[src=x]': n('img[src="x"]'), '[onerror]': n('[onerror]'), '[onload]': n('[onload]'),
      'a[href^=javascript:]': n('a[href^="javascript:" i]'),
      '[href^=javascript:]': n('[href^="javascript:" i]'),
      '[title=x]': n('[title="x"]'),
      'a "click"': Array.from(document.querySelectorAll('a'))
        .filter(a => a.textContent === 'click').length,
    },
    inline: scripts.filter(s => !s.src).map(s => s.text),
    sources: scripts.filter(s => s.src).map(s => s.getAttribute('src')),
    sandboxes: Array.from(document.querySelectorAll('iframe')).map(f => f.getAttribute('sandbox')),
    text: document.body ? document.body.innerText : '',
    values: Array.from(document.querySelectorAll('textarea, input, option')).map(e => e.value),
  };
}"""
SHOWN = """([texts, values]) => {
  const text = document.body.innerText;
  const held = Array.from(document.querySelectorAll('textarea, input, option'))
    .map(e => e.value).join('\\n');
  return texts.every(t => text.includes(t)) && values.every(v => held.includes(v));
}"""


@dataclass
class Sweep:
    """What went in (field, how, text) and what was checked, for the counts the test prints."""

    entered: list[tuple[str, str, str]] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    began: float = field(default_factory=time.monotonic)
    frames: int = 0
    drawings: int = 0

    def enter(self, what: str, how: str, text: str) -> None:
        self.entered.append((what, how, text))

    def pairs(self, how: str | None = None) -> int:
        """Distinct payload × field pairs (``how``: "ui", "seeded" or both); a text holding
        several payloads tries each of them."""
        return len(
            {
                (what, key)
                for what, way, text in self.entered
                if how in (None, way)
                for key in keys_shown(PAYLOADS, text)
            }
        )

    def entries(self, how: str) -> int:
        return sum(1 for _what, way, _text in self.entered if way == how)

    def fields(self, how: str) -> int:
        return len({what for what, way, _text in self.entered if way == how})


def texts_of(keys: set[str]) -> list[str]:
    return [PAYLOADS[key] for key in sorted(keys)]


def check_page(
    page,
    sweep: Sweep,
    where: str,
    html: set[str] = frozenset(),
    values: set[str] = frozenset(),
    names: list[str] | None = None,
) -> None:
    """Wait until the payloads ``html`` read in the page's text and ``values`` sit in its fields,
    then check every frame: nothing a payload would make, every iframe sandboxed without
    same-origin access, and the drawing (when there is one) giving vis-network exactly ``names``
    as labels."""
    try:
        page.wait_for_function(
            SHOWN, arg=[texts_of(set(html)), texts_of(set(values))], timeout=120_000
        )
    except PlaywrightTimeout:
        state = page.evaluate(PROBE)
        missing = (
            set(html) - keys_shown(PAYLOADS, state["text"]),
            set(values) - keys_shown(PAYLOADS, "\n".join(state["values"])),
        )
        raise AssertionError(
            f"{where}: payloads not shown literally (text, fields): {missing}"
        ) from None
    page.wait_for_function("() => !document.querySelector('.course-status-saving')", timeout=90_000)
    settled_text(page.locator("body"), quiet_s=1.5, timeout_s=90)
    drawings = 0
    for frame in page.frames:
        state = frame.evaluate(PROBE)
        label = f"{where} ({'main page' if frame == page.main_frame else frame.url})"
        made = {selector: count for selector, count in state["made"].items() if count}
        assert not made, f"{label}: elements a payload would make: {made}"
        for sandbox in state["sandboxes"]:
            assert sandbox is not None and "allow-same-origin" not in sandbox.split(), (
                f"{label}: iframe {sandbox!r}"
            )
        editor = frame.locator(".course-map-canvas canvas")
        if names and frame == page.main_frame and editor.count():
            # Lesson 04's map editor draws in the page (an empty network too), from the kernel's
            # data: labels and tooltips are text (tests/unit/test_injection_render.py checks it).
            drawings += 1
            assert frame.locator(".course-map-fallback").is_hidden(), f"{label}: not drawn"
        data = [script for script in state["inline"] if "vis.DataSet" in script]
        if frame == page.main_frame or not data:
            assert not [s for s in state["inline"] if "alert(" in s], (
                f"{label}: a script calls alert"
            )
        else:  # the course's drawing: the vis-network file and one script whose data is JSON text
            drawings += 1
            assert len(data) == 1 and len(state["inline"]) == 1, (
                f"{label}: scripts {state['inline']}"
            )
            assert [s.rsplit("/", 1)[-1] for s in state["sources"]] == ["vis-network.min.js"], (
                state["sources"]
            )
            nodes, _edges = drawing_items(data[0])
            assert names is not None and [node["label"] for node in nodes] == names, (
                f"{label}: labels"
            )
            for key in KEYS:
                if re.search(r"[<>\"']", PAYLOADS[key]):
                    assert PAYLOADS[key] not in data[0], f"{label}: {key} raw in the script"
        sweep.frames += 1
    assert drawings == (1 if names is not None else 0), f"{where}: {drawings} drawings"
    sweep.drawings += drawings
    sweep.pages.append(f"{where} (checked at {time.monotonic() - sweep.began:.0f} s)")


def lesson_url(server, lesson_id: str, code: str | None = None) -> str:
    query = f"?learner={code}" if code else ""
    return f"{server.url}/voila/render/{lessons.by_id(lesson_id).file}{query}"


def open_lesson(page, server, lesson_id: str, code: str) -> None:
    page.goto(lesson_url(server, lesson_id, code))
    page.locator(".course-code-inline", has_text=code).wait_for(timeout=120_000)


def wait_saved(page, part) -> None:
    """The activity says every change is saved, and keeps saying it (a later keystroke may be on
    its way)."""
    status = part.locator(".course-save-status")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        text = status.inner_text()
        assert "✗" not in text, f"not saved: {text!r}"
        if SAVED in text and SAVED in settled_text(status, quiet_s=2.0, timeout_s=90):
            return
        time.sleep(0.2)
    raise AssertionError(f"not saved: {status.inner_text()!r}")


def activity(page, inner):
    found = page.locator(".course-activity", has=inner)
    found.wait_for(timeout=120_000)
    return found


def upload(page, *paths: Path) -> None:
    with page.expect_file_chooser() as chooser:
        page.locator(".widget-upload").click()
    chooser.value.set_files([str(p) for p in paths])


def type_into(page, label: str, text: str) -> None:
    """Key by key, as a person types; Tab leaves the field (sent on leaving, it gets its value)."""
    box = page.get_by_label(label, exact=True)
    box.and_(page.locator(":not([disabled])")).wait_for(timeout=60_000)
    box.focus()
    page.keyboard.type(text)
    assert box.input_value() == text
    page.keyboard.press("Tab")


def download(page, link_name: str, folder: Path) -> str:
    link = page.get_by_role("link", name=link_name)
    link.wait_for(timeout=120_000)
    with page.expect_download(timeout=120_000) as started:
        link.click()
    path = folder / started.value.suggested_filename
    started.value.save_as(path)
    return path.read_text(encoding="utf-8")


@pytest.mark.timeout(1200)
def test_payloads_in_every_field_stay_text_on_every_page(new_context, course_server, tmp_path):
    began = time.monotonic()
    sweep = Sweep()
    store = Store(f"sqlite:///{course_server.log_path.parent / 'course.db'}")
    try:
        run_sweep(new_context, course_server, tmp_path, store, sweep)
    finally:
        store.dispose()
    seconds = time.monotonic() - began
    print(
        f"\ninjection sweep: {len(PAYLOADS)} payloads; through the pages "
        f"{sweep.pairs('ui')} payload × field pairs ({sweep.entries('ui')} entries in "
        f"{sweep.fields('ui')} fields); seeded {sweep.pairs('seeded')} pairs "
        f"({sweep.entries('seeded')} entries in {sweep.fields('seeded')} fields); "
        f"{sweep.pairs()} distinct pairs in all; {len(sweep.pages)} pages and {sweep.frames} "
        f"frames checked ({sweep.drawings} drawings) "
        f"in {seconds:.0f} s:\n  " + "\n  ".join(sweep.pages)
    )
    assert new_context.dialogs == []


def run_sweep(new_context, server, folder: Path, store: Store, sweep: Sweep) -> None:
    learner, network = draw_network(new_context().new_page(), server, folder, store, sweep)
    tutor, join_code = create_cohort(new_context().new_page(), server, sweep)
    members, others = seed(store, learner, network, join_code, sweep)

    # Lessons with nothing to enter are opened at once in their own tabs (each takes its lesson's
    # pre-heated kernel): they render while the journey goes on, and are checked at the end.
    waiting = {}
    for lesson_id in ("03", "05", "07"):
        waiting[lesson_id] = tab = new_context().new_page()
        tab.goto(lesson_url(server, lesson_id, learner.code), wait_until="commit")

    page = new_context().new_page()
    join_cohort(page, server, learner, join_code, sweep)
    type_reflection(page, server, learner, store, sweep)
    mark_lead(page, server, learner, network, sweep)
    plan_and_report(page, server, learner, store, folder, new_context, sweep)
    code_in_the_address(page, server, learner, sweep)
    dashboard(tutor, members, folder, new_context, sweep)

    waiting["03"].locator(".course-reading h4").first.wait_for(timeout=120_000)
    check_page(waiting["03"], sweep, "lesson 03")
    what_if(waiting["05"])
    check_page(waiting["05"], sweep, "lesson 05", html=ALL, values=ALL)
    check_page(waiting["07"], sweep, "lesson 07", values=journal_keys("07"))

    # The other cohorts' dashboards, in the tutor's tab: by now the dashboard's pool has refilled.
    for keys, _join, tutor_key in others:
        where = f"dashboard of the cohort named {' '.join(keys)}"
        tutor.goto(f"{server.url}{DASHBOARD}?key={tutor_key}")
        tutor.get_by_text("Progress of each participant").wait_for(timeout=120_000)
        assert cohort_name(PAYLOADS, keys) in tutor.locator("h2").all_inner_texts()
        check_page(tutor, sweep, where, html=set(keys))


def what_if(page) -> None:
    """Lesson 05: "what if the school whose name combines every payload left?" """
    button = page.get_by_role("button", name="Show what would change", exact=True)
    button.and_(page.locator(":not([disabled])")).wait_for(timeout=120_000)
    page.get_by_label("What if this school left?", exact=True).select_option(value=PAYLOADS["all"])
    button.click()
    page.locator(".course-reading h4", has_text="What if").wait_for(timeout=120_000)


def draw_network(page, server, folder: Path, store: Store, sweep: Sweep) -> tuple[Learner, Network]:
    """Lesson 04: a refused file, then both files with a payload in every text cell, then a school
    typed with the keyboard."""
    page.goto(lesson_url(server, "04"))
    page.get_by_role("button", name="Start the course (get a new code)").click()
    code = page.locator(".course-code").inner_text(timeout=120_000).strip()
    learner = Learner(code, identity.code_key(code))
    drawing = activity(page, page.get_by_role("button", name="Add school", exact=True))
    drawing.locator(
        ".course-save-status", has_text="Your network is saved after every change."
    ).wait_for(timeout=120_000)
    (folder / "bad").mkdir()
    (folder / "bad" / "schools.csv").write_bytes(schools_csv(PAYLOADS, bad_kind=PAYLOADS["svg"]))
    (folder / "bad" / "links.csv").write_bytes(links_csv(PAYLOADS))
    sweep.enter("CSV cell the course refuses (kind)", "ui", PAYLOADS["svg"])
    upload(page, folder / "bad" / "schools.csv", folder / "bad" / "links.csv")
    page.get_by_role("button", name="Import the chosen files", exact=True).click()
    warning = page.locator(".course-warning", has_text="is not a kind of partner")
    warning.wait_for(timeout=120_000)
    assert f'"{PAYLOADS["svg"]}" is not a kind of partner' in warning.inner_text()
    check_page(page, sweep, "lesson 04: a refused file", html={"svg"})

    (folder / "schools.csv").write_bytes(schools_csv(PAYLOADS))
    (folder / "links.csv").write_bytes(links_csv(PAYLOADS))
    upload(page, folder / "schools.csv", folder / "links.csv")
    page.get_by_role("button", name="Import the chosen files", exact=True).click()
    page.get_by_text(re.compile(r"\b7 members\b")).first.wait_for(timeout=120_000)
    imported = load_network(store, learner.id)
    for school in imported.schools:
        for what, text in (
            ("name", school.name),
            ("phase", school.phase),
            ("locality", school.locality),
            *school.extra,
        ):
            sweep.enter(f"CSV schools: {what}", "ui", text)
    for link in imported.links:
        for what, text in link.extra:
            sweep.enter(f"CSV links: {what}", "ui", text)

    typed = keyboard_school(PAYLOADS)
    type_into(page, "School name", typed.name)
    type_into(page, "Phase (optional)", typed.phase)
    type_into(page, "Locality (optional)", typed.locality)
    page.get_by_role("button", name="Add school", exact=True).click()
    page.get_by_text(re.compile(r"\b8 members\b")).first.wait_for(timeout=120_000)
    wait_saved(page, drawing)
    network = load_network(store, learner.id)
    saved = network.school(typed.name)
    # Saved with a place on the drawing (widgets_lib.layout gives every new school one).
    assert replace(saved, x=None, y=None) == typed and saved.x is not None, saved
    for what, text in (("name", typed.name), ("phase", typed.phase), ("locality", typed.locality)):
        sweep.enter(f"school typed: {what}", "ui", text)
    check_page(page, sweep, "lesson 04", html=ALL, values=ALL, names=network.names)
    page.close()
    return learner, network


def create_cohort(tutor, server, sweep: Sweep) -> tuple[object, str]:
    """The tutor makes a cohort whose name is a payload; the page stays open for the dashboard."""
    tutor.goto(server.url + DASHBOARD)
    tutor.get_by_label("Name of the new cohort").fill(cohort_name(PAYLOADS, UI_COHORT))
    sweep.enter("cohort name", "ui", cohort_name(PAYLOADS, UI_COHORT))
    tutor.get_by_label("Operator key").fill(OPERATOR_KEY)
    tutor.get_by_role("button", name="Create a cohort").click()
    tutor.locator("input.course-key").wait_for(timeout=120_000)
    check_page(tutor, sweep, "dashboard: cohort created", html=set(UI_COHORT))
    assert cohort_name(PAYLOADS, UI_COHORT) in tutor.locator(".course-code-box").inner_text()
    join_code = tutor.locator(".course-code-box .course-code").inner_text().strip()
    tutor.get_by_role("button", name="I have written the key down").click()
    tutor.get_by_text("Progress of each participant").wait_for(timeout=120_000)
    return tutor, join_code


def seed(
    store: Store, learner: Learner, network: Network, join_code: str, sweep: Sweep
) -> tuple[list[Learner], list[tuple[list[str], str, str]]]:
    """Every other payload × field, saved as the widgets save it: the learner's work in every
    lesson, more members of the cohort (names, networks, shared reflections), a merge, more
    cohorts."""
    seed_work(store, learner, PAYLOADS, ui_done=True)
    for i, question in enumerate(reflections.questions()):
        if question.id != UI_REFLECTION:
            sweep.enter("reflection / journal answer", "seeded", journal_answer(PAYLOADS, i))
    for i, challenge in enumerate(challenges.load()[1]):
        if challenge.id != UI_NOTE:
            sweep.enter("challenge note", "seeded", note_text(PAYLOADS, i))
    for action in plan_actions(PAYLOADS)[:-1]:
        sweep.enter("plan: what", "seeded", action.what)
        sweep.enter("plan: who", "seeded", action.who)
    for key, text in learning_answers(PAYLOADS).items():
        sweep.enter(f"plan: {key}", "seeded", text)
    for lesson_id in perspectives.SORTERS:
        sweep.enter(f"sorter's own example (lesson {lesson_id})", "seeded", own_example(PAYLOADS))
    for lead in seeded_leads(network):
        sweep.enter("lead: member", "seeded", lead.school)
    members = seed_members(store, join_code, PAYLOADS)
    for member in members:
        membership = store.membership(member.id)
        assert membership is not None
        sweep.enter("display name", "seeded", membership.display_name)
        for school in load_network(store, member.id).schools:
            sweep.enter("member's school name", "seeded", school.name)
            sweep.enter("member's locality", "seeded", school.locality)
        sweep.enter(
            "member's shared reflection",
            "seeded",
            store.load(member.id, reflections.ACTIVITY)["r01a"],
        )
    membership = store.membership(members[0].id)
    assert membership is not None
    for spelling in seed_merge(store, membership.cohort_id, PAYLOADS):
        sweep.enter("tutor's merge of two spellings", "seeded", spelling)
    others = extra_cohorts(store, PAYLOADS)
    for keys, _join, _key in others:
        sweep.enter("cohort name", "seeded", cohort_name(PAYLOADS, keys))
    return members, others


def join_cohort(page, server, learner: Learner, join_code: str, sweep: Sweep) -> None:
    """Lesson 00: join with a payload as the name the tutor sees; the preview of the tutor card."""
    open_lesson(page, server, "00", learner.code)
    join = page.get_by_role("button", name="Join this cohort", exact=True)
    join.and_(page.locator(":not([disabled])")).wait_for(timeout=120_000)
    page.get_by_label("Share my reflection journal with my tutor").check()
    page.get_by_label("Cohort join code from your tutor").fill(join_code)
    page.get_by_label("Your name as your tutor will see it").fill(PAYLOADS[UI_DISPLAY])
    sweep.enter("display name", "ui", PAYLOADS[UI_DISPLAY])
    join.click()
    page.get_by_text("You are in the cohort").wait_for(timeout=120_000)
    page.get_by_text("See your work exactly as your tutor will see it").click()
    joined = page.get_by_text("You are in the cohort").inner_text()
    assert cohort_name(PAYLOADS, UI_COHORT) in joined and PAYLOADS[UI_DISPLAY] in joined
    check_page(page, sweep, "lesson 00", html=ALL)


def type_reflection(page, server, learner: Learner, store: Store, sweep: Sweep) -> None:
    """Lesson 01: the payload combining all, typed key by key into a reflection."""
    open_lesson(page, server, "01", learner.code)
    first = page.get_by_label(f"1. {reflections.questions('01')[0].prompt}", exact=True)
    reflection = activity(page, first)
    reflection.locator(".course-save-status", has_text="saved as you type").wait_for(
        timeout=120_000
    )
    first.focus()
    page.keyboard.type(journal_answer(PAYLOADS, 0))
    sweep.enter("reflection / journal answer", "ui", journal_answer(PAYLOADS, 0))
    wait_saved(page, reflection)
    wait_until(
        lambda: store.load(learner.id, reflections.ACTIVITY).get(UI_REFLECTION),
        journal_answer(PAYLOADS, 0),
    )
    check_page(page, sweep, "lesson 01", values=journal_keys("01"))


def mark_lead(page, server, learner: Learner, network: Network, sweep: Sweep) -> None:
    """Lesson 06: a lead on the school whose name combines every payload, chosen from the lists."""
    open_lesson(page, server, "06", learner.code)
    member = page.get_by_label("Member who leads it", exact=True)
    leads = activity(page, member)
    leads.locator(".course-save-status", has_text="saved as you add or remove").wait_for(
        timeout=120_000
    )
    lead = ui_lead(PAYLOADS)
    page.get_by_label("Shared activity", exact=True).select_option(
        value=leadership.activities()[lead.activity].name
    )
    member.select_option(value=lead.school)
    page.get_by_label("Their role", exact=True).select_option(
        value=leadership.roles()[lead.role].name
    )
    sweep.enter("lead: member", "ui", lead.school)
    page.get_by_role("button", name="Add this lead", exact=True).click()
    leads.get_by_text(f"You marked {len(network.schools) + 1} leads").wait_for(timeout=120_000)
    wait_saved(page, leads)
    check_page(page, sweep, "lesson 06", html=ALL, values=ALL | journal_keys("06"))


def plan_and_report(
    page, server, learner: Learner, store: Store, folder: Path, new_context, sweep: Sweep
) -> None:
    """Lesson 08: a challenge note and an action through the form; the report downloaded, opened."""
    open_lesson(page, server, "08", learner.code)
    note = page.get_by_label(f"Your note on {UI_NOTE} (optional)", exact=True)
    notes = activity(page, note)
    notes.locator(".course-save-status", has_text="saved as you choose").wait_for(timeout=120_000)
    note.fill(note_text(PAYLOADS, 0))
    sweep.enter("challenge note", "ui", note_text(PAYLOADS, 0))
    wait_saved(page, notes)
    what = page.get_by_label("What will be done", exact=True)
    plan = activity(page, what)
    action = plan_actions(PAYLOADS)[-1]
    what.fill(action.what)
    page.get_by_label("Who will lead it", exact=True).fill(action.who)
    page.get_by_label("By when", exact=True).fill(action.by)
    page.get_by_label("Which challenge it meets", exact=True).select_option(value="Culture")
    sweep.enter("plan: what", "ui", action.what)
    sweep.enter("plan: who", "ui", action.who)
    page.get_by_role("button", name="Add to the plan", exact=True).click()
    plan.locator("table.course-table tr").nth(len(plan_actions(PAYLOADS))).wait_for(timeout=120_000)
    wait_saved(page, plan)
    assert len(store.load(learner.id, "plan")["actions"]) == len(plan_actions(PAYLOADS))
    check_page(page, sweep, "lesson 08", html=ALL, values=ALL)
    page.get_by_role("button", name="Prepare my report", exact=True).click()
    report = download(page, "Download my report (HTML)", folder)
    reader = new_context().new_page()
    reader.set_content(report)
    check_page(reader, sweep, "personal report", html=ALL)


def code_in_the_address(page, server, learner: Learner, sweep: Sweep) -> None:
    """Lesson 02: a payload as the learner code in the address, then in the resume box, then the
    code."""
    page.goto(lesson_url(server, "02") + "?learner=" + quote(PAYLOADS["all"], safe=""))
    page.get_by_text("does not look right").wait_for(timeout=120_000)
    sweep.enter("learner code in the address", "ui", PAYLOADS["all"])
    check_page(page, sweep, "lesson 02: a payload as the code in the address")
    box = page.get_by_label("Your learner code", exact=True)
    for key in KEYS:  # each answer differs (the length it counts), so each typed code arrived
        box.fill(PAYLOADS[key])
        box.press("Enter")
        page.locator(
            ".course-warning", has_text=code_refusal(PAYLOADS[key]), has_not_text="address"
        ).wait_for(timeout=120_000)
        sweep.enter("learner code in the resume box", "ui", PAYLOADS[key])
    box.fill(learner.code)
    box.press("Enter")
    page.locator(".course-code-inline", has_text=learner.code).wait_for(timeout=120_000)
    check_page(page, sweep, "lesson 02", html=ALL, values=ALL)  # the sorter's own example


def code_refusal(text: str) -> str:
    """What the page answers to ``text`` typed as a learner code."""
    try:
        identity.normalise_code(text)
    except identity.CodeError as exc:
        return str(exc)
    raise AssertionError(f"{text!r} was taken as a code")


def wait_until(read, expected, timeout_s: float = 60.0) -> None:
    """Poll the store until ``read()`` gives ``expected`` (the last keystrokes may still be on
    their way when the page first says "saved")."""
    deadline = time.monotonic() + timeout_s
    while (found := read()) != expected:
        assert time.monotonic() < deadline, f"saved {found!r}, not {expected!r}"
        time.sleep(0.5)


def dashboard(tutor, members: list[Learner], folder: Path, new_context, sweep: Sweep) -> None:
    """The tutor's page refreshed: every participant, one card, the cohort report downloaded and
    opened."""
    tutor.get_by_role("button", name="Refresh", exact=True).click()
    tutor.get_by_text(f"{len(members) + 1} participants").wait_for(timeout=120_000)
    tutor.get_by_label("Participant", exact=True).select_option(value=PAYLOADS[UI_DISPLAY])
    tutor.locator(".course-card h4", has_text=PAYLOADS[UI_DISPLAY]).first.wait_for(timeout=120_000)
    check_page(
        tutor, sweep, "dashboard", html=ALL | set(display_names()), values=set(display_names())
    )
    tutor.get_by_role("button", name="Prepare the exports", exact=True).click()
    report = download(tutor, "cohort report (HTML)", folder)
    reader = new_context().new_page()
    reader.set_content(report)
    check_page(reader, sweep, "cohort report", html=ALL)
    assert f"Cohort report: {cohort_name(PAYLOADS, UI_COHORT)}" in reader.locator("h1").inner_text()


def journal_keys(lesson_id: str) -> set[str]:
    return {
        k
        for i, q in enumerate(reflections.questions())
        if q.lesson == lesson_id
        for k in keys_shown(PAYLOADS, journal_answer(PAYLOADS, i))
    }
