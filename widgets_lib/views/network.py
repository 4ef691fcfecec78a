"""Lesson 04 activity: draw your school network with labelled forms; see it drawn, tabled and summarised.

Every change makes a new (immutable) network, saved at once with its history; "Undo" steps back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from html import escape
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from .. import network_io
from ..examples import list_examples, load_example
from ..html.common import count_words
from ..html.drawing import legend_html
from ..html.network_tables import (
    downloads_html,
    size_words,
    summary_html,
    tables_html,
    upload_check_html,
)
from ..layout import moved, placed
from ..lessons import DONE
from ..network import (
    FLOW_LABELS,
    FLOWS,
    KIND_LABELS,
    KINDS,
    LEVEL_MEANINGS,
    LEVELS,
    ORIGIN_LABELS,
    ORIGINS,
    TRUST_LABELS,
    EditError,
    Link,
    Network,
    School,
    check_link,
    check_school,
    check_school_name,
    kept_reports,
)
from ..record import NETWORK_ACTIVITY, NETWORK_KEY, network_to_value, saved_network
from .common import WIDE, Activity, SaveStatus, guarded, heading, on_press
from .examples import WorkedCases
from .map_editor import STALE, DrawingAction, MapEditor, chosen_link, read_action, request_of

if TYPE_CHECKING:
    from .lesson import Learner, Lesson

ACTIVITY = NETWORK_ACTIVITY
KEY = NETWORK_KEY
TABLE_ROWS = 200


def _none_option(label: str, options: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [(label, None), *options]


def level_options() -> list[tuple[str, Any]]:
    return _none_option(
        "Not given", [(f"{n} {LEVELS[n]} – {LEVEL_MEANINGS[n]}", n) for n in LEVELS]
    )


def _choose(box: widgets.Dropdown, value: Any) -> None:
    """Select ``value``; None selects the first option, "Not given". ipywidgets takes a value of None
    for "nothing chosen" (a blank list), and so does a move from another option straight to index 0."""
    if value is None:
        box.index = None
        box.index = 0
    else:
        box.value = value


class LinkForm(widgets.VBox):
    """The fields of one link, used to add a link and to change one."""

    def __init__(self, suffix: str = "") -> None:
        """``suffix`` tells two forms' fields apart for screen readers and for the eye (" (this link)")."""

        def label(text: str) -> str:
            return f"{text}{suffix}"

        self.source = widgets.Dropdown(description=label("From"), options=[], style=WIDE)
        self.target = widgets.Dropdown(description=label("To"), options=[], style=WIDE)
        self.level = widgets.Dropdown(
            description=label("Level of collaboration"), options=level_options(), style=WIDE
        )
        self.origin = widgets.Dropdown(
            description=label("How it began"),
            style=WIDE,
            options=_none_option("Not given", [(ORIGIN_LABELS[o], o) for o in ORIGINS]),
        )
        self.trust = widgets.Dropdown(
            description=label("Trust between them"),
            style=WIDE,
            options=_none_option(
                "Not given", [(f"{v} {TRUST_LABELS[v]}", v) for v in TRUST_LABELS]
            ),
        )
        self.flows = {
            f: widgets.Checkbox(description=label(FLOW_LABELS[f]), indent=False, value=False)
            for f in FLOWS
        }
        self.directed = widgets.Checkbox(
            description=label("One way only (from → to)"), indent=False, value=False
        )
        flows = widgets.HBox(
            [
                widgets.HTML(f"<span>{escape(label('What flows along it'))}:</span>"),
                *self.flows.values(),
            ]
        )
        flows.add_class("course-flows")
        ends = widgets.HBox([self.source, self.target])
        ends.add_class("course-wrap")
        super().__init__([ends, self.level, self.origin, self.trust, flows, self.directed])
        self.clear()

    @property
    def details(self) -> list[widgets.ValueWidget]:
        """Every field but the two ends."""
        return [self.level, self.origin, self.trust, *self.flows.values(), self.directed]

    def set_schools(self, names: list[str]) -> None:
        for box in (self.source, self.target):
            keep = box.value
            box.options = names
            box.value = keep if keep in names else None

    def link(self) -> Link:
        if not self.source.value or not self.target.value:
            raise EditError("Choose the two schools the link joins.")
        return Link(
            self.source.value,
            self.target.value,
            level=self.level.value,
            origin=self.origin.value,
            flows=tuple(f for f, box in self.flows.items() if box.value),
            directed=self.directed.value,
            trust=self.trust.value,
        )

    def show(self, link: Link) -> None:
        self.source.value, self.target.value = link.source, link.target
        for box, value in (
            (self.level, link.level),
            (self.origin, link.origin),
            (self.trust, link.trust),
        ):
            _choose(box, value)
        for f, box in self.flows.items():
            box.value = f in link.flows
        self.directed.value = link.directed

    def clear(self, keep_source: bool = False) -> None:
        """Back to a blank link ("Not given", nothing ticked), so nothing of the last one is carried over."""
        if not keep_source:
            self.source.value = None
        self.target.value = None
        for box in (self.level, self.origin, self.trust):
            _choose(box, None)
        for box in self.flows.values():
            box.value = False
        self.directed.value = False


