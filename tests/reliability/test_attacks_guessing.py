"""Guessing codes is made pointless (issue 15, rows 7 and 8).

An attacker drives the real widgets in-process, as a forged widget message would: it types a
well-formed guess, waits for the page's answer and types the next one at once. Before the change
every guess was answered at once (thousands a second here, about 300 a second through a real
server); now every wrong guess makes the next answer wait longer, in the page's kernel and, when
the server names the visitor (``COURSE_CLIENT``), for that visitor across every kernel. The pages
run inside a running event loop, as they do in a kernel, so a held answer comes from a timer.

Each test prints its figure. The only claim on time is the requirement itself: at most the number
of wrong guesses the delay schedule allows in the first seconds, plus one for slack.
"""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets as widgets
import pytest

from tests.helpers import run_async
from widgets_lib import cohorts, identity, secret, throttle
from widgets_lib.store import Store
from widgets_lib.views.dashboard import Dashboard
from widgets_lib.views.lesson import Lesson

ATTACK_S = 4.0  # per attack: the schedule allows 3 answers (at 0, 1 and 3 s)
OPERATOR_KEY = "operator-key-for-the-guessing-tests"


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.delenv("COURSE_CLIENT", raising=False)
    monkeypatch.delenv("COURSE_OPERATOR_KEY", raising=False)
    s = Store(f"sqlite:///{tmp_path}/guessing.db")
    yield s
    s.dispose()


@dataclass
class Target:
    """One way in: how a guess is typed, where the answer appears, and what a wrong answer says."""

    submit: Callable[[str], None]
    answer: widgets.HTML
    wrong: str
    new_guess: Callable[[], str]


def learner_code_target(store: Store) -> Target:
    lesson = Lesson("00", store=store, show=False)
    lesson.finish(query_string="", show=False)

    def submit(guess: str) -> None:
        lesson.identity.code_box.value = guess  # Enter in the box, as a message would send it

    return Target(submit, lesson.identity.message, "No work is saved", identity.new_code)


def join_code_target(store: Store) -> Target:
    cohorts.create(store, "The real cohort")
    lesson = Lesson("00", store=store, show=False)
    view = lesson.activity("cohort", show=False)
    lesson.finish(query_string="", show=False)
    lesson.identity.start_button.click()
    view.name.value = "Mallory"

    def submit(guess: str) -> None:
        view.code.value = guess
        view.join.click()

    return Target(submit, view.status, "No cohort has the join code", identity.new_join_code)


def tutor_key_target(store: Store) -> Target:
    cohorts.create(store, "The real cohort")
    page = Dashboard(store=store, show=False)
    page.finish("")

    def submit(guess: str) -> None:
        page.key.value = guess
        page.open_button.click()

    return Target(submit, page.key_message, "not recognised", identity.new_tutor_key)


TARGETS = {
    "learner code": learner_code_target,
    "join code": join_code_target,
    "tutor key": tutor_key_target,
}


async def answered(target: Target, deadline: float) -> bool:
    """Wait until the page says the guess was wrong; False if the deadline comes first."""
    if target.wrong in target.answer.value:
        return True
    loop = asyncio.get_running_loop()
    done = loop.create_future()

    def seen(change: dict) -> None:
        if target.wrong in change["new"] and not done.done():
            done.set_result(None)

    target.answer.observe(seen, names="value")
    try:
        await asyncio.wait_for(done, max(deadline - time.monotonic(), 0))
        return True
    except asyncio.TimeoutError:
        return False
    finally:
        target.answer.unobserve(seen, names="value")


async def attack(target: Target, seconds: float) -> int:
    """Guess one after another for ``seconds``; how many wrong guesses were answered."""
    deadline = time.monotonic() + seconds
    count = 0
    while time.monotonic() < deadline:
        target.answer.value = ""  # the attacker's own bookkeeping: forget the last answer
        target.submit(target.new_guess())
        if not await answered(target, deadline):
            break
        count += 1
    return count


def allowed(seconds: float) -> int:
    """What the delay schedule lets through in ``seconds`` from a quiet start, plus one for slack."""

    return throttle.answers_within(seconds) + 1


@pytest.mark.parametrize("kind", list(TARGETS))
def test_guessing_a_code_in_one_page_is_slowed_to_the_schedule(store, kind):
    async def run() -> int:
        return await attack(TARGETS[kind](store), ATTACK_S)

    count = run_async(run())
    print(f"\n{kind}: {count} wrong guesses answered in {ATTACK_S:g} s ({count / ATTACK_S:.1f}/s)")
    assert count <= allowed(ATTACK_S)


