"""Crash safety: nothing acknowledged is lost and nothing is half written, whatever fails.

Faults injected, all real: writer processes killed with SIGKILL in the middle of saving into a
real SQLite file; a page's kernel killed with SIGKILL right after typing; the whole course server
and its kernels killed with SIGKILL, then a new server started on the same file; a tab closed a
second after typing (also while the kernel still waits for a locked database); another program
holding the database locked (``BEGIN EXCLUSIVE``); the database file made read-only.

"Acknowledged" means the writer had returned from ``Store.save`` (store level) or the page said
"✓ All changes saved" (pages). The number of faults injected and of acknowledged rows lost is
printed at the end (``pytest -s``); rows lost must be 0. Timings are printed, never asserted.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import re
import shutil
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.helpers import (
    LESSON_FILES,
    CourseServer,
    Offsite,
    kernel_pid,
    read_only_file,
    settled_text,
)
from widgets_lib.identity import code_key
from widgets_lib.store import Store

SAVED = "✓ All changes saved"
LESSON_01, LESSON_08 = "01_why_networks.ipynb", "08_next_steps.ipynb"
TALLY = {"faults": 0, "lost": 0}


@pytest.fixture(scope="module", autouse=True)
def _tally() -> Iterator[None]:
    yield
    print(
        f"\ncrash safety: {TALLY['faults']} faults injected, {TALLY['lost']} acknowledged rows lost"
    )


def _fault(count: int = 1) -> None:
    TALLY["faults"] += count


# -- the database, read directly -------------------------------------------------------------
def _connect(db: Path) -> sqlite3.Connection:
    """A plain connection (opening it recovers the WAL a killed writer left, as a kernel would)."""
    return sqlite3.connect(db, timeout=60)


def check_consistent(db: Path) -> None:
    """The file is sound and every save is whole: each answer is its latest revision, and no
    answer exists without a revision or a revision without its answer. Revisions are read back
    through the store, which rebuilds those stored as changes."""
    conn = _connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        answers = {
            (learner, a, k): (json.loads(v), t)
            for learner, a, k, v, t in conn.execute(
                "SELECT learner_id, activity, key, value, updated_at FROM answers"
            )
        }
        keys = conn.execute("SELECT DISTINCT learner_id, activity, key FROM revisions").fetchall()
    finally:
        conn.close()
    store = Store(f"sqlite:///{db}")
    try:
        latest = {}
        for key in keys:
            last = store.history(*key)[-1]
            latest[key] = (last.value, last.saved_at)
    finally:
        store.dispose()
    assert set(answers) == set(latest), "an answer without its revision, or the reverse"
    differ = [key for key in answers if answers[key] != latest[key]]
    assert differ == [], f"answers that are not their latest revision: {differ[:5]}"


def saved_text(db: Path, code: str, activity: str, key: str) -> str | None:
    """One answer as stored (JSON text decoded), read past any writer's lock (WAL)."""
    conn = _connect(db)
    try:
        row = conn.execute(
            "SELECT value FROM answers WHERE learner_id = ? AND activity = ? AND key = ?",
            (code_key(code), activity, key),
        ).fetchone()
    finally:
        conn.close()
    return json.loads(row[0]) if row else None


def wait_stored(
    db: Path, code: str, activity: str, key: str, wanted, timeout_s: float = 120
) -> None:
    """Wait until a closed tab's kernel has stored ``wanted`` (it carries on without the page)."""
    deadline = time.monotonic() + timeout_s
    while saved_text(db, code, activity, key) != wanted and time.monotonic() < deadline:
        time.sleep(0.5)


# -- 1. writers killed mid-save (store level) ------------------------------------------------
ROUNDS, WRITERS = 15, 3  # 30 rounds in development: no loss; fewer keep the suite within CI time


