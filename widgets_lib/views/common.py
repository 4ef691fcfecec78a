"""What every activity view shares: the activity protocol the lesson page calls, the "saved" indicator,
the one way to wire a button and to show a failure."""

from __future__ import annotations

import contextlib
import functools
import logging
import secrets
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING, Any, Protocol

import ipywidgets as widgets

from .. import CourseError
from ..store import StoreError, now

if TYPE_CHECKING:
    from .lesson import Learner, Lesson

log = logging.getLogger("widgets_lib")

# Labels as wide as their words; fields wide enough for long names, never wider than the page.
WIDE = {"description_width": "initial"}
FIELD = {"width": "min(100%, 44rem)"}

FRIENDLY_ERROR = (
    "Something went wrong on this page, so your last change may not be saved. "
    "Please try again; if it happens again, reload the page (your saved work is safe)."
)
NOT_SAVED = "Not saved"  # what a failed save says first; other actions say what did not happen
# The same for an action that saves nothing (opening, reading, preparing a download).
FRIENDLY_ERROR_NO_SAVE = (
    "Something went wrong on this page. "
    "Please try again; if it happens again, reload the page (your saved work is safe)."
)
REFERENCE = (
    " If you tell your tutor or the course's administrator, give them this reference: {ref}."
)

# Whose page this kernel serves, for the operator's log: the learner's id, which is a hash of their code
# (never the code itself). Set by the lesson page when someone signs in; one page, one learner per kernel.
LOG_CONTEXT: dict[str, str | None] = {"learner": None}


# A save that has not finished after this long is waiting for the database (locked by another
# program, or a disk that does not answer): the learner is told at once, not after the busy timeout.
SLOW_SAVE_S = 1.0
NOT_SAVED_YET = (
    "✗ Not saved yet: the course's database is busy. Your text is still here and "
    "will be saved as soon as the database is free; please keep this page open."
)
CONFLICT = (
    "✗ Not saved: this work was changed in another tab or on another computer since this page "
    "was opened, so your change here did not replace it. What you did here stays on this page "
    "and is kept as a draft, shown when you reload."
)
RELOAD = "Reload the page to see the latest version"
DRAFT = "Not saved from another tab or computer"
DRAFT_HINT = "Copy back what you still want: this note goes once you change that answer here."
DRAFT_STYLE = (
    "white-space:pre-wrap; border-left:5px solid #8c5a00; background:#fff7e0; padding:.3rem .6rem"
)


