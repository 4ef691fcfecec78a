"""Every page of the course, opened in Chromium and brought to a known state; shared by the
accessibility and offline tests (and the learner and cohort they need).

Work is seeded through the lessons' own views, driven headlessly in this process against the
server's database (typing 27 + 20 answers in the browser would be slow); every page is then
shown in Chromium exactly as the learner or tutor would see it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.helpers import LESSON_FILES, REPO, CourseServer
from widgets_lib import cohorts
from widgets_lib.examples import load_example
from widgets_lib.record import NETWORK_ACTIVITY, NETWORK_KEY, network_to_value
from widgets_lib.store import Store
from widgets_lib.views.lesson import Lesson

DASHBOARD = "tutor/dashboard.ipynb"
EXAMPLE = "meaningful_brambleford"
TIMEOUT_MS = 120_000  # only when to give up on a busy machine, never a measurement
START = "Start the course (get a new code)"


# -- seeding ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Learner:
    code: str
    id: str


@dataclass(frozen=True)
class Seeded:
    learner: Learner
    tutor_key: str


def _open(store: Store, lesson_id: str, activities: list[tuple[str, ...]], code: str | None):
    lesson = Lesson(lesson_id, store=store, show=False)
    views = [lesson.activity(*names, show=False) for names in activities]
    lesson.finish(query_string=f"learner={code}" if code else "", show=False)
    return lesson, views


def _answer_all(view, pick: int = 1) -> None:
    """Choose an option in every radio group of a view, as a learner clicking through would."""
    for i, radio in enumerate(view.radios.values()):
        options = [value for _label, value in radio.options]
        radio.value = options[(pick + i) % len(options)]


def seed_learner(url: str) -> Learner:
    """A new learner who has done every activity of lessons 03 to 08 (through the views)."""
    store = Store(url)
    try:
        lesson, _ = _open(store, "04", [], None)
        lesson.identity.start_button.click()
        learner = lesson.learner
        assert learner is not None and learner.code
        code = learner.code
        network, _answers = load_example(EXAMPLE)
        store.save(learner.id, NETWORK_ACTIVITY, NETWORK_KEY, network_to_value(network))

        _lesson, (capacity,) = _open(store, "03", [("capacity",)], code)
        _answer_all(capacity)
        assert not capacity.retake.disabled, "the capacity self-assessment did not complete"

        _lesson, (health, _diagnosis) = _open(store, "05", [("health",), ("diagnosis",)], code)
        _answer_all(health, pick=2)

        _lesson, (sorter, reflection6, leads) = _open(
            store,
            "06",
            [("sorter", "distributed_leadership"), ("reflection",), ("who_leads",)],
            code,
        )
        _answer_all(sorter)
        for activity, member, role in (
            ("enquiry", network.names[0], "teacher"),
            ("forum", network.names[1], "assistant"),
        ):
            leads.activity.value, leads.member.value, leads.role.value = activity, member, role
            leads.add.click()
        assert len(leads.leads) == 2, leads.status.value

        _lesson, (choice, reflection7) = _open(
            store, "07", [("choice", "metaphors"), ("reflection",)], code
        )
        _answer_all(choice)

        _lesson, (challenges, plan, reflection8) = _open(
            store, "08", [("challenges",), ("plan",), ("reflection",)], code
        )
        _answer_all(challenges)
        plan.what.value, plan.who.value, plan.by.value = (
            "A termly forum led by teachers",
            "Ana",
            date(2027, 4, 2),
        )
        plan.add.click()
        assert len(plan.actions) == 1, plan.status.value
        for view in (reflection6, reflection7, reflection8):
            for box in view.boxes.values():
                box.value = "Teaching assistants lead the phonics group across two schools."
        return Learner(code, learner.id)
    finally:
        store.dispose()


def seed_cohort(url: str, learners: list[Learner]) -> str:
    """A cohort the learners have joined; returns its tutor key."""
    store = Store(url)
    try:
        cohort, join_code, tutor_key = cohorts.create(store, "Thursday group")
        for i, learner in enumerate(learners):
            cohorts.join(store, learner.id, join_code, f"Participant {i + 1}", True)
        assert len(store.members(cohort.id)) == len(learners)
        return tutor_key
    finally:
        store.dispose()


def seed(server: CourseServer) -> Seeded:
    """Two learners with work in every lesson, in one cohort (sharing their reflections)."""
    url = server.db_url
    learners = [seed_learner(url), seed_learner(url)]
    return Seeded(learners[0], seed_cohort(url, learners))


# -- the pages ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Spec:
    """One page in one state: a lesson before anyone has started or with a learner's work, the
    tutor's dashboard before and after opening a cohort, the home page, a missing page, an error."""

    kind: str  # lesson | dashboard | home | missing | error
    notebook: str = ""
    with_work: bool = False

    @property
    def id(self) -> str:
        if self.kind == "lesson":
            return f"{self.notebook[:2]}-{'with-work' if self.with_work else 'before-start'}"
        if self.kind == "dashboard":
            return f"dashboard-{'with-cohort' if self.with_work else 'before-key'}"
        return self.kind


