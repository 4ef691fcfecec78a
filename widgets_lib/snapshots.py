"""Named snapshots of a learner's network, and what changed between two of them (pure Python).

A learner saves the network as it is now under a name ("Autumn 2026") and later compares any two
snapshots, or a snapshot and the network as it is now: schools joined and gone, links new and
lost, strengthened and weakened, trust changed, and how the measures and the diagnosis moved.

Each snapshot is one answer of the ``snapshots`` activity, under a key of its own, so saving one
never rewrites the others. The comparison is linear in the size of the two networks (links are
matched by :func:`network.link_key` through dictionaries), so two networks of 1,000 schools are
compared in a fraction of a second (``bench/snapshot_compare.py``).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import CourseError, classify
from .metrics import explain, measure
from .network import LEVELS, TRUST_LABELS, Link, Network, link_key, too_long
from .record import network_from_value, network_to_value

ACTIVITY = "snapshots"
MAX_SNAPSHOTS = 20  # each can be as large as the network (a 1,000-school network is about 400 KB)
MAX_NAME = 60  # "Autumn 2026", "Before the merger with St Anne's": a label, not a sentence
CURRENT = "current"  # the choice that stands for the network as it is now, in the view's dropdowns
CURRENT_LABEL = "My network as it is now"


class SnapshotError(CourseError):
    """A snapshot that cannot be saved, named or found; the message says why and what to do."""


@dataclass(frozen=True)
class Snapshot:
    """One saved snapshot: its key in the store, its name, when it was saved and the network's
    saved value (read into a :class:`Network` only when it is compared)."""

    key: str
    name: str
    saved_at: str
    value: Any

    def network(self) -> Network:
        return network_from_value(self.value) if self.value else Network()

    @property
    def size(self) -> tuple[int, int]:
        """(schools, links), counted from the saved value without reading it into a network."""
        value = self.value if isinstance(self.value, dict) else {}
        schools, links = value.get("schools"), value.get("links")
        return (
            len(schools) if isinstance(schools, list) else 0,
            len(links) if isinstance(links, list) else 0,
        )


def from_saved(saved: Mapping[str, Any]) -> list[Snapshot]:
    """The snapshots among the activity's saved answers, oldest first (a value that is not a
    snapshot is left out: what the page shows comes only from well-formed ones)."""
    found = []
    for key, value in saved.items():
        if not isinstance(value, dict):
            continue
        name, when, network = value.get("name"), value.get("saved_at"), value.get("network")
        if isinstance(name, str) and isinstance(when, str) and isinstance(network, dict):
            found.append(Snapshot(key, name, when, network))
    return sorted(found, key=lambda snap: (snap.saved_at, snap.key))


def check_name(name: object, existing: Sequence[Snapshot]) -> str:
    """A cleaned name for a new snapshot, or :class:`SnapshotError` saying what is wrong."""
    if len(existing) >= MAX_SNAPSHOTS:
        raise SnapshotError(
            f"You have {len(existing)} snapshots, the most the course keeps ({MAX_SNAPSHOTS}). "
            "Delete one you no longer need (below), then save this one again."
        )
    clean = " ".join(name.split()) if isinstance(name, str) else ""
    if not clean:
        raise SnapshotError("Please name this snapshot first, for example “Autumn 2026”.")
    if len(clean) > MAX_NAME:
        raise SnapshotError(f"The snapshot's name {too_long(len(clean), MAX_NAME)}")
    for snap in existing:
        if snap.name.casefold() == clean.casefold():
            raise SnapshotError(
                f"You already have a snapshot called “{snap.name}”: choose another name, "
                "or delete that snapshot first."
            )
    return clean


def new_snapshot(
    name: object, network: Network, existing: Sequence[Snapshot], saved_at: str
) -> Snapshot:
    """A snapshot of ``network`` to save, under a new random key; :class:`SnapshotError` if the
    name is not usable, the learner already has :data:`MAX_SNAPSHOTS` or there is no network."""
    clean = check_name(name, existing)
    if not network.schools:
        raise SnapshotError(
            "There is no network to take a snapshot of yet: draw yours in Lesson 04 first."
        )
    taken = {snap.key for snap in existing}
    key = secrets.token_hex(6)
    while key in taken:  # pragma: no cover - 48 random bits
        key = secrets.token_hex(6)
    return Snapshot(key, clean, saved_at, network_to_value(network))


def to_value(snapshot: Snapshot) -> dict[str, Any]:
    return {"name": snapshot.name, "saved_at": snapshot.saved_at, "network": snapshot.value}


def stored_bytes(snapshot: Snapshot) -> int:
    """About how many bytes the snapshot takes in the store (its JSON text)."""
    return len(json.dumps(to_value(snapshot), ensure_ascii=False).encode("utf-8"))


def too_large(snapshot: Snapshot, limit_bytes: int) -> str:
    """What the learner reads when the store refuses a snapshot for its size (their quota)."""
    schools, _links = snapshot.size
    return (
        f"The snapshot “{snapshot.name}” ({schools:,} schools, about "
        f"{max(1, stored_bytes(snapshot) // 1000):,} KB) was not saved: with it, your saved work "
        f"would pass the course's limit of {limit_bytes / 1e6:g} MB. Everything saved before is "
        "kept. Delete a snapshot you no longer need, then save this one again."
    )


def find(snapshots: Sequence[Snapshot], key: object) -> Snapshot:
    """The snapshot with this key, or :class:`SnapshotError` (a key a visitor made up, or one deleted
    in another tab)."""
    for snap in snapshots:
        if snap.key == key:
            return snap
    raise SnapshotError(
        "That snapshot is not among your saved snapshots (it may have been deleted in another tab). "
        "Reload the page to see your snapshots as they are now."
    )


# -- comparing two networks -----------------------------------------------------------------
NEW, LOST, STRONGER, WEAKER, TRUST = "new", "lost", "stronger", "weaker", "trust"
CHANGE_WORDS = {
    NEW: "New link",
    LOST: "Lost link",
    STRONGER: "Strengthened",
    WEAKER: "Weakened",
    TRUST: "Trust changed",
}


@dataclass(frozen=True)
class LinkChange:
    """One pair of schools whose link changed. ``before``/``after``: the pair's strongest link in each
    network (None where there was none)."""

    kind: str  # one of NEW, LOST, STRONGER, WEAKER, TRUST
    pair: tuple[str, str]
    before: Link | None
    after: Link | None

    @property
    def words(self) -> str:
        """The change in words, as the table says it."""
        if self.kind == NEW:
            return f"new link, {level_words(self.after)}"
        if self.kind == LOST:
            return f"link no longer there (it was {level_words(self.before)})"
        if self.kind in (STRONGER, WEAKER):
            verb = "strengthened" if self.kind == STRONGER else "weakened"
            return f"{verb}: {level_words(self.before)} → {level_words(self.after)}"
        return f"trust {trust_words(self.before)} → {trust_words(self.after)}"


def level_words(link: Link | None) -> str:
    if link is None or link.level is None:
        return "level not given"
    return f"level {link.level} {LEVELS[link.level]}"


def trust_words(link: Link | None) -> str:
    if link is None or link.trust is None:
        return "not given"
    return f"{link.trust} {TRUST_LABELS.get(link.trust, '')}".strip()


@dataclass(frozen=True)
class Verdict:
    """The diagnosis of one of the two networks, as the comparison reports it."""

    verdict: str
    evidence: str
    scores: dict[str, float]

    @property
    def name(self) -> str:
        if self.verdict == "uncertain":
            return "Too early to say"
        return classify.TYPE_NAMES.get(self.verdict, self.verdict).capitalize()


@dataclass(frozen=True)
class Comparison:
    """What changed from ``before`` to ``after``: every list sorted by name, so it reads the same
    each time."""

    joined: tuple[str, ...]
    gone: tuple[str, ...]
    links: tuple[LinkChange, ...]  # new, lost, stronger, weaker, trust: in that order
    unchanged_links: int
    measures: tuple[tuple[str, str, str], ...]  # (measure, before, after), as lesson 05 shows them
    diagnosis: tuple[Verdict, Verdict]
    answers: int  # health-check statements answered, used for both diagnoses

    def of(self, kind: str) -> tuple[LinkChange, ...]:
        return tuple(change for change in self.links if change.kind == kind)

    @property
    def changed(self) -> bool:
        return bool(self.joined or self.gone or self.links)

    def counts(self) -> dict[str, int]:
        """How many of each change, for a short summary."""
        counted = {kind: len(self.of(kind)) for kind in CHANGE_WORDS}
        return {"joined": len(self.joined), "gone": len(self.gone), **counted}


def _pairs(network: Network) -> dict[tuple[str, str], Link]:
    """Each pair of schools with its strongest link (the one the picture draws): a pair with two
    one-way links is one pair. Self-links are left out, as the measures leave them out."""
    pairs: dict[tuple[str, str], Link] = {}
    for link in network.links:
        if link.source == link.target:
            continue
        key = link_key(link)
        held = pairs.get(key)
        if held is None or _rank(link) > _rank(held):
            pairs[key] = link
    return pairs


def _rank(link: Link) -> int:
    return -1 if link.level is None else link.level


def _verdict(network: Network, items: Mapping[str, object]) -> Verdict:
    result = classify.diagnose(network, items=items)
    return Verdict(result.verdict, result.evidence, dict(result.scores))


def compare(
    before: Network, after: Network, items: Mapping[str, object] | None = None
) -> Comparison:
    """What changed from ``before`` to ``after``.

    Links are matched by pair of schools (:func:`network.link_key`); a pair's level is that of its
    strongest link. A link whose level went up is strengthened, down weakened (a level given where
    none was is counted as neither, only its trust is compared). Both diagnoses use the same
    health-check answers ``items`` (the learner's current ones: the questionnaire is not part of a
    snapshot), so any change in the verdict comes from the drawing alone.
    """
    items = dict(items or {})
    names_before, names_after = set(before.names), set(after.names)
    old, new = _pairs(before), _pairs(after)
    changes: dict[str, list[LinkChange]] = {kind: [] for kind in CHANGE_WORDS}
    unchanged = 0
    for key, link in new.items():
        was = old.get(key)
        if was is None:
            changes[NEW].append(LinkChange(NEW, key, None, link))
        elif was.level is not None and link.level is not None and link.level != was.level:
            kind = STRONGER if link.level > was.level else WEAKER
            changes[kind].append(LinkChange(kind, key, was, link))
        elif was.trust != link.trust:
            changes[TRUST].append(LinkChange(TRUST, key, was, link))
        else:
            unchanged += 1
    for key, link in old.items():
        if key not in new:
            changes[LOST].append(LinkChange(LOST, key, link, None))
    ordered = tuple(
        change for kind in CHANGE_WORDS for change in sorted(changes[kind], key=lambda c: c.pair)
    )
    rows_before = explain(measure(before))
    rows_after = explain(measure(after))
    measures = tuple(
        (label, value_before, value_after)
        for (label, value_before, _meaning), (_label, value_after, _) in zip(
            rows_before, rows_after, strict=True
        )
    )
    return Comparison(
        joined=tuple(sorted(names_after - names_before)),
        gone=tuple(sorted(names_before - names_after)),
        links=ordered,
        unchanged_links=unchanged,
        measures=measures,
        diagnosis=(_verdict(before, items), _verdict(after, items)),
        answers=len(items),
    )


def summary(comparison: Comparison) -> str:
    """One sentence: what changed, counted ("2 schools joined, 1 new link and 1 link weakened")."""
    counts = comparison.counts()
    parts = [
        f"{count:,} {noun if count == 1 else plural}"
        for count, noun, plural in (
            (counts["joined"], "school joined", "schools joined"),
            (counts["gone"], "school gone", "schools gone"),
            (counts[NEW], "new link", "new links"),
            (counts[LOST], "link lost", "links lost"),
            (counts[STRONGER], "link strengthened", "links strengthened"),
            (counts[WEAKER], "link weakened", "links weakened"),
            (counts[TRUST], "link with its trust changed", "links with their trust changed"),
        )
        if count
    ]
    if not parts:
        return "Nothing changed in the drawing: the same schools and the same links."
    text = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    return text[:1].upper() + text[1:] + "."


@dataclass(frozen=True)
class Latest:
    """The comparison the report and the tutor's card show, with the names of its two sides."""

    before: str
    after: str
    comparison: Comparison


def latest(
    snapshots: Sequence[Snapshot], current: Network, items: Mapping[str, object]
) -> Latest | None:
    """The latest comparison: the two most recent snapshots; with only one, that snapshot against
    the network as it is now; with none, None."""
    if not snapshots:
        return None
    if len(snapshots) == 1:
        (only,) = snapshots
        return Latest(only.name, CURRENT_LABEL, compare(only.network(), current, items))
    older, newer = snapshots[-2], snapshots[-1]
    return Latest(older.name, newer.name, compare(older.network(), newer.network(), items))
