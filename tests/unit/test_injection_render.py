"""Injection sweep, in-process: every function that writes HTML, and every page's widgets, given a
learner and a cohort whose every free-text field holds the payloads of ``tests/injection.py``.

Each piece of HTML is parsed as a browser would (``html.parser``; an iframe's ``srcdoc`` as its own
document): no element, handler, ``javascript:`` URL or attribute may come from a payload, and each
payload must read literally in the text. The same work written in plain words must give the same
kinds of elements and attributes, so anything a payload added shows up as a difference. The
Chromium half is ``tests/reliability/test_injection.py``.
"""

from __future__ import annotations

import ast
import base64
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pytest

from tests.injection import (
    BENIGN,
    KEYS,
    PAYLOADS,
    RTL,
    UI_COHORT,
    UI_DISPLAY,
    Learner,
    Parsed,
    assert_inert,
    cohort_name,
    cohort_names,
    display_names,
    drawing_items,
    hostile_network,
    journal_answer,
    keys_shown,
    links_csv,
    new_learner,
    note_text,
    plain,
    plan_actions,
    problems,
    schools_csv,
    seed_members,
    seed_merge,
    seed_work,
)
from widgets_lib import classify, cohort_network, cohorts, leadership, reflections
from widgets_lib.cohorts import CohortError
from widgets_lib.html.charts import bars_svg
from widgets_lib.html.cohort_report import (
    capacity_html,
    cohort_report,
    diagnoses_html,
    merged_html,
    participant_card_html,
    progress_html,
    reflections_html,
)
from widgets_lib.html.diagnosis import diagnosis_html
from widgets_lib.html.drawing import iframe, legend_html, network_page
from widgets_lib.html.journal import journal_html
from widgets_lib.html.leadership import spread_html
from widgets_lib.html.network_svg import network_svg
from widgets_lib.html.network_tables import summary_html, tables_html
from widgets_lib.html.plan import plan_table
from widgets_lib.html.report import build_report
from widgets_lib.network import Network
from widgets_lib.record import load_record
from widgets_lib.store import Store
from widgets_lib.views import map_editor
from widgets_lib.views.dashboard import Dashboard
from widgets_lib.views.lesson import Lesson
from widgets_lib.views.map_editor import MapEditor
from widgets_lib.views.network import NetworkView

COURSE = Path(__file__).resolve().parents[2] / "course"
ALL = set(KEYS)
MADE = datetime(2027, 2, 1, 9, 30, tzinfo=timezone.utc)


@dataclass
class World:
    """One learner's work and their cohort, all written with ``texts``."""

    texts: Mapping[str, str]
    store: Store
    learner: Learner
    network: Network
    cohort_id: str
    tutor_key: str

    def views(self) -> list[cohorts.ParticipantSummary]:
        return cohorts.cohort_views(self.store, self.cohort_id)

    def merged(self) -> cohort_network.Merged:
        views = self.views()
        return cohort_network.merge(
            [
                cohort_network.Contribution(f"{v.name} ({i + 1})", v.network)
                for i, v in enumerate(views)
                if v.network.schools
            ],
            self.store.merges(self.cohort_id),
        )


def build_world(path: Path, texts: Mapping[str, str]) -> World:
    store = Store(f"sqlite:///{path}/course.db")
    network = hostile_network(texts)
    learner = new_learner(store)
    seed_work(store, learner, texts, network)
    cohort, join_code, tutor_key = cohorts.create(store, cohort_name(texts, UI_COHORT))
    cohorts.join(store, learner.id, join_code, texts[UI_DISPLAY], share_reflections=True)
    seed_members(store, join_code, texts)
    seed_merge(store, cohort.id, texts)
    return World(texts, store, learner, network, cohort.id, tutor_key)


@pytest.fixture(scope="module")
def worlds(tmp_path_factory):
    made = {
        name: build_world(tmp_path_factory.mktemp(name), texts)
        for name, texts in (("hostile", PAYLOADS), ("benign", BENIGN))
    }
    yield made
    for world in made.values():
        world.store.dispose()


