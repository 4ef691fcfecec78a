"""Cohorts: a tutor's group, joining it, and exactly what a tutor sees of each participant.

What a participant shares is decided in one place, :func:`participant_view`: the page where
a participant joins shows them that view of their own work before they join, and the tutor
dashboard shows nothing else. Reflections are in it only with the participant's consent;
the learner code, action plan and challenge notes never are. Pure Python with the store.

Join codes and tutor keys are stored only as keyed hashes. Who may create a cohort: under
JupyterHub, members of the tutors group (the dashboard checks); on a standalone server, whoever
knows the operator's key (``COURSE_OPERATOR_KEY``, typed on the dashboard), or the operator at
the command line::

    python -m widgets_lib.cohorts create --name "Thursday group"
    python -m widgets_lib.cohorts join-code --tutor-key K7PM-3XQA-9TRE-MW4C-HJ8N
"""

from __future__ import annotations

import argparse
import hmac
import os
import secrets
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import CourseError, identity
from .capacity import Result
from .lessons import PROGRESS_ACTIVITY
from .network import Network
from .record import Record
from .reflections import ACTIVITY as JOURNAL_ACTIVITY
from .store import Cohort, Membership, Store
from .throttle import retry_words

if TYPE_CHECKING:  # the diagnosis (networkx) is loaded when a tutor looks, not by lesson 00
    from . import classify
    from .snapshots import Latest

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


OPERATOR_ENV = "COURSE_OPERATOR_KEY"
MIN_OPERATOR_KEY = 16
WRONG_OPERATOR_KEY = (
    "That operator key was not recognised. Creating a cohort on this server needs the key set by "
    "the person who runs it."
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


def operator_key_set() -> str | None:
    """The operator's key from the environment, or None when cohorts cannot be created on the
    dashboard (unset, or too short to be a secret)."""
    key = os.environ.get(OPERATOR_ENV, "").strip()
    return key if len(key) >= MIN_OPERATOR_KEY else None


def is_operator_key(typed: str) -> bool:
    """Whether ``typed`` is the operator's key (compared in constant time)."""
    key = operator_key_set()
    return key is not None and hmac.compare_digest(str(typed or "").strip().encode(), key.encode())


def wrong_join_code(code: str) -> str:
    """What a participant reads when no cohort has this (well-formed) join code."""
    return (
        f"No cohort has the join code {identity.normalise_join_code(code)}. "
        "Check it letter by letter with your tutor."
    )


def check_join_code(code: str) -> str:
    """The join code as typed, normalised; CohortError when it cannot be one (not a guess)."""
    try:
        return identity.normalise_join_code(code)
    except identity.CodeError as exc:
        raise CohortError(str(exc)) from None


def refused(message: str, wrong: Callable[[], float] | None = None) -> CohortError:
    """A wrong code's message; with ``wrong`` (a throttle's, :mod:`widgets_lib.throttle`) the guess
    is counted and the message says when the next one will be answered."""
    return CohortError(f"{message} {retry_words(wrong())}" if wrong else message)


def find_to_join(store: Store, code: str, wrong: Callable[[], float] | None = None) -> Cohort:
    cohort = store.cohort_by_join_key(identity.join_key(check_join_code(code)))
    if cohort is None:
        raise refused(wrong_join_code(code), wrong)
    if not cohort.open:
        raise CohortError(
            f"The cohort {cohort.name} is closed to new members. Please ask your tutor."
        )
    return cohort


def join(
    store: Store,
    learner_id: str,
    code: str,
    display_name: str,
    share_reflections: bool,
    wrong: Callable[[], float] | None = None,
) -> tuple[Cohort, Membership]:
    name = check_name("Your name for the tutor", display_name, MAX_DISPLAY_NAME)
    cohort = find_to_join(store, code, wrong)
    return cohort, store.join(learner_id, cohort.id, name, bool(share_reflections))


def open_for_tutor(store: Store, key: str, wrong: Callable[[], float] | None = None) -> Cohort:
    """The cohort a tutor key opens; one message for every failure, so a guess learns nothing
    (a key that cannot be one is refused the same way, but not counted as a guess)."""
    try:
        cohort = store.cohort_by_tutor_key(
            identity.tutor_key_hash(key), identity.legacy_tutor_key_hash(key)
        )
    except identity.CodeError:
        raise CohortError(WRONG_KEY) from None
    if cohort is None:
        raise refused(WRONG_KEY, wrong)
    return cohort


def new_join_code(store: Store, cohort: Cohort) -> str:
    """A new join code for a cohort whose tutor lost it: the old code stops working."""
    code = identity.new_join_code()
    store.set_join_key(cohort.id, identity.join_key(code))
    return code


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
    # Lesson 05's latest comparison of two snapshots (snapshots.latest); None: no snapshot saved
    latest_change: Latest | None = None

    @property
    def shares_reflections(self) -> bool:
        return self.journal is not None


def participant_view(
    membership: Membership, values: dict[str, dict[str, Any]], updated: dict[str, str] | None = None
) -> ParticipantSummary:
    from . import classify, snapshots

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
        latest_change=snapshots.latest(
            snapshots.from_saved(record.activity(snapshots.ACTIVITY)),
            network,
            record.health_answers,
        ),
    )


def cohort_views(store: Store, cohort_id: str) -> list[ParticipantSummary]:
    """The tutor's view of every member, read in one consistent pass."""
    return [
        participant_view(member, values, updated)
        for member, values, updated in store.load_cohort(cohort_id)
    ]


def main(argv: list[str] | None = None) -> int:
    """The operator's command line: create a cohort, or give one a new join code."""
    parser = argparse.ArgumentParser(
        prog="python -m widgets_lib.cohorts",
        description="Create a cohort, or make a new join code (COURSE_DB_URL picks the database).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    create_cmd = commands.add_parser("create", help="create a cohort; prints its codes")
    create_cmd.add_argument("--name", required=True, help="the cohort's name, as tutors see it")
    join_cmd = commands.add_parser("join-code", help="a new join code (the old one stops working)")
    join_cmd.add_argument("--tutor-key", required=True, help="the cohort's tutor key")
    args = parser.parse_args(argv)
    from .store import StoreError, get_store

    try:
        store = get_store()
        if args.command == "create":
            cohort, join_code, tutor_key = create(store, args.name)
            print(f"Cohort: {cohort.name}")
            print(f"Tutor key (secret; opens the dashboard; shown only now): {tutor_key}")
            print(f"Join code (for participants, lesson 00): {join_code}")
        else:
            cohort = open_for_tutor(store, args.tutor_key)
            print(f"New join code for {cohort.name} (the old one no longer works): ", end="")
            print(new_join_code(store, cohort))
    except (CourseError, StoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
