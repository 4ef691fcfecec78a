"""Empty or meaningful? Diagnose a school network from its drawing and its health answers.

Harris names four kinds of "empty" network — contrived, cosy, collaborative inertia
(Huxham and Vangen) and collaborative thuggery — and describes meaningful ones. She gives
no measures, so the diagnosis is a table of transparent, weighted *signals* (``SIGNALS``):
each reads one thing from the drawing (``metrics``) or from the answers (``health``), gives
a strength from 0 (no sign) to 1 (clear sign) and says where the idea comes from. A type's
score is the weighted mean of its signals' strengths; a signal that cannot be read (no
answer, nothing recorded on the links) counts halfway, 0.5, so missing answers pull every
score towards the middle rather than towards a verdict. The weights and thresholds are the
course's own judgement, listed in ``JUDGEMENTS`` and shown to the learner.

Command line (README, "The diagnosis from the command line")::

    python -m widgets_lib.classify --schools S.csv --links L.csv --answers A.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import CourseError, health
from .metrics import Metrics, measure, split_by_leaving
from .network import Network

TYPES = ("meaningful", "contrived", "cosy", "inertia", "thuggery")
TYPE_NAMES = {
    "meaningful": "meaningful network",
    "contrived": "contrived network",
    "cosy": "cosy network",
    "inertia": "network in collaborative inertia",
    "thuggery": "network of collaborative thuggery",
}
# What Harris says about each type, quoted briefly (Harris, "Distributed leadership within
# learning networks", NCSL).
TYPE_SOURCES = {
    "meaningful": (
        'Harris describes meaningful networks as based on "clearly shared goals, clear ways '
        'of communicating, internal cohesion and mutual trust"'
    ),
    "contrived": (
        'Harris describes contrived networks as "formed for the extra resource that this '
        'generates", which "dissipate when other more profitable opportunities arise"'
    ),
    "cosy": (
        'Harris describes cosy networks as "based on friendship groups or existing partnerships", '
        'where "powerful personal relationships dictate and restrict their activity"'
    ),
    "inertia": (
        "Harris, after Huxham and Vangen, describes collaborative inertia as collaboration whose "
        'outcomes are "negligible or non-existent"'
    ),
    "thuggery": (
        'Harris describes collaborative thuggery as collaboration where "manipulation and '
        'political activity replace shared decision making"'
    ),
}

# -- the course's own thresholds (see JUDGEMENTS) -------------------------------------------
MIN_SCHOOLS = 3  # fewer members than this are too few to judge
NAME_FROM = 0.55  # a type is named only from this score
CLOSE_MARGIN = 0.05  # a runner-up this close weakens the evidence
MIN_COVERAGE = 0.4  # share of a type's signal weight that must be readable to name it
UNKNOWN = 0.5  # strength of a signal that cannot be read
SUPPORT_FROM = 0.6  # a signal this strong is reported as a reason
AGAINST_BELOW = 0.25  # ... and one this weak as a reason against

JUDGEMENTS = (
    (
        "The signals, their weights and the 0.55 score needed to name a type are the course's own "
        "judgement: Harris describes the four empty networks and meaningful ones but gives no measures "
        "or thresholds."
    ),
    (
        "An answer from 1 to 5 counts as a sign in proportion: (score − 1) ÷ 4 for agreement, "
        "(5 − score) ÷ 4 for disagreement. That reading is the course's own."
    ),
    (
        "A type is named only when at least one of the behaviours Harris defines it by is reported in "
        "the answers (for example manipulation or decisions not shared, for thuggery): the drawing alone "
        "never names a type. Which answers count as defining is the course's reading of Harris."
    ),
    (
        "A cosy network is named only when the answers say that personal relationships decide and limit "
        "what the network does, after Harris's definition: networks \"based on friendship groups or "
        'existing partnerships" where "powerful personal relationships dictate and restrict their '
        'activity". Reading little challenge, a door closed to newcomers, no ties outside and a tight '
        "circle as further signs of one is the course's own, and they count for less."
    ),
    (
        "A signal that cannot be read (a question not answered, nothing recorded on the links) counts "
        "halfway (0.5), and a type is named only when at least 40% of its signals by weight can be read: "
        "the course's own rule, so that missing answers lead to 'Too early to say' rather than to a verdict."
    ),
    (
        "At least 3 schools and one link are needed before the course names a type: its own judgement "
        "of what makes a network rather than a partnership."
    ),
    (
        "Counting links begun by mandate as a sign of a contrived network is the course's own "
        "extension: Harris speaks of networks formed for extra resources."
    ),
    (
        "Counting ties outside the group (links to a local authority, university or community partner) "
        "as a sign of a bridged network, and clustering above 0.4 as a sign of a tightly bonded one, are "
        "the course's own measures: Harris asks what form of leadership can ensure that networks are "
        '"meaningfully bridged rather than tightly bonded together", but gives no measure.'
    ),
    (
        "The course does not read links drawn one way only as a sign of thuggery: one school "
        'supporting another is ordinary practice, and Harris defines thuggery by "manipulation and '
        'political activity" replacing "shared decision making", not by which way help flows. The '
        "share of one-way links that are returned is shown among the measures only."
    ),
    (
        "A drawing whose largest connected group holds fewer than half of its members (or fewer than 3) "
        "is not judged as one network, and in 'What if' a school whose departure splits the network "
        "weakens the evidence by one step: the course's own rules, after Castells, cited by Harris, for "
        "whom a network's performance depends on its connectedness."
    ),
    (
        "Treating power concentrated in one hub (degree centralisation from 0.3, full at 0.8) as a sign "
        "of thuggery only alongside manipulation, few shared decisions and low trust is the course's own "
        'reading of Harris\'s call for "multiple centres of power".'
    ),
    (
        "Reading links at levels 0–1 (Frey et al.'s 'none' and 'networking') and links along which "
        "nothing flows as signs of inertia is the course's own use of those scales."
    ),
    (
        "Evidence is the course's own rule: strong with 12 or more of the 14 aspects answered, 5 or more "
        "members and at least half the links described; moderate with 7 or more answered; otherwise "
        "weak; one step weaker when a rival type scores within 0.05 or answers contradict each other."
    ),
)


# -- signals ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Reading:
    strength: float  # 0 no sign … 1 a clear sign
    fact: str  # what was seen, with the figure, e.g. "4 of 5 links began with funding"


@dataclass(frozen=True)
class Context:
    """What a signal may read: the drawing's measures and the construct scores (1–5)."""

    metrics: Metrics
    constructs: Mapping[str, float]


