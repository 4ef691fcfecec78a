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
    # Where the school sits on the drawing, in the drawing's own units (issue 17): set once the
    # first layout settles or the learner drags it; None until then (and in files without them).
    x: float | None = None
    y: float | None = None


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
    # Set when an imported file listed the pair more than once and the rows were merged
    # (network_io): ``confirmed`` when the two schools each reported it (rows in both orders);
    # ``other_report`` holds, for each field the reports gave differently, the other value as the
    # files write it (("level", "1"), ("flows", "information|staff"), ("directed", "yes")…).
    # A network saved before these existed has neither: "not reported twice".
    confirmed: bool = False
    other_report: tuple[tuple[str, str], ...] = ()

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


REPORTED_FIELDS = ("level", "origin", "flows", "directed", "trust")
FIELD_WORDS = {"origin": "how it began", "flows": "what flows", "directed": "direction"}


def report_value_words(field: str, value: str) -> str:
    """One report's value of a field, as the tables say it ("3 Coordination", "one way only")."""
    if field in ("level", "trust"):
        number = int(value) if value.isdigit() else None
        labels = LEVELS if field == "level" else TRUST_LABELS
        return f"{number} {labels[number]}" if number in labels else "not given"
    if field == "origin":
        return ORIGIN_LABELS.get(value, value) if value else "not given"
    if field == "flows":
        named = [FLOW_LABELS.get(flow, flow) for flow in value.split("|") if flow]
        return ", ".join(named) if named else "none"
    return "one way only" if value == "yes" else "both ways"


def reported_value(link: Link, field: str) -> str:
    """A link's own value of one of :data:`REPORTED_FIELDS`, written as ``other_report`` is."""
    if field == "flows":
        return "|".join(link.flows)
    if field == "directed":
        return "yes" if link.directed else "no"
    value = getattr(link, field)
    return "" if value is None else str(value)


def report_words(link: Link) -> str:
    """How the link was reported, in words for the tables ("" for a link reported once):
    "confirmed by both sides; the two sides disagree on level: 3 Coordination vs 1 Networking"."""
    parts = ["confirmed by both sides"] if link.confirmed else []
    if link.other_report:
        who = "the two sides" if link.confirmed else "the two reports"
        parts.append(
            f"{who} disagree on "
            + "; ".join(
                f"what flows: {report_value_words(field, reported_value(link, field))} between "
                f"them, {report_value_words(field, other)} named by both"
                if field == "flows"
                else f"{FIELD_WORDS.get(field, field)}: "
                f"{report_value_words(field, reported_value(link, field))} vs "
                f"{report_value_words(field, other)}"
                for field, other in link.other_report
            )
        )
    return "; ".join(parts)


def kept_reports(old: Link, new: Link) -> Link:
    """``new`` (a link as the form gives it back) with what the form does not show kept from
    ``old``: its extra columns, whether both sides reported it, and the other report of each field
    the learner left as it was (a field they changed is their answer, no longer in dispute)."""
    return replace(
        new,
        extra=old.extra,
        confirmed=old.confirmed,
        other_report=tuple(
            (field, other)
            for field, other in old.other_report
            if reported_value(old, field) == reported_value(new, field)
        ),
    )


def link_key(link: Link) -> tuple[str, str]:
    """Undirected identity of a link, for finding duplicates."""
    return tuple(sorted((link.source, link.target)))  # type: ignore[return-value]


# Lengths of the texts a learner can send, checked by the model (never only by a widget's
# maxlength, which a visitor's own messages skip): one school with a 10 MB phase made every later
# save of the network 10 MB, history included (issue 15). A real school's name, phase or locality
# is a few dozen characters; a note in an extra column a few sentences.
MAX_NAME = 200  # a school's name, and so a link's "from" and "to"
MAX_FIELD = 200  # phase, locality and the network's title
MAX_COLUMN_NAME = 60  # the heading of an extra column
MAX_EXTRA_VALUE = 1000  # a value in an extra column (notes, a web address, a head teacher…)
MAX_EXTRA_COLUMNS = 30  # extra columns of each table: a network repeats every heading in every row


class EditError(CourseError):
    """A change the learner asked for that would make the network invalid; the message says why."""


def too_long(length: int, limit: int) -> str:
    """The end of a sentence that names a text too long to keep (said the same everywhere)."""
    return f"is {length:,} characters long; the course keeps at most {limit:,}."


def check_text(what: str, text: str, limit: int) -> str:
    """``text`` if it has at most ``limit`` characters, else :class:`EditError` naming ``what``."""
    if len(text) > limit:
        raise EditError(f"{what} {too_long(len(text), limit)}")
    return text


def check_school(school: School) -> School:
    """A school whose every text fits the course's limits, else :class:`EditError` naming the field
    (its name is checked, for spelling and duplicates, by :func:`check_school_name`)."""
    check_text("The school's name", school.name, MAX_NAME)
    check_text("Phase", school.phase, MAX_FIELD)
    check_text("Locality", school.locality, MAX_FIELD)
    _check_extra(school.extra)
    return school


def _check_extra(extra: tuple[tuple[str, str], ...]) -> None:
    if len(extra) > MAX_EXTRA_COLUMNS:
        raise EditError(
            f"There are {len(extra):,} extra columns; the course keeps at most {MAX_EXTRA_COLUMNS}."
        )
    for column, value in extra:
        check_text(f"The column heading “{column[:60]}”", column, MAX_COLUMN_NAME)
        check_text(f"The value in the column “{column}”", value, MAX_EXTRA_VALUE)


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def check_school_name(network: Network, name: str, replacing: str | None = None) -> str:
    """A cleaned, valid new name for a school, or :class:`EditError`."""
    clean = " ".join((name or "").split())
    if not clean:
        raise EditError("Please type the school's name.")
    if len(clean) > MAX_NAME:
        raise EditError(f"The school's name {too_long(len(clean), MAX_NAME)}")
    for other in network.names:
        if other != replacing and _same(other, clean):
            raise EditError(f"There is already a school called “{other}” in your network.")
    return clean


def check_link(network: Network, link: Link, replacing: int | None = None) -> Link:
    """The link if it can be added (or replace link number ``replacing``), else :class:`EditError`."""
    names = set(network.names)
    for end in (link.source, link.target):
        if end not in names:
            shown = end if len(end) <= MAX_NAME else end[:MAX_NAME] + "…"
            raise EditError(f"“{shown}” is not a school in your network; add it first.")
    _check_extra(link.extra)
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
