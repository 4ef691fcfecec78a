"""Lesson 08 activity: the action plan — add, change and remove actions; saved at once — and what the
school will learn from, with and on behalf of its partners, saved as typed."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import ipywidgets as widgets

from .. import plan
from ..html.plan import plan_table
from ..lessons import DONE
from ..plan import Action, PlanError
from .common import FIELD, WIDE, Activity, SaveStatus, guarded, heading, on_press, save_as_typed

if TYPE_CHECKING:
    from .lesson import Learner, Lesson


class PlanView(widgets.VBox, Activity):
    """A labelled form; "Add" appends, choosing an action fills the form to change or remove it."""

    def __init__(self, lesson: Lesson) -> None:
        self.lesson = lesson
        self.actions: list[Action] = []
        self.status = SaveStatus()
        # Sent when the field is left (or the page hidden or closed: course.js), so "Add" never
        # reaches the kernel before the end of the text; the form is then saved as a draft.
        self.what = widgets.Textarea(
            description="What will be done",
            rows=2,
            style=WIDE,
            layout={"width": "100%"},
            continuous_update=False,
        )
        self.who = widgets.Text(
            description="Who will lead it", style=WIDE, layout=FIELD, continuous_update=False
        )
        self.by = widgets.DatePicker(description="By when", style=WIDE)
        self.challenge = widgets.Dropdown(
            description="Which challenge it meets",
            style=WIDE,
            layout=FIELD,
            options=[(label, key) for key, label in plan.CHALLENGES.items()],
        )
        self.add = widgets.Button(description="Add to the plan", layout={"width": "auto"})
        on_press(self.add, self._add, self.status)
        self.chosen = widgets.Dropdown(
            description="Action to change or remove", style=WIDE, options=[], layout=FIELD
        )
        self.chosen.observe(lambda _c: self._chose(), names="value")
        self.change = widgets.Button(
            description="Save changes to this action", layout={"width": "auto"}
        )
        on_press(self.change, self._change, self.status)
        self.remove = widgets.Button(description="Remove this action", layout={"width": "auto"})
        on_press(self.remove, self._remove, self.status)
        self.table = widgets.HTML()
        for field in (self.what, self.who, self.by, self.challenge):
            field.observe(self._typed, names="value")
        self.learning = {
            part.key: widgets.Textarea(
                description=part.label,
                placeholder=part.hint,
                rows=3,
                continuous_update=True,
                style=WIDE,
                layout={"width": "100%"},
            )
            for part in plan.LEARNING
        }
        save_as_typed(self, self.learning, self._save_learning)
        self.way = widgets.Dropdown(
            description="The main way we will learn with them",
            style=WIDE,
            layout=FIELD,
            options=[("(choose a way)", None)] + [(label, key) for key, label in plan.WAYS.items()],
            value=None,
        )
        self.way.observe(self._chose_way, names="value")
        super().__init__(
            [
                self.status,
                heading("An action", 4),
                self.what,
                self.who,
                self.by,
                self.challenge,
                widgets.HBox([self.add]),
                heading("Change or remove an action", 4),
                self.chosen,
                widgets.HBox([self.change, self.remove]),
                heading("Your plan", 4),
                self.table,
                heading("Learning from, with and on behalf of your partners", 4),
                widgets.HTML(
                    '<p class="course-hint">A few sentences for each, about your own school and the '
                    "partners in your network. Saved as you type, and printed in your report.</p>"
                ),
                *self.learning.values(),
                self.way,
            ]
        )
        self.add_class("course-activity")
        self.wait()

    @property
    def controls(self) -> list[widgets.Widget]:
        return [
            self.what,
            self.who,
            self.by,
            self.challenge,
            self.add,
            self.chosen,
            self.change,
            self.remove,
            *self.learning.values(),
            self.way,
        ]

    def wait(self) -> None:
        for control in self.controls:
            control.disabled = True
        self.status.waiting("Start or resume at the top of the page to write your plan.")

    def load(self, learner: Learner) -> None:
        saved = self.lesson.load(
            plan.ACTIVITY,
            self.status,
            {plan.KEY: "Your plan"}
            | {part.key: part.label for part in plan.LEARNING}
            | {plan.WAY_KEY: self.way.description},
            {plan.WAY_KEY: dict(plan.WAYS)},
        )
        self.actions = plan.from_value(saved.get(plan.KEY))
        learning = plan.learning_from_value(saved)
        saved_form = self.lesson.load(plan.DRAFT_ACTIVITY, self.status).get(plan.DRAFT_KEY)
        draft = plan.draft_from_value(saved_form)
        for control in self.controls:
            control.disabled = False
        self.status.waiting("Your plan is saved whenever you add, change or remove an action.")
        with self.loading():
            self._render(draft["chosen"] if draft["chosen"] in range(len(self.actions)) else None)
            self.what.value, self.who.value = draft["what"], draft["who"]
            self.by.value = draft["by"]
            if draft["challenge"]:
                self.challenge.value = draft["challenge"]
            for key, box in self.learning.items():
                box.value = learning[key]
            self.way.value = learning[plan.WAY_KEY] or None

    @property
    def complete(self) -> bool:
        return bool(self.actions)

    def _form(self) -> Action:
        return plan.check_action(
            self.what.value, self.who.value, self.by.value, self.challenge.value
        )

    def _index(self) -> int:
        if self.chosen.value is None:
            raise PlanError("Please choose the action from the list first.")
        return int(self.chosen.value)

    def _commit(self, actions: list[Action], chosen: int | None, clear: bool = False) -> None:
        self.lesson.save(plan.ACTIVITY, plan.KEY, plan.to_value(actions), self.status)
        self.actions = actions
        with self.loading():
            self._render(chosen)
            if clear:
                self.what.value, self.who.value, self.by.value = "", "", None
        self._save_draft()
        if self.complete:
            self.lesson.mark(DONE)

    def _typed(self, _change: dict | None = None) -> None:
        if not self.loading_now:
            guarded(self.status)(self._save_draft)()

    def _save_draft(self) -> None:
        """Keep the form as the learner left it, so a tab closed before "Add" loses nothing."""
        value = plan.draft_value(
            self.what.value, self.who.value, self.by.value, self.challenge.value, self.chosen.value
        )
        self.lesson.save(plan.DRAFT_ACTIVITY, plan.DRAFT_KEY, value, self.status)

    def _save_learning(self, key: str, text: str) -> None:
        self.lesson.save(plan.ACTIVITY, key, plan.check_learning(key, text), self.status)

    def _chose_way(self, change: dict) -> None:
        if not self.loading_now:
            guarded(self.status)(self._save_way)(change["new"])

    def _save_way(self, value: object) -> None:
        self.lesson.save(plan.ACTIVITY, plan.WAY_KEY, plan.check_way(value), self.status)

    def _chose(self) -> None:
        if self.loading_now:
            return
        with self.loading():
            self._fill()
        self._typed()

    def _add(self) -> None:
        self._commit(plan.add(self.actions, self._form()), None, clear=True)

    def _change(self) -> None:
        index = self._index()
        self._commit(plan.replace(self.actions, index, self._form()), index)

    def _remove(self) -> None:
        self._commit(plan.remove(self.actions, self._index()), None)

    def _fill(self) -> None:
        if self.chosen.value is None or not 0 <= self.chosen.value < len(self.actions):
            return
        action = self.actions[self.chosen.value]
        self.what.value, self.who.value = action.what, action.who
        self.by.value, self.challenge.value = date.fromisoformat(action.by), action.challenge

    def _render(self, chosen: int | None = None) -> None:
        self.chosen.options = [("(choose an action)", None)] + [
            (f"{i + 1}. {a.what[:60]}{'…' if len(a.what) > 60 else ''} — by {a.by_words}", i)
            for i, a in enumerate(self.actions)
        ]
        self.chosen.value = chosen
        self.change.disabled = self.remove.disabled = not self.actions
        self.table.value = plan_table(self.actions)
