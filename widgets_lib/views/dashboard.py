"""The tutor dashboard (``course/tutor/dashboard.ipynb``): open a cohort with its tutor key (or, under
JupyterHub, as a member of the tutors group), then progress, capacity, diagnoses, the merged network,
shared reflections and exports.

Creating a cohort needs, under JupyterHub, the tutors group; on a standalone server, the operator's
key (``COURSE_OPERATOR_KEY``) typed here. Wrong tutor keys and operator keys wait ever longer
(:mod:`widgets_lib.throttle`). Join codes are stored only as keyed hashes, so the dashboard shows a
join code once, when it is made; a tutor who lost it makes a new one.

Only this module builds tutor functions, and only the dashboard notebook imports it: no participant's
kernel ever has them. Every callback checks in Python that a cohort was opened with a valid key or by
a hub tutor; a widget message that enables a disabled button reaches nothing without that.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from html import escape

import ipywidgets as widgets
from IPython.display import HTML, display

from .. import cohort_figures, cohort_network, cohorts, identity, visit
from ..cohort_network import Contribution, Merged, MergeError
from ..cohorts import CohortError, ParticipantSummary
from ..html.cohort_report import (
    WRITTEN_DOWN,
    capacity_html,
    cohort_report,
    created_html,
    diagnoses_html,
    merged_html,
    participant_card_html,
    progress_html,
    reflections_html,
)
from ..html.common import count_words, download_link
from ..html.scripts import FORGET_KEY, SELECT_KEY
from ..store import Cohort, Store, get_store
from ..throttle import CHECKING, Throttle
from .common import FIELD, WIDE, SaveStatus, guarded, heading, on_press

HUB_TUTOR_ENV = "COURSE_HUB_TUTOR"
OPEN_FAILED = "The cohort did not open"
REFRESH_FAILED = "The cohort's work was not read"
NOT_CREATED = "No cohort was created"


def hub_tutor() -> str | None:
    """The JupyterHub user name when this server belongs to a member of the tutors group (set by the hub)."""
    user = os.environ.get("JUPYTERHUB_USER")
    return user if user and os.environ.get(HUB_TUTOR_ENV) == "1" else None


class Dashboard(widgets.VBox):
    """The whole dashboard page; the notebook calls ``Dashboard()`` and ``dashboard.finish()``."""

    def __init__(self, store: Store | None = None, show: bool = True) -> None:
        self._store = store
        self.cohort: Cohort | None = None
        self.views: list[ParticipantSummary] = []
        self.merged: Merged | None = None
        self.hub_user: str | None = None
        self.status = SaveStatus()
        self.throttle = Throttle(lambda: self.store)  # wrong tutor and operator keys
        self.join_code: str | None = None  # made on this page: shown until the page closes
        self.key = widgets.Password(
            description="Tutor key",
            style=WIDE,
            layout=FIELD,
            placeholder="e.g. K7PM-3XQA-9TRE-MW4C-HJ8N",
        )
        self.key_message = widgets.HTML()
        self.open_button = widgets.Button(description="Open the cohort", layout={"width": "auto"})
        on_press(self.open_button, self._open_with_key, self.status, OPEN_FAILED)
        self.owned = widgets.Dropdown(
            description="Your cohorts", style=WIDE, layout=FIELD, options=[]
        )
        self.open_owned = widgets.Button(description="Open this cohort", layout={"width": "auto"})
        on_press(self.open_owned, self._open_owned, self.status, OPEN_FAILED)
        self.new_name = widgets.Text(description="Name of the new cohort", style=WIDE, layout=FIELD)
        self.operator_key = widgets.Password(
            description="Operator key",
            style=WIDE,
            layout=FIELD,
            placeholder="from the server's operator",
        )
        self.create_button = widgets.Button(description="Create a cohort", layout={"width": "auto"})
        on_press(self.create_button, self._create, self.status, NOT_CREATED)
        self.created = widgets.HTML()
        self._new_cohort: Cohort | None = (
            None  # created, its key on the page until the tutor has written it down
        )
        self.written_button = widgets.Button(
            description=WRITTEN_DOWN, button_style="primary", layout={"width": "auto"}
        )
        on_press(self.written_button, self._key_written, self.status, OPEN_FAILED)
        self.written = widgets.VBox()
        self.script = widgets.Output(layout={"display": "none"})
        self.access = widgets.VBox(layout=widgets.Layout())  # its own: hidden later
        self.header_html = widgets.HTML()
        self.refresh_button = widgets.Button(
            description="Refresh", layout={"width": "auto"}, tooltip="Read the cohort's latest work"
        )
        on_press(self.refresh_button, self._refresh, self.status, REFRESH_FAILED)
        self.close_button = widgets.Button(
            description="Close the cohort to new members", layout={"width": "auto"}
        )
        on_press(self.close_button, self._close, self.status, "The cohort was not closed")
        self.join_code_button = widgets.Button(
            description="Make a new join code",
            layout={"width": "auto"},
            tooltip="The old join code stops working; members stay in the cohort",
        )
        on_press(self.join_code_button, self._new_join_code, self.status, "No join code was made")
        self.join_code_html = widgets.HTML()
        self.sections = {
            name: widgets.HTML()
            for name in ("progress", "capacity", "diagnoses", "merged", "reflections")
        }
        self.participant = widgets.Dropdown(
            description="Participant", style=WIDE, layout=FIELD, options=[]
        )
        self.participant.observe(lambda _c: self._show_participant(), names="value")
        self.card = widgets.HTML()
        self.merge_a = widgets.Dropdown(
            description="This school", style=WIDE, layout=FIELD, options=[]
        )
        self.merge_b = widgets.Dropdown(
            description="is the same as", style=WIDE, layout=FIELD, options=[]
        )
        self.merge_button = widgets.Button(
            description="Merge these two schools", layout={"width": "auto"}
        )
        on_press(self.merge_button, self._merge, self.status, "Not merged")
        self.unmerge = widgets.Dropdown(
            description="Merges you made", style=WIDE, layout=FIELD, options=[]
        )
        self.unmerge_button = widgets.Button(
            description="Undo this merge", layout={"width": "auto"}
        )
        on_press(self.unmerge_button, self._unmerge, self.status, "The merge was not undone")
        self.suggested = widgets.HTML()
        self.export_button = widgets.Button(
            description="Prepare the exports", layout={"width": "auto"}
        )
        on_press(self.export_button, self._export, self.status, "The exports were not prepared")
        self.exports = widgets.HTML()
        self.content = widgets.VBox(
            [
                self.header_html,
                widgets.HBox([self.refresh_button, self.close_button, self.join_code_button]),
                self.join_code_html,
                heading("Progress", 3),
                self.sections["progress"],
                heading("Capacity profiles", 3),
                self.sections["capacity"],
                heading("Network diagnoses", 3),
                self.sections["diagnoses"],
                heading("One participant", 4),
                self.participant,
                self.card,
                heading("The cohort's networks, merged", 3),
                self.sections["merged"],
                heading("Merge two spellings of one school", 4),
                self.suggested,
                self.merge_a,
                self.merge_b,
                widgets.HBox([self.merge_button]),
                self.unmerge,
                widgets.HBox([self.unmerge_button]),
                heading("Shared reflections", 3),
                self.sections["reflections"],
                heading("Exports", 3),
                widgets.HTML(
                    "<p>A spreadsheet (CSV) with one row per participant, and the cohort report as one HTML "
                    "file that opens offline.</p>"
                ),
                widgets.HBox([self.export_button]),
                self.exports,
            ],
            layout=widgets.Layout(display="none"),  # its own: shown once a cohort is open
        )
        super().__init__(
            [self.status, self.access, self.created, self.written, self.content, self.script]
        )
        self.add_class("course-activity")
        self.status.waiting("Loading…")
        if show:
            display(self)

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = get_store()
        return self._store

    # -- who is here --------------------------------------------------------------
    def finish(self, query_string: str | None = None) -> None:
        """Decide who may see what, once the visitor's request is known."""
        if query_string is None:
            query_string = visit.query_string()

        @guarded(self.status, "The dashboard did not open")
        def run() -> None:
            self.hub_user = hub_tutor()
            if os.environ.get("JUPYTERHUB_USER") and not self.hub_user:
                self.access.children = [
                    widgets.HTML(
                        "<p>This page is for tutors. Your login is not in the tutors group; if you are a tutor, "
                        "ask the course's administrator to add you.</p>"
                    )
                ]
                self.status.waiting("")
                return
            create = [heading("Create a cohort", 2), self.new_name]
            if not self.hub_user:
                create += [
                    widgets.HTML(
                        "<p>On this server, creating a cohort needs the operator key, from the person "
                        "who runs the course's server.</p>"
                    ),
                    self.operator_key,
                ]
            create.append(widgets.HBox([self.create_button]))
            if self.hub_user:
                self._list_owned()
                self.access.children = [
                    heading("Open a cohort", 2),
                    self.owned,
                    widgets.HBox([self.open_owned]),
                    *create,
                ]
            else:
                self.access.children = [
                    heading("Open a cohort", 2),
                    widgets.HTML(
                        "<p>Type the tutor key you were given when you created the cohort.</p>"
                    ),
                    self.key,
                    self.key_message,
                    widgets.HBox([self.open_button]),
                    *create,
                ]
            self.status.waiting("")
            key = identity.code_from_query(query_string, "key")
            if key and not self.hub_user:
                self._run_script(FORGET_KEY)
                self.key.value = key
                self._open_with_key()

        run()

    def _list_owned(self) -> None:
        owner = identity.hub_key(self.hub_user or "")
        self.owned.options = [
            (f"{c.name} ({'open' if c.open else 'closed'})", c.id)
            for c in self.store.cohorts_owned(owner)
        ]

    def _require_cohort(self) -> Cohort:
        if self.cohort is None:
            raise CohortError("Open a cohort first.")
        return self.cohort

    # -- opening and creating ----------------------------------------------------------
    def _open_with_key(self) -> None:
        if os.environ.get("JUPYTERHUB_USER") and not self.hub_user:
            raise CohortError("This page is for tutors.")
        typed = self.key.value
        try:
            identity.normalise_tutor_key(typed)
        except identity.CodeError:  # cannot be a key: said at once, not counted as a guess
            self._key_refused(cohorts.WRONG_KEY)
            return

        def respond(wrong) -> None:
            self.open_button.disabled = False
            try:
                cohort = cohorts.open_for_tutor(self.store, typed, wrong)
            except CohortError as exc:  # not a save: said next to the key field
                self._key_refused(str(exc))
                return
            self.key_message.value = ""
            self.key.value = ""
            self._show_cohort(cohort)

        self.throttle.attempt(
            "tutor", guarded(self.status, OPEN_FAILED)(respond), self._key_checking
        )

    def _key_refused(self, message: str) -> None:
        self.key_message.value = f'<p class="course-warning" role="alert">{escape(message)}</p>'

    def _key_checking(self, _seconds: float) -> None:
        self.open_button.disabled = True  # given back with the answer
        self.key_message.value = f'<p role="status">{escape(CHECKING)}</p>'

    def _open_owned(self) -> None:
        if not self.hub_user:
            raise CohortError("This page is for tutors.")
        cohort = self.store.cohort(str(self.owned.value or ""))
        if cohort is None or cohort.owner != identity.hub_key(self.hub_user):
            raise CohortError("Please choose one of your cohorts.")
        self._show_cohort(cohort)

    def _create(self) -> None:
        """Create a cohort: a hub tutor at once; anyone else with the operator's key, each wrong
        key making the next answer wait longer."""
        if os.environ.get("JUPYTERHUB_USER") and not self.hub_user:
            raise CohortError("This page is for tutors.")
        name = cohorts.check_name("Cohort name", self.new_name.value, cohorts.MAX_COHORT_NAME)
        if self.hub_user:
            self._make(name)
            return
        if cohorts.operator_key_set() is None:
            raise CohortError(
                "creating a cohort on this server needs the operator key, and none is set. Ask the "
                "person who runs the server to create it for you (python -m widgets_lib.cohorts "
                f"create) or to set {cohorts.OPERATOR_ENV}."
            )
        typed = self.operator_key.value

        def respond(wrong) -> None:
            self.create_button.disabled = False
            if not cohorts.is_operator_key(typed):
                raise cohorts.refused(cohorts.WRONG_OPERATOR_KEY, wrong)
            self.operator_key.value = ""
            self._make(name)
            self.status.waiting("")

        self.throttle.attempt(
            "operator", guarded(self.status, NOT_CREATED)(respond), self._create_checking
        )

    def _create_checking(self, _seconds: float) -> None:
        self.create_button.disabled = True  # given back with the answer
        self.status.waiting(CHECKING)

    def _make(self, name: str) -> None:
        owner = identity.hub_key(self.hub_user) if self.hub_user else None
        cohort, self.join_code, tutor_key = cohorts.create(self.store, name, owner)
        self.new_name.value = ""
        if self.hub_user:  # no key: the login opens the tutor's cohorts
            self.created.value = created_html(cohort)
            self._list_owned()
            self._show_cohort(cohort)
            return
        # The key is on the page once, until the tutor says it is written down; the dashboard waits.
        self._new_cohort = cohort
        self.access.layout.display = "none"
        self.created.value = created_html(cohort, tutor_key)
        self.written.children = [widgets.HBox([self.written_button])]
        self._run_script(SELECT_KEY)

    def _key_written(self) -> None:
        cohort = self._new_cohort
        if cohort is None:  # no new key on this page (a forged click)
            return
        self._new_cohort = None
        self.written.children = []
        self.created.value = created_html(cohort)  # the key is gone from the page and its widgets
        self._show_cohort(cohort)

    def _run_script(self, script: str) -> None:
        self.script.clear_output()
        with self.script:
            display(HTML(script))

    def _show_cohort(self, cohort: Cohort) -> None:
        self.cohort = cohort
        self.access.layout.display = "none"  # to open another cohort, reload the page
        self.content.layout.display = None
        self._refresh()

    # -- the cohort --------------------------------------------------------------------
    def _refresh(self) -> None:
        cohort = self.store.cohort(self._require_cohort().id) or self._require_cohort()
        self.cohort = cohort
        self.status.waiting("Reading the cohort's work…")
        self.views = cohorts.cohort_views(self.store, cohort.id)
        state = (
            "open to new members"
            if cohort.open
            else f"closed to new members since {cohort.closed_at[:10]}"
        )
        join = (
            f"join code <strong>{escape(self.join_code)}</strong>"
            if self.join_code
            else "join code not shown (it is stored only in scrambled form: make a new one if you "
            "need it)"
        )
        self.header_html.value = (
            f"<h2>{escape(cohort.name)}</h2><p>{count_words(len(self.views), 'participant')}"
            f" · {join} · {escape(state)}</p>"
        )
        self.close_button.disabled = not cohort.open
        self.sections["progress"].value = progress_html(self.views)
        self.sections["capacity"].value = capacity_html(self.views)
        self.sections["diagnoses"].value = diagnoses_html(self.views)
        self.sections["reflections"].value = reflections_html(self.views)
        self.participant.options = [("(choose a participant)", None)] + [
            (v.name, i) for i, v in enumerate(self.views)
        ]
        self.participant.value = None
        self.card.value = ""
        self._merge_refresh()
        self.exports.value = ""
        self.status.waiting(f"Read at {datetime.now().strftime('%H:%M:%S')}.")

    def _merge_refresh(self) -> None:
        cohort = self._require_cohort()
        manual = self.store.merges(cohort.id)
        try:
            self.merged = cohort_network.merge(self._contributions(), manual)
        except MergeError as exc:  # not a save: the merges made earlier do not fit together
            self.status.failed(
                f"{exc} Until you do, the merged network below leaves out every merge "
                "you made; use “Undo this merge” under “Merges you made”.",
                "Your merges could not be applied",
            )
            self.merged = cohort_network.merge(self._contributions())
        self.sections["merged"].value = merged_html(self.merged)
        names = sorted((s.name for s in self.merged.schools), key=str.casefold)
        self.merge_a.options = self.merge_b.options = [(n, n) for n in names]
        tips = cohort_network.suggestions(self.merged, limit=10)
        self.suggested.value = (
            (
                "<p>These look alike and may be one school: "
                + "; ".join(f"{escape(a)} / {escape(b)}" for a, b in tips)
                + ".</p>"
            )
            if tips
            else ""
        )
        self.unmerge.options = [(f"{a} → {b}", a) for a, b in sorted(manual.items())]
        self.unmerge_button.disabled = not manual

    def _contributions(self) -> list[Contribution]:
        return [
            Contribution(f"{v.name} ({i + 1})" if self._ambiguous(v.name) else v.name, v.network)
            for i, v in enumerate(self.views)
            if v.network.schools
        ]

    def _ambiguous(self, name: str) -> bool:
        return sum(1 for v in self.views if v.name == name) > 1

    def _show_participant(self) -> None:
        index = self.participant.value
        if self.cohort is None or index is None or not 0 <= index < len(self.views):
            self.card.value = ""
            return
        self.card.value = participant_card_html(self.views[index])

    def _merge(self) -> None:
        cohort = self._require_cohort()
        if self.merged is None:
            raise CohortError("Refresh the cohort first.")
        a, b = cohort_network.check_manual_merge(
            self.merged, str(self.merge_a.value), str(self.merge_b.value)
        )
        with self.status.storing():
            self.store.add_merge(cohort.id, a, b)
        self._merge_refresh()

    def _unmerge(self) -> None:
        cohort = self._require_cohort()
        if self.unmerge.value is None:
            raise CohortError("Choose the merge to undo.")
        with self.status.storing():
            self.store.remove_merge(cohort.id, str(self.unmerge.value))
        self._merge_refresh()

    def _new_join_code(self) -> None:
        """A new join code for the open cohort, shown on this page only: it is not stored."""
        cohort = self._require_cohort()
        with self.status.storing():
            self.join_code = cohorts.new_join_code(self.store, cohort)
        self.join_code_html.value = (
            '<div class="course-code-box" role="status"><p>New join code for participants: '
            f'<strong class="course-code">{escape(self.join_code)}</strong></p><p>Write it down: '
            "it is stored only in scrambled form and cannot be shown again once this page is "
            "closed. The old join code no longer works; people who joined with it stay in the "
            "cohort.</p></div>"
        )
        self._refresh()

    def _close(self) -> None:
        with self.status.storing():
            self.store.close_cohort(self._require_cohort().id)
        self._refresh()

    def _export(self) -> None:
        cohort = self._require_cohort()
        made = datetime.now(timezone.utc)
        stamp = made.strftime("%Y-%m-%d")
        merged = self.merged or cohort_network.merge(self._contributions())
        report = cohort_report(cohort, self.views, merged, made).encode("utf-8")
        self.exports.value = (
            "<p>"
            + download_link(
                f"cohort-{stamp}.csv",
                "text/csv",
                cohort_figures.export_csv(self.views),
                "cohort.csv (spreadsheet)",
            )
            + " · "
            + download_link(
                f"cohort-report-{stamp}.html",
                "text/html;charset=utf-8",
                report,
                "cohort report (HTML)",
            )
            + "</p>"
        )
