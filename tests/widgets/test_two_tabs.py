"""The same learner in two tabs (or on two computers): a page that has not seen the latest saved
version never overwrites it. It says so next to the activity, offers to reload, keeps what was
typed on the page and stores it as a draft that the reloaded page shows.

Every activity that saves, headless, with two ``Lesson`` objects on one store (SQLite and PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from html import escape
from typing import Any

import pytest

from widgets_lib import capacity, challenges, leadership, plan, reflections
from widgets_lib.examples import load_example
from widgets_lib.lessons import DONE, PROGRESS_ACTIVITY
from widgets_lib.record import (
    HEALTH_ACTIVITY,
    NETWORK_ACTIVITY,
    NETWORK_KEY,
    network_from_value,
    network_to_value,
)
from widgets_lib.store import Store
from widgets_lib.views.common import RELOAD
from widgets_lib.views.lesson import Lesson, draft_activity

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
def shared(store_url: str):
    """One store, on SQLite and on PostgreSQL, that both tabs use."""
    s = Store(store_url)
    yield s
    s.dispose()


def open_page(store: Store, lesson_id: str, activities: list[str], code: str | None = None):
    lesson = Lesson(lesson_id, store=store, show=False)
    views = [lesson.activity(*name.split(":"), show=False) for name in activities]
    lesson.finish(query_string=f"learner={code}" if code else "", show=False)
    return lesson, views


def new_learner(store: Store, with_network: bool = False) -> str:
    lesson, _ = open_page(store, "00", [])
    lesson.identity.start_button.click()
    if with_network:
        network, _answers = load_example("meaningful_brambleford")
        store.save(lesson.learner.id, NETWORK_ACTIVITY, NETWORK_KEY, network_to_value(network))
    return lesson.learner.code


def choose(view, key: str, which: int) -> None:
    """Choose the ``which``-th option of one radio group, as a learner clicks it."""
    options = view.radios[key].options
    view.radios[key].value = options[which % len(options)][1]


def add_school(view, name: str) -> None:
    view.name.value = name
    view.add_school.click()


def add_lead(view, which: int) -> None:
    view.member.value = view.member.options[which][1]
    view.add.click()


def add_action(view, what: str) -> None:
    view.what.value, view.who.value, view.by.value, view.challenge.value = (
        what,
        "Priya",
        date(2027, 2, 1),
        "culture",
    )
    view.add.click()


@dataclass
class Kind:
    """One activity: where it is, which view to act on, what it saves under, and an edit by "tab" n."""

    lesson: str
    activities: list[str]
    activity: str
    edit: Callable[[Any, int], None]
    view: int = 0
    needs_network: bool = False

    def shown(self, view) -> Any:
        """What the page shows of the edited answer (to check it stays after a refused save)."""
        if hasattr(view, "network"):
            return view.network.names
        if hasattr(view, "boxes"):
            return {k: b.value for k, b in view.boxes.items()}
        if hasattr(view, "leads"):
            return list(view.leads)
        if hasattr(view, "actions"):
            return list(view.actions)
        return {k: r.value for k, r in view.radios.items()}


def first_question(lesson_id: str) -> str:
    return reflections.questions(lesson_id)[0].id


KINDS = {
    "reflection": Kind(
        "01",
        ["reflection"],
        reflections.ACTIVITY,
        lambda v, n: setattr(v.boxes[first_question("01")], "value", f"Tab {n} thinks {XSS}"),
    ),
    "network": Kind(
        "04", ["network"], NETWORK_ACTIVITY, lambda v, n: add_school(v, f"Tab {n} School {XSS}")
    ),
    "perspectives": Kind(
        "02", ["perspectives"], "perspectives", lambda v, n: choose(v, next(iter(v.radios)), n)
    ),
    "capacity": Kind(
        "03", ["capacity"], capacity.ACTIVITY, lambda v, n: choose(v, next(iter(v.radios)), n)
    ),
    "health": Kind(
        "05",
        ["health", "diagnosis"],
        HEALTH_ACTIVITY,
        lambda v, n: choose(v, next(iter(v.radios)), n),
    ),
    "sorter": Kind(
        "06",
        ["sorter:distributed_leadership"],
        "distributed_leadership",
        lambda v, n: choose(v, next(iter(v.radios)), n),
    ),
    "who_leads": Kind("06", ["who_leads"], leadership.ACTIVITY, add_lead, needs_network=True),
    "choice": Kind(
        "07",
        ["choice:metaphors"],
        "choice:metaphors",
        lambda v, n: choose(v, next(iter(v.radios)), n),
    ),
    "challenge rating": Kind(
        "08", ["challenges"], challenges.ACTIVITY, lambda v, n: choose(v, "culture", n)
    ),
    "challenge note": Kind(
        "08",
        ["challenges"],
        challenges.ACTIVITY,
        lambda v, n: setattr(v.notes["culture"], "value", f"Tab {n} note {XSS}"),
    ),
    "plan": Kind(
        "08", ["plan"], plan.ACTIVITY, lambda v, n: add_action(v, f"Tab {n} action {XSS}")
    ),
    "journal": Kind(
        "08",
        ["reflection", "journal"],
        reflections.ACTIVITY,
        view=1,
        edit=lambda v, n: setattr(v.boxes[first_question("01")], "value", f"Tab {n} journal {XSS}"),
    ),
}


@pytest.mark.parametrize("name", list(KINDS))
def test_a_page_that_did_not_see_the_latest_save_never_overwrites_it(
    shared: Store, name: str
) -> None:
    kind = KINDS[name]
    code = new_learner(shared, kind.needs_network)
    tab1, views1 = open_page(shared, kind.lesson, kind.activities, code)
    tab2, views2 = open_page(
        shared, kind.lesson, kind.activities, code
    )  # opened before tab 1 changes anything
    learner = tab1.learner.id
    view1, view2 = views1[kind.view], views2[kind.view]

    kind.edit(view1, 1)
    assert view1.status.state == "saved", view1.status.value
    saved_by_tab1 = shared.load(learner, kind.activity)
    history = {key: len(shared.history(learner, kind.activity, key)) for key in saved_by_tab1}

    kind.edit(view2, 2)
    on_tab2 = kind.shown(view2)
    # Refused, and said so next to the activity: in words, as an alert, with a way to reload.
    assert view2.status.state == "conflict"
    assert (
        'role="alert"' in view2.status.value
        and "another tab or on another computer" in view2.status.value
    )
    assert f'<a href="">{RELOAD}</a>' in view2.status.value
    assert "All changes saved" not in view2.status.value
    # Tab 1's work is untouched, its history too; tab 2 still shows what the learner did there.
    assert shared.load(learner, kind.activity) == saved_by_tab1
    assert {
        key: len(shared.history(learner, kind.activity, key)) for key in saved_by_tab1
    } == history
    assert kind.shown(view2) == on_tab2
    drafts = shared.load(learner, draft_activity(kind.activity))
    assert drafts, "what tab 2 did is stored as a draft"

    # Tab 2 reloaded: the latest saved work, and the draft shown to the learner as text.
    tab3, views3 = open_page(shared, kind.lesson, kind.activities, code)
    view3 = views3[kind.view]
    assert kind.shown(view3) == kind.shown(views1[kind.view])
    assert "Not saved from another tab" in view3.status.value
    assert XSS not in view3.status.value
    if "Tab 2" in str(drafts):
        assert "Tab 2" in view3.status.value and "&lt;img src=x" in view3.status.value
    # Tab 1 saw the latest version (its own): it goes on saving.
    kind.edit(view1, 0)
    assert view1.status.state == "saved", view1.status.value


def test_the_conflict_stays_in_view_while_other_answers_still_save(shared: Store) -> None:
    code = new_learner(shared)
    tab1, (view1,) = open_page(shared, "01", ["reflection"], code)
    tab2, (view2,) = open_page(shared, "01", ["reflection"], code)
    first, second = list(view1.boxes)[:2]
    view1.boxes[first].value = "From tab 1"
    view2.boxes[first].value = "From tab 2"
    assert view2.status.state == "conflict"
    view2.boxes[second].value = "Only tab 2 wrote this one"  # not changed elsewhere: saved
    assert shared.load(tab2.learner.id, reflections.ACTIVITY)[second] == "Only tab 2 wrote this one"
    assert view2.status.state == "conflict" and RELOAD in view2.status.value
    view2.boxes[first].value = "From tab 2, typed on"  # still refused; the draft follows the typing
    assert shared.load(tab2.learner.id, reflections.ACTIVITY)[first] == "From tab 1"
    assert (
        shared.load(tab2.learner.id, draft_activity(reflections.ACTIVITY))[first]
        == "From tab 2, typed on"
    )


def test_a_page_whose_save_was_refused_does_not_mark_the_lesson_done(shared: Store) -> None:
    """A stale tab completes the activity on its own screen; the lesson is done only once the work
    is saved, from a page that has seen the latest version."""
    code = new_learner(shared)
    tab1, (view1,) = open_page(shared, "02", ["perspectives"], code)
    _tab2, (view2,) = open_page(shared, "02", ["perspectives"], code)
    first = next(iter(view1.radios))
    choose(view1, first, 0)
    for n, key in enumerate(view2.radios):  # the first refused, every other saved
        choose(view2, key, n + 1)
    assert view2.status.state == "conflict" and view2.complete
    progress = shared.load(tab1.learner.id, PROGRESS_ACTIVITY)
    assert progress.get("02", {}).get("status") != DONE

    _tab3, (view3,) = open_page(shared, "02", ["perspectives"], code)  # reloaded
    choose(view3, first, 1)
    assert view3.status.state == "saved" and view3.complete
    assert shared.load(tab1.learner.id, PROGRESS_ACTIVITY)["02"]["status"] == DONE


def test_saving_again_from_the_same_page_never_conflicts(shared: Store) -> None:
    code = new_learner(shared)
    _tab, (view,) = open_page(shared, "04", ["network"], code)
    _other, _ = open_page(shared, "04", ["network"], code)  # another tab open, doing nothing
    for name in ("Ash Primary", "Elm High", "Oak Academy"):
        add_school(view, name)
        assert view.status.state == "saved"
    view.undo.click()
    assert view.status.state == "saved"
    saved = network_from_value(shared.load(_tab.learner.id, NETWORK_ACTIVITY)[NETWORK_KEY])
    assert saved.names == ["Ash Primary", "Elm High"]


def reflection_in_two_tabs(shared: Store):
    """A learner with lesson 01 open in two tabs: the learner's code, id, both views, the first question."""
    code = new_learner(shared)
    tab1, (view1,) = open_page(shared, "01", ["reflection"], code)
    _tab2, (view2,) = open_page(shared, "01", ["reflection"], code)
    return code, tab1.learner.id, view1, view2, next(iter(view1.boxes))


