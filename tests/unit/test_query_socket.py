"""Voila's request socket and shutdown, as the course's server answers them
(widgets_lib/server/query_socket.py): a real tornado server in this process, spoken to by the
kernel's own client (widgets_lib.visit) and by a stranger's (websocket-client)."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import uuid

import pytest
import tornado.httpserver
import tornado.testing
import tornado.web
import websocket
from voila.request_info_handler import RequestInfoSocketHandler

from tests.helpers import run_async
from widgets_lib import secret, visit
from widgets_lib.server.query_socket import (
    QUERY_KEY_ENV,
    QUERY_KEY_HEADER,
    CourseRequestInfoSocketHandler,
    ScrubKernelIds,
    is_query_key,
    keyed_kernel_manager,
    query_key,
    shut_down_when_quiet,
)

REQUEST = {"QUERY_STRING": "learner=ABCD-EFGH-JKLM", "SERVER_PORT": "8866"}


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    """A known secret, and Voila's class-level request state empty before and after."""
    monkeypatch.setenv("COURSE_SECRET", "s" * 40)
    secret.server_secret.cache_clear()
    RequestInfoSocketHandler._waiters.clear()
    RequestInfoSocketHandler._cache.clear()
    yield
    RequestInfoSocketHandler._waiters.clear()
    RequestInfoSocketHandler._cache.clear()
    secret.server_secret.cache_clear()


class Signalling(CourseRequestInfoSocketHandler):
    """The course's handler, telling the test when the server has opened or closed a socket (the
    client's handshake may end before the server's ``open`` has run)."""

    opened = threading.Semaphore(0)
    closed = threading.Event()
    told = threading.Event()

    def open(self, kernel_id: str) -> None:
        super().open(kernel_id)
        Signalling.opened.release()

    def on_close(self) -> None:
        super().on_close()
        Signalling.closed.set()

    def on_message(self, message) -> None:
        super().on_message(message)
        Signalling.told.set()


class QueryServer:
    """``/voila/query/<kernel id>`` served by the course's handler on a free port, in a thread."""

    def __init__(self) -> None:
        ready = threading.Event()

        async def main() -> None:
            sock, self.port = tornado.testing.bind_unused_port()
            server = tornado.httpserver.HTTPServer(
                tornado.web.Application([(r"/voila/query/(.*)", Signalling)])
            )
            server.add_sockets([sock])
            self.loop = asyncio.get_running_loop()
            self.stop = self.loop.create_future()
            ready.set()
            await self.stop
            server.stop()

        self.thread = threading.Thread(target=lambda: asyncio.run(main()), daemon=True)
        self.thread.start()
        assert ready.wait(10)

    def url(self, kernel_id: str) -> str:
        return f"ws://127.0.0.1:{self.port}/voila/query/{kernel_id}"

    def send_request(self, kernel_id: str) -> None:
        """What Voila's page handler does when it gives the kernel to a visitor."""
        done = threading.Event()

        def send() -> None:
            RequestInfoSocketHandler.send_updates({"kernel_id": kernel_id, "payload": REQUEST})
            done.set()

        self.loop.call_soon_threadsafe(send)
        assert done.wait(10)

    def socket(self, kernel_id: str, key: str | None) -> websocket.WebSocket:
        headers = [f"{QUERY_KEY_HEADER}: {key}"] if key else []
        client = websocket.create_connection(self.url(kernel_id), header=headers, timeout=10)
        assert Signalling.opened.acquire(timeout=10), "the server never opened the socket"
        return client

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.stop.set_result, None)
        self.thread.join(10)


@pytest.fixture
def server():
    from widgets_lib.server.query_socket import use_course_handlers

    use_course_handlers()  # the course's send_updates, as serve.py installs it
    Signalling.opened = threading.Semaphore(0)
    Signalling.told = threading.Event()
    running = QueryServer()
    yield running
    running.close()