@dataclass(frozen=True)
class Signal:
    id: str
    type: str
    weight: float
    label: str  # the signal in plain words
    basis: str  # where the idea comes from
    literature: bool  # True: the idea is the literature's (the threshold may still be the course's)
    read: Callable[[Context], Reading | None]

    @property
    def construct(self) -> str | None:
        """The construct an answer signal reads; None for a signal of the drawing."""
        return getattr(self.read, "construct", None)


def _clamp(x: float) -> float:
    return max(0.0, min(1.0, x))


def _ramp(x: float, low: float, high: float) -> float:
    """0 at or below ``low``, 1 at or above ``high``, straight in between."""
    return _clamp((x - low) / (high - low))


def _agree(construct: str) -> Callable[[Context], Reading | None]:
    def read(ctx: Context) -> Reading | None:
        value = ctx.constructs.get(construct)
        if value is None:
            return None
        return Reading((value - 1) / 4, f"'{_construct_name(construct)}' scored {value:g} of 5")

    read.construct = construct  # type: ignore[attr-defined]
    return read


def _disagree(construct: str) -> Callable[[Context], Reading | None]:
    def read(ctx: Context) -> Reading | None:
        value = ctx.constructs.get(construct)
        if value is None:
            return None
        only = "only " if value <= 2.5 else ""
        return Reading(
            (5 - value) / 4, f"'{_construct_name(construct)}' scored {only}{value:g} of 5"
        )

    read.construct = construct  # type: ignore[attr-defined]
    return read


def _of(count: int, total: int, noun: str) -> str:
    """ "1 of 1 link", "2 of 5 links": the noun agrees with the total."""
    return f"{count} of {total} {noun}{'' if total == 1 else 's'}"


def _verb(count: int, one: str, many: str) -> str:
    """The verb that agrees with ``count`` things: "1 of 5 links carries", "2 of 5 links carry"."""
    return one if count == 1 else many


def _construct_name(construct: str) -> str:
    return health.load_items().constructs[construct].name


def _origin_share(origins: tuple[str, ...], words: str) -> Callable[[Context], Reading | None]:
    def read(ctx: Context) -> Reading | None:
        m = ctx.metrics
        if not m.origins_known:
            return None
        count = sum(m.origin_counts.get(o, 0) for o in origins)
        return Reading(
            _ramp(count / m.origins_known, 0.25, 0.75),
            f"{_of(count, m.origins_known, 'link')} with a recorded start began {words}",
        )

    return read


def _bridged(ctx: Context) -> Reading | None:
    m = ctx.metrics
    if not m.links or m.outside_share is None:
        return None
    if not m.outside_links:
        none = (
            "the only link does not reach"
            if m.links == 1
            else f"none of the {m.links} links reaches"
        )
        return Reading(0.0, f"{none} a partner outside the schools")
    return Reading(
        _ramp(m.outside_share, 0.0, 0.2),
        f"{_of(m.outside_links, m.links, 'link')} {_verb(m.outside_links, 'reaches', 'reach')} "
        "a partner outside the schools (local authority, university or community)",
    )


def _closed(ctx: Context) -> Reading | None:
    reading = _bridged(ctx)
    return None if reading is None else Reading(1 - reading.strength, reading.fact)


