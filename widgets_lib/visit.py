"""The visitor's query string, as a lesson's kernel learns it.

Under a pre-heated kernel Voila runs the notebook before anyone asks for the page; the first call
that needs the visitor waits here until Voila hands the kernel to a request and sends that
request's details over a websocket (``/voila/query/<kernel id>``). Without pre-heating Voila puts
them in the environment before the kernel starts.

Voila's own helper (``voila.utils.get_query_string``) does the same, but importing it loads the
whole server (jupyter_server, jupyter_events, jsonschema, and rfc3987-syntax, which compiles 39
grammars): about 3 s of CPU in every kernel, paid again each time a pool refills after a reload,
Back or a new tab. This module needs only ``websockets``, which Voila already depends on.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time

log = logging.getLogger(__name__)

RECONNECT_FOR_S = 120.0  # how long failed connections to the request socket are tried again
# The kernel's key to its request socket, and how it is sent (widgets_lib/server/query_socket.py
# gives it and checks it; it imports these names from here, a module light enough for kernels).
QUERY_KEY_ENV = "COURSE_QUERY_KEY"
QUERY_KEY_HEADER = "X-Course-Query-Key"
# What a kernel of the course's server sends back once it has its request: until then the server
# keeps the request and sends it again on the kernel's next socket (query_socket.py).
RECEIVED = "received"


def _query_url() -> str:
    """Where Voila sends this kernel its request (the same variables Voila's helper reads)."""
    protocol = os.getenv("VOILA_WS_PROTOCOL", "ws")
    ip = os.getenv("VOILA_APP_IP", "127.0.0.1")
    port = os.getenv("VOILA_APP_PORT", "8866")
    base = os.getenv("VOILA_WS_BASE_URL", os.getenv("VOILA_SERVER_URL", "/"))
    return f"{protocol}://{ip}:{port}{base}voila/query/{os.getenv('VOILA_KERNEL_ID', '')}"


def _key_headers() -> dict[str, str]:
    """The header that proves this kernel is the one its request is for: the course's server
    gives each pre-heated kernel a key of its own and opens the socket to nobody else
    (widgets_lib/server/query_socket.py). Plain Voila has none and needs none."""
    key = os.getenv(QUERY_KEY_ENV)
    return {QUERY_KEY_HEADER: key} if key else {}


async def _receive(url: str) -> str | None:
    """The request's details, as Voila sends them; None once :data:`RECONNECT_FOR_S` seconds of
    failed connections have passed or the server refused this kernel.

    A pre-heated kernel opens this socket while its pool fills and may wait hours for a visitor.
    While a class's 200 kernels warmed at once, the server was too busy to open some sockets
    within 5 s or to answer the client's keep-alive pings within their 20 s, and each such kernel
    gave up and served its visitor a page that did not know them (issue 18). So the handshake has
    no time limit, a refused or dropped connection is tried again, and the socket (on the same
    machine, to a server that never closes it while it waits) sends no pings."""
    import websockets  # only pre-heated kernels need it

    # websockets 14 renamed the argument (its new client); 10-13 have the legacy one only.
    legacy = int(websockets.__version__.split(".")[0]) < 14
    headers = {("extra_headers" if legacy else "additional_headers"): _key_headers()}
    deadline = time.monotonic() + RECONNECT_FOR_S
    pause = 0.2
    while True:
        try:
            # No timeout on the opening handshake: a kernel that gave up on a handshake the
            # server then completed would leave the server writing its visitor's request to a
            # socket nobody reads, and the page would wait for ever. A busy server is still there.
            async with websockets.connect(
                url, open_timeout=None, ping_interval=None, **headers
            ) as socket:
                request = await socket.recv()
                if _key_headers():  # the course's server: it keeps the request until told
                    try:
                        await socket.send(RECEIVED)
                    except websockets.exceptions.WebSocketException:
                        pass  # it is held for a next socket this kernel will never open: harmless
                return request
        except websockets.exceptions.InvalidHandshake as exc:  # refused: not this kernel's socket
            log.warning("could not learn the visitor's request from %s: %s", url, exc)
            return None
        except (OSError, TimeoutError, websockets.exceptions.WebSocketException) as exc:
            if time.monotonic() + pause > deadline:
                log.warning("could not learn the visitor's request from %s: %s", url, exc)
                return None
            log.info("trying again to reach %s (%s)", url, exc)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 5.0)


def wait_for_request(url: str | None = None) -> None:
    """Under pre-heating, block until this kernel serves a request and put the request's
    details (QUERY_STRING and the like) into the environment; otherwise return at once."""
    if os.getenv("VOILA_PREHEAT", "False") == "False":
        return
    received: list[str | None] = []
    # The kernel's own event loop is running (ipykernel), so the wait runs on a thread of its own.
    thread = threading.Thread(
        target=lambda: received.append(asyncio.run(_receive(url or _query_url())))
    )
    thread.start()
    thread.join()
    if received and received[0]:
        for key, value in json.loads(received[0]).items():
            os.environ[key] = str(value)


def query_string(url: str | None = None) -> str:
    """The visitor's query string ('' when there is none)."""
    wait_for_request(url)
    return os.getenv("QUERY_STRING", "")