@pytest.fixture(autouse=True)
def no_hub(monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)


# -- every function that writes HTML -------------------------------------------------------------
def _leads(world: World) -> list[leadership.Lead]:
    record = load_record(world.store, world.learner.id)
    leads, dropped = leadership.leads_from_value(
        record.activity(leadership.ACTIVITY).get(leadership.KEY), world.network
    )
    assert dropped == 0 and len(leads) == len(world.network.schools) + 1
    return leads


def _me(world: World) -> cohorts.ParticipantSummary:
    return next(v for v in world.views() if v.name == world.texts[UI_DISPLAY])


def _svg(world: World) -> str:
    t = world.texts
    return network_svg(
        world.network,
        marks={name: t["all"] for name in world.network.names},
        title=t["all"],
        mark_meaning=t["href"],
        unconfirmed=[(world.network.names[0], world.network.names[1])],
        unconfirmed_meaning=t["breakout"],
    )


RENDERERS: dict[str, Callable[[World], str]] = {
    "network_svg": _svg,
    "drawing iframe and legend": lambda w: (
        iframe(network_page(w.network), title=w.texts["all"]) + legend_html(w.network)
    ),
    "network tables and summary": lambda w: tables_html(w.network) + summary_html(w.network),
    "bars_svg": lambda w: bars_svg(
        [(w.texts[k], i, w.texts[k]) for i, k in enumerate(KEYS)],
        title=w.texts["all"],
        maximum=len(KEYS),
    ),
    "who leads (spread_html)": lambda w: spread_html(w.network, _leads(w)),
    "plan_table": lambda w: plan_table(plan_actions(w.texts)),
    "journal_html": lambda w: journal_html(
        {q.id: journal_answer(w.texts, i) for i, q in enumerate(reflections.questions())}
    ),
    "diagnosis_html": lambda w: diagnosis_html(classify.diagnose(w.network), w.texts["all"]),
    "participant_card_html": lambda w: participant_card_html(_me(w)),
    "dashboard progress_html": lambda w: progress_html(w.views()),
    "dashboard capacity_html": lambda w: capacity_html(w.views()),
    "dashboard diagnoses_html": lambda w: diagnoses_html(w.views()),
    "dashboard merged_html": lambda w: merged_html(w.merged()),
    "dashboard reflections_html": lambda w: reflections_html(w.views()),
    "cohort_report": lambda w: cohort_report(
        w.store.cohort(w.cohort_id), w.views(), w.merged(), MADE
    ),
    "personal report": lambda w: build_report(
        load_record(w.store, w.learner.id), MADE, who=w.texts["all"]
    ),
}
# Which payloads each must show as text (pictures show text without bidi controls, see plain()).
SVG_TEXT = {"network_svg"}
EXPECTED: dict[str, set[str]] = {
    "network_svg": ALL,
    "drawing iframe and legend": set(),
    "network tables and summary": ALL,
    "bars_svg": ALL,
    "who leads (spread_html)": ALL,
    "plan_table": ALL,
    "journal_html": ALL,
    "diagnosis_html": {"all"},
    "participant_card_html": ALL,
    "dashboard progress_html": set(display_names()),
    "dashboard capacity_html": {
        k for i, k in enumerate(display_names()) if i % 2 == 0 or k == UI_DISPLAY
    },
    "dashboard diagnoses_html": set(),
    "dashboard merged_html": ALL,
    "dashboard reflections_html": ALL,
    "cohort_report": ALL,
    "personal report": ALL,
}


@pytest.mark.parametrize("name", RENDERERS)
def test_each_payload_is_text_in_every_rendered_piece(worlds, name):
    hostile, benign = (RENDERERS[name](worlds[w]) for w in ("hostile", "benign"))
    parsed = assert_inert(hostile, name)
    added = Parsed(hostile).shape() - Parsed(benign).shape()
    assert not added, f"{name}: elements or attributes only the payloads made: {sorted(added)}"
    texts = {k: plain(v) for k, v in PAYLOADS.items()} if name in SVG_TEXT else PAYLOADS
    shown = keys_shown(texts, parsed.text)
    assert EXPECTED[name] <= shown, f"{name}: not shown literally: {sorted(EXPECTED[name] - shown)}"


