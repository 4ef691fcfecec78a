"""The per-learner quota in the store (issue 15): current answers refused past their limit, the
history thinned from its oldest runs, the counts kept right, settings from the environment."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from widgets_lib import CourseError
from widgets_lib.store import FULL, Quota, QuotaError, Store, _octets, revisions, usage
from widgets_lib.store import answers as answers_table


@pytest.fixture
def store(store_url, monkeypatch):
    """A fresh store with small quotas, on SQLite and on PostgreSQL."""
    monkeypatch.setenv("COURSE_QUOTA_ANSWERS_MB", "0.05")  # 50 KB
    monkeypatch.setenv("COURSE_QUOTA_HISTORY_MB", "0.2")
    monkeypatch.setenv("COURSE_QUOTA_HISTORY_ROWS", "400")
    s = Store(store_url)
    s.ensure_learner("l1", "code")
    yield s
    s.dispose()


def counted(store: Store, learner: str = "l1") -> tuple[int, int, int]:
    with store.engine.connect() as conn:
        return tuple(
            conn.execute(
                sa.select(usage.c.answer_bytes, usage.c.history_bytes, usage.c.history_rows).where(
                    usage.c.learner_id == learner
                )
            ).one()
        )


def real(store: Store, learner: str = "l1") -> tuple[int, int, int]:
    """The same figures added up from the rows themselves."""
    octets = _octets(store.engine.dialect.name)
    with store.engine.connect() as conn:
        answers = conn.execute(
            sa.select(sa.func.coalesce(sa.func.sum(octets(answers_table.c.value)), 0)).where(
                answers_table.c.learner_id == learner
            )
        ).scalar()
        history, rows = conn.execute(
            sa.select(
                sa.func.coalesce(sa.func.sum(octets(revisions.c.value)), 0), sa.func.count()
            ).where(revisions.c.learner_id == learner)
        ).one()
    return int(answers), int(history), int(rows)


def test_settings_come_from_the_environment_and_default_generously(monkeypatch):
    for name in ("COURSE_QUOTA_ANSWERS_MB", "COURSE_QUOTA_HISTORY_MB", "COURSE_QUOTA_HISTORY_ROWS"):
        monkeypatch.delenv(name, raising=False)
    assert Quota.from_env() == Quota(25_000_000, 50_000_000, 50_000)
    monkeypatch.setenv("COURSE_QUOTA_ANSWERS_MB", "1.5")
    monkeypatch.setenv("COURSE_QUOTA_HISTORY_MB", "lots")
    monkeypatch.setenv("COURSE_QUOTA_HISTORY_ROWS", "100")
    assert Quota.from_env() == Quota(1_500_000, 50_000_000, 100)


def test_a_save_past_the_answers_limit_is_refused_and_nothing_is_written(store):
    store.save("l1", "journal", "a", "é" * 20_000)  # 40,000 bytes in UTF-8
    before = (store.load("l1", "journal"), store.history("l1", "journal", "a"), counted(store))
    with pytest.raises(QuotaError) as caught:
        store.save("l1", "journal", "b", "x" * 20_000)
    assert isinstance(caught.value, CourseError)
    assert str(caught.value).startswith(
        "Your saved work has reached the course's limit of 0.05 MB, so this was not saved."
    )
    assert "Everything saved before is kept" in str(caught.value)
    assert (store.load("l1", "journal"), store.history("l1", "journal", "a"), counted(store)) == (
        before
    )
    store.save("l1", "journal", "a", "short now")  # making work smaller is always allowed
    store.save("l1", "journal", "b", "x" * 20_000)  # and frees room
    assert counted(store) == real(store)


def test_a_learner_saved_before_the_quota_is_counted_once_from_their_rows(store):
    store.save("l1", "journal", "a", "hello")
    store.save("l1", "journal", "a", "hello again")
    with store.engine.begin() as conn:
        conn.execute(usage.delete())
    store.save("l1", "journal", "b", "more")
    assert counted(store) == real(store)


def test_discarding_an_answer_frees_its_room(store):
    saved = store.save("l1", "draft:journal", "a", "x" * 30_000)
    assert store.discard("l1", "draft:journal", "a", saved.rev)
    assert counted(store) == real(store) and counted(store)[0] == 0
    assert not store.discard("l1", "draft:journal", "a", saved.rev)


def test_the_oldest_history_is_thinned_so_the_learner_can_go_on_saving(store):
    """Two answers saved in turn, 30 KB each: the history limit (200 KB) is passed many times
    over, yet every save goes through, the latest versions still read back, and the counts
    stay equal to the rows."""
    for turn in range(40):
        for key in ("a", "b"):
            store.save("l1", "journal", key, f"{key}{turn} " + "x" * 15_000)
    answers, history, rows = counted(store)
    assert (answers, history, rows) == real(store)
    assert history <= 200_000
    for key in ("a", "b"):
        kept = store.history("l1", "journal", key)
        assert kept[-1].value.startswith(f"{key}39 ") and len(kept) < 40
    assert store.load("l1", "journal")["a"].startswith("a39 ")


def test_thinning_keeps_whole_runs_so_changes_still_read_back(store, monkeypatch):
    """A big answer stored as changes (a network): thinning removes a full copy only with the
    changes after it, so the history that is left still rebuilds."""
    monkeypatch.setattr(store, "quota", Quota(2_000_000, 150_000, 10_000))
    schools = [{"name": f"School {i}", "phase": "primary"} for i in range(400)]
    for edit in range(120):
        schools[edit % 400]["phase"] = f"edit {edit}"
        store.save("l1", "network", "current", {"schools": schools})
    history = store.history("l1", "network", "current")
    assert history[-1].value == {"schools": schools}
    assert counted(store) == real(store) and counted(store)[1] <= 150_000
    with store.engine.connect() as conn:
        first_kind = conn.execute(
            sa.select(revisions.c.kind)
            .where(revisions.c.learner_id == "l1")
            .order_by(revisions.c.id)
        ).first()[0]
    assert first_kind == FULL


def test_when_only_the_latest_history_is_left_a_save_is_refused_with_words(store, monkeypatch):
    monkeypatch.setattr(store, "quota", Quota(1_000_000, 50_000, 10_000))
    store.save("l1", "journal", "a", "x" * 30_000)
    with pytest.raises(QuotaError, match="The history of your saved work has reached"):
        store.save("l1", "journal", "b", "y" * 30_000)
    assert store.load("l1", "journal") == {"a": "x" * 30_000}
    store.save("l1", "journal", "a", "z" * 30_000)  # the same answer again: its old copy goes
    assert [r.value[0] for r in store.history("l1", "journal", "a")] == ["z"]


def test_quotas_are_per_learner_and_erasure_forgets_the_count(store):
    store.ensure_learner("l2", "code")
    store.save("l1", "journal", "a", "x" * 45_000)
    store.save("l2", "journal", "a", "x" * 45_000)
    store.delete_learner("l1")
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(usage.c.learner_id)).scalars().all() == ["l2"]
