"""Cohorts: a tutor's group, joining it, and exactly what a tutor sees of each participant.

What a participant shares is decided in one place, :func:`participant_view`: the page where
a participant joins shows them that view of their own work before they join, and the tutor
dashboard shows nothing else. Reflections are in it only with the participant's consent;
the learner code, action plan and challenge notes never are. Pure Python with the store.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any

from . import CourseError, classify, identity
from .capacity import Result
from .lessons import PROGRESS_ACTIVITY
from .network import Network
from .record import Record
from .reflections import ACTIVITY as JOURNAL_ACTIVITY
from .store import Cohort, Membership, Store

MAX_COHORT_NAME = 120
MAX_DISPLAY_NAME = 80

SHARED = (
    "the name you choose for your tutor to see",
    "which lessons you have started and finished, and when",
    "your capacity self-assessment: scores, growth state and where to start (lesson 03)",
    "your network drawing and its diagnosis with the reasons (lessons 04 and 05)",
)
SHARED_WITH_CONSENT = "your reflection journal, only if you tick the box to share it"
NEVER_SHARED = "your learner code, your action plan and your notes on the three challenges"


WRONG_KEY = (
    "That tutor key was not recognised. Check it letter by letter (it is the key you wrote down "
    "when you created the cohort), or create a new cohort below."
)


class CohortError(CourseError):
    """Something about a cohort that cannot be done; the message is for the person at the page."""


def check_name(what: str, text: object, limit: int) -> str:
    """A name as typed, trimmed; CohortError when it is empty, too long or holds control characters."""
    name = " ".join(str(text or "").split())
    if not name:
        raise CohortError(f"{what}: please type a name.")
    if len(name) > limit:
        raise CohortError(f"{what}: please keep it under {limit} characters (it has {len(name)}).")
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name):
        raise CohortError(f"{what}: please use letters, digits and punctuation only.")
    return name


def create(store: Store, name: str, owner: str | None = None) -> tuple[Cohort, str, str]:
    """A new cohort with its join code (for participants) and tutor key (secret); only hashes are stored."""
    name = check_name("Cohort name", name, MAX_COHORT_NAME)
    join_code, tutor_key = identity.new_join_code(), identity.new_tutor_key()
    cohort = store.create_cohort(
        secrets.token_hex(8),
        name,
        join_code,
        identity.join_key(join_code),
        identity.tutor_key_hash(tutor_key),
        owner,
    )
    return cohort, join_code, tutor_key


def find_to_join(store: Store, code: str) -> Cohort:
    try:
        key = identity.join_key(code)
    except identity.CodeError as exc:
        raise CohortError(str(exc)) from None
    cohort = store.cohort_by_join_key(key)
    if cohort is None:
        raise CohortError(
            f"No cohort has the join code {identity.normalise_join_code(code)}. "
            "Check it letter by letter with your tutor."
        )
    if not cohort.open:
        raise CohortError(
            f"The cohort {cohort.name} is closed to new members. Please ask your tutor."
        )
    return cohort


def join(
    store: Store, learner_id: str, code: str, display_name: str, share_reflections: bool
) -> tuple[Cohort, Membership]:
    cohort = find_to_join(store, code)
    name = check_name("Your name for the tutor", display_name, MAX_DISPLAY_NAME)
    return cohort, store.join(learner_id, cohort.id, name, bool(share_reflections))


def open_for_tutor(store: Store, key: str) -> Cohort:
    """The cohort a tutor key opens; one message for every failure, so a guess learns nothing."""
    try:
        cohort = store.cohort_by_tutor_key(identity.tutor_key_hash(key))
    except identity.CodeError:
        cohort = None
    if cohort is None:
        raise CohortError(WRONG_KEY)
    return cohort


@dataclass(frozen=True)
class ParticipantSummary:
    """Everything a tutor sees of one participant, and nothing more."""

    name: str
    joined_at: str
    progress: dict[str, dict[str, Any]]
    capacity: tuple[int, Result] | None
    network: Network
    diagnosis: classify.Diagnosis | None
    journal: dict[str, str] | None  # None: not shared

    @property
    def shares_reflections(self) -> bool:
        return self.journal is not None


def participant_view(
    membership: Membership, values: dict[str, dict[str, Any]], updated: dict[str, str] | None = None
) -> ParticipantSummary:
    record = Record(values, updated or {})
    network = record.network
    diagnosis = classify.diagnose(network, items=record.health_answers) if network.schools else None
    journal = None
    if membership.share_reflections:
        journal = {k: v for k, v in record.activity(JOURNAL_ACTIVITY).items() if isinstance(v, str)}
    return ParticipantSummary(
        name=membership.display_name,
        joined_at=membership.joined_at,
        progress={
            k: v for k, v in record.activity(PROGRESS_ACTIVITY).items() if isinstance(v, dict)
        },
        capacity=record.capacity(),
        network=network,
        diagnosis=diagnosis,
        journal=journal,
    )


def cohort_views(store: Store, cohort_id: str) -> list[ParticipantSummary]:
    """The tutor's view of every member, read in one consistent pass."""
    return [
        participant_view(member, values, updated)
        for member, values, updated in store.load_cohort(cohort_id)
    ]