def test_a_draft_is_shown_until_the_learner_goes_on_and_stays_in_the_history(shared: Store) -> None:
    code, learner, view1, view2, first = reflection_in_two_tabs(shared)
    view1.boxes[first].value = "Tab 1's answer"
    view2.boxes[first].value = "Tab 2's answer"

    again, (view3,) = open_page(shared, "01", ["reflection"], code)
    assert "Tab 2&#x27;s answer" in view3.status.value
    label = view3.boxes[first].description
    assert label.split(".")[0] in view3.status.value  # which question it belongs to
    view3.boxes[first].value = "Tab 1's answer, and tab 2's"  # the learner merges them
    assert view3.status.state == "saved"
    assert shared.load(learner, draft_activity(reflections.ACTIVITY)) == {}
    assert [
        r.value for r in shared.history(learner, draft_activity(reflections.ACTIVITY), first)
    ] == ["Tab 2's answer"]
    _later, (view4,) = open_page(shared, "01", ["reflection"], code)
    assert "Not saved from another tab" not in view4.status.value
    assert view4.boxes[first].value == "Tab 1's answer, and tab 2's"


@pytest.mark.parametrize("name", ["perspectives", "capacity", "health", "sorter", "choice"])
def test_a_chosen_option_kept_as_a_draft_is_shown_in_its_own_words(
    shared: Store, name: str
) -> None:
    kind = KINDS[name]
    code = new_learner(shared, kind.needs_network)
    _tab1, views1 = open_page(shared, kind.lesson, kind.activities, code)
    _tab2, views2 = open_page(shared, kind.lesson, kind.activities, code)
    kind.edit(views1[kind.view], 1)
    kind.edit(views2[kind.view], 2)
    radio = next(iter(views2[kind.view].radios.values()))
    label, value = radio.options[2 % len(radio.options)]
    _again, views3 = open_page(shared, kind.lesson, kind.activities, code)
    shown = views3[kind.view].status.value
    assert "Not saved from another tab" in shown
    assert escape(label) in shown, f"the draft shows {shown!r}, not the option {label!r}"


