"""Lesson 00 activities for participants: join a cohort (seeing first exactly what the tutor will see),
share reflections or not, leave; download all my data; delete all my data.

Nothing here reads anyone else's work: every call is for the signed-in learner's own id.
"""

from __future__ import annotations

import json
from html import escape
from typing import TYPE_CHECKING

import ipywidgets as widgets

from .. import cohorts
from ..cohorts import CohortError
from ..html.common import download_link
from ..lessons import DONE
from ..network_io import csv_bytes
from ..store import Membership, now
from ..throttle import CHECKING
from .common import FIELD, WIDE, Activity, SaveStatus, guarded, heading, on_press

if TYPE_CHECKING:
    from .lesson import Learner, Lesson

_STATUS = {DONE: "Done", "started": "Started"}
NOT_JOINED = "Not joined"


class CohortView(widgets.VBox, Activity):
    """Join with the tutor's code; see what the tutor will see first; share reflections or not; leave."""

    def __init__(self, lesson: Lesson) -> None:
        self.lesson = lesson
        self.learner: Learner | None = None
        self.membership: Membership | None = None
        self.status = SaveStatus()
        self.code = widgets.Text(
            description="Cohort join code from your tutor",
            placeholder="e.g. HX4M-9QTA",
            style=WIDE,
            layout=FIELD,
        )
        self.name = widgets.Text(
            description="Your name as your tutor will see it",
            style=WIDE,
            layout=FIELD,
            placeholder="e.g. Asha, Ash Primary",
        )
        self.share = widgets.Checkbox(
            description="Share my reflection journal with my tutor", value=False, indent=False
        )
        self.share.observe(self._sharing_changed, names="value")
        self.join = widgets.Button(description="Join this cohort", layout={"width": "auto"})
        on_press(self.join, self._join, self.status, NOT_JOINED)
        self.leave = widgets.Button(description="Leave the cohort", layout={"width": "auto"})
        on_press(self.leave, self._leave, self.status)
        self.state = widgets.HTML()
        self.preview = widgets.HTML()
        self.join_form = widgets.VBox([self.code, self.name, widgets.HBox([self.join])])
        self.member_form = widgets.VBox([widgets.HBox([self.leave])])
        self.form = widgets.VBox()
        super().__init__(
            [
                self.status,
                self.state,
                widgets.HTML(sharing_words()),
                self.share,
                self.form,
                self.preview,
            ]
        )
        self.add_class("course-activity")
        self.wait()

    @property
    def controls(self) -> list[widgets.Widget]:
        return [self.code, self.name, self.share, self.join, self.leave]

    def wait(self) -> None:
        self.learner = self.membership = None
        self.state.value = self.preview.value = ""
        for control in self.controls:
            control.disabled = True
        self.status.waiting("Start or resume at the top of the page to join a cohort.")

    def load(self, learner: Learner) -> None:
        self.learner = learner
        for control in self.controls:
            control.disabled = False
        self.membership = self.lesson.store.membership(learner.id)
        self._show()

    def _show(self) -> None:
        member = self.membership
        cohort = self.lesson.store.cohort(member.cohort_id) if member else None
        if member and cohort:
            self.state.value = (
                f"<p>You are in the cohort <strong>{escape(cohort.name)}</strong> as "
                f"<strong>{escape(member.display_name)}</strong>, since "
                f"{escape(member.joined_at[:10])}.</p>"
            )
            self.form.children = [self.member_form]
            self._show_sharing(member.share_reflections)
        else:
            self.state.value = (
                "<p>You are not in a cohort. Joining is optional: self-study works the same.</p>"
            )
            self.form.children = [self.join_form]
        self.status.waiting("Changes here are saved at once.")
        self._preview()

    def _show_sharing(self, value: bool) -> None:
        with self.loading():
            self.share.value = value

    def _preview(self) -> None:
        if self.learner is None:
            return
        values, updated = self.lesson.store.load_everything(self.learner.id)
        joined = self.membership
        member = Membership(
            self.learner.id,
            joined.cohort_id if joined else "",
            joined.display_name if joined else (self.name.value.strip() or "(your name)"),
            self.share.value,
            joined.joined_at if joined else now(),
        )
        view = cohorts.participant_view(member, values, updated)
        self.preview.value = (
            "<details><summary>See your work exactly as your tutor will see it</summary>"
            + _participant_card(view)
            + "</details>"
        )

    def _join(self) -> None:
        """Join with a join code: a well-formed one waits its turn (:mod:`widgets_lib.throttle`)."""
        learner = self.learner
        if learner is None:
            raise CohortError("please start or resume at the top of the page first.")
        code = cohorts.check_join_code(self.code.value)  # a typo is said at once: not a guess
        name = cohorts.check_name(
            "Your name for the tutor", self.name.value, cohorts.MAX_DISPLAY_NAME
        )
        share = self.share.value

        def respond(wrong) -> None:
            self.join.disabled = False
            with self.status.storing():
                _cohort, self.membership = cohorts.join(
                    self.lesson.store, learner.id, code, name, share, wrong
                )
            self.code.value = ""
            self._show()
            self.status.saved(now())

        self.lesson.throttle.attempt(
            "join", guarded(self.status, NOT_JOINED)(respond), self._checking
        )

    def _checking(self, _seconds: float) -> None:
        self.join.disabled = True  # given back with the answer
        self.status.waiting(CHECKING)

    def _sharing_changed(self, _change: dict) -> None:
        if self.loading_now:
            return

        @guarded(self.status)
        def run() -> None:
            if self.membership and self.learner:
                with self.status.storing():
                    self.lesson.store.set_sharing(self.learner.id, self.share.value)
                self.membership = self.lesson.store.membership(self.learner.id)
            self._preview()

        run()

    def _leave(self) -> None:
        if self.learner is None:
            return
        with self.status.storing():
            self.lesson.store.leave(self.learner.id)
        self.membership = None
        self._show_sharing(False)
        self._show()
        self.status.saved(now())


