"""The delay schedule after wrong codes (widgets_lib.throttle), on a clock the test moves."""

from __future__ import annotations

import asyncio

import pytest

from tests.helpers import run_async
from widgets_lib import throttle
from widgets_lib.store import Store
from widgets_lib.throttle import Tally, Throttle, TooSoon


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_the_delay_doubles_from_one_second_after_the_first_wrong_guess_up_to_the_cap():
    assert [throttle.delay_after(n) for n in range(8)] == [0, 1, 2, 4, 8, 16, 32, 60]
    assert throttle.delay_after(10_000) == throttle.MAX_DELAY_S
    # Answered at 0, 1, 3, 7 and 15 s: five wrong guesses in the first 15 seconds.
    assert [throttle.answers_within(s) for s in (0, 0.9, 1, 3, 7, 15)] == [1, 1, 2, 3, 4, 5]
    assert throttle.retry_words(0.2) == "Try again in 1 second."
    assert throttle.retry_words(7.5) == "Try again in 8 seconds."


def test_failures_are_forgotten_after_a_quiet_period():
    tally = Tally()
    for _ in range(5):
        tally = throttle.failed(tally, 100.0)
    assert tally.failures == 5 and tally.next_at == 100.0 + 16
    later = 100.0 + throttle.QUIET_S + 1
    _taken, answer_at = throttle.reserve(tally, later)
    assert answer_at == later and throttle.failed(tally, later).failures == 1


def respond_with(right: set[str], answers: list[tuple[str, float | None]]):
    """A page's check: a guess in ``right`` is right, any other is counted wrong."""

    def make(guess: str):
        def respond(wrong) -> None:
            answers.append((guess, None if guess in right else wrong()))

        return respond

    return make


def test_wrong_guesses_wait_ever_longer_and_a_right_code_waits_only_the_wait_due():
    clock = Clock()
    guard = Throttle(lambda: None, client="", clock=clock)
    answers: list[tuple[str, float | None]] = []
    check = respond_with({"GOOD"}, answers)
    assert guard.attempt("learner", check("bad1"), hold=pytest.fail)  # the first: at once
    assert answers == [("bad1", 1.0)]
    with pytest.raises(TooSoon, match="Try again in 1 second"):  # no event loop to answer later
        guard.attempt("learner", check("bad2"), hold=pytest.fail)
    clock.now += 1
    guard.attempt("learner", check("bad3"), hold=pytest.fail)
    assert answers[-1] == ("bad3", 2.0)
    clock.now += 2
    guard.attempt("learner", check("GOOD"), hold=pytest.fail)  # due now: answered at once
    assert answers[-1] == ("GOOD", None)
    # A right code does not clear the count: one known code must not reset the schedule.
    clock.now += 0.5
    with pytest.raises(TooSoon):
        guard.attempt("learner", check("bad4"), hold=pytest.fail)
    # Each kind of code has its own schedule.
    guard.attempt("join", check("bad5"), hold=pytest.fail)
    assert answers[-1] == ("bad5", 1.0)


def test_a_held_guess_is_answered_by_a_timer_and_a_second_one_meanwhile_is_ignored():
    held: list[float] = []
    answers: list[tuple[str, float | None]] = []
    check = respond_with(set(), answers)

    async def run() -> None:
        guard = Throttle(lambda: None, client="")
        guard.attempt("tutor", check("one"), hold=held.append)
        assert guard.attempt("tutor", check("two"), hold=held.append)
        assert guard.waiting("tutor") and len(held) == 1 and 0 < held[0] <= 1
        assert not guard.attempt("tutor", check("three"), hold=held.append)
        done = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().call_later(held[0] + 0.2, done.set_result, None)
        await done

    run_async(run())
    assert [guess for guess, _ in answers] == ["one", "two"]


def test_one_visitors_tally_is_shared_through_the_store_by_every_kernel(tmp_path, monkeypatch):
    monkeypatch.setattr(throttle, "CLIENT_FREE", 0)  # the sharing itself, without the free few
    store = Store(f"sqlite:///{tmp_path}/throttle.db")
    try:
        clock = Clock()
        answers: list[tuple[str, float | None]] = []
        check = respond_with(set(), answers)
        first, second, stranger = (
            Throttle(lambda: store, client=name, clock=clock)
            for name in ("visitor-a", "visitor-a", "visitor-b")
        )
        first.attempt("learner", check("bad1"), hold=pytest.fail)
        with pytest.raises(TooSoon, match="1 second"):  # another kernel of the same visitor
            second.attempt("learner", check("bad2"), hold=pytest.fail)
        stranger.attempt("learner", check("bad3"), hold=pytest.fail)  # someone else: at once
        assert [guess for guess, _ in answers] == ["bad1", "bad3"]
        with store.engine.connect() as conn:
            keys = [row[0] for row in conn.exec_driver_sql("SELECT key FROM guesses")]
        assert len(keys) == 2 and not any("visitor" in key for key in keys)
        # Quiet tallies are forgotten by the next write.
        clock.now += throttle.QUIET_S + 10
        stranger.attempt("join", check("bad4"), hold=pytest.fail)
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM guesses").scalar() == 1
    finally:
        store.dispose()


def test_an_address_shared_by_a_class_gets_a_few_free_failures_then_the_schedule():
    """One school's address: its first CLIENT_FREE wrong guesses cost no wait; after them the
    doubling schedule runs as for a single page."""
    tally, now = throttle.Tally(), 1000.0
    for _ in range(throttle.CLIENT_FREE):
        _taken, answer_at = throttle.reserve(tally, now, throttle.CLIENT_FREE)
        assert answer_at == now
        tally = throttle.failed(tally, now, throttle.CLIENT_FREE)
    assert tally.next_at == now  # still no wait after the free failures
    tally = throttle.failed(tally, now, throttle.CLIENT_FREE)
    assert tally.next_at == now + throttle.FIRST_DELAY_S
    tally = throttle.failed(tally, now, throttle.CLIENT_FREE)
    assert tally.next_at == now + 2 * throttle.FIRST_DELAY_S