def test_each_kernel_has_its_own_key():
    one, other = str(uuid.uuid4()), str(uuid.uuid4())
    assert is_query_key(one, query_key(one))
    assert not is_query_key(one, query_key(other))
    assert not is_query_key(one, None) and not is_query_key(one, "")
    assert query_key(one) != query_key(other) and one not in query_key(one)


@pytest.mark.parametrize("key", [None, "made-up", "other kernel"])
def test_a_client_without_the_kernels_key_is_refused_and_gets_nothing(server, key):
    kernel_id = str(uuid.uuid4())
    server.send_request(kernel_id)  # the request waits on the server for its kernel
    sent = query_key(str(uuid.uuid4())) if key == "other kernel" else key
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        server.socket(kernel_id, sent)
    assert refused.value.status_code == 403
    assert RequestInfoSocketHandler._cache == {kernel_id: REQUEST}  # still there for its kernel
    assert RequestInfoSocketHandler._waiters == {}


def test_the_kernel_gets_its_request_once_and_the_server_forgets_it(server, monkeypatch):
    kernel_id = str(uuid.uuid4())
    server.send_request(kernel_id)  # before the kernel waits: Voila keeps it
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setenv(QUERY_KEY_ENV, query_key(kernel_id))
    try:
        assert visit.query_string(server.url(kernel_id)) == REQUEST["QUERY_STRING"]
    finally:
        monkeypatch.delenv("QUERY_STRING", raising=False)
        monkeypatch.delenv("SERVER_PORT", raising=False)
    forgotten(kernel_id)  # once the kernel said it has it
    again = server.socket(kernel_id, query_key(kernel_id))  # even the key gets nothing twice
    again.settimeout(0.5)
    with pytest.raises(websocket.WebSocketTimeoutException):
        again.recv()
    again.close()


def test_a_waiting_kernel_gets_its_request_at_once(server):
    kernel_id = str(uuid.uuid4())
    waiting = server.socket(kernel_id, query_key(kernel_id))
    server.send_request(kernel_id)
    assert json.loads(waiting.recv()) == REQUEST
    waiting.send("received")
    forgotten(kernel_id)
    waiting.close()


def forgotten(kernel_id: str) -> None:
    """The server (in its own thread) has heard the kernel say it has its request, and forgot it."""
    assert Signalling.told.wait(10), "the server never heard the kernel say it has its request"
    Signalling.told.clear()
    assert kernel_id not in RequestInfoSocketHandler._cache


def test_a_request_written_to_a_socket_the_kernel_dropped_comes_again_on_its_next(server):
    """The server wrote the request to a socket it still counted open, but the kernel had dropped
    it (and so never read it): the kernel's next socket gets it, because no kernel said it has it."""
    kernel_id = str(uuid.uuid4())
    dropped = server.socket(kernel_id, query_key(kernel_id))
    server.send_request(kernel_id)
    dropped.close()  # without reading it, as a kernel whose connection failed on its side
    again = server.socket(kernel_id, query_key(kernel_id))
    assert json.loads(again.recv()) == REQUEST
    again.send("received")
    forgotten(kernel_id)
    again.close()


def test_closing_a_socket_the_server_no_longer_knows_removes_nothing(server):
    """Voila's own on_close removed the newest waiting kernel's entry here: that kernel's visitor
    then waited for ever."""
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    replaced = server.socket(first, query_key(first))
    reconnected = server.socket(first, query_key(first))  # replaces it in the waiters
    newest = server.socket(second, query_key(second))
    assert set(RequestInfoSocketHandler._waiters) == {first, second}
    Signalling.closed.clear()
    replaced.close()
    assert Signalling.closed.wait(10)
    assert set(RequestInfoSocketHandler._waiters) == {first, second}
    server.send_request(second)
    assert json.loads(newest.recv()) == REQUEST
    Signalling.closed.clear()
    reconnected.close()  # a socket the server knows: its entry goes
    assert Signalling.closed.wait(10)
    assert set(RequestInfoSocketHandler._waiters) == {second}
    newest.close()


