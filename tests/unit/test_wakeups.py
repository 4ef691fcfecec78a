"""A kernel message whose arrival ZeroMQ did not announce is still taken (widgets_lib/server/wakeups.py).

The missed announcement is made on purpose: while the server's loop cannot run, a blocking
``zmq_poll`` on the receiving socket waits for the message, and in doing so reads the signal that
would have woken the loop. The message is then in the socket, and nothing will announce it.
"""

from __future__ import annotations

import asyncio
import contextlib
from queue import Empty

import pytest
import zmq
import zmq.asyncio
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.session import Session

from widgets_lib.server import wakeups

_one_turn = wakeups._one_turn  # let every ready task run once (no fixed delay)
ORIGINAL = wakeups.ORIGINAL_GET_MSG  # jupyter_client's own, even if a test installed the re-check


@contextlib.contextmanager
def _sockets(receiver_context: zmq.Context):
    """A receiving DEALER socket of ``receiver_context`` and a blocking DEALER connected to it."""
    sender_context = zmq.Context()
    receiver = receiver_context.socket(zmq.DEALER)
    port = receiver.bind_to_random_port("tcp://127.0.0.1")
    sender = sender_context.socket(zmq.DEALER)
    sender.connect(f"tcp://127.0.0.1:{port}")
    try:
        yield receiver, sender
    finally:
        sender.close(linger=0)
        receiver.close(linger=0)
        receiver_context.term()
        sender_context.term()


def _read_the_announcement(receiver: zmq.Socket) -> None:
    """Wait, blocking the loop, until a message has come to ``receiver``: the blocking poll reads
    the signal that would have woken the loop."""
    poller = zmq.Poller()
    poller.register(zmq.Socket.shadow(receiver.underlying), zmq.POLLIN)
    assert poller.poll(5000), "the message did not arrive"


async def _reply(get_msg, within: float, announced: bool) -> dict:
    """A reply sent to a channel already waiting in ``get_msg``; unless ``announced``, its
    announcement is read away."""
    with _sockets(zmq.asyncio.Context()) as (receiver, sender):
        session = Session(key=b"")
        channel = AsyncZMQSocketChannel(receiver, session)
        waiting = asyncio.ensure_future(get_msg(channel))
        await _one_turn()  # it now waits on the socket's descriptor
        session.send(sender, "execute_reply", content={"status": "ok"})
        if not announced:
            _read_the_announcement(receiver)
        return await asyncio.wait_for(waiting, within)


def test_an_unannounced_reply_is_taken_by_the_recheck():
    before = wakeups.Missed.count
    reply = asyncio.run(_reply(wakeups.get_msg, wakeups.RECHECK_S * 10, announced=False))
    assert reply["msg_type"] == "execute_reply"
    assert reply["content"] == {"status": "ok"}
    assert wakeups.Missed.count == before + 1


def test_without_the_recheck_the_same_reply_waits_for_ever():
    """The scenario above does lose the wakeup: jupyter_client's own get_msg never returns."""
    with pytest.raises(TimeoutError):
        asyncio.run(_reply(ORIGINAL, wakeups.RECHECK_S * 3, announced=False))


def test_an_announced_reply_is_taken_and_not_counted():
    before = wakeups.Missed.count
    reply = asyncio.run(_reply(wakeups.get_msg, wakeups.RECHECK_S * 10, announced=True))
    assert reply["content"] == {"status": "ok"}
    assert wakeups.Missed.count == before


@pytest.mark.parametrize("timeout", [0, 0.05, 1.5])
def test_a_timeout_still_ends_in_empty(timeout):
    async def scenario() -> None:
        with _sockets(zmq.asyncio.Context()) as (receiver, _sender):
            channel = AsyncZMQSocketChannel(receiver, Session(key=b""))
            with pytest.raises(Empty):
                await wakeups.get_msg(channel, timeout=timeout)

    asyncio.run(scenario())


def _stream_hears_unannounced(monkeypatch, recheck: bool, within: float) -> list:
    """A ZMQStream (as Jupyter Server's websockets use) whose message's announcement is read away."""
    from zmq.eventloop.zmqstream import ZMQStream

    monkeypatch.setattr(ZMQStream, "__init__", wakeups.ORIGINAL_STREAM_INIT)  # restored afterwards
    monkeypatch.setattr(wakeups._Streams, "check", None)
    if recheck:
        wakeups._recheck_streams()
    heard: list = []

    async def scenario() -> None:
        with _sockets(zmq.Context()) as (receiver, sender):
            stream = ZMQStream(receiver)
            arrived = asyncio.get_running_loop().create_future()
            stream.on_recv(lambda msg: (heard.append(msg), arrived.done() or arrived.set_result(0)))
            try:
                await _one_turn()
                sender.send_multipart([b"comm_msg", b"saved"])
                _read_the_announcement(receiver)
                await asyncio.wait_for(arrived, within)
            finally:
                stream.close(linger=0)

    try:
        asyncio.run(scenario())
    finally:
        if wakeups._Streams.check is not None:
            wakeups._Streams.check.stop()
    return heard


def test_a_websocket_stream_is_handed_an_unannounced_message(monkeypatch):
    heard = _stream_hears_unannounced(monkeypatch, recheck=True, within=wakeups.RECHECK_S * 10)
    assert heard == [[b"comm_msg", b"saved"]]


def test_without_the_recheck_the_stream_never_hears_it(monkeypatch):
    with pytest.raises(TimeoutError):
        _stream_hears_unannounced(monkeypatch, recheck=False, within=wakeups.RECHECK_S * 3)


def test_the_server_and_the_hub_servers_use_the_recheck():
    from pathlib import Path

    root = Path(wakeups.__file__).resolve().parent
    for module in ("serve.py", "singleuser.py"):
        assert "recheck_kernel_messages()" in (root / module).read_text(), module
