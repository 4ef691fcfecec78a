"""How a lesson's kernel learns who is visiting (``widgets_lib.visit``), against a real websocket
server speaking Voila's ``/voila/query/<kernel id>`` protocol, and a check that a lesson's
kernel stays light: it never loads Voila's server (about 3 s of CPU per kernel)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import websockets

from widgets_lib import visit

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def query_server():
    """A websocket server on a free port that sends one request's details to each connection
    and records the path each connection asked for."""
    sent = {"QUERY_STRING": "learner=ABCD-EFGH-JKLM", "SERVER_PORT": "8866"}
    paths: list[str] = []
    ready = threading.Event()
    holder: dict = {}

    async def handler(socket):
        paths.append(socket.request.path)
        await socket.send(json.dumps(sent))

    async def main():
        async with websockets.serve(handler, "127.0.0.1", 0) as server:
            holder["port"] = server.sockets[0].getsockname()[1]
            holder["stop"] = asyncio.get_running_loop().create_future()
            holder["loop"] = asyncio.get_running_loop()
            ready.set()
            await holder["stop"]

    thread = threading.Thread(target=lambda: asyncio.run(main()), daemon=True)
    thread.start()
    assert ready.wait(10)
    yield holder["port"], paths
    holder["loop"].call_soon_threadsafe(holder["stop"].set_result, None)
    thread.join(10)


@pytest.fixture
def clean_env(monkeypatch):
    for key in (
        "VOILA_PREHEAT",
        "QUERY_STRING",
        "VOILA_KERNEL_ID",
        "VOILA_APP_PORT",
        "VOILA_SERVER_URL",
        "VOILA_WS_BASE_URL",
        "SERVER_PORT",
    ):
        monkeypatch.delenv(key, raising=False)
    yield monkeypatch
    for key in ("QUERY_STRING", "SERVER_PORT"):  # set by the code under test, not by monkeypatch
        os.environ.pop(key, None)


def test_without_preheating_the_query_string_comes_from_the_environment(clean_env):
    clean_env.setenv("QUERY_STRING", "learner=WXYZ-2345-6789")
    assert visit.query_string() == "learner=WXYZ-2345-6789"


def test_without_preheating_and_no_query_string_it_is_empty(clean_env):
    assert visit.query_string() == ""


def test_a_preheated_kernel_waits_for_its_request_at_its_own_address(clean_env, query_server):
    port, paths = query_server
    clean_env.setenv("VOILA_PREHEAT", "True")
    clean_env.setenv("VOILA_APP_PORT", str(port))
    clean_env.setenv("VOILA_SERVER_URL", "/course/")
    clean_env.setenv("VOILA_KERNEL_ID", "k-123")
    assert visit.query_string() == "learner=ABCD-EFGH-JKLM"
    assert os.environ["SERVER_PORT"] == "8866"
    assert paths == ["/course/voila/query/k-123"]


def test_a_preheated_kernel_whose_server_is_gone_gets_no_visitor_and_says_why(clean_env, caplog):
    clean_env.setenv("VOILA_PREHEAT", "True")
    clean_env.setattr(visit, "RECONNECT_FOR_S", 1.0)
    with caplog.at_level("WARNING", logger="widgets_lib.visit"):
        assert visit.query_string("ws://127.0.0.1:9/voila/query/nobody") == ""
    assert "could not learn the visitor's request" in caplog.text


@pytest.mark.parametrize(
    "notebook",
    sorted(str(p.relative_to(ROOT / "course")) for p in (ROOT / "course").rglob("*.ipynb")),
)
def test_a_lesson_kernel_never_loads_the_voila_server(notebook, tmp_path):
    """Run a lesson's code cells as its kernel does and list the heavy server modules loaded."""
    script = (
        "import json, sys\n"
        "from IPython.testing.globalipapp import start_ipython\n"
        "ip = start_ipython()\n"
        f"cells = json.load(open({str(ROOT / 'course' / notebook)!r}))['cells']\n"
        "for c in cells:\n"
        "    if c['cell_type'] == 'code':\n"
        "        r = ip.run_cell(''.join(c['source']))\n"
        "        r.raise_error()\n"
        "heavy = [m for m in ('voila', 'jupyter_server', 'jupyter_events', 'jsonschema') if m in sys.modules]\n"
        "sys.stderr.write('HEAVY=' + json.dumps(heavy))\n"
    )
    env = {
        **os.environ,
        "COURSE_DB_URL": f"sqlite:///{tmp_path / 'course.sqlite'}",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("VOILA_PREHEAT", None)
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    heavy = json.loads(done.stderr.rsplit("HEAVY=", 1)[1])
    assert heavy == [], f"{notebook}'s kernel loads {heavy}"


def test_a_preheated_kernel_keeps_trying_a_server_too_busy_to_answer_at_first(clean_env):
    """While a class's kernels warm at once the server may not open a kernel's socket at its
    first try: the kernel tries again and still gets its visitor's request."""
    import socket as sockets

    with sockets.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sent = {"QUERY_STRING": "learner=ABCD-EFGH-JKLM"}
    stop = threading.Event()

    async def handler(socket):
        await socket.send(json.dumps(sent))

    async def late_server():
        await asyncio.sleep(1.0)  # nothing listens yet: the kernel's first tries are refused
        async with websockets.serve(handler, "127.0.0.1", port):
            await asyncio.get_running_loop().run_in_executor(None, stop.wait)

    thread = threading.Thread(target=lambda: asyncio.run(late_server()), daemon=True)
    thread.start()
    clean_env.setenv("VOILA_PREHEAT", "True")
    try:
        assert visit.query_string(f"ws://127.0.0.1:{port}/voila/query/k-1") == sent["QUERY_STRING"]
    finally:
        stop.set()
        thread.join(10)
