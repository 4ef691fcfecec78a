"""Lesson 03 activity: rate your school, see it placed on the capacity model, retake and compare."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from . import capacity
from .capacity_figure import model_svg, profile_svg
from .lessons import DONE
from .store import now
from .widget_common import RadioQuestions, SaveStatus, guarded, heading

if TYPE_CHECKING:
    from .lesson import Learner, Lesson


class CapacityView(RadioQuestions):
    """Statements grouped by element, each a labelled radio group; the result below them."""

    def __init__(self, lesson: "Lesson") -> None:
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
            groups.append(heading(element.name, 4))
            groups.append(widgets.HTML(f'<p class="course-hint">{escape(element.summary)}</p>'))
            for item in self.bank.items_of(element.id):
                groups.append(self.add_radio(item.id, f"{item.id}. {item.text}", options))
        self.counter = widgets.HTML()
        self.questions = widgets.VBox(groups)
        self.result = widgets.VBox()
        self.result.add_class("course-result")
        self.retake = widgets.Button(description="Start a new attempt", disabled=True,
                                     layout=widgets.Layout(width="auto"),
                                     tooltip="Keep these answers and rate your school again later")
        self.retake.on_click(self._retake)
        self.attempt_note = widgets.HTML()
        super().__init__([self.attempt_note, self.counter, self.status, self.questions,
                          heading("Your school on the capacity model", 3), self.result, self.retake])
        self.add_class("course-activity")
        self.wait()

    # -- state ------------------------------------------------------------------
    def load(self, learner: "Learner") -> None:
        saved = self.lesson.store.load(learner.id, capacity.ACTIVITY)
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
            f"<p>Attempt {self.attempt}" + (f", begun {escape(started[:10])}" if started else "") + ".</p>"
        )
        self._refresh()

    def answered(self, item_id: str, value: Any) -> None:
        value = capacity.check_answer(self.bank, item_id, value)
        self.attempts.setdefault(self.attempt, {})[item_id] = value
        self.lesson.save(capacity.ACTIVITY, capacity.answer_key(self.attempt, item_id), value, self.status)
        self._refresh()

    def _retake(self, _button: widgets.Button) -> None:
        @guarded(self.status)
        def run() -> None:
            self.attempt += 1
            self.meta.append({"n": self.attempt, "started": now()})
            self.lesson.save(capacity.ACTIVITY, "attempts", self.meta, self.status)
            self._show_attempt()

        run()

    # -- result -----------------------------------------------------------------
    def _refresh(self) -> None:
        answers = self.attempts.get(self.attempt, {})
        result = capacity.assess(self.bank, answers)
        self.counter.value = (f'<p class="course-count" aria-live="polite">{result.answered} of '
                              f"{result.total} statements answered.</p>")
        self.retake.disabled = not result.complete
        if not result.complete:
            self.result.children = [widgets.HTML(
                "<p>Your school's place on the model appears here when every statement is answered "
                f"({result.total - result.answered} to go).</p>")]
            return
        self.lesson.mark(DONE)
        self.result.children = self._result_widgets(result)

    def _earlier(self) -> tuple[int, dict[str, float | None]] | None:
        for n in sorted(self.attempts, reverse=True):
            if n < self.attempt:
                earlier = capacity.assess(self.bank, self.attempts[n])
                if earlier.complete:
                    return n, earlier.scores
        return None

    def _result_widgets(self, result: capacity.Result) -> list[widgets.Widget]:
        state = self.bank.growth_states[result.growth_state or ""]
        names = {e.id: e.name for e in self.bank.elements}
        start = "".join(
            f"<li><strong>{escape(names[k])}</strong>: {escape(self.bank.advice.get(k, ''))}</li>"
            for k in result.start_with
        )
        reading = widgets.HTML(
            f'<div class="course-reading"><h4>Growth state: {escape(state["name"])}</h4>'
            f"<p>{escape(state['meaning'])}</p><p>{escape(state['where_to_start'])}</p>"
            f"<h4>Where to start</h4><ul>{start}</ul>"
            "<p class=\"course-hint\">The growth states and the thresholds behind them are this course's "
            "own reading of Hopkins and Jackson, not the paper's.</p></div>"
        )
        earlier = self._earlier()
        figure = widgets.HTML(model_svg(self.bank, result.scores, result.start_with, result.growth_state))
        chart = widgets.HTML(profile_svg(self.bank, result.scores, earlier[1] if earlier else None))
        table = widgets.HTML(self._table(result, earlier))
        return [reading, heading("The model, with your school's scores", 4), figure,
                heading("Your profile", 4), chart, heading("The same in a table", 4), table]

    def _table(self, result: capacity.Result, earlier: tuple[int, dict[str, float | None]] | None) -> str:
        head = "<tr><th scope=\"col\">Element</th><th scope=\"col\">Part of the model</th>" \
               f"<th scope=\"col\">Attempt {self.attempt}</th>"
        if earlier:
            head += f"<th scope=\"col\">Attempt {earlier[0]}</th><th scope=\"col\">Change</th>"
        head += "<th scope=\"col\">Start here?</th></tr>"
        groups = {"foundation": "Foundation", "domain": "Domain", "external": "External", "heart": "Heart of capacity"}
        rows = []
        for element in self.bank.elements:
            score = result.scores[element.id]
            cells = [f'<th scope="row">{escape(element.name)}</th>', f"<td>{groups[element.group]}</td>",
                     f"<td>{score:.1f}</td>"]
            if earlier:
                before = earlier[1].get(element.id)
                cells.append(f"<td>{before:.1f}</td>" if before is not None else "<td>—</td>")
                cells.append(f"<td>{(score - before):+.1f}</td>" if before is not None and score is not None else "<td>—</td>")
            cells.append("<td>Yes</td>" if element.id in result.start_with else "<td></td>")
            rows.append("<tr>" + "".join(cells) + "</tr>")
        return ('<table class="course-table"><caption>Capacity scores, 1 (not like us yet) to 4 (very like us)'
                f"</caption>{head}{''.join(rows)}</table>")
