"""Lesson 06 activity: who leads which shared activity in your network, and how widely it spreads."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

import ipywidgets as widgets

from .. import leadership, lessons
from ..html.leadership import spread_html
from ..leadership import Lead, LeadError
from ..lessons import DONE
from ..network import Network
from ..record import load_network
from .common import FIELD, WIDE, Activity, SaveStatus, heading, on_press

if TYPE_CHECKING:
    from .lesson import Learner, Lesson


class WhoLeadsView(widgets.VBox, Activity):
    """Mark leads with three labelled lists and a button; remove one from the list of leads."""

    def __init__(self, lesson: Lesson) -> None:
        self.lesson = lesson
        self.network = Network()
        self.leads: list[Lead] = []
        self.status = SaveStatus()
        activities = leadership.activities()
        self.activity = widgets.Dropdown(
            description="Shared activity",
            style=WIDE,
            layout=FIELD,
            options=[(a.name, a.id) for a in activities.values()],
        )
        self.member = widgets.Dropdown(
            description="Member who leads it", style=WIDE, layout=FIELD, options=[]
        )
        self.role = widgets.Dropdown(
            description="Their role",
            style=WIDE,
            layout=FIELD,
            options=[(r.name, r.id) for r in leadership.roles().values()],
        )
        self.add = widgets.Button(description="Add this lead", layout={"width": "auto"})
        on_press(self.add, self._add, self.status)
        self.chosen = widgets.Dropdown(
            description="Leads marked so far", style=WIDE, layout=FIELD, options=[]
        )
        self.remove = widgets.Button(description="Remove this lead", layout={"width": "auto"})
        on_press(self.remove, self._remove, self.status)
        self.note = widgets.HTML()
        self.result = widgets.HTML()
        listing = "".join(
            f"<li><strong>{escape(a.name)}</strong>: {escape(a.about)}</li>"
            for a in activities.values()
        )
        super().__init__(
            [
                self.status,
                self.note,
                widgets.HTML(
                    f"<details><summary>What the shared activities are</summary><ul>{listing}</ul></details>"
                ),
                heading("Mark a lead", 4),
                self.activity,
                self.member,
                self.role,
                widgets.HBox([self.add]),
                heading("Your leads", 4),
                widgets.HBox([self.chosen, self.remove]),
                self.result,
            ]
        )
        self.add_class("course-activity")
        self.wait()

    @property
    def controls(self) -> list[widgets.Widget]:
        return [self.activity, self.member, self.role, self.add, self.chosen, self.remove]

    def wait(self) -> None:
        for control in self.controls:
            control.disabled = True
        self.status.waiting("Start or resume at the top of the page to mark who leads.")

    def load(self, learner: Learner) -> None:
        self.network = load_network(self.lesson.store, learner.id)
        saved = self.lesson.load(leadership.ACTIVITY, self.status).get(leadership.KEY)
        self.leads, dropped = leadership.leads_from_value(saved, self.network)
        self.member.options = [(name, name) for name in self.network.names]
        self.member.value = (
            self.network.names[0] if self.network.schools else None
        )  # options alone leave it empty
        if not self.network.schools:
            link = lessons.url(lessons.by_id("04"), learner.code)
            self.note.value = (
                f'<p class="course-feedback">There is no network to work on yet. <a href="{escape(link)}">'
                "Draw your network in Lesson 04</a> (or start there from an invented example), "
                "then come back.</p>"
            )
            self.status.waiting("Nothing to mark until your network is drawn.")
            return
        many = dropped != 1
        self.note.value = (
            f"<p>{dropped} lead{'s' if many else ''} saved earlier "
            f"{'no longer match' if many else 'no longer matches'} your network (a member was "
            f"renamed or removed) and {'are' if many else 'is'} left out.</p>"
            if dropped
            else ""
        )
        for control in self.controls:
            control.disabled = False
        self.status.waiting("Your leads are saved as you add or remove them.")
        self._render()

    @property
    def complete(self) -> bool:
        return bool(self.leads)

    def _commit(self, leads: list[Lead]) -> None:
        self.lesson.save(
            leadership.ACTIVITY, leadership.KEY, leadership.to_value(leads), self.status
        )
        self.leads = leads
        self._render()
        if self.complete:
            self.lesson.mark(DONE)

    def _add(self) -> None:
        lead = leadership.check_lead(
            self.network,
            Lead(str(self.activity.value), str(self.member.value), str(self.role.value)),
            self.leads,
        )
        self._commit([*self.leads, lead])

    def _remove(self) -> None:
        index = self.chosen.value
        if index is None or not 0 <= index < len(self.leads):
            raise LeadError("Please choose the lead to remove from the list.")
        self._commit([lead for i, lead in enumerate(self.leads) if i != index])

    def _render(self) -> None:
        acts, roles = leadership.activities(), leadership.roles()
        self.chosen.options = [("(choose a lead)", None)] + [
            (f"{acts[lead.activity].name} — {lead.school} — {roles[lead.role].name}", i)
            for i, lead in enumerate(self.leads)
        ]
        self.chosen.value = None
        self.remove.disabled = not self.leads
        self.result.value = spread_html(self.network, self.leads)
