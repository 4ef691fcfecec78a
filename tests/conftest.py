"""Shared fixtures: database URLs for the store and everything built on it.

``sqlite_url``
    A fresh SQLite file in the test's ``tmp_path``.
``postgres_url`` (session)
    A REAL, throwaway PostgreSQL server started for the test session (see
    :class:`_PostgresServer`); yields the URL of one database on it.
``postgres_db_url``
    A fresh, empty database on that server for one test (dropped afterwards).
``store_url``
    Parametrized ``sqlite`` / ``postgres``: a fresh database of each kind, so a
    test that takes it runs on both. The postgres case carries the
    ``postgres`` marker (``-m "not postgres"`` deselects it).

PostgreSQL must be installed (Debian's ``postgresql`` package; ``make test``
installs it). When it is missing the postgres tests FAIL, so CI cannot pass
without them; set ``COURSE_ALLOW_SKIP_POSTGRES=1`` to skip them instead.
"""

from __future__ import annotations

import glob
import os
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.helpers import REPO, Offsite

ALLOW_SKIP_ENV = "COURSE_ALLOW_SKIP_POSTGRES"
PG_USER = "course_test"
PG_DB = "course_test"


# -- SQLite -------------------------------------------------------------------
@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """``sqlite:///<tmp_path>/course.db`` (the file does not exist yet)."""
    return f"sqlite:///{tmp_path / 'course.db'}"


# -- PostgreSQL -----------------------------------------------------------------
def _pg_bindir() -> Path | None:
    """The newest installed ``/usr/lib/postgresql/<major>/bin`` with an initdb, if any."""
    found = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")]

    def major(bindir: Path) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", bindir.parent.name)) or (0,)

    return max(found, key=major) if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _PostgresServer:
    """One throwaway cluster in a temporary directory, independent of any packaged one.

    PostgreSQL refuses to run as root, so when the tests run as root every
    server command runs as the ``postgres`` system user (``runuser``) and the
    directory belongs to that user. The server listens on 127.0.0.1 at a free
    port (password authentication) and on a Unix socket inside the directory
    (trust, used only here to create the role and database).
    """

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.as_root = os.geteuid() == 0
        self.root = Path(tempfile.mkdtemp(prefix="course-pg-"))
        self.data = self.root / "data"
        self.sock = self.root / "sock"
        self.log = self.root / "server.log"
        self.port = _free_port()
        self.password = secrets.token_hex(16)
        self.proc: subprocess.Popen | None = None

    def _cmd(self, tool: str, *args: str) -> list[str]:
        cmd = [str(self.bindir / tool), *args]
        return ["runuser", "-u", "postgres", "--", *cmd] if self.as_root else cmd

    def _run(self, tool: str, *args: str) -> str:
        result = subprocess.run(self._cmd(tool, *args), capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(
                f"{tool} {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}"
            )
        return result.stdout

    def _psql(self, sql: str) -> str:
        return self._run(
            "psql",
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            str(self.sock),
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-c",
            sql,
        )

    def start(self) -> str:
        self.sock.mkdir()
        self.log.touch()
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(self.sock, "postgres", "postgres")
            shutil.chown(self.log, "postgres", "postgres")
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
        )
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                self._cmd(
                    "postgres",
                    "-D",
                    str(self.data),
                    "-p",
                    str(self.port),
                    "-k",
                    str(self.sock),
                    "-h",
                    "127.0.0.1",
                ),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + 60
        while True:
            ready = subprocess.run(
                [str(self.bindir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)]
            )
            if ready.returncode == 0:
                break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "The test PostgreSQL server did not start:\n" + self.log.read_text()
                )
            time.sleep(0.2)
        self._psql(f"CREATE ROLE {PG_USER} LOGIN CREATEDB PASSWORD '{self.password}'")
        self._psql(f"CREATE DATABASE {PG_DB} OWNER {PG_USER}")
        return f"postgresql://{PG_USER}:{self.password}@127.0.0.1:{self.port}/{PG_DB}"

    def stop(self) -> None:
        try:
            if self.proc is not None and self.proc.poll() is None:
                try:
                    self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w")
                    self.proc.wait(timeout=30)
                except (RuntimeError, subprocess.TimeoutExpired):
                    self.proc.terminate()  # our own runuser/postgres child only
                    self.proc.wait(timeout=30)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a database on a PostgreSQL server started for this test session.

    ``postgresql://course_test:<password>@127.0.0.1:<port>/course_test``; the
    role may create databases (see ``postgres_db_url``). Fails when PostgreSQL
    is not installed unless ``COURSE_ALLOW_SKIP_POSTGRES=1``.
    """
    bindir = _pg_bindir()
    if bindir is None:
        message = (
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): "
            "install it with `apt-get install -y postgresql` (make test does), "
            f"or set {ALLOW_SKIP_ENV}=1 to skip the PostgreSQL tests."
        )
        if os.environ.get(ALLOW_SKIP_ENV) == "1":
            pytest.skip(message)
        pytest.fail(message, pytrace=False)
    server = _PostgresServer(bindir)
    try:
        url = server.start()
    except BaseException:
        server.stop()
        raise
    try:
        yield url
    finally:
        server.stop()


def _admin_engine(url: str) -> sa.Engine:
    """An AUTOCOMMIT engine on ``url`` (CREATE/DROP DATABASE cannot run in a transaction)."""
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


@pytest.fixture
def postgres_db_url(postgres_url: str) -> Iterator[str]:
    """A fresh, empty database on the session's server, dropped after the test."""
    name = f"t_{uuid.uuid4().hex}"
    admin = _admin_engine(postgres_url)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield postgres_url.rsplit("/", 1)[0] + "/" + name
    finally:
        _drop_database(admin, name)
        admin.dispose()


