"""Helpers shared by the Voila, browser and reliability layers: run a real course server."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import requests
from playwright.sync_api import expect

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
# A standalone server creates cohorts on the dashboard only with the operator's key (issue 15).
OPERATOR_KEY = "operator-key-of-the-test-servers"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
from widgets_lib.lessons import available  # noqa: E402

LESSON_FILES = [info.file for info in available()]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class CourseServer:
    """A real Voila server for the course, started with the course's own launcher."""

    def __init__(
        self,
        db_url: str,
        log_path: Path,
        notebook_dir: Path | None = None,
        pool_size: int = 1,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db_url = db_url
        self.log_path = log_path
        env = {
            **os.environ,
            "COURSE_DB_URL": db_url,
            "COURSE_OPERATOR_KEY": OPERATOR_KEY,
            **(extra_env or {}),
        }
        cmd = [
            sys.executable,
            "-m",
            "widgets_lib.server.serve",
            f"--port={self.port}",
            f"--pool-size={pool_size}",
        ]
        if notebook_dir:
            cmd.append(f"--notebook-dir={notebook_dir}")
        self._log = open(log_path, "w")
        self.proc = subprocess.Popen(
            cmd,
            cwd=REPO,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, pools: list[str], timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log()[-3000:]}")
            try:
                requests.get(self.url + "/", timeout=2)
                text = self.log()
                if all(f"Kernel pool of {nb} is filled" in text for nb in pools):
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"server not ready in {timeout}s:\n{self.log()[-3000:]}")

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # any kernel left in the group
        except ProcessLookupError:
            pass
        self._log.close()


@contextmanager
def layer_server(tmp_path_factory, layer: str, **kwargs) -> Iterator[CourseServer]:
    """The course served as `make serve` does, with its own fresh SQLite database, for one test
    layer (its conftest makes this a package-scoped fixture, so layers never share the CPU)."""
    folder = tmp_path_factory.mktemp(layer)
    server = CourseServer(f"sqlite:///{folder}/course.db", folder / "server.log", **kwargs)
    try:
        server.wait_ready(LESSON_FILES)
        yield server
    finally:
        server.stop()


def settled_text(locator, quiet_s: float = 2.0, timeout_s: float = 90.0) -> str:
    """A Playwright locator's text once it has stopped changing: a page updates in several messages.

    Waits on the page itself: for the text to differ from what was last read, for at most
    ``quiet_s``; when it holds still that long, it has settled."""
    locator.wait_for(timeout=timeout_s * 1000)
    deadline = time.monotonic() + timeout_s
    text = locator.inner_text()
    while time.monotonic() < deadline:
        try:
            expect(locator).not_to_have_text(text, use_inner_text=True, timeout=quiet_s * 1000)
        except AssertionError:
            return text  # unchanged for quiet_s
        text = locator.inner_text()
    raise AssertionError(f"text kept changing: {text!r}")


class Offsite:
    """Every request that would leave the course server: blocked and remembered."""

    def __init__(self, server) -> None:
        self.host = urlparse(server.url).netloc
        self.requests: list[str] = []

    def route(self, route) -> None:
        url = route.request.url
        parsed = urlparse(url)
        if parsed.scheme in ("data", "blob", "about") or parsed.netloc == self.host:
            route.continue_()
        else:
            self.requests.append(url)
            route.abort()


def kernel_pid(kernel_id: str) -> int:
    """The process of one kernel, found by the connection file named on its command line."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if f"kernel-{kernel_id}.json" in cmdline:
            return int(entry.name)
    raise AssertionError(f"no process for kernel {kernel_id}")


@contextmanager
def read_only_file(path: Path) -> Iterator[str]:
    """The file cannot be written, even by root: root ignores file modes, so as root the file is
    made immutable (``chattr +i``); otherwise its write permission is removed. Yields how."""
    if os.geteuid() == 0:
        assert shutil.which("chattr"), "chattr (e2fsprogs) makes a file read-only for root"
        subprocess.run(["chattr", "+i", str(path)], check=True, capture_output=True)
        how = "chattr +i"
    else:
        mode = path.stat().st_mode
        path.chmod(0o444)
        how = "chmod 444"
    try:
        yield how
    finally:
        if how == "chattr +i":
            subprocess.run(["chattr", "-i", str(path)], check=True, capture_output=True)
        else:
            path.chmod(mode)


_CHECKED = (
    "root => Array.from(root.querySelectorAll('.course-item')).map(g =>"
    " Array.from(g.querySelectorAll('input')).findIndex(x => x.checked))"
)


def checked_indexes(scope) -> list[int]:
    """For each rating question (``.course-item``) in ``scope``, a page or a locator for one part
    of it: the index of the chosen answer, -1 when none is chosen."""
    if hasattr(scope, "main_frame"):  # a Page
        return scope.evaluate(f"({_CHECKED})(document)")
    return scope.evaluate(_CHECKED)


def count_rows(store, table: str) -> int:
    """Rows in one of the store's tables (``widgets_lib.store.iter_tables``)."""
    import sqlalchemy as sa

    from widgets_lib.store import metadata

    with store.engine.connect() as conn:
        return conn.execute(
            sa.select(sa.func.count()).select_from(metadata.tables[table])
        ).scalar_one()


def run_async(coroutine):
    """``asyncio.run`` on a thread of its own. In a full run the browser layers' Playwright (sync
    API) keeps an event loop marked as running on the main thread until the session ends, and
    asyncio.run refuses to start another there."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def decode_frame(frame: str | bytes) -> dict:
    """One kernel websocket frame of Jupyter Server's default protocol: JSON text, or binary with
    buffers (a count, offsets, then the JSON message and the buffers)."""
    import json
    import struct

    if isinstance(frame, str):
        return json.loads(frame)
    count = struct.unpack("!I", frame[:4])[0]
    offsets = struct.unpack(f"!{count}I", frame[4 : 4 + 4 * count])
    end = offsets[1] if count > 1 else len(frame)
    return json.loads(frame[offsets[0] : end])