def write_until_killed(url: str, learner: str, seq: int, acks) -> None:
    """A kernel's saves, as fast as it can: after each ``save`` returns, the sequence number is
    sent to the test (one small write to a pipe, so it arrives whole or not at all)."""
    store = Store(url)
    store.ensure_learner(learner, "code")
    rng = random.Random(seq)
    acks.send("ready")
    while True:
        text = "Réponse ✓ <b>" + "x" * rng.randrange(10, 20000)  # one to several pages a save
        store.save(learner, "crash", f"q{seq % 5}", {"seq": seq, "text": text})
        acks.send(seq)
        seq += 1


def _forkserver():
    """Writers forked from a server that has already imported the store: real processes that
    start in milliseconds, so most of the time goes to saving and killing, not importing."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["widgets_lib.store", __name__])
    return ctx


class Writer:
    """One writer process and every save it acknowledged before it was killed."""

    def __init__(self, ctx, url: str, learner: str, first: int) -> None:
        self.acked: list[int] = []
        self._acks, child_end = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(
            target=write_until_killed, args=(url, learner, first, child_end), daemon=True
        )
        self.proc.start()
        child_end.close()

    def kill_after(self, seconds: float) -> None:
        """SIGKILL the writer ``seconds`` after it is ready, then collect what it acknowledged."""
        assert self._acks.poll(120) and self._acks.recv() == "ready", "the writer did not start"
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self._acks.poll(max(deadline - time.monotonic(), 0)):
                self.acked.append(self._acks.recv())
        self.proc.kill()
        self.proc.join(30)
        assert self.proc.exitcode == -signal.SIGKILL, self.proc.exitcode
        while self._acks.poll():
            try:
                self.acked.append(self._acks.recv())
            except EOFError:
                break
        self._acks.close()


def _sequences(db: Path, learner: str) -> list[int]:
    """The sequence numbers of one writer's saves, in the order the database holds them (read
    through the store, which rebuilds revisions stored as changes)."""
    if not db.exists():
        return []
    store = Store(f"sqlite:///{db}")
    try:
        return [entry["value"]["seq"] for entry in store.export_learner(learner)["history"]]
    finally:
        store.dispose()


@pytest.mark.timeout(600)
def test_writers_killed_mid_save_leave_no_half_written_save(tmp_path: Path) -> None:
    db = tmp_path / "course.db"
    url = f"sqlite:///{db}"
    ctx = _forkserver()
    rng = random.Random(20270301)
    learners = [f"crash-writer-{n}" for n in range(WRITERS)]
    acked: dict[str, set[int]] = {learner: set() for learner in learners}
    started = time.monotonic()
    for _round in range(ROUNDS):
        # Each writer carries on where the killed one stopped, as a reloaded page would.
        writers = {
            learner: Writer(ctx, url, learner, len(_sequences(db, learner))) for learner in learners
        }
        # Killed at independent moments: in the first save, between saves, during a commit…
        killers = [
            threading.Thread(target=w.kill_after, args=(rng.choice([0.0, 0.05, 0.2, 0.5]),))
            for w in writers.values()
        ]
        for killer in killers:
            killer.start()
        for killer in killers:
            killer.join()
        _fault(len(writers))
        check_consistent(db)
        for learner, writer in writers.items():
            acked[learner].update(writer.acked)
            seqs = _sequences(db, learner)
            assert seqs == list(range(len(seqs))), f"{learner}: saves missing or out of order"
            lost = acked[learner] - set(seqs)
            TALLY["lost"] += len(lost)
            assert not lost, f"{learner}: acknowledged saves lost: {sorted(lost)}"
            if writer.acked:  # at most the one save in flight when it died went in unacknowledged
                assert len(seqs) - 1 <= max(writer.acked) + 1
    total = sum(len(a) for a in acked.values())
    print(
        f"\n{ROUNDS} rounds x {WRITERS} writers killed with SIGKILL mid-save: {total} "
        f"acknowledged saves, all present; {time.monotonic() - started:.1f}s"
    )
    assert total > ROUNDS  # the writers really were saving when they were killed


# -- pages: helpers --------------------------------------------------------------------------
def start(page, server: CourseServer, lesson: str) -> str:
    """Open a lesson, press Start and return the new learner code."""
    page.goto(f"{server.url}/voila/render/{lesson}")
    page.get_by_role("button", name="Start the course (get a new code)").click()
    return page.locator(".course-code").inner_text().strip()


def resume(page, server: CourseServer, lesson: str, code: str) -> None:
    page.goto(f"{server.url}/voila/render/{lesson}?learner={code}")


def activity_of(page, inner):
    """The one activity holding ``inner`` (a selector or a locator)."""
    return page.locator(
        ".course-activity", has=page.locator(inner) if isinstance(inner, str) else inner
    )


def reflection_box(page, number: int = 0):
    """A reflection box, once the learner's work is back in the page's boxes."""
    page.wait_for_selector(".course-reflection textarea:not([disabled])", timeout=120_000)
    return page.locator(".course-reflection textarea").nth(number)


def wait_acknowledged(part, timeout_s: float = 120.0) -> None:
    """The activity says "✓ All changes saved" and keeps saying it (later keystrokes are in)."""
    status = part.locator(".course-save-status").first
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        text = status.inner_text()
        assert "✗ Not saved:" not in text, text
        if SAVED in text and part.locator(".course-status-saving").count() == 0:
            if (
                SAVED in settled_text(status, quiet_s=1.5, timeout_s=timeout_s)
                and part.locator(".course-status-saving").count() == 0
            ):
                return
        time.sleep(0.2)
    raise AssertionError(f"not saved in {timeout_s}s: {status.inner_text()!r}")


def plan_ready(page):
    """Lesson 08's plan, once the learner's plan and form are back on the page."""
    part = activity_of(page, "button:has-text('Add to the plan')")
    part.locator(".course-save-status", has_text="Your plan is saved").wait_for(timeout=120_000)
    return part


def note_box(page):
    """Lesson 08's note on the first challenge (distance), once it can be typed in."""
    note = page.get_by_label(re.compile("Your note on distance"))
    note.and_(page.locator(":not([disabled])")).wait_for(timeout=120_000)
    return note


