"""Lesson 03 activity: rate your school, see it placed on the capacity model, retake and compare."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from .. import capacity
from ..html.capacity_figure import model_svg, profile_svg, reading_html, scores_table
from ..lessons import DONE
from ..store import now
from .common import RadioQuestions, SaveStatus, heading, on_press

if TYPE_CHECKING:
    from .lesson import Learner, Lesson


class CapacityView(RadioQuestions):
    """Statements grouped by element, each a labelled radio group; the result below them."""

    def __init__(self, lesson: Lesson) -> None:
        self.lesson = lesson
        self.bank = capacity.load_bank()
        self.status = SaveStatus()
        self.attempt = 1
        self.attempts: dict[int, dict[str, int]] = {}
        self.meta: list[dict[str, Any]] = []
        self._setup_radios()
        options = [(label, value) for value, label in self.bank.scale]
        groups: list[widgets.Widget] = []
        for element in self.bank.elements:
            groups.append(heading(element.name, 3))
            groups.append(widgets.HTML(f'<p class="course-hint">{escape(element.summary)}</p>'))
            for item in self.bank.items_of(element.id):
                groups.append(self.add_radio(item.id, f"{item.id}. {item.text}", options))
        self.counter = widgets.HTML()
        self.questions = widgets.VBox(groups)
        self.result = widgets.VBox()
        self.result.add_class("course-result")
        self._parts = [widgets.HTML() for _ in range(4)]  # reading, model, profile, table
        reading, figure, chart, table = self._parts
        self._result_children = [
            reading,
            heading("The model, with your school's scores", 4),
            figure,
            heading("Your profile", 4),
            chart,
            heading("The same in a table", 4),
            table,
        ]
        self.retake = widgets.Button(
            description="Start a new attempt",
            disabled=True,
            layout={"width": "auto"},
            tooltip="Keep these answers and rate your school again later",
        )
        on_press(self.retake, self._retake, self.status)
        self.attempt_note = widgets.HTML()
        super().__init__(
            [
                self.attempt_note,
                self.counter,
                self.status,
                self.questions,
                heading("Your school on the capacity model", 3),
                self.result,
                self.retake,
            ]
        )
        self.add_class("course-activity")
        self.wait()

    # -- state ------------------------------------------------------------------
    def load(self, learner: Learner) -> None:
        saved = self.saved_answers(capacity.ACTIVITY, key_of=capacity.item_of_key)
        self.meta = list(saved.get("attempts") or [])
        self.attempts = capacity.split_attempts(saved)
        if not self.meta:
            self.meta = [{"n": 1, "started": now()}]
            self.lesson.save(capacity.ACTIVITY, "attempts", self.meta, self.status)
        self.attempt = max(int(m["n"]) for m in self.meta)
        self._show_attempt()

    def _show_attempt(self) -> None:
        self.show_answers(self.attempts.get(self.attempt, {}))
        started = next((m.get("started", "") for m in self.meta if int(m["n"]) == self.attempt), "")
        self.attempt_note.value = (
            f"<p>Attempt {self.attempt}"
            + (f", begun {escape(started[:10])}" if started else "")
            + ".</p>"
        )
        self._refresh()

    def answered(self, item_id: str, value: Any) -> None:
        value = capacity.check_answer(self.bank, item_id, value)
        self.attempts.setdefault(self.attempt, {})[item_id] = value
        self.lesson.save(
            capacity.ACTIVITY, capacity.answer_key(self.attempt, item_id), value, self.status
        )
        self._refresh()

    def _retake(self) -> None:
        self.attempt += 1
        self.meta.append({"n": self.attempt, "started": now()})
        self.lesson.save(capacity.ACTIVITY, "attempts", self.meta, self.status)
        self._show_attempt()

    # -- result -----------------------------------------------------------------
    def _refresh(self) -> None:
        answers = self.attempts.get(self.attempt, {})
        result = capacity.assess(self.bank, answers)
        self.counter.value = (
            f'<p class="course-count" aria-live="polite">{result.answered} of '
            f"{result.total} statements answered.</p>"
        )
        self.retake.disabled = not result.complete
        if not result.complete:
            self.result.children = [
                widgets.HTML(
                    "<p>Your school's place on the model appears here when every statement is answered "
                    f"({result.total - result.answered} to go).</p>"
                )
            ]
            return
        self.lesson.mark(DONE)
        self._show_result(result)

    def _earlier(self) -> tuple[int, dict[str, float | None]] | None:
        for n in sorted(self.attempts, reverse=True):
            if n < self.attempt:
                earlier = capacity.assess(self.bank, self.attempts[n])
                if earlier.complete:
                    return n, earlier.scores
        return None

    def _show_result(self, result: capacity.Result) -> None:
        """Update the result's pictures in place: only what changed travels to the page, and
        the page keeps its elements (rebuilding them made every answer cost a full redraw)."""
        earlier = self._earlier()
        values = (
            reading_html(self.bank, result),
            model_svg(self.bank, result.scores, result.start_with, result.growth_state),
            profile_svg(self.bank, result.scores, earlier[1] if earlier else None),
            scores_table(self.bank, result, self.attempt, earlier),
        )
        for part, value in zip(self._parts, values, strict=True):
            part.value = value
        if list(self.result.children) != self._result_children:
            self.result.children = self._result_children