def test_a_draft_equal_to_the_saved_answer_is_not_shown(shared: Store) -> None:
    code, _learner, view1, view2, first = reflection_in_two_tabs(shared)
    view1.boxes[first].value = "Same words"
    view2.boxes[first].value = "Same words"
    assert view2.status.state == "conflict"  # it could not know
    _again, (view3,) = open_page(shared, "01", ["reflection"], code)
    assert "Not saved from another tab" not in view3.status.value


def test_journal_and_reflection_on_one_page_show_a_draft_once(shared: Store) -> None:
    code = new_learner(shared)
    tab1, (mine1, journal1) = open_page(shared, "08", ["reflection", "journal"], code)
    _tab2, (mine2, journal2) = open_page(shared, "08", ["reflection", "journal"], code)
    key = next(iter(mine1.boxes))
    mine1.boxes[key].value = "Tab 1"
    mine2.boxes[key].value = "Tab 2"
    _again, (mine3, journal3) = open_page(shared, "08", ["reflection", "journal"], code)
    assert "Not saved from another tab" in mine3.status.value
    assert "Not saved from another tab" not in journal3.status.value


def test_signing_out_removes_the_drafts_from_the_page(shared: Store) -> None:
    code = new_learner(shared)
    _tab1, (view1,) = open_page(shared, "01", ["reflection"], code)
    _tab2, (view2,) = open_page(shared, "01", ["reflection"], code)
    first = next(iter(view1.boxes))
    view1.boxes[first].value = "Tab 1"
    view2.boxes[first].value = "Private draft"
    again, (view3,) = open_page(shared, "01", ["reflection"], code)
    assert "Private draft" in view3.status.value
    again.forget()
    assert "Private draft" not in view3.status.value
