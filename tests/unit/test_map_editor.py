"""Lesson 04's map editor, its Python side: what a drawing message may ask, each field checked,
a hostile message refused with one sentence; the drawing's data is plain text."""

from __future__ import annotations

import math

import pytest

from widgets_lib.html.drawing import drawing_data
from widgets_lib.network import MAX_NAME, EditError, Link, Network, School
from widgets_lib.views.map_editor import (
    MAX_SENT_TEXT,
    STALE,
    DrawingAction,
    MapEditor,
    chosen_link,
    read_action,
    request_of,
)

XSS = "<img src=x onerror=alert(1)>"


def test_each_action_is_read_with_its_fields():
    assert read_action({"action": "add", "name": "Oak", "x": 12.34, "y": -5, "request": 3}) == (
        DrawingAction("add", name="Oak", x=12.3, y=-5.0)
    )
    assert read_action({"action": "link", "from": "Oak", "to": "Ash"}) == DrawingAction(
        "link", name="Oak", target="Ash"
    )
    assert read_action({"action": "move", "name": "Oak", "x": 1, "y": 2}) == DrawingAction(
        "move", name="Oak", x=1.0, y=2.0
    )
    assert read_action({"action": "school", "name": "Oak"}) == DrawingAction("school", name="Oak")
    assert read_action({"action": "pick_link", "index": 0, "from": "Oak", "to": "Ash"}) == (
        DrawingAction("pick_link", name="Oak", target="Ash", index=0)
    )


@pytest.mark.parametrize(
    "content, words",
    [
        (None, "cannot read"),
        ("add", "cannot read"),
        ([{"action": "add"}], "cannot read"),
        ({f"k{i}": i for i in range(20)}, "cannot read"),
        ({"action": "delete_everything"}, "cannot do"),
        ({"action": ["add"]}, "cannot do"),
        ({"action": "add", "name": 7, "x": 0, "y": 0}, "no name for the new school"),
        ({"action": "add", "name": None, "x": 0, "y": 0}, "no name for the new school"),
        ({"action": "add", "name": "x" * (MAX_SENT_TEXT + 1), "x": 0, "y": 0}, "characters long"),
        ({"action": "add", "name": "Oak", "x": "NaN", "y": 0}, "must be a number"),
        ({"action": "add", "name": "Oak", "x": True, "y": 0}, "must be a number"),
        ({"action": "add", "name": "Oak", "x": math.inf, "y": 0}, "between"),
        ({"action": "add", "name": "Oak", "x": 0, "y": 10**18}, "between"),
        ({"action": "add", "name": "Oak", "x": 0}, "must be a number"),
        ({"action": "move", "name": "Oak", "x": [1], "y": 0}, "across, for Oak"),
        ({"action": "link", "from": "Oak"}, "second school of the link"),
        ({"action": "link", "from": {"a": 1}, "to": "Ash"}, "first school of the link"),
        ({"action": "school"}, "school to change"),
        ({"action": "pick_link", "index": "0", "from": "Oak", "to": "Ash"}, "cannot find"),
        ({"action": "pick_link", "index": -1, "from": "Oak", "to": "Ash"}, "cannot find"),
        ({"action": "pick_link", "index": True, "from": "Oak", "to": "Ash"}, "cannot find"),
        ({"action": "pick_link", "index": 10**12, "from": "Oak", "to": "Ash"}, "cannot find"),
    ],
)
def test_a_hostile_message_is_refused_with_one_sentence(content, words):
    with pytest.raises(EditError) as refused:
        read_action(content)
    message = str(refused.value)
    assert words in message and message.endswith(".") and "\n" not in message
    assert len(message) < 200  # one sentence, not the hostile text echoed back


def test_the_answer_goes_back_only_to_a_numbered_request():
    assert request_of({"request": 4}) == 4
    assert request_of({"request": True}) is None
    assert request_of({"request": "4"}) is None
    assert request_of(["request"]) is None


def test_a_chosen_link_must_still_join_the_schools_the_drawing_showed():
    network = Network(
        (School("Oak"), School("Ash"), School("Elm")), (Link("Oak", "Ash"), Link("Ash", "Elm"))
    )
    assert chosen_link(network, DrawingAction("pick_link", "Ash", "Elm", index=1)) == 1
    for stale in (
        DrawingAction("pick_link", "Oak", "Ash", index=1),  # the list changed under the drawing
        DrawingAction("pick_link", "Ash", "Elm", index=2),
    ):
        with pytest.raises(EditError, match=STALE):
            chosen_link(network, stale)


def test_the_drawing_data_is_plain_text_and_keeps_the_saved_places():
    network = Network(
        (School(XSS, x=10.0, y=-20.0), School("Oak", kind="lea", x=0.0, y=0.0)),
        (Link(XSS, "Oak", level=3),),
    )
    data = drawing_data(network)
    assert [node["label"] for node in data["nodes"]] == [XSS, "Oak"]
    assert data["nodes"][0]["title"].startswith(XSS + "\n")  # shown as text by the editor
    assert [(node["x"], node["y"]) for node in data["nodes"]] == [(10.0, -20.0), (0.0, 0.0)]
    assert data["edges"][0]["id"] == 0 and (data["edges"][0]["from"], data["edges"][0]["to"]) == (
        0,
        1,
    )
    # The wheel scrolls the page: the drawing never zooms.
    assert data["options"]["interaction"]["zoomView"] is False


def test_the_browser_can_set_none_of_the_editors_traits():
    editor = MapEditor()
    editor.show(Network((School("Oak", x=1.0, y=2.0),)))
    before = (editor.nodes, editor.edges, editor.options, editor.editable, editor.max_name)
    hostile = {"nodes": [{"id": 0, "label": XSS}], "editable": True, "options": {}, "max_name": 9}
    # As a page's "update" message reaches the widget (ipywidgets' own message handling).
    editor._handle_msg({"content": {"data": {"method": "update", "state": hostile}}, "buffers": []})
    assert (editor.nodes, editor.edges, editor.options, editor.editable, editor.max_name) == before
    assert editor.max_name == MAX_NAME


def test_messages_reach_the_callback_unchanged():
    editor = MapEditor()
    got = []
    editor.on_action(got.append)
    custom = {"method": "custom", "content": {"action": "school", "name": "Oak"}}
    editor._handle_msg({"content": {"data": custom}, "buffers": []})
    editor.on_action(got.append, remove=True)
    editor._handle_msg({"content": {"data": custom}, "buffers": []})
    assert got == [{"action": "school", "name": "Oak"}]
