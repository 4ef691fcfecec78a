"""The store: round trips on SQLite and PostgreSQL, default location, failures."""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.helpers import count_rows, read_only_file
from widgets_lib import store as store_module
from widgets_lib.store import Revision, SaveConflict, Store, StoreError, default_url

REPO = Path(__file__).resolve().parents[2]
MARKUP = "<img src=x onerror=alert(1)>"


def _raw_values(store: Store, table: str) -> list[str]:
    with store.engine.connect() as conn:
        return list(conn.execute(sa.select(store_module.metadata.tables[table].c.value)).scalars())


# -- round trips on both databases ---------------------------------------------
def test_tables_are_created_empty(store: Store) -> None:
    for table in store_module.iter_tables():
        assert count_rows(store, table) == 0


def test_ensure_learner_is_idempotent(store: Store) -> None:
    assert not store.learner_exists("alice")
    store.ensure_learner("alice", "code")
    store.ensure_learner("alice", "code")
    store.ensure_learner("alice", "hub")  # a second call never changes or duplicates
    assert store.learner_exists("alice")
    assert not store.learner_exists("bob")
    assert count_rows(store, "learners") == 1


def test_tables_survive_a_second_store_on_the_same_database(store_url: str) -> None:
    first = Store(store_url)
    first.ensure_learner("alice", "code")
    first.save("alice", "lesson-02", "q1", "yes")
    first.dispose()
    second = Store(store_url)
    try:
        assert second.learner_exists("alice")
        assert second.load("alice", "lesson-02") == {"q1": "yes"}
    finally:
        second.dispose()


def test_save_then_load(store: Store) -> None:
    store.ensure_learner("alice", "code")
    saved = store.save("alice", "lesson-02", "q1", "a school is its people")
    assert isinstance(saved.saved_at, str) and saved.saved_at and saved.rev == 1
    assert store.load("alice", "lesson-02") == {"q1": "a school is its people"}
    assert store.history("alice", "lesson-02", "q1") == [
        Revision("a school is its people", saved.saved_at)
    ]


def test_overwrite_keeps_latest_and_history_keeps_every_revision(store: Store) -> None:
    store.ensure_learner("alice", "code")
    values = ["first", "second", {"third": 3}, "fourth", "second"]
    stamps = [store.save("alice", "lesson-02", "q1", v).saved_at for v in values]
    assert store.load("alice", "lesson-02") == {"q1": "second"}
    history = store.history("alice", "lesson-02", "q1")
    assert [r.value for r in history] == values
    assert [r.saved_at for r in history] == stamps
    assert stamps == sorted(stamps)  # ISO timestamps of one process never go back
    assert count_rows(store, "answers") == 1
    assert count_rows(store, "revisions") == len(values)


@pytest.mark.parametrize(
    "value",
    [
        {"b": [1, 2, {"c": None}], "a": "x", "n": 1.5, "t": True},
        [1, "two", 3.0, None, False, ["nested"]],
        'She said "it\'s fine" \\ back\\slash',
        "Unicode: é ß 漢字 🙂 — \u2028 line sep",
        MARKUP,
        f'<script>alert("x")</script>{MARKUP}&amp; &lt;',
        "",
        0,
        -42,
        12345678901234567890,
        None,
    ],
    ids=[
        "dict",
        "list",
        "quotes",
        "unicode",
        "markup",
        "script",
        "empty",
        "zero",
        "negative",
        "bigint",
        "null",
    ],
)
def test_json_values_round_trip_verbatim(store: Store, value) -> None:
    store.ensure_learner("alice", "code")
    store.save("alice", "a", "k", value)
    loaded = store.load("alice", "a")["k"]
    assert loaded == value and type(loaded) is type(value)
    assert store.history("alice", "a", "k")[0].value == value
    # Stored as plain JSON text: no escaping of markup or non-ASCII characters.
    for raw in _raw_values(store, "answers") + _raw_values(store, "revisions"):
        assert json.loads(raw) == value
        if isinstance(value, str):
            assert raw == json.dumps(value, ensure_ascii=False)


def test_markup_is_stored_exactly_as_typed(store: Store) -> None:
    store.ensure_learner("alice", "code")
    store.save("alice", "a", "k", MARKUP)
    assert _raw_values(store, "answers") == [json.dumps(MARKUP)]
    assert MARKUP in _raw_values(store, "revisions")[0]


