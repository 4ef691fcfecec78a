"""Acceptance: many kernels saving into one database at once lose nothing.

Every writer is a separate process (``spawn``: nothing inherited from the test
process) with its own :class:`Store`, as every Voila kernel has. All writers
wait at a barrier, then create their ``Store`` on the SAME fresh database at the
same moment (racing to create the tables), wait again, then save as fast as they
can. Each writer saves ``saves`` answers of its own learner:

* most saves go to a key of their own (``acceptance`` activity): nothing may be
  lost and every value must be the one written;
* every 10th save overwrites the writer's own ``upsert/latest`` key: the stored
  value must be the writer's last write and the history every write, in order;
* every 20th save overwrites ONE key of ONE learner shared by all writers: its
  history holds every write and its value is the last revision.

Timings are printed (``pytest -s``), never asserted.
"""

from __future__ import annotations

import multiprocessing
import queue
import sqlite3
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from widgets_lib.store import Store

SHARED = "shared-learner"
START_TIMEOUT_S = 240  # spawning and importing dozens of interpreters on a small machine
SAVE_TEXT = 'Réponse "{i}" of writer {w}: <b>capacity</b> ✓'


def _plan(writer: int, i: int) -> tuple[str, str, str, dict]:
    """(learner, activity, key, value) of save ``i`` of ``writer``."""
    value = {"writer": writer, "i": i, "text": SAVE_TEXT.format(i=i, w=writer)}
    if i % 20 == 19:
        return SHARED, "upsert", "everyone", value
    if i % 10 == 9:
        return f"writer-{writer:03d}", "upsert", "latest", value
    return f"writer-{writer:03d}", "acceptance", f"q{i:04d}", value


def _writer(url: str, writer: int, saves: int, barrier, results) -> None:
    """One kernel: its own Store, its own learner, ``saves`` saves; reports to ``results``."""
    failures, errors, started, finished, setup = 0, [], 0.0, 0.0, 0.0
    store = None
    try:
        barrier.wait(timeout=START_TIMEOUT_S)  # everyone creates the schema at once
        setup = time.time()
        try:
            store = Store(url)
            store.ensure_learner(f"writer-{writer:03d}", "code")
            store.ensure_learner(SHARED, "code")
        except Exception as exc:  # noqa: BLE001 - reported to the test
            failures, errors = saves, [f"setup: {exc!r} <- {exc.__cause__!r}"]
        setup = time.time() - setup
        barrier.wait(timeout=START_TIMEOUT_S)  # then everyone saves at once
        started = time.time()
        if store is not None:
            for i in range(saves):
                try:
                    store.save(*_plan(writer, i))
                except Exception as exc:  # noqa: BLE001 - counted, not raised
                    failures += 1
                    if len(errors) < 5:
                        errors.append(f"save {i}: {exc!r} <- {exc.__cause__!r}")
        finished = time.time()
    except Exception as exc:  # noqa: BLE001 - e.g. a broken barrier
        failures, errors = saves, errors + [f"writer: {exc!r}"]
    finally:
        if store is not None:
            store.dispose()
        results.put((writer, failures, errors, started, finished, setup))


def _run_writers(url: str, writers: int, saves: int) -> dict:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(writers)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=_writer, args=(url, w, saves, barrier, results), daemon=True)
        for w in range(writers)
    ]
    wall = time.monotonic()
    for proc in procs:
        proc.start()
    reports = {}
    deadline = time.monotonic() + START_TIMEOUT_S + 600
    try:
        while len(reports) < writers:
            try:
                writer, *report = results.get(timeout=5)
            except queue.Empty:
                dead = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
                if dead or time.monotonic() > deadline:
                    raise AssertionError(
                        f"only {len(reports)} of {writers} writers reported; exit codes {dead}"
                    ) from None
                continue
            reports[writer] = report
    finally:
        for proc in procs:
            proc.join(timeout=60)
            if proc.is_alive():  # only our own children, each by its own handle
                proc.terminate()
                proc.join(timeout=10)
    wall = time.monotonic() - wall

    failures = {w: (f, e) for w, (f, e, _, _, _) in reports.items() if f}
    starts = [s for (_, _, s, _, _) in reports.values() if s]
    ends = [e for (_, _, _, e, _) in reports.values() if e]
    setup = max(t for (*_, t) in reports.values())
    elapsed = max(ends) - min(starts) if starts and ends else float("nan")
    total = writers * saves
    print(
        f"\n{url.split(':', 1)[0]}: {writers} processes x {saves} saves = {total} saves "
        f"in {elapsed:.2f}s ({total / elapsed:.0f} writes/s); "
        f"{wall:.2f}s including process start-up; "
        f"slowest concurrent Store() + ensure_learner: {setup:.2f}s; "
        f"{sum(f for f, _ in failures.values())} failures"
    )
    assert not failures, f"writers with failed saves: {failures}"
    return reports


def _check_everything_saved(url: str, writers: int, saves: int) -> None:
    per_writer = [_plan(w, i) for w in range(writers) for i in range(saves)]
    shared_saves = sum(1 for p in per_writer if p[0] == SHARED)
    own_keys = {(p[0], p[1], p[2]) for p in per_writer if p[0] != SHARED}

    store = Store(url)
    try:
        assert store.count_rows("learners") == writers + 1
        assert store.count_rows("revisions") == writers * saves  # not one save lost
        assert store.count_rows("answers") == len(own_keys) + 1
        with store.engine.connect() as conn:
            answers = _answer_keys(conn)
        assert len(set(answers)) == len(answers) == len(own_keys) + 1

        for w in range(writers):
            learner = f"writer-{w:03d}"
            plans = [_plan(w, i) for i in range(saves)]
            expected = {key: value for (who, act, key, value) in plans
                        if who == learner and act == "acceptance"}
            assert store.load(learner, "acceptance") == expected
            latest = [value for (who, act, _, value) in plans if who == learner and act == "upsert"]
            assert store.load(learner, "upsert") == {"latest": latest[-1]}  # the last write wins
            assert [r.value for r in store.history(learner, "upsert", "latest")] == latest

        shared = [r.value for r in store.history(SHARED, "upsert", "everyone")]
        assert len(shared) == shared_saves
        for w in range(writers):  # every writer's shared saves, in the order it made them
            mine = [v for v in shared if v["writer"] == w]
            assert mine == [p[3] for p in per_writer if p[0] == SHARED and p[3]["writer"] == w]
        assert store.load(SHARED, "upsert") == {"everyone": shared[-1]}
    finally:
        store.dispose()


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