class Contexts:
    """Browser contexts for one of this module's own servers: like ``new_context``
    (tests/conftest.py), they refuse every request leaving the server and fail on any dialog."""

    def __init__(self, browser, server: CourseServer) -> None:
        self.browser, self.offsite, self.dialogs, self.made = browser, Offsite(server), [], []

    def new_page(self):
        context = self.browser.new_context(
            bypass_csp=True, viewport={"width": 1200, "height": 1000}
        )
        context.set_default_timeout(60_000)
        context.set_default_navigation_timeout(120_000)
        context.route("**/*", self.offsite.route)
        self.made.append(context)
        page = context.new_page()
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        return page

    def close(self) -> None:
        for context in self.made:
            context.close()
        left = self.offsite.requests
        assert left == [], f"requests left the course server: {left}"
        assert self.dialogs == [], f"a script opened a dialog: {self.dialogs}"


@contextmanager
def own_server(
    folder: Path, name: str, lessons: list[str], browser
) -> Iterator[tuple[CourseServer, Contexts]]:
    """A course server of this module's own on ``folder/course.db`` with kernels pre-heated only
    for ``lessons`` and pools refilled at once (ready in seconds), and contexts for it."""
    others = [f for f in LESSON_FILES if f not in lessons] + ["tutor/dashboard.ipynb"]
    env = {"COURSE_POOLS": ",".join(f"{f}=0" for f in others), "COURSE_REFILL_DELAY_S": "0"}
    server = CourseServer(
        f"sqlite:///{folder / 'course.db'}", folder / f"{name}.log", pool_size=1, extra_env=env
    )
    try:
        server.wait_ready(lessons, timeout=240)
        contexts = Contexts(browser, server)
        try:
            yield server, contexts
        finally:
            contexts.close()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def own(tmp_path_factory, browser):
    """(server, its database file, contexts): one server for every test here but the restart."""
    folder = tmp_path_factory.mktemp("crash-safety")
    with own_server(folder, "server", [LESSON_01, LESSON_08], browser) as (server, contexts):
        yield server, folder / "course.db", contexts


