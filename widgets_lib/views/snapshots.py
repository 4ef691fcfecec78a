"""Lesson 05 activity: snapshots of the learner's network, named and saved, and any two compared
(a picture on one layout and tables in words)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import ipywidgets as widgets

from .. import snapshots
from ..html.common import table
from ..html.snapshots import comparison_svg, comparison_tables
from ..network import Network
from ..record import HEALTH_ACTIVITY, Record, load_network
from ..snapshots import CURRENT, CURRENT_LABEL, Snapshot, SnapshotError
from ..store import QuotaError, now
from .common import FIELD, WIDE, Activity, SaveStatus, heading, on_press
from .health import HealthView

if TYPE_CHECKING:
    from .lesson import Learner, Lesson


def _when(stamp: str) -> str:
    try:
        return datetime.fromisoformat(stamp).astimezone().strftime("%-d %B %Y at %H:%M")
    except ValueError:
        return "an unknown date"


class SnapshotsView(widgets.VBox, Activity):
    """Save the network as it is now under a name; compare two snapshots (or one with the network as
    it is now); delete a snapshot. Each part answers under its own button."""

    def __init__(self, lesson: Lesson) -> None:
        self.lesson = lesson
        self.learner: Learner | None = None
        self.snapshots: list[Snapshot] = []
        self.health = next(iter(lesson.activities_of(HealthView)), None)
        # The name is sent when the field is left, so it reaches Python before the press that follows.
        self.name = widgets.Text(
            description="Name this snapshot",
            placeholder="e.g. Autumn 2026",
            style=WIDE,
            layout=FIELD,
            continuous_update=False,
        )
        self.save_button = widgets.Button(
            description="Save a snapshot of my network now", layout={"width": "auto"}
        )
        self.status = SaveStatus()
        on_press(self.save_button, self._save, self.status)
        self.listing = widgets.HTML()
        self.before = widgets.Dropdown(description="Compare", style=WIDE, layout=FIELD)
        self.after = widgets.Dropdown(description="with", style=WIDE, layout=FIELD)
        self.compare_button = widgets.Button(description="Compare", layout={"width": "auto"})
        self.compare_status = SaveStatus()
        on_press(self.compare_button, self._compare_chosen, self.compare_status, "Not compared")
        self.result = widgets.HTML()
        self.doomed = widgets.Dropdown(description="Snapshot to delete", style=WIDE, layout=FIELD)
        self.delete_button = widgets.Button(
            description="Delete this snapshot", layout={"width": "auto"}
        )
        self.delete_status = SaveStatus()
        on_press(self.delete_button, self._delete, self.delete_status, "Not deleted")
        super().__init__(
            [
                heading("Save a snapshot", 4),
                self.name,
                widgets.HBox([self.save_button]),
                self.status,
                self.listing,
                heading("Compare two snapshots", 4),
                self.before,
                self.after,
                widgets.HBox([self.compare_button]),
                self.compare_status,
                self.result,
                heading("Delete a snapshot", 4),
                self.doomed,
                widgets.HBox([self.delete_button]),
                self.delete_status,
            ]
        )
        self.add_class("course-activity")
        self.wait()

    @property
    def controls(self) -> list[widgets.Widget]:
        return [
            self.name,
            self.save_button,
            self.before,
            self.after,
            self.compare_button,
            self.doomed,
            self.delete_button,
        ]

    def wait(self) -> None:
        self.learner = None
        self.snapshots = []
        for control in self.controls:
            control.disabled = True
        self.listing.value = self.result.value = ""
        self.compare_status.waiting("")
        self.delete_status.waiting("")
        self.status.waiting("Start or resume at the top of the page to save snapshots.")

    def load(self, learner: Learner) -> None:
        self.learner = learner
        # No drafts are shown here (``labels={}``): a snapshot is saved under a new random key, so
        # another tab's save can never clash with it, and a draft's words would be a whole network.
        saved = self.lesson.load(snapshots.ACTIVITY, self.status, labels={})
        self.snapshots = snapshots.from_saved(saved)
        for control in self.controls:
            control.disabled = False
        self.result.value = ""
        self.compare_status.waiting("")
        self.delete_status.waiting("")
        self.status.waiting(
            f"Snapshots are kept until you delete them (at most {snapshots.MAX_SNAPSHOTS})."
        )
        self._render()

    # -- reading the learner's work ----------------------------------------------------------
    def _current(self) -> Network:
        """The network as last saved (Lesson 04, perhaps in another tab just now)."""
        if self.learner is None:
            raise SnapshotError("Please start or resume at the top of the page first.")
        return load_network(self.lesson.store, self.learner.id)

    def _answers(self) -> dict[str, int]:
        if self.health is not None:
            return dict(self.health.answers)
        saved = self.lesson.load(HEALTH_ACTIVITY, self.compare_status, labels={})
        return Record({HEALTH_ACTIVITY: saved}).health_answers

    def _side(self, choice: object) -> tuple[str, Network]:
        if choice == CURRENT:
            return CURRENT_LABEL, self._current()
        snap = snapshots.find(self.snapshots, choice)
        return snap.name, snap.network()

    # -- actions ----------------------------------------------------------------------------
    def _save(self) -> None:
        network = self._current()
        # Another tab's snapshots count too: for the limit, for a unique name, and in the list.
        fresh = snapshots.from_saved(self.lesson.reread(snapshots.ACTIVITY))
        if [snap.key for snap in fresh] != [snap.key for snap in self.snapshots]:
            self.snapshots = fresh
            self._render()
        snap = snapshots.new_snapshot(self.name.value, network, self.snapshots, now())
        try:
            self.lesson.save(snapshots.ACTIVITY, snap.key, snapshots.to_value(snap), self.status)
        except QuotaError as exc:
            raise SnapshotError(
                snapshots.too_large(snap, self.lesson.store.quota.answer_bytes)
            ) from exc
        if self.status.state == "conflict":
            return  # kept as a draft; the status says so and how to reload
        self.snapshots = [*self.snapshots, snap]
        previous = self.snapshots[-2].key if len(self.snapshots) > 1 else None
        with self.loading():
            self.name.value = ""
        self._render(before=previous, after=snap.key)

    def _compare_chosen(self) -> None:
        if self.before.value is None or self.after.value is None:
            raise SnapshotError("Choose two snapshots to compare: save one first.")
        if self.before.value == self.after.value:
            raise SnapshotError("Choose two different snapshots to compare.")
        first, before = self._side(self.before.value)
        second, after = self._side(self.after.value)
        comparison = snapshots.compare(before, after, self._answers())
        self.result.value = comparison_svg(
            before, after, comparison, first, second
        ) + comparison_tables(comparison, first, second)
        self.compare_status.waiting(
            f"Compared “{first}” with “{second}”: {snapshots.summary(comparison)}"
        )

    def _delete(self) -> None:
        snap = snapshots.find(self.snapshots, self.doomed.value)
        if not self.lesson.remove(snapshots.ACTIVITY, snap.key, self.delete_status):
            return  # changed elsewhere: the status says so, with a link to reload
        self.snapshots = [other for other in self.snapshots if other.key != snap.key]
        self.result.value = ""
        self._render()
        self.delete_status.waiting(f"The snapshot “{snap.name}” is deleted.")

    # -- showing them -----------------------------------------------------------------------
    def _render(self, before: str | None = None, after: str | None = None) -> None:
        snaps = self.snapshots
        if snaps:
            self.listing.value = table(
                f"Your snapshots ({len(snaps)} of at most {snapshots.MAX_SNAPSHOTS})",
                ["Name", "Saved on", "Schools", "Links"],
                [
                    [snap.name, _when(snap.saved_at), f"{snap.size[0]:,}", f"{snap.size[1]:,}"]
                    for snap in snaps
                ],
            )
        else:
            self.listing.value = (
                '<p class="course-hint">No snapshots yet: name one and save it above.</p>'
            )
        options = [(f"{snap.name} (saved {_when(snap.saved_at)})", snap.key) for snap in snaps]
        keys = [key for _label, key in options]
        with self.loading():
            self.before.options = options
            self.after.options = options + [(CURRENT_LABEL, CURRENT)]
            self.doomed.options = options
            self.before.value = before if before in keys else (keys[-1] if keys else None)
            self.after.value = after if after in keys and after != self.before.value else CURRENT
            self.doomed.value = keys[0] if keys else None
        self.compare_button.disabled = not snaps
        self.delete_button.disabled = not snaps
