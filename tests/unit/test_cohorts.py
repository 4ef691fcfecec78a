"""Cohorts in the store and in ``cohorts.py``: create, join, consent, leave, close; export and delete."""

from __future__ import annotations

import glob
from pathlib import Path

import pytest

from tests.helpers import count_rows
from widgets_lib import cohorts, identity
from widgets_lib.cohorts import CohortError
from widgets_lib.examples import load_example
from widgets_lib.record import NETWORK_ACTIVITY, NETWORK_KEY, network_to_value
from widgets_lib.store import Store, iter_tables

SECRET = "Only-mine-7f3a: we argued about <b>setting</b>"


def person(store: Store, name: str) -> str:
    learner_id = identity.code_key(identity.new_code())
    store.ensure_learner(learner_id, "code")
    return learner_id


def test_codes_have_their_own_lengths_and_messages():
    code, key = identity.new_join_code(), identity.new_tutor_key()
    assert len(code) == 9 and len(key) == 24
    assert identity.normalise_join_code(code.lower().replace("-", " ")) == code
    with pytest.raises(identity.CodeError, match="cohort join code has 8"):
        identity.normalise_join_code("ABC")
    with pytest.raises(identity.CodeError, match="tutor key never contains '0'"):
        identity.normalise_tutor_key("0" * 20)
    assert identity.join_key(code) != identity.tutor_key_hash(key)


def test_create_join_share_leave_and_close(store: Store):
    cohort, code, key = cohorts.create(store, "  Spring   2027 <b>North</b> ")
    assert cohort.name == "Spring 2027 <b>North</b>" and cohort.open
    assert cohorts.open_for_tutor(store, key.lower()) == cohort
    with pytest.raises(CohortError, match="That tutor key was not recognised"):
        cohorts.open_for_tutor(store, identity.new_tutor_key())
    with pytest.raises(CohortError, match="That tutor key was not recognised"):
        cohorts.open_for_tutor(store, "nonsense")
    a, b = person(store, "a"), person(store, "b")
    joined, member = cohorts.join(store, a, code, "Asha, Ash Primary", True)
    assert joined == cohort and member.share_reflections
    cohorts.join(store, b, code, "Ben", False)
    assert [m.display_name for m in store.members(cohort.id)] == ["Asha, Ash Primary", "Ben"]
    store.set_sharing(a, False)
    assert store.membership(a).share_reflections is False
    store.leave(b)
    assert store.membership(b) is None and len(store.members(cohort.id)) == 1
    with pytest.raises(CohortError, match="Your name for the tutor: please type a name"):
        cohorts.join(store, b, code, "   ", False)
    with pytest.raises(CohortError, match="No cohort has the join code"):
        cohorts.join(store, b, identity.new_join_code(), "Ben", False)
    store.close_cohort(cohort.id)
    with pytest.raises(CohortError, match="closed to new members"):
        cohorts.join(store, b, code, "Ben", False)
    assert (
        store.members(cohort.id)[0].display_name == "Asha, Ash Primary"
    )  # closing keeps the members


def test_names_are_checked():
    with pytest.raises(CohortError, match="under 120"):
        cohorts.check_name("Cohort name", "x" * 121, 120)
    with pytest.raises(CohortError, match="letters, digits"):
        cohorts.check_name("Cohort name", "evil\u202ename", 120)


def test_the_tutor_sees_reflections_only_with_consent(store: Store):
    cohort, code, _key = cohorts.create(store, "C")
    a = person(store, "a")
    network, _answers = load_example("cosy_honeysuckle")
    store.save(a, NETWORK_ACTIVITY, NETWORK_KEY, network_to_value(network))
    store.save(a, "journal", "r01a", SECRET)
    store.save(
        a,
        "plan",
        "actions",
        [{"what": SECRET, "who": "x", "by": "2027-01-01", "challenge": "culture"}],
    )
    store.save(a, "progress", "01", {"status": "done", "at": "2026-11-22T10:00:00+00:00"})
    cohorts.join(store, a, code, "Asha", False)
    (view,) = cohorts.cohort_views(store, cohort.id)
    assert view.journal is None and not view.shares_reflections
    assert view.diagnosis is not None and view.network.names == network.names
    assert view.progress["01"]["status"] == "done" and view.capacity is None
    assert SECRET not in repr(view)  # the plan is never part of it
    store.set_sharing(a, True)
    (view,) = cohorts.cohort_views(store, cohort.id)
    assert view.journal == {"r01a": SECRET}


def test_export_has_everything_and_delete_leaves_nothing(store: Store):
    cohort, code, _key = cohorts.create(store, "C")
    a, b = person(store, "a"), person(store, "b")
    for who in (a, b):
        store.save(who, "journal", "r01a", SECRET + who[:6])
        store.save(who, "journal", "r01a", SECRET + who[:6] + " (edited)")
        cohorts.join(store, who, code, "Name " + who[:4], True)
    exported = store.export_learner(a)
    assert exported["cohort"]["cohort_name"] == "C" and exported["learner"]["kind"] == "code"
    assert [h["value"] for h in exported["history"]] == [
        SECRET + a[:6],
        SECRET + a[:6] + " (edited)",
    ]
    store.delete_learner(a)
    assert store.export_learner(a) == {
        "learner": None,
        "cohort": None,
        "answers": [],
        "history": [],
        "surveys": [],
    }
    assert not store.learner_exists(a) and store.learner_exists(b)
    assert [m.display_name for m in store.members(cohort.id)] == ["Name " + b[:4]]
    assert store.load(b, "journal")["r01a"].startswith(SECRET + b[:6])
    counts = {table: count_rows(store, table) for table in iter_tables()}
    assert counts["learners"] == 1 and counts["memberships"] == 1 and counts["revisions"] == 2


def test_deleted_text_is_not_in_the_sqlite_file(sqlite_url: str):
    store = Store(sqlite_url)
    keep, gone = person(store, "k"), person(store, "g")
    for i in range(40):  # enough rows to span several pages of the file
        store.save(keep, "journal", f"q{i}", f"KEEP-{i}-" + "k" * 300)
        store.save(gone, "journal", f"q{i}", f"GONE-{gone[:8]}-{i}-" + "g" * 300)
    store.delete_learner(gone)
    store.dispose()
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    raw = b"".join(Path(f).read_bytes() for f in glob.glob(f"{path}*"))
    assert raw.count(b"KEEP-") == 80  # the current answers and the history of the other learner
    assert f"GONE-{gone[:8]}".encode() not in raw and gone.encode() not in raw