def _joined(link: Link) -> str:
    return f"{link.source} {'→' if link.directed else '—'} {link.target}"


class FormFeedback(widgets.VBox):
    """Where one form answers, directly under its buttons: the result of its last action (an error,
    role="alert", or what was done, role="status"), a question with its two answers when an action
    would replace the learner's work, and the page's save state once the form has been used."""

    def __init__(self, asks: bool = False) -> None:
        self.message = widgets.HTML()
        self.message.add_class("course-form-message")
        self.replace = widgets.Button(
            description="Replace it", button_style="danger", layout={"width": "auto"}
        )
        self.keep = widgets.Button(description="Keep mine", layout={"width": "auto"})
        self.answers = widgets.HBox(
            [self.replace, self.keep], layout=widgets.Layout(display="none")
        )  # a layout of its own: shown and hidden
        self.answers.add_class("course-wrap")
        super().__init__([self.message, self.answers] if asks else [self.message])
        self.add_class("course-form-feedback")

    def said(self, text: str) -> None:
        self._show(f'<p class="course-done" role="status">{escape(text)}</p>')

    def warned(self, text: str) -> None:
        self._show(f'<p class="course-warning" role="alert">{escape(text)}</p>')

    def asked(self, text: str) -> None:
        self._show(f'<p class="course-question" role="alert">{escape(text)}</p>', answers=True)

    def clear(self) -> None:
        self._show("")

    def _show(self, html: str, answers: bool = False) -> None:
        self.answers.layout.display = None if answers else "none"
        self.message.value = html