def test_learners_and_activities_are_separate(store: Store) -> None:
    for learner in ("alice", "bob"):
        store.ensure_learner(learner, "code")
        for activity in ("lesson-02", "lesson-03"):
            store.save(learner, activity, "q1", f"{learner}/{activity}")
    store.save("alice", "lesson-02", "q2", "only alice, only lesson 02")

    assert store.load("alice", "lesson-02") == {
        "q1": "alice/lesson-02",
        "q2": "only alice, only lesson 02",
    }
    assert store.load("alice", "lesson-03") == {"q1": "alice/lesson-03"}
    assert store.load("bob", "lesson-02") == {"q1": "bob/lesson-02"}
    assert store.load("bob", "lesson-03") == {"q1": "bob/lesson-03"}
    assert [r.value for r in store.history("bob", "lesson-02", "q1")] == ["bob/lesson-02"]
    assert store.history("bob", "lesson-02", "q2") == []


def test_unknown_learner_or_activity_loads_empty(store: Store) -> None:
    assert store.load("nobody", "lesson-02") == {}
    assert store.history("nobody", "lesson-02", "q1") == []
    store.ensure_learner("alice", "code")
    store.save("alice", "lesson-02", "q1", 1)
    assert store.load("alice", "lesson-99") == {}
    assert store.load("nobody", "lesson-02") == {}


def test_learner_exists(store: Store) -> None:
    assert store.learner_exists("alice") is False
    store.ensure_learner("alice", "hub")
    assert store.learner_exists("alice") is True
    assert store.learner_exists("ALICE") is False


