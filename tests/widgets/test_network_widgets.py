"""Headless tests of lessons 04 and 05: forms, saving, restoring, import, diagnosis and what-if."""

from __future__ import annotations

from datetime import datetime, timezone


from widgets_lib import network_io
from widgets_lib.lesson import Lesson
from widgets_lib.network import Link, Network, School
from widgets_lib.record import network_from_value
from widgets_lib.widget_network import ACTIVITY, KEY

XSS = "<img src=x onerror=alert(1)>"


def open_page(store, lesson_id, activities, query=""):
    lesson = Lesson(lesson_id, store=store, show=False)
    views = [lesson.activity(name, show=False) for name in activities]
    lesson.finish(query_string=query, show=False)
    return lesson, views


def upload(name, content):
    """A file as the browser's upload widget hands it over."""
    return {"name": name, "type": "text/csv", "size": len(content), "content": memoryview(content),
            "last_modified": datetime.now(timezone.utc)}


def add_school(view, name, kind="school"):
    view.name.value = name
    view.kind.value = kind
    view.add_school.click()


def add_link(view, a, b, level=3):
    view.add_form.source.value = a
    view.add_form.target.value = b
    view.add_form.level.value = level
    view.add_link.click()


def build_three(view):
    for name in ("Ash Primary", XSS, "Elm High"):
        add_school(view, name)
    add_link(view, "Ash Primary", XSS, 4)
    add_link(view, XSS, "Elm High", 2)


def test_build_save_restore_and_draw(store):
    lesson, (view,) = open_page(store, "04", ["network"])
    lesson.identity.start_button.click()
    build_three(view)
    assert view.message.value == ""
    saved = network_from_value(store.load(lesson.learner.id, ACTIVITY)[KEY])
    assert saved.names == ["Ash Primary", XSS, "Elm High"] and len(saved.links) == 2
    assert len(store.history(lesson.learner.id, ACTIVITY, KEY)) == 5
    assert "<iframe" in view.drawing.value and 'sandbox="allow-scripts"' in view.drawing.value
    assert XSS not in view.drawing.value, "names reach the iframe only escaped"
    assert XSS not in view.tables.value and "&lt;img src=x onerror=alert(1)&gt;" in view.tables.value
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
    bad = [upload("links.csv", b"from,to,level\nAsh,Nowhere,7\n"), upload("schools.csv", b"name\nAsh\n")]
    view.upload.value = bad
    view.import_button.click()
    assert "links.csv" in view.message.value and "row 2" in view.message.value
    assert view.network == before
    schools, links = network_io.to_csv(before)
    view.upload.value = [upload("schools.csv", schools), upload("links.csv", links)]
    view.import_button.click()
    assert view.message.value == ""
    assert view.network == before


def test_examples_load(store):
    lesson, (view,) = open_page(store, "04", ["network"])
    lesson.identity.start_button.click()
    assert len(view.example.options) >= 6
    assert all("invented" in title.lower() or "fictional" in title.lower() for title, _ in view.example.options)
    view.example.value = view.example.options[0][1]
    view.load_example.click()
    assert len(view.network.schools) >= 3


def test_big_network_is_tabled_not_drawn(store):
    lesson, (view,) = open_page(store, "04", ["network"])
    lesson.identity.start_button.click()
    schools = tuple(School(f"School {i}") for i in range(1200))
    links = tuple(Link(f"School {i}", f"School {i + 1}", level=2) for i in range(1199))
    view._commit(Network(schools=schools, links=links))
    assert "<iframe" not in view.drawing.value
    assert "more than a drawing can show" in view.drawing.value
    assert "Showing the first 200 of 1,200 schools" in view.tables.value


def test_lesson_05_diagnoses_the_saved_network_and_what_if(store):
    lesson, (view,) = open_page(store, "04", ["network"])
    lesson.identity.start_button.click()
    build_three(view)
    code = lesson.learner.code
    lesson5, (health_view, diagnosis) = open_page(store, "05", ["health", "diagnosis"], query=f"learner={code}")
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
    assert "lesson 04" in diagnosis.result.value