def _clustered(ctx: Context) -> Reading | None:
    c = ctx.metrics.clustering
    if c is None or not ctx.metrics.links:
        return None
    return Reading(
        _ramp(c, 0.4, 0.8),
        f"clustering is {c:.2f} (1 would mean that any two partners of a school also work with "
        "each other)",
    )


def _connected(ctx: Context) -> Reading | None:
    m = ctx.metrics
    if not m.links:
        return None
    return Reading(
        _ramp(m.largest_component / m.schools, 0.5, 1.0),
        f"the largest connected group holds {m.largest_component} of {m.schools} members",
    )


def _level_high(ctx: Context) -> Reading | None:
    m = ctx.metrics
    if m.mean_level is None:
        return None
    return Reading(
        _ramp(m.mean_level, 2.0, 4.0),
        f"the mean level of collaboration is {m.mean_level:.1f} of 5 "
        f"({m.levels_known} {'link' if m.levels_known == 1 else 'links'} rated)",
    )


def _level_low(ctx: Context) -> Reading | None:
    m = ctx.metrics
    if not m.levels_known:
        return None
    shallow = m.level_counts.get(0, 0) + m.level_counts.get(1, 0)
    return Reading(
        _ramp(shallow / m.levels_known, 0.3, 0.8),
        f"{shallow} of the {m.levels_known} rated {'link' if m.levels_known == 1 else 'links'} "
        f"{_verb(shallow, 'is', 'are')} at level 0–1 (none or networking)",
    )


def _flows_little(ctx: Context) -> Reading | None:
    m = ctx.metrics
    if not m.links_with_flows or m.mean_flows is None:
        return None  # no flow recorded anywhere: not drawn, rather than "nothing flows"
    empty = m.links - m.links_with_flows
    flows = sum(m.flow_counts.values())
    return Reading(
        1 - _ramp(m.mean_flows, 0.5, 1.5),
        f"{flows} {'flow is' if flows == 1 else 'flows are'} recorded across "
        f"{m.links} {'link' if m.links == 1 else 'links'}, and "
        + (
            "every link carries something"
            if not empty
            else f"{empty} of them {_verb(empty, 'carries', 'carry')} nothing"
        ),
    )


def _knowledge_flows(ctx: Context) -> Reading | None:
    m = ctx.metrics
    if not m.links_with_flows:
        return None
    return Reading(
        _ramp(m.practice_links / m.links, 0.1, 0.5),
        f"{_of(m.practice_links, m.links, 'link')} {_verb(m.practice_links, 'carries', 'carry')} "
        "joint practice or staff between schools",
    )


def _trust_links_high(ctx: Context) -> Reading | None:
    t = ctx.metrics.mean_trust
    if t is None:
        return None
    return Reading(_ramp(t, 2.0, 3.5), f"trust on the links averages {t:.1f} of 4")


def _trust_links_low(ctx: Context) -> Reading | None:
    t = ctx.metrics.mean_trust
    if t is None:
        return None
    only = "only " if t <= 2.5 else ""
    return Reading(1 - _ramp(t, 1.5, 3.0), f"trust on the links averages {only}{t:.1f} of 4")


def _concentrated(ctx: Context) -> Reading | None:
    m = ctx.metrics
    if m.centralisation is None or not m.links:
        return None
    return Reading(
        _ramp(m.centralisation, 0.3, 0.8),
        f"degree centralisation (how far the links run through one member) is "
        f"{m.centralisation:.0%}, with {m.hub} on {_of(m.hub_links, m.links, 'link')}",
    )


