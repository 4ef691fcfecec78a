"""Voila's side doors, closed for the standalone server (issue 15; ``docs/voila-query-socket.md``).

Voila 0.5 hands each pre-heated kernel its visitor's request (the query string, with the learner
code or the tutor key) over a websocket, ``/voila/query/<kernel id>``, and lets a page shut its
kernel down with ``POST /voila/api/shutdown/<kernel id>``. As shipped:

* anyone who names a kernel can open its request socket and read the request, which Voila also
  keeps for ever when it arrives before the kernel waits for it;
* closing a socket Voila does not know removes the newest waiting kernel's entry instead, and the
  visitor who gets that kernel waits for ever;
* the shutdown route ignores the server's authorizer (anyone may end anyone's kernel), while the
  page's own shutdown is refused because the page never received an ``_xsrf`` cookie to send.

So here, without touching Voila's files: each pre-heated kernel is started with a key of its own
(an HMAC of its id under the server's secret, :func:`query_key`) which it must send to open its
request socket; a request is forgotten once its kernel says it has it or is shut down; closing
a socket removes only that socket; the shutdown route obeys the authorizer; the page gets its
``_xsrf`` cookie (with its kernel's model); and kernel ids are kept out of the log.
:func:`use_course_handlers` and :func:`keyed_kernel_manager` wire it in (``serve.py``).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import re

from jupyter_core.utils import ensure_async
from jupyter_server.services.kernels.handlers import KernelHandler
from tornado import web
from tornado.websocket import WebSocketClosedError
from voila.request_info_handler import RequestInfoSocketHandler
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler

from ..secret import keyed_hash
from ..visit import QUERY_KEY_ENV, QUERY_KEY_HEADER, RECEIVED

# After a tab asks for its kernel's shutdown: its last widget messages (sent as the page goes)
# are let through first. The kernel is shut down once its page's sockets have closed and it is
# idle, but after SHUTDOWN_GRACE_S at the earliest and SHUTDOWN_MOST_S at the latest (a save may
# wait up to the store's 30 s busy timeout for a locked database).
SHUTDOWN_GRACE_S = 1.0
SHUTDOWN_MOST_S = 45.0
_QUIET_POLL_S = 0.2
UNTAKEN_S = 30.0  # a visitor's request not taken by its kernel after this long is logged
KERNEL_ID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")

log = logging.getLogger("Voila")  # the server's own log, where Voila's lines go


def query_key(kernel_id: str) -> str:
    """The key that opens ``kernel_id``'s request socket: only the server (which holds the secret)
    and that kernel (whose environment holds the key) know it."""
    return keyed_hash("voila-query", kernel_id)


def is_query_key(kernel_id: str, sent: str | None) -> bool:
    """True when ``sent`` is ``kernel_id``'s key (compared in constant time)."""
    return bool(sent) and hmac.compare_digest(sent.encode(), query_key(kernel_id).encode())


def forget_request(kernel_id: str) -> None:
    """Drop what Voila holds for ``kernel_id``'s request socket: the request waiting for the kernel
    and the kernel's socket. Voila's own handler never empties its cache."""
    RequestInfoSocketHandler._cache.pop(kernel_id, None)
    RequestInfoSocketHandler._waiters.pop(kernel_id, None)


class CourseRequestInfoSocketHandler(RequestInfoSocketHandler):
    """``/voila/query/<kernel id>`` for the kernel itself only, each request delivered once.

    Voila's handler shares its class-level ``_waiters`` and ``_cache`` with ``VoilaHandler``
    (which calls ``RequestInfoSocketHandler.send_updates``), so this one keeps using them."""

    kernel_id: str | None = None

    async def get(self, kernel_id: str, *args, **kwargs) -> None:
        if not is_query_key(kernel_id, self.request.headers.get(QUERY_KEY_HEADER)):
            log.warning("Course: refused a request socket to a client without the kernel's key")
            raise web.HTTPError(403)
        await super().get(kernel_id, *args, **kwargs)

    def open(self, kernel_id: str) -> None:
        self.kernel_id = kernel_id
        RequestInfoSocketHandler._waiters[kernel_id] = self
        waiting = RequestInfoSocketHandler._cache.get(kernel_id)
        if waiting is not None:
            self.write_message(waiting)

    def on_message(self, message) -> None:
        """The kernel has its request (``visit.RECEIVED``): only now is it forgotten."""
        if message == RECEIVED and self.kernel_id is not None:
            RequestInfoSocketHandler._cache.pop(self.kernel_id, None)

    def on_close(self) -> None:
        waiters = RequestInfoSocketHandler._waiters
        if self.kernel_id is not None and waiters.get(self.kernel_id) is self:
            del waiters[self.kernel_id]