def data_files(exported: dict) -> tuple[bytes, bytes]:
    """A learner's export as JSON and as one spreadsheet-safe CSV (current answers, then the history)."""
    as_json = json.dumps(exported, ensure_ascii=False, indent=2).encode("utf-8")
    rows: list[list[object]] = [["table", "activity", "key", "value", "time"]]
    for table, part, time in (
        ("answer", "answers", "updated_at"),
        ("history", "history", "saved_at"),
    ):
        rows += [
            [table, r["activity"], r["key"], json.dumps(r["value"], ensure_ascii=False), r[time]]
            for r in exported[part]
        ]
    return as_json, csv_bytes(rows)


CONFIRM_WORD = "DELETE"


class PrivacyView(widgets.VBox, Activity):
    """Download everything stored about me; delete it all, for good."""

    def __init__(self, lesson: Lesson) -> None:
        self.lesson = lesson
        self.learner: Learner | None = None
        self.status = SaveStatus()
        self.prepare = widgets.Button(
            description="Prepare my data to download", layout={"width": "auto"}
        )
        on_press(self.prepare, self._prepare, self.status, "Your data was not prepared")
        self.links = widgets.HTML()
        self.confirm = widgets.Text(
            description=f"To delete everything, type {CONFIRM_WORD}", style=WIDE, layout=FIELD
        )
        self.delete = widgets.Button(
            description="Delete all my data for good",
            button_style="danger",
            layout={"width": "auto"},
        )
        on_press(self.delete, self._delete, self.status, "Nothing was deleted")
        super().__init__(
            [
                self.status,
                heading("Download all your data", 3),
                widgets.HTML(
                    "<p>One JSON file and one CSV file with every answer you have saved and its full "
                    "history.</p>"
                ),
                widgets.HBox([self.prepare]),
                self.links,
                heading("Delete all your data", 3),
                widgets.HTML(
                    "<p>This removes your work, its history and your cohort membership from the course's "
                    "database. It cannot be undone, and your learner code will no longer work. Download "
                    "your data or your report first if you want to keep a copy.</p>"
                ),
                self.confirm,
                widgets.HBox([self.delete]),
            ]
        )
        self.add_class("course-activity")
        self.wait()

    @property
    def controls(self) -> list[widgets.Widget]:
        return [self.prepare, self.confirm, self.delete]

    def wait(self) -> None:
        self.learner = None
        for control in self.controls:
            control.disabled = True
        self.status.waiting("Start or resume at the top of the page to see your data.")

    def load(self, learner: Learner) -> None:
        self.learner = learner
        for control in self.controls:
            control.disabled = False
        self.status.waiting("")

    def _prepare(self) -> None:
        if self.learner is None:
            return
        as_json, as_csv = data_files(self.lesson.store.export_learner(self.learner.id))
        stamp = now()[:10]
        self.links.value = (
            "<p>"
            + download_link(
                f"my-course-data-{stamp}.json", "application/json", as_json, "my-course-data.json"
            )
            + " · "
            + download_link(f"my-course-data-{stamp}.csv", "text/csv", as_csv, "my-course-data.csv")
            + "</p>"
        )

    def _delete(self) -> None:
        if self.learner is None:
            return
        if self.confirm.value.strip().upper() != CONFIRM_WORD:
            raise CohortError(f"type {CONFIRM_WORD} in the box first.")
        self.lesson.store.delete_learner(self.learner.id)
        self.confirm.value = ""
        self.links.value = ""
        self.lesson.forget()
        self.status.waiting(
            "All your data has been deleted from the course. Your learner code no longer works."
        )


# The tutor's report (numpy, networkx and pyvis behind it) is loaded only when a participant sees
# their own card: lesson 00, where everyone joins a cohort, needs none of it (issue 18).
def sharing_words() -> str:
    always = "".join(f"<li>{escape(item)}</li>" for item in cohorts.SHARED)
    return (
        f"<p>Your tutor will see:</p><ul>{always}<li>{escape(cohorts.SHARED_WITH_CONSENT)}</li></ul>"
        f"<p>Your tutor never sees {escape(cohorts.NEVER_SHARED)}. You can leave the cohort at any time; "
        "your tutor then sees nothing more of your work.</p>"
    )


def _participant_card(view) -> str:
    from ..html.cohort_report import participant_card_html

    return participant_card_html(view, level=3)