_MEANING = "Harris: meaningful networks rest on"
_WENGER = "Wenger, cited by Harris:"
# (id, type, weight, label, basis, the idea is the literature's, reader). Weights are the
# course's own; see JUDGEMENTS.
SIGNALS: tuple[Signal, ...] = tuple(
    Signal(*row)
    for row in (
        # meaningful: Harris's four ingredients, Wenger's three disorders absent, bridged, connected
        (
            "goals_shared",
            "meaningful",
            3,
            "shared goals",
            f'{_MEANING} "clearly shared goals"; Castells\' consistency',
            True,
            _agree("shared_goals"),
        ),
        (
            "communication_clear",
            "meaningful",
            2,
            "clear communication",
            f'{_MEANING} "clear ways of communicating"; Castells\' connectedness',
            True,
            _agree("communication"),
        ),
        (
            "cohesion_internal",
            "meaningful",
            2,
            "internal cohesion",
            f'{_MEANING} "internal cohesion"',
            True,
            _agree("cohesion"),
        ),
        (
            "trust_mutual",
            "meaningful",
            3,
            "mutual trust",
            f'{_MEANING} "mutual trust"; Wenger\'s first disorder is its lack',
            True,
            _agree("trust"),
        ),
        (
            "outcomes_seen",
            "meaningful",
            2,
            "early tangible outcomes",
            f"{_WENGER} communities fail without a focus on tangible outcomes",
            True,
            _agree("tangible_outcomes"),
        ),
        (
            "knowledge_moves",
            "meaningful",
            2,
            "ways to transfer knowledge",
            f"{_WENGER} communities fail without mechanisms for knowledge transfer",
            True,
            _agree("knowledge_transfer"),
        ),
        (
            "dissent_welcome",
            "meaningful",
            1,
            "room for challenge",
            (
                'Harris, drawing on Surowiecki: "The test of a network must be its ability to '
                'withstand and accommodate dissent"'
            ),
            True,
            _agree("challenge"),
        ),
        (
            "decisions_shared",
            "meaningful",
            1,
            "shared decisions",
            "Harris: leadership that is neither autocratic nor heroic",
            True,
            _agree("shared_decisions"),
        ),
        (
            "open_outward",
            "meaningful",
            1,
            "openness",
            "Harris: networks connect with other communities",
            True,
            _agree("openness"),
        ),
        (
            "no_manipulation",
            "meaningful",
            1,
            "no partner steering alone",
            "Harris: thuggery replaces shared decision making",
            True,
            _disagree("manipulation"),
        ),
        (
            "bridged",
            "meaningful",
            2,
            "ties to the wider system",
            (
                'Harris asks what form of leadership can ensure that networks are "meaningfully bridged '
                "rather than tightly bonded together\"; counting ties outside the group is the course's "
                "own measure"
            ),
            True,
            _bridged,
        ),
        (
            "connected",
            "meaningful",
            1,
            "one connected network",
            "Castells, cited by Harris: performance depends on connectedness",
            True,
            _connected,
        ),
        (
            "levels_deep",
            "meaningful",
            1,
            "deep collaboration on the links",
            "the course's reading of Frey et al.'s levels",
            False,
            _level_high,
        ),
        (
            "practice_flows",
            "meaningful",
            1,
            "joint practice or staff flowing",
            "Harris: knowledge transfer through collective activity",
            True,
            _knowledge_flows,
        ),
        (
            "links_trusted",
            "meaningful",
            1,
            "trust on the links",
            'Harris: "mutual trust"',
            True,
            _trust_links_high,
        ),
        # contrived
        (
            "would_fade",
            "contrived",
            3,
            "would not outlast its funding",
            'Harris: contrived networks "dissipate when other more profitable opportunities arise"',
            True,
            _disagree("survive_without_funding"),
        ),
        (
            "money_motive",
            "contrived",
            3,
            "in it for the money",
            'Harris: contrived networks are "formed for the extra resource"',
            True,
            _agree("resource_motive"),
        ),
        (
            "funded_start",
            "contrived",
            2,
            "links begun for funding or a mandate",
            "Harris on extra resource; mandate is the course's own addition",
            False,
            _origin_share(("funding", "mandate"), "with funding or a mandate"),
        ),
        (
            "goals_apart",
            "contrived",
            1,
            "goals not shared",
            "Castells, cited by Harris: consistency between the network's goals and its members'",
            True,
            _disagree("shared_goals"),
        ),
        # cosy: Harris defines it by friendship groups or existing partnerships where
        # "powerful personal relationships dictate and restrict their activity"
        (
            "friends_first",
            "cosy",
            3,
            "personal relationships dictate and restrict the work",
            'Harris: cosy networks are "based on friendship groups or existing partnerships" where '
            '"powerful personal relationships dictate and restrict their activity"',
            True,
            _agree("friendship_basis"),
        ),
        (
            "friendly_start",
            "cosy",
            2,
            "links begun in friendship or an earlier partnership",
            'Harris: "friendship groups or existing partnerships"',
            True,
            _origin_share(
                ("friendship", "prior_partnership"), "in friendship or an earlier partnership"
            ),
        ),
        (
            "no_challenge",
            "cosy",
            1,
            "little challenge",
            "the course's reading of Harris: collective problem solving \"does not imply a cosy or "
            'contrived consensus"',
            False,
            _disagree("challenge"),
        ),
        (
            "closed_door",
            "cosy",
            1,
            "closed to outsiders",
            "the course's reading: relationships that restrict a network's activity may also keep "
            "newcomers out",
            False,
            _disagree("openness"),
        ),
        (
            "inward",
            "cosy",
            1,
            "no ties outside the group",
            (
                'Harris asks how networks can be "meaningfully bridged rather than tightly bonded '
                "together\"; counting ties outside the group is the course's own measure"
            ),
            True,
            _closed,
        ),
        (
            "tight_bond",
            "cosy",
            1,
            "tightly bonded circle",
            'the course\'s measure of "tightly bonded"',
            False,
            _clustered,
        ),
        (
            "cosy_results",
            "cosy",
            2,
            "few results",
            'Harris: cosy networks show "the tell tale signs of inertia"',
            True,
            _disagree("tangible_outcomes"),
        ),
        # inertia
        (
            "no_outcomes",
            "inertia",
            3,
            "few tangible outcomes",
            'Huxham and Vangen, cited by Harris: outcomes "negligible or non-existent"; Wenger\'s second disorder',
            True,
            _disagree("tangible_outcomes"),
        ),
        (
            "stalled",
            "inertia",
            3,
            "little momentum",
            'Huxham and Vangen\'s "collaborative inertia", cited by Harris',
            True,
            _disagree("momentum"),
        ),
        (
            "shallow_links",
            "inertia",
            2,
            "links at level 0–1",
            "the course's reading of Frey et al.'s levels",
            False,
            _level_low,
        ),
        (
            "little_flows",
            "inertia",
            2,
            "little flowing along the links",
            "the course's reading of negligible outcomes",
            False,
            _flows_little,
        ),
        (
            "knowledge_stuck",
            "inertia",
            1,
            "no ways to transfer knowledge",
            f"{_WENGER} the third community disorder",
            True,
            _disagree("knowledge_transfer"),
        ),
        # thuggery
        (
            "steered",
            "thuggery",
            3,
            "manipulation and political activity",
            'Harris: thuggery is where "manipulation and political activity replace shared decision '
            'making"',
            True,
            _agree("manipulation"),
        ),
        (
            "decided_elsewhere",
            "thuggery",
            3,
            "few shared decisions",
            'Harris: thuggery replaces "shared decision making"',
            True,
            _disagree("shared_decisions"),
        ),
        (
            "distrust",
            "thuggery",
            2,
            "low trust",
            f"{_WENGER} communities do not function without trust",
            True,
            _disagree("trust"),
        ),
        (
            "one_centre",
            "thuggery",
            2,
            "power concentrated in one hub",
            "the course's reading of Harris's \"multiple centres of power\"",
            False,
            _concentrated,
        ),
        (
            "links_distrusted",
            "thuggery",
            1,
            "low trust on the links",
            _WENGER[:-1],
            True,
            _trust_links_low,
        ),
    )
)


