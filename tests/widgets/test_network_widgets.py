"""Headless tests of lessons 04 and 05: forms, saving, restoring, import, diagnosis and what-if."""

from __future__ import annotations

import io
from datetime import datetime, timezone
from html import escape

from widgets_lib import network_io
from widgets_lib.classify import TYPE_NAMES
from widgets_lib.examples import example, load_example
from widgets_lib.layout import placed
from widgets_lib.network import Link, Network, School
from widgets_lib.record import network_from_value
from widgets_lib.views.lesson import Lesson
from widgets_lib.views.network import ACTIVITY, KEY

XSS = "<img src=x onerror=alert(1)>"


def open_page(store, lesson_id, activities, query=""):
    lesson = Lesson(lesson_id, store=store, show=False)
    views = [lesson.activity(name, show=False) for name in activities]
    lesson.finish(query_string=query, show=False)
    return lesson, views


def upload(name, content):
    """A file as the browser's upload widget hands it over."""
    return {
        "name": name,
        "type": "text/csv",
        "size": len(content),
        "content": memoryview(content),
        "last_modified": datetime.now(timezone.utc),
    }


def add_school(view, name, kind="school"):
    view.name.value = name
    view.kind.value = kind
    view.add_school.click()


def add_link(view, a, b, level=3):
    view.add_form.source.value = a
    view.add_form.target.value = b
    view.add_form.level.value = level
    view.add_link.click()


def alerts(view):
    return [f.message.value for f in view.feedbacks if 'role="alert"' in f.message.value]


def build_three(view):
    for name in ("Ash Primary", XSS, "Elm High"):
        add_school(view, name)
    add_link(view, "Ash Primary", XSS, 4)
    add_link(view, XSS, "Elm High", 2)


def test_build_save_restore_and_draw(store):
    lesson, (view,) = open_page(store, "04", ["network"])
    lesson.identity.start_button.click()
    build_three(view)
    assert not alerts(view)
    saved = network_from_value(store.load(lesson.learner.id, ACTIVITY)[KEY])
    assert saved.names == ["Ash Primary", XSS, "Elm High"] and len(saved.links) == 2
    assert len(store.history(lesson.learner.id, ACTIVITY, KEY)) == 5
    # The drawing (the map editor) gets names as data, drawn and tooltipped as text by its script;
    # the legend under it never holds a name.
    assert [node["label"] for node in view.editor.nodes] == ["Ash Primary", XSS, "Elm High"]
    assert view.editor.editable and len(view.editor.edges) == 2
    assert XSS not in view.drawing.value and "<iframe" not in view.drawing.value
    assert (
        XSS not in view.tables.value and "&lt;img src=x onerror=alert(1)&gt;" in view.tables.value
    )
    assert "3 members and 2 links" in view.summary.value
    view.prepare.click()
    assert "schools.csv" in view.downloads.value and "network.xlsx" in view.downloads.value
    assert store.load(lesson.learner.id, "progress")["04"]["status"] == "done"

    again, (view2,) = open_page(store, "04", ["network"], query=f"learner={lesson.learner.code}")
    assert view2.network == saved


def test_bad_edits_are_explained_and_nothing_is_lost(store):
    lesson, (view,) = open_page(store, "04", ["network"])
    lesson.identity.start_button.click()
    build_three(view)
    before = view.network
    add_school(view, "  ash   primary ")
    assert "already a school called" in view.message.value
    add_link(view, "Elm High", "Elm High")
    assert "two different schools" in view.message.value
    add_link(view, "Elm High", XSS)
    assert "already linked" in view.message.value
    add_school(view, "")
    assert "type the school" in view.message.value
    assert view.network == before


def test_rename_remove_and_undo(store):
    lesson, (view,) = open_page(store, "04", ["network"])
    lesson.identity.start_button.click()
    build_three(view)
    view.pick_school.value = "Ash Primary"
    view.new_name.value = "Ash Academy"
    view.save_school.click()
    assert "Ash Academy" in view.network.names
    assert view.network.links[0].source == "Ash Academy"
    view.pick_school.value = XSS
    view.remove_school.click()
    assert XSS not in view.network.names and view.network.links == ()
    view.undo.click()
    assert XSS in view.network.names and len(view.network.links) == 2
    view.pick_link.value = 0
    view.edit_form.level.value = 5
    view.save_link.click()
    assert view.network.links[0].level == 5