# -- 1b. a page's kernel killed right after typing ---------------------------------------------
ACKED = "We met as heads only <b>until</b> March; "
UNACKED = "then our teaching assistants began to lead the enquiry groups."


@pytest.mark.browser
def test_kernel_killed_right_after_typing_keeps_what_was_acknowledged(own):
    server, db, contexts = own
    page = contexts.new_page()
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    code = start(page, server, LESSON_01)
    box, part = reflection_box(page), activity_of(page, ".course-reflection")
    box.click()
    page.keyboard.type(ACKED, delay=15)
    wait_acknowledged(part)
    acknowledged = box.input_value()
    assert acknowledged == ACKED
    kernels = {
        m.group(1) for url in sockets if (m := re.search(r"/api/kernels/([0-9a-f-]{36})/", url))
    }
    assert len(kernels) == 1, sockets
    pid = kernel_pid(kernels.pop())
    page.keyboard.type(UNACKED, delay=15)
    os.kill(pid, signal.SIGKILL)  # right after the last keystroke
    _fault()
    page.close()

    page = contexts.new_page()
    resume(page, server, LESSON_01, code)
    saved = reflection_box(page).input_value()
    TALLY["lost"] += not saved.startswith(acknowledged)
    assert saved.startswith(acknowledged), saved  # everything acknowledged is there
    assert (ACKED + UNACKED).startswith(saved), saved  # and nothing is garbled or half written
    check_consistent(db)


# -- 2. the whole server killed, then started again on the same file ---------------------------
REFLECTIONS = [
    "Competition kept us apart <i>for years</i>. ",
    "We avoided the row about admissions.",
]
PLAN_WHAT = 'A joint enquiry on reading "><svg onload=alert(1)>'
NOTE = "The nearest partner school is 40 miles away."


def _kernels_of(server_pid: int) -> dict[int, Path]:
    """The server's kernels and their connection files' folders: each kernel runs in a session of
    its own, a child of the server (launched by it, or forked from its template and adopted by it),
    with its connection file on its command line."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                args = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            words = args.replace("\0", " ").split()
            if parent == server_pid and "-f" in words and "ipykernel_launcher" in args:
                found[int(entry.name)] = Path(words[words.index("-f") + 1]).parent
    return found


def kill_everything(server: CourseServer) -> int:
    """SIGKILL the server's process group and every kernel of it at once, as a power cut would,
    then remove the kernels' runtime folders (nothing is left to do it). Returns the kernels."""
    kernels = _kernels_of(server.proc.pid)
    assert kernels, "the server's kernels were not found"
    os.killpg(server.proc.pid, signal.SIGKILL)
    for pid in kernels:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    server.proc.wait(30)
    for folder in set(kernels.values()):
        if folder.name.startswith("voila_"):
            shutil.rmtree(folder, ignore_errors=True)
    return len(kernels)


@pytest.mark.browser
@pytest.mark.timeout(600)
def test_server_killed_loses_nothing_acknowledged(browser, tmp_path: Path):
    with own_server(tmp_path, "first", [LESSON_08], browser) as (server, contexts):
        page = contexts.new_page()
        code = start(page, server, LESSON_08)
        for number, text in enumerate(REFLECTIONS):
            box = reflection_box(page, number)
            box.click()
            page.keyboard.type(text, delay=10)
            wait_acknowledged(activity_of(page, box))
        plan = plan_ready(page)
        page.get_by_label("What will be done").fill(PLAN_WHAT)
        page.get_by_label("Who will lead it").fill("Jo, a teaching assistant")
        page.get_by_label("By when").fill("2027-06-30")
        page.get_by_role("button", name="Add to the plan").click()
        plan.locator("table", has_text="Your action plan").wait_for(timeout=120_000)
        wait_acknowledged(plan)
        note = note_box(page)
        note.click()
        page.keyboard.type(NOTE, delay=10)
        wait_acknowledged(activity_of(page, note))
        killed = kill_everything(server)
        _fault()
        print(f"\nserver and its {killed} kernels killed with SIGKILL")

    check_consistent(tmp_path / "course.db")
    with own_server(tmp_path, "second", [LESSON_08], browser) as (server, contexts):
        page = contexts.new_page()
        resume(page, server, LESSON_08, code)
        reflection_box(page)
        found = [reflection_box(page, n).input_value() for n in range(len(REFLECTIONS))]
        table = plan_ready(page).locator("table", has_text="Your action plan").inner_text()
        found_note = note_box(page).input_value()
    TALLY["lost"] += sum(a != b for a, b in zip(found, REFLECTIONS, strict=False))
    TALLY["lost"] += (PLAN_WHAT not in table) + (found_note != NOTE)
    assert found == REFLECTIONS
    assert PLAN_WHAT in table and "Jo, a teaching assistant" in table and "30 June 2027" in table
    assert found_note == NOTE


