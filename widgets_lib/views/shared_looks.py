"""One layout and one style widget for every widget that looks the same.

ipywidgets gives every widget a ``Layout`` widget of its own, and most a style widget too
(``DescriptionStyle``, ``HTMLStyle``...), even when they are left as they are or given the same
dictionary, as the course's views do (``layout={"width": "auto"}``, ``style=WIDE``). Lesson 03 made
239 widgets, 150 of them layouts and styles, 122 of them alike. Every one is a model the kernel opens
and keeps, sends to each page that asks for the widgets' states, and the browser builds before the
page works: a class of 200 arriving at once paid for them in every kernel (issue 18).

:func:`install` makes a layout or style that is given as a dictionary, or left to its default,
one shared widget per kind and value in the kernel. ipywidgets supports sharing them (a layout's
views follow its model). A shared one cannot be changed: changing it would change every widget
that shares it, so trying raises :class:`SharedLookError`, and a widget whose layout or style the
course changes later (hidden, shown) is given ``widgets.Layout()`` of its own, which is kept as
given. Changes a page sends to a shared one are dropped: no page needs to make any.
"""

from __future__ import annotations

import logging

import ipywidgets as widgets
from ipywidgets.widgets.trait_types import InstanceDict
from ipywidgets.widgets.widget_style import Style

log = logging.getLogger("widgets_lib")

_SHARED: dict[tuple, widgets.Widget] = {}  # (kind, its settings) -> the open shared widget
_FROZEN: dict[type, type] = {}  # kind -> its unchangeable subclass
_installed = False


class SharedLookError(AttributeError):
    """A shared layout or style was to be changed."""


def _frozen_class(kind: type) -> type:
    frozen = _FROZEN.get(kind)
    if frozen is None:

        def __setattr__(self, name, value):  # noqa: N807 - the hook Python calls
            if getattr(self, "_course_shared", False) and name in self.keys:
                raise SharedLookError(
                    f"This {kind.__name__} is shared by every widget that looks the same, so "
                    f"changing its {name!r} would change them all: give the widget "
                    f"`{kind.__name__}()` of its own when it is made."
                )
            super(frozen, self).__setattr__(name, value)

        def set_state(self, sync_data):
            log.warning("A page tried to change a shared %s; ignored", kind.__name__)

        frozen = type(kind.__name__, (kind,), {"__setattr__": __setattr__, "set_state": set_state})
        frozen.__module__ = kind.__module__
        frozen.__qualname__ = kind.__qualname__
        _FROZEN[kind] = frozen
    return frozen


def _is_look(kind: type) -> bool:
    return issubclass(kind, (widgets.Layout, Style))


def shared(kind: type, settings: dict) -> widgets.Widget:
    """The kernel's one open ``kind`` widget with these settings (made at its first use)."""
    try:
        key = (kind, tuple(sorted(settings.items())))
        hash(key)
    except TypeError:  # a value that cannot be a key (a list): a widget of its own
        return kind(**settings)
    found = _SHARED.get(key)
    if found is None or found.comm is None:  # never made, or closed (Widget.close_all)
        found = _frozen_class(kind)(**settings)
        found._course_shared = True  # from now on it cannot be changed
        _SHARED[key] = found
    return found


def install() -> None:
    """Share layouts and styles given as dictionaries or left to their defaults, in this process."""
    global _installed
    if _installed:
        return
    _installed = True
    validate, make_default = InstanceDict.validate, InstanceDict.make_dynamic_default

    def shared_validate(self, obj, value):
        if isinstance(value, dict) and _is_look(self.klass):
            value = shared(self.klass, value)
        return validate(self, obj, value)

    def shared_default(self):
        if _is_look(self.klass) and not self.default_args and not self.default_kwargs:
            return shared(self.klass, {})
        return make_default(self)

    InstanceDict.validate = shared_validate
    InstanceDict.make_dynamic_default = shared_default
