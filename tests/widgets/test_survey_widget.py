"""Headless tests of lesson 04's "Ask your partner schools" (widgets_lib/views/survey.py)."""

from __future__ import annotations

import pytest

from tests.widgets.test_network_widgets import XSS, add_link, add_school, open_page
from widgets_lib import secret
from widgets_lib import survey as sv
from widgets_lib.network import EditError, report_words
from widgets_lib.record import network_from_value
from widgets_lib.views.network import ACTIVITY, KEY


@pytest.fixture(autouse=True)
def known_secret(monkeypatch):
    monkeypatch.setenv("COURSE_SECRET", "s" * 40)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.setenv("SERVER_NAME", "localhost")
    monkeypatch.setenv("SERVER_PORT", "8866")
    secret.server_secret.cache_clear()
    yield
    secret.server_secret.cache_clear()


def _page(store):
    lesson, (network, survey) = open_page(store, "04", ["network", "survey"])
    lesson._start()
    for name in ("Ash Primary", XSS, "Elm High"):
        add_school(network, name)
    add_link(network, "Ash Primary", XSS, 4)
    add_link(network, "Ash Primary", "Elm High", 2)
    return lesson, network, survey


def _answer(store, survey: sv.Survey, respondent: int, **fields) -> None:
    form = {"respondent": [str(respondent)], **{k: [v] for k, v in fields.items()}}
    text = sv.response_text(sv.parse_form(survey, form))
    store.add_response(survey.id, "v", text, "2026-12-02T10:00:00+00:00", (50, 50, 50))


def _finding(view, words: str):
    """The row offering a decision on the finding described with ``words``."""
    rows = [r for r in view.rows.children if "course-survey-finding" in r._dom_classes]
    return next(row for row in rows if words in row.children[0].value)


def test_create_answer_accept_ignore_and_delete(store):
    lesson, network, view = _page(store)
    view.create.click()
    (survey,) = store.surveys_of(lesson.learner.id)
    assert view.link.value == f"http://localhost:8866/survey/{survey.token}"
    assert "works until" in view.note.value and not view.revoke.disabled

    # XSS (school 1) confirms its link at the same level and reports one with Elm High
    _answer(store, survey, 1, works_0="yes", level_0="4", works_2="yes", level_2="1")
    # Elm High (school 2) says it does not work with Ash Primary
    _answer(store, survey, 2, works_0="no")
    view.refresh.click()
    table = view.table.value
    assert XSS not in table and "&lt;img" in table
    for words in ("confirmed by both sides", "only they report it", "only you report it"):
        assert words in table
    # the map draws the ties only one side reports dotted, as the tutor's merged network does
    assert "dotted = reported by one side only" in view.picture.value
    assert XSS not in view.picture.value and "<svg" in view.picture.value
    assert all(XSS not in _finding(view, w).children[0].value for w in ("only", "confirmed"))

    # accept the tie only they report: added to the drawing's network, saved, undoable
    row = _finding(view, "only they report it")
    row.children[-1].children[0].click()
    saved = network_from_value(store.load(lesson.learner.id, ACTIVITY)[KEY])
    added = saved.links[-1]
    assert {added.source, added.target} == {XSS, "Elm High"} and added.confirmed
    assert added.level == 1 and network.network == saved and network.undo_stack
    assert "Undo" in view.status.value

    # accept the confirmed one: the link is marked as the imported files mark it
    _finding(view, "confirmed by both sides").children[-1].children[0].click()
    link = network.network.links[0]
    assert link.confirmed and report_words(link) == "confirmed by both sides"

    # ignore "only you report it": remembered across a reload
    _finding(view, "only you report it").children[-1].children[1].click()
    assert "only you report it" not in view.table.value
    lesson2, (_, view2) = open_page(
        store, "04", ["network", "survey"], f"learner={lesson.learner.code}"
    )
    assert "only you report it" not in view2.table.value
    assert view2.link.value == view.link.value  # the address is shown again

    # delete an answer: asked once, then gone
    delete = [r for r in view.rows.children if getattr(r, "description", "").startswith("Delete")]
    delete[0].click()
    assert len(store.responses_of(lesson.learner.id)) == 2 and "again" in view.status.value
    delete[0].click()
    assert len(store.responses_of(lesson.learner.id)) == 1

    # stop the link
    view.revoke.click()
    assert view.link.value == "" and not store.surveys_of(lesson.learner.id)[0].open()
    assert "stopped" in view.note.value


def test_stale_and_hostile_messages_change_nothing(store):
    lesson, network, view = _page(store)
    view.create.click()
    (survey,) = store.surveys_of(lesson.learner.id)
    _answer(store, survey, 2, works_1="yes", level_1="3")
    view.refresh.click()
    before = network.network
    view.link.value = "http://elsewhere.example/"  # a page may send anything: never read
    with pytest.raises(EditError, match="no longer on the page"):
        view._accept("999:nobody", None)  # an old button's key, as a crafted message could send
    assert network.network == before and store.surveys_of(lesson.learner.id)[0].open()
    # the learner removed Elm High meanwhile: accepting says why, and nothing changes
    button = _finding(view, "only they report it").children[-1].children[0]
    network.pick_school.value = "Elm High"
    network.remove_school.click()
    after_removal = network.network
    assert "Elm High" not in after_removal.names
    button.click()
    assert network.network == after_removal
    assert "Elm High” is not a school in your network" in view.status.value


def test_without_a_learner_nothing_can_be_made(store):
    _lesson, (_network, view) = open_page(store, "04", ["network", "survey"])
    assert view.create.disabled and view.refresh.disabled
    view.create.click()  # a click sent by hand
    assert store.surveys_of("anyone") == []


def test_under_jupyterhub_the_page_says_links_cannot_be_used(store, monkeypatch):
    lesson, (_network, view) = open_page(store, "04", ["network", "survey"])
    monkeypatch.setenv("JUPYTERHUB_USER", "ann")
    lesson._start()
    assert view.create.disabled and "cannot be used on this course server" in view.note.value
    view.create.click()  # a click sent by hand
    assert store.surveys_of(lesson.learner.id) == []
    assert "cannot be used on this course server" in view.status.value