# -- 3. the tab closed one second after typing ---------------------------------------------------
TYPED_PLAN = "Visit each other's Year 5 reading lessons"
TYPED_NOTE = "Leadership here still sits with the head <script>alert(1)</script>"


@pytest.mark.browser
def test_tab_closed_a_second_after_typing_loses_nothing(own):
    """The plan's fields send their text only when left, the notes and reflections as typed:
    text in either kind survives the tab being closed a second after the last keystroke."""
    server, db, contexts = own
    page = contexts.new_page()
    code = start(page, server, LESSON_08)
    plan_ready(page)
    page.get_by_label("What will be done").click()
    page.keyboard.type(TYPED_PLAN, delay=15)
    time.sleep(1.0)
    page.close()
    _fault()
    draft = {"by": None, "challenge": "distance", "chosen": None, "what": TYPED_PLAN, "who": ""}
    wait_stored(db, code, "plan-draft", "form", draft)

    page = contexts.new_page()
    resume(page, server, LESSON_08, code)
    plan_ready(page)
    assert page.get_by_label("What will be done").input_value() == TYPED_PLAN
    note_box(page).click()
    page.keyboard.type(TYPED_NOTE, delay=15)
    time.sleep(1.0)
    page.close()
    _fault()
    wait_stored(db, code, "challenges", "distance/note", TYPED_NOTE)

    page = contexts.new_page()
    resume(page, server, LESSON_08, code)
    found_note = note_box(page).input_value()
    plan_ready(page)
    found_plan = page.get_by_label("What will be done").input_value()
    TALLY["lost"] += (found_note != TYPED_NOTE) + (found_plan != TYPED_PLAN)
    assert found_note == TYPED_NOTE
    assert found_plan == TYPED_PLAN


# -- 4. a locked and a read-only database ---------------------------------------------------------
@contextmanager
def locked(db: Path) -> Iterator[None]:
    """Another program holds the database's write lock (``BEGIN EXCLUSIVE``) till the block ends."""
    conn = sqlite3.connect(db, isolation_level=None, timeout=60)
    conn.execute("BEGIN EXCLUSIVE")
    _fault()
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


@contextmanager
def read_only(db: Path) -> Iterator[str]:
    """One fault: the database file cannot be written (see helpers.read_only_file)."""
    _fault()
    with read_only_file(db) as how:
        yield how


def not_saved_after_keystroke(page, part, key: str) -> float:
    """Press one key; return how long the page took to say the change is not saved."""
    started = time.monotonic()
    page.keyboard.type(key)
    part.locator(".course-save-status", has_text="Not saved").wait_for(timeout=120_000)
    return time.monotonic() - started


def started_reflection(own, first_text: str):
    """A new learner on lesson 01 whose first reflection holds ``first_text``, saved."""
    server, db, contexts = own
    page = contexts.new_page()
    code = start(page, server, LESSON_01)
    box, part = reflection_box(page), activity_of(page, ".course-reflection")
    box.click()
    page.keyboard.type(first_text, delay=10)
    wait_acknowledged(part)
    return page, code, box, part