def test_import_csv_pair_and_bad_file_keeps_the_network(store):
    lesson, (view,) = open_page(store, "04", ["network"])
    lesson.identity.start_button.click()
    build_three(view)
    before = view.network
    bad = [
        upload("links.csv", b"from,to,level\nAsh,Nowhere,7\n"),
        upload("schools.csv", b"name\nAsh\n"),
    ]
    view.upload.value = bad
    view.import_button.click()
    assert "links.csv" in view.message.value and "row 2" in view.message.value
    assert view.network == before
    schools, links = network_io.to_csv(before)
    view.upload.value = [upload("schools.csv", schools), upload("links.csv", links)]
    view.import_button.click()
    view.import_feedback.replace.click()
    assert not alerts(view)
    assert view.network == before


def test_examples_load(store):
    lesson, (view,) = open_page(store, "04", ["network"])
    lesson.identity.start_button.click()
    assert len(view.example.options) >= 6
    assert all(
        "invented" in title.lower() or "fictional" in title.lower()
        for title, _ in view.example.options
    )
    view.example.value = view.example.options[0][1]
    view.load_example.click()
    assert len(view.network.schools) >= 3


def test_big_network_is_tabled_not_drawn(store):
    lesson, (view,) = open_page(store, "04", ["network"])
    lesson.identity.start_button.click()
    schools = tuple(School(f"School {i}") for i in range(1200))
    links = tuple(Link(f"School {i}", f"School {i + 1}", level=2) for i in range(1199))
    view._commit(Network(schools=schools, links=links))
    assert view.editor.nodes == [] and view.editor.layout.display == "none"
    assert not view.editor.editable
    assert "more than a drawing can show" in view.drawing.value
    assert "Showing the first 200 of 1,200 schools" in view.tables.value


def test_lesson_05_diagnoses_the_saved_network_and_what_if(store):
    lesson, (view,) = open_page(store, "04", ["network"])
    lesson.identity.start_button.click()
    build_three(view)
    code = lesson.learner.code
    lesson5, (health_view, diagnosis) = open_page(
        store, "05", ["health", "diagnosis"], query=f"learner={code}"
    )
    assert "Diagnosis" in diagnosis.result.value
    for radio in health_view.radios.values():
        radio.value = 4
    assert store.load(lesson5.learner.id, "health")
    assert "Why" in diagnosis.result.value
    assert "&lt;img" in diagnosis.result.value or XSS not in diagnosis.result.value
    diagnosis.remove.value = XSS
    diagnosis.what_if_button.click()
    assert "What if" in diagnosis.what_if_result.value
    assert store.load(lesson5.learner.id, "progress")["05"]["status"] == "done"


def test_lesson_05_without_a_network_says_where_to_draw_one(store):
    lesson, (health_view, diagnosis) = open_page(store, "05", ["health", "diagnosis"])
    lesson.identity.start_button.click()
    assert "Lesson 04" in diagnosis.result.value


# -- lesson 04's forms: each answers under its own buttons, starts clean, asks before replacing --------
def shown(feedback):
    """The words a form's message shows, and its role ("status", "alert" or None)."""
    value = feedback.message.value
    role = "alert" if 'role="alert"' in value else "status" if 'role="status"' in value else None
    return value, role


def speaking(view):
    """The forms whose message is not empty."""
    return [f for f in view.feedbacks if f.message.value]


def asks(feedback):
    return feedback.answers.layout.display != "none"