PAGES = (
    [Spec("lesson", nb) for nb in LESSON_FILES]
    + [Spec("lesson", nb, True) for nb in LESSON_FILES]
    + [
        Spec("dashboard"),
        Spec("dashboard", DASHBOARD, True),
        Spec("home"),
        Spec("missing"),
        Spec("error"),
    ]
)


def activity_count(notebook: str) -> int:
    """How many activities the notebook puts on its page (read from the notebook itself)."""
    cells = json.loads((REPO / "course" / notebook).read_text(encoding="utf-8"))["cells"]
    return sum(
        len(re.findall(r"lesson\.activity\(", "".join(c["source"])))
        for c in cells
        if c["cell_type"] == "code"
    )


# The page's own outputs (not those inside an Output widget): each must hold a drawn widget.
# ipywidgets writes "Loading widget..." into an output until its view is drawn, and
# "Error displaying widget" if it never can be.
OUTPUTS_JS = """() => Array.from(document.querySelectorAll('.jp-OutputArea-output'))
    .filter(o => !o.parentElement.closest('.widget-output, .jp-OutputArea-output'))
    .map(o => ({widget: !!o.querySelector('.jupyter-widgets:not(.jp-RenderedText)'),
                text: o.textContent.slice(0, 200)}))"""
PLACEHOLDERS = ("Loading widget", "Error displaying widget")


def goto(page, url: str):
    """Open a page. Voila sends a lesson while its cells run, so the browser's "load" comes only
    at the end: wait for the page to start arriving, and let the waits for its content decide."""
    return page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)


def wait_rendered(page) -> None:
    """Voila has run every cell and shown the page, and every widget on it has been drawn (or
    failed to be: the checks that follow say which). A page that never finishes says how far it
    came, so a failure in CI can be told apart: no cell (the kernel never started its page), or
    stuck after cell N (that cell's code, or the visitor's request never reaching the kernel)."""
    try:
        page.wait_for_selector("main#rendered_cells", state="visible", timeout=TIMEOUT_MS)
    except PlaywrightTimeoutError:
        came = page.evaluate(
            "() => { const cells = document.querySelectorAll('[cell-index]');"
            " return {cells: cells.length, last: cells.length ?"
            " cells[cells.length - 1].getAttribute('cell-index') : null,"
            " bytes: document.documentElement.outerHTML.length}; }"
        )
        raise AssertionError(
            f"{page.url} never finished in {TIMEOUT_MS / 1000:.0f} s: {came['cells']} cells "
            f"arrived (the last: cell {came['last']}), {came['bytes']} characters of page"
        ) from None
    page.wait_for_function(
        f"() => {{ const outs = ({OUTPUTS_JS})();"
        " return !document.querySelector('#loading') && outs.length > 0"
        " && outs.every(o => !/Loading widget/.test(o.text) && (o.widget || o.text.trim())); }",
        timeout=TIMEOUT_MS,
    )


def wait_signed_in(page) -> None:
    """The learner's work is on the page: the progress line appears once they are known."""
    page.locator(".course-progress", has_text="You have completed").first.wait_for(
        timeout=TIMEOUT_MS
    )
    page.wait_for_function(
        "() => !document.querySelector('.course-status-saving')", timeout=TIMEOUT_MS
    )