SIGNAL_BY_ID = {signal.id: signal for signal in SIGNALS}
# The behaviours each type is defined by in Harris's text: a type is named only when at least
# one of them points to it, so the drawing alone never names a type.
CORE: dict[str, tuple[str, ...]] = {
    "meaningful": ("goals_shared", "communication_clear", "cohesion_internal", "trust_mutual"),
    "contrived": ("would_fade", "money_motive"),
    "cosy": ("friends_first",),
    "inertia": ("no_outcomes", "stalled"),
    "thuggery": ("steered", "decided_elsewhere"),
}


# -- the diagnosis ----------------------------------------------------------------------
@dataclass
class Diagnosis:
    """What the page and the command line show; ``as_json`` is the command line's object."""

    verdict: str
    scores: dict[str, float]
    evidence: str
    reasons: list[str]
    metrics: dict[str, Any]
    judgements: list[str] = field(default_factory=lambda: list(JUDGEMENTS))
    signals: list[dict[str, Any]] = field(default_factory=list)  # every signal read, for the page

    def as_json(self) -> dict[str, Any]:
        """The command line's JSON object (README): verdict, scores, evidence, reasons, metrics."""
        return {
            "verdict": self.verdict,
            "scores": dict(self.scores),
            "evidence": self.evidence,
            "reasons": list(self.reasons),
            "metrics": dict(self.metrics),
        }


@dataclass(frozen=True)
class _Read:
    signal: Signal
    reading: Reading | None

    @property
    def strength(self) -> float:
        return UNKNOWN if self.reading is None else self.reading.strength

    @property
    def fact(self) -> str:
        return "" if self.reading is None else self.reading.fact

    def sentence(self, verdict_type: str, against: bool = False) -> str:
        fact = self.fact[:1].upper() + self.fact[1:]
        if against:
            return f"Against this reading: {fact}, so the signal '{self.signal.label}' is not seen here."
        return (
            f"{fact} (signal: {self.signal.label}): a sign of a {TYPE_NAMES[verdict_type]} "
            f"({self.signal.basis})."
        )


def _score(reads: Sequence[_Read]) -> tuple[float, float]:
    """(score, coverage): the weighted mean strength, and the share of weight that could be read."""
    total = sum(r.signal.weight for r in reads)
    known = sum(r.signal.weight for r in reads if r.reading is not None)
    return sum(r.signal.weight * r.strength for r in reads) / total, known / total


def _evidence(answered: int, metrics: Metrics) -> str:
    described = max(metrics.levels_known, metrics.origins_known)
    if answered >= 12 and metrics.schools >= 5 and described * 2 >= metrics.links:
        return "strong"
    if answered >= 7 and metrics.schools >= MIN_SCHOOLS:
        return "moderate"
    return "weak"


_WEAKER = {"strong": "moderate", "moderate": "weak", "weak": "weak"}