def test_each_action_answers_under_its_own_form_with_the_save_state_beside_it(store):
    lesson, (view,) = open_page(store, "04", ["network"])
    lesson.identity.start_button.click()

    def check(feedback, words, role):
        value, got = shown(feedback)
        assert words in value and got == role, (value, role)
        assert speaking(view) == [feedback], "the old message is cleared when a new action starts"
        assert view.status in feedback.children and view.message is feedback.message
        assert view.status not in view.top.children
        assert sum(view.status in f.children for f in view.feedbacks) == 1, (
            "one save state, shown once"
        )

    add_school(view, "")
    check(view.school_feedback, "type the school", "alert")
    add_school(view, "Oakfield Primary")
    check(view.school_feedback, "Added Oakfield Primary.", "status")
    assert "All changes saved" in view.status.value
    add_school(view, "oakfield primary")
    check(view.school_feedback, "already a school called", "alert")
    add_school(view, "Ash Primary")
    add_link(view, "Oakfield Primary", "Ash Primary")
    check(view.link_feedback, "Added the link Oakfield Primary — Ash Primary.", "status")
    assert "From still says Oakfield Primary" in view.link_feedback.message.value
    add_link(view, "Ash Primary", "Oakfield Primary")
    check(view.link_feedback, "already linked", "alert")
    view.pick_school.value = "Ash Primary"
    view.new_name.value = "Ash Academy"
    view.save_school.click()
    check(view.change_school_feedback, "Renamed Ash Primary to Ash Academy", "status")
    view.pick_link.value = 0
    view.edit_form.level.value = 5
    view.save_link.click()
    check(view.change_link_feedback, "Link changed: Oakfield Primary — Ash Academy.", "status")
    view.pick_link.value = 0
    view.remove_link.click()
    check(view.change_link_feedback, "Removed the link Oakfield Primary — Ash Academy.", "status")
    view.undo.click()
    check(view.undo_feedback, "Undone: your network is back to 2 schools and 1 link.", "status")
    view.pick_school.value = "Ash Academy"
    view.remove_school.click()
    check(view.change_school_feedback, "Removed Ash Academy and its 1 link.", "status")
    view.prepare.click()
    check(view.download_feedback, "Your files are ready", "status")
    assert "schools.csv" in view.downloads.value
    view.upload.value = [
        upload("links.csv", b"from,to,level\nAsh,Nowhere,7\n"),
        upload("schools.csv", b"name\nAsh\n"),
    ]
    view.import_button.click()
    check(view.import_feedback, "links.csv", "alert")
    assert not asks(view.import_feedback)


def test_add_link_form_starts_clean_keeping_from(store):
    lesson, (view,) = open_page(store, "04", ["network"])
    lesson.identity.start_button.click()
    for name in ("Ash Primary", "Beech Academy", "Cedar High"):
        add_school(view, name)
    form = view.add_form
    form.source.value, form.target.value = "Ash Primary", "Beech Academy"
    form.level.value, form.origin.value, form.trust.value = 0, "funding", 2
    for box in form.flows.values():
        box.value = True
    form.directed.value = True
    view.add_link.click()
    assert view.network.links[0].directed and len(view.network.links[0].flows) == 5
    assert form.source.value == "Ash Primary", "From is kept, as the message says"
    assert form.target.value is None
    assert (form.level.value, form.origin.value, form.trust.value) == (None, None, None)
    assert {form.level.label, form.origin.label, form.trust.label} == {"Not given"}, (
        "shown, not a blank list"
    )
    assert not any(box.value for box in form.flows.values()) and not form.directed.value
    form.target.value = "Cedar High"
    view.add_link.click()
    second = view.network.links[1]
    assert (second.source, second.target) == ("Ash Primary", "Cedar High")
    assert (
        not second.directed and second.flows == () and second.level is None and second.trust is None
    )


def test_add_school_form_starts_clean(store):
    lesson, (view,) = open_page(store, "04", ["network"])
    lesson.identity.start_button.click()
    view.name.value, view.kind.value, view.phase.value, view.locality.value = (
        "Uni",
        "university",
        "HE",
        "Leeds",
    )
    view.add_school.click()
    assert (view.name.value, view.kind.value, view.phase.value, view.locality.value) == (
        "",
        "school",
        "",
        "",
    )
    assert view.network.schools[0].kind == "university"