def test_the_map_editor_gives_vis_every_name_as_data(worlds):
    """Lesson 04's map editor: the kernel sends names as plain strings (labels, and the first line
    of each tooltip, which its script shows as a text node); nothing is HTML."""
    world = worlds["hostile"]
    editor = MapEditor()
    editor.show(world.network)
    assert [node["label"] for node in editor.nodes] == world.network.names
    assert [node["title"].split("\n")[0] for node in editor.nodes] == world.network.names
    script = (Path(map_editor.__file__).parent / "map_editor.js").read_text(encoding="utf-8")
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script
    assert "div.textContent = copy.title" in script


def test_the_drawing_gives_vis_every_name_as_data_in_a_sandboxed_frame(worlds):
    world = worlds["hostile"]
    html = iframe(network_page(world.network))
    outer = assert_inert(html, "drawing")
    frame = [attrs for tag, attrs in outer.elements if tag == "iframe"]
    assert len(frame) == 1 and frame[0]["sandbox"] == "allow-scripts"
    inner = outer.frames()[0]
    assert [tag for tag, _ in inner.elements if tag in ("img", "svg", "a")] == []
    script = next(s for s in inner.scripts if "vis.DataSet" in s)
    for key in KEYS:
        if "<" in PAYLOADS[key] or '"' in PAYLOADS[key]:
            assert PAYLOADS[key] not in script  # only as JSON with \u003c and \"
    nodes, edges = drawing_items(script)
    assert [node["label"] for node in nodes] == world.network.names
    titles = "\n".join(node["title"] for node in nodes)
    for school in world.network.schools:
        assert school.name in titles and school.phase in titles and school.locality in titles
    assert len(edges) == len(world.network.links)
    assert all(
        link.source in edge["title"] for link, edge in zip(world.network.links, edges, strict=True)
    )
    assert "{{7*7}}" in [node["label"] for node in nodes]  # data, never a template expression


def test_the_static_picture_strips_bidi_controls_but_keeps_the_words(worlds):
    picture = Parsed(_svg(worlds["hostile"]))
    assert RTL not in picture.text
    assert "gnp.exe" in picture.text


# -- names the course refuses --------------------------------------------------------------------
@pytest.mark.parametrize("key", [k for k in KEYS if k not in display_names()])
def test_names_with_bidi_controls_or_too_long_are_refused_for_cohorts_and_participants(
    tmp_path, key
):
    store = Store(f"sqlite:///{tmp_path}/course.db")
    try:
        if key not in cohort_names():
            with pytest.raises(CohortError):
                cohorts.create(store, PAYLOADS[key])
        _cohort, join_code, _key = cohorts.create(store, "Thursday group")
        learner = new_learner(store)
        with pytest.raises(CohortError):
            cohorts.join(store, learner.id, join_code, PAYLOADS[key], False)
        assert store.membership(learner.id) is None
    finally:
        store.dispose()


# -- every page, built as its notebook builds it ---------------------------------------------------
def notebook_activities(notebook: Path) -> list[tuple[str, ...]]:
    """The ``lesson.activity(...)`` calls of a lesson notebook, in order."""
    calls = []
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "code":
            continue
        for node in ast.walk(ast.parse("".join(cell["source"]))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "activity"
            ):
                calls.append(tuple(arg.value for arg in node.args))  # type: ignore[attr-defined]
    return calls


@dataclass
class Page:
    html: list[str]
    values: list[str]

    def check(self, where: str) -> None:
        found = [
            problem
            for i, html in enumerate(self.html)
            for problem in problems(html, f"{where} #{i}")
        ]
        assert not found, "\n".join(found)

    @property
    def text(self) -> str:
        return "\n".join(Parsed(html).text for html in self.html)


