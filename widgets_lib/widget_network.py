"""Lesson 04 activity: draw your school network with labelled forms; see it drawn, tabled and summarised.

Every change makes a new (immutable) network, saved at once with its history; "Undo" steps back.
"""

from __future__ import annotations

from dataclasses import replace
from html import escape
from typing import TYPE_CHECKING, Any, Callable

import ipywidgets as widgets

from . import network_io
from .drawing import iframe, legend_html, network_page
from .examples import list_examples, load_example
from .metrics import measure, summary_sentence
from .lessons import DONE
from .record import NETWORK_ACTIVITY, NETWORK_KEY, load_network, network_to_value
from .network import (FLOW_LABELS, FLOWS, KIND_LABELS, KINDS, LEVEL_MEANINGS, LEVELS, ORIGIN_LABELS, ORIGINS,
                      TRUST_LABELS, EditError, Link, Network, School, check_link, check_school_name)
from .widget_common import WIDE, SaveStatus, download_link, guarded, heading

if TYPE_CHECKING:
    from .lesson import Learner, Lesson

ACTIVITY = NETWORK_ACTIVITY
KEY = NETWORK_KEY
TABLE_ROWS = 200


def _none_option(label: str, options: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [(label, None), *options]


def level_options() -> list[tuple[str, Any]]:
    return _none_option("Not given", [(f"{n} {LEVELS[n]} – {LEVEL_MEANINGS[n]}", n) for n in LEVELS])


class LinkForm(widgets.VBox):
    """The fields of one link, used to add a link and to change one."""

    def __init__(self, suffix: str = "") -> None:
        """``suffix`` tells two forms' fields apart for screen readers and for the eye (" (this link)")."""
        def label(text: str) -> str:
            return f"{text}{suffix}"

        self.source = widgets.Dropdown(description=label("From"), options=[], style=WIDE)
        self.target = widgets.Dropdown(description=label("To"), options=[], style=WIDE)
        self.level = widgets.Dropdown(description=label("Level of collaboration"), options=level_options(), style=WIDE)
        self.origin = widgets.Dropdown(description=label("How it began"), style=WIDE,
                                       options=_none_option("Not given", [(ORIGIN_LABELS[o], o) for o in ORIGINS]))
        self.trust = widgets.Dropdown(description=label("Trust between them"), style=WIDE,
                                      options=_none_option("Not given", [(f"{v} {TRUST_LABELS[v]}", v) for v in TRUST_LABELS]))
        self.flows = {f: widgets.Checkbox(description=label(FLOW_LABELS[f]), indent=False, value=False) for f in FLOWS}
        self.directed = widgets.Checkbox(description=label("One way only (from → to)"), indent=False, value=False)
        flows = widgets.HBox([widgets.HTML(f"<span>{escape(label('What flows along it'))}:</span>"),
                              *self.flows.values()])
        flows.add_class("course-flows")
        super().__init__([widgets.HBox([self.source, self.target]), self.level, self.origin, self.trust,
                          flows, self.directed])

    def set_schools(self, names: list[str]) -> None:
        for box in (self.source, self.target):
            keep = box.value
            box.options = names
            box.value = keep if keep in names else None

    def link(self) -> Link:
        if not self.source.value or not self.target.value:
            raise EditError("Choose the two schools the link joins.")
        return Link(self.source.value, self.target.value, level=self.level.value, origin=self.origin.value,
                    flows=tuple(f for f, box in self.flows.items() if box.value),
                    directed=self.directed.value, trust=self.trust.value)

    def show(self, link: Link) -> None:
        self.source.value, self.target.value = link.source, link.target
        self.level.value, self.origin.value, self.trust.value = link.level, link.origin, link.trust
        for f, box in self.flows.items():
            box.value = f in link.flows
        self.directed.value = link.directed


class NetworkView(widgets.VBox):
    def __init__(self, lesson: "Lesson") -> None:
        self.lesson = lesson
        self.network = Network()
        self.undo_stack: list[Network] = []
        self.status = SaveStatus()
        self.message = widgets.HTML()

        # Examples ---------------------------------------------------------------
        self.example = widgets.Dropdown(description="Example network (invented)", style=WIDE,
                                        options=[(title, key) for key, title in list_examples()])
        self.load_example = widgets.Button(description="Start from this example", layout={"width": "auto"})
        self.load_example.on_click(self._act(self._load_example))

        # Schools ----------------------------------------------------------------
        self.name = widgets.Text(description="School name", style=WIDE, layout={"width": "420px"})
        self.kind = widgets.Dropdown(description="Kind", options=[(KIND_LABELS[k], k) for k in KINDS], style=WIDE)
        self.phase = widgets.Text(description="Phase (optional)", placeholder="e.g. primary", style=WIDE)
        self.locality = widgets.Text(description="Locality (optional)", style=WIDE)
        self.add_school = widgets.Button(description="Add school", button_style="primary", layout={"width": "auto"})
        self.add_school.on_click(self._act(self._add_school))

        self.pick_school = widgets.Dropdown(description="School to change", options=[], style=WIDE)
        self.new_name = widgets.Text(description="New name", style=WIDE)
        self.new_kind = widgets.Dropdown(description="Kind (this school)", options=[(KIND_LABELS[k], k) for k in KINDS], style=WIDE)
        self.save_school = widgets.Button(description="Save changes to this school", layout={"width": "auto"})
        self.remove_school = widgets.Button(description="Remove this school and its links", layout={"width": "auto"})
        self.pick_school.observe(lambda _c: self._show_school(), names="value")
        self.save_school.on_click(self._act(self._change_school))
        self.remove_school.on_click(self._act(self._remove_school))

        # Links ------------------------------------------------------------------
        self.add_form = LinkForm()
        self.add_link = widgets.Button(description="Add link", button_style="primary", layout={"width": "auto"})
        self.add_link.on_click(self._act(self._add_link))
        self.pick_link = widgets.Dropdown(description="Link to change", options=[], style=WIDE)
        self.edit_form = LinkForm(" (this link)")
        self.edit_form.source.disabled = self.edit_form.target.disabled = True
        self.save_link = widgets.Button(description="Save changes to this link", layout={"width": "auto"})
        self.remove_link = widgets.Button(description="Remove this link", layout={"width": "auto"})
        self.pick_link.observe(lambda _c: self._show_link(), names="value")
        self.save_link.on_click(self._act(self._change_link))
        self.remove_link.on_click(self._act(self._remove_link))

        # Files ------------------------------------------------------------------
        self.upload = widgets.FileUpload(description="Choose files", accept=".csv,.xlsx,.json", multiple=True,
                                         tooltip="Choose two CSV files, one workbook or one JSON file to import")
        self.import_button = widgets.Button(description="Import the chosen files", layout={"width": "auto"})
        self.upload_check = widgets.HTML(upload_check_html())
        self.import_button.on_click(self._act(self._import))
        self.prepare = widgets.Button(description="Prepare files to download", layout={"width": "auto"})
        self.prepare.on_click(self._act(self._prepare_downloads))
        self.downloads = widgets.HTML()
        self.undo = widgets.Button(description="Undo last change", disabled=True, layout={"width": "auto"})
        self.undo.on_click(self._act(self._undo))

        # Picture and its text alternative ----------------------------------------
        self.drawing = widgets.HTML()
        self.summary = widgets.HTML()
        self.tables = widgets.HTML()

        # A typed name is sent when the field loses focus, so it reaches Python before the
        # button press that follows: with continuous updates, ipywidgets may hold keystrokes
        # back while a click goes ahead, and the school would be added half-typed.
        for field in (self.name, self.phase, self.locality, self.new_name):
            field.continuous_update = False
        self.controls = [self.load_example, self.add_school, self.save_school, self.remove_school, self.add_link,
                         self.save_link, self.remove_link, self.import_button, self.upload]
        super().__init__([
            self.status, self.message,
            heading("Start from an example, or from nothing", 3),
            widgets.HBox([self.example, self.load_example]),
            heading("Add a school or partner", 3),
            self.name, self.kind, widgets.HBox([self.phase, self.locality]), self.add_school,
            heading("Add a link between two of them", 3),
            self.add_form, self.add_link,
            heading("Change or remove a school", 3),
            self.pick_school, widgets.HBox([self.new_name, self.new_kind]),
            widgets.HBox([self.save_school, self.remove_school]),
            heading("Change or remove a link", 3),
            self.pick_link, self.edit_form, widgets.HBox([self.save_link, self.remove_link]),
            heading("Your network", 3), self.undo, self.drawing, self.summary, self.tables,
            heading("Import and export", 3),
            widgets.HTML("<p>Import two CSV files (<code>schools.csv</code> and <code>links.csv</code>), one "
                         "workbook with sheets <em>schools</em> and <em>links</em>, or a JSON file exported here. "
                         "Importing replaces the network on this page; Undo brings the old one back.</p>"),
            widgets.HBox([self.upload, self.import_button]), self.upload_check,
            self.prepare, self.downloads,
        ])
        self.add_class("course-activity")
        self._render()
        self.wait()

    # -- learner ----------------------------------------------------------------
    def wait(self) -> None:
        for control in self.controls:
            control.disabled = True
        self.status.waiting("Start or resume at the top of the page to draw your network.")

    def load(self, learner: "Learner") -> None:
        self.network = load_network(self.lesson.store, learner.id)
        self.undo_stack.clear()
        for control in self.controls:
            control.disabled = False
        self.status.waiting("Your network is saved after every change.")
        self._render()

    # -- actions ------------------------------------------------------------------
    def _act(self, action: Callable[[], Network | None]) -> Callable[[Any], None]:
        """Run an edit: show its error in words, or save the new network and redraw."""

        def run(_button: Any = None) -> None:
            @guarded(self.status)
            def inner() -> None:
                self.message.value = ""
                try:
                    result = action()
                except (EditError, network_io.NetworkError) as exc:
                    self.message.value = f'<p class="course-warning" role="alert">{escape(str(exc))}</p>'
                    return
                if result is not None:
                    self._commit(result)

            inner()

        return run

    def _commit(self, network: Network, undoable: bool = True) -> None:
        if undoable:
            self.undo_stack.append(self.network)
        self.network = network
        self.lesson.save(ACTIVITY, KEY, network_to_value(network), self.status)
        if len(network.schools) >= 3 and network.links:
            self.lesson.mark(DONE)
        self._render()

    def _load_example(self) -> Network | None:
        if self.example.value is None:
            raise EditError("Choose an example first.")
        network, _answers = load_example(self.example.value)
        return network

    def _add_school(self) -> Network:
        name = check_school_name(self.network, self.name.value)
        school = School(name, self.kind.value, self.phase.value.strip(), self.locality.value.strip())
        self.name.value = self.phase.value = self.locality.value = ""
        return self.network.with_school(school)

    def _show_school(self) -> None:
        school = self.network.school(self.pick_school.value) if self.pick_school.value else None
        self.new_name.value = school.name if school else ""
        if school:
            self.new_kind.value = school.kind

    def _change_school(self) -> Network:
        old = self.pick_school.value
        if not old:
            raise EditError("Choose the school to change.")
        name = check_school_name(self.network, self.new_name.value, replacing=old)
        network = self.network.renamed(old, name) if name != old else self.network
        school = network.school(name)
        assert school is not None
        return network.with_school(replace(school, kind=self.new_kind.value))

    def _remove_school(self) -> Network:
        if not self.pick_school.value:
            raise EditError("Choose the school to remove.")
        return self.network.without_school(self.pick_school.value)

    def _add_link(self) -> Network:
        link = check_link(self.network, self.add_form.link())
        return self.network.with_link(link)

    def _show_link(self) -> None:
        if self.pick_link.value is not None and self.pick_link.value < len(self.network.links):
            self.edit_form.show(self.network.links[self.pick_link.value])

    def _change_link(self) -> Network:
        index = self.pick_link.value
        if index is None:
            raise EditError("Choose the link to change.")
        link = check_link(self.network, self.edit_form.link(), replacing=index)
        return self.network.with_link(link, index)

    def _remove_link(self) -> Network:
        if self.pick_link.value is None:
            raise EditError("Choose the link to remove.")
        return self.network.without_link(self.pick_link.value)

    def _undo(self) -> Network | None:
        if not self.undo_stack:
            return None
        previous = self.undo_stack.pop()
        self._commit(previous, undoable=False)
        return None

    def _prepare_downloads(self) -> None:
        self.downloads.value = downloads_html(self.network)
        return None

    def _import(self) -> Network:
        files = {item["name"]: bytes(item["content"]) for item in self.upload.value}
        if not files:
            raise EditError("Choose one workbook, one JSON file, or the two CSV files first.")
        network = network_io.read_any(files)
        self.upload.value = ()
        return network

    # -- rendering ----------------------------------------------------------------
    def _render(self) -> None:
        network = self.network
        names = network.names
        self.add_form.set_schools(names)
        self.edit_form.set_schools(names)
        self.pick_school.options = names
        self.pick_school.value = None
        self.pick_link.options = [(f"{i + 1}. {l.source} {'→' if l.directed else '—'} {l.target}", i)
                                  for i, l in enumerate(network.links)]
        self.pick_link.value = None
        self.undo.disabled = not self.undo_stack
        count = len(network.schools)
        if count == 0:
            self.drawing.value = ("<p>Your network is empty. Add schools and links above, start from an example, "
                                  "or import files below.</p>")
        elif count > network_io.MAX_DRAWN:
            self.drawing.value = (f'<p class="course-warning" role="status">This network has {count:,} schools, more '
                                  f"than a drawing can show clearly (up to {network_io.MAX_DRAWN:,}). It is still "
                                  "saved and analysed: see the summary and the tables below.</p>")
        else:
            self.drawing.value = iframe(network_page(network)) + legend_html(network)
        self.summary.value = summary_html(network)
        self.tables.value = tables_html(network)
        self.downloads.value = ""
        self.prepare.disabled = not count or self.lesson.learner is None


def summary_html(network: Network) -> str:
    if not network.schools:
        return ""
    metrics = measure(network)
    return f'<p class="course-summary">{escape(summary_sentence(network, metrics))}</p>'


def tables_html(network: Network) -> str:
    if not network.schools:
        return ""
    rows = "".join(
        f"<tr><td>{escape(s.name)}</td><td>{escape(KIND_LABELS.get(s.kind, s.kind))}</td>"
        f"<td>{escape(s.phase)}</td><td>{escape(s.locality)}</td></tr>" for s in network.schools[:TABLE_ROWS])
    more = (f"<p>Showing the first {TABLE_ROWS} of {len(network.schools):,} schools.</p>"
            if len(network.schools) > TABLE_ROWS else "")
    schools = ('<table class="course-table"><caption>Schools and partners</caption><tr><th scope="col">Name</th>'
               '<th scope="col">Kind</th><th scope="col">Phase</th><th scope="col">Locality</th></tr>'
               f"{rows}</table>{more}")
    link_rows = "".join(
        f"<tr><td>{escape(l.source)}</td><td>{'→' if l.directed else '—'}</td><td>{escape(l.target)}</td>"
        f"<td>{'' if l.level is None else escape(f'{l.level} {LEVELS[l.level]}')}</td>"
        f"<td>{escape(ORIGIN_LABELS.get(l.origin, '') if l.origin else '')}</td>"
        f"<td>{escape(', '.join(FLOW_LABELS[f] for f in l.flows))}</td>"
        f"<td>{'' if l.trust is None else escape(f'{l.trust} {TRUST_LABELS[l.trust]}')}</td></tr>"
        for l in network.links[:TABLE_ROWS])
    more = (f"<p>Showing the first {TABLE_ROWS} of {len(network.links):,} links.</p>"
            if len(network.links) > TABLE_ROWS else "")
    links = ('<table class="course-table"><caption>Links</caption><tr><th scope="col">From</th>'
             '<th scope="col">Direction</th><th scope="col">To</th>'
             '<th scope="col">Level</th><th scope="col">Began with</th><th scope="col">What flows</th>'
             f'<th scope="col">Trust</th></tr>{link_rows}</table>{more}') if network.links else "<p>No links yet.</p>"
    return schools + links


def upload_check_html() -> str:
    """Where the page's script (course.js) refuses chosen files too big to send, with the limits
    and sentences it uses: network_io's, so the page and the import say the same."""
    limits = {
        "data-max-file-bytes": network_io.MAX_FILE_BYTES,
        "data-max-upload-bytes": network_io.MAX_UPLOAD_BYTES,
        "data-too-big": "{file} " + network_io.too_big("{bytes}", "{mb}"),
        "data-too-much": network_io.too_much("{bytes}", "{mb}"),
    }
    attributes = " ".join(f'{name}="{escape(str(value))}"' for name, value in limits.items())
    return f'<div class="course-upload-check" {attributes}></div>'


def downloads_html(network: Network) -> str:
    schools, links = network_io.to_csv(network)
    items = [
        download_link("schools.csv", "text/csv", schools, "schools.csv"),
        download_link("links.csv", "text/csv", links, "links.csv"),
        download_link("network.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                  network_io.to_workbook(network), "network.xlsx (one workbook)"),
        download_link("network.json", "application/json", network_io.to_json(network), "network.json"),
    ]
    return "<p>Download your network: " + " · ".join(items) + "</p>"