def test_change_forms_are_empty_and_closed_while_nothing_is_chosen(store):
    lesson, (view,) = open_page(store, "04", ["network"])
    school_controls = (view.new_name, view.new_kind, view.save_school, view.remove_school)
    link_controls = (
        *view.edit_form.details,
        view.edit_form.source,
        view.edit_form.target,
        view.save_link,
        view.remove_link,
    )
    assert all(c.disabled for c in (*school_controls, *link_controls)), (
        "closed before the learner starts"
    )
    lesson.identity.start_button.click()
    build_three(view)
    view.add_form.flows["staff"].value = True

    def closed_and_empty():
        assert all(c.disabled for c in (*school_controls, *link_controls))
        assert view.new_name.value == "" and view.new_kind.value == "school"
        form = view.edit_form
        assert (
            form.source.value,
            form.target.value,
            form.level.value,
            form.origin.value,
            form.trust.value,
        ) == (None, None, None, None, None)
        assert {form.level.label, form.origin.label, form.trust.label} == {"Not given"}
        assert not any(box.value for box in form.flows.values()) and not form.directed.value

    closed_and_empty()
    view.pick_school.value = "Elm High"
    assert view.new_name.value == "Elm High"
    assert not any(c.disabled for c in school_controls)
    view.pick_link.value = 0
    assert view.edit_form.level.value == 4 and view.edit_form.source.value == "Ash Primary"
    assert not any(c.disabled for c in (*view.edit_form.details, view.save_link, view.remove_link))
    assert view.edit_form.source.disabled and view.edit_form.target.disabled, (
        "a link keeps its two ends"
    )
    view.save_link.click()
    closed_and_empty()
    view.pick_link.value = 1
    view.pick_link.value = None
    closed_and_empty()


def test_example_asks_before_replacing_a_network_then_keeps_or_replaces_and_undo_brings_it_back(
    store,
):
    lesson, (view,) = open_page(store, "04", ["network"])
    lesson.identity.start_button.click()
    view.example.value = view.example.options[0][1]
    view.load_example.click()  # the page is empty: nothing to lose, so no question
    example = view.network
    assert len(example.schools) >= 3 and not asks(view.example_feedback)
    assert (
        shown(view.example_feedback)[1] == "status"
        and "Started from the example" in view.message.value
    )
    view.undo.click()
    build_three(view)
    mine = view.network

    view.load_example.click()
    value, role = shown(view.example_feedback)
    assert (
        "This replaces your network of 3 schools and 2 links. Undo brings it back." in value
        and role == "alert"
    )
    assert asks(view.example_feedback) and view.network == mine
    view.example_feedback.keep.click()
    assert view.network == mine and not asks(view.example_feedback)
    assert shown(view.example_feedback) == (
        '<p class="course-done" role="status">Kept your network: nothing was replaced.</p>',
        "status",
    )
    view.example_feedback.replace.click()  # a stale press (or one sent by hand): nothing is waiting
    assert view.network == mine

    view.load_example.click()
    view.example_feedback.replace.click()
    assert view.network == example and not asks(view.example_feedback)
    value, role = shown(view.example_feedback)
    assert "Started from the example" in value and "Undo brings back" in value and role == "status"
    assert network_from_value(store.load(lesson.learner.id, ACTIVITY)[KEY]) == example
    view.undo.click()
    assert view.network == mine
    assert network_from_value(store.load(lesson.learner.id, ACTIVITY)[KEY]) == mine


def test_import_asks_before_replacing_and_another_action_withdraws_the_question(store):
    lesson, (view,) = open_page(store, "04", ["network"])
    lesson.identity.start_button.click()
    build_three(view)
    mine = view.network
    other = Network(
        schools=(School("Yew Primary"), School("Zinc School")),
        links=(Link("Yew Primary", "Zinc School"),),
    )
    schools, links = network_io.to_csv(other)

    def choose_and_import():
        view.upload.value = [upload("schools.csv", schools), upload("links.csv", links)]
        view.import_button.click()

    choose_and_import()
    value, role = shown(view.import_feedback)
    assert "This replaces your network of 3 schools and 2 links." in value and role == "alert"
    assert asks(view.import_feedback) and view.network == mine
    view.import_feedback.keep.click()
    assert view.network == mine and "Kept your network" in view.import_feedback.message.value

    choose_and_import()
    add_school(view, "Oak Primary")  # doing something else answers "not now"
    assert not asks(view.import_feedback) and view.import_feedback.message.value == ""
    view.import_feedback.replace.click()
    assert "Oak Primary" in view.network.names and len(view.network.schools) == 4

    choose_and_import()
    assert "4 schools and 2 links" in view.import_feedback.message.value
    view.import_feedback.replace.click()
    assert view.network == placed(other)  # given places on the drawing as it is saved
    assert "Imported 2 schools and 1 link." in view.import_feedback.message.value
    view.undo.click()
    assert len(view.network.schools) == 4 and "Oak Primary" in view.network.names