def page_of(*roots: widgets.Widget) -> Page:
    """Every HTML value, text box value and list label reachable from ``roots``."""
    page = Page([], [])
    seen: set[int] = set()

    def visit(widget: Any) -> None:
        if id(widget) in seen:
            return
        seen.add(id(widget))
        if isinstance(widget, (widgets.HTML, widgets.HTMLMath)):
            page.html.append(widget.value)
        if isinstance(widget, (widgets.Text, widgets.Textarea)):
            page.values.append(widget.value)
        if hasattr(widget, "_options_labels"):
            page.values.extend(widget._options_labels)
        if getattr(widget, "description_allow_html", False):
            page.html.append(widget.description)
        for child in getattr(widget, "children", ()):
            visit(child)

    for root in roots:
        visit(root)
    return page


def downloaded(html: str, mime: str = "text/html") -> list[str]:
    """The files a page offers as data: links (download_link), decoded."""
    return [
        base64.b64decode(data).decode("utf-8")
        for data in re.findall(
            rf'href="data:{re.escape(mime)}[^",]*;base64,([A-Za-z0-9+/=]+)"', html
        )
    ]


def lesson_page(world: World, lesson_id: str) -> tuple[Lesson, Page]:
    notebook = next(COURSE.glob(f"{lesson_id}_*.ipynb"))
    lesson = Lesson(lesson_id, store=world.store, show=False)
    for args in notebook_activities(notebook):
        lesson.activity(*args, show=False)
    lesson.finish(query_string=f"learner={world.learner.code}", show=False)
    assert lesson.learner is not None and lesson.learner.id == world.learner.id
    for view in lesson.views:  # what the learner can open with a button: downloads, report, what-if
        for name in ("prepare", "what_if_button"):
            button = getattr(view, name, None)
            if isinstance(button, widgets.Button):
                if name == "what_if_button":
                    view.remove.value = world.texts["all"]
                button.click()
    return lesson, page_of(lesson.header, *lesson.views, lesson.nav_bottom)


def journal_keys(lesson_id: str | None = None) -> set[str]:
    return {
        k
        for i, q in enumerate(reflections.questions())
        if lesson_id in (None, q.lesson)
        for k in keys_shown(PAYLOADS, journal_answer(PAYLOADS, i))
    }


NOTE_KEYS = {k for i in range(3) for k in keys_shown(PAYLOADS, note_text(PAYLOADS, i))}
# Payloads each page shows: (as HTML text, as values of text boxes and labels of lists).
PAGES: dict[str, tuple[set[str], set[str]]] = {
    "00": (ALL, set()),
    "01": (set(), journal_keys("01")),
    "02": (ALL, ALL),  # the sorter's own example
    "03": (set(), set()),
    "04": (ALL, ALL),
    "05": (ALL, ALL),
    "06": (ALL, ALL | journal_keys("06")),
    "07": (set(), journal_keys("07")),
    "08": (ALL, NOTE_KEYS | journal_keys()),
}


@pytest.mark.parametrize("lesson_id", PAGES)
def test_every_lesson_page_shows_the_payloads_as_text(worlds, lesson_id):
    pages = {name: lesson_page(worlds[name], lesson_id)[1] for name in ("hostile", "benign")}
    page = pages["hostile"]
    page.check(f"lesson {lesson_id}")
    added = set().union(*(Parsed(h).shape() for h in page.html)) - set().union(
        *(Parsed(h).shape() for h in pages["benign"].html)
    )
    assert not added, f"lesson {lesson_id}: only the payloads made {sorted(added)}"
    html_expected, values_expected = PAGES[lesson_id]
    shown = keys_shown(PAYLOADS, page.text)
    assert html_expected <= shown, f"lesson {lesson_id}: not shown: {sorted(html_expected - shown)}"
    values = keys_shown(PAYLOADS, "\n".join(page.values))
    assert values_expected <= values, (
        f"lesson {lesson_id}: not in the fields: {sorted(values_expected - values)}"
    )
    for html in page.html:
        for report in downloaded(html):
            parsed = assert_inert(report, f"lesson {lesson_id} download")
            assert keys_shown(PAYLOADS, parsed.text) == ALL