# -- the kernel manager: a key for each pre-heated kernel, its request forgotten at shutdown ----
class FakeManager:
    """What keyed_kernel_manager builds on: Jupyter Server's start and shutdown."""

    def __init__(self) -> None:
        self.started: list[dict] = []
        self.shut: list[str] = []

    def new_kernel_id(self, **kwargs) -> str:
        return str(uuid.uuid4())

    async def start_kernel(self, *, kernel_id=None, **kwargs) -> str:
        kernel_id = kernel_id or self.new_kernel_id()
        self.started.append({"kernel_id": kernel_id, **kwargs})
        return kernel_id

    async def shutdown_kernel(self, kernel_id: str, *args, **kwargs) -> None:
        self.shut.append(kernel_id)


def test_a_preheated_kernel_starts_with_the_key_to_its_own_socket():
    manager = keyed_kernel_manager(FakeManager)()
    kernel_id = run_async(manager.start_kernel(env={"VOILA_PREHEAT": "True"}, path="."))
    (started,) = manager.started
    assert started["kernel_id"] == kernel_id
    assert is_query_key(kernel_id, started["env"][QUERY_KEY_ENV])
    assert started["env"]["VOILA_PREHEAT"] == "True" and started["path"] == "."


def test_a_kernel_started_for_one_visitor_gets_no_key():
    """Without pre-heating Voila puts the request in the kernel's environment: no socket."""
    manager = keyed_kernel_manager(FakeManager)()
    run_async(manager.start_kernel(env={"VOILA_PREHEAT": "False", "QUERY_STRING": "x=1"}))
    assert QUERY_KEY_ENV not in manager.started[0]["env"]


def test_a_shut_down_kernels_request_is_forgotten():
    manager = keyed_kernel_manager(FakeManager)()
    gone, other = str(uuid.uuid4()), str(uuid.uuid4())
    RequestInfoSocketHandler._cache.update({gone: REQUEST, other: REQUEST})
    run_async(manager.shutdown_kernel(gone))
    assert manager.shut == [gone] and RequestInfoSocketHandler._cache == {other: REQUEST}


# -- a closed tab's kernel goes once it is quiet ------------------------------------------------
class QuietLater:
    """A kernel manager whose one kernel reports the given states, one per look, then stays in
    the last one."""

    def __init__(self, states: list[tuple[int, str]]) -> None:
        self.states = list(states)
        self.looks = 0
        self.shut: list[str] = []

    def __contains__(self, kernel_id: str) -> bool:
        return kernel_id not in self.shut

    def kernel_model(self, kernel_id: str) -> dict:
        self.looks += 1
        connections, state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        return {"connections": connections, "execution_state": state}

    async def shutdown_kernel(self, kernel_id: str) -> None:
        self.shut.append(kernel_id)


def test_a_closed_tabs_kernel_goes_once_its_page_has_gone_and_it_is_idle():
    manager = QuietLater([(1, "idle"), (0, "busy"), (0, "busy"), (0, "idle")])
    run_async(shut_down_when_quiet(manager, "k", grace_s=0, most_s=30))
    assert manager.shut == ["k"] and manager.looks == 4


def test_a_closed_tabs_kernel_that_stays_busy_goes_all_the_same():
    manager = QuietLater([(0, "busy")])
    run_async(shut_down_when_quiet(manager, "k", grace_s=0, most_s=0.5))
    assert manager.shut == ["k"] and manager.looks >= 1


def test_a_kernel_already_gone_is_left_alone():
    manager = QuietLater([(0, "idle")])
    manager.shut.append("k")
    run_async(shut_down_when_quiet(manager, "k", grace_s=0, most_s=5))
    assert manager.shut == ["k"] and manager.looks == 0


