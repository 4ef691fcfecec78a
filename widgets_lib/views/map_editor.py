"""Lesson 04's map editor: the network drawn live (vis-network, from the data pyvis builds) and
edited on the drawing itself (issue 17).

The browser's part (``map_editor.js``) sends each action as a message; nothing it sends is
trusted. :func:`read_action` turns a message into a :class:`DrawingAction` or refuses it with
one sentence (:class:`~widgets_lib.network.EditError`); the lesson's view then makes the change
through the same path as its forms (saved, drawn, undoable) and answers with :meth:`MapEditor.answer`.
The drawing's state flows one way only, kernel to browser: the browser may set no trait
(:meth:`MapEditor.set_state` ignores what it sends), so a page cannot change what the kernel holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anywidget
import traitlets
from ipywidgets import CallbackDispatcher, Layout

from ..html.drawing import drawing_data
from ..layout import check_coordinate
from ..network import MAX_NAME, EditError, Network

__all__ = ["ACTIONS", "DrawingAction", "MapEditor", "read_action"]

HERE = Path(__file__).resolve().parent
# What the drawing can ask for: add a school at a spot, link two schools, move a school, choose a
# school or a link for the forms.
ACTIONS = ("add", "link", "move", "school", "pick_link")
MAX_KEYS = 8  # the most fields an action has (action, request, name, from, to, index, x, y)
# A name the drawing sends back is one it was given, at most MAX_NAME characters; a new school's
# name may be longer (typed, or sent by a script) and is refused with the form's own sentence,
# but anything past this is not even read.
MAX_SENT_TEXT = 10 * MAX_NAME
STALE = "The drawing had not yet caught up with your last change; please try once more."


@dataclass(frozen=True)
class DrawingAction:
    """One checked action from the drawing. ``name`` is the school added, moved or chosen, or a
    link's first end (``target`` its second); ``index`` is the chosen link's place in the list."""

    kind: str
    name: str = ""
    target: str = ""
    index: int | None = None
    x: float = 0.0
    y: float = 0.0


def request_of(content: Any) -> int | None:
    """The number the browser gave its message (the answer carries it back), if it is one."""
    value = content.get("request") if isinstance(content, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(content: dict, key: str, what: str) -> str:
    value = content.get(key)
    if not isinstance(value, str):
        raise EditError(f"The drawing sent no {what}; nothing was changed.")
    if len(value) > MAX_SENT_TEXT:
        raise EditError(
            f"The {what} the drawing sent is {len(value):,} characters long; "
            f"a school's name has at most {MAX_NAME:,}."
        )
    return value


def read_action(content: Any) -> DrawingAction:
    """The action a drawing message asks for, its fields of the right kinds and sizes, or
    :class:`EditError` saying what was wrong. Whether the names are schools of the network, and
    whether the change is allowed, is for the network's own checks."""
    if not isinstance(content, dict) or len(content) > MAX_KEYS:
        raise EditError("The drawing sent a message the course cannot read; nothing was changed.")
    kind = content.get("action")
    if kind not in ACTIONS:
        raise EditError("The drawing asked for something it cannot do; nothing was changed.")
    if kind == "add":
        name = _text(content, "name", "name for the new school")
        x = check_coordinate(content.get("x"), "across, for the new school")
        y = check_coordinate(content.get("y"), "down, for the new school")
        return DrawingAction(kind, name=name, x=x, y=y)
    if kind == "link":
        return DrawingAction(
            kind,
            name=_text(content, "from", "first school of the link"),
            target=_text(content, "to", "second school of the link"),
        )
    if kind == "move":
        name = _text(content, "name", "school to move")
        shown = name[:60]
        x = check_coordinate(content.get("x"), f"across, for {shown}")
        y = check_coordinate(content.get("y"), f"down, for {shown}")
        return DrawingAction(kind, name=name, x=x, y=y)
    if kind == "school":
        return DrawingAction(kind, name=_text(content, "name", "school to change"))
    index = content.get("index")
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < 10**6:
        raise EditError("The drawing sent a link the course cannot find; nothing was changed.")
    return DrawingAction(
        kind,
        index=index,
        name=_text(content, "from", "first school of the link"),
        target=_text(content, "to", "second school of the link"),
    )


def chosen_link(network: Network, action: DrawingAction) -> int:
    """The index of the link a ``pick_link`` action names, checked against its two ends (the
    drawing may show an older network than the kernel's), or :class:`EditError`."""
    index = action.index
    if index is None or index >= len(network.links):
        raise EditError(STALE)
    link = network.links[index]
    if (link.source, link.target) != (action.name, action.target):
        raise EditError(STALE)
    return index


class MapEditor(anywidget.AnyWidget):
    """The live drawing of a network, with its editing actions reported to ``on_action``."""

    _esm = HERE / "map_editor.js"
    _css = HERE / "map_editor.css"

    nodes = traitlets.List(help="vis-network nodes, as pyvis builds them (label = name)").tag(
        sync=True
    )
    edges = traitlets.List(help="vis-network edges, as pyvis builds them (id = link index)").tag(
        sync=True
    )
    options = traitlets.Dict(help="vis-network options, as pyvis builds them").tag(sync=True)
    editable = traitlets.Bool(
        False, help="Whether the drawing offers its editing actions (someone is signed in)"
    ).tag(sync=True)
    max_name = traitlets.Int(MAX_NAME, help="The longest name the name field takes").tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("layout", Layout())  # its own: the lesson hides and shows it
        super().__init__(**kwargs)
        self._actions = CallbackDispatcher()
        self.on_msg(self._received)

    def on_action(self, callback: Callable[[Any], None], remove: bool = False) -> None:
        """``callback(content)`` for each message the drawing sends (unchecked: see
        :func:`read_action`)."""
        self._actions.register_callback(callback, remove=remove)

    def show(self, network: Network) -> None:
        """Draw ``network`` (sent to the browser as one update)."""
        data = drawing_data(network)
        with self.hold_sync():
            self.nodes = data["nodes"]
            self.edges = data["edges"]
            self.options = data["options"]

    def answer(self, request: int | None, ok: bool, message: str = "") -> None:
        """Tell the drawing how its action ended: the name field closes once its school is added,
        and stays open, with the reason, when it is not; after a refusal the drawing is drawn again
        from the network as it is."""
        if request is not None:
            self.send({"request": request, "ok": ok, "message": message})
        if not ok:  # a school dragged, but not moved: drawn again where the network has it
            self.send({"redraw": True})

    def set_state(self, sync_data: dict) -> None:
        """The browser may change none of the drawing's traits: its edits come as actions."""

    def _received(self, _widget: MapEditor, content: Any, _buffers: list) -> None:
        self._actions(content)