def test_the_dashboard_shows_every_participant_and_export_as_text(worlds):
    world = worlds["hostile"]
    page = Dashboard(store=world.store, show=False)
    page.finish(f"key={world.tutor_key}")
    assert page.cohort is not None and page.cohort.id == world.cohort_id
    cards = []
    for index in range(len(page.views)):
        page.participant.value = index
        cards.append(page.card.value)
    page.export_button.click()
    content = page_of(page)
    content.html += cards
    content.check("dashboard")
    shown = keys_shown(PAYLOADS, content.text)
    assert ALL <= shown, sorted(ALL - shown)
    assert cohort_name(PAYLOADS, UI_COHORT) in Parsed(page.header_html.value).text
    labels = keys_shown(PAYLOADS, "\n".join(content.values))
    assert set(display_names()) <= labels  # the participant list
    assert page.unmerge.options and PAYLOADS["script"] in page.unmerge.options[0][0]
    reports = downloaded(page.exports.value)
    assert len(reports) == 1
    assert keys_shown(PAYLOADS, assert_inert(reports[0], "cohort report").text) == ALL


# -- messages that quote what a learner typed ---------------------------------------------------
@pytest.mark.parametrize("key", KEYS)
def test_a_code_that_is_not_a_code_is_answered_in_text(tmp_path, key):
    store = Store(f"sqlite:///{tmp_path}/course.db")
    try:
        lesson = Lesson("02", store=store, show=False)
        lesson.activity("perspectives", show=False)
        lesson.identify("learner=" + PAYLOADS[key])
        assert lesson.learner is None
        assert "does not look right" in Parsed(lesson.identity.message.value).text
        lesson.identity.code_box.value = PAYLOADS[key]
        page = page_of(lesson.header, *lesson.views)
        page.check(f"resume with {key}")
        assert lesson.learner is None and "learner code" in page.text
    finally:
        store.dispose()


@pytest.mark.parametrize("key", KEYS)
def test_a_file_whose_cell_is_markup_is_refused_in_words(tmp_path, key):
    store = Store(f"sqlite:///{tmp_path}/course.db")
    try:
        learner = new_learner(store)
        lesson = Lesson("04", store=store, show=False)
        view: NetworkView = lesson.activity("network", show=False)
        lesson.finish(query_string=f"learner={learner.code}", show=False)
        view.upload.value = (
            {
                "name": "schools.csv",
                "type": "text/csv",
                "size": 0,
                "content": memoryview(schools_csv(PAYLOADS, bad_kind=PAYLOADS[key])),
                "last_modified": MADE,
            },
            {
                "name": "links.csv",
                "type": "text/csv",
                "size": 0,
                "content": memoryview(links_csv(PAYLOADS)),
                "last_modified": MADE,
            },
        )
        view.import_button.click()
        message = assert_inert(view.message.value, "import message").text
        assert "is not a kind of partner" in message
        assert " ".join(PAYLOADS[key].split())[:60] in message
        assert view.network.schools == ()
    finally:
        store.dispose()