def diagnose(
    network: Network,
    constructs: Mapping[str, object] | None = None,
    *,
    items: Mapping[str, object] | None = None,
) -> Diagnosis:
    """Diagnose a network from its drawing and its construct scores (1–5; missing ones allowed).

    ``items`` (statement id → 1–5) may be given instead of, or as well as, ``constructs``;
    explicit construct scores win. Raises :class:`health.AnswerError` for bad answers.
    """
    scores_in = health.construct_scores(items) if items else {}
    scores_in.update(health.check_construct_scores(constructs or {}))
    metrics = measure(network)
    ctx = Context(metrics, scores_in)
    reads = {t: [_Read(s, s.read(ctx)) for s in SIGNALS if s.type == t] for t in TYPES}
    scored = {t: _score(reads[t]) for t in TYPES}
    scores = {t: round(scored[t][0], 3) for t in TYPES}
    ranked = sorted(TYPES, key=lambda t: -scores[t])
    # A type can be named when its score is high enough, enough of it can be read, and at
    # least one of the behaviours Harris defines it by is reported (not the drawing alone).
    nameable = [
        t
        for t in ranked
        if scores[t] >= NAME_FROM and scored[t][1] >= MIN_COVERAGE and _defining(reads[t])
    ]
    top = ranked[0]
    answered = len(scores_in)
    missing = [c for c in health.CONSTRUCTS if c not in scores_in]
    evidence = _evidence(answered, metrics)
    reasons: list[str] = []
    verdict = "uncertain"

    if metrics.schools < MIN_SCHOOLS or not metrics.links:
        evidence = "weak"
        if metrics.schools < MIN_SCHOOLS:
            reasons.append(
                f"With {metrics.schools} {'member' if metrics.schools == 1 else 'members'} there is too little "
                f"network to judge: the empty networks Harris describes are patterns among several schools, so "
                f"the course asks for at least {MIN_SCHOOLS} members joined by links."
            )
        else:
            reasons.append(
                f"No links are drawn between the {metrics.schools} members yet, so there is no network "
                "to judge: draw who works with whom first."
            )
    elif metrics.largest_component < MIN_SCHOOLS or metrics.largest_component * 2 < metrics.schools:
        evidence = "weak"
        reasons.append(
            f"The drawing is in {metrics.components} separate groups that do not meet, and the largest "
            f"holds only {metrics.largest_component} of the {metrics.schools} members: there is no one "
            "network to judge, so the course names no type. Harris cites Castells: a network's "
            '"performance" depends on "its connectedness".'
        )
    elif not nameable and scored[top][1] < MIN_COVERAGE:
        evidence = "weak"
        reasons.append(
            f"Too little is known to judge: {answered} of the {len(health.CONSTRUCTS)} aspects of network "
            f"health {_verb(answered, 'is', 'are')} answered, and every type depends mostly on them "
            f"(the course names a type only when {MIN_COVERAGE:.0%} of its signals can be read)."
        )
    elif not nameable:
        if scores[top] >= NAME_FROM:
            core = ", ".join(
                f"'{_construct_name(SIGNAL_BY_ID[s].construct)}'"
                for s in CORE[top]
                if SIGNAL_BY_ID[s].construct
            )
            reasons.append(
                f"The drawing looks like a {TYPE_NAMES[top]} (score {scores[top]:.2f}), but none of the "
                f"answers that define one ({core}) points that way, so the course does not name it. "
                'Harris warns that empty networks "superficially ... appear like any other network": '
                "what differs is what they do."
            )
        else:
            reasons.append(
                f"No pattern stands out: the highest score is {scores[top]:.2f} ({TYPE_NAMES[top]}), below the "
                f"{NAME_FROM:.2f} the course asks for before naming a type. Mixed signals are common in real "
                "networks; the reasons below show which way the strongest ones point."
            )
        reasons += [r.sentence(top) for r in _strongest(reads[top])[:2]]
    else:
        verdict = nameable[0]
        reasons.append(
            f"This looks most like a {TYPE_NAMES[verdict]} (score {scores[verdict]:.2f} of 1). "
            f"{TYPE_SOURCES[verdict]}."
            + (f" {_bridging_question(metrics)}" if verdict == "meaningful" else "")
        )
        reasons += [r.sentence(verdict) for r in _strongest(reads[verdict])[:4]]
        against = _weakest(reads[verdict])
        if (
            against is not None and verdict != "meaningful"
        ):  # for meaningful, "Still to build" says it
            reasons.append(against.sentence(verdict, against=True))
        rival = nameable[1] if len(nameable) > 1 else None
        if rival and scores[verdict] - scores[rival] < CLOSE_MARGIN:
            evidence = _WEAKER[evidence]
            reasons.append(
                f"A {TYPE_NAMES[rival]} scores almost as high ({scores[rival]:.2f}), so read "
                "this verdict with care."
            )
        for other in nameable[1:]:
            strongest = _strongest(reads[other])
            if other != "meaningful" and strongest and other != rival:
                reasons.append(
                    f"There are also signs of a {TYPE_NAMES[other]} (score {scores[other]:.2f}): "
                    f"{strongest[0].fact} (signal: {strongest[0].signal.label})."
                )
        if verdict == "meaningful":
            gaps = [r for r in reads["meaningful"] if r.reading is not None and r.strength <= 0.4]
            if gaps:
                reasons.append(
                    "Still to build: "
                    + "; ".join(f"{r.signal.label} ({r.fact})" for r in gaps[:3])
                    + "."
                )
        reasons += _look_alikes(verdict, reads, scores, nameable)[:2]

    reasons += _structure_notes(metrics, network)
    if missing and answered:
        reasons.append(
            f"{len(missing)} of the {len(health.CONSTRUCTS)} aspects of network health "
            f"{_verb(len(missing), 'is', 'are')} not answered "
            f"({', '.join(_construct_name(c) for c in missing)}); the signals they feed count "
            "halfway, which weakens the evidence."
        )
    elif not answered:
        reasons.append(
            "The network health questions are not answered yet: answer them to see which kind of "
            "network this is."
        )
    contradicted = health.contradictions(items) if items else []
    if contradicted:
        evidence = _WEAKER[evidence]
        reasons.append(
            "You agreed both with a statement and with its opposite for "
            f"{', '.join(_construct_name(c) for c in contradicted)}: look at those answers again."
        )

    return Diagnosis(
        verdict=verdict,
        scores=scores,
        evidence=evidence,
        reasons=reasons,
        metrics=metrics.as_dict(),
        signals=[
            {
                "type": r.signal.type,
                "signal": r.signal.id,
                "label": r.signal.label,
                "weight": r.signal.weight,
                "strength": None if r.reading is None else round(r.strength, 3),
                "fact": r.fact or None,
                "basis": r.signal.basis,
                "literature": r.signal.literature,
                "defining": r.signal.id in CORE[r.signal.type],
            }
            for t in TYPES
            for r in reads[t]
        ],
    )


