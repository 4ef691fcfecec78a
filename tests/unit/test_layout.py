"""Saved positions on the drawing (issue 17): a first layout, new schools near their links, names
that do not overlap, and drags checked like any other hostile message."""

from __future__ import annotations

import math
import random

import pytest

from widgets_lib.examples import list_examples, load_example
from widgets_lib.layout import MAX_COORDINATE, box, moved, overlapping, placed
from widgets_lib.network import EditError, Link, Network, School


def positions(network: Network) -> dict[str, tuple[float, float]]:
    return {s.name: (s.x, s.y) for s in network.schools}


def generated(count: int, seed: int = 1) -> Network:
    pick = random.Random(seed)
    names = [f"Example Academy number {i}" for i in range(count)]
    links = {
        tuple(sorted((names[i], names[pick.randrange(count)]))) for i in range(count) for _ in "ab"
    }
    return Network(
        tuple(School(name) for name in names),
        tuple(Link(a, b) for a, b in sorted(links) if a != b),
    )


@pytest.mark.parametrize("example_id", [eid for eid, _ in list_examples()])
def test_every_example_network_gets_a_layout_whose_names_do_not_overlap(example_id):
    network, _ = load_example(example_id)
    assert all(s.x is None for s in network.schools)
    laid = placed(network)
    assert all(math.isfinite(s.x) and math.isfinite(s.y) for s in laid.schools)
    assert overlapping(laid) == []
    assert laid.names == network.names and laid.links == network.links
    assert placed(network) == laid, "the same network always gets the same first layout"


def test_the_overlap_check_finds_names_drawn_over_each_other():
    # The case: "Honeysuckle Lane Primary" written over "Crumpet Green Primary".
    network = Network(
        (
            School("Honeysuckle Lane Primary", x=0.0, y=0.0),
            School("Crumpet Green Primary", x=60.0, y=10.0),
            School("Far Away", x=900.0, y=0.0),
        )
    )
    assert overlapping(network) == [("Crumpet Green Primary", "Honeysuckle Lane Primary")]


def test_placed_keeps_every_position_and_returns_the_network_itself_when_all_are_placed():
    network = placed(generated(12))
    assert placed(network) is network
    dragged = moved(network, network.names[3], 5000, -5000)
    again = placed(dragged.with_school(School("Newcomer")))
    for name, where in positions(dragged).items():
        assert positions(again)[name] == where


def test_a_new_school_goes_near_the_schools_it_links_to_on_a_free_spot():
    network = Network(
        (
            School("Oak", x=0.0, y=0.0),
            School("Ash", x=400.0, y=0.0),
            School("Far", x=3000.0, y=2000.0),
        )
    )
    grown = placed(
        network.with_school(School("Elm"))
        .with_link(Link("Elm", "Oak"))
        .with_link(Link("Elm", "Ash"))
    )
    elm = grown.school("Elm")
    assert math.dist((elm.x, elm.y), (200, 0)) < 150
    assert overlapping(grown) == []


def test_a_chain_of_new_schools_grows_out_from_the_placed_one():
    network = Network((School("Hub", x=0.0, y=0.0),))
    for i in range(6):
        network = network.with_school(School(f"New {i}"))
        network = network.with_link(Link(f"New {i}", "Hub" if i == 0 else f"New {i - 1}"))
    grown = placed(network)
    assert grown.school("Hub").x == 0.0 and grown.school("Hub").y == 0.0
    assert overlapping(grown) == []
    assert max(math.dist((s.x, s.y), (0, 0)) for s in grown.schools) < 1500


def test_an_unlinked_new_school_goes_under_the_drawing():
    network = placed(generated(10))
    bottom = max(box(s)[3] for s in network.schools)
    grown = placed(network.with_school(School("Loner")).with_school(School("Another loner")))
    for name in ("Loner", "Another loner"):
        assert box(grown.school(name))[1] > bottom
    assert overlapping(grown) == []


def test_half_a_position_or_a_non_finite_one_counts_as_none():
    network = Network(
        (School("Oak", x=10.0), School("Ash", x=math.nan, y=3.0), School("Elm", x=1.0, y=2.0))
    )
    laid = placed(network)
    assert laid.school("Elm") == School("Elm", x=1.0, y=2.0)
    assert all(math.isfinite(s.x) and math.isfinite(s.y) for s in laid.schools)


def test_a_thousand_schools_are_all_placed_without_overlapping_names():
    laid = placed(generated(1000))
    assert all(s.x is not None and s.y is not None for s in laid.schools)
    assert overlapping(laid) == []


def test_moved_places_the_school_and_keeps_the_order():
    network = placed(generated(5))
    name = network.names[2]
    after = moved(network, name, 123.456, -7)
    assert after.names == network.names
    assert (after.school(name).x, after.school(name).y) == (123.5, -7.0)
    assert [s for s in after.schools if s.name != name] == [
        s for s in network.schools if s.name != name
    ]


@pytest.mark.parametrize(
    "x, y",
    [
        (math.nan, 0),
        (0, math.inf),
        (-math.inf, 0),
        (MAX_COORDINATE * 2, 0),
        (0, -MAX_COORDINATE - 1),
        ("12", 0),
        (None, 0),
        (True, 0),
        ([1], 0),
        (0, {"x": 1}),
    ],
)
def test_moved_refuses_what_is_not_a_sane_number(x, y):
    network = placed(generated(3))
    with pytest.raises(EditError, match="position") as raised:
        moved(network, network.names[0], x, y)
    assert network.names[0] in str(raised.value)


@pytest.mark.parametrize("name", ["Nobody", None, 3, "x" * 10_000])
def test_moved_refuses_a_school_that_is_not_there(name):
    network = placed(generated(3))
    with pytest.raises(EditError, match="no school called") as raised:
        moved(network, name, 1, 1)
    assert len(str(raised.value)) < 200