def test_unreachable_database_raises_store_error(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "folder" / "course.db"
    with pytest.raises(StoreError, match="not saved"):
        Store(f"sqlite:///{missing}")


# -- where the database lives ---------------------------------------------------
def test_default_url_honours_course_db_url(monkeypatch, sqlite_url: str) -> None:
    monkeypatch.setenv("COURSE_DB_URL", sqlite_url)
    assert default_url() == sqlite_url
    s = Store()  # no URL: the environment decides
    try:
        assert s.url == sqlite_url
        s.ensure_learner("alice", "code")
        s.save("alice", "a", "k", "v")
    finally:
        s.dispose()
    assert Path(sqlite_url.removeprefix("sqlite:///")).exists()


def test_default_url_is_a_per_user_sqlite_file_outside_the_repository(
    monkeypatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("COURSE_DB_URL", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))  # keep the real home untouched
    monkeypatch.chdir(REPO)  # not relative to where the server was started

    url = default_url()
    assert url.startswith("sqlite:///")
    path = Path(url.removeprefix("sqlite:///"))
    assert path.is_absolute()
    assert path.name == "course.db"
    assert path.parent.is_dir()  # created on demand
    assert path.is_relative_to(home)
    assert not path.resolve().is_relative_to(REPO.resolve())

    s = Store()
    try:
        s.ensure_learner("alice", "code")
        s.save("alice", "a", "k", "v")
        assert s.load("alice", "a") == {"k": "v"}
    finally:
        s.dispose()
    assert path.exists()


# -- SQLite failures --------------------------------------------------------------
def _sqlite_with_answer(url: str) -> Path:
    s = Store(url)
    s.ensure_learner("alice", "code")
    s.save("alice", "lesson-02", "q1", "kept")
    s.dispose()
    return Path(url.removeprefix("sqlite:///"))


def test_read_only_database_refuses_saves_and_still_loads(sqlite_url: str) -> None:
    # Tests run as root, which ignores file permissions, so chmod alone would not
    # make the file read-only; SQLite's own read-only open mode does, for anyone.
    path = _sqlite_with_answer(sqlite_url)
    ro = Store(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        assert ro.learner_exists("alice")
        assert ro.load("alice", "lesson-02") == {"q1": "kept"}
        with pytest.raises(StoreError) as info:
            ro.save("alice", "lesson-02", "q1", "lost?")
        assert "read-only" in str(info.value) and "not saved" in str(info.value)
        with pytest.raises(StoreError, match="read-only"):
            ro.ensure_learner("bob", "code")
        # The failed save changed nothing and the store is still usable.
        assert ro.load("alice", "lesson-02") == {"q1": "kept"}
        assert [r.value for r in ro.history("alice", "lesson-02", "q1")] == ["kept"]
    finally:
        ro.dispose()
    rw = Store(sqlite_url)
    try:
        assert rw.load("alice", "lesson-02") == {"q1": "kept"}
        assert count_rows(rw, "revisions") == 1
    finally:
        rw.dispose()


def test_read_only_file_refuses_saves(sqlite_url: str) -> None:
    # Only the file: in a read-only folder SQLite cannot create the WAL index
    # (course.db-shm) and then cannot even read the database.
    path = _sqlite_with_answer(sqlite_url)
    with read_only_file(Path(path)):
        s = Store(sqlite_url)
        try:
            with pytest.raises(StoreError, match="read-only"):
                s.save("alice", "lesson-02", "q1", "lost?")
            assert s.load("alice", "lesson-02") == {"q1": "kept"}
        finally:
            s.dispose()


@pytest.mark.timeout(60)
def test_locked_database_raises_instead_of_hanging(monkeypatch, sqlite_url: str) -> None:
    path = _sqlite_with_answer(sqlite_url)
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_S", 1)
    s = Store(sqlite_url)
    holder = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        started = time.monotonic()
        with pytest.raises(StoreError) as info:
            s.save("alice", "lesson-02", "q1", "while locked")
        waited = time.monotonic() - started
        print(f"locked save failed after {waited:.2f}s")
        assert "busy" in str(info.value) and "not saved" in str(info.value)
        with pytest.raises(StoreError, match="busy"):
            s.ensure_learner("bob", "code")
        # WAL: a writer's lock never stops a learner from reading their work.
        assert s.load("alice", "lesson-02") == {"q1": "kept"}
        assert s.learner_exists("alice")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    try:
        # Once the lock is gone the same store saves again.
        s.save("alice", "lesson-02", "q1", "after the lock")
        assert s.load("alice", "lesson-02") == {"q1": "after the lock"}
        assert [r.value for r in s.history("alice", "lesson-02", "q1")] == [
            "kept",
            "after the lock",
        ]
    finally:
        s.dispose()


def test_copy_of_database_is_independent(sqlite_url: str, tmp_path: Path) -> None:
    """A copied file (backup) holds every committed answer: WAL is checkpointed on close."""
    path = _sqlite_with_answer(sqlite_url)
    copy = tmp_path / "backup.db"
    shutil.copy(path, copy)
    s = Store(f"sqlite:///{copy}")
    try:
        assert s.load("alice", "lesson-02") == {"q1": "kept"}
    finally:
        s.dispose()


def test_reads_of_an_unreachable_database_raise_store_error(tmp_path: Path) -> None:
    folder = tmp_path / "gone"
    folder.mkdir()
    s = Store(f"sqlite:///{folder / 'course.db'}")
    try:
        s.ensure_learner("alice", "code")
        shutil.rmtree(folder)  # e.g. a network share that went away
        with pytest.raises(StoreError, match="could not be reached"):
            s.learner_exists("alice")
        with pytest.raises(StoreError, match="could not be reached"):
            s.load("alice", "lesson-02")
        with pytest.raises(StoreError, match="could not be reached"):
            s.history("alice", "lesson-02", "q1")
        with pytest.raises(StoreError, match="could not be reached"):
            s.save("alice", "lesson-02", "q1", "lost")
    finally:
        s.dispose()


# -- revisions: a page that has not seen the latest save never overwrites it (issue 13.5) --
def test_every_save_gives_the_answer_its_next_revision(store: Store) -> None:
    store.ensure_learner("alice", "code")
    assert [store.save("alice", "a", "k", v).rev for v in ("one", "two", "three")] == [1, 2, 3]
    assert store.save("alice", "a", "other", "x").rev == 1
    saved = store.load_saved("alice", ["a"])["a"]
    assert {key: (s.value, s.rev) for key, s in saved.items()} == {
        "k": ("three", 3),
        "other": ("x", 1),
    }
    assert store.load_saved("alice") == {"a": saved}
    assert store.load_saved("alice", ["b"]) == {}


def test_save_at_the_revision_seen_writes_and_a_stale_one_is_refused(store: Store) -> None:
    store.ensure_learner("alice", "code")
    assert store.save("alice", "a", "k", "first", expected_rev=0).rev == 1  # none saved yet
    with pytest.raises(SaveConflict) as info:
        store.save("alice", "a", "k", "a page that saw nothing", expected_rev=0)
    assert info.value.stored_rev == 1 and isinstance(info.value, StoreError)
    assert store.save("alice", "a", "k", "second", expected_rev=1).rev == 2
    for stale in (1, 3):
        with pytest.raises(SaveConflict):
            store.save("alice", "a", "k", "stale", expected_rev=stale)
    # Nothing refused was written: not the answer, not the history.
    assert store.load("alice", "a") == {"k": "second"}
    assert [r.value for r in store.history("alice", "a", "k")] == ["first", "second"]
    with pytest.raises(SaveConflict) as info:  # removed since the page loaded it
        store.save("alice", "a", "gone", "x", expected_rev=4)
    assert info.value.stored_rev == 0


def test_two_pages_saving_at_once_from_the_same_revision_one_wins(store_url: str) -> None:
    """The comparison and the write are one statement: of pages that saw revision 1, exactly one saves."""
    first = Store(store_url)
    first.ensure_learner("alice", "code")
    first.save("alice", "a", "k", "seen by every page")
    pages = [Store(store_url) for _ in range(6)]
    barrier = threading.Barrier(len(pages))
    outcomes: list[str] = []

    def page(number: int, s: Store) -> None:
        barrier.wait()
        try:
            s.save("alice", "a", "k", f"page {number}", expected_rev=1)
            outcomes.append(f"page {number}")
        except SaveConflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=page, args=(n, s)) for n, s in enumerate(pages)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        winners = [o for o in outcomes if o != "refused"]
        assert len(outcomes) == len(pages) and len(winners) == 1
        assert first.load("alice", "a") == {"k": winners[0]}
        assert [r.value for r in first.history("alice", "a", "k")] == [
            "seen by every page",
            winners[0],
        ]
    finally:
        for s in (first, *pages):
            s.dispose()


def test_discard_removes_only_the_revision_seen_and_keeps_the_history(store: Store) -> None:
    store.ensure_learner("alice", "code")
    store.save("alice", "draft", "k", "one")
    store.save("alice", "draft", "k", "two")
    assert not store.discard("alice", "draft", "k", 1)  # a newer one was saved since
    assert store.load("alice", "draft") == {"k": "two"}
    assert store.discard("alice", "draft", "k", 2)
    assert store.load("alice", "draft") == {}
    assert [r.value for r in store.history("alice", "draft", "k")] == ["one", "two"]


def test_a_database_from_before_revisions_gets_them_on_start(store_url: str) -> None:
    """People have SQLite files (and servers) from older versions: the column is added, answers kept."""
    old = Store(store_url)
    old.ensure_learner("alice", "code")
    old.save("alice", "a", "k", "written by an older version")
    with old.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE answers DROP COLUMN rev")
    old.dispose()
    new, again = Store(store_url), Store(store_url)  # a second start finds it done
    try:
        assert new.load_saved("alice")["a"]["k"].rev == 1
        with pytest.raises(SaveConflict):
            new.save("alice", "a", "k", "a page that saw nothing", expected_rev=0)
        assert again.save("alice", "a", "k", "seen", expected_rev=1).rev == 2
    finally:
        new.dispose()
        again.dispose()


def test_an_old_sqlite_file_made_without_revisions_opens(sqlite_url: str) -> None:
    path = sqlite_url.removeprefix("sqlite:///")
    raw = sqlite3.connect(path)
    raw.executescript("""
        CREATE TABLE learners (id VARCHAR(64) PRIMARY KEY, kind VARCHAR(8) NOT NULL, created_at VARCHAR(32) NOT NULL);
        CREATE TABLE answers (learner_id VARCHAR(64) REFERENCES learners(id), activity VARCHAR(64),
            key VARCHAR(200), value TEXT NOT NULL, updated_at VARCHAR(32) NOT NULL,
            PRIMARY KEY (learner_id, activity, key));
        INSERT INTO learners VALUES ('alice', 'code', '2025-01-01');
        INSERT INTO answers VALUES ('alice', 'journal', 'r01a', '"kept"', '2025-01-01');
    """)
    raw.close()
    s = Store(sqlite_url)
    try:
        assert s.load("alice", "journal") == {"r01a": "kept"}
        assert s.save("alice", "journal", "r01a", "edited", expected_rev=1).rev == 2
    finally:
        s.dispose()