# -- the log ------------------------------------------------------------------------------------
def _logged(level: int, text: str, *args, keep: bool = False) -> str:
    """A record as the server's loggers make it (traitlets sets them to DEBUG, its handler
    chooses), after the filter."""
    logger = logging.getLogger("test.query_socket")
    logger.setLevel(logging.DEBUG)
    record = logger.makeRecord(logger.name, level, __file__, 1, text, args, None)
    ScrubKernelIds(keep=keep).filter(record)
    return record.getMessage()


def test_kernel_ids_leave_the_log_as_a_tag_the_same_in_every_line():
    kernel_id = str(uuid.uuid4())
    started = _logged(logging.INFO, "Kernel started: %s", kernel_id)
    gone = _logged(logging.WARNING, f"403 GET /voila/query/{kernel_id} (@1.2.3.4)")
    tag = started.removeprefix("Kernel started: ")
    assert kernel_id not in started + gone
    assert tag.startswith("kernel-") and len(tag) == len("kernel-") + 8
    assert gone == f"403 GET /voila/query/{tag} (@1.2.3.4)"


def test_debug_lines_and_an_operator_who_asks_keep_kernel_ids(monkeypatch):
    kernel_id = str(uuid.uuid4())
    line = f"Using pre-heated kernel: {kernel_id} for x"
    assert _logged(logging.DEBUG, line) == line
    assert _logged(logging.INFO, line, keep=True) == line
    monkeypatch.setenv("COURSE_LOG_KERNEL_IDS", "1")
    assert ScrubKernelIds().keep and not ScrubKernelIds(keep=False).keep


def test_the_course_kernel_manager_keys_its_preheated_kernels():
    """serve.py builds its kernel manager on the keyed one, under Voila's pre-heating one (whose
    ``super().start_kernel`` must reach it)."""
    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

    from widgets_lib.server.serve import course_kernel_manager_factory

    names = [
        k.__name__
        for k in course_kernel_manager_factory(AsyncMappingKernelManager, True, 1).__mro__
    ]
    assert names.index("VoilaKernelManager") < names.index("KeyedKernelManager")
    assert names.index("KeyedKernelManager") < names.index("AsyncMappingKernelManager")


def test_a_request_for_a_socket_that_has_closed_waits_for_the_kernels_next_socket():
    """A kernel whose socket closed opens another; the visitor's request sent in between is kept
    for it, not logged and lost (the page would wait for ever)."""
    from tornado.websocket import WebSocketClosedError

    from widgets_lib.server.query_socket import use_course_handlers

    use_course_handlers()

    class Closed:
        def write_message(self, message) -> None:
            raise WebSocketClosedError()

    RequestInfoSocketHandler._waiters["k-closed"] = Closed()
    try:
        RequestInfoSocketHandler.send_updates({"kernel_id": "k-closed", "payload": REQUEST})
        assert "k-closed" not in RequestInfoSocketHandler._waiters
        assert RequestInfoSocketHandler._cache.get("k-closed") == REQUEST
    finally:
        RequestInfoSocketHandler._waiters.pop("k-closed", None)
        RequestInfoSocketHandler._cache.pop("k-closed", None)


def test_a_request_its_kernel_has_not_taken_is_named_in_the_log(caplog):
    from widgets_lib.server.query_socket import _still_untaken

    kernel_id = str(uuid.uuid4())
    RequestInfoSocketHandler._cache[kernel_id] = REQUEST
    with caplog.at_level(logging.WARNING, logger="Voila"):
        _still_untaken(kernel_id, REQUEST)
        _still_untaken(str(uuid.uuid4()), REQUEST)  # taken (forgotten): nothing to say
    said = [r.getMessage() for r in caplog.records]
    assert said == [
        f"Course: kernel-{kernel_id[:8]} has not taken its visitor's request after 30 s "
        "(its request socket is not open)"
    ]