def test_repeated_pairs_are_merged_said_under_the_import_button_and_shown_in_words(store):
    lesson, (view,) = open_page(store, "04", ["network"])
    lesson.identity.start_button.click()
    schools = f"name\nOak Primary\nHill Top\n{XSS}\n".encode()
    links = (
        f"from,to,level\nOak Primary,Hill Top,3\n{XSS},Oak Primary,2\nHill Top,Oak Primary,1\n"
    ).encode()
    view.upload.value = [upload("schools.csv", schools), upload("links.csv", links)]
    view.import_button.click()
    said = view.import_feedback.message.value
    assert 'role="status"' in said and not alerts(view)
    assert (
        "Imported 3 schools and 2 links. links.csv: rows 2 and 4 (Oak Primary – Hill Top) were "
        "merged into one link, confirmed by both sides, but the two sides disagree on level "
        "(3 vs 1)." in said
    )
    merged = view.network.links[0]
    assert (merged.level, merged.confirmed, merged.other_report) == (3, True, (("level", "1"),))
    # The tables say it in words, and a name with markup stays text.
    assert '<th scope="col">Reported</th>' in view.tables.value
    assert (
        "confirmed by both sides; the two sides disagree on level: 3 Coordination vs 1 Networking"
        in view.tables.value
    )
    assert XSS not in view.tables.value and "&lt;img" in view.tables.value
    # Saved as merged, and read back so.
    saved = network_from_value(store.load(lesson.learner.id, ACTIVITY)[KEY])
    assert saved.links[0] == merged
    # Changing the trust in the form keeps both sides' reports; choosing a level settles it.
    view.pick_link.value = 0
    view.edit_form.trust.value = 3
    view.save_link.click()
    assert view.network.links[0].other_report == (("level", "1"),)
    view.pick_link.value = 0
    view.edit_form.level.value = 2
    view.save_link.click()
    changed = view.network.links[0]
    assert (changed.level, changed.trust, changed.confirmed, changed.other_report) == (
        2,
        3,
        True,
        (),
    )
    assert "disagree" not in view.tables.value


def test_gephi_downloads_sit_beside_the_other_exports_as_labelled_links(store):
    import base64

    import networkx as nx

    lesson, (view,) = open_page(store, "04", ["network"])
    lesson.identity.start_button.click()
    build_three(view)
    view.prepare.click()
    html = view.downloads.value
    for name, label, read in (
        ("network.gexf", "network.gexf (for Gephi)", nx.read_gexf),
        ("network.graphml", "network.graphml (for Gephi, yEd and others)", nx.read_graphml),
    ):
        start = html.index(f'<a download="{name}" href="data:')
        link = html[start : html.index("</a>", start)]
        assert link.endswith(f">{label}")  # a link: reached with Tab, opened with Enter
        encoded = link.split("base64,", 1)[1].split('"', 1)[0]
        graph = read(io.BytesIO(base64.b64decode(encoded)))
        assert sorted(graph.nodes) == sorted(view.network.names)  # the markup name as text
        assert graph.number_of_edges() == 2


def test_lesson_04_shows_the_chosen_examples_story_and_diagnosis(store):
    lesson, (view,) = open_page(store, "04", ["network"])
    lesson.identity.start_button.click()
    for _title, key in view.example.options:
        view.example.value = key
        case = example(key)
        shown = view.worked_case.case.value
        assert escape(case.story) in shown and "The story (invented)" in shown
        assert TYPE_NAMES[case.built_to_show].capitalize() in shown and "Why: the reasons" in shown
        if case.looks_like:
            assert f"Looks like a {TYPE_NAMES[case.looks_like]}" in shown
    assert view.worked_case in view.children or any(
        view.worked_case in getattr(child, "children", ()) for child in view.children
    )
    assert view.worked_case.look_alikes.value.count("<tr>") == 4  # a head and three look-alikes
    assert "Is not one, because" in view.worked_case.look_alikes.value