def show(page, server: CourseServer, spec: Spec, seeded: Seeded) -> None:
    """Open ``spec``'s page and bring it to the state to check, as a visitor would."""
    code = seeded.learner.code
    if spec.kind == "lesson":
        query = f"?learner={code}" if spec.with_work else ""
        goto(page, f"{server.url}/voila/render/{spec.notebook}{query}")
        wait_rendered(page)
        if not spec.with_work:
            page.get_by_role("button", name=START, exact=True).wait_for(timeout=TIMEOUT_MS)
            return
        wait_signed_in(page)
        _lesson_results(page, spec.notebook)
    elif spec.kind == "dashboard":
        query = f"?key={seeded.tutor_key}" if spec.with_work else ""
        goto(page, f"{server.url}/voila/render/{DASHBOARD}{query}")
        wait_rendered(page)
        if not spec.with_work:
            page.get_by_role("button", name="Open the cohort", exact=True).wait_for(
                timeout=TIMEOUT_MS
            )
            return
        page.get_by_text("Progress of each participant").first.wait_for(timeout=TIMEOUT_MS)
        page.get_by_label("Participant", exact=True).select_option(label="Participant 1")
        page.locator(".course-card", has_text="Participant 1").first.wait_for(timeout=TIMEOUT_MS)
    elif spec.kind == "home":
        goto(page, f"{server.url}/?learner={code}")
        page.wait_for_url(
            re.compile(rf"/voila/render/00_welcome\.ipynb\?learner={code}$"), timeout=TIMEOUT_MS
        )
        wait_rendered(page)
        wait_signed_in(page)
    elif spec.kind == "missing":
        response = goto(page, f"{server.url}/voila/render/no_such_lesson.ipynb")
        assert response is not None and response.status == 404
        page.get_by_role("heading", name="This page does not exist").wait_for(timeout=TIMEOUT_MS)
    elif spec.kind == "error":
        # A form sent to a lesson without the server's token is refused (403): the error page.
        target = f"{server.url}/voila/render/00_welcome.ipynb"
        page.route(target, lambda route: route.continue_(method="POST"))
        response = goto(page, target)
        assert response is not None and response.status == 403
        page.get_by_role("heading", name="Something went wrong").wait_for(timeout=TIMEOUT_MS)
    else:  # pragma: no cover - a typo in PAGES
        raise ValueError(spec.kind)


def _lesson_results(page, notebook: str) -> None:
    """Wait for what the learner's work reveals on each lesson (and reveal what needs a press)."""
    lesson_id = notebook[:2]
    if lesson_id == "00":
        page.get_by_text("See your work exactly as your tutor will see it").click()
        page.locator("details[open] .course-card").wait_for(timeout=TIMEOUT_MS)
    elif lesson_id == "03":
        page.locator(".course-result svg[role=img]").nth(1).wait_for(timeout=TIMEOUT_MS)
        page.locator(".course-result table").first.wait_for(timeout=TIMEOUT_MS)
    elif lesson_id == "04":
        page.locator(".course-activity table.course-table:visible").first.wait_for(
            timeout=TIMEOUT_MS
        )
        page.locator(".course-map-canvas canvas").wait_for(timeout=TIMEOUT_MS)  # the map editor
    elif lesson_id == "05":
        page.locator(".course-reading h4", has_text="Diagnosis").wait_for(timeout=TIMEOUT_MS)
    elif lesson_id == "06":
        page.locator("caption", has_text="Every lead you marked").wait_for(timeout=TIMEOUT_MS)
    elif lesson_id == "08":
        page.get_by_role("button", name="Prepare my report", exact=True).click()
        page.get_by_role("link", name="Download my report (HTML)", exact=True).wait_for(
            timeout=TIMEOUT_MS
        )


def download_report(page, server: CourseServer, seeded: Seeded, folder: Path) -> Path:
    """The learner's personal report, prepared and downloaded from lesson 08 as they would."""
    show(page, server, Spec("lesson", "08_next_steps.ipynb", True), seeded)
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        page.get_by_role("link", name="Download my report (HTML)", exact=True).click()
    path = folder / download.value.suggested_filename
    download.value.save_as(path)
    return path
