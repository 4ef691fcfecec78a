"""The invented example networks as worked cases, where learners choose them (lessons 04 and 05)."""

from __future__ import annotations

import ipywidgets as widgets

from ..examples import diagnose_example, example, list_examples, look_alikes
from ..html.examples import look_alikes_panel_html, worked_case_html
from .common import WIDE


class WorkedCases(widgets.VBox):
    """The chosen example's story and diagnosis, and the look-alikes side by side.

    ``choose`` is a dropdown of example ids that the page already has (lesson 04's "Start from
    this example"); without one, the view makes its own.
    """

    def __init__(self, choose: widgets.Dropdown | None = None) -> None:
        own = choose is None
        self.choose = choose or widgets.Dropdown(
            description="Worked case (invented)",
            style=WIDE,
            options=[(title, key) for key, title in list_examples()],
        )
        self.case = widgets.HTML()
        self.case.add_class("course-reading")
        self.look_alikes = widgets.HTML(
            look_alikes_panel_html([(case, diagnose_example(case.id)) for case in look_alikes()])
        )
        self.choose.observe(self._show, names="value")
        super().__init__([*([self.choose] if own else []), self.case, self.look_alikes])
        self._show()

    def _show(self, _change: object = None) -> None:
        key = self.choose.value
        self.case.value = (
            "" if key is None else worked_case_html(example(key), diagnose_example(key))
        )
