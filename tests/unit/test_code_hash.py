"""Codes stored as keyed hashes, and databases of older versions brought over without losing
anyone: learners and tutor keys rewritten when first used, plain join codes rehashed when the
store opens. Once on SQLite and once on PostgreSQL (``store_url``)."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import sqlalchemy as sa

from widgets_lib import cohorts, identity
from widgets_lib.store import Store
from widgets_lib.store import cohorts as cohorts_table


def test_stored_forms_are_keyed_not_plain_sha256():
    code = identity.new_code()
    assert identity.code_key(code) != identity.legacy_code_key(code)
    assert (
        identity.legacy_code_key(code)
        == hashlib.sha256(f"course-learner:code:{code}".encode()).hexdigest()
    )
    assert identity.code_key(code.lower().replace("-", "")) == identity.code_key(code)


def test_a_learner_of_an_older_version_is_moved_to_the_keyed_form_with_all_their_work(store_url):
    store = Store(store_url)
    try:
        code = identity.new_code()
        old, new = identity.legacy_code_key(code), identity.code_key(code)
        store.ensure_learner(old, "code")
        store.save(old, "capacity", "a1/F1", 3)
        store.save(old, "capacity", "a1/F1", 4)
        cohort, join_code, _key = cohorts.create(store, "Old cohort")
        cohorts.join(store, old, join_code, "Asha", share_reflections=False)
        assert not store.find_learner(identity.code_key(identity.new_code()), None)
        assert store.find_learner(new, old)
        assert not store.learner_exists(old) and store.learner_exists(new)
        assert store.load(new, "capacity") == {"a1/F1": 4}
        assert [r.value for r in store.history(new, "capacity", "a1/F1")] == [3, 4]
        assert store.membership(new).cohort_id == cohort.id
        assert store.find_learner(new, old)  # again: found under the new form at once
    finally:
        store.dispose()


def test_plain_join_codes_are_rehashed_when_the_store_opens_and_old_tutor_keys_on_use(store_url):
    store = Store(store_url)
    try:
        join_code, tutor_key = identity.new_join_code(), identity.new_tutor_key()
        # A cohort as an older version stored it: the join code in plain text, unkeyed hashes.
        with store.engine.begin() as conn:
            conn.execute(
                cohorts_table.insert().values(
                    id="c0ffee",
                    name="Old cohort",
                    join_code=join_code,
                    join_key=hashlib.sha256(
                        f"course-learner:join:{join_code}".encode()
                    ).hexdigest(),
                    tutor_key=identity.legacy_tutor_key_hash(tutor_key),
                    created_at="2026-01-01T00:00:00+00:00",
                )
            )
    finally:
        store.dispose()
    reopened = Store(store_url)
    try:
        with reopened.engine.connect() as conn:
            row = conn.execute(sa.select(cohorts_table).where(cohorts_table.c.id == "c0ffee")).one()
        assert row.join_code == "" and row.join_key == identity.join_key(join_code)
        assert cohorts.find_to_join(reopened, join_code).id == "c0ffee"
        assert cohorts.open_for_tutor(reopened, tutor_key).id == "c0ffee"
        with reopened.engine.connect() as conn:
            stored = conn.execute(
                sa.select(cohorts_table.c.tutor_key).where(cohorts_table.c.id == "c0ffee")
            ).scalar()
        assert stored == identity.tutor_key_hash(tutor_key)
        assert cohorts.open_for_tutor(reopened, tutor_key).id == "c0ffee"
    finally:
        reopened.dispose()


def test_the_operator_creates_a_cohort_at_the_command_line(sqlite_url):
    env_run = {"COURSE_DB_URL": sqlite_url}
    made = _cli(["create", "--name", "Thursday group"], env_run)
    assert made.returncode == 0, made.stderr
    lines = dict(line.split(": ", 1) for line in made.stdout.splitlines())
    tutor_key = lines["Tutor key (secret; opens the dashboard; shown only now)"]
    join_code = lines["Join code (for participants, lesson 00)"]
    store = Store(sqlite_url)
    try:
        assert cohorts.open_for_tutor(store, tutor_key).name == "Thursday group"
        assert cohorts.find_to_join(store, join_code).name == "Thursday group"
        again = _cli(["join-code", "--tutor-key", tutor_key], env_run)
        assert again.returncode == 0, again.stderr
        new_code = again.stdout.rsplit(": ", 1)[1].strip()
        assert cohorts.find_to_join(store, new_code).name == "Thursday group"
    finally:
        store.dispose()
    wrong = _cli(["join-code", "--tutor-key", identity.new_tutor_key()], env_run)
    assert wrong.returncode == 2 and wrong.stderr.startswith("error: That tutor key was not")
    assert "Traceback" not in wrong.stderr


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(
        [sys.executable, "-m", "widgets_lib.cohorts", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )
