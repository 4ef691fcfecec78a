"""Lesson 04's "Ask your partner schools": make a survey link, stop it, and take in the answers.

The answers are compared with the network drawn above on the same page
(:func:`widgets_lib.survey.reconcile`); accepting one changes that network through the drawing's
own save (:meth:`~widgets_lib.views.network.NetworkView.apply`), so Undo and the drawing stay right.
Which answers the learner chose to ignore is saved as an answer of the ``survey`` activity.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from html import escape
from typing import TYPE_CHECKING

import ipywidgets as widgets

from .. import survey as sv
from ..html.survey import answers_map, findings_table
from ..network import EditError
from .common import FIELD, WIDE, Activity, SaveStatus, on_press
from .network import NetworkView, level_options

if TYPE_CHECKING:
    from .lesson import Learner, Lesson

ACTIVITY = "survey"
IGNORED = "ignored"
MAX_IGNORED = 500  # answers a learner can set aside (each key ≤ ~220 characters: ≤ ~110 KB saved)
MAX_ROWS = 60  # answers offered for a decision at once; the table shows them all
NO_HUB = (
    "Survey links cannot be used on this course server yet: partner schools cannot reach pages "
    "behind its sign-in. Ask your partners to check your drawing with you instead."
)
WHAT_ACCEPT_DOES = {
    sv.CONFIRMED: "marks your link as confirmed by both sides",
    sv.DISAGREE: "marks your link as confirmed by both sides, at the level you choose",
    sv.THEIRS_ONLY: "adds their link to your network",
    sv.YOURS_ONLY: "removes your link",
    sv.NEW_SCHOOL: "adds the school and their link to your network",
}


class SurveyView(widgets.VBox, Activity):
    def __init__(self, lesson: Lesson) -> None:
        self.lesson = lesson
        self.learner: Learner | None = None
        self.status = SaveStatus()
        self.findings: dict[str, sv.Finding] = {}
        self.responses: dict[int, sv.Response] = {}
        self.ignored: set[str] = set()
        self._deleting: int | None = None
        self.create = widgets.Button(description="Create a survey link", layout={"width": "auto"})
        self.revoke = widgets.Button(description="Stop this link", layout={"width": "auto"})
        self.refresh = widgets.Button(description="Check for answers", layout={"width": "auto"})
        # Shown for copying, never read back: whatever a page sends into it changes nothing.
        self.link = widgets.Text(
            description="Survey link to send", placeholder="No open link", style=WIDE, layout=FIELD
        )
        self.link.add_class("course-survey-link")
        self.note = widgets.HTML()
        self.table = widgets.HTML()
        self.picture = widgets.HTML()
        self.rows = widgets.VBox()
        on_press(self.create, self._create, self.status)
        on_press(self.revoke, self._revoke, self.status)
        on_press(self.refresh, self._read_answers, self.status, "Answers not read")
        self.controls = [self.create, self.revoke, self.refresh]
        super().__init__(
            [
                self.status,
                widgets.HBox([self.create, self.revoke]),
                self.link,
                self.note,
                self.refresh,
                self.table,
                self.picture,
                self.rows,
            ]
        )
        self.add_class("course-activity")
        self.add_class("course-survey")
        self.wait()

    @property
    def network_view(self) -> NetworkView:
        """The drawing on the same page, whose network the answers are compared with and changed."""
        views = self.lesson.activities_of(NetworkView)
        if not views:
            raise EditError("This page has no network drawing to compare the answers with.")
        return views[0]

    # -- learner ---------------------------------------------------------------------------
    def wait(self) -> None:
        self.learner = None
        for control in self.controls:
            control.disabled = True
        self.link.value = ""
        self.note.value = ""
        self.table.value = self.picture.value = ""
        self.rows.children = ()
        self.findings, self.responses = {}, {}
        self.status.waiting("Start or resume at the top of the page to ask your partner schools.")

    def load(self, learner: Learner) -> None:
        self.learner = learner
        saved = self.lesson.load(ACTIVITY, self.status).get(IGNORED, [])
        self.ignored = (
            {k for k in saved if isinstance(k, str)} if isinstance(saved, list) else set()
        )
        for control in self.controls:
            control.disabled = False
        self.status.waiting("Answers from your partners appear here when you check for them.")
        self._show_link()
        self._read_answers()

    def _learner_id(self) -> str:
        if self.learner is None:
            raise EditError("Please start or resume at the top of the page first.")
        return self.learner.id

    # -- the link ----------------------------------------------------------------------------
    def _open_survey(self) -> sv.Survey | None:
        surveys = self.lesson.store.surveys_of(self._learner_id())
        return next((s for s in reversed(surveys) if s.open()), None)

    def _show_link(self) -> None:
        if not sv.reachable():
            self.create.disabled = self.revoke.disabled = True
            self.note.value = f"<p>{escape(NO_HUB)}</p>"
            return
        survey = self._open_survey()
        self.revoke.disabled = survey is None
        if survey is None:
            self.link.value = ""
            self.note.value = "<p>You have no open survey link.</p>"
            return
        self.link.value = sv.survey_url(survey.token)
        self.note.value = (
            "<p>Copy this link and send it to a colleague in each partner school. It works until "
            f"<strong>{escape(sv.date_words(survey.expires_at))}</strong>. Anyone who has it can "
            "answer, so send it only to them; stop it once you have your answers. It asks about "
            f"the {len(survey.schools)} schools your network had when you made it.</p>"
        )

    def _create(self) -> None:
        if not sv.reachable():
            raise EditError(NO_HUB)
        survey = sv.new_survey(self._learner_id(), self.network_view.network)
        with self.status.storing():
            self.lesson.store.create_survey(survey, sv.MAX_SURVEYS)
        self._show_link()

    def _revoke(self) -> None:
        survey = self._open_survey()
        if survey is None:
            raise EditError("You have no open survey link to stop.")
        with self.status.storing():
            self.lesson.store.revoke_survey(
                self._learner_id(), survey.id, datetime.now(timezone.utc).isoformat()
            )
        self._show_link()
        self.note.value += "<p>The link is stopped: it no longer opens the survey.</p>"

    # -- the answers ---------------------------------------------------------------------------
    def _read_answers(self) -> None:
        rows = self.lesson.store.responses_of(self._learner_id())
        self.responses = {}
        for response_id, _survey, text, received in rows:
            try:
                self.responses[response_id] = sv.response_from_value(
                    json.loads(text), response_id, received
                )
            except (ValueError, KeyError, TypeError, AttributeError):
                continue  # not an answer the course wrote: left out
        self._render()

    def _render(self) -> None:
        self._deleting = None
        network = self.network_view.network
        found = sv.reconcile(network, self.responses.values())
        shown = [f for f in found if f.key not in self.ignored]
        settled = {f.key for f in shown if sv.settled(network, f)}
        self.findings = {f.key: f for f in shown}
        self.table.value = findings_table(network, shown, settled)
        self.picture.value = answers_map(network, shown) if shown else ""
        rows: list[widgets.Widget] = []
        for finding in [f for f in shown if f.key not in settled][:MAX_ROWS]:
            rows.append(self._finding_row(network, finding))
        if len(shown) - len(settled) > MAX_ROWS:
            rows.append(
                widgets.HTML(
                    f"<p>Decide on these {MAX_ROWS} first; the others follow when you check again.</p>"
                )
            )
        for response in self.responses.values():
            rows.append(self._delete_row(response))
        self.rows.children = rows

    def _finding_row(self, network, finding: sv.Finding) -> widgets.Widget:
        words = widgets.HTML(
            f"<p><strong>{escape(finding.respondent)} – {escape(finding.other)}</strong>: "
            f"{escape(finding.words(network))}. Accept {WHAT_ACCEPT_DOES[finding.kind]}.</p>"
        )
        children: list[widgets.Widget] = [words]
        level = None
        if finding.kind != sv.YOURS_ONLY:
            mine = network.links[finding.yours].level if finding.yours is not None else None
            start = mine if mine is not None else finding.theirs.level
            level = widgets.Dropdown(
                description="Level to keep",
                options=level_options(),
                value=start,
                style=WIDE,
                layout={"width": "auto"},
            )
            children.append(level)
        accept = widgets.Button(
            description="Accept",
            tooltip=f"Accept the answer about {finding.respondent} and {finding.other}",
            layout={"width": "auto"},
        )
        ignore = widgets.Button(
            description="Ignore",
            tooltip=f"Ignore the answer about {finding.respondent} and {finding.other}",
            layout={"width": "auto"},
        )
        key = finding.key
        on_press(accept, lambda: self._accept(key, level.value if level else None), self.status)
        on_press(ignore, lambda: self._ignore(key), self.status)
        children.append(widgets.HBox([accept, ignore]))
        box = widgets.VBox(children)
        box.add_class("course-survey-finding")
        return box

    def _delete_row(self, response: sv.Response) -> widgets.Widget:
        when = sv.date_words(response.received_at) if response.received_at else ""
        button = widgets.Button(
            description=f"Delete the answer from {response.respondent[:60]}",
            tooltip=f"Delete the answer from {response.respondent} received {when}",
            layout={"width": "auto"},
        )
        response_id = response.id
        on_press(button, lambda: self._delete(response_id), self.status)
        return button

    def _finding(self, key: str) -> sv.Finding:
        finding = self.findings.get(key)
        if finding is None:
            raise EditError("That answer is no longer on the page; press “Check for answers”.")
        return finding

    def _accept(self, key: str, level: int | None) -> None:
        finding = self._finding(key)
        view = self.network_view
        network = sv.accept(view.network, finding, level)
        said = (
            f"Accepted the answer about {finding.respondent} and {finding.other}: it "
            f"{WHAT_ACCEPT_DOES[finding.kind]}. Undo, under the drawing, takes it back."
        )
        view.apply(network, said)  # saved and drawn; its save state shows under the drawing
        self.status.waiting(said)
        self._render()

    def _ignore(self, key: str) -> None:
        self._finding(key)
        kept = sorted(self.ignored | {key})[-MAX_IGNORED:]
        self.lesson.save(ACTIVITY, IGNORED, kept, self.status)
        self.ignored = set(kept)
        self._render()

    def _delete(self, response_id: int) -> None:
        response = self.responses.get(response_id)
        if response is None:
            raise EditError("That answer is no longer on the page; press “Check for answers”.")
        if self._deleting != response_id:
            self._deleting = response_id
            self.status.waiting(
                f"Press “Delete the answer from {response.respondent[:60]}” again to delete it "
                "for good."
            )
            return
        with self.status.storing():
            self.lesson.store.delete_response(self._learner_id(), response_id)
        prefix = f"{response_id}:"
        if any(k.startswith(prefix) for k in self.ignored):
            kept = sorted(k for k in self.ignored if not k.startswith(prefix))
            self.lesson.save(ACTIVITY, IGNORED, kept, self.status)
            self.ignored = set(kept)
        self._read_answers()