def _drop_database(admin: sa.Engine, name: str, attempts: int = 40) -> None:
    """Drop a test database. FORCE: a Store the test forgot to dispose must not keep it alive. An
    autovacuum worker on it belongs to the superuser, whom the test role may not terminate: CI
    failed once that way, so wait for the worker to finish (it takes well under a second)."""
    for attempt in range(attempts):
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except sa.exc.ProgrammingError as exc:
            if type(exc.orig).__name__ != "InsufficientPrivilege" or attempt == attempts - 1:
                raise
            time.sleep(0.25)


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def store_url(request: pytest.FixtureRequest) -> str:
    """A fresh database URL, once for SQLite and once for PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_db_url")


# -- Chromium ---------------------------------------------------------------------
_PLAYWRIGHT: dict = {}
# Layers that never drive a browser; they run after those that do (pytest's order is the folders').
_BROWSERLESS = {("tests", "unit"), ("tests", "widgets"), ("tests", "voila"), ("course",)}


@pytest.fixture(scope="session")
def browser():
    """One Debian Chromium for every layer that drives pages: Playwright's sync API allows one
    instance per thread, so the browser and hub layers must share it."""
    from playwright.sync_api import sync_playwright

    from tests.helpers import CHROMIUM, CHROMIUM_ARGS

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    _PLAYWRIGHT["stop"] = lambda: (browser.close(), playwright.stop())
    yield browser
    _stop_playwright()


def _stop_playwright() -> None:
    stop = _PLAYWRIGHT.pop("stop", None)
    if stop is not None:
        stop()


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Playwright's sync API keeps its event loop marked as running on the main thread while it
    lives: asyncio.run would refuse to start there, and code that asks for the running loop (the
    throttle's timers) would get a loop that never turns. So the browser is closed before the
    first test of a layer that drives none."""
    parts = Path(item.path).resolve().relative_to(REPO).parts
    if parts[:1] in _BROWSERLESS or parts[:2] in _BROWSERLESS:
        _stop_playwright()


@pytest.fixture
def new_context(browser, course_server):
    """(For layers whose conftest defines ``course_server``.) Make browser contexts (fresh cookies
    and storage each) that refuse to leave the server."""
    made = []
    offsite = Offsite(course_server)
    dialogs: list[str] = []

    def make(**options):
        """``options`` go to ``browser.new_context`` (e.g. a ``proxy`` that drops other traffic).
        ``bypass_csp``: Playwright evaluates string predicates (``wait_for_function("…")``) with
        eval inside the page, which the course's Content-Security-Policy forbids; the policy
        itself is checked, without the bypass, by test_attacks_server's page test."""
        context = browser.new_context(
            bypass_csp=True, **{"viewport": {"width": 1200, "height": 1000}, **options}
        )
        # Generous limits: pages may wait for a kernel on a busy 2-core machine. Tests never
        # assert on time; these only decide when to give up.
        context.set_default_timeout(60_000)
        context.set_default_navigation_timeout(120_000)
        context.route("**/*", offsite.route)
        context.on(
            "page",
            lambda page: page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss())),
        )
        made.append(context)
        return context

    make.offsite = offsite
    make.dialogs = dialogs
    yield make
    for context in made:
        context.close()
    assert offsite.requests == [], f"requests left the course server: {offsite.requests}"
    assert dialogs == [], f"a script opened a dialog: {dialogs}"
