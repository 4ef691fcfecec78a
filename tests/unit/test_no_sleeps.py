"""Tests wait on what a person would see, never on a fixed delay.

A fixed sleep is either too short on a loaded machine (the test fails, or an absence is checked
before the page has drawn anything) or too long everywhere else. Browser tests wait with
Playwright's auto-retrying ``expect`` or ``page.wait_for_function`` on a page state instead.
"""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
FIXED_WAIT = re.compile(r"\b(?:time\.sleep|asyncio\.sleep|wait_for_timeout)\(")

# Files that may keep a fixed wait, each with why. Keep this short: a new entry needs a reason
# why there is nothing on the page to wait on.
ALLOWED: dict[str, str] = {
    # The server is polled over HTTP and through its log until its kernel pools are filled: there
    # is no page yet. Deadline and failure message included.
    "helpers.py": "CourseServer.wait_ready polls a starting server (no page yet)",
    # pg_isready is polled until the test PostgreSQL server accepts connections (no page).
    "conftest.py": "the test PostgreSQL server is polled with pg_isready until it starts, and a "
    "test database is dropped again once an autovacuum worker on it has finished",
    # JupyterHub's API is polled until the hub answers (no page yet).
    "hub/conftest.py": "JupyterHub is polled over HTTP until it answers",
    # The screenshot tool (`make screens`), not a test: it pauses for drawings to settle.
    "screens.py": "the screenshot tool pauses before each picture; it asserts nothing",
    # Owned by the person layer, not edited here: it polls the store for a saved value.
    "person/test_two_tabs.py": "tests/person/ is not ours to edit; it polls the store",
    # The pause is the scenario itself: the tab is closed one second after the last keystroke.
    "browser/test_reflection_journey.py": "the tab is closed a second after typing: the pause is what is tested",
    # The pause is the claim itself: what was typed a second before the kernel dies is saved.
    "browser/test_kernel_killed.py": (
        "what was typed a second before the kill must be saved: the pause is what is tested"
    ),
    # Tabs closed a second after typing and two seconds before a database lock goes (the
    # scenarios); the store polled after the tab has gone (no page left); an in-process widget
    # polled from a thread (no browser). Its wait_acknowledged still polls the page's status.
    "reliability/test_crash_safety.py": "scenario pauses; store and in-process polls with no page",
    # A raw websocket client talks to the kernel (no page): it polls its own received frames;
    # and the store is polled for B's save.
    "reliability/test_widget_messages.py": "a raw kernel websocket client and a store poll (no page)",
    # The request socket's server starts listening a second late: the delay is the scenario.
    "unit/test_visit.py": "the server is started a second late: the pause is what is tested",
    # The server log is polled for the course's "ready" line (no page).
    "reliability/test_readiness.py": "polls the server log for its ready line (no page)",
    # The store is polled until the last keystrokes land (wait_until). Its wait_saved still
    # polls the page's status.
    "reliability/test_injection.py": "polls the store for the last keystrokes",
}


def fixed_waits() -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for path in sorted(TESTS.rglob("*.py")):
        if path == Path(__file__).resolve() or "__pycache__" in path.parts:
            continue
        lines = [
            n
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if FIXED_WAIT.search(line)
        ]
        if lines:
            found[path.relative_to(TESTS).as_posix()] = lines
    return found


def test_no_test_waits_a_fixed_time():
    found = fixed_waits()
    unexpected = [
        f"tests/{path}:{line}"
        for path, lines in found.items()
        if path not in ALLOWED
        for line in lines
    ]
    assert not unexpected, (
        "fixed waits; wait on what the page shows instead (Playwright's expect "
        "or page.wait_for_function):\n" + "\n".join(unexpected)
    )


def test_the_allow_list_has_no_stale_entries():
    stale = sorted(set(ALLOWED) - set(fixed_waits()))
    assert not stale, f"no fixed wait left in these, take them off ALLOWED: {stale}"