def _send_updates(cls, msg: dict) -> None:
    """Voila's ``send_updates`` (the request handed to its kernel's socket), except that the request
    is kept until the kernel says it has it (:meth:`CourseRequestInfoSocketHandler.on_message`).
    A socket can close, or be dropped by the kernel while the server still counts it open, just as
    the request is written to it; the kernel then opens another, which gets the request again,
    instead of that kernel's page waiting for ever."""
    kernel_id, payload = msg["kernel_id"], msg["payload"]
    cls._cache[kernel_id] = payload
    waiter = cls._waiters.get(kernel_id)
    if waiter is not None:
        try:
            waiter.write_message(payload)
        except WebSocketClosedError:
            if cls._waiters.get(kernel_id) is waiter:
                del cls._waiters[kernel_id]
    try:
        asyncio.get_running_loop().call_later(UNTAKEN_S, _still_untaken, kernel_id, payload)
    except RuntimeError:  # no loop running (a unit test calling it directly): nothing to watch
        pass


def _still_untaken(kernel_id: str, payload) -> None:
    """Say in the log when a kernel has not taken its visitor's request: that visitor's page is
    waiting for it (issue 13: pages that never finished under load)."""
    if RequestInfoSocketHandler._cache.get(kernel_id) is payload:
        socket = "open" if kernel_id in RequestInfoSocketHandler._waiters else "not open"
        log.warning(
            "Course: kernel-%s has not taken its visitor's request after %.0f s (its request "
            "socket is %s)",
            kernel_id[:8],
            UNTAKEN_S,
            socket,
        )


_shutting_down: set[asyncio.Task] = set()  # held until done (the loop keeps only weak references)


