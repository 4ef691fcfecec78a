"""One layout and one style widget for all widgets that look alike (widgets_lib/views/shared_looks.py).

Every widget model is opened by the kernel, sent to each page that asks for the widgets' states and
built by the browser before the page works; lesson 03 made 239, of which 122 were layouts and styles
alike (issue 18)."""

from __future__ import annotations

import ipywidgets as widgets
import pytest
from ipywidgets.widgets.widget import _instances

from widgets_lib.views.lesson import Lesson
from widgets_lib.views.shared_looks import SharedLookError


def models(kind: type | None = None) -> list[widgets.Widget]:
    found = [w for w in _instances.values() if w.comm is not None]
    return [w for w in found if kind is None or isinstance(w, kind)]


@pytest.fixture(autouse=True)
def no_widgets_before():
    widgets.Widget.close_all()
    yield
    widgets.Widget.close_all()


def test_lesson_03_opens_one_model_per_look(store):
    lesson = Lesson("03", store=store, show=False)
    lesson.activity("capacity", show=False)
    lesson.activity("reflection", show=False)
    lesson.finish(query_string="", show=False)
    layouts = models(widgets.Layout)
    looks = [w.get_state() for w in layouts]
    assert len(looks) == len({repr(sorted(s.items())) for s in looks}), "two layouts alike"
    radios = models(widgets.RadioButtons)
    assert len(radios) == 27
    assert len({id(r.layout) for r in radios}) == 1 and len({id(r.style) for r in radios}) == 1
    assert len(models()) < 100  # 239 before the looks were shared


def test_a_shared_look_cannot_be_changed_and_an_own_one_can():
    a, b = widgets.HTML("a"), widgets.HTML("b", layout={})
    assert a.layout is b.layout
    with pytest.raises(SharedLookError, match="of its own"):
        a.layout.display = "none"
    with pytest.raises(SharedLookError):
        a.style.font_size = "40px"
    assert b.layout.display is None

    own = widgets.HTML("c", layout=widgets.Layout())
    own.layout.display = "none"
    assert own.layout.display == "none" and a.layout.display is None


def test_a_page_cannot_change_a_shared_look():
    """A page may send any message: an update to a shared layout would restyle every widget."""
    html = widgets.HTML("a", layout={"width": "auto"})
    shared = html.layout
    shared._handle_msg(
        {"content": {"data": {"method": "update", "state": {"width": "1px"}, "buffer_paths": []}}}
    )
    assert shared.width == "auto"


def test_settings_give_their_own_shared_look():
    auto, wide, again = (
        widgets.Button(layout={"width": "auto"}),
        widgets.Button(layout={"width": "100%"}),
        widgets.Button(layout={"width": "auto"}),
    )
    assert auto.layout is again.layout and auto.layout is not wide.layout
    assert wide.layout.width == "100%"


def test_a_closed_shared_look_is_made_again():
    """Tests and the dashboard close widgets: a new widget must never point at a closed model."""
    first = widgets.HTML("a").layout
    widgets.Widget.close_all()
    second = widgets.HTML("b").layout
    assert first is not second and second.comm is not None