def test_lesson_05_shows_the_worked_cases_beside_the_diagnosis(store):
    lesson, (_health, diagnosis) = open_page(store, "05", ["health", "diagnosis"])
    lesson.identity.start_button.click()
    cases = diagnosis.worked_cases
    assert cases in diagnosis.children and cases.choose in cases.children
    assert cases.choose.description == "Worked case (invented)"
    cases.choose.value = "lookalike_oldmill_friends"
    assert "Looks like a cosy network" in cases.case.value
    assert "Meaningful network" in cases.case.value


def test_lesson_05_what_if_the_hub_leaves_says_the_network_falls_apart(store):
    network, constructs = load_example("lookalike_willowbrook_hub")
    lesson, (view,) = open_page(store, "04", ["network"])
    lesson.identity.start_button.click()
    view.example.value = "lookalike_willowbrook_hub"
    view.load_example.click()
    assert view.network == placed(network)
    lesson5, (health_view, diagnosis) = open_page(
        store, "05", ["health", "diagnosis"], query=f"learner={lesson.learner.code}"
    )
    bank = health_view.questionnaire
    for item in bank.items:  # the example's own answers, given statement by statement
        value = round(constructs[item.construct])
        health_view.radios[item.id].value = 6 - value if item.reverse else value
    assert "Diagnosis: Meaningful network</h4>" in diagnosis.result.value
    assert "the network depends on Willowbrook Church School" in diagnosis.result.value
    diagnosis.remove.value = "Willowbrook Church School"
    diagnosis.what_if_button.click()
    shown = diagnosis.what_if_result.value
    assert "The network falls apart" in shown
    assert "What if: Too early to say</h4>" in shown and "What if: Meaningful" not in shown
    assert "evidence: <strong>weak</strong>" in shown


# -- the drawing (lesson 04's map editor): each action through the forms' path ----------------
def drawn(view, **content):
    """Send one action as the drawing's script does; return the drawing's answer to it."""
    answers = []
    view.editor.send = answers.append
    view.editor._handle_custom_msg({**content, "request": 7}, [])
    assert answers[0]["request"] == 7
    # A refused action has the drawing drawn again (a dragged school goes back to its place).
    assert answers[1:] == ([] if answers[0]["ok"] else [{"redraw": True}])
    return answers[0]


def drawing_said(view):
    return view.drawing_feedback.message.value


def test_the_drawing_adds_links_moves_and_chooses_like_the_forms(store):
    lesson, (view,) = open_page(store, "04", ["network"])
    lesson.identity.start_button.click()
    assert drawn(view, action="add", name="  Ash   Primary ", x=-40.25, y=12) == {
        "request": 7,
        "ok": True,
        "message": "",
    }
    assert (
        view.network.school("Ash Primary").x == -40.2
        and view.network.school("Ash Primary").y == 12.0
    )
    assert view.pick_school.value == "Ash Primary"  # its change form shows it, ready for its kind
    assert not view.new_kind.disabled
    assert drawn(view, action="add", name=XSS, x=200, y=100)["ok"]
    assert drawn(view, action="link", **{"from": "Ash Primary", "to": XSS})["ok"]
    assert view.network.links == (Link("Ash Primary", XSS),)
    assert view.pick_link.value == 0 and not view.save_link.disabled
    assert "Added the link Ash Primary — " in drawing_said(view)
    assert drawn(view, action="move", name=XSS, x=300.5, y=-80)["ok"]
    assert (view.network.school(XSS).x, view.network.school(XSS).y) == (300.5, -80.0)

    saved = network_from_value(store.load(lesson.learner.id, ACTIVITY)[KEY])
    assert saved == view.network  # every drawing edit is saved at once, places included
    assert [node["label"] for node in view.editor.nodes] == ["Ash Primary", XSS]
    assert [(n["x"], n["y"]) for n in view.editor.nodes] == [(-40.2, 12.0), (300.5, -80.0)]

    # Choosing a school or a link on the drawing fills the change forms; nothing is saved.
    history = len(store.history(lesson.learner.id, ACTIVITY, KEY))
    assert drawn(view, action="school", name=XSS)["ok"]
    assert view.pick_school.value == XSS and view.new_name.value == XSS
    assert drawn(view, action="pick_link", index=0, **{"from": "Ash Primary", "to": XSS})["ok"]
    assert view.pick_link.value == 0 and view.edit_form.source.value == "Ash Primary"
    assert len(store.history(lesson.learner.id, ACTIVITY, KEY)) == history

    # Undo undoes a drawing edit like a form's: the move, then the link.
    view.undo.click()
    assert (view.network.school(XSS).x, view.network.school(XSS).y) == (200.0, 100.0)
    view.undo.click()
    assert view.network.links == ()
    assert [(n["x"], n["y"]) for n in view.editor.nodes] == [(-40.2, 12.0), (200.0, 100.0)]


