"""Lesson 05 activities: the network health questionnaire and the diagnosis with its reasons and "what if"."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING

import ipywidgets as widgets

from .. import classify, health
from ..html.diagnosis import diagnosis_html, measures_html
from ..lessons import DONE
from ..network import Network
from ..record import load_network
from .common import (
    WIDE,
    Activity,
    Listeners,
    RadioQuestions,
    SaveStatus,
    guarded,
    heading,
    on_press,
)
from .examples import WorkedCases

if TYPE_CHECKING:
    from .lesson import Learner, Lesson

ACTIVITY = "health"


class HealthView(RadioQuestions):
    """One labelled 1–5 radio group per statement; answers saved as chosen."""

    def __init__(self, lesson: Lesson) -> None:
        self.lesson = lesson
        self.questionnaire = health.load_items()
        self.status = SaveStatus()
        self.answers: dict[str, int] = {}
        self._changed = Listeners()
        self._setup_radios()
        options = [(f"{value} {label}", value) for value, label in self.questionnaire.scale]
        for number, item in enumerate(self.questionnaire.items, start=1):
            self.add_radio(item.id, f"{number}. {item.text}", options)
        self.counter = widgets.HTML()
        super().__init__([self.counter, self.status, *self.radios.values()])
        self.add_class("course-activity")
        self.wait()

    def on_change(self, callback: Callable[[], None], remove: bool = False) -> None:
        """Call ``callback`` after every answer (``remove``: no longer)."""
        self._changed.register(callback, remove)

    def load(self, learner: Learner) -> None:
        saved = self.saved_answers(ACTIVITY)
        self.answers = {k: v for k, v in saved.items() if k in self.radios and isinstance(v, int)}
        self.show_answers(self.answers)
        self._count()

    def answered(self, item_id: str, value: object) -> None:
        value = health.check_item_answer(item_id, value)
        self.answers[item_id] = value
        self.lesson.save(ACTIVITY, item_id, value, self.status)
        self._count()
        self._changed()

    def _count(self) -> None:
        total = len(self.radios)
        self.counter.value = (
            '<p class="course-count" aria-live="polite">'
            f"{len(self.answers)} of {total} statements answered.</p>"
        )


class DiagnosisView(widgets.VBox, Activity):
    """The verdict, profile, reasons and evidence; the measures in words; "what if"."""

    def __init__(self, lesson: Lesson) -> None:
        self.lesson = lesson
        self.network = Network()
        self.health = next(iter(lesson.activities_of(HealthView)), None)
        if self.health:
            self.health.on_change(self.refresh)
        self.status = SaveStatus()
        self.result = widgets.HTML(
            "<p>Your diagnosis appears here once you have started or resumed.</p>"
        )
        self.measures = widgets.HTML()
        self.judgements = widgets.HTML(
            "<details><summary>Which parts are the course's own judgement</summary><ul>"
            + "".join(f"<li>{escape(j)}</li>" for j in classify.JUDGEMENTS)
            + "</ul></details>"
        )
        questionnaire = health.load_items()
        self.remove = widgets.Dropdown(
            description="What if this school left?",
            options=[("(no school leaves)", None)],
            style=WIDE,
        )
        self.construct = widgets.Dropdown(
            description="What if this answer changed?",
            style=WIDE,
            options=[("(no change)", None)]
            + [(c.name, c.id) for c in questionnaire.constructs.values()],
        )
        self.value = widgets.Dropdown(
            description="to",
            style=WIDE,
            options=[(f"{v} {label}", v) for v, label in questionnaire.scale],
            value=3,
        )
        self.what_if_button = widgets.Button(
            description="Show what would change", layout={"width": "auto"}
        )
        on_press(self.what_if_button, self._what_if, self.status, "Could not try this change")
        self.what_if_result = widgets.HTML()
        self.worked_cases = WorkedCases()
        super().__init__(
            [
                self.status,
                self.result,
                heading("What the drawing shows, measure by measure", 4),
                self.measures,
                self.judgements,
                heading("What if?", 4),
                widgets.HTML("<p>Try a change and compare: nothing here is saved.</p>"),
                self.remove,
                widgets.HBox([self.construct, self.value]),
                self.what_if_button,
                self.what_if_result,
                heading("Worked cases: the invented example networks, diagnosed", 4),
                widgets.HTML(
                    "<p>Each example network of Lesson 04 comes with invented answers to the "
                    "questions above. Choose one to read its story and its diagnosis.</p>"
                ),
                self.worked_cases,
            ]
        )
        self.add_class("course-activity")
        self.wait()

    def wait(self) -> None:
        """Nothing to try until the learner's network is loaded (it would be tried on none)."""
        for control in (self.remove, self.construct, self.value, self.what_if_button):
            control.disabled = True

    def load(self, learner: Learner) -> None:
        self.network = load_network(self.lesson.store, learner.id)
        self.remove.options = [("(no school leaves)", None)] + [(n, n) for n in self.network.names]
        for control in (self.remove, self.construct, self.value, self.what_if_button):
            control.disabled = False
        self.refresh()

    def _items(self) -> dict[str, int]:
        return dict(self.health.answers) if self.health else {}

    def refresh(self) -> None:
        @guarded(self.status, "No diagnosis")
        def run() -> None:
            if not self.network.schools:
                self.result.value = (
                    "<p>There is no network to diagnose yet: draw yours in Lesson 04 "
                    "(or start there from an invented example), then come back.</p>"
                )
                self.measures.value = ""
                return
            result = classify.diagnose(self.network, items=self._items())
            self.result.value = diagnosis_html(result, "Diagnosis")
            self.measures.value = measures_html(self.network)
            if self.health and len(self.health.answers) == len(self.health.radios):
                self.lesson.mark(DONE)

        run()

    def _what_if(self) -> None:
        constructs = health.construct_scores(self._items())
        change = {self.construct.value: float(self.value.value)} if self.construct.value else None
        result = classify.what_if(
            self.network, constructs, remove_school=self.remove.value, change=change
        )
        self.what_if_result.value = diagnosis_html(result, "What if")
