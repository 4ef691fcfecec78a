"""Lesson 04 keeps each school's place on the drawing (issue 17): every save carries the places,
a new school goes near what it links to, and a network saved before places were kept gets them
(and keeps them) the first time it is opened."""

from __future__ import annotations

import math

from widgets_lib.examples import load_example
from widgets_lib.layout import overlapping, placed
from widgets_lib.record import load_network, network_to_value

from .test_network_widgets import ACTIVITY, KEY, add_link, add_school, build_three, open_page


def places(network):
    return {s.name: (s.x, s.y) for s in network.schools}


def test_every_save_carries_the_places_and_old_schools_stay_put(store):
    lesson, (view,) = open_page(store, "04", ["network"])
    lesson.identity.start_button.click()
    build_three(view)
    saved = load_network(store, lesson.learner.id)
    assert saved == view.network
    assert all(x is not None and y is not None for x, y in places(saved).values())
    before = places(saved)

    add_school(view, "Oak Academy")
    add_link(view, "Oak Academy", "Elm High", 2)
    after = load_network(store, lesson.learner.id)
    assert {name: places(after)[name] for name in before} == before
    oak, elm = after.school("Oak Academy"), after.school("Elm High")
    far = max(math.dist(before["Elm High"], where) for where in before.values())
    assert math.dist((oak.x, oak.y), (elm.x, elm.y)) <= max(far, 200)
    assert overlapping(after) == []


def test_a_network_saved_without_places_gets_them_once_and_keeps_them(store):
    lesson, (view,) = open_page(store, "04", ["network"])
    lesson.identity.start_button.click()
    network, _ = load_example("cosy_honeysuckle")
    store.save(lesson.learner.id, ACTIVITY, KEY, network_to_value(network))
    code = lesson.learner.code

    again, (view,) = open_page(store, "04", ["network"], query=f"learner={code}")
    assert view.network == placed(network)
    assert load_network(store, again.learner.id) == view.network
    revisions = len(store.history(again.learner.id, ACTIVITY, KEY))

    third, (view,) = open_page(store, "04", ["network"], query=f"learner={code}")
    assert view.network == placed(network)
    assert len(store.history(third.learner.id, ACTIVITY, KEY)) == revisions  # no save on reopening