def test_a_bad_drawing_action_is_explained_next_to_the_drawing_and_nothing_is_lost(store):
    lesson, (view,) = open_page(store, "04", ["network"])
    lesson.identity.start_button.click()
    drawn(view, action="add", name="Ash Primary", x=0, y=0)
    drawn(view, action="add", name="Oak", x=100, y=0)
    before = view.network
    history = len(store.history(lesson.learner.id, ACTIVITY, KEY))
    refusals = [
        (
            dict(action="add", name="ash  primary", x=5, y=5),
            "already a school called “Ash Primary”",
        ),
        (dict(action="add", name="", x=5, y=5), "Please type the school's name."),
        (dict(action="add", name="x" * 201, x=5, y=5), "201 characters long"),
        (dict(action="add", name="Elm", x=float("nan"), y=5), "must be a number between"),
        (dict(action="link", **{"from": "Ash Primary", "to": "Ash Primary"}), "two different"),
        (
            dict(action="link", **{"from": "Ash Primary", "to": "Nowhere"}),
            "“Nowhere” is not a school",
        ),
        (dict(action="move", name="Nowhere", x=1, y=1), "no school called “Nowhere”"),
        (dict(action="move", name="Oak", x=1e300, y=1), "must be a number between"),
        (dict(action="school", name="Nowhere"), "not yet caught up"),
        (dict(action="pick_link", index=0, **{"from": "Ash Primary", "to": "Oak"}), "caught up"),
        (dict(action="drop_table"), "cannot do"),
    ]
    for content, words in refusals:
        answer = drawn(view, **content)
        assert not answer["ok"] and words in answer["message"], (content, answer)
        # One message, next to the drawing, as an alert; no other form speaks.
        assert 'role="alert"' in drawing_said(view) and escape(words) in drawing_said(view)
        assert alerts(view) == [drawing_said(view)]
    drawn(view, action="link", **{"from": "Ash Primary", "to": "Oak"})
    assert not drawn(view, action="link", **{"from": "Oak", "to": "Ash Primary"})["ok"]
    assert "already linked" in drawing_said(view)
    assert view.network == before.with_link(Link("Ash Primary", "Oak"))
    assert len(store.history(lesson.learner.id, ACTIVITY, KEY)) == history + 1


def test_the_drawing_changes_nothing_before_anyone_has_started(store):
    lesson, (view,) = open_page(store, "04", ["network"])
    assert not view.editor.editable  # the page offers no editing on the drawing
    answer = drawn(view, action="add", name="Oak", x=0, y=0)  # a message sent by hand
    assert not answer["ok"] and "Start or resume" in answer["message"]
    assert view.network == Network()


def test_the_school_form_moves_a_school_on_the_drawing_without_a_mouse(store):
    lesson, (view,) = open_page(store, "04", ["network"])
    lesson.identity.start_button.click()
    add_school(view, "Ash Primary")
    add_school(view, "Oak")
    view.pick_school.value = "Oak"
    assert (view.new_x.value, view.new_y.value) == (
        view.network.school("Oak").x,
        view.network.school("Oak").y,
    )
    view.new_x.value, view.new_y.value = 250.25, -75.0
    view.save_school.click()
    assert (view.network.school("Oak").x, view.network.school("Oak").y) == (250.2, -75.0)
    assert "Its place on the drawing: 250.2 across, -75 down." in view.message.value
    node = next(n for n in view.editor.nodes if n["label"] == "Oak")
    assert (node["x"], node["y"]) == (250.2, -75.0)
    # A number no drawing has room for (sent by a script): one message, nothing lost.
    before = view.network
    view.pick_school.value = "Oak"
    view.new_x.value = float("inf")
    view.save_school.click()
    assert "must be a number between" in alerts(view)[0] and view.network == before
    view.undo.click()
    assert view.network.school("Oak").x != 250.2