@pytest.mark.browser
def test_locked_database_says_not_saved_keeps_the_text_and_saves_after(own):
    db = own[1]
    page, code, box, part = started_reflection(own, "Before the lock. ")
    with locked(db):
        shown_after = not_saved_after_keystroke(page, part, "W")
        print(f"\nlocked database: 'Not saved' shown {shown_after:.2f}s after the keystroke")
        page.keyboard.type("ritten while locked.", delay=10)
        # The save is still waiting, not given up: the page says so while the lock lasts.
        assert "Not saved yet" in part.locator(".course-save-status").inner_text()
        assert box.input_value() == "Before the lock. Written while locked."
        assert saved_text(db, code, "journal", "r01a") == "Before the lock. "
    wait_acknowledged(part)  # the waiting save goes through once the lock is gone
    page.keyboard.type(" And after.", delay=10)
    wait_acknowledged(part)
    assert box.input_value() == "Before the lock. Written while locked. And after."
    assert saved_text(db, code, "journal", "r01a") == box.input_value()
    check_consistent(db)


@pytest.mark.browser
def test_read_only_database_says_not_saved_keeps_the_text_and_saves_after(own):
    db = own[1]
    page, code, box, part = started_reflection(own, "Before. ")
    with read_only(db) as how:
        shown_after = not_saved_after_keystroke(page, part, "R")
        print(
            f"\nread-only database ({how}): 'Not saved' shown {shown_after:.2f}s "
            "after the keystroke"
        )
        assert "read-only" in part.locator(".course-save-status").inner_text()
        page.keyboard.type("ead-only for a while.", delay=10)
        assert box.input_value() == "Before. Read-only for a while."
        assert saved_text(db, code, "journal", "r01a") == "Before. "
    page.keyboard.type(" Writable again.", delay=10)  # the next edit saves the whole text
    wait_acknowledged(part)
    expected = "Before. Read-only for a while. Writable again."
    assert box.input_value() == expected
    assert saved_text(db, code, "journal", "r01a") == expected
    check_consistent(db)


@pytest.mark.browser
def test_tab_closed_while_a_save_waits_for_a_locked_database_loses_nothing(own):
    """ipywidgets holds a box's newer text back while its last message is unanswered; the
    course's page sends it when the tab closes, and the kernel saves it once the lock is gone."""
    db = own[1]
    page, code, box, part = started_reflection(own, "Typed first. ")
    with locked(db):
        not_saved_after_keystroke(page, part, "T")
        page.keyboard.type("yped while the database was locked.", delay=10)
        typed = box.input_value()
        time.sleep(1.0)
        page.close()
        _fault()
        time.sleep(2.0)  # the tab is gone before the lock is
    wait_stored(db, code, "journal", "r01a", typed)
    found = saved_text(db, code, "journal", "r01a")
    TALLY["lost"] += found != typed
    assert found == typed
    check_consistent(db)


def test_a_save_waiting_for_a_locked_database_says_so_while_it_waits(tmp_path: Path):
    """In-process, the same thing: the kernel's thread waits in the save, another tells the page."""
    from widgets_lib.views.lesson import Lesson

    db = tmp_path / "course.db"
    store = Store(f"sqlite:///{db}")
    try:
        lesson = Lesson("01", store=store, show=False)
        view = lesson.activity("reflection", show=False)
        lesson.finish(query_string="", show=False)
        lesson.identity.start_button.click()
        box = view.boxes["r01a"]
        box.value = "Before."
        assert view.status.state == "saved"
        with locked(db):
            typing = threading.Thread(target=setattr, args=(box, "value", "Before. During."))
            started = time.monotonic()
            typing.start()
            deadline = started + 60
            while "Not saved yet" not in view.status.value and time.monotonic() < deadline:
                time.sleep(0.05)
            print(f"\nin-process: 'Not saved yet' after {time.monotonic() - started:.2f}s")
            assert "Not saved yet" in view.status.value and 'role="alert"' in view.status.value
            assert view.status.state == "saving"  # still trying, not given up
            assert saved_text(db, lesson.learner.code, "journal", "r01a") == "Before."
        typing.join(60)
        assert view.status.state == "saved" and box.value == "Before. During."
        assert saved_text(db, lesson.learner.code, "journal", "r01a") == "Before. During."
    finally:
        store.dispose()
