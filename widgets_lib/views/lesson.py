"""One lesson page: header (progress, sign-in), activities, navigation.

A notebook calls ``Lesson("03")`` in its first cell, ``lesson.activity(name)`` where the
activity goes and ``lesson.finish()`` last. Everything the same for every visitor is
built before ``finish()``; under Voila's pre-heated kernels ``finish()`` waits for the
visitor's request and only then loads their own work.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import ipywidgets as widgets
from IPython.display import HTML, display

from .. import identity, lessons, visit
from ..html.nav import nav_html, progress_html
from ..html.scripts import forget_script, url_script
from ..lessons import DONE, PROGRESS_ACTIVITY, STARTED
from ..store import SaveConflict, Saved, Store, StoreError, get_store, now, values_and_times
from ..throttle import Throttle, retry_words
from .common import LOG_CONTEXT, Activity, SaveStatus, guarded
from .identity import NOT_RESUMED, IdentityBar

if TYPE_CHECKING:
    from ..record import Record

DRAFT_PREFIX = (
    "unsaved:"  # what a page could not save (a conflict) is kept under this prefix + activity
)


def draft_activity(activity: str) -> str:
    return DRAFT_PREFIX + activity


@dataclass(frozen=True)
class Learner:
    id: str
    code: str | None = None
    hub_user: str | None = None


ACTIVITIES = {
    "welcome": "welcome:WelcomeView",
    "perspectives": "perspectives:SorterView",
    "sorter": "perspectives:SorterView",
    "choice": "choice:ChoiceView",
    "capacity": "capacity:CapacityView",
    "network": "network:NetworkView",
    "health": "health:HealthView",
    "diagnosis": "health:DiagnosisView",
    "reflection": "reflection:ReflectionView",
    "journal": "reflection:JournalView",
    "who_leads": "leadership:WhoLeadsView",
    "challenges": "challenges:ChallengesView",
    "plan": "plan:PlanView",
    "report": "report:ReportView",
    "snapshots": "snapshots:SnapshotsView",
    "cohort": "cohort:CohortView",
    "privacy": "cohort:PrivacyView",
    "survey": "survey:SurveyView",
}


A = TypeVar("A", bound=Activity)


def _activity_class(name: str) -> Callable[[Lesson], Activity]:
    """Import only the activity a page uses, so every lesson's kernel starts light."""
    from importlib import import_module

    module, cls = ACTIVITIES[name].split(":")
    return getattr(import_module(f"{__package__}.{module}"), cls)