@pytest.mark.parametrize("kind", list(TARGETS))
def test_guessing_from_many_pages_of_one_visitor_shares_one_schedule(store, monkeypatch, kind):
    """Four kernels of one visitor (one ``COURSE_CLIENT``) guessing at once get no more answers
    than one: the failures are counted in the store, not in each kernel. (The few free failures
    an address gets, for a class behind one school address, are set to none here: with them the
    same schedule starts ``CLIENT_FREE`` failures later.)"""
    monkeypatch.setenv("COURSE_CLIENT", "one-visitor")
    monkeypatch.setattr(throttle, "CLIENT_FREE", 0)
    pages = 4

    async def run() -> int:
        targets = [TARGETS[kind](store) for _ in range(pages)]
        counts = await asyncio.gather(*(attack(target, ATTACK_S) for target in targets))
        return sum(counts)

    count = run_async(run())
    print(
        f"\n{kind}, {pages} pages of one visitor: {count} wrong guesses answered in "
        f"{ATTACK_S:g} s ({count / ATTACK_S:.1f}/s)"
    )
    # The first guess of each page may be answered at once, before any failure is recorded.
    assert count <= allowed(ATTACK_S) + pages - 1


def test_an_anonymous_visitor_cannot_create_a_cohort(store):
    """On a standalone server the dashboard creates a cohort only with the operator's key."""
    page = Dashboard(store=store, show=False)
    page.finish("")
    deadline = time.monotonic() + 1.0
    clicks = 0
    while time.monotonic() < deadline:
        page.new_name.value = f"Cohort {clicks}"
        page.create_button.click()  # as a forged widget message would
        clicks += 1
    with store.engine.connect() as conn:
        made = conn.exec_driver_sql("SELECT count(*) FROM cohorts").scalar()
    print(f"\n{made} cohorts created by an anonymous visitor in 1 s ({clicks} clicks)")
    assert made == 0


def test_guessing_the_operator_key_is_slowed_and_the_right_key_creates(store, monkeypatch):
    monkeypatch.setenv("COURSE_OPERATOR_KEY", OPERATOR_KEY)
    page = Dashboard(store=store, show=False)
    page.finish("")
    target = Target(
        submit=lambda guess: (
            setattr(page.operator_key, "value", guess),
            setattr(page.new_name, "value", "Guessed"),
            page.create_button.click(),
        ),
        answer=page.status,
        wrong="operator key was not recognised",
        new_guess=lambda: secret.keyed_hash("guess", str(time.monotonic()))[:24],
    )
    count = run_async(attack(target, ATTACK_S))
    print(f"\noperator key: {count} wrong guesses answered in {ATTACK_S:g} s")
    assert count <= allowed(ATTACK_S)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM cohorts").scalar() == 0


def _old_hashes(kind: str, code: str) -> set[str]:
    """Every unkeyed SHA-256 an offline guesser would try: the code as typed, bare, and the old
    stored form (``course-learner:<kind>:<code>``)."""
    bare = code.replace("-", "")
    spellings = {code, bare, code.lower(), bare.lower(), f"course-learner:{kind}:{code}"}
    return {hashlib.sha256(text.encode()).hexdigest() for text in spellings}


def test_a_copy_of_the_database_cannot_check_a_guess(store, tmp_path, monkeypatch):
    """The stored forms are keyed hashes: SHA-256 of the right code matches nothing stored, and
    the join code is nowhere in the file."""
    lesson = Lesson("00", store=store, show=False)
    lesson.finish(query_string="", show=False)
    lesson.identity.start_button.click()
    code = lesson.learner.code
    _cohort, join_code, tutor_key = cohorts.create(store, "Spring")
    path = tmp_path / "guessing.db"
    with sqlite3.connect(path) as db:
        learner_ids = {row[0] for row in db.execute("SELECT id FROM learners")}
        join_keys = {row[0] for row in db.execute("SELECT join_key FROM cohorts")}
        tutor_keys = {row[0] for row in db.execute("SELECT tutor_key FROM cohorts")}
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("guessing.db*"))
    found = {
        "learner code": bool(learner_ids & _old_hashes("code", code)),
        "join code": bool(join_keys & _old_hashes("join", join_code))
        or join_code.encode() in raw
        or join_code.replace("-", "").encode() in raw,
        "tutor key": bool(tutor_keys & _old_hashes("tutor", tutor_key)),
    }
    print(f"\nchecked offline with SHA-256 (or found in the file): {found}")
    assert not any(found.values())
    # The stored form depends on the server's secret: with another secret the code gives another hash.
    assert identity.code_key(code) in learner_ids
    monkeypatch.setenv("COURSE_SECRET", "another-secret-" + "x" * 32)
    secret.server_secret.cache_clear()
    try:
        assert identity.code_key(code) not in learner_ids
    finally:
        secret.server_secret.cache_clear()