def _bridging_question(metrics: Metrics) -> str:
    """Harris's question about bridging, put to this drawing: a question, not a finding."""
    question = (
        "Harris also asks what form of leadership can ensure that networks are "
        '"meaningfully bridged rather than tightly bonded together"'
    )
    if metrics.outside_links:
        return (
            f"{question}: in this drawing {_of(metrics.outside_links, metrics.links, 'link')} "
            f"{_verb(metrics.outside_links, 'reaches', 'reach')} a partner outside the schools."
        )
    return (
        f"{question}: no link in this drawing reaches a partner outside the schools yet, so for "
        "this network that question is still open."
    )


def _defining(reads: Sequence[_Read]) -> bool:
    """Whether at least one defining signal of the type points to it (beyond 'neither agree nor disagree')."""
    return any(
        r.signal.id in CORE[r.signal.type] and r.reading is not None and r.strength > UNKNOWN
        for r in reads
    )


def _strongest(reads: Sequence[_Read]) -> list[_Read]:
    """Signals read as clear signs, the heaviest contribution first."""
    found = [r for r in reads if r.reading is not None and r.strength >= SUPPORT_FROM]
    return sorted(found, key=lambda r: -r.signal.weight * r.strength)


def _weakest(reads: Sequence[_Read]) -> _Read | None:
    """The heaviest signal that points the other way, if any."""
    found = [r for r in reads if r.reading is not None and r.strength <= AGAINST_BELOW]
    return max(found, key=lambda r: r.signal.weight * (1 - r.strength), default=None)


def _look_alikes(
    verdict: str,
    reads: Mapping[str, Sequence[_Read]],
    scores: Mapping[str, float],
    nameable: Sequence[str],
) -> list[str]:
    """Empty types the drawing resembles but that the defining answers rule out."""
    found = []
    for kind in TYPES[1:]:
        if kind == verdict or kind in nameable:
            continue
        seen = [r for r in _strongest(reads[kind]) if r.signal.construct is None]
        against = _weakest([r for r in reads[kind] if r.signal.id in CORE[kind]])
        if seen and against is not None:
            found.append(
                f"At first sight the drawing could be a {TYPE_NAMES[kind]}: {seen[0].fact} "
                f"(signal: {seen[0].signal.label}). But {against.fact}: no sign of "
                f"'{against.signal.label}', which is what defines one, so the course does not name it "
                f"(score {scores[kind]:.2f})."
            )
    return found


def _falls_apart(name: str, parts: Sequence[int]) -> str:
    """ "without X, the other 6 members would form 6 groups that no longer meet (…)"."""
    return (
        f"without {name}, the other {sum(parts)} members would form {len(parts)} groups that no "
        f"longer meet (the largest holds {parts[0]})"
    )


