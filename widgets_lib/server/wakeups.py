"""Kernel messages that ZeroMQ did not announce: looked for every second, not waited on for ever.

The server hears each kernel over ZeroMQ sockets, and an asyncio loop learns that a message has
come through a file descriptor that signals edges, not levels. Under load about one lesson page in a
hundred never finished (issue 18; ``bench/stuck_pages.py`` found one after 6 and after 173 pages
on a quiet 2-core machine). In each case the kernel had run the visitor's last cell and sent its reply; the
reply sat readable in the server's socket (``ZMQ_EVENTS`` said ``POLLIN``; its descriptor was in the
loop's epoll set), and the coroutine of Voila's executor that waited for it was never woken, so the
page waited for ever. pyzmq and libzmq have a long history of such missed edges (pyzmq#229, #1085,
#1208, #2173), and the bindings that met them (gevent's, eventlet's) settled on the same remedy:
ask the socket itself again after a while.

So every wait for a kernel message through jupyter_client's asyncio channel (``get_msg``, which
Voila's executor uses for every cell's reply and outputs) asks the socket at least every
:data:`RECHECK_S` seconds whether a message is there (``ZMQ_EVENTS``, the socket's own state),
and takes one that is; every ZMQStream (Jupyter Server's kernel websockets, through which a save is
acknowledged) is looked at as often. A missed edge then costs at most a second instead of the page.
Replies found this way are counted and logged.
"""

from __future__ import annotations

import asyncio
import logging
import os
import select
import time
import weakref
from queue import Empty
from typing import Any

import zmq
from jupyter_client.channels import AsyncZMQSocketChannel
from tornado.ioloop import PeriodicCallback
from zmq.eventloop.zmqstream import ZMQStream

# COURSE_KERNEL_RECHECK_S: seconds between re-checks (0: wait on ZeroMQ's announcement alone, as
# jupyter_client does; for measuring what the re-check changes).
RECHECK_S = float(os.environ.get("COURSE_KERNEL_RECHECK_S", "") or 1.0)
ANNOUNCE_TURNS = 4  # loop turns from a readable descriptor to the poll's result: 2 measured
ORIGINAL_GET_MSG = AsyncZMQSocketChannel.get_msg  # jupyter_client's own (the tests compare)
ORIGINAL_STREAM_INIT = ZMQStream.__init__

log = logging.getLogger("Voila")  # the server's own log


class Missed:
    """How many kernel messages were found by a re-check rather than announced (for the log)."""

    count = 0


async def _one_turn() -> None:
    """Let every callback and task that is ready run once."""
    loop = asyncio.get_running_loop()
    turn = loop.create_future()
    loop.call_soon(turn.set_result, None)
    await turn


async def get_msg(self: AsyncZMQSocketChannel, timeout: float | None = None) -> dict[str, Any]:
    """``AsyncZMQSocketChannel.get_msg`` (the next message; ``queue.Empty`` after ``timeout``
    seconds, never when it is None), asking the socket again at least every :data:`RECHECK_S`."""
    assert self.socket is not None
    if timeout is not None and timeout <= 0:
        if await self.socket.poll(0):
            return await self._recv()
        raise Empty
    deadline = None if timeout is None else time.monotonic() + timeout
    announced = self.socket.poll(None)  # done when ZeroMQ's descriptor says a message came
    try:
        while True:
            wait = RECHECK_S if deadline is None else min(RECHECK_S, deadline - time.monotonic())
            if wait > 0 and (await asyncio.wait({announced}, timeout=wait))[0]:
                break
            # A message announced as the wait ended reaches `announced` a few turns of the loop
            # later (pyzmq resolves it through a chain of callbacks): let it, so that only a
            # message ZeroMQ never announced is counted.
            for _turn in range(ANNOUNCE_TURNS):
                await _one_turn()
            if announced.done():
                break
            if self.socket.get(zmq.EVENTS) & zmq.POLLIN:  # the socket's own state
                Missed.count += 1
                log.info(
                    "Course: a kernel message that ZeroMQ did not announce was found by the "
                    "%.0f s re-check (%d so far)",
                    RECHECK_S,
                    Missed.count,
                )
                break
            if deadline is not None and time.monotonic() >= deadline:
                raise Empty
    finally:
        announced.cancel()  # nothing if it is done
    return await self._recv()


def recheck_kernel_messages() -> None:
    """Make this process's asyncio kernel channels use :func:`get_msg` and its ZMQStreams looked
    at every :data:`RECHECK_S` seconds (unless ``COURSE_KERNEL_RECHECK_S`` is 0)."""
    if RECHECK_S <= 0 or AsyncZMQSocketChannel.get_msg is get_msg:
        return
    AsyncZMQSocketChannel.get_msg = get_msg  # type: ignore[method-assign]
    _recheck_streams()


class _Streams:
    """The open ZMQStreams of this process (the kernels' websockets, the activity watchers) and
    the one periodic check that looks at them all."""

    open: weakref.WeakSet = weakref.WeakSet()
    check: PeriodicCallback | None = None
    missed = 0


def _look_at_streams() -> None:
    """Hand each stream a message its socket holds whose descriptor is not readable. (A readable
    descriptor's callback runs before the loop's timers, so an announced message has been taken
    before this runs; the rest is either unannounced or queued behind one the stream has just
    taken, and handling it here is harmless either way.)"""
    streams = []
    for stream in list(_Streams.open):
        socket = stream.socket
        if socket is None or socket.closed:
            _Streams.open.discard(stream)
        elif stream.receiving():
            streams.append((stream, socket))
    if not streams:
        return
    poller = select.poll()  # not select(): a class's server has descriptors past 1024
    descriptors = {}
    for stream, socket in streams:
        try:
            descriptors[stream] = socket.FD
        except zmq.ZMQError:  # closed under it: its own close check sees to it
            continue
        poller.register(descriptors[stream], select.POLLIN)
    readable = {fd for fd, _ in poller.poll(0)}
    for stream, socket in streams:
        if stream not in descriptors or descriptors[stream] in readable:
            continue
        try:
            events = socket.get(zmq.EVENTS)
        except zmq.ZMQError:
            continue
        if events & zmq.POLLIN:
            _Streams.missed += 1
            log.debug(
                "Course: a stream's waiting message taken by the re-check (%d)", _Streams.missed
            )
            stream._handle_events(socket, 0)


def _recheck_streams() -> None:
    """Make every ZMQStream of this process looked at every :data:`RECHECK_S` seconds: Jupyter
    Server passes kernel messages to and from the browser through them, and a missed announcement
    there would leave a reply waiting until the kernel's next message."""
    opened = ORIGINAL_STREAM_INIT

    def __init__(self, *args, **kwargs) -> None:
        opened(self, *args, **kwargs)
        _Streams.open.add(self)
        if _Streams.check is None:
            _Streams.check = PeriodicCallback(_look_at_streams, RECHECK_S * 1000)
            _Streams.check.start()

    ZMQStream.__init__ = __init__  # type: ignore[method-assign]