class NetworkView(widgets.VBox, Activity):
    def __init__(self, lesson: Lesson) -> None:
        self.lesson = lesson
        self.network = Network()
        self.undo_stack: list[Network] = []
        self.status = SaveStatus()
        self.top = widgets.VBox([self.status])  # where the save state is until a form is used
        # An action that would replace a network with work in it waits here for "Replace it":
        # (the form that asked, the network that would replace it, what to say once it has).
        self._asked: tuple[FormFeedback, Network, str] | None = None

        # A typed name is sent when the field loses focus, so it reaches Python before the
        # button press that follows: with continuous updates, ipywidgets may hold keystrokes
        # back while a click goes ahead, and the school would be added half-typed.
        sections = [
            *self._example_form(),
            *self._school_forms(),
            *self._link_forms(),
            *self._picture(),
            *self._file_forms(),
        ]
        for field in (self.name, self.phase, self.locality, self.new_name, self.new_x, self.new_y):
            field.continuous_update = False
        self.controls = [
            self.load_example,
            self.add_school,
            self.save_school,
            self.remove_school,
            self.add_link,
            self.save_link,
            self.remove_link,
            self.import_button,
            self.upload,
        ]
        self.feedbacks = [
            self.example_feedback,
            self.school_feedback,
            self.link_feedback,
            self.change_school_feedback,
            self.change_link_feedback,
            self.undo_feedback,
            self.drawing_feedback,
            self.import_feedback,
            self.download_feedback,
        ]
        for feedback in (self.example_feedback, self.import_feedback):
            for button, confirmed in ((feedback.replace, True), (feedback.keep, False)):
                on_press(
                    button,
                    lambda button=button, confirmed=confirmed: self._answer(button, confirmed),
                    self.status,
                )
        self._last = self.example_feedback
        super().__init__([self.top, *sections])
        self.add_class("course-activity")
        self.add_class("course-network")
        self._render()
        self.wait()

    # -- the page's parts, each with its heading ---------------------------------
    def _example_form(self) -> list[widgets.Widget]:
        self.example = widgets.Dropdown(
            description="Example network (invented)",
            style=WIDE,
            options=[(title, key) for key, title in list_examples()],
        )
        self.load_example = widgets.Button(
            description="Start from this example", layout={"width": "auto"}
        )
        self.example_feedback = FormFeedback(asks=True)
        on_press(
            self.load_example, self._edit(self.example_feedback, self._load_example), self.status
        )
        self.worked_case = WorkedCases(self.example)  # its story and diagnosis, as you choose
        return [
            heading("Start from an example, or from nothing", 3),
            _wrap(self.example, self.load_example),
            self.example_feedback,
            self.worked_case,
        ]

    def _school_forms(self) -> list[widgets.Widget]:
        self.name = widgets.Text(description="School name", style=WIDE, layout={"width": "420px"})
        self.kind = widgets.Dropdown(
            description="Kind", options=[(KIND_LABELS[k], k) for k in KINDS], style=WIDE
        )
        self.phase = widgets.Text(
            description="Phase (optional)", placeholder="e.g. primary", style=WIDE
        )
        self.locality = widgets.Text(description="Locality (optional)", style=WIDE)
        self.add_school = widgets.Button(
            description="Add school", button_style="primary", layout={"width": "auto"}
        )
        self.school_feedback = FormFeedback()
        on_press(
            self.add_school,
            self._edit(self.school_feedback, self._add_school, done=self._clear_school_form),
            self.status,
        )

        self.pick_school = widgets.Dropdown(description="School to change", options=[], style=WIDE)
        self.new_name = widgets.Text(description="New name", style=WIDE)
        self.new_kind = widgets.Dropdown(
            description="Kind (this school)",
            options=[(KIND_LABELS[k], k) for k in KINDS],
            style=WIDE,
        )
        # Its place on the drawing, for the keyboard (the mouse drags it): in the drawing's units,
        # a pixel at its own size; larger numbers are further right and further down.
        self.new_x = widgets.FloatText(description="Place on the drawing: across", style=WIDE)
        self.new_y = widgets.FloatText(description="Place on the drawing: down", style=WIDE)
        self.save_school = widgets.Button(
            description="Save changes to this school", layout={"width": "auto"}
        )
        self.remove_school = widgets.Button(
            description="Remove this school and its links", layout={"width": "auto"}
        )
        self.change_school_feedback = FormFeedback()
        self.pick_school.observe(lambda _c: self._show_school(), names="value")
        on_press(
            self.save_school,
            self._edit(self.change_school_feedback, self._change_school),
            self.status,
        )
        on_press(
            self.remove_school,
            self._edit(self.change_school_feedback, self._remove_school),
            self.status,
        )
        return [
            heading("Add a school or partner", 3),
            self.name,
            self.kind,
            _wrap(self.phase, self.locality),
            self.add_school,
            self.school_feedback,
        ]

    def _link_forms(self) -> list[widgets.Widget]:
        self.add_form = LinkForm()
        self.add_link = widgets.Button(
            description="Add link", button_style="primary", layout={"width": "auto"}
        )
        self.link_feedback = FormFeedback()
        on_press(self.add_link, self._edit(self.link_feedback, self._add_link), self.status)
        self.pick_link = widgets.Dropdown(description="Link to change", options=[], style=WIDE)
        self.edit_form = LinkForm(" (this link)")
        self.save_link = widgets.Button(
            description="Save changes to this link", layout={"width": "auto"}
        )
        self.remove_link = widgets.Button(description="Remove this link", layout={"width": "auto"})
        self.change_link_feedback = FormFeedback()
        self.pick_link.observe(lambda _c: self._show_link(), names="value")
        on_press(
            self.save_link, self._edit(self.change_link_feedback, self._change_link), self.status
        )
        on_press(
            self.remove_link, self._edit(self.change_link_feedback, self._remove_link), self.status
        )
        return [
            heading("Add a link between two of them", 3),
            self.add_form,
            self.add_link,
            self.link_feedback,
            heading("Change or remove a school", 3),
            self.pick_school,
            _wrap(self.new_name, self.new_kind),
            _wrap(self.new_x, self.new_y),
            _wrap(self.save_school, self.remove_school),
            self.change_school_feedback,
            heading("Change or remove a link", 3),
            self.pick_link,
            self.edit_form,
            _wrap(self.save_link, self.remove_link),
            self.change_link_feedback,
        ]

    def _picture(self) -> list[widgets.Widget]:
        """The drawing, which edits the network too (the map editor, answering under itself), and
        its text alternative (a sentence and the tables), with Undo above them."""
        self.undo = widgets.Button(
            description="Undo last change", disabled=True, layout={"width": "auto"}
        )
        self.undo_feedback = FormFeedback()
        on_press(self.undo, self._edit(self.undo_feedback, self._undo), self.status)
        self.editor = MapEditor()
        self.drawing_feedback = FormFeedback()
        self.editor.on_action(guarded(self.status)(self._drawn))
        self.drawing = widgets.HTML()  # the legend, or why there is no drawing
        self.summary = widgets.HTML()
        self.tables = widgets.HTML()
        return [
            heading("Your network", 3),
            self.undo,
            self.undo_feedback,
            self.editor,
            self.drawing_feedback,
            self.drawing,
            self.summary,
            self.tables,
        ]

    def _file_forms(self) -> list[widgets.Widget]:
        self.upload = widgets.FileUpload(
            description="Choose files",
            accept=".csv,.xlsx,.json",
            multiple=True,
            tooltip="Choose two CSV files, one workbook or one JSON file to import",
        )
        self.import_button = widgets.Button(
            description="Import the chosen files", layout={"width": "auto"}
        )
        self.upload_check = widgets.HTML(upload_check_html())
        self.import_feedback = FormFeedback(asks=True)
        on_press(self.import_button, self._edit(self.import_feedback, self._import), self.status)
        self.prepare = widgets.Button(
            description="Prepare files to download", layout={"width": "auto"}
        )
        self.download_feedback = FormFeedback()
        on_press(
            self.prepare, self._edit(self.download_feedback, self._prepare_downloads), self.status
        )
        self.downloads = widgets.HTML()
        return [
            heading("Import and export", 3),
            widgets.HTML(
                "<p>Import two CSV files (<code>schools.csv</code> and <code>links.csv</code>), one "
                "workbook with sheets <em>schools</em> and <em>links</em>, a JSON file exported "
                "here, or a map exported from Kumu (its workbook, with sheets <em>Elements</em> and "
                "<em>Connections</em>). A pair of schools listed twice, as when both answered a "
                "survey, becomes one link, and the message says which rows were merged. Importing "
                "replaces the network on this page; Undo brings the old one back. The downloads "
                "include GEXF and GraphML files for Gephi.</p>"
            ),
            _wrap(self.upload, self.import_button),
            self.import_feedback,
            self.upload_check,
            self.prepare,
            self.download_feedback,
            self.downloads,
        ]

    @property
    def message(self) -> widgets.HTML:
        """The message of the form used last (each form answers under its own buttons)."""
        return self._last.message

    # -- learner ----------------------------------------------------------------
    def wait(self) -> None:
        for control in self.controls:
            control.disabled = True
        self._show_school()  # the forms that change a school or a link close too
        self._show_link()
        self.status.waiting("Start or resume at the top of the page to draw your network.")

    def load(self, learner: Learner) -> None:
        saved = saved_network(self.lesson.load(ACTIVITY, self.status))
        self.network = placed(saved)
        if self.network is not saved:  # saved before places were kept (issue 17): keep them now
            self.lesson.save(ACTIVITY, KEY, network_to_value(self.network), self.status)
        self.undo_stack.clear()
        for control in self.controls:
            control.disabled = False
        self.status.waiting("Your network is saved after every change.")
        self._render()

    # -- actions ------------------------------------------------------------------
    def _edit(
        self,
        feedback: FormFeedback,
        action: Callable[[], tuple[Network | None, str]],
        done: Callable[[], None] | None = None,
    ) -> Callable[[], None]:
        """An edit that answers under the form's buttons: its error in words, or what it did, with the
        save state beside it; a new network is saved and drawn at once, and only then ``done``
        (clearing the form): a refused save leaves what was typed in place."""

        def run() -> None:
            self._asked = None  # any action answers a question left on the page: "not now"
            self._answer_here(feedback)
            try:
                network, said = action()
            except (EditError, network_io.NetworkError) as exc:
                feedback.warned(str(exc))
                return
            if network is not None:
                self._commit(network)
            if said:
                feedback.said(said)
            if done is not None:
                done()

        return run

    def _answer_here(self, feedback: FormFeedback) -> None:
        """Clear every form's message and bring the save state next to ``feedback``."""
        for each in self.feedbacks:
            each.clear()
            if each is not feedback and self.status in each.children:
                each.children = tuple(c for c in each.children if c is not self.status)
        self.top.children = ()
        if self.status not in feedback.children:
            feedback.children = (*feedback.children, self.status)
        self._last = feedback

    def _answer(self, button: widgets.Button, confirmed: bool) -> None:
        """ "Replace it" or "Keep mine", pressed under the question an action asked."""
        asked = self._asked
        if asked is None or button not in (asked[0].replace, asked[0].keep):
            return  # nothing is waiting there (an old button, or a message sent by hand)
        feedback, network, said = asked
        if confirmed:
            self._edit(
                feedback, lambda: (network, f"{said} Undo brings back the network you had.")
            )()
        else:
            self._edit(feedback, lambda: (None, "Kept your network: nothing was replaced."))()

    def _replacing(
        self, feedback: FormFeedback, network: Network, said: str
    ) -> tuple[Network | None, str]:
        """Replace the learner's network at once if it is empty; otherwise ask first."""
        if not self.network.schools:
            return network, said
        self._asked = (feedback, network, said)
        feedback.asked(
            f"This replaces your network of {size_words(self.network)}. Undo brings it back."
        )
        return None, ""

    def _commit(self, network: Network, undoable: bool = True) -> None:
        """Save ``network``, then show it: a save the store refuses (the learner's quota) leaves
        the page on the network that is saved, with the reason beside the form."""
        network = placed(network)  # every school keeps its place on the drawing (issue 17)
        self.lesson.save(ACTIVITY, KEY, network_to_value(network), self.status)
        if undoable:
            self.undo_stack.append(self.network)
        self.network = network
        if len(network.schools) >= 3 and network.links:
            self.lesson.mark(DONE)
        self._render()

    def apply(self, network: Network, said: str) -> None:
        """Save and draw a network changed by another activity of the page (the partners' survey
        answers) as one of this view's own edits: said under Undo, which steps back over it."""
        self._edit(self.undo_feedback, lambda: (network, said))()

    def _load_example(self) -> tuple[Network | None, str]:
        if self.example.value is None:
            raise EditError("Choose an example first.")
        network, _answers = load_example(self.example.value)
        title = dict(list_examples())[self.example.value]
        return self._replacing(
            self.example_feedback,
            network,
            f"Started from the example “{title}”: {size_words(network)}.",
        )

    def _add_school(self) -> tuple[Network, str]:
        name = check_school_name(self.network, self.name.value)
        school = check_school(
            School(name, self.kind.value, self.phase.value.strip(), self.locality.value.strip())
        )
        return self.network.with_school(school), f"Added {name}."

    def _clear_school_form(self) -> None:
        self.name.value = self.phase.value = self.locality.value = ""
        self.kind.value = KINDS[0]

    def _show_school(self) -> None:
        """Fill the school form with the chosen school; empty and closed while none is chosen."""
        school = self.network.school(self.pick_school.value) if self.pick_school.value else None
        self.new_name.value = school.name if school else ""
        self.new_kind.value = school.kind if school else KINDS[0]
        self.new_x.value = school.x if school and school.x is not None else 0.0
        self.new_y.value = school.y if school and school.y is not None else 0.0
        closed = school is None or self.lesson.learner is None
        for control in (
            self.new_name,
            self.new_kind,
            self.new_x,
            self.new_y,
            self.save_school,
            self.remove_school,
        ):
            control.disabled = closed

    def _change_school(self) -> tuple[Network, str]:
        old = self.pick_school.value
        if not old:
            raise EditError("Choose the school to change.")
        name = check_school_name(self.network, self.new_name.value, replacing=old)
        network = self.network.renamed(old, name) if name != old else self.network
        school = network.school(name)
        assert school is not None
        kind = KIND_LABELS.get(self.new_kind.value, self.new_kind.value)
        said = f"Renamed {old} to {name} ({kind})." if name != old else f"Changed {name}: {kind}."
        network = network.with_school(replace(school, kind=self.new_kind.value))
        if (self.new_x.value, self.new_y.value) != (school.x, school.y):
            network = moved(network, name, self.new_x.value, self.new_y.value)
            place = network.school(name)
            said += f" Its place on the drawing: {place.x:g} across, {place.y:g} down."
        return network, said

    def _remove_school(self) -> tuple[Network, str]:
        name = self.pick_school.value
        if not name:
            raise EditError("Choose the school to remove.")
        links = sum(name in (link.source, link.target) for link in self.network.links)
        return self.network.without_school(
            name
        ), f"Removed {name} and its {count_words(links, 'link')}."

    def _add_link(self) -> tuple[Network, str]:
        link = check_link(self.network, self.add_form.link())
        self.add_form.clear(keep_source=True)
        return self.network.with_link(link), (
            f"Added the link {_joined(link)}. The form is blank again for the next link; "
            f"From still says {link.source}."
        )

    def _show_link(self) -> None:
        """Fill the link form with the chosen link; empty and closed while none is chosen."""
        index = self.pick_link.value
        chosen = index is not None and index < len(self.network.links)
        if chosen:
            self.edit_form.show(self.network.links[index])
        else:
            self.edit_form.clear()
        closed = not chosen or self.lesson.learner is None
        for control in (*self.edit_form.details, self.save_link, self.remove_link):
            control.disabled = closed
        self.edit_form.source.disabled = self.edit_form.target.disabled = (
            True  # a link keeps its two ends
        )

    def _change_link(self) -> tuple[Network, str]:
        index = self.pick_link.value
        if index is None:
            raise EditError("Choose the link to change.")
        old = self.network.links[index]
        link = check_link(self.network, kept_reports(old, self.edit_form.link()), replacing=index)
        return self.network.with_link(link, index), f"Link changed: {_joined(link)}."

    def _remove_link(self) -> tuple[Network, str]:
        index = self.pick_link.value
        if index is None:
            raise EditError("Choose the link to remove.")
        link = self.network.links[index]
        return self.network.without_link(index), f"Removed the link {_joined(link)}."

    def _drawn(self, content: object) -> None:
        """An action on the drawing: checked, made like a form's edit (saved, drawn, undoable),
        answered under the drawing and, for the name field it opened, in the drawing itself."""
        refused: list[str] = []
        done: list[Callable[[], None]] = []

        def action() -> tuple[Network | None, str]:
            try:
                if self.lesson.learner is None:
                    raise EditError("Start or resume at the top of the page to change the drawing.")
                return self._drawing_edit(read_action(content), done)
            except (EditError, network_io.NetworkError) as exc:
                refused.append(str(exc))
                raise

        def then() -> None:
            for each in done:
                each()

        saved = False
        try:
            self._edit(self.drawing_feedback, action, done=then)()
            saved = not refused
        finally:
            message = (
                refused[0] if refused else "" if saved else "Not saved: see under the drawing."
            )
            self.editor.answer(request_of(content), saved, message)

    def _drawing_edit(
        self, action: DrawingAction, done: list[Callable[[], None]]
    ) -> tuple[Network | None, str]:
        """What one drawing action does; ``done`` gets what to do once the change is saved (show
        the new school or link in its change form, ready for its details)."""
        network = self.network
        if action.kind == "add":
            name = check_school_name(network, action.name)
            school = check_school(School(name, x=action.x, y=action.y))
            done.append(lambda: setattr(self.pick_school, "value", name))
            return network.with_school(school), (
                f"Added {name}. Its kind can be changed in “Change or remove a school” above."
            )
        if action.kind == "link":
            link = check_link(network, Link(action.name, action.target))
            index = len(network.links)
            done.append(lambda: setattr(self.pick_link, "value", index))
            return network.with_link(link), (
                f"Added the link {_joined(link)}. Give its level and the rest in "
                "“Change or remove a link” above."
            )
        if action.kind == "move":
            return moved(network, action.name, action.x, action.y), f"Moved {action.name}."
        if action.kind == "school":
            if network.school(action.name) is None:
                raise EditError(STALE)
            self.pick_school.value = action.name
            return None, f"Chosen: {action.name}. Change it in “Change or remove a school” above."
        index = chosen_link(network, action)
        self.pick_link.value = index
        return None, (
            f"Chosen: the link {_joined(network.links[index])}. Change it in "
            "“Change or remove a link” above."
        )

    def _undo(self) -> tuple[None, str]:
        if not self.undo_stack:
            raise EditError("There is nothing to undo.")
        previous = self.undo_stack[-1]
        self._commit(previous, undoable=False)
        self.undo_stack.pop()  # only once it is saved: a refused save leaves Undo as it was
        return None, f"Undone: your network is back to {size_words(previous)}."

    def _prepare_downloads(self) -> tuple[None, str]:
        if not self.network.schools:
            raise EditError("Your network is empty: add a school first.")
        self.downloads.value = downloads_html(self.network)
        return None, "Your files are ready: choose one below to download it."

    def _import(self) -> tuple[Network | None, str]:
        files = {item["name"]: bytes(item["content"]) for item in self.upload.value}
        if not files:
            raise EditError("Choose one workbook, one JSON file, or the two CSV files first.")
        notes: list[str] = []  # rows merged, Kumu's columns read: said once the import is done
        network = network_io.read_any(files, notes=notes)
        self.upload.value = ()
        said = " ".join([f"Imported {size_words(network)}.", *notes])
        return self._replacing(self.import_feedback, network, said)

    # -- rendering ----------------------------------------------------------------
    def _render(self) -> None:
        network = self.network
        names = network.names
        if self._asked is not None:  # the network it would replace has changed (loaded again)
            self._asked[0].clear()
            self._asked = None
        self.add_form.set_schools(names)
        self.edit_form.set_schools(names)
        self.pick_school.options = names
        self.pick_school.value = None
        self.pick_link.options = [
            (f"{i + 1}. {_joined(link)}", i) for i, link in enumerate(network.links)
        ]
        self.pick_link.value = None
        self._show_school()
        self._show_link()
        self.undo.disabled = not self.undo_stack
        count = len(network.schools)
        drawn = count <= network_io.MAX_DRAWN
        self.editor.editable = drawn and self.lesson.learner is not None
        self.editor.layout.display = None if drawn else "none"
        self.editor.show(network if drawn else Network())
        if count == 0:
            self.drawing.value = (
                "<p>Your network is empty. Click the drawing to add a school, use the forms "
                "above, start from an example, or import files below.</p>"
            )
        elif not drawn:
            self.drawing.value = (
                f'<p class="course-warning" role="status">This network has {count:,} schools, more '
                f"than a drawing can show clearly (up to {network_io.MAX_DRAWN:,}). It is still "
                "saved and analysed: see the summary and the tables below.</p>"
            )
        else:
            self.drawing.value = legend_html(network)
        self.summary.value = summary_html(network)
        self.tables.value = tables_html(network)
        self.downloads.value = ""
        self.prepare.disabled = not count or self.lesson.learner is None


def _wrap(*children: widgets.Widget) -> widgets.HBox:
    """A row that wraps onto more lines on a narrow screen instead of running off its edge."""
    row = widgets.HBox(list(children))
    row.add_class("course-wrap")
    return row
