"""Growing delays after wrong codes: guessing a learner code, join code, tutor key or the operator's
key is made pointless (issue 15).

Every wrong guess makes the next answer wait longer: nothing after the first wrong guess, then
1 s, 2 s, 4 s… doubling up to ``MAX_DELAY_S``; after ``QUIET_S`` without a wrong guess the count
starts again. The failures are counted twice, and a guess waits for the longer of the two:

* in the page's kernel (in memory), whoever sends the messages;
* for the visitor, across all their kernels, in the store's ``guesses`` table, when the server
  names the visitor in ``COURSE_CLIENT`` (an already hashed address; stored only as a keyed hash
  again). Without it (plain Voila, tests) only the kernel's count applies. A whole school may
  reach the course from one address, so the visitor's first ``CLIENT_FREE`` wrong guesses in a
  quiet period cost nobody a wait (a class's typing slips); each page still waits after its own.

A guess is answered after its wait by a timer on the kernel's event loop, so other widgets keep
working meanwhile, and one guess of each kind waits at a time per page (more are ignored). Each
guess takes the next free slot in the visitor's schedule before it is checked, so many kernels
guessing at once share one schedule instead of each getting its own. A right code is never held
longer than the wait already due, but does not clear the count: an attacker who knows one good
code must not be able to reset the schedule with it.
"""

from __future__ import annotations

import asyncio
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import CourseError
from .secret import keyed_hash

if TYPE_CHECKING:
    from .store import Store

FIRST_DELAY_S = 1.0
MAX_DELAY_S = 60.0
QUIET_S = 15 * 60.0
CLIENT_FREE = 10  # wrong guesses from one address before its shared schedule starts
CLIENT_ENV = "COURSE_CLIENT"
CHECKING = "Checking…"


def delay_after(failures: int) -> float:
    """How long the answer to the next guess waits after ``failures`` recent wrong guesses."""
    if failures <= 0:
        return 0.0
    return min(MAX_DELAY_S, FIRST_DELAY_S * 2 ** min(failures - 1, 32))


def answers_within(seconds: float) -> int:
    """How many wrong guesses, made one after another from a quiet start, are answered in the
    first ``seconds``: the requirement the attack tests check."""
    count, at = 0, 0.0
    while at <= seconds:
        count += 1
        at += delay_after(count)
    return count


def retry_words(seconds: float) -> str:
    """``Try again in 8 seconds.``: whole seconds, rounded up."""
    whole = max(1, math.ceil(seconds - 1e-6))
    return f"Try again in {whole} second{'s' if whole != 1 else ''}."


@dataclass(frozen=True)
class Tally:
    """Recent wrong guesses of one kind from one kernel or visitor (times in epoch seconds)."""

    failures: int = 0
    last_failure: float = 0.0
    next_at: float = 0.0  # no guess is answered before this time

    def recent(self, now: float) -> int:
        """The failures still counted: none after a quiet period."""
        return self.failures if now - self.last_failure < QUIET_S else 0


def reserve(tally: Tally, now: float, free: int = 0) -> tuple[Tally, float]:
    """Take the next slot for a guess: when it will be answered, and the tally with the slot taken
    (the following guess waits at least one more delay after it). The first ``free`` failures
    cause no wait."""
    failures = tally.recent(now)
    answer_at = max(now, tally.next_at) if failures else now
    delay = delay_after(failures - free)
    return Tally(failures, tally.last_failure, answer_at + delay), answer_at


def failed(tally: Tally, now: float, free: int = 0) -> Tally:
    """Count one more wrong guess: the next one waits the delay of the longer count."""
    failures = tally.recent(now) + 1
    return Tally(failures, now, max(tally.next_at, now + delay_after(failures - free)))


class TooSoon(CourseError):
    """A guess that must wait, where no event loop can answer it later (outside a kernel)."""


class Throttle:
    """One page's guard on code guesses: its kernel's tally, and the visitor's in the store."""

    def __init__(
        self,
        store: Callable[[], Store],
        client: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._client = client
        self._clock = clock
        self._kernel: dict[str, Tally] = {}
        self._waiting: set[str] = set()

    def _update(self, kind: str, change: Callable[[Tally, int], Tally]) -> list[Tally]:
        """Apply ``change(tally, free)`` to the kernel's tally (no free failures) and the
        visitor's (``CLIENT_FREE``); both new tallies."""
        now = self._clock()
        mine = self._kernel[kind] = change(self._kernel.get(kind, Tally()), 0)
        tallies = [mine]
        client = self.client
        if client:
            key = keyed_hash("guesses", f"{kind}\x00{client}")
            tallies.append(
                self._store().tally_guesses(
                    key, lambda tally: change(tally, CLIENT_FREE), forget_before=now - QUIET_S
                )
            )
        return tallies

    @property
    def client(self) -> str | None:
        """The visitor, as the server named them; read at each guess, as a pre-heated kernel
        learns its visitor only when the page is requested."""
        return (os.environ.get(CLIENT_ENV) if self._client is None else self._client) or None

    def waiting(self, kind: str) -> bool:
        """Whether a guess of this kind is held on this page."""
        return kind in self._waiting

    def attempt(
        self,
        kind: str,
        respond: Callable[[Callable[[], float]], None],
        hold: Callable[[float], None],
    ) -> bool:
        """Answer a well-formed guess of ``kind`` now or after the wait due.

        ``respond(wrong)`` checks the guess and shows the outcome; on a wrong guess it calls
        ``wrong()``, which counts it and returns the seconds until the next guess is answered (for
        "Try again in …"). While a guess waits, ``hold(seconds)`` has shown "Checking…"; ``respond``
        runs on the event loop's timer and must show its own errors. False when a guess of this
        kind is already waiting on this page: the new one is ignored.
        """
        if kind in self._waiting:
            return False
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        slots: list[float] = []

        def take(tally: Tally, free: int) -> Tally:
            now = self._clock()
            taken, answer_at = reserve(tally, now, free)
            slots.append(answer_at - now)
            # A guess refused for want of a loop is not checked, so it takes no slot.
            return tally if loop is None and answer_at > now else taken

        self._update(kind, take)
        wait = max(slots)

        def wrong() -> float:
            tallies = self._update(kind, lambda tally, free: failed(tally, self._clock(), free))
            return max(t.next_at for t in tallies) - self._clock()

        if wait <= 0:
            respond(wrong)
            return True
        if loop is None:
            raise TooSoon(f"Please wait. {retry_words(wait)}")

        def answer() -> None:
            self._waiting.discard(kind)
            respond(wrong)

        self._waiting.add(kind)
        hold(wait)
        loop.call_later(wait, answer)
        return True
