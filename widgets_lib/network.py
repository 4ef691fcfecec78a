"""A school network: schools and the links between them (pure Python, no widgets).

The columns follow DESIGN.md's network file contract (the layout Kumu users know):
schools have ``name`` (the id), ``kind``, ``phase``, ``locality`` and any extra columns;
links have ``from``, ``to``, ``level`` (0–5, Frey et al.'s levels of collaboration),
``origin``, ``flows``, ``directed`` and ``trust`` (1–4).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from . import CourseError

KINDS = ("school", "lea", "university", "community", "other")
KIND_LABELS = {
    "school": "School",
    "lea": "Local authority",
    "university": "University",
    "community": "Community group",
    "other": "Other partner",
}
LEVELS = {
    0: "None",
    1: "Networking",
    2: "Cooperation",
    3: "Coordination",
    4: "Coalition",
    5: "Collaboration",
}
LEVEL_MEANINGS = {
    0: "no working relationship",
    1: "aware of each other, share information now and then",
    2: "help each other on request; separate goals",
    3: "plan some things together and share some resources",
    4: "joint decisions and shared resources on a common aim",
    5: "one shared purpose, joint work and shared leadership",
}
ORIGINS = ("funding", "mandate", "prior_partnership", "friendship", "shared_problem", "other")
ORIGIN_LABELS = {
    "funding": "Funding or a grant",
    "mandate": "Told to by someone above",
    "prior_partnership": "An earlier partnership",
    "friendship": "Friendship between leaders",
    "shared_problem": "A shared problem",
    "other": "Other",
}
FLOWS = ("information", "resources", "joint_practice", "staff", "pupils")
FLOW_LABELS = {
    "information": "Information",
    "resources": "Resources",
    "joint_practice": "Joint practice",
    "staff": "Staff",
    "pupils": "Pupils",
}
TRUST_LABELS = {1: "Low", 2: "Some", 3: "Good", 4: "High"}


@dataclass(frozen=True)
class School:
    name: str
    kind: str = "school"
    phase: str = ""
    locality: str = ""
    extra: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Link:
    source: str
    target: str
    level: int | None = None
    origin: str | None = None
    flows: tuple[str, ...] = ()
    directed: bool = False
    trust: int | None = None
    extra: tuple[tuple[str, str], ...] = ()

    def touches(self, name: str) -> bool:
        return name in (self.source, self.target)


@dataclass(frozen=True)
class Network:
    """An immutable network; edits return a new network (easy undo, history and 'what if')."""

    schools: tuple[School, ...] = ()
    links: tuple[Link, ...] = ()
    title: str = ""
    extra_school_columns: tuple[str, ...] = field(default=())
    extra_link_columns: tuple[str, ...] = field(default=())

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.schools]

    def school(self, name: str) -> School | None:
        return next((s for s in self.schools if s.name == name), None)

    def without_school(self, name: str) -> Network:
        return replace(
            self,
            schools=tuple(s for s in self.schools if s.name != name),
            links=tuple(link for link in self.links if not link.touches(name)),
        )

    def with_school(self, school: School) -> Network:
        kept = tuple(s for s in self.schools if s.name != school.name)
        return replace(self, schools=(*kept, school))

    def renamed(self, old: str, new: str) -> Network:
        def fix(name: str) -> str:
            return new if name == old else name

        return replace(
            self,
            schools=tuple(replace(s, name=fix(s.name)) for s in self.schools),
            links=tuple(
                replace(link, source=fix(link.source), target=fix(link.target))
                for link in self.links
            ),
        )

    def with_link(self, link: Link, index: int | None = None) -> Network:
        links = list(self.links)
        if index is None:
            links.append(link)
        else:
            links[index] = link
        return replace(self, links=tuple(links))

    def without_link(self, index: int) -> Network:
        return replace(self, links=tuple(link for i, link in enumerate(self.links) if i != index))


def link_key(link: Link) -> tuple[str, str]:
    """Undirected identity of a link, for finding duplicates."""
    return tuple(sorted((link.source, link.target)))  # type: ignore[return-value]


MAX_NAME = 200


class EditError(CourseError):
    """A change the learner asked for that would make the network invalid; the message says why."""


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def check_school_name(network: Network, name: str, replacing: str | None = None) -> str:
    """A cleaned, valid new name for a school, or :class:`EditError`."""
    clean = " ".join((name or "").split())
    if not clean:
        raise EditError("Please type the school's name.")
    if len(clean) > MAX_NAME:
        raise EditError(
            f"A school's name can be at most {MAX_NAME} characters; this one has {len(clean)}."
        )
    for other in network.names:
        if other != replacing and _same(other, clean):
            raise EditError(f"There is already a school called “{other}” in your network.")
    return clean


def check_link(network: Network, link: Link, replacing: int | None = None) -> Link:
    """The link if it can be added (or replace link number ``replacing``), else :class:`EditError`."""
    names = set(network.names)
    for end in (link.source, link.target):
        if end not in names:
            raise EditError(f"“{end}” is not a school in your network; add it first.")
    if link.source == link.target:
        raise EditError("A link needs two different schools.")
    if link.level is not None and link.level not in LEVELS:
        raise EditError("The level of collaboration is a whole number from 0 to 5.")
    if link.trust is not None and link.trust not in TRUST_LABELS:
        raise EditError("Trust is a whole number from 1 to 4.")
    for i, other in enumerate(network.links):
        if i == replacing:
            continue
        same_way = (other.source, other.target) == (link.source, link.target)
        either_way = link_key(other) == link_key(link) and not (link.directed and other.directed)
        if same_way or either_way:
            raise EditError(
                f"{link.source} and {link.target} are already linked; change that link instead."
            )
    return link