async def shut_down_when_quiet(
    manager, kernel_id: str, grace_s: float = SHUTDOWN_GRACE_S, most_s: float = SHUTDOWN_MOST_S
) -> None:
    """Shut a closed tab's kernel down once it has nothing left to do: no page connected to it,
    idle (it has handled the page's last messages, saves included), within ``most_s``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + most_s
    await asyncio.sleep(grace_s)
    try:
        while kernel_id in manager and loop.time() < deadline:
            model = manager.kernel_model(kernel_id)
            if not model.get("connections") and model.get("execution_state") == "idle":
                break
            await asyncio.sleep(_QUIET_POLL_S)
        if kernel_id in manager:
            await ensure_async(manager.shutdown_kernel(kernel_id))
    except Exception as error:  # noqa: BLE001 - gone meanwhile, or would not stop: the culler
        # Its type only: a traceback would carry the kernel's id past the log's filter.
        log.warning("Course: a closed tab's kernel could not be shut down (%s)", type(error))


class CourseShutdownKernelHandler(VoilaShutdownKernelHandler):
    """``POST /voila/api/shutdown/<kernel id>``, the page's shutdown when its tab closes, under the
    same rule as ``/api/kernels/<kernel id>``: only the browser that owns the kernel.

    A kernel no page has used yet (a pre-heated one in its pool) is nobody's to shut down: with
    :class:`~widgets_lib.server.serve.KernelOwners` the first browser to use a kernel owns it,
    and a shutdown must not be what makes a stranger its owner. The reply comes at once; the
    kernel goes when it is quiet (:func:`shut_down_when_quiet`)."""

    @web.authenticated
    async def post(self, kernel_id: str) -> None:
        self.kernel_id = kernel_id  # what KernelOwners (and Jupyter Server's handlers) read
        if kernel_id not in self.kernel_manager:
            raise web.HTTPError(404)
        owners = getattr(self.authorizer, "owners", None)
        allowed = (owners is None or kernel_id in owners) and await ensure_async(
            self.authorizer.is_authorized(self, self.current_user, "write", "kernels")
        )
        if not allowed:
            log.warning("Course: refused a shutdown to a browser that does not own the kernel")
            raise web.HTTPError(403)
        task = asyncio.get_running_loop().create_task(
            shut_down_when_quiet(self.kernel_manager, kernel_id)
        )
        _shutting_down.add(task)
        task.add_done_callback(_shutting_down.discard)
        self.set_status(204)
        self.finish()


class CourseKernelHandler(KernelHandler):
    """``/api/kernels/<kernel id>``, which also gives the page the ``_xsrf`` cookie that its
    shutdown on unload sends back.

    Voila's page posts ``_xsrf`` (read from ``document.cookie``) to ``/voila/api/shutdown``, and
    Jupyter Server checks it against that cookie, but nothing in standalone Voila ever sets it:
    every tab-close shutdown was refused (voila-dashboards/voila#1458). The page fetches its
    kernel's model here before it listens for its tab closing, so the cookie is always there by
    then. (Here rather than in the page's handler, which widgets_lib/server/limits.py replaces.)"""

    async def get(self, kernel_id: str) -> None:
        self.xsrf_token  # noqa: B018 - reading it sets the cookie (tornado)
        await super().get(kernel_id)


def keyed_kernel_manager(base_class: type) -> type:
    """``base_class`` (a Jupyter Server kernel manager), starting each pre-heated kernel with its
    request socket's key in its environment and forgetting its request when it is shut down.

    Voila's pre-heating manager starts kernels with ``super().start_kernel(..., env=...)`` and
    generates no id itself, so the id is chosen here, where the key can be derived from it."""

    class KeyedKernelManager(base_class):
        async def start_kernel(self, *, kernel_id: str | None = None, **kwargs) -> str:
            env = kwargs.get("env")
            if kernel_id is None and env and env.get("VOILA_PREHEAT") == "True":
                kernel_id = self.new_kernel_id(**kwargs)
                kwargs["env"] = {**env, QUERY_KEY_ENV: query_key(kernel_id)}
            return await ensure_async(super().start_kernel(kernel_id=kernel_id, **kwargs))

        async def shutdown_kernel(self, kernel_id: str, *args, **kwargs):
            try:
                return await ensure_async(super().shutdown_kernel(kernel_id, *args, **kwargs))
            finally:
                forget_request(kernel_id)

    return KeyedKernelManager


def use_course_handlers() -> None:
    """Make the Voila application route its request socket, its shutdown and its kernel model to
    the course's handlers (``Voila.init_handlers`` reads these names from ``voila.app``)."""
    import voila.app

    voila.app.RequestInfoSocketHandler = CourseRequestInfoSocketHandler
    RequestInfoSocketHandler.send_updates = classmethod(_send_updates)
    voila.app.VoilaShutdownKernelHandler = CourseShutdownKernelHandler
    voila.app.KernelHandler = CourseKernelHandler


class ScrubKernelIds(logging.Filter):
    """Replace kernel ids in log lines above DEBUG with a tag (``kernel-1a2b3c4d``).

    A kernel's id used to open its visitor's request and end its kernel, and Voila logs every one
    ("Kernel started: …", "Using pre-heated kernel: …"). The tag is a keyed hash, the same for one
    kernel in every line, so the log can still be followed. ``COURSE_LOG_KERNEL_IDS=1`` keeps the
    ids (for a benchmark that finds a visitor's kernel process by its id)."""

    def __init__(self, keep: bool | None = None) -> None:
        super().__init__()
        self.keep = os.environ.get("COURSE_LOG_KERNEL_IDS") == "1" if keep is None else keep

    def filter(self, record: logging.LogRecord) -> bool:
        if self.keep or record.levelno <= logging.DEBUG:
            return True
        message = record.getMessage()
        if KERNEL_ID.search(message):
            record.msg, record.args = KERNEL_ID.sub(_kernel_tag, message), ()
        return True


def _kernel_tag(match: re.Match) -> str:
    return "kernel-" + keyed_hash("log kernel", match.group(0))[:8]
