"""A real JupyterHub serving the course as deploy/ configures it, on this machine.

The hub runs ``deploy/jupyterhub_config.py`` unchanged, with its test switch
(``COURSE_HUB_TEST_PASSWORD``: a shared password, servers run as this user), on free
ports of 127.0.0.1, with configurable-http-proxy from ``.cache/node`` (``make test``
installs it from npm) and two fresh databases on the session's PostgreSQL server: the
course's and the hub's own. Teardown stops the hub, which stops the proxy and every
single-user server; whatever it started that is still alive afterwards is killed.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import requests
import sqlalchemy as sa

from tests.helpers import REPO, Offsite, free_port

CHP = REPO / ".cache" / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
PARTICIPANTS = ("participant1", "participant2")
TUTOR = "tutor1"


def _admin(url: str) -> sa.Engine:
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


class Hub:
    """``jupyterhub -f deploy/jupyterhub_config.py`` in a folder of its own."""

    def __init__(self, folder: Path, course_db: str, hub_db: str) -> None:
        self.folder = folder
        self.course_db = course_db
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.password = secrets.token_hex(12)
        self.log_path = folder / "hub.log"
        env = {
            **os.environ,
            "PATH": f"{CHP.parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "COURSE_DB_URL": course_db,
            "COURSE_HUB_DB_URL": hub_db,
            "COURSE_HUB_TEST_PASSWORD": self.password,
            "COURSE_TUTORS": TUTOR,
        }
        cmd = [
            sys.executable,
            "-m",
            "jupyterhub",
            "-f",
            str(REPO / "deploy" / "jupyterhub_config.py"),
            "--ip=127.0.0.1",
            f"--port={self.port}",
            f"--JupyterHub.hub_bind_url=http://127.0.0.1:{free_port()}",
            f"--ConfigurableHTTPProxy.api_url=http://127.0.0.1:{free_port()}",
            f"--SimpleLocalProcessSpawner.home_dir_template={folder / 'home' / '{username}'}",
        ]
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            cmd,
            cwd=folder,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterHub exited:\n{self.log()[-4000:]}")
            try:
                if requests.get(self.url + "/hub/api", timeout=5).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"JupyterHub not ready in {timeout}s:\n{self.log()[-4000:]}")

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def processes(self) -> list[psutil.Process]:
        """The hub and everything it started: proxy, single-user servers, their kernels."""
        try:
            hub = psutil.Process(self.proc.pid)
            return [hub, *hub.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def servers(self) -> dict[str, psutil.Process]:
        """Running single-user servers by hub user name (from their environment)."""
        found = {}
        for proc in self.processes():
            try:
                if "widgets_lib.server.singleuser" in " ".join(proc.cmdline()):
                    found[proc.environ()["JUPYTERHUB_USER"]] = proc
            except (psutil.NoSuchProcess, psutil.ZombieProcess, KeyError):
                continue
        return found

    def stop(self) -> list[str]:
        """Stop the hub as an operator would (SIGTERM); kill what it left. Returns what it left."""
        started = self.processes()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(180)  # it stops each server, which stops its kernels
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(30)
        left = [p for p in started if _alive(p)]
        leftovers = [_describe(p) for p in left]
        for proc in left:
            _signal(proc, signal.SIGTERM)
        _, still = psutil.wait_procs(left, timeout=20)
        for proc in still:
            _signal(proc, signal.SIGKILL)
        psutil.wait_procs(still, timeout=20)
        self._log.close()
        return leftovers


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _describe(proc: psutil.Process) -> str:
    try:
        return f"{proc.pid} {' '.join(proc.cmdline())[:120]}"
    except psutil.Error:
        return str(proc.pid)


def _signal(proc: psutil.Process, sig: int) -> None:
    try:
        proc.send_signal(sig)
    except psutil.NoSuchProcess:
        pass


@pytest.fixture(scope="package")
def databases(postgres_url: str) -> Iterator[tuple[str, str]]:
    """Two fresh databases on the session's PostgreSQL server: the course's and the hub's."""
    names = [f"course_{uuid.uuid4().hex[:12]}", f"hub_{uuid.uuid4().hex[:12]}"]
    admin = _admin(postgres_url)
    with admin.connect() as conn:
        for name in names:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    base = postgres_url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{names[0]}", f"{base}/{names[1]}"
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="package")
def hub(databases, tmp_path_factory) -> Iterator[Hub]:
    if not CHP.exists():
        pytest.fail(
            f"configurable-http-proxy is not installed at {CHP.relative_to(REPO)}: run "
            "`make hub-proxy` (npm install --prefix .cache/node configurable-http-proxy@5)",
            pytrace=False,
        )
    folder = tmp_path_factory.mktemp("hub")
    server = Hub(folder, *databases)
    try:
        server.wait_ready()
        yield server
    finally:
        leftovers = server.stop()
        if leftovers:
            print("\nJupyterHub's shutdown left these, now killed:\n  " + "\n  ".join(leftovers))


@pytest.fixture
def new_context(browser, hub):
    """Browser contexts (fresh cookies each) that refuse to leave the hub's address."""
    made = []
    offsite = Offsite(hub)

    def make():
        context = browser.new_context(bypass_csp=True, viewport={"width": 1200, "height": 1000})
        # Generous: a first login starts a server, then a kernel, on a busy 2-core machine.
        context.set_default_timeout(120_000)
        context.set_default_navigation_timeout(240_000)
        context.route("**/*", offsite.route)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()
    assert offsite.requests == [], f"requests left the hub: {offsite.requests}"
