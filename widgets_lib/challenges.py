"""Harris's three challenges — distance, culture, structure — read against the learner's own work.

Lesson 08 shows, for each challenge, what the network of lesson 04, the health check of
lesson 05 and the leads of lesson 06 suggest, then asks the learner how much it holds the
network back. The evidence sentences are the course's own reading; the learner judges.
Pure Python; the view is ``views.challenges``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .answers import check_free_text, check_whole
from .leadership import Spread
from .metrics import measure
from .network import Network
from .paths import load_json

ACTIVITY = "challenges"
MAX_NOTE = 1000
NOTHING_YET = "Nothing you have saved so far speaks to this; use what you know of your network."


@dataclass(frozen=True)
class Challenge:
    id: str
    name: str
    summary: str
    quote: str
    question: str
    ideas: tuple[str, ...]


def load() -> tuple[tuple[str, ...], tuple[Challenge, ...]]:
    """The rating words (1 = the first) and the three challenges, from ``data/challenges.json``."""
    raw = load_json("challenges.json")
    found = tuple(
        Challenge(c["id"], c["name"], c["summary"], c["quote"], c["question"], tuple(c["ideas"]))
        for c in raw["challenges"]
    )
    return tuple(raw["ratings"]), found


def rating_key(challenge_id: str) -> str:
    return f"{challenge_id}/rating"


def note_key(challenge_id: str) -> str:
    return f"{challenge_id}/note"


def check_rating(challenge_id: str, value: object) -> int:
    ratings, _ = load()
    return check_whole(challenge_id, value, 1, len(ratings), ratings[0], ratings[-1])


def check_note(challenge_id: str, value: object) -> str:
    return check_free_text(f"The note on {challenge_id}", value, MAX_NOTE)


def _pct(share: float) -> str:
    return f"{round(share * 100)}%"


def _low(constructs: Mapping[str, float], key: str, words: str) -> list[str]:
    score = constructs.get(key)
    if score is not None and score <= 2.5:
        return [f"In the health check you scored {words} {score:g} out of 5."]
    return []


def evidence(
    network: Network, constructs: Mapping[str, float], spread: Spread | None
) -> dict[str, list[str]]:
    """For each challenge, sentences naming what in the learner's saved work bears on it."""
    found: dict[str, list[str]] = {"distance": [], "culture": [], "structure": []}
    metrics = measure(network) if network.schools else None
    if metrics:
        places = sorted(
            {s.locality.strip() for s in network.schools if s.locality and s.locality.strip()},
            key=str.casefold,
        )
        if len(places) >= 2:
            shown = ", ".join(places[:5]) + (" and others" if len(places) > 5 else "")
            found["distance"].append(
                f"Your members are in {len(places)} different localities ({shown}): "
                "meeting in person means travel."
            )
        elif not places:
            found["distance"].append(
                "Your network does not record where members are (the locality column), "
                "so the course cannot tell how far apart they are."
            )
        if metrics.components > 1:
            found["distance"].append(
                f"Your network falls into {metrics.components} separate parts with no link "
                "between them."
            )
        if metrics.isolated:
            found["distance"].append(
                f"{metrics.isolated} member{'s have' if metrics.isolated != 1 else ' has'} "
                "no link to anyone."
            )
        if (
            metrics.hub
            and metrics.hub_share is not None
            and metrics.hub_share >= 0.5
            and metrics.links >= 3
        ):
            found["structure"].append(
                f"{metrics.hub} takes part in {_pct(metrics.hub_share)} of all links: "
                "much of the network runs through one member."
            )
        if metrics.articulation_points:
            count = len(metrics.articulation_points)
            found["structure"].append(
                f"{count} member{'s hold' if count != 1 else ' holds'} the network together: "
                "if one left, part of it would be cut off."
            )
        if metrics.origins_known:
            imposed = metrics.origin_counts.get("funding", 0) + metrics.origin_counts.get(
                "mandate", 0
            )
            if imposed / metrics.origins_known >= 0.5:
                found["structure"].append(
                    f"{_pct(imposed / metrics.origins_known)} of the links whose origin you "
                    "gave exist because of funding or a mandate."
                )
        if metrics.links:
            share = metrics.practice_links / metrics.links
            if share < 0.34:
                found["structure"].append(
                    f"Only {_pct(share)} of links carry joint practice or staff between "
                    "members: most work stays inside each school."
                )
        if metrics.mean_trust is not None and metrics.mean_trust < 2.5:
            found["culture"].append(
                f"The trust you gave your links averages {metrics.mean_trust:.1f} out of 4."
            )
    found["distance"] += _low(constructs, "communication", "clear communication")
    found["culture"] += _low(constructs, "trust", "mutual trust")
    found["culture"] += _low(constructs, "openness", "openness to new members and ideas")
    found["culture"] += _low(constructs, "challenge", "constructive challenge")
    found["structure"] += _low(constructs, "shared_decisions", "shared decisions")
    if spread and spread.leads:
        formal = spread.formal_share or 0.0
        if formal >= 0.6:
            found["culture"].append(
                f"People in leadership posts (headteachers, senior and middle leaders) hold "
                f"{_pct(formal)} of the leads you marked in Lesson 06: leadership still rests "
                "mostly on position."
            )
        if not spread.cross_school:
            found["structure"].append(
                "In Lesson 06, every shared activity is led from a single school: nothing is "
                "yet led across school boundaries."
            )
    return {key: sentences or [NOTHING_YET] for key, sentences in found.items()}
