"""Acceptance: many kernels saving into one database at once lose nothing.

The writers (``tests/store_writers.py``, shared with ``bench/store_writes.py``) are separate
processes, each with its own :class:`Store` as every Voila kernel has, racing to create the tables
and then saving as fast as they can: to keys of their own, to a key each overwrites, and to one key
of one learner that all of them overwrite. Every save must be there afterwards, every key must hold
its last write and every history every write, in order.

Timings are printed (``pytest -s``), never asserted.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.helpers import count_rows
from tests.store_writers import check_saved, own_learner, plan, run_writers, shared_learner
from widgets_lib.store import Store

PREFIX = "writer"


def _run_writers(url: str, writers: int, saves: int) -> None:
    run = run_writers(url, PREFIX, writers, saves)
    total = writers * saves
    print(
        f"\n{url.split(':', 1)[0]}: {writers} processes x {saves} saves = {total} saves "
        f"in {run['elapsed_s']}s ({run['writes_per_s']} writes/s); "
        f"{run['wall_with_startup_s']}s including process start-up; "
        f"slowest concurrent Store() + ensure_learner: {run['slowest_setup_s']}s; "
        f"{run['failed']} failures"
    )
    assert run["writers_reported"] == writers, (
        f"only {run['writers_reported']} of {writers} writers reported; exit codes {run['exit_codes']}"
    )
    assert run["failed"] == 0, f"failed saves: {run['errors']}"


def _check_everything_saved(url: str, writers: int, saves: int) -> None:
    per_writer = [plan(PREFIX, w, i) for w in range(writers) for i in range(saves)]
    own_keys = {(p[0], p[1], p[2]) for p in per_writer if p[0] != shared_learner(PREFIX)}
    store = Store(url)
    try:
        assert count_rows(store, "learners") == writers + 1
        assert count_rows(store, "revisions") == writers * saves  # not one save lost
        assert count_rows(store, "answers") == len(own_keys) + 1
        with store.engine.connect() as conn:
            answers = _answer_keys(conn)
        assert len(set(answers)) == len(answers) == len(own_keys) + 1
        assert {a[0] for a in answers} == {own_learner(PREFIX, w) for w in range(writers)} | {
            shared_learner(PREFIX)
        }
    finally:
        store.dispose()
    assert check_saved(url, PREFIX, writers, saves) == {"lost": 0, "problems": []}


def _answer_keys(conn: sa.Connection) -> list[tuple[str, str, str]]:
    rows = conn.exec_driver_sql("SELECT learner_id, activity, key FROM answers")
    return [tuple(row) for row in rows]


def _sqlite_integrity(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        conn.close()


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_64_processes_x_200_saves_into_one_sqlite_file(tmp_path: Path) -> None:
    writers, saves = 64, 200
    path = tmp_path / "course.db"
    url = f"sqlite:///{path}"
    _run_writers(url, writers, saves)
    _check_everything_saved(url, writers, saves)
    _sqlite_integrity(path)


def test_8_processes_x_50_saves_into_one_sqlite_file(tmp_path: Path) -> None:
    """A quick version of the acceptance test for every run (``-m "not slow"``)."""
    writers, saves = 8, 50
    path = tmp_path / "course.db"
    url = f"sqlite:///{path}"
    _run_writers(url, writers, saves)
    _check_everything_saved(url, writers, saves)
    _sqlite_integrity(path)


@pytest.mark.postgres
@pytest.mark.timeout(900)
def test_16_processes_x_50_saves_into_postgres(postgres_db_url: str) -> None:
    writers, saves = 16, 50
    _run_writers(postgres_db_url, writers, saves)
    _check_everything_saved(postgres_db_url, writers, saves)
