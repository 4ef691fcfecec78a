"""Start or resume: how a learner without JupyterHub gets back to their work."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

import ipywidgets as widgets

from ..throttle import CHECKING
from .common import guarded, on_press

NOT_STARTED = "Not started"
NOT_RESUMED = "Not resumed"


class IdentityBar(widgets.VBox):
    """Offers a new learner code or takes an existing one; calls back with the code."""

    def __init__(self, on_start: Callable[[], None], on_resume: Callable[[str], None]) -> None:
        self._on_start = on_start
        self._on_resume = on_resume
        self.message = widgets.HTML()
        self.start_button = widgets.Button(
            description="Start the course (get a new code)",
            button_style="primary",
            layout={"width": "auto"},
        )
        self.code_box = widgets.Text(
            description="Your learner code",
            placeholder="e.g. K7PM-3XQA-9TRE",
            style={"description_width": "initial"},
            layout={"width": "340px"},
        )
        self.resume_button = widgets.Button(description="Resume my work", layout={"width": "auto"})
        on_press(self.start_button, self._on_start, self, NOT_STARTED)
        on_press(self.resume_button, self._resume, self, NOT_RESUMED)
        self.code_box.continuous_update = False
        self.code_box.observe(self._submitted, names="value")
        self.form = widgets.VBox(
            [
                widgets.HTML(
                    "<p><strong>New here?</strong> Start, and you will get a learner code that "
                    "brings you back to your work on any computer.</p>"
                ),
                widgets.HBox([self.start_button]),
                widgets.HTML(
                    "<p><strong>Been here before?</strong> Type your learner code and resume.</p>"
                ),
                widgets.HBox([self.code_box, self.resume_button]),
            ]
        )
        self.signed_in = widgets.HTML()
        super().__init__([self.message, widgets.HTML("<p>Loading your work…</p>")])
        self.add_class("course-identity")

    def _submitted(self, change) -> None:
        if change["new"]:
            guarded(self, NOT_RESUMED)(self._resume)()

    def _resume(self) -> None:
        self._on_resume(self.code_box.value)

    def checking(self, _seconds: float) -> None:
        """A code waits to be checked (:mod:`widgets_lib.throttle`): say so and hold the buttons;
        the answer, shown by :meth:`ask` or :meth:`show_code`, gives them back."""
        self.message.value = f'<p class="course-status" role="status">{escape(CHECKING)}</p>'
        self.children = [self.message, self.form]
        self._hold(True)

    def _hold(self, held: bool) -> None:
        for control in (self.start_button, self.resume_button, self.code_box):
            control.disabled = held

    def failed(self, message: str, what: str = NOT_RESUMED) -> None:
        """What went wrong with starting or resuming, said in the form, next to its buttons."""
        self.ask(f"{what}: {message}")

    def ask(self, message: str = "") -> None:
        """Show the start / resume form, with a message (plain text) if any."""
        self.message.value = (
            f'<p class="course-warning" role="alert">{escape(message)}</p>' if message else ""
        )
        self.children = [self.message, self.form]
        self._hold(False)

    def show_code(self, code: str | None, hub_user: str | None = None, fresh: bool = False) -> None:
        """Show who is signed in; a fresh code is shown large with advice to keep it."""
        if hub_user:
            text = f"<p>Signed in as <strong>{escape(hub_user)}</strong>. Your work is saved as you go.</p>"
        elif fresh:
            text = (
                '<div class="course-code-box" role="status"><p>Your learner code is</p>'
                f'<p class="course-code">{escape(code or "")}</p>'
                "<p><strong>Write it down now.</strong> It is the only way back to your work on another "
                "computer. Keep it private, like a password. It is also in this page's address, so a "
                "bookmark brings you back.</p></div>"
            )
        else:
            text = (
                f'<p>Your learner code: <span class="course-code-inline">{escape(code or "")}</span> '
                "· your work is saved as you go.</p>"
            )
        self.signed_in.value = text
        self.message.value = ""
        self.children = [self.signed_in]
        self._hold(False)