class SaveStatus(widgets.HTML):
    """Shows whether the learner's latest change is safely stored, in words (not colour alone)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(value="", **kwargs)
        self.add_class("course-save-status")
        self.state = "idle"
        self._main = ""
        self._drafts = ""
        self._conflicted = False
        self._watch_lock = threading.Lock()
        self._watching: object | None = None

    def saving(self) -> None:
        self._show("saving", "Saving…")

    @contextlib.contextmanager
    def watching(self, after_s: float = SLOW_SAVE_S) -> Iterator[None]:
        """Say "Not saved yet" if the block (a save) is still running after ``after_s`` seconds.

        A save waiting for a locked database blocks the kernel for up to the store's busy
        timeout, so a timer thread tells the page; the state stays "saving" (it is still trying).
        """
        token = object()

        def slow() -> None:
            with self._watch_lock:
                if self._watching is token:
                    self._show("saving", NOT_SAVED_YET, alert=True)

        timer = threading.Timer(after_s, slow)
        timer.daemon = True
        with self._watch_lock:
            self._watching = token
        timer.start()
        try:
            yield
        finally:
            with self._watch_lock:
                self._watching = None
            timer.cancel()

    @contextlib.contextmanager
    def storing(self) -> Iterator[None]:
        """The one way a change is written with its state shown: "Saving…", then "Not saved yet" while
        the database keeps it waiting, then "✓ All changes saved at …" (a failure: :func:`guarded`)."""
        self.saving()
        with self.watching():
            yield
        self.saved(now())

    def saved(self, stamp: str | None = None) -> None:
        when = _clock(stamp)
        self._show("saved", f"✓ All changes saved{(' at ' + when) if when else ''}")

    def failed(self, message: str, what: str = NOT_SAVED) -> None:
        """``what`` says what did not happen: "Not saved" unless the action was not a save."""
        self._show("failed", f"✗ {what}: {message}")

    def waiting(self, message: str) -> None:
        self._show("idle", message)

    def conflict(self) -> None:
        """A save was refused: the stored work is newer than this page's. Stays until the page is
        reloaded or loads its learner again (no later "saved" hides it), with a link to reload."""
        self.state, self._conflicted = "conflict", True
        self._main = (
            f'<span class="course-status course-status-conflict course-status-failed" role="alert">'
            f'{escape(CONFLICT)} <a href="">{escape(RELOAD)}</a></span>'
        )
        self._render()

    def add_drafts(self, drafts: list[tuple[str, str]]) -> None:
        """Show, as text, what another page could not save: (label of the answer or "", its text)."""
        self._drafts += "".join(
            f'<p class="course-draft" role="status" style="{DRAFT_STYLE}">{escape(DRAFT)}'
            f"{' (' + escape(label) + ')' if label else ''}: {escape(text)}</p>"
            for label, text in drafts
        )
        self._render()

    def clear_drafts(self) -> None:
        self._drafts = ""
        self._render()

    def _show(self, state: str, text: str, alert: bool = False) -> None:
        if self._conflicted and state in ("saving", "saved"):
            if self.state != "conflict":
                self.conflict()
            return  # other answers may still save, but this page's conflict must stay in view
        self._conflicted = (
            self._conflicted and state != "idle"
        )  # idle: the learner's work was (re)loaded
        self.state = state
        role = ' role="alert"' if alert or state == "failed" else ' role="status"'
        slow = " course-status-slow" if alert and state == "saving" else ""
        css = f"course-status course-status-{state}{slow}"
        self._main = f'<span class="{css}"{role}>{escape(text)}</span>'
        self._render()

    def _render(self) -> None:
        hint = f'<p class="course-hint">{escape(DRAFT_HINT)}</p>' if self._drafts else ""
        self.value = self._main + self._drafts + hint


def _clock(stamp: str | None) -> str:
    if not stamp:
        return ""
    try:
        return datetime.fromisoformat(stamp).astimezone().strftime("%H:%M:%S")
    except ValueError:
        return ""


class Shows(Protocol):
    """Where an action answers: the page's :class:`SaveStatus`, or a form's own feedback under its buttons."""

    def failed(self, message: str, what: str = NOT_SAVED) -> None: ...


def guarded(
    status: Shows, what: str = NOT_SAVED
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Run a widget callback so that any failure is shown to the learner, never swallowed.

    A :class:`~widgets_lib.CourseError` is shown as it is: its sentence was written for the learner.
    A store failure (the database) is shown too, and logged at warning with the learner's hashed id.
    Anything else is a fault of the course: logged with its traceback and a short reference, and the
    learner reads a plain sentence with that reference. ``what`` heads the message: "Not saved" for a
    save, words of its own for anything else."""

    def decorate(callback: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(callback)
        def run(*args: Any, **kwargs: Any) -> None:
            try:
                callback(*args, **kwargs)
            except StoreError as exc:
                log.warning(
                    "store failure in %s for learner %s: %s",
                    callback.__qualname__,
                    LOG_CONTEXT["learner"],
                    exc.__cause__ or exc,
                )
                status.failed(str(exc), what)
            except CourseError as exc:
                status.failed(str(exc), what)
            except Exception:  # noqa: BLE001 - a fault of the course: logged for the operator, a reference shown
                ref = secrets.token_hex(3)
                log.exception(
                    "[ref %s] %s failed for learner %s",
                    ref,
                    callback.__qualname__,
                    LOG_CONTEXT["learner"],
                )
                status.failed(
                    (FRIENDLY_ERROR if what == NOT_SAVED else FRIENDLY_ERROR_NO_SAVE)
                    + REFERENCE.format(ref=ref),
                    what,
                )

        return run

    return decorate


def on_press(
    button: widgets.Button, action: Callable[[], None], shows: Shows, what: str = NOT_SAVED
) -> None:
    """The one way a button is wired: pressing it runs ``action()``, and a failure is shown on ``shows``
    (:func:`guarded`), next to the button that caused it."""
    button.on_click(lambda _button: guarded(shows, what)(action)())


class Activity:
    """What a lesson page asks of each of its activities: :class:`~widgets_lib.views.lesson.Lesson` calls
    these and nothing else. Every activity view derives from it (beside its widget class)."""

    loading_now = (
        False  # True while the page puts saved work back on it: nothing is saved meanwhile
    )

    def wait(self) -> None:
        """Nobody is signed in (yet, or any more): show the activity without anyone's work."""

    def load(self, learner: Learner) -> None:
        """Show ``learner``'s saved work (read through the lesson, so the page knows what it saw)."""
        raise NotImplementedError

    @property
    def complete(self) -> bool:
        """Whether the learner has done all this activity asks: the lesson is done when every one is."""
        return True

    @contextlib.contextmanager
    def loading(self) -> Iterator[None]:
        """Put saved work on the page without saving it again: the one way saves are held back."""
        before, self.loading_now = self.loading_now, True
        try:
            yield
        finally:
            self.loading_now = before


class Listeners:
    """Callbacks for one event of an activity, registered as ipywidgets' own ``on_<event>`` do:
    ``on_change(callback)`` adds, ``on_change(callback, remove=True)`` takes it away again."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[], None]] = []

    def register(self, callback: Callable[[], None], remove: bool = False) -> None:
        if remove:
            if callback in self._callbacks:
                self._callbacks.remove(callback)
        elif callback not in self._callbacks:
            self._callbacks.append(callback)

    def __call__(self) -> None:
        for callback in list(self._callbacks):
            callback()


def save_as_typed(
    view: Activity, boxes: dict[str, widgets.Textarea], save: Callable[[str, str], None]
) -> None:
    """Save each box's text as the learner types, under its key; failures show on ``view.status``.

    ipywidgets sends a text box's value at most once per round trip (typing during a pending
    message is merged into the next one), so saving every value it sends keeps at most the
    last fraction of a second unsaved, without a save per keystroke. Nothing is saved while
    the view is :meth:`Activity.loading` (the page is putting saved text back).
    """

    def typed(change: dict) -> None:
        if view.loading_now:
            return
        key = next(k for k, box in boxes.items() if box is change["owner"])
        guarded(view.status)(save)(key, change["new"])

    for box in boxes.values():
        box.observe(typed, names="value")


def heading(text: str, level: int = 3) -> widgets.HTML:
    return widgets.HTML(f"<h{level}>{escape(text)}</h{level}>")


class RadioQuestions(widgets.VBox, Activity):
    """Statements answered with labelled radio groups, each answer saved the moment it is chosen.

    Subclasses build their radios with :meth:`add_radio` and save in :meth:`answered`.
    """

    status: SaveStatus
    lesson: Lesson

    def _setup_radios(self) -> None:
        self.radios: dict[str, widgets.RadioButtons] = {}

    def add_radio(
        self, key: str, description: str, options: list, horizontal: bool = True
    ) -> widgets.RadioButtons:
        radio = widgets.RadioButtons(
            options=options,
            value=None,
            description=description,
            orientation="horizontal" if horizontal else "vertical",
            style={"description_width": "initial"},
            layout={"width": "auto"},
        )
        radio.add_class("course-item")
        radio.observe(self._chosen, names="value")
        self.radios[key] = radio
        return radio

    def saved_answers(
        self, activity: str, key_of: Callable[[str], str] | None = None
    ) -> dict[str, Any]:
        """The learner's saved answers (:meth:`Lesson.load`); an answer another tab kept as a draft is
        shown in the words of its option, as the learner chose it. ``key_of`` turns a saved key into
        its radio's key when the two differ."""
        return self.lesson.load(
            activity,
            self.status,
            {k: r.description for k, r in self.radios.items()},
            {k: {value: label for label, value in r.options} for k, r in self.radios.items()},
            key_of,
        )

    def wait(self) -> None:
        for radio in self.radios.values():
            radio.disabled = True
        self.status.waiting("Start or resume at the top of the page to answer.")

    def show_answers(self, values: dict[str, Any]) -> None:
        """Put saved answers on the page (without saving them again) and enable the radios."""
        with self.loading():
            for key, radio in self.radios.items():
                radio.disabled = False
                value = values.get(key)
                radio.value = value if value in {v for _label, v in radio.options} else None
        self.status.waiting("Your answers are saved as you choose them.")

    def _chosen(self, change: dict) -> None:
        if self.loading_now or change["new"] is None:
            return
        key = next(k for k, r in self.radios.items() if r is change["owner"])
        guarded(self.status)(self.answered)(key, change["new"])

    def answered(self, key: str, value: Any) -> None:  # pragma: no cover - always overridden
        raise NotImplementedError