class Lesson:
    """The page of one lesson."""

    def __init__(self, lesson_id: str, store: Store | None = None, show: bool = True) -> None:
        self.info = lessons.by_id(lesson_id)
        self._store = store
        self.learner: Learner | None = None
        self.views: list[Activity] = []
        self.progress: dict[str, dict] = {}
        self._saved: dict[str, dict[str, Saved]] | None = (
            None  # what this page loaded: values and revisions
        )
        self._draft_shown_on: list[SaveStatus] = []
        self._refused = (
            False  # a save from this page was refused: what it shows is not what is saved
        )
        self.status = SaveStatus()
        self.throttle = Throttle(lambda: self.store)  # wrong learner and join codes: this kernel's
        self.identity = IdentityBar(on_start=self._start, on_resume=self._resume)
        self.progress_line = widgets.HTML()
        self.nav_top = widgets.HTML()
        self.nav_bottom = widgets.HTML()
        self.script = widgets.Output(layout={"display": "none"})
        self.header = widgets.VBox(
            [self.nav_top, self.progress_line, self.identity, self.status, self.script]
        )
        self.header.add_class("course-header")
        self._render_nav()
        if show:
            display(self.header)

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = get_store()
        return self._store

    # -- notebook API ---------------------------------------------------------
    def activity(self, name: str, *args: str, show: bool = True) -> Any:
        """Build an activity (``args`` name its data, e.g. ``"sorter", "distributed_leadership"``);
        display it (returning nothing, so the cell shows it once) or return it."""
        view = _activity_class(name)(self, *args)
        self.views.append(view)
        if not show:
            return view
        display(view)
        return None

    def finish(self, query_string: str | None = None, show: bool = True) -> None:
        """Show the navigation, then find out who is visiting and load their work."""
        if show:
            display(self.nav_bottom)
        qs = visit.query_string() if query_string is None else query_string
        self.identify(qs, os.environ.get("JUPYTERHUB_USER"))

    # -- identity -------------------------------------------------------------
    def identify(self, query_string: str, hub_user: str | None = None) -> None:
        @guarded(self.status)
        def run() -> None:
            if hub_user:
                learner = Learner(identity.hub_key(hub_user), hub_user=hub_user)
                self.store.ensure_learner(learner.id, "hub")
                self._signed_in(learner)
                return
            raw = identity.code_from_query(query_string)
            if raw is None:
                self.identity.ask()
                self._waiting()
                return
            self._resume(raw, from_link=True)

        run()

    def _start(self) -> None:
        code = identity.new_code()
        learner = Learner(identity.code_key(code), code=code)
        self.store.ensure_learner(learner.id, "code")
        self._signed_in(learner, fresh=True)

    def _resume(self, raw: str, from_link: bool = False) -> None:
        try:
            code = identity.normalise_code(raw)
        except identity.CodeError as exc:
            prefix = (
                "The learner code in this page's address does not look right. " if from_link else ""
            )
            self.identity.ask(prefix + str(exc))
            self._waiting()
            return
        self.throttle.attempt(
            "learner",
            guarded(self.identity, NOT_RESUMED)(lambda wrong: self._find(code, wrong)),
            self.identity.checking,
        )

    def _find(self, code: str, wrong: Callable[[], float]) -> None:
        """Sign in with a well-formed code, or say it is wrong and when to try again."""
        key = identity.code_key(code)
        try:
            known = self.store.find_learner(key, identity.legacy_code_key(code))
        except StoreError as exc:
            self.identity.ask(str(exc))
            return
        if not known:
            self.identity.ask(
                f"No work is saved under the code {code}. Check it letter by letter, "
                f"or start afresh with a new code. {retry_words(wrong())}"
            )
            self._waiting()
            return
        self._signed_in(Learner(key, code=code))

    def activities_of(self, kind: type[A]) -> list[A]:
        """This page's activities of one kind, in page order: how an activity finds another it builds on
        (the diagnosis finds the health check; the journal, the lesson's own reflections)."""
        return [view for view in self.views if isinstance(view, kind)]

    def _waiting(self) -> None:
        for view in self.views:
            view.wait()

    def _signed_in(self, learner: Learner, fresh: bool = False) -> None:
        self.learner = learner
        LOG_CONTEXT["learner"] = (
            learner.id
        )  # a hash of the code: the operator's log never holds the code
        self.identity.show_code(learner.code, learner.hub_user, fresh=fresh)
        if learner.code:
            with self.script:
                display(HTML(url_script(learner.code)))
        self.progress = self.store.load(learner.id, PROGRESS_ACTIVITY)
        if self.info.id not in self.progress:
            self.mark(STARTED)
        self._forget_loaded()  # every view loads from one reading of the store, taken by the first
        for view in self.views:
            view.load(learner)
        self._render_nav()

    def forget(self) -> None:
        """After the learner deleted their data: nothing of theirs stays on the page or in its address."""
        self.learner = None
        LOG_CONTEXT["learner"] = None
        self.progress = {}
        self._forget_loaded()
        self.script.clear_output()
        with self.script:
            display(HTML(forget_script()))
        self._waiting()
        self.identity.ask("Your data has been deleted. You can start afresh with a new code.")
        self._render_nav()

    # -- progress -------------------------------------------------------------
    def mark(self, status: str) -> None:
        """Record that this lesson is started or done (never goes back from done)."""
        if self.learner is None:
            return
        if status == DONE and not all(view.complete for view in self.views):
            return  # a lesson is done when every one of its activities is
        if status == DONE and self._refused:
            return  # complete on this page only: its refused answers are drafts, not saved work
        current = self.progress.get(self.info.id, {}).get("status")
        if current == status or current == DONE:
            return
        value = {"status": status, "at": now()}
        self.store.save(self.learner.id, PROGRESS_ACTIVITY, self.info.id, value)
        self.progress[self.info.id] = value
        self._render_nav()

    # -- saved work -------------------------------------------------------------
    def load(
        self,
        activity: str,
        status: SaveStatus | None = None,
        labels: dict[str, str] | None = None,
        choices: dict[str, dict[Any, str]] | None = None,
        key_of: Callable[[str], str] | None = None,
    ) -> dict[str, Any]:
        """The learner's current answers of one activity, by key, as this page saw them.

        The page remembers each answer's revision, so :meth:`save` never overwrites a newer
        one saved from another tab or computer. What such a page could not save is shown on
        ``status`` so the learner can take it up again; ``labels`` (by key) name the answers
        and, when given, limit that to the answers this view shows; ``choices`` (by key, then
        by stored value) give the words of a chosen option, as the learner saw it; ``key_of`` turns
        a stored key into the key of ``labels`` and ``choices`` when the two differ.
        """
        saved = self._loaded()
        self._show_drafts(activity, status or self.status, labels, choices, key_of)
        return {key: answer.value for key, answer in saved.get(activity, {}).items()}

    def reread(self, activity: str) -> dict[str, Any]:
        """The activity's answers as stored now, remembered as this page's: for an activity whose
        answers are only added under new keys and deleted, never changed (a snapshot), so that
        another tab's additions count before this page adds one (a limit, a unique name)."""
        fresh = self.store.load_saved(self.learner.id, [activity]) if self.learner else {}
        self._loaded()[activity] = fresh.get(activity, {})
        return {key: answer.value for key, answer in self._loaded()[activity].items()}

    def load_record(self, activity: str, status: SaveStatus | None = None) -> Record:
        """All the learner's work as a :class:`~widgets_lib.record.Record`, for a view that builds on
        earlier lessons and saves ``activity`` (like :meth:`load`)."""
        from ..record import Record

        self._show_drafts(activity, status or self.status, None)
        return Record(*values_and_times(self._loaded()))

    def save(self, activity: str, key: str, value: Any, status: SaveStatus | None = None) -> None:
        """Save one answer for the signed-in learner and show that it is saved.

        Only if the stored answer is still the one this page loaded (or last saved): otherwise
        it was changed in another tab or on another computer, so the value is kept as a draft
        (shown when the page is reloaded) and ``status`` says so, with a link to reload.
        """
        shown = status or self.status
        if self.learner is None:
            shown.failed("please start or resume above first.")
            return
        seen = self._loaded().setdefault(activity, {})
        with shown.storing():
            try:
                saved = self.store.save(
                    self.learner.id,
                    activity,
                    key,
                    value,
                    expected_rev=seen[key].rev if key in seen else 0,
                )
            except SaveConflict:
                self.store.save(self.learner.id, draft_activity(activity), key, value)
                self._refused = True
                shown.conflict()  # stays in view: a conflict is never hidden by "saved"
                return
            seen[key] = saved
            draft = self._loaded().get(draft_activity(activity), {}).pop(key, None)
            if draft is not None:  # the learner saw it on this page and went on: it has served
                self.store.discard(self.learner.id, draft_activity(activity), key, draft.rev)

    def remove(self, activity: str, key: str, status: SaveStatus | None = None) -> bool:
        """Remove one answer of the signed-in learner (its history stays), if it is still the one
        this page loaded or last saved; True if removed. Otherwise it was changed or removed in
        another tab or on another computer: nothing is removed, and ``status`` says so with a link
        to reload (as :meth:`save` does)."""
        shown = status or self.status
        if self.learner is None:
            shown.failed("please start or resume above first.")
            return False
        seen = self._loaded().setdefault(activity, {})
        if key not in seen:
            shown.conflict()
            return False
        with shown.storing():
            if not self.store.discard(self.learner.id, activity, key, seen[key].rev):
                shown.conflict()
                return False
            del seen[key]
        return True

    def _loaded(self) -> dict[str, dict[str, Saved]]:
        if self.learner is None:
            raise StoreError("please start or resume above first.")
        if self._saved is None:
            self._saved = self.store.load_saved(self.learner.id)
        return self._saved

    def _forget_loaded(self) -> None:
        self._saved = None
        self._refused = False
        for status in self._draft_shown_on:
            status.clear_drafts()
        self._draft_shown_on.clear()

    def _show_drafts(
        self,
        activity: str,
        status: SaveStatus,
        labels: dict[str, str] | None,
        choices: dict[str, dict[Any, str]] | None = None,
        key_of: Callable[[str], str] | None = None,
    ) -> None:
        saved = self._loaded()
        current = saved.get(activity, {})
        shown = key_of or (lambda key: key)
        drafts = {
            key: draft.value
            for key, draft in saved.get(draft_activity(activity), {}).items()
            if (labels is None or shown(key) in labels)
            and (key not in current or current[key].value != draft.value)
        }
        if drafts:
            from ..record import describe

            def words(key: str, value: Any) -> str:
                options = (choices or {}).get(shown(key), {})
                return (
                    options[value]
                    if isinstance(value, (str, int, float)) and value in options
                    else describe(activity, value)
                )

            status.add_drafts(
                [
                    ((labels or {}).get(shown(key), ""), words(key, value))
                    for key, value in sorted(drafts.items())
                ]
            )
            self._draft_shown_on.append(status)

    # -- navigation -----------------------------------------------------------
    def _render_nav(self) -> None:
        code = self.learner.code if self.learner else None
        self.nav_top.value = nav_html(self.info.id, code, "Lessons")
        self.nav_bottom.value = nav_html(self.info.id, code, "Lessons (bottom)")
        self.progress_line.value = progress_html(
            self.info.id, self.progress if self.learner else None
        )