def _structure_notes(metrics: Metrics, network: Network) -> list[str]:
    notes = []
    cut = metrics.articulation_points
    if cut and metrics.schools >= MIN_SCHOOLS:
        # The hub first: its leaving usually does the most harm; then at most two others.
        named = sorted(cut, key=lambda name: name != metrics.hub)[:3]
        splits = {name: split_by_leaving(network, name) for name in named}
        worst = min(
            (name for name in named if splits[name]),
            key=lambda name: splits[name][0],  # type: ignore[index]
            default=None,
        )
        if len(cut) == 1:
            notes.append(
                f"Single point of failure (articulation point): the network depends on {cut[0]}; "
                + _falls_apart(cut[0], splits[cut[0]] or (metrics.schools - 1,))
                + "."
            )
        else:
            names = ", ".join(cut[:3]) + (f" and {len(cut) - 3} more" if len(cut) > 3 else "")
            notes.append(
                f"Single points of failure (articulation points): {names}. If any one of them "
                "left, the network would split into parts that no longer meet"
                + (f"; {_falls_apart(worst, splits[worst])}" if worst and splits[worst] else "")
                + "."
            )
    if metrics.isolated and metrics.links:
        one = metrics.isolated == 1
        notes.append(
            f"{metrics.isolated} {'member has' if one else 'members have'} no link yet (signal: "
            f"connectedness): {'a member' if one else 'members'} on paper only."
        )
    return notes


def what_if(
    network: Network,
    constructs: Mapping[str, object] | None = None,
    remove_school: str | None = None,
    change: Mapping[str, object] | None = None,
) -> Diagnosis:
    """The diagnosis if a school left and/or some answers changed ("what if" on lesson 05's page)."""
    scores = health.check_construct_scores(constructs or {})
    changed = health.check_construct_scores(change or {})
    told = []
    split = None
    if remove_school is not None:
        if network.school(remove_school) is None:
            raise CourseError(f"There is no school called {remove_school!r} in this network.")
        split = split_by_leaving(network, remove_school)
        network = network.without_school(remove_school)
        told.append(f"without {remove_school}")
    if changed:
        scores.update(changed)
        told += [f"'{_construct_name(c)}' at {v:g} of 5" for c, v in changed.items()]
    result = diagnose(network, scores)
    if split:
        # The answers described one network; without this school there are several.
        result.evidence = _WEAKER[result.evidence]
        said = _falls_apart(str(remove_school), split)
        result.reasons.insert(
            0,
            f"The network falls apart: {said}. The answers describe the network as it was, so "
            "read what follows with care.",
        )
    if told:
        result.reasons.insert(0, "What if: " + "; ".join(told) + ".")
    return result


# -- command line -----------------------------------------------------------------------
class InputError(Exception):
    """Bad input to the command line: one line for stderr, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not argparse's usage block
        raise InputError(
            f"{self.prog}: {message} (usage: --schools S.csv --links L.csv [--answers A.json])"
        )


def _read_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None


def _read_answers(path: str) -> tuple[dict[str, object], dict[str, object]]:
    """(construct scores, statement answers) from an answers file; either may be empty."""
    raw = _read_bytes(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not UTF-8 text (byte {exc.start + 1}); save the file as UTF-8"
        ) from None
    if not text.strip():
        raise InputError(f"{path}: the file is empty; expected a JSON object of answers")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object of answers, not {type(data).__name__}")
    if "constructs" not in data and "items" not in data:
        return data, {}
    unknown = sorted(set(data) - {"constructs", "items", "note"})
    if unknown:
        raise InputError(
            f"{path}: unknown key {unknown[0]!r}; expected 'constructs' and/or 'items' (and 'note')"
        )
    parts = []
    for key in ("constructs", "items"):
        part = data.get(key, {})
        if not isinstance(part, dict):
            raise InputError(f"{path}: '{key}' must be a JSON object, not {type(part).__name__}")
        parts.append(part)
    return parts[0], parts[1]


def _read_network(schools: str, links: str) -> Network:
    from .network_io import NetworkError, read_network

    schools_bytes, links_bytes = _read_bytes(schools), _read_bytes(links)
    try:
        return read_network(schools_bytes, links_bytes, schools, links)
    except NetworkError as exc:
        raise InputError(" ".join(str(exc).split())) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Print one JSON diagnosis to stdout (exit 0); bad input: one line on stderr, exit 2."""
    try:
        parser = _Parser(
            prog="python -m widgets_lib.classify",
            description="Diagnose a school network: meaningful, or one of Harris's empty networks.",
        )
        parser.add_argument("--schools", required=True, help="CSV file of schools (name, kind, …)")
        parser.add_argument("--links", required=True, help="CSV file of links (from, to, level, …)")
        parser.add_argument(
            "--answers", help='JSON: {"constructs": {…}}, {"items": {…}} or flat construct scores'
        )
        args = parser.parse_args(argv)
        constructs, items = _read_answers(args.answers) if args.answers else ({}, {})
        network = _read_network(args.schools, args.links)
        try:
            result = diagnose(network, constructs, items=items)
        except health.AnswerError as exc:
            raise InputError(f"{args.answers}: {exc}") from None
        print(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
        return 0
    except InputError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - never a traceback: one line, and say it is ours
        print(
            f"internal error: {type(exc).__name__}: {' '.join(str(exc).split())}", file=sys.stderr
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