@pytest.mark.parametrize("key", KEYS)
def test_refusals_that_quote_a_school_or_a_cohort_show_it_as_text(tmp_path, key):
    """Messages that quote a name: a school already there, a lead marked twice, a closed cohort."""
    store = Store(f"sqlite:///{tmp_path}/course.db")
    try:
        learner = new_learner(store)
        network = hostile_network(PAYLOADS)
        seed_work(store, learner, PAYLOADS, network)
        lesson = Lesson("04", store=store, show=False)
        drawing: NetworkView = lesson.activity("network", show=False)
        lesson.finish(query_string=f"learner={learner.code}", show=False)
        drawing.name.value = PAYLOADS[key].upper()
        drawing.add_school.click()
        message = assert_inert(drawing.message.value, "add school").text
        assert f"already a school called “{PAYLOADS[key]}”" in message

        lesson = Lesson("06", store=store, show=False)
        leads = lesson.activity("who_leads", show=False)
        lesson.finish(query_string=f"learner={learner.code}", show=False)
        lead = next(
            lead for lead in _saved_leads(store, learner, network) if lead.school == PAYLOADS[key]
        )
        leads.activity.value, leads.member.value, leads.role.value = (
            lead.activity,
            lead.school,
            lead.role,
        )
        leads.add.click()
        status = assert_inert(leads.status.value, "add lead").text
        assert "is already marked" in status and PAYLOADS[key] in status

        if key in cohort_names():
            cohort, join_code, _tutor_key = cohorts.create(store, PAYLOADS[key])
            store.close_cohort(cohort.id)
            lesson = Lesson("00", store=store, show=False)
            joining = lesson.activity("cohort", show=False)
            lesson.finish(query_string=f"learner={learner.code}", show=False)
            joining.code.value, joining.name.value = join_code, "Asha"
            joining.join.click()
            status = assert_inert(joining.status.value, "join a closed cohort").text
            assert f"The cohort {PAYLOADS[key]} is closed" in status
            assert store.membership(learner.id) is None
    finally:
        store.dispose()


def _saved_leads(store: Store, learner: Learner, network: Network) -> list[leadership.Lead]:
    saved = store.load(learner.id, leadership.ACTIVITY).get(leadership.KEY)
    return leadership.leads_from_value(saved, network)[0]


@pytest.mark.parametrize("key", KEYS)
def test_a_code_of_the_right_length_quotes_its_wrong_characters_as_text(tmp_path, key):
    store = Store(f"sqlite:///{tmp_path}/course.db")
    try:
        lesson = Lesson("01", store=store, show=False)
        lesson.activity("reflection", show=False)
        lesson.identify("")
        typed = "".join(PAYLOADS[key].split()).ljust(12, "A")[:12]
        lesson.identity.code_box.value = typed
        message = assert_inert(lesson.identity.message.value, "resume").text
        assert lesson.learner is None and "never contains" in message
        wrong = sorted({ch for ch in typed.upper() if ch not in "346789ABCDEFGHJKMNPQRTUVWXY-_ "})
        assert repr(wrong[0]) in message
    finally:
        store.dispose()


@pytest.mark.parametrize("key", cohort_names())
def test_a_new_cohort_named_with_markup_is_announced_as_text(tmp_path, monkeypatch, key):
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.setenv("COURSE_OPERATOR_KEY", "operator-key-of-the-injection-tests")
    store = Store(f"sqlite:///{tmp_path}/course.db")
    try:
        page = Dashboard(store=store, show=False)
        page.finish("")
        page.new_name.value = PAYLOADS[key]
        page.operator_key.value = "operator-key-of-the-injection-tests"
        page.create_button.click()
        page_of(page).check(f"cohort {key} created, its tutor key on the page")
        assert f"Cohort {PAYLOADS[key]} created." in Parsed(page.created.value).text
        page.written_button.click()  # "I have written the key down": the dashboard opens
        assert page.cohort is not None and page.cohort.name == PAYLOADS[key]
        content = page_of(page)
        content.check(f"cohort {key} created")
        assert f"Cohort {PAYLOADS[key]} created." in Parsed(page.created.value).text
        assert PAYLOADS[key] in Parsed(page.header_html.value).text
    finally:
        store.dispose()


@pytest.mark.parametrize("key", KEYS)
def test_a_hub_login_name_is_shown_as_text(tmp_path, key):
    """Under JupyterHub the login name is shown on every page and named in the report."""
    store = Store(f"sqlite:///{tmp_path}/course.db")
    try:
        lesson = Lesson("08", store=store, show=False)
        report = lesson.activity("report", show=False)
        lesson.identify("", hub_user=PAYLOADS[key])
        assert lesson.learner is not None
        report.prepare.click()
        page = page_of(lesson.header, *lesson.views)
        page.check(f"hub user {key}")
        assert f"Signed in as {PAYLOADS[key]}." in page.text
        (made,) = downloaded(report.link.value)
        assert f"Prepared for {PAYLOADS[key]} on" in assert_inert(made, "report").text
    finally:
        store.dispose()
